/**
 * Every option of the command line, declared once, keyed by the field it sets (as vitest's cli-config.ts):
 * the fields of the library's own options types (GenerateOptions, Tolerance, CheckOptions) and the CLI's own
 * (where the reports go, which references, the subject). A key that is not a field of CliOptions is a type
 * error, and a parser must give the field's type. A command picks its options from here by field, in its help
 * order, and may say one differently (its description, default, parser); the flag is the field's in kebab case
 * unless the entry names another.
 */
import { BACKENDS } from '../../reference/index.js';
import { DEFAULT_TOLERANCE, FLOAT64_TOLERANCE } from '../check/metrics.js';
import { InputError } from '../model/errors.js';
import { GENERATE_DEFAULTS } from '../model/generate.js';
import { DTYPES } from '../model/gradients.js';
import {
  bytesText,
  DEFAULT_MEMORY_SHARE,
  defaultMaxMemory,
  MAX_BATCH,
  MAX_DIM,
  MAX_FD_PERTURBATIONS,
  MAX_STEPS,
  parseMemory,
} from '../model/limits.js';
import { ACTIVATIONS, CELLS, RECURRENT_ACTIVATIONS } from '../model/spec.js';
import { CONVENTION_OPTIONS } from './table-conventions.js';
import { DEFAULT_MAX_CASES } from '../runs/grid.js';
import { MAX_TIMEOUT_SECONDS } from '../runs/subject-host.js';
import { REFERENCE_CHOICES, type Field, type Table } from './cli-options.js';

import {
  finiteNumber,
  integer,
  nonNegativeInteger,
  nonNegativeNumber,
  oneOf,
  path,
  positiveInteger,
  positiveNumber,
} from './parsers.js';

const d = GENERATE_DEFAULTS;
const reportDir = (flag: string) => path(flag, 'a report directory');

export const OPTIONS: Table = {
  cell: { argument: '<cell>', description: `the recurrent cell: ${CELLS.join('|')}`, parse: (f) => oneOf(f, CELLS) },
  recurrentActivation: {
    argument: '<σ>',
    description: `the gated cells' gate activation: ${RECURRENT_ACTIVATIONS.join('|')} (default hardSigmoid, as tfjs)`,
    parse: (f) => oneOf(f, RECURRENT_ACTIVATIONS),
  },
  activation: {
    argument: '<f>',
    description: `f in s_t = f(U x_t + W s_{t-1} + b): ${ACTIVATIONS.join('|')}`,
    parse: (f) => oneOf(f, ACTIVATIONS),
    default: d.activation,
  },
  bias: { description: 'add biases b and c', default: false },
  inputSize: {
    argument: '<I>',
    description: 'input size (vocabulary for token inputs)',
    parse: (f) => integer(f, MAX_DIM, 'the cap on I'),
    default: d.inputSize,
  },
  hiddenSize: {
    argument: '<H>',
    description: 'hidden size',
    parse: (f) => integer(f, MAX_DIM, 'the cap on H'),
    default: d.hiddenSize,
  },
  outputSize: {
    argument: '<K>',
    description: 'output classes (default: I)',
    parse: (f) => integer(f, MAX_DIM, 'the cap on K'),
  },
  steps: {
    argument: '<T>',
    description: 'sequence length',
    parse: (f) => integer(f, MAX_STEPS, 'the cap on T'),
    default: d.steps,
  },
  batch: {
    argument: '<B>',
    description: 'sequences in the batch',
    parse: (f) => integer(f, MAX_BATCH, 'the cap on B'),
    default: d.batch,
  },
  denseInputs: { description: 'real input vectors instead of token ids', default: false },
  initialState: { description: 'a random s_{-1} instead of zeros (its gradient is checked too)', default: false },
  initScale: {
    argument: '<σ>',
    description: 'weights ~ uniform with std σ/√fan_in',
    parse: positiveNumber,
    default: d.initScale,
  },
  seed: { argument: '<n>', description: 'random seed', parse: (f) => integer(f), default: d.seed },
  id: { argument: '<label>', description: 'a label for the case, shown in reports' },

  atol: {
    argument: '<x>',
    description: 'absolute tolerance, in units of the tensor scale S = max(‖a‖∞, ‖r‖∞)',
    parse: nonNegativeNumber,
    default: DEFAULT_TOLERANCE.atol,
  },
  rtol: {
    argument: '<x>',
    description: 'relative tolerance',
    parse: nonNegativeNumber,
    default: DEFAULT_TOLERANCE.rtol,
  },

  truncate: {
    argument: '<k>',
    description: 'truncated BPTT: each output back-propagates through at most k recurrent steps',
    parse: (f) => nonNegativeInteger(f),
  },
  detachEvery: {
    argument: '<k>',
    description: 'detach the hidden state at steps k, 2k, … (stateful training)',
    parse: (f) => positiveInteger(f),
  },
  clipValue: {
    argument: '<v>',
    description: 'clip every parameter-gradient element to [−v, v]',
    parse: positiveNumber,
  },
  clipNorm: {
    argument: '<n>',
    description: 'scale the parameter gradients to global L2 norm n when above it',
    parse: positiveNumber,
  },

  ...CONVENTION_OPTIONS,

  fd: {
    argument: '<mode...>',
    description: `add the float64 finite-difference oracle: full | sample N | fast [k] (k directions per tensor, at most its entries; in all at most ${MAX_FD_PERTURBATIONS} perturbations)`,
  },
  fdSeed: {
    argument: '<n>',
    description: 'seed of the sampled entries and directions',
    parse: (f) => integer(f),
    default: 1,
  },
  fdAtol: {
    argument: '<x>',
    description: `atol of the float64 pair hand vs fd (default ${FLOAT64_TOLERANCE.atol})`,
    parse: nonNegativeNumber,
  },
  fdRtol: {
    argument: '<x>',
    description: `rtol of the float64 pair hand vs fd (default ${FLOAT64_TOLERANCE.rtol})`,
    parse: nonNegativeNumber,
  },

  case: { argument: '<file>', description: 'a case file (instead of generation options)' },
  grads: { argument: '<file>', description: 'your gradients file (format: docs/formats.md, "Gradients file")' },
  stepsDetail: {
    description:
      "check BPTT's sum over steps k term by term: ∂L/∂s_t and each step's contribution to dW, dU, db (default with full BPTT)",
    negation: 'leave the per-step check out',
  },
  outputStep: {
    argument: '<t>',
    description: 'with --steps-detail: differentiate the single output L_t',
    parse: (f) => integer(f, MAX_STEPS, 'the cap on T'),
  },
  impl: {
    argument: '<module>',
    description:
      'your gradient code (.js, .mjs or .ts exporting gradients(case, { truncate, detachEvery, clipValue, clipNorm })) in place of the built-in hand-written BPTT; it does the variant itself and its output is compared as given',
  },
  implCmd: {
    argument: '<command>',
    description:
      'your gradient code in any language, as a command started once that answers one JSON line per request line (docs/formats.md, "Subject protocol"); e.g. "python3 my_bptt.py"',
  },
  shrink: {
    description:
      'when your code fails, localise the error by experiment (prefixes of the steps, one row against two, without the initial state or biases) and write the smallest failing case as minimal.case.json',
    negation: 'leave the localisation by experiment out: your code is asked about the case only',
    default: true,
  },
  timeout: {
    argument: '<seconds>',
    description: `how long --impl or --impl-cmd may take to start, and per case (at most ${MAX_TIMEOUT_SECONDS}); it is stopped then`,
    parse: (f) => (v) => {
      const n = positiveNumber(f)(v);
      if (n > MAX_TIMEOUT_SECONDS)
        throw new InputError(`${f} is ${JSON.stringify(v)}, expected at most ${MAX_TIMEOUT_SECONDS} seconds (a day)`);
      return n;
    },
    default: 60,
  },
  dtype: {
    argument: '<type>',
    description: `the precision your gradients were computed in: ${DTYPES.join('|')} (default: detected from the values)`,
    parse: (f) => oneOf(f, DTYPES),
  },
  reference: {
    argument: '<which>',
    description: `tfjs oracle(s) to check against: ${Object.keys(REFERENCE_CHOICES).join('|')} (fast: the faster path on the backend)`,
    parse: (f) => oneOf(f, Object.keys(REFERENCE_CHOICES) as (keyof typeof REFERENCE_CHOICES)[]),
    default: 'both',
  },
  backend: {
    argument: '<name>',
    description: `tfjs backend for the references: ${BACKENDS.join('|')}`,
    parse: (f) => oneOf(f, BACKENDS),
    default: 'cpu',
  },
  out: { argument: '<dir>', description: 'report directory', parse: reportDir, default: 'reports' },
  outFile: {
    flag: '--out',
    argument: '<file>',
    description: 'where to write the file (default: stdout)',
    parse: (f) => path(f, 'a file path'),
  },
  junit: {
    argument: '<file>',
    description: 'also write JUnit XML (one testcase per case × tensor)',
    parse: (f) => path(f, 'a file path for the JUnit XML'),
  },
  json: { description: 'print the report JSON on stdout instead of the table', default: false },
  maxMemory: {
    argument: '<size>',
    description: `refuse (exit 2) a run whose estimated memory is over this: bytes, or a number with K, M, G (powers of 1000) or Ki, Mi, Gi (default: ${Math.round(DEFAULT_MEMORY_SHARE * 100)}% of this machine's memory, ${bytesText(defaultMaxMemory())})`,
    parse: () => (v) => parseMemory('maxMemory', v),
  },

  activations: {
    argument: '<list>',
    description: "comma-separated activations (with --case: the case's own unless given)",
    default: 'tanh,sigmoid,relu',
  },
  cells: {
    argument: '<list>',
    description: 'comma-separated cells to set side by side: rnn|lstm|gru (gated cells: same inputs and W scale)',
    default: 'rnn',
  },
  forgetBias: {
    argument: '<b>',
    description: "the LSTM's forget-gate bias in the gated series (tfjs's unitForgetBias: 1)",
    parse: finiteNumber,
    default: 1,
  },
  wNorm: {
    argument: '<list>',
    description:
      "comma-separated spectral norms to rescale W to (with --case: only when given, after the case's own W)",
    default: '0.5,1,2,4',
  },
  seeds: {
    argument: '<n>',
    description:
      'draw the case with n consecutive seeds from --seed (gated weights too): each per-lag value is the median over seeds × batch rows, with its min–max band',
    parse: (f) => positiveInteger(f),
    default: 1,
  },

  matrix: {
    argument: '<file>',
    description: 'a matrix file: value lists per generation option and seeds, and/or case files',
  },
  preset: { argument: '<name>', description: 'a built-in matrix: default|large|stress' },
  workers: {
    argument: '<n>',
    description:
      'worker threads (default and at most: the number of cores, and no more than the cases; a larger n is capped, with a note)',
    parse: (f) => positiveInteger(f),
  },
  maxCases: {
    argument: '<n>',
    description: 'refuse a matrix whose cross product has more cases',
    parse: (f) => positiveInteger(f),
    default: DEFAULT_MAX_CASES,
  },
  shard: { argument: '<i/n>', description: 'run the i-th of n deterministic shards' },
  dir: {
    argument: '<dir>',
    description: 'the snapshots',
    parse: (f) => path(f, 'a snapshot directory'),
    default: 'reference/golden',
  },
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);

/** The flag of a field: hiddenSize → --hidden-size, unless its entry names another (outFile → --out). */
export const flagOf = (field: Field): string => OPTIONS[field].flag ?? `--${kebab(field)}`;

export const isField = (name: string): name is Field => Object.hasOwn(OPTIONS, name);

/** Library fields that the command line sets through an option of another name. */
const SET_BY: Record<string, Field> = {
  wNorms: 'wNorm', // the vanishing analysis's W norms: the list --w-norm gives
  subject: 'impl', // the check's side under test: --impl
};

/** The option of the table that sets a library field, if any. */
export const optionOf = (name: string): Field | undefined => (isField(name) ? name : SET_BY[name]);
