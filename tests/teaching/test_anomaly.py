"""detect_anomaly(): the first op whose forward or backward makes NaN/Inf raises, naming
the op and showing the line of the user's code that created it."""

import importlib.util
import warnings

import numpy as np
import pytest

import minigrad as mg

HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(autouse=True)
def quiet_numpy():
    # log(0) and 0/0 are the point of these tests; NumPy's RuntimeWarnings are expected.
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def test_log_of_zero_in_forward_is_caught_at_the_op():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(mg.AnomalyError) as info:
        with mg.detect_anomaly():
            y = x.log()  # planted: log(0) = -inf
    message = str(info.value)
    assert message.startswith("Log: forward produced Inf")
    assert "test_anomaly.py" in message and "y = x.log()  # planted" in message
    assert "tensor.py" not in message  # the user's line, not the engine's


def test_zero_over_zero_in_backward_is_caught_and_points_at_the_forward_line():
    # The classic masked-sqrt NaN: sqrt is fine at 0 in forward, but its backward
    # g / (2 sqrt(x)) is 0 / 0 = NaN where the mask zeroed g.
    x = mg.tensor([0.0, 4.0], requires_grad=True)
    mask = mg.tensor([0.0, 1.0])
    with pytest.raises(mg.AnomalyError) as info:
        with mg.detect_anomaly():
            root = x.sqrt()  # planted: sqrt at 0
            (root * mask).sum().backward()
    message = str(info.value)
    assert message.startswith("Sqrt: backward produced NaN")
    assert "root = x.sqrt()  # planted" in message
    assert x.grad is None  # the error came before the gradient reached x


def test_without_anomaly_mode_the_nan_passes_silently():
    x = mg.tensor([0.0, 4.0], requires_grad=True)
    (x.sqrt() * mg.tensor([0.0, 1.0])).sum().backward()
    assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1] == pytest.approx(0.25)


def test_anomaly_mode_is_switched_off_on_exit_even_after_an_error():
    x = mg.tensor([0.0], requires_grad=True)
    with pytest.raises(mg.AnomalyError):
        with mg.detect_anomaly():
            x.log()
    assert np.isneginf(x.log().numpy()[0])  # no error outside the block


def test_finite_values_pass_in_anomaly_mode():
    x = mg.tensor([1.0, 4.0], requires_grad=True)
    with mg.detect_anomaly():
        x.sqrt().log().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 / (2 * x.numpy()))


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
def test_pytorch_also_flags_the_masked_sqrt():
    import torch

    x = torch.tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="SqrtBackward0.*nan"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch warns that anomaly mode is slow
            with torch.autograd.detect_anomaly():
                (x.sqrt() * torch.tensor([0.0, 1.0])).sum().backward()


def test_the_users_line_is_found_when_the_checkout_is_called_minigrad(tmp_path):
    # A learner clones the repository into ~/minigrad and runs a script from there. Every
    # path then contains "/minigrad/": the error must still show the script's line,
    # not the engine's.
    script = tmp_path / "minigrad" / "examples" / "debug_me.py"
    script.parent.mkdir(parents=True)
    source = "def run(mg, x):\n    return x.log()  # the user's line\n"
    script.write_text(source)
    namespace = {}
    exec(compile(source, str(script), "exec"), namespace)
    x = mg.tensor([0.0], requires_grad=True)
    with pytest.raises(mg.AnomalyError) as info:
        with mg.detect_anomaly():
            namespace["run"](mg, x)
    message = str(info.value)
    assert "debug_me.py" in message and "return x.log()" in message
    assert "tensor.py" not in message and "elementwise.py" not in message
