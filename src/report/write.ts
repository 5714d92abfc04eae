import { writeRunDir, type RunFile } from '../model/out-dir.js';
import { renderCsv, renderStepsCsv } from './csv.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';
import { renderCompareHtml } from './html.js';
import { jsonSafe } from './escape.js';
import { renderAdjointsCsv } from './adjoints.js';
import { compareCharts } from './compare-figures.js';
import { FIELD_NAMES, type Names } from './text.js';

export function reportJson(r: Report): string {
  return `${jsonSafe(JSON.stringify(r, null, 2))}\n`; // C1 and bidi controls as \u escapes: the same JSON, safe to print
}

/**
 * Writes summary.csv, report.json, report.md, report.html (and steps.csv, adjoints.csv; a PNG per chart of compare and verify)
 * (and `extra`, e.g. a JUnit file inside dir, written as given) as the new content of dir, swapped in as a whole (writeRunDir): dir then holds this run's files and the
 * user's own, never a file an earlier run left.
 */
export async function writeReports(
  dir: string,
  r: Report,
  extra: readonly RunFile[] = [],
  names: Names = FIELD_NAMES,
): Promise<string[]> {
  const files: RunFile[] = [
    { name: 'summary.csv', content: names(renderCsv(r)) },
    { name: 'report.json', content: names(reportJson(r)) },
    { name: 'report.md', content: renderMarkdown(r, names) },
  ];
  const steps = renderStepsCsv(r);
  if (steps) files.push({ name: 'steps.csv', content: steps });
  const adjoints = renderAdjointsCsv(r);
  if (adjoints) files.push({ name: 'adjoints.csv', content: adjoints });
  const charts = await compareCharts(r); // none for a suite (compare-figures.ts decides)
  files.push({ name: 'report.html', content: names(renderCompareHtml(r, charts)) });
  for (const c of charts) files.push({ name: `${c.name}.png`, content: c.png });
  return writeRunDir(dir, [...files, ...extra]);
}
