"""The IDX reader on small MNIST-format files the test writes itself (plain and gzipped), and its errors."""

import gzip

import numpy as np
import pytest

from minigrad.data import load_mnist, read_idx


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.tobytes()


def write_mnist(folder, kind="train", n=5, gz=False, rows=28, cols=28):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, rows, cols), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    for name, array in ((f"{kind}-images-idx3-ubyte", images), (f"{kind}-labels-idx1-ubyte", labels)):
        data = idx_bytes(array)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return images, labels


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("kind", ["train", "t10k"])
def test_reads_what_was_written(tmp_path, gz, kind):
    images, labels = write_mnist(tmp_path, kind=kind, gz=gz)
    got_images, got_labels = load_mnist(tmp_path, kind=kind)
    assert got_images.dtype == np.uint8 and got_images.shape == (5, 28, 28)
    assert got_labels.dtype == np.int64 and got_labels.shape == (5,)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_read_idx_handles_big_endian_types(tmp_path):
    array = (np.arange(12).reshape(3, 4) / 7).astype(">f4")
    (tmp_path / "x.idx").write_bytes(idx_bytes(array, 0x0D))
    got = read_idx(tmp_path / "x.idx")
    assert got.dtype == np.float32 and got.dtype.isnative
    np.testing.assert_array_equal(got, array.astype(np.float32))
    ints = np.array([-3, 70000, 5], dtype=">i4")
    (tmp_path / "i.idx").write_bytes(idx_bytes(ints, 0x0C))
    np.testing.assert_array_equal(read_idx(tmp_path / "i.idx"), [-3, 70000, 5])


def test_missing_files_say_where_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no train-images-idx3-ubyte\[\.gz\] in .*yann\.lecun\.com.*fashion-mnist"):
        load_mnist(tmp_path)


def test_bad_magic_number(tmp_path):
    write_mnist(tmp_path)
    # labels where the images should be
    (tmp_path / "train-images-idx3-ubyte").write_bytes((tmp_path / "train-labels-idx1-ubyte").read_bytes())
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.*magic number 0x00000801, expected 0x00000803"):
        load_mnist(tmp_path)


def test_not_an_idx_file(tmp_path):
    (tmp_path / "junk").write_bytes(b"<html>404 not found</html>")
    with pytest.raises(ValueError, match="junk.*not an IDX header"):
        read_idx(tmp_path / "junk")


@pytest.mark.parametrize("change", [-100, 3], ids=["truncated", "trailing-bytes"])
def test_wrong_size(tmp_path, change):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    data = path.read_bytes()
    path.write_bytes(data[:change] if change < 0 else data + bytes(change))
    with pytest.raises(ValueError, match=r"wrong size: its header says shape \(5, 28, 28\) of uint8 \(3920 bytes"):
        load_mnist(tmp_path)


def test_truncated_header(tmp_path):
    (tmp_path / "h").write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match="truncated inside its header"):
        read_idx(tmp_path / "h")


def test_broken_gzip(tmp_path):
    write_mnist(tmp_path, gz=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz.*not a valid gzip file"):
        load_mnist(tmp_path)


def test_images_and_labels_must_agree(tmp_path):
    write_mnist(tmp_path, n=5)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(ValueError, match="5 images but .* 4 labels"):
        load_mnist(tmp_path)


def test_bad_kind(tmp_path):
    with pytest.raises(ValueError, match="'train' or 't10k'"):
        load_mnist(tmp_path, kind="test")
