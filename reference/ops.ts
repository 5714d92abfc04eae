/**
 * Oracle 2, "tfjs-ops": the same model from raw tf ops, the cell's step from cells/*, with variables in
 * math layout, one per parameter (no layout conversion at all, so a transposition mistake in layout.ts
 * cannot hide here):
 *   s_t = the cell's step (RNN: f(x_t Uᵀ + s_{t−1} Wᵀ [+ b]), row vectors),  z_t = V s_t [+ c],
 *   L = −Σ_bt w_bt onehot(y_bt) · logSoftmax(z_bt),  w_bt = scale · m_bt (layout.ts lossWeights: mask, reduction)
 * Gradients from tf.variableGrads. tfjs has no stopGradient: a detached state is a fresh tensor made
 * from the values, which the gradient tape does not connect to anything. The LSTM's cell state c is
 * treated like s:
 *   detachEvery k: the state (s, c) entering steps k, 2k, … is such a fresh tensor;
 *   truncate k:    output t is recomputed from a fresh copy of (s, c)_{t−k−1} (or from s₋₁ itself and
 *                  c₋₁ = 0 when t − k ≤ 0) through steps max(0, t−k) … t.
 */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import type { Matrix } from '../src/model/matrix.js';
import { paramSpecs } from '../src/model/spec.js';
import { cellOf, named, type Cell, type CellState, type GateInput } from './cells/index.js';
import { CELL_PROBE } from './cells/lstm.js';
import { clipInTf, type ReferenceOptions } from './clip.js';
import { inputTensor, lossWeights, matrixOf, targetTensor, tensorOf, variableOf, vectorOf } from './layout.js';
import { tf } from './tf.js';

/** The tensors of one case for the ops model. Dispose with disposeOpsInputs. */
export interface OpsInputs {
  vars: Record<string, tf.Variable>;
  /** x_t for every t, B×T×I (one-hot rows for tokens: tf.gather's gradient is missing on wasm) */
  xs: tf.Tensor3D;
  /** (B·T)×K one-hot targets, rows in (b, t) order */
  y: tf.Tensor2D;
}

export function opsInputs(c: Case): OpsInputs {
  const vars: Record<string, tf.Variable> = {};
  const vectors = new Set(
    paramSpecs(c.model)
      .filter((s) => s.vector)
      .map((s) => s.name),
  ); // b, c, b_*
  for (const [name, m] of Object.entries(c.params))
    vars[name] = variableOf(vectors.has(name) ? vectorOf(m) : tensorOf(m), name);
  if (c.initialState) vars.initialState = variableOf(tensorOf(c.initialState), 'initialState');
  return { vars, xs: inputTensor(c), y: targetTensor(c) };
}

export function disposeOpsInputs(inp: OpsInputs): void {
  tf.dispose([inp.xs, inp.y, ...Object.values(inp.vars)]);
}

/** x_t for the B rows at once, B×I. */
export function inputAt(c: Case, xs: tf.Tensor3D, t: number): tf.Tensor {
  return tf.reshape(tf.slice(xs, [0, t, 0], [c.batch, 1, c.model.inputSize]), [c.batch, c.model.inputSize]);
}

/**
 * x_t Uᵀ for every step, as T tensors B×H: one product instead of one per step, split by unstack (whose
 * gradient is one stack, where T slices would each scatter into a zero B×T×H tensor). At T = 1 the product
 * is the one step's term as it is: tfjs 4.22's unstack gradient throws for a single output (the engine hands
 * it dy as one tensor, and stack wants an array), so no unstack of a length-1 axis may be on the tape.
 */
export function inputTerms(c: Case, xs: tf.Tensor3D, U: tf.Tensor): tf.Tensor[] {
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H } = c.model;
  const xU = tf.matMul(tf.reshape(xs, [B * T, I]), U, false, true); // rows in (b, t) order
  return T === 1 ? [xU] : tf.unstack(tf.reshape(xU, [B, T, H]), 1);
}

/** Σ over the (b, t) rows of w_bt (−log softmax(V s_t [+ c])[y]), w = lossWeights; `states[t]` is B×H. */
export function outputLoss(c: Case, inp: OpsInputs, states: tf.Tensor[], only?: number): tf.Scalar {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const S = tf.reshape(tf.stack(states, 1), [B * T, H]); // rows in (b, t) order, to match the targets
  let z = tf.matMul(S, inp.vars.V!, false, true); //        s_t Vᵀ
  if (inp.vars.c) z = tf.add(z, inp.vars.c);
  const perRow = tf.neg(tf.sum(tf.mul(inp.y, tf.logSoftmax(z)), 1)); // L_t of every (b, t)
  return tf.sum(tf.mul(perRow, tf.tensor1d(lossWeights(c, only)))) as tf.Scalar; // Σ w_bt L_bt
}

/** The gradients of variables kept in math layout, clipped as asked, as float64 matrices; disposes the tensors. */
export async function readGradients(
  vars: Record<string, tf.Variable>,
  value: tf.Scalar,
  grads: tf.NamedTensorMap,
  opts: ReferenceOptions,
): Promise<Gradients> {
  const tensors: Record<string, Matrix> = {};
  const { grads: clipped, normBefore, normAfter } = clipInTf(grads, vars, opts);
  for (const [name, v] of Object.entries(vars)) {
    const shape = v.shape.length === 1 ? [v.shape[0]!, 1] : v.shape;
    tensors[name] = await matrixOf(clipped[v.name]!, shape[0]!, shape[1]!);
  }
  const loss = (await value.data())[0]!;
  tf.dispose([value, ...Object.values(grads), ...Object.values(clipped)]);
  return { loss, tensors, ...(normBefore !== undefined ? { clip: { normBefore, normAfter: normAfter! } } : {}) };
}

/** Zero probes e_t on every state s_t (and, for the LSTM, p_t on c_t: cells/lstm.ts CELL_PROBE), as variables. */
export interface StateProbes {
  s: tf.Variable[];
  c: tf.Variable[];
  /** what step t's weights add: the LSTM's probe of c_t */
  cell(t: number): Record<string, tf.Variable>;
}

export function stateProbes(c: Case, cell: Cell): StateProbes {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const s = Array.from({ length: T }, (_, k) => variableOf(tf.zeros([B, H]), `probe${k}`));
  const cs = cell.cellState ? Array.from({ length: T }, (_, k) => variableOf(tf.zeros([B, H]), `probeC${k}`)) : [];
  const none: Record<string, tf.Variable> = {};
  return { s, c: cs, cell: (t) => (cs.length ? { [CELL_PROBE]: cs[t]! } : none) };
}

/** ∂L/∂s_t (and ∂L/∂c_t) from the probes' gradients: row b, step t at [(b·T + t)·H, …). */
export async function readProbes(
  c: Case,
  grads: tf.NamedTensorMap,
  probes: StateProbes,
): Promise<{ s: Float64Array; c?: Float64Array }> {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const read = async (ps: tf.Variable[]) => {
    const out = new Float64Array(B * T * H);
    for (let k = 0; k < T; k++) {
      const g = await grads[ps[k]!.name]!.data();
      for (let b = 0; b < B; b++) out.set(g.subarray(b * H, (b + 1) * H), (b * T + k) * H);
    }
    return out;
  };
  const s = await read(probes.s);
  return probes.c.length ? { s, c: await read(probes.c) } : { s };
}

export const detach = (s: tf.Tensor) => tf.tensor(s.dataSync(), s.shape); // a fresh tensor: no gradient flows through

const detachState = (st: CellState): CellState => ({ s: detach(st.s), ...(st.c ? { c: detach(st.c) } : {}) });

export async function opsGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  const { batch: B, steps: T } = c;
  const H = c.model.hiddenSize;
  const cell = cellOf(c.model);
  const inp = opsInputs(c);
  const { vars, xs } = inp;
  // the adjoints too, from zero probes on the states (steps.ts says why ∂L/∂e_t is ∂L/∂s_t): full BPTT only
  const probes =
    opts.adjoints && opts.truncate === undefined && opts.detachEvery === undefined ? stateProbes(c, cell) : undefined;
  try {
    const { value, grads } = tf.variableGrads(() => {
      // x_t U_*ᵀ of every gate, all steps in one product each
      const terms = Object.fromEntries(cell.gates.map((g) => [g, inputTerms(c, xs, vars[named('U', g)]!)]));
      const at =
        (t: number): GateInput =>
        (g) =>
          terms[g]![t]!;
      const start: CellState = {
        s: vars.initialState ?? tf.zeros([B, H]),
        ...(cell.cellState ? { c: tf.zeros([B, H]) } : {}), // c₋₁ = 0
      };
      const states: CellState[] = [];
      let st = start;
      for (let t = 0; t < T; t++) {
        if (opts.detachEvery !== undefined && t > 0 && t % opts.detachEvery === 0) st = detachState(st);
        st = cell.step(at(t), st, probes ? { ...vars, ...probes.cell(t) } : vars);
        if (probes) st = { ...st, s: tf.add(st.s, probes.s[t]!) }; //   s_t + e_t: ∂L/∂e_t = ∂L/∂s_t
        states.push(st);
      }
      if (opts.truncate === undefined)
        return outputLoss(
          c,
          inp,
          states.map((x) => x.s),
          opts.outputStep,
        );
      // output t sees only steps max(0, t−k) … t, recomputed from a detached (s, c)_{t−k−1}
      const k = opts.truncate;
      const windowed = states.map((_, t) => {
        let sw = t - k <= 0 ? start : detachState(states[t - k - 1]!);
        for (let j = Math.max(0, t - k); j <= t; j++) sw = cell.step(at(j), sw, vars);
        return sw.s;
      });
      return outputLoss(c, inp, windowed, opts.outputStep);
    }, [...Object.values(vars), ...(probes ? [...probes.s, ...probes.c] : [])]);
    const adjoints = probes ? await readProbes(c, grads, probes) : undefined;
    const g = await readGradients(vars, value, grads, opts);
    return adjoints ? { ...g, adjoints } : g;
  } finally {
    disposeOpsInputs(inp);
    if (probes) tf.dispose([...probes.s, ...probes.c]);
  }
}
