#!/usr/bin/env python3
"""The examples in other codebases' styles (examples/python/conventions/) against real torch.nn gradients:
test/fixtures/frameworks/ holds torch.nn.RNN/LSTM/GRU models with PyTorch's float64 autograd gradients. Each
model is rewritten here by hand in the example's names and layout (cs231n: row layout, gates i, f, o, g, one
bias, the loss over N; min-char-rnn: one sequence at a time, column vectors, the loss summed; Keras: row layout,
gates z, r, h, bias [input; recurrent], the mean over the steps), the example computes its loss and gradients,
and those are turned back into PyTorch's tensors and compared with PyTorch's. Prints one JSON object:
{"<check>": {"loss": |loss - torch's| / |torch's|, "<torch tensor>": max |ours - torch's| / max |torch's|}}."""
import importlib.util
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "examples", "python", "conventions")
FIXTURES = os.path.join(HERE, "..", "fixtures", "frameworks")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        d = json.load(f)
    p = {k: np.array(v, dtype=np.float64) for k, v in d["params"].items()}
    g = {k: np.array(v, dtype=np.float64) for k, v in d["gradients"].items()}
    return d, p, g


def blocks(m, H, order, new_order):
    """The blocks of H rows of m (PyTorch's stacked gates, in `order`) re-stacked in `new_order`."""
    return np.concatenate([m[order.index(g) * H : (order.index(g) + 1) * H] for g in new_order])


def errors(loss, torch_loss, grads, torch_grads):
    out = {"loss": abs(loss - torch_loss) / abs(torch_loss)}
    for name, t in torch_grads.items():
        out[name] = float(np.max(np.abs(grads[name] - t)) / np.max(np.abs(t)))
    return out


def model(cell, I, H, K):
    return {"cell": cell, "activation": "tanh", "recurrentActivation": "sigmoid", "bias": True,
            "inputSize": I, "hiddenSize": H, "outputSize": K, "gruReset": "after"}


def cs231n_check(name, cell, torch_order, cs_order):
    """torch → cs231n (Wx = W_ih^T in cs231n's gate order, b = b_ih + b_hh); its gradients → torch's."""
    d, p, g = fixture(name)
    H, I = p["weight_hh_l0"].shape[1], p["weight_ih_l0"].shape[1]
    K = p["linear.weight"].shape[0]
    B, T = len(d["targets"]), len(d["targets"][0])
    order = lambda m: blocks(m, H, torch_order, cs_order)  # noqa: E731
    params = {"Wx": order(p["weight_ih_l0"]).T, "Wh": order(p["weight_hh_l0"]).T,
              "b": order(p["bias_ih_l0"] + p["bias_hh_l0"]), "W_vocab": p["linear.weight"].T, "b_vocab": p["linear.bias"]}
    if "h0" in d:
        params["h0"] = np.array(d["h0"])
    raw = {"model": model(cell, I, H, K), "params": {k: v.tolist() for k, v in params.items()},
           "inputs": d["inputs"], "targets": d["targets"]}
    loss, cg = load("cs231n_lstm").loss_and_grads(raw)
    steps = sum(t is not None for row in d["targets"] for t in row)
    scale = B / steps  # cs231n divides the masked sum by N; PyTorch's mean by the steps with a target
    back = lambda m: blocks(m, H, cs_order, torch_order)  # noqa: E731
    grads = {"weight_ih_l0": back(cg["Wx"].T), "weight_hh_l0": back(cg["Wh"].T), "bias_ih_l0": back(cg["b"]),
             "bias_hh_l0": back(cg["b"]), "linear.weight": cg["W_vocab"].T, "linear.bias": cg["b_vocab"]}
    if "h0" in cg:
        grads["h0"] = cg["h0"]
    return errors(loss * scale, d["loss_value"], {k: v * scale for k, v in grads.items()}, g)


def min_char_check():
    """torch's RNN, each sequence through lossFun on its own (min-char-rnn is batch 1), the sums added."""
    d, p, g = fixture("pytorch-rnn-mean.json")
    mc = load("min_char_rnn")
    H, I = p["weight_hh_l0"].shape[1], p["weight_ih_l0"].shape[1]
    K = p["linear.weight"].shape[0]
    total, sums = 0.0, {}
    for n, (xs, ys) in enumerate(zip(d["inputs"], d["targets"])):
        params = {"Wxh": p["weight_ih_l0"], "Whh": p["weight_hh_l0"], "Why": p["linear.weight"],
                  "bh": (p["bias_ih_l0"] + p["bias_hh_l0"])[:, None], "by": p["linear.bias"][:, None],
                  "hprev": np.array(d["h0"][n])[:, None]}
        raw = {"model": model("rnn", I, H, K), "params": {k: v.tolist() for k, v in params.items()},
               "inputs": [xs], "targets": [ys]}
        loss, mg = mc.loss_and_grads(raw)
        total += loss
        for k, v in mg.items():
            sums[k] = sums.get(k, 0) + v
        sums.setdefault("h0", []).append(mg["hprev"][:, 0])
    steps = sum(t is not None for row in d["targets"] for t in row)
    grads = {"weight_ih_l0": sums["Wxh"], "weight_hh_l0": sums["Whh"], "bias_ih_l0": sums["bh"][:, 0],
             "bias_hh_l0": sums["bh"][:, 0], "linear.weight": sums["Why"], "linear.bias": sums["by"][:, 0],
             "h0": np.array(sums["h0"])}
    return errors(total / steps, d["loss_value"], {k: v / steps for k, v in grads.items()}, g)


def keras_check():
    """torch's GRU (r, z, n; the reset after) → Keras (z, r, h; kernel = W_ih^T; bias [b_ih; b_hh])."""
    d, p, g = fixture("pytorch-gru-mean.json")
    H, I = p["weight_hh_l0"].shape[1], p["weight_ih_l0"].shape[1]
    K = p["linear.weight"].shape[0]
    order = lambda m: blocks(m, H, "rzn", "zrn")  # noqa: E731
    back = lambda m: blocks(m, H, "zrn", "rzn")  # noqa: E731
    params = {"kernel": order(p["weight_ih_l0"]).T, "recurrent_kernel": order(p["weight_hh_l0"]).T,
              "bias": np.stack([order(p["bias_ih_l0"]), order(p["bias_hh_l0"])]),
              "dense.kernel": p["linear.weight"].T, "dense.bias": p["linear.bias"], "initial_state": np.array(d["h0"])}
    raw = {"model": model("gru", I, H, K), "params": {k: v.tolist() for k, v in params.items()},
           "inputs": d["inputs"], "targets": d["targets"]}
    loss, kg = load("keras_gru").loss_and_grads(raw)
    grads = {"weight_ih_l0": back(kg["kernel"].T), "weight_hh_l0": back(kg["recurrent_kernel"].T),
             "bias_ih_l0": back(kg["bias"][0]), "bias_hh_l0": back(kg["bias"][1]),
             "linear.weight": kg["dense.kernel"].T, "linear.bias": kg["dense.bias"], "h0": kg["initial_state"]}
    return errors(loss, d["loss_value"], grads, g)


if __name__ == "__main__":
    json.dump({
        "cs231n-rnn": cs231n_check("pytorch-rnn-mean.json", "rnn", "h", "h"),
        "cs231n-lstm-masked": cs231n_check("pytorch-lstm-masked-lengths.json", "lstm", "ifgo", "ifog"),
        "min-char-rnn": min_char_check(),
        "keras-gru": keras_check(),
    }, sys.stdout, indent=1)
