/**
 * The cases the localisation by experiment (localise.ts) builds from a failing one: a prefix of its steps,
 * some of its batch rows, a row reversed in time, without its initial state or its biases, and smaller
 * sizes. Each is a consistent model: the parameters of a smaller case are the leading sub-blocks of the
 * case's own (U, W, V, b, c, and for the gated cells every gate's U_*, W_*, b_* alike).
 */
import type { Case } from '../model/case.js';
import { NO_TARGET } from '../model/loss.js';
import type { Matrix } from '../model/matrix.js';
import { paramSpecs, type ModelConfig } from '../model/spec.js';

/** The sizes the localisation shrinks, and what it may drop. */
export interface CaseShape {
  B: number;
  T: number;
  H: number;
  I: number;
  K: number;
  bias: boolean;
  initialState: boolean;
}

export const shapeOf = (c: Case): CaseShape => ({
  B: c.batch,
  T: c.steps,
  H: c.model.hiddenSize,
  I: c.model.inputSize,
  K: c.model.outputSize,
  bias: c.model.bias,
  initialState: c.initialState !== null,
});

/** The leading rows×cols block of a matrix. */
function leading(m: Matrix, rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) data.set(m.data.subarray(i * m.cols, i * m.cols + cols), i * cols);
  return { rows, cols, data };
}

/**
 * The case cut to a shape no larger than its own: the leading B rows, T steps, H hidden units, I inputs and
 * K classes (token ids and targets taken modulo the new I and K), without biases or initial state when the
 * shape drops them. `rows` picks the batch rows (default 0 … B−1).
 */
export function cutCase(c: Case, s: CaseShape, id: string, rows?: readonly number[]): Case {
  const picked = rows ?? Array.from({ length: s.B }, (_, b) => b);
  const T0 = c.steps;
  const I0 = c.model.inputSize;
  const model: ModelConfig = { ...c.model, hiddenSize: s.H, inputSize: s.I, outputSize: s.K, bias: s.bias };
  const params: Record<string, Matrix> = {};
  for (const spec of paramSpecs(model)) params[spec.name] = leading(c.params[spec.name]!, spec.rows, spec.cols);
  const B = picked.length;
  const tokens = c.tokens ? new Int32Array(B * s.T) : null;
  const vectors = c.vectors ? new Float64Array(B * s.T * s.I) : null;
  const targets = new Int32Array(B * s.T);
  picked.forEach((from, b) => {
    for (let t = 0; t < s.T; t++) {
      const y = c.targets[from * T0 + t]!;
      targets[b * s.T + t] = y === NO_TARGET ? NO_TARGET : y % s.K; // a null target stays null
      if (tokens) tokens[b * s.T + t] = c.tokens![from * T0 + t]! % s.I;
      if (vectors) {
        const at = (from * T0 + t) * I0;
        vectors.set(c.vectors!.subarray(at, at + s.I), (b * s.T + t) * s.I);
      }
    }
  });
  let initialState: Matrix | null = null;
  if (s.initialState && c.initialState) {
    const H0 = c.initialState.cols;
    const data = new Float64Array(B * s.H);
    picked.forEach((from, b) => data.set(c.initialState!.data.subarray(from * H0, from * H0 + s.H), b * s.H));
    initialState = { rows: B, cols: s.H, data };
  }
  const kept = {
    ...(c.reduction ? { reduction: c.reduction } : {}),
    ...(c.conventions ? { conventions: c.conventions } : {}),
  };
  return { id, model, batch: B, steps: s.T, params, tokens, vectors, targets, initialState, ...kept };
}

/** The first T′ steps of every row's inputs and targets (1 ≤ T′ ≤ T), the rest of the case as it is. */
export function prefixCase(c: Case, steps: number): Case {
  if (!Number.isInteger(steps) || steps < 1 || steps > c.steps)
    throw new RangeError(`prefixCase: ${steps} steps of a case of ${c.steps}`);
  return cutCase(c, { ...shapeOf(c), T: steps }, `${c.id}-T${steps}`);
}

/** Some of the case's batch rows, in the order given. */
export const rowsCase = (c: Case, rows: readonly number[]): Case =>
  cutCase(c, { ...shapeOf(c), B: rows.length }, `${c.id}-rows${rows.join('.')}`, rows);

/**
 * A case of one row made two: row 0, then row 0 reversed in time (its inputs and its targets; the same
 * initial state), so that the two sequences differ and a state carried from one to the next shows.
 */
export function withReversedRow(c: Case): Case {
  const one = rowsCase(c, [0]);
  const T = one.steps;
  const I = one.model.inputSize;
  const rev = <A extends Int32Array | Float64Array>(a: A, width: number): A => {
    const out = new (a.constructor as new (n: number) => A)(2 * T * width);
    out.set(a.subarray(0, T * width));
    for (let t = 0; t < T; t++) out.set(a.subarray((T - 1 - t) * width, (T - t) * width), (T + t) * width);
    return out;
  };
  const init = one.initialState;
  return {
    ...one,
    id: `${c.id}-row0+reversed`,
    batch: 2,
    tokens: one.tokens ? rev(one.tokens, 1) : null,
    vectors: one.vectors ? rev(one.vectors, I) : null,
    targets: rev(one.targets, 1),
    initialState: init ? { rows: 2, cols: init.cols, data: Float64Array.from([...init.data, ...init.data]) } : null,
  };
}
