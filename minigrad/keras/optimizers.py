"""Keras's optimizers by name and argument, each a recipe for a minigrad.optim optimizer.

`compile(optimizer="adam")` or `compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3))`
records Keras's hyperparameters; once the model is built, `build(weights)` makes the
minigrad optimizer over its trainable weights, kept as `.core`:

    keras.optimizers.SGD(learning_rate=0.01, momentum=0.0, nesterov=False)  -> mg.optim.SGD
    keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)
                                                                               -> mg.optim.Adam
    keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.004, ...)       -> mg.optim.AdamW
    keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)
                                                                               -> mg.optim.RMSprop
    keras.optimizers.Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)
                                                                               -> mg.optim.Adagrad

Keras's defaults are kept. The update rules are PyTorch's (they are minigrad's), which place
epsilon slightly differently from Keras: Adam adds it to sqrt(v_hat) where Keras adds it to
sqrt(v) (so Keras's effective epsilon is eps * sqrt(1 - beta_2^t)); RMSprop and Adagrad add it
after the square root where Keras adds it inside. With a gradient much larger than epsilon
the steps agree; with SGD (and momentum, at a constant rate) they are the same rule.

An mg.optim optimizer can also be passed to compile as it is, built over the model's weights.
`learning_rate` reads and sets every param group's "lr" (callbacks use it). weight_decay is
Keras's decoupled decay (p -= lr * wd * p before each step): Adam and AdamW only.
clipnorm / clipvalue / global_clipnorm clip the gradients before each step with
mg.optim.clip_grad_norm_ / clip_grad_value_ (clipnorm per weight, global_clipnorm jointly).
"""

from __future__ import annotations

from .. import optim


class Optimizer:
    """Base class: Keras's arguments now, the minigrad optimizer (`core`) once `build` is called."""

    def __init__(self, learning_rate: float, weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None, name: str | None = None):
        if callable(learning_rate) or not isinstance(learning_rate, (int, float)):
            raise TypeError(
                f"{type(self).__name__}: learning_rate must be a number (schedules are not supported by "
                "minigrad.keras: use keras.callbacks.LearningRateScheduler or mg.optim.lr_scheduler)"
            )
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(f"{type(self).__name__}: give clipnorm or global_clipnorm, not both")
        self._learning_rate = float(learning_rate)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__.lower()
        self.core: optim.Optimizer | None = None
        self.iterations = 0

    def _make(self, params: list) -> optim.Optimizer:
        raise NotImplementedError

    def build(self, variables) -> None:
        """Make the minigrad optimizer over `variables` (the model's trainable weights)."""
        params = list(variables)
        if not params:
            raise ValueError(f"{type(self).__name__}.build: the model has no trainable weights to optimize")
        self.core = self._make(params)
        self.learning_rate = self._learning_rate

    @property
    def built(self) -> bool:
        """Whether build() has made the minigrad optimizer."""
        return self.core is not None

    @property
    def learning_rate(self) -> float:
        """The current learning rate (the first param group's)."""
        return self.core.param_groups[0]["lr"] if self.core is not None else self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = float(value)
        if self.core is not None:
            for group in self.core.param_groups:
                group["lr"] = float(value)

    def zero_grad(self) -> None:
        """Drop the gradients of the weights (before the next backward)."""
        self.core.zero_grad()

    def apply(self) -> None:
        """Clip the gradients if asked, then one step of the minigrad optimizer."""
        if self.clipvalue is not None or self.clipnorm is not None or self.global_clipnorm is not None:
            self._clip([p for group in self.core.param_groups for p in group["params"]])
        self.core.step()
        self.iterations += 1

    def _clip(self, params: list) -> None:
        if self.clipvalue is not None:
            optim.clip_grad_value_(params, self.clipvalue)
        if self.clipnorm is not None:
            for p in params:
                optim.clip_grad_norm_([p], self.clipnorm)
        if self.global_clipnorm is not None:
            optim.clip_grad_norm_(params, self.global_clipnorm)

    def _decay_only_for_adam(self) -> None:
        if self.weight_decay:
            raise ValueError(
                f"{type(self).__name__}: weight_decay is not supported here: Keras decays the weights directly "
                "(p -= lr * wd * p), which minigrad's optimizers do for Adam/AdamW only; use keras.optimizers.AdamW"
            )

    def get_config(self) -> dict:
        """The Keras arguments of this optimizer."""
        return {k: v for k, v in vars(self).items() if k not in ("core", "iterations") and not k.startswith("_")} | {
            "learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} learning_rate={self.learning_rate}>"


class SGD(Optimizer):
    """SGD(learning_rate=0.01, momentum=0.0, nesterov=False) -> mg.optim.SGD."""

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum, self.nesterov = momentum, nesterov
        self._decay_only_for_adam()

    def _make(self, params):
        return optim.SGD(params, lr=self.learning_rate, momentum=self.momentum, nesterov=self.nesterov)


class Adam(Optimizer):
    """Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False) -> mg.optim.Adam."""

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def _make(self, params):
        return optim.Adam(params, lr=self.learning_rate, betas=(self.beta_1, self.beta_2), eps=self.epsilon,
                          amsgrad=self.amsgrad, weight_decay=self.weight_decay or 0.0, decoupled_weight_decay=True)


class AdamW(Adam):
    """AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7) -> mg.optim.AdamW."""

    def __init__(self, learning_rate: float = 0.001, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, **kwargs)

    def _make(self, params):
        return optim.AdamW(params, lr=self.learning_rate, betas=(self.beta_1, self.beta_2), eps=self.epsilon,
                           amsgrad=self.amsgrad, weight_decay=self.weight_decay)


class RMSprop(Optimizer):
    """RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False) -> mg.optim.RMSprop."""

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered
        self._decay_only_for_adam()

    def _make(self, params):
        return optim.RMSprop(params, lr=self.learning_rate, alpha=self.rho, eps=self.epsilon, momentum=self.momentum,
                             centered=self.centered)


class Adagrad(Optimizer):
    """Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7) -> mg.optim.Adagrad."""

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon
        self._decay_only_for_adam()

    def _make(self, params):
        return optim.Adagrad(params, lr=self.learning_rate, initial_accumulator_value=self.initial_accumulator_value,
                             eps=self.epsilon)


class _Prebuilt(Optimizer):
    """An mg.optim optimizer given to compile directly: it already has its weights."""

    def __init__(self, core: optim.Optimizer):
        super().__init__(core.param_groups[0]["lr"], name=type(core).__name__.lower())
        self.core = core
        self._checked = False

    @property
    def built(self) -> bool:
        """Whether build() has checked the optimizer against the model's weights."""
        return self._checked

    def build(self, variables) -> None:
        """Nothing to make: check that the optimizer holds the model's trainable weights."""
        held = {id(p) for group in self.core.param_groups for p in group["params"]}
        missing = [p for p in variables if id(p) not in held]
        if missing:
            raise ValueError(
                f"compile: the {type(self.core).__name__} given holds {len(held)} tensors but not {len(missing)} of "
                "the model's trainable weights; build it over model.trainable_weights (build the model first)"
            )
        self._checked = True


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier) -> Optimizer:
    """An Optimizer from a name ("adam", "sgd", ...), a keras Optimizer, or an mg.optim optimizer."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, optim.Optimizer):
        return _Prebuilt(identifier)
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"keras.optimizers.get: unknown optimizer {identifier!r}; minigrad.keras has {sorted(_BY_NAME)}, "
                     "an instance of one, or any mg.optim optimizer")
