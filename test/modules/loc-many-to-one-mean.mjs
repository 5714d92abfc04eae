// The mistake: f′ left out (da_t = ds_t, not ds_t ⊙ f′(a_t)), in a many-to-one student RNN whose loss is the mean
// over the steps that carry one (null targets carry none), as PyTorch's CrossEntropyLoss(ignore_index) computes it.
// A prefix of a last-step-only case has no such step: this code's mean over none is then 0/0 = NaN.
// A student's RNN with BPTT in plain JavaScript (min-char-rnn style loops over plain arrays), for bptt-check:
//   a_t = U x_t + W s_{t-1} + b,  s_t = f(a_t),  z_t = V s_t + c,  L = Σ_t −log softmax(z_t)[y_t]
const matVec = (M, v) => M.map((row) => row.reduce((acc, m, j) => acc + m * v[j], 0));
const matTVec = (M, v) => M[0].map((_, j) => M.reduce((acc, row, i) => acc + row[j] * v[i], 0)); // Mᵀ v
const addOuter = (G, u, v) => G.forEach((row, i) => row.forEach((_, j) => (row[j] += u[i] * v[j])));
const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));
const ACT = {
  tanh: { f: Math.tanh, df: (s) => 1 - s * s },
  sigmoid: { f: (a) => 1 / (1 + Math.exp(-a)), df: (s) => s * (1 - s) },
  relu: { f: (a) => (a > 0 ? a : 0), df: (s) => (s > 0 ? 1 : 0) },
  linear: { f: (a) => a, df: () => 1 },
};

export function gradients(kase) {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias, activation } = kase.model;
  const { f } = ACT[activation];
  const { U, W, V } = kase.params;
  const b = bias ? kase.params.b : new Array(H).fill(0);
  const c = bias ? kase.params.c : new Array(K).fill(0);
  const dU = zeros(H, I),
    dW = zeros(H, H),
    dV = zeros(K, H);
  const db = new Array(H).fill(0),
    dc = new Array(K).fill(0);
  const dhprev = [];
  let loss = 0;
  const N = kase.targets.flat().filter((y) => y !== null).length; // the steps that carry a loss
  for (let n = 0; n < kase.targets.length; n++) {
    const ys = kase.targets[n];
    const T = ys.length;
    const xs = [];
    for (let t = 0; t < T; t++) {
      if (kase.inputs) {
        const x = new Array(I).fill(0);
        x[kase.inputs[n][t]] = 1;
        xs.push(x);
      } else xs.push(kase.inputVectors[n][t]);
    }
    const hs = [kase.initialState ? kase.initialState[n] : new Array(H).fill(0)];
    const ps = [];
    for (let t = 0; t < T; t++) {
      const ux = matVec(U, xs[t]),
        wh = matVec(W, hs[t]);
      const h = ux.map((u, i) => f(u + wh[i] + b[i]));
      hs.push(h);
      const z = matVec(V, h).map((v, k) => v + c[k]);
      const zmax = Math.max(...z);
      const ez = z.map((v) => Math.exp(v - zmax));
      const total = ez.reduce((a, v) => a + v, 0);
      ps.push(ez.map((v) => v / total));
      if (ys[t] !== null) loss -= Math.log(ps[t][ys[t]]);
    }
    let dhnext = new Array(H).fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const h = hs[t + 1];
      const dy = ps[t].map((p, k) => (ys[t] === null ? 0 : (p - (k === ys[t] ? 1 : 0)) / N)); // dL/dz = (softmax − onehot)/N
      addOuter(dV, dy, h);
      dy.forEach((d, k) => (dc[k] += d));
      const dh = matTVec(V, dy).map((v, i) => v + dhnext[i]);
      const da = dh; // f′(a_t) forgotten
      addOuter(dU, da, xs[t]);
      addOuter(dW, da, hs[t]);
      da.forEach((d, i) => (db[i] += d));
      dhnext = matTVec(W, da);
    }
    dhprev.push(dhnext);
  }
  const grads = { U: dU, W: dW, V: dV };
  if (bias) Object.assign(grads, { b: db, c: dc });
  if (kase.initialState) grads.initialState = dhprev;
  return { loss: loss / N, gradients: grads };
}
