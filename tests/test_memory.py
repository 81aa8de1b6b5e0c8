"""`import minigrad` lets glibc keep freed NumPy buffers for reuse (backend.keep_freed_memory).

Checked by what it is for: a loop that allocates and frees the same large arrays, like a
training step, stops page-faulting after its first round. Page faults are counted, not time.
"""

import os
import subprocess
import sys

import pytest

import minigrad.backend as backend

STEPS = r"""
import resource, numpy as np
import minigrad
def step():  # 12 MiB of 1 MiB temporaries alive at once, then all freed
    arrays = [np.ones(1 << 18, np.float32) for _ in range(12)]
    return sum(float(a[0]) for a in arrays)
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(setting: str) -> int:
    env = {**os.environ, "MINIGRAD_KEEP_FREED_MEMORY": setting}
    out = subprocess.run([sys.executable, "-c", STEPS], env=env, capture_output=True, text=True,
                         check=True)
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not backend.keep_freed_memory(), reason="needs Linux with glibc's malloc")
def test_repeated_temporaries_reuse_freed_memory():
    kept, returned = _faults("1"), _faults("0")
    # 10 rounds x 12 MiB of fresh 4 KiB pages would be ~30,000 faults when memory goes back
    assert kept < 300, (kept, returned)
    assert returned > 10 * kept + 1000, (kept, returned)  # the setting is what made the difference
