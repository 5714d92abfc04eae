// A student's module that keeps every step's activations in a history that is never cleared,
// and a loop condition that is never false: the history grows until the memory is gone.
const history = [];

export function gradients() {
  let t = 0;
  while (t >= 0) {
    history.push(new Array(1000).fill(t)); // meant to be history[t % T]
    t++;
  }
  return { loss: 0, gradients: {} };
}
