/**
 * A subject's adjoints (issue 16, item 4): parsed from the gradients shape, and checked step by step against
 * tf.grad with respect to zero probes on the states (reference/steps.ts referenceAdjoints, the code under test).
 * Expected values come from student modules written from the formulas (test/modules/adjoint-*.mjs), whose
 * gradients are first held to PyTorch's (test/fixtures) and whose adjoints to finite differences of their own
 * forward pass, computed here.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parseGradients } from '../../src/model/gradients.js';
import { InputError } from '../../src/model/errors.js';
import { referenceAdjoints } from '../../reference/steps.js';
import { checkAdjoints } from '../../src/check/adjoints.js';
import { checkCase } from '../../src/check/compare.js';
import { userSide } from '../../src/check/sides.js';
import { adjointsText } from '../../src/report/adjoints.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { fixtureCase, fixtureGrads, fixturePath, relErr } from '../helpers/fixtures.js';

type Nested = number[][][];
interface Answer {
  loss: number;
  gradients: Record<string, number[] | number[][]>;
  adjoints: { s: Nested; c?: Nested };
}
interface Student {
  gradients(kase: unknown): Answer;
  forward(kase: unknown, n: number, probe?: Record<string, unknown>): { loss: number };
}
const student = async (name: string) =>
  (await import(fileURLToPath(new URL(`../modules/${name}`, import.meta.url)))) as Student;
const caseFile = (name: string) => JSON.parse(readFileSync(fixturePath(`${name}.case.json`), 'utf8')) as unknown;

const CASES: [string, string][] = [
  ['adjoint-rnn.mjs', 'rnn-tanh'],
  ['adjoint-rnn.mjs', 'rnn-sigmoid-bias-batch'],
  ['adjoint-rnn.mjs', 'rnn-linear-s0'],
  ['adjoint-lstm.mjs', 'lstm-sigmoid-bias'],
  ['adjoint-lstm.mjs', 'lstm-hardsigmoid'],
];

describe('the student modules: gradients as PyTorch, adjoints as finite differences of their own forward', () => {
  it.each(CASES)('%s on %s', async (file, name) => {
    const m = await student(file);
    const kase = caseFile(name) as { targets: unknown[][]; model: { hiddenSize: number } };
    const answer = m.gradients(kase);
    const torch = fixtureGrads(`${name}.grads.json`);
    expect(Math.abs(answer.loss - torch.loss)).toBeLessThan(1e-10);
    for (const [t, v] of Object.entries(torch.gradients))
      expect(relErr(answer.gradients[t]!.flat(), v.flat()), t).toBeLessThan(1e-12);
    // ∂L/∂s_t (and ∂L/∂c_t): central differences of L in a probe added to the state, as the module defines it
    const H = kase.model.hiddenSize;
    const eps = 1e-6;
    const keys = file.includes('lstm') ? { s: 'dh', c: 'dc' } : { s: 'ds' };
    for (const [q, key] of Object.entries(keys))
      for (let n = 0; n < kase.targets.length; n++)
        for (let t = 0; t < kase.targets[n]!.length; t++) {
          const fd = Array.from({ length: H }, (_, i) => {
            const e = (sign: number) => Array.from({ length: H }, (_, j) => (j === i ? sign * eps : 0));
            return (
              (m.forward(kase, n, { t, [key]: e(1) }).loss - m.forward(kase, n, { t, [key]: e(-1) }).loss) / (2 * eps)
            );
          });
          expect(relErr(answer.adjoints[q as 's' | 'c']![n]![t]!, fd), `${q} row ${n} step ${t}`).toBeLessThan(1e-6);
        }
  });
});

describe('referenceAdjoints: tf.grad of zero probes gives the students’ ∂L/∂s_t and ∂L/∂c_t', () => {
  it.each(CASES)('%s on %s', async (file, name) => {
    const answer = (await student(file)).gradients(caseFile(name));
    const c = fixtureCase(name);
    const ref = await referenceAdjoints(c);
    const mine = parseGradients(answer, 'module', c, false).adjoints!;
    expect(relErr(ref.s, mine.s)).toBeLessThan(1e-5); // float32
    if (c.model.cell === 'lstm') expect(relErr(ref.c!, mine.c!)).toBeLessThan(1e-5);
    else expect(ref.c).toBeUndefined();
  });
});

describe('parseGradients reads adjoints', () => {
  const c = fixtureCase('rnn-sigmoid-bias-batch'); // B 3, T 6, H 5
  const nested = (B: number, T: number, H: number) =>
    Array.from({ length: B }, (_, b) =>
      Array.from({ length: T }, (_, t) => Array.from({ length: H }, (_, i) => 100 * b + 10 * t + i)),
    );
  const base = { loss: 1, gradients: {} };
  const parse = (adjoints: unknown, kase = c) => parseGradients({ ...base, adjoints }, 'module', kase, false);

  it('{ s } and a bare B×T×H array alike, row b step t at (b·T + t)·H', () => {
    for (const given of [{ s: nested(3, 6, 5) }, nested(3, 6, 5)]) {
      const s = parse(given).adjoints!.s;
      expect(s.length).toBe(90);
      expect(s[(2 * 6 + 4) * 5 + 3]).toBe(243);
    }
    expect(parseGradients(base, 'module', c, false).adjoints).toBeUndefined();
  });
  it('the LSTM’s c', () => {
    const l = fixtureCase('lstm-sigmoid-bias'); // B 2, T 6, H 3
    const a = parse({ s: nested(2, 6, 3), c: nested(2, 6, 3) }, l).adjoints!;
    expect(a.c![(1 * 6 + 5) * 3 + 2]).toBe(152);
  });
  it.each([
    [
      { s: nested(6, 3, 5) },
      /^module: adjoints\.s is 6×3×5, expected B×T×H = 3×6×5 \(that is T×B×H: the transpose of the first two axes\)$/,
    ],
    [{ s: nested(3, 6, 4) }, /^module: adjoints\.s is 3×6×4, expected B×T×H = 3×6×5$/],
    [
      { s: nested(3, 6, 5), c: nested(3, 6, 5) },
      /adjoints\.c is given for a rnn case, expected only adjoints\.s: only the LSTM has a cell state/,
    ],
    [{ h: nested(3, 6, 5) }, /adjoints\.h is not an adjoint of this case, expected only adjoints\.s/],
    [{ s: [[['x']]] }, /adjoints\.s is 1×1×1, expected B×T×H = 3×6×5/],
    [7, /adjoints is 7, expected \{ s, c\? \} of B×T×H arrays/],
  ])('refuses %j', (adjoints, message) => {
    expect(() => parse(adjoints)).toThrow(InputError);
    expect(() => parse(adjoints)).toThrow(message);
  });
  it('a non-number names its place', () => {
    const s = nested(3, 6, 5) as unknown[][][];
    s[1]![2]![3] = 'x';
    expect(() => parse({ s })).toThrow(/adjoints\.s holds "x" at \[1, 2, 3\], expected numbers/);
  });
});

describe('checkAdjoints names the step where the error enters', () => {
  const c = fixtureCase('rnn-tanh'); // T 7
  const T = 7;
  const H = 6;
  const wrong = (answer: Answer, steps: number[]) => {
    const s = answer.adjoints.s.map((row) => row.map((v, t) => (steps.includes(t) ? v.map((x) => x * 1.5 + 0.01) : v)));
    return parseGradients({ ...answer, adjoints: { s } }, 'module', c, false).adjoints!;
  };
  it('correct adjoints: every step passes, one passing row adjoints.s', async () => {
    const answer = (await student('adjoint-rnn.mjs')).gradients(caseFile('rnn-tanh'));
    const { result, rows } = await checkAdjoints(
      c,
      parseGradients(answer, 'm', c, false).adjoints!,
      'yours',
      DEFAULT_TOLERANCE,
    );
    expect(result.pass).toBe(true);
    expect(result.entry).toBeNull();
    expect(result.rows).toHaveLength(T);
    expect(rows.map((r) => [r.tensor, r.shape, r.a, r.r, r.pass])).toEqual([
      ['adjoints.s', `1×${T}×${H}`, 'yours', 'tfjs-ops', true],
    ]);
    expect(adjointsText(result)).toBe('agree at every step t = 6…0');
  });
  it('wrong from step 4 down: enters at 4', async () => {
    const answer = (await student('adjoint-rnn.mjs')).gradients(caseFile('rnn-tanh'));
    const { result, rows } = await checkAdjoints(c, wrong(answer, [4, 3, 2, 1, 0]), 'yours', DEFAULT_TOLERANCE);
    expect(result.entry).toBe(4);
    expect(result.failing).toEqual([4, 3, 2, 1, 0]);
    expect(result.pass).toBe(false);
    expect(rows[0]!.pass).toBe(false);
    expect(adjointsText(result)).toBe(
      'agree for t = 6…5, wrong from t = 4 down (∂L/∂s_t at t = 4): the error enters at step 4',
    );
  });
  it('a lone wrong step, and the last step', async () => {
    const answer = (await student('adjoint-rnn.mjs')).gradients(caseFile('rnn-tanh'));
    const lone = (await checkAdjoints(c, wrong(answer, [2]), 'yours', DEFAULT_TOLERANCE)).result;
    expect(lone.failing).toEqual([2]);
    expect(adjointsText(lone)).toBe('agree for t = 6…3, wrong at t = 2 (∂L/∂s_t at t = 2): the error enters at step 2');
    const last = (await checkAdjoints(c, wrong(answer, [6, 5, 4, 3, 2, 1, 0]), 'yours', DEFAULT_TOLERANCE)).result;
    expect(adjointsText(last)).toBe(
      'wrong from t = 6 down (∂L/∂s_t at t = 6): the error enters at the last step, t = 6',
    );
  });
});

describe('runPlan with a subject that gives adjoints', () => {
  it('an LSTM subject without adjoints.c: ∂L/∂s_t checked, a note says ∂L/∂c_t is not', async () => {
    const answer = (await student('adjoint-lstm.mjs')).gradients(caseFile('lstm-sigmoid-bias'));
    const c = fixtureCase('lstm-sigmoid-bias');
    const only = parseGradients({ ...answer, adjoints: { s: answer.adjoints.s } }, 'm', c, false);
    const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, { subject: userSide('yours', () => only) });
    expect(r.pass).toBe(true);
    expect(r.rows.filter((x) => x.tensor.startsWith('adjoints.')).map((x) => x.tensor)).toEqual(['adjoints.s']);
    expect(r.notes).toContain("yours gives no adjoints.c: the LSTM's ∂L/∂c_t is not checked, ∂L/∂s_t is");
  });
  it('a NaN adjoint fails its step and the case, with no diagnosis of it', async () => {
    const answer = (await student('adjoint-rnn.mjs')).gradients(caseFile('rnn-tanh'));
    const c = fixtureCase('rnn-tanh');
    const g = parseGradients(answer, 'm', c, false);
    g.adjoints!.s[3 * 6 + 2] = NaN; // step 3
    const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, { subject: userSide('yours', () => g) });
    expect(r.pass).toBe(false);
    expect(r.adjoints).toMatchObject({ entry: 3, failing: [3] });
    expect(r.rows.find((x) => x.tensor === 'adjoints.s')!.reason).toMatch(/non-finite values/);
    expect(r.rows.filter((x) => x.tensor !== 'adjoints.s').every((x) => x.pass)).toBe(true);
    expect(r.diagnosis).toBeUndefined();
  });
});
