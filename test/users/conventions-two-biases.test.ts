/**
 * Two biases are two tensors: each is checked against the references and the finite differences, as a new user
 * found they were not (a Keras GRU's recurrent bias of z and r, bias[1][:2H], went unchecked; a zero bias_hh passed
 * against fd alone). The gradients are those of the numpy examples in Keras's and PyTorch's styles (checked against
 * torch.nn and numpy finite differences in conventions-fd.test.ts), with one bias spoiled by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPython } from '../helpers/python.js';
import { session } from './conventions-cli.js';

const python = findPython();
const sizes = ['--input-size', '5', '--hidden-size', '4', '--batch', '2', '--steps', '5', '--seed', '3'];

/** The gradients file with `edit` applied to its gradients. */
function spoil(dir: string, from: string, to: string, edit: (g: Record<string, number[][]>) => void): void {
  const g = JSON.parse(readFileSync(join(dir, from), 'utf8'));
  edit(g.gradients);
  writeFileSync(join(dir, to), JSON.stringify(g));
}

describe.skipIf(!python)('both biases of two are checked', () => {
  const keras = session(python!, 'keras_gru.py', 'keras');

  it('a Keras GRU whose recurrent bias of z and r is spoiled fails on those twins, against tfjs and fd', async () => {
    const made = await keras.exportCase('k.json', '--cell', 'gru', '--bias', ...sizes);
    expect(made.run.code, made.run.stderr).toBe(0);
    keras.grads('k.json', 'gk.json');
    const right = await keras.verify('k.json', 'gk.json');
    expect(right.code, right.stdout).toBe(0);
    // Keras's 2×3H bias: row 1 is the recurrent one, z then r then h, H = 4 entries each
    spoil(keras.dir, 'gk.json', 'gk-bad.json', (g) => g.bias![1]!.fill(999, 0, 8));
    const bad = await keras.verify('k.json', 'gk-bad.json');
    expect(bad.code).toBe(1);
    expect(bad.failing).toEqual(['b_r~hh', 'b_z~hh']);
    expect(bad.rows.some((r) => r.tensor === 'b_z~hh' && r.r === 'fd' && !r.pass)).toBe(true);
  });

  it('a zero bias_hh_l0 is named zero-gradient, and fails against the finite differences alone too', async () => {
    const cs = session(python!, 'cs231n_lstm.py', 'pytorch'); // its dir and cli only: the case is PyTorch's fixture
    const fixture = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'frameworks', 'pytorch-lstm-mean.json'), 'utf8'),
    );
    fixture.gradients.bias_hh_l0 = fixture.gradients.bias_hh_l0.map(() => 0);
    writeFileSync(join(cs.dir, 'zero-bhh.json'), JSON.stringify(fixture));
    const all = await cs.verify('zero-bhh.json', 'zero-bhh.json');
    expect(all.code).toBe(1);
    expect(all.failing).toEqual(['b_f~hh', 'b_g~hh', 'b_i~hh', 'b_o~hh']);
    expect(all.diagnosis.map((d) => `${d.tensor}:${d.pattern}`).sort()).toEqual([
      'b_f~hh:zero-gradient',
      'b_g~hh:zero-gradient',
      'b_i~hh:zero-gradient',
      'b_o~hh:zero-gradient',
    ]);
    expect(all.stdout).toMatch(/in your names: .*b_i~hh = bias_hh_l0 entries 0–3/);
    const fd = await cs.verify('zero-bhh.json', 'zero-bhh.json', '--reference', 'fd');
    expect(fd.code).toBe(1);
    expect(fd.failing).toEqual(['b_f~hh', 'b_g~hh', 'b_i~hh', 'b_o~hh']);
  });
});
