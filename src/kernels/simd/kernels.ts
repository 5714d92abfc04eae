/**
 * kernels.ts's matrix kernels in AssemblyScript with 128-bit SIMD (two float64 lanes), compiled to
 * WebAssembly by `npm run build:simd`. The same formulas and blocking as kernels.ts; each lane pair
 * holds two consecutive elements of a row, so a product of two rows' slices is one f64x2.mul.
 * Operands live in the module's memory (imported from heap.ts, the kernels' heap); every argument named p… is a
 * byte address in it. Matrices are row-major float64.
 *
 *   matVecAdd   y += A x        (A rows × cols; 4 rows at a time)
 *   matTVecAdd  y += Aᵀ x       (8 rows at a time, y updated once per 8 rows)
 *   addABt      C += A Bᵀ       (C m × n; rows of A and B of length T at byte strides sa, sb; 2×4 blocks of C)
 */

@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

@inline function addTo(p: usize, v: f64): void {
  store<f64>(p, load<f64>(p) + v);
}

/** y += A x */
export function matVecAdd(pA: usize, rows: i32, cols: i32, px: usize, py: usize): void {
  const rs = <usize>cols << 3; //                          bytes per row
  const end2 = <usize>(cols & ~1) << 3; //                 the part of a row taken two elements at a time
  const end = <usize>cols << 3;
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = pA + <usize>i * rs;
    const r1 = r0 + rs;
    const r2 = r1 + rs;
    const r3 = r2 + rs;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    let o: usize = 0;
    for (; o < end2; o += 16) {
      const xv = v128.load(px + o); //                     x_j, x_{j+1}
      a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), xv));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(r1 + o), xv));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(r2 + o), xv));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(r3 + o), xv));
    }
    let s0 = hsum(a0);
    let s1 = hsum(a1);
    let s2 = hsum(a2);
    let s3 = hsum(a3);
    for (; o < end; o += 8) {
      const xj = load<f64>(px + o);
      s0 += load<f64>(r0 + o) * xj;
      s1 += load<f64>(r1 + o) * xj;
      s2 += load<f64>(r2 + o) * xj;
      s3 += load<f64>(r3 + o) * xj;
    }
    const yi = py + (<usize>i << 3);
    addTo(yi, s0);
    addTo(yi + 8, s1);
    addTo(yi + 16, s2);
    addTo(yi + 24, s3);
  }
  for (; i < rows; i++) {
    const r = pA + <usize>i * rs;
    let s = 0.0;
    for (let o: usize = 0; o < end; o += 8) s += load<f64>(r + o) * load<f64>(px + o);
    addTo(py + (<usize>i << 3), s);
  }
}

/** y += Aᵀ x: y_j += Σ_i A_ij x_i, 8 rows of A at a time */
export function matTVecAdd(pA: usize, rows: i32, cols: i32, px: usize, py: usize): void {
  const rs = <usize>cols << 3;
  const end2 = <usize>(cols & ~1) << 3;
  const end = <usize>cols << 3;
  let i = 0;
  for (; i + 7 < rows; i += 8) {
    const r0 = pA + <usize>i * rs;
    const xi = px + (<usize>i << 3);
    const x0 = f64x2.splat(load<f64>(xi));
    const x1 = f64x2.splat(load<f64>(xi, 8));
    const x2 = f64x2.splat(load<f64>(xi, 16));
    const x3 = f64x2.splat(load<f64>(xi, 24));
    const x4 = f64x2.splat(load<f64>(xi, 32));
    const x5 = f64x2.splat(load<f64>(xi, 40));
    const x6 = f64x2.splat(load<f64>(xi, 48));
    const x7 = f64x2.splat(load<f64>(xi, 56));
    let o: usize = 0;
    for (; o < end2; o += 16) {
      const r = r0 + o;
      let acc = f64x2.mul(v128.load(r), x0);
      acc = f64x2.add(acc, f64x2.mul(v128.load(r + rs), x1));
      acc = f64x2.add(acc, f64x2.mul(v128.load(r + 2 * rs), x2));
      acc = f64x2.add(acc, f64x2.mul(v128.load(r + 3 * rs), x3));
      acc = f64x2.add(acc, f64x2.mul(v128.load(r + 4 * rs), x4));
      acc = f64x2.add(acc, f64x2.mul(v128.load(r + 5 * rs), x5));
      acc = f64x2.add(acc, f64x2.mul(v128.load(r + 6 * rs), x6));
      acc = f64x2.add(acc, f64x2.mul(v128.load(r + 7 * rs), x7));
      v128.store(py + o, f64x2.add(v128.load(py + o), acc));
    }
    for (; o < end; o += 8) {
      let s = 0.0;
      for (let k: usize = 0; k < 8; k++) s += load<f64>(r0 + k * rs + o) * load<f64>(xi + (k << 3));
      addTo(py + o, s);
    }
  }
  for (; i < rows; i++) {
    const r = pA + <usize>i * rs;
    const xi = load<f64>(px + (<usize>i << 3));
    for (let o: usize = 0; o < end; o += 8) addTo(py + o, load<f64>(r + o) * xi);
  }
}

/** Σ_t a[t] b[t] over T elements at byte addresses pa, pb */
@inline function dot(pa: usize, pb: usize, T: i32): f64 {
  const end2 = <usize>(T & ~1) << 3;
  const end = <usize>T << 3;
  let acc = f64x2.splat(0);
  let o: usize = 0;
  for (; o < end2; o += 16) acc = f64x2.add(acc, f64x2.mul(v128.load(pa + o), v128.load(pb + o)));
  let s = hsum(acc);
  for (; o < end; o += 8) s += load<f64>(pa + o) * load<f64>(pb + o);
  return s;
}

/** C += A Bᵀ: C_ij += Σ_{t<T} A_i[t] B_j[t], with row i of A at pA + i·sa and row j of B at pB + j·sb (bytes) */
export function addABt(pC: usize, m: i32, n: i32, pA: usize, sa: usize, pB: usize, sb: usize, T: i32): void {
  const cs = <usize>n << 3;
  const end2 = <usize>(T & ~1) << 3;
  const end = <usize>T << 3;
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = pA + <usize>i * sa;
    const a1 = a0 + sa;
    const c0 = pC + <usize>i * cs;
    const c1 = c0 + cs;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = pB + <usize>j * sb;
      const b1 = b0 + sb;
      const b2 = b1 + sb;
      const b3 = b2 + sb;
      let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c02 = f64x2.splat(0), c03 = f64x2.splat(0); // prettier-ignore
      let c10 = f64x2.splat(0), c11 = f64x2.splat(0), c12 = f64x2.splat(0), c13 = f64x2.splat(0); // prettier-ignore
      let o: usize = 0;
      for (; o < end2; o += 16) {
        const x0 = v128.load(a0 + o);
        const x1 = v128.load(a1 + o);
        const y0 = v128.load(b0 + o);
        const y1 = v128.load(b1 + o);
        const y2 = v128.load(b2 + o);
        const y3 = v128.load(b3 + o);
        c00 = f64x2.add(c00, f64x2.mul(x0, y0));
        c01 = f64x2.add(c01, f64x2.mul(x0, y1));
        c02 = f64x2.add(c02, f64x2.mul(x0, y2));
        c03 = f64x2.add(c03, f64x2.mul(x0, y3));
        c10 = f64x2.add(c10, f64x2.mul(x1, y0));
        c11 = f64x2.add(c11, f64x2.mul(x1, y1));
        c12 = f64x2.add(c12, f64x2.mul(x1, y2));
        c13 = f64x2.add(c13, f64x2.mul(x1, y3));
      }
      let s00 = hsum(c00), s01 = hsum(c01), s02 = hsum(c02), s03 = hsum(c03); // prettier-ignore
      let s10 = hsum(c10), s11 = hsum(c11), s12 = hsum(c12), s13 = hsum(c13); // prettier-ignore
      if (o < end) {
        // T odd: the last t
        const x0 = load<f64>(a0 + o);
        const x1 = load<f64>(a1 + o);
        const y0 = load<f64>(b0 + o);
        const y1 = load<f64>(b1 + o);
        const y2 = load<f64>(b2 + o);
        const y3 = load<f64>(b3 + o);
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      const q0 = c0 + (<usize>j << 3);
      const q1 = c1 + (<usize>j << 3);
      addTo(q0, s00);
      addTo(q0 + 8, s01);
      addTo(q0 + 16, s02);
      addTo(q0 + 24, s03);
      addTo(q1, s10);
      addTo(q1 + 8, s11);
      addTo(q1 + 16, s12);
      addTo(q1 + 24, s13);
    }
    for (; j < n; j++) {
      const bj = pB + <usize>j * sb;
      addTo(c0 + (<usize>j << 3), dot(a0, bj, T));
      addTo(c1 + (<usize>j << 3), dot(a1, bj, T));
    }
  }
  for (; i < m; i++) {
    const ai = pA + <usize>i * sa;
    const ci = pC + <usize>i * cs;
    for (let j = 0; j < n; j++) addTo(ci + (<usize>j << 3), dot(ai, pB + <usize>j * sb, T));
  }
}
