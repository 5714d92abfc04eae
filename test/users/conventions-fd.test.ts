/**
 * The numpy examples in other codebases' styles (examples/python/conventions/: cs231n's rnn_layers, Karpathy's
 * min-char-rnn, Keras's GRU) against central finite differences of their own losses, in numpy, float64, on
 * tiny cases built in those codebases' names and shapes (test/users/conventions_fd.py): the independent check
 * that the examples the end-to-end tests run are right, and that each one's `--bug` really is wrong.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPython } from '../helpers/python.js';

const SCRIPT = fileURLToPath(new URL('./conventions_fd.py', import.meta.url));
const python = findPython();
if (!python) console.warn('test/users/conventions-fd.test.ts skipped: no python3 that can import numpy');

/** variant -> tensor -> max |analytic − fd| / (1e-8 + 1e-5 |fd|): at most 1 is agreement */
const errors = (): Record<string, Record<string, number>> =>
  JSON.parse(execFileSync(python!, [SCRIPT], { encoding: 'utf8' })) as Record<string, Record<string, number>>;

describe.skipIf(!python)('the numpy examples in other codebases’ styles, against finite differences', () => {
  const all = python ? errors() : {};
  const tensors = (variant: string) => Object.keys(all[variant] ?? {}).sort();

  it.each([
    ['cs231n-rnn', ['W_vocab', 'Wh', 'Wx', 'b', 'b_vocab', 'h0']],
    ['cs231n-rnn-dense', ['W_vocab', 'Wh', 'Wx', 'b', 'b_vocab', 'h0']],
    ['cs231n-lstm', ['W_vocab', 'Wh', 'Wx', 'b', 'b_vocab', 'h0']],
    ['cs231n-lstm-dense', ['W_vocab', 'Wh', 'Wx', 'b', 'b_vocab', 'h0']],
    ['min-char-rnn', ['Whh', 'Why', 'Wxh', 'bh', 'by', 'hprev']],
    ['keras-gru', ['bias', 'dense.bias', 'dense.kernel', 'initial_state', 'kernel', 'recurrent_kernel']],
    ['keras-gru-dense', ['bias', 'dense.bias', 'dense.kernel', 'initial_state', 'kernel', 'recurrent_kernel']],
  ])('%s: every tensor within atol 1e-8, rtol 1e-5 of the differences', (variant, names) => {
    expect(tensors(variant)).toEqual(names);
    for (const [name, e] of Object.entries(all[variant]!)) expect(e, `${variant} ${name}`).toBeLessThanOrEqual(1);
  });

  it('cs231n forget-N: every gradient is off (N = 3 times the mean’s), the loss still divided', () => {
    for (const cell of ['rnn', 'lstm'])
      for (const [name, e] of Object.entries(all[`cs231n-${cell}-bug-forget-N`]!))
        expect(e, `${cell} ${name}`).toBeGreaterThan(1000);
  });

  it('min-char-rnn without `dbh += dhraw`: bh alone is wrong', () => {
    const e = all['min-char-rnn-bug-no-dbh']!;
    expect(e.bh).toBeGreaterThan(1000);
    for (const name of ['Wxh', 'Whh', 'Why', 'by', 'hprev']) expect(e[name], name).toBeLessThanOrEqual(1);
  });

  it('keras with the backward of the reset before: the recurrent side is wrong, the dense layer right', () => {
    const e = all['keras-gru-bug-reset-before']!;
    for (const name of ['recurrent_kernel', 'bias', 'kernel', 'initial_state'])
      expect(e[name], name).toBeGreaterThan(1000);
    for (const name of ['dense.kernel', 'dense.bias']) expect(e[name], name).toBeLessThanOrEqual(1);
  });
});
