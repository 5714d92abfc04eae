/**
 * The LSTM, tf.layers.lstm (no unit forget bias):
 *   i, f, o = σ(x U_*ᵀ + s W_*ᵀ + b_*),  g = act(…),  c_t = f⊙c_{t−1} + i⊙g,  s_t = o⊙act(c_t)
 */
import { GATES, type GatedConfig } from '../../src/model/spec.js';
import { tf, tfl } from '../tf.js';
import { ACT, SIGMA, gateSum, layerArgs, type CellDef } from './cell.js';

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
    const c = tf.add(tf.mul(f, prev.c!), tf.mul(i, g)); //   c_t = f ⊙ c_{t−1} + i ⊙ g
    return { s: tf.mul(o, act(c)), c }; //                   s_t = o ⊙ act(c_t)
  },
};
