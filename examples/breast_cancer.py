"""Binary classification of breast tumours (malignant or benign) with one hidden layer.

    python examples/breast_cancer.py
    python examples/breast_cancer.py --plot loss.png     # and save the training and validation curves

The data: 569 tumours described by 30 measurements of their cell nuclei (radius,
texture, ...), label 1 for benign and 0 for malignant. The model is the classic

    logit = w2 . relu(W1 x + b1) + b2            (30 -> 64 -> 1)
    p(benign) = sigmoid(logit)

trained with binary cross-entropy on the logit, which folds the sigmoid into the
loss in a numerically stable form:

    bce(z, y) = max(z, 0) - z y + log(1 + exp(-|z|))    (= -y log s(z) - (1-y) log(1 - s(z)))

A tenth of the training tumours is held back as a validation set, whose loss is
printed and plotted after every epoch. At the end we report the test accuracy (threshold p at 0.5) and the ROC AUC: the probability
that a randomly chosen positive gets a higher score than a randomly chosen
negative, which does not depend on any threshold.
"""

from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import data

from _common import SCIKIT_LEARN, example_parser, log, mean_of, positive_int, progress, save_curves


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve, by the rank-sum (Mann-Whitney U) formula.

    Rank all scores together (1 = smallest; tied scores share their average rank).
    The positives' rank sum R counts, for each positive, the examples ranked at or
    below it; subtracting the n_pos (n_pos + 1) / 2 positive-positive pairs leaves the
    number of (positive, negative) pairs ordered correctly (ties count 1/2):

        AUC = (R - n_pos (n_pos + 1) / 2) / (n_pos n_neg)
    """
    scores, labels = np.asarray(scores, dtype=np.float64).ravel(), np.asarray(labels).ravel().astype(bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"roc_auc: needs both classes, got {n_pos} positives and {n_neg} negatives")
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # give every run of tied scores the mean of the ranks it spans
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts):
        if count > 1:
            ranks[order[start : start + count]] = start + (count + 1) / 2
    rank_sum = ranks[labels].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def validation_loss(model, X: np.ndarray, targets: np.ndarray, device: str) -> float:
    """Mean binary cross-entropy on held-out rows, in eval mode and without a graph."""
    model.eval()
    with mg.no_grad():
        logits = model(mg.tensor(X, device=device))
        return F.binary_cross_entropy_with_logits(logits, mg.tensor(targets, device=device)).item()


def build_parser():
    """The command line: the common options plus the hidden layer's width."""
    parser = example_parser(__doc__, needs=[SCIKIT_LEARN], epochs=50, batch_size=32, lr=1e-3)
    parser.add_argument("--hidden", type=positive_int, default=64, help="width of the hidden layer")
    return parser


def main(argv: list[str] | None = None) -> tuple[float, float]:
    """Train, then return the test accuracy and ROC AUC (also printed as the last line)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with a message on a bad value or a missing package
    mg.manual_seed(args.seed)

    X, y = data.load_breast_cancer()
    # 20% test (looked at once, at the end); of the rest, 10% validation (watched every epoch)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=args.seed)
    X_train, X_val, y_train, y_val = data.train_test_split(X_train, y_train, test_size=0.1, seed=args.seed)
    parser.check_batch_size(args.batch_size, len(X_train), "training tumours")
    _, X_test = data.standardize(X_train, X_test)
    X_train, X_val = data.standardize(X_train, X_val)
    log(f"breast cancer: {len(X_train)} training, {len(X_val)} validation and {len(X_test)} test tumours, "
        f"{X.shape[1]} features; device {args.device}")

    model = nn.Sequential(nn.Linear(X.shape[1], args.hidden), nn.ReLU(), nn.Linear(args.hidden, 1)).to(args.device)
    optimizer = mg.optim.Adam(model.parameters(), lr=args.lr)
    # the targets are floats in {0, 1}, shaped [N, 1] like the logits
    targets, val_targets = (labels.astype(np.float32).reshape(-1, 1) for labels in (y_train, y_val))
    loader = data.DataLoader(
        (X_train, targets), batch_size=args.batch_size, shuffle=True, seed=args.seed, device=args.device
    )

    train_curve, validation_curve = ([], []), ([], [])  # (x in epochs, loss)
    every = max(1, args.epochs // 5)  # print about five lines
    for epoch in progress(range(1, args.epochs + 1), "train"):
        model.train()
        losses = []
        for x, target in loader:
            loss = F.binary_cross_entropy_with_logits(model(x), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        train_curve[0].extend(epoch - 1 + np.arange(1, len(losses) + 1) / len(losses))
        train_curve[1].extend(losses)
        val_loss = validation_loss(model, X_val, val_targets, args.device)
        validation_curve[0].append(epoch)
        validation_curve[1].append(val_loss)
        if epoch == 1 or epoch == args.epochs or epoch % every == 0:
            log(f"epoch {epoch:3d}/{args.epochs}  train loss {mean_of(losses, 'batch')}  validation loss {val_loss:.4f}")

    model.eval()
    with mg.no_grad():
        scores = model(mg.tensor(X_test, device=args.device)).sigmoid().numpy().ravel()
    accuracy = float(((scores > 0.5) == (y_test == 1)).mean())
    auc = roc_auc(scores, y_test == 1)
    if args.plot:
        save_curves(args.plot, {"train loss, per batch": train_curve, "validation loss, end of epoch": validation_curve},
                    title="breast cancer: binary cross-entropy", xlabel="epoch")
    print(f"test accuracy: {accuracy:.4f}  ROC AUC: {auc:.4f}")
    return accuracy, auc


if __name__ == "__main__":
    main(sys.argv[1:])
