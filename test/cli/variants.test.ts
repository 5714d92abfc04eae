/**
 * Every variant for every subject (issue 16, item 3): user code is told the truncation, detaching and
 * clipping and must do them itself; the references compute them; the subject's output is never modified.
 * Through the real command, with user code written as a student would (test/modules/wildml-rnn.mjs, whose
 * truncation matches PyTorch's rnn-linear-s0.truncate2 and detach2 fixtures: checked here first) and with
 * PyTorch's gradients files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixtureGrads, fixturePath, relErr } from '../helpers/fixtures.js';
import { readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'bptt-variants-'));
const mod = (name: string) => fileURLToPath(new URL(`../modules/${name}`, import.meta.url));

interface Row {
  tensor: string;
  a: string;
  r: string;
  pass: boolean;
}
const failing = (stdout: string) =>
  (JSON.parse(stdout).cases[0].rows as Row[]).filter((r) => !r.pass).map((r) => `${r.tensor} ${r.a} vs ${r.r}`);

type Options = Record<string, number>;
type Student = (kase: unknown, options?: Options) => { loss: number; gradients: Record<string, number[] | number[][]> };

describe('the student module does the variants the way PyTorch does (independent values)', () => {
  it.each([
    ['rnn-linear-s0.truncate2.grads.json', { truncate: 2 }],
    ['rnn-linear-s0.detach2.grads.json', { detachEvery: 2 }],
    ['rnn-linear-s0.grads.json', {}],
  ])('%s', async (file, options: Options) => {
    const { gradients } = (await import(mod('wildml-rnn.mjs'))) as { gradients: Student };
    const kase = JSON.parse(readFileSync(fixturePath('rnn-linear-s0.case.json'), 'utf8')) as unknown;
    const mine = gradients(kase, options).gradients;
    const torch = fixtureGrads(file).gradients;
    for (const [name, value] of Object.entries(torch))
      expect(relErr(mine[name]!.flat(), value.flat()), name).toBeLessThan(1e-12);
  });
});

describe('compare --impl: the module is told the variant and does it itself', () => {
  const base = ['compare', '--bias', '--initial-state', '--steps', '8', '--reference', 'ops', '--json'];
  it('a WildML-style module passes --truncate 4; one that ignores truncate fails it, on the recurrent tensors', async () => {
    const [good, bad] = await Promise.all([
      cli([...base, '--impl', mod('wildml-rnn.mjs'), '--truncate', '4', '--out', 'trunc-good'], dir),
      cli([...base, '--impl', mod('ignores-truncate.mjs'), '--truncate', '4', '--out', 'trunc-bad'], dir),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(failing(good.stdout)).toEqual([]);
    expect(bad.code, bad.stderr).toBe(1);
    // V and c do not depend on the recurrence; U, W, b and the initial state's gradient do
    expect(failing(bad.stdout).sort()).toEqual(
      ['U yours vs tfjs-ops', 'W yours vs tfjs-ops', 'b yours vs tfjs-ops', 'initialState yours vs tfjs-ops'].sort(),
    );
  });

  it('--detach-every 3 likewise', async () => {
    const [good, bad] = await Promise.all([
      cli([...base, '--impl', mod('wildml-rnn.mjs'), '--detach-every', '3', '--out', 'detach-good'], dir),
      cli([...base, '--impl', mod('ignores-truncate.mjs'), '--detach-every', '3', '--out', 'detach-bad'], dir),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(bad.code, bad.stderr).toBe(1);
    expect(failing(bad.stdout)).toContain('W yours vs tfjs-ops');
  });

  it('a module that never clips fails --clip-value; one that clips passes', async () => {
    const [good, bad] = await Promise.all([
      cli([...base, '--impl', mod('wildml-rnn.mjs'), '--clip-value', '0.05', '--out', 'clip-good'], dir),
      cli([...base, '--impl', mod('ignores-clip.mjs'), '--clip-value', '0.05', '--out', 'clip-bad'], dir),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(bad.code, bad.stderr).toBe(1);
    expect(failing(bad.stdout).length).toBeGreaterThan(0);
    expect(failing(bad.stdout).every((r) => r.endsWith('yours vs tfjs-ops'))).toBe(true);
  });
});

describe('verify --truncate / --detach-every: PyTorch gradients files of the variant', () => {
  const verify = (grads: string, extra: string[], out: string) =>
    cli(
      [
        'verify',
        '--case',
        fixturePath('rnn-linear-s0.case.json'),
        '--grads',
        fixturePath(grads),
        ...extra,
        '--json',
        '--out',
        out,
      ],
      dir,
    );

  it('the truncate-2 file passes --truncate 2 and fails without it', async () => {
    const [good, bad] = await Promise.all([
      verify('rnn-linear-s0.truncate2.grads.json', ['--truncate', '2'], 'v-trunc-good'),
      verify('rnn-linear-s0.truncate2.grads.json', [], 'v-trunc-bad'),
    ]);
    expect(good.code, good.stderr).toBe(0);
    const report = JSON.parse(good.stdout).cases[0];
    // finite differences cannot check a truncated gradient: left out of --reference all, not failed
    expect((report.rows as Row[]).some((r) => r.r.startsWith('fd'))).toBe(false);
    expect((report.rows as Row[]).some((r) => r.r === 'tfjs-ops' && r.tensor === 'W')).toBe(true);
    expect(bad.code, bad.stderr).toBe(1);
    expect(failing(bad.stdout)).toContain('W yours vs fd');
  });

  it('the detach-2 file passes --detach-every 2 and fails --truncate 2', async () => {
    const [good, bad] = await Promise.all([
      verify('rnn-linear-s0.detach2.grads.json', ['--detach-every', '2'], 'v-detach-good'),
      verify('rnn-linear-s0.detach2.grads.json', ['--truncate', '2'], 'v-detach-bad'),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(bad.code, bad.stderr).toBe(1);
    expect(failing(bad.stdout)).toContain('W yours vs tfjs-ops');
  });

  it('--reference fd with --truncate exits 2 naming both', async () => {
    const run = await verify('rnn-linear-s0.truncate2.grads.json', ['--truncate', '2', '--reference', 'fd'], 'never');
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--reference is fd with --truncate, expected --reference ops or all/);
  });
});

describe('a float32 gradients file keeps the --dtype rule (issue 16, item 6)', () => {
  const name = 'rnn-sigmoid-bias-batch';
  const float32File = async () => {
    const { gradients } = (await import(mod('wildml-rnn.mjs'))) as { gradients: Student };
    const g = gradients(JSON.parse(readFileSync(fixturePath(`${name}.case.json`), 'utf8')) as unknown);
    const f32 = (v: number | number[]): number | number[] =>
      Array.isArray(v) ? v.map((x) => Math.fround(x)) : Math.fround(v);
    const grads = Object.fromEntries(
      Object.entries(g.gradients).map(([k, v]) => [k, (v as (number | number[])[]).map(f32)]),
    );
    const path = join(dir, 'float32.grads.json');
    writeFileSync(path, JSON.stringify({ schemaVersion: 1, loss: Math.fround(g.loss), gradients: grads }));
    return path;
  };
  const verify = (grads: string, extra: string[], out: string) =>
    cli(
      ['verify', '--case', fixturePath(`${name}.case.json`), '--grads', grads, ...extra, '--json', '--out', out],
      dir,
    );

  it('detected as float32, held to the float32 tolerances against fd; with --dtype float64, to the float64 ones', async () => {
    const file = await float32File();
    const [detected, as64] = await Promise.all([
      verify(file, [], 'f32-detected'),
      verify(file, ['--dtype', 'float64'], 'f32-as-64'),
    ]);
    expect(detected.code, detected.stderr).toBe(0);
    const c = JSON.parse(detected.stdout).cases[0];
    expect(c.dtype).toEqual({ dtype: 'float32', source: 'detected' });
    expect(c.fd.tolerance).toEqual({ atol: 1e-4, rtol: 1e-3 }); // the tfjs pairs' (float32) tolerances
    expect((c.rows as Row[]).some((r) => r.r === 'fd' && r.tensor === 'W' && r.pass)).toBe(true);
    const c64 = JSON.parse(as64.stdout).cases[0];
    expect(c64.dtype).toEqual({ dtype: 'float64', source: 'given' });
    expect(c64.fd.tolerance).toEqual({ atol: 1e-8, rtol: 1e-6 }); // FLOAT64_TOLERANCE
  });
});
