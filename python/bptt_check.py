"""bptt-check's subject protocol for numpy code: your BPTT as the subject of `bptt-check --impl-cmd`.

    import numpy as np
    from bptt_check import serve

    def gradients(case, options):
        ...                                  # your forward and backward pass
        return loss, {"U": dU, "W": dW, "V": dV}

    serve(gradients)

and then `npx bptt-check compare --impl-cmd "python3 my_bptt.py"`. bptt-check starts the script once and
sends it one request per line on stdin; serve() builds each case as numpy arrays, calls your function and
writes its answer as one line on stdout (docs/formats.md, "Subject protocol"). Only numpy is needed.

What your function gets:

  case     a Case: case.cell ("rnn", "lstm", "gru"), case.activation ("tanh", "sigmoid", "relu", "linear"),
           case.recurrent_activation (gated cells), case.bias, the sizes case.H, case.I, case.K, case.B
           (batch rows), case.T (steps), case.id, and as float64 numpy arrays in math layout:
             case.params      {"U": H×I, "W": H×H, "V": K×H, "b": (H,), "c": (K,)} (the gated cells' U_i, W_i,
                              b_i, …), each also an attribute: case.U, case.W, …
             case.inputs      B×T int array of token ids, or None when the inputs are dense
             case.x           B×T×I float64: the one-hot of the ids, or the dense input vectors
             case.dense       whether the inputs are dense vectors (then case.x is case.input_vectors)
             case.targets     B×T int array of target ids, −1 where the case's target is null (no loss there)
             case.mask        B×T float64: 1 where a step carries a loss, 0 where its target is null
           case.reduction ("sum", "mean-batch", "mean-time", "mean"): the loss is scale · Σ mask · (−log ŷ[y]),
           scale 1, 1/B, 1/T or 1/Σ mask (docs/formats.md, "Case file").
             case.initial_state  B×H float64 array, or None (zeros)
           case.raw is the case as JSON (the case-file shape); a case exported in another codebase's
           conventions (`bptt-check case --conventions cs231n`) keeps that codebase's tensor names in
           case.params and case.raw["params"] (examples/python/conventions/).
  options  a dict of what to do beyond full BPTT, keys present only when asked: "truncate" (k),
           "detachEvery" (k), "clipValue" (v), "clipNorm" (n). Your code must do them itself.

What your function returns: (loss, grads) or (loss, grads, adjoints), or a dict {"loss", "gradients",
"adjoints"?, "dtype"?}. grads maps each tensor name (those of case.params, plus "initialState", B×H, when
the case has an initial state) to a numpy array of the param's shape; adjoints is ∂L/∂s_t as a B×T×H array
(or a dict {"s": B×T×H, "c": B×T×H} for an LSTM). NaN and ±Infinity are sent as "NaN", "Infinity",
"-Infinity". An exception in your function is answered as an error (bptt-check names the case and exits 2)
and its traceback goes to stderr; print() inside your function goes to stderr too, as stdout carries the
protocol.
"""
import contextlib
import json
import math
import sys
import traceback

import numpy as np

__all__ = ["Case", "serve", "answer_of"]


class Case:
    """One case of bptt-check as numpy arrays (see the module's documentation)."""

    def __init__(self, raw):
        model = raw["model"]
        self.raw = raw
        self.id = raw.get("id")
        self.cell = model["cell"]
        self.activation = model["activation"]
        self.recurrent_activation = model.get("recurrentActivation")
        self.bias = bool(model["bias"])
        self.I, self.H, self.K = model["inputSize"], model["hiddenSize"], model["outputSize"]
        self.targets = np.array([[-1 if y is None else y for y in row] for row in raw["targets"]], dtype=np.int64)
        self.mask = (self.targets >= 0).astype(np.float64)
        self.reduction = raw.get("reduction", "sum")
        self.B, self.T = self.targets.shape
        self.params = {name: np.array(value, dtype=np.float64) for name, value in raw["params"].items()}
        for name, value in self.params.items():
            setattr(self, name, value)
        self.dense = "inputVectors" in raw
        if self.dense:
            self.inputs = None
            self.input_vectors = np.array(raw["inputVectors"], dtype=np.float64).reshape(self.B, self.T, self.I)
            self.x = self.input_vectors
        else:
            self.inputs = np.array(raw["inputs"], dtype=np.int64).reshape(self.B, self.T)
            self.input_vectors = None
            self.x = np.zeros((self.B, self.T, self.I))
            for b in range(self.B):
                for t in range(self.T):
                    self.x[b, t, self.inputs[b, t]] = 1.0
        # ours at the top level; in another codebase's conventions under params, in its own name and shape
        state = raw.get("initialState")
        for name in ("h0", "initial_state", "hprev"):
            if state is None and name in raw["params"]:
                state = np.array(raw["params"][name], dtype=np.float64)  # H×1 (min-char-rnn), 1×B×H, B×H
        self.initial_state = None if state is None else np.array(state, dtype=np.float64).reshape(self.B, self.H)

    def __repr__(self):
        return "Case(%s: %s %s, B=%d T=%d I=%d H=%d K=%d)" % (
            self.id, self.cell, self.activation, self.B, self.T, self.I, self.H, self.K)


def _plain(value):
    """A number, an array or nested lists as JSON data, NaN and ±Infinity as the strings bptt-check reads."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    return value


def answer_of(result):
    """The answer object of what your function returned: a tuple (loss, grads[, adjoints]) or a dict."""
    if isinstance(result, dict):
        out = dict(result)
    elif isinstance(result, (tuple, list)) and len(result) in (2, 3):
        out = {"loss": result[0], "gradients": result[1]}
        if len(result) == 3 and result[2] is not None:
            out["adjoints"] = result[2]
    else:
        raise TypeError("the function returned %s, expected (loss, grads), (loss, grads, adjoints) or a dict"
                        % type(result).__name__)
    adjoints = out.get("adjoints")
    if adjoints is not None and not isinstance(adjoints, dict):
        out["adjoints"] = {"s": adjoints}
    if out.get("adjoints") is None:
        out.pop("adjoints", None)
    return _plain(out)


def serve(fn, stdin=None, stdout=None):
    """Answers bptt-check's requests with fn(case, options) until stdin closes."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    for line in stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        rid = request.get("id")
        try:
            with contextlib.redirect_stdout(sys.stderr):  # the user's print() must not reach the protocol
                case = Case(request["case"])
                answer = answer_of(fn(case, dict(request.get("options") or {})))
            if rid is not None:
                answer["id"] = rid
            text = json.dumps(answer, allow_nan=False)
        except Exception as e:  # noqa: BLE001 - any failure of the user's code is an answer
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            text = json.dumps({"id": rid, "error": "%s: %s" % (type(e).__name__, e)})
        stdout.write(text + "\n")
        stdout.flush()
