/**
 * The environment of a sweep whose worker thread crashes on one case: every thread preloads
 * test/helpers/crashing-worker.mjs, which wraps the tool's worker module to exit the thread on that case.
 * The fault is the test's: the tool has no hook for it.
 */
import { fileURLToPath } from 'node:url';

export function crashOn(caseId: string): Record<string, string> {
  const preload = fileURLToPath(new URL('./crashing-worker.mjs', import.meta.url));
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require=${preload}`.trim(),
    BPTT_CHECK_CRASH_CASE: caseId,
  };
}
