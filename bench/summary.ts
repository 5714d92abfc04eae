/** How a bench run ends: the rows stand as measured, a missed target is reported, and the exit code is 0. */

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
}

/**
 * The closing lines and exit code of a bench run. A benchmark reports, it does not fail: a missed target is a
 * MISSED row and a line naming it, never a non-zero exit (which CI would read as a broken build).
 */
export function benchSummary(rows: readonly BenchRow[]): { lines: string[]; exitCode: 0 } {
  // an indented row (e.g. "  GFLOP/s") belongs to the row above it: its name is given with that row's
  let parent = '';
  const named = rows.map((r) => {
    if (!r.name.startsWith(' ')) parent = r.name;
    return { ...r, full: r.name.startsWith(' ') && parent ? `${parent}: ${r.name.trim()}` : r.name };
  });
  const missed = named.filter((r) => r.ok === false);
  const checked = rows.filter((r) => r.ok !== undefined).length;
  const lines = missed.length
    ? [
        `${missed.length} of ${checked} targets MISSED: ${missed.map((r) => `${r.full} (${r.value.toPrecision(4)} ${r.unit}, target ${r.target ?? '?'})`).join('; ')}`,
      ]
    : [`every target met (${checked} of ${checked})`];
  return { lines, exitCode: 0 };
}
