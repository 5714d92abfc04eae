/** The options the commands share, as lists of fields of the table (table.ts), and what a command makes of them. */
import type { Command } from 'commander';
import type { Case } from '../model/case.js';
import { InputError, visible } from '../model/errors.js';
import { checkGenerateOptions, generateCase, RECIPE_FIELDS, type GenerateOptions } from '../model/generate.js';
import { loadCase } from '../model/io.js';
import { basename } from 'node:path';
import { sizesOf, sizesOfRecipe, type Sizes } from '../model/limits.js';
import type { CheckOptions } from '../check/compare.js';
import { flagOf, type Values } from './fields.js';
import { conventionsForOf, conventionsFrom, inConventions, recipeInConventions } from './conventions.js';
import { parseFd } from './parsers.js';
import type { CliOptions, Field } from './cli-options.js';

/** The generation options of `bptt-check case` (docs/formats.md): GenerateOptions' fields. */
export const GENERATION = [
  ...RECIPE_FIELDS,
  'lastStepOnly',
  'lengths',
  'seed',
  'id',
] as const satisfies readonly (keyof GenerateOptions & Field)[];
export const TOLERANCE = ['atol', 'rtol'] as const satisfies readonly Field[];
/** Truncation and clipping, shared by compare and grads. */
export const VARIANT = ['truncate', 'detachEvery', 'clipValue', 'clipNorm'] as const satisfies readonly Field[];
/** The subject's conventions (validated together by conventionsOf). */
export const CONVENTIONS = [
  'conventions',
  'layout',
  'gateOrder',
  'concatGates',
  'gruReset',
  'twoBiases',
  'reduction',
] as const satisfies readonly Field[];
export const FD = ['fd', 'fdSeed', 'fdAtol', 'fdRtol'] as const satisfies readonly Field[];
/** The options every checking command shares: which references, which backend, where the reports go. */
export const RUN = ['reference', 'backend', 'out', 'junit', 'json', 'maxMemory'] as const satisfies readonly Field[];

/** The generation options among a command's parsed options (they carry GenerateOptions' names). */
export function generationOptions(values: Partial<GenerateOptions>): GenerateOptions {
  return Object.fromEntries(
    GENERATION.filter((f) => values[f] !== undefined).map((f) => [f, values[f]]),
  ) as unknown as GenerateOptions;
}

/**
 * The case of a command: `--case FILE`, or generated from the generation options (not both). `budget` is
 * called with its sizes before anything is allocated for it: before it is generated, or once the file
 * (itself bounded, files.ts) is read.
 */
export function caseFromOptions(
  opts: Values<typeof GENERATION> & { case?: string } & Partial<Pick<CliOptions, (typeof CONVENTIONS)[number]>>,
  cmd: Command,
  budget?: (s: Sizes, where: string) => void,
): Case {
  if (opts.case !== undefined) {
    const given = GENERATION.filter((f) => cmd.getOptionValueSource(f) === 'cli');
    if (given.length)
      throw new InputError(
        `${flagOf(given[0]!)} is given with --case, expected either --case FILE or generation options, not both`,
      );
    const c = loadCase(opts.case, conventionsForOf(opts));
    budget?.(sizesOf(c), basename(opts.case));
    return c;
  }
  const conv = conventionsFrom(opts);
  const recipe = withLengths(
    recipeInConventions(generationOptions(opts), opts, conv),
    (f) => cmd.getOptionValueSource(f) === 'cli',
  );
  checkGenerateOptions(recipe);
  budget?.(sizesOfRecipe(recipe), '');
  return inConventions(generateCase(recipe), conv);
}

/** With lengths: B is their count unless batch is given, T their maximum unless steps is given (larger or not). */
function withLengths(o: GenerateOptions, given: (f: 'batch' | 'steps') => boolean): GenerateOptions {
  if (!o.lengths) return o;
  const batch = given('batch') ? o.batch : o.lengths.length;
  const steps = given('steps') ? o.steps : Math.max(...o.lengths);
  return { ...o, batch, steps };
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

/** CheckOptions from a command's parsed options (and what the command decided: stepsDetail, heatmap). */
export function checkOptionsFrom(o: Partial<CliOptions> & { heatmap?: boolean }): CheckOptions {
  const pick = <K extends keyof CheckOptions & keyof CliOptions>(k: K) => (o[k] !== undefined ? { [k]: o[k] } : {});
  const fd = parseFd(o.fd);
  return {
    ...pick('truncate'),
    ...pick('detachEvery'),
    ...pick('clipValue'),
    ...pick('clipNorm'),
    ...(fd
      ? {
          fd,
          fdSeed: o.fdSeed!,
          fdTolerance: {
            ...(o.fdAtol !== undefined ? { atol: o.fdAtol } : {}),
            ...(o.fdRtol !== undefined ? { rtol: o.fdRtol } : {}),
          },
        }
      : {}),
    ...(o.stepsDetail ? { stepsDetail: true } : {}),
    ...(o.heatmap ? { heatmap: true } : {}),
    ...pick('outputStep'),
    ...pick('maxMemory'),
  };
}
