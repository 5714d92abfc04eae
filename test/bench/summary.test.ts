import { describe, expect, it } from 'vitest';
import { benchSummary } from '../../bench/summary.js';

describe('the end of a bench run', () => {
  const rows = [
    { name: 'hand BPTT', value: 1.2, unit: 'ms' },
    { name: 'sweep 2 workers / 1', value: 1.44, unit: '×', target: '≥ 1.7×', ok: false },
    { name: '  tensors left behind', value: 0, unit: '', target: '= 0, finite', ok: true },
    { name: 'hand BPTT, H=256', value: 20, unit: 'ms' },
    { name: '  GFLOP/s', value: 1.04, unit: 'GFLOP/s', target: '≥ 1.5', ok: false },
  ];

  it('exits 0 when a target is missed, and names the missed row with its value and target', () => {
    const s = benchSummary(rows);
    expect(s.exitCode).toBe(0);
    expect(s.lines).toEqual([
      '2 of 3 targets MISSED: sweep 2 workers / 1 (1.440 ×, target ≥ 1.7×); hand BPTT, H=256: GFLOP/s (1.040 GFLOP/s, target ≥ 1.5)',
    ]);
  });

  it('exits 0 and says so when every target is met', () => {
    expect(benchSummary(rows.filter((r) => r.ok !== false))).toEqual({
      lines: ['every target met (1 of 1)'],
      exitCode: 0,
    });
  });

  it('is what bench.ts ends with: it sets the exit code from the summary and from nothing else', async () => {
    const { readFileSync } = await import('node:fs');
    const src = readFileSync(new URL('../../bench/bench.ts', import.meta.url), 'utf8');
    expect(src.match(/process\.exitCode\s*=.*/g)).toEqual(['process.exitCode = summary.exitCode;']);
    expect(src).not.toMatch(/process\.exit\(/);
  });
});
