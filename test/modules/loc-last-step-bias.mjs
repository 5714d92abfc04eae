// A student's RNN (loc-student.mjs) with one mistake: db of the last step only: wrong only with biases.
import { student } from './loc-student.mjs';

export const gradients = (kase, options) => student(kase, options, { lastStepBias: true });
