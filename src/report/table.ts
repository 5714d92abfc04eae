/** Plain-text tables for the terminal and for Markdown, rendered from the report. */
import type { CaseResult, PairRow } from '../check/compare.js';
import { num } from './model.js';

export const ROW_HEADER = ['tensor', 'shape', 'pair', 'maxAbsErr', 'maxRelErr', 'relErrNorm', 'cosine', 'worst element: a vs r, error/bound', 'verdict'];

export function worstText(row: PairRow): string {
  if (!row.worst) return '';
  const at = row.worst.index.length ? `[${row.worst.index.join(', ')}] ` : '';
  const full = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(9))) : num(x));
  const used = Number.isFinite(row.worst.excess) ? `, ${num(row.worst.excess)}× bound` : '';
  return `${at}${full(row.worst.a)} vs ${full(row.worst.r)}${used}`;
}

/**
 * Why a row has no error measures, or null when it has them: "non-finite (a: 2, r: 256)" (how many elements
 * of each side are NaN or ±Inf), or "not given" (a side gives no such tensor; the verdict says which).
 */
export function unmeasuredText(row: Pick<PairRow, 'nonFinite' | 'relErrNorm'>): string | null {
  if (row.nonFinite) {
    const { a, r } = row.nonFinite;
    return `non-finite (${[a ? `a: ${a}` : '', r ? `r: ${r}` : ''].filter(Boolean).join(', ')})`;
  }
  return Number.isNaN(row.relErrNorm) ? 'not given' : null;
}

export function rowCells(row: PairRow): string[] {
  const verdict = row.pass ? 'pass' : `FAIL${row.reason ? `: ${row.reason}` : ` (${row.failing} of ${row.count} outside tolerance)`}`;
  const cos = Number.isFinite(row.cosine) ? row.cosine.toFixed(9) : num(row.cosine);
  const nf = unmeasuredText(row);
  const measures = nf ? [nf, nf, nf, nf] : [num(row.maxAbsErr), num(row.maxRelErr), num(row.relErrNorm), cos];
  return [row.tensor, row.shape, `${row.a} vs ${row.r}`, ...measures, worstText(row), verdict];
}

/** Columns padded to their widest cell. */
export function alignedTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function markdownTable(header: string[], rows: string[][]): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
}

export function caseTitle(c: CaseResult): string {
  const k = c.config;
  return `${c.id}: ${k.cell}/${k.activation}, bias ${k.bias ? 'on' : 'off'}, ${k.inputs === 'tokens' ? 'token' : 'dense'} inputs, I=${k.I} H=${k.H} K=${k.K} T=${k.T} B=${k.B}${k.initialState ? ', given s₋₁' : ''}`;
}
