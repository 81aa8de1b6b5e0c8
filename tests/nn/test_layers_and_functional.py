"""Layers and functions: gradients by finite differences, dropout, and the errors bad input gets."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def _x(*shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.standard_normal(shape), dtype="float64", requires_grad=requires_grad)


def _gradcheck_module(module, *inputs):
    """Finite differences for the inputs and every parameter of a float64 module."""
    params = module.parameters()
    n = len(inputs)
    return mg.gradcheck(lambda *args: module(*args[:n]), list(inputs) + params, atol=1e-6, rtol=1e-4)


# ---- gradients of whole layers (float64 finite differences) --------------------------------------


@pytest.mark.parametrize("make", [
    lambda: nn.Linear(4, 3, dtype="float64"),
    lambda: nn.LayerNorm(4, dtype="float64"),
    lambda: nn.Sequential(nn.Linear(4, 5, dtype="float64"), nn.Tanh(), nn.Linear(5, 2, dtype="float64"), nn.Sigmoid()),
    lambda: nn.Sequential(nn.Linear(4, 5, dtype="float64"), nn.GELU("tanh"), nn.ReLU()),
], ids=["Linear", "LayerNorm", "MLP-tanh-sigmoid", "GELU-ReLU"])
def test_layer_gradients(make):
    mg.manual_seed(0)
    assert _gradcheck_module(make(), _x(2, 3, 4))


def test_embedding_gradient():
    mg.manual_seed(0)
    layer = nn.Embedding(6, 3, dtype="float64")
    idx = mg.tensor([[0, 5, 0], [2, 2, 2]])
    assert mg.gradcheck(lambda w: layer(idx) * 1.0, [layer.weight])


@pytest.mark.parametrize("causal", [False, True])
def test_causal_self_attention_gradients(causal):
    mg.manual_seed(1)
    mha = nn.CausalSelfAttention(6, 2, causal=causal, dtype="float64")
    assert _gradcheck_module(mha, _x(2, 4, 6))  # fused self-attention path


def test_causal_self_attention_cross_attention_gradients_with_mask():
    mg.manual_seed(2)
    mha = nn.CausalSelfAttention(4, 2, causal=False, dtype="float64")
    keep = mg.tensor(np.array([[True, False, True], [True, True, False]]))
    q, kv = _x(1, 2, 4, seed=1), _x(1, 3, 4, seed=2)
    assert mg.gradcheck(lambda q, kv, *p: mha(q, kv, kv, mask=keep), [q, kv] + mha.parameters(), atol=1e-6, rtol=1e-4)


def test_transformer_block_gradients():
    mg.manual_seed(3)
    block = nn.TransformerBlock(4, 2, mlp_ratio=2, dtype="float64")
    assert _gradcheck_module(block, _x(1, 3, 4))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_gradients(reduction):
    logits, targets = _x(5, 3, seed=4), mg.tensor([0, 2, -100, 1, 1])
    assert mg.gradcheck(lambda x: F.cross_entropy(x, targets, reduction=reduction, label_smoothing=0.1), [logits])
    a, b = _x(3, 2, seed=5), _x(3, 2, seed=6)
    assert mg.gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [a, b])
    y = mg.tensor(np.random.default_rng(7).random((3, 2)), dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda a, y: F.binary_cross_entropy_with_logits(a, y, reduction=reduction), [a, y])


def test_sdpa_with_float_mask_gradient_reaches_the_mask():
    q, k, v = _x(2, 3, 2, seed=8), _x(2, 4, 2, seed=9), _x(2, 4, 3, seed=10)
    bias = _x(3, 4, seed=11)
    assert mg.gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), [q, k, v, bias])


# ---- cross-entropy semantics ------------------------------------------------------------------


def test_cross_entropy_mean_divides_by_non_ignored_rows():
    logits = mg.zeros(4, 3, dtype="float64")
    targets = mg.tensor([0, -100, 1, -100])
    per_row = F.cross_entropy(logits, targets, reduction="none")
    np.testing.assert_allclose(per_row.numpy(), [np.log(3), 0, np.log(3), 0])
    np.testing.assert_allclose(F.cross_entropy(logits, targets).item(), np.log(3))


def test_cross_entropy_all_ignored_is_nan_like_pytorch():
    assert np.isnan(F.cross_entropy(mg.zeros(2, 3), mg.tensor([-100, -100])).item())


def test_float16_cross_entropy_counts_and_adds_in_float32():
    """70,000 rows of loss ~11: their sum (~770,000) and their count are both past float16's
    65,504. The mean and its gradient must still match float64."""
    rng = np.random.default_rng(0)
    n = 70_000
    logits = rng.standard_normal((n, 3)) * 0.1
    logits[:, 0] -= 11.0  # every target's logit far below the rest
    targets = mg.tensor(np.zeros(n, dtype=np.int64))
    exact = mg.tensor(logits, requires_grad=True)  # float64
    F.cross_entropy(exact, targets).backward()
    half = mg.tensor(logits, dtype="float16", requires_grad=True)
    mean = F.cross_entropy(half, targets)
    mean.backward()
    assert mean.dtype == mg.float16 and half.grad.dtype == mg.float16
    assert abs(mean.item() - F.cross_entropy(exact, targets).item()) < 1e-2 * 11
    # gradients ~1e-5 are float16 subnormals, spaced 2**-24 apart: right to that spacing
    np.testing.assert_allclose(half.grad.numpy().astype(np.float64), exact.grad.numpy(),
                               rtol=2e-3, atol=2.0**-24)
    with np.errstate(over="ignore"):  # the float32 sum -> float16 inf is a real overflow
        total = F.cross_entropy(half, targets, reduction="sum")
    assert total.dtype == mg.float16 and total.item() == np.inf


def test_cross_entropy_is_stable_for_huge_logits():
    logits = mg.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    loss = F.cross_entropy(logits, mg.tensor([1]))
    loss.backward()
    assert loss.item() == pytest.approx(1e4)
    assert np.isfinite(logits.grad.numpy()).all()


# ---- dropout ----------------------------------------------------------------------------------


def test_dropout_is_identity_when_p_is_zero_or_not_training():
    x = mg.randn(10, 10)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.9, training=False) is x


def test_dropout_p_one_gives_zeros_and_zero_gradient():
    x = mg.ones(5, requires_grad=True)
    y = F.dropout(x, 1.0)
    y.sum().backward()
    assert not y.numpy().any() and not x.grad.numpy().any()


def test_dropout_keeps_the_mean_and_scales_survivors():
    mg.manual_seed(0)
    x = mg.ones(200, 200)
    y = F.dropout(x, 0.25).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.01
    assert abs(y.mean() - 1.0) < 0.02


def test_dropout_gradient_uses_the_same_mask():
    mg.manual_seed(1)
    x = mg.ones(50, requires_grad=True)
    y = F.dropout(x, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_dropout_is_reproducible_with_manual_seed():
    mg.manual_seed(3)
    a = F.dropout(mg.ones(100), 0.5).numpy()
    mg.manual_seed(3)
    b = F.dropout(mg.ones(100), 0.5).numpy()
    np.testing.assert_array_equal(a, b)


def test_train_and_eval_switch_dropout_inside_a_model():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5))
    x = mg.randn(4, 8)
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())
    model.train()
    assert (model(x).numpy() == 0).any()
    assert not np.array_equal(model(x).numpy(), model(x).numpy())


def test_causal_self_attention_dropout_only_in_training():
    mg.manual_seed(0)
    mha = nn.CausalSelfAttention(8, 2, dropout=0.5)
    x = mg.randn(2, 5, 8)
    mha.eval()
    np.testing.assert_array_equal(mha(x).numpy(), mha(x).numpy())
    mha.train()
    assert not np.allclose(mha(x).numpy(), mha(x).numpy())


# ---- clear errors ------------------------------------------------------------------------------


def test_linear_wrong_in_features_names_the_shapes():
    with pytest.raises(ValueError, match=r"linear: input has shape \(2, 5\).*in_features=3.*\(4, 3\)"):
        nn.Linear(3, 4)(mg.ones(2, 5))


def test_linear_dtype_mismatch():
    with pytest.raises(TypeError, match="linear: input is float64 but weight is float32"):
        nn.Linear(3, 4)(mg.ones(2, 3, dtype="float64"))


def test_cross_entropy_targets_wrong_shape():
    with pytest.raises(ValueError, match=r"cross_entropy: the classes are on dim 1 .* must have shape \(2, 5\)"
                                         r".*\(2, 3, 5\).*\(2, 3\)"):
        F.cross_entropy(mg.zeros(2, 3, 5), mg.zeros(2, 3, dtype="int64"))


def test_cross_entropy_float_targets():
    with pytest.raises(ValueError, match=r"cross_entropy: a probability target must have the input's shape"):
        F.cross_entropy(mg.zeros(2, 3), mg.zeros(2))
    with pytest.raises(TypeError, match=r"cross_entropy: target must hold integer.*bool"):
        F.cross_entropy(mg.zeros(2, 3), mg.tensor([True, False]))


def test_cross_entropy_target_out_of_range():
    with pytest.raises(IndexError, match="target 7 is out of range for 3 classes"):
        F.cross_entropy(mg.zeros(2, 3), mg.tensor([0, 7]))


def test_cross_entropy_bad_reduction():
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(mg.zeros(2, 3), mg.tensor([0, 1]), reduction="avg")


def test_mse_and_bce_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match=r"mse_loss: .*\(3, 1\).*\(3,\)"):
        F.mse_loss(mg.zeros(3, 1), mg.zeros(3))
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits: input and target must have the same shape"):
        F.binary_cross_entropy_with_logits(mg.zeros(3), mg.zeros(2))


def test_layer_norm_wrong_normalized_shape():
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(4,\).*\(2, 3\)"):
        nn.LayerNorm(4)(mg.ones(2, 3))


def test_embedding_index_out_of_range_and_float_indices():
    table = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="embedding: index 5 is out of range for a table of 5 rows"):
        table(mg.tensor([0, 5]))
    with pytest.raises(TypeError, match="embedding: indices must hold integer"):
        table(mg.tensor([0.0, 1.0]))


def test_attention_shape_errors():
    with pytest.raises(ValueError, match="scaled_dot_product_attention: expected q"):
        F.scaled_dot_product_attention(mg.ones(1, 3, 4), mg.ones(1, 3, 5), mg.ones(1, 3, 5))
    with pytest.raises(ValueError, match="give attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(mg.ones(3, 4), mg.ones(3, 4), mg.ones(3, 4), is_causal=True,
                                       attn_mask=mg.tensor(np.ones((3, 3), bool)))
    with pytest.raises(ValueError, match="CausalSelfAttention: query must be \\[B, T, 8\\]"):
        nn.CausalSelfAttention(8, 2)(mg.ones(2, 3, 6))
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.CausalSelfAttention(8, 3)


def test_float32_model_runs_end_to_end():
    mg.manual_seed(0)
    block = nn.TransformerBlock(16, 4, dropout=0.1)
    emb, head = nn.Embedding(11, 16), nn.Linear(16, 11)
    idx = mg.randint(0, 11, (2, 9))
    loss = F.cross_entropy(head(block(emb(idx))).view(-1, 11), idx.view(-1))
    loss.backward()
    assert loss.dtype == np.float32
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in block.parameters() + emb.parameters())


def test_layer_norm_bias_without_weight_gets_its_gradient():
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    bias = mg.zeros(4, dtype="float64", requires_grad=True)
    assert mg.gradcheck(lambda x, b: F.layer_norm(x, 4, None, b), [x, bias])
    assert bias.grad is None or bias.grad.shape == (4,)


def test_device_draws_follow_minigrads_generator_state():
    """random.uniform on a non-NumPy array module (CuPy on a GPU; a stand-in here) seeds a
    device generator from minigrad's at every call: manual_seed reproduces the draws, and
    restoring the host generator's state (what a checkpoint saves) resumes them exactly."""
    from types import SimpleNamespace

    from minigrad import random

    class RandomState:  # the part of CuPy's RandomState that random.uniform uses
        def __init__(self, seed, method):
            assert method == "philox"
            self.rng = np.random.default_rng(seed)

        def random_sample(self, shape, dtype):
            return self.rng.random(shape, dtype=dtype)

    stand_in = SimpleNamespace(random=SimpleNamespace(RandomState=RandomState), float32=np.float32,
                               cuda=SimpleNamespace(curand=SimpleNamespace(
                                   CURAND_RNG_PSEUDO_PHILOX4_32_10="philox")))
    mg.manual_seed(7)
    first = random.uniform(stand_in, (4, 5))
    assert first.dtype == np.float32 and first.shape == (4, 5)
    assert (first >= 0).all() and (first < 1).all()
    saved = random.generator().bit_generator.state  # a checkpoint, mid-run
    second = random.uniform(stand_in, (4, 5))
    assert not np.array_equal(second, first)  # the stream goes on
    mg.manual_seed(7)
    np.testing.assert_array_equal(random.uniform(stand_in, (4, 5)), first)
    random.generator().bit_generator.state = saved  # resume from the checkpoint
    np.testing.assert_array_equal(random.uniform(stand_in, (4, 5)), second)
