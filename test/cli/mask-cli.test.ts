/** `bptt-check case --lengths / --last-step-only` and masked cases through the real command line. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-mask-'));
type CaseJson = { targets: (number | null)[][]; inputs: number[][]; reduction?: string };
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as CaseJson;
const nulls = (c: CaseJson) => c.targets.map((row) => row.flatMap((y, t) => (y === null ? [t] : [])));

describe('bptt-check case with a mask', () => {
  it('--lengths 7,4,5 writes B = 3, T = 7 and null targets after each end; compare --case of it passes', async () => {
    const made = await cli(['case', '--lengths', '7,4,5', '--cell', 'lstm', '--bias', '--out', 'lengths.json'], dir);
    expect(made.code, made.stderr).toBe(0);
    const c = read('lengths.json');
    expect(c.targets.map((row) => row.length)).toEqual([7, 7, 7]);
    expect(nulls(c)).toEqual([[], [4, 5, 6], [5, 6]]);
    expect(c.inputs.flat().every((x) => Number.isInteger(x) && x >= 0)).toBe(true); // padding inputs stay ids
    const run = await cli(['compare', '--case', 'lengths.json', '--out', 'r-lengths'], dir);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASS/);
  });

  it('--last-step-only writes a target at the last step only, and --steps larger than the lengths is kept', async () => {
    const made = await cli(['case', '--last-step-only', '--batch', '2', '--steps', '5'], dir);
    expect(made.code, made.stderr).toBe(0);
    expect(nulls(JSON.parse(made.stdout) as CaseJson)).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    const longer = await cli(['case', '--lengths', '2,3', '--steps', '6'], dir);
    expect(nulls(JSON.parse(longer.stdout) as CaseJson)).toEqual([
      [2, 3, 4, 5],
      [3, 4, 5],
    ]);
  });

  it('compare --case passes on a masked case file with a mean reduction, the finite differences included', async () => {
    const c = JSON.parse(readFileSync(fixturePath('rnn-sigmoid-bias-batch.case.json'), 'utf8')) as CaseJson;
    c.targets[0]![0] = null;
    c.targets[1] = c.targets[1]!.map((y, t) => (t < 3 ? null : y));
    c.reduction = 'mean';
    writeFileSync(join(dir, 'mean.json'), JSON.stringify(c));
    const run = await cli(['compare', '--case', 'mean.json', '--fd', 'full', '--out', 'r-mean'], dir);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASS/);
  });

  it.each([
    [
      ['--lengths', '7,4', '--batch', '3'],
      'bptt-check: --lengths is 7,4, expected 3 lengths (B = 3), each in [1, T = 7]',
    ],
    [['--lengths', '0,3'], 'bptt-check: --lengths is 0,3, expected 2 lengths (B = 2), each in [1, T = 3]'],
    [
      ['--lengths', '4,9', '--steps', '5'],
      'bptt-check: --lengths is 4,9, expected 2 lengths (B = 2), each in [1, T = 5]',
    ],
    [['--lengths', '7,x'], 'bptt-check: --lengths is "7,x", expected comma-separated integers, e.g. 7,4,5'],
  ])('case %j: exit 2 and one line', async (args, line) => {
    const run = await cli(['case', ...args], dir);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(line);
    expect(run.stdout).toBe('');
  });

  it('a case file whose targets are all null: exit 2 and one line', async () => {
    const c = JSON.parse(readFileSync(fixturePath('rnn-tanh.case.json'), 'utf8')) as CaseJson;
    c.targets = c.targets.map((row) => row.map(() => null));
    writeFileSync(join(dir, 'none.json'), JSON.stringify(c));
    const run = await cli(['compare', '--case', 'none.json', '--out', 'r-none'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'bptt-check: none.json: targets: every target is null, expected at least one step with a loss (a null target has none)',
    );
  });
});
