"""Every Triton kernel against the NumPy reference in float64: under the interpreter on a CPU
(NumPy arrays), compiled on a GPU (CuPy arrays). Outputs are poisoned with NaN first, sizes
are ragged against the block sizes, and the looped long-row paths are forced at small sizes."""
from __future__ import annotations

import numpy as np
import pytest

import kernels
from kernels import reference
from kernels._arrays import get_xp

pytestmark = [pytest.mark.triton, pytest.mark.usefixtures("poison")]

DTYPES = [np.float32, np.float64, np.float16]


def as64(*arrays):
    return [None if a is None else np.asarray(a, dtype=np.float64) for a in arrays]


def host(array):
    return array.get() if hasattr(array, "get") and not isinstance(array, np.ndarray) else array


MATMUL_BUDGET = {np.float64: 1e-12, np.float32: 2e-6, np.float16: 3e-3}


def assert_matmul_close(c, a, b, dtype):
    """Each element's error bounded relative to sum_k |a_ik b_kj|: the rounding bound of a dot
    product. Relative to the result it is ill-posed, since a short dot product can cancel to ~0."""
    c = np.asarray(host(c), dtype=np.float64)
    a64, b64 = as64(a, b)
    assert c.shape == np.matmul(a64, b64).shape
    error = np.abs(c - np.matmul(a64, b64)) / np.maximum(np.matmul(np.abs(a64), np.abs(b64)), 1e-300)
    budget = MATMUL_BUDGET[np.dtype(dtype).type]
    assert not np.isnan(error).any() and error.max() <= budget, f"max scaled error {error.max():.3g} > {budget}"


# ---------------------------------------------------------------- matmul

SMALL_TILES = dict(BLOCK_M=16, BLOCK_N=16, BLOCK_K=16, GROUP_M=2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m, k, n", [(70, 50, 90), (1, 1, 1), (1, 33, 1), (17, 1, 23)])
def test_matmul_2d(dtype, m, k, n, rng, device):
    from kernels.triton import matmul as tmm

    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    c = tmm.matmul(device.put(a), device.put(b), config=SMALL_TILES)
    assert c.dtype == dtype
    assert_matmul_close(c, a, b, dtype)


@pytest.mark.parametrize("a_shape, b_shape", [
    ((3, 17, 23), (23, 9)), ((2, 3, 17, 23), (3, 23, 9)), ((2, 1, 7, 6), (1, 4, 6, 5)),
    ((19,), (19, 4)), ((6, 19), (19,)), ((19,), (19,)),
])
def test_matmul_batched_and_vectors(a_shape, b_shape, rng, device):
    from kernels.triton import matmul as tmm

    a = rng.standard_normal(a_shape).astype(np.float32)
    b = rng.standard_normal(b_shape).astype(np.float32)
    assert_matmul_close(tmm.matmul(device.put(a), device.put(b), config=SMALL_TILES), a, b, np.float32)


def test_matmul_transposed_operands(rng, device, assert_close):
    from kernels.triton import matmul as tmm

    a = rng.standard_normal((40, 30)).astype(np.float32)
    b = rng.standard_normal((20, 40)).astype(np.float32)
    c = tmm.matmul(device.put(a).T, device.put(b).T, config=SMALL_TILES)
    assert_close(host(c), as64(a)[0].T @ as64(b)[0].T, np.float32)


def test_matmul_autotuned_path(rng, device, assert_close):
    a = rng.standard_normal((37, 45)).astype(np.float32)
    b = rng.standard_normal((45, 29)).astype(np.float32)
    with kernels.use("matmul", "triton"):
        c = kernels.matmul(device.put(a), device.put(b))
    assert_close(host(c), np.matmul(*as64(a, b)), np.float32)


def test_matmul_tf32_switch_stays_close(rng, device, assert_close):
    from kernels.triton import matmul as tmm

    a = rng.standard_normal((33, 40)).astype(np.float32)
    b = rng.standard_normal((40, 18)).astype(np.float32)
    c = tmm.matmul(device.put(a), device.put(b), allow_tf32=True, config=SMALL_TILES)
    assert_close(host(c), np.matmul(*as64(a, b)), tol=5e-3)


def test_matmul_bfloat16_through_torch_tensors(rng, device, assert_close):
    torch = pytest.importorskip("torch")
    from kernels.triton import _bridge
    from kernels.triton import matmul as tmm

    where = "cpu" if device.name == "cpu" else "cuda"
    a = torch.tensor(rng.standard_normal((2, 30, 20)), dtype=torch.bfloat16, device=where)
    b = torch.tensor(rng.standard_normal((2, 20, 25)), dtype=torch.bfloat16, device=where)
    c = torch.full((2, 30, 25), float("nan"), dtype=torch.bfloat16, device=where)
    tmm.launch(a, b, c, _bridge.strides(a), _bridge.strides(b), _bridge.strides(c),
               config=SMALL_TILES)
    ref = a.double().cpu().numpy() @ b.double().cpu().numpy()
    assert_close(c.float().cpu().numpy(), ref, "bfloat16")


# ---------------------------------------------------------------- softmax family

ROW_SHAPES = [(5, 37), (1, 1), (1, 300), (4, 1), (2, 3, 20)]
PATHS = [dict(), dict(loop_above=0, block=16)]  # one block per row; the online loop


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROW_SHAPES)
@pytest.mark.parametrize("path", PATHS, ids=["row", "looped"])
def test_softmax_and_log_softmax(dtype, shape, path, rng, device, assert_close):
    from kernels.triton import softmax as tsm

    x = (rng.standard_normal(shape) * 3).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    x64, dy64 = as64(x, dy)
    y_ref, logy_ref = reference.softmax_fwd(x64), reference.log_softmax_fwd(x64)
    y = tsm.softmax_fwd(device.put(x), **path)
    logy = tsm.log_softmax_fwd(device.put(x), **path)
    assert y.dtype == logy.dtype == dtype
    assert_close(host(y), y_ref, dtype, what="softmax")
    assert_close(host(logy), logy_ref, dtype, what="log_softmax")
    # Backward from the reference's forward output, so only the backward's error counts.
    y_in, logy_in = y_ref.astype(dtype), logy_ref.astype(dtype)
    assert_close(host(tsm.softmax_bwd(device.put(y_in), device.put(dy), **path)),
                 reference.softmax_bwd(*as64(y_in, dy)), dtype, what="softmax_bwd")
    assert_close(host(tsm.log_softmax_bwd(device.put(logy_in), device.put(dy), **path)),
                 reference.log_softmax_bwd(*as64(logy_in, dy)), dtype, what="log_softmax_bwd")


@pytest.mark.parametrize("path", PATHS, ids=["row", "looped"])
def test_softmax_survives_huge_logits_and_minus_infinity(path, device):
    from kernels.triton import softmax as tsm

    x = np.full((2, 40), -np.inf, dtype=np.float32)
    x[0, 35] = 1e4
    x[1, :] = np.linspace(-1e4, 1e4, 40)
    y = host(tsm.softmax_fwd(device.put(x), **path))
    np.testing.assert_allclose(y, reference.softmax_fwd(x), atol=1e-6)


def test_softmax_dispatch_forced_to_triton(rng, device, assert_close):
    x = rng.standard_normal((3, 50)).astype(np.float32)
    with kernels.use("softmax", "triton"):
        assert kernels.chosen("softmax", device.put(x)) == "triton"
        assert_close(host(kernels.softmax_fwd(device.put(x))), reference.softmax_fwd(as64(x)[0]))


# ---------------------------------------------------------------- cross-entropy


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("n, c, block", [(9, 37, 16), (9, 37, None), (1, 1, None), (3, 200, 64)])
def test_cross_entropy(dtype, smoothing, n, c, block, rng, device, assert_close):
    from kernels.triton import cross_entropy as tce

    x = (rng.standard_normal((n, c)) * 3).astype(dtype)
    t = rng.integers(0, c, n)
    if n > 2:
        t[1] = -100
    dl = rng.standard_normal(n).astype(dtype)
    losses, lse = tce.cross_entropy_fwd(device.put(x), device.put(t), -100, smoothing, block=block)
    ref_losses, ref_lse = reference.cross_entropy_fwd(as64(x)[0], t, -100, smoothing)
    assert_close(host(losses), ref_losses, dtype, what="losses")
    # lse = max + log sum exp(x - max) adds two terms that can cancel to ~0: bound its rounding
    # by their size, max_j |x_j| + log(C), not by lse alone (as for attention's lse below).
    terms = np.abs(as64(x)[0]).max(axis=1) + np.log(c)
    lse_error = np.linalg.norm(host(lse).astype(np.float64) - ref_lse)
    lse_budget = 1e-12 if dtype == np.float64 else 2e-6  # the stats dtype's budget
    assert lse_error <= lse_budget * max(np.linalg.norm(ref_lse), np.linalg.norm(terms)), "lse"
    if n > 2:
        assert host(losses)[1] == 0
    dx = tce.cross_entropy_bwd(device.put(x), device.put(t), lse, device.put(dl), -100, smoothing,
                               block=block)
    ref_dx = reference.cross_entropy_bwd(as64(x)[0], t, ref_lse, as64(dl)[0], -100, smoothing)
    assert_close(host(dx), ref_dx, dtype, what="dlogits")


def test_cross_entropy_with_a_positive_ignore_index(rng, device, assert_close):
    x = rng.standard_normal((6, 21))
    t = np.array([3, 0, 3, 20, 5, 3])
    with kernels.use("cross_entropy", "triton"):
        losses, lse = kernels.cross_entropy_fwd(device.put(x), device.put(t), 3, 0.2)
        dx = kernels.cross_entropy_bwd(device.put(x), device.put(t), lse, device.put(np.ones(6)),
                                       3, 0.2)
    ref_losses, ref_lse = reference.cross_entropy_fwd(x, t, 3, 0.2)
    assert_close(host(losses), ref_losses)
    assert_close(host(dx), reference.cross_entropy_bwd(x, t, ref_lse, np.ones(6), 3, 0.2))


# ---------------------------------------------------------------- layer norm


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["weight_and_bias", "weight_only", "none"])
@pytest.mark.parametrize("shape, rows", [((3, 5, 37), None), ((7, 37), 3), ((1, 1), None)])
def test_layer_norm(dtype, affine, shape, rows, rng, device, assert_close):
    from kernels.triton import layer_norm as tln

    d = shape[-1]
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(d).astype(dtype) if affine != "none" else None
    b = rng.standard_normal(d).astype(dtype) if affine == "weight_and_bias" else None
    put = (lambda a: None if a is None else device.put(a))
    y, mean, rstd = tln.layer_norm_fwd(put(x), put(w), put(b), 1e-5)
    y_ref, mean_ref, rstd_ref = reference.layer_norm_fwd(*as64(x, w, b), 1e-5)
    stats = "float64" if dtype == np.float64 else "float32"
    assert_close(host(y), y_ref, dtype, what="y")
    assert_close(host(mean), mean_ref, stats, what="mean")
    # rstd = 1/sqrt(var + eps) is ill-conditioned for D=1 (var = 0): compare loosely there.
    assert_close(host(rstd), rstd_ref, stats, tol=None if d > 1 else 1e-3, what="rstd")
    grads = tln.layer_norm_bwd(put(dy), put(x), put(w), mean, rstd, rows_per_program=rows)
    refs = reference.layer_norm_bwd(*as64(dy, x, w), mean_ref, rstd_ref)
    for name, got, want in zip(("dx", "dweight", "dbias"), grads, refs):
        if want is None:
            assert got is None
        else:
            assert_close(host(got), want, dtype, tol=None if d > 1 else 1e-3, what=name)


def test_layer_norm_too_wide_falls_back_unless_forced(rng, device):
    from kernels._arrays import Unsupported
    from kernels.triton import layer_norm as tln

    x = device.put(rng.standard_normal((1, tln.MAX_D + 1)).astype(np.float32))
    with pytest.raises(Unsupported, match="D <= 8192"):
        tln.layer_norm_fwd(x, None, None, 1e-5)


# ---------------------------------------------------------------- attention

ATTENTION_SHAPES = [  # B, H, Tq, Tk, D, Dv
    (2, 2, 37, 37, 16, 16), (1, 2, 20, 45, 32, 32), (1, 1, 45, 20, 16, 16),
    (1, 1, 1, 1, 16, 16), (1, 1, 19, 19, 64, 64), (1, 2, 33, 33, 8, 24),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("shape", ATTENTION_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_flash_attention(dtype, causal, shape, rng, device, assert_close):
    check_attention(shape, dtype, causal, rng, device, assert_close, block_m=16, block_n=16)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("shape", [(1, 1, 70, 70, 128, 128), (1, 1, 45, 100, 128, 128),
                                   (1, 1, 100, 45, 64, 64)], ids=lambda s: "x".join(map(str, s)))
def test_flash_attention_with_the_blocks_the_gpu_runs(dtype, causal, shape, rng, device,
                                                      assert_close):
    """The default blocks for each dtype and head dim (64x64 in float16 at D=128), with
    sequences that end inside a block."""
    check_attention(shape, dtype, causal, rng, device, assert_close)


def check_attention(shape, dtype, causal, rng, device, assert_close, **blocks):
    """Forward and backward against the float64 reference; `blocks` overrides block_m/n."""
    from kernels.triton import attention as tat

    b, h, tq, tk, d, dv = shape
    q = rng.standard_normal((b, h, tq, d)).astype(dtype)
    k = rng.standard_normal((b, h, tk, d)).astype(dtype)
    v = rng.standard_normal((b, h, tk, dv)).astype(dtype)
    do = rng.standard_normal((b, h, tq, dv)).astype(dtype)
    o, lse = tat.attention_fwd(device.put(q), device.put(k), device.put(v), causal, **blocks)
    o_ref, lse_ref = reference.attention_fwd(*as64(q, k, v), causal)
    assert o.dtype == dtype
    assert_close(host(o), o_ref, dtype, what="o")
    # lse_i = log sum_j exp(s_ij) can cancel to ~0 (with one key it is s = scale q.k), so its
    # rounding is bounded by the size of the score terms, scale sum_d |q_d k_d|, not by lse alone.
    q64, k64 = as64(q, k)
    terms = np.einsum("bhqd,bhkd->bhqk", np.abs(q64), np.abs(k64)).max(axis=-1) / np.sqrt(d)
    lse_error = np.linalg.norm(host(lse).astype(np.float64) - lse_ref)
    lse_budget = 1e-12 if dtype == np.float64 else 2e-6  # the stats dtype's budget
    assert lse_error <= lse_budget * max(np.linalg.norm(lse_ref), np.linalg.norm(terms)), "lse"
    grads = tat.attention_bwd(*(device.put(a) for a in (q, k, v, o_ref.astype(dtype))),
                              device.put(lse_ref.astype(host(lse).dtype)), device.put(do), causal,
                              **blocks)
    refs = reference.attention_bwd(*as64(q, k, v), o_ref, lse_ref, as64(do)[0], causal)
    for name, got, want in zip(("dq", "dk", "dv"), grads, refs):
        if np.linalg.norm(want) < 1e-6:
            # One visible key: the softmax is constant and dq = dk = 0 exactly, but the kernel gets
            # there by cancelling terms of size |do||v| (times |k| or |q| and the scale), so bound
            # its rounding by that size, not by the zero result.
            got = host(got).astype(np.float64)
            q64, k64, v64, do64 = as64(q, k, v, do)
            size = (np.linalg.norm(do64) * np.linalg.norm(v64) * np.linalg.norm(k64 if name == "dq" else q64)
                    / np.sqrt(d))
            budget = {np.float64: 1e-12, np.float32: 2e-6, np.float16: 3e-3}[np.dtype(dtype).type]
            assert not np.isnan(got).any() and np.linalg.norm(got) <= budget * size, name
        else:
            assert_close(host(got), want, dtype, what=name)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("head_dim", [8, 16, 32, 64, 100, 128])
def test_half_precision_attention_blocks_are_a_warpgroup_tall(dtype, head_dim):
    """Hopper's wgmma multiplies 64-row tiles per warpgroup: each tl.dot's first dim (BLOCK_M
    in the forward and dq kernels, BLOCK_N in the dk/dv kernel) must be at least 64, or the
    kernel falls back to mma.sync (compile_check's matrix column shows which)."""
    from kernels.triton import attention as tat

    blocks = tat.blocks_for(dtype, head_dim)
    assert blocks.block_m >= 64 and blocks.block_n >= 64 and blocks.num_warps >= 4


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_flash_attention_default_blocks_through_dispatch(causal, rng, device, assert_close):
    q, k, v = (rng.standard_normal((1, 2, 70, 32)).astype(np.float32) for _ in range(3))
    do = rng.standard_normal((1, 2, 70, 32)).astype(np.float32)
    with kernels.use("attention", "triton"):
        o, lse = kernels.attention_fwd(device.put(q), device.put(k), device.put(v), causal, 0.2)
        grads = kernels.attention_bwd(device.put(q), device.put(k), device.put(v), o, lse,
                                      device.put(do), causal, 0.2)
    o_ref, lse_ref = reference.attention_fwd(*as64(q, k, v), causal, 0.2)
    assert_close(host(o), o_ref, np.float32)
    refs = reference.attention_bwd(*as64(q, k, v), o_ref, lse_ref, as64(do)[0], causal, 0.2)
    for got, want in zip(grads, refs):
        assert_close(host(got), want, np.float32)


def test_attention_with_more_heads_than_a_grid_axis_falls_back(rng, device, monkeypatch):
    """batch x heads is the second launch-grid axis (at most 65535 on CUDA): beyond it the
    Triton kernel declines (Unsupported) and the dispatcher runs the reference."""
    from kernels._arrays import Unsupported
    from kernels.triton import _bridge
    from kernels.triton import attention as tat

    monkeypatch.setattr(_bridge, "MAX_GRID_Y", 3)
    q = device.put(rng.standard_normal((2, 2, 5, 16)).astype(np.float32))
    with pytest.raises(Unsupported, match="at most 3 batch x heads, got 4"):
        tat.attention_fwd(q, q, q)
    o, _ = tat.attention_fwd(q[:1, :1], q[:1, :1], q[:1, :1])  # 1 <= 3 still runs
    assert o.shape == (1, 1, 5, 16)
    # Through kernels, with attention's choice left to the default, the declined call runs
    # the reference instead (Triton is picked as it would be for a GPU array; forcing another
    # op makes NumPy inputs take the dispatching path too).
    monkeypatch.setattr(kernels, "module_for", lambda op, array: tat)
    with kernels.use("gelu", "numpy"):
        o, _ = kernels.attention_fwd(q, q, q, True)
    o_ref, _ = reference.attention_fwd(*(host(t).astype(np.float64) for t in (q, q, q)), True)
    np.testing.assert_allclose(host(o), o_ref, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- awkward layouts


def test_non_contiguous_inputs(rng, device, assert_close):
    """Transposed rows, strided weights and broadcast upstream gradients, as the engine makes."""
    from kernels.triton import cross_entropy as tce
    from kernels.triton import layer_norm as tln
    from kernels.triton import softmax as tsm

    x = rng.standard_normal((40, 6))
    assert_close(host(tsm.softmax_fwd(device.put(x).T)), reference.softmax_fwd(x.T))

    logits, t = rng.standard_normal((5, 30)), rng.integers(0, 30, 5)
    one = device.put(np.array([0.2]))
    scale = get_xp(one).broadcast_to(one, (5,))  # a mean reduction's gradient: stride 0
    losses, lse = tce.cross_entropy_fwd(device.put(logits), device.put(t))
    dx = tce.cross_entropy_bwd(device.put(logits), device.put(t), lse, scale)
    _, ref_lse = reference.cross_entropy_fwd(logits, t)
    assert_close(host(dx), reference.cross_entropy_bwd(logits, t, ref_lse, np.full(5, 0.2)))

    rows, w_strided = rng.standard_normal((4, 9)), rng.standard_normal(18)[::2]
    y, mean, rstd = tln.layer_norm_fwd(device.put(rows), device.put(w_strided), None, 1e-5)
    assert_close(host(y), reference.layer_norm_fwd(rows, w_strided, None, 1e-5)[0])
