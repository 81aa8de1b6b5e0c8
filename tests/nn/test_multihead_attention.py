"""nn.MultiheadAttention and F.scaled_dot_product_attention against PyTorch in float64, weights
copied through state_dict: self- and cross-attention, kdim/vdim, every mask kind, weights
averaged or not, is_causal, batch_first both ways, unbatched inputs, bias_kv and zero_attn."""

import itertools
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(rtol=1e-9, atol=1e-10)
E, HEADS, B, L, S = 8, 2, 3, 4, 5


def _close(ours, theirs, what=""):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL, err_msg=what)


def _leaf(array):
    return mg.tensor(array, dtype="float64", requires_grad=True), torch.tensor(array, requires_grad=True)


def _pair(**kwargs):
    theirs = torch.nn.MultiheadAttention(E, HEADS, **kwargs).double()
    with torch.no_grad():  # every parameter non-trivial, so that each gradient is tested
        for p in theirs.parameters():
            p.copy_(torch.randn_like(p) * 0.3)
    ours = nn.MultiheadAttention(E, HEADS, **kwargs, dtype="float64")
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _masks(rng, kind, batched=True, source=S):
    """(ours, theirs) keyword arguments for a mask kind; True = masked out, as PyTorch."""
    ours, theirs = {}, {}
    if kind in ("padding bool", "both bool"):
        m = rng.random((B, source) if batched else (source,)) < 0.4
        m[..., 0] = False  # every query keeps a key
        ours["key_padding_mask"], theirs["key_padding_mask"] = mg.tensor(m), torch.tensor(m)
    if kind == "padding float":
        m = rng.standard_normal((B, source) if batched else (source,))
        ours["key_padding_mask"], theirs["key_padding_mask"] = mg.tensor(m, dtype="float64"), torch.tensor(m)
    if kind in ("attn bool", "both bool"):
        m = rng.random((L, source)) < 0.4
        m[:, 0] = False
        ours["attn_mask"], theirs["attn_mask"] = mg.tensor(m), torch.tensor(m)
    if kind == "attn float 3-D":
        m = rng.standard_normal(((B if batched else 1) * HEADS, L, source))
        ours["attn_mask"], theirs["attn_mask"] = mg.tensor(m, dtype="float64"), torch.tensor(m)
    return ours, theirs


def _run(ours, theirs, query, key, value, rng, **kwargs):
    """Call both, compare outputs and weights, backpropagate, compare every gradient."""
    ours_kwargs, theirs_kwargs = kwargs.pop("masks", ({}, {}))
    out, weights = ours(*(x for x, _ in (query, key, value)), **ours_kwargs, **kwargs)
    tout, tweights = theirs(*(t for _, t in (query, key, value)), **theirs_kwargs, **kwargs)
    _close(out, tout, "attn_output")
    loss = tloss = 0
    for a, b in [(out, tout)] + ([(weights, tweights)] if tweights is not None else []):
        w = rng.standard_normal(tuple(a.shape))
        loss, tloss = loss + (a * mg.tensor(w)).sum(), tloss + (b * torch.tensor(w)).sum()
    if tweights is None:
        assert weights is None
    else:
        _close(weights, tweights, "attn_weights")
    loss.backward()
    tloss.backward()
    for (x, t), name in zip((query, key, value), ("query", "key", "value")):
        if x.grad is not None or t.grad is not None:
            _close(x.grad, t.grad, f"gradient of {name}")
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, their_params[name].grad, f"gradient of {name}")
    return out, weights


MASKS = ["none", "padding bool", "padding float", "attn bool", "attn float 3-D", "both bool"]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_self_attention(batch_first, mask, need_weights, average):
    rng = np.random.default_rng(MASKS.index(mask))
    ours, theirs = _pair(batch_first=batch_first)
    x = _leaf(rng.standard_normal((B, L, E) if batch_first else (L, B, E)))
    _run(ours, theirs, x, x, x, rng, masks=_masks(rng, mask, source=L), need_weights=need_weights, average_attn_weights=average)


@pytest.mark.parametrize("kdim, vdim", [(None, None), (6, 5)])
@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("need_weights", [True, False])
def test_cross_attention(kdim, vdim, mask, need_weights):
    rng = np.random.default_rng(10 + MASKS.index(mask))
    ours, theirs = _pair(kdim=kdim, vdim=vdim, batch_first=True)
    query = _leaf(rng.standard_normal((B, L, E)))
    key = _leaf(rng.standard_normal((B, S, kdim or E)))
    value = _leaf(rng.standard_normal((B, S, vdim or E)))
    _run(ours, theirs, query, key, value, rng, masks=_masks(rng, mask), need_weights=need_weights)


@pytest.mark.parametrize("bias_kv, zero_attn", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("mask", ["none", "both bool"])
def test_bias_kv_and_zero_attention(bias_kv, zero_attn, mask):
    rng = np.random.default_rng(20)
    ours, theirs = _pair(add_bias_kv=bias_kv, add_zero_attn=zero_attn)
    query, key = _leaf(rng.standard_normal((L, B, E))), _leaf(rng.standard_normal((S, B, E)))
    value = _leaf(rng.standard_normal((S, B, E)))
    for need_weights in (True, False):
        for x, t in (query, key, value):
            x.grad = t.grad = None
        ours.zero_grad()
        theirs.zero_grad()
        _run(ours, theirs, query, key, value, rng, masks=_masks(rng, mask), need_weights=need_weights)


@pytest.mark.parametrize("mask", ["none", "padding bool", "attn float 3-D"])
def test_unbatched_inputs(mask):
    rng = np.random.default_rng(30)
    ours, theirs = _pair()
    query, key, value = (_leaf(rng.standard_normal(s)) for s in ((L, E), (S, E), (S, E)))
    out, weights = _run(ours, theirs, query, key, value, rng, masks=_masks(rng, mask, batched=False))
    assert out.shape == (L, E) and weights.shape == (L, S)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("padding", [False, True])
def test_is_causal_hint(need_weights, padding):
    """is_causal needs the causal mask too; without weights and padding the causal path replaces it."""
    rng = np.random.default_rng(40)
    ours, theirs = _pair(batch_first=True)
    x = _leaf(rng.standard_normal((B, L, E)))
    causal = np.triu(np.ones((L, L), dtype=bool), 1)
    ours_masks, theirs_masks = {"attn_mask": mg.tensor(causal)}, {"attn_mask": torch.tensor(causal)}
    if padding:
        m = rng.random((B, L)) < 0.3
        m[:, 0] = False
        ours_masks["key_padding_mask"], theirs_masks["key_padding_mask"] = mg.tensor(m), torch.tensor(m)
    _run(ours, theirs, x, x, x, rng, masks=(ours_masks, theirs_masks), need_weights=need_weights, is_causal=True)
    with pytest.raises(ValueError, match="attn_mask must be given too"):
        ours(x[0], x[0], x[0], is_causal=True)


def test_fully_masked_rows_like_pytorch():
    """A query whose keys are all masked out: 0 through scaled_dot_product_attention (PyTorch's safe
    softmax), so out_proj's bias with need_weights=False; NaN with need_weights=True (plain softmax)."""
    ours, theirs = _pair(batch_first=True)
    x = np.random.default_rng(41).standard_normal((1, 3, E))
    mask = np.ones((1, 3), dtype=bool)
    for need_weights in (False, True):
        with np.errstate(invalid="ignore"):  # NumPy says when it makes the NaN; PyTorch is silent
            out, _ = ours(*(mg.tensor(x),) * 3, key_padding_mask=mg.tensor(mask), need_weights=need_weights)
        tout, _ = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(mask), need_weights=need_weights)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **TOL)
        assert np.isnan(out.numpy()).all() == need_weights


def test_sdpa_rows_with_no_key_give_zero_output_and_gradient():
    rng = np.random.default_rng(42)
    q, k = _leaf(rng.standard_normal((1, 2, 3, 4))), _leaf(rng.standard_normal((1, 2, 3, 4)))
    keep = np.array([[True, False, False], [False, False, False], [True, True, True]])
    for mask in (keep, np.where(keep, 0.0, -np.inf)):  # bool, and the same as a float mask
        for x, t in (q, k):
            x.grad = t.grad = None
        y = F.scaled_dot_product_attention(q[0], k[0], k[0], attn_mask=mg.tensor(mask, dtype=mask.dtype))
        ty = TF.scaled_dot_product_attention(q[1], k[1], k[1], attn_mask=torch.tensor(mask))
        _close(y, ty)
        assert not y.numpy()[:, :, 1].any()
        y.sum().backward()
        ty.sum().backward()
        _close(q[0].grad, q[1].grad)
        _close(k[0].grad, k[1].grad)


def test_dropout_acts_on_the_weights_only_in_training():
    mg.manual_seed(0)
    mha = nn.MultiheadAttention(E, HEADS, dropout=0.5, batch_first=True)
    x = mg.randn(2, 6, E)
    mha.eval()
    a, wa = mha(x, x, x)
    b, wb = mha(x, x, x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(wa.numpy().sum(-1), 1.0, rtol=1e-6)
    mha.train()
    _, w = mha(x, x, x, average_attn_weights=False)
    kept = w.numpy()
    assert (kept == 0).any() and not np.allclose(kept.sum(-1), 1.0)  # the returned weights are the dropped ones


def test_initialisation_matches_pytorchs_rules():
    mg.manual_seed(0)
    mha = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = np.sqrt(6 / (64 + 3 * 64))
    values = mha.in_proj_weight.numpy()
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    assert not mha.in_proj_bias.numpy().any() and not mha.out_proj.bias.numpy().any()
    assert 0.7 < mha.bias_k.numpy().std() * np.sqrt(64) < 1.3  # Xavier-normal: std 1 / sqrt(E)
    separate = nn.MultiheadAttention(8, 2, kdim=3, vdim=5)
    assert separate.in_proj_weight is None
    assert separate.k_proj_weight.shape == (8, 3) and separate.v_proj_weight.shape == (8, 5)


def test_shape_and_mask_errors():
    mha = nn.MultiheadAttention(E, HEADS, batch_first=True)
    x = mg.zeros(2, 3, E)
    with pytest.raises(ValueError, match="embed_dim=8 must be divisible by num_heads=3"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="query must have 8 features on its last axis"):
        mha(mg.zeros(2, 3, 5), x, x)
    with pytest.raises(ValueError, match="all be 3-D .* or all 2-D"):
        mha(x, mg.zeros(3, E), x)
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \[2, 3\]"):
        mha(x, x, x, key_padding_mask=mg.tensor(np.zeros((3, 2), bool)))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \[3, 3\] or \[4, 3, 3\]"):
        mha(x, x, x, attn_mask=mg.tensor(np.zeros((2, 3, 3), bool)))
    with pytest.raises(TypeError, match="attn_mask must be bool or have the query's dtype float32"):
        mha(x, x, x, attn_mask=mg.zeros(3, 3, dtype="float64"))


# ---- F.scaled_dot_product_attention ------------------------------------------------------------

SDPA_KINDS = ["plain", "causal", "bool mask", "float mask", "scale", "broadcast batch", "gqa"]


@pytest.mark.parametrize("lq, ls", [(5, 5), (3, 7), (6, 4)])
@pytest.mark.parametrize("kind", SDPA_KINDS)
def test_scaled_dot_product_attention(lq, ls, kind):
    rng = np.random.default_rng(SDPA_KINDS.index(kind))
    kv_heads = 1 if kind == "gqa" else 3
    q = _leaf(rng.standard_normal((2, 3, lq, 4)))
    k = _leaf(rng.standard_normal((1 if kind == "broadcast batch" else 2, kv_heads, ls, 4)))
    v = _leaf(rng.standard_normal((1 if kind == "broadcast batch" else 2, kv_heads, ls, 5)))
    kwargs = {}
    if kind == "bool mask":
        keep = rng.random((lq, ls)) < 0.6  # True = takes part, PyTorch's SDPA convention
        keep[:, 0] = True
        kwargs["attn_mask"] = (mg.tensor(keep), torch.tensor(keep))
    elif kind == "float mask":
        bias = rng.standard_normal((1, 3, lq, ls))
        kwargs["attn_mask"] = (mg.tensor(bias, dtype="float64", requires_grad=True),
                               torch.tensor(bias, requires_grad=True))
    ours_kwargs = {name: pair[0] for name, pair in kwargs.items()}
    theirs_kwargs = {name: pair[1] for name, pair in kwargs.items()}
    flags = {"is_causal": kind == "causal", "scale": 0.37 if kind == "scale" else None, "enable_gqa": kind == "gqa"}
    y = F.scaled_dot_product_attention(q[0], k[0], v[0], **ours_kwargs, **flags)
    ty = TF.scaled_dot_product_attention(q[1], k[1], v[1], **theirs_kwargs, **flags)
    _close(y, ty)
    w = rng.standard_normal(tuple(y.shape))
    (y * mg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for (ours, theirs), name in zip((q, k, v), "qkv"):
        _close(ours.grad, theirs.grad, name)
    if kind == "float mask":
        _close(ours_kwargs["attn_mask"].grad, theirs_kwargs["attn_mask"].grad, "mask")


def test_sdpa_dropout_zeroes_weights_and_rescales():
    mg.manual_seed(0)
    q = k = mg.zeros(200, 1, 4, 2)  # uniform weights 1/4
    v = mg.ones(200, 1, 4, 2)
    assert np.allclose(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy(), 0.0)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    assert set(np.round(np.unique(out), 6)) <= {0.0, 0.5, 1.0, 1.5, 2.0}  # 1/4 weights, scaled by 2
    assert abs(out.mean() - 1.0) < 0.05


def test_sdpa_errors_name_the_function():
    x = mg.ones(2, 3, 4)
    with pytest.raises(ValueError, match="give attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mg.tensor(np.ones((3, 3), bool)), is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(2, 2\) does not broadcast"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mg.tensor(np.ones((2, 2), bool)))
    with pytest.raises(ValueError, match="enable_gqa needs"):
        F.scaled_dot_product_attention(mg.ones(1, 3, 2, 4), mg.ones(1, 2, 2, 4), mg.ones(1, 2, 2, 4), enable_gqa=True)
    with pytest.raises(TypeError, match="attn_mask must be bool .* or have the query's dtype"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mg.zeros(3, 3, dtype="float64"))


def test_every_combination_of_mask_dtypes_is_accepted():
    """PyTorch accepts mixing a bool padding mask with a float attn_mask (it warns); so do we."""
    rng = np.random.default_rng(50)
    ours, theirs = _pair(batch_first=True)
    x = _leaf(rng.standard_normal((B, L, E)))
    for pad_bool, attn_bool in itertools.product([True, False], repeat=2):
        pad = rng.random((B, L)) < 0.3
        pad[:, 0] = False
        attn = rng.standard_normal((L, L))
        pad_arg = pad if pad_bool else np.where(pad, -np.inf, 0.0)
        attn_arg = attn > 1.5 if attn_bool else attn
        out, _ = ours(x[0], x[0], x[0], key_padding_mask=mg.tensor(pad_arg), attn_mask=mg.tensor(attn_arg))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # PyTorch deprecates mixing the two kinds
            tout, _ = theirs(x[1], x[1], x[1], key_padding_mask=torch.tensor(pad_arg),
                             attn_mask=torch.tensor(attn_arg))
        _close(out, tout, f"padding bool={pad_bool}, attn bool={attn_bool}")
