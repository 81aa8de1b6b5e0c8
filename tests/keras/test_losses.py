"""Keras's losses on minigrad ops: values against the formulas written out in NumPy, gradients
against finite differences (float64), Keras's shape rules, and the errors."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import keras
from minigrad.keras import losses

RNG = np.random.default_rng(0)
EPS32 = np.float32(1e-7)


def probs(shape, dtype=np.float32):
    return RNG.uniform(0.05, 0.95, shape).astype(dtype)


def test_binary_crossentropy_of_probabilities_clips_as_keras():
    y = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
    p = np.array([[0.0], [1.0], [0.7], [0.2]], np.float32)  # two hopeless predictions: clipped, finite
    got = losses.binary_crossentropy(y, mg.tensor(p)).numpy()
    q = np.clip(p, EPS32, np.float32(1) - EPS32)
    want = -(y * np.log(q) + (1 - y) * np.log(1 - q)).mean(axis=-1)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert np.isfinite(got).all() and got[0] == pytest.approx(-np.log(1e-7), rel=1e-3)


def test_binary_crossentropy_from_logits_equals_it_of_the_sigmoid():
    logits = RNG.standard_normal((6, 3))
    y = RNG.integers(0, 2, (6, 3)).astype(np.float64)
    a = losses.binary_crossentropy(y, mg.tensor(logits), from_logits=True).numpy()
    b = losses.binary_crossentropy(y, mg.tensor(1 / (1 + np.exp(-logits))), from_logits=False).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-9)


def test_binary_crossentropy_label_smoothing_moves_targets_to_one_half():
    p, y = probs((5, 1), np.float64), np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])
    got = losses.BinaryCrossentropy(label_smoothing=0.2)(y, mg.tensor(p)).item()
    t = y * 0.8 + 0.1
    assert got == pytest.approx(float(-(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()), rel=1e-12)


def test_labels_of_shape_n_meet_predictions_of_shape_n_1():
    p, y = probs((4, 1)), np.array([1, 0, 0, 1])
    a = losses.binary_crossentropy(y, mg.tensor(p)).numpy()
    b = losses.binary_crossentropy(y[:, None], mg.tensor(p)).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == (4,)


def test_categorical_crossentropy_renormalises_and_clips():
    y = np.eye(4, dtype=np.float32)[[0, 3, 2]]
    p = np.array([[2.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 3.0]], np.float32)  # unnormalised
    got = losses.categorical_crossentropy(y, mg.tensor(p)).numpy()
    q = np.clip(p / p.sum(axis=-1, keepdims=True), EPS32, np.float32(1) - EPS32)
    np.testing.assert_allclose(got, -(y * np.log(q)).sum(axis=-1), rtol=1e-6)


def test_categorical_from_logits_and_label_smoothing():
    logits = RNG.standard_normal((5, 4))
    y = np.eye(4)[RNG.integers(0, 4, 5)]
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    got = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(y, mg.tensor(logits)).item()
    t = y * 0.9 + 0.1 / 4
    assert got == pytest.approx(float(-(t * log_p).sum(axis=-1).mean()), rel=1e-12)


def test_sparse_equals_categorical_of_the_one_hot_targets():
    p = probs((6, 5), np.float64)
    p /= p.sum(axis=-1, keepdims=True)
    labels = RNG.integers(0, 5, 6)
    for from_logits, pred in ((False, p), (True, np.log(p))):
        sparse = losses.sparse_categorical_crossentropy(labels, mg.tensor(pred), from_logits=from_logits).numpy()
        dense = losses.categorical_crossentropy(np.eye(5)[labels], mg.tensor(pred), from_logits=from_logits).numpy()
        np.testing.assert_allclose(sparse, dense, rtol=1e-12)


def test_sparse_takes_labels_n_1_and_sequences():
    logits = RNG.standard_normal((2, 3, 4))
    labels = RNG.integers(0, 4, (2, 3))
    per_token = losses.sparse_categorical_crossentropy(labels, mg.tensor(logits), from_logits=True).numpy()
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    want = -np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(per_token, want, rtol=1e-12)
    flat = losses.sparse_categorical_crossentropy(labels.reshape(-1, 1), mg.tensor(logits.reshape(6, 4)),
                                                  from_logits=True).numpy()
    np.testing.assert_allclose(flat, want.reshape(-1), rtol=1e-12)


def test_the_fused_sparse_path_equals_the_general_one_in_value_and_gradient():
    logits = mg.tensor(RNG.standard_normal((7, 3)), requires_grad=True)
    labels = mg.tensor(RNG.integers(0, 3, 7))
    fused = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    fused.backward()
    fused_grad = logits.grad.numpy().copy()
    logits.grad = None
    general = losses.reduce(losses.sparse_categorical_crossentropy(labels, logits, from_logits=True),
                            "sum_over_batch_size")
    general.backward()
    assert fused.item() == pytest.approx(general.item(), rel=1e-14)
    np.testing.assert_allclose(fused_grad, logits.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_regression_losses():
    y = np.array([[1.0, 2.0], [0.0, -1.0]])
    p = np.array([[1.5, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(losses.mean_squared_error(y, mg.tensor(p)).numpy(), [(0.25 + 4) / 2, 9 / 2])
    np.testing.assert_allclose(losses.mean_absolute_error(y, mg.tensor(p)).numpy(), [(0.5 + 2) / 2, 3 / 2])
    # huber with delta 1: 0.5 e^2 below 1, |e| - 0.5 above
    np.testing.assert_allclose(losses.huber(y, mg.tensor(p)).numpy(), [(0.125 + 1.5) / 2, (0 + 2.5) / 2])
    np.testing.assert_allclose(losses.Huber(delta=2.0).call(y, mg.tensor(p)).numpy(), [(0.125 + 2) / 2, 4 / 2])


@pytest.mark.parametrize("reduction, want", [("sum_over_batch_size", 1.5), ("mean", 1.5), ("sum", 3.0),
                                             (None, [1.0, 2.0]), ("none", [1.0, 2.0])])
def test_reductions(reduction, want):
    loss = losses.MeanAbsoluteError(reduction=reduction)(np.zeros((2, 1)), mg.tensor(np.array([[1.0], [2.0]])))
    np.testing.assert_allclose(loss.numpy(), want)


@pytest.mark.parametrize("loss", [
    lambda y, p: losses.binary_crossentropy(y, p),
    lambda y, p: losses.binary_crossentropy(y, p, from_logits=True),
    lambda y, p: losses.categorical_crossentropy(y, p),
    lambda y, p: losses.categorical_crossentropy(y, p, from_logits=True),
    lambda y, p: losses.sparse_categorical_crossentropy(y.argmax(axis=-1), p),
    lambda y, p: losses.sparse_categorical_crossentropy(y.argmax(axis=-1), p, from_logits=True),
    lambda y, p: losses.mean_squared_error(y, p),
    lambda y, p: losses.mean_absolute_error(y, p),
    lambda y, p: losses.huber(y, p, delta=0.3),
], ids=["bce", "bce-logits", "cce", "cce-logits", "scce", "scce-logits", "mse", "mae", "huber"])
def test_gradients_match_finite_differences(loss):
    p = mg.tensor(RNG.uniform(0.1, 0.9, (4, 3)), requires_grad=True)  # inside the clipping range, no kinks
    y = np.eye(3)[RNG.integers(0, 3, 4)]
    assert mg.gradcheck(lambda p: loss(y, p), [p])


def test_get_by_name_object_or_function():
    assert isinstance(losses.get("binary_crossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("MAE"), losses.MeanAbsoluteError)
    assert isinstance(losses.get("SparseCategoricalCrossentropy"), losses.SparseCategoricalCrossentropy)
    mine = losses.Huber(delta=3.0)
    assert losses.get(mine) is mine
    wrapped = losses.get(lambda y, p: (p - y).abs().mean(axis=-1))
    assert wrapped(np.zeros((2, 1)), mg.tensor(np.ones((2, 1)))).item() == 1.0


@pytest.mark.parametrize("call, message", [
    (lambda: losses.get("cross_entropy"), "unknown loss 'cross_entropy'"),
    (lambda: losses.mean_squared_error(np.zeros((4, 3)), mg.tensor(np.zeros((4, 1)))), "must have the same shape"),
    (lambda: losses.categorical_crossentropy(np.array([1, 2]), mg.tensor(np.ones((2, 3)))),
     "integer class labels need sparse_categorical_crossentropy"),
    (lambda: losses.sparse_categorical_crossentropy(np.array([1, 2, 0]), mg.tensor(np.ones((2, 3)))),
     r"one class index per row"),
    (lambda: losses.BinaryCrossentropy()(np.ones(2), mg.tensor(np.ones(2)), sample_weight=np.ones(2)),
     "sample_weight is not supported"),
    (lambda: losses.MeanSquaredError(reduction="max"), "reduction must be one of"),
])
def test_errors_name_the_loss_and_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_compile_uses_these_losses():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x, y = RNG.standard_normal((8, 2)), RNG.integers(0, 2, 8)
    p = model.predict(x, verbose=0)
    want = losses.binary_crossentropy(y, mg.tensor(p)).numpy().mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(float(want), rel=1e-6)
