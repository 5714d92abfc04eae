/**
 * `bptt-check case --conventions X` through the real CLI: the case written in the user's names and layouts (each
 * tensor checked against the same recipe's case in ours, placed by a conversion written plainly here), read back
 * by the tool as that case; bad conventions refused with exit 2, one line and nothing written.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCase } from '../../src/model/io.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-case-conv-'));
type Json = Record<string, any>;
const SIZES = ['--input-size', '3', '--hidden-size', '2', '--output-size', '4', '--steps', '3', '--batch', '2'];
const transpose = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));

async function caseJson(args: string[], out: string): Promise<Json> {
  const run = await cli(['case', ...SIZES, '--bias', '--initial-state', '--seed', '5', ...args, '--out', out], dir);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(readFileSync(join(dir, out), 'utf8')) as Json;
}

describe('case --conventions', () => {
  it("pytorch: an LSTM in torch.nn's state_dict names, gates i,f,g,o stacked by rows, two biases summing to ours", async () => {
    const ours = await caseJson(['--cell', 'lstm', '--recurrent-activation', 'sigmoid'], 'ours.json');
    const torch = await caseJson(['--cell', 'lstm', '--conventions', 'pytorch'], 'torch.json');
    expect(torch.conventions).toBe('pytorch');
    expect(torch.model).toEqual({ ...ours.model });
    expect(Object.keys(torch.params)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'linear.weight',
      'linear.bias',
      'h0',
    ]);
    const o = ours.params;
    const p = torch.params;
    expect(p.weight_ih_l0).toEqual([...o.U_i, ...o.U_f, ...o.U_g, ...o.U_o]);
    expect(p.weight_hh_l0).toEqual([...o.W_i, ...o.W_f, ...o.W_g, ...o.W_o]);
    const b = [...o.b_i, ...o.b_f, ...o.b_g, ...o.b_o];
    b.forEach((x: number, j: number) => expect(p.bias_ih_l0[j] + p.bias_hh_l0[j]).toBe(x));
    expect(p.bias_hh_l0.every((x: number) => x !== 0)).toBe(true);
    expect(p['linear.weight']).toEqual(o.V);
    expect(p['linear.bias']).toEqual(o.c);
    expect(p.h0).toEqual(ours.initialState);
    expect([torch.inputs, torch.targets]).toEqual([ours.inputs, ours.targets]);
    // and the tool reads it back as the case, the loss a mean
    const back = loadCase(join(dir, 'torch.json'));
    const same = loadCase(join(dir, 'ours.json'));
    for (const [n, m] of Object.entries(same.params)) expect(back.params[n]!.data, n).toEqual(m.data);
    expect(back.reduction).toBe('mean');
  });

  it('cs231n: row layout (Wx I×4H), gates i,f,o,g; a changed setting is declared', async () => {
    const ours = await caseJson(['--cell', 'lstm', '--recurrent-activation', 'sigmoid'], 'ours2.json');
    const cs = await caseJson(['--cell', 'lstm', '--conventions', 'cs231n', '--reduction', 'sum'], 'cs.json');
    expect(cs.conventions).toEqual({ preset: 'cs231n', reduction: 'sum' });
    const o = ours.params;
    expect(cs.params.Wx).toEqual(transpose([...o.U_i, ...o.U_f, ...o.U_o, ...o.U_g]));
    expect(cs.params.Wh).toEqual(transpose([...o.W_i, ...o.W_f, ...o.W_o, ...o.W_g]));
    expect(cs.params.b).toEqual([...o.b_i, ...o.b_f, ...o.b_o, ...o.b_g]);
    expect(cs.params.W_vocab).toEqual(transpose(o.V));
    expect(cs.params.h0).toEqual(ours.initialState);
  });

  it('keras: a GRU with the reset after, its 2×3H bias [input; recurrent], b_Wh drawn', async () => {
    const k = await caseJson(['--cell', 'gru', '--conventions', 'keras'], 'keras.json');
    expect(k.model).toMatchObject({ cell: 'gru', gruReset: 'after', recurrentActivation: 'sigmoid' });
    expect(k.params.kernel).toHaveLength(3); // I × 3H
    expect(k.params.kernel[0]).toHaveLength(6);
    expect(k.params.bias).toHaveLength(2);
    const c = loadCase(join(dir, 'keras.json'));
    // the recurrent row's h block is b_Wh itself, drawn (nonzero); its input row's is b_h
    expect(Array.from(c.params.b_Wh!.data)).toEqual(k.params.bias[1].slice(4, 6));
    expect(Array.from(c.params.b_h!.data)).toEqual(k.params.bias[0].slice(4, 6));
    expect(c.params.b_Wh!.data.every((x) => x !== 0)).toBe(true);
  });

  it.each([
    [
      ['--conventions', 'nope'],
      '--conventions is "nope", expected one of ours|pytorch|keras|tfjs|cs231n|wildml|min-char-rnn',
    ],
    [
      ['--cell', 'lstm', '--gate-order', 'i,f,f,o'],
      `--gate-order is "i,f,f,o", expected a permutation of the LSTM's gates i, f, g, o`,
    ],
    [['--layout', 'diagonal'], '--layout is "diagonal", expected one of math|row'],
    [
      ['--cell', 'gru', '--conventions', 'min-char-rnn'],
      '--conventions is "min-char-rnn" for cell gru, expected cell rnn (min-char-rnn has no gates)',
    ],
  ])('refuses %j: exit 2, one line, nothing written', async (args, message) => {
    const run = await cli(['case', ...args, '--out', 'bad.json'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`bptt-check: ${message}\n`);
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
  });
});
