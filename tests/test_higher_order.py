"""Higher-order gradients: autograd.grad, create_graph, and autograd.functional, against PyTorch
and against their documented semantics."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import functional as AF

torch = pytest.importorskip("torch")
TAF = torch.autograd.functional
TOL = dict(rtol=1e-10, atol=1e-12)


def _pair(values, requires_grad=True):
    values = np.asarray(values, dtype=np.float64)
    return (mg.tensor(values, dtype="float64", requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


def _close(ours, theirs):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    np.testing.assert_allclose(ours.numpy(), theirs, **TOL)


# ---- semantics ---------------------------------------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mg.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None and not g.requires_grad


def test_create_graph_makes_the_gradient_differentiable_to_any_order():
    x = mg.tensor(2.0, dtype="float64", requires_grad=True)
    y = x ** 5
    (d1,) = mg.autograd.grad(y, x, create_graph=True)
    (d2,) = mg.autograd.grad(d1, x, create_graph=True)
    (d3,) = mg.autograd.grad(d2, x, create_graph=True)
    (d4,) = mg.autograd.grad(d3, x)
    assert d1.requires_grad and d2.requires_grad and d3.requires_grad
    assert [d1.item(), d2.item(), d3.item(), d4.item()] == [5 * 16, 20 * 8, 60 * 4, 120 * 2]


def test_retain_graph_defaults_to_create_graph():
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x * x
    mg.autograd.grad(y, x, create_graph=True)
    mg.autograd.grad(y, x)  # the graph was kept by create_graph=True
    with pytest.raises(RuntimeError, match="already freed"):
        mg.autograd.grad(y, x)


def test_allow_unused_gives_none_and_its_absence_an_error():
    x, z = mg.tensor(1.0, requires_grad=True), mg.tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 .* was not used"):
        mg.autograd.grad(x * 2, [x, z], retain_graph=True)
    gx, gz = mg.autograd.grad(x * 2, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_grad_outputs_weight_a_non_scalar_output():
    x, tx = _pair([[1.0, -2.0], [0.5, 3.0]])
    v = np.array([[1.0, 2.0], [3.0, 4.0]])
    (ours,) = mg.autograd.grad(x.tanh() * x, x, grad_outputs=mg.tensor(v, dtype="float64"))
    (theirs,) = torch.autograd.grad(tx.tanh() * tx, tx, grad_outputs=torch.tensor(v))
    _close(ours, theirs)
    with pytest.raises(RuntimeError, match="one-element output"):
        mg.autograd.grad(x * 2, x)


def test_several_outputs_and_inputs_add_up():
    (a, ta), (b, tb) = _pair([1.0, 2.0]), _pair([3.0, -1.0])
    ours = mg.autograd.grad([(a * b).sum(), (a * a).sum()], [a, b])
    theirs = torch.autograd.grad([(ta * tb).sum(), (ta * ta).sum()], [ta, tb])
    for o, t in zip(ours, theirs):
        _close(o, t)


def test_grad_of_a_non_leaf_input():
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    h = x * 3
    (gh,) = mg.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())


def test_backward_inputs_accumulates_only_into_them():
    (a, ta), (b, tb) = _pair([1.0, 2.0]), _pair([3.0, 4.0])
    (a * b).sum().backward(inputs=[a])
    (ta * tb).sum().backward(inputs=[ta])
    _close(a.grad, ta.grad)
    assert b.grad is None and tb.grad is None


def test_backward_create_graph_gives_a_differentiable_grad():
    x, tx = _pair([0.5, -1.5, 2.0])
    (x.tanh() * x).sum().backward(create_graph=True)
    (tx.tanh() * tx).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    gx = x.grad
    x.grad = None
    (gx * gx).sum().backward()
    gtx = tx.grad
    tx.grad = None
    (gtx * gtx).sum().backward()
    _close(x.grad, tx.grad)


def test_a_gradient_penalty_term():
    """The gradient of |d loss / d x|^2 with respect to the weights, as in WGAN-GP."""
    rng = np.random.default_rng(0)
    (w, tw), (x, tx) = _pair(rng.standard_normal((3, 4))), _pair(rng.standard_normal((5, 3)))
    loss = ((x @ w).tanh() ** 2).sum()
    (gx,) = mg.autograd.grad(loss, x, create_graph=True)
    (gx * gx).sum().backward()
    tloss = ((tx @ tw).tanh() ** 2).sum()
    (tgx,) = torch.autograd.grad(tloss, tx, create_graph=True)
    (tgx * tgx).sum().backward()
    _close(w.grad, tw.grad)


def test_second_derivatives_of_a_composition_of_many_ops_match_pytorch():
    (x, tx), (y, ty) = _pair([0.3, -0.7, 1.2]), _pair([1.5, 0.4, 2.0])

    def f(x, y, lib):
        s = lib.softmax(x * y, dim=0)
        return ((s * x.exp()).sum() / (y.sqrt() + x ** 2).sum()) * (x.sigmoid() * y).log().mean()

    (dx,) = mg.autograd.grad(f(x, y, mg), x, create_graph=True)
    (tdx,) = torch.autograd.grad(f(tx, ty, torch), tx, create_graph=True)
    (dxy,) = mg.autograd.grad(dx.sum(), y, create_graph=True)
    (tdxy,) = torch.autograd.grad(tdx.sum(), ty, create_graph=True)
    _close(dxy, tdxy)
    (third,) = mg.autograd.grad((dxy * dxy).sum(), x)
    (tthird,) = torch.autograd.grad((tdxy * tdxy).sum(), tx)
    _close(third, tthird)


def test_fused_ops_are_twice_differentiable_through_their_composites():
    import minigrad.nn.functional as F

    rng = np.random.default_rng(1)
    (x, tx), (w, tw) = _pair(rng.standard_normal((4, 3))), _pair(rng.standard_normal((5, 3)))
    targets = np.array([0, 4, 2, 1])

    def loss(x, w, lib, fn):
        h = fn.layer_norm(fn.linear(x, w), (5,))
        return fn.cross_entropy(fn.gelu(h), lib.tensor(targets))

    (gw,) = mg.autograd.grad(loss(x, w, mg, F), w, create_graph=True)
    (tgw,) = torch.autograd.grad(loss(tx, tw, torch, torch.nn.functional), tw, create_graph=True)
    _close(gw, tgw)
    (gx,) = mg.autograd.grad((gw * gw).sum(), x)
    (tgx,) = torch.autograd.grad((tgw * tgw).sum(), tx)
    _close(gx, tgx)


# ---- autograd.functional against torch.autograd.functional --------------------------------------


def _vector_fn(lib):
    return lambda x: (x * x[0]).tanh() + x.exp() * 0.5


def test_jacobian_matches_pytorch():
    x, tx = _pair([0.2, -0.4, 0.9], requires_grad=False)
    _close(AF.jacobian(_vector_fn(mg), x), TAF.jacobian(_vector_fn(torch), tx))


def test_jacobian_of_tuples_nests_like_pytorch():
    (a, ta), (b, tb) = _pair([0.5, 1.5], False), _pair([2.0, -1.0, 0.5], False)
    ours = AF.jacobian(lambda a, b: ((a * a).sum() * b, a.exp()), (a, b))
    theirs = TAF.jacobian(lambda a, b: ((a * a).sum() * b, a.exp()), (ta, tb))
    assert len(ours) == 2 and all(len(row) == 2 for row in ours)
    for row, trow in zip(ours, theirs):
        for o, t in zip(row, trow):
            assert tuple(o.shape) == tuple(t.shape)
            _close(o, t)


def _mlp_loss(lib, x, y):
    """The loss of a 3-4-2 tanh MLP as a function of its 26 parameters, flattened."""

    def loss(theta):
        w1, b1 = theta[:12].reshape(4, 3), theta[12:16]
        w2, b2 = theta[16:24].reshape(2, 4), theta[24:26]
        h = (x @ w1.T + b1).tanh()
        return ((h @ w2.T + b2 - y) ** 2).mean()

    return loss


def test_hessian_of_a_small_mlp_loss_matches_pytorch():
    rng = np.random.default_rng(2)
    x, y, theta = rng.standard_normal((6, 3)), rng.standard_normal((6, 2)), rng.standard_normal(26) * 0.5
    ours = AF.hessian(_mlp_loss(mg, mg.tensor(x, dtype="float64"), mg.tensor(y, dtype="float64")),
                      mg.tensor(theta, dtype="float64"))
    theirs = TAF.hessian(_mlp_loss(torch, torch.tensor(x), torch.tensor(y)), torch.tensor(theta))
    assert ours.shape == (26, 26)
    _close(ours, theirs)
    np.testing.assert_allclose(ours.numpy(), ours.numpy().T, atol=1e-12)


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp"])
def test_products_match_pytorch(name):
    rng = np.random.default_rng(3)
    x0, v0 = rng.standard_normal(3), rng.standard_normal(3)
    scalar = lambda x: (x.tanh() * x * x).sum()  # noqa: E731
    fn = scalar if name in ("hvp", "vhp") else _vector_fn(None)
    out, ours = getattr(AF, name)(fn, mg.tensor(x0, dtype="float64"), mg.tensor(v0, dtype="float64"))
    tout, theirs = getattr(TAF, name)(fn, torch.tensor(x0), torch.tensor(v0))
    _close(out, tout)
    _close(ours, theirs)
    assert not ours.requires_grad


def test_hvp_equals_the_full_hessian_times_v():
    rng = np.random.default_rng(4)
    x, y, theta = rng.standard_normal((5, 3)), rng.standard_normal((5, 2)), rng.standard_normal(26) * 0.5
    loss = _mlp_loss(mg, mg.tensor(x, dtype="float64"), mg.tensor(y, dtype="float64"))
    v = rng.standard_normal(26)
    _, hv = AF.hvp(loss, mg.tensor(theta, dtype="float64"), mg.tensor(v, dtype="float64"))
    h = AF.hessian(loss, mg.tensor(theta, dtype="float64"))
    np.testing.assert_allclose(hv.numpy(), h.numpy() @ v, rtol=1e-10, atol=1e-12)


def test_strict_refuses_an_output_independent_of_an_input():
    x = mg.tensor([1.0, 2.0], dtype="float64")
    np.testing.assert_array_equal(AF.jacobian(lambda x: mg.ones(3, dtype="float64"), x).numpy(), np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="does not depend on input 0"):
        AF.vjp(lambda x: x.detach() * 2, x, mg.ones(2, dtype="float64"), strict=True)


def test_functional_create_graph_stays_differentiable_in_the_inputs():
    x = mg.tensor([0.5, 1.0], dtype="float64", requires_grad=True)
    _, hv = AF.hvp(lambda x: (x ** 4).sum(), x, mg.tensor([1.0, 1.0], dtype="float64"), create_graph=True)
    hv.sum().backward()  # d/dx of 12 x^2 = 24 x
    np.testing.assert_allclose(x.grad.numpy(), 24 * x.numpy())


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class Wrong(mg.Function):
        """x**2 whose backward hides its dependence on x: dx = 2 * x, with x taken as a constant."""

        def forward(self, x):
            self.x_copy = x.copy()  # not the input array itself: a constant when recorded
            return x * x

        def backward(self, g):
            return 2 * g * self.x_copy

    try:
        x = mg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
        assert mg.gradcheck(lambda x: Wrong.apply(x), [x])
        with pytest.raises(mg.GradcheckError):
            mg.gradgradcheck(lambda x: Wrong.apply(x), [x])
    finally:
        mg.OPS.pop("Wrong", None)
