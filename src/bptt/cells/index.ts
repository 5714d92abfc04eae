/**
 * The table of cells: cell name → its implementation. Adding a cell means one file in this folder and one
 * line here.
 */
import type { Workspace } from '../../kernels/heap.js';
import type { Case } from '../../model/case.js';
import { resetAfter, type Cell, type ModelConfig } from '../../model/spec.js';
import type { BpttOptions } from '../options.js';
import type { BackwardResult, StepAdjoints } from '../recursion.js';
import type { StepContribution } from '../steps.js';
import type { GatedCache } from './gated.js';
import { gru } from './gru.js';
import { gruAfter } from './gru-after.js';
import { lstm } from './lstm.js';
import { rnn, type ForwardCache } from './rnn.js';

/** The forward pass of a cell: a ForwardCache for the RNN, a GatedCache for LSTM and GRU. */
export type HandCache = ForwardCache | GatedCache;

export interface CellImpl {
  /** allocating from ws (PLAIN: ordinary arrays) */
  forward(c: Case, ws?: Workspace): HandCache;
  /** BPTT from the cell's forward pass of the same case */
  backward(c: Case, cache: HandCache, opts?: BpttOptions, ws?: Workspace): BackwardResult;
  /** step k's term of the sums over k (steps.ts), from the adjoints a backward pass kept (keepSteps) */
  stepContribution(c: Case, cache: HandCache, steps: StepAdjoints, k: number): StepContribution;
  /** the size (float64) of every array forward allocates from its workspace */
  forwardSizes(c: Case): number[];
  /** the same for backward, with these options */
  backwardSizes(c: Case, opts: BpttOptions): number[];
  /** ‖∂s_{T−1}/∂s_k‖₂ for every k, for one batch row */
  jacobianNorms(c: Case, cache: HandCache, row?: number): number[];
}

export const CELL_IMPLS: Record<Cell, CellImpl> = { rnn, lstm, gru };

/** The implementation of a model's cell: the GRU with the reset after (model.gruReset) is a cell of its own. */
export const cellImpl = (m: ModelConfig): CellImpl => (resetAfter(m) ? gruAfter : CELL_IMPLS[m.cell]);
