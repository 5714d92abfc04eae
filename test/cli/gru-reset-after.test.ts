/** `case --gru-reset after` and `compare` on such a case, through the real CLI; case files that misuse model.gruReset. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-gru-after-'));
const SIZES = ['--input-size', '3', '--hidden-size', '2', '--steps', '3', '--batch', '2'];

describe('bptt-check case --gru-reset after', () => {
  it('writes the model with gruReset after and b_Wh (H) after b_h', async () => {
    const run = await cli(
      ['case', '--cell', 'gru', '--gru-reset', 'after', '--bias', ...SIZES, '--out', 'after.json'],
      dir,
    );
    expect(run.code).toBe(0);
    const file = JSON.parse(readFileSync(join(dir, 'after.json'), 'utf8'));
    expect(file.model).toMatchObject({ cell: 'gru', gruReset: 'after', bias: true });
    expect(Object.keys(file.params)).toEqual([
      'U_z',
      'W_z',
      'b_z',
      'U_r',
      'W_r',
      'b_r',
      'U_h',
      'W_h',
      'b_h',
      'b_Wh',
      'V',
      'c',
    ]);
    expect(file.params.b_Wh).toHaveLength(2);
  });

  it('without biases there is no b_Wh; with the reset before the case is as it was', async () => {
    const noBias = await cli(['case', '--cell', 'gru', '--gru-reset', 'after', ...SIZES], dir);
    expect(noBias.code).toBe(0);
    expect(Object.keys(JSON.parse(noBias.stdout).params)).not.toContain('b_Wh');
    const before = await cli(['case', '--cell', 'gru', '--gru-reset', 'before', '--bias', ...SIZES], dir);
    const plain = await cli(['case', '--cell', 'gru', '--bias', ...SIZES], dir);
    expect(before.code).toBe(0);
    expect(before.stdout).toBe(plain.stdout);
  });

  it.each([
    [
      ['--cell', 'lstm', '--gru-reset', 'after'],
      /--gru-reset is after for cell lstm, expected it only with --cell gru/,
    ],
    [['--gru-reset', 'after'], /--gru-reset is after for cell rnn/],
    [['--cell', 'gru', '--gru-reset', 'sideways'], /--gru-reset is "sideways", expected one of before\|after/],
  ])('refuses %o: exit 2, one line naming the option', async (args, message) => {
    const run = await cli(['case', ...args], dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});

describe('bptt-check compare on a case with the reset after', () => {
  it('passes against tfjs-ops and says why tf.layers was skipped (exit 0)', async () => {
    const made = await cli(
      ['case', '--cell', 'gru', '--gru-reset', 'after', '--bias', ...SIZES, '--out', 'c.json'],
      dir,
    );
    expect(made.code).toBe(0);
    const run = await cli(['compare', '--case', 'c.json', '--out', 'cmp'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/b_Wh .*hand vs tfjs-ops.*pass/);
    expect(run.stdout).not.toContain('tfjs-layers vs');
    const reason = "tfjs-layers skipped: tf.layers' GRU has no reset after the recurrent product (resetAfter)";
    expect(run.stdout).toContain(reason);
    expect(readFileSync(join(dir, 'cmp/report.md'), 'utf8')).toContain(reason);
  });

  it('a case file with model.gruReset on an LSTM is refused, naming model.gruReset (exit 2)', async () => {
    const made = await cli(['case', '--cell', 'lstm', ...SIZES], dir);
    const file = JSON.parse(made.stdout);
    file.model.gruReset = 'after';
    writeFileSync(join(dir, 'lstm-reset.json'), JSON.stringify(file));
    const run = await cli(['compare', '--case', 'lstm-reset.json', '--out', 'bad'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/model\.gruReset.*"after".*no gruReset for cell lstm/);
  });
});
