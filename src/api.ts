/** Typed functions for what the command line does, for use from code and tests. */
import { checkCase, type CaseResult } from './check/compare.js';
import { isTruncated, userSide, variantOf, type Variant } from './check/sides.js';
import { DEFAULT_TOLERANCE, type Tolerance } from './check/metrics.js';
import type { GradientsFunction, UserGradients } from './runs/user-module.js';
import { openSubject, type OpenSubject } from './runs/subjects.js';
import { defaultSuite, notRunResult } from './runs/suite.js';
import { generateCase } from './model/generate.js';
import type { Cell } from './model/spec.js';
import { DTYPES, type Dtype } from './check/precision.js';
import { InputError, shown } from './model/errors.js';
import type { Case, CaseFile } from './model/case.js';
import { subjectCase } from './model/view.js';
import { gradientsToFile, parseGradients, type Gradients } from './model/gradients.js';
import { caseIn } from './model/io.js';
import { conventionsOf, withConventions, type ConventionsFile } from './model/conventions.js';
import { referenceGradients, useBackend, type Backend, type ReferenceName } from '../reference/index.js';

export interface CheckGradientsOptions extends Partial<Tolerance> {
  /** what to check against (default: all) */
  reference?: 'layers' | 'ops' | 'fd' | 'all';
  backend?: Backend;
  /** the precision the gradients were computed in (default: the gradients' dtype field, else detected from the values) */
  dtype?: Dtype;
  /**
   * your code's conventions (README, "Conventions"): a preset's name ('pytorch', 'keras', 'tfjs', 'cs231n', 'wildml',
   * 'min-char-rnn') or { preset, layout, gateOrder, concatGates, gruReset, twoBiases, reduction }. The case is read and
   * handed over, and the gradients read, in them. Default: a case file's own `conventions`, else ours.
   */
  conventions?: ConventionsFile;
}

/**
 * A loaded Case holds its targets as one Int32Array of B·T ids; a case file (JSON) holds nested arrays and
 * cannot hold a typed array. True for every cell (a gated case has no params.W, but U_i, W_z, …).
 */
const isCase = (c: Case | CaseFile): c is Case => (c as Case).targets instanceof Int32Array;

/** The references a library choice names: fd alone runs none of tfjs's. */
const referencesOf = (which: 'layers' | 'ops' | 'fd' | 'all' | 'both'): ReferenceName[] =>
  which === 'layers'
    ? ['tfjs-layers']
    : which === 'ops'
      ? ['tfjs-ops']
      : which === 'fd'
        ? []
        : ['tfjs-layers', 'tfjs-ops'];

/** A case object as in a case file, validated, or a case already loaded. */
export function toCase(c: Case | CaseFile, where = 'case', conventions?: ConventionsFile): Case {
  const conv = conventions !== undefined ? conventionsOf(conventions, 'options.conventions') : undefined;
  if (isCase(c)) return conv ? withConventions(c, conv) : c;
  return caseIn(c, where, c.id ?? 'case', conv ? () => conv : undefined);
}

/**
 * Checks gradients computed anywhere (the gradients-file shape, or a Gradients object) against the
 * references for a case: the same comparison, tolerances and diagnosis as `bptt-check verify`.
 */
export async function checkGradients(
  kase: Case | CaseFile,
  grads: UserGradients | Gradients,
  options: CheckGradientsOptions = {},
): Promise<CaseResult> {
  const c = toCase(kase, 'case', options.conventions);
  const given = 'tensors' in grads ? grads : parseGradients(grads, 'the gradients', c, false);
  await useBackend(options.backend ?? 'cpu');
  const which = options.reference ?? 'all';
  const refs = referencesOf(which);
  const tol = { atol: options.atol ?? DEFAULT_TOLERANCE.atol, rtol: options.rtol ?? DEFAULT_TOLERANCE.rtol };
  if (options.dtype !== undefined && !(DTYPES as readonly string[]).includes(options.dtype))
    throw new InputError(`options.dtype is ${shown(options.dtype)}, expected one of ${DTYPES.join('|')}`);
  return checkCase(c, refs, tol, {
    subject: userSide('yours', () => given), // compared as given
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
    ...(which === 'fd' || which === 'all' ? { fd: { kind: 'full' } } : {}),
  });
}

/** The reference gradients of a case, in the gradients-file shape. */
export async function referenceGradientsFile(
  kase: Case | CaseFile,
  which: ReferenceName = 'tfjs-ops',
  backend: Backend = 'cpu',
): Promise<UserGradients> {
  const c = toCase(kase);
  await useBackend(backend);
  const { loss, gradients } = gradientsToFile(c, await referenceGradients(c, which), which);
  return { loss, gradients };
}

/** Your code as the library takes it: a function (called in this process), a module or a command (each in a process of its own). */
export type SubjectInput =
  GradientsFunction | { module: string; timeoutSeconds?: number } | { command: string; timeoutSeconds?: number };

export interface CheckSubjectOptions extends Omit<CheckGradientsOptions, 'reference'>, Variant {
  /** what to check against: layers|ops|both|fd|all (default: all on a case, both on the suite: fd there only when asked) */
  reference?: 'layers' | 'ops' | 'both' | 'fd' | 'all';
  /** the cells your code implements (default: every cell, or a module's `cells` export): the suite's other cases are not run */
  cells?: readonly Cell[];
  /** how long a module or command may take to start, and per case (default 60 s); a function runs unbounded */
  timeoutSeconds?: number;
}

/** Your code opened as a Side, and how to stop it. */
async function subjectSide(subject: SubjectInput, o: CheckSubjectOptions): Promise<OpenSubject> {
  const timeoutSeconds = o.timeoutSeconds ?? 60;
  const cells = o.cells ? { cells: o.cells } : {};
  if (typeof subject === 'function') {
    const side = userSide(
      'yours',
      async (c, options) =>
        parseGradients(
          await subject(subjectCase(c), options),
          `the gradients your function returned for case ${c.id}`,
          c,
          false,
        ),
      { callable: true, ...cells },
    );
    return { side, close: () => Promise.resolve() };
  }
  if ('module' in subject && typeof subject.module === 'string')
    return openSubject({
      kind: 'module',
      path: subject.module,
      timeoutSeconds: subject.timeoutSeconds ?? timeoutSeconds,
      ...cells,
    });
  if ('command' in subject && typeof subject.command === 'string')
    return openSubject({
      kind: 'command',
      command: subject.command,
      timeoutSeconds: subject.timeoutSeconds ?? timeoutSeconds,
      ...cells,
    });
  throw new InputError(`subject is ${shown(subject)}, expected a function, { module: path } or { command: text }`);
}

/**
 * Checks your code (a function, a module or a command) on a case, or on the default suite ('suite'): it is
 * told the variant (truncate, detachEvery, clipValue, clipNorm) and must compute it itself; its output is
 * compared as given, as `bptt-check compare --impl` and `suite --impl` do. On the suite, the cases of cells
 * it does not implement (`cells`) come back not run (`notRun`, pass true). A module or command is started
 * once and stopped at the end.
 */
export function checkSubject(
  subject: SubjectInput,
  kase: Case | CaseFile,
  options?: CheckSubjectOptions,
): Promise<CaseResult>;
export function checkSubject(
  subject: SubjectInput,
  kase: 'suite',
  options?: CheckSubjectOptions,
): Promise<CaseResult[]>;
export async function checkSubject(
  subject: SubjectInput,
  kase: Case | CaseFile | 'suite',
  options: CheckSubjectOptions = {},
): Promise<CaseResult | CaseResult[]> {
  if (options.dtype !== undefined && !(DTYPES as readonly string[]).includes(options.dtype))
    throw new InputError(`options.dtype is ${shown(options.dtype)}, expected one of ${DTYPES.join('|')}`);
  const suite = kase === 'suite';
  const cases = suite
    ? defaultSuite().map((r) => toCase(generateCase(r), 'case', options.conventions))
    : [toCase(kase, 'case', options.conventions)];
  const which = options.reference ?? (suite ? 'both' : 'all');
  const refs = referencesOf(which);
  const tol = { atol: options.atol ?? DEFAULT_TOLERANCE.atol, rtol: options.rtol ?? DEFAULT_TOLERANCE.rtol };
  await useBackend(options.backend ?? 'cpu');
  const opened = await subjectSide(subject, options);
  try {
    const results: CaseResult[] = [];
    for (const c of cases)
      results.push(
        (suite ? notRunResult(c, opened.side) : undefined) ??
          (await checkCase(c, refs, tol, {
            ...variantOf(options),
            subject: opened.side,
            ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
            // finite differences measure the full gradient: with truncation, 'all' is the two references
            ...(which === 'fd' || (which === 'all' && !isTruncated(options)) ? { fd: { kind: 'full' } } : {}),
          })),
      );
    return suite ? results : results[0]!;
  } finally {
    await opened.close();
  }
}
