/**
 * The GRU's two trajectories (gates z, r, h: gates.ts; reset before the product, as tfjs):
 *   (r⊙s)⁺ = r⁺⊙s⁺_{t−1}                         δ(r⊙s) = δr⊙s⁺_{t−1} + r⁻⊙δs_{t−1}     (h̃'s recurrent input)
 *   s⁺_t = z⁺⊙s⁺_{t−1} + (1 − z⁺)⊙h̃⁺              δs_t = δz⊙(s⁺_{t−1} − h̃⁺) + z⁻⊙δs_{t−1} + (1 − z⁻)⊙δh̃
 * with z⁻ = z⁺ − δz (r⁻ likewise).
 */
import { gatedForward } from '../../bptt/index.js';
import type { FdCell } from '../trajectory.js';
import { gates } from './gates.js';

export const gru: FdCell = (c, ws) => ({
  s: gatedForward(c, ws).s,
  stepper: (d, scope) => {
    const H = c.model.hiddenSize;
    const gate = gates(c, 'gru', d, scope);
    const [rs, drs] = [scope.f64(H), scope.f64(H)];
    return {
      step(b, t, sPrev, dsPrev, s, ds) {
        const z = gate(0, b, t, sPrev, dsPrev, 'σ');
        const r = gate(1, b, t, sPrev, dsPrev, 'σ');
        for (let j = 0; j < H; j++) {
          rs[j] = r.y[j]! * sPrev[j]!; //                                         (r⊙s)⁺
          drs[j] = r.dy[j]! * sPrev[j]! + (r.y[j]! - r.dy[j]!) * dsPrev[j]!; //   δ(r⊙s) = δr s⁺ + r⁻ δs
        }
        const h = gate(2, b, t, rs, drs, 'act'); //                               h̃, from r ⊙ s
        for (let j = 0; j < H; j++) {
          const zp = z.y[j]!;
          const dz = z.dy[j]!;
          s[j] = zp * sPrev[j]! + (1 - zp) * h.y[j]!; //                           s⁺_t
          ds[j] = dz * (sPrev[j]! - h.y[j]!) + (zp - dz) * dsPrev[j]! + (1 - (zp - dz)) * h.dy[j]!; // δs_t
        }
      },
    };
  },
});
