// A student's RNN in the style of the WildML tutorial (plain arrays, loops), for bptt-check's tests:
//   a_t = U x_t + W s_{t-1} + b,  s_t = f(a_t),  z_t = V s_t + c,  L = Σ_t −log softmax(z_t)[y_t]
// bptt(): every output t back-propagates on its own through steps t, t-1, …, max(0, t - bptt_truncate)
// (WildML's bptt_truncate, what bptt-check calls options.truncate); with options.detachEvery k the state
// entering steps k, 2k, … is a constant; then clipping, as a training loop would before its update.
const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));
const ACT = {
  tanh: { f: Math.tanh, df: (s) => 1 - s * s },
  sigmoid: { f: (a) => 1 / (1 + Math.exp(-a)), df: (s) => s * (1 - s) },
  relu: { f: (a) => (a > 0 ? a : 0), df: (s) => (s > 0 ? 1 : 0) },
  linear: { f: (a) => a, df: () => 1 },
};

export function gradients(kase, options = {}) {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias, activation } = kase.model;
  const { f, df } = ACT[activation];
  const { U, W, V } = kase.params;
  const b = bias ? kase.params.b : new Array(H).fill(0);
  const c = bias ? kase.params.c : new Array(K).fill(0);
  const dU = zeros(H, I);
  const dW = zeros(H, H);
  const dV = zeros(K, H);
  const db = new Array(H).fill(0);
  const dc = new Array(K).fill(0);
  const dInit = [];
  let loss = 0;
  for (let n = 0; n < kase.targets.length; n++) {
    const y = kase.targets[n];
    const T = y.length;
    const x = [];
    for (let t = 0; t < T; t++) {
      if (kase.inputs) {
        x.push(new Array(I).fill(0));
        x[t][kase.inputs[n][t]] = 1;
      } else x.push(kase.inputVectors[n][t]);
    }
    // forward: s[t + 1] is s_t (s[0] the initial state)
    const s = [kase.initialState ? kase.initialState[n] : new Array(H).fill(0)];
    const o = [];
    for (let t = 0; t < T; t++) {
      const st = new Array(H);
      for (let i = 0; i < H; i++) {
        let a = b[i];
        for (let j = 0; j < I; j++) a += U[i][j] * x[t][j];
        for (let j = 0; j < H; j++) a += W[i][j] * s[t][j];
        st[i] = f(a);
      }
      s.push(st);
      const z = new Array(K);
      for (let k = 0; k < K; k++) {
        z[k] = c[k];
        for (let i = 0; i < H; i++) z[k] += V[k][i] * st[i];
      }
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((p, v) => p + v, 0);
      o.push(e.map((v) => v / sum));
      if (y[t] !== null) loss -= Math.log(o[t][y[t]]);
    }
    // backward
    const di = new Array(H).fill(0);
    const window = options.truncate ?? T; // full BPTT: every output reaches step 0
    for (let t = T - 1; t >= 0; t--) {
      if (y[t] === null) continue;
      const dz = o[t].slice();
      dz[y[t]] -= 1;
      for (let k = 0; k < K; k++) {
        dc[k] += dz[k];
        for (let i = 0; i < H; i++) dV[k][i] += dz[k] * s[t + 1][i];
      }
      // delta_t = (Vᵀ dz_t) * f'(s_t)
      let delta = new Array(H).fill(0);
      for (let i = 0; i < H; i++) {
        for (let k = 0; k < K; k++) delta[i] += V[k][i] * dz[k];
        delta[i] *= df(s[t + 1][i]);
      }
      for (let step = t; step >= Math.max(0, t - window); step--) {
        for (let i = 0; i < H; i++) {
          db[i] += delta[i];
          for (let j = 0; j < I; j++) dU[i][j] += delta[i] * x[step][j];
          for (let j = 0; j < H; j++) dW[i][j] += delta[i] * s[step][j];
        }
        // Wᵀ delta is ∂L_t/∂s_{step-1}
        const back = new Array(H).fill(0);
        for (let j = 0; j < H; j++) for (let i = 0; i < H; i++) back[j] += W[i][j] * delta[i];
        if (step === 0) {
          for (let j = 0; j < H; j++) di[j] += back[j];
          break;
        }
        if (options.detachEvery !== undefined && step % options.detachEvery === 0) break; // s_{step-1} was detached
        delta = back.map((v, j) => v * df(s[step][j]));
      }
    }
    dInit.push(di);
  }
  const grads = { U: dU, W: dW, V: dV };
  if (bias) Object.assign(grads, { b: db, c: dc });
  const names = Object.keys(grads); // the parameters: initialState is not clipped
  const each = (g) => names.forEach((k) => (grads[k] = grads[k].map((v) => (Array.isArray(v) ? v.map(g) : g(v)))));
  if (options.clipValue !== undefined) each((v) => Math.max(-options.clipValue, Math.min(options.clipValue, v)));
  if (options.clipNorm !== undefined) {
    let sq = 0;
    for (const k of names) for (const v of grads[k].flat()) sq += v * v;
    const norm = Math.sqrt(sq);
    if (norm > options.clipNorm) each((v) => (v * options.clipNorm) / norm);
  }
  if (kase.initialState) grads.initialState = dInit;
  return { loss, gradients: grads };
}
