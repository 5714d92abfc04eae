/**
 * The stress preset's exploding cases through the real command: where tfjs's float32 overflows, compare
 * passes correct code on float64 finite differences alone and says why; where nothing can stand in for
 * tfjs (a truncated gradient has no finite-difference oracle), the failing rows print "non-finite" and the
 * counts in every report, never an error of 0 and a cosine of 1.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const STRESS = [
  '--activation',
  'linear',
  '--input-size',
  '8',
  '--hidden-size',
  '32',
  '--steps',
  '200',
  '--init-scale',
  '1.5',
  '--seed',
  '1',
];

describe('bptt-check compare where tfjs overflows float32', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-overflow-'));

  it('passes the hand-written BPTT against finite differences it runs unasked, and the report says why', async () => {
    const run = await cli(['compare', ...STRESS, '--out', 'ok'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS: every gradient agrees \(1 case, 4 comparisons\)/);
    const note =
      /tfjs-layers and tfjs-ops overflow float32 \(loss 5\.24e\+44 > 3\.4e38\): checked against float64 finite differences alone; finite differences were not asked for, so they ran for this case \(every entry\)/;
    expect(run.stdout).toMatch(note);
    expect(readFileSync(join(dir, 'ok/report.md'), 'utf8')).toMatch(note);
    expect(readFileSync(join(dir, 'ok/report.html'), 'utf8').replaceAll('&gt;', '>')).toMatch(note);
    expect(JSON.parse(readFileSync(join(dir, 'ok/report.json'), 'utf8')).cases[0].notes[0]).toMatch(note);
  });

  it("passes the stress preset's overflowing cases in a sweep (exit 0), each with the note", async () => {
    // linear at init scale 1.5, T = 200, H = 32: the cases of --preset stress that failed, bias and input kind crossed
    const matrix = {
      schemaVersion: 1,
      generate: {
        activation: ['linear'],
        bias: [false, true],
        denseInputs: [false, true],
        inputSize: [8],
        hiddenSize: [32],
        steps: [200],
        initScale: [1.5],
        seeds: [1],
      },
    };
    writeFileSync(join(dir, 'stress.json'), JSON.stringify(matrix));
    const run = await cli(['sweep', '--matrix', 'stress.json', '--workers', '1', '--json', '--out', 'sweep'], dir);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.pass).toBe(true);
    expect(report.cases).toHaveLength(4);
    for (const c of report.cases)
      expect(c.notes[0]).toMatch(
        /^tfjs-layers and tfjs-ops overflow float32 \(loss [\d.]+e\+4\d > 3\.4e38\): checked against float64 finite differences alone/,
      );
  });

  it('prints "non-finite" and the counts for rows it cannot measure, in the console, Markdown, HTML, CSV, JSON and JUnit', async () => {
    const run = await cli(['compare', ...STRESS, '--truncate', '5', '--out', 'trunc', '--junit', 'trunc.xml'], dir);
    expect(run.code).toBe(1);
    // W: 32×32, every tfjs element NaN, the hand side finite
    const row =
      /^W\s+32×32\s+hand vs tfjs-ops\s+non-finite \(r: 1024\)\s+non-finite \(r: 1024\)\s+non-finite \(r: 1024\)\s+non-finite \(r: 1024\)\s/m;
    expect(run.stdout).toMatch(row);
    expect(run.stdout).not.toMatch(/1\.000000000/);
    expect(run.stdout).toMatch(/pairs: .*tfjs-ops gives NaN or ±Inf, float32 overflowing/);
    expect(run.stdout).not.toMatch(/float32 rounding|layout conversion/);
    const md = readFileSync(join(dir, 'trunc/report.md'), 'utf8');
    expect(md).toMatch(
      /\| W \| 32×32 \| hand vs tfjs-ops \| non-finite \(r: 1024\) \| non-finite \(r: 1024\) \| non-finite \(r: 1024\) \| non-finite \(r: 1024\) \|/,
    );
    expect(readFileSync(join(dir, 'trunc/report.html'), 'utf8')).toMatch(
      /<td>W<\/td><td>32×32<\/td><td>hand vs tfjs-ops<\/td><td>non-finite \(r: 1024\)<\/td>/,
    );
    const csv = readFileSync(join(dir, 'trunc/summary.csv'), 'utf8').split('\n');
    const header = csv[0]!.split(',');
    const w = csv.find((l) => l.includes(',W,32×32,hand,tfjs-ops,'))!.split(',');
    expect(w[header.indexOf('maxAbsErr')]).toBe('non-finite (r: 1024)');
    expect(w[header.indexOf('cosine')]).toBe('non-finite (r: 1024)');
    const json = JSON.parse(readFileSync(join(dir, 'trunc/report.json'), 'utf8'));
    const wj = json.cases[0].rows.find((r: { tensor: string }) => r.tensor === 'W');
    expect(wj).toMatchObject({
      maxAbsErr: null,
      maxRelErr: null,
      relErrNorm: null,
      cosine: null,
      nonFinite: { a: 0, r: 1024 },
      pass: false,
    });
    expect(json.cases[0].notes).toContain(
      'tfjs-ops overflows float32: a truncated gradient has no finite-difference oracle, so nothing can check this case',
    );
    const junit = readFileSync(join(dir, 'trunc.xml'), 'utf8');
    expect(junit).toMatch(/hand vs tfjs-ops: non-finite \(r: 1024\), 1024 of 1024 outside tolerance/);
    expect(junit).not.toMatch(/relErrNorm NaN|maxAbsErr NaN/);
    // a reference's NaN says nothing about which mistake was made: no pattern is claimed
    expect(junit).not.toMatch(/Diagnosis/);
    expect(json.cases[0].diagnosis).toBeUndefined();
  });
});
