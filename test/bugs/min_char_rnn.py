#!/usr/bin/env python3
"""A student's batch loop around Karpathy's min-char-rnn lossFun (numpy, column vectors, his names:
Wxh = U, Whh = W, Why = V, bh = b, by = c), writing a gradients file for `bptt-check verify`. Tanh and token
inputs only, as min-char-rnn. Used by the tests as user code bptt-check did not write.

Usage: min_char_rnn.py CASE.json OUT.json [--bug carried-hprev|no-onehot|dU-assigned]
  carried-hprev  hprev returned by lossFun is passed to the next sequence of the batch, as min-char-rnn
                 does between the chunks of one text
  no-onehot      dy = np.copy(ps[t]) without dy[targets[t]] -= 1
  dU-assigned    dWxh[:, inputs[t]] = dhraw[:, 0] (the one-hot column) where += belongs
"""
import json
import sys

import numpy as np


def main(argv):
    case_path, out_path = argv[0], argv[1]
    bug = argv[argv.index("--bug") + 1] if "--bug" in argv else None
    with open(case_path) as f:
        case = json.load(f)
    model = case["model"]
    assert model["cell"] == "rnn" and model["activation"] == "tanh" and "inputs" in case
    vocab_size, hidden_size, K = model["inputSize"], model["hiddenSize"], model["outputSize"]
    Wxh = np.array(case["params"]["U"])
    Whh = np.array(case["params"]["W"])
    Why = np.array(case["params"]["V"])
    bh = np.array(case["params"]["b"]).reshape(-1, 1) if model["bias"] else np.zeros((hidden_size, 1))
    by = np.array(case["params"]["c"]).reshape(-1, 1) if model["bias"] else np.zeros((K, 1))

    def lossFun(inputs, targets, hprev):
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros((vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys[t] = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys[t] - np.max(ys[t])) / np.sum(np.exp(ys[t] - np.max(ys[t])))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            if bug != "no-onehot":
                dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            if bug == "dU-assigned":
                dWxh[:, inputs[t]] = dhraw[:, 0]
            else:
                dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1], dhnext

    total = 0
    grads = [np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why), np.zeros_like(bh), np.zeros_like(by)]
    dh0 = []
    initial = case.get("initialState")
    hprev = np.array(initial[0]).reshape(-1, 1) if initial else np.zeros((hidden_size, 1))
    for n, targets in enumerate(case["targets"]):
        if bug != "carried-hprev":
            hprev = np.array(initial[n]).reshape(-1, 1) if initial else np.zeros((hidden_size, 1))
        loss, *g, hprev, dhfirst = lossFun(case["inputs"][n], targets, hprev)
        total += loss
        for acc, d in zip(grads, g):
            acc += d
        dh0.append(dhfirst[:, 0].tolist())
    dWxh, dWhh, dWhy, dbh, dby = grads
    out = {"U": dWxh.tolist(), "W": dWhh.tolist(), "V": dWhy.tolist()}
    if model["bias"]:
        out["b"] = dbh[:, 0].tolist()
        out["c"] = dby[:, 0].tolist()
    if initial:
        out["initialState"] = dh0
    with open(out_path, "w") as f_out:
        json.dump({"schemaVersion": 1, "loss": float(total), "gradients": out}, f_out)


if __name__ == "__main__":
    main(sys.argv[1:])
