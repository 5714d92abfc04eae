/** `compare` and `suite`: run cases through the harness, print the table, write the reports. */
import { checkCase, type CaseResult, type CheckOptions } from '../check/compare.js';
import type { Tolerance } from '../check/metrics.js';
import type { Case } from '../model/case.js';
import { buildReport, type Report } from '../report/model.js';
import { kernelsInUse } from '../kernels/heap.js';
import { withFlags } from './fields.js';
import { appendFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
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
  /** the result of a case that is not run (a suite's case of a cell the subject does not implement), else undefined */
  notRun?: (c: Case) => CaseResult | undefined;
}

export async function runCheck(run: CheckRun, io: Io): Promise<number> {
  const info = await useBackend(run.backend);
  const results: CaseResult[] = [];
  let n = 0;
  for (const c of run.cases()) {
    const result = run.notRun?.(c) ?? (await checkCase(c, run.references, run.tolerance, run.options));
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
  return publish(report, run, io);
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
      junitInside ? [{ name: basename(run.junit!), content: withFlags(renderJunit(report)) }] : [],
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
