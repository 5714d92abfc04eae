/** bptt-check as a library: named exports only. */
export type { Case, CaseFile } from './model/case.js';
export { caseToFile } from './model/case.js';
export type { Matrix } from './model/matrix.js';
export type { Activation, ModelConfig, TensorSpec } from './model/spec.js';
export { ACTIVATIONS, gradientSpecs, paramSpecs } from './model/spec.js';
export { InputError } from './model/errors.js';
export { generateCase, GENERATE_DEFAULTS, type GenerateOptions } from './model/generate.js';
export { caseJson, loadCase, saveCase } from './model/io.js';
export { parseCase } from './model/validate.js';
export type { Gradients, GradientsFile } from './model/gradients.js';
export { gradientsJson, gradientsToFile } from './model/gradients.js';
export { backward, forward, handGradients, type ForwardCache } from './bptt/index.js';
export {
  referenceGradients,
  REFERENCES,
  useBackend,
  BACKENDS,
  type Backend,
  type BackendInfo,
  type ReferenceName,
} from '../reference/index.js';
export {
  compareArrays,
  DEFAULT_TOLERANCE,
  type TensorMetrics,
  type Tolerance,
  type WorstElement,
} from './check/metrics.js';
export {
  checkCase,
  compareGradients,
  type CaseResult,
  type CaseConfig,
  type CheckOptions,
  type ImplName,
  type PairRow,
  type SubjectOptions,
} from './check/compare.js';
export { planCheck, runPlan, type CheckPlan } from './check/compare.js';
export type { PlanOptions } from './check/plan.js';
export { handSide, referenceSide, userSide, type FdSide, type Side, type Variant } from './check/sides.js';
export { defaultSuite } from './runs/suite.js';
export { buildReport, type Report } from './report/model.js';
export { renderCsv } from './report/csv.js';
export { renderMarkdown } from './report/markdown.js';
export { reportJson, writeReports } from './report/write.js';
export {
  checkGradients,
  checkSubject,
  referenceGradientsFile,
  toCase,
  type CheckGradientsOptions,
  type CheckSubjectOptions,
  type SubjectInput,
} from './api.js';
export {
  loadGradientsModule,
  runGradientsModule,
  type GradientsFunction,
  type GradientsOptions,
  type UserGradients,
} from './runs/user-module.js';
export { diagnose, type Diagnosis } from './check/diagnose.js';
export { ADVICE } from './report/text.js';
export { fdOracle, project, type FdMode, type FdProbe } from './fd/oracle.js';
export { fdGradients, fdOracleParallel } from './fd/parallel.js';
export {
  analyseVanishing,
  type Series as VanishingSeries,
  type VanishingResult,
  type VanishingOptions,
  type SeedCase as VanishingSeedCase,
} from './vanishing/analyse.js';
export { checkSteps, type StepsResult } from './check/steps.js';
export { parseGradients } from './model/gradients.js';
export { clipGradients, globalNorm, type BpttOptions, type ClipOptions } from './bptt/index.js';
export { renderJunit } from './report/junit.js';
export { writeVanishingReports } from './report/vanishing.js';
