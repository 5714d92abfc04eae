/**
 * Which tensors a model has and their shapes, in math layout (DESIGN.md, "The model").
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
export const ACTIVATIONS = ['tanh', 'sigmoid', 'relu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const CELLS = ['rnn', 'lstm', 'gru'] as const;
export type Cell = (typeof CELLS)[number];
export const RECURRENT_ACTIVATIONS = ['sigmoid', 'hardSigmoid'] as const;
export type RecurrentActivation = (typeof RECURRENT_ACTIVATIONS)[number];

/** The gates of the gated cells, in the order tfjs concatenates their kernels. */
export const GATES = { lstm: ['i', 'f', 'g', 'o'], gru: ['z', 'r', 'h'] } as const;

interface ModelBase {
  activation: Activation;
  bias: boolean;
  inputSize: number; // I
  hiddenSize: number; // H
  outputSize: number; // K
}

/** The plain RNN: no gates, so no σ. */
export interface RnnConfig extends ModelBase {
  cell: 'rnn';
  recurrentActivation?: undefined;
}

/** LSTM and GRU: σ of the gates, always present (validation fills in tfjs's default, hardSigmoid). */
export interface GatedConfig extends ModelBase {
  cell: GatedCell;
  /** hardSigmoid = clip(0.2x + 0.5, 0, 1), tfjs's default, or sigmoid */
  recurrentActivation: RecurrentActivation;
  /**
   * GRU only: where the reset gate acts. Absent (or 'before', tfjs's): h̃ = act(U_h x + W_h (r ⊙ s_{t−1}) + b_h).
   * 'after' (PyTorch's and Keras's default): h̃ = act(U_h x + b_h + r ⊙ (W_h s_{t−1} + b_Wh)), with its own
   * bias b_Wh inside the reset when the model has biases.
   */
  gruReset?: GruReset;
}

export const GRU_RESETS = ['before', 'after'] as const;
export type GruReset = (typeof GRU_RESETS)[number];

/** Whether a model is the GRU with the reset applied after the recurrent product. */
export function resetAfter(m: { cell: Cell; gruReset?: GruReset | undefined }): boolean {
  return m.cell === 'gru' && m.gruReset === 'after';
}

export type GatedCell = Exclude<Cell, 'rnn'>;
export type ModelConfig = RnnConfig | GatedConfig;

/** tfjs's default σ of the gates, which a gated model without recurrentActivation gets. */
export const DEFAULT_RECURRENT_ACTIVATION: RecurrentActivation = 'hardSigmoid';

/** A model's fields as read or generated, before the gated cells' σ is filled in. */
export type ModelFields = ModelBase & {
  cell: Cell;
  recurrentActivation?: RecurrentActivation | undefined;
  gruReset?: GruReset | undefined;
};

/** What decides a model's tensors and their shapes: any model's fields, σ filled in or not. */
export type ModelShape = ModelFields;

/**
 * The model of some fields: the one place where a gated cell without recurrentActivation gets tfjs's
 * default (an RNN's recurrentActivation is refused by validation before this).
 */
export function modelConfig(f: ModelFields): ModelConfig {
  const { cell, recurrentActivation, gruReset, ...base } = f;
  if (cell === 'rnn') return { cell, ...base };
  const gated: GatedConfig = {
    cell,
    recurrentActivation: recurrentActivation ?? DEFAULT_RECURRENT_ACTIVATION,
    ...base,
  };
  if (cell === 'gru' && gruReset === 'after') gated.gruReset = 'after';
  return gated;
}

export interface TensorSpec {
  name: string;
  rows: number;
  cols: number;
  /** 1-D in files (b, c); 2-D otherwise */
  vector: boolean;
  /** the shape formula for messages, e.g. "H×H" */
  formula: string;
}

/** The parameters of a model, in the order they are generated, saved and reported. */
export function paramSpecs(m: ModelShape): TensorSpec[] {
  const { inputSize: I, hiddenSize: H, outputSize: K } = m;
  if (m.cell !== 'rnn') {
    // per gate: U_* (H×I), W_* (H×H), b_* (H), then the output layer
    const specs: TensorSpec[] = GATES[m.cell].flatMap((g) => [
      { name: `U_${g}`, rows: H, cols: I, vector: false, formula: 'H×I' },
      { name: `W_${g}`, rows: H, cols: H, vector: false, formula: 'H×H' },
      ...(m.bias ? [{ name: `b_${g}`, rows: H, cols: 1, vector: true, formula: 'H' }] : []),
    ]);
    // the GRU with the reset after: b_Wh inside the reset, h̃ = act(U_h x + b_h + r ⊙ (W_h s_{t−1} + b_Wh))
    if (m.bias && resetAfter(m)) specs.push({ name: 'b_Wh', rows: H, cols: 1, vector: true, formula: 'H' });
    specs.push({ name: 'V', rows: K, cols: H, vector: false, formula: 'K×H' });
    if (m.bias) specs.push({ name: 'c', rows: K, cols: 1, vector: true, formula: 'K' });
    return specs;
  }
  const specs: TensorSpec[] = [
    { name: 'U', rows: H, cols: I, vector: false, formula: 'H×I' },
    { name: 'W', rows: H, cols: H, vector: false, formula: 'H×H' },
  ];
  if (m.bias) specs.push({ name: 'b', rows: H, cols: 1, vector: true, formula: 'H' });
  specs.push({ name: 'V', rows: K, cols: H, vector: false, formula: 'K×H' });
  if (m.bias) specs.push({ name: 'c', rows: K, cols: 1, vector: true, formula: 'K' });
  return specs;
}

/** The gradient tensors of a case: the parameters, plus the initial state when the case gives one. */
export function gradientSpecs(m: ModelShape, batch: number, hasInitialState: boolean): TensorSpec[] {
  const specs = paramSpecs(m);
  if (hasInitialState)
    specs.push({ name: 'initialState', rows: batch, cols: m.hiddenSize, vector: false, formula: 'B×H' });
  return specs;
}

export function shapeText(spec: { rows: number; cols: number; vector: boolean }): string {
  return spec.vector ? `${spec.rows}` : `${spec.rows}×${spec.cols}`;
}
