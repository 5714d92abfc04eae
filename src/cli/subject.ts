/** The subject of a command line: `--impl MODULE` or `--impl-cmd COMMAND` (one of the two), opened for the run. */
import { fieldName as f, InputError } from '../model/errors.js';
import { userSide, type Side } from '../check/sides.js';
import { openSubject, SUBJECT_NAME, type SubjectSpec } from '../runs/subjects.js';
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
