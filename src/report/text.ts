/**
 * The sentences and numbers that several report formats state (console, Markdown, HTML, CSV, JUnit, the
 * vitest matcher): written once here, so that they cannot drift apart.
 */
import { STEPS_NEED_TERMS } from '../check/plan.js';
import type { Verdict } from '../check/verdict.js';
import { fieldName } from '../model/errors.js';
import type { Localisation } from '../check/localise.js';
import type { CaseShapeJson, DiagnosisJson, FdModeJson, LocalisationJson, ToleranceJson } from './json-types.js';

/**
 * How a report writer shows the option fields its text names (`truncate`, written by fieldName): as they
 * stand for a library caller; the CLI passes its withFlags (cli/fields.ts), which writes each as its flag.
 */
export type Names = (text: string) => string;
export const FIELD_NAMES: Names = (text) => text;

/**
 * Numbers as reports show them: 3 significant digits, exponent form for the small and the large. A null is a
 * NaN or ±Inf read back from report.json (merge), which keeps no sign: "non-finite", never a guessed -Inf.
 */
export function num(x: number | null): string {
  if (x === null) return 'non-finite';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0';
  const ax = Math.abs(x);
  return ax >= 1e-3 && ax < 1e4 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}

/**
 * The pass rule as the code applies it (src/check/metrics.ts): |a − r| ≤ atol·S + rtol·|r| per element,
 * S = max(‖a‖∞, ‖r‖∞). Console, Markdown, HTML, JUnit and the vitest matcher all print this text.
 */
export function toleranceRule(t: ToleranceJson): string {
  return `an element passes when |a − r| ≤ atol·S + rtol·|r|, S = max(‖a‖∞, ‖r‖∞), with atol = ${t.atol} and rtol = ${t.rtol}`;
}

/** The first letter upper case, for a sentence that starts with a shared phrase. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** What a reading of the pairs adds after the failing pairs (check/verdict.ts). */
function hint(v: Verdict): string {
  switch (v.kind) {
    case 'overflow':
      return `: ${v.overflowing.join(' and ')} give${v.overflowing.length === 1 ? 's' : ''} NaN or ±Inf, float32 overflowing (beyond 3.4e38), not a rounding or layout problem${v.subjectNonFinite ? '; the gradient under test has NaN or ±Inf too (beyond float64’s 1.8e308, or a bug)' : ''}`;
    case 'subject-wrong':
      return ': the gradient under test disagrees with both tfjs and float64 finite differences, which agree with each other: it is wrong';
    case 'reference-rounding':
      return ': tfjs disagrees with both float64 sides, which agree: float32 rounding (or a layout problem) in the reference, not an error in the gradient under test';
    case 'below-float32':
      return `: an error below float32 resolution, which only the float64 pair sees${v.subject === 'yours' ? ` (if yours computes in float32, ${fieldName('dtype')} float32 holds it to the float32 tolerances)` : ''}`;
    case 'references-agree':
      return ': both references agree with each other and not with the gradient under test: it is wrong';
    case 'references-disagree':
      return ': the two references disagree with each other: look at float32 rounding or the layout conversion';
    default:
      return '';
  }
}

/** The pairs line: which pairs disagree, and what that suggests; or why the case did not complete. */
export function pairsText(v: Verdict, error?: string): string {
  if (error !== undefined) return `the case did not complete: ${error}`;
  if (!v.failing.length) return 'every pair agrees';
  // a tensor the subject leaves out is the plainest reading of all: name it
  const gap = v.missing.length ? `; ${v.subject} gives no ${v.missing.join(', ')}, which the case has` : '';
  return `disagreeing: ${v.failing.map(([a, r]) => `${a} vs ${r}`).join(', ')}${hint(v)}${gap}`;
}

/** One sentence of advice per pattern, pointing at the formula of the model (README, "The model"). */
/** What a report says of failing tensors that no pattern fits. */
export const NO_PATTERN = 'No known bug pattern fits the failing tensors.';

export const ADVICE: Record<string, string> = {
  'convention-reduction':
    'Not a bug: the loss is reduced another way than declared; L = scale · Σ_b Σ_t L_bt, scale 1 (sum), 1/B (mean-batch), 1/T (mean-time), 1/N (mean), and every gradient carries the same scale.',
  'convention-layout':
    'Not a bug: math layout is a_t = U x_t + W s_{t−1} + b (U H×I), row layout a_t = x_t U + s_{t−1} W + b (U I×H): declare the one your code uses.',
  'convention-gate-order':
    'Not a bug: the gates’ blocks of U, W and b are stacked in another order than declared: declare the order your code reads them in.',
  'loss-scale-mismatch':
    'The loss and its gradients carry one scale: L = scale · Σ_b Σ_t L_bt gives dz_t = scale · (ŷ_t − onehot(y_t)); divide both, or neither.',
  'mask-ignored':
    'A null target carries no loss: m_bt = 0 there, so dz_t = 0 at those steps (and the mean’s N counts only the steps with a target); skip them in the loss and in the backward pass.',
  'convention-gru-reset':
    'Not a bug: the GRU’s reset is applied on the other side of the recurrent product than declared (before: W_h (r ⊙ s_{t−1}); after: r ⊙ (W_h s_{t−1} + b_Wh), PyTorch’s and Keras’s).',
  'variant-ignored':
    'The options a subject is given ({ truncate, detachEvery, clipValue, clipNorm }, keys present only when asked) are what it must compute: bptt-check never truncates or clips its answer.',
  transposed:
    'With a_t = W s_{t−1}, ∂L/∂W = Σ_t da_t s_{t−1}ᵀ (a column times a row), not its transpose s_{t−1} da_tᵀ.',
  scaled:
    'The loss is a sum, L = Σ_t L_t (and over the batch), unless the conventions declare a reduction; averaging divides every gradient by T, B or B·T.',
  'mean-over-padding':
    'A mean over the steps that carry a loss divides the masked sum by their number N = Σ m_bt (PyTorch’s ignore_index, Keras’s sample weights), not by B·T: the padded steps carry no loss and count for nothing.',
  'zero-gradient':
    'Every parameter used in the forward pass has a gradient: its buffer is zeroed before the backward loop and accumulated in it (d· += …); a missing line, or a buffer zeroed again after the loop, leaves it 0.',
  'sign-flipped': 'For softmax with cross-entropy ∂L_t/∂z_t = ŷ_t − y_t (prediction minus target), not y_t − ŷ_t.',
  'no-recurrence':
    'ds_t must also receive Wᵀ da_{t+1} from the next step: the chain ∂s_t/∂s_k = ∏_j ∂s_j/∂s_{j−1} is missing.',
  'truncated-k': `BPTT’s sum over k runs over every earlier step k = 0 … t, not only the last few (that is truncated BPTT, ${fieldName('truncate')} k).`,
  'state-off-by-one': 'a_t = U x_t + W s_{t−1}, so ∂a_t/∂W brings s_{t−1}: dW += da_t s_{t−1}ᵀ, not da_t s_tᵀ.',
  'W-not-transposed':
    'a_t = W s_{t−1} + …, so the recursion carries ∂L/∂s_{t−1} = Wᵀ da_t (Σ_i W[i, j] da_t[i]), not W da_t.',
  'derivative-at-previous-state':
    'da_t = ds_t ⊙ f′(a_t), with f′ from this step’s own state s_t = f(a_t) (tanh 1 − s_t², sigmoid s_t(1 − s_t), relu 1 where s_t > 0), not from the previous state s_{t−1}.',
  'missing-activation-derivative':
    'ds_t must be multiplied by f′(a_t) (tanh 1 − s_t², sigmoid s_t(1 − s_t), relu 1 where s_t > 0) before it reaches W, U and earlier states.',
  'last-step-only':
    'L = Σ_t L_t: every step’s ŷ_t − y_t contributes, as in ∂L/∂W = Σ_t ∂L_t/∂W, not only the last output’s.',
  'state-carried-across-sequences':
    'Each sequence of a batch starts from its own initial state s_{−1} (zero, or the case’s): set h = s_{−1} before every sequence; carrying the previous sequence’s last h (min-char-rnn’s hprev) is for one long text, not for a batch; the forward pass changes with it, so the loss differs too.',
  'initial-state-gradient-missing':
    'With a given initial state, ∂L/∂s_{−1} is a gradient like the others: what the backward loop carries out of step 0 (Wᵀ da_0 for the RNN, the dh_next left after the loop), one row per sequence.',
  'U-assigned-not-accumulated':
    'x_t is one-hot, so dU += da_t x_tᵀ adds da_t into column x_t: dU[:, x_t] += da_t, summed over every step and sequence where the id occurs, not dU[:, x_t] = da_t.',
  'derivative-on-output-path-only':
    'Both paths reach a_t through s_t = f(a_t): da_t = (Vᵀ dz_t + Wᵀ da_{t+1}) ⊙ f′(a_t), the sum first, then f′; not Vᵀ dz_t ⊙ f′(a_t) + Wᵀ da_{t+1}.',
  'softmax-without-one-hot':
    'For softmax with cross-entropy ∂L_t/∂z_t = ŷ_t − onehot(y_t): subtract 1 at the target class (dz[y_t] −= 1), not dz_t = ŷ_t.',
  'gate-order':
    'The gates’ blocks are in another order than the case’s (tfjs: i, f, g, o for the LSTM, z, r, h for the GRU; ONNX and PyTorch order them differently): map each gate to its own U_*, W_*, b_*.',
};

/** A diagnosis's detail and the advice of its pattern: "detail. advice". */
export function diagnosisText(d: DiagnosisJson): string {
  return `${d.detail}${d.detail.endsWith('?') ? '' : '.'} ${ADVICE[d.pattern] ?? ''}`; // a question ends itself
}

/** The patterns said of the whole case (the same sentence for each tensor): a convention, the loss's bugs. */
const CASE_WIDE = /^convention-|^mask-ignored$|^loss-scale-mismatch$|^mean-over-padding$/;

/**
 * The diagnoses as the reports print them: a convention's (convention-*) or the loss's, said of the whole case, once for every
 * tensor it names ("U_i, W_i, b_i and 15 more: convention-gate-order: …"); the others one per tensor.
 */
export function shownDiagnoses(ds: readonly DiagnosisJson[]): DiagnosisJson[] {
  const out: (DiagnosisJson & { names?: string[] })[] = [];
  for (const d of ds) {
    const same = CASE_WIDE.test(d.pattern)
      ? out.find((o) => o.pattern === d.pattern && o.detail === d.detail)
      : undefined;
    if (same) same.names!.push(d.tensor);
    else out.push({ ...d, names: [d.tensor] });
  }
  return out.map(({ names, ...d }) => ({
    ...d,
    tensor: names!.length > 4 ? `${names!.slice(0, 3).join(', ')} and ${names!.length - 3} more` : names!.join(', '),
  }));
}

/** The failing tensors in the user's names: "U_f = weight_ih_l0 rows 4–7; V = linear.weight". */
export function placesText(places: Record<string, string>): string {
  return Object.values(places).join('; ');
}

/** The diagnosis line of the console and the vitest matcher: "T: pattern: detail. advice". */
export function diagnosisLine(d: DiagnosisJson): string {
  return `${d.tensor}: ${d.pattern}: ${diagnosisText(d)}`;
}

/** Each clipped side's global norm before and after: "hand 12.3 → 1, tfjs-ops 12.3 → 1". */
export function clipNorms(clip: Record<string, { normBefore: number; normAfter: number }>): string {
  return Object.entries(clip)
    .map(([k, v]) => `${k} ${num(v.normBefore)} → ${num(v.normAfter)}`)
    .join(', ');
}

/** The clip line (console and HTML). */
export function clipLine(clip: Record<string, { normBefore: number; normAfter: number }>): string {
  return `clipping, global norm before → after: ${clipNorms(clip)}`;
}

/** Which entries the finite differences measure. */
export function fdModeText(m: FdModeJson): string {
  return m.kind === 'full'
    ? 'every entry'
    : m.kind === 'sample'
      ? `${m.n} random entries per tensor`
      : `${m.k} random directions per tensor (at most its entries; fast mode)`;
}

/** The step ε of each tensor: "U 1e-7, W 1e-7". */
export function epsText(eps: Record<string, number>): string {
  return Object.entries(eps)
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(', ');
}

/** The note a report carries when a module (`impl`) left the per-step check out by default. */
export const STEPS_NOT_RUN_IMPL = `per-step check not run: ${STEPS_NEED_TERMS}`;

/** The note a `verify` report carries: a gradients file holds totals, not the per-step terms it needs. */
export const STEPS_NOT_RUN_FILE =
  'per-step check not run: a gradients file holds the total gradients, not the per-step terms it needs';

/** The sizes of a case as the localisation says them: "B = 1, T = 2, H = 1, I = 1, K = 2, with biases". */
export function caseShapeText(s: CaseShapeJson): string {
  const extra = [s.bias ? 'biases' : '', s.initialState ? 'an initial state' : ''].filter(Boolean).join(' and ');
  return `B = ${s.B}, T = ${s.T}, H = ${s.H}, I = ${s.I}, K = ${s.K}${extra ? `, with ${extra}` : ''}`;
}

/** The localisation's findings, one sentence each (console, Markdown, HTML, report.json's `lines`). */
export function localisationLines(l: Omit<LocalisationJson, 'lines'>): string[] {
  if (l.skipped === 'not-the-subject')
    return ['not localised: the failing pairs do not put the error in the gradient under test (see the pairs line)'];
  const out = [
    `${l.checks} checks of cases built from this one, against ${l.against}, in ${(l.ms / 1000).toFixed(1)} s`,
  ];
  if (l.skipped === 'not-seen')
    out.push(`not localised: against ${l.against} alone the case passes, so the experiments cannot see the failure`);
  const b = l.batch;
  const leak = b !== undefined && !b.alone && b.together;
  if (b) {
    const two = b.second === 'row 1' ? 'rows 0 and 1 together' : 'row 0 with row 0 reversed in time as a second row';
    if (leak)
      out.push(
        `row 0 alone passes, ${two} fail${b.second === 'row 1' ? '' : 's'}: a leak across the sequences of a batch (state or gradient carried from one row to the next)`,
      );
    else if (b.alone)
      out.push(
        `row 0 alone fails${b.together ? ` (and ${two})` : `, ${two} pass`}: the error is within one sequence, not a leak across the batch`,
      );
    else out.push(`row 0 alone and ${two} pass: the failure needs more rows of the batch`);
  }
  if (l.initialState)
    out.push(
      l.initialState.failsWithout
        ? 'fails without the initial state too'
        : 'fails only with an initial state: look at ∂L/∂s_{−1} and the first step',
    );
  if (l.bias) out.push(l.bias.failsWithout ? 'fails without biases too' : 'fails only with biases: look at db, dc');
  const p = l.prefix;
  if (p) {
    const on = `(prefixes of ${p.steps} steps${p.batch > 1 ? `, ${p.batch} rows` : ''}, by bisection)`;
    if (p.shortestFailing === 1)
      out.push(
        leak
          ? `wrong already at T′ = 1 ${on}: the leak across rows shows from the first step`
          : l.initialState?.failsWithout === false
            ? `wrong already at T′ = 1 ${on}: the error is in the first step, back to s_{−1}`
            : `wrong already at T′ = 1 ${on}: the error is in one step (the output layer, the activation's derivative, what a step adds to dU, dW, db), not in what the recursion carries back`,
      );
    else
      out.push(
        `correct for T′ = ${p.passesAt ?? p.shortestFailing - 1}, wrong from T′ = ${p.shortestFailing} ${on}: the error enters when steps combine, through the recurrence (ds_{t−1} from ds_t) or a sum over steps`,
      );
  }
  if (l.minimal)
    out.push(
      `smallest failing case found: ${caseShapeText(l.minimal.sizes)} (the case: ${caseShapeText(l.minimal.from)})${l.minimal.file ? `, written to ${l.minimal.file}` : ''}`,
    );
  if (l.errors)
    out.push(
      `${l.errors.count} built case${l.errors.count === 1 ? '' : 's'} could not be checked and ${l.errors.count === 1 ? 'is' : 'are'} left out (${l.errors.first})`,
    );
  if (l.cut)
    out.push(
      `cut at the ${l.cut === 'checks' ? 'budget of' : 'time cap after'} ${l.checks} checks: the results above are those found so far`,
    );
  return out;
}

/** The localisation of report.json: its numbers (the minimal case as its sizes; the case itself is minimal.case.json) and its lines. */
export function localisationJson(l: Localisation): LocalisationJson {
  const { minimal, ...rest } = l;
  const json: Omit<LocalisationJson, 'lines'> = {
    ...rest,
    ...(minimal
      ? {
          minimal: {
            sizes: minimal.sizes,
            from: minimal.from,
            ...(minimal.reproduce ? { file: minimal.reproduce.file, command: minimal.reproduce.command } : {}),
          },
        }
      : {}),
  };
  return { ...json, lines: localisationLines(json) };
}
