#!/usr/bin/env python3
"""A vanilla RNN with BPTT in numpy, written the way the WildML tutorial and cs231n teach it: a forward
loop that keeps every state, then a backward loop from the last step down. Used by the tests as user code
bptt-check did not write.

    s_t = f(U x_t + W s_{t-1} + b),   o_t = softmax(V s_t + c),   L = sum_t -log o_t[y_t]

Usage: numpy_rnn.py CASE.json OUT.json [--float32] [--digits N] [--bug missing-fprime]
  --float32   compute in np.float32 throughout and write float32 values
  --digits N  write every gradient value as "%.Ng" does (as np.savetxt or a print would), not exactly
  --bug missing-fprime   forget the activation derivative in the backward pass (a classic mistake)
"""
import json
import sys

import numpy as np


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    case_path, out_path = args[0], args[1]
    dtype = np.float32 if "--float32" in argv else np.float64
    bug = argv[argv.index("--bug") + 1] if "--bug" in argv else None
    with open(case_path) as f:
        case = json.load(f)

    model = case["model"]
    assert model["cell"] == "rnn", "this script only does the plain RNN"
    I, H, K = model["inputSize"], model["hiddenSize"], model["outputSize"]
    U = np.array(case["params"]["U"], dtype=dtype)  # H x I
    W = np.array(case["params"]["W"], dtype=dtype)  # H x H
    V = np.array(case["params"]["V"], dtype=dtype)  # K x H
    b = np.array(case["params"]["b"], dtype=dtype) if model["bias"] else np.zeros(H, dtype=dtype)
    c = np.array(case["params"]["c"], dtype=dtype) if model["bias"] else np.zeros(K, dtype=dtype)

    act = model["activation"]
    if act == "tanh":
        f, df = np.tanh, lambda s: 1 - s**2
    elif act == "sigmoid":
        f, df = (lambda a: 1 / (1 + np.exp(-a))), (lambda s: s * (1 - s))
    elif act == "relu":
        f, df = (lambda a: np.maximum(a, 0)), (lambda s: (s > 0).astype(dtype))
    else:
        f, df = (lambda a: a), (lambda s: np.ones_like(s))

    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    db, dc = np.zeros_like(b), np.zeros_like(c)
    dS0 = []
    loss = dtype(0)

    for n, ys in enumerate(case["targets"]):
        T = len(ys)
        if "inputs" in case:
            xs = np.zeros((T, I), dtype=dtype)
            for t, token in enumerate(case["inputs"][n]):
                xs[t, token] = 1  # one-hot
        else:
            xs = np.array(case["inputVectors"][n], dtype=dtype)
        # s[t] is s_t; s[-1] is the initial state (zeros unless the case gives one)
        s = np.zeros((T + 1, H), dtype=dtype)
        if case.get("initialState") is not None:
            s[-1] = np.array(case["initialState"][n], dtype=dtype)
        o = np.zeros((T, K), dtype=dtype)
        for t in range(T):
            s[t] = f(U.dot(xs[t]) + W.dot(s[t - 1]) + b)
            z = V.dot(s[t]) + c
            e = np.exp(z - np.max(z))
            o[t] = e / np.sum(e)
            if ys[t] is not None:
                loss += -np.log(o[t][ys[t]])

        ds_next = np.zeros(H, dtype=dtype)  # W^T da_{t+1}
        for t in reversed(range(T)):
            dz = o[t].copy()
            if ys[t] is not None:
                dz[ys[t]] -= 1  # o_t - y_t
            else:
                dz[:] = 0
            dV += np.outer(dz, s[t])
            dc += dz
            ds = V.T.dot(dz) + ds_next
            da = ds if bug == "missing-fprime" else ds * df(s[t])
            dU += np.outer(da, xs[t])
            dW += np.outer(da, s[t - 1])
            db += da
            ds_next = W.T.dot(da)
        dS0.append(ds_next)

    digits = int(argv[argv.index("--digits") + 1]) if "--digits" in argv else None

    def written(a):
        a = np.asarray(a)
        if digits is None:
            return a.tolist()
        return np.vectorize(lambda v: float("%.*g" % (digits, v)))(a).tolist()

    grads = {"U": written(dU), "W": written(dW), "V": written(dV)}
    if model["bias"]:
        grads["b"] = written(db)
        grads["c"] = written(dc)
    if case.get("initialState") is not None:
        grads["initialState"] = written(dS0)
    out = {"schemaVersion": 1, "source": "numpy_rnn.py (%s)" % np.dtype(dtype).name, "loss": float(loss), "gradients": grads}
    with open(out_path, "w") as f_out:
        json.dump(out, f_out)


if __name__ == "__main__":
    main(sys.argv[1:])
