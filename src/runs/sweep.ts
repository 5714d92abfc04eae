/**
 * Sweeps: many cases in worker threads (piscina), in a deterministic order whatever the number of
 * workers; a failing or crashing case never stops the others.
 */
import type { Conventions } from '../model/conventions.js';
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import type { ReferenceName } from '../../reference/index.js';
import { caseConfig, type CaseResult, type CheckOptions } from '../check/compare.js';
import { DID_NOT_COMPLETE } from '../check/verdict.js';
import { entryCase, shardIndices, type SweepEntry, type SweepMatrix } from './grid.js';
import type { Tolerance } from '../check/metrics.js';
import { useBackend } from '../../reference/index.js';
import { configId } from '../model/generate.js';
import { InputError } from '../model/errors.js';
import { openSubject, type SubjectSpec } from './subjects.js';
import { runCase, type CloseTask, type SubjectFailure, type SweepTask } from './sweep-worker.js';

export interface SweepRun {
  matrix: SweepMatrix;
  shard?: { index: number; count: number };
  workers: number;
  references: ReferenceName[];
  tolerance: Tolerance;
  backend: string;
  /** without `subject`: your code is `subject` */
  options: CheckOptions;
  /** your code: each worker thread opens its own, once, and stops it when the pool ends (in-thread: opened once) */
  subject?: SubjectSpec;
  /** its conventions: every case is seen in them (withConventions) */
  conventions?: Conventions;
  /** called after each case with the number done and the failures so far */
  onProgress?: (done: number, failures: number, total: number) => void;
  /** stops the sweep: no new case starts, running ones are abandoned, and the cases done are returned */
  signal?: AbortSignal;
}

export interface IndexedResult extends CaseResult {
  /** the case's position in the matrix */
  index: number;
}

function crashed(entry: SweepEntry, index: number, error: unknown): IndexedResult {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  let config: CaseResult['config'] | undefined;
  let id = `case ${index}`;
  try {
    const c = entryCase(entry);
    [config, id] = [caseConfig(c), c.id];
  } catch {
    if ('generate' in entry) id = configId(entry.generate);
  }
  return {
    index,
    id,
    config: config ?? ({} as CaseResult['config']),
    pass: false,
    loss: {},
    ms: {},
    rows: [],
    verdict: DID_NOT_COMPLETE,
    error: message,
  };
}

export function workerFile(): URL | null {
  const js = new URL('./sweep-worker.js', import.meta.url);
  return existsSync(js) ? js : null;
}

export async function runSweep(run: SweepRun): Promise<IndexedResult[]> {
  const indices = shardIndices(run.matrix.entries.length, run.shard);
  const results: IndexedResult[] = [];
  let failures = 0;
  const done = (r: IndexedResult) => {
    results.push(r);
    if (!r.pass) failures++;
    run.onProgress?.(results.length, failures, indices.length);
  };
  const file = workerFile();
  const task = (entry: SweepEntry) => ({
    entry,
    references: run.references,
    tolerance: run.tolerance,
    options: run.options,
    ...(run.conventions ? { conventions: run.conventions } : {}),
  });
  // your code failing on a case (a throw, its process gone, a wrong shape) stops the sweep: exit 2 naming the case
  let failed: SubjectFailure | undefined;
  const fail = (f: SubjectFailure) =>
    new InputError(f.subjectError.message, ...(f.subjectError.field ? [f.subjectError.field] : []));
  if (run.workers < 1 || !file) {
    // in this thread (also where the compiled worker is not there, as when running from source)
    await useBackend(run.backend);
    const subject = run.subject ? await openSubject(run.subject) : undefined;
    try {
      for (const i of indices) {
        if (run.signal?.aborted) break;
        const entry = run.matrix.entries[i]!;
        let r: CaseResult | SubjectFailure;
        try {
          r = await runCase(task(entry), subject?.side);
        } catch (e) {
          done(crashed(entry, i, e));
          continue;
        }
        if ('subjectError' in r) throw fail(r);
        done({ ...r, index: i });
      }
    } finally {
      await subject?.close();
    }
  } else {
    // the first failure of your code stops the cases still queued: each sees the flag and returns at once
    // (aborting them would drop the answers of running ones, which piscina then takes for a worker's error)
    const halted = new Int32Array(new SharedArrayBuffer(4));
    if (run.signal) setMaxListeners(0, run.signal); // one listener per queued case
    const pool = new Piscina({
      filename: file.href,
      minThreads: run.workers,
      maxThreads: run.workers,
      idleTimeout: 1000,
    });
    try {
      await Promise.all(
        scheduleOrder(run.matrix.entries, indices).map((i) => {
          const entry = run.matrix.entries[i]!;
          const t: SweepTask = {
            ...task(entry),
            backend: run.backend,
            ...(run.subject ? { subject: run.subject, halted } : {}),
          };
          return pool.run(t, run.signal ? { signal: run.signal } : {}).then(
            (r: CaseResult | SubjectFailure | null) => {
              if (r === null) return; // not run: the sweep stops
              if (!('subjectError' in r)) return done({ ...r, index: i });
              failed ??= r;
              Atomics.store(halted, 0, 1);
            },
            (e: unknown) => run.signal?.aborted || done(crashed(entry, i, e)), // an abandoned case is not a crash
          );
        }),
      );
      if (run.subject) await closeSubjects(pool, run.workers);
    } finally {
      await pool.destroy();
    }
    if (failed) throw fail(failed);
  }
  return results.sort((a, b) => a.index - b.index);
}

/** One close task per thread (each waits for the others, so no thread takes two): every thread's subject stops. */
async function closeSubjects(pool: Piscina, threads: number): Promise<void> {
  const arrived = new Int32Array(new SharedArrayBuffer(4));
  const close: CloseTask = { close: true, arrived, threads };
  await Promise.all(Array.from({ length: threads }, () => pool.run(close).catch(() => null)));
}

/**
 * The order in which the cases go to the workers (their results are sorted back). First the cheapest case
 * of each kind (cell, activations, input kind, bias, batch, initial state) among the cheaper half, so that
 * each worker meets every code path on small work and V8 optimises it there; then the rest longest first,
 * so that no long case is left to run alone at the end. Longest first from the start made every worker
 * meet the code paths in the long cases, which then ran unoptimised code while their optimisation waited
 * for a core: `--preset default` on 2 workers took 5.0–5.4 s that way against 4.5–4.75 s this way.
 */
export function scheduleOrder(entries: readonly SweepEntry[], indices: readonly number[]): number[] {
  const costOf = (i: number) => cost(entries[i]!);
  const longestFirst = [...indices].sort((a, b) => costOf(b) - costOf(a) || a - b);
  const cheaperHalf = [...indices]
    .sort((a, b) => costOf(a) - costOf(b) || a - b)
    .slice(0, Math.floor(indices.length / 2));
  const firstOfKind = new Map<string, number>();
  for (const i of cheaperHalf) {
    const e = entries[i]!;
    if ('file' in e) continue;
    const g = e.generate;
    const k = [
      g.cell ?? 'rnn',
      g.activation,
      g.recurrentActivation,
      g.denseInputs,
      g.bias,
      g.batch > 1,
      g.initialState,
    ].join(' ');
    if (!firstOfKind.has(k)) firstOfKind.set(k, i);
  }
  const warm = new Set(firstOfKind.values());
  return [...warm, ...longestFirst.filter((i) => !warm.has(i))];
}

/** A rough cost of a case, B·T·(G·H·(H + I) + H·K) with G gate blocks (1, LSTM 4, GRU 3), for scheduling; case files count as large. */
function cost(e: SweepEntry): number {
  if ('file' in e) return Number.MAX_SAFE_INTEGER;
  const g = e.generate;
  const K = g.outputSize ?? g.inputSize;
  const G = { rnn: 1, lstm: 4, gru: 3 }[g.cell ?? 'rnn'];
  return g.batch * g.steps * g.hiddenSize * (G * (g.hiddenSize + g.inputSize) + K);
}
