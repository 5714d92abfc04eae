// The same RNN, from a student whose gradients(case) takes no options and so never clips.
import { gradients as full } from './student-rnn.mjs';

export function gradients(kase) {
  return full(kase);
}
