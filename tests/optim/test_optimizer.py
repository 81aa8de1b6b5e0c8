"""The Optimizer base: param groups, zero_grad, state_dict round trips and the errors for bad input."""

import numpy as np
import pytest

import minigrad as mg

from .helpers import gradient_sequence, make_params

SHAPES = [(4, 3), (3,)]


def fresh_params(seed=0):
    return [mg.tensor(a, requires_grad=True) for a in make_params(SHAPES, seed=seed)]


def train(opt, params, grads):
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = mg.tensor(g)
        opt.step()


# ---- construction and groups ------------------------------------------------------------
def test_defaults_fill_every_group():
    a, b = fresh_params()
    opt = mg.optim.Adam([{"params": [a], "lr": 0.5}, {"params": b, "name": "bias"}], lr=0.01, eps=1e-6)
    assert opt.param_groups[0] == {"params": [a], "lr": 0.5, "betas": (0.9, 0.999), "eps": 1e-6, "weight_decay": 0.0,
                                   "amsgrad": False, "maximize": False, "decoupled_weight_decay": False}
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["name"] == "bias"  # extra keys are kept


def test_params_can_be_a_generator():
    params = fresh_params()
    opt = mg.optim.SGD((p for p in params), lr=0.1)
    assert opt.param_groups[0]["params"] == params


def test_add_param_group():
    a, b = fresh_params()
    opt = mg.optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9


def test_empty_parameter_list_is_an_error():
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.optim.Adam([])
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.optim.SGD(iter([]), lr=0.1)


def test_parameter_without_requires_grad_is_an_error():
    frozen = mg.zeros(3, 2)
    with pytest.raises(ValueError, match=r"parameter 1 \(shape \(3, 2\), float32\) does not require grad"):
        mg.optim.Adam([mg.zeros(2, requires_grad=True), frozen])


def test_non_leaf_parameter_is_an_error():
    w = mg.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="not a leaf"):
        mg.optim.SGD([w * 2], lr=0.1)


def test_non_tensor_parameter_is_an_error():
    with pytest.raises(TypeError, match="parameter 0 is a ndarray, expected a Tensor"):
        mg.optim.SGD([np.zeros(3)], lr=0.1)


def test_a_single_tensor_is_an_error():
    with pytest.raises(TypeError, match="single Tensor"):
        mg.optim.SGD(mg.ones(2, requires_grad=True), lr=0.1)


def test_a_single_group_dict_is_an_error():
    with pytest.raises(TypeError, match="single dict"):
        mg.optim.SGD({"params": [mg.ones(2, requires_grad=True)]}, lr=0.1)


def test_parameter_in_two_groups_is_an_error():
    a, b = fresh_params()
    opt = mg.optim.SGD([a, b], lr=0.1)
    with pytest.raises(ValueError, match="already in another group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="more than once"):
        mg.optim.SGD([a, a], lr=0.1)


# ---- zero_grad ---------------------------------------------------------------------------
def test_zero_grad_sets_to_none_by_default():
    a, b = fresh_params()
    a.grad = mg.ones(4, 3, dtype="float64")
    opt = mg.optim.SGD([a, b], lr=0.1)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_can_fill_with_zeros_in_place():
    (a,) = fresh_params()[:1]
    a.grad = mg.ones(4, 3, dtype="float64")
    buffer = a.grad
    mg.optim.SGD([a], lr=0.1).zero_grad(set_to_none=False)
    assert a.grad is buffer
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros((4, 3)))


def test_step_with_closure_returns_the_loss():
    w = mg.tensor(np.array([3.0]), requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_array_equal(w.numpy(), [3.0 - 0.25 * 6.0])


# ---- state_dict --------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda ps: mg.optim.Adam([{"params": ps[:1], "lr": 0.1}, {"params": ps[1:]}], lr=0.01, weight_decay=0.1),
    lambda ps: mg.optim.AdamW(ps, lr=0.02),
    lambda ps: mg.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
], ids=["Adam-groups", "AdamW", "SGD-momentum"])
def test_state_dict_round_trip_continues_identically(make, tmp_path):
    grads = gradient_sequence(SHAPES, steps=6)
    params = fresh_params()
    opt = make(params)
    train(opt, params, grads[:3])

    # a fresh optimizer over fresh parameters holding the same values, restored from a file
    mg.save(opt.state_dict(), tmp_path / "opt.safetensors")
    restored = [mg.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    opt2 = make(restored)
    opt2.load_state_dict(mg.load(tmp_path / "opt.safetensors"))
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt2.param_groups] == \
           [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]

    train(opt, params, grads[3:])
    train(opt2, restored, grads[3:])
    for a, b in zip(params, restored):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_state_dict_layout_is_pytorchs():
    params = fresh_params()
    opt = mg.optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}])
    train(opt, params, gradient_sequence(SHAPES, steps=2))
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"]) == {0, 1}
    assert sd["state"][1]["step"] == 2
    assert sd["state"][1]["exp_avg"].shape == (3,)


def test_state_dict_matches_torchs_structure():
    torch = pytest.importorskip("torch")
    params = fresh_params()
    opt = mg.optim.Adam(params, lr=0.1)
    train(opt, params, gradient_sequence(SHAPES, steps=1))
    tparams = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    topt = torch.optim.Adam(tparams, lr=0.1)
    for p in tparams:
        p.grad = torch.ones_like(p)
    topt.step()
    tsd = topt.state_dict()
    sd = opt.state_dict()
    assert set(sd["state"]) == set(tsd["state"])
    assert set(sd["state"][0]) == set(tsd["state"][0])
    assert set(sd["param_groups"][0]) <= set(tsd["param_groups"][0])


def test_loaded_state_is_a_copy():
    params = fresh_params()
    opt = mg.optim.Adam(params)
    train(opt, params, gradient_sequence(SHAPES, steps=1))
    sd = opt.state_dict()
    saved = sd["state"][0]["exp_avg"].numpy().copy()
    opt2 = mg.optim.Adam(fresh_params())
    opt2.load_state_dict(sd)
    train(opt2, opt2.param_groups[0]["params"], gradient_sequence(SHAPES, steps=1, seed=5))
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), saved)


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    params = fresh_params()
    opt = mg.optim.Adam(params)
    train(opt, params, gradient_sequence(SHAPES, steps=1))
    params32 = [mg.tensor(p.numpy().astype(np.float32), requires_grad=True) for p in params]
    opt32 = mg.optim.Adam(params32)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[params32[0]]["exp_avg"].dtype == np.float32


def test_load_state_dict_with_wrong_number_of_groups():
    params = fresh_params()
    sd = mg.optim.SGD(params, lr=0.1).state_dict()
    other = mg.optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="has 1 param groups, this optimizer has 2"):
        other.load_state_dict(sd)


def test_load_state_dict_with_wrong_group_size():
    params = fresh_params()
    sd = mg.optim.SGD(params, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="param group 0 has 2 parameters in the state dict but 1"):
        mg.optim.SGD(params[:1], lr=0.1).load_state_dict(sd)


def test_load_state_dict_with_wrong_shapes():
    params = fresh_params()
    opt = mg.optim.Adam(params)
    train(opt, params, gradient_sequence(SHAPES, steps=1))
    swapped = [mg.zeros(3, requires_grad=True), mg.zeros(4, 3, requires_grad=True)]
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(4, 3\) but the parameter has shape \(3,\)"):
        mg.optim.Adam(swapped).load_state_dict(opt.state_dict())


def test_load_state_dict_from_another_kind_of_optimizer():
    params = fresh_params()
    sd = mg.optim.SGD(params, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different kind of optimizer"):
        mg.optim.Adam(params).load_state_dict(sd)


def test_load_state_dict_that_is_not_one():
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        mg.optim.Adam(fresh_params()).load_state_dict({"model": {}})


def test_a_scalar_parameter_survives_an_adam_state_dict_round_trip():
    p = mg.tensor(1.0, requires_grad=True)
    opt = mg.optim.Adam([p], lr=0.1)
    (p * p).backward()
    opt.step()
    restored = mg.optim.Adam([p], lr=0.1)
    restored.load_state_dict(opt.state_dict())
    p.grad = None
    (p * p).backward()
    restored.step()  # used to fail: the 0-d moments came back as Python floats
    assert restored.state[p]["exp_avg"].shape == ()
