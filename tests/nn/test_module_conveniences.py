"""Module's PyTorch conveniences against torch.nn: apply, modules/named_modules, children/
named_children, get_submodule, requires_grad_, float/double/half/type, cpu (and cuda on a GPU),
with buffers moving and casting alongside the parameters."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

torch = pytest.importorskip("torch")


def _layers(module, lib, tensors):
    """Two layers, an integer buffer and a float buffer, built alike in both libraries."""
    module.fc = lib.Linear(3, 4)
    module.act = lib.ReLU()
    module.register_buffer("steps", tensors.zeros(2, dtype=tensors.int64))
    module.register_buffer("scale", tensors.ones(4))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        _layers(self, nn, mg)

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        _layers(self, torch.nn, torch)


def _models():
    ours = nn.Sequential(Block(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(TorchBlock(), torch.nn.Linear(4, 2))
    return ours, theirs


def test_module_walks_visit_what_pytorchs_do_in_the_same_order():
    ours, theirs = _models()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.modules()] == ["Sequential", "Block", "Linear", "ReLU", "Linear"]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.children()] == ["Block", "Linear"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_apply_visits_children_before_their_parent():
    ours, theirs = _models()
    seen, tseen = [], []
    assert ours.apply(lambda m: seen.append(type(m).__name__)) is ours
    theirs.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == [name.replace("TorchBlock", "Block") for name in tseen]


def test_get_submodule():
    ours, _ = _models()
    assert ours.get_submodule("0.fc") is ours[0].fc
    assert ours.get_submodule("") is ours
    with pytest.raises(AttributeError, match="get_submodule: 0 \\(Block\\) has no sub-module 'conv'"):
        ours.get_submodule("0.conv")


def test_requires_grad_freezes_and_unfreezes():
    ours, _ = _models()
    assert ours.requires_grad_(False) is ours
    assert not any(p.requires_grad for p in ours.parameters())
    out = ours(mg.ones(1, 3))
    assert not out.requires_grad
    ours[1].requires_grad_()
    out = ours(mg.ones(1, 3)).sum()
    out.backward()
    assert ours[1].weight.grad is not None and ours[0].fc.weight.grad is None


@pytest.mark.parametrize("method, dtype", [("double", mg.float64), ("half", mg.float16), ("float", mg.float32)])
def test_float_double_half_cast_floating_parameters_and_buffers_only(method, dtype):
    ours, theirs = _models()
    assert getattr(ours, method)() is ours
    getattr(theirs, method)()
    assert all(p.dtype == dtype for p in ours.parameters())
    assert ours[0].scale.dtype == dtype and ours[0].steps.dtype == mg.int64  # as PyTorch's
    assert str(theirs[0].steps.dtype) == "torch.int64"


def test_type_casts_every_parameter_and_buffer():
    ours, theirs = _models()
    ours.type(mg.float64)
    theirs.type(torch.float64)
    assert ours[0].steps.dtype == mg.float64 and theirs[0].steps.dtype == torch.float64


def test_to_and_cpu_keep_the_same_objects_and_move_buffers():
    ours, _ = _models()
    weight, buffer = ours[0].fc.weight, ours[0].scale
    assert ours.cpu() is ours and ours.to("cpu") is ours
    assert ours[0].fc.weight is weight and ours[0].scale is buffer
    ours.to(mg.float64)
    assert buffer.dtype == mg.float64 and weight.dtype == mg.float64


@pytest.mark.gpu
def test_cuda_moves_parameters_and_buffers():
    if not mg.cuda_is_available():
        pytest.skip("no GPU")
    ours, _ = _models()
    ours.cuda()
    assert all(t.device == "cuda" for t in ours.parameters() + ours.buffers())
    ours.cpu()
    assert all(t.device == "cpu" for t in ours.parameters() + ours.buffers())
    np.testing.assert_array_equal(ours[0].steps.numpy(), [0, 0])
