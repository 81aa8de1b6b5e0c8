"""Train a multi-layer perceptron on scikit-learn's handwritten digits: the first thing to run.

    python examples/digits_mlp.py                    # ~98% test accuracy in a few seconds
    python examples/digits_mlp.py --plot loss.png    # and save the loss curve
    mpiexec -n 2 python examples/digits_mlp.py --distributed   # data-parallel over 2 processes

The data: 1797 grey-scale images of the digits 0-9, 8x8 pixels each, flattened to
64 numbers. We hold out 20% as a test set, standardize every pixel (zero mean and
unit variance, with statistics taken from the training set only, so nothing about
the test set leaks into training), and train

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
from _common import example_parser, log, pick_device, progress, save_loss_curve


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


def accuracy(model, X: np.ndarray, y: np.ndarray, device: str, batch_size: int = 1000) -> float:
    """Fraction of rows of X whose largest logit is the true class (no graph recorded)."""
    model.eval()
    correct = 0
    with mg.no_grad():
        for start in range(0, len(X), batch_size):
            logits = model(mg.tensor(X[start : start + batch_size], device=device))
            predicted = logits.argmax(axis=-1).numpy()
            correct += int((predicted == y[start : start + batch_size]).sum())
    return correct / len(X)


def fit(model, X_train, y_train, X_test, y_test, args, device: str) -> float:
    """Train with Adam for args.epochs epochs, print progress, return the test accuracy.

    With --distributed every rank trains `model` wrapped in DistributedDataParallel on its share of
    each batch; rank 0 reports the progress and plots."""
    trained = _distributed.wrap(model, args)
    optimizer = mg.optim.Adam(trained.parameters(), lr=args.lr)
    loader = _distributed.loader_for((X_train, y_train), args, device)
    main_rank = _distributed.is_main(args)
    losses = []  # every batch's loss, for the plot
    for epoch in range(1, args.epochs + 1):
        _distributed.set_epoch(loader, epoch)
        batch_losses = train_epoch(trained, optimizer, loader, desc=f"epoch {epoch}/{args.epochs}")
        losses += batch_losses
        if not main_rank:
            continue
        if epoch == 1 or epoch == args.epochs or epoch % max(1, args.epochs // 10) == 0:
            train_acc = accuracy(model, X_train, y_train, device)
            log(f"epoch {epoch:3d}  loss {np.mean(batch_losses):.4f}  train accuracy {train_acc:.4f}")
    if args.plot and main_rank:
        save_loss_curve(args.plot, {"train (per batch)": (range(len(losses)), losses)}, title="MLP training loss")
    return accuracy(model, X_test, y_test, device)


def main(argv: list[str] | None = None) -> float:
    parser = example_parser(__doc__.splitlines()[0], epochs=30, batch_size=64, lr=1e-3)
    parser.add_argument("--hidden", type=int, default=256, help="width of the hidden layers (default: %(default)s)")
    _distributed.add_flag(parser)
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    _distributed.start(args)
    mg.manual_seed(args.seed)  # the weights' initialisation

    X, y = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=args.seed)
    X_train, X_test = data.standardize(X_train, X_test)
    log(f"digits: {len(X_train)} training and {len(X_test)} test images of {X.shape[1]} pixels, device {device}")

    model = MLP(X.shape[1], args.hidden, 10).to(device)
    test_acc = fit(model, X_train, y_train, X_test, y_test, args, device)
    print(f"test accuracy: {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main(sys.argv[1:])
