"""Callbacks: code that fit calls at fixed points of the loop, with Keras's hooks and rules.

    on_train_begin / on_train_end(logs)          around the whole fit
    on_epoch_begin / on_epoch_end(epoch, logs)   logs: the epoch's loss, metrics and val_* values
    on_train_batch_begin / _end(batch, logs)     around each step
    on_test_* / on_predict_*                     the same for evaluate and predict

A callback reaches the model as `self.model` (e.g. `self.model.stop_training = True`, or
`self.model.optimizer.learning_rate = ...`) and the run's settings as `self.params`.

    History                  records every epoch's logs (fit returns it; model.history)
    EarlyStopping            stop when `monitor` has not improved for `patience` epochs
    ModelCheckpoint          save the weights (safetensors) every epoch, or only when `monitor` improves
    LearningRateScheduler    set the rate at each epoch's start from schedule(epoch, lr)
    ReduceLROnPlateau        multiply the rate by `factor` when `monitor` stops improving
    CSVLogger                one CSV row per epoch
    ProgbarLogger            the progress line (fit adds it for verbose 1 and 2)

"Improved" means, as in Keras: better than the best so far by more than min_delta, where
better is lower for losses and errors and higher for accuracies, AUC, precision and recall
(mode="auto"; force it with mode="min" or "max").
"""

from __future__ import annotations

import csv
import os
import sys
import warnings

import numpy as np

from .progbar import Progbar

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """Base class: override the hooks you need; every hook does nothing by default."""

    def __init__(self):
        self.model = None
        self.params = {}

    def _listens(self, hook: str) -> bool:
        """Whether this run should call `hook` (ProgbarLogger skips the batch hooks off a terminal)."""
        return True

    def set_model(self, model) -> None:
        """Called by fit before training: the model being trained."""
        self.model = model

    def set_params(self, params: dict) -> None:
        """Called by fit before training: {"epochs", "steps", "verbose"}."""
        self.params = params

    def on_train_begin(self, logs=None):
        """Before the first epoch."""

    def on_train_end(self, logs=None):
        """After the last epoch (or after training was stopped)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Before each epoch (epoch counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """After each epoch, with its loss, metrics and validation values in logs."""

    def on_train_batch_begin(self, batch, logs=None):
        """Before each training step."""

    def on_train_batch_end(self, batch, logs=None):
        """After each training step, with the epoch's running values in logs."""

    def on_test_begin(self, logs=None):
        """Before evaluate (also the validation at each epoch's end)."""

    def on_test_end(self, logs=None):
        """After evaluate."""

    def on_test_batch_begin(self, batch, logs=None):
        """Before each evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """After each evaluation batch."""

    def on_predict_begin(self, logs=None):
        """Before predict."""

    def on_predict_end(self, logs=None):
        """After predict."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """After each prediction batch."""


def _overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class CallbackList:
    """The callbacks of one fit / evaluate / predict, called in order.

    Batch hooks are only called on callbacks that define them, and `wants_batch_logs(hook)`
    tells the loop whether anyone will read per-batch logs, so a fit without such callbacks
    does not compute them.
    """

    def __init__(self, callbacks=None, model=None, params: dict | None = None):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks: expected keras.callbacks.Callback objects, got {type(callback).__name__}")
            callback.set_model(model)
            callback.set_params(dict(params or {}))
        self._listeners = {hook: [c for c in self.callbacks if _overrides(c, hook) and c._listens(hook)]
                           for hook in _HOOKS}

    def wants_batch_logs(self, hook: str) -> bool:
        """Whether any callback implements `hook`."""
        return bool(self._listeners[hook])

    def call(self, hook: str, *args) -> None:
        """Call `hook` on every callback that implements it."""
        for callback in self._listeners[hook]:
            getattr(callback, hook)(*args)


class History(Callback):
    """Records the logs of every epoch: history.history = {"loss": [...], "val_loss": [...], ...}."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        """Start a new list of epochs (the values of earlier fits stay)."""
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        """Append each value of the epoch's logs."""
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints "Epoch i/n" and the progress line (see progbar.py) for verbose 1 and 2."""

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stdout
        self.bar = None

    def _listens(self, hook: str) -> bool:
        if hook != "on_train_batch_end":
            return True
        return self.params.get("verbose") == 1 and getattr(self.stream, "isatty", lambda: False)()

    def on_epoch_begin(self, epoch, logs=None):
        """Print the epoch's number and start its bar."""
        self.stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")
        self.bar = Progbar(self.params.get("steps"), verbose=self.params["verbose"], stream=self.stream)

    def on_train_batch_end(self, batch, logs=None):
        """Redraw the bar (on a terminal, verbose=1)."""
        self.bar.update(batch + 1, logs, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        """Print the epoch's final line with every value."""
        steps = self.params.get("steps") or 0
        self.bar.update(steps, logs, finalize=True)


class _MonitorCallback(Callback):
    """What EarlyStopping, ModelCheckpoint and ReduceLROnPlateau share: which way is better, and by how much."""

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline=None, min_delta: float = 0.0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__}: mode {mode!r} is unknown, using 'auto'", stacklevel=3)
            mode = "auto"
        self.monitor, self.mode, self.best, self.min_delta = monitor, mode, baseline, abs(min_delta)
        self._better = None  # np.less or np.greater, decided when the first value arrives

    def _decide_direction(self) -> None:
        if self.mode == "min":
            self._better = np.less
        elif self.mode == "max":
            self._better = np.greater
        else:
            direction = self.model._direction_of(self.monitor.removeprefix("val_")) if self.model else None
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__}: cannot tell whether {self.monitor!r} should go up or down; "
                    "pass mode='max' or mode='min'"
                )
            self._better = np.greater if direction == "up" else np.less
        if self._better is np.less:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value: float, reference) -> bool:
        if self._better is None:
            self._decide_direction()
        if reference is None:
            return True
        return bool(self._better(value - self.min_delta, reference))

    def _current(self, logs) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__}: {self.monitor!r} is not in the logs; available: "
                          f"{', '.join(logs or {})}", stacklevel=3)
        return value


class EarlyStopping(_MonitorCallback):
    """Stop training once `monitor` has gone `patience` epochs without improving by more than min_delta.

    restore_best_weights=True puts back the weights of the best epoch when training ends;
    baseline: training also stops if the value does not beat it; start_from_epoch: epochs to
    wait before watching. `stopped_epoch` is the epoch (from 0) at which it stopped.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline=None, restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0

    def on_train_begin(self, logs=None):
        """Reset, so the callback can be used for several fits."""
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        """Count the epochs without improvement; stop when they reach patience."""
        current = self._current(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """Say so if training stopped early, and restore the best weights if asked."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_MonitorCallback):
    """Save the model's weights to `filepath` (safetensors, through model.save_weights) after every
    epoch, or, with save_best_only=True, only when `monitor` improved.

    filepath may hold fields filled from the epoch (from 1) and the logs, e.g.
    "ckpt-{epoch:02d}-{val_loss:.2f}.safetensors". save_freq: "epoch" or a number of batches.
    minigrad.keras saves weights only (no architecture), whatever save_weights_only says.
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches, "
                             f"got {save_freq!r}")
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only, self.save_freq = save_best_only, save_weights_only, save_freq
        self._epoch, self._batches_since_save = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        """Remember the epoch (for file names when saving every few batches)."""
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        """With save_freq=N: save every N batches."""
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """With save_freq="epoch": save (if it improved, with save_best_only)."""
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _path(self, epoch: int, batch, logs) -> str:
        fields = dict(logs or {})
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)
        except KeyError as err:
            raise KeyError(f"ModelCheckpoint: cannot fill {self.filepath!r}: no {err} in the logs") from None

    def _save(self, epoch: int, batch, logs) -> None:
        path = self._path(epoch, batch, logs)
        if self.save_best_only:
            current = self._current(logs)
            if current is not None:
                best = "None" if self.best is None else f"{self.best:.5f}"
                if not self._is_improvement(current, self.best):
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
                    return
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                          f"saving model to {path}")
                self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self.model.save_weights(path)


class LearningRateScheduler(Callback):
    """At each epoch's start, set the rate to schedule(epoch, lr) (or schedule(epoch)); logs "learning_rate".

    >>> LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * 0.9)
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        """Ask the schedule for this epoch's rate and set it."""
        optimizer = self.model.optimizer
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # a schedule of the epoch alone
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.floating)):
            raise ValueError(f"LearningRateScheduler: the schedule must return a float, got {lr!r}")
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        """Add the rate to the epoch's logs."""
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(_MonitorCallback):
    """Multiply the rate by `factor` (down to min_lr) after `patience` epochs without an improvement
    of more than min_delta; then wait `cooldown` epochs before counting again. Keras's rule (it
    counts differently from mg.optim.lr_scheduler.ReduceLROnPlateau, PyTorch's).
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.cooldown_counter, self.wait = 0, 0

    def on_train_begin(self, logs=None):
        """Reset the best value and the counters."""
        self.best, self.cooldown_counter, self.wait = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        """Log the rate, then count this epoch and reduce the rate if patience has run out."""
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = self._current(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.learning_rate)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class CSVLogger(Callback):
    """CSVLogger(filename, separator=",", append=False): one row per epoch, "epoch" then the logs' keys
    sorted (val_* columns are added for every key when the first epoch has no validation values)."""

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys, self._file, self._writer, self._header = None, None, None, True

    def on_train_begin(self, logs=None):
        """Open the file (appending, and skipping the header if the file already has one)."""
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self._header = not f.readline()
        else:
            self._header = True
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self.keys, self._writer = None, None

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's row."""
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys], delimiter=self.sep)
            if self._header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        """Close the file."""
        if self._file is not None and not self._file.closed:
            self._file.close()
        self._writer = None
