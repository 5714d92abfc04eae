#!/usr/bin/env python3
"""Reads a bptt-check case file of an LSTM or a GRU, runs the numpy BPTT of examples/python/gated_bptt.py on
it and writes a gradients file (docs/formats.md), as a student's script around their own code would. Used by
the tests as user code bptt-check did not write.

Usage: numpy_gated.py CASE.json OUT.json [--truncate k] [--detach-every k] [--clip-value v] [--clip-norm n]
                                         [--adjoints]
  --adjoints   also write the adjoints {"s": dL/ds_t, "c": dL/dc_t (LSTM)}, B x T x H, into the file
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))
from gated_bptt import gru_bptt, lstm_bptt  # noqa: E402

OPTIONS = {"--truncate": ("truncate", int), "--detach-every": ("detachEvery", int),
           "--clip-value": ("clipValue", float), "--clip-norm": ("clipNorm", float)}


def json_value(a):
    """Nested lists of floats, with a non-finite value as the string "NaN", "Infinity" or "-Infinity"."""
    if isinstance(a, list):
        return [json_value(v) for v in a]
    v = float(a)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def main(argv):
    case_path, out_path = argv[0], argv[1]
    options = {}
    for flag, (name, parse) in OPTIONS.items():
        if flag in argv:
            options[name] = parse(argv[argv.index(flag) + 1])
    with open(case_path) as f:
        case = json.load(f)

    model = case["model"]
    I = model["inputSize"]
    p = {name: np.array(value, dtype=np.float64) for name, value in case["params"].items()}
    ys = np.array(case["targets"], dtype=np.int64)
    B, T = ys.shape
    if "inputs" in case:
        xs = np.zeros((B, T, I))
        for n in range(B):
            for t in range(T):
                xs[n, t, case["inputs"][n][t]] = 1  # one-hot of the token id
    else:
        xs = np.array(case["inputVectors"], dtype=np.float64)
    s0 = np.array(case["initialState"], dtype=np.float64) if "initialState" in case else None
    rec = model.get("recurrentActivation", "hardSigmoid")  # tfjs's default

    bptt = {"lstm": lstm_bptt, "gru": gru_bptt}[model["cell"]]
    loss, grads, adjoints = bptt(p, xs, ys, s0, model["activation"], rec, model["bias"], options)

    out = {
        "schemaVersion": 1,
        "source": "numpy gated_bptt.py",
        "loss": json_value(loss),
        "gradients": {name: json_value(g.tolist()) for name, g in grads.items()},
    }
    if "--adjoints" in argv and adjoints is not None:
        out["adjoints"] = {name: json_value(a.tolist()) for name, a in adjoints.items()}
    with open(out_path, "w") as f_out:
        json.dump(out, f_out)


if __name__ == "__main__":
    main(sys.argv[1:])
