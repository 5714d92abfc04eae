/** A sweep worker thread (piscina): runs one case through the harness and returns its result. */
import { useBackend } from '../../reference/index.js';
import { checkCase, type CheckOptions } from '../check/compare.js';
import { entryCase, type SweepEntry } from './grid.js';
import type { Tolerance } from '../check/metrics.js';
import type { ReferenceName } from '../../reference/index.js';

export interface SweepTask {
  entry: SweepEntry;
  references: ReferenceName[];
  tolerance: Tolerance;
  backend: string;
  options: CheckOptions;
}

let ready: Promise<unknown> | null = null;

export default async function run(task: SweepTask) {
  ready ??= useBackend(task.backend);
  await ready;
  return checkCase(entryCase(task.entry), task.references, task.tolerance, task.options);
}
