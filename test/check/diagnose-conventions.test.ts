/**
 * The diagnosis names a convention before a bug: the subject's gradients are what a user with the wrong
 * declaration would give, taken from independent sources (the PyTorch fixtures, converted to ours plainly
 * here; test/bugs's plain BPTT), the reference from our hand side. Each names the option to set; none fires
 * for a real bug.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handGradients } from '../../src/bptt/index.js';
import { conventionMismatch } from '../../src/check/diagnose-conventions.js';
import { lossScaleMismatch, maskIgnored } from '../../src/check/diagnose-loss.js';
import { diagnose } from '../../src/check/diagnose.js';
import { compareArrays, DEFAULT_TOLERANCE, type Tolerance } from '../../src/check/metrics.js';
import { caseFromValidFile, type Case, type CaseFile } from '../../src/model/case.js';
import { OURS } from '../../src/model/conventions.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import type { Gradients } from '../../src/model/gradients.js';
import { fromNested, fromVector, transpose, type Matrix } from '../../src/model/matrix.js';
import { NO_TARGET, type Reduction } from '../../src/model/loss.js';
import { BUGS, buggyGradients } from '../bugs/buggy-bptt.js';

type Nested = number[][];
interface Fixture {
  inputs: number[][];
  targets: (number | null)[][];
  params: Record<string, Nested | number[]>;
  gradients: Record<string, Nested | number[]>;
  h0?: Nested;
  loss_value: number;
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`../fixtures/frameworks/${name}.json`, import.meta.url), 'utf8')) as Fixture;

const block = (m: Nested, k: number, H: number) => m.slice(k * H, (k + 1) * H);
const slice = (v: number[], k: number, H: number) => v.slice(k * H, (k + 1) * H);
const plus = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);
const times = (m: Matrix, r: number): Matrix => ({ ...m, data: m.data.map((x) => r * x) });

/**
 * A PyTorch RNN or LSTM fixture in ours: U = weight_ih, W = weight_hh, b = bias_ih + bias_hh, V = linear.weight,
 * c = linear.bias; ∂L/∂b = ∂L/∂bias_ih. `slots` are the gate letters the tool reads the stacked blocks as (the
 * declared order; PyTorch's is i, f, g, o, ours). The gradients as given (PyTorch's reduction) and as a sum (× N).
 */
function fromPytorch(name: string, slots0?: readonly string[], twins = false) {
  const f = fixture(name);
  const p = f.params as Record<string, Nested>;
  const v = f.params as Record<string, number[]>;
  const gated = p.weight_ih_l0!.length !== p.weight_hh_l0![0]!.length;
  const H = p.weight_hh_l0![0]!.length;
  const cell = p.weight_ih_l0!.length === 3 * H ? 'gru' : 'lstm';
  // PyTorch's GRU blocks r, z, n: ours r, z, h (n is h̃)
  const slots = slots0 ?? (cell === 'gru' ? ['r', 'z', 'h'] : ['i', 'f', 'g', 'o']);
  const N = f.targets.flat().filter((y) => y !== null).length;
  const file: CaseFile = {
    schemaVersion: 1,
    id: name,
    model: gated
      ? {
          cell,
          activation: 'tanh',
          recurrentActivation: 'sigmoid',
          bias: true,
          inputSize: p.weight_ih_l0![0]!.length,
          hiddenSize: H,
          outputSize: p['linear.weight']!.length,
        }
      : {
          cell: 'rnn',
          activation: 'tanh',
          bias: true,
          inputSize: p.weight_ih_l0![0]!.length,
          hiddenSize: H,
          outputSize: p['linear.weight']!.length,
        },
    params: {},
    inputs: f.inputs,
    targets: f.targets,
    ...(f.h0 ? { initialState: f.h0 } : {}),
  };
  const tensors: Record<string, Matrix> = {};
  const g = f.gradients as Record<string, Nested>;
  const gv = f.gradients as Record<string, number[]>;
  const gates = gated ? slots.map((x, k) => [`_${x}`, k] as const) : [['', 0] as const];
  for (const [suffix, k] of gates) {
    file.params[`U${suffix}`] = block(p.weight_ih_l0!, k, H);
    file.params[`W${suffix}`] = block(p.weight_hh_l0!, k, H);
    file.params[`b${suffix}`] = plus(slice(v.bias_ih_l0!, k, H), slice(v.bias_hh_l0!, k, H));
    tensors[`U${suffix}`] = fromNested(block(g.weight_ih_l0!, k, H));
    tensors[`W${suffix}`] = fromNested(block(g.weight_hh_l0!, k, H));
    tensors[`b${suffix}`] = fromVector(slice(gv.bias_ih_l0!, k, H));
    if (twins) tensors[`b${suffix}~hh`] = fromVector(slice(gv.bias_hh_l0!, k, H)); // the hh bias's own gradient
  }
  file.params.V = p['linear.weight']!;
  file.params.c = v['linear.bias']!;
  tensors.V = fromNested(g['linear.weight']!);
  tensors.c = fromVector(gv['linear.bias']!);
  if (f.h0) tensors.initialState = fromNested(g.h0!);
  const c = caseFromValidFile(file, name);
  const r = name.includes('-mean') || name.includes('masked') ? N : 1; // the fixture's mean over N steps → a sum
  const given: Gradients = { loss: f.loss_value, tensors };
  const sum: Gradients = {
    loss: r * f.loss_value,
    tensors: Object.fromEntries(Object.entries(tensors).map(([n, m]) => [n, times(m, r)])),
  };
  return { c, given, sum, N };
}

const fits = (a: ArrayLike<number>, r: ArrayLike<number>, tol: Tolerance = DEFAULT_TOLERANCE) =>
  compareArrays(a, r, tol, () => []).pass;

/** The tensors of `given` that the hand side's (our reference's) gradients do not match: the failing ones. */
function failingOf(c: Case, given: Gradients): string[] {
  const truth = handGradients(c);
  // a twin (b~hh, two biases) is compared with its bias's gradient, as the tool does for the reset before
  const ref = (n: string) => truth.tensors[n] ?? truth.tensors[n.replace(/~hh$/, '')]!;
  return Object.keys(given.tensors).filter((n) => !fits(given.tensors[n]!.data, ref(n).data));
}

/** Whether the hand side computes this case as PyTorch did (masks, reductions are helper B's, merged later). */
function handAgrees(c: Case, want: Gradients): boolean {
  try {
    const truth = handGradients(c);
    return (
      fits([truth.loss], [want.loss]) &&
      Object.entries(want.tensors).every(([n, m]) => fits(truth.tensors[n]!.data, m.data))
    );
  } catch {
    return false;
  }
}

const patterns = (d: { pattern: string }[]) => [...new Set(d.map((x) => x.pattern))];

describe('the PyTorch fixtures converted to ours (the premise of what follows)', () => {
  it.each(['pytorch-rnn-mean', 'pytorch-lstm-mean'])('%s × N is our hand side’s summed gradient', (name) => {
    const { c, sum } = fromPytorch(name);
    expect(handAgrees(c, sum)).toBe(true);
  });
});

describe('convention-reduction: the loss reduced another way than declared', () => {
  it.each([
    ['pytorch-rnn-mean', /`reduction` mean\?/, /÷ N/],
    ['pytorch-lstm-mean', /`reduction` mean\?/, /N = 12 steps/],
  ])('%s as PyTorch gives it (its mean) where sum is declared names the mean', (name, option, evidence) => {
    const { c, given } = fromPytorch(name);
    const failing = failingOf(c, given);
    expect(failing).toEqual(Object.keys(given.tensors)); // every tensor fails: the tool calls it a bug today
    const d = diagnose(c, given, failing, DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['convention-reduction']);
    expect(d.map((x) => x.tensor)).toEqual(failing);
    expect(d[0]!.detail).toMatch(option);
    expect(d[0]!.detail).toMatch(evidence);
  });

  it('the mean over the batch of PyTorch’s summed gradients names mean-batch (÷ B)', () => {
    const { c, sum } = fromPytorch('pytorch-rnn-mean');
    const B = c.batch;
    const given: Gradients = {
      loss: sum.loss / B,
      tensors: Object.fromEntries(Object.entries(sum.tensors).map(([n, m]) => [n, times(m, 1 / B)])),
    };
    const d = conventionMismatch(c, given, failingOf(c, given), () => DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['convention-reduction']);
    expect(d[0]!.detail).toMatch(/mean over the batch \(÷ B = 2\).*`reduction` mean-batch\?/);
  });

  // the hand side's masks and reductions are helper B's: these run once the merge brings them
  const masked = fromPytorch('pytorch-lstm-masked-lengths');
  it.skipIf(!handAgrees(masked.c, masked.sum))('a masked LSTM’s mean over its 16 real steps names mean', () => {
    const d = conventionMismatch(masked.c, masked.given, failingOf(masked.c, masked.given), () => DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['convention-reduction']);
    expect(d[0]!.detail).toMatch(/N = 16 steps.*`reduction` mean\?/);
  });

  const manyToOne = fromPytorch('pytorch-rnn-many-to-one');
  it.skipIf(!handAgrees(manyToOne.c, manyToOne.sum))(
    'a many-to-one RNN averaged over the batch: mean-batch, which is mean here (one loss a row)',
    () => {
      const B = manyToOne.c.batch;
      const given: Gradients = {
        loss: manyToOne.sum.loss / B,
        tensors: Object.fromEntries(Object.entries(manyToOne.sum.tensors).map(([n, m]) => [n, times(m, 1 / B)])),
      };
      const d = conventionMismatch(manyToOne.c, given, failingOf(manyToOne.c, given), () => DEFAULT_TOLERANCE);
      expect(d[0]!.detail).toMatch(/`reduction` mean-batch \(or mean\)\?/);
    },
  );

  const declaredMean: Case = { ...fromPytorch('pytorch-rnn-mean').c, reduction: 'mean' as Reduction };
  it.skipIf(!handAgrees(declaredMean, fromPytorch('pytorch-rnn-mean').given))(
    'summed gradients where mean is declared name sum',
    () => {
      const { sum } = fromPytorch('pytorch-rnn-mean');
      const d = conventionMismatch(declaredMean, sum, failingOf(declaredMean, sum), () => DEFAULT_TOLERANCE);
      expect(d[0]!.detail).toMatch(/× 12.*`reduction` sum\?/);
    },
  );

  it('gradients scaled with the loss left as it is are the scaled bug, not a reduction', () => {
    const { c, sum } = fromPytorch('pytorch-rnn-mean');
    const given: Gradients = {
      loss: sum.loss,
      tensors: Object.fromEntries(Object.entries(sum.tensors).map(([n, m]) => [n, times(m, 1 / c.steps)])),
    };
    const failing = failingOf(c, given);
    expect(conventionMismatch(c, given, failing, () => DEFAULT_TOLERANCE)).toEqual([]);
    expect(patterns(diagnose(c, given, failing, DEFAULT_TOLERANCE))).toEqual(['scaled']);
  });
});

describe('loss-scale-mismatch: the gradients of another reduction than the loss’s (a bug: no option passes it)', () => {
  it('an LSTM whose gradients are PyTorch’s summed ones ÷ B, its loss the sum: names mean-batch, after no pattern', () => {
    const { c, sum } = fromPytorch('pytorch-lstm-mean');
    const B = c.batch;
    const given: Gradients = {
      loss: sum.loss,
      tensors: Object.fromEntries(Object.entries(sum.tensors).map(([n, m]) => [n, times(m, 1 / B)])),
    };
    const failing = failingOf(c, given);
    expect(conventionMismatch(c, given, failing, () => DEFAULT_TOLERANCE)).toEqual([]);
    const d = diagnose(c, given, failing, DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['loss-scale-mismatch']);
    expect(d[0]!.detail).toMatch(
      /× 0\.5, those of a mean over the batch \(÷ B = 2\), but your loss is the sum one.*`reduction` mean-batch/,
    );
  });
  it('the true gradients are no mismatch', () => {
    const { c, sum } = fromPytorch('pytorch-lstm-mean');
    expect(lossScaleMismatch(c, sum, ['U_i'], () => DEFAULT_TOLERANCE)).toEqual([]);
  });
});

describe('convention-gate-order: the blocks stacked in another order than declared', () => {
  it('PyTorch’s LSTM (i, f, g, o) declared as cs231n’s i, f, o, g names `gateOrder` i,f,g,o', () => {
    const { c, sum } = fromPytorch('pytorch-lstm-mean', ['i', 'f', 'o', 'g']);
    const declared: Case = {
      ...c,
      conventions: { ...OURS, gateOrder: { ...OURS.gateOrder, lstm: ['i', 'f', 'o', 'g'] } },
    };
    const failing = failingOf(declared, sum);
    expect(failing.length).toBeGreaterThan(2);
    const d = diagnose(declared, sum, failing, DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['convention-gate-order']);
    expect(d[0]!.detail).toMatch(/gate blocks are i, f, g, o where i, f, o, g is declared: `gateOrder` i,f,g,o\?/);
  });

  it('one gate’s gradient swapped with another’s (W and b right) is the gate-order bug, not a convention', () => {
    const { c, sum } = fromPytorch('pytorch-lstm-mean');
    const given: Gradients = { ...sum, tensors: { ...sum.tensors, U_i: sum.tensors.U_f!, U_f: sum.tensors.U_i! } };
    const failing = failingOf(c, given);
    expect(conventionMismatch(c, given, failing, () => DEFAULT_TOLERANCE)).toEqual([]);
    expect(patterns(diagnose(c, given, failing, DEFAULT_TOLERANCE))).toEqual(['gate-order']);
  });
});

// square matrices (I = H = K): the only case where the other layout passes the shape check
const square = generateCase({
  ...GENERATE_DEFAULTS,
  inputSize: 6,
  hiddenSize: 6,
  outputSize: 6,
  steps: 7,
  batch: 3,
  bias: true,
  initialState: true,
  seed: 5,
});
const transposeMatrices = (g: Gradients): Gradients => ({
  loss: g.loss,
  tensors: Object.fromEntries(
    Object.entries(g.tensors).map(([n, m]) => [n, ['U', 'W', 'V'].includes(n) ? transpose(m) : m]),
  ),
});

describe('convention-layout: row-layout code where math is declared', () => {
  it('code that multiplies x U, s W, s V (test/bugs’s BPTT on the transposed matrices) names `layout` row', () => {
    const params = Object.fromEntries(
      Object.entries(square.params).map(([n, m]) => [n, ['U', 'W', 'V'].includes(n) ? transpose(m) : m]),
    );
    const given = transposeMatrices(buggyGradients({ ...square, params }, 'none'));
    const failing = failingOf(square, given);
    const d = diagnose(square, given, failing, DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['convention-layout']);
    expect(d[0]!.detail).toMatch(/\(U, W, V\) are the reference's in the row layout.*`layout` row\?/);
  });

  it('the true gradients merely written transposed (the loss right) are the transposed bug, not a layout', () => {
    // declaring the row layout would transpose the case the code reads too: no layout makes both pass
    const given = transposeMatrices(buggyGradients(square, 'none'));
    const failing = failingOf(square, given);
    expect(conventionMismatch(square, given, failing, () => DEFAULT_TOLERANCE)).toEqual([]);
    expect(patterns(diagnose(square, given, failing, DEFAULT_TOLERANCE))).toEqual(['transposed']);
  });

  it('a single transposed W among correct tensors is the transposed bug', () => {
    const right = buggyGradients(square, 'none');
    const given = { ...right, tensors: { ...right.tensors, W: transpose(right.tensors.W!) } };
    const failing = failingOf(square, given);
    expect(failing).toEqual(['W']);
    expect(conventionMismatch(square, given, failing, () => DEFAULT_TOLERANCE)).toEqual([]);
    expect(patterns(diagnose(square, given, failing, DEFAULT_TOLERANCE))).toEqual(['transposed']);
  });
});

describe('no convention is named for a real bug (test/bugs’s BPTT)', () => {
  const cases = [
    square,
    generateCase({ ...GENERATE_DEFAULTS, batch: 2, bias: true, seed: 7 }),
    generateCase({ ...GENERATE_DEFAULTS, activation: 'sigmoid', batch: 3, initialState: true, seed: 8 }),
  ];
  it.each(BUGS.filter((b) => b !== 'none').flatMap((bug) => cases.map((c) => [bug, c.id, c] as const)))(
    '%s on %s',
    (bug, _id, c) => {
      const given = buggyGradients(c, bug);
      const failing = failingOf(c, given);
      expect(failing.length).toBeGreaterThan(0);
      expect(conventionMismatch(c, given, failing, () => DEFAULT_TOLERANCE)).toEqual([]);
    },
  );
});

describe('convention-gru-reset: the GRU with the other reset', () => {
  const gru = generateCase({
    ...GENERATE_DEFAULTS,
    cell: 'gru',
    recurrentActivation: 'sigmoid',
    inputSize: 5,
    hiddenSize: 4,
    outputSize: 3,
    steps: 6,
    batch: 2,
    seed: 9,
  });
  const after: Case = {
    ...gru,
    model: { ...gru.model, cell: 'gru', recurrentActivation: 'sigmoid', gruReset: 'after' },
  };
  // the hand side's reset after is helper B's: this runs once the merge brings it
  const handHasReset = !fits(handGradients(after).tensors.W_h!.data, handGradients(gru).tensors.W_h!.data);
  it.skipIf(!handHasReset)('a reset-after subject where before is declared names `gruReset` after', () => {
    const given = handGradients(after);
    const d = conventionMismatch(gru, given, failingOf(gru, given), () => DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['convention-gru-reset']);
    expect(d[0]!.detail).toMatch(/`gruReset` after\?/);
  });
  it('the right GRU names nothing', () => {
    expect(conventionMismatch(gru, handGradients(gru), ['W_h'], () => DEFAULT_TOLERANCE)).toEqual([]);
  });
});

describe('mask-ignored: padded code that gives every null target a loss (a bug, said after the conventions)', () => {
  const { c, sum } = fromPytorch('pytorch-rnn-many-to-one');
  // the hand side's masks are helper B's: this runs once the merge brings them
  it.skipIf(!handAgrees(c, sum))('a many-to-one RNN whose padding is read as class 0 is named mask-ignored', () => {
    // test/bugs's plain BPTT, with the null targets replaced by the padding id 0
    const given = buggyGradients({ ...c, targets: c.targets.map((y) => (y === NO_TARGET ? 0 : y)) }, 'none');
    const failing = failingOf(c, given);
    const d = diagnose(c, given, failing, DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['mask-ignored']);
    expect(d[0]!.detail).toMatch(/as class 0: the 18 padded steps carry a loss/);
  });
  it('a case without null targets is never named mask-ignored', () => {
    const given = buggyGradients(square, 'last-step-only');
    expect(maskIgnored(square, given, failingOf(square, given), () => DEFAULT_TOLERANCE)).toEqual([]);
  });
});

describe('convention-gru-reset on PyTorch’s nn.GRU (reset after) declared with the reset before', () => {
  // read as the reset before with two biases: b = b_ih + b_hh per gate, each hh bias's gradient under b~hh
  const { c, sum } = fromPytorch('pytorch-gru-mean', undefined, true);
  it('names `gruReset` after: h̃’s two biases have gradients of their own, z’s and r’s one', () => {
    const failing = failingOf(c, sum);
    const d = diagnose(c, sum, failing, DEFAULT_TOLERANCE);
    expect(patterns(d)).toEqual(['convention-gru-reset']);
    expect(d[0]!.detail).toMatch(/b_h~hh ≠ b_h.*`gruReset` after\?$/);
  });
  it('the same gradients with z’s twin changed instead are no reset (names no convention)', () => {
    const t = sum.tensors;
    const given: Gradients = { ...sum, tensors: { ...t, 'b_h~hh': t.b_h!, 'b_z~hh': t['b_h~hh']! } };
    expect(conventionMismatch(c, given, failingOf(c, given), () => DEFAULT_TOLERANCE)).toEqual([]);
  });
});
