/**
 * Karpathy's min-char-rnn (examples/python/conventions/min_char_rnn.py: column vectors, bh H×1, by K×1, hprev
 * H×1, the loss summed) through the README's commands under `--conventions min-char-rnn`: it passes as written
 * (and with its np.clip as the value clip), and the missing `dbh += dhraw` fails on bh alone, as a bug.
 */
import { describe, expect, it } from 'vitest';
import { findPython } from '../helpers/python.js';
import { CONVENTION_FLAG, session, shape } from './conventions-cli.js';

const python = findPython();
if (!python) console.warn('test/users/conventions-min-char.test.ts skipped: no python3 that can import numpy');

const [I, H, T] = [6, 5, 8];
const flags = ['--bias', '--initial-state', '--input-size', `${I}`, '--hidden-size', `${H}`, '--steps', `${T}`];

describe.skipIf(!python)("Karpathy's min-char-rnn through bptt-check --conventions min-char-rnn", () => {
  const s = session(python!, 'min_char_rnn.py', 'min-char-rnn');

  it('case exports Wxh (H×V), Whh, Why (V×H), bh (H×1), by (V×1), hprev (H×1)', async () => {
    const { run, raw } = await s.exportCase('c.json', ...flags, '--seed', '8');
    expect(run.code, run.stderr).toBe(0);
    const p = raw.params as Record<string, unknown>;
    expect(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, shape(v)]))).toEqual({
      Wxh: [H, I],
      Whh: [H, H],
      Why: [I, H],
      bh: [H, 1],
      by: [I, 1],
      hprev: [H, 1],
    });
  });

  it('verify and compare --impl-cmd pass as Karpathy wrote it', async () => {
    s.grads('c.json', 'g.json');
    const verify = await s.verify('c.json', 'g.json');
    const compare = await s.compare(undefined, ...flags, '--seed', '9');
    for (const run of [verify, compare]) {
      expect({ code: run.code, failing: run.failing }, run.stdout + run.stderr).toEqual({ code: 0, failing: [] });
      expect(run.stdout).toContain('min-char-rnn');
    }
  });

  it("compare --clip-value 0.5: min-char-rnn's np.clip passes as bptt-check's value clip", async () => {
    const run = await s.compare(undefined, ...flags, '--seed', '9', '--clip-value', '0.5');
    expect({ code: run.code, failing: run.failing }, run.stdout + run.stderr).toEqual({ code: 0, failing: [] });
  });

  it('without `dbh += dhraw`: exit 1, bh alone failing, and no convention offered', async () => {
    s.grads('c.json', 'no-dbh.json', 'no-dbh');
    const verify = await s.verify('c.json', 'no-dbh.json');
    const compare = await s.compare('no-dbh', ...flags, '--seed', '9');
    for (const run of [verify, compare]) {
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.failing.length).toBe(1);
      expect(['b', 'bh']).toContain(run.failing[0]); // named ours or theirs
      expect(run.diagnosisLines.length, run.stdout).toBeGreaterThanOrEqual(1);
      expect(run.diagnosisLines.filter((l) => CONVENTION_FLAG.test(l))).toEqual([]); // a bug: no option would make it pass
    }
  });
});
