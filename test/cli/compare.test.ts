import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const require = createRequire(import.meta.url);
const tfjsVersion = (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
const toolVersion = (require('../../package.json') as { version: string }).version;

describe('bptt-check compare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-compare-'));

  it('passes the default case, prints the table and writes the three reports', async () => {
    const run = await cli(['compare', '--out', 'out'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS: every gradient agrees \(1 case, 12 comparisons\)/);
    expect(run.stdout).toMatch(/^W\s+16×16\s+hand vs tfjs-layers .* pass$/m);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([
      '.bptt-check-manifest.json',
      'heatmap-W.png',
      'report.html',
      'report.json',
      'report.md',
      'steps.csv',
      'steps.png',
      'summary.csv',
    ]);

    const report = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8'));
    expect(report).toMatchObject({
      schemaVersion: 1,
      pass: true,
      backend: 'cpu',
      tfjsVersion,
      handKernels: 'wasm-simd',
      tool: { name: 'bptt-check', version: toolVersion },
    });
    expect(report.cases[0].rows).toHaveLength(12); // (loss, U, W, V) × 3 pairs
    expect(report.cases[0].steps.rows).toHaveLength(10); // the per-step check runs by default
    expect(report.cases[0].heatmap).toMatchObject({ tensor: 'W', rows: 16, cols: 16, block: 1 });
    expect(report.cases[0].rows[0]).toMatchObject({ tensor: 'loss', a: 'hand', r: 'tfjs-layers', pass: true });

    const csv = readFileSync(join(dir, 'out/summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(
      /^case,cell,activation,bias,inputs,I,H,K,T,B,initialState,tensor,shape,a,r,maxAbsErr,maxRelErr,relErrNorm,cosine,worstIndex,worstA,worstR,failing,count,atol,rtol,pass,reason$/,
    );
    expect(csv).toHaveLength(13);

    const md = readFileSync(join(dir, 'out/report.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('# bptt-check compare: PASS');
    expect(md).toContain('bptt-check compare --out out');
    expect(md.indexOf('PASS')).toBeLessThan(md.indexOf('| tensor |'));
  });

  it('runs the hand side on the JavaScript kernels with BPTT_CHECK_KERNELS=js, and says so in the report', async () => {
    const run = await cli(['compare', '--json', '--out', 'js-kernels'], dir, { BPTT_CHECK_KERNELS: 'js' });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.pass).toBe(true);
    expect(report.handKernels).toMatch(/^js \(BPTT_CHECK_KERNELS=js/);
    expect(readFileSync(join(dir, 'js-kernels/report.md'), 'utf8')).toContain('hand side on js (BPTT_CHECK_KERNELS=js');
  });

  it('prints the report JSON with --json', async () => {
    const run = await cli(
      ['compare', '--json', '--activation', 'relu', '--bias', '--reference', 'ops', '--out', 'json'],
      dir,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.references).toEqual(['tfjs-ops']);
    expect(report.cases[0].config).toMatchObject({ activation: 'relu', bias: true });
    expect(report.cases[0].rows.map((r: { tensor: string }) => r.tensor)).toEqual(['loss', 'U', 'W', 'b', 'V', 'c']);
  });

  it('exits 1 and says FAIL when a tolerance is too tight for float32', async () => {
    const run = await cli(['compare', '--atol', '0', '--rtol', '0', '--out', 'tight'], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL: \d+ of 12 comparisons disagree/);
    expect(JSON.parse(readFileSync(join(dir, 'tight/report.json'), 'utf8')).pass).toBe(false);
  });

  it('reports an exploding case as failing rows with the reason, not a crash', async () => {
    // T = 600 overflows float64 too (at T = 200 the float64 loss, 1.3e136, is finite: finite differences check it alone)
    const run = await cli(
      ['compare', '--activation', 'linear', '--init-scale', '4', '--steps', '600', '--json', '--out', 'explode'],
      dir,
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const reasons = report.cases[0].rows
      .filter((r: { pass: boolean }) => !r.pass)
      .map((r: { reason?: string }) => r.reason);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.some((r: string) => /non-finite/.test(r))).toBe(true);
  });

  it('reads a case file, checks the initial-state gradient, and matches on a PyTorch fixture', async () => {
    const run = await cli(
      ['compare', '--case', fixturePath('rnn-linear-s0.case.json'), '--json', '--out', 'fixture'],
      dir,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.cases[0].id).toBe('rnn-linear-s0');
    expect(report.cases[0].rows.filter((r: { tensor: string }) => r.tensor === 'initialState')).toHaveLength(3);
  });

  it('runs on the wasm backend and records it', async () => {
    const run = await cli(['compare', '--backend', 'wasm', '--json', '--out', 'wasm'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).backend).toBe('wasm');
  });

  it('--reference fast runs the one reference path the bench measured faster on the backend (tfjs-ops on cpu and wasm)', async () => {
    for (const backend of ['cpu', 'wasm']) {
      const run = await cli(
        ['compare', '--reference', 'fast', '--backend', backend, '--json', '--out', `fast-${backend}`],
        dir,
      );
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.references).toEqual(['tfjs-ops']);
      expect(new Set(report.cases[0].rows.map((r: { r: string }) => r.r))).toEqual(new Set(['tfjs-ops']));
    }
  });

  it("draws the heatmap of a gated case over every gate's W_*, one above the other, agreeing with the table's worst errors", async () => {
    const run = await cli(['compare', '--cell', 'gru', '--hidden-size', '6', '--json', '--out', 'gated-heat'], dir);
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout).cases[0];
    expect(c.heatmap).toMatchObject({
      tensor: 'W_z; W_r; W_h',
      a: 'hand',
      r: 'tfjs-ops',
      rows: 18,
      cols: 6,
      block: 1,
    });
    const worst = Math.max(
      ...c.rows
        .filter((r: { tensor: string; r: string }) => r.tensor.startsWith('W_') && r.r === 'tfjs-ops')
        .map((r: { maxAbsErr: number }) => r.maxAbsErr),
    );
    expect(Math.max(...c.heatmap.values)).toBe(worst);
    expect(readFileSync(join(dir, 'gated-heat/heatmap-W.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('leaves no temporary files next to the reports', () => {
    for (const sub of ['out', 'json', 'tight', 'explode', 'fixture', 'wasm']) {
      if (existsSync(join(dir, sub)))
        expect(readdirSync(join(dir, sub)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    }
  });
});
