"""prod, std, var_mean/std_mean, logsumexp, the norms (torch.norm, linalg.norm/vector_norm/
matrix_norm), count_nonzero and median without dim against PyTorch: values, dtypes, gradients
(with zeros in the input, at a zero norm, between ties), second derivatives, and the errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

from .helpers import nonempty_shapes, pair, same, same_grads, shapes, values

torch = pytest.importorskip("torch")
SETTINGS = dict(max_examples=10, deadline=None)


def dims_for(draw, ndim):
    """None, one dim (maybe negative) or a tuple of distinct dims."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=ndim)))


@settings(**SETTINGS)
@given(data=st.data(), keepdim=st.booleans())
def test_prod_matches_torch_with_zeros_in_the_input(data, keepdim):
    shape = data.draw(shapes)
    raw = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 0.5, -1.5, 2.0, 1.0])))
    x, tx = pair(torch, raw)
    dim = data.draw(st.one_of(st.none(), st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1)))
    if dim is None:
        ours, theirs = x.prod(), tx.prod()
    else:
        ours, theirs = mg.prod(x, dim, keepdim=keepdim), torch.prod(tx, dim, keepdim=keepdim)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours, theirs)


def test_prod_of_integers_and_bools_is_int64_and_dtype_casts():
    same(mg.tensor([1, 2, 3], dtype="int32").prod(), torch.tensor([1, 2, 3], dtype=torch.int32).prod())
    same(mg.tensor([True, False]).prod(), torch.tensor([True, False]).prod())
    same(mg.tensor([1, 2, 3]).prod(dtype=mg.float64), torch.tensor([1, 2, 3]).prod(dtype=torch.float64))


def test_second_derivatives_of_prod_through_zeros_match_torch():
    for data in ([0.0, 0.0, 2.0, 3.0], [0.0, 1.5, 2.0, -1.0], [0.0, 0.0, 0.0, 2.0], [1.0, 2.0, 3.0, 4.0]):
        x, tx = pair(torch, np.array(data).reshape(2, 2))
        for dim in (None, 0, 1):
            ours = x.prod() if dim is None else x.prod(dim)
            theirs = tx.prod() if dim is None else tx.prod(dim)
            (g,) = mg.autograd.grad(ours.sum(), x, create_graph=True)
            (tg,) = torch.autograd.grad(theirs.sum(), tx, create_graph=True)
            same(g, tg)
            w = np.arange(1.0, 5.0).reshape(2, 2)
            (gg,) = mg.autograd.grad((g * mg.tensor(w)).sum(), x)
            (tgg,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), tx)
            same(gg, tgg, what=f"second derivative of prod over {dim} at {data}")


@settings(**SETTINGS)
@given(data=st.data(), keepdim=st.booleans())
def test_std_and_var_mean_match_torch_with_every_correction_spelling(data, keepdim):
    shape = data.draw(nonempty_shapes)
    x, tx = pair(torch, values(data.draw, shape))
    dim = dims_for(data.draw, x.ndim)
    spelling = data.draw(st.sampled_from([{}, {"correction": 0}, {"correction": 2}, {"unbiased": False},
                                          {"unbiased": True}]))
    ours, theirs = x.std(dim=dim, keepdim=keepdim, **spelling), tx.std(dim=dim, keepdim=keepdim, **spelling)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours, theirs)
    for fn in ("var_mean", "std_mean"):
        ours = getattr(mg, fn)(x, dim=dim, keepdim=keepdim, **spelling)
        theirs = getattr(torch, fn)(tx, dim=dim, keepdim=keepdim, **spelling)
        assert isinstance(ours, tuple) and len(ours) == 2
        same(ours[0], theirs[0], what=fn)
        same(ours[1], theirs[1], what=fn)


def test_std_of_equal_values_has_zero_gradient_as_torch():
    x, tx = pair(torch, np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]]))
    ours, theirs = x.std(dim=1), tx.std(dim=1)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours, theirs)


def test_std_spelled_numpys_way_is_numpys_std():
    data = np.random.default_rng(0).standard_normal((3, 4))
    same(mg.tensor(data).std(axis=1), data.std(axis=1))
    same(mg.tensor(data).std(axis=0, ddof=1), data.std(axis=0, ddof=1))


@settings(**SETTINGS)
@given(data=st.data(), keepdim=st.booleans())
def test_logsumexp_matches_torch(data, keepdim):
    shape = data.draw(shapes.filter(lambda s: len(s) > 0))
    x, tx = pair(torch, values(data.draw, shape, -50, 50))
    dim = dims_for(data.draw, x.ndim)
    dim = tuple(range(x.ndim)) if dim is None else dim
    ours, theirs = mg.logsumexp(x, dim, keepdim), torch.logsumexp(tx, dim, keepdim)
    same(ours, theirs)
    if x.size:
        same_grads(torch, [x], [tx], ours, theirs)


def test_logsumexp_is_stable_and_handles_infinities_as_torch():
    data = np.array([[1000.0, 1000.0], [-1000.0, -1001.0], [-np.inf, -np.inf], [np.inf, 0.0], [-np.inf, 3.0]],
                    dtype=np.float32)
    x, tx = pair(torch, data)
    ours, theirs = x.logsumexp(1), tx.logsumexp(1)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours[[0, 1, 4]], theirs[[0, 1, 4]])
    same(mg.logsumexp(mg.tensor([1, 2]), 0), torch.logsumexp(torch.tensor([1, 2]), 0))  # integers: float32
    with pytest.raises(TypeError, match="dim is required"):
        mg.logsumexp(mg.tensor([1.0]), None)


# ---- norms -------------------------------------------------------------------------------------

ORDS = [2, 1, 3, 0.5, 0, -1, math.inf, -math.inf]


@settings(max_examples=12, deadline=None)
@given(data=st.data(), keepdim=st.booleans())
def test_vector_norms_match_torch_with_zeros_and_ties(data, keepdim):
    shape = data.draw(nonempty_shapes)
    raw = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, -1.0, 2.5, -0.5])))
    x, tx = pair(torch, raw)
    ord_ = data.draw(st.sampled_from(ORDS))
    dim = dims_for(data.draw, x.ndim)
    ours = mg.linalg.vector_norm(x, ord_, dim, keepdim)
    theirs = torch.linalg.vector_norm(tx, ord_, dim, keepdim)
    same(ours, theirs)
    if ord_ > 0:  # at 0 or a negative order torch's gradient at zeros is inf/nan arithmetic; ours is the limit
        same_grads(torch, [x], [tx], ours, theirs)


def test_the_gradient_of_a_norm_at_zero_is_zero_as_torch():
    for ord_ in (2, 1, 3, math.inf):
        x, tx = pair(torch, np.zeros((2, 3)))
        ours, theirs = mg.linalg.vector_norm(x, ord_, 1), torch.linalg.vector_norm(tx, ord_, 1)
        same_grads(torch, [x], [tx], ours, theirs, what=f"ord {ord_}")
        assert not x.grad.numpy().any()


@pytest.mark.parametrize("p, dim", [("fro", None), ("fro", 1), ("fro", (0, 1)), (2, None), (1, 0), (3, (0, 2)),
                                    (math.inf, -1), (None, None)])
def test_torch_norm_and_the_tensor_method_match_torch(p, dim):
    data = np.random.default_rng(4).standard_normal((2, 3, 4))
    x, tx = pair(torch, data)
    ours, theirs = x.norm(p=p, dim=dim), tx.norm(p=p, dim=dim)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours, theirs)
    same(mg.norm(x, p, dim, keepdim=True), torch.norm(tx, p, dim, keepdim=True))


@pytest.mark.parametrize("ord_", [None, "fro", 1, -1, math.inf, -math.inf, 2, 0.5])
@pytest.mark.parametrize("dim", [None, 0, (0, 1), (1, 0)])
def test_linalg_norm_matches_torch_for_vectors_and_matrices(ord_, dim):
    data = np.random.default_rng(5).standard_normal((3, 4))
    x, tx = pair(torch, data)
    is_matrix = dim is None and ord_ is not None or isinstance(dim, tuple)
    if is_matrix and ord_ in (2, 0.5) or not is_matrix and ord_ == "fro":
        with pytest.raises((NotImplementedError, ValueError, TypeError)):
            mg.linalg.norm(x, ord_, dim)
        return
    ours, theirs = mg.linalg.norm(x, ord_, dim), torch.linalg.norm(tx, ord_, dim)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours, theirs)


@pytest.mark.parametrize("ord_", ["fro", 1, -1, math.inf, -math.inf])
def test_matrix_norms_of_a_batch_match_torch(ord_):
    data = np.random.default_rng(6).standard_normal((2, 3, 4))
    x, tx = pair(torch, data)
    for dim, keepdim in (((-2, -1), False), ((0, 2), True), ((2, 1), False)):
        ours = mg.linalg.matrix_norm(x, ord_, dim, keepdim)
        theirs = torch.linalg.matrix_norm(tx, ord_, dim, keepdim)
        same(ours, theirs)
        x.grad = tx.grad = None
        same_grads(torch, [x], [tx], ours, theirs)


@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.linalg.norm(mg.tensor(np.ones((2, 2, 2))), ord=1), ValueError, "must be 1-D or 2-D"),
    (lambda: mg.linalg.matrix_norm(mg.tensor(np.ones((2, 2))), "nuc"), NotImplementedError, "singular value"),
    (lambda: mg.norm(mg.tensor(np.ones((2, 2))), "nuc"), NotImplementedError, "singular value"),
    (lambda: mg.linalg.vector_norm(mg.tensor([1, 2])), TypeError, "floating-point"),
    (lambda: mg.linalg.vector_norm(mg.tensor(np.ones((0, 2))), math.inf), IndexError, "empty"),
    (lambda: mg.linalg.vector_norm(mg.tensor([1.0]), dim=2), IndexError, "out of range"),
    (lambda: mg.linalg.matrix_norm(mg.tensor([1.0, 2.0])), ValueError, "at least 2 dims"),
])
def test_norm_errors_are_clear(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_norms_of_empty_tensors_are_zero_as_torch():
    for ord_ in (2, 1, 0):
        same(mg.linalg.vector_norm(mg.ones(0, 3), ord_), torch.linalg.vector_norm(torch.ones(0, 3), ord_))
    same(mg.linalg.vector_norm(mg.ones(0, 3), math.inf, dim=1),
         torch.linalg.vector_norm(torch.ones(0, 3), math.inf, dim=1))


# ---- count_nonzero, median without dim ----------------------------------------------------------


def test_count_nonzero_matches_torch():
    data = np.array([[0, 1, 2], [0, 0, 3]])
    for dim in (None, 0, 1, -1, (0, 1)):
        same(mg.count_nonzero(mg.tensor(data), dim), torch.count_nonzero(torch.tensor(data), dim), what=f"{dim}")
    same(mg.tensor([0.0, -0.0, np.nan]).count_nonzero(), torch.tensor([0.0, -0.0, np.nan]).count_nonzero())


@settings(**SETTINGS)
@given(data=st.data())
def test_median_of_everything_matches_torch_and_shares_the_gradient_between_ties(data):
    shape = data.draw(nonempty_shapes)
    raw = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, -1.0, 2.5, -0.5, np.nan])))
    if data.draw(st.booleans()):
        raw = np.nan_to_num(raw)
    x, tx = pair(torch, raw)
    ours, theirs = x.median(), tx.median()
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours, theirs)


def test_median_of_an_empty_tensor_is_nan_as_torch():
    same(mg.tensor(np.ones(0, dtype=np.float32)).median(), torch.ones(0).median())
