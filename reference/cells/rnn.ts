/** The plain RNN: s_t = f(x_t Uᵀ + s_{t−1} Wᵀ [+ b]) (row vectors), tf.layers.simpleRNN. */
import type { RnnConfig } from '../../src/model/spec.js';
import { tfl } from '../tf.js';
import { ACT, gateSum, layerArgs, type CellDef } from './cell.js';

export const rnn: CellDef<RnnConfig> = {
  layerName: 'simpleRNN',
  gates: [''],
  cellState: false,
  layersOrder: ['U', 'W', 'V', 'b', 'c'], // the golden files' order, as the hand side's
  layer: (m) => tfl.layers.simpleRNN(layerArgs(m)),
  step: (m, xU, prev, w) => ({ s: ACT[m.activation](gateSum(xU, prev.s, w, '')) }),
};
