/**
 * The plan of a check: one case, the subject, the references, the variant, the finite differences, the
 * per-step and report choices and the tolerance, validated once. Every refusal of a combination of options
 * is raised here (or by the functions it calls), as an InputError naming the option's field.
 */
import { supports, type ReferenceName } from '../../reference/index.js';
import type { Cell, GruReset } from '../model/spec.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { fieldName as f, InputError } from '../model/errors.js';
import { checkBudget, sizesOf, type Estimate, type Sizes, type Work } from '../model/limits.js';
import { checkFdMode, type FdMode } from '../fd/oracle.js';
import type { Tolerance } from './metrics.js';
import type { Dtype } from './precision.js';
import { checkOutputStep } from './steps.js';
import {
  fdSide,
  handSide,
  isClipping,
  isTruncated,
  referenceSide,
  userSide,
  variantOf,
  type FdSide,
  type Side,
  type SubjectOptions,
  type Variant,
} from './sides.js';

/** What a comparison runs: the subject, a BPTT variant, clipping, the finite-difference oracle, the per-step detail. */
export interface CheckOptions extends Variant {
  fd?: FdMode;
  fdSeed?: number;
  /** tolerance of the float64 pairs (subject vs fd), over FLOAT64_TOLERANCE */
  fdTolerance?: Partial<Tolerance>;
  /** the per-step check: true, false (the default), or 'auto': wherever it is defined (full BPTT, a subject with per-step terms) */
  stepsDetail?: boolean | 'auto';
  outputStep?: number;
  /**
   * the side under test: a Side, or the name of the rows of `impl` ('hand' or 'yours'); default: the
   * built-in hand-written BPTT, which truncates and clips itself
   */
  subject?: Side | 'hand' | 'yours';
  /**
   * user code under test in place of the built-in hand-written BPTT. Its output is compared as given: it is
   * told the clipping options and is expected to clip itself (the references are clipped here)
   */
  impl?: (c: Case, options: SubjectOptions) => Gradients | Promise<Gradients>;
  /** the precision of user code (default: its gradients' dtype field, else detected from its values) */
  dtype?: Dtype;
  /** keep |subject − reference| of the recurrent weights for a heatmap */
  heatmap?: boolean;
  /** notes the caller adds to the case result (e.g. why a check did not run) */
  notes?: string[];
  /** refuse a case whose estimated memory is over this many bytes (default: limits.ts) */
  maxMemory?: number;
}

export interface PlanOptions extends CheckOptions {
  references: readonly ReferenceName[];
  tolerance: Tolerance;
}

export interface CheckPlan {
  case: Case;
  subject: Side;
  /** the references that run (those that support the variant) */
  references: Side[];
  /** the truncation and clipping every side is asked for */
  variant: Variant;
  tolerance: Tolerance;
  /** the finite differences: the mode asked for (else none; references that overflow float32 choose one) */
  fd: { side: FdSide; mode?: FdMode; seed?: number; tolerance?: Partial<Tolerance> };
  /** the precision user code is said to compute in; undefined: the side's own, or detected from its values */
  dtype?: Dtype;
  /** the per-step check, when it runs: of L, or of the single output L_t */
  steps?: { outputStep?: number };
  heatmap: boolean;
  notes: string[];
  maxMemory?: number;
}

/** The references of a choice that run the variant on a cell (reference/'s supports() says which). */
export const runnable = (
  references: readonly ReferenceName[],
  v: Variant,
  model: Cell | { cell: Cell; gruReset?: GruReset | undefined },
): ReferenceName[] => references.filter((r) => supports(r, v, model) === true);

/** The subject of the options: a Side, user code (`impl`), or the built-in hand side. */
export function subjectOf(o: CheckOptions): Side {
  if (typeof o.subject === 'object') return o.subject;
  if (o.impl) return userSide(o.subject ?? 'hand', o.impl);
  return o.subject === 'yours' ? { ...handSide, name: 'yours' } : handSide;
}

/** Whether the per-step check runs for the options and their subject (never for a subject without per-step terms). */
export function stepsRun(o: CheckOptions, subject: Side = subjectOf(o)): boolean {
  return subject.steps && (o.stepsDetail === 'auto' ? !isTruncated(o) : o.stepsDetail === true);
}

/**
 * The budget of a check before anything is allocated: the caps on every size and the memory estimate of
 * src/model/limits.ts for what will run (the references, the per-step check, fd), against maxMemory.
 * planCheck calls it; the commands call it before they generate or load a case, and a sweep for every matrix
 * entry before the first one runs.
 */
export function checkWorkBudget(
  s: Sizes,
  references: readonly ReferenceName[],
  o: CheckOptions,
  where = '',
  command: Work['command'] = 'compare',
): Estimate {
  const work: Work = {
    command,
    references: runnable(references, o, s.cell),
    stepsDetail: stepsRun(o),
    ...(o.fd ? { fd: o.fd, fdThreads: 2 } : {}), // fd/parallel.ts: a second thread on large jobs
  };
  return checkBudget(s, work, o.maxMemory, where);
}

/** What the subject cannot do: a cell it does not implement, truncate, or give the per-step terms; a known precision cannot be said otherwise. */
function checkSubject(c: Case, o: CheckOptions, subject: Side): void {
  const field = o.impl && typeof o.subject !== 'object' ? 'impl' : 'subject';
  if (subject.cells && !subject.cells.includes(c.model.cell))
    throw new InputError(
      `${f('cells')} of the subject are ${subject.cells.join(',')}, and case ${c.id} is of cell ${c.model.cell}, expected a case of a cell it implements`,
      'cells',
    );
  if (!subject.truncates && isTruncated(o))
    throw new InputError(
      `${f(field)} is given with truncation, expected full BPTT: the subject ${subject.name} computes the full gradient of the case`,
      field,
    );
  if (!subject.steps && o.stepsDetail === true)
    throw new InputError(
      `${f('stepsDetail')} is given with ${f(field)}, expected no ${f('stepsDetail')}: ${STEPS_NEED_TERMS}`,
      'stepsDetail',
    );
  if (!subject.steps && o.outputStep !== undefined)
    throw new InputError(
      `${f('outputStep')} is given with ${f(field)}, expected no ${f('outputStep')}: ${STEPS_NEED_TERMS}`,
      'outputStep',
    );
  if (subject.dtype !== undefined && o.dtype !== undefined)
    throw new InputError(
      `${f('dtype')} is ${o.dtype} for the subject ${subject.name}${subject.name === 'hand' ? ' (the built-in hand-written BPTT)' : ''}, which computes in ${subject.dtype}, expected no ${f('dtype')}: it says the precision of user code (${f('impl')}, ${f('implCmd')}, a gradients file)`,
      'dtype',
    );
}

/** The reason a module cannot be checked per step (report/text.ts says it in the notes too). */
export const STEPS_NEED_TERMS =
  'the per-step check needs the contribution of each step to dW, dU and db, which user code does not return (its adjoints, when it returns them, are checked step by step)';

/** Bad combinations of options: one line each, exit 2. (`stepsDetail` as the check runs it.) */
export function checkOptions(o: CheckOptions, steps = o.stepsDetail === true): void {
  const cut = () => f(o.truncate !== undefined ? 'truncate' : 'detachEvery');
  if (o.truncate !== undefined && o.detachEvery !== undefined)
    throw new InputError(
      `${f('truncate')} is ${o.truncate} together with ${f('detachEvery')} ${o.detachEvery}, expected one of the two`,
      'truncate',
    );
  if (o.fd && isTruncated(o))
    throw new InputError(
      `${f('fd')} is ${o.fd.kind} with ${cut()}, expected no ${f('fd')}: a truncated gradient is not the derivative of any loss, so finite differences cannot check it`,
      'fd',
    );
  if (o.fd && o.fd.kind !== 'full' && isClipping(o))
    throw new InputError(
      `${f('fd')} is ${o.fd.kind} with clipping, expected ${f('fd')} full: clipping needs every entry of the finite-difference gradient`,
      'fd',
    );
  if (o.outputStep !== undefined && !steps)
    throw new InputError(
      `${f('outputStep')} is ${o.outputStep} without ${f('stepsDetail')}, expected ${f('stepsDetail')} too`,
      'outputStep',
    );
  if (steps && isTruncated(o))
    throw new InputError(
      `${f('stepsDetail')} is given with ${cut()}, expected full BPTT: the per-step terms are those of the full BPTT sum over k`,
      'stepsDetail',
    );
}

/** The plan of one case: every refusal first, in the order the command line has always said them. */
export function planCheck(c: Case, o: PlanOptions): CheckPlan {
  const subject = subjectOf(o);
  // the harness keeps each side's results under its name: a subject named as a reference would be compared with itself
  if ((o.references as readonly string[]).includes(subject.name) || subject.name.startsWith('fd'))
    throw new InputError(
      `${f('subject')} is named ${JSON.stringify(subject.name)}, the name of a reference, expected a name of its own (e.g. yours)`,
      'subject',
    );
  checkSubject(c, o, subject);
  const steps = stepsRun(o, subject);
  checkOptions(o, steps);
  // every size bounded and the memory estimated before anything is allocated
  checkWorkBudget(sizesOf(c), o.references, { ...o, stepsDetail: steps }, c.id);
  if (o.fd) checkFdMode(c, o.fd);
  if (steps) checkOutputStep(c, o.outputStep);
  const variant = variantOf(o);
  const refs = runnable(o.references, variant, c.model);
  const notes = [...(o.notes ?? [])];
  for (const r of o.references.filter((x) => !refs.includes(x)))
    notes.push(
      `${r} skipped: ${supports(r, variant, c.model)}; the ${subject.name === 'hand' ? 'hand side' : 'subject'} is checked against tfjs-ops`,
    );
  if (isTruncated(variant) && !refs.length)
    throw new InputError(
      `${f('reference')} is "layers", but truncation is supported by the tfjs-ops reference only; expected ${f('reference')} ops or both`,
      'reference',
    );
  return {
    case: c,
    subject,
    references: refs.map(referenceSide),
    variant,
    tolerance: o.tolerance,
    fd: {
      side: fdSide,
      ...(o.fd ? { mode: o.fd } : {}),
      ...(o.fdSeed !== undefined ? { seed: o.fdSeed } : {}),
      ...(o.fdTolerance ? { tolerance: o.fdTolerance } : {}),
    },
    ...(o.dtype !== undefined ? { dtype: o.dtype } : {}),
    ...(steps ? { steps: o.outputStep !== undefined ? { outputStep: o.outputStep } : {} } : {}),
    heatmap: o.heatmap === true,
    notes,
    ...(o.maxMemory !== undefined ? { maxMemory: o.maxMemory } : {}),
  };
}
