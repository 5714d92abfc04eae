// A student's buggy RNN (examples/my-bptt-buggy.mjs: f′ left out) that says it implements the plain RNN only.
export { gradients } from '../../examples/my-bptt-buggy.mjs';
export const cells = ['rnn'];
