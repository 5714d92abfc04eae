/**
 * What the rows of a case say about who is wrong, as data: with three sides, the odd one out is the
 * suspect. report/text.ts words it (the "pairs:" line).
 */
import type { ImplName, PairRow } from './compare.js';

export type VerdictKind =
  /** every pair agrees */
  | 'agree'
  /** a tfjs reference gives NaN or ±Inf: float32 overflowing, not rounding or layout */
  | 'overflow'
  /** the subject disagrees with tfjs and with float64 finite differences, which agree with each other */
  | 'subject-wrong'
  /** tfjs disagrees with both float64 sides (the subject and fd), which agree */
  | 'reference-rounding'
  /** only the float64 pair (subject vs fd) fails: an error below float32 resolution */
  | 'below-float32'
  /** both references agree with each other and not with the subject (no fd) */
  | 'references-agree'
  /** the two references disagree with each other (no fd) */
  | 'references-disagree'
  /** pairs fail, and no reading fits */
  | 'unexplained'
  /** the case did not complete (its `error` says why): nothing was compared */
  | 'did-not-complete'
  /** the case was not run (its `notRun` says why: the subject does not implement its cell): nothing was compared, nothing failed */
  | 'not-run';

export interface Verdict {
  kind: VerdictKind;
  /** the side under test */
  subject: ImplName;
  /** the pairs with a failing row, in the order of the rows */
  failing: [ImplName, ImplName][];
  /** kind 'overflow': the tfjs references that give NaN or ±Inf, and whether the subject does too */
  overflowing: ImplName[];
  subjectNonFinite: boolean;
  /** the tensors of the case the subject does not give */
  missing: string[];
}

const TFJS: readonly ImplName[] = ['tfjs-layers', 'tfjs-ops'];

/** The verdict of a case that did not complete. */
export const DID_NOT_COMPLETE: Verdict = {
  kind: 'did-not-complete',
  subject: 'hand',
  failing: [],
  overflowing: [],
  subjectNonFinite: false,
  missing: [],
};

/** The verdict of a case that was not run. */
export const NOT_RUN: Verdict = { ...DID_NOT_COMPLETE, kind: 'not-run' };

export function verdictOf(rows: readonly PairRow[], subject: ImplName = 'hand'): Verdict {
  const failing: [ImplName, ImplName][] = [];
  for (const r of rows) if (!r.pass && !failing.some(([a, b]) => a === r.a && b === r.r)) failing.push([r.a, r.r]);
  // a tensor the subject leaves out is the plainest reading of all
  const missing = [
    ...new Set(
      rows.filter((x) => x.a === subject && x.reason === `${subject} gives no ${x.tensor}`).map((x) => x.tensor),
    ),
  ];
  const base = { subject, failing, overflowing: [] as ImplName[], subjectNonFinite: false, missing };
  if (!failing.length) return { ...base, kind: 'agree' };
  const fails = (a: string, r: string) => rows.some((x) => !x.pass && x.a === a && x.r === r);
  const has = (a: string, r: string) => rows.some((x) => x.a === a && x.r === r);
  const tfjs = TFJS.filter((t) => has(subject, t));
  // NaN or ±Inf on a tfjs side is float32 overflowing (3.4e38): that reading comes before any other
  const nonFiniteIn = (name: string) =>
    rows.some((x) => x.nonFinite && ((x.a === name && x.nonFinite.a > 0) || (x.r === name && x.nonFinite.r > 0)));
  const overflowing = TFJS.filter(nonFiniteIn);
  if (overflowing.length) return { ...base, kind: 'overflow', overflowing, subjectNonFinite: nonFiniteIn(subject) };
  if (has(subject, 'fd')) {
    const subjectFd = fails(subject, 'fd');
    const tfjsBad = tfjs.filter((t) => fails(subject, t));
    const tfjsFd = tfjs.filter((t) => fails(t, 'fd'));
    if (subjectFd && tfjsBad.length && !tfjsFd.length) return { ...base, kind: 'subject-wrong' };
    if (!subjectFd && tfjsBad.length && tfjsFd.length) return { ...base, kind: 'reference-rounding' };
    if (subjectFd && tfjs.length && !tfjsBad.length) return { ...base, kind: 'below-float32' };
  } else if (tfjs.length === 2 && tfjs.every((t) => fails(subject, t)) && !fails('tfjs-layers', 'tfjs-ops')) {
    return { ...base, kind: 'references-agree' };
  } else if (tfjs.length === 2 && fails('tfjs-layers', 'tfjs-ops')) {
    return { ...base, kind: 'references-disagree' };
  }
  return { ...base, kind: 'unexplained' };
}
