/** Null targets in case files (a step with no loss) and the generation of masked cases (lastStepOnly, lengths). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseToFile } from '../../src/model/case.js';
import { InputError } from '../../src/model/errors.js';
import { GENERATE_DEFAULTS, generateCase, type GenerateOptions } from '../../src/model/generate.js';
import { NO_TARGET } from '../../src/model/loss.js';
import { parseCase } from '../../src/model/validate.js';
import { fixturePath } from '../helpers/fixtures.js';

type CaseJson = { targets: (number | null)[][]; reduction?: string };
// B = 3, T = 6, K = 4
const base = () => JSON.parse(readFileSync(fixturePath('rnn-sigmoid-bias-batch.case.json'), 'utf8')) as CaseJson;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('null targets in a case file', () => {
  it('reads null as NO_TARGET and writes it back as null', () => {
    const f = base();
    f.targets[0]![2] = null;
    f.targets[2]![5] = null;
    const c = parseCase(f, 'case.json');
    expect(c.targets[2]).toBe(NO_TARGET);
    expect(c.targets[2 * 6 + 5]).toBe(NO_TARGET);
    expect(c.targets[1]).toBe(f.targets[0]![1]);
    expect(caseToFile(c).targets).toEqual(f.targets);
  });

  it('refuses a case whose targets are all null, in one line', () => {
    const f = base();
    f.targets = f.targets.map((row) => row.map(() => null));
    expect(refusal(() => parseCase(f, 'case.json'))).toBe(
      'case.json: targets: every target is null, expected at least one step with a loss (a null target has none)',
    );
  });

  it('still refuses a target that is neither an id nor null, saying null is allowed', () => {
    const f = base();
    f.targets[1]![3] = 4;
    expect(refusal(() => parseCase(f, 'case.json'))).toBe(
      'case.json: targets[1][3] is 4, expected an integer token id in [0, K) = [0, 4) or null (no loss at that step)',
    );
  });

  it('refuses null among the inputs', () => {
    const f = base() as CaseJson & { inputs: (number | null)[][] };
    f.inputs[0]![0] = null;
    expect(refusal(() => parseCase(f, 'case.json'))).toMatch(
      /^case\.json: inputs\[0\]\[0\] is null, expected an integer/,
    );
  });

  it('keeps the reduction', () => {
    const f = { ...base(), reduction: 'mean' };
    expect(parseCase(f, 'case.json').reduction).toBe('mean');
    expect(caseToFile(parseCase(f, 'case.json')).reduction).toBe('mean');
  });
});

describe('generating masked cases', () => {
  const o: GenerateOptions = { ...GENERATE_DEFAULTS, batch: 3, steps: 7, inputSize: 4 };
  const rows = (t: Int32Array, T: number) =>
    Array.from({ length: t.length / T }, (_, b) => [...t.subarray(b * T, (b + 1) * T)]);

  it('lengths: null targets at t ≥ length, the same draws elsewhere, inputs valid ids everywhere', () => {
    const plain = generateCase(o);
    const c = generateCase({ ...o, lengths: [7, 4, 5] });
    const got = rows(c.targets, 7);
    const want = rows(plain.targets, 7).map((row, b) => row.map((y, t) => (t >= [7, 4, 5][b]! ? NO_TARGET : y)));
    expect(got).toEqual(want);
    expect(got[1]!.slice(4)).toEqual([NO_TARGET, NO_TARGET, NO_TARGET]);
    expect(c.tokens).toEqual(plain.tokens);
    expect([...c.tokens!].every((x) => x >= 0 && x < 4)).toBe(true);
  });

  it('lastStepOnly: a target at t = T − 1 only', () => {
    const c = generateCase({ ...o, lastStepOnly: true });
    for (const row of rows(c.targets, 7)) {
      expect(row.slice(0, 6).every((y) => y === NO_TARGET)).toBe(true);
      expect(row[6]).not.toBe(NO_TARGET);
    }
  });

  it('lastStepOnly with lengths: each row at its own last step', () => {
    const c = generateCase({ ...o, lengths: [7, 4, 5], lastStepOnly: true });
    const kept = rows(c.targets, 7).map((row) => row.flatMap((y, t) => (y === NO_TARGET ? [] : [t])));
    expect(kept).toEqual([[6], [3], [4]]);
  });

  it.each([
    [[7, 4], '`lengths` is 7,4, expected 3 lengths (B = 3), each in [1, T = 7]'],
    [[0, 3, 2], '`lengths` is 0,3,2, expected 3 lengths (B = 3), each in [1, T = 7]'],
    [[8, 3, 2], '`lengths` is 8,3,2, expected 3 lengths (B = 3), each in [1, T = 7]'],
  ])('refuses lengths %j', (lengths, message) => {
    expect(refusal(() => generateCase({ ...o, lengths }))).toBe(message);
  });
});
