/**
 * cs231n's rnn_layers.py style (examples/python/conventions/cs231n_lstm.py: row vectors, the LSTM's gates
 * i, f, o, g in one 4H block, the loss averaged over the minibatch N with a mask) through the README's
 * commands under `--conventions cs231n`: the case is exported in cs231n's names and shapes, the student's
 * gradients pass verify and compare as written, and forgetting to divide dx by N is named as a convention
 * (the sum reduction), not a bug.
 */
import { describe, expect, it } from 'vitest';
import { findPython } from '../helpers/python.js';
import { session, shape } from './conventions-cli.js';

const python = findPython();
if (!python) console.warn('test/users/conventions-cs231n.test.ts skipped: no python3 that can import numpy');

const [I, H, B, T] = [5, 4, 3, 5];
const sizes = ['--input-size', `${I}`, '--hidden-size', `${H}`, '--batch', `${B}`, '--steps', `${T}`];
const lstm = ['--cell', 'lstm', '--recurrent-activation', 'sigmoid', '--bias', '--initial-state', ...sizes];
const rnn = ['--cell', 'rnn', '--bias', '--initial-state', ...sizes];

describe.skipIf(!python)('a cs231n-style LSTM and RNN through bptt-check --conventions cs231n', () => {
  const s = session(python!, 'cs231n_lstm.py', 'cs231n');

  it('case --conventions cs231n exports Wx (I×4H), Wh (H×4H), b (4H), W_vocab (H×K), b_vocab (K), h0 (N×H)', async () => {
    const { run, raw } = await s.exportCase('lstm.json', ...lstm, '--seed', '3');
    expect(run.code, run.stderr).toBe(0);
    const p = raw.params as Record<string, unknown>;
    expect(Object.keys(p).sort()).toEqual(['W_vocab', 'Wh', 'Wx', 'b', 'b_vocab', 'h0']);
    expect([shape(p.Wx), shape(p.Wh), shape(p.b), shape(p.W_vocab), shape(p.b_vocab), shape(p.h0)]).toEqual([
      [I, 4 * H],
      [H, 4 * H],
      [4 * H],
      [H, I],
      [I],
      [B, H],
    ]);
    expect((await s.exportCase('rnn.json', ...rnn, '--seed', '4')).run.code).toBe(0);
  });

  it('verify: the LSTM and the RNN pass as the student wrote them', async () => {
    for (const name of ['lstm', 'rnn']) {
      s.grads(`${name}.json`, `${name}.grads.json`);
      const run = await s.verify(`${name}.json`, `${name}.grads.json`);
      expect({ code: run.code, failing: run.failing }, run.stdout + run.stderr).toEqual({ code: 0, failing: [] });
      expect(run.rows.some((r) => r.a === 'yours')).toBe(true);
      expect(run.stdout).toContain('cs231n'); // the report states the conventions it checked against
    }
  });

  it('verify: a padded batch (null targets after each length) passes with the mask', async () => {
    const { run } = await s.exportCase('padded.json', ...lstm, '--lengths', '5,3,4', '--seed', '5');
    expect(run.code, run.stderr).toBe(0);
    s.grads('padded.json', 'padded.grads.json');
    const v = await s.verify('padded.json', 'padded.grads.json');
    expect({ code: v.code, failing: v.failing }, v.stdout + v.stderr).toEqual({ code: 0, failing: [] });
  });

  it('compare --impl-cmd: the LSTM and the RNN pass', async () => {
    for (const flags of [lstm, rnn]) {
      const run = await s.compare(undefined, ...flags, '--seed', '6');
      expect({ code: run.code, failing: run.failing }, run.stdout + run.stderr).toEqual({ code: 0, failing: [] });
    }
  });

  it('forgetting dx /= N (the loss divided): exit 1, every tensor failing, named the sum reduction', async () => {
    s.grads('lstm.json', 'lstm.forget-N.json', 'forget-N');
    const verify = await s.verify('lstm.json', 'lstm.forget-N.json');
    const compare = await s.compare('forget-N', ...lstm, '--seed', '6');
    for (const run of [verify, compare]) {
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.failing.length).toBeGreaterThanOrEqual(4);
      const convention = run.stdout.search(/--reduction\W{1,3}sum\b/);
      expect(convention, run.stdout).toBeGreaterThanOrEqual(0);
      const bug = run.stdout.search(/\bscaled\b/);
      expect(bug === -1 || bug > convention, run.stdout).toBe(true); // the convention is said before any bug pattern
    }
  });
});
