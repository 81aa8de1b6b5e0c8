"""Array helpers shared by every backend: which array module, which dtype to compute in,
and one place that allocates outputs (so tests can poison them with NaN).

Nothing here imports cupy unless the array handed in is already a cupy array.
"""
from __future__ import annotations

import numpy as np

# When True, every output allocated through `empty` is filled with NaN first (integers with
# their minimum), so a kernel that forgets to write an element is caught by the tests.
POISON_OUTPUTS = False

FLOAT_DTYPES = (np.float16, np.float32, np.float64)


class Unsupported(ValueError):
    """Raised by a GPU kernel that cannot take an input (a dtype, a head dim too large).
    The dispatcher then runs the reference instead, unless the user forced that kernel."""


def get_xp(array):
    """Return the array module (numpy or cupy) that owns `array`.

    Looking at the type's module avoids importing cupy for NumPy arrays, which keeps
    `import kernels` cheap on machines where cupy is installed but no GPU is present.
    """
    if type(array) is np.ndarray:  # the CPU hot path: one identity test
        return np
    if is_cupy(array):
        import cupy

        return cupy
    return np


def is_cupy(array) -> bool:
    """True for a CuPy array (decided from the type, without importing cupy)."""
    return (type(array) is not np.ndarray and not isinstance(array, np.ndarray)
            and type(array).__module__.startswith("cupy"))


F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)


def compute_dtype(dtype) -> np.dtype:
    """The dtype a NumPy/CuPy reference computes in: float16 widens to float32."""
    if dtype is F32 or dtype is F64:  # already a compute dtype: skip np.dtype()
        return dtype
    dtype = np.dtype(dtype)
    return F32 if dtype == F16 else dtype


def stats_dtype(dtype) -> np.dtype:
    """The dtype of saved statistics (lse, mean, rstd): float64 for float64, else float32."""
    return F64 if dtype is F64 or np.dtype(dtype) == F64 else F32


def empty(xp, shape, dtype):
    """Allocate an output; filled with NaN when POISON_OUTPUTS is set (for tests)."""
    out = xp.empty(shape, dtype=dtype)
    if POISON_OUTPUTS:
        dtype = np.dtype(dtype)
        if dtype.kind == "f":
            out.fill(np.nan)
        elif dtype.kind in "iu":
            out.fill(np.iinfo(dtype).min)
    return out


def describe(name: str, array) -> str:
    """'x: float32[4, 8] (numpy)' for error messages."""
    shape = getattr(array, "shape", None)
    dtype = getattr(array, "dtype", type(array).__name__)
    module = type(array).__module__.split(".")[0]
    dims = ", ".join(str(s) for s in shape) if shape is not None else "?"
    return f"{name}: {dtype}[{dims}] ({module})"


def check_float(op: str, **arrays) -> None:
    """Raise TypeError naming `op` when any array is not a floating-point array."""
    for name, array in arrays.items():
        if array is None:
            continue
        dtype = getattr(array, "dtype", None)
        if dtype is None or not hasattr(array, "shape"):
            raise TypeError(f"{op}: {name} must be a numpy or cupy array, "
                            f"got {type(array).__name__}")
        if dtype.kind != "f" and np.dtype(dtype).kind != "f":
            raise TypeError(f"{op}: {name} must be a floating-point array, "
                            f"got {describe(name, array)}")


def check_same_module(op: str, **arrays) -> None:
    """Raise TypeError when numpy and cupy arrays are mixed in one call."""
    kinds = {is_cupy(a) for a in arrays.values() if a is not None}
    if len(kinds) > 1:
        modules = {name: type(a).__module__.split(".")[0] for name, a in arrays.items() if a is not None}
        listing = ", ".join(f"{n} is {m}" for n, m in modules.items())
        raise TypeError(f"{op}: arrays live on different devices ({listing}); "
                        f"move them to one device")
