/**
 * The oracle's cells: cell name → the float64 forward of the perturbed trajectories that cell needs
 * (trajectory.ts). Adding a cell means one file here and its entry below.
 */
import { resetAfter, type Cell, type ModelConfig } from '../../model/spec.js';
import type { FdCell } from '../trajectory.js';
import { gru } from './gru.js';
import { gruAfter } from './gru-after.js';
import { lstm } from './lstm.js';
import { rnn } from './rnn.js';

export const FD_CELLS: Record<Cell, FdCell> = { rnn, lstm, gru };

/** The oracle's cell of a model: the GRU with the reset after (model.gruReset) is a cell of its own. */
export const fdCell = (m: ModelConfig): FdCell => (resetAfter(m) ? gruAfter : FD_CELLS[m.cell]);
