"""nn.TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and
Transformer against PyTorch in float64, weights copied through state_dict: post- and pre-norm,
activations, masks (padding, causal, both), batch_first both ways; and a padded batch gives
each sequence its unpadded result."""

import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TOL = dict(rtol=1e-9, atol=1e-10)
D, HEADS, FF, B, T = 8, 2, 16, 3, 5


def _close(ours, theirs, what=""):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL, err_msg=what)


def _copy(ours, theirs, perturb=True):
    if perturb:  # LayerNorm gains and biases away from 1 and 0, so every gradient means something
        with torch.no_grad():
            for p in theirs.parameters():
                p.add_(torch.randn_like(p) * 0.1)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _leaf(rng, shape):
    array = rng.standard_normal(shape)
    return mg.tensor(array, dtype="float64", requires_grad=True), torch.tensor(array, requires_grad=True)


def _masks(rng, kind, length):
    ours, theirs = {}, {}
    if kind in ("padding", "both"):
        m = rng.random((B, length)) < 0.3
        m[:, 0] = False
        if kind == "both":  # a float padding mask, like the causal one (PyTorch warns about mixing kinds)
            m = np.where(m, -np.inf, 0.0)
        ours["padding"], theirs["padding"] = mg.tensor(m, dtype=m.dtype), torch.tensor(m)
    if kind in ("causal", "both"):
        ours["causal"] = nn.Transformer.generate_square_subsequent_mask(length, dtype="float64")
        theirs["causal"] = torch.nn.Transformer.generate_square_subsequent_mask(length, dtype=torch.float64)
    return ours, theirs


def _backward_and_compare(out, tout, ours, theirs, inputs, rng):
    _close(out, tout, "output")
    w = rng.standard_normal(tuple(out.shape))
    (out * mg.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for x, t in inputs:
        _close(x.grad, t.grad, "input gradient")
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, their_params[name].grad, f"gradient of {name}")


SETTINGS = list(itertools.product([False, True], [False, True], ["relu", "gelu"]))
MASKS = ["none", "padding", "causal", "both"]
# every setting with two mask kinds, every mask kind with each value of every setting
ENCODER_CASES = [(*s, MASKS[(i + j) % 4]) for i, s in enumerate(SETTINGS) for j in (0, 1)]
DECODER_CASES = [(*s, ["none", "padding", "both"][i % 3]) for i, s in enumerate(SETTINGS)]


@pytest.mark.parametrize("batch_first, norm_first, activation, masks", ENCODER_CASES)
def test_encoder(batch_first, norm_first, activation, masks):
    rng = np.random.default_rng(len(masks))
    layer_args = dict(dim_feedforward=FF, dropout=0.0, activation=activation, batch_first=batch_first,
                      norm_first=norm_first)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, HEADS, **layer_args).double(), 2,
                                         norm=torch.nn.LayerNorm(D).double(), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, **layer_args, dtype="float64"), 2,
                                 norm=nn.LayerNorm(D, dtype="float64"))
    _copy(ours, theirs)
    x = _leaf(rng, (B, T, D) if batch_first else (T, B, D))
    (m, tm) = _masks(rng, masks, T)
    out = ours(x[0], mask=m.get("causal"), src_key_padding_mask=m.get("padding"))
    tout = theirs(x[1], mask=tm.get("causal"), src_key_padding_mask=tm.get("padding"))
    _backward_and_compare(out, tout, ours, theirs, [x], rng)


@pytest.mark.parametrize("batch_first, norm_first, activation, masks", DECODER_CASES)
def test_decoder(batch_first, norm_first, activation, masks):
    rng = np.random.default_rng(10 + len(masks))
    layer_args = dict(dim_feedforward=FF, dropout=0.0, activation=activation, batch_first=batch_first,
                      norm_first=norm_first)
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, HEADS, **layer_args).double(), 2)
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, HEADS, **layer_args, dtype="float64"), 2)
    _copy(ours, theirs)
    tgt = _leaf(rng, (B, 4, D) if batch_first else (4, B, D))
    memory = _leaf(rng, (B, T, D) if batch_first else (T, B, D))
    m, tm = _masks(rng, masks, T)
    causal, tcausal = (nn.Transformer.generate_square_subsequent_mask(4, dtype="float64"),
                       torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64))
    out = ours(tgt[0], memory[0], tgt_mask=causal, memory_key_padding_mask=m.get("padding"), tgt_is_causal=True)
    tout = theirs(tgt[1], memory[1], tgt_mask=tcausal, memory_key_padding_mask=tm.get("padding"),
                  tgt_is_causal=True)
    _backward_and_compare(out, tout, ours, theirs, [tgt, memory], rng)


def test_layers_without_bias_and_with_a_callable_activation():
    rng = np.random.default_rng(20)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, bias=False,
                                              activation=torch.nn.functional.silu).double()
    ours = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, bias=False, dtype="float64",
                                      activation=lambda x: x * F.sigmoid(x))
    _copy(ours, theirs)
    x = _leaf(rng, (T, B, D))
    _backward_and_compare(ours(x[0]), theirs(x[1]), ours, theirs, [x], rng)


def test_unbatched_encoder_layer():
    rng = np.random.default_rng(21)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0).double()
    ours = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, dtype="float64")
    _copy(ours, theirs)
    x = _leaf(rng, (T, D))
    _backward_and_compare(ours(x[0]), theirs(x[1]), ours, theirs, [x], rng)


def test_whole_transformer():
    rng = np.random.default_rng(22)
    theirs = torch.nn.Transformer(D, HEADS, 2, 2, FF, dropout=0.0, batch_first=True).double()
    ours = nn.Transformer(D, HEADS, 2, 2, FF, dropout=0.0, batch_first=True, dtype="float64")
    _copy(ours, theirs)
    src, tgt = _leaf(rng, (B, T, D)), _leaf(rng, (B, 4, D))
    mask, tmask = (nn.Transformer.generate_square_subsequent_mask(4, dtype="float64"),
                   torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64))
    out = ours(src[0], tgt[0], tgt_mask=mask)
    tout = theirs(src[1], tgt[1], tgt_mask=tmask)
    _backward_and_compare(out, tout, ours, theirs, [src, tgt], rng)


def test_transformer_initialises_matrices_xavier_uniform():
    mg.manual_seed(0)
    model = nn.Transformer(16, 2, 1, 1, 32)
    w = model.encoder.layers[0].linear1.weight.numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    encoder = nn.TransformerEncoder(layer, 3)
    assert len(encoder.layers) == 3 and encoder.layers[0] is not encoder.layers[1]
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    np.testing.assert_array_equal(encoder.layers[0].linear1.weight.numpy(), encoder.layers[2].linear1.weight.numpy())
    assert "layers.2.self_attn.in_proj_weight" in encoder.state_dict()


def test_padded_batch_gives_each_sequence_its_unpadded_result():
    mg.manual_seed(0)
    rng = np.random.default_rng(23)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF, batch_first=True, dtype="float64"), 2)
    encoder.eval()
    lengths = [5, 2, 4]
    sequences = [rng.standard_normal((n, D)) for n in lengths]
    padded = np.full((3, 5, D), 7.0)  # junk in the padding
    for b, seq in enumerate(sequences):
        padded[b, :len(seq)] = seq
    padding = np.arange(5)[None, :] >= np.array(lengths)[:, None]
    out = encoder(mg.tensor(padded), src_key_padding_mask=mg.tensor(padding)).numpy()
    for b, seq in enumerate(sequences):
        alone = encoder(mg.tensor(seq[None])).numpy()[0]
        np.testing.assert_allclose(out[b, :lengths[b]], alone, **TOL)


def test_causal_mask_is_detected_when_is_causal_is_none():
    rng = np.random.default_rng(24)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, dtype="float64"), 1)
    x = mg.tensor(rng.standard_normal((T, 2, D)), dtype="float64")
    mask = nn.Transformer.generate_square_subsequent_mask(T, dtype="float64")
    calls = []
    layer_forward = encoder.layers[0].forward
    encoder.layers[0].forward = lambda *a, **k: calls.append(k["is_causal"]) or layer_forward(*a, **k)
    encoder(x, mask=mask)
    encoder(x, mask=mg.tensor(np.zeros((T, T)), dtype="float64"))
    assert calls == [True, False]


def test_generate_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3).numpy()
    expected = torch.nn.Transformer.generate_square_subsequent_mask(3).numpy()
    np.testing.assert_array_equal(mask, expected)
    assert mask.dtype == np.float32


def test_errors():
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable"):
        nn.TransformerEncoderLayer(D, HEADS, activation="tanh")
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    with pytest.raises(ValueError, match="attn_mask must be given too"):
        layer(mg.zeros(T, 2, D), is_causal=True)


@pytest.mark.gpu
@pytest.mark.parametrize("masks", ["none", "both"])
def test_encoder_layer_on_the_gpu_matches_the_cpu(masks):
    rng = np.random.default_rng(25)
    mg.manual_seed(0)
    cpu = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True, dtype="float64")
    gpu = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, batch_first=True, dtype="float64").to("cuda")
    gpu.load_state_dict(cpu.state_dict())
    x = rng.standard_normal((B, T, D))
    m, _ = _masks(rng, masks, T)
    results = []
    for layer, device in ((cpu, "cpu"), (gpu, "cuda")):
        xt = mg.tensor(x, dtype="float64", device=device, requires_grad=True)
        kwargs = {k: v.to(device) for k, v in (("src_mask", m.get("causal")), ("src_key_padding_mask", m.get("padding")))
                  if v is not None}
        out = layer(xt, **kwargs)
        (out * out).sum().backward()
        results.append([out.numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in layer.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-11)
