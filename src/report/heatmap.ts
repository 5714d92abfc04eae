/** The compare heatmap as report.json holds it: at most 64×64 cells, larger W shown in blocks. */
import type { WDifference } from '../check/heatmap.js';
import type { HeatmapJson } from './json-types.js';

/**
 * |a − r| in cells of `block`×`block` entries (block 1: every entry). Cell (p, q) covers the entries
 * [p·block, (p+1)·block) × [q·block, (q+1)·block) of the stacked W (size: its shape), values[p·cols + q] is
 * the largest |a − r| there and at[p·cols + q] the entry [i, j] that holds it.
 */
export function heatmapBlocks(d: WDifference): HeatmapJson {
  const block = Math.ceil(Math.max(d.rows, d.cols) / 64);
  const rows = Math.ceil(d.rows / block);
  const cols = Math.ceil(d.cols / block);
  const values = new Array<number>(rows * cols).fill(-1);
  const at = new Array<[number, number]>(rows * cols);
  for (let i = 0; i < d.rows; i++)
    for (let j = 0; j < d.cols; j++) {
      const k = Math.floor(i / block) * cols + Math.floor(j / block); // the cell (⌊i/block⌋, ⌊j/block⌋)
      const e = d.diff[i * d.cols + j]!;
      if (e > values[k]! || Number.isNaN(e)) [values[k], at[k]] = [e, [i, j]];
    }
  return { tensor: d.tensor, a: d.a, r: d.r, rows, cols, block, values, size: [d.rows, d.cols], at };
}
