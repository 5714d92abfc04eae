/**
 * Where tfjs's float32 overflows (an exploding case: linear, init scale 1.5, T = 200, loss ≈ 5e44 > 3.4e38)
 * and the float64 side is finite, the case is checked against float64 finite differences alone: a correct
 * BPTT passes, a seeded bug still fails, and neither the rows nor the pairs line read an overflow as agreement
 * or as float32 rounding.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCase, compareGradients, pairsFor } from '../../src/check/compare.js';
import { verdictOf } from '../../src/check/verdict.js';
import { pairsText } from '../../src/report/text.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { referenceGradients, useBackend, type ReferenceName } from '../../reference/index.js';
import { buggyGradients } from '../bugs/buggy-bptt.js';

const stress = (o: Partial<typeof GENERATE_DEFAULTS>) =>
  generateCase({ ...GENERATE_DEFAULTS, activation: 'linear', steps: 200, initScale: 1.5, seed: 1, ...o });
const small = stress({ inputSize: 8, hiddenSize: 32 }); //                         the stress preset's H=32 case: full oracle
const large = stress({ inputSize: 16, hiddenSize: 64, bias: true, denseInputs: true }); // its H=64 case: fast oracle
const BOTH: ReferenceName[] = ['tfjs-layers', 'tfjs-ops'];

beforeAll(async () => {
  await useBackend('cpu');
});

describe('a case whose float32 references overflow', () => {
  it('is one where tfjs gives NaN or ±Inf and an independent float64 BPTT a finite loss above 3.4e38', async () => {
    const g = await referenceGradients(small, 'tfjs-ops');
    expect(Number.isFinite(g.loss) && Object.values(g.tensors).every((m) => m.data.every(Number.isFinite))).toBe(false);
    const loss = buggyGradients(small, 'none').loss;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(3.4e38);
  });

  it('passes a correct BPTT against float64 finite differences alone (every entry, not asked for) and says why', async () => {
    const r = await checkCase(small, BOTH, DEFAULT_TOLERANCE, { stepsDetail: true });
    expect(r.pass).toBe(true);
    expect(new Set(r.rows.map((x) => `${x.a} vs ${x.r}`))).toEqual(new Set(['hand vs fd']));
    // the loss too, against the float64 loss L that the oracle perturbs
    expect(r.rows.map((x) => x.tensor)).toEqual(['loss', 'U', 'W', 'V']);
    expect(r.fd?.mode).toEqual({ kind: 'full' });
    const loss = buggyGradients(small, 'none').loss.toExponential(2); // 5.24e+44
    expect(r.notes).toContain(
      `tfjs-layers and tfjs-ops overflow float32 (loss ${loss} > 3.4e38): checked against float64 finite differences alone; finite differences were not asked for, so they ran for this case (every entry)`,
    );
    expect(r.notes).toContain('per-step check left out: its reference, tfjs-ops, overflows float32 on this case');
    expect(r.steps).toBeUndefined();
  });

  it('uses the requested finite-difference mode when one was asked for, and does not say it ran unasked', async () => {
    const r = await checkCase(small, ['tfjs-ops'], DEFAULT_TOLERANCE, { fd: { kind: 'sample', n: 4 } });
    expect(r.pass).toBe(true);
    expect(r.fd?.mode).toEqual({ kind: 'sample', n: 4 });
    expect(r.notes?.[0]).toMatch(
      /^tfjs-ops overflows float32 \(loss .* > 3\.4e38\): checked against float64 finite differences alone$/,
    );
  });

  it('passes a correct BPTT on a large case with the fast oracle (random directions) and says so', async () => {
    const r = await checkCase(large, BOTH, DEFAULT_TOLERANCE);
    expect(r.pass).toBe(true);
    expect(r.fd?.mode).toEqual({ kind: 'fast', k: 2 });
    expect(r.notes?.[0]).toMatch(
      /checked against float64 finite differences alone; finite differences were not asked for, so they ran for this case \(fast, 2 random directions per tensor\)$/,
    );
  });

  it.each([
    ['W-not-transposed', 'H=32, full oracle', small],
    ['state-off-by-one', 'H=32, full oracle', small],
    ['W-not-transposed', 'H=64, fast oracle and full reruns', large],
  ] as const)('still fails a BPTT with the bug "%s" (%s)', async (bug, _what, c) => {
    const r = await checkCase(c, BOTH, DEFAULT_TOLERANCE, { subject: 'yours', impl: (x) => buggyGradients(x, bug) });
    expect(r.pass).toBe(false);
    expect(r.rows.filter((x) => !x.pass).map((x) => x.tensor)).toContain('W');
    expect(r.rows.every((x) => x.r === 'fd' || x.r === 'fd (full rerun)')).toBe(true);
  });

  it('is passed by an independent correct float64 BPTT given as the subject', async () => {
    const r = await checkCase(large, BOTH, DEFAULT_TOLERANCE, {
      subject: 'yours',
      impl: (x) => buggyGradients(x, 'none'),
    });
    expect(r.pass).toBe(true);
  });

  it('gives rows that print no error measure, and a pairs line that names the overflow, not float32 rounding or the layout', async () => {
    const grads = {
      hand: buggyGradients(small, 'none'),
      'tfjs-layers': await referenceGradients(small, 'tfjs-layers'),
      'tfjs-ops': await referenceGradients(small, 'tfjs-ops'),
    };
    const rows = pairsFor(BOTH).flatMap(([a, r]) =>
      compareGradients(
        small,
        grads[a as keyof typeof grads],
        grads[r as keyof typeof grads],
        [a, r],
        DEFAULT_TOLERANCE,
      ),
    );
    const W = rows.find((x) => x.tensor === 'W' && x.a === 'hand' && x.r === 'tfjs-ops')!;
    expect(W).toMatchObject({ pass: false, nonFinite: { a: 0, r: 1024 } });
    for (const k of ['maxAbsErr', 'maxRelErr', 'relErrNorm', 'cosine'] as const) expect(W[k]).toBeNaN();
    const line = pairsText(verdictOf(rows));
    expect(line).not.toMatch(/float32 rounding|layout conversion/);
    expect(line).toMatch(
      /tfjs-layers and tfjs-ops give NaN or ±Inf, float32 overflowing \(beyond 3\.4e38\), not a rounding or layout problem$/,
    );
  });
});
