"""Every GPU kernel on CuPy arrays against the NumPy reference, in its dtype's tolerance:
the Triton kernels compiled, the CuPy kernels, the reference running on CuPy, and the
dispatcher's defaults. Skipped without CuPy and a CUDA device."""
from __future__ import annotations

import numpy as np
import pytest

import kernels
from kernels import reference

pytestmark = [pytest.mark.gpu, pytest.mark.usefixtures("poison", "no_forced_choices")]

GPU_TOLERANCE = {"float64": 1e-10, "float32": 1e-5, "float16": 5e-3}


@pytest.fixture
def cp():
    import cupy

    return cupy


def close(out, ref, dtype, tol=None):
    out = out.get() if hasattr(out, "get") else np.asarray(out)
    out, ref = out.astype(np.float64), np.asarray(ref, dtype=np.float64)
    assert out.shape == ref.shape
    assert not np.isnan(out).any(), "NaN in the output"
    scale = np.linalg.norm(ref)
    error = np.linalg.norm(out - ref) / (scale if scale > 0 else 1.0)
    budget = tol or GPU_TOLERANCE[np.dtype(dtype).name]
    assert error <= budget, f"relative error {error:.3g} > {budget:.3g} ({np.dtype(dtype).name})"




def test_defaults_on_cupy_arrays(cp):
    x = cp.zeros(3, dtype=cp.float32)
    assert kernels.chosen("softmax", x) in ("triton", "numpy")
    assert kernels.chosen("gelu", x) == "cupy"
    assert kernels.chosen("adam_update", x) == "cupy"


@pytest.mark.parametrize("impl", ["triton", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
def test_matmul(impl, dtype, cp, rng):
    a = rng.standard_normal((3, 300, 200)).astype(dtype)
    b = rng.standard_normal((200, 170)).astype(dtype)
    with kernels.use("matmul", impl):
        c = kernels.matmul(cp.asarray(a), cp.asarray(b))
    assert isinstance(c, cp.ndarray) and c.dtype == dtype
    close(c, a.astype(np.float64) @ b.astype(np.float64), dtype)


def test_matmul_autotune_uses_cupy_timing(cp, rng):
    from kernels.triton import matmul as tmm

    a = cp.asarray(rng.standard_normal((512, 384)).astype(np.float16))
    b = cp.asarray(rng.standard_normal((384, 256)).astype(np.float16))
    close(tmm.matmul(a, b), a.get().astype(np.float64) @ b.get().astype(np.float64), np.float16)
    assert tmm._autotuned().best_config is not None


def test_the_autotuner_reads_the_gpus_shared_memory(cp, monkeypatch):
    """The device's compute capability and opt-in shared memory per block (227 KiB on an
    H100 or H200), and the TF32 tiles that cannot load there left out before compiling."""
    import triton

    from kernels.triton import _bridge
    from kernels.triton import matmul as tmm

    operand = _bridge.pointer(cp.zeros((4, 4), dtype=cp.float32))
    capability, shared = _bridge.device_limits(operand)
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    assert capability == 10 * props["major"] + props["minor"]
    assert shared >= props["sharedMemPerBlock"]
    if capability == 90:
        assert shared == 232448
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "full")
    configs = [triton.Config(dict(BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk, GROUP_M=g), num_warps=w,
                             num_stages=s) for bm, bn, bk, g, w, s in tmm.CONFIGS]
    kept = {tmm._as_tuple(c) for c in tmm._prune(configs, {"a_ptr": operand}, PRECISION="tf32")}
    for config in tmm.CONFIGS:
        fits = tmm.shared_memory_estimate(config, "float32", "tf32", capability) <= shared
        assert (config in kept) == fits, config


def test_matmul_tf32_is_close(cp, rng):
    from kernels.triton import matmul as tmm

    a = cp.asarray(rng.standard_normal((256, 256)).astype(np.float32))
    b = cp.asarray(rng.standard_normal((256, 128)).astype(np.float32))
    close(tmm.matmul(a, b, allow_tf32=True), a.get().astype(np.float64) @ b.get(), np.float32,
          tol=5e-3)


@pytest.mark.parametrize("impl", ["triton", "cupy", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("cols", [1, 37, 1000, 20000])
def test_softmax(impl, dtype, cols, cp, rng):
    if impl == "cupy" and dtype == np.float16:
        pytest.skip("the raw CUDA softmax takes float32/float64")
    x = (rng.standard_normal((8, cols)) * 3).astype(dtype)
    dy = rng.standard_normal((8, cols)).astype(dtype)
    ref = reference.softmax_fwd(x.astype(np.float64))
    log_impl = "numpy" if impl == "cupy" else impl  # log-softmax has no CuPy kernel
    with kernels.use("softmax", impl), kernels.use("log_softmax", log_impl):
        close(kernels.softmax_fwd(cp.asarray(x)), ref, dtype)
        close(kernels.log_softmax_fwd(cp.asarray(x)), np.log(ref), dtype,
              tol=None if dtype != np.float16 else 2e-2)
        y = ref.astype(dtype)
        close(kernels.softmax_bwd(cp.asarray(y), cp.asarray(dy)),
              reference.softmax_bwd(y.astype(np.float64), dy.astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_looped_path_compiled(dtype, cp, rng):
    from kernels.triton import softmax as tsm

    x = (rng.standard_normal((4, 3000)) * 5).astype(dtype)
    close(tsm.softmax_fwd(cp.asarray(x), loop_above=0, block=256),
          reference.softmax_fwd(x.astype(np.float64)), dtype)
    close(tsm.log_softmax_bwd(cp.asarray(x), cp.asarray(x), loop_above=0, block=256),
          reference.log_softmax_bwd(x.astype(np.float64), x.astype(np.float64)), dtype)


@pytest.mark.parametrize("impl", ["triton", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy(impl, dtype, smoothing, cp, rng):
    n, c = 16, 50257
    x = (rng.standard_normal((n, c)) * 2).astype(dtype)
    t = rng.integers(0, c, n)
    t[3] = -100
    dl = rng.standard_normal(n).astype(dtype)
    ref_losses, ref_lse = reference.cross_entropy_fwd(x.astype(np.float64), t, -100, smoothing)
    with kernels.use("cross_entropy", impl):
        losses, lse = kernels.cross_entropy_fwd(cp.asarray(x), cp.asarray(t), -100, smoothing)
        dx = kernels.cross_entropy_bwd(cp.asarray(x), cp.asarray(t), lse, cp.asarray(dl), -100,
                                       smoothing)
    close(losses, ref_losses, dtype)
    close(lse, ref_lse, np.float64 if dtype == np.float64 else np.float32)
    close(dx, reference.cross_entropy_bwd(x.astype(np.float64), t, ref_lse,
                                          dl.astype(np.float64), -100, smoothing), dtype)


@pytest.mark.parametrize("impl", ["triton", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(impl, dtype, affine, cp, rng):
    x = (rng.standard_normal((4, 33, 768)) + 0.5).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    w = rng.standard_normal(768).astype(dtype) if affine else None
    b = rng.standard_normal(768).astype(dtype) if affine else None
    put = (lambda a: None if a is None else cp.asarray(a))
    as64 = (lambda a: None if a is None else a.astype(np.float64))
    y_ref, mean_ref, rstd_ref = reference.layer_norm_fwd(as64(x), as64(w), as64(b), 1e-5)
    with kernels.use("layer_norm", impl):
        y, mean, rstd = kernels.layer_norm_fwd(put(x), put(w), put(b), 1e-5)
        grads = kernels.layer_norm_bwd(put(dy), put(x), put(w), mean, rstd)
    close(y, y_ref, dtype)
    refs = reference.layer_norm_bwd(as64(dy), as64(x), as64(w), mean_ref, rstd_ref)
    for got, want in zip(grads, refs):
        if want is None:
            assert got is None
        else:
            close(got, want, dtype, tol=2e-2 if dtype == np.float16 else None)


@pytest.mark.parametrize("impl", ["triton", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
@pytest.mark.parametrize("d", [32, 64, 128])
@pytest.mark.parametrize("causal", [False, True])
def test_attention(impl, dtype, d, causal, cp, rng):
    b, h, t = 2, 3, 200
    q, k, v, do = (rng.standard_normal((b, h, t, d)).astype(dtype) for _ in range(4))
    with kernels.use("attention", impl):
        o, lse = kernels.attention_fwd(cp.asarray(q), cp.asarray(k), cp.asarray(v), causal)
        grads = kernels.attention_bwd(cp.asarray(q), cp.asarray(k), cp.asarray(v), o, lse,
                                      cp.asarray(do), causal)
    as64 = [a.astype(np.float64) for a in (q, k, v, do)]
    o_ref, lse_ref = reference.attention_fwd(*as64[:3], causal)
    close(o, o_ref, dtype)
    close(lse, lse_ref, np.float64 if dtype == np.float64 else np.float32)
    refs = reference.attention_bwd(*as64[:3], o_ref, lse_ref, as64[3], causal)
    for got, want in zip(grads, refs):
        close(got, want, dtype, tol=2e-2 if dtype == np.float16 else None)


@pytest.mark.parametrize("impl", ["cupy", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(impl, dtype, approximate, cp, rng):
    x = (rng.standard_normal((64, 129)) * 3).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    with kernels.use("gelu", impl):
        y = kernels.gelu_fwd(cp.asarray(x), approximate)
        dx = kernels.gelu_bwd(cp.asarray(x), cp.asarray(dy), approximate)
    assert y.dtype == dtype
    close(y, reference.gelu_fwd(x.astype(np.float64), approximate), dtype)
    close(dx, reference.gelu_bwd(x.astype(np.float64), dy.astype(np.float64), approximate), dtype)


@pytest.mark.parametrize("impl", ["cupy", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_update(impl, dtype, decoupled, cp, rng):
    param = rng.standard_normal((33, 17)).astype(dtype)
    m, v = np.zeros_like(param), np.zeros_like(param)
    gp, gm, gv = cp.asarray(param), cp.asarray(m), cp.asarray(v)
    for step in range(1, 4):
        grad = rng.standard_normal(param.shape).astype(dtype)
        options = dict(lr=1e-2, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.1, step=step,
                       decoupled=decoupled)
        reference.adam_update(param, grad, m, v, **options)
        with kernels.use("adam_update", impl):
            kernels.adam_update(gp, cp.asarray(grad), gm, gv, **options)
    for got, want in ((gp, param), (gm, m), (gv, v)):
        close(got, want, dtype)
