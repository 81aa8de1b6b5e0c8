"""Every optimizer, with each of its options, against torch.optim: a small float64 model trained
for 20 steps on the same data from the same weights ends with the same parameters; the
state_dict has torch's keys; a run saved and restored mid-way (through mg.save / mg.load)
ends where an uninterrupted run ends.
"""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")

STEPS = 20

CASES = {
    "SGD": [dict(lr=0.1), dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
            dict(lr=0.05, momentum=0.8, dampening=0.3), dict(lr=0.05, momentum=0.5, maximize=True)],
    "Adam": [dict(lr=0.01), dict(lr=0.01, amsgrad=True, weight_decay=0.05),
             dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(lr=0.01, maximize=True)],
    "AdamW": [dict(lr=0.01), dict(lr=0.02, amsgrad=True, betas=(0.8, 0.95))],
    "RMSprop": [dict(), dict(lr=0.005, alpha=0.9, weight_decay=0.01), dict(lr=0.005, momentum=0.9),
                dict(lr=0.005, centered=True), dict(lr=0.002, centered=True, momentum=0.5, maximize=True)],
    "Adagrad": [dict(), dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1),
                dict(lr=0.05, weight_decay=0.1, eps=1e-6), dict(lr=0.05, maximize=True)],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.8, weight_decay=0.01), dict(lr=2.0, eps=1e-4, maximize=True)],
    "NAdam": [dict(), dict(lr=0.01, weight_decay=0.05), dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=0.01, momentum_decay=0.04, betas=(0.7, 0.9)), dict(lr=0.01, maximize=True)],
    "RAdam": [dict(), dict(lr=0.01, weight_decay=0.05), dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=0.01, betas=(0.5, 0.6)), dict(lr=0.01, maximize=True)],
    "Adamax": [dict(), dict(lr=0.01, weight_decay=0.05, betas=(0.8, 0.9)), dict(lr=0.01, maximize=True)],
}
PARAMS = [(name, settings) for name, settings_list in CASES.items() for settings in settings_list]
IDS = [f"{name}-{','.join(f'{k}={v}' for k, v in settings.items()) or 'defaults'}" for name, settings in PARAMS]


@pytest.fixture
def torch_float64():
    """torch keeps scalar state (NAdam's mu_product, step counts) in its default dtype: make it float64."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((16, 5)), rng.standard_normal((16, 2))


def minigrad_model(dtype="float64"):
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 4, dtype=dtype), nn.Tanh(), nn.Linear(4, 2, dtype=dtype))


def torch_model_like(model):
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    net.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    return net


def train_minigrad(model, opt, steps, x, y):
    x, y = mg.tensor(x), mg.tensor(y)
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


def train_torch(net, opt, steps, x, y):
    x, y = torch.tensor(x), torch.tensor(y)
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("name, settings", PARAMS, ids=IDS)
def test_twenty_steps_on_a_small_model_match_torch(name, settings, torch_float64):
    x, y = data()
    model = minigrad_model()
    net = torch_model_like(model)
    opt = getattr(mg.optim, name)(model.parameters(), **settings)
    topt = getattr(torch.optim, name)(net.parameters(), **settings)
    train_minigrad(model, opt, STEPS, x, y)
    train_torch(net, topt, STEPS, x, y)
    theirs = net.state_dict()
    moved = 0.0
    for key, value in model.state_dict().items():
        # float64 throughout; the sums differ only in evaluation order (BLAS, fused kernels)
        np.testing.assert_allclose(value.numpy(), theirs[key].numpy(), rtol=1e-11, atol=1e-13, err_msg=key)
        moved = max(moved, float(np.abs(value.numpy() - minigrad_model().state_dict()[key].numpy()).max()))
    assert moved > 1e-3  # the parameters did move: the comparison is not of two untouched models


@pytest.mark.parametrize("name, settings", PARAMS, ids=IDS)
def test_state_dict_has_torchs_keys(name, settings, torch_float64):
    x, y = data()
    model = minigrad_model()
    net = torch_model_like(model)
    opt = getattr(mg.optim, name)(model.parameters(), **settings)
    topt = getattr(torch.optim, name)(net.parameters(), **settings)
    train_minigrad(model, opt, 2, x, y)
    train_torch(net, topt, 2, x, y)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert set(ours["state"]) == set(theirs["state"])
    for index, state in ours["state"].items():
        assert set(state) == set(theirs["state"][index])
        for key, value in state.items():
            np.testing.assert_allclose(np.asarray(value.numpy() if isinstance(value, mg.Tensor) else value),
                                       theirs["state"][index][key].numpy(), rtol=1e-11, atol=1e-14, err_msg=key)
    # every setting we keep is one torch keeps, with the same value
    for group, tgroup in zip(ours["param_groups"], theirs["param_groups"]):
        for key, value in group.items():
            assert key in tgroup, key
            assert value == (tuple(tgroup[key]) if isinstance(value, tuple) else tgroup[key]), key


@pytest.mark.parametrize("name, settings", PARAMS, ids=IDS)
def test_resuming_from_a_checkpoint_equals_an_uninterrupted_run(name, settings, tmp_path):
    x, y = data()
    straight = minigrad_model()
    opt = getattr(mg.optim, name)(straight.parameters(), **settings)
    train_minigrad(straight, opt, STEPS, x, y)

    first = minigrad_model()
    opt = getattr(mg.optim, name)(first.parameters(), **settings)
    train_minigrad(first, opt, STEPS // 2, x, y)
    mg.save({"model": first.state_dict(), "optim": opt.state_dict()}, tmp_path / "ckpt.safetensors")

    ckpt = mg.load(tmp_path / "ckpt.safetensors")
    resumed = minigrad_model()
    resumed.load_state_dict(ckpt["model"])
    opt = getattr(mg.optim, name)(resumed.parameters(), lr=0.123)  # hyperparameters come from the checkpoint
    opt.load_state_dict(ckpt["optim"])
    train_minigrad(resumed, opt, STEPS - STEPS // 2, x, y)
    for key, value in straight.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[key].numpy(), value.numpy(), err_msg=key)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_parameters_match_torch_and_stay_float32(name):
    x, y = (a.astype(np.float32) for a in data())
    settings = CASES[name][1] if len(CASES[name]) > 1 else {}
    model = minigrad_model("float32")
    net = torch_model_like(model).float()
    opt = getattr(mg.optim, name)(model.parameters(), **settings)
    topt = getattr(torch.optim, name)(net.parameters(), **settings)
    train_minigrad(model, opt, 10, x, y)
    train_torch(net, topt, 10, x, y)
    theirs = net.state_dict()
    for key, value in model.state_dict().items():
        assert value.dtype == np.float32
        np.testing.assert_allclose(value.numpy(), theirs[key].numpy(), rtol=2e-5, atol=2e-6, err_msg=key)
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, mg.Tensor):
                assert value.dtype == np.float32


@pytest.mark.parametrize("name", sorted(CASES))
def test_param_groups_with_their_own_settings_match_torch(name, torch_float64):
    x, y = data(seed=3)
    model = minigrad_model()
    net = torch_model_like(model)

    def groups(params):
        params = list(params)
        return [{"params": params[:2], "lr": 0.02, "weight_decay": 0.1}, {"params": params[2:]}]

    opt = getattr(mg.optim, name)(groups(model.parameters()), lr=0.01)
    topt = getattr(torch.optim, name)(groups(net.parameters()), lr=0.01)
    train_minigrad(model, opt, 5, x, y)
    train_torch(net, topt, 5, x, y)
    theirs = net.state_dict()
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(value.numpy(), theirs[key].numpy(), rtol=1e-11, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("name", sorted(CASES))
def test_defaults_are_torchs(name):
    ours = getattr(mg.optim, name)([mg.zeros(2, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in ours.items():
        assert value == (tuple(theirs[key]) if isinstance(value, tuple) else theirs[key]), key


def test_adagrad_state_exists_before_the_first_step_as_in_torch():
    p = mg.zeros(3, requires_grad=True)
    opt = mg.optim.Adagrad([p], initial_accumulator_value=0.5)
    assert opt.state[p]["step"] == 0
    np.testing.assert_array_equal(opt.state[p]["sum"].numpy(), [0.5, 0.5, 0.5])


def test_radam_takes_momentum_steps_until_the_variance_estimate_is_trusted():
    # rho_1 = 1 <= 5: the first step is p -= lr * m_hat = lr * g exactly, whatever the scale of g
    p = mg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = mg.optim.RAdam([p], lr=0.1)
    p.grad = mg.tensor(np.array([3.0, 0.5]))
    opt.step()
    np.testing.assert_allclose(p.numpy(), [1.0 - 0.3, -2.0 - 0.05], rtol=1e-15)


def test_maximize_climbs():
    p = mg.tensor(np.array([0.0]), requires_grad=True)
    opt = mg.optim.RMSprop([p], lr=0.1, maximize=True)
    p.grad = mg.tensor(np.array([2.0]))
    opt.step()
    assert p.item() > 0


def test_old_checkpoints_without_the_new_flags_still_load():
    # a state dict written before maximize / amsgrad existed: they take their defaults
    params = [mg.zeros(2, requires_grad=True)]
    sd = mg.optim.Adam(params, lr=0.1).state_dict()
    for key in ("amsgrad", "maximize", "decoupled_weight_decay"):
        del sd["param_groups"][0][key]
    opt = mg.optim.Adam(params)
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["amsgrad"] is False


@pytest.mark.parametrize("name, kwargs, message", [
    ("RMSprop", dict(alpha=-0.1), "alpha"),
    ("RMSprop", dict(momentum=-1.0), "momentum"),
    ("Adagrad", dict(lr_decay=-1.0), "lr_decay"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    ("Adadelta", dict(rho=1.5), "rho"),
    ("NAdam", dict(momentum_decay=-1.0), "momentum_decay"),
    ("NAdam", dict(betas=(1.0, 0.9)), "betas"),
    ("RAdam", dict(eps=-1.0), "eps"),
    ("Adamax", dict(weight_decay=-1.0), "weight_decay"),
    ("Adamax", dict(lr=-1.0), "learning rate"),
])
def test_rejects_invalid_hyperparameters(name, kwargs, message):
    with pytest.raises(ValueError, match=f"{name}: invalid {message}"):
        getattr(mg.optim, name)([mg.zeros(2, requires_grad=True)], **kwargs)
