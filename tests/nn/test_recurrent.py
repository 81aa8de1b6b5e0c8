"""nn.RNN / LSTM / GRU and their cells against PyTorch, weights copied through state_dict,
in float64: outputs, final states and every parameter's gradient. Plus packed sequences,
dropout between layers, initialisation and the error messages."""

import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.utils import rnn as rnn_utils

torch = pytest.importorskip("torch")
TOL = dict(rtol=1e-9, atol=1e-10)

MODULES = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}


def _close(ours, theirs, what=""):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours.numpy() if hasattr(ours, "numpy") else ours, theirs, **TOL, err_msg=what)


def _pair_modules(kind, *args, **kwargs):
    ours_cls, torch_cls = MODULES[kind]
    theirs = torch_cls(*args, **kwargs).double()
    ours = ours_cls(*args, **kwargs, dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _leaf(array):
    return mg.tensor(array, dtype="float64", requires_grad=True), torch.tensor(array, requires_grad=True)


def _flat_states(kind, states):
    """h_n, or h_n and c_n side by side, as one tensor (so one backward covers both)."""
    if kind != "LSTM":
        return states
    h, c = states
    return mg.concatenate([h, c], axis=-1) if isinstance(h, mg.Tensor) else torch.cat([h, c], dim=-1)


def _backward_both(pairs, rng):
    """Backpropagate sum(out_i * w_i) over every (ours, theirs) output pair, same random w_i."""
    loss = tloss = 0
    for ours, theirs in pairs:
        w = rng.standard_normal(tuple(ours.shape))
        loss = loss + (ours * mg.tensor(w)).sum()
        tloss = tloss + (theirs * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()


def _compare_grads(ours, theirs):
    their_params = dict(theirs.named_parameters())
    assert sorted(n for n, _ in ours.named_parameters()) == sorted(their_params)
    for name, p in ours.named_parameters():
        _close(p.grad, their_params[name].grad, f"gradient of {name}")


CONFIGS = [  # kind, num_layers, bidirectional, bias, batch_first, nonlinearity, initial state given
    (kind, layers, bidirectional, bias, batch_first, nonlinearity, given)
    for kind, layers, bidirectional in itertools.product(MODULES, [1, 2, 3], [False, True])
    for bias, batch_first, nonlinearity, given in [(True, False, "tanh", False), (False, True, "relu", True)]
    if kind == "RNN" or nonlinearity == "tanh" or not given  # nonlinearity only exists for RNN
] + [("LSTM", 2, True, False, True, "tanh", True), ("GRU", 2, True, False, True, "tanh", True)]


@pytest.mark.parametrize("kind, layers, bidirectional, bias, batch_first, nonlinearity, given", CONFIGS)
def test_matches_pytorch(kind, layers, bidirectional, bias, batch_first, nonlinearity, given):
    rng = np.random.default_rng(layers * 7 + bidirectional)
    extra = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
    ours, theirs = _pair_modules(kind, 5, 4, num_layers=layers, bias=bias, batch_first=batch_first,
                                 bidirectional=bidirectional, **extra)
    batch, steps = 3, 6
    x, tx = _leaf(rng.standard_normal((batch, steps, 5) if batch_first else (steps, batch, 5)))
    args, targs = (x,), (tx,)
    initial = []
    if given:
        shape = (layers * (2 if bidirectional else 1), batch, 4)
        initial = [_leaf(rng.standard_normal(shape)) for _ in range(2 if kind == "LSTM" else 1)]
        hx = tuple(p[0] for p in initial) if kind == "LSTM" else initial[0][0]
        thx = tuple(p[1] for p in initial) if kind == "LSTM" else initial[0][1]
        args, targs = (x, hx), (tx, thx)
    out, states = ours(*args)
    tout, tstates = theirs(*targs)
    _close(out, tout, "output")
    _close(_flat_states(kind, states), _flat_states(kind, tstates), "final states")
    _backward_both([(out, tout), (_flat_states(kind, states), _flat_states(kind, tstates))], rng)
    _close(x.grad, tx.grad, "input gradient")
    for ours_h, theirs_h in initial:
        _close(ours_h.grad, theirs_h.grad, "initial state gradient")
    _compare_grads(ours, theirs)


@pytest.mark.parametrize("kind", list(MODULES))
def test_unbatched_input(kind):
    rng = np.random.default_rng(1)
    ours, theirs = _pair_modules(kind, 3, 2, num_layers=2, bidirectional=True)
    x, tx = _leaf(rng.standard_normal((5, 3)))
    hx = [_leaf(rng.standard_normal((4, 2))) for _ in range(2 if kind == "LSTM" else 1)]
    out, states = ours(x, tuple(h for h, _ in hx) if kind == "LSTM" else hx[0][0])
    tout, tstates = theirs(tx, tuple(h for _, h in hx) if kind == "LSTM" else hx[0][1])
    assert out.shape == (5, 4)
    _close(out, tout)
    _close(_flat_states(kind, states), _flat_states(kind, tstates))


@pytest.mark.parametrize("kind", list(MODULES))
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequence_matches_pytorch(kind, enforce_sorted):
    rng = np.random.default_rng(2)
    lengths = [6, 4, 4, 1] if enforce_sorted else [3, 6, 1, 4]
    ours, theirs = _pair_modules(kind, 5, 4, num_layers=2, bidirectional=True)
    x, tx = _leaf(rng.standard_normal((6, 4, 5)))
    packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    tpacked = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), enforce_sorted=enforce_sorted)
    _close(packed.data, tpacked.data, "packed data")
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), tpacked.batch_sizes.numpy())
    out, states = ours(packed)
    tout, tstates = theirs(tpacked)
    assert isinstance(out, rnn_utils.PackedSequence)
    np.testing.assert_array_equal(out.batch_sizes.numpy(), tout.batch_sizes.numpy())
    padded, out_lengths = rnn_utils.pad_packed_sequence(out, batch_first=True, total_length=7)
    tpadded, tlengths = torch.nn.utils.rnn.pad_packed_sequence(tout, batch_first=True, total_length=7)
    np.testing.assert_array_equal(out_lengths.numpy(), tlengths.numpy())
    _close(padded, tpadded, "padded output")
    _close(_flat_states(kind, states), _flat_states(kind, tstates), "final states at each sequence's end")
    _backward_both([(padded, tpadded), (_flat_states(kind, states), _flat_states(kind, tstates))], rng)
    _close(x.grad, tx.grad, "input gradient")
    _compare_grads(ours, theirs)


@pytest.mark.parametrize("kind", list(MODULES))
def test_padded_batch_gives_each_sequence_its_unpadded_result(kind):
    mg.manual_seed(0)
    rng = np.random.default_rng(3)
    layer = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=True, dtype="float64")
    sequences = [mg.tensor(rng.standard_normal((n, 3)), dtype="float64") for n in (5, 2, 4)]
    padded = rnn_utils.pad_sequence(sequences, batch_first=True, padding_value=7.0)  # junk in the padding
    out, states = layer(rnn_utils.pack_padded_sequence(padded, [5, 2, 4], batch_first=True, enforce_sorted=False))
    out, _ = rnn_utils.pad_packed_sequence(out, batch_first=True)
    h_n = states[0] if kind == "LSTM" else states
    for b, seq in enumerate(sequences):
        alone, alone_states = layer(seq.unsqueeze(0))
        n = seq.shape[0]
        np.testing.assert_allclose(out.numpy()[b, :n], alone.numpy()[0], **TOL)
        np.testing.assert_array_equal(out.numpy()[b, n:], 0.0)  # PyTorch pads the output with zeros
        alone_h = alone_states[0] if kind == "LSTM" else alone_states
        np.testing.assert_allclose(h_n.numpy()[:, b], alone_h.numpy()[:, 0], **TOL)


def test_pack_and_pad_utilities_match_pytorch():
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 5, 3)]
    for side in ("right", "left"):
        ours = rnn_utils.pad_sequence([mg.tensor(a) for a in arrays], batch_first=True, padding_value=-1.0,
                                      padding_side=side)
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first=True,
                                                 padding_value=-1.0, padding_side=side)
        _close(ours, theirs, side)
    packed = rnn_utils.pack_sequence([mg.tensor(a) for a in arrays], enforce_sorted=False)
    tpacked = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    _close(packed.data, tpacked.data)
    for ours, theirs in ((packed.batch_sizes, tpacked.batch_sizes), (packed.sorted_indices, tpacked.sorted_indices),
                         (packed.unsorted_indices, tpacked.unsorted_indices)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_packing_is_differentiable():
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.standard_normal((4, 3, 2)), dtype="float64", requires_grad=True)

    def round_trip(x):
        packed = rnn_utils.pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
        return rnn_utils.pad_packed_sequence(packed, padding_value=0.5)[0] * 1.0

    assert mg.gradcheck(round_trip, [x])


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_dropout_between_layers(kind, monkeypatch):
    """In training, each layer but the last gets dropout on its output: check the masks' place
    by replaying minigrad's masks between single-layer PyTorch modules; eval mode drops nothing."""
    rng = np.random.default_rng(6)
    ours, theirs = _pair_modules(kind, 3, 4, num_layers=3, dropout=0.4, bidirectional=True)
    x, _ = _leaf(rng.standard_normal((5, 2, 3)))
    ours.eval()
    theirs.eval()
    _close(ours(x)[0], theirs(torch.tensor(x.numpy()))[0], "eval mode: no dropout")

    masks = []

    def recording_dropout(t, p=0.5, training=True):  # F.dropout's contract, with masks we keep
        assert p == 0.4 and training
        masks.append((rng.random(t.shape) >= p) / (1 - p))
        return t * mg.tensor(masks[-1])

    monkeypatch.setattr(F, "dropout", recording_dropout)
    ours.train()
    out, _ = ours(x)
    assert len(masks) == 2 and masks[0].shape == (5, 2, 8)  # after layers 0 and 1, not after the last

    state = theirs.state_dict()
    tx = torch.tensor(x.numpy(), requires_grad=True)
    h, layers = tx, []
    for layer in range(3):
        single = MODULES[kind][1](3 if layer == 0 else 8, 4, bidirectional=True).double()
        single.load_state_dict({name: state[name.replace("_l0", f"_l{layer}")] for name in single.state_dict()})
        layers.append(single)
        h = single(h)[0]
        if layer < 2:
            h = h * torch.tensor(masks[layer])
    _close(out, h, "training-mode output with the same dropout masks")
    w = rng.standard_normal(out.shape)
    (out * mg.tensor(w)).sum().backward()
    (h * torch.tensor(w)).sum().backward()
    _close(x.grad, tx.grad, "input gradient")
    for layer, single in enumerate(layers):
        for name, p in single.named_parameters():
            _close(getattr(ours, name.replace("_l0", f"_l{layer}")).grad, p.grad, name)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_pytorch(kind, bias):
    rng = np.random.default_rng(7)
    theirs = getattr(torch.nn, kind)(5, 3, bias=bias).double()
    ours = getattr(nn, kind)(5, 3, bias=bias, dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x, tx = _leaf(rng.standard_normal((4, 5)))
    states = [_leaf(rng.standard_normal((4, 3))) for _ in range(2 if kind == "LSTMCell" else 1)]
    if kind == "LSTMCell":
        out, tout = ours(x, tuple(s for s, _ in states)), theirs(tx, tuple(s for _, s in states))
        pairs = list(zip(out, tout))
    else:
        pairs = [(ours(x, states[0][0]), theirs(tx, states[0][1]))]
    for a, b in pairs:
        _close(a, b)
    _backward_both(pairs, rng)
    _close(x.grad, tx.grad)
    for s, ts in states:
        _close(s.grad, ts.grad)
    _compare_grads(ours, theirs)
    unbatched = ours(x[0])  # [I] in, [H] out; zeros for the missing state
    expected = theirs(tx[0])
    for a, b in (zip(unbatched, expected) if kind == "LSTMCell" else [(unbatched, expected)]):
        _close(a, b)


@pytest.mark.parametrize("name", ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"])
def test_functional_cells_match_torch_functions(name):
    rng = np.random.default_rng(8)
    blocks = {"lstm_cell": 4, "gru_cell": 3}.get(name, 1)
    arrays = [rng.standard_normal(s) for s in ((3, 4), (3, 2), (blocks * 2, 4), (blocks * 2, 2), (blocks * 2,),
                                                (blocks * 2,))]
    ours = [mg.tensor(a, dtype="float64") for a in arrays]
    theirs = [torch.tensor(a) for a in arrays]
    if name == "lstm_cell":
        c = rng.standard_normal((3, 2))
        out = F.lstm_cell(ours[0], (ours[1], mg.tensor(c)), *ours[2:])
        expected = torch.lstm_cell(theirs[0], (theirs[1], torch.tensor(c)), *theirs[2:])
    else:
        out, expected = [getattr(F, name)(*ours)], [getattr(torch, name)(*theirs)]
    for a, b in zip(out, expected):
        _close(a, b)


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    mg.manual_seed(0)
    lstm = nn.LSTM(10, 64, num_layers=2, bidirectional=True)
    bound = 1 / np.sqrt(64)
    names = [name for name, _ in lstm.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert "weight_ih_l1_reverse" in names and lstm.weight_ih_l1.shape == (256, 128)
    for name, p in lstm.named_parameters():
        values = p.numpy()
        assert p.dtype == np.float32 and np.abs(values).max() <= bound, name
        assert np.abs(values).max() > 0.9 * bound, name


def test_float32_lstm_trains_a_step():
    mg.manual_seed(0)
    lstm = nn.LSTM(3, 8, num_layers=2, batch_first=True)
    head = nn.Linear(8, 2)
    x = mg.randn(4, 5, 3)
    out, (h, c) = lstm(x)
    loss = F.cross_entropy(head(out[:, -1]), mg.tensor([0, 1, 1, 0]))
    loss.backward()
    assert out.dtype == np.float32 and all(p.grad is not None for p in lstm.parameters())


# ---- clear errors ------------------------------------------------------------------------------


def test_errors_name_the_layer_and_the_shapes():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: the input's last axis has 5 features but input_size is 3"):
        lstm(mg.zeros(2, 1, 5))
    with pytest.raises(ValueError, match=r"LSTM: expected a 2-D \(unbatched\) or 3-D input"):
        lstm(mg.zeros(2))
    with pytest.raises(ValueError, match=r"LSTM: expected h_0 of shape \[2, 1, 4\].*got \[1, 1, 4\]"):
        lstm(mg.zeros(2, 1, 3), (mg.zeros(1, 1, 4), mg.zeros(2, 1, 4)))
    with pytest.raises(TypeError, match="LSTM: hx must be a pair"):
        lstm(mg.zeros(2, 1, 3), mg.zeros(2, 1, 4))
    with pytest.raises(TypeError, match="LSTM: input dtype float64 does not match the weights' float32"):
        lstm(mg.zeros(2, 1, 3, dtype="float64"))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.warns(UserWarning, match="dropout"):
        nn.GRU(3, 4, dropout=0.5)
    with pytest.raises(ValueError, match=r"GRUCell: expected input \[B, 3\]"):
        nn.GRUCell(3, 4)(mg.zeros(2, 5))
    with pytest.raises(ValueError, match=r"pack_padded_sequence: lengths must be in decreasing order"):
        rnn_utils.pack_padded_sequence(mg.zeros(3, 2, 1), [1, 3])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: a length of 4 is longer"):
        rnn_utils.pack_padded_sequence(mg.zeros(3, 2, 1), [4, 3])


def test_recurrence_checks_its_arguments():
    with pytest.raises(ValueError, match=r"recurrence: state must be \[B, S\] = \[2, 6\] for a LSTM with H=3"):
        F.recurrence(mg.zeros(4, 2, 12), mg.zeros(2, 3), mg.zeros(12, 3), mode="LSTM")
    with pytest.raises(ValueError, match=r"recurrence: a GRU weight_hh must be \[3 \* H, H\]"):
        F.recurrence(mg.zeros(4, 2, 12), mg.zeros(2, 3), mg.zeros(12, 3), mode="GRU")
    with pytest.raises(ValueError, match=r"recurrence: lengths must be 2 integers in \[0, 4\]"):
        F.recurrence(mg.zeros(4, 2, 3), mg.zeros(2, 3), mg.zeros(3, 3), mode="RNN_TANH", lengths=[5, 1])
