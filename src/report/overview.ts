/**
 * The overview of a report with more than one case (suite, sweep, merge), as data that report.html and
 * report.md both render: the cases × tensors grid of the worst error / bound, the worst ten comparisons, and
 * the diagnoses counted by pattern. Computed from report.json's own fields only, so a merged report (read back
 * from its shards, where ±Inf is null) gives the same overview.
 */
import type { CaseJson, RowJson } from './json-types.js';
import type { Report } from './model.js';

/** Whether a report opens with the overview: suite, sweep (and merge, a sweep), or any report of more than one case. */
export function hasOverview(r: Pick<Report, 'kind' | 'cases'>): boolean {
  return r.kind === 'suite' || r.kind === 'sweep' || r.cases.length > 1;
}

/**
 * A comparison's error / bound at its worst element, |a − r| / (atol·S + rtol·|r|) (> 1 fails). A row with a
 * non-finite element, or none measured (sizes differ, a tensor not given), or a null read back from JSON is the
 * worst there is: ∞. A passing row with no element is 0.
 */
export function rowExcess(row: RowJson): number {
  if (row.nonFinite) return Infinity;
  const e: unknown = row.worst?.excess;
  if (typeof e === 'number' && !Number.isNaN(e)) return e;
  return row.worst || !row.pass ? Infinity : 0;
}

/** The state of a case in the overview, in the order the grid lists them. */
export type CaseState = 'fail' | 'error' | 'notrun' | 'pass';
const STATE_ORDER: Record<CaseState, number> = { fail: 0, error: 1, notrun: 2, pass: 3 };

export function caseState(c: CaseJson): CaseState {
  if (c.notRun !== undefined) return 'notrun';
  if (c.error !== undefined) return 'error';
  return c.pass ? 'pass' : 'fail';
}

/**
 * The verdict word of a case: FAIL, pass, or not run (as the tables' verdict column: "PASS" is the report's word alone,
 * never said of a case in a report that does not pass, e.g. a merge with a shard missing).
 */
export function caseWord(c: CaseJson): string {
  return c.notRun !== undefined ? 'not run' : c.pass ? 'pass' : 'FAIL';
}

export interface GridCell {
  /** the worst error / bound over the tensor's rows (every pair) */
  excess: number;
  /** the row that holds it */
  row: RowJson;
}

export interface GridRow {
  /** the case's place in report.cases (its section is case-(index + 1)) */
  index: number;
  c: CaseJson;
  state: CaseState;
  /** the worst over the case's rows, −∞ when it has none */
  worst: number;
  cells: Map<string, GridCell>;
}

export interface Grid {
  /** the tensor names of every case's rows, in the order they first appear */
  tensors: string[];
  /** failing cases first, then those that did not complete, then those not run, then the passing; in each, the largest worst first */
  rows: GridRow[];
}

export function overviewGrid(r: Pick<Report, 'cases'>): Grid {
  const tensors: string[] = [];
  const seen = new Set<string>();
  const rows = r.cases.map((c, index): GridRow => {
    const cells = new Map<string, GridCell>();
    for (const row of c.rows) {
      if (!seen.has(row.tensor)) {
        seen.add(row.tensor);
        tensors.push(row.tensor);
      }
      const excess = rowExcess(row);
      const had = cells.get(row.tensor);
      if (!had || excess > had.excess) cells.set(row.tensor, { excess, row });
    }
    const worst = Math.max(-Infinity, ...[...cells.values()].map((x) => x.excess));
    return { index, c, state: caseState(c), worst, cells };
  });
  rows.sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || larger(x.worst, y.worst) || x.index - y.index);
  return { tensors, rows };
}

/** A sort order, largest first, that holds for ±∞ (whose difference is NaN). */
function larger(x: number, y: number): number {
  return x === y ? 0 : x > y ? -1 : 1;
}

export interface RankedRow {
  index: number;
  c: CaseJson;
  row: RowJson;
  excess: number;
}

/** The n comparisons (every case, tensor and pair) with the largest error / bound, largest first; ties in report order. */
export function worstComparisons(r: Pick<Report, 'cases'>, n = 10): RankedRow[] {
  const all = r.cases.flatMap((c, index) => c.rows.map((row) => ({ index, c, row, excess: rowExcess(row) })));
  return all
    .map((x, order) => ({ x, order }))
    .sort((p, q) => larger(p.x.excess, q.x.excess) || p.order - q.order)
    .slice(0, n)
    .map((p) => p.x);
}

export interface PatternCount {
  pattern: string;
  /** the cases the pattern was diagnosed in, and the tensors (case × tensor) it was said of */
  cases: number;
  tensors: number;
  /** the first diagnosis of the pattern: its case and detail */
  example: { index: number; c: CaseJson; tensor: string; detail: string };
}

/** The diagnoses of every case counted by pattern: most cases first, then most tensors, then first seen. */
export function diagnosesCounted(r: Pick<Report, 'cases'>): PatternCount[] {
  const by = new Map<string, PatternCount & { seen: Set<number> }>();
  r.cases.forEach((c, index) => {
    for (const d of c.diagnosis ?? []) {
      let p = by.get(d.pattern);
      if (!p) {
        p = { pattern: d.pattern, cases: 0, tensors: 0, example: { index, c, ...d }, seen: new Set() };
        by.set(d.pattern, p);
      }
      p.tensors++;
      if (!p.seen.has(index)) {
        p.seen.add(index);
        p.cases++;
      }
    }
  });
  return [...by.values()]
    .sort((x, y) => y.cases - x.cases || y.tensors - x.tensors)
    .map((p) => ({ pattern: p.pattern, cases: p.cases, tensors: p.tensors, example: p.example }));
}

/** An error / bound in a few characters, for a grid cell: 0, 3e−5, 0.03, 0.45, 1.2, 12, 2e3, ∞ (U+2212 minus). */
export function excessShort(x: number): string {
  if (x === Infinity) return '∞';
  if (x === 0) return '0';
  if (x >= 0.01 && x < 99.5) return String(Number(x.toPrecision(2)));
  if (x >= 99.5 && x < 999.5) return String(Math.round(x));
  if (x < 0.01) {
    // rounded down, so that no label crosses a colour's bin edge (powers of ten): 9.7e−4 is 9e−4, 1.3e−3 is 1e−3
    const e = Math.floor(Math.log10(x));
    const m = Math.floor(x / 10 ** e + 1e-9);
    return `${m}e${String(e).replace('-', '−')}`;
  }
  const [m, e] = x.toExponential(0).split('e');
  return `${m}e${e!.replace('+', '').replace('-', '−')}`;
}
