/**
 * The subjects a run can be given, as data (so that a sweep's workers can open their own): a module
 * (`--impl`) or a command (`--impl-cmd`), each opened isolated (a child process with limits) as a Side
 * that can be asked again (the localisation by experiment calls it on other cases).
 */
import type { Cell } from '../model/spec.js';
import { userSide, type Side, type Variant } from '../check/sides.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
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
  // a command answers one request at a time, each timed from when it is sent: it can be asked ahead. (A module's
  // requests are timed from when they are asked, so asking ahead would count the case before against the next.)
  const ahead = spec.kind === 'command' ? askingAhead(opened.gradients) : undefined;
  const side = userSide(SUBJECT_NAME, ahead?.gradients ?? ((c, v) => opened.gradients(c, v)), {
    callable: true,
    ...(cells ? { cells } : {}),
  });
  return { side: ahead ? { ...side, ask: ahead.ask } : side, close: () => opened.close() };
}

type Answer = (c: Case, v: Variant) => Promise<Gradients>;

/** The answers asked for ahead, by case, each handed to the first call for that case and variant. */
function askingAhead(f: Answer): { gradients: Answer; ask: (c: Case, v: Variant) => void } {
  const ahead = new Map<Case, { variant: string; answer: Promise<Gradients> }>();
  return {
    gradients(c, v) {
      const a = ahead.get(c);
      ahead.delete(c);
      return a && a.variant === JSON.stringify(v) ? a.answer : f(c, v);
    },
    ask(c, v) {
      if (ahead.has(c)) return;
      const answer = f(c, v);
      answer.catch(() => {}); // a failure is thrown where the answer is awaited
      ahead.set(c, { variant: JSON.stringify(v), answer });
    },
  };
}
