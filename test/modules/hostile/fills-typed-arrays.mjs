// A student's module that keeps a Float64Array per step for its backward pass in a cache that is never
// cleared, with a loop bound that is never reached: the cache grows outside the JavaScript heap.
const cache = [];

export function gradients(kase) {
  const H = kase.model.hiddenSize;
  for (let t = 0; t !== -1; t++) cache.push(new Float64Array(H * 65_536).fill(t)); // meant: t < T
  return { loss: 0, gradients: {} };
}
