"""A reader for MNIST and Fashion-MNIST, stored in the IDX format (plain or gzipped).

An IDX file is a big-endian header and then the raw values:

    bytes 0-1   zero
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4 * d bytes each dimension's size, uint32 big-endian
    the values, row-major

So an image file starts 00 00 08 03 (magic number 2051: uint8, 3 dimensions [N, 28, 28]) and a
label file 00 00 08 01 (2049: uint8, 1 dimension [N]).

    images, labels = mg.data.load_mnist("data/mnist", kind="train")   # uint8 [60000, 28, 28], int64 [60000]
    X = images.reshape(len(images), -1).astype(np.float32) / 255
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

_WHERE_TO_GET = (
    "Download the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
    "t10k-labels-idx1-ubyte.gz) into that folder, from https://yann.lecun.com/exdb/mnist/ (or a mirror such as "
    "https://ossci-datasets.s3.amazonaws.com/mnist/) for MNIST, or from "
    "https://github.com/zalandoresearch/fashion-mnist (folder data/fashion) for Fashion-MNIST."
)


def read_idx(path, expected_magic: int | None = None) -> np.ndarray:
    """Read one IDX file (gzipped if its name ends in .gz) into a native-endian NumPy array.

    Raises ValueError naming the file for a bad magic number, an unknown element type, or a
    size that does not match the header.
    """
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise ValueError(f"read_idx: {str(path)!r} is not a valid gzip file ({err}); truncated download?") from err
    if len(raw) < 4:
        raise ValueError(f"read_idx: {str(path)!r} is {len(raw)} bytes long, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(f"read_idx: {str(path)!r} has magic number 0x{magic:08x}, expected 0x{expected_magic:08x} "
                         "(is it the right file, and decompressed correctly?)")
    type_code, ndim = raw[2], raw[3]
    if raw[:2] != b"\x00\x00" or type_code not in _IDX_TYPES:
        raise ValueError(f"read_idx: {str(path)!r} has magic number 0x{magic:08x}, which is not an IDX header "
                         "(expected 00 00, an element type 08/09/0B/0C/0D/0E, and the number of dimensions)")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"read_idx: {str(path)!r} is truncated inside its header ({len(raw)} bytes, "
                         f"the header of a {ndim}-d file takes {header_size})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[type_code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_size
    if found != expected:
        raise ValueError(f"read_idx: {str(path)!r} has the wrong size: its header says shape {shape} of {dtype.name} "
                         f"({expected} bytes of data) but the file holds {found} bytes after the header")
    return np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape).astype(dtype.newbyteorder("="))


def _find(data_dir: Path, stem: str) -> Path:
    """`stem` plain or gzipped; also the 'train-images.idx3-ubyte' spelling some mirrors use."""
    dotted = stem.replace("-idx", ".idx")
    candidates = [data_dir / name for name in (stem, stem + ".gz", dotted, dotted + ".gz")]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"load_mnist: no {stem}[.gz] in {str(data_dir)!r}. {_WHERE_TO_GET}")


def load_mnist(data_dir, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST-format images and labels from `data_dir`: kind "train" (60,000) or "t10k" (10,000).

    Returns (images uint8 [N, rows, cols], labels int64 [N]). Works the same for Fashion-MNIST,
    which uses the same file names and format.
    """
    if kind not in ("train", "t10k"):
        raise ValueError(f"load_mnist: kind must be 'train' or 't10k', got {kind!r}")
    data_dir = Path(data_dir)
    images_path = _find(data_dir, f"{kind}-images-idx3-ubyte")
    labels_path = _find(data_dir, f"{kind}-labels-idx1-ubyte")
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if len(images) != len(labels):
        raise ValueError(f"load_mnist: {str(images_path)!r} holds {len(images)} images but {str(labels_path)!r} "
                         f"holds {len(labels)} labels")
    return images, labels.astype(np.int64)
