"""Keras's metrics: running values over batches, 'accuracy' chosen from the shapes as Keras 3
does, and AUC / precision / recall against counts made by hand."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.keras import metrics


def test_an_epochs_accuracy_counts_samples_not_batches():
    m = metrics.BinaryAccuracy()
    m.update_state(np.array([1, 0, 1]), np.array([[0.9], [0.2], [0.4]]))  # 2 of 3 right
    m.update_state(np.array([0]), np.array([[0.1]]))  # 1 of 1
    assert m.result() == pytest.approx(3 / 4)  # not (2/3 + 1) / 2
    m.reset_state()
    assert m.result() == 0.0


def test_binary_accuracy_threshold_is_strict():
    assert metrics.binary_accuracy(np.array([1.0, 0.0]), np.array([0.5, 0.5])).tolist() == [0.0, 1.0]
    assert metrics.BinaryAccuracy(threshold=0.3)(np.array([1]), np.array([[0.4]])) == 1.0


def test_sparse_and_categorical_accuracy():
    scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    assert metrics.sparse_categorical_accuracy(np.array([1, 2, 2]), scores).tolist() == [1, 0, 1]
    assert metrics.sparse_categorical_accuracy(np.array([[1], [2], [2]]), scores).tolist() == [1, 0, 1]
    assert metrics.categorical_accuracy(np.eye(3)[[1, 2, 2]], scores).tolist() == [1, 0, 1]


@pytest.mark.parametrize("y_true, y_pred, kind", [
    (np.zeros(4), np.zeros((4, 1)), metrics.BinaryAccuracy),
    (np.zeros((4, 1)), np.zeros((4, 1)), metrics.BinaryAccuracy),
    (np.zeros(4, np.int64), np.zeros((4, 10)), metrics.SparseCategoricalAccuracy),
    (np.zeros((4, 1)), np.zeros((4, 10)), metrics.SparseCategoricalAccuracy),
    (np.zeros((4, 10)), np.zeros((4, 10)), metrics.CategoricalAccuracy),
])
def test_accuracy_is_chosen_from_the_shapes(y_true, y_pred, kind):
    chosen = metrics.get("accuracy", y_true, y_pred)
    assert type(chosen) is kind and chosen.name == "accuracy"
    assert metrics.get("acc", y_true, y_pred).name == "acc"


def test_precision_and_recall_from_hand_counts():
    y = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    p = np.array([0.9, 0.6, 0.2, 0.7, 0.1, 0.4, 0.55, 0.51])
    tp, fp, fn = 3, 2, 1  # predicted positive: 0.9, 0.6, 0.7, 0.55, 0.51
    precision, recall = metrics.Precision(), metrics.Recall()
    for half in (slice(0, 5), slice(5, 8)):  # two batches
        precision.update_state(y[half], p[half, None])
        recall.update_state(y[half], p[half, None])
    assert precision.result() == pytest.approx(tp / (tp + fp))
    assert recall.result() == pytest.approx(tp / (tp + fn))
    assert metrics.Precision()(np.array([1]), np.array([[0.2]])) == 0.0  # nothing predicted positive: 0, not nan


def test_auc_of_separated_and_of_shuffled_scores():
    y = np.array([0, 0, 1, 1])
    assert metrics.AUC()(y, np.array([0.1, 0.2, 0.8, 0.9])) == pytest.approx(1.0)
    assert metrics.AUC()(y, np.array([0.9, 0.8, 0.2, 0.1])) == pytest.approx(0.0)
    assert metrics.AUC()(y, np.full(4, 0.5)) == pytest.approx(0.5)


def test_auc_approaches_the_exact_area_on_a_fine_grid():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    scores = np.clip(0.5 + 0.25 * (y - 0.5) + 0.2 * rng.standard_normal(2000), 0, 1)
    pos, neg = scores[y == 1], scores[y == 0]
    exact = ((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    assert metrics.AUC(num_thresholds=2000)(y, scores) == pytest.approx(exact, abs=2e-3)
    assert metrics.AUC(from_logits=True)(y, np.log(scores + 1e-9) - np.log(1 - scores + 1e-9)) == pytest.approx(
        metrics.AUC()(y, scores), abs=1e-3)


def test_mean_metrics():
    m = metrics.get("mae")
    m.update_state(np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]]))
    assert m.result() == pytest.approx(0.75) and m.name == "mae" and m.direction == "down"
    mse = metrics.MeanSquaredError()
    assert mse(np.array([1.0, 2.0]), np.array([[1.5], [1.0]])) == pytest.approx((0.25 + 1) / 2)


def test_metrics_take_tensors():
    m = metrics.SparseCategoricalAccuracy()
    assert m(mg.tensor([1, 0]), mg.tensor([[0.2, 0.8], [0.9, 0.1]])) == 1.0


def test_a_function_becomes_a_mean_metric():
    m = metrics.get(lambda y, p: np.abs(y - p[:, 0]))
    m.update_state(np.array([1.0, 3.0]), np.array([[0.0], [0.0]]))
    assert m.result() == 2.0


@pytest.mark.parametrize("call, message", [
    (lambda: metrics.get("f1"), "unknown metric 'f1'"),
    (lambda: metrics.get("accuracy"), "needs y_true and y_pred"),
    (lambda: metrics.AUC(curve="PR"), "only curve='ROC'"),
    (lambda: metrics.BinaryAccuracy().update_state([1], [[1.0]], sample_weight=[2.0]), "sample_weight"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
