"""Shared setup for the example smoke tests.

The examples are scripts, not a package: run as `python examples/x.py`, each finds its
neighbours (_common.py, digits_mlp.py) because Python puts the script's folder on
sys.path. The tests import them the same way, so they call `main(argv)` in-process
(fast, and main returns the numbers it printed) instead of starting a Python per test;
what only a fresh Python shows (a missing package, the exit status, no traceback) runs
the script in a subprocess.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

SCRIPTS = sorted(path.name for path in EXAMPLES.glob("*.py") if not path.name.startswith("_"))

# the modules of the `examples` extra, which a learner who ran only `pip install -e .` lacks
EXAMPLES_EXTRA = ("sklearn", "tqdm", "matplotlib", "threadpoolctl")


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the example printed nothing"
    return lines[-1]


def run_script(name: str, *args: str, block: tuple[str, ...] = (), cwd=None) -> subprocess.CompletedProcess:
    """Run examples/<name> as a learner would, in a fresh Python, with the modules in `block` made unimportable.

    A None in sys.modules makes `import name` raise ModuleNotFoundError, as if it were not installed.
    """
    code = (
        "import runpy, sys\n"
        f"for name in {list(block)!r}:\n"
        "    sys.modules[name] = None\n"
        f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
        f"sys.argv = [{str(EXAMPLES / name)!r}, *{list(args)!r}]\n"
        f"runpy.run_path({str(EXAMPLES / name)!r}, run_name='__main__')\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd)


def option_help(help_text: str) -> dict[str, str]:
    """{'--flag': its help text} from argparse's --help output (the text after the flag and its metavar)."""
    options, current = {}, None
    in_options = False
    for line in help_text.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            in_options = line.startswith("option")  # 'options:' (3.10+) or 'optional arguments:'
            continue
        if not in_options:
            continue
        stripped = line.strip()
        if line.startswith("  -"):
            flags, _, text = stripped.partition("  ")
            current = flags.split(",")[-1].split()[0].strip()
            options[current] = text.strip()
        elif current and stripped:
            options[current] = (options[current] + " " + stripped).strip()
    return options


def axes_interior(image: np.ndarray) -> np.ndarray:
    """The pixels inside the plot's axes frame, found as the long dark lines of its spines.

    The legend sits outside the frame (see _common.save_curves), so colours found inside are curves.
    """
    dark = (image[..., :3] < 0.3).all(axis=-1)
    height, width = dark.shape
    columns = np.flatnonzero(dark.sum(axis=0) > 0.5 * height)
    rows = np.flatnonzero(dark.sum(axis=1) > 0.3 * width)
    assert len(columns) >= 2 and len(rows) >= 2, "no axes frame found in the plot"
    return image[rows.min() + 2 : rows.max() - 1, columns.min() + 2 : columns.max() - 1, :3]


def assert_curves_drawn(path: Path, n_curves: int, min_pixels: int = 30) -> None:
    """The PNG at `path` shows each of its first `n_curves` curves (colours C0, C1, ...) inside the axes.

    Read back with matplotlib's image reader: a blank canvas, empty axes or a curve that drew
    nothing (e.g. a single point without a marker) fails.
    """
    import matplotlib.image
    from matplotlib.colors import to_rgb

    assert path.is_file(), f"--plot did not write {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    inside = axes_interior(matplotlib.image.imread(str(path)))
    for index in range(n_curves):
        color = np.array(to_rgb(f"C{index}"))
        pixels = int((np.abs(inside - color).max(axis=-1) < 0.08).sum())
        assert pixels >= min_pixels, f"curve {index} (colour C{index}) drew {pixels} pixels inside the axes of {path}"


@pytest.fixture(autouse=True)
def restore_blas_threads():
    """The examples set the BLAS thread count (--blas-threads) for their process: put it back after each test."""
    from threadpoolctl import threadpool_info, threadpool_limits

    before = {pool["prefix"]: pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    yield
    for prefix, threads in before.items():
        threadpool_limits(limits={prefix: threads})


@pytest.fixture
def no_cuda():
    import minigrad as mg

    if mg.cuda_is_available():
        pytest.skip("a CUDA GPU is present: the 'no GPU' message is not shown")
