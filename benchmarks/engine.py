"""Group 1: engine overhead on the CPU, minigrad's autograd against PyTorch eager.

At 8x8 the arithmetic costs tens of nanoseconds, so these rows measure what the engine
adds around it: building the output tensor, recording the node, and (for the chain and
the MLP) walking the graph backwards. A third column, plain NumPy with the gradients
written by hand, is the floor: the cost of the arithmetic alone.

    per-op:     a + b, a * b, a @ b (8x8, both require grad), x.sum(), x.tanh()
    chain:      100 ops (mul by a weight, add a constant, tanh, repeating) then sum, backward
    MLP step:   64-128-10, batch 64: relu, log_softmax, NLL by indexing, mean, backward
    HVP:        the same MLP loss's Hessian-vector product (a backward with create_graph=True,
                then a backward of grad . v), with its cost in units of one forward+backward
"""
from __future__ import annotations

import numpy as np

import minigrad as mg

from . import harness
from .harness import Side, compare
from .record import Bench, Context, Row, Skip

GROUP = "engine"
TITLE = "Engine overhead (CPU, float32, autograd on)"
COMPETITORS = ["torch", "numpy (no autograd)"]
NOTES = ["numpy (no autograd) is the floor: the same arithmetic with gradients written by hand."]

CHAIN_LENGTH = 100


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _nonzero(rng, *shape) -> np.ndarray:
    """Standard normal values shifted away from zero (no benchmark input is ever all zeros)."""
    return (rng.standard_normal(shape) + 0.1).astype(np.float32)


# ---- per-op overhead -----------------------------------------------------------------------------

# name -> (minigrad/torch expression on (a, b), the same arithmetic in NumPy)
PER_OP = {
    "a + b": (lambda a, b: a + b, lambda a, b: a + b),
    "a * b": (lambda a, b: a * b, lambda a, b: a * b),
    "a @ b": (lambda a, b: a @ b, lambda a, b: a @ b),
    "x.sum()": (lambda a, b: a.sum(), lambda a, b: a.sum()),
    "x.tanh()": (lambda a, b: a.tanh(), lambda a, b: np.tanh(a)),
}


def _per_op(expression: str):
    def run(ctx: Context) -> list:
        tracked, plain = PER_OP[expression]
        rng = _rng()
        a_np, b_np = _nonzero(rng, 8, 8), _nonzero(rng, 8, 8)
        a = mg.tensor(a_np, requires_grad=True)
        b = mg.tensor(b_np, requires_grad=True)
        sides = [Side("minigrad", lambda: tracked(a, b))]
        torch = harness.optional_import("torch")
        if torch is not None:
            ta = torch.tensor(a_np, requires_grad=True)
            tb = torch.tensor(b_np, requires_grad=True)
            sides.append(Side("torch", lambda: tracked(ta, tb)))
        sides.append(Side("numpy (no autograd)", lambda: plain(a_np, b_np)))
        stats = compare(sides, ctx.config)
        return [Row(GROUP, f"op {expression}", "8x8", 64, "engine", stats.pop("minigrad"), stats,
                    extra={"what": "one tracked op, output discarded (its node is freed with it)"})]

    return run


# ---- 100-op chain -----------------------------------------------------------------------------

def _chain_kind(i: int) -> str:
    return ("mul", "add", "tanh")[i % 3]


def _chain_tensors(x, w, c):
    y = x
    for i in range(CHAIN_LENGTH):
        kind = _chain_kind(i)
        y = y * w if kind == "mul" else (y + c if kind == "add" else y.tanh())
    return y.sum()


def _chain_numpy(x, w, c):
    """The chain and its backward by hand: what the arithmetic alone costs."""
    saved = []
    y = x
    for i in range(CHAIN_LENGTH):
        kind = _chain_kind(i)
        saved.append(y)
        y = y * w if kind == "mul" else (y + c if kind == "add" else np.tanh(y))
        if kind == "tanh":
            saved[-1] = y  # tanh's derivative is written from its output
    g = np.ones_like(x)
    dw = np.zeros_like(w)
    for i in reversed(range(CHAIN_LENGTH)):
        kind = _chain_kind(i)
        if kind == "mul":
            dw += g * saved[i]
            g = g * w
        elif kind == "tanh":
            g = g * (1.0 - saved[i] * saved[i])
    return g, dw


def _chain(ctx: Context) -> list:
    rng = _rng(1)
    x_np = _nonzero(rng, 8, 8)
    w_np = rng.uniform(0.5, 1.0, (8, 8)).astype(np.float32)
    c_np = _nonzero(rng, 8, 8)
    x = mg.tensor(x_np, requires_grad=True)
    w = mg.tensor(w_np, requires_grad=True)
    c = mg.tensor(c_np)

    def minigrad_step():
        x.grad = w.grad = None
        _chain_tensors(x, w, c).backward()

    sides = [Side("minigrad", minigrad_step)]
    extra = {"ops": CHAIN_LENGTH + 1, "mix": "mul by weight, add constant, tanh; then sum"}
    torch = harness.optional_import("torch")
    if torch is not None:
        tx = torch.tensor(x_np, requires_grad=True)
        tw = torch.tensor(w_np, requires_grad=True)
        tc = torch.tensor(c_np)

        def torch_step():
            tx.grad = tw.grad = None
            _chain_tensors(tx, tw, tc).backward()

        sides.append(Side("torch", torch_step))
        minigrad_step()
        torch_step()
        extra["max_abs_diff_dx_vs_torch"] = float(np.abs(x.grad.numpy() - tx.grad.numpy()).max())
    sides.append(Side("numpy (no autograd)", lambda: _chain_numpy(x_np, w_np, c_np)))
    stats = compare(sides, ctx.config)
    return [Row(GROUP, f"{CHAIN_LENGTH}-op chain fwd+bwd", "8x8", 64, "engine", stats.pop("minigrad"),
                stats, extra=extra)]


# ---- a small MLP step from raw tensors -----------------------------------------------------------

MLP_SIZES = (64, 128, 10)
MLP_BATCH = 64


def _mlp_arrays(seed: int = 2) -> dict:
    rng = _rng(seed)
    n_in, n_hidden, n_out = MLP_SIZES
    return {
        "x": _nonzero(rng, MLP_BATCH, n_in),
        "y": rng.integers(0, n_out, MLP_BATCH).astype(np.int64),
        "w1": (rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)).astype(np.float32),
        "b1": (0.01 * rng.standard_normal(n_hidden)).astype(np.float32),
        "w2": (rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)).astype(np.float32),
        "b2": (0.01 * rng.standard_normal(n_out)).astype(np.float32),
    }


def _mlp_loss_minigrad(p, x, y, rows):
    h = (x @ p["w1"] + p["b1"]).relu()
    logp = (h @ p["w2"] + p["b2"]).log_softmax(axis=-1)
    return -logp[rows, y].mean()


def _mlp_loss_torch(torch, p, x, y, rows):
    h = (x @ p["w1"] + p["b1"]).relu()
    logp = torch.log_softmax(h @ p["w2"] + p["b2"], dim=-1)
    return -logp[rows, y].mean()


def _mlp_numpy(a: dict, rows):
    """Forward and backward by hand (the floor): returns the loss and the four gradients."""
    x, y = a["x"], a["y"]
    pre = x @ a["w1"] + a["b1"]
    h = np.maximum(pre, 0.0)
    logits = h @ a["w2"] + a["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -logp[rows, y].mean()
    dlogits = np.exp(logp)
    dlogits[rows, y] -= 1.0
    dlogits /= len(y)
    dw2 = h.T @ dlogits
    db2 = dlogits.sum(axis=0)
    dh = (dlogits @ a["w2"].T) * (pre > 0)
    return loss, x.T @ dh, dh.sum(axis=0), dw2, db2


def _mlp_step(ctx: Context) -> list:
    arrays = _mlp_arrays()
    rows_np = np.arange(MLP_BATCH)
    names = ("w1", "b1", "w2", "b2")
    params = {k: mg.tensor(arrays[k], requires_grad=True) for k in names}
    x, y, rows = mg.tensor(arrays["x"]), mg.tensor(arrays["y"]), mg.tensor(rows_np)

    def minigrad_step():
        for p in params.values():
            p.grad = None
        loss = _mlp_loss_minigrad(params, x, y, rows)
        loss.backward()
        return loss

    sides = [Side("minigrad", minigrad_step)]
    n_in, n_hidden, n_out = MLP_SIZES
    extra = {"model": f"{n_in}-{n_hidden}-{n_out}, batch {MLP_BATCH}, relu, log_softmax + NLL, mean"}
    torch = harness.optional_import("torch")
    if torch is not None:
        tparams = {k: torch.tensor(arrays[k], requires_grad=True) for k in names}
        tx, ty, trows = (torch.from_numpy(arrays["x"]), torch.from_numpy(arrays["y"]),
                         torch.from_numpy(rows_np))

        def torch_step():
            for p in tparams.values():
                p.grad = None
            loss = _mlp_loss_torch(torch, tparams, tx, ty, trows)
            loss.backward()
            return loss

        sides.append(Side("torch", torch_step))
        # Same weights, same data: the two sides must compute the same numbers.
        loss_mg, loss_t = minigrad_step().item(), torch_step().item()
        extra["loss_minigrad"], extra["loss_torch"] = loss_mg, loss_t
        extra["max_abs_diff_grad_vs_torch"] = max(
            float(np.abs(params[k].grad.numpy() - tparams[k].grad.numpy()).max()) for k in names)
    sides.append(Side("numpy (no autograd)", lambda: _mlp_numpy(arrays, rows_np)))
    stats = compare(sides, ctx.config)
    return [Row(GROUP, "MLP step fwd+bwd", f"{n_in}-{n_hidden}-{n_out} b{MLP_BATCH}",
                MLP_BATCH * (n_in * n_hidden + n_hidden * n_out), "engine", stats.pop("minigrad"),
                stats, extra=extra)]


def _hvp(ctx: Context) -> list:
    """H v for the MLP loss with respect to its four parameters, next to one training step."""
    arrays = _mlp_arrays()
    rows_np = np.arange(MLP_BATCH)
    names = ("w1", "b1", "w2", "b2")
    rng = _rng(5)
    vectors = {k: rng.standard_normal(arrays[k].shape).astype(np.float32) for k in names}
    params = {k: mg.tensor(arrays[k], requires_grad=True) for k in names}
    vs = [mg.tensor(vectors[k]) for k in names]
    x, y, rows = mg.tensor(arrays["x"]), mg.tensor(arrays["y"]), mg.tensor(rows_np)

    def minigrad_hvp():
        loss = _mlp_loss_minigrad(params, x, y, rows)
        grads = mg.autograd.grad(loss, list(params.values()), create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vs))
        return mg.autograd.grad(dot, list(params.values()))

    def minigrad_step():
        loss = _mlp_loss_minigrad(params, x, y, rows)
        return mg.autograd.grad(loss, list(params.values()))

    hvp_sides, step_sides = [Side("minigrad", minigrad_hvp)], [Side("minigrad", minigrad_step)]
    extra = {"what": "H v = grad(grad(loss, params, create_graph=True) . v, params)"}
    torch = harness.optional_import("torch")
    if torch is not None:
        tparams = [torch.tensor(arrays[k], requires_grad=True) for k in names]
        tvs = [torch.from_numpy(vectors[k]) for k in names]
        tx, ty, trows = (torch.from_numpy(arrays["x"]), torch.from_numpy(arrays["y"]),
                         torch.from_numpy(rows_np))
        tdict = dict(zip(names, tparams))

        def torch_hvp():
            loss = _mlp_loss_torch(torch, tdict, tx, ty, trows)
            grads = torch.autograd.grad(loss, tparams, create_graph=True)
            dot = sum((g * v).sum() for g, v in zip(grads, tvs))
            return torch.autograd.grad(dot, tparams)

        def torch_step():
            return torch.autograd.grad(_mlp_loss_torch(torch, tdict, tx, ty, trows), tparams)

        hvp_sides.append(Side("torch", torch_hvp))
        step_sides.append(Side("torch", torch_step))
        extra["max_abs_diff_vs_torch"] = max(
            float(np.abs(a.numpy() - b.numpy()).max()) for a, b in zip(minigrad_hvp(), torch_hvp()))
    hvp = compare(hvp_sides, ctx.config)
    step = compare(step_sides, ctx.config)
    for name in hvp:
        extra[f"hvp_over_step_{name}"] = hvp[name].median / step[name].median
    n_in, n_hidden, n_out = MLP_SIZES
    return [Row(GROUP, "MLP Hessian-vector product", f"{n_in}-{n_hidden}-{n_out} b{MLP_BATCH}",
                MLP_BATCH * (n_in * n_hidden + n_hidden * n_out), "engine", hvp.pop("minigrad"), hvp,
                extra=extra)]


def plan(device: str) -> list:
    """The engine benchmarks (CPU only: overhead is a host-side cost)."""
    if device != "cpu":
        return []
    slug = {"a + b": "add", "a * b": "mul", "a @ b": "matmul", "x.sum()": "sum", "x.tanh()": "tanh"}
    benches = [Bench(f"engine.op_{slug[e]}", GROUP, _per_op(e)) for e in PER_OP]
    benches.append(Bench("engine.chain", GROUP, _chain))
    benches.append(Bench("engine.mlp_step", GROUP, _mlp_step))
    benches.append(Bench("engine.hvp", GROUP, _hvp))
    return benches


__all__ = ["plan", "GROUP", "TITLE", "COMPETITORS", "NOTES", "Skip"]
