/**
 * A subject that runs outside the tool's own thread: started once, asked once per case, bounded in time,
 * stopped at the end (its timers and handles die with it). The `--impl` module runs in a child process
 * (user-host.ts); a command subject (a child process speaking JSON lines) answers the same interface.
 * What can go wrong is a SubjectFault; the caller words it for the user (it knows the flag and the case).
 */
import type { CaseFile } from '../model/case.js';
import type { SubjectOptions } from '../check/compare.js';

export interface SubjectHost {
  /** The subject's answer for one case (plain data, already copied out of the subject), or a SubjectFault. */
  request(c: CaseFile, options: SubjectOptions): Promise<unknown>;
  /** Stops the subject; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * - load: failed to start (a syntax error, a throw at import); detail says the error and file:line
 * - no-export: started but offers nothing to call
 * - timeout: no answer within the timeout (the subject was stopped)
 * - exited: the subject ended before answering (exitCode)
 * - memory: the subject reached its memory limit (limitMb)
 * - threw: the call threw or rejected (detail: the error's first line)
 * - uncaught: an error nobody caught (an unhandled rejection, a throw in a timer): detail
 * - unreadable: the answer cannot be copied out (a throwing getter, a function): detail
 */
export type FaultKind = 'load' | 'no-export' | 'timeout' | 'exited' | 'memory' | 'threw' | 'uncaught' | 'unreadable';

export class SubjectFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly detail: string,
    /** whether the subject was loading (no case asked yet) when it happened */
    readonly loading: boolean,
    readonly exitCode?: number,
  ) {
    super(`${kind}: ${detail}`);
    this.name = 'SubjectFault';
  }
}

/** The longest --timeout: a day (Node's timers hold at most 2³¹−1 ms ≈ 24.8 days, and fire at once past it). */
export const MAX_TIMEOUT_SECONDS = 86_400;

/** The first line of an error, at most 200 characters. */
export const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
