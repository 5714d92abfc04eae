/** The fields the command line sets (typed against the library's options types) and the shape of their table. */
import type { Backend } from '../../reference/index.js';
import type { CheckOptions } from '../check/compare.js';
import type { Tolerance } from '../check/metrics.js';
import type { GenerateOptions } from '../model/generate.js';
import type { GruReset } from '../model/spec.js';

/** The tfjs oracles each `--reference` choice of compare, suite and sweep names. */
export const REFERENCE_CHOICES = {
  layers: ['tfjs-layers'],
  ops: ['tfjs-ops'],
  both: ['tfjs-layers', 'tfjs-ops'],
  fast: [],
} as const;

/** What `--reference` may name: the tfjs oracles (compare, suite, sweep); verify adds fd and all. */
export type ReferenceChoice = keyof typeof REFERENCE_CHOICES | 'fd' | 'all';

/** The fields the command line sets, with the values commander gives them. */
export interface CliOptions
  extends
    GenerateOptions,
    Tolerance,
    Pick<CheckOptions, 'truncate' | 'detachEvery' | 'clipValue' | 'clipNorm' | 'stepsDetail' | 'outputStep'>,
    Pick<CheckOptions, 'dtype' | 'maxMemory'> {
  /** the words of --fd (parseFd makes them CheckOptions.fd) */
  fd?: string[];
  fdSeed: number;
  /** CheckOptions.fdTolerance's atol and rtol */
  fdAtol?: number;
  fdRtol?: number;
  /** the case file (else the generation options) */
  case?: string;
  /** the gradients file verify checks */
  grads?: string;
  /** compare: your module; grads: the implementation that writes the file */
  impl?: string;
  /** your code as a command speaking the subject protocol */
  implCmd?: string;
  /** compare: localise a failure of your code by experiment and write minimal.case.json (--no-shrink: false) */
  shrink: boolean;
  timeout: number;
  reference: ReferenceChoice;
  backend: Backend;
  /** the report directory */
  out: string;
  /** the one file case and grads write (default: stdout) */
  outFile?: string;
  junit?: string;
  json: boolean;
  /** vanishing's series: comma-separated lists, parsed by the command */
  activations: string;
  cells: string;
  forgetBias: number;
  wNorm: string;
  /** vanishing: how many consecutive seeds, from seed, to draw the case with */
  seeds: number;
  matrix?: string;
  preset?: string;
  workers?: number;
  maxCases: number;
  shard?: string;
  /** the golden snapshots' directory */
  dir: string;
  /** the subject's conventions (src/model/conventions.ts validates them all in one place: conventionsOf) */
  conventions?: string;
  layout?: string;
  gateOrder?: string;
  concatGates?: boolean;
  gruReset?: GruReset;
  twoBiases?: boolean;
  reduction?: string;
  /** case: targets null except at the last step (a many-to-one model) */
  lastStepOnly?: boolean;
  /** case: each sequence's length, e.g. "7,4,5": targets null after it (padding) */
  lengths?: number[];
}

export type Field = keyof CliOptions;

/** One option: its flag's argument (none: a switch), help text, parser of the text given, default. */
export interface Spec<V> {
  /** default: `--` and the field in kebab case */
  flag?: string;
  /** `<H>`, `<mode...>`; none for a switch */
  argument?: string;
  description: string;
  /** the parser, given the flag it names in its errors */
  parse?: (flag: string) => (v: string) => V;
  default?: V;
  required?: boolean;
  /** the help of the switch's `--no-` form, when it has one */
  negation?: string;
}

export type Table = { [K in Field]-?: Spec<NonNullable<CliOptions[K]>> };
