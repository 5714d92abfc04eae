/**
 * The seed's sum over k, term by term, from tf.grad: the model unrolled with a separate copy W_k, U_k,
 * b_k of the recurrent weights at each step k, and a zero "probe" e_k added to each state
 * (s_k = f(a_k) + e_k). Then
 *   ∂L/∂W_k = the contribution of step k to dW (likewise U, b),   ∂L/∂e_k = ∂L/∂s_k (the adjoint).
 * With `outputStep` t the loss is L_t alone, giving the terms ∂L_t/∂W_k of the seed's formula.
 */
import type { Case } from '../src/model/case.js';
import { matrixOf, tensorOf, variableOf, vectorOf } from './layout.js';
import { disposeOpsInputs, opsInputs, outputLoss, stepState } from './ops.js';
import { tf } from './tf.js';

export interface ReferenceSteps {
  loss: number;
  /** ∂L/∂s_t of row b at [(b·T + t)·H, …) */
  ds: Float64Array;
  /** per step k: the contribution of step k to dW, dU and (with bias) db, flattened in math layout */
  contributions: { W: Float64Array; U: Float64Array; b?: Float64Array }[];
}

export async function referenceSteps(c: Case, outputStep?: number): Promise<ReferenceSteps> {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, bias } = c.model;
  const inp = opsInputs(c);
  const copies = Array.from({ length: T }, (_, k) => ({
    U: variableOf(tensorOf(c.params.U!), `U${k}`),
    W: variableOf(tensorOf(c.params.W!), `W${k}`),
    ...(bias ? { b: variableOf(vectorOf(c.params.b!), `b${k}`) } : {}),
  }));
  const probes = Array.from({ length: T }, (_, k) => variableOf(tf.zeros([B, H]), `probe${k}`));
  try {
    const varList = [...copies.flatMap((w) => Object.values(w)), ...probes, ...Object.values(inp.vars)];
    const { value, grads } = tf.variableGrads(() => {
      let s: tf.Tensor = inp.vars.initialState ?? tf.zeros([B, H]);
      const states: tf.Tensor[] = [];
      for (let k = 0; k < T; k++) {
        s = tf.add(stepState(c, inp.xs, k, s, copies[k]!), probes[k]!); // s_k = f(a_k; W_k, U_k, b_k) + e_k
        states.push(s);
      }
      return outputLoss(c, inp, states, outputStep);
    }, varList);
    const ds = new Float64Array(B * T * H);
    for (let k = 0; k < T; k++) {
      const g = await grads[probes[k]!.name]!.data();
      for (let b = 0; b < B; b++) ds.set(g.subarray(b * H, (b + 1) * H), (b * T + k) * H);
    }
    const contributions = [];
    for (const w of copies) {
      contributions.push({
        W: (await matrixOf(grads[w.W.name]!, H, H)).data,
        U: (await matrixOf(grads[w.U.name]!, H, I)).data,
        ...(w.b ? { b: (await matrixOf(grads[w.b.name]!, H, 1)).data } : {}),
      });
    }
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, ds, contributions };
  } finally {
    tf.dispose([...copies.flatMap((w) => Object.values(w)), ...probes]);
    disposeOpsInputs(inp);
  }
}
