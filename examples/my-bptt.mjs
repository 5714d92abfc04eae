// A user's own BPTT, written as a student would from the model in the README, in plain JavaScript.
// bptt-check calls gradients(case, options) with the case object exactly as in the case file and expects
// { loss, gradients } in the gradients-file shape (math layout: U is H×I, W is H×H, V is K×H).
// options holds the clipping asked for (--clip-value v, --clip-norm n): your code clips, as in training.
//   npx bptt-check case --seed 3 --out my.case.json
//   npx bptt-check compare --impl examples/my-bptt.mjs
const act = {
  tanh: [Math.tanh, (s) => 1 - s * s],
  sigmoid: [(a) => 1 / (1 + Math.exp(-a)), (s) => s * (1 - s)],
  relu: [(a) => Math.max(0, a), (s) => (s > 0 ? 1 : 0)],
  linear: [(a) => a, () => 1],
};
const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));

export function gradients(kase, options = {}) {
  const { model, params } = kase;
  const { inputSize: I, hiddenSize: H, outputSize: K, bias } = model;
  const [f, df] = act[model.activation];
  const { U, W, V } = params;
  const b = params.b ?? new Array(H).fill(0);
  const c = params.c ?? new Array(K).fill(0);
  const g = { U: zeros(H, I), W: zeros(H, H), V: zeros(K, H), b: new Array(H).fill(0), c: new Array(K).fill(0) };
  const dS0 = [];
  let loss = 0;
  kase.targets.forEach((ys, n) => {
    const xs = []; // x_t, built once per step (a one-hot for token ids)
    const x = (t) =>
      (xs[t] ??= kase.inputs
        ? Array.from({ length: I }, (_, j) => (j === kase.inputs[n][t] ? 1 : 0))
        : kase.inputVectors[n][t]);
    const s = [kase.initialState ? kase.initialState[n] : new Array(H).fill(0)]; // s[t + 1] = s_t
    const p = [];
    ys.forEach((y, t) => {
      const st = Array.from({ length: H }, (_, i) =>
        f(b[i] + U[i].reduce((a, u, j) => a + u * x(t)[j], 0) + W[i].reduce((a, w, j) => a + w * s[t][j], 0)),
      );
      s.push(st);
      const z = V.map((row, k) => c[k] + row.reduce((a, v, j) => a + v * st[j], 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, v) => a + v, 0);
      p.push(e.map((v) => v / sum));
      loss += Math.log(sum) - (z[y] - m);
    });
    let next = new Array(H).fill(0); // Wᵀ da_{t+1}
    for (let t = ys.length - 1; t >= 0; t--) {
      const dz = p[t].map((v, k) => v - (k === ys[t] ? 1 : 0)); // ŷ_t − y_t
      const ds = next.map((v, i) => v + V.reduce((a, row, k) => a + row[i] * dz[k], 0)); // Vᵀ dz_t + Wᵀ da_{t+1}
      const da = ds.map((v, i) => v * df(s[t + 1][i])); // ⊙ f′(a_t)
      dz.forEach((d, k) => {
        g.c[k] += d;
        s[t + 1].forEach((sj, j) => (g.V[k][j] += d * sj));
      });
      da.forEach((d, i) => {
        g.b[i] += d;
        x(t).forEach((xj, j) => (g.U[i][j] += d * xj));
        s[t].forEach((sj, j) => (g.W[i][j] += d * sj)); // da_t s_{t−1}ᵀ
      });
      next = Array.from({ length: H }, (_, j) => W.reduce((a, row, i) => a + row[j] * da[i], 0)); // Wᵀ da_t
    }
    dS0.push(next);
  });
  const gradients = { U: g.U, W: g.W, V: g.V };
  if (bias) Object.assign(gradients, { b: g.b, c: g.c });
  if (kase.initialState) gradients.initialState = dS0;
  clip(gradients, options); // the initial-state gradient is not a parameter: left alone
  return { loss, gradients };
}

// min-char-rnn's np.clip(g, -v, v), then PyTorch's clip_grad_norm_: g ← g · n/‖g‖ when ‖g‖ > n
function clip(gradients, { clipValue, clipNorm }) {
  const params = Object.keys(gradients).filter((k) => k !== 'initialState');
  const map = (f) =>
    params.forEach((k) => (gradients[k] = gradients[k].map((r) => (Array.isArray(r) ? r.map(f) : f(r)))));
  if (clipValue !== undefined) map((g) => Math.min(Math.max(g, -clipValue), clipValue));
  if (clipNorm !== undefined) {
    const norm = Math.sqrt(params.flatMap((k) => gradients[k].flat()).reduce((a, g) => a + g * g, 0));
    if (norm > clipNorm) map((g) => (g * clipNorm) / norm);
  }
}
