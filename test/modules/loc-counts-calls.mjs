// A student's RNN (loc-student.mjs) with f′ left out, that writes one line per call to the file named by
// LOC_CALLS (the localisation tests count how often the tool asks it).
import { appendFileSync } from 'node:fs';
import { student } from './loc-student.mjs';

export function gradients(kase, options) {
  if (process.env.LOC_CALLS) appendFileSync(process.env.LOC_CALLS, `${kase.id}\n`);
  return student(kase, options, { noDerivative: true });
}
