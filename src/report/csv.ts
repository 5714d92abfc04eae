import { createObjectCsvStringifier } from 'csv-writer';
import type { Report } from './model.js';

const COLUMNS = [
  'case', 'cell', 'activation', 'bias', 'inputs', 'I', 'H', 'K', 'T', 'B', 'initialState',
  'tensor', 'shape', 'a', 'r', 'maxAbsErr', 'maxRelErr', 'relErrNorm', 'cosine',
  'worstIndex', 'worstA', 'worstR', 'failing', 'count', 'atol', 'rtol', 'pass', 'reason',
] as const;

/** summary.csv: one row per case × tensor × pair, numbers at full precision. */
export function renderCsv(report: Report): string {
  const csv = createObjectCsvStringifier({ header: COLUMNS.map((id) => ({ id, title: id })) });
  const records = report.cases.flatMap((c) =>
    c.rows.map((row) => ({
      case: c.id,
      ...c.config,
      tensor: row.tensor,
      shape: row.shape,
      a: row.a,
      r: row.r,
      maxAbsErr: row.maxAbsErr,
      maxRelErr: row.maxRelErr,
      relErrNorm: row.relErrNorm,
      cosine: row.cosine,
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
  );
  return csv.getHeaderString()! + csv.stringifyRecords(records);
}
