/* global setInterval */
// The student's correct RNN, with a progress printer started and never cleared (setInterval left behind).
import { gradients as studentGradients } from '../student-rnn.mjs';

let calls = 0;
setInterval(() => process.stderr.write(`still alive after ${calls} calls\n`), 60_000);

export function gradients(kase, options) {
  calls++;
  setTimeout(() => {}, 3_600_000); // a retry timer of an hour, never cleared either
  return studentGradients(kase, options);
}
