/**
 * The oracle's cells: cell name → the float64 forward of the perturbed trajectories that cell needs
 * (trajectory.ts). Adding a cell means one file here and its entry below.
 */
import type { Cell } from '../../model/spec.js';
import type { FdCell } from '../trajectory.js';
import { gru } from './gru.js';
import { lstm } from './lstm.js';
import { rnn } from './rnn.js';

export const FD_CELLS: Record<Cell, FdCell> = { rnn, lstm, gru };
