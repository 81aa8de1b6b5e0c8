"""The global random number generator behind randn, rand, dropout and weight initialisation.

Numbers are drawn on the CPU with NumPy's PCG64 and moved to the device, so the
same seed gives the same tensors on every device.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed minigrad's generator (randn, rand, dropout, layer initialisation)."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The NumPy generator minigrad draws from."""
    return _generator
