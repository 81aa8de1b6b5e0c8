"""Which implementation runs: a small registry of op -> {implementation name -> module}.

Every op has "numpy" (kernels.reference, which also runs on CuPy arrays); some also have
"triton" (kernels/triton/) and "cupy" (kernels/cupy/). Modules are imported on first use, so
`import kernels` needs NumPy alone.

Default choice: NumPy arrays run "numpy"; CuPy arrays run the op's GPU preference when its
library is importable and, for Triton, its driver reaches the GPU (checked once), else the
reference on CuPy. A choice can be forced:

    kernels.use("softmax", "triton")            # until kernels.use("softmax", None)
    with kernels.use("matmul", "numpy"): ...    # restored on exit
    MINIGRAD_KERNELS="softmax=triton,matmul=numpy" python train.py

`kernels.chosen(op, array)` names what will run for that array.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import warnings

from ._arrays import is_cupy

# op -> {implementation -> module path}; every module defines the op's public functions.
REGISTRY: dict[str, dict[str, str]] = {
    "matmul": {"numpy": "kernels.reference", "triton": "kernels.triton.matmul"},
    "softmax": {"numpy": "kernels.reference", "triton": "kernels.triton.softmax",
                "cupy": "kernels.cupy.softmax"},
    "log_softmax": {"numpy": "kernels.reference", "triton": "kernels.triton.softmax"},
    "cross_entropy": {"numpy": "kernels.reference", "triton": "kernels.triton.cross_entropy"},
    "layer_norm": {"numpy": "kernels.reference", "triton": "kernels.triton.layer_norm"},
    "attention": {"numpy": "kernels.reference", "triton": "kernels.triton.attention"},
    "gelu": {"numpy": "kernels.reference", "cupy": "kernels.cupy.gelu"},
    "adam_update": {"numpy": "kernels.reference", "cupy": "kernels.cupy.adam"},
    "lstm_cell": {"numpy": "kernels.reference", "triton": "kernels.triton.recurrent"},
    "gru_cell": {"numpy": "kernels.reference", "triton": "kernels.triton.recurrent"},
    "rnn_cell": {"numpy": "kernels.reference", "triton": "kernels.triton.recurrent"},
}

# What a CuPy array runs by default, per op (falls back to "numpy" when unavailable).
GPU_PREFERENCE = {
    "matmul": "triton", "softmax": "triton", "log_softmax": "triton",
    "cross_entropy": "triton", "layer_norm": "triton", "attention": "triton",
    "gelu": "cupy", "adam_update": "cupy",
    "lstm_cell": "triton", "gru_cell": "triton", "rnn_cell": "triton",
}

# The library each implementation needs; "numpy" needs nothing beyond NumPy.
_REQUIRES = {"triton": ("triton",), "cupy": ("cupy",)}

_forced: dict[str, str] = {}


def op_name(op: str) -> str:
    """Accept an op ("softmax") or one of its functions ("softmax_fwd", "softmax_bwd")."""
    name = op
    if name not in REGISTRY:
        for suffix in ("_fwd", "_bwd"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
    if name == "adam":
        name = "adam_update"
    if name not in REGISTRY:
        raise ValueError(f"kernels: unknown op {op!r}; ops are {sorted(REGISTRY)}")
    return name


def _installed(impl: str) -> bool:
    return all(importlib.util.find_spec(lib) is not None for lib in _REQUIRES.get(impl, ()))


def _triton_finds_gpu() -> None:
    """Raise unless Triton's active driver can name the current GPU."""
    from triton.runtime import driver

    driver.active.get_current_device()


_gpu_ready: dict[str, bool] = {}  # impl -> can it launch on the GPU here (probed once)


def _reaches_gpu(impl: str) -> bool:
    """Installed, and (for Triton) its driver can find the GPU. Some Triton versions (3.6)
    take the device and stream from torch.cuda: with a CPU-only PyTorch every launch would
    fail, so the default falls back to the reference instead, with one warning."""
    if impl not in _gpu_ready:
        ready = _installed(impl)
        if ready and impl == "triton":
            try:
                _triton_finds_gpu()
            except Exception as error:  # noqa: BLE001 - any failure means: cannot launch
                ready = False
                warnings.warn(f"kernels: Triton is installed but cannot launch on the GPU "
                              f"({type(error).__name__}: {error}); CuPy arrays run the NumPy "
                              f"reference and CuPy kernels instead", RuntimeWarning, stacklevel=3)
        _gpu_ready[impl] = ready
    return _gpu_ready[impl]


def implementations(op: str) -> list[str]:
    """Every implementation written for `op`, installed or not."""
    return list(REGISTRY[op_name(op)])


def available(op: str) -> list[str]:
    """The implementations of `op` whose libraries are importable on this machine.

    >>> available("gelu")[0]
    'numpy'
    """
    return [impl for impl in REGISTRY[op_name(op)] if _installed(impl)]


class _Use:
    """Returned by `use`: the choice is already made; as a context manager it is undone on exit."""

    def __init__(self, op: str, previous: str | None):
        self.op, self.previous = op, previous

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self.op, self.previous)
        return False


def _set(op: str, impl: str | None) -> None:
    if impl is None:
        _forced.pop(op, None)
    else:
        _forced[op] = impl


def use(op: str, impl: str | None) -> _Use:
    """Force `impl` for `op` (None resets to the default); usable as a context manager."""
    op = op_name(op)
    if impl is not None and impl not in REGISTRY[op]:
        raise ValueError(f"kernels.use: op {op!r} has no {impl!r} implementation; "
                         f"written: {implementations(op)}")
    previous = _forced.get(op)
    _set(op, impl)
    return _Use(op, previous)


def forced(op: str) -> str | None:
    """The forced implementation of `op`, or None when the default applies."""
    return _forced.get(op_name(op))


def chosen(op: str, array) -> str:
    """The implementation `op` will run for `array` (a NumPy or CuPy array).

    A GPU kernel may still hand a call it does not support (say, a head dim above 128)
    to the reference; `chosen` reports the device-level choice.
    """
    op = op_name(op)
    if op in _forced:
        return _forced[op]
    if is_cupy(array):
        preferred = GPU_PREFERENCE.get(op, "numpy")
        if preferred in REGISTRY[op] and _reaches_gpu(preferred):
            return preferred
    return "numpy"


_module_cache: dict = {}  # (op, on GPU?, forced choice) -> module: the decision is made once


def module_for(op: str, array):
    """The module implementing `op` for `array` (looked up once per op, device and forced
    choice, since this runs on every kernel call)."""
    key = (op, is_cupy(array), _forced.get(op))
    module = _module_cache.get(key)
    if module is None:
        module = _module_cache[key] = _load_module(op, array)
    return module


def _load_module(op: str, array):
    """Import and return the module implementing `op` for `array`, with a clear error when
    the forced implementation cannot run here."""
    op = op_name(op)
    impl = chosen(op, array)
    missing = [lib for lib in _REQUIRES.get(impl, ()) if importlib.util.find_spec(lib) is None]
    if missing:
        raise RuntimeError(f"kernels: op {op!r} is set to {impl!r}, but {', '.join(missing)} "
                           f"is not installed; install it or call kernels.use({op!r}, None)")
    if impl == "triton" and not is_cupy(array) and not _interpreting():
        raise RuntimeError(f"kernels: op {op!r} is set to 'triton' on a NumPy array; that needs "
                           f"the Triton interpreter (TRITON_INTERPRET=1, set before the first "
                           f"Triton kernel is imported) or a CuPy array on a GPU")
    if impl == "cupy" and not is_cupy(array):
        raise RuntimeError(f"kernels: op {op!r} is set to 'cupy' but got a NumPy array; move the "
                           f"data to the GPU or call kernels.use({op!r}, None)")
    try:
        return importlib.import_module(REGISTRY[op][impl])
    except ImportError as error:
        raise RuntimeError(f"kernels: op {op!r} could not load its {impl!r} implementation "
                           f"({error})") from error


def parse_env(text: str) -> dict[str, str]:
    """Parse MINIGRAD_KERNELS ("softmax=triton,matmul=numpy") into {op: impl}."""
    choices = {}
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        op, sep, impl = item.partition("=")
        if not sep:
            raise ValueError(f"MINIGRAD_KERNELS: expected op=impl, got {item!r}")
        op, impl = op_name(op.strip()), impl.strip()
        if impl not in REGISTRY[op]:
            raise ValueError(f"MINIGRAD_KERNELS: op {op!r} has no {impl!r} implementation; "
                             f"written: {implementations(op)}")
        choices[op] = impl
    return choices


def load_env() -> None:
    """Apply MINIGRAD_KERNELS (called once at import)."""
    _forced.update(parse_env(os.environ.get("MINIGRAD_KERNELS", "")))


def _interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0").strip().lower() in ("1", "true", "on", "yes")
