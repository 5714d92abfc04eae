// A student's RNN with BPTT in plain JavaScript (student-rnn.mjs), with the mistakes students make as
// switches, so that each loc-*.mjs module is this code with one of them (the localisation tests):
//   a_t = U x_t + W s_{t-1} + b,  s_t = f(a_t),  z_t = V s_t + c,  L = Σ_t −log softmax(z_t)[y_t]
//   bug.wNotTransposed: the recursion carries W da_t instead of Wᵀ da_t (right at T = 1)
//   bug.noDerivative:   da_t = ds_t, f′(a_t) left out (wrong at every step)
//   bug.carryState:     row n starts from row n−1's last state instead of its own s_{-1} (a leak across rows)
//   bug.zeroInitial:    ∂L/∂s_{-1} left zero
//   bug.lastStepBias:   db of the last step only (= for +=, seen only with biases)
// It honours the clipping bptt-check asks for in options, as a training loop would before its update.
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

export function student(kase, options = {}, bug = {}) {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias, activation } = kase.model;
  const { f, df } = ACT[activation];
  const { U, W, V } = kase.params;
  const b = bias ? kase.params.b : new Array(H).fill(0);
  const c = bias ? kase.params.c : new Array(K).fill(0);
  const dU = zeros(H, I),
    dW = zeros(H, H),
    dV = zeros(K, H);
  const db = new Array(H).fill(0),
    dc = new Array(K).fill(0);
  const dInit = [];
  let loss = 0;
  let carried = null;
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
    const own = kase.initialState ? kase.initialState[n] : new Array(H).fill(0);
    const states = [bug.carryState && carried ? carried : own];
    const probs = [];
    for (let t = 0; t < T; t++) {
      const ux = matVec(U, xs[t]),
        ws = matVec(W, states[t]);
      const s = ux.map((u, i) => f(u + ws[i] + b[i]));
      states.push(s);
      const z = matVec(V, s).map((v, k) => v + c[k]);
      const zmax = Math.max(...z);
      const ez = z.map((v) => Math.exp(v - zmax));
      const total = ez.reduce((a, v) => a + v, 0);
      probs.push(ez.map((v) => v / total));
      if (ys[t] !== null) loss -= Math.log(probs[t][ys[t]]);
    }
    carried = states[T];
    let dsNext = new Array(H).fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const s = states[t + 1],
        sPrev = states[t];
      const dz = ys[t] === null ? new Array(K).fill(0) : probs[t].map((p, k) => p - (k === ys[t] ? 1 : 0));
      addOuter(dV, dz, s);
      dz.forEach((d, k) => (dc[k] += d));
      const ds = matTVec(V, dz).map((v, i) => v + dsNext[i]);
      const da = bug.noDerivative ? ds : ds.map((d, i) => d * df(s[i]));
      addOuter(dU, da, xs[t]);
      addOuter(dW, da, sPrev);
      if (!bug.lastStepBias || t === T - 1) da.forEach((d, i) => (db[i] += d));
      dsNext = bug.wNotTransposed ? matVec(W, da) : matTVec(W, da);
    }
    dInit.push(bug.zeroInitial ? new Array(H).fill(0) : dsNext);
  }
  const grads = { U: dU, W: dW, V: dV };
  if (bias) Object.assign(grads, { b: db, c: dc });
  // clipping, as before an optimizer step: element-wise, then by the global norm (initialState is no parameter)
  const params = Object.keys(grads);
  const each = (g) => params.forEach((k) => (grads[k] = grads[k].map((x) => (Array.isArray(x) ? x.map(g) : g(x)))));
  if (options.clipValue !== undefined) each((x) => Math.max(-options.clipValue, Math.min(options.clipValue, x)));
  if (options.clipNorm !== undefined) {
    const norm = Math.sqrt(params.reduce((acc, k) => acc + grads[k].flat().reduce((a, x) => a + x * x, 0), 0));
    if (norm > options.clipNorm) each((x) => x * (options.clipNorm / norm));
  }
  if (kase.initialState) grads.initialState = dInit;
  return { loss, gradients: grads };
}
