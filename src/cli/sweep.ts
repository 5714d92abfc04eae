/** `sweep` and `merge`: many cases over worker threads and shards, and shard reports joined into one. */
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkWorkBudget } from '../check/plan.js';
import { configId } from '../model/generate.js';
import { loadCase } from '../model/io.js';
import { sizesOf, sizesOfRecipe, usefulWorkers } from '../model/limits.js';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { ReferenceName } from '../../reference/index.js';
import { tf } from '../../reference/index.js';
import type { CheckOptions } from '../check/compare.js';
import type { Tolerance } from '../check/metrics.js';
import { loadMatrix, parseShard, presetMatrix, PRESETS, shardIndices, type SweepMatrix } from '../runs/grid.js';
import { runSweep } from '../runs/sweep.js';
import type { SubjectSpec } from '../runs/subjects.js';
import type { Conventions } from '../model/conventions.js';
import { InputError, visible } from '../model/errors.js';
import { MANIFEST } from '../model/out-dir.js';
import { buildReport } from '../report/model.js';
import { kernelsInUse } from '../kernels/heap.js';
import { TOOL_VERSION } from '../version.js';
import { publish } from './check.js';
import type { Io } from './io.js';
import { commandLine } from './options.js';
import { checkSameRule, readShardReport } from './shard-report.js';

export interface SweepCommand {
  matrix?: string;
  preset?: string;
  /** the most cases a matrix file may expand to */
  maxCases?: number;
  workers?: number;
  shard?: string;
  references: ReferenceName[];
  tolerance: Tolerance;
  options: CheckOptions;
  /** your code (each worker opens its own) */
  subject?: SubjectSpec;
  /** its conventions: every case is seen in them */
  conventions?: Conventions;
  backend: string;
  outDir: string;
  json: boolean;
  junit?: string;
  command: string;
}

export function chooseMatrix(o: Pick<SweepCommand, 'matrix' | 'preset' | 'maxCases'>): SweepMatrix {
  if ((o.matrix === undefined) === (o.preset === undefined))
    throw new InputError(
      `--matrix and --preset are ${o.matrix === undefined ? 'both missing' : 'both given'}, expected exactly one`,
    );
  if (o.matrix !== undefined) return loadMatrix(o.matrix, o.maxCases);
  if (!(PRESETS as readonly string[]).includes(o.preset!))
    throw new InputError(`--preset is ${JSON.stringify(o.preset)}, expected one of ${PRESETS.join('|')}`);
  return presetMatrix(o.preset as (typeof PRESETS)[number]);
}

export async function sweepCommand(o: SweepCommand, io: Io): Promise<number> {
  const matrix = chooseMatrix(o);
  const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
  // every entry within --max-memory before the first case runs (a --matrix file's entries were validated as it was read)
  matrix.entries.forEach((e, k) => {
    const s = 'file' in e ? sizesOf(loadCase(e.file)) : sizesOfRecipe(e.generate);
    checkWorkBudget(
      s,
      o.references,
      o.options,
      `matrix entry ${k} (${'file' in e ? JSON.stringify(e.file) : configId(e.generate)})`,
    );
  });
  // more threads than cores or cases cannot help (each holds its own tfjs): capped, and said so
  const workers = Math.min(o.workers ?? availableParallelism(), usefulWorkers(matrix.entries.length));
  if (o.workers !== undefined && o.workers > workers)
    io.err(
      `bptt-check: note: --workers ${o.workers} capped at ${workers} (${availableParallelism()} cores, ${matrix.entries.length} cases)\n`,
    );
  const bar = io.errIsTty
    ? new SingleBar({
        format: 'sweep [{bar}] {value}/{total} cases | {failures} failing | ETA {eta_formatted}',
        stream: process.stderr,
      })
    : null;
  let started = false;
  // Ctrl-C: stop starting cases, keep what is done, and write it as a partial report beside (never over) the last one
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  const results = await runSweep({
    signal: stop.signal,
    matrix,
    ...(shard ? { shard } : {}),
    workers,
    references: o.references,
    tolerance: o.tolerance,
    backend: o.backend,
    options: o.options,
    ...(o.subject ? { subject: o.subject } : {}),
    ...(o.conventions ? { conventions: o.conventions } : {}),
    onProgress: (done, failures, total) => {
      // fault injection for the tests of interrupted sweeps: BPTT_CHECK_FAULT=interrupt-after:<n> is a Ctrl-C after n cases
      if (process.env.BPTT_CHECK_FAULT === `interrupt-after:${done}`) stop.abort();
      if (!bar) return;
      if (!started) bar.start(total, 0, { failures: 0 });
      started = true;
      bar.update(done, { failures });
    },
  });
  process.off('SIGINT', onSigint);
  bar?.stop();
  const planned = shardIndices(matrix.entries.length, shard).length;
  const interrupted = stop.signal.aborted ? { done: results.length, of: planned } : undefined;
  const report = buildReport(results, {
    kind: 'sweep',
    sweep: {
      matrix: matrix.id,
      hash: matrix.hash,
      total: matrix.entries.length,
      shard: shard ?? null,
      ...(interrupted ? { interrupted } : {}),
    },
    backend: o.backend,
    tfjsVersion: tf.version_core,
    handKernels: kernelsInUse(),
    command: o.command,
    tolerance: o.tolerance,
    references: [...o.references],
  });
  const partialDir = join(o.outDir, 'partial');
  if (!interrupted) {
    const code = await publish(report, o, io);
    // a complete report supersedes the partial one of an earlier, interrupted run (only a directory this tool wrote goes)
    if (existsSync(join(partialDir, MANIFEST))) rmSync(partialDir, { recursive: true, force: true });
    return code;
  }
  await publish(report, { ...o, outDir: partialDir, junit: undefined }, io);
  io.err(
    `bptt-check: interrupted after ${interrupted.done} of ${interrupted.of} cases; the partial report is in ${visible(partialDir)}, the report in ${visible(o.outDir)} is untouched\n`,
  );
  return 130;
}

/** Joins shard reports: the same matrix and tool version, each case once. */
export async function mergeCommand(
  dirs: string[],
  out: string,
  json: boolean,
  io: Io,
  junit?: string,
): Promise<number> {
  const reports = dirs.map((d) => ({ d, r: readShardReport(d) }));
  const first = reports[0]!.r;
  for (const { d, r } of reports) {
    if (!r.sweep) throw new InputError(`shard report ${JSON.stringify(d)} has no sweep field, expected a sweep report`);
    checkSameRule(reports[0]!, { d, r });
    if (r.sweep.interrupted)
      throw new InputError(
        `shard report ${JSON.stringify(d)} is partial (interrupted after ${r.sweep.interrupted.done} of ${r.sweep.interrupted.of} cases), expected a complete shard: run it again`,
      );
    if (r.sweep.hash !== first.sweep!.hash)
      throw new InputError(
        `shard report ${JSON.stringify(d)} is from matrix ${r.sweep.matrix} (${r.sweep.hash}), expected the matrix of ${JSON.stringify(reports[0]!.d)}: ${first.sweep!.matrix} (${first.sweep!.hash})`,
      );
    if (r.tool.version !== first.tool.version || r.tool.version !== TOOL_VERSION)
      throw new InputError(
        `shard report ${JSON.stringify(d)} was written by bptt-check ${r.tool.version}, expected ${TOOL_VERSION} for every shard`,
      );
  }
  const seen = new Map<number, string>();
  const cases = reports.flatMap(({ d, r }) =>
    r.cases.map((c) => {
      const index = (c as { index?: number }).index ?? -1;
      if (seen.has(index))
        throw new InputError(
          `shard report ${JSON.stringify(d)} repeats case ${c.id} (index ${index}) from ${JSON.stringify(seen.get(index))}, expected each case in one shard`,
        );
      seen.set(index, d);
      return c;
    }),
  );
  cases.sort((a, b) => ((a as { index?: number }).index ?? 0) - ((b as { index?: number }).index ?? 0));
  const total = first.sweep!.total;
  const incomplete =
    cases.length < total
      ? { missing: total - cases.length, total, shards: missingShards(total, seen, first.sweep!.shard?.count) }
      : undefined;
  const report = buildReport(cases, {
    kind: 'sweep',
    sweep: { matrix: first.sweep!.matrix, hash: first.sweep!.hash, total, shard: null },
    backend: first.backend,
    tfjsVersion: first.tfjsVersion,
    handKernels: first.handKernels || kernelsInUse(),
    command: commandLine(['merge', ...dirs, '--out', out]),
    tolerance: first.tolerance,
    references: first.references,
    ...(incomplete ? { incomplete } : {}),
  });
  const code = await publish(report, { outDir: out, json, ...(junit ? { junit } : {}) }, io);
  if (!incomplete) return code;
  io.err(
    `bptt-check: merged ${cases.length} of the matrix's ${total} cases: a shard is missing (${incomplete.shards.join(', ') || 'unknown'}); the report says INCOMPLETE\n`,
  );
  return Math.max(code, 1);
}

/** The shards i/n (n of the given reports) that hold a case no report brought. */
function missingShards(total: number, seen: Map<number, string>, count: number | undefined): string[] {
  if (!count) return [];
  const n = count;
  return Array.from({ length: n }, (_, k) => k + 1)
    .filter((i) => shardIndices(total, { index: i, count: n }).some((k) => !seen.has(k)))
    .map((i) => `${i}/${n}`);
}
