/**
 * A numpy GRU as Keras computes it (examples/python/conventions/keras_gru.py: kernel I×3H, recurrent_kernel
 * H×3H, gates z, r, h, the reset after, bias 2×3H [input; recurrent], the loss the mean over the steps) through
 * the README's commands under `--conventions keras`: it passes as written, and the textbook backward of the
 * reset before under Keras's forward fails as a bug (the dense layer's gradients still right).
 */
import { describe, expect, it } from 'vitest';
import { findPython } from '../helpers/python.js';
import { CONVENTION_FLAG, session, shape } from './conventions-cli.js';

const python = findPython();
if (!python) console.warn('test/users/conventions-keras.test.ts skipped: no python3 that can import numpy');

const [I, H, B, T] = [5, 4, 2, 6];
const sizes = ['--input-size', `${I}`, '--hidden-size', `${H}`, '--batch', `${B}`, '--steps', `${T}`];
const gru = ['--cell', 'gru', '--recurrent-activation', 'sigmoid', '--bias', '--initial-state', ...sizes];

describe.skipIf(!python)('a Keras GRU (reset after) through bptt-check --conventions keras', () => {
  const s = session(python!, 'keras_gru.py', 'keras');

  it('case exports kernel (I×3H), recurrent_kernel (H×3H), bias [input; recurrent], dense.*, initial_state', async () => {
    const { run, raw } = await s.exportCase('c.json', ...gru, '--seed', '12');
    expect(run.code, run.stderr).toBe(0);
    expect(raw.model.gruReset).toBe('after');
    const p = raw.params as Record<string, unknown[]>;
    expect(Object.keys(p).sort()).toEqual([
      'bias',
      'dense.bias',
      'dense.kernel',
      'initial_state',
      'kernel',
      'recurrent_kernel',
    ]);
    expect([shape(p.kernel), shape(p.recurrent_kernel), shape(p['dense.kernel']), shape(p.initial_state)]).toEqual([
      [I, 3 * H],
      [H, 3 * H],
      [H, I],
      [B, H],
    ]);
    expect(p.bias!.flat().length).toBe(2 * 3 * H);
  });

  it('verify and compare --impl-cmd pass as written, and a padded batch with the mask', async () => {
    s.grads('c.json', 'g.json');
    const verify = await s.verify('c.json', 'g.json');
    const compare = await s.compare(undefined, ...gru, '--seed', '13');
    expect((await s.exportCase('padded.json', ...gru, '--lengths', '6,3', '--seed', '14')).run.code).toBe(0);
    s.grads('padded.json', 'padded.grads.json');
    const padded = await s.verify('padded.json', 'padded.grads.json');
    for (const run of [verify, compare, padded]) {
      expect({ code: run.code, failing: run.failing }, run.stdout + run.stderr).toEqual({ code: 0, failing: [] });
      expect(run.stdout).toContain('keras');
    }
  });

  it('the backward of the reset before: exit 1 on the recurrent side, the dense layer passing, no convention', async () => {
    s.grads('c.json', 'reset-before.json', 'reset-before');
    const verify = await s.verify('c.json', 'reset-before.json');
    const compare = await s.compare('reset-before', ...gru, '--seed', '13');
    for (const run of [verify, compare]) {
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.failing.some((t) => t === 'W_h' || t === 'recurrent_kernel')).toBe(true);
      expect(run.failing.filter((t) => ['V', 'c', 'dense.kernel', 'dense.bias'].includes(t))).toEqual([]);
      expect(run.diagnosisLines.length, run.stdout).toBeGreaterThanOrEqual(1);
      expect(run.diagnosisLines.filter((l) => CONVENTION_FLAG.test(l))).toEqual([]); // a bug: no option would make it pass
    }
  });
});
