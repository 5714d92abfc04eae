/**
 * report.html: one self-contained page (no script, no network: a Content-Security-Policy forbids both),
 * charts inline as SVG. Every string from the user (case ids, the command line, notes) is HTML-escaped.
 */
import type { VanishingResult } from '../check/vanishing.js';
import { ADVICE } from '../check/diagnose.js';
import type { RenderedChart } from './charts.js';
import { num, verdictLine, verdictWord, type Report } from './model.js';
import { caseTitle, ROW_HEADER, rowCells } from './table.js';
import { capitalize, toleranceRule } from './text.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.verdict { font-size: 1.25rem; font-weight: 700; padding: .6rem 1rem; border-radius: 6px; }
.pass { background: #e6f4ea; color: #1e6b34; } .fail { background: #fce8e6; color: #a50e0e; }
table { border-collapse: collapse; font-size: 12px; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; white-space: nowrap; }
tr.bad td { background: #fce8e6; }
figure { margin: 1.5rem 0; } figcaption { color: #555; font-size: 12px; }
code, pre { background: #f4f4f4; padding: 2px 4px; border-radius: 3px; white-space: pre-wrap; }
`;

function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

function table(header: string[], rows: string[][], bad: (r: number) => boolean = () => false): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r, n) => `<tr${bad(n) ? ' class="bad"' : ''}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`);
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs.join('')}</tbody></table>`;
}

function figure(chart: RenderedChart, caption: string): string {
  return `<figure id="chart-${escapeHtml(chart.name)}">${chart.svg}<figcaption>${escapeHtml(caption)} (also as ${escapeHtml(chart.name)}.png)</figcaption></figure>`;
}

function verdict(pass: boolean, text: string): string {
  return `<p class="verdict ${pass ? 'pass' : 'fail'}" id="verdict">${escapeHtml(text)}</p>`;
}

function footer(command: string, info: string): string[] {
  return ['<h2>Reproduce</h2>', `<pre>${escapeHtml(command)}</pre>`, `<p>${escapeHtml(info)}</p>`];
}

export function renderCompareHtml(r: Report, charts: RenderedChart[]): string {
  const body = [`<h1>bptt-check ${escapeHtml(r.kind)}</h1>`, verdict(r.pass, verdictLine(r))];
  for (const c of r.cases) {
    body.push(`<h2>${escapeHtml(caseTitle(c))}</h2>`, `<p>Pairs: ${escapeHtml(c.disagreement)}.</p>`);
    for (const note of c.notes ?? []) body.push(`<p>Note: ${escapeHtml(note)}.</p>`);
    if (c.clip) body.push(`<p>Clipping, global norm before → after: ${escapeHtml(Object.entries(c.clip).map(([k, v]) => `${k} ${num(v.normBefore)} → ${num(v.normAfter)}`).join(', '))}.</p>`);
    for (const d of c.diagnosis ?? []) body.push(`<p class="diagnosis"><strong>${escapeHtml(`${d.tensor}: ${d.pattern}`)}</strong>: ${escapeHtml(`${d.detail}. ${ADVICE[d.pattern] ?? ''}`)}</p>`);
    body.push(table(ROW_HEADER, c.rows.map(rowCells), (n) => !c.rows[n]!.pass));
  }
  const heat = charts.find((x) => x.name === 'heatmap-W');
  const h = r.cases[0]?.heatmap;
  const stacked = h?.tensor.includes(';') ? ` = d[${h.tensor}], the gates' blocks one above the other` : '';
  if (heat && h) body.push(figure(heat, `|${h.a} − ${h.r}| for every element of dW${stacked}${h.block > 1 ? `, in ${h.block}×${h.block} blocks (the largest in each)` : ''}.`));
  const steps = charts.find((x) => x.name === 'steps');
  if (steps) body.push(figure(steps, 'Relative error of each step’s adjoint and contributions (the data of steps.csv).'));
  else {
    // say why: the reason noted on the case (e.g. --impl), else the one that holds for a truncated run
    const why = r.cases[0]?.notes?.find((n) => n.startsWith('per-step check not run'));
    body.push(`<p>No per-step detail in this run (${escapeHtml(why ?? 'the per-step check is defined for full BPTT, and runs there unless --no-steps-detail is given')}): the error-against-step chart is left out.</p>`);
  }
  body.push(
    '<h2>Tolerances</h2>',
    `<p id="tolerance-rule">${escapeHtml(capitalize(toleranceRule(r.tolerance)))}.</p>`,
    ...footer(r.command, `bptt-check ${r.tool.version}, tfjs ${r.tfjsVersion} on the ${r.backend} backend, hand side on ${r.handKernels} kernels, Node ${r.node}, ${r.createdAt}.`),
  );
  return page(`bptt-check ${r.kind}: ${verdictWord(r)}`, body);
}

export interface VanishingMeta {
  command: string;
  backend: string;
  tfjsVersion: string;
  createdAt: string;
  toolVersion: string;
}

export function vanishingVerdict(v: VanishingResult): string {
  const adj = v.series.filter((s) => !s.adjointCheck.pass).length;
  const bnd = v.series.filter((s) => !s.boundCheck.pass).length;
  return v.pass
    ? `PASS: the hand adjoints agree with tf.grad, and ‖∂s_{T−1}/∂s_k‖ ≤ (σ_max(W)·γ)^lag at every lag, in all ${v.series.length} series`
    : `FAIL: ${adj} series with adjoints that disagree with tf.grad, ${bnd} with the bound violated`;
}

export function seriesRows(v: VanishingResult): string[][] {
  return v.series.map((s) => [
    s.cell,
    s.activation,
    String(s.wNorm),
    s.decay === null ? 'n/a' : s.decay.toPrecision(4),
    s.lagTo1e6 === null ? `not within ${v.T - 1}` : String(s.lagTo1e6),
    s.exploding ? `yes${s.overflowAtLag !== null ? ` (overflow at lag ${s.overflowAtLag})` : ''}` : 'no',
    s.adjointCheck.pass ? `pass (${s.adjointCheck.comparedLags} lags, worst ${num(s.adjointCheck.worstRelErrNorm)})` : `FAIL at lag ${s.adjointCheck.firstFailingLag}`,
    s.cell !== 'rnn' ? 'n/a (RNN only)' : s.boundCheck.pass ? 'holds' : `VIOLATED at lag ${s.boundCheck.firstViolationLag}`,
    `${num(s.clip.before)} → ${num(s.clip.after)}`,
  ]);
}

export const SERIES_HEADER = ['cell', 'activation', '‖W‖₂', 'decay per step', 'lag to 1e-6', 'exploding', 'adjoints vs tf.grad', 'Jacobian ≤ bound', 'clip-norm: ‖∇‖ before → after'];

export function renderVanishingHtml(v: VanishingResult, meta: VanishingMeta, charts: RenderedChart[]): string {
  const captions: Record<string, string> = {
    adjoints: '‖∂L_{T−1}/∂s_k‖₂ against lag, batch row 0; dashed: the bound (σ_max(W)·γ)^lag (σ_max(W)·γ)^lag · ‖∂L_{T−1}/∂s_{T−1}‖.',
    jacobian: '‖∂s_{T−1}/∂s_k‖₂ (spectral norm of the Jacobian product) against lag; dashed: (σ_max(W)·γ)^lag, the sufficient condition of Pascanu et al. (2013).',
    decay: 'Fitted factor per step back: below 1 the gradient vanishes, above 1 it explodes.',
  };
  const body = [
    '<h1>bptt-check vanishing</h1>',
    verdict(v.pass, vanishingVerdict(v)),
    `<p>Case ${escapeHtml(v.caseId)}: T = ${v.T}, H = ${v.H}. Same inputs and weights for every series; W rescaled to the given spectral norm${v.cellsAnswer ? ' (for gated cells every gate’s W_*; their gate weights drawn from --seed, σ = sigmoid)' : ''}.</p>`,
    `<h2>Would sigmoid help?</h2><p id="answer">${escapeHtml(v.answer)}</p>`,
    ...(v.cellsAnswer ? [`<h2>How much longer do gradients survive in gated cells?</h2><p id="cells-answer">${escapeHtml(v.cellsAnswer)}</p>`] : []),
    table(SERIES_HEADER, seriesRows(v), (n) => !(v.series[n]!.adjointCheck.pass && v.series[n]!.boundCheck.pass)),
    ...charts.map((c) => figure(c, captions[c.name] ?? c.name)),
    ...footer(meta.command, `bptt-check ${meta.toolVersion}, tfjs ${meta.tfjsVersion} on the ${meta.backend} backend, ${meta.createdAt}.`),
  ];
  return page(`bptt-check vanishing: ${v.pass ? 'PASS' : 'FAIL'}`, body);
}
