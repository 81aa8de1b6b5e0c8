"""Keras's metrics: numbers accumulated over an epoch, computed on plain arrays (no gradients).

A metric keeps running totals: `update_state(y_true, y_pred)` once per batch, `result()` for
the value over every sample seen since `reset_state()`. So an epoch's accuracy is the fraction
of all its samples that were right, not a mean of batch accuracies.

    binary_accuracy          y_pred > 0.5 equals y_true            (threshold= to change 0.5)
    categorical_accuracy     argmax(y_pred) == argmax(y_true)      (one-hot targets)
    sparse_categorical_accuracy  argmax(y_pred) == y_true          (integer targets)
    Precision, Recall        tp / (tp + fp), tp / (tp + fn) with y_pred > 0.5
    AUC                      area under the ROC curve, from the confusion counts at 200 thresholds
    mae, mse                 mean |y_pred - y_true|, mean (y_pred - y_true)^2

`compile(metrics=["accuracy"])` picks one of the three accuracies from the shapes of the first
batch, as Keras 3 does: binary when y_pred has one column, sparse when y_true has fewer axes
than y_pred (or one column against several), categorical otherwise.

Arrays are NumPy or CuPy (the metric follows the data's device); results are Python floats.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..backend import xp_of
from ..tensor import Tensor
from .utils import snake_case


def _array(x):
    if isinstance(x, Tensor):
        return x.data
    return x if hasattr(x, "__cuda_array_interface__") else np.asarray(x)


def _match_rank(y_true, y_pred):
    """Keras's squeeze_or_expand_to_same_rank on arrays (see keras.losses.match_rank)."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        if y_pred.ndim == 1:
            y_pred = y_pred[..., None]
        else:
            y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        if y_true.ndim == 1:
            y_true = y_true[..., None]
        else:
            y_pred = y_pred[..., 0]
    return y_true, y_pred


# ---- per-sample metric functions (arrays in, one value per sample out) ---------------------------


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where (y_pred > threshold) equals y_true, else 0.0."""
    y_true, y_pred = _match_rank(_array(y_true), _array(y_pred))
    return ((y_pred > threshold) == (y_true != 0)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot targets)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    return (y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == y_true (integer targets, shape [N] or [N, 1])."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_pred.argmax(axis=-1) == y_true).astype(np.float32)


def mean_absolute_error(y_true, y_pred):
    """mean |y_pred - y_true| over the last axis."""
    y_true, y_pred = _match_rank(_array(y_true), _array(y_pred))
    return abs(y_pred - y_true.astype(y_pred.dtype)).mean(axis=-1)


def mean_squared_error(y_true, y_pred):
    """mean (y_pred - y_true)^2 over the last axis."""
    y_true, y_pred = _match_rank(_array(y_true), _array(y_pred))
    diff = y_pred - y_true.astype(y_pred.dtype)
    return (diff * diff).mean(axis=-1)


# ---- metric objects -----------------------------------------------------------------------------


class Metric:
    """Base class: update_state(y_true, y_pred), result(), reset_state().

    `direction` ("up" or "down") tells callbacks in mode "auto" whether larger is better.
    """

    direction = "up"

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = dtype
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Add one batch to the running totals."""
        raise NotImplementedError

    def result(self) -> float:
        """The value over every sample since the last reset."""
        raise NotImplementedError

    def reset_state(self) -> None:
        """Forget everything seen (called at the start of every epoch and evaluation)."""
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        """update_state, then result (as Keras's metric(y_true, y_pred))."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _no_weights(metric: Metric, sample_weight) -> None:
    if sample_weight is not None:
        raise ValueError(f"{type(metric).__name__}: sample_weight is not supported by minigrad.keras")


class Mean(Metric):
    """The mean of the values given, each weighted by its count (fit uses it for the loss)."""

    direction = "down"

    def reset_state(self) -> None:
        """total = count = 0."""
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None) -> None:
        """Add values (an array: one per sample), or one number standing for `sample_weight` samples."""
        if isinstance(values, (int, float)):
            weight = 1.0 if sample_weight is None else float(sample_weight)
            self.total += float(values) * weight
            self.count += weight
            return
        _no_weights(self, sample_weight)
        values = _array(values)
        if values.ndim > 1:  # one value per sample: average any further axes
            values = values.reshape(values.shape[0], -1).mean(axis=1)
        self.total += float(values.sum())
        self.count += values.shape[0] if values.ndim else 1

    def result(self) -> float:
        """total / count (0 before any update)."""
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function fn(y_true, y_pred), e.g. an accuracy."""

    def __init__(self, fn, name: str | None = None, direction: str = "up", **kwargs):
        self.fn, self.kwargs, self.direction = fn, kwargs, direction
        super().__init__(name=name or fn.__name__)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Add fn's per-sample values for this batch."""
        _no_weights(self, sample_weight)
        Mean.update_state(self, self.fn(y_true, y_pred, **self.kwargs))


class BinaryAccuracy(MeanMetricWrapper):
    """The fraction of samples with (y_pred > threshold) == y_true."""

    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """The fraction of samples with argmax(y_pred) == argmax(y_true)."""

    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(categorical_accuracy, name=name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """The fraction of samples with argmax(y_pred) == y_true."""

    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name=name)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Count the right answers of this batch (fit calls this every step: no per-sample array kept)."""
        _no_weights(self, sample_weight)
        y_true, y_pred = _array(y_true), _array(y_pred)
        if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
            y_true = y_true[..., 0]
        self.total += int((y_pred.argmax(axis=-1) == y_true).sum())
        self.count += y_true.size


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of |y_pred - y_true| over all samples."""

    def __init__(self, name: str = "mean_absolute_error"):
        super().__init__(mean_absolute_error, name=name, direction="down")


class MeanSquaredError(MeanMetricWrapper):
    """The mean of (y_pred - y_true)^2 over all samples."""

    def __init__(self, name: str = "mean_squared_error"):
        super().__init__(mean_squared_error, name=name, direction="down")


class _ConfusionCounts(Metric):
    """True/false positives/negatives at one or more thresholds, summed over batches."""

    def __init__(self, thresholds, name: str | None = None):
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        super().__init__(name=name)

    def reset_state(self) -> None:
        """All counts to zero."""
        n = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Count, at every threshold t, predictions y_pred > t against labels y_true != 0."""
        _no_weights(self, sample_weight)
        y_true, y_pred = _match_rank(_array(y_true), _array(y_pred))
        scores = self._scores(y_pred.reshape(-1))
        positive = (y_true.reshape(-1) != 0)
        # [thresholds, samples]: predicted positive at each threshold (thresholds in the scores' dtype, as Keras)
        thresholds = xp_of(scores).asarray(self.thresholds.astype(scores.dtype))
        predicted = scores[None, :] > thresholds[:, None]
        counts = [(predicted & positive).sum(axis=1), (predicted & ~positive).sum(axis=1),
                  (~predicted & ~positive).sum(axis=1), (~predicted & positive).sum(axis=1)]
        self.tp, self.fp, self.tn, self.fn = (total + backend.to_device(c, "cpu")
                                              for total, c in zip((self.tp, self.fp, self.tn, self.fn), counts))

    def _scores(self, y_pred):
        return y_pred


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, 0 where b == 0 (Keras's divide_no_nan)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


class Precision(_ConfusionCounts):
    """tp / (tp + fp): of the samples predicted positive (y_pred > 0.5), the fraction that are."""

    def __init__(self, thresholds: float | None = None, name: str = "precision"):
        super().__init__([0.5 if thresholds is None else thresholds], name=name)

    def result(self) -> float:
        """tp / (tp + fp), 0 when nothing was predicted positive."""
        return float(_ratio(self.tp, self.tp + self.fp)[0])


class Recall(_ConfusionCounts):
    """tp / (tp + fn): of the positive samples, the fraction predicted positive (y_pred > 0.5)."""

    def __init__(self, thresholds: float | None = None, name: str = "recall"):
        super().__init__([0.5 if thresholds is None else thresholds], name=name)

    def result(self) -> float:
        """tp / (tp + fn), 0 when there were no positives."""
        return float(_ratio(self.tp, self.tp + self.fn)[0])


class AUC(_ConfusionCounts):
    """The area under the ROC curve (true-positive rate against false-positive rate), as Keras
    approximates it: confusion counts at num_thresholds thresholds spread evenly over [0, 1]
    (plus -eps and 1 + eps), and the trapezoid rule between them (summation_method
    "interpolation"; "minoring"/"majoring" take the lower/upper step).

    from_logits=True applies a sigmoid to y_pred first. Only curve="ROC" is supported.
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str = "auc", from_logits: bool = False):
        if curve != "ROC":
            raise ValueError(f"AUC: only curve='ROC' is supported by minigrad.keras, got {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: unknown summation_method {summation_method!r}")
        if num_thresholds < 2:
            raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
        self.summation_method, self.from_logits = summation_method, from_logits
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        super().__init__([0.0 - 1e-7, *inner, 1.0 + 1e-7], name=name)

    def _scores(self, y_pred):
        if not self.from_logits:
            return y_pred
        return 1 / (1 + xp_of(y_pred).exp(-y_pred))

    def result(self) -> float:
        """The Riemann sum of the ROC curve over the thresholds."""
        tpr = _ratio(self.tp, self.tp + self.fn)
        fpr = _ratio(self.fp, self.fp + self.tn)
        if self.summation_method == "interpolation":
            heights = (tpr[:-1] + tpr[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(tpr[:-1], tpr[1:])
        else:
            heights = np.maximum(tpr[:-1], tpr[1:])
        return float(np.sum((fpr[:-1] - fpr[1:]) * heights))


# ---- names --------------------------------------------------------------------------------------

_BY_NAME = {
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy, "auc": AUC, "precision": Precision,
    "recall": Recall, "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
}


def get(identifier, y_true=None, y_pred=None) -> Metric:
    """A Metric object from a name (named as given, as Keras does), a Metric, or a function of (y_true, y_pred).

    "accuracy" / "acc" need the first batch's y_true and y_pred to choose binary, sparse or
    categorical accuracy (see the module docstring).
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ("accuracy", "acc"):
            if y_true is None or y_pred is None:
                raise ValueError("keras.metrics.get: 'accuracy' needs y_true and y_pred to choose its kind")
            y_true, y_pred = _array(y_true), _array(y_pred)
            if y_pred.shape[-1] == 1:
                cls = BinaryAccuracy
            elif y_true.ndim < y_pred.ndim or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1):
                cls = SparseCategoricalAccuracy
            else:
                cls = CategoricalAccuracy
        elif key in _BY_NAME:
            cls = _BY_NAME[key]
        else:
            raise ValueError(f"keras.metrics.get: unknown metric {identifier!r}; minigrad.keras has "
                             f"{sorted(_BY_NAME) + ['accuracy']}")
        metric = cls()
        metric.name = identifier
        return metric
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise TypeError(f"keras.metrics.get: expected a metric name, a Metric or a function, "
                    f"got {type(identifier).__name__}")
