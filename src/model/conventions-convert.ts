/**
 * Cases and gradients between the user's conventions and ours, following conventions-plan.ts's plan: a case
 * written in them (caseInConventions), read from them (caseFileFromConventions), gradients read from them
 * (gradientsFromConventions, the hh biases' under twinName), and a reference's gradients given the twins.
 */
import { CASE_SCHEMA_VERSION, caseToFile, type Case, type CaseFile } from './case.js';
import { InputError, fieldName } from './errors.js';
import { readJsonNumber } from './gradients.js';
import { toNested, toVector, zeros, type Matrix } from './matrix.js';
import { modelConfig, paramSpecs, resetAfter, type ModelConfig } from './spec.js';
import { OURS, twinName, type Conventions } from './conventions-types.js';
import { conventionsFile, isOurs } from './conventions-presets.js';
import { checkModelFits, NAMES, planOf, type Block, type UserTensor } from './conventions-plan.js';
import { hhShare, ihShare, readUser, writeUser, type ReadContext } from './conventions-read.js';
import { checkNames, modelOfFile } from './conventions-infer.js';

/**
 * The case as the subject sees it under its conventions: the model's gruReset and the case's reduction set
 * from them, and `conventions` kept. A GRU case with biases that lacks b_Wh (written before the reset after)
 * gets b_Wh = 0; one with a zero b_Wh read under the reset before loses it. Ours: the case itself.
 */
export function withConventions(c: Case, conv: Conventions): Case {
  if (isOurs(conv)) return c;
  const model: ModelConfig = { ...c.model };
  const params = { ...c.params };
  if (model.cell === 'gru') {
    if (conv.gruReset === 'after') model.gruReset = 'after';
    else delete model.gruReset;
    if (model.bias && resetAfter(model) && !params.b_Wh) params.b_Wh = zeros(model.hiddenSize, 1);
    if (!resetAfter(model) && params.b_Wh) {
      if (params.b_Wh.data.some((x) => x !== 0))
        throw new InputError(
          `${fieldName('gruReset')} is "before" for a case with the reset after and a nonzero b_Wh, expected "after" (the case's model)`,
          'gruReset',
        );
      delete params.b_Wh;
    }
  }
  checkModelFits(model, conv);
  const out: Case = { ...c, model, params, conventions: conv };
  if (conv.reduction === 'sum') delete out.reduction;
  else out.reduction = conv.reduction;
  return out;
}

const planOfCase = (c: Case, conv: Conventions) => planOf(c.model, conv, c.batch, c.initialState !== null);

/** Our tensor of a block's value in a case: whole, or a bias's ih or hh share (b = b_ih + b_hh). */
function blockValue(c: Case, b: Block): Float64Array {
  const m = b.ours === 'initialState' ? c.initialState! : c.params[b.ours]!;
  return b.part === 'whole' ? m.data : b.part === 'ih' ? ihShare(m) : hhShare(m);
}

/**
 * The case file in the user's conventions: their names, layouts, concatenation and biases (two biases split
 * exactly, conventions-read.ts's hhShare), inputs and targets as in every case, the initial state under params,
 * `conventions` naming them and `model` (ours) kept. For ours it is caseToFile.
 */
export function caseInConventions(c: Case, conv: Conventions): Record<string, unknown> {
  if (isOurs(conv)) return { ...caseToFile(c) };
  const cc = withConventions(c, conv);
  const ours = caseToFile(cc);
  const params: Record<string, unknown> = {};
  for (const ut of planOfCase(cc, conv)) {
    const blocks = [...ut.blocks, ...(ut.blocks2 ?? [])];
    const stack = new Float64Array(blocks.reduce((n, b) => n + blockValue(cc, b).length, 0));
    let at = 0;
    for (const b of blocks) {
      const v = blockValue(cc, b);
      stack.set(v, at);
      at += v.length;
    }
    params[ut.name] = writeUser(stack, ut, conv);
  }
  const file: Record<string, unknown> = {
    schemaVersion: CASE_SCHEMA_VERSION,
    id: cc.id,
    conventions: conventionsFile(conv),
    model: ours.model,
    params,
  };
  // our own names: the initial state where a case file has it, at the top level
  if (conv.names === 'ours' && params.initialState) {
    file.initialState = params.initialState;
    delete params.initialState;
  }
  if (ours.inputs) file.inputs = ours.inputs;
  if (ours.inputVectors) file.inputVectors = ours.inputVectors;
  file.targets = ours.targets;
  file.reduction = conv.reduction; // said outright for user code (the conventions say it too)
  return file;
}

/** The blocks of a user tensor's stack: (block, its math-orientation Matrix) in order. */
function blocksOf(stack: Float64Array, ut: UserTensor): [Block, Matrix][] {
  const size = ut.blockRows * ut.cols;
  return [...ut.blocks, ...(ut.blocks2 ?? [])].map((b, k) => [
    b,
    { rows: ut.blockRows, cols: ut.cols, data: stack.slice(k * size, (k + 1) * size) },
  ]);
}

/** The top-level fields of a case file in a convention; other descriptive fields (the fixtures') are ignored. */
const CASE_FIELDS = ['schemaVersion', 'id', 'model', 'params', 'inputs', 'inputVectors', 'targets', 'conventions'];
const IGNORED = ['note', 'module', 'framework', 'layout', 'gateOrder', 'loss', 'inputsAre', 'loss_value', 'gradients', 'reduction']; // prettier-ignore

/**
 * A case file written in the user's conventions (their names, layouts; `model` and `schemaVersion` may be
 * absent, then the model is inferred, conventions-infer.ts) → our case file, for parseCase. The initial state is
 * read under params or at the top level. Errors name the tensor, its shape and the shape the conventions expect.
 */
export function caseFileFromConventions(raw: Record<string, unknown>, conv: Conventions, where: string): CaseFile {
  const h0 = NAMES[conv.names].h0;
  const unknownField = Object.keys(raw).find((k) => ![...CASE_FIELDS, ...IGNORED, h0].includes(k));
  if (unknownField !== undefined)
    throw new InputError(
      `${where}: ${unknownField} is not a known field, expected only ${[...CASE_FIELDS, h0].join(', ')} (docs/formats.md, "Case file in a convention")`,
    );
  const rawParams = raw.params;
  if (rawParams === null || typeof rawParams !== 'object' || Array.isArray(rawParams))
    throw new InputError(
      `${where}: params is ${rawParams === undefined ? 'missing' : 'not an object'}, expected the tensors by name`,
    );
  const given: Record<string, unknown> = { ...(rawParams as Record<string, unknown>) };
  if (raw[h0] !== undefined && h0 !== 'initialState') given[h0] ??= raw[h0];
  if (conv.names === 'ours' && raw.initialState !== undefined) given.initialState = raw.initialState;
  const fields = modelOfFile(raw, conv, where);
  checkModelFits(fields, conv);
  const B = Array.isArray(raw.targets) ? raw.targets.length : 1;
  const plan = planOf(fields, conv, B, h0 in given);
  checkNames(given, plan, conv, where, 'params', true);
  const ctx: ReadContext = { where, path: 'params', conv, num: (v) => (typeof v === 'number' ? v : undefined) };
  const model = modelConfig(fields);
  const tensors: Record<string, Matrix> = {};
  for (const ut of plan)
    for (const [b, m] of blocksOf(readUser(given[ut.name], ut, ctx), ut)) {
      // two biases: b = b_ih + b_hh
      const sum = tensors[b.ours];
      if (b.part !== 'whole' && sum) sum.data.forEach((x, j) => (sum.data[j] = x + m.data[j]!));
      else tensors[b.ours] = m;
    }
  const params: CaseFile['params'] = {};
  for (const s of paramSpecs(model))
    params[s.name] = s.vector ? toVector(tensors[s.name]!) : toNested(tensors[s.name]!);
  const file: CaseFile = {
    schemaVersion: CASE_SCHEMA_VERSION,
    model,
    params,
    targets: raw.targets as CaseFile['targets'],
    conventions: conventionsFile(conv),
  };
  if (typeof raw.id === 'string') file.id = raw.id;
  if (raw.inputs !== undefined) file.inputs = raw.inputs as number[][];
  if (raw.inputVectors !== undefined) file.inputVectors = raw.inputVectors as number[][][];
  if (tensors.initialState) file.initialState = toNested({ ...tensors.initialState });
  if (conv.reduction !== 'sum') file.reduction = conv.reduction;
  return file;
}

/**
 * The user's gradient tensors in their conventions (c.conventions) → ours, by name: U_i, …, b_i, …, with two
 * biases the ih tensor's part under b and the hh tensor's under twinName(b) (the GRU-after's h̃: b_h and b_Wh).
 * A tensor the user leaves out is left out. Errors name the tensor, its shape and the shape expected.
 */
export function gradientsFromConventions(
  tensors: Record<string, unknown>,
  c: Case,
  where: string,
): Record<string, Matrix> {
  const conv = c.conventions ?? OURS;
  const plan = planOfCase(c, conv);
  checkNames(tensors, plan, conv, where, 'gradients', false);
  const ctx: ReadContext = { where, path: 'gradients', conv, num: readJsonNumber };
  const out: Record<string, Matrix> = {};
  for (const ut of plan) {
    if (!(ut.name in tensors)) continue;
    for (const [b, m] of blocksOf(readUser(tensors[ut.name], ut, ctx), ut))
      out[b.part === 'hh' ? twinName(b.ours) : b.ours] = m;
  }
  return ordered(out, c, conv);
}

/** Ours in paramSpecs' order, each bias's twin right after it, then the initial state. */
function ordered(t: Record<string, Matrix>, c: Case, conv: Conventions): Record<string, Matrix> {
  const out: Record<string, Matrix> = {};
  const twins = new Set(
    planOfCase(c, conv).flatMap((u) => [...u.blocks, ...(u.blocks2 ?? [])].filter((b) => b.part === 'hh')),
  );
  for (const name of [...paramSpecs(c.model).map((s) => s.name), 'initialState']) {
    if (t[name]) out[name] = t[name];
    if ([...twins].some((b) => b.ours === name) && t[twinName(name)]) out[twinName(name)] = t[twinName(name)]!;
  }
  for (const [k, v] of Object.entries(t)) out[k] ??= v;
  return out;
}

/**
 * A reference's gradients as the subject's conventions compare them: with two biases, each twin tensor (the
 * hh bias's gradient, ∂L/∂b_hh = ∂L/∂b_ih = ∂L/∂b) added; the GRU-after's b_Wh is its own tensor already.
 */
export function withTwins(tensors: Record<string, Matrix>, c: Case): Record<string, Matrix> {
  const conv = c.conventions ?? OURS;
  if (isOurs(conv)) return tensors;
  const out = { ...tensors };
  for (const u of planOfCase(c, conv))
    for (const b of [...u.blocks, ...(u.blocks2 ?? [])])
      if (b.part === 'hh' && tensors[b.ours]) {
        const g = tensors[b.ours]!;
        out[twinName(b.ours)] = { rows: g.rows, cols: g.cols, data: g.data.slice() };
      }
  return ordered(out, c, conv);
}

/** Where an internal tensor lives in the user's names, for reports: "U_f = weight_ih_l0 rows 5–9". */
export function userPlace(name: string, c: Case): string {
  const conv = c.conventions ?? OURS;
  if (isOurs(conv)) return name;
  const places: string[] = [];
  for (const u of planOfCase(c, conv)) {
    const blocks = [...u.blocks, ...(u.blocks2 ?? [])];
    blocks.forEach((b, k) => {
      const hit = b.ours === name ? b.part !== 'hh' : twinName(b.ours) === name && b.part === 'hh';
      if (!hit) return;
      if (blocks.length === 1) {
        places.push(u.kind === 'matrix' && u.transposed ? `${u.name} transposed` : u.name);
        return;
      }
      const inRow = u.kind === 'pair' ? k - (k >= u.blocks.length ? u.blocks.length : 0) : k;
      const from = inRow * u.blockRows;
      const span = `${from}–${from + u.blockRows - 1}`;
      const what = u.kind === 'matrix' ? (u.transposed ? 'columns' : 'rows') : 'entries';
      const row = u.kind === 'pair' ? ` row ${k >= u.blocks.length ? 1 : 0}` : '';
      places.push(`${u.name}${row} ${what} ${span}`);
    });
  }
  return places.length ? `${name} = ${places.join(' + ')}` : name;
}
