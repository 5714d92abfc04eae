/** Option parsing shared by the commands: numbers, generation options, the case a command works on. */
import { Command, Option } from 'commander';
import type { Case } from '../model/case.js';
import { InputError, shown } from '../model/errors.js';
import { GENERATE_DEFAULTS, generateCase, type GenerateOptions } from '../model/generate.js';
import { loadCase } from '../model/io.js';
import { ACTIVATIONS } from '../model/spec.js';
import { DEFAULT_TOLERANCE } from '../check/metrics.js';

export function integer(flag: string) {
  return (v: string): number => {
    if (!/^\s*-?\d+\s*$/.test(v)) throw new InputError(`${flag} is ${shown(v)}, expected an integer`);
    return Number(v);
  };
}

export function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`${flag} is ${shown(v)}, expected a positive number`);
    return n;
  };
}

export function nonNegativeNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InputError(`${flag} is ${shown(v)}, expected a number ≥ 0`);
    return n;
  };
}

export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v)) throw new InputError(`${flag} is ${shown(v)}, expected one of ${values.join('|')}`);
    return v as T;
  };
}

const GENERATION_FLAGS = [
  'activation', 'bias', 'inputSize', 'hiddenSize', 'outputSize', 'steps', 'batch',
  'denseInputs', 'initialState', 'initScale', 'seed', 'id',
] as const;

/** The generation options of DESIGN.md / `bptt-check case`. */
export function addGenerationOptions(cmd: Command): Command {
  const d = GENERATE_DEFAULTS;
  return cmd
    .addOption(new Option('--activation <f>', `f in s_t = f(U x_t + W s_{t-1} + b): ${ACTIVATIONS.join('|')}`).default(d.activation).argParser(oneOf('--activation', ACTIVATIONS)))
    .option('--bias', 'add biases b and c', false)
    .option('--input-size <I>', 'input size (vocabulary for token inputs)', integer('--input-size'), d.inputSize)
    .option('--hidden-size <H>', 'hidden size', integer('--hidden-size'), d.hiddenSize)
    .option('--output-size <K>', 'output classes (default: I)', integer('--output-size'))
    .option('--steps <T>', 'sequence length', integer('--steps'), d.steps)
    .option('--batch <B>', 'sequences in the batch', integer('--batch'), d.batch)
    .option('--dense-inputs', 'real input vectors instead of token ids', false)
    .option('--initial-state', 'a random s_{-1} instead of zeros (its gradient is checked too)', false)
    .option('--init-scale <σ>', 'weights ~ uniform with std σ/√fan_in', positiveNumber('--init-scale'), d.initScale)
    .option('--seed <n>', 'random seed', integer('--seed'), d.seed)
    .option('--id <label>', 'a label for the case, shown in reports');
}

/** The generation options among a command's parsed options (they carry GenerateOptions' names). */
export function generationOptions(values: Record<string, unknown>): GenerateOptions {
  return Object.fromEntries(GENERATION_FLAGS.filter((f) => values[f] !== undefined).map((f) => [f, values[f]])) as unknown as GenerateOptions;
}

/** The case of a command: `--case FILE`, or generated from the generation options (not both). */
export function caseFromOptions(cmd: Command): Case {
  const opts = cmd.opts();
  if (opts.case !== undefined) {
    const given = GENERATION_FLAGS.filter((f) => cmd.getOptionValueSource(f) === 'cli');
    if (given.length) {
      const flag = `--${given[0]!.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
      throw new InputError(`${flag} is given with --case, expected either --case FILE or generation options, not both`);
    }
    return loadCase(opts.case as string);
  }
  return generateCase(generationOptions(opts));
}

export function addToleranceOptions(cmd: Command): Command {
  return cmd
    .option('--atol <x>', 'absolute tolerance, in units of the tensor scale S = max(‖a‖∞, ‖r‖∞)', nonNegativeNumber('--atol'), DEFAULT_TOLERANCE.atol)
    .option('--rtol <x>', 'relative tolerance', nonNegativeNumber('--rtol'), DEFAULT_TOLERANCE.rtol);
}

/** The command line, quoted for a POSIX shell, for "how to reproduce". */
export function commandLine(argv: readonly string[]): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['bptt-check', ...argv.map(q)].join(' ');
}
