/** Plain-text tables for the terminal and for Markdown, rendered from the report. */
import type { CaseJson, RowJson } from './json-types.js';
import { num } from './text.js';
import { visible } from './escape.js';

export const ROW_HEADER = [
  'tensor',
  'shape',
  'pair',
  'maxAbsErr',
  'maxRelErr',
  'relErrNorm',
  'cosine',
  'worst element: a vs r, error/bound',
  'verdict',
];

export function worstText(row: RowJson): string {
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
export function unmeasuredText(row: Pick<RowJson, 'nonFinite' | 'relErrNorm'>): string | null {
  if (row.nonFinite) {
    const { a, r } = row.nonFinite;
    return `non-finite (${[a ? `a: ${a}` : '', r ? `r: ${r}` : ''].filter(Boolean).join(', ')})`;
  }
  return Number.isNaN(row.relErrNorm) ? 'not given' : null;
}

export function rowCells(row: RowJson): string[] {
  const verdict = row.pass
    ? 'pass'
    : `FAIL${row.reason ? `: ${row.reason}` : ` (${row.failing} of ${row.count} outside tolerance)`}`;
  const cos = Number.isFinite(row.cosine) ? row.cosine.toFixed(9) : num(row.cosine);
  const nf = unmeasuredText(row);
  const measures = nf ? [nf, nf, nf, nf] : [num(row.maxAbsErr), num(row.maxRelErr), num(row.relErrNorm), cos];
  return [row.tensor, row.shape, `${row.a} vs ${row.r}`, ...measures, worstText(row), verdict];
}

/** Columns padded to their widest cell, for the terminal: each cell on one line, control characters as escapes (visible). */
export function alignedTable(header: string[], cells: string[][]): string[] {
  const rows = cells.map((r) => r.map(visible));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/**
 * A GFM table. A cell stays one cell: every | not yet escaped is escaped (a | after an odd number of
 * backslashes already is: mdText's); user strings come in through mdText, our own text as it is.
 */
export function markdownTable(header: string[], rows: string[][]): string[] {
  const esc = (s: string) => visible(s).replace(/(\\*)\|/g, (m, bs: string) => (bs.length % 2 ? m : `${bs}\\|`));
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

/** The case's heading; `idText` escapes the id for the format it goes to (mdText for Markdown). */
export function caseTitle(c: Pick<CaseJson, 'id' | 'config'>, idText: (id: string) => string = (id) => id): string {
  const k = c.config;
  return `${idText(c.id)}: ${k.cell}/${k.activation}, bias ${k.bias ? 'on' : 'off'}, ${k.inputs === 'tokens' ? 'token' : 'dense'} inputs, I=${k.I} H=${k.H} K=${k.K} T=${k.T} B=${k.B}${k.initialState ? ', given s₋₁' : ''}`;
}
