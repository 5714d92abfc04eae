/**
 * report.json, version 1 (docs/formats.md): the report's own types, a stable contract written out here
 * rather than borrowed from the harness (CaseResult). buildReport (model.ts) makes one from the results;
 * `merge` reads shards of it back. NaN and ±Inf measures are null in the file.
 */

export const REPORT_SCHEMA_VERSION = 1;

export interface ToleranceJson {
  atol: number;
  rtol: number;
}

export interface ReportJson {
  schemaVersion: number;
  tool: { name: string; version: string };
  kind: 'compare' | 'suite' | 'verify' | 'sweep';
  /** for sweeps: the matrix and the shard this report covers; `interrupted` when it was stopped (Ctrl-C) part way */
  sweep?: SweepJson;
  createdAt: string;
  /** the tfjs backend that ran the references, and the tfjs version */
  backend: string;
  tfjsVersion: string;
  /** the hand side's matrix kernels: 'wasm-simd', or 'js (why)' */
  handKernels: string;
  node: string;
  /** the command that reproduces this report */
  command: string;
  tolerance: ToleranceJson;
  references: string[];
  pass: boolean;
  /** a merge that lacks cases of its matrix: how many of how many, and the shards (i/n) that hold them; never passes */
  incomplete?: IncompleteJson;
  /** notRun: the cases not run (the subject does not implement their cell), when there are any; they count as cases, not as failed */
  counts: { cases: number; failedCases: number; rows: number; failedRows: number; notRun?: number };
  cases: CaseJson[];
}

export interface SweepJson {
  matrix: string;
  hash: string;
  total: number;
  shard: { index: number; count: number } | null;
  interrupted?: { done: number; of: number };
}

export interface IncompleteJson {
  missing: number;
  total: number;
  shards: string[];
}

export interface CaseJson {
  id: string;
  config: CaseConfigJson;
  pass: boolean;
  /** per side: 'hand' or 'yours', 'tfjs-layers', 'tfjs-ops', 'fd' */
  loss: Record<string, number>;
  /** wall time of each side's gradient, in milliseconds */
  ms: Record<string, number>;
  rows: RowJson[];
  /** the "pairs" line: which pairs disagree, and the likely culprit (report/text.ts) */
  disagreement: string;
  /** the probable causes of failing tensors, when a known bug pattern fits */
  diagnosis?: DiagnosisJson[];
  /** what was left out and why */
  notes?: string[];
  fd?: { mode: FdModeJson; eps: Record<string, number>; /** of the subject vs fd rows */ tolerance: ToleranceJson };
  /** the precision the side under test was held to, and whether it was given or detected */
  dtype?: { dtype: 'float32' | 'float64'; source: 'given' | 'detected' };
  /** when clipping: the global norm of the parameter gradients before and after, per side */
  clip?: Record<string, { normBefore: number; normAfter: number }>;
  steps?: StepsJson;
  /** |a − r| over the recurrent weights (W, or the gated cells' W_* one above the other) */
  heatmap?: HeatmapJson;
  /** why the case did not complete, when it did not */
  error?: string;
  /** why the case was not run (the subject does not implement its cell): no rows, and pass is true (nothing failed) */
  notRun?: string;
  /** a sweep's case: its place in the matrix */
  index?: number;
}

export interface CaseConfigJson {
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

export interface RowJson {
  /** "loss" or a gradient name (U, W, V, b, c, initialState) */
  tensor: string;
  shape: string;
  /** the side under test and the side it is checked against */
  a: string;
  r: string;
  /** S = max(‖a‖∞, ‖r‖∞), the unit of atol */
  scale: number;
  maxAbsErr: number;
  maxRelErr: number;
  relErrNorm: number;
  cosine: number;
  worst: { index: number[]; a: number; r: number; excess: number } | null;
  failing: number;
  count: number;
  pass: boolean;
  reason?: string;
  /** elements that are NaN or ±Inf, per side */
  nonFinite?: { a: number; r: number };
}

export interface DiagnosisJson {
  tensor: string;
  pattern: string;
  detail: string;
}

export type FdModeJson = { kind: 'full' } | { kind: 'sample'; n: number } | { kind: 'fast'; k: number };

export interface StepCompareJson {
  hand: number;
  reference: number;
  relErrNorm: number;
  maxAbsErr: number;
  pass: boolean;
  reason?: string;
}

export interface StepsJson {
  reference: string;
  /** the single output whose loss L_t was differentiated, or null for L = Σ_t L_t */
  outputStep: number | null;
  rows: {
    step: number;
    adjoint: StepCompareJson;
    W: StepCompareJson;
    U: StepCompareJson;
    b?: StepCompareJson;
    pass: boolean;
  }[];
  firstDivergence: number | null;
  pass: boolean;
}

export interface HeatmapJson {
  tensor: string;
  a: string;
  r: string;
  rows: number;
  cols: number;
  block: number;
  values: number[];
  size?: [number, number];
  at?: [number, number][];
}
