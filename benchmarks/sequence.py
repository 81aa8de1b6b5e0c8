"""Group 5: sequence models, minigrad against PyTorch eager on the same device, same weights.

    LSTM / GRU fwd+bwd      nn.LSTM(200, 200) and nn.GRU(200, 200) at sequence 35, batch 20 (the
                            small Penn Treebank model's shape): forward, then backward of out.sum()
                            into the input and every weight
    encoder layer step      nn.TransformerEncoderLayer(d_model=256, nhead=4, batch_first=True) at
                            batch 32, sequence 128 (PyTorch's defaults otherwise: feed-forward 2048,
                            dropout 0.1, post-norm, ReLU): forward, MSE to a fixed target, backward,
                            AdamW step; and the same with dropout=0 (the fused attention path)

Before timing, the two sides' outputs are compared from the same weights and inputs (in eval
mode for the encoder, whose dropout masks differ between the libraries): `max_abs_diff`.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg

from . import harness
from .harness import CpuClock, Side, SyncedWallClock, compare, cupy_with_gpu
from .record import Bench, Context, Row, Skip

GROUP = "sequence"
TITLE = "Sequence models (recurrent fwd+bwd, transformer encoder training step)"
COMPETITORS = ["torch"]
NOTES = ["Same weights and inputs on both sides; the encoder's dropout draws different masks in each library."]

RECURRENT = {"default": (35, 20, 200, 200), "tiny": (5, 3, 16, 16)}  # steps, batch, input, hidden
ENCODER = {"default": (32, 128, 256, 4, 2048), "tiny": (2, 8, 16, 2, 32)}  # batch, seq, d_model, heads, ff


def _torch_or_none(ctx: Context):
    torch = harness.optional_import("torch")
    if torch is not None and ctx.device == "cuda" and not torch.cuda.is_available():
        ctx.note("PyTorch without CUDA: torch column dropped on the GPU")
        return None
    return torch


def _clocks(ctx: Context, torch):
    if ctx.device != "cuda":
        return CpuClock(), CpuClock()
    cupy = cupy_with_gpu()
    return (SyncedWallClock(lambda: cupy.cuda.runtime.deviceSynchronize()),
            SyncedWallClock(torch.cuda.synchronize) if torch is not None else None)


def _copy_into_torch(torch, ours, theirs) -> None:
    target = dict(theirs.named_parameters())
    source = dict(ours.named_parameters())
    if set(source) != set(target):
        raise Skip(f"parameter names differ: {sorted(set(source) ^ set(target))[:6]}")
    with torch.no_grad():
        for name, p in target.items():
            p.copy_(torch.from_numpy(np.ascontiguousarray(source[name].numpy())))


def _recurrent(kind: str):
    def run(ctx: Context) -> list:
        import minigrad.nn as nn

        steps, batch, n_in, hidden = RECURRENT["tiny" if ctx.sizes == "tiny" else "default"]
        mg.manual_seed(0)
        layer = getattr(nn, kind)(n_in, hidden).to(ctx.device)
        x_np = np.random.default_rng(0).standard_normal((steps, batch, n_in)).astype(np.float32)
        x = mg.tensor(x_np, device=ctx.device, requires_grad=True)

        def ours():
            out, _ = layer(x)
            out.sum().backward()
            return out

        mine_clock, torch_clock = _clocks(ctx, None)
        sides = [Side("minigrad", ours, mine_clock)]
        extra = {"shape": f"T{steps} B{batch} {n_in}->{hidden}", "what": "forward + backward of out.sum()"}
        torch = _torch_or_none(ctx)
        if torch is not None:
            tdevice = "cuda" if ctx.device == "cuda" else "cpu"
            theirs_layer = getattr(torch.nn, kind)(n_in, hidden).to(tdevice)
            _copy_into_torch(torch, layer, theirs_layer)
            tx = torch.from_numpy(x_np).to(tdevice).requires_grad_(True)

            def theirs():
                out, _ = theirs_layer(tx)
                out.sum().backward()
                return out

            _, torch_clock = _clocks(ctx, torch)
            sides.append(Side("torch", theirs, torch_clock))
            extra["max_abs_diff"] = float(np.abs(ours().numpy() - theirs().detach().cpu().numpy()).max())
        stats = compare(sides, ctx.config)
        size = f"T{steps} B{batch} {n_in}->{hidden}"
        return [Row(GROUP, f"{kind} fwd+bwd", size, float(steps * batch * hidden), "engine",
                    stats.pop("minigrad"), stats, extra=extra)]

    return run


def _encoder(dropout: float):
    def run(ctx: Context) -> list:
        import minigrad.nn as nn
        import minigrad.nn.functional as F

        batch, seq, d_model, heads, ff = ENCODER["tiny" if ctx.sizes == "tiny" else "default"]
        mg.manual_seed(0)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=ff, dropout=dropout,
                                           batch_first=True).to(ctx.device)
        rng = np.random.default_rng(0)
        x_np = rng.standard_normal((batch, seq, d_model)).astype(np.float32)
        target_np = rng.standard_normal((batch, seq, d_model)).astype(np.float32)
        x, target = mg.tensor(x_np, device=ctx.device), mg.tensor(target_np, device=ctx.device)
        optimizer = mg.optim.AdamW(layer.parameters(), lr=1e-4)

        def ours():
            optimizer.zero_grad()
            loss = F.mse_loss(layer(x), target)
            loss.backward()
            optimizer.step()
            return loss

        mine_clock, _ = _clocks(ctx, None)
        sides = [Side("minigrad", ours, mine_clock)]
        extra = {"what": "zero_grad, forward, MSE loss, backward, AdamW step", "dropout": dropout}
        torch = _torch_or_none(ctx)
        if torch is not None:
            tdevice = "cuda" if ctx.device == "cuda" else "cpu"
            theirs_layer = torch.nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=ff, dropout=dropout,
                                                            batch_first=True).to(tdevice)
            _copy_into_torch(torch, layer, theirs_layer)
            tx, ttarget = torch.from_numpy(x_np).to(tdevice), torch.from_numpy(target_np).to(tdevice)
            toptimizer = torch.optim.AdamW(theirs_layer.parameters(), lr=1e-4)

            def theirs():
                toptimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(theirs_layer(tx), ttarget)
                loss.backward()
                toptimizer.step()
                return loss

            layer.eval()
            theirs_layer.eval()
            with mg.no_grad(), torch.no_grad():
                extra["max_abs_diff"] = float(np.abs(layer(x).numpy() - theirs_layer(tx).cpu().numpy()).max())
            layer.train()
            theirs_layer.train()
            _, torch_clock = _clocks(ctx, torch)
            sides.append(Side("torch", theirs, torch_clock))
        stats = compare(sides, ctx.config)
        size = f"b{batch} T{seq} d{d_model} h{heads} ff{ff} p{dropout}"
        return [Row(GROUP, "TransformerEncoderLayer step", size, float(batch * seq * d_model), "engine",
                    stats.pop("minigrad"), stats, extra=extra)]

    return run


def plan(device: str) -> list:
    return [
        Bench("sequence.lstm", GROUP, _recurrent("LSTM")),
        Bench("sequence.gru", GROUP, _recurrent("GRU")),
        Bench("sequence.encoder_layer", GROUP, _encoder(0.1)),
        Bench("sequence.encoder_layer_no_dropout", GROUP, _encoder(0.0)),
    ]
