"""Rules the Triton sources follow so that they compile on every Triton version minigrad
supports (3.6 on the GPU machines we target, the newest from pip here), checked on the
source itself: CI has no GPU and runs only the newest Triton."""

import ast
import pathlib

import pytest

TRITON_DIR = pathlib.Path(__file__).resolve().parents[2] / "kernels" / "triton"


def _dot_calls():
    for path in sorted(TRITON_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "dot" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "tl"):
                yield path.name, node


def test_the_triton_sources_have_dot_products():
    assert len(list(_dot_calls())) >= 5  # matmul and attention: the rule below checks something


@pytest.mark.parametrize("name,node", list(_dot_calls()),
                         ids=lambda v: v if isinstance(v, str) else f"line{v.lineno}")
def test_every_dot_with_an_accumulator_names_its_out_dtype(name, node):
    """Triton 3.6's tl.dot defaults out_dtype to float32 and asserts that the accumulator has
    that dtype, so a float64 accumulator fails to compile unless out_dtype says float64 (newer
    Triton takes the accumulator's dtype)."""
    keywords = {k.arg for k in node.keywords}
    if len(node.args) >= 3 or "acc" in keywords:
        assert "out_dtype" in keywords, f"{name}:{node.lineno}: tl.dot(..., acc) without out_dtype="
