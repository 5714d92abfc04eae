/** The order in which a sweep hands its cases to the workers. */
import { describe, expect, it } from 'vitest';
import { presetMatrix, shardIndices, type SweepEntry } from '../../src/runs/grid.js';
import { scheduleOrder } from '../../src/runs/sweep.js';
import { GENERATE_DEFAULTS, type GenerateOptions } from '../../src/model/generate.js';

/** multiply-adds of one forward pass, written out here: B·T·H·(G·(H + I) + K), G gate blocks */
const work = (g: GenerateOptions) =>
  g.batch *
  g.steps *
  g.hiddenSize *
  ({ rnn: 1, lstm: 4, gru: 3 }[g.cell ?? 'rnn'] * (g.hiddenSize + g.inputSize) + (g.outputSize ?? g.inputSize));
const kindOf = (g: GenerateOptions) =>
  JSON.stringify([
    g.cell ?? 'rnn',
    g.activation,
    g.recurrentActivation,
    g.denseInputs,
    g.bias,
    g.batch > 1,
    g.initialState,
  ]);
const gen = (e: SweepEntry) => ('generate' in e ? e.generate : null);

describe('scheduleOrder', () => {
  const { entries } = presetMatrix('default');
  const all = shardIndices(entries.length);
  const order = scheduleOrder(entries, all);
  const g = (i: number) => gen(entries[i]!)!;

  it('hands out every case exactly once', () => {
    expect([...order].sort((a, b) => a - b)).toEqual(all);
  });

  it('starts with the cheapest case of each kind, then runs the rest longest first', () => {
    const cheaperHalf = [...all].sort((a, b) => work(g(a)) - work(g(b)) || a - b).slice(0, all.length / 2);
    const kinds = new Set(cheaperHalf.map((i) => kindOf(g(i))));
    const prefix = order.slice(0, kinds.size);
    // one case of each kind found among the cheaper half, and it is the cheapest of its kind
    expect(new Set(prefix.map((i) => kindOf(g(i))))).toEqual(kinds);
    for (const i of prefix)
      for (const j of all) if (kindOf(g(j)) === kindOf(g(i))) expect(work(g(i))).toBeLessThanOrEqual(work(g(j)));
    // then longest first
    const rest = order.slice(kinds.size).map((i) => work(g(i)));
    for (let k = 1; k < rest.length; k++) expect(rest[k]!).toBeLessThanOrEqual(rest[k - 1]!);
    // on the default preset: small cases first, and the first long case right after them
    expect(g(order[0]!)).toMatchObject({ steps: 5, hiddenSize: 4 });
    expect(g(order[kinds.size]!)).toMatchObject({ steps: 100, hiddenSize: 128, batch: 4 });
  });

  it('keeps to the shard it is given, puts case files (of unknown size) first among the rest, and never warms up on one', () => {
    const small = (seed: number, activation: GenerateOptions['activation']) => ({
      generate: { ...GENERATE_DEFAULTS, activation, seed },
    });
    const mixed: SweepEntry[] = [
      small(1, 'tanh'),
      { file: 'a.case.json' },
      small(2, 'relu'),
      { generate: { ...GENERATE_DEFAULTS, steps: 50, seed: 3 } },
      small(4, 'tanh'),
      small(5, 'relu'),
    ];
    const o = scheduleOrder(mixed, [0, 1, 2, 3, 4, 5]);
    // the cheaper half is seeds 1, 2 and 4 (ties go by index): seed 1 (tanh) and seed 2 (relu) warm up, then the file, the T=50 case, the rest
    expect(o).toEqual([0, 2, 1, 3, 4, 5]);
    expect(scheduleOrder(mixed, [1, 3, 5])).toEqual([5, 1, 3]);
  });
});
