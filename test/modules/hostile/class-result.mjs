// The student's correct RNN, returning its result as an instance of their own class, loss behind a getter.
import { gradients as studentGradients } from '../student-rnn.mjs';

class Result {
  #loss;
  constructor(loss, gradients) {
    this.#loss = loss;
    this.gradients = gradients;
  }
  get loss() {
    return this.#loss;
  }
}

export function gradients(kase, options) {
  const g = studentGradients(kase, options);
  return new Result(g.loss, g.gradients);
}
