"""Every tutorial in docs/ runs as a doctest, so the tutorials stay true.

Tutorials 1-3 and 5 run in this process. The Triton tutorial runs in a fresh Python process
with TRITON_INTERPRET=1 set before anything imports Triton: the variable is read when
kernels are decorated, so in a process where compiled kernels were already imported
(a GPU machine) setting it later would not take effect.
"""

import doctest
import glob
import importlib.util
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import minigrad as mg

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
TUTORIALS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(DOCS, "tutorial_*.md")))
NEEDS = {  # tutorial -> modules it needs, beyond NumPy
    "tutorial_2_mlp_digits.md": ["minigrad.nn", "minigrad.optim", "minigrad.data"],
    "tutorial_3_attention_gpt.md": ["minigrad.nn", "minigrad.optim"],
    "tutorial_4_triton_kernel.md": ["triton", "torch"],
    "tutorial_5_keras.md": ["minigrad.keras", "sklearn"],
    "tutorial_7_recurrent.md": ["minigrad.nn"],
}


def missing_modules(names):
    missing = []
    for name in names:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except ImportError:
            missing.append(name)
    return missing


def run_in_this_process(path):
    ops_before = dict(mg.OPS)  # a tutorial may define an op to show how; keep the registry clean
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # tutorials plant NaNs on purpose
            return doctest.testfile(path, module_relative=False, optionflags=FLAGS, report=True)
    finally:
        mg.OPS.clear()
        mg.OPS.update(ops_before)


RUNNER = (
    "import doctest, sys\n"
    "result = doctest.testfile(sys.argv[1], module_relative=False, optionflags=int(sys.argv[2]))\n"
    "print(f'doctest: {result.failed} failed of {result.attempted}')\n"
    "sys.exit(1 if result.failed or not result.attempted else 0)\n"
)


def test_every_tutorial_is_linked_from_the_readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert TUTORIALS, "no tutorials found in docs/"
    missing = [name for name in TUTORIALS if f"docs/{name}" not in readme]
    assert not missing, f"tutorials not linked from README.md: {missing}"


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_runs_as_a_doctest(name):
    missing = missing_modules(NEEDS.get(name, []))
    if missing:
        pytest.skip(f"{name} needs {', '.join(missing)}, not installed")
    path = os.path.join(DOCS, name)
    if "triton" in name:
        env = {**os.environ, "TRITON_INTERPRET": "1"}
        done = subprocess.run([sys.executable, "-W", "ignore", "-c", RUNNER, path, str(FLAGS)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{name} failed under TRITON_INTERPRET=1:\n{done.stdout}\n{done.stderr}"
        return
    result = run_in_this_process(path)
    assert result.attempted > 0, f"{name} has no >>> examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in docs/{name} failed (output above)"


def test_viz_docstring_examples_run():
    import minigrad.viz

    result = doctest.testmod(minigrad.viz, optionflags=FLAGS)
    assert result.attempted > 0 and result.failed == 0
