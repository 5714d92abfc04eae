// A student's correct BPTT (examples/my-bptt.mjs) with one wrong entry: dW[7][101] is off by 0.5.
import { gradients as correct } from '../../examples/my-bptt.mjs';

export function gradients(kase) {
  const g = correct(kase);
  g.gradients.W[7][101] += 0.5;
  return g;
}
