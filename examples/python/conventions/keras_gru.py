#!/usr/bin/env python3
"""A GRU as Keras computes it (keras.layers.GRU, reset_after=True, the default), written out in numpy with its
backward pass, reading a case exported in Keras's conventions and answering in them:

    npx bptt-check case --conventions keras --cell gru --bias --batch 2 --out c.json
    python3 examples/python/conventions/keras_gru.py c.json > g.json
    npx bptt-check verify --conventions keras --case c.json --grads g.json
    npx bptt-check compare --conventions keras --impl-cmd "python3 examples/python/conventions/keras_gru.py"

  params   kernel (I x 3H), recurrent_kernel (H x 3H), gates z, r, h in blocks of H columns;
           bias (2 x 3H): row 0 the input bias, row 1 the recurrent bias; dense.kernel (H x K), dense.bias (K);
           initial_state (B x H)
  step     x_z, x_r, x_h = x @ kernel + bias[0];  rec_z, rec_r, rec_h = h @ recurrent_kernel + bias[1]
           z = sigmoid(x_z + rec_z),  r = sigmoid(x_r + rec_r),  hh = tanh(x_h + r * rec_h)   (the reset after)
           h_new = z * h + (1 - z) * hh
  loss     the mean of the cross-entropy over every step that has a target (Keras's mean over B x T)

`--bug reset-before` is the classic slip of copying the textbook GRU backward (reset before: hh = tanh(x_h +
(r * h) @ R_h)) under Keras's forward: the loss is right, the gradients of recurrent_kernel, the recurrent
bias, r's weights and the state are not.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
from bptt_check import answer_of, serve  # noqa: E402


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def gru_cell(x, h, kernel, recurrent_kernel, bias):
    H = h.shape[1]
    xm = x @ kernel + bias[0]
    hm = h @ recurrent_kernel + bias[1]
    z = sigmoid(xm[:, :H] + hm[:, :H])
    r = sigmoid(xm[:, H : 2 * H] + hm[:, H : 2 * H])
    rec_h = hm[:, 2 * H :]
    hh = np.tanh(xm[:, 2 * H :] + r * rec_h)
    return z * h + (1 - z) * hh, (x, h, z, r, rec_h, hh)


def gru_cell_backward(dh_new, cache, recurrent_kernel, bug=None):
    x, h, z, r, rec_h, hh = cache
    H = h.shape[1]
    R_z, R_r, R_h = recurrent_kernel[:, :H], recurrent_kernel[:, H : 2 * H], recurrent_kernel[:, 2 * H :]
    da_z = dh_new * (h - hh) * z * (1 - z)  # h_new = z h + (1 - z) hh
    da_h = dh_new * (1 - z) * (1 - hh**2)  # hh = tanh(a_h)
    if bug == "reset-before":  # as if a_h = x_h + (r * h) @ R_h + b_h
        d_rh = da_h @ R_h.T
        da_r = d_rh * h * r * (1 - r)
        drec_h = da_h  # wrong: Keras's rec_h is h @ R_h + b_rec_h, multiplied by r afterwards
        dh_prev = dh_new * z + d_rh * r + da_z @ R_z.T + da_r @ R_r.T
        dR_h = (r * h).T @ da_h
    else:
        drec_h = da_h * r  # a_h = x_h + r * rec_h
        da_r = da_h * rec_h * r * (1 - r)
        dh_prev = dh_new * z + drec_h @ R_h.T + da_z @ R_z.T + da_r @ R_r.T
        dR_h = h.T @ drec_h
    dxm = np.hstack([da_z, da_r, da_h])  # the input side: x @ kernel + bias[0]
    dhm = np.hstack([da_z, da_r, drec_h])  # the recurrent side: h @ recurrent_kernel + bias[1]
    dkernel = x.T @ dxm
    drecurrent = h.T @ dhm
    drecurrent[:, 2 * H :] = dR_h
    dbias = np.stack([dxm.sum(axis=0), dhm.sum(axis=0)])
    return dh_prev, dkernel, drecurrent, dbias


def loss_and_grads(raw, bug=None):
    """The case file `raw` (Keras's names under params) -> (loss, {name: gradient}) in Keras's shapes."""
    model = raw["model"]
    if model["cell"] != "gru" or model.get("gruReset") != "after":
        raise ValueError("this is Keras's GRU with the reset after only")
    if model.get("activation", "tanh") != "tanh" or model.get("recurrentActivation", "sigmoid") != "sigmoid":
        raise ValueError("this Keras GRU is tanh with sigmoid gates only")
    p = {k: np.array(v, dtype=np.float64) for k, v in raw["params"].items()}
    I, H = model["inputSize"], model["hiddenSize"]
    y = np.array([[-1 if t is None else t for t in row] for row in raw["targets"]], dtype=np.int64)
    B, T = y.shape
    mask = y >= 0
    if "inputVectors" in raw:
        x = np.array(raw["inputVectors"], dtype=np.float64).reshape(B, T, I)
    else:
        x = np.eye(I)[np.array(raw["inputs"], dtype=np.int64).reshape(B, T)]
    kernel, recurrent_kernel = p["kernel"], p["recurrent_kernel"]
    bias = p["bias"].reshape(2, 3 * H) if "bias" in p else np.zeros((2, 3 * H))
    dense_kernel = p["dense.kernel"]
    dense_bias = p["dense.bias"].reshape(-1) if "dense.bias" in p else np.zeros(dense_kernel.shape[1])
    h = p["initial_state"].reshape(B, H) if "initial_state" in p else np.zeros((B, H))
    n = mask.sum()  # the steps that carry a loss

    caches, dlogits, hs = [], [], []
    loss = 0.0
    for t in range(T):
        h, cache = gru_cell(x[:, t], h, kernel, recurrent_kernel, bias)
        caches.append(cache)
        hs.append(h)
        logits = h @ dense_kernel + dense_bias
        logits = logits - logits.max(axis=1, keepdims=True)
        prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        yt = np.where(mask[:, t], y[:, t], 0)
        loss -= np.sum(mask[:, t] * (logits[np.arange(B), yt] - np.log(np.exp(logits).sum(axis=1)))) / n
        d = prob.copy()
        d[np.arange(B), yt] -= 1
        dlogits.append(d * mask[:, t, None] / n)  # dlogits = (softmax - onehot(y)) / n where a target is

    g = {
        "kernel": np.zeros_like(kernel),
        "recurrent_kernel": np.zeros_like(recurrent_kernel),
        "bias": np.zeros((2, 3 * H)),
        "dense.kernel": np.zeros_like(dense_kernel),
        "dense.bias": np.zeros(dense_kernel.shape[1]),
    }
    dh = np.zeros((B, H))
    for t in reversed(range(T)):
        g["dense.kernel"] += hs[t].T @ dlogits[t]
        g["dense.bias"] += dlogits[t].sum(axis=0)
        dh = dh + dlogits[t] @ dense_kernel.T
        dh, dk, dr, db = gru_cell_backward(dh, caches[t], recurrent_kernel, bug)
        g["kernel"] += dk
        g["recurrent_kernel"] += dr
        g["bias"] += db
    g["initial_state"] = dh
    return loss, {k: v.reshape(p[k].shape) for k, v in g.items() if k in p}


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

    if argv:  # python3 keras_gru.py case.json > grads.json
        with open(argv[0]) as f:
            loss, grads = loss_and_grads(json.load(f), bug)
        print(json.dumps({"conventions": "keras", **answer_of({"loss": loss, "gradients": grads})}))
    else:
        serve(gradients)


if __name__ == "__main__":
    main(sys.argv[1:])
