#!/usr/bin/python3
"""Fits the rational tanh of src/LstmGen/Kernels/FastMath.cs and checks it in float32.

tanh(x) ~ x * P(x^2) / Q(x^2) for |x| <= 9 (P of degree 6 and Q of degree 3 in x^2, Q(0) = 1), fitted for the smallest
maximum absolute error on [0, 9] by iteratively reweighted linear least squares (Loeb's linearisation with Lawson's
weights), in the scaled variable x / 9 for conditioning. Prints the coefficients rounded to float32 (as FastMath holds
them) and the errors of the float32 evaluation (Horner with fused multiply-adds, and without, as on hardware without
FMA), of tanh and of sigmoid(x) = 0.5 * tanh(x / 2) + 0.5, against float64. Deterministic: no random numbers.

Run with Debian's python3 (numpy): /usr/bin/python3 tests/reference/fit_tanh.py
"""
import numpy as np

X, NP, NQ = 9.0, 6, 3
x = np.sort(np.concatenate([np.linspace(0, X, 40001)[1:], np.geomspace(1e-6, 1, 4000)]))
t = np.tanh(x)
u = x / X
s = u * u


def fit(w):
    a = np.hstack([u[:, None] * s[:, None] ** np.arange(NP + 1)[None, :],
                   -(t[:, None] * s[:, None] ** np.arange(1, NQ + 1)[None, :])])
    c, *_ = np.linalg.lstsq(a * w[:, None], t * w, rcond=None)
    return c[:NP + 1], np.concatenate([[1.0], c[NP + 1:]])


w = np.ones_like(x)
lawson = np.ones_like(x)
best = None
for _ in range(400):
    p, q = fit(w * lawson)
    qv = np.polyval(q[::-1], s)
    err = np.polyval(p[::-1], s) * u / qv - t
    worst = np.abs(err).max()
    if (qv > 0).all() and (best is None or worst < best[0]):
        best = (worst, p.copy(), q.copy())
    w = 1 / np.abs(qv)
    lawson = lawson * np.abs(err) ** 0.5 + 1e-300
    lawson /= lawson.max()

worst, p, q = best
pc = np.array([p[k] / X ** (2 * k + 1) for k in range(NP + 1)], dtype=np.float32)
qc = np.array([q[k] / X ** (2 * k) for k in range(NQ + 1)], dtype=np.float32)
print(f"float64 fit: max abs error {worst:.3e} on [0, {X}]")
for name, cs in (("P", pc), ("Q", qc)):
    print(", ".join(f"{name}{k} = {np.format_float_positional(v, unique=True) if abs(v) >= 1e-4 else np.format_float_scientific(v, unique=True)}f" for k, v in enumerate(cs)))

f32 = np.float32


def tanh32(xv, fused):
    xc = np.clip(xv, f32(-X), f32(X))
    x2 = (xc * xc).astype(f32)

    def horner(cs):
        acc = np.full_like(x2, cs[-1])
        for c in cs[-2::-1]:
            acc = ((acc.astype(np.float64) * x2 + np.float64(c)).astype(f32) if fused
                   else ((acc * x2).astype(f32) + c).astype(f32))
        return acc

    return np.clip(((horner(pc) * xc).astype(f32) / horner(qc)).astype(f32), f32(-1), f32(1))


xs = np.concatenate([np.linspace(-12, 12, 2000001), np.geomspace(1e-8, 12, 200001), -np.geomspace(1e-8, 12, 200001)]).astype(f32)
exact_t = np.tanh(xs.astype(np.float64))
exact_s = 1 / (1 + np.exp(-xs.astype(np.float64)))
for fused in (True, False):
    th = tanh32(xs, fused)
    sg = (f32(0.5) * tanh32((xs * f32(0.5)).astype(f32), fused) + f32(0.5)).astype(f32)
    print(f"float32, {'fused' if fused else 'unfused'} multiply-adds: tanh max abs error "
          f"{np.abs(th.astype(np.float64) - exact_t).max():.3e}, sigmoid {np.abs(sg.astype(np.float64) - exact_s).max():.3e}")
small = np.geomspace(1e-8, 0.1, 100001).astype(f32)
print(f"tanh max relative error on [1e-8, 0.1]: {np.abs(tanh32(small, True).astype(np.float64) / np.tanh(small.astype(np.float64)) - 1).max():.3e}")
