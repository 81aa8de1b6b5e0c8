"""Project-wide test setup: tests marked `gpu` are skipped where no CUDA device is usable."""

import pytest


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    import minigrad as mg

    if mg.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="no CUDA device (or CuPy) on this machine")
    for item in gpu_items:
        item.add_marker(skip)
