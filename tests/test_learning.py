"""Tests of nnmath.learning: the statements of the chapter *Learning problems*."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from nnmath import data, learning


def _fit(degree, lam=0.0):
    return lambda x, y: learning.fit_polynomial(x, y, degree, lam)


X_TEST = np.linspace(-1, 1, 101)


@pytest.mark.claim("thm-lp-bias-variance")
@pytest.mark.parametrize("degree", [1, 3, 7])
def test_bias_variance_terms_add_up_to_the_measured_risk(degree):
    """The Monte Carlo risk on fresh labels equals bias² + variance + σ² within three standard errors."""
    bv = learning.bias_variance(_fit(degree), n_train=30, n_trials=400, noise_std=0.3, x_test=X_TEST, seed=1)
    assert abs(bv.risk - bv.total) <= 3 * bv.gap_stderr
    # the check can fail: leaving out the noise term is detected
    assert abs(bv.risk - (bv.bias2 + bv.variance)) > 10 * bv.gap_stderr


@pytest.mark.claim("thm-lp-bias-variance")
def test_bias_falls_and_variance_grows_with_degree():
    """Across odd degrees 1 to 7, bias² falls from 1 to 5 and variance grows from 3 to 7: the risk is U-shaped."""
    res = [learning.bias_variance(_fit(p), n_train=30, n_trials=400, noise_std=0.3, x_test=X_TEST, seed=2)
           for p in (1, 3, 5, 7)]
    bias2 = [r.bias2 for r in res]
    var = [r.variance for r in res]
    risk = [r.risk for r in res]
    assert bias2[0] > bias2[1] > bias2[2]
    assert var[1] < var[2] < var[3]
    best = int(np.argmin(risk))
    assert 0 < best < len(risk) - 1


@pytest.mark.claim("prop-lp-ridge")
def test_ridge_matches_scikit_learn_and_the_normal_equations():
    """The ridge estimator equals scikit-learn's Ridge(alpha = nλ) and zeroes the gradient of the objective."""
    rng = np.random.default_rng(3)
    Phi, y = rng.standard_normal((30, 6)), rng.standard_normal(30)
    lam = 0.07
    w = learning.ridge(Phi, y, lam)
    ref = Ridge(alpha=30 * lam, fit_intercept=False, solver="cholesky").fit(Phi, y).coef_
    np.testing.assert_allclose(w, ref, rtol=1e-10, atol=1e-12)
    grad = 2 / 30 * Phi.T @ (Phi @ w - y) + 2 * lam * w
    np.testing.assert_allclose(grad, 0, atol=1e-12)


@pytest.mark.claim("thm-lp-ridge-bias-variance")
def test_fixed_design_ridge_formulas_match_monte_carlo():
    """Bias² and variance of ridge in the fixed-design model equal their closed forms (Monte Carlo, 4 s.e.)."""
    rng = np.random.default_rng(4)
    n, p, sigma = 40, 10, 0.5
    Phi = rng.standard_normal((n, p))
    w_star = rng.standard_normal(p)
    lams = np.array([0.0, 0.01, 0.1, 1.0])
    bias2, var = learning.ridge_fixed_design(Phi, w_star, sigma, lams)
    T = 4000
    noise = sigma * rng.standard_normal((T, n))
    for k, lam in enumerate(lams):
        H = Phi @ np.linalg.solve(Phi.T @ Phi + n * lam * np.eye(p), Phi.T)  # hat matrix
        preds = (Phi @ w_star)[None, :] @ H.T + noise @ H.T
        mean = preds.mean(axis=0)
        np.testing.assert_allclose(np.mean((mean - Phi @ w_star) ** 2), bias2[k], rtol=0.05, atol=1e-3)
        per = np.mean((preds - mean) ** 2, axis=1)
        assert abs(per.mean() - var[k]) <= 4 * per.std(ddof=1) / np.sqrt(T) + 1e-12


@pytest.mark.claim("thm-lp-ridge-bias-variance")
def test_ridge_bias_increases_and_variance_decreases_in_lambda():
    """In the fixed-design model, bias² is non-decreasing and variance non-increasing in λ; at λ = 0 variance is σ²p/n."""
    rng = np.random.default_rng(5)
    Phi, w_star = rng.standard_normal((30, 8)), rng.standard_normal(8)
    lams = np.geomspace(1e-4, 1e2, 60)
    bias2, var = learning.ridge_fixed_design(Phi, w_star, 0.4, np.concatenate([[0.0], lams]))
    assert bias2[0] == pytest.approx(0.0, abs=1e-12)
    assert var[0] == pytest.approx(0.16 * 8 / 30)
    assert np.all(np.diff(bias2) >= -1e-15) and np.all(np.diff(var) <= 1e-15)


@pytest.mark.claim("prop-lp-gd-filter")
@pytest.mark.parametrize("t", [0, 1, 7, 200])
def test_gradient_descent_iterates_are_a_spectral_filter(t):
    """Gradient descent from zero on least squares equals the spectral-filter formula at every step."""
    rng = np.random.default_rng(6)
    Phi, y = rng.standard_normal((25, 6)), rng.standard_normal(25)
    lr = 0.9 * 25 / (2 * np.linalg.norm(Phi, 2) ** 2)
    path = learning.gd_least_squares(Phi, y, lr, t)
    np.testing.assert_allclose(path[t], learning.gd_spectral_filter(Phi, y, lr, t), rtol=1e-9, atol=1e-12)


def test_paths_equal_the_single_estimators():
    """ridge_path and the vectorized spectral filter equal ridge and gd_spectral_filter one value at a time."""
    rng = np.random.default_rng(8)
    Phi, y = rng.standard_normal((20, 5)), rng.standard_normal(20)
    lams = np.array([0.0, 1e-3, 0.5])
    np.testing.assert_allclose(learning.ridge_path(Phi, y, lams), [learning.ridge(Phi, y, l) for l in lams],
                               atol=1e-11)
    times = np.array([0, 3, 50])
    np.testing.assert_allclose(learning.gd_spectral_filter(Phi, y, 0.1, times),
                               [learning.gd_spectral_filter(Phi, y, 0.1, int(t)) for t in times], atol=1e-12)


def test_legendre_population_risk_matches_population_risk():
    """The vectorized risk of coefficient rows equals population_risk of the corresponding polynomials."""
    W = np.random.default_rng(9).standard_normal((3, 6))
    expected = [learning.population_risk(lambda t, w=w: learning.legendre_features(t, 5) @ w, noise_std=0.2)
                for w in W]
    np.testing.assert_allclose(learning.legendre_population_risk(W, noise_std=0.2), expected, rtol=1e-12)


def test_gradient_descent_converges_to_least_squares():
    """With a stable step, the gradient-descent path tends to the least-squares solution (ridge at λ = 0)."""
    rng = np.random.default_rng(7)
    Phi, y = rng.standard_normal((25, 4)), rng.standard_normal(25)
    lr = 25 / (2 * np.linalg.norm(Phi, 2) ** 2)
    np.testing.assert_allclose(learning.gd_least_squares(Phi, y, lr, 3000)[-1], learning.ridge(Phi, y, 0.0),
                               atol=1e-8)


@pytest.mark.claim("prop-lp-finite-class")
def test_finite_class_deviation_bound_holds_with_probability_one_minus_delta():
    """Over 2,000 samples the uniform deviation of 21 threshold classifiers exceeds the Hoeffding–union bound in at most a fraction δ."""
    thetas, n, delta = np.linspace(0, 1, 21), 200, 0.05
    draws = learning.finite_class_deviation(thetas, n=n, flip=0.2, n_trials=2000, seed=0)
    bound = np.sqrt(np.log(2 * len(thetas) / delta) / (2 * n))
    assert np.mean(draws.deviation > bound) <= delta
    # not vacuous: a bound half as large is exceeded often
    assert np.mean(draws.deviation > bound / 2) > delta


@pytest.mark.claim("lem-lp-erm-excess")
def test_erm_excess_risk_is_below_twice_the_uniform_deviation():
    """In every sample, the excess risk of the empirical risk minimizer is at most twice the uniform deviation."""
    draws = learning.finite_class_deviation(np.linspace(0, 1, 41), n=50, flip=0.3, n_trials=1000, seed=1)
    assert np.all(draws.excess <= 2 * draws.deviation + 1e-12)
    assert np.any(draws.excess > 0)  # ERM does make mistakes at n = 50


@pytest.mark.claim("prop-lp-regression-function")
def test_risk_is_bayes_risk_plus_squared_distance_to_regression_function():
    """For predictors f, the risk equals σ² + E(f − f*)², measured by Monte Carlo on noisy labels within 4 s.e."""
    rng = np.random.default_rng(12)
    x = rng.uniform(-1, 1, 400_000)
    y = data.default_target(x) + 0.3 * rng.standard_normal(x.size)
    for f in (np.zeros_like, np.sin, lambda t: t**3):
        loss = (f(x) - y) ** 2
        exact = learning.population_risk(f, noise_std=0.3)
        assert abs(loss.mean() - exact) <= 4 * loss.std() / np.sqrt(x.size)
    # the regression function itself attains the Bayes risk sigma^2
    assert learning.population_risk(data.default_target, noise_std=0.3) == pytest.approx(0.09)


def test_population_risk_is_exact_for_polynomials():
    """Gauss–Legendre quadrature gives E(x²)² = 1/5 on U[-1, 1] and adds σ²."""
    assert learning.population_risk(lambda t: t**2, target=np.zeros_like, noise_std=0.5) == pytest.approx(0.2 + 0.25)


def test_legendre_features_are_legendre_polynomials():
    """Column j of the feature matrix is P_j; P_2(x) = (3x² − 1)/2."""
    x = np.linspace(-1, 1, 7)
    F = learning.legendre_features(x, 2)
    np.testing.assert_allclose(F[:, 2], (3 * x**2 - 1) / 2)


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: learning.legendre_features([0.0, 2.0], 3), ValueError, "x"),
        (lambda: learning.legendre_features([0.0], -1), ValueError, "degree"),
        (lambda: learning.legendre_features([0.0], 2.5), TypeError, "degree"),
        (lambda: learning.ridge(np.ones((3, 2)), np.ones(4), 0.1), ValueError, "y"),
        (lambda: learning.ridge(np.ones((3, 2)), np.ones(3), -0.1), ValueError, "lam"),
        (lambda: learning.gd_least_squares(np.ones((3, 2)), np.ones(3), 0.0, 5), ValueError, "lr"),
        (lambda: learning.bias_variance(_fit(1), n_train=0, n_trials=5, noise_std=0.1, x_test=X_TEST, seed=0),
         ValueError, "n_train"),
        (lambda: learning.bias_variance("fit", n_train=5, n_trials=5, noise_std=0.1, x_test=X_TEST, seed=0),
         TypeError, "fit"),
        (lambda: learning.ridge_fixed_design(np.ones((3, 2)), np.ones(3), 0.1, [0.1]), ValueError, "w_star"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    """Bad input raises ValueError/TypeError whose message names the offending argument."""
    with pytest.raises(exc, match=name):
        call()


def test_same_seed_same_numbers():
    """A fixed seed reproduces the Monte Carlo estimates exactly."""
    a = learning.bias_variance(_fit(2), n_train=10, n_trials=5, noise_std=0.2, x_test=X_TEST, seed=11)
    b = learning.bias_variance(_fit(2), n_train=10, n_trials=5, noise_std=0.2, x_test=X_TEST, seed=11)
    assert a.risk == b.risk and np.array_equal(a.predictions, b.predictions)
