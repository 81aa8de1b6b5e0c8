"""keras.config: the float dtype of new layers and of the data fit casts to ("float32" by default).

    keras.config.set_floatx("float64")     # layers made from now on compute in float64

Keras calls it floatx; minigrad's facade reads it when a layer is made and when fit,
evaluate or predict convert NumPy inputs.
"""

from __future__ import annotations

import numpy as np

_FLOATX = "float32"
_ALLOWED = ("float16", "float32", "float64")


def floatx() -> str:
    """The default float dtype, as a string ("float32" unless set_floatx changed it)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype of new layers and of converted inputs."""
    global _FLOATX
    name = np.dtype(value).name
    if name not in _ALLOWED:
        raise ValueError(f"keras.config.set_floatx: expected one of {_ALLOWED}, got {value!r}")
    _FLOATX = name
