/**
 * The seed's sum over k, term by term, from tf.grad: the model unrolled with a separate copy W_k, U_k,
 * b_k of the recurrent weights at each step k, and a zero "probe" e_k added to each state
 * (s_k = f(a_k) + e_k). Then
 *   ∂L/∂W_k = the contribution of step k to dW (likewise U, b),   ∂L/∂e_k = ∂L/∂s_k (the adjoint).
 * With `outputStep` t the loss is L_t alone, giving the terms ∂L_t/∂W_k of the seed's formula.
 * Gated cells likewise, with a copy of every gate's U_*, W_*, b_* per step; the probe is added to s_k
 * alone (the LSTM's cell state c_k is not probed, so ∂L/∂e_k is the adjoint of s_k through s_k).
 *
 * What ∂L/∂e_k is: s_k + e_k is what the output z_k and step k+1 read, so ∂L/∂e_k is the total derivative of L
 * with respect to s_k as a variable, everything after it depending on it and everything before held fixed:
 *   ∂L/∂s_k = Vᵀ dz_k + (∂s_{k+1}/∂s_k)ᵀ ∂L/∂s_{k+1}
 * which is what a student's backward pass calls ds_t (RNN: Vᵀ dz_t + Wᵀ da_{t+1}; LSTM: dh_t = Vᵀ dz_t + dh_next,
 * dh_next = Σ_gates W_*ᵀ da_{*,t+1}) and what PyTorch gives as h_t.grad after retain_grad() on each step's
 * output h_t. For the LSTM, c_k is not a function of s_k, so ∂L/∂s_k has no term through c_k.
 *
 * referenceAdjoints, the subject's adjoints' oracle: only the probes, no copies of the weights. For the LSTM
 * a second zero probe p_k is added to c_k before s_k = o_k ⊙ act(c_k) reads it (cells/lstm.ts CELL_PROBE), so
 *   ∂L/∂p_k = ∂L/∂c_k = ∂L/∂s_k ⊙ o_k ⊙ act′(c_k) + f_{k+1} ⊙ ∂L/∂c_{k+1}
 * the total derivative with c_k a variable (s_k, c_{k+1} and everything after depending on it): a student's dc_t
 * after adding dc_next ⊙ f_{t+1}, PyTorch's c_t.grad.
 */
import type { Case } from '../src/model/case.js';
import { cellOf, named, type Cell, type CellState } from './cells/index.js';
import { matrixOf, tensorOf, variableOf, vectorOf } from './layout.js';
import { disposeOpsInputs, inputAt, opsGradients, opsInputs, outputLoss } from './ops.js';
import { tf } from './tf.js';

export interface ReferenceSteps {
  loss: number;
  /** ∂L/∂s_t of row b at [(b·T + t)·H, …) */
  ds: Float64Array;
  /** per step k: the contribution of step k to dW, dU and (with bias) db, flattened in math layout (gated cells: the
   * gates' W_* one after another in gate order, likewise U_* and b_*) */
  contributions: { W: Float64Array; U: Float64Array; b?: Float64Array }[];
}

/** The names of the recurrent weights whose per-step contributions are checked, grouped as W, U, b (gates in order). */
function recurrentNames(c: Case, cell: Cell): { W: string[]; U: string[]; b: string[] } {
  const all = (p: string) => cell.gates.map((g) => named(p, g));
  return { W: all('W'), U: all('U'), b: c.model.bias ? all('b') : [] };
}

export async function referenceSteps(c: Case, outputStep?: number): Promise<ReferenceSteps> {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const cell = cellOf(c.model);
  const names = recurrentNames(c, cell);
  const inp = opsInputs(c);
  const vectors = new Set(names.b);
  const copies = Array.from({ length: T }, (_, k) =>
    Object.fromEntries(
      [...names.W, ...names.U, ...names.b].map((n) => [
        n,
        variableOf(vectors.has(n) ? vectorOf(c.params[n]!) : tensorOf(c.params[n]!), `${n}@${k}`),
      ]),
    ),
  );
  const probes = Array.from({ length: T }, (_, k) => variableOf(tf.zeros([B, H]), `probe${k}`));
  try {
    const varList = [...copies.flatMap((w) => Object.values(w)), ...probes, ...Object.values(inp.vars)];
    const { value, grads } = tf.variableGrads(() => {
      let st: CellState = {
        s: inp.vars.initialState ?? tf.zeros([B, H]),
        ...(cell.cellState ? { c: tf.zeros([B, H]) } : {}),
      };
      const states: tf.Tensor[] = [];
      for (let k = 0; k < T; k++) {
        const w = copies[k]!; //                            s_k = (the cell's step with W_k, U_k, b_k) + e_k
        const x = inputAt(c, inp.xs, k);
        const xU = (g: string) => tf.matMul(x, w[named('U', g)]!, false, true); // x_k U_{*,k}ᵀ, step k's copy
        const next = cell.step(xU, st, { ...inp.vars, ...w }); // step k's copies over the rest (b_Wh of the GRU with the reset after)
        st = { ...next, s: tf.add(next.s, probes[k]!) };
        states.push(st.s);
      }
      return outputLoss(c, inp, states, outputStep);
    }, varList);
    const ds = new Float64Array(B * T * H);
    for (let k = 0; k < T; k++) {
      const g = await grads[probes[k]!.name]!.data();
      for (let b = 0; b < B; b++) ds.set(g.subarray(b * H, (b + 1) * H), (b * T + k) * H);
    }
    const joined = async (w: Record<string, tf.Variable>, group: string[]) => {
      const parts = [];
      for (const n of group)
        parts.push((await matrixOf(grads[w[n]!.name]!, c.params[n]!.rows, c.params[n]!.cols)).data);
      const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
      parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
      return out;
    };
    const contributions = [];
    for (const w of copies)
      contributions.push({
        W: await joined(w, names.W),
        U: await joined(w, names.U),
        ...(names.b.length ? { b: await joined(w, names.b) } : {}),
      });
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, ds, contributions };
  } finally {
    tf.dispose([...copies.flatMap((w) => Object.values(w)), ...probes]);
    disposeOpsInputs(inp);
  }
}

export interface ReferenceAdjoints {
  loss: number;
  /** ∂L/∂s_t of row b at [(b·T + t)·H, …) */
  s: Float64Array;
  /** the LSTM's ∂L/∂c_t, same layout */
  c?: Float64Array;
}

/**
 * ∂L/∂s_t (and the LSTM's ∂L/∂c_t) of every row and step, by tf.grad with respect to zero probes: full BPTT,
 * L = Σ_t L_t. The probes ride on the tfjs-ops model (ops.ts stateProbes), which gives the gradients alongside.
 */
export async function referenceAdjoints(c: Case): Promise<ReferenceAdjoints> {
  const g = await opsGradients(c, { adjoints: true });
  return { loss: g.loss, ...g.adjoints! };
}
