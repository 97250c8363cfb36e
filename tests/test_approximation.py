"""Tests of nnmath.approximation: the constructions of the chapter *Universal approximation*."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnmath import approximation as ap
from nnmath import plotting

DYADIC = np.linspace(0.0, 1.0, 2**12 + 1)


# ----------------------------------------------------------------------------- density


def _relu(t):
    return np.maximum(t, 0.0)


@pytest.mark.claim("thm-ua-leshno")
def test_polynomial_activation_is_not_dense_but_relu_and_tanh_are():
    """With sigma(t) = t^2 the random-feature fit of |x| stays >= 1/8 away for every n, while ReLU and tanh fits get within 0.02."""
    for n in (4, 16, 64, 256):
        assert ap.random_features_error(np.abs, n, np.square, seed=n) >= 1 / 8
    assert ap.random_features_error(np.abs, 256, _relu, seed=0) < 0.02
    assert ap.random_features_error(np.abs, 256, np.tanh, seed=0) < 0.02


@pytest.mark.claim("thm-ua-leshno")
def test_square_activation_fit_is_the_least_squares_quadratic():
    """Random features with sigma(t) = t^2 give exactly the least-squares quadratic (numpy polyfit), whatever n."""
    x = np.linspace(-1.0, 1.0, 1001)
    f = lambda t: np.exp(t) * np.cos(3 * t)  # noqa: E731
    best = np.max(np.abs(np.polyval(np.polyfit(x, f(x), 2), x) - f(x)))
    for n in (3, 10, 100):
        assert ap.random_features_error(f, n, np.square, seed=1) == pytest.approx(best, rel=1e-6)


@pytest.mark.claim("cor-ua-relu-density")
def test_ridge_relu_networks_approximate_in_two_dimensions():
    """Sums of ReLU ridge networks approximate F(x) = cos<w,x> + sin<v,x> on [-1,1]^2 within the interpolation bound L h / 2."""
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


# ----------------------------------------------------------------------------- sawtooth


@pytest.mark.claim("lem-ua-sawtooth")
@pytest.mark.parametrize("k", range(0, 11))
def test_sawtooth_has_2_to_the_k_pieces(k):
    """The k-fold tent map g_k has exactly 2^k linear pieces on [0, 1], both as closed form and as a network."""
    assert ap.count_pieces(lambda t: ap.sawtooth(t, k)) == 2**k
    net = ap.sawtooth_network(k)
    assert ap.count_pieces(lambda t: ap.evaluate_network(net, t)) == 2**k


@pytest.mark.claim("lem-ua-sawtooth")
@pytest.mark.parametrize("k", range(1, 9))
def test_sawtooth_values_at_dyadic_nodes_and_closed_form(k):
    """g_k is 0 at even and 1 at odd multiples of 2^-k and equals 2 dist(2^(k-1) x, Z)."""
    j = np.arange(2**k + 1)
    assert np.array_equal(ap.sawtooth(j / 2**k, k), (j % 2).astype(float))
    x = np.random.default_rng(k).uniform(0, 1, 500)
    y = 2.0**(k - 1) * x
    np.testing.assert_allclose(ap.sawtooth(x, k), 2 * np.abs(y - np.round(y)), atol=2.0**k * 1e-15)


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
    """0 <= f_m(x) - x^2 <= 4^-(m+1) on [0, 1], with equality at the midpoints (j + 1/2) 2^-m."""
    x = np.linspace(0.0, 1.0, 2**14 + 1)
    err = ap.yarotsky_square(x, m) - x**2
    bound = 4.0 ** -(m + 1)
    assert err.min() >= -1e-15
    assert err.max() <= bound * (1 + 1e-9)
    mid = (np.arange(2**m) + 0.5) / 2**m
    np.testing.assert_allclose(ap.yarotsky_square(mid, m) - mid**2, bound, rtol=1e-9)


@pytest.mark.claim("thm-ua-yarotsky")
@pytest.mark.parametrize("m", range(0, 8))
def test_yarotsky_is_interpolant_and_network_equals_closed_form(m):
    """f_m interpolates x^2 at the nodes j 2^-m, and the width-3 depth-m network computes f_m to 1e-12."""
    nodes = np.arange(2**m + 1) / 2**m
    np.testing.assert_allclose(ap.yarotsky_square(nodes, m), nodes**2, atol=1e-15)
    x = np.concatenate([DYADIC, np.random.default_rng(m).uniform(0, 1, 1000)])
    net = ap.yarotsky_network(m)
    np.testing.assert_allclose(ap.evaluate_network(net, x), ap.yarotsky_square(x, m), rtol=0, atol=1e-12)
    widths = [layer.out_features for layer in net if isinstance(layer, torch.nn.Linear)]
    assert widths == [3] * m + [1]


@pytest.mark.claim("cor-ua-product")
@pytest.mark.parametrize("m", range(0, 8))
def test_yarotsky_product_error_interval(m):
    """The polarized product has error in [-4^-(m+1), 2 * 4^-(m+1)] on [0,1]^2, and both ends are attained."""
    t = np.linspace(0.0, 1.0, 257)
    X, Y = np.meshgrid(t, t)
    err = ap.yarotsky_product(X, Y, m) - X * Y
    q = 4.0 ** -(m + 1)
    assert err.min() >= -q * (1 + 1e-9) and err.max() <= 2 * q * (1 + 1e-9)
    if m >= 1:
        assert err.min() <= -0.99 * q
    assert err.max() >= 1.99 * q


@pytest.mark.claim("cor-ua-product")
def test_yarotsky_polynomial_error_bound():
    """A Yarotsky polynomial approximation has error at most 2 * 4^-(m+1) * sum_j |a_j| (j-1)_+."""
    coeffs = np.array([0.5, -1.0, 2.0, 0.0, -3.0, 1.5])
    x = np.linspace(0, 1, 2001)
    p = np.polynomial.polynomial.polyval(x, coeffs)
    weight = np.sum(np.abs(coeffs) * np.maximum(np.arange(coeffs.size) - 1, 0))
    for m in range(0, 9):
        err = np.abs(ap.yarotsky_polynomial(x, coeffs, m) - p).max()
        assert err <= 2 * 4.0 ** -(m + 1) * weight + 1e-12
    assert err < 1e-4


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.integers(0, 10))
def test_yarotsky_product_is_symmetric(x, y, m):
    """The approximate product is symmetric in its two arguments."""
    a = ap.yarotsky_product(np.array([x]), np.array([y]), m)
    b = ap.yarotsky_product(np.array([y]), np.array([x]), m)
    np.testing.assert_allclose(a, b, atol=1e-15)


# ----------------------------------------------------------------------------- interpolation


@pytest.mark.claim("thm-ua-interpolation")
@pytest.mark.parametrize("n", [1, 3, 8, 20, 64, 200])
def test_relu_interpolant_error_bounds(n):
    """The ReLU interpolant with n units meets sup error <= L h / 2 (Lipschitz) and <= h^2 ||f''|| / 8 (C^2)."""
    x = np.linspace(0.0, 1.0, 20001)
    h = 1.0 / n
    smooth = lambda t: np.sin(2 * np.pi * t) + 0.5 * t**2  # noqa: E731, ||f''|| <= 4 pi^2 + 1
    err_smooth = np.abs(ap.evaluate_network(ap.relu_interpolant(smooth, n), x) - smooth(x)).max()
    assert err_smooth <= h**2 * (4 * np.pi**2 + 1) / 8
    kink = lambda t: np.abs(t - 1 / np.pi) + 0.5 * np.abs(np.sin(5 * t))  # noqa: E731, L <= 3.5
    err_kink = np.abs(ap.evaluate_network(ap.relu_interpolant(kink, n), x) - kink(x)).max()
    assert err_kink <= 3.5 * h / 2


@pytest.mark.claim("thm-ua-interpolation")
def test_relu_interpolant_interpolates_and_c2_bound_is_sharp():
    """The interpolant agrees with f at the nodes, has n units, and for f = x^2 its error is exactly h^2/4 = h^2 ||f''||/8."""
    f = np.square
    for n in [1, 5, 16]:
        net = ap.relu_interpolant(f, n, a=-1.0, b=2.0)
        t = np.linspace(-1.0, 2.0, n + 1)
        np.testing.assert_allclose(ap.evaluate_network(net, t), f(t), atol=1e-12)
        assert net[0].out_features == n
        h = 3.0 / n
        mid = t[:-1] + h / 2
        np.testing.assert_allclose(ap.evaluate_network(net, mid) - f(mid), h**2 / 4, rtol=1e-9)


# ----------------------------------------------------------------------------- depth separation


@pytest.mark.claim("lem-ua-counting")
@pytest.mark.parametrize("seed", range(5))
def test_one_hidden_layer_has_at_most_n_plus_1_pieces(seed):
    """A random one-hidden-layer ReLU net with n units has at most n + 1 linear pieces on an interval."""
    rng = np.random.default_rng(seed)
    n = 12
    net = ap.network_from_weights([rng.standard_normal((n, 1)), rng.standard_normal((1, n))],
                                  [rng.uniform(-2, 2, n), rng.standard_normal(1)])
    assert ap.count_pieces(lambda t: ap.evaluate_network(net, t), -3.0, 3.0) <= n + 1


@pytest.mark.claim("thm-ua-telgarsky")
@pytest.mark.parametrize("k", [5, 6, 7])
def test_shallow_fit_error_above_lower_bound(k):
    """A least-squares one-hidden-layer net with n < 2^(k-2) - 1 units has L1 error to g_k above (2^k - 2n - 4)/2^(k+3) >= 1/16."""
    N = 2**k
    x = (np.arange(2**14) + 0.5) / 2**14  # midpoint rule for the L1 integral
    g = ap.sawtooth(x, k)
    for n in range(2, N // 4 - 1):
        net = ap.shallow_lstsq_fit(lambda t: ap.sawtooth(t, k), n)
        l1 = np.mean(np.abs(ap.evaluate_network(net, x) - g))
        bound = ap.sawtooth_l1_lower_bound(k, n + 1)
        assert bound >= 1 / 16
        assert l1 >= bound
    # with 2^k units on the dyadic knots the shallow net represents g_k exactly
    net = ap.shallow_lstsq_fit(lambda t: ap.sawtooth(t, k), N)
    assert np.mean(np.abs(ap.evaluate_network(net, x) - g)) < 1e-10


@pytest.mark.claim("lem-ua-l1")
@pytest.mark.parametrize("seed", range(6))
def test_l1_lower_bound_holds_for_random_piecewise_affine(seed):
    """Any continuous piecewise-affine h with p pieces (random breakpoints and values) has L1 distance to g_k at least the bound."""
    rng = np.random.default_rng(seed)
    k = 6
    x = (np.arange(2**16) + 0.5) / 2**16
    g = ap.sawtooth(x, k)
    for p in [1, 2, 5, 10, 20, 30]:
        knots = np.concatenate([[0.0], np.sort(rng.uniform(0, 1, p - 1)), [1.0]])
        h = np.interp(x, knots, rng.uniform(-0.5, 1.5, p + 1))
        assert np.mean(np.abs(g - h)) >= ap.sawtooth_l1_lower_bound(k, p)


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


@pytest.mark.claim("lem-ua-maurey")
def test_maurey_mean_square_error_matches_sigma2_over_n():
    """The mean squared Maurey error equals sigma^2 / n (within Monte Carlo error) and sigma^2 <= ||c||_1^2 - ||f||^2."""
    target = ap.barron_target(10, 500, seed=3)
    X = _ball(400, 10, 4)
    s2 = ap.maurey_variance(target, X)
    f2 = np.mean(target(X) ** 2)
    assert 0 < s2 <= np.sum(np.abs(target.c)) ** 2 - f2
    for n in [4, 64]:
        rms = ap.maurey_errors(target, np.array([n]), X, n_repeats=400, seed=5)[0]
        assert abs(rms**2 * n / s2 - 1) < 0.2


@pytest.mark.claim("thm-ua-barron")
@pytest.mark.parametrize("d", [2, 20, 200])
def test_barron_rate_is_one_half_in_every_dimension(d):
    """The fitted slope of the Maurey L2 error against n is -1/2 within 0.1, and its 95% CI contains -1/2, in d = 2, 20, 200."""
    target = ap.barron_target(d, 2000, seed=1)
    X = _ball(500, d, 0)
    ns = np.unique(np.round(np.geomspace(4, 1024, 11)).astype(int))
    err = ap.maurey_errors(target, ns, X, n_repeats=24, seed=2)
    fit = plotting.fit_power_law(ns, err)
    assert abs(fit.slope + 0.5) < 0.1
    assert fit.ci95[0] <= -0.5 <= fit.ci95[1]
    # and the Maurey bound ||c||_1 / sqrt(n) holds at every n (units are bounded by 1 on the ball)
    assert np.all(err <= np.sum(np.abs(target.c)) / np.sqrt(ns))


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
