/** `vanishing`: how gradients vanish or explode through time, per cell, activation and W scale. */
import type { Command } from 'commander';
import { checkOutputs } from '../model/outputs.js';
import { checkBudget, type Sizes } from '../model/limits.js';
import { fieldName, InputError } from '../model/errors.js';
import { withFlags } from './fields.js';
import type { Activation, Cell } from '../model/spec.js';
import { vanishingConsole, vanishingJson, writeVanishingReports } from '../report/vanishing.js';
import { analyseVanishing, checkVanishingOptions } from '../vanishing/analyse.js';
import { useBackend } from '../../reference/index.js';
import { TOOL_VERSION } from '../version.js';
import { withOptions } from './fields.js';
import type { Session } from './io.js';
import { caseFromOptions, commandLine, GENERATION, TOLERANCE } from './options.js';
import { positiveNumber } from './parsers.js';

const VANISHING = [
  ...GENERATION,
  ...TOLERANCE,
  'case',
  'activations',
  'cells',
  'forgetBias',
  'wNorm',
  'seeds',
  'clipNorm',
  'backend',
  'out',
  'json',
  'maxMemory',
] as const;

export function vanishingCommand(program: Command, s: Session): void {
  const cmd = program
    .command('vanishing')
    .description('measure how gradients vanish or explode through time, per activation and W scale');
  const over = {
    clipNorm: { description: 'the gradient clipping shown on the exploding side', parse: positiveNumber, default: 1 },
  };
  withOptions(cmd, VANISHING, over, async (given, cmd: Command) => {
    const opts = { ...given, clipNorm: given.clipNorm! }; // defaulted
    checkOutputs({ dir: { field: 'out', path: opts.out } });
    if (opts.case === undefined && cmd.getOptionValueSource('steps') === 'default') opts.steps = 40;
    const isGiven = (name: string) => cmd.getOptionValueSource(name) !== 'default';
    let activations = String(opts.activations)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    let wNorms = String(opts.wNorm)
      .split(',')
      .map((w) => (w.trim() === '' ? NaN : Number(w)));
    const cells = String(opts.cells)
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const caseW = opts.case !== undefined;
    // the series: cells × activations × W norms (with --case: its own activation, and its own W first)
    const series =
      cells.length *
      (caseW && !isGiven('activations') ? 1 : activations.length) *
      ((caseW && !isGiven('wNorm') ? 0 : wNorms.length) + (caseW ? 1 : 0));
    const n = opts.seeds!; // defaulted
    if (caseW && n > 1)
      throw new InputError(
        `${fieldName('seeds')} is ${n}, expected 1 with ${fieldName('case')}: a case file is one draw; leave ${fieldName('case')} out to draw ${n} cases`,
        'seeds',
      );
    // every seed's series are measured, each keeping its steps' tensors and Jacobians: the budget counts series × seeds
    const budget = (sz: Sizes, where: string) =>
      checkBudget(sz, { command: 'vanishing', references: [], series: series * n }, opts.maxMemory, where);
    const c = caseFromOptions(opts, cmd, budget); // --case: the case's own W first, its own activation unless --activations; rescaled W only for an explicit --w-norm
    // the seeds seed, seed+1, …, seed+n−1: the case drawn again with each (as --seed would), the gated cells' weights too
    const draws = [{ seed: opts.seed, case: c }];
    for (let i = 1; i < n; i++)
      draws.push({ seed: opts.seed + i, case: caseFromOptions({ ...opts, seed: opts.seed + i }, cmd) });
    if (caseW && !isGiven('activations')) activations = [c.model.activation];
    if (caseW && !isGiven('wNorm')) wNorms = [];
    checkVanishingOptions({ activations, wNorms, steps: c.steps, cells, seeds: n });
    const info = await useBackend(opts.backend);
    const v = await analyseVanishing(draws, {
      activations: activations as Activation[],
      cells: cells as Cell[],
      seed: opts.seed,
      forgetBias: opts.forgetBias,
      wNorms,
      caseW,
      clipNorm: opts.clipNorm,
      tolerance: { atol: opts.atol, rtol: opts.rtol },
    });
    const meta = {
      command: commandLine(s.argv),
      backend: info.backend,
      tfjsVersion: info.tfjsVersion,
      createdAt: new Date().toISOString(),
      toolVersion: TOOL_VERSION,
    };
    const written = await writeVanishingReports(opts.out, v, meta, withFlags);
    if (opts.json) s.io.out(withFlags(vanishingJson(v, meta)));
    else s.io.out(vanishingConsole(v, written, withFlags));
    s.setCode(v.pass ? 0 : 1);
  });
}
