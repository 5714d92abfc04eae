/**
 * The report, built once as a typed object; every format (console table, CSV, JSON, Markdown) renders
 * from it.
 */
import type { CaseResult } from '../check/compare.js';
import type { Tolerance } from '../check/metrics.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { kernelsInUse } from '../kernels/heap.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface Report {
  schemaVersion: number;
  tool: { name: string; version: string };
  kind: 'compare' | 'suite' | 'verify' | 'sweep';
  /** for sweeps: the matrix and the shard this report covers; `interrupted` when it was stopped (Ctrl-C) part way */
  sweep?: {
    matrix: string;
    hash: string;
    total: number;
    shard: { index: number; count: number } | null;
    interrupted?: { done: number; of: number };
  };
  createdAt: string;
  /** the tfjs backend that ran the references, and the tfjs version */
  backend: string;
  tfjsVersion: string;
  /** the hand side's matrix kernels: 'wasm-simd', or 'js (why)' */
  handKernels: string;
  node: string;
  /** the command that reproduces this report */
  command: string;
  tolerance: Tolerance;
  references: string[];
  pass: boolean;
  /** a merge that lacks cases of its matrix: how many of how many, and the shards (i/n) that hold them; never passes */
  incomplete?: Incomplete;
  counts: { cases: number; failedCases: number; rows: number; failedRows: number };
  cases: CaseResult[];
}

export interface Incomplete {
  missing: number;
  total: number;
  shards: string[];
}

export interface ReportMeta {
  kind: Report['kind'];
  sweep?: Report['sweep'];
  backend: string;
  tfjsVersion: string;
  /** default: the kernels of this process (a merge passes its shards') */
  handKernels?: string;
  command: string;
  tolerance: Tolerance;
  references: string[];
  incomplete?: Incomplete;
}

export function buildReport(cases: CaseResult[], meta: ReportMeta): Report {
  const rows = cases.flatMap((c) => c.rows);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kind: meta.kind,
    ...(meta.sweep ? { sweep: meta.sweep } : {}),
    createdAt: new Date().toISOString(),
    backend: meta.backend,
    tfjsVersion: meta.tfjsVersion,
    handKernels: meta.handKernels ?? kernelsInUse(),
    node: process.version,
    command: meta.command,
    tolerance: meta.tolerance,
    references: meta.references,
    pass: !meta.sweep?.interrupted && !meta.incomplete && cases.every((c) => c.pass),
    ...(meta.incomplete ? { incomplete: meta.incomplete } : {}),
    counts: {
      cases: cases.length,
      failedCases: cases.filter((c) => !c.pass).length,
      rows: rows.length,
      failedRows: rows.filter((r) => !r.pass).length,
    },
    cases,
  };
}

/** Numbers as reports show them: 3 significant digits, exponent form for the small and the large. */
export function num(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0';
  const ax = Math.abs(x);
  return ax >= 1e-3 && ax < 1e4 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
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
  if (notDone)
    return `FAIL: ${notDone} of ${cases} case${cases === 1 ? '' : 's'} did not complete; ${failedRows} of ${rows} comparisons of the others disagree`;
  return r.pass
    ? `PASS: every gradient agrees (${cases} case${cases === 1 ? '' : 's'}, ${rows} comparisons)`
    : `FAIL: ${failedRows} of ${rows} comparisons disagree, in ${failedCases} of ${cases} case${cases === 1 ? '' : 's'}`;
}
