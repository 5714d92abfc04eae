// A student's RNN in float32 with a log-softmax loss (test/modules/float32-rnn.mjs takes log p, which underflows
// float32 to log 0 on large logits: the linear cases of the suite), otherwise the same, as C with `float` or a Float32Array port computes it: every array is a
// Float32Array, so every stored value (states, probabilities, accumulated gradients) is rounded to float32.
//   a_t = U x_t + W s_{t-1} + b,  s_t = f(a_t),  z_t = V s_t + c,  L = Σ_t −log softmax(z_t)[y_t]
const F = Float32Array;
const ACT = {
  tanh: [(a) => Math.tanh(a), (s) => 1 - s * s],
  sigmoid: [(a) => 1 / (1 + Math.exp(-a)), (s) => s * (1 - s)],
  relu: [(a) => (a > 0 ? a : 0), (s) => (s > 0 ? 1 : 0)],
  linear: [(a) => a, () => 1],
};
const mat = (rows) => rows.map((r) => F.from(r));
const matVec = (M, v) => {
  const out = new F(M.length);
  for (let i = 0; i < M.length; i++) for (let j = 0; j < v.length; j++) out[i] += M[i][j] * v[j];
  return out;
};
const matTVec = (M, v) => {
  const out = new F(M[0].length);
  for (let i = 0; i < M.length; i++) for (let j = 0; j < out.length; j++) out[j] += M[i][j] * v[i];
  return out;
};
const addOuter = (G, u, v) => {
  for (let i = 0; i < u.length; i++) for (let j = 0; j < v.length; j++) G[i][j] += u[i] * v[j];
};

export function gradients(kase) {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias, activation } = kase.model;
  const [f, df] = ACT[activation];
  const U = mat(kase.params.U),
    W = mat(kase.params.W),
    V = mat(kase.params.V);
  const b = bias ? F.from(kase.params.b) : new F(H),
    c = bias ? F.from(kase.params.c) : new F(K);
  const dU = U.map((r) => new F(r.length)),
    dW = W.map((r) => new F(r.length)),
    dV = V.map((r) => new F(r.length));
  const db = new F(H),
    dc = new F(K);
  const dInit = [];
  const loss = new F(1);
  kase.targets.forEach((ys, n) => {
    const xs = ys.map((_, t) =>
      kase.inputs
        ? F.from({ length: I }, (_, j) => (j === kase.inputs[n][t] ? 1 : 0))
        : F.from(kase.inputVectors[n][t]),
    );
    const s = [kase.initialState ? F.from(kase.initialState[n]) : new F(H)]; // s[t + 1] = s_t
    const p = [];
    ys.forEach((y, t) => {
      const a = matVec(U, xs[t]).map((u, i) => u + matVec(W, s[t])[i] + b[i]);
      s.push(a.map(f));
      const z = matVec(V, s[t + 1]).map((v, k) => v + c[k]);
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const sum = e.reduce((acc, v) => Math.fround(acc + v), 0);
      p.push(e.map((v) => v / sum));
      if (y !== null) loss[0] -= z[y] - Math.max(...z) - Math.log(sum); // log softmax: never log 0
    });
    let next = new F(H);
    for (let t = ys.length - 1; t >= 0; t--) {
      const dz = ys[t] === null ? new F(K) : p[t].map((v, k) => v - (k === ys[t] ? 1 : 0));
      addOuter(dV, dz, s[t + 1]);
      dz.forEach((d, k) => (dc[k] += d));
      const ds = matTVec(V, dz).map((v, i) => v + next[i]);
      const da = ds.map((d, i) => d * df(s[t + 1][i]));
      addOuter(dU, da, xs[t]);
      addOuter(dW, da, s[t]);
      da.forEach((d, i) => (db[i] += d));
      next = matTVec(W, da);
    }
    dInit.push(next);
  });
  const list = (m) => m.map((r) => Array.from(r));
  const gradients = { U: list(dU), W: list(dW), V: list(dV) };
  if (bias) Object.assign(gradients, { b: Array.from(db), c: Array.from(dc) });
  if (kase.initialState) gradients.initialState = list(dInit);
  return { loss: loss[0], gradients };
}
