"""The Keras recipe on minigrad: scikit-learn's handwritten digits, twice.

    python examples/keras_digits.py                     # both tasks: ~97.5% and ~98% test accuracy, seconds
    python examples/keras_digits.py --plot history.png  # and save the 10-class training curves
    python examples/keras_digits.py --help              # every option, with its default

1. Binary: is the digit below 5? A sigmoid output and binary cross-entropy, the recipe of the
   Keras essays with only the import line changed:

       model = keras.Sequential([keras.layers.Dense(64, activation="relu", input_shape=(64,)),
                                 keras.layers.Dense(64, activation="relu"),
                                 keras.layers.Dense(1, activation="sigmoid")])
       model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

2. Ten classes: which digit? A softmax output and sparse categorical cross-entropy (the labels
   stay integers 0..9), with EarlyStopping watching the validation loss and putting back the
   weights of its best epoch.

Both train on 80% of the 1,797 images and are scored on the 20% they never saw. Every call
below is minigrad.keras, which is minigrad.nn, minigrad.optim and minigrad.data underneath.
The last line printed is the 10-class model's test accuracy.
"""

from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
from minigrad import keras

from _common import SCIKIT_LEARN, example_parser


def load(binary: bool, seed: int):
    """Digits as float64 arrays (as scikit-learn gives them), standardised with the training rows' statistics."""
    X, digit = mg.data.load_digits(dtype=np.float64)
    y = (digit < 5).astype(np.int64) if binary else digit
    x_train, x_test, y_train, y_test = mg.data.train_test_split(X, y, test_size=0.2, seed=seed)
    x_train, x_test = mg.data.standardize(x_train, x_test)
    return x_train, x_test, y_train, y_test


def binary_task(args) -> float:
    """Digit < 5 or not: the Keras recipe; returns the test accuracy."""
    x_train, x_test, y_train, y_test = load(binary=True, seed=args.seed)
    model = keras.Sequential([keras.layers.Dense(64, activation="relu", input_shape=(64,)),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.to(args.device)  # a keras model is a minigrad.nn.Module: fit feeds it batches on its device
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, validation_data=(x_test, y_test),
              verbose=args.verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"binary (digit < 5): test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    return accuracy


def ten_class_task(args) -> float:
    """Which digit: softmax, sparse categorical cross-entropy, EarlyStopping; returns the test accuracy."""
    x_train, x_test, y_train, y_test = load(binary=False, seed=args.seed)
    model = keras.Sequential([keras.Input(shape=(64,)),
                              keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dropout(0.2),
                              keras.layers.Dense(10, activation="softmax")]).to(args.device)
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, validation_split=0.1,
                        callbacks=[stop], verbose=args.verbose)
    epochs_run = len(history.epoch)
    if stop.stopped_epoch:
        print(f"early stopping after epoch {stop.stopped_epoch + 1}; best epoch {stop.best_epoch + 1}")
    if args.plot:
        mg.viz.plot_history(history, args.plot, title="digits, 10 classes")
        print(f"saved the training curves of {epochs_run} epochs to {args.plot}")
    probabilities = model.predict(x_test, verbose=0)  # [360, 10]: one distribution per image
    accuracy = float((probabilities.argmax(axis=1) == y_test).mean())
    return accuracy


def build_parser():
    """The command line: the common options plus Keras's verbosity."""
    parser = example_parser(__doc__, needs=[SCIKIT_LEARN], epochs=20, batch_size=32)
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), metavar="LEVEL",
                        help="Keras's verbose: 0 silent, 1 a progress bar, 2 one line per epoch")
    return parser


def main(argv: list[str] | None = None) -> float:
    """Train both tasks and return the 10-class test accuracy (also printed as the last line)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with a message on a bad value or a missing package
    parser.check_batch_size(args.batch_size, 1437, "training images")  # 80% of the 1,797 digits
    keras.utils.set_random_seed(args.seed)  # weights, dropout and shuffling
    binary_task(args)
    accuracy = ten_class_task(args)
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main(sys.argv[1:])
