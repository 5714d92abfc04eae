/**
 * The plain RNN's two trajectories, one layer a = W s_{t−1} + U x_t [+ b] (difference.ts):
 *   a⁺_t = W⁻ s⁺_{t−1} + U⁻ x_t + b⁻ + Δ(W s⁺_{t−1} + U x_t + b)          (θ⁺ = θ⁻ + Δ)
 *   δa_t = a⁺_t − a⁻_t = W⁻ δs_{t−1} + Δ(W s⁺_{t−1} + U x_t + b)
 *   s⁺_t = f(a⁺_t),  δs_t = f(a⁺_t) − f(a⁻_t)
 */
import { forward } from '../../bptt/index.js';
import { activate, activationDifference, preActivationDifference, type Layer } from '../difference.js';
import type { FdCell } from '../trajectory.js';

export const rnn: FdCell = (c, ws) => ({
  s: forward(c, ws).s,
  stepper: (d, scope) => {
    const { hiddenSize: H, activation, bias } = c.model;
    const layer: Layer = {
      W: c.params.W!,
      U: c.params.U!,
      b: bias ? c.params.b! : null,
      names: { W: 'W', U: 'U', b: 'b' },
    };
    const [a, da, corr] = [scope.f64(H), scope.f64(H), scope.f64(H)];
    return {
      step(b, t, sPrev, dsPrev, s, ds) {
        preActivationDifference(c, d, layer, b, t, sPrev, dsPrev, a, da, corr); // a⁺, δa
        activate(activation, a, s); //                                            s⁺ = f(a⁺)
        activationDifference(activation, a, da, s, ds); //                       δs = f(a⁺) − f(a⁻)
      },
    };
  },
});
