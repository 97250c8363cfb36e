"""Tests of nnmath.problems: the test problems and oracles of Part II, each against an independent reference."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from nnmath import problems


def _logistic_problem(seed: int, n: int = 40, d: int = 6) -> problems.Logistic:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n))
    return problems.Logistic(X, y, lam=0.01)


# ----------------------------------------------------------------------------- gradients and minimizers

def test_problems_gradients():
    """The test problems' gradients match central finite differences, and their minimizers are stationary."""
    rng = np.random.default_rng(0)
    probs = [problems.random_quadratic(np.linspace(0.0, 3.0, 6), seed=2), problems.nesterov_worst_function(2.0, 6),
             _logistic_problem(3, d=6), problems.power_law_quadratic(6, L=3.0)]
    for prob in probs:
        x = rng.standard_normal(6)
        h = 1e-6
        fd = np.array([(prob.value(x + h * e) - prob.value(x - h * e)) / (2 * h) for e in np.eye(6)])
        np.testing.assert_allclose(prob.grad(x), fd, atol=1e-6)
    for prob in probs[:2] + probs[3:]:
        np.testing.assert_allclose(prob.grad(prob.x_star), 0.0, atol=1e-12)
        # the excess computed without cancellation equals value - f*
        x = rng.standard_normal(6)
        np.testing.assert_allclose(prob.excess(x), prob.value(x) - prob.f_star, rtol=1e-10)


def test_logistic_smoothness_constant_bounds_the_hessian():
    """Logistic.L bounds the top eigenvalue of the autograd Hessian everywhere and is attained at w = 0 (sigma' = 1/4)."""
    prob = _logistic_problem(4, n=50, d=5)
    X, y = torch.tensor(prob.X), torch.tensor(prob.y)

    def loss(w):
        return torch.mean(torch.nn.functional.softplus(-y * (X @ w))) + 0.5 * prob.lam * torch.sum(w * w)

    rng = np.random.default_rng(1)
    tops = [np.linalg.eigvalsh(torch.autograd.functional.hessian(loss, torch.tensor(w)).numpy())[-1]
            for w in [np.zeros(5)] + list(rng.standard_normal((5, 5)))]
    assert np.isclose(tops[0], prob.L, rtol=1e-10)
    assert max(tops) <= prob.L * (1 + 1e-10)


# ----------------------------------------------------------------------------- the power-law quadratic

def _power_law_spectrum_check(prob: problems.Quadratic, dim: int, L: float) -> bool:
    """The spectrum is L j^-2 and the minimizer j^-1/2 (j = 1..dim), compared with exact rationals."""
    j = np.arange(1, dim + 1)
    lam_exact = np.array([float(Fraction(1, int(i) ** 2)) for i in j]) * L
    ok_spectrum = np.allclose(np.sort(prob.eigenvalues)[::-1], lam_exact, rtol=1e-13, atol=0)
    ok_min = np.allclose(prob.x_star, 1 / np.sqrt(j), rtol=1e-12, atol=0)
    return bool(ok_spectrum and ok_min and np.isclose(prob.L, L, rtol=1e-14) and np.isclose(prob.mu, L / dim**2))


def _wrong_spectrum_j_minus_1(dim: int, L: float) -> problems.Quadratic:
    """A power-law quadratic with eigenvalues L/j instead of L/j^2 (the mistake the check must catch)."""
    j = np.arange(1, dim + 1)
    lam = L / j
    return problems.Quadratic(np.diag(lam), lam * j**-0.5)


def test_power_law_quadratic_spectrum():
    """power_law_quadratic has eigenvalues L j^-2 and minimizer j^-1/2; a j^-1 spectrum fails the same check."""
    for dim, L in [(1, 1.0), (7, 2.5), (400, 1.0)]:
        assert _power_law_spectrum_check(problems.power_law_quadratic(dim, L), dim, L)
    assert not _power_law_spectrum_check(_wrong_spectrum_j_minus_1(7, 2.5), 7, 2.5)


def test_power_law_quadratic_gd_gap_is_the_spectral_sum():
    """From 0 with step 1/L, the GD gap equals (1/2) sum_j lambda_j (x*_j)^2 (1 - lambda_j/L)^(2k), computed in exact rationals."""
    dim, K = 12, 30
    prob = problems.power_law_quadratic(dim)
    x = np.zeros(dim)
    for k in range(K + 1):
        exact = sum(Fraction(1, j**2) * Fraction(1, j) * (1 - Fraction(1, j**2)) ** (2 * k)
                    for j in range(1, dim + 1)) / 2
        assert np.isclose(prob.excess(x), float(exact), rtol=1e-11, atol=0)
        x = x - prob.grad(x) / prob.L


# ----------------------------------------------------------------------------- Nesterov's worst function

def test_nesterov_worst_function_minimizer():
    """The worst function has x*_i = 1 - i/(d+1), f* = (L/8)(-1 + 1/(d+1)) and 0 <= A <= L I."""
    worst = problems.nesterov_worst_function(2.0, 9)
    np.testing.assert_allclose(worst.x_star, 1 - np.arange(1, 10) / 10, atol=1e-12)
    np.testing.assert_allclose(worst.f_star, 2.0 / 8 * (-1 + 1 / 10), atol=1e-12)
    assert 0 <= worst.eigenvalues[0] and worst.L <= 2.0


def _krylov_minimum_gap(prob: problems.Quadratic, k: int) -> float:
    """min f - f* over the Krylov space span{b, Ab, ..., A^(k-1) b}, by least squares over an orthonormal Krylov basis.

    The basis comes from Arnoldi's process with full re-orthogonalization; nothing about the
    tridiagonal structure is used. The minimum over x = Q c solves the normal equations
    (Q^T A Q) c = Q^T b, computed with a least-squares solver.
    """
    if k == 0:
        return float(prob.excess(np.zeros(prob.b.size)))
    q = prob.b / np.linalg.norm(prob.b)
    Q = [q]
    for _ in range(k - 1):
        v = prob.A @ Q[-1]
        for _ in range(2):                                   # twice is enough (Kahan)
            for u in Q:
                v = v - (u @ v) * u
        Q.append(v / np.linalg.norm(v))
    Q = np.array(Q).T
    c = np.linalg.lstsq(Q.T @ prob.A @ Q, Q.T @ prob.b, rcond=None)[0]
    return float(prob.excess(Q @ c))


def _lower_bound_pinned(bound_fn, L: float, dim: int) -> bool:
    """``bound_fn(L, k, dim)`` equals the exact Krylov minimum for every k <= dim (relative 1e-9)."""
    prob = problems.nesterov_worst_function(L, dim)
    ks = np.arange(dim + 1)
    exact = np.array([_krylov_minimum_gap(prob, int(k)) for k in ks])
    got = np.asarray(bound_fn(L, ks, dim), dtype=float)
    return bool(np.allclose(got, exact, rtol=1e-9, atol=1e-15 * L))


def _wrong_L_over_9(L, k, dim):
    """The lower bound with L/9 in place of L/8."""
    return L / 9.0 * (1.0 / (np.asarray(k) + 1.0) - 1.0 / (dim + 1.0))


def _wrong_k_plus_2(L, k, dim):
    """The lower bound with 1/(k+2) in place of 1/(k+1)."""
    return L / 8.0 * (1.0 / (np.asarray(k) + 2.0) - 1.0 / (dim + 1.0))


def test_nesterov_lower_bound_is_the_krylov_minimum():
    """nesterov_lower_bound(L, k, d) equals min f - f* over the k-th Krylov space, computed independently; L/9 and k+2 mutants fail."""
    for L, dim in [(1.0, 21), (3.0, 40)]:
        assert _lower_bound_pinned(problems.nesterov_lower_bound, L, dim)
        assert not _lower_bound_pinned(_wrong_L_over_9, L, dim)
        assert not _lower_bound_pinned(_wrong_k_plus_2, L, dim)
    assert problems.nesterov_lower_bound(1.0, 21, 21) == 0.0


# ----------------------------------------------------------------------------- oracles

def test_noisy_gradient_mean_and_variance():
    """noisy_gradient is unbiased with E||g - grad f||^2 = sigma^2 d, within 4 standard errors over independent calls."""
    d, sigma, n = 4, 0.7, 20000
    oracle = problems.noisy_gradient(lambda x: 2.0 * x, sigma, seed=3)
    x = np.tile(np.array([1.0, -1.0, 0.5, 0.0]), (n, 1))
    G = oracle(x) - 2.0 * x
    se_mean = sigma / np.sqrt(n)
    assert np.all(np.abs(G.mean(axis=0)) <= 4 * se_mean)
    sq = np.sum(G**2, axis=1)
    assert abs(sq.mean() - sigma**2 * d) <= 4 * sq.std(ddof=1) / np.sqrt(n)


@pytest.mark.claim("prop-gm-minibatch")
def test_minibatch_variance_divided_by_batch_size():
    r"""Mini-batch least-squares gradients are unbiased and their variance is the exact single-sample variance divided by $B$, within 4 standard errors; division by $\sqrt{B}$ is rejected."""
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    w = rng.standard_normal(3)
    full = X.T @ (X @ w - y) / 30
    single = X * (X @ w - y)[:, None]                               # the n per-example gradients
    exact_var = np.sum(np.mean((single - full) ** 2, axis=0))        # trace of the single-sample covariance
    n = 20000
    for B in (1, 8):
        G = problems.minibatch_gradient(X, y, B, seed=B)(np.tile(w, (n, 1)))
        np.testing.assert_allclose(G.mean(axis=0), full, atol=4 * np.sqrt(G.var(axis=0).max() / n))
        sq = np.sum((G - full) ** 2, axis=1)                         # unbiased estimate of the trace
        se = sq.std(ddof=1) / np.sqrt(n)
        assert abs(sq.mean() - exact_var / B) <= 4 * se
        if B > 1:                                                    # negative control: _wrong_over_sqrt_B
            assert abs(sq.mean() - exact_var / np.sqrt(B)) > 4 * se


# ----------------------------------------------------------------------------- sharpness

def test_sharpness_matches_full_hessian():
    """Power iteration with Hessian-vector products finds the top eigenvalue of the full autograd Hessian."""
    rng = np.random.default_rng(0)
    M = torch.tensor(rng.standard_normal((6, 6)))

    def loss(t):
        return 0.5 * torch.sum((M @ torch.tanh(t)) ** 2) + 0.1 * torch.sum(t**4)

    theta = rng.standard_normal(6) * 0.3
    H = torch.autograd.functional.hessian(loss, torch.tensor(theta)).numpy()
    lam, u = problems.sharpness(loss, theta, iters=300)
    assert np.isclose(lam, np.linalg.eigvalsh(H)[-1], rtol=1e-8)
    np.testing.assert_allclose(np.abs(H @ u), np.abs(lam * u), atol=1e-6)


# ----------------------------------------------------------------------------- argument checks

@pytest.mark.parametrize("call, name, err", [
    (lambda: problems.Quadratic(np.ones((2, 3)), np.ones(2)), "A", ValueError),
    (lambda: problems.Quadratic(np.diag([1.0, -1.0]), np.ones(2)), "A", ValueError),
    (lambda: problems.Quadratic(np.diag([1.0, 0.0]), np.ones(2)), "b", ValueError),
    (lambda: problems.Quadratic(np.eye(2), np.ones(3)), "b", ValueError),
    (lambda: problems.power_law_quadratic(0), "dim", ValueError),
    (lambda: problems.power_law_quadratic(3, L=0.0), "L", ValueError),
    (lambda: problems.power_law_quadratic(2.5), "dim", TypeError),
    (lambda: problems.random_quadratic([1.0, -1.0], seed=0), "eigenvalues", ValueError),
    (lambda: problems.random_quadratic([1.0], seed=0, b_scale=-1.0), "b_scale", ValueError),
    (lambda: problems.nesterov_worst_function(-1.0, 3), "L", ValueError),
    (lambda: problems.nesterov_worst_function(1.0, 0), "dim", ValueError),
    (lambda: problems.nesterov_lower_bound(1.0, 4, 3), "k", ValueError),
    (lambda: problems.nesterov_lower_bound(1.0, -1, 3), "k", ValueError),
    (lambda: problems.noisy_gradient(lambda x: x, -1.0, seed=0), "sigma", ValueError),
    (lambda: problems.noisy_gradient("grad", 1.0, seed=0), "grad", TypeError),
    (lambda: problems.minibatch_gradient(np.ones((4, 2)), np.ones(4), 0, seed=0), "batch_size", ValueError),
    (lambda: problems.minibatch_gradient(np.ones((4, 2)), np.ones(3), 1, seed=0), "y", ValueError),
    (lambda: problems.sharpness(lambda t: t.sum(), np.zeros((2, 3))), "theta", ValueError),
    (lambda: problems.sharpness(lambda t: t.sum(), np.zeros(3), iters=0), "iters", ValueError),
])
def test_bad_input(call, name, err):
    """Bad arguments to the problem constructors and oracles raise, naming the argument."""
    with pytest.raises(err, match=name):
        call()
