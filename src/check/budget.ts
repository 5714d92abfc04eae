/**
 * The budget of a check, before anything is allocated: the caps on every size and the memory estimate of
 * src/model/limits.ts, for what the check is asked to run (the references, the per-step check, --fd), against
 * --max-memory. checkCase calls it first; the commands call it before they generate or load a case, and a
 * sweep for every matrix entry before the first one runs.
 */
import type { ReferenceName } from '../../reference/index.js';
import { checkBudget, type Estimate, type Sizes, type Work } from '../model/limits.js';
import type { CheckOptions } from './compare.js';

/** The references that run: tfjs-layers cannot truncate, so a truncated check leaves it out. */
function running(references: readonly ReferenceName[], o: CheckOptions): ReferenceName[] {
  const truncated = o.truncate !== undefined || o.detachEvery !== undefined;
  return truncated ? references.filter((r) => r !== 'tfjs-layers') : [...references];
}

export function checkWorkBudget(
  s: Sizes,
  references: readonly ReferenceName[],
  o: CheckOptions,
  where = '',
  command: Work['command'] = 'compare',
): Estimate {
  const work: Work = {
    command,
    references: running(references, o),
    stepsDetail: o.stepsDetail === true,
    ...(o.fd ? { fd: o.fd, fdThreads: 2 } : {}), // fd-parallel.ts: a second thread on large jobs
  };
  return checkBudget(s, work, o.maxMemory, where);
}
