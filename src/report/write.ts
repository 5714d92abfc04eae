import { join } from 'node:path';
import { writeFilesAtomic } from '../model/files.js';
import { renderCsv, renderStepsCsv } from './csv.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';

export function reportJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** Writes summary.csv, report.json, report.md (and steps.csv) into dir: temp files first, then renames. */
export function writeReports(dir: string, r: Report): string[] {
  const files = [
    { path: join(dir, 'summary.csv'), content: renderCsv(r) },
    { path: join(dir, 'report.json'), content: reportJson(r) },
    { path: join(dir, 'report.md'), content: renderMarkdown(r) },
  ];
  const steps = renderStepsCsv(r);
  if (steps) files.push({ path: join(dir, 'steps.csv'), content: steps });
  writeFilesAtomic(files);
  return files.map((f) => f.path);
}
