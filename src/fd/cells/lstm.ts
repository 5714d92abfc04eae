/**
 * The LSTM's two trajectories (gates i, f, g, o: gates.ts), its cell state c carried beside s:
 *   c⁺_t = f⁺⊙c⁺_{t−1} + i⁺⊙g⁺                  δc_t = δf⊙c⁺_{t−1} + f⁻⊙δc_{t−1} + δi⊙g⁺ + i⁻⊙δg
 *   s⁺_t = o⁺⊙act(c⁺_t)                          δs_t = δo⊙act(c⁺_t) + o⁻⊙δact(c_t)
 * with f⁻ = f⁺ − δf (i⁻, o⁻ likewise); c₋₁ = 0 and δc₋₁ = 0 (a perturbation of s₋₁ leaves c₋₁ as it is).
 */
import { gatedForward } from '../../bptt/index.js';
import { activate, activationDifference } from '../difference.js';
import type { FdCell } from '../trajectory.js';
import { gates } from './gates.js';

export const lstm: FdCell = (c, ws) => {
  const cache = gatedForward(c, ws);
  return {
    s: cache.s,
    stepper: (d, scope) => {
      const { hiddenSize: H, activation } = c.model;
      const gate = gates(c, 'lstm', d, scope);
      let [cPrev, dcPrev, cNow, dcNow] = [scope.f64(H), scope.f64(H), scope.f64(H), scope.f64(H)]; // c⁺, δc: previous step and this one
      const [act, dact] = [scope.f64(H), scope.f64(H)]; //                                 act(c⁺_t), δact(c_t)
      return {
        start(b, t0) {
          const at = (b * (c.steps + 1) + t0) * H; //                           c_{t0−1} of row b (c₋₁ = 0 first)
          cPrev.set(cache.c.subarray(at, at + H));
          dcPrev.fill(0);
        },
        step(b, t, sPrev, dsPrev, s, ds) {
          const i = gate(0, b, t, sPrev, dsPrev, 'σ');
          const f = gate(1, b, t, sPrev, dsPrev, 'σ');
          const g = gate(2, b, t, sPrev, dsPrev, 'act');
          const o = gate(3, b, t, sPrev, dsPrev, 'σ');
          for (let j = 0; j < H; j++) {
            cNow[j] = f.y[j]! * cPrev[j]! + i.y[j]! * g.y[j]!; //                 c⁺_t
            const fm = f.y[j]! - f.dy[j]!; //                                     f⁻ (and i⁻ below)
            const im = i.y[j]! - i.dy[j]!;
            dcNow[j] = f.dy[j]! * cPrev[j]! + fm * dcPrev[j]! + i.dy[j]! * g.y[j]! + im * g.dy[j]!; // δc_t
          }
          activate(activation, cNow, act);
          activationDifference(activation, cNow, dcNow, act, dact); //            δact(c_t)
          for (let j = 0; j < H; j++) {
            s[j] = o.y[j]! * act[j]!; //                                          s⁺_t = o⁺ act(c⁺_t)
            ds[j] = o.dy[j]! * act[j]! + (o.y[j]! - o.dy[j]!) * dact[j]!; //      δs_t = δo act(c⁺) + o⁻ δact
          }
          [cPrev, cNow] = [cNow, cPrev];
          [dcPrev, dcNow] = [dcNow, dcPrev];
        },
      };
    },
  };
};
