/**
 * The finite-difference oracle on two threads: entry-wise probes are split in two interleaved halves,
 * one measured here and one in a worker thread; each entry is computed by the same code either way, so
 * the values are identical to a single-threaded run. Small jobs stay on one thread.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Case } from '../model/case.js';
import { handForward } from '../bptt/index.js';
import type { Gradients } from '../model/gradients.js';
import { gradientSpecs } from '../model/spec.js';
import { fdMeasure, fdPlan, type FdMode, type FdProbe } from './oracle.js';

/** Below this many multiply-adds of work the worker's start-up (~0.1 s) is not worth it. */
const PARALLEL_WORK = 2e8;

function work(c: Case, probes: FdProbe[]): number {
  const { hiddenSize: H, outputSize: K } = c.model;
  const evals = probes.reduce((n, p) => n + 2 * (p.mode === 'entries' ? p.indices.length : p.directions.length), 0);
  return evals * c.batch * c.steps * (H * H + K * H);
}

function startWorker(workerData: unknown): Worker | null {
  const js = new URL('./worker.js', import.meta.url);
  if (existsSync(js)) return new Worker(js, { workerData });
  const ts = new URL('./worker.ts', import.meta.url); // running from source (the tests): load it through tsx
  if (!existsSync(ts)) return null;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

/** Splits entry probes into two interleaved halves (a, b): entries 0, 2, 4, … and 1, 3, 5, … */
function halves(probes: FdProbe[]): [FdProbe[], FdProbe[]] {
  const half = (r: number) =>
    probes.map((p) =>
      p.mode === 'entries'
        ? { ...p, indices: p.indices.filter((_, k) => k % 2 === r), values: new Float64Array(0) }
        : r === 0
          ? p
          : { ...p, directions: [] },
    );
  return [half(0), half(1)];
}

export async function fdOracleParallel(c: Case, mode: FdMode, seed = 1, only?: string): Promise<FdProbe[]> {
  const probes = fdPlan(c, mode, seed, only);
  if (work(c, probes) < PARALLEL_WORK) return fdMeasure(c, probes);
  const [mine, theirs] = halves(probes);
  const worker = startWorker({ c, probes: theirs });
  if (!worker) return fdMeasure(c, probes);
  const remote = new Promise<FdProbe[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  fdMeasure(c, mine);
  const done = await remote;
  await worker.terminate();
  // interleave the two halves back into entry order
  return probes.map((p, n) => {
    if (p.mode === 'directions') return mine[n]!;
    const a = mine[n]!.values;
    const b = done[n]!.values;
    const values = Float64Array.from(p.indices, (_, k) => (k % 2 === 0 ? a[k >> 1]! : b[k >> 1]!));
    return { ...p, values };
  });
}

/** The full finite-difference gradient, as a gradients object (loss from the same forward pass). */
export async function fdGradients(c: Case): Promise<Gradients> {
  const tensors: Gradients['tensors'] = {};
  for (const p of await fdOracleParallel(c, { kind: 'full' })) {
    const spec = gradientSpecs(c.model, c.batch, c.initialState !== null).find((s) => s.name === p.tensor)!;
    tensors[p.tensor] = { rows: spec.rows, cols: spec.cols, data: p.values };
  }
  return { loss: handForward(c).loss, tensors };
}
