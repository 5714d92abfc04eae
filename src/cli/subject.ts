/** The subject of a command line: `--impl MODULE` or `--impl-cmd COMMAND` (one of the two), opened for the run. */
import { fieldName as f, InputError } from '../model/errors.js';
import { userSide, type Side } from '../check/sides.js';
import { openSubject, SUBJECT_NAME, type SubjectSpec } from '../runs/subjects.js';
import { parseCells } from '../runs/suite.js';
import type { CliOptions } from './cli-options.js';
import type { Session } from './io.js';

/** The subject the options name, if any; `--impl` with `--impl-cmd` is refused. */
export function subjectSpecOf(opts: Partial<CliOptions>): SubjectSpec | undefined {
  const timeoutSeconds = opts.timeout ?? 60;
  if (opts.impl !== undefined && opts.implCmd !== undefined)
    throw new InputError(
      `${f('impl')} is ${JSON.stringify(opts.impl)} together with ${f('implCmd')} ${JSON.stringify(opts.implCmd)}, expected one of the two`,
      'impl',
    );
  if (opts.impl !== undefined) return { kind: 'module', path: opts.impl, timeoutSeconds };
  if (opts.implCmd !== undefined) return { kind: 'command', command: opts.implCmd, timeoutSeconds };
  return undefined;
}

/** A stand-in for the subject while the plan is checked, before its process starts (it is never asked). */
export const plannedSubject = (spec: SubjectSpec): Side =>
  userSide(
    SUBJECT_NAME,
    () => {
      throw new Error('the subject is asked before it is opened');
    },
    { callable: true, ...(spec.cells ? { cells: spec.cells } : {}) },
  );

/** Opens the subject for the session: its process ends with the run. */
export async function openCliSubject(spec: SubjectSpec, s: Session): Promise<Side> {
  const opened = await openSubject(spec);
  s.stops.push(() => opened.close());
  return opened.side;
}

/** How the commands that run many cases say --cells and --impl (each case of the run goes to your code). */
export const SUBJECT_OVERRIDES = {
  cells: {
    description: 'the cells your code implements (default: every cell; a module may export `cells`)',
    default: undefined,
  },
  impl: {
    description:
      'your gradient code (.js, .mjs or .ts exporting gradients(case, options)) in place of the built-in hand-written BPTT, on every case',
  },
} as const;

/**
 * The subject of a command that runs many cases: --impl or --impl-cmd with its --cells; --cells or --dtype
 * without one is refused (the built-in side implements every cell, in float64).
 */
export function manySubject(opts: Partial<CliOptions>): SubjectSpec | undefined {
  const spec = subjectSpecOf(opts);
  const cells = opts.cells !== undefined ? parseCells(opts.cells) : undefined;
  for (const field of ['cells', 'dtype'] as const)
    if (!spec && opts[field] !== undefined)
      throw new InputError(
        `${f(field)} is ${JSON.stringify(opts[field])} without ${f('impl')} or ${f('implCmd')}, expected a subject of yours: the built-in hand-written side implements every cell, in float64`,
        field,
      );
  return spec && cells ? { ...spec, cells } : spec;
}
