"""Train a multi-layer perceptron on scikit-learn's handwritten digits: the first thing to run.

    python examples/digits_mlp.py                    # ~97-98% test accuracy in a few seconds
    python examples/digits_mlp.py --plot loss.png    # and save the training and validation curves
    python examples/digits_mlp.py --help             # every option, with its default
    mpiexec -n 2 python examples/digits_mlp.py --distributed   # data-parallel over 2 processes

The data: 1797 grey-scale images of the digits 0-9, 8x8 pixels each, flattened to
64 numbers. We hold out 20% as a test set, looked at once at the end, and 10% of the
rest as a validation set, looked at after every epoch to watch for overfitting. Every
pixel is standardized (zero mean and unit variance, with statistics taken from the
training set only, so nothing about the held-out images leaks into training), and we train

    logits = W3 relu(W2 relu(W1 x + b1) + b2) + b3          (64 -> 256 -> 256 -> 10)

with the cross-entropy loss (softmax over the 10 logits, -log of the true class's
probability, averaged over the batch) and Adam. The prediction is the class with
the largest logit.

The model and the training loop are reused by mnist_mlp.py: same recipe, bigger images.
"""

from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import data

import _distributed
from _common import SCIKIT_LEARN, example_parser, log, mean_of, positive_int, progress, save_curves


class MLP(nn.Module):
    """Linear -> ReLU -> Linear -> ReLU -> Linear: the classic fully connected classifier."""

    def __init__(self, n_in: int, n_hidden: int, n_classes: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Linear(n_hidden, n_classes),
        )

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.net(x)  # logits: F.cross_entropy applies the softmax itself


def train_epoch(model, optimizer, loader, desc: str) -> list[float]:
    """One pass over the training data; returns the loss of every batch."""
    model.train()
    losses = []
    bar = progress(loader, desc)
    for x, y in bar:  # Tensors already on the device: float32 images [B, pixels], int64 labels [B]
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    return losses


def evaluate(model, X: np.ndarray, y: np.ndarray, device: str, batch_size: int = 1000) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of the model on the rows of X, in eval mode and without a graph.

    The accuracy is the fraction of rows whose largest logit is the true class.
    """
    model.eval()
    loss_sum, correct = 0.0, 0
    with mg.no_grad():
        for start in range(0, len(X), batch_size):
            logits = model(mg.tensor(X[start : start + batch_size], device=device))
            labels = y[start : start + batch_size]
            loss_sum += F.cross_entropy(logits, mg.tensor(labels, device=device), reduction="sum").item()
            correct += int((logits.argmax(axis=-1).numpy() == labels).sum())
    return loss_sum / len(X), correct / len(X)


def fit(model, train: tuple, validation: tuple, args, device: str, title: str = "digits MLP") -> None:
    """Train with Adam for args.epochs epochs, validating after each; print progress, plot the curves if asked.

    train and validation are (X, y) pairs of NumPy arrays. The validation set only watches:
    nothing is tuned on it, so its loss shows how well the model does on images it has not seen.
    With --distributed every rank trains `model` wrapped in DistributedDataParallel on its share of
    each batch; rank 0 alone validates, reports and plots.
    """
    trained = _distributed.wrap(model, args)
    optimizer = mg.optim.Adam(trained.parameters(), lr=args.lr)
    loader = _distributed.loader_for(train, args, device)
    main_rank = _distributed.is_main(args)
    train_curve, validation_curve = ([], []), ([], [])  # (x in epochs, loss)
    every = max(1, args.epochs // 10)  # print about ten lines
    for epoch in range(1, args.epochs + 1):
        _distributed.set_epoch(loader, epoch)
        losses = train_epoch(trained, optimizer, loader, desc=f"epoch {epoch}/{args.epochs}")
        if not main_rank:
            continue
        # batch i of this epoch sits at x = epoch - 1 + (i + 1) / n_batches, so the epoch's end is at x = epoch
        train_curve[0].extend(epoch - 1 + np.arange(1, len(losses) + 1) / len(losses))
        train_curve[1].extend(losses)
        val_loss, val_acc = evaluate(model, *validation, device)
        validation_curve[0].append(epoch)
        validation_curve[1].append(val_loss)
        if epoch == 1 or epoch == args.epochs or epoch % every == 0:
            log(f"epoch {epoch:3d}/{args.epochs}  train loss {mean_of(losses, 'batch')}  "
                f"validation loss {val_loss:.4f}  validation accuracy {val_acc:.4f}")
    if args.plot and main_rank:
        save_curves(args.plot, {"train loss, per batch": train_curve, "validation loss, end of epoch": validation_curve},
                    title=f"{title}: cross-entropy", xlabel="epoch")


def build_parser():
    """The command line: the common options plus the model's width."""
    parser = example_parser(__doc__, needs=[SCIKIT_LEARN], epochs=30, batch_size=64, lr=1e-3)
    parser.add_argument("--hidden", type=positive_int, default=256, help="width of the hidden layers")
    _distributed.add_flag(parser)
    return parser


def main(argv: list[str] | None = None) -> float:
    """Train on the digits and return the test accuracy (also printed as the last line)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with a message on a bad value or a missing package
    _distributed.start(args)
    mg.manual_seed(args.seed)  # the weights' initialisation

    X, y = data.load_digits()
    # 20% test (looked at once, at the end); of the rest, 10% validation (watched every epoch)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=args.seed)
    X_train, X_val, y_train, y_val = data.train_test_split(X_train, y_train, test_size=0.1, seed=args.seed)
    parser.check_batch_size(args.batch_size, len(X_train), "training images")
    _, X_test = data.standardize(X_train, X_test)
    X_train, X_val = data.standardize(X_train, X_val)
    log(f"digits: {len(X_train)} training, {len(X_val)} validation and {len(X_test)} test images "
        f"of {X.shape[1]} pixels; device {args.device}")

    model = MLP(X.shape[1], args.hidden, 10).to(args.device)
    fit(model, (X_train, y_train), (X_val, y_val), args, args.device)
    _, test_acc = evaluate(model, X_test, y_test, args.device)
    print(f"test accuracy: {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main(sys.argv[1:])
