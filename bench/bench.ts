/**
 * `npm run bench`: the numbers the issues ask for, measured side by side in one process, each the median
 * of repeated runs. Prints a table and writes bench.json.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { handGradients } from '../src/bptt/index.js';
import { kernelsInUse, useSimd } from '../src/kernels/heap.js';
import type { Case } from '../src/model/case.js';
import { GENERATE_DEFAULTS, generateCase } from '../src/model/generate.js';
import {
  FASTER_PATH,
  referenceGradients,
  tf,
  useBackend,
  type Backend,
  type ReferenceName,
} from '../reference/index.js';
import { project } from '../src/fd/oracle.js';
import { fdOracleParallel } from '../src/fd/parallel.js';
import { defaultSuite } from '../src/runs/suite.js';
import { tuneV8, V8_FLAGS } from '../src/tuning.js';
import { benchSummary, type BenchRow } from './summary.js';
import { subjectRows } from './subjects.js';
import { vanishingRows } from './vanishing.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeMs(f: () => unknown, reps: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** 2 FLOPs per multiply-add of the matrix products of one forward + backward pass. */
function bpttFlops(c: Case): number {
  const { inputSize: I, hiddenSize: H, outputSize: K } = c.model;
  // forward: W s_{t−1} (H²), V s_t (KH), U x_t (HI, dense only)
  // backward: Vᵀ dz_t (KH), dV += dz sᵀ (KH), dW += da s_{t−1}ᵀ (H²), Wᵀ da_t (H²), dU += da x_tᵀ (HI, dense only)
  const dense = c.vectors ? 2 * H * I : 0;
  return 2 * c.batch * c.steps * (3 * H * H + 3 * K * H + dense);
}

type Row = BenchRow;
const rows: Row[] = [];
const add = (r: Row) => {
  rows.push(r);
  const mark = r.ok === undefined ? '' : r.ok ? '  ok' : '  MISSED';
  console.log(
    `${r.name.padEnd(64)} ${r.value.toPrecision(4).padStart(10)} ${r.unit.padEnd(8)} ${r.target ?? ''}${mark}`,
  );
};

const backendName = process.env.BENCH_BACKEND ?? 'cpu';
tuneV8(); // as the command does, so that the in-process figures are the command's
const info = await useBackend(backendName);
console.log(
  `bptt-check bench: tfjs ${info.tfjsVersion}, ${info.backend} backend, Node ${process.version}, hand kernels ${kernelsInUse()}, V8 ${V8_FLAGS}\n`,
);

// 1. hand BPTT against tf.grad at I=K=32, H=64, T=50, B=1
const small = generateCase({ ...GENERATE_DEFAULTS, inputSize: 32, hiddenSize: 64, steps: 50, seed: 7 });
const handSmall = await timeMs(() => handGradients(small), 300, 300); // both sides warmed: the hand side JIT-compiles within a few hundred calls
add({ name: `hand BPTT, I=K=32 H=64 T=50 B=1 (${kernelsInUse()} kernels)`, value: handSmall, unit: 'ms' });
if (kernelsInUse() === 'wasm-simd') {
  // the same with the JavaScript kernels, for comparison (BPTT_CHECK_KERNELS=js runs everything that way)
  useSimd(false);
  const handJs = await timeMs(() => handGradients(small), 300, 300);
  useSimd(true);
  add({ name: '  the same on the JavaScript kernels', value: handJs, unit: 'ms' });
  add({ name: '  speed-up of the WebAssembly SIMD kernels', value: handJs / handSmall, unit: '×' });
}
for (const ref of ['tfjs-layers', 'tfjs-ops'] as ReferenceName[]) {
  const t = await timeMs(() => referenceGradients(small, ref), 40, 5);
  add({ name: `tf.grad via ${ref} (${info.backend}), same case`, value: t, unit: 'ms' });
  // the target is against the tfjs model, tf.layers.simpleRNN + dense; the raw-ops oracle is shown beside it
  const target = ref === 'tfjs-layers' ? { target: '≥ 30×', ok: t / handSmall >= 30 } : { target: '(no target)' };
  add({ name: `  speed-up of hand over ${ref}`, value: t / handSmall, unit: '×', ...target });
}

// 1b. the gated cells at the same size: hand against tf.grad through tf.layers.lstm / gru
for (const cell of ['lstm', 'gru'] as const) {
  const g = generateCase({ ...GENERATE_DEFAULTS, cell, inputSize: 32, hiddenSize: 64, steps: 50, seed: 7 });
  const hand = await timeMs(() => handGradients(g), 100, 10);
  const layers = await timeMs(() => referenceGradients(g, 'tfjs-layers'), 10, 2);
  add({ name: `hand ${cell.toUpperCase()} BPTT, I=K=32 H=64 T=50 B=1`, value: hand, unit: 'ms' });
  add({ name: `tf.grad via tf.layers.${cell} (${info.backend}), same case`, value: layers, unit: 'ms' });
  add({
    name: `  speed-up of hand over tf.layers.${cell}`,
    value: layers / hand,
    unit: '×',
    ...(cell === 'lstm' ? { target: '≥ 20×', ok: layers / hand >= 20 } : { target: '(no target)' }),
  });
}

// 2. hand BPTT throughput at I=K=64, H=256, T=100
for (const dense of [false, true]) {
  const big = generateCase({
    ...GENERATE_DEFAULTS,
    inputSize: 64,
    hiddenSize: 256,
    steps: 100,
    denseInputs: dense,
    seed: 8,
  });
  const t = await timeMs(() => handGradients(big), 30, 5);
  const gflops = bpttFlops(big) / (t * 1e6);
  add({ name: `hand BPTT, I=K=64 H=256 T=100 B=1, ${dense ? 'dense' : 'token'} inputs`, value: t, unit: 'ms' });
  add({
    name: `  GFLOP/s (2 per multiply-add of the matrix products)`,
    value: gflops,
    unit: 'GFLOP/s',
    target: '≥ 1.5',
    ok: gflops >= 1.5,
  });
}

// 2b. long sequences: I=K=64, T=2,000 at H=128 and H=256
for (const H of [128, 256]) {
  const long = generateCase({ ...GENERATE_DEFAULTS, inputSize: 64, hiddenSize: H, steps: 2000, seed: 9 });
  const t = await timeMs(() => handGradients(long), 7, 2);
  const gflops = bpttFlops(long) / (t * 1e6);
  add({ name: `hand BPTT, I=K=64 H=${H} T=2000 B=1, token inputs`, value: t, unit: 'ms' });
  add({ name: `  GFLOP/s`, value: gflops, unit: 'GFLOP/s', target: '≥ 3', ok: gflops >= 3 });
}

// 2c. tf.grad per backend and path
for (const backend of ['tensorflow', 'wasm', 'cpu']) {
  try {
    await useBackend(backend);
  } catch (e) {
    console.log(`  (${backend} backend not measured: ${(e as Error).message.split(';')[0]})`);
    continue;
  }
  const times: Record<string, number> = {};
  for (const ref of ['tfjs-layers', 'tfjs-ops'] as ReferenceName[]) {
    times[ref] = await timeMs(() => referenceGradients(small, ref), 15, 2);
    add({ name: `tf.grad via ${ref} on ${backend}, I=K=32 H=64 T=50`, value: times[ref]!, unit: 'ms' });
  }
  const faster = times['tfjs-layers']! < times['tfjs-ops']! ? 'tfjs-layers' : 'tfjs-ops';
  console.log(
    `  on ${backend} the faster path is ${faster}; hand is ${(Math.min(...Object.values(times)) / handSmall).toFixed(1)}× faster than it`,
  );
  const chosen = FASTER_PATH[backend as Backend];
  add({
    name: `  --reference fast on ${backend} runs ${chosen}: the measured faster path (1 = yes)`,
    value: Number(chosen === faster),
    unit: '',
    target: '= 1',
    ok: chosen === faster,
  });
}

// 3. the finite-difference oracle on the I=K=32, H=64, T=50 model (8,192 parameters)
const fdFull = await timeMs(() => fdOracleParallel(small, { kind: 'full' }), 3, 1);
add({
  name: '--fd full, I=K=32 H=64 T=50 (8,192 parameters), 2 threads',
  value: fdFull / 1000,
  unit: 's',
  target: '< 3 s',
  ok: fdFull < 3000,
});
const fdFast = await timeMs(() => fdOracleParallel(small, { kind: 'fast', k: 2 }), 30, 3);
add({
  name: '--fd fast (2 directions per tensor), same model',
  value: fdFast,
  unit: 'ms',
  target: '< 10 ms',
  ok: fdFast < 10,
});

// 4. agreement of the finite differences with the hand-written gradients over the default matrix:
// every entry on the small and medium cases, 16 sampled entries per tensor on the large ones
// (the RNN's differences carry L(θ⁺) − L(θ⁻) through one forward pass; the gated cells' subtract step losses)
const worstFd: Record<'rnn' | 'gated', { rel: number; where: string }> = {
  rnn: { rel: 0, where: '' },
  gated: { rel: 0, where: '' },
};
for (const o of defaultSuite()) {
  const c = generateCase(o);
  const g = handGradients(c);
  const probes = await fdOracleParallel(c, o.hiddenSize > 32 ? { kind: 'sample', n: 16 } : { kind: 'full' });
  const worst = worstFd[c.model.cell === 'rnn' ? 'rnn' : 'gated'];
  for (const p of probes) {
    const a = project(g.tensors[p.tensor]!, p);
    let d = 0;
    let n = 0;
    a.forEach((x, k) => {
      d += (x - p.values[k]!) ** 2;
      n += Math.max(x * x, p.values[k]! ** 2);
    });
    const rel = n === 0 ? 0 : Math.sqrt(d / n);
    if (rel > worst.rel) [worst.rel, worst.where] = [rel, `${c.id} ${p.tensor}`];
  }
}
for (const [kind, w] of Object.entries(worstFd)) {
  add({
    name: `finite differences vs hand, worst relErrNorm over the default matrix's ${kind === 'rnn' ? 'RNN' : 'LSTM and GRU'} cases`,
    value: w.rel,
    unit: '',
    target: '≤ 1e-7',
    ok: w.rel <= 1e-7,
  });
  console.log(`  (worst: ${w.where})`);
}

// 5. the whole `bptt-check compare` process on the default case
const bin = fileURLToPath(new URL('../../bin/bptt-check.js', import.meta.url));
const out = fileURLToPath(new URL('../../reports/bench-compare', import.meta.url));
const proc = await timeMs(
  () => execFileSync(process.execPath, [bin, 'compare', '--out', out], { stdio: 'ignore' }),
  7,
  1,
);
add({
  name: 'bptt-check compare (default case), whole process',
  value: proc / 1000,
  unit: 's',
  target: '< 2 s',
  ok: proc < 2000,
});

// 5b. the user's code as the subject: the numpy example through --impl-cmd (bench/subjects.ts)
await subjectRows(add, timeMs, bin, out);

// 5c. vanishing --seeds 5 beside --seeds 1 (bench/vanishing.ts)
vanishingRows(add, bin);

// 6. sweep throughput: the default preset with 1 worker and with N, each a whole process, side by side;
// and the machine's own ceiling: the same arithmetic loop on 1 thread and on N at once
const cores = availableParallelism();
/** CPU seconds (user + system) of the children this process has waited for, from /proc (Linux); null elsewhere. */
const childCpu = (): number | null => {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' '); // fields from 3 (state) on
    return (Number(f[13]) + Number(f[14])) / 100; // cutime, cstime: fields 16 and 17, in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
};
/** One whole sweep process: its wall time and the cores it kept busy (CPU time / wall time, null off Linux). */
const sweepOnce = (w: number, pin = false) => {
  const args = [bin, 'sweep', '--preset', 'default', '--workers', String(w), '--out', `${out}-sweep${w}`];
  const cpu0 = childCpu();
  const t0 = performance.now();
  execFileSync(pin ? 'taskset' : process.execPath, pin ? ['-c', '0', process.execPath, ...args] : args, {
    stdio: 'ignore',
  });
  const ms = performance.now() - t0;
  return { ms, coresBusy: cpu0 === null ? null : (childCpu()! - cpu0) / (ms / 1000) };
};
// 1 worker and N workers alternate, and each pair gives a ratio: this machine's speed drifts over minutes,
// and a ratio of two runs taken one after the other is not thrown off by it
const suiteSize = defaultSuite().length;
sweepOnce(cores); // a first run warms the disk cache for both
const pairs = Array.from({ length: 5 }, () => [sweepOnce(1), sweepOnce(cores)] as const);
const one = {
  ms: median(pairs.map(([a]) => a.ms)),
  coresBusy: pairs[0]![0].coresBusy === null ? null : median(pairs.map(([a]) => a.coresBusy!)),
};
const many = {
  ms: median(pairs.map(([, b]) => b.ms)),
  coresBusy: pairs[0]![1].coresBusy === null ? null : median(pairs.map(([, b]) => b.coresBusy!)),
};
const ratio = median(pairs.map(([a, b]) => a.ms / b.ms));
add({ name: `sweep --preset default (${suiteSize} cases), 1 worker, whole process`, value: one.ms / 1000, unit: 's' });
add({ name: `sweep --preset default, ${cores} workers`, value: many.ms / 1000, unit: 's' });
add({
  name: `  throughput ${cores} workers / 1 worker (median over 5 back-to-back pairs)`,
  value: ratio,
  unit: '×',
  target: '≥ 1.7×',
  ok: ratio >= 1.7,
});
console.log(`  (the 5 pairs: ${pairs.map(([a, b]) => (a.ms / b.ms).toFixed(2)).join(', ')})`);
if (one.coresBusy !== null) {
  // V8's helper threads (JIT compilation, GC) run beside a single worker on an idle core: "1 worker" is not one core
  add({ name: '  cores kept busy by the 1-worker sweep (CPU time / wall time)', value: one.coresBusy, unit: 'cores' });
  add({ name: `  cores kept busy by the ${cores}-worker sweep`, value: many.coresBusy!, unit: 'cores' });
}
try {
  const pinnedPairs = Array.from({ length: 3 }, () => [sweepOnce(1, true), sweepOnce(cores)] as const);
  add({
    name: '  1 worker pinned to one core (taskset -c 0)',
    value: median(pinnedPairs.map(([a]) => a.ms)) / 1000,
    unit: 's',
  });
  add({
    name: `  throughput ${cores} workers / 1 worker on one core (3 pairs)`,
    value: median(pinnedPairs.map(([a, b]) => a.ms / b.ms)),
    unit: '×',
  });
} catch {
  console.log('  (taskset not available: no pinned baseline)');
}
const loop = `let x = 0; for (let i = 0; i < 2e8; i++) x += Math.sqrt(i); require('node:worker_threads').parentPort?.postMessage(x);`;
const spin = (n: number) =>
  timeMs(
    () =>
      Promise.all(
        Array.from({ length: n }, () => new Promise((res) => new Worker(loop, { eval: true }).once('message', res))),
      ),
    3,
    1,
  );
const spin1 = await spin(1);
const spinN = await spin(cores);
add({
  name: `  machine ceiling: ${cores} threads of arithmetic / 1 (same work per thread)`,
  value: (cores * spin1) / spinN,
  unit: '×',
});

// 7. long sequences: the hand side's peak memory at T = 10,000 (a fresh process, so that the peak is its own),
// and the reference at T = 1,000, H = 64 completing with no tensor left behind
const dist = (p: string) => new URL(`../src/${p}`, import.meta.url).href;
const longRun = JSON.parse(
  execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `
    const { handGradients } = await import(${JSON.stringify(dist('bptt/index.js'))});
    const { GENERATE_DEFAULTS, generateCase } = await import(${JSON.stringify(dist('model/generate.js'))});
    const c = generateCase({ ...GENERATE_DEFAULTS, inputSize: 64, hiddenSize: 128, steps: 10000, seed: 1 });
    const t0 = performance.now();
    const g = handGradients(c);
    console.log(JSON.stringify({ ms: performance.now() - t0, rssMiB: process.resourceUsage().maxRSS / 1024, finite: Number.isFinite(g.loss) }));
  `,
  ]).toString(),
) as { ms: number; rssMiB: number; finite: boolean };
add({ name: 'hand BPTT, I=K=64 H=128 T=10,000 B=1, time (own process)', value: longRun.ms, unit: 'ms' });
add({
  name: '  peak resident memory of that process',
  value: longRun.rssMiB,
  unit: 'MiB',
  target: '< 200 MiB',
  ok: longRun.rssMiB < 200 && longRun.finite,
});
const ref1000 = generateCase({ ...GENERATE_DEFAULTS, inputSize: 8, hiddenSize: 64, steps: 1000, seed: 2 });
for (const ref of ['tfjs-layers', 'tfjs-ops'] as ReferenceName[]) {
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const g = await referenceGradients(ref1000, ref);
  const ms = performance.now() - t0;
  const left = tf.memory().numTensors - before;
  add({ name: `tf.grad via ${ref} at T=1,000 H=64 (${info.backend}): time`, value: ms, unit: 'ms' });
  add({
    name: '  tensors left behind (tf.memory().numTensors after − before)',
    value: left,
    unit: '',
    target: '= 0, finite',
    ok: left === 0 && Number.isFinite(g.loss),
  });
}

add({ name: 'peak resident memory of this benchmark', value: process.resourceUsage().maxRSS / 1024, unit: 'MiB' });

writeFileSync(
  'bench.json',
  `${JSON.stringify({ tfjsVersion: info.tfjsVersion, backend: info.backend, handKernels: kernelsInUse(), v8Flags: V8_FLAGS, node: process.version, date: new Date().toISOString(), rows }, null, 2)}\n`,
);
console.log('\nwritten: bench.json');
const summary = benchSummary(rows);
console.log(summary.lines.join('\n'));
process.exitCode = summary.exitCode;
