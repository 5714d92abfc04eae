/**
 * The GRU, tf.layers.gru (reset before the product):
 *   z, r = σ(x U_*ᵀ + s W_*ᵀ + b_*),  h̃ = act(x U_hᵀ + (r⊙s) W_hᵀ + b_h)
 *   s_t = z⊙s_{t−1} + (1−z)⊙h̃
 */
import { GATES, type GatedConfig } from '../../src/model/spec.js';
import { tf, tfl } from '../tf.js';
import { ACT, SIGMA, gateSum, layerArgs, type CellDef } from './cell.js';

export const gru: CellDef<GatedConfig> = {
  layerName: 'gru',
  gates: GATES.gru,
  cellState: false,
  layer: (m) => tfl.layers.gru({ ...layerArgs(m), recurrentActivation: m.recurrentActivation }),
  step(m, xU, prev, w) {
    const sig = SIGMA[m.recurrentActivation];
    const s = prev.s;
    const z = sig(gateSum(xU, s, w, 'z'));
    const r = sig(gateSum(xU, s, w, 'r'));
    const h = ACT[m.activation](gateSum(xU, tf.mul(r, s), w, 'h')); // h̃ = act(x U_hᵀ + (r ⊙ s) W_hᵀ + b_h)
    return { s: tf.add(tf.mul(z, s), tf.mul(tf.sub(1, z), h)) }; //    s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
  },
};
