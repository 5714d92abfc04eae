/** The vanishing report's sentences and table, shared by its console, Markdown and HTML (the answers: vanishing-answers.ts). */
import type { Series, VanishingResult } from '../vanishing/analyse.js';
import { FLOAT32_CEILING, FLOAT32_FLOOR, FLOAT32_MAX, type SkippedLags } from '../vanishing/lags.js';
import { fitLagsText, lagsTo1e6, wText } from './vanishing-answers.js';
import { num } from './text.js';
import { fieldName } from '../model/errors.js';

/** "47 float32 overflow, 3 underflow" (the lags not compared with tf.grad), or "none". */
export function skippedText(s: SkippedLags): string {
  const parts = [
    s.float32Overflow ? `${s.float32Overflow} float32 overflow` : '',
    s.float64Overflow ? `${s.float64Overflow} float64 overflow` : '',
    s.underflow ? `${s.underflow} float32 underflow` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
}

/** What the three reasons mean, for the reports' notes. */
export const SKIP_REASONS = {
  float32Overflow: `float32 overflow: tf.grad (float32) is ±Inf or NaN there, and the float64 values that lag depends on exceed ${FLOAT32_CEILING.toPrecision(3)} (float32's largest value is ${FLOAT32_MAX.toPrecision(3)})`,
  float64Overflow:
    'float64 overflow: the float64 hand computation overflows there (a state, the Jacobian or the adjoint beyond 1.80e308, or NaN from Inf − Inf); the series is drawn up to there',
  underflow: `float32 underflow: ‖∂L_{T−1}/∂s_k‖ < ${FLOAT32_FLOOR}, where float32 holds only denormals or zero`,
};

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
  const lags = v.series.reduce((n, s) => n + s.samples * v.T, 0); // every sample's lags
  const n = sampleCount(v);
  if (v.pass)
    return (
      `PASS: the hand adjoints agree with tf.grad at ${skipped === 'none' ? 'every lag' : `every lag float32 can hold (${compared} of ${lags} compared; not compared: ${skipped})`}, ` +
      `and ‖∂s_{T−1}/∂s_k‖ ≤ (σ_max(W)·γ)^lag and ‖∂L_{T−1}/∂s_k‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag at every lag, in all ${v.series.length} series` +
      (n > 1
        ? `, each at every one of its ${n} samples (${plural(v.seeds.length, 'seed')} × ${plural(v.batch, 'batch row')})`
        : '')
    );
  const first = adj[0]
    ? `${seriesName(adj[0])}: ${adj[0].adjointCheck.failure}`
    : `${seriesName(bnd[0]!)}: ${bnd[0]!.boundCheck.failure}`;
  return `FAIL: ${adj.length} series with adjoints that disagree with tf.grad, ${bnd.length} with a bound violated; first, ${first}`;
}

const sampleCount = (v: VanishingResult) => v.seeds.length * v.batch;
/** "1 seed", "3 seeds". */
export const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * What each per-lag value summarises: "one sample (seed 1, batch row 0)", or "median over 3 seeds (1–3) × 4
 * batch rows (12 samples), band from min to max".
 */
export function samplesText(v: Pick<VanishingResult, 'seeds' | 'batch'>): string {
  const n = v.seeds.length * v.batch;
  if (n === 1) return `one sample (seed ${v.seeds[0]}, batch row 0)`;
  const seeds =
    v.seeds.length === 1 ? `1 seed (${v.seeds[0]})` : `${v.seeds.length} seeds (${v.seeds[0]}–${v.seeds.at(-1)})`;
  return `median over ${seeds} × ${plural(v.batch, 'batch row')} (${n} samples), band from min to max`;
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
  const seeds =
    v.seeds.length > 1
      ? [
          `The ‖∇‖ → clipped column is not a median: it is the full-loss gradient of whichever of the ${v.seeds.length} seeds has the largest ‖∇‖, before and after clipping.`,
        ]
      : [];
  return [...(reasons.length ? [`Lags not compared with tf.grad — ${reasons.join('; ')}.`] : []), ...clip, ...seeds];
}

/** How each series' W was chosen; `idText` escapes the case id for the format (mdText for Markdown). */
export function vanishingSetup(v: VanishingResult, idText: (id: string) => string = (id) => id): string {
  const caseW = v.series.find((s) => s.wSource === 'case');
  const rescaled = v.series.some((s) => s.wSource === 'rescaled');
  const gated = v.cells.some((c) => c !== 'rnn')
    ? ` (for gated cells every gate’s W_* to the same spectral norm; their gate weights drawn from ${v.seeds.length > 1 ? 'each seed' : fieldName('seed')}, σ = sigmoid)`
    : '';
  return [
    `Case ${idText(v.caseId)}: T = ${v.T}, H = ${v.H}; each per-lag value is the ${samplesText(v).replace(/^one sample/, 'value of one sample')}; ${v.seeds.length > 1 ? `each seed draws the case again (${fieldName('seeds')}), and the same inputs and other weights serve every series of a seed` : 'the same inputs and the other weights for every series'}.`,
    caseW
      ? ` The first series of each activation is on the case’s own W, unscaled (‖W‖₂ = ${caseW.wNorm.toPrecision(6)}, σ_max by power iteration)${rescaled ? `; the others have W rescaled to the ${fieldName('wNorms')} spectral norms${gated}` : gated}.`
      : ` W rescaled to each spectral norm${gated}.`,
  ].join('');
}

/**
 * The table's "lag to 1e-6": measured "10"; extrapolated "~88 (extrapolated, lags 0–39)", the factor it was
 * extrapolated from being the next column's (the answers say it in full); "not within 39" without decay.
 */
function lagCell(s: Series, T: number): string {
  const x = lagsTo1e6(s);
  if (x.measured) return String(x.lags);
  return Number.isFinite(x.lags)
    ? `~${Math.round(x.lags)} (extrapolated, ${fitLagsText(x.fit!)})`
    : `not within ${T - 1}`;
}

export function seriesRows(v: VanishingResult): string[][] {
  return v.series.map((s) => [
    s.cell,
    s.activation,
    s.wSource === 'case' ? `${s.wNorm.toPrecision(3)} (case W)` : String(s.wNorm),
    s.decay === null ? 'n/a' : s.decay.toPrecision(4),
    lagCell(s, v.T),
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
  'decay/step',
  'lag to 1e-6',
  'exploding',
  'adjoints vs tf.grad',
  'lags not compared',
  'bounds',
  '‖∇‖ → clipped',
];
