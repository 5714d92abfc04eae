/**
 * The subject's adjoints in every report (check/adjoints.ts): the line of the console and the Markdown, the
 * Markdown table, the HTML chart of the subject's ‖∂L/∂s_t‖ against the reference's, and adjoints.csv.
 * BPTT computes the adjoints from t = T−1 down, so the line names the largest failing step: where the error enters.
 */
import { createObjectCsvStringifier } from 'csv-writer';
import { chartTitle, logAxis, SCHEMA, type ChartSpec } from './charts.js';
import { csvText } from './escape.js';
import type { AdjointCompareJson, AdjointsJson } from './json-types.js';
import type { Report } from './model.js';
import { markdownTable } from './table.js';

const span = (hi: number, lo: number) => (hi === lo ? `t = ${hi}` : `t = ${hi}…${lo}`);

/** The adjoints a result compares: ∂L/∂s_t, and ∂L/∂c_t when the subject gave the LSTM's. */
const quantities = (a: AdjointsJson) => (a.rows.some((r) => r.c) ? '∂L/∂s_t and ∂L/∂c_t' : '∂L/∂s_t');

/** What the adjoints say: e.g. "agree for t = 6…4, wrong from t = 3 down (∂L/∂s_t at t = 3): the error enters at step 3". */
export function adjointsText(a: AdjointsJson): string {
  const T = a.rows.length;
  if (a.entry === null) return `agree at every step ${span(T - 1, 0)}`;
  const k = a.entry;
  const row = a.rows[k]!;
  const which = [!row.s.pass ? '∂L/∂s_t' : '', row.c && !row.c.pass ? '∂L/∂c_t' : ''].filter(Boolean).join(' and ');
  const above = k < T - 1 ? `agree for ${span(T - 1, k + 1)}, ` : '';
  const contiguous = a.failing.length === k + 1;
  const below = contiguous
    ? k === 0
      ? 'wrong at t = 0'
      : `wrong from t = ${k} down`
    : `wrong at t = ${a.failing.join(', ')}`;
  const at = k === T - 1 ? `at the last step, t = ${k}` : `at step ${k}`;
  return `${above}${below} (${which} at t = ${k}): the error enters ${at}`;
}

/** The one line of the console and the HTML caption: "adjoints of yours (∂L/∂s_t, against tfjs-ops): …". */
export function adjointsLine(a: AdjointsJson, subject: string): string {
  return `adjoints of ${subject} (${quantities(a)}, against ${a.reference.split(' ')[0]}): ${adjointsText(a)}`;
}

/** The Markdown section of the adjoint check. */
export function adjointsSection(a: AdjointsJson, subject: string): string[] {
  const cell = (v?: AdjointCompareJson) =>
    v ? `${num(v.subject)} / ${num(v.reference)} / ${num(v.relErrNorm)}${v.pass ? '' : ' ✗'}` : '';
  const withC = a.rows.some((r) => r.c);
  const line = `The ${quantities(a)} of ${subject} ${adjointsText(a)}`;
  return [
    `#### Adjoints per step: ${subject} against ${a.reference}`,
    '',
    a.pass ? `${line}.` : `**${line}.**`,
    '',
    `Each cell: ‖${subject}‖ / ‖reference‖ / relErrNorm over the step's B rows. ∂L/∂s_t is the total derivative of L with respect to the state s_t${withC ? ', ∂L/∂c_t that with respect to the LSTM cell state c_t' : ''} (docs/formats.md, "Gradients file"); BPTT computes t = T−1 first.`,
    '',
    ...markdownTable(
      ['step t', '∂L/∂s_t', ...(withC ? ['∂L/∂c_t'] : [])],
      [...a.rows].reverse().map((r) => [String(r.step), cell(r.s), ...(withC ? [cell(r.c)] : [])]),
    ),
  ];
}

function num(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

/** The colours of the subject and of the reference in the adjoint chart. */
const SUBJECT_COLOUR = '#d6604d';
const REFERENCE_COLOUR = '#4c78a8';

/** The subject's ‖∂L/∂s_t‖ (and ‖∂L/∂c_t‖) against the reference's, per step, log scale. */
export function adjointsChart(a: AdjointsJson, subject: string, id?: string): ChartSpec {
  const values: Record<string, unknown>[] = [];
  const withC = a.rows.some((r) => r.c);
  for (const r of a.rows)
    for (const [q, v] of [
      ['∂L/∂s_t', r.s],
      ['∂L/∂c_t', r.c],
    ] as const) {
      if (!v) continue;
      for (const [side, n] of [
        [subject, v.subject],
        ['reference', v.reference],
      ] as const)
        if (n > 0 && Number.isFinite(n))
          values.push({ step: r.step, norm: n, side, adjoint: q, series: `${q}, ${side}`, pass: v.pass });
    }
  return {
    name: 'adjoints',
    spec: {
      $schema: SCHEMA,
      title: chartTitle(`‖adjoint‖ per step, ${subject} against ${a.reference.split(' ')[0]}`, id),
      width: 560,
      height: 300,
      data: { values },
      encoding: {
        x: {
          field: 'step',
          type: 'quantitative',
          title: 'time step t (steps)',
          axis: { format: 'd', tickMinStep: 1 },
        },
        y: {
          field: 'norm',
          type: 'quantitative',
          scale: { type: 'log', nice: true },
          title: `${withC ? '‖∂L/∂s_t‖, ‖∂L/∂c_t‖' : '‖∂L/∂s_t‖'} (norm, log scale)`,
          axis: logAxis(),
        },
        // one colour per side in every chart of the report, one dash per adjoint: the subject drawn thin over the
        // reference's broad pale line, so that where the two agree both are still seen
        color: {
          field: 'side',
          type: 'nominal',
          title: 'side',
          scale: { domain: [subject, 'reference'], range: [SUBJECT_COLOUR, REFERENCE_COLOUR] },
        },
        strokeDash: {
          field: 'adjoint',
          type: 'nominal',
          title: 'adjoint',
          scale: {
            domain: withC ? ['∂L/∂s_t', '∂L/∂c_t'] : ['∂L/∂s_t'], // the legend names only the adjoints drawn
            range: [
              [1, 0],
              [6, 3],
            ].slice(0, withC ? 2 : 1),
          },
          legend: { symbolType: 'stroke', symbolStrokeColor: '#444', symbolStrokeWidth: 2, symbolSize: 300 },
        },
        detail: { field: 'series' },
      },
      layer: [
        {
          mark: { type: 'line' },
          encoding: {
            strokeWidth: { condition: { test: "datum.side === 'reference'", value: 5 }, value: 1.6 },
            opacity: { condition: { test: "datum.side === 'reference'", value: 0.45 }, value: 1 },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            // a cross where the step fails
            shape: { condition: { test: '!datum.pass', value: 'cross' }, value: 'circle' },
          },
        },
      ],
    },
  };
}

/** adjoints.csv: one row per case × step of the adjoint check, with both norms and the error of each adjoint. */
export function renderAdjointsCsv(report: Report): string | null {
  const cases = report.cases.filter((c) => c.adjoints);
  if (!cases.length) return null;
  const parts = ['s', 'c'] as const;
  const header = [
    'case',
    'step',
    ...parts.flatMap((p) => [`${p}_subject`, `${p}_reference`, `${p}_relErrNorm`, `${p}_pass`]),
    'pass',
  ];
  const csv = createObjectCsvStringifier({ header: header.map((id) => ({ id, title: id })) });
  const records = cases.flatMap((c) =>
    c.adjoints!.rows.map((row) => {
      const rec: Record<string, unknown> = { case: csvText(c.id), step: row.step, pass: row.pass };
      for (const p of parts) {
        const v = row[p];
        if (v)
          Object.assign(rec, {
            [`${p}_subject`]: v.subject,
            [`${p}_reference`]: v.reference,
            [`${p}_relErrNorm`]: v.relErrNorm,
            [`${p}_pass`]: v.pass,
          });
      }
      return rec;
    }),
  );
  return csv.getHeaderString()! + csv.stringifyRecords(records);
}
