"""breast_cancer.py: BCE-with-logits classifier, and its hand-written ROC AUC."""

import re

import numpy as np
import pytest

from .conftest import assert_curves_drawn, last_line

import breast_cancer
from breast_cancer import roc_auc


def test_prints_labelled_losses_then_accuracy_and_auc_and_plots_both_curves(tmp_path, capsys):
    accuracy, auc = breast_cancer.main(["--epochs", "3", "--plot", str(tmp_path / "loss.png")])
    out = capsys.readouterr().out
    assert re.search(r"^epoch +3/3  train loss \d\.\d{4} \(mean of 13 batches\)  validation loss \d\.\d{4}$", out, re.M)
    match = re.match(r"^test accuracy: (\d\.\d{4})  ROC AUC: (\d\.\d{4})$", last_line(out))
    assert match
    assert float(match.group(1)) == pytest.approx(accuracy, abs=5e-5)
    assert float(match.group(2)) == pytest.approx(auc, abs=5e-5)
    assert accuracy > 0.85 and auc > 0.9  # a nearly separable problem; chance is ~0.63 / 0.5
    assert_curves_drawn(tmp_path / "loss.png", 2)  # train per batch, validation per epoch


def test_a_batch_larger_than_the_training_set_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        breast_cancer.main(["--batch-size", "500"])
    assert exit_info.value.code == 2
    assert "--batch-size 500 is larger than the 409 training tumours" in capsys.readouterr().err


def test_roc_auc_matches_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=200)
    scores = np.round(rng.normal(size=200) + labels, 1)  # rounding makes many ties
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


def test_roc_auc_extremes():
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), labels) == 1.0
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), labels) == 0.0
    assert roc_auc(np.full(4, 0.5), labels) == 0.5  # all tied: no information


def test_roc_auc_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        roc_auc(np.array([0.1, 0.2]), np.array([1, 1]))
