"""Group 4: does training leak? 5,000 Adam steps of the digits MLP with the process's
resident memory (RSS) sampled every 500 steps.

The first sample is taken after 500 steps, once the allocator and the optimizer state
have settled; "flat" means the last sample is within FLAT_MIB (or FLAT_FRACTION of the
first sample, whichever is larger) of the first. A graph that is not freed after
backward, or gradients that pile up, grow by megabytes over 5,000 steps.
"""
from __future__ import annotations

import os
import resource

import numpy as np

import minigrad as mg

from .record import Bench, Context, Row
from .training import digits_batches, minigrad_nn, mlp_minigrad

GROUP = "memory"
TITLE = "Memory: resident set size over 5,000 training steps (digits MLP, Adam)"
COMPETITORS: list = []
NOTES = ["RSS of this benchmark process; no competitor column (PyTorch in the same process "
         "would share the figure)."]

STEPS = 5000
EVERY = 500
FLAT_MIB = 4.0
FLAT_FRACTION = 0.02


def rss_mib() -> tuple[float, str]:
    """Current resident memory in MiB, from /proc/self/statm (Linux); else the peak from
    getrusage, which can only grow (then the result says so)."""
    try:
        with open("/proc/self/statm") as f:
            resident_pages = int(f.read().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, "/proc/self/statm"
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
        scale = 2**20 if os.uname().sysname == "Darwin" else 2**10
        return peak / scale, "getrusage ru_maxrss (peak only)"


def _training_memory(ctx: Context) -> list:
    nn, F, optim = minigrad_nn()
    mg.manual_seed(0)
    model = mlp_minigrad(nn, (64, 128, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    xs_np, ys_np, source = digits_batches(64, np.random.default_rng(0))
    xs = [mg.tensor(x) for x in xs_np]
    ys = [mg.tensor(y) for y in ys_np]
    steps = STEPS if ctx.sizes != "tiny" else 2 * EVERY // 10
    every = EVERY if ctx.sizes != "tiny" else EVERY // 10
    samples, how = [], ""
    loss = None
    for step in range(1, steps + 1):
        i = step % len(xs)
        opt.zero_grad()
        loss = F.cross_entropy(model(xs[i]), ys[i])
        loss.backward()
        opt.step()
        if step % every == 0:
            mib, how = rss_mib()
            samples.append((step, round(mib, 2)))
    values = [m for _, m in samples]
    first, last = values[0], values[-1]
    growth = last - first
    limit = max(FLAT_MIB, FLAT_FRACTION * first)
    extra = {"samples": samples, "first_MiB": first, "last_MiB": last, "max_MiB": max(values),
             "growth_MiB": growth, "flat_limit_MiB": limit, "flat": bool(growth <= limit),
             "how": how, "steps": steps, "final_loss": float(loss.item()), "data": source}
    return [Row(GROUP, "digits MLP + Adam", f"{steps} steps", float(steps), "engine", None,
                unit="MiB", extra=extra)]


def plan(device: str) -> list:
    if device != "cpu":
        return []
    return [Bench("memory.digits_mlp", GROUP, _training_memory)]
