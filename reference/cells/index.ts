/** The cells of the tfjs oracles: adding a cell means one file here and one row of CELLS. */
import type { Cell as CellName, GatedCell, GatedConfig, ModelConfig, RnnConfig } from '../../src/model/spec.js';
import type { RNN } from '@tensorflow/tfjs-layers';
import type { CellDef, CellState, GateInput, Weights } from './cell.js';
import { gru } from './gru.js';
import { lstm } from './lstm.js';
import { rnn } from './rnn.js';

export { named, type CellState, type GateInput, type Weights } from './cell.js';

const CELLS: { rnn: CellDef<RnnConfig> } & Record<GatedCell, CellDef<GatedConfig>> = { rnn, lstm, gru };

/** A cell bound to its model. */
export type Cell = Omit<CellDef<ModelConfig>, 'layer' | 'step'> & {
  layer(): RNN;
  step(xU: GateInput, prev: CellState, w: Weights): CellState;
};

function bind<M extends ModelConfig>(d: CellDef<M>, m: M): Cell {
  return { ...d, layer: () => d.layer(m), step: (xU, prev, w) => d.step(m, xU, prev, w) };
}

export const cellOf = (m: ModelConfig): Cell => (m.cell === 'rnn' ? bind(CELLS.rnn, m) : bind(CELLS[m.cell], m));

/** The tf.layers layer of a cell, for messages: simpleRNN, lstm, gru. */
export const layerNameOf = (cell: CellName): string => CELLS[cell].layerName;
