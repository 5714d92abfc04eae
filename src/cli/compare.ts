/** `compare`, `verify` and `suite`: parse the options, plan the check, run it, publish the report. */
import type { Command } from 'commander';
import type { Case } from '../model/case.js';
import { checkFdMode } from '../fd/oracle.js';
import { checkOptions, type CheckOptions, type SubjectOptions } from '../check/compare.js';
import { checkWorkBudget } from '../check/budget.js';
import { checkOutputStep } from '../check/steps.js';
import { InputError } from '../model/errors.js';
import { readJsonFile } from '../model/files.js';
import { parseGradients } from '../model/gradients.js';
import { loadCase } from '../model/io.js';
import type { Sizes } from '../model/limits.js';
import { checkOutputs, type Output } from '../model/outputs.js';
import { STEPS_NEED_TERMS, STEPS_NOT_RUN_FILE, STEPS_NOT_RUN_IMPL } from '../report/text.js';
import { openGradientsModule } from '../runs/user-module.js';
import { defaultSuite } from '../runs/suite.js';
import { generateCase } from '../model/generate.js';
import { referencesFor, runCheck } from './check.js';
import { withOptions } from './fields.js';
import type { Session } from './io.js';
import { caseFromOptions, checkOptionsFrom, commandLine, FD, GENERATION, RUN, TOLERANCE, VARIANT } from './options.js';
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
    },
    s.io,
  );

const COMPARE = [
  ...GENERATION,
  ...TOLERANCE,
  ...VARIANT,
  ...FD,
  'case',
  'reference',
  'backend',
  'stepsDetail',
  'outputStep',
  'impl',
  'timeout',
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
  withOptions(cmd, COMPARE, {}, async (given, cmd: Command) => {
    const opts: typeof given & { heatmap?: boolean } = { ...given };
    reportOutputs(opts);
    // the budget of what will run (the per-step check runs by default where it is defined, never with --impl)
    const willStep =
      opts.impl === undefined && (opts.stepsDetail ?? (opts.truncate === undefined && opts.detachEvery === undefined));
    const budget = (sz: Sizes, where: string) =>
      checkWorkBudget(
        sz,
        referencesFor(opts.reference, opts.backend),
        { ...checkOptionsFrom(opts), stepsDetail: willStep },
        where,
      );
    const c = caseFromOptions(opts, cmd, budget);
    const extra: CheckOptions = {};
    if (opts.impl !== undefined) {
      if (opts.truncate !== undefined || opts.detachEvery !== undefined)
        throw new InputError(
          '--impl is given with truncation, expected full BPTT: your module computes the full gradient of the case',
        );
      // the per-step terms are the built-in side's; your module gives totals only
      if (opts.stepsDetail === true)
        throw new InputError(`--steps-detail is given with --impl, expected no --steps-detail: ${STEPS_NEED_TERMS}`);
      if (opts.outputStep !== undefined)
        throw new InputError(`--output-step is given with --impl, expected no --output-step: ${STEPS_NEED_TERMS}`);
      const m = await openGradientsModule(opts.impl, opts.timeout); // in a child process of its own
      s.stops.push(() => m.close()); // the module's process, and any timer it left running, ends with the run
      // the module is told the clipping and clips itself: its output is compared as it returns it
      Object.assign(extra, { subject: 'yours', impl: (x: Case, told: SubjectOptions) => m.gradients(x, told) });
      if (opts.dtype !== undefined) extra.dtype = opts.dtype;
      if (opts.stepsDetail === undefined) extra.notes = [STEPS_NOT_RUN_IMPL];
      opts.stepsDetail = false;
    } else if (opts.dtype !== undefined)
      throw new InputError(
        `--dtype is ${opts.dtype} without --impl, expected --impl MODULE: the built-in hand-written side computes in float64`,
      );
    const truncated = opts.truncate !== undefined || opts.detachEvery !== undefined;
    opts.stepsDetail ??= !truncated; // the per-step check runs by default wherever it is defined
    opts.heatmap = true;
    const check = checkOptionsFrom(opts);
    checkOptions(check);
    if (check.fd) checkFdMode(c, check.fd);
    checkOutputStep(c, check.outputStep);
    s.setCode(await run(s, 'compare', () => [c], opts, extra));
  });
}

const VERIFY = [
  ...TOLERANCE,
  ...FD,
  'case',
  'grads',
  'reference',
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
  const over = {
    case: { description: 'the case file (from bptt-check case)', required: true },
    grads: { required: true },
    reference: {
      description: 'what to check against: layers|ops|fast|fd|all',
      default: 'all',
      parse: (f: string) => oneOf(f, ['layers', 'ops', 'fast', 'fd', 'all'] as const),
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
    const c = loadCase(opts.case!);
    const grads = parseGradients(
      readJsonFile(opts.grads!, 'gradients file'),
      `gradients file ${JSON.stringify(opts.grads)}`,
      c,
    );
    if (opts.reference === 'fd' || opts.reference === 'all') opts.fd ??= ['full'];
    opts.heatmap = true;
    checkOptions(checkOptionsFrom(opts));
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

export function suiteCommand(program: Command, s: Session): void {
  const cmd = program
    .command('suite')
    .description('run the default comparison suite (npm start) and write one combined report');
  withOptions(cmd, [...TOLERANCE, ...FD, ...RUN] as const, {}, async (opts) => {
    reportOutputs(opts);
    const cases = defaultSuite().map(generateCase);
    if (opts.fd) for (const c of cases) checkFdMode(c, parseFd(opts.fd)!);
    s.setCode(await run(s, 'suite', () => cases, opts));
  });
}
