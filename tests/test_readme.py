"""The README's code blocks run as written (in a scratch directory)."""

import pathlib

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [block.split("```")[0] for block in README.read_text().split("```python")[1:]]


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_code_block_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), {})
