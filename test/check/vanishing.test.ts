import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { forward, gatedForward, jacobianNorms } from '../../src/bptt/index.js';
import { spectralNorm } from '../../src/bptt/spectral.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { analyseVanishing, checkVanishingOptions, type Series } from '../../src/vanishing/analyse.js';
import { vanishingAnswers, wouldSigmoidHelp } from '../../src/report/vanishing-answers.js';
import { compareLags, FLOAT32_CEILING } from '../../src/vanishing/lags.js';
import { vanishingCharts } from '../../src/report/vanishing-charts.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { fromNested } from '../../src/model/matrix.js';
import { useBackend } from '../../reference/index.js';
import { fixtureCase, fixturePath, relErr, RNN_FIXTURES } from '../helpers/fixtures.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('the spectral norm and the Jacobian product', () => {
  it('gives σ_max of matrices whose singular values are known', () => {
    expect(
      spectralNorm(
        fromNested([
          [3, 0],
          [0, -5],
        ]),
      ),
    ).toBeCloseTo(5, 12);
    expect(
      spectralNorm(
        fromNested([
          [1, 1],
          [0, 1],
        ]),
      ),
    ).toBeCloseTo((1 + Math.sqrt(5)) / 2, 10); // golden ratio
    expect(spectralNorm(fromNested([[2, 0, 0]]))).toBeCloseTo(2, 12);
  });

  it('gives σ_max of exploded and vanished matrices, whose squared entries overflow or underflow', () => {
    expect(
      spectralNorm(
        fromNested([
          [3e200, 0],
          [0, -5e200],
        ]),
      ) / 5e200,
    ).toBeCloseTo(1, 12);
    expect(
      spectralNorm(
        fromNested([
          [3e-200, 0],
          [0, -5e-200],
        ]),
      ) / 5e-200,
    ).toBeCloseTo(1, 12);
  });

  it.each(RNN_FIXTURES)('‖∂s_{T−1}/∂s_k‖₂ matches PyTorch (exact SVD) on %s', (name) => {
    const c = fixtureCase(name);
    const { jacobianNorm } = JSON.parse(readFileSync(fixturePath(`${name}.adjoints.json`), 'utf8')) as {
      jacobianNorm: number[];
    };
    expect(relErr(jacobianNorms(c, forward(c)), jacobianNorm)).toBeLessThan(1e-9);
  });

  it.each(['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-sigmoid-bias-s0', 'gru-hardsigmoid-dense'])(
    'the gated ‖∂s_{T−1}/∂s_k‖₂ (through s_k alone, one backward pass per row) matches PyTorch on %s',
    (name) => {
      const c = fixtureCase(name);
      const { jacobianNorm } = JSON.parse(readFileSync(fixturePath(`${name}.adjoints.json`), 'utf8')) as {
        jacobianNorm: number[];
      };
      expect(relErr(jacobianNorms(c, gatedForward(c)), jacobianNorm)).toBeLessThan(1e-9);
    },
  );
});

describe('the vanishing analysis', () => {
  const c = generateCase({ ...GENERATE_DEFAULTS, steps: 25, seed: 8 });
  const opts = {
    activations: ['tanh', 'sigmoid', 'relu'] as const,
    wNorms: [0.5, 3],
    clipNorm: 1,
    tolerance: DEFAULT_TOLERANCE,
  };

  it('measures every series, checks the adjoints against tf.grad, and the bound holds at every lag', async () => {
    const v = await analyseVanishing(c, { ...opts, activations: [...opts.activations] });
    expect(v.series.map((s) => `${s.activation}@${s.wNorm}`)).toEqual([
      'tanh@0.5',
      'tanh@3',
      'sigmoid@0.5',
      'sigmoid@3',
      'relu@0.5',
      'relu@3',
    ]);
    expect(v.pass).toBe(true);
    for (const s of v.series) {
      expect(s.dLlast_ds).toHaveLength(25);
      expect(s.adjointCheck.comparedLags).toBeGreaterThan(0);
      s.jacobianNorm.forEach((j, k) => expect(j!).toBeLessThanOrEqual(s.bound[k]! * (1 + 1e-9)));
      // bound[k] = (σ_max(W)·γ)^{T−1−k} with σ_max(W) = the requested scale
      const gamma = s.activation === 'sigmoid' ? 0.25 : 1;
      expect(s.bound[0]).toBeCloseTo((s.wNorm * gamma) ** 24, 6);
      expect(s.jacobianNorm[24]).toBe(1);
      // ∂L_{T−1}/∂s_k = J_kᵀ ∂L_{T−1}/∂s_{T−1}, so ‖∂L_{T−1}/∂s_k‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag
      const g0 = s.dLlast_ds[24]!;
      s.dLlast_ds.forEach((y, k) => {
        const bound = g0 * (s.wNorm * gamma) ** (24 - k);
        expect(s.adjointBound[k]! / bound).toBeCloseTo(1, 9);
        expect(y!).toBeLessThanOrEqual(bound * (1 + 1e-9));
      });
    }
    const at = (a: string, w: number) => v.series.find((s) => s.activation === a && s.wNorm === w)!;
    // small W: everything vanishes, sigmoid fastest (σ′ ≤ 1/4)
    expect(at('sigmoid', 0.5).decay!).toBeLessThan(at('tanh', 0.5).decay!);
    expect(at('tanh', 0.5).decay!).toBeLessThan(1);
    expect(at('sigmoid', 0.5).lagTo1e6).not.toBeNull();
    // relu at ‖W‖₂ = 3 explodes; clipping brings the gradient norm back to the bound
    expect(at('relu', 3).exploding).toBe(true);
    expect(at('relu', 3).clip.after).toBeCloseTo(1, 12);
    expect(at('relu', 3).clip.before).toBeGreaterThan(1);
    expect(vanishingAnswers(v).answer).toMatch(/^Would sigmoid help\? No\. /);
  });

  it('draws a series that overflows up to the overflow and marks it exploding, without crashing', async () => {
    const long = generateCase({ ...GENERATE_DEFAULTS, activation: 'linear', steps: 400, hiddenSize: 8, seed: 3 });
    const v = await analyseVanishing(long, {
      activations: ['linear'],
      wNorms: [20],
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    const s = v.series[0]!;
    expect(s.exploding).toBe(true);
    expect(s.overflowAtLag).not.toBeNull();
    const cut = 399 - s.overflowAtLag!; // k of the first value past the overflow
    expect(s.dLlast_ds.slice(0, cut + 1).every((x) => x === null)).toBe(true);
    expect(s.dLlast_ds.slice(cut + 1).every((x) => x !== null && Number.isFinite(x))).toBe(true);
    // the full gradient's norm overflows float64: no "Inf → 0", and no clipped gradient, which would be undefined
    expect(s.clip).toEqual({ norm: 1, before: null, after: null, overflow: true });
    expect(s.adjointCheck.skipped.float64Overflow).toBe(
      400 - s.adjointCheck.comparedLags - s.adjointCheck.skipped.underflow - s.adjointCheck.skipped.float32Overflow,
    );
    expect(s.adjointCheck.pass).toBe(true);
  });

  it('draws on each chart the bound of what it shows: ‖∂L_{T−1}/∂s_{T−1}‖·(σγ)^lag for the adjoints, (σγ)^lag for the Jacobian', async () => {
    const v = await analyseVanishing(c, {
      activations: ['tanh', 'sigmoid', 'relu'],
      wNorms: [0.5, 3],
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    const [adjoints, jacobian] = vanishingCharts(v);
    type Point = { lag: number; value: number; series: string; quantity: string };
    const points = (chart: typeof adjoints) => (chart!.spec.data as { values: Point[] }).values;
    for (const [chart, factor, name] of [
      [adjoints, (s: Series) => s.dLlast_ds[24]!, 'bound ‖∂L_{T−1}/∂s_{T−1}‖·(σ_max(W)·γ)^lag'],
      [jacobian, () => 1, 'bound (σ_max(W)·γ)^lag'],
    ] as const) {
      const bounds = points(chart).filter((p) => p.quantity !== 'measured');
      expect(new Set(bounds.map((p) => p.quantity))).toEqual(new Set([name]));
      expect(bounds).toHaveLength(6 * 25);
      for (const s of v.series) {
        const gamma = s.activation === 'sigmoid' ? 0.25 : 1;
        const mine = bounds.filter(
          (p) => p.series === `${s.activation}, ‖W‖₂ = ${s.wNorm}${s.exploding ? ' (exploding)' : ''}`,
        );
        expect(mine).toHaveLength(25);
        for (const p of mine) expect(p.value / (factor(s) * (s.wNorm * gamma) ** p.lag)).toBeCloseTo(1, 9);
        // and the measured line sits on or below its bound at every lag
        for (const m of points(chart).filter((q) => q.quantity === 'measured' && q.series === mine[0]!.series))
          expect(m.value).toBeLessThanOrEqual(mine.find((p) => p.lag === m.lag)!.value * (1 + 1e-9));
      }
    }
  });

  it('leaves out, and counts, the lags where tf.grad overflows float32 in an exploding relu RNN, and does not fail it', async () => {
    const long = generateCase({ ...GENERATE_DEFAULTS, steps: 100, seed: 1 });
    const v = await analyseVanishing(long, {
      activations: ['relu', 'linear'],
      wNorms: [4],
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    const [relu, linear] = v.series;
    expect(v.pass).toBe(true);
    // relu: ‖∂L/∂s_k‖ reaches ~1e25, float32 holds it, every lag compared
    expect(relu!.adjointCheck).toMatchObject({
      pass: true,
      comparedLags: 100,
      failure: null,
      skipped: { underflow: 0, float32Overflow: 0, float64Overflow: 0 },
    });
    // linear: 2.5 per step, the states pass 3.4e38 in float32, tf.grad is NaN everywhere; float64 holds them all
    expect(linear!.adjointCheck).toMatchObject({
      pass: true,
      comparedLags: 0,
      failure: null,
      skipped: { underflow: 0, float32Overflow: 100, float64Overflow: 0 },
    });
    expect(linear!.adjointCheck.maxAbs).toBeGreaterThan(3.4028234663852886e38);
    expect(linear!.lagStatus.every((x) => x === 'float32-overflow')).toBe(true);
    expect(linear!.dLlast_ds.every((x) => x !== null && Number.isFinite(x))).toBe(true);
    expect(linear!.clip.before).toBeGreaterThan(1e40);
  });

  it('answers from the data, whichever way the data goes', () => {
    const mk = (activation: 'tanh' | 'sigmoid', decay: number) =>
      ({ activation, wNorm: 1, decay, lagTo1e6: null }) as unknown as Series;
    expect(wouldSigmoidHelp([mk('tanh', 0.5), mk('sigmoid', 0.1)], 10)).toMatch(/^Would sigmoid help\? No\./);
    expect(wouldSigmoidHelp([mk('tanh', 0.1), mk('sigmoid', 0.5)], 10)).toMatch(/^Would sigmoid help\? Yes\./);
    expect(wouldSigmoidHelp([mk('tanh', 0.5)], 10)).toMatch(/Run with both tanh and sigmoid/);
  });

  it('sets LSTM and GRU beside the RNN: their adjoints agree with tf.grad, and the LSTM carries the gradient further', async () => {
    const base = generateCase({ ...GENERATE_DEFAULTS, steps: 30, seed: 8 });
    const v = await analyseVanishing(base, {
      activations: ['tanh', 'sigmoid'],
      wNorms: [1],
      cells: ['rnn', 'lstm', 'gru'],
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    expect(v.series.map((s) => `${s.cell}:${s.activation}`)).toEqual([
      'rnn:tanh',
      'rnn:sigmoid',
      'lstm:tanh',
      'lstm:sigmoid',
      'gru:tanh',
      'gru:sigmoid',
    ]);
    expect(v.pass).toBe(true);
    const at = (cell: string, a: string) => v.series.find((s) => s.cell === cell && s.activation === a)!;
    for (const s of v.series.filter((x) => x.cell !== 'rnn')) {
      expect(s.adjointCheck.comparedLags).toBe(30); // every lag checked against tf.grad through the gated ops
      expect(s.bound.every((b) => b === null)).toBe(true);
      expect(s.jacobianNorm[29]).toBeCloseTo(1, 12); // ∂s_{T−1}/∂s_{T−1} = I
      expect(s.jacobianNorm.every((j) => j !== null && j > 0)).toBe(true);
    }
    // with the forget gate near σ(1) ≈ 0.73 the LSTM's cell path decays more slowly than the RNN's W-and-f′ chain
    for (const a of ['tanh', 'sigmoid']) expect(at('lstm', a).decay!).toBeGreaterThan(at('rnn', a).decay!);
    expect(vanishingAnswers(v).cellsAnswer).toMatch(
      /^How much longer do gradients survive in gated cells\? LSTM [\d.]+× as long as the RNN/,
    );
    expect(vanishingAnswers(v).answer).toMatch(/^Would sigmoid help\?/); // from the RNN series alone
    // the LSTM's forget-gate bias is what keeps its gradient: a lower bias makes it vanish faster
    const low = await analyseVanishing(base, {
      activations: ['tanh'],
      wNorms: [1],
      cells: ['lstm'],
      forgetBias: -2,
      clipNorm: 1,
      tolerance: DEFAULT_TOLERANCE,
    });
    expect(low.series[0]!.decay!).toBeLessThan(at('lstm', 'tanh').decay!);
    expect(vanishingAnswers(low).cellsAnswer).toMatch(/Run with rnn and a gated cell/);
    expect(vanishingAnswers(low).answer).toMatch(/add rnn to `cells`/);
  });

  it('refuses a gated case as the starting point, naming the cell', async () => {
    const gated = generateCase({ ...GENERATE_DEFAULTS, cell: 'lstm', steps: 5 });
    await expect(
      analyseVanishing(gated, { activations: ['tanh'], wNorms: [1], clipNorm: 1, tolerance: DEFAULT_TOLERANCE }),
    ).rejects.toThrow(/model.cell is "lstm", expected rnn/);
  });

  it.each([
    [
      { activations: ['tanh'], wNorms: [1], steps: 10, cells: ['rnn', 'transformer'] },
      /`cells` has "transformer", expected only rnn\|lstm\|gru/,
    ],
    [{ activations: ['tanh'], wNorms: [1], steps: 10, cells: [] }, /`cells` is empty/],
    [{ activations: [], wNorms: [1], steps: 10 }, /`activations` is empty/],
    [
      { activations: ['tanh', 'gelu'], wNorms: [1], steps: 10 },
      /`activations` has "gelu", expected only tanh\|sigmoid\|relu\|linear/,
    ],
    [{ activations: ['tanh'], wNorms: [0], steps: 10 }, /`wNorms` has 0, expected positive numbers/],
    [{ activations: ['tanh'], wNorms: [-1], steps: 10 }, /`wNorms` has -1/],
    [{ activations: ['tanh'], wNorms: [NaN], steps: 10 }, /`wNorms` has NaN/],
    [{ activations: ['tanh'], wNorms: [1], steps: 1 }, /`steps` is 1, expected T ≥ 2/],
  ])('refuses %o', (o, pattern) => {
    expect(() => checkVanishingOptions(o)).toThrow(pattern);
  });
});

describe('the hand adjoints against tf.grad, lag by lag', () => {
  const H = 2;
  const tol = DEFAULT_TOLERANCE;
  const norms = (hand: Float64Array) =>
    Array.from({ length: hand.length / H }, (_, k) => Math.hypot(hand[k * H]!, hand[k * H + 1]!));

  it('leaves out a lag where tf.grad is non-finite and float64 exceeds float32, and one below 1e-30, and says which', () => {
    // k = 0 (lag 2): beyond float32; k = 1 (lag 1): vanished; k = 2 (lag 0): ordinary
    const hand = Float64Array.from([1e39, -2e39, 1e-31, 0, 0.5, -0.25]);
    const ref = Float64Array.from([Infinity, NaN, 0, 0, 0.5, -0.25]);
    const { check, status } = compareLags(hand, ref, norms(hand), H, 1, tol);
    expect(status).toEqual(['float32-overflow', 'underflow', 'compared']);
    expect(check).toMatchObject({
      pass: true,
      comparedLags: 1,
      failure: null,
      skipped: { underflow: 1, float32Overflow: 1, float64Overflow: 0 },
    });
  });

  it('leaves out a non-finite tf.grad when the forward states alone exceed float32', () => {
    const hand = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    const ref = Float64Array.from([NaN, NaN, NaN, NaN]);
    expect(compareLags(hand, ref, norms(hand), H, 1e40, tol).check.skipped.float32Overflow).toBe(2);
  });

  it('fails a non-finite tf.grad where every float64 value stays within float32, and says why', () => {
    const hand = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    const ref = Float64Array.from([0.1, 0.2, NaN, 0.4]);
    const { check } = compareLags(hand, ref, norms(hand), H, 10, tol);
    expect(check.pass).toBe(false);
    expect(check.firstFailingLag).toBe(0); // k = 1 of T = 2
    expect(check.failure).toMatch(
      /^tf\.grad is non-finite at lag 0 although every float64 value it depends on stays within float32 \(max \|x\| = 10\.0 ≤ 3\.40e\+35\)/,
    );
    expect(FLOAT32_CEILING).toBeCloseTo(3.4028234663852886e35, -30);
  });

  it('fails a finite disagreement with the numbers of the first failing lag', () => {
    const hand = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    const ref = Float64Array.from([0.1, 0.2, 0.3, 0.41]);
    const { check } = compareLags(hand, ref, norms(hand), H, 1, tol);
    expect(check).toMatchObject({ pass: false, firstFailingLag: 0, comparedLags: 2 });
    expect(check.failure).toMatch(
      /^1 of 2 elements beyond atol·S \+ rtol·\|r\| \(atol 0\.0001, rtol 0\.001\) at lag 0, relErrNorm [\d.e-]+, maxAbsErr 0\.0100/,
    );
  });
});
