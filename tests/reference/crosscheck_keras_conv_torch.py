#!/usr/bin/python3
"""Cross-checks keras_numpy.py's Conv1D, MaxPooling1D, AveragePooling1D, BatchNormalization and LayerNormalization
(the reference for the Keras import fixtures) against PyTorch's own operators, over a grid of settings.

    /usr/bin/python3 crosscheck_keras_conv_torch.py

torch.nn.functional.conv1d (weight (out, in, k) = Keras's (k, in, out) transposed), max_pool1d / avg_pool1d over the
input padded by TensorFlow's rule (-inf for the maximum; the average over the steps inside the sequence, as TensorFlow
and Keras), F.batch_norm in inference mode, F.layer_norm. Exits non-zero if a difference exceeds 1e-9 (float64).
"""
import itertools
import sys

import numpy as np
import torch
import torch.nn.functional as F

import keras_numpy as kn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(7)
worst = 0.0
cases = 0


def check(name, a, b):
    global worst, cases
    d = float(np.abs(np.asarray(a) - np.asarray(b)).max()) if np.asarray(a).size else 0.0
    assert np.asarray(a).shape == np.asarray(b).shape, (name, np.asarray(a).shape, np.asarray(b).shape)
    worst = max(worst, d)
    cases += 1
    if d > 1e-9:
        print(f"{name}: max |diff| {d:.2e}")


for steps, k, s, d, padding in itertools.product([5, 8, 9], [1, 2, 3], [1, 2], [1, 2], ["valid", "same", "causal"]):
    if s > 1 and d > 1:
        continue
    span = (k - 1) * d + 1
    if padding == "valid" and steps < span:
        continue
    x = rng.uniform(-1, 1, (2, steps, 3))
    w = [rng.uniform(-1, 1, (k, 3, 4)).astype(np.float32), rng.uniform(-1, 1, 4).astype(np.float32)]
    ours = kn.conv1d({"kernel_size": [k], "strides": [s], "dilation_rate": [d], "padding": padding, "activation": "linear"}, w, x, False)
    out, left = kn._windows(steps, span, s, padding)
    total = left + steps
    right = max((out - 1) * s + span - total, 0)
    xt = F.pad(torch.tensor(x).transpose(1, 2), (left, right))
    ref = F.conv1d(xt, torch.tensor(w[0].astype(np.float64)).permute(2, 1, 0), torch.tensor(w[1].astype(np.float64)), stride=s, dilation=d)
    check(f"conv1d steps={steps} k={k} s={s} d={d} {padding}", ours, ref.transpose(1, 2).numpy())

for steps, p, s, padding in itertools.product([5, 6, 9], [1, 2, 3], [1, 2, 3], ["valid", "same"]):
    if padding == "valid" and steps < p:
        continue
    x = rng.uniform(-1, 1, (2, steps, 3))
    out, left = kn._windows(steps, p, s, padding)
    right = max((out - 1) * s + p - (left + steps), 0)
    xt = torch.tensor(x).transpose(1, 2)
    mx = F.max_pool1d(F.pad(xt, (left, right), value=-float("inf")), p, s)
    sums = F.avg_pool1d(F.pad(xt, (left, right)), p, s) * p
    counts = F.avg_pool1d(F.pad(torch.ones_like(xt), (left, right)), p, s) * p
    cfg = {"pool_size": [p], "strides": [s], "padding": padding}
    check(f"max_pool steps={steps} p={p} s={s} {padding}", kn.pool1d(cfg, x, True), mx.transpose(1, 2).numpy())
    check(f"avg_pool steps={steps} p={p} s={s} {padding}", kn.pool1d(cfg, x, False), (sums / counts).transpose(1, 2).numpy())

for center, scale in itertools.product([True, False], [True, False]):
    x = rng.uniform(-2, 2, (2, 4, 5))
    gamma, beta, mean, var = rng.uniform(0.5, 1.5, 5), rng.uniform(-1, 1, 5), rng.uniform(-1, 1, 5), rng.uniform(0.5, 2, 5)
    w = ([gamma] if scale else []) + ([beta] if center else []) + [mean, var]
    cfg = {"center": center, "scale": scale, "epsilon": 0.01}
    ref = F.batch_norm(torch.tensor(x).reshape(-1, 5), torch.tensor(mean), torch.tensor(var), torch.tensor(gamma) if scale else None,
                       torch.tensor(beta) if center else None, training=False, eps=0.01).reshape(2, 4, 5)
    check(f"batch_norm center={center} scale={scale}", kn.normalize("BatchNormalization", cfg, w, x), ref.numpy())
    w = ([gamma] if scale else []) + ([beta] if center else [])
    ref = F.layer_norm(torch.tensor(x), (5,), torch.tensor(gamma) if scale else None, torch.tensor(beta) if center else None, eps=0.01)
    check(f"layer_norm center={center} scale={scale}", kn.normalize("LayerNormalization", cfg, w, x), ref.numpy())

print(f"{cases} cases, keras_numpy vs torch {torch.__version__}: max |diff| {worst:.1e}")
sys.exit(1 if worst > 1e-9 else 0)
