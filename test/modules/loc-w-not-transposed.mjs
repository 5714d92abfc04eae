// A student's RNN (loc-student.mjs) with one mistake: the recursion carries W da_t, not Wᵀ da_t: right for one step, wrong from two.
import { student } from './loc-student.mjs';

export const gradients = (kase, options) => student(kase, options, { wNotTransposed: true });
