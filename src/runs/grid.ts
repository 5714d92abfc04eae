/**
 * Sweep matrices: value lists for each generation option plus seeds, whose cross product is the list of
 * cases, and optional explicit case files. Validated like the case file; presets are built in.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { Case } from '../model/case.js';
import { fieldName, InputError } from '../model/errors.js';
import { readJsonFile } from '../model/files.js';
import {
  checkGenerateOptions,
  configId,
  GENERATE_DEFAULTS,
  RECIPE_FIELDS,
  generateCase,
  type GenerateOptions,
} from '../model/generate.js';
import { loadCase } from '../model/io.js';
import { ACTIVATIONS, CELLS, RECURRENT_ACTIVATIONS } from '../model/spec.js';
import { zodIssueText } from '../model/validate.js';
import { defaultSuite } from './suite.js';

const positive = z.number().int().positive();
const list = <T extends z.ZodType>(t: T) => z.array(t).min(1);
/** The matrix file's fields (docs/formats.md, "Matrix file", documents every one; test/docs checks that it does). */
export const matrixSchema = z.strictObject({
  schemaVersion: z.literal(1),
  id: z.string().optional(),
  generate: z
    .strictObject({
      cell: list(z.enum(CELLS)).optional(),
      recurrentActivation: list(z.enum(RECURRENT_ACTIVATIONS)).optional(),
      activation: list(z.enum(ACTIVATIONS)).optional(),
      bias: list(z.boolean()).optional(),
      inputSize: list(positive).optional(),
      hiddenSize: list(positive).optional(),
      outputSize: list(positive).optional(),
      steps: list(positive).optional(),
      batch: list(positive).optional(),
      denseInputs: list(z.boolean()).optional(),
      initialState: list(z.boolean()).optional(),
      initScale: list(z.number().positive()).optional(),
      seeds: list(z.number().int().nonnegative()).optional(),
    })
    .optional(),
  cases: z.array(z.string()).optional(),
});

/** One entry of a sweep: generated from options, or a case file. */
export type SweepEntry = { generate: GenerateOptions } | { file: string };

export interface SweepMatrix {
  id: string;
  /** identifies the matrix across shards: a hash of its entries */
  hash: string;
  entries: SweepEntry[];
}

const KEYS = RECIPE_FIELDS;

/** A plain RNN has no recurrent activation: one case per RNN combination (the first listed value's), without it. */
function withoutRnnRecurrentActivation(o: Record<string, unknown>, first: unknown): Record<string, unknown>[] {
  if (o.cell !== undefined && o.cell !== 'rnn') return [o];
  if (o.recurrentActivation !== first) return [];
  const { recurrentActivation: _dropped, ...rest } = o;
  return [rest];
}

function crossProduct(g: NonNullable<z.infer<typeof matrixSchema>['generate']>): GenerateOptions[] {
  let out: Record<string, unknown>[] = [{}];
  for (const key of KEYS) {
    const values: unknown[] = g[key] ?? (key === 'outputSize' ? [undefined] : [GENERATE_DEFAULTS[key]]);
    out = out.flatMap((o) => values.map((v) => (v === undefined ? o : { ...o, [key]: v })));
    if (key === 'recurrentActivation')
      out = out.flatMap((o) => withoutRnnRecurrentActivation(o, g.recurrentActivation?.[0]));
  }
  const seeds = g.seeds ?? [GENERATE_DEFAULTS.seed];
  return out.flatMap((o) => seeds.map((seed) => ({ ...(o as unknown as GenerateOptions), seed })));
}

function hashOf(entries: SweepEntry[]): string {
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}

export function matrixFromEntries(id: string, entries: SweepEntry[]): SweepMatrix {
  return { id, hash: hashOf(entries), entries };
}

export const DEFAULT_MAX_CASES = 10_000;

/** How many cases the cross product has, counted without building it (an RNN case once, whatever recurrentActivation lists). */
function crossProductSize(g: NonNullable<z.infer<typeof matrixSchema>['generate']>): number {
  let n = (g.seeds ?? [0]).length;
  for (const key of KEYS) if (key !== 'cell' && key !== 'recurrentActivation') n *= g[key]?.length ?? 1;
  const cells = g.cell ?? ['rnn'];
  const rnn = cells.filter((c) => c === 'rnn').length;
  return n * (rnn + (cells.length - rnn) * (g.recurrentActivation?.length ?? 1));
}

export function loadMatrix(path: string, maxCases = DEFAULT_MAX_CASES): SweepMatrix {
  const raw = readJsonFile(path, 'matrix file');
  const where = `matrix file ${JSON.stringify(path)}`;
  const parsed = matrixSchema.safeParse(raw);
  if (!parsed.success)
    throw new InputError(`${where}: ${zodIssueText(parsed.error.issues[0]!, raw, matrixSchema, 'Matrix file')}`);
  const m = parsed.data;
  const size = (m.generate ? crossProductSize(m.generate) : 0) + (m.cases?.length ?? 0);
  if (size > maxCases)
    throw new InputError(
      `${where}: the cross product has ${size} cases, more than ${fieldName('maxCases')} ${maxCases}; expected at most ${maxCases} (raise ${fieldName('maxCases')}, or split the matrix and use ${fieldName('shard')})`,
      'maxCases',
    );
  const entries: SweepEntry[] = [
    ...(m.generate ? crossProduct(m.generate).map((generate) => ({ generate })) : []),
    ...(m.cases ?? []).map((f) => ({ file: resolve(dirname(path), f) })),
  ];
  if (!entries.length)
    throw new InputError(`${where} lists no cases, expected "generate" value lists or "cases" files`);
  const generated = entries.length - (m.cases?.length ?? 0);
  checkEntries(entries, where, (k) =>
    k < generated ? null : `cases[${k - generated}] ${JSON.stringify(m.cases![k - generated])}`,
  );
  return matrixFromEntries(m.id ?? path, entries);
}

/**
 * Validates every entry before any case runs: a case file is read and validated (and dropped), generation
 * options are checked as generateCase checks them (sizes within the limits, the seed in range) without
 * allocating the case. An entry that cannot be used is bad input naming the entry (its index, as
 * report.json's `index`, and its id or file), not a failing case after the others ran. `label(k)` names
 * entry k where its id is not known.
 */
export function checkEntries(
  entries: readonly SweepEntry[],
  where: string,
  label: (k: number) => string | null = () => null,
): void {
  entries.forEach((e, k) => {
    try {
      if ('file' in e) loadCase(e.file);
      else checkGenerateOptions(e.generate);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const name = label(k) ?? ('file' in e ? `case file ${JSON.stringify(e.file)}` : configId(e.generate));
      throw new InputError(`${where}: entry ${k} (${name}) cannot be used: ${err.message}`);
    }
  });
}

export const PRESETS = ['default', 'large', 'stress'] as const;

/**
 * default: the default suite (56 cases: 48 RNN, 4 LSTM, 4 GRU).
 * large (200 cases): the RNN core, 4 activations × bias × input kind × 3 sizes up to H=128, T=100 × 2 seeds
 * (96); the gated cells, LSTM and GRU × both recurrent activations × bias × input kind × 2 sizes × 2 seeds
 * (64); long sequences, RNN × 4 activations × T 500 and 1,000 × H 32 and 64 × 2 seeds (32), and LSTM and
 * GRU × T 500 and 1,000 at H=32 × 2 seeds (8), at init scale 0.4 so that they neither overflow nor vanish
 * to zero. Seed 2 runs batch 4 with an initial state.
 * stress: T=200 at init scales 0.5 and 1.5 (64 cases), where gradients vanish or explode. The linear cases at
 * 1.5 overflow float32 (loss 5e44 to 3e48): tfjs gives NaN there, and the harness checks them against float64
 * finite differences alone (overflow.ts).
 */
export function presetMatrix(name: (typeof PRESETS)[number]): SweepMatrix {
  if (name === 'default')
    return matrixFromEntries(
      'preset:default',
      defaultSuite().map((generate) => ({ generate })),
    );
  const entries: SweepEntry[] = [];
  const add = (o: Partial<GenerateOptions> & { size: readonly number[]; seed: number }) => {
    const [inputSize, hiddenSize, steps] = o.size as [number, number, number];
    const { size: _size, ...rest } = o;
    entries.push({
      generate: {
        ...GENERATE_DEFAULTS,
        batch: o.seed === 2 ? 4 : 1,
        initialState: o.seed === 2,
        ...rest,
        inputSize,
        hiddenSize,
        steps,
      },
    });
  };
  const bools = [false, true];
  if (name === 'stress') {
    for (const activation of ACTIVATIONS)
      for (const bias of bools)
        for (const denseInputs of bools)
          for (const size of [
            [8, 32, 200],
            [16, 64, 200],
          ])
            for (const initScale of [0.5, 1.5]) add({ activation, bias, denseInputs, size, initScale, seed: 1 });
    return matrixFromEntries('preset:stress', entries);
  }
  for (const activation of ACTIVATIONS)
    for (const bias of bools)
      for (const denseInputs of bools)
        for (const size of [
          [8, 16, 20],
          [16, 64, 50],
          [32, 128, 100],
        ])
          for (const seed of [1, 2]) add({ activation, bias, denseInputs, size, seed });
  for (const cell of ['lstm', 'gru'] as const)
    for (const recurrentActivation of RECURRENT_ACTIVATIONS)
      for (const bias of bools)
        for (const denseInputs of bools)
          for (const size of [
            [8, 16, 20],
            [16, 64, 50],
          ])
            for (const seed of [1, 2]) add({ cell, recurrentActivation, bias, denseInputs, size, seed });
  for (const activation of ACTIVATIONS)
    for (const steps of [500, 1000])
      for (const hiddenSize of [32, 64])
        for (const seed of [1, 2]) add({ activation, size: [8, hiddenSize, steps], initScale: 0.4, seed });
  for (const cell of ['lstm', 'gru'] as const)
    for (const steps of [500, 1000])
      for (const seed of [1, 2])
        add({ cell, recurrentActivation: 'sigmoid', size: [8, 32, steps], initScale: 0.4, seed });
  return matrixFromEntries('preset:large', entries);
}

export function entryCase(e: SweepEntry): Case {
  return 'file' in e ? loadCase(e.file) : generateCase(e.generate);
}

/** A shard `i/n`: entries whose index is ≡ i−1 (mod n). The n shards cover every entry exactly once. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new InputError(`${fieldName('shard')} is ${JSON.stringify(text)}, expected i/n with 1 ≤ i ≤ n`, 'shard');
  return { index, count };
}

export function shardIndices(total: number, shard?: { index: number; count: number }): number[] {
  const all = Array.from({ length: total }, (_, k) => k);
  return shard ? all.filter((k) => k % shard.count === shard.index - 1) : all;
}
