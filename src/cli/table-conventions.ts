/** The options of the subject's conventions and of the masks of generated cases, for the table (table.ts). */
import { LAYOUTS, PRESETS } from '../model/conventions.js';
import { REDUCTIONS } from '../model/loss.js';
import { GRU_RESETS } from '../model/spec.js';
import type { Table } from './cli-options.js';
import { integerList } from './parsers.js';

type ConventionFields =
  | 'conventions'
  | 'layout'
  | 'gateOrder'
  | 'concatGates'
  | 'gruReset'
  | 'twoBiases'
  | 'reduction'
  | 'lastStepOnly'
  | 'lengths';

export const CONVENTION_OPTIONS: Pick<Table, ConventionFields> = {
  // given as text, validated together by conventionsOf (src/model/conventions.ts)
  conventions: {
    argument: '<preset>',
    description: `your code's conventions, as one codebase has them: ${PRESETS.join('|')} (the options below change single settings)`,
  },
  layout: { argument: '<layout>', description: `math (U x, U H×I) or row (x U, U I×H): ${LAYOUTS.join('|')}` },
  gateOrder: {
    argument: '<letters>',
    description: 'the order of your gates, e.g. i,f,o,g (LSTM: i, f, g, o; GRU: z, r, h)',
  },
  concatGates: { description: "every gate's U, W and b stacked in one tensor, in the gate order" },
  gruReset: {
    argument: '<where>',
    description: `the GRU's reset gate before the recurrent product (tfjs) or after it (PyTorch, Keras): ${GRU_RESETS.join('|')}`,
  },
  twoBiases: { description: "two biases per gate, PyTorch's bias_ih and bias_hh, both checked" },
  reduction: {
    argument: '<how>',
    description: `the loss: ${REDUCTIONS.join('|')} (÷ B, ÷ T, ÷ the steps with a target)`,
  },
  lastStepOnly: { description: 'a loss at the last step only (targets null before it): a many-to-one model' },
  lengths: { argument: '<T,…>', description: "each sequence's length, e.g. 7,4,5 (padding)", parse: integerList },
};
