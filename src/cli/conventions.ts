/**
 * The subject's conventions from the command line and from what a file declares (its `conventions`): --conventions
 * names a preset, and each single setting (--layout, --gate-order, …) goes on top of it, or on top of the file's
 * declaration when --conventions is not given. Nothing given and nothing declared: undefined, the case is ours.
 */
import type { Command } from 'commander';
import {
  conventionsOf,
  presetHelp,
  withConventions,
  type Conventions,
  type ConventionsFile,
  type ConventionsOptions,
} from '../model/conventions.js';
import type { Case } from '../model/case.js';
import type { ConventionsFor } from '../model/io.js';
import type { CliOptions } from './cli-options.js';
import type { GenerateOptions } from '../model/generate.js';

const SETTINGS = ['layout', 'gateOrder', 'concatGates', 'gruReset', 'twoBiases', 'reduction'] as const;

/** A file's declaration as the options it stands for. */
function declaredOptions(declared: ConventionsFile): ConventionsOptions {
  if (typeof declared === 'string') return { conventions: declared };
  if (declared === null || typeof declared !== 'object') return { conventions: String(declared) };
  const { preset, ...settings } = declared;
  return { ...(preset !== undefined ? { conventions: preset } : {}), ...settings };
}

export function conventionsFrom(opts: Partial<CliOptions>, declared?: ConventionsFile): Conventions | undefined {
  const given: ConventionsOptions = {};
  for (const k of SETTINGS) if (opts[k] !== undefined) Object.assign(given, { [k]: opts[k] });
  if (opts.conventions === undefined && declared === undefined && Object.keys(given).length === 0) return undefined;
  const base =
    opts.conventions !== undefined
      ? { conventions: opts.conventions }
      : declared !== undefined
        ? declaredOptions(declared)
        : {};
  return conventionsOf({ ...base, ...given }, 'the command line');
}

/** How a command reads a case file: in the command line's conventions over the file's own. */
export const conventionsForOf =
  (opts: Partial<CliOptions>): ConventionsFor =>
  (declared) =>
    conventionsFrom(opts, declared);

/**
 * A recipe generated as the conventions' model is: the GRU's reset given (refused for other cells by generation),
 * or the preset's for a GRU, generated with the model (b_Wh drawn with the other biases); the preset's σ of the
 * gates (PyTorch's and Keras's sigmoid) unless the recipe was given one.
 */
export function recipeInConventions<R extends GenerateOptions>(
  recipe: R,
  opts: Partial<CliOptions>,
  conv: Conventions | undefined,
): R {
  const reset = opts.gruReset ?? (recipe.cell === 'gru' ? conv?.gruReset : undefined);
  const sigma = recipe.cell !== 'rnn' && opts.recurrentActivation === undefined ? conv?.recurrentActivation : undefined;
  return {
    ...recipe,
    ...(reset !== undefined ? { gruReset: reset } : {}),
    ...(sigma !== undefined ? { recurrentActivation: sigma } : {}),
  };
}

/** A generated case seen in the command line's conventions (the model's reset and the loss's reduction set). */
export const inConventions = (c: Case, conv: Conventions | undefined): Case => (conv ? withConventions(c, conv) : c);

/** A command's help ends with what each preset of --conventions sets. */
export function withPresetHelp(cmd: Command, what = 'your code is handed the case, and read,'): Command {
  return cmd.addHelpText('after', `\nPresets of --conventions (${what} in their names and layouts):\n${presetHelp()}`);
}
