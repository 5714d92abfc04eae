/**
 * T = 1, a student's first test: every oracle (both tfjs references, the per-step reference, the hand side)
 * on a single step, against the gradients written out on paper in test/helpers/one-step.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { caseToFile, type Case } from '../../src/model/case.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import type { Gradients } from '../../src/model/gradients.js';
import { REFERENCES, referenceGradients, useBackend } from '../../reference/index.js';
import { referenceSteps } from '../../reference/steps.js';
import { handGradients } from '../../src/bptt/index.js';
import type { Cell } from '../../src/model/spec.js';
import { relErr } from '../helpers/fixtures.js';
import { oneStepGradients } from '../helpers/one-step.js';

beforeAll(async () => {
  await useBackend('cpu');
});

/** T = 1 with a given s₋₁ (else dW would be 0 and say nothing) and biases, B = 1 and B = 3. */
const single = (
  cell: Cell,
  batch: number,
  more: { denseInputs?: boolean; recurrentActivation?: 'sigmoid' } = {},
): Case =>
  generateCase({
    ...GENERATE_DEFAULTS,
    cell,
    steps: 1,
    batch,
    bias: true,
    initialState: true,
    inputSize: 5,
    hiddenSize: 4,
    outputSize: 3,
    seed: 7 + batch,
    denseInputs: false,
    ...more,
  });

const CASES: [string, Case][] = (['rnn', 'lstm', 'gru'] as const).flatMap((cell) => [
  [`${cell} B=1`, single(cell, 1)],
  [
    `${cell} B=3 dense`,
    single(cell, 3, { denseInputs: true, ...(cell !== 'rnn' ? { recurrentActivation: 'sigmoid' as const } : {}) }),
  ],
]);

/** The worst ‖a − r‖/‖r‖ over the loss and every tensor of the formula; every tensor must be there. */
function worst(g: Gradients, c: Case): number {
  const want = oneStepGradients(caseToFile(c));
  expect(Object.keys(g.tensors).sort()).toEqual(Object.keys(want.gradients).sort());
  let w = relErr([g.loss], [want.loss]);
  for (const [name, v] of Object.entries(want.gradients))
    w = Math.max(w, relErr(g.tensors[name]!.data, (v as number[]).flat()));
  return w;
}

describe('a single step (T = 1)', () => {
  it('has a non-zero dW in every case (s₋₁ is given), so the formula checks the recurrent term too', () => {
    for (const [, c] of CASES) {
      const g = oneStepGradients(caseToFile(c)).gradients;
      const W = c.model.cell === 'rnn' ? ['W'] : Object.keys(g).filter((n) => n.startsWith('W_') && n !== 'W_f');
      for (const n of W) expect(Math.max(...(g[n] as number[][]).flat().map(Math.abs)), n).toBeGreaterThan(1e-3);
    }
  });

  it.each(REFERENCES.flatMap((r) => CASES.map(([name, c]) => [r, name, c] as const)))(
    '%s gives the gradients of the formula on %s to float32 precision',
    async (ref, _name, c) => {
      expect(worst(await referenceGradients(c, ref), c)).toBeLessThan(1e-5);
    },
  );

  it.each(CASES)('the hand side gives the gradients of the formula on %s to float64 precision', (_name, c) => {
    expect(worst(handGradients(c), c)).toBeLessThan(1e-12);
  });

  it.each(CASES)(
    'tfjs-ops with --truncate 1, --detach-every 1 and --output-step 0 is full BPTT on %s (one step has nothing to cut)',
    async (_name, c) => {
      for (const opts of [{ truncate: 1 }, { detachEvery: 1 }, { outputStep: 0 }])
        expect(worst(await referenceGradients(c, 'tfjs-ops', opts), c)).toBeLessThan(1e-5);
    },
  );

  it.each(CASES)(
    'the per-step reference gives step 0 the whole dW and dU and ∂L/∂s_0 = Vᵀ(p − onehot(y)) on %s',
    async (_name, c) => {
      const r = await referenceSteps(c);
      const want = oneStepGradients(caseToFile(c)).gradients;
      const gates = c.model.cell === 'rnn' ? [''] : c.model.cell === 'lstm' ? ['i', 'f', 'g', 'o'] : ['z', 'r', 'h'];
      const joined = (p: string) => gates.flatMap((g) => (want[g ? `${p}_${g}` : p] as number[][]).flat());
      expect(r.contributions).toHaveLength(1);
      expect(relErr(r.contributions[0]!.W, joined('W'))).toBeLessThan(1e-5);
      expect(relErr(r.contributions[0]!.U, joined('U'))).toBeLessThan(1e-5);
      if (c.batch === 1) {
        // with one row, the formula's dc is that row's dz_out = p − onehot(y), and ∂L/∂s_0 = Vᵀ dz_out
        const dz = want.c as number[];
        const V = caseToFile(c).params.V as number[][];
        const ds = V[0]!.map((_, j) => V.reduce((a, row, k) => a + row[j]! * dz[k]!, 0));
        expect(relErr(r.ds, ds)).toBeLessThan(1e-5);
      }
    },
  );
});
