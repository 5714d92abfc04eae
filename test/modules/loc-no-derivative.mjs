// A student's RNN (loc-student.mjs) with one mistake: f′(a_t) left out of da_t: wrong at every step.
import { student } from './loc-student.mjs';

export const gradients = (kase, options) => student(kase, options, { noDerivative: true });
