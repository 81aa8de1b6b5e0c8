"""nn.init against PyTorch: the exact scales and bounds (fans, gains), the statistics of the draws,
in-place filling under no_grad, reproducibility from mg.manual_seed, and PyTorch's errors."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

torch = pytest.importorskip("torch")
tinit = torch.nn.init


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None),
    ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None),
])
def test_calculate_gain_is_pytorchs(nonlinearity, param):
    assert nn.init.calculate_gain(nonlinearity, param) == tinit.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        nn.init.calculate_gain("leaky_relu", "0.1")


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3), (6, 2, 3, 3), (4, 3, 2, 2, 2)])
def test_fans_are_pytorchs(shape):
    assert nn.init._calculate_fan_in_and_fan_out(mg.zeros(*shape)) == \
        tinit._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def _bound_and_std(fill, shape, **kwargs):
    """The largest |value| and the std of a large draw."""
    t = mg.zeros(*shape)
    assert fill(t, **kwargs) is t
    values = t.numpy()
    return np.abs(values).max(), values.std()


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier_and_kaiming_scales(shape):
    fan_in, fan_out = tinit._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    mg.manual_seed(0)
    bound, std = _bound_and_std(nn.init.xavier_uniform_, shape, gain=2.0)
    expected = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    assert expected * 0.99 < bound <= expected
    _, std = _bound_and_std(nn.init.xavier_normal_, shape, gain=0.5)
    assert abs(std / (0.5 * math.sqrt(2.0 / (fan_in + fan_out))) - 1) < 0.03
    bound, _ = _bound_and_std(nn.init.kaiming_uniform_, shape, a=math.sqrt(5))
    expected = math.sqrt(3.0) * tinit.calculate_gain("leaky_relu", math.sqrt(5)) / math.sqrt(fan_in)
    assert expected * 0.99 < bound <= expected  # nn.Linear's default: 1 / sqrt(fan_in)
    _, std = _bound_and_std(nn.init.kaiming_normal_, shape, mode="fan_out", nonlinearity="relu")
    assert abs(std / (math.sqrt(2.0) / math.sqrt(fan_out)) - 1) < 0.03


def test_uniform_normal_constant_and_friends():
    mg.manual_seed(1)
    t = mg.zeros(200, 100, dtype=mg.float64)
    nn.init.uniform_(t, -2.0, 3.0)
    assert -2.0 <= t.numpy().min() < -1.9 and 2.9 < t.numpy().max() < 3.0
    nn.init.normal_(t, 1.0, 0.5)
    assert abs(t.numpy().mean() - 1.0) < 0.01 and abs(t.numpy().std() - 0.5) < 0.01
    assert nn.init.constant_(t, 0.25).numpy().tolist() == np.full((200, 100), 0.25).tolist()
    assert nn.init.ones_(mg.zeros(2, 2)).tolist() == [[1, 1], [1, 1]]
    assert nn.init.zeros_(mg.ones(3)).tolist() == [0, 0, 0]
    assert nn.init.eye_(mg.zeros(2, 3)).tolist() == tinit.eye_(torch.zeros(2, 3)).tolist()
    w = mg.zeros(6, 2, 3, 3)
    assert nn.init.dirac_(w, groups=2).tolist() == tinit.dirac_(torch.zeros(6, 2, 3, 3), groups=2).tolist()


def test_trunc_normal_stays_in_its_bounds_with_the_right_statistics():
    mg.manual_seed(2)
    t = nn.init.trunc_normal_(mg.zeros(100_000, dtype=mg.float64), mean=0.5, std=2.0, a=-1.0, b=4.0)
    values = t.numpy()
    assert values.min() >= -1.0 and values.max() <= 4.0
    # the truncated normal's mean: mu + sigma (phi(alpha) - phi(beta)) / (Phi(beta) - Phi(alpha))
    alpha, beta = (-1.0 - 0.5) / 2.0, (4.0 - 0.5) / 2.0
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    mean = 0.5 + 2.0 * (phi(alpha) - phi(beta)) / (cdf(beta) - cdf(alpha))
    assert abs(values.mean() - mean) < 0.02
    with pytest.raises(ValueError, match="trunc_normal_: \\[10.0, 11.0\\] holds only"):
        nn.init.trunc_normal_(mg.zeros(3), a=10.0, b=11.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    t = nn.init.orthogonal_(mg.zeros(*shape, dtype=mg.float64), gain=2.0)
    flat = t.numpy().reshape(shape[0], -1) / 2.0
    product = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(product, np.eye(min(flat.shape)), atol=1e-12)


def test_init_fills_parameters_in_place_without_recording():
    layer = nn.Linear(4, 3)
    weight = layer.weight
    version = weight._version
    nn.init.kaiming_normal_(layer.weight)
    assert layer.weight is weight and weight.requires_grad and weight.grad_fn is None
    assert weight._version == version + 1
    layer.double()
    nn.init.xavier_uniform_(layer.weight)
    assert layer.weight.dtype == mg.float64


def test_init_is_reproducible_from_the_seed():
    mg.manual_seed(5)
    a = nn.init.normal_(mg.zeros(10)).tolist()
    mg.manual_seed(5)
    assert nn.init.normal_(mg.zeros(10)).tolist() == a


def test_fan_errors_and_empty_tensors():
    with pytest.raises(ValueError, match="fewer than 2 dims"):
        nn.init.xavier_uniform_(mg.zeros(3))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        nn.init.kaiming_uniform_(mg.zeros(3, 3), mode="fan")
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(mg.zeros(0, 3))
    with pytest.raises(ValueError, match="eye_: only 2-D"):
        nn.init.eye_(mg.zeros(2, 2, 2))


def test_module_apply_with_init_as_pytorch_snippets_write_it():
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    assert model.apply(init_weights) is model
    assert all(not m.bias.numpy().any() for m in model if isinstance(m, nn.Linear))
