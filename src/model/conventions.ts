/**
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
import type { CaseFile, Case } from './case.js';
import type { Matrix } from './matrix.js';
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

const TODO = (what: string): never => {
  throw new Error(`conventions.ts: ${what} is not written yet`);
};

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

/** What each preset sets, in words, for --help and the README. */
export function presetHelp(): string {
  return TODO('presetHelp');
}

/**
 * The conventions of a preset (default ours) with the given settings on top; `where` names the source in
 * errors (`--gate-order`, `the gradients file's conventions`). Throws InputError for an unknown preset, a
 * gate order that is not a permutation of a cell's gates, an unknown layout, reduction or reset.
 */
export function conventionsOf(options: ConventionsOptions | ConventionsFile | undefined, where: string): Conventions {
  return TODO(`conventionsOf(${String(options)}, ${where})`);
}

/** One line naming the conventions, for every report: "pytorch (math layout, gates i,f,g,o concatenated, …)". */
export function describeConventions(conv: Conventions): string {
  return TODO(`describeConventions(${conv.names})`);
}

/**
 * The case as the subject sees it under its conventions: the model's gruReset and the case's reduction set
 * from them, and `conventions` kept so that caseInConventions and readGradientsIn can use them. A GRU case with
 * biases that lacks b_Wh (written before the reset after) gets b_Wh = 0.
 */
export function withConventions(c: Case, conv: Conventions): Case {
  return TODO(`withConventions(${c.id}, ${conv.names})`);
}

/**
 * The case file in the user's conventions: their names, layouts, concatenation and biases (two biases split so
 * that both are nonzero and sum to ours), inputs and targets as in every case, and `conventions` naming them.
 * For ours it is caseToFile.
 */
export function caseInConventions(c: Case, conv: Conventions): Record<string, unknown> {
  return TODO(`caseInConventions(${c.id}, ${conv.names})`);
}

/**
 * A case file written in the user's conventions (their names, layouts; `model` may be absent, then it is
 * inferred from the shapes and the preset: cell from the gate count, tanh, the preset's σ) → our case file.
 * Errors name the tensor, its shape and the shape the conventions expect.
 */
export function caseFileFromConventions(raw: Record<string, unknown>, conv: Conventions, where: string): CaseFile {
  return TODO(`caseFileFromConventions(${Object.keys(raw).join()}, ${conv.names}, ${where})`);
}

/**
 * The user's gradient tensors in their conventions → ours, by name: U_i, …, b_i, … and, with two biases, the
 * hh bias's own gradients under twinName(b) so that both are compared. Errors name the tensor, its shape and the
 * shape the conventions expect ("weight_ih_l0 has shape 5×16, expected 16×5 (4H×I) in PyTorch's layout").
 */
export function gradientsFromConventions(
  tensors: Record<string, unknown>,
  c: Case,
  where: string,
): Record<string, Matrix> {
  return TODO(`gradientsFromConventions(${Object.keys(tensors).join()}, ${c.id}, ${where})`);
}

/** The name under which the second (hh) bias's gradient of bias `b` is compared, e.g. b_i → b_i~hh. */
export function twinName(bias: string): string {
  return `${bias}~hh`;
}

/**
 * A reference's gradients as the subject's conventions compare them: with two biases, each twin tensor (the
 * hh bias's gradient, which equals the bias's own, or b_Wh's for h̃ of the GRU with the reset after) added.
 */
export function withTwins(tensors: Record<string, Matrix>, c: Case): Record<string, Matrix> {
  return TODO(`withTwins(${Object.keys(tensors).join()}, ${c.id})`);
}

/** Where an internal tensor lives in the user's names, for reports: "U_f = weight_ih_l0 rows 5–9". */
export function userPlace(name: string, c: Case): string {
  return TODO(`userPlace(${name}, ${c.id})`);
}
