"""Shared setup for the example smoke tests.

The examples are scripts, not a package: run as `python examples/x.py`, each finds its
neighbours (_common.py, digits_mlp.py) because Python puts the script's folder on
sys.path. The tests import them the same way, so they call `main(argv)` in-process
(fast, and main returns the numbers it printed) instead of starting a Python per test.
"""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the example printed nothing"
    return lines[-1]


def assert_png(path: Path) -> None:
    assert path.is_file(), f"--plot did not write {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"


def run_script(name: str, *args: str, cwd=None) -> subprocess.CompletedProcess:
    """Run examples/<name> as a learner would, in a fresh Python."""
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


@pytest.fixture
def no_cuda():
    import minigrad as mg

    if mg.cuda_is_available():
        pytest.skip("a CUDA GPU is present: the 'no GPU' message is not shown")
