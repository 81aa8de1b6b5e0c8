"""compile / fit / evaluate / predict: fit is the hand-written loop (same numbers, bit for bit),
Keras's data rules (float64 -> float32, the last rows for validation_split), the logs and
their order, the progress output, weights on disk, and the errors for bad input."""

import io
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import keras

RNG = np.random.default_rng(0)
X = RNG.standard_normal((50, 4))  # float64, as scikit-learn and pandas hand out
Y3 = RNG.integers(0, 3, 50)


def classifier(out=3, activation=None, hidden=8):
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(out, activation=activation)])


def test_fit_is_the_hand_written_loop_bit_for_bit():
    mg.manual_seed(0)
    model = classifier()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    start = model.get_weights()
    mg.manual_seed(1)
    history = model.fit(X, Y3, batch_size=16, epochs=3, verbose=0)  # its loader's seed comes from mg's generator

    twin = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    for p, w in zip(twin.parameters(), start):
        p.data[...] = w.T if w.ndim == 2 else w  # Keras's kernel [in, out] is nn.Linear's weight transposed
    mg.manual_seed(1)
    loader = mg.data.DataLoader((X.astype(np.float32), Y3), batch_size=16, shuffle=True)
    optimizer = mg.optim.Adam(twin.parameters(), lr=0.01, eps=1e-7)
    losses, accuracies = [], []
    for _ in range(3):
        total = correct = seen = 0
        for xb, yb in loader:
            logits = twin(xb)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
            correct += int((logits.numpy().argmax(axis=1) == yb.numpy()).sum())
            seen += len(yb)
        losses.append(total / seen)
        accuracies.append(correct / seen)
    assert history.history["loss"] == losses
    assert history.history["accuracy"] == accuracies
    for ours, theirs in zip(model.get_weights(), [p.numpy() for p in twin.parameters()]):
        np.testing.assert_array_equal(ours, theirs.T if ours.ndim == 2 else theirs)


def test_history_has_every_epochs_loss_metrics_and_validation_sorted_as_keras():
    model = classifier()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(X, Y3, epochs=3, validation_data=(X[:10], Y3[:10]), verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 3 and all(isinstance(x, float) for x in v) for v in history.history.values())
    assert history.epoch == [0, 1, 2] and model.history is history
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}
    # the last validation values are what evaluate says of the same data
    assert model.evaluate(X[:10], Y3[:10], verbose=0) == pytest.approx(
        [history.history["val_loss"][-1], history.history["val_accuracy"][-1]], rel=1e-12)


def test_validation_split_holds_out_the_last_rows_before_shuffling():
    model = classifier()
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(X, Y3, epochs=1, validation_split=0.2, verbose=0)
    assert history.params["steps"] == 2  # 40 training rows in batches of 32
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(X[40:], Y3[40:], verbose=0), rel=1e-12)


def test_shuffling_follows_minigrads_seed():
    def run():
        keras.utils.clear_session()
        keras.utils.set_random_seed(5)
        model = classifier()
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model.fit(X, Y3, epochs=2, batch_size=8, verbose=0).history["loss"]

    assert run() == run()


def test_shuffle_false_keeps_the_row_order():
    model = classifier()
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    model.fit(X, Y3, batch_size=20, epochs=2, shuffle=False, verbose=0, callbacks=[Spy()])
    assert seen == [0, 1, 2, 0, 1, 2]


def test_fit_takes_a_dataloader_and_predict_returns_numpy_in_order():
    model = classifier()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    loader = mg.data.DataLoader((X.astype(np.float32), Y3), batch_size=10, shuffle=True, seed=1)
    history = model.fit(loader, epochs=2, verbose=0, validation_data=loader)
    assert len(history.history["val_loss"]) == 2
    out = model.predict(X, batch_size=7, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (50, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, model(X).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(model.predict_on_batch(X[:5]), out[:5])


def test_integer_inputs_build_an_embedding_model():
    model = keras.Sequential([keras.layers.Embedding(20, 4), keras.layers.Flatten(), keras.layers.Dense(1)])
    tokens = RNG.integers(0, 20, (30, 5))
    model.compile(optimizer="adam", loss="mse")
    model.fit(tokens, RNG.standard_normal((30, 1)), epochs=1, verbose=0)
    assert model.built and model.layers[0].output_shape == (None, 5, 4)


def test_evaluate_returns_the_loss_alone_or_with_metrics_in_compile_order():
    model = classifier(out=1, activation="sigmoid")
    y = (X[:, 0] > 0).astype(int)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert isinstance(model.evaluate(X, y, verbose=0), float)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["recall", "accuracy"])
    values = model.evaluate(X, y, verbose=0)
    logs = model.evaluate(X, y, verbose=0, return_dict=True)
    assert model.metrics_names == ["loss", "recall", "accuracy"]
    assert values == [logs["loss"], logs["recall"], logs["accuracy"]]


def test_train_and_test_on_batch_accumulate_until_reset():
    model = classifier()
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    before = model.get_weights()
    loss, accuracy = model.train_on_batch(X[:10], Y3[:10])
    assert not np.array_equal(model.get_weights()[0], before[0])
    model.reset_metrics()
    single = model.test_on_batch(X[:10], Y3[:10], return_dict=True)
    assert single["loss"] == pytest.approx(model.evaluate(X[:10], Y3[:10], verbose=0)[0], rel=1e-12)


def test_a_subclassed_model_trains_too():
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(8, activation="relu")
            self.out = keras.layers.Dense(3)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayers()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(X, Y3, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.name == "two_layers" and [l.name for l in model.layers] == ["dense", "dense_1"]
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3


def test_call_gets_training_as_keras_passes_it():
    seen = []

    class Noisy(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x, training=None):
            seen.append(training)
            return self.dense(x)

    model = Noisy()
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X, Y3, batch_size=25, epochs=1, verbose=0)
    model.predict(X[:2], verbose=0)
    model(X[:2])
    model(X[:2], training=True)
    assert seen == [False, True, True, False, False, True]  # build, two steps, predict, two calls


def test_compile_takes_a_minigrad_optimizer():
    model = classifier()
    sgd = mg.optim.SGD(model.trainable_weights, lr=0.05, momentum=0.9)
    model.compile(optimizer=sgd, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X, Y3, epochs=1, verbose=0)
    assert model.optimizer.core is sgd and sgd.state
    other = classifier()
    with pytest.raises(ValueError, match="not 4 of the model's trainable weights"):
        other.compile(optimizer=mg.optim.SGD(model.trainable_weights, lr=0.1), loss="mse")


@pytest.mark.parametrize("name, kind, settings", [
    ("sgd", mg.optim.SGD, {"lr": 0.01, "momentum": 0.0, "nesterov": False}),
    ("adam", mg.optim.Adam, {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.0}),
    ("adamw", mg.optim.AdamW, {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.004}),
    ("rmsprop", mg.optim.RMSprop, {"lr": 0.001, "alpha": 0.9, "eps": 1e-7, "momentum": 0.0, "centered": False}),
    ("adagrad", mg.optim.Adagrad, {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7}),
])
def test_optimizer_names_give_kerass_defaults(name, kind, settings):
    model = classifier()
    model.compile(optimizer=name, loss="mse")
    core = model.optimizer.core
    assert type(core) is kind
    assert {k: core.param_groups[0][k] for k in settings} == settings


def test_learning_rate_reads_and_sets_every_group():
    model = classifier()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
    assert model.optimizer.learning_rate == 0.5
    model.optimizer.learning_rate = 0.25
    assert [g["lr"] for g in model.optimizer.core.param_groups] == [0.25]


def test_global_clipnorm_bounds_the_step():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=0.01), loss="mse")
    before = np.concatenate([w.ravel() for w in model.get_weights()])
    model.train_on_batch(X[:8] * 100, np.full((8, 1), 1000.0))
    after = np.concatenate([w.ravel() for w in model.get_weights()])
    assert np.linalg.norm(after - before) == pytest.approx(0.01, rel=1e-3)  # lr * the clipped gradient norm


def test_weights_round_trip_through_a_safetensors_file(tmp_path):
    model = classifier()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X, Y3, epochs=1, verbose=0)
    model.save_weights(tmp_path / "model.weights.safetensors")
    twin = classifier()
    twin.load_weights(tmp_path / "model.weights.safetensors")
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert (tmp_path / "model.weights.safetensors").read_bytes()[8:9] == b"{"  # a safetensors header, no pickle
    with pytest.raises(FileExistsError):
        model.save_weights(tmp_path / "model.weights.safetensors", overwrite=False)
    with pytest.raises(RuntimeError, match="shape"):
        classifier(hidden=5).load_weights(tmp_path / "model.weights.safetensors")


def test_verbose_2_prints_one_line_per_epoch_and_0_nothing():
    model = classifier()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    out = io.StringIO()
    with redirect_stdout(out):
        model.fit(X, Y3, epochs=2, verbose=2, validation_data=(X, Y3))
    lines = out.getvalue().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"2/2 - \d+s - \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
                        r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}", lines[1]), lines[1]
    silent = io.StringIO()
    with redirect_stdout(silent):
        model.fit(X, Y3, epochs=1, verbose=0)
        model.evaluate(X, Y3, verbose=0)
        model.predict(X, verbose=0)
    assert silent.getvalue() == ""


def test_verbose_1_off_a_terminal_prints_the_final_bar_once():
    model = classifier()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    out = io.StringIO()
    with redirect_stdout(out):
        model.fit(X, Y3, epochs=1)
        model.evaluate(X, Y3)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Epoch 1/1" and len(lines) == 3
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(ms|us|s)/step - loss: \d\.\d{4}", lines[1]), lines[1]


def test_summary_matches_kerass_table():
    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dropout(0.2), keras.layers.Dense(10)])
    printed = []
    model.summary(print_fn=printed.append)
    assert printed[0].splitlines() == [
        'Model: "sequential"',
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓",
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩",
        "│ dense (Dense)                   │ (None, 64)             │         4,160 │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ dropout (Dropout)               │ (None, 64)             │             0 │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ dense_1 (Dense)                 │ (None, 10)             │           650 │",
        "└─────────────────────────────────┴────────────────────────┴───────────────┘",
        " Total params: 4,810 (18.79 KB)",
        " Trainable params: 4,810 (18.79 KB)",
        " Non-trainable params: 0 (0.00 B)",
    ]


def test_state_dict_keys_are_nn_sequentials():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3)])
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m.fit(X, Y3, verbose=0), RuntimeError, "compile the model first"),
    (lambda m: m.compile(optimizer="adam"), ValueError, "give a loss"),
    (lambda m: m.compile(optimizer="adamax", loss="mse"), ValueError, "unknown optimizer 'adamax'"),
    (lambda m: m.compile(optimizer="adam", loss="mse", metrics={"out": ["mae"]}), ValueError, "as a dict"),
    (lambda m: m.compile(optimizer=keras.optimizers.SGD(weight_decay=0.1), loss="mse"), ValueError,
     "weight_decay is not supported here"),
    (lambda m: m.compile(optimizer=keras.optimizers.Adam(learning_rate=lambda step: 0.1), loss="mse"), TypeError,
     "schedules are not supported"),
])
def test_compile_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(classifier())


@pytest.mark.parametrize("call, message", [
    (lambda m: m.fit(X, verbose=0), "y is required"),
    (lambda m: m.fit(X, Y3[:10], verbose=0), "x has 50 rows but y has 10"),
    (lambda m: m.fit(X, Y3, validation_split=1.5, verbose=0), "validation_split must be in"),
    (lambda m: m.fit(X, Y3, validation_split=0.2, validation_data=(X, Y3), verbose=0), "not both"),
    (lambda m: m.fit(X, Y3, verbose=3), "verbose must be"),
    (lambda m: m.fit(X, Y3, batch_size=0, verbose=0), "batch_size must be a positive integer"),
    (lambda m: m.fit(X, Y3, sample_weight=np.ones(50), verbose=0), "sample_weight is not supported"),
    (lambda m: m.fit(np.array(["a", "b"]), np.array([0, 1]), verbose=0), "expected numbers"),
])
def test_fit_errors(call, message):
    model = classifier()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match=message) if "expected numbers" not in message else pytest.raises(
            TypeError, match=message):
        call(model)


def test_an_unbuilt_model_cannot_summarise_or_save():
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="has not been built yet"):
        model.summary()
    with pytest.raises(ValueError, match="has not been built yet"):
        model.save_weights("unused.safetensors")
