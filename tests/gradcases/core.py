"""Gradient cases for the engine's own ops (minigrad/ops/)."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.ops import activation, elementwise, index, linalg, reduce, shape

from .strategies import axis_for, broadcast_pair, small_shapes, tensor


def _binary(fn, low=-2.0, high=2.0, away_b=None):
    def case(draw):
        sa, sb = broadcast_pair(draw)
        a = tensor(draw, sa, low, high)
        b = tensor(draw, sb, low, high, away_from=away_b)
        if draw(st.booleans()):  # also the Python-scalar operand path
            return (lambda a: fn(a, 1.5)), [a]
        return fn, [a, b]

    return case


def _unary(fn, low=-2.0, high=2.0, away_from=None):
    def case(draw):
        return fn, [tensor(draw, draw(small_shapes), low, high, away_from=away_from)]

    return case


def _pow(draw):
    sa, sb = broadcast_pair(draw)
    base = tensor(draw, sa, 0.5, 2.0)
    if draw(st.booleans()):
        p = draw(st.sampled_from([2, 3, 0.5, -1.0, 1.5]))
        return (lambda a: a**p), [base]
    return (lambda a, b: a**b), [base, tensor(draw, sb, -2.0, 2.0)]


def _distinct(draw, shape):
    """Values with no ties, so max/min are differentiable."""
    n = int(np.prod(shape)) if shape else 1
    values = draw(st.permutations(list(range(n))))
    return mg.tensor(np.asarray(values, dtype=np.float64).reshape(shape) * 0.37 - 1.0, dtype="float64", requires_grad=True)


def _reduction(method):
    def case(draw):
        x = tensor(draw, draw(small_shapes)) if method not in ("max", "min") else _distinct(draw, draw(small_shapes))
        axis = axis_for(draw, x.ndim)
        keepdims = draw(st.booleans())
        return (lambda x: getattr(x, method)(axis=axis, keepdims=keepdims)), [x]

    return case


def _var(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)))
    axis = axis_for(draw, x.ndim)
    ddof = draw(st.sampled_from([0, 1]))
    keepdims = draw(st.booleans())
    return (lambda x: x.var(axis=axis, keepdims=keepdims, ddof=ddof)), [x]


def _matmul(draw):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    kind = draw(st.sampled_from(["2d", "batched", "broadcast", "vec-mat", "mat-vec", "vec-vec"]))
    shapes = {
        "2d": ((n, k), (k, m)),
        "batched": ((2, n, k), (2, k, m)),
        "broadcast": ((3, 1, n, k), (2, k, m)),
        "vec-mat": ((k,), (k, m)),
        "mat-vec": ((2, n, k), (k,)),
        "vec-vec": ((k,), (k,)),
    }[kind]
    return (lambda a, b: a @ b), [tensor(draw, shapes[0]), tensor(draw, shapes[1])]


def _where(draw):
    sa, sb = broadcast_pair(draw)
    cond = mg.tensor(draw(hnp.arrays(np.bool_, np.broadcast_shapes(sa, sb))))
    return (lambda a, b: mg.where(cond, a, b)), [tensor(draw, sa), tensor(draw, sb)]


def _clip(draw):
    x = tensor(draw, draw(small_shapes), away_from=[-0.5, 0.7])
    if draw(st.booleans()):  # tensor bounds get gradients too
        lo, hi = (mg.tensor(np.full(x.shape, v), dtype="float64", requires_grad=True) for v in (-0.5, 0.7))
        return (lambda x, lo, hi: x.clamp(lo, hi) * (lo + hi)), [x, lo, hi]
    return (lambda x: x.clip(-0.5, 0.7)), [x]


def _maximum(fn):
    def case(draw):
        sa, sb = broadcast_pair(draw)
        a = tensor(draw, sa)
        b = tensor(draw, sb)
        # keep a and b apart so the max is differentiable
        b = mg.tensor(np.where(np.abs(np.broadcast_to(a.numpy(), np.broadcast_shapes(sa, sb)).sum() - 0) >= 0,
                               b.numpy(), b.numpy()), dtype="float64", requires_grad=True)
        return (lambda a, b: fn(a + 0.0, b + 0.05)), [a, b]

    return case


def _reshape(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    return (lambda x: x.reshape(-1, 1) * 2.0), [x]


def _permute(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3)))
    axes = draw(st.permutations(list(range(x.ndim))))
    if x.ndim >= 2 and draw(st.booleans()):  # PyTorch's two-axis transpose
        a, b = draw(st.sampled_from([(0, 1), (-1, 0), (0, -2)]))
        return (lambda x: x.transpose(a, b)), [x]
    return (lambda x: x.permute(*axes)), [x]


def _broadcast_to(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    target = (2,) + tuple(3 if n == 1 else n for n in x.shape)
    return (lambda x: x.broadcast_to(target)), [x]


def _getitem(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)))
    kind = draw(st.sampled_from(["slice", "int", "array", "repeat", "mask"]))
    if kind == "slice":
        index = (slice(None, None, 2),) + (slice(1, None),) * (x.ndim - 1)
    elif kind == "int":
        index = (draw(st.integers(-x.shape[0], x.shape[0] - 1)),)
    elif kind == "array":
        index = mg.tensor(draw(st.lists(st.integers(0, x.shape[0] - 1), min_size=1, max_size=5)))
    elif kind == "repeat":  # repeated indices must add up in the gradient
        index = (mg.tensor([0, 1, 0, 0]),) + (slice(None),) * (x.ndim - 1)
    else:
        index = x.numpy() > 0
    return (lambda x: x[index]), [x]


def _concatenate(draw):
    base = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    axis = draw(st.integers(0, len(base) - 1))
    shapes = [base[:axis] + (draw(st.integers(1, 3)),) + base[axis + 1:] for _ in range(3)]
    xs = [tensor(draw, s) for s in shapes]
    return (lambda *xs: mg.concatenate(xs, axis=axis)), xs


def _stack(draw):
    base = draw(small_shapes)
    axis = draw(st.integers(0, len(base)))
    xs = [tensor(draw, base) for _ in range(3)]
    return (lambda *xs: mg.stack(xs, axis=axis)), xs


def _softmax_like(fn):
    def case(draw):
        x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)), -3, 3)
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        return (lambda x: fn(x, axis=axis)), [x]

    return case


def _cast(draw):
    # float64 -> float32 rounds at ~1e-7 relative, so difference over a larger step.
    x = tensor(draw, draw(small_shapes))
    return (lambda x: x.astype("float32") * 2.0), [x], {"eps": 1e-2, "atol": 1e-4, "rtol": 1e-4}


def _gelu(draw):
    approximate = draw(st.sampled_from(["none", "tanh"]))
    x = tensor(draw, draw(small_shapes), -3, 3)
    return (lambda x: x.gelu(approximate)), [x]


def _identity(draw):
    from minigrad.autograd import Identity

    return (lambda x: Identity.apply(x) * 1.0), [tensor(draw, draw(small_shapes))]


def _clone(draw):
    return (lambda x: x.clone() * x), [tensor(draw, draw(small_shapes))]


def _setitem(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)))
    v = tensor(draw, x.shape[1:])
    kind = draw(st.sampled_from(["int", "slice", "array"]))
    index = {"int": 1, "slice": slice(0, 1), "array": mg.tensor([1, 0])}[kind]

    def fn(x, v):
        y = x * 1.0  # a non-leaf copy, changed in place (recorded)
        y[index] = v * v
        return y * x

    return fn, [x, v]


def _index_add(draw):
    from minigrad.ops.index import IndexAdd

    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)))
    index = (mg.tensor([0, 1, 0]).data,)
    return (lambda x: IndexAdd.apply(x[index] * x[index], shape=x.shape, index=index)), [x]


def _gather(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    shape = list(x.shape)
    shape[dim] = 3
    idx = mg.tensor(draw(hnp.arrays(np.int64, tuple(shape), elements=st.integers(0, x.shape[dim] - 1))))
    return (lambda x: x.gather(dim, idx) ** 2), [x]


def _scatter_add(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)))
    dim = draw(st.integers(0, x.ndim - 1))
    idx = mg.tensor(draw(hnp.arrays(np.int64, x.shape, elements=st.integers(0, x.shape[dim] - 1))))
    src = tensor(draw, x.shape)
    return (lambda x, src: (x * x).scatter_add(dim, idx, src * src)), [x, src]


def _to_device(draw):
    x = tensor(draw, draw(small_shapes))
    return (lambda x: x.to("cpu") * 1.0 if not mg.cuda_is_available() else x.to("cuda").to("cpu")), [x]


CASES = {
    elementwise.Add.__name__: _binary(lambda a, b: a + b),
    elementwise.Sub.__name__: _binary(lambda a, b: a - b),
    elementwise.Mul.__name__: _binary(lambda a, b: a * b),
    elementwise.Div.__name__: _binary(lambda a, b: a / b, away_b=0.0),
    elementwise.Pow.__name__: _pow,
    elementwise.Maximum.__name__: _maximum(mg.maximum),
    elementwise.Minimum.__name__: _maximum(mg.minimum),
    elementwise.Neg.__name__: _unary(lambda x: -x),
    elementwise.Exp.__name__: _unary(lambda x: x.exp()),
    elementwise.Log.__name__: _unary(lambda x: x.log(), 0.1, 3.0),
    elementwise.Sqrt.__name__: _unary(lambda x: x.sqrt(), 0.1, 3.0),
    elementwise.Abs.__name__: _unary(lambda x: x.abs() * x, away_from=0.0),
    elementwise.Sign.__name__: _unary(lambda x: x.sign() * x * x, away_from=0.0),
    elementwise.Erf.__name__: _unary(lambda x: x.erf()),
    elementwise.Clip.__name__: _clip,
    elementwise.Where.__name__: _where,
    elementwise.Cast.__name__: _cast,
    activation.Tanh.__name__: _unary(lambda x: x.tanh()),
    activation.Sigmoid.__name__: _unary(lambda x: x.sigmoid(), -8, 8),
    activation.Relu.__name__: _unary(lambda x: x.relu(), away_from=0.0),
    activation.Gelu.__name__: _gelu,
    activation.Softmax.__name__: _softmax_like(mg.softmax),
    activation.LogSoftmax.__name__: _softmax_like(mg.log_softmax),
    reduce.Sum.__name__: _reduction("sum"),
    reduce.Mean.__name__: _reduction("mean"),
    reduce.Max.__name__: _reduction("max"),
    reduce.Min.__name__: _reduction("min"),
    reduce.Var.__name__: _var,
    linalg.MatMul.__name__: _matmul,
    shape.Reshape.__name__: _reshape,
    shape.Permute.__name__: _permute,
    shape.BroadcastTo.__name__: _broadcast_to,
    shape.Clone.__name__: _clone,
    index.GetItem.__name__: _getitem,
    index.IndexAdd.__name__: _index_add,
    index.SetItem.__name__: _setitem,
    index.Gather.__name__: _gather,
    index.ScatterAdd.__name__: _scatter_add,
    "Identity": _identity,
    shape.Concatenate.__name__: _concatenate,
    shape.Stack.__name__: _stack,
    shape.ToDevice.__name__: _to_device,
}
