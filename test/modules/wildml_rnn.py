#!/usr/bin/env python3
"""The WildML tutorial's RNN (part 3) in numpy, as a student adapts it to bptt-check's case file: bptt() with
bptt_truncate, each output t back-propagating through steps t, t-1, ..., max(0, t - bptt_truncate) on its own.

    s_t = f(U x_t + W s_{t-1} + b),   o_t = softmax(V s_t + c),   L = sum_t -log o_t[y_t]

Usage: wildml_rnn.py CASE.json OUT.json [--truncate K] [--adjoints] [--time-major]
  --truncate K   bptt_truncate = K (default: the whole sequence, i.e. full BPTT)
  --adjoints     also write dL/ds_t of every row and step as "adjoints" (B x T x H)
  --time-major   write the adjoints T x B x H, as a loop over time stacks them (a mistake bptt-check names)
"""
import json
import sys

import numpy as np


def main(argv):
    args = [a for a in argv if not a.startswith("--") and not a.isdigit()]
    case_path, out_path = args[0], args[1]
    with open(case_path) as f:
        case = json.load(f)
    model = case["model"]
    I, H, K = model["inputSize"], model["hiddenSize"], model["outputSize"]
    U = np.array(case["params"]["U"])
    W = np.array(case["params"]["W"])
    V = np.array(case["params"]["V"])
    b = np.array(case["params"]["b"]) if model["bias"] else np.zeros(H)
    c = np.array(case["params"]["c"]) if model["bias"] else np.zeros(K)
    act = model["activation"]
    if act == "tanh":
        f, df = np.tanh, lambda s: 1 - s**2
    elif act == "sigmoid":
        f, df = (lambda a: 1 / (1 + np.exp(-a))), (lambda s: s * (1 - s))
    elif act == "relu":
        f, df = (lambda a: np.maximum(a, 0)), (lambda s: (s > 0).astype(float))
    else:
        f, df = (lambda a: a), (lambda s: np.ones_like(s))

    dLdU, dLdW, dLdV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    dLdb, dLdc = np.zeros_like(b), np.zeros_like(c)
    dLds0, adjoints = [], []
    loss = 0.0
    for n, y in enumerate(case["targets"]):
        T = len(y)
        bptt_truncate = int(argv[argv.index("--truncate") + 1]) if "--truncate" in argv else T
        if "inputs" in case:
            x = np.zeros((T, I))
            x[np.arange(T), case["inputs"][n]] = 1
        else:
            x = np.array(case["inputVectors"][n])
        # forward_propagation: s[-1] is the initial state
        s = np.zeros((T + 1, H))
        if case.get("initialState") is not None:
            s[-1] = np.array(case["initialState"][n])
        o = np.zeros((T, K))
        for t in np.arange(T):
            s[t] = f(U.dot(x[t]) + W.dot(s[t - 1]) + b)
            z = V.dot(s[t]) + c
            o[t] = np.exp(z - np.max(z)) / np.sum(np.exp(z - np.max(z)))
        kept = [t for t in range(T) if y[t] is not None]
        loss += -np.sum(np.log(o[kept, [y[t] for t in kept]]))
        # bptt
        delta_o = o.copy()
        for t in range(T):
            if y[t] is None:
                delta_o[t] = 0
            else:
                delta_o[t, y[t]] -= 1.0
        ds = np.zeros((T, H))  # dL/ds_t, summed over the outputs that reach it
        ds_init = np.zeros(H)
        for t in np.arange(T)[::-1]:
            dLdV += np.outer(delta_o[t], s[t])
            dLdc += delta_o[t]
            g = V.T.dot(delta_o[t])  # dL_t/ds_t
            ds[t] += g
            delta_t = g * df(s[t])
            for bptt_step in np.arange(max(0, t - bptt_truncate), t + 1)[::-1]:
                dLdW += np.outer(delta_t, s[bptt_step - 1])
                dLdU += np.outer(delta_t, x[bptt_step])
                dLdb += delta_t
                g = W.T.dot(delta_t)  # dL_t/ds_{bptt_step - 1}
                if bptt_step == 0:
                    ds_init += g
                    break
                ds[bptt_step - 1] += g
                delta_t = g * df(s[bptt_step - 1])
        dLds0.append(ds_init.tolist())
        adjoints.append(ds.tolist())

    grads = {"U": dLdU.tolist(), "W": dLdW.tolist(), "V": dLdV.tolist()}
    if model["bias"]:
        grads["b"] = dLdb.tolist()
        grads["c"] = dLdc.tolist()
    if case.get("initialState") is not None:
        grads["initialState"] = dLds0
    out = {"schemaVersion": 1, "source": "wildml_rnn.py", "loss": float(loss), "gradients": grads}
    if "--adjoints" in argv:
        a = np.array(adjoints)
        out["adjoints"] = {"s": (a.transpose(1, 0, 2) if "--time-major" in argv else a).tolist()}
    with open(out_path, "w") as f_out:
        json.dump(out, f_out)


if __name__ == "__main__":
    main(sys.argv[1:])
