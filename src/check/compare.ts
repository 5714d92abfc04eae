/**
 * The harness: runs a plan's sides on its case (the subject, the references, the finite differences) and
 * compares every tensor, for every pair. It knows the sides only through Side (sides.ts).
 */
import { describeConventions, OURS, oursView, twinOf, userPlace } from '../model/conventions.js';
import { fieldName } from '../model/errors.js';
import { clipGradients, type ClipOptions } from '../bptt/index.js';
import type { ReferenceName } from '../../reference/index.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { gradientSpecs } from '../model/spec.js';
import type { FdProbe } from '../fd/oracle.js';
import { MAX_FD_RERUN } from '../model/limits.js';
import { compareArrays, FLOAT64_TOLERANCE, type Tolerance } from './metrics.js';
import { checkSteps } from './steps.js';
import { subjectAdjoints, isAdjointRow } from './adjoints.js';
import { diagnose } from './diagnose.js';
import { variantIgnored } from './diagnose-variant.js';
import { heatmapOf } from './heatmap.js';
import { subjectDtype } from './precision.js';
import { verdictOf } from './verdict.js';
import { autoFdMode, float64Loss, nonFinite, overflowNote } from './overflow.js';
import { planCheck, type CheckOptions, type CheckPlan } from './plan.js';
import { caseConfig, type CaseResult } from './result.js';
import { compareGradients, compareWithFd, pairsFor } from './pairs.js';
import { clipOf, isClipping, isTruncated, type ImplName } from './sides.js';

export type { CaseConfig, CaseResult, PairRow } from './result.js';
export { caseConfig } from './result.js';
export type { ImplName, Side, SubjectOptions, Variant } from './sides.js';
export { checkOptions, planCheck, type CheckOptions, type CheckPlan, type PlanOptions } from './plan.js';
export { compareGradients, compareWithFd, pairsFor } from './pairs.js';

async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

/** One case against references, to a tolerance: planCheck, then runPlan. */
export async function checkCase(
  c: Case,
  references: readonly ReferenceName[],
  tol: Tolerance,
  opts: CheckOptions = {},
): Promise<CaseResult> {
  return runPlan(planCheck(c, { ...opts, references, tolerance: tol }));
}

/** Runs a plan: every side's gradients, the pairs compared, fd, the per-step check, the diagnosis. */
export async function runPlan(plan: CheckPlan): Promise<CaseResult> {
  const { case: c, variant, tolerance: tol } = plan;
  const truncated = isTruncated(variant);
  const clipping = isClipping(variant);
  const notes = [...plan.notes];
  const subject = plan.subject.name;
  const grads: Partial<Record<ImplName, Gradients>> = {};
  const ms: CaseResult['ms'] = {};
  // the subject's output is compared as given: the built-in side clips itself, user code is told to. The subject
  // is asked first and the references computed while it works: a module or a command answers from its own process,
  // so its time overlaps theirs (its ms is then the time until its answer was read); the hand side answers at once
  const answer = timed(() => plan.subject.gradients(c, variant));
  answer.catch(() => {}); // a failure is thrown below, where it is awaited, not reported as unhandled meanwhile
  // user code may return its adjoints: tfjs-ops gives its own alongside its gradients (zero probes, full BPTT)
  const also = { adjoints: !plan.subject.steps && !truncated };
  for (const ref of plan.references)
    [grads[ref.name], ms[ref.name]] = await timed(() => ref.gradients(c, variant, also));
  [grads[subject], ms[subject]] = await answer;
  // the precision of user code (a side of known precision is not reported): given, or detected, with a note saying which
  const dtype = plan.subject.dtype === undefined ? subjectDtype(grads[subject]!, plan.dtype, notes) : undefined;
  const refs = plan.references.map((r) => r.name);
  // references that overflow float32 where the float64 loss is finite are left out, and the float64 oracle runs (overflow.ts)
  const overflowed = refs.filter((r) => nonFinite(grads[r]!));
  const loss64 = overflowed.length ? float64Loss(c) : NaN;
  const fdAlone = overflowed.length > 0 && Number.isFinite(loss64) && !truncated;
  const checked = fdAlone ? refs.filter((r) => !overflowed.includes(r)) : refs;
  const autoFd = fdAlone && !plan.fd.mode ? autoFdMode(c, clipping) : null;
  const fdMode = plan.fd.mode ?? autoFd ?? undefined;
  if (fdAlone) notes.push(overflowNote(overflowed, loss64, checked, autoFd));
  else if (overflowed.length && truncated)
    notes.push(
      `${overflowed.join(' and ')} overflow${overflowed.length === 1 ? 's' : ''} float32: a truncated gradient has no finite-difference oracle, so nothing can check this case`,
    );
  const rows = pairsFor(checked, subject).flatMap(([a, r]) => compareGradients(c, grads[a]!, grads[r]!, [a, r], tol));

  let fd: CaseResult['fd'];
  const measured: FdProbe[] = []; // every probe of fd, reruns included: the heatmap's float64 reference
  if (fdMode) {
    const t0 = performance.now();
    let probes = await plan.fd.side.probes(c, fdMode, plan.fd.seed);
    if (clipping) probes = clipFdProbes(c, probes, clipOf(variant));
    measured.push(...probes);
    ms.fd = performance.now() - t0;
    // the subject against fd: float64 tolerances for a float64 subject, the tfjs ones for a float32 subject
    // (an explicit fdTolerance holds either)
    const tolSubject = {
      ...((dtype?.dtype ?? plan.subject.dtype) === 'float32' ? tol : FLOAT64_TOLERANCE),
      ...plan.fd.tolerance,
    };
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
      // (a twin, the hh bias, is measured by its bias's rerun: the same ∂L/∂b)
      const rerun = fdRows.filter((r) => r.a === subject && !r.pass && grads[subject]!.tensors[r.tensor]);
      for (const tensor of new Set(rerun.map((r) => twinOf(r.tensor) ?? r.tensor))) {
        const entries = c.params[tensor]?.data.length ?? grads[subject]!.tensors[tensor]!.data.length;
        if (entries > MAX_FD_RERUN) {
          // 2 forward passes per entry: bounded, like every other size (the direction row already fails)
          notes.push(
            `the entry-by-entry rerun of ${tensor} is left out: ${entries} entries, over the ${MAX_FD_RERUN} it measures (${fieldName('fd')} full measures every entry)`,
          );
          continue;
        }
        const full = await plan.fd.side.probes(c, { kind: 'full' }, plan.fd.seed, tensor);
        rows.push(...compareWithFd(c, grads[subject]!, full, subject, 'fd (full rerun)', tolSubject));
        measured.push(...full);
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
  if (plan.steps && overflowed.length)
    notes.push('per-step check left out: its reference, tfjs-ops, overflows float32 on this case');
  const steps = plan.steps && !overflowed.length ? await checkSteps(c, tol, plan.steps.outputStep) : undefined;
  const adjoints = await subjectAdjoints(
    c,
    grads[subject]!,
    subject,
    truncated,
    overflowed.length > 0,
    tol,
    notes,
    grads['tfjs-ops']?.adjoints,
  );
  if (adjoints) rows.push(...adjoints.rows);
  const pass = rows.every((row) => row.pass) && (steps?.pass ?? true) && (adjoints?.result.pass ?? true);
  // against the most precise reference that ran: fd when it measured every entry of W, else tfjs-ops, else tfjs-layers
  const heatmap = plan.heatmap ? heatmapOf(grads[subject]!, subject, measured, checked, grads) : undefined;
  // the patterns are mistakes against full BPTT, seen against a finite reference: a truncated run, or a tensor
  // whose only failures are a reference's NaN or ±Inf, says nothing about which mistake was made
  // (a subject told a variant that gave the gradient without it is said so first: diagnose-variant.ts)
  const failing = [
    ...new Set(
      rows
        .filter((r) => r.a === subject && !r.pass && r.tensor !== 'loss' && !isAdjointRow(r) && !r.nonFinite?.r)
        .map((r) => r.tensor),
    ),
  ];
  // each tensor is diagnosed to the precision of the pair that failed: float64 against fd, float32 against tfjs
  const failedAgainstFd = (name: string) =>
    rows.some((r) => r.a === subject && !r.pass && r.tensor === name && r.r.startsWith('fd'));
  const tolOf = (name: string) => (fd && failedAgainstFd(name) ? fd.tolerance : tol);
  const ignored =
    failing.length && grads[subject] && (truncated || clipping)
      ? variantIgnored(c, grads[subject]!, failing, variant, tolOf)
      : [];
  const diagnosis = ignored.length
    ? ignored
    : failing.length && !truncated && grads[subject]
      ? diagnose(c, grads[subject]!, failing, tolOf)
      : [];
  return {
    id: c.id,
    config: caseConfig(c),
    conventions: conventionsText(c),
    ...placesOf(c, failing),
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
    ...(adjoints ? { adjoints: adjoints.result } : {}),
    ...(heatmap ? { heatmap } : {}),
  };
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

/** The conventions of a case in words: those declared, or ours with the case's own reduction and reset. */
export function conventionsText(c: Case): string {
  const reset = c.model.cell === 'gru' ? (c.model.gruReset ?? 'before') : (c.conventions ?? OURS).gruReset;
  return describeConventions({ ...(c.conventions ?? OURS), reduction: c.reduction ?? 'sum', gruReset: reset });
}

/** Where the failing tensors are in the user's names, when the subject's conventions name them otherwise. */
function placesOf(c: Case, failing: readonly string[]): { places?: Record<string, string> } {
  if (!c.conventions || oursView(c.conventions) || !failing.length) return {};
  return { places: Object.fromEntries(failing.map((t) => [t, userPlace(t, c)])) };
}
