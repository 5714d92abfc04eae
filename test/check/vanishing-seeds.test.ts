import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { analyseVanishing } from '../../src/vanishing/analyse.js';
import { compareLags } from '../../src/vanishing/lags.js';
import { checkBounds } from '../../src/vanishing/fit.js';
import {
  combineAdjointChecks,
  combineBoundChecks,
  median,
  summarise,
  type Sample,
} from '../../src/vanishing/samples.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { useBackend } from '../../reference/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('a series over every batch row: the median, least and largest sample', () => {
  it('H = 1, linear, B = 2: each row is ‖∂L_{T−1}/∂s_k‖ = s^lag·|∂L_{T−1}/∂s_{T−1}|, the median their mean', async () => {
    const T = 12;
    const s = 0.8; // W (1×1) rescaled to spectral norm s: w = ±s
    const c = generateCase({
      ...GENERATE_DEFAULTS,
      activation: 'linear',
      hiddenSize: 1,
      inputSize: 3,
      steps: T,
      batch: 2,
      seed: 5,
    });
    const v = await analyseVanishing(c, {
      activations: ['linear'],
      wNorms: [s],
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    // by hand: s_t = U[0, x_t] + w·s_{t−1} from s_{−1} = 0; z = V s_{T−1} (no bias); L_{T−1} = −log softmax(z)[y_{T−1}]
    // (sum over rows), so ∂L_{T−1}/∂s_{T−1} = Σ_j V_j (ŷ_j − [j = y_{T−1}]) for each row, and with H = 1 linear
    // ∂s_{T−1}/∂s_k = w^lag: ‖∂L_{T−1}/∂s_k‖ = s^lag · |∂L_{T−1}/∂s_{T−1}|, lag = T−1−k
    const w = Math.sign(c.params.W!.data[0]!) * s;
    const K = c.params.V!.rows;
    const g = [0, 1].map((b) => {
      let st = 0;
      for (let t = 0; t < T; t++) st = c.params.U!.data[c.tokens![b * T + t]!]! + w * st;
      const z = Array.from({ length: K }, (_, j) => c.params.V!.data[j]! * st);
      const m = Math.max(...z);
      const e = z.map((x) => Math.exp(x - m));
      const sum = e.reduce((a, x) => a + x, 0);
      const y = c.targets[b * T + T - 1]!;
      return Math.abs(e.reduce((a, x, j) => a + c.params.V!.data[j]! * (x / sum - (j === y ? 1 : 0)), 0));
    });
    expect(Math.abs(g[0]! - g[1]!) / Math.max(...g)).toBeGreaterThan(1e-3); // two rows that differ
    const x = v.series[0]!;
    expect(v.batch).toBe(2);
    expect(v.seeds).toEqual([1]);
    expect(x.samples).toBe(2);
    for (let k = 0; k < T; k++) {
      const lag = T - 1 - k;
      const rows = g.map((gb) => s ** lag * gb);
      expect(x.dLlast_ds[k]! / ((rows[0]! + rows[1]!) / 2)).toBeCloseTo(1, 9); // an even count: the mean of the middle two
      expect(x.dLlast_dsRange.min[k]! / Math.min(...rows)).toBeCloseTo(1, 9);
      expect(x.dLlast_dsRange.max[k]! / Math.max(...rows)).toBeCloseTo(1, 9);
      for (const j of [x.jacobianNorm[k]!, x.jacobianRange.min[k]!, x.jacobianRange.max[k]!])
        expect(j / s ** lag).toBeCloseTo(1, 9);
    }
    // the decay fitted on the median line: s per step, on every lag
    expect(x.decay!).toBeCloseTo(s, 9);
    expect(x.fit).toEqual({ fromLag: 0, toLag: T - 1, points: T });
    // every row sits on its own bound |∂L_{T−1}/∂s_{T−1}|·s^lag; the bound drawn (the median's) is below the larger
    // row, so the bound check passes only because it is made per sample, each with its own ∂L_{T−1}/∂s_{T−1}
    expect(x.adjointBound[0]! / (((g[0]! + g[1]!) / 2) * s ** (T - 1))).toBeCloseTo(1, 9);
    expect(x.dLlast_dsRange.max[0]!).toBeGreaterThan(x.adjointBound[0]! * 1.001);
    expect(x.boundCheck.pass).toBe(true);
    expect(x.adjointCheck).toMatchObject({ pass: true, comparedLags: 2 * T }); // both rows against tf.grad
    expect(v.pass).toBe(true);
  });

  it('over seeds, a sample overflowed at a lag is left out of its median, and the series overflows at the smallest lag', async () => {
    const draw = (seed: number) =>
      generateCase({ ...GENERATE_DEFAULTS, activation: 'linear', steps: 400, hiddenSize: 8, seed });
    const o = { activations: ['linear' as const], wNorms: [20], clipNorm: 1, tolerance: DEFAULT_TOLERANCE };
    const one = await Promise.all(
      [3, 4].map(async (seed) => (await analyseVanishing(draw(seed), { ...o, seed })).series[0]!),
    );
    const both = (
      await analyseVanishing(
        [3, 4].map((seed) => ({ seed, case: draw(seed) })),
        o,
      )
    ).series[0]!;
    expect(one.every((x) => x.overflowAtLag !== null)).toBe(true);
    expect(both.overflowAtLag).toBe(Math.min(...one.map((x) => x.overflowAtLag!)));
    for (let k = 0; k < 400; k++) {
      const xs = one.map((x) => x.dLlast_ds[k]).filter((x): x is number => x !== null);
      expect(both.dLlast_ds[k]).toBe(xs.length === 2 ? (xs[0]! + xs[1]!) / 2 : (xs[0] ?? null));
    }
    expect(both.clip.overflow).toBe(true);
    expect(both.exploding).toBe(true);
  });

  it('a gated cell over two batch rows: every row’s ∂s_{T−1}/∂s_{T−1} = I, and both rows checked against tf.grad', async () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, steps: 8, batch: 2, seed: 2 });
    const v = await analyseVanishing(c, {
      activations: ['tanh'],
      wNorms: [1],
      cells: ['gru'],
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    const x = v.series[0]!;
    expect(x.samples).toBe(2);
    expect(x.jacobianRange.min[7]).toBeCloseTo(1, 12);
    expect(x.jacobianRange.max[7]).toBeCloseTo(1, 12);
    expect(x.dLlast_dsRange.min[0]!).toBeLessThan(x.dLlast_dsRange.max[0]!); // two rows that differ
    expect(x.adjointCheck).toMatchObject({ pass: true, comparedLags: 16 });
  });

  it('the median of an odd count is its middle value, of an even count the mean of the middle two; nulls are left out', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(
      summarise([
        [1, null, 5],
        [3, null, null],
        [2, 7, 1],
      ]),
    ).toEqual({
      median: [2, 7, 3],
      min: [1, 7, 1],
      max: [3, 7, 5],
    });
    expect(summarise([[null], [null]])).toEqual({ median: [null], min: [null], max: [null] });
  });
});

describe('the checks over every sample', () => {
  const H = 2;
  const tol = DEFAULT_TOLERANCE;
  const hand = Float64Array.from([0.1, 0.2, 0.3, 0.4]); // T = 2
  const norms = [Math.hypot(0.1, 0.2), Math.hypot(0.3, 0.4)];
  const sample = (seed: number, row: number, ref: number[], jac: number[] = [0.5, 1]): Sample => {
    const { check, status } = compareLags(hand, Float64Array.from(ref), norms, H, 1, tol);
    const bound = [0.6, 1];
    const adjointBound = bound.map((b) => b * norms[1]!);
    return {
      seed,
      row,
      dLlast_ds: norms,
      jacobianNorm: jac,
      overflowAtLag: null,
      adjointCheck: check,
      lagStatus: status,
      boundCheck: checkBounds(norms, jac, bound, adjointBound),
    };
  };
  const good = (seed: number, row: number) => sample(seed, row, [0.1, 0.2, 0.3, 0.4]);

  it('passes when every sample agrees with tf.grad, counting the lags of all of them', () => {
    const { check, status } = combineAdjointChecks([good(1, 0), good(1, 1), good(2, 0), good(2, 1)]);
    expect(check).toMatchObject({ pass: true, comparedLags: 8, failure: null, firstFailingLag: null });
    expect(status).toEqual(['compared', 'compared']);
  });

  it('fails when one seed’s row disagrees, naming that seed and row', () => {
    const bad = sample(2, 1, [0.1, 0.25, 0.3, 0.4]); // lag 1 (k = 0) off by 0.05
    const { check } = combineAdjointChecks([good(1, 0), good(1, 1), good(2, 0), bad]);
    expect(check.pass).toBe(false);
    expect(check.firstFailingLag).toBe(1);
    expect(check.failure).toMatch(/^seed 2, batch row 1: 1 of 2 elements beyond atol·S \+ rtol·\|r\| .* at lag 1/);
    expect(check.comparedLags).toBe(8);
  });

  it('a bound violated in one sample fails the series, naming its seed and row', () => {
    const over = sample(3, 0, [0.1, 0.2, 0.3, 0.4], [0.7, 1]); // ‖J‖ = 0.7 > bound 0.6 at lag 1
    expect(combineBoundChecks([good(1, 0), good(2, 0)])).toEqual({
      pass: true,
      firstViolationLag: null,
      failure: null,
    });
    const b = combineBoundChecks([good(1, 0), good(2, 0), over]);
    expect(b).toMatchObject({ pass: false, firstViolationLag: 1 });
    expect(b.failure).toMatch(
      /^seed 3, batch row 0: ‖∂s_{T−1}\/∂s_k‖ = 0\.7000 > \(σ_max\(W\)·γ\)\^lag = 0\.6000 at lag 1/,
    );
  });
});
