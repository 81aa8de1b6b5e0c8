"""The recurrent cells' kernels: the NumPy reference against the cell math written plainly in
float64; the Triton kernels against the reference (under the interpreter on a CPU, compiled
on a GPU) with outputs poisoned, ragged hidden sizes and strided views; the dispatch entries;
and the Recurrence op on the GPU."""
from __future__ import annotations

import numpy as np
import pytest

import kernels
from kernels import reference

from .conftest import relative_error

TOLERANCE = {np.float64: 1e-12, np.float32: 2e-6, np.float16: 3e-3}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_math(gx, gh, c):
    """(state [h' | c'], gates [i, f, g, o]) in float64, straight from the formulas."""
    gx, gh, c = (np.asarray(a, np.float64) for a in (gx, gh, c))
    h = c.shape[1]
    pre = gx + gh
    i, f, o = sigmoid(pre[:, :h]), sigmoid(pre[:, h:2 * h]), sigmoid(pre[:, 3 * h:])
    g = np.tanh(pre[:, 2 * h:3 * h])
    c_new = f * c + i * g
    return np.concatenate([o * np.tanh(c_new), c_new], axis=1), np.concatenate([i, f, g, o], axis=1)


def lstm_backward_math(dh, dc, c, c_new, gates):
    """(dgates, dc_prev) in float64 from the backward kernel's own inputs (the saved gates are
    what the forward stored: rounded to float16 in float16, so the check starts from them)."""
    dh, dc, c, c_new, gates = (np.asarray(a, np.float64) for a in (dh, dc, c, c_new, gates))
    h = c.shape[1]
    i, f, g, o = (gates[:, k * h:(k + 1) * h] for k in range(4))
    dc_all = dc + dh * o * (1 - np.tanh(c_new) ** 2)
    dgates = np.concatenate([dc_all * g * i * (1 - i), dc_all * c * f * (1 - f), dc_all * i * (1 - g ** 2),
                             dh * np.tanh(c_new) * o * (1 - o)], axis=1)
    return dgates, dc_all * f


def gru_math(gx, gh, h):
    """(h', saved [r, z, n, gh_n]) in float64."""
    gx, gh, h = (np.asarray(a, np.float64) for a in (gx, gh, h))
    k = h.shape[1]
    r = sigmoid(gx[:, :k] + gh[:, :k])
    z = sigmoid(gx[:, k:2 * k] + gh[:, k:2 * k])
    n = np.tanh(gx[:, 2 * k:] + r * gh[:, 2 * k:])
    return (1 - z) * n + z * h, np.concatenate([r, z, n, gh[:, 2 * k:]], axis=1)


def gru_backward_math(dh, h, saved):
    """(dgx, dgh, dh_prev) in float64 from the backward kernel's inputs."""
    dh, h, saved = (np.asarray(a, np.float64) for a in (dh, h, saved))
    k = h.shape[1]
    r, z, n, gh_n = (saved[:, j * k:(j + 1) * k] for j in range(4))
    dn = dh * (1 - z) * (1 - n ** 2)
    dz = dh * (h - n) * z * (1 - z)
    dr = dn * gh_n * r * (1 - r)
    return np.concatenate([dr, dz, dn], axis=1), np.concatenate([dr, dz, dn * r], axis=1), dh * z


def draws(rng, dtype, *shapes, scale=2.0):
    return [(rng.standard_normal(s) * scale).astype(dtype) for s in shapes]


def check(out, ref, dtype, what):
    assert out.dtype == dtype, f"{what}: dtype {out.dtype}, expected {np.dtype(dtype)}"
    error = relative_error(out, ref)
    assert error <= TOLERANCE[dtype], f"{what}: relative error {error:.3g} ({np.dtype(dtype).name})"


# ---------------------------------------------------------------- the NumPy reference

@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("batch, hidden", [(1, 1), (3, 7), (5, 33)])
def test_lstm_reference_matches_the_formulas(dtype, batch, hidden, rng):
    gx, gh, c, dh, dc = draws(rng, dtype, (batch, 4 * hidden), (batch, 4 * hidden), (batch, hidden),
                              (batch, hidden), (batch, hidden))
    state, gates = kernels.lstm_cell_fwd(gx, gh, c)
    expected_state, expected_gates = lstm_math(gx, gh, c)
    check(state, expected_state, dtype, "state")
    check(gates, expected_gates, dtype, "gates")
    dgates, dc_prev = kernels.lstm_cell_bwd(dh, dc, c, state[:, hidden:], gates)
    expected_dgates, expected_dc = lstm_backward_math(dh, dc, c, state[:, hidden:], gates)
    check(dgates, expected_dgates, dtype, "dgates")
    check(dc_prev, expected_dc, dtype, "dc")


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("batch, hidden", [(1, 1), (4, 9)])
def test_gru_reference_matches_the_formulas(dtype, batch, hidden, rng):
    gx, gh, h, dh = draws(rng, dtype, (batch, 3 * hidden), (batch, 3 * hidden), (batch, hidden), (batch, hidden))
    h_new, saved = kernels.gru_cell_fwd(gx, gh, h)
    expected_h, expected_saved = gru_math(gx, gh, h)
    check(h_new, expected_h, dtype, "h'")
    check(saved, expected_saved, dtype, "saved")
    expected = gru_backward_math(dh, h, saved)
    for out, ref, what in zip(kernels.gru_cell_bwd(dh, h, saved), expected, ("dgx", "dgh", "dh")):
        check(out, ref, dtype, what)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_rnn_reference_matches_the_formulas(nonlinearity, dtype, rng):
    gx, gh, dh = draws(rng, dtype, (3, 11), (3, 11), (3, 11))
    pre = gx.astype(np.float64) + gh.astype(np.float64)
    expected = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)
    h_new = kernels.rnn_cell_fwd(gx, gh, nonlinearity)
    check(h_new, expected, dtype, "h'")
    slope = 1 - h_new.astype(np.float64) ** 2 if nonlinearity == "tanh" else h_new > 0
    check(kernels.rnn_cell_bwd(dh, h_new, nonlinearity), dh.astype(np.float64) * slope, dtype, "dpre")


def test_reference_sigmoid_does_not_overflow(rng):
    gx = np.array([[-1000.0, 1000.0, -800.0, 800.0]], dtype=np.float32)
    state, gates = kernels.lstm_cell_fwd(gx, np.zeros_like(gx), np.zeros((1, 1), np.float32))
    np.testing.assert_array_equal(gates, [[0.0, 1.0, -1.0, 1.0]])
    assert np.isfinite(state).all()


def test_kernels_check_their_shapes():
    with pytest.raises(ValueError, match=r"lstm_cell_fwd: the state must be \[B, H\] = \[2, 3\]"):
        kernels.lstm_cell_fwd(np.zeros((2, 12)), np.zeros((2, 12)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="gru_cell_fwd: gx and gh must be 2-D"):
        kernels.gru_cell_fwd(np.zeros((2, 6)), np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"gru_cell_bwd: the saved activations must be \[B, 4 H\]"):
        kernels.gru_cell_bwd(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 6)))
    with pytest.raises(TypeError, match="lstm_cell_bwd: .* must be a floating-point array"):
        kernels.lstm_cell_bwd(np.zeros((2, 2), int), np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2)),
                              np.zeros((2, 8)))
    with pytest.raises(ValueError, match="rnn_cell_fwd: nonlinearity must be 'tanh' or 'relu'"):
        kernels.rnn_cell_fwd(np.zeros((2, 2)), np.zeros((2, 2)), "sigmoid")


def test_dispatch_entries(no_forced_choices):
    for op in ("lstm_cell", "gru_cell", "rnn_cell"):
        assert kernels.implementations(op) == ["numpy", "triton"]
        assert kernels.chosen(op + "_fwd", np.zeros(2)) == "numpy"


# ---------------------------------------------------------------- Triton against the reference

def strided(xp_array, device):
    """The same values as a view with a row stride larger than its width (the state halves' layout)."""
    wide = np.concatenate([np.asarray(xp_array), np.full_like(np.asarray(xp_array), np.nan)], axis=1)
    return device.put(wide)[:, :xp_array.shape[1]]


TRITON_DTYPES = [np.float32, np.float64, np.float16]
SIZES = [(1, 1), (3, 5), (2, 300)]  # 300 hidden units: two blocks of 256, the second ragged


@pytest.mark.triton
@pytest.mark.usefixtures("poison")
@pytest.mark.parametrize("dtype", TRITON_DTYPES)
@pytest.mark.parametrize("batch, hidden", SIZES)
def test_triton_lstm(dtype, batch, hidden, rng, device):
    from kernels.triton import recurrent as tr

    gx, gh, c, dh, dc = draws(rng, dtype, (batch, 4 * hidden), (batch, 4 * hidden), (batch, hidden),
                              (batch, hidden), (batch, hidden))
    state, gates = tr.lstm_cell_fwd(device.put(gx), device.put(gh), strided(c, device))
    ref_state, ref_gates = reference.lstm_cell_fwd(gx, gh, c)
    check(to_host(state), ref_state.astype(np.float64), dtype, "state")
    check(to_host(gates), ref_gates.astype(np.float64), dtype, "gates")
    dgates, dc_prev = tr.lstm_cell_bwd(strided(dh, device), device.put(dc), device.put(c),
                                       device.put(ref_state[:, hidden:]), device.put(ref_gates))
    ref_dgates, ref_dc = reference.lstm_cell_bwd(dh, dc, c, ref_state[:, hidden:], ref_gates)
    check(to_host(dgates), ref_dgates.astype(np.float64), dtype, "dgates")
    check(to_host(dc_prev), ref_dc.astype(np.float64), dtype, "dc")


@pytest.mark.triton
@pytest.mark.usefixtures("poison")
@pytest.mark.parametrize("dtype", TRITON_DTYPES)
@pytest.mark.parametrize("batch, hidden", SIZES)
def test_triton_gru(dtype, batch, hidden, rng, device):
    from kernels.triton import recurrent as tr

    gx, gh, h, dh = draws(rng, dtype, (batch, 3 * hidden), (batch, 3 * hidden), (batch, hidden), (batch, hidden))
    h_new, saved = tr.gru_cell_fwd(device.put(gx), device.put(gh), strided(h, device))
    ref_h, ref_saved = reference.gru_cell_fwd(gx, gh, h)
    check(to_host(h_new), ref_h.astype(np.float64), dtype, "h'")
    check(to_host(saved), ref_saved.astype(np.float64), dtype, "saved")
    outs = tr.gru_cell_bwd(device.put(dh), strided(h, device), device.put(ref_saved))
    for out, ref, what in zip(outs, reference.gru_cell_bwd(dh, h, ref_saved), ("dgx", "dgh", "dh")):
        check(to_host(out), ref.astype(np.float64), dtype, what)


@pytest.mark.triton
@pytest.mark.usefixtures("poison")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("dtype", TRITON_DTYPES)
def test_triton_rnn(nonlinearity, dtype, rng, device):
    from kernels.triton import recurrent as tr

    gx, gh, dh = draws(rng, dtype, (3, 300), (3, 300), (3, 300))
    h_new = tr.rnn_cell_fwd(device.put(gx), strided(gh, device), nonlinearity)
    ref = reference.rnn_cell_fwd(gx, gh, nonlinearity)
    check(to_host(h_new), ref.astype(np.float64), dtype, "h'")
    dpre = tr.rnn_cell_bwd(device.put(dh), device.put(ref), nonlinearity)
    check(to_host(dpre), reference.rnn_cell_bwd(dh, ref, nonlinearity).astype(np.float64), dtype, "dpre")


@pytest.mark.triton
def test_triton_tanh_is_accurate_near_zero_and_saturates(device):
    """The hand-written tanh: the Taylor branch below 1/16, the exp branch above, no overflow."""
    from kernels.triton import recurrent as tr

    x = np.concatenate([np.geomspace(1e-12, 30, 200), [0.0625, 0.0624999, 700.0]])
    x = np.concatenate([x, -x])[None, :]
    out = to_host(tr.rnn_cell_fwd(device.put(x), device.put(np.zeros_like(x)), "tanh"))
    np.testing.assert_allclose(out, np.tanh(x), rtol=2e-15, atol=0)


@pytest.mark.triton
def test_recurrence_runs_the_triton_kernels_when_forced(no_forced_choices):
    """Through the op: forcing Triton (under the interpreter on a CPU) gives the NumPy numbers."""
    import minigrad as mg
    import minigrad.nn.functional as F

    rng = np.random.default_rng(0)
    results = {}
    for impl in ("numpy", "triton"):
        with kernels.use("lstm_cell", impl):
            gx = mg.tensor(rng.standard_normal((3, 2, 12)), dtype="float64", requires_grad=True)
            s = mg.tensor(rng.standard_normal((2, 6)), dtype="float64", requires_grad=True)
            w = mg.tensor(rng.standard_normal((12, 3)), dtype="float64", requires_grad=True)
            out = F.recurrence(gx, s, w, mode="LSTM")
            (out * out).sum().backward()
            results[impl] = [out.numpy(), gx.grad.numpy(), s.grad.numpy(), w.grad.numpy()]
        rng = np.random.default_rng(0)
    for a, b in zip(results["numpy"], results["triton"]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def to_host(array):
    return array.get() if hasattr(array, "get") and not isinstance(array, np.ndarray) else np.asarray(array)


# ---------------------------------------------------------------- on a GPU

@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers_on_the_gpu_match_the_cpu(kind, no_forced_choices):
    import minigrad as mg
    import minigrad.nn as nn

    mg.manual_seed(0)
    cpu = getattr(nn, kind)(7, 20, num_layers=2, bidirectional=True, dtype="float64")
    gpu = getattr(nn, kind)(7, 20, num_layers=2, bidirectional=True, dtype="float64").to("cuda")
    gpu.load_state_dict(cpu.state_dict())
    x = np.random.default_rng(1).standard_normal((6, 3, 7))
    results = []
    for model, device in ((cpu, "cpu"), (gpu, "cuda")):
        xt = mg.tensor(x, dtype="float64", device=device, requires_grad=True)
        out, _ = model(xt)
        (out * out).sum().backward()
        results.append([out.numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-11)
