/**
 * The case: everything needed to reproduce one comparison (DESIGN.md, "Case file").
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes.
 */
import type { Matrix } from './matrix.js';
import { fromNested, fromVector, toNested, toVector } from './matrix.js';
import { paramSpecs, type ModelConfig } from './spec.js';
import { NO_TARGET, type Reduction } from './loss.js';
import type { Conventions, ConventionsFile } from './conventions.js';

export const CASE_SCHEMA_VERSION = 1;

/** The case file as JSON: nested arrays in math layout. */
export interface CaseFile {
  schemaVersion: 1;
  id?: string;
  model: ModelConfig;
  params: Record<string, number[][] | number[]>;
  inputs?: number[][];
  inputVectors?: number[][][];
  /** null: no loss at that step */
  targets: (number | null)[][];
  initialState?: number[][];
  /** the loss's reduction; absent: sum */
  reduction?: Reduction;
  /** the conventions the case was declared in (bptt-check case --conventions X writes them) */
  conventions?: ConventionsFile;
}

/** The case in memory: flat typed arrays, ready for computation. */
export interface Case {
  id: string;
  model: ModelConfig;
  batch: number; // B
  steps: number; // T
  params: Record<string, Matrix>;
  /** B·T token ids, row b at [b·T, (b+1)·T), when inputs are tokens */
  tokens: Int32Array | null;
  /** B·T·I numbers, x_t of row b at [(b·T + t)·I, …), when inputs are dense vectors */
  vectors: Float64Array | null;
  /** B·T target ids; NO_TARGET (−1) where a step carries no loss (null in files) */
  targets: Int32Array;
  /** s_{-1}, B×H, or null for zeros */
  initialState: Matrix | null;
  /** the loss's reduction (loss.ts); undefined: sum */
  reduction?: Reduction;
  /**
   * the conventions of the subject's view of this case (layout, gate order, names, …; conventions.ts): the case
   * is handed to user code, and user gradients are read, in them. undefined: ours (math layout, U, W, V, …).
   */
  conventions?: Conventions;
}

export function caseToFile(c: Case): CaseFile {
  const { model, batch: B, steps: T } = c;
  const params: CaseFile['params'] = {};
  for (const s of paramSpecs(model))
    params[s.name] = s.vector ? toVector(c.params[s.name]!) : toNested(c.params[s.name]!);
  const rows = <A extends Int32Array | Float64Array>(a: A, width: number) =>
    Array.from({ length: B }, (_, b) => Array.from(a.subarray(b * width, (b + 1) * width)));
  const targets = rows(c.targets, T).map((row) => row.map((y) => (y === NO_TARGET ? null : y)));
  const file: CaseFile = {
    schemaVersion: CASE_SCHEMA_VERSION,
    id: c.id,
    model: { ...model },
    params,
    targets,
  };
  if (c.tokens) file.inputs = rows(c.tokens, T);
  if (c.vectors) {
    const I = model.inputSize;
    file.inputVectors = Array.from({ length: B }, (_, b) =>
      Array.from({ length: T }, (_, t) => Array.from(c.vectors!.subarray((b * T + t) * I, (b * T + t + 1) * I))),
    );
  }
  if (c.initialState) file.initialState = toNested(c.initialState);
  if (c.reduction && c.reduction !== 'sum') file.reduction = c.reduction;
  return file;
}

/** Builds the in-memory case from a file object whose shapes have already been validated. */
export function caseFromValidFile(f: CaseFile, fallbackId: string): Case {
  const B = f.targets.length;
  const T = f.targets[0]!.length;
  const params: Record<string, Matrix> = {};
  for (const s of paramSpecs(f.model)) {
    const v = f.params[s.name]!;
    params[s.name] = s.vector ? fromVector(v as number[]) : fromNested(v as number[][]);
  }
  return {
    id: f.id ?? fallbackId,
    model: { ...f.model },
    batch: B,
    steps: T,
    params,
    tokens: f.inputs ? Int32Array.from(f.inputs.flat()) : null,
    vectors: f.inputVectors ? Float64Array.from(f.inputVectors.flat(2)) : null,
    targets: Int32Array.from(f.targets.flat(), (y) => y ?? NO_TARGET),
    initialState: f.initialState ? fromNested(f.initialState) : null,
    ...(f.reduction && f.reduction !== 'sum' ? { reduction: f.reduction } : {}),
  };
}
