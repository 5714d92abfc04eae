/**
 * The harness: runs the hand-written BPTT and the references on one case and compares every tensor,
 * for every pair. This is the only module where the hand side and the reference side meet.
 */
import { handGradients } from '../bptt/index.js';
import { referenceGradients, type ReferenceName } from '../../reference/index.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { indexOf } from '../model/matrix.js';
import { gradientSpecs, shapeText } from '../model/spec.js';
import { compareArrays, type TensorMetrics, type Tolerance } from './metrics.js';

export type ImplName = 'hand' | ReferenceName;

export interface CaseConfig {
  cell: string;
  activation: string;
  bias: boolean;
  inputs: 'tokens' | 'dense';
  I: number;
  H: number;
  K: number;
  T: number;
  B: number;
  initialState: boolean;
}

export interface PairRow extends TensorMetrics {
  /** "loss" or a gradient name (U, W, V, b, c, initialState) */
  tensor: string;
  shape: string;
  /** the side under test and the side it is checked against */
  a: ImplName;
  r: ImplName;
}

export interface CaseResult {
  id: string;
  config: CaseConfig;
  pass: boolean;
  loss: Partial<Record<ImplName, number>>;
  /** wall time of each implementation's gradient, in milliseconds */
  ms: Partial<Record<ImplName, number>>;
  rows: PairRow[];
}

export function caseConfig(c: Case): CaseConfig {
  const m = c.model;
  return {
    cell: m.cell,
    activation: m.activation,
    bias: m.bias,
    inputs: c.tokens ? 'tokens' : 'dense',
    I: m.inputSize,
    H: m.hiddenSize,
    K: m.outputSize,
    T: c.steps,
    B: c.batch,
    initialState: c.initialState !== null,
  };
}

/** The pairs compared for a choice of references: hand against each, and the references against each other. */
export function pairsFor(references: readonly ReferenceName[]): [ImplName, ImplName][] {
  const pairs: [ImplName, ImplName][] = references.map((r) => ['hand', r]);
  if (references.length === 2) pairs.push([references[0]!, references[1]!]);
  return pairs;
}

/** Rows for one pair: the loss, then every gradient tensor of the case in spec order. */
export function compareGradients(c: Case, a: Gradients, r: Gradients, names: [ImplName, ImplName], tol: Tolerance): PairRow[] {
  const [an, rn] = names;
  const rows: PairRow[] = [{ tensor: 'loss', shape: 'scalar', a: an, r: rn, ...compareArrays([a.loss], [r.loss], tol, () => []) }];
  for (const s of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
    const ma = a.tensors[s.name];
    const mr = r.tensors[s.name];
    const base = { tensor: s.name, shape: shapeText(s), a: an, r: rn };
    if (!ma || !mr) {
      const missing = !ma ? an : rn;
      const n = s.rows * s.cols;
      rows.push({ ...base, scale: NaN, maxAbsErr: NaN, maxRelErr: NaN, relErrNorm: NaN, cosine: NaN, worst: null, failing: n, count: n, pass: false, reason: `${missing} gives no ${s.name}` });
      continue;
    }
    rows.push({ ...base, ...compareArrays(ma.data, mr.data, tol, (k) => indexOf(ma, k, s.vector)) });
  }
  return rows;
}

async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

export async function checkCase(c: Case, references: readonly ReferenceName[], tol: Tolerance): Promise<CaseResult> {
  const grads: Partial<Record<ImplName, Gradients>> = {};
  const ms: CaseResult['ms'] = {};
  [grads.hand, ms.hand] = await timed(() => handGradients(c));
  for (const ref of references) [grads[ref], ms[ref]] = await timed(() => referenceGradients(c, ref));
  const rows = pairsFor(references).flatMap(([a, r]) => compareGradients(c, grads[a]!, grads[r]!, [a, r], tol));
  const loss: CaseResult['loss'] = {};
  for (const [name, g] of Object.entries(grads)) loss[name as ImplName] = g.loss;
  return { id: c.id, config: caseConfig(c), pass: rows.every((row) => row.pass), loss, ms, rows };
}
