"""nn.Module: parameter discovery and names, modes, gradients, state dicts, devices, repr."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(2, 3), nn.Linear(3, 3, bias=False)]
        self.heads = {"a": nn.Linear(3, 1), "b": nn.Sequential(nn.Linear(3, 2), nn.ReLU())}
        self.scale = nn.Parameter(mg.ones(1))
        self.pair = (nn.Parameter(mg.zeros(2)), [nn.Parameter(mg.zeros(3))])
        self.register_buffer("steps", mg.zeros(1))
        self.not_state = mg.zeros(4)  # a plain Tensor attribute is neither parameter nor buffer

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.heads["a"](x) * self.scale


def test_named_parameters_finds_lists_dicts_tuples_with_dotted_names():
    names = [n for n, _ in Nested().named_parameters()]
    assert names == [
        "scale", "pair.0", "pair.1.0",
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
        "heads.a.weight", "heads.a.bias", "heads.b.0.weight", "heads.b.0.bias",
    ]


def test_parameters_are_the_module_objects_themselves():
    m = Nested()
    assert m.parameters()[0] is m.scale
    assert any(p is m.blocks[1].weight for p in m.parameters())


def test_children_and_modules():
    m = Nested()
    assert [n for n, _ in m.named_children()] == ["blocks.0", "blocks.1", "heads.a", "heads.b"]
    assert len(list(m.modules())) == 1 + 4 + 2  # self, 4 children, Linear and ReLU inside Sequential


def test_tied_parameter_is_listed_once_but_saved_under_both_names():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(5, 3)
            self.head = nn.Linear(3, 5, bias=False)
            self.head.weight = self.embed.weight

    m = Tied()
    assert [n for n, _ in m.named_parameters()] == ["embed.weight"]
    assert list(m.state_dict()) == ["embed.weight", "head.weight"]


def test_module_list_and_module_dict_names():
    m = nn.ModuleDict({"enc": nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])})
    assert [n for n, _ in m.named_parameters()] == ["enc.0.weight", "enc.0.bias", "enc.1.weight", "enc.1.bias"]
    assert len(m["enc"]) == 2 and isinstance(m["enc"][1:], nn.ModuleList)


def test_module_list_rejects_non_modules():
    with pytest.raises(TypeError, match="expected a Module"):
        nn.ModuleList([nn.Linear(1, 1), 3])


def test_train_and_eval_set_the_flag_recursively():
    m = Nested()
    m.eval()
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_zero_grad_sets_none_or_zeros():
    m = nn.Linear(2, 2)
    m(mg.ones(1, 2)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is not None and not m.weight.grad.numpy().any()
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None


def test_state_dict_holds_parameters_and_persistent_buffers():
    m = Nested()
    m.register_buffer("cache", mg.zeros(2), persistent=False)
    sd = m.state_dict()
    assert "steps" in sd and "cache" not in sd and "not_state" not in sd
    assert np.shares_memory(sd["scale"].data, m.scale.data)
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]


def test_state_dict_round_trip_copies_values_in_place():
    mg.manual_seed(0)
    source, target = Nested(), Nested()
    source.steps.data[...] = 7
    weight_before = target.blocks[0].weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target.blocks[0].weight is weight_before  # same object: optimizers keep working
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert target.steps.item() == 7


def test_load_state_dict_accepts_numpy_arrays():
    m = nn.Linear(2, 1)
    m.load_state_dict({"weight": np.array([[1.0, 2.0]], dtype=np.float32), "bias": np.zeros(1, np.float32)})
    assert m.weight.tolist() == [[1.0, 2.0]]


def test_load_state_dict_names_every_problem_at_once():
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = dict(m.state_dict())
    del sd["0.bias"]
    sd["extra.weight"] = mg.zeros(1)
    sd["0.weight"] = mg.zeros(3, 3)
    sd["1.bias"] = mg.zeros(1, dtype="float64")
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd)
    message = str(info.value)
    for expected in ["missing key '0.bias'", "unexpected key 'extra.weight'", "'0.weight': shape (3, 3)",
                     "(3, 2) in the model", "'1.bias': dtype float64", "float32 in the model"]:
        assert expected in message
    assert m[0].weight.shape == (3, 2)


def test_load_state_dict_non_strict_reports_keys_but_still_checks_shapes():
    m = nn.Linear(2, 1)
    result = m.load_state_dict({"weight": mg.ones(1, 2), "other": mg.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    assert m.weight.tolist() == [[1.0, 1.0]]
    with pytest.raises(RuntimeError, match="shape"):
        m.load_state_dict({"weight": mg.ones(2, 2)}, strict=False)


def test_failed_load_changes_nothing():
    m = nn.Linear(2, 1)
    before = m.weight.numpy().copy()
    with pytest.raises(RuntimeError):
        m.load_state_dict({"weight": mg.ones(1, 2), "bias": mg.ones(5)})
    np.testing.assert_array_equal(m.weight.numpy(), before)


def test_to_dtype_converts_parameters_and_buffers_in_place():
    m = Nested()
    scale = m.scale
    assert m.to("float64") is m
    assert m.scale is scale and m.scale.dtype == np.float64 and m.steps.dtype == np.float64
    assert m.to("cpu") is m


def test_parameter_shares_a_tensors_array_and_requires_grad():
    t = mg.zeros(3)
    p = nn.Parameter(t)
    assert p.requires_grad and p.data is t.data
    assert repr(p).startswith("Parameter containing:")
    assert not isinstance(p * 2, nn.Parameter)


def test_module_without_super_init_still_finds_parameters():
    class Lazy(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mg.ones(2))

    assert [n for n, _ in Lazy().named_parameters()] == ["w"]


def test_repr_nests_like_pytorch():
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.1)))
    assert text == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Dropout(p=0.1)\n)"
    )


def test_calling_a_module_runs_forward():
    class Double(nn.Module):
        def forward(self, x):
            return x * 2

    assert Double()(mg.tensor([1.0])).tolist() == [2.0]
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(mg.ones(1))
