/**
 * The WildML tutorial's numpy RNN with bptt_truncate (test/modules/wildml_rnn.py, written as a student adapts
 * it) verified from its gradients file: `--truncate 4` is its `bptt_truncate = 4` (issue 16: "cannot be verified
 * at all" before). The script is first held to PyTorch's truncate-2 gradients (independent values). Its full-BPTT
 * file may carry its adjoints; written time-major (T×B×H) they are refused with one line naming the transpose.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixtureGrads, fixturePath, relErr } from '../helpers/fixtures.js';
import { findPython } from '../helpers/python.js';

const SCRIPT = fileURLToPath(new URL('../modules/wildml_rnn.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-wildml-'));
const python = findPython();
if (!python) console.warn('test/cli/variants-numpy.test.ts skipped: no python3 that can import numpy');

const numpy = (kase: string, out: string, ...flags: string[]) => {
  execFileSync(python!, [SCRIPT, kase, join(dir, out), ...flags], { cwd: dir });
  return join(dir, out);
};
interface Row {
  tensor: string;
  a: string;
  r: string;
  pass: boolean;
}
const failing = (stdout: string) =>
  (JSON.parse(stdout).cases[0].rows as Row[]).filter((r) => !r.pass).map((r) => `${r.tensor} ${r.a} vs ${r.r}`);

describe.skipIf(!python)('a WildML numpy RNN with bptt_truncate, through verify', () => {
  it('agrees with PyTorch on truncate 2', () => {
    const out = numpy(fixturePath('rnn-linear-s0.case.json'), 'torch-check.json', '--truncate', '2');
    const mine = JSON.parse(readFileSync(out, 'utf8')) as { gradients: Record<string, number[] | number[][]> };
    for (const [name, value] of Object.entries(fixtureGrads('rnn-linear-s0.truncate2.grads.json').gradients))
      expect(relErr(mine.gradients[name]!.flat(), value.flat()), name).toBeLessThan(1e-12);
  });

  it('bptt_truncate = 4 passes verify --truncate 4, fails without it and fails --truncate 3', async () => {
    const made = await cli(
      ['case', '--steps', '12', '--batch', '2', '--bias', '--initial-state', '--out', join(dir, 'c.case.json')],
      dir,
    );
    expect(made.code, made.stderr).toBe(0);
    const grads = numpy(join(dir, 'c.case.json'), 'k4.grads.json', '--truncate', '4');
    const verify = (extra: string[], out: string) =>
      cli(['verify', '--case', join(dir, 'c.case.json'), '--grads', grads, ...extra, '--json', '--out', out], dir);
    const [good, full, k3] = await Promise.all([
      verify(['--truncate', '4'], 'k4'),
      verify([], 'full'),
      verify(['--truncate', '3'], 'k3'),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(full.code, full.stderr).toBe(1);
    expect(failing(full.stdout)).toContain('W yours vs fd');
    expect(k3.code, k3.stderr).toBe(1);
    expect(failing(k3.stdout)).toContain('W yours vs tfjs-ops');
  });

  it('its full-BPTT adjoints pass; written T×B×H they exit 2 naming the transpose', async () => {
    const kase = fixturePath('rnn-relu-dense.case.json'); // B 2, T 8, H 4
    const [good, bad] = await Promise.all([
      cli(['verify', '--case', kase, '--grads', numpy(kase, 'adj.json', '--adjoints'), '--json', '--out', 'adj'], dir),
      cli(
        ['verify', '--case', kase, '--grads', numpy(kase, 'tm.json', '--adjoints', '--time-major'), '--out', 'never'],
        dir,
      ),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).cases[0].adjoints).toMatchObject({ entry: null, pass: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(
      /adjoints\.s is 8×2×4, expected B×T×H = 2×8×4 \(that is T×B×H: the transpose of the first two axes\)/,
    );
  });
});
