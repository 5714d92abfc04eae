/**
 * The third oracle: float64 central differences of the loss, on the hand-written forward pass,
 *   ∂L/∂θ_i ≈ (L(θ + ε e_i) − L(θ − ε e_i)) / 2ε
 * Step rule, per tensor: ε = 1e-7 · max(1, ‖θ‖∞). The error of a central difference is a truncation part,
 * O(ε²·L‴), and a rounding part. Subtracting two separately computed losses makes the rounding part
 * eps·|L|/ε, and |L| sums B·T step losses; the textbook step ∛eps ≈ 6e-6 then leaves 1e-6 relative error
 * on the default matrix. The difference L(θ⁺) − L(θ⁻) is instead carried through one forward pass
 * (trajectory.ts, each cell's step in cells/) with rounding relative to the difference itself, which leaves
 * only the truncation part: measured over the default matrix, 1e-14 relative at ε = 1e-7 (1e-12 at 1e-6,
 * 1e-9 at 3e-5), for every cell with the same step. A small step also makes crossing a relu kink (a wrong
 * difference) unlikely.
 * Only what a perturbation can change is recomputed: the output layer alone for V and c; the steps from
 * the first one the entry enters (t0) for U, W, b, s₋₁; only its batch row for an entry of s₋₁. The
 * difference is taken between the two recomputed parts, whose common prefix cancels exactly.
 * Modes: full (every entry), sample N (N seeded random entries per tensor), fast (k seeded random unit
 * directions v per tensor, compared as vᵀ∇L against (L(θ + εv) − L(θ − εv)) / 2ε, as in gradcheck's
 * fast mode).
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { caseWith, forwardBytes } from '../bptt/index.js';
import { heapBytesOf, withWorkspace } from '../kernels/heap.js';
import type { Case } from '../model/case.js';
import { fieldName, InputError } from '../model/errors.js';
import { MAX_FD_PERTURBATIONS } from '../model/limits.js';
import type { Matrix } from '../model/matrix.js';
import { gradientSpecs, type TensorSpec } from '../model/spec.js';
import { fdCell } from './cells/index.js';
import type { Delta } from './difference.js';
import { lossDifference, type LossDifference } from './trajectory.js';

export type FdMode = { kind: 'full' } | { kind: 'sample'; n: number } | { kind: 'fast'; k: number };

export const FD_EPS_FACTOR = 1e-7;

export function fdStep(m: Matrix): number {
  let max = 0;
  for (const x of m.data) max = Math.max(max, Math.abs(x));
  return FD_EPS_FACTOR * Math.max(1, max);
}

/** What the oracle measured for one tensor: entries by flat index, or directional derivatives. */
export interface FdProbe {
  tensor: string;
  mode: 'entries' | 'directions';
  eps: number;
  /** entries: flat indices in math layout */
  indices: number[];
  /** directions: unit vectors over the flattened tensor */
  directions: Float64Array[];
  values: Float64Array;
}

/** How to perturb one entry of a tensor, and what it can change. */
interface Target {
  data: Float64Array;
  /** the first step the entry enters (T when it never does) */
  t0: (k: number) => number;
  rows: (k: number) => readonly [number, number];
}

function target(c: Case, spec: TensorSpec): Target {
  const { steps: T } = c;
  const { hiddenSize: H, inputSize: I } = c.model;
  const all = [0, c.batch] as const;
  if (spec.name === 'initialState')
    return { data: c.initialState!.data, t0: () => 0, rows: (k) => [Math.floor(k / H), Math.floor(k / H) + 1] };
  const data = c.params[spec.name]!.data;
  switch (
    spec.name[0] // W, U, b and the gates' W_*, U_*, b_*; V and c
  ) {
    case 'W': // W s_{−1} = 0 when s_{−1} is zero: the entry first matters at step 1
      return { data, t0: () => (c.initialState ? 0 : Math.min(1, T)), rows: () => all };
    case 'U': {
      if (!c.tokens) return { data, t0: () => 0, rows: () => all };
      const first = new Array<number>(I).fill(T); // first step at which token j appears in any row
      c.tokens.forEach((x, r) => (first[x] = Math.min(first[x]!, r % T)));
      return { data, t0: (k) => first[k % I]!, rows: () => all };
    }
    default: // b, b_*, V, c
      return { data, t0: () => 0, rows: () => all };
  }
}

/** Central differences of single entries: (L(θ + ε e_k) − L(θ − ε e_k)) / (θ⁺_k − θ⁻_k). */
export function fdEntries(
  c: Case,
  diff: LossDifference,
  spec: TensorSpec,
  indices: readonly number[],
  eps: number,
): Float64Array {
  const tg = target(c, spec);
  const out = new Float64Array(indices.length);
  const delta: Delta = { tensor: spec.name, data: new Float64Array(tg.data.length), nonzero: [0] };
  indices.forEach((k, n) => {
    const t0 = tg.t0(k);
    if (t0 >= c.steps) return; // the entry never enters the computation: ∂L/∂θ = 0 exactly
    const orig = tg.data[k]!;
    const minus = orig - eps;
    delta.data[k] = orig + eps - minus; // Δ = θ⁺ − θ⁻ as floating point has it
    delta.nonzero[0] = k;
    tg.data[k] = minus; //                 the case holds θ⁻
    out[n] = diff(delta, t0, tg.rows(k)) / delta.data[k]!;
    tg.data[k] = orig;
    delta.data[k] = 0;
  });
  return out;
}

/**
 * Central differences along unit directions v of the whole tensor: (L(θ + εv) − L(θ − εv)) / 2ε. θ ± εv
 * round, so each v is replaced by the direction actually applied, (θ⁺ − θ⁻)/2ε (unit to ~1e-9), which the
 * comparison then projects the gradients on.
 */
export function fdDirections(
  c: Case,
  diff: LossDifference,
  spec: TensorSpec,
  directions: Float64Array[],
  eps: number,
): Float64Array {
  const tg = target(c, spec);
  const orig = tg.data.slice();
  const all = Array.from({ length: orig.length }, (_, k) => k);
  const out = directions.map((v) => {
    const data = new Float64Array(orig.length);
    for (let k = 0; k < orig.length; k++) {
      tg.data[k] = orig[k]! - eps * v[k]!; //               θ⁻ = θ − εv
      data[k] = orig[k]! + eps * v[k]! - tg.data[k]!; //    Δ = θ⁺ − θ⁻
    }
    for (let k = 0; k < orig.length; k++) v[k] = data[k]! / (2 * eps);
    return diff({ tensor: spec.name, data, nonzero: all }, 0, [0, c.batch]) / (2 * eps);
  });
  tg.data.set(orig);
  return Float64Array.from(out);
}

/** The value an implementation's gradient gives for each probe: the entry, or vᵀg. */
export function project(g: Matrix, probe: FdProbe): Float64Array {
  if (probe.mode === 'entries') return Float64Array.from(probe.indices, (k) => g.data[k]!);
  return Float64Array.from(probe.directions, (v) => v.reduce((acc, x, k) => acc + x * g.data[k]!, 0));
}

/** The directions fast k measures on a tensor of n entries: k, at most n (n random directions already span it). */
export const fastDirections = (k: number, n: number): number => Math.min(k, n);

/** The perturbations a mode measures over every gradient tensor (each costs a pair of forward passes). */
export function fdPerturbations(c: Case, mode: FdMode): number {
  const sizes = gradientSpecs(c.model, c.batch, c.initialState !== null).map((s) => s.rows * s.cols);
  if (mode.kind === 'full') return sizes.reduce((a, n) => a + n, 0);
  if (mode.kind === 'sample') return mode.n * sizes.length;
  return sizes.reduce((a, n) => a + fastDirections(mode.k, n), 0);
}

/** The mode is possible on the case: sample N within every tensor, and at most MAX_FD_PERTURBATIONS in all. */
export function checkFdMode(c: Case, mode: FdMode): void {
  const specs = gradientSpecs(c.model, c.batch, c.initialState !== null);
  if (mode.kind === 'sample') {
    const smallest = specs.reduce((a, s) => (s.rows * s.cols < a.rows * a.cols ? s : a));
    if (mode.n > smallest.rows * smallest.cols)
      throw new InputError(
        `${fieldName('fd')} sample is ${mode.n}, larger than tensor ${smallest.name} (${smallest.rows * smallest.cols} entries); expected at most ${smallest.rows * smallest.cols}`,
        'fd',
      );
  }
  const n = fdPerturbations(c, mode);
  if (n > MAX_FD_PERTURBATIONS) {
    const fd = fieldName('fd');
    const given = mode.kind === 'full' ? 'full' : mode.kind === 'sample' ? `sample ${mode.n}` : `fast ${mode.k}`;
    throw new InputError(
      `${fd} ${given} is ${n} perturbations on this case (a pair of forward passes each), expected at most ${MAX_FD_PERTURBATIONS}: use ${fd} sample N or ${fd} fast [k] with fewer`,
      'fd',
    );
  }
}

/** The probes the oracle will measure (values still empty). `seed` draws the samples and directions. */
export function fdPlan(c: Case, mode: FdMode, seed = 1, only?: string): FdProbe[] {
  if (only === undefined) checkFdMode(c, mode); // (a full rerun of one tensor, after a failing direction, is the harness's own)
  const rng = xoroshiro128plus(seed);
  const probes: FdProbe[] = [];
  for (const spec of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
    if (only !== undefined && spec.name !== only) continue;
    const size = spec.rows * spec.cols;
    const eps = fdStep(spec.name === 'initialState' ? c.initialState! : c.params[spec.name]!);
    if (mode.kind === 'fast') {
      const k = fastDirections(mode.k, size);
      const directions = Array.from({ length: k }, () => unitVector(size, rng));
      probes.push({ tensor: spec.name, mode: 'directions', eps, indices: [], directions, values: new Float64Array(k) });
    } else {
      const indices =
        mode.kind === 'full' ? Array.from({ length: size }, (_, k) => k) : sampleIndices(size, mode.n, rng);
      probes.push({
        tensor: spec.name,
        mode: 'entries',
        eps,
        indices,
        directions: [],
        values: new Float64Array(indices.length),
      });
    }
  }
  return probes;
}

/** Measures the planned probes in this thread (fills `values`). */
export function fdMeasure(c: Case, probes: FdProbe[]): FdProbe[] {
  // In a workspace in the kernels' heap, so that the forward passes run on the WebAssembly kernels: a working
  // copy of the case (the oracle perturbs parameters in place and must not touch the caller's), its forward
  // pass, and one loss difference's buffers at a time (each frees its own: scoped).
  const { hiddenSize: H, outputSize: K } = c.model;
  const differenceBytes = 32 * heapBytesOf(H) + 3 * heapBytesOf(K); // a loss difference's buffers: at most 21 of H (the LSTM's), 3 of K
  const measured = withWorkspace(forwardBytes(c) + differenceBytes, (ws) => {
    const w = caseWith(c, ws.copy);
    const cell = fdCell(w.model)(w, ws); // the forward pass at θ
    const diff: LossDifference = (d, t0, rows) => ws.scoped(() => lossDifference(w, cell, d, t0, rows, ws));
    const specs = gradientSpecs(w.model, w.batch, w.initialState !== null);
    return probes.map((p) => {
      const spec = specs.find((s) => s.name === p.tensor)!;
      const directions = p.directions.map((v) => v.slice());
      const values =
        p.mode === 'directions'
          ? fdDirections(w, diff, spec, directions, p.eps)
          : fdEntries(w, diff, spec, p.indices, p.eps);
      return { values, directions };
    });
  });
  probes.forEach((p, i) => {
    p.values = measured[i]!.values;
    p.directions.forEach((v, k) => v.set(measured[i]!.directions[k]!)); // the directions actually applied
  });
  return probes;
}

/** Runs the oracle on every gradient tensor of the case (or on `only`), in this thread. */
export function fdOracle(c: Case, mode: FdMode, seed = 1, only?: string): FdProbe[] {
  return fdMeasure(c, fdPlan(c, mode, seed, only));
}

type Rng = ReturnType<typeof xoroshiro128plus>;

/** n distinct indices in [0, size), by a partial Fisher–Yates shuffle, sorted. */
function sampleIndices(size: number, n: number, rng: Rng): number[] {
  const all = Array.from({ length: size }, (_, k) => k);
  for (let i = 0; i < n; i++) {
    const j = uniformInt(rng, i, size - 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n).sort((a, b) => a - b);
}

/** A uniformly random unit vector: normal entries (Box–Muller) normalized. */
function unitVector(size: number, rng: Rng): Float64Array {
  const v = new Float64Array(size);
  for (let k = 0; k < size; k++)
    v[k] = Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng));
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return v.map((x) => x / norm);
}
