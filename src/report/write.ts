import { join } from 'node:path';
import { writeFilesAtomic } from '../model/files.js';
import { renderCsv, renderStepsCsv } from './csv.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';
import { heatmapChart, renderChart, stepsChart, type ChartSpec, type RenderedChart } from './charts.js';
import { renderCompareHtml } from './html.js';

export function reportJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** The compare report's charts: the dW heatmap and the error against time step, when the data is there. */
async function compareCharts(r: Report): Promise<RenderedChart[]> {
  const c = r.kind !== 'suite' ? r.cases[0] : undefined;
  const specs: ChartSpec[] = [];
  if (c?.heatmap) specs.push(heatmapChart(c.heatmap));
  if (c?.steps) specs.push(stepsChart(c.steps));
  return Promise.all(specs.map(renderChart));
}

/**
 * Writes summary.csv, report.json, report.md (and steps.csv; for compare report.html and a PNG per chart)
 * into dir: every file to a temporary name first, then all renamed into place.
 */
export async function writeReports(dir: string, r: Report): Promise<string[]> {
  const files: { path: string; content: string | Uint8Array }[] = [
    { path: join(dir, 'summary.csv'), content: renderCsv(r) },
    { path: join(dir, 'report.json'), content: reportJson(r) },
    { path: join(dir, 'report.md'), content: renderMarkdown(r) },
  ];
  const steps = renderStepsCsv(r);
  if (steps) files.push({ path: join(dir, 'steps.csv'), content: steps });
  if (r.kind !== 'suite') {
    const charts = await compareCharts(r);
    files.push({ path: join(dir, 'report.html'), content: renderCompareHtml(r, charts) });
    for (const c of charts) files.push({ path: join(dir, `${c.name}.png`), content: c.png });
  }
  writeFilesAtomic(files);
  return files.map((f) => f.path);
}
