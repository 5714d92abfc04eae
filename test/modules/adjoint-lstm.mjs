// A student's LSTM (plain arrays, loops), written from the course notes, that returns its adjoints too:
//   i, f, o = σ(U_* x_t + W_* h_{t-1} + b_*),  g = act(U_g x_t + W_g h_{t-1} + b_g)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ act(c_t),  z_t = V h_t + c,  L = Σ_t −log softmax(z_t)[y_t]
// Backward, from t = T-1 down:
//   dh = Vᵀ dz_t + dh_next                      (adjoints.s[t]: ∂L/∂h_t)
//   dc = dh ⊙ o ⊙ act'(c_t) + dc_next            (adjoints.c[t]: ∂L/∂c_t, dc_next = dc_{t+1} ⊙ f_{t+1})
// With BPTT_FORGET_DC_AT=k in the environment it forgets dc_next at step k: ∂L/∂c_k is wrong, and from it
// every adjoint below.
const forgetAt = process.env.BPTT_FORGET_DC_AT === undefined ? -1 : Number(process.env.BPTT_FORGET_DC_AT);
const GATES = ['i', 'f', 'g', 'o'];
const ACT = {
  tanh: { f: Math.tanh, df: (y) => 1 - y * y },
  sigmoid: { f: (a) => 1 / (1 + Math.exp(-a)), df: (y) => y * (1 - y) },
  relu: { f: (a) => (a > 0 ? a : 0), df: (y) => (y > 0 ? 1 : 0) },
  linear: { f: (a) => a, df: () => 1 },
};
const SIGMA = {
  sigmoid: { f: (a) => 1 / (1 + Math.exp(-a)), df: (y) => y * (1 - y) },
  hardSigmoid: { f: (a) => Math.min(1, Math.max(0, 0.2 * a + 0.5)), df: (y, a) => (Math.abs(a) < 2.5 ? 0.2 : 0) },
};
const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));

/**
 * One sequence forward: per step the gates (values and pre-activations), c_t, h_t and softmax p_t; and its loss.
 * probe = { t, dh?, dc? } adds dc to c_t before h_t reads it and dh to h_t (the tests' finite differences).
 */
export function forward(kase, n, probe) {
  const { inputSize: I, hiddenSize: H, bias, activation, recurrentActivation } = kase.model;
  const act = ACT[activation];
  const sig = SIGMA[recurrentActivation];
  const P = kase.params;
  const y = kase.targets[n];
  const x = y.map((_, t) => {
    if (!kase.inputs) return kase.inputVectors[n][t];
    const v = new Array(I).fill(0);
    v[kase.inputs[n][t]] = 1;
    return v;
  });
  const h = [kase.initialState ? kase.initialState[n] : new Array(H).fill(0)];
  const c = [new Array(H).fill(0)];
  const steps = [];
  const p = [];
  let loss = 0;
  for (let t = 0; t < y.length; t++) {
    const gate = {};
    const pre = {};
    for (const G of GATES) {
      pre[G] = new Array(H);
      gate[G] = new Array(H);
      for (let i = 0; i < H; i++) {
        let a = bias ? P[`b_${G}`][i] : 0;
        for (let j = 0; j < I; j++) a += P[`U_${G}`][i][j] * x[t][j];
        for (let j = 0; j < H; j++) a += P[`W_${G}`][i][j] * h[t][j];
        pre[G][i] = a;
        gate[G][i] = G === 'g' ? act.f(a) : sig.f(a);
      }
    }
    const ct = new Array(H);
    const actC = new Array(H);
    const ht = new Array(H);
    for (let i = 0; i < H; i++) {
      ct[i] = gate.f[i] * c[t][i] + gate.i[i] * gate.g[i] + (probe?.t === t && probe.dc ? probe.dc[i] : 0);
      actC[i] = act.f(ct[i]);
      ht[i] = gate.o[i] * actC[i] + (probe?.t === t && probe.dh ? probe.dh[i] : 0);
    }
    c.push(ct);
    h.push(ht);
    steps.push({ gate, pre, actC });
    const z = P.V.map((row, k) => row.reduce((acc, v, i) => acc + v * ht[i], bias ? P.c[k] : 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((acc, v) => acc + v, 0);
    p.push(e.map((v) => v / sum));
    if (y[t] !== null) loss -= Math.log(p[t][y[t]]);
  }
  return { x, y, h, c, steps, p, loss };
}

export function gradients(kase) {
  const { inputSize: I, hiddenSize: H, outputSize: K, bias, activation, recurrentActivation } = kase.model;
  const act = ACT[activation];
  const sig = SIGMA[recurrentActivation];
  const P = kase.params;
  const d = { V: zeros(K, H) };
  for (const G of GATES) {
    d[`U_${G}`] = zeros(H, I);
    d[`W_${G}`] = zeros(H, H);
    if (bias) d[`b_${G}`] = new Array(H).fill(0);
  }
  if (bias) d.c = new Array(K).fill(0);
  const dInit = [];
  const adjS = [];
  const adjC = [];
  let loss = 0;
  for (let n = 0; n < kase.targets.length; n++) {
    const { x, y, h, c, steps, p, loss: l } = forward(kase, n);
    loss += l;
    const T = y.length;
    const rowS = new Array(T);
    const rowC = new Array(T);
    let dhNext = new Array(H).fill(0);
    let dcNext = new Array(H).fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const { gate, pre, actC } = steps[t];
      const dz = y[t] === null ? new Array(K).fill(0) : p[t].map((v, k) => v - (k === y[t] ? 1 : 0));
      for (let k = 0; k < K; k++) {
        if (bias) d.c[k] += dz[k];
        for (let i = 0; i < H; i++) d.V[k][i] += dz[k] * h[t + 1][i];
      }
      const dh = new Array(H);
      const dc = new Array(H);
      for (let i = 0; i < H; i++) {
        dh[i] = dhNext[i];
        for (let k = 0; k < K; k++) dh[i] += P.V[k][i] * dz[k];
        dc[i] = dh[i] * gate.o[i] * act.df(actC[i]) + (t === forgetAt ? 0 : dcNext[i]);
      }
      rowS[t] = dh;
      rowC[t] = dc;
      const da = {
        i: dc.map((v, j) => v * gate.g[j] * sig.df(gate.i[j], pre.i[j])),
        f: dc.map((v, j) => v * c[t][j] * sig.df(gate.f[j], pre.f[j])),
        g: dc.map((v, j) => v * gate.i[j] * act.df(gate.g[j])),
        o: dh.map((v, j) => v * actC[j] * sig.df(gate.o[j], pre.o[j])),
      };
      dhNext = new Array(H).fill(0);
      for (const G of GATES) {
        for (let i = 0; i < H; i++) {
          if (bias) d[`b_${G}`][i] += da[G][i];
          for (let j = 0; j < I; j++) d[`U_${G}`][i][j] += da[G][i] * x[t][j];
          for (let j = 0; j < H; j++) {
            d[`W_${G}`][i][j] += da[G][i] * h[t][j];
            dhNext[j] += P[`W_${G}`][i][j] * da[G][i];
          }
        }
      }
      dcNext = dc.map((v, i) => v * gate.f[i]);
    }
    dInit.push(dhNext);
    adjS.push(rowS);
    adjC.push(rowC);
  }
  if (kase.initialState) d.initialState = dInit;
  return { loss, gradients: d, adjoints: { s: adjS, c: adjC } };
}
