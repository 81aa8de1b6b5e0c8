"""digits_mlp.py: the project's first command. Tiny runs only (one or two epochs)."""

import re

import pytest

from .conftest import assert_png, last_line, run_script

import digits_mlp

FINAL_LINE = re.compile(r"^test accuracy: (\d\.\d{4})$")


def test_prints_test_accuracy_last_and_writes_the_plot(tmp_path, capsys):
    accuracy = digits_mlp.main(["--epochs", "2", "--plot", str(tmp_path / "loss.png")])
    match = FINAL_LINE.match(last_line(capsys.readouterr().out))
    assert match, "the last line must be exactly 'test accuracy: X.XXXX'"
    assert float(match.group(1)) == pytest.approx(accuracy, abs=5e-5)
    assert accuracy > 0.8  # two epochs already learn most digits; chance is 0.1
    assert_png(tmp_path / "loss.png")


def test_same_seed_gives_the_same_accuracy(capsys):
    first = digits_mlp.main(["--epochs", "1", "--hidden", "32", "--seed", "3"])
    second = digits_mlp.main(["--epochs", "1", "--hidden", "32", "--seed", "3"])
    assert first == second


def test_runs_as_a_script():
    result = run_script("digits_mlp.py", "--epochs", "1", "--hidden", "32")
    assert result.returncode == 0, result.stderr
    assert FINAL_LINE.match(last_line(result.stdout)), result.stdout
    assert "epoch" in result.stdout


def test_cuda_without_a_gpu_exits_with_a_message(no_cuda):
    with pytest.raises(SystemExit) as exit_info:
        digits_mlp.main(["--device", "cuda", "--epochs", "1"])
    assert "cuda" in str(exit_info.value.code) and "--device cpu" in str(exit_info.value.code)
