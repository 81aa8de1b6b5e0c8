"""Callbacks inside real fits, each driven by a scripted monitored value so the epoch where it
acts is known by hand: EarlyStopping (stop epoch, restored weights), ModelCheckpoint (files
only for improvements), ReduceLROnPlateau and LearningRateScheduler (the rate at every
epoch), CSVLogger, and the order of the hooks."""

import csv

import numpy as np
import pytest

from minigrad import keras

RNG = np.random.default_rng(0)
X = RNG.standard_normal((40, 3))
Y = RNG.standard_normal((40, 1))


def model(lr=0.1):
    m = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return m


class Script(keras.callbacks.Callback):
    """Puts values[epoch] into the logs as "score" (it must come before the callback that reads it),
    and records the weights and the learning rate after every epoch."""

    def __init__(self, values):
        super().__init__()
        self.values, self.weights, self.rates = values, [], []

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]
        self.weights.append(self.model.get_weights())
        self.rates.append(self.model.optimizer.learning_rate)


def fit(m, callbacks, epochs):
    return m.fit(X, Y, epochs=epochs, batch_size=20, verbose=0, callbacks=callbacks)


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    values = [5.0, 4.0, 4.5, 3.0, 3.2, 3.1, 3.3, 2.0]
    # improvements at epochs 0, 1, 3; epochs 4 and 5 do not improve: patience 2 runs out at epoch 5
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=2)
    history = fit(model(), [Script(values), stop], epochs=8)
    assert stop.stopped_epoch == 5 and len(history.epoch) == 6
    assert stop.best == 3.0


def test_early_stopping_restores_the_best_epochs_weights():
    script = Script([5.0, 4.0, 4.5, 3.0, 3.2, 3.1, 3.3, 2.0])
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=2, restore_best_weights=True)
    m = model()
    fit(m, [script, stop], epochs=8)
    for restored, best in zip(m.get_weights(), script.weights[3]):
        np.testing.assert_array_equal(restored, best)
    assert not np.array_equal(script.weights[3][0], script.weights[5][0])  # training did move them since


def test_early_stopping_min_delta_mode_and_baseline():
    # improvements smaller than min_delta do not count: 4.0 -> 3.95 -> 3.9 are all "no improvement"
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", min_delta=0.2, patience=2)
    fit(model(), [Script([4.0, 3.95, 3.9, 1.0, 1.0]), stop], epochs=5)
    assert stop.stopped_epoch == 2
    # mode max: larger is better
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="max", patience=1)
    fit(model(), [Script([0.5, 0.6, 0.55, 0.9]), stop], epochs=4)
    assert stop.stopped_epoch == 2
    # with a baseline that is never beaten the first epoch's wait is not reset: it stops one epoch sooner
    flat = [5.0] * 6
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=3)
    fit(model(), [Script(flat), stop], epochs=6)
    assert stop.stopped_epoch == 3
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=3, baseline=1.0)
    fit(model(), [Script(flat), stop], epochs=6)
    assert stop.stopped_epoch == 2
    # ... but an epoch that improves on the best so far never stops training, baseline or not (Keras's rule)
    stop = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=1, baseline=1.0)
    fit(model(), [Script([5.0, 4.0, 3.0, 2.0]), stop], epochs=4)
    assert stop.stopped_epoch == 0


def test_early_stopping_auto_mode_reads_the_metrics_direction():
    m = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    y = (X[:, :1] > 0).astype(int)
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    m.fit(X, y, epochs=2, validation_data=(X, y), verbose=0, callbacks=[stop])
    assert stop._better is np.greater
    unknown = keras.callbacks.EarlyStopping(monitor="score")
    with pytest.raises(ValueError, match="cannot tell whether 'score' should go up or down"):
        fit(model(), [Script([1.0, 2.0]), unknown], epochs=2)


def test_a_missing_monitor_warns_and_training_goes_on():
    stop = keras.callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="'val_loss' is not in the logs"):
        history = fit(model(), [stop], epochs=2)
    assert len(history.epoch) == 2


def test_model_checkpoint_writes_only_improvements(tmp_path):
    path = str(tmp_path / "ckpt-{epoch:02d}.safetensors")
    save = keras.callbacks.ModelCheckpoint(path, monitor="score", mode="min", save_best_only=True)
    script = Script([3.0, 2.0, 2.5, 1.0, 1.5])
    fit(model(), [script, save], epochs=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-01.safetensors", "ckpt-02.safetensors",
                                                          "ckpt-04.safetensors"]
    restored = model()
    restored.load_weights(tmp_path / "ckpt-04.safetensors")
    for a, b in zip(restored.get_weights(), script.weights[3]):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_every_epoch_or_every_n_batches(tmp_path):
    every = keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.safetensors"))
    fit(model(), [every], epochs=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e1.safetensors", "e2.safetensors", "e3.safetensors"]
    batches = keras.callbacks.ModelCheckpoint(str(tmp_path / "b{epoch}-{batch}.safetensors"), save_freq=3)
    fit(model(), [batches], epochs=3)  # 2 batches an epoch: saves after the 3rd and the 6th batch
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("b")) == [
        "b2-1.safetensors", "b3-2.safetensors"]


def test_model_checkpoint_initial_threshold(tmp_path):
    save = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.safetensors"), monitor="score", mode="min",
                                           save_best_only=True, initial_value_threshold=1.0)
    fit(model(), [Script([3.0, 2.0]), save], epochs=2)
    assert not (tmp_path / "best.safetensors").exists()


def test_reduce_lr_on_plateau_follows_kerass_counting():
    # patience 1, cooldown 1, factor 0.5, floor 0.01
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=1, cooldown=1, min_lr=0.01,
                                               min_delta=0.0)
    script = Script([1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.7, 0.8])
    m = model(lr=0.1)
    history = fit(m, [script, reduce], epochs=8)
    # the rate each epoch ran with: epoch 1 does not improve, wait 1 = patience -> 0.05 from epoch 2 (cooldown 1);
    # epoch 2 ends the cooldown and counts -> 0.025; epoch 3 -> 0.0125; epoch 4 improves; epoch 5 -> the floor
    ran_with = [0.1, 0.1, 0.05, 0.025, 0.0125, 0.0125, 0.01, 0.01]
    assert script.rates == pytest.approx(ran_with, rel=1e-12)
    assert history.history["learning_rate"] == pytest.approx(ran_with, rel=1e-12)  # the logs say the same
    assert m.optimizer.learning_rate == pytest.approx(0.01, rel=1e-12)


def test_learning_rate_scheduler_sets_the_rate_before_each_epoch():
    seen = []

    class Watch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(self.model.optimizer.learning_rate)

    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    history = fit(model(lr=0.2), [schedule, Watch()], epochs=3)
    assert seen == pytest.approx([0.2, 0.2, 0.1, 0.1, 0.05, 0.05])
    assert history.history["learning_rate"] == pytest.approx([0.2, 0.1, 0.05])
    by_epoch = keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    history = fit(model(), [by_epoch], epochs=2)
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.02])
    with pytest.raises(ValueError, match="must return a float"):
        fit(model(), [keras.callbacks.LearningRateScheduler(lambda epoch, lr: "fast")], epochs=1)


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    m = model()
    m.fit(X, Y, epochs=2, verbose=0, validation_data=(X, Y), callbacks=[keras.callbacks.CSVLogger(path)])
    rows = list(csv.DictReader(open(path)))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert float(rows[1]["loss"]) == pytest.approx(m.history.history["loss"][1], rel=1e-12)
    m.fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.CSVLogger(path, append=True)])
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and lines[-1].endswith(",NA")  # no header again; no validation this time


def test_hooks_are_called_in_kerass_order():
    calls = []

    class Record(keras.callbacks.Callback):
        pass

    for hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end", "on_test_begin", "on_test_end"):
        setattr(Record, hook, lambda self, *args, hook=hook: calls.append((hook, *args[:1]) if args and
                                                                           isinstance(args[0], int) else (hook,)))
    model().fit(X, Y, epochs=1, batch_size=20, validation_data=(X, Y), verbose=0, callbacks=[Record()])
    assert calls == [("on_train_begin",), ("on_epoch_begin", 0), ("on_train_batch_begin", 0),
                     ("on_train_batch_end", 0), ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
                     ("on_test_begin",), ("on_test_end",), ("on_epoch_end", 0), ("on_train_end",)]


def test_stop_training_from_a_batch_hook_ends_the_epoch_and_the_fit():
    class StopAtSecondBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            assert set(logs) == {"loss"}
            if batch == 1:
                self.model.stop_training = True

    history = model().fit(X, Y, epochs=5, batch_size=10, verbose=0, callbacks=[StopAtSecondBatch()])
    assert history.epoch == [0]


def test_callbacks_must_be_callbacks():
    with pytest.raises(TypeError, match="expected keras.callbacks.Callback objects, got function"):
        fit(model(), [lambda epoch: None], epochs=1)
