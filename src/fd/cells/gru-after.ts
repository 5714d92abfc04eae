/**
 * The two trajectories of the GRU with the reset after the recurrent product (model.gruReset 'after'):
 * z, r as gates.ts; h̃'s pre-activation has two parts, u = U_h x_t + b_h and q = W_h s_{t−1} + b_Wh:
 *   u⁺ = U_h⁻ x_t + b_h⁻ + Δ(U_h x_t + b_h)              δu = Δ(U_h x_t + b_h)
 *   q⁺ = W_h⁻ s⁺_{t−1} + b_Wh⁻ + Δ(W_h s⁺_{t−1} + b_Wh)  δq = W_h⁻ δs_{t−1} + Δ(W_h s⁺_{t−1} + b_Wh)
 *   a⁺_h = u⁺ + r⁺⊙q⁺                                    δa_h = δu + δr⊙q⁺ + r⁻⊙δq
 *   h̃⁺ = act(a⁺_h), δh̃ = act(a⁺_h) − act(a⁻_h) (difference.ts)
 *   s⁺_t = z⁺⊙s⁺_{t−1} + (1 − z⁺)⊙h̃⁺                      δs_t = δz⊙(s⁺_{t−1} − h̃⁺) + z⁻⊙δs_{t−1} + (1 − z⁻)⊙δh̃
 * with z⁻ = z⁺ − δz (r⁻ likewise); Δ(…) is zero unless the perturbed tensor is one of those named.
 */
import { addInput, gatedForward } from '../../bptt/index.js';
import { matVecAdd } from '../../kernels/kernels.js';
import { activate, activationDifference, deltaTimes } from '../difference.js';
import type { FdCell } from '../trajectory.js';
import { gates } from './gates.js';

export const gruAfter: FdCell = (c, ws) => ({
  s: gatedForward(c, ws).s,
  stepper: (d, scope) => {
    const { inputSize: I, hiddenSize: H, activation, bias } = c.model;
    const P = c.params;
    const gate = gates(c, 'gru', d, scope);
    const [u, q, dq, a, da, h, dh] = [
      scope.f64(H),
      scope.f64(H),
      scope.f64(H),
      scope.f64(H),
      scope.f64(H),
      scope.f64(H),
      scope.f64(H),
    ];
    return {
      step(b, t, sPrev, dsPrev, s, ds) {
        const z = gate(0, b, t, sPrev, dsPrev, 'σ');
        const r = gate(1, b, t, sPrev, dsPrev, 'σ');
        // u⁺ = U_h⁻ x_t + b_h⁻, q⁺ = W_h⁻ s⁺ + b_Wh⁻, δq = W_h⁻ δs
        if (bias) u.set(P.b_h!.data);
        else u.fill(0);
        addInput(c, b, t, u, P.U_h!);
        if (bias) q.set(P.b_Wh!.data);
        else q.fill(0);
        matVecAdd(P.W_h!, sPrev, q);
        dq.fill(0);
        matVecAdd(P.W_h!, dsPrev, dq);
        da.fill(0); //                                                             δu, then δa_h
        if (d.tensor === 'W_h') {
          deltaTimes(d, H, sPrev, dq); //                                          Δ(W_h s⁺) into δq …
          deltaTimes(d, H, sPrev, q); //                                           … and q⁺
        } else if (d.tensor === 'b_Wh')
          for (const k of d.nonzero) {
            q[k]! += d.data[k]!;
            dq[k]! += d.data[k]!;
          }
        else if (d.tensor === 'b_h')
          for (const k of d.nonzero) da[k]! += d.data[k]!; // Δb_h into δu
        else if (d.tensor === 'U_h') {
          if (c.tokens) {
            const x = c.tokens[b * c.steps + t]!;
            for (const k of d.nonzero) if (k % I === x) da[Math.floor(k / I)]! += d.data[k]!; // Δ(U_h x_t), x_t one-hot
          } else deltaTimes(d, I, c.vectors!.subarray((b * c.steps + t) * I, (b * c.steps + t + 1) * I), da);
        }
        for (let j = 0; j < H; j++) {
          const rp = r.y[j]!;
          a[j] = u[j]! + da[j]! + rp * q[j]!; //                                  a⁺_h = u⁺ + r⁺ q⁺
          da[j]! += r.dy[j]! * q[j]! + (rp - r.dy[j]!) * dq[j]!; //               δa_h = δu + δr q⁺ + r⁻ δq
        }
        activate(activation, a, h); //                                            h̃⁺ = act(a⁺_h)
        activationDifference(activation, a, da, h, dh); //                        δh̃
        for (let j = 0; j < H; j++) {
          const zp = z.y[j]!;
          const dz = z.dy[j]!;
          s[j] = zp * sPrev[j]! + (1 - zp) * h[j]!; //                             s⁺_t
          ds[j] = dz * (sPrev[j]! - h[j]!) + (zp - dz) * dsPrev[j]! + (1 - (zp - dz)) * dh[j]!; // δs_t
        }
      },
    };
  },
});
