"""Tests of nnmath.autodiff: the engines against torch.autograd and finite differences, the
cost of forward and reverse mode, backpropagation, checkpointing and the ReLU pitfalls."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnmath import autodiff as ad
from nnmath import plotting

finite = st.floats(min_value=-1.9, max_value=1.9, allow_nan=False, allow_infinity=False)


def central_difference(f, x, h=1e-6):
    """Central finite-difference gradient of a scalar program, evaluated on plain values (Dual, tangent 0)."""
    value = lambda z: ad.jvp(f, z, np.zeros_like(z))[0]  # noqa: E731
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (value(x + e) - value(x - e)) / (2 * h)
    return g


def torch_grad(f, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = f(t)
    y.backward()
    return y.item(), t.grad.numpy()


def random_network(sizes, seed):
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((sizes[i + 1], sizes[i])) / math.sqrt(sizes[i]) for i in range(len(sizes) - 1)]
    bs = [0.1 * rng.standard_normal(sizes[i + 1]) for i in range(len(sizes) - 1)]
    return Ws, bs


def torch_network_grads(Ws, bs, X, Y, activation):
    tW = [torch.tensor(W, requires_grad=True) for W in Ws]
    tb = [torch.tensor(b, requires_grad=True) for b in bs]
    phi = {"relu": torch.relu, "tanh": torch.tanh, "linear": lambda z: z}[activation]
    h = torch.tensor(X)
    for ell, (W, b) in enumerate(zip(tW, tb)):
        h = h @ W.T + b
        if ell < len(tW) - 1:
            h = phi(h)
    loss = 0.5 * ((h - torch.tensor(Y)) ** 2).sum()
    loss.backward()
    return loss.item(), [W.grad.numpy() for W in tW], [b.grad.numpy() for b in tb]


# --------------------------------------------------------------------------- Var, Dual: scalar rules
def _expression(x, y):
    """Every operation of the API, plain numbers on both sides."""
    return (x * y + 2 ** x - x / y + x ** 3 + 1 / (y * y) - (-x).exp() * y.tanh()
            + (x + 2).log() + (x - y).relu() + 3 - x + (y * y + 1) ** x + 0.5 * y - 1.5 / (x + 3))


@pytest.mark.claim("thm-ad-reverse-mode")
@given(finite, finite)
@settings(max_examples=60, deadline=None)
def test_var_matches_torch_autograd(a, b):
    """The reverse sweep of Var gives the value and gradient of torch.autograd to 1e-10 on an expression using every operation."""
    if abs(b) < 0.05 or abs(a - b) < 1e-9:
        return
    x, y = ad.Var(a), ad.Var(b)
    out = _expression(x, y)
    out.backward()
    tx = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    tout = _expression(tx, ty)
    tout.backward()
    assert out.value == pytest.approx(tout.item(), rel=1e-12, abs=1e-12)
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-10, abs=1e-10)
    assert y.grad == pytest.approx(ty.grad.item(), rel=1e-10, abs=1e-10)


@pytest.mark.claim("prop-ad-forward-mode")
@given(finite, finite, finite, finite)
@settings(max_examples=60, deadline=None)
def test_dual_is_directional_derivative(a, b, va, vb):
    """Evaluating a program on dual numbers x + v eps gives f(x) + (grad f(x) . v) eps, as central differences confirm."""
    if abs(b) < 0.05 or abs(a - b) < 1e-3:
        return
    out = _expression(ad.Dual(a, va), ad.Dual(b, vb))
    x, y = ad.Var(a), ad.Var(b)
    rev = _expression(x, y)
    rev.backward()
    assert out.value == pytest.approx(rev.value, rel=1e-12, abs=1e-12)
    assert out.tangent == pytest.approx(x.grad * va + y.grad * vb, rel=1e-10, abs=1e-10)
    h = 1e-6
    plus = _expression(ad.Dual(a + h * va), ad.Dual(b + h * vb)).value
    minus = _expression(ad.Dual(a - h * va), ad.Dual(b - h * vb)).value
    assert out.tangent == pytest.approx((plus - minus) / (2 * h), rel=1e-5, abs=1e-5)


def test_backward_resets_and_shares_nodes():
    """A node used twice gets the sum of both contributions, and backward() twice gives the same gradient."""
    x = ad.Var(3.0)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    y.backward()
    assert x.grad == 7.0


def test_relu_convention_and_at_zero():
    """relu'(0) is 0 by default (as in PyTorch) and at_zero otherwise; elsewhere it is the indicator of v > 0."""
    for at_zero, expected in [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]:
        x = ad.Var(0.0)
        x.relu(at_zero).backward()
        assert x.grad == expected
        assert ad.Dual(0.0, 1.0).relu(at_zero).tangent == expected
    x = ad.Var(-0.1)
    x.relu().backward()
    assert x.grad == 0.0


# --------------------------------------------------------------------------- random programs (experiment a)
@pytest.mark.claim("thm-ad-reverse-mode")
@pytest.mark.parametrize("seed", range(5))
def test_random_programs_against_torch_and_differences(seed):
    """On random smooth straight-line programs the reverse- and forward-mode gradients equal torch.autograd's to 1e-10 and central differences to 1e-6."""
    n = 6
    prog = ad.random_program(n, relu=False, seed=seed)
    x = np.random.default_rng(100 + seed).standard_normal(n)
    g_rev = ad.grad_reverse(prog, x)
    g_fwd = ad.grad_forward(prog, x)
    value, g_torch = torch_grad(prog, x)
    assert ad.vjp(prog, x, 1.0)[0] == pytest.approx(value, abs=1e-12)
    np.testing.assert_allclose(g_rev, g_torch, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(g_fwd, g_torch, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(g_rev, central_difference(prog, x), rtol=1e-6, atol=1e-6)


@pytest.mark.claim("thm-ad-ae-correct")
@pytest.mark.parametrize("seed", range(5))
def test_relu_programs_correct_at_random_points(seed):
    """At random points, autodiff of random programs with ReLU equals the true gradient (central differences), as a.e. correctness predicts."""
    n = 6
    prog = ad.random_program(n, relu=True, seed=seed)
    x = np.random.default_rng(200 + seed).standard_normal(n)
    g = ad.grad_reverse(prog, x)
    np.testing.assert_allclose(g, central_difference(prog, x, h=1e-7), rtol=1e-5, atol=1e-5)
    _, g_torch = torch_grad(prog, x)
    np.testing.assert_allclose(g, g_torch, rtol=1e-10, atol=1e-10)


@pytest.mark.claim("thm-ad-reverse-mode")
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=4))
@settings(max_examples=25, deadline=None)
def test_jvp_vjp_adjoint(seed, m):
    """For f: R^n -> R^m built from the operations, <u, J v> from jvp equals <J^T u, v> from vjp."""
    rng = np.random.default_rng(seed)
    n = 5
    A = rng.standard_normal((m, n))
    B = rng.standard_normal((m, n))

    def f(x):
        return np.tanh(A @ x) * np.exp(0.3 * (B @ x)) + (x[0] * x[1])

    x, v, u = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)
    y1, Jv = ad.jvp(f, x, v)
    y2, JTu = ad.vjp(f, x, u)
    np.testing.assert_allclose(y1, y2, rtol=1e-13, atol=1e-13)
    assert float(u @ Jv) == pytest.approx(float(JTu @ v), rel=1e-10, abs=1e-10)


def test_jvp_vjp_against_torch_jacobian():
    """jvp and vjp give J v and J^T u with the Jacobian of torch.autograd.functional.jacobian."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 4))

    def f(x):
        return np.tanh(A @ x) ** 2

    x, v, u = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(3)
    J = torch.autograd.functional.jacobian(lambda t: torch.tanh(torch.tensor(A) @ t) ** 2, torch.tensor(x)).numpy()
    np.testing.assert_allclose(ad.jvp(f, x, v)[1], J @ v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ad.vjp(f, x, u)[1], J.T @ u, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- cost (experiment b)
def cost_ratios(ns, seed=0):
    """Operation counts of the gradient divided by that of the function, reverse and forward mode."""
    rev, fwd = [], []
    for n in ns:
        prog = ad.random_program(n, seed=seed + n)
        x = np.random.default_rng(seed).standard_normal(n)
        with ad.count_ops() as c_f:
            ad.jvp(prog, x, np.zeros(n))
        with ad.count_ops() as c_rev:
            ad.grad_reverse(prog, x)
        with ad.count_ops() as c_fwd:
            ad.grad_forward(prog, x)
        rev.append(c_rev.total / c_f.primal)
        fwd.append(c_fwd.total / c_f.primal)
    return np.array(rev), np.array(fwd)


@pytest.mark.claim("thm-ad-cheap-gradient")
def test_cheap_gradient_slopes_and_bound():
    """The reverse-mode cost ratio stays below the theorem's constant 7 with log-log slope near 0, while forward mode grows with slope near 1."""
    ns = np.array([4, 8, 16, 32, 64])
    rev, fwd = cost_ratios(ns)
    assert np.all(rev <= 7.0 + 3.0 / 10)  # + the one extra multiply-add of <u, f(x)> in vjp
    s_rev = plotting.fit_power_law(ns, rev).slope
    s_fwd = plotting.fit_power_law(ns, fwd).slope
    assert abs(s_rev) < 0.05
    assert abs(s_fwd - 1.0) < 0.05


@pytest.mark.claim("thm-ad-cheap-gradient")
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=1000))
@settings(max_examples=25, deadline=None)
def test_cost_identity(n, seed):
    """A reverse sweep costs exactly m + 3E operations (E edges of the graph) and forward mode exactly n times one dual pass."""
    prog = ad.random_program(n, seed=seed)
    x = np.random.default_rng(seed).standard_normal(n)
    xs = np.array([ad.Var(v) for v in x], dtype=object)
    with ad.count_ops() as c:
        y = prog(xs)
        y.backward()
    graph = y._topological_order()
    edges = sum(len(node._parents) for node in graph)
    operations = sum(1 for node in graph if node._parents)  # every node but the inputs
    assert c.primal == operations
    assert c.derivative == 3 * edges
    assert c.total <= 7 * c.primal
    with ad.count_ops() as one:
        ad.jvp(prog, x, np.zeros(n))
    with ad.count_ops() as all_:
        ad.grad_forward(prog, x)
    assert all_.total == n * one.total


# --------------------------------------------------------------------------- backprop (matrix form)
@pytest.mark.claim("prop-ad-backprop")
@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
@pytest.mark.parametrize("seed", range(3))
def test_mlp_backprop_matches_torch(activation, seed):
    """mlp_backprop's loss and gradients equal torch.autograd's to 1e-10 in float64 on random networks and batches."""
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 7, size=int(rng.integers(2, 6)))]
    Ws, bs = random_network(sizes, seed)
    X = rng.standard_normal((5, sizes[0]))
    Y = rng.standard_normal((5, sizes[-1]))
    loss, gW, gb = ad.mlp_backprop(Ws, bs, X, Y, activation)
    tloss, tW, tb = torch_network_grads(Ws, bs, X, Y, activation)
    assert loss == pytest.approx(tloss, rel=1e-12)
    for a, b in zip(gW + gb, tW + tb):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.claim("prop-ad-backprop")
def test_mlp_backprop_single_vector_and_var_engine():
    """A single input equals a batch of one, and the scalar engine Var on the same network gives the same gradient."""
    Ws, bs = random_network([3, 4, 2], 7)
    x, y = np.array([0.3, -1.0, 0.5]), np.array([0.2, -0.4])
    loss, gW, gb = ad.mlp_backprop(Ws, bs, x, y, "tanh")
    loss_b, gW_b, _ = ad.mlp_backprop(Ws, bs, x[None], y[None], "tanh")
    assert loss == loss_b
    np.testing.assert_array_equal(gW[0], gW_b[0])
    W0 = np.array([[ad.Var(v) for v in row] for row in Ws[0]], dtype=object)
    h = np.tanh(W0 @ x + bs[0])
    out = Ws[1] @ h + bs[1]
    L = 0.5 * np.sum((out - y) ** 2)
    L.backward()
    assert L.value == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(np.vectorize(lambda v: v.grad)(W0), gW[0], rtol=1e-10, atol=1e-12)


def test_mlp_forward_matches_loss():
    """The loss of mlp_backprop is 0.5 ||mlp_forward(x) - y||^2, for one input and for a batch."""
    Ws, bs = random_network([3, 5, 2], 9)
    rng = np.random.default_rng(9)
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    out = ad.mlp_forward(Ws, bs, X, "relu")
    assert out.shape == (4, 2)
    assert ad.mlp_backprop(Ws, bs, X, Y, "relu")[0] == pytest.approx(0.5 * np.sum((out - Y) ** 2), rel=1e-14)
    np.testing.assert_allclose(ad.mlp_forward(Ws, bs, X[0], "relu"), out[0], rtol=1e-15)


def test_nested_op_counters():
    """Nested count_ops blocks both count the inner operations and are removed independently."""
    with ad.count_ops() as outer:
        with ad.count_ops() as inner:
            ad.Var(1.0) * 2.0
        ad.Var(1.0) + ad.Var(2.0)
    assert (inner.primal, inner.derivative) == (1, 1)
    assert (outer.primal, outer.derivative) == (2, 3)


@pytest.mark.claim("prop-ad-checkpointing")
@pytest.mark.parametrize("L", [1, 4, 9, 16, 23])
def test_checkpointing_same_gradients_less_memory(L):
    """Checkpointed backprop returns the same gradients with at most ceil(L/k) + k stored layers and at most 2L layer evaluations."""
    Ws, bs = random_network([4] + [5] * (L - 1) + [3], L)
    rng = np.random.default_rng(L)
    X, Y = rng.standard_normal((3, 4)), rng.standard_normal((3, 3))
    loss, gW, gb = ad.mlp_backprop(Ws, bs, X, Y, "tanh")
    loss_c, gW_c, gb_c, stats = ad.mlp_backprop_checkpointed(Ws, bs, X, Y, "tanh")
    assert loss_c == loss
    for a, b in zip(gW + gb, gW_c + gb_c):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    k = stats.segment
    assert k == math.ceil(math.sqrt(L))
    assert stats.peak_stored <= math.ceil(L / k) + k
    assert stats.layer_evals <= 2 * L


# --------------------------------------------------------------------------- products of Jacobians (experiment d)
@pytest.mark.claim("prop-ad-jacobian-product")
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_delta_is_jacobian_product(activation):
    """delta_l equals J_{L<-l}^T delta_L, and its norm lies between the extreme singular values of J_{L<-l} times |delta_L|."""
    sizes = [6] + [8] * 6 + [3]
    Ws, bs = random_network(sizes, 11)
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal(6), rng.standard_normal(3)
    _, _, gb = ad.mlp_backprop(Ws, bs, x, y, activation)
    jacs = ad.preactivation_jacobians(Ws, bs, x, activation)
    deltaL = gb[-1]
    J = np.eye(3)
    for ell in range(len(Ws) - 2, -1, -1):  # J_{L<-l} = J_{L<-l+1} W_{l+1} D_l
        J = J @ jacs[ell]
        np.testing.assert_allclose(gb[ell], J.T @ deltaL, rtol=1e-10, atol=1e-12)
        s = np.linalg.svd(J, compute_uv=False)
        nd = np.linalg.norm(gb[ell])
        assert s[-1] * np.linalg.norm(deltaL) - 1e-12 <= nd <= s[0] * np.linalg.norm(deltaL) + 1e-12


# --------------------------------------------------------------------------- Kakade-Lee (experiment c)
def kakade_lee(x):
    """relu(x) - relu(-x), which equals x."""
    return x.relu() - (-x).relu()


@pytest.mark.claim("prop-ad-kakade-lee")
def test_kakade_lee_discrepancy():
    """At 0 the program relu(x) - relu(-x) = x gets derivative 0 from the engine and from PyTorch, while its true derivative is 1; with relu'(0) = s the engine returns 2s."""
    x = ad.Var(0.0)
    y = kakade_lee(x)
    y.backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    kakade_lee(t).backward()
    assert y.value == 0.0 and x.grad == 0.0 and t.grad.item() == 0.0
    true = (kakade_lee(ad.Dual(1e-3)).value - kakade_lee(ad.Dual(-1e-3)).value) / 2e-3
    assert true == pytest.approx(1.0, abs=1e-12)
    for s in [0.0, 0.25, 0.5, 1.0]:
        z = ad.Var(0.0)
        (z.relu(s) - (-z).relu(s)).backward()
        assert z.grad == 2 * s
    for a in [-1.0, 1e-8, 2.0]:  # away from 0 both are right
        z = ad.Var(a)
        kakade_lee(z).backward()
        assert z.grad == 1.0


@pytest.mark.claim("thm-ad-bolte")
def test_kakade_lee_field_is_conservative_along_a_curve():
    """Along a curve that rests at the kink for a whole interval, autodiff of P(gamma(t)) equals the derivative of t -> P(gamma(t)) at every grid time: the wrong value at 0 is multiplied by gamma'(t) = 0."""
    ts = np.linspace(-1.0, 1.0, 41)  # gamma(t) = max(t, 0)^2 is 0 on [-1, 0]

    def composed(t):
        return kakade_lee(t.relu() * t.relu())

    for t0 in ts:
        t = ad.Var(float(t0))
        composed(t).backward()
        h = 1e-6
        slope = (composed(ad.Dual(t0 + h)).value - composed(ad.Dual(t0 - h)).value) / (2 * h)
        assert t.grad == pytest.approx(slope, abs=1e-6)
        field_at_gamma = 0.0 if t0 <= 0 else 1.0  # the autodiff output of P at gamma(t)
        assert t.grad == pytest.approx(field_at_gamma * 2 * max(t0, 0.0), abs=1e-12)


# --------------------------------------------------------------------------- bad input
def test_bad_input():
    """Shape mismatches, unknown activations and bad operands raise ValueError/TypeError naming the argument."""
    Ws, bs = random_network([3, 4, 2], 0)
    x, y = np.zeros(3), np.zeros(2)
    with pytest.raises(ValueError, match="activation"):
        ad.mlp_backprop(Ws, bs, x, y, "sigmoidal")
    with pytest.raises(TypeError, match="activation"):
        ad.mlp_backprop(Ws, bs, x, y, None)
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        ad.mlp_backprop([Ws[0], np.zeros((2, 5))], bs, x, y)
    with pytest.raises(ValueError, match=r"biases\[0\]"):
        ad.mlp_backprop(Ws, [np.zeros(3), bs[1]], x, y)
    with pytest.raises(ValueError, match="biases"):
        ad.mlp_backprop(Ws, bs[:1], x, y)
    with pytest.raises(ValueError, match="x"):
        ad.mlp_backprop(Ws, bs, np.zeros(4), y)
    with pytest.raises(ValueError, match="y"):
        ad.mlp_backprop(Ws, bs, x, np.zeros(3))
    with pytest.raises(ValueError, match="y"):
        ad.mlp_backprop(Ws, bs, np.zeros((5, 3)), np.zeros((4, 2)))
    with pytest.raises(TypeError, match="weights"):
        ad.mlp_backprop(np.zeros((2, 3)), bs, x, y)
    with pytest.raises(ValueError, match="segment"):
        ad.mlp_backprop_checkpointed(Ws, bs, x, y, segment=0)
    with pytest.raises(TypeError, match="other"):
        ad.Var(1.0) + "a"
    with pytest.raises(TypeError, match="other"):
        ad.Dual(1.0) * ad.Var(2.0)
    with pytest.raises(ValueError, match="log"):
        ad.Var(-1.0).log()
    with pytest.raises(ValueError, match="base"):
        (-2.0) ** ad.Var(0.5)
    with pytest.raises(ValueError, match="v"):
        ad.jvp(lambda z: z[0], np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="u"):
        ad.vjp(lambda z: z, np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="f"):
        ad.jvp(3, np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="n"):
        ad.random_program(0, seed=0)
