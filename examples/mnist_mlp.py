"""The digits MLP recipe on MNIST (or Fashion-MNIST): 28x28 images, 60,000 to train on.

    python examples/mnist_mlp.py --data-dir data/mnist
    python examples/mnist_mlp.py --data-dir data/fashion --epochs 5 --plot loss.png

The model, training loop and evaluation are digits_mlp.py's (784 -> 256 -> 256 -> 10,
cross-entropy, Adam, a tenth of the training images held back for validation); only
the data differ. The pixels are scaled to [0, 1] and then standardized with the
training set's statistics, as for the digits.

The data are not bundled: put the four IDX files in --data-dir (gzipped or not):

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz  t10k-images-idx3-ubyte.gz  t10k-labels-idx1-ubyte.gz
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import data

from _common import example_parser, log, positive_int
from digits_mlp import MLP, evaluate, fit

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

WHERE_TO_GET = """\
Put the four files, gzipped or not, in that folder:
    {files}
Where to get them:
  - MNIST: https://yann.lecun.com/exdb/mnist/ or a mirror such as https://ossci-datasets.s3.amazonaws.com/mnist/
  - Fashion-MNIST (same names, same format): https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)
  - already on disk? torchvision keeps them in <root>/MNIST/raw/ (and <root>/FashionMNIST/raw/),
    keras in ~/.keras/datasets/fashion-mnist/ (keras's MNIST is a single mnist.npz, another format)
Then run: python examples/mnist_mlp.py --data-dir <that folder>"""


def missing_files(data_dir: Path) -> list[str]:
    """The standard file names found in `data_dir` neither plain nor gzipped (nor spelled 'train-images.idx3-ubyte')."""
    def present(name: str) -> bool:
        spellings = (name, name.replace("-idx", ".idx"))
        return any((data_dir / s).is_file() or (data_dir / (s + ".gz")).is_file() for s in spellings)

    return [name for name in FILES if not present(name)]


def load_split(data_dir: Path, kind: str, limit: int | None):
    """Images flattened to float32 rows in [0, 1], and int64 labels; the first `limit` only, if given."""
    images, labels = data.load_mnist(data_dir, kind)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images.reshape(len(images), -1).astype(np.float32) / 255.0, labels


def build_parser():
    """The command line: the common options plus where the data are, the model's width and a size limit."""
    parser = example_parser(__doc__, epochs=3, batch_size=128, lr=1e-3)
    parser.add_argument("--data-dir", default="data/mnist", help="folder holding the four IDX files")
    parser.add_argument("--hidden", type=positive_int, default=256, help="width of the hidden layers")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="use only the first N training and N test images (default: all of them)")
    return parser


def main(argv: list[str] | None = None) -> float:
    """Train on MNIST and return the test accuracy (also printed as the last line)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with a message on a bad value or a missing package

    data_dir = Path(args.data_dir)
    missing = missing_files(data_dir)
    if missing:
        where = "does not exist" if not data_dir.is_dir() else f"lacks {', '.join(missing)}"
        sys.exit(f"mnist_mlp: no MNIST data: {str(data_dir)!r} {where}.\n" + WHERE_TO_GET.format(files="  ".join(FILES)))
    try:
        X_train, y_train = load_split(data_dir, "train", args.limit)
        X_test, y_test = load_split(data_dir, "t10k", args.limit)
    except ValueError as err:  # a truncated or corrupted file: load_mnist says which and why
        sys.exit(f"mnist_mlp: {err}")
    # a tenth of the training images is held back as the validation set, watched every epoch
    X_train, X_val, y_train, y_val = data.train_test_split(X_train, y_train, test_size=0.1, seed=args.seed)
    parser.check_batch_size(args.batch_size, len(X_train), "training images")
    _, X_test = data.standardize(X_train, X_test)
    X_train, X_val = data.standardize(X_train, X_val)
    log(f"MNIST from {data_dir}: {len(X_train)} training, {len(X_val)} validation and {len(X_test)} test images; "
        f"device {args.device}")

    mg.manual_seed(args.seed)
    model = MLP(X_train.shape[1], args.hidden, 10).to(args.device)
    fit(model, (X_train, y_train), (X_val, y_val), args, args.device, title=f"MLP on {data_dir.name}")
    _, test_acc = evaluate(model, X_test, y_test, args.device)
    print(f"test accuracy: {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main(sys.argv[1:])
