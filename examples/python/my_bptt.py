#!/usr/bin/env python3
"""A vanilla RNN and its BPTT in numpy, written as the WildML tutorial and cs231n teach it: a forward loop
that keeps every state, then a backward loop from the last step down. bptt-check runs it as the subject:

    npx bptt-check compare --impl-cmd "python3 examples/python/my_bptt.py"
    npx bptt-check compare --impl-cmd "python3 examples/python/my_bptt.py" --truncate 4

    s_t = f(U x_t + W s_{t-1} + b),   o_t = softmax(V s_t + c),   L = sum_b sum_t -log o_t[y_t]

It does what `options` asks (bptt-check never changes the answer):
  truncate k     WildML's bptt_truncate: each output t back-propagates through steps t, t-1, ..., max(0, t-k)
  detachEvery k  s_{k-1}, s_{2k-1}, ... enter the next step as constants: no gradient flows back across them
  clipValue v    every parameter gradient entry clipped to [-v, v] (the initial state's gradient is no parameter)
  clipNorm n     when the global norm over all parameter gradients is above n, all of them scaled by n/norm
and returns the adjoints dL/ds_t (B x T x H) of full BPTT and detaching. The LSTM and GRU cases go to
gated_bptt.py beside it (the same loops for the gated cells), so that `suite --impl-cmd` runs every case.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gated_bptt  # noqa: E402


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
        bptt = gated_bptt.lstm_bptt if case.cell == "lstm" else gated_bptt.gru_bptt
        return bptt(case.params, case.x, case.targets, case.initial_state, case.activation,
                    case.recurrent_activation, case.bias, options)
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
            loss += np.log(np.sum(e)) - (z[y[t]] - np.max(z))  # -log o_t[y_t], never log 0

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
                dW += np.outer(da, s[t - 1])
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
                    dW += np.outer(da, s[step - 1])
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
