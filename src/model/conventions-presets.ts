/**
 * The presets (each the conventions of one codebase), conventionsOf (a preset with settings on top, every value
 * checked) and how conventions are named in reports and files.
 */
import { InputError, fieldName, shown } from './errors.js';
import { REDUCTIONS, type Reduction } from './loss.js';
import { GATES, GRU_RESETS, type GatedCell, type GruReset } from './spec.js';
import {
  LAYOUTS,
  OURS,
  PRESETS,
  type Conventions,
  type ConventionsFile,
  type ConventionsOptions,
  type Layout,
  type Preset,
} from './conventions-types.js';

const LSTM = ['i', 'f', 'g', 'o'] as const;
const GRU = ['z', 'r', 'h'] as const;

/** Every preset's settings (common.md's table; README, "Conventions"). */
export const PRESET_CONVENTIONS: Record<Preset, Conventions> = {
  ours: OURS,
  pytorch: {
    names: 'pytorch',
    layout: 'math',
    gateOrder: { lstm: LSTM, gru: ['r', 'z', 'h'] },
    concatGates: true,
    gruReset: 'after',
    twoBiases: true,
    reduction: 'mean',
    recurrentActivation: 'sigmoid',
    vectorShape: 'H',
  },
  keras: {
    names: 'keras',
    layout: 'row',
    gateOrder: { lstm: LSTM, gru: GRU },
    concatGates: true,
    gruReset: 'after',
    twoBiases: false,
    reduction: 'mean',
    recurrentActivation: 'sigmoid',
    vectorShape: 'H',
  },
  tfjs: {
    names: 'tfjs',
    layout: 'row',
    gateOrder: { lstm: LSTM, gru: GRU },
    concatGates: true,
    gruReset: 'before',
    twoBiases: false,
    reduction: 'mean',
    recurrentActivation: 'hardSigmoid',
    vectorShape: 'H',
  },
  cs231n: {
    names: 'cs231n',
    layout: 'row',
    gateOrder: { lstm: ['i', 'f', 'o', 'g'], gru: GRU },
    concatGates: true,
    gruReset: 'before',
    twoBiases: false,
    reduction: 'mean-batch',
    recurrentActivation: 'sigmoid',
    vectorShape: 'H',
  },
  wildml: { ...OURS, names: 'wildml' },
  'min-char-rnn': { ...OURS, names: 'min-char-rnn', vectorShape: 'H×1' },
};

const PRESET_TEXT: Record<Preset, string> = {
  ours: "bptt-check's own: U, W, b, V, c (gated: U_i, …), math layout, gates separate, one bias, reset before, sum",
  pytorch:
    'torch.nn: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, linear.weight, linear.bias, h0; math layout, gates i,f,g,o / r,z,n stacked, two biases, GRU reset after, mean, sigmoid',
  keras:
    'Keras: kernel, recurrent_kernel, bias (GRU: 2×3H), dense.kernel, dense.bias, initial_state; row layout, gates i,f,c,o / z,r,h stacked, GRU reset after, mean, sigmoid',
  tfjs: 'tf.layers: as keras, but the GRU reset before and hardSigmoid',
  cs231n:
    'cs231n rnn_layers.py: Wx, Wh, b, W_vocab, b_vocab, h0; row layout, gates i,f,o,g stacked, mean over the batch',
  wildml: "WildML's tutorials: ours (U, W, V, b, c; U_z, …), math layout, sum",
  'min-char-rnn': "Karpathy's min-char-rnn: Wxh, Whh, Why, bh, by (H×1), hprev; math layout, RNN only, sum",
};

/** What each preset sets, in words, for --help and the README. */
export function presetHelp(): string {
  return PRESETS.map((p) => `${p}: ${PRESET_TEXT[p]}`).join('\n');
}

const CELL_NAME: Record<GatedCell, string> = { lstm: 'LSTM', gru: 'GRU' };
const ALIASES: Record<string, string> = { c: 'g', n: 'h' }; // Keras's c is g, PyTorch's n is h

/** The command line's options are named as fields (the CLI shows their flags); a file's as conventions.<key>. */
const COMMAND_LINE = ['', 'the command line'];

/** A setting's name in a message: the command line's as its field, a file's as conventions.<key>. */
const named = (where: string, field: string) =>
  COMMAND_LINE.includes(where)
    ? fieldName(field)
    : where.endsWith('conventions')
      ? `${where}.${field}`
      : `${where}: conventions.${field}`;

function problem(where: string, field: string, value: unknown, expected: string): InputError {
  return new InputError(`${named(where, field)} is ${shown(value)}, expected ${expected}`, field);
}

/** "i,f,o,g" (or "ifog"; two orders "i,f,o,g/r,z,h"): each order applies to the cell whose letters it uses. */
function parseGateOrder(text: string, where: string): Partial<Record<GatedCell, string[]>> {
  const out: Partial<Record<GatedCell, string[]>> = {};
  const expected = `a permutation of the LSTM's gates ${LSTM.join(', ')} or of the GRU's gates ${GRU.join(', ')}`;
  for (const part of text.split(/[/;]/)) {
    const letters = (part.includes(',') ? part.split(',') : [...part]).map((l) => l.trim().toLowerCase());
    const mapped = letters.map((l) => ALIASES[l] ?? l);
    const cell: GatedCell | undefined = mapped.every((l) => (LSTM as readonly string[]).includes(l))
      ? 'lstm'
      : mapped.every((l) => (GRU as readonly string[]).includes(l))
        ? 'gru'
        : undefined;
    if (!cell) throw problem(where, 'gateOrder', text, expected);
    const gates: readonly string[] = GATES[cell];
    if (mapped.length !== gates.length || new Set(mapped).size !== gates.length || out[cell])
      throw problem(where, 'gateOrder', text, `a permutation of the ${CELL_NAME[cell]}'s gates ${gates.join(', ')}`);
    out[cell] = mapped;
  }
  return out;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string, field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw problem(where, field, value, `one of ${allowed.join('|')}`);
  return value as T;
}

function flag(value: unknown, where: string, field: string): boolean {
  if (typeof value !== 'boolean') throw problem(where, field, value, 'true or false');
  return value;
}

const FILE_KEYS = ['preset', 'layout', 'gateOrder', 'concatGates', 'gruReset', 'twoBiases', 'reduction'];

/**
 * The conventions of a preset (default ours) with the given settings on top; `where` names the source in
 * errors ('' or 'the command line' for the command line's options, whose fields are named as fields; a file:
 * `case.json` or `case.json: conventions`, whose are named conventions.<key>). Throws InputError for an unknown preset, a gate order that is not a permutation of
 * a cell's gates, an unknown layout, reduction or reset. Keys that are not conventions are ignored, except in
 * an object with `preset` (a file's), which has only those of ConventionsFile.
 */
export function conventionsOf(options: ConventionsOptions | ConventionsFile | undefined, where: string): Conventions {
  if (options === undefined) return OURS;
  if (typeof options === 'string') return PRESET_CONVENTIONS[oneOf(options, PRESETS, where, 'conventions')];
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw problem(where, 'conventions', options, `a preset (${PRESETS.join('|')}) or an object of settings`);
  const o = options as Record<string, unknown>;
  if ('preset' in o) {
    const unknown = Object.keys(o).find((k) => !FILE_KEYS.includes(k));
    if (unknown !== undefined)
      throw new InputError(
        `${named(where, unknown)} is not a known field, expected only ${FILE_KEYS.join(', ')}`,
        'conventions',
      );
  }
  const presetValue = o.preset ?? o.conventions;
  const base = presetValue === undefined ? OURS : PRESET_CONVENTIONS[oneOf(presetValue, PRESETS, where, 'conventions')];
  const conv: Conventions = { ...base, gateOrder: { ...base.gateOrder } };
  if (o.layout !== undefined) conv.layout = oneOf<Layout>(o.layout, LAYOUTS, where, 'layout');
  if (o.gateOrder !== undefined) {
    if (typeof o.gateOrder !== 'string') throw problem(where, 'gateOrder', o.gateOrder, 'gate letters, e.g. i,f,o,g');
    Object.assign(conv.gateOrder, parseGateOrder(o.gateOrder, where));
  }
  if (o.concatGates !== undefined) conv.concatGates = flag(o.concatGates, where, 'concatGates');
  if (o.gruReset !== undefined) conv.gruReset = oneOf<GruReset>(o.gruReset, GRU_RESETS, where, 'gruReset');
  if (o.twoBiases !== undefined) conv.twoBiases = flag(o.twoBiases, where, 'twoBiases');
  if (o.reduction !== undefined) conv.reduction = oneOf<Reduction>(o.reduction, REDUCTIONS, where, 'reduction');
  return conv;
}

type Setting = 'layout' | 'gateOrder' | 'concatGates' | 'gruReset' | 'twoBiases' | 'reduction';
const settingText = (conv: Conventions): Record<Setting, string> => ({
  layout: conv.layout,
  gateOrder: `${conv.gateOrder.lstm.join(',')}/${conv.gateOrder.gru.join(',')}`,
  concatGates: String(conv.concatGates),
  gruReset: conv.gruReset,
  twoBiases: String(conv.twoBiases),
  reduction: conv.reduction,
});

/** Whether the conventions are bptt-check's own, unchanged: then every conversion is the identity. */
export function isOurs(conv: Conventions): boolean {
  return conv.names === 'ours' && describeConventions(conv) === describeConventions(OURS);
}

/**
 * Whether the conventions name and lay out the tensors as ours (they may still set the GRU's reset and the
 * reduction, which our case file says itself: model.gruReset, reduction).
 */
export function oursView(conv: Conventions): boolean {
  return isOurs({ ...conv, gruReset: OURS.gruReset, reduction: OURS.reduction });
}

/** The conventions as a file declares them: the preset's name, or {preset, the settings that differ}. */
export function conventionsFile(conv: Conventions): ConventionsFile {
  const base = PRESET_CONVENTIONS[conv.names];
  const mine = settingText(conv);
  const theirs = settingText(base);
  const changed = (Object.keys(mine) as Setting[]).filter((k) => mine[k] !== theirs[k]);
  if (!changed.length) return conv.names;
  const file: Exclude<ConventionsFile, Preset> = { preset: conv.names };
  for (const k of changed) {
    if (k === 'gateOrder') file.gateOrder = mine.gateOrder;
    else if (k === 'concatGates' || k === 'twoBiases') file[k] = conv[k];
    else if (k === 'layout') file.layout = conv.layout;
    else if (k === 'gruReset') file.gruReset = conv.gruReset;
    else file.reduction = conv.reduction;
  }
  return file;
}

/** One line naming the conventions, for every report: "pytorch (math layout, gates i,f,g,o / r,z,h concatenated, …)". */
export function describeConventions(conv: Conventions): string {
  const gates = `gates ${conv.gateOrder.lstm.join(',')} / ${conv.gateOrder.gru.join(',')} ${conv.concatGates ? 'concatenated' : 'separate'}`;
  const biases = conv.twoBiases
    ? 'two biases'
    : conv.names === 'keras' && conv.gruReset === 'after'
      ? "one bias (the GRU's 2×3H: input and recurrent, both checked)"
      : 'one bias';
  return `${conv.names} (${conv.layout} layout, ${gates}, the GRU's reset ${conv.gruReset}, ${biases}, loss ${conv.reduction})`;
}
