/**
 * Seeded case generation. The same options and seed give the same case, bit for bit, on any machine:
 * the generator is xoroshiro128+ (pure-rand), every value is derived from its integer outputs with
 * exactly rounded IEEE operations (multiply, add, sqrt), and the draw order is fixed:
 *   U, W, b, V, c (math layout, row-major), then inputs (row by row), targets, initial state.
 *
 * Weights: entry ~ Uniform(−a, a) with a = σ·√3/√fanIn, i.e. standard deviation σ/√fanIn,
 *   fanIn = I for U (and every U_*), H for W, W_* and V, 1 for b, b_* and c; gated cells draw their
 *   parameters gate by gate (U_*, W_*, b_* per gate, in tfjs's gate order).
 * Dense inputs ~ Uniform(−√3, √3) (unit variance); initial state ~ Uniform(−1, 1).
 * Masks (loss.ts): the targets are drawn for every step, then set to null (NO_TARGET) where a step carries no
 * loss: at t ≥ lengths[b] (padding after row b's end; its inputs stay valid ids), and with lastStepOnly at every
 * step but each row's last (t = T−1, or lengths[b] − 1).
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Case } from './case.js';
import { fieldName, InputError, shown } from './errors.js';
import { checkSizes, MAX_BATCH, MAX_DIM, MAX_STEPS, sizesOfRecipe } from './limits.js';
import type { Matrix } from './matrix.js';
import { NO_TARGET } from './loss.js';
import {
  ACTIVATIONS,
  CELLS,
  DEFAULT_RECURRENT_ACTIVATION,
  modelConfig,
  paramSpecs,
  RECURRENT_ACTIVATIONS,
  type Activation,
  type Cell,
  type ModelConfig,
  type RecurrentActivation,
} from './spec.js';

export interface GenerateOptions {
  /** rnn (default), lstm or gru */
  cell?: Cell;
  /** the gated cells' σ (default hardSigmoid, as tfjs) */
  recurrentActivation?: RecurrentActivation;
  activation: Activation;
  bias: boolean;
  inputSize: number;
  hiddenSize: number;
  outputSize?: number; // default: inputSize
  steps: number;
  batch: number;
  denseInputs: boolean;
  initialState: boolean;
  initScale: number;
  seed: number;
  id?: string;
  /** a loss at each row's last step only (targets null before it): a many-to-one model */
  lastStepOnly?: boolean;
  /** each row's length (B of them, each in [1, T]): targets null at t ≥ lengths[b] (padding) */
  lengths?: number[];
}

/** The fields of a recipe that shape the case, in the order of the help, of sweep matrices and of case ids. */
export const RECIPE_FIELDS = [
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
] as const satisfies readonly (keyof GenerateOptions)[];

export const GENERATE_DEFAULTS: GenerateOptions = {
  activation: 'tanh',
  bias: false,
  inputSize: 8,
  hiddenSize: 16,
  steps: 10,
  batch: 1,
  denseInputs: false,
  initialState: false,
  initScale: 1,
  seed: 1,
};

/** A readable id that names the configuration, e.g. `rnn-tanh-bias-tok-I8-H16-K8-T10-B1-s0-seed1`. */
export function configId(o: GenerateOptions): string {
  const K = o.outputSize ?? o.inputSize;
  const cell = o.cell ?? 'rnn';
  return [
    cell === 'rnn' ? 'rnn' : `${cell}-${o.recurrentActivation ?? DEFAULT_RECURRENT_ACTIVATION}`,
    o.activation,
    o.bias ? 'bias' : 'nobias',
    o.denseInputs ? 'dense' : 'tok',
    `I${o.inputSize}`,
    `H${o.hiddenSize}`,
    `K${K}`,
    `T${o.steps}`,
    `B${o.batch}`,
    ...(o.initialState ? ['s0'] : []),
    ...(o.initScale !== 1 ? [`scale${o.initScale}`] : []),
    ...(o.lengths ? [`len${o.lengths.join('.')}`] : []),
    ...(o.lastStepOnly ? ['last'] : []),
    `seed${o.seed}`,
  ].join('-');
}

export function checkGenerateOptions(o: GenerateOptions): void {
  // each size is bounded (src/model/limits.ts) before anything is allocated
  const positive = (field: keyof GenerateOptions, v: number, cap = MAX_DIM, letter = '') => {
    if (!Number.isInteger(v) || v <= 0)
      throw new InputError(`${fieldName(field)} is ${shown(v)}, expected a positive integer`, field);
    if (v > cap)
      throw new InputError(
        `${fieldName(field)} is ${shown(v)}, expected a positive integer ≤ ${cap} (the cap on ${letter})`,
        field,
      );
  };
  if (o.cell !== undefined && !(CELLS as readonly string[]).includes(o.cell))
    throw new InputError(`${fieldName('cell')} is ${shown(o.cell)}, expected one of ${CELLS.join('|')}`, 'cell');
  if (o.recurrentActivation !== undefined && (o.cell ?? 'rnn') === 'rnn')
    throw new InputError(
      `${fieldName('recurrentActivation')} is ${shown(o.recurrentActivation)} for cell rnn, expected it only with ${fieldName('cell')} lstm or gru`,
      'recurrentActivation',
    );
  if (
    o.recurrentActivation !== undefined &&
    !(RECURRENT_ACTIVATIONS as readonly string[]).includes(o.recurrentActivation)
  )
    throw new InputError(
      `${fieldName('recurrentActivation')} is ${shown(o.recurrentActivation)}, expected one of ${RECURRENT_ACTIVATIONS.join('|')}`,
      'recurrentActivation',
    );
  if (!(ACTIVATIONS as readonly string[]).includes(o.activation))
    throw new InputError(
      `${fieldName('activation')} is ${shown(o.activation)}, expected one of ${ACTIVATIONS.join('|')}`,
      'activation',
    );
  positive('inputSize', o.inputSize, MAX_DIM, 'I');
  positive('hiddenSize', o.hiddenSize, MAX_DIM, 'H');
  if (o.outputSize !== undefined) positive('outputSize', o.outputSize, MAX_DIM, 'K');
  positive('steps', o.steps, MAX_STEPS, 'T');
  positive('batch', o.batch, MAX_BATCH, 'B');
  checkSizes(sizesOfRecipe(o)); // the parameter count and the dense inputs
  if (!Number.isFinite(o.initScale) || o.initScale <= 0)
    throw new InputError(`${fieldName('initScale')} is ${shown(o.initScale)}, expected a positive number`, 'initScale');
  const L = o.lengths;
  if (L !== undefined && (L.length !== o.batch || L.some((n) => !Number.isInteger(n) || n < 1 || n > o.steps)))
    throw new InputError(
      `${fieldName('lengths')} is ${L.join(',')}, expected ${o.batch} lengths (B = ${o.batch}), each in [1, T = ${o.steps}]`,
      'lengths',
    );
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)
    throw new InputError(`${fieldName('seed')} is ${shown(o.seed)}, expected an integer in [0, 4294967295]`, 'seed');
}

/** The model a recipe generates. */
export function modelOf(o: GenerateOptions): ModelConfig {
  return modelConfig({
    cell: o.cell ?? 'rnn',
    ...(o.recurrentActivation !== undefined ? { recurrentActivation: o.recurrentActivation } : {}),
    activation: o.activation,
    bias: o.bias,
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    outputSize: o.outputSize ?? o.inputSize,
  });
}

export function generateCase(o: GenerateOptions): Case {
  checkGenerateOptions(o);
  const rng = xoroshiro128plus(o.seed);
  const uniform = (a: number) => (2 * uniformFloat64(rng) - 1) * a; // Uniform(−a, a)
  const model = modelOf(o);
  const { inputSize: I, hiddenSize: H, outputSize: K } = model;
  const B = o.batch;
  const T = o.steps;
  const fanIn: Record<string, number> = { U: I, W: H, V: H, b: 1, c: 1 }; // by the name's letter: U_i is like U
  const params: Record<string, Matrix> = {};
  for (const s of paramSpecs(model)) {
    const a = (o.initScale * Math.sqrt(3)) / Math.sqrt(fanIn[s.name[0]!]!);
    const data = new Float64Array(s.rows * s.cols);
    for (let k = 0; k < data.length; k++) data[k] = uniform(a);
    params[s.name] = { rows: s.rows, cols: s.cols, data };
  }
  let tokens: Int32Array | null = null;
  let vectors: Float64Array | null = null;
  if (o.denseInputs) {
    vectors = new Float64Array(B * T * I);
    for (let k = 0; k < vectors.length; k++) vectors[k] = uniform(Math.sqrt(3));
  } else {
    tokens = new Int32Array(B * T);
    for (let k = 0; k < tokens.length; k++) tokens[k] = uniformInt(rng, 0, I - 1);
  }
  const targets = new Int32Array(B * T);
  for (let k = 0; k < targets.length; k++) targets[k] = uniformInt(rng, 0, K - 1);
  mask(o, targets);
  let initialState: Matrix | null = null;
  if (o.initialState) {
    const data = new Float64Array(B * H);
    for (let k = 0; k < data.length; k++) data[k] = uniform(1);
    initialState = { rows: B, cols: H, data };
  }
  return { id: o.id ?? configId(o), model, batch: B, steps: T, params, tokens, vectors, targets, initialState };
}

/**
 * Sets to NO_TARGET the targets of the steps that carry no loss: t ≥ lengths[b], and with lastStepOnly every
 * t ≠ end_b − 1 (end_b = lengths[b], or T): each row keeps at least one step with a loss.
 */
function mask(o: GenerateOptions, targets: Int32Array): void {
  const T = o.steps;
  for (let b = 0; b < o.batch; b++) {
    const end = o.lengths?.[b] ?? T;
    for (let t = 0; t < T; t++) if (t >= end || (o.lastStepOnly && t !== end - 1)) targets[b * T + t] = NO_TARGET;
  }
}
