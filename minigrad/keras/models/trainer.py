"""compile, fit, evaluate and predict: the training loop a learner writes by hand, in one place.

One step of fit is exactly

    y_pred = model(x)                    # the layers' forward (training mode)
    loss = loss_fn(y, y_pred)            # a keras.losses object: minigrad ops, mean over the batch
    optimizer.zero_grad()                # minigrad.optim, built over the model's trainable weights
    loss.backward()
    optimizer.step()

over the batches of a minigrad.data.DataLoader (reshuffled every epoch), plus bookkeeping:
the batch-size-weighted mean of the losses and the metrics over the epoch (computed on the
arrays, outside the graph), validation at each epoch's end with the same loss and metrics,
and the callbacks. evaluate is the same loop without the update (and without a graph:
no_grad); predict returns the outputs as one NumPy array.
"""

from __future__ import annotations

import numpy as np

from ...autograd import no_grad
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..callbacks import CallbackList, History, ProgbarLogger
from ..data import eval_loader, first_sample, fit_loaders, predict_loader, to_array
from ..progbar import Progbar


def _verbosity(verbose) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


def _unsupported(op: str, **given) -> None:
    for name, value in given.items():
        if value is not None:
            raise ValueError(f"{op}: {name} is not supported by minigrad.keras")


class Trainer:
    """The training methods of keras.Model (mixed into it, as Keras does)."""

    def __init__(self):
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._loss_fn = None
        self._metric_specs: list = []
        self._metrics: list | None = None
        self._loss_tracker = metrics_module.Mean(name="loss")

    # ---- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly: bool = False, steps_per_execution: int = 1, jit_compile="auto",
                auto_scale_loss: bool = True) -> None:
        """Choose the optimizer, the loss and the metrics, by Keras's names or as objects.

        optimizer: "sgd", "adam", "adamw", "rmsprop", "adagrad", a keras.optimizers object or an
        mg.optim optimizer. loss: a name from keras.losses, a Loss object or a function of
        (y_true, y_pred). metrics: a list of names ("accuracy", "AUC", "precision", "recall",
        "mae", ...), Metric objects or functions.
        """
        _unsupported("compile", loss_weights=loss_weights, weighted_metrics=weighted_metrics)
        if loss is None:
            raise ValueError("compile: give a loss (e.g. loss='binary_crossentropy')")
        if isinstance(metrics, dict):
            raise ValueError("compile: metrics as a dict (one list per output) is not supported; pass a list")
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self._loss_fn = losses_module.get(loss)
        self._metric_specs = [] if metrics is None else list(metrics) if isinstance(metrics, (list, tuple)) \
            else [metrics]
        self._metrics = None  # made from the first batch ("accuracy" depends on the shapes)
        self.compiled = True
        if self.built:
            self._on_built()

    def _check_compiled(self, op: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"{op}: compile the model first, e.g. model.compile(optimizer='adam', loss='mse')")

    # ---- state of the metrics -----------------------------------------------------------------------
    @property
    def metrics(self) -> list:
        """The loss tracker and the compiled metrics (once made by the first batch)."""
        return [self._loss_tracker, *(self._metrics or [])]

    @property
    def metrics_names(self) -> list[str]:
        """"loss" and the compiled metrics' names, in the order evaluate returns them."""
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        """Zero the loss tracker and every metric."""
        for metric in self.metrics:
            metric.reset_state()

    def _direction_of(self, name: str) -> str | None:
        """"down" for the loss and errors, "up" for accuracies and the like, None if unknown."""
        if name == "loss":
            return "down"
        for metric in self._metrics or []:
            if metric.name == name:
                return metric.direction
        return None

    def _logs(self) -> dict:
        """{name: value} of the loss and the metrics so far, sorted by name as Keras logs them."""
        return dict(sorted((m.name, m.result()) for m in self.metrics))

    def _ready(self, sample: np.ndarray) -> None:
        """Build the model from one input row, and its optimizer."""
        if not self.built:
            self._input_dtype = np.dtype(sample.dtype) if sample.dtype.kind in "iu" else np.dtype(self.dtype)
            self.build((None, *sample.shape[1:]))
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_weights)

    def _update_metrics(self, y, y_pred, loss) -> None:
        if self._metrics is None:
            self._metrics = [metrics_module.get(spec, y, y_pred) for spec in self._metric_specs]
        self._loss_tracker.update_state(loss.item(), y_pred.shape[0])
        y_true, predicted = y.data, y_pred.data
        for metric in self._metrics:
            metric.update_state(y_true, predicted)

    # ---- one batch ---------------------------------------------------------------------------------
    def _train_batch(self, x, y) -> None:
        y_pred = self.forward(x)
        loss = self._loss_fn(y, y_pred)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.apply()
        self._update_metrics(y, y_pred, loss)

    def _test_batch(self, x, y) -> None:
        y_pred = self.forward(x)
        self._update_metrics(y, y_pred, self._loss_fn(y, y_pred))

    # ---- fit --------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size: int | None = None, validation_freq: int = 1) -> History:
        """Train for `epochs` epochs over (x, y) (arrays, or a DataLoader of (x, y) batches as x).

        Returns the History: history.history["loss"], ["val_loss"], one value per metric and
        epoch. validation_split holds out the last fraction of the rows; validation_data is
        an (x, y) pair or a DataLoader. verbose: 0 silent, 1 a progress bar, 2 one line per epoch.
        """
        self._check_compiled("fit")
        _unsupported("fit", class_weight=class_weight, sample_weight=sample_weight, steps_per_epoch=steps_per_epoch,
                     validation_steps=validation_steps)
        verbose = _verbosity(verbose)
        train, validation = fit_loaders(x, y, batch_size, validation_split, validation_data, shuffle,
                                        validation_batch_size, self._device())
        self._ready(first_sample(train))
        history = History()
        shown = [ProgbarLogger()] if verbose else []
        callbacks = CallbackList([*(callbacks or []), history, *shown], model=self,
                                 params={"verbose": verbose, "epochs": epochs, "steps": len(train)})
        batch_begin = callbacks.wants_batch_logs("on_train_batch_begin")
        batch_end = callbacks.wants_batch_logs("on_train_batch_end")
        self.stop_training = False
        callbacks.call("on_train_begin", None)
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.call("on_epoch_begin", epoch, None)
            with self._mode(True):
                for step, (xb, yb) in enumerate(train):
                    if batch_begin:
                        callbacks.call("on_train_batch_begin", step, None)
                    self._train_batch(xb, yb)
                    if batch_end:
                        callbacks.call("on_train_batch_end", step, self._logs())
                    if self.stop_training:
                        break
            logs = self._logs()
            if validation is not None and (epoch + 1) % validation_freq == 0:
                logs.update({f"val_{k}": v for k, v in self._test_loop(validation, callbacks, 0).items()})
            callbacks.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        callbacks.call("on_train_end", logs)
        return history

    # ---- evaluate ------------------------------------------------------------------------------
    def _test_loop(self, loader, callbacks: CallbackList | None, verbose: int) -> dict:
        self.reset_metrics()
        bar = Progbar(len(loader), verbose=verbose) if verbose else None
        listen = callbacks is not None and callbacks.wants_batch_logs("on_test_batch_end")
        listen_begin = callbacks is not None and callbacks.wants_batch_logs("on_test_batch_begin")
        if callbacks is not None:
            callbacks.call("on_test_begin", None)
        with no_grad(), self._mode(False):
            for step, (xb, yb) in enumerate(loader):
                if listen_begin:
                    callbacks.call("on_test_batch_begin", step, None)
                self._test_batch(xb, yb)
                if listen:
                    callbacks.call("on_test_batch_end", step, self._logs())
                if bar is not None:
                    bar.update(step + 1, self._logs())
        logs = self._logs()
        if callbacks is not None:
            callbacks.call("on_test_end", logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size: int | None = None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict: bool = False):
        """The loss (and metrics) over (x, y): a float without metrics, else [loss, *metrics] in compile's
        order; a dict with return_dict=True."""
        self._check_compiled("evaluate")
        _unsupported("evaluate", sample_weight=sample_weight, steps=steps)
        loader = eval_loader(x, y, batch_size, self._device())
        self._ready(first_sample(loader))
        logs = self._test_loop(loader, CallbackList(callbacks, model=self), _verbosity(verbose))
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    # ---- predict -----------------------------------------------------------------------------------
    def predict(self, x, batch_size: int | None = None, verbose="auto", steps=None, callbacks=None) -> np.ndarray:
        """The model's outputs for x, batch by batch, as one NumPy array."""
        _unsupported("predict", steps=steps)
        loader = predict_loader(x, batch_size, self._device())
        self._ready(first_sample(loader))
        verbose = _verbosity(verbose)
        bar = Progbar(len(loader), verbose=verbose) if verbose else None
        callbacks = CallbackList(callbacks, model=self)
        callbacks.call("on_predict_begin", None)
        outputs = []
        with no_grad(), self._mode(False):
            for step, batch in enumerate(loader):
                callbacks.call("on_predict_batch_begin", step, None)
                outputs.append(self.forward(batch[0]).numpy())
                callbacks.call("on_predict_batch_end", step, {"outputs": outputs[-1]})
                if bar is not None:
                    bar.update(step + 1)
        callbacks.call("on_predict_end", None)
        return np.concatenate(outputs)

    # ---- one batch at a time ------------------------------------------------------------------------
    def _batch_result(self, return_dict: bool):
        logs = self._logs()
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        """One training step on this batch; returns the loss (and metrics) accumulated since the last reset."""
        self._check_compiled("train_on_batch")
        _unsupported("train_on_batch", sample_weight=sample_weight, class_weight=class_weight)
        (xb, yb), = eval_loader(x, y, len(to_array(x, "train_on_batch x")), self._device())
        self._ready(xb.numpy())
        with self._mode(True):
            self._train_batch(xb, yb)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """The loss (and metrics) of this batch, accumulated since the last reset, without training."""
        self._check_compiled("test_on_batch")
        _unsupported("test_on_batch", sample_weight=sample_weight)
        (xb, yb), = eval_loader(x, y, len(to_array(x, "test_on_batch x")), self._device())
        self._ready(xb.numpy())
        with no_grad(), self._mode(False):
            self._test_batch(xb, yb)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x) -> np.ndarray:
        """The outputs for this batch as a NumPy array."""
        x = to_array(x, "predict_on_batch x")
        self._ready(x)
        return self.predict(x, batch_size=len(x), verbose=0)
