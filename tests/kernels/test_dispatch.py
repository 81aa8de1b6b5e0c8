"""The registry: what is available, forcing a choice, the env var, and clear errors."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import kernels
from kernels import dispatch

OPS = ["matmul", "softmax", "log_softmax", "cross_entropy", "layer_norm", "attention", "gelu",
       "adam_update"]


pytestmark = pytest.mark.usefixtures("no_forced_choices")


@pytest.mark.parametrize("op", OPS)
def test_every_op_has_numpy_and_it_is_the_cpu_default(op):
    assert kernels.available(op)[0] == "numpy"
    assert kernels.chosen(op, np.zeros(3)) == "numpy"


def test_function_names_map_to_their_op():
    assert kernels.available("softmax_fwd") == kernels.available("softmax")
    assert kernels.chosen("layer_norm_bwd", np.zeros(2)) == "numpy"


def test_gpu_kernels_are_registered():
    assert "triton" in kernels.implementations("matmul")
    assert "triton" in kernels.implementations("attention")
    assert "cupy" in kernels.implementations("gelu")
    assert "cupy" in kernels.implementations("adam_update")


def test_use_sets_until_reset():
    kernels.use("softmax", "triton")
    assert kernels.chosen("softmax", np.zeros(3)) == "triton"
    kernels.use("softmax", None)
    assert kernels.chosen("softmax", np.zeros(3)) == "numpy"


def test_use_as_a_context_manager_restores_the_previous_choice():
    kernels.use("matmul", "triton")
    with kernels.use("matmul", "numpy"):
        assert kernels.chosen("matmul", np.zeros(3)) == "numpy"
    assert kernels.chosen("matmul", np.zeros(3)) == "triton"


def test_use_rejects_unknown_ops_and_implementations():
    with pytest.raises(ValueError, match="unknown op 'softmaxx'"):
        kernels.use("softmaxx", "numpy")
    with pytest.raises(ValueError, match="'gelu' has no 'triton'"):
        kernels.use("gelu", "triton")


def test_forcing_cupy_on_numpy_arrays_is_a_clear_error():
    with kernels.use("gelu", "cupy"):
        with pytest.raises(RuntimeError, match="gelu"):
            kernels.gelu_fwd(np.zeros(3))


def test_forcing_triton_without_the_interpreter_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(dispatch, "_interpreting", lambda: False)
    with kernels.use("softmax", "triton"):
        with pytest.raises(RuntimeError, match="TRITON_INTERPRET"):
            kernels.softmax_fwd(np.zeros((2, 3)))


def test_forcing_a_missing_library_names_the_op_and_the_library(monkeypatch):
    monkeypatch.setattr(dispatch.importlib.util, "find_spec", lambda name: None)
    with kernels.use("attention", "triton"):
        with pytest.raises(RuntimeError, match="'attention'.*triton is not installed"):
            q = np.zeros((1, 1, 2, 4))
            kernels.attention_fwd(q, q, q)


def test_env_var_parsing():
    assert dispatch.parse_env("softmax=triton, matmul=numpy") == {"softmax": "triton",
                                                                   "matmul": "numpy"}
    assert dispatch.parse_env("") == {}
    with pytest.raises(ValueError, match="expected op=impl"):
        dispatch.parse_env("softmax")
    with pytest.raises(ValueError, match="no 'cupy'"):
        dispatch.parse_env("matmul=cupy")


def test_env_var_is_read_at_import():
    code = "import kernels, numpy; print(kernels.chosen('softmax', numpy.zeros(1)))"
    env = dict(os.environ, MINIGRAD_KERNELS="softmax=triton,matmul=numpy")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "triton"


def test_import_does_not_pull_in_gpu_libraries():
    code = ("import sys, kernels, numpy; kernels.softmax_fwd(numpy.zeros((2, 2))); "
            "print(sorted(m for m in ('triton', 'cupy', 'torch') if m in sys.modules))")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- input errors


def test_matmul_inner_dim_mismatch_names_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"matmul: inner dimensions differ.*float32\[2, 3\]"):
        kernels.matmul(np.zeros((2, 3), np.float32), np.zeros((4, 5), np.float32))


def test_matmul_batch_dims_that_do_not_broadcast():
    with pytest.raises(ValueError, match="do not broadcast"):
        kernels.matmul(np.zeros((2, 2, 3)), np.zeros((3, 3, 4)))


def test_attention_head_dim_mismatch():
    q, k = np.zeros((1, 2, 4, 8)), np.zeros((1, 2, 4, 16))
    with pytest.raises(ValueError, match="attention_fwd: head dims differ"):
        kernels.attention_fwd(q, k, k)


def test_cross_entropy_targets_must_be_integers_of_the_right_length():
    logits = np.zeros((3, 4))
    with pytest.raises(TypeError, match="cross_entropy_fwd: targets must be an integer"):
        kernels.cross_entropy_fwd(logits, np.zeros(3))
    with pytest.raises(ValueError, match=r"targets must have shape \[3\]"):
        kernels.cross_entropy_fwd(logits, np.zeros(2, np.int64))
    with pytest.raises(IndexError, match="target 7 is out of range for 4 classes"):
        kernels.cross_entropy_fwd(logits, np.array([0, 7, 1]))


def test_layer_norm_weight_shape_is_checked():
    with pytest.raises(ValueError, match=r"layer_norm_fwd: weight must have shape \[5\]"):
        kernels.layer_norm_fwd(np.zeros((2, 5)), np.ones(4), None, 1e-5)


def test_softmax_rejects_integer_input():
    with pytest.raises(TypeError, match="softmax_fwd: x must be a floating-point array"):
        kernels.softmax_fwd(np.arange(4))


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        kernels.gelu_fwd(np.zeros(3), "erf")


def test_adam_shapes_and_step_are_checked():
    p = np.zeros(3)
    with pytest.raises(ValueError, match="grad must have the shape of param"):
        kernels.adam_update(p, np.zeros(4), np.zeros(3), np.zeros(3), lr=1e-3, beta1=0.9,
                            beta2=0.999, eps=1e-8, weight_decay=0, step=1, decoupled=False)
    with pytest.raises(ValueError, match="step counts from 1"):
        kernels.adam_update(p, p, np.zeros(3), np.zeros(3), lr=1e-3, beta1=0.9, beta2=0.999,
                            eps=1e-8, weight_decay=0, step=0, decoupled=False)


def test_declined_inputs_fall_back_to_the_reference_unless_forced(monkeypatch):
    from kernels import reference
    from kernels._arrays import Unsupported

    class Declines:
        @staticmethod
        def softmax_fwd(x):
            raise Unsupported("softmax_fwd: not this one")

    monkeypatch.setattr(kernels, "module_for", lambda op, array: Declines)
    x = np.ones((2, 3))
    np.testing.assert_array_equal(kernels.softmax_fwd(x), reference.softmax_fwd(x))
    with kernels.use("softmax", "triton"):
        with pytest.raises(Unsupported, match="not this one"):
            kernels.softmax_fwd(x)


class _FakeCupyArray:  # what dispatch sees of a CuPy array: its type's module
    pass


_FakeCupyArray.__module__ = "cupy._core.core"


@pytest.mark.skipif(not dispatch._installed("triton"), reason="needs triton installed")
def test_cupy_arrays_fall_back_when_triton_cannot_reach_the_gpu(monkeypatch):
    monkeypatch.setattr(dispatch, "_gpu_ready", {})

    def no_gpu():
        raise RuntimeError("0 active drivers")

    monkeypatch.setattr(dispatch, "_triton_finds_gpu", no_gpu)
    with pytest.warns(RuntimeWarning, match="Triton is installed but cannot launch on the GPU"):
        assert dispatch.chosen("matmul", _FakeCupyArray()) == "numpy"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # probed once: a second op neither probes nor warns
        assert dispatch.chosen("softmax", _FakeCupyArray()) == "numpy"


@pytest.mark.skipif(not dispatch._installed("triton"), reason="needs triton installed")
def test_cupy_arrays_run_triton_when_its_driver_finds_the_gpu(monkeypatch):
    monkeypatch.setattr(dispatch, "_gpu_ready", {})
    monkeypatch.setattr(dispatch, "_triton_finds_gpu", lambda: None)
    assert dispatch.chosen("matmul", _FakeCupyArray()) == "triton"
