/** The "how much longer" answer's median over settings follows the seeds' rule: an even count is the mean of the two middle ratios. */
import { describe, expect, it } from 'vitest';
import type { Series } from '../../src/vanishing/analyse.js';
import { howMuchLonger } from '../../src/report/vanishing-answers.js';

/** A series with what the answer reads: its cell, activation, W scale and the lag at which it fell to 1e-6 (measured). */
const series = (cell: Series['cell'], wNorm: number, lagTo1e6: number) =>
  ({
    cell,
    activation: 'tanh',
    wNorm,
    wSource: 'rescaled',
    exploding: false,
    lagTo1e6,
    decay: 0.5,
    fit: { fromLag: 0, toLag: 39, points: 40 },
  }) as unknown as Series;

describe('how much longer gradients survive in gated cells', () => {
  it('is the median of the per-setting ratios, the mean of the two middle ones for an even count', () => {
    // RNN 10 steps at every scale; LSTM 10, 20, 30, 40 → ratios 1, 2, 3, 4: median (2 + 3)/2 = 2.5, not the upper middle 3
    const s = [1, 2, 3, 4].flatMap((w) => [series('rnn', w, 10), series('lstm', w, 10 * w)]);
    expect(howMuchLonger(s, 40)).toContain('LSTM 2.50× as long as the RNN (median over the 4 settings');
  });
  it('is the middle ratio for an odd count', () => {
    const s = [1, 2, 3].flatMap((w) => [series('rnn', w, 10), series('lstm', w, 10 * w)]);
    expect(howMuchLonger(s, 40)).toContain('LSTM 2.00× as long as the RNN (median over the 3 settings');
  });
});
