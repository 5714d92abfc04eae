/** The three-way table: hand, tfjs and float64 finite differences, and which pair is the odd one out. */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCase } from '../../src/check/compare.js';
import { pairsText } from '../../src/report/text.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { useBackend } from '../../reference/index.js';
import { buggyGradients } from '../bugs/buggy-bptt.js';
import { handGradients } from '../../src/bptt/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const c = generateCase({ ...GENERATE_DEFAULTS, bias: true, steps: 8, seed: 21 });

describe('compare with the finite-difference oracle', () => {
  it('adds hand vs fd and tfjs vs fd rows, all passing on a correct implementation', async () => {
    const r = await checkCase(c, ['tfjs-layers', 'tfjs-ops'], DEFAULT_TOLERANCE, { fd: { kind: 'full' } });
    const pairs = new Set(r.rows.map((x) => `${x.a} vs ${x.r}`));
    expect(pairs).toEqual(
      new Set([
        'hand vs tfjs-layers',
        'hand vs tfjs-ops',
        'tfjs-layers vs tfjs-ops',
        'hand vs fd',
        'tfjs-layers vs fd',
        'tfjs-ops vs fd',
      ]),
    );
    expect(r.pass).toBe(true);
    expect(pairsText(r.verdict)).toBe('every pair agrees');
    const handFd = r.rows.filter((x) => x.a === 'hand' && x.r === 'fd');
    expect(Math.max(...handFd.map((x) => x.relErrNorm))).toBeLessThan(1e-7);
  });

  it('names the hand side as wrong when it alone disagrees with tfjs and finite differences', async () => {
    const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, {
      fd: { kind: 'full' },
      impl: (x) => buggyGradients(x, 'W-not-transposed'),
    });
    expect(r.pass).toBe(false);
    expect(r.rows.filter((x) => x.a === 'tfjs-ops' && x.r === 'fd').every((x) => x.pass)).toBe(true);
    expect(pairsText(r.verdict)).toMatch(
      /disagreeing: hand vs tfjs-ops, hand vs fd: .*the gradient under test disagrees .*it is wrong/,
    );
  });

  it('re-runs a failing fast-mode tensor entry by entry and reports its worst element', async () => {
    const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, {
      fd: { kind: 'fast', k: 2 },
      impl: (x) => buggyGradients(x, 'state-off-by-one'),
    });
    const fast = r.rows.find((x) => x.tensor === 'W' && x.r === 'fd')!;
    expect(fast.pass).toBe(false);
    expect(fast.shape).toBe('2 directions');
    const rerun = r.rows.find((x) => x.tensor === 'W' && x.r === 'fd (full rerun)')!;
    expect(rerun.shape).toBe('16×16');
    expect(rerun.pass).toBe(false);
    expect(rerun.worst!.index).toHaveLength(2);
    expect(r.rows.some((x) => x.tensor === 'V' && x.r === 'fd (full rerun)')).toBe(false); // V was right
  });

  it('holds the float64 pair hand vs fd to float64 tolerances: an error float32 hides is caught there', async () => {
    const slightlyOff = (x: typeof c) => {
      const g = handGradients(x);
      for (const m of Object.values(g.tensors)) m.data.forEach((v, k) => (m.data[k] = v * (1 + 1e-5)));
      return g;
    };
    const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, { fd: { kind: 'full' }, impl: slightlyOff });
    expect(r.rows.filter((x) => x.r === 'tfjs-ops').every((x) => x.pass)).toBe(true); // within float32 noise
    expect(r.rows.filter((x) => x.a === 'hand' && x.r === 'fd').every((x) => !x.pass)).toBe(true);
    expect(r.fd!.tolerance).toEqual({ atol: 1e-8, rtol: 1e-6 });
  });

  it('skips the layers reference on a truncated run and says so', async () => {
    const r = await checkCase(c, ['tfjs-layers', 'tfjs-ops'], DEFAULT_TOLERANCE, { truncate: 3 });
    expect(new Set(r.rows.map((x) => x.r))).toEqual(new Set(['tfjs-ops']));
    expect(r.notes!.join()).toMatch(/tfjs-layers skipped/);
    expect(r.pass).toBe(true);
  });

  it('records the norm before and after clipping for every implementation', async () => {
    const r = await checkCase(c, ['tfjs-layers', 'tfjs-ops'], DEFAULT_TOLERANCE, {
      clipNorm: 0.25,
      fd: { kind: 'full' },
    });
    expect(r.pass).toBe(true);
    for (const impl of ['hand', 'tfjs-layers', 'tfjs-ops']) {
      expect(r.clip![impl]!.normAfter).toBeCloseTo(0.25, 5);
      expect(r.clip![impl]!.normBefore).toBeGreaterThan(0.25);
    }
  });
});
