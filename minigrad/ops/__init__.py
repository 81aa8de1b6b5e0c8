"""The op set. Each module holds `Function` subclasses (forward and backward side by side)
and the plain functions that Tensor methods and `minigrad.*` call.

    elementwise.py   + - * / ** neg exp log sqrt abs sign erf maximum minimum clip where cast copysign lerp,
                     comparisons, isnan isclose, logical and bitwise ops
    trig.py          sin cos tan asin acos atan sinh cosh asinh acosh atanh atan2 hypot
    special.py       exp2 expm1 log2 log10 log1p rsqrt erfc logaddexp logaddexp2
    rounding.py      floor ceil round trunc frac fmod remainder, // (floor_divide) and div's rounding modes
    activation.py    tanh sigmoid relu gelu softmax log_softmax
                     silu leaky_relu elu selu celu softplus mish hardtanh hardsigmoid hardswish logsigmoid ...
    scan.py          cumsum cumprod logcumsumexp cummax cummin
    sort.py          sort argsort topk kthvalue median mode (prod std logsumexp norms: reduce.py)
    reduce.py        sum mean max min amax amin var argmax argmin any all
    shape.py         reshape permute transpose broadcast_to concatenate stack split clone, device copies
    index.py         getitem setitem gather scatter_add take_along_dim index_select masked_select nonzero ...
    scatter.py       scatter scatter_reduce
    movement.py      flip roll repeat tile repeat_interleave pad unfold meshgrid
    diagonal.py      diagonal diag diag_embed tril triu
    linalg.py        matmul mm bmm mv dot outer addmm einsum
    recurrent.py     the recurrent layers' time loop (LSTM, GRU, RNN) as one fused op
    xp.py            NumPy's names over Tensors, for backward formulas that are recorded

TENSOR_METHODS is the table of Tensor methods that only call an op (tensor.py installs it):
each function takes the tensor as its first argument, so it is the method as it is.
"""

from . import activation, elementwise, index, linalg, reduce, shape  # noqa: F401
from . import recurrent  # noqa: F401


def _masked_fill(x, mask, value):
    """x where mask is False, value where it is True (mask broadcasts against x)."""
    return elementwise.where(mask, value, x)


_masked_fill.__name__ = "masked_fill"

from . import rounding, scan, sort, special, trig  # noqa: E402


def _rfloordiv(x, other):
    """other // x (Python's reflected operator)."""
    return rounding.floor_divide(other, x)


def _rmod(x, other):
    """other % x (Python's reflected operator)."""
    return rounding.remainder(other, x)


TENSOR_METHODS = {
    # elementwise
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt, "abs": elementwise.abs,
    "sign": elementwise.sign, "erf": elementwise.erf, "clip": elementwise.clip, "clamp": elementwise.clip,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum, "masked_fill": _masked_fill,
    "sin": trig.sin, "cos": trig.cos, "tan": trig.tan, "asin": trig.asin, "acos": trig.acos, "atan": trig.atan,
    "atan2": trig.atan2, "sinh": trig.sinh, "cosh": trig.cosh, "asinh": trig.asinh, "acosh": trig.acosh,
    "atanh": trig.atanh, "arcsin": trig.asin, "arccos": trig.acos, "arctan": trig.atan, "arctan2": trig.atan2,
    "arcsinh": trig.asinh, "arccosh": trig.acosh, "arctanh": trig.atanh, "hypot": trig.hypot,
    "exp2": special.exp2, "expm1": special.expm1, "log2": special.log2, "log10": special.log10,
    "log1p": special.log1p, "rsqrt": special.rsqrt, "erfc": special.erfc, "logaddexp": special.logaddexp,
    "logaddexp2": special.logaddexp2, "square": elementwise.square, "reciprocal": elementwise.reciprocal,
    "floor": rounding.floor, "ceil": rounding.ceil, "round": rounding.round, "trunc": rounding.trunc,
    "fix": rounding.trunc, "frac": rounding.frac, "fmod": rounding.fmod, "remainder": rounding.remainder,
    "floor_divide": rounding.floor_divide, "div": elementwise.div, "divide": elementwise.div,
    "__floordiv__": rounding.floor_divide, "__rfloordiv__": _rfloordiv, "__mod__": rounding.remainder,
    "__rmod__": _rmod, "copysign": elementwise.copysign, "lerp": elementwise.lerp,
    "float_power": elementwise.float_power, "isnan": elementwise.isnan, "isinf": elementwise.isinf,
    "isposinf": elementwise.isposinf, "isneginf": elementwise.isneginf, "isfinite": elementwise.isfinite,
    "isclose": elementwise.isclose, "allclose": elementwise.allclose, "logical_and": elementwise.logical_and,
    "logical_or": elementwise.logical_or, "logical_xor": elementwise.logical_xor,
    "logical_not": elementwise.logical_not,
    # activations
    "tanh": activation.tanh, "sigmoid": activation.sigmoid, "relu": activation.relu, "gelu": activation.gelu,
    "softmax": activation.softmax, "log_softmax": activation.log_softmax,
    # reductions
    "sum": reduce.sum, "mean": reduce.mean, "max": reduce.max, "min": reduce.min, "amax": reduce.amax,
    "amin": reduce.amin, "var": reduce.var, "argmax": reduce.argmax, "argmin": reduce.argmin,
    "any": reduce.any, "all": reduce.all,
    "prod": reduce.prod, "std": reduce.std, "logsumexp": reduce.logsumexp, "norm": reduce.norm,
    "count_nonzero": reduce.count_nonzero, "cumsum": scan.cumsum, "cumprod": scan.cumprod,
    "cummax": scan.cummax, "cummin": scan.cummin, "logcumsumexp": scan.logcumsumexp, "sort": sort.sort,
    "argsort": sort.argsort, "msort": sort.msort, "topk": sort.topk, "kthvalue": sort.kthvalue,
    "median": sort.median, "mode": sort.mode,
    # shapes
    "reshape": shape.reshape, "view": shape.reshape, "view_as": shape.view_as, "reshape_as": shape.reshape_as,
    "flatten": shape.flatten, "unflatten": shape.unflatten, "permute": shape.permute,
    "transpose": shape.transpose, "swapaxes": shape.swapaxes, "swapdims": shape.swapaxes,
    "movedim": shape.movedim, "moveaxis": shape.movedim, "expand": shape.broadcast_to,
    "broadcast_to": shape.broadcast_to, "expand_as": shape.expand_as, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "split": shape.split, "clone": shape.clone,
    # indexing
    "gather": index.gather, "scatter_add": index.scatter_add, "take_along_dim": index.take_along_dim,
}

# PyTorch's movement, indexing and matrix ops (movement.py, diagonal.py, scatter.py, index.py, linalg.py)
from . import diagonal, movement, scatter  # noqa: E402
from .. import creation  # noqa: E402  (x.multinomial, x.bernoulli)

TENSOR_METHODS.update({
    "flip": movement.flip, "fliplr": movement.fliplr, "flipud": movement.flipud, "roll": movement.roll,
    "repeat": movement.repeat, "tile": movement.tile, "repeat_interleave": movement.repeat_interleave,
    "unfold": movement.unfold, "chunk": shape.chunk, "narrow": shape.narrow,
    "diagonal": diagonal.diagonal, "diag": diagonal.diag, "diag_embed": diagonal.diag_embed,
    "tril": diagonal.tril, "triu": diagonal.triu,
    "tril_": index.in_place(diagonal.tril), "triu_": index.in_place(diagonal.triu),
    "scatter": scatter.scatter, "scatter_reduce": scatter.scatter_reduce,
    "scatter_": index.in_place(scatter.scatter), "scatter_add_": index.in_place(index.scatter_add),
    "scatter_reduce_": index.in_place(scatter.scatter_reduce),
    "index_select": index.index_select, "masked_select": index.masked_select, "nonzero": index.nonzero,
    "argwhere": index.argwhere, "index_add": index.index_add, "index_copy": index.index_copy,
    "index_fill": index.index_fill, "masked_scatter": index.masked_scatter,
    "index_add_": index.in_place(index.index_add), "index_copy_": index.in_place(index.index_copy),
    "index_fill_": index.in_place(index.index_fill), "masked_scatter_": index.in_place(index.masked_scatter),
    "masked_fill_": index.in_place(_masked_fill),
    "matmul": linalg.matmul, "mm": linalg.mm, "bmm": linalg.bmm, "mv": linalg.mv, "dot": linalg.dot,
    "outer": linalg.outer, "ger": linalg.outer, "addmm": linalg.addmm,
    "multinomial": creation.multinomial, "bernoulli": creation.bernoulli,
})
