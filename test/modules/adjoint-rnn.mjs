// A student's RNN (plain arrays, loops) that also returns its adjoints ds_t = ∂L/∂s_t, the dh of the backward
// pass after adding what step t+1 sends back (ds_t = Vᵀ dz_t + Wᵀ da_{t+1}), as bptt-check asks:
//   { loss, gradients, adjoints: { s: B×T×H } }
// With BPTT_FORGET_AT=k in the environment it forgets Wᵀ da_{k+1} at step k (ds_k = Vᵀ dz_k alone): a bug
// that enters at step k and, through the recursion, spoils every smaller step.
const forgetAt = process.env.BPTT_FORGET_AT === undefined ? -1 : Number(process.env.BPTT_FORGET_AT);
const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));
const ACT = {
  tanh: { f: Math.tanh, df: (s) => 1 - s * s },
  sigmoid: { f: (a) => 1 / (1 + Math.exp(-a)), df: (s) => s * (1 - s) },
  relu: { f: (a) => (a > 0 ? a : 0), df: (s) => (s > 0 ? 1 : 0) },
  linear: { f: (a) => a, df: () => 1 },
};

/**
 * The forward pass of one sequence: s[t + 1] = s_t (s[0] the initial state), p[t] = softmax(z_t), and its loss.
 * probe = { t, ds } adds ds to s_t (what the tests' finite differences of ∂L/∂s_t perturb).
 */
export function forward(kase, n, probe) {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias, activation } = kase.model;
  const { f } = ACT[activation];
  const { U, W, V } = kase.params;
  const b = bias ? kase.params.b : new Array(H).fill(0);
  const c = bias ? kase.params.c : new Array(K).fill(0);
  const y = kase.targets[n];
  const x = y.map((_, t) => {
    if (!kase.inputs) return kase.inputVectors[n][t];
    const v = new Array(I).fill(0);
    v[kase.inputs[n][t]] = 1;
    return v;
  });
  const s = [kase.initialState ? kase.initialState[n] : new Array(H).fill(0)];
  const p = [];
  let loss = 0;
  for (let t = 0; t < y.length; t++) {
    const st = new Array(H);
    for (let i = 0; i < H; i++) {
      let a = b[i];
      for (let j = 0; j < I; j++) a += U[i][j] * x[t][j];
      for (let j = 0; j < H; j++) a += W[i][j] * s[t][j];
      st[i] = f(a) + (probe && probe.t === t ? probe.ds[i] : 0);
    }
    s.push(st);
    const z = c.map((ck, k) => st.reduce((acc, v, i) => acc + V[k][i] * v, ck));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((acc, v) => acc + v, 0);
    p.push(e.map((v) => v / sum));
    if (y[t] !== null) loss -= Math.log(p[t][y[t]]);
  }
  return { x, y, s, p, loss };
}

export function gradients(kase) {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias, activation } = kase.model;
  const { df } = ACT[activation];
  const { W, V } = kase.params;
  const dU = zeros(H, I);
  const dW = zeros(H, H);
  const dV = zeros(K, H);
  const db = new Array(H).fill(0);
  const dc = new Array(K).fill(0);
  const dInit = [];
  const adjoints = [];
  let loss = 0;
  for (let n = 0; n < kase.targets.length; n++) {
    const { x, y, s, p, loss: l } = forward(kase, n);
    loss += l;
    const T = y.length;
    const dsOf = new Array(T);
    let dsNext = new Array(H).fill(0); // Wᵀ da_{t+1}
    for (let t = T - 1; t >= 0; t--) {
      const dz = y[t] === null ? new Array(K).fill(0) : p[t].map((v, k) => v - (k === y[t] ? 1 : 0));
      for (let k = 0; k < K; k++) {
        dc[k] += dz[k];
        for (let i = 0; i < H; i++) dV[k][i] += dz[k] * s[t + 1][i];
      }
      const ds = new Array(H).fill(0);
      for (let i = 0; i < H; i++) {
        for (let k = 0; k < K; k++) ds[i] += V[k][i] * dz[k];
        if (t !== forgetAt) ds[i] += dsNext[i];
      }
      dsOf[t] = ds;
      const da = ds.map((v, i) => v * df(s[t + 1][i]));
      for (let i = 0; i < H; i++) {
        db[i] += da[i];
        for (let j = 0; j < I; j++) dU[i][j] += da[i] * x[t][j];
        for (let j = 0; j < H; j++) dW[i][j] += da[i] * s[t][j];
      }
      dsNext = new Array(H).fill(0);
      for (let j = 0; j < H; j++) for (let i = 0; i < H; i++) dsNext[j] += W[i][j] * da[i];
    }
    dInit.push(dsNext);
    adjoints.push(dsOf);
  }
  const grads = { U: dU, W: dW, V: dV };
  if (bias) Object.assign(grads, { b: db, c: dc });
  if (kase.initialState) grads.initialState = dInit;
  return { loss, gradients: grads, adjoints: { s: adjoints } };
}
