"""sort_transformer.py: the data (padding, held-out split) and a few training steps."""

import re

import numpy as np
import pytest

from .conftest import assert_curves_drawn, last_line

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
    test_inputs, _ = st.held_out_set(seed=0, n=200, min_len=6, max_len=8)
    assert st.held_out(test_inputs).all()
    rng = np.random.default_rng(1)
    for _ in range(20):
        inputs, targets = st.training_batch(rng, 256, 6, 8)
        assert not st.held_out(inputs).any()
        assert len(inputs) == len(targets) > 200


def test_validation_and_test_sets_are_drawn_apart():
    val, _ = st.held_out_set(seed=0, n=100, min_len=6, max_len=8, stream=2)
    test, _ = st.held_out_set(seed=0, n=100, min_len=6, max_len=8, stream=1)
    assert st.held_out(val).all() and not np.array_equal(val, test)


def test_prints_labelled_means_and_the_test_exact_match_last_and_plots_both_curves(tmp_path, capsys):
    accuracy = st.main(["--steps", "20", "--eval-interval", "8", "--n-val", "50", "--n-test", "100",
                        "--d-model", "32", "--plot", str(tmp_path / "loss.png")])
    out = capsys.readouterr().out
    # the train loss printed is the mean of the steps since the last line, and says so
    lines = re.findall(r"^step +(\d+)/20  train loss \d\.\d{4} \(mean of (\d+) steps\)  validation loss \d\.\d{4}  "
                       r"validation exact match \d\.\d{4}$", out, re.M)
    assert lines == [("8", "8"), ("16", "8"), ("20", "4")], out
    match = re.match(r"^test exact-match accuracy: (\d\.\d{4})$", last_line(out))
    assert match
    assert float(match.group(1)) == pytest.approx(accuracy, abs=5e-5)
    assert_curves_drawn(tmp_path / "loss.png", 2)


@pytest.mark.parametrize("argv, message", [
    (["--min-len", "9"], "--min-len 9 is longer than --max-len 8"),
    (["--n-head", "3"], "--n-head 3 does not divide --d-model 64"),
    (["--n-layer", "0"], "--n-layer"),
])
def test_inconsistent_sizes_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        st.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
