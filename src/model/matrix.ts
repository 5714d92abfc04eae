/**
 * The one matrix type of the project: row-major float64, element (i, j) at data[i * cols + j].
 * Vectors (b, c) are matrices with one column.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function fromNested(rows: readonly (readonly number[])[]): Matrix {
  const r = rows.length;
  const c = rows[0]?.length ?? 0;
  const data = new Float64Array(r * c);
  rows.forEach((row, i) => data.set(row, i * c));
  return { rows: r, cols: c, data };
}

export function fromVector(values: readonly number[]): Matrix {
  return { rows: values.length, cols: 1, data: Float64Array.from(values) };
}

export function toNested(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function toVector(m: Matrix): number[] {
  return Array.from(m.data);
}

export function transpose(m: Matrix): Matrix {
  const out = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  return out;
}

/** The matrices one above the other (all with the same number of columns). */
export function stackRows(ms: readonly Matrix[]): Matrix {
  const out = zeros(
    ms.reduce((n, m) => n + m.rows, 0),
    ms[0]!.cols,
  );
  let at = 0;
  for (const m of ms) {
    out.data.set(m.data, at);
    at += m.data.length;
  }
  return out;
}

/** A position in math layout: [i, j] for a matrix, [i] for a vector. */
export function indexOf(m: Matrix, flat: number, vector: boolean): number[] {
  return vector ? [flat] : [Math.floor(flat / m.cols), flat % m.cols];
}
