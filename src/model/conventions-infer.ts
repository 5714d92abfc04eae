/**
 * Reading a case file written in a convention: its model (given, or inferred from the shapes and the preset),
 * and the check that its tensors are those of the conventions (naming, when they are another preset's, whose).
 */
import { InputError, fieldName, shown } from './errors.js';
import { modelSchema, zodIssueText } from './validate.js';
import { GATES, type Cell, type ModelFields } from './spec.js';
import { PRESETS, type Conventions, type Preset } from './conventions-types.js';
import { NAMES, namesOfPreset, type UserTensor } from './conventions-plan.js';
import { shapeOf } from './conventions-read.js';

const CELL_OF_G: Record<number, Cell> = { 1: 'rnn', 4: 'lstm', 3: 'gru' };

/**
 * The model of a case file in a convention: its `model` (the GRU's reset set from the conventions), or
 * inferred: the cell from the gate count G = rows(U) / cols(W) (math; the row layout's transposes) or from the
 * gates' names, I, H, K from the shapes, bias from the presence of biases, tanh, the preset's σ.
 */
export function modelOfFile(raw: Record<string, unknown>, conv: Conventions, where: string): ModelFields {
  const gated = (cell: Cell) => cell !== 'rnn';
  if (raw.model !== undefined) {
    const parsed = modelSchema.safeParse(raw.model);
    if (!parsed.success)
      throw new InputError(`${where}: model.${zodIssueText(parsed.error.issues[0]!, raw.model, modelSchema)}`);
    const m: ModelFields = { ...parsed.data };
    if (m.cell === 'gru') m.gruReset = conv.gruReset;
    if (gated(m.cell) && m.recurrentActivation === undefined && conv.recurrentActivation)
      m.recurrentActivation = conv.recurrentActivation;
    return m;
  }
  const params = (raw.params ?? {}) as Record<string, unknown>;
  const n = NAMES[conv.names];
  const shape = (k: string) => shapeOf(params[k]);
  const row = conv.layout === 'row';
  let cell: Cell;
  let H: number;
  let separate = false;
  if (`${n.W}_i` in params || `${n.W}_z` in params) {
    cell = `${n.W}_i` in params ? 'lstm' : 'gru';
    separate = true;
    H = shape(`${n.W}_${cell === 'lstm' ? 'i' : 'z'}`)?.[0] ?? 1;
  } else {
    const w = shape(n.W);
    if (!w || w.length !== 2)
      throw new InputError(
        `${where}: params.${n.W} is ${w ? `shape ${w.join('×')}` : shown(params[n.W])}, expected G·H×H (math layout) or H×G·H (row), G = 1 (rnn), 4 (lstm) or 3 (gru), in ${conv.names}'s names`,
      );
    const [r, c] = w as [number, number];
    const [h, g] = row ? [r, c / r] : [c, r / c];
    const [hOther, gOther] = row ? [c, r / c] : [r, c / r];
    if (CELL_OF_G[g] !== undefined) {
      cell = CELL_OF_G[g];
      H = h;
    } else {
      const expected = row ? `${hOther}×${gOther * hOther}` : `${gOther * hOther}×${hOther}`;
      const other = CELL_OF_G[gOther] !== undefined ? `; ${r}×${c} is the ${row ? 'math' : 'row'} layout's` : '';
      throw new InputError(
        `${where}: params.${n.W} has shape ${r}×${c}, expected ${CELL_OF_G[gOther] !== undefined ? expected : 'G·H×H'} (${row ? 'H×G·H' : 'G·H×H'}, ${conv.names}'s ${conv.layout} layout)${other}`,
      );
    }
  }
  if (conv.names === 'min-char-rnn') cell = 'rnn';
  const gates: readonly string[] = cell === 'rnn' ? [] : GATES[cell];
  const GH = (separate ? 1 : Math.max(gates.length, 1)) * H;
  // I: the dense inputs' width, else U's side that is not G·H; K: V's side that is not H
  const other = (s: number[] | null, side: number, math: boolean): number => {
    if (!s || s.length !== 2) return 1;
    const [r, c] = s as [number, number];
    if (math) return r === side ? c : c === side ? r : c;
    return c === side ? r : r === side ? c : r;
  };
  const vectors = raw.inputVectors;
  const I =
    Array.isArray(vectors) && Array.isArray(vectors[0]) && Array.isArray(vectors[0][0])
      ? (vectors[0][0] as unknown[]).length
      : other(shape(separate ? `${n.U}_${gates[0]!}` : n.U), GH, !row);
  const K = other(shape(n.V), H, !row);
  const biasNames = [n.b, n.c, ...gates.map((g) => `${n.b}_${g}`)];
  const m: ModelFields = {
    cell,
    activation: 'tanh',
    bias: biasNames.some((b) => b in params),
    inputSize: I,
    hiddenSize: H,
    outputSize: K,
  };
  if (cell !== 'rnn' && conv.recurrentActivation) m.recurrentActivation = conv.recurrentActivation;
  if (cell === 'gru') m.gruReset = conv.gruReset;
  return m;
}

/** Refuses a tensor that is not one of the plan's (saying whose names they are) and a missing one. */
export function checkNames(
  given: Record<string, unknown>,
  plan: readonly UserTensor[],
  conv: Conventions,
  where: string,
  path: string,
  requireAll: boolean,
): void {
  const expected = plan.map((u) => u.name);
  const list = `${conv.names}: ${expected.join(', ')}`;
  const unknown = Object.keys(given).filter((k) => !expected.includes(k));
  if (unknown.length) {
    const owners = PRESETS.filter((p) => p !== conv.names && NAMES[p] !== NAMES[conv.names]).map((p) => {
      const names = namesOfPreset(p);
      return { p, mine: Object.keys(given).filter((k) => names.has(k)) };
    });
    const best = owners.reduce<{ p: Preset; mine: string[] } | undefined>(
      (a, o) => (o.mine.includes(unknown[0]!) && (!a || o.mine.length > a.mine.length) ? o : a),
      undefined,
    );
    const hint = best
      ? `; ${best.mine.join(', ')} ${best.mine.length === 1 ? 'is' : 'are'} ${best.p}'s: ${fieldName('conventions')} ${best.p}?`
      : '';
    throw new InputError(
      `${where}: ${path}.${unknown[0]!} is not a tensor of these conventions (${list})${hint}`,
      'conventions',
    );
  }
  if (!requireAll) return;
  const missing = plan.find((u) => !(u.name in given));
  if (missing)
    throw new InputError(`${where}: ${path}.${missing.name} is missing, expected ${missing.formula} (${list})`);
}
