/**
 * A series' samples (one per seed × batch row) and their summary: per lag the median, least and largest value,
 * and the checks of every sample folded into one, naming the seed and row of the first failure (analyse.ts).
 */
import type { AdjointCheck, LagStatus } from './lags.js';

/** One sample's measurements: one seed's case, one batch row. */
export interface Sample {
  seed: number;
  row: number;
  /** ‖∂L_{T−1}/∂s_k‖₂ per k, null past a float64 overflow */
  dLlast_ds: (number | null)[];
  jacobianNorm: (number | null)[];
  overflowAtLag: number | null;
  adjointCheck: AdjointCheck;
  lagStatus: LagStatus[];
  boundCheck: { pass: boolean; firstViolationLag: number | null; failure: string | null };
}

/**
 * The median of xs (not empty). An even count gives the mean of the two middle values (not the lower middle),
 * so that two samples give their midpoint.
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Per index: the median, least and largest of the samples' non-null values there; null where every sample is null. */
export function summarise(values: readonly (readonly (number | null)[])[]): {
  median: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
} {
  const n = values[0]?.length ?? 0;
  const at = Array.from({ length: n }, (_, k) => values.map((v) => v[k]).filter((x): x is number => x != null));
  return {
    median: at.map((xs) => (xs.length ? median(xs) : null)),
    min: at.map((xs) => (xs.length ? Math.min(...xs) : null)),
    max: at.map((xs) => (xs.length ? Math.max(...xs) : null)),
  };
}

/** "seed 2, batch row 1" */
export const sampleName = (s: Pick<Sample, 'seed' | 'row'>) => `seed ${s.seed}, batch row ${s.row}`;

/**
 * The adjoint checks of every sample as one: it passes when every sample passes; the lags compared and left out
 * are counted over all samples; the first failing sample (in seed order, then row order) gives the failing lag,
 * and its failure names the seed and the row. Per k, the status is 'compared' when every sample was compared
 * there, else the reason of the first sample that was not.
 */
export function combineAdjointChecks(samples: readonly Sample[]): { check: AdjointCheck; status: LagStatus[] } {
  const bad = samples.find((s) => !s.adjointCheck.pass);
  const sum = (f: (c: AdjointCheck) => number) => samples.reduce((n, s) => n + f(s.adjointCheck), 0);
  const T = samples[0]!.lagStatus.length;
  const status = Array.from(
    { length: T },
    (_, k) => samples.map((s) => s.lagStatus[k]!).find((x) => x !== 'compared') ?? 'compared',
  );
  return {
    check: {
      pass: bad === undefined,
      comparedLags: sum((c) => c.comparedLags),
      worstRelErrNorm: Math.max(...samples.map((s) => s.adjointCheck.worstRelErrNorm)),
      firstFailingLag: bad ? bad.adjointCheck.firstFailingLag : null,
      failure: bad ? `${sampleName(bad)}: ${bad.adjointCheck.failure}` : null,
      skipped: {
        underflow: sum((c) => c.skipped.underflow),
        float32Overflow: sum((c) => c.skipped.float32Overflow),
        float64Overflow: sum((c) => c.skipped.float64Overflow),
      },
      maxAbs: Math.max(...samples.map((s) => s.adjointCheck.maxAbs)),
    },
    status,
  };
}

/** The bound checks of every sample as one: the first violating sample's lag, its failure naming the seed and the row. */
export function combineBoundChecks(samples: readonly Sample[]): Sample['boundCheck'] {
  const bad = samples.find((s) => !s.boundCheck.pass);
  return bad
    ? {
        pass: false,
        firstViolationLag: bad.boundCheck.firstViolationLag,
        failure: `${sampleName(bad)}: ${bad.boundCheck.failure}`,
      }
    : { pass: true, firstViolationLag: null, failure: null };
}
