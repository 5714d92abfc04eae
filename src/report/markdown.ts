import { verdictLine, type Report } from './model.js';
import { caseTitle, markdownTable, ROW_HEADER, rowCells } from './table.js';

/** report.md: the verdict first, then the tables, the tolerances and how to reproduce the run. */
export function renderMarkdown(r: Report): string {
  const out: string[] = [`# bptt-check ${r.kind}: ${r.pass ? 'PASS' : 'FAIL'}`, '', `**${verdictLine(r)}**`, ''];
  const failed = r.cases.flatMap((c) => c.rows.filter((row) => !row.pass).map((row) => ({ c, row })));
  if (failed.length) {
    out.push('## Failing comparisons', '');
    out.push(...markdownTable(['case', ...ROW_HEADER], failed.map(({ c, row }) => [c.id, ...rowCells(row)])), '');
  }
  out.push('## Results', '');
  for (const c of r.cases) {
    out.push(`### ${c.pass ? '✓' : '✗'} ${caseTitle(c)}`, '');
    const losses = Object.entries(c.loss).map(([k, v]) => `${k} ${v}`).join(', ');
    const times = Object.entries(c.ms).map(([k, v]) => `${k} ${v!.toFixed(1)} ms`).join(', ');
    out.push(`Loss: ${losses}. Time: ${times}.`, '');
    out.push(...markdownTable(ROW_HEADER, c.rows.map(rowCells)), '');
  }
  out.push(
    '## Tolerances',
    '',
    `An element passes when |a − r| ≤ atol + rtol·|r|, with atol = ${r.tolerance.atol} and rtol = ${r.tolerance.rtol}; a tensor passes when every element does. ` +
      'a is the side under test (the hand-written BPTT, or the first reference), r the side it is checked against. ' +
      'maxRelErr is max |a − r| / max(|a|, |r|); relErrNorm is ‖a − r‖ / max(‖a‖, ‖r‖). ' +
      'The worst element is the one closest to (or furthest past) its bound. The hand side computes in float64, tfjs in float32.',
    '',
    '## Reproduce',
    '',
    '```sh',
    r.command,
    '```',
    '',
    `bptt-check ${r.tool.version}, tfjs ${r.tfjsVersion} on the \`${r.backend}\` backend, Node ${r.node}, ${r.createdAt}.`,
    '',
  );
  return out.join('\n');
}
