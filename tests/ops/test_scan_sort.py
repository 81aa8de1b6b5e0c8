"""The scans (cumsum cumprod logcumsumexp cummax cummin) and the orderings (sort argsort msort topk
kthvalue median mode) against PyTorch: values, indices (int64, named tuples), gradients (with
zeros for cumprod, to second order), ties, NaN, 0-d and empty dims, and the errors. Also the
doubling scan that stands in for ufunc.accumulate on CuPy, checked here on NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.ops.scan import _doubling_scan

from .helpers import nonempty_shapes, pair, same, same_grads, shapes, values

torch = pytest.importorskip("torch")
SETTINGS = dict(max_examples=10, deadline=None)
FEW = st.sampled_from([0.0, 1.0, -1.0, 2.0, 0.5])  # few distinct values: ties and zeros are common


def a_dim(draw, ndim):
    return draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
@settings(**SETTINGS)
@given(data=st.data())
def test_running_sums_and_products_match_torch(name, data):
    shape = data.draw(shapes)
    raw = data.draw(hnp.arrays(np.float64, shape, elements=FEW)) if name == "cumprod" else \
        values(data.draw, shape, -30, 30)
    x, tx = pair(torch, raw)
    dim = a_dim(data.draw, x.ndim)
    ours, theirs = getattr(x, name)(dim), getattr(torch, name)(tx, dim)
    same(ours, theirs, what=name)
    same_grads(torch, [x], [tx], ours, theirs, what=name)


def test_running_sums_of_integers_are_int64_and_dtype_casts():
    for name in ("cumsum", "cumprod"):
        for dtype in (np.int32, np.bool_, np.uint8):
            data = np.array([1, 0, 1, 1], dtype=dtype)
            same(getattr(mg, name)(mg.tensor(data), 0), getattr(torch, name)(torch.tensor(data), 0), what=name)
        same(getattr(mg.tensor([1, 2]), name)(0, dtype=mg.float64),
             getattr(torch.tensor([1, 2]), name)(0, dtype=torch.float64))


def test_logcumsumexp_is_stable_for_large_and_minus_infinite_values():
    data = np.array([[-1000.0, 1000.0, 999.0, -np.inf], [-np.inf, -np.inf, 0.0, 5.0]])
    x, tx = pair(torch, data)
    ours, theirs = x.logcumsumexp(1), tx.logcumsumexp(1)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours[:, 2:], theirs[:, 2:])
    assert np.isfinite(x.grad.numpy()[0]).all()  # (at -inf after a -inf prefix torch's gradient is nan: ours too)


def test_second_derivatives_of_cumprod_through_zeros_match_torch():
    rng = np.random.default_rng(0)
    for data in ([2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 0.0, 1.5, 2.0, -1.0], [1.0, 2.0, 3.0, 4.0, 0.5]):
        x, tx = pair(torch, np.array(data))
        w, v = rng.standard_normal(5), rng.standard_normal(5)
        (g,) = mg.autograd.grad((x.cumprod(0) * mg.tensor(w)).sum(), x, create_graph=True)
        (tg,) = torch.autograd.grad((tx.cumprod(0) * torch.tensor(w)).sum(), tx, create_graph=True)
        same(g, tg)
        (gg,) = mg.autograd.grad((g * mg.tensor(v)).sum(), x)
        (tgg,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), tx)
        same(gg, tgg, what=f"second derivative of cumprod at {data}")


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@settings(**SETTINGS)
@given(data=st.data())
def test_running_extremes_match_torch_with_ties_and_nan(name, data):
    shape = data.draw(shapes)
    elements = st.one_of(FEW, st.just(np.nan)) if data.draw(st.booleans()) else FEW
    x, tx = pair(torch, data.draw(hnp.arrays(np.float64, shape, elements=elements)))
    dim = a_dim(data.draw, x.ndim)
    ours, theirs = getattr(x, name)(dim), getattr(torch, name)(tx, dim)
    values_, indices = ours  # a named tuple, as torch's
    assert ours.values is values_ and ours.indices is indices
    same(values_, theirs.values, what=name)
    same(indices, theirs.indices, what=name)
    same_grads(torch, [x], [tx], values_, theirs.values, what=name)


def test_running_extremes_of_integers():
    data = np.array([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]])
    for name in ("cummax", "cummin"):
        ours, theirs = getattr(mg, name)(mg.tensor(data), 1), getattr(torch, name)(torch.tensor(data), 1)
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)


@pytest.mark.parametrize("ufunc", ["maximum", "minimum", "logaddexp"])
@settings(**SETTINGS)
@given(data=st.data())
def test_the_doubling_scan_equals_numpys_accumulate(ufunc, data):
    shape = data.draw(nonempty_shapes.filter(lambda s: len(s) > 0))
    x = values(data.draw, shape, -5, 5)
    axis = data.draw(st.integers(0, len(shape) - 1))
    fn = getattr(np, ufunc)
    np.testing.assert_allclose(_doubling_scan(fn, x, axis), fn.accumulate(x, axis=axis), rtol=1e-14)


# ---- orderings ------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(data=st.data(), descending=st.booleans())
def test_stable_sort_matches_torch_with_ties_and_nan(data, descending):
    shape = data.draw(shapes)
    elements = st.one_of(FEW, st.just(np.nan), st.just(-np.inf)) if data.draw(st.booleans()) else FEW
    x, tx = pair(torch, data.draw(hnp.arrays(np.float64, shape, elements=elements)))
    dim = a_dim(data.draw, x.ndim)
    ours = x.sort(dim, descending=descending, stable=True)
    theirs = torch.sort(tx, dim=dim, descending=descending, stable=True)
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)
    same(mg.argsort(x, dim, descending=descending, stable=True),
         torch.argsort(tx, dim=dim, descending=descending, stable=True))
    same_grads(torch, [x], [tx], ours.values, theirs.values)


def test_sort_of_integers_and_msort():
    data = np.array([[3, 1, 2], [0, 0, -1]])
    ours, theirs = mg.tensor(data).sort(descending=True), torch.tensor(data).sort(descending=True, stable=True)
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)
    same(mg.msort(mg.tensor(data)), torch.msort(torch.tensor(data)))
    values_, indices = mg.sort(mg.tensor([2.0, 1.0]))  # unpacks as a named tuple
    assert type(indices.numpy()[0]) is np.int64


@settings(max_examples=15, deadline=None)
@given(data=st.data(), largest=st.booleans())
def test_topk_matches_torch_on_distinct_values(data, largest):
    shape = data.draw(nonempty_shapes)
    n = int(np.prod(shape))
    raw = np.asarray(data.draw(st.permutations(range(n))), dtype=np.float64).reshape(shape) * 0.5 - 1
    x, tx = pair(torch, raw)
    dim = a_dim(data.draw, x.ndim)
    k = data.draw(st.integers(0, shape[dim]) if shape else st.just(1))  # (torch's k=0 of a 0-d tensor returns it)
    ours, theirs = x.topk(k, dim, largest=largest), torch.topk(tx, k, dim, largest=largest)
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)
    same_grads(torch, [x], [tx], ours.values, theirs.values)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), keepdim=st.booleans())
def test_kthvalue_and_median_with_dim_match_torch(data, keepdim):
    shape = data.draw(nonempty_shapes)
    n = int(np.prod(shape))
    raw = np.asarray(data.draw(st.permutations(range(n))), dtype=np.float64).reshape(shape) * 0.5 - 1
    if data.draw(st.booleans()) and n > 1:
        raw.reshape(-1)[data.draw(st.integers(0, n - 1))] = np.nan  # NaN wins the median, as in torch
    x, tx = pair(torch, raw)
    dim = a_dim(data.draw, x.ndim)
    ours, theirs = x.median(dim, keepdim), tx.median(dim, keepdim)
    same(ours.values, theirs.values, what="median")
    same(ours.indices, theirs.indices, what="median")
    same_grads(torch, [x], [tx], ours.values, theirs.values, what="median")
    if not np.isnan(raw).any():
        k = data.draw(st.integers(1, shape[dim] if shape else 1))
        ours, theirs = x.kthvalue(k, dim, keepdim), tx.kthvalue(k, dim, keepdim)
        same(ours.values, theirs.values, what="kthvalue")
        same(ours.indices, theirs.indices, what="kthvalue")


@settings(max_examples=15, deadline=None)
@given(data=st.data(), keepdim=st.booleans())
def test_mode_matches_torch(data, keepdim):
    shape = data.draw(nonempty_shapes)
    x, tx = pair(torch, data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-2, 2))))
    dim = a_dim(data.draw, x.ndim)
    ours, theirs = x.mode(dim, keepdim), tx.mode(dim, keepdim)
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)


def test_the_mode_of_floats_is_differentiable_like_torchs():
    x, tx = pair(torch, np.array([[1.0, 2.0, 2.0, 3.0, 3.0], [0.5, 0.5, 0.5, 1.0, 1.0]]))
    ours, theirs = x.mode(1), tx.mode(1)
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)
    same_grads(torch, [x], [tx], ours.values, theirs.values)


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.topk(5), ValueError, "topk: k=5 is out of range"),
    (lambda x: x.kthvalue(0), ValueError, "kthvalue: k=0 is out of range"),
    (lambda x: x.sort(2), IndexError, "sort: dimension 2 is out of range"),
    (lambda x: x.cumsum(), TypeError, "cumsum: dim is required"),
    (lambda x: x.cummax(dim=-3), IndexError, "cummax: dimension -3 is out of range"),
    (lambda x: mg.median(x[:, :0], 1), IndexError, "median: cannot take the median of an empty dimension"),
    (lambda x: x.mode(1, axis=1), TypeError, "both dim= and axis="),
])
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(mg.tensor(np.ones((2, 3))))


def test_zero_dimensional_tensors_scan_and_sort_as_in_torch():
    x, tx = pair(torch, np.array(3.0))
    for name in ("cumsum", "cumprod", "logcumsumexp"):
        same(getattr(x, name)(0), getattr(tx, name)(0), what=name)
    for name in ("sort", "cummax", "cummin", "median", "mode"):
        ours, theirs = getattr(x, name)(0), getattr(tx, name)(0)
        same(ours.values, theirs.values, what=name)
        same(ours.indices, theirs.indices, what=name)
    same(x.topk(1).values, tx.topk(1).values)
    same(x.kthvalue(1).indices, tx.kthvalue(1).indices)
    same(x.argsort(), tx.argsort())
