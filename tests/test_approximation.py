"""Tests of nnmath.approximation: the constructions of the chapter *Universal approximation*."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from hypothesis import given, settings
from hypothesis import strategies as st

from nnmath import approximation as ap
from nnmath import plotting

DYADIC = np.linspace(0.0, 1.0, 2**12 + 1)


# ----------------------------------------------------------------------------- density


def _relu(t):
    return np.maximum(t, 0.0)


def _wrong_constant_fit_error(f, n, activation, *, seed):
    """Wrong variant: a 'fit' that ignores the units and keeps only the constant term."""
    x = np.linspace(-1.0, 1.0, 1001)
    y = f(x)
    return float(np.max(np.abs(y - y.mean())))


def _density_separates(error_fn):
    """The check of the theorem: t^2 stays >= 1/8 from |x| for every n, ReLU and tanh get within 0.02."""
    far = all(error_fn(np.abs, n, np.square, seed=n) >= 1 / 8 for n in (4, 16, 64, 256))
    near = all(error_fn(np.abs, 256, act, seed=0) < 0.02 for act in (_relu, np.tanh))
    return far and near


@pytest.mark.claim("thm-ua-leshno")
def test_polynomial_activation_is_not_dense_but_relu_and_tanh_are():
    r"""With $\sigma(t) = t^2$ the random-feature fit of $\abs{x}$ stays at least $1/8$ away for every $n$, while ReLU and tanh fits get within 0.02."""
    assert _density_separates(ap.random_features_error)
    # negative control: a fit that ignores the units fails the same check
    assert not _density_separates(_wrong_constant_fit_error)
    # and a polynomial of higher degree is not rescued either: t^3 stays above the best-cubic error of |x|
    x = np.linspace(-1.0, 1.0, 1001)
    best_cubic = np.max(np.abs(np.polyval(np.polyfit(x, np.abs(x), 3), x) - np.abs(x)))
    assert ap.random_features_error(np.abs, 256, lambda t: t**3, seed=3) >= 0.99 * best_cubic


@pytest.mark.claim("thm-ua-leshno")
def test_square_activation_fit_is_the_least_squares_quadratic():
    r"""Random features with $\sigma(t) = t^2$ give exactly the least-squares quadratic (numpy `polyfit`), whatever $n$."""
    x = np.linspace(-1.0, 1.0, 1001)
    f = lambda t: np.exp(t) * np.cos(3 * t)  # noqa: E731
    best = np.max(np.abs(np.polyval(np.polyfit(x, f(x), 2), x) - f(x)))
    for n in (3, 10, 100):
        assert ap.random_features_error(f, n, np.square, seed=1) == pytest.approx(best, rel=1e-6)
    # negative control: with a cubic activation the fit is the least-squares cubic, which the check tells apart
    assert ap.random_features_error(f, 100, lambda t: t**3, seed=1) != pytest.approx(best, rel=1e-3)


@pytest.mark.claim("cor-ua-relu-density")
def test_ridge_relu_networks_approximate_in_two_dimensions():
    r"""Sums of ReLU ridge networks approximate $F(x) = \cos\inner{w}{x} + \sin\inner{v}{x}$ on $[-1,1]^2$ within the interpolation bound $Lh/2$."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (2000, 2))
    w, v = np.array([2.0, -1.0]), np.array([0.5, 3.0])
    F = np.cos(X @ w) + np.sin(X @ v)
    Rw, Rv = np.abs(w).sum(), np.abs(v).sum()  # <w, x> ranges over [-Rw, Rw]
    errors = []
    for n in (8, 32, 128):
        nw = ap.ridge_network(ap.relu_interpolant(np.cos, n, -Rw, Rw), w)
        nv = ap.ridge_network(ap.relu_interpolant(np.sin, n, -Rv, Rv), v)
        with torch.no_grad():
            out = (nw(torch.from_numpy(X)) + nv(torch.from_numpy(X))).reshape(-1).numpy()
        errors.append(np.abs(out - F).max())
        assert errors[-1] <= (2 * Rw / n + 2 * Rv / n) / 2  # L = 1 for cos and sin
    assert errors[-1] < errors[0] / 50
    # negative control: lifting with the normalized direction w/|w| computes h(<w,x>/|w|), which the check rejects
    wrong = ap.ridge_network(ap.relu_interpolant(np.cos, 128, -Rw, Rw), w / np.linalg.norm(w))
    with torch.no_grad():
        out = wrong(torch.from_numpy(X)).reshape(-1).numpy()
    assert np.abs(out - np.cos(X @ w)).max() > 10 * (2 * Rw / 128) / 2


# ----------------------------------------------------------------------------- sawtooth


@pytest.mark.claim("lem-ua-sawtooth")
@pytest.mark.parametrize("k", range(0, 11))
def test_sawtooth_has_2_to_the_k_pieces(k):
    """The $k$-fold tent map $g_k$ has exactly $2^k$ linear pieces on $[0, 1]$, both as closed form and as a network."""
    assert ap.count_pieces(lambda t: ap.sawtooth(t, k)) == 2**k
    net = ap.sawtooth_network(k)
    assert ap.count_pieces(lambda t: ap.evaluate_network(net, t)) == 2**k


def _wrong_sawtooth_network(k):
    """Wrong variant: read-out 2 relu(u) - 2 relu(u - 1/2) instead of -4 (a ramp, not a tent)."""
    A1, c1 = np.array([[1.0], [1.0]]), np.array([0.0, -0.5])
    read = np.array([[2.0, -2.0]])
    weights, biases = [A1], [c1]
    for _ in range(k - 1):
        weights.append(A1 @ read)
        biases.append(c1.copy())
    return ap.network_from_weights(weights + [read], biases + [np.zeros(1)])


@pytest.mark.claim("lem-ua-sawtooth")
def test_sawtooth_piece_count_rejects_a_wrong_tent():
    """The piece count $2^k$ and the node values of part 1 reject a network whose tent has the wrong read-out weight."""
    for k in (3, 5):
        net = _wrong_sawtooth_network(k)
        j = np.arange(2**k + 1)
        wrong_values = ap.evaluate_network(net, j / 2**k)
        assert ap.count_pieces(lambda t: ap.evaluate_network(net, t)) != 2**k or \
            not np.array_equal(wrong_values, (j % 2).astype(float))


@pytest.mark.claim("lem-ua-sawtooth")
@pytest.mark.parametrize("k", range(1, 9))
def test_sawtooth_values_at_dyadic_nodes_and_closed_form(k):
    r"""$g_k$ is 0 at even and 1 at odd multiples of $2^{-k}$ and equals $2\operatorname{dist}(2^{k-1}x, \Z)$."""
    j = np.arange(2**k + 1)
    assert np.array_equal(ap.sawtooth(j / 2**k, k), (j % 2).astype(float))
    x = np.random.default_rng(k).uniform(0, 1, 500)
    y = 2.0**(k - 1) * x
    np.testing.assert_allclose(ap.sawtooth(x, k), 2 * np.abs(y - np.round(y)), atol=2.0**k * 1e-15)
    # negative control: the closed form with 2^k in place of 2^(k-1) (_wrong_closed_form) is rejected
    y_wrong = 2.0**k * x
    assert np.abs(ap.sawtooth(x, k) - 2 * np.abs(y_wrong - np.round(y_wrong))).max() > 0.1


@pytest.mark.parametrize("k", range(0, 9))
def test_sawtooth_network_equals_closed_form(k):
    """The width-2 depth-k network computes g_k to 1e-12 and has k hidden layers of width 2."""
    net = ap.sawtooth_network(k)
    x = np.concatenate([DYADIC, np.random.default_rng(0).uniform(0, 1, 1000)])
    np.testing.assert_allclose(ap.evaluate_network(net, x), ap.sawtooth(x, k), rtol=0, atol=1e-12)
    widths = [layer.out_features for layer in net if isinstance(layer, torch.nn.Linear)]
    assert widths == [2] * k + [1]
    assert all(p.dtype == torch.float64 for p in net.parameters())


def test_sawtooth_is_composition():
    """g_{j+k} = g_j o g_k (the semigroup law of composition)."""
    x = np.random.default_rng(1).uniform(0, 1, 300)
    for j in range(4):
        for k in range(4):
            np.testing.assert_allclose(ap.sawtooth(ap.sawtooth(x, k), j), ap.sawtooth(x, j + k), atol=1e-12)


# ----------------------------------------------------------------------------- Yarotsky


@pytest.mark.claim("thm-ua-yarotsky")
@pytest.mark.parametrize("m", range(0, 13))
def test_yarotsky_square_error_bound_is_attained(m):
    r"""$0 \le f_m(x) - x^2 \le 4^{-(m+1)}$ on $[0, 1]$, with equality at the midpoints $(j + 1/2)\,2^{-m}$."""
    x = np.linspace(0.0, 1.0, 2**14 + 1)
    err = ap.yarotsky_square(x, m) - x**2
    bound = 4.0 ** -(m + 1)
    assert err.min() >= -1e-15
    assert err.max() <= bound * (1 + 1e-9)
    mid = (np.arange(2**m) + 0.5) / 2**m
    np.testing.assert_allclose(ap.yarotsky_square(mid, m) - mid**2, bound, rtol=1e-9)
    if m >= 1:  # negative control: corrections g_s / 2^s fail the same check
        assert not _attains_yarotsky_bound(_wrong_yarotsky_halves, m)


def _exact_yarotsky(x: Fraction, m: int) -> Fraction:
    """f_m(x) = x - sum_s g_s(x) / 4^s in exact rational arithmetic (independent of floating point)."""
    f, g = x, x
    for s in range(1, m + 1):
        g = 2 * min(g, 1 - g)
        f -= g / Fraction(4) ** s
    return f


@pytest.mark.claim("thm-ua-yarotsky")
@pytest.mark.parametrize("m", [3, 12, 20, 30])
def test_yarotsky_bound_in_exact_arithmetic(m):
    r"""In exact rational arithmetic $0 \le f_m(x) - x^2 \le 4^{-(m+1)}$ at random rationals, with equality at midpoints, for $m$ up to 30."""
    rng = np.random.default_rng(m)
    q = Fraction(1, 4 ** (m + 1))
    for num in rng.integers(0, 10**9, 60):
        x = Fraction(int(num), 10**9 - 7)
        e = _exact_yarotsky(x, m) - x * x
        assert 0 <= e <= q
    for j in rng.integers(0, 2**m, 20):
        mid = Fraction(2 * int(j) + 1, 2 ** (m + 1))
        assert _exact_yarotsky(mid, m) - mid * mid == q
    # negative control: the exact check rejects an overstated accuracy 4^-(m+2)
    assert not all(_exact_yarotsky(Fraction(2 * int(j) + 1, 2 ** (m + 1)), m) - Fraction(2 * int(j) + 1, 2 ** (m + 1)) ** 2
                   <= Fraction(1, 4 ** (m + 2)) for j in rng.integers(0, 2**m, 5))


def _wrong_yarotsky_halves(x, m):
    """Wrong variant: corrections g_s / 2^s instead of g_s / 4^s."""
    f, g = x.copy(), x.copy()
    for s in range(1, m + 1):
        g = 2.0 * np.minimum(g, 1.0 - g)
        f = f - g / 2.0**s
    return f


def _attains_yarotsky_bound(fn, m):
    x = np.linspace(0.0, 1.0, 2**14 + 1)
    err = fn(x, m) - x**2
    mid = (np.arange(2**m) + 0.5) / 2**m
    q = 4.0 ** -(m + 1)
    return err.min() >= -1e-15 and err.max() <= q * (1 + 1e-9) and np.allclose(fn(mid, m) - mid**2, q, rtol=1e-9)


@pytest.mark.claim("thm-ua-yarotsky")
def test_yarotsky_check_rejects_wrong_corrections():
    r"""The bound check accepts $f_m$ for $m = 1, \dots, 8$ and rejects the variant with corrections $g_s/2^s$."""
    for m in range(1, 9):
        assert _attains_yarotsky_bound(ap.yarotsky_square, m)
        assert not _attains_yarotsky_bound(_wrong_yarotsky_halves, m)


@pytest.mark.parametrize("m", [20, 22, 24])
def test_yarotsky_square_floating_point_limit(m):
    """For m >= 20 (documented limit) the float error is within 2^-51 of [0, 4^-(m+1)], midpoints stay exact, and at m = 26 the float bound fails."""
    rng = np.random.default_rng(m)
    x = rng.uniform(0, 1, 4000)
    err = ap.yarotsky_square(x, m) - x**2
    q = 4.0 ** -(m + 1)
    tol = 2.0**-51
    assert err.min() >= -tol and err.max() <= q + tol
    mid = (rng.integers(0, 2**m, 500) + 0.5) / 2.0**m
    assert np.all(ap.yarotsky_square(mid, m) - mid**2 == q)
    # the limit is real: at m = 26 rounding dominates and the naive float check of the bound fails
    x26 = rng.uniform(0, 1, 4000)
    err26 = ap.yarotsky_square(x26, 26) - x26**2
    assert err26.max() > 1.5 * 4.0**-27 or err26.min() < -0.5 * 4.0**-27
    assert "m \\ge 20" in ap.yarotsky_square.__doc__


@pytest.mark.claim("thm-ua-yarotsky")
@pytest.mark.parametrize("m", range(0, 8))
def test_yarotsky_is_interpolant_and_network_equals_closed_form(m):
    r"""$f_m$ interpolates $x^2$ at the nodes $j\,2^{-m}$, and the width-3 depth-$m$ network computes $f_m$ to 1e-12."""
    nodes = np.arange(2**m + 1) / 2**m
    np.testing.assert_allclose(ap.yarotsky_square(nodes, m), nodes**2, atol=1e-15)
    x = np.concatenate([DYADIC, np.random.default_rng(m).uniform(0, 1, 1000)])
    net = ap.yarotsky_network(m)
    np.testing.assert_allclose(ap.evaluate_network(net, x), ap.yarotsky_square(x, m), rtol=0, atol=1e-12)
    widths = [layer.out_features for layer in net if isinstance(layer, torch.nn.Linear)]
    assert widths == [3] * m + [1]
    if m >= 1:  # negative control: the wrong corrections do not interpolate x^2 at the nodes
        assert np.abs(_wrong_yarotsky_halves(nodes, m) - nodes**2).max() > 1e-3


@pytest.mark.claim("cor-ua-product")
@pytest.mark.parametrize("m", range(0, 8))
def test_yarotsky_product_error_interval(m):
    r"""The polarized product has error in $[-4^{-(m+1)}, 2\cdot 4^{-(m+1)}]$ on $[0,1]^2$, and both ends are attained."""
    t = np.linspace(0.0, 1.0, 257)
    X, Y = np.meshgrid(t, t)
    err = ap.yarotsky_product(X, Y, m) - X * Y
    q = 4.0 ** -(m + 1)
    assert err.min() >= -q * (1 + 1e-9) and err.max() <= 2 * q * (1 + 1e-9)
    if m >= 1:
        assert err.min() <= -0.99 * q
    assert err.max() >= 1.99 * q


def _wrong_product(x, y, m):
    """Wrong variant: polarization with weights 1/4 instead of 1/2 on the squares of x and y."""
    return 2.0 * ap.yarotsky_square((x + y) / 2.0, m) - 0.25 * ap.yarotsky_square(x, m) - 0.25 * ap.yarotsky_square(y, m)


@pytest.mark.claim("cor-ua-product")
def test_product_interval_check_rejects_wrong_polarization():
    """The error interval $[-q, 2q]$ rejects a polarization with the wrong weights on $x^2$ and $y^2$."""
    t = np.linspace(0.0, 1.0, 129)
    X, Y = np.meshgrid(t, t)
    q = 4.0**-5
    err = _wrong_product(X, Y, 4) - X * Y
    assert err.max() > 2 * q * 1.01 or err.min() < -q * 1.01


@pytest.mark.claim("cor-ua-product")
def test_yarotsky_polynomial_error_bound():
    r"""A Yarotsky polynomial approximation has error at most $2\cdot 4^{-(m+1)}\sum_j \abs{a_j}\,(j-1)_+$."""
    coeffs = np.array([0.5, -1.0, 2.0, 0.0, -3.0, 1.5])
    x = np.linspace(0, 1, 2001)
    p = np.polynomial.polynomial.polyval(x, coeffs)
    weight = np.sum(np.abs(coeffs) * np.maximum(np.arange(coeffs.size) - 1, 0))
    for m in range(0, 9):
        err = np.abs(ap.yarotsky_polynomial(x, coeffs, m) - p).max()
        assert err <= 2 * 4.0 ** -(m + 1) * weight + 1e-12
    assert err < 1e-4
    # the bound is not vacuous: for x^2 alone (weight 1) the error 4^-(m+1) is within a factor 2 of it,
    # so the overstated bound 4^-(m+1) * weight / 2 (_wrong_half_bound) fails
    for m in range(1, 6):
        err_sq = np.abs(ap.yarotsky_polynomial(x, np.array([0.0, 0.0, 1.0]), m) - x**2).max()
        assert err_sq >= 0.49 * 2 * 4.0 ** -(m + 1)
        assert err_sq > 4.0 ** -(m + 1) / 2


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.floats(0, 1), st.floats(0, 1), st.integers(0, 10))
def test_yarotsky_product_is_symmetric(x, y, m):
    """The approximate product is symmetric in its two arguments (to 1e-15: the two orders of the sum round differently)."""
    a = ap.yarotsky_product(np.array([x]), np.array([y]), m)
    b = ap.yarotsky_product(np.array([y]), np.array([x]), m)
    np.testing.assert_allclose(a, b, atol=1e-15)


# ----------------------------------------------------------------------------- interpolation


@pytest.mark.claim("thm-ua-interpolation")
@pytest.mark.parametrize("n", [1, 3, 8, 20, 64, 200])
def test_relu_interpolant_error_bounds(n):
    r"""The ReLU interpolant with $n$ units meets sup error $\le Lh/2$ (Lipschitz) and $\le h^2\norm{f''}/8$ ($C^2$)."""
    x = np.linspace(0.0, 1.0, 20001)
    h = 1.0 / n
    smooth = lambda t: np.sin(2 * np.pi * t) + 0.5 * t**2  # noqa: E731, ||f''|| <= 4 pi^2 + 1
    err_smooth = np.abs(ap.evaluate_network(ap.relu_interpolant(smooth, n), x) - smooth(x)).max()
    assert err_smooth <= h**2 * (4 * np.pi**2 + 1) / 8
    kink = lambda t: np.abs(t - 1 / np.pi) + 0.5 * np.abs(np.sin(5 * t))  # noqa: E731, L <= 3.5
    err_kink = np.abs(ap.evaluate_network(ap.relu_interpolant(kink, n), x) - kink(x)).max()
    assert err_kink <= 3.5 * h / 2


@pytest.mark.claim("thm-ua-interpolation")
@pytest.mark.parametrize("n", [2, 7, 32])
def test_lipschitz_bound_is_attained_so_half_of_it_fails(n):
    r"""$f = \abs{x - (t_i + t_{i+1})/2}$ attains the Lipschitz bound $Lh/2$ (ratio above 0.999), so the overstated bound $Lh/4$ fails."""
    h = 1.0 / n
    c = (3 + 0.5) * h if n > 3 else 0.5 * h
    f = lambda t: np.abs(t - c)  # noqa: E731, L = 1
    x = np.linspace(0.0, 1.0, 2**14 * 3 + 1)
    err = np.abs(ap.evaluate_network(ap.relu_interpolant(f, n), x) - f(x)).max()
    assert err <= h / 2 * (1 + 1e-9)
    assert err / (h / 2) > 0.999
    assert err > h / 4  # _wrong_quarter_bound: L h / 4 is violated


@pytest.mark.claim("thm-ua-interpolation")
def test_relu_interpolant_interpolates_and_c2_bound_is_sharp():
    r"""The interpolant agrees with $f$ at the nodes, has $n$ units, and for $f = x^2$ its error is exactly $h^2/4 = h^2\norm{f''}/8$."""
    f = np.square
    for n in [1, 5, 16]:
        net = ap.relu_interpolant(f, n, a=-1.0, b=2.0)
        t = np.linspace(-1.0, 2.0, n + 1)
        np.testing.assert_allclose(ap.evaluate_network(net, t), f(t), atol=1e-12)
        assert net[0].out_features == n
        h = 3.0 / n
        mid = t[:-1] + h / 2
        np.testing.assert_allclose(ap.evaluate_network(net, mid) - f(mid), h**2 / 4, rtol=1e-9)
        assert np.max(ap.evaluate_network(net, mid) - f(mid)) > h**2 * 2 / 16  # _wrong_sixteenth: h^2 ||f''|| / 16 fails


# ----------------------------------------------------------------------------- depth separation


@pytest.mark.claim("lem-ua-counting")
@pytest.mark.parametrize("seed", range(5))
def test_one_hidden_layer_has_at_most_n_plus_1_pieces(seed):
    """A one-hidden-layer ReLU net with n units has at most n + 1 pieces, and exactly n + 1 when its kinks are inside the interval."""
    rng = np.random.default_rng(seed)
    n = 12
    net = ap.network_from_weights([rng.standard_normal((n, 1)), rng.standard_normal((1, n))],
                                  [rng.uniform(-2, 2, n), rng.standard_normal(1)])
    assert ap.count_pieces(lambda t: ap.evaluate_network(net, t), -3.0, 3.0) <= n + 1
    # tightness: kinks -b_i/w_i spread inside (-3, 3) give exactly n + 1 pieces
    w = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2.0, n)
    kinks = np.linspace(-2.5, 2.5, n) + rng.uniform(-0.1, 0.1, n)
    tight = ap.network_from_weights([w[:, None], rng.uniform(0.5, 1.5, (1, n))], [-w * kinks, np.zeros(1)])
    assert ap.count_pieces(lambda t: ap.evaluate_network(tight, t), -3.0, 3.0) == n + 1


def _pieces_bound(m, L):
    return (m + 1) ** L


def _wrong_bound_m_to_the_L(m, L):
    """Wrong variant: m^L pieces (the sawtooth-style count, too small)."""
    return m**L


def _wrong_bound_doubled(m, L):
    """Wrong variant: an overstated bound 2 (m+1)^L."""
    return 2 * (m + 1) ** L


def _pieces_bound_is_valid_and_nearly_tight(bound, cases=((8, 1), (8, 2), (16, 2), (8, 3))):
    """The check: every construction stays below bound(m, L), and each reaches at least 0.7 of it."""
    for m, L in cases:
        count = ap.count_pieces(lambda t: ap.evaluate_network(ap.many_pieces_network(m, L), t))
        if count > bound(m, L) or count < 0.7 * bound(m, L):
            return False
    return True


@pytest.mark.claim("lem-ua-counting")
def test_deep_piece_bound_is_nearly_attained():
    r"""Networks of $L$ hidden layers of width $m$ reach $(m+1)m^{L-1} - \lfloor (m^{L-1} - 1)/2 \rfloor$ pieces, at least $0.7\,(m+1)^L$, and never more than $(m+1)^L$."""
    for m, L in [(8, 1), (8, 2), (16, 2), (8, 3), (3, 4)]:
        count = ap.count_pieces(lambda t: ap.evaluate_network(ap.many_pieces_network(m, L), t))
        assert count == ap.many_pieces_count(m, L) == (m + 1) * m ** (L - 1) - (m ** (L - 1) - 1) // 2
        assert count <= (m + 1) ** L
    assert _pieces_bound_is_valid_and_nearly_tight(_pieces_bound)
    # negative controls: a bound that is too small is exceeded, one that is twice too large is far from tight
    assert not _pieces_bound_is_valid_and_nearly_tight(_wrong_bound_m_to_the_L)
    assert not _pieces_bound_is_valid_and_nearly_tight(_wrong_bound_doubled)


@pytest.mark.parametrize("seed", range(3))
def test_random_deep_networks_obey_the_piece_bound(seed):
    """Random networks with L hidden layers of width m have at most (m+1)^L pieces on an interval."""
    rng = np.random.default_rng(seed)
    m, L = 4, 3
    shapes = [(m, 1)] + [(m, m)] * (L - 1) + [(1, m)]
    net = ap.network_from_weights([rng.standard_normal(s) for s in shapes],
                                  [rng.uniform(-1, 1, s[0]) for s in shapes])
    assert ap.count_pieces(lambda t: ap.evaluate_network(net, t), -4.0, 4.0) <= (m + 1) ** L


K_SEP = 6
N_SEP = 2**K_SEP
X_MID = (np.arange(2**14) + 0.5) / 2**14


def _saw(t):
    return ap.sawtooth(t, K_SEP)


@pytest.fixture(scope="module")
def free_knot_errors():
    """Best L1 polygons with p pieces (vertices at multiples of 2^-(k+1), values g_k or 1/2), p = 1..2^k + 1."""
    fit = ap.free_knot_l1_fit(_saw, N_SEP + 1, np.arange(2 * N_SEP + 1) / (2 * N_SEP), levels=[0.5])
    return fit.errors


def _l1_bound(k, p):
    """Lemma lem-ua-l1 as stated: (2^k - 2p - 2) / (8 2^k), clipped at 0."""
    return ap.sawtooth_l1_lower_bound(k, p)


def _wrong_l1_bound_overstated(k, p):
    """Wrong variant: (N - 1)/(4N), independent of p (an overstated bound)."""
    N = 2**k
    return (N - 1) / (4 * N)


def _wrong_l1_bound_quartered(k, p):
    """Wrong variant: a quarter of the true bound (valid but loose)."""
    return ap.sawtooth_l1_lower_bound(k, p) / 4


def _l1_bound_check(bound, errors):
    """Valid against the best approximants with p pieces, and at least 0.4 of their error for p <= 5."""
    valid = all(errors[p - 1] >= bound(K_SEP, p) - 1e-12 for p in range(1, N_SEP + 2))
    tight = all(bound(K_SEP, p) >= 0.4 * errors[p - 1] for p in range(1, 6))
    return valid and tight


@pytest.mark.claim("lem-ua-l1")
def test_l1_bound_against_free_knot_polygons(free_knot_errors):
    r"""No free-knot polygon with $p$ pieces beats $(2^k - 2p - 2)/2^{k+3}$, the bound is at least 0.4 of the best error for $p \le 5$, and both wrong variants fail."""
    assert _l1_bound_check(_l1_bound, free_knot_errors)
    assert not _l1_bound_check(_wrong_l1_bound_overstated, free_knot_errors)
    assert not _l1_bound_check(_wrong_l1_bound_quartered, free_knot_errors)


def test_free_knot_polygons_are_evaluated_honestly(free_knot_errors):
    """The DP errors equal the L1 errors of the networks built from the polygons, and of the explicit sawtooth-following nets."""
    for p in (3, 17, 40):
        fit = ap.free_knot_l1_fit(_saw, p, np.arange(2 * N_SEP + 1) / (2 * N_SEP), levels=[0.5])
        assert fit.knots.size - 1 <= p
        net = ap.network_from_weights(
            [np.ones((fit.knots.size - 1, 1)),
             np.concatenate([np.diff(fit.values[:2]) / np.diff(fit.knots[:2]),
                             np.diff(np.diff(fit.values) / np.diff(fit.knots))]).reshape(1, -1)],
            [-fit.knots[:-1], np.array([fit.values[0]])])
        l1 = np.mean(np.abs(ap.evaluate_network(net, X_MID) - _saw(X_MID)))
        assert l1 == pytest.approx(free_knot_errors[p - 1], abs=1e-6)
        follow = ap.sawtooth_following(K_SEP, p)
        l1_follow = np.mean(np.abs(ap.evaluate_network(follow, X_MID) - _saw(X_MID)))
        assert l1_follow == pytest.approx((2 * N_SEP - 2 * p + 3) / (8 * N_SEP), abs=1e-9)
        assert free_knot_errors[p - 1] <= l1_follow + 1e-9
        assert follow[0].out_features == p


@pytest.mark.parametrize("seed", range(3))
def test_l1_lower_bound_holds_for_random_piecewise_affine(seed):
    """Any continuous piecewise-affine h with p pieces (random breakpoints and values) has L1 distance to g_k at least the bound."""
    rng = np.random.default_rng(seed)
    x = (np.arange(2**16) + 0.5) / 2**16
    g = ap.sawtooth(x, K_SEP)
    for p in [1, 2, 5, 10, 20, 30]:
        knots = np.concatenate([[0.0], np.sort(rng.uniform(0, 1, p - 1)), [1.0]])
        h = np.interp(x, knots, rng.uniform(-0.5, 1.5, p + 1))
        assert np.mean(np.abs(g - h)) >= ap.sawtooth_l1_lower_bound(K_SEP, p)


def _separation_bound(k, n):
    """Theorem thm-ua-telgarsky, part 1: (2^k - 2n - 4) / 2^(k+3) for n units."""
    return (2**k - 2 * n - 4) / 2 ** (k + 3)


def _wrong_separation_n_pieces(k, n):
    """Wrong variant: (N - 1)/(4N) for every n (overstated)."""
    return (2**k - 1) / (4 * 2**k)


@pytest.mark.claim("thm-ua-telgarsky")
def test_separation_bound_against_best_shallow_approximants(free_knot_errors):
    r"""Shallow nets with $n$ units (at most $n+1$ pieces) never beat $(2^k - 2n - 4)/2^{k+3}$, are within a factor 2.5 of it for $n \le 4$, and the overstated variant is refuted."""
    challenge = free_knot_errors[1:]  # polygons with n + 1 pieces, n = 1..2^k
    ns = np.arange(1, N_SEP + 1)
    assert np.all(challenge >= np.array([_separation_bound(K_SEP, n) for n in ns]) - 1e-12)
    assert all(_separation_bound(K_SEP, n) >= 0.4 * challenge[n - 1] for n in range(1, 5))
    assert all(_separation_bound(K_SEP, n) >= 1 / 16 for n in range(1, N_SEP // 4 - 1))
    assert any(challenge[n - 1] < _wrong_separation_n_pieces(K_SEP, n) for n in ns)
    # actual networks with n units: the following construction, and the deep network is exact
    for n in (2, 8, 14):
        net = ap.sawtooth_following(K_SEP, n)
        assert np.mean(np.abs(ap.evaluate_network(net, X_MID) - _saw(X_MID))) >= _separation_bound(K_SEP, n)
    assert np.mean(np.abs(ap.evaluate_network(ap.sawtooth_network(K_SEP), X_MID) - _saw(X_MID))) < 1e-12


@pytest.mark.claim("thm-ua-telgarsky")
@pytest.mark.parametrize("k", [5, 6, 7])
def test_fixed_knot_shallow_fit_error_above_lower_bound(k):
    r"""A least-squares one-hidden-layer net with $n < 2^{k-2} - 1$ fixed knots has $L^1$ error to $g_k$ above $(2^k - 2n - 4)/2^{k+3} \ge 1/16$."""
    N = 2**k
    g = ap.sawtooth(X_MID, k)
    for n in range(2, N // 4 - 1):
        net = ap.shallow_lstsq_fit(lambda t: ap.sawtooth(t, k), n)
        l1 = np.mean(np.abs(ap.evaluate_network(net, X_MID) - g))
        assert l1 >= _separation_bound(k, n) >= 1 / 16
    net = ap.shallow_lstsq_fit(lambda t: ap.sawtooth(t, k), N)
    assert np.mean(np.abs(ap.evaluate_network(net, X_MID) - g)) < 1e-10
    # negative control: the overstated bound (N - 1)/(4N) is refuted by this network with N units
    assert np.mean(np.abs(ap.evaluate_network(net, X_MID) - g)) < _wrong_separation_n_pieces(k, N)


def _part2_holds(k):
    """The arithmetic of part 2 in exact integers: (2^k + 1)^k <= 2^(k^2+k) <= 2^(k^3 - 2) - 1."""
    p = (2**k + 1) ** k
    return p <= 2 ** (k * k + k) and 2 ** (k * k + k) <= 2 ** (k**3 - 2) - 1


@pytest.mark.claim("thm-ua-telgarsky")
def test_part2_piece_arithmetic_and_line_restriction():
    r"""Part 2's count holds exactly for $k = 3, \dots, 12$ and fails at $k = 2$; a $d$-input net restricted to a line obeys $(m+1)^L$."""
    assert all(_part2_holds(k) for k in range(3, 13))
    assert not _part2_holds(2)  # the statement rightly starts at k = 3
    rng = np.random.default_rng(0)
    d, m, L = 5, 3, 3
    shapes = [(m, d)] + [(m, m)] * (L - 1) + [(1, m)]
    Ws = [rng.standard_normal(s) for s in shapes]
    bs = [rng.uniform(-1, 1, s[0]) for s in shapes]
    net = ap.network_from_weights(Ws, bs)
    for _ in range(3):
        xp = rng.uniform(0, 1, d - 1)

        def line(t, xp=xp):
            X = np.column_stack([t, np.tile(xp, (t.size, 1))])
            with torch.no_grad():
                return net(torch.from_numpy(X)).reshape(-1).numpy()

        assert ap.count_pieces(line, -3.0, 3.0) <= (m + 1) ** L


def test_count_pieces_on_known_functions():
    """count_pieces finds 1 piece for an affine map, 2 for |x - c| and 3 for a clipped ramp."""
    assert ap.count_pieces(lambda t: 3 * t - 1) == 1
    assert ap.count_pieces(lambda t: np.abs(t - 0.3141)) == 2
    assert ap.count_pieces(lambda t: np.clip(4 * t - 1, 0, 1)) == 3


# ----------------------------------------------------------------------------- Barron / Maurey


def _ball(n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X * rng.uniform(0, 1, (n, 1)) ** (1 / d)


def test_maurey_sample_is_unbiased():
    """The average of many Maurey samples converges to the target (E f_n = f)."""
    target = ap.barron_target(5, 300, seed=0)
    X = _ball(50, 5, 1)
    rng = np.random.default_rng(2)
    mean = np.mean([ap.maurey_sample(target, 10, seed=rng)(X) for _ in range(4000)], axis=0)
    sigma = np.sqrt(ap.maurey_variance(target, X))
    assert np.sqrt(np.mean((mean - target(X)) ** 2)) < 5 * sigma / np.sqrt(10 * 4000)


def _sigma2_from_scratch(target, X):
    """sigma^2 = ||c||_1 sum_j |c_j| ||phi_j||^2 - ||f||^2, computed here from the lemma, not by nnmath."""
    phi = np.maximum(X @ target.W.T + target.b, 0.0)
    f = phi @ target.c
    return np.abs(target.c).sum() * np.sum(np.abs(target.c) * np.mean(phi**2, axis=0)) - np.mean(f**2)


def _wrong_uniform_draws(target, n, X, rng):
    """Wrong variant: units drawn uniformly (weight M c_j / n) instead of proportionally to |c_j|."""
    M = target.c.size
    J = rng.integers(0, M, n)
    phi = np.maximum(X @ target.W[J].T + target.b[J], 0.0)
    return phi @ (M * target.c[J] / n)


def _maurey_draws(target, n, X, rng):
    s = ap.maurey_sample(target, n, seed=rng)
    return s(X)


def _mse_matches_sigma2_over_n(draw, target, X, n, reps=300, seed=5):
    """Check: the mean squared error over independent draws is sigma^2/n within 4 standard errors."""
    rng = np.random.default_rng(seed)
    f = target(X)
    sq = np.array([np.mean((draw(target, n, X, rng) - f) ** 2) for _ in range(reps)])
    pred = _sigma2_from_scratch(target, X) / n
    return abs(sq.mean() - pred) <= 4 * sq.std(ddof=1) / np.sqrt(reps)


@pytest.mark.claim("lem-ua-maurey")
def test_maurey_mean_square_error_matches_sigma2_over_n():
    r"""The mean squared Maurey error equals $\sigma^2/n$ within 4 standard errors of independent draws, $\sigma^2 \le \norm{c}_1^2 - \norm{f}^2$, and uniform draws fail the same check."""
    target = ap.barron_target(10, 200, seed=3)
    target = target._replace(c=target.c * np.exp(np.random.default_rng(9).uniform(0, 4, 200)))  # unequal weights
    X = _ball(300, 10, 4)
    s2 = ap.maurey_variance(target, X)
    assert s2 == pytest.approx(_sigma2_from_scratch(target, X), rel=1e-12)
    assert 0 < s2 <= np.sum(np.abs(target.c)) ** 2 - np.mean(target(X) ** 2)
    for n in [4, 64]:
        assert _mse_matches_sigma2_over_n(_maurey_draws, target, X, n)
        assert not _mse_matches_sigma2_over_n(_wrong_uniform_draws, target, X, n)
    # maurey_errors (multinomial counts) agrees with the same prediction
    rms = ap.maurey_errors(target, np.array([16]), X, n_repeats=400, seed=6)[0]
    assert abs(rms**2 * 16 / s2 - 1) < 0.2


def _planted_relative_errors(d, seed, ns, *, rf_ns=()):
    """Relative L2(P) errors of Maurey sampling (rms of 8 draws) and of random features on one planted replicate."""
    rng = np.random.default_rng([d, seed, 7])
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    target = ap.planted_saddle_target(Q, spread=0.3)
    X_tr, X_te = ap.planted_ball(2048, Q, 2, seed=rng), ap.planted_ball(2000, Q, 2, seed=rng)
    y_tr, y_te = target(X_tr), target(X_te)
    sd = y_te.std()
    maurey = ap.maurey_errors(target, ns, X_te, n_repeats=8, seed=rng) / sd
    rf = np.array([ap.random_features_l2_error(X_tr, y_tr, X_te, y_te, n, seed=rng) for n in rf_ns]) / sd
    return maurey, rf, target.path_norm / sd


def _unplanted_relative_errors(d, seed, ns):
    """Wrong variant (the old experiment): isotropic random units on the uniform ball, nearly constant in high d."""
    target = ap.barron_target(d, 2000, seed=np.random.default_rng([d, seed]))
    X = _ball(2000, d, [d, seed, 1])
    return ap.maurey_errors(target, ns, X, n_repeats=8, seed=np.random.default_rng([d, seed, 2])) / target(X).std()


def _slopes(errors, ns):
    return np.array([np.polyfit(np.log(ns), np.log(e), 1)[0] for e in errors])


def _rate_is_half_and_dimension_free(errors_by_d, ns):
    """Check: in every d the seed-mean slope is -1/2 within 0.1 and its 95% t-interval contains -1/2, and the
    relative error at the largest n agrees across dimensions within 4 standard errors (and a factor 1.5)."""
    last = {}
    for d, errors in errors_by_d.items():
        sl = _slopes(errors, ns)
        half = stats.t.ppf(0.975, sl.size - 1) * sl.std(ddof=1) / np.sqrt(sl.size)
        if abs(sl.mean() + 0.5) > 0.1 or not (sl.mean() - half <= -0.5 <= sl.mean() + half):
            return False
        last[d] = errors[:, -1]
    lo, hi = min(last, key=lambda d: last[d].mean()), max(last, key=lambda d: last[d].mean())
    se = np.sqrt(last[lo].var(ddof=1) / last[lo].size + last[hi].var(ddof=1) / last[hi].size)
    return last[hi].mean() - last[lo].mean() <= 4 * se and last[hi].mean() <= 1.5 * last[lo].mean()


@pytest.mark.claim("thm-ua-barron")
def test_barron_rate_is_dimension_free_on_a_planted_target():
    r"""On a planted target with $O(1)$ variation, Maurey's relative $L^2$ error has slope $-1/2$ (seed CI) and the same size in $d = 2$ and 200, below $\norm{c}_1/\sqrt{n}$."""
    ns = 2 ** np.arange(3, 10)
    errors = {}
    for d in (2, 200):
        runs = [_planted_relative_errors(d, r, ns) for r in range(6)]
        errors[d] = np.array([m for m, _, _ in runs])
        assert np.all(errors[d] <= np.array([b for _, _, b in runs])[:, None] / np.sqrt(ns))
        assert np.all(errors[d][:, -1] < 0.3)  # the target is not nearly constant: error 0.3 sd is informative
    assert _rate_is_half_and_dimension_free(errors, ns)
    # negative control: the old, isotropic target is nearly constant in d = 200, so its relative error explodes
    wrong = {d: np.array([_unplanted_relative_errors(d, r, ns) for r in range(4)]) for d in (2, 200)}
    assert not _rate_is_half_and_dimension_free(wrong, ns)


@pytest.mark.claim("thm-ua-barron")
def test_random_features_baseline_suffers_the_curse():
    """Random features (a linear method) on the same planted target are accurate in $d = 2$ but not in $d = 200$, where Maurey's $n$ units beat them; the rate check rejects them."""
    ns = 2 ** np.arange(6, 10)
    rf, maurey = {}, {}
    for d in (2, 200):
        runs = [_planted_relative_errors(d, r, ns, rf_ns=ns) for r in range(4)]
        maurey[d] = np.array([m for m, _, _ in runs])
        rf[d] = np.array([e for _, e, _ in runs])
    assert rf[2][:, -1].mean() < 0.05
    assert rf[200][:, -1].mean() > 2 * maurey[200][:, -1].mean()
    assert not _rate_is_half_and_dimension_free(rf, ns)


def test_barron_target_units_are_normalized():
    """Every unit of barron_target has ||w|| + |b| = 1, so the path norm is ||c||_1."""
    t = ap.barron_target(7, 100, seed=0)
    np.testing.assert_allclose(np.linalg.norm(t.W, axis=1) + np.abs(t.b), 1.0)
    np.testing.assert_allclose(t.path_norm, np.sum(np.abs(t.c)))


def test_seed_reproducibility():
    """The same seed gives the same target, sample and errors."""
    a = ap.barron_target(3, 50, seed=7)
    b = ap.barron_target(3, 50, seed=7)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.c, b.c)
    X = _ball(20, 3, 0)
    e1 = ap.maurey_errors(a, np.array([2, 8]), X, seed=1)
    e2 = ap.maurey_errors(b, np.array([2, 8]), X, seed=1)
    assert np.array_equal(e1, e2)


# ----------------------------------------------------------------------------- lower bounds


def _in_unit_lipschitz_ball(f_values, x):
    """Membership in F_{1,1}: sup |f| <= 1 and all difference quotients <= 1 (plus rounding)."""
    return np.abs(f_values).max() <= 1 and np.abs(np.diff(f_values) / np.diff(x)).max() <= 1 + 1e-9


def _wrong_bumps_unscaled(x, a):
    """Wrong variant: bumps without the factor N^-r (height c_psi instead of c_psi / N)."""
    N = a.size
    return ap.sobolev_bumps(x, a, 1) * N


@pytest.mark.claim("lem-ua-shatter")
def test_bump_sums_lie_in_the_class_and_approximants_shatter():
    """For $N = 6$, all $2^N$ bump sums $f_s$ lie in $F_{1,1}$ with $f_s(x_a) = c N^{-1} s_a$, approximants within $c/N$ realize every labelling, and unscaled bumps leave the class."""
    N = 6
    x = np.linspace(0.0, 1.0, 2**13 + 1)
    centers = (np.arange(N) + 0.5) / N
    height = ap.sobolev_bumps(centers[:1], np.eye(N)[0], 1)[0]
    t = np.linspace(-0.5, 0.5, 400001)
    c_psi = 1 / max(np.abs(ap.bump(t)).max(), np.abs(np.diff(ap.bump(t)) / np.diff(t)).max())  # by finite differences
    assert height == pytest.approx(c_psi / N, rel=1e-4)
    lip = 0.0
    for signs in itertools.product([-1.0, 1.0], repeat=N):
        signs = np.array(signs)
        f = ap.sobolev_bumps(x, signs, 1)
        assert _in_unit_lipschitz_ball(f, x)
        lip = max(lip, np.abs(np.diff(f) / np.diff(x)).max())
        np.testing.assert_allclose(ap.sobolev_bumps(centers, signs, 1), height * signs, rtol=1e-12)
        net = ap.relu_interpolant(lambda u, s=signs: ap.sobolev_bumps(u, s, 1), 48)
        assert np.abs(ap.evaluate_network(net, x) - f).max() < height
        assert np.array_equal(np.sign(ap.evaluate_network(net, centers)), signs)
        assert not _in_unit_lipschitz_ball(_wrong_bumps_unscaled(x, signs), x)
    assert lip > 0.999  # the class constraint is active: c_psi is as large as it may be
    # the threshold c N^-1 is sharp: a function within 1.01 c/N of f_s can get every label wrong
    assert np.all(ap.sobolev_bumps(centers, np.ones(N), 1) - 1.01 * height < 0)


@pytest.mark.claim("lem-ua-shatter")
def test_bump_derivatives_match_finite_differences_and_r2_class():
    r"""`bump`'s first and second derivatives agree with central differences, and $r = 2$ bump sums have $\abs{f}, \abs{f'}, \abs{f''} \le 1$."""
    t = np.linspace(-0.49, 0.49, 2001)
    e = 1e-6
    np.testing.assert_allclose(ap.bump(t, 1), (ap.bump(t + e) - ap.bump(t - e)) / (2 * e), atol=1e-5)
    np.testing.assert_allclose(ap.bump(t, 2), (ap.bump(t + e, 1) - ap.bump(t - e, 1)) / (2 * e), atol=1e-4)
    # negative control: psi' without the square in gamma' = -8t/u^2 (_wrong_derivative) is rejected
    u = 1 - 4 * t**2
    assert np.abs(ap.bump(t) * (-8 * t / u) - (ap.bump(t + e) - ap.bump(t - e)) / (2 * e)).max() > 1e-2
    x = np.linspace(0.0, 1.0, 2**15 + 1)
    f = ap.sobolev_bumps(x, np.array([1.0, -1.0, -1.0, 1.0, 1.0]), 2)
    d1 = np.diff(f) / np.diff(x)
    d2 = np.diff(d1) / np.diff(x)[1:]
    assert np.abs(f).max() <= 1 and np.abs(d1).max() <= 1 and np.abs(d2).max() <= 1 + 1e-3
    assert np.abs(d2).max() > 0.99


def _vc_proof_N(eps, c, r):
    """N of the proof of cor-ua-vc-lower: the largest integer strictly below (c/eps)^(1/r)."""
    root = (c / eps) ** (1.0 / r)
    return int(np.ceil(root)) - 1


def _wrong_vc_N_rounded_up(eps, c, r):
    """Wrong variant: rounding (c/eps)^(1/r) up, which breaks eps < c N^-r."""
    return int(np.ceil((c / eps) ** (1.0 / r)))


def _vc_proof_steps_hold(choose_N, eps, c, r, d):
    N = choose_N(eps, c, r)
    return N >= 1 and eps < c * N ** (-r) and N**d >= 2.0**-d * (c / eps) ** (d / r)


@pytest.mark.claim("cor-ua-vc-lower")
def test_vc_lower_bound_choice_of_N():
    r"""The $N$ of the proof satisfies $\epsilon < c_\psi N^{-r}$ and $N^d \ge 2^{-d}(c_\psi/\epsilon)^{d/r}$ for $\epsilon \le c_\psi 2^{-r}$; rounding up fails."""
    for r, d in [(1, 1), (1, 3), (2, 2), (3, 5)]:
        c = 0.23  # any c_psi in (0, 1]
        for eps in c * 2.0**-r * np.geomspace(0.99, 1e-8, 40):  # strictly inside, away from rounding ties
            assert _vc_proof_steps_hold(_vc_proof_N, eps, c, r, d)
    # the rounded-up N violates eps < c N^-r whenever (c/eps)^(1/r) is not an integer
    assert not _vc_proof_steps_hold(_wrong_vc_N_rounded_up, 0.23 / 7.5, 0.23, 1, 1)
    assert _vc_proof_steps_hold(_vc_proof_N, 0.23 / 7.5, 0.23, 1, 1)


def _worst_error_on_sphere(select, N=2, n_grid=400):
    """max over a on the l-infinity unit circle (N = 2 bumps, d = r = 1) of ||f_a - approximant(f_a)||_inf."""
    x = np.linspace(0.0, 1.0, 2001)
    t = np.linspace(0.0, 8.0, n_grid, endpoint=False)  # perimeter parametrization of the square |a|_inf = 1
    side, u = np.floor(t / 2).astype(int), (t % 2) - 1
    A = np.stack([np.where(side == 0, 1, np.where(side == 2, -1, np.where(side == 1, -u, u))),
                  np.where(side == 1, 1, np.where(side == 3, -1, np.where(side == 0, u, -u)))], axis=1)
    F = np.array([ap.sobolev_bumps(x, a, 1) for a in A])
    return max(np.abs(F[i] - select(F[i], F, i)).max() for i in range(len(A)))


def _continuous_one_parameter_scheme(phi):
    """W = 1: M(f) = <f, phi>/<phi, phi> (continuous, linear) and eta(theta) = theta phi."""
    return lambda f, F, i: (f @ phi) / (phi @ phi) * phi


def _wrong_discontinuous_selection(f, F, i):
    """Wrong variant (violates the hypothesis): one parameter that indexes the target itself, error 0."""
    return F[i]


@pytest.mark.claim("thm-ua-continuous")
@pytest.mark.parametrize("seed", range(3))
def test_continuous_one_parameter_schemes_obey_the_lower_bound(seed):
    r"""Every continuous scheme with $W = 1$ has worst error $\ge c_\psi 2^{-r}(W+1)^{-r/d} = c_\psi/4$ on two bumps; a discontinuous selection does not."""
    x = np.linspace(0.0, 1.0, 2001)
    c_psi = 2 * ap.sobolev_bumps(np.array([0.25]), np.array([1.0, 0.0]), 1)[0]  # c_psi N^-1 with N = 2
    rng = np.random.default_rng(seed)
    phi = np.interp(x, np.linspace(0, 1, 9), rng.standard_normal(9))
    for candidate in (phi, ap.sobolev_bumps(x, np.array([1.0, 1.0]), 1), ap.sobolev_bumps(x, np.array([1.0, 0.3]), 1)):
        assert _worst_error_on_sphere(_continuous_one_parameter_scheme(candidate)) >= c_psi / 4
    assert _worst_error_on_sphere(_wrong_discontinuous_selection) < c_psi / 4


# ----------------------------------------------------------------------------- Fourier to Barron


def _taylor_remainder_by_quad(h2, t):
    """int_{-1}^{1} h''(v) relu(t - v) dv by scipy quadrature (independent of nnmath)."""
    return integrate.quad(lambda v: h2(v) * max(t - v, 0.0), -1.0, 1.0, points=[t], limit=200)[0]


@pytest.mark.claim("prop-ua-fourier")
@pytest.mark.parametrize("a", [0.5, 2.0, 5.0])
def test_taylor_relu_identity_by_quadrature(a):
    r"""$h(t) = h(-1) + h'(-1)(t+1) + \int h''(v)\relu(t - v)\,\dd v$ for $h = \cos(at + 0.3)$, checked with `scipy.integrate.quad`; dropping the affine term fails."""
    h = lambda t: np.cos(a * t + 0.3)  # noqa: E731
    h1 = lambda t: -a * np.sin(a * t + 0.3)  # noqa: E731
    h2 = lambda t: -a * a * np.cos(a * t + 0.3)  # noqa: E731
    for t in np.linspace(-1, 1, 9):
        rhs = h(-1.0) + h1(-1.0) * (t + 1) + _taylor_remainder_by_quad(h2, t)
        assert rhs == pytest.approx(h(t), abs=1e-9)
    wrong = [_taylor_remainder_by_quad(h2, t) for t in np.linspace(-1, 1, 9)]  # _wrong_no_affine_term
    assert np.max(np.abs(np.array(wrong) - h(np.linspace(-1, 1, 9)))) > 1e-3


@pytest.mark.claim("prop-ua-fourier")
@pytest.mark.parametrize("a", [0.5, 2.0, 6.0])
def test_cosine_ridge_network_and_its_barron_norm(a):
    r"""The discretized representation of $\cos(a\inner{u}{x})$ on the ball is accurate to 1e-4, its path norm is at most $1 + 2a + 3a^2$, and above half of it."""
    d = 7
    u = np.zeros((1, d))
    u[0, 2] = 1.0
    rep = ap.taylor_ridge_target(u, lambda t: np.cos(a * t), lambda t: -a * np.sin(a * t),
                                 lambda t: -a * a * np.cos(a * t), n_atoms=4096)
    X = _ball(3000, d, 3)
    assert np.abs(rep(X) - np.cos(a * X[:, 2])).max() < 1e-4
    np.testing.assert_allclose(np.linalg.norm(rep.W, axis=1) + np.abs(rep.b), 1.0)
    # exact cost of the representation: |h(-1)| + 2|h'(-1)| + int |h''|(1 + |v|), by quadrature
    cost = abs(np.cos(a)) + 2 * a * abs(np.sin(a)) + integrate.quad(
        lambda v: a * a * abs(np.cos(a * v)) * (1 + abs(v)), -1, 1, limit=200)[0]
    assert rep.path_norm == pytest.approx(cost, rel=1e-3)
    bound = 1 + 2 * a + 3 * a * a
    assert rep.path_norm <= bound
    assert rep.path_norm >= 0.3 * bound  # not vacuous: the bound is within a factor ~3 of the cost


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("func", [ap.sawtooth, ap.yarotsky_square])
def test_bad_depth_raises(func):
    """Negative or non-integer depths, and x outside [0, 1], raise ValueError naming the argument."""
    name = "k" if func is ap.sawtooth else "m"
    x = np.linspace(0, 1, 5)
    with pytest.raises(ValueError, match=name):
        func(x, -1)
    with pytest.raises(ValueError, match=name):
        func(x, 2.5)
    with pytest.raises(ValueError, match=name):
        func(x, "3")
    with pytest.raises(ValueError, match="x"):
        func(np.array([0.5, 1.2]), 2)
    with pytest.raises(ValueError, match="x"):
        func(np.array([-0.1]), 2)


def test_bad_input_elsewhere():
    """The network builders, product, interpolant and Barron helpers reject bad arguments by name."""
    with pytest.raises(ValueError, match="k"):
        ap.sawtooth_network(-2)
    with pytest.raises(ValueError, match="m"):
        ap.yarotsky_network(1.5)
    with pytest.raises(ValueError, match="y"):
        ap.yarotsky_product(np.array([0.5]), np.array([2.0]), 3)
    with pytest.raises(ValueError, match="m"):
        ap.yarotsky_polynomial(np.array([0.5]), [1.0, 2.0], -1)
    with pytest.raises(ValueError, match="n"):
        ap.relu_interpolant(np.sin, 0)
    with pytest.raises(ValueError, match="a must be smaller than b"):
        ap.relu_interpolant(np.sin, 3, a=1.0, b=0.0)
    with pytest.raises(TypeError, match="f"):
        ap.relu_interpolant(3.0, 3)
    with pytest.raises(ValueError, match="pieces"):
        ap.sawtooth_l1_lower_bound(3, 0)
    with pytest.raises(ValueError, match="d"):
        ap.barron_target(0, seed=0)
    target = ap.barron_target(2, 10, seed=0)
    with pytest.raises(ValueError, match="X"):
        ap.maurey_errors(target, np.array([2]), np.array([[3.0, 0.0]]), seed=0)
    with pytest.raises(ValueError, match="ns"):
        ap.maurey_errors(target, np.array([0]), np.zeros((1, 2)), seed=0)
    with pytest.raises(TypeError, match="seed"):
        ap.maurey_sample(target, 3, seed=1.5)
    with pytest.raises(TypeError, match="activation"):
        ap.random_features_error(np.abs, 3, "relu", seed=0)
    with pytest.raises(ValueError, match="net"):
        ap.ridge_network(torch.nn.ReLU(), np.ones(2))


def test_bad_input_new_functions():
    """The free-knot fit, the depth constructions, the bumps and the planted-problem helpers reject bad arguments by name."""
    saw = lambda t: ap.sawtooth(t, 3)  # noqa: E731
    with pytest.raises(ValueError, match="pieces"):
        ap.free_knot_l1_fit(saw, 0, np.linspace(0, 1, 5))
    with pytest.raises(ValueError, match="candidates"):
        ap.free_knot_l1_fit(saw, 2, np.array([0.0, 0.5, 0.5, 1.0]))
    with pytest.raises(TypeError, match="f"):
        ap.free_knot_l1_fit("saw", 2, np.linspace(0, 1, 5))
    with pytest.raises(ValueError, match="n_quad"):
        ap.free_knot_l1_fit(saw, 2, np.linspace(0, 1, 5), n_quad=0)
    with pytest.raises(ValueError, match="levels"):
        ap.free_knot_l1_fit(saw, 2, np.linspace(0, 1, 5), levels=np.ones((2, 2)))
    with pytest.raises(ValueError, match="n"):
        ap.sawtooth_following(3, 1)
    with pytest.raises(ValueError, match="n"):
        ap.sawtooth_following(3, 10)
    with pytest.raises(ValueError, match="k"):
        ap.sawtooth_following(-1, 2)
    with pytest.raises(ValueError, match="m"):
        ap.many_pieces_network(0, 2)
    with pytest.raises(ValueError, match="L"):
        ap.many_pieces_count(3, 0)
    with pytest.raises(TypeError, match="L"):
        ap.many_pieces_network(3, 1.5)
    with pytest.raises(ValueError, match="order"):
        ap.bump(np.zeros(3), 3)
    with pytest.raises(ValueError, match="a"):
        ap.sobolev_bumps(np.zeros(3), np.array([2.0, 0.0]), 1)
    with pytest.raises(ValueError, match="r"):
        ap.sobolev_bumps(np.zeros(3), np.array([1.0]), 3)
    with pytest.raises(ValueError, match="x"):
        ap.sobolev_bumps(np.array([1.5]), np.array([1.0]), 1)
    Q = np.eye(4)
    with pytest.raises(ValueError, match="directions"):
        ap.taylor_ridge_target(np.ones((1, 3)), np.cos, np.sin, np.cos)
    with pytest.raises(TypeError, match="d2h"):
        ap.taylor_ridge_target(Q[:1], np.cos, np.sin, 2.0)
    with pytest.raises(ValueError, match="n_atoms"):
        ap.taylor_ridge_target(Q[:1], np.cos, np.sin, np.cos, n_atoms=0)
    with pytest.raises(ValueError, match="frame"):
        ap.planted_ball(5, 2 * Q, 2, seed=0)
    with pytest.raises(ValueError, match="k"):
        ap.planted_ball(5, Q, 5, seed=0)
    with pytest.raises(ValueError, match="radius"):
        ap.planted_ball(5, Q, 2, radius=1.5, seed=0)
    with pytest.raises(TypeError, match="seed"):
        ap.planted_ball(5, Q, 2, seed="x")
    with pytest.raises(ValueError, match="frame"):
        ap.planted_saddle_target(np.ones((1, 1)))
    with pytest.raises(ValueError, match="spread"):
        ap.planted_saddle_target(Q, spread=-0.1)
    X = ap.planted_ball(10, Q, 2, seed=0)
    y = np.zeros(10)
    with pytest.raises(ValueError, match="y_train"):
        ap.random_features_l2_error(X, np.zeros(9), X, y, 3, seed=0)
    with pytest.raises(ValueError, match="X_test"):
        ap.random_features_l2_error(X, y, X[:, :3], y, 3, seed=0)
    with pytest.raises(ValueError, match="n"):
        ap.random_features_l2_error(X, y, X, y, 0, seed=0)


def test_planted_ball_law_and_saddle_target():
    """Planted samples lie in the ball, their planted coordinates have the same law in d = 3 and 50, and the saddle target has path norm 4 + 2 beta and no linear part."""
    for d in (3, 50):
        Q = np.linalg.qr(np.random.default_rng(d).standard_normal((d, d)))[0]
        X = ap.planted_ball(4000, Q, 2, seed=1)
        assert np.all(np.linalg.norm(X, axis=1) <= 1 + 1e-12)
        s = X @ Q[:, :2]
        assert np.mean(np.sum(s**2, axis=1)) == pytest.approx(0.8**2 / 2, rel=0.05)  # E|s|^2 = r^2/2 on a disc
        t = ap.planted_saddle_target(Q, spread=0.3)
        assert t.path_norm == pytest.approx(4 + 2 * 0.3, rel=1e-3)
        # even in s_1 and s_2: f(x) = f(-x), so the least-squares linear part vanishes
        np.testing.assert_allclose(t(X), t(-X), atol=1e-12)


# ----------------------------------------------------------------------------- exact messages and small closed forms


DEPTH_FUNCTIONS = [
    ("k", lambda v: ap.sawtooth(np.array([0.5]), v)),
    ("k", ap.sawtooth_network),
    ("k", lambda v: ap.sawtooth_l1_lower_bound(v, 1)),
    ("m", lambda v: ap.yarotsky_square(np.array([0.5]), v)),
    ("m", ap.yarotsky_network),
    ("m", lambda v: ap.yarotsky_product(np.array([0.5]), np.array([0.25]), v)),
    ("m", lambda v: ap.yarotsky_polynomial(np.array([0.5]), [1.0, 2.0], v)),
    ("k", lambda v: ap.sawtooth_following(v, 2)),
]


@pytest.mark.parametrize("name, call", DEPTH_FUNCTIONS)
def test_depth_messages_name_the_argument_and_the_bound(name, call):
    """A depth is a number of compositions, an integer >= 0: negative, fractional, string and boolean depths are refused with that message."""
    for bad, shown in [(-1, "-1"), (2.5, "2.5"), ("3", "'3'"), (True, "True")]:
        with pytest.raises(ValueError, match=rf"^{name} must be an integer >= 0, got {re.escape(shown)}$"):
            call(bad)


UNIT_FUNCTIONS = [
    ("x", lambda v: ap.tent(v)),
    ("x", lambda v: ap.sawtooth(v, 2)),
    ("x", lambda v: ap.yarotsky_square(v, 2)),
    ("x", lambda v: ap.yarotsky_product(v, np.full(v.shape, 0.5), 2)),
    ("y", lambda v: ap.yarotsky_product(np.full(v.shape, 0.5), v, 2)),
    ("x", lambda v: ap.yarotsky_polynomial(v, [1.0, 2.0, 3.0], 2)),
    ("x", lambda v: ap.sobolev_bumps(v, np.array([1.0, -1.0]), 1)),
]


@pytest.mark.parametrize("name, call", UNIT_FUNCTIONS)
def test_unit_interval_is_closed_and_the_message_names_the_range(name, call):
    """The functions of the chapter live on the closed interval $[0, 1]$: both end points are accepted, a point beyond either end is refused with the range of the values."""
    call(np.array([0.0, 1.0]))  # both ends belong to [0, 1]
    for bad, lo, hi in [([0.5, 1.25], "0.5", "1.25"), ([-0.25, 0.5], "-0.25", "0.5"), ([-0.5, 1.5], "-0.5", "1.5")]:
        with pytest.raises(ValueError, match=rf"^{name} must have all entries in \[0, 1\], got values in \[{lo}, {hi}\]$"):
            call(np.array(bad))


def test_tent_map_closed_form_and_relu_form():
    r"""The tent map is $2x$ then $2(1-x)$, equals $2\relu(x) - 4\relu(x - 1/2)$ on $[0, 1]$ and is the one-fold sawtooth."""
    np.testing.assert_array_equal(ap.tent(np.array([0.0, 0.25, 0.5, 0.75, 1.0])), [0.0, 0.5, 1.0, 0.5, 0.0])
    x = np.random.default_rng(3).uniform(0, 1, 400)
    np.testing.assert_allclose(ap.tent(x), 2 * _relu(x) - 4 * _relu(x - 0.5), atol=1e-15)
    np.testing.assert_array_equal(ap.tent(x), ap.sawtooth(x, 1))
    # the chapter's statement g([0, 1]) = [0, 1]: the image of the grid is the whole interval
    assert ap.tent(DYADIC).min() == 0.0 and ap.tent(DYADIC).max() == 1.0


def test_product_shape_mismatch_and_polynomial_degree_zero():
    """The product needs x and y of one shape (the message gives both), a polynomial needs a coefficient, and a constant polynomial is reproduced exactly."""
    with pytest.raises(ValueError, match=r"^x and y must have the same shape, got \(2,\) and \(3,\)$"):
        ap.yarotsky_product(np.full(2, 0.5), np.full(3, 0.5), 2)
    with pytest.raises(ValueError, match=r"^coeffs must contain at least one coefficient$"):
        ap.yarotsky_polynomial(np.array([0.5]), [], 2)
    x = np.linspace(0.0, 1.0, 7)
    for m in (0, 3):
        out = ap.yarotsky_polynomial(x, [0.7], m)
        assert out.shape == x.shape and out.dtype == np.float64
        np.testing.assert_array_equal(out, np.full(7, 0.7))
    # degree one is exact too (no product is needed for P_1 = x)
    np.testing.assert_allclose(ap.yarotsky_polynomial(x, [0.7, -2.0], 3), 0.7 - 2.0 * x, atol=1e-15)


def test_l1_lower_bound_is_the_lemma_formula_clipped_at_zero():
    r"""`sawtooth_l1_lower_bound` is $(2^k - 2p - 2)/(8\cdot 2^k)$ exactly (rational arithmetic), and 0 once $2p + 2 \ge 2^k$."""
    for k in range(0, 9):
        for p in range(1, 2**k + 3):
            exact = max(Fraction(0), Fraction(2**k - 2 * p - 2, 8 * 2**k))
            assert Fraction(ap.sawtooth_l1_lower_bound(k, p)) == exact
    assert ap.sawtooth_l1_lower_bound(6, 1) == pytest.approx(60 / 512, rel=0)
    assert ap.sawtooth_l1_lower_bound(3, 3) == 0.0  # 2^3 - 2*3 - 2 = 0


def test_ridge_network_of_an_affine_float32_network_and_its_messages():
    r"""Lifting an affine $h(t) = at + c$ (a default float32 layer) gives the affine ridge $x \mapsto a\inner{w}{x} + c$; a first layer with two inputs, or no Linear first layer, is refused."""
    torch.manual_seed(0)
    lin = torch.nn.Linear(1, 1)  # float32, as torch makes it by default
    with torch.no_grad():
        lin.weight.fill_(1.5)
        lin.bias.fill_(-0.25)
    w = np.array([2.0, -1.0, 0.5])
    net = ap.ridge_network(torch.nn.Sequential(lin), w)
    X = np.random.default_rng(0).uniform(-1, 1, (50, 3))
    with torch.no_grad():
        out = net(torch.from_numpy(X)).reshape(-1).numpy()
    np.testing.assert_allclose(out, 1.5 * X @ w - 0.25, atol=1e-6)
    assert net[0].in_features == 3 and net[0].out_features == 1
    message = r"^net must be a torch\.nn\.Sequential whose first layer is a Linear layer with one input$"
    for bad in (torch.nn.ReLU(),
                torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.float64), torch.nn.ReLU(), torch.nn.Linear(3, 1)),
                torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(1, 1))):
        with pytest.raises(ValueError, match=message):
            ap.ridge_network(bad, w)


def _random_features_reference(f, n, activation, scale, n_grid, seed):
    """The sup residual of the least-squares fit, by an orthogonal projection (QR) instead of lstsq."""
    rng = np.random.default_rng(seed)
    w, b = rng.uniform(-scale, scale, n), rng.uniform(-scale, scale, n)
    x = np.linspace(-1.0, 1.0, n_grid)
    Phi = np.ones((n_grid, n + 1))
    for i in range(n):
        Phi[:, i + 1] = activation(w[i] * x + b[i])
    U, sv, _ = np.linalg.svd(Phi, full_matrices=False)
    Q = U[:, sv > 1e-10 * sv[0]]  # an orthonormal basis of the span (a unit may vanish on [-1, 1])
    y = f(x)
    return np.max(np.abs(y - Q @ (Q.T @ y)))


def test_random_features_error_is_the_least_squares_residual():
    r"""With $w_i, b_i \sim U[-s, s]$ (default $s = 4$ on 1001 points of $[-1, 1]$) the error is the sup residual of the orthogonal projection onto the span of $1$ and the units (basis by SVD)."""
    f = lambda t: np.exp(t) * np.cos(3 * t)  # noqa: E731
    for n, scale, n_grid, seed in [(5, 2.5, 40, 0), (3, 0.5, 9, 1)]:
        got = ap.random_features_error(f, n, _relu, scale=scale, n_grid=n_grid, seed=seed)
        assert got == pytest.approx(_random_features_reference(f, n, _relu, scale, n_grid, seed), rel=1e-9)
    assert ap.random_features_error(f, 6, np.tanh, seed=2) == pytest.approx(
        _random_features_reference(f, 6, np.tanh, 4.0, 1001, 2), rel=1e-9)
    # with the identity as activation the span is {1, x}: the error is that of the least-squares line on the grid
    x = np.linspace(-1.0, 1.0, 1001)
    line = np.max(np.abs(np.polyval(np.polyfit(x, f(x), 1), x) - f(x)))
    assert ap.random_features_error(f, 4, lambda t: t, seed=3) == pytest.approx(line, rel=1e-9)


def _hat_lstsq_reference(f, n, n_grid):
    """Least squares over c + sum_i a_i relu(x - i/n) on the grid, solved by numpy's lstsq in the ReLU basis."""
    x = np.linspace(0.0, 1.0, n_grid)
    A = np.column_stack([np.ones(n_grid)] + [_relu(x - i / n) for i in range(n)])
    coef = np.linalg.lstsq(A, f(x), rcond=None)[0]
    return x, A @ coef


@pytest.mark.parametrize("n, n_grid", [(1, 2), (1, 5), (3, 7), (4, 50), (16, 2049)])
def test_shallow_lstsq_fit_is_the_least_squares_fit(n, n_grid):
    r"""The fit with fixed knots $i/n$ equals the least-squares solution in the ReLU basis (computed independently), on any grid of at least 2 points, default 2049."""
    f = lambda t: np.sin(5 * t) + t**2  # noqa: E731
    x, ref = _hat_lstsq_reference(f, n, n_grid)
    kw = {} if n_grid == 2049 else {"n_grid": n_grid}
    net = ap.shallow_lstsq_fit(f, n, **kw)
    np.testing.assert_allclose(ap.evaluate_network(net, x), ref, atol=1e-9)
    assert net[0].out_features == n
    # the network is affine on each cell [i/n, (i+1)/n]: its knots are the i/n
    np.testing.assert_allclose(-net[0].bias.detach().numpy(), np.arange(n) / n, atol=1e-15)


def test_relu_interpolant_defaults_and_message():
    r"""The interpolant's default interval is $[0, 1]$ (nodes $i/n$), and $a \ge b$ is refused with both values in the message."""
    f = lambda t: np.cos(3 * t)  # noqa: E731
    net = ap.relu_interpolant(f, 4)
    t = np.arange(5) / 4
    np.testing.assert_allclose(ap.evaluate_network(net, t), f(t), atol=1e-14)
    np.testing.assert_allclose(-net[0].bias.detach().numpy(), t[:-1], atol=1e-15)
    for a, b in [(1.0, 0.0), (0.5, 0.5)]:
        with pytest.raises(ValueError, match=rf"^a must be smaller than b, got a={a}, b={b}$"):
            ap.relu_interpolant(f, 3, a=a, b=b)
    # one unit: the chord from (a, f(a)) to (b, f(b))
    one = ap.relu_interpolant(f, 1, a=-1.0, b=2.0)
    s = np.linspace(-1.0, 2.0, 7)
    np.testing.assert_allclose(ap.evaluate_network(one, s), f(-1.0) + (f(2.0) - f(-1.0)) / 3 * (s + 1), atol=1e-14)


def test_count_pieces_thresholds_and_edges():
    r"""`count_pieces`: a kink is a slope change above rtol times $\max(1, \max\abs{\text{slope}})$; rtol = 0 counts any change, a kink at the first or last node counts, and 3 grid points suffice."""
    # slopes below 1: the threshold is rtol itself (1.5e-7 > 1e-7 is a kink)
    assert ap.count_pieces(lambda t: 1.5e-7 * _relu(t - 0.3)) == 2
    # a large slope: the threshold scales with it (5e-5 < 1e-7 * 1000 is not a kink, 5e-3 is)
    assert ap.count_pieces(lambda t: 1000 * t + 5e-5 * _relu(t - 0.3)) == 1
    assert ap.count_pieces(lambda t: 1000 * t + 5e-3 * _relu(t - 0.3)) == 2
    # the default rtol is small: a slope change of 1% is a kink
    assert ap.count_pieces(lambda t: t + 0.01 * _relu(t - 0.5)) == 2
    # rtol = 0 on an exactly affine function (dyadic grid, exact slopes): still one piece
    assert ap.count_pieces(lambda t: 2 * t, rtol=0.0) == 1
    # a kink at the first interior node and at the last interior node of the grid
    assert ap.count_pieces(lambda t: _relu(t - 0.25), n_grid=5) == 2
    assert ap.count_pieces(lambda t: _relu(t - 0.75), n_grid=5) == 2
    assert ap.count_pieces(lambda t: np.abs(t - 0.5), n_grid=3) == 2
    # two kinks in adjacent cells of a coarse grid are one run, i.e. one breakpoint
    assert ap.count_pieces(lambda t: np.abs(t - 0.3), n_grid=11) == 2
    assert ap.count_pieces(lambda t: np.abs(t + 0.5), -1.0, 0.0) == 2
    for a, b in [(1.0, 0.0), (0.5, 0.5)]:
        with pytest.raises(ValueError, match=rf"^a must be smaller than b, got a={a}, b={b}$"):
            ap.count_pieces(np.abs, a, b)


def test_barron_target_law_of_its_units():
    r"""`barron_target` rescales units with $u$ on the sphere, $\beta \sim U[-1, 1]$ and $\abs{a} \sim U[1/M, 2/M]$: recovered as $a = c\norm{w}$, $\beta = b/\norm{w}$, within 4 standard errors; signs are $+$ with probability `positive`."""
    M, d = 4000, 3
    t = ap.barron_target(d, M, positive=0.3, seed=11)
    norm_w = np.linalg.norm(t.W, axis=1)
    a, beta, u = t.c * norm_w, t.b / norm_w, t.W / norm_w[:, None]
    assert np.all(np.abs(a) >= 1 / M * (1 - 1e-12)) and np.all(np.abs(a) <= 2 / M * (1 + 1e-12))
    se_u = np.sqrt(1 / 12 / M)  # standard error of a mean of U[0, 1] draws
    assert abs(np.mean(np.abs(a) * M - 1) - 0.5) < 4 * se_u
    assert np.all(np.abs(beta) <= 1) and abs(np.mean(beta)) < 4 * 2 * se_u
    assert abs(np.mean(beta > 0.5) - 0.25) < 4 * np.sqrt(0.25 * 0.75 / M)
    np.testing.assert_allclose(u.T @ u / M, np.eye(d) / d, atol=4 * np.sqrt(2 / M))  # E[u u^T] = I/d on the sphere
    assert abs(np.mean(t.c > 0) - 0.3) < 4 * np.sqrt(0.3 * 0.7 / M)
    assert np.all(ap.barron_target(2, 50, positive=1.0, seed=0).c > 0)
    assert np.all(ap.barron_target(2, 50, positive=0.0, seed=0).c < 0)
    default = ap.barron_target(2, seed=5)
    assert default.c.size == 2000  # the documented default M
    assert abs(np.mean(default.c > 0) - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 2000)  # default positive = 0.75


def test_barron_target_sign_rule_is_strict_at_the_boundary():
    """The sign is $+1$ exactly when its uniform draw is below `positive`: a draw equal to `positive` gives $-1$ (P(U < p) = p)."""
    M, d, seed = 5, 2, 8
    rng = np.random.default_rng(seed)  # the draws of barron_target in order: directions, offsets, sign draws
    rng.standard_normal((M, d))
    rng.uniform(-1.0, 1.0, M)
    draws = rng.uniform(size=M)
    t = ap.barron_target(d, M, positive=float(draws[0]), seed=seed)
    np.testing.assert_array_equal(t.c > 0, draws < draws[0])
    assert t.c[0] < 0


def test_maurey_helpers_messages_and_zero_weights():
    """The Maurey helpers refuse a non-BarronTarget, empty or zero sizes and points outside the unit ball by name; a unit of weight 0 is never drawn."""
    for fn in (lambda t: ap.maurey_variance(t, np.zeros((1, 2))), lambda t: ap.maurey_sample(t, 2, seed=0),
               lambda t: ap.maurey_errors(t, [1], np.zeros((1, 2)), seed=0)):
        with pytest.raises(TypeError, match=r"^target must be a BarronTarget, got tuple$"):
            fn((np.eye(2), np.zeros(2), np.ones(2)))
    target = ap.BarronTarget(np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]), np.array([0.0, 0.5, -0.2]),
                             np.array([1.0, 0.0, -0.5]))
    X = np.array([[1.0, 0.0], [0.0, -1.0], [0.3, 0.4], [1.0 + 1e-12, 0.0]])  # norms 1, 1, 0.5 and 1 + 1e-12
    for bad in ([], [0], [3, 0]):
        with pytest.raises(ValueError, match=r"^ns must be a non-empty array of integers >= 1$"):
            ap.maurey_errors(target, np.array(bad, dtype=int), X, seed=0)
    with pytest.raises(ValueError, match=r"^X must have its rows in the unit ball$"):
        ap.maurey_errors(target, [1], np.array([[0.6, 0.8 + 1e-9]]), seed=0)
    err = ap.maurey_errors(target, [1, 2], X, n_repeats=50, seed=1)
    assert np.all(np.isfinite(err)) and err.shape == (2,)
    s = ap.maurey_sample(target, 40, seed=2)
    assert not np.any(np.all(s.W == target.W[1], axis=1))  # the unit of weight 0 is never drawn
    # the default number of repeats is 8
    np.testing.assert_array_equal(ap.maurey_errors(target, [2, 5], X, seed=3),
                                  ap.maurey_errors(target, [2, 5], X, n_repeats=8, seed=3))


def test_maurey_errors_with_one_draw_has_mean_square_sigma2():
    r"""For $n = 1$ the Maurey sample is $\norm{c}_1 \operatorname{sign}(c_J)\phi_J$: over many repeats the mean squared $L^2(P_X)$ error is $\sigma^2$ within 4 standard errors of the exact discrete law."""
    target = ap.BarronTarget(np.array([[1.0, 0.0], [0.0, 1.0], [-0.6, 0.8]]), np.array([0.0, 0.5, 0.2]),
                             np.array([1.0, -0.5, 2.0]))
    X = _ball(40, 2, 3)
    phi = _relu(X @ target.W.T + target.b)
    f = phi @ target.c
    norm1 = np.abs(target.c).sum()
    p = np.abs(target.c) / norm1
    sq = np.array([np.mean((norm1 * np.sign(target.c[j]) * phi[:, j] - f) ** 2) for j in range(3)])  # error of each draw
    sigma2, sd = p @ sq, np.sqrt(p @ (sq - p @ sq) ** 2)
    assert sigma2 == pytest.approx(ap.maurey_variance(target, X), rel=1e-12)
    R = 20000
    rms = ap.maurey_errors(target, [1], X, n_repeats=R, seed=4)[0]
    assert abs(rms**2 - sigma2) < 4 * sd / np.sqrt(R)
    # a sample of n = 1 unit has weight ||c||_1 with the sign of its unit, and the same unit as the target
    s = ap.maurey_sample(target, 1, seed=5)
    j = int(np.flatnonzero(np.all(target.W == s.W[0], axis=1))[0])
    assert s.c[0] == pytest.approx(norm1 * np.sign(target.c[j])) and s.b[0] == target.b[j]


def test_taylor_ridge_target_is_the_midpoint_sum_of_the_taylor_formula():
    r"""`taylor_ridge_target` equals $h(-1) + h'(-1)(t + 1) + \frac{2}{n}\sum_i h''(v_i)\relu(t - v_i)$ at the midpoints $v_i$ (units of norm $\norm{w} + \abs{b} = 1$), with the matching path norm; the default has 2048 atoms."""
    h, dh, d2h = (lambda t: t**3 - 2 * t), (lambda t: 3 * t**2 - 2), (lambda t: 6 * t)  # noqa: E731
    n = 10
    U = np.array([[0.6, 0.8, 0.0], [0.0, 0.0, -1.0]])
    rep = ap.taylor_ridge_target(U, h, dh, d2h, n_atoms=n)
    assert rep.c.size == 2 * (2 + n)  # a constant, a ramp and n atoms per direction
    v = -1 + (np.arange(n) + 0.5) * 2 / n
    X = _ball(200, 3, 7)
    expect = 0.0
    for u in U:
        t = X @ u
        expect = expect + h(-1.0) + dh(-1.0) * (t + 1) + (2 / n) * _relu(t[:, None] - v[None, :]) @ d2h(v)
    np.testing.assert_allclose(rep(X), expect, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(rep.W, axis=1) + np.abs(rep.b), 1.0, atol=1e-15)
    cost = 2 * (abs(h(-1.0)) + 2 * abs(dh(-1.0)) + (2 / n) * np.sum(np.abs(d2h(v)) * (1 + np.abs(v))))
    assert rep.path_norm == pytest.approx(cost, rel=1e-12)
    assert ap.taylor_ridge_target(U[:1], h, dh, d2h).c.size == 2 + 2048
    for bad in (np.array([[1.5, 0.0]]), np.array([[0.6, 0.8], [0.0, 0.9]])):
        with pytest.raises(ValueError, match=r"^directions must have rows of unit Euclidean norm$"):
            ap.taylor_ridge_target(bad, h, dh, d2h)


def _planted_saddle(seed: int, d: int, n: int, beta: float):
    """A random orthogonal frame Q of R^d, the planted saddle target on it, and its midpoint nodes of [-beta, beta]."""
    Q = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))[0]
    return Q, ap.planted_saddle_target(Q, n_atoms=n, spread=beta), -beta + (np.arange(n) + 0.5) * 2 * beta / n


def test_planted_saddle_target_is_the_midpoint_average():
    r"""`planted_saddle_target` is $\psi(s_1) - \psi(s_2)$ with $\psi(t) = \frac1n\sum_i \relu(t - v_i) + \relu(-t - v_i)$ at the midpoints of $[-\beta, \beta]$; defaults $n = 256$, $\beta = 1/2$ give path norm $4 + 2\beta = 5$."""
    n, beta = 6, 0.3
    Q, t, v = _planted_saddle(1, 4, n, beta)

    def psi(s):
        return np.mean(_relu(s[:, None] - v) + _relu(-s[:, None] - v), axis=1)

    X = _ball(300, 4, 2)
    np.testing.assert_allclose(t(X), psi(X @ Q[:, 0]) - psi(X @ Q[:, 1]), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(t.W, axis=1) + np.abs(t.b), 1.0, atol=1e-15)
    default = ap.planted_saddle_target(Q)
    assert default.c.size == 4 * 256
    assert default.path_norm == pytest.approx(5.0, rel=1e-12)  # 4 E[1 + |V|], exact for the midpoint rule with n even
    ap.planted_saddle_target(np.eye(2))  # two rows and two columns are enough
    for bad in (np.ones((1, 3)), np.ones((3, 1))):
        with pytest.raises(ValueError, match=r"^frame must have at least two rows and two columns$"):
            ap.planted_saddle_target(bad)


@pytest.mark.parametrize("d, k", [(3, 2), (5, 2), (4, 4)])
def test_planted_ball_laws_of_both_blocks(d, k):
    r"""`planted_ball`: $s = Q^\top x$ splits into a uniform point of the $k$-ball of radius $r$ ($\E\abs{s}^2 = r^2 k/(k+2)$) and of the $(d-k)$-ball of radius $\sqrt{1 - r^2}$, within 4 standard errors."""
    Q = np.linalg.qr(np.random.default_rng(d).standard_normal((d, d)))[0]
    n, r = 6000, 0.6
    S = ap.planted_ball(n, Q, k, radius=r, seed=3) @ Q
    for block, rad, dim in [(S[:, :k], r, k), (S[:, k:], np.sqrt(1 - r * r), d - k)]:
        if dim == 0:
            continue
        sq = np.sum(block**2, axis=1)
        assert sq.max() <= rad**2 * (1 + 1e-12)
        assert abs(sq.mean() - rad**2 * dim / (dim + 2)) < 4 * sq.std() / np.sqrt(n)
        # the radius of a uniform point of the dim-ball: P(|z| <= rad / 2) = 2^-dim
        p = 0.5**dim
        assert abs(np.mean(sq <= rad**2 / 4) - p) < 4 * np.sqrt(p * (1 - p) / n)
        assert np.abs(block.mean(axis=0)).max() < 4 * rad / np.sqrt(n)
    assert ap.planted_ball(5, Q, k, seed=0).shape == (5, d)


def test_planted_ball_frame_message():
    """A frame that is not square, or square but not orthogonal (even nearly scaled), is refused with the same message."""
    for bad in (np.eye(3)[:, :2], np.eye(3)[:2, :], 1.2 * np.eye(3)):
        with pytest.raises(ValueError, match=r"^frame must be an orthogonal square matrix$"):
            ap.planted_ball(5, bad, 1, seed=0)


def test_random_features_l2_error_is_the_documented_ridge_fit():
    r"""The fit solves $(A^\top A + \lambda I)c = A^\top y$ with $\lambda = 10^{-10}\operatorname{tr}(A^\top A)/(n+1)$ (checked with a generic solver on an underdetermined, nearly collinear design where $\lambda$ matters)."""
    d, n, seed = 2, 6, 4
    X_train = np.array([[0.1, 0.2], [0.1 + 1e-4, 0.2], [-0.5, 0.3]])
    y_train = np.array([0.0, 1.0, -1.0])
    X_test = _ball(50, d, 1)
    y_test = np.sin(3 * X_test[:, 0])
    rng = np.random.default_rng(seed)  # the units, drawn as documented: w on the sphere, b ~ U[-1, 1]
    W = rng.standard_normal((n, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    b = rng.uniform(-1.0, 1.0, n)

    def feats(X):
        return np.column_stack([np.ones(len(X))] + [_relu(X @ W[i] + b[i]) for i in range(n)])

    A = feats(X_train)
    G = A.T @ A
    lam = 1e-10 * np.trace(G) / (n + 1)
    coef = np.linalg.solve(G + lam * np.eye(n + 1), A.T @ y_train)
    ref = np.sqrt(np.mean((feats(X_test) @ coef - y_test) ** 2))
    got = ap.random_features_l2_error(X_train, y_train, X_test, y_test, n, seed=seed)
    assert got == pytest.approx(ref, rel=1e-6)
    # lambda matters here: the exact-fit (minimum-norm) solution gives a visibly different test error
    mn = np.linalg.pinv(A) @ y_train
    assert abs(np.sqrt(np.mean((feats(X_test) @ mn - y_test) ** 2)) - ref) > 1e-3 * ref


def test_seed_messages_name_the_seed():
    """Every random helper refuses a fractional seed with a message that names `seed` and what it must be."""
    Q = np.eye(3)
    X = np.zeros((4, 3))
    target = ap.barron_target(3, 5, seed=0)
    calls = [lambda s: ap.random_features_error(np.abs, 3, _relu, seed=s),
             lambda s: ap.barron_target(3, 5, seed=s),
             lambda s: ap.maurey_sample(target, 3, seed=s),
             lambda s: ap.maurey_errors(target, [2], X, seed=s),
             lambda s: ap.planted_ball(4, Q, 2, seed=s),
             lambda s: ap.random_features_l2_error(X, np.zeros(4), X, np.zeros(4), 3, seed=s)]
    for call in calls:
        with pytest.raises(TypeError, match=r"^seed must be an integer seed or a numpy\.random\.Generator, got 1\.5$"):
            call(1.5)


def test_random_features_error_converts_exact_values_to_float():
    """Values of `f` and of the activation are read as real numbers: exact rationals (object arrays of Fractions) give the float result."""
    def exact(fn):
        return lambda t: np.array([Fraction(float(v)) for v in np.ravel(fn(t))], dtype=object).reshape(np.shape(t))

    f = lambda t: np.abs(t - 0.2)  # noqa: E731
    ref = ap.random_features_error(f, 5, _relu, n_grid=33, seed=6)
    assert ap.random_features_error(exact(f), 5, _relu, n_grid=33, seed=6) == pytest.approx(ref, rel=1e-12)
    assert ap.random_features_error(f, 5, exact(_relu), n_grid=33, seed=6) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("m, L", [(3, 1), (4, 1), (3, 2), (2, 3)])
def test_many_pieces_network_is_the_documented_composition(m, L):
    r"""`many_pieces_network` computes $\sum_{j=1}^m \relu(u - j/(m+1))$ at $u = z^{\circ(L-1)}(x)$, $z$ the zigzag through $(j/m, j \bmod 2)$ (built here by interpolation)."""
    x = np.random.default_rng(m + L).uniform(0, 1, 500)
    nodes = np.arange(m + 1) / m
    u = x
    for _ in range(L - 1):
        u = np.interp(u, nodes, (np.arange(m + 1) % 2).astype(float))
    expect = sum(_relu(u - j / (m + 1)) for j in range(1, m + 1))
    np.testing.assert_allclose(ap.evaluate_network(ap.many_pieces_network(m, L), x), expect, atol=1e-12)


def _brute_force_polygons(f, pieces, c, levels, n_quad):
    """Smallest midpoint-rule L1 error with exactly p pieces, p = 1..pieces, by enumerating every polygon."""
    G = c.size - 1

    def cost(i, vi, j, vj):
        total = 0.0
        for k in range(i, j):
            h = c[k + 1] - c[k]
            xq = c[k] + (np.arange(n_quad) + 0.5) / n_quad * h
            chord = vi + (vj - vi) * (xq - c[i]) / (c[j] - c[i])
            total += np.sum(np.abs(f(xq) - chord)) * h / n_quad
        return total

    def values(i):
        return [float(f(np.array([c[i]]))[0])] + [float(v) for v in levels]

    best = np.full(pieces, np.inf)
    for p in range(1, pieces + 1):
        for inner in itertools.combinations(range(1, G), p - 1):
            idx = (0, *inner, G)
            for vals in itertools.product(*[values(i) for i in idx]):
                e = sum(cost(idx[q], vals[q], idx[q + 1], vals[q + 1]) for q in range(p))
                best[p - 1] = min(best[p - 1], e)
    return best


@pytest.mark.parametrize("levels, n_quad", [((), None), ((0.5, 0.1), 3)])
def test_free_knot_fit_matches_brute_force_enumeration(levels, n_quad):
    """The dynamic programme finds, for every p, the best polygon with at most p pieces (enumeration of all polygons, default 16 quadrature points), and returns one with the fewest pieces that attains it."""
    f = lambda t: np.abs(np.sin(4 * t)) + 0.3 * t  # noqa: E731
    c = np.array([0.0, 0.2, 0.5, 0.7, 1.0])
    kw = {"levels": levels} if levels else {}
    if n_quad is not None:
        kw["n_quad"] = n_quad
    fit = ap.free_knot_l1_fit(f, 4, c, **kw)
    exact = _brute_force_polygons(f, 4, c, levels, n_quad or 16)
    np.testing.assert_allclose(fit.errors, np.minimum.accumulate(exact), rtol=1e-12)
    p = fit.knots.size - 1
    assert p == int(np.flatnonzero(exact <= fit.errors[-1] * (1 + 1e-12))[0]) + 1
    assert fit.knots[0] == c[0] and fit.knots[-1] == c[-1] and np.all(np.diff(fit.knots) > 0)
    allowed = [set([float(f(np.array([x]))[0]), *levels]) for x in fit.knots]
    assert all(any(abs(v - a) < 1e-15 for a in s) for v, s in zip(fit.values, allowed))
    # the returned polygon has the announced error
    poly = lambda t: np.interp(t, fit.knots, fit.values)  # noqa: E731
    q = n_quad or 16
    xq = (c[:-1, None] + (np.arange(q) + 0.5)[None, :] / q * np.diff(c)[:, None]).ravel()
    wq = np.repeat(np.diff(c) / q, q)
    assert np.sum(np.abs(f(xq) - poly(xq)) * wq) == pytest.approx(fit.errors[-1], rel=1e-12)


def test_free_knot_fit_candidates_message():
    """Candidates must be strictly increasing with at least 2 points (2 are enough), said in the message."""
    f = lambda t: t**2  # noqa: E731
    fit = ap.free_knot_l1_fit(f, 1, np.array([0.0, 1.0]))
    assert fit.knots.tolist() == [0.0, 1.0]
    for bad in (np.array([0.5]), np.array([0.0, 0.5, 0.5]), np.array([0.0, 0.7, 0.6])):
        with pytest.raises(ValueError, match=r"^candidates must be a strictly increasing array of at least 2 points$"):
            ap.free_knot_l1_fit(f, 2, bad)


def test_one_dimensional_tools_read_exact_values_as_floats():
    """The interpolant, the shallow fit, the piece counter and the free-knot fit read the values of `f` as real numbers: exact rationals give the float results."""
    def exact(fn):
        return lambda t: np.array([Fraction(float(v)) for v in np.ravel(fn(t))], dtype=object).reshape(np.shape(t))

    f = lambda t: np.abs(t - 0.3) + t**2  # noqa: E731
    y = np.linspace(0.0, 1.0, 33)
    for build in (lambda g: ap.shallow_lstsq_fit(g, 4, n_grid=33), lambda g: ap.relu_interpolant(g, 4)):
        np.testing.assert_allclose(ap.evaluate_network(build(exact(f)), y), ap.evaluate_network(build(f), y), atol=1e-14)
    assert ap.count_pieces(exact(f), n_grid=65) == ap.count_pieces(f, n_grid=65) == 2
    assert ap.count_pieces(exact(lambda t: np.abs(t - 0.3)), n_grid=65) == 2
    assert ap.count_pieces(lambda t: np.ones(t.shape, dtype=bool)) == 1  # a boolean constant is read as the number 1
    c = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(ap.free_knot_l1_fit(exact(f), 2, c).errors, ap.free_knot_l1_fit(f, 2, c).errors, rtol=1e-12)


def test_bump_closed_values_and_support():
    r"""$\psi(0) = 1$ (default order 0), $\psi(1/4) = e^{-1/3}$, $\psi'(1/4) = -\tfrac{32}{9}\cdot\tfrac{1}{4}\cdot 4 e^{-1/3}$... as closed forms, and $\psi, \psi', \psi''$ vanish at and beyond $\abs{t} = 1/2$."""
    assert ap.bump(np.array([0.0]))[0] == 1.0
    t = np.array([0.25])
    u = 0.75  # 1 - 4 t^2
    psi = np.exp(1 - 1 / u)
    g1 = -8 * 0.25 / u**2
    g2 = -8 / u**2 - 128 * 0.25**2 / u**3
    assert ap.bump(t)[0] == pytest.approx(np.exp(-1 / 3), rel=1e-14)
    assert ap.bump(t, 1)[0] == pytest.approx(psi * g1, rel=1e-14)
    assert ap.bump(t, 2)[0] == pytest.approx(psi * (g1**2 + g2), rel=1e-14)
    edge = np.array([-1.2, -0.75, -0.5, 0.5, 0.75, 1.2])
    for order in (0, 1, 2):
        np.testing.assert_array_equal(ap.bump(edge, order), np.zeros(6))


def test_sobolev_bumps_coefficient_range_message():
    """Coefficients must be non-empty and in [-1, 1] (the ends included, one bump allowed), said in the message."""
    x = np.linspace(0.0, 1.0, 5)
    ap.sobolev_bumps(x, np.array([1.0, -1.0]), 1)
    assert ap.sobolev_bumps(np.array([0.5]), np.array([-1.0]), 2)[0] < 0
    for bad in (np.array([]), np.array([0.5, 1.5]), np.array([-2.5])):
        with pytest.raises(ValueError, match=r"^a must be a non-empty array with entries in \[-1, 1\]$"):
            ap.sobolev_bumps(x, bad, 1)


def test_sawtooth_following_range_of_n_and_exact_l1():
    r"""`sawtooth_following` accepts $2 \le n \le 2^k + 1$ (message at $2^k + 2$), and its $L^1$ distance to $g_k$ is $(2^{k+1} - 2n + 3)/2^{k+3}$ at both ends of the range."""
    k, N = 3, 8
    x = (np.arange(2**12) + 0.5) / 2**12
    for n in (2, 5, N + 1):
        net = ap.sawtooth_following(k, n)
        l1 = np.mean(np.abs(ap.evaluate_network(net, x) - ap.sawtooth(x, k)))
        assert l1 == pytest.approx((2 * N - 2 * n + 3) / (8 * N), abs=1e-12)
        assert net[0].out_features == n
    with pytest.raises(ValueError, match=r"^n must be an integer <= 9, got 10$"):
        ap.sawtooth_following(k, N + 2)
    with pytest.raises(ValueError, match=r"^n must be an integer >= 2, got 1$"):
        ap.sawtooth_following(k, 1)


def test_maurey_error_of_one_draw_from_two_equal_units_is_deterministic():
    r"""For $f = \tfrac12(\phi_1 + \phi_2)$ a single draw is $\phi_J$, so every repeat has error exactly $\tfrac12\norm{\phi_1 - \phi_2}_{L^2(P_X)}$."""
    target = ap.BarronTarget(np.array([[0.6, 0.8], [-1.0, 0.0]]), np.array([-0.1, 0.3]), np.array([0.5, 0.5]))
    X = _ball(30, 2, 9)
    phi = _relu(X @ target.W.T + target.b)
    expect = 0.5 * np.sqrt(np.mean((phi[:, 0] - phi[:, 1]) ** 2))
    np.testing.assert_allclose(ap.maurey_errors(target, [1, 1], X, n_repeats=6, seed=0), expect, rtol=1e-12)
    assert ap.maurey_variance(target, X) == pytest.approx(expect**2, rel=1e-12)


def test_barron_helpers_want_a_matrix_of_points():
    """A Barron target, its Maurey variance and errors take points as the rows of a matrix: a single vector is refused with the number of dimensions expected."""
    t = ap.barron_target(2, 5, seed=0)
    for fn in (t, lambda X: ap.maurey_variance(t, X), lambda X: ap.maurey_errors(t, [1], X, seed=0)):
        with pytest.raises(ValueError, match=r"^X must be an array with 2 dimension\(s\), got shape \(2,\)$"):
            fn(np.zeros(2))


@pytest.mark.parametrize("name, call", UNIT_FUNCTIONS)
def test_unit_interval_functions_name_the_argument_holding_a_nan(name, call):
    """A NaN is not a point of $[0, 1]$: it is refused with a message that names the argument holding it."""
    with pytest.raises(ValueError, match=rf"^{name} must contain only finite values$"):
        call(np.array([0.5, np.nan]))


def test_barron_helpers_want_points_of_the_target_dimension():
    r"""A Barron target on $\mathbb{R}^2$, its Maurey variance and errors refuse points of $\mathbb{R}^3$ with a message naming `X` and the shape expected."""
    t = ap.barron_target(2, 5, seed=0)
    for fn in (t, lambda X: ap.maurey_variance(t, X), lambda X: ap.maurey_errors(t, [1], X, seed=0)):
        with pytest.raises(ValueError, match=r"^X must have shape \(any, 2\), got \(4, 3\)$"):
            fn(np.zeros((4, 3)))


def test_one_dimensional_tools_read_decimal_values_as_floats():
    """Values of `f` (and of $h''$) are read as real numbers: `decimal.Decimal` values, which refuse to mix with floats in arithmetic, give the float results."""
    def dec(fn):
        return lambda t: np.array([Decimal(float(v)) for v in np.ravel(fn(t))], dtype=object).reshape(np.shape(t))

    f = lambda t: np.abs(t - 0.3) + t**2  # noqa: E731
    y = np.linspace(0.0, 1.0, 33)
    np.testing.assert_allclose(ap.evaluate_network(ap.relu_interpolant(dec(f), 4), y),
                               ap.evaluate_network(ap.relu_interpolant(f, 4), y), atol=1e-14)
    assert ap.count_pieces(dec(lambda t: np.abs(t - 0.25)), n_grid=65) == 2
    c = np.linspace(0.0, 1.0, 11)
    for levels in ((), (0.5,)):
        fit, ref = (ap.free_knot_l1_fit(g, 2, c, levels=levels) for g in (dec(f), f))
        np.testing.assert_allclose(fit.errors, ref.errors, rtol=1e-12)
        np.testing.assert_array_equal(fit.knots, ref.knots)
        np.testing.assert_allclose(fit.values, ref.values, rtol=1e-15)
    U = np.array([[0.6, 0.8]])
    d2h = lambda t: -np.cos(t)  # noqa: E731
    rep, ref = (ap.taylor_ridge_target(U, np.cos, lambda t: -np.sin(t), g, n_atoms=8) for g in (dec(d2h), d2h))
    np.testing.assert_allclose(rep.c, ref.c, rtol=1e-15)


def test_relu_interpolant_of_a_boolean_step_interpolates_it():
    r"""The interpolant of the step $1\{x < 1/2\}$ written as a boolean callback takes the values 1, 1, 0, 0, 0 at the nodes $i/4$ (True and False read as 1 and 0), and is affine in between."""
    net = ap.relu_interpolant(lambda t: t < 0.5, 4)
    np.testing.assert_allclose(ap.evaluate_network(net, np.linspace(0.0, 1.0, 5)), [1, 1, 0, 0, 0], atol=1e-15)
    np.testing.assert_allclose(ap.evaluate_network(net, np.array([0.125, 0.375, 0.625, 0.875])), [1, 0.5, 0, 0],
                               atol=1e-15)


def test_free_knot_fit_returns_the_best_polygon_when_fewer_pieces_end_elsewhere():
    r"""For the tent $1 - \abs{2x - 1}$ with the extra level $1/2$, the best single piece is the constant $1/2$ (error $\int_0^1 \abs{\text{tent} - 1/2} = 1/4$) while the best with two pieces is the tent itself (error 0), so the fit returns the tent, ending at its own value 0."""
    tent = lambda t: 1.0 - np.abs(2.0 * t - 1.0)  # noqa: E731
    fit = ap.free_knot_l1_fit(tent, 3, np.array([0.0, 0.5, 1.0]), levels=(0.5,))
    np.testing.assert_allclose(fit.errors, [0.25, 0.0, 0.0], atol=1e-15)
    assert fit.knots.tolist() == [0.0, 0.5, 1.0]
    assert fit.values.tolist() == [0.0, 1.0, 0.0]


def test_planted_saddle_target_layout_of_its_units():
    r"""The units of `planted_saddle_target` come in blocks for $u = q_1, -q_1, q_2, -q_2$; in each, unit $i$ points along $u$, has its kink $\langle u, x\rangle = v_i$ at the increasing midpoint nodes of $[-\beta, \beta]$ and weight $\pm(1 + \abs{v_i})/n$."""
    n, beta = 5, 0.4
    Q, t, v = _planted_saddle(2, 3, n, beta)
    blocks = [(Q[:, 0], 1.0), (-Q[:, 0], 1.0), (Q[:, 1], -1.0), (-Q[:, 1], -1.0)]
    for i, (u, sign) in enumerate(blocks):
        W, b, c = (a[i * n:(i + 1) * n] for a in (t.W, t.b, t.c))
        norms = np.linalg.norm(W, axis=1)
        np.testing.assert_allclose(W / norms[:, None], np.tile(u, (n, 1)), atol=1e-14)
        np.testing.assert_allclose(-b / norms, v, atol=1e-14)  # relu(<w, x> + b) has its kink at <u, x> = -b / |w|
        np.testing.assert_allclose(c, sign * (1 + np.abs(v)) / n, rtol=1e-14)


def test_orthogonality_and_unit_norm_are_checked_up_to_rounding_only():
    r"""`planted_ball` refuses a frame whose $Q^\top Q$ misses $I$ by $2 \cdot 10^{-9}$ on the diagonal or $10^{-9}$ off it and accepts a miss of $4 \cdot 10^{-11}$; `taylor_ridge_target` refuses a direction of norm $1 + 10^{-9}$ and accepts $1 + 2 \cdot 10^{-13}$."""
    shear = np.eye(3)
    shear[0, 1] = 1e-9
    for bad in ((1 + 1e-9) * np.eye(3), shear):
        with pytest.raises(ValueError, match=r"^frame must be an orthogonal square matrix$"):
            ap.planted_ball(5, bad, 1, seed=0)
    assert ap.planted_ball(5, (1 + 2e-11) * np.eye(3), 1, seed=0).shape == (5, 3)
    h, dh, d2h = np.cos, (lambda t: -np.sin(t)), (lambda t: -np.cos(t))  # noqa: E731
    with pytest.raises(ValueError, match=r"^directions must have rows of unit Euclidean norm$"):
        ap.taylor_ridge_target(np.array([[1 + 1e-9, 0.0]]), h, dh, d2h, n_atoms=4)
    assert ap.taylor_ridge_target(np.array([[1 + 2e-13, 0.0]]), h, dh, d2h, n_atoms=4).c.size == 6
