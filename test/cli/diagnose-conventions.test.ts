/**
 * The diagnosis names a convention before a bug, through the real command on a student's plain JavaScript
 * (test/modules/diag-correct.mjs, with one or two lines changed as code written in another convention has them):
 * a loss averaged over the batch, row-layout products (x U, s W, s V).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conventionsOf } from '../../src/model/conventions.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-diagnose-conventions-'));
const source = readFileSync(fileURLToPath(new URL('../modules/diag-correct.mjs', import.meta.url)), 'utf8');

/** The correct student module with lines replaced; throws if a line is not there (the module changed). */
function planted(name: string, edits: [string, string][]): string {
  let text = source;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`diag-correct.mjs has no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, text);
  return file;
}

// the loss and dL/dz averaged over the batch, as cs231n's temporal_softmax_loss does: L = (1/B) Σ_b Σ_t L_bt
const meanBatch = planted('mean-batch', [
  ['loss -= Math.log(ps[t][ys[t]]);', 'loss -= Math.log(ps[t][ys[t]]) / kase.targets.length;'],
  ['p - (k === ys[t] ? 1 : 0));', '(p - (k === ys[t] ? 1 : 0)) / kase.targets.length);'],
]);

// row layout: a_t = x_t U + s_{t−1} W + b, z_t = s_t V + c, so dU += x_t da_tᵀ, ds_{t−1} = W da_t, dh = V dz_t
const rowLayout = planted('row-layout', [
  ['const ux = matVec(U, xs[t]),', 'const ux = matTVec(U, xs[t]),'],
  ['wh = matVec(W, hs[t]);', 'wh = matTVec(W, hs[t]);'],
  ['const z = matVec(V, h)', 'const z = matTVec(V, h)'],
  ['addOuter(dV, dy, h);', 'addOuter(dV, h, dy);'],
  ['const dh = matTVec(V, dy)', 'const dh = matVec(V, dy)'],
  ['addOuter(dU, da, xs[t]);', 'addOuter(dU, xs[t], da);'],
  ['addOuter(dW, da, hs[t]);', 'addOuter(dW, hs[t], da);'],
  ['dhnext = matTVec(W, da);', 'dhnext = matVec(W, da);'],
]);

const base = ['compare', '--bias', '--steps', '6', '--seed', '3', '--reference', 'ops', '--no-steps-detail'];
const diagnosisLines = (stdout: string) => stdout.split('\n').filter((l) => l.includes('diagnosis: '));

describe('compare --impl on student code written in another convention', () => {
  it('a loss averaged over the batch, no --reduction: exit 1, --reduction mean-batch named before any bug pattern', async () => {
    const run = await cli([...base, '--batch', '3', '--impl', meanBatch, '--out', 'mean-batch'], dir);
    expect(run.code, run.stderr).toBe(1);
    const lines = diagnosisLines(run.stdout);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(
      /^diagnosis: U, W, b and 2 more: convention-reduction: .*mean over the batch \(÷ B = 3\).*--reduction mean-batch\? Not a bug/,
    );
    // said once for the case (every failing tensor, listed), and no bug pattern (scaled) is claimed
    expect(lines).toHaveLength(1);
    expect(run.stdout).not.toMatch(/\bscaled\b/);
    const md = readFileSync(join(dir, 'mean-batch', 'report.md'), 'utf8');
    expect(md).toMatch(/\*\*U, W, b and 2 more: convention-reduction\*\*/);
  });

  it('row-layout products with square matrices, no --layout: exit 1, --layout row named', async () => {
    const sizes = ['--input-size', '5', '--hidden-size', '5', '--output-size', '5', '--batch', '2'];
    const run = await cli([...base, ...sizes, '--json', '--impl', rowLayout, '--out', 'row'], dir);
    expect(run.code, run.stderr).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    const patterns = new Set(c.diagnosis.map((d: { pattern: string }) => d.pattern));
    expect([...patterns]).toEqual(['convention-layout']);
    expect(c.diagnosis[0].detail).toMatch(/\(U, W, V\) are the reference's in the row layout.*--layout row\?$/);
    expect(c.localisation).toBeUndefined(); // a convention is not localised
  });

  it('the correct module passes and names nothing', async () => {
    const run = await cli([...base, '--batch', '3', '--impl', planted('correct', []), '--out', 'ok'], dir);
    expect(run.code, run.stdout).toBe(0);
    expect(diagnosisLines(run.stdout)).toEqual([]);
  });
});

// --reduction reaches the subject and the references only once the lead wires the conventions into compare
// (and helper C's conventions.ts replaces its stubs): these run from the merge on
const wired = (() => {
  try {
    conventionsOf({ reduction: 'mean-batch' }, 'test');
    return true;
  } catch {
    return false;
  }
})();
describe.skipIf(!wired)('after the merge: --reduction declared', () => {
  it('the mean-batch module with --reduction mean-batch passes', async () => {
    const run = await cli(
      [...base, '--batch', '3', '--reduction', 'mean-batch', '--impl', meanBatch, '--out', 'declared'],
      dir,
    );
    expect(run.code, run.stdout).toBe(0);
  });
  it('the mean-batch module with --reduction mean names --reduction mean-batch', async () => {
    const run = await cli([...base, '--batch', '3', '--reduction', 'mean', '--impl', meanBatch, '--out', 'mean'], dir);
    expect(run.code, run.stderr).toBe(1);
    expect(diagnosisLines(run.stdout)[0]).toMatch(
      /convention-reduction: .*where mean is declared.*--reduction mean-batch/,
    );
  });
});
