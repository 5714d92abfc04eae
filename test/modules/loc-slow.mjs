// A student's RNN (loc-student.mjs) with f′ left out that takes 300 ms per call after the first, and writes
// one line per call to the file named by LOC_CALLS: slow enough to be interrupted while it is localised.
import { appendFileSync } from 'node:fs';
import { student } from './loc-student.mjs';

let calls = 0;
export function gradients(kase, options) {
  if (calls++ > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  if (process.env.LOC_CALLS) appendFileSync(process.env.LOC_CALLS, `${kase.id}\n`);
  return student(kase, options, { noDerivative: true });
}
