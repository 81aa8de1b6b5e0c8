"""Shared by the tests of this folder: the same data as a minigrad and a torch tensor, and the
comparison of values, dtypes and gradients."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

# Shapes with 0-d tensors and empty dims among them.
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
nonempty_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-6, atol=1e-6)}


def values(draw, shape, low=-3.0, high=3.0, dtype=np.float64):
    """A drawn float array of `shape` with values in [low, high]."""
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_subnormal=False))).astype(dtype)


def pair(torch, array, requires_grad=True):
    """The same data as a minigrad leaf and a torch leaf (gradients only for float data)."""
    array = np.asarray(array)
    grad = requires_grad and array.dtype.kind == "f"
    return mg.tensor(array, requires_grad=grad), torch.tensor(array, requires_grad=grad)


def same(ours, theirs, tol=None, what=""):
    """Values, shape and dtype agree (NaN where NaN, infinities of the same sign)."""
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.numpy() if isinstance(ours, mg.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch's {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != torch's {theirs.dtype}"
    if ours.dtype.kind in "biu":
        np.testing.assert_array_equal(ours, theirs, err_msg=what)
    else:
        np.testing.assert_allclose(ours, theirs, err_msg=what, **(tol or TOL[ours.dtype.type]))


def backward_both(torch, ours, theirs, seed=0):
    """Backpropagate sum(out * w) with the same random weights w through both graphs."""
    w = np.random.default_rng(seed).standard_normal(tuple(ours.shape)).astype(ours.dtype)
    (ours * mg.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()


def same_grads(torch, ours_in, theirs_in, ours_out, theirs_out, tol=None, what=""):
    """Backpropagate through both and compare the inputs' gradients."""
    backward_both(torch, ours_out, theirs_out)
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy()), f"{what}: input {i} has a gradient, torch's has none"
            continue
        same(a.grad, b.grad, tol, what=f"{what} (gradient of input {i})")
