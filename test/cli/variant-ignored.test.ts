/**
 * A subject told a variant that gives the gradient without it (issue 16: "a module that never clips fails
 * --clip-value") is told so by name, before any bug pattern, and is not localised (smaller cases would only
 * blur it). Through the real command, with a student's module that takes no options, and with PyTorch's
 * full-BPTT gradients file given to verify with --truncate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { findPython } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-told-'));
const ignoresAll = fileURLToPath(new URL('../modules/ignores-clip.mjs', import.meta.url));
const student = fileURLToPath(new URL('../modules/student-rnn.mjs', import.meta.url));

interface Diagnosis {
  tensor: string;
  pattern: string;
  detail: string;
}
const report = (stdout: string) =>
  JSON.parse(stdout).cases[0] as { diagnosis?: Diagnosis[]; localisation?: unknown; pass: boolean };

describe('a subject that ignores the variant it is told', () => {
  it.each([
    [['--clip-value', '0.05'], ['U', 'W', 'V'], 'not clipped', 'options.clipValue'],
    [['--clip-norm', '1'], ['U', 'W', 'V'], 'not clipped', 'options.clipNorm'],
    [['--truncate', '3'], ['U', 'W'], 'not truncated (full BPTT)', 'options.truncate'],
    [['--detach-every', '3'], ['U', 'W'], 'not detached (full BPTT)', 'options.detachEvery'],
    [['--truncate', '3', '--clip-norm', '1'], ['U', 'W', 'V'], 'neither truncated nor clipped', 'options.truncate'],
  ])(
    '%j: variant-ignored on exactly the tensors the variant changes, not localised',
    async (flags, tensors, what, told) => {
      const run = await cli(['compare', '--impl', ignoresAll, ...flags, '--json', '--out', join(dir, 'out')], dir);
      expect(run.code).toBe(1);
      const r = report(run.stdout);
      expect((r.diagnosis ?? []).map((d) => `${d.tensor} ${d.pattern}`)).toEqual(
        tensors.map((t) => `${t} variant-ignored`),
      );
      expect(r.diagnosis![0]!.detail).toContain(`equals the gradient ${what}`);
      expect(r.diagnosis![0]!.detail).toContain(told);
      expect(r.localisation).toBeUndefined();
    },
  );

  it('the same student code doing the variant passes, and its gradients without the options are named', async () => {
    // student-rnn.mjs clips when told: it passes --clip-norm; ignores-clip.mjs wraps it without the options
    const ok = await cli(['compare', '--impl', student, '--clip-norm', '1', '--out', join(dir, 'ok')], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toContain('variant-ignored');
  });

  it("PyTorch's full-BPTT gradients given to verify --truncate 2 are named as not truncated", async () => {
    const run = await cli(
      [
        'verify',
        '--case',
        fixturePath('rnn-linear-s0.case.json'),
        '--grads',
        fixturePath('rnn-linear-s0.grads.json'),
        '--truncate',
        '2',
        '--json',
        '--out',
        join(dir, 'verify'),
      ],
      dir,
    );
    expect(run.code).toBe(1);
    const patterns = new Set((report(run.stdout).diagnosis ?? []).map((d) => d.pattern));
    expect([...patterns]).toEqual(['variant-ignored']);
  });
});

describe('a failing tensor that no pattern fits', () => {
  it('is said so on the console too, not only in report.md', async () => {
    const perturbed = fileURLToPath(new URL('../modules/perturbed-w.mjs', import.meta.url)); // one entry of dW off
    const run = await cli(
      ['compare', '--impl', perturbed, '--hidden-size', '128', '--no-shrink', '--out', join(dir, 'none')],
      dir,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('\ndiagnosis: No known bug pattern fits the failing tensors.\n');
  });
});

describe('suite with a variant', () => {
  const numpy = fileURLToPath(new URL('../../examples/python/my_bptt.py', import.meta.url));
  const python = findPython();
  // the README's example module does full BPTT and reads no truncate option
  const ignoresTruncate = fileURLToPath(new URL('../../examples/my-bptt.mjs', import.meta.url));
  it.skipIf(!python)(
    "suite --truncate 4: the numpy example (WildML's bptt_truncate) passes every case",
    async () => {
      const good = await cli(
        ['suite', '--impl-cmd', `${python} ${numpy}`, '--truncate', '4', '--out', join(dir, 's1')],
        dir,
      );
      expect(good.code).toBe(0);
      expect(good.stdout).toContain('PASS: every gradient agrees (56 cases');
    },
    120_000,
  );

  it('suite --truncate 4: a module that ignores it fails, each failing case named variant-ignored', async () => {
    const bad = await cli(
      ['suite', '--impl', ignoresTruncate, '--cells', 'rnn', '--truncate', '4', '--json', '--out', join(dir, 's2')],
      dir,
    );
    expect(bad.code).toBe(1);
    const cases = JSON.parse(bad.stdout).cases as { pass: boolean; diagnosis?: Diagnosis[]; notRun?: unknown }[];
    const failed = cases.filter((c) => !c.pass);
    expect(failed.length).toBeGreaterThan(0);
    // every failing case is told why: the full gradient where the truncated one was asked for
    for (const c of failed)
      expect(new Set((c.diagnosis ?? []).map((d) => d.pattern))).toEqual(new Set(['variant-ignored']));
  }, 120_000);
});
