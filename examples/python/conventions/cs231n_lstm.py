#!/usr/bin/env python3
"""An RNN and an LSTM language model written as cs231n's assignment 3 writes them (rnn_layers.py): row vectors
(x @ Wx, prev_h @ Wh), the LSTM's four gates i, f, o, g in one 4H block, temporal_affine for the scores and
temporal_softmax_loss averaging over the minibatch N with a mask. It reads a case exported in cs231n's
conventions and answers in them, with no conversion by hand:

    npx bptt-check case --conventions cs231n --cell lstm --batch 3 --out c.json
    python3 examples/python/conventions/cs231n_lstm.py c.json > g.json
    npx bptt-check verify --conventions cs231n --case c.json --grads g.json
    npx bptt-check compare --conventions cs231n --impl-cmd "python3 examples/python/conventions/cs231n_lstm.py"

  params   Wx (D x H, LSTM D x 4H), Wh (H x H or H x 4H), b (H or 4H), W_vocab (H x V), b_vocab (V), h0 (N x H)
  loss     L = -(1/N) sum_n sum_t mask[n, t] log p[n, t, y[n, t]]   (a null target: mask False)

`--bug forget-N` is the classic slip: temporal_softmax_loss divides the loss by N but not dx, so every
gradient is N times too large (bptt-check should call it the sum reduction, a convention, not a bug).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
from bptt_check import answer_of, serve  # noqa: E402


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(prev_h.dot(Wh) + x.dot(Wx) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)  # tanh' = 1 - tanh^2
    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)  # dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, c = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.zeros((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, 0:H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H : 4 * H])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc**2)  # next_h = o tanh(next_c)
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tc, dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)])  # i, f, o, g
    dx, dprev_h = da.dot(Wx.T), da.dot(Wh.T)
    return dx, dprev_h, dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h, prev_c = h0, np.zeros((N, H))
    cache = []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(c)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    x0, _, _, Wx, Wh = cache[0][:5]
    dx = np.zeros((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        step = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = step
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    out = x.reshape(N * T, D).dot(w).reshape(N, T, -1) + b
    return out, (x, w)


def temporal_affine_backward(dout, cache):
    x, w = cache
    N, T, D = x.shape
    M = w.shape[1]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M))
    return dx, dw, dout.sum(axis=(0, 1))


def temporal_softmax_loss(x, y, mask, bug=None):
    N, T, V = x.shape
    x_flat, y_flat, mask_flat = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1  # dscores = p - onehot(y)
    if bug != "forget-N":
        dx_flat /= N  # the loss is averaged over the minibatch
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)


def loss_and_grads(raw, bug=None):
    """The case file `raw` (cs231n's names under params) -> (loss, {name: gradient}) in cs231n's shapes."""
    model = raw["model"]
    if model.get("activation", "tanh") != "tanh" or model.get("recurrentActivation", "sigmoid") != "sigmoid":
        raise ValueError("this cs231n code is tanh with sigmoid gates only")
    cell = model["cell"]
    if cell not in ("rnn", "lstm"):
        raise ValueError("this cs231n code does the rnn and the lstm only, not %s" % cell)
    p = {k: np.array(v, dtype=np.float64) for k, v in raw["params"].items()}
    D, H = model["inputSize"], model["hiddenSize"]
    y = np.array([[-1 if t is None else t for t in row] for row in raw["targets"]], dtype=np.int64)
    N, T = y.shape
    mask = y >= 0
    y = np.where(mask, y, 0)
    if "inputVectors" in raw:
        x = np.array(raw["inputVectors"], dtype=np.float64).reshape(N, T, D)
    else:
        x = np.eye(D)[np.array(raw["inputs"], dtype=np.int64).reshape(N, T)]  # one-hot words
    G = 4 if cell == "lstm" else 1
    Wx, Wh = p["Wx"], p["Wh"]
    b = p["b"].reshape(G * H) if "b" in p else np.zeros(G * H)
    W_vocab = p["W_vocab"]
    b_vocab = p["b_vocab"].reshape(-1) if "b_vocab" in p else np.zeros(W_vocab.shape[1])
    h0 = p["h0"].reshape(N, H) if "h0" in p else np.zeros((N, H))

    forward, backward = (lstm_forward, lstm_backward) if cell == "lstm" else (rnn_forward, rnn_backward)
    h, cache = forward(x, h0, Wx, Wh, b)
    scores, affine_cache = temporal_affine_forward(h, W_vocab, b_vocab)
    loss, dscores = temporal_softmax_loss(scores, y, mask, bug)
    dh, dW_vocab, db_vocab = temporal_affine_backward(dscores, affine_cache)
    _, dh0, dWx, dWh, db = backward(dh, cache)

    grads = {"Wx": dWx, "Wh": dWh, "b": db, "W_vocab": dW_vocab, "b_vocab": db_vocab, "h0": dh0}
    return loss, {k: g.reshape(p[k].shape) for k, g in grads.items() if k in p}


def main(argv):
    bug = None
    if "--bug" in argv:
        bug = argv[argv.index("--bug") + 1]
        argv = [a for a in argv if a not in ("--bug", bug)]

    def gradients(case, options):
        if options:
            raise ValueError("this code does full BPTT only, not %s" % ", ".join(options))
        loss, grads = loss_and_grads(case.raw, bug)
        return {"loss": loss, "gradients": grads}

    if argv:  # python3 cs231n_lstm.py case.json > grads.json
        with open(argv[0]) as f:
            loss, grads = loss_and_grads(json.load(f), bug)
        out = answer_of({"loss": loss, "gradients": grads})
        print(json.dumps({"conventions": "cs231n", **out}))
    else:
        serve(gradients)


if __name__ == "__main__":
    main(sys.argv[1:])
