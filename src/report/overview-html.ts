/**
 * report.html's overview (a report of more than one case): the grid of the worst error / bound per case ×
 * tensor, the worst ten comparisons and the diagnoses counted by pattern. Script-free; every user string
 * (case ids, tensor names, pairs, diagnoses) escaped.
 */
import type { Report } from './model.js';
import { num } from './text.js';
import { escapeHtml } from './html-page.js';
import {
  caseWord,
  diagnosesCounted,
  excessShort,
  overviewGrid,
  worstComparisons,
  type GridCell,
  type GridRow,
} from './overview.js';

/** The id of a case's section: case-1 for report.cases[0]. */
export const caseAnchor = (index: number): string => `case-${index + 1}`;

/** The colour class of an error / bound: p3 … p0 pass (darker the further inside the bound), f0 … f3 fail. */
const BINS: { cls: string; upTo: number; label: string }[] = [
  { cls: 'p3', upTo: 1e-3, label: '≤ 1e−3' },
  { cls: 'p2', upTo: 1e-2, label: '1e−3 – 1e−2' },
  { cls: 'p1', upTo: 1e-1, label: '1e−2 – 0.1' },
  { cls: 'p0', upTo: 1, label: '0.1 – 1 (pass)' },
  { cls: 'f0', upTo: 10, label: '1 – 10 (fail)' },
  { cls: 'f1', upTo: 100, label: '10 – 100' },
  { cls: 'f2', upTo: 1e3, label: '100 – 1e3' },
  { cls: 'f3', upTo: Infinity, label: '> 1e3, ∞ non-finite' },
];

export function excessClass(x: number): string {
  return BINS.find((b) => x <= b.upTo)!.cls;
}

/** The full value, as a title attribute and for data-excess: every digit, ∞ as Infinity. */
const full = (x: number): string => String(x);

function cell(tensor: string, g: GridCell | undefined): string {
  if (!g) return '<td class="none"></td>';
  const pair = `${g.row.a} vs ${g.row.r}`;
  const title = `${tensor}: error / bound ${full(g.excess)} (${pair})${g.row.pass ? '' : ', fails'}`;
  return `<td class="cell ${excessClass(g.excess)}" data-tensor="${escapeHtml(tensor)}" data-excess="${full(g.excess)}" title="${escapeHtml(title)}">${escapeHtml(excessShort(g.excess))}</td>`;
}

function gridRow(g: GridRow, tensors: string[]): string {
  const id = escapeHtml(g.c.id);
  const word = caseWord(g.c);
  return (
    `<tr data-case="${id}" data-pass="${g.c.pass}" data-state="${g.state}">` +
    `<th class="case" scope="row"><a href="#${caseAnchor(g.index)}">${id}</a></th>` +
    `<td class="word s-${g.state}">${escapeHtml(word)}</td>` +
    tensors.map((t) => cell(t, g.cells.get(t))).join('') +
    '</tr>'
  );
}

function gridHtml(r: Report): string[] {
  const { tensors, rows } = overviewGrid(r);
  const head = tensors.map((t) => `<th class="tensor" scope="col"><span>${escapeHtml(t)}</span></th>`).join('');
  const legend = BINS.map((b) => `<span class="swatch ${b.cls}"></span>${escapeHtml(b.label)}`).join(' ');
  return [
    '<h2>Overview</h2>',
    `<div class="overview-wrap"><table id="overview-grid"><thead><tr><th scope="col">case</th><th scope="col">verdict</th>${head}</tr></thead>`,
    `<tbody>${rows.map((g) => gridRow(g, tensors)).join('')}</tbody></table></div>`,
    `<p class="legend" id="overview-legend">Each cell: the worst error / bound, |a − r| / (atol·S + rtol·|r|) at the worst element, over the tensor's comparisons (every pair); ≤ 1 passes (green, darker the further inside the bound), &gt; 1 fails (red, darker the further outside), ∞ a non-finite or unmeasured element. An empty cell: the case has no such tensor. Failing cases first; each case links to its section below.<br>${legend}</p>`,
  ];
}

function worstHtml(r: Report): string[] {
  const worst = worstComparisons(r, 10);
  const header = ['case', 'tensor', 'pair', 'error / bound', 'relErrNorm', 'maxAbsErr', 'failing elements'];
  const rows = worst.map(
    (w) =>
      `<tr class="${w.row.pass ? '' : 'bad'}" data-excess="${full(w.excess)}">` +
      `<td class="case"><a href="#${caseAnchor(w.index)}">${escapeHtml(w.c.id)}</a></td>` +
      [
        w.row.tensor,
        `${w.row.a} vs ${w.row.r}`,
        w.excess === Infinity ? '∞' : num(w.excess),
        num(w.row.relErrNorm),
        num(w.row.maxAbsErr),
        `${w.row.failing} of ${w.row.count}`,
      ]
        .map((x) => `<td>${escapeHtml(x)}</td>`)
        .join('') +
      '</tr>',
  );
  return [
    `<h3>The worst ${worst.length === 1 ? 'comparison' : `${worst.length} comparisons`}</h3>`,
    `<div class="overview-wrap"><table id="worst-ten"><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
  ];
}

function diagnosesHtml(r: Report): string[] {
  const counted = diagnosesCounted(r);
  if (!counted.length) return ['<h3>Diagnoses by pattern</h3>', '<p id="diagnoses-counted">none</p>'];
  const rows = counted.map(
    (p) =>
      `<tr data-pattern="${escapeHtml(p.pattern)}" data-cases="${p.cases}" data-tensors="${p.tensors}">` +
      `<td>${escapeHtml(p.pattern)}</td><td>${p.cases}</td><td>${p.tensors}</td>` +
      `<td class="detail"><a href="#${caseAnchor(p.example.index)}">${escapeHtml(p.example.c.id)}</a>, ${escapeHtml(`${p.example.tensor}: ${p.example.detail}`)}</td></tr>`,
  );
  return [
    '<h3>Diagnoses by pattern</h3>',
    `<div class="overview-wrap"><table id="diagnoses-counted"><thead><tr><th>pattern</th><th>cases</th><th>tensors</th><th>an example</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
  ];
}

/** The overview: the grid, the worst ten, the diagnoses counted. */
export function overviewHtml(r: Report): string[] {
  return ['<section id="overview">', ...gridHtml(r), ...worstHtml(r), ...diagnosesHtml(r), '</section>'];
}
