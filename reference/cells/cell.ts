/**
 * What a cell gives the two tfjs oracles: its tf.layers layer (layers.ts) and its step in raw tf ops
 * (ops.ts, steps.ts). One file per cell beside this one; cells/index.ts is their table.
 */
import type { RNN } from '@tensorflow/tfjs-layers';
import type { Activation, ModelConfig, RecurrentActivation } from '../../src/model/spec.js';
import { tf } from '../tf.js';

/** The state a cell carries: s_t, and the LSTM's cell state c_t (absent for the cells that have none). */
export interface CellState {
  s: tf.Tensor;
  c?: tf.Tensor;
}

/** The input term x_t U_*ᵀ of a gate (the RNN's one U: gate '') at one step, B×H. */
export type GateInput = (gate: string) => tf.Tensor;

/** Weights by parameter name (W, b, W_*, b_*), math layout. */
export type Weights = Record<string, tf.Tensor>;

export interface CellDef<M extends ModelConfig> {
  /** the tf.layers function, tf.layers.<layerName> */
  layerName: string;
  /** the blocks of the tfjs kernels, in tfjs's order: the gates, or [''] for a cell with one U, W, b */
  gates: readonly string[];
  /** whether the cell carries a cell state c beside s (c₋₁ = 0) */
  cellState: boolean;
  /** the layers oracle's gradient names when not in paramSpecs order (those present are kept, in this order) */
  layersOrder?: readonly string[];
  /** the tf.layers layer (returnSequences, zero kernels until its weights are set) */
  layer(m: M): RNN;
  /** one step for the B rows at once, from the input terms xU, the previous state and the weights */
  step(m: M, xU: GateInput, prev: CellState, w: Weights): CellState;
}

/** A parameter of a gate: U_i, W_z, b_h; the RNN's own U, W, b for the gate ''. */
export const named = (p: string, gate: string) => (gate ? `${p}_${gate}` : p);

/** The arguments every cell's layer shares. */
export const layerArgs = (m: ModelConfig) =>
  ({
    units: m.hiddenSize,
    activation: m.activation,
    useBias: m.bias,
    returnSequences: true,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
  }) as const;

export const ACT: Record<Activation, (a: tf.Tensor) => tf.Tensor> = {
  tanh: (a) => tf.tanh(a),
  sigmoid: (a) => tf.sigmoid(a),
  relu: (a) => tf.relu(a),
  linear: (a) => a,
};

/** σ of the gates: sigmoid, or tfjs's hardSigmoid = clip(0.2a + 0.5, 0, 1). */
export const SIGMA: Record<RecurrentActivation, (a: tf.Tensor) => tf.Tensor> = {
  sigmoid: (a) => tf.sigmoid(a),
  hardSigmoid: (a) => tf.clipByValue(tf.add(tf.mul(a, 0.2), 0.5), 0, 1),
};

/** The pre-activation of a gate: x U_*ᵀ + s W_*ᵀ [+ b_*]. */
export function gateSum(xU: GateInput, s: tf.Tensor, w: Weights, gate: string): tf.Tensor {
  const a = tf.add(xU(gate), tf.matMul(s, w[named('W', gate)]!, false, true));
  const b = w[named('b', gate)];
  return b ? tf.add(a, b) : a;
}
