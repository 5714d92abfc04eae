/** `case` and `grads`: write one file, a generated case or one implementation's gradients for a case. */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { planGradients, runGradients } from '../check/grads.js';
import { writeFileAtomic } from '../model/atomic.js';
import { gradientsJson } from '../model/gradients.js';
import { caseJson, loadCase } from '../model/io.js';
import { checkCaseFile } from '../model/limits.js';
import { checkOutputs, type Output } from '../model/outputs.js';
import { REFERENCES, useBackend } from '../../reference/index.js';
import { withOptions } from './fields.js';
import type { Session } from './io.js';
import { caseFromOptions, checkOptionsFrom, CONVENTIONS, GENERATION, VARIANT } from './options.js';
import { conventionsFrom, withPresetHelp } from './conventions.js';
import { caseInConventions, oursView } from '../model/conventions.js';
import { jsonSafe } from '../model/errors.js';
import { oneOf, path } from './parsers.js';

const IMPLS = ['hand', ...REFERENCES, 'fd'] as const;
type Impl = (typeof IMPLS)[number];

const fileOutput = (path: string | undefined): Output[] => (path !== undefined ? [{ field: 'outFile', path }] : []);

export function caseCommand(program: Command, s: Session): void {
  const cmd = program.command('case').description('write a generated case file');
  withPresetHelp(cmd, 'the case is written');
  const over = {
    outFile: {
      description: 'where to write the case (default: stdout)',
      parse: (f: string) => path(f, 'a file path for the case (leave --out out to print it)'),
    },
  };
  withOptions(cmd, [...GENERATION, ...CONVENTIONS, 'outFile'] as const, over, (opts, cmd: Command) => {
    checkOutputs({ files: fileOutput(opts.outFile) });
    // in conventions: the preset's σ unless given, the GRU's reset and the reduction (caseFromOptions), written in them
    const conv = conventionsFrom(opts);
    const c = caseFromOptions(opts, cmd, checkCaseFile); // generated as the conventions' model is
    // ours but for the model's reset or the reduction: our case file, which says both itself
    const text = conv && !oursView(conv) ? `${jsonSafe(JSON.stringify(caseInConventions(c, conv)))}\n` : caseJson(c);
    if (opts.outFile) writeFileAtomic(opts.outFile, text);
    else s.io.out(text);
  });
}

export function gradsCommand(program: Command, s: Session): void {
  const cmd = program.command('grads').description("write one implementation's gradients file for a case");
  const over = {
    case: { description: 'the case file', required: true },
    impl: {
      argument: '<name>',
      description: `implementation: ${IMPLS.join('|')} (fd: float64 central differences of every entry)`,
      default: 'hand',
      parse: (f: string) => oneOf(f, IMPLS),
    },
    fd: { description: 'with --impl fd: full (a gradients file holds every entry)' },
    outFile: {
      description: 'where to write the gradients file (default: stdout)',
      parse: (f: string) => path(f, 'a file path for the gradients (leave --out out to print them)'),
    },
  };
  const fields = [...VARIANT, 'case', 'impl', 'backend', 'fd', 'outFile', 'maxMemory'] as const;
  withOptions(cmd, fields, over, async (given) => {
    const opts = { ...given, case: given.case!, impl: given.impl as Impl }; // both given: required, or defaulted
    checkOutputs({ files: fileOutput(opts.outFile), reads: [{ field: 'case', path: opts.case }] });
    const c = loadCase(opts.case);
    const plan = planGradients(c, opts.impl, checkOptionsFrom(opts), basename(opts.case));
    let source: string = opts.impl;
    if (opts.impl === 'fd') source = 'fd (float64 central differences, every entry)';
    else if (opts.impl !== 'hand') {
      const info = await useBackend(opts.backend);
      source = `${opts.impl} (tfjs ${info.tfjsVersion}, ${info.backend} backend)`;
    }
    const g = await runGradients(plan);
    const text = gradientsJson(c, g, source);
    if (opts.outFile) writeFileAtomic(opts.outFile, text);
    else s.io.out(text);
  });
}
