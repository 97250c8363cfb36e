"""Tests of :mod:`nnmath.kernels` and the claims of the chapter *Wide networks as Gaussian processes*.

Every claim test follows "Checks that can fail": the check is a small function of the test file,
it is run on the code under test and on a plausible wrong variant (named ``_wrong_...`` for the
mistake it stands for), and the test asserts that the check accepts the first and rejects the second.
References are independent of the package: adaptive quadrature (scipy), scikit-learn's kernel ridge,
Gaussian conditioning through the joint precision matrix, and Monte Carlo over random networks with
tolerances in standard errors from independent replicates.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from nnmath import initialization as init
from nnmath import kernels as K


def _inputs(n=8, d=5, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


# ----------------------------------------------------------------------------- the ReLU kernel

def _relu_kernel_by_quadrature(x, y) -> float:
    """E[relu(w.x) relu(w.y)] by adaptive quadrature over the angle of w in the plane of x and y.

    In polar coordinates w = r (cos a, sin a) in an orthonormal basis of span{x, y} with x along the
    first axis; E r^2 = 2 for a standard 2-D Gaussian and the angle is uniform.
    """
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    theta = np.arccos(np.clip(x @ y / (nx * ny), -1, 1))
    f = lambda a: max(np.cos(a), 0.0) * max(np.cos(a - theta), 0.0)  # noqa: E731
    val, _ = integrate.quad(f, 0, 2 * np.pi, points=[np.pi / 2, theta + np.pi / 2, theta - np.pi / 2 + 2 * np.pi],
                            limit=200, epsabs=1e-13)
    return nx * ny * 2.0 * val / (2 * np.pi)


def _wrong_relu_without_sin(X, Y=None):
    Y = X if Y is None else Y
    nx, ny = np.linalg.norm(X, axis=1), np.linalg.norm(Y, axis=1)
    c = np.clip(X @ Y.T / np.outer(nx, ny), -1, 1)
    th = np.arccos(c)
    return np.outer(nx, ny) * (np.pi - th) * c / (2 * np.pi)


def _wrong_cho_saul_k1_without_half(X, Y=None):
    return 2.0 * K.relu_nngp(X, Y)


def _matches_quadrature(kernel_fn, X) -> bool:
    ref = np.array([[_relu_kernel_by_quadrature(x, y) for y in X] for x in X])
    # arccos loses about half the digits next to theta = 0 and theta = pi: absolute tolerance 1e-7 ||x|| ||y||
    scale = np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(X, axis=1))
    return bool(np.all(np.abs(kernel_fn(X) - ref) <= 1e-7 * scale))


@pytest.mark.claim("thm-gp-relu-kernel")
def test_relu_kernel_matches_quadrature():
    r"""The closed form of the one-unit ReLU kernel equals adaptive quadrature over the angle of $w$ to $10^{-7}\norm{x}\norm{y}$.

    Negative controls: the kernel without the sin term and Cho–Saul's k1 without the factor 1/2 fail.
    """
    X = np.vstack([_inputs(6, 4), -_inputs(1, 4, seed=0)[0] * 2.0])  # includes an antipodal pair
    assert _matches_quadrature(K.relu_nngp, X)
    assert not _matches_quadrature(_wrong_relu_without_sin, X)
    assert not _matches_quadrature(_wrong_cho_saul_k1_without_half, X)


def test_relu_nngp_special_values():
    """On the diagonal ||x||^2/2, at angle pi/2 ||x|| ||y||/(2 pi), antipodal 0, zero input 0."""
    x = np.array([[3.0, 0.0], [0.0, 2.0], [-1.0, 0.0], [0.0, 0.0]])
    G = K.relu_nngp(x)
    assert G[0, 0] == pytest.approx(4.5)
    assert G[0, 1] == pytest.approx(6.0 / (2 * np.pi))
    assert G[0, 2] == pytest.approx(0.0, abs=1e-15)
    assert np.all(G[3] == 0.0) and np.all(G[:, 3] == 0.0)
    assert np.allclose(K.relu_nngp(x, x[:2]), G[:, :2])


def _slopes(kernel, X, seeds, widths, reps=4):
    out = []
    for s in seeds:
        g = np.random.default_rng(s)
        err = []
        for N in widths:
            sq = [np.sum((F @ F.T - kernel) ** 2) for F in (K.random_features(X, N, generator=g) for _ in range(reps))]
            err.append(np.sqrt(np.mean(sq)) / np.linalg.norm(kernel))
        out.append(np.polyfit(np.log(widths), np.log(err), 1)[0])
    return np.array(out)


def _slopes_ok(slopes) -> bool:
    return bool(np.all((slopes >= -0.65) & (slopes <= -0.35)))


@pytest.mark.claim("thm-gp-random-features")
def test_random_feature_error_decays_like_inverse_sqrt_width():
    """The random-feature Gram matrix approaches the ReLU kernel with error slope in [-0.65, -0.35] for each of 6 seeds.

    The relative Frobenius error is averaged over 4 draws per width, widths 2^5..2^13, and the slope is
    fitted per independent seed. Negative controls: against the kernel without the sin term or against
    Cho–Saul's k1 without the 1/2 the error stalls and every slope lies outside the interval.
    """
    X = _inputs()
    widths = 2 ** np.arange(5, 14)
    seeds = range(100, 106)
    assert _slopes_ok(_slopes(K.relu_nngp(X), X, seeds, widths))
    for wrong in (_wrong_relu_without_sin, _wrong_cho_saul_k1_without_half):
        s = _slopes(wrong(X), X, seeds, widths)
        assert not _slopes_ok(s)
        assert np.all(s > -0.35)


def test_random_features_seeded_and_unbiased():
    """Same seed, same features; the Gram matrix of a single unit is unbiased (mean over 20000 draws within 4 s.e.)."""
    X = _inputs(4, 3)
    assert np.array_equal(K.random_features(X, 16, generator=3), K.random_features(X, 16, generator=3))
    g = np.random.default_rng(7)
    G = np.array([(lambda F: F @ F.T)(K.random_features(X, 1, generator=g)) for _ in range(20000)])
    se = G.std(0, ddof=1) / np.sqrt(len(G))
    assert np.all(np.abs(G.mean(0) - K.relu_nngp(X)) <= 4 * se)


def _fourth_moment(X):
    """E[relu(w.x)^2 relu(w.y)^2] = ||x||^2 ||y||^2 J_2(theta) / (2 pi) (Cho and Saul's order-2 arc-cosine kernel)."""
    n = np.linalg.norm(X, axis=1)
    th = np.arccos(np.clip(X @ X.T / np.outer(n, n), -1, 1))
    J2 = 3 * np.sin(th) * np.cos(th) + (np.pi - th) * (1 + 2 * np.cos(th) ** 2)
    return np.outer(n, n) ** 2 * J2 / (2 * np.pi)


def _wrong_v_without_mean_square(X):
    """The variance of one feature product with k(x, y)^2 forgotten: E[phi^2 phi^2] instead of E[phi^2 phi^2] - k^2."""
    return _fourth_moment(X)


def _mse_matches(sq_errors, predicted, groups=20) -> bool:
    m = sq_errors.reshape(groups, -1).mean(1)
    return bool(abs(m.mean() - predicted) <= 4 * m.std(ddof=1) / np.sqrt(groups))


@pytest.mark.claim("thm-gp-random-features")
def test_random_feature_mean_squared_error_is_exact():
    r"""$\E\norm{K_N - K}_F^2$ equals $\sum_{ij} v(x_i, x_j)/N$ at $N = 64$ (4000 draws, within 4 s.e. of 20 groups).

    v comes from Cho and Saul's order-2 arc-cosine kernel, an independent closed form (its diagonal 3||x||^4/2
    is checked against the Gaussian fourth moment). Negative control: forgetting to subtract k^2 in v is rejected.
    """
    X = _inputs(5, 3, seed=2)
    Kx = K.relu_nngp(X)
    F4 = _fourth_moment(X)
    assert np.allclose(np.diag(F4), 1.5 * np.sum(X**2, 1) ** 2)
    N = 64
    g = np.random.default_rng(12)
    sq = np.array([np.sum(((lambda F: F @ F.T)(K.random_features(X, N, generator=g)) - Kx) ** 2) for _ in range(4000)])
    assert _mse_matches(sq, (F4 - Kx**2).sum() / N)
    assert not _mse_matches(sq, _wrong_v_without_mean_square(X).sum() / N)


# ----------------------------------------------------------------------------- one hidden layer: the CLT

def _one_layer_outputs(X, width, n_networks, seed):
    """Outputs of independent one-hidden-layer ReLU networks, sigma_w^2 = 2, sigma_b^2 = 0 (He)."""
    g = np.random.default_rng(seed)
    d = X.shape[1]
    out = np.empty((n_networks, X.shape[0]))
    for r in range(n_networks):
        W = g.standard_normal((d, width)) * np.sqrt(2.0 / d)
        a = g.standard_normal(width) * np.sqrt(2.0 / width)
        out[r] = np.maximum(X @ W, 0.0) @ a
    return out


def _excess_kurtosis_matches(samples, predicted, groups=20) -> bool:
    G = samples.reshape(groups, -1)
    k = (G**4).mean(1) / (G**2).mean(1) ** 2 - 3.0
    return bool(abs(k.mean() - predicted) <= 4 * k.std(ddof=1) / np.sqrt(groups))


@pytest.mark.claim("thm-gp-one-layer")
def test_one_layer_outputs_have_the_nngp_covariance_and_vanishing_excess_kurtosis():
    """The outputs of a random one-hidden-layer ReLU network have covariance K (within 4 s.e.) and excess kurtosis 15/N.

    The excess kurtosis 15/N of the scale mixture (the Gaussian readout given a hidden layer whose kernel
    has relative variance 5/N) vanishes as N grows, as the central limit theorem says. Negative control:
    at width 8 the check rejects the claim that the output is already Gaussian (excess kurtosis 0).
    """
    X = _inputs(3, 4)
    Kx = K.nngp_kernel(X, X, depth=1, sigma_w2=2.0, sigma_b2=0.0)
    out = _one_layer_outputs(X, 8, 20000, seed=11)
    C = np.einsum("ri,rj->rij", out, out)
    se = C.std(0, ddof=1) / np.sqrt(len(C))
    assert np.all(np.abs(C.mean(0) - Kx) <= 4 * se)
    z = out[:, 0] / np.sqrt(Kx[0, 0])
    assert _excess_kurtosis_matches(z, 15.0 / 8)
    assert not _excess_kurtosis_matches(z, 0.0)


# ----------------------------------------------------------------------------- deep recursion

def _erf_pair_by_quadrature(s11, s12, s22) -> float:
    """E[erf(u) erf(v)] by scipy double quadrature (independent of the closed form)."""
    L = np.linalg.cholesky(np.array([[s11, s12], [s12, s22]]))

    def f(z2, z1):
        u = L[0, 0] * z1
        v = L[1, 0] * z1 + L[1, 1] * z2
        return special.erf(u) * special.erf(v) * np.exp(-(z1**2 + z2**2) / 2) / (2 * np.pi)

    return integrate.dblquad(f, -9, 9, -9, 9, epsabs=1e-11)[0]


def test_erf_and_tanh_pair_expectations_match_quadrature():
    """The erf closed form and the tanh Gauss–Hermite rule match scipy double quadrature to 1e-7."""
    for s11, s12, s22 in [(1.0, 0.3, 2.0), (0.5, -0.4, 0.8)]:
        ref = _erf_pair_by_quadrature(s11, s12, s22)
        got = K._erf_pair(np.array(s12), np.array(s11), np.array(s22))
        assert float(got) == pytest.approx(ref, abs=1e-7)
    L = np.linalg.cholesky(np.array([[1.2, 0.5], [0.5, 0.9]]))
    f = lambda z2, z1: (np.tanh(L[0, 0] * z1) * np.tanh(L[1, 0] * z1 + L[1, 1] * z2)  # noqa: E731
                        * np.exp(-(z1**2 + z2**2) / 2) / (2 * np.pi))
    ref = integrate.dblquad(f, -9, 9, -9, 9, epsabs=1e-11)[0]
    assert float(K._tanh_pair(np.array([[0.5]]), np.array([[1.2]]), np.array([[0.9]]))[0, 0]) == pytest.approx(ref, abs=1e-7)


def _wrong_recursion_missing_sigma_b2(X, Y, depth, sigma_w2, sigma_b2, phi):
    """The recursion that adds the bias variance in the first layer only."""
    d = X.shape[1]
    kxy = sigma_w2 * X @ X.T / d + sigma_b2
    for _ in range(depth):
        dg = np.diag(kxy)
        kxy = sigma_w2 * K._PAIR[phi](kxy, dg[:, None], dg[None, :])
    return kxy


def _predicted_fluctuation(X, depth, sigma_w2, sigma_b2, phi, width) -> float:
    """sqrt(sum_l kappa_l / N): kappa_l the relative variance of phi(u)^2 at the mean input length of layer l."""
    f = {"tanh": np.tanh, "erf": special.erf, "relu": lambda u: np.maximum(u, 0.0)}[phi]
    q = float(np.mean(sigma_w2 * np.sum(X**2, 1) / X.shape[1] + sigma_b2))
    total = 0.0
    for _ in range(depth):
        m2 = init.gauss_mean(lambda u: f(u) ** 2, q)
        m4 = init.gauss_mean(lambda u: f(u) ** 4, q)
        total += m4 / m2**2 - 1.0
        q = sigma_w2 * m2 + sigma_b2
    return float(np.sqrt(total / width))


def _within_8_percent(Kemp, Kref) -> tuple[bool, float]:
    err = np.linalg.norm(Kemp - Kref, axis=(1, 2)) / np.linalg.norm(Kref)
    rms = float(np.sqrt(np.mean(err**2)))
    return rms <= 0.08, rms


@pytest.mark.claim("thm-gp-deep")
@pytest.mark.parametrize("phi", ["tanh", "erf"])
def test_deep_recursion_within_8_percent_at_width_1024(phi):
    """Random networks of depth 3 and width 1024 have kernels within 8% (RMS relative Frobenius error) of the recursion.

    The 8% is the finite-width fluctuation scale sqrt(sum_l kappa_l / N) (kappa_l the relative variance
    of phi(u)^2 in layer l), and the test asserts that the measured error is at least half of that scale,
    so the tolerance is not slack. Negative control: the recursion that forgets sigma_b^2 after the
    first layer is rejected.
    """
    X = _inputs(6, 5, seed=1)
    args = dict(depth=3, sigma_w2=1.5, sigma_b2=0.1, phi=phi)
    emp = K.empirical_nngp(X, 1024, generator=21, n_networks=12, **args)
    ok, rms = _within_8_percent(emp, K.nngp_kernel(X, X, **args))
    assert ok
    pred = _predicted_fluctuation(X, width=1024, **args)
    assert 0.5 * pred <= rms <= 0.08 and pred <= 0.08
    assert not _within_8_percent(emp, _wrong_recursion_missing_sigma_b2(X, X, **args))[0]


def _maps_match(kernel_fn, sigma_w2, sigma_b2) -> bool:
    q_star = init.fixed_point_q(sigma_w2, sigma_b2, "tanh")
    d = 3
    r = np.sqrt(d * (q_star - sigma_b2) / sigma_w2)  # inputs with K^1(x, x) = q*
    X = r * np.array([[1.0, 0, 0], [0.6, 0.8, 0]])
    c, ok = 0.6 * (q_star - sigma_b2) / q_star + sigma_b2 / q_star, True
    for depth in range(1, 4):
        G = kernel_fn(X, X, depth, sigma_w2, sigma_b2, "tanh")
        c = init.correlation_map(c, q_star, sigma_w2, sigma_b2, "tanh")
        ok &= abs(G[0, 0] - q_star) < 1e-7 and abs(G[0, 1] / q_star - c) < 1e-7
    q = 0.7
    for depth in range(1, 4):
        q = init.length_map(q, sigma_w2, sigma_b2, "tanh")
        G = kernel_fn(np.full((1, 1), np.sqrt(0.7 - sigma_b2) / np.sqrt(sigma_w2)), None, depth, sigma_w2, sigma_b2, "tanh")
        ok &= abs(G[0, 0] - q) < 1e-7
    return bool(ok)


@pytest.mark.claim("prop-gp-maps")
def test_recursion_is_the_length_and_correlation_maps():
    """The diagonal of the recursion iterates chapter 5's length map and, at the fixed point, its correlation map, to 1e-7.

    Chapter 5 computes the maps by its own 201-node quadrature; the kernel uses a 128-node tensor rule.
    Negative control: the recursion without sigma_b^2 after the first layer fails.
    """
    assert _maps_match(K.nngp_kernel, 1.5, 0.1)
    assert not _maps_match(lambda X, Y, L, w, b, phi: _wrong_recursion_missing_sigma_b2(X, Y, L, w, b, phi), 1.5, 0.1)


def test_nngp_depth_zero_and_relu_one_layer():
    """Depth 0 is the linear kernel; depth 1 ReLU with sigma_b^2 = 0 is sigma_w^4 relu_nngp(X)/d."""
    X = _inputs(4, 3)
    assert np.allclose(K.nngp_kernel(X, None, 0, 2.0, 0.3), 2.0 * X @ X.T / 3 + 0.3)
    assert np.allclose(K.nngp_kernel(X, None, 1, 2.0, 0.0), 4.0 * K.relu_nngp(X) / 3)


# ----------------------------------------------------------------------------- regression

def _gp_by_precision(Kxx, y, Ksx, Kss, noise):
    """Gaussian conditioning through the joint precision matrix: cov = inv(P_ss), mean = -cov P_sy y."""
    n = len(y)
    C = np.block([[Kxx + noise * np.eye(n), Ksx.T], [Ksx, Kss]])
    P = np.linalg.inv(C)
    cov = np.linalg.inv(P[n:, n:])
    return -cov @ P[n:, :n] @ y, cov


def _regression_problem():
    X = _inputs(10, 3, seed=4)
    G = K.nngp_kernel(X, None, 2, 2.0, 0.1)
    y = np.sin(X[:6, 0])
    return G[:6, :6], y, G[6:, :6], G[6:, 6:]


def _wrong_posterior_noise_ignored_in_covariance(Kxx, y, Ksx, Kss, noise):
    """Posterior whose covariance forgets the noise (inverts K_XX instead of K_XX + noise I)."""
    mean = Ksx @ np.linalg.solve(Kxx + noise * np.eye(len(y)), y)
    return mean, Kss - Ksx @ np.linalg.solve(Kxx, Ksx.T)


def _posterior_matches(fn, problem, noise) -> bool:
    mean, cov = fn(*problem, noise)
    m2, c2 = _gp_by_precision(*problem, noise)
    return bool(np.allclose(mean, m2, atol=1e-8) and np.allclose(cov, c2, atol=1e-8))


@pytest.mark.claim("prop-gp-posterior")
def test_gp_posterior_matches_joint_precision_conditioning():
    """Mean and covariance of `gp_posterior` equal Gaussian conditioning via the joint precision matrix to 1e-8.

    Negative control: a covariance that inverts K_XX instead of K_XX + noise I is rejected.
    """
    problem = _regression_problem()
    assert _posterior_matches(K.gp_posterior, problem, 0.05)
    assert not _posterior_matches(_wrong_posterior_noise_ignored_in_covariance, problem, 0.05)


def test_kernel_ridge_matches_scikit_learn():
    """kernel_ridge equals scikit-learn's KernelRidge with a precomputed kernel (1e-9)."""
    from sklearn.kernel_ridge import KernelRidge
    Kxx, y, Ksx, _ = _regression_problem()
    ref = KernelRidge(alpha=0.3, kernel="precomputed").fit(Kxx, y).predict(Ksx)
    assert np.allclose(K.kernel_ridge(Kxx, y, Ksx, 0.3), ref, atol=1e-9)
    Y2 = np.c_[y, 2 * y]
    assert np.allclose(K.kernel_ridge(Kxx, Y2, Ksx, 0.3)[:, 1], 2 * ref, atol=1e-9)


def _wrong_ridge_scaled_by_n(Kxx, y, Ksx, ridge):
    return Ksx @ np.linalg.solve(Kxx + len(y) * ridge * np.eye(len(y)), y)


@pytest.mark.claim("cor-gp-krr-mean")
def test_kernel_ridge_equals_gp_posterior_mean():
    r"""Kernel ridge regression with ridge $\sigma^2$ equals the GP posterior mean with noise $\sigma^2$ (an identity, to 1e-10).

    Negative control: ridge regression whose penalty is scaled by n (a common convention mix-up) differs.
    """
    Kxx, y, Ksx, Kss = _regression_problem()
    gp = K.gp_posterior(Kxx, y, Ksx, Kss, 0.2).mean
    assert np.allclose(K.kernel_ridge(Kxx, y, Ksx, 0.2), gp, atol=1e-10)
    assert not np.allclose(_wrong_ridge_scaled_by_n(Kxx, y, Ksx, 0.2), gp, atol=1e-6)


def _objective(G, alpha, idx, y, lam):
    """sum (f(x_i) - y_i)^2 + lam ||f||^2 for f = sum_j alpha_j k(., z_j), data at rows idx."""
    f = G[idx] @ alpha
    return float(np.sum((f - y) ** 2) + lam * alpha @ G @ alpha)


@pytest.mark.claim("thm-gp-representer", "prop-gp-krr")
def test_representer_minimizer_cannot_be_improved_by_other_centres():
    r"""Adding kernel functions centred off the data never lowers the regularized risk below the solution $(K + \lambda I)^{-1}y$.

    Over span{k(., z_j)} for 6 data points and 6 extra centres the exact minimizer puts zero weight on
    the function's component orthogonal to the data span and attains the representer value to 1e-9.
    Negative control: the least-squares fit within the span of the data alone at lam = 0 penalty
    (plain interpolation coefficients used with lam > 0) has a larger objective.
    """
    X = _inputs(12, 3, seed=5)
    G = K.nngp_kernel(X, None, 1, 2.0, 0.1)
    idx = np.arange(6)
    y = np.cos(X[idx, 1])
    lam = 0.3
    a_rep = np.zeros(12)
    a_rep[:6] = np.linalg.solve(G[:6, :6] + lam * np.eye(6), y)
    # global minimizer over the 12-dimensional span: normal equations (G_I^T G_I + lam G) a = G_I^T y
    GI = G[idx]
    a_all = np.linalg.lstsq(GI.T @ GI + lam * G, GI.T @ y, rcond=None)[0]
    best = _objective(G, a_all, idx, y, lam)
    rep = _objective(G, a_rep, idx, y, lam)
    assert rep == pytest.approx(best, rel=1e-9, abs=1e-12)
    assert np.allclose(G @ a_all, G @ a_rep, atol=1e-7)  # same function
    a_wrong = np.zeros(12)
    a_wrong[:6] = np.linalg.solve(G[:6, :6], y)
    assert _objective(G, a_wrong, idx, y, lam) > rep * (1 + 1e-3)


# ----------------------------------------------------------------------------- readout training

SW2, SB2 = 2.0, 0.2
XTR = np.array([-2.0, -0.5, 0.7, 1.8])
YTR = np.sin(1.5 * XTR)
XTE = np.linspace(-3.4, 3.4, 15)  # no test point on a training point


def _readout_ensemble(M, N, seed, start="prior"):
    """Readout-trained one-hidden-layer ReLU networks, each with its own hidden layer."""
    g = np.random.default_rng(seed)
    X = np.r_[XTR, XTE][:, None]
    n = len(XTR)
    out = np.empty((M, len(XTE)))
    for r in range(M):
        W = g.standard_normal((1, N)) * np.sqrt(SW2)
        b = g.standard_normal(N) * np.sqrt(SB2)
        F = np.c_[np.sqrt(SW2 / N) * np.maximum(X @ W + b, 0.0), np.full(len(X), np.sqrt(SB2))]
        v0 = g.standard_normal(N + 1) if start == "prior" else np.zeros(N + 1)
        out[r] = K.train_readout(F[:n], YTR, F[n:], v0)
    return out


def _ensemble_matches_posterior(E, mean, var, groups=20, z=4.0) -> bool:
    sem = E.std(0, ddof=1) / np.sqrt(len(E))
    gv = E.reshape(groups, -1, E.shape[1]).var(1, ddof=1)
    sev = gv.std(0, ddof=1) / np.sqrt(groups)
    return bool(np.all(np.abs(E.mean(0) - mean) <= z * sem + 1e-12) and np.all(np.abs(gv.mean(0) - var) <= z * sev + 1e-12))


def _nngp_posterior(kernel=None):
    X = np.r_[XTR, XTE][:, None]
    G = K.nngp_kernel(X, None, 1, SW2, SB2) if kernel is None else kernel(X)
    n = len(XTR)
    return K.gp_posterior(G[:n, :n], YTR, G[n:, :n], G[n:, n:], 0.0)


def _wrong_kernel_without_sin(X):
    """The one-layer NNGP built on the ReLU kernel without its sin term."""
    Z = np.c_[np.sqrt(SW2) * X, np.full(len(X), np.sqrt(SB2))]
    return SW2 * _wrong_relu_without_sin(Z) + SB2


@pytest.mark.claim("thm-gp-readout")
def test_readout_ensemble_matches_nngp_posterior():
    """400 readout-trained ReLU networks of width 8192, started from the prior, match the NNGP posterior mean and variance within 4 s.e.

    Negative controls: readouts trained from zero have the right mean but (almost) no spread, and the
    posterior of the kernel without the sin term is rejected.
    """
    post = _nngp_posterior()
    var = np.diag(post.cov)
    E = _readout_ensemble(400, 8192, seed=1)
    assert _ensemble_matches_posterior(E, post.mean, var)
    E0 = _readout_ensemble(400, 8192, seed=2, start="zero")
    assert not _ensemble_matches_posterior(E0, post.mean, var)
    wrong = _nngp_posterior(_wrong_kernel_without_sin)
    assert not _ensemble_matches_posterior(E, wrong.mean, np.diag(wrong.cov))


def _fixed_feature_problem(seed=3, N=12):
    g = np.random.default_rng(seed)
    F = g.standard_normal((10, N)) / np.sqrt(N)
    y = g.standard_normal(4)
    return F[:4], y, F[4:]


def _sample_then_optimize(Ftr, y, Fte, noise, M, seed, perturb=True):
    g = np.random.default_rng(seed)
    v0 = g.standard_normal((Ftr.shape[1], M))
    eps = g.standard_normal((len(y), M)) * np.sqrt(noise) if perturb else None
    return K.train_readout(Ftr, y, Fte, v0, noise=noise, eps=eps).T


def _cov_matches(S, mean, cov, groups=20, z=4.0) -> bool:
    G = S.reshape(groups, -1, S.shape[1])
    covs = np.array([np.cov(g.T) for g in G])
    means = G.mean(1)
    ok_c = np.abs(covs.mean(0) - cov) <= z * covs.std(0, ddof=1) / np.sqrt(groups) + 1e-12
    ok_m = np.abs(means.mean(0) - mean) <= z * means.std(0, ddof=1) / np.sqrt(groups) + 1e-12
    return bool(np.all(ok_c) and np.all(ok_m))


@pytest.mark.claim("thm-gp-readout")
@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_sample_then_optimize_is_exact_for_fixed_features(noise):
    """For fixed features, readouts optimized from prior draws have the GP posterior's mean and covariance (within 4 s.e.).

    With noise the targets are perturbed by N(0, noise) draws (sample-then-optimize). Negative controls:
    starting from zero, or (with noise) optimizing without perturbing the targets, gives too little covariance.
    """
    Ftr, y, Fte = _fixed_feature_problem()
    Kf = np.vstack([Ftr, Fte]) @ np.vstack([Ftr, Fte]).T
    post = K.gp_posterior(Kf[:4, :4], y, Kf[4:, :4], Kf[4:, 4:], noise)
    S = _sample_then_optimize(Ftr, y, Fte, noise, 20000, seed=8)
    assert _cov_matches(S, post.mean, post.cov)
    if noise > 0:
        assert not _cov_matches(_sample_then_optimize(Ftr, y, Fte, noise, 20000, seed=9, perturb=False),
                                post.mean, post.cov)
    g = np.random.default_rng(10)
    zero = K.train_readout(Ftr, y, Fte, np.zeros((Ftr.shape[1], 20000)), noise=noise,
                           eps=g.standard_normal((4, 20000)) * np.sqrt(noise) if noise > 0 else None).T
    assert not _cov_matches(zero, post.mean, post.cov)


def test_train_readout_is_the_limit_of_gradient_descent():
    """Gradient descent on the squared loss from v0 converges to train_readout's interpolant (1e-8)."""
    Ftr, y, Fte = _fixed_feature_problem(N=12)
    v = np.random.default_rng(0).standard_normal(12)
    target = K.train_readout(Ftr, y, Fte, v)
    lr = 1.0 / np.linalg.norm(Ftr, 2) ** 2
    for _ in range(20000):
        v = v - lr * Ftr.T @ (Ftr @ v - y)
    assert np.allclose(Fte @ v, target, atol=1e-8)


# ----------------------------------------------------------------------------- bad input

def test_bad_input_names_the_argument():
    """Shape errors and non-definite matrices raise ValueError naming the argument."""
    X = _inputs(3, 2)
    with pytest.raises(ValueError, match=r"\bY\b"):
        K.relu_nngp(X, np.ones((2, 3)))
    with pytest.raises(ValueError, match="phi"):
        K.nngp_kernel(X, None, 1, 2.0, 0.0, "sigmoid")
    with pytest.raises(ValueError, match="K_train"):
        K.kernel_ridge(np.ones((2, 3)), np.ones(2), np.ones((1, 2)), 0.1)
    with pytest.raises(ValueError, match="K_train"):
        K.gp_posterior(np.array([[1.0, 2.0], [2.0, 1.0]]), np.ones(2), np.ones((1, 2)), np.ones((1, 1)), 0.0)
    with pytest.raises(ValueError, match="K_test"):
        K.gp_posterior(np.eye(2), np.ones(2), np.ones((1, 2)), np.ones((2, 2)), 0.0)
    with pytest.raises(ValueError, match="y"):
        K.kernel_ridge(np.eye(2), np.ones(3), np.ones((1, 2)), 0.1)
    with pytest.raises(ValueError, match="v0"):
        K.train_readout(np.ones((2, 3)), np.ones(2), np.ones((1, 3)), np.ones(4))
    with pytest.raises(ValueError, match="features_test"):
        K.train_readout(np.ones((2, 3)), np.ones(2), np.ones((1, 2)), np.ones(3))
    with pytest.raises(TypeError, match="generator"):
        K.random_features(X, 4, generator=1.5)
