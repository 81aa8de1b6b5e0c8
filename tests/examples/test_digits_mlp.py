"""digits_mlp.py: the project's first command. Tiny runs only (one or two epochs)."""

import re

import pytest

from .conftest import assert_curves_drawn, last_line, run_script

import digits_mlp

FINAL_LINE = re.compile(r"^test accuracy: (\d\.\d{4})$")
EPOCH_LINE = re.compile(r"^epoch +\d+/\d+  train loss \d\.\d{4} \(mean of \d+ batches\)  "
                        r"validation loss \d\.\d{4}  validation accuracy \d\.\d{4}$", re.MULTILINE)


def test_prints_labelled_progress_and_test_accuracy_last_and_plots_both_curves(tmp_path, capsys):
    accuracy = digits_mlp.main(["--epochs", "2", "--plot", str(tmp_path / "loss.png")])
    out = capsys.readouterr().out
    match = FINAL_LINE.match(last_line(out))
    assert match, "the last line must be exactly 'test accuracy: X.XXXX'"
    assert float(match.group(1)) == pytest.approx(accuracy, abs=5e-5)
    assert accuracy > 0.8  # two epochs already learn most digits; chance is 0.1
    assert len(EPOCH_LINE.findall(out)) == 2, out
    assert "1293 training, 144 validation and 360 test images" in out
    assert_curves_drawn(tmp_path / "loss.png", 2)  # train per batch, validation per epoch


def test_same_seed_gives_the_same_accuracy(capsys):
    first = digits_mlp.main(["--epochs", "1", "--hidden", "32", "--seed", "3"])
    second = digits_mlp.main(["--epochs", "1", "--hidden", "32", "--seed", "3"])
    assert first == second


def test_runs_as_a_script():
    result = run_script("digits_mlp.py", "--epochs", "1", "--hidden", "32")
    assert result.returncode == 0, result.stderr
    assert FINAL_LINE.match(last_line(result.stdout)), result.stdout
    assert EPOCH_LINE.search(result.stdout)


def test_a_batch_larger_than_the_training_set_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        digits_mlp.main(["--batch-size", "2000"])
    assert exit_info.value.code == 2
    assert "--batch-size 2000 is larger than the 1293 training images" in capsys.readouterr().err


def test_cuda_without_a_gpu_exits_with_a_message(no_cuda, capsys):
    with pytest.raises(SystemExit) as exit_info:
        digits_mlp.main(["--device", "cuda", "--epochs", "1"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "cuda" in err and ("--device cpu" in err or "pip install" in err)
