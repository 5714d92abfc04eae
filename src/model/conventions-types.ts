/**
 * The conventions' types and bptt-check's own (conventions.ts re-exports all of conventions-*.ts).
 *
 * Conventions: how other code writes the same model (DESIGN.md, "Conventions"). This is the one module that
 * converts between a user's view and ours; inside the tool everything is math layout, one tensor per gate,
 * one bias per gate, the loss a masked sum scaled by the case's reduction (loss.ts).
 *
 * What a convention changes, in the seed's formulas:
 *   layout  math: a_t = U x_t + W s_{t−1} + b, z_t = V s_t + c (U H×I, W H×H, V K×H)
 *           row:  a_t = x_t U + s_{t−1} W + b, z_t = s_t V + c (U I×H, W H×H, V H×K): every matrix transposed
 *   gates   gateOrder: the order of the gate letters (LSTM i, f, g, o; GRU z, r, h) in a concatenated block;
 *           concatGates: U, W (and b) of every gate stacked in one tensor in that order (math: rows; row: columns)
 *   GRU     gruReset after: h̃ = act(U_h x + b_h + r ⊙ (W_h s_{t−1} + b_Wh)) (the model's gruReset)
 *   biases  twoBiases: b = b_ih + b_hh (PyTorch's bias_ih, bias_hh); ∂L/∂b_ih = ∂L/∂b_hh = ∂L/∂b, both checked
 *           (for the GRU with the reset after, h̃'s b_hh part is b_Wh)
 *   loss    reduction: dz_t = scale · m_t · (ŷ_t − onehot(y_t)), scale 1, 1/B, 1/T or 1/N (loss.ts)
 *   vectors biases and one sequence's initial state are read as H, H×1 or 1×H
 *   names   the tensors' names: ours (U, W, V, b, c, U_i, …), PyTorch's state_dict keys, Keras's weights, …
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Reduction } from './loss.js';
import type { GatedCell, GruReset, RecurrentActivation } from './spec.js';

export const LAYOUTS = ['math', 'row'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** The presets, each the conventions of one codebase; 'ours' is bptt-check's own. */
export const PRESETS = ['ours', 'pytorch', 'keras', 'tfjs', 'cs231n', 'wildml', 'min-char-rnn'] as const;
export type Preset = (typeof PRESETS)[number];

export interface Conventions {
  /** whose names the tensors have (and, for a preset, where the settings below came from) */
  names: Preset;
  layout: Layout;
  /** the gate letters of each gated cell in the order the user's tensors stack them (ours: i,f,g,o and z,r,h) */
  gateOrder: Record<GatedCell, readonly string[]>;
  concatGates: boolean;
  gruReset: GruReset;
  twoBiases: boolean;
  reduction: Reduction;
  /** the gates' σ the preset's framework uses, for a case read without a model field (PyTorch: sigmoid) */
  recurrentActivation?: RecurrentActivation;
  /** how vectors (biases, one sequence's h0) are written when the case is exported: H, H×1 (min-char-rnn) or 1×H */
  vectorShape: 'H' | 'H×1' | '1×H';
}

/** Conventions as a file or an answer declares them: a preset's name, or a preset with some settings changed. */
export type ConventionsFile =
  | Preset
  | {
      preset?: Preset;
      layout?: Layout;
      gateOrder?: string;
      concatGates?: boolean;
      gruReset?: GruReset;
      twoBiases?: boolean;
      reduction?: Reduction;
    };

/** What the command line says (each key present only when given): --conventions and the single settings. */
export interface ConventionsOptions {
  conventions?: string;
  layout?: string;
  gateOrder?: string;
  concatGates?: boolean;
  gruReset?: string;
  twoBiases?: boolean;
  reduction?: string;
}

/** bptt-check's own conventions: math layout, gates separate in tfjs's order, one bias, the reset before, a sum. */
export const OURS: Conventions = {
  names: 'ours',
  layout: 'math',
  gateOrder: { lstm: ['i', 'f', 'g', 'o'], gru: ['z', 'r', 'h'] },
  concatGates: false,
  gruReset: 'before',
  twoBiases: false,
  reduction: 'sum',
  vectorShape: 'H',
};

/** The name under which the second (hh) bias's gradient of bias `b` is compared, e.g. b_i → b_i~hh. */
export function twinName(bias: string): string {
  return `${bias}~hh`;
}

/** The bias a twin's name is of (b_i~hh → b_i), or undefined for a name that is no twin. */
export function twinOf(name: string): string | undefined {
  return name.endsWith(twinName('')) ? name.slice(0, -twinName('').length) : undefined;
}
