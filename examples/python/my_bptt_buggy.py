#!/usr/bin/env python3
"""The numpy RNN of my_bptt.py with one classic mistake: dW accumulated as np.outer(da, s[t]), with the
state s_t where s_{t-1} belongs. bptt-check finds it and names the pattern (state-off-by-one):

    npx bptt-check compare --impl-cmd "python3 examples/python/my_bptt_buggy.py"    # exit 1
"""
import os
import sys

import numpy as np


def activation(name):
    """f and its derivative written with f's output s = f(a), as the tutorials do."""
    if name == "tanh":
        return np.tanh, lambda s: 1 - s**2
    if name == "sigmoid":
        return (lambda a: 1 / (1 + np.exp(-a))), (lambda s: s * (1 - s))
    if name == "relu":
        return (lambda a: np.maximum(a, 0)), (lambda s: (s > 0) * 1.0)
    return (lambda a: a), (lambda s: np.ones_like(s))


def gradients(case, options):
    if case.cell != "rnn":
        raise ValueError("this example does the plain RNN only, not %s" % case.cell)
    H, K, T = case.H, case.K, case.T
    U, W, V = case.U, case.W, case.V
    b = case.b if case.bias else np.zeros(H)
    c = case.c if case.bias else np.zeros(K)
    f, df = activation(case.activation)
    truncate = options.get("truncate")
    detach_every = options.get("detachEvery")

    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    db, dc = np.zeros(H), np.zeros(K)
    dS0 = np.zeros((case.B, H))
    adjoints = np.zeros((case.B, T, H))
    loss = 0.0

    for n in range(case.B):
        x = case.x[n]
        y = case.targets[n]
        # s[t] is s_t; s[-1] (the last row) is the initial state
        s = np.zeros((T + 1, H))
        if case.initial_state is not None:
            s[-1] = case.initial_state[n]
        o = np.zeros((T, K))
        for t in range(T):
            s[t] = f(U.dot(x[t]) + W.dot(s[t - 1]) + b)
            z = V.dot(s[t]) + c
            e = np.exp(z - np.max(z))
            o[t] = e / np.sum(e)
            loss += -np.log(o[t][y[t]])

        dz = o.copy()
        for t in range(T):
            dz[t][y[t]] -= 1  # o_t - onehot(y_t)
        for t in range(T):
            dV += np.outer(dz[t], s[t])
            dc += dz[t]

        if truncate is None:
            ds_next = np.zeros(H)  # dL/ds_t through step t+1
            for t in reversed(range(T)):
                ds = V.T.dot(dz[t]) + ds_next
                adjoints[n, t] = ds
                da = ds * df(s[t])
                dU += np.outer(da, x[t])
                dW += np.outer(da, s[t])  # the mistake: s_t where s_{t-1} belongs
                db += da
                ds_next = W.T.dot(da)
                if detach_every is not None and t > 0 and t % detach_every == 0:
                    ds_next = np.zeros(H)  # s_{t-1} entered step t as a constant
            dS0[n] = ds_next
        else:
            for t in range(T):
                delta = V.T.dot(dz[t])
                for step in range(t, max(0, t - truncate) - 1, -1):
                    da = delta * df(s[step])
                    dU += np.outer(da, x[step])
                    dW += np.outer(da, s[step])  # the same mistake
                    db += da
                    delta = W.T.dot(da)
                if t - truncate <= 0:
                    dS0[n] += delta  # the window reached the initial state

    grads = {"U": dU, "W": dW, "V": dV}
    if case.bias:
        grads["b"] = db
        grads["c"] = dc
    if "clipValue" in options:
        v = options["clipValue"]
        for name in grads:
            grads[name] = np.clip(grads[name], -v, v)
    if "clipNorm" in options:
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        if norm > options["clipNorm"]:
            for name in grads:
                grads[name] = grads[name] * (options["clipNorm"] / norm)
    if case.initial_state is not None:
        grads["initialState"] = dS0
    return loss, grads, (adjoints if truncate is None else None)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from bptt_check import serve  # noqa: E402
serve(gradients)
