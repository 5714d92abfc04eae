/** Sentences that several report formats state: written once here, so that they cannot drift apart. */
import type { Tolerance } from '../check/metrics.js';

/**
 * The pass rule as the code applies it (src/check/metrics.ts): |a − r| ≤ atol·S + rtol·|r| per element,
 * S = max(‖a‖∞, ‖r‖∞). Console, Markdown, HTML, JUnit and the vitest matcher all print this text.
 */
export function toleranceRule(t: Tolerance): string {
  return `an element passes when |a − r| ≤ atol·S + rtol·|r|, S = max(‖a‖∞, ‖r‖∞), with atol = ${t.atol} and rtol = ${t.rtol}`;
}

/** The first letter upper case, for a sentence that starts with a shared phrase. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Why `compare --impl` has no per-step check (until user code can return the per-step terms). */
export const STEPS_NEED_TERMS = 'the per-step check needs the per-step terms, which a module does not return yet';

/** The note a report carries when --impl left the per-step check out by default. */
export const STEPS_NOT_RUN_IMPL = `per-step check not run: ${STEPS_NEED_TERMS} (--impl gives the totals only)`;

/** The note a `verify` report carries: a gradients file holds totals, not the per-step terms. */
export const STEPS_NOT_RUN_FILE =
  'per-step check not run: a gradients file holds the total gradients, not the per-step terms it needs';
