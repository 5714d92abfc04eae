/**
 * Diagnosis of a failing gradient: the common mistakes, each computed by the hand-written side for the
 * same case, tried in turn; a pattern is named for a tensor only when
 *   - the given tensor is not the true one (within the tolerance): a pair that failed on the reference's
 *     account (a NaN from float32 overflow, float32 noise) is no mistake of the gradient under test;
 *   - the pattern changes that tensor: a candidate equal to the truth there says nothing (V and c do not
 *     involve the recurrence, so no-recurrence can never be their pattern);
 *   - the given tensor matches the candidate to the precision of the pair that failed (the float64
 *     tolerance against finite differences, the float32 one against tfjs).
 * No pattern is claimed when none fits. Before them all, a subject whose tensors fit another convention than
 * the one it declared is told the option that would make it pass (diagnose-conventions.ts).
 */
import { twinOf, withTwins } from '../model/conventions.js';
import { fieldName } from '../model/errors.js';
import { backward, forward, handGradients, type StepAdjoints } from '../bptt/index.js';
import type { Case } from '../model/case.js';
import { GATES } from '../model/spec.js';
import type { Gradients } from '../model/gradients.js';
import { transpose } from '../model/matrix.js';
import { compareArrays, type Tolerance } from './metrics.js';
import { mistakenGradients, stateOffByOneDW } from './diagnose-variants.js';
import {
  assignedDU,
  assignedWhere,
  carriedStateGradients,
  type AssignOrder,
  type AssignScope,
} from './diagnose-mistakes.js';
import { conventionMismatch } from './diagnose-conventions.js';
import { lossScaleMismatch, maskIgnored } from './diagnose-loss.js';

export interface Diagnosis {
  tensor: string;
  pattern: string;
  detail: string;
}

const MAX_TRUNCATION_TRIED = 16;

function fits(given: ArrayLike<number>, candidate: ArrayLike<number>, tol: Tolerance): boolean {
  return compareArrays(given, candidate, tol, () => []).pass;
}

const lazy = <V>(f: () => V) => {
  let v: V | undefined;
  return () => (v ??= f());
};

/** initialState left out, or all zeros where the true ∂L/∂s_{−1} is not: for every cell. */
function initialStateDropped(
  name: string,
  g: Gradients['tensors'][string] | undefined,
  t: Gradients['tensors'][string] | undefined,
  tol: Tolerance,
): Diagnosis | null {
  if (name !== 'initialState' || !t) return null;
  const none = new Float64Array(t.data.length);
  if (g && (fits(t.data, none, tol) || !fits(g.data, none, tol))) return null;
  return {
    tensor: name,
    pattern: 'initial-state-gradient-missing',
    detail: `${name} ${g ? 'is all zeros, where ∂L/∂s_{−1} is not' : 'is not given: ∂L/∂s_{−1} is left out'}`,
  };
}

/** The patterns of a student's loop (diagnose-mistakes.ts) that fit every cell's tensor `name`. */
function loopMistake(
  c: Case,
  name: string,
  is: (candidate: ArrayLike<number>) => boolean,
  carried: () => Gradients | null,
  steps: () => StepAdjoints | undefined,
): Omit<Diagnosis, 'tensor'> | null {
  const cs = carried()?.tensors[name];
  if (cs && is(cs.data))
    return {
      pattern: 'state-carried-across-sequences',
      detail: `${name} equals the gradient of a forward pass in which each batch row starts from the previous row’s final state s_{T−1}, not from its own s_{−1}`,
    };
  const gate =
    c.model.cell === 'rnn' ? (name === 'U' ? 0 : -1) : GATES[c.model.cell].findIndex((x) => `U_${x}` === name);
  const st = gate >= 0 && c.tokens ? steps() : undefined;
  if (st)
    for (const order of ['backward', 'forward'] as AssignOrder[])
      for (const scope of (c.batch > 1 ? ['shared', 'per-row'] : ['shared']) as AssignScope[])
        if (is(assignedDU(c, st, gate, order, scope)!))
          return {
            pattern: 'U-assigned-not-accumulated',
            detail: `${name} equals the gradient with d${name}[:, x_t] = da_t assigned, not added: the column of a token id that occurs more than once keeps only ${assignedWhere(order, scope, c.batch)}`,
          };
  return null;
}

/** The tolerance a tensor's failing pair was held to: one for all, or per tensor. */
export type DiagnosisTolerance = Tolerance | ((tensor: string) => Tolerance);

/**
 * Names the first pattern that fits each failing tensor of `given` (see the header for when a pattern fits).
 * `tol` is the tolerance of the pair that failed, per tensor when they differ.
 */
export function diagnose(
  c: Case,
  given: Gradients,
  tensors: readonly string[],
  tolerance: DiagnosisTolerance,
): Diagnosis[] {
  const tolOf = typeof tolerance === 'function' ? tolerance : () => tolerance;
  // a subject written in another convention than it declared is said so before any bug pattern
  const convention = conventionMismatch(c, given, tensors, tolOf);
  if (convention.length) return convention;
  const unmasked = maskIgnored(c, given, tensors, tolOf); // the first bug pattern: the loss itself is another
  if (unmasked.length) return unmasked;
  // the gradients of another reduction than the loss's: when nothing else fits (the RNN's scaled says α first)
  const orScale = (d: Diagnosis[]) => (d.length ? d : lossScaleMismatch(c, given, tensors, tolOf));
  // a twin (the hh bias of two biases, ∂L/∂b_hh = ∂L/∂b) has one pattern of its own: left zero
  const twins = tensors.filter((n) => twinOf(n) !== undefined);
  if (twins.length) {
    const zero = zeroTwins(c, given, twins);
    const rest = tensors.filter((n) => !twins.includes(n));
    return [...zero, ...(rest.length ? diagnose(c, given, rest, tolOf) : [])];
  }
  if (c.model.cell !== 'rnn') return orScale(diagnoseGated(c, given, tensors, tolOf));
  const T = c.steps;
  const B = c.batch;
  const cache = forward(c);
  const truth = backward(c, cache, { keepSteps: true });
  const noRecurrence = lazy(() => handGradients(c, { truncate: 0 }));
  const lastOnly = lazy(() => backward(c, cache, { outputStep: T - 1 }));
  const noDerivative = lazy(() => mistakenGradients(c, cache, { withoutDerivative: true }));
  const offByOne = lazy(() => stateOffByOneDW(c, cache, truth.steps!));
  const notTransposed = lazy(() => mistakenGradients(c, cache, { wNotTransposed: true }));
  const previousState = lazy(() => mistakenGradients(c, cache, { fPrimeAtPrevious: true }));
  const outputPathOnly = lazy(() => mistakenGradients(c, cache, { fPrimeOutputOnly: true }));
  const withoutOneHot = lazy(() => mistakenGradients(c, cache, { withoutOneHot: true }));
  const carried = lazy(() => carriedStateGradients(c));
  const truncated = new Map<number, Gradients>();

  const out: Diagnosis[] = [];
  for (const name of tensors) {
    const g = given.tensors[name];
    const t = truth.tensors[name];
    const tol = tolOf(name);
    const dropped = initialStateDropped(name, g, t, tol); // before scaled, which a zero tensor fits with α = 0
    if (dropped) out.push(dropped);
    if (dropped || !g || !t) continue;
    if (fits(g.data, t.data, tol)) continue; // the given tensor is the true one: the failure is the reference's
    // a pattern fits when it changes this tensor (its candidate is not the truth) and the given tensor matches it
    const is = (candidate: ArrayLike<number>) => !fits(candidate, t.data, tol) && fits(g.data, candidate, tol);
    const found = ((): Omit<Diagnosis, 'tensor'> | null => {
      let tt = 0;
      let gt = 0;
      let nonzero = 0;
      for (let k = 0; k < t.data.length; k++) {
        tt += t.data[k]! * t.data[k]!;
        gt += g.data[k]! * t.data[k]!;
        if (t.data[k] !== 0) nonzero++;
      }
      // a zero tensor is fitted by α = 0: it is never accumulated, not scaled
      if (nonzero > 0 && g.data.every((x) => x === 0))
        return {
          pattern: 'zero-gradient',
          detail: zeroDetail(name),
        };
      // least-squares α in g ≈ α·truth; a truth of one nonzero entry is fitted by any α (a shrunk case: H = 1): no pattern
      const alpha = tt > 0 && nonzero > 1 ? gt / tt : NaN;
      if (Number.isFinite(alpha) && Math.abs(alpha - 1) > 1e-3 && is(t.data.map((x) => alpha * x))) {
        if (Math.abs(alpha + 1) < 1e-3) return { pattern: 'sign-flipped', detail: `${name} is −1 × the true gradient` };
        const near = (x: number) => Math.abs(alpha - x) <= 1e-3 * x;
        const mean = near(1 / T)
          ? 'mean over time (1/T)'
          : near(1 / (B * T))
            ? 'mean over batch and time (1/(B·T))'
            : near(1 / B)
              ? 'mean over the batch (1/B)'
              : null;
        return {
          pattern: 'scaled',
          detail: `${name} is α × the true gradient, α = ${alpha.toPrecision(6)}${mean ? `: a ${mean} where the loss is a sum` : ''}`,
        };
      }
      if (t.rows === t.cols && t.cols > 1 && is(transpose(t).data))
        return { pattern: 'transposed', detail: `${name} equals the true gradient transposed` };
      if (is(noRecurrence().tensors[name]!.data))
        return {
          pattern: 'no-recurrence',
          detail: `${name} equals the gradient without the recurrent term (${fieldName('truncate')} 0)`,
        };
      for (let k = 1; k <= Math.min(T - 2, MAX_TRUNCATION_TRIED); k++) {
        if (!truncated.has(k)) truncated.set(k, handGradients(c, { truncate: k }));
        if (is(truncated.get(k)!.tensors[name]!.data))
          return {
            pattern: 'truncated-k',
            detail: `${name} equals the gradient truncated at k = ${k} steps (${fieldName('truncate')} ${k})`,
          };
      }
      if (name === 'W' && is(offByOne()))
        return {
          pattern: 'state-off-by-one',
          detail: 'W was accumulated as Σ_t da_t s_tᵀ, with s_t where s_{t−1} belongs',
        };
      if (is(notTransposed().tensors[name]!.data))
        return {
          pattern: 'W-not-transposed',
          detail: `${name} equals the gradient whose recursion carries W da_t where Wᵀ da_t belongs`,
        };
      if (c.model.activation !== 'linear' && is(noDerivative().tensors[name]!.data))
        return {
          pattern: 'missing-activation-derivative',
          detail: `${name} equals the gradient with f′ left out of the backward pass`,
        };
      if (c.model.activation !== 'linear' && is(previousState().tensors[name]!.data))
        return {
          pattern: 'derivative-at-previous-state',
          detail: `${name} equals the gradient with f′ computed from s_{t−1} where s_t belongs`,
        };
      if (is(lastOnly().tensors[name]!.data))
        return {
          pattern: 'last-step-only',
          detail: `${name} equals the gradient of the last output's loss L_${T - 1} alone`,
        };
      if (c.model.activation !== 'linear' && is(outputPathOnly().tensors[name]!.data))
        return {
          pattern: 'derivative-on-output-path-only',
          detail: `${name} equals the gradient with f′ applied to the output path only: da_t = Vᵀ dz_t ⊙ f′(a_t) + Wᵀ da_{t+1}`,
        };
      if (is(withoutOneHot().tensors[name]!.data))
        return {
          pattern: 'softmax-without-one-hot',
          detail: `${name} equals the gradient with dz_t = ŷ_t, the one-hot target not subtracted`,
        };
      return loopMistake(c, name, is, carried, () => truth.steps);
    })();
    if (found) out.push({ tensor: name, ...found });
  }
  return orScale(out);
}

/**
 * Gated cells: the whole-tensor patterns (sign, transpose), gate-order (the gradient given for one gate's
 * U_*, W_* or b_* is the true gradient of another gate's), and the mistakes of a student's loop that make
 * sense for every cell: initialState dropped, the state carried across the batch (GRU), U_* assigned.
 */
function diagnoseGated(
  c: Case,
  given: Gradients,
  tensors: readonly string[],
  tolOf: (tensor: string) => Tolerance,
): Diagnosis[] {
  const truth = handGradients(c, { keepSteps: true });
  const carried = lazy(() => carriedStateGradients(c));
  const out: Diagnosis[] = [];
  for (const name of tensors) {
    const g = given.tensors[name];
    const t = truth.tensors[name];
    const tol = tolOf(name);
    const dropped = initialStateDropped(name, g, t, tol);
    if (dropped) out.push(dropped);
    if (dropped || !g || !t) continue;
    if (fits(g.data, t.data, tol)) continue; // the given tensor is the true one: the failure is the reference's
    const is = (candidate: ArrayLike<number>) => !fits(candidate, t.data, tol) && fits(g.data, candidate, tol);
    const m = /^([UWb])_(\w)$/.exec(name);
    const swapped = m
      ? Object.keys(truth.tensors).find(
          (other) => other !== name && other.startsWith(`${m[1]}_`) && is(truth.tensors[other]!.data),
        )
      : undefined;
    if (swapped) {
      out.push({
        tensor: name,
        pattern: 'gate-order',
        detail: `${name} holds the gradient of ${swapped}: gates ${m![2]} and ${swapped.slice(2)} are swapped`,
      });
      continue;
    }
    if (is(t.data.map((x) => -x)))
      out.push({ tensor: name, pattern: 'sign-flipped', detail: `${name} is −1 × the true gradient` });
    else if (t.rows === t.cols && t.cols > 1 && is(transpose(t).data))
      out.push({ tensor: name, pattern: 'transposed', detail: `${name} equals the true gradient transposed` });
    else {
      const found = loopMistake(c, name, is, carried, () => truth.steps);
      if (found) out.push({ tensor: name, ...found });
    }
  }
  return out;
}

const zeroDetail = (name: string) =>
  `${name} is zero everywhere, where the true gradient is not: it is never accumulated`;

/** The twins the subject left zero where the true gradient (its bias's) is not. */
function zeroTwins(c: Case, given: Gradients, twins: readonly string[]): Diagnosis[] {
  const truth = withTwins(handGradients(c).tensors, c);
  return twins.flatMap((name) => {
    const g = given.tensors[name];
    const t = truth[name];
    return g && t && t.data.some((x) => x !== 0) && g.data.every((x) => x === 0)
      ? [{ tensor: name, pattern: 'zero-gradient', detail: zeroDetail(name) }]
      : [];
  });
}
