import { basename } from 'node:path';
import { caseToFile, type Case } from './case.js';
import { writeFileAtomic } from './atomic.js';
import { readJsonFile } from './files.js';
import { parseCase } from './validate.js';
import { jsonSafe } from './errors.js';

/** Reads and validates a case file. Throws InputError with a one-line message on any problem. */
export function loadCase(path: string): Case {
  const raw = readJsonFile(path, 'case file');
  return parseCase(raw, basename(path), basename(path).replace(/\.case\.json$|\.json$/, ''));
}

/** Numbers are written by JSON.stringify, which round-trips every float64 exactly. */
export function caseJson(c: Case): string {
  return `${jsonSafe(JSON.stringify(caseToFile(c)))}\n`;
}

export function saveCase(c: Case, path: string): void {
  writeFileAtomic(path, caseJson(c));
}
