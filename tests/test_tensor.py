"""The Tensor and its factories: dtypes follow PyTorch, the basic properties, conversions."""

import numpy as np
import pytest

import minigrad as mg


def test_python_floats_become_float32_and_ints_int64():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor(3.5).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([True, False]).dtype == np.bool_


def test_numpy_arrays_keep_their_dtype_and_are_copied():
    source = np.arange(3, dtype=np.float64)
    t = mg.tensor(source)
    assert t.dtype == np.float64
    source[0] = 100
    assert t.numpy()[0] == 0


def test_explicit_dtype_wins():
    assert mg.tensor([1, 2], dtype="float64").dtype == np.float64
    assert mg.tensor([1.5], dtype=mg.float16).dtype == np.float16


def test_factories_default_to_float32_with_the_right_shape():
    for t in (mg.zeros(2, 3), mg.ones((2, 3)), mg.randn(2, 3), mg.rand(2, 3), mg.full((2, 3), 7.0)):
        assert t.shape == (2, 3) and t.dtype == np.float32
    assert mg.arange(5).dtype == np.int64 and mg.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_array_equal(mg.eye(3).numpy(), np.eye(3, dtype=np.float32))
    assert mg.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]


def test_manual_seed_reproduces_random_tensors():
    mg.manual_seed(3)
    a = mg.randn(4).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(a, mg.randn(4).numpy())


def test_properties_and_conversions():
    t = mg.tensor([[1.0, 2.0, 3.0]])
    assert t.shape == (1, 3) and t.ndim == 2 and t.size == 3 and t.device == "cpu"
    assert isinstance(t.numpy(), np.ndarray)
    assert mg.tensor([[4.0]]).item() == 4.0
    assert t.tolist() == [[1.0, 2.0, 3.0]]
    assert t.to("float64").dtype == np.float64
    assert len(t) == 1


def test_item_of_many_elements_is_a_clear_error():
    with pytest.raises(ValueError, match="item"):
        mg.tensor([1.0, 2.0]).item()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        mg.arange(3).requires_grad_()


def test_detach_shares_data_but_has_no_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.grad_fn is None


def test_repr_is_readable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert "grad_fn=<Mul>" in repr(x * 2)
    assert "dtype=float64" in repr(mg.tensor([1.0], dtype="float64"))


def test_cuda_without_a_gpu_is_a_clear_error():
    if mg.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="cuda"):
        mg.tensor([1.0], device="cuda")


def test_unknown_device_and_dtype_are_clear_errors():
    with pytest.raises(ValueError, match="unknown device"):
        mg.tensor([1.0], device="tpu")
    with pytest.raises(TypeError, match="unknown dtype"):
        mg.tensor([1.0], dtype="floaty")


def test_numpy_scalar_on_the_left_uses_the_tensor_op():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = np.float32(2.0) * x
    assert isinstance(y, mg.Tensor) and y.requires_grad
    z = np.ones(2, dtype=np.float32) + x
    assert isinstance(z, mg.Tensor)


def test_integer_tensor_with_a_python_float_gives_float32():
    assert (mg.tensor([1, 2]) * 0.5).dtype == np.float32
    assert (mg.tensor([1, 2]) / 2).dtype == np.float32
    assert (mg.tensor([1, 2]) + 1).dtype == np.int64
