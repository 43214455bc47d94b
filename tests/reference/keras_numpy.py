"""Keras inference in numpy (float64 from the file's float32 weights), reading a model straight from its file with h5py.

An independent reference for LstmGen's Keras import and export: it reads the config (Keras 3 config.json, or the legacy
model_config attribute; Keras 1/2/3 key conventions) and the weights (Keras 3: layers/<snake_class>[_n]/.../vars/i by
per-class counter; legacy: model_weights/<layer>/ in weight_names order) itself, and runs Keras's inference formulas:

  LSTM      z = x W + h U + b, gates i, f, c, o: c' = f*c + i*act(zc), h' = o*act(c'), recurrent activation on i, f, o
  GRU       gates z, r, h; reset_after: hh = act(x Wh + b_in_h + r*(h Uh + b_rec_h)); else hh = act(x Wh + b_h + (r*h) Uh);
            h' = z*h + (1-z)*hh
  SimpleRNN h' = act(x W + h U + b)
  CuDNNLSTM as LSTM with bias = b[:4u] + b[4u:], tanh/sigmoid; CuDNNGRU as GRU reset_after with bias (2, 3u)
  go_backwards: the input reversed, outputs in processing order; Bidirectional: the backward run's sequence flipped back,
  then merged (concat, sum, mul, ave); Dense (per step on sequences), TimeDistributed(Dense), Embedding, Activation,
  RepeatVector, ZeroPadding1D; Dropout and SpatialDropout1D are the identity. No masking (inputs without token 0).
  hard_sigmoid: clip(0.2x + 0.5, 0, 1) for files from Keras 1/2 and tf.keras 2.x, clip(x/6 + 0.5, 0, 1) for Keras 3.
"""

import io
import json
import math
import re
import zipfile

import h5py
import numpy as np


def snake(cls):
    name = re.sub(r"\W+", "", cls)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def group_names(classes):
    used, names = {}, []
    for cls in classes:
        n = snake(cls)
        if n in used:
            used[n] += 1
            names.append(f"{n}_{used[n]}")
        else:
            used[n] = 0
            names.append(n)
    return names


_erf = np.vectorize(math.erf)


def activation(name, keras2):
    if isinstance(name, dict):
        name = name["config"] if isinstance(name.get("config"), str) else name["config"]["name"]
    if name is None or name == "linear":
        return lambda x: x
    return {
        "relu": lambda x: np.maximum(x, 0),
        "tanh": np.tanh,
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
        "hard_sigmoid": (lambda x: np.clip(0.2 * x + 0.5, 0, 1)) if keras2 else (lambda x: np.clip(x / 6 + 0.5, 0, 1)),
        "elu": lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1),
        "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(np.minimum(x, 0)) - 1)),
        "gelu": lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
        "softplus": lambda x: np.logaddexp(0, x),
        "softsign": lambda x: x / (1 + np.abs(x)),
        "swish": lambda x: x / (1 + np.exp(-x)),
        "silu": lambda x: x / (1 + np.exp(-x)),
        "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
        "exponential": np.exp,
    }[name]


# ----------------------------------------------------------------------------------------------------------------
# Reading a model file
# ----------------------------------------------------------------------------------------------------------------

def _k3_weights(group):
    """A Keras 3 object's variables: its own vars, then nested objects (forward_layer, backward_layer first)."""
    out = []
    if "vars" in group:
        v = group["vars"]
        out += [np.asarray(v[str(i)][()], dtype=np.float32) for i in range(len(v))]
    children = [k for k in group if k != "vars" and isinstance(group[k], h5py.Group)]
    children.sort(key=lambda k: (0 if k == "forward_layer" else 1 if k == "backward_layer" else 2, k))
    for k in children:
        out += _k3_weights(group[k])
    return out


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def layer_list(config):
    """The layers of a Sequential or linear Functional config, in model order, InputLayers dropped."""
    cfg = config["config"]
    layers = cfg if isinstance(cfg, list) else cfg["layers"]
    if config["class_name"] in ("Functional", "Model"):
        by_name = {l.get("name", l["config"].get("name")): l for l in layers}

        def sources(node):
            if isinstance(node, dict):
                if "keras_history" in node:
                    return [node["keras_history"][0]]
                return [s for v in node.values() for s in sources(v)]
            if isinstance(node, list):
                if len(node) >= 3 and isinstance(node[0], str) and isinstance(node[1], int):
                    return [node[0]]
                return [s for v in node for s in sources(v)]
            return []
        following = {}
        for l in layers:
            for s in sources(l.get("inbound_nodes", [])):
                following[s] = l
        ins = cfg["input_layers"]
        current = by_name[ins[0] if isinstance(ins[0], str) else ins[0][0]]
        ordered = [current]
        while current.get("name", current["config"].get("name")) in following:
            current = following[current.get("name", current["config"].get("name"))]
            ordered.append(current)
        layers = ordered
    return [l for l in layers if l["class_name"] != "InputLayer"]


def read_model(path, config=None):
    """(layers [(class, config, [weights])], keras2). A .weights.h5 needs `config` (a Keras 3 model config)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            config = json.loads(z.read("config.json"))
            meta = json.loads(z.read("metadata.json"))
            h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        version = meta.get("keras_version", "3")
        layers = layer_list(config)
        names = group_names([l["class_name"] for l in layers])
        with h5:
            weights = [_k3_weights(h5["layers"][n]) if n in h5["layers"] else [] for n in names]
        return [(l["class_name"], l["config"], w) for l, w in zip(layers, weights)], not version.startswith("3")
    h5 = h5py.File(io.BytesIO(data), "r")
    with h5:
        if "model_config" in h5.attrs:
            config = json.loads(_text(h5.attrs["model_config"]))
            version = _text(h5.attrs.get("keras_version", b"2"))
            root = h5["model_weights"]
            layers = layer_list(config)
            out = []
            for l in layers:
                name = l["config"]["name"]
                ws = []
                if name in root:
                    g = root[name]
                    ws = [np.asarray(g[_text(n)][()], dtype=np.float32) for n in g.attrs["weight_names"]]
                out.append((l["class_name"], l["config"], ws))
            return out, not version.startswith("3")
        if "layer_names" in h5.attrs:
            # Keras 2 save_weights: the groups with weights, in order, for the config's layers with weights, in order.
            groups = [h5[_text(n)] for n in h5.attrs["layer_names"]]
            groups = [[np.asarray(g[_text(n)][()], dtype=np.float32) for n in g.attrs["weight_names"]] for g in groups]
            groups = [g for g in groups if g]
            layers = layer_list(config)
            out, k = [], 0
            for l in layers:
                has = l["class_name"] in ("LSTM", "GRU", "SimpleRNN", "Dense", "Embedding", "Bidirectional", "TimeDistributed")
                out.append((l["class_name"], l["config"], groups[k] if has else []))
                k += has
            return out, True
        # Keras 3 .weights.h5: the given config's layers, weights by group name.
        layers = layer_list(config)
        names = group_names([l["class_name"] for l in layers])
        return [(l["class_name"], l["config"], _k3_weights(h5["layers"][n]) if n in h5["layers"] else [])
                for l, n in zip(layers, names)], False


# ----------------------------------------------------------------------------------------------------------------
# Inference
# ----------------------------------------------------------------------------------------------------------------

def _rnn(cls, cfg, w, x, keras2, go_backwards=None):
    """x: (batch, steps, features) float64. Returns the output sequence (processing order) or the last output."""
    cudnn = cls.startswith("CuDNN")
    kind = {"CuDNNLSTM": "LSTM", "CuDNNGRU": "GRU"}.get(cls, cls)
    act = activation("tanh" if cudnn else cfg.get("activation", "tanh"), keras2)
    ract = activation("sigmoid" if cudnn else cfg.get("recurrent_activation", "hard_sigmoid" if keras2 else "sigmoid"), keras2)
    units = cfg["units"]
    use_bias = True if cudnn else cfg.get("use_bias", True)
    W, U = w[0].astype(np.float64), w[1].astype(np.float64)
    b = w[2].astype(np.float64) if use_bias else None
    if cls == "CuDNNLSTM":
        b = b[: 4 * units] + b[4 * units:]
    reset_after = kind == "GRU" and (cudnn or cfg.get("reset_after", False))
    if cls == "CuDNNGRU":
        b = b.reshape(2, 3 * units)
    backwards = cfg.get("go_backwards", False) if go_backwards is None else go_backwards
    if backwards:
        x = x[:, ::-1]
    n, steps = x.shape[0], x.shape[1]
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    outs = []
    for t in range(steps):
        xt = x[:, t]
        if kind == "LSTM":
            z = xt @ W + h @ U + (b if b is not None else 0)
            i, f, cc, o = np.split(z, 4, axis=1)
            c = ract(f) * c + ract(i) * act(cc)
            h = ract(o) * act(c)
        elif kind == "GRU":
            if reset_after:
                bx, bh = (b[0], b[1]) if b is not None else (0, 0)
                mx = xt @ W + bx
                mh = h @ U + bh
                z = ract(mx[:, :units] + mh[:, :units])
                r = ract(mx[:, units:2 * units] + mh[:, units:2 * units])
                hh = act(mx[:, 2 * units:] + r * mh[:, 2 * units:])
            else:
                mx = xt @ W + (b if b is not None else 0)
                z = ract(mx[:, :units] + h @ U[:, :units])
                r = ract(mx[:, units:2 * units] + h @ U[:, units:2 * units])
                hh = act(mx[:, 2 * units:] + (r * h) @ U[:, 2 * units:])
            h = z * h + (1 - z) * hh
        else:
            h = act(xt @ W + h @ U + (b if b is not None else 0))
        outs.append(h)
    return np.stack(outs, axis=1) if cfg.get("return_sequences", False) else h


def forward(layers, x, keras2):
    """x: float inputs (batch, ...) or int token ids. Returns float64 outputs."""
    for cls, cfg, w in layers:
        if cls in ("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU"):
            x = _rnn(cls, cfg, w, x, keras2)
        elif cls == "Bidirectional":
            inner = cfg["layer"]
            half = len(w) // 2
            backwards = inner["config"].get("go_backwards", False)
            fw = _rnn(inner["class_name"], inner["config"], w[:half], x, keras2, go_backwards=backwards)
            bw = _rnn(inner["class_name"], inner["config"], w[half:], x, keras2, go_backwards=not backwards)
            if inner["config"].get("return_sequences", False):
                bw = bw[:, ::-1]
            mode = cfg.get("merge_mode", "concat")
            x = {"concat": lambda: np.concatenate([fw, bw], -1), "sum": lambda: fw + bw, "mul": lambda: fw * bw,
                 "ave": lambda: (fw + bw) / 2}[mode]()
        elif cls in ("Dense", "TimeDistributed"):
            c = cfg["layer"]["config"] if cls == "TimeDistributed" else cfg
            x = x @ w[0].astype(np.float64)
            if c.get("use_bias", True):
                x = x + w[1].astype(np.float64)
            x = activation(c.get("activation", "linear"), keras2)(x)
        elif cls == "Embedding":
            x = w[0].astype(np.float64)[np.asarray(x, dtype=np.int64)]
        elif cls == "Activation":
            x = activation(cfg["activation"], keras2)(x)
        elif cls == "RepeatVector":
            x = np.repeat(x[:, None, :], cfg["n"], axis=1)
        elif cls == "ZeroPadding1D":
            p = cfg["padding"]
            left, right = (p, p) if isinstance(p, int) else p
            x = np.pad(x, ((0, 0), (left, right), (0, 0)))
        elif cls in ("Dropout", "SpatialDropout1D"):
            pass
        else:
            raise ValueError(f"no numpy inference for {cls}")
    return x
