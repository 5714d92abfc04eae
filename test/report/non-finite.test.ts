/** A NaN or ±Inf that report.json held as null (a merge reads its shards back) is shown as "non-finite", never as a guessed sign. */
import { describe, expect, it } from 'vitest';
import type { RowJson } from '../../src/report/json-types.js';
import { rowCells } from '../../src/report/table.js';

describe('a non-finite value read back from report.json', () => {
  it('is shown as non-finite in every cell of its row, not as -Inf', () => {
    // the JSON of a loss row of +Infinity vs 24756.957: JSON.stringify writes Infinity as null
    const row = JSON.parse(
      JSON.stringify({
        tensor: 'loss',
        shape: 'scalar',
        a: 'yours',
        r: 'tfjs-ops',
        scale: Infinity,
        maxAbsErr: Infinity,
        maxRelErr: Infinity,
        relErrNorm: NaN,
        cosine: NaN,
        worst: { index: [], a: Infinity, r: 24756.957, excess: Infinity },
        failing: 1,
        count: 1,
        pass: false,
      }),
    ) as RowJson;
    const cells = rowCells(row);
    expect(cells.join(' | ')).not.toMatch(/-Inf/);
    expect(cells[3]).toBe('non-finite'); // maxAbsErr
    expect(cells[7]).toMatch(/^non-finite vs 24756\.957/); // the worst element
  });
});
