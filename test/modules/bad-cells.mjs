// The correct BPTT with a `cells` export that is not a list of cells (a string, as a student might write it).
export { gradients } from '../../examples/my-bptt.mjs';
export const cells = 'rnn';
