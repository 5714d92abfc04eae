/**
 * `vanishing --cells rnn,lstm,gru` (36 series, T = 40) with `--seeds 5` beside `--seeds 1`, whole processes
 * through the real command: each seed draws the case again and every series is measured on it, so the time
 * grows about 5×. A run that does not pass is said on a line; the rows stand as measured.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './summary.js';

export function vanishingRows(add: (r: BenchRow) => void, bin: string): void {
  const out = mkdtempSync(join(tmpdir(), 'bptt-bench-vanishing-'));
  try {
    for (const seeds of [1, 5]) {
      const args = ['vanishing', '--cells', 'rnn,lstm,gru', '--seeds', String(seeds), '--out', join(out, `s${seeds}`)];
      const t0 = performance.now();
      const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      const s = (performance.now() - t0) / 1000;
      add({
        name: `vanishing --cells rnn,lstm,gru --seeds ${seeds} (36 series, T=40), own process`,
        value: s,
        unit: 's',
      });
      if (run.status !== 0)
        console.log(`  (exit ${run.status}: ${(run.stderr || run.stdout).trim().split('\n').at(-1) ?? ''})`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
