"""text_classifier.py: the data set's promises, and a tiny run of each model kind."""

import re

import numpy as np
import pytest

from .conftest import assert_curves_drawn, last_line

text_classifier = pytest.importorskip("text_classifier")  # needs scikit-learn for the baselines
pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def small_dataset():
    return text_classifier.make_dataset(seed=0, limit=300)


def test_labels_say_whether_the_line_parses(small_dataset):
    train, test = small_dataset
    assert len(train) >= 300 and len(test) >= 75
    for tokens, label in train[:100] + test[:50]:
        assert text_classifier.parses(tokens) == bool(label)
        assert text_classifier.MIN_TOKENS <= len(tokens) <= text_classifier.MAX_TOKENS
    assert 0.35 < np.mean([label for _, label in train]) < 0.65  # both kinds, about half each


def test_no_line_is_both_trained_and_tested_on(small_dataset):
    train, test = small_dataset
    words = lambda lines: {tuple(sorted(text for _, text in tokens)) for tokens, _ in lines}  # noqa: E731
    assert not words(train) & words(test)  # not even as its other version (the same bag of tokens)


def test_corruption_swaps_two_neighbours_and_breaks_the_line():
    tokens = text_classifier.tokens_of("return self._values[key]")
    swapped = text_classifier.corrupt(tokens, np.random.default_rng(0))
    assert swapped is not None and sorted(swapped) == sorted(tokens) and not text_classifier.parses(swapped)
    assert sum(a != b for a, b in zip(tokens, swapped)) == 2


def test_vocabulary_maps_rare_names_to_their_type(small_dataset):
    vocab = text_classifier.Vocabulary(small_dataset[0])
    ids = vocab.encode([(1, "a_name_never_seen"), (2, "12345678"), (54, "(")])
    assert [vocab.itos[i] for i in ids] == ["<name>", "<number>", "("]


@pytest.mark.parametrize("model", ["lstm", "gru", "encoder"])
def test_trains_and_reports_the_accuracy_next_to_the_baselines(model, tmp_path, capsys):
    result = text_classifier.main(["--model", model, "--limit", "300", "--steps", "12", "--batch-size", "16",
                                   "--eval-interval", "6", "--n-val", "40", "--d-model", "16",
                                   "--plot", str(tmp_path / "loss.png")])
    out = capsys.readouterr().out
    lines = re.findall(r"^step +(\d+)/12  train loss \d\.\d{4} \(mean of (\d+) steps\)  validation loss \d\.\d{4}  "
                       r"validation accuracy \d\.\d{4}$", out, re.M)
    assert lines == [("6", "6"), ("12", "6")], out
    assert re.match(r"^test accuracy: \d\.\d{4}$", last_line(out))
    assert re.search(r"^bag of words \+ logistic regression \(scikit-learn\), test accuracy: \d\.\d{4}$", out, re.M)
    assert set(result["baselines"]) == {"bag of words", "bag of words + bigrams"}
    assert 0.0 <= result["test_accuracy"] <= 1.0 and len(result["losses"]) == 12
    assert np.isfinite(result["losses"]).all()
    assert_curves_drawn(tmp_path / "loss.png", 2)


def test_refuses_heads_that_do_not_divide_the_width(capsys):
    with pytest.raises(SystemExit) as exit_info:
        text_classifier.main(["--d-model", "30", "--n-head", "4"])
    assert exit_info.value.code == 2 and "--n-head 4 does not divide --d-model 30" in capsys.readouterr().err
