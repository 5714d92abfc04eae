/**
 * report.html: one self-contained page (no script, no network: a Content-Security-Policy forbids both),
 * charts inline as SVG. Every string from the user (case ids, the command line, notes) is HTML-escaped.
 */
import type { Series, VanishingResult } from '../vanishing/analyse.js';
import { wText } from './vanishing-answers.js';
import { SKIP_REASONS, skippedText, type SkippedLags } from '../vanishing/lags.js';
import { ADJOINT_BOUND, JACOBIAN_BOUND, type RenderedChart } from './charts.js';
import { verdictLine, verdictWord, type Report } from './model.js';
import { caseTitle, ROW_HEADER, rowCells } from './table.js';
import { capitalize, clipLine, diagnosisText, num, toleranceRule } from './text.js';
import { visible } from './escape.js';

/** Text or an attribute value: & < > " ' as entities, and control characters as visible escapes (no raw ESC or NUL in the page). */
export function escapeHtml(s: string): string {
  return visible(s).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
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
  const trs = rows.map(
    (r, n) => `<tr${bad(n) ? ' class="bad"' : ''}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`,
  );
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
    if (c.clip) body.push(`<p>${escapeHtml(capitalize(clipLine(c.clip)))}.</p>`);
    for (const d of c.diagnosis ?? [])
      body.push(
        `<p class="diagnosis"><strong>${escapeHtml(`${d.tensor}: ${d.pattern}`)}</strong>: ${escapeHtml(diagnosisText(d))}</p>`,
      );
    body.push(table(ROW_HEADER, c.rows.map(rowCells), (n) => !c.rows[n]!.pass));
  }
  const heat = charts.find((x) => x.name === 'heatmap-W');
  const h = r.cases[0]?.heatmap;
  const stacked = h?.tensor.includes(';') ? ` = d[${h.tensor}], the gates' blocks one above the other` : '';
  if (heat && h)
    body.push(
      figure(
        heat,
        `|${h.a} − ${h.r}| for every element of dW${stacked}${h.block > 1 ? `, in ${h.block}×${h.block} blocks (the largest in each)` : ''}.`,
      ),
    );
  const steps = charts.find((x) => x.name === 'steps');
  if (steps)
    body.push(figure(steps, 'Relative error of each step’s adjoint and contributions (the data of steps.csv).'));
  else {
    // say why: the reason noted on the case (e.g. --impl), else the one that holds for a truncated run
    const why = r.cases[0]?.notes?.find((n) => n.startsWith('per-step check not run'));
    body.push(
      `<p>No per-step detail in this run (${escapeHtml(why ?? 'the per-step check is defined for full BPTT, and runs there unless --no-steps-detail is given')}): the error-against-step chart is left out.</p>`,
    );
  }
  body.push(
    '<h2>Tolerances</h2>',
    `<p id="tolerance-rule">${escapeHtml(capitalize(toleranceRule(r.tolerance)))}.</p>`,
    ...footer(
      r.command,
      `bptt-check ${r.tool.version}, tfjs ${r.tfjsVersion} on the ${r.backend} backend, hand side on ${r.handKernels} kernels, Node ${r.node}, ${r.createdAt}.`,
    ),
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

/** All series' lags not compared with tf.grad, summed per reason. */
function skippedTotal(v: VanishingResult): SkippedLags {
  const t: SkippedLags = { underflow: 0, float32Overflow: 0, float64Overflow: 0 };
  for (const s of v.series)
    for (const r of ['underflow', 'float32Overflow', 'float64Overflow'] as const) t[r] += s.adjointCheck.skipped[r];
  return t;
}

export function vanishingVerdict(v: VanishingResult): string {
  const adj = v.series.filter((s) => !s.adjointCheck.pass);
  const bnd = v.series.filter((s) => !s.boundCheck.pass);
  const skipped = skippedText(skippedTotal(v));
  const compared = v.series.reduce((n, s) => n + s.adjointCheck.comparedLags, 0);
  if (v.pass)
    return (
      `PASS: the hand adjoints agree with tf.grad at ${skipped === 'none' ? 'every lag' : `every lag float32 can hold (${compared} of ${v.series.length * v.T} compared; not compared: ${skipped})`}, ` +
      `and ‖∂s_{T−1}/∂s_k‖ ≤ (σ_max(W)·γ)^lag and ‖∂L_{T−1}/∂s_k‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag at every lag, in all ${v.series.length} series`
    );
  const first = adj[0]
    ? `${seriesName(adj[0])}: ${adj[0].adjointCheck.failure}`
    : `${seriesName(bnd[0]!)}: ${bnd[0]!.boundCheck.failure}`;
  return `FAIL: ${adj.length} series with adjoints that disagree with tf.grad, ${bnd.length} with a bound violated; first, ${first}`;
}

const seriesName = (s: Series) => `${s.cell} ${s.activation} ${wText(s)}`;

/** What the reasons for lags left out mean, for those that occur; and how the series' W was chosen. */
export function vanishingNotes(v: VanishingResult): string[] {
  const t = skippedTotal(v);
  const reasons = (['float32Overflow', 'float64Overflow', 'underflow'] as const)
    .filter((r) => t[r] > 0)
    .map((r) => SKIP_REASONS[r]);
  const clip = v.series.some((s) => s.clip.overflow)
    ? [
        'clip-norm overflow: the full gradient’s norm is beyond float64’s largest value (1.80e308), so float64 holds it as Inf; the clipped gradient g·n/‖g‖ is then undefined (float64 gives 0 or NaN), and none is reported',
      ]
    : [];
  return [...(reasons.length ? [`Lags not compared with tf.grad — ${reasons.join('; ')}.`] : []), ...clip];
}

/** How each series' W was chosen; `idText` escapes the case id for the format (mdText for Markdown). */
export function vanishingSetup(v: VanishingResult, idText: (id: string) => string = (id) => id): string {
  const caseW = v.series.find((s) => s.wSource === 'case');
  const rescaled = v.series.some((s) => s.wSource === 'rescaled');
  const gated = v.cellsAnswer
    ? ' (for gated cells every gate’s W_* to the same spectral norm; their gate weights drawn from --seed, σ = sigmoid)'
    : '';
  return [
    `Case ${idText(v.caseId)}: T = ${v.T}, H = ${v.H}; batch row 0; the same inputs and the other weights for every series.`,
    caseW
      ? ` The first series of each activation is on the case’s own W, unscaled (‖W‖₂ = ${caseW.wNorm.toPrecision(6)}, σ_max by power iteration)${rescaled ? `; the others have W rescaled to the --w-norm spectral norms${gated}` : gated}.`
      : ` W rescaled to each spectral norm${gated}.`,
  ].join('');
}

export function seriesRows(v: VanishingResult): string[][] {
  return v.series.map((s) => [
    s.cell,
    s.activation,
    s.wSource === 'case' ? `${s.wNorm.toPrecision(3)} (case W)` : String(s.wNorm),
    s.decay === null ? 'n/a' : s.decay.toPrecision(4),
    s.lagTo1e6 === null ? `not within ${v.T - 1}` : String(s.lagTo1e6),
    s.exploding ? `yes${s.overflowAtLag !== null ? ` (overflow at lag ${s.overflowAtLag})` : ''}` : 'no',
    !s.adjointCheck.pass
      ? `FAIL at lag ${s.adjointCheck.firstFailingLag}: ${s.adjointCheck.failure}`
      : s.adjointCheck.comparedLags === 0
        ? 'none compared (float32 holds no lag)'
        : `pass (${s.adjointCheck.comparedLags} lags, worst ${num(s.adjointCheck.worstRelErrNorm)})`,
    skippedText(s.adjointCheck.skipped),
    s.cell !== 'rnn'
      ? 'n/a (RNN only)'
      : s.boundCheck.pass
        ? 'hold'
        : `VIOLATED at lag ${s.boundCheck.firstViolationLag}: ${s.boundCheck.failure}`,
    s.clip.overflow ? 'overflow (‖∇‖ > float64 max) → undefined' : `${num(s.clip.before!)} → ${num(s.clip.after!)}`,
  ]);
}

export const SERIES_HEADER = [
  'cell',
  'activation',
  '‖W‖₂',
  'decay per step',
  'lag to 1e-6',
  'exploding',
  'adjoints vs tf.grad',
  'lags not compared',
  'bounds',
  'clip-norm: ‖∇‖ before → after',
];

export function renderVanishingHtml(v: VanishingResult, meta: VanishingMeta, charts: RenderedChart[]): string {
  const captions: Record<string, string> = {
    adjoints: `‖∂L_{T−1}/∂s_k‖₂ against lag, batch row 0; dashed: its bound ${ADJOINT_BOUND} (∂L_{T−1}/∂s_k = J_kᵀ ∂L_{T−1}/∂s_{T−1} and ‖J_k‖ ≤ (σ_max(W)·γ)^lag).`,
    jacobian: `‖∂s_{T−1}/∂s_k‖₂ (spectral norm of the Jacobian product J_k) against lag; dashed: its bound ${JACOBIAN_BOUND}, the sufficient condition of Pascanu et al. (2013).`,
    decay: 'Fitted factor per step back: below 1 the gradient vanishes, above 1 it explodes.',
  };
  const body = [
    '<h1>bptt-check vanishing</h1>',
    verdict(v.pass, vanishingVerdict(v)),
    `<p id="setup">${escapeHtml(vanishingSetup(v))}</p>`,
    `<h2>Would sigmoid help?</h2><p id="answer">${escapeHtml(v.answer)}</p>`,
    ...(v.cellsAnswer
      ? [
          `<h2>How much longer do gradients survive in gated cells?</h2><p id="cells-answer">${escapeHtml(v.cellsAnswer)}</p>`,
        ]
      : []),
    table(SERIES_HEADER, seriesRows(v), (n) => !(v.series[n]!.adjointCheck.pass && v.series[n]!.boundCheck.pass)),
    ...vanishingNotes(v).map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    ...charts.map((c) => figure(c, captions[c.name] ?? c.name)),
    ...footer(
      meta.command,
      `bptt-check ${meta.toolVersion}, tfjs ${meta.tfjsVersion} on the ${meta.backend} backend, ${meta.createdAt}.`,
    ),
  ];
  return page(`bptt-check vanishing: ${v.pass ? 'PASS' : 'FAIL'}`, body);
}
