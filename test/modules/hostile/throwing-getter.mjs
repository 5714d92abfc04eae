// A student's module that wraps its result in a class whose loss is computed lazily, and not there yet.
class Result {
  constructor(gradients) {
    this.gradients = gradients;
  }
  get loss() {
    throw new Error('loss is computed in the next homework');
  }
}

export function gradients(kase) {
  const H = kase.model.hiddenSize;
  const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));
  const r = new Result({ U: zeros(H, kase.model.inputSize), W: zeros(H, H), V: zeros(kase.model.outputSize, H) });
  return {
    get loss() {
      return r.loss;
    },
    gradients: r.gradients,
  };
}
