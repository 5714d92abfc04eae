/**
 * A sweep worker thread (piscina): runs one case through the harness and returns its result. With a
 * subject of yours (a SweepTask's SubjectSpec: a Side cannot cross to a thread), the thread opens it once,
 * on its first case, and keeps it for every later one; a close task (sweep.ts) stops it when the pool ends.
 */
import { withConventions, type Conventions } from '../model/conventions.js';
import { useBackend } from '../../reference/index.js';
import { checkCase, type CaseResult, type CheckOptions } from '../check/compare.js';
import { entryCase, type SweepEntry } from './grid.js';
import type { Tolerance } from '../check/metrics.js';
import type { ReferenceName } from '../../reference/index.js';
import { openSubject, type OpenSubject, type SubjectSpec } from './subjects.js';
import type { Side } from '../check/sides.js';
import { notRunResult } from './suite.js';

export interface SweepTask {
  entry: SweepEntry;
  references: ReferenceName[];
  tolerance: Tolerance;
  backend: string;
  /** without `subject` (a Side): the subject, if yours, is `subject` below */
  options: CheckOptions;
  /** your code, opened in this thread (once) */
  subject?: SubjectSpec;
  /** your code's conventions: the case is seen in them */
  conventions?: Conventions;
  /** with a subject: Int32Array over a SharedArrayBuffer, [0] set once your code failed on a case (this one is then not run: null) */
  halted?: Int32Array;
}

/** The task that stops a thread's subject: every thread gets one (they wait for each other on `arrived`). */
export interface CloseTask {
  close: true;
  /** Int32Array over a SharedArrayBuffer: [0] counts the close tasks that arrived */
  arrived: Int32Array;
  threads: number;
}

/** What a case gives when your code failed on it (it threw, died, or answered the wrong shape): the sweep stops, exit 2. */
export interface SubjectFailure {
  subjectError: { message: string; field?: string; input: boolean };
}

/** An error your code raised (not the harness): carried to the caller as it is. */
export class SubjectError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** The subject as a Side whose every failure is a SubjectError. */
export function marked(side: Side): Side {
  return {
    ...side,
    async gradients(c, v) {
      try {
        return await side.gradients(c, v);
      } catch (e) {
        throw new SubjectError(e);
      }
    },
  };
}

/** Runs one case, with the subject if any (a case of a cell it does not implement is not run). */
export async function runCase(
  task: Omit<SweepTask, 'subject' | 'backend'>,
  subject?: Side,
): Promise<CaseResult | SubjectFailure> {
  const c = task.conventions ? withConventions(entryCase(task.entry), task.conventions) : entryCase(task.entry);
  if (subject) {
    const skipped = notRunResult(c, subject);
    if (skipped) return skipped;
  }
  try {
    return await checkCase(c, task.references, task.tolerance, {
      ...task.options,
      ...(subject ? { subject: marked(subject) } : {}),
    });
  } catch (e) {
    if (!(e instanceof SubjectError)) throw e;
    return failure(e.cause);
  }
}

/** Your code's error as plain data (an InputError's class does not cross threads). */
function failure(e: unknown): SubjectFailure {
  const x = e as { field?: unknown; name?: unknown } | null;
  return {
    subjectError: {
      message: e instanceof Error ? e.message : String(e),
      ...(typeof x?.field === 'string' ? { field: x.field } : {}),
      input: x?.name === 'InputError',
    },
  };
}

let ready: Promise<unknown> | null = null;
let opened: Promise<OpenSubject> | null = null;

export default async function run(task: SweepTask | CloseTask) {
  if ('close' in task) {
    if (opened) await (await opened.catch(() => null))?.close();
    opened = null;
    // hold this thread until every thread has its close task (a thread that waits takes no other)
    Atomics.add(task.arrived, 0, 1);
    Atomics.notify(task.arrived, 0);
    const deadline = Date.now() + 10_000;
    for (let n = Atomics.load(task.arrived, 0); n < task.threads && Date.now() < deadline;)
      n = (Atomics.wait(task.arrived, 0, n, 100), Atomics.load(task.arrived, 0));
    return null;
  }
  if (task.halted && Atomics.load(task.halted, 0)) return null;
  ready ??= useBackend(task.backend);
  await ready;
  if (task.subject) opened ??= openSubject(task.subject);
  let side: Side | undefined;
  if (opened)
    try {
      side = (await opened).side;
    } catch (e) {
      return failure(e); // it could not start: the sweep stops on it
    }
  return runCase(task, side);
}
