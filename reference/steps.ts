/**
 * The seed's sum over k, term by term, from tf.grad: the model unrolled with a separate copy W_k, U_k,
 * b_k of the recurrent weights at each step k, and a zero "probe" e_k added to each state
 * (s_k = f(a_k) + e_k). Then
 *   ∂L/∂W_k = the contribution of step k to dW (likewise U, b),   ∂L/∂e_k = ∂L/∂s_k (the adjoint).
 * With `outputStep` t the loss is L_t alone, giving the terms ∂L_t/∂W_k of the seed's formula.
 * Gated cells likewise, with a copy of every gate's U_*, W_*, b_* per step; the probe is added to s_k
 * alone (the LSTM's cell state c_k is not probed, so ∂L/∂e_k is the adjoint of s_k through s_k).
 */
import type { Case } from '../src/model/case.js';
import { cellOf, named, type Cell, type CellState } from './cells/index.js';
import { matrixOf, tensorOf, variableOf, vectorOf } from './layout.js';
import { disposeOpsInputs, inputAt, opsInputs, outputLoss } from './ops.js';
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
        const next = cell.step(xU, st, w);
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
