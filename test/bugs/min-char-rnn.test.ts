/**
 * A student's batch loop around Karpathy's min-char-rnn lossFun (test/bugs/min_char_rnn.py, numpy), through the
 * real `bptt-check verify`: the three mistakes that code invites (hprev passed on to the next sequence, the
 * one-hot left out of dy, dWxh's column assigned) are named on exactly the tensors they change, and the loop
 * without them passes. lossFun returns its own dWxh per sequence, which the loop adds up: the assigned column
 * keeps each row's smallest t.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { findPython } from '../helpers/python.js';

const SCRIPT = fileURLToPath(new URL('./min_char_rnn.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-min-char-rnn-'));
const python = findPython();
if (!python) console.warn('test/bugs/min-char-rnn.test.ts skipped: no python3 that can import numpy');

interface CaseJson {
  rows: { tensor: string; pass: boolean }[];
  diagnosis?: { tensor: string; pattern: string; detail: string }[];
}

async function verify(bug: string): Promise<{ code: number; c: CaseJson }> {
  execFileSync(python!, [SCRIPT, 'c.json', `${bug}.json`, '--bug', bug], { cwd: dir });
  const run = await cli(['verify', '--case', 'c.json', '--grads', `${bug}.json`, '--json', '--out', bug], dir);
  if (run.code > 1) throw new Error(run.stderr);
  return { code: run.code, c: JSON.parse(run.stdout).cases[0] as CaseJson };
}

const ALL = ['U', 'W', 'V', 'b', 'c', 'initialState'];

describe.skipIf(!python)('min-char-rnn in a batch loop, through verify', () => {
  beforeAll(async () => {
    const args = ['--bias', '--initial-state', '--batch', '3', '--input-size', '3', '--steps', '8', '--seed', '9'];
    expect((await cli(['case', ...args, '--out', 'c.json'], dir)).code).toBe(0);
  });

  it.each([
    ['carried-hprev', 'state-carried-across-sequences', ALL, ['loss', ...ALL], 's_{T−1}'],
    ['no-onehot', 'softmax-without-one-hot', ALL, ALL, 'dz_t = ŷ_t'],
    ['dU-assigned', 'U-assigned-not-accumulated', ['U'], ['U'], 'each row’s smallest t'],
  ])('--bug %s: %s', async (bug, pattern, tensors, fails, detail) => {
    const { code, c } = await verify(bug);
    expect(code).toBe(1);
    expect([...new Set(c.rows.filter((r) => !r.pass).map((r) => r.tensor))].sort()).toEqual([...fails].sort());
    expect(Object.fromEntries((c.diagnosis ?? []).map((d) => [d.tensor, d.pattern]))).toEqual(
      Object.fromEntries(tensors.map((t) => [t, pattern])),
    );
    expect(c.diagnosis![0]!.detail).toContain(detail);
  });

  it('without a bug: passes, nothing named', async () => {
    const { code, c } = await verify('none');
    expect(code).toBe(0);
    expect(c.diagnosis).toBeUndefined();
  });
});
