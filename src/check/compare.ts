/**
 * The harness: runs the hand-written BPTT and the references on one case and compares every tensor,
 * for every pair. This is the only module where the hand side and the reference side meet.
 */
import { clipGradients, handGradients, type BpttOptions, type ClipOptions } from '../bptt/index.js';
import { referenceGradients, type ReferenceName } from '../../reference/index.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { indexOf } from '../model/matrix.js';
import { gradientSpecs, shapeText } from '../model/spec.js';
import { InputError } from '../model/errors.js';
import { checkFdMode, project, type FdMode, type FdProbe } from '../fd/oracle.js';
import { checkWorkBudget } from './budget.js';
import { MAX_FD_RERUN, sizesOf } from '../model/limits.js';
import { fdOracleParallel } from '../fd/parallel.js';
import { compareArrays, FLOAT64_TOLERANCE, type TensorMetrics, type Tolerance } from './metrics.js';
import { checkSteps, type StepsResult } from './steps.js';
import { diagnose, type Diagnosis } from './diagnose.js';
import { verdictOf, type Verdict } from './verdict.js';
import { wHeatmap, type Heatmap } from './heatmap.js';
import { subjectDtype, type Dtype } from './precision.js';
import { autoFdMode, float64Loss, nonFinite, overflowNote } from './overflow.js';

export type ImplName = 'hand' | 'yours' | ReferenceName | 'fd' | 'fd (full rerun)';

/** What a comparison runs: BPTT variants, clipping, the finite-difference oracle, the per-step detail. */
export interface CheckOptions {
  truncate?: number;
  detachEvery?: number;
  clipValue?: number;
  clipNorm?: number;
  fd?: FdMode;
  fdSeed?: number;
  /** tolerance of the float64 pairs (hand vs fd), over FLOAT64_TOLERANCE */
  fdTolerance?: Partial<Tolerance>;
  stepsDetail?: boolean;
  outputStep?: number;
  /** the name of the side under test: 'hand' (built in) or 'yours' (a gradients file or a module) */
  subject?: 'hand' | 'yours';
  /** keep |hand − reference| of dW for a heatmap */
  heatmap?: boolean;
  /**
   * the implementation under test in place of the built-in hand-written BPTT. Its output is compared as
   * given: it is told the clipping options and is expected to clip itself (the references are clipped here)
   */
  impl?: (c: Case, options: SubjectOptions) => Gradients | Promise<Gradients>;
  /** the precision of the side under test (default: detected from its values; the built-in side is float64) */
  dtype?: Dtype;
  /** notes the caller adds to the case result (e.g. why a check did not run) */
  notes?: string[];
  /** --max-memory: refuse a case whose estimated memory is over this many bytes (default: limits.ts) */
  maxMemory?: number;
}

/** What the side under test is told: the clipping it is expected to apply (keys present only when clipping). */
export interface SubjectOptions {
  clipValue?: number;
  clipNorm?: number;
}

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
  /** the probable causes of failing tensors, when a known bug pattern fits */
  diagnosis?: Diagnosis[];
  /** why the case did not complete (a crashed worker, an error), when it did not */
  error?: string;
  /** |a − r| over the recurrent weights: W, or the gated cells' W_* one above the other (tensor "W_i; W_f; …") */
  heatmap?: Heatmap;
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

/** The pairs compared for a choice of references: the subject against each, and the references against each other. */
export function pairsFor(references: readonly ReferenceName[], subject: ImplName = 'hand'): [ImplName, ImplName][] {
  const pairs: [ImplName, ImplName][] = references.map((r) => [subject, r]);
  if (references.length === 2) pairs.push([references[0]!, references[1]!]);
  return pairs;
}

/** Rows for one pair: the loss, then every gradient tensor of the case in spec order. */
export function compareGradients(
  c: Case,
  a: Gradients,
  r: Gradients,
  names: [ImplName, ImplName],
  tol: Tolerance,
): PairRow[] {
  const [an, rn] = names;
  const rows: PairRow[] = [
    { tensor: 'loss', shape: 'scalar', a: an, r: rn, ...compareArrays([a.loss], [r.loss], tol, () => []) },
  ];
  for (const s of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
    const ma = a.tensors[s.name];
    const mr = r.tensors[s.name];
    const base = { tensor: s.name, shape: shapeText(s), a: an, r: rn };
    if (!ma || !mr) {
      rows.push({ ...base, ...missingTensor(s.rows * s.cols, `${!ma ? an : rn} gives no ${s.name}`) });
      continue;
    }
    rows.push({ ...base, ...compareArrays(ma.data, mr.data, tol, (k) => indexOf(ma, k, s.vector)) });
  }
  return rows;
}

/** The metrics of a tensor one side does not give: every element failing, with the reason. */
const missingTensor = (n: number, reason: string): TensorMetrics => ({
  scale: NaN,
  maxAbsErr: NaN,
  maxRelErr: NaN,
  relErrNorm: NaN,
  cosine: NaN,
  worst: null,
  failing: n,
  count: n,
  pass: false,
  reason,
});

async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

/** Rows for one side against the finite-difference probes: entries, or directional derivatives vᵀ∇L. */
export function compareWithFd(
  c: Case,
  g: Gradients,
  probes: readonly FdProbe[],
  name: ImplName,
  fdName: 'fd' | 'fd (full rerun)',
  tol: Tolerance,
): PairRow[] {
  return probes.map((p) => {
    const s = gradientSpecs(c.model, c.batch, c.initialState !== null).find((x) => x.name === p.tensor)!;
    const m = g.tensors[p.tensor];
    if (!m)
      return {
        tensor: p.tensor,
        shape: shapeText(s),
        a: name,
        r: fdName,
        ...missingTensor(s.rows * s.cols, `${name} gives no ${p.tensor}`),
      };
    const what =
      p.mode === 'entries'
        ? p.indices.length === s.rows * s.cols
          ? shapeText(s)
          : `${p.indices.length} of ${s.rows * s.cols} entries`
        : `${p.directions.length} directions`;
    const at = p.mode === 'entries' ? (k: number) => indexOf(m, p.indices[k]!, s.vector) : (k: number) => [k];
    return { tensor: p.tensor, shape: what, a: name, r: fdName, ...compareArrays(project(m, p), p.values, tol, at) };
  });
}

/** What a side is told to clip, in the hand side's and the fd oracle's terms (--clip-value v → value, --clip-norm n → norm). */
function clipOf(o: SubjectOptions): ClipOptions {
  return {
    ...(o.clipValue !== undefined ? { value: o.clipValue } : {}),
    ...(o.clipNorm !== undefined ? { norm: o.clipNorm } : {}),
  };
}

/** The built-in side under test: the hand-written BPTT of the variant, clipping itself as it is told. */
export function handSubject(
  variant: Pick<BpttOptions, 'truncate' | 'detachEvery'> = {},
): (c: Case, options: SubjectOptions) => Gradients {
  return (c, options) => {
    const g = handGradients(c, variant);
    return options.clipValue === undefined && options.clipNorm === undefined ? g : clipGradients(g, clipOf(options));
  };
}

export async function checkCase(
  c: Case,
  references: readonly ReferenceName[],
  tol: Tolerance,
  opts: CheckOptions = {},
): Promise<CaseResult> {
  checkOptions(opts);
  // every size bounded and the memory estimated before anything is allocated (budget.ts)
  checkWorkBudget(sizesOf(c), references, opts, c.id);
  if (opts.fd) checkFdMode(c, opts.fd);
  const truncated = opts.truncate !== undefined || opts.detachEvery !== undefined;
  const refs = truncated ? references.filter((r) => r !== 'tfjs-layers') : [...references];
  const notes: string[] = [...(opts.notes ?? [])];
  if (truncated && refs.length < references.length)
    notes.push(
      `tfjs-layers skipped: tf.layers.${{ rnn: 'simpleRNN', lstm: 'lstm', gru: 'gru' }[c.model.cell]} cannot truncate or detach; the hand side is checked against tfjs-ops`,
    );
  if (truncated && refs.length === 0)
    throw new InputError(
      `--reference is "layers", but truncation is supported by the tfjs-ops reference only; expected --reference ops or both`,
    );
  const variant = {
    ...(opts.truncate !== undefined ? { truncate: opts.truncate } : {}),
    ...(opts.detachEvery !== undefined ? { detachEvery: opts.detachEvery } : {}),
  };
  // what every side is told to clip: the subject clips itself, the references and the fd oracle are clipped here
  const told: SubjectOptions = {
    ...(opts.clipValue !== undefined ? { clipValue: opts.clipValue } : {}),
    ...(opts.clipNorm !== undefined ? { clipNorm: opts.clipNorm } : {}),
  };
  const clipping = opts.clipValue !== undefined || opts.clipNorm !== undefined;

  const subject: ImplName = opts.subject ?? 'hand';
  const grads: Partial<Record<ImplName, Gradients>> = {};
  const ms: CaseResult['ms'] = {};
  // the subject's output is compared as given: the built-in side clips itself, user code is told to
  const impl = opts.impl ?? handSubject(variant);
  [grads[subject], ms[subject]] = await timed(() => impl(c, told));
  // the precision of user code (the built-in side is float64): given, or detected, with a note saying which
  const dtype = opts.impl ? subjectDtype(grads[subject]!, opts.dtype, notes) : undefined;
  for (const ref of refs)
    [grads[ref], ms[ref]] = await timed(() => referenceGradients(c, ref, { ...variant, ...told }));
  // references that overflow float32 where the float64 loss is finite are left out, and the float64 oracle runs (overflow.ts)
  const overflowed = refs.filter((r) => nonFinite(grads[r]!));
  const loss64 = overflowed.length ? float64Loss(c) : NaN;
  const fdAlone = overflowed.length > 0 && Number.isFinite(loss64) && !truncated;
  const checked = fdAlone ? refs.filter((r) => !overflowed.includes(r)) : refs;
  const autoFd = fdAlone && !opts.fd ? autoFdMode(c, clipping) : null;
  const fdMode = opts.fd ?? autoFd ?? undefined;
  if (fdAlone) notes.push(overflowNote(overflowed, loss64, checked, autoFd));
  else if (overflowed.length && truncated)
    notes.push(
      `${overflowed.join(' and ')} overflow${overflowed.length === 1 ? 's' : ''} float32: a truncated gradient has no finite-difference oracle, so nothing can check this case`,
    );
  const rows = pairsFor(checked, subject).flatMap(([a, r]) => compareGradients(c, grads[a]!, grads[r]!, [a, r], tol));

  let fd: CaseResult['fd'];
  if (fdMode) {
    const t0 = performance.now();
    let probes = await fdOracleParallel(c, fdMode, opts.fdSeed);
    if (clipping) probes = clipFdProbes(c, probes, clipOf(told));
    ms.fd = performance.now() - t0;
    // the subject against fd: float64 tolerances for a float64 subject, the tfjs ones for a float32 subject
    // (an explicit --fd-atol/--fd-rtol holds either)
    const tolSubject = { ...(dtype?.dtype === 'float32' ? tol : FLOAT64_TOLERANCE), ...opts.fdTolerance };
    const impls = [subject, ...checked] as ImplName[];
    const fdRows = impls.flatMap((name) =>
      compareWithFd(c, grads[name]!, probes, name, 'fd', name === subject ? tolSubject : tol),
    );
    // with every reference left out (overflow.ts), the subject's loss is checked against the float64 loss L the oracle perturbs
    if (fdAlone && !checked.length)
      rows.push({
        tensor: 'loss',
        shape: 'scalar',
        a: subject,
        r: 'fd',
        ...compareArrays([grads[subject]!.loss], [loss64], tolSubject, () => []),
      });
    rows.push(...fdRows);
    if (fdMode.kind === 'fast') {
      // a failing direction says that something is wrong, not where: measure that tensor entry by entry
      // (a tensor the subject does not give has nothing to measure: its row already says so)
      for (const row of fdRows.filter((r) => r.a === subject && !r.pass && grads[subject]!.tensors[r.tensor])) {
        const entries = grads[subject]!.tensors[row.tensor]!.data.length;
        if (entries > MAX_FD_RERUN) {
          // 2 forward passes per entry: bounded, like every other size (the direction row already fails)
          notes.push(
            `the entry-by-entry rerun of ${row.tensor} is left out: ${entries} entries, over the ${MAX_FD_RERUN} it measures (--fd full measures every entry)`,
          );
          continue;
        }
        const full = await fdOracleParallel(c, { kind: 'full' }, opts.fdSeed, row.tensor);
        rows.push(...compareWithFd(c, grads[subject]!, full, subject, 'fd (full rerun)', tolSubject));
      }
    }
    fd = { mode: fdMode, eps: Object.fromEntries(probes.map((p) => [p.tensor, p.eps])), tolerance: tolSubject };
  }

  const loss: CaseResult['loss'] = {};
  for (const [name, g] of Object.entries(grads)) loss[name as ImplName] = g.loss;
  // user code clips itself and reports no norms: only the sides that clipped here are listed
  const clipNorms = clipping
    ? Object.fromEntries(
        Object.entries(grads)
          .filter(([, g]) => g.clip)
          .map(([n, g]) => [n, g.clip!]),
      )
    : undefined;
  if (opts.stepsDetail && overflowed.length)
    notes.push('per-step check left out: its reference, tfjs-ops, overflows float32 on this case');
  const steps = opts.stepsDetail && !overflowed.length ? await checkSteps(c, tol, opts.outputStep) : undefined;
  const pass = rows.every((row) => row.pass) && (steps?.pass ?? true);
  const heatmap =
    opts.heatmap && checked.length ? wHeatmap(grads[subject]!, grads[checked[0]!]!, subject, checked[0]!) : undefined;
  // the patterns are mistakes against full BPTT, seen against a finite reference: a truncated run, or a tensor
  // whose only failures are a reference's NaN or ±Inf, says nothing about which mistake was made
  const failing = truncated
    ? []
    : [
        ...new Set(
          rows.filter((r) => r.a === subject && !r.pass && r.tensor !== 'loss' && !r.nonFinite?.r).map((r) => r.tensor),
        ),
      ];
  // each tensor is diagnosed to the precision of the pair that failed: float64 against fd, float32 against tfjs
  const failedAgainstFd = (name: string) =>
    rows.some((r) => r.a === subject && !r.pass && r.tensor === name && r.r.startsWith('fd'));
  const diagnosis =
    failing.length && grads[subject]
      ? diagnose(c, grads[subject]!, failing, (name) => (fd && failedAgainstFd(name) ? fd.tolerance : tol))
      : [];
  return {
    id: c.id,
    config: caseConfig(c),
    pass,
    loss,
    ms,
    rows,
    verdict: verdictOf(rows, subject),
    ...(diagnosis.length ? { diagnosis } : {}),
    ...(notes.length ? { notes } : {}),
    ...(fd ? { fd } : {}),
    ...(dtype ? { dtype } : {}),
    ...(clipNorms ? { clip: clipNorms } : {}),
    ...(steps ? { steps } : {}),
    ...(heatmap ? { heatmap } : {}),
  };
}

/** Bad combinations of options: one line each, exit 2. */
export function checkOptions(opts: CheckOptions): void {
  const truncated = opts.truncate !== undefined || opts.detachEvery !== undefined;
  if (opts.truncate !== undefined && opts.detachEvery !== undefined)
    throw new InputError(
      `--truncate is ${opts.truncate} together with --detach-every ${opts.detachEvery}, expected one of the two`,
    );
  if (opts.fd && truncated)
    throw new InputError(
      `--fd is ${opts.fd.kind} with ${opts.truncate !== undefined ? '--truncate' : '--detach-every'}, expected no --fd: a truncated gradient is not the derivative of any loss, so finite differences cannot check it`,
    );
  if (opts.fd && opts.fd.kind !== 'full' && (opts.clipValue !== undefined || opts.clipNorm !== undefined))
    throw new InputError(
      `--fd is ${opts.fd.kind} with clipping, expected --fd full: clipping needs every entry of the finite-difference gradient`,
    );
  if (opts.outputStep !== undefined && !opts.stepsDetail)
    throw new InputError(`--output-step is ${opts.outputStep} without --steps-detail, expected --steps-detail too`);
  if (opts.stepsDetail && truncated)
    throw new InputError(
      `--steps-detail is given with ${opts.truncate !== undefined ? '--truncate' : '--detach-every'}, expected full BPTT: the per-step terms are those of the full BPTT sum over k`,
    );
}

/** Full finite-difference gradients clipped the way the other sides are. */
function clipFdProbes(c: Case, probes: FdProbe[], clip: ClipOptions): FdProbe[] {
  const specs = gradientSpecs(c.model, c.batch, c.initialState !== null);
  const tensors = Object.fromEntries(
    probes.map((p) => {
      const s = specs.find((x) => x.name === p.tensor)!;
      return [p.tensor, { rows: s.rows, cols: s.cols, data: p.values }];
    }),
  );
  const clipped = clipGradients({ loss: 0, tensors }, clip);
  return probes.map((p) => ({ ...p, values: clipped.tensors[p.tensor]!.data }));
}
