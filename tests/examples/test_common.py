"""examples/_common.py: the install command for each way minigrad can be installed, the package check,
the argument types, the help formatter's rules, the labels and the plot's scale."""

import argparse
import json

import numpy as np
import pytest

from .conftest import EXAMPLES, assert_curves_drawn

import _common
from _common import Requirement


@pytest.fixture
def installed_from(monkeypatch):
    """Pretend minigrad was installed from a checkout, a local folder or the index."""
    def pretend(root=None, source=None, extras=("examples", "gpu", "gpu-cuda12", "test")):
        monkeypatch.setattr(_common, "checkout_root", lambda: root)
        monkeypatch.setattr(_common, "local_source", lambda: source)
        monkeypatch.setattr(_common, "known_extras", lambda: set(extras))
    return pretend


def test_from_a_checkout_the_command_is_an_editable_install_of_the_extra(installed_from, tmp_path, monkeypatch):
    installed_from(root=tmp_path)
    monkeypatch.chdir(tmp_path)
    assert _common.install_command([_common.SCIKIT_LEARN, _common.TQDM]) == 'pip install -e ".[examples]"'
    monkeypatch.chdir(EXAMPLES)  # elsewhere: the command also says where to run it
    assert f"run it in {tmp_path}" in _common.install_command([_common.TQDM])


def test_from_the_index_the_command_names_minigrad_with_its_extras(installed_from):
    installed_from()
    assert _common.install_command([_common.MATPLOTLIB, _common.CUPY]).splitlines()[0] == \
        'pip install "minigrad[examples,gpu]"'


def test_from_a_local_folder_the_command_points_at_it(installed_from, tmp_path):
    installed_from(source=tmp_path)
    assert _common.install_command([_common.TQDM]) == f'pip install "{tmp_path}[examples]"'


def test_a_package_without_a_declared_extra_is_named_directly(installed_from):
    installed_from(extras=("examples",))  # a minigrad whose metadata has no `distributed` extra
    assert _common.install_command([_common.MPI4PY, _common.TQDM]).splitlines() == \
        ['pip install "minigrad[examples]"', "pip install mpi4py"]


def test_this_checkout_is_recognised_and_an_installed_copy_is_not(tmp_path):
    assert _common.checkout_root() == EXAMPLES.parent
    site = tmp_path / "site-packages"
    (site / "minigrad").mkdir(parents=True)
    assert _common.checkout_root(str(site / "minigrad" / "__init__.py")) is None
    other = tmp_path / "other"
    (other / "minigrad").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    assert _common.checkout_root(str(other / "minigrad" / "__init__.py")) is None


@pytest.mark.parametrize("record, expected", [
    ({"url": "file:///home/me/minigrad", "dir_info": {"editable": True}}, "/home/me/minigrad"),
    ({"url": "file:///home/me/my%20code", "dir_info": {}}, "/home/me/my code"),
    ({"url": "file:///tmp/minigrad-0.1.0.tar.gz", "archive_info": {}}, None),
    ({"url": "https://github.com/x/minigrad", "vcs_info": {"vcs": "git"}}, None),
])
def test_direct_url_json_gives_the_local_folder_or_none(record, expected):
    source = _common.local_source(json.dumps(record))
    assert (None if source is None else str(source)) == expected


def test_a_missing_module_and_a_broken_one_are_told_apart(tmp_path, monkeypatch):
    (tmp_path / "minigrad_broken_example_module.py").write_text("import minigrad_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    absent = Requirement("minigrad_no_such_module", "absent-package", "examples", "nothing")
    broken = Requirement("minigrad_broken_example_module", "broken-package", "examples", "nothing")
    problems = dict((r.package, what) for r, what in _common.find_missing([absent, broken, absent]))
    assert problems["absent-package"] == "not installed"
    assert problems["broken-package"].startswith("fails to import") and "minigrad_no_such_dependency" in \
        problems["broken-package"]
    assert len(problems) == 2  # a requirement named twice is reported once


@pytest.mark.parametrize("kind, good, bad", [
    (_common.positive_int, ("1", "64"), ("0", "-3", "1.5", "x")),
    (_common.nonnegative_int, ("0", "7"), ("-1", "two")),
    (_common.positive_float, ("1e-3", "2"), ("0", "-1", "inf", "nan", "x")),
    (_common.nonnegative_float, ("0", "0.1"), ("-0.1", "inf")),
    (_common.probability, ("0", "0.5"), ("1", "-0.1", "1.5")),
    (_common.device_name, ("cpu", "cuda", "cuda:1"), ("gpu", "cuda:", "CPU", "tpu")),
])
def test_argument_types_accept_and_refuse(kind, good, bad):
    for text in good:
        kind(text)
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match="expected"):
            kind(text)


def test_output_file_is_checked_without_leaving_a_file(tmp_path):
    path = tmp_path / "curves.png"
    assert _common.output_file(str(path)) == str(path) and not path.exists()
    path.write_bytes(b"kept")
    _common.output_file(str(path))
    assert path.read_bytes() == b"kept"  # an existing file is not truncated by the check
    for unwritable in (tmp_path / "no" / "such" / "dir.png", tmp_path):  # no folder; a folder, not a file
        with pytest.raises(argparse.ArgumentTypeError, match="cannot write"):
            _common.output_file(str(unwritable))


def test_every_option_needs_a_help_text_and_a_stated_default():
    parser = _common.example_parser("An example.")
    with pytest.raises(TypeError, match="help text"):
        parser.add_argument("--width", type=int, default=3)
    with pytest.raises(TypeError, match="what happens without it"):
        parser.add_argument("--text", help="a file to read")
    parser.add_argument("--text", help="a file to read (default: the bundled one)")
    parser.add_argument("--verbose", action="store_true", help="say more")
    text = " ".join(parser.format_help().split())
    assert "say more (default: off)" in text and "a file to read (default: the bundled one)" in text
    assert "(default: 1)" in text  # --blas-threads


def test_checks_across_options_come_before_the_package_check(capsys):
    parser = _common.example_parser("An example.", needs=[Requirement("minigrad_no_such_module", "p", "examples", "x")])
    parser.add_argument("--low", type=int, default=1, help="low end")
    parser.add_argument("--high", type=int, default=2, help="high end")
    parser.add_check(lambda a: "--low is above --high" if a.low > a.high else None)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--low", "3"])
    assert exit_info.value.code == 2 and "--low is above --high" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args([])
    assert exit_info.value.code == 1 and "p (for x): not installed" in capsys.readouterr().err


def test_blas_threads_are_set_for_the_process():
    from threadpoolctl import threadpool_info

    _common.example_parser("An example.").parse_args(["--blas-threads", "1"])
    assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {1}


def test_means_say_how_many_values_they_average():
    assert _common.mean_of([1.0, 2.0, 3.0], "batch") == "2.0000 (mean of 3 batches)"
    assert _common.mean_of([0.5], "step") == "0.5000 (mean of 1 step)"
    assert _common.mean_of([1, 2], "step") == "1.5000 (mean of 2 steps)"


def test_log_scale_when_values_span_a_decade():
    assert _common.spans_decades([2.3, 0.1, 0.01])
    assert not _common.spans_decades([2.3, 1.1, 0.5])
    assert not _common.spans_decades([1.0, 0.0, -1.0])  # no log scale for values <= 0
    assert not _common.spans_decades([])


def test_curves_of_one_point_and_of_many_points_are_all_drawn(tmp_path):
    steps = np.arange(1, 501)
    curves = {"train": (steps, 2.0 / np.sqrt(steps) + 0.01 * np.random.default_rng(0).random(500)),
              "validation": ([500], [0.2])}
    _common.save_curves(str(tmp_path / "c.png"), curves, title="t", xlabel="step")
    assert_curves_drawn(tmp_path / "c.png", 2)
