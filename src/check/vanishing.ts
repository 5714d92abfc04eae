/**
 * The seed's vanishing-gradient argument, measured: for each activation and W scale, the adjoint of the
 * last output's loss with respect to every earlier state, the Jacobian product's spectral norm, and the
 * sufficient bound of Pascanu, Mikolov & Bengio (2013):
 *   dLlast_ds[k]    = ‖∂L_{T−1}/∂s_k‖₂                    (batch row 0)
 *   jacobianNorm[k] = ‖∂s_{T−1}/∂s_k‖₂ = ‖∏_{j=k+1}^{T−1} diag(f′(a_j)) W‖₂
 *   bound[k]        = (σ_max(W)·γ)^{T−1−k},  γ = sup f′ (tanh 1, sigmoid 1/4, relu 1, linear 1)
 * The hand adjoints are checked against tf.grad with respect to the states; jacobianNorm ≤ bound is
 * checked at every lag.
 * With --cells, LSTM and GRU series sit beside the RNN's: the same inputs, targets, V, c and s₋₁, act = the
 * series' activation, σ = sigmoid, every gate's W_* rescaled to the same spectral norm as the RNN's W, and
 * biases as tfjs initialises them (gatedVariant). For them dLlast_ds is the adjoint of s_k and
 * jacobianNorm[k] = ‖∂s_{T−1}/∂s_k‖₂, both through s_k alone (the LSTM's long path runs through
 * c_{k+1} … c_{T−1}); the bound is the RNN's only.
 */
import { clipGradients, globalNorm, handBackward, handForward, type ForwardCache, type GatedCache } from '../bptt/index.js';
import { gatedJacobianNorms, jacobianNorms } from '../bptt/jacobian.js';
import { spectralNorm } from '../bptt/spectral.js';
import { referenceSteps } from '../../reference/steps.js';
import type { Case } from '../model/case.js';
import { zeros, type Matrix } from '../model/matrix.js';
import { InputError, shown } from '../model/errors.js';
import { GENERATE_DEFAULTS, generateCase } from '../model/generate.js';
import { ACTIVATIONS, CELLS, type Activation, type Cell } from '../model/spec.js';
import { compareArrays, type Tolerance } from './metrics.js';

export const GAMMA: Record<Activation, number> = { tanh: 1, sigmoid: 0.25, relu: 1, linear: 1 };

/** Below this norm float32 has only denormals or zero: such lags are not compared with tfjs. */
export const FLOAT32_FLOOR = 1e-30;

export interface VanishingOptions {
  activations: Activation[];
  /** the cells to analyse, default ['rnn'] */
  cells?: Cell[];
  /** the seed of the gated cells' weights */
  seed?: number;
  /** the LSTM's forget-gate bias, default 1 (tfjs's unitForgetBias) */
  forgetBias?: number;
  wNorms: number[];
  /** the clipping shown on the exploding side */
  clipNorm: number;
  tolerance: Tolerance;
}

export interface Series {
  cell: Cell;
  activation: Activation;
  wNorm: number;
  /** index k = 0 … T−1; lag = T−1−k */
  dLlast_ds: (number | null)[];
  /** the RNN's; null for gated cells */
  jacobianNorm: (number | null)[];
  /** the RNN's; null for gated cells */
  bound: (number | null)[];
  /** fitted per-step factor: log ‖∂L_{T−1}/∂s_k‖ ≈ a + lag·log(decay) */
  decay: number | null;
  /** the first lag at which the adjoint is below 1e-6 of its value at lag 0, or null */
  lagTo1e6: number | null;
  exploding: boolean;
  /** the lag at which a float64 value overflowed, when one did */
  overflowAtLag: number | null;
  adjointCheck: { pass: boolean; comparedLags: number; worstRelErrNorm: number; firstFailingLag: number | null };
  boundCheck: { pass: boolean; firstViolationLag: number | null };
  /** the full-loss gradient's global norm, and after --clip-norm */
  clip: { norm: number; before: number; after: number };
}

export interface VanishingResult {
  caseId: string;
  T: number;
  H: number;
  series: Series[];
  answer: string;
  /** with gated cells among the series: how much longer gradients survive in them, from the data */
  cellsAnswer?: string;
  pass: boolean;
}

export function checkVanishingOptions(o: { activations: string[]; wNorms: number[]; steps: number; cells?: string[] }): void {
  if (o.cells && !o.cells.length) throw new InputError('--cells is empty, expected a comma-separated list of rnn|lstm|gru');
  for (const c of o.cells ?? []) if (!(CELLS as readonly string[]).includes(c)) throw new InputError(`--cells has ${shown(c)}, expected only rnn|lstm|gru`);
  if (!o.activations.length) throw new InputError('--activations is empty, expected a comma-separated list of tanh|sigmoid|relu|linear');
  for (const a of o.activations)
    if (!(ACTIVATIONS as readonly string[]).includes(a)) throw new InputError(`--activations has ${shown(a)}, expected only tanh|sigmoid|relu|linear`);
  for (const s of o.wNorms) if (!Number.isFinite(s) || s <= 0) throw new InputError(`--w-norm has ${shown(s)}, expected positive numbers`);
  if (!Number.isInteger(o.steps) || o.steps < 2) throw new InputError(`--steps is ${shown(o.steps)}, expected T ≥ 2 (a lag needs two steps)`);
}

/** The case with another activation and W rescaled to spectral norm s (same inputs, U, V, …). */
function variant(c: Case, activation: Activation, s: number): Case {
  const W = c.params.W!;
  const sigma = spectralNorm(W);
  const data = W.data.map((x) => (x * s) / sigma); // W ← W · s/σ_max(W)
  return { ...c, model: { ...c.model, activation }, params: { ...c.params, W: { ...W, data } } };
}

/**
 * The gated cell's version of the RNN case c: U_* and W_* drawn from the seed (recurrent activation
 * sigmoid), every W_* rescaled to spectral norm s, and the biases as tfjs initialises them: zero, except the
 * LSTM's forget gate at forgetBias (tf.layers.lstm's unitForgetBias sets it to 1, after Jozefowicz et al.,
 * 2015). Inputs, targets, V and s₋₁ are those of c; its output bias c, or zero.
 */
function gatedVariant(c: Case, cell: 'lstm' | 'gru', activation: Activation, s: number, seed: number, forgetBias: number): Case {
  const { inputSize, hiddenSize: H, outputSize: K } = c.model;
  const g = generateCase({ ...GENERATE_DEFAULTS, cell, recurrentActivation: 'sigmoid', activation, bias: true, inputSize, hiddenSize: H, outputSize: K, steps: c.steps, batch: c.batch, seed });
  const params: Record<string, Matrix> = { V: c.params.V!, c: c.params.c ?? zeros(K, 1) };
  for (const [name, m] of Object.entries(g.params)) {
    if (name.startsWith('U_')) params[name] = m;
    if (name.startsWith('W_')) params[name] = { ...m, data: m.data.map((x) => (x * s) / spectralNorm(m)) }; // W_* ← W_* · s/σ_max(W_*)
    if (name.startsWith('b_')) params[name] = { ...m, data: new Float64Array(H).fill(name === 'b_f' ? forgetBias : 0) };
  }
  return { ...c, model: g.model, params };
}

/** Least-squares slope of log y against lag, over the finite positive values. */
function fitDecay(values: (number | null)[], T: number): number | null {
  const pts: [number, number][] = [];
  values.forEach((y, k) => {
    if (y !== null && y > 0 && Number.isFinite(y)) pts.push([T - 1 - k, Math.log(y)]);
  });
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const sxy = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  return Math.exp(sxy / sxx);
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

async function analyse(c: Case, cell: Cell, activation: Activation, wNorm: number, o: VanishingOptions): Promise<Series> {
  const v = cell === 'rnn' ? variant(c, activation, wNorm) : gatedVariant(c, cell, activation, wNorm, o.seed ?? 1, o.forgetBias ?? 1);
  const T = v.steps;
  const H = v.model.hiddenSize;
  const cache = handForward(v); //                     one forward pass for the adjoints, the Jacobian and the clipping
  const hand = handBackward(v, cache, { keepSteps: true, outputStep: T - 1 }).steps!.ds;
  const norms = Array.from({ length: T }, (_, k) => Math.hypot(...hand.subarray(k * H, (k + 1) * H)));
  // the Jacobian ∂s_{T−1}/∂s_k, and the bound of the RNN's (a gated cell's has no such bound)
  const jac = cell === 'rnn' ? jacobianNorms(v, cache as ForwardCache, 0) : gatedJacobianNorms(v, cache as GatedCache, 0);
  const sigma = cell === 'rnn' ? spectralNorm(v.params.W!) : NaN;
  const bound = Array.from({ length: T }, (_, k) => (cell === 'rnn' ? (sigma * GAMMA[activation]) ** (T - 1 - k) : null));

  // overflow: keep the series up to the first non-finite value (counting from lag 0)
  let overflowAtLag: number | null = null;
  for (let lag = 0; lag < T; lag++) {
    const k = T - 1 - lag;
    if (!Number.isFinite(norms[k]!) || !Number.isFinite(jac[k]!)) {
      overflowAtLag = lag;
      break;
    }
  }
  const cut = (xs: number[]) => xs.map((x, k) => (overflowAtLag !== null && T - 1 - k >= overflowAtLag ? null : finiteOrNull(x)));
  const dLlast_ds = cut(norms);
  const jacobianNorm = cut(jac);

  // the hand adjoints against tf.grad with respect to the states, lag by lag (where float32 can hold them)
  const ref = (await referenceSteps(v, T - 1)).ds;
  let compared = 0;
  let worst = 0;
  let firstFailingLag: number | null = null;
  for (let lag = 0; lag < T; lag++) {
    const k = T - 1 - lag;
    const n = dLlast_ds[k];
    if (n === null || n === undefined || n < FLOAT32_FLOOR) continue;
    const m = compareArrays(hand.subarray(k * H, (k + 1) * H), ref.subarray(k * H, (k + 1) * H), o.tolerance, () => []);
    compared++;
    worst = Math.max(worst, m.relErrNorm);
    if (!m.pass && firstFailingLag === null) firstFailingLag = lag;
  }
  let firstViolationLag: number | null = null;
  for (let lag = 0; lag < T; lag++) {
    const j = jacobianNorm[T - 1 - lag];
    const b = bound[T - 1 - lag];
    if (j !== null && j !== undefined && b !== null && b !== undefined && j > b * (1 + 1e-9)) {
      firstViolationLag = lag;
      break;
    }
  }
  const decay = fitDecay(dLlast_ds, T);
  const lag0 = dLlast_ds[T - 1] ?? 0;
  let lagTo1e6: number | null = null;
  for (let lag = 1; lag < T; lag++) {
    const y = dLlast_ds[T - 1 - lag];
    if (y !== null && y !== undefined && y < 1e-6 * lag0) {
      lagTo1e6 = lag;
      break;
    }
  }
  const g = handBackward(v, cache);
  const clipped = clipGradients(g, { norm: o.clipNorm });
  return {
    cell,
    activation,
    wNorm,
    dLlast_ds,
    jacobianNorm,
    bound,
    decay,
    lagTo1e6,
    exploding: overflowAtLag !== null || (decay !== null && decay > 1),
    overflowAtLag,
    adjointCheck: { pass: firstFailingLag === null, comparedLags: compared, worstRelErrNorm: worst, firstFailingLag },
    boundCheck: { pass: firstViolationLag === null, firstViolationLag },
    clip: { norm: o.clipNorm, before: globalNorm(g), after: clipped.clip!.normAfter },
  };
}

export async function analyseVanishing(c: Case, o: VanishingOptions): Promise<VanishingResult> {
  if (c.model.cell !== 'rnn') throw new InputError(`model.cell is "${c.model.cell}", expected rnn: the vanishing analysis starts from a plain RNN case and derives the gated cells from it (--cells)`);
  const cells = o.cells ?? ['rnn'];
  const series: Series[] = [];
  for (const cell of cells) for (const a of o.activations) for (const s of o.wNorms) series.push(await analyse(c, cell, a, s, o));
  const gated = cells.some((x) => x !== 'rnn');
  return {
    caseId: c.id,
    T: c.steps,
    H: c.model.hiddenSize,
    series,
    answer: wouldSigmoidHelp(series.filter((s) => s.cell === 'rnn'), c.steps),
    ...(gated ? { cellsAnswer: howMuchLonger(series, c.steps) } : {}),
    pass: series.every((s) => s.adjointCheck.pass && s.boundCheck.pass),
  };
}

/**
 * Steps back until the adjoint falls to 1e-6 of its value at lag 0: measured when it does within T − 1,
 * else extrapolated from the fitted factor (ln 1e-6 / ln decay); Infinity when it does not decay.
 */
export function lagsTo1e6(s: Series): { lags: number; measured: boolean } {
  if (s.lagTo1e6 !== null) return { lags: s.lagTo1e6, measured: true };
  return { lags: s.decay !== null && s.decay < 1 ? Math.log(1e-6) / Math.log(s.decay) : Infinity, measured: false };
}

/** "How much longer do gradients survive in the gated cells?", answered per activation and W scale against the RNN. */
export function howMuchLonger(series: Series[], T: number): string {
  const groups = series.filter((s) => s.cell === 'rnn' && !s.exploding);
  const lines: string[] = [];
  const ratios: Record<string, number[]> = {};
  const lagText = (x: { lags: number; measured: boolean }) => (Number.isFinite(x.lags) ? `${x.measured ? '' : '~'}${Math.round(x.lags)}` : 'never');
  for (const r of groups) {
    const rnn = lagsTo1e6(r);
    const others = series.filter((s) => s.cell !== 'rnn' && s.activation === r.activation && s.wNorm === r.wNorm && !s.exploding);
    if (!others.length) continue;
    const parts = others.map((g) => {
      const x = lagsTo1e6(g);
      const ratio = x.lags / rnn.lags;
      (ratios[g.cell] ??= []).push(ratio);
      return `${g.cell.toUpperCase()} ${lagText(x)} (${Number.isFinite(ratio) ? `${ratio.toPrecision(3)}×` : 'no decay'}, factor ${f2(g.decay)})`;
    });
    lines.push(`${r.activation}, ‖W‖₂ = ${r.wNorm}: RNN ${lagText(rnn)} (factor ${f2(r.decay)}), ${parts.join(', ')}`);
  }
  if (!lines.length) return 'How much longer do gradients survive in gated cells? Run with rnn and a gated cell in --cells, at a W scale where the RNN does not explode, to answer from data.';
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = Object.entries(ratios)
    .map(([cell, rs]) => `${cell.toUpperCase()} ${Number.isFinite(median(rs)) ? `${median(rs).toPrecision(3)}×` : 'without decay'} as long as the RNN (median over the ${rs.length} settings where the RNN does not explode)`)
    .join(', ');
  return (
    `How much longer do gradients survive in gated cells? ${summary}. Measured as the steps back until ‖∂L_{T−1}/∂s_k‖ falls to 1e-6 of its value at lag 0 ` +
    `(counted within T − 1 = ${T - 1} steps; ~ extrapolated from the fitted factor per step): ${lines.join('; ')}.`
  );
}

const f2 = (x: number | null) => (x === null ? 'n/a' : x.toPrecision(3));

/** "Would sigmoid help?", answered from the measured decay factors at each W scale. */
export function wouldSigmoidHelp(series: Series[], T: number): string {
  const pairs = [...new Set(series.map((s) => s.wNorm))].flatMap((w) => {
    const tanh = series.find((s) => s.activation === 'tanh' && s.wNorm === w);
    const sig = series.find((s) => s.activation === 'sigmoid' && s.wNorm === w);
    return tanh && sig && tanh.decay !== null && sig.decay !== null ? [{ w, tanh, sig }] : [];
  });
  if (!series.length) return 'Would sigmoid help? The question is about the plain RNN: add rnn to --cells to answer it from data.';
  if (!pairs.length) return 'Would sigmoid help? Run with both tanh and sigmoid in --activations to answer from data.';
  const faster = pairs.filter((p) => p.sig.decay! < p.tanh.decay!);
  const verdict = faster.length === pairs.length ? 'No.' : faster.length === 0 ? 'Yes.' : 'Not in general.';
  const lag = (x: Series) => (x.lagTo1e6 === null ? `not within ${T - 1}` : String(x.lagTo1e6));
  const detail = pairs.map((p) => `‖W‖₂ = ${p.w}: ${f2(p.sig.decay)} with sigmoid against ${f2(p.tanh.decay)} with tanh (below 1e-6 after ${lag(p.sig)} vs ${lag(p.tanh)} steps)`).join('; ');
  const why =
    faster.length === pairs.length
      ? ' Sigmoid makes the gradient vanish faster: σ′ ≤ 1/4 against tanh′ ≤ 1, so each step back multiplies the adjoint by at most ‖W‖₂/4.'
      : faster.length === 0
        ? ' In this model sigmoid keeps the gradient longer than tanh.'
        : ' Which one vanishes faster depends on the scale of W here.';
  return `Would sigmoid help? ${verdict} Factor by which ‖∂L_{T−1}/∂s_k‖ changes per step back, measured on this model — ${detail}.${why}`;
}
