/** The vanishing report: JSON, Markdown, CSV, and HTML with its charts, swapped into the report directory as a whole. */
import { createObjectCsvStringifier } from 'csv-writer';
import type { VanishingResult } from '../vanishing/analyse.js';
import { writeRunDir, type RunFile } from '../model/out-dir.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { renderChart, vanishingCharts } from './charts.js';
import {
  renderVanishingHtml,
  SERIES_HEADER,
  seriesRows,
  vanishingNotes,
  vanishingSetup,
  vanishingVerdict,
  type VanishingMeta,
} from './html.js';
import { REPORT_SCHEMA_VERSION } from './json-types.js';
import { markdownTable } from './table.js';
import { jsonSafe, mdFence, mdText } from './escape.js';

export function vanishingJson(v: VanishingResult, meta: VanishingMeta): string {
  const doc = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kind: 'vanishing',
    createdAt: meta.createdAt,
    backend: meta.backend,
    tfjsVersion: meta.tfjsVersion,
    command: meta.command,
    ...v,
    notes: vanishingNotes(v),
  };
  return `${jsonSafe(JSON.stringify(doc, null, 2))}\n`;
}

export function vanishingMarkdown(v: VanishingResult, meta: VanishingMeta): string {
  return [
    `# bptt-check vanishing: ${v.pass ? 'PASS' : 'FAIL'}`,
    '',
    `**${vanishingVerdict(v)}**`,
    '',
    vanishingSetup(v, mdText),
    '',
    '## Would sigmoid help?',
    '',
    v.answer,
    '',
    ...(v.cellsAnswer ? ['## How much longer do gradients survive in gated cells?', '', v.cellsAnswer, ''] : []),
    '## Series',
    '',
    ...markdownTable(SERIES_HEADER, seriesRows(v)),
    '',
    ...vanishingNotes(v).flatMap((n) => [n, '']),
    'dLlast_ds[k] = ‖∂L_{T−1}/∂s_k‖₂, jacobianNorm[k] = ‖∂s_{T−1}/∂s_k‖₂ (gated cells: through s_k alone), bound[k] = (σ_max(W)·γ)^{T−1−k} with γ = sup f′ (tanh 1, sigmoid 1/4, relu 1; the RNN only), ' +
      'adjointBound[k] = ‖∂L_{T−1}/∂s_{T−1}‖₂·bound[k] (∂L_{T−1}/∂s_k = J_kᵀ ∂L_{T−1}/∂s_{T−1}). ' +
      'jacobianNorm ≤ bound at every lag is the sufficient condition for vanishing of Pascanu, Mikolov & Bengio (2013) when σ_max(W)·γ < 1; dLlast_ds ≤ adjointBound follows from it. ' +
      'The per-lag values are in vanishing.csv and report.json; the charts in report.html.',
    '',
    '## Reproduce',
    '',
    ...mdFence(meta.command, 'sh'),
    '',
  ].join('\n');
}

/** vanishing.csv: one row per series × k. */
export function vanishingCsv(v: VanishingResult): string {
  const header = [
    'cell',
    'activation',
    'wNorm',
    'k',
    'lag',
    'dLlast_ds',
    'jacobianNorm',
    'bound',
    'wSource',
    'adjointBound',
    'tfGrad',
  ];
  const csv = createObjectCsvStringifier({ header: header.map((id) => ({ id, title: id })) });
  const rows = v.series.flatMap((s) =>
    s.bound.map((b, k) => ({
      cell: s.cell,
      activation: s.activation,
      wNorm: s.wNorm,
      k,
      lag: v.T - 1 - k,
      dLlast_ds: s.dLlast_ds[k] ?? '',
      jacobianNorm: s.jacobianNorm[k] ?? '',
      bound: b ?? '',
      wSource: s.wSource,
      adjointBound: s.adjointBound[k] ?? '',
      tfGrad: s.lagStatus[k], // compared, or why not
    })),
  );
  return csv.getHeaderString()! + csv.stringifyRecords(rows);
}

export async function writeVanishingReports(dir: string, v: VanishingResult, meta: VanishingMeta): Promise<string[]> {
  const charts = await Promise.all(vanishingCharts(v.series).map(renderChart));
  const files: RunFile[] = [
    { name: 'report.json', content: vanishingJson(v, meta) },
    { name: 'report.md', content: vanishingMarkdown(v, meta) },
    { name: 'vanishing.csv', content: vanishingCsv(v) },
    { name: 'report.html', content: renderVanishingHtml(v, meta, charts) },
    ...charts.map((c) => ({ name: `${c.name}.png`, content: c.png })),
  ];
  return writeRunDir(dir, files); // dir holds this run's files (and the user's), never an earlier run's
}
