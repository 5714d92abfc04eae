/**
 * The cases the localisation builds (prefixes, rows, a row reversed, smaller sizes of a consistent model)
 * on hand-sized cases, and the experiments' budget and refusals, with a student's module run in this
 * process (test/modules/loc-student.mjs through the library's module loader).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { caseToFile, type Case } from '../../src/model/case.js';
import { generateCase, GENERATE_DEFAULTS } from '../../src/model/generate.js';
import { parseCase } from '../../src/model/validate.js';
import { fromNested } from '../../src/model/matrix.js';
import { cutCase, prefixCase, rowsCase, shapeOf, withReversedRow } from '../../src/check/localise-cases.js';
import { localise } from '../../src/check/localise.js';
import { planCheck, runPlan } from '../../src/check/compare.js';
import { userSide } from '../../src/check/sides.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { loadGradientsModule, runGradientsModule } from '../../src/runs/user-module.js';

/** B = 2, T = 3, I = 3, H = 2, K = 3, tokens, with biases and an initial state: every number written out. */
const tiny: Case = {
  id: 'tiny',
  model: { cell: 'rnn', activation: 'tanh', bias: true, inputSize: 3, hiddenSize: 2, outputSize: 3 },
  batch: 2,
  steps: 3,
  params: {
    U: fromNested([
      [0.1, 0.2, 0.3],
      [0.4, 0.5, 0.6],
    ]),
    W: fromNested([
      [0.7, 0.8],
      [0.9, 1.0],
    ]),
    b: fromNested([[0.11], [0.12]]),
    V: fromNested([
      [1.1, 1.2],
      [1.3, 1.4],
      [1.5, 1.6],
    ]),
    c: fromNested([[0.21], [0.22], [0.23]]),
  },
  tokens: Int32Array.from([0, 1, 2, 2, 1, 0]),
  vectors: null,
  targets: Int32Array.from([1, 2, 0, 0, 2, 1]),
  initialState: fromNested([
    [0.01, 0.02],
    [0.03, 0.04],
  ]),
};

const valid = (c: Case) => parseCase(JSON.parse(JSON.stringify(caseToFile(c))), c.id);

describe('the cases of the localisation', () => {
  it('prefixCase keeps the first T′ steps of every row’s inputs and targets, and the rest as it is', () => {
    const p = prefixCase(tiny, 2);
    expect([p.batch, p.steps]).toEqual([2, 2]);
    expect(Array.from(p.tokens!)).toEqual([0, 1, 2, 1]);
    expect(Array.from(p.targets)).toEqual([1, 2, 0, 2]);
    expect(p.params).toEqual(tiny.params);
    expect(p.initialState).toEqual(tiny.initialState);
    expect(valid(p).steps).toBe(2);
    expect(() => prefixCase(tiny, 0)).toThrow(RangeError);
    expect(() => prefixCase(tiny, 4)).toThrow(RangeError);
  });

  it('prefixCase of dense inputs keeps the first T′ input vectors of each row', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, denseInputs: true, inputSize: 2, steps: 3, batch: 2 });
    const p = prefixCase(c, 1);
    const v = c.vectors!;
    expect(Array.from(p.vectors!)).toEqual([v[0], v[1], v[6], v[7]]); // row b, step t at (b·T + t)·I
  });

  it('rowsCase and withReversedRow: row 1 alone, and row 0 followed by row 0 reversed in time', () => {
    const r = rowsCase(tiny, [1]);
    expect(Array.from(r.tokens!)).toEqual([2, 1, 0]);
    expect(Array.from(r.initialState!.data)).toEqual([0.03, 0.04]);
    const two = withReversedRow(tiny);
    expect(two.batch).toBe(2);
    expect(Array.from(two.tokens!)).toEqual([0, 1, 2, 2, 1, 0]);
    expect(Array.from(two.targets)).toEqual([1, 2, 0, 0, 2, 1]);
    expect(Array.from(two.initialState!.data)).toEqual([0.01, 0.02, 0.01, 0.02]);
    expect(valid(two).batch).toBe(2);
  });

  it('cutCase: the leading sub-blocks of every parameter, token ids and targets modulo the new sizes, without biases or s₋₁ when dropped', () => {
    const s = { ...shapeOf(tiny), B: 1, T: 3, H: 1, I: 2, K: 2, bias: false, initialState: false };
    const c = cutCase(tiny, s, 'cut');
    expect(Object.keys(c.params)).toEqual(['U', 'W', 'V']);
    expect(Array.from(c.params.U!.data)).toEqual([0.1, 0.2]);
    expect(Array.from(c.params.W!.data)).toEqual([0.7]);
    expect(Array.from(c.params.V!.data)).toEqual([1.1, 1.3]);
    expect(Array.from(c.tokens!)).toEqual([0, 1, 0]); // 2 mod 2
    expect(Array.from(c.targets)).toEqual([1, 0, 0]); // 2 mod 2
    expect(c.initialState).toBeNull();
    expect(valid(c).model).toMatchObject({ hiddenSize: 1, inputSize: 2, outputSize: 2, bias: false });
  });

  it('cutCase of an LSTM cuts every gate’s U_*, W_*, b_* alike: a case the validator accepts', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, cell: 'lstm', bias: true, hiddenSize: 4, inputSize: 3 });
    const cut = cutCase(c, { ...shapeOf(c), H: 2, I: 2, K: 2 }, 'lstm-cut');
    for (const g of ['i', 'f', 'g', 'o']) {
      const W = c.params[`W_${g}`]!;
      expect(Array.from(cut.params[`W_${g}`]!.data)).toEqual([W.data[0], W.data[1], W.data[4], W.data[5]]);
      expect(Array.from(cut.params[`b_${g}`]!.data)).toEqual(Array.from(c.params[`b_${g}`]!.data.subarray(0, 2)));
    }
    expect(valid(cut).model).toMatchObject({ cell: 'lstm', hiddenSize: 2, inputSize: 2, outputSize: 2 });
  });
});

describe('localise', () => {
  const path = fileURLToPath(new URL('../modules/loc-no-derivative.mjs', import.meta.url));
  const opts = { references: ['tfjs-ops'] as const, tolerance: DEFAULT_TOLERANCE };
  const c = generateCase({ ...GENERATE_DEFAULTS, hiddenSize: 8, steps: 6 });

  it('stops at its budget of checks, and says so', async () => {
    const fn = await loadGradientsModule(path);
    const subject = userSide('yours', (k, o) => runGradientsModule(fn, k, path, 10, o), { callable: true });
    const plan = planCheck(c, { ...opts, subject });
    const result = await runPlan(plan);
    expect(result.pass).toBe(false);
    const l = await localise(plan, result, { maxChecks: 3, maxMs: 60_000 });
    expect(l.checks).toBe(3);
    expect(l.cut).toBe('checks');
  }, 60_000);

  it('leaves out a built case the subject cannot answer (sizes hard-coded), and shrinks the others', async () => {
    const fn = await loadGradientsModule(path);
    const subject = userSide(
      'yours',
      (k, o) => {
        if (k.model.hiddenSize !== 8) throw new Error('this student hard-coded H = 8');
        return runGradientsModule(fn, k, path, 10, o);
      },
      { callable: true },
    );
    const plan = planCheck(c, { ...opts, subject });
    const l = await localise(plan, await runPlan(plan));
    expect(l.errors!.count).toBeGreaterThan(0);
    expect(l.errors!.first).toContain('hard-coded H = 8');
    expect(l.minimal!.sizes).toMatchObject({ H: 8, T: 1, B: 1 });
    expect(l.prefix!.shortestFailing).toBe(1);
  }, 60_000);

  it('does not localise a failure the pairs put on the references', async () => {
    const fn = await loadGradientsModule(path);
    const subject = userSide('yours', (k, o) => runGradientsModule(fn, k, path, 10, o), { callable: true });
    const plan = planCheck(c, { ...opts, subject });
    const result = await runPlan(plan);
    const l = await localise(plan, { ...result, verdict: { ...result.verdict, kind: 'references-disagree' } });
    expect(l).toMatchObject({ skipped: 'not-the-subject', checks: 0 });
  }, 60_000);
});
