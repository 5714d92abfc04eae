// The WildML-style RNN of wildml-rnn.mjs from a student who always runs full BPTT: options.truncate and
// options.detachEvery are never read (the clipping is still done).
import { gradients as bptt } from './wildml-rnn.mjs';

export function gradients(kase, options = {}) {
  const clipping = {};
  if (options.clipValue !== undefined) clipping.clipValue = options.clipValue;
  if (options.clipNorm !== undefined) clipping.clipNorm = options.clipNorm;
  return bptt(kase, clipping);
}
