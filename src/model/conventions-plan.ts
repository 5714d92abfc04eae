/**
 * Which of the user's tensors holds which of ours, under some conventions (common.md's table of names): the
 * plan that reading and writing cases and gradients follow. A user tensor is, in math orientation, blocks
 * stacked by rows (one block per gate, in the user's gate order); in the row layout it is stored transposed.
 * With two biases, bias b = b_ih + b_hh: the ih tensor's block is b's ih share, the hh tensor's its hh share
 * (for h̃ of the GRU with the reset after: b_h and b_Wh themselves, whole).
 */
import { InputError, fieldName } from './errors.js';
import { GATES, resetAfter, type ModelShape } from './spec.js';
import type { Conventions, Preset } from './conventions-types.js';

/** One block of a user tensor: our tensor `ours`, whole, or bias `ours`'s ih or hh share. */
export interface Block {
  ours: string;
  part: 'whole' | 'ih' | 'hh';
}

export interface UserTensor {
  name: string;
  /** matrix: nested; vector: H, H×1 or 1×H; pair: 2 rows, [ih; hh] (Keras's GRU bias); state: B×H */
  kind: 'matrix' | 'vector' | 'pair' | 'state';
  /** the blocks, in order (pair: row 0's) */
  blocks: Block[];
  /** pair: row 1's blocks */
  blocks2?: Block[];
  /** rows of one block in math orientation (H, K, or B for the state) */
  blockRows: number;
  /** columns in math orientation (I, H; 1 for vectors) */
  cols: number;
  /** row layout: stored as the transpose of the math-orientation stack */
  transposed: boolean;
  /** the stored shape as letters, e.g. 4H×I, I×4H, 4H, 2×3H, B×H */
  formula: string;
}

interface Names {
  U: string;
  W: string;
  b: string;
  /** the hh bias's name; null: the bias is one 2-row tensor [ih; hh] (Keras) */
  bhh: string | null;
  V: string;
  c: string;
  h0: string;
}
const OUR_NAMES: Names = { U: 'U', W: 'W', b: 'b', bhh: 'b_hh', V: 'V', c: 'c', h0: 'initialState' };
const KERAS: Names = {
  U: 'kernel',
  W: 'recurrent_kernel',
  b: 'bias',
  bhh: null,
  V: 'dense.kernel',
  c: 'dense.bias',
  h0: 'initial_state',
};
/** Each preset's tensor names (a gate's own tensor, when gates are separate: <name>_<gate letter>). */
export const NAMES: Record<Preset, Names> = {
  ours: OUR_NAMES,
  wildml: OUR_NAMES,
  pytorch: {
    U: 'weight_ih_l0',
    W: 'weight_hh_l0',
    b: 'bias_ih_l0',
    bhh: 'bias_hh_l0',
    V: 'linear.weight',
    c: 'linear.bias',
    h0: 'h0',
  },
  keras: KERAS,
  tfjs: KERAS,
  cs231n: { U: 'Wx', W: 'Wh', b: 'b', bhh: 'b_hh', V: 'W_vocab', c: 'b_vocab', h0: 'h0' },
  'min-char-rnn': { U: 'Wxh', W: 'Whh', b: 'bh', bhh: 'bh_hh', V: 'Why', c: 'by', h0: 'hprev' },
};

/** Whether the names keep the GRU-after's bias inside the reset in a tensor of their own with one bias. */
const carriesRecurrentBias = (p: Preset) => p === 'ours' || p === 'wildml' || NAMES[p].bhh === null;

/** Whether the case's biases are two per gate under these conventions (Keras's GRU with the reset after: always). */
export function hasTwoBiases(m: ModelShape, conv: Conventions): boolean {
  return m.bias && (conv.twoBiases || (NAMES[conv.names].bhh === null && resetAfter(m)));
}

/**
 * Refuses a model the conventions cannot write: min-char-rnn's gated cells, and the GRU with the reset after,
 * biases and one bias where the names have no tensor for the bias inside the reset.
 */
export function checkModelFits(m: ModelShape, conv: Conventions): void {
  if (conv.names === 'min-char-rnn' && m.cell !== 'rnn')
    throw new InputError(
      `${fieldName('conventions')} is "min-char-rnn" for cell ${m.cell}, expected cell rnn (min-char-rnn has no gates)`,
      'conventions',
    );
  if (m.bias && resetAfter(m) && !conv.twoBiases && !carriesRecurrentBias(conv.names))
    throw new InputError(
      `${fieldName('gruReset')} is "after" for a GRU with biases and one bias in ${conv.names}'s names, expected ${fieldName('twoBiases')} too: the bias inside the reset (b_Wh) needs a tensor of its own`,
      'twoBiases',
    );
}

const ourName = (base: string, g: string) => (g === '' ? base : `${base}_${g}`);

/** The user's tensors of a model under conventions, parameters in paramSpecs' order, then the initial state. */
export function planOf(m: ModelShape, conv: Conventions, batch: number, hasInitialState: boolean): UserTensor[] {
  checkModelFits(m, conv);
  const { inputSize: I, hiddenSize: H, outputSize: K } = m;
  const n = NAMES[conv.names];
  const gates: readonly string[] = m.cell === 'rnn' ? [''] : conv.gateOrder[m.cell];
  const after = resetAfter(m);
  const two = hasTwoBiases(m, conv);
  const row = conv.layout === 'row';
  // groups: every gate in one tensor (concatenated, or the RNN's one) or one tensor per gate
  const groups: string[][] = conv.concatGates || m.cell === 'rnn' ? [[...gates]] : gates.map((g) => [g]);
  const tensorName = (base: string, group: string[]) => (group.length === 1 ? ourName(base, group[0]!) : base);
  const G = (group: string[]) => (group.length === 1 ? 'H' : `${group.length}H`);
  const out: UserTensor[] = [];
  const matrix = (name: string, blocks: Block[], blockRows: number, cols: number, f: [string, string]) =>
    out.push({
      name,
      kind: 'matrix',
      blocks,
      blockRows,
      cols,
      transposed: row,
      formula: row ? `${f[1]}×${f[0]}` : `${f[0]}×${f[1]}`,
    });
  const whole = (ours: string): Block => ({ ours, part: 'whole' });
  // a_t = U x_t + W s_{t−1} + b (math) or x_t U + s_{t−1} W + b (row: U, W, V transposed)
  for (const group of groups) {
    matrix(
      tensorName(n.U, group),
      group.map((g) => whole(ourName('U', g))),
      H,
      I,
      [G(group), 'I'],
    );
    matrix(
      tensorName(n.W, group),
      group.map((g) => whole(ourName('W', g))),
      H,
      H,
      [G(group), 'H'],
    );
  }
  if (m.bias) {
    // two biases: b = b_ih + b_hh per gate; the GRU-after's h̃: b_h (ih) and b_Wh (hh, inside the reset)
    const ih = (g: string): Block => (after && g === 'h' ? whole('b_h') : { ours: ourName('b', g), part: 'ih' });
    const hh = (g: string): Block => (after && g === 'h' ? whole('b_Wh') : { ours: ourName('b', g), part: 'hh' });
    for (const group of groups) {
      const vector = (name: string, blocks: Block[]) =>
        out.push({ name, kind: 'vector', blocks, blockRows: H, cols: 1, transposed: false, formula: G(group) });
      if (!two)
        vector(
          tensorName(n.b, group),
          group.map((g) => whole(ourName('b', g))),
        );
      else if (n.bhh === null)
        out.push({
          name: tensorName(n.b, group),
          kind: 'pair',
          blocks: group.map(ih),
          blocks2: group.map(hh),
          blockRows: H,
          cols: 1,
          transposed: false,
          formula: `2×${G(group)}`,
        });
      else {
        vector(tensorName(n.b, group), group.map(ih));
        // ours' names: h̃'s hh bias, inside the reset, is b_Wh itself
        const ownWh = after && carriesRecurrentBias(conv.names) && group.length === 1 && group[0] === 'h';
        vector(ownWh ? 'b_Wh' : tensorName(n.bhh, group), group.map(hh));
      }
    }
    // one bias, names that carry it: b_Wh its own tensor
    if (after && !two)
      out.push({
        name: 'b_Wh',
        kind: 'vector',
        blocks: [whole('b_Wh')],
        blockRows: H,
        cols: 1,
        transposed: false,
        formula: 'H',
      });
  }
  // z_t = V s_t + c (math) or s_t V + c (row)
  matrix(n.V, [whole('V')], K, H, ['K', 'H']);
  if (m.bias)
    out.push({
      name: n.c,
      kind: 'vector',
      blocks: [whole('c')],
      blockRows: K,
      cols: 1,
      transposed: false,
      formula: 'K',
    });
  if (hasInitialState)
    out.push({
      name: n.h0,
      kind: 'state',
      blocks: [whole('initialState')],
      blockRows: batch,
      cols: H,
      transposed: false,
      formula: 'B×H',
    });
  return out;
}

/** Every name a preset may give a tensor (separate gates: <name>_<gate>), to say whose names a file has. */
export function namesOfPreset(p: Preset): Set<string> {
  const n = NAMES[p];
  const bases = [n.U, n.W, n.b, n.bhh ?? n.b, n.V, n.c, n.h0, ...(p === 'ours' || p === 'wildml' ? ['b_Wh'] : [])];
  const out = new Set(bases);
  for (const base of [n.U, n.W, n.b, n.bhh ?? n.b])
    for (const g of [...GATES.lstm, ...GATES.gru, 'c', 'n']) out.add(ourName(base, g));
  return out;
}
