"""keras_digits.py: the Keras recipe example. Short runs only."""

import re

import pytest

from .conftest import assert_curves_drawn, last_line, run_script

pytest.importorskip("sklearn")

import keras_digits  # noqa: E402

FINAL_LINE = re.compile(r"^test accuracy: (\d\.\d{4})$")


def test_prints_test_accuracy_last_and_writes_the_plot(tmp_path, capsys):
    accuracy = keras_digits.main(["--epochs", "3", "--verbose", "0", "--plot", str(tmp_path / "history.png")])
    out = capsys.readouterr().out
    match = FINAL_LINE.match(last_line(out))
    assert match, "the last line must be exactly 'test accuracy: X.XXXX'"
    assert float(match.group(1)) == pytest.approx(accuracy, abs=5e-5)
    assert accuracy > 0.85  # three epochs already read most digits; chance is 0.1
    binary = re.search(r"binary \(digit < 5\): test loss \d\.\d{4}, test accuracy (\d\.\d{4})", out)
    assert binary and float(binary.group(1)) > 0.9
    assert 'Model: "sequential' in out and "Total params: 9,610" in out
    assert_curves_drawn(tmp_path / "history.png", 2)  # training and validation


def test_same_seed_gives_the_same_accuracy(capsys):
    assert keras_digits.main(["--epochs", "1", "--verbose", "0", "--seed", "3"]) == keras_digits.main(
        ["--epochs", "1", "--verbose", "0", "--seed", "3"])


def test_runs_as_a_script_with_kerass_epoch_lines():
    result = run_script("keras_digits.py", "--epochs", "1")
    assert result.returncode == 0, result.stderr
    assert FINAL_LINE.match(last_line(result.stdout)), result.stdout
    assert "Epoch 1/1" in result.stdout and "val_accuracy" in result.stdout
