/**
 * The subjects a run can be given, as data (so that a sweep's workers can open their own): a module
 * (`--impl`) or a command (`--impl-cmd`), each opened isolated (a child process with limits) as a Side
 * that can be asked again (the localisation by experiment calls it on other cases).
 */
import type { Cell } from '../model/spec.js';
import { userSide, type Side } from '../check/sides.js';
import { openGradientsModule, type ModuleSubject } from './user-module.js';
import { openCommandSubject } from './user-command.js';

export type SubjectSpec =
  | { kind: 'module'; path: string; timeoutSeconds: number; cells?: readonly Cell[] }
  | { kind: 'command'; command: string; timeoutSeconds: number; cells?: readonly Cell[] };

export interface OpenSubject {
  side: Side;
  /** stops the subject's process; safe to call more than once */
  close(): Promise<void>;
}

/** The name of a user subject's rows. */
export const SUBJECT_NAME = 'yours';

/** Opens a subject (throws InputError naming its field when it cannot start). */
export async function openSubject(spec: SubjectSpec): Promise<OpenSubject> {
  const opened: ModuleSubject =
    spec.kind === 'module'
      ? await openGradientsModule(spec.path, spec.timeoutSeconds)
      : await openCommandSubject(spec.command, spec.timeoutSeconds);
  const cells = spec.cells ?? opened.cells;
  return {
    side: userSide(SUBJECT_NAME, (c, v) => opened.gradients(c, v), { callable: true, ...(cells ? { cells } : {}) }),
    close: () => opened.close(),
  };
}
