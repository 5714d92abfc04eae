#!/usr/bin/env python3
"""Karpathy's min-char-rnn lossFun (one sequence, column vectors, the loss summed), reading a case exported in
min-char-rnn's conventions and answering in them:

    npx bptt-check case --conventions min-char-rnn --batch 1 --initial-state --out c.json
    python3 examples/python/conventions/min_char_rnn.py c.json > g.json
    npx bptt-check verify --conventions min-char-rnn --case c.json --grads g.json
    npx bptt-check compare --conventions min-char-rnn --impl-cmd "python3 examples/python/conventions/min_char_rnn.py"

  params   Wxh (H x V), Whh (H x H), Why (V x H), bh (H x 1), by (V x 1), hprev (H x 1)
  forward  hs[t] = tanh(Wxh xs[t] + Whh hs[t-1] + bh),  ys[t] = Why hs[t] + by,  loss += -log ps[t][target]

min-char-rnn's `np.clip(dparam, -5, 5, out=dparam)` is done only when bptt-check asks for a value clip
(`clipValue`), with its value. `--bug no-dbh` is the classic slip: the line `dbh += dhraw` is missing.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
from bptt_check import answer_of, serve  # noqa: E402


def lossFun(inputs, targets, hprev, Wxh, Whh, Why, bh, by, bug=None, clip=None):
    """inputs, targets are lists of integers (a target None carries no loss); hprev is Hx1 array of initial
    hidden state. Returns the loss, gradients on model parameters, and the last hidden state (and dhprev)."""
    vocab_size = Wxh.shape[1]
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    # forward pass
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))  # encode in 1-of-k representation
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)  # hidden state
        ys[t] = np.dot(Why, hs[t]) + by  # unnormalized log probabilities for next chars
        ps[t] = np.exp(ys[t] - np.max(ys[t])) / np.sum(np.exp(ys[t] - np.max(ys[t])))  # probabilities
        if targets[t] is not None:
            loss += -np.log(ps[t][targets[t], 0])  # softmax (cross-entropy loss)
    # backward pass: compute gradients going backwards
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        if targets[t] is None:
            dy[:] = 0  # no loss at this step
        else:
            dy[targets[t]] -= 1  # backprop into y: dy = p - onehot(target)
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext  # backprop into h
        dhraw = (1 - hs[t] * hs[t]) * dh  # backprop through tanh nonlinearity
        if bug != "no-dbh":
            dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    if clip is not None:
        for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
            np.clip(dparam, -clip, clip, out=dparam)  # mitigate exploding gradients
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1], dhnext


def loss_and_grads(raw, bug=None, clip=None):
    """The case file `raw` (min-char-rnn's names under params) -> (loss, {name: gradient}) in its shapes."""
    model = raw["model"]
    if model["cell"] != "rnn" or model.get("activation", "tanh") != "tanh":
        raise ValueError("min-char-rnn is a tanh RNN only")
    if len(raw["targets"]) != 1:
        raise ValueError("min-char-rnn reads one sequence (batch 1), not %d" % len(raw["targets"]))
    p = {k: np.array(v, dtype=np.float64) for k, v in raw["params"].items()}
    H, V = model["hiddenSize"], model["outputSize"]
    inputs = list(np.array(raw["inputs"], dtype=np.int64).reshape(-1))
    targets = list(raw["targets"][0])
    hprev = p["hprev"].reshape(H, 1) if "hprev" in p else np.zeros((H, 1))
    bh = p["bh"].reshape(H, 1) if "bh" in p else np.zeros((H, 1))
    by = p["by"].reshape(V, 1) if "by" in p else np.zeros((V, 1))
    loss, dWxh, dWhh, dWhy, dbh, dby, _, dhprev = lossFun(
        inputs, targets, hprev, p["Wxh"], p["Whh"], p["Why"], bh, by, bug, clip
    )
    grads = {"Wxh": dWxh, "Whh": dWhh, "Why": dWhy, "bh": dbh, "by": dby, "hprev": dhprev}
    return loss, {k: g.reshape(p[k].shape) for k, g in grads.items() if k in p}


def main(argv):
    bug = None
    if "--bug" in argv:
        bug = argv[argv.index("--bug") + 1]
        argv = [a for a in argv if a not in ("--bug", bug)]

    def gradients(case, options):
        unknown = [k for k in options if k != "clipValue"]
        if unknown:
            raise ValueError("min-char-rnn does full BPTT (and a value clip) only, not %s" % ", ".join(unknown))
        loss, grads = loss_and_grads(case.raw, bug, options.get("clipValue"))
        return {"loss": loss, "gradients": grads}

    if argv:  # python3 min_char_rnn.py case.json > grads.json
        with open(argv[0]) as f:
            loss, grads = loss_and_grads(json.load(f), bug)
        print(json.dumps({"conventions": "min-char-rnn", **answer_of({"loss": loss, "gradients": grads})}))
    else:
        serve(gradients)


if __name__ == "__main__":
    main(sys.argv[1:])
