"""PyTorch's spellings give PyTorch's answers: the known traps (max with a dim, two-axis
transpose), dim/keepdim next to NumPy's axis/keepdims, var's correction, size(), conversions and
interop with NumPy, DLPack, torch and pandas, and loud errors where PyTorch raises."""

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)


def _same(ours, theirs):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.numpy() if isinstance(ours, mg.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


# ---- the two traps -------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.max(x, 1), lambda lib, x: x.max(1), lambda lib, x: x.max(dim=1),
    lambda lib, x: x.min(0, keepdim=True), lambda lib, x: lib.min(x, dim=-1),
])
def test_max_and_min_with_a_dim_return_values_and_indices(call):
    data = rng.standard_normal((2, 5)).astype(np.float32)
    ours, theirs = call(mg, mg.tensor(data)), call(torch, torch.tensor(data))
    values, indices = ours  # unpacks as PyTorch's named tuple does
    _same(values, theirs.values)
    _same(indices, theirs.indices)
    assert ours.values is values and ours.indices is indices and indices.dtype == mg.int64


def test_the_classic_accuracy_line_is_right_for_a_batch_of_two():
    outputs = mg.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    _, predicted = mg.max(outputs, 1)
    assert predicted.tolist() == [1, 0]
    assert (predicted == mg.tensor([1, 2])).sum().item() == 1


def test_max_with_a_dim_sends_the_gradient_to_the_returned_index():
    data = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    x, tx = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    x.max(1).values.sum().backward()
    tx.max(1).values.sum().backward()
    _same(x.grad, tx.grad)


def test_max_spelled_numpys_way_and_without_dim():
    data = rng.standard_normal((3, 4))
    x = mg.tensor(data)
    _same(x.max(axis=1), data.max(axis=1))  # values only, as NumPy
    _same(x.max(), data.max())
    _same(mg.max(x, mg.tensor(np.zeros((3, 4)))), np.maximum(data, 0))  # torch.max(a, b)
    _same(x.amax(dim=(0, 1)), data.max())
    with pytest.raises(TypeError, match="dim must be an int"):
        x.max(dim=(0, 1))


def test_transpose_of_two_axes_swaps_them_and_permute_takes_the_whole_order():
    data = rng.standard_normal((2, 3, 4))
    x, tx = mg.tensor(data), torch.tensor(data)
    _same(x[0].transpose(0, 1), tx[0].transpose(0, 1))
    _same(x.transpose(0, 2), tx.transpose(0, 2))
    _same(x.transpose(-1, -2), tx.transpose(-1, -2))
    _same(x.permute(2, 0, 1), tx.permute(2, 0, 1))
    _same(x.permute((1, 2, 0)), tx.permute((1, 2, 0)))
    _same(x.transpose((2, 1, 0)), data.transpose((2, 1, 0)))  # NumPy's one-sequence form
    _same(x.mT, tx.mT)
    with pytest.raises(ValueError, match="permute"):
        x.permute(0, 1)


# ---- dim / keepdim next to axis / keepdims ---------------------------------------------------------


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "argmax", "argmin"])
def test_reductions_take_both_spellings(name):
    data = rng.standard_normal((2, 3, 4))
    x, tx = mg.tensor(data), torch.tensor(data)
    _same(getattr(x, name)(dim=1, keepdim=True), getattr(tx, name)(dim=1, keepdim=True))
    _same(getattr(x, name)(1), getattr(tx, name)(1))
    _same(getattr(x, name)(axis=-1, keepdims=True), getattr(tx, name)(dim=-1, keepdim=True))
    with pytest.raises(TypeError, match="both dim= and axis="):
        getattr(x, name)(dim=0, axis=0)


def test_var_and_its_corrections():
    data = rng.standard_normal((4, 5))
    x, tx = mg.tensor(data), torch.tensor(data)
    _same(x.var(), tx.var())  # PyTorch's default: unbiased
    _same(x.var(1), tx.var(1))
    _same(x.var(dim=0, unbiased=False), tx.var(dim=0, unbiased=False))
    _same(x.var(dim=1, correction=2, keepdim=True), tx.var(dim=1, correction=2, keepdim=True))
    _same(x.var(axis=0), data.var(axis=0))  # spelled NumPy's way: NumPy's ddof=0
    _same(x.var(axis=0, ddof=1), data.var(axis=0, ddof=1))


def test_var_with_a_correction_at_or_above_the_count_is_inf_as_pytorch():
    x, tx = mg.tensor([1.0, 2.0, 4.0], requires_grad=True), torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
    ours, theirs = x.var(correction=5), tx.var(correction=5)
    assert np.isinf(ours.item()) and ours.item() == theirs.item()
    ours.backward()  # divides by n - correction <= 0: no finite gradient (no ZeroDivisionError either)
    assert not np.isfinite(x.grad.numpy()).any()


def test_sum_of_integers_and_bools_is_int64_and_dtype_casts():
    assert mg.tensor([True, False, True]).sum().dtype == mg.int64
    assert mg.tensor(np.array([1, 2], dtype=np.int32)).sum().dtype == mg.int64
    assert mg.tensor([1, 2]).sum(dtype=mg.float64).dtype == mg.float64
    assert mg.tensor([1, 2]).mean(dtype=mg.float32).item() == 1.5


# ---- sizes, conversions and interop ----------------------------------------------------------


def test_size_is_numpys_count_and_pytorchs_method():
    x = mg.zeros(2, 3, 4)
    assert x.size == 24 and x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == 24 and x.dim() == 3 and len(x) == 2
    with pytest.raises(IndexError, match="size: dimension 3"):
        x.size(3)


def test_python_number_conversions():
    assert float(mg.tensor([2.5])) == 2.5 and int(mg.tensor(7)) == 7 and bool(mg.tensor([1.0]))
    assert [10, 20, 30][mg.tensor(1)] == 20
    with pytest.raises(ValueError, match="only a one-element tensor"):
        float(mg.ones(2))
    with pytest.raises(TypeError, match="only integer tensors"):
        [1, 2][mg.tensor(1.0)]


def test_numpy_asarray_returns_the_data():
    x = mg.tensor([[1.0, 2.0]])
    a = np.asarray(x)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.shape == (1, 2)
    assert np.shares_memory(a, x.data)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert [row.tolist() for row in mg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]


def test_dlpack_both_ways_without_copying():
    a = np.arange(6.0).reshape(2, 3)
    t = mg.from_dlpack(a)
    assert np.shares_memory(t.data, a)
    back = np.from_dlpack(t)
    assert np.shares_memory(back, a)
    tt = torch.from_dlpack(t)
    assert tt.data_ptr() == a.ctypes.data
    ours = mg.from_dlpack(torch.arange(4.0))
    assert ours.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert t.__dlpack_device__()[0] == 1


def test_from_numpy_shares_memory():
    a = np.zeros(3, dtype=np.float64)
    t = mg.from_numpy(a)
    t[0] = 5.0
    assert a[0] == 5.0 and t.dtype == mg.float64
    with pytest.raises(TypeError, match="from_numpy"):
        mg.from_numpy([1.0, 2.0])


def test_tensor_from_torch_pandas_and_numpy_scalars():
    assert mg.tensor(torch.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert mg.tensor(torch.tensor([1, 2])).dtype == mg.int64
    assert mg.tensor(torch.ones(2, requires_grad=True)).device == "cpu"
    pd = pytest.importorskip("pandas")
    series = pd.Series([1.5, 2.5])
    assert mg.tensor(series).tolist() == [1.5, 2.5] and mg.tensor(series).dtype == mg.float64
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    assert mg.tensor(frame).tolist() == [[1, 3], [2, 4]]
    assert mg.tensor([np.float64(1.0), np.float64(2.0)]).dtype == torch_dtype_name(torch.tensor(
        [np.float64(1.0), np.float64(2.0)]))


def torch_dtype_name(t):
    return np.dtype(str(t.dtype).split(".")[-1])


def test_object_and_string_data_are_a_clear_type_error():
    with pytest.raises(TypeError, match="cannot make a tensor"):
        mg.tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="cannot make a tensor"):
        mg.tensor(np.array([object()]))


def test_integer_inputs_to_float_functions_give_float32():
    x = mg.tensor([1, 2, 3])
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "erf"):
        assert getattr(x, name)().dtype == mg.float32, name
    assert (x / 2).dtype == mg.float32


def test_dtype_names_and_conversions():
    assert mg.float is mg.float32 and mg.long is mg.int64 and mg.double is mg.float64
    x = mg.tensor([1.5, -2.0])
    assert x.long().tolist() == [1, -2] and x.int().dtype == mg.int32 and x.half().dtype == mg.float16
    assert x.to(mg.float64).dtype == mg.float64 and x.to("cpu", mg.float64).dtype == mg.float64
    assert x.type_as(mg.tensor([1])).dtype == mg.int64 and x.bool().tolist() == [True, True]
    assert x.to(mg.zeros(1, dtype=mg.float64)).dtype == mg.float64


def test_grad_mode_switches():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with mg.inference_mode():
        assert not (x * 2).requires_grad

    @mg.no_grad()
    def f():
        return x * 2

    assert not f().requires_grad
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


# ---- loud errors where PyTorch raises ---------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: mg.stack([mg.ones(2), mg.ones(2)], axis=77), "stack: dimension 77 is out of range"),
    (lambda: mg.concatenate([mg.ones(2, 2), mg.ones(2, 2)], axis=3), "cat: dimension 3 is out of range"),
    (lambda: mg.ones(1, 2, 1, 3).squeeze(6), "squeeze: dimension 6 is out of range"),
    (lambda: mg.ones(2, 3).unsqueeze(4), "unsqueeze: dimension 4 is out of range"),
    (lambda: mg.ones(2, 3).sum(dim=2), "sum: dimension 2 is out of range"),
    (lambda: mg.ones(2, 3).max(5), "max: dimension 5 is out of range"),
])
def test_axes_out_of_range_are_index_errors(call, message):
    with pytest.raises(IndexError, match=message):
        call()


def test_zero_dimensional_tensors_reduce_and_squeeze_as_in_pytorch():
    x, tx = mg.tensor(3.0), torch.tensor(3.0)
    for name in ("sum", "mean", "amax"):
        _same(getattr(x, name)(0), getattr(tx, name)(0))
        _same(getattr(x, name)(-1, keepdim=True), getattr(tx, name)(-1, keepdim=True))
    _same(x.squeeze(0), tx.squeeze(0))
    _same(x.max(0).values, tx.max(0).values)
    with pytest.raises(ValueError, match="zero-dimensional tensors cannot be concatenated"):
        mg.concatenate([x, x])
    _same(mg.stack([x, x]), torch.stack([tx, tx]))


def test_separated_advanced_indices_follow_pytorch():
    data = rng.standard_normal((2, 3, 4))
    x, tx = mg.tensor(data), torch.tensor(data)
    _same(x[1, :, [0, 3]], tx[1, :, [0, 3]])
    _same(x[:, 1, [0, 2]], tx[:, 1, [0, 2]])
    _same(x[[0, 1], 1, [0, 2]], tx[[0, 1], 1, [0, 2]])
    _same(x[0, mg.tensor([True, False, True])], tx[0, torch.tensor([True, False, True])])


def test_gradient_of_pow_at_zero_base_is_minus_inf_as_pytorch():
    base = mg.tensor([0.0, 0.0, 2.0], requires_grad=True)
    exponent = mg.tensor([-1.0, 2.0, 0.0], requires_grad=True)
    tb, te = torch.tensor([0.0, 0.0, 2.0], requires_grad=True), torch.tensor([-1.0, 2.0, 0.0], requires_grad=True)
    (base ** exponent).sum().backward()
    (tb ** te).sum().backward()
    _same(exponent.grad, te.grad)
    _same(base.grad, tb.grad)
    y = mg.tensor([-1.0, 1.0], requires_grad=True)
    ty = torch.tensor([-1.0, 1.0], requires_grad=True)
    (0.0 ** y).sum().backward()
    (0.0 ** ty).sum().backward()
    _same(y.grad, ty.grad)
