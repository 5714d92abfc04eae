/**
 * The numpy examples in other codebases' styles (examples/python/conventions/: cs231n's rnn_layers, Karpathy's
 * min-char-rnn, Keras's GRU) against central finite differences of their own losses, in numpy, float64, on
 * tiny cases built in those codebases' names and shapes (test/users/conventions_fd.py): the independent check
 * that the examples the end-to-end tests run are right, and that each one's `--bug` really is wrong; and against
 * real torch.nn gradients (test/fixtures/frameworks/, rewritten by hand in each style: test/users/conventions_torch.py),
 * which also checks the forward each one computes: its gate order, layout, reset and loss reduction.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPython } from '../helpers/python.js';

const SCRIPT = fileURLToPath(new URL('./conventions_fd.py', import.meta.url));
const TORCH = fileURLToPath(new URL('./conventions_torch.py', import.meta.url));
const python = findPython();
if (!python) console.warn('test/users/conventions-fd.test.ts skipped: no python3 that can import numpy');

/** variant -> tensor -> max |analytic − fd| / (1e-8 + 1e-5 |fd|): at most 1 is agreement */
const errors = (script = SCRIPT): Record<string, Record<string, number>> =>
  JSON.parse(execFileSync(python!, [script], { encoding: 'utf8' })) as Record<string, Record<string, number>>;

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

describe.skipIf(!python)('the numpy examples in other codebases’ styles, against torch.nn’s float64 gradients', () => {
  const all = python ? errors(TORCH) : {};
  const torch = ['bias_hh_l0', 'bias_ih_l0', 'linear.bias', 'linear.weight', 'weight_hh_l0', 'weight_ih_l0'];

  it.each([
    ['cs231n-rnn', [...torch, 'h0', 'loss'].sort()],
    ['cs231n-lstm-masked', [...torch, 'loss'].sort()],
    ['min-char-rnn', [...torch, 'h0', 'loss'].sort()],
    ['keras-gru', [...torch, 'h0', 'loss'].sort()],
  ])(
    '%s: the loss and every tensor within 1e-12 of PyTorch’s (relative to the tensor’s largest entry)',
    (check, names) => {
      expect(Object.keys(all[check] ?? {}).sort()).toEqual(names);
      for (const [name, e] of Object.entries(all[check]!)) expect(e, `${check} ${name}`).toBeLessThan(1e-12);
    },
  );
});

describe.skipIf(!python)(
  'each example serves the subject protocol and writes a gradients file, the same answer',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'bptt-conv-serve-'));
    const model = { activation: 'tanh', recurrentActivation: 'sigmoid', bias: true, inputSize: 2, hiddenSize: 2 };
    const m = (rows: number, cols: number, k: number) =>
      Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(k + 3 * i + j) / 2));
    const cases: [string, Record<string, unknown>][] = [
      [
        'min_char_rnn.py',
        {
          model: { ...model, cell: 'rnn', outputSize: 2 },
          params: {
            Wxh: m(2, 2, 1),
            Whh: m(2, 2, 2),
            Why: m(2, 2, 3),
            bh: m(2, 1, 4),
            by: m(2, 1, 5),
            hprev: m(2, 1, 6),
          },
          inputs: [[0, 1, 1]],
          targets: [[1, null, 0]],
        },
      ],
      [
        'cs231n_lstm.py',
        {
          model: { ...model, cell: 'lstm', outputSize: 2 },
          params: {
            Wx: m(2, 8, 1),
            Wh: m(2, 8, 2),
            b: m(1, 8, 3)[0],
            W_vocab: m(2, 2, 4),
            b_vocab: [0.1, -0.2],
            h0: m(2, 2, 5),
          },
          inputs: [
            [0, 1],
            [1, 1],
          ],
          targets: [
            [1, null],
            [0, 1],
          ],
        },
      ],
      [
        'keras_gru.py',
        {
          model: { ...model, cell: 'gru', outputSize: 2, gruReset: 'after' },
          params: {
            kernel: m(2, 6, 1),
            recurrent_kernel: m(2, 6, 2),
            bias: m(2, 6, 3),
            'dense.kernel': m(2, 2, 4),
            'dense.bias': [0.1, -0.2],
            initial_state: m(2, 2, 5),
          },
          inputs: [
            [0, 1],
            [1, 1],
          ],
          targets: [
            [1, null],
            [0, 1],
          ],
        },
      ],
    ];
    it.each(cases)('%s: one request line answered with its id, equal to `script case.json`', (script, raw) => {
      const path = fileURLToPath(new URL(`../../examples/python/conventions/${script}`, import.meta.url));
      const kase = { schemaVersion: 1, id: 'x', ...raw };
      writeFileSync(join(dir, 'c.json'), JSON.stringify(kase));
      const file = JSON.parse(execFileSync(python!, [path, 'c.json'], { cwd: dir, encoding: 'utf8' }));
      const input = JSON.stringify({ id: 7, case: kase, options: {} }) + '\n';
      const lines = execFileSync(python!, [path], { cwd: dir, input, encoding: 'utf8' }).trim().split('\n');
      expect(lines).toHaveLength(1);
      const answer = JSON.parse(lines[0]!);
      expect(answer.id).toBe(7);
      expect(answer.gradients).toEqual(file.gradients);
      expect(Object.keys(answer.gradients).sort()).toEqual(Object.keys(raw.params as object).sort());
      expect(answer.loss).toBeGreaterThan(0);
    });
  },
);
