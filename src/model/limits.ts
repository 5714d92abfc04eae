/**
 * The bounds on every size, and what a run will cost, known before anything is allocated.
 * Dimension letters: B batch, T steps, I input size, H hidden, K output classes; P the parameter
 * entries of the model (rnn: HI + H² + KH [+ H + K]; lstm: 4(HI + H² [+ H]) + KH [+ K]; gru: 3(…)).
 *
 * Caps (each a hard limit, whatever the memory; the estimate below refuses most cases long before them):
 *   I, H, K ≤ 65,536     T ≤ 1,048,576     B ≤ 65,536     P ≤ 2³⁰ (8 GiB of float64 parameters)
 *   B·T·I (dense inputs) ≤ 2³⁰                fd perturbations (entries or directions, over every tensor) ≤ 2²⁰
 *   input files (case, matrix, gradients, golden, shard reports) ≤ 256 MB (src/model/files.ts)
 *
 * The memory estimate (bytes), fitted to the peak resident memory `/usr/bin/time -v` reports for
 * `bptt-check compare` on this machine (Node 20, tfjs 4.22 cpu backend, rnn, I = K = 8); P_rec is the
 * recurrent part of P (U, W, b of every gate), G the gates (rnn 1, lstm 4, gru 3), r the tfjs references:
 *   E = 160 MB                          Node, tfjs and the report writers, before any case
 *     + P · (22 + 16 r)                 the case and the hand side in float64 (the case, its copy in the kernels'
 *                                       heap, dP, the copy out), each reference's float32 parameters and gradients
 *     + T · (14 kB + 4.3 · P_rec)       tfjs-ops: its tensors per unrolled step, and a float32 ∂L/∂W per step
 *                                       that tf.grad keeps until it sums them (fitted: 4.27 bytes per P_rec per step)
 *     + T · 26 kB                       tfjs-layers: its tensors per step (its RNN loop sums the weight gradients)
 *     + T·B·G·H · (40 + 40 r)           the activations of every step: the hand cache (float64), tfjs's (float32)
 *     + T · (25 kB + 12 · P_rec)        the per-step check: every step's contribution to dW, dU (db) by the hand
 *                                       side (float64) and by the reference (float32, a copy of W per step)
 *     + threads · (60 MB + 8 P)         --fd: the oracle's threads, each with its copy of the case
 *     + min(k, n_max) · P · 8           --fd fast k: the random directions (n_max: the largest tensor's entries)
 *   `vanishing` keeps, per series (cells × activations × W norms), every step's tfjs tensors and Jacobian:
 *     E = 160 MB + P · 24 + series · T · (20 kB + 19 · G·H²)
 *     measured: H=16 T=1000 1 series 173 MB [185]; H=128 T=1000 1 series 460 MB [492]; H=16 T=500 12 series 262 MB [309]
 * Measured (peak RSS, MB) against E in brackets; the estimate is within −5%…+25% of these:
 *   H=16 T=10 both                   153 [161]     H=2048 T=10 both                1024 [1078]
 *   H=2048 T=10 both, no per-step    561 [572]     H=2048 T=10 ops, no per-step     490 [503]
 *   H=1024 T=40 both                 872 [914]     H=1024 T=40 both, no per-step    355 [406]
 *   H=64 T=20000 both, no per-step  1210 [1510]     H=16 T=5000 ops, no per-step     234 [245]
 *   H=16 T=5000 layers, no per-step  312 [296]     H=256 T=5000 ops, no per-step   1668 [1788]
 *   H=16 T=5000 B=16 ops, no p.-s.   329 [341]     H=64 T=4000 ops                  606 [637]
 */
import { availableParallelism, totalmem } from 'node:os';
import { fieldName, InputError, shown } from './errors.js';
import type { Case } from './case.js';
import type { GenerateOptions } from './generate.js';
import type { Cell } from './spec.js';

export const MAX_DIM = 65_536; // I, H, K
export const MAX_STEPS = 1_048_576; // T
export const MAX_BATCH = 65_536; // B
export const MAX_PARAMS = 2 ** 30; // P
export const MAX_INPUT_ENTRIES = 2 ** 30; // B·T·I of dense inputs
export const MAX_FD_PERTURBATIONS = 2 ** 20;
/** The largest tensor --fd fast measures entry by entry after a failing direction (2 forward passes per entry). */
export const MAX_FD_RERUN = 2 ** 16;
export const MAX_FILE_BYTES = 256e6;

/** The default of --max-memory: half of the machine's memory (os.totalmem()). */
export const DEFAULT_MEMORY_SHARE = 0.5;
export const defaultMaxMemory = (): number => Math.floor(totalmem() * DEFAULT_MEMORY_SHARE);

/** The sizes a run's cost depends on: those of a case, or of the options that generate one. */
export interface Sizes {
  cell: Cell;
  bias: boolean;
  I: number;
  H: number;
  K: number;
  T: number;
  B: number;
  dense: boolean;
  initialState: boolean;
}

/** What is computed on the case: which command, which tfjs references, and the optional checks. */
export interface Work {
  command: 'compare' | 'verify' | 'suite' | 'sweep' | 'grads' | 'case' | 'vanishing' | 'golden';
  /** the tfjs references that run ('tfjs-layers', 'tfjs-ops'; the per-step reference is stepsDetail's) */
  references: readonly string[];
  stepsDetail?: boolean;
  fd?: { kind: 'full' } | { kind: 'sample'; n: number } | { kind: 'fast'; k: number };
  /** threads of the fd oracle (fd-parallel.ts: 1 or 2) */
  fdThreads?: number;
  /** vanishing: how many series (cells × activations × W norms) */
  series?: number;
}

/** The sizes of a case. */
export function sizesOf(c: Case): Sizes {
  const m = c.model;
  return {
    cell: m.cell,
    bias: m.bias,
    I: m.inputSize,
    H: m.hiddenSize,
    K: m.outputSize,
    T: c.steps,
    B: c.batch,
    dense: c.vectors !== null,
    initialState: c.initialState !== null,
  };
}

/** The sizes of the case a recipe would generate (before it is generated). */
export function sizesOfRecipe(o: GenerateOptions): Sizes {
  return {
    cell: o.cell ?? 'rnn', bias: o.bias, I: o.inputSize, H: o.hiddenSize, K: o.outputSize ?? o.inputSize, T: o.steps, B: o.batch, dense: o.denseInputs, initialState: o.initialState,
  }; // prettier-ignore
}

const GATE_COUNT: Record<Cell, number> = { rnn: 1, lstm: 4, gru: 3 };

/** P and its recurrent part (U, W, b of every gate) for the sizes. */
export function parameterCount(s: Sizes): { P: number; recurrent: number } {
  const G = GATE_COUNT[s.cell];
  const recurrent = G * (s.H * s.I + s.H * s.H + (s.bias ? s.H : 0));
  return { P: recurrent + s.K * s.H + (s.bias ? s.K : 0), recurrent };
}

const MB = 1e6;

export interface Estimate {
  bytes: number;
  /** the largest part, for the message: what to lower */
  largest: string;
}

/** The memory a run needs, by the formula in this file's comment. */
export function estimateMemory(s: Sizes, w: Work): Estimate {
  const { P, recurrent } = parameterCount(s);
  const G = GATE_COUNT[s.cell];
  const { T, B, H } = s;
  const parts: [string, number][] = [];
  if (w.command === 'vanishing') {
    const series = Math.max(1, w.series ?? 1);
    parts.push([`the parameters, P = ${P}`, P * 24]);
    parts.push([
      `${series} series of T = ${T} steps of H×H = ${H}×${H} Jacobians`,
      series * T * (20e3 + 19 * G * H * H),
    ]);
  } else {
    const ops = w.references.includes('tfjs-ops');
    const layers = w.references.includes('tfjs-layers');
    const r = w.references.length;
    parts.push([`the parameters, P = ${P}`, P * (22 + 16 * r)]);
    if (ops)
      parts.push([
        `tfjs-ops's T = ${T} steps of ∂L/∂W (T × P_rec = ${T} × ${recurrent})`,
        T * (14e3 + 4.3 * recurrent),
      ]);
    if (layers) parts.push([`tfjs-layers's T = ${T} steps`, T * 26e3]);
    parts.push([`the activations, T×B×H = ${T}×${B}×${G * H}`, T * B * G * H * (40 + 40 * r)]);
    if (w.stepsDetail) parts.push([`the per-step check, T × P_rec = ${T} × ${recurrent}`, T * (25e3 + 12 * recurrent)]);
    if (w.fd) {
      const threads = Math.max(1, w.fdThreads ?? 1);
      parts.push([`${fieldName('fd')}'s ${threads} thread(s)`, threads * (60 * MB + 8 * P)]);
      if (w.fd.kind === 'fast') {
        // a tensor gets at most as many directions as it has entries (fd.ts): k is at most the largest tensor's entries
        const largest = Math.max(G * s.H * Math.max(s.I, s.H), s.K * s.H);
        const k = Math.min(w.fd.k, largest);
        parts.push([`${fieldName('fd')} fast ${w.fd.k}'s directions, k × P = ${k} × ${P}`, k * P * 8]);
      }
    }
  }
  const bytes = 160 * MB + parts.reduce((a, [, b]) => a + b, 0);
  const largest = parts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  return { bytes, largest };
}

/** The size of a case file for the sizes: about 22 characters per float64 (JSON.stringify's shortest digits and a comma), 3 per id. */
export function caseFileBytes(s: Sizes): number {
  const floats = parameterCount(s).P + (s.dense ? s.B * s.T * s.I : 0) + (s.initialState ? s.B * s.H : 0);
  return 22 * floats + 3 * s.B * s.T * (s.dense ? 1 : 2) + 1e3;
}

/** `bptt-check case`: the file it writes must be one it can read back (at most MAX_FILE_BYTES). */
export function checkCaseFile(s: Sizes): void {
  checkSizes(s);
  const bytes = caseFileBytes(s);
  if (bytes > MAX_FILE_BYTES)
    throw new InputError(
      `the case file would be about ${bytesText(bytes)} (${sizeText(s)}), expected at most ${bytesText(MAX_FILE_BYTES)}, the limit on the files bptt-check reads: lower H, I, T or B`,
    );
}

/** Bytes for people: 9.6 GB, 512 MB, 300 kB (powers of 1000, as --max-memory's suffixes). */
export function bytesText(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  return `${Math.ceil(n / 1e3)} kB`;
}

const UNITS: Record<string, number> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  KI: 2 ** 10,
  MI: 2 ** 20,
  GI: 2 ** 30,
  TI: 2 ** 40,
};

/** --max-memory: bytes, or a number with K, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (of 1024), B optional. */
export function parseMemory(field: string, v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]i?)?[bB]?\s*$/.exec(v);
  const unit = m ? UNITS[(m[2] ?? '').toUpperCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isFinite(bytes) || bytes < 1e6)
    throw new InputError(
      `${fieldName(field)} is ${shown(v)}, expected a size of at least 1M such as 512M, 2G, 1.5GiB or a number of bytes`,
      field,
    );
  return Math.floor(bytes);
}

const sizeText = (s: Sizes) => `${s.cell} I=${s.I} H=${s.H} K=${s.K} T=${s.T} B=${s.B}`;

/** The caps on each size: an InputError naming the field (`where` prefixes it: a file, a matrix entry). */
export function checkSizes(s: Sizes, where = ''): void {
  const at = where ? `${where}: ` : '';
  const caps: [string, number, number][] = [
    ['I (input size)', s.I, MAX_DIM],
    ['H (hidden size)', s.H, MAX_DIM],
    ['K (output size)', s.K, MAX_DIM],
    ['T (steps)', s.T, MAX_STEPS],
    ['B (batch)', s.B, MAX_BATCH],
  ];
  for (const [name, v, cap] of caps) if (v > cap) throw new InputError(`${at}${name} is ${v}, expected at most ${cap}`);
  const { P } = parameterCount(s);
  if (P > MAX_PARAMS)
    throw new InputError(`${at}the parameter count P is ${P} (${sizeText(s)}), expected at most ${MAX_PARAMS}`);
  if (s.dense && s.B * s.T * s.I > MAX_INPUT_ENTRIES)
    throw new InputError(
      `${at}the dense inputs B×T×I are ${s.B * s.T * s.I} numbers, expected at most ${MAX_INPUT_ENTRIES}`,
    );
}

/**
 * The check every computing command makes before it allocates: the caps, then the memory estimate against
 * --max-memory. Exit 2 names the option, its value, the estimate and what to lower.
 */
export function checkBudget(s: Sizes, w: Work, maxMemory: number = defaultMaxMemory(), where = ''): Estimate {
  checkSizes(s, where);
  const e = estimateMemory(s, w);
  if (e.bytes > maxMemory) {
    const at = where ? `${where}: ` : '';
    throw new InputError(
      `${at}the case needs about ${bytesText(e.bytes)} (${sizeText(s)}; most of it ${e.largest}), over ${fieldName('maxMemory')} ${bytesText(maxMemory)}; expected a smaller case (lower H, T or B${w.stepsDetail ? `, or ${fieldName('stepsDetail', false)}` : ''}) or a larger ${fieldName('maxMemory')}`,
      'maxMemory',
    );
  }
  return e;
}

/** The most worker threads that can be useful: one per core, and no more than there are cases. */
export function usefulWorkers(cases: number): number {
  return Math.max(1, Math.min(cases, availableParallelism()));
}
