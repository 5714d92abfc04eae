/**
 * What users really get wrong, each planted in a student's plain JavaScript BPTT (test/modules/diag-*.mjs, one
 * mistake per file; diag-correct.mjs is the same code without one) and run through the real command: the
 * failing tensors get that mistake's pattern and nothing else, the tensors it leaves right fail nothing, and the
 * correct module passes on the same case.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADVICE } from '../../src/report/text.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-student-mistakes-'));
const module = (name: string) => fileURLToPath(new URL(`../modules/diag-${name}.mjs`, import.meta.url));

// a batch of 3 (rows that could carry a state), a given initial state, biases, and 3 token ids over 8 steps
// (every row repeats an id: the case is checked below)
const GENERATION = ['--bias', '--initial-state', '--batch', '3', '--input-size', '3', '--steps', '8', '--seed', '4'];
const CASE = join(dir, 'repeats.case.json');

interface CaseJson {
  pass: boolean;
  rows: { tensor: string; pass: boolean }[];
  diagnosis?: { tensor: string; pattern: string; detail: string }[];
}

async function compare(name: string, out: string, args = ['--case', CASE]): Promise<{ code: number; c: CaseJson }> {
  const run = await cli(
    ['compare', ...args, '--reference', 'ops', '--no-steps-detail', '--json', '--impl', module(name), '--out', out],
    dir,
  );
  if (run.code > 1) throw new Error(run.stderr);
  return { code: run.code, c: JSON.parse(run.stdout).cases[0] as CaseJson };
}

const failing = (c: CaseJson) => [...new Set(c.rows.filter((r) => !r.pass).map((r) => r.tensor))].sort();
const named = (c: CaseJson) => Object.fromEntries((c.diagnosis ?? []).map((d) => [d.tensor, d.pattern]));

beforeAll(async () => {
  const run = await cli(['case', ...GENERATION, '--out', CASE], dir);
  expect(run.code, run.stderr).toBe(0);
  const inputs = (JSON.parse(readFileSync(CASE, 'utf8')) as { inputs: number[][] }).inputs;
  expect(inputs).toHaveLength(3);
  for (const row of inputs) expect(new Set(row).size).toBeLessThan(row.length); // an id occurs twice in every row
});

const ALL = ['U', 'W', 'V', 'b', 'c', 'initialState'];
const RECURRENT = ['U', 'W', 'b', 'initialState'];

describe('compare --impl on a student BPTT with one mistake', () => {
  it.each([
    // the forward differs, so the loss fails too; every gradient changes
    ['carried-state', 'state-carried-across-sequences', ALL, ['loss', ...ALL]],
    ['initial-state-missing', 'initial-state-gradient-missing', ['initialState'], ['initialState']],
    ['initial-state-zero', 'initial-state-gradient-missing', ['initialState'], ['initialState']],
    ['dU-assigned', 'U-assigned-not-accumulated', ['U'], ['U']],
    // a zero tensor is fitted by α = 0, but it is not scaled: it was never accumulated
    ['db-missing', 'zero-gradient', ['b'], ['b']],
    // V and c do not go through f′: they stay right
    ['fprime-output-only', 'derivative-on-output-path-only', RECURRENT, RECURRENT],
    ['softmax-no-onehot', 'softmax-without-one-hot', ALL, ALL],
  ])('%s: names %s on exactly the tensors it changes', async (name, pattern, tensors, fails) => {
    const { code, c } = await compare(name, name);
    expect(code).toBe(1);
    expect(failing(c)).toEqual([...fails].sort());
    expect(named(c)).toEqual(Object.fromEntries(tensors.map((t) => [t, pattern])));
    const md = readFileSync(join(dir, name, 'report.md'), 'utf8');
    expect(md).toContain(`**${tensors[0]}: ${pattern}**`);
    expect(ADVICE[pattern]).toMatch(/\S/); // and the report says which formula to look at
    expect(md).toContain(ADVICE[pattern]);
  });

  it('the correct module passes on the same case, with nothing named', async () => {
    const { code, c } = await compare('correct', 'correct');
    expect(code).toBe(0);
    expect(c.diagnosis).toBeUndefined();
  });

  it('the correct module passes with dense inputs, a batch and an initial state too', async () => {
    const { code, c } = await compare('correct', 'correct-dense', [...GENERATION, '--dense-inputs']);
    expect(code).toBe(0);
    expect(c.diagnosis).toBeUndefined();
  });

  it('a carried state is invisible with one sequence (B = 1): the module passes, nothing is named', async () => {
    const { code, c } = await compare('carried-state', 'carried-b1', ['--initial-state', '--seed', '4']);
    expect(code).toBe(0);
    expect(c.diagnosis).toBeUndefined();
  });

  it('dU assigned with dense inputs is no mistake (x_t is no one-hot column): the module passes', async () => {
    const { code } = await compare('dU-assigned', 'dU-dense', [...GENERATION, '--dense-inputs']);
    expect(code).toBe(0);
  });

  it('the console names the pattern with the formula to look at', async () => {
    const run = await cli(
      ['compare', '--case', CASE, '--reference', 'ops', '--impl', module('fprime-output-only')],
      dir,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'diagnosis: W: derivative-on-output-path-only: W equals the gradient with f′ applied to the output path only: da_t = Vᵀ dz_t ⊙ f′(a_t) + Wᵀ da_{t+1}. Both paths reach a_t through s_t = f(a_t): da_t = (Vᵀ dz_t + Wᵀ da_{t+1}) ⊙ f′(a_t)',
    );
  });
});
