export function gradients() {
  throw new Error('dW not implemented yet');
}
