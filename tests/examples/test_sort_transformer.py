"""sort_transformer.py: the data (padding, held-out split) and a few training steps."""

import re

import numpy as np
import pytest

from .conftest import assert_png, last_line

import sort_transformer as st


def test_targets_are_the_sorted_digits_with_padding_ignored():
    inputs, targets = st.random_sequences(np.random.default_rng(0), 50, 6, 8)
    for row_in, row_out in zip(inputs, targets):
        digits = row_in[row_in != st.PAD]
        assert 6 <= len(digits) <= 8
        assert (row_in[len(digits):] == st.PAD).all()  # padding only at the end
        assert (row_out[: len(digits)] == np.sort(digits)).all()
        assert (row_out[len(digits):] == st.IGNORE).all()


def test_training_batches_never_contain_held_out_sequences():
    test_inputs, _ = st.test_set(seed=0, n=200, min_len=6, max_len=8)
    assert st.held_out(test_inputs).all()
    rng = np.random.default_rng(1)
    for _ in range(20):
        inputs, targets = st.training_batch(rng, 256, 6, 8)
        assert not st.held_out(inputs).any()
        assert len(inputs) == len(targets) > 200


def test_prints_exact_match_last_and_writes_the_plot(tmp_path, capsys):
    accuracy = st.main(["--steps", "20", "--n-test", "100", "--d-model", "32", "--plot", str(tmp_path / "loss.png")])
    match = re.match(r"^exact-match accuracy: (\d\.\d{4})$", last_line(capsys.readouterr().out))
    assert match
    assert float(match.group(1)) == pytest.approx(accuracy, abs=5e-5)
    assert_png(tmp_path / "loss.png")
