#!/usr/bin/env python3
"""Cross-check the tfjs training references with PyTorch autograd.

Run with Debian's python (torch imports only there), after
make_training_reference.mjs:

    /usr/bin/python3 crosscheck_training_torch.py

For every ../LstmGen.Tests/Reference/Training/*.json file:

- grad_* and loss_* files: the model is rebuilt in float32 with the model
  code of crosscheck_torch.py (weights as leaf tensors), the Keras 3 loss is
  written in torch ops, and loss.backward() gives the weight and input
  gradients. Compared: output, loss value, every gradient.
  Unmasked tanh/sigmoid LSTMs run through torch's own LSTM kernel
  (torch._VF.lstm, what nn.LSTM calls: weight_ih = kernel.T,
  weight_hh = recurrent_kernel.T, bias_ih = bias, bias_hh = 0); other
  activations and masked inputs use the hand-written recurrence in torch ops.
- opt_* files: 3 steps on the batch, gradients from torch autograd, the
  Keras 3 update written out in torch float32 ops (our own arithmetic, not
  torch.optim, whose Adam / RMSprop put epsilon elsewhere). For the SGD
  configs, torch.optim.SGD (momentum / nesterov, clip_grad_value_) is run as
  well: it is algebraically the same as Keras SGD. Compared: lossBefore and
  weightsAfter.

Prints the table and writes it to ../LstmGen.Tests/Reference/Training/
torch-crosscheck.txt; exits 1 if a tolerance is exceeded.
"""
import glob
import json
import os
import sys

import torch

import crosscheck_torch as base

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.normpath(os.path.join(HERE, "..", "LstmGen.Tests", "Reference", "Training"))
REPORT = os.path.join(DIR, "torch-crosscheck.txt")
EPS = 1e-7  # keras.backend.epsilon()
REQUIRED = {"grad_many_to_one", "grad_stacked", "grad_go_backwards_seq", "grad_bidirectional_concat_seq"}
# Files whose forward pass is the inference mode (dropout layers, "training": false): the torch model has no dropout
# anyway (run_case treats Dropout and SpatialDropout1D as the identity).
REL_FLOOR = 1e-4
TOL_GRAD_REL = 1e-3    # max |g_torch - g_tfjs| / max(|g_torch|, |g_tfjs|) where that is >= REL_FLOOR
TOL_GRAD_ABS = 1e-6    # max |g_torch - g_tfjs| / max(1, largest |g_tfjs| of the tensor): absolute, relative above 1
TOL_LOSS = 1e-6        # relative
TOL_WEIGHTS = 1e-5     # optimizer: max |w_torch - w_tfjs| after 3 steps


class LeafWeights(base.Weights):
    """Weights as leaf tensors (requires_grad), recorded in model order."""

    def __init__(self, entries):
        super().__init__(entries)
        self.leaves = []

    def take(self, name, shape):
        t = super().take(name, shape).detach().clone().requires_grad_(True)
        self.leaves.append(t)
        return t


def grad_lstm_run(x, mask, d, kw, go_backwards, methods):
    """Differentiable LSTM: (sequence output in processing order, h, c)."""
    k, r, b = kw
    u = d["units"]
    B, T, _ = x.shape
    if go_backwards:
        x = torch.flip(x, dims=[1])
        mask = torch.flip(mask, dims=[1]) if mask is not None else None
    std = d["activation"] == "tanh" and d["recurrentActivation"] == "sigmoid"
    if std and mask is None:
        methods.add("torch LSTM kernel")
        flat = [k.t(), r.t()] + ([b, torch.zeros_like(b)] if b is not None else [])
        h0 = torch.zeros(1, B, u)
        c0 = torch.zeros(1, B, u)
        seq, h, c = torch._VF.lstm(x, (h0, c0), flat, b is not None, 1, 0.0, True, False, True)
        return seq, h[0], c[0]
    methods.add("manual" + ("+mask" if mask is not None else ""))
    a = base.act(d["activation"])
    ra = base.act(d["recurrentActivation"])
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
            h_new = torch.where(m, h_new, h)
            c_new = torch.where(m, c_new, c)
        h, c = h_new, c_new
        outs.append(h)
    return torch.stack(outs, dim=1), h, c


def grad_gru_run(x, mask, d, kw, go_backwards, methods):
    """Differentiable GRU: torch's GRU kernel (torch._VF.gru, what nn.GRU calls) for Keras's reset_after = True form
    with tanh / sigmoid and no mask (gates reordered z, r, h -> r, z, n; the two biases), else the Keras recurrence of
    crosscheck_torch.py in torch ops."""
    k, r, b = kw
    u = d["units"]
    if not base.gru_is_torch_form(d, mask):
        return base.gru_run(x, mask, d, kw, go_backwards, methods)
    if go_backwards:
        x = torch.flip(x, dims=[1])
    methods.add("torch GRU kernel")
    flat = [base.zrh_to_rzn(k, u).t(), base.zrh_to_rzn(r, u).t()]
    if b is not None:
        flat += [base.zrh_to_rzn(b[0], u), base.zrh_to_rzn(b[1], u)]
    seq, h = torch._VF.gru(x, torch.zeros(1, x.shape[0], u), flat, b is not None, 1, 0.0, True, False, True)
    return seq, h[0], None


def grad_simple_rnn_run(x, mask, d, kw, go_backwards, methods):
    """Differentiable SimpleRNN: torch's RNN kernels (torch._VF.rnn_tanh / rnn_relu) for tanh / relu without a mask,
    else the recurrence of crosscheck_torch.py."""
    k, r, b = kw
    u = d["units"]
    if d["activation"] not in ("tanh", "relu") or mask is not None:
        return base.simple_rnn_run(x, mask, d, kw, go_backwards, methods)
    if go_backwards:
        x = torch.flip(x, dims=[1])
    methods.add("torch RNN kernel")
    flat = [k.t(), r.t()] + ([b, torch.zeros_like(b)] if b is not None else [])
    f = torch._VF.rnn_tanh if d["activation"] == "tanh" else torch._VF.rnn_relu
    seq, h = f(x, torch.zeros(1, x.shape[0], u), flat, b is not None, 1, 0.0, True, False, True)
    return seq, h[0], None


def keras_loss(kind, y, t):
    """Keras 3 losses, reduction sum_over_batch_size (mean of the per-position values)."""
    if kind == "mse":
        return torch.mean(torch.mean((y - t) ** 2, dim=-1))
    if kind == "mae":
        return torch.mean(torch.mean(torch.abs(y - t), dim=-1))
    if kind == "binary_crossentropy":
        p = torch.clamp(y, EPS, 1 - EPS)
        return torch.mean(torch.mean(-(t * torch.log(p) + (1 - t) * torch.log(1 - p)), dim=-1))
    if kind == "binary_crossentropy_from_logits":
        z = y
        return torch.mean(torch.mean(torch.relu(z) - z * t + torch.log1p(torch.exp(-torch.abs(z))), dim=-1))
    if kind in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        if kind == "sparse_categorical_crossentropy":
            t = torch.nn.functional.one_hot(t, y.shape[-1]).to(torch.float32)
        p = y / torch.sum(y, dim=-1, keepdim=True)
        p = torch.clamp(p, EPS, 1 - EPS)
        return torch.mean(-torch.sum(t * torch.log(p), dim=-1))
    raise ValueError(kind)


def load_weights(case):
    if case.get("weights") is not None:
        return case["weights"]
    with open(os.path.join(DIR, case["weightsFrom"])) as f:
        return json.load(f)["weights"]


def target_tensor(case):
    shape = [case["batch"]] + list(case["targetShape"])
    if case["loss"]["type"] == "sparse_categorical_crossentropy":
        return torch.tensor(case["target"], dtype=torch.long).reshape(shape)
    return torch.tensor(case["target"], dtype=torch.float32).reshape(shape)


def split_targets(case, outputs):
    """Per-sample targets [output | h | c] -> one tensor per output, shaped like it."""
    B = case["batch"]
    t = torch.tensor(case["target"], dtype=torch.float32).reshape(B, -1)
    parts, offset = [], 0
    for o in outputs:
        n = int(o[0].numel())
        parts.append(t[:, offset:offset + n].reshape(o.shape))
        offset += n
    if offset != t.shape[1]:
        raise AssertionError(f"targets have {t.shape[1]} values per sample, the outputs {offset}")
    return parts


def forward_backward(case, weights):
    """Returns (output, loss, [weight grads], input grad or None, methods). A loss per output (multiOutput files): the
    sum of each output's Keras MSE over (output, h[, c])."""
    B = case["batch"]
    shape = [B] + list(case["inputShape"])
    if case["inputIsTokens"]:
        x = torch.tensor(case["input"], dtype=torch.long).reshape(shape)
    else:
        x = torch.tensor(case["input"], dtype=torch.float32).reshape(shape).requires_grad_(True)
    W = LeafWeights(weights)
    y, states, methods = base.run_case(case, x=x, W=W, lstm_run=grad_lstm_run, gru_run=grad_gru_run, simple_rnn_run=grad_simple_rnn_run)
    if case["loss"]["type"] == "per_output":
        outputs = [y, *states]
        assert case["loss"]["losses"] == ["mse"] * len(outputs)
        loss = sum(keras_loss("mse", o, t) for o, t in zip(outputs, split_targets(case, outputs)))
    else:
        loss = keras_loss(case["loss"]["type"], y, target_tensor(case))
    loss.backward()
    grads = [w.grad if w.grad is not None else torch.zeros_like(w) for w in W.leaves]
    xg = None if case["inputIsTokens"] else x.grad
    return y.detach(), float(loss), grads, xg, methods


class Diff:
    def __init__(self):
        self.abs = 0.0     # max |diff|
        self.scaled = 0.0  # max |diff| / max(1, largest |want| of the tensor)
        self.rel = 0.0

    def add(self, got, want):
        want = want.reshape(got.shape)
        d = (got - want).abs()
        self.abs = max(self.abs, float(d.max()) if d.numel() else 0.0)
        if d.numel():
            self.scaled = max(self.scaled, float(d.max()) / max(1.0, float(want.abs().max())))
        m = torch.maximum(got.abs(), want.abs())
        sel = m >= REL_FLOOR
        if bool(sel.any()):
            self.rel = max(self.rel, float((d[sel] / m[sel]).max()))


def check_gradient_file(case):
    y, loss, grads, xg, methods = forward_backward(case, case["weights"])
    out_diff = float((y.flatten() - torch.tensor(case["output"])).abs().max())
    loss_rel = abs(loss - case["lossValue"]) / abs(case["lossValue"])
    d = Diff()
    for g, ref in zip(grads, case["gradients"]):
        d.add(g.flatten(), torch.tensor(ref["values"], dtype=torch.float32))
    if xg is not None:
        d.add(xg.flatten(), torch.tensor(case["inputGradient"], dtype=torch.float32))
    elif case["inputGradient"] is not None:
        raise AssertionError("token model with an input gradient")
    ok = out_diff <= 1e-5 and loss_rel <= TOL_LOSS and d.scaled <= TOL_GRAD_ABS and d.rel <= TOL_GRAD_REL
    return out_diff, loss_rel, d, methods, ok


# ---------------------------------------------------------------------------
# Keras 3 optimizers in torch float32 ops (own arithmetic)
# ---------------------------------------------------------------------------
def f32(v):
    return torch.tensor(v, dtype=torch.float32)


class KerasOptimizer:
    def __init__(self, opt, shapes):
        self.type = opt["type"]
        self.c = opt["config"]
        self.t = 0
        self.m = [torch.zeros(s) for s in shapes]
        self.v = [torch.zeros(s) for s in shapes]

    def clip(self, grads):
        c = self.c
        if c.get("clipnorm"):
            cn = f32(c["clipnorm"])
            out = []
            for g in grads:
                l2sum = torch.sum(g * g)
                l2norm = torch.sqrt(l2sum) if float(l2sum) > 0 else l2sum
                out.append((g * cn) / torch.maximum(l2norm, cn))
            return out
        if c.get("global_clipnorm"):
            cn = f32(c["global_clipnorm"])
            use_norm = torch.sqrt(torch.sum(torch.stack([torch.sum(g * g) for g in grads])))
            scale = cn * torch.minimum(1.0 / use_norm, f32(1.0 / c["global_clipnorm"]))
            return [g * scale for g in grads]
        if c.get("clipvalue"):
            v = c["clipvalue"]
            return [torch.clamp(g, -v, v) for g in grads]
        return grads

    def step(self, ws, grads):
        c = self.c
        self.t += 1
        t = self.t
        grads = self.clip(grads)
        lr = f32(c["learning_rate"])
        if self.type == "adamw":
            wd = f32(c["weight_decay"])
            ws = [w - w * wd * lr for w in ws]
        if self.type in ("adam", "adamw"):
            b1p = torch.pow(f32(c["beta_1"]), t)
            b2p = torch.pow(f32(c["beta_2"]), t)
            alpha = lr * torch.sqrt(1 - b2p) / (1 - b1p)
            out = []
            for i, (w, g) in enumerate(zip(ws, grads)):
                self.m[i] = self.m[i] + (g - self.m[i]) * f32(1 - c["beta_1"])
                self.v[i] = self.v[i] + (g * g - self.v[i]) * f32(1 - c["beta_2"])
                out.append(w - (self.m[i] * alpha) / (torch.sqrt(self.v[i]) + f32(c["epsilon"])))
            return out
        if self.type == "sgd":
            mom = f32(c["momentum"])
            out = []
            for i, (w, g) in enumerate(zip(ws, grads)):
                if c["momentum"] == 0:
                    out.append(w - g * lr)
                else:
                    self.m[i] = self.m[i] * mom - g * lr
                    out.append(w + (self.m[i] * mom - g * lr) if c["nesterov"] else w + self.m[i])
            return out
        if self.type == "rmsprop":
            out = []
            for i, (w, g) in enumerate(zip(ws, grads)):
                self.v[i] = f32(c["rho"]) * self.v[i] + f32(1 - c["rho"]) * (g * g)
                out.append(w - (lr * g) / torch.sqrt(self.v[i] + f32(c["epsilon"])))
            return out
        raise ValueError(self.type)


def entries(template, tensors):
    return [{"name": e["name"], "shape": e["shape"], "values": t.detach().flatten().tolist()} for e, t in zip(template, tensors)]


def run_optimizer(case, w0, use_torch_optim):
    opt = case["optimizer"]
    ws = [torch.tensor(e["values"], dtype=torch.float32).reshape(e["shape"]) for e in w0]
    losses = []
    if use_torch_optim:
        c = opt["config"]
        params = [w.clone().requires_grad_(True) for w in ws]
        sgd = torch.optim.SGD(params, lr=c["learning_rate"], momentum=c["momentum"], nesterov=c["nesterov"])
        for _ in range(opt["steps"]):
            sgd.zero_grad()
            _, loss, grads, _, _ = forward_backward(case, entries(w0, params))
            losses.append(loss)
            for p, g in zip(params, grads):
                p.grad = g.clone()
            if c.get("clipvalue"):
                torch.nn.utils.clip_grad_value_(params, c["clipvalue"])
            sgd.step()
        return losses, [p.detach() for p in params]
    k = KerasOptimizer(opt, [w.shape for w in ws])
    for _ in range(opt["steps"]):
        _, loss, grads, _, _ = forward_backward(case, entries(w0, ws))
        losses.append(loss)
        ws = k.step(ws, grads)
    return losses, ws


def check_optimizer_file(case):
    w0 = load_weights(case)
    opt = case["optimizer"]
    rows = []
    variants = [("keras3 by hand", False)]
    if opt["type"] == "sgd":
        variants.append(("torch.optim.SGD", True))
    for label, use_torch in variants:
        losses, ws = run_optimizer(case, w0, use_torch)
        loss_rel = max(abs(a - b) / abs(b) for a, b in zip(losses, opt["lossBefore"]))
        wd = 0.0
        for w, ref in zip(ws, opt["weightsAfter"]):
            wd = max(wd, float((w.flatten() - torch.tensor(ref["values"], dtype=torch.float32)).abs().max()))
        rows.append((label, loss_rel, wd, loss_rel <= TOL_LOSS and wd <= TOL_WEIGHTS))
    return rows


def main():
    torch.manual_seed(0)
    files = sorted(glob.glob(os.path.join(DIR, "*.json")))
    if not files:
        print(f"no JSON files in {DIR}", file=sys.stderr)
        return 2
    lines = [
        f"PyTorch cross-check of the tfjs training references (torch {torch.__version__}, float32, autograd)",
        f"grad = max |g_torch - g_tfjs| over all weight and input gradients; grad/scale = max of |g_torch - g_tfjs| / max(1, largest |g_tfjs| of its tensor)",
        f"(tol {TOL_GRAD_ABS:g}: absolute, relative to the tensor above 1); grad rel = max |g_torch - g_tfjs| / max(|g_torch|, |g_tfjs|)",
        f"where the latter >= {REL_FLOOR:g} (tol {TOL_GRAD_REL:g}); loss rel tol {TOL_LOSS:g}; optimizer weights = max |w_torch - w_tfjs| after 3 steps (tol {TOL_WEIGHTS:g}).",
        "",
        f"{'case':<44} {'scope':<9} {'recurrence via':<34} {'output':>9} {'loss rel':>9} {'grad':>9} {'grad/scale':>10} {'grad rel':>9}  status",
    ]
    failed = 0
    worst = {"abs": 0.0, "scaled": 0.0, "rel": 0.0, "req_abs": 0.0, "req_rel": 0.0, "w": 0.0}
    opt_lines = []
    for path in files:
        with open(path) as f:
            case = json.load(f)
        name = case["name"]
        try:
            if case["kind"] == "optimizer":
                for label, loss_rel, wd, ok in check_optimizer_file(case):
                    worst["w"] = max(worst["w"], wd)
                    failed += 0 if ok else 1
                    opt_lines.append(f"{name:<44} {label:<16} {loss_rel:>10.2e} {wd:>12.3e}  {'ok' if ok else 'FAIL'}")
                continue
            out_diff, loss_rel, d, methods, ok = check_gradient_file(case)
            scope = "required" if name in REQUIRED else "extra"
            worst["abs"] = max(worst["abs"], d.abs)
            worst["scaled"] = max(worst["scaled"], d.scaled)
            worst["rel"] = max(worst["rel"], d.rel)
            if name in REQUIRED:
                worst["req_abs"] = max(worst["req_abs"], d.abs)
                worst["req_rel"] = max(worst["req_rel"], d.rel)
            lines.append(
                f"{name:<44} {scope:<9} {','.join(sorted(methods)) or '-':<34} {out_diff:>9.2e} {loss_rel:>9.2e} {d.abs:>9.2e} {d.scaled:>10.2e} {d.rel:>9.2e}  {'ok' if ok else 'FAIL'}"
            )
        except Exception as e:  # noqa: BLE001
            ok = False
            lines.append(f"{name:<44} error: {e}")
        if not ok:
            failed += 1
    lines += [
        "",
        f"gradients: max |diff| {worst['abs']:.3e} (relative to the tensor above 1: {worst['scaled']:.3e}), max rel {worst['rel']:.3e} "
        f"(required LSTM cases: {worst['req_abs']:.3e}, {worst['req_rel']:.3e})",
        "",
        f"{'optimizer case':<44} {'arithmetic':<16} {'loss rel':>10} {'weights':>12}  status",
        *opt_lines,
        "",
        f"optimizers: max |weightsAfter diff| {worst['w']:.3e}",
        f"{failed} failed",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    with open(REPORT, "w") as f:
        f.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
