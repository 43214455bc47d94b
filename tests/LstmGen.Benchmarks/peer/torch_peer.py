#!/usr/bin/python3
"""PyTorch performance peer for the LstmGen C# benchmarks.

Run with Debian's interpreter (python3-torch only imports there):

    /usr/bin/python3 torch_peer.py [--threads 1,2] [--quick] [--json out.json] [--only W1,W2]

See README.md in this folder for what each workload measures.
"""

import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:  # pragma: no cover - environment problem, explain it
    sys.exit("torch not importable: install python3-torch (apt) and run with /usr/bin/python3, "
             "not the pyenv python3 first on PATH")

SEED = 1234
ALL_WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]

# --------------------------------------------------------------------------- environment


def _loaded_libs(substrings):
    """Paths of shared objects mapped into this process whose path contains one of substrings."""
    found = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[-1].startswith("/"):
                    p = parts[-1]
                    if any(s in os.path.basename(p) for s in substrings) and p not in found:
                        found.append(p)
    except OSError:
        pass
    return found


class OpenBlas:
    """ctypes handle to the OpenBLAS library torch actually loaded (None if not OpenBLAS)."""

    def __init__(self):
        self.lib = None
        self.path = None
        for p in _loaded_libs(["libopenblas"]):
            try:
                lib = ctypes.CDLL(p)  # already mapped: returns the same instance
                lib.openblas_get_num_threads  # noqa: B018 - probe symbol
            except (OSError, AttributeError):
                continue
            self.lib, self.path = lib, p
            break
        if self.lib is not None:
            for name in ("openblas_get_corename", "openblas_get_config"):
                getattr(self.lib, name).restype = ctypes.c_char_p

    def info(self):
        if self.lib is None:
            return {"openblas": None}
        return {
            "openblas_path": self.path,
            "openblas_corename": self.lib.openblas_get_corename().decode(),
            "openblas_config": self.lib.openblas_get_config().decode(),
            "openblas_num_threads": self.lib.openblas_get_num_threads(),
            "openblas_parallel": {0: "sequential", 1: "pthreads", 2: "openmp"}.get(
                self.lib.openblas_get_parallel(), "?"),
        }

    def set_threads(self, n):
        if self.lib is not None:
            self.lib.openblas_set_num_threads(ctypes.c_int(n))


def autodetected_core(path):
    """Core OpenBLAS would pick without OPENBLAS_CORETYPE (probed in a child process)."""
    if not path or "OPENBLAS_CORETYPE" not in os.environ:
        return None
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    code = ("import ctypes,sys; L=ctypes.CDLL(sys.argv[1]); "
            "L.openblas_get_corename.restype=ctypes.c_char_p; print(L.openblas_get_corename().decode())")
    try:
        return subprocess.run([sys.executable, "-c", code, path], env=env, capture_output=True,
                              text=True, timeout=30).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def cpu_model():
    model, family, mdl, flags = "?", "?", "?", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k == "model name" and model == "?":
                    model = v
                elif k == "cpu family" and family == "?":
                    family = v
                elif k == "model" and mdl == "?":
                    mdl = v
                elif k == "flags" and not flags:
                    flags = [x for x in ("avx2", "fma", "avx512f", "avx512vl", "avx512_bf16")
                             if x in v.split()]
    except OSError:
        pass
    return {"model_name": model, "family": family, "model": mdl, "simd": flags,
            "logical_cpus": os.cpu_count()}


def header(openblas, threads, quick):
    # Force BLAS to be loaded/initialised before inspecting /proc/self/maps.
    a = torch.randn(256, 256)
    (a @ a).sum().item()
    blas_info = {
        "torch_config": torch.__config__.show(),
        "blas_libs_loaded": _loaded_libs(["libblas", "libopenblas", "libmkl", "libblis", "liblapack"]),
        "mkldnn_available": torch.backends.mkldnn.is_available(),
        "env": {k: v for k, v in sorted(os.environ.items())
                if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "GOTO"))},
    }
    blas_info.update(openblas.info())
    blas_info["openblas_autodetected_core"] = autodetected_core(openblas.path)
    return {
        "torch_version": torch.__version__,
        "python": sys.executable + " " + platform.python_version(),
        "blas_info": blas_info,
        "cpu": cpu_model(),
        "threads_tested": threads,
        "quick": quick,
        "seed": SEED,
    }


# --------------------------------------------------------------------------- timing


class Budget:
    def __init__(self, quick):
        self.quick = quick
        self.target_ns = int((0.2 if quick else 1.0) * 1e9)
        self.warmup_ns = int((0.05 if quick else 0.2) * 1e9)
        self.max_iters = 20000 if quick else 200000
        self.min_iters = 2 if quick else 7
        self.min_warmup = 1 if quick else 3


def measure(fn, budget):
    """Warm up, then time individual calls until the time budget or max count.

    Returns (samples_ns list). Always at least budget.min_iters samples."""
    pc = time.perf_counter_ns
    t0 = pc()
    n = 0
    while n < budget.min_warmup or pc() - t0 < budget.warmup_ns:
        fn()
        n += 1
    samples = []
    t0 = pc()
    while len(samples) < budget.max_iters:
        s = pc()
        fn()
        e = pc()
        samples.append(e - s)
        if len(samples) >= budget.min_iters and e - t0 >= budget.target_ns:
            break
    return samples


def quantile(sorted_vals, q):
    if len(sorted_vals) == 1:
        return sorted_vals[0]
    pos = q * (len(sorted_vals) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def result(workload, variant, threads, samples, extra=None):
    s = sorted(samples)
    return {
        "workload": workload,
        "variant": variant,
        "threads": threads,
        "median_us": statistics.median(s) / 1e3,
        "p10_us": quantile(s, 0.10) / 1e3,
        "p90_us": quantile(s, 0.90) / 1e3,
        "iterations": len(s),
        "extra": dict(extra or {}),
    }


def seed():
    torch.manual_seed(SEED)


# --------------------------------------------------------------------------- models


class W1Model(nn.Module):
    """Embedding(5000,128) -> LSTM(128) last output -> Dense(1) -> sigmoid."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5000, 128)
        self.lstm = nn.LSTM(128, 128, batch_first=True)
        self.head = nn.Linear(128, 1)

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return torch.sigmoid(self.head(out[:, -1]))


class W1TrainModel(W1Model):
    """Same graph, returns logits (sigmoid folded into BCEWithLogits for the loss)."""

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return self.head(out[:, -1])


class W2Model(nn.Module):
    """LSTM(1->50, return sequences) -> LSTM(50->50) last output -> Dense(1)."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.LSTM(1, 50, batch_first=True)
        self.l2 = nn.LSTM(50, 50, batch_first=True)
        self.head = nn.Linear(50, 1)

    def forward(self, x):
        y, _ = self.l1(x)
        y, _ = self.l2(y)
        return self.head(y[:, -1])


class W5Model(nn.Module):
    """LSTM(32->64) last output -> Dense(1)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(32, 64, batch_first=True)
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y[:, -1])


class W6Gru(nn.Module):
    """GRU(32->64) last output -> Dense(1) (nn.GRU is Keras 3's reset_after form)."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(32, 64, batch_first=True)
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


class W7SimpleRnn(nn.Module):
    """SimpleRNN(32->64, tanh) last output -> Dense(1)."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(32, 64, batch_first=True)
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


class W8ConvLstm(nn.Module):
    """Conv1D(8->64, kernel 3, valid, linear) -> LSTM(64->64) last output -> Dense(1), input (batch, 100, 8)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(8, 64, 3)
        self.lstm = nn.LSTM(64, 64, batch_first=True)
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        h = self.conv(x.transpose(1, 2)).transpose(1, 2)  # Keras is channels-last
        y, _ = self.lstm(h)
        return self.head(y[:, -1])


class W4Lstm(nn.Module):
    """LSTM(128->512) with every step's output (run_w4 times a bare nn.LSTM of this shape)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(128, 512, batch_first=True)

    def forward(self, x):
        y, _ = self.lstm(x)
        return y


def load_keras_weights(model, weights):
    """Sets a torch model of W1, W2, W4-W8 from LstmGen's weights (Keras layout and names)."""
    w = {e["name"].split("/")[-2] + "/" + e["name"].split("/")[-1]:
         torch.tensor(e["values"], dtype=torch.float32).reshape(e["shape"]) for e in weights}

    def gru_reorder(t):  # Keras gate blocks z, r, h -> torch r, z, n (last axis)
        z, r, h = t.chunk(3, dim=-1)
        return torch.cat([r, z, h], dim=-1)

    def lstm(module, name):  # Keras gates i, f, c, o = torch i, f, g, o; one Keras bias, torch's two summed
        module.weight_ih_l0.copy_(w[name + "/kernel"].T)
        module.weight_hh_l0.copy_(w[name + "/recurrent_kernel"].T)
        module.bias_ih_l0.copy_(w[name + "/bias"])
        module.bias_hh_l0.zero_()

    with torch.no_grad():
        if isinstance(model, W6Gru):
            model.rnn.weight_ih_l0.copy_(gru_reorder(w["gru/kernel"]).T)
            model.rnn.weight_hh_l0.copy_(gru_reorder(w["gru/recurrent_kernel"]).T)
            model.rnn.bias_ih_l0.copy_(gru_reorder(w["gru/bias"][0]))
            model.rnn.bias_hh_l0.copy_(gru_reorder(w["gru/bias"][1]))
        elif isinstance(model, W7SimpleRnn):
            model.rnn.weight_ih_l0.copy_(w["simple_rnn/kernel"].T)
            model.rnn.weight_hh_l0.copy_(w["simple_rnn/recurrent_kernel"].T)
            model.rnn.bias_ih_l0.copy_(w["simple_rnn/bias"])
            model.rnn.bias_hh_l0.zero_()
        elif isinstance(model, W8ConvLstm):
            model.conv.weight.copy_(w["conv1d/kernel"].permute(2, 1, 0))  # (k, in, f) -> (f, in, k)
            model.conv.bias.copy_(w["conv1d/bias"])
            lstm(model.lstm, "lstm")
        elif isinstance(model, W1Model):
            model.emb.weight.copy_(w["embedding/embeddings"])
            lstm(model.lstm, "lstm")
        elif isinstance(model, W2Model):
            lstm(model.l1, "lstm")
            lstm(model.l2, "lstm_1")
        else:  # W4, W5
            lstm(model.lstm, "lstm")
        if hasattr(model, "head"):
            model.head.weight.copy_(w["dense/kernel"].T)
            model.head.bias.copy_(w["dense/bias"])


def same_function_checks(path):
    """--check: LstmGen's weights, inputs and outputs per workload; returns each one's max |diff| from torch's outputs."""
    with open(path) as f:
        cases = json.load(f)
    models = {"W1": W1Model, "W2": W2Model, "W4": W4Lstm, "W5": W5Model,
              "W6": W6Gru, "W7": W7SimpleRnn, "W8": W8ConvLstm}
    out = {}
    for wl, c in cases.items():
        m = models[wl]().eval()
        load_keras_weights(m, c["weights"])
        shape = [c["batch"]] + c["inputShape"]
        if c.get("tokenInput"):
            x = torch.tensor(c["input"], dtype=torch.long).reshape(shape)
        else:
            x = torch.tensor(c["input"], dtype=torch.float32).reshape(shape)
        with torch.inference_mode():
            y = m(x).reshape(-1)
        want = torch.tensor(c["output"], dtype=torch.float32)
        out[wl] = {"max_abs_diff": float((y - want).abs().max()), "outputs": int(want.numel())}
        print("check %s (%s): PyTorch with LstmGen's weights, max |diff| from LstmGen's outputs %.1e" %
              (wl, c["model"], out[wl]["max_abs_diff"]))
    return out


def infer_fn(model, x):
    model.eval()

    def f():
        with torch.inference_mode():
            model(x)
    return f


def train_fn(model, x, y, loss_fn):
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def f():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return f


# --------------------------------------------------------------------------- workloads


def run_w1(threads, budget):
    out = []
    steps = 20
    for variant, batch in (("infer_b1", 1), ("infer_b32", 32)):
        seed()
        m = W1Model()
        x = torch.randint(0, 5000, (batch, steps))
        out.append(result("W1", variant, threads, measure(infer_fn(m, x), budget),
                          {"batch": batch, "steps": steps}))
    seed()
    m = W1TrainModel()
    x = torch.randint(0, 5000, (32, steps))
    y = torch.randint(0, 2, (32, 1)).float()
    r = result("W1", "train_b32", threads,
               measure(train_fn(m, x, y, nn.BCEWithLogitsLoss()), budget),
               {"batch": 32, "steps": steps, "loss": "bce_with_logits", "optimizer": "adam"})
    r["extra"]["samples_per_s"] = 32 / (r["median_us"] * 1e-6)
    out.append(r)
    return out


def run_w2(threads, budget):
    out = []
    steps = 10
    for variant, batch in (("infer_b1", 1), ("infer_b32", 32)):
        seed()
        m = W2Model()
        x = torch.randn(batch, steps, 1)
        out.append(result("W2", variant, threads, measure(infer_fn(m, x), budget),
                          {"batch": batch, "steps": steps}))
    seed()
    m = W2Model()
    x = torch.randn(32, steps, 1)
    y = torch.randn(32, 1)
    r = result("W2", "train_b32", threads, measure(train_fn(m, x, y, nn.MSELoss()), budget),
               {"batch": 32, "steps": steps, "loss": "mse", "optimizer": "adam"})
    r["extra"]["samples_per_s"] = 32 / (r["median_us"] * 1e-6)
    out.append(r)
    return out


def run_w3(threads, budget):
    out = []
    n_inputs = 4096
    for h in (8, 32, 64):
        seed()
        cell = nn.LSTMCell(1, h).eval()
        xs = list(torch.randn(n_inputs, 1, 1))  # each (1, 1): batch 1, 1 feature
        state = [torch.zeros(1, h), torch.zeros(1, h)]
        idx = [0]

        def step(cell=cell, xs=xs, state=state, idx=idx):
            with torch.inference_mode():
                i = idx[0]
                state[0], state[1] = cell(xs[i], (state[0], state[1]))
                idx[0] = (i + 1) % n_inputs

        r = result("W3", "stream_h%d" % h, threads, measure(step, budget), {"hidden": h})
        r["extra"]["us_per_step"] = r["median_us"]
        r["extra"]["x_realtime_48k"] = (1.0 / 48000) / (r["median_us"] * 1e-6)
        out.append(r)
    return out


def run_w4(threads, budget):
    steps, batch, inp, hid = 100, 64, 128, 512
    fwd_flops = 2 * steps * batch * 4 * hid * (inp + hid)
    out = []
    seed()
    lstm = nn.LSTM(inp, hid, batch_first=True)
    x = torch.randn(batch, steps, inp)

    lstm.eval()

    def fwd():
        with torch.inference_mode():
            lstm(x)

    r = result("W4", "forward", threads, measure(fwd, budget),
               {"steps": steps, "batch": batch, "input": inp, "hidden": hid, "flops": fwd_flops})
    r["extra"]["gflops"] = fwd_flops / (r["median_us"] * 1e-6) / 1e9
    out.append(r)

    lstm.train()

    def fwd_bwd():
        lstm.zero_grad(set_to_none=True)
        y, _ = lstm(x)
        y.sum().backward()

    r = result("W4", "forward_backward", threads, measure(fwd_bwd, budget),
               {"steps": steps, "batch": batch, "input": inp, "hidden": hid,
                "flops": 3 * fwd_flops})
    r["extra"]["gflops"] = 3 * fwd_flops / (r["median_us"] * 1e-6) / 1e9
    out.append(r)
    return out


def run_w5(threads, budget):
    seed()
    m = W5Model()
    x = torch.randn(32, 64, 32)
    y = torch.randn(32, 1)
    r = result("W5", "train_b32", threads, measure(train_fn(m, x, y, nn.MSELoss()), budget),
               {"batch": 32, "steps": 64, "input": 32, "hidden": 64,
                "loss": "mse", "optimizer": "adam"})
    r["extra"]["us_per_step"] = r["median_us"]
    r["extra"]["train_steps_per_s"] = 1e6 / r["median_us"]
    return [r]


def run_new_layers(workload, cls, steps, features):
    def run(threads, budget):
        out = []
        seed()
        m = cls()
        x = torch.randn(1, steps, features)
        out.append(result(workload, "infer_b1", threads, measure(infer_fn(m, x), budget),
                          {"batch": 1, "steps": steps, "input": features}))
        seed()
        m = cls()
        x = torch.randn(32, steps, features)
        y = torch.randn(32, 1)
        r = result(workload, "train_b32", threads, measure(train_fn(m, x, y, nn.MSELoss()), budget),
                   {"batch": 32, "steps": steps, "input": features, "loss": "mse", "optimizer": "adam"})
        r["extra"]["train_steps_per_s"] = 1e6 / r["median_us"]
        out.append(r)
        return out
    return run


def thread_configs(n, mode, quick=False):
    """(torch intra-op threads, OpenBLAS threads) pairs measured for thread count n.

    torch.set_num_threads only sizes ATen's OpenMP pool; Debian's OpenBLAS (pthreads build)
    has its own pool. Both pools busy-wait, so n+n threads on n cores can oversubscribe
    badly; every config keeps each pool <= n threads."""
    if n == 1 or mode == "match":
        return [(n, n)]
    if quick:  # torch-n/BLAS-1 rarely wins; skip it to stay within the smoke budget
        return [(n, n), (1, n)]
    return [(n, n), (1, n), (n, 1)]


RUNNERS = {"W1": run_w1, "W2": run_w2, "W3": run_w3, "W4": run_w4, "W5": run_w5,
           "W6": run_new_layers("W6", W6Gru, 64, 32), "W7": run_new_layers("W7", W7SimpleRnn, 64, 32),
           "W8": run_new_layers("W8", W8ConvLstm, 100, 8)}


# --------------------------------------------------------------------------- output


def fmt_extra(e):
    keys = ("gflops", "x_realtime_48k", "train_steps_per_s", "samples_per_s")
    parts = ["omp%s/blas%s" % (e.get("torch_threads"), e.get("openblas_threads"))]
    for k in keys:
        if k in e:
            parts.append("%s=%.1f" % (k, e[k]))
    return " ".join(parts)


def print_table(rows):
    print("%-4s %-18s %3s %12s %12s %12s %7s  %s" %
          ("wl", "variant", "thr", "median_us", "p10_us", "p90_us", "iters", "extra"))
    for r in rows:
        print("%-4s %-18s %3d %12.1f %12.1f %12.1f %7d  %s" %
              (r["workload"], r["variant"], r["threads"], r["median_us"], r["p10_us"],
               r["p90_us"], r["iterations"], fmt_extra(r["extra"])))
    sys.stdout.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--quick", action="store_true", help="short timings (~0.2 s each), smoke use")
    ap.add_argument("--json", help="write results to this JSON file")
    ap.add_argument("--only", help="comma-separated workloads, e.g. W1,W3")
    ap.add_argument("--blas-threads", choices=("search", "match"), default="search",
                    help="search (default): for n>1 also try torch-1/BLAS-n and torch-n/BLAS-1 "
                         "(quick: only torch-1/BLAS-n) and report the fastest; match: torch and OpenBLAS both n")
    ap.add_argument("--all-configs", action="store_true", help="also print every thread config")
    ap.add_argument("--check", help="JSON of LstmGen's weights, inputs and outputs per workload (written by compare): "
                    "recompute the outputs in torch and report the max |diff|")
    args = ap.parse_args(argv)

    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    if not threads or any(t < 1 for t in threads):
        ap.error("--threads needs positive integers")
    wls = ALL_WORKLOADS if not args.only else [w.strip().upper() for w in args.only.split(",")]
    bad = [w for w in wls if w not in RUNNERS]
    if bad:
        ap.error("unknown workload(s): %s (known: %s)" % (",".join(bad), ",".join(ALL_WORKLOADS)))

    hdr = header(OpenBlas(), threads, args.quick)  # runs a matmul first, so BLAS is mapped
    openblas = OpenBlas()
    budget = Budget(args.quick)

    bi = hdr["blas_info"]
    print("torch %s | %s | cpu: %s (family %s model %s, %s), %s logical" % (
        hdr["torch_version"], hdr["python"], hdr["cpu"]["model_name"], hdr["cpu"]["family"],
        hdr["cpu"]["model"], ",".join(hdr["cpu"]["simd"]), hdr["cpu"]["logical_cpus"]))
    print("BLAS: %s | core=%s (autodetect without OPENBLAS_CORETYPE: %s) | %s" % (
        bi.get("openblas_path") or bi["blas_libs_loaded"], bi.get("openblas_corename"),
        bi.get("openblas_autodetected_core"), bi.get("openblas_config")))
    print("env: %s" % (" ".join("%s=%s" % kv for kv in bi["env"].items()) or "(no OPENBLAS_/OMP_/MKL_ vars)"))
    if not bi.get("openblas_path"):
        print("WARNING: torch is not using OpenBLAS (reference BLAS is ~20x slower); "
              "apt-get install libopenblas0-pthread", file=sys.stderr)
    print("mode: %s, threads %s, workloads %s, blas-threads %s" % (
        "quick" if args.quick else "full", threads, ",".join(wls), args.blas_threads))
    print()

    checks = same_function_checks(args.check) if args.check else {}

    configs_by_n = {n: thread_configs(n, args.blas_threads, args.quick) for n in threads}
    all_rows = []
    t_start = time.perf_counter()
    for n in threads:
        for omp_n, blas_n in configs_by_n[n]:
            torch.set_num_threads(omp_n)
            openblas.set_threads(blas_n)
            for w in wls:
                for r in RUNNERS[w](n, budget):
                    r["extra"]["torch_threads"] = torch.get_num_threads()
                    r["extra"]["openblas_threads"] = (openblas.lib.openblas_get_num_threads()
                                                      if openblas.lib is not None else None)
                    all_rows.append(r)

    # One row per (workload, variant, threads): the fastest thread config (peer at its best).
    best = {}
    for r in all_rows:
        k = (r["workload"], r["variant"], r["threads"])
        if k not in best or r["median_us"] < best[k]["median_us"]:
            best[k] = r
    rows = [r for r in all_rows if best[(r["workload"], r["variant"], r["threads"])] is r]
    for r in rows:
        others = [o for o in all_rows if o is not r and
                  (o["workload"], o["variant"], o["threads"]) == (r["workload"], r["variant"], r["threads"])]
        r["extra"]["other_configs_median_us"] = {
            "omp%d_blas%s" % (o["extra"]["torch_threads"], o["extra"]["openblas_threads"]): o["median_us"]
            for o in others}
    first_seen = {}
    for i, r in enumerate(all_rows):
        first_seen.setdefault((r["workload"], r["variant"], r["threads"]), i)
    rows.sort(key=lambda r: first_seen[(r["workload"], r["variant"], r["threads"])])

    if args.all_configs:
        print("all thread configs:")
        print_table(all_rows)
        print()
    print_table(rows)
    print("\ntotal %.1f s" % (time.perf_counter() - t_start))

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": hdr, "results": rows, "all_configs": all_rows, "checks": checks}, f, indent=1)
        print("wrote %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
