// A student's RNN (loc-student.mjs) with W for Wᵀ in the recursion, whose every returned number is a
// float32 (as a port that stores its results in Float32Arrays returns them).
import { student } from './loc-student.mjs';

const f32 = (x) => (Array.isArray(x) ? x.map(f32) : Math.fround(x));

export function gradients(kase, options) {
  const g = student(kase, options, { wNotTransposed: true });
  return {
    loss: Math.fround(g.loss),
    gradients: Object.fromEntries(Object.entries(g.gradients).map(([k, v]) => [k, f32(v)])),
  };
}
