"""Bad input gets a clear error naming the op, the shapes/dtypes and what was expected."""

import numpy as np
import pytest

import minigrad as mg


def test_broadcast_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError) as info:
        mg.ones(2, 3) + mg.ones(4)
    message = str(info.value)
    assert "Add" in message and "(2, 3)" in message and "(4,)" in message


def test_matmul_inner_dimension_mismatch():
    with pytest.raises(ValueError, match=r"matmul: inner dimensions differ: \(2, 3\) @ \(4, 5\)"):
        mg.ones(2, 3) @ mg.ones(4, 5)


def test_matmul_dtype_mismatch():
    with pytest.raises(TypeError, match="float32 and float64"):
        mg.ones(2, 2) @ mg.ones(2, 2, dtype="float64")


def test_index_out_of_range():
    with pytest.raises(IndexError, match=r"getitem: .*shape \(3,\)"):
        mg.ones(3)[5]
    with pytest.raises(IndexError, match="getitem"):
        mg.ones(3)[mg.tensor([0, 7])]


def test_float_index_is_rejected():
    with pytest.raises(IndexError, match="integer or bool"):
        mg.ones(3)[mg.tensor([0.0, 1.0])]


def test_reshape_to_the_wrong_size():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
        mg.ones(2, 3).reshape(4, 2)


def test_axis_out_of_range():
    with pytest.raises(IndexError, match=r"sum: dimension 3 is out of range for a tensor of shape \(2, 3\)"):
        mg.ones(2, 3).sum(axis=3)
    with pytest.raises(IndexError, match="softmax: dimension 2"):
        mg.softmax(mg.ones(2, 3), axis=2)


def test_concatenate_and_stack_shape_errors():
    with pytest.raises(ValueError, match=r"cat: shapes \[\(2, 3\), \(2, 4\)\] must match except along dim 0"):
        mg.concatenate([mg.ones(2, 3), mg.ones(2, 4)], axis=0)
    with pytest.raises(ValueError, match="stack"):
        mg.stack([mg.ones(2), mg.ones(3)])


def test_broadcast_to_an_incompatible_shape():
    with pytest.raises(ValueError, match=r"expand: cannot broadcast a tensor of shape \(3,\) to \(2, 4\)"):
        mg.ones(3).broadcast_to(2, 4)


def test_where_needs_a_bool_condition():
    with pytest.raises(TypeError, match="bool"):
        mg.where(mg.ones(2), mg.ones(2), mg.zeros(2))


def test_softmax_of_integers_is_rejected():
    with pytest.raises(TypeError, match="softmax: expected a floating-point tensor, got int64"):
        mg.softmax(mg.tensor([1, 2]))


def test_backward_gradient_of_the_wrong_shape():
    x = mg.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient has shape \(2,\)"):
        (x * 2).backward(np.ones(2, dtype=np.float32))


def test_gradcheck_reports_input_index_and_values():
    class WrongSquare(mg.Function):
        """x**2 with a deliberately wrong derivative (for this test only)."""

        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, g):
            return g * self.x  # should be 2x

    try:
        x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
        with pytest.raises(mg.GradcheckError, match=r"input 0 .* index \(0,\): analytic gradient 1\.0 but numeric 2\.0"):
            mg.gradcheck(lambda x: WrongSquare.apply(x).sum(), [x])
    finally:
        mg.OPS.pop("WrongSquare", None)


def test_gradcheck_needs_float64():
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(lambda x: x * 2, [mg.ones(2, requires_grad=True)])


def test_transpose_axis_out_of_range():
    with pytest.raises(IndexError, match="transpose: dimension 5"):
        mg.ones(2, 3).transpose(0, 5)


def test_mean_of_integers_is_refused_as_in_pytorch():
    with pytest.raises(TypeError, match="mean: expected a floating-point tensor, got int64"):
        mg.arange(3).mean()
