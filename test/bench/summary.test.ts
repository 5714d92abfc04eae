import { describe, expect, it } from 'vitest';
import { benchSummary } from '../../bench/summary.js';

describe('the end of a bench run', () => {
  const rows = [
    { name: 'hand BPTT', value: 1.2, unit: 'ms' },
    { name: 'sweep 2 workers / 1', value: 1.44, unit: '×', target: '≥ 1.7×', ok: false },
    { name: '  tensors left behind', value: 0, unit: '', target: '= 0, finite', ok: true },
  ];

  it('exits 0 when a target is missed, and names the missed row with its value and target', () => {
    const s = benchSummary(rows);
    expect(s.exitCode).toBe(0);
    expect(s.lines).toEqual(['1 of 2 targets MISSED: sweep 2 workers / 1 (1.440 ×, target ≥ 1.7×)']);
  });

  it('exits 0 and says so when every target is met', () => {
    expect(benchSummary(rows.filter((r) => r.ok !== false))).toEqual({ lines: ['every target met (1 of 1)'], exitCode: 0 });
  });

  it('is what bench.ts ends with: it sets the exit code from the summary and from nothing else', async () => {
    const { readFileSync } = await import('node:fs');
    const src = readFileSync(new URL('../../bench/bench.ts', import.meta.url), 'utf8');
    expect(src.match(/process\.exitCode\s*=.*/g)).toEqual(['process.exitCode = summary.exitCode;']);
    expect(src).not.toMatch(/process\.exit\(/);
  });
});
