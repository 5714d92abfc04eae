/**
 * Gradients of one case from one implementation, and the gradients file (DESIGN.md, "Gradients file").
 * Tensor names and layouts are those of the case's params, plus `initialState` (B×H) when the case
 * gives one.
 */
import type { Case } from './case.js';
import type { Matrix } from './matrix.js';
import { toNested, toVector } from './matrix.js';
import { InputError, shown } from './errors.js';
import { gradientSpecs, shapeText, type TensorSpec } from './spec.js';
import { gradientsFromConventions } from './conventions.js';
import { answerConventions, refuseForeignNames } from './view.js';

export const GRADIENTS_SCHEMA_VERSION = 1;

export interface Gradients {
  /** L = Σ_batch Σ_t −log ŷ_t[y_t] */
  loss: number;
  /** ∂L/∂θ per tensor, math layout */
  tensors: Record<string, Matrix>;
  /** when the gradients were clipped: the global norm of the parameter gradients before and after */
  clip?: { normBefore: number; normAfter: number };
  /** the precision the implementation computed in, when its gradients file (or module) says so */
  dtype?: Dtype;
  /**
   * the subject's adjoints, when it gives them: s = ∂L/∂s_t (and, for an LSTM, c = ∂L/∂c_t) of every batch
   * row and step, row b's step t at [(b·T + t)·H, (b·T + t + 1)·H) (a file's `adjoints`: B×T×H nested)
   */
  adjoints?: { s: Float64Array; c?: Float64Array };
}

/** The precisions an implementation may declare (`--dtype`, a gradients file's `dtype`). */
export const DTYPES = ['float32', 'float64'] as const;
export type Dtype = (typeof DTYPES)[number];

/**
 * A number as gradients files (and golden files) carry it: itself when finite, else the string "NaN",
 * "Infinity" or "-Infinity", since JSON has no token for them (JSON.stringify would write null, losing
 * which). docs/formats.md, "Gradients file".
 */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';
export const NON_FINITE_TEXT = ['NaN', 'Infinity', '-Infinity'] as const;

export function jsonNumber(x: number): JsonNumber {
  return Number.isFinite(x) ? x : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The number a gradients file's value stands for: a number (also a bare NaN/Infinity token, which
 * parseJsonText reads as one, as Python's json writes them), one of the strings "NaN", "Infinity",
 * "-Infinity", or null (what JSON.stringify writes for any of them, as earlier versions of grads did: read as NaN);
 * undefined for anything else.
 */
export function readJsonNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (typeof v === 'string' && (NON_FINITE_TEXT as readonly string[]).includes(v)) return Number(v);
  return undefined;
}

export interface GradientsFile {
  schemaVersion: 1;
  source: string;
  /** in memory a number (NaN, ±Infinity included); in the file, non-finite values are written as jsonNumber does */
  loss: number;
  gradients: Record<string, number[][] | number[]>;
  /** optional: the precision of the implementation (detected from the values when absent) */
  dtype?: Dtype;
}

export function gradientsToFile(c: Case, g: Gradients, source: string): GradientsFile {
  const gradients: GradientsFile['gradients'] = {};
  for (const s of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
    const m = g.tensors[s.name];
    if (m) gradients[s.name] = s.vector ? toVector(m) : toNested(m);
  }
  return { schemaVersion: GRADIENTS_SCHEMA_VERSION, source, loss: g.loss, gradients };
}

/** A JSON.stringify replacer that writes non-finite numbers as jsonNumber does, not as null. */
export const nonFiniteAsText = (_key: string, v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) ? jsonNumber(v) : v;

/**
 * JSON.stringify writes every finite float64 so that it reads back exactly; non-finite values (an
 * exploding case, a float32 reference that overflows) are written as the strings "NaN", "Infinity" and
 * "-Infinity" (jsonNumber), which parseGradients reads back, and never as null or a bare NaN token.
 */
export function gradientsJson(c: Case, g: Gradients, source: string): string {
  return `${JSON.stringify(gradientsToFile(c, g, source), nonFiniteAsText)}\n`;
}

/**
 * Reads a gradients file (or a module's or a command's answer) for a case. A tensor the file lacks is left out,
 * to be reported per tensor; an unknown tensor, a wrong shape or a non-number is bad input (InputError,
 * naming the tensor). Optional `adjoints` (∂L/∂s_t, and ∂L/∂c_t for an LSTM, B×T×H) are read likewise.
 */
export function parseGradients(raw: unknown, where: string, c: Case, requireHeader = true): Gradients {
  const obj = raw as Record<string, unknown> | null;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new InputError(`${where} is ${shown(raw)}, expected a gradients object { loss, gradients }`);
  // tensors in the case's conventions, or in those the answer declares (a gradients file in a convention needs no header)
  const conventions = answerConventions(c, obj.conventions, where);
  if (requireHeader && conventions === undefined && obj.schemaVersion !== GRADIENTS_SCHEMA_VERSION)
    throw new InputError(
      `${where}: schemaVersion is ${shown(obj.schemaVersion)}, expected ${GRADIENTS_SCHEMA_VERSION}`,
    );
  // a non-finite loss is not refused: it is a failing loss row, as a non-finite tensor entry is
  // PyTorch's fixtures name it loss_value (their loss is the loss's description)
  const lossField = conventions?.names === 'pytorch' && obj.loss_value !== undefined ? 'loss_value' : 'loss';
  const loss = readJsonNumber(obj[lossField]);
  if (loss === undefined)
    throw new InputError(
      `${where}: ${lossField} is ${shown(obj[lossField])}, expected a number (or "NaN", "Infinity", "-Infinity")`,
    );
  const grads = obj.gradients as Record<string, unknown> | undefined;
  if (grads === null || typeof grads !== 'object' || Array.isArray(grads))
    throw new InputError(`${where}: gradients is ${shown(grads)}, expected an object of tensors`);
  if (obj.dtype !== undefined && !(DTYPES as readonly unknown[]).includes(obj.dtype))
    throw new InputError(
      `${where}: dtype is ${shown(obj.dtype)}, expected "float32" or "float64" (or no dtype: it is detected from the values)`,
    );
  const adjoints = obj.adjoints === undefined ? undefined : adjointsValue(obj.adjoints, c, where);
  const rest = {
    ...(obj.dtype !== undefined ? { dtype: obj.dtype as Dtype } : {}),
    ...(adjoints ? { adjoints } : {}),
  };
  if (conventions)
    return { loss, tensors: gradientsFromConventions(grads, { ...c, conventions }, `${where}: gradients`), ...rest };
  refuseForeignNames(grads, `${where}: gradients`);
  const specs = gradientSpecs(c.model, c.batch, c.initialState !== null);
  const tensors: Record<string, Matrix> = {};
  for (const [name, value] of Object.entries(grads)) {
    const s = specs.find((x) => x.name === name);
    if (!s)
      throw new InputError(
        `${where}: gradients.${name} is not a tensor of this case, expected only ${specs.map((x) => x.name).join(', ')}`,
      );
    tensors[name] = tensorValue(value, s, `${where}: gradients.${name}`);
  }
  return { loss, tensors, ...rest };
}

/** The shape of a nested array as the messages say it (`2×8×16`; ragged axes as `8|7`). */
function nestedShape(v: unknown): string {
  if (!Array.isArray(v)) return shown(v);
  const dims: string[] = [];
  let level: unknown[] = [v];
  while (level.length && level.every((x) => Array.isArray(x))) {
    const lens = [...new Set(level.map((x) => (x as unknown[]).length))];
    dims.push(lens.join('|'));
    level = level.flatMap((x) => x as unknown[]);
  }
  return dims.join('×');
}

/**
 * A subject's adjoints (docs/formats.md, "Gradients file"): `{ s, c? }` of B×T×H nested arrays, or a bare B×T×H
 * array standing for s; c (∂L/∂c_t) for an LSTM only. Numbers as in the tensors ("NaN" and the rest allowed).
 */
function adjointsValue(raw: unknown, c: Case, where: string): NonNullable<Gradients['adjoints']> {
  const obj = Array.isArray(raw) ? { s: raw } : (raw as Record<string, unknown> | null);
  if (obj === null || typeof obj !== 'object')
    throw new InputError(
      `${where}: adjoints is ${shown(raw)}, expected { s, c? } of B×T×H arrays (or one B×T×H array: s)`,
    );
  const known = c.model.cell === 'lstm' ? ['s', 'c'] : ['s'];
  for (const k of Object.keys(obj))
    if (!known.includes(k))
      throw new InputError(
        k === 'c'
          ? `${where}: adjoints.c is given for a ${c.model.cell} case, expected only adjoints.s: only the LSTM has a cell state`
          : `${where}: adjoints.${k} is not an adjoint of this case, expected only ${known.map((x) => `adjoints.${x}`).join(', ')}`,
      );
  if (obj.s === undefined) throw new InputError(`${where}: adjoints has no s, expected adjoints.s = ∂L/∂s_t, B×T×H`);
  return {
    s: adjointValue(obj.s, c, `${where}: adjoints.s`),
    ...(obj.c !== undefined ? { c: adjointValue(obj.c, c, `${where}: adjoints.c`) } : {}),
  };
}

/** One adjoint, B×T×H nested, flattened with row b's step t at [(b·T + t)·H, …). */
function adjointValue(v: unknown, c: Case, field: string): Float64Array {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const ok =
    Array.isArray(v) &&
    v.length === B &&
    v.every((row) => Array.isArray(row) && row.length === T && row.every((x) => Array.isArray(x) && x.length === H));
  if (!ok) {
    const shape = nestedShape(v);
    const hint = B !== T && shape === `${T}×${B}×${H}` ? ' (that is T×B×H: the transpose of the first two axes)' : '';
    throw new InputError(`${field} is ${shape}, expected B×T×H = ${B}×${T}×${H}${hint}`);
  }
  const flat = (v as unknown[][][]).flat(2);
  const data = new Float64Array(flat.length);
  flat.forEach((x, k) => {
    const n = readJsonNumber(x);
    if (n === undefined)
      throw new InputError(
        `${field} holds ${shown(x)} at [${[Math.floor(k / (T * H)), Math.floor(k / H) % T, k % H].join(', ')}], expected numbers (or "NaN", "Infinity", "-Infinity")`,
      );
    data[k] = n;
  });
  return data;
}

function tensorValue(value: unknown, s: TensorSpec, field: string): Matrix {
  const expected = `${s.formula} = ${shapeText(s)}`;
  const shapeOf = (v: unknown): string =>
    Array.isArray(v)
      ? v.every((r) => Array.isArray(r))
        ? `${v.length}×${[...new Set(v.map((r: unknown[]) => r.length))].join('|')}`
        : `${v.length}`
      : shown(v);
  const flat = s.vector
    ? value
    : Array.isArray(value) &&
        value.every((r) => Array.isArray(r)) &&
        value.length === s.rows &&
        value.every((r: unknown[]) => r.length === s.cols)
      ? value.flat()
      : null;
  if (!Array.isArray(flat) || flat.length !== s.rows * s.cols || (s.vector && flat.some((x) => Array.isArray(x)))) {
    const hint =
      !s.vector && shapeOf(value) === `${s.cols}×${s.rows}` && s.rows !== s.cols
        ? ' (that is the transpose: math layout is rows × columns as in the case params)'
        : '';
    throw new InputError(`${field} is ${shapeOf(value)}, expected ${expected}${hint}`);
  }
  const data = new Float64Array(flat.length);
  flat.forEach((x: unknown, k) => {
    // JSON has no NaN or Infinity: "NaN", "Infinity", "-Infinity" (or null) stand for them, and the comparison reports them
    const v = readJsonNumber(x);
    if (v === undefined)
      throw new InputError(
        `${field} holds ${shown(x)} at flat index ${k}, expected numbers (or "NaN", "Infinity", "-Infinity")`,
      );
    data[k] = v;
  });
  return { rows: s.rows, cols: s.cols, data };
}
