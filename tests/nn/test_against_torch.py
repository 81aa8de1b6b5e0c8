"""PyTorch as a second oracle: same weights, same inputs -> same outputs and gradients (float64)."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(rtol=1e-9, atol=1e-10)


def _pair(array, requires_grad=True):
    """The same float64 data as a minigrad leaf and a torch leaf."""
    array = np.asarray(array, dtype=np.float64)
    return (mg.tensor(array, dtype="float64", requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _close(ours, theirs, what=""):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours.numpy() if hasattr(ours, "numpy") else ours, theirs, **TOL, err_msg=what)


def _backward_both(ours, theirs, rng):
    """Backpropagate sum(out * w) with the same random w through both graphs."""
    w = rng.standard_normal(tuple(ours.shape))
    (ours * mg.tensor(w, dtype="float64")).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()


def _copy_weights(ours: nn.Module, theirs):
    """Load a torch module's state dict into ours (same names)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _compare_params(ours: nn.Module, theirs):
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, their_params[name].grad, f"grad of {name}")


# ---- layers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    rng = np.random.default_rng(0)
    theirs = torch.nn.Linear(7, 5, bias=bias).double()
    ours = nn.Linear(7, 5, bias=bias, dtype="float64")
    _copy_weights(ours, theirs)
    x, tx = _pair(rng.standard_normal((2, 3, 7)))
    y, ty = ours(x), theirs(tx)
    _close(y, ty)
    _backward_both(y, ty, rng)
    _close(x.grad, tx.grad)
    _compare_params(ours, theirs)


def test_linear_init_is_uniform_within_pytorchs_bound():
    mg.manual_seed(0)
    layer = nn.Linear(64, 256)
    bound = 1 / np.sqrt(64)
    for p in (layer.weight, layer.bias):
        values = p.numpy()
        assert p.dtype == np.float32 and np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.9 * bound  # really spread over the whole interval
    assert layer.weight.shape == (256, 64)


def test_layer_norm():
    rng = np.random.default_rng(1)
    theirs = torch.nn.LayerNorm(6).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.standard_normal(6)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(6)))
    ours = nn.LayerNorm(6, dtype="float64")
    _copy_weights(ours, theirs)
    x, tx = _pair(rng.standard_normal((3, 4, 6)) * 3 + 1)
    y, ty = ours(x), theirs(tx)
    _close(y, ty)
    _backward_both(y, ty, rng)
    _close(x.grad, tx.grad)
    _compare_params(ours, theirs)


def test_layer_norm_over_two_axes():
    rng = np.random.default_rng(2)
    x, tx = _pair(rng.standard_normal((3, 4, 5)))
    w, tw = _pair(rng.standard_normal((4, 5)))
    y, ty = F.layer_norm(x, (4, 5), w, eps=1e-3), TF.layer_norm(tx, (4, 5), tw, eps=1e-3)
    _close(y, ty)
    _backward_both(y, ty, rng)
    _close(x.grad, tx.grad)
    _close(w.grad, tw.grad)


def test_embedding_with_repeated_indices():
    rng = np.random.default_rng(3)
    theirs = torch.nn.Embedding(10, 4).double()
    ours = nn.Embedding(10, 4, dtype="float64")
    _copy_weights(ours, theirs)
    idx = rng.integers(0, 10, size=(3, 5))
    idx[0, :3] = 2
    y, ty = ours(mg.tensor(idx)), theirs(torch.tensor(idx))
    _close(y, ty)
    _backward_both(y, ty, rng)
    _compare_params(ours, theirs)


def _torch_mha(d, heads, rng):
    theirs = torch.nn.MultiheadAttention(d, heads, batch_first=True).double()
    with torch.no_grad():  # non-zero biases, so that their gradients are tested too
        theirs.in_proj_bias.copy_(torch.tensor(rng.standard_normal(3 * d) * 0.1))
        theirs.out_proj.bias.copy_(torch.tensor(rng.standard_normal(d) * 0.1))
    return theirs


@pytest.mark.parametrize("causal", [False, True])
def test_causal_self_attention_loads_a_torch_multihead_attention(causal):
    rng = np.random.default_rng(4)
    b, t, d, heads = 2, 5, 12, 3
    theirs = _torch_mha(d, heads, rng)
    ours = nn.CausalSelfAttention(d, heads, causal=causal, dtype="float64")
    _copy_weights(ours, theirs)
    x, tx = _pair(rng.standard_normal((b, t, d)))
    mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1) if causal else None  # torch: True = blocked
    y = ours(x)
    ty, _ = theirs(tx, tx, tx, attn_mask=mask, need_weights=False)
    _close(y, ty)
    _backward_both(y, ty, rng)
    _close(x.grad, tx.grad)
    _compare_params(ours, theirs)


def test_causal_self_attention_cross_attention_with_tq_not_tk_and_a_mask():
    rng = np.random.default_rng(5)
    b, tq, tk, d, heads = 2, 3, 6, 8, 2
    theirs = _torch_mha(d, heads, rng)
    ours = nn.CausalSelfAttention(d, heads, causal=False, dtype="float64")
    _copy_weights(ours, theirs)
    q, tq_ = _pair(rng.standard_normal((b, tq, d)))
    kv, tkv = _pair(rng.standard_normal((b, tk, d)))
    keep = rng.random((tq, tk)) < 0.7
    keep[:, 0] = True
    y = ours(q, kv, kv, mask=mg.tensor(keep))
    ty, _ = theirs(tq_, tkv, tkv, attn_mask=torch.tensor(~keep), need_weights=False)
    _close(y, ty)
    _backward_both(y, ty, rng)
    _close(q.grad, tq_.grad)
    _close(kv.grad, tkv.grad)
    _compare_params(ours, theirs)


class _TorchBlock(torch.nn.Module):
    """The same pre-norm block, from PyTorch parts, with the same parameter names."""

    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(d)
        self.attn = torch.nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = torch.nn.LayerNorm(d)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(d, 4 * d), torch.nn.GELU(), torch.nn.Linear(4 * d, d))

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


def test_transformer_block():
    rng = np.random.default_rng(6)
    theirs = _TorchBlock(8, 2).double()
    ours = nn.TransformerBlock(8, 2, dtype="float64")
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    _copy_weights(ours, theirs)
    x, tx = _pair(rng.standard_normal((2, 7, 8)))
    y, ty = ours(x), theirs(tx)
    _close(y, ty)
    _backward_both(y, ty, rng)
    _close(x.grad, tx.grad)
    _compare_params(ours, theirs)


# ---- losses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index,label_smoothing", [(-100, 0.0), (2, 0.0), (-100, 0.2), (1, 0.3)])
def test_cross_entropy(reduction, ignore_index, label_smoothing):
    rng = np.random.default_rng(7)
    logits, tl = _pair(rng.standard_normal((9, 5)) * 2)
    targets = rng.integers(0, 5, size=9)
    targets[[1, 4]] = ignore_index if ignore_index >= 0 else -100
    loss = F.cross_entropy(logits, mg.tensor(targets), reduction=reduction, ignore_index=ignore_index,
                           label_smoothing=label_smoothing)
    tloss = TF.cross_entropy(tl, torch.tensor(targets), reduction=reduction, ignore_index=ignore_index,
                             label_smoothing=label_smoothing)
    _close(loss, tloss)
    _backward_both(loss, tloss, rng)
    _close(logits.grad, tl.grad)


def test_cross_entropy_sequence_layouts_as_pytorch():
    rng = np.random.default_rng(8)
    logits, tl = _pair(rng.standard_normal((2, 4, 3)))  # [B, C, T]: classes on dim 1
    targets = rng.integers(0, 4, size=(2, 3))
    loss = F.cross_entropy(logits, mg.tensor(targets))
    tloss = TF.cross_entropy(tl, torch.tensor(targets))
    _close(loss, tloss)
    _backward_both(loss, tloss, rng)
    _close(logits.grad, tl.grad)
    gpt, tgpt = _pair(rng.standard_normal((2, 3, 4)))  # [B, T, C] flattened, as nanoGPT does
    loss = F.cross_entropy(gpt.view(-1, gpt.size(-1)), mg.tensor(targets).view(-1))
    tloss = TF.cross_entropy(tgpt.view(-1, tgpt.size(-1)), torch.tensor(targets).view(-1))
    _close(loss, tloss)


def test_cross_entropy_float32_matches_torch():
    rng = np.random.default_rng(9)
    logits = rng.standard_normal((64, 50)).astype(np.float32) * 4
    targets = rng.integers(0, 50, size=64)
    ours = F.cross_entropy(mg.tensor(logits), mg.tensor(targets))
    theirs = TF.cross_entropy(torch.tensor(logits), torch.tensor(targets))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_bce_with_logits(reduction, with_pos_weight):
    rng = np.random.default_rng(10)
    x, tx = _pair(rng.standard_normal((4, 3)) * 5)
    x.data[0, 0] = tx.data[0, 0] = 0.0
    x.data[0, 1] = tx.data[0, 1] = 80.0  # far in the tail: still exact
    y, ty = _pair(rng.random((4, 3)))
    # PyTorch does not differentiate pos_weight (ours does: gradcheck covers it)
    w, tw = _pair(rng.random(3) * 3, requires_grad=False) if with_pos_weight else (None, None)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=w)
    tloss = TF.binary_cross_entropy_with_logits(tx, ty, reduction=reduction, pos_weight=tw)
    _close(loss, tloss)
    _backward_both(loss, tloss, rng)
    _close(x.grad, tx.grad)
    _close(y.grad, ty.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    rng = np.random.default_rng(11)
    a, ta = _pair(rng.standard_normal((3, 4)))
    b, tb = _pair(rng.standard_normal((3, 4)))
    loss, tloss = F.mse_loss(a, b, reduction=reduction), TF.mse_loss(ta, tb, reduction=reduction)
    _close(loss, tloss)
    _backward_both(loss, tloss, rng)
    _close(a.grad, ta.grad)
    _close(b.grad, tb.grad)


# ---- attention ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tq,tk", [(5, 5), (3, 7), (6, 4)])
@pytest.mark.parametrize("kind", ["plain", "causal", "bool mask", "float mask"])
def test_scaled_dot_product_attention(tq, tk, kind):
    rng = np.random.default_rng(12)
    if kind == "causal" and tk < tq:
        pytest.skip("top-left causal with Tk < Tq leaves queries with no key (NaN in both)")
    q, tq_ = _pair(rng.standard_normal((2, 3, tq, 4)))
    k, tk_ = _pair(rng.standard_normal((2, 3, tk, 4)))
    v, tv = _pair(rng.standard_normal((2, 3, tk, 5)))
    mask = tmask = None
    if kind == "bool mask":
        keep = rng.random((tq, tk)) < 0.6
        keep[:, 0] = True
        mask, tmask = mg.tensor(keep), torch.tensor(keep)
    elif kind == "float mask":
        bias = rng.standard_normal((1, 3, tq, tk))
        mask, tmask = mg.tensor(bias, dtype="float64"), torch.tensor(bias)
    causal = kind == "causal"
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
    ty = TF.scaled_dot_product_attention(tq_, tk_, tv, attn_mask=tmask, is_causal=causal)
    _close(y, ty)
    _backward_both(y, ty, rng)
    for ours, theirs, name in ((q, tq_, "q"), (k, tk_, "k"), (v, tv, "v")):
        _close(ours.grad, theirs.grad, name)
