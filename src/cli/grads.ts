/** `case` and `grads`: write one file, a generated case or one implementation's gradients for a case. */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { clipGradients, handGradients } from '../bptt/index.js';
import { checkWorkBudget } from '../check/budget.js';
import { checkFdMode } from '../fd/oracle.js';
import { fdGradients } from '../fd/parallel.js';
import { writeFileAtomic } from '../model/atomic.js';
import { InputError } from '../model/errors.js';
import { gradientsJson, type Gradients } from '../model/gradients.js';
import { caseJson, loadCase } from '../model/io.js';
import { checkCaseFile, sizesOf } from '../model/limits.js';
import { checkOutputs, type Output } from '../model/outputs.js';
import { REFERENCES, referenceGradients, useBackend } from '../../reference/index.js';
import { withOptions } from './fields.js';
import type { Session } from './io.js';
import { caseFromOptions, checkOptionsFrom, GENERATION, VARIANT } from './options.js';
import { oneOf, path } from './parsers.js';

const IMPLS = ['hand', ...REFERENCES, 'fd'] as const;
type Impl = (typeof IMPLS)[number];

const fileOutput = (path: string | undefined): Output[] => (path !== undefined ? [{ field: 'outFile', path }] : []);

export function caseCommand(program: Command, s: Session): void {
  const cmd = program.command('case').description('write a generated case file');
  const over = {
    outFile: {
      description: 'where to write the case (default: stdout)',
      parse: (f: string) => path(f, 'a file path for the case (leave --out out to print it)'),
    },
  };
  withOptions(cmd, [...GENERATION, 'outFile'] as const, over, (opts, cmd: Command) => {
    checkOutputs({ files: fileOutput(opts.outFile) });
    const text = caseJson(caseFromOptions(opts, cmd, checkCaseFile));
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
    const o = checkOptionsFrom(opts);
    const tfjs = opts.impl === 'tfjs-layers' || opts.impl === 'tfjs-ops' ? [opts.impl] : [];
    checkWorkBudget(
      sizesOf(c),
      tfjs,
      { ...o, ...(opts.impl === 'fd' ? { fd: { kind: 'full' } } : {}) },
      basename(opts.case),
      'grads',
    );
    if (opts.impl === 'fd') checkFdMode(c, { kind: 'full' });
    if (o.fd && o.fd.kind !== 'full')
      throw new InputError(`--fd is ${o.fd.kind} for grads, expected full: a gradients file holds every entry`);
    if (o.fd && opts.impl !== 'fd') throw new InputError(`--fd is given with --impl ${opts.impl}, expected --impl fd`);
    const variant = {
      ...(o.truncate !== undefined ? { truncate: o.truncate } : {}),
      ...(o.detachEvery !== undefined ? { detachEvery: o.detachEvery } : {}),
    };
    const clip = {
      ...(o.clipValue !== undefined ? { value: o.clipValue } : {}),
      ...(o.clipNorm !== undefined ? { norm: o.clipNorm } : {}),
    };
    const clipping = clip.value !== undefined || clip.norm !== undefined;
    if (Object.keys(variant).length && (opts.impl === 'tfjs-layers' || opts.impl === 'fd')) {
      const flag = o.truncate !== undefined ? '--truncate' : '--detach-every';
      throw new InputError(
        `${flag} is given with --impl ${opts.impl}, expected --impl hand or tfjs-ops: only they support truncation`,
      );
    }
    let g: Gradients;
    let source: string = opts.impl;
    if (opts.impl === 'hand') g = handGradients(c, variant);
    else if (opts.impl === 'fd') {
      g = await fdGradients(c);
      source = 'fd (float64 central differences, every entry)';
    } else {
      const info = await useBackend(opts.backend);
      g = await referenceGradients(c, opts.impl, {
        ...variant,
        ...(clipping ? { clipValue: clip.value, clipNorm: clip.norm } : {}),
      });
      source = `${opts.impl} (tfjs ${info.tfjsVersion}, ${info.backend} backend)`;
    }
    if (clipping && (opts.impl === 'hand' || opts.impl === 'fd')) g = clipGradients(g, clip);
    const text = gradientsJson(c, g, source);
    if (opts.outFile) writeFileAtomic(opts.outFile, text);
    else s.io.out(text);
  });
}
