"""The global random number generator behind randn, rand, dropout and weight initialisation.

Numbers are drawn on the CPU with NumPy's PCG64 and moved to the device, so the
same seed gives the same tensors on every device. The one exception is `uniform`, which
dropout calls at every step: on the GPU it draws on the device (from a CuPy generator
seeded from this one), so a mask is never made on the host and copied over. Those draws
are reproducible per seed but differ from the CPU's, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()
_device_generators: dict = {}  # array-module name -> its generator, seeded from _generator


def manual_seed(seed: int) -> None:
    """Seed minigrad's generator (randn, rand, dropout, layer initialisation)."""
    global _generator
    _generator = np.random.default_rng(seed)
    _device_generators.clear()  # re-seeded from the new generator on their next use


def generator() -> np.random.Generator:
    """The NumPy generator minigrad draws from."""
    return _generator


def uniform(xp, shape) -> "np.ndarray":
    """float32 samples in [0, 1) on xp's device (NumPy: minigrad's generator; CuPy: a
    device generator seeded from it on first use after each manual_seed)."""
    if xp is np:
        return _generator.random(shape, dtype=np.float32)
    device_generator = _device_generators.get(xp.__name__)
    if device_generator is None:
        seed = int(_generator.integers(2**63))
        device_generator = _device_generators[xp.__name__] = xp.random.RandomState(seed)
    return device_generator.random_sample(shape, dtype=xp.float32)
