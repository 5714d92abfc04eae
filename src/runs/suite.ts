/**
 * The default comparison suite (`npm start`): every activation × three sizes × four variants that
 * between them put every option in both states (bias on/off, token/dense inputs, batch 1/4, zero/given
 * initial state) next to every activation and size; then the gated cells, LSTM and GRU each in the four
 * variants, over the two smaller sizes, both recurrent activations and two activations.
 */
import { GENERATE_DEFAULTS, type GenerateOptions } from '../model/generate.js';
import { ACTIVATIONS, CELLS, type Cell } from '../model/spec.js';
import type { Case } from '../model/case.js';
import { fieldName, InputError } from '../model/errors.js';
import { caseConfig, type CaseResult } from '../check/result.js';
import type { Side } from '../check/sides.js';
import { NOT_RUN } from '../check/verdict.js';

export const SUITE_SIZES = [
  { inputSize: 4, hiddenSize: 4, steps: 5 },
  { inputSize: 16, hiddenSize: 32, steps: 30 },
  { inputSize: 64, hiddenSize: 128, steps: 100 },
] as const;

const VARIANTS = [
  { bias: false, denseInputs: false, batch: 1, initialState: false },
  { bias: true, denseInputs: true, batch: 4, initialState: true },
  { bias: true, denseInputs: false, batch: 4, initialState: false },
  { bias: false, denseInputs: true, batch: 1, initialState: true },
] as const;

export function defaultSuite(): GenerateOptions[] {
  const out: GenerateOptions[] = [];
  let seed = 1;
  for (const activation of ACTIVATIONS)
    for (const size of SUITE_SIZES)
      for (const variant of VARIANTS) out.push({ ...GENERATE_DEFAULTS, activation, ...size, ...variant, seed: seed++ });
  for (const cell of ['lstm', 'gru'] as const)
    VARIANTS.forEach((variant, k) => {
      const gated = {
        cell,
        recurrentActivation: k % 2 ? 'sigmoid' : 'hardSigmoid',
        activation: k === 3 ? 'relu' : 'tanh',
      } as const;
      out.push({ ...GENERATE_DEFAULTS, ...gated, ...SUITE_SIZES[k < 2 ? 0 : 1], ...variant, seed: seed++ });
    });
  return out;
}

/** The cells of a `cells` list ("rnn,lstm"): each a cell, each once; InputError naming the field otherwise. */
export function parseCells(text: string): Cell[] {
  const cells = text.split(',').map((x) => x.trim());
  const bad = cells.find((x) => !(CELLS as readonly string[]).includes(x));
  if (bad !== undefined || new Set(cells).size !== cells.length)
    throw new InputError(
      `${fieldName('cells')} is ${JSON.stringify(text)}, expected a comma-separated list of ${CELLS.join('|')}, each once${bad !== undefined ? ` (${JSON.stringify(bad)} is none of them)` : ''}`,
      'cells',
    );
  return cells as Cell[];
}

/**
 * A case of a cell the subject does not implement (its `cells`): listed as not run, not failed (no rows,
 * pass true, `notRun` saying why); undefined when the subject implements the case's cell.
 */
export function notRunResult(c: Case, subject: Side): CaseResult | undefined {
  if (!subject.cells || subject.cells.includes(c.model.cell)) return undefined;
  return {
    id: c.id,
    config: caseConfig(c),
    pass: true,
    loss: {},
    ms: {},
    rows: [],
    verdict: { ...NOT_RUN, subject: subject.name },
    notRun: `the subject implements ${subject.cells.join(', ')}, not ${c.model.cell}`,
  };
}
