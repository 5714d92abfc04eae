/**
 * The seed's vanishing-gradient argument, measured: for each activation and W scale, the adjoint of the
 * last output's loss with respect to every earlier state, the Jacobian product's spectral norm, and the
 * sufficient bound of Pascanu, Mikolov & Bengio (2013):
 *   dLlast_ds[k]    = ‖∂L_{T−1}/∂s_k‖₂                    (per sample: one seed's case, one batch row)
 *   jacobianNorm[k] = ‖∂s_{T−1}/∂s_k‖₂ = ‖∏_{j=k+1}^{T−1} diag(f′(a_j)) W‖₂
 *   bound[k]        = (σ_max(W)·γ)^{T−1−k},  γ = sup f′ (tanh 1, sigmoid 1/4, relu 1, linear 1)
 *   adjointBound[k] = ‖∂L_{T−1}/∂s_{T−1}‖₂ · bound[k]
 * The adjoint's bound: ∂L_{T−1}/∂s_k = J_kᵀ ∂L_{T−1}/∂s_{T−1} with J_k = ∂s_{T−1}/∂s_k, so
 *   ‖∂L_{T−1}/∂s_k‖ ≤ ‖J_k‖·‖∂L_{T−1}/∂s_{T−1}‖ ≤ ∏_j ‖diag(f′(a_j))‖·‖W‖ · ‖∂L_{T−1}/∂s_{T−1}‖ ≤ (σ_max(W)·γ)^lag · ‖∂L_{T−1}/∂s_{T−1}‖.
 * The hand adjoints are checked against tf.grad with respect to the states, at the lags float32 can hold
 * (vanishing-lags.ts); jacobianNorm ≤ bound and dLlast_ds ≤ adjointBound are checked at every lag, in every
 * sample (measure.ts). A series' values are the median over its samples, seeds × batch rows (samples.ts).
 * W is the case's own (wSource 'case', wNorm its measured σ_max) or rescaled to a spectral norm ('rescaled')
 * (cases.ts builds each series' case). Numbers only: report/vanishing-answers.ts words the answers.
 * With `cells`, LSTM and GRU series sit beside the RNN's: the same inputs, targets, V, c and s₋₁, act = the
 * series' activation, σ = sigmoid, every gate's W_* rescaled to the same spectral norm as the RNN's W, and
 * biases as tfjs initialises them (gatedVariant). For them dLlast_ds is the adjoint of s_k and
 * jacobianNorm[k] = ‖∂s_{T−1}/∂s_k‖₂, both through s_k alone (the LSTM's long path runs through
 * c_{k+1} … c_{T−1}); the bound is the RNN's only.
 */
import { spectralNorm } from '../bptt/spectral.js';
import type { Case } from '../model/case.js';
import { fieldName, InputError, shown } from '../model/errors.js';
import { ACTIVATIONS, CELLS, type Activation, type Cell } from '../model/spec.js';
import type { Tolerance } from '../check/metrics.js';
import type { AdjointCheck, ClipSummary, LagStatus } from './lags.js';
import { gatedVariant, variant } from './cases.js';
import { fitDecay } from './fit.js';
import { measureDraw, type Draw } from './measure.js';
import { combineAdjointChecks, combineBoundChecks, summarise } from './samples.js';

export const GAMMA: Record<Activation, number> = { tanh: 1, sigmoid: 0.25, relu: 1, linear: 1 };

export interface VanishingOptions {
  activations: Activation[];
  /** the cells to analyse, default ['rnn'] */
  cells?: Cell[];
  /** the seed of the gated cells' weights, when one case is analysed (with a case per seed: each one's seed) */
  seed?: number;
  /** the LSTM's forget-gate bias, default 1 (tfjs's unitForgetBias) */
  forgetBias?: number;
  /** the spectral norms to rescale W to, one series each */
  wNorms: number[];
  /** first, before the rescaled ones, a series on the case's own W (unscaled) per cell and activation */
  caseW?: boolean;
  /** the clipping shown on the exploding side */
  clipNorm: number;
  tolerance: Tolerance;
}

export interface Series {
  cell: Cell;
  activation: Activation;
  /** the spectral norm of W: the requested one, or the case's own measured */
  wNorm: number;
  /** 'case': the case's own W; 'rescaled': W rescaled to spectral norm wNorm */
  wSource: 'case' | 'rescaled';
  /** index k = 0 … T−1; lag = T−1−k */
  dLlast_ds: (number | null)[];
  /** the RNN's; null for gated cells */
  jacobianNorm: (number | null)[];
  /** the RNN's; null for gated cells */
  bound: (number | null)[];
  /** ‖∂L_{T−1}/∂s_{T−1}‖·bound[k], the bound of dLlast_ds; null for gated cells or past an overflow */
  adjointBound: (number | null)[];
  /** per k: whether lag T−1−k was compared with tf.grad, or why not */
  lagStatus: LagStatus[];
  /** fitted per-step factor: log ‖∂L_{T−1}/∂s_k‖ ≈ a + lag·log(decay) */
  decay: number | null;
  /** the lags the decay was fitted on (the finite positive values of dLlast_ds): first, last and how many; null without a fit */
  fit: { fromLag: number; toLag: number; points: number } | null;
  /** γ·σ_max(W), the bound's factor per step (the RNN's; null for gated cells) */
  factor: number | null;
  /**
   * how many samples each per-lag value summarises: seeds × batch rows. dLlast_ds and jacobianNorm are the
   * median over them, and these the least and the largest (equal to the median with one sample)
   */
  samples: number;
  dLlast_dsRange: { min: (number | null)[]; max: (number | null)[] };
  jacobianRange: { min: (number | null)[]; max: (number | null)[] };
  /** the first lag at which the adjoint is below 1e-6 of its value at lag 0, or null */
  lagTo1e6: number | null;
  exploding: boolean;
  /** the lag at which a float64 value overflowed, when one did */
  overflowAtLag: number | null;
  adjointCheck: AdjointCheck;
  /** jacobianNorm ≤ bound and dLlast_ds ≤ adjointBound, with the first violation's lag and why */
  boundCheck: { pass: boolean; firstViolationLag: number | null; failure: string | null };
  /**
   * the full-loss gradient's global norm, and after clipping to clipNorm (null for both when it overflows
   * float64); over seeds, the seed whose norm is largest (an overflow the largest)
   */
  clip: ClipSummary;
}

export interface VanishingResult {
  caseId: string;
  T: number;
  H: number;
  /** the first series of each cell and activation is on the case's own W */
  caseW: boolean;
  /** the cells analysed (a gated one among them: report/vanishing-answers.ts answers how much longer gradients survive) */
  cells: Cell[];
  /** the seeds the series are drawn from (one: the case's; `seeds` n: n consecutive ones), and the batch rows per seed */
  seeds: number[];
  batch: number;
  series: Series[];
  pass: boolean;
}

export function checkVanishingOptions(o: {
  activations: string[];
  wNorms: number[];
  steps: number;
  cells?: string[];
  seeds?: number;
}): void {
  if (o.seeds !== undefined && (!Number.isInteger(o.seeds) || o.seeds < 1))
    throw new InputError(`${fieldName('seeds')} is ${shown(o.seeds)}, expected a positive integer`, 'seeds');
  if (o.cells && !o.cells.length)
    throw new InputError(`${fieldName('cells')} is empty, expected a comma-separated list of rnn|lstm|gru`, 'cells');
  for (const c of o.cells ?? [])
    if (!(CELLS as readonly string[]).includes(c))
      throw new InputError(`${fieldName('cells')} has ${shown(c)}, expected only rnn|lstm|gru`, 'cells');
  if (!o.activations.length)
    throw new InputError(
      `${fieldName('activations')} is empty, expected a comma-separated list of tanh|sigmoid|relu|linear`,
      'activations',
    );
  for (const a of o.activations)
    if (!(ACTIVATIONS as readonly string[]).includes(a))
      throw new InputError(
        `${fieldName('activations')} has ${shown(a)}, expected only tanh|sigmoid|relu|linear`,
        'activations',
      );
  for (const s of o.wNorms)
    if (!Number.isFinite(s) || s <= 0)
      throw new InputError(`${fieldName('wNorms')} has ${shown(s)}, expected positive numbers`, 'wNorms');
  if (!Number.isInteger(o.steps) || o.steps < 2)
    throw new InputError(`${fieldName('steps')} is ${shown(o.steps)}, expected T ≥ 2 (a lag needs two steps)`, 'steps');
}

/** Each seed's case; with one, the seed of its gated cells' weights is VanishingOptions.seed. */
export interface SeedCase {
  seed: number;
  case: Case;
}

/**
 * One series over every seed's case and every batch row. Each per-lag value is the median over the samples'
 * non-null values (samples.ts: an even count gives the mean of the two middle ones), with their least and
 * largest; the series overflows at the smallest lag any sample overflows at; the decay is fitted on the median
 * line. The bound of a rescaled W is the same for every seed ((s·γ)^lag): the first seed's is shown. Every
 * sample is checked against its own bounds (its own ‖∂L_{T−1}/∂s_{T−1}‖); the adjointBound drawn is the
 * median's lag-0 value × bound.
 */
async function analyse(
  draws: readonly SeedCase[],
  cell: Cell,
  activation: Activation,
  wNorm: number | null,
  o: VanishingOptions,
): Promise<Series> {
  const measured: Draw[] = [];
  const sigmaCase = spectralNorm(draws[0]!.case.params.W!); // the case's own W is shown as the first seed's
  for (const { seed, case: c } of draws) {
    const v =
      cell === 'rnn'
        ? variant(c, activation, wNorm)
        : gatedVariant(c, cell, activation, wNorm ?? spectralNorm(c.params.W!), seed, o.forgetBias ?? 1);
    measured.push(await measureDraw(v, seed, GAMMA[activation], o.clipNorm, o.tolerance));
  }
  const samples = measured.flatMap((d) => d.samples);
  const T = samples[0]!.dLlast_ds.length;
  const adj = summarise(samples.map((s) => s.dLlast_ds));
  const jac = summarise(samples.map((s) => s.jacobianNorm));
  const dLlast_ds = adj.median;
  const bound = measured[0]!.bound;
  const overflows = samples.map((s) => s.overflowAtLag).filter((x): x is number => x !== null);
  const overflowAtLag = overflows.length ? Math.min(...overflows) : null;
  const g0 = dLlast_ds[T - 1] ?? null;
  const adjointBound = bound.map((b) => (b === null || g0 === null || !Number.isFinite(g0 * b) ? null : g0 * b));
  const { check: adjointCheck, status: lagStatus } = combineAdjointChecks(samples);
  const { decay, fit } = fitDecay(dLlast_ds, T);
  const lag0 = dLlast_ds[T - 1] ?? 0;
  let lagTo1e6: number | null = null;
  for (let lag = 1; lag < T; lag++) {
    const y = dLlast_ds[T - 1 - lag];
    if (y !== null && y !== undefined && y < 1e-6 * lag0) {
      lagTo1e6 = lag;
      break;
    }
  }
  const sigma = measured[0]!.sigma;
  return {
    cell,
    activation,
    wNorm: wNorm ?? sigmaCase,
    wSource: wNorm === null ? 'case' : 'rescaled',
    dLlast_ds,
    jacobianNorm: jac.median,
    bound,
    adjointBound,
    lagStatus,
    decay,
    fit,
    factor: cell === 'rnn' ? sigma * GAMMA[activation] : null,
    samples: samples.length,
    dLlast_dsRange: { min: adj.min, max: adj.max },
    jacobianRange: { min: jac.min, max: jac.max },
    lagTo1e6,
    exploding: overflowAtLag !== null || (decay !== null && decay > 1),
    overflowAtLag,
    adjointCheck,
    boundCheck: combineBoundChecks(samples),
    clip: largestClip(measured.map((d) => d.clip)),
  };
}

/** The clipping of the seed whose full gradient is largest (an overflow the largest of all). */
function largestClip(clips: ClipSummary[]): ClipSummary {
  return clips.reduce((a, b) => (b.overflow || (!a.overflow && b.before! > a.before!) ? b : a));
}

/**
 * c: one case (its gated cells' weights from VanishingOptions.seed), or one case per seed (each drawn with its
 * seed, the gated cells' weights too): every series is then the median over seeds × batch rows.
 */
export async function analyseVanishing(c: Case | readonly SeedCase[], o: VanishingOptions): Promise<VanishingResult> {
  const draws: readonly SeedCase[] = 'model' in c ? [{ seed: o.seed ?? 1, case: c }] : c;
  if (!draws.length) throw new InputError(`${fieldName('seeds')} is 0, expected a positive integer`, 'seeds');
  for (const { case: d } of draws)
    if (d.model.cell !== 'rnn')
      throw new InputError(
        `model.cell is "${d.model.cell}", expected rnn: the vanishing analysis starts from a plain RNN case and derives the gated cells from it (${fieldName('cells')})`,
      );
  const first = draws[0]!.case;
  const cells = o.cells ?? ['rnn'];
  const scales: (number | null)[] = [...(o.caseW ? [null] : []), ...o.wNorms]; // null: the case's own W
  const series: Series[] = [];
  for (const cell of cells)
    for (const a of o.activations) for (const s of scales) series.push(await analyse(draws, cell, a, s, o));
  return {
    caseId: first.id,
    T: first.steps,
    H: first.model.hiddenSize,
    caseW: o.caseW ?? false,
    cells,
    seeds: draws.map((d) => d.seed),
    batch: first.batch,
    series,
    pass: series.every((s) => s.adjointCheck.pass && s.boundCheck.pass),
  };
}
