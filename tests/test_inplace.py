"""In-place changes as PyTorch makes them: on tensors outside the graph they change the array and
count a version; an op that saved a tensor refuses backward once the tensor has changed; on
tensors in the graph they are recorded, and gradients reach the value each op actually used."""

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def test_a_saved_input_changed_in_place_makes_backward_refuse():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    x = mg.tensor([3.0, 4.0], requires_grad=True)
    y = w * x
    with mg.no_grad():
        w += 100
    with pytest.raises(RuntimeError, match=r"Mul saved input 0 .* modified in place .* version 1"):
        y.sum().backward()


def test_a_saved_output_changed_in_place_makes_backward_refuse():
    x = mg.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    with mg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="Exp saved its output"):
        y.sum().backward()


def test_an_op_that_saved_nothing_does_not_mind():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = w + 1
    with mg.no_grad():
        w += 100
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])


def test_changes_before_the_op_are_fine_and_versions_count():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    assert w._version == 0
    with mg.no_grad():
        w.add_(1.0)
        w.mul_(2.0)
        w[0] = 5.0
    assert w._version == 3
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [10.0, 12.0])


def test_a_leaf_that_requires_grad_refuses_in_place_while_recording():
    w = mg.tensor([1.0], requires_grad=True)
    for change in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 2.0), lambda: w.copy_([3.0])):
        with pytest.raises(RuntimeError, match="a leaf tensor that requires grad cannot be changed in place"):
            change()


def test_in_place_methods_on_plain_tensors():
    t = mg.tensor([[1.0, -2.0], [3.0, 4.0]])
    same = t.fill_(7.0)
    assert same is t and t.tolist() == [[7.0, 7.0], [7.0, 7.0]]
    t.zero_().add_(mg.tensor([1.0, 2.0]), alpha=3).sub_(1.0).div_(2.0).clamp_(0.5, 2.0)
    np.testing.assert_allclose(t.numpy(), [[1.0, 2.0], [1.0, 2.0]])
    t.copy_(np.arange(4.0).reshape(2, 2))
    np.testing.assert_array_equal(t.numpy(), [[0.0, 1.0], [2.0, 3.0]])
    mg.manual_seed(0)
    t.uniform_(-1, 1)
    assert ((t.numpy() >= -1) & (t.numpy() < 1)).all()
    t.normal_(5.0, 0.1)
    assert abs(t.numpy().mean() - 5.0) < 1.0


def test_in_place_keeps_the_dtype_and_refuses_an_unsafe_cast():
    t = mg.tensor([1, 2, 3])
    t += 2
    assert t.dtype == mg.int64 and t.tolist() == [3, 4, 5]
    with pytest.raises(TypeError, match="cannot be stored"):
        t += 0.5


def test_setitem_outside_the_graph_changes_the_array():
    t = mg.zeros(2, 3)
    view = t[0]
    t[0, 1] = 5.0
    t[1] = mg.tensor([1.0, 2.0, 3.0])
    t[t > 2.5] = -1.0
    assert t.tolist() == [[0.0, -1.0, 0.0], [1.0, 2.0, -1.0]]
    assert view.tolist() == [0.0, -1.0, 0.0]  # a basic-index view sees the change, as in PyTorch


def test_recorded_setitem_matches_pytorch():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(4)

    def build(lib, w):
        out = lib.zeros(3, 4, dtype=w.dtype)
        out[0] = w * 2
        out[1, 1:3] = w[:2] ** 2
        out[2, :2] = out[1, 1:3].exp() * w[1:3]  # reads the recorded value (a copy PyTorch allows)
        return (out * out).sum()

    w = mg.tensor(w0, dtype="float64", requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    build(mg, w).backward()
    build(torch, tw).backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_recorded_in_place_arithmetic_on_a_non_leaf_matches_pytorch():
    w0 = np.array([0.5, -1.0, 2.0])

    def build(lib, w):
        h = w * 3
        h += w * w
        h *= 2
        h.clamp_(-1.0, 5.0)
        return h.sum()

    w = mg.tensor(w0, dtype="float64", requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    build(mg, w).backward()
    build(torch, tw).backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_ops_recorded_before_an_in_place_change_get_the_old_value():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    h = a + 0  # an op that saves nothing
    z = h.exp()  # Exp saves its output, not h
    h[0] = 0.0  # recorded: h's new value and history
    (z.sum() + h.sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), np.exp([1.0, 2.0]) + [0.0, 1.0], rtol=1e-6)


def test_clone_is_a_differentiable_copy():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.data is not x.data
    with mg.no_grad():
        y[0] = 9.0
    assert x.tolist() == [1.0, 2.0]
    (x.clone() * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_clamp_with_tensor_bounds_and_floor_division_in_place_match_pytorch():
    x, tx = mg.tensor([1.0, 5.0, -3.0]), torch.tensor([1.0, 5.0, -3.0])
    x.clamp_(mg.tensor([0.0, 0.0, -1.0]), mg.tensor([2.0, 3.0, 0.0]))
    tx.clamp_(torch.tensor([0.0, 0.0, -1.0]), torch.tensor([2.0, 3.0, 0.0]))
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    a, ta = mg.tensor([7, -7]), torch.tensor([7, -7])
    same = a
    a //= 2
    ta //= 2
    assert a is same and a._version == 1 and a.tolist() == ta.tolist()
    b, tb = mg.tensor([7.5, -7.5]), torch.tensor([7.5, -7.5])
    b %= 2
    tb %= 2
    np.testing.assert_array_equal(b.numpy(), tb.numpy())
