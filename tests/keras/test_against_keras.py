"""minigrad.keras against Keras 3 itself (KERAS_BACKEND=torch), skipped where keras is not installed.

The same Sequential model, given Keras's initial weights through set_weights, fitted on the
same batches (shuffle=False) gives Keras's per-epoch losses and metrics for every loss, each
paired with one of the five optimizers; summary() counts Keras's parameters; the layers, losses
(values and gradients), metrics and callbacks give Keras's answers on the same inputs.

How. The fits run with floatx float64 on both sides (keras.config.set_floatx). In float32 the
two orders of operations (fused ops here) differ by rounding, and Adam and RMSprop, which divide
each gradient by its own running size, turn a gradient that is 0 on one side and 1e-9 on the
other into a full step: after three epochs float32 trajectories drift apart by ~1e-4 for that
reason alone. Keras is not all float64 even then: its dtype promotion runs keras.ops.mean on
float64 inputs in float32 (result_type(float64, float32) is float32), so its mean-based losses
and their gradients carry float32 rounding, and it accumulates metrics in float32 variables.
Hence a relative 1e-6 on the histories and the outputs (observed: at most 3e-7), and 1e-7 on
single loss values and gradients. Adam, AdamW and RMSprop run with epsilon=1e-30 on both sides:
minigrad's (PyTorch's) rules add epsilon outside the bias correction or the square root where
Keras adds it inside (optimizers.py), a real difference of about eps / sqrt(v) that this makes
vanish; their Keras defaults are checked in test_training.py. Learning rates are powers of two,
which Keras's float32 learning-rate variable holds exactly.
"""

import os

import numpy as np
import pytest

import minigrad as mg
from minigrad import keras as M

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning"),
]
K = None  # keras, imported by the fixture below when the first test runs


@pytest.fixture(scope="module", autouse=True)
def keras_on_torch():
    """Import Keras with its PyTorch backend, when the tests run rather than when they are collected:
    importing it imports Triton, which must not happen before tests/kernels has chosen Triton's
    interpreter (TRITON_INTERPRET is read when Triton is imported). One torch thread while these
    run: Keras's per-step overhead on a small model is mostly thread handoffs."""
    global K
    os.environ.setdefault("KERAS_BACKEND", "torch")
    K = pytest.importorskip("keras")
    if K.backend.backend() != "torch":
        pytest.skip("keras was imported with another backend than torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def float64(keras_on_torch):
    """Both Keras and minigrad.keras in float64 while the test runs."""
    K.config.set_floatx("float64")
    M.config.set_floatx("float64")
    yield
    K.config.set_floatx("float32")
    M.config.set_floatx("float32")


def digits(rows=320):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    d = sklearn_datasets.load_digits()
    return (d.data / 16.0)[:rows], d.target[:rows]


def mlp(lib, out, activation):
    return lib.Sequential([lib.Input(shape=(64,)), lib.layers.Dense(32, activation="relu"),
                           lib.layers.Dense(out, activation=activation)])


def optimizer(lib, name):
    # rates that float32 holds exactly: Keras keeps the learning rate in a float32 variable
    settings = {"SGD": dict(learning_rate=2**-3), "Adam": dict(learning_rate=2**-10, epsilon=1e-30),
                "AdamW": dict(learning_rate=2**-10, weight_decay=2**-8, epsilon=1e-30),
                "RMSprop": dict(learning_rate=2**-10, epsilon=1e-30), "Adagrad": dict(learning_rate=2**-4)}[name]
    return getattr(lib.optimizers, name)(**settings)


def loss(lib, name):
    logits = {"binary_crossentropy(from_logits)": lambda: lib.losses.BinaryCrossentropy(from_logits=True),
              "categorical_crossentropy(from_logits)": lambda: lib.losses.CategoricalCrossentropy(from_logits=True),
              "sparse_categorical_crossentropy(from_logits)":
                  lambda: lib.losses.SparseCategoricalCrossentropy(from_logits=True)}
    return logits[name]() if name in logits else name


# loss -> (outputs, activation, targets, metrics, optimizer): every loss once, every optimizer at least once
PAIRS = {
    "binary_crossentropy": (1, "sigmoid", "binary", ["accuracy", "AUC", "precision", "recall", "mae"], "Adam"),
    "binary_crossentropy(from_logits)": (1, None, "binary", ["mae"], "SGD"),
    "categorical_crossentropy": (10, "softmax", "onehot", ["accuracy"], "RMSprop"),
    "categorical_crossentropy(from_logits)": (10, None, "onehot", ["accuracy"], "Adagrad"),
    "sparse_categorical_crossentropy": (10, "softmax", "labels", ["accuracy"], "AdamW"),
    "sparse_categorical_crossentropy(from_logits)": (10, None, "labels", ["accuracy"], "Adam"),
    "mse": (1, None, "float", ["mae"], "SGD"),
    "mae": (1, None, "float", ["mae"], "Adagrad"),
    "huber": (1, None, "float", ["mae"], "RMSprop"),
}


def targets(kind, labels):
    binary = (labels < 5).astype(np.int64)
    return {"binary": binary, "onehot": np.eye(10)[labels], "labels": labels, "float": binary.astype(np.float64)}[kind]


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_fit_gives_kerass_history(name, float64):
    out, activation, kind, metrics, opt = PAIRS[name]
    X, labels = digits()
    y = targets(kind, labels)
    theirs = mlp(K, out, activation)
    ours = mlp(M, out, activation)
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, K), (ours, M)):
        model.compile(optimizer=optimizer(lib, opt), loss=loss(lib, name), metrics=metrics)
    fit = dict(epochs=3, batch_size=64, shuffle=False, verbose=0, validation_data=(X[:80], y[:80]))
    want = theirs.fit(X, y, **fit).history
    got = ours.fit(X, y, **fit).history
    assert list(got) == list(want)
    assert got["loss"][-1] < got["loss"][0]  # it trains
    for key, values in want.items():
        np.testing.assert_allclose(got[key], values, rtol=1e-6, atol=1e-7, err_msg=key)
    assert ours.evaluate(X, y, verbose=0) == pytest.approx(theirs.evaluate(X, y, verbose=0), rel=1e-6, abs=1e-7)
    outputs = theirs.predict(X, verbose=0)
    np.testing.assert_allclose(ours.predict(X, verbose=0), outputs, rtol=0, atol=1e-6 * np.abs(outputs).max())


def models(lib):
    return [
        mlp(lib, 10, "softmax"),
        lib.Sequential([lib.Input(shape=(12,)), lib.layers.Embedding(50, 8), lib.layers.Flatten(),
                        lib.layers.Dense(16), lib.layers.LayerNormalization(), lib.layers.Dropout(0.1),
                        lib.layers.Activation("relu"), lib.layers.Dense(1, use_bias=False)]),
        lib.Sequential([lib.layers.Dense(128, activation="relu", input_shape=(784,)),
                        lib.layers.Dense(128, activation="relu"), lib.layers.Dense(1, activation="sigmoid")]),
    ]


def test_summary_counts_kerass_parameters():
    theirs = models(K)
    theirs[0].layers[0].trainable = False
    ours = models(M)
    ours[0].layers[0].trainable = False
    for t, o in zip(theirs, ours):
        assert o.count_params() == t.count_params()
        assert sum(w.size for w in o.trainable_weights) == sum(int(np.prod(w.shape)) for w in t.trainable_weights)
        assert [w.shape for w in o.get_weights()] == [w.shape for w in t.get_weights()]
        assert [layer.output_shape for layer in o.layers] == [tuple(layer.output.shape) for layer in t.layers]
        printed = []
        o.summary(print_fn=printed.append)
        total = [line for line in printed[0].splitlines() if line.startswith(" Total params")][0]
        assert f"{t.count_params():,}" in total


def test_layers_compute_kerass_outputs():
    rng = np.random.default_rng(0)
    theirs, ours = models(K)[1], models(M)[1]
    ours.set_weights(theirs.get_weights())
    tokens = rng.integers(0, 50, (5, 12))
    np.testing.assert_allclose(ours.predict(tokens, verbose=0), theirs.predict(tokens, verbose=0), rtol=1e-5,
                               atol=1e-6)
    dense_t = K.layers.Dense(7, activation="gelu")
    dense_o = M.layers.Dense(7, activation="gelu")
    x = rng.standard_normal((4, 3)).astype(np.float32)
    dense_t(x)
    dense_o(x)
    dense_o.set_weights(dense_t.get_weights())
    np.testing.assert_allclose(dense_o(x).numpy(), np.asarray(dense_t(x).detach().cpu()), rtol=1e-5, atol=1e-6)


LOSSES = [
    ("binary_crossentropy", {}, "binary"), ("binary_crossentropy", {"from_logits": True}, "binary"),
    ("binary_crossentropy", {"label_smoothing": 0.1}, "binary"),
    ("categorical_crossentropy", {}, "onehot"), ("categorical_crossentropy", {"from_logits": True}, "onehot"),
    ("categorical_crossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("sparse_categorical_crossentropy", {}, "labels"), ("sparse_categorical_crossentropy", {"from_logits": True},
                                                        "labels"),
    ("mean_squared_error", {}, "float"), ("mean_absolute_error", {}, "float"), ("huber", {"delta": 0.5}, "float"),
]


@pytest.mark.parametrize("name, settings, kind", LOSSES, ids=[f"{n}{s or ''}" for n, s, _ in LOSSES])
def test_losses_and_their_gradients_are_kerass(name, settings, kind):
    rng = np.random.default_rng(1)
    columns = 1 if kind in ("binary", "float") else 4
    pred = rng.uniform(0.01, 0.99, (6, columns))
    pred[0, 0] = 0.0  # clipped by the probability losses
    labels = rng.integers(0, columns if columns > 1 else 2, 6)
    y = {"binary": labels[:, None], "onehot": np.eye(4)[labels], "labels": labels,
         "float": rng.standard_normal((6, 1))}[kind]
    theirs_pred = torch.tensor(pred, requires_grad=True)
    want = getattr(K.losses, name)(torch.tensor(y), theirs_pred, **settings).mean()
    want.backward()
    ours_pred = mg.tensor(pred, requires_grad=True)
    got = getattr(M.losses, name)(y, ours_pred, **settings).mean()
    got.backward()
    # float64 on both sides, but Keras's mean over the last axis runs in float32 (see the module docstring)
    assert got.item() == pytest.approx(want.item(), rel=1e-7)
    np.testing.assert_allclose(ours_pred.grad.numpy(), theirs_pred.grad.numpy(), rtol=1e-7, atol=1e-9)


def test_metrics_are_kerass():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 300)
    p = np.clip(0.5 + 0.3 * (y - 0.5) + 0.25 * rng.standard_normal(300), 0, 1).astype(np.float32)[:, None]
    for name in ("AUC", "Precision", "Recall", "BinaryAccuracy", "MeanAbsoluteError"):
        theirs, ours = getattr(K.metrics, name)(), getattr(M.metrics, name)()
        for part in (slice(0, 100), slice(100, 300)):
            theirs.update_state(y[part], p[part])
            ours.update_state(y[part], p[part])
        assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-6), name
    scores = rng.standard_normal((50, 5)).astype(np.float32)
    labels = rng.integers(0, 5, 50)
    assert M.metrics.SparseCategoricalAccuracy()(labels, scores) == pytest.approx(
        float(K.metrics.SparseCategoricalAccuracy()(labels, scores)))
    assert M.metrics.CategoricalAccuracy()(np.eye(5)[labels], scores) == pytest.approx(
        float(K.metrics.CategoricalAccuracy()(np.eye(5)[labels], scores)))


def drive(callback, model, values, key="score"):
    """Call the epoch hooks of `callback` with a scripted monitored value; returns the rate after each epoch."""
    callback.set_model(model)
    callback.on_train_begin({})
    rates = []
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {key: value})
        rates.append(float(np.asarray(model.optimizer.learning_rate)))
        if getattr(model, "stop_training", False):
            break
    return rates


def compiled(lib):
    model = mlp(lib, 1, None)
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.stop_training = False
    return model


CURVE = [1.0, 0.9, 0.95, 0.93, 0.91, 0.9, 0.85, 0.86, 0.87, 0.86, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74]


@pytest.mark.parametrize("settings", [dict(patience=2), dict(patience=3, min_delta=0.02), dict(patience=1, baseline=0.8),
                                      dict(patience=2, start_from_epoch=4)],
                         ids=["patience", "min_delta", "baseline", "start_from_epoch"])
def test_early_stopping_decides_as_keras(settings):
    theirs = K.callbacks.EarlyStopping(monitor="score", mode="min", **settings)
    ours = M.callbacks.EarlyStopping(monitor="score", mode="min", **settings)
    drive(theirs, compiled(K), CURVE)
    drive(ours, compiled(M), CURVE)
    assert (ours.stopped_epoch, ours.best, ours.wait) == (theirs.stopped_epoch, theirs.best, theirs.wait)


@pytest.mark.parametrize("settings", [dict(patience=1, factor=0.5), dict(patience=2, cooldown=2, min_delta=0.02),
                                      dict(patience=0, factor=0.3, min_lr=0.01), dict(patience=1, cooldown=1)],
                         ids=["patience", "cooldown", "min_lr", "cooldown-1"])
def test_reduce_lr_on_plateau_changes_the_rate_as_keras(settings):
    theirs = drive(K.callbacks.ReduceLROnPlateau(monitor="score", mode="min", **settings), compiled(K), CURVE)
    ours = drive(M.callbacks.ReduceLROnPlateau(monitor="score", mode="min", **settings), compiled(M), CURVE)
    assert len(set(ours)) > 1
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)  # Keras keeps the rate in a float32 variable


@pytest.mark.parametrize("mode, values", [("min", CURVE), ("max", CURVE), ("min", [3.0, 2.0, 2.0, 1.0])])
def test_model_checkpoint_saves_when_keras_does(mode, values, monkeypatch):
    def epochs_saved(lib, callback):
        model = compiled(lib)
        saved = []
        monkeypatch.setattr(model, "save_weights", lambda path, overwrite=True: saved.append(path))
        drive(callback, model, values)
        return saved

    theirs = epochs_saved(K, K.callbacks.ModelCheckpoint("e{epoch}.weights.h5", monitor="score", mode=mode,
                                                         save_best_only=True, save_weights_only=True))
    ours = epochs_saved(M, M.callbacks.ModelCheckpoint("e{epoch}.weights.h5", monitor="score", mode=mode,
                                                       save_best_only=True))
    assert ours == theirs and 0 < len(ours) < len(values)
