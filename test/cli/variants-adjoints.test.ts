/**
 * The subject's adjoints through the real command (issue 16, item 4): student modules that return ∂L/∂s_t (and
 * the LSTM's ∂L/∂c_t), correct or wrong from a given step, and a gradients file carrying them. The modules'
 * adjoints are held to finite differences of their own forward pass in test/check/adjoints.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-adjoints-'));
const mod = (name: string) => fileURLToPath(new URL(`../modules/${name}`, import.meta.url));

interface Row {
  tensor: string;
  a: string;
  r: string;
  pass: boolean;
}
interface Compare {
  pass: boolean;
}
interface Adjoints {
  entry: number | null;
  failing: number[];
  pass: boolean;
  rows: { step: number; s: Compare; c?: Compare; pass: boolean }[];
}
const caseOf = (stdout: string) =>
  JSON.parse(stdout).cases[0] as { pass: boolean; rows: Row[]; adjoints?: Adjoints; notes?: string[] };

describe('compare --impl with a module that returns its adjoints', () => {
  const rnn = ['compare', '--batch', '2', '--steps', '8', '--bias', '--initial-state', '--reference', 'ops', '--json'];
  it('correct adjoints pass, with a passing adjoints.s row, adjoints.csv and the chart', async () => {
    const run = await cli([...rnn, '--impl', mod('adjoint-rnn.mjs'), '--out', 'rnn-good'], dir);
    expect(run.code, run.stderr).toBe(0);
    const c = caseOf(run.stdout);
    expect(c.adjoints).toMatchObject({ entry: null, failing: [], pass: true });
    expect(c.adjoints!.rows).toHaveLength(8);
    expect(c.rows.filter((r) => r.tensor.startsWith('adjoints.')).map((r) => [r.tensor, r.r, r.pass])).toEqual([
      ['adjoints.s', 'tfjs-ops', true],
    ]);
    const csv = readFileSync(join(dir, 'rnn-good', 'adjoints.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe(
      'case,step,s_subject,s_reference,s_relErrNorm,s_pass,c_subject,c_reference,c_relErrNorm,c_pass,pass',
    );
    expect(csv.filter((l) => l.trim()).length).toBe(9);
    expect(existsSync(join(dir, 'rnn-good', 'adjoints.png'))).toBe(true);
    expect(readFileSync(join(dir, 'rnn-good', 'report.html'), 'utf8')).toContain('id="chart-adjoints"');
  });

  it('a module that forgets Wᵀ da_{t+1} at step 5 fails, the error entering at step 5', async () => {
    const run = await cli([...rnn, '--impl', mod('adjoint-rnn.mjs'), '--out', 'rnn-bad'], dir, { BPTT_FORGET_AT: '5' });
    expect(run.code, run.stderr).toBe(1);
    const c = caseOf(run.stdout);
    expect(c.pass).toBe(false);
    expect(c.adjoints).toMatchObject({ entry: 5, failing: [5, 4, 3, 2, 1, 0], pass: false });
    expect(c.rows.find((r) => r.tensor === 'adjoints.s')!.pass).toBe(false);
    const md = readFileSync(join(dir, 'rnn-bad', 'report.md'), 'utf8');
    expect(md).toContain(
      '**The ∂L/∂s_t of yours agree for t = 7…6, wrong from t = 5 down (∂L/∂s_t at t = 5): the error enters at step 5.**',
    );
  });

  it('the console says it in one line', async () => {
    const run = await cli(
      [...rnn.filter((a) => a !== '--json'), '--impl', mod('adjoint-rnn.mjs'), '--out', 'rnn-bad-text'],
      dir,
      { BPTT_FORGET_AT: '2' },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'adjoints of yours (∂L/∂s_t, against tfjs-ops): agree for t = 7…3, wrong from t = 2 down (∂L/∂s_t at t = 2): the error enters at step 2 (adjoints.csv)',
    );
  });

  const lstm = ['compare', '--cell', 'lstm', '--batch', '2', '--steps', '7', '--bias', '--reference', 'ops', '--json'];
  it('an LSTM module: ∂L/∂s_t and ∂L/∂c_t pass', async () => {
    const run = await cli([...lstm, '--impl', mod('adjoint-lstm.mjs'), '--out', 'lstm-good'], dir);
    expect(run.code, run.stderr).toBe(0);
    const c = caseOf(run.stdout);
    expect(c.adjoints).toMatchObject({ entry: null, pass: true });
    expect(c.adjoints!.rows.every((r) => r.c?.pass === true)).toBe(true);
    expect(c.rows.filter((r) => r.tensor.startsWith('adjoints.')).map((r) => r.tensor)).toEqual([
      'adjoints.s',
      'adjoints.c',
    ]);
  });

  it('an LSTM module that forgets dc_next at step 4: ∂L/∂c_4 is the first wrong adjoint, ∂L/∂s_4 still right', async () => {
    const run = await cli([...lstm, '--impl', mod('adjoint-lstm.mjs'), '--out', 'lstm-bad'], dir, {
      BPTT_FORGET_DC_AT: '4',
    });
    expect(run.code, run.stderr).toBe(1);
    const a = caseOf(run.stdout).adjoints!;
    expect(a.entry).toBe(4);
    expect(a.rows[4]!.c!.pass).toBe(false);
    expect(a.rows[4]!.s.pass).toBe(true); // h_4 is read before c_4's mistake reaches anything
    expect(a.rows[3]!.s.pass).toBe(false);
    expect(a.rows.slice(5).every((r) => r.pass)).toBe(true);
  });

  it('with --truncate the adjoints are not checked, and a note says so', async () => {
    const run = await cli([...rnn, '--impl', mod('adjoint-rnn.mjs'), '--truncate', '3', '--out', 'rnn-trunc'], dir);
    const c = caseOf(run.stdout);
    expect(c.adjoints).toBeUndefined();
    expect(c.notes).toContain(
      'adjoints of yours not checked: a truncated or detached gradient is not the derivative of L, so it has no ∂L/∂s_t to compare',
    );
  });
});

describe('verify --grads with adjoints in the file', () => {
  const name = 'rnn-sigmoid-bias-batch'; // B 3, T 6, H 5
  const fileWith = async (f: (s: number[][][]) => unknown, out: string) => {
    const { gradients } = (await import(mod('adjoint-rnn.mjs'))) as {
      gradients(k: unknown): { loss: number; gradients: unknown; adjoints: { s: number[][][] } };
    };
    const answer = gradients(JSON.parse(readFileSync(fixturePath(`${name}.case.json`), 'utf8')));
    const path = join(dir, `${out}.grads.json`);
    writeFileSync(path, JSON.stringify({ schemaVersion: 1, ...answer, adjoints: f(answer.adjoints.s) }));
    return path;
  };
  const verify = (grads: string, out: string) =>
    cli(
      [
        'verify',
        '--case',
        fixturePath(`${name}.case.json`),
        '--grads',
        grads,
        '--reference',
        'ops',
        '--json',
        '--out',
        out,
      ],
      dir,
    );

  it('a bare B×T×H array passes; the same adjoints wrong from step 3 fail there', async () => {
    const good = await verify(await fileWith((s) => s, 'good'), 'v-good');
    expect(good.code, good.stderr).toBe(0);
    expect(caseOf(good.stdout).adjoints).toMatchObject({ entry: null, pass: true });
    const bad = await verify(
      await fileWith((s) => ({ s: s.map((row) => row.map((v, t) => (t <= 3 ? v.map((x) => -x) : v))) }), 'bad'),
      'v-bad',
    );
    expect(bad.code, bad.stderr).toBe(1);
    expect(caseOf(bad.stdout).adjoints).toMatchObject({ entry: 3, failing: [3, 2, 1, 0] });
  });

  it('T×B×H adjoints exit 2 with one line saying it is the transpose', async () => {
    const run = await verify(
      await fileWith((s) => ({ s: s[0]!.map((_, t) => s.map((row) => row[t]!)) }), 'transposed'),
      'never',
    );
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /adjoints\.s is 6×3×5, expected B×T×H = 3×6×5 \(that is T×B×H: the transpose of the first two axes\)/,
    );
  });
});
