/** Option parsing shared by the commands: numbers, generation options, the case a command works on. */
import { Command, Option } from 'commander';
import type { Case } from '../model/case.js';
import { InputError, shown, visible } from '../model/errors.js';
import { checkGenerateOptions, GENERATE_DEFAULTS, generateCase, type GenerateOptions } from '../model/generate.js';
import { loadCase } from '../model/io.js';
import { basename } from 'node:path';
import {
  bytesText,
  DEFAULT_MEMORY_SHARE,
  defaultMaxMemory,
  MAX_BATCH,
  MAX_DIM,
  MAX_FD_PERTURBATIONS,
  MAX_STEPS,
  parseMemory,
  sizesOf,
  sizesOfRecipe,
  type Sizes,
} from '../model/limits.js';
import { ACTIVATIONS, CELLS, RECURRENT_ACTIVATIONS } from '../model/spec.js';
import type { CheckOptions } from '../check/compare.js';
import type { FdMode } from '../fd/oracle.js';
import { DEFAULT_TOLERANCE, FLOAT64_TOLERANCE } from '../check/metrics.js';

/**
 * An integer option's value, at most `max` (default Number.MAX_SAFE_INTEGER: beyond it, digits are lost).
 * `what` names the cap in the message, e.g. "the cap on H".
 */
function boundedInteger(flag: string, v: string, min: number, max: number, what: string, expected: string): number {
  if (!/^\s*-?\d+\s*$/.test(v)) throw new InputError(`${flag} is ${shown(v)}, expected ${expected}`);
  const n = Number(v);
  if (n < min) throw new InputError(`${flag} is ${shown(v)}, expected ${expected}`);
  if (!Number.isSafeInteger(n) || n > max)
    throw new InputError(`${flag} is ${shown(v.trim())}, expected an integer ≤ ${max} (${what})`);
  return n;
}

const SAFE = 'the largest integer a float64 holds exactly';

export function integer(flag: string, max = Number.MAX_SAFE_INTEGER, what = SAFE) {
  return (v: string): number => boundedInteger(flag, v, -Number.MAX_SAFE_INTEGER, max, what, 'an integer');
}

/** A parser for a numeric option: finite, and passing ok, else a one-line error naming the flag. */
function numberOption(flag: string, ok: (n: number) => boolean, expected: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n))
      throw new InputError(`${flag} is ${shown(v)}, expected ${expected}`);
    return n;
  };
}

export const positiveNumber = (flag: string) => numberOption(flag, (n) => n > 0, 'a positive number');
export const nonNegativeNumber = (flag: string) => numberOption(flag, (n) => n >= 0, 'a number ≥ 0');
export const finiteNumber = (flag: string) => numberOption(flag, () => true, 'a finite number');

export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v))
      throw new InputError(`${flag} is ${shown(v)}, expected one of ${values.join('|')}`);
    return v as T;
  };
}

/** A file or directory path: an empty one (an unset shell variable) is refused, not taken as the current directory. */
export function path(flag: string, what: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new InputError(`${flag} is ${shown(v)}, expected ${what} (an unset shell variable?)`);
    return v;
  };
}

const GENERATION_FLAGS = [
  'cell',
  'recurrentActivation',
  'activation',
  'bias',
  'inputSize',
  'hiddenSize',
  'outputSize',
  'steps',
  'batch',
  'denseInputs',
  'initialState',
  'initScale',
  'seed',
  'id',
] as const;

/** The generation options of `bptt-check case` (docs/formats.md). */
export function addGenerationOptions(cmd: Command): Command {
  const d = GENERATE_DEFAULTS;
  return cmd
    .addOption(new Option('--cell <cell>', `the recurrent cell: ${CELLS.join('|')}`).argParser(oneOf('--cell', CELLS)))
    .addOption(
      new Option(
        '--recurrent-activation <σ>',
        `the gated cells' gate activation: ${RECURRENT_ACTIVATIONS.join('|')} (default hardSigmoid, as tfjs)`,
      ).argParser(oneOf('--recurrent-activation', RECURRENT_ACTIVATIONS)),
    )
    .addOption(
      new Option('--activation <f>', `f in s_t = f(U x_t + W s_{t-1} + b): ${ACTIVATIONS.join('|')}`)
        .default(d.activation)
        .argParser(oneOf('--activation', ACTIVATIONS)),
    )
    .option('--bias', 'add biases b and c', false)
    .option(
      '--input-size <I>',
      'input size (vocabulary for token inputs)',
      integer('--input-size', MAX_DIM, 'the cap on I'),
      d.inputSize,
    )
    .option('--hidden-size <H>', 'hidden size', integer('--hidden-size', MAX_DIM, 'the cap on H'), d.hiddenSize)
    .option('--output-size <K>', 'output classes (default: I)', integer('--output-size', MAX_DIM, 'the cap on K'))
    .option('--steps <T>', 'sequence length', integer('--steps', MAX_STEPS, 'the cap on T'), d.steps)
    .option('--batch <B>', 'sequences in the batch', integer('--batch', MAX_BATCH, 'the cap on B'), d.batch)
    .option('--dense-inputs', 'real input vectors instead of token ids', false)
    .option('--initial-state', 'a random s_{-1} instead of zeros (its gradient is checked too)', false)
    .option('--init-scale <σ>', 'weights ~ uniform with std σ/√fan_in', positiveNumber('--init-scale'), d.initScale)
    .option('--seed <n>', 'random seed', integer('--seed'), d.seed)
    .option('--id <label>', 'a label for the case, shown in reports');
}

/** The generation options among a command's parsed options (they carry GenerateOptions' names). */
export function generationOptions(values: Record<string, unknown>): GenerateOptions {
  return Object.fromEntries(
    GENERATION_FLAGS.filter((f) => values[f] !== undefined).map((f) => [f, values[f]]),
  ) as unknown as GenerateOptions;
}

/**
 * The case of a command: `--case FILE`, or generated from the generation options (not both). `budget` is
 * called with its sizes before anything is allocated for it: before it is generated, or once the file
 * (itself bounded, files.ts) is read.
 */
export function caseFromOptions(cmd: Command, budget?: (s: Sizes, where: string) => void): Case {
  const opts = cmd.opts();
  if (opts.case !== undefined) {
    const given = GENERATION_FLAGS.filter((f) => cmd.getOptionValueSource(f) === 'cli');
    if (given.length) {
      const flag = `--${given[0]!.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
      throw new InputError(`${flag} is given with --case, expected either --case FILE or generation options, not both`);
    }
    const c = loadCase(opts.case as string);
    budget?.(sizesOf(c), basename(opts.case as string));
    return c;
  }
  const recipe = generationOptions(opts);
  checkGenerateOptions(recipe);
  budget?.(sizesOfRecipe(recipe), '');
  return generateCase(recipe);
}

/** `--max-memory`: every command that computes refuses, before it allocates, a run estimated over it (limits.ts). */
export function maxMemoryOption(): Option {
  const share = `${Math.round(DEFAULT_MEMORY_SHARE * 100)}%`;
  return new Option(
    '--max-memory <size>',
    `refuse (exit 2) a run whose estimated memory is over this: bytes, or a number with K, M, G (powers of 1000) or Ki, Mi, Gi (default: ${share} of this machine's memory, ${bytesText(defaultMaxMemory())})`,
  ).argParser((v) => parseMemory('--max-memory', v));
}

export function addToleranceOptions(cmd: Command): Command {
  return cmd
    .option(
      '--atol <x>',
      'absolute tolerance, in units of the tensor scale S = max(‖a‖∞, ‖r‖∞)',
      nonNegativeNumber('--atol'),
      DEFAULT_TOLERANCE.atol,
    )
    .option('--rtol <x>', 'relative tolerance', nonNegativeNumber('--rtol'), DEFAULT_TOLERANCE.rtol);
}

/** bash's $'…' quoting: \\ and \' escaped, \n \r \t named, other control characters as \xHH (C0, DEL) or \uHHHH. */
function ansiC(a: string): string {
  const named: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const esc = (ch: string) => {
    const code = ch.charCodeAt(0);
    return (
      named[ch] ??
      (code <= 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
    );
  };
  return `$'${[...a].map((ch) => (ch === '\\' || ch === "'" || visible(ch) !== ch ? esc(ch) : ch)).join('')}'`;
}

/** The command line, quoted for a POSIX shell, for "how to reproduce". */
export function commandLine(argv: readonly string[]): string {
  // an argument with a control character is written in bash's $'…' quoting: the command stays one line, no raw escape
  const q = (a: string) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : visible(a) !== a ? ansiC(a) : `'${a.replace(/'/g, `'\\''`)}'`;
  return ['bptt-check', ...argv.map(q)].join(' ');
}

/** argv without an option and its value, written `--flag N` or `--flag=N` (for a reproduce command that leaves it out). */
export function withoutOption(argv: readonly string[], flag: string): string[] {
  return argv.filter((a, k) => a !== flag && !a.startsWith(`${flag}=`) && argv[k - 1] !== flag);
}

export function nonNegativeInteger(flag: string, max = Number.MAX_SAFE_INTEGER, what = SAFE) {
  return (v: string): number => boundedInteger(flag, v, 0, max, what, 'an integer ≥ 0');
}

export function positiveInteger(flag: string, max = Number.MAX_SAFE_INTEGER, what = SAFE) {
  return (v: string): number => boundedInteger(flag, v, 1, max, what, 'a positive integer');
}

/** `--fd full`, `--fd sample N`, `--fd fast [k]` (k random directions per tensor, default 2). */
export function parseFd(words: string[] | undefined): FdMode | undefined {
  if (!words) return undefined;
  const [kind, n, ...rest] = words;
  const bad = (expected: string) => new InputError(`--fd is ${shown(words.join(' '))}, expected ${expected}`);
  if (rest.length) throw bad('full, sample N or fast [k]');
  if (kind === 'full' && n === undefined) return { kind: 'full' };
  if (kind === 'sample') {
    if (n === undefined || !/^\d+$/.test(n) || Number(n) === 0) throw bad('sample N with N a positive integer');
    if (Number(n) > MAX_FD_PERTURBATIONS)
      throw bad(`sample N with N ≤ ${MAX_FD_PERTURBATIONS} (the cap on fd perturbations)`);
    return { kind: 'sample', n: Number(n) };
  }
  if (kind === 'fast') {
    if (n !== undefined && (!/^\d+$/.test(n) || Number(n) === 0)) throw bad('fast [k] with k a positive integer');
    if (Number(n) > MAX_FD_PERTURBATIONS)
      throw bad(`fast [k] with k ≤ ${MAX_FD_PERTURBATIONS} (the cap on fd perturbations)`);
    return { kind: 'fast', k: n === undefined ? 2 : Number(n) };
  }
  throw bad('full, sample N or fast [k]');
}

/** Truncation and clipping, shared by compare and grads. */
export function addVariantOptions(cmd: Command): Command {
  return cmd
    .option(
      '--truncate <k>',
      'truncated BPTT: each output back-propagates through at most k recurrent steps',
      nonNegativeInteger('--truncate'),
    )
    .option(
      '--detach-every <k>',
      'detach the hidden state at steps k, 2k, … (stateful training)',
      positiveInteger('--detach-every'),
    )
    .option('--clip-value <v>', 'clip every parameter-gradient element to [−v, v]', positiveNumber('--clip-value'))
    .option(
      '--clip-norm <n>',
      'scale the parameter gradients to global L2 norm n when above it',
      positiveNumber('--clip-norm'),
    );
}

export function addFdOptions(cmd: Command): Command {
  return cmd
    .option(
      '--fd <mode...>',
      `add the float64 finite-difference oracle: full | sample N | fast [k] (k directions per tensor, at most its entries; in all at most ${MAX_FD_PERTURBATIONS} perturbations)`,
    )
    .option('--fd-seed <n>', 'seed of the sampled entries and directions', integer('--fd-seed'), 1)
    .option(
      '--fd-atol <x>',
      `atol of the float64 pair hand vs fd (default ${FLOAT64_TOLERANCE.atol})`,
      nonNegativeNumber('--fd-atol'),
    )
    .option(
      '--fd-rtol <x>',
      `rtol of the float64 pair hand vs fd (default ${FLOAT64_TOLERANCE.rtol})`,
      nonNegativeNumber('--fd-rtol'),
    );
}

export function checkOptionsFrom(o: Record<string, unknown>): CheckOptions {
  const pick = <K extends keyof CheckOptions>(k: K) => (o[k] !== undefined ? { [k]: o[k] } : {});
  const fd = parseFd(o.fd as string[] | undefined);
  return {
    ...pick('truncate'),
    ...pick('detachEvery'),
    ...pick('clipValue'),
    ...pick('clipNorm'),
    ...(fd
      ? {
          fd,
          fdSeed: o.fdSeed as number,
          fdTolerance: {
            ...(o.fdAtol !== undefined ? { atol: o.fdAtol as number } : {}),
            ...(o.fdRtol !== undefined ? { rtol: o.fdRtol as number } : {}),
          },
        }
      : {}),
    ...(o.stepsDetail ? { stepsDetail: true } : {}),
    ...(o.heatmap ? { heatmap: true } : {}),
    ...pick('outputStep'),
    ...pick('maxMemory'),
  };
}
