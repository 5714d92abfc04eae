/**
 * The loop mistakes of the diagnosis (src/check/diagnose-mistakes.ts) in their other forms and on the gated
 * cells, against gradients from tf.grad (tfjs-ops), not from the hand side: dU assigned for added, in a
 * forward loop and with a dU per row, built from tf.grad's per-step contributions of each row; the initial
 * state's gradient dropped on an LSTM and a GRU; a GRU's state carried across the rows of a batch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handForward } from '../../src/bptt/index.js';
import { diagnose } from '../../src/check/diagnose.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import type { Case } from '../../src/model/case.js';
import { GENERATE_DEFAULTS, generateCase, type GenerateOptions } from '../../src/model/generate.js';
import type { Gradients } from '../../src/model/gradients.js';
import { GATES } from '../../src/model/spec.js';
import { referenceGradients, useBackend } from '../../reference/index.js';
import { referenceSteps } from '../../reference/steps.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const make = (o: Partial<GenerateOptions>) =>
  generateCase({ ...GENERATE_DEFAULTS, inputSize: 3, hiddenSize: 5, steps: 8, batch: 3, seed: 31, ...o });

/** Row b of c, as a case of its own. */
function rowCase(c: Case, b: number): Case {
  const T = c.steps;
  const H = c.model.hiddenSize;
  return {
    ...c,
    id: `${c.id}-row${b}`,
    batch: 1,
    tokens: c.tokens!.slice(b * T, (b + 1) * T),
    targets: c.targets.slice(b * T, (b + 1) * T),
    initialState: c.initialState && { rows: 1, cols: H, data: c.initialState.data.slice(b * H, (b + 1) * H) },
  };
}

const uNames = (c: Case) => (c.model.cell === 'rnn' ? ['U'] : GATES[c.model.cell].map((g) => `U_${g}`));

/**
 * Each U with dU[:, x_t] = (step t's contribution) assigned: t in the loop's order, rows in order, one matrix
 * for the batch ('shared') or one per row, summed. Step t's contribution to dU is da_t x_tᵀ, whose only non-zero
 * column is x_t: tf.grad gives it per step (reference/steps.ts), on each row as a case of its own.
 */
async function assigned(c: Case, order: 'backward' | 'forward', scope: 'shared' | 'per-row') {
  const { steps: T } = c;
  const { inputSize: I, hiddenSize: H } = c.model;
  const names = uNames(c);
  const out = names.map(() => new Float64Array(H * I));
  for (let b = 0; b < c.batch; b++) {
    const { contributions } = await referenceSteps(rowCase(c, b));
    names.forEach((_, g) => {
      const row = scope === 'shared' ? out[g]! : new Float64Array(H * I);
      for (let n = 0; n < T; n++) {
        const t = order === 'backward' ? T - 1 - n : n;
        const x = c.tokens![b * T + t]!;
        for (let i = 0; i < H; i++) row[i * I + x] = contributions[t]!.U[g * H * I + i * I + x]!;
      }
      if (scope === 'per-row') row.forEach((v, k) => (out[g]![k]! += v));
    });
  }
  return Object.fromEntries(names.map((n, g) => [n, out[g]!]));
}

async function withTensors(c: Case, data: Record<string, Float64Array>): Promise<Gradients> {
  const g = await referenceGradients(c, 'tfjs-ops');
  const tensors = { ...g.tensors };
  for (const [n, d] of Object.entries(data)) tensors[n] = { ...tensors[n]!, data: d };
  return { loss: g.loss, tensors };
}

describe('dU assigned for added, with token ids that repeat', () => {
  it.each([
    ['rnn', 'backward', 'shared', 'the last batch row’s smallest t'],
    ['rnn', 'forward', 'shared', 'the last batch row’s largest t'],
    ['rnn', 'backward', 'per-row', 'each row’s smallest t'],
    ['rnn', 'forward', 'per-row', 'each row’s largest t'],
    ['gru', 'backward', 'shared', 'the last batch row’s smallest t'],
    ['lstm', 'forward', 'per-row', 'each row’s largest t'],
  ] as const)('%s, a %s loop, dU %s: named on every U, saying where', async (cell, order, scope, where) => {
    const c = make({ cell, bias: true });
    const given = await withTensors(c, await assigned(c, order, scope));
    const out = diagnose(c, given, uNames(c), DEFAULT_TOLERANCE);
    expect(out.map((d) => [d.tensor, d.pattern])).toEqual(uNames(c).map((n) => [n, 'U-assigned-not-accumulated']));
    for (const d of out) expect(d.detail).toContain(where);
  });

  it('the true gradients of the same case are named nothing', async () => {
    const c = make({ bias: true });
    expect(diagnose(c, await referenceGradients(c, 'tfjs-ops'), ['U', 'W', 'V'], DEFAULT_TOLERANCE)).toEqual([]);
  });
});

describe('the initial state’s gradient dropped, on the gated cells', () => {
  it.each(['lstm', 'gru'] as const)('%s: not given, or all zeros: initial-state-gradient-missing', async (cell) => {
    const c = make({ cell, initialState: true });
    const truth = await referenceGradients(c, 'tfjs-ops');
    const { initialState, ...rest } = truth.tensors;
    const missing = diagnose(c, { loss: truth.loss, tensors: rest }, ['initialState'], DEFAULT_TOLERANCE);
    expect(missing).toEqual([
      {
        tensor: 'initialState',
        pattern: 'initial-state-gradient-missing',
        detail: expect.stringContaining('not given'),
      },
    ]);
    const zero = { ...initialState!, data: new Float64Array(initialState!.data.length) };
    const zeros = diagnose(
      c,
      { loss: truth.loss, tensors: { ...rest, initialState: zero } },
      ['initialState'],
      DEFAULT_TOLERANCE,
    );
    expect(zeros.map((d) => d.pattern)).toEqual(['initial-state-gradient-missing']);
    expect(zeros[0]!.detail).toContain('all zeros');
  });
});

describe('a GRU’s state carried across the rows of a batch', () => {
  it.each([false, true])('with initialState %s: named on every tensor', async (initialState) => {
    const c = make({ cell: 'gru', bias: true, initialState });
    const { steps: T } = c;
    const H = c.model.hiddenSize;
    // row b starts from row b−1's last state: the rows' forward passes, one after the other
    const start = new Float64Array(c.batch * H);
    if (c.initialState) start.set(c.initialState.data.subarray(0, H));
    for (let b = 1; b < c.batch; b++) {
      const s = handForward({
        ...rowCase(c, b - 1),
        initialState: { rows: 1, cols: H, data: start.slice((b - 1) * H, b * H) },
      }).s;
      start.set(s.subarray(T * H, (T + 1) * H), b * H);
    }
    const carried = await referenceGradients(
      { ...c, initialState: { rows: c.batch, cols: H, data: start } },
      'tfjs-ops',
    );
    if (!initialState) delete carried.tensors.initialState;
    const names = Object.keys(carried.tensors);
    const out = diagnose(c, carried, names, DEFAULT_TOLERANCE);
    expect(Object.fromEntries(out.map((d) => [d.tensor, d.pattern]))).toEqual(
      Object.fromEntries(names.map((n) => [n, 'state-carried-across-sequences'])),
    );
  });
});
