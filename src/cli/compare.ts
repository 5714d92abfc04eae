/** `compare`, `verify` and `suite`: parse the options, plan the check, run it, publish the report. */
import type { Command } from 'commander';
import type { Case } from '../model/case.js';
import { checkFdMode } from '../fd/oracle.js';
import type { CheckOptions } from '../check/compare.js';
import { checkWorkBudget, planCheck } from '../check/plan.js';
import type { Side } from '../check/sides.js';
import { fieldName, InputError } from '../model/errors.js';
import { readJsonFile } from '../model/files.js';
import { parseGradients } from '../model/gradients.js';
import { caseIn } from '../model/io.js';
import type { ConventionsFile } from '../model/conventions.js';
import { basename } from 'node:path';
import type { Sizes } from '../model/limits.js';
import { checkOutputs, type Output } from '../model/outputs.js';
import { STEPS_NOT_RUN_FILE, STEPS_NOT_RUN_IMPL } from '../report/text.js';
import { defaultSuite, notRunResult } from '../runs/suite.js';
import { generateCase } from '../model/generate.js';
import { referencesFor, reproduceCommand, runCheck, type CheckRun } from './check.js';
import { withOptions } from './fields.js';
import { manySubject, openCliSubject, plannedSubject, SUBJECT_OVERRIDES, subjectSpecOf } from './subject.js';
import type { Session } from './io.js';
import {
  caseFromOptions,
  checkOptionsFrom,
  commandLine,
  CONVENTIONS,
  FD,
  GENERATION,
  RUN,
  TOLERANCE,
  VARIANT,
} from './options.js';
import { conventionsFrom, inConventions, recipeInConventions, withPresetHelp } from './conventions.js';
import { parseFd, oneOf, positiveNumber } from './parsers.js';
import type { CliOptions } from './cli-options.js';

/** The files a command reads, which no output may overwrite. */
export const readsOf = (opts: Partial<CliOptions>): Output[] =>
  (['case', 'grads', 'matrix', 'impl'] as const).flatMap((k) => {
    const path = opts[k];
    return typeof path === 'string' ? [{ field: k, path }] : [];
  });

/** The outputs of a command that writes a report set: --out, --junit, the GitHub step summary (checked before any work). */
export const reportOutputs = (
  opts: Partial<CliOptions> & { out: string },
  inputs?: { what: string; paths: readonly string[] },
) =>
  checkOutputs({
    dir: { field: 'out', path: opts.out },
    files: opts.junit !== undefined ? [{ field: 'junit', path: opts.junit }] : [],
    stepSummary: true,
    reads: readsOf(opts),
    ...(inputs ? { inputs } : {}),
  });

type RunOptions = Pick<CliOptions, 'reference' | 'backend' | 'atol' | 'rtol' | 'out' | 'json' | 'junit'>;

const run = (
  s: Session,
  kind: 'compare' | 'suite' | 'verify',
  cases: () => Iterable<Case>,
  opts: RunOptions & Partial<CliOptions> & { heatmap?: boolean },
  extra: CheckOptions = {},
  more: Pick<CheckRun, 'localise' | 'notRun'> = {},
) =>
  runCheck(
    {
      kind,
      cases,
      references: referencesFor(opts.reference, opts.backend),
      backend: opts.backend,
      tolerance: { atol: opts.atol, rtol: opts.rtol },
      options: { ...checkOptionsFrom(opts), ...extra },
      outDir: opts.out,
      json: opts.json,
      command: commandLine(s.argv),
      ...(opts.junit ? { junit: opts.junit } : {}),
      ...more,
    },
    s.io,
  );

const COMPARE = [
  ...GENERATION,
  ...TOLERANCE,
  ...VARIANT,
  ...CONVENTIONS,
  ...FD,
  'case',
  'reference',
  'backend',
  'stepsDetail',
  'outputStep',
  'impl',
  'implCmd',
  'timeout',
  'shrink',
  'dtype',
  'out',
  'junit',
  'json',
  'maxMemory',
] as const;

export function compareCommand(program: Command, s: Session): void {
  const cmd = program
    .command('compare')
    .description('compare hand-written BPTT with tfjs (and finite differences) on one case');
  withPresetHelp(cmd);
  withOptions(cmd, COMPARE, {}, async (given, cmd: Command) => {
    const opts = given;
    reportOutputs(opts);
    // --impl or --impl-cmd: your code, in a child process of its own, started once the plan holds (planCheck)
    const spec = subjectSpecOf(opts);
    const options: CheckOptions = {
      ...checkOptionsFrom(opts),
      // the per-step check runs by default wherever it is defined (never for user code: it gives totals)
      stepsDetail: opts.stepsDetail ?? 'auto',
      heatmap: true,
      // user code is told the variant and does it itself: its output is compared as it returns it
      ...(spec ? { subject: plannedSubject(spec) } : {}),
      ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}),
      ...(spec && opts.stepsDetail === undefined ? { notes: [STEPS_NOT_RUN_IMPL] } : {}),
    };
    const references = referencesFor(opts.reference, opts.backend);
    const c = caseFromOptions(opts, cmd, (sz: Sizes, where: string) => checkWorkBudget(sz, references, options, where));
    planCheck(c, { ...options, references, tolerance: { atol: opts.atol, rtol: opts.rtol } }); // every refusal, before the subject starts
    if (spec) options.subject = await openCliSubject(spec, s);
    // a failure of your code is localised by experiment, and its smallest failing case written (unless --no-shrink)
    const localise =
      spec && opts.shrink !== false ? { reproduce: (file: string) => reproduceCommand(file, spec, opts) } : undefined;
    s.setCode(await run(s, 'compare', () => [c], opts, options, localise ? { localise } : {}));
  });
}

const VERIFY = [
  ...TOLERANCE,
  ...FD,
  'case',
  'grads',
  ...CONVENTIONS,
  'reference',
  'truncate',
  'detachEvery',
  'clipValue',
  'clipNorm',
  'dtype',
  'backend',
  'out',
  'junit',
  'json',
  'maxMemory',
] as const;

export function verifyCommand(program: Command, s: Session): void {
  const cmd = program
    .command('verify')
    .description('check a gradients file computed anywhere against the references for its case');
  withPresetHelp(cmd, 'your gradients file and its case are read');
  const over = {
    case: {
      description:
        'the case file (from bptt-check case); default: the gradients file itself, when it holds its case (params, inputs, targets) as PyTorch fixtures do',
    },
    grads: { required: true },
    reference: {
      description: 'what to check against: layers|ops|fast|fd|all',
      default: 'all',
      parse: (f: string) => oneOf(f, ['layers', 'ops', 'fast', 'fd', 'all'] as const),
    },
    truncate: {
      description:
        'the references truncate: each output back-propagates through at most k recurrent steps; your gradients are compared as given, truncated by you',
    },
    detachEvery: {
      description:
        'the references detach the hidden state at steps k, 2k, …; your gradients are compared as given, detached by you',
    },
    clipValue: {
      description: 'the references are clipped to [−v, v]: your gradients are compared as given, clipped by you',
      parse: positiveNumber,
    },
    clipNorm: {
      description: 'the references are clipped to global norm n: your gradients are compared as given, clipped by you',
      parse: positiveNumber,
    },
  } as const;
  withOptions(cmd, VERIFY, over, async (given) => {
    const opts: typeof given & { heatmap?: boolean } = { ...given };
    reportOutputs(opts);
    // the conventions: the command line's over what the gradients file, else the case file, declares
    const gradsRaw = readJsonFile(opts.grads!, 'gradients file');
    const declared = (gradsRaw as { conventions?: ConventionsFile } | null)?.conventions;
    if (opts.case === undefined && (gradsRaw as { params?: unknown } | null)?.params === undefined)
      throw new InputError(
        `${fieldName('case')} is not given and the gradients file holds no case (params, inputs, targets), expected ${fieldName('case')} FILE`,
        'case',
      );
    const caseRaw = opts.case !== undefined ? readJsonFile(opts.case, 'case file') : gradsRaw;
    const caseWhere = basename(opts.case ?? opts.grads!);
    const c = caseIn(caseRaw, caseWhere, caseWhere.replace(/\.case\.json$|\.json$/, ''), (own) =>
      conventionsFrom(opts, declared ?? own),
    );
    const grads = parseGradients(gradsRaw, `gradients file ${JSON.stringify(opts.grads)}`, c);
    // fd checks the full gradient of L: a truncated or detached gradient is the derivative of no loss
    const truncated = opts.truncate !== undefined || opts.detachEvery !== undefined;
    if (opts.reference === 'fd' && truncated)
      throw new InputError(
        `${fieldName('reference')} is fd with ${fieldName(opts.truncate !== undefined ? 'truncate' : 'detachEvery')}, expected ${fieldName('reference')} ops or all: a truncated gradient is not the derivative of any loss, so finite differences cannot check it`,
        'reference',
      );
    if ((opts.reference === 'fd' || opts.reference === 'all') && !truncated) opts.fd ??= ['full'];
    opts.heatmap = true;
    s.setCode(
      await run(s, 'verify', () => [c], opts, {
        subject: 'yours',
        impl: () => grads,
        notes: [STEPS_NOT_RUN_FILE],
        ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}),
      }),
    );
  });
}

const SUITE = [
  ...TOLERANCE,
  ...VARIANT,
  ...CONVENTIONS,
  ...FD,
  ...RUN,
  'impl',
  'implCmd',
  'timeout',
  'cells',
  'dtype',
] as const;

export function suiteCommand(program: Command, s: Session): void {
  const cmd = program
    .command('suite')
    .description('run the default comparison suite (npm start) and write one combined report');
  withPresetHelp(cmd);
  withOptions(cmd, SUITE, SUBJECT_OVERRIDES, async (opts) => {
    reportOutputs(opts);
    // --impl or --impl-cmd: your code, started once for the whole suite, once every case's plan holds
    const subjectSpec = manySubject(opts);
    const conv = conventionsFrom(opts); // bad conventions: exit 2 before any work
    const cases = defaultSuite().map((r) => inConventions(generateCase(recipeInConventions(r, opts, conv)), conv));
    if (opts.fd) for (const c of cases) checkFdMode(c, parseFd(opts.fd)!);
    const options: CheckOptions = {
      ...(subjectSpec ? { subject: plannedSubject(subjectSpec) } : {}),
      ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}),
    };
    const references = referencesFor(opts.reference, opts.backend);
    const plan = { ...checkOptionsFrom(opts), ...options, references, tolerance: { atol: opts.atol, rtol: opts.rtol } };
    // every refusal before your code starts: each case it will be asked (a cell given in --cells is not asked)
    const planned = subjectSpec ? plannedSubject(subjectSpec) : undefined;
    for (const c of cases) if (!planned || !notRunResult(c, planned)) planCheck(c, plan);
    if (subjectSpec) {
      const opened = await openCliSubject(subjectSpec, s);
      options.subject = opened.cells ? opened : withCellsHint(opened);
    }
    const subject = options.subject;
    const notRun = typeof subject === 'object' ? (c: Case) => notRunResult(c, subject) : undefined;
    s.setCode(await run(s, 'suite', () => cases, opts, options, notRun ? { notRun } : {}));
  });
}

/**
 * A subject that says no cells: when it fails on a gated case (throws, or answers the shape of another
 * cell), the one line says how to name the cells it implements. The suite stops there (exit 2), as compare does.
 */
function withCellsHint(side: Side): Side {
  return {
    ...side,
    async gradients(c, v) {
      try {
        return await side.gradients(c, v);
      } catch (e) {
        if (!(e instanceof InputError) || c.model.cell === 'rnn') throw e;
        throw new InputError(
          `${e.message}; if your code implements only some cells, say which: ${fieldName('cells')} rnn, or export const cells = ['rnn'] from a module`,
          e.field,
        );
      }
    },
  };
}
