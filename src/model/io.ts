import { basename } from 'node:path';
import { caseToFile, type Case } from './case.js';
import { writeFileAtomic } from './atomic.js';
import { readJsonFile } from './files.js';
import { parseCase } from './validate.js';
import { refuseForeignNames } from './view.js';
import { jsonSafe } from './errors.js';
import {
  caseFileFromConventions,
  conventionsOf,
  withConventions,
  type Conventions,
  type ConventionsFile,
} from './conventions.js';

/**
 * What decides the conventions a case is read in, given what the file itself declares (its `conventions`):
 * undefined when nothing declares any (the case is ours).
 */
export type ConventionsFor = (declared: ConventionsFile | undefined) => Conventions | undefined;

/**
 * Reads and validates a case file, in the conventions `conventionsFor` decides (default: the file's own
 * `conventions`, else ours). Throws InputError with a one-line message on any problem.
 */
export function loadCase(path: string, conventionsFor?: ConventionsFor): Case {
  const raw = readJsonFile(path, 'case file');
  return caseIn(raw, basename(path), basename(path).replace(/\.case\.json$|\.json$/, ''), conventionsFor);
}

/** A parsed case object (a file's, a gradients file that holds its case) read in its conventions. */
export function caseIn(raw: unknown, where: string, fallbackId: string, conventionsFor?: ConventionsFor): Case {
  const obj = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  const declared = obj?.conventions as ConventionsFile | undefined;
  const conv = conventionsFor
    ? conventionsFor(declared)
    : declared !== undefined
      ? defaultOf(declared, where)
      : undefined;
  if (!conv || !obj) {
    if (obj) refuseForeignNames(obj.params, `${where}: params`);
    return parseCase(raw, where, fallbackId);
  }
  const { conventions: _declared, ...file } = obj;
  const c = parseCase(
    { ...caseFileFromConventions(file, conv, where), ...(typeof obj.id === 'string' ? { id: obj.id } : {}) },
    where,
    fallbackId,
  );
  return withConventions(c, conv);
}

const defaultOf = (declared: ConventionsFile, where: string): Conventions =>
  conventionsOf(declared, `${where}: conventions`);

/** Numbers are written by JSON.stringify, which round-trips every float64 exactly. */
export function caseJson(c: Case): string {
  return `${jsonSafe(JSON.stringify(caseToFile(c)))}\n`;
}

export function saveCase(c: Case, path: string): void {
  writeFileAtomic(path, caseJson(c));
}
