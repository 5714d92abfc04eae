/**
 * The loss difference L(θ⁺) − L(θ⁻) of a central difference, computed accurately. Evaluating the two
 * losses separately and subtracting loses everything below eps·|L| (|L| sums B·T step losses, up to ~2·10³
 * on the default matrix), which at a small step ε swamps the difference. Instead one forward pass runs
 * the θ⁺ trajectory and carries the difference of the two trajectories exactly as far as floating point
 * allows:
 *   a⁺_t = W⁻ s⁺_{t−1} + U⁻ x_t + b⁻ + Δ(W s⁺_{t−1} + U x_t + b)          (θ⁺ = θ⁻ + Δ)
 *   δa_t = a⁺_t − a⁻_t = W⁻ δs_{t−1} + Δ(W s⁺_{t−1} + U x_t + b)
 *   δs_t = f(a⁺_t) − f(a⁻_t):  tanh: (1 − s⁺s⁻)·tanh(δa);  sigmoid: −expm1(−δa)·σ(a⁺)·σ(−a⁻);  relu, linear: exact
 *   δz_t = V⁻ δs_t + Δ(V s⁺_t + c)
 *   L⁺_t − L⁻_t = [lse(z⁺) − lse(z⁻)] − δz_t[y] = −log1p(Σ_k ŷ⁺_k expm1(−δz_k) / Σ_k ŷ⁺_k) − δz_t[y]
 *                 (for max_k |δz_k| > 1, as in exploding cases: the two log-sum-exps, each shifted by its max)
 * The caller holds the perturbed tensor at θ⁻ in the case and passes Δ = θ⁺ − θ⁻.
 */
import { addInput, type ForwardCache } from '../bptt/index.js';
import type { Workspace } from '../kernels/heap.js';
import { matVecAdd } from '../kernels/kernels.js';
import type { Case } from '../model/case.js';
import type { Matrix } from '../model/matrix.js';
import type { Activation } from '../model/spec.js';

export interface Delta {
  tensor: string;
  /** θ⁺ − θ⁻, laid out like the tensor */
  data: Float64Array;
  /** the nonzero entries of data (all of them for a direction) */
  nonzero: number[];
}

/** δs = f(a⁺) − f(a⁻), with a⁻ = a⁺ − δa, without cancellation; s⁺ = f(a⁺) is given. */
export function activationDifference(
  kind: Activation,
  aPlus: Float64Array,
  da: Float64Array,
  sPlus: Float64Array,
  ds: Float64Array,
): void {
  const n = aPlus.length;
  switch (kind) {
    case 'tanh':
      for (let i = 0; i < n; i++) ds[i] = (1 - sPlus[i]! * Math.tanh(aPlus[i]! - da[i]!)) * Math.tanh(da[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) ds[i] = (-Math.expm1(-da[i]!) * sPlus[i]!) / (1 + Math.exp(aPlus[i]! - da[i]!));
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const am = aPlus[i]! - da[i]!;
        ds[i] =
          aPlus[i]! > 0 && am > 0 ? da[i]! : aPlus[i]! <= 0 && am <= 0 ? 0 : Math.max(aPlus[i]!, 0) - Math.max(am, 0);
      }
      return;
    case 'linear':
      ds.set(da);
      return;
  }
}

/** s = f(a) */
export function activate(kind: Activation, a: Float64Array, s: Float64Array): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    s[i] =
      kind === 'tanh'
        ? Math.tanh(x)
        : kind === 'sigmoid'
          ? 1 / (1 + Math.exp(-x))
          : kind === 'relu'
            ? x > 0
              ? x
              : 0
            : x;
  }
}

/** y += Δ x for a Δ laid out as an r×c matrix: a matrix–vector product for a direction, else entry by entry. */
export function deltaTimes(d: Delta, cols: number, x: Float64Array, y: Float64Array): void {
  if (d.nonzero.length === d.data.length) matVecAdd({ rows: d.data.length / cols, cols, data: d.data }, x, y);
  else for (const k of d.nonzero) y[Math.floor(k / cols)]! += d.data[k]! * x[k % cols]!;
}

/** One layer a = W v + U x_t [+ b]: the RNN's, or one gate's W_*, U_*, b_*, with the tensors' names. */
export interface Layer {
  W: Matrix;
  U: Matrix;
  b: Matrix | null;
  names: { W: string; U: string; b: string };
}

/**
 * a⁺ = W⁻ v⁺ + U⁻ x_t + b⁻ + Δ(W v⁺ + U x_t + b) and δa = W⁻ δv + Δ(…) of one layer, for batch row b at step
 * t, whose recurrent input is v⁺ (δv). Δ(…) is the part of a⁺ that θ⁻ does not give: zero unless the
 * perturbed tensor is one of the layer's. corr is scratch.
 */
export function preActivationDifference(
  c: Case,
  d: Delta,
  layer: Layer,
  b: number,
  t: number,
  v: Float64Array,
  dv: Float64Array,
  a: Float64Array,
  da: Float64Array,
  corr: Float64Array,
): void {
  const { inputSize: I, hiddenSize: H } = c.model;
  corr.fill(0);
  if (d.tensor === layer.names.W) deltaTimes(d, H, v, corr);
  else if (d.tensor === layer.names.b) for (const k of d.nonzero) corr[k]! += d.data[k]!;
  else if (d.tensor === layer.names.U) {
    if (c.tokens) {
      const x = c.tokens[b * c.steps + t]!;
      for (const k of d.nonzero) if (k % I === x) corr[Math.floor(k / I)]! += d.data[k]!;
    } else deltaTimes(d, I, c.vectors!.subarray((b * c.steps + t) * I, (b * c.steps + t + 1) * I), corr);
  }
  if (layer.b) a.set(layer.b.data);
  else a.fill(0);
  addInput(c, b, t, a, layer.U); //          U⁻ x_t [+ b⁻]
  matVecAdd(layer.W, v, a); //               + W⁻ v⁺
  da.fill(0);
  matVecAdd(layer.W, dv, da); //             δa = W⁻ δv
  for (let i = 0; i < H; i++) {
    a[i]! += corr[i]!; //                    a⁺ = … + Δ(…)
    da[i]! += corr[i]!; //                   δa += Δ(…)
  }
}

/**
 * Σ_{b in rows} Σ_{t ≥ t0} (L⁺_t − L⁻_t). The case holds θ⁻; `cache` is a forward pass at parameters that
 * agree with θ± before step t0 (the states s_{t0−1} are taken from it, except for a perturbed s₋₁).
 */
export function lossDifference(
  c: Case,
  cache: ForwardCache,
  d: Delta,
  t0: number,
  rows: readonly [number, number],
  ws: Workspace,
): number {
  const T = c.steps;
  const { hiddenSize: H, activation, bias } = c.model;
  const layer: Layer = {
    W: c.params.W!,
    U: c.params.U!,
    b: bias ? c.params.b! : null,
    names: { W: 'W', U: 'U', b: 'b' },
  };
  let sPrev = ws.f64(H); // ws: in the kernels' heap when oracle.ts runs this there
  let dsPrev = ws.f64(H);
  let s = ws.f64(H);
  let ds = ws.f64(H);
  const a = ws.f64(H);
  const da = ws.f64(H);
  const corr = ws.f64(H);
  const out = outputScratch(c, ws);
  /** s⁺_t and δs_t from s⁺_{t−1} and δs_{t−1} (in sPrev, dsPrev). */
  const stepStates = (t: number, b: number) => {
    preActivationDifference(c, d, layer, b, t, sPrev, dsPrev, a, da, corr); // a⁺, δa = W⁻ δs_{t−1} + Δ(W s⁺_{t−1} + U x_t + b)
    activate(activation, a, s); //           s⁺ = f(a⁺)
    activationDifference(activation, a, da, s, ds); // δs = f(a⁺) − f(a⁻)
  };
  const statesFixed = d.tensor === 'V' || d.tensor === 'c'; // the output layer does not change the states
  let total = 0;
  for (let b = rows[0]; b < rows[1]; b++) {
    seedStates(c, cache.s, d, b, t0, sPrev, dsPrev);
    for (let t = t0; t < T; t++) {
      if (statesFixed) cachedStates(c, cache.s, b, t, s, ds);
      else stepStates(t, b);

      total += stepLossDifference(c, d, b, t, s, ds, out);
      [sPrev, s] = [s, sPrev];
      [dsPrev, ds] = [ds, dsPrev];
    }
  }
  return total;
}

/** s⁺_{t0−1} and δs_{t0−1} of batch row b: s⁻₋₁ + Δ and Δ for a perturbed s₋₁, else the forward pass's s_{t0−1} and 0. */
export function seedStates(
  c: Case,
  cacheS: Float64Array,
  d: Delta,
  b: number,
  t0: number,
  sPrev: Float64Array,
  dsPrev: Float64Array,
): void {
  const H = c.model.hiddenSize;
  if (d.tensor === 'initialState') {
    for (let i = 0; i < H; i++) {
      dsPrev[i] = d.data[b * H + i]!; //                           δs₋₁ = Δ
      sPrev[i] = c.initialState!.data[b * H + i]! + dsPrev[i]!; // s⁺₋₁ = s⁻₋₁ + Δ
    }
  } else {
    const at = (b * (c.steps + 1) + t0) * H; //                     s_{t0−1} of row b
    sPrev.set(cacheS.subarray(at, at + H));
    dsPrev.fill(0);
  }
}

/** s⁺_t = the forward pass's s_t and δs_t = 0: a perturbed output layer (V, c) leaves the states as they are. */
export function cachedStates(
  c: Case,
  cacheS: Float64Array,
  b: number,
  t: number,
  s: Float64Array,
  ds: Float64Array,
): void {
  const H = c.model.hiddenSize;
  const at = (b * (c.steps + 1) + t + 1) * H; //                    s_t of row b
  s.set(cacheS.subarray(at, at + H));
  ds.fill(0);
}

/** Buffers for stepLossDifference, one set per loss difference. */
export function outputScratch(c: Case, ws: Workspace) {
  const K = c.model.outputSize;
  return { z: ws.f64(K), dz: ws.f64(K), zc: ws.f64(K) };
}

/**
 * L⁺_t − L⁻_t of batch row b from s⁺_t and δs_t: z⁺ = V⁻ s⁺ + c⁻ + Δ(V s⁺ + c), δz = V⁻ δs + Δ(V s⁺ + c),
 * then −log1p(Σ_k ŷ⁺_k expm1(−δz_k) / Σ_k ŷ⁺_k) − δz[y].
 */
export function stepLossDifference(
  c: Case,
  d: Delta,
  b: number,
  t: number,
  s: Float64Array,
  ds: Float64Array,
  out: ReturnType<typeof outputScratch>,
): number {
  const { hiddenSize: H, outputSize: K, bias } = c.model;
  const V = c.params.V!;
  const { z, dz, zc } = out;
  zc.fill(0);
  if (d.tensor === 'V') deltaTimes(d, H, s, zc);
  else if (d.tensor === 'c') for (const k of d.nonzero) zc[k]! += d.data[k]!;
  if (bias) z.set(c.params.c!.data);
  else z.fill(0);
  matVecAdd(V, s, z);
  dz.fill(0);
  matVecAdd(V, ds, dz);
  let max = -Infinity;
  let dzMax = 0;
  for (let k = 0; k < K; k++) {
    z[k]! += zc[k]!;
    dz[k]! += zc[k]!;
    if (z[k]! > max) max = z[k]!;
    dzMax = Math.max(dzMax, Math.abs(dz[k]!));
  }
  const y = c.targets[b * c.steps + t]!;
  // Where the logits are huge (an exploding case), δz is not small: e^{−δz} overflows and ŷ⁺_k underflows, and
  // ŷ⁺_k·expm1(−δz_k) is 0·∞ = NaN. There each log-sum-exp is shifted by its own largest logit, z⁺_j and
  // z⁻_i, and the shifts' difference is taken without subtracting two logits of size |z|:
  //   lse(z⁺) − lse(z⁻) = (z⁺_j − z⁺_i) + δz_i + log1p(Σ_{k≠j} e^{z⁺_k − z⁺_j}) − log1p(Σ_{k≠i} e^{z⁻_k − z⁻_i})
  if (dzMax > 1) return shiftedLseDifference(z, dz) - dz[y]!; // L⁺_t − L⁻_t
  let num = 0;
  let den = 0;
  for (let k = 0; k < K; k++) {
    const w = Math.exp(z[k]! - max); //     ∝ ŷ⁺_k
    num += w * Math.expm1(-dz[k]!);
    den += w;
  }
  return -Math.log1p(num / den) - dz[y]!; // L⁺_t − L⁻_t
}

/** lse(z⁺) − lse(z⁻) with z⁻ = z⁺ − δz, each shifted by its largest logit (z⁺_j, z⁻_i): exact in the shift when i = j. */
function shiftedLseDifference(z: Float64Array, dz: Float64Array): number {
  let j = 0;
  let i = 0;
  for (let k = 1; k < z.length; k++) {
    if (z[k]! > z[j]!) j = k;
    if (z[k]! - dz[k]! > z[i]! - dz[i]!) i = k;
  }
  let plus = 0; //  Σ_{k≠j} e^{z⁺_k − z⁺_j}
  let minus = 0; // Σ_{k≠i} e^{z⁻_k − z⁻_i},  z⁻_k − z⁻_i = (z⁺_k − z⁺_i) − (δz_k − δz_i)
  for (let k = 0; k < z.length; k++) {
    if (k !== j) plus += Math.exp(z[k]! - z[j]!);
    if (k !== i) minus += Math.exp(z[k]! - z[i]! - (dz[k]! - dz[i]!));
  }
  return z[j]! - z[i]! + dz[i]! + Math.log1p(plus) - Math.log1p(minus);
}
