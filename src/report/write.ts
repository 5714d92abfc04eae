import { join } from 'node:path';
import { writeFilesAtomic } from '../model/files.js';
import { renderCsv } from './csv.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';

export function reportJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** Writes summary.csv, report.json and report.md into dir, all or none (temp files, then renames). */
export function writeReports(dir: string, r: Report): string[] {
  const files = [
    { path: join(dir, 'summary.csv'), content: renderCsv(r) },
    { path: join(dir, 'report.json'), content: reportJson(r) },
    { path: join(dir, 'report.md'), content: renderMarkdown(r) },
  ];
  writeFilesAtomic(files);
  return files.map((f) => f.path);
}
