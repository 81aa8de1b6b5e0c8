"""Group 2's contestants, kernel by kernel: minigrad's kernel call, the plain composite
(NumPy on the CPU, CuPy on the GPU: the same `xp` code), and PyTorch's eager op.

Each `KernelCase` says how to make inputs at a size, and how each side builds a
zero-argument callable from them (setup such as `requires_grad_` happens in the builder,
outside the timing). The counted work (FLOPs for the matmul-bound kernels, bytes moved
for the memory-bound ones) turns times into throughput on the GPU. Byte counts are the
minimum traffic: each input read once and each output written once.

kernels_cpu.py and kernels_gpu.py run these cases with their device's clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import kernels

EPS = 1e-5  # layer norm
ADAM = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0)
ADAMW = dict(ADAM, weight_decay=0.01)


@dataclass
class KernelCase:
    name: str  # the row label, e.g. "softmax fwd"
    op: str  # the kernels op (for kernels.available / kernels.use)
    cpu_sizes: tuple  # (quick sizes, full sizes); empty: not run on the CPU
    gpu_sizes: tuple
    make: Callable  # (xp, size, rng, dtype) -> dict of input arrays
    minigrad: Callable  # (inputs) -> callable
    composite: Callable | None  # (xp, inputs) -> callable, or None when there is none
    torch: Callable | None  # (torch, tensors) -> callable; tensors: inputs converted
    label: Callable  # size -> str
    count: Callable  # size -> float, the x axis of the plots (elements or FLOPs)
    flops: Callable | None = None  # size -> FLOPs of one call (compute-bound kernels)
    bytes: Callable | None = None  # (size, itemsize) -> bytes moved by one call
    dtypes: dict = field(default_factory=lambda: {"cpu": "float32", "gpu": "float32"})
    check: bool = True  # compare the first output of the sides (False for in-place updates)
    note: str = ""


def _normal(xp, rng, shape, dtype, shift=0.1):
    """Normal values (never all zeros). On the CPU drawn from `rng`; on the GPU by a device
    generator seeded from `rng`, where the array lives (drawing the 400 million values of a
    50,257-class cross-entropy input on the host took longer than timing the kernel)."""
    if xp is np:
        return (rng.standard_normal(shape) + shift).astype(dtype)
    draw = np.float64 if np.dtype(dtype) == np.float64 else np.float32
    array = xp.random.RandomState(int(rng.integers(2**63))).standard_normal(shape, dtype=draw)
    array += shift
    return array.astype(dtype, copy=False)


def _rows(size):
    return f"{size[0]}x{size[1]}"


def _elements(size):
    return float(np.prod(size))


# ---- matmul -------------------------------------------------------------------------------------

def _make_matmul(xp, n, rng, dtype):
    return {"a": _normal(xp, rng, (n, n), dtype, 0.0), "b": _normal(xp, rng, (n, n), dtype, 0.0)}


def _matmul_case(name, dtypes, cpu_sizes, gpu_sizes):
    return KernelCase(
        name=name, op="matmul", cpu_sizes=cpu_sizes, gpu_sizes=gpu_sizes, make=_make_matmul,
        minigrad=lambda i: lambda: kernels.matmul(i["a"], i["b"]),
        composite=lambda xp, i: lambda: xp.matmul(i["a"], i["b"]),
        torch=lambda torch, t: lambda: torch.matmul(t["a"], t["b"]),
        label=lambda n: f"{n}x{n}x{n}", count=lambda n: 2.0 * n ** 3,
        flops=lambda n: 2.0 * n ** 3, bytes=lambda n, s: 3.0 * n * n * s, dtypes=dtypes)


# ---- softmax and log-softmax ---------------------------------------------------------------------

def _softmax_composite(xp, x):
    e = xp.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax_composite(xp, x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def _make_rows(xp, size, rng, dtype):
    return {"x": _normal(xp, rng, size, dtype)}


def _make_softmax_bwd(xp, size, rng, dtype):
    x = _normal(xp, rng, size, dtype)
    return {"y": _softmax_composite(xp, x).astype(dtype), "dy": _normal(xp, rng, size, dtype)}


def _make_log_softmax_bwd(xp, size, rng, dtype):
    x = _normal(xp, rng, size, dtype)
    return {"y": _log_softmax_composite(xp, x).astype(dtype), "dy": _normal(xp, rng, size, dtype)}


def _torch_softmax_bwd(torch, t):
    # The backward alone, without autograd: the kernel PyTorch's autograd calls.
    return lambda: torch._softmax_backward_data(t["dy"], t["y"], -1, t["y"].dtype)


def _torch_log_softmax_bwd(torch, t):
    return lambda: torch._log_softmax_backward_data(t["dy"], t["y"], -1, t["y"].dtype)


ROWS_QUICK = ((64, 128), (256, 512), (512, 1024))
ROWS_FULL = ((64, 128), (256, 1024), (1024, 1024), (1024, 4096), (4096, 4096))
ROWS_GPU_QUICK = ((4096, 1024), (4096, 8192))  # the softmax target: 4096 rows, 1k-8k columns
ROWS_GPU_FULL = ((1024, 1024), (4096, 4096), (8192, 8192), (16384, 16384), (32768, 2048))


def _row_case(name, op, make, minigrad, composite, torch, bytes_per_element):
    return KernelCase(
        name=name, op=op, cpu_sizes=(ROWS_QUICK, ROWS_FULL), gpu_sizes=(ROWS_GPU_QUICK, ROWS_GPU_FULL),
        make=make, minigrad=minigrad, composite=composite, torch=torch, label=_rows, count=_elements,
        bytes=lambda size, s: bytes_per_element * _elements(size) * s)


# ---- cross-entropy -----------------------------------------------------------------------------

def _make_cross_entropy(xp, size, rng, dtype):
    n, c = size
    return {"logits": _normal(xp, rng, size, dtype),
            "targets": xp.asarray(rng.integers(0, c, n).astype(np.int64)),
            "dlosses": xp.full(n, 1.0 / n, dtype=dtype)}


def _ce_minigrad_fwd(i):
    return lambda: kernels.cross_entropy_fwd(i["logits"], i["targets"])[0]


def _ce_minigrad_fwd_bwd(i):
    def run():
        losses, lse = kernels.cross_entropy_fwd(i["logits"], i["targets"])
        return kernels.cross_entropy_bwd(i["logits"], i["targets"], lse, i["dlosses"]), losses.mean()
    return run


def _ce_composite_fwd(xp, i):
    rows = xp.arange(i["logits"].shape[0])
    return lambda: -_log_softmax_composite(xp, i["logits"])[rows, i["targets"]]


def _ce_composite_fwd_bwd(xp, i):
    n = i["logits"].shape[0]
    rows = xp.arange(n)

    def run():
        logp = _log_softmax_composite(xp, i["logits"])
        loss = -logp[rows, i["targets"]].mean()
        dlogits = xp.exp(logp)
        dlogits[rows, i["targets"]] -= 1.0
        dlogits /= n
        return dlogits, loss
    return run


def _ce_torch_fwd(torch, t):
    return lambda: torch.nn.functional.cross_entropy(t["logits"], t["targets"], reduction="none")


def _ce_torch_fwd_bwd(torch, t):
    logits = t["logits"].detach().requires_grad_()

    def run():
        loss = torch.nn.functional.cross_entropy(logits, t["targets"])
        return torch.autograd.grad(loss, logits)[0], loss
    return run


CE_QUICK = ((64, 10), (256, 1000), (512, 4096))
CE_FULL = ((64, 10), (512, 1000), (1024, 8192), (256, 50304), (2048, 16384))
CE_GPU_QUICK = ((4096, 1024), (8192, 50257))  # GPT-2's vocabulary, unpadded
CE_GPU_FULL = ((4096, 1024), (8192, 8192), (8192, 50304), (16384, 50304))


# ---- layer norm -------------------------------------------------------------------------------

def _make_layer_norm(xp, size, rng, dtype):
    d = size[1]
    return {"x": _normal(xp, rng, size, dtype), "w": _normal(xp, rng, (d,), dtype, 1.0),
            "b": _normal(xp, rng, (d,), dtype), "dy": _normal(xp, rng, size, dtype)}


def _ln_composite_fwd(xp, x, w, b):
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    rstd = 1.0 / xp.sqrt((centred * centred).mean(axis=-1, keepdims=True) + EPS)
    xhat = centred * rstd
    return xhat * w + b, xhat, rstd


def _ln_composite_fwd_bwd(xp, i):
    def run():
        y, xhat, rstd = _ln_composite_fwd(xp, i["x"], i["w"], i["b"])
        dy = i["dy"]
        g = dy * i["w"]
        dx = rstd * (g - g.mean(axis=-1, keepdims=True)
                     - xhat * (g * xhat).mean(axis=-1, keepdims=True))
        return dx, (dy * xhat).sum(axis=0), dy.sum(axis=0), y
    return run


def _ln_minigrad_fwd_bwd(i):
    def run():
        y, mean, rstd = kernels.layer_norm_fwd(i["x"], i["w"], i["b"], EPS)
        dx, dw, db = kernels.layer_norm_bwd(i["dy"], i["x"], i["w"], mean, rstd)
        return dx, dw, db, y
    return run


def _ln_torch_fwd(torch, t):
    shape = (t["x"].shape[-1],)
    return lambda: torch.nn.functional.layer_norm(t["x"], shape, t["w"], t["b"], EPS)


def _ln_torch_fwd_bwd(torch, t):
    x, w, b = (t[k].detach().requires_grad_() for k in ("x", "w", "b"))
    shape = (x.shape[-1],)

    def run():
        y = torch.nn.functional.layer_norm(x, shape, w, b, EPS)
        return torch.autograd.grad(y, (x, w, b), t["dy"])
    return run


LN_QUICK = ((64, 128), (512, 768), (2048, 768))
LN_FULL = ((64, 128), (512, 768), (2048, 768), (8192, 768), (4096, 4096))
LN_GPU_QUICK = ((4096, 768), (16384, 4096))
LN_GPU_FULL = ((4096, 768), (16384, 768), (16384, 4096), (65536, 1024))


# ---- attention --------------------------------------------------------------------------------

def _make_attention(xp, size, rng, dtype):
    return {k: _normal(xp, rng, size, dtype, 0.0) for k in ("q", "k", "v", "do")}


def _causal_mask(xp, t):
    return xp.arange(t)[None, :] > xp.arange(t)[:, None]


def _attention_composite_fwd(xp, q, k, v, hidden):
    scale = 1.0 / math.sqrt(q.shape[-1])
    s = xp.matmul(q, k.swapaxes(-1, -2)) * scale
    s = xp.where(hidden, xp.asarray(-xp.inf, dtype=s.dtype), s)  # keep fp16 fp16
    p = _softmax_composite(xp, s)
    return xp.matmul(p, v), p


def _attention_composite(xp, i, backward):
    hidden = _causal_mask(xp, i["q"].shape[-2])
    scale = 1.0 / math.sqrt(i["q"].shape[-1])

    def run():
        o, p = _attention_composite_fwd(xp, i["q"], i["k"], i["v"], hidden)
        if not backward:
            return o
        do = i["do"]
        dv = xp.matmul(p.swapaxes(-1, -2), do)
        dp = xp.matmul(do, i["v"].swapaxes(-1, -2))
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) * scale
        return xp.matmul(ds, i["k"]), xp.matmul(ds.swapaxes(-1, -2), i["q"]), dv
    return run


def _attention_minigrad(i, backward):
    def run():
        o, lse = kernels.attention_fwd(i["q"], i["k"], i["v"], causal=True)
        if not backward:
            return o
        return kernels.attention_bwd(i["q"], i["k"], i["v"], o, lse, i["do"], causal=True)
    return run


def _attention_torch(torch, t, backward):
    sdpa = torch.nn.functional.scaled_dot_product_attention
    if not backward:
        return lambda: sdpa(t["q"], t["k"], t["v"], is_causal=True)
    q, k, v = (t[n].detach().requires_grad_() for n in ("q", "k", "v"))

    def run():
        o = sdpa(q, k, v, is_causal=True)
        return torch.autograd.grad(o, (q, k, v), t["do"])
    return run


def _attention_flops(size, passes):
    """Useful FLOPs: q k^T and p v are 2*T*T*D each per head (forward); the backward's four
    products double that; causal masking halves everything. Recomputation is not counted."""
    b, h, t, d = size
    return passes * 2.0 * b * h * t * t * d * 0.5


ATT_QUICK = ((1, 4, 64, 32), (2, 4, 128, 64), (2, 4, 256, 64))
ATT_FULL = ((1, 4, 64, 32), (2, 4, 128, 64), (2, 4, 256, 64), (4, 8, 512, 64), (2, 12, 1024, 64))
ATT_GPU_QUICK = ((4, 12, 1024, 64), (2, 16, 4096, 128))  # both head dims of the target
ATT_GPU_FULL = ((4, 12, 512, 64), (4, 12, 1024, 64), (4, 12, 2048, 64), (2, 16, 4096, 128))


# ---- GELU ---------------------------------------------------------------------------------------

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _make_gelu(xp, n, rng, dtype):
    return {"x": _normal(xp, rng, (n,), dtype), "dy": _normal(xp, rng, (n,), dtype)}


def _gelu_tanh_composite(xp, i, backward):
    """0.5 x (1 + tanh u), u = sqrt(2/pi) (x + 0.044715 x^3), and its derivative."""
    x = i["x"]

    def run():
        th = xp.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
        y = 0.5 * x * (1.0 + th)
        if not backward:
            return y
        du = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
        return i["dy"] * (0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * du), y
    return run


def _gelu_erf_composite(xp, i, backward):
    """x Phi(x) with the array library's own erf: CuPy has one; NumPy does not (None)."""
    if xp.__name__ == "numpy":
        return None
    from cupyx.scipy.special import erf

    x = i["x"]

    def run():
        cdf = 0.5 * (1.0 + erf(x * math.sqrt(0.5)))
        y = x * cdf
        if not backward:
            return y
        pdf = xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return i["dy"] * (cdf + x * pdf), y
    return run


def _gelu_minigrad(i, approximate, backward):
    def run():
        y = kernels.gelu_fwd(i["x"], approximate)
        if not backward:
            return y
        return kernels.gelu_bwd(i["x"], i["dy"], approximate, y=y), y  # as the Gelu op calls it
    return run


def _gelu_torch(torch, t, approximate, backward):
    gelu = torch.nn.functional.gelu
    if not backward:
        return lambda: gelu(t["x"], approximate=approximate)
    x = t["x"].detach().requires_grad_()

    def run():
        y = gelu(x, approximate=approximate)
        return torch.autograd.grad(y, x, t["dy"])[0], y
    return run


ELEMENTS_QUICK = (10_000, 100_000, 1_000_000)
ELEMENTS_FULL = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
ELEMENTS_GPU_QUICK = (1 << 20, 1 << 24)
ELEMENTS_GPU_FULL = (1 << 16, 1 << 20, 1 << 24, 1 << 26)


def _gelu_case(approximate, backward):
    direction = "fwd+bwd" if backward else "fwd"
    form = "tanh" if approximate == "tanh" else "erf"
    composite = _gelu_tanh_composite if approximate == "tanh" else _gelu_erf_composite
    return KernelCase(
        name=f"gelu ({form}) {direction}", op="gelu",
        cpu_sizes=(ELEMENTS_QUICK, ELEMENTS_FULL), gpu_sizes=(ELEMENTS_GPU_QUICK, ELEMENTS_GPU_FULL),
        make=_make_gelu, minigrad=lambda i: _gelu_minigrad(i, approximate, backward),
        composite=lambda xp, i: composite(xp, i, backward),
        torch=lambda torch, t: _gelu_torch(torch, t, approximate, backward),
        label=lambda n: f"{n:,}", count=float,
        bytes=lambda n, s: (5.0 if backward else 2.0) * n * s,
        note="" if approximate == "tanh" else "NumPy has no erf: no composite for the erf form on the CPU")


# ---- Adam ---------------------------------------------------------------------------------------

def _make_adam(xp, n, rng, dtype):
    return {"param": _normal(xp, rng, (n,), dtype), "grad": _normal(xp, rng, (n,), dtype),
            "exp_avg": xp.zeros(n, dtype=dtype), "exp_avg_sq": xp.zeros(n, dtype=dtype)}


def _own(i):
    """Private copies of the state: each side updates its own in place."""
    return {k: v.copy() for k, v in i.items()}


def _adam_minigrad(i, decoupled: bool = False):
    state = _own(i)
    step = [0]
    hyper = ADAMW if decoupled else ADAM

    def run():
        step[0] += 1
        kernels.adam_update(state["param"], state["grad"], state["exp_avg"], state["exp_avg_sq"],
                            step=step[0], decoupled=decoupled, **hyper)
        return state["param"]
    return run


def _adam_composite(xp, i, decoupled_decay: float = 0.0):
    """The textbook update with its temporaries, as one would write it in NumPy; with
    decoupled_decay, AdamW's (the weights shrink by lr * decay first)."""
    state = _own(i)
    p, g, m, v = state["param"], state["grad"], state["exp_avg"], state["exp_avg_sq"]
    beta1, beta2, lr, eps = ADAM["beta1"], ADAM["beta2"], ADAM["lr"], ADAM["eps"]
    step = [0]

    def run():
        step[0] += 1
        if decoupled_decay:
            p[...] *= 1.0 - lr * decoupled_decay
        m[...] = beta1 * m + (1 - beta1) * g
        v[...] = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** step[0])
        v_hat = v / (1 - beta2 ** step[0])
        p[...] -= lr * m_hat / (xp.sqrt(v_hat) + eps)
        return p
    return run


def _adam_torch(torch, t):
    """torch.optim.Adam's fastest variant for the device (fused=True where supported)."""
    param = t["param"].detach().clone().requires_grad_()
    param.grad = t["grad"].detach().clone()
    kwargs = dict(lr=ADAM["lr"], betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["eps"],
                  weight_decay=ADAM["weight_decay"])
    try:
        optimizer = torch.optim.Adam([param], fused=True, **kwargs)
        optimizer.step()
    except (RuntimeError, TypeError, ValueError):
        optimizer = torch.optim.Adam([param], foreach=False, **kwargs)

    def run():
        optimizer.step()
        return param
    return run


def _adamw_torch(torch, t):
    """torch.optim.AdamW(fused=True), PyTorch's fastest AdamW on the GPU."""
    param = t["param"].detach().clone().requires_grad_()
    param.grad = t["grad"].detach().clone()
    optimizer = torch.optim.AdamW([param], lr=ADAMW["lr"], betas=(ADAMW["beta1"], ADAMW["beta2"]),
                                  eps=ADAMW["eps"], weight_decay=ADAMW["weight_decay"], fused=True)

    def run():
        optimizer.step()
        return param
    return run


# ---- the LSTM cell (the recurrent layers' elementwise step) -----------------------------------------

def _lstm_fwd_composite(xp, gx, gh, c):
    """The LSTM step written plainly: (state [h' | c'], gates [i, f, g, o])."""
    h = c.shape[1]
    pre = gx + gh
    sig = 1 / (1 + xp.exp(-pre))
    i, f, o, g = sig[:, :h], sig[:, h:2 * h], sig[:, 3 * h:], xp.tanh(pre[:, 2 * h:3 * h])
    c_new = f * c + i * g
    return xp.concatenate([o * xp.tanh(c_new), c_new], axis=1), xp.concatenate([i, f, g, o], axis=1)


def _lstm_bwd_composite(xp, dh, dc, c, c_new, gates):
    h = c.shape[1]
    i, f, g, o = (gates[:, k * h:(k + 1) * h] for k in range(4))
    tanh_c = xp.tanh(c_new)
    dc_all = dc + dh * o * (1 - tanh_c * tanh_c)
    dgates = xp.concatenate([dc_all * g * i * (1 - i), dc_all * c * f * (1 - f), dc_all * i * (1 - g * g),
                             dh * tanh_c * o * (1 - o)], axis=1)
    return dgates, dc_all * f


def _make_lstm_fwd(xp, size, rng, dtype):
    b, h = size
    return {"gx": _normal(xp, rng, (b, 4 * h), dtype), "gh": _normal(xp, rng, (b, 4 * h), dtype),
            "c": _normal(xp, rng, (b, h), dtype)}


def _make_lstm_bwd(xp, size, rng, dtype):
    b, h = size
    state, gates = _lstm_fwd_composite(xp, *_make_lstm_fwd(xp, size, rng, dtype).values())
    return {"dh": _normal(xp, rng, (b, h), dtype), "dc": _normal(xp, rng, (b, h), dtype),
            "c": _normal(xp, rng, (b, h), dtype), "c_new": state[:, h:].astype(dtype),
            "gates": gates.astype(dtype)}


def _lstm_torch_fwd(torch, t):
    def run():
        h = t["c"].shape[1]
        pre = t["gx"] + t["gh"]
        i, f, g, o = pre.chunk(4, dim=1)
        i, f, o, g = i.sigmoid(), f.sigmoid(), o.sigmoid(), g.tanh()
        c_new = f * t["c"] + i * g
        return torch.cat([o * c_new.tanh(), c_new], dim=1), torch.cat([i, f, g, o], dim=1), h
    return run


LSTM_QUICK = ((20, 200), (64, 512))  # [batch, hidden]: the small Penn Treebank model's step first
LSTM_FULL = ((20, 200), (64, 512), (256, 1024), (1024, 1024))
LSTM_GPU_QUICK = ((256, 1024), (1024, 4096))
LSTM_GPU_FULL = ((64, 512), (256, 1024), (1024, 4096), (4096, 4096))


# ---- the list ------------------------------------------------------------------------------------

CASES = [
    _matmul_case("matmul", {"cpu": "float32", "gpu": "float32"},
                 ((64, 128, 256), (64, 128, 256, 512, 1024, 2048)),
                 ((1024, 4096), (512, 1024, 2048, 4096, 8192))),
    _matmul_case("matmul fp16", {"cpu": None, "gpu": "float16"}, ((), ()),
                 ((1024, 4096), (512, 1024, 2048, 4096, 8192))),
    _row_case("softmax fwd", "softmax", _make_rows, lambda i: lambda: kernels.softmax_fwd(i["x"]),
              lambda xp, i: lambda: _softmax_composite(xp, i["x"]),
              lambda torch, t: lambda: torch.softmax(t["x"], -1), 2),
    _row_case("softmax bwd", "softmax", _make_softmax_bwd,
              lambda i: lambda: kernels.softmax_bwd(i["y"], i["dy"]),
              lambda xp, i: lambda: i["y"] * (i["dy"] - (i["dy"] * i["y"]).sum(axis=-1, keepdims=True)),
              _torch_softmax_bwd, 3),
    _row_case("log_softmax fwd", "log_softmax", _make_rows,
              lambda i: lambda: kernels.log_softmax_fwd(i["x"]),
              lambda xp, i: lambda: _log_softmax_composite(xp, i["x"]),
              lambda torch, t: lambda: torch.log_softmax(t["x"], -1), 2),
    _row_case("log_softmax bwd", "log_softmax", _make_log_softmax_bwd,
              lambda i: lambda: kernels.log_softmax_bwd(i["y"], i["dy"]),
              lambda xp, i: lambda: i["dy"] - xp.exp(i["y"]) * i["dy"].sum(axis=-1, keepdims=True),
              _torch_log_softmax_bwd, 3),
    KernelCase("cross_entropy fwd", "cross_entropy", (CE_QUICK, CE_FULL), (CE_GPU_QUICK, CE_GPU_FULL),
               _make_cross_entropy, _ce_minigrad_fwd, _ce_composite_fwd, _ce_torch_fwd,
               label=_rows, count=_elements, bytes=lambda size, s: _elements(size) * s),
    KernelCase("cross_entropy fwd+bwd", "cross_entropy", (CE_QUICK, CE_FULL),
               (CE_GPU_QUICK, CE_GPU_FULL), _make_cross_entropy, _ce_minigrad_fwd_bwd,
               _ce_composite_fwd_bwd, _ce_torch_fwd_bwd, label=_rows, count=_elements,
               bytes=lambda size, s: 3.0 * _elements(size) * s),
    KernelCase("layer_norm fwd", "layer_norm", (LN_QUICK, LN_FULL), (LN_GPU_QUICK, LN_GPU_FULL),
               _make_layer_norm,
               lambda i: lambda: kernels.layer_norm_fwd(i["x"], i["w"], i["b"], EPS)[0],
               lambda xp, i: lambda: _ln_composite_fwd(xp, i["x"], i["w"], i["b"])[0],
               _ln_torch_fwd, label=_rows, count=_elements,
               bytes=lambda size, s: 2.0 * _elements(size) * s),
    KernelCase("layer_norm fwd+bwd", "layer_norm", (LN_QUICK, LN_FULL), (LN_GPU_QUICK, LN_GPU_FULL),
               _make_layer_norm, _ln_minigrad_fwd_bwd, _ln_composite_fwd_bwd, _ln_torch_fwd_bwd,
               label=_rows, count=_elements, bytes=lambda size, s: 5.0 * _elements(size) * s),
    KernelCase("attention fwd (causal)", "attention", (ATT_QUICK, ATT_FULL),
               (ATT_GPU_QUICK, ATT_GPU_FULL), _make_attention,
               lambda i: _attention_minigrad(i, False),
               lambda xp, i: _attention_composite(xp, i, False),
               lambda torch, t: _attention_torch(torch, t, False),
               label=lambda s: "x".join(map(str, s)), count=lambda s: _attention_flops(s, 2),
               flops=lambda s: _attention_flops(s, 2), dtypes={"cpu": "float32", "gpu": "float16"}),
    KernelCase("attention fwd+bwd (causal)", "attention", (ATT_QUICK, ATT_FULL),
               (ATT_GPU_QUICK, ATT_GPU_FULL), _make_attention,
               lambda i: _attention_minigrad(i, True),
               lambda xp, i: _attention_composite(xp, i, True),
               lambda torch, t: _attention_torch(torch, t, True),
               label=lambda s: "x".join(map(str, s)), count=lambda s: _attention_flops(s, 6),
               flops=lambda s: _attention_flops(s, 6), dtypes={"cpu": "float32", "gpu": "float16"}),
    _gelu_case("tanh", False),
    _gelu_case("tanh", True),
    _gelu_case("none", False),
    _gelu_case("none", True),
    KernelCase("lstm_cell fwd", "lstm_cell", (LSTM_QUICK, LSTM_FULL), (LSTM_GPU_QUICK, LSTM_GPU_FULL),
               _make_lstm_fwd, lambda i: lambda: kernels.lstm_cell_fwd(i["gx"], i["gh"], i["c"]),
               lambda xp, i: lambda: _lstm_fwd_composite(xp, i["gx"], i["gh"], i["c"]), _lstm_torch_fwd,
               label=lambda s: f"B{s[0]} H{s[1]}", count=lambda s: float(s[0] * s[1]),
               bytes=lambda s, itemsize: 15.0 * s[0] * s[1] * itemsize,
               note="torch: the same step in eager ops (PyTorch has no public fused LSTM cell on the CPU)"),
    KernelCase("lstm_cell bwd", "lstm_cell", (LSTM_QUICK, LSTM_FULL), (LSTM_GPU_QUICK, LSTM_GPU_FULL),
               _make_lstm_bwd,
               lambda i: lambda: kernels.lstm_cell_bwd(i["dh"], i["dc"], i["c"], i["c_new"], i["gates"]),
               lambda xp, i: lambda: _lstm_bwd_composite(xp, *i.values()),
               lambda torch, t: lambda: _lstm_bwd_composite(torch, *t.values()),
               label=lambda s: f"B{s[0]} H{s[1]}", count=lambda s: float(s[0] * s[1]),
               bytes=lambda s, itemsize: 13.0 * s[0] * s[1] * itemsize),
    KernelCase("adam update", "adam_update", (ELEMENTS_QUICK, ELEMENTS_FULL),
               (ELEMENTS_GPU_QUICK, ELEMENTS_GPU_FULL), _make_adam, _adam_minigrad, _adam_composite,
               _adam_torch, label=lambda n: f"{n:,}", count=float,
               bytes=lambda n, s: 7.0 * n * s, check=False,
               note="torch: torch.optim.Adam step on one tensor (fused=True where supported)"),
    KernelCase("adamw update", "adam_update", ((), ()), (ELEMENTS_GPU_QUICK, ELEMENTS_GPU_FULL),
               _make_adam, lambda i: _adam_minigrad(i, decoupled=True),
               lambda xp, i: _adam_composite(xp, i, decoupled_decay=ADAMW["weight_decay"]),
               _adamw_torch,
               label=lambda n: f"{n:,}", count=float, bytes=lambda n, s: 7.0 * n * s, check=False,
               note="torch: torch.optim.AdamW(fused=True) step on one tensor"),
]


def first_array(result):
    """The first array of a side's result (a tuple for fwd+bwd: the input gradient)."""
    while isinstance(result, (tuple, list)):
        result = result[0]
    return result
