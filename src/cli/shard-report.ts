/**
 * A shard's report.json as `merge` reads it: checked for the fields merge uses before anything is joined,
 * and every shard checked like the first (the same tolerances and references), so that a merged report
 * never holds cases held to two rules. A shard that cannot be used is bad input (exit 2) naming the shard.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { InputError, shown } from '../model/errors.js';
import { readJsonFile } from '../model/files.js';
import type { Report } from '../report/model.js';

const count = z.number().int().nonnegative();
/** The fields of report.json that merge reads (the rest is carried over as written). */
const shardSchema = z.looseObject({
  kind: z.string(),
  tool: z.looseObject({ version: z.string() }),
  sweep: z.looseObject({
    matrix: z.string(),
    hash: z.string(),
    total: count,
    shard: z.looseObject({ index: count, count: count }).nullable(),
  }),
  tolerance: z.looseObject({ atol: z.number(), rtol: z.number() }),
  references: z.array(z.string()),
  cases: z.array(z.looseObject({ id: z.string(), index: count, pass: z.boolean(), rows: z.array(z.unknown()) })),
});

const pathText = (path: readonly PropertyKey[]) =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');

/** Reads `dir`/report.json and checks that it is a sweep report with every field merge needs. */
export function readShardReport(dir: string): Report {
  const where = `shard report ${JSON.stringify(dir)}`;
  const raw = readJsonFile(join(dir, 'report.json'), 'shard report');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InputError(
      `${where}: report.json is ${shown(raw)}, expected a sweep report object (bptt-check sweep writes one)`,
    );
  const kind = (raw as { kind?: unknown }).kind;
  if (kind !== 'sweep')
    throw new InputError(
      `${where} is ${kind === undefined ? 'a report without a kind' : `a ${shown(kind)} report`}, expected a sweep report (bptt-check sweep writes one)`,
    );
  const parsed = shardSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const received = issue.path.reduce<unknown>(
      (v, p) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined),
      raw,
    );
    const field = pathText(issue.path);
    throw new InputError(
      `${where}: report.json ${received === undefined ? `has no field ${field}` : `field ${field} is ${shown(received)}`}, expected a sweep report as bptt-check sweep writes it (${issue.message})`,
    );
  }
  const { cases, sweep } = parsed.data;
  const outside = cases.find((c) => c.index >= sweep.total);
  if (outside)
    throw new InputError(
      `${where}: case ${JSON.stringify(outside.id)} has index ${outside.index}, expected an index below the matrix's ${sweep.total} cases`,
    );
  const r = raw as Report;
  return r;
}

const toleranceText = (r: Report) => `atol ${r.tolerance.atol}, rtol ${r.tolerance.rtol}`;
const referencesText = (r: Report) => (r.references.length ? r.references.join(', ') : 'no tfjs reference');

/** Refuses a shard checked otherwise than the first: other tolerances, or other references. */
export function checkSameRule(first: { d: string; r: Report }, shard: { d: string; r: Report }): void {
  const [a, b] = [first.r, shard.r];
  if (a.tolerance.atol !== b.tolerance.atol || a.tolerance.rtol !== b.tolerance.rtol)
    throw new InputError(
      `shard report ${JSON.stringify(shard.d)} was checked with ${toleranceText(b)}, expected the tolerances of ${JSON.stringify(first.d)}: ${toleranceText(a)} (run every shard with the same --atol and --rtol)`,
    );
  if (referencesText(a) !== referencesText(b))
    throw new InputError(
      `shard report ${JSON.stringify(shard.d)} was checked against ${referencesText(b)}, expected the references of ${JSON.stringify(first.d)}: ${referencesText(a)} (run every shard with the same --reference)`,
    );
}
