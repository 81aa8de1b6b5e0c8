"""Binary classification of breast tumours (malignant or benign) with one hidden layer.

    python examples/breast_cancer.py
    python examples/breast_cancer.py --plot loss.png

The data: 569 tumours described by 30 measurements of their cell nuclei (radius,
texture, ...), label 1 for benign and 0 for malignant. The model is the classic

    logit = w2 . relu(W1 x + b1) + b2            (30 -> 64 -> 1)
    p(benign) = sigmoid(logit)

trained with binary cross-entropy on the logit, which folds the sigmoid into the
loss in a numerically stable form:

    bce(z, y) = max(z, 0) - z y + log(1 + exp(-|z|))    (= -y log s(z) - (1-y) log(1 - s(z)))

We report the test accuracy (threshold p at 0.5) and the ROC AUC: the probability
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

from _common import example_parser, log, pick_device, progress, save_loss_curve


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


def main(argv: list[str] | None = None) -> tuple[float, float]:
    parser = example_parser(__doc__.splitlines()[0], epochs=50, batch_size=32, lr=1e-3)
    parser.add_argument("--hidden", type=int, default=64, help="width of the hidden layer (default: %(default)s)")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    mg.manual_seed(args.seed)

    X, y = data.load_breast_cancer()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=args.seed)
    X_train, X_test = data.standardize(X_train, X_test)
    log(f"breast cancer: {len(X_train)} training and {len(X_test)} test tumours, {X.shape[1]} features, device {device}")

    model = nn.Sequential(nn.Linear(X.shape[1], args.hidden), nn.ReLU(), nn.Linear(args.hidden, 1)).to(device)
    optimizer = mg.optim.Adam(model.parameters(), lr=args.lr)
    # the targets are floats in {0, 1}, shaped [N, 1] like the logits
    targets = y_train.astype(np.float32).reshape(-1, 1)
    loader = data.DataLoader(
        (X_train, targets), batch_size=args.batch_size, shuffle=True, seed=args.seed, device=device
    )

    losses = []
    for epoch in progress(range(1, args.epochs + 1), "train"):
        model.train()
        epoch_losses = []
        for x, target in loader:
            loss = F.binary_cross_entropy_with_logits(model(x), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_losses.append(loss.item())
        losses += epoch_losses
        if epoch == 1 or epoch % max(1, args.epochs // 5) == 0:
            log(f"epoch {epoch:3d}  loss {np.mean(epoch_losses):.4f}")

    model.eval()
    with mg.no_grad():
        scores = model(mg.tensor(X_test, device=device)).sigmoid().numpy().ravel()
    accuracy = float(((scores > 0.5) == (y_test == 1)).mean())
    auc = roc_auc(scores, y_test == 1)
    if args.plot:
        save_loss_curve(args.plot, {"train (per batch)": (range(len(losses)), losses)}, title="breast cancer: BCE loss")
    print(f"test accuracy: {accuracy:.4f}  ROC AUC: {auc:.4f}")
    return accuracy, auc


if __name__ == "__main__":
    main(sys.argv[1:])
