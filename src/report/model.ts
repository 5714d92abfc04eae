/**
 * The report, built once from the results as report.json's own types (json-types.ts); every format
 * (console table, CSV, JSON, Markdown, HTML, JUnit) renders from it.
 */
import type { CaseResult } from '../check/compare.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { REPORT_SCHEMA_VERSION, type CaseJson, type IncompleteJson, type ReportJson } from './json-types.js';
import { localisationJson, pairsText } from './text.js';
import { heatmapBlocks } from './heatmap.js';

/** The report: report.json's content. */
export type Report = ReportJson;

export interface ReportMeta {
  kind: Report['kind'];
  sweep?: Report['sweep'];
  backend: string;
  tfjsVersion: string;
  /** the hand side's kernels: kernelsInUse() of the process that ran the cases (a merge passes its shards'); default 'unknown' */
  handKernels?: string;
  command: string;
  tolerance: Report['tolerance'];
  references: string[];
  incomplete?: IncompleteJson;
}

/** A case of report.json from the harness's result (the verdict worded as the pairs line); a case read back from a shard's report.json as it is. */
export function caseJson(c: CaseResult | CaseJson): CaseJson {
  if (!('verdict' in c)) return c;
  const index = (c as { index?: number }).index; // a sweep's case carries its place in the matrix
  return {
    id: c.id,
    config: c.config,
    ...(c.conventions !== undefined ? { conventions: c.conventions } : {}),
    ...(c.places ? { places: c.places } : {}),
    pass: c.pass,
    loss: c.loss,
    ms: c.ms,
    rows: c.rows,
    disagreement: c.notRun !== undefined ? `not run: ${c.notRun}` : pairsText(c.verdict, c.error),
    ...(c.diagnosis ? { diagnosis: c.diagnosis } : {}),
    ...(c.notes ? { notes: c.notes } : {}),
    ...(c.fd ? { fd: c.fd } : {}),
    ...(c.dtype ? { dtype: c.dtype } : {}),
    ...(c.clip ? { clip: c.clip } : {}),
    ...(c.steps ? { steps: c.steps } : {}),
    ...(c.adjoints ? { adjoints: c.adjoints } : {}),
    ...(c.heatmap ? { heatmap: heatmapBlocks(c.heatmap) } : {}),
    ...(c.error !== undefined ? { error: c.error } : {}),
    ...(c.localisation ? { localisation: localisationJson(c.localisation) } : {}),
    ...(c.notRun !== undefined ? { notRun: c.notRun } : {}),
    ...(index !== undefined ? { index } : {}),
  };
}

export function buildReport(results: readonly (CaseResult | CaseJson)[], meta: ReportMeta): Report {
  const cases = results.map(caseJson);
  const rows = cases.flatMap((c) => c.rows);
  const notRun = cases.filter((c) => c.notRun !== undefined).length;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kind: meta.kind,
    ...(meta.sweep ? { sweep: meta.sweep } : {}),
    createdAt: new Date().toISOString(),
    backend: meta.backend,
    tfjsVersion: meta.tfjsVersion,
    handKernels: meta.handKernels ?? 'unknown',
    node: process.version,
    command: meta.command,
    tolerance: meta.tolerance,
    references: meta.references,
    ...conventionsOf(cases),
    pass: !meta.sweep?.interrupted && !meta.incomplete && cases.every((c) => c.pass),
    ...(meta.incomplete ? { incomplete: meta.incomplete } : {}),
    counts: {
      cases: cases.length,
      failedCases: cases.filter((c) => !c.pass).length,
      rows: rows.length,
      failedRows: rows.filter((r) => !r.pass).length,
      ...(notRun ? { notRun } : {}),
    },
    cases,
  };
}

/** The one word a report's title carries. */
export function verdictWord(r: Report): 'PASS' | 'FAIL' | 'PARTIAL' | 'INCOMPLETE' {
  return r.sweep?.interrupted ? 'PARTIAL' : r.incomplete ? 'INCOMPLETE' : r.pass ? 'PASS' : 'FAIL';
}

export function verdictLine(r: Report): string {
  const { cases, failedCases, rows, failedRows } = r.counts;
  const cut = r.sweep?.interrupted;
  if (cut)
    return `PARTIAL: interrupted after ${cut.done} of ${cut.of} cases; ${failedRows} of ${rows} comparisons disagree so far, in ${failedCases} case${failedCases === 1 ? '' : 's'}`;
  const gap = r.incomplete;
  if (gap) {
    const where = gap.shards.length
      ? ` (shard${gap.shards.length === 1 ? '' : 's'} ${gap.shards.join(', ')} not merged)`
      : '';
    const merged = failedRows
      ? `${failedRows} of ${rows} comparisons disagree, in ${failedCases} of ${cases} merged cases`
      : `the ${cases} merged cases agree (${rows} comparisons)`;
    return `INCOMPLETE: ${gap.missing} of ${gap.total} cases missing${where}; ${merged}`;
  }
  const notDone = r.cases.filter((c) => c.error !== undefined).length; // crashed cases: no comparisons, so say so
  const skipped = notRunText(r);
  if (notDone)
    return `FAIL: ${notDone} of ${cases} case${cases === 1 ? '' : 's'} did not complete; ${failedRows} of ${rows} comparisons of the others disagree${skipped}`;
  const ran = cases - (r.counts.notRun ?? 0);
  return r.pass
    ? `PASS: every gradient agrees (${ran} case${ran === 1 ? '' : 's'}, ${rows} comparisons)${skipped}`
    : `FAIL: ${failedRows} of ${rows} comparisons disagree, in ${failedCases} of ${ran} case${ran === 1 ? '' : 's'}${skipped}`;
}

/** "; 16 cases not run (lstm, gru: not implemented by the subject)", or '' when every case ran. */
function notRunText(r: Report): string {
  const n = r.counts.notRun ?? 0;
  if (!n) return '';
  const cells = [...new Set(r.cases.filter((c) => c.notRun !== undefined).map((c) => c.config.cell))];
  return `; ${n} case${n === 1 ? '' : 's'} not run (${cells.join(', ')}: cells the subject does not implement)`;
}

/** The conventions of the cases, each once, when any says them. */
function conventionsOf(cases: readonly CaseJson[]): { conventions?: string[] } {
  const all = [...new Set(cases.flatMap((c) => (c.conventions !== undefined ? [c.conventions] : [])))];
  return all.length ? { conventions: all } : {};
}
