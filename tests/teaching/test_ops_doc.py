"""docs/ops.md is generated from the op registry: it must be current, and every op's
docstring must give its forward formula and its gradient."""

import difflib
import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_ops_doc", os.path.join(ROOT, "scripts", "gen_ops_doc.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load_generator()


def test_docs_ops_md_is_up_to_date():
    expected = gen.render()
    with open(gen.OUTPUT) as f:
        current = f.read()
    if current != expected:
        diff = "".join(difflib.unified_diff(current.splitlines(True), expected.splitlines(True),
                                            "docs/ops.md (checked in)", "docs/ops.md (from the registry)", n=1))
        pytest.fail(f"docs/ops.md is out of date: run `{gen.COMMAND}` and commit the result.\n"
                    + "\n".join(diff.splitlines()[:40]))


def test_every_op_has_a_docstring_with_its_gradient():
    ops = gen.import_all_ops()
    assert "MatMul" in ops and "Add" in ops
    missing = []
    for name, op in sorted(ops.items()):
        forward, gradient = gen.formulas(op)
        if not forward:
            missing.append(f"{name} ({op.__module__}): no docstring")
        elif op.differentiable and not gradient:
            missing.append(f"{name} ({op.__module__}): no gradient formula (write 'forward;  dx = ...' "
                           "on the summary line, or a 'dx = ...' line below it)")
    assert not missing, "ops whose docstring lacks its math:\n  " + "\n  ".join(missing)


class _Op:
    differentiable = True


def op_with(doc):
    return type("Example", (_Op,), {"__doc__": doc})


@pytest.mark.parametrize("doc, forward, gradient", [
    ("a * b;  da = g * b,  db = g * a", "a * b", "da = g * b,  db = g * a"),
    ("x.reshape(shape);  dx = g.reshape(x.shape)", "x.reshape(shape)", "dx = g.reshape(x.shape)"),
    ("y = x W^T + b.\n\n    Backward:  dx = g W,\n    dW = g^T x\n\n    Other text: dz = 1.",
     "y = x W^T + b.", "dx = g W;  dW = g^T x"),
    ("softmax loss.\n\n    dloss/dx_j = p_j - [j == t]", "softmax loss.", "dloss/dx_j = p_j - [j == t]"),
    ("maximum(a, b): goes to the larger input.", "maximum(a, b): goes to the larger input.", ""),
    ("Cast;  gradient from the kernel", "Cast", ""),
    ("", "", ""),
])
def test_formulas_are_read_from_the_docstring(doc, forward, gradient):
    assert gen.formulas(op_with(doc)) == (forward, gradient)


def test_table_cells_escape_pipes():
    assert gen._cell("|x|") == "`\\|x\\|`"
    assert gen._cell("with `code`") == "with `code`"
