#!/usr/bin/env python3
"""A padded-batch RNN in numpy, the way a student writes one for sequence models with a mask: the whole batch
at once, row vectors (x_t U^T), a 0/1 mask m[b, t] from the null targets, and the loss reduced as the case says.
Written for the tests as user code bptt-check did not write.

    s_t = tanh(x_t U^T + s_{t-1} W^T + b),  z_t = s_t V^T + c,  L = scale * sum_{b,t} m[b,t] * -log softmax(z_t)[y_t]
    scale = 1 (sum), 1/B (mean-batch), 1/T (mean-time), 1/sum(m) (mean)

Usage: masked_rnn.py CASE.json OUT.json [--ignore-reduction]
  --ignore-reduction   always sum (the mistake of a loss that does not say how it is reduced)
"""
import json
import sys

import numpy as np


def main(argv):
    case_path, out_path = [a for a in argv if not a.startswith("--")][:2]
    with open(case_path) as f:
        case = json.load(f)
    model = case["model"]
    assert model["cell"] == "rnn" and model["activation"] == "tanh" and "inputs" in case
    I, H, K = model["inputSize"], model["hiddenSize"], model["outputSize"]
    p = {k: np.array(v, dtype=np.float64) for k, v in case["params"].items()}
    U, W, V = p["U"], p["W"], p["V"]
    b = p.get("b", np.zeros(H))
    c = p.get("c", np.zeros(K))
    y = np.array([[-1 if t is None else t for t in row] for row in case["targets"]])
    m = (y >= 0).astype(np.float64)  # B x T
    B, T = y.shape
    x = np.eye(I)[np.array(case["inputs"])]  # B x T x I one-hot
    reduction = "sum" if "--ignore-reduction" in argv else case.get("reduction", "sum")
    scale = {"sum": 1.0, "mean-batch": 1.0 / B, "mean-time": 1.0 / T, "mean": 1.0 / m.sum()}[reduction]

    s = np.zeros((T + 1, B, H))  # s[t] = s_t, s[-1] = s_{-1} = 0
    probs = np.zeros((T, B, K))
    loss = 0.0
    for t in range(T):
        s[t] = np.tanh(x[:, t] @ U.T + s[t - 1] @ W.T + b)
        z = s[t] @ V.T + c
        e = np.exp(z - z.max(axis=1, keepdims=True))
        probs[t] = e / e.sum(axis=1, keepdims=True)
        picked = probs[t][np.arange(B), np.maximum(y[:, t], 0)]
        loss += scale * np.sum(m[:, t] * -np.log(picked))

    dU, dW, dV, db, dc = (np.zeros_like(a) for a in (U, W, V, b, c))
    dnext = np.zeros((B, H))  # dL/ds_t through step t+1
    for t in reversed(range(T)):
        dz = probs[t].copy()
        dz[np.arange(B), np.maximum(y[:, t], 0)] -= 1
        dz *= scale * m[:, t : t + 1]  # dz_t = scale * m_t * (p_t - onehot(y_t))
        dV += dz.T @ s[t]
        dc += dz.sum(axis=0)
        da = (dz @ V + dnext) * (1 - s[t] ** 2)
        dU += da.T @ x[:, t]
        dW += da.T @ s[t - 1]
        db += da.sum(axis=0)
        dnext = da @ W

    grads = {"U": dU, "W": dW, "V": dV}
    if model["bias"]:
        grads.update(b=db, c=dc)
    out = {"schemaVersion": 1, "source": "masked_rnn.py", "loss": loss, "gradients": {k: v.tolist() for k, v in grads.items()}}
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1:])
