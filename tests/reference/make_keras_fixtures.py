#!/usr/bin/python3
"""Writes small Keras model/weights files in every layout LstmGen's importer reads, with what each one holds.

Keras itself cannot be installed here, so the files are written with h5py (Debian's python3-h5py) and numpy following
the layouts the real Keras versions write (checked against real files: ../shared/keras-models, and Keras's
saving_lib / legacy h5 format code):

  k3_*.keras           Keras 3 archive: zip of metadata.json, config.json, model.weights.h5
                       (weights at layers/<snake_class>[_n]/.../vars/0..n, per-class counters in model order,
                       a `name` attribute on every vars group as Keras 3.x writes it, optimizer state beside)
  k3_*.weights.h5      Keras 3 save_weights file (same HDF5 layout, no config)
  legacy_k3_*.h5       legacy HDF5 as Keras 3 writes it: model_weights/<layer>/<model>/<layer>/<cell>/kernel, no ':0'
  legacy_tf2_*.h5      tf.keras 2.x: model_weights/<layer>/<layer>/lstm_cell_N/kernel:0, N unrelated to the layer
  legacy_k22_*.h5      Keras 2.2 and older: model_weights/<layer>/<layer>/kernel:0, byte-string (|S) attributes
  legacy_k21_*.h5      Keras 2.0/2.1 Sequential whose config is a bare list of layers
  legacy_weights_*.h5  Keras 2 save_weights (.h5): layer_names at the root, no model_config
  storage_*.h5         storage variants: chunked + deflate + shuffle, compact, big-endian, float64, libver='latest'
  bad_*.h5             files that must be refused: another dtype, weight_names that do not match the datasets, ...

In every legacy file weight_names is NOT alphabetical (kernel, recurrent_kernel, bias), and datasets are created in
another order, so a reader that lists groups alphabetically gets them wrong.

Output: ../LstmGen.Tests/Fixtures/Keras/*.{keras,h5} and fixtures.json (per file: format, version, model, layers with
their class, name, config values, weight group and weights: name, path, shape, float32 values).

    /usr/bin/python3 make_keras_fixtures.py            # write the fixtures (deterministic: same bytes every run,
                                                       #   except the HDF5 files' internal timestamps, none here)
    /usr/bin/python3 make_keras_fixtures.py --check-written
        # check the files LstmGen's writer produced (Fixtures/Keras/written/, compared byte for byte by the C# tests)
        # with h5py: exact group/dataset layout, vars name attributes, shapes and values.
"""

import io
import json
import os
import struct
import sys
import zipfile

import h5py
import numpy as np

import keras_numpy

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "LstmGen.Tests", "Fixtures", "Keras")
WRITTEN = os.path.join(OUT, "written")

FIXTURES = {}  # file name -> description written to fixtures.json


# ----------------------------------------------------------------------------------------------------------------
# Weights
# ----------------------------------------------------------------------------------------------------------------

class Rng:
    """Deterministic float32 values (numpy's PCG64 with a fixed seed per fixture)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def __call__(self, *shape):
        return self.rng.uniform(-0.5, 0.5, size=shape).astype(np.float32)


def lstm_weights(rng, d, u):
    return [("kernel", rng(d, 4 * u)), ("recurrent_kernel", rng(u, 4 * u)), ("bias", rng(4 * u))]


def gru_weights(rng, d, u, reset_after):
    bias = rng(2, 3 * u) if reset_after else rng(3 * u)
    return [("kernel", rng(d, 3 * u)), ("recurrent_kernel", rng(u, 3 * u)), ("bias", bias)]


def rnn_weights(rng, d, u):
    return [("kernel", rng(d, u)), ("recurrent_kernel", rng(u, u)), ("bias", rng(u))]


def dense_weights(rng, d, u):
    return [("kernel", rng(d, u)), ("bias", rng(u))]


def f32list(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


def weight_entry(name, path, array):
    return {"name": name, "path": path, "shape": list(array.shape), "values": f32list(array)}


# ----------------------------------------------------------------------------------------------------------------
# Configs
# ----------------------------------------------------------------------------------------------------------------

K3_DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def k3_layer(cls, name, build_shape=None, **cfg):
    layer = {"module": "keras.layers", "class_name": cls,
             "config": {"name": name, "trainable": True, "dtype": K3_DTYPE, **cfg}, "registered_name": None}
    if build_shape is not None:
        layer["build_config"] = {"input_shape": build_shape}
    return layer


def rnn_cfg(units, return_sequences=False, go_backwards=False, activation="tanh", recurrent_activation="sigmoid", **extra):
    return dict(return_sequences=return_sequences, return_state=False, go_backwards=go_backwards, stateful=False,
                unroll=False, zero_output_for_mask=False, units=units, activation=activation,
                recurrent_activation=recurrent_activation, use_bias=True, dropout=0.0, recurrent_dropout=0.0,
                seed=None, **extra)


def k3_sequential(name, layers, build_shape):
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": name, "trainable": True, "dtype": K3_DTYPE, "layers": layers},
            "registered_name": None, "build_config": {"input_shape": build_shape}, "compile_config": None}


def k2_layer(cls, name, **cfg):
    return {"class_name": cls, "config": {"name": name, "trainable": True, "dtype": "float32", **cfg}}


def k2_rnn_cfg(units, return_sequences=False, activation="tanh", recurrent_activation="sigmoid", **extra):
    return dict(return_sequences=return_sequences, return_state=False, go_backwards=False, stateful=False,
                unroll=False, units=units, activation=activation, recurrent_activation=recurrent_activation,
                use_bias=True, dropout=0.0, recurrent_dropout=0.0, implementation=2, **extra)


# ----------------------------------------------------------------------------------------------------------------
# Keras 3 layout (.keras archive and .weights.h5)
# ----------------------------------------------------------------------------------------------------------------

def snake(cls):
    import re
    name = re.sub(r"\W+", "", cls)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def k3_groups(classes):
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


def write_k3_h5(target, model_name, layers, with_optimizer=True):
    """layers: list of (class, layer name, tree) where tree = {"vars": [(name, array)], "children": {attr: (obj name, tree)}}.
    Returns per layer (group name, [(relative name, absolute path, array)])."""
    out = []
    with h5py.File(target, "w") as f:
        f.create_group("vars").attrs["name"] = model_name
        lg = f.create_group("layers")
        for (cls, lname, tree), gname in zip(layers, k3_groups([c for c, _, _ in layers])):
            weights = []

            def put(group, obj_name, t, rel):
                v = group.create_group("vars")
                v.attrs["name"] = obj_name
                for i, (_, arr) in enumerate(t.get("vars", [])):
                    v.create_dataset(str(i), data=arr)
                    weights.append((f"{rel}vars/{i}", f"{v.name}/{i}", arr))
                for attr, (child_name, child) in t.get("children", {}).items():
                    put(group.create_group(attr), child_name, child, f"{rel}{attr}/")

            put(lg.create_group(gname), lname, tree, "")
            out.append((gname, weights))
        if with_optimizer:
            o = f.create_group("optimizer").create_group("vars")
            o.attrs["name"] = "adam"
            o.create_dataset("0", data=np.array(3, dtype=np.int64))
            o.create_dataset("1", data=np.array(0.001, dtype=np.float32))
    return out


def rnn_tree(cell_name, weights):
    return {"vars": [], "children": {"cell": (cell_name, {"vars": weights})}}


def describe_k3(file, fmt, version, model, layers, written, config_layers):
    """config_layers: list of (entry index in config layers or None, class, name) aligned with layers."""
    desc_layers = []
    for (cls, lname, _), (gname, weights) in zip(layers, written):
        desc_layers.append({"name": lname, "class": cls, "weight_group": "/layers/" + gname,
                            "weights": [weight_entry(n, p, a) for n, p, a in weights]})
    FIXTURES[file] = {"format": fmt, "keras_version": version, "backend": None, "model": model,
                      "layers": desc_layers, "uses_keras2_hard_sigmoid": False}


def k3_archive(file, config, layers, version, checks):
    buf = io.BytesIO()
    written = write_k3_h5(buf, config["config"]["name"], layers)
    with zipfile.ZipFile(os.path.join(OUT, file), "w") as z:
        def add(name, data):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 2, 3, 4, 6))
            z.writestr(info, data)
        add("metadata.json", json.dumps({"keras_version": version, "date_saved": "2025-01-02@03:04:05"}))
        add("config.json", json.dumps(config))
        add("model.weights.h5", buf.getvalue())
    describe_k3(file, "KerasArchive", version, checks, layers, written, None)


def make_k3():
    # 1. Stacked LSTM, Dropout, Dense (Sequential, steps fixed).
    r = Rng(1)
    l1, l2, d1 = lstm_weights(r, 3, 4), lstm_weights(r, 4, 5), dense_weights(r, 5, 2)
    layers = [("LSTM", "lstm", rnn_tree("lstm_cell", l1)), ("Dropout", "dropout", {}),
              ("LSTM", "lstm_1", rnn_tree("lstm_cell", l2)), ("Dense", "dense", {"vars": d1})]
    config = k3_sequential("sequential", [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 6, 3], "dtype": "float32", "sparse": False, "name": "input_layer"}, "registered_name": None},
        k3_layer("LSTM", "lstm", [None, 6, 3], **rnn_cfg(4, return_sequences=True, unit_forget_bias=True)),
        k3_layer("Dropout", "dropout", [None, 6, 4], rate=0.25, seed=None, noise_shape=None),
        k3_layer("LSTM", "lstm_1", [None, 6, 4], **rnn_cfg(5, unit_forget_bias=True)),
        k3_layer("Dense", "dense", [None, 5], units=2, activation="linear", use_bias=True),
    ], [None, 6, 3])
    k3_archive("k3_lstm_stack.keras", config, layers, "3.3.3", {
        "class": "Sequential", "name": "sequential", "input_shape": [6, 3], "input_dtype": "float32",
        "configs": {"lstm": {"units": 4, "return_sequences": True}, "lstm_1": {"units": 5, "return_sequences": False},
                    "dropout": {"rate": 0.25}, "dense": {"units": 2, "activation": "linear"}}})

    # 2. Bidirectional(LSTM) with its Keras 3 config (layer = forward, backward_layer), TimeDistributed(Dense).
    r = Rng(2)
    fw, bw, td = lstm_weights(r, 2, 3), lstm_weights(r, 2, 3), dense_weights(r, 6, 2)
    layers = [("Bidirectional", "bidirectional", {"vars": [], "children": {
                  "forward_layer": ("forward_lstm", rnn_tree("lstm_cell", fw)),
                  "backward_layer": ("backward_lstm", rnn_tree("lstm_cell", bw))}}),
              ("TimeDistributed", "time_distributed", {"vars": [], "children": {"layer": ("dense", {"vars": td})}})]
    bidir = k3_layer("Bidirectional", "bidirectional", [None, 4, 2], merge_mode="concat",
                     layer=k3_layer("LSTM", "forward_lstm", [None, 4, 2], **rnn_cfg(3, return_sequences=True, unit_forget_bias=True)),
                     backward_layer=k3_layer("LSTM", "backward_lstm", [None, 4, 2], **rnn_cfg(3, return_sequences=True, go_backwards=True, unit_forget_bias=True)))
    tdl = k3_layer("TimeDistributed", "time_distributed", [None, 4, 6],
                   layer=k3_layer("Dense", "dense", None, units=2, activation="softmax", use_bias=True))
    config = k3_sequential("sequential_3", [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 4, 2], "dtype": "float32", "sparse": False, "name": "input_layer_3"}, "registered_name": None},
        bidir, tdl], [None, 4, 2])
    k3_archive("k3_bidirectional_timedistributed.keras", config, layers, "3.15.0", {
        "class": "Sequential", "name": "sequential_3", "input_shape": [4, 2], "input_dtype": "float32",
        "configs": {"bidirectional": {"merge_mode": "concat"}},
        "wrapped": {"bidirectional": {"layer": ["LSTM", "forward_lstm"], "backward_layer": ["LSTM", "backward_lstm"]},
                    "time_distributed": {"layer": ["Dense", "dense"]}}})

    # 3. Functional (Keras 3 inbound_nodes with keras_history), steps left open, Embedding -> GRU -> SimpleRNN -> Dense.
    r = Rng(3)
    emb, gru, rnn, dense = [("embeddings", r(11, 4))], gru_weights(r, 4, 3, True), rnn_weights(r, 3, 2), dense_weights(r, 2, 1)

    def node(src, shape):
        return [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": [src, 0, 0]}}],
                 "kwargs": {}}]

    def fl(layer, inbound):
        layer = dict(layer)
        layer["name"] = layer["config"]["name"]
        layer["inbound_nodes"] = inbound
        return layer

    # Layers listed out of chain order on purpose: the reader must follow inbound_nodes.
    f_layers = [
        fl({"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None, None], "dtype": "int32", "sparse": False, "name": "tokens"}, "registered_name": None}, []),
        fl(k3_layer("GRU", "gru", [None, None, 4], **rnn_cfg(3, return_sequences=True, reset_after=True)), node("embedding", [None, None, 4])),
        fl(k3_layer("Embedding", "embedding", [None, None], input_dim=11, output_dim=4, mask_zero=False), node("tokens", [None, None])),
        fl(k3_layer("SimpleRNN", "simple_rnn", [None, None, 3], **rnn_cfg(2)), node("gru", [None, None, 3])),
        fl(k3_layer("Dense", "dense", [None, 2], units=1, activation="sigmoid", use_bias=True), node("simple_rnn", [None, 2])),
    ]
    config = {"module": "keras.src.models.functional", "class_name": "Functional",
              "config": {"name": "functional", "trainable": True, "layers": f_layers,
                         "input_layers": [["tokens", 0, 0]], "output_layers": [["dense", 0, 0]]},
              "registered_name": "Functional", "build_config": {"input_shape": None}, "compile_config": None}
    layers = [("InputLayer", "tokens", {}), ("Embedding", "embedding", {"vars": emb}),
              ("GRU", "gru", rnn_tree("gru_cell", gru)), ("SimpleRNN", "simple_rnn", rnn_tree("simple_rnn_cell", rnn)),
              ("Dense", "dense", {"vars": dense})]
    k3_archive("k3_functional_embedding_gru_rnn.keras", config, layers, "3.6.0", {
        "class": "Functional", "name": "functional", "input_shape": [None], "input_dtype": "int32",
        "order": ["tokens", "embedding", "gru", "simple_rnn", "dense"],
        "configs": {"gru": {"units": 3, "reset_after": True, "return_sequences": True}, "simple_rnn": {"units": 2},
                    "embedding": {"input_dim": 11, "output_dim": 4}, "dense": {"activation": "sigmoid"}}})

    # 4. Keras 3 .weights.h5 (no config): LSTM, Dense.
    r = Rng(4)
    lw, dw = lstm_weights(r, 2, 2), dense_weights(r, 2, 3)
    layers = [("LSTM", "lstm", rnn_tree("lstm_cell", lw)), ("Dense", "dense", {"vars": dw}), ("Dense", "dense_1", {"vars": dense_weights(r, 3, 1)})]
    written = write_k3_h5(os.path.join(OUT, "k3_lstm_dense.weights.h5"), "sequential", layers, with_optimizer=False)
    FIXTURES["k3_lstm_dense.weights.h5"] = {
        "format": "Keras3Weights", "keras_version": None, "backend": None, "model": None, "layers": [],
        "uses_keras2_hard_sigmoid": False,
        "weight_groups": [{"name": g, "path": "/layers/" + g, "weights": [weight_entry(n, p, a) for n, p, a in w]}
                          for g, w in sorted(written)]}


# ----------------------------------------------------------------------------------------------------------------
# Legacy HDF5 (model.save("m.h5"))
# ----------------------------------------------------------------------------------------------------------------

def vlen(strings):
    return np.array(strings, dtype=h5py.string_dtype())


def fixed(strings):
    return np.array([s.encode("utf8") for s in strings])


def write_legacy(file, config, version, layers, byte_strings=False, model_attrs=True, include_empty=True,
                 top_level=True, checks=None, fmt="LegacyHdf5Model"):
    """layers: list of (layer name, class, [(weight name, array)]): weight names are paths below model_weights/<layer>/."""
    path = os.path.join(OUT, file)
    strings = fixed if byte_strings else vlen
    with h5py.File(path, "w") as f:
        if model_attrs:
            if byte_strings:
                f.attrs["keras_version"] = np.bytes_(version.encode())
                f.attrs["backend"] = np.bytes_(b"tensorflow")
                f.attrs["model_config"] = np.bytes_(json.dumps(config).encode())
            else:
                f.attrs["keras_version"] = version
                f.attrs["backend"] = "tensorflow"
                f.attrs["model_config"] = json.dumps(config)
            f.attrs["training_config"] = json.dumps({"loss": "mse", "optimizer_config": {"class_name": "Adam", "config": {}}})
            root = f.create_group("model_weights")
        else:
            root = f
        names = [n for n, _, w in layers if include_empty or w]
        root.attrs["layer_names"] = strings(names)
        root.attrs["backend"] = "tensorflow"
        root.attrs["keras_version"] = version
        for lname, cls, weights in layers:
            if not include_empty and not weights:
                continue
            g = root.create_group(lname)
            g.attrs["weight_names"] = strings([n for n, _ in weights]) if weights else np.array([], dtype=np.float64)
            # Create the datasets in reverse order: neither creation nor alphabetical order is the weight order.
            for wname, arr in reversed(weights):
                g.create_dataset(wname, data=arr)
        if model_attrs and top_level:
            root.create_group("top_level_model_weights").attrs["weight_names"] = np.array([], dtype=np.float64)
        if model_attrs:
            ow = f.create_group("optimizer_weights")
            ow.attrs["weight_names"] = strings(["iter:0"])
            ow.create_dataset("iter:0", data=np.array(7, dtype=np.int64))
    prefix = "/model_weights/" if model_attrs else "/"
    FIXTURES[file] = {
        "format": fmt, "keras_version": version, "backend": "tensorflow", "model": checks,
        "uses_keras2_hard_sigmoid": not version.startswith("3"),
        "layers": [{"name": n, "class": c, "weight_group": (prefix + n) if (include_empty or w) else None,
                    "weights": [weight_entry(wn, prefix + n + "/" + wn, a) for wn, a in w]} for n, c, w in layers],
    }


def named(prefix, weights, suffix=""):
    return [(f"{prefix}/{n}{suffix}", a) for n, a in weights]


def make_legacy():
    # Keras 3 model.save("m.h5"): model name in the paths, no ':0'; InputLayer not in layer_names.
    r = Rng(10)
    lw, gw, dw = lstm_weights(r, 3, 2), gru_weights(r, 2, 2, True), dense_weights(r, 2, 1)
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "trainable": True, "dtype": K3_DTYPE, "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 5, 3], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_layer_1", "optional": False}},
        {"class_name": "LSTM", "config": {"name": "lstm", "trainable": True, "dtype": K3_DTYPE, **rnn_cfg(2, return_sequences=True, unit_forget_bias=True)}},
        {"class_name": "GRU", "config": {"name": "gru", "trainable": True, "dtype": K3_DTYPE, **rnn_cfg(2, reset_after=True)}},
        {"class_name": "Dense", "config": {"name": "dense_2", "trainable": True, "dtype": K3_DTYPE, "units": 1, "activation": "linear", "use_bias": True}},
    ], "build_input_shape": [None, 5, 3]}}
    write_legacy("legacy_k3_lstm_gru_dense.h5", config, "3.13.2", [
        ("input_layer_1", "InputLayer", []),
        ("lstm", "LSTM", named("sequential_1/lstm/lstm_cell", lw)),
        ("gru", "GRU", named("sequential_1/gru/gru_cell", gw)),
        ("dense_2", "Dense", named("sequential_1/dense_2", dw)),
    ], include_empty=False, checks={"class": "Sequential", "name": "sequential_1", "input_shape": [5, 3], "input_dtype": "float32",
                                    "configs": {"gru": {"reset_after": True}, "lstm": {"return_sequences": True}}})

    # tf.keras 2.x: cells numbered per session (lstm_cell_7, lstm_cell_8, gru_cell_12), ':0' suffix, Bidirectional
    # without backward_layer in its config, TimeDistributed(Dense), GRU reset_after (bias (2, 3u)).
    r = Rng(11)
    fw, bw, gw, tw = lstm_weights(r, 4, 3), lstm_weights(r, 4, 3), gru_weights(r, 6, 2, True), dense_weights(r, 2, 3)
    lstm_cfg = k2_rnn_cfg(3, return_sequences=True, unit_forget_bias=True, time_major=False)
    config = {"class_name": "Sequential", "config": {"name": "sequential_4", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 7, 4], "dtype": "float32", "sparse": False, "ragged": False, "name": "bidirectional_2_input"}},
        k2_layer("Bidirectional", "bidirectional_2", layer={"class_name": "LSTM", "config": {"name": "lstm_3", "trainable": True, "dtype": "float32", **lstm_cfg}}, merge_mode="concat"),
        k2_layer("Dropout", "dropout_2", rate=0.5, noise_shape=None, seed=None),
        k2_layer("GRU", "gru_1", **k2_rnn_cfg(2, return_sequences=True, reset_after=True, time_major=False)),
        k2_layer("TimeDistributed", "time_distributed_1", layer={"class_name": "Dense", "config": {"name": "dense_5", "trainable": True, "dtype": "float32", "units": 3, "activation": "softmax", "use_bias": True}}),
    ]}}
    write_legacy("legacy_tf2_bidirectional_gru_td.h5", config, "2.10.0", [
        ("bidirectional_2", "Bidirectional", named("bidirectional_2/forward_lstm_3/lstm_cell_7", fw, ":0") + named("bidirectional_2/backward_lstm_3/lstm_cell_8", bw, ":0")),
        ("dropout_2", "Dropout", []),
        ("gru_1", "GRU", named("gru_1/gru_cell_12", gw, ":0")),
        ("time_distributed_1", "TimeDistributed", named("time_distributed_1", tw, ":0")),
    ], checks={"class": "Sequential", "name": "sequential_4", "input_shape": [7, 4], "input_dtype": "float32",
               "configs": {"gru_1": {"reset_after": True, "units": 2}, "bidirectional_2": {"merge_mode": "concat"}},
               "wrapped": {"bidirectional_2": {"layer": ["LSTM", "lstm_3"], "backward_layer": None},
                           "time_distributed_1": {"layer": ["Dense", "dense_5"]}}})

    # Keras 2.2.4: byte strings everywhere, no InputLayer (batch_input_shape on the first layer), Embedding, GRU
    # without reset_after and hard_sigmoid.
    r = Rng(12)
    ew, gw, dw = [("embeddings", r(9, 3))], gru_weights(r, 3, 4, False), dense_weights(r, 4, 2)
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
        k2_layer("Embedding", "embedding_1", batch_input_shape=[None, 8], input_dim=9, output_dim=3, mask_zero=False, input_length=8),
        k2_layer("GRU", "gru_1", **k2_rnn_cfg(4, recurrent_activation="hard_sigmoid")),
        k2_layer("Dense", "dense_1", units=2, activation="sigmoid", use_bias=True),
    ]}}
    write_legacy("legacy_k22_embedding_gru.h5", config, "2.2.4", [
        ("embedding_1", "Embedding", named("embedding_1", ew, ":0")),
        ("gru_1", "GRU", named("gru_1", gw, ":0")),
        ("dense_1", "Dense", named("dense_1", dw, ":0")),
    ], byte_strings=True, top_level=False,
        checks={"class": "Sequential", "name": "sequential_1", "input_shape": [8], "input_dtype": "float32",
                "configs": {"gru_1": {"recurrent_activation": "hard_sigmoid", "units": 4}, "embedding_1": {"input_dim": 9}},
                "absent": {"gru_1": ["reset_after"]}})

    # Keras 2.0/2.1 Sequential: the config is a bare list of layers.
    r = Rng(13)
    lw, tw = lstm_weights(r, 2, 3), dense_weights(r, 3, 1)
    config = {"class_name": "Sequential", "config": [
        k2_layer("LSTM", "lstm_1", batch_input_shape=[None, 4, 2], **k2_rnn_cfg(3, return_sequences=True, recurrent_activation="hard_sigmoid", unit_forget_bias=True)),
        k2_layer("TimeDistributed", "time_distributed_1", layer={"class_name": "Dense", "config": {"name": "dense_1", "units": 1, "activation": "linear", "use_bias": True}}),
    ]}
    write_legacy("legacy_k21_list_config.h5", config, "2.1.6", [
        ("lstm_1", "LSTM", named("lstm_1", lw, ":0")),
        ("time_distributed_1", "TimeDistributed", named("time_distributed_1", tw, ":0")),
    ], byte_strings=True, top_level=False,
        checks={"class": "Sequential", "name": None, "input_shape": [4, 2], "input_dtype": "float32",
                "configs": {"lstm_1": {"units": 3, "recurrent_activation": "hard_sigmoid"}}})

    # Keras 2.2 with the cuDNN layers: Bidirectional(CuDNNLSTM) (bias (8u): input bias then recurrent bias) and
    # CuDNNGRU (bias (6u), the reset-after form), whose configs have no activations.
    r = Rng(15)
    u1, u2 = 3, 2
    fw = [("kernel", r(4, 4 * u1)), ("recurrent_kernel", r(u1, 4 * u1)), ("bias", r(8 * u1))]
    bw = [("kernel", r(4, 4 * u1)), ("recurrent_kernel", r(u1, 4 * u1)), ("bias", r(8 * u1))]
    gw = [("kernel", r(2 * u1, 3 * u2)), ("recurrent_kernel", r(u2, 3 * u2)), ("bias", r(6 * u2))]

    def cudnn_cfg(units, return_sequences):
        return dict(return_sequences=return_sequences, return_state=False, go_backwards=False, stateful=False, units=units,
                    kernel_initializer={"class_name": "VarianceScaling", "config": {}}, unit_forget_bias=True)
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
        k2_layer("Bidirectional", "bidirectional_1", batch_input_shape=[None, 6, 4], merge_mode="concat",
                 layer={"class_name": "CuDNNLSTM", "config": {"name": "cu_dnnlstm_1", "trainable": True, **cudnn_cfg(u1, True)}}),
        k2_layer("CuDNNGRU", "cu_dnngru_1", **cudnn_cfg(u2, False)),
    ]}}
    write_legacy("legacy_k22_cudnn.h5", config, "2.2.4", [
        ("bidirectional_1", "Bidirectional", named("bidirectional_1/forward_cu_dnnlstm_1", fw, ":0") + named("bidirectional_1/backward_cu_dnnlstm_1", bw, ":0")),
        ("cu_dnngru_1", "CuDNNGRU", named("cu_dnngru_1", gw, ":0")),
    ], byte_strings=True, top_level=False,
        checks={"class": "Sequential", "name": "sequential_1", "input_shape": [6, 4], "input_dtype": "float32",
                "configs": {"cu_dnngru_1": {"units": u2}}, "absent": {"cu_dnngru_1": ["activation", "reset_after"]}})

    # Keras 2 save_weights("w.h5"): no config, layer_names at the root.
    r = Rng(14)
    write_legacy("legacy_weights_only.h5", None, "2.4.0", [
        ("lstm", "LSTM", named("lstm/lstm_cell", lstm_weights(r, 2, 2), ":0")),
        ("dense", "Dense", named("dense", dense_weights(r, 2, 1), ":0")),
    ], model_attrs=False, fmt="LegacyHdf5Weights")
    FIXTURES["legacy_weights_only.h5"]["weight_groups"] = [
        {"name": l["name"], "path": l["weight_group"], "weights": l["weights"]} for l in FIXTURES["legacy_weights_only.h5"]["layers"]]
    FIXTURES["legacy_weights_only.h5"]["layers"] = []


# ----------------------------------------------------------------------------------------------------------------
# Storage variants (what the HDF5 reader must handle beyond h5py's defaults)
# ----------------------------------------------------------------------------------------------------------------

def make_storage():
    r = Rng(20)
    kernel, bias, rk, emb = r(5, 8), r(8), r(2, 8), r(3, 2)
    f64 = np.linspace(-2.5, 2.5, 8)  # float64, values exactly representable or rounded on conversion
    path = os.path.join(OUT, "storage_variants.weights.h5")
    with h5py.File(path, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        lg = f.create_group("layers")
        cell = lg.create_group("lstm").create_group("cell")
        lg["lstm"].create_group("vars").attrs["name"] = "lstm"
        v = cell.create_group("vars")
        v.attrs["name"] = "lstm_cell"
        # chunked (3 x 3 chunks, edge chunks partial), deflate + shuffle
        v.create_dataset("0", data=kernel, chunks=(3, 3), compression="gzip", compression_opts=4, shuffle=True)
        # big-endian float32
        v.create_dataset("1", data=rk.astype(">f4"))
        # float64, converted to float32 by the reader
        v.create_dataset("2", data=f64)
        d = lg.create_group("embedding").create_group("vars")
        d.attrs["name"] = "embedding"
        # compact layout (data inside the object header)
        space = h5py.h5s.create_simple(emb.shape)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        dsid = h5py.h5d.create(d.id, b"0", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, emb)
        # chunked with fletcher32 and a single chunk
        g = lg.create_group("dense").create_group("vars")
        g.attrs["name"] = "dense"
        g.create_dataset("0", data=bias.reshape(8, 1), chunks=(8, 1), fletcher32=True)
        g.create_dataset("1", data=bias[:1])
    FIXTURES["storage_variants.weights.h5"] = {
        "format": "Keras3Weights", "keras_version": None, "backend": None, "model": None, "layers": [],
        "uses_keras2_hard_sigmoid": False,
        "weight_groups": [
            {"name": "dense", "path": "/layers/dense", "weights": [
                weight_entry("vars/0", "/layers/dense/vars/0", bias.reshape(8, 1)), weight_entry("vars/1", "/layers/dense/vars/1", bias[:1])]},
            {"name": "embedding", "path": "/layers/embedding", "weights": [weight_entry("vars/0", "/layers/embedding/vars/0", emb)]},
            {"name": "lstm", "path": "/layers/lstm", "weights": [
                weight_entry("cell/vars/0", "/layers/lstm/cell/vars/0", kernel),
                weight_entry("cell/vars/1", "/layers/lstm/cell/vars/1", rk),
                dict(weight_entry("cell/vars/2", "/layers/lstm/cell/vars/2", f64.astype(np.float32)), file_dtype="float64")]},
        ]}

    # libver='latest': superblock 3, v2 object headers, link messages, attribute messages v3.
    r = Rng(21)
    lw, dw = lstm_weights(r, 2, 2), dense_weights(r, 2, 1)
    layers = [("LSTM", "lstm", rnn_tree("lstm_cell", lw)), ("Dense", "dense", {"vars": dw})]
    buf = io.BytesIO()
    with h5py.File(buf, "w", libver="latest") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        lg = f.create_group("layers")
        l = lg.create_group("lstm")
        l.create_group("vars").attrs["name"] = "lstm"
        cv = l.create_group("cell").create_group("vars")
        cv.attrs["name"] = "lstm_cell"
        for i, (_, a) in enumerate(lw):
            cv.create_dataset(str(i), data=a)
        dv = lg.create_group("dense").create_group("vars")
        dv.attrs["name"] = "dense"
        for i, (_, a) in enumerate(dw):
            dv.create_dataset(str(i), data=a)
    with open(os.path.join(OUT, "storage_libver_latest.weights.h5"), "wb") as out:
        out.write(buf.getvalue())
    FIXTURES["storage_libver_latest.weights.h5"] = {
        "format": "Keras3Weights", "keras_version": None, "backend": None, "model": None, "layers": [],
        "uses_keras2_hard_sigmoid": False,
        "weight_groups": [
            {"name": "dense", "path": "/layers/dense", "weights": [weight_entry(f"vars/{i}", f"/layers/dense/vars/{i}", a) for i, (_, a) in enumerate(dw)]},
            {"name": "lstm", "path": "/layers/lstm", "weights": [weight_entry(f"cell/vars/{i}", f"/layers/lstm/cell/vars/{i}", a) for i, (_, a) in enumerate(lw)]},
        ]}


# ----------------------------------------------------------------------------------------------------------------
# Reference outputs: each model fixture run by keras_numpy (read back from the written file) on a seeded input
# ----------------------------------------------------------------------------------------------------------------

def seq_config(*layers):
    """A Keras 3 Sequential config for the weights-only fixtures (which hold no config)."""
    return {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": list(layers)}}


# file -> (input shape per sample, vocabulary for token inputs or None, config for weights-only files or None)
OUTPUT_CASES = {
    "k3_lstm_stack.keras": ((6, 3), None, None),
    "k3_bidirectional_timedistributed.keras": ((4, 2), None, None),
    "k3_functional_embedding_gru_rnn.keras": ((7,), 11, None),
    "k3_lstm_dense.weights.h5": ((5, 2), None, seq_config(
        k3_layer("LSTM", "lstm", None, **rnn_cfg(2, unit_forget_bias=True)),
        k3_layer("Dense", "dense", None, units=3, activation="linear", use_bias=True),
        k3_layer("Dense", "dense_1", None, units=1, activation="linear", use_bias=True))),
    "legacy_k3_lstm_gru_dense.h5": ((5, 3), None, None),
    "legacy_tf2_bidirectional_gru_td.h5": ((7, 4), None, None),
    "legacy_k22_embedding_gru.h5": ((8,), 9, None),
    "legacy_k21_list_config.h5": ((4, 2), None, None),
    "legacy_k22_cudnn.h5": ((6, 4), None, None),
    "legacy_weights_only.h5": ((5, 2), None, seq_config(
        k3_layer("LSTM", "lstm", None, **rnn_cfg(2, unit_forget_bias=True)),
        k3_layer("Dense", "dense", None, units=1, activation="linear", use_bias=True))),
    "storage_libver_latest.weights.h5": ((5, 2), None, seq_config(
        k3_layer("LSTM", "lstm", None, **rnn_cfg(2, unit_forget_bias=True)),
        k3_layer("Dense", "dense", None, units=1, activation="linear", use_bias=True))),
}


def make_outputs():
    out = {}
    for i, (file, (shape, vocab, config)) in enumerate(sorted(OUTPUT_CASES.items())):
        rng = np.random.default_rng(1000 + i)
        batch = 2
        if vocab is None:
            x = rng.uniform(-1, 1, size=(batch, *shape)).astype(np.float32)
            values = f32list(x)
        else:
            x = rng.integers(1, vocab, size=(batch, *shape))
            values = [int(v) for v in x.ravel()]
        layers, keras2 = keras_numpy.read_model(os.path.join(OUT, file), config)
        y = keras_numpy.forward(layers, x.astype(np.float64) if vocab is None else x, keras2)
        out[file] = {"input_shape": [batch, *shape], "tokens": vocab is not None, "input": values,
                     "output_shape": list(y.shape), "output": [float(v) for v in y.ravel()],
                     "keras2_hard_sigmoid": keras2}
    with open(os.path.join(OUT, "fixture_outputs.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tests/reference/make_keras_fixtures.py (keras_numpy.py, float64 from the files' float32 weights)",
                   "files": out}, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------------------------------------------------------
# Files that must be refused
# ----------------------------------------------------------------------------------------------------------------

BAD = {}


def make_bad():
    small = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 2, 2], "dtype": "float32", "name": "in"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "linear", "use_bias": True}}]}}

    def legacy(file, datasets, weight_names, expect):
        with h5py.File(os.path.join(OUT, file), "w") as f:
            f.attrs["keras_version"] = "2.10.0"
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(small)
            mw = f.create_group("model_weights")
            mw.attrs["layer_names"] = vlen(["dense"])
            g = mw.create_group("dense")
            g.attrs["weight_names"] = vlen(weight_names)
            for name, arr in datasets:
                g.create_dataset(name, data=arr)
        BAD[file] = expect

    k = np.ones((2, 2), np.float32)
    b = np.zeros(2, np.float32)
    legacy("bad_dtype_int32.h5", [("dense/kernel:0", k.astype(np.int32)), ("dense/bias:0", b)], ["dense/kernel:0", "dense/bias:0"],
           {"exception": "KerasDTypeException", "contains": ["/model_weights/dense/dense/kernel:0", "int32"], "dtype": "int32"})
    legacy("bad_dtype_float16.h5", [("dense/kernel:0", k), ("dense/bias:0", b.astype(np.float16))], ["dense/kernel:0", "dense/bias:0"],
           {"exception": "KerasDTypeException", "contains": ["/model_weights/dense/dense/bias:0", "float16"], "dtype": "float16"})
    legacy("bad_float64_overflow.h5", [("dense/kernel:0", np.array([[1.0, 1e300], [0, 0]])), ("dense/bias:0", b)], ["dense/kernel:0", "dense/bias:0"],
           {"exception": "KerasDTypeException", "contains": ["/model_weights/dense/dense/kernel:0", "1E+300", "float32's range"], "dtype": "float64"})
    legacy("bad_weight_names_missing.h5", [("dense/kernel:0", k)], ["dense/kernel:0", "dense/bias:0"],
           {"exception": "KerasFormatException", "contains": ["weight_names of /model_weights/dense lists 2 weights", "'dense/bias:0' is missing"]})
    legacy("bad_weight_names_extra.h5", [("dense/kernel:0", k), ("dense/bias:0", b), ("dense/extra:0", b)], ["dense/kernel:0", "dense/bias:0"],
           {"exception": "KerasFormatException", "contains": ["/model_weights/dense holds 3 weight datasets", "weight_names lists 2"]})

    with h5py.File(os.path.join(OUT, "bad_vars_gap.weights.h5"), "w") as f:
        v = f.create_group("layers").create_group("dense").create_group("vars")
        v.create_dataset("0", data=k)
        v.create_dataset("2", data=b)
    BAD["bad_vars_gap.weights.h5"] = {"exception": "KerasFormatException", "contains": ["/layers/dense/vars holds variables 0, 2", "variable 1 is missing"]}

    with h5py.File(os.path.join(OUT, "bad_not_keras.h5"), "w") as f:
        f.create_dataset("data", data=k)
        f.attrs["title"] = "not a model"
    BAD["bad_not_keras.h5"] = {"exception": "KerasFormatException", "contains": ["an HDF5 file but not a Keras file", "title", "data"]}

    with h5py.File(os.path.join(OUT, "bad_config_not_model.h5"), "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Dense", "config": {"units": 3}})
        f.create_group("model_weights").attrs["layer_names"] = vlen([])
    BAD["bad_config_not_model.h5"] = {"exception": "KerasConfigException", "contains": ["describes a 'Dense', not a Sequential or Functional model"]}


# ----------------------------------------------------------------------------------------------------------------
# Checking the files LstmGen's writer produced (golden files the C# tests compare byte for byte)
# ----------------------------------------------------------------------------------------------------------------

def check_written():
    with open(os.path.join(WRITTEN, "written.json"), encoding="utf-8") as f:
        expected = json.load(f)
    failures = 0
    for file, spec in expected.items():
        path = os.path.join(WRITTEN, file)
        if file.endswith(".keras"):
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                assert names == ["metadata.json", "config.json", "model.weights.h5"], names
                meta = json.loads(z.read("metadata.json"))
                assert set(meta) == {"keras_version", "date_saved"}, meta
                json.loads(z.read("config.json"))
                h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        else:
            h5 = h5py.File(path, "r")
        with h5:
            layout = {}
            h5.visititems(lambda n, o: layout.__setitem__("/" + n, {
                "kind": "dataset" if isinstance(o, h5py.Dataset) else "group",
                "attrs": {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in o.attrs.items()},
                **({"shape": list(o.shape), "dtype": str(o.dtype)} if isinstance(o, h5py.Dataset) else {})}))
            problems = []
            want = spec["layout"]
            for p in sorted(set(layout) | set(want)):
                if p not in layout:
                    problems.append(f"missing {p}")
                elif p not in want:
                    problems.append(f"unexpected {p}")
                else:
                    got, exp = layout[p], want[p]
                    if got["kind"] != exp["kind"] or got["attrs"] != exp.get("attrs", {}):
                        problems.append(f"{p}: {got} != {exp}")
                    if exp["kind"] == "dataset":
                        values = np.asarray(h5[p][()], dtype=np.float32)
                        if got["dtype"] != "float32" or list(values.shape) != exp["shape"] or f32list(values) != exp["values"]:
                            problems.append(f"{p}: dtype {got['dtype']} shape {list(values.shape)} values differ")
            print(f"{file}: {len(layout)} objects, {'OK' if not problems else 'FAILED'}")
            for p in problems:
                print("   ", p)
            failures += len(problems) > 0
    failures += check_exported()
    if failures:
        sys.exit(1)
    print(f"h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}) reads every written file with the exact Keras 3 layout.")


# Keras 3 constructor arguments (keras/src/layers/...: __init__ and get_config; base Layer: name, trainable, dtype),
# to check that every key KerasExport writes is one Keras 3's from_config (cls(**config)) accepts.
_BASE = {"name", "trainable", "dtype"}
_INIT = {"kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
         "kernel_constraint", "bias_constraint"}
_RNN = {"units", "activation", "use_bias", "recurrent_initializer", "recurrent_regularizer", "recurrent_constraint", "dropout",
        "recurrent_dropout", "seed", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
        "zero_output_for_mask"} | _INIT
KERAS3_KEYS = {
    "InputLayer": ({"shape", "batch_size", "dtype", "sparse", "batch_shape", "input_tensor", "name"}, {"batch_shape"}),
    "Dense": (_BASE | _INIT | {"units", "activation", "use_bias", "lora_rank"}, {"units"}),
    "Embedding": (_BASE | {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint",
                           "activity_regularizer", "mask_zero", "lora_rank"}, {"input_dim", "output_dim"}),
    "LSTM": (_BASE | _RNN | {"recurrent_activation", "unit_forget_bias"}, {"units"}),
    "GRU": (_BASE | _RNN | {"recurrent_activation", "reset_after"}, {"units"}),
    "SimpleRNN": (_BASE | _RNN, {"units"}),
    "Dropout": (_BASE | {"rate", "noise_shape", "seed"}, {"rate"}),
    "SpatialDropout1D": ({"rate", "seed", "name", "dtype"}, {"rate"}),
    "Activation": (_BASE | {"activation"}, {"activation"}),
    "RepeatVector": (_BASE | {"n"}, {"n"}),
    "ZeroPadding1D": (_BASE | {"padding"}, set()),
    "Bidirectional": (_BASE | {"layer", "merge_mode", "backward_layer"}, {"layer"}),
    "TimeDistributed": (_BASE | {"layer"}, {"layer"}),
}
KERAS3_ACTIVATIONS = {"linear", "relu", "tanh", "sigmoid", "softmax", "hard_sigmoid", "elu", "selu", "gelu", "softplus",
                      "softsign", "silu", "swish", "leaky_relu", "exponential"}


def check_keras3_layer(entry, where, problems):
    for k in ("module", "class_name", "config", "registered_name"):
        if k not in entry:
            problems.append(f"{where}: no '{k}'")
    cls = entry.get("class_name")
    if entry.get("module") != "keras.layers" or entry.get("registered_name") is not None:
        problems.append(f"{where}: module {entry.get('module')!r}, registered_name {entry.get('registered_name')!r}")
    if cls not in KERAS3_KEYS:
        problems.append(f"{where}: class {cls} not checked")
        return
    allowed, required = KERAS3_KEYS[cls]
    cfg = entry["config"]
    if set(cfg) - allowed:
        problems.append(f"{where} ({cls}): keys Keras 3 does not take: {sorted(set(cfg) - allowed)}")
    if required - set(cfg):
        problems.append(f"{where} ({cls}): missing {sorted(required - set(cfg))}")
    for k in ("activation", "recurrent_activation"):
        if k in cfg and cfg[k] not in KERAS3_ACTIVATIONS:
            problems.append(f"{where} ({cls}): {k} {cfg[k]!r} is not a Keras 3 activation")
    for k in ("layer", "backward_layer"):
        if k in cfg:
            check_keras3_layer(cfg[k], f"{where}.config.{k}", problems)


def check_exported():
    """The files KerasExport wrote (Fixtures/Keras/written/export_*): Keras 3 layout, config keys, numpy predictions."""
    with open(os.path.join(WRITTEN, "exported.json"), encoding="utf-8") as f:
        expected = json.load(f)
    failures = 0
    for file, spec in expected.items():
        path = os.path.join(WRITTEN, file)
        problems = []
        if file.endswith(".keras"):
            with zipfile.ZipFile(path) as z:
                if z.namelist() != ["metadata.json", "config.json", "model.weights.h5"]:
                    problems.append(f"archive entries {z.namelist()}")
                config = json.loads(z.read("config.json"))
                h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        else:
            config = json.loads(spec["config"])
            h5 = h5py.File(path, "r")
        with h5:
            groups = list(h5["layers"].keys())
            if sorted(groups) != sorted(spec["groups"]):
                problems.append(f"groups {groups} != {spec['groups']}")
            for g in groups:
                if "name" not in h5["layers"][g]["vars"].attrs:
                    problems.append(f"/layers/{g}/vars has no name attribute")
        for k in ("module", "class_name", "config", "registered_name"):
            if k not in config:
                problems.append(f"config: no '{k}'")
        if config.get("class_name") != "Sequential" or config.get("module") != "keras":
            problems.append(f"config: {config.get('module')}.{config.get('class_name')}")
        layers = config["config"]["layers"]
        if layers[0]["class_name"] != "InputLayer":
            problems.append("config: the first layer is not an InputLayer")
        for i, entry in enumerate(layers):
            check_keras3_layer(entry, f"config.layers[{i}]", problems)
        model_layers, keras2 = keras_numpy.read_model(path, config)
        x = np.array(spec["input"], dtype=np.int64 if spec["tokens"] else np.float32).reshape(spec["input_shape"])
        y = keras_numpy.forward(model_layers, x if spec["tokens"] else x.astype(np.float64), keras2).ravel()
        ours = np.array(spec["lstmgen_output"])
        diff = np.abs(y - ours)
        if y.shape != ours.shape or (diff > 1e-5 + 1e-4 * np.abs(y)).any():
            problems.append(f"numpy Keras {y[:6]} vs LstmGen {ours[:6]}")
        print(f"{file}: {len(layers) - 1} layers, Keras 3 config keys checked, numpy Keras vs LstmGen max |diff| "
              f"{diff.max():.1e} over {y.size} outputs: {'OK' if not problems else 'FAILED'}")
        for p in problems:
            print("   ", p)
        failures += len(problems) > 0
    return failures


def main(argv):
    if "--check-written" in argv:
        check_written()
        return
    os.makedirs(OUT, exist_ok=True)
    make_k3()
    make_legacy()
    make_storage()
    make_bad()
    make_outputs()
    with open(os.path.join(OUT, "fixtures.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tests/reference/make_keras_fixtures.py", "h5py": h5py.__version__,
                   "hdf5": h5py.version.hdf5_version, "files": FIXTURES, "bad": BAD}, f, indent=1)
        f.write("\n")
    total = 0
    for name in sorted(list(FIXTURES) + list(BAD)):
        size = os.path.getsize(os.path.join(OUT, name))
        total += size
        print(f"{name:45s} {size:7d} bytes")
    print(f"{len(FIXTURES)} fixtures, {len(BAD)} bad files, {total} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
