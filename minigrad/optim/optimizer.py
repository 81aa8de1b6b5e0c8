"""The optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict.

An optimizer holds `param_groups`, a list of dicts. Each group has "params" (a list of
Tensors) and its own copy of every hyperparameter ("lr", "momentum", ...), filled in from
the optimizer's defaults, so that one model can train its parts at different rates:

    opt = mg.optim.SGD([{"params": body, "lr": 0.01}, {"params": head}], lr=0.1)
    opt.param_groups[1]["lr"]     # 0.1, the default

`state` maps each parameter (the Tensor itself) to a dict of what the update rule keeps
between steps (Adam: "step", "exp_avg", "exp_avg_sq"). State arrays live on the
parameter's device, so nothing crosses between CPU and GPU during training.

`state_dict()` has PyTorch's layout, with parameters replaced by their position counted
across the groups in order (Tensors cannot be saved by identity):

    {"state": {0: {"step": 3, "exp_avg": Tensor, ...}, ...},
     "param_groups": [{"lr": 0.1, ..., "params": [0, 1]}, ...]}

It can go through `mg.save` / `mg.load` and back into `load_state_dict` of a fresh optimizer
built over the same parameters in the same order.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..autograd import enable_grad
from ..backend import to_device, xp_of
from ..tensor import Tensor


class _Required:
    """Marks a hyperparameter that has no default and must be given (SGD's lr)."""

    def __repr__(self) -> str:
        return "<required>"


required = _Required()


class Optimizer:
    """Base class: subclasses pass their defaults to __init__ and implement `step()`."""

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict] = []
        name = type(self).__name__
        if isinstance(params, dict):
            raise TypeError(f"{name}: params must be a list of param-group dicts, got a single dict (wrap it: [group])")
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of param-group dicts, got a single Tensor "
                "(wrap it in a list: [w])"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters() or a list of Tensors")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- parameter groups -------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones take the defaults).

        Useful to unfreeze layers during fine-tuning: `opt.add_param_group({"params": head, "lr": 1e-4})`.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict with a 'params' key, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a param group needs a 'params' key; got keys {sorted(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            # A set's order changes from run to run, which would scramble state_dict indices.
            raise TypeError(f"{name}: params must be an ordered sequence (a list), not a set")
        params = list(params)
        if not params:
            raise ValueError(f"{name}: a param group has an empty parameter list")
        index = len(self.param_groups)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: param group {index}, parameter {i} is a {type(p).__name__}, expected a Tensor")
            if not p.requires_grad:
                raise ValueError(
                    f"{name}: param group {index}, parameter {i} (shape {tuple(p.shape)}, {p.dtype}) does not require "
                    "grad, so it would never be updated; create it with requires_grad=True or leave it out"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: param group {index}, parameter {i} (shape {tuple(p.shape)}) is not a leaf tensor: it was "
                    "computed from other tensors and step() could not update it; optimize the leaves it came from"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: param group {index} lists the same parameter more than once")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters of the new group {index} are already in another group")

        group = {"params": params}
        for key, default in self.defaults.items():
            value = param_group.get(key, default)
            if value is required:
                raise TypeError(f"{name}: param group {index} has no {key!r} and there is no default; pass {key}=...")
            group[key] = value
        for key, value in param_group.items():  # keep extra keys (e.g. a name) like PyTorch does
            group.setdefault(key, value)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    def _check_hyperparameters(self, group: dict) -> None:
        """Subclasses raise a clear error for invalid values (lr < 0, betas outside [0, 1), ...)."""
        if group["lr"] < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {group['lr']}: expected lr >= 0")

    # ---- the training loop's calls ---------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient before the next backward.

        set_to_none=True (the default, as in PyTorch) drops `.grad`, which frees memory
        and lets step() skip parameters that received no gradient; False fills it with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient. `closure`, if given, recomputes and
        returns the loss (with gradients) first; its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, p.grad.data, group, self.state.setdefault(p, {}))
        return loss

    def _update(self, param: Tensor, grad, group: dict, state: dict) -> None:
        """Apply the update rule to one parameter, in place on param.data and state."""
        raise NotImplementedError

    # ---- saving and restoring --------------------------------------------------------
    def state_dict(self) -> dict:
        """{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}.

        The state's Tensors share memory with the optimizer (as in PyTorch): save them, or
        copy them, before training on.
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            indices = []
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
                indices.append(index_of[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": indices})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index_of[id(p)]] = dict(self.state[p])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by `state_dict()` (possibly via mg.save/mg.load).

        The optimizer must have been built over parameters of the same shapes, grouped the
        same way. State arrays are copied onto each parameter's device and float dtype.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups', got {got}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} param groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        param_at: dict[int, Tensor] = {}
        for g, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: param group {g} has {len(saved['params'])} parameters in the state "
                    f"dict but {len(group['params'])} in this optimizer"
                )
            # A flag added to an optimizer after a checkpoint was written (maximize, amsgrad, ...)
            # takes its default, as PyTorch's __setstate__ does; any other missing setting is an error.
            missing = [key for key, value in self.defaults.items() if key not in saved and not isinstance(value, bool)]
            if missing:
                raise ValueError(
                    f"{name}.load_state_dict: saved param group {g} has no {missing}: was it saved by a different "
                    "kind of optimizer?"
                )
            for index, p in zip(saved["params"], group["params"]):
                param_at[int(index)] = p

        new_state: dict[Tensor, dict] = {}
        for index, saved_state in state_dict["state"].items():
            index = int(index)  # tolerate string keys from a JSON round trip
            if index not in param_at:
                raise ValueError(f"{name}.load_state_dict: state for parameter {index}, which no param group lists")
            p = param_at[index]
            new_state[p] = {key: _state_value(name, index, key, value, p) for key, value in saved_state.items()}

        self.state = new_state
        for group, saved in zip(self.param_groups, saved_groups):
            restored = {**self.defaults, **{k: v for k, v in saved.items() if k != "params"}}
            if isinstance(restored.get("betas"), list):
                restored["betas"] = tuple(restored["betas"])
            group.clear()
            group.update(restored)
            group["params"] = [param_at[int(i)] for i in saved["params"]]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {settings}")
        return "\n".join(lines + [")"])


def _state_value(optimizer: str, index: int, key: str, value, param: Tensor):
    """A saved state entry, moved onto `param`'s device; float arrays take param's dtype (as PyTorch does)."""
    if isinstance(value, (Tensor, np.ndarray)) or hasattr(value, "__cuda_array_interface__"):
        array = value.data if isinstance(value, Tensor) else value
        if array.ndim == 0 and param.ndim != 0:  # a scalar saved as an array (e.g. a step count)
            return array.item()
        if tuple(array.shape) != tuple(param.shape):
            raise ValueError(
                f"{optimizer}.load_state_dict: state {key!r} of parameter {index} has shape {tuple(array.shape)} "
                f"but the parameter has shape {tuple(param.shape)}"
            )
        array = to_device(array, param.device)
        if array.dtype.kind == "f":
            array = array.astype(param.dtype)  # astype copies: the loaded dict is never aliased
        else:
            array = xp_of(array).array(array, copy=True)
        return Tensor._wrap(array, False)
    return value


def params_with_grad(params: Iterable) -> list[Tensor]:
    """The Tensors of `params` (a Tensor or an iterable of them) that hold a gradient."""
    if isinstance(params, Tensor):
        params = [params]
    return [p for p in params if p.grad is not None]
