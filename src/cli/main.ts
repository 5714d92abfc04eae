/**
 * The `bptt-check` command. Exit codes: 0 every check passed, 1 a gradient check failed, 2 bad input
 * or usage (one line on stderr naming the field, the value and what was expected; nothing written),
 * 3 an internal error (a bug in bptt-check: the message and the stack trace).
 */
import { Command, CommanderError, Option } from 'commander';
import type { Case } from '../model/case.js';
import { checkFdMode } from '../fd/oracle.js';
import { checkOptions, type CheckOptions, type SubjectOptions } from '../check/compare.js';
import { checkWorkBudget, planCheck } from '../check/plan.js';
import { planGradients, runGradients } from '../check/grads.js';
import { DTYPES } from '../check/precision.js';
import { goldenUpdate, goldenVerify } from '../runs/golden.js';
import { mergeCommand, sweepCommand } from './sweep.js';
import { openGradientsModule } from '../runs/user-module.js';
import { MAX_TIMEOUT_SECONDS } from '../runs/subject-host.js';
import { readJsonFile } from '../model/files.js';
import { analyseVanishing, checkVanishingOptions } from '../vanishing/analyse.js';
import type { Activation, Cell } from '../model/spec.js';
import { STEPS_NOT_RUN_FILE, STEPS_NOT_RUN_IMPL } from '../report/text.js';
import { vanishingConsole, vanishingJson, writeVanishingReports } from '../report/vanishing.js';
import { generateCase } from '../model/generate.js';
import { InputError, jsonSafe, visible } from '../model/errors.js';
import { writeFileAtomic } from '../model/files.js';
import { checkOutputs, type Output } from '../model/outputs.js';
import { gradientsJson, parseGradients } from '../model/gradients.js';
import { caseJson, loadCase } from '../model/io.js';
import { defaultSuite } from '../runs/suite.js';
import { DEFAULT_MAX_CASES } from '../runs/grid.js';
import { BACKENDS, REFERENCES, useBackend } from '../../reference/index.js';
import { TOOL_VERSION } from '../version.js';
import { REFERENCE_CHOICES, referencesFor, runCheck } from './check.js';
import { processIo, type Io } from './io.js';
import {
  addFdOptions,
  addGenerationOptions,
  addToleranceOptions,
  addVariantOptions,
  caseFromOptions,
  checkOptionsFrom,
  commandLine,
  finiteNumber,
  integer,
  maxMemoryOption,
  oneOf,
  parseFd,
  path,
  positiveInteger,
  positiveNumber,
  withoutOption,
} from './options.js';
import { checkBudget, checkCaseFile, MAX_STEPS, type Sizes } from '../model/limits.js';
import { basename } from 'node:path';
import { withFlags } from './fields.js';

const IMPLS = ['hand', ...REFERENCES, 'fd'] as const;

/** --timeout: positive, and at most MAX_TIMEOUT_SECONDS (a longer timer would overflow and fire at once). */
function timeoutOption(v: string): number {
  const n = positiveNumber('--timeout')(v);
  if (n > MAX_TIMEOUT_SECONDS)
    throw new InputError(`--timeout is ${JSON.stringify(v)}, expected at most ${MAX_TIMEOUT_SECONDS} seconds (a day)`);
  return n;
}

function backendOption(): Option {
  return new Option('--backend <name>', `tfjs backend for the references: ${BACKENDS.join('|')}`)
    .default('cpu')
    .argParser(oneOf('--backend', BACKENDS));
}

function referenceOption(): Option {
  const choices = Object.keys(REFERENCE_CHOICES) as (keyof typeof REFERENCE_CHOICES)[];
  return new Option(
    '--reference <which>',
    `tfjs oracle(s) to check against: ${choices.join('|')} (fast: the faster path on the backend)`,
  )
    .default('both')
    .argParser(oneOf('--reference', choices));
}

const dtypeOption = () =>
  new Option(
    '--dtype <type>',
    `the precision your gradients were computed in: ${DTYPES.join('|')} (default: detected from the values)`,
  ).argParser(oneOf('--dtype', DTYPES));
const outOption = () =>
  new Option('--out <dir>', 'report directory').default('reports').argParser(path('--out', 'a report directory'));
const junitOption = () =>
  new Option('--junit <file>', 'also write JUnit XML (one testcase per case × tensor)').argParser(
    path('--junit', 'a file path for the JUnit XML'),
  );
const jsonOption = () => new Option('--json', 'print the report JSON on stdout instead of the table').default(false);

/** The options every checking command shares: which references, which backend, where the reports go. */
const addRunOptions = (cmd: Command) =>
  cmd
    .addOption(referenceOption())
    .addOption(backendOption())
    .addOption(outOption())
    .addOption(junitOption())
    .addOption(jsonOption())
    .addOption(maxMemoryOption());

/** The outputs of a command that writes a report set: --out, --junit, the GitHub step summary (checked before any work). */
const reportOutputs = (
  opts: { out: string; junit?: string; [k: string]: unknown },
  inputs?: { what: string; paths: readonly string[] },
) =>
  checkOutputs({
    dir: { flag: '--out', path: opts.out },
    files: opts.junit !== undefined ? [{ flag: '--junit', path: opts.junit }] : [],
    stepSummary: true,
    reads: readsOf(opts),
    ...(inputs ? { inputs } : {}),
  });
/** The files a command reads, which no output may overwrite. */
const readsOf = (opts: Record<string, unknown>): Output[] =>
  (['case', 'grads', 'matrix', 'impl'] as const).flatMap((k) =>
    typeof opts[k] === 'string' ? [{ flag: `--${k}`, path: opts[k] }] : [],
  );
const fileOutput = (path: string | undefined): Output[] => (path !== undefined ? [{ flag: '--out', path }] : []);

function buildProgram(
  argv: readonly string[],
  io: Io,
  setCode: (code: number) => void,
  stops: (() => Promise<void>)[],
): Command {
  const program = new Command('bptt-check')
    .description('Check hand-written BPTT gradients of a recurrent network against TensorFlow.js tf.grad')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), outputError: () => {} });

  addGenerationOptions(program.command('case').description('write a generated case file'))
    .option(
      '--out <file>',
      'where to write the case (default: stdout)',
      path('--out', 'a file path for the case (leave --out out to print it)'),
    )
    .action((opts: { out?: string }, cmd: Command) => {
      checkOutputs({ files: fileOutput(opts.out) });
      const text = caseJson(caseFromOptions(cmd, checkCaseFile));
      if (opts.out) writeFileAtomic(opts.out, text);
      else io.out(text);
    });

  const run = (
    kind: 'compare' | 'suite' | 'verify',
    cases: () => Iterable<Case>,
    opts: Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- until the options table (issue 15)
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
        command: commandLine(argv),
        ...(opts.junit ? { junit: opts.junit } : {}),
      },
      io,
    );

  addFdOptions(
    addVariantOptions(
      addToleranceOptions(
        addGenerationOptions(
          program
            .command('compare')
            .description('compare hand-written BPTT with tfjs (and finite differences) on one case'),
        ),
      ),
    ),
  )
    .option('--case <file>', 'a case file (instead of generation options)')
    .addOption(referenceOption())
    .addOption(backendOption())
    .option(
      '--steps-detail',
      "check BPTT's sum over steps k term by term: ∂L/∂s_t and each step's contribution to dW, dU, db (default with full BPTT)",
    )
    .option('--no-steps-detail', 'leave the per-step check out')
    .option(
      '--output-step <t>',
      'with --steps-detail: differentiate the single output L_t',
      integer('--output-step', MAX_STEPS, 'the cap on T'),
    )
    .option(
      '--impl <module>',
      'your gradient code (.js, .mjs or .ts exporting gradients(case, { clipValue, clipNorm })) in place of the built-in hand-written BPTT; its output is compared as given',
    )
    .option(
      '--timeout <seconds>',
      `how long --impl may take to load, and per case (at most ${MAX_TIMEOUT_SECONDS}); it is stopped then`,
      timeoutOption,
      60,
    )
    .addOption(dtypeOption())
    .addOption(outOption())
    .addOption(junitOption())
    .addOption(jsonOption())
    .addOption(maxMemoryOption())
    .action(async (opts, cmd: Command) => {
      reportOutputs(opts);
      // --impl: your module, in a child process of its own, started once the plan holds (planCheck)
      let m: Awaited<ReturnType<typeof openGradientsModule>> | undefined;
      const yours = opts.impl !== undefined;
      const options: CheckOptions = {
        ...checkOptionsFrom(opts),
        // the per-step check runs by default wherever it is defined (never with --impl: a module gives totals)
        stepsDetail: opts.stepsDetail ?? 'auto',
        heatmap: true,
        // the module is told the clipping and clips itself: its output is compared as it returns it
        ...(yours ? { subject: 'yours', impl: (x: Case, told: SubjectOptions) => m!.gradients(x, told) } : {}),
        ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}),
        ...(yours && opts.stepsDetail === undefined ? { notes: [STEPS_NOT_RUN_IMPL] } : {}),
      };
      const references = referencesFor(opts.reference, opts.backend);
      const c = caseFromOptions(cmd, (s: Sizes, where: string) => checkWorkBudget(s, references, options, where));
      planCheck(c, { ...options, references, tolerance: { atol: opts.atol, rtol: opts.rtol } }); // every refusal, before the module starts
      if (yours) {
        const opened = await openGradientsModule(opts.impl, opts.timeout);
        stops.push(() => opened.close()); // the module's process, and any timer it left running, ends with the run
        m = opened;
      }
      setCode(await run('compare', () => [c], opts, options));
    });

  addFdOptions(
    addToleranceOptions(
      program
        .command('verify')
        .description('check a gradients file computed anywhere against the references for its case'),
    ),
  )
    .requiredOption('--case <file>', 'the case file (from bptt-check case)')
    .requiredOption('--grads <file>', 'your gradients file (format: docs/formats.md, "Gradients file")')
    .addOption(
      new Option('--reference <which>', 'what to check against: layers|ops|fast|fd|all')
        .default('all')
        .argParser(oneOf('--reference', ['layers', 'ops', 'fast', 'fd', 'all'] as const)),
    )
    .option(
      '--clip-value <v>',
      'the references are clipped to [−v, v]: your gradients are compared as given, clipped by you',
      positiveNumber('--clip-value'),
    )
    .option(
      '--clip-norm <n>',
      'the references are clipped to global norm n: your gradients are compared as given, clipped by you',
      positiveNumber('--clip-norm'),
    )
    .addOption(dtypeOption())
    .addOption(backendOption())
    .addOption(outOption())
    .addOption(junitOption())
    .addOption(jsonOption())
    .addOption(maxMemoryOption())
    .action(async (opts) => {
      reportOutputs(opts);
      const c = loadCase(opts.case);
      const given = parseGradients(
        readJsonFile(opts.grads, 'gradients file'),
        `gradients file ${JSON.stringify(opts.grads)}`,
        c,
      );
      if (opts.reference === 'fd' || opts.reference === 'all') opts.fd ??= ['full'];
      opts.heatmap = true;
      setCode(
        await run('verify', () => [c], opts, {
          subject: 'yours',
          impl: () => given,
          notes: [STEPS_NOT_RUN_FILE],
          ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}),
        }),
      );
    });

  addRunOptions(
    addFdOptions(
      addToleranceOptions(
        program
          .command('suite')
          .description('run the default comparison suite (npm start) and write one combined report'),
      ),
    ),
  ).action(async (opts) => {
    reportOutputs(opts);
    const cases = defaultSuite().map(generateCase);
    if (opts.fd) for (const c of cases) checkFdMode(c, parseFd(opts.fd)!);
    setCode(await run('suite', () => cases, opts));
  });

  addToleranceOptions(
    addGenerationOptions(
      program
        .command('vanishing')
        .description('measure how gradients vanish or explode through time, per activation and W scale'),
    ),
  )
    .option('--case <file>', 'a case file (instead of generation options)')
    .option(
      '--activations <list>',
      "comma-separated activations (with --case: the case's own unless given)",
      'tanh,sigmoid,relu',
    )
    .option(
      '--cells <list>',
      'comma-separated cells to set side by side: rnn|lstm|gru (gated cells: same inputs and W scale)',
      'rnn',
    )
    .option(
      '--forget-bias <b>',
      "the LSTM's forget-gate bias in the gated series (tfjs's unitForgetBias: 1)",
      finiteNumber('--forget-bias'),
      1,
    )
    .option(
      '--w-norm <list>',
      "comma-separated spectral norms to rescale W to (with --case: only when given, after the case's own W)",
      '0.5,1,2,4',
    )
    .option('--clip-norm <n>', 'the gradient clipping shown on the exploding side', positiveNumber('--clip-norm'), 1)
    .addOption(backendOption())
    .addOption(outOption())
    .addOption(jsonOption())
    .addOption(maxMemoryOption())
    .action(async (opts, cmd: Command) => {
      checkOutputs({ dir: { flag: '--out', path: opts.out } });
      if (opts.case === undefined && cmd.getOptionValueSource('steps') === 'default') opts.steps = 40;
      const given = (name: string) => cmd.getOptionValueSource(name) !== 'default';
      let activations = String(opts.activations)
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean);
      let wNorms = String(opts.wNorm)
        .split(',')
        .map((w) => (w.trim() === '' ? NaN : Number(w)));
      const cells = String(opts.cells)
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const caseW = opts.case !== undefined;
      // the series: cells × activations × W norms (with --case: its own activation, and its own W first)
      const series =
        cells.length *
        (caseW && !given('activations') ? 1 : activations.length) *
        ((caseW && !given('wNorm') ? 0 : wNorms.length) + (caseW ? 1 : 0));
      const c = caseFromOptions(cmd, (s, where) =>
        checkBudget(s, { command: 'vanishing', references: [], series }, opts.maxMemory, where),
      ); // --case: the case's own W first, its own activation unless --activations; rescaled W only for an explicit --w-norm
      if (caseW && !given('activations')) activations = [c.model.activation];
      if (caseW && !given('wNorm')) wNorms = [];
      checkVanishingOptions({ activations, wNorms, steps: c.steps, cells });
      const info = await useBackend(opts.backend);
      const v = await analyseVanishing(c, {
        activations: activations as Activation[],
        cells: cells as Cell[],
        seed: opts.seed,
        forgetBias: opts.forgetBias,
        wNorms,
        caseW,
        clipNorm: opts.clipNorm,
        tolerance: { atol: opts.atol, rtol: opts.rtol },
      });
      const meta = {
        command: commandLine(argv),
        backend: info.backend,
        tfjsVersion: info.tfjsVersion,
        createdAt: new Date().toISOString(),
        toolVersion: TOOL_VERSION,
      };
      const written = await writeVanishingReports(opts.out, v, meta, withFlags);
      if (opts.json) io.out(withFlags(vanishingJson(v, meta)));
      else io.out(vanishingConsole(v, written, withFlags));
      setCode(v.pass ? 0 : 1);
    });

  addRunOptions(
    addFdOptions(
      addToleranceOptions(
        program
          .command('sweep')
          .description('run many cases (a matrix file or a preset) over worker threads, optionally one shard of them'),
      ),
    ),
  )
    .option('--matrix <file>', 'a matrix file: value lists per generation option and seeds, and/or case files')
    .option('--preset <name>', 'a built-in matrix: default|large|stress')
    .option(
      '--workers <n>',
      'worker threads (default and at most: the number of cores, and no more than the cases; a larger n is capped, with a note)',
      positiveInteger('--workers'),
    )
    .option(
      '--max-cases <n>',
      'refuse a matrix whose cross product has more cases',
      positiveInteger('--max-cases'),
      DEFAULT_MAX_CASES,
    )
    .option('--shard <i/n>', 'run the i-th of n deterministic shards')
    .action(async (opts) => {
      reportOutputs(opts);
      const check = checkOptionsFrom(opts);
      checkOptions(check);
      // --workers does not change the results: the reproduce command leaves it out
      const args = withoutOption(argv, '--workers');
      setCode(
        await sweepCommand(
          {
            ...(opts.matrix !== undefined ? { matrix: opts.matrix } : {}),
            ...(opts.preset !== undefined ? { preset: opts.preset } : {}),
            maxCases: opts.maxCases,
            ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
            ...(opts.shard !== undefined ? { shard: opts.shard } : {}),
            references: referencesFor(opts.reference, opts.backend),
            tolerance: { atol: opts.atol, rtol: opts.rtol },
            options: check,
            backend: opts.backend,
            outDir: opts.out,
            json: opts.json,
            ...(opts.junit ? { junit: opts.junit } : {}),
            command: commandLine(args),
          },
          io,
        ),
      );
    });

  program
    .command('merge')
    .description('join shard reports of one sweep into one report with every format')
    .argument('<dirs...>', 'the shard report directories')
    .addOption(outOption())
    .addOption(junitOption())
    .addOption(jsonOption())
    .action(async (dirs: string[], opts: { out: string; json: boolean; junit?: string }) => {
      reportOutputs(opts, { what: 'shard directories merge reads', paths: dirs });
      setCode(await mergeCommand(dirs, opts.out, opts.json, io, opts.junit));
    });

  const golden = program.command('golden').description('golden regression snapshots of the default matrix');
  golden
    .command('update')
    .description('store, for each case of the default matrix, the case and the hand and reference gradients')
    .option('--dir <dir>', 'where the snapshots go', path('--dir', 'a snapshot directory'), 'reference/golden')
    .addOption(backendOption())
    .action(async (opts: { dir: string; backend: string }) => {
      checkOutputs({ dir: { flag: '--dir', path: opts.dir } });
      await useBackend(opts.backend);
      const written = await goldenUpdate(opts.dir, opts.backend);
      io.out(`wrote ${written.length} golden files to ${opts.dir}\n`);
    });
  addToleranceOptions(
    golden
      .command('verify')
      .description('recompute every snapshot and fail with a readable diff when a side drifts beyond tolerance'),
  )
    .option('--dir <dir>', 'the snapshots', path('--dir', 'a snapshot directory'), 'reference/golden')
    .addOption(backendOption())
    .option('--json', 'print the result as JSON', false)
    .addOption(maxMemoryOption())
    .action(
      async (opts: { dir: string; backend: string; atol: number; rtol: number; json: boolean; maxMemory?: number }) => {
        await useBackend(opts.backend);
        const r = await goldenVerify(opts.dir, { atol: opts.atol, rtol: opts.rtol }, opts.maxMemory);
        if (opts.json) io.out(`${jsonSafe(JSON.stringify(r, null, 2))}\n`);
        else {
          for (const d of r.drifts)
            io.out(`DRIFT  ${visible(d.case)}  ${d.side}  ${d.tensor}: ${visible(d.message)}\n`);
          io.out(
            r.pass
              ? `PASS: ${r.files} golden cases, every side within tolerance\n`
              : `FAIL: ${r.drifts.length} drifts in ${new Set(r.drifts.map((d) => d.case)).size} of ${r.files} golden cases\n`,
          );
        }
        setCode(r.pass ? 0 : 1);
      },
    );

  addVariantOptions(program.command('grads').description("write one implementation's gradients file for a case"))
    .requiredOption('--case <file>', 'the case file')
    .addOption(
      new Option('--impl <name>', `implementation: ${IMPLS.join('|')} (fd: float64 central differences of every entry)`)
        .default('hand')
        .argParser(oneOf('--impl', IMPLS)),
    )
    .addOption(backendOption())
    .option('--fd <mode...>', 'with --impl fd: full (a gradients file holds every entry)')
    .option(
      '--out <file>',
      'where to write the gradients file (default: stdout)',
      path('--out', 'a file path for the gradients (leave --out out to print them)'),
    )
    .addOption(maxMemoryOption())
    .action(
      async (
        opts: { case: string; impl: (typeof IMPLS)[number]; backend: string; out?: string } & Record<string, unknown>,
      ) => {
        checkOutputs({ files: fileOutput(opts.out), reads: [{ flag: '--case', path: opts.case }] });
        const c = loadCase(opts.case);
        const plan = planGradients(c, opts.impl, checkOptionsFrom(opts), basename(opts.case));
        let source: string = opts.impl;
        if (opts.impl === 'fd') source = 'fd (float64 central differences, every entry)';
        else if (opts.impl !== 'hand') {
          const info = await useBackend(opts.backend);
          source = `${opts.impl} (tfjs ${info.tfjsVersion}, ${info.backend} backend)`;
        }
        const g = await runGradients(plan);
        const text = gradientsJson(c, g, source);
        if (opts.out) writeFileAtomic(opts.out, text);
        else io.out(text);
      },
    );
  return program;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const stops: (() => Promise<void>)[] = []; // what a command started and main stops when it ends (an --impl module's process)
  const program = buildProgram(argv, io, (c) => (code = c), stops);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      io.err(`bptt-check: ${visible(e.message.replace(/^error: /, '').split('\n')[0]!)}\n`);
      return 2;
    }
    if (e instanceof InputError) {
      io.err(`bptt-check: ${visible(withFlags(e.message))}\n`); // one line, whatever a file, path or module put in it
      return 2;
    }
    io.err(
      `bptt-check: internal error (please report it): ${((e as Error).stack ?? String(e)).split('\n').map(visible).join('\n')}\n`,
    );
    return 3;
  } finally {
    await Promise.all(stops.map((stop) => stop()));
  }
}
