#!/usr/bin/env python3
"""Central finite differences in numpy (float64, tiny sizes) of the examples in other codebases' styles
(examples/python/conventions/): each script's gradients against the differences of its own loss, on cases
built here in that codebase's names and shapes (not by bptt-check). Prints one JSON object:
{"<variant>": {"<tensor>": max over entries of |analytic - fd| / (1e-8 + 1e-5 |fd|), ...}, ...}
(at most 1: the tensor agrees within atol 1e-8, rtol 1e-5)
where the variants are every script as written and with its `bug`."""
import copy
import importlib.util
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "examples", "python", "conventions")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case(rng, cell, names, B, T, I, H, K, dense=False):
    """A case file with the given tensors (name -> shape), random tokens and one null target."""
    params = {name: (0.6 * rng.standard_normal(shape)).tolist() for name, shape in names.items()}
    targets = rng.integers(0, K, size=(B, T)).tolist()
    targets[0][1] = None
    raw = {
        "model": {"cell": cell, "activation": "tanh", "recurrentActivation": "sigmoid", "bias": True,
                  "inputSize": I, "hiddenSize": H, "outputSize": K},
        "params": params,
        "targets": targets,
    }
    if dense:
        raw["inputVectors"] = rng.standard_normal((B, T, I)).tolist()
    else:
        raw["inputs"] = rng.integers(0, I, size=(B, T)).tolist()
    if cell == "gru":
        raw["model"]["gruReset"] = "after"
    return raw


def fd_errors(fn, raw, eps=1e-6):
    _, grads = fn(raw)
    errors = {}
    for name, g in grads.items():
        value = np.array(raw["params"][name], dtype=np.float64)
        g = np.asarray(g)
        assert g.shape == value.shape, (name, g.shape, value.shape)
        worst = 0.0
        for index in np.ndindex(value.shape):
            loss = []
            for sign in (1, -1):
                moved = copy.deepcopy(raw)
                v = value.copy()
                v[index] += sign * eps
                moved["params"][name] = v.tolist()
                loss.append(fn(moved)[0])
            fd = (loss[0] - loss[1]) / (2 * eps)  # dL/dp ~ (L(p + e) - L(p - e)) / 2e
            worst = max(worst, abs(g[index] - fd) / (1e-8 + 1e-5 * abs(fd)))  # <= 1: within atol 1e-8, rtol 1e-5
        errors[name] = worst
    return errors


def main():
    rng = np.random.default_rng(17)
    cs231n, min_char, keras = load("cs231n_lstm"), load("min_char_rnn"), load("keras_gru")
    B, T, I, H, K = 3, 4, 5, 3, 4
    out = {}
    for cell, G in (("rnn", 1), ("lstm", 4)):
        names = {"Wx": (I, G * H), "Wh": (H, G * H), "b": (G * H,), "W_vocab": (H, K), "b_vocab": (K,), "h0": (B, H)}
        for dense in (False, True):
            raw = case(rng, cell, names, B, T, I, H, K, dense)
            out["cs231n-%s%s" % (cell, "-dense" if dense else "")] = fd_errors(cs231n.loss_and_grads, raw)
        out["cs231n-%s-bug-forget-N" % cell] = fd_errors(lambda r: cs231n.loss_and_grads(r, "forget-N"), raw)

    names = {"Wxh": (H, I), "Whh": (H, H), "Why": (K, H), "bh": (H, 1), "by": (K, 1), "hprev": (H, 1)}
    raw = case(rng, "rnn", names, 1, 6, I, H, K)
    out["min-char-rnn"] = fd_errors(min_char.loss_and_grads, raw)
    out["min-char-rnn-bug-no-dbh"] = fd_errors(lambda r: min_char.loss_and_grads(r, "no-dbh"), raw)

    names = {"kernel": (I, 3 * H), "recurrent_kernel": (H, 3 * H), "bias": (2, 3 * H), "dense.kernel": (H, K),
             "dense.bias": (K,), "initial_state": (B, H)}
    raw = case(rng, "gru", names, B, T, I, H, K)
    out["keras-gru"] = fd_errors(keras.loss_and_grads, raw)
    out["keras-gru-dense"] = fd_errors(keras.loss_and_grads, case(rng, "gru", names, B, T, I, H, K, True))
    out["keras-gru-bug-reset-before"] = fd_errors(lambda r: keras.loss_and_grads(r, "reset-before"), raw)
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
