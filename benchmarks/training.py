"""Group 3: whole training steps, minigrad against PyTorch eager on the same device, with
identical initial weights and the same batches.

    digits MLP     64-128-10, batch 64, Adam (lr 1e-3), sklearn's 8x8 digits
    MNIST MLP      784-512-512-10, batch 128, Adam (random inputs of MNIST's shape)
    tiny GPT       vocab 65, context 64, d_model 128, 4 heads, 2 layers, batch 16, AdamW
    GPT-2 small    vocab 50257, context 1024, d_model 768, 12 heads, 12 layers, batch 8,
                   AdamW (GPU only)

A step is: zero_grad, forward, cross-entropy, backward, optimizer step. The PyTorch models
mirror minigrad's parameter names and layouts (minigrad follows PyTorch's), so the weights
are copied by name. Before timing, both sides take the same three steps from the same
weights and the loss difference is recorded: the two columns do the same work.

The MLPs on the CPU have a third column, "numpy (no autograd)": the same step written by
hand in NumPy (the same BLAS calls, no graph, no Tensor objects, minigrad's NumPy Adam
kernel). It is the floor of any engine built on NumPy: where it is slower than PyTorch,
so is every NumPy engine, and the gap is in the array library, not in the engine.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg

from . import harness
from .harness import CpuClock, Side, SyncedWallClock, compare, cupy_with_gpu
from .record import Bench, Context, Row, Skip

GROUP = "training"
TITLE = "Training steps (forward + loss + backward + optimizer step)"
COMPETITORS = ["torch", "numpy (no autograd)"]
NOTES = ["Same initial weights and batches on both sides; torch.optim uses its default "
         "implementation for the device."]

CHECK_STEPS = 3  # identical steps taken by both sides before timing, to compare losses
BATCHES = 8  # distinct batches cycled through


def minigrad_nn():
    """(minigrad.nn, minigrad.nn.functional, minigrad.optim), or Skip with the reason."""
    try:
        import minigrad.nn as nn
        import minigrad.nn.functional as F
        import minigrad.optim as optim
    except ImportError as error:
        raise Skip(f"minigrad.nn / minigrad.optim not available ({error})") from error
    return nn, F, optim


# ---- models -------------------------------------------------------------------------------------

def mlp_minigrad(nn, sizes):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def mlp_torch(torch, sizes):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def gpt_minigrad(nn, vocab, context, d_model, heads, layers):
    """A GPT from minigrad's layers: token + position embeddings, blocks, final norm, head."""

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(context, d_model)
            self.blocks = nn.Sequential(*[nn.TransformerBlock(d_model, heads) for _ in range(layers)])
            self.ln_f = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab, bias=False)

        def forward(self, idx):
            positions = mg.arange(idx.shape[1], device=idx.device)
            x = self.tok(idx) + self.pos(positions)
            return self.head(self.ln_f(self.blocks(x)))

    return GPT()


def gpt_torch(torch, vocab, context, d_model, heads, layers):
    """The same GPT in PyTorch, with minigrad's parameter names (attention as nanoGPT writes
    it: one in-projection and scaled_dot_product_attention, PyTorch's fastest eager path)."""
    tnn = torch.nn

    class Attention(tnn.Module):
        def __init__(self):
            super().__init__()
            self.in_proj_weight = tnn.Parameter(torch.empty(3 * d_model, d_model))
            self.in_proj_bias = tnn.Parameter(torch.zeros(3 * d_model))
            self.out_proj = tnn.Linear(d_model, d_model)

        def forward(self, x):
            b, t, _ = x.shape
            qkv = tnn.functional.linear(x, self.in_proj_weight, self.in_proj_bias)
            q, k, v = (part.view(b, t, heads, d_model // heads).transpose(1, 2)
                       for part in qkv.split(d_model, dim=2))
            o = tnn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.out_proj(o.transpose(1, 2).reshape(b, t, d_model))

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = tnn.LayerNorm(d_model)
            self.attn = Attention()
            self.ln2 = tnn.LayerNorm(d_model)
            self.mlp = tnn.Sequential(tnn.Linear(d_model, 4 * d_model), tnn.GELU(),
                                      tnn.Linear(4 * d_model, d_model))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(tnn.Module):
        def __init__(self):
            super().__init__()
            self.tok = tnn.Embedding(vocab, d_model)
            self.pos = tnn.Embedding(context, d_model)
            self.blocks = tnn.Sequential(*[Block() for _ in range(layers)])
            self.ln_f = tnn.LayerNorm(d_model)
            self.head = tnn.Linear(d_model, vocab, bias=False)

        def forward(self, idx):
            positions = torch.arange(idx.shape[1], device=idx.device)
            x = self.tok(idx) + self.pos(positions)
            return self.head(self.ln_f(self.blocks(x)))

    return GPT()


def copy_weights(torch, minigrad_model, torch_model) -> None:
    """Load minigrad's parameters into the PyTorch model by name (same names, same layouts)."""
    source = {name: p.numpy() for name, p in minigrad_model.named_parameters()}
    target = dict(torch_model.named_parameters())
    if set(source) != set(target):
        missing = sorted(set(target) ^ set(source))
        raise Skip(f"parameter names differ between the minigrad and torch models: {missing[:6]}")
    with torch.no_grad():
        for name, p in target.items():
            if tuple(p.shape) != source[name].shape:
                raise Skip(f"parameter {name}: minigrad {source[name].shape} vs torch {tuple(p.shape)}")
            p.copy_(torch.from_numpy(np.ascontiguousarray(source[name])))


# ---- data -----------------------------------------------------------------------------------------

def digits_batches(batch: int, rng) -> tuple:
    """Batches of sklearn's 8x8 digits (pixels / 16), or random pixels when sklearn is missing."""
    datasets = harness.optional_import("sklearn.datasets")
    if datasets is not None:
        digits = datasets.load_digits()
        x_all = (digits.data / 16.0).astype(np.float32)
        y_all = digits.target.astype(np.int64)
        source = "sklearn digits"
    else:
        x_all = rng.random((1797, 64)).astype(np.float32)
        y_all = rng.integers(0, 10, 1797).astype(np.int64)
        source = "random 8x8 pixels (sklearn not installed)"
    order = rng.permutation(len(x_all))
    xs = [x_all[order[i * batch:(i + 1) * batch]] for i in range(BATCHES)]
    ys = [y_all[order[i * batch:(i + 1) * batch]] for i in range(BATCHES)]
    return xs, ys, source


def random_batches(shape_x, n_classes: int, shape_y, rng) -> tuple:
    xs = [rng.standard_normal(shape_x).astype(np.float32) for _ in range(BATCHES)]
    ys = [rng.integers(0, n_classes, shape_y).astype(np.int64) for _ in range(BATCHES)]
    return xs, ys


def token_batches(vocab: int, batch: int, context: int, rng) -> tuple:
    xs = [rng.integers(0, vocab, (batch, context)).astype(np.int64) for _ in range(BATCHES)]
    ys = [rng.integers(0, vocab, (batch, context)).astype(np.int64) for _ in range(BATCHES)]
    return xs, ys


# ---- one training-step comparison ---------------------------------------------------------------

def _stepper(model, optimizer, loss_fn, xs, ys):
    """A zero-argument training step cycling through the batches; returns the loss tensor."""
    position = [0]

    def step():
        i = position[0] % len(xs)
        position[0] += 1
        optimizer.zero_grad()
        loss = loss_fn(model(xs[i]), ys[i])
        loss.backward()
        optimizer.step()
        return loss

    return step


def mlp_numpy_step(model, xs, ys, lr: float):
    """The MLP training step written by hand in NumPy, starting from `model`'s weights: the
    floor column. Forward (x W^T + b, ReLU), mean cross-entropy, backward (bias gradients as
    minigrad's gemv column sums), and Adam through kernels.reference.adam_update (the
    fastest NumPy Adam here). Returns a step function that returns the loss."""
    from kernels.reference import adam_update, column_sum

    layers = [(m.weight.numpy().copy(), m.bias.numpy().copy()) for m in model
              if hasattr(m, "weight")]
    params = [a for pair in layers for a in pair]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    rows = np.arange(len(ys[0]))
    state = {"batch": 0, "step": 0}

    def step():
        i = state["batch"] % len(xs)
        state["batch"] += 1
        x, y = xs[i], ys[i]
        inputs = []  # each layer's input, kept for its weight gradient
        h = x
        for j, (w, b) in enumerate(layers):
            inputs.append(h)
            h = h @ w.T
            h += b
            if j < len(layers) - 1:
                np.maximum(h, 0.0, out=h)
        shifted = h - h.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        sums = probs.sum(axis=1, keepdims=True)
        loss = float(np.log(sums).mean() - shifted[rows, y].mean())
        g = probs
        g /= sums
        g[rows, y] -= 1.0
        g /= len(y)  # dloss/dlogits
        grads = []
        for j in reversed(range(len(layers))):
            grads[:0] = [g.T @ inputs[j], column_sum(g)]
            if j > 0:
                g = g @ layers[j][0]
                g *= inputs[j] > 0  # ReLU's gradient, read off its output
        state["step"] += 1
        for p, grad, (m, v) in zip(params, grads, moments):
            adam_update(p, grad, m, v, lr=lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                        step=state["step"], decoupled=False)
        return loss

    return step


def compare_training(ctx: Context, name: str, size: str, build, data, optimizer_name: str,
                     hyper: dict, numpy_step=None) -> list:
    """Build both models with the same weights, check they agree, then time one step each."""
    nn, F, optim = minigrad_nn()
    device = ctx.device
    mg.manual_seed(0)
    model = build["minigrad"](nn)
    if device == "cuda":
        model = model.to("cuda")
    xs_np, ys_np = data
    xs = [mg.tensor(x, device=device) for x in xs_np]
    ys = [mg.tensor(y, device=device) for y in ys_np]
    opt = getattr(optim, optimizer_name)(model.parameters(), **hyper)
    loss_fn = lambda logits, targets: F.cross_entropy(  # noqa: E731
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    minigrad_step = _stepper(model, opt, loss_fn, xs, ys)
    n_params = sum(p.size for p in model.parameters())

    if device == "cuda":
        cupy = cupy_with_gpu()
        minigrad_clock = SyncedWallClock(lambda: cupy.cuda.runtime.deviceSynchronize())
    else:
        minigrad_clock = CpuClock()
    sides = [Side("minigrad", minigrad_step, minigrad_clock)]
    extra = {"parameters": int(n_params), "optimizer": f"{optimizer_name} {hyper}"}

    torch = harness.optional_import("torch")
    if torch is not None and device == "cuda" and not torch.cuda.is_available():
        ctx.note("PyTorch without CUDA: torch column dropped on the GPU")
        torch = None
    if torch is not None:
        torch.manual_seed(0)
        tmodel = build["torch"](torch)
        copy_weights(torch, model, tmodel)
        tdevice = "cuda" if device == "cuda" else "cpu"
        tmodel = tmodel.to(tdevice)
        txs = [torch.from_numpy(x).to(tdevice) for x in xs_np]
        tys = [torch.from_numpy(y).to(tdevice) for y in ys_np]
        topt = getattr(torch.optim, optimizer_name)(tmodel.parameters(), **hyper)
        tloss = lambda logits, targets: torch.nn.functional.cross_entropy(  # noqa: E731
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        torch_step = _stepper(tmodel, topt, tloss, txs, tys)
        clock = SyncedWallClock(torch.cuda.synchronize) if device == "cuda" else CpuClock()
        sides.append(Side("torch", torch_step, clock))
        losses = [(minigrad_step().item(), torch_step().item()) for _ in range(CHECK_STEPS)]
        extra["losses_first_steps"] = losses
        extra["max_abs_loss_diff"] = max(abs(a - b) for a, b in losses)
    if numpy_step is not None and device == "cpu":
        mg.manual_seed(0)
        fresh = build["minigrad"](nn)  # the same initial weights as `model` had
        floor_step = numpy_step(fresh, xs_np, ys_np)
        sides.append(Side("numpy (no autograd)", floor_step, CpuClock()))
        if "losses_first_steps" in extra:
            floor_losses = [floor_step() for _ in range(CHECK_STEPS)]
            extra["max_abs_loss_diff_numpy_vs_torch"] = max(
                abs(a - b) for a, (_, b) in zip(floor_losses, extra["losses_first_steps"]))
    stats = compare(sides, ctx.config)
    return [Row(GROUP, name, size, float(n_params), "engine", stats.pop("minigrad"), stats, extra=extra)]


# ---- the benchmarks ----------------------------------------------------------------------------

def _digits_mlp(ctx: Context) -> list:
    rng = np.random.default_rng(0)
    xs, ys, source = digits_batches(64, rng)
    sizes = (64, 128, 10)
    build = {"minigrad": lambda nn: mlp_minigrad(nn, sizes), "torch": lambda torch: mlp_torch(torch, sizes)}
    rows = compare_training(ctx, "digits MLP step", "64-128-10 b64", build, (xs, ys), "Adam", {"lr": 1e-3},
                            numpy_step=lambda model, x, y: mlp_numpy_step(model, x, y, lr=1e-3))
    rows[0].extra["data"] = source
    return rows


def _mnist_mlp(ctx: Context) -> list:
    rng = np.random.default_rng(0)
    sizes = (784, 512, 512, 10)
    build = {"minigrad": lambda nn: mlp_minigrad(nn, sizes), "torch": lambda torch: mlp_torch(torch, sizes)}
    data = random_batches((128, 784), 10, (128,), rng)
    rows = compare_training(ctx, "MNIST-shaped MLP step", "784-512-512-10 b128", build, data, "Adam",
                            {"lr": 1e-3},
                            numpy_step=lambda model, x, y: mlp_numpy_step(model, x, y, lr=1e-3))
    rows[0].extra["data"] = "random inputs of MNIST's shape"
    return rows


def _gpt(name, vocab, context, d_model, heads, layers, batch):
    def run(ctx: Context) -> list:
        rng = np.random.default_rng(0)
        shape = (vocab, context, d_model, heads, layers)
        build = {"minigrad": lambda nn: gpt_minigrad(nn, *shape),
                 "torch": lambda torch: gpt_torch(torch, *shape)}
        data = token_batches(vocab, batch, context, rng)
        size = f"V{vocab} T{context} d{d_model} h{heads} L{layers} b{batch}"
        rows = compare_training(ctx, name, size, build, data, "AdamW",
                                {"lr": 3e-4, "weight_decay": 0.1})
        for row in rows:  # a language model's throughput: tokens trained on per second
            sides = {"minigrad": row.minigrad, **row.competitors}
            row.extra["tokens_per_step"] = batch * context
            row.extra["tokens_per_s"] = {side: batch * context / stats.median
                                         for side, stats in sides.items() if stats is not None}
        return rows
    return run


def plan(device: str) -> list:
    benches = [
        Bench("training.digits_mlp", GROUP, _digits_mlp),
        Bench("training.mnist_mlp", GROUP, _mnist_mlp),
        Bench("training.tiny_gpt", GROUP, _gpt("tiny GPT step", 65, 64, 128, 4, 2, 16)),
    ]
    if device == "cuda":  # first: the GPU's target row, measured before any time runs out
        benches.insert(0, Bench("training.gpt2_small", GROUP,
                                _gpt("GPT-2-small step", 50257, 1024, 768, 12, 12, 8)))
    return benches
