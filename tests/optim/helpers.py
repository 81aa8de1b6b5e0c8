"""Shared helpers for the optimizer tests: feed the same gradients to minigrad and torch optimizers."""

import numpy as np

import minigrad as mg


def make_params(shapes, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def gradient_sequence(shapes, steps, seed=1, dtype=np.float64):
    """steps lists of gradients, one array per parameter."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]


def run_minigrad(make_optimizer, initial, grads):
    """Apply `grads` step by step with the optimizer `make_optimizer(params)` makes; return the final arrays."""
    params = [mg.tensor(a, requires_grad=True) for a in initial]
    opt = make_optimizer(params)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = mg.tensor(g)
        opt.step()
    return [p.numpy().copy() for p in params], opt


def run_torch(make_optimizer, initial, grads):
    import torch

    params = [torch.tensor(a, requires_grad=True) for a in initial]
    opt = make_optimizer(params)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
    return [p.detach().numpy().copy() for p in params]
