/**
 * The GRU, tf.layers.gru (reset before the product):
 *   z, r = σ(x U_*ᵀ + s W_*ᵀ + b_*),  h̃ = act(x U_hᵀ + (r⊙s) W_hᵀ + b_h)
 *   s_t = z⊙s_{t−1} + (1−z)⊙h̃
 * With model.gruReset 'after' (raw ops only: tf.layers' GRU has no such option, index.ts supports()):
 *   h̃ = act(x U_hᵀ + b_h + r⊙(s W_hᵀ + b_Wh))
 */
import { GATES, resetAfter, type GatedConfig } from '../../src/model/spec.js';
import { tf, tfl } from '../tf.js';
import { ACT, SIGMA, gateSum, layerArgs, type CellDef, type GateInput, type Weights } from './cell.js';

/** h̃'s pre-activation with the reset after: x U_hᵀ + b_h + r ⊙ (s W_hᵀ + b_Wh). */
function afterSum(xU: GateInput, s: tf.Tensor, r: tf.Tensor, w: Weights): tf.Tensor {
  const sW = tf.matMul(s, w.W_h!, false, true); //  s W_hᵀ
  const q = w.b_Wh ? tf.add(sW, w.b_Wh) : sW; //     q = s W_hᵀ + b_Wh
  const a = tf.add(xU('h'), tf.mul(r, q)); //       x U_hᵀ + r ⊙ q
  return w.b_h ? tf.add(a, w.b_h) : a; //           + b_h
}

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
    const h = ACT[m.activation](resetAfter(m) ? afterSum(xU, s, r, w) : gateSum(xU, tf.mul(r, s), w, 'h')); // h̃ = act(x U_hᵀ + (r ⊙ s) W_hᵀ + b_h), or afterSum's
    return { s: tf.add(tf.mul(z, s), tf.mul(tf.sub(1, z), h)) }; //    s_t = z ⊙ s_{t−1} + (1 − z) ⊙ h̃
  },
};
