"""Keras's losses, written with minigrad's ops and minigrad.nn.functional.

A Keras loss function takes (y_true, y_pred) and returns one value per sample (the mean over
the last axis for the elementwise losses); a Loss object then reduces those to one number,
by default "sum_over_batch_size" = their mean. `model.compile(loss=...)` takes a name, a
Loss object or any function of (y_true, y_pred).

    binary_crossentropy       y_pred are probabilities, clipped to [eps, 1 - eps] (eps = 1e-7, as Keras):
                              -mean(y log p + (1 - y) log(1 - p));  from_logits: F.binary_cross_entropy_with_logits
    categorical_crossentropy  y_true one-hot [N, C]; p = y_pred / sum(y_pred), clipped:  -sum(y log p)
                              from_logits: -sum(y * log_softmax(x))
    sparse_categorical_crossentropy  y_true class indices [N]: -log p[y];  from_logits: F.cross_entropy
    mean_squared_error (mse)  mean((y_pred - y_true)^2)         mean_absolute_error (mae)  mean|y_pred - y_true|
    huber                     mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2)

y_true is cast to y_pred's dtype, and a y_true of shape [N] meets a y_pred of shape [N, 1] (or
the other way round) by adding or dropping that last axis, as Keras does; any other shape
mismatch is an error (Keras would broadcast [N, 1] against [N, 3] silently).
"""

from __future__ import annotations

import numpy as np

from ..creation import arange, tensor
from ..nn import functional as F
from ..ops.activation import log_softmax
from ..ops.elementwise import cast, clip, log, where
from ..tensor import Tensor
from . import config

EPSILON = 1e-7  # keras.backend.epsilon(): the clipping of probabilities before log


def _describe(t) -> str:
    return f"{tuple(t.shape)} {t.dtype}"


def _pred(op: str, y_pred) -> Tensor:
    if not isinstance(y_pred, Tensor):
        y_pred = tensor(np.asarray(y_pred, dtype=config.floatx()))
    if y_pred.dtype.kind != "f":
        raise TypeError(f"keras.losses.{op}: y_pred must be floating-point, got {_describe(y_pred)}")
    return y_pred


def _true(y_true, like: Tensor, dtype=None) -> Tensor:
    """y_true as a Tensor on y_pred's device, in `dtype` (y_pred's by default)."""
    dtype = dtype or like.dtype
    if not isinstance(y_true, Tensor):
        return tensor(np.asarray(y_true).astype(dtype), device=like.device)
    return y_true if y_true.dtype == dtype else cast(y_true, dtype)


def match_rank(y_true: Tensor, y_pred: Tensor) -> tuple[Tensor, Tensor]:
    """Add or drop a trailing axis of size 1 when the ranks differ by one (Keras's
    squeeze_or_expand_to_same_rank): y_true [N] with y_pred [N, 1] becomes [N, 1]."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        if y_pred.ndim == 1:
            y_pred = y_pred.reshape(*y_pred.shape, 1)
        else:
            y_true = y_true.reshape(*y_true.shape[:-1])
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        if y_true.ndim == 1:
            y_true = y_true.reshape(*y_true.shape, 1)
        else:
            y_pred = y_pred.reshape(*y_pred.shape[:-1])
    return y_true, y_pred


def _same_shape(op: str, y_true: Tensor, y_pred: Tensor) -> tuple[Tensor, Tensor]:
    y_true, y_pred = match_rank(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"keras.losses.{op}: y_true {_describe(y_true)} and y_pred {_describe(y_pred)} must have the same shape"
        )
    return y_true, y_pred


# ---- per-sample loss functions -------------------------------------------------------------------


def mean_squared_error(y_true, y_pred) -> Tensor:
    """mean((y_pred - y_true)^2) over the last axis."""
    y_pred = _pred("mean_squared_error", y_pred)
    y_true, y_pred = _same_shape("mean_squared_error", _true(y_true, y_pred), y_pred)
    return F.mse_loss(y_pred, y_true, reduction="none").mean(axis=-1)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """mean(|y_pred - y_true|) over the last axis."""
    y_pred = _pred("mean_absolute_error", y_pred)
    y_true, y_pred = _same_shape("mean_absolute_error", _true(y_true, y_pred), y_pred)
    return (y_pred - y_true).abs().mean(axis=-1)


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    """Squared error for small errors, absolute error beyond delta (continuous at delta), averaged over the last axis."""
    y_pred = _pred("huber", y_pred)
    y_true, y_pred = _same_shape("huber", _true(y_true, y_pred), y_pred)
    error = y_pred - y_true
    size = error.abs()
    return where(size <= delta, 0.5 * error * error, delta * size - 0.5 * delta * delta).mean(axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """Binary cross-entropy of probabilities (clipped to [1e-7, 1 - 1e-7]) or of logits, averaged over `axis`.

    label_smoothing s moves the targets towards 1/2: y -> y (1 - s) + s / 2.
    """
    y_pred = _pred("binary_crossentropy", y_pred)
    y_true, y_pred = _same_shape("binary_crossentropy", _true(y_true, y_pred), y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per_element = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        p = clip(y_pred, EPSILON, 1.0 - EPSILON)
        per_element = -(y_true * log(p) + (1.0 - y_true) * log(1.0 - p))
    return per_element.mean(axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Tensor:
    """-sum(y_true * log p) over the classes, y_true one-hot (or any distribution) of y_pred's shape.

    Probabilities are renormalised to sum to 1 and clipped to [1e-7, 1 - 1e-7] before the log;
    with from_logits the log-probabilities are log_softmax(y_pred). label_smoothing s mixes the
    targets with the uniform distribution: y -> y (1 - s) + s / C.
    """
    op = "categorical_crossentropy"
    y_pred = _pred(op, y_pred)
    y_true = _true(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        hint = " (integer class labels need sparse_categorical_crossentropy)" if y_true.ndim < y_pred.ndim else ""
        raise ValueError(f"keras.losses.{op}: y_true {_describe(y_true)} must be one-hot rows of y_pred's shape "
                         f"{_describe(y_pred)}{hint}")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    if from_logits:
        log_p = log_softmax(y_pred, axis)
    else:
        log_p = log(clip(y_pred / y_pred.sum(axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON))
    return -(y_true * log_p).sum(axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, ignore_class=None,
                                    axis: int = -1) -> Tensor:
    """-log p[y_true] with y_true integer class indices of shape y_pred.shape[:-1] (or with a trailing 1).

    From probabilities: renormalised and clipped as in categorical_crossentropy. From logits:
    F.cross_entropy (log-softmax and the pick fused into one op).
    """
    op = "sparse_categorical_crossentropy"
    if ignore_class is not None or axis != -1:
        raise ValueError(f"keras.losses.{op}: ignore_class and axis other than -1 are not supported by minigrad.keras")
    y_pred = _pred(op, y_pred)
    targets = _true(y_true, y_pred, dtype=np.int64)
    if targets.ndim == y_pred.ndim and targets.shape[-1] == 1:
        targets = targets.reshape(*targets.shape[:-1])
    if y_pred.ndim == 0 or tuple(targets.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(f"keras.losses.{op}: y_true {_describe(targets)} must hold one class index per row of "
                         f"y_pred {_describe(y_pred)} (shape y_pred.shape[:-1])")
    classes = y_pred.shape[-1]
    rows = y_pred.reshape(-1, classes)  # [M, C] with [M] targets: the layout every cross-entropy takes
    flat_targets = targets.reshape(-1)
    if from_logits:
        per_row = F.cross_entropy(rows, flat_targets, reduction="none")
    else:
        log_p = log(clip(rows / rows.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON))
        per_row = -log_p[arange(rows.shape[0], device=rows.device), flat_targets]
    return per_row.reshape(*targets.shape)


# ---- Loss objects ----------------------------------------------------------------------------------

_REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "none", None)


def reduce(values: Tensor, reduction) -> Tensor:
    """"sum_over_batch_size" / "mean": the mean of the per-sample values; "sum"; None / "none": unreduced."""
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = values.sum()
    return total if reduction == "sum" else total / max(values.size, 1)


class Loss:
    """Base class: subclasses implement call(y_true, y_pred) -> per-sample values; calling the object reduces them."""

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.name, self.reduction, self.dtype = name, reduction, dtype

    def call(self, y_true, y_pred) -> Tensor:
        """The per-sample loss values."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """The reduced loss (a 0-d Tensor for the default reduction)."""
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__}: sample_weight is not supported by minigrad.keras")
        return reduce(self.call(y_true, y_pred), self.reduction)

    def get_config(self) -> dict:
        """name and reduction (and each subclass's settings)."""
        return {"name": self.name, "reduction": self.reduction}


class LossFunctionWrapper(Loss):
    """A Loss from any function fn(y_true, y_pred, **kwargs) -> per-sample values."""

    def __init__(self, fn, reduction="sum_over_batch_size", name: str | None = None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction)
        self.fn, self.kwargs = fn, kwargs

    def call(self, y_true, y_pred) -> Tensor:
        """fn(y_true, y_pred, **kwargs)."""
        return self.fn(y_true, y_pred, **self.kwargs)


class MeanSquaredError(LossFunctionWrapper):
    """MeanSquaredError(): mean((y_pred - y_true)^2)."""

    def __init__(self, reduction="sum_over_batch_size", name: str = "mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """MeanAbsoluteError(): mean(|y_pred - y_true|)."""

    def __init__(self, reduction="sum_over_batch_size", name: str = "mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Huber(delta=1.0)."""

    def __init__(self, delta: float = 1.0, reduction="sum_over_batch_size", name: str = "huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class BinaryCrossentropy(LossFunctionWrapper):
    """BinaryCrossentropy(from_logits=False, label_smoothing=0.0)."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction="sum_over_batch_size", name: str = "binary_crossentropy"):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """CategoricalCrossentropy(from_logits=False, label_smoothing=0.0): one-hot targets."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction="sum_over_batch_size", name: str = "categorical_crossentropy"):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """SparseCategoricalCrossentropy(from_logits=False): integer class targets."""

    def __init__(self, from_logits: bool = False, ignore_class=None, reduction="sum_over_batch_size",
                 name: str = "sparse_categorical_crossentropy"):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         ignore_class=ignore_class)

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """The mean over the batch; rows of logits [N, C] with targets [N] take one fused F.cross_entropy."""
        fused = (sample_weight is None and self.kwargs["from_logits"] and self.reduction == "sum_over_batch_size"
                 and isinstance(y_pred, Tensor) and y_pred.ndim == 2 and isinstance(y_true, Tensor)
                 and y_true.ndim == 1 and y_true.dtype == np.int64)
        if fused:  # the same mean, without the per-row intermediate
            return F.cross_entropy(y_pred, y_true)
        return super().__call__(y_true, y_pred, sample_weight)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_BY_CLASS_NAME = {cls.__name__: cls for cls in set(_BY_NAME.values())}


def get(identifier) -> Loss:
    """A Loss object from a name ("mse", "binary_crossentropy", "SparseCategoricalCrossentropy", ...),
    a Loss object (returned as it is) or a function of (y_true, y_pred) (wrapped)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _BY_CLASS_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"keras.losses.get: unknown loss {identifier!r}; minigrad.keras has {sorted(_BY_NAME)}")
        return cls()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(f"keras.losses.get: expected a loss name, a Loss or a function, got {type(identifier).__name__}")
