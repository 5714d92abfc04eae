/**
 * The localisation by experiment: when a check of a subject that can be called again (a module, a command)
 * fails, new cases are built from the failing one (localise-cases.ts) and checked the same way (planCheck
 * and runPlan, with the same subject, variant and tolerance) to say where the error is: one sequence or the
 * batch, with or without the initial state and the biases, the shortest failing prefix of the steps, and the
 * smallest case that still fails. The numbers are here; report/text.ts words them.
 */
import { lossSteps } from '../model/loss.js';
import type { Case } from '../model/case.js';
import type { ReferenceName } from '../../reference/index.js';
import { runPlan } from './compare.js';
import { planCheck, type CheckPlan, type PlanOptions } from './plan.js';
import type { CaseResult } from './result.js';
import type { ImplName } from './sides.js';
import { cutCase, prefixCase, rowsCase, shapeOf, withReversedRow, type CaseShape } from './localise-cases.js';

export { prefixCase, type CaseShape } from './localise-cases.js';

/** At most this many checks, and this long (ms), for one localisation. */
export interface LocaliseBudget {
  maxChecks: number;
  maxMs: number;
}
export const LOCALISE_BUDGET: LocaliseBudget = { maxChecks: 60, maxMs: 30_000 };

export interface Localisation {
  /** what the experiments check the subject against: a tfjs reference, or the float64 finite differences */
  against: ImplName;
  /** the checks run, and how long they took (ms) */
  checks: number;
  ms: number;
  /** nothing was localised: the failing pairs are not the subject's, or the experiment's check does not see the failure */
  skipped?: 'not-the-subject' | 'not-seen';
  /** the experiments stopped before the end: at the budget of checks, or at the time cap */
  cut?: 'checks' | 'time';
  /** built cases whose check threw (the subject, or a reference, refusing it): left out, the first one's message */
  errors?: { count: number; first: string };
  /**
   * row 0 alone and two rows together (fails: true): the case's rows 0 and 1, or, when it has one row, row
   * 0 and row 0 reversed in time (`second` says which)
   */
  batch?: { second: 'row 1' | 'row 0 reversed'; alone: boolean; together: boolean };
  /** the case without its initial state: still fails, or not */
  initialState?: { failsWithout: boolean };
  /** the case without its biases (b and c, or every gate's b_* and c): still fails, or not */
  bias?: { failsWithout: boolean };
  /** the shortest failing prefix T′ of the steps (by bisection), on a case of `batch` rows; passesAt: T′ − 1, checked */
  prefix?: {
    batch: number;
    steps: number;
    shortestFailing: number;
    passesAt?: number;
    /** each prefix checked (T′ = steps included, the case the bisection cut): the subject's largest relErrNorm there */
    errors?: { steps: number; relErrNorm: number; pass: boolean }[];
  };
  /**
   * the smallest case found that still fails, and the case it was shrunk from; `reproduce`: where the
   * caller wrote it and the command that checks it again (the command line knows both)
   */
  minimal?: { case: Case; sizes: CaseShape; from: CaseShape; reproduce?: { file: string; command: string } };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** What the experiments check against: the side of the failing rows (tfjs-ops first, the fastest), else fd. */
function againstOf(plan: CheckPlan, result: CaseResult): ImplName | undefined {
  const s = plan.subject.name;
  const failed = (r: string) => result.rows.some((x) => x.a === s && x.r === r && !x.pass && !x.nonFinite?.r);
  for (const r of ['tfjs-ops', 'tfjs-layers'] as const) if (failed(r)) return r;
  return failed('fd') ? 'fd' : undefined;
}

/** The checks of one localisation: counted, timed, memoised by the case's shape, stopped at the budget. */
class Experiments {
  checks = 0;
  readonly t0 = performance.now();
  cut: Localisation['cut'];
  errors: Localisation['errors'];
  private readonly memo = new Map<string, boolean>();
  /** the largest relErrNorm of the subject's rows in each check, by the case's key */
  readonly worst = new Map<string, number>();

  constructor(
    private readonly plan: CheckPlan,
    private readonly options: PlanOptions,
    private readonly budget: LocaliseBudget,
  ) {}

  /** Whether the subject fails on the case; undefined once the experiments are cut, or when its check throws. */
  async fails(c: Case, key: string): Promise<boolean | undefined> {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    if (this.cut) return undefined;
    if (this.checks >= this.budget.maxChecks) this.cut = 'checks';
    else if (performance.now() - this.t0 > this.budget.maxMs) this.cut = 'time';
    if (this.cut) return undefined;
    // a cut of a masked case with no step that carries a loss checks nothing (every gradient is 0; a mean over
    // no step is 0/0 in user code): it is not a failure
    if (lossSteps(c) === 0) return false;
    this.checks++;
    try {
      const r = await runPlan(planCheck(c, this.options));
      const mine = r.rows.filter((x) => x.a === this.plan.subject.name);
      const failing = mine.some((x) => !x.pass);
      this.memo.set(key, failing);
      this.worst.set(
        key,
        mine.reduce((w, x) => (Number.isNaN(x.relErrNorm) ? NaN : Math.max(w, x.relErrNorm)), 0),
      );
      return failing;
    } catch (e) {
      this.errors = { count: (this.errors?.count ?? 0) + 1, first: this.errors?.first ?? `${c.id}: ${message(e)}` };
      return undefined;
    }
  }
}

const keyOf = (s: CaseShape, rows = '') =>
  `${rows}B${s.B}T${s.T}H${s.H}I${s.I}K${s.K}${s.bias ? 'b' : ''}${s.initialState ? 's' : ''}`;

/**
 * Localises a failing check of a callable subject. `result` is the check of `plan` (its failing rows say
 * what the experiments check against); the subject is asked again on every case built here.
 */
export async function localise(
  plan: CheckPlan,
  result: CaseResult,
  budget: LocaliseBudget = LOCALISE_BUDGET,
): Promise<Localisation> {
  const against = againstOf(plan, result);
  const t0 = performance.now();
  const done = (l: Omit<Localisation, 'against' | 'checks' | 'ms'>, x?: Experiments): Localisation => ({
    against: against ?? plan.references[0]?.name ?? 'fd',
    checks: x?.checks ?? 0,
    ms: performance.now() - t0,
    ...(x?.cut ? { cut: x.cut } : {}),
    ...(x?.errors ? { errors: x.errors } : {}),
    ...l,
  });
  // a failure that is a reference's (rounding, overflow) or between the references is not the subject's to localise
  const notSubject = ['reference-rounding', 'references-disagree', 'overflow', 'agree', 'did-not-complete'];
  if (!against || notSubject.includes(result.verdict.kind)) return done({ skipped: 'not-the-subject' });
  const references: ReferenceName[] = against === 'fd' ? [] : [against as ReferenceName];
  const options: PlanOptions = {
    ...plan.variant,
    subject: plan.subject,
    references,
    tolerance: plan.tolerance,
    stepsDetail: false,
    // a float32 subject is held to what it was held to on the case: the precision given or detected there
    ...((plan.dtype ?? result.dtype?.dtype) ? { dtype: plan.dtype ?? result.dtype!.dtype } : {}),
    ...(against === 'fd'
      ? {
          fd: { kind: 'full' as const },
          ...(plan.fd.seed !== undefined ? { fdSeed: plan.fd.seed } : {}),
          ...(plan.fd.tolerance ? { fdTolerance: plan.fd.tolerance } : {}),
        }
      : {}),
    ...(plan.maxMemory !== undefined ? { maxMemory: plan.maxMemory } : {}),
  };
  const x = new Experiments(plan, options, budget);
  const c = plan.case;
  const shape = shapeOf(c);
  // the failure as the experiments see it: with one reference (or fd) alone it must still fail
  if ((await x.fails(c, keyOf(shape))) !== true) return done(x.cut ? {} : { skipped: 'not-seen' }, x);

  const out: Omit<Localisation, 'against' | 'checks' | 'ms'> = {};
  // one sequence against two: a state or gradient carried from one row to the next fails only together
  let base = c;
  let baseKey = keyOf(shape);
  const one = rowsCase(c, [0]);
  const alone = c.batch === 1 ? true : await x.fails(one, keyOf(shapeOf(one)));
  const two = c.batch === 1 ? withReversedRow(c) : c.batch === 2 ? c : rowsCase(c, [0, 1]);
  const together = c.batch === 2 ? true : await x.fails(two, keyOf(shapeOf(two), c.batch === 1 ? 'rev' : ''));
  if (alone !== undefined && together !== undefined) {
    out.batch = { second: c.batch === 1 ? 'row 0 reversed' : 'row 1', alone, together };
    base = alone ? one : together && c.batch > 1 ? two : c;
    baseKey = alone ? keyOf(shapeOf(one)) : together && c.batch > 1 ? keyOf(shapeOf(two)) : keyOf(shape);
  }
  const s = shapeOf(base);
  if (s.initialState) {
    const without = await x.fails(
      cutCase(base, { ...s, initialState: false }, `${c.id}-no-s0`),
      keyOf({ ...s, initialState: false }),
    );
    if (without !== undefined) out.initialState = { failsWithout: without };
  }
  if (s.bias) {
    const without = await x.fails(
      cutCase(base, { ...s, bias: false }, `${c.id}-no-bias`),
      keyOf({ ...s, bias: false }),
    );
    if (without !== undefined) out.bias = { failsWithout: without };
  }
  // the shortest failing prefix, by bisection: lo passes (or is 0), hi fails
  let lo = 0;
  let hi = s.T;
  let pinned = true;
  const seen = (steps: number, key: string, pass: boolean) => ({ steps, relErrNorm: x.worst.get(key) ?? NaN, pass });
  const errors = x.worst.has(baseKey) ? [seen(s.T, baseKey, false)] : [];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const key = keyOf({ ...s, T: mid });
    const f = await x.fails(prefixCase(base, mid), key);
    if (f === undefined) {
      pinned = false;
      break;
    }
    errors.push(seen(mid, key, !f));
    if (f) hi = mid;
    else lo = mid;
  }
  errors.sort((a, b) => a.steps - b.steps);
  if (pinned)
    out.prefix = { batch: s.B, steps: s.T, shortestFailing: hi, ...(lo >= 1 ? { passesAt: lo } : {}), errors };
  // then the smallest case that still fails: from the shortest prefix, without what is not needed to fail
  let cur: CaseShape = {
    ...s,
    T: hi,
    initialState: s.initialState && out.initialState?.failsWithout !== true,
    bias: s.bias && out.bias?.failsWithout !== true,
  };
  const build = (t: CaseShape) => cutCase(base, t, minimalId(c, t));
  if ((await x.fails(build(cur), keyOf(cur))) !== true) cur = { ...s, T: hi }; // the prefix itself fails (or is the case)
  // tfjs one-hot encodes token ids and targets with a depth of at least 2
  const MIN = { B: 1, T: 1, H: 1, I: c.tokens ? 2 : 1, K: 2 } as const;
  for (const dim of ['B', 'H', 'I', 'K', 'T'] as const) {
    const tryAt = async (v: number) => {
      const t = { ...cur, [dim]: v };
      const f = await x.fails(build(t), keyOf(t));
      if (f) cur = t;
      return f === true;
    };
    while (cur[dim] > MIN[dim] && (await tryAt(Math.max(MIN[dim], cur[dim] >> 1))));
    while (cur[dim] > MIN[dim] && (await tryAt(cur[dim] - 1)));
  }
  out.minimal = { case: build(cur), sizes: cur, from: shape };
  return done(out, x);
}

/** The id of a minimal case: its model and sizes (the same for a minimal case of a minimal case). */
function minimalId(c: Case, s: CaseShape): string {
  const m = c.model;
  return `minimal-${m.cell}-${m.activation}${s.bias ? '-bias' : ''}-B${s.B}-T${s.T}-H${s.H}-I${s.I}-K${s.K}${s.initialState ? '-s0' : ''}`;
}
