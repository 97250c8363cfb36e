"""Tests of nnmath.initialization: initializers, mean-field maps, finite-width fluctuations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import integrate

from nnmath import initialization as init


def relu(u):
    return np.maximum(u, 0.0)


# ----------------------------------------------------------------------------- initializers

@pytest.mark.parametrize("fan_in, fan_out", [(300, 200), (50, 400)])
def test_initializer_shapes_and_variances(fan_in, fan_out):
    """The empirical variances of the initializers equal 1/(3 n_in), 2/(n_in + n_out) and 2/n_in."""
    rng = np.random.default_rng(0)
    cases = [(init.naive_uniform, 1 / (3 * fan_in)), (init.glorot_uniform, 2 / (fan_in + fan_out)),
             (init.he_normal, 2 / fan_in)]
    for fn, var in cases:
        W = fn(fan_in, fan_out, generator=rng)
        assert W.shape == (fan_out, fan_in)
        assert abs(W.mean()) < 4 * np.sqrt(var / W.size)
        # the sample variance of N = 6e4 entries has relative s.e. <= sqrt(2/N) ~ 0.6%
        assert W.var() == pytest.approx(var, rel=0.03)
    a = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(init.glorot_uniform(fan_in, fan_out, generator=1)).max() <= a


def test_initializers_are_seeded():
    """The same integer seed gives the same matrix."""
    np.testing.assert_array_equal(init.he_normal(5, 3, generator=7), init.he_normal(5, 3, generator=7))


@pytest.mark.claim("lem-init-moments")
def test_second_moments_of_a_random_layer():
    """For W with i.i.d. centred entries of variance v, E||Wh||^2 = m v ||h||^2 and E||W^T g||^2 = n v ||g||^2 (Monte Carlo, 4 s.e.)."""
    rng = np.random.default_rng(2)
    m, n, trials = 20, 50, 5000
    h, g = rng.standard_normal(n), rng.standard_normal(m)
    W = rng.uniform(-1, 1, size=(trials, m, n))  # variance v = 1/3, not Gaussian
    fwd = np.sum((W @ h) ** 2, axis=1)
    bwd = np.sum((np.swapaxes(W, 1, 2) @ g) ** 2, axis=1)
    for vals, pred in [(fwd, m / 3 * h @ h), (bwd, n / 3 * g @ g)]:
        assert abs(vals.mean() - pred) < 4 * vals.std() / np.sqrt(trials)


@pytest.mark.claim("prop-init-glorot")
def test_glorot_forward_backward_variances():
    """In a linear layer with Glorot weights, E||Wx||^2/n_out = (2 n_in/(n_in+n_out)) ||x||^2/n_in and E||W^T g||^2/n_in = (2 n_out/(n_in+n_out)) ||g||^2/n_out."""
    rng = np.random.default_rng(1)
    n_in, n_out, trials = 30, 90, 4000
    x, g = rng.standard_normal(n_in), rng.standard_normal(n_out)
    fwd = np.empty(trials)
    bwd = np.empty(trials)
    for t in range(trials):
        W = init.glorot_uniform(n_in, n_out, generator=rng)
        fwd[t] = np.sum((W @ x) ** 2) / n_out / (np.sum(x**2) / n_in)
        bwd[t] = np.sum((W.T @ g) ** 2) / n_in / (np.sum(g**2) / n_out)
    for vals, pred in [(fwd, 2 * n_in / (n_in + n_out)), (bwd, 2 * n_out / (n_in + n_out))]:
        assert abs(vals.mean() - pred) < 4 * vals.std() / np.sqrt(trials)


# ----------------------------------------------------------------------------- quadrature

@pytest.mark.parametrize("q", [0.05, 0.5, 1.0, 3.0])
def test_quadrature_against_adaptive_integration(q):
    """Gauss-Hermite expectations of tanh^2 and sech^4 agree with adaptive quadrature to 1e-9 and 1e-7 (q <= 3)."""
    def ref(f):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            val = integrate.quad(lambda z: f(np.sqrt(q) * z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
                                 0, 40, epsabs=1e-16, epsrel=1e-14, limit=500)[0]
        return 2 * val  # both integrands are even

    assert init.length_map(q, 1.0, 0.0, "tanh") == pytest.approx(ref(lambda u: np.tanh(u) ** 2), rel=1e-9)
    assert init.gauss_mean(lambda u: np.cosh(u) ** -4, q) == pytest.approx(ref(lambda u: np.cosh(u) ** -4), rel=1e-7)


def test_relu_quadrature_matches_closed_forms():
    """Quadrature of E[relu(sqrt(q) z)^2] equals q/2, and of the arc-cosine kernel matches it to 5e-3."""
    for q in [0.3, 1.0, 4.0]:
        assert init.length_map(q, 2.0, 0.1, relu) == pytest.approx(q + 0.1, rel=1e-12)
        assert init.length_map(q, 2.0, 0.1, "relu") == q + 0.1
    c = np.array([-0.9, -0.3, 0.0, 0.5, 0.9, 1.0])
    closed = init.correlation_map(c, 1.3, 1.5, 0.2, "relu")
    quad = init.correlation_map(c, 1.3, 1.5, 0.2, (relu, lambda u: (u > 0).astype(float)))
    # the kink makes the tensor rule converge only algebraically
    np.testing.assert_allclose(quad, closed, atol=5e-3)
    assert init.correlation_map(0.0, 1.0, 2.0, 0.0, "relu") == pytest.approx(1 / np.pi)


def test_callable_derivative_by_finite_differences():
    """chi1 with a callable phi (numerical derivative) matches chi1 with the pair (phi, dphi) and with "tanh"."""
    exact = init.chi1(1.7, 0.1, "tanh")
    assert init.chi1(1.7, 0.1, np.tanh) == pytest.approx(exact, rel=1e-8)
    assert init.chi1(1.7, 0.1, (np.tanh, lambda u: np.cosh(u) ** -2)) == pytest.approx(exact, rel=1e-12)


# ----------------------------------------------------------------------------- mean-field theory

@pytest.mark.parametrize("sigma_w2, sigma_b2", [(0.8, 0.05), (1.5, 0.1), (3.0, 0.3), (2.0, 0.0)])
def test_fixed_point_is_fixed(sigma_w2, sigma_b2):
    """The returned q* satisfies V(q*) = q* (tanh) and the ReLU closed form sigma_b^2/(1 - sigma_w^2/2)."""
    q = init.fixed_point_q(sigma_w2, sigma_b2, "tanh")
    assert q > 0
    assert init.length_map(q, sigma_w2, sigma_b2, "tanh") == pytest.approx(q, rel=1e-10)
    assert init.fixed_point_q(1.2, 0.3, "relu") == pytest.approx(0.3 / 0.4)
    assert init.fixed_point_q(2.5, 0.1, "relu") == np.inf
    assert init.fixed_point_q(0.9, 0.0, "tanh") == 0.0  # ordered phase without bias: lengths die


@pytest.mark.claim("thm-init-chi1")
@pytest.mark.parametrize("sigma_w2, sigma_b2", [(0.8, 0.05), (1.5, 0.1), (3.0, 0.3)])
def test_correlation_map_slope_is_chi1(sigma_w2, sigma_b2):
    """C(1) = 1 at the fixed point, the one-sided derivative of the correlation map at c = 1 equals chi1, and C is convex increasing on [0, 1]."""
    q = init.fixed_point_q(sigma_w2, sigma_b2, "tanh")
    assert init.correlation_map(1.0, q, sigma_w2, sigma_b2, "tanh") == pytest.approx(1.0, abs=1e-10)
    h = 1e-4
    c = np.array([1 - 2 * h, 1 - h, 1.0])
    C = init.correlation_map(c, q, sigma_w2, sigma_b2, "tanh")
    slope = (3 * C[2] - 4 * C[1] + C[0]) / (2 * h)  # second-order one-sided difference
    assert slope == pytest.approx(init.chi1(sigma_w2, sigma_b2, "tanh"), rel=1e-5)
    grid = np.linspace(0, 1, 21)
    Cg = init.correlation_map(grid, q, sigma_w2, sigma_b2, "tanh")
    assert np.all(np.diff(Cg) > 0)
    assert np.all(np.diff(Cg, 2) > -1e-12)


@pytest.mark.claim("cor-init-relu-critical")
def test_relu_criticality():
    """For ReLU, chi1 = sigma_w^2/2 whatever sigma_b^2, so chi1(2, 0, relu) = 1 exactly and the depth scale is infinite there."""
    assert init.chi1(2, 0, "relu") == 1.0
    assert init.chi1(2.0, 0.5, "relu") == 1.0
    assert init.chi1(1.0, 0.1, "relu") == 0.5
    assert init.depth_scale(2, 0, "relu") == np.inf
    assert init.depth_scale(1.0, 0.0, "relu") == pytest.approx(1 / np.log(2))
    assert init.critical_sigma_w2(0.3, "relu") == 2.0


def test_tanh_critical_line_and_depth_scale():
    """On the tanh critical line chi1 = 1 (at sigma_b^2 = 0 it is sigma_w^2 = 1); the depth scale blows up near it."""
    assert init.critical_sigma_w2(0.0, "tanh") == pytest.approx(1.0, abs=1e-6)
    s = init.critical_sigma_w2(0.05, "tanh")
    assert init.chi1(s, 0.05, "tanh") == pytest.approx(1.0, abs=1e-9)
    assert init.depth_scale(0.5, 0.05) == pytest.approx(-1 / np.log(init.chi1(0.5, 0.05)))
    assert init.depth_scale(s * 0.97, 0.05) > 10 * init.depth_scale(0.5, 0.05)
    assert init.depth_scale(s * 1.03, 0.05) > init.depth_scale(4.0, 0.05) > 0


@pytest.mark.claim("thm-init-length-map")
def test_wide_tanh_network_measures_qstar_and_chi1():
    """In wide random tanh networks (width 400) the deep-layer mean of ||z_l||^2/n and the per-layer growth of tangent vectors are within 6% of q* and chi1."""
    x = np.random.default_rng(3).standard_normal((4, 400))
    for sigma_w2 in [1.0, 1.8, 3.0]:
        P = init.simulate(x, [400] * 30, sigma_w2=sigma_w2, sigma_b2=0.05, phi="tanh", n_networks=2,
                          tangent=True, seed=4)
        q_meas = P.q[:, 15:].mean()
        growth = np.exp(np.mean(np.log(P.tangent[:, 16:] / P.tangent[:, 15:-1])))
        assert q_meas == pytest.approx(init.fixed_point_q(sigma_w2, 0.05, "tanh"), rel=0.06)
        assert growth == pytest.approx(init.chi1(sigma_w2, 0.05, "tanh"), rel=0.06)


# ----------------------------------------------------------------------------- finite width

@pytest.mark.claim("thm-init-he")
def test_he_preserves_mean_squared_norm_naive_does_not():
    """Under He initialization the mean of ||h_L||^2/||h_0||^2 over 2000 networks equals 1 within three standard errors; naive U[-1/sqrt n, 1/sqrt n] shrinks it by orders of magnitude."""
    n, L, N = 64, 8, 2000
    x = np.random.default_rng(5).standard_normal((1, n))
    he = init.simulate(x, [n] * L, sigma_w2=2.0, phi="relu", n_networks=N, seed=6)
    ratio = he.sqnorm[:, -1, 0] / he.sqnorm[:, 0, 0]
    assert abs(ratio.mean() - 1.0) < 3 * ratio.std(ddof=1) / np.sqrt(N)
    naive = init.simulate(x, [n] * L, sigma_w2=1 / 3, phi="relu", n_networks=200, distribution="uniform", seed=6)
    naive_ratio = (naive.sqnorm[:, -1, 0] / naive.sqnorm[:, 0, 0]).mean()
    assert naive_ratio < 1e-5  # the theory says 6**-8 = 6e-7
    assert naive_ratio == pytest.approx(6.0**-L, rel=0.2)


@pytest.mark.claim("thm-init-hanin")
@pytest.mark.parametrize("n, L, N", [(32, 16, 3000), (48, 12, 2000)])
def test_log_norm_variance_is_five_beta(n, L, N):
    """The variance of log(||h_L||^2/||h_0||^2) over independent He ReLU networks matches the exact finite-width value within 4 standard errors, and 5L/n up to the O(1/n^2) terms plus 4 standard errors (at most 25% here)."""
    x = np.random.default_rng(n).standard_normal((1, n))
    P = init.simulate(x, [n] * L, sigma_w2=2.0, phi="relu", n_networks=N, seed=L)
    logs = np.log(P.sqnorm[:, -1, 0] / P.sqnorm[:, 0, 0])
    assert np.all(np.isfinite(logs))  # no layer died (probability < L N 2^-n)
    dev = logs - logs.mean()
    var = dev.var(ddof=1)
    se = np.sqrt((np.mean(dev**4) - np.mean(dev**2) ** 2) / N)  # standard error of a sample variance
    assert se < 0.04 * var
    exact = init.relu_log_norm_variance([n] * L)
    first_order = 5 * L / n
    assert abs(var - exact) < 4 * se
    assert abs(var - first_order) < abs(exact - first_order) + 4 * se
    assert var == pytest.approx(first_order, rel=0.25)


def test_exact_log_variance_tends_to_five_over_n():
    """n * Var log S_n tends to 5, with an error of order 1/n."""
    errs = [abs(n * init.relu_log_norm_variance([n]) - 5.0) for n in (50, 100, 200, 400)]
    assert errs[-1] < 0.05
    assert errs[0] / errs[-1] == pytest.approx(8.0, rel=0.2)


def test_exact_log_norm_mean():
    """The exact mean of log(||h_L||^2/||x||^2) matches simulation (4 s.e.) and tends to log(n_L/n_0) - 5 beta/2."""
    n, L, N = 24, 10, 1500
    x = np.random.default_rng(11).standard_normal((1, n))
    P = init.simulate(x, [n] * L, sigma_w2=2.0, phi="relu", n_networks=N, seed=12)
    logs = np.log(P.sqnorm[:, -1, 0] / P.sqnorm[:, 0, 0])
    assert abs(logs.mean() - init.relu_log_norm_mean([n] * L)) < 4 * logs.std(ddof=1) / np.sqrt(N)
    big = [400, 800]
    assert init.relu_log_norm_mean(big, n0=200) == pytest.approx(np.log(4) - 2.5 * (1 / 400 + 1 / 800), abs=1e-4)


def test_second_moment_product_formula():
    """E[(||h_L||^2/||h_0||^2)^2] equals prod (1 + 5/n_l) for He ReLU networks (Monte Carlo, 4 s.e.)."""
    n, L, N = 32, 4, 4000
    x = np.random.default_rng(9).standard_normal((1, n))
    P = init.simulate(x, [n] * L, sigma_w2=2.0, phi="relu", n_networks=N, seed=10)
    r2 = (P.sqnorm[:, -1, 0] / P.sqnorm[:, 0, 0]) ** 2
    assert abs(r2.mean() - (1 + 5 / n) ** L) < 4 * r2.std(ddof=1) / np.sqrt(N)


# ----------------------------------------------------------------------------- bad input

def test_bad_input():
    """Non-positive fans, negative variances, unknown activations and bad seeds raise errors naming the argument."""
    with pytest.raises(ValueError, match="fan_in"):
        init.he_normal(0, 3, generator=0)
    with pytest.raises(ValueError, match="fan_out"):
        init.glorot_uniform(3, -1, generator=0)
    with pytest.raises(TypeError, match="fan_in"):
        init.glorot_uniform(2.5, 3, generator=0)
    with pytest.raises(TypeError, match="generator"):
        init.he_normal(3, 3, generator="seed")
    with pytest.raises(ValueError, match="sigma_w2"):
        init.length_map(1.0, -1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match="sigma_b2"):
        init.chi1(1.0, -0.1, "tanh")
    with pytest.raises(ValueError, match="phi"):
        init.fixed_point_q(1.0, 0.1, "sigmoid")
    with pytest.raises(TypeError, match="phi"):
        init.length_map(1.0, 1.0, 0.0, 3.0)
    with pytest.raises(ValueError, match="q"):
        init.length_map(-1.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match="c must"):
        init.correlation_map(1.5, 1.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match="q_star"):
        init.correlation_map(0.5, 0.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match="widths"):
        init.simulate(np.ones((1, 3)), [4, 0], sigma_w2=2.0, seed=0)
    with pytest.raises(ValueError, match="distribution"):
        init.simulate(np.ones((1, 3)), [4], sigma_w2=2.0, distribution="cauchy", seed=0)
    with pytest.raises(ValueError, match="no depth scale"):
        init.depth_scale(3.0, 0.0, "relu")
