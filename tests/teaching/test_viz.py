"""mg.viz: the DOT text of a known graph (exact nodes and edges), gradient norms, the
max_nodes cap, the freed-graph note, and draw() with and without Graphviz."""

import os
import re
import shutil

import numpy as np
import pytest

import minigrad as mg

NODE = re.compile(r"^\s*(n\d+|left_out) \[label=\"(.*?)\"", re.M)
needs_sh = pytest.mark.skipif(os.name == "nt", reason="the stand-in for dot is a shell script")
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+);", re.M)


def parse(dot: str):
    """{node id: label} and [(source label, target label)] of a DOT text from to_dot."""
    labels = dict(NODE.findall(dot))
    edges = [(labels[a], labels[b]) for a, b in EDGE.findall(dot)]
    return labels, edges


def first_line(label: str) -> str:
    return label.split("\\n")[0]


def linear_relu_graph():
    x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    w = mg.tensor(np.ones((3, 4)), requires_grad=True)
    b = mg.tensor(np.zeros(4), requires_grad=True)
    x.name, w.name, b.name = "x", "W", "b"
    loss = (x @ w + b).relu().sum()
    return loss, (x, w, b)


def test_known_graph_has_one_node_per_op_and_leaf_and_the_output():
    loss, _ = linear_relu_graph()
    labels, edges = parse(mg.viz.to_dot(loss))
    assert sorted(first_line(v) for v in labels.values()) == sorted(
        ["output", "Sum", "Relu", "Add", "MatMul", "x", "W", "b"]
    )
    assert sorted((first_line(a), first_line(b)) for a, b in edges) == sorted(
        [("x", "MatMul"), ("W", "MatMul"), ("MatMul", "Add"), ("b", "Add"),
         ("Add", "Relu"), ("Relu", "Sum"), ("Sum", "output")]
    )


def test_labels_show_op_output_shape_and_dtype():
    loss, _ = linear_relu_graph()
    labels, _ = parse(mg.viz.to_dot(loss))
    by_name = {first_line(v): v for v in labels.values()}
    assert by_name["MatMul"] == "MatMul\\n(2, 4) float64"
    assert by_name["Sum"] == "Sum\\n() float64"
    assert by_name["x"] == "x\\n(2, 3) float64"


def test_an_input_used_twice_gets_two_edges_into_the_op():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    labels, edges = parse(mg.viz.to_dot(x * x))
    assert len(labels) == 3  # x, Mul, output
    assert [(first_line(a), first_line(b)) for a, b in edges].count(("(2,) float32", "Mul")) == 2


def test_constants_and_python_numbers():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([3.0, 4.0])  # requires_grad=False: drawn as a grey constant leaf
    out = (x * 2 + c).sum()
    dot = mg.viz.to_dot(out)
    labels, edges = parse(dot)
    assert len(labels) == 6  # x, c, Mul, Add, Sum, output: the 2 is part of Mul, not a node
    assert len(edges) == 5
    assert dot.count('fillcolor="#eeeeee"') == 1


def test_a_leaf_alone_is_one_node():
    x = mg.tensor([1.0], requires_grad=True)
    labels, edges = parse(mg.viz.to_dot(x))
    assert len(labels) == 1 and edges == []


def test_named_intermediate_gets_its_own_node_between_ops():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.name = "h"
    labels, edges = parse(mg.viz.to_dot(h.sum()))
    assert len(labels) == 5  # x, Exp, h, Sum, output
    pairs = {(first_line(a), first_line(b)) for a, b in edges}
    assert pairs == {("(2,) float32", "Exp"), ("Exp", "h"), ("h", "Sum"), ("Sum", "output")}


def test_gradient_norms_show_after_backward_with_retain_graph():
    loss, (x, w, b) = linear_relu_graph()
    loss.backward(retain_graph=True)
    labels, edges = parse(mg.viz.to_dot(loss))
    assert len(labels) == 8 and len(edges) == 7
    by_name = {first_line(v): v for v in labels.values()}
    expected = np.linalg.norm(w.grad.numpy())
    assert by_name["W"].endswith(f"grad norm {expected:.4g}")
    assert "grad norm" in by_name["x"] and "grad norm" in by_name["b"]


def test_retained_grad_shows_on_an_intermediate():
    x = mg.tensor([3.0, 4.0], requires_grad=True)
    h = x * 1.0
    h.retain_grad()
    (h * h).sum().backward(retain_graph=True)  # dh = 2h = (6, 8), norm 10
    labels, _ = parse(mg.viz.to_dot(h))
    assert any(v.endswith("grad norm 10") for v in labels.values())


def test_a_freed_graph_draws_a_note_instead_of_failing():
    loss, _ = linear_relu_graph()
    loss.backward()
    labels, edges = parse(mg.viz.to_dot(loss))
    assert len(labels) == 3  # output, Sum, the note
    assert any("retain_graph=True" in v for v in labels.values())


def test_max_nodes_caps_the_graph_and_says_how_many_were_left_out():
    x = mg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(300):
        y = y * 1.0
    full, _ = parse(mg.viz.to_dot(y, max_nodes=1000))
    assert len(full) == 302  # 300 Mul, the leaf, the output
    labels, edges = parse(mg.viz.to_dot(y, max_nodes=50))
    assert len(labels) == 51  # 50 kept + the note
    assert labels["left_out"].startswith("252 more nodes not shown")
    assert len(edges) == 49  # a chain of 50 nodes
    assert "x" not in labels.values()


def test_to_dot_rejects_what_is_not_a_tensor():
    with pytest.raises(TypeError, match="to_dot: expected a minigrad Tensor, got ndarray"):
        mg.viz.to_dot(np.zeros(2))


def test_draw_without_graphviz_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    loss, _ = linear_relu_graph()
    with pytest.raises(mg.viz.GraphvizNotFound) as info:
        mg.viz.draw(loss, str(tmp_path / "graph.svg"))
    message = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda", "to_dot"):
        assert hint in message
    assert not (tmp_path / "graph.svg").exists()


def test_draw_to_a_dot_file_needs_no_graphviz(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    loss, _ = linear_relu_graph()
    path = tmp_path / "graph.dot"
    mg.viz.draw(loss, str(path))
    assert path.read_text() == mg.viz.to_dot(loss)


@needs_sh
def test_draw_calls_dot_with_the_format_of_the_extension(monkeypatch, tmp_path):
    # A stand-in for Graphviz's dot: records its arguments and copies stdin to the -o file.
    fake = tmp_path / "dot"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > "{tmp_path}/args"\n'
        'cat > "$3"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(fake) if name == "dot" else None)
    loss, _ = linear_relu_graph()
    out = tmp_path / "graph.png"
    assert mg.viz.draw(loss, str(out)) == str(out)
    assert (tmp_path / "args").read_text().split() == ["-Tpng", "-o", str(out)]
    assert out.read_text() == mg.viz.to_dot(loss)


@needs_sh
def test_draw_reports_a_failing_dot(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Format: \"xyz\" not recognized' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(fake))
    loss, _ = linear_relu_graph()
    with pytest.raises(RuntimeError, match=r"dot -Txyz.*not recognized"):
        mg.viz.draw(loss, str(tmp_path / "graph.xyz"))
