/**
 * The subject's conventions from the command line and from what a file declares (its `conventions`): --conventions
 * names a preset, and each single setting (--layout, --gate-order, …) goes on top of it, or on top of the file's
 * declaration when --conventions is not given. Nothing given and nothing declared: undefined, the case is ours.
 */
import {
  conventionsOf,
  withConventions,
  type Conventions,
  type ConventionsFile,
  type ConventionsOptions,
} from '../model/conventions.js';
import type { Case } from '../model/case.js';
import type { ConventionsFor } from '../model/io.js';
import type { CliOptions } from './cli-options.js';

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

/** A generated case seen in the command line's conventions (the model's reset and the loss's reduction set). */
export function inConventions(c: Case, opts: Partial<CliOptions>): Case {
  const conv = conventionsFrom(opts);
  return conv ? withConventions(c, conv) : c;
}
