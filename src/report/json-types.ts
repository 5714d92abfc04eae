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
  /** the conventions the cases were checked in, each once (added in 0.x) */
  conventions?: string[];
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
  /** the conventions the subject was checked in, in words (added in 0.x; JSON v1 unchanged otherwise) */
  conventions?: string;
  /** the failing tensors in the user's names, when its conventions name them otherwise (added in 0.x) */
  places?: Record<string, string>;
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
  /** the subject's adjoints checked per step, when it gives them (optional: added in 0.x, JSON v1 unchanged otherwise) */
  adjoints?: AdjointsJson;
  /** |a − r| over the recurrent weights (W, or the gated cells' W_* one above the other) */
  heatmap?: HeatmapJson;
  /** why the case did not complete, when it did not */
  error?: string;
  /** why the case was not run (the subject does not implement its cell): no rows, and pass is true (nothing failed) */
  notRun?: string;
  /** a sweep's case: its place in the matrix */
  index?: number;
  /** where the error is, by experiment on cases built from this one (a module or a command subject that fails) */
  localisation?: LocalisationJson;
}

/** The sizes of a case the localisation shrinks, and whether it has biases and an initial state. */
export interface CaseShapeJson {
  B: number;
  T: number;
  H: number;
  I: number;
  K: number;
  bias: boolean;
  initialState: boolean;
}

export interface LocalisationJson {
  /** what the experiments checked the subject against: 'tfjs-ops', 'tfjs-layers' or 'fd' */
  against: string;
  checks: number;
  ms: number;
  /** nothing was localised: the failure is not the subject's, or the experiment's check alone does not see it */
  skipped?: 'not-the-subject' | 'not-seen';
  /** stopped before the end: at the budget of checks, or at the time cap */
  cut?: 'checks' | 'time';
  /** built cases whose check threw (left out of the findings), and the first one's message */
  errors?: { count: number; first: string };
  /** whether row 0 alone fails, and two rows together (row 1, or row 0 reversed in time when the case has one row) */
  batch?: { second: 'row 1' | 'row 0 reversed'; alone: boolean; together: boolean };
  initialState?: { failsWithout: boolean };
  bias?: { failsWithout: boolean };
  /**
   * the shortest failing prefix T′ of the steps on a case of `batch` rows and `steps` steps; passesAt = T′ − 1,
   * checked; errors: each prefix checked (T′ = steps included), the subject's worst relErrNorm there (added in 0.x)
   */
  prefix?: {
    batch: number;
    steps: number;
    shortestFailing: number;
    passesAt?: number;
    errors?: PrefixErrorJson[];
  };
  /** the smallest failing case found (written as `file`, checked again by `command`) and the case's own sizes */
  minimal?: { sizes: CaseShapeJson; from: CaseShapeJson; file?: string; command?: string };
  /** the findings in words (report/text.ts), as the console and the reports print them */
  lines: string[];
}

/** A prefix the localisation checked: T′ steps, the largest relErrNorm of the subject's rows there, and whether it passed. */
export interface PrefixErrorJson {
  steps: number;
  relErrNorm: number;
  pass: boolean;
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

export interface AdjointCompareJson {
  /** ‖subject‖ and ‖reference‖ over the step's B rows */
  subject: number;
  reference: number;
  relErrNorm: number;
  maxAbsErr: number;
  pass: boolean;
  reason?: string;
}

/** The subject's ∂L/∂s_t (and the LSTM's ∂L/∂c_t) against tf.grad, step by step (check/adjoints.ts). */
export interface AdjointsJson {
  reference: string;
  /** t = 0 … T−1 */
  rows: { step: number; s: AdjointCompareJson; c?: AdjointCompareJson; pass: boolean }[];
  /** where the error enters: the largest failing step (BPTT computes t = T−1 first), or null */
  entry: number | null;
  /** the failing steps, largest first */
  failing: number[];
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
