/**
 * L(θ⁺) − L(θ⁻) for the gated cells, carried through one forward pass as fd-forward.ts does for the RNN:
 * the θ⁺ trajectory runs, and beside it the difference of the two trajectories (δx = x⁺ − x⁻), each formula
 * written so that nothing of size x is subtracted from something of size x. With Δ = θ⁺ − θ⁻:
 *   δa_*  = W_*⁻ δs_{t−1} + Δ(W_* s⁺_{t−1} + U_* x_t + b_*)                 (GRU h̃: W_h⁻ δ(r⊙s) + …)
 *   δσ    = σ(a⁺) − σ(a⁻): sigmoid as fd-forward.ts; hardSigmoid 0.2·δa inside the ramp (else direct)
 *   δ(u⊙v) = δu⊙v⁺ + u⁻⊙δv                                                  (every product of the cells)
 * LSTM: δc_t = δf⊙c⁺_{t−1} + f⁻⊙δc_{t−1} + δi⊙g⁺ + i⁻⊙δg,  δs_t = δo⊙act(c⁺_t) + o⁻⊙δact(c_t)
 * GRU:  δs_t = δz⊙(s⁺_{t−1} − h̃⁺) + z⁻⊙δs_{t−1} + (1 − z⁻)⊙δh̃
 * then the output layer's L⁺_t − L⁻_t as for the RNN. The caller holds the perturbed tensor at θ⁻.
 */
import { sigma, type GatedCache } from '../bptt/index.js';
import type { Case } from '../model/case.js';
import { GATES, type RecurrentActivation } from '../model/spec.js';
import type { Workspace } from '../kernels/heap.js';
import {
  activate,
  activationDifference,
  cachedStates,
  outputScratch,
  preActivationDifference,
  seedStates,
  stepLossDifference,
  type Delta,
  type Layer,
} from './forward.js';

/** δσ = σ(a⁺) − σ(a⁻), a⁻ = a⁺ − δa, given y⁺ = σ(a⁺): sigmoid as fd-forward.ts; hardSigmoid 0.2·δa inside the ramp. */
function sigmaDifference(kind: RecurrentActivation, aPlus: number, da: number, yPlus: number): number {
  if (kind === 'sigmoid') return (-Math.expm1(-da) * yPlus) / (1 + Math.exp(aPlus - da));
  const aMinus = aPlus - da; //                                                  on the ramp: |0.2a| ≤ 0.5
  return Math.abs(0.2 * aPlus) <= 0.5 && Math.abs(0.2 * aMinus) <= 0.5 ? 0.2 * da : yPlus - sigma(kind, aMinus);
}

/**
 * Σ_{b in rows} Σ_{t ≥ t0} (L⁺_t − L⁻_t) for a gated case that holds θ⁻; `cache` is a forward pass that agrees
 * with θ± before step t0 (s_{t0−1} and c_{t0−1} are taken from it, except for a perturbed s₋₁).
 */
export function gatedLossDifference(
  c: Case,
  cache: GatedCache,
  d: Delta,
  t0: number,
  rows: readonly [number, number],
  ws: Workspace,
): number {
  const lstm = c.model.cell === 'lstm';
  const gates = GATES[c.model.cell as 'lstm' | 'gru'];
  const T = c.steps;
  const { hiddenSize: H, activation, bias } = c.model;
  const rec = c.model.recurrentActivation ?? 'hardSigmoid';
  const P = c.params;
  const out = outputScratch(c, ws);
  const buf = () => ws.f64(H); // in the kernels' heap when oracle.ts runs this there
  const [sPrev, dsPrev, cPrev, dcPrev, s, ds, cNow, dcNow] = [
    buf(),
    buf(),
    buf(),
    buf(),
    buf(),
    buf(),
    buf(),
    buf(),
  ] as const; // s⁺, δs, c⁺, δc: previous step and this one
  const [a, da, corr, rs, drs, act, dact] = [buf(), buf(), buf(), buf(), buf(), buf(), buf()] as const;
  const gate = gates.map(() => ({ y: buf(), dy: buf() })); // each gate's σ(a⁺) or act(a⁺), and its δ

  const layers: Layer[] = gates.map((g) => ({
    W: P[`W_${g}`]!,
    U: P[`U_${g}`]!,
    b: bias ? P[`b_${g}`]! : null,
    names: { W: `W_${g}`, U: `U_${g}`, b: `b_${g}` },
  }));
  /** a⁺ and δa of gate k, whose recurrent input is v⁺ (δv). */
  const preActivation = (k: number, b: number, t: number, v: Float64Array, dv: Float64Array) =>
    preActivationDifference(c, d, layers[k]!, b, t, v, dv, a, da, corr);
  /** The gate's output and its δ, from a⁺ and δa (σ, or act for the LSTM's g and the GRU's h̃). */
  const gateOutput = (k: number, useAct: boolean) => {
    const { y: yk, dy: dyk } = gate[k]!;
    if (useAct) {
      activate(activation, a, yk);
      activationDifference(activation, a, da, yk, dyk);
    } else {
      for (let i = 0; i < H; i++) {
        yk[i] = sigma(rec, a[i]!);
        dyk[i] = sigmaDifference(rec, a[i]!, da[i]!, yk[i]!);
      }
    }
  };

  const statesFixed = d.tensor === 'V' || d.tensor === 'c'; // the output layer does not change the states
  let total = 0;
  for (let b = rows[0]; b < rows[1]; b++) {
    const base = b * (T + 1) * H;
    seedStates(c, cache.s, d, b, t0, sPrev, dsPrev);
    cPrev.fill(0); //                                                   c₋₁ = 0, and a perturbation of s₋₁ leaves it so
    dcPrev.fill(0);
    if (lstm && d.tensor !== 'initialState') cPrev.set(cache.c.subarray(base + t0 * H, base + (t0 + 1) * H));
    for (let t = t0; t < T; t++) {
      if (statesFixed) cachedStates(c, cache.s, b, t, s, ds);
      else if (lstm) {
        for (let k = 0; k < 4; k++) {
          preActivation(k, b, t, sPrev, dsPrev);
          gateOutput(k, k === 2); //                                              g = act(a_g), the others σ
        }
        const [gi, gf, gg, go] = gate as [(typeof gate)[0], (typeof gate)[0], (typeof gate)[0], (typeof gate)[0]];
        for (let j = 0; j < H; j++) {
          cNow[j] = gf.y[j]! * cPrev[j]! + gi.y[j]! * gg.y[j]!; //                c⁺_t
          const fm = gf.y[j]! - gf.dy[j]!; //                                     f⁻ (and i⁻ below)
          const im = gi.y[j]! - gi.dy[j]!;
          dcNow[j] = gf.dy[j]! * cPrev[j]! + fm * dcPrev[j]! + gi.dy[j]! * gg.y[j]! + im * gg.dy[j]!; // δc_t
        }
        activate(activation, cNow, act);
        activationDifference(activation, cNow, dcNow, act, dact); //             δact(c_t)
        for (let j = 0; j < H; j++) {
          s[j] = go.y[j]! * act[j]!; //                                           s⁺_t = o⁺ act(c⁺_t)
          ds[j] = go.dy[j]! * act[j]! + (go.y[j]! - go.dy[j]!) * dact[j]!; //     δs_t = δo act(c⁺) + o⁻ δact
        }
      } else {
        preActivation(0, b, t, sPrev, dsPrev); //                                z
        gateOutput(0, false);
        preActivation(1, b, t, sPrev, dsPrev); //                                r
        gateOutput(1, false);
        const [gz, gr] = gate as [(typeof gate)[0], (typeof gate)[0]];
        for (let j = 0; j < H; j++) {
          rs[j] = gr.y[j]! * sPrev[j]!; //                                        (r⊙s)⁺
          drs[j] = gr.dy[j]! * sPrev[j]! + (gr.y[j]! - gr.dy[j]!) * dsPrev[j]!; // δ(r⊙s) = δr s⁺ + r⁻ δs
        }
        preActivation(2, b, t, rs, drs); //                                      h̃, from r ⊙ s
        gateOutput(2, true);
        const gh = gate[2]!;
        for (let j = 0; j < H; j++) {
          const z = gz.y[j]!;
          const dz = gz.dy[j]!;
          s[j] = z * sPrev[j]! + (1 - z) * gh.y[j]!; //                            s⁺_t
          ds[j] = dz * (sPrev[j]! - gh.y[j]!) + (z - dz) * dsPrev[j]! + (1 - (z - dz)) * gh.dy[j]!; // δs_t
        }
      }
      total += stepLossDifference(c, d, b, t, s, ds, out);
      sPrev.set(s);
      dsPrev.set(ds);
      cPrev.set(cNow);
      dcPrev.set(dcNow);
    }
  }
  return total;
}
