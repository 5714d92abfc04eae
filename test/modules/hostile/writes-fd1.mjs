// A student's correct BPTT that logs its progress with a raw write to file descriptor 1, not console.log.
import { writeSync } from 'node:fs';
import { gradients as correct } from '../../../examples/my-bptt.mjs';

export function gradients(kase, options) {
  writeSync(1, `epoch 1: computing the gradients of ${kase.model.cell}\n`);
  return correct(kase, options);
}
