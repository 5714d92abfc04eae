// A student who has not written dV yet: the module returns every gradient but V.
import { gradients as full } from './student-rnn.mjs';

export function gradients(kase, options) {
  const { loss, gradients: g } = full(kase, options);
  delete g.V;
  return { loss, gradients: g };
}
