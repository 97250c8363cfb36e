"""Tests of nnmath.initialization: initializers, mean-field maps, finite-width fluctuations.

Every claim test follows "Checks that can fail": the check is a small function of the test
file, it is run on the package and on a plausible wrong variant (a function named
``_wrong_...``, kept here), and the test asserts that the check accepts the first and rejects
the second. Monte Carlo tolerances are in standard errors from independent replicates.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, special

from nnmath import initialization as init


def relu(u):
    return np.maximum(u, 0.0)


def _z_score(samples, predicted) -> float:
    """|mean - predicted| in standard errors of the mean of independent samples."""
    samples = np.asarray(samples, dtype=float)
    return abs(samples.mean() - predicted) / (samples.std(ddof=1) / np.sqrt(samples.size))


def _mean_matches(samples, predicted, z: float = 4.0) -> bool:
    return _z_score(samples, predicted) < z


# ----------------------------------------------------------------------------- initializers

def _wrong_he_fan_out(fan_in, fan_out, *, generator):
    """He initialization with the fan-out in the variance: N(0, 2/fan_out)."""
    return np.random.default_rng(generator).standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_out)


def _wrong_lecun_fan_out(fan_in, fan_out, *, generator):
    """LeCun initialization with the fan-out in the variance."""
    return np.random.default_rng(generator).standard_normal((fan_out, fan_in)) / np.sqrt(fan_out)


def _wrong_glorot_transposed(fan_in, fan_out, *, generator):
    """Glorot initialization returned with shape (fan_in, fan_out)."""
    return init.glorot_uniform(fan_in, fan_out, generator=generator).T


def _initializer_ok(fn, fan_in, fan_out, var) -> bool:
    """Shape (fan_out, fan_in), mean 0 (4 s.e.) and variance within 3% (relative s.e. of the sample variance <= 0.6%)."""
    W = fn(fan_in, fan_out, generator=np.random.default_rng(0))
    if W.shape != (fan_out, fan_in):
        return False
    return abs(W.mean()) < 4 * np.sqrt(var / W.size) and abs(W.var() / var - 1) < 0.03


@pytest.mark.parametrize("fan_in, fan_out", [(300, 200), (50, 400)])
def test_initializer_shapes_and_variances(fan_in, fan_out):
    """The empirical variances of the initializers equal 1/(3 n_in), 2/(n_in + n_out), 1/n_in and 2/n_in, and fan-in/fan-out swaps fail the same check."""
    cases = [(init.naive_uniform, 1 / (3 * fan_in)), (init.glorot_uniform, 2 / (fan_in + fan_out)),
             (init.lecun_normal, 1 / fan_in), (init.he_normal, 2 / fan_in)]
    for fn, var in cases:
        assert _initializer_ok(fn, fan_in, fan_out, var)
    a = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(init.glorot_uniform(fan_in, fan_out, generator=1)).max() <= a
    # negative controls: the fan-out in place of the fan-in, a transposed matrix
    assert not _initializer_ok(_wrong_he_fan_out, fan_in, fan_out, 2 / fan_in)
    assert not _initializer_ok(_wrong_lecun_fan_out, fan_in, fan_out, 1 / fan_in)
    assert not _initializer_ok(_wrong_glorot_transposed, fan_in, fan_out, 2 / (fan_in + fan_out))


@pytest.mark.parametrize("fan_in, fan_out", [(7, 7), (5, 9), (9, 5)])
def test_orthogonal_initializer(fan_in, fan_out):
    """orthogonal returns shape (fan_out, fan_in) with orthonormal rows or columns times the gain, and its law is invariant under rotations (first-row mean of |W_11|^2 = 1/n)."""
    W = init.orthogonal(fan_in, fan_out, generator=3, gain=1.5)
    assert W.shape == (fan_out, fan_in)
    small = min(fan_in, fan_out)
    G = W @ W.T if fan_out <= fan_in else W.T @ W
    np.testing.assert_allclose(G, 1.5**2 * np.eye(small), atol=1e-12)
    # Haar: W_11^2 has mean 1/max(fan_in, fan_out); without the sign correction of R it does not
    rng = np.random.default_rng(4)
    vals = np.array([init.orthogonal(fan_in, fan_out, generator=rng)[0, 0] for _ in range(3000)])
    assert _mean_matches(vals**2, 1 / max(fan_in, fan_out))
    assert _mean_matches(vals, 0.0)


def _wrong_orthogonal_no_sign_fix(fan_in, fan_out, *, generator):
    """QR without the sign correction: orthogonal, but not Haar (numpy's R has a negative diagonal convention bias)."""
    big, small = max(fan_in, fan_out), min(fan_in, fan_out)
    Q, _ = np.linalg.qr(np.random.default_rng(generator).standard_normal((big, small)))
    return Q if fan_out >= fan_in else Q.T


def test_orthogonal_follows_the_documented_construction():
    """orthogonal(fan_in, fan_out) is gain * Q diag(sign diag R) for G = QR, G of shape (max, min) drawn from the generator, returned as is when fan_out >= fan_in (a square matrix included) and transposed otherwise."""
    for fan_in, fan_out in [(4, 4), (3, 5), (5, 3)]:
        W = init.orthogonal(fan_in, fan_out, generator=np.random.default_rng(8), gain=0.7)
        G = np.random.default_rng(8).standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
        Q, R = np.linalg.qr(G)
        Q = Q @ np.diag(np.sign(np.diag(R)))
        np.testing.assert_allclose(W, 0.7 * (Q if fan_out >= fan_in else Q.T), rtol=1e-13, atol=1e-15)


def test_orthogonal_negative_control_without_sign_fix():
    """Without the sign correction the (1,1) entry of Q is biased (its mean is not 0), which the Haar check rejects."""
    rng = np.random.default_rng(5)
    vals = np.array([_wrong_orthogonal_no_sign_fix(6, 6, generator=rng)[0, 0] for _ in range(3000)])
    assert not _mean_matches(vals, 0.0)


def test_initializers_are_seeded():
    """The same integer seed gives the same matrix."""
    np.testing.assert_array_equal(init.he_normal(5, 3, generator=7), init.he_normal(5, 3, generator=7))
    np.testing.assert_array_equal(init.orthogonal(5, 3, generator=7), init.orthogonal(5, 3, generator=7))


@pytest.mark.claim("lem-init-moments")
def test_second_moments_of_a_random_layer():
    r"""For $W$ ($m\times n$, $m \ne n$) with i.i.d. centred entries of variance $v$, $\E\norm{Wh}^2 = mv\norm{h}^2$ and $\E\norm{W^\top g}^2 = nv\norm{g}^2$ (Monte Carlo, 4 s.e.); the fan-swapped formulas are rejected."""
    rng = np.random.default_rng(2)
    m, n, trials = 20, 50, 5000
    h, g = rng.standard_normal(n), rng.standard_normal(m)
    W = rng.uniform(-1, 1, size=(trials, m, n))  # variance v = 1/3, not Gaussian
    fwd = np.sum((W @ h) ** 2, axis=1)
    bwd = np.sum((np.swapaxes(W, 1, 2) @ g) ** 2, axis=1)
    assert _mean_matches(fwd, m / 3 * h @ h)
    assert _mean_matches(bwd, n / 3 * g @ g)
    # negative control: the dimensions swapped
    assert not _mean_matches(fwd, n / 3 * h @ h)
    assert not _mean_matches(bwd, m / 3 * g @ g)


@pytest.mark.claim("prop-init-glorot")
def test_glorot_forward_backward_variances():
    r"""In a linear layer with Glorot weights, $\E\norm{Wx}^2/n_{\mathrm{out}} = \frac{2n_{\mathrm{in}}}{n_{\mathrm{in}} + n_{\mathrm{out}}}\norm{x}^2/n_{\mathrm{in}}$ and $\E\norm{W^\top g}^2/n_{\mathrm{in}} = \frac{2n_{\mathrm{out}}}{n_{\mathrm{in}} + n_{\mathrm{out}}}\norm{g}^2/n_{\mathrm{out}}$; the swapped factors are rejected."""
    rng = np.random.default_rng(1)
    n_in, n_out, trials = 30, 90, 4000
    x, g = rng.standard_normal(n_in), rng.standard_normal(n_out)
    fwd = np.empty(trials)
    bwd = np.empty(trials)
    for t in range(trials):
        W = init.glorot_uniform(n_in, n_out, generator=rng)
        fwd[t] = np.sum((W @ x) ** 2) / n_out / (np.sum(x**2) / n_in)
        bwd[t] = np.sum((W.T @ g) ** 2) / n_in / (np.sum(g**2) / n_out)
    forward, backward = 2 * n_in / (n_in + n_out), 2 * n_out / (n_in + n_out)
    assert _mean_matches(fwd, forward) and _mean_matches(bwd, backward)
    assert not _mean_matches(fwd, backward) and not _mean_matches(bwd, forward)


# ----------------------------------------------------------------------------- symmetry breaking

def _rows_stay_equal(run, tol=1e-12) -> bool:
    """All hidden units have the same incoming weights, bias and outgoing weight (to tol)."""
    return (np.max(np.abs(run.W1 - run.W1[0])) <= tol and np.max(np.abs(run.b1 - run.b1[0])) <= tol
            and np.max(np.abs(run.w2 - run.w2[0])) <= tol)


@pytest.mark.claim("prop-init-symmetry")
def test_equal_units_stay_equal_under_gradient_descent():
    """Hidden units with equal incoming and outgoing weights stay equal (to 1e-12) under 200 GD steps while the loss decreases; equal incoming but unequal outgoing weights, or a random start, separate them."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = np.sin(X @ np.array([1.0, -2.0, 0.5]))
    m = 6
    W1, b1, w2 = np.full((m, 3), 0.3), np.full(m, 0.1), np.full(m, 0.2)
    run = init.train_two_layer(X, y, W1, b1, w2, steps=200, lr=0.2)
    assert _rows_stay_equal(run)
    assert run.loss[-1] < 0.9 * run.loss[0]
    # negative controls: the hypothesis needs equal outgoing weights too; a random start breaks symmetry
    w2_unequal = np.linspace(0.1, 0.3, m)
    assert not _rows_stay_equal(init.train_two_layer(X, y, W1, b1, w2_unequal, steps=200, lr=0.2), tol=1e-3)
    rand = init.train_two_layer(X, y, rng.standard_normal((m, 3)), np.zeros(m), rng.standard_normal(m) / m,
                                steps=200, lr=0.2)
    assert not _rows_stay_equal(rand, tol=1e-3)


def test_two_layer_gradient_descent_matches_finite_differences():
    """One GD step of train_two_layer equals theta - lr * (central finite-difference gradient) to 1e-8."""
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((10, 2)), rng.standard_normal(10)
    W1, b1, w2 = rng.standard_normal((3, 2)), rng.standard_normal(3), rng.standard_normal(3)
    theta = np.concatenate([W1.ravel(), b1, w2])

    def loss(t):
        W, b, a = t[:6].reshape(3, 2), t[6:9], t[9:]
        return 0.5 * np.mean((np.tanh(X @ W.T + b) @ a - y) ** 2)

    grad = np.array([(loss(theta + 1e-6 * e) - loss(theta - 1e-6 * e)) / 2e-6 for e in np.eye(theta.size)])
    run = init.train_two_layer(X, y, W1, b1, w2, steps=1, lr=0.1)
    np.testing.assert_allclose(np.concatenate([run.W1.ravel(), run.b1, run.w2]), theta - 0.1 * grad, atol=1e-8)
    assert run.loss[0] == pytest.approx(loss(theta), rel=1e-12)


# ----------------------------------------------------------------------------- quadrature

def _gauss_quad(f, q):
    """E f(sqrt(q) z) by adaptive quadrature on the real line (scipy), for an even or general f."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return integrate.quad(lambda z: f(np.sqrt(q) * z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi),
                              -40, 40, epsabs=1e-15, epsrel=1e-13, limit=500, points=[0.0])[0]


@pytest.mark.parametrize("q", [0.05, 0.5, 1.0, 3.0])
def test_quadrature_against_adaptive_integration(q):
    """Gauss-Hermite expectations of tanh^2 and sech^4 agree with adaptive quadrature to 1e-9 and 1e-7 (q <= 3)."""
    assert init.length_map(q, 1.0, 0.0, "tanh") == pytest.approx(_gauss_quad(lambda u: np.tanh(u) ** 2, q), rel=1e-9)
    assert init.gauss_mean(lambda u: np.cosh(u) ** -4, q) == pytest.approx(_gauss_quad(lambda u: np.cosh(u) ** -4, q),
                                                                           rel=1e-7)


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
    assert _gauss_quad(lambda u: sigma_w2 * np.tanh(u) ** 2 + sigma_b2, q) == pytest.approx(q, rel=1e-9)
    assert init.fixed_point_q(1.2, 0.3, "relu") == pytest.approx(0.3 / 0.4)
    assert init.fixed_point_q(2.5, 0.1, "relu") == np.inf
    assert init.fixed_point_q(0.9, 0.0, "tanh") == 0.0  # ordered phase without bias: lengths die
    assert init.fixed_point_q(1.0, 0.0, "tanh") == 0.0  # critical without bias: q_l ~ 1/(2 l) -> 0


def _V_ref(q, sigma_w2, sigma_b2):
    """Independent tanh length map: adaptive quadrature of sigma_w^2 tanh(sqrt(q) z)^2 + sigma_b^2."""
    return sigma_w2 * _gauss_quad(lambda u: np.tanh(u) ** 2, q) + sigma_b2


def _wrong_V_missing_bias(q, sigma_w2, sigma_b2):
    """The length map without the bias variance."""
    return sigma_w2 * _gauss_quad(lambda u: np.tanh(u) ** 2, q)


def _wrong_V_q_not_sqrt_q(q, sigma_w2, sigma_b2):
    """The length map with phi(q z) in place of phi(sqrt(q) z) (variance and standard deviation confused)."""
    return sigma_w2 * _gauss_quad(lambda u: np.tanh(u) ** 2, q * q) + sigma_b2


def _iterate(V, q1, sigma_w2, sigma_b2, L):
    q = [q1]
    for _ in range(L - 1):
        q.append(V(q[-1], sigma_w2, sigma_b2))
    return np.array(q)


@pytest.mark.claim("thm-init-length-map")
def test_length_map_predicts_wide_networks():
    r"""In 60 independent tanh networks of width 400, the mean of $\norm{z_l}^2/n$ at layers 1 to 6 matches the length map iterated by adaptive quadrature within 4 standard errors, and a length map without the bias or with $\phi(qz)$ is rejected."""
    sigma_w2, sigma_b2, n, L, N = 1.8, 0.3, 400, 6, 60
    x = np.random.default_rng(3).standard_normal((1, n))
    x *= np.sqrt(3.0 * n) / np.linalg.norm(x)  # ||x||^2 / n = 3
    q1 = sigma_w2 * 3.0 + sigma_b2
    P = init.simulate(x, [n] * L, sigma_w2=sigma_w2, sigma_b2=sigma_b2, phi="tanh", n_networks=N, seed=4)
    samples = P.q[:, :, 0]  # (networks, layers), independent rows

    def check(V):
        pred = _iterate(V, q1, sigma_w2, sigma_b2, L)
        return all(_mean_matches(samples[:, l], pred[l]) for l in range(L))

    assert check(_V_ref)
    # the package's length map agrees with the independent one
    np.testing.assert_allclose(_iterate(lambda q, a, b: init.length_map(q, a, b, "tanh"), q1, sigma_w2, sigma_b2, L),
                               _iterate(_V_ref, q1, sigma_w2, sigma_b2, L), rtol=1e-6)  # q1 = 5.7 > 3: see the docstring
    assert not check(_wrong_V_missing_bias)
    assert not check(_wrong_V_q_not_sqrt_q)


def _wrong_chi1_square_outside(sigma_w2, sigma_b2):
    """sigma_w^2 (E phi'(sqrt(q*) z))^2: the square outside the expectation."""
    q = init.fixed_point_q(sigma_w2, sigma_b2, "tanh")
    return sigma_w2 * init.gauss_mean(lambda u: np.cosh(u) ** -2, q) ** 2


def _wrong_chi1_unscaled(sigma_w2, sigma_b2):
    """sigma_w^2 E phi'(z)^2: the fixed point q* forgotten."""
    return sigma_w2 * init.gauss_mean(lambda u: np.cosh(u) ** -4, 1.0)


@pytest.mark.claim("thm-init-chi1")
@pytest.mark.parametrize("sigma_w2, sigma_b2", [(0.8, 0.05), (1.5, 0.1), (3.0, 0.3)])
def test_correlation_map_slope_is_chi1(sigma_w2, sigma_b2):
    r"""$C(1) = 1$ at the fixed point, the one-sided derivative of the correlation map at $c = 1$ equals $\chi_1$ (rel. 1e-5, wrong $\chi_1$ formulas rejected), and $C$ is convex increasing on $[0, 1]$."""
    q = init.fixed_point_q(sigma_w2, sigma_b2, "tanh")
    assert init.correlation_map(1.0, q, sigma_w2, sigma_b2, "tanh") == pytest.approx(1.0, abs=1e-10)
    h = 1e-4
    c = np.array([1 - 2 * h, 1 - h, 1.0])
    C = init.correlation_map(c, q, sigma_w2, sigma_b2, "tanh")
    slope = (3 * C[2] - 4 * C[1] + C[0]) / (2 * h)  # second-order one-sided difference

    def check(chi):
        return abs(slope / chi - 1) < 1e-5

    assert check(init.chi1(sigma_w2, sigma_b2, "tanh"))
    assert not check(_wrong_chi1_square_outside(sigma_w2, sigma_b2))
    assert not check(_wrong_chi1_unscaled(sigma_w2, sigma_b2))
    grid = np.linspace(0, 1, 21)
    Cg = init.correlation_map(grid, q, sigma_w2, sigma_b2, "tanh")
    assert np.all(np.diff(Cg) > 0)
    assert np.all(np.diff(Cg, 2) > -1e-12)


def _relu_correlations(sigma_w2, widths, seed):
    """Cosine of the angle between the pre-activations of two inputs, layer by layer, in one zero-bias ReLU network."""
    rng = np.random.default_rng(seed)
    n0 = 64
    x = np.stack([np.ones(n0), np.r_[np.ones(n0 // 2), -np.ones(n0 // 2)] * 0.2 + 1.0])  # correlated inputs
    h, cs, fan_in = x.T, [], n0
    for n in widths:
        z = rng.standard_normal((n, fan_in)) * np.sqrt(sigma_w2 / fan_in) @ h
        cs.append(z[:, 0] @ z[:, 1] / np.linalg.norm(z[:, 0]) / np.linalg.norm(z[:, 1]))
        h, fan_in = relu(z), n
    return np.array(cs)


def _wrong_relu_depth_scale_ignores_zero_fixed_point(sigma_w2, sigma_b2):
    """The old depth_scale: -1/log(sigma_w^2/2) whatever the fixed point (1/log 2 at sigma_w^2 = 1)."""
    return -1.0 / np.log(sigma_w2 / 2.0)


@pytest.mark.claim("cor-init-relu-critical")
def test_relu_criticality():
    r"""For ReLU, $\chi_1 = \sigma_w^2/2$ wherever a fixed point exists (for every $\sigma_b^2$), $\chi_1$ is refused without a fixed point, and the only critical point is $(2, 0)$; a critical line at $\sigma_w^2 = 2$ for $\sigma_b^2 > 0$ is rejected."""
    assert init.chi1(2, 0, "relu") == 1.0
    assert init.chi1(1.5, 0.3, "relu") == 0.75
    assert init.chi1(1.0, 0.1, "relu") == 0.5
    # independent reference: E[1{sqrt(q*) z > 0}] by Monte Carlo at the fixed point of the closed-form length map
    z = np.random.default_rng(0).standard_normal(200000)
    for s2, b2 in [(1.5, 0.3), (0.7, 1.0)]:
        q_star = b2 / (1 - s2 / 2)
        assert _z_score(s2 * (np.sqrt(q_star) * z > 0), init.chi1(s2, b2, "relu")) < 4
    for s2, b2 in [(2.0, 0.5), (2.5, 0.0), (3.0, 0.1)]:
        with pytest.raises(ValueError, match="no finite fixed point"):
            init.chi1(s2, b2, "relu")
        assert init.fixed_point_q(s2, b2, "relu") == np.inf  # the reason: the lengths diverge
    assert init.depth_scale(2, 0, "relu") == np.inf
    assert init.critical_sigma_w2(0.0, "relu") == 2.0
    with pytest.raises(ValueError, match="no critical point"):
        init.critical_sigma_w2(0.3, "relu")
    assert init.depth_scale(1.0, 0.1, "relu") == pytest.approx(1 / np.log(2))  # q* > 0: ordered, xi_c = 1/log 2
    # negative control: on the supposed critical line (2, sigma_b^2 > 0) the lengths grow linearly, so it is not a fixed point
    q = 1.0
    for _ in range(50):
        q = init.length_map(q, 2.0, 0.1, "relu")
    assert q == pytest.approx(1.0 + 50 * 0.1)


@pytest.mark.claim("prop-init-relu-zero-bias")
def test_relu_zero_bias_correlations_do_not_depend_on_sigma_w2():
    r"""In zero-bias ReLU networks the layer-by-layer correlations of two inputs are the same for $\sigma_w^2 = 1$ and 2 (same draws, to 1e-12) and follow the critical arc-cosine map, so `depth_scale` refuses $q^* = 0$; the old depth scale $1/\log 2$ (geometric rate $2^{-l}$) is rejected."""
    with pytest.raises(ValueError, match="q\\* = 0"):
        init.depth_scale(1.0, 0.0, "relu")
    with pytest.raises(ValueError, match="q\\* = 0"):
        init.depth_scale(1.5, 0.0, "relu")
    assert init.fixed_point_q(1.0, 0.0, "relu") == 0.0
    widths = [500] * 20
    c1, c2 = _relu_correlations(1.0, widths, seed=8), _relu_correlations(2.0, widths, seed=8)
    np.testing.assert_allclose(c1, c2, atol=1e-12)
    c_other = _relu_correlations(1.0, widths, seed=9)  # another draw: not identical, so the equality above is not trivial
    assert np.max(np.abs(c_other - c1)) > 1e-6
    gap0 = 1 - c1[0]
    mf = [c1[0]]
    for _ in widths[1:]:
        mf.append(init.correlation_map(mf[-1], 1.0, 2.0, 0.0, "relu"))
    mf = np.array(mf)

    def check(pred_gap):
        return abs(np.log((1 - c1[-1]) / pred_gap)) < np.log(1.5)

    assert check(1 - mf[-1])
    xi_wrong = _wrong_relu_depth_scale_ignores_zero_fixed_point(1.0, 0.0)
    assert not check(gap0 * np.exp(-(len(widths) - 1) / xi_wrong))
    # lengths do scale: sigma_w^2 = 1 halves them per layer (xi_q = 1/log 2)
    assert init.length_depth_scale(1.0, 0.0, "relu") == pytest.approx(1 / np.log(2))


def test_tanh_critical_line_and_depth_scale():
    """On the tanh critical line chi1 = 1 (at sigma_b^2 = 0 it is sigma_w^2 = 1); the depth scale blows up near it; at q* = 0 it is refused."""
    assert init.critical_sigma_w2(0.0, "tanh") == pytest.approx(1.0, abs=1e-6)
    s = init.critical_sigma_w2(0.05, "tanh")
    assert init.chi1(s, 0.05, "tanh") == pytest.approx(1.0, abs=1e-9)
    assert init.depth_scale(0.5, 0.05) == pytest.approx(-1 / np.log(init.chi1(0.5, 0.05)))
    assert init.depth_scale(s * 0.97, 0.05) > 10 * init.depth_scale(0.5, 0.05)
    assert init.depth_scale(s * 1.03, 0.05) > init.depth_scale(4.0, 0.05) > 0
    for s2 in (0.5, 1.0):
        with pytest.raises(ValueError, match="q\\* = 0"):
            init.depth_scale(s2, 0.0, "tanh")


# ----------------------------------------------------------------------------- depth scales of lengths and gradients

def _V_slope_ref(q, sigma_w2, sigma_b2, h=1e-4):
    """V'(q) by central differences of the adaptive-quadrature length map."""
    return (_V_ref(q + h, sigma_w2, sigma_b2) - _V_ref(q - h, sigma_w2, sigma_b2)) / (2 * h)


def _wrong_length_slope_is_chi1(q, sigma_w2, sigma_b2):
    """V'(q*) = chi1, i.e. xi_q = xi_c (the phi phi'' term dropped)."""
    return sigma_w2 * init.gauss_mean(lambda u: np.cosh(u) ** -4, q)


def _wrong_length_slope_missing_half(q, sigma_w2, sigma_b2):
    """The variance-derivative formula without its factor 1/2."""
    return 2 * init.length_map_slope(q, sigma_w2, sigma_b2, "tanh")


@pytest.mark.claim("prop-init-xi-q")
@pytest.mark.parametrize("sigma_w2, sigma_b2", [(0.8, 0.05), (1.4, 0.2), (2.5, 0.05)])
def test_length_map_slope_and_xi_q(sigma_w2, sigma_b2):
    r"""$V'(q^*)$ matches central differences of an independently integrated length map (rel. 1e-6), the iterates approach $q^*$ at that rate, $V'(q^*) < \chi_1$ so $\xi_q < \xi_c$ in the ordered phase, and $V'(q^*) = \chi_1$ or a missing $1/2$ is rejected."""
    q = init.fixed_point_q(sigma_w2, sigma_b2, "tanh")
    ref = _V_slope_ref(q, sigma_w2, sigma_b2)

    def check(slope):
        return abs(slope / ref - 1) < 1e-6

    assert check(init.length_map_slope(q, sigma_w2, sigma_b2, "tanh"))
    assert not check(_wrong_length_slope_is_chi1(q, sigma_w2, sigma_b2))
    assert not check(_wrong_length_slope_missing_half(q, sigma_w2, sigma_b2))
    # the independently iterated length map converges at the rate exp(-1/xi_q)
    qs = _iterate(_V_ref, 2.0 * q, sigma_w2, sigma_b2, 12)
    rates = (qs[1:] - q) / (qs[:-1] - q)
    assert rates[-1] == pytest.approx(np.exp(-1 / init.length_depth_scale(sigma_w2, sigma_b2)), rel=1e-2)
    chi = init.chi1(sigma_w2, sigma_b2, "tanh")
    assert ref < chi
    if chi < 1:
        assert init.length_depth_scale(sigma_w2, sigma_b2) < init.depth_scale(sigma_w2, sigma_b2)


def test_xi_q_finite_at_criticality_and_gradient_scale():
    """At criticality xi_q is finite while xi_c and xi_grad are infinite; in the chaotic phase xi_grad = 1/log chi1, which differs from xi_c."""
    s = init.critical_sigma_w2(0.05, "tanh")
    assert np.isfinite(init.length_depth_scale(s, 0.05))
    assert init.gradient_depth_scale(0.5, 0.05) == pytest.approx(init.depth_scale(0.5, 0.05))
    chi = init.chi1(4.0, 0.05)
    assert init.gradient_depth_scale(4.0, 0.05) == pytest.approx(1 / np.log(chi))
    assert abs(init.gradient_depth_scale(4.0, 0.05) / init.depth_scale(4.0, 0.05) - 1) > 0.2
    assert init.length_depth_scale(1.0, 0.0, "relu") == pytest.approx(1 / np.log(2))  # lengths halve per layer
    assert init.length_map_slope(0.0, 0.7, 0.0, "tanh") == pytest.approx(0.7)


def _growth_per_network(P, first):
    """Arithmetic means over layers >= first of the per-layer forward and backward growth factors, one per network."""
    fwd = (P.tangent[:, first + 1:, 0] / P.tangent[:, first:-1, 0]).mean(axis=1)
    bwd = (P.backward[:, first - 1:-1, 0] / P.backward[:, first:, 0]).mean(axis=1)
    return fwd, bwd


def _wrong_growth_sqrt_chi1(sigma_w2, sigma_b2):
    """sqrt(chi1): the factor of norms, not of squared norms."""
    return np.sqrt(init.chi1(sigma_w2, sigma_b2, "tanh"))


def _wrong_chaotic_gradient_rate_from_xi_c(sigma_w2, sigma_b2):
    """exp(+1/xi_c): the chaotic-phase gradient growth taken from the correlation depth scale."""
    return np.exp(1.0 / init.depth_scale(sigma_w2, sigma_b2, "tanh"))


def _wrong_growth_from_xi_q(sigma_w2, sigma_b2):
    """exp(-1/xi_q) = V'(q*): the rate of lengths, not of tangents and gradients."""
    return np.exp(-1.0 / init.length_depth_scale(sigma_w2, sigma_b2, "tanh"))


@pytest.mark.claim("prop-init-chi1-growth")
@pytest.mark.parametrize("sigma_w2, N", [(0.8, 12), (3.5, 24)])
def test_forward_and_backward_growth_is_chi1(sigma_w2, N):
    r"""In 12 (ordered) or 24 (chaotic) independent tanh networks of width 200 and depth 16, the mean per-layer growth of squared tangent norms (forward) and of backpropagated squared gradient norms (same weights) matches $\chi_1$ within 4 standard errors; $\sqrt{\chi_1}$, $V'(q^*)$ and the $\xi_c$-based chaotic rate are rejected."""
    sigma_b2 = 0.05
    x = np.random.default_rng(2).standard_normal((1, 200))
    P = init.simulate(x, [200] * 16, sigma_w2=sigma_w2, sigma_b2=sigma_b2, phi="tanh", n_networks=N, tangent=True,
                      backward="same", seed=1)
    fwd, bwd = _growth_per_network(P, first=8)
    chi = init.chi1(sigma_w2, sigma_b2, "tanh")
    assert _mean_matches(fwd, chi) and _mean_matches(bwd, chi)
    for w in [_wrong_growth_sqrt_chi1(sigma_w2, sigma_b2), _wrong_growth_from_xi_q(sigma_w2, sigma_b2)]:
        assert not _mean_matches(bwd, w)
        assert not _mean_matches(fwd, w)
    if chi > 1:  # gradients explode at the rate chi1, not at exp(1/xi_c)
        assert not _mean_matches(bwd, _wrong_chaotic_gradient_rate_from_xi_c(sigma_w2, sigma_b2))


def test_backward_with_independent_weights_matches_same_weights():
    """The backward growth with an independent copy of the weights (gradient independence) agrees with the true backward pass within 4 combined standard errors."""
    x = np.random.default_rng(2).standard_normal((1, 200))
    kw = dict(sigma_w2=1.5, sigma_b2=0.05, phi="tanh", n_networks=8)
    same = init.simulate(x, [200] * 16, backward="same", seed=3, **kw)
    ind = init.simulate(x, [200] * 16, backward="independent", seed=4, **kw)
    a = (same.backward[:, 4:-1, 0] / same.backward[:, 5:, 0]).mean(axis=1)
    b = (ind.backward[:, 4:-1, 0] / ind.backward[:, 5:, 0]).mean(axis=1)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) < 4 * se


# ----------------------------------------------------------------------------- finite width

def _simulate_he_relu_fan_out(x, widths, n_networks, seed):
    """A wrong simulator: He ReLU networks whose weight variance uses the fan-out 2/n_l."""
    rng = np.random.default_rng(seed)
    h = np.broadcast_to(x.T, (n_networks, x.shape[1], 1))
    fan_in = x.shape[1]
    for n in widths:
        h = relu(rng.standard_normal((n_networks, n, fan_in)) * np.sqrt(2.0 / n) @ h)
        fan_in = n
    return np.sum(h[:, :, 0] ** 2, axis=1) / np.sum(x**2)


@pytest.mark.claim("thm-init-he")
def test_he_preserves_mean_squared_norm_unequal_widths():
    r"""For He ReLU networks with unequal widths, the mean of $\norm{h_L}^2/\norm{x}^2$ over 4000 networks equals $n_L/n_0$ within 4 standard errors; the fan-out scaling and the naive $\Unif[-1/\sqrt{n}, 1/\sqrt{n}]$ are rejected."""
    widths, n0, N = [16, 96, 24, 64, 40], 32, 4000
    x = np.random.default_rng(5).standard_normal((1, n0))
    he = init.simulate(x, widths, sigma_w2=2.0, phi="relu", n_networks=N, seed=6)
    ratio = he.sqnorm[:, -1, 0] / he.sqnorm[:, 0, 0]
    target = widths[-1] / n0
    assert _mean_matches(ratio, target)
    assert not _mean_matches(_simulate_he_relu_fan_out(x, widths, N, seed=6), target)
    naive = init.simulate(x, widths, sigma_w2=1 / 3, phi="relu", n_networks=1000, distribution="uniform", seed=6)
    naive_ratio = naive.sqnorm[:, -1, 0] / naive.sqnorm[:, 0, 0]
    assert not _mean_matches(naive_ratio, target)
    assert _mean_matches(naive_ratio, target * 6.0 ** -len(widths))  # the theorem's (sigma_w^2/2)^L


def _variance_and_se(logs):
    dev = logs - logs.mean()
    return dev.var(ddof=1), np.sqrt((np.mean(dev**4) - np.mean(dev**2) ** 2) / logs.size)


@pytest.mark.claim("thm-init-hanin")
@pytest.mark.parametrize("n, L, N", [(16, 8, 20000), (24, 6, 16000)])
def test_log_norm_variance_is_exact_finite_width_value(n, L, N):
    r"""The variance of $\log(\norm{h_L}^2/\norm{h_0}^2)$ over independent He ReLU networks matches $\sum_l v(n_l)$ within 4 standard errors (s.e. below 1.35%, so a 10% error is more than 7.4 s.e.); a 10% error and the first-order $5L/n$ are rejected."""
    x = np.random.default_rng(n).standard_normal((1, n))
    P = init.simulate(x, [n] * L, sigma_w2=2.0, phi="relu", n_networks=N, seed=L)
    with np.errstate(divide="ignore"):
        logs = np.log(P.sqnorm[:, -1, 0] / P.sqnorm[:, 0, 0])
    alive = np.isfinite(logs)  # the theorem conditions on no dead layer (probability 1 - L 2^-n per network)
    assert np.sum(~alive) < 10
    var, se = _variance_and_se(logs[alive])
    assert se < 0.0135 * var  # a 10% error is more than 7.4 standard errors: rejected unless a 3.4 s.e. fluctuation

    def check(pred):
        return abs(var - pred) < 4 * se

    exact = init.relu_log_norm_variance([n] * L)
    assert check(exact)
    assert not check(1.1 * exact) and not check(0.9 * exact)
    assert not check(5 * L / n)


def test_exact_log_variance_tends_to_five_over_n():
    """n * Var log S_n tends to 5, with an error of order 1/n."""
    errs = [abs(n * init.relu_log_norm_variance([n]) - 5.0) for n in (50, 100, 200, 400)]
    assert errs[-1] < 0.05
    assert errs[0] / errs[-1] == pytest.approx(8.0, rel=0.2)


def test_exact_log_norm_mean_unequal_widths():
    """The exact mean of log(||h_L||^2/||x||^2) matches simulation with unequal widths (4 s.e.), the fan-out variant is rejected, and it tends to log(n_L/n_0) - 5 beta/2."""
    widths, n0, N = [24, 12, 40, 20, 30], 16, 3000
    x = np.random.default_rng(11).standard_normal((1, n0))
    P = init.simulate(x, widths, sigma_w2=2.0, phi="relu", n_networks=N, seed=12)
    with np.errstate(divide="ignore"):
        logs = np.log(P.sqnorm[:, -1, 0] / P.sqnorm[:, 0, 0])
    logs = logs[np.isfinite(logs)]  # conditioned on no dead layer, as relu_log_norm_mean
    pred = init.relu_log_norm_mean(widths, n0=n0)
    assert _mean_matches(logs, pred)
    with np.errstate(divide="ignore"):
        wrong = np.log(_simulate_he_relu_fan_out(x, widths, N, seed=12))
    assert not _mean_matches(wrong[np.isfinite(wrong)], pred)
    big = [400, 800]
    assert init.relu_log_norm_mean(big, n0=200) == pytest.approx(np.log(4) - 2.5 * (1 / 400 + 1 / 800), abs=1e-4)


def test_second_moment_product_formula():
    """E[(||h_L||^2/||h_0||^2)^2] equals prod (1 + 5/n_l) for He ReLU networks (Monte Carlo, 4 s.e.)."""
    n, L, N = 32, 4, 4000
    x = np.random.default_rng(9).standard_normal((1, n))
    P = init.simulate(x, [n] * L, sigma_w2=2.0, phi="relu", n_networks=N, seed=10)
    r2 = (P.sqnorm[:, -1, 0] / P.sqnorm[:, 0, 0]) ** 2
    assert _mean_matches(r2, (1 + 5 / n) ** L)
    assert not _mean_matches(r2, (1 + 2 / n) ** L)  # the Gaussian (linear network) value


# ----------------------------------------------------------------------------- Jacobian spectra

LINEAR = (lambda u: u, lambda u: 1.0 + 0.0 * u)


def _wrong_m2_infinite_width(n, L):
    """The infinite-width limit L + 1 used at finite width."""
    return L + 1.0


def _wrong_m2_missing_cross_term(n, L):
    """The recursion without the (tr A)^2 / n term."""
    a = float(n)
    for _ in range(L):
        a = (1 + 1 / n) * a
    return a / n


@pytest.mark.claim("prop-init-linear-spectrum")
def test_linear_jacobian_spectrum():
    r"""For products of $L$ Gaussian $\Normal(0, 1/n)$ matrices the Monte Carlo means of $\tr(A)/n$ and $\tr(A^2)/n$ ($A = J^\top J$) match 1 and the exact recursion within 4 s.e., the infinite-width $L + 1$ and a recursion without the cross term are rejected, and orthogonal weights give singular values 1."""
    n, L, N = 8, 4, 20000
    rng = np.random.default_rng(0)
    J = np.broadcast_to(np.eye(n), (N, n, n)).copy()
    for _ in range(L):
        J = rng.standard_normal((N, n, n)) / np.sqrt(n) @ J
    A = np.swapaxes(J, 1, 2) @ J
    m1 = np.trace(A, axis1=1, axis2=2) / n
    m2 = np.einsum("kij,kji->k", A, A) / n
    e1, e2 = init.linear_jacobian_moments(n, L)
    assert _mean_matches(m1, e1) and _mean_matches(m2, e2)
    assert not _mean_matches(m2, _wrong_m2_infinite_width(n, L))
    assert not _mean_matches(m2, _wrong_m2_missing_cross_term(n, L))
    # the package's Jacobian: Gaussian has spread, orthogonal has none
    s = init.jacobian_singular_values(np.ones(n), [n] * L, sigma_w2=1.0, phi=LINEAR, distribution="orthogonal", seed=1)
    np.testing.assert_allclose(s, 1.0, atol=1e-12)
    g = init.jacobian_singular_values(np.ones(n), [n] * L, sigma_w2=1.0, phi=LINEAR, seed=1)
    assert g.max() / g.min() > 2


def _autograd_singular_values(x, widths, sigma_w2, sigma_b2, act, seed):
    """Singular values of torch.autograd's Jacobian of the Gaussian network that seed ``seed`` draws (replayed in order)."""
    import torch

    rng = np.random.default_rng(seed)
    layers, fan_in = [], len(x)
    for n in widths:
        W = rng.standard_normal((n, fan_in)) * np.sqrt(sigma_w2 / fan_in)
        b = np.sqrt(sigma_b2) * rng.standard_normal(n)
        layers.append((torch.tensor(W), torch.tensor(b)))
        fan_in = n

    def net(v):
        for W, b in layers:
            v = act(W @ v + b)
        return v

    Jt = torch.autograd.functional.jacobian(net, torch.tensor(x)).numpy()
    return np.linalg.svd(Jt, compute_uv=False)


def test_jacobian_singular_values_against_autograd():
    """jacobian_singular_values of a tanh network equals the singular values of torch.autograd's Jacobian of the same network."""
    import torch

    n0, widths, s2, b2 = 5, [6, 4, 7], 1.7, 0.1
    x = np.random.default_rng(0).standard_normal(n0)
    sv = init.jacobian_singular_values(x, widths, sigma_w2=s2, sigma_b2=b2, phi="tanh", seed=9)
    np.testing.assert_allclose(sv, _autograd_singular_values(x, widths, s2, b2, torch.tanh, 9), rtol=1e-12, atol=1e-14)


def test_large_width_second_moment_tends_to_L_plus_one():
    """The exact m2 tends to L + 1 as n grows, with an error of order 1/n."""
    L = 5
    errs = [init.linear_jacobian_moments(n, L)[1] - (L + 1) for n in (100, 200, 400)]
    assert errs[0] > errs[1] > errs[2] > 0
    assert errs[0] / errs[2] == pytest.approx(4.0, rel=0.05)


# ----------------------------------------------------------------------------- bad input

def test_bad_input():
    """Non-positive fans, negative variances, unknown activations and bad seeds raise errors naming the argument."""
    with pytest.raises(ValueError, match="fan_in"):
        init.he_normal(0, 3, generator=0)
    with pytest.raises(ValueError, match="fan_out"):
        init.glorot_uniform(3, -1, generator=0)
    with pytest.raises(TypeError, match="fan_in"):
        init.glorot_uniform(2.5, 3, generator=0)
    with pytest.raises(ValueError, match="fan_in"):
        init.lecun_normal(0, 3, generator=0)
    with pytest.raises(TypeError, match="generator"):
        init.he_normal(3, 3, generator="seed")
    with pytest.raises(ValueError, match="gain"):
        init.orthogonal(3, 3, generator=0, gain=0.0)
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
    with pytest.raises(ValueError, match="q"):
        init.length_map_slope(-1.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match="c must"):
        init.correlation_map(1.5, 1.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match="q_star"):
        init.correlation_map(0.5, 0.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match="widths"):
        init.simulate(np.ones((1, 3)), [4, 0], sigma_w2=2.0, seed=0)
    with pytest.raises(ValueError, match="distribution"):
        init.simulate(np.ones((1, 3)), [4], sigma_w2=2.0, distribution="cauchy", seed=0)
    with pytest.raises(ValueError, match="backward"):
        init.simulate(np.ones((1, 3)), [4], sigma_w2=2.0, backward="transpose", seed=0)
    with pytest.raises(ValueError, match="no finite fixed point"):
        init.depth_scale(3.0, 0.0, "relu")
    with pytest.raises(ValueError, match="no finite fixed point"):
        init.length_depth_scale(3.0, 0.0, "relu")
    with pytest.raises(ValueError, match="no finite fixed point"):
        init.gradient_depth_scale(2.0, 0.1, "relu")
    with pytest.raises(ValueError, match="distribution"):
        init.jacobian_singular_values(np.ones(3), [3], sigma_w2=1.0, distribution="uniform", seed=0)
    with pytest.raises(ValueError, match="widths"):
        init.jacobian_singular_values(np.ones(3), [], sigma_w2=1.0, seed=0)
    with pytest.raises(ValueError, match="n"):
        init.linear_jacobian_moments(0, 3)
    with pytest.raises(ValueError, match="depth"):
        init.linear_jacobian_moments(3, -1)
    with pytest.raises(ValueError, match="W1"):
        init.train_two_layer(np.ones((4, 2)), np.ones(4), np.ones((3, 5)), np.ones(3), np.ones(3), steps=1, lr=0.1)
    with pytest.raises(ValueError, match="w2"):
        init.train_two_layer(np.ones((4, 2)), np.ones(4), np.ones((3, 2)), np.ones(3), np.ones(2), steps=1, lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        init.train_two_layer(np.ones((4, 2)), np.ones(4), np.ones((3, 2)), np.ones(3), np.ones(3), steps=1, lr=0.0)


def test_simulate_backward_and_tangent_match_autograd():
    """The squared norms of simulate's backpropagated vectors equal those of torch.autograd's gradients of <u, z_L> with respect to each z_l, and its tangents equal autograd Jacobians times the tangent direction (same draws replayed)."""
    import torch

    n0, widths, s2, b2, seed = 5, [7, 4, 6], 1.6, 0.2, 3
    x = np.random.default_rng(0).standard_normal((1, n0))
    P = init.simulate(x, widths, sigma_w2=s2, sigma_b2=b2, phi="tanh", tangent=True, backward="same", seed=seed)
    rng = np.random.default_rng(seed)  # replay: tangent direction, then weight and bias per layer, then u
    dh0 = rng.standard_normal((1, n0, 1))
    dh0 /= np.linalg.norm(dh0)
    Ws, bs, fan_in = [], [], n0
    for n in widths:
        Ws.append(torch.tensor(np.sqrt(s2 / fan_in) * rng.standard_normal((1, n, fan_in))[0]))
        bs.append(torch.tensor(np.sqrt(b2) * rng.standard_normal((1, n, 1))[0, :, 0]))
        fan_in = n
    u = rng.standard_normal((1, widths[-1], 1))[0, :, 0]
    u = torch.tensor(u / np.linalg.norm(u))

    h = torch.tensor(x[0], requires_grad=True)
    zs = []
    for W, b in zip(Ws, bs):
        z = W @ h + b
        z.retain_grad()
        zs.append(z)
        h = torch.tanh(z)
    (u @ zs[-1]).backward()
    np.testing.assert_allclose(P.backward[0, :, 0], [float(z.grad @ z.grad) for z in zs], rtol=1e-12)

    def layers(v):
        out = []
        for W, b in zip(Ws, bs):
            z = W @ v + b
            out.append(z)
            v = torch.tanh(z)
        return tuple(out)

    jacobians = torch.autograd.functional.jacobian(layers, torch.tensor(x[0]))  # one per layer
    tangents = [J.numpy() @ dh0[0, :, 0] for J in jacobians]
    np.testing.assert_allclose(P.tangent[0, :, 0], [t @ t for t in tangents], rtol=1e-12)


# ----------------------------------------------------------------------------- mutation-testing additions

def _np_softmax_ce_grads(params, xb, yb):
    """Cross-entropy of a tanh MLP and its gradients by hand-written backpropagation (NumPy, no autograd)."""
    hs = [xb]
    for i in range(0, len(params) - 2, 2):
        hs.append(np.tanh(hs[-1] @ params[i].T + params[i + 1]))
    logits = hs[-1] @ params[-2].T + params[-1]
    m = logits.max(axis=1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    B = xb.shape[0]
    loss = -np.mean(logp[np.arange(B), yb])
    acc = np.mean(logits.argmax(axis=1) == yb)
    delta = np.exp(logp)
    delta[np.arange(B), yb] -= 1.0
    delta /= B  # d loss / d logits
    grads = [None] * len(params)
    for j in range(len(params) - 2, -1, -2):  # j indexes a weight matrix, going down
        grads[j], grads[j + 1] = delta.T @ hs[j // 2], delta.sum(axis=0)
        if j > 0:
            delta = (delta @ params[j]) * (1.0 - hs[j // 2] ** 2)
    return loss, acc, grads


def _train_classifier_reference(X, y, *, depth, width, sigma_w2, sigma_b2, steps, lr, batch_size, seed,
                                momentum=0.9):
    """SGD with heavy-ball momentum (buffer = gradient at the first step) written out in NumPy, same torch draws replayed."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    sizes = [X.shape[1]] + [width] * depth + [int(y.max()) + 1]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(torch.randn(fan_out, fan_in, generator=gen, dtype=torch.float64).numpy() * np.sqrt(sigma_w2 / fan_in))
        params.append(torch.randn(fan_out, generator=gen, dtype=torch.float64).numpy() * np.sqrt(sigma_b2))
    bufs = [None] * len(params)
    losses, accs = [], []
    B = min(batch_size, X.shape[0])
    for step in range(steps + 1):
        idx = torch.randint(0, X.shape[0], (B,), generator=gen).numpy()
        loss, acc, grads = _np_softmax_ce_grads(params, X[idx], y[idx])
        losses.append(loss)
        accs.append(acc)
        if step < steps:
            for k, g in enumerate(grads):
                bufs[k] = g.copy() if bufs[k] is None else momentum * bufs[k] + g
                params[k] = params[k] - lr * bufs[k]
    return np.array(losses), np.array(accs)


def _classification_data(n=150, d=3, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (np.argmax(X @ rng.standard_normal((d, classes)), axis=1)).astype(np.int64)
    return X, y


def test_train_classifier_matches_numpy_backprop_with_momentum():
    """train_classifier is SGD with momentum 0.9 on the cross-entropy of a tanh network with N(0, sigma_w^2/n_in) weights and N(0, sigma_b^2) biases (defaults lr = 0.01, batch 128): a NumPy backprop reference on the same draws gives the same losses and accuracies."""
    X, y = _classification_data()
    kw = dict(depth=2, width=5, sigma_w2=1.7, sigma_b2=0.3, steps=4, seed=3)
    run = init.train_classifier(X, y, **kw)
    ref_loss, ref_acc = _train_classifier_reference(X, y, lr=0.01, batch_size=128, **kw)
    assert run.loss.shape == run.accuracy.shape == (5,)
    np.testing.assert_allclose(run.loss, ref_loss, rtol=1e-11)
    np.testing.assert_array_equal(run.accuracy, ref_acc)
    # a larger step and a batch larger than the data set (the whole set is drawn, with replacement)
    kw2 = dict(depth=3, width=4, sigma_w2=0.9, sigma_b2=0.05, steps=3, seed=1)
    run2 = init.train_classifier(X, y, lr=0.3, batch_size=500, **kw2)
    ref_loss2, ref_acc2 = _train_classifier_reference(X, y, lr=0.3, batch_size=500, **kw2)
    np.testing.assert_allclose(run2.loss, ref_loss2, rtol=1e-11)
    np.testing.assert_array_equal(run2.accuracy, ref_acc2)
    # negative control: plain SGD (no momentum) is a different trajectory, which the comparison rejects
    plain_loss, _ = _train_classifier_reference(X, y, lr=0.3, batch_size=500, momentum=0.0, **kw2)
    assert np.max(np.abs(run2.loss - plain_loss)) > 1e-4


def test_gradient_depth_scale_is_inverse_abs_log_chi1():
    """xi_grad = 1/|log chi1| for a pair (phi, dphi) with constant dphi = 1 (chi1 = sigma_w^2 exactly, here 2), and at ReLU criticality (chi1 = 1) it is inf without a division by zero."""
    ones = (np.tanh, lambda u: np.ones_like(u))
    assert init.chi1(2.0, 0.1, ones) == pytest.approx(2.0, rel=1e-14)
    assert init.gradient_depth_scale(2.0, 0.1, ones) == pytest.approx(1 / np.log(2.0), rel=1e-12)
    assert init.gradient_depth_scale(0.5, 0.1, ones) == pytest.approx(1 / np.log(2.0), rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert init.gradient_depth_scale(2.0, 0.0, "relu") == np.inf


def test_relu_jacobian_against_autograd_and_kink_convention():
    """The Jacobian singular values of a ReLU network equal those of torch.autograd's Jacobian, including at x = 0 with zero biases, where every unit sits at the kink and relu'(0) = 0 gives J = 0."""
    import torch

    n0, widths, s2, b2 = 4, [6, 5], 2.0, 0.2
    x = np.array([0.9, -0.4, 0.3, 1.2])
    sv = init.jacobian_singular_values(x, widths, sigma_w2=s2, sigma_b2=b2, phi="relu", seed=2)
    np.testing.assert_allclose(sv, _autograd_singular_values(x, widths, s2, b2, torch.relu, 2), rtol=1e-12, atol=1e-14)
    assert sv.max() > 0.1
    zero = init.jacobian_singular_values(np.zeros(n0), widths, sigma_w2=s2, phi="relu", seed=2)
    np.testing.assert_array_equal(zero, 0.0)


def _zero_phi(u):
    """The zero activation: V(q) = sigma_b^2 for every q, so q* = sigma_b^2."""
    return 0.0 * u


@pytest.mark.parametrize("sigma_b2, q0", [(2.0, 0.25), (2.0, 1.0), (2.0, 7.0), (2.0, 2.0), (1.5e-30, 4 * 1e-30)])
def test_fixed_point_of_constant_length_map(sigma_b2, q0):
    """For phi = 0 the length map is the constant sigma_b^2, so its unique fixed point sigma_b^2 is found from any q0 (below, above, at it, or tiny)."""
    q = init.fixed_point_q(1.3, sigma_b2, (_zero_phi, _zero_phi), q0=q0)
    assert abs(q / sigma_b2 - 1) < 1e-12  # relative: pytest.approx would also accept 0 next to 1.5e-30


def test_relu_fixed_points_closed_form_and_critical_point():
    """ReLU: q* = sigma_b^2/(1 - sigma_w^2/2) below 2; at (2, 0) the length map is the identity so q0 itself is returned; with bias or sigma_w^2 > 2 it is inf."""
    assert init.fixed_point_q(1.2, 0.3, "relu", q0=5.0) == pytest.approx(0.75, rel=1e-14)
    assert init.fixed_point_q(0.5, 0.6, "relu") == pytest.approx(0.8, rel=1e-14)
    assert init.fixed_point_q(2.0, 0.0, "relu", q0=3.7) == 3.7
    assert init.fixed_point_q(2.0, 0.0, "relu") == 1.0  # the documented default start q0 = 1
    assert init.length_map(3.7, 2.0, 0.0, "relu") == 3.7  # the identity map: every q is fixed
    assert init.fixed_point_q(2.5, 0.0, "relu") == np.inf
    # at (2, 0) V'(q) = 1: lengths do not converge, the length depth scale is infinite
    assert init.length_map_slope(1.0, 2.0, 0.0, "relu") == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert init.length_depth_scale(2.0, 0.0, "relu") == np.inf


@pytest.mark.parametrize("sigma_w2, sigma_b2", [(1.5, 0.0), (1.5, 0.1)])
def test_tanh_fixed_point_from_above_and_below(sigma_w2, sigma_b2):
    """The positive fixed point of the tanh length map (the attractor; 0 is unstable when sigma_w^2 > 1) is reached from q0 below and above it, and equals a bisection root of the adaptively integrated map."""
    from scipy import optimize

    ref = optimize.brentq(lambda q: _V_ref(q, sigma_w2, sigma_b2) - q, 1e-3, 10.0, xtol=1e-14)
    for q0 in (1e-3, 1.0, 10.0):
        assert init.fixed_point_q(sigma_w2, sigma_b2, "tanh", q0=q0) == pytest.approx(ref, rel=1e-8)


def _pair_mean_ref(f, g, q, c, n=250):
    """E f(u1) g(u2), (u1, u2) centred Gaussian with variance q and correlation c, by a physicists' Hermite rule (u2 built from u1 and an independent part)."""
    x, w = np.polynomial.hermite.hermgauss(n)
    z1, z2 = np.sqrt(2) * x[:, None], np.sqrt(2) * x[None, :]
    u1 = np.sqrt(q) * z1
    u2 = np.sqrt(q) * (c * z1 + np.sqrt(1 - c * c) * z2)
    return float(w @ (f(u1) * g(u2)) @ w) / np.pi


@pytest.mark.parametrize("sigma_w2, sigma_b2", [(4.0, 0.0), (2.5, 0.05)])
def test_chaotic_depth_scale_uses_slope_at_c_star(sigma_w2, sigma_b2):
    """In the chaotic phase xi_c = -1/log(sigma_w^2 E[phi'(u1) phi'(u2)]) at the stable correlation c* < 1 of C (c* = 0 without bias), computed independently; using chi1 instead is rejected."""
    from scipy import optimize

    q = optimize.brentq(lambda s: _V_ref(s, sigma_w2, sigma_b2) - s, 1e-2, 20.0, xtol=1e-14)
    sech2 = lambda u: np.cosh(u) ** -2  # noqa: E731

    def C(c):
        return (sigma_w2 * _pair_mean_ref(np.tanh, np.tanh, q, c, n=100) + sigma_b2) / q

    c_star = 0.0 if sigma_b2 == 0 else optimize.brentq(lambda c: C(c) - c, 0.0, 1 - 1e-6, xtol=1e-13)
    assert 0 <= c_star < 0.99
    chi_c = sigma_w2 * _pair_mean_ref(sech2, sech2, q, c_star)
    assert chi_c < 1 < init.chi1(sigma_w2, sigma_b2, "tanh")
    xi = init.depth_scale(sigma_w2, sigma_b2, "tanh")
    assert xi == pytest.approx(-1 / np.log(chi_c), rel=1e-6)
    assert xi != pytest.approx(1 / np.log(init.chi1(sigma_w2, sigma_b2, "tanh")), rel=1e-2)


def test_error_messages_name_the_argument():
    """Bad activations, brackets and tuples raise errors whose message starts with the argument's name and says what was expected."""
    with pytest.raises(TypeError, match=r"^phi must be 'tanh', 'relu', a callable or a pair \(phi, dphi\), got a tuple of length 3"):
        init.chi1(1.0, 0.1, (np.tanh, np.tanh, np.tanh))
    with pytest.raises(TypeError, match=r"^phi must be callable"):
        init.length_map(1.0, 1.0, 0.0, 3.0)
    with pytest.raises(TypeError, match=r"^phi must be callable"):
        init.length_map(1.0, 1.0, 0.0, (np.tanh, 2.0))
    with pytest.raises(TypeError, match=r"^phi must be callable"):
        init.length_map(1.0, 1.0, 0.0, (2.0, np.tanh))
    with pytest.raises(ValueError, match=r"^x must be an array with 2 dimension"):
        init.simulate(np.ones(3), [4], sigma_w2=1.0, seed=0)
    with pytest.raises(ValueError, match=r"^phi must be one of"):
        init.chi1(1.0, 0.1, "sigmoid")
    with pytest.raises(ValueError, match=r"^bracket must be > 0"):
        init.critical_sigma_w2(0.05, "tanh", bracket=(0.0, 5.0))
    with pytest.raises(ValueError, match=r"^bracket must be > 0"):
        init.critical_sigma_w2(0.05, "tanh", bracket=(0.5, -1.0))
    with pytest.raises(ValueError, match=r"^sigma_b2 must be >= 0"):
        init.critical_sigma_w2(-0.1, "tanh")
    with pytest.raises(ValueError, match=r"^relu with sigma_b2 > 0 has no critical point: chi1 < 1 wherever a fixed point exists$"):
        init.critical_sigma_w2(0.3, "relu")
    with pytest.raises(ValueError, match=r"^q0 must be > 0"):
        init.fixed_point_q(1.0, 0.1, q0=0.0)
    with pytest.raises(ValueError, match=r"^relu: the length map has no finite fixed point for these sigma_w2, sigma_b2 "
                                         r"\(sigma_w2 > 2, or sigma_w2 = 2 with sigma_b2 > 0\): chi1 is undefined$"):
        init.chi1(2.0, 0.1, "relu")
    with pytest.raises(ValueError, match=r"^relu: the length map has no finite fixed point for these sigma_w2, sigma_b2 "
                                         r"\(no depth scale\)$"):
        init.length_depth_scale(2.0, 0.1, "relu")
    with pytest.raises(ValueError, match=r"^the length fixed point is q\* = 0 for these sigma_w2, sigma_b2: the correlation "
                                         r"map is undefined and correlations are not governed by chi1 \(no depth scale\)$"):
        init.depth_scale(0.5, 0.0, "tanh")
    # a callable whose lengths diverge (phi(u) = u, sigma_w^2 > 1): no finite fixed point
    lin = (lambda u: u, lambda u: 1.0 + 0.0 * u)
    assert init.fixed_point_q(1.5, 0.1, lin) == np.inf
    with pytest.raises(ValueError, match=r"^the length map has no finite fixed point for these sigma_w2, sigma_b2: "
                                         r"chi1 is undefined$"):
        init.chi1(1.5, 0.1, lin)
    with pytest.raises(ValueError, match=r"^the length map has no finite fixed point for these sigma_w2, sigma_b2 "
                                         r"\(no depth scale\)$"):
        init.length_depth_scale(1.5, 0.1, lin)


def test_maps_accept_numbers_and_vectors():
    """length_map and correlation_map return a float for a number and act elementwise on a vector; V(0) = sigma_b^2 for tanh (phi(0) = 0); a 2-D argument is refused."""
    qs = np.array([0.0, 0.5, 1.0, 2.0])
    V = init.length_map(qs, 1.3, 0.2, "tanh")
    assert type(init.length_map(0.5, 1.3, 0.2, "tanh")) is float
    np.testing.assert_array_equal(V, [init.length_map(float(q), 1.3, 0.2, "tanh") for q in qs])
    assert V[0] == pytest.approx(0.2, abs=1e-15)
    cs = np.array([-0.5, 0.0, 0.7])
    C = init.correlation_map(cs, 0.9, 1.3, 0.2, "tanh")
    assert type(init.correlation_map(0.7, 0.9, 1.3, 0.2, "tanh")) is float
    assert type(init.correlation_map(0.7, 0.9, 1.3, 0.2, "relu")) is float
    np.testing.assert_array_equal(C, [init.correlation_map(float(c), 0.9, 1.3, 0.2, "tanh") for c in cs])
    with pytest.raises(ValueError, match=r"^q must be an array with"):
        init.length_map(np.ones((2, 2)), 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match=r"^c must be an array with"):
        init.correlation_map(np.zeros((2, 2)), 1.0, 1.0, 0.0, "tanh")


def test_length_map_slope_at_one_and_its_limit_at_zero():
    """V'(q) at q = 1 matches central differences of the independently integrated map, and for phi = 2 tanh the value at q = 0, sigma_w^2 phi'(0)^2 = 4 sigma_w^2, is the limit of V'(q) as q -> 0."""
    assert init.length_map_slope(1.0, 1.4, 0.2, "tanh") == pytest.approx(_V_slope_ref(1.0, 1.4, 0.2), rel=1e-6)
    phi2 = (lambda u: 2 * np.tanh(u), lambda u: 2 * np.cosh(u) ** -2)
    at_zero = init.length_map_slope(0.0, 0.7, 0.0, phi2)
    assert at_zero == pytest.approx(4 * 0.7, rel=1e-14)
    assert init.length_map_slope(1e-7, 0.7, 0.0, phi2) == pytest.approx(at_zero, rel=1e-5)


def test_relu_log_norm_mean_default_input_width():
    """The input width n0 defaults to the first hidden width, so the mean is log(n_L/n_1) - 5/2 sum 1/n_l to first order."""
    widths = [30, 50, 40]
    assert init.relu_log_norm_mean(widths) == init.relu_log_norm_mean(widths, n0=30)
    big = [800, 1200, 1000]
    expected = np.log(1000 / 800) - 2.5 * sum(1 / n for n in big)
    assert abs(init.relu_log_norm_mean(big) - expected) < 10 * sum(1 / n**2 for n in big)  # the O(sum 1/n^2) remainder


def _simulate_loop_reference(x, widths, *, sigma_w2, sigma_b2, n_networks, backward, seed):
    """simulate written network by network and input by input (explicit matrices, tanh), on the same draws replayed in simulate's order."""
    rng = np.random.default_rng(seed)
    n_inputs, n0 = x.shape
    dh0 = rng.standard_normal((n_networks, n0, n_inputs))
    Ws, bs, fan_in = [], [], n0
    for n in widths:
        Ws.append(np.sqrt(sigma_w2 / fan_in) * rng.standard_normal((n_networks, n, fan_in)))
        bs.append(np.sqrt(sigma_b2) * rng.standard_normal((n_networks, n, 1)) if sigma_b2 > 0 else np.zeros((n_networks, n, 1)))
        fan_in = n
    u = rng.standard_normal((n_networks, widths[-1], n_inputs))
    L = len(widths)
    back_W = {}
    for layer in range(L - 2, -1, -1):
        back_W[layer] = (Ws[layer + 1] if backward == "same"
                         else np.sqrt(sigma_w2 / widths[layer]) * rng.standard_normal((n_networks, widths[layer + 1], widths[layer])))
    q = np.empty((n_networks, L, n_inputs))
    sq = np.empty((n_networks, L + 1, n_inputs))
    tan = np.empty((n_networks, L, n_inputs))
    back = np.empty((n_networks, L, n_inputs))
    for k in range(n_networks):
        for i in range(n_inputs):
            h = x[i]
            d = dh0[k, :, i] / np.linalg.norm(dh0[k, :, i])
            sq[k, 0, i] = h @ h
            zs = []
            for layer in range(L):
                z = Ws[layer][k] @ h + bs[layer][k, :, 0]
                dz = Ws[layer][k] @ d
                zs.append(z)
                h, d = np.tanh(z), np.cosh(z) ** -2 * dz
                q[k, layer, i] = z @ z / widths[layer]
                sq[k, layer + 1, i] = h @ h
                tan[k, layer, i] = dz @ dz
            g = u[k, :, i] / np.linalg.norm(u[k, :, i])
            back[k, L - 1, i] = g @ g
            for layer in range(L - 2, -1, -1):
                g = np.cosh(zs[layer]) ** -2 * (back_W[layer][k].T @ g)
                back[k, layer, i] = g @ g
    return q, sq, tan, back


@pytest.mark.parametrize("sigma_b2, backward", [(0.2, "same"), (0.0, "independent")])
def test_simulate_matches_network_by_network_loop(sigma_b2, backward):
    """For several networks and several inputs at once, simulate's lengths, squared norms, unit-tangent norms and backpropagated norms equal a per-network, per-input loop (each tangent and each u of norm 1, one bias vector per network shared by all inputs)."""
    x = np.random.default_rng(0).standard_normal((2, 5))
    widths = [6, 3, 4]
    kw = dict(sigma_w2=1.6, sigma_b2=sigma_b2, n_networks=3, seed=7)
    P = init.simulate(x, widths, phi="tanh", tangent=True, backward=backward, **kw)
    q, sq, tan, back = _simulate_loop_reference(x, widths, backward=backward, **kw)
    for got, want in [(P.q, q), (P.sqnorm, sq), (P.tangent, tan), (P.backward, back)]:
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_simulate_defaults():
    """By default simulate runs one network, with no tangent and no backward pass (None), and is determined by its seed."""
    x = np.ones((2, 3))
    P = init.simulate(x, [4, 5], sigma_w2=2.0, seed=1)
    assert P.q.shape == (1, 2, 2) and P.sqnorm.shape == (1, 3, 2)
    assert P.tangent is None and P.backward is None
    np.testing.assert_array_equal(P.sqnorm[0, 0], [3.0, 3.0])
    np.testing.assert_array_equal(P.sqnorm, init.simulate(x, [4, 5], sigma_w2=2.0, seed=1).sqnorm)
    explicit = init.simulate(x, [4, 5], sigma_w2=2.0, sigma_b2=0.0, phi="relu", n_networks=1, distribution="normal",
                             tangent=False, backward=None, seed=1)
    np.testing.assert_array_equal(P.q, explicit.q)
    np.testing.assert_array_equal(P.sqnorm, explicit.sqnorm)


@pytest.mark.parametrize("distribution, sigma_b2", [("orthogonal", 0.0), ("orthogonal", 0.3), ("normal", 0.0)])
def test_jacobian_singular_values_replayed(distribution, sigma_b2):
    """jacobian_singular_values is the SVD of D_L W_L ... D_1 W_1 with orthogonal (gain sqrt(sigma_w^2)) or Gaussian weights and biases only when sigma_b^2 > 0, on the same draws replayed."""
    n0, widths, s2 = 4, [5, 3, 4], 1.7
    x = np.array([0.3, -1.1, 0.6, 0.2])
    sv = init.jacobian_singular_values(x, widths, sigma_w2=s2, sigma_b2=sigma_b2, phi="tanh", distribution=distribution,
                                       seed=5)
    rng = np.random.default_rng(5)
    h, J, fan_in = x, np.eye(n0), n0
    for n in widths:
        W = (init.orthogonal(fan_in, n, generator=rng, gain=np.sqrt(s2)) if distribution == "orthogonal"
             else rng.standard_normal((n, fan_in)) * np.sqrt(s2 / fan_in))
        b = np.sqrt(sigma_b2) * rng.standard_normal(n) if sigma_b2 > 0 else np.zeros(n)
        z = W @ h + b
        J = np.diag(np.cosh(z) ** -2) @ W @ J
        h, fan_in = np.tanh(z), n
    np.testing.assert_allclose(sv, np.linalg.svd(J, compute_uv=False), rtol=1e-12, atol=1e-14)
    # sigma_w^2 = 0: zero weights, a zero Jacobian
    zero = init.jacobian_singular_values(x, widths, sigma_w2=0.0, phi="tanh", distribution=distribution, seed=5)
    np.testing.assert_array_equal(zero, 0.0)


def test_jacobian_defaults_and_argument_errors():
    """jacobian_singular_values defaults to zero biases, tanh and Gaussian weights; a width of 1 is allowed, while width 0, no layers or a bad seed raise errors naming the argument."""
    x = np.array([0.5, -0.2, 0.9])
    default = init.jacobian_singular_values(x, [4, 3], sigma_w2=1.5, seed=2)
    explicit = init.jacobian_singular_values(x, [4, 3], sigma_w2=1.5, sigma_b2=0.0, phi="tanh", distribution="normal", seed=2)
    np.testing.assert_array_equal(default, explicit)
    assert init.jacobian_singular_values(x, [1], sigma_w2=1.5, seed=2).shape == (1,)
    with pytest.raises(ValueError, match=r"^widths must be an integer >= 1, got 0"):
        init.jacobian_singular_values(x, [4, 0], sigma_w2=1.5, seed=2)
    with pytest.raises(ValueError, match=r"^widths must contain at least one layer width$"):
        init.jacobian_singular_values(x, [], sigma_w2=1.5, seed=2)
    with pytest.raises(TypeError, match=r"^seed must be an integer seed"):
        init.jacobian_singular_values(x, [4], sigma_w2=1.5, seed="s")
    with pytest.raises(ValueError, match=r"^W1 must be an array with 2 dimension"):
        init.train_two_layer(np.ones((4, 2)), np.ones(4), np.ones(3), np.ones(3), np.ones(3), steps=1, lr=0.1)


def test_linear_jacobian_moments_scalar_case():
    """For n = 1, J is a product of L independent N(0, 1) scalars, so m1 = E J^2 = 1 and m2 = E J^4 = 3^L exactly."""
    for L in range(6):
        m1, m2 = init.linear_jacobian_moments(1, L)
        assert m1 == 1.0
        assert m2 == pytest.approx(3.0**L, rel=1e-14)


def test_fixed_point_is_the_limit_of_the_iterates_with_two_fixed_points():
    """For phi(u) = u^2 and sigma_w^2 = 1/3 the length map is V(q) = q^2 + sigma_b^2 (E z^4 = 3); with sigma_b^2 = 0.24 its fixed points are 0.4 (stable) and 0.6 (unstable), and fixed_point_q returns the limit of the iterates: 0.4 from below 0.6, inf above it."""
    square = (lambda u: u * u, lambda u: 2 * u)
    lo, hi = 0.4, 0.6  # roots of q^2 - q + 0.24
    for q0 in (0.11, 0.21, 0.5, 0.59):
        assert init.fixed_point_q(1 / 3, 0.24, square, q0=q0) == pytest.approx(lo, rel=1e-10)
        q = q0
        for _ in range(200):  # the iterates themselves, independently of the package
            q = q * q + 0.24
        assert q == pytest.approx(lo, rel=1e-10)
    assert init.fixed_point_q(1 / 3, 0.24, square, q0=0.7) == np.inf
    assert init.length_map(hi, 1 / 3, 0.24, square) == pytest.approx(hi, rel=1e-12)  # a fixed point, but unstable


@pytest.mark.parametrize("eps, rel", [(1e-9, 2e-6), (1e-6, 1e-8)])
def test_tiny_fixed_point_just_above_criticality(eps, rel):
    """For tanh without bias and sigma_w^2 = 1 + eps, the fixed point is the small root of (1 + eps)(1 - 2q + 17q^2/3) = 1 (the series E tanh^2(sqrt(q) z) = q - 2q^2 + 17q^3/3 - ...), about eps/2, found from above and from below."""
    s2 = 1 + eps
    a, b = 17 / 3 * s2, -2 * s2
    ref = (-b - np.sqrt(b * b - 4 * a * eps)) / (2 * a)
    for q0 in (1.0, 1e-3, 1e-12):
        assert abs(init.fixed_point_q(s2, 0.0, "tanh", q0=q0) / ref - 1) < rel


def test_large_fixed_point_and_near_critical_depth_scale():
    """A large finite fixed point (q* = sigma_b^2 = 7e11 for phi = 0, searched upward from q0 = 1e12/4096) is returned, not inf; and just on the chaotic side of the tanh critical line (sigma_w^2 within 1e-8 and 1e-6 of it, chi1 > 1) the correlation depth scale exceeds 1e6 (it diverges at criticality)."""
    assert init.fixed_point_q(1.3, 7e11, (_zero_phi, _zero_phi), q0=1e12 / 4096) == pytest.approx(7e11, rel=1e-12)
    s = init.critical_sigma_w2(0.05, "tanh")
    for f in (1e-8, 1e-6):
        assert init.chi1(s * (1 + f), 0.05, "tanh") > 1
        assert init.depth_scale(s * (1 + f), 0.05, "tanh") > 1e6


@pytest.mark.parametrize("make", [init.naive_uniform, init.glorot_uniform, init.lecun_normal, init.he_normal,
                                  init.orthogonal])
def test_one_unit_layers_are_valid_and_zero_fans_are_named(make):
    """A layer with one input and one output unit is valid; a fan of 0 is rejected with the exact message naming it."""
    assert make(1, 1, generator=0).shape == (1, 1)
    with pytest.raises(ValueError, match=r"^fan_in must be an integer >= 1, got 0$"):
        make(0, 1, generator=0)
    with pytest.raises(ValueError, match=r"^fan_out must be an integer >= 1, got 0$"):
        make(1, 0, generator=0)


def test_relu_log_norm_mean_of_single_unit_layers_and_its_messages():
    """With one unit per layer each ReLU layer adds E[log(2 chi^2_1)] = -gamma (Euler's constant), conditioned on the unit being active; widths must be positive and non-empty."""
    assert init.relu_log_norm_mean([1]) == pytest.approx(-np.euler_gamma, rel=1e-12)
    assert init.relu_log_norm_mean([1, 1], n0=1) == pytest.approx(-2 * np.euler_gamma, rel=1e-12)
    with pytest.raises(ValueError, match=r"^widths must be an integer >= 1, got 0$"):
        init.relu_log_norm_mean([3, 0])
    with pytest.raises(ValueError, match=r"^widths must contain at least one layer width$"):
        init.relu_log_norm_mean([])


def test_relu_log_norm_variance_of_single_unit_layers_and_its_messages():
    """With one unit per layer each active ReLU layer adds Var log(chi^2_1) = psi'(1/2) = pi^2/2 to the variance of the log-norm; widths must be positive and non-empty."""
    assert init.relu_log_norm_variance([1]) == pytest.approx(np.pi**2 / 2, rel=1e-12)
    assert init.relu_log_norm_variance([1, 1]) == pytest.approx(np.pi**2, rel=1e-12)
    with pytest.raises(ValueError, match=r"^widths must be an integer >= 1, got 0$"):
        init.relu_log_norm_variance([3, 0])
    with pytest.raises(ValueError, match=r"^widths must contain at least one layer width$"):
        init.relu_log_norm_variance([])


def test_simulate_accepts_one_unit_layers_and_names_bad_widths_and_seeds():
    """A network of one-unit layers can be simulated; bad widths and seeds are rejected with exact messages naming them."""
    x = np.ones((1, 3))
    assert isinstance(init.simulate(np.ones((1, 1)), [1], sigma_w2=2.0, seed=0), init.Propagation)
    with pytest.raises(ValueError, match=r"^widths must be an integer >= 1, got 0$"):
        init.simulate(x, [3, 0], sigma_w2=2.0, seed=0)
    with pytest.raises(ValueError, match=r"^widths must contain at least one layer width$"):
        init.simulate(x, [], sigma_w2=2.0, seed=0)
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer seed, got -1$"):
        init.simulate(x, [3], sigma_w2=2.0, seed=-1)


def test_map_messages_name_the_argument_and_its_range():
    """The length and correlation maps reject q < 0, negative variances and |c| > 1 with exact messages."""
    with pytest.raises(ValueError, match=r"^sigma_w2 must be >= 0\.0, got -1\.0$"):
        init.length_map(1.0, -1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match=r"^sigma_b2 must be >= 0\.0, got -1\.0$"):
        init.length_map(1.0, 1.0, -1.0, "tanh")
    with pytest.raises(ValueError, match=r"^q must be >= 0$"):
        init.length_map(-1.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match=r"^c must lie in \[-1, 1\]$"):
        init.correlation_map(1.5, 1.0, 1.0, 0.0, "tanh")
    with pytest.raises(ValueError, match=r"^q must be >= 0\.0, got -1\.0$"):
        init.length_map_slope(-1.0, 1.0, 0.0, "tanh")


def test_argument_checks_that_no_callee_repeats():
    """For ReLU, critical_sigma_w2 and length_map_slope answer without calling a routine that checks sigma_b2 or q, so their own checks must reject sigma_b2 < 0 and q < 0."""
    with pytest.raises(ValueError, match=r"^sigma_b2 must be >= 0\.0, got -0\.1$"):
        init.critical_sigma_w2(-0.1, "relu")
    with pytest.raises(ValueError, match=r"^q must be >= 0\.0, got -1\.0$"):
        init.length_map_slope(-1.0, 1.0, 0.0, "relu")


def test_relu_fixed_point_is_the_closed_form_for_any_bias():
    r"""For ReLU, $q^* = \sigma_b^2/(1 - \sigma_w^2/2)$ exactly, also when it is far above the $10^{12}$ cut-off of the numerical search (here $q^* = 2 \cdot 10^{13}$)."""
    assert init.fixed_point_q(1.0, 1e13, "relu") == 2e13
    assert init.fixed_point_q(1.5, 3e12, "relu", q0=0.5) == 1.2e13
    for s2, b2 in [(1.2, 0.3), (0.5, 0.6), (1.9, 1e-3)]:
        assert init.fixed_point_q(s2, b2, "relu") == b2 / (1 - s2 / 2)


def test_gauss_mean_default_variance_is_one():
    """gauss_mean(f) is E f(z) for a standard normal z (q defaults to 1): E z^2 = 1, E z^4 = 3, E cos z = exp(-1/2)."""
    assert init.gauss_mean(lambda u: u * u) == pytest.approx(1.0, rel=1e-13)
    assert init.gauss_mean(lambda u: u**4) == pytest.approx(3.0, rel=1e-13)
    assert init.gauss_mean(np.cos) == pytest.approx(np.exp(-0.5), rel=1e-13)


# erf activation: E[erf(u1) erf(u2)] = (2/pi) arcsin(2 c q / (1 + 2 q)) for a centred Gaussian pair of variance q
# and correlation c (the arcsine kernel), and E[erf'(u1) erf'(u2)] = (4/pi) / sqrt((1 + 2q)^2 - 4 q^2 c^2).
_ERF = (special.erf, lambda u: 2 / np.sqrt(np.pi) * np.exp(-u * u))


def _erf_q_star(sigma_w2, sigma_b2):
    """Fixed point of the erf length map V(q) = sigma_w^2 (2/pi) arcsin(2q/(1+2q)) + sigma_b^2 (bisection-safe Brent)."""
    def g(q):
        return sigma_w2 * 2 / np.pi * np.arcsin(2 * q / (1 + 2 * q)) + sigma_b2 - q
    return optimize.brentq(g, 1e-12, 1e8, xtol=1e-300, rtol=1e-15)


def _erf_xi_c(sigma_w2, sigma_b2):
    """Correlation depth scale of erf from the arcsine kernel: c* solves C(c) = c, chi_c = sigma_w^2 (4/pi)/sqrt((1+2q)^2 - 4q^2c*^2)."""
    q = _erf_q_star(sigma_w2, sigma_b2)

    def gap(c):
        return (sigma_w2 * 2 / np.pi * np.arcsin(2 * c * q / (1 + 2 * q)) + sigma_b2) / q - c
    c_star = 0.0 if gap(0.0) <= 0.0 else optimize.brentq(gap, 0.0, 1 - 1e-9, xtol=1e-300, rtol=1e-15)
    chi_c = sigma_w2 * 4 / np.pi / np.sqrt((1 + 2 * q) ** 2 - 4 * q * q * c_star**2)
    return -1 / np.log(chi_c)


@pytest.mark.parametrize("q_c", [0.03, 0.045, 0.1, 0.2])
def test_erf_critical_line_closed_form(q_c):
    r"""For erf, $\chi_1 = 4\sigma_w^2/(\pi\sqrt{1+4q^*})$, so the critical point with fixed point $q_c$ is $\sigma_w^2 = \tfrac{\pi}{4}\sqrt{1+4q_c}$, $\sigma_b^2 = q_c - \tfrac12\sqrt{1+4q_c}\arcsin\frac{2q_c}{1+2q_c}$; critical_sigma_w2 finds it to 5e-14 relative."""
    r = np.sqrt(1 + 4 * q_c)
    sigma_b2 = q_c - r / 2 * np.arcsin(2 * q_c / (1 + 2 * q_c))
    assert abs(init.critical_sigma_w2(sigma_b2, _ERF) / (np.pi / 4 * r) - 1) < 5e-14


def test_critical_point_of_a_scaled_activation():
    r"""Without bias the fixed point is $q^* = 0$ on the ordered side and $\chi_1 = \sigma_w^2\phi'(0)^2$, so for $\phi = \tanh/2$ the critical point is $\sigma_w^2 = 4$ (flat on the chaotic side: located to 1e-7)."""
    half = (lambda u: 0.5 * np.tanh(u), lambda u: 0.5 * np.cosh(u) ** -2)
    assert init.critical_sigma_w2(0.0, half) == pytest.approx(4.0, rel=1e-7)
    assert init.critical_sigma_w2(0.0, _ERF) == pytest.approx(np.pi / 4, rel=1e-7)


@pytest.mark.parametrize("sigma_w2, sigma_b2", [(3.0, 0.2), (2.0, 0.2), (3.0, 0.05), (2.0, 0.05)])
def test_erf_chaotic_depth_scale_closed_form(sigma_w2, sigma_b2):
    r"""In the chaotic phase of erf, $\xi_c = -1/\log\chi_c$ at the stable correlation $c^* < 1$ matches the arcsine-kernel closed form to 5e-14 relative."""
    assert init.chi1(sigma_w2, sigma_b2, _ERF) > 1
    assert abs(init.depth_scale(sigma_w2, sigma_b2, _ERF) / _erf_xi_c(sigma_w2, sigma_b2) - 1) < 5e-14


def test_depth_scale_has_no_special_case_at_chi1_two():
    r"""At a chaotic point where the computed $\chi_1$ is exactly 2.0, $\xi_c$ is the finite arcsine-kernel value, like at its neighbours ($\xi_c$ is infinite only at $\chi_1 = 1$)."""
    sigma_b2 = 0.05
    s0 = optimize.brentq(lambda s: init.chi1(s, sigma_b2, _ERF) - 2.0, 1.5, 20.0, xtol=1e-15)
    candidates = [s0 + k * np.spacing(s0) for k in range(-20, 21)]
    exact = [s for s in candidates if init.chi1(s, sigma_b2, _ERF) == 2.0]
    assert exact  # such points exist next to the root
    for s in exact[:2] + [candidates[0], candidates[-1]]:
        assert init.depth_scale(s, sigma_b2, _ERF) == pytest.approx(_erf_xi_c(s, sigma_b2), rel=1e-7)  # q* ~ 5: quadrature error ~ 1e-8


def test_fixed_point_upward_search_grid():
    """Upward, V is evaluated at q0 2^k and the search gives up (inf) only where V(q) > q still holds at the first grid point above 1e12: with the constant map V = sigma_b^2 a fixed point 7e11 is found from every start, 1.5e12 is found when 1e12 itself is a grid point but not when the first point above 1e12 is 1e12 + 1."""
    zero = (_zero_phi, _zero_phi)
    for q0 in (1.0, 1e12 / 4096, (1e12 + 1) / 4096, 3.0):
        assert init.fixed_point_q(1.3, 7e11, zero, q0=q0) == pytest.approx(7e11, rel=1e-14)
    assert init.fixed_point_q(1.3, 1.5e12, zero, q0=1e12 / 4096) == pytest.approx(1.5e12, rel=1e-14)
    assert init.fixed_point_q(1.3, 1.5e12, zero, q0=(1e12 + 1) / 4096) == np.inf
    assert init.fixed_point_q(1.3, 5e12, zero, q0=1.0) == np.inf  # 2^40 > 1e12 is reached first


def test_fixed_point_stops_at_the_first_fixed_point_on_the_upward_grid():
    """For phi(u) = u/sqrt(2) + u^2/sqrt(30) and (sigma_w^2, sigma_b^2) = (1, 0.6), V(q) - q = (q - 2)(q - 3)/10: from q0 = 1 the iterates increase to the stable fixed point 2, which is the grid point 2 q0 and is returned exactly (V exceeds q again above 3)."""
    phi = (lambda u: u / np.sqrt(2) + u * u / np.sqrt(30), lambda u: 1 / np.sqrt(2) + 2 * u / np.sqrt(30))
    assert init.length_map(2.0, 1.0, 0.6, phi) == 2.0  # the computed map has 2 as an exact fixed point
    assert init.length_map(4.0, 1.0, 0.6, phi) > 4.0
    assert init.fixed_point_q(1.0, 0.6, phi, q0=1.0) == 2.0
    q = 1.0
    for _ in range(2000):  # the iterates themselves
        q = q / 2 + q * q / 10 + 0.6
    assert q == pytest.approx(2.0, rel=1e-12)


def test_fixed_point_on_the_downward_grid_is_returned_exactly():
    """If the computed tanh length map has q = 1/4 as an exact fixed point (sigma_b^2 tuned by a few ulps), the downward search from q0 = 1 (grid 1/2, 1/4, 1/8) returns exactly 1/4, as does the upward search from q0 = 1/8."""
    b0 = 0.25 - init.length_map(0.25, 1.0, 0.0, "tanh")
    tuned = [b for b in (b0 + k * np.spacing(b0) for k in range(-40, 41)) if init.length_map(0.25, 1.0, b, "tanh") == 0.25]
    assert tuned
    assert init.fixed_point_q(1.0, tuned[0], "tanh", q0=1.0) == 0.25
    assert init.fixed_point_q(1.0, tuned[0], "tanh", q0=0.125) == 0.25


def test_fixed_point_downward_grid_floor_and_noise_threshold():
    """Downward, V is evaluated at q0/2^k >= 1e-30 only, and an excess V(q) - q of exactly 1e-10 q counts as rounding noise: for the constant map V = b, from q0 = 1 (last grid point 2^-99 ~ 1.6e-30) b = 1.2e-30 gives 0.0 and b = 2e-30 is found; at a last grid point lo = 2^-132/1e-10 an excess of exactly 1e-10 lo gives 0.0, a larger one is found."""
    zero = (_zero_phi, _zero_phi)
    assert init.fixed_point_q(1.3, 1.2e-30, zero, q0=1.0) == 0.0
    assert init.fixed_point_q(1.3, 2e-30, zero, q0=1.0) == pytest.approx(2e-30, rel=1e-12)
    b = 0.25 * (1 + 5e-11)  # V(1/4) - 1/4 is below the threshold, so 1/4 does not close the bracket, 1/8 does
    assert 0 < init.length_map(0.25, 1.3, b, zero) - 0.25 <= 1e-10 * 0.25
    assert init.fixed_point_q(1.3, b, zero, q0=1.0) == pytest.approx(b, rel=1e-14)
    lo = 2.0**-132 / 1e-10
    assert 1e-10 * lo == 2.0**-132 and lo >= 1e-30 > lo / 2  # an exact threshold at the last grid point
    q0 = lo * 2.0**100
    assert init.length_map(lo, 1.3, lo + 2.0**-132, zero) - lo == 1e-10 * lo  # the tie
    assert init.fixed_point_q(1.3, lo + 2.0**-132, zero, q0=q0) == 0.0
    assert init.fixed_point_q(1.3, lo + 2.0**-131, zero, q0=q0) == pytest.approx(lo + 2.0**-131, rel=1e-12)


@pytest.mark.parametrize("sigma_b2, f", [(0.01, 1e-9), (0.01, 3e-9), (0.01, 1e-7), (0.05, 1e-9), (0.05, 3e-8),
                                         (0.05, 1e-7)])
def test_depth_scale_is_huge_and_positive_just_on_the_chaotic_side(sigma_b2, f):
    r"""At $\sigma_w^2 = \sigma_{w,c}^2(1 + f)$, $f \le 10^{-7}$, the stable correlation $c^* < 1$ has slope $\chi_c < 1$, so $\xi_c = -1/\log\chi_c$ is positive, and above $10^6$ next to criticality (inf when $1 - \chi_c$ is lost in rounding), never negative."""
    s = init.critical_sigma_w2(sigma_b2, "tanh") * (1 + f)
    assert init.chi1(s, sigma_b2, "tanh") > 1
    assert init.depth_scale(s, sigma_b2, "tanh") > 1e6


def test_depth_scale_is_inf_when_the_computed_chi_c_is_exactly_one():
    r"""$\xi_c$ is never negative, also at the boundary of the guard: a pair $(\tanh, \phi')$ with the affine slope $\phi'(x) = k + x/10$ (so $\chi_1 > \chi_c$ by Cauchy-Schwarz) whose computed $\chi_c$ is exactly 1 for one $k$ of a scan gives inf, not $-1/\log 1 = -\infty$."""
    sw, sb = 4.0, 0.01
    q = init.fixed_point_q(sw, sb, "tanh")
    c_star = optimize.brentq(lambda c: init.correlation_map(c, q, sw, sb, "tanh") - c, 0.0, 1 - 1e-9, xtol=1e-14)
    k0 = np.sqrt(1 / sw - 0.01 * q * c_star)  # sw (k^2 + q c*/100) = 1: chi_c = 1 up to rounding
    hits = 0
    for i in range(-3, 4):
        k = k0 + i * 2.0**-53
        slope = lambda x, k=k: k + 0.1 * np.asarray(x, dtype=float)  # noqa: E731
        pair = (np.tanh, slope)
        assert init.chi1(sw, sb, pair) > 1.0  # the chaotic branch
        hits += sw * init._gauss_pair_mean(slope, slope, q, c_star) == 1.0  # the scan reaches the boundary
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no division by log 1 = 0
            xi = init.depth_scale(sw, sb, pair)
        assert xi > 1e12
    assert hits >= 1


def test_depth_scale_at_c_star_zero_when_rounding_puts_the_correlation_map_below_zero():
    r"""$\phi = \sin + 10^{-17}\cos$ without bias: $\mathcal{C}(0) = \sigma_w^2(\mathbb{E}\phi)^2/q^* \approx 10^{-34}$, which rounding can make negative; $c^* = 0$ up to that, and $\xi_c = -1/\log(\sigma_w^2 (\mathbb{E}\cos u)^2) = 1/(q^* - \log\sigma_w^2)$ with $q^* = \sigma_w^2(1 - e^{-2q^*})/2$."""
    eps = 1e-17
    pair = (lambda x: np.sin(x) + eps * np.cos(x), lambda x: np.cos(x) - eps * np.sin(x))
    negative = 0
    for sw in (1.5, 1.7, 1.725, 2.0, 3.0):
        q = init.fixed_point_q(sw, 0.0, pair)
        q_exact = optimize.brentq(lambda t: sw * (1 - np.exp(-2 * t)) / 2 - t, 1e-3, 10.0, xtol=1e-15)
        assert q == pytest.approx(q_exact, rel=1e-12)
        negative += init.correlation_map(0.0, q, sw, 0.0, pair) < 0.0
        assert init.depth_scale(sw, 0.0, pair) == pytest.approx(1 / (q_exact - np.log(sw)), rel=1e-11)
    assert negative >= 1  # the scan reaches the rounding case


def test_depth_scale_is_inf_when_the_correlation_map_at_one_minus_1e9_is_not_below_it():
    r"""The documented threshold of the chaotic search: when the computed $\mathcal{C}(1 - 10^{-9}) - (1 - 10^{-9})$ is exactly 0 (next to the tanh critical line at $\sigma_b^2 = 1$, where it is rounding noise), $c^*$ counts as 1 and $\xi_c = \infty$, although the slope there rounds below 1."""
    sb, top = 1.0, 1 - 1e-9
    sc = init.critical_sigma_w2(sb, "tanh")
    ties = 0
    for f in (1.2309079138896019e-10, 1.9085421440066898e-10, 3.0283286655749457e-10, 2.0102873757128834e-09):
        s = sc * (1 + f)
        q = init.fixed_point_q(s, sb, "tanh")
        if init.correlation_map(top, q, s, sb, "tanh") - top == 0.0:
            ties += 1
            assert init.depth_scale(s, sb, "tanh") == float("inf")
    assert ties >= 1  # the scan reaches the tie
