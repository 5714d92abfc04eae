/** A generated case in a convention: the GRU with the reset after gets a drawn b_Wh (withConventions gives 0). */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Case } from './case.js';
import { resetAfter } from './spec.js';

/**
 * b_Wh, the bias inside the reset, drawn as every bias is (Uniform(−a, a), a = initScale·√3, fanIn 1) from its own
 * stream of the seed, xoroshiro128+(seed ⊕ 0x9e3779b9): the rest of the case is the same recipe's with the reset
 * before, bit for bit. Other cases are returned as they are.
 */
export function withDrawnRecurrentBias(c: Case, seed: number, initScale = 1): Case {
  const b = c.params.b_Wh;
  if (!resetAfter(c.model) || !c.model.bias || !b) return c;
  const rng = xoroshiro128plus((seed ^ 0x9e3779b9) >>> 0);
  const a = initScale * Math.sqrt(3);
  const data = Float64Array.from(b.data, () => (2 * uniformFloat64(rng) - 1) * a);
  return { ...c, params: { ...c.params, b_Wh: { rows: b.rows, cols: b.cols, data } } };
}
