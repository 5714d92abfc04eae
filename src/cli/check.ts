/** `compare` and `suite`: run cases through the harness, print the table, write the reports. */
import { runPlan, type CaseResult, type CheckOptions } from '../check/compare.js';
import { planCheck } from '../check/plan.js';
import { namesConvention } from '../check/diagnose-conventions.js';
import { localise, type LocaliseBudget } from '../check/localise.js';
import type { RunFile } from '../model/out-dir.js';
import type { SubjectSpec } from '../runs/subjects.js';
import { commandLine } from './options.js';
import { flagOf, OPTIONS } from './table.js';
import type { CliOptions } from './cli-options.js';
import type { Tolerance } from '../check/metrics.js';
import type { Case } from '../model/case.js';
import { caseJson } from '../model/io.js';
import { buildReport, type Report } from '../report/model.js';
import { kernelsInUse } from '../kernels/heap.js';
import { withFlags } from './fields.js';
import { variantOf } from '../check/sides.js';
import { appendFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { renderMarkdown } from '../report/markdown.js';
import { renderJunit } from '../report/junit.js';
import { prepareFiles } from '../model/atomic.js';
import { isIoError, writeFailure } from '../model/files.js';
import { InputError } from '../model/errors.js';
import { reportJson, writeReports } from '../report/write.js';
import { caseLine, renderConsole } from '../report/console.js';
import { FASTER_PATH, useBackend, type Backend, type ReferenceName } from '../../reference/index.js';
import { REFERENCE_CHOICES } from './cli-options.js';
import type { Io } from './io.js';

/** The references a --reference choice names on a backend: `fast` is the faster path there (FASTER_PATH). */
export function referencesFor(choice: string, backend: Backend): ReferenceName[] {
  if (choice === 'fast') return [FASTER_PATH[backend]];
  if (choice === 'all') return [...REFERENCE_CHOICES.both];
  if (choice === 'fd') return [];
  return [...REFERENCE_CHOICES[choice as keyof typeof REFERENCE_CHOICES]];
}

export interface CheckRun {
  kind: Report['kind'];
  cases: () => Iterable<Case>;
  references: readonly ReferenceName[];
  backend: string;
  tolerance: Tolerance;
  options: CheckOptions;
  outDir: string;
  json: boolean;
  command: string;
  /** also write JUnit XML here */
  junit?: string;
  /**
   * localise a failing case of a subject that can be called again (localise.ts) and write the smallest
   * failing case into the report directory as minimal.case.json, with the command that checks it again
   */
  localise?: { reproduce(file: string): string; budget?: LocaliseBudget };
  /** the result of a case that is not run (a suite's case of a cell the subject does not implement), else undefined */
  notRun?: (c: Case) => CaseResult | undefined;
}

/** The smallest failing case the localisation found, in the report directory. */
export const MINIMAL_CASE = 'minimal.case.json';

/** The options of a compare that a reproduce command repeats when they are not the defaults (the variant, the tolerance, the references). */
const REPEATED = ['truncate', 'detachEvery', 'clipValue', 'clipNorm', 'dtype', 'atol', 'rtol', 'reference', 'backend', 'fdAtol', 'fdRtol', 'timeout'] as const; // prettier-ignore

/** The one command that checks `file` (a minimal case) with the same subject, variant, tolerance and references. */
export function reproduceCommand(file: string, spec: SubjectSpec, o: Partial<CliOptions>): string {
  const argv = ['compare', '--case', file];
  argv.push(...(spec.kind === 'module' ? [flagOf('impl'), spec.path] : [flagOf('implCmd'), spec.command]));
  for (const k of REPEATED)
    if (o[k] !== undefined && o[k] !== (OPTIONS[k] as { default?: unknown }).default)
      argv.push(flagOf(k), String(o[k]));
  if (o.fd) argv.push(flagOf('fd'), ...o.fd);
  // the subject's conventions: the minimal case is written in ours, and read back as ours, then seen in them
  for (const k of ['conventions', 'layout', 'gateOrder', 'gruReset', 'reduction'] as const)
    if (o[k] !== undefined) argv.push(flagOf(k), String(o[k]));
  for (const k of ['concatGates', 'twoBiases'] as const) if (o[k]) argv.push(flagOf(k));
  // its own report directory beside the case: the default one is the report that holds the case, replaced whole
  argv.push(flagOf('out'), join(dirname(file), 'minimal'));
  return commandLine(argv);
}

/** One case: planned, run, and when it fails and the run localises, localised (its minimal case added to `extra`). */
async function checkOne(c: Case, run: CheckRun, extra: RunFile[]): Promise<CaseResult> {
  const plan = planCheck(c, { ...run.options, references: run.references, tolerance: run.tolerance });
  const result = await runPlan(plan);
  // a subject that ignores the variant it is told is said so by the diagnosis: smaller cases would only blur that
  // (as is one written in another convention than it declared: diagnose-conventions.ts)
  const ignoresVariant = result.diagnosis?.some((d) => d.pattern === 'variant-ignored' || namesConvention(d)) === true;
  if (
    !run.localise ||
    result.pass ||
    ignoresVariant ||
    !plan.subject.callable ||
    extra.some((f) => f.name === MINIMAL_CASE)
  )
    return result;
  const l = await localise(plan, result, run.localise.budget);
  if (l.minimal) {
    const file = join(run.outDir, MINIMAL_CASE);
    l.minimal.reproduce = { file, command: run.localise.reproduce(file) };
    extra.push({ name: MINIMAL_CASE, content: caseJson(l.minimal.case) }); // as the case command writes a case
  }
  return { ...result, localisation: l };
}

export async function runCheck(run: CheckRun, io: Io): Promise<number> {
  const info = await useBackend(run.backend);
  const results: CaseResult[] = [];
  const extra: RunFile[] = [];
  let n = 0;
  const cases = [...run.cases()];
  const subject = typeof run.options.subject === 'object' ? run.options.subject : undefined;
  for (const [i, c] of cases.entries()) {
    // a subject in its own process works on the next case while this one is checked
    const next = cases.slice(i + 1).find((x) => !run.notRun?.(x));
    if (next) subject?.ask?.(next, variantOf(run.options));
    const result = run.notRun?.(c) ?? (await checkOne(c, run, extra));
    results.push(result);
    n++;
    if (io.errIsTty && run.kind === 'suite') io.err(`\r${caseLine(result).slice(0, 100).padEnd(100)} [${n}]`);
  }
  if (io.errIsTty && run.kind === 'suite') io.err('\n');
  const report = buildReport(results, {
    kind: run.kind,
    backend: info.backend,
    tfjsVersion: info.tfjsVersion,
    handKernels: kernelsInUse(),
    command: run.command,
    tolerance: run.tolerance,
    references: [...run.references],
  });
  return publish(report, run, io, extra);
}

/**
 * Writes every report format (and JUnit, and the GitHub step summary), prints, and gives the exit code.
 * A JUnit file outside --out is written first to a temp file and renamed in once --out is committed, so a
 * failing write (a full disk) leaves both as they were.
 */
export async function publish(
  report: Report,
  run: Pick<CheckRun, 'outDir' | 'junit' | 'json'>,
  io: Io,
  extra: readonly RunFile[] = [],
): Promise<number> {
  // a JUnit file inside the report directory is one of the run's files (so the next run does not keep it as the user's)
  const junitInside = run.junit !== undefined && resolve(dirname(run.junit)) === resolve(run.outDir);
  const junit =
    run.junit && !junitInside
      ? prepareFiles([{ path: run.junit, content: withFlags(renderJunit(report)) }])
      : undefined;
  let written: string[];
  try {
    written = await writeReports(
      run.outDir,
      report,
      [...(junitInside ? [{ name: basename(run.junit!), content: withFlags(renderJunit(report)) }] : []), ...extra],
      withFlags,
    );
  } catch (e) {
    junit?.abort();
    throw e;
  }
  if (junit) {
    junit.commit();
    written.push(run.junit!);
  }
  // on GitHub Actions, the Markdown summary goes to the job's summary page
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    try {
      appendFileSync(summary, `${renderMarkdown(report, withFlags)}\n`);
    } catch (e) {
      if (!isIoError(e)) throw e;
      throw new InputError(
        `GITHUB_STEP_SUMMARY is ${JSON.stringify(summary)}, which cannot be appended to (${writeFailure(e.code)}), expected a writable file; the reports are written: ${written.join(', ')}`,
      );
    }
  }
  if (run.json) io.out(withFlags(reportJson(report)));
  else io.out(renderConsole(report, written, withFlags));
  return report.pass ? 0 : 1;
}
