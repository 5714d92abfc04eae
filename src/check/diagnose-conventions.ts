/**
 * A subject whose failing tensors fit another convention than the one it declared (c.conventions, undefined:
 * ours): the diagnosis names the option that would make it pass, before any bug pattern. The subject's tensors
 * have already been converted from its declared conventions to ours; each candidate below is what a subject
 * written in another convention gives, seen through the declared one, computed by the hand side in float64:
 *   reduction  every gradient and the loss are r × the reference's, r = scale(x) / scale(declared) for another
 *              reduction x (loss.ts: dz_t = scale · m_t (ŷ_t − onehot(y_t)), so ∇L scales with it)
 *   layout     the other layout read through the declared one: its code uses every matrix transposed
 *              (x U for U x), a model of its own: the gradients of the case with Pᵀ for every P, transposed
 *              back. (The true gradients merely written transposed, the loss right, are a bug: declaring the other
 *              layout would transpose the case the code reads too; diagnose.ts's transposed.) Every matrix must be
 *              square (or the shapes would not have passed), at least two: a transposed W among correct
 *              tensors is a bug (diagnose.ts's transposed), not a layout
 *   gate order its code reads the block the declared order puts at slot k as gate actual[k]: the gradients of
 *              the case with U_{actual[k]} = U_{declared[k]} (W, b alike), read back at slot k. (The true
 *              gradients written in another order, the loss right, are a bug of the backward pass: no order makes
 *              both pass; diagnose.ts's gate-order.)
 *   GRU reset  the GRU with the other reset (h̃ = act(U_h x + b_h + r ⊙ (W_h s + b_Wh)) after, r ⊙ inside W_h's
 *              product before), tried only where the case has no biases or b_Wh = 0: a reset-after subject's
 *              own split of b_h is unknown
 * (Two bug patterns of the loss use the same candidates: diagnose-loss.ts.)
 * A candidate fits when every tensor the subject gives and its loss match it to the tolerance of the pair that
 * failed, every failing tensor has a candidate, and it differs from the truth in at least two entries.
 */
import { handGradients } from '../bptt/index.js';
import type { Case } from '../model/case.js';
import { fieldName } from '../model/errors.js';
import type { Gradients } from '../model/gradients.js';
import { lossScale, lossSteps, REDUCTIONS, type Reduction } from '../model/loss.js';
import { transpose, zeros, type Matrix } from '../model/matrix.js';
import { GATES, type GatedCell, type GruReset } from '../model/spec.js';
import type { Diagnosis } from './diagnose.js';
import { twinName, twinOf } from '../model/conventions.js';
import { compareArrays, type Tolerance } from './metrics.js';

/** The patterns of this file: each names a convention, and a subject that fits one is not localised. */
export const CONVENTION_PATTERNS = [
  'convention-reduction',
  'convention-layout',
  'convention-gate-order',
  'convention-gru-reset',
] as const;

export const namesConvention = (d: { pattern: string }): boolean =>
  (CONVENTION_PATTERNS as readonly string[]).includes(d.pattern);

type Pattern = (typeof CONVENTION_PATTERNS)[number];

/** A candidate's tensor for `name`; a two-bias twin (b~hh) is its bias's, the GRU-after h̃'s b_h~hh is b_Wh's. */
function pick(g: Gradients, name: string): Matrix | undefined {
  if (g.tensors[name]) return g.tensors[name];
  const base = twinOf(name);
  if (base === undefined) return undefined;
  return base === 'b_h' && g.tensors.b_Wh ? g.tensors.b_Wh : g.tensors[base];
}

/** Entries where a and r differ beyond the tolerance (|a − r| > atol·S + rtol·|r|, S = max(‖a‖∞, ‖r‖∞)). */
function differing(a: ArrayLike<number>, r: ArrayLike<number>, tol: Tolerance): number {
  let s = 0;
  for (let k = 0; k < r.length; k++) s = Math.max(s, Math.abs(a[k]!), Math.abs(r[k]!));
  let n = 0;
  for (let k = 0; k < r.length; k++) if (Math.abs(a[k]! - r[k]!) > tol.atol * s + tol.rtol * Math.abs(r[k]!)) n++;
  return n;
}

const fits = (a: ArrayLike<number>, r: ArrayLike<number>, tol: Tolerance) =>
  a.length === r.length && compareArrays(a, r, tol, () => []).pass;

export interface Subject {
  given: Gradients;
  failing: readonly string[];
  tolOf: (tensor: string) => Tolerance;
  truth: Gradients;
}

/** Whether the candidate explains the subject (see the header). */
export function explains(s: Subject, cand: Gradients): boolean {
  const { given, failing, tolOf, truth } = s;
  for (const [name, g] of Object.entries(given.tensors)) {
    const m = pick(cand, name);
    if (!m) {
      if (failing.includes(name)) return false;
      continue;
    }
    if (!fits(g.data, m.data, tolOf(name))) return false;
  }
  if (!fits([given.loss], [cand.loss], tolOf('loss'))) return false;
  let evidence = 0;
  for (const name of failing) {
    const m = pick(cand, name);
    const t = pick(truth, name);
    if (m && t && m.data.length === t.data.length) evidence += differing(m.data, t.data, tolOf(name));
  }
  return evidence >= 2;
}

export const scaled = (g: Gradients, r: number): Gradients => ({
  loss: r * g.loss,
  tensors: Object.fromEntries(Object.entries(g.tensors).map(([n, m]) => [n, { ...m, data: m.data.map((x) => r * x) }])),
});

export function describeReduction(c: Case, x: Reduction): string {
  switch (x) {
    case 'sum':
      return 'sum over the batch and the steps';
    case 'mean-batch':
      return `mean over the batch (÷ B = ${c.batch})`;
    case 'mean-time':
      return `mean over time (÷ T = ${c.steps})`;
    case 'mean':
      return `mean over the N = ${lossSteps(c)} steps that carry a loss (÷ N)`;
  }
}

/** Reduction: the loss and every gradient r × the reference's, r of another reduction (several x may share r). */
function reductionFit(c: Case, s: Subject): string | null {
  const declared = c.reduction ?? 'sum';
  const here = lossScale(c);
  const byFactor = new Map<number, Reduction[]>();
  for (const x of REDUCTIONS) {
    if (x === declared) continue;
    const r = lossScale({ ...c, reduction: x }) / here; // scale(x) / scale(declared)
    if (!Number.isFinite(r) || Math.abs(r - 1) < 1e-9) continue;
    const key = [...byFactor.keys()].find((k) => Math.abs(k - r) <= 1e-12 * Math.abs(r)) ?? r;
    byFactor.set(key, [...(byFactor.get(key) ?? []), x]);
  }
  for (const [r, xs] of byFactor)
    if (explains(s, scaled(s.truth, r)))
      return `your gradients and loss are the reference's × ${Number(r.toPrecision(6))}, those of a ${describeReduction(c, xs[0]!)} where ${declared} is declared: is your loss ${fieldName('reduction')} ${xs[0]}${xs.length > 1 ? ` (or ${xs.slice(1).join(', ')})` : ''}?`;
  return null;
}

const isSquareMatrix = (m: Matrix) => m.rows === m.cols && m.cols > 1;

/** Layout: the other layout read through the declared one. */
function layoutFit(c: Case, s: Subject): string | null {
  const declared = c.conventions?.layout ?? 'math';
  const other = declared === 'math' ? 'row' : 'math';
  const matrices = Object.entries(c.params).filter(([, m]) => m.rows > 1 && m.cols > 1);
  const square = matrices.filter(([, m]) => isSquareMatrix(m)).map(([n]) => n);
  // a non-square matrix could not be used or written transposed: the shape check would have refused it
  if (square.length < 2 || square.length !== matrices.length) return null;
  const transposedBack = (g: Gradients): Gradients => ({
    loss: g.loss,
    tensors: Object.fromEntries(Object.entries(g.tensors).map(([n, m]) => [n, square.includes(n) ? transpose(m) : m])),
  });
  const says = `your matrices (${square.join(', ')}) are the reference's in the ${other} layout (${other === 'row' ? 'x U, s W, s V' : 'U x, W s, V s'}) where ${declared} is declared: ${fieldName('layout')} ${other}?`;
  const params = Object.fromEntries(
    Object.entries(c.params).map(([n, m]) => [n, square.includes(n) ? transpose(m) : m]),
  );
  return explains(s, transposedBack(handGradients({ ...c, params }))) ? says : null;
}

function* permutations<T>(xs: readonly T[]): Generator<T[]> {
  if (xs.length <= 1) {
    yield [...xs];
    return;
  }
  for (let i = 0; i < xs.length; i++)
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) yield [xs[i]!, ...rest];
}

/** Gate order: the blocks the declared order puts at slot k read as gate actual[k]. */
function gateOrderFit(c: Case, cell: GatedCell, s: Subject): string | null {
  if (!s.failing.some((n) => /^[UWb]_/.test(n))) return null;
  const declared = c.conventions?.gateOrder[cell] ?? GATES[cell];
  const prefixes = c.model.bias ? ['U', 'W', 'b'] : ['U', 'W'];
  for (const actual of permutations(declared)) {
    if (actual.every((g, k) => g === declared[k])) continue;
    // slot k holds ours gate declared[k]; read back as gate actual[k]: tensor X_{declared[k]} ← X_{actual[k]}
    const readBack = (g: Gradients): Gradients => {
      const tensors = { ...g.tensors };
      for (const p of prefixes) actual.forEach((a, k) => (tensors[`${p}_${declared[k]}`] = g.tensors[`${p}_${a}`]!));
      return { loss: g.loss, tensors };
    };
    const says = `your gate blocks are ${actual.join(', ')} where ${declared.join(', ')} is declared: ${fieldName('gateOrder')} ${actual.join(',')}?`;
    const params = { ...c.params };
    for (const p of prefixes) actual.forEach((a, k) => (params[`${p}_${a}`] = c.params[`${p}_${declared[k]}`]!));
    if (explains(s, readBack(handGradients({ ...c, params })))) return says;
  }
  return null;
}

/**
 * Whether two biases given for a reset-before GRU carry the reset-after's mark: each gate's b_ih and b_hh enter
 * the model as one sum, so their gradients are one (∂L/∂b_hh = ∂L/∂b_ih = Σ_t da_t), except h̃'s with the reset
 * after, where b_hh sits inside it: ∂L/∂b_hh = Σ_t r_t ⊙ dã_t ≠ Σ_t dã_t. The subject's twins equal their biases
 * for z and r and differ for h in at least two entries, while some matrix fails too (the model is another).
 */
function resetAfterMark(s: Subject): boolean {
  const { given, tolOf } = s;
  const pair = (g: string) => [given.tensors[`b_${g}`], given.tensors[twinName(`b_${g}`)]] as const;
  const [bh, bhTwin] = pair('h');
  if (!bh || !bhTwin || !s.failing.some((n) => /^[UW]_/.test(n))) return false;
  const same = ['z', 'r'].every((g) => {
    const [b, twin] = pair(g);
    return b !== undefined && twin !== undefined && fits(twin.data, b.data, tolOf(twinName(`b_${g}`)));
  });
  return same && differing(bhTwin.data, bh.data, tolOf(twinName('b_h'))) >= 2;
}

/**
 * GRU reset: the hand side's gradients of the GRU with the other reset, where no bias split is unknown (no biases,
 * or b_Wh = 0); declared before with two biases, the reset-after's mark on them (resetAfterMark).
 */
function gruResetFit(c: Case, s: Subject): string | null {
  if (c.model.cell !== 'gru') return null;
  const declared: GruReset = c.model.gruReset ?? 'before';
  const other: GruReset = declared === 'before' ? 'after' : 'before';
  const says = (how: string) =>
    `your gradients are those of the GRU with the reset ${other} the recurrent product (${other === 'after' ? 'h̃ = act(U_h x + b_h + r ⊙ (W_h s_{t−1} + b_Wh))' : 'h̃ = act(U_h x + W_h (r ⊙ s_{t−1}) + b_h)'})${how} where ${declared} is declared: ${fieldName('gruReset')} ${other}?`;
  const bWh = c.params.b_Wh;
  if (!c.model.bias || !bWh || bWh.data.every((x) => x === 0)) {
    const params = { ...c.params };
    if (c.model.bias && other === 'after') params.b_Wh = zeros(c.model.hiddenSize, 1);
    if (other === 'before') delete params.b_Wh;
    if (explains(s, handGradients({ ...c, model: { ...c.model, gruReset: other }, params }))) return says('');
  }
  if (declared === 'before' && resetAfterMark(s))
    return says(
      `: your two biases of h̃ have gradients of their own (${twinName('b_h')} ≠ b_h: the hh one inside the reset, Σ_t r_t ⊙ dã_t), those of z and r one gradient`,
    );
  return null;
}

/**
 * The convention the subject's failing tensors fit, said for each of them (empty when none fits): reduction,
 * layout, gate order, GRU reset, the first that fits.
 */
export function conventionMismatch(
  c: Case,
  given: Gradients,
  failing: readonly string[],
  tolOf: (tensor: string) => Tolerance,
): Diagnosis[] {
  if (!failing.length) return [];
  const s: Subject = { given, failing, tolOf, truth: handGradients(c) };
  const cell = c.model.cell;
  const tries: [Pattern, () => string | null][] = [
    ['convention-reduction', () => reductionFit(c, s)],
    ['convention-layout', () => layoutFit(c, s)],
  ];
  if (cell !== 'rnn') tries.push(['convention-gate-order', () => gateOrderFit(c, cell, s)]);
  if (cell === 'gru') tries.push(['convention-gru-reset', () => gruResetFit(c, s)]);
  for (const [pattern, fit] of tries) {
    const detail = fit();
    if (detail) return failing.map((tensor) => ({ tensor, pattern, detail }));
  }
  return [];
}
