/** The vanishing report: JSON, Markdown, CSV, and HTML with its charts, swapped into the report directory as a whole. */
import { createObjectCsvStringifier } from 'csv-writer';
import type { VanishingResult } from '../vanishing/analyse.js';
import { writeRunDir, type RunFile } from '../model/out-dir.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { renderChart } from './charts.js';
import { vanishingCharts } from './vanishing-charts.js';
import { renderVanishingHtml, type VanishingMeta } from './vanishing-html.js';
import {
  samplesText,
  SERIES_HEADER,
  seriesRows,
  vanishingNotes,
  vanishingSetup,
  vanishingVerdict,
} from './vanishing-text.js';
import { lagsTo1e6, vanishingAnswers } from './vanishing-answers.js';
import { FIELD_NAMES, type Names } from './text.js';
import { REPORT_SCHEMA_VERSION } from './json-types.js';
import { alignedTable, markdownTable } from './table.js';
import { jsonSafe, mdFence, mdText, visible } from './escape.js';

export function vanishingJson(v: VanishingResult, meta: VanishingMeta): string {
  const doc = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kind: 'vanishing',
    createdAt: meta.createdAt,
    backend: meta.backend,
    tfjsVersion: meta.tfjsVersion,
    command: meta.command,
    caseId: v.caseId,
    T: v.T,
    H: v.H,
    caseW: v.caseW,
    seeds: v.seeds,
    batch: v.batch,
    // lagsTo1e6: the steps to 1e-6, measured (fit null) or extrapolated from the factor fitted on fit's lags; lags null: no decay
    series: v.series.map((s) => {
      const x = lagsTo1e6(s);
      return { ...s, lagsTo1e6: { lags: Number.isFinite(x.lags) ? x.lags : null, measured: x.measured, fit: x.fit } };
    }),
    ...vanishingAnswers(v),
    pass: v.pass,
    notes: vanishingNotes(v),
  };
  return `${jsonSafe(JSON.stringify(doc, null, 2))}\n`;
}

/** `names`: as renderMarkdown's, applied to the sentences that name option fields (setup, answers). */
export function vanishingMarkdown(v: VanishingResult, meta: VanishingMeta, names: Names = FIELD_NAMES): string {
  const { answer, cellsAnswer } = vanishingAnswers(v);
  return [
    `# bptt-check vanishing: ${v.pass ? 'PASS' : 'FAIL'}`,
    '',
    `**${vanishingVerdict(v)}**`,
    '',
    names(vanishingSetup(v, mdText)),
    '',
    '## Would sigmoid help?',
    '',
    names(answer),
    '',
    ...(cellsAnswer ? ['## How much longer do gradients survive in gated cells?', '', names(cellsAnswer), ''] : []),
    '## Series',
    '',
    ...markdownTable(SERIES_HEADER, seriesRows(v)),
    '',
    ...vanishingNotes(v).flatMap((n) => [n, '']),
    `Each per-lag value is the ${samplesText(v).replace(/^one sample/, 'value of one sample')}. ` +
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

/** vanishing.csv: one row per series × k; dLlast_ds and jacobianNorm the median over the samples, beside their min and max. */
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
    'dLlast_dsMin',
    'dLlast_dsMax',
    'jacobianNormMin',
    'jacobianNormMax',
    'samples',
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
      tfGrad: s.lagStatus[k], // compared (in every sample), or why not
      dLlast_dsMin: s.dLlast_dsRange.min[k] ?? '',
      dLlast_dsMax: s.dLlast_dsRange.max[k] ?? '',
      jacobianNormMin: s.jacobianRange.min[k] ?? '',
      jacobianNormMax: s.jacobianRange.max[k] ?? '',
      samples: s.samples,
    })),
  );
  return csv.getHeaderString()! + csv.stringifyRecords(rows);
}

/** `names` shows the option fields the text names (text.ts): the CLI's withFlags writes them as flags. */
export async function writeVanishingReports(
  dir: string,
  v: VanishingResult,
  meta: VanishingMeta,
  names: Names = FIELD_NAMES,
): Promise<string[]> {
  const charts = await Promise.all(vanishingCharts(v).map(renderChart));
  const files: RunFile[] = [
    { name: 'report.json', content: names(vanishingJson(v, meta)) },
    { name: 'report.md', content: vanishingMarkdown(v, meta, names) },
    { name: 'vanishing.csv', content: names(vanishingCsv(v)) },
    { name: 'report.html', content: names(renderVanishingHtml(v, meta, charts)) },
    ...charts.map((c) => ({ name: `${c.name}.png`, content: c.png })),
  ];
  return writeRunDir(dir, files); // dir holds this run's files (and the user's), never an earlier run's
}

/** What `vanishing` prints: the series table, the notes, the answers, the files written and the verdict. */
export function vanishingConsole(v: VanishingResult, written: string[], names: Names = FIELD_NAMES): string {
  const { answer, cellsAnswer } = vanishingAnswers(v);
  return names(
    [
      ...alignedTable(SERIES_HEADER, seriesRows(v)),
      '',
      ...vanishingNotes(v).flatMap((n) => [n, '']),
      answer,
      '',
      ...(cellsAnswer ? [cellsAnswer, ''] : []),
      `reports: ${written.map(visible).join(', ')}`,
      vanishingVerdict(v),
      '',
    ].join('\n'),
  );
}
