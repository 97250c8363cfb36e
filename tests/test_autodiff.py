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
    r"""Evaluating a program on dual numbers $x + v\epsilon$ gives $f(x) + (\nabla f(x)\cdot v)\,\epsilon$, as central differences confirm. v) eps, as central differences confirm."""
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
    r"""For $f\colon \R^n \to \R^m$ built from the operations, $\inner{u}{Jv}$ from `jvp` equals $\inner{J^\top u}{v}$ from `vjp`."""
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
    assert np.all(rev <= 7.0)  # vjp seeds the output register: no extra operations
    s_rev = plotting.fit_power_law(ns, rev).slope
    s_fwd = plotting.fit_power_law(ns, fwd).slope
    assert abs(s_rev) < 0.05
    assert abs(s_fwd - 1.0) < 0.05
    assert not abs(s_fwd) < 0.05  # _wrong_forward_mode_is_cheap: the criterion rejects forward mode


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
    assert c.total != operations + 2 * edges  # _wrong_two_per_edge
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
    """`mlp_backprop`'s loss and gradients equal `torch.autograd`'s to 1e-10 in float64 on random networks and batches."""
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
    r"""$\delta_l$ equals $J_{L\leftarrow l}^\top \delta_L$, and its norm lies between the extreme singular values of $J_{L\leftarrow l}$ times $\norm{\delta_L}$."""
    sizes = [6] + [8] * 6 + [3]
    Ws, bs = random_network(sizes, 11)
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal(6), rng.standard_normal(3)
    _, _, gb = ad.mlp_backprop(Ws, bs, x, y, activation)
    jacs = ad.preactivation_jacobians(Ws, bs, x, activation)
    deltaL = gb[-1]
    J = np.eye(3)
    J_wrong = np.eye(3)
    for ell in range(len(Ws) - 2, -1, -1):  # J_{L<-l} = J_{L<-l+1} W_{l+1} D_l
        J = J @ jacs[ell]
        J_wrong = J_wrong @ Ws[ell + 1]  # _wrong_without_activation_derivatives: W_L ... W_{l+1}, no D_k
        np.testing.assert_allclose(gb[ell], J.T @ deltaL, rtol=1e-10, atol=1e-12)
        assert not np.allclose(gb[ell], J_wrong.T @ deltaL, rtol=1e-6, atol=1e-8)
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
    for s in [0.25, 0.5, 1.0]:  # _wrong_prediction_s: the engine does not return s itself
        z = ad.Var(0.0)
        (z.relu(s) - (-z).relu(s)).backward()
        assert z.grad != s
    for a in [-1.0, 1e-8, 2.0]:  # away from 0 both are right
        z = ad.Var(a)
        kakade_lee(z).backward()
        assert z.grad == 1.0


@pytest.mark.claim("thm-ad-bolte")
def test_kakade_lee_field_is_conservative_along_a_curve():
    r"""Along a curve that rests at the kink for a whole interval, autodiff of $P(\gamma(t))$ equals the derivative of $t \mapsto P(\gamma(t))$ at every grid time: the wrong value at 0 is multiplied by $\gamma'(t) = 0$."""
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


def _chain_rule_holds_on_grid(field, curve, curve_prime, times) -> bool:
    """d/dt P(gamma(t)) = field(gamma(t)) gamma'(t) at the grid times (central differences of P = relu(x) - relu(-x))."""
    h = 1e-6
    for t0 in times:
        slope = (kakade_lee(ad.Dual(curve(t0 + h))).value - kakade_lee(ad.Dual(curve(t0 - h))).value) / (2 * h)
        if abs(slope - field(curve(t0)) * curve_prime(t0)) > 1e-6:
            return False
    return True


def _autodiff_field(x):
    z = ad.Var(float(x))
    kakade_lee(z).backward()
    return z.grad


@pytest.mark.claim("thm-ad-bolte")
def test_conservative_field_negative_control():
    r"""The autodiff field of the Kakade-Lee program satisfies the chain rule along a curve resting at the kink and along $\gamma(t) = t$ (grid avoiding 0), while a field that is wrong on a set of positive measure (doubled for $x > 0$) fails it."""
    resting = (lambda t: max(t, 0.0) ** 2, lambda t: 2 * max(t, 0.0))
    line = (lambda t: t, lambda t: 1.0)
    times = np.linspace(-1.0, 1.0, 41) + 0.0125
    for curve, prime in (resting, line):
        assert _chain_rule_holds_on_grid(_autodiff_field, curve, prime, times)

    def _wrong_field_doubled_on_positive_axis(x):
        return 2.0 if x > 0 else _autodiff_field(x)

    assert not _chain_rule_holds_on_grid(_wrong_field_doubled_on_positive_axis, *line, times)


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


# =========================================================================== checks that can fail
# Each claim test below runs a plausible wrong variant (named for its mistake) through the same
# check and asserts that the check rejects it.

# --------------------------------------------------------------------------- seeds on intermediate registers
def _sweep_overwrites_seed(outputs, seeds):
    """Wrong: the seed of a register is assigned when the register is reached, discarding what its children sent."""
    order, seen = [], set()
    for out in outputs:
        order.extend(out._topological_order(seen))
    seed_of = {}
    for out, u in zip(outputs, seeds):
        seed_of[id(out)] = seed_of.get(id(out), 0.0) + u
    for node in order:
        node.grad = 0.0
    for node in reversed(order):
        if id(node) in seed_of:
            node.grad = seed_of[id(node)]  # the mistake: = instead of +=
        for parent, local in node._parents:
            parent.grad += node.grad * local


def _sweep_seeds_only_the_last_output(outputs, seeds):
    """Wrong: the old recursion, bar v_m = u_m and bar v_j = sum over children for every other j (seeds on intermediate registers lost)."""
    last = max(range(len(outputs)), key=lambda r: len(outputs[r]._topological_order()))
    order = outputs[last]._topological_order()
    for node in order:
        node.grad = 0.0
    outputs[last].grad = seeds[last]
    for node in reversed(order):
        for parent, local in node._parents:
            parent.grad += node.grad * local


def _two_outputs(x):
    """f(x) = (v, w) with v = tanh(x0 x1) an intermediate register of w = v * exp(x2) + v."""
    v = (x[0] * x[1]).tanh()
    w = v * x[2].exp() + v
    return v, w


def _sweep_matches_torch(sweep, seed=0) -> bool:
    rng = np.random.default_rng(seed)
    x0, u = rng.standard_normal(3), rng.standard_normal(2)
    xs = [ad.Var(float(a)) for a in x0]
    v, w = _two_outputs(xs)
    sweep([v, w], [float(u[0]), float(u[1])])
    ours = np.array([a.grad for a in xs])
    t = torch.tensor(x0, requires_grad=True)
    tv, tw = _two_outputs(t)
    torch.autograd.backward([tv, tw], [torch.tensor(u[0], dtype=torch.float64), torch.tensor(u[1], dtype=torch.float64)])
    return bool(np.allclose(ours, t.grad.numpy(), rtol=1e-12, atol=1e-12))


@pytest.mark.claim("thm-ad-reverse-mode")
@pytest.mark.parametrize("seed", range(4))
def test_seed_on_an_intermediate_register_accumulates(seed):
    r"""With seeds on an output that is also an intermediate register, the sweep $v_j = u_j + \sum_i v_i\,\partial_j\phi_i$ gives torch's $J^\top u$, and the sweeps that overwrite or drop that seed do not."""
    assert _sweep_matches_torch(ad.backward, seed)
    assert not _sweep_matches_torch(_sweep_overwrites_seed, seed)
    assert not _sweep_matches_torch(_sweep_seeds_only_the_last_output, seed)
    # vjp goes through the same sweep
    rng = np.random.default_rng(seed)
    x0, u = rng.standard_normal(3), rng.standard_normal(2)
    J = torch.autograd.functional.jacobian(lambda t: torch.stack(_two_outputs(t)), torch.tensor(x0)).numpy()
    np.testing.assert_allclose(ad.vjp(lambda z: np.array(_two_outputs(z), dtype=object), x0, u)[1], J.T @ u,
                               rtol=1e-12, atol=1e-12)


def test_backward_with_a_repeated_output_adds_the_seeds():
    """An output listed twice receives the sum of its seeds (the seed of a register is the sum over the outputs it holds)."""
    x = ad.Var(0.7)
    y = x * x
    ad.backward([y, y], [1.0, 2.0])
    assert x.grad == pytest.approx(3.0 * 2 * 0.7, rel=1e-15)


# --------------------------------------------------------------------------- exact operation counts
#: Operations and graph edges of each instruction of random_program, tallied by hand from its formula
#: (a constant operand is not an edge; a ** 0.5 and 2.0 ** a have one edge each).
_HAND_TALLY = {
    "tanh_mul": (2, 3),  # a*b (2), tanh (1)
    "average": (2, 3),  # a+b (2), 0.5*() (1)
    "tanh_sub": (2, 3),  # a-b (2), tanh (1)
    "gauss": (5, 7),  # a*a (2), neg (1), exp (1), b*0.25 (1), + (2)
    "log": (5, 7),  # a*a (2), 1.0+ (1), log (1), b*0.5 (1), - (2)
    "div": (3, 5),  # b*b (2), 1.0+ (1), / (2)
    "relu": (2, 3),  # a-b (2), relu (1)
    "sqrt": (6, 9),  # a*a (2), b*b (2), + (2), +1.0 (1), **0.5 (1), -1.0 (1)
    "exp2": (4, 5),  # tanh (1), 2.0** (1), b*0.5 (1), - (2)
}


def _hand_tally(program):
    m = sum(_HAND_TALLY[name][0] for name, _ in program.instructions)
    E = sum(_HAND_TALLY[name][1] for name, _ in program.instructions)
    return m, E


@pytest.mark.claim("thm-ad-cheap-gradient")
@pytest.mark.parametrize("n,seed", [(1, 0), (3, 1), (8, 2), (16, 3), (32, 4)])
def test_counters_equal_the_hand_tally(n, seed):
    """The counters equal exact values tallied by hand from the program text: reverse mode costs m + 3E, forward mode n (m + 3E), the function m; a cost model charging 2 per edge is rejected."""
    prog = ad.random_program(n, seed=seed)
    m, E = _hand_tally(prog)
    x = np.random.default_rng(seed).standard_normal(n)
    with ad.count_ops() as c_f:
        ad.jvp(prog, x, np.zeros(n))
    with ad.count_ops() as c_rev:
        ad.grad_reverse(prog, x)
    with ad.count_ops() as c_fwd:
        ad.grad_forward(prog, x)
    assert c_f.primal == m
    assert (c_rev.primal, c_rev.derivative) == (m, 3 * E)
    assert c_fwd.total == n * (m + 3 * E)
    assert c_rev.total != m + 2 * E  # _wrong_two_per_edge: the check distinguishes the cost models
    assert c_rev.total <= 7 * m


def test_hand_tally_is_exact_for_every_instruction():
    """Each instruction's hand tally of (operations, edges) equals the counters on a one-instruction program."""
    for name in _HAND_TALLY:
        prog = ad.Program(2, [(name, 1)])
        xs = np.array([ad.Var(0.3), ad.Var(-0.4)], dtype=object)
        with ad.count_ops() as c:
            prog(xs).backward()
        assert (c.primal, c.derivative) == (_HAND_TALLY[name][0], 3 * _HAND_TALLY[name][1]), name


@pytest.mark.claim("thm-ad-cheap-gradient")
@pytest.mark.parametrize("m", [1, 5, 40])
def test_cheap_gradient_bound_is_attained(m):
    """For a chain of $m$ binary products $E = 2m$, and reverse mode costs exactly $7m$: the bound of the theorem is tight (ratio 1), so the constant 6 is violated."""
    xs = np.array([ad.Var(1.0 + 0.01 * i) for i in range(m + 1)], dtype=object)
    with ad.count_ops() as c:
        y = xs[0]
        for v in xs[1:]:
            y = y * v
        y.backward()
    assert c.primal == m
    assert c.total / (7 * c.primal) == 1.0
    assert c.total > 6 * c.primal  # _wrong_constant_six
    np.testing.assert_allclose([v.grad for v in xs], [y.value / v.value for v in xs], rtol=1e-13)


# --------------------------------------------------------------------------- checkpointing: exact counts and measured memory
def _checkpointed_variant(Ws, bs, X, Y, k, *, keep_all_records=False, recompute_from_input=False):
    """A re-implementation of checkpointed backprop (tanh, squared loss) with two plausible mistakes switchable."""
    L = len(Ws)
    evals = 0
    kept = []

    def layer(ell, h):
        nonlocal evals
        evals += 1
        z = h @ Ws[ell].T + bs[ell]
        return z, (z if ell == L - 1 else np.tanh(z))

    checkpoints, h = {0: X}, X
    for ell in range(L):
        _, h = layer(ell, h)
        if (ell + 1) % k == 0 and ell + 1 < L:
            checkpoints[ell + 1] = h
    g = h - Y
    gW, gb = [None] * L, [None] * L
    for start in sorted(checkpoints, reverse=True):
        stop = min(start + k, L)
        if recompute_from_input:  # the mistake: every segment recomputed from the input
            h = X
            for ell in range(start):
                _, h = layer(ell, h)
        else:
            h = checkpoints[start]
        checkpoints.pop(start)
        records = []
        for ell in range(start, stop):
            z, h_next = layer(ell, h)
            records.append((z, h))
            h = h_next
        if keep_all_records:  # the mistake: records of finished segments are never freed
            kept.append(records)
        for ell in range(stop - 1, start - 1, -1):
            z, h_in = records[ell - start]
            delta = g if ell == L - 1 else g * (1 - np.tanh(z) ** 2)
            gW[ell], gb[ell] = delta.T @ h_in, delta.sum(axis=0)
            g = delta @ Ws[ell]
    return gW, gb, evals


def _traced_peak(fn):
    import tracemalloc

    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def _mem_network(L, width=16, batch=512, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((width, width)) / 4 for _ in range(L)]
    bs = [np.zeros(width) for _ in range(L)]
    X, Y = rng.standard_normal((batch, width)), rng.standard_normal((batch, width))
    return Ws, bs, X, Y, width * batch * 8, sum(W.nbytes + b.nbytes for W, b in zip(Ws, bs))


def _memory_within_count(fn, L, k, slack=10.0) -> bool:
    """Measured peak (tracemalloc, gradients subtracted) within [count - 2, count + slack] arrays, count = ceil(L/k) + 2k."""
    Ws, bs, X, Y, array_bytes, grad_bytes = _mem_network(L)
    arrays = (_traced_peak(lambda: fn(Ws, bs, X, Y, k)) - grad_bytes) / array_bytes
    count = math.ceil(L / k) + 2 * k
    return count - 2 <= arrays <= count + slack


@pytest.mark.claim("prop-ad-checkpointing")
@pytest.mark.parametrize("L", [36, 100])
def test_checkpointing_memory_measured_by_tracemalloc(L):
    """The peak memory measured by tracemalloc is within a few activation arrays of ceil(L/k) + 2k with checkpoints and of 2L without; a variant that keeps every segment's records is rejected."""
    k = math.ceil(math.sqrt(L))
    assert _memory_within_count(lambda Ws, bs, X, Y, k: ad.mlp_backprop_checkpointed(Ws, bs, X, Y, "tanh", segment=k), L, k)
    assert _memory_within_count(lambda Ws, bs, X, Y, k: _checkpointed_variant(Ws, bs, X, Y, k), L, k)
    assert not _memory_within_count(lambda Ws, bs, X, Y, k: _checkpointed_variant(Ws, bs, X, Y, k, keep_all_records=True), L, k)
    Ws, bs, X, Y, array_bytes, grad_bytes = _mem_network(L)
    plain = (_traced_peak(lambda: ad.mlp_backprop(Ws, bs, X, Y, "tanh")) - grad_bytes) / array_bytes
    assert 2 * L - 2 <= plain <= 2 * L + 10


@pytest.mark.claim("prop-ad-checkpointing")
@pytest.mark.parametrize("L", [1, 2, 9, 10, 23, 64])
def test_checkpointing_evaluates_every_layer_exactly_twice(L):
    """`layer_evals` equals $2L$ exactly, and the gradients equal plain backprop; a variant that recomputes each segment from the input fails the count."""
    Ws, bs = random_network([4] + [5] * (L - 1) + [3], L)
    rng = np.random.default_rng(L)
    X, Y = rng.standard_normal((3, 4)), rng.standard_normal((3, 3))
    _, gW, gb = ad.mlp_backprop(Ws, bs, X, Y, "tanh")
    *_, stats = ad.mlp_backprop_checkpointed(Ws, bs, X, Y, "tanh")
    assert stats.layer_evals == 2 * L
    k = stats.segment
    gW_v, gb_v, evals_ok = _checkpointed_variant(Ws, bs, X, Y, k)
    _, _, evals_wrong = _checkpointed_variant(Ws, bs, X, Y, k, recompute_from_input=True)
    for a, b in zip(gW + gb, gW_v + gb_v):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert evals_ok == 2 * L
    if math.ceil(L / k) > 1:
        assert evals_wrong != 2 * L


# --------------------------------------------------------------------------- relu'(0): mlp_backprop and the spellings of ReLU in torch
def _kink_network():
    """A ReLU network whose first preactivations are exactly 0 (zero input, zero biases) and whose output error is not 0."""
    W1, W2 = np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([[1.5, -0.7]])
    return [W1, W2], [np.zeros(2), np.zeros(1)], np.zeros(2), np.array([1.0])


def _backprop_matches_torch_at_the_kink() -> bool:
    Ws, bs, x, y = _kink_network()
    _, gW, gb = ad.mlp_backprop(Ws, bs, x, y, "relu")
    _, tW, tb = torch_network_grads(Ws, bs, x[None], y[None], "relu")
    return all(np.allclose(a, b, rtol=0, atol=1e-15) for a, b in zip(gW + gb, tW + tb))


def test_mlp_backprop_uses_relu_prime_zero_at_the_kink(monkeypatch):
    """At z = 0 mlp_backprop uses relu'(0) = 0 and agrees with torch.relu's gradient exactly; the variant with relu'(0) = 1 is rejected."""
    Ws, bs, x, y = _kink_network()
    _, _, gb = ad.mlp_backprop(Ws, bs, x, y, "relu")
    assert np.all(gb[0] == 0.0) and gb[1][0] == -1.0
    assert _backprop_matches_torch_at_the_kink()
    phi, _ = ad.ACTIVATIONS["relu"]
    _wrong_relu_prime_one_at_zero = (phi, lambda z: (z >= 0).astype(float))
    monkeypatch.setitem(ad.ACTIVATIONS, "relu", _wrong_relu_prime_one_at_zero)
    assert not _backprop_matches_torch_at_the_kink()


_RELU_SPELLINGS = {
    "relu": torch.relu,
    "clamp": lambda v: v.clamp(min=0),
    "maximum": lambda v: torch.maximum(v, torch.zeros_like(v)),
}


def _torch_derivative_at_zero(f):
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    f(t).backward()
    return t.grad.item()


def _kakade_lee_prediction_holds(predict) -> bool:
    """For every spelling, torch's derivative of relu(x) - relu(-x) at 0 equals predict(s), s = the spelling's own slope at 0."""
    for r in _RELU_SPELLINGS.values():
        s = _torch_derivative_at_zero(r)
        if _torch_derivative_at_zero(lambda t, r=r: r(t) - r(-t)) != predict(s):
            return False
    return True


@pytest.mark.claim("prop-ad-kakade-lee")
def test_torch_spellings_of_relu_give_0_2_and_1():
    """`torch.relu`, `clamp(min=0)` and `maximum(x, 0)` have slopes 0, 1, $1/2$ at 0, and the Kakade-Lee program gets $2s = 0, 2, 1$ from autograd; the prediction $s$ (no doubling) is rejected."""
    slopes = {name: _torch_derivative_at_zero(r) for name, r in _RELU_SPELLINGS.items()}
    assert slopes == {"relu": 0.0, "clamp": 1.0, "maximum": 0.5}
    assert _kakade_lee_prediction_holds(lambda s: 2 * s)
    assert not _kakade_lee_prediction_holds(lambda s: s)  # _wrong_prediction_no_doubling
    assert not _kakade_lee_prediction_holds(lambda s: 1.0)  # _wrong_prediction_true_derivative
    for r in _RELU_SPELLINGS.values():  # the three spellings are the same function
        v = torch.linspace(-2, 2, 41, dtype=torch.float64)
        assert torch.equal(r(v), torch.relu(v))


# --------------------------------------------------------------------------- softmax with cross-entropy
def _torch_ce_gradient(z, y):
    t = torch.tensor(z, requires_grad=True)
    loss = -(torch.tensor(y) * torch.log_softmax(t, dim=-1)).sum()
    loss.backward()
    return loss.item(), t.grad.numpy()


def _wrong_softmax_minus_y_always(z, y):
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return p - y


def _wrong_ignores_softmax_jacobian(z, y):
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return -y / p  # d/dp of -sum y log p, without the softmax Jacobian


@pytest.mark.claim("prop-ad-softmax-ce")
@pytest.mark.parametrize("seed", range(4))
def test_softmax_cross_entropy_gradient(seed):
    r"""The gradient of $-\sum y\log\operatorname{softmax}(z)$ is $(\sum y)\operatorname{softmax}(z) - y$, as `torch.autograd` computes, and $\operatorname{softmax}(z) - y$ for probability vectors $y$; the variants that assume $\sum y = 1$ or skip the softmax Jacobian are rejected."""
    rng = np.random.default_rng(seed)
    z = 3 * rng.standard_normal((5, 4))
    y_prob = rng.dirichlet(np.ones(4), size=5)
    y_any = rng.uniform(0, 2, size=(5, 4))  # not normalized
    for y in (y_prob, y_any):
        loss, g = ad.softmax_cross_entropy(z, y)
        tloss, tg = _torch_ce_gradient(z, y)
        assert loss == pytest.approx(tloss, rel=1e-13)
        np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-14)
    p = torch.softmax(torch.tensor(z), dim=-1).numpy()
    np.testing.assert_allclose(ad.softmax_cross_entropy(z, y_prob)[1], p - y_prob, rtol=1e-12, atol=1e-14)
    assert not np.allclose(_wrong_softmax_minus_y_always(z, y_any), _torch_ce_gradient(z, y_any)[1], atol=1e-6)
    assert not np.allclose(_wrong_ignores_softmax_jacobian(z, y_prob), _torch_ce_gradient(z, y_prob)[1], atol=1e-6)


@pytest.mark.claim("prop-ad-softmax-ce")
def test_softmax_cross_entropy_error_bound_is_tight_and_stable():
    r"""$\norm{\operatorname{softmax}(z) - y}_1 \le 2$ for a one-hot $y$, attained up to 1e-12 by a confident wrong prediction with $\norm{z} = 1000$ (no overflow); the bound 1 is violated."""
    z, y = np.array([1000.0, 0.0, -1000.0]), np.array([0.0, 0.0, 1.0])
    loss, g = ad.softmax_cross_entropy(z, y)
    assert np.isfinite(loss) and loss == pytest.approx(2000.0, rel=1e-12)
    ratio = np.abs(g).sum() / 2.0
    assert 1 - 1e-12 <= ratio <= 1.0
    assert np.abs(g).sum() > 1.0  # _wrong_bound_one
    rng = np.random.default_rng(0)
    for _ in range(50):
        zz = 5 * rng.standard_normal(6)
        yy = np.eye(6)[rng.integers(6)]
        assert np.abs(ad.softmax_cross_entropy(zz, yy)[1]).sum() <= 2.0


@pytest.mark.claim("prop-ad-softmax-ce")
@pytest.mark.parametrize("seed", range(3))
def test_mlp_backprop_cross_entropy_matches_torch(seed):
    """`mlp_backprop(loss="cross_entropy")` gives torch's `cross_entropy` loss (summed, probability targets) and gradients to 1e-10."""
    rng = np.random.default_rng(seed)
    sizes = [4, 6, 5, 3]
    Ws = [2 * rng.standard_normal((sizes[i + 1], sizes[i])) for i in range(3)]
    bs = [rng.standard_normal(s) for s in sizes[1:]]
    X, Y = rng.standard_normal((7, 4)), rng.dirichlet(np.ones(3), size=7)
    loss, gW, gb = ad.mlp_backprop(Ws, bs, X, Y, "relu", loss="cross_entropy")
    tW = [torch.tensor(W, requires_grad=True) for W in Ws]
    tb = [torch.tensor(b, requires_grad=True) for b in bs]
    h = torch.tensor(X)
    for ell, (W, b) in enumerate(zip(tW, tb)):
        h = h @ W.T + b
        h = torch.relu(h) if ell < 2 else h
    tloss = torch.nn.functional.cross_entropy(h, torch.tensor(Y), reduction="sum")
    tloss.backward()
    assert loss == pytest.approx(tloss.item(), rel=1e-12)
    for a, t in zip(gW + gb, tW + tb):
        np.testing.assert_allclose(a, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    loss_c, gW_c, _, _ = ad.mlp_backprop_checkpointed(Ws, bs, X, Y, "relu", loss="cross_entropy")
    assert loss_c == loss
    np.testing.assert_allclose(gW_c[0], gW[0], rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- the aligned error (J^T J)
def _aligned_moments(p, q, S, sigma2, n_samples, rng):
    """Monte Carlo means of |D W^T W h|^2, |W h|^2 and |D W^T u|^2 (u independent), for fixed h supported on S."""
    h = np.zeros(q)
    h[S] = rng.standard_normal(len(S))
    u = rng.standard_normal(p)
    W = rng.standard_normal((n_samples, p, q)) * math.sqrt(sigma2 / q)
    Wh = W @ h
    back_aligned = np.einsum("npq,np->nq", W, Wh)[:, S]
    back_indep = np.einsum("npq,p->nq", W, u)[:, S]
    return (np.mean(np.sum(back_aligned**2, axis=1)), np.mean(np.sum(Wh**2, axis=1)),
            np.mean(np.sum(back_indep**2, axis=1)), h @ h, u @ u)


def _aligned_formula(p, q, s, sigma2):
    return sigma2**2 * p / q**2 * (p + 1 + s)


def _wrong_independence_formula(p, q, s, sigma2):
    return sigma2 * s / q * sigma2 * p / q  # E|D W^T u|^2 / |u|^2 times E|Wh|^2 / |h|^2


def _wrong_missing_plus_one(p, q, s, sigma2):
    return sigma2**2 * p / q**2 * (p + s)


@pytest.mark.claim("prop-ad-aligned-error")
@pytest.mark.parametrize("p,q,S", [(3, 4, [0, 2]), (5, 5, [0, 1, 2, 3, 4]), (2, 6, [1, 3, 4])])
def test_aligned_error_moment(p, q, S):
    r"""Monte Carlo $\E\norm{DW^\top Wh}^2/\norm{h}^2$ equals $\sigma^4 p\,(p + 1 + \abs{S})/q^2$ within 4 standard errors of 12 independent replicates, as do $\E\norm{Wh}^2$ and $\E\norm{DW^\top u}^2$; the independence formula and the formula without the $+1$ are rejected."""
    sigma2, reps, n = 1.3, 12, 20_000
    rng = np.random.default_rng(p * 100 + q)
    a, b, c = [], [], []
    for _ in range(reps):
        mean_a, mean_b, mean_c, hh, uu = _aligned_moments(p, q, S, sigma2, n, rng)
        a.append(mean_a / hh)
        b.append(mean_b / hh)
        c.append(mean_c / uu)

    def within(values, target):
        values = np.asarray(values)
        se = values.std(ddof=1) / math.sqrt(len(values))
        return abs(values.mean() - target) <= 4 * se

    s = len(S)
    assert within(a, _aligned_formula(p, q, s, sigma2))
    assert within(b, sigma2 * p / q)
    assert within(c, sigma2 * s / q)
    assert not within(a, _wrong_independence_formula(p, q, s, sigma2))
    assert not within(a, _wrong_missing_plus_one(p, q, s, sigma2))


@pytest.mark.claim("prop-ad-aligned-error")
def test_aligned_error_in_a_relu_network():
    r"""In a zero-bias ReLU network with $y = 0$, the mean of $\norm{\delta_{L-1}}^2$ over the last layer's weights (errors from `ad.mlp_errors`) matches $\sigma^4 p\,(p + 1 + \abs{S})\norm{h}^2/q^2$ with $S$ the active neurons, within 4 standard errors, and not the independence value."""
    rng = np.random.default_rng(5)
    q, p, sigma2 = 6, 4, 2.0
    W1 = rng.standard_normal((q, 5)) * math.sqrt(2.0 / 5)
    x = rng.standard_normal(5)
    z1 = W1 @ x
    S = int(np.sum(z1 > 0))
    h = np.maximum(z1, 0.0)
    reps, n = 10, 400
    vals = []
    for _ in range(reps):
        acc = 0.0
        for _ in range(n):
            W2 = rng.standard_normal((p, q)) * math.sqrt(sigma2 / q)
            deltas = ad.mlp_errors([W1, W2], [np.zeros(q), np.zeros(p)], x, np.zeros(p), "relu")
            acc += deltas[0] @ deltas[0]
        vals.append(acc / n / (h @ h))
    vals = np.array(vals)
    se = vals.std(ddof=1) / math.sqrt(reps)
    assert abs(vals.mean() - _aligned_formula(p, q, S, sigma2)) <= 4 * se
    assert abs(vals.mean() - _wrong_independence_formula(p, q, S, sigma2)) > 4 * se


# --------------------------------------------------------------------------- residual networks
def _errors_by_autograd(G_list, residual=True, seed=0):
    """e_0, ..., e_L for h_l = h_{l-1} + G_l h_{l-1} (or G_l h_{l-1} without the skip), loss <u, h_L>."""
    gen = torch.Generator().manual_seed(seed)
    n = G_list[0].shape[0]
    hs = [torch.randn(n, generator=gen, dtype=torch.float64, requires_grad=True)]
    for G in G_list:
        h = hs[-1]
        out = h + G @ torch.tanh(h) if residual else G @ torch.tanh(h)
        out.retain_grad()
        hs.append(out)
    u = torch.randn(n, generator=gen, dtype=torch.float64)
    (u @ hs[-1]).backward()
    return [h.grad.numpy() for h in hs], hs


def _residual_bounds_hold(G_list, residual=True, shrink=1.0) -> bool:
    """Check prod (1 - a_k) |e_L| <= |e_l| <= prod (1 + a_k) |e_L| with a_k = |G_k diag tanh'(h)| (times shrink)."""
    errors, hs = _errors_by_autograd(G_list, residual)
    a = [shrink * np.linalg.norm(G.numpy() * (1 - np.tanh(h.detach().numpy()) ** 2), 2) for G, h in zip(G_list, hs[:-1])]
    eL = np.linalg.norm(errors[-1])
    for ell in range(len(G_list)):
        lo = np.prod([1 - ak for ak in a[ell:]]) * eL
        hi = np.prod([1 + ak for ak in a[ell:]]) * eL
        if not (lo * (1 - 1e-12) <= np.linalg.norm(errors[ell]) <= hi * (1 + 1e-12)):
            return False
    return True


@pytest.mark.claim("prop-ad-residual")
@pytest.mark.parametrize("seed", range(3))
def test_residual_error_bounds(seed):
    r"""In random residual networks the errors from `torch.autograd` lie between $\prod_k(1 - \norm{G_k})$ and $\prod_k(1 + \norm{G_k})$ times $\norm{e_L}$; a plain network (no skip) and an overstated bound ($\norm{G_k}$ halved) are rejected."""
    gen = torch.Generator().manual_seed(seed)
    n, L = 8, 12
    G_list = [torch.randn(n, n, generator=gen, dtype=torch.float64) * 0.25 / math.sqrt(n) for _ in range(L)]
    assert _residual_bounds_hold(G_list)
    assert not _residual_bounds_hold(G_list, residual=False)  # _wrong_plain_network
    tight = [-0.2 * torch.eye(n, dtype=torch.float64) for _ in range(L)]
    assert not _residual_bounds_hold(tight, shrink=0.5)  # _wrong_bound_half_the_norm


@pytest.mark.claim("prop-ad-residual")
@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_residual_bounds_are_attained(sign):
    r"""For linear branches $G_k = -a_k I$ (resp. $+a_k I$) the error norm equals $\prod_k(1 - a_k)\norm{e_L}$ (resp. $\prod_k(1 + a_k)\norm{e_L}$): tightness ratio 1 to 1e-12."""
    n, a = 5, [0.1, 0.3, 0.05, 0.2]
    h = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(1), requires_grad=True)
    out = h
    for ak in a:
        out = out + sign * ak * out
    u = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    (u @ out).backward()
    predicted = np.prod([1 + sign * ak for ak in a]) * u.norm().item()
    assert h.grad.norm().item() / predicted == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------- bad input of the new functions
def test_bad_input_of_backward_losses_and_errors():
    """backward, softmax_cross_entropy, mlp_errors and the loss argument reject bad values, naming the argument."""
    x = ad.Var(1.0)
    with pytest.raises(TypeError, match="outputs"):
        ad.backward(x, [1.0])
    with pytest.raises(TypeError, match="outputs"):
        ad.backward([x, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="seeds"):
        ad.backward([x], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"seeds\[0\]"):
        ad.backward([x], ["a"])
    with pytest.raises(ValueError, match="y"):
        ad.softmax_cross_entropy(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="z"):
        ad.softmax_cross_entropy(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    Ws, bs = random_network([3, 4, 2], 0)
    with pytest.raises(ValueError, match="loss"):
        ad.mlp_backprop(Ws, bs, np.zeros(3), np.zeros(2), loss="hinge")
    with pytest.raises(TypeError, match="loss"):
        ad.mlp_backprop(Ws, bs, np.zeros(3), np.zeros(2), loss=None)
    with pytest.raises(ValueError, match="loss"):
        ad.mlp_errors(Ws, bs, np.zeros(3), np.zeros(2), loss="hinge")
    with pytest.raises(ValueError, match="loss"):
        ad.mlp_backprop_checkpointed(Ws, bs, np.zeros(3), np.zeros(2), loss="hinge")
    with pytest.raises(ValueError, match="y"):
        ad.mlp_errors(Ws, bs, np.zeros(3), np.zeros(3))


def test_mlp_errors_are_the_per_input_bias_gradients():
    """mlp_errors returns delta_l per input; summed over the batch they are mlp_backprop's bias gradients, and a single input gives 1-d errors."""
    Ws, bs = random_network([3, 5, 4, 2], 3)
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    deltas = ad.mlp_errors(Ws, bs, X, Y, "tanh")
    _, _, gb = ad.mlp_backprop(Ws, bs, X, Y, "tanh")
    for d, g in zip(deltas, gb):
        np.testing.assert_allclose(d.sum(axis=0), g, rtol=1e-13, atol=1e-15)
    single = ad.mlp_errors(Ws, bs, X[0], Y[0], "tanh")
    for d, s in zip(deltas, single):
        assert s.shape == d.shape[1:]
        np.testing.assert_allclose(s, d[0], rtol=1e-14, atol=1e-16)


# --------------------------------------------------------------------------- negative controls of the earlier claim tests
def _var_matches_torch(a, b) -> bool:
    x, y = ad.Var(a), ad.Var(b)
    out = _expression(x, y)
    out.backward()
    tx = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    _expression(tx, ty).backward()
    return bool(np.isclose(x.grad, tx.grad.item(), rtol=1e-10, atol=1e-10)
                and np.isclose(y.grad, ty.grad.item(), rtol=1e-10, atol=1e-10))


@pytest.mark.claim("thm-ad-reverse-mode")
def test_var_check_rejects_a_wrong_local_derivative(monkeypatch):
    r"""The comparison with `torch.autograd` accepts `Var` and rejects a `Var` whose tanh has the local derivative $1 - \tanh$ (not $1 - \tanh^2$)."""
    assert _var_matches_torch(0.7, -1.1)

    def _wrong_tanh_derivative(self):
        t = math.tanh(self.value)
        return ad.Var._node(t, (self, 1.0 - t))

    monkeypatch.setattr(ad.Var, "tanh", _wrong_tanh_derivative)
    assert not _var_matches_torch(0.7, -1.1)


def _sweep_in_forward_order(outputs, seeds):
    """Wrong: the adjoints propagated in the forward topological order (a node's adjoint used before it is complete)."""
    order = outputs[0]._topological_order()
    for node in order:
        node.grad = 0.0
    outputs[0].grad = seeds[0]
    for node in order:  # the mistake: not reversed
        for parent, local in node._parents:
            parent.grad += node.grad * local


def _program_gradient_matches_torch(sweep, seed) -> bool:
    prog = ad.random_program(6, relu=False, seed=seed)
    x = np.random.default_rng(100 + seed).standard_normal(6)
    xs = [ad.Var(float(v)) for v in x]
    out = prog(xs)
    sweep([out], [1.0])
    _, g_torch = torch_grad(prog, x)
    return bool(np.allclose([v.grad for v in xs], g_torch, rtol=1e-10, atol=1e-10))


@pytest.mark.claim("thm-ad-reverse-mode")
@pytest.mark.parametrize("seed", range(3))
def test_program_check_rejects_the_forward_order_sweep(seed):
    """On random programs the reverse topological sweep matches torch.autograd and the sweep in forward order does not."""
    assert _program_gradient_matches_torch(ad.backward, seed)
    assert not _program_gradient_matches_torch(_sweep_in_forward_order, seed)


@pytest.mark.claim("prop-ad-forward-mode")
def test_dual_check_rejects_a_one_term_product_rule(monkeypatch):
    """The directional-derivative check (central differences) accepts Dual and rejects a product rule that keeps only one term."""
    a, b, va, vb, h = 0.6, -1.3, 0.4, 1.1, 1e-6

    def check():
        out = _expression(ad.Dual(a, va), ad.Dual(b, vb))
        plus = _expression(ad.Dual(a + h * va), ad.Dual(b + h * vb)).value
        minus = _expression(ad.Dual(a - h * va), ad.Dual(b - h * vb)).value
        return abs(out.tangent - (plus - minus) / (2 * h)) < 1e-5

    assert check()

    def _wrong_product_rule_one_term(self, other):
        o = other.value if isinstance(other, ad.Dual) else float(other)
        return ad.Dual._op(self.value * o, (self, o))  # d(uv) = v du only

    monkeypatch.setattr(ad.Dual, "__mul__", _wrong_product_rule_one_term)
    assert not check()


@pytest.mark.claim("thm-ad-ae-correct")
def test_ae_check_rejects_a_relu_derivative_wrong_on_a_half_line(monkeypatch):
    """Agreement with central differences at random points holds for the engine and fails, on some of the same random programs, for a ReLU whose slope is 1 on the negative half-line (wrong on a set of positive measure)."""

    def agree(seed):
        prog = ad.random_program(6, relu=True, seed=seed)
        x = np.random.default_rng(200 + seed).standard_normal(6)
        return bool(np.allclose(ad.grad_reverse(prog, x), central_difference(prog, x, h=1e-7), rtol=1e-5, atol=1e-5))

    seeds = range(8)
    assert all(agree(s) for s in seeds)

    def _wrong_relu_slope(value, at_zero):
        return 1.0 if value < 0.0 else (0.0 if value == 0.0 else 1.0)

    monkeypatch.setattr(ad, "_relu_slope", _wrong_relu_slope)
    assert not all(agree(s) for s in seeds)


@pytest.mark.claim("thm-ad-reverse-mode")
def test_adjointness_check_rejects_a_vjp_without_transpose():
    r"""$\inner{u}{Jv} = \inner{J^\top u}{v}$ holds for `vjp` and fails for the wrong `vjp` that returns $Ju$ (no transpose) on a non-symmetric Jacobian."""
    rng = np.random.default_rng(4)
    A = rng.standard_normal((4, 4))

    def f(x):
        return np.tanh(A @ x)

    x, v, u = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    Jv = ad.jvp(f, x, v)[1]
    assert float(u @ Jv) == pytest.approx(float(ad.vjp(f, x, u)[1] @ v), rel=1e-10)
    _wrong_vjp_without_transpose = ad.jvp(f, x, u)[1]
    assert float(u @ Jv) != pytest.approx(float(_wrong_vjp_without_transpose @ v), rel=1e-3)


@pytest.mark.claim("prop-ad-backprop")
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_backprop_check_rejects_a_missing_activation_derivative(activation, monkeypatch):
    r"""The comparison with `torch.autograd` rejects backprop without the factor $\phi'(z_l)$ in the recursion."""
    Ws, bs = random_network([3, 6, 5, 2], 2)
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))

    def matches():
        _, gW, gb = ad.mlp_backprop(Ws, bs, X, Y, activation)
        _, tW, tb = torch_network_grads(Ws, bs, X, Y, activation)
        return all(np.allclose(a, b, rtol=1e-10, atol=1e-10) for a, b in zip(gW + gb, tW + tb))

    assert matches()
    phi, _ = ad.ACTIVATIONS[activation]
    monkeypatch.setitem(ad.ACTIVATIONS, activation, (phi, np.ones_like))  # _wrong_missing_activation_derivative
    assert not matches()


@pytest.mark.claim("lem-ad-zero-set")
def test_gradient_vanishes_on_a_fat_zero_set():
    r"""$g(x) = \relu(\max_i \abs{x_i} - 1)$ vanishes on the cube $[-1, 1]^3$, a set of positive measure; at 200 uniform points of the cube its central-difference gradient is 0, while at points sampled outside the cube (`_wrong_points_off_the_zero_set`) it is not."""
    def g(x):
        return max(float(np.max(np.abs(x))) - 1.0, 0.0)

    def grad_fd(x, h=1e-7):
        return np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(3)])

    rng = np.random.default_rng(0)
    inside = rng.uniform(-1, 1, size=(200, 3)) * (1 - 1e-6)
    assert all(g(x) == 0.0 for x in inside)
    assert max(np.abs(grad_fd(x)).max() for x in inside) == 0.0
    outside = rng.uniform(-1, 1, size=(200, 3)) * 2.0
    outside = outside[np.max(np.abs(outside), axis=1) > 1 + 1e-3]
    assert min(np.abs(grad_fd(x)).max() for x in outside) > 0.5


def _fitted_relu_rates(sigma2, width, independent_error, seeds=range(6), L=30, batch=8):
    rates = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        Ws = [rng.standard_normal((width, width)) * math.sqrt(sigma2 / width) for _ in range(L)]
        bs = [np.zeros(width) for _ in range(L)]
        X, U = rng.standard_normal((batch, width)), rng.standard_normal((batch, width))
        Y = ad.mlp_forward(Ws, bs, X, "relu") - U if independent_error else U
        norms = [math.sqrt(np.mean(np.sum(d**2, axis=1))) for d in ad.mlp_errors(Ws, bs, X, Y, "relu")]
        rates.append(plotting.fit_geometric_rate(L - np.arange(1, L + 1), np.array(norms)).rate)
    rates = np.array(rates)
    return rates.mean(), rates.std(ddof=1) / math.sqrt(len(rates))


@pytest.mark.parametrize("width", [64, 128])
def test_independent_output_error_follows_the_heuristic_and_the_squared_loss_does_not(width):
    """With delta_L independent of the weights the fitted per-layer ratio of a ReLU network (sigma_w^2 = 2.5) is sqrt(sigma_w^2/2) within 4 standard errors over 6 networks; with the squared loss against an independent target it exceeds it by more than 4 standard errors at both widths."""
    target = math.sqrt(2.5 / 2)
    mean, se = _fitted_relu_rates(2.5, width, independent_error=True)
    assert abs(mean - target) <= 4 * se
    mean_sq, se_sq = _fitted_relu_rates(2.5, width, independent_error=False)
    assert mean_sq - target > 4 * se_sq


def test_backward_accepts_a_numpy_vector_of_seeds():
    """Seeds given as a 1-d NumPy array act like a list."""
    x = ad.Var(2.0)
    y = x * x
    ad.backward([y], np.array([0.5]))
    assert x.grad == 2.0


# =========================================================================== mutation testing (issue 13)
# Tests added to kill mutants that the tests above let survive; each asserts a mathematical fact or a
# documented behaviour with a reference derived independently of the code.

def test_softmax_cross_entropy_rows_of_very_different_scale():
    r"""Log-softmax is shift-invariant row by row, so a batch whose rows sit at $0$ and at $1000$ gives each row the loss $\log(1 + e + e^2)$ and gradient $\operatorname{softmax}(0, 1, 2) - e_1$ (no row underflows)."""
    z = np.array([[0.0, 1.0, 2.0], [1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0]])
    y = np.array([[1.0, 0.0, 0.0]] * 3)
    loss, g = ad.softmax_cross_entropy(z, y)
    s = 1 + math.e + math.e**2
    assert loss == pytest.approx(3 * math.log(s), rel=1e-13)
    p = np.array([1.0, math.e, math.e**2]) / s
    np.testing.assert_allclose(g, np.tile(p - [1.0, 0.0, 0.0], (3, 1)), rtol=1e-12, atol=1e-15)


def test_defer_to_numpy_passes_operands_and_returns_not_implemented_for_arrays():
    """An operator wrapped by `_defer_to_numpy` receives (self, other) unchanged, keeps its name and docstring, and returns NotImplemented for an ndarray so that NumPy applies it elementwise (broadcasting)."""
    class Scalar:
        def __init__(self, v):
            self.v = v

        @ad._defer_to_numpy
        def __mul__(self, other):
            """The product of a Scalar and a Scalar or a number."""
            ad._check_operand(other, Scalar)
            return Scalar(self.v * (other.v if isinstance(other, Scalar) else other))

        __rmul__ = __mul__

    assert (Scalar(3.0) * Scalar(-2.0)).v == -6.0
    assert (Scalar(3.0) * 0.5).v == 1.5
    assert Scalar.__mul__.__name__ == "__mul__"
    assert Scalar.__mul__.__doc__ == "The product of a Scalar and a Scalar or a number."
    assert Scalar.__mul__(Scalar(1.0), np.zeros(2)) is NotImplemented
    out = Scalar(3.0) * np.array([1.0, 2.0])  # NotImplemented, then ndarray.__rmul__ broadcasts
    assert out.dtype == object and [s.v for s in out] == [3.0, 6.0]
    # the engines rely on it: Var * ndarray is an object array of Var nodes with the right gradients
    x = ad.Var(3.0)
    prods = x * np.array([1.0, 2.0])
    assert prods.dtype == object and [p.value for p in prods] == [3.0, 6.0]
    ad.backward(list(prods), [1.0, 1.0])
    assert x.grad == 3.0


def test_preactivation_jacobians_reject_a_batch():
    """`preactivation_jacobians` is defined at one input: a 2-d `x` (even a batch of one) is rejected with a message naming `x` and its dimension."""
    Ws, bs = [np.eye(2), np.ones((1, 2))], [np.zeros(2), np.zeros(1)]
    for x in (np.zeros((1, 2)), np.zeros((3, 2))):
        with pytest.raises(ValueError, match=r"^x must be an array with 1 dimension"):
            ad.preactivation_jacobians(Ws, bs, x)


# --------------------------------------------------------------------------- constructors and operands
def test_constructors_check_their_arguments_and_store_floats():
    """Var and Dual store a real number as a float, reject a Var, a bool or a string with a message naming the argument, and a Dual without a tangent is a constant (tangent 0)."""
    with pytest.raises(TypeError, match=r"^value must be a real number, got a Var$"):
        ad.Var(ad.Var(1.0))
    for bad in ("a", True):
        with pytest.raises(TypeError, match=r"^value must be a real number"):
            ad.Var(bad)
        with pytest.raises(TypeError, match=r"^value must be a real number"):
            ad.Dual(bad)
        with pytest.raises(TypeError, match=r"^tangent must be a real number"):
            ad.Dual(1.0, bad)
    for v in (2, np.int64(2), np.float32(2.0)):
        assert type(ad.Var(v).value) is float and ad.Var(v).value == 2.0
        assert type(ad.Dual(v).value) is float and type(ad.Dual(1.0, v).tangent) is float
    c = ad.Dual(2.0)
    assert c.tangent == 0.0  # a constant
    assert (c * ad.Dual(3.0, 1.0)).tangent == 2.0  # d/dx (2 x) = 2, the constant contributes nothing
    assert ad.Var(5.0).grad == 0.0 and ad.Var(5.0)._parents == ()


def test_overflow_follows_ieee_arithmetic_like_torch():
    """An intermediate that overflows is inf, not an error, in both engines as in torch.autograd: d(xy)/dx = y = 1e200 although xy = inf."""
    x, y = ad.Var(1e200), ad.Var(1e200)
    z = x * y
    assert z.value == math.inf
    z.backward()
    tx = torch.tensor(1e200, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(1e200, dtype=torch.float64, requires_grad=True)
    (tx * ty).backward()
    assert x.grad == tx.grad.item() == 1e200
    d = ad.Dual(1e200, 1.0) * ad.Dual(1e200)
    assert d.value == math.inf and d.tangent == 1e200
    assert (ad.Dual(1.0, 1e200) * 1e200).tangent == math.inf  # an overflowing tangent is inf as well


def test_bad_operands_are_named_in_the_message():
    """A non-numeric operand raises TypeError naming the expected operand types and the type received."""
    with pytest.raises(TypeError, match=r"^other must be a Var or a real number, got str$"):
        ad.Var(1.0) + "a"
    with pytest.raises(TypeError, match=r"^other must be a Dual or a real number, got Var$"):
        ad.Dual(1.0) * ad.Var(2.0)
    with pytest.raises(TypeError, match=r"^other must be a Var or a real number, got bool$"):
        ad.Var(1.0) * True


# --------------------------------------------------------------------------- powers, log and relu at the edges of their domains
def _pow_cases():
    """(base, exponent, value, d/dbase, d/dexponent) from the closed forms d(b^e)/db = e b^(e-1) and d(b^e)/de = b^e log b."""
    return [
        (0.5, 1.5, 0.5**1.5, 1.5 * 0.5**0.5, 0.5**1.5 * math.log(0.5)),  # a base in (0, 1)
        (1.0, 0.5, 1.0, 0.5, 0.0),  # base 1: log 1 = 0
        (-2.0, 3.0, -8.0, 12.0, None),  # negative base, integer exponent
        (-2.0, 2.0, 4.0, -4.0, None),
        (0.0, 2.0, 0.0, 0.0, None),  # x^2 at 0
        (0.0, 1.0, 0.0, 1.0, None),  # x^1 = x: derivative 1 everywhere
        (0.0, 0.0, 1.0, 0.0, None),  # x^0 = 1: derivative 0 everywhere
    ]


def test_powers_at_the_edges_match_closed_forms():
    """b**e and its partial derivatives equal the closed forms for bases in (0, 1], base 1, negative bases with integer exponents and base 0 with exponents 0, 1, 2, in both engines."""
    for b, e, value, d_base, d_exp in _pow_cases():
        x = ad.Var(b)
        out = x**e
        out.backward()
        assert out.value == pytest.approx(value, rel=1e-15, abs=0) and x.grad == pytest.approx(d_base, rel=1e-15, abs=0)
        dual = ad.Dual(b, 1.0) ** e
        assert dual.value == pytest.approx(value, rel=1e-15, abs=0)
        assert dual.tangent == pytest.approx(d_base, rel=1e-15, abs=0)
        if d_exp is not None:  # a Var/Dual exponent needs a positive base
            t = ad.Var(e)
            out = b**t
            out.backward()
            assert out.value == pytest.approx(value, rel=1e-15) and t.grad == pytest.approx(d_exp, rel=1e-14, abs=0)
            assert (b ** ad.Dual(e, 1.0)).tangent == pytest.approx(d_exp, rel=1e-14, abs=0)
            tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
            te = torch.tensor(e, dtype=torch.float64, requires_grad=True)
            (tb**te).backward()
            assert t.grad == pytest.approx(te.grad.item(), rel=1e-14, abs=1e-300)


def test_power_errors_name_the_problem():
    """0 to a negative power, a negative base to a non-integer power and a non-positive base with a variable exponent raise with messages that say so."""
    with pytest.raises(ZeroDivisionError, match=r"^0 raised to a negative power$"):
        ad.Var(0.0) ** -1.0
    with pytest.raises(ValueError, match=r"^a negative base -2\.0 to the non-integer power 0\.5 is not real$"):
        ad.Var(-2.0) ** 0.5
    with pytest.raises(ValueError, match=r"^a negative base -2\.0 to the non-integer power 0\.5 is not real$"):
        ad.Dual(-2.0) ** 0.5
    for base in (0.0, -1.0):
        with pytest.raises(ValueError, match=rf"^base must be positive when the exponent is a Var, got {base}$"):
            base ** ad.Var(1.0)
        with pytest.raises(ValueError, match=rf"^base must be positive when the exponent is a Dual, got {base}$"):
            base ** ad.Dual(1.0)


def test_log_domain_and_derivative():
    """log has derivative 1/v also on (0, 1) and rejects 0 and negative arguments with a message giving the argument."""
    x = ad.Var(0.5)
    y = x.log()
    y.backward()
    assert y.value == math.log(0.5) and x.grad == 2.0
    assert ad.Dual(0.25, 1.0).log().tangent == 4.0
    for v in (0.0, -1.0):
        with pytest.raises(ValueError, match=rf"^log needs a positive argument, got {v}$"):
            ad.Var(v).log()
        with pytest.raises(ValueError, match=rf"^log needs a positive argument, got {v}$"):
            ad.Dual(v).log()


def test_relu_at_zero_is_checked():
    """relu's at_zero must be a finite real number; a bad value is rejected with a message naming at_zero."""
    for engine in (ad.Var, ad.Dual):
        with pytest.raises(TypeError, match=r"^at_zero must be a real number"):
            engine(0.0).relu("a")
        with pytest.raises(ValueError, match=r"^at_zero must be finite"):
            engine(1.0).relu(math.nan)
    x = ad.Var(0.5)
    x.relu().backward()
    assert x.grad == 1.0  # slope 1 on (0, 1) too


# --------------------------------------------------------------------------- backward, jvp, vjp: arguments and outputs
def test_backward_argument_messages():
    """backward names what it expected: a sequence of Var outputs and one real seed per output (a string, a set or a 2-d array of seeds is not a sequence of numbers)."""
    x = ad.Var(1.0)
    y = x * 2.0
    with pytest.raises(TypeError, match=r"^outputs must be a sequence of Var, got Var$"):
        ad.backward(y, [1.0])
    with pytest.raises(TypeError, match=r"^outputs must be a sequence of Var, got set$"):
        ad.backward({y}, [1.0])  # a set has no order to pair the outputs with their seeds
    with pytest.raises(TypeError, match=r"^outputs must contain only Var nodes$"):
        ad.backward([y, 2.0], [1.0, 1.0])
    for seeds in ("a", {1.0}, np.array([[1.0]]), [1.0, 2.0]):
        with pytest.raises(ValueError, match=r"^seeds must be a sequence of 1 real numbers \(one per output\)$"):
            ad.backward([y], seeds)
    ad.backward((y,), (3.0,))  # any sequence
    assert x.grad == 6.0


def test_jvp_vjp_constant_and_zero_dimensional_outputs():
    """An output that does not depend on x has tangent 0 and cotangent contribution 0; a scalar output is returned as a float, also when f returns a 0-d array."""
    x, v = np.array([0.3, -0.7]), np.array([1.0, 2.0])
    assert ad.jvp(lambda z: 3.0, x, v) == (3.0, 0.0)
    value, tangent = ad.jvp(lambda z: [z[0] * z[1], 5.0], x, v)
    np.testing.assert_array_equal(value, [0.3 * -0.7, 5.0])
    assert tangent[1] == 0.0 and tangent[0] == pytest.approx(-0.7 * 1.0 + 0.3 * 2.0, rel=1e-15)
    value, tangent = ad.jvp(lambda z: np.asarray(z[0] * z[1]), x, v)  # a 0-d object array
    assert value == pytest.approx(-0.21, rel=1e-15) and tangent == pytest.approx(-0.1, rel=1e-14)
    value, cot = ad.vjp(lambda z: z[0] * z[1], x, 2.0)
    assert type(value) is float and value == pytest.approx(-0.21, rel=1e-15)
    np.testing.assert_allclose(cot, [2.0 * -0.7, 2.0 * 0.3], rtol=1e-15)
    value, cot = ad.vjp(lambda z: [z[0] * z[1], 5.0], x, [1.0, 7.0])
    assert value.shape == (2,) and value[1] == 5.0
    np.testing.assert_allclose(cot, [-0.7, 0.3], rtol=1e-15)  # the constant output adds nothing
    value, cot = ad.vjp(lambda z: 4.0, x, 1.0)
    assert value == 4.0 and np.all(cot == 0.0)


def test_jvp_vjp_reject_non_numeric_outputs_naming_the_type():
    """An output that is neither a number nor a Dual/Var raises TypeError naming the expected types and the type received."""
    x = np.zeros(2)
    with pytest.raises(TypeError, match=r"^f must return real numbers or Duals, got str$"):
        ad.jvp(lambda z: "a", x, x)
    with pytest.raises(TypeError, match=r"^f must return real numbers or Duals, got str$"):
        ad.jvp(lambda z: ["a", "b"], x, x)
    with pytest.raises(TypeError, match=r"^f must return real numbers or Vars, got str$"):
        ad.vjp(lambda z: ["a", "b"], x, [1.0, 1.0])


def test_gradients_need_a_vector_input():
    """grad_forward and grad_reverse take the gradient of a function of a vector: a 2-d x is rejected with a message naming x."""
    for grad in (ad.grad_forward, ad.grad_reverse):
        with pytest.raises(ValueError, match=r"^x must be an array with 1 dimension"):
            grad(lambda z: z[0, 0], np.zeros((2, 2)))
    f = lambda z: z[0] * z[1] ** 2  # noqa: E731
    for grad in (ad.grad_forward, ad.grad_reverse):
        np.testing.assert_allclose(grad(f, [3.0, 2.0]), [4.0, 12.0], rtol=1e-15)


# --------------------------------------------------------------------------- random straight-line programs
_REFERENCE_INSTRUCTIONS = {  # the formulas of random_program's instructions, written with math on floats
    "tanh_mul": lambda a, b: math.tanh(a * b),
    "average": lambda a, b: (a + b) / 2,
    "tanh_sub": lambda a, b: math.tanh(a - b),
    "gauss": lambda a, b: math.exp(-a * a) + b / 4,
    "log": lambda a, b: math.log1p(a * a) - b / 2,
    "div": lambda a, b: a / (1 + b * b),
    "relu": lambda a, b: max(a - b, 0.0),
    "sqrt": lambda a, b: math.hypot(a, b, 1.0) - 1,
    "exp2": lambda a, b: 2 ** math.tanh(a) - b / 2,
}


def test_program_evaluates_its_instructions_on_the_previous_register():
    """A Program applies instruction t to the previous register and register j_t, as a reference evaluator on floats computes."""
    prog = ad.random_program(4, seed=3)
    x = np.random.default_rng(3).standard_normal(4)
    regs = list(x)
    for name, j in prog.instructions:
        regs.append(_REFERENCE_INSTRUCTIONS[name](regs[-1], regs[j]))
    assert ad.jvp(prog, x, np.zeros(4))[0] == pytest.approx(regs[-1], rel=1e-13, abs=1e-13)
    assert prog(torch.tensor(x)).item() == pytest.approx(regs[-1], rel=1e-13, abs=1e-13)
    assert set(_REFERENCE_INSTRUCTIONS) == {name for name, _ in ad.random_program(30, seed=0).instructions}


def test_random_program_structure_and_defaults():
    """random_program has steps_per_input * n instructions (4n by default), instruction t < n reads input t, later ones read a uniform earlier register, and the ReLU instruction appears by default and never with relu=False."""
    for n in (1, 3, 7):
        prog = ad.random_program(n, seed=n)
        assert len(prog) == 4 * n and prog.n == n
        assert [j for _, j in prog.instructions[:n]] == list(range(n))
        assert all(0 <= j < n + t for t, (_, j) in enumerate(prog.instructions))
        assert len(ad.random_program(n, steps_per_input=1, seed=n)) == n
    assert "relu" in {name for name, _ in ad.random_program(20, seed=1).instructions}  # 80 draws from 9 names
    assert all(name != "relu" for s in range(5) for name, _ in ad.random_program(20, relu=False, seed=s).instructions)
    assert len({name for name, _ in ad.random_program(20, relu=False, seed=1).instructions}) == 8
    # j at the first free step t = n is uniform over the n + t = 4 earlier registers (n = 2)
    counts = np.bincount([ad.random_program(2, seed=s).instructions[2][1] for s in range(400)], minlength=4)
    assert len(counts) == 4 and np.all(np.abs(counts - 100) <= 4 * math.sqrt(400 * 0.25 * 0.75))
    with pytest.raises(ValueError, match=r"^steps_per_input must be an integer >= 1, got 0$"):
        ad.random_program(2, steps_per_input=0, seed=0)
    with pytest.raises(ValueError, match=r"^n must be an integer >= 1, got 0$"):
        ad.random_program(0, seed=0)
    with pytest.raises(TypeError, match=r"^seed must be an integer seed or a numpy\.random\.Generator"):
        ad.random_program(2, seed="a")


# --------------------------------------------------------------------------- networks: defaults, messages, checkpointing
def test_network_functions_default_to_relu_and_the_squared_loss():
    """The documented defaults: activation "relu" and loss "squared" (the calls without them equal the explicit calls), and mlp_forward of a 3-layer ReLU network equals torch's forward pass."""
    Ws, bs = random_network([3, 4, 5, 2], 5)
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    out = ad.mlp_forward(Ws, bs, X)
    h = torch.tensor(X)
    for ell, (W, b) in enumerate(zip(Ws, bs)):
        h = h @ torch.tensor(W).T + torch.tensor(b)
        h = torch.relu(h) if ell < 2 else h
    np.testing.assert_allclose(out, h.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(ad.mlp_forward(Ws, bs, X[2]), h.numpy()[2], rtol=1e-13, atol=1e-14)
    loss, gW, gb = ad.mlp_backprop(Ws, bs, X, Y)
    tloss, tW, tb = torch_network_grads(Ws, bs, X, Y, "relu")
    assert loss == pytest.approx(tloss, rel=1e-12)
    for a, b in zip(gW + gb, tW + tb):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    loss_c, gW_c, gb_c, _ = ad.mlp_backprop_checkpointed(Ws, bs, X, Y)
    assert loss_c == pytest.approx(tloss, rel=1e-12)
    for a, b in zip(gW_c + gb_c, tW + tb):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    deltas = ad.mlp_errors(Ws, bs, X, Y)
    for a, b in zip(deltas, gb):
        np.testing.assert_allclose(a.sum(axis=0), b, rtol=1e-12, atol=1e-12)


def test_network_shape_messages():
    """Bad network inputs are rejected with messages giving the expected and the received shapes."""
    Ws, bs = [np.ones((4, 2)), np.ones((1, 4))], [np.zeros(4), np.zeros(1)]
    with pytest.raises(ValueError, match=r"^x must have 2 features \(columns of weights\[0\]\), got 3$"):
        ad.mlp_backprop(Ws, bs, np.zeros(3), np.zeros(1))
    with pytest.raises(ValueError, match=r"^x must have 2 features \(columns of weights\[0\]\), got 3$"):
        ad.mlp_forward(Ws, bs, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"^y must have shape \(1\), got \(3,\)$"):
        ad.mlp_backprop(Ws, bs, np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"^x must be an array with 1 or 2 dimension"):
        ad.mlp_backprop(Ws, bs, np.zeros((1, 2, 2)), np.zeros(1))
    with pytest.raises(ValueError, match=r"^weights must contain at least one layer$"):
        ad.mlp_forward([], [], np.zeros(2))
    with pytest.raises(ValueError, match=r"^weights\[-1\] must be an array with 2 dimension"):
        ad.mlp_forward([np.eye(2), np.ones(2)], [np.zeros(2), np.zeros(1)], np.zeros(2))


def test_checkpointing_every_segment_length():
    r"""For every depth $L \le 7$ and segment length $1 \le k \le L$ checkpointed backprop returns plain backprop's gradients with exactly $2L$ layer evaluations and peak storage $\max(c, \max_s (s/k + 1 + \min(k, L - s)))$, $c = \lceil L/k\rceil$ checkpoints, $s$ the segment starts."""
    rng = np.random.default_rng(0)
    for L in range(1, 8):
        Ws, bs = random_network([3] + [4] * (L - 1) + [2], 100 + L)
        X, Y = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
        loss, gW, gb = ad.mlp_backprop(Ws, bs, X, Y, "tanh")
        for k in range(1, L + 1):
            loss_c, gW_c, gb_c, stats = ad.mlp_backprop_checkpointed(Ws, bs, X, Y, "tanh", segment=k)
            assert loss_c == loss
            for a, b in zip(gW + gb, gW_c + gb_c):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
            starts = range(0, L, k)  # held during the segment at s: the s/k earlier checkpoints, its own, its records
            expected_peak = max(len(starts), max(s // k + 1 + min(k, L - s) for s in starts))
            assert stats == (expected_peak, 2 * L, k)
    with pytest.raises(ValueError, match=r"^segment must be an integer >= 1, got 0$"):
        ad.mlp_backprop_checkpointed(Ws, bs, X, Y, "tanh", segment=0)


def test_activation_and_loss_messages_and_the_default_relu_slope():
    """An unknown or non-string activation or loss is rejected with a message naming the argument, the choices and the value; relu() without at_zero has slope 0 at 0, as torch.relu."""
    Ws, bs = [np.ones((4, 2)), np.ones((1, 4))], [np.zeros(4), np.zeros(1)]
    x, y = np.zeros(2), np.zeros(1)
    with pytest.raises(ValueError, match=r"^activation must be one of 'relu', 'tanh', 'linear', got 'sig'$"):
        ad.mlp_backprop(Ws, bs, x, y, "sig")
    with pytest.raises(TypeError, match=r"^activation must be a string, got int$"):
        ad.mlp_backprop(Ws, bs, x, y, 3)
    with pytest.raises(ValueError, match=r"^loss must be one of 'squared', 'cross_entropy', got 'hinge'$"):
        ad.mlp_backprop(Ws, bs, x, y, loss="hinge")
    with pytest.raises(TypeError, match=r"^loss must be a string, got int$"):
        ad.mlp_backprop(Ws, bs, x, y, loss=3)
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    v = ad.Var(0.0)
    v.relu().backward()
    assert v.grad == t.grad.item() == 0.0
    assert ad.Dual(0.0, 1.0).relu().tangent == 0.0


def test_jvp_vjp_argument_messages():
    """jvp and vjp name the argument that is wrong: a non-callable f, a non-numeric x, a tangent v or cotangent u of the wrong shape."""
    for fn in (ad.jvp, ad.vjp):
        with pytest.raises(TypeError, match=r"^f must be callable, got 3 of type int$"):
            fn(3, np.zeros(2), np.zeros(2))
        with pytest.raises(TypeError, match=r"^x must be a numeric array"):
            fn(lambda z: z, "a", np.zeros(2))
    with pytest.raises(ValueError, match=r"^v must have shape \(2\), got \(3,\)$"):
        ad.jvp(lambda z: z, np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"^u must have shape \(2\), got \(3,\)$"):
        ad.vjp(lambda z: z, np.zeros(2), np.zeros(3))


def test_jvp_vjp_of_a_matrix_function_keep_the_shapes():
    r"""For $F(X) = X^2$ on $2\times 2$ matrices, jvp returns $(X^2, XV + VX)$ and vjp returns $(X^2, UX^\top + X^\top U)$, each with the matrix shape."""
    rng = np.random.default_rng(8)
    X, V, U = rng.standard_normal((3, 2, 2))
    value, tangent = ad.jvp(lambda Z: Z @ Z, X, V)
    assert value.shape == tangent.shape == (2, 2)
    np.testing.assert_allclose(value, X @ X, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(tangent, X @ V + V @ X, rtol=1e-13, atol=1e-15)
    value, cot = ad.vjp(lambda Z: Z @ Z, X, U)
    assert value.shape == cot.shape == (2, 2)
    np.testing.assert_allclose(value, X @ X, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(cot, U @ X.T + X.T @ U, rtol=1e-13, atol=1e-15)
