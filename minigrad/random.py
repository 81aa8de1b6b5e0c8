"""The global random number generator behind randn, rand, dropout and weight initialisation.

Numbers are drawn on the CPU with NumPy's PCG64 and moved to the device, so the
same seed gives the same tensors on every device. The one exception is `uniform`, which
dropout calls at every step: on the GPU it draws on the device, so a mask is never made on
the host and copied over. Each call takes one integer from this generator and seeds a
counter-based (Philox) device generator with it, so the device's draws follow from this
generator's state: manual_seed reproduces them, and a checkpoint of this state resumes
them exactly. They differ from the CPU's draws (as in PyTorch), and so do the host draws
that come after them, since a GPU mask takes one number from here where a CPU mask takes
one per element.
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


def uniform(xp, shape) -> "np.ndarray":
    """float32 samples in [0, 1) on xp's device (NumPy: from minigrad's generator; CuPy: from
    a Philox generator seeded by one draw of it, see the module docstring)."""
    if xp is np:
        return _generator.random(shape, dtype=np.float32)
    seed = int(_generator.integers(2**63))
    philox = xp.cuda.curand.CURAND_RNG_PSEUDO_PHILOX4_32_10  # seeding it costs little
    device_generator = xp.random.RandomState(seed, method=philox)
    return device_generator.random_sample(shape, dtype=xp.float32)
