"""What every script in examples/ owes a newcomer, checked for each one (a new script is picked up by itself):
every option explained with its default, nonsense refused with a message, one clear message naming the
install command when optional packages are missing, and a row in both READMEs' tables."""

import importlib
import re
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, EXAMPLES_EXTRA, SCRIPTS, option_help, run_script

import _common

README = EXAMPLES.parent / "README.md"


def example(script: str):
    return importlib.import_module(Path(script).stem)


def test_the_examples_are_found():
    assert {"digits_mlp.py", "breast_cancer.py", "sort_transformer.py", "char_gpt.py", "mnist_mlp.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_explains_every_option_and_its_default(script, capsys):
    with pytest.raises(SystemExit) as exit_info:
        example(script).main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    options = option_help(text)
    parser = example(script).build_parser()
    flags = {action.option_strings[-1] for action in parser._actions if action.option_strings}
    assert set(options) == flags, f"--help lists {sorted(options)}, the parser has {sorted(flags)}"
    for flag, explanation in options.items():
        if flag == "--help":
            continue
        assert len(explanation) > 10, f"{script} {flag}: no help text ({explanation!r})"
        assert "default" in explanation, f"{script} {flag}: the help does not show the default ({explanation!r})"


NONSENSE = [
    (["--device", "tpu"], "--device"),
    (["--seed", "-1"], "--seed"),
    (["--batch-size", "0"], "--batch-size"),
    (["--lr", "-0.1"], "--lr"),
    (["--lr", "nan"], "--lr"),
    (["--epochs", "0"], "--epochs"),
    (["--steps", "-5"], "--steps"),
    (["--plot", "/no/such/folder/loss.png"], "--plot"),
    (["--plot", "loss.txt"], "--plot"),
]


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("argv, flag", NONSENSE, ids=[" ".join(argv) for argv, _ in NONSENSE])
def test_nonsense_is_refused_with_a_message_naming_the_option(script, argv, flag, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if flag not in option_help(example(script).build_parser().format_help()):
        pytest.skip(f"{script} has no {flag}")
    with pytest.raises(SystemExit) as exit_info:
        example(script).main(argv)
    assert exit_info.value.code == 2  # argparse's status for a usage error
    err = capsys.readouterr().err
    assert flag in err and "usage:" in err
    assert not list(tmp_path.iterdir()), "a refused run left a file behind"


@pytest.mark.parametrize("script", SCRIPTS)
def test_missing_extras_give_one_message_with_the_install_command(script, tmp_path):
    result = run_script(script, "--plot", str(tmp_path / "curves.png"), block=EXAMPLES_EXTRA, cwd=EXAMPLES.parent)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == "", "work started before the missing packages were reported"
    assert result.stderr.count("pip install") == 1
    assert 'pip install -e ".[examples]"' in result.stderr
    needed = {requirement.package for requirement in example(script).build_parser().needs} | {"matplotlib"}
    for package in needed:  # every missing one named at once, not one per restart
        assert package in result.stderr, f"{package} is not named:\n{result.stderr}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_cuda_without_cupy_names_the_gpu_extra(script, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(SystemExit) as exit_info:
        example(script).main(["--device", "cuda"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "cupy" in err and "--device cuda" in err
    assert re.search(r'pip install -e "\.\[gpu\]"', err) and "gpu-cuda12" in err


@pytest.mark.parametrize("script", SCRIPTS)
def test_both_readmes_list_the_example_with_its_numbers(script):
    for readme in (EXAMPLES / "README.md", README):
        rows = [line for line in readme.read_text(encoding="utf-8").splitlines()
                if line.startswith("|") and script in line]
        assert rows, f"{readme} has no table row for {script}"
        assert re.search(r"\d+(\.\d+)? (s|min)\b", rows[0]), f"{readme}: the row for {script} gives no wall time"


def test_an_option_that_needs_a_package_declares_it(capsys, monkeypatch):
    parser = _common.example_parser("An example.")
    parser.add_argument("--distributed", action="store_true", help="train on several processes", needs=_common.MPI4PY)
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # as if mpi4py were not installed
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", None)  # (even if an earlier test imported it)
    assert not parser.parse_args([]).distributed  # not asked for: not needed
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--distributed"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "mpi4py (for --distributed): not installed" in err
    # the `distributed` extra where this minigrad declares one, else the package itself
    assert 'pip install -e ".[distributed]"' in err or "pip install mpi4py" in err
