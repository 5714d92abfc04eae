// A student's RNN (loc-student.mjs) with one mistake: ∂L/∂s_{-1} left zero: wrong only with an initial state.
import { student } from './loc-student.mjs';

export const gradients = (kase, options) => student(kase, options, { zeroInitial: true });
