/**
 * The LSTM, tf.layers.lstm (no unit forget bias):
 *   i, f, o = σ(x U_*ᵀ + s W_*ᵀ + b_*),  g = act(…),  c_t = f⊙c_{t−1} + i⊙g,  s_t = o⊙act(c_t)
 */
import { GATES, type GatedConfig } from '../../src/model/spec.js';
import { tf, tfl } from '../tf.js';
import { ACT, SIGMA, gateSum, layerArgs, type CellDef } from './cell.js';

/**
 * Not a parameter: a B×H zero tensor given under this name among the weights is added to c_t before s_t is
 * taken from it, so that its gradient is ∂L/∂c_t (reference/steps.ts, referenceAdjoints).
 */
export const CELL_PROBE = 'probe:c';

export const lstm: CellDef<GatedConfig> = {
  layerName: 'lstm',
  gates: GATES.lstm,
  cellState: true,
  layer: (m) => tfl.layers.lstm({ ...layerArgs(m), recurrentActivation: m.recurrentActivation, unitForgetBias: false }),
  step(m, xU, prev, w) {
    const act = ACT[m.activation];
    const sig = SIGMA[m.recurrentActivation];
    const lin = (g: string) => gateSum(xU, prev.s, w, g);
    const [i, f, g, o] = [sig(lin('i')), sig(lin('f')), act(lin('g')), sig(lin('o'))];
    const cNew = tf.add(tf.mul(f, prev.c!), tf.mul(i, g)); // c_t = f ⊙ c_{t−1} + i ⊙ g
    const probe = w[CELL_PROBE]; //                            (+ the zero probe of ∂L/∂c_t, before s_t reads c_t)
    const c = probe ? tf.add(cNew, probe) : cNew;
    return { s: tf.mul(o, act(c)), c }; //                   s_t = o ⊙ act(c_t)
  },
};
