import { createObjectCsvStringifier } from 'csv-writer';
import type { Report } from './model.js';
import { unmeasuredText } from './table.js';
import { csvText } from './escape.js';

const COLUMNS = [
  'case',
  'cell',
  'activation',
  'bias',
  'inputs',
  'I',
  'H',
  'K',
  'T',
  'B',
  'initialState',
  'tensor',
  'shape',
  'a',
  'r',
  'maxAbsErr',
  'maxRelErr',
  'relErrNorm',
  'cosine',
  'worstIndex',
  'worstA',
  'worstR',
  'failing',
  'count',
  'atol',
  'rtol',
  'pass',
  'reason',
] as const;

/** summary.csv: one row per case × tensor × pair, numbers at full precision; the case id, a user string, through csvText. */
export function renderCsv(report: Report): string {
  const csv = createObjectCsvStringifier({ header: COLUMNS.map((id) => ({ id, title: id })) });
  const records = report.cases.flatMap((c) => [
    ...c.rows.map((row) => ({
      case: csvText(c.id), // a user string: one line, no formula (docs/formats.md)
      ...c.config,
      tensor: row.tensor,
      shape: row.shape,
      a: row.a,
      r: row.r,
      // a tensor with NaN or ±Inf, or not given, has no error measure: "non-finite (a: n, r: m)" or "not given" in its four columns
      ...Object.fromEntries(
        (['maxAbsErr', 'maxRelErr', 'relErrNorm', 'cosine'] as const).map((k) => [k, unmeasuredText(row) ?? row[k]]),
      ),
      worstIndex: row.worst ? `[${row.worst.index.join(' ')}]` : '',
      worstA: row.worst?.a ?? '',
      worstR: row.worst?.r ?? '',
      failing: row.failing,
      count: row.count,
      atol: report.tolerance.atol,
      rtol: report.tolerance.rtol,
      pass: row.pass,
      reason: row.reason ?? '',
    })),
    // a case that did not complete (a crashed worker) has no rows: one failing row that says why
    ...(c.error !== undefined
      ? [
          {
            case: csvText(c.id),
            ...c.config,
            failing: '',
            count: '',
            atol: report.tolerance.atol,
            rtol: report.tolerance.rtol,
            pass: false,
            reason: csvText(`the case did not complete: ${c.error}`),
          },
        ]
      : []),
    // a case not run (a cell the subject does not implement): one row that says why, neither passing nor failing
    ...(c.notRun !== undefined
      ? [
          {
            case: csvText(c.id),
            ...c.config,
            failing: '',
            count: '',
            atol: report.tolerance.atol,
            rtol: report.tolerance.rtol,
            pass: '',
            reason: csvText(`not run: ${c.notRun}`),
          },
        ]
      : []),
  ]);
  return csv.getHeaderString()! + csv.stringifyRecords(records);
}

/** steps.csv: one row per case × step of the per-step check (`stepsDetail`), with both norms and the error of each term. */
export function renderStepsCsv(report: Report): string | null {
  const withSteps = report.cases.filter((c) => c.steps);
  if (!withSteps.length) return null;
  const parts = ['adjoint', 'W', 'U', 'b'] as const;
  const header = [
    'case',
    'outputStep',
    'step',
    ...parts.flatMap((p) => [`${p}_hand`, `${p}_reference`, `${p}_relErrNorm`, `${p}_pass`]),
    'pass',
  ];
  const csv = createObjectCsvStringifier({ header: header.map((id) => ({ id, title: id })) });
  const records = withSteps.flatMap((c) =>
    c.steps!.rows.map((row) => {
      const rec: Record<string, unknown> = {
        case: csvText(c.id),
        outputStep: c.steps!.outputStep ?? 'all',
        step: row.step,
        pass: row.pass,
      };
      for (const p of parts) {
        const v = row[p];
        if (!v) continue;
        Object.assign(rec, {
          [`${p}_hand`]: v.hand,
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
