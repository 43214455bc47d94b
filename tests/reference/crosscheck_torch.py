#!/usr/bin/env python3
"""Cross-check the tfjs reference JSON files with an independent PyTorch model.

Run with Debian's python (torch imports only there):

    /usr/bin/python3 crosscheck_torch.py

Every case in ../LstmGen.Tests/Reference/*.json is rebuilt in PyTorch from the
JSON layer descriptions and weights, run in float32, and compared with the
JSON outputs (and stateH / stateC). Prints one line per case with the max abs
diff and writes the table to ../LstmGen.Tests/Reference/torch-crosscheck.txt.
Exits non-zero if any diff exceeds TOL.

LSTMs use torch.nn.LSTM where it applies (tanh/sigmoid activations, no mask):
Keras gate order i,f,c,o equals torch's i,f,g,o, so weight_ih = kernel.T,
weight_hh = recurrent_kernel.T, bias_ih = bias, bias_hh = 0. Other activations
and masked inputs use a hand-written recurrence in torch ops, with Keras 2
masking semantics: at a masked step the states h, c are carried over and the
step's output is the previous output (h_{t-1}).

Beyond the brief's required set (input/lstm/bidirectional/dense/
timeDistributed/repeatVector without mask), this also covers embedding,
masking, sliceLast and zeroPadding1d; the "scope" column tells which is which.
"""
import glob
import json
import os
import sys

import torch
import torch.nn.functional as F

TOL = 1e-5
HERE = os.path.dirname(os.path.abspath(__file__))
REF_DIR = os.path.normpath(os.path.join(HERE, "..", "LstmGen.Tests", "Reference"))
REPORT = os.path.join(REF_DIR, "torch-crosscheck.txt")

REQUIRED_TYPES = {"input", "lstm", "bidirectional", "dense", "timeDistributed", "repeatVector"}

KERAS_BASE = {
    "dense": "dense",
    "lstm": "lstm",
    "embedding": "embedding",
    "bidirectional": "bidirectional",
    "timeDistributed": "time_distributed",
    "repeatVector": "repeat_vector",
    "sliceLast": "lambda",
    "zeroPadding1d": "zero_padding1d",
    "gru": "gru",
    "simpleRnn": "simple_rnn",
    "activation": "activation",
    "dropout": "dropout",
    "spatialDropout1d": "spatial_dropout1d",
}
RNN_TYPES = {"lstm", "gru", "simpleRnn"}
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class Namer:
    def __init__(self):
        self.counts = {}

    def __call__(self, kind):
        base = KERAS_BASE[kind]
        k = self.counts.get(base, 0)
        self.counts[base] = k + 1
        return base if k == 0 else f"{base}_{k}"


class Weights:
    """Consumes the JSON weight list in order, checking names and shapes."""

    def __init__(self, entries):
        self.entries = entries
        self.pos = 0

    def take(self, name, shape):
        if self.pos >= len(self.entries):
            raise AssertionError(f"missing weight {name}")
        w = self.entries[self.pos]
        self.pos += 1
        if w["name"] != name:
            raise AssertionError(f"weight name {w['name']!r}, expected {name!r}")
        if list(w["shape"]) != list(shape):
            raise AssertionError(f"{name}: shape {w['shape']}, expected {shape}")
        t = torch.tensor(w["values"], dtype=torch.float32)
        if t.numel() != (1 if not shape else int(torch.tensor(shape).prod())):
            raise AssertionError(f"{name}: {t.numel()} values for shape {shape}")
        return t.reshape(shape)

    def done(self):
        if self.pos != len(self.entries):
            raise AssertionError(f"{len(self.entries) - self.pos} unused weights")


def act(name):
    """Keras's activations (keras/src/activations/activations.py), written in torch ops from their formulas."""
    return {
        "linear": lambda x: x,
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "softmax": lambda x: torch.softmax(x, dim=-1),
        "elu": lambda x: torch.where(x > 0, x, torch.expm1(torch.clamp(x, max=0.0))),
        "selu": lambda x: SELU_SCALE * torch.where(x > 0, x, SELU_ALPHA * torch.expm1(torch.clamp(x, max=0.0))),
        "gelu": lambda x: 0.5 * x * (1.0 + torch.erf(x / 2.0 ** 0.5)),
        "softplus": lambda x: torch.relu(x) + torch.log1p(torch.exp(-torch.abs(x))),
        "softsign": lambda x: x / (1.0 + torch.abs(x)),
        "swish": lambda x: x * torch.sigmoid(x),
        "hard_sigmoid": lambda x: torch.clamp(x + 3.0, 0.0, 6.0) / 6.0,  # Keras 3: relu6(x + 3) / 6
        "hard_sigmoid_keras2": lambda x: torch.clamp(0.2 * x + 0.5, 0.0, 1.0),  # Keras 2
        "leaky_relu": lambda x: torch.where(x > 0, x, 0.2 * x),
        "exponential": torch.exp,
    }[name]


def dense(x, d, prefix, W, in_dim):
    k = W.take(f"{prefix}/kernel", [in_dim, d["units"]])
    y = torch.matmul(x, k)  # last axis, per step for 3-D input (as Keras)
    if d["useBias"]:
        y = y + W.take(f"{prefix}/bias", [d["units"]])
    return act(d["activation"])(y)


def lstm_weights(d, prefix, W, in_dim):
    u = d["units"]
    k = W.take(f"{prefix}/kernel", [in_dim, 4 * u])
    r = W.take(f"{prefix}/recurrent_kernel", [u, 4 * u])
    b = W.take(f"{prefix}/bias", [4 * u]) if d["useBias"] else None
    return k, r, b


def lstm_run(x, mask, d, kw, go_backwards, methods):
    """Returns (sequence output in processing order, h, c)."""
    k, r, b = kw
    u = d["units"]
    B, T, _ = x.shape
    if go_backwards:
        x = torch.flip(x, dims=[1])
        mask = torch.flip(mask, dims=[1]) if mask is not None else None
    std = d["activation"] == "tanh" and d["recurrentActivation"] == "sigmoid"
    if std and mask is None:
        methods.add("nn.LSTM")
        m = torch.nn.LSTM(k.shape[0], u, batch_first=True, bias=b is not None)
        with torch.no_grad():
            m.weight_ih_l0.copy_(k.t())
            m.weight_hh_l0.copy_(r.t())
            if b is not None:
                m.bias_ih_l0.copy_(b)
                m.bias_hh_l0.zero_()
            seq, (h, c) = m(x)
        return seq, h[0], c[0]
    methods.add("manual" + ("+mask" if mask is not None else ""))
    a = act(d["activation"])
    ra = act(d["recurrentActivation"])
    h = torch.zeros(B, u)
    c = torch.zeros(B, u)
    outs = []
    for t in range(T):
        z = x[:, t, :] @ k + h @ r
        if b is not None:
            z = z + b
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        i, f, o = ra(i), ra(f), ra(o)
        c_new = f * c + i * a(g)
        h_new = o * a(c_new)
        if mask is not None:
            m = mask[:, t].unsqueeze(1)
            h_new = torch.where(m, h_new, h)  # carry previous output / state
            c_new = torch.where(m, c_new, c)
        h, c = h_new, c_new
        outs.append(h)
    return torch.stack(outs, dim=1), h, c


def gru_weights(d, prefix, W, in_dim):
    u = d["units"]
    k = W.take(f"{prefix}/kernel", [in_dim, 3 * u])
    r = W.take(f"{prefix}/recurrent_kernel", [u, 3 * u])
    b = None
    if d["useBias"]:
        b = W.take(f"{prefix}/bias", [2, 3 * u] if d["resetAfter"] else [3 * u])
    return k, r, b


def simple_rnn_weights(d, prefix, W, in_dim):
    u = d["units"]
    k = W.take(f"{prefix}/kernel", [in_dim, u])
    r = W.take(f"{prefix}/recurrent_kernel", [u, u])
    b = W.take(f"{prefix}/bias", [u]) if d["useBias"] else None
    return k, r, b


RNN_WEIGHTS = {"lstm": lstm_weights, "gru": gru_weights, "simpleRnn": simple_rnn_weights}


def zrh_to_rzn(t, u):
    """Keras GRU gate blocks (z, r, h) along the last axis -> torch's order (r, z, n)."""
    return torch.cat([t[..., u:2 * u], t[..., :u], t[..., 2 * u:]], dim=-1)


def gru_is_torch_form(d, mask):
    # nn.GRU is Keras's reset_after = True GRU with tanh / sigmoid (separate input and recurrent biases).
    return d["resetAfter"] and d["activation"] == "tanh" and d["recurrentActivation"] == "sigmoid" and mask is None


def gru_step(x_t, h, k, r, b, d, a, ra):
    """One Keras GRU step (keras/src/layers/rnn/gru.py, GRUCell.call) in torch ops."""
    u = d["units"]
    mx = x_t @ k
    if b is not None:
        mx = mx + (b[0] if d["resetAfter"] else b)
    xz, xr, xh = mx[:, :u], mx[:, u:2 * u], mx[:, 2 * u:]
    if d["resetAfter"]:
        mh = h @ r
        if b is not None:
            mh = mh + b[1]
        z = ra(xz + mh[:, :u])
        rr = ra(xr + mh[:, u:2 * u])
        hh = a(xh + rr * mh[:, 2 * u:])
    else:
        mh = h @ r[:, :2 * u]
        z = ra(xz + mh[:, :u])
        rr = ra(xr + mh[:, u:])
        hh = a(xh + (rr * h) @ r[:, 2 * u:])
    return z * h + (1 - z) * hh


def manual_rnn(x, mask, step, h0):
    """Recurrence with Keras 2 masking: a masked step carries the state and repeats the previous output."""
    h = h0
    outs = []
    for t in range(x.shape[1]):
        h_new = step(x[:, t, :], h)
        if mask is not None:
            h_new = torch.where(mask[:, t].unsqueeze(1), h_new, h)
        h = h_new
        outs.append(h)
    return torch.stack(outs, dim=1), h


def gru_run(x, mask, d, kw, go_backwards, methods):
    """Returns (sequence output in processing order, h, None)."""
    k, r, b = kw
    u = d["units"]
    B = x.shape[0]
    if go_backwards:
        x = torch.flip(x, dims=[1])
        mask = torch.flip(mask, dims=[1]) if mask is not None else None
    if gru_is_torch_form(d, mask):
        methods.add("nn.GRU")
        m = torch.nn.GRU(k.shape[0], u, batch_first=True, bias=b is not None)
        with torch.no_grad():
            m.weight_ih_l0.copy_(zrh_to_rzn(k, u).t())
            m.weight_hh_l0.copy_(zrh_to_rzn(r, u).t())
            if b is not None:
                m.bias_ih_l0.copy_(zrh_to_rzn(b[0], u))
                m.bias_hh_l0.copy_(zrh_to_rzn(b[1], u))
            seq, h = m(x)
        return seq, h[0], None
    methods.add("manual GRU" + ("+mask" if mask is not None else ""))
    a, ra = act(d["activation"]), act(d["recurrentActivation"])
    seq, h = manual_rnn(x, mask, lambda xt, h: gru_step(xt, h, k, r, b, d, a, ra), torch.zeros(B, u))
    return seq, h, None


def simple_rnn_run(x, mask, d, kw, go_backwards, methods):
    """Returns (sequence output in processing order, h, None)."""
    k, r, b = kw
    u = d["units"]
    B = x.shape[0]
    if go_backwards:
        x = torch.flip(x, dims=[1])
        mask = torch.flip(mask, dims=[1]) if mask is not None else None
    if d["activation"] in ("tanh", "relu") and mask is None:
        methods.add("nn.RNN")
        m = torch.nn.RNN(k.shape[0], u, nonlinearity=d["activation"], batch_first=True, bias=b is not None)
        with torch.no_grad():
            m.weight_ih_l0.copy_(k.t())
            m.weight_hh_l0.copy_(r.t())
            if b is not None:
                m.bias_ih_l0.copy_(b)
                m.bias_hh_l0.zero_()
            seq, h = m(x)
        return seq, h[0], None
    methods.add("manual RNN" + ("+mask" if mask is not None else ""))
    a = act(d["activation"])

    def step(xt, h):
        z = xt @ k + h @ r
        return a(z + b if b is not None else z)

    seq, h = manual_rnn(x, mask, step, torch.zeros(B, u))
    return seq, h, None


def run_case(case, x=None, W=None, lstm_run=lstm_run, gru_run=gru_run, simple_rnn_run=simple_rnn_run):
    """Runs a case. x (input tensor), W (a Weights) and the recurrent runners
    can be replaced (crosscheck_training_torch.py passes leaf tensors and
    differentiable recurrences). Returns (output, final states or None, methods)."""
    runners = {"lstm": lstm_run, "gru": gru_run, "simpleRnn": simple_rnn_run}
    layers = case["layers"]
    assert layers[0]["type"] == "input"
    B = case["batch"]
    shape = [B] + list(case["inputShape"])
    if x is None:
        if case["inputIsTokens"]:
            x = torch.tensor(case["input"], dtype=torch.long).reshape(shape)
        else:
            x = torch.tensor(case["input"], dtype=torch.float32).reshape(shape)
    if W is None:
        W = Weights(case["weights"])
    name_of = Namer()
    mask = None
    methods = set()
    states = None
    for d in layers[1:]:
        t = d["type"]
        if t == "dense":
            x = dense(x, d, name_of("dense"), W, x.shape[-1])  # mask passes through (Keras Dense)
        elif t == "timeDistributed":
            assert d["layer"]["type"] == "dense"
            name_of("dense")
            x = dense(x, d["layer"], name_of("timeDistributed"), W, x.shape[-1])
        elif t == "embedding":
            n = name_of("embedding")
            e = W.take(f"{n}/embeddings", [d["inputDim"], d["outputDim"]])
            mask = (x != 0) if d["maskZero"] else None
            x = e[x]
        elif t == "repeatVector":
            name_of("repeatVector")
            x = x.unsqueeze(1).repeat(1, d["n"], 1)
            mask = None
        elif t == "sliceLast":
            name_of("sliceLast")
            assert mask is None
            x = x[:, -d["n"]:, :]
        elif t == "zeroPadding1d":
            name_of("zeroPadding1d")
            assert mask is None
            x = F.pad(x, (0, 0, d["left"], d["right"]))
        elif t in RNN_TYPES:
            n = name_of(t)
            kw = RNN_WEIGHTS[t](d, n, W, x.shape[-1])
            seq, h, c = runners[t](x, mask, d, kw, d["goBackwards"], methods)
            x = seq if d["returnSequences"] else h
            if not d["returnSequences"]:
                mask = None
            if d["returnState"]:
                states = (h, c) if t == "lstm" else (h,)
        elif t in ("activation", "dropout", "spatialDropout1d"):
            name_of(t)  # the mask passes through (Keras: supports_masking); dropout is the identity in inference
            if t == "activation":
                x = act(d["activation"])(x)
        elif t == "bidirectional":
            inner = d["layer"]
            it = inner["type"]
            assert it in RNN_TYPES and not inner["returnState"]
            ln = name_of(it)
            bn = name_of("bidirectional")
            in_dim = x.shape[-1]
            kf = RNN_WEIGHTS[it](inner, f"{bn}/forward_{ln}", W, in_dim)
            kb = RNN_WEIGHTS[it](inner, f"{bn}/backward_{ln}", W, in_dim)
            sf, hf, _ = runners[it](x, mask, inner, kf, inner["goBackwards"], methods)
            sb, hb, _ = runners[it](x, mask, inner, kb, not inner["goBackwards"], methods)
            if inner["returnSequences"]:
                yf, yb = sf, torch.flip(sb, dims=[1])
            else:
                yf, yb = hf, hb
                mask = None
            mode = d["mergeMode"]
            if mode == "concat":
                x = torch.cat([yf, yb], dim=-1)
            elif mode == "sum":
                x = yf + yb
            elif mode == "mul":
                x = yf * yb
            elif mode == "ave":
                x = (yf + yb) * 0.5
            else:
                raise ValueError(mode)
        else:
            raise ValueError(f"unknown layer type {t}")
    W.done()
    return x, states, methods


def maxdiff(got, want_list, shape):
    want = torch.tensor(want_list, dtype=torch.float32).reshape(shape)
    if list(got.shape) != list(want.shape):
        raise AssertionError(f"shape {list(got.shape)} vs {list(want.shape)}")
    return float((got - want).abs().max())


def main():
    torch.set_grad_enabled(False)
    files = sorted(glob.glob(os.path.join(REF_DIR, "*.json")))
    if not files:
        print(f"no JSON files in {REF_DIR}", file=sys.stderr)
        return 2
    lines = [
        f"PyTorch cross-check of tfjs reference outputs (torch {torch.__version__}, float32, tol {TOL:g})",
        "",
        f"{'case':<34} {'scope':<9} {'recurrence via':<28} {'max |diff|':>12}  status",
    ]
    failed = 0
    overall = 0.0
    for path in files:
        case = json.load(open(path))
        types = {l["type"] for l in case["layers"]} | {l["layer"]["type"] for l in case["layers"] if "layer" in l}
        required = types <= REQUIRED_TYPES
        scope = "required" if required else "extra"
        try:
            y, states, methods = run_case(case)
            B = case["batch"]
            diff = maxdiff(y, case["output"], [B] + case["outputShape"])
            if states is not None:
                u = states[0].shape[-1]
                diff = max(diff, maxdiff(states[0], case["stateH"], [B, u]))
                if len(states) > 1:
                    diff = max(diff, maxdiff(states[1], case["stateC"], [B, u]))
                elif "stateC" in case:
                    raise AssertionError("JSON has stateC but the layer has no c state")
            elif "stateH" in case:
                raise AssertionError("JSON has stateH but no returnState layer")
            ok = diff <= TOL
            overall = max(overall, diff)
            lines.append(f"{case['name']:<34} {scope:<9} {','.join(sorted(methods)) or '-':<28} {diff:>12.3e}  {'ok' if ok else 'FAIL'}")
        except Exception as e:  # noqa: BLE001
            ok = False
            lines.append(f"{case['name']:<34} {scope:<9} {'-':<28} {'error':>12}  FAIL ({e})")
        if not ok:
            failed += 1
    lines += ["", f"{len(files)} cases, {failed} failed, overall max |diff| {overall:.3e}"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    with open(REPORT, "w") as f:
        f.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
