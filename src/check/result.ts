/** What a check returns: the rows of every pair, the losses and timings, notes, and the optional parts. */
import type { Case } from '../model/case.js';
import type { FdMode } from '../fd/oracle.js';
import type { TensorMetrics, Tolerance } from './metrics.js';
import type { StepsResult } from './steps.js';
import type { AdjointsResult } from './adjoints.js';
import type { Diagnosis } from './diagnose.js';
import type { WDifference } from './heatmap.js';
import type { Dtype } from './precision.js';
import type { ImplName } from './sides.js';
import type { Verdict } from './verdict.js';
import type { Localisation } from './localise.js';

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
  /** the conventions the subject was checked in, in words (describeConventions; ours when none were declared) */
  conventions?: string;
  /** the failing tensors in the user's names, when its conventions name them otherwise: "U_f = weight_ih_l0 rows 4–7" */
  places?: Record<string, string>;
  pass: boolean;
  loss: Partial<Record<ImplName, number>>;
  /** wall time of each implementation's gradient, in milliseconds */
  ms: Partial<Record<ImplName, number>>;
  rows: PairRow[];
  /** which pairs disagree, and the likely culprit (verdict.ts; report/text.ts words it) */
  verdict: Verdict;
  /** what was left out and why (e.g. the layers reference on a truncated run) */
  notes?: string[];
  fd?: { mode: FdMode; eps: Record<string, number>; /** of the subject vs fd rows */ tolerance: Tolerance };
  /** the precision the side under test was held to, and whether it was given or detected */
  dtype?: { dtype: Dtype; source: 'given' | 'detected' };
  /** when clipping: the global norm of the parameter gradients before and after, per implementation */
  clip?: Record<string, { normBefore: number; normAfter: number }>;
  steps?: StepsResult;
  /** the subject's adjoints ∂L/∂s_t (and ∂L/∂c_t) checked step by step, when it gives them (adjoints.ts) */
  adjoints?: AdjointsResult;
  /** the probable causes of failing tensors, when a known bug pattern fits */
  diagnosis?: Diagnosis[];
  /** why the case did not complete (a crashed worker, an error), when it did not */
  error?: string;
  /** why the case was not run (the subject does not implement its cell): nothing was compared, and nothing failed */
  notRun?: string;
  /** |a − r| over the recurrent weights: W, or the gated cells' W_* one above the other (tensor "W_i; W_f; …") */
  heatmap?: WDifference;
  /** where the error is, by experiment on cases built from this one (a subject that can be called again; localise.ts) */
  localisation?: Localisation;
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
