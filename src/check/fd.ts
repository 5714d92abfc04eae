/**
 * The third oracle: float64 central differences of the loss, on the hand-written forward pass,
 *   ∂L/∂θ_i ≈ (L(θ + ε e_i) − L(θ − ε e_i)) / 2ε
 * Step rule, per tensor: ε = ∛(2⁻⁵²) · max(1, ‖θ‖∞) ≈ 6.1e-6 · max(1, ‖θ‖∞), the step that balances the
 * O(ε²) truncation error of a central difference against its O(eps/ε) rounding error.
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
import { forward, lossFrom, outputLossFrom, type ForwardCache } from '../bptt/forward.js';
import type { Case } from '../model/case.js';
import { InputError } from '../model/errors.js';
import type { Matrix } from '../model/matrix.js';
import { gradientSpecs, type TensorSpec } from '../model/spec.js';

export type FdMode = { kind: 'full' } | { kind: 'sample'; n: number } | { kind: 'fast'; k: number };

export const FD_EPS_FACTOR = Math.cbrt(2 ** -52);

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
  /** the forward cache holds s₋₁ too: an entry of it is written in both places */
  mirror?: Float64Array;
  outputOnly: boolean;
  t0: (k: number) => number;
  rows: (k: number) => readonly [number, number];
}

function target(c: Case, cache: ForwardCache, spec: TensorSpec): Target {
  const { steps: T } = c;
  const { hiddenSize: H, inputSize: I } = c.model;
  const all = [0, c.batch] as const;
  switch (spec.name) {
    case 'V':
    case 'c':
      return { data: c.params[spec.name]!.data, outputOnly: true, t0: () => 0, rows: () => all };
    case 'W': // W s_{−1} = 0 when s_{−1} is zero: the entry first matters at step 1
      return { data: c.params.W!.data, outputOnly: false, t0: () => (c.initialState ? 0 : Math.min(1, T)), rows: () => all };
    case 'U': {
      if (!c.tokens) return { data: c.params.U!.data, outputOnly: false, t0: () => 0, rows: () => all };
      const first = new Array<number>(I).fill(T); // first step at which token j appears in any row
      c.tokens.forEach((x, r) => (first[x] = Math.min(first[x]!, r % T)));
      return { data: c.params.U!.data, outputOnly: false, t0: (k) => first[k % I]!, rows: () => all };
    }
    case 'initialState':
      return { data: c.initialState!.data, mirror: cache.s, outputOnly: false, t0: () => 0, rows: (k) => [Math.floor(k / H), Math.floor(k / H) + 1] };
    default: // b
      return { data: c.params[spec.name]!.data, outputOnly: false, t0: () => 0, rows: () => all };
  }
}

/** Where entry k of s₋₁ sits in the forward cache. */
const mirrorIndex = (c: Case, k: number) => Math.floor(k / c.model.hiddenSize) * (c.steps + 1) * c.model.hiddenSize + (k % c.model.hiddenSize);

function lossOf(c: Case, cache: ForwardCache, tg: Target, t0: number, rows: readonly [number, number]): number {
  return tg.outputOnly ? outputLossFrom(c, cache) : lossFrom(c, cache, t0, rows);
}

/** Central differences of single entries. */
export function fdEntries(c: Case, cache: ForwardCache, spec: TensorSpec, indices: readonly number[], eps: number): Float64Array {
  const tg = target(c, cache, spec);
  const out = new Float64Array(indices.length);
  indices.forEach((k, n) => {
    const t0 = tg.t0(k);
    if (!tg.outputOnly && t0 >= c.steps) return; // the entry never enters the computation: ∂L/∂θ = 0 exactly
    const rows = tg.rows(k);
    const orig = tg.data[k]!;
    const m = tg.mirror ? mirrorIndex(c, k) : -1;
    const set = (v: number) => {
      tg.data[k] = v;
      if (m >= 0) tg.mirror![m] = v;
    };
    set(orig + eps);
    const plus = lossOf(c, cache, tg, t0, rows);
    set(orig - eps);
    const minus = lossOf(c, cache, tg, t0, rows);
    set(orig);
    out[n] = (plus - minus) / (2 * eps);
  });
  return out;
}

/** Central differences along unit directions v of the whole tensor. */
export function fdDirections(c: Case, cache: ForwardCache, spec: TensorSpec, directions: readonly Float64Array[], eps: number): Float64Array {
  const tg = target(c, cache, spec);
  const orig = tg.data.slice();
  const apply = (v: Float64Array, h: number) => {
    for (let k = 0; k < orig.length; k++) {
      tg.data[k] = orig[k]! + h * v[k]!;
      if (tg.mirror) tg.mirror[mirrorIndex(c, k)] = tg.data[k]!;
    }
  };
  const out = directions.map((v) => {
    apply(v, eps);
    const plus = lossOf(c, cache, tg, 0, [0, c.batch]);
    apply(v, -eps);
    const minus = lossOf(c, cache, tg, 0, [0, c.batch]);
    return (plus - minus) / (2 * eps);
  });
  apply(new Float64Array(orig.length), 0);
  return Float64Array.from(out);
}

/** The value an implementation's gradient gives for each probe: the entry, or vᵀg. */
export function project(g: Matrix, probe: FdProbe): Float64Array {
  if (probe.mode === 'entries') return Float64Array.from(probe.indices, (k) => g.data[k]!);
  return Float64Array.from(probe.directions, (v) => v.reduce((acc, x, k) => acc + x * g.data[k]!, 0));
}

/** A working copy of the case: the oracle perturbs parameters in place and must not touch the caller's. */
function workingCopy(c: Case): Case {
  const params = Object.fromEntries(Object.entries(c.params).map(([n, m]) => [n, { ...m, data: m.data.slice() }]));
  return { ...c, params, initialState: c.initialState ? { ...c.initialState, data: c.initialState.data.slice() } : null };
}

export function checkFdMode(c: Case, mode: FdMode): void {
  if (mode.kind !== 'sample') return;
  const specs = gradientSpecs(c.model, c.batch, c.initialState !== null);
  const smallest = specs.reduce((a, s) => (s.rows * s.cols < a.rows * a.cols ? s : a));
  if (mode.n > smallest.rows * smallest.cols)
    throw new InputError(`--fd sample is ${mode.n}, larger than tensor ${smallest.name} (${smallest.rows * smallest.cols} entries); expected at most ${smallest.rows * smallest.cols}`);
}

/** The probes the oracle will measure (values still empty). `seed` draws the samples and directions. */
export function fdPlan(c: Case, mode: FdMode, seed = 1, only?: string): FdProbe[] {
  checkFdMode(c, mode);
  const rng = xoroshiro128plus(seed);
  const probes: FdProbe[] = [];
  for (const spec of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
    if (only !== undefined && spec.name !== only) continue;
    const size = spec.rows * spec.cols;
    const eps = fdStep(spec.name === 'initialState' ? c.initialState! : c.params[spec.name]!);
    if (mode.kind === 'fast') {
      const directions = Array.from({ length: mode.k }, () => unitVector(size, rng));
      probes.push({ tensor: spec.name, mode: 'directions', eps, indices: [], directions, values: new Float64Array(mode.k) });
    } else {
      const indices = mode.kind === 'full' ? Array.from({ length: size }, (_, k) => k) : sampleIndices(size, mode.n, rng);
      probes.push({ tensor: spec.name, mode: 'entries', eps, indices, directions: [], values: new Float64Array(indices.length) });
    }
  }
  return probes;
}

/** Measures the planned probes in this thread (fills `values`). */
export function fdMeasure(c: Case, probes: FdProbe[]): FdProbe[] {
  const w = workingCopy(c);
  const cache = forward(w);
  const specs = gradientSpecs(w.model, w.batch, w.initialState !== null);
  for (const p of probes) {
    const spec = specs.find((s) => s.name === p.tensor)!;
    p.values = p.mode === 'directions' ? fdDirections(w, cache, spec, p.directions, p.eps) : fdEntries(w, cache, spec, p.indices, p.eps);
  }
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
  for (let k = 0; k < size; k++) v[k] = Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng));
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return v.map((x) => x / norm);
}
