"""mnist_mlp.py on a tiny fake MNIST written in the IDX format, and without any data."""

import gzip
import re

import numpy as np
import pytest

from .conftest import assert_curves_drawn, last_line, run_script

import mnist_mlp


def write_idx(path, array: np.ndarray, gzipped: bool) -> None:
    """IDX: 00 00, type 0x08 (uint8), number of dimensions, each size as big-endian uint32, then the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gzipped else raw)


@pytest.fixture
def fake_mnist(tmp_path):
    """80 training and 40 test 'images': the label is which quarter of the image is bright, so it is learnable."""
    rng = np.random.default_rng(0)
    for kind, n, gzipped in (("train", 80, True), ("t10k", 40, False)):
        labels = rng.integers(0, 4, size=n)
        images = rng.integers(0, 60, size=(n, 28, 28))
        for i, label in enumerate(labels):
            r, c = divmod(int(label), 2)
            images[i, 14 * r:14 * r + 14, 14 * c:14 * c + 14] += 180
        suffix = ".gz" if gzipped else ""
        write_idx(tmp_path / f"{kind}-images-idx3-ubyte{suffix}", images, gzipped)
        write_idx(tmp_path / f"{kind}-labels-idx1-ubyte{suffix}", labels, gzipped)
    return tmp_path


def test_trains_on_idx_files_and_prints_test_accuracy(fake_mnist, tmp_path, capsys):
    plot = tmp_path / "loss.png"
    accuracy = mnist_mlp.main(["--data-dir", str(fake_mnist), "--epochs", "3", "--batch-size", "16",
                               "--hidden", "32", "--plot", str(plot)])
    match = re.match(r"^test accuracy: (\d\.\d{4})$", last_line(capsys.readouterr().out))
    assert match and float(match.group(1)) == pytest.approx(accuracy, abs=5e-5)
    assert accuracy > 0.9  # four bright quarters are easy to tell apart; chance is 0.25
    assert_curves_drawn(plot, 2)


def test_a_batch_larger_than_the_training_set_is_refused(fake_mnist, capsys):
    with pytest.raises(SystemExit) as exit_info:
        mnist_mlp.main(["--data-dir", str(fake_mnist), "--batch-size", "100"])
    assert exit_info.value.code == 2
    assert "--batch-size 100 is larger than the 72 training images" in capsys.readouterr().err


def test_empty_directory_exits_with_where_to_get_the_files(tmp_path):
    result = run_script("mnist_mlp.py", "--data-dir", str(tmp_path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        assert name in result.stderr
    assert "fashion-mnist" in result.stderr.lower() and "torchvision" in result.stderr


def test_missing_directory_says_so(tmp_path):
    with pytest.raises(SystemExit, match="does not exist") as exit_info:
        mnist_mlp.main(["--data-dir", str(tmp_path / "nowhere")])
    assert exit_info.value.code != 0


def test_a_corrupted_file_gets_a_message_not_a_traceback(fake_mnist):
    path = fake_mnist / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-5])  # truncated download
    with pytest.raises(SystemExit, match="t10k-labels"):
        mnist_mlp.main(["--data-dir", str(fake_mnist), "--epochs", "1"])
