"""BPTT of an LSTM and a GRU in numpy, written from the equations the way a student writes it: a forward loop
over t that keeps every gate, then a backward loop from the last step down, with `+=` and `np.outer`.

    LSTM (gates i, f, g, o)                        GRU (gates z, r, h; the reset before the product)
      i = sig(U_i x_t + W_i s_{t-1} + b_i)           z = sig(U_z x_t + W_z s_{t-1} + b_z)
      f = sig(U_f x_t + W_f s_{t-1} + b_f)           r = sig(U_r x_t + W_r s_{t-1} + b_r)
      g = act(U_g x_t + W_g s_{t-1} + b_g)           h = act(U_h x_t + W_h (r * s_{t-1}) + b_h)
      o = sig(U_o x_t + W_o s_{t-1} + b_o)           s_t = z * s_{t-1} + (1 - z) * h
      c_t = f * c_{t-1} + i * g,  c_{-1} = 0
      s_t = o * act(c_t)
    y_t = softmax(V s_t + c),  L = sum_b sum_t -log y_t[target]

`sig` is the recurrent activation: "sigmoid" or "hardSigmoid" (tfjs's clip(0.2 a + 0.5, 0, 1)); `act` is
"tanh", "sigmoid", "relu" or "linear". Parameters are in math layout (U_* is H x I, W_* H x H, b_* H, V K x H,
c K), named as in a bptt-check case file.

    loss, grads, adjoints = lstm_bptt(p, xs, ys, s0, act, rec_act, bias, options)
    loss, grads, adjoints = gru_bptt(p, xs, ys, s0, act, rec_act, bias, options)

p: dict of float64 arrays (the case's params); xs: B x T x I inputs (one-hot rows for token ids); ys: B x T
int targets; s0: B x H initial state or None (the LSTM's cell state always starts at 0); bias: whether p has
the b_* and c; options: a dict with optional "truncate", "detachEvery", "clipValue", "clipNorm", done here:
  truncate k      each output L_t back-propagates through steps t, t-1, ..., max(0, t-k) only, starting from
                  dL_t/ds_t = V^T dz_t (and dL_t/dc_t = 0); dL/ds_{-1} gets only the windows that reach step 0
  detachEvery k   the state (s and, for the LSTM, c) entering steps k, 2k, ... is a constant
  clipValue v     every parameter gradient element clipped to [-v, v]
  clipNorm n      when the global L2 norm of the parameter gradients is above n, all are scaled by n / norm
                  (the value clip first; the initial state's gradient is not a parameter and is never clipped)
Returns the loss, the gradients (the names of p, plus "initialState" B x H when s0 is given) and the adjoints
{"s": dL/ds_t, B x T x H} (the LSTM also "c": dL/dc_t, everything c_t feeds), or None with truncate (each
output has its own window there, so there is no one dL/ds_t).
"""
import numpy as np

LSTM_GATES = ["i", "f", "g", "o"]
GRU_GATES = ["z", "r", "h"]


def activation(name):
    """f, and f' written from the output s = f(a)."""
    if name == "tanh":
        return np.tanh, lambda s: 1 - s**2
    if name == "sigmoid":
        return (lambda a: 1 / (1 + np.exp(-a))), (lambda s: s * (1 - s))
    if name == "relu":
        return (lambda a: np.maximum(a, 0)), (lambda s: (s > 0).astype(np.float64))
    if name == "linear":
        return (lambda a: a), (lambda s: np.ones_like(s))
    raise ValueError("unknown activation %r" % name)


def recurrent_activation(name):
    """sig, and sig' from its output y and its input a (hardSigmoid's slope needs a)."""
    if name == "sigmoid":
        return (lambda a: 1 / (1 + np.exp(-a))), (lambda y, a: y * (1 - y))
    if name == "hardSigmoid":

        def hard(a):
            return np.clip(0.2 * a + 0.5, 0, 1)

        def hard_prime(y, a):
            ramp = 0.2 * a + 0.5
            return np.where((ramp >= 0) & (ramp <= 1), 0.2, 0.0)

        return hard, hard_prime
    raise ValueError("unknown recurrent activation %r" % name)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def zero_grads(p, s0):
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    if s0 is not None:
        grads["initialState"] = np.zeros_like(s0)
    return grads


def clip(grads, options):
    """Clip the parameter gradients as the options say (in place); initialState is left alone."""
    params = [name for name in grads if name != "initialState"]
    if options.get("clipValue") is not None:
        v = options["clipValue"]
        for name in params:
            grads[name] = np.clip(grads[name], -v, v)
    if options.get("clipNorm") is not None:
        norm = np.sqrt(sum(np.sum(grads[name] ** 2) for name in params))
        if norm > options["clipNorm"]:
            for name in params:
                grads[name] = grads[name] * (options["clipNorm"] / norm)
    return grads


def backward(T, H, dh_out, step, options):
    """Run the cell's backward step over the steps of one sequence, with the variant the options ask for.

    dh_out[t] = V^T dz_t. step(t, ds, dc, keep) takes dL/ds_t and dL/dc_t from step t+1, adds step t's
    share of every gradient and returns (dL/ds_{t-1}, dL/dc_{t-1}) from step t. Returns dL/ds_{-1}.
    """
    k = options.get("truncate")
    every = options.get("detachEvery")
    if k is None:
        ds = np.zeros(H)
        dc = np.zeros(H)
        for t in reversed(range(T)):
            ds = ds + dh_out[t]  # what s_t feeds: its output and step t+1
            ds, dc = step(t, ds, dc, True)
            if every is not None and t > 0 and t % every == 0:
                ds = np.zeros(H)  # s_{t-1} (and c_{t-1}) entered step t detached
                dc = np.zeros(H)
        return ds
    ds0 = np.zeros(H)
    for t in range(T):
        ds = dh_out[t].copy()  # dL_t/ds_t
        dc = np.zeros(H)
        for j in range(t, max(0, t - k) - 1, -1):
            ds, dc = step(j, ds, dc, False)
        if t - k <= 0:
            ds0 += ds  # this window reached s_{-1}
    return ds0


def output_layer(p, bias, s_t, y_t):
    """The loss of one step and dz = softmax(V s_t + c) - onehot(y_t)."""
    z = p["V"].dot(s_t)
    if bias:
        z = z + p["c"]
    yhat = softmax(z)
    dz = yhat.copy()
    dz[y_t] -= 1
    return -np.log(yhat[y_t]), dz


def lstm_bptt(p, xs, ys, s0, act, rec_act, bias, options):
    f_act, df_act = activation(act)
    sig, dsig = recurrent_activation(rec_act)
    B, T, _ = xs.shape
    H = p["W_i"].shape[0]
    grads = zero_grads(p, s0)
    adj_s = np.zeros((B, T, H))
    adj_c = np.zeros((B, T, H))
    loss = 0.0

    for n in range(B):
        x = xs[n]
        # s[t] is s_t and c[t] is c_t; s[-1], c[-1] (the extra last row) are s_{-1}, c_{-1}
        s = np.zeros((T + 1, H))
        c = np.zeros((T + 1, H))
        if s0 is not None:
            s[-1] = s0[n]
        pre = {g: np.zeros((T, H)) for g in LSTM_GATES}
        gate = {g: np.zeros((T, H)) for g in LSTM_GATES}
        dz = np.zeros((T, p["V"].shape[0]))
        for t in range(T):
            for g in LSTM_GATES:
                a = p["U_" + g].dot(x[t]) + p["W_" + g].dot(s[t - 1])
                if bias:
                    a = a + p["b_" + g]
                pre[g][t] = a
                gate[g][t] = f_act(a) if g == "g" else sig(a)
            c[t] = gate["f"][t] * c[t - 1] + gate["i"][t] * gate["g"][t]
            s[t] = gate["o"][t] * f_act(c[t])
            step_loss, dz[t] = output_layer(p, bias, s[t], ys[n][t])
            loss += step_loss
            grads["V"] += np.outer(dz[t], s[t])
            if bias:
                grads["c"] += dz[t]

        def step(t, ds, dc_next, keep):
            i, f, g, o = (gate[name][t] for name in LSTM_GATES)
            ac = f_act(c[t])
            dc = ds * o * df_act(ac) + dc_next  # everything c_t feeds: s_t and c_{t+1}
            if keep:
                adj_s[n, t] = ds
                adj_c[n, t] = dc
            da = {
                "i": dc * g * dsig(i, pre["i"][t]),
                "f": dc * c[t - 1] * dsig(f, pre["f"][t]),
                "g": dc * i * df_act(g),
                "o": ds * ac * dsig(o, pre["o"][t]),
            }
            ds_prev = np.zeros(H)
            for name in LSTM_GATES:
                grads["U_" + name] += np.outer(da[name], x[t])
                grads["W_" + name] += np.outer(da[name], s[t - 1])
                if bias:
                    grads["b_" + name] += da[name]
                ds_prev += p["W_" + name].T.dot(da[name])
            return ds_prev, dc * f

        dh_out = dz.dot(p["V"])  # row t: V^T dz_t
        ds0 = backward(T, H, dh_out, step, options)
        if s0 is not None:
            grads["initialState"][n] = ds0

    adjoints = None if options.get("truncate") is not None else {"s": adj_s, "c": adj_c}
    return loss, clip(grads, options), adjoints


def gru_bptt(p, xs, ys, s0, act, rec_act, bias, options):
    f_act, df_act = activation(act)
    sig, dsig = recurrent_activation(rec_act)
    B, T, _ = xs.shape
    H = p["W_z"].shape[0]
    grads = zero_grads(p, s0)
    adj_s = np.zeros((B, T, H))
    loss = 0.0

    for n in range(B):
        x = xs[n]
        s = np.zeros((T + 1, H))  # s[t] is s_t, s[-1] is s_{-1}
        if s0 is not None:
            s[-1] = s0[n]
        pre = {g: np.zeros((T, H)) for g in GRU_GATES}
        gate = {g: np.zeros((T, H)) for g in GRU_GATES}
        dz = np.zeros((T, p["V"].shape[0]))
        for t in range(T):
            for g in ["z", "r"]:
                a = p["U_" + g].dot(x[t]) + p["W_" + g].dot(s[t - 1])
                if bias:
                    a = a + p["b_" + g]
                pre[g][t] = a
                gate[g][t] = sig(a)
            a = p["U_h"].dot(x[t]) + p["W_h"].dot(gate["r"][t] * s[t - 1])
            if bias:
                a = a + p["b_h"]
            pre["h"][t] = a
            gate["h"][t] = f_act(a)
            z = gate["z"][t]
            s[t] = z * s[t - 1] + (1 - z) * gate["h"][t]
            step_loss, dz[t] = output_layer(p, bias, s[t], ys[n][t])
            loss += step_loss
            grads["V"] += np.outer(dz[t], s[t])
            if bias:
                grads["c"] += dz[t]

        def step(t, ds, dc_next, keep):
            z, r, h = (gate[name][t] for name in GRU_GATES)
            if keep:
                adj_s[n, t] = ds
            da_z = ds * (s[t - 1] - h) * dsig(z, pre["z"][t])
            da_h = ds * (1 - z) * df_act(h)
            d_rs = p["W_h"].T.dot(da_h)  # dL/d(r * s_{t-1})
            da_r = d_rs * s[t - 1] * dsig(r, pre["r"][t])
            for name, da in [("z", da_z), ("r", da_r), ("h", da_h)]:
                grads["U_" + name] += np.outer(da, x[t])
                if bias:
                    grads["b_" + name] += da
            grads["W_z"] += np.outer(da_z, s[t - 1])
            grads["W_r"] += np.outer(da_r, s[t - 1])
            grads["W_h"] += np.outer(da_h, r * s[t - 1])
            ds_prev = ds * z + d_rs * r + p["W_z"].T.dot(da_z) + p["W_r"].T.dot(da_r)
            return ds_prev, dc_next

        dh_out = dz.dot(p["V"])  # row t: V^T dz_t
        ds0 = backward(T, H, dh_out, step, options)
        if s0 is not None:
            grads["initialState"][n] = ds0

    adjoints = None if options.get("truncate") is not None else {"s": adj_s}
    return loss, clip(grads, options), adjoints
