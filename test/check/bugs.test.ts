/**
 * The harness must fail every deliberately wrong BPTT under the default tolerances, on every case of a
 * small matrix, and must pass the same plain implementation with no bug planted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compareGradients } from '../../src/check/compare.js';
import { generateCase } from '../../src/model/generate.js';
import { GENERATE_DEFAULTS } from '../../src/model/generate.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { referenceGradients, useBackend } from '../../reference/index.js';
import { BUGS, buggyGradients } from '../bugs/buggy-bptt.js';
import type { Gradients } from '../../src/model/gradients.js';

const CASES = [
  generateCase({ ...GENERATE_DEFAULTS, activation: 'tanh', seed: 11 }),
  generateCase({ ...GENERATE_DEFAULTS, activation: 'sigmoid', bias: true, batch: 3, initialState: true, seed: 12 }),
  generateCase({
    ...GENERATE_DEFAULTS,
    activation: 'relu',
    denseInputs: true,
    inputSize: 5,
    hiddenSize: 7,
    outputSize: 4,
    steps: 12,
    seed: 13,
  }),
  generateCase({ ...GENERATE_DEFAULTS, activation: 'linear', bias: true, steps: 20, initScale: 0.8, seed: 14 }),
];
const refs = new Map<string, Gradients>();

beforeAll(async () => {
  await useBackend('cpu');
  for (const c of CASES) refs.set(c.id, await referenceGradients(c, 'tfjs-ops'));
});

/** Whether the planted mistake changes the gradients at all: f′ = 1 for linear, so leaving it out (or taking it at s_{t−1}) is no bug there. */
const isBug = (bug: (typeof BUGS)[number], activation: string) =>
  bug !== 'none' &&
  !((bug === 'missing-activation-derivative' || bug === 'derivative-at-previous-state') && activation === 'linear');

describe.each(BUGS)('a BPTT with the bug "%s"', (bug) => {
  it.each(CASES.map((c) => [c.id, c] as const))(
    `${bug === 'none' ? 'passes' : 'fails (unless the bug is a no-op there)'} on %s`,
    (_id, c) => {
      const rows = compareGradients(
        c,
        buggyGradients(c, bug),
        refs.get(c.id)!,
        ['hand', 'tfjs-ops'],
        DEFAULT_TOLERANCE,
      );
      expect(rows.every((r) => r.pass)).toBe(!isBug(bug, c.model.activation));
    },
  );
});
