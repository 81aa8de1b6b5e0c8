"""Group 5: what minigrad.keras's fit costs over the loop a learner writes by hand.

One call is one epoch over scikit-learn's digits (1,437 training rows, batch 32, reshuffled
each epoch) of a 64-128-10 ReLU MLP with Adam (lr 1e-3, eps 1e-7 on both sides), the
cross-entropy of the logits, and the epoch's mean loss and accuracy:

    keras             model.fit(x, y, batch_size=32, epochs=1, verbose=0) of a keras.Sequential
                      compiled with SparseCategoricalCrossentropy(from_logits=True) and ["accuracy"]
    hand-written loop for xb, yb in DataLoader(...): forward, F.cross_entropy, zero_grad, backward,
                      step, plus the running loss and accuracy, on an nn.Sequential

Both start from the same weights and see the same batches; the first epoch's loss and
accuracy of both are recorded, so the two columns do the same work. The ratio is fit's
overhead: the callbacks, the metric objects, the data preparation of each fit call.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg

from . import harness
from .harness import CpuClock, Side, compare
from .record import Bench, Context, Row, Skip
from .training import minigrad_nn

GROUP = "keras"
TITLE = "Keras facade: model.fit against the hand-written loop (one epoch of the digits MLP)"
COMPETITORS = ["hand-written loop"]
NOTES = ["Same weights and batches on both sides; ratio = fit time / hand-loop time (the facade's overhead)."]

SIZES = (64, 128, 10)
BATCH = 32


def _digits():
    datasets = harness.optional_import("sklearn.datasets")
    if datasets is None:
        raise Skip("scikit-learn is not installed (the digits data)")
    X, y = mg.data.load_digits()
    X_train, _, y_train, _ = mg.data.train_test_split(X, y, test_size=0.2, seed=0)
    X_train, _ = mg.data.standardize(X_train, X_train)
    return X_train, y_train


def _keras_epoch(keras, X, y):
    model = keras.Sequential([keras.Input(shape=(SIZES[0],)), keras.layers.Dense(SIZES[1], activation="relu"),
                              keras.layers.Dense(SIZES[2])])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])

    def epoch():
        history = model.fit(X, y, batch_size=BATCH, epochs=1, verbose=0)
        return history.history["loss"][0], history.history["accuracy"][0]

    return model, epoch


def _hand_epoch(nn, F, optim, X, y):
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]))
    optimizer = optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def epoch(loader):
        model.train()
        total, correct, seen = 0.0, 0, 0
        for xb, yb in loader:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            correct += int((logits.data.argmax(axis=-1) == yb.data).sum())
            seen += len(yb)
        return total / seen, correct / seen

    return model, epoch


def _fit_vs_loop(ctx: Context) -> list:
    if ctx.device != "cpu":
        raise Skip("measured on the CPU only")
    nn, F, optim = minigrad_nn()
    from minigrad import keras

    X, y = _digits()
    mg.manual_seed(0)
    keras_model, keras_epoch = _keras_epoch(keras, X, y)
    hand_model, hand_epoch = _hand_epoch(nn, F, optim, X, y)
    for target, source in zip(hand_model.parameters(), keras_model.parameters()):
        target.data[...] = source.data  # the same initial weights
    # fit draws its loader's shuffling seed from minigrad's generator: give the hand loop the same one
    state = mg.random.generator().bit_generator.state
    first_keras = keras_epoch()
    mg.random.generator().bit_generator.state = state
    loader = mg.data.DataLoader((X, y), batch_size=BATCH, shuffle=True)
    first_hand = hand_epoch(loader)
    sides = [Side("minigrad", keras_epoch, CpuClock()), Side("hand-written loop", lambda: hand_epoch(loader),
                                                              CpuClock())]
    stats = compare(sides, ctx.config)
    extra = {"first_epoch_keras": first_keras, "first_epoch_hand": first_hand,
             "max_abs_loss_diff": abs(first_keras[0] - first_hand[0]), "steps_per_epoch": len(loader),
             "data": "sklearn digits, standardized"}
    n_params = sum(p.size for p in hand_model.parameters())
    return [Row(GROUP, "digits MLP epoch: fit", f"64-128-10 b{BATCH} x{len(loader)} steps", float(n_params),
                "keras", stats.pop("minigrad"), stats, extra=extra)]


def plan(device: str) -> list:
    return [Bench("keras.fit_digits", GROUP, _fit_vs_loop)] if device == "cpu" else []
