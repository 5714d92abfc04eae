/**
 * A subject that does not do the variant it is told (options.truncate, detachEvery, clipValue, clipNorm): its
 * failing tensors equal the gradient of the variant without that part, from the hand side in float64:
 *   told truncate k or detachEvery k, gives the full BPTT gradient (clipped as told, if told):  not truncated
 *   told clipValue v or clipNorm n, gives the unclipped gradient (of the truncation told):      not clipped
 *   told both, gives neither:                                                                  neither
 * Said before any bug pattern: the patterns are mistakes against full, unclipped BPTT.
 */
import { clipGradients, handGradients } from '../bptt/index.js';
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import type { Diagnosis } from './diagnose.js';
import { compareArrays, type Tolerance } from './metrics.js';
import { clipOf, clippingOf, isClipping, isTruncated, truncation, type Variant } from './sides.js';

const fields = (v: Variant) => Object.keys(v).map((k) => `options.${k}`);

export function variantIgnored(
  c: Case,
  given: Gradients,
  tensors: readonly string[],
  variant: Variant,
  tolOf: (tensor: string) => Tolerance,
): Diagnosis[] {
  const cut = truncation(variant);
  const clip = clippingOf(variant);
  const clipped = (g: Gradients) => (isClipping(variant) ? clipGradients(g, clipOf(variant)) : g);
  const candidates: { without: string; ignored: Variant; g: () => Gradients }[] = [];
  if (isTruncated(variant) && isClipping(variant))
    candidates.push({ without: 'neither truncated nor clipped', ignored: variant, g: () => handGradients(c) });
  if (isTruncated(variant))
    candidates.push({
      without: `not ${variant.truncate !== undefined ? 'truncated' : 'detached'} (full BPTT)`,
      ignored: cut,
      g: () => clipped(handGradients(c)),
    });
  if (isClipping(variant)) candidates.push({ without: 'not clipped', ignored: clip, g: () => handGradients(c, cut) });
  if (!candidates.length) return [];
  const truth = clipped(handGradients(c, cut));
  const fits = (a: ArrayLike<number>, b: ArrayLike<number>, tol: Tolerance) => compareArrays(a, b, tol, () => []).pass;
  const out: Diagnosis[] = [];
  for (const name of tensors) {
    const g = given.tensors[name];
    const t = truth.tensors[name];
    if (!g || !t) continue;
    const tol = tolOf(name);
    const hit = candidates.find((k) => {
      const m = k.g().tensors[name];
      return m !== undefined && !fits(m.data, t.data, tol) && fits(g.data, m.data, tol);
    });
    if (hit)
      out.push({
        tensor: name,
        pattern: 'variant-ignored',
        detail: `${name} equals the gradient ${hit.without}: your code is told ${fields(hit.ignored).join(' and ')} in its options and must do it itself`,
      });
  }
  return out;
}
