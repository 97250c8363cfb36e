"""Tests of nnmath.learning: the statements of the chapter *Learning problems*.

Every claim test compares with a reference that does not share the formula under test (finite
differences, exact rational arithmetic, scikit-learn, scipy, closed forms derived by hand, Monte
Carlo with standard errors from independent replicates) and keeps a negative control: a plausible
wrong variant, named for the mistake, that the same check must reject.
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

from nnmath import data, learning


def _fit(degree, lam=0.0):
    return lambda x, y: learning.fit_polynomial(x, y, degree, lam)


X_TEST = np.linspace(-1, 1, 101)
# E Var f*(X) for f*(x) = sin(pi x) + x/2 and X ~ U[-1, 1], by hand: f* is odd, so its mean is 0, and
# E sin^2(pi X) = 1/2, E[X sin(pi X)] = int_0^1 x sin(pi x) dx = 1/pi, E[X^2/4] = 1/12.
VAR_F_STAR = 0.5 + 1 / np.pi + 1 / 12


def _within(estimates, value, k=4.0):
    """True if the mean of independent replicate estimates is within k standard errors of value."""
    estimates = np.asarray(estimates, dtype=float)
    se = estimates.std(ddof=1) / np.sqrt(estimates.size)
    return abs(estimates.mean() - value) <= k * se


def _finite_difference_gradient(f, w, h=1e-5):
    """Central differences, exact up to rounding for the quadratic objectives used here."""
    g = np.zeros_like(w)
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = h
        g[j] = (f(w + e) - f(w - e)) / (2 * h)
    return g


# --------------------------------------------------------------------------- risk and Bayes predictor
def _wrong_risk_without_noise(f):
    """Mistake: the risk of f taken to be its squared distance to f* (forgets the Bayes risk)."""
    return learning.population_risk(f, noise_std=0.0)


@pytest.mark.claim("prop-lp-regression-function")
def test_risk_is_bayes_risk_plus_squared_distance_to_regression_function():
    r"""For predictors $f$, the risk equals $\sigma^2 + \E(f - f^*)^2$, measured by Monte Carlo on noisy labels within 4 s.e."""
    rng = np.random.default_rng(12)
    x = rng.uniform(-1, 1, 400_000)
    y = data.default_target(x) + 0.3 * rng.standard_normal(x.size)

    def agrees(formula, f):
        loss = (f(x) - y) ** 2
        return abs(loss.mean() - formula(f)) <= 4 * loss.std() / np.sqrt(x.size)

    for f in (np.zeros_like, np.sin, lambda t: t**3):
        assert agrees(lambda g: learning.population_risk(g, noise_std=0.3), f)
        assert not agrees(_wrong_risk_without_noise, f)  # negative control
    # the regression function itself attains the Bayes risk sigma^2
    assert learning.population_risk(data.default_target, noise_std=0.3) == pytest.approx(0.09)


def test_population_risk_is_exact_for_polynomials():
    """Gauss–Legendre quadrature gives E(x²)² = 1/5 on U[-1, 1] and adds σ²."""
    assert learning.population_risk(lambda t: t**2, target=np.zeros_like, noise_std=0.5) == pytest.approx(0.2 + 0.25)


# --------------------------------------------------------------------------- finite class and ERM
def _wrong_threshold_risk_missing_factor(thresholds, flip):
    """Mistake: R(h_θ) = η + |θ − 1/2| (forgets that a flipped label can make a mistake right)."""
    return flip + np.abs(np.asarray(thresholds) - 0.5)


@pytest.mark.claim("thm-lp-bayes-classifier")
def test_threshold_risk_formula_matches_monte_carlo():
    r"""The risk $\rho + (1 - 2\rho)\abs{\theta - 1/2}$ of each threshold classifier, given by the Bayes-classifier identity, agrees with Monte Carlo within 4 s.e."""
    thetas, flip = np.linspace(0, 1, 11), 0.2
    x, y = data.threshold_classification(200_000, flip=flip, seed=3)
    errors = (x[:, None] >= thetas[None, :]) != y[:, None]
    mc, se = errors.mean(axis=0), errors.std(axis=0) / np.sqrt(x.size)

    def agrees(formula):
        return np.all(np.abs(mc - formula(thetas, flip)) <= 4 * se + 1e-12)

    assert agrees(learning.threshold_risk)
    assert not agrees(_wrong_threshold_risk_missing_factor)  # negative control


def _reference_deviations(thetas, n, flip, n_trials, seed):
    """Replays the samples of finite_class_deviation and takes the sup over every threshold by a loop."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_trials):
        x, y = data.threshold_classification(n, flip=flip, seed=rng)
        devs = []
        for theta in thetas:
            empirical = np.mean((x >= theta) != y)
            exact = flip + (1 - 2 * flip) * abs(theta - 0.5)
            devs.append(abs(empirical - exact))
        out.append(max(devs))
    return np.array(out)


def _wrong_sup_over_half_the_class(thetas, *, n, flip, n_trials, seed):
    """Mistake: the supremum taken over every other member of the class only."""
    rng = np.random.default_rng(seed)
    risk = learning.threshold_risk(thetas, flip)
    out = np.empty(n_trials)
    for t in range(n_trials):
        x, y = data.threshold_classification(n, flip=flip, seed=rng)
        emp = ((x[:, None] >= thetas[None, :]) != y[:, None]).mean(axis=0)
        out[t] = np.max(np.abs(emp - risk)[::2])
    return out


def test_uniform_deviation_is_the_supremum_over_the_whole_class():
    """The sampled uniform deviation equals a loop over all thresholds on the replayed samples; a sup over half the class is caught."""
    thetas, kw = np.linspace(0, 1, 21), dict(n=60, flip=0.2, n_trials=200, seed=4)
    ref = _reference_deviations(thetas, **kw)
    assert np.allclose(learning.finite_class_deviation(thetas, **kw).deviation, ref, atol=1e-12)
    assert not np.allclose(_wrong_sup_over_half_the_class(thetas, **kw), ref, atol=1e-12)  # negative control


@pytest.mark.claim("prop-lp-finite-class")
def test_finite_class_deviation_bound_holds_with_probability_one_minus_delta():
    r"""The uniform deviation exceeds the Hoeffding–union bound in at most a fraction $\delta$ of samples, and the bound is near tight for one classifier."""
    delta = 0.05
    # the chapter's class: 21 thresholds, n = 200
    thetas, n = np.linspace(0, 1, 21), 200
    kw = dict(n=n, flip=0.2, n_trials=2000, seed=0)
    dev = learning.finite_class_deviation(thetas, **kw).deviation
    # the sampled quantity is the supremum over the whole class (a sup over half of it would pass the bound)
    ref = _reference_deviations(thetas, **kw)
    assert np.allclose(dev, ref, atol=1e-12)
    assert not np.allclose(_wrong_sup_over_half_the_class(thetas, **kw), ref, atol=1e-12)  # negative control
    bound = np.sqrt(np.log(2 * len(thetas) / delta) / (2 * n))
    assert np.mean(dev > bound) <= delta
    # near the worst case: a single classifier of risk 1/2, where Hoeffding is closest to exact
    dev1 = learning.finite_class_deviation(np.array([0.5]), n=n, flip=0.5, n_trials=4000, seed=1).deviation
    bound1 = np.sqrt(np.log(2 / delta) / (2 * n))

    def holds(b):
        freq = np.mean(dev1 > b)
        return freq <= delta + 4 * np.sqrt(delta * (1 - delta) / dev1.size)

    assert holds(bound1)
    assert np.quantile(dev1, 1 - delta) / bound1 >= 0.65  # tightness ratio of the bound
    assert not holds(bound1 / 2)  # negative control: a bound off by a factor 2 fails


@pytest.mark.claim("lem-lp-erm-excess")
def test_erm_excess_risk_is_below_twice_the_uniform_deviation():
    """In every sample, the excess risk of the empirical risk minimizer is at most twice the uniform deviation, and the factor 2 is needed."""
    draws = learning.finite_class_deviation(np.linspace(0, 1, 41), n=50, flip=0.3, n_trials=1000, seed=1)
    assert np.all(draws.excess <= 2 * draws.deviation + 1e-12)
    ratio = np.max(draws.excess / (2 * draws.deviation))
    assert ratio >= 0.7  # tightness of the constant
    assert np.any(draws.excess > draws.deviation + 1e-12)  # negative control: the bound with factor 1 fails


# --------------------------------------------------------------------------- bias and variance
def _mean_estimator_replicates(n_rep=200, n=5, sigma=1.0, trials=20, seed=21):
    x_test = -1 + (2 * np.arange(400) + 1) / 400  # midpoint rule for E over X ~ U[-1, 1]
    rng = np.random.default_rng(seed)
    return [learning.bias_variance(_fit(0), n_train=n, n_trials=trials, noise_std=sigma, x_test=x_test,
                                   n_batches=2, seed=rng) for _ in range(n_rep)]


@pytest.mark.claim("thm-lp-bias-variance")
def test_mean_estimator_terms_and_risk_match_closed_forms():
    r"""For the sample mean, $\mathrm{bias}^2 = \Var f^*(X)$, $\mathrm{variance} = (\Var f^*(X) + \sigma^2)/n$ and the fresh-label risk is their sum $+\,\sigma^2$, each within 4 s.e."""
    n, sigma, trials = 5, 1.0, 20
    reps = _mean_estimator_replicates(n=n, sigma=sigma, trials=trials)
    bias2 = [r.bias2 for r in reps]
    var = [r.variance for r in reps]
    risk = [r.risk for r in reps]
    B, V = VAR_F_STAR, (VAR_F_STAR + sigma**2) / n
    assert _within(bias2, B) and _within(var, V) and _within(risk, B + V + sigma**2)
    # negative controls: each wrong variant is rejected by the same check
    assert not _within(var, VAR_F_STAR / n)  # _wrong_variance_without_noise
    assert not _within(bias2, B + sigma**2)  # _wrong_bias_is_var_y
    assert not _within(risk, B + sigma**2)  # _wrong_decomposition_without_variance
    assert not _within(risk, B + V)  # _wrong_decomposition_without_noise
    plug_in = [r.bias2 + r.variance / trials for r in reps]  # _wrong_plug_in_bias (not debiased)
    assert not _within(plug_in, B)


def test_bias_plus_variance_is_the_mean_squared_error_identically():
    """bias² + variance equals the average squared distance of the fits from f* to rounding (an identity), and risk − mse estimates σ²."""
    bv = learning.bias_variance(_fit(3), n_train=30, n_trials=200, noise_std=0.3, x_test=X_TEST, seed=1)
    mse = np.mean((bv.predictions - data.default_target(X_TEST)) ** 2)
    assert bv.bias2 + bv.variance == pytest.approx(mse, rel=1e-12)
    assert bv.mse == pytest.approx(mse, rel=1e-12)
    assert abs(bv.risk - bv.total) <= 4 * bv.noise_stderr
    assert abs(bv.risk - (bv.bias2 + bv.variance)) > 10 * bv.noise_stderr  # the noise term is measured


def test_batch_standard_errors_cover_the_spread_over_seeds():
    """The batch standard errors of bias² and variance are not smaller than the spread of the estimates over seeds."""
    runs = [learning.bias_variance(_fit(1), n_train=30, n_trials=100, noise_std=0.3, x_test=X_TEST, seed=s)
            for s in range(12)]
    for field in ("bias2", "variance"):
        spread = np.std([getattr(r, field) for r in runs], ddof=1)
        reported = np.mean([getattr(r, field + "_stderr") for r in runs])
        assert 0.5 * spread <= reported <= 3 * spread


def test_bias_falls_and_variance_grows_with_degree():
    """Across odd degrees 1 to 7, bias² falls from 1 to 5 and variance grows from 3 to 7; the risk is smallest in between."""
    res = [learning.bias_variance(_fit(p), n_train=30, n_trials=400, noise_std=0.3, x_test=X_TEST, seed=2)
           for p in (1, 3, 5, 7)]
    bias2 = [r.bias2 for r in res]
    var = [r.variance for r in res]
    risk = [r.risk for r in res]
    assert bias2[0] > bias2[1] > bias2[2]
    assert var[1] < var[2] < var[3]
    best = int(np.argmin(risk))
    assert 0 < best < len(risk) - 1


# --------------------------------------------------------------------------- ridge
def _wrong_ridge_lambda_not_scaled_by_n(Phi, y, lam):
    """Mistake: (ΦᵀΦ + λI)⁻¹Φᵀy, the minimizer of ‖Φw − y‖² + λ‖w‖² rather than of the averaged objective."""
    return np.linalg.solve(Phi.T @ Phi + lam * np.eye(Phi.shape[1]), Phi.T @ y)


@pytest.mark.claim("prop-lp-ridge")
def test_ridge_matches_scikit_learn_and_zeroes_the_finite_difference_gradient():
    r"""The ridge estimator equals scikit-learn's `Ridge` with `alpha` $= n\lambda$ and zeroes a finite-difference gradient of the objective."""
    rng = np.random.default_rng(3)
    n, lam = 30, 0.07
    Phi, y = rng.standard_normal((n, 6)), rng.standard_normal(n)
    ref = Ridge(alpha=n * lam, fit_intercept=False, solver="cholesky").fit(Phi, y).coef_

    def J(w):
        return np.mean((Phi @ w - y) ** 2) + lam * w @ w

    def passes(estimator):
        w = estimator(Phi, y, lam)
        return np.allclose(w, ref, rtol=1e-10, atol=1e-12) and np.allclose(
            _finite_difference_gradient(J, w), 0, atol=1e-8)

    assert passes(learning.ridge)
    assert not passes(_wrong_ridge_lambda_not_scaled_by_n)  # negative control


def _wrong_variance_shrink_not_squared(Phi, sigma, lams):
    n = Phi.shape[0]
    s = np.linalg.svd(Phi, compute_uv=False)
    return np.array([sigma**2 * np.sum(s**2 / (s**2 + n * lam)) / n for lam in lams])


@pytest.mark.claim("thm-lp-ridge-bias-variance")
def test_fixed_design_ridge_formulas_match_monte_carlo():
    r"""$\mathrm{Bias}^2$ and variance of ridge in the fixed-design model equal their closed forms within 4 s.e. of independent replicates."""
    rng = np.random.default_rng(4)
    n, p, sigma = 40, 10, 0.5
    Phi = rng.standard_normal((n, p))
    w_star = rng.standard_normal(p)
    lams = np.array([0.0, 0.01, 0.1, 1.0])
    bias2, var = learning.ridge_fixed_design(Phi, w_star, sigma, lams)
    wrong_var = _wrong_variance_shrink_not_squared(Phi, sigma, lams)
    R, T = 100, 40  # R independent replicates of T noise draws
    noise = sigma * rng.standard_normal((R, T, n))
    for k, lam in enumerate(lams):
        H = Phi @ np.linalg.pinv(Phi.T @ Phi + n * lam * np.eye(p)) @ Phi.T  # hat matrix, built directly
        D = (Phi @ w_star) @ H.T - Phi @ w_star + noise @ H.T  # (R, T, n) deviations from Phi w*
        S1, S2 = D.sum(axis=1), (D**2).sum(axis=1)
        b_hat = np.mean((S1**2 - S2) / (T * (T - 1)), axis=1)  # unbiased, per replicate
        v_hat = np.mean((S2 - S1**2 / T) / (T - 1), axis=1)
        assert _within(b_hat, bias2[k]) and _within(v_hat, var[k])
        if lam >= 0.1:  # where the shrink factors are far from 1 (at lam = 0 both variants coincide)
            assert not _within(v_hat, wrong_var[k])  # negative control


@pytest.mark.claim("thm-lp-ridge-bias-variance")
def test_ridge_bias_increases_and_variance_decreases_in_lambda():
    r"""In the fixed-design model, $\mathrm{bias}^2$ is non-decreasing and variance non-increasing in $\lambda$; at $\lambda = 0$ variance is $\sigma^2 r/n$."""
    rng = np.random.default_rng(5)
    Phi, w_star = rng.standard_normal((30, 8)), rng.standard_normal(8)
    lams = np.geomspace(1e-4, 1e2, 60)
    bias2, var = learning.ridge_fixed_design(Phi, w_star, 0.4, np.concatenate([[0.0], lams]))
    assert bias2[0] == pytest.approx(0.0, abs=1e-12)
    assert var[0] == pytest.approx(0.16 * 8 / 30)
    assert np.all(np.diff(bias2) >= -1e-15) and np.all(np.diff(var) <= 1e-15)


# --------------------------------------------------------------------------- gradient descent and early stopping
def _wrong_gd_missing_factor_2(Phi, y, lr, steps):
    """Mistake: the gradient of (1/n)‖Φw − y‖² written without its factor 2."""
    n, p = Phi.shape
    W = np.zeros((steps + 1, p))
    for t in range(steps):
        W[t + 1] = W[t] - lr * (1.0 / n) * Phi.T @ (Phi @ W[t] - y)
    return W


def _is_gradient_descent(path, Phi, y, lr):
    """Every step of the path is −lr times a finite-difference gradient of the empirical risk."""
    def risk(w):
        return np.mean((Phi @ w - y) ** 2)
    return all(np.allclose(path[t + 1] - path[t], -lr * _finite_difference_gradient(risk, path[t]), atol=1e-8)
               for t in range(len(path) - 1))


@pytest.mark.claim("prop-lp-gd-filter")
@pytest.mark.parametrize("t", [1, 7, 200])
def test_gradient_descent_iterates_are_a_spectral_filter(t):
    """Gradient descent from zero (each step checked against a finite-difference gradient) equals the spectral-filter formula."""
    rng = np.random.default_rng(6)
    Phi, y = rng.standard_normal((25, 6)), rng.standard_normal(25)
    lr = 0.9 * 25 / (2 * np.linalg.norm(Phi, 2) ** 2)
    path = learning.gd_least_squares(Phi, y, lr, t)
    assert _is_gradient_descent(path, Phi, y, lr)
    assert not _is_gradient_descent(_wrong_gd_missing_factor_2(Phi, y, lr, t), Phi, y, lr)  # negative control
    np.testing.assert_allclose(path[t], learning.gd_spectral_filter(Phi, y, lr, t), rtol=1e-9, atol=1e-12)


def _filter_factors(Phi, lr, times):
    n = Phi.shape[0]
    s = np.linalg.svd(Phi, compute_uv=False)
    return 1 - (1 - 2 * lr * s[None, :] ** 2 / n) ** np.asarray(times)[:, None]


def _in_unit_interval_and_non_decreasing(G):
    return bool(np.all(G >= -1e-15) and np.all(G <= 1 + 1e-15) and np.all(np.diff(G, axis=0) >= -1e-15))


@pytest.mark.claim("prop-lp-gd-filter")
def test_filter_factors_lie_in_unit_interval_and_increase_only_for_small_steps():
    r"""For $\eta \le n/(2s_1^2)$ every filter factor lies in $[0, 1]$ and is non-decreasing in $t$; for $n/(2s_1^2) < \eta < n/s_1^2$ some factor exceeds 1."""
    rng = np.random.default_rng(10)
    Phi = rng.standard_normal((25, 6))
    n, s1 = 25, np.linalg.norm(Phi, 2)
    times = np.arange(0, 60)
    for lr in (0.1 * n / (2 * s1**2), n / (2 * s1**2)):
        assert _in_unit_interval_and_non_decreasing(_filter_factors(Phi, lr, times))
    # negative control: the earlier (false) statement allowed every eta < n / s1^2
    G = _filter_factors(Phi, 0.75 * n / s1**2, times)
    assert not _in_unit_interval_and_non_decreasing(G) and G.max() > 1.1
    assert np.all(np.abs(G[-1] - 1) < 1e-6)  # ... although the factors still converge to one


@pytest.mark.claim("prop-lp-gd-filter")
def test_gradient_descent_converges_to_least_squares():
    r"""With a step $0.9\,n/s_1^2$ (above $n/(2s_1^2)$), gradient descent tends to the least-squares solution; at $1.05\,n/s_1^2$ it diverges."""
    rng = np.random.default_rng(7)
    Phi, y = rng.standard_normal((25, 4)), rng.standard_normal(25)
    lr = 0.9 * 25 / np.linalg.norm(Phi, 2) ** 2
    np.testing.assert_allclose(learning.gd_least_squares(Phi, y, lr, 3000)[-1], learning.ridge(Phi, y, 0.0),
                               atol=1e-8)
    # negative control: beyond n / s1^2 the hypothesis fails and so does convergence
    too_large = learning.gd_least_squares(Phi, y, 1.05 * 25 / np.linalg.norm(Phi, 2) ** 2, 3000)[-1]
    assert np.linalg.norm(too_large - learning.ridge(Phi, y, 0.0)) > 1e3


def _exact_factor_bounds(k_max=64, t_max=40):
    """Exact rationals: for a = k/k_max and t = 1..t_max, the GD factor g = 1 − (1 − a)^t and u = a t."""
    rows = []
    for k in range(1, k_max + 1):
        a = Fraction(k, k_max)
        for t in range(1, t_max + 1):
            rows.append((a, t, 1 - (1 - a) ** t, a * t))
    return rows


@pytest.mark.claim("prop-lp-filter-ridge")
def test_filter_ridge_two_sided_bound_in_exact_arithmetic():
    r"""$u/(1+u) \le 1 - (1-a)^t \le 2u/(1+u)$ exactly for $a \in (0, 1]$, $u = at$; both constants are attained or approached."""
    rows = _exact_factor_bounds()
    assert all(u / (1 + u) <= g <= 2 * u / (1 + u) for _, _, g, u in rows)
    upper_ratio = max(g / (2 * u / (1 + u)) for _, _, g, u in rows)
    lower_ratio = min(g / (u / (1 + u)) for _, _, g, u in rows)
    assert upper_ratio == 1  # attained at a = 1, t = 1
    assert lower_ratio <= Fraction(102, 100)  # approached as u -> 0
    # negative controls: a smaller upper constant, or ridge matched at lambda = 1/(4 eta t), is violated
    assert not all(g <= Fraction(3, 2) * u / (1 + u) for _, _, g, u in rows)  # _wrong_upper_constant_1_5
    assert not all(2 * u / (1 + 2 * u) <= g for _, _, g, u in rows)  # _wrong_match_lambda_quarter
    # ... and the match lambda = 1/(eta t) of the earlier exercise is valid but, for small u, loose by a factor 2
    assert min(g / (u / (u + 2)) for _, _, g, u in rows if u <= Fraction(1, 8)) >= Fraction(19, 10)


def _gd_fixed_design_by_iteration(Phi, w_star, sigma, lr, t):
    """Bias² and variance from the hat matrix H_t of t gradient steps, built by iterating the update on fits."""
    n = Phi.shape[0]
    H = np.zeros((n, n))
    K = Phi @ Phi.T
    for _ in range(t):
        H = H - lr * (2 / n) * K @ (H - np.eye(n))
    f = Phi @ w_star
    return np.sum((H @ f - f) ** 2) / n, sigma**2 * np.sum(H**2) / n


@pytest.mark.claim("prop-lp-filter-ridge")
def test_early_stopping_risk_is_at_most_four_times_ridge_and_tight():
    r"""Fixed design: GD at $t$ has $\mathrm{bias}^2 \le$ ridge $\mathrm{bias}^2$ and variance $\le 4\times$ ridge variance at $\lambda = 1/(2\eta t)$; the 4 is attained."""
    rng = np.random.default_rng(11)
    n, p, sigma = 30, 8, 0.5
    Phi, w_star = rng.standard_normal((n, p)), rng.standard_normal(p)
    lr = n / (2 * np.linalg.norm(Phi, 2) ** 2)
    times = np.array([1, 3, 10, 40])
    b_gd, v_gd = learning.gd_fixed_design(Phi, w_star, sigma, lr, times)
    for k, t in enumerate(times):
        b_it, v_it = _gd_fixed_design_by_iteration(Phi, w_star, sigma, lr, int(t))
        assert b_gd[k] == pytest.approx(b_it, rel=1e-8) and v_gd[k] == pytest.approx(v_it, rel=1e-8)
    b_r, v_r = learning.ridge_fixed_design(Phi, w_star, sigma, 1 / (2 * lr * times))
    assert np.all(b_gd <= b_r + 1e-15) and np.all(v_gd <= 4 * v_r + 1e-15)
    # the worst case: orthogonal design with equal singular values, eta = n/(2 s^2), t = 1, w* = 0
    Q = np.linalg.qr(rng.standard_normal((n, p)))[0] * 3.0
    lr_q = n / (2 * 9.0)
    _, v1 = learning.gd_fixed_design(Q, np.zeros(p), sigma, lr_q, [1])
    _, vr = learning.ridge_fixed_design(Q, np.zeros(p), sigma, [1 / (2 * lr_q)])
    assert v1[0] / vr[0] == pytest.approx(4.0, rel=1e-12)  # tightness: a claimed factor 2 would fail here
    assert not v1[0] <= 2 * vr[0]


# --------------------------------------------------------------------------- interpolation in fixed design
def _wrong_fixed_design_identity_gram(x, degree, lam, noise_std):
    """Mistake: the variance with the identity instead of the Legendre Gram matrix diag(1/(2j+1))."""
    Phi = learning.legendre_features(x, degree)
    n, q = Phi.shape
    A = np.linalg.pinv(Phi) if lam == 0 else np.linalg.solve(Phi.T @ Phi + n * lam * np.eye(q), Phi.T)
    return noise_std**2 * np.sum(A**2)


@pytest.mark.parametrize("lam", [0.0, 1e-3])
def test_fixed_design_polynomial_risk_matches_monte_carlo(lam):
    """With the inputs fixed, the exact bias² and variance of polynomial ridge agree with Monte Carlo over label noise (4 s.e.)."""
    x = np.linspace(-1, 1, 12)
    sigma = 0.3
    bias2, var = learning.polynomial_fixed_design_risk(x, 11, lam, noise_std=sigma)
    rng = np.random.default_rng(13)
    Phi = learning.legendre_features(x, 11)
    W = [learning.ridge(Phi, data.default_target(x) + sigma * rng.standard_normal(x.size), lam) for _ in range(3000)]
    risks = learning.legendre_population_risk(np.array(W), noise_std=0.0)  # squared distance to f*, per draw
    assert _within(risks, bias2 + var)
    assert not _within(risks, bias2 + _wrong_fixed_design_identity_gram(x, 11, lam, sigma))  # negative control


# --------------------------------------------------------------------------- classification
def _eta(x):
    return 1 / (1 + np.exp(-3 * np.sin(2 * np.pi * x)))


def _wrong_excess_unweighted(score, eta, nodes=2000):
    """Mistake: the excess risk taken as the probability of disagreeing with the Bayes classifier."""
    t = -1 + (2 * np.arange(nodes) + 1) / nodes
    return float(np.mean(np.sign(score(t)) != np.sign(2 * eta(t) - 1)))


@pytest.mark.claim("thm-lp-bayes-classifier")
def test_excess_classification_risk_formula_matches_monte_carlo():
    r"""$R(\sign f) - R^* = \E\big[\abs{2\eta - 1}\,\indic\{\sign f \ne h^*\}\big]$: Monte Carlo 0-1 risks minus the Bayes risk agree within 4 s.e."""
    x, y = data.binary_classification_1d(400_000, eta=_eta, seed=14)
    t = -1 + (2 * np.arange(200_000) + 1) / 200_000
    bayes_risk = np.mean(np.minimum(_eta(t), 1 - _eta(t)))  # R* = E min(eta, 1 - eta)
    for score in (lambda s: s, lambda s: np.sin(2 * np.pi * s), lambda s: np.cos(3 * s), lambda s: s - 0.3):
        mistakes = np.sign(score(x)) != y
        mc, se = mistakes.mean(), mistakes.std() / np.sqrt(x.size)

        def agrees(excess):  # the midpoint rule with 200,000 cells errs by < 1e-5 per sign change
            return abs(mc - bayes_risk - excess(score, _eta, nodes=200_000)) <= 4 * se + 1e-4

        assert agrees(learning.classification_excess_risk)
        if score(0.3) != np.sin(2 * np.pi * 0.3):  # the Bayes classifier itself has excess 0 either way
            assert not agrees(_wrong_excess_unweighted)  # negative control
    # the Bayes classifier sign(2 eta - 1) has excess 0, so no classifier beats it
    assert learning.classification_excess_risk(lambda s: 2 * _eta(s) - 1, _eta) == 0.0


def _perceptron_conditional_risk(eta, alpha):
    """A loss that is not calibrated: φ(z) = max(0, −z), whose conditional risk is minimal at α = 0."""
    return eta * max(0.0, -alpha) + (1 - eta) * max(0.0, alpha)


@pytest.mark.claim("prop-lp-calibration")
def test_surrogate_minimizers_have_the_sign_of_the_bayes_classifier():
    r"""Numerical minimizers of the logistic and hinge conditional risks equal the closed forms and have the sign of $2\eta - 1$."""
    etas = np.array([0.02, 0.1, 0.3, 0.45, 0.55, 0.7, 0.9, 0.98])
    for loss in ("logistic", "hinge"):
        closed = learning.surrogate_minimizer(loss, etas)
        for eta, a_closed in zip(etas, closed):
            res = minimize_scalar(lambda a: float(learning.conditional_surrogate_risk(loss, eta, a)),
                                  bounds=(-20, 20), method="bounded", options={"xatol": 1e-10})
            assert np.sign(res.x) == np.sign(2 * eta - 1)
            assert float(learning.conditional_surrogate_risk(loss, eta, a_closed)) <= res.fun + 1e-9
            if loss == "logistic":
                assert a_closed == pytest.approx(res.x, abs=1e-6)
                assert not a_closed / 2 == pytest.approx(res.x, abs=1e-6)  # _wrong_half_log_odds
    # negative control: the perceptron loss is convex but not calibrated; its minimizer is 0 for every eta
    for eta in etas:
        res = minimize_scalar(lambda a: _perceptron_conditional_risk(eta, a), bounds=(-20, 20), method="bounded")
        assert abs(res.x) < 1e-4 and np.sign(round(res.x, 4)) != np.sign(2 * eta - 1)


@pytest.mark.claim("thm-lp-comparison")
def test_comparison_inequalities_hold_pointwise_and_are_tight():
    r"""$\abs{2\eta - 1}\,\indic\{\text{wrong sign}\} \le C_\eta(\alpha) - C^*_\eta$ (hinge) and $\frac{(2\eta - 1)^2}{2}\indic\{\text{wrong sign}\} \le C_\eta(\alpha) - C^*_\eta$ (logistic), with ratios near 1."""
    etas = np.linspace(0.001, 0.999, 999)[:, None]
    alphas = np.concatenate([-np.geomspace(1e-6, 10, 200), np.geomspace(1e-6, 10, 200)])[None, :]
    wrong = np.sign(alphas) != np.sign(2 * etas - 1)
    excess01 = np.abs(2 * etas - 1) * wrong
    # hinge: C* = 1 - |2 eta - 1| (by hand)
    ex_h = learning.conditional_surrogate_risk("hinge", etas, alphas) - (1 - np.abs(2 * etas - 1))
    assert np.all(excess01 <= ex_h + 1e-12)
    assert np.max(np.where(wrong, excess01 / np.maximum(ex_h, 1e-300), 0)) >= 0.999  # tight
    assert not np.all(excess01 <= 0.5 * ex_h + 1e-12)  # negative control: _wrong_hinge_factor_half
    # logistic: C* = binary entropy in nats (by hand)
    H = -(etas * np.log(etas) + (1 - etas) * np.log(1 - etas))
    ex_l = learning.conditional_surrogate_risk("logistic", etas, alphas) - H
    psi = (2 * etas - 1) ** 2 / 2 * wrong
    assert np.all(psi <= ex_l + 1e-12)
    assert np.max(np.where(wrong & (np.abs(2 * etas - 1) > 1e-3), psi / np.maximum(ex_l, 1e-300), 0)) >= 0.99
    assert not np.all((2 * etas - 1) ** 2 * wrong <= ex_l + 1e-12)  # negative control: _wrong_without_half
    # the integrated inequalities for random polynomial scores, by quadrature
    t = -1 + (2 * np.arange(4000) + 1) / 4000
    e = _eta(t)
    rng = np.random.default_rng(17)
    for _ in range(20):
        w = rng.standard_normal(6)
        f = lambda s, w=w: learning.legendre_features(s, 5) @ w  # noqa: E731
        ex01 = learning.classification_excess_risk(f, _eta, nodes=4000)
        for loss, bound in (("hinge", lambda d: d), ("logistic", lambda d: np.sqrt(2 * d))):
            c = learning.conditional_surrogate_risk(loss, e, f(t))
            c_star = learning.conditional_surrogate_risk(loss, e, learning.surrogate_minimizer(loss, e))
            assert ex01 <= bound(np.mean(c - c_star)) + 1e-12


def test_fit_linear_classifier_minimizes_its_objective():
    """Logistic: the Newton solution zeroes a finite-difference gradient; hinge: no random perturbation lowers the objective."""
    x, y = data.binary_classification_1d(200, eta=_eta, seed=15)
    Phi, lam = learning.legendre_features(x, 5), 1e-3
    w = learning.fit_linear_classifier(Phi, y, loss="logistic", lam=lam)

    def J(loss):
        return lambda v: float(np.mean(getattr(learning, loss + "_loss")(y * (Phi @ v))) + lam * v @ v)

    assert np.allclose(_finite_difference_gradient(J("logistic"), w), 0, atol=1e-7)
    wh = learning.fit_linear_classifier(Phi, y, loss="hinge", lam=lam)
    rng = np.random.default_rng(16)
    base = J("hinge")(wh)
    assert all(J("hinge")(wh + 1e-3 * rng.standard_normal(wh.size)) >= base - 1e-7 for _ in range(200))


# --------------------------------------------------------------------------- helpers and contracts
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
        (lambda: learning.bias_variance(_fit(1), n_train=5, n_trials=8, noise_std=0.1, x_test=X_TEST, seed=0,
                                        n_batches=5), ValueError, "n_batches"),
        (lambda: learning.bias_variance("fit", n_train=5, n_trials=5, noise_std=0.1, x_test=X_TEST, seed=0),
         TypeError, "fit"),
        (lambda: learning.ridge_fixed_design(np.ones((3, 2)), np.ones(3), 0.1, [0.1]), ValueError, "w_star"),
        (lambda: learning.gd_fixed_design(np.ones((3, 2)), np.ones(2), 0.1, 0.1, [-1]), ValueError, "times"),
        (lambda: learning.gd_fixed_design(np.ones((3, 2)), np.ones(2), 0.1, -0.1, [1]), ValueError, "lr"),
        (lambda: learning.polynomial_fixed_design_risk([0.0, 0.5], 1, -1.0, noise_std=0.1), ValueError, "lam"),
        (lambda: learning.conditional_surrogate_risk("square", 0.5, 0.0), ValueError, "loss"),
        (lambda: learning.conditional_surrogate_risk("hinge", 1.5, 0.0), ValueError, "eta"),
        (lambda: learning.surrogate_minimizer("logistic", [-0.1]), ValueError, "eta"),
        (lambda: learning.classification_excess_risk(lambda t: t, _eta, nodes=0), ValueError, "nodes"),
        (lambda: learning.fit_linear_classifier(np.ones((3, 2)), np.array([1.0, 0.0, 1.0]), loss="hinge", lam=0.1),
         ValueError, "y"),
        (lambda: learning.fit_linear_classifier(np.ones((3, 2)), np.ones(3), loss="hinge", lam=0.0),
         ValueError, "lam"),
        (lambda: learning.threshold_risk([0.2, 1.2], 0.1), ValueError, "thresholds"),
        (lambda: learning.finite_class_deviation([0.5], n=0, flip=0.1, n_trials=3, seed=0), ValueError, "n"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    """Bad input raises ValueError/TypeError whose message names the offending argument."""
    with pytest.raises(exc, match=name):
        call()


def test_same_seed_same_numbers():
    """A fixed seed reproduces the Monte Carlo estimates exactly."""
    a = learning.bias_variance(_fit(2), n_train=10, n_trials=6, noise_std=0.2, x_test=X_TEST, n_batches=3, seed=11)
    b = learning.bias_variance(_fit(2), n_train=10, n_trials=6, noise_std=0.2, x_test=X_TEST, n_batches=3, seed=11)
    assert a.risk == b.risk and np.array_equal(a.predictions, b.predictions)


# --------------------------------------------------------------------------- degenerate designs and exact edge cases
def _rank_deficient_design():
    """A 12 x 3 design whose third column repeats the first (rank 2), and labels."""
    rng = np.random.default_rng(30)
    a, b = rng.standard_normal(12), rng.standard_normal(12)
    return np.column_stack([a, b, a]), rng.standard_normal(12)


def test_minimum_norm_solution_on_a_rank_deficient_design():
    r"""With a repeated column, the $\lambda = 0$ estimators equal the least-squares fit of the reduced design with the repeated coefficient split in two halves (the minimum-norm solution), and gradient descent from 0 tends to it."""
    Phi, y = _rank_deficient_design()
    c = np.linalg.lstsq(Phi[:, :2], y, rcond=None)[0]  # unique: the reduced design has full rank
    w_min = np.array([c[0] / 2, c[1], c[0] / 2])  # among w1 + w3 = c0, the least norm has w1 = w3
    np.testing.assert_allclose(learning.ridge(Phi, y, 0.0), w_min, rtol=1e-10)
    np.testing.assert_allclose(learning.ridge_path(Phi, y, [0.0])[0], w_min, rtol=1e-10)
    lr = 0.9 * 12 / (2 * np.linalg.norm(Phi, 2) ** 2)
    np.testing.assert_allclose(learning.gd_spectral_filter(Phi, y, lr, 2000), w_min, rtol=1e-8)
    np.testing.assert_allclose(learning.gd_least_squares(Phi, y, lr, 2000)[-1], w_min, rtol=1e-8)
    # negative control: another least-squares solution has the same fit but is not the one returned
    w_other = np.array([c[0], c[1], 0.0])
    assert np.allclose(Phi @ w_other, Phi @ w_min)
    assert not np.allclose(learning.ridge_path(Phi, y, [0.0])[0], w_other)


def test_rank_deficient_fixed_design_variance_counts_the_rank():
    r"""At $\lambda = 0$ the fixed-design variance is $\sigma^2 r / n$ with $r = \operatorname{rank}\Phi = 2$, not $\sigma^2 p / n$ with $p = 3$."""
    Phi, _ = _rank_deficient_design()
    _, var = learning.ridge_fixed_design(Phi, np.ones(3), 0.5, [0.0])
    assert var[0] == pytest.approx(0.25 * 2 / 12, rel=1e-12)
    _, var_gd = learning.gd_fixed_design(Phi, np.ones(3), 0.5, 0.9 * 12 / (2 * np.linalg.norm(Phi, 2) ** 2), [2000])
    assert var_gd[0] == pytest.approx(0.25 * 2 / 12, rel=1e-8)


def test_zero_design_gives_the_zero_estimator_and_no_bias_or_variance():
    r"""For $\Phi = 0$ every $w$ fits equally well, so the minimum-norm solution, ridge and gradient descent are $0$; the fit $\Phi\hat w = 0 = \Phi w^*$ has bias² and variance $0$."""
    Phi, y = np.zeros((5, 3)), np.arange(5.0)
    np.testing.assert_array_equal(learning.ridge(Phi, y, 0.0), np.zeros(3))
    np.testing.assert_array_equal(learning.ridge_path(Phi, y, [0.0, 0.1]), np.zeros((2, 3)))
    np.testing.assert_array_equal(learning.gd_spectral_filter(Phi, y, 0.1, [0, 4]), np.zeros((2, 3)))
    for bias2, var in (learning.ridge_fixed_design(Phi, np.ones(3), 0.5, [0.0, 0.1]),
                       learning.gd_fixed_design(Phi, np.ones(3), 0.5, 0.1, [0, 4])):
        np.testing.assert_array_equal(bias2, [0.0, 0.0])
        np.testing.assert_array_equal(var, [0.0, 0.0])


def test_design_without_features_gives_empty_estimators():
    """With no features (p = 0) the only coefficient vector is the empty one, for every λ and t."""
    Phi, y = np.zeros((4, 0)), np.arange(4.0)
    assert learning.ridge_path(Phi, y, [0.0, 1.0]).shape == (2, 0)
    assert learning.gd_spectral_filter(Phi, y, 0.1, [0, 3]).shape == (2, 0)
    assert learning.ridge(Phi, y, 0.0).shape == (0,)


def test_scalar_lambda_and_time_are_one_point_grids():
    """A scalar λ (ridge) or t (gradient descent) gives the same bias² and variance as the one-element grid, as arrays of length 1."""
    rng = np.random.default_rng(33)
    Phi, w_star = rng.standard_normal((15, 4)), rng.standard_normal(4)
    for scalar, grid in ((learning.ridge_fixed_design(Phi, w_star, 0.3, 0.2),
                          learning.ridge_fixed_design(Phi, w_star, 0.3, [0.2])),
                         (learning.gd_fixed_design(Phi, w_star, 0.3, 0.05, 7),
                          learning.gd_fixed_design(Phi, w_star, 0.3, 0.05, [7]))):
        for a, b in zip(scalar, grid):
            assert a.shape == (1,)
            np.testing.assert_array_equal(a, b)


def test_gradient_descent_at_time_zero_has_all_bias_and_no_variance():
    r"""At $t = 0$ the estimator is $w_0 = 0$: the spectral filter is $0$, $\mathrm{bias}^2 = \lVert\Phi w^*\rVert^2 / n$ and the variance is $0$."""
    rng = np.random.default_rng(34)
    Phi, w_star, y = rng.standard_normal((15, 4)), rng.standard_normal(4), rng.standard_normal(15)
    np.testing.assert_array_equal(learning.gd_spectral_filter(Phi, y, 0.05, 0), np.zeros(4))
    bias2, var = learning.gd_fixed_design(Phi, w_star, 0.3, 0.05, [0, 1])
    assert bias2[0] == pytest.approx(np.sum((Phi @ w_star) ** 2) / 15, rel=1e-12) and var[0] == 0.0
    assert bias2[1] < bias2[0] and var[1] > 0  # one step already moves the fit


_EYE3, _ONES3 = np.eye(3), np.ones(3)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: learning.ridge_path(_EYE3, _ONES3, [0.1, -0.1]), "lams must be non-negative"),
        (lambda: learning.ridge_fixed_design(_EYE3, _ONES3, 0.1, [0.1, -0.1]), "lams must be non-negative"),
        (lambda: learning.gd_fixed_design(_EYE3, _ONES3, 0.1, 0.1, [2, -1]), "times must contain integers >= 0"),
        (lambda: learning.gd_spectral_filter(_EYE3, _ONES3, 0.1, [2, -1]), "t must contain integers >= 0"),
        (lambda: learning.gd_spectral_filter(_EYE3, _ONES3, 0.1, -1), "t must be an integer >= 0, got -1"),
        (lambda: learning.legendre_features([0.0, -1.5], 2), "x must lie in [-1, 1] for the Legendre basis"),
        (lambda: learning.threshold_risk([0.5, -0.1], 0.1), "thresholds must lie in [0, 1]"),
        (lambda: learning.conditional_surrogate_risk("logistic", [0.5, -0.1], 0.0), "eta must lie in [0, 1]"),
        (lambda: learning.surrogate_minimizer("hinge", [0.5, 1.1]), "eta must lie in [0, 1]"),
        (lambda: learning.fit_linear_classifier(np.ones((3, 2)), np.array([1.0, -1.0, 0.5]), loss="logistic",
                                                lam=0.1), "y must have entries -1 or +1"),
    ],
)
def test_hand_written_checks_say_what_was_expected(call, message):
    """A hand-written argument check raises ValueError whose whole message names the argument and the condition it must satisfy."""
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        call()


# --------------------------------------------------------------------------- the classifiers: optimality
def _logistic_gradient(Phi, y, lam, w):
    """The gradient -(1/n) sum_i y_i expit(-y_i <w, Phi_i>) Phi_i + 2 lam w of the logistic objective, by hand."""
    return -(Phi.T @ (y * expit(-y * (Phi @ w)))) / len(y) + 2 * lam * w


def test_logistic_fit_is_stationary_with_strong_regularization_and_with_an_outlier():
    r"""Newton's method returns a zero of the gradient of the (strictly convex) logistic objective, hence its minimizer: with $\lambda = 1$, and with a gross outlier whose Hessian weight $p(1-p)$ vanishes at the optimum."""
    rng = np.random.default_rng(31)
    Phi, y = rng.standard_normal((20, 3)), np.where(rng.standard_normal(20) > 0, 1.0, -1.0)
    # one outlier at x = -5 among 40 points at x = 1, all labelled +1: at the optimum its margin is about -10
    x_out = np.concatenate([np.ones(40), [-5.0]])[:, None]
    for Phi_k, y_k, lam in ((Phi, y, 1.0), (x_out, np.ones(41), 1e-4)):
        w = learning.fit_linear_classifier(Phi_k, y_k, loss="logistic", lam=lam)
        assert np.linalg.norm(_logistic_gradient(Phi_k, y_k, lam, w)) < 1e-10
        assert not np.linalg.norm(_logistic_gradient(Phi_k, y_k, lam, 0.9 * w)) < 1e-10  # negative control
    assert 1.9 < w[0] < 2.0 and -5 * w[0] < -9  # the outlier is far on the wrong side


def test_logistic_fit_on_a_tiny_scale_lands_on_the_minimizer():
    r"""For one example with feature $a = 2\cdot 10^{-10}$, the minimizer of $\log(1 + e^{-aw}) + \lambda w^2$ is $a/(4\lambda)\,(1 + O(a^2))$; there the gradient at $0$ is $a/2 = 10^{-10}$, exactly the tolerance, and the strict rule "below $10^{-10}$" still takes the Newton step."""
    a, lam = 2e-10, 1.0
    assert np.linalg.norm(_logistic_gradient(np.array([[a]]), np.ones(1), lam, np.zeros(1))) == 1e-10
    w = learning.fit_linear_classifier(np.array([[a]]), np.ones(1), loss="logistic", lam=lam)
    assert w[0] == pytest.approx(a / (4 * lam), rel=1e-9)


def test_hinge_fit_equals_the_closed_form_when_every_margin_is_violated():
    r"""If $w = \frac{1}{2\lambda n}\sum_i y_i \Phi_i$ has every margin $y_i\langle w, \Phi_i\rangle < 1$, the hinge objective near $w$ is $1 - \frac1n\sum_i y_i\langle v, \Phi_i\rangle + \lambda\lVert v\rVert^2$, which $w$ minimizes; so $w$ is the SVM solution."""
    rng = np.random.default_rng(32)
    n, lam = 10, 1.0
    Phi, y = rng.standard_normal((n, 2)), np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    w_closed = (y @ Phi) / (2 * lam * n)
    assert np.all(y * (Phi @ w_closed) < 1)
    w = learning.fit_linear_classifier(Phi, y, loss="hinge", lam=lam)
    np.testing.assert_allclose(w, w_closed, rtol=1e-6)
    assert not np.allclose(w, (y @ Phi) / (lam * n), rtol=1e-3)  # negative control: C = 1/(lambda n) instead


def test_hinge_fit_that_does_not_converge_raises():
    """Two equal inputs with opposite labels and λ = 1e-12 (C ≈ 2·10^11): liblinear stops at its iteration limit, and the fit raises ConvergenceWarning instead of returning."""
    Phi, y = np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 1.0]]), np.array([1.0, -1.0, 1.0])
    with pytest.raises(ConvergenceWarning):
        learning.fit_linear_classifier(Phi, y, loss="hinge", lam=1e-12)


# --------------------------------------------------------------------------- arguments that are not the defaults
@pytest.mark.claim("thm-lp-bias-variance")
def test_mean_estimator_terms_for_another_target_and_noise_level():
    r"""With target $f(x) = x$ and $\sigma = 0.5$, the sample mean of $n = 4$ labels has $\mathrm{bias}^2 = \E X^2 = 1/3$, variance $(1/3 + \sigma^2)/n$ and noise $\sigma^2$ (within 4 s.e.); the book's default target would give $\mathrm{bias}^2 \approx 0.90$."""
    x_test = -1 + (2 * np.arange(400) + 1) / 400
    rng = np.random.default_rng(35)
    n, sigma = 4, 0.5
    reps = [learning.bias_variance(_fit(0), n_train=n, n_trials=20, noise_std=sigma, x_test=x_test,
                                   target=lambda t: t, n_batches=2, seed=rng) for _ in range(100)]
    bias2, var, risk = ([getattr(r, f) for r in reps] for f in ("bias2", "variance", "risk"))
    B, V = 1 / 3, (1 / 3 + sigma**2) / n
    assert _within(bias2, B) and _within(var, V) and _within(risk, B + V + sigma**2)
    assert all(r.noise == sigma**2 for r in reps)
    # negative controls: the default target, or the default noise level 0.3 of the data generator
    assert not _within(bias2, VAR_F_STAR) and not _within(var, (1 / 3 + 0.09) / n)
    assert not _within(risk, B + V + 0.09)


def test_default_standard_errors_use_ten_batches():
    """By default the standard error of bias² (variance) is the standard deviation over 10 batches of consecutive training sets of the unbiased batch estimate, divided by √10."""
    bv = learning.bias_variance(_fit(1), n_train=10, n_trials=40, noise_std=0.3, x_test=X_TEST, seed=5)
    D = bv.predictions - data.default_target(X_TEST)

    def stderrs(n_batches):
        groups = np.split(D, n_batches)  # 40 = n_batches * (40 // n_batches) sets
        b = [np.mean(G.mean(axis=0) ** 2 - G.var(axis=0, ddof=1) / len(G)) for G in groups]
        v = [np.mean(G.var(axis=0, ddof=1)) for G in groups]
        return np.std(b, ddof=1) / np.sqrt(n_batches), np.std(v, ddof=1) / np.sqrt(n_batches)

    assert (bv.bias2_stderr, bv.variance_stderr) == pytest.approx(stderrs(10), rel=1e-9)
    assert (bv.bias2_stderr, bv.variance_stderr) != pytest.approx(stderrs(5), rel=1e-3)  # negative control


def _legendre(j):
    return lambda t: np.polynomial.legendre.legval(t, np.eye(j + 1)[j])


def test_default_quadrature_has_200_nodes():
    r"""With the default 200 Gauss–Legendre nodes, $\E P_{199}(X)^2 = 1/399$ exactly, but $P_{200}$, which vanishes at the 200 nodes, gets $0$ instead of $1/401$: the rule is exact below degree 400 only."""
    zero = np.zeros_like
    assert learning.population_risk(_legendre(199), target=zero) == pytest.approx(1 / 399, rel=1e-9)
    assert learning.population_risk(_legendre(200), target=zero) == pytest.approx(0.0, abs=1e-20)
    assert learning.population_risk(_legendre(200), target=zero, nodes=201) == pytest.approx(1 / 401, rel=1e-9)
    W = np.eye(201)[[199, 200]]  # coefficient rows of P_199 and P_200
    np.testing.assert_allclose(learning.legendre_population_risk(W, target=zero), [1 / 399, 0.0], rtol=1e-9,
                               atol=1e-20)


def test_default_midpoint_rule_has_2000_cells():
    """With the default 2000 cells of width 1/1000, the midpoint rule is exact for a disagreement set (0, 0.01) made of 10 cells: excess risk 0.005, and 10/2001 with 2001 cells."""
    def eta(t):
        return (t > 0).astype(float)  # |2 eta - 1| = 1: the excess risk is P(sign f != h*)

    def score(t):
        return t - 0.01

    assert learning.classification_excess_risk(score, eta) == pytest.approx(0.005, rel=1e-12)
    assert learning.classification_excess_risk(score, eta, nodes=2001) == pytest.approx(10 / 2001, rel=1e-12)


def test_fixed_design_formulas_for_an_orthogonal_design_with_many_observations():
    r"""For $n = 200{,}000$ and $\Phi^\top\Phi = nI_2$: ridge has $\mathrm{bias}^2 = (\frac{\lambda}{1+\lambda})^2\lVert w^*\rVert^2$ and variance $\frac{2\sigma^2}{n(1+\lambda)^2}$; gradient descent has $\mathrm{bias}^2 = (1-2\eta)^{2t}\lVert w^*\rVert^2$ and variance $\frac{2\sigma^2}{n}(1 - (1-2\eta)^t)^2$ (the thin SVD keeps the memory at $O(np)$)."""
    n, sigma, w_star = 200_000, 0.5, np.array([1.0, -2.0])
    Phi = np.column_stack([np.ones(n), np.tile([1.0, -1.0], n // 2)])
    lams = np.array([0.0, 0.5, 2.0])
    bias2, var = learning.ridge_fixed_design(Phi, w_star, sigma, lams)
    np.testing.assert_allclose(bias2, (lams / (1 + lams)) ** 2 * 5.0, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(var, 2 * sigma**2 / (n * (1 + lams) ** 2), rtol=1e-9)
    lr, times = 0.2, np.array([0, 1, 5])
    bias2, var = learning.gd_fixed_design(Phi, w_star, sigma, lr, times)
    np.testing.assert_allclose(bias2, (1 - 2 * lr) ** (2 * times) * 5.0, rtol=1e-9)
    np.testing.assert_allclose(var, 2 * sigma**2 / n * (1 - (1 - 2 * lr) ** times) ** 2, rtol=1e-9, atol=1e-20)


def test_fixed_design_bias_counts_the_target_along_a_tiny_singular_value():
    r"""For $\Phi = \operatorname{diag}(1, 10^{-13})$ and $w^* = (0, 10^{13})$ the target $\Phi w^* = (0, 1)$ lies along $s_2 = 10^{-13}$, whose filter factor is $< 10^{-24}$: ridge ($\lambda = 1$) and gradient descent miss it, $\mathrm{bias}^2 = \lVert\Phi w^*\rVert^2/n = 1/2$ to $10^{-12}$."""
    Phi, w_star = np.diag([1.0, 1e-13]), np.array([0.0, 1e13])
    b_ridge, v_ridge = learning.ridge_fixed_design(Phi, w_star, 0.5, [1.0])
    b_gd, v_gd = learning.gd_fixed_design(Phi, w_star, 0.5, 0.25, [10])
    assert b_ridge[0] == pytest.approx(0.5, rel=1e-12) and b_gd[0] == pytest.approx(0.5, rel=1e-12)
    # the variance comes from s_1 = 1 alone: factor 1/(1 + n lam) = 1/3 for ridge, 1 - (1 - 2 eta/n)^10 = 1 - 0.75^10 for GD
    assert v_ridge[0] == pytest.approx(0.25 * (1 / 3) ** 2 / 2, rel=1e-12)
    assert v_gd[0] == pytest.approx(0.25 * (1 - 0.75**10) ** 2 / 2, rel=1e-12)


def test_fixed_design_with_one_sample_or_no_feature():
    r"""One sample $\Phi = (3, 4)$ ($s = 5$, $v = (3, 4)/5$): ridge has $\mathrm{bias}^2 = (\frac{\lambda}{25 + \lambda})^2 \cdot 25 (v^\top w^*)^2$, variance $\sigma^2 (\frac{25}{25 + \lambda})^2$, GD the factor $g = 1 - (1 - 50\eta)^t$; with no feature nothing is fitted (both 0); a design with no sample or not 2-D is refused, naming Phi."""
    Phi, w_star, sigma = np.array([[3.0, 4.0]]), np.array([1.0, 2.0]), 0.5
    lams = np.array([0.0, 1.0, 25.0])
    bias2, var = learning.ridge_fixed_design(Phi, w_star, sigma, lams)
    np.testing.assert_allclose(bias2, (lams / (25 + lams)) ** 2 * 25 * (11 / 5) ** 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(var, sigma**2 * (25 / (25 + lams)) ** 2, rtol=1e-12)
    times = np.array([0, 1, 3])
    bias2, var = learning.gd_fixed_design(Phi, w_star, sigma, 0.01, times)
    g = 1 - 0.5**times
    np.testing.assert_allclose(bias2, (1 - g) ** 2 * 25 * (11 / 5) ** 2, rtol=1e-12)
    np.testing.assert_allclose(var, sigma**2 * g**2, rtol=1e-12)
    for result in (learning.ridge_fixed_design(np.zeros((3, 0)), np.zeros(0), sigma, [0.0, 1.0]),
                   learning.gd_fixed_design(np.zeros((3, 0)), np.zeros(0), sigma, 0.1, [0, 2])):
        np.testing.assert_array_equal(result, np.zeros((2, 2)))
    for fn, extra in ((learning.ridge_fixed_design, ([1.0],)), (learning.gd_fixed_design, (0.1, [1]))):
        with pytest.raises(ValueError, match=r"^Phi must have at least one row \(one sample\), got shape \(0, 2\)$"):
            fn(np.zeros((0, 2)), np.zeros(2), sigma, *extra)
        with pytest.raises(ValueError, match=r"^Phi .*dimension"):
            fn(np.zeros(2), np.zeros(2), sigma, *extra)


def test_classifier_with_one_class_or_no_sample():
    r"""With one sample $\Phi = (1)$, $y = +1$ the logistic objective $\log(1 + e^{-w}) + \lambda w^2$ has its minimizer where $\sigma(-w) = 2\lambda w$ (a scalar search agrees); the hinge fit (liblinear) needs both labels and says so, naming y; no sample is refused, naming Phi."""
    lam = 0.1
    w = learning.fit_linear_classifier(np.array([[1.0]]), np.array([1.0]), loss="logistic", lam=lam)
    ref = minimize_scalar(lambda t: np.log1p(np.exp(-t)) + lam * t * t, bracket=(0.0, 1.0), tol=1e-12).x
    assert w[0] == pytest.approx(ref, rel=1e-6)
    assert expit(-w[0]) == pytest.approx(2 * lam * w[0], rel=1e-9)
    for y in ([1.0], [1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]):
        with pytest.raises(ValueError, match=r"^y must contain both labels -1 and \+1 for loss='hinge' \(liblinear fits two classes\)$"):
            learning.fit_linear_classifier(np.eye(len(y)), np.array(y), loss="hinge", lam=lam)
    for loss in ("hinge", "logistic"):
        with pytest.raises(ValueError, match=r"^Phi must have at least one row \(one sample\), got shape \(0, 2\)$"):
            learning.fit_linear_classifier(np.zeros((0, 2)), np.zeros(0), loss=loss, lam=lam)
        with pytest.raises(ValueError, match=r"^Phi .*dimension"):
            learning.fit_linear_classifier(np.ones(2), np.ones(2), loss=loss, lam=lam)


def test_logistic_fit_that_does_not_converge_raises():
    """Features of size 10^8 (where rounding in the gradient alone exceeds the tolerance 1e-10): Newton's method does not reach the tolerance in 100 steps, and the fit raises ConvergenceWarning instead of returning a non-minimizer."""
    Phi = np.array([[-1.12308102e8, 3.98075736e7], [-1.26840329e7, -1.33023131e7], [5.01974872e7, 3.53524569e7]])
    with pytest.raises(ConvergenceWarning, match=r"^Newton's method did not reach a gradient norm below 1e-10 in 100 steps "
                                                  r"\(badly scaled features\?\)$"):
        learning.fit_linear_classifier(Phi, np.array([1.0, -1.0, 1.0]), loss="logistic", lam=3.3578943e-4)


def test_surrogate_minimizers_and_risks_at_certain_labels():
    r"""At $\eta \in \{0, 1\}$ (allowed: $\eta$ is a probability) $C_1(\alpha) = \varphi(\alpha)$ and $C_0(\alpha) = \varphi(-\alpha)$, and the minimizers are $\pm\infty$ (logistic, returned without a divide-by-zero warning) and $\pm 1$ (hinge)."""
    alpha = np.array([-2.0, 0.5, 3.0])
    for loss, phi in (("logistic", learning.logistic_loss), ("hinge", learning.hinge_loss)):
        np.testing.assert_allclose(learning.conditional_surrogate_risk(loss, 1.0, alpha), phi(alpha), rtol=1e-15)
        np.testing.assert_allclose(learning.conditional_surrogate_risk(loss, 0.0, alpha), phi(-alpha), rtol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(learning.surrogate_minimizer("logistic", [0.0, 1.0]), [-np.inf, np.inf])
    np.testing.assert_array_equal(learning.surrogate_minimizer("hinge", [0.0, 1.0]), [-1.0, 1.0])


def test_population_risk_converts_outputs_to_floats():
    r"""Outputs of ``predict`` and ``target`` are converted to floats: with exact decimal outputs, $\E X^2 = 1/3$ and $\E(X - X^3)^2 = 8/105$ as for floats."""
    def decimals(f):
        return lambda t: np.array([Decimal(float(v)) for v in f(t)], dtype=object)

    zero = np.zeros_like
    assert learning.population_risk(decimals(lambda t: t), target=zero) == pytest.approx(1 / 3, rel=1e-12)
    assert learning.population_risk(lambda t: t, target=decimals(lambda t: t**3)) == pytest.approx(8 / 105, rel=1e-12)
    W = np.array([0.0, 1.0])  # the polynomial x in the Legendre basis
    assert learning.legendre_population_risk(W, target=decimals(lambda t: t**3)) == pytest.approx(8 / 105, rel=1e-12)


def test_excess_risk_samples_cell_midpoints_and_counts_a_zero_score_as_a_mistake():
    r"""The midpoint rule counts a whole cell when its midpoint is misclassified: a disagreement set $(0.0002, 0.0008)$ around the midpoint $0.0005$ of a cell of width $1/1000$ gives $1/2000$; a score of exactly 0 (the boolean score $\indic\{x > 0\}$ at $x \le 0$) is a mistake, so with $\eta \equiv 1$ its excess risk is $\Prob(X \le 0) = 1/2$; $\eta$ given as exact decimals is converted to floats."""
    def one(t):
        return np.ones_like(t)

    def dip(t):
        return (t - 0.0002) * (t - 0.0008)  # negative, hence wrong for eta = 1, only on (0.0002, 0.0008)

    assert learning.classification_excess_risk(dip, one) == pytest.approx(1 / 2000, rel=1e-12)
    assert learning.classification_excess_risk(lambda t: t > 0, one) == pytest.approx(0.5, rel=1e-12)
    assert learning.classification_excess_risk(lambda t: t > 0, lambda t: np.array([Decimal(1)] * t.size)) == 0.5


def test_batches_may_be_as_many_as_half_the_training_sets():
    """Each batch needs two training sets: with 9 sets, 4 batches (⌊9/2⌋) are allowed and 5 are refused with the bound 4 in the message."""
    kw = dict(n_train=10, n_trials=9, noise_std=0.3, x_test=X_TEST, seed=6)
    bv = learning.bias_variance(_fit(1), n_batches=4, **kw)
    assert np.isfinite(bv.bias2_stderr) and np.isfinite(bv.variance_stderr)
    with pytest.raises(ValueError, match=r"^n_batches must be an integer <= 4, got 5$"):
        learning.bias_variance(_fit(1), n_batches=5, **kw)


def test_risk_is_measured_on_fresh_labels_drawn_after_each_training_set():
    r"""Replaying the seed: risk is the mean over sets of $\operatorname{mean}_x(\hat f_t(x) - f(x) - \sigma\varepsilon'_t(x))^2$ with the fresh noise drawn after each training set, and its standard error and that of risk − mse are the sample standard deviations (ddof 1) over $\sqrt{T}$."""
    T, sigma = 12, 0.4
    bv = learning.bias_variance(_fit(2), n_train=15, n_trials=T, noise_std=sigma, x_test=X_TEST,
                                n_batches=3, seed=7)
    rng, f = np.random.default_rng(7), data.default_target(X_TEST)
    risks, mses = [], []
    for _ in range(T):
        x, y = data.regression_1d(15, noise_std=sigma, seed=rng)
        pred = learning.fit_polynomial(x, y, 2)(X_TEST)
        risks.append(np.mean((pred - f - sigma * rng.standard_normal(X_TEST.size)) ** 2))
        mses.append(np.mean((pred - f) ** 2))
    risks, gaps = np.array(risks), np.array(risks) - np.array(mses)
    assert bv.risk == pytest.approx(risks.mean(), rel=1e-12)
    assert bv.risk_stderr == pytest.approx(risks.std(ddof=1) / np.sqrt(T), rel=1e-12)
    assert bv.noise_stderr == pytest.approx(gaps.std(ddof=1) / np.sqrt(T), rel=1e-12)
    # negative control: fresh labels with the noise subtracted are a different (equally distributed) draw
    rng = np.random.default_rng(7)
    flipped = []
    for _ in range(T):
        x, y = data.regression_1d(15, noise_std=sigma, seed=rng)
        pred = learning.fit_polynomial(x, y, 2)(X_TEST)
        flipped.append(np.mean((pred - f + sigma * rng.standard_normal(X_TEST.size)) ** 2))
    assert bv.risk != pytest.approx(np.mean(flipped), rel=1e-6)


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_fixed_design_polynomial_risk_column_by_column(lam):
    r"""With more coefficients (7) than inputs (4), the estimator is linear in the labels: its mean is ridge applied to $f(x)$, and the variance is $\sigma^2\sum_{i, j} G_{jj} (\hat w(e_i))_j^2$ with $\hat w(e_i)$ the ridge (at $\lambda = 0$ minimum-norm) fit of the $i$-th unit vector."""
    x, degree, sigma = np.array([-0.9, -0.2, 0.4, 0.8]), 6, 0.3
    bias2, var = learning.polynomial_fixed_design_risk(x, degree, lam, noise_std=sigma)
    Phi = learning.legendre_features(x, degree)
    w_mean = learning.ridge(Phi, data.default_target(x), lam)
    assert bias2 == pytest.approx(learning.population_risk(lambda t: learning.legendre_features(t, degree) @ w_mean),
                                  rel=1e-9)
    cols = np.array([learning.ridge(Phi, e, lam) for e in np.eye(4)])  # (4, 7): row i is the fit of e_i
    G = 1 / (2 * np.arange(degree + 1) + 1)
    assert var == pytest.approx(sigma**2 * np.sum(G * cols**2), rel=1e-9)


def test_fixed_design_polynomial_risk_reports_a_wrong_dimension_first():
    """A 2-D x is refused for its dimension (the first thing wrong with it), even when it also holds a NaN."""
    with pytest.raises(ValueError, match=r"^x must be an array with 1 dimension\(s\), got shape \(1, 2\)$"):
        learning.polynomial_fixed_design_risk(np.array([[np.nan, 0.0]]), 1, 0.0, noise_std=0.1)


def test_fixed_design_interpolation_reproduces_a_polynomial_target():
    r"""At $\lambda = 0$, degree 3 and 6 distinct inputs, least squares reproduces the cubic target $f(x) = x^3$ exactly, so $\mathrm{bias}^2 = 0$ (the book's default target would leave $\approx 10^{-2}$), also with the target's values given as exact decimals."""
    x = np.linspace(-1, 1, 6)

    def cube(t):
        return np.asarray(t) ** 3

    def cube_decimal(t):
        return np.array([Decimal(float(v)) ** 3 for v in t], dtype=object)

    for target in (cube, cube_decimal):
        bias2, _ = learning.polynomial_fixed_design_risk(x, 3, 0.0, noise_std=0.1, target=target)
        assert bias2 == pytest.approx(0.0, abs=1e-20)
    bias_default, _ = learning.polynomial_fixed_design_risk(x, 3, 0.0, noise_std=0.1)
    assert bias_default > 1e-3  # negative control: the default target is not a cubic


# --------------------------------------------------------------------------- edge cases: ties, conversions, checks, iteration caps
def test_a_sample_point_on_a_threshold_is_classified_one():
    r"""$h_\theta(x) = \indic\{x \ge \theta\}$ counts a point on the threshold as 1: with the thresholds placed at the sample points themselves (replaying the seed), the uniform deviation and the excess risk of the first empirical risk minimizer equal a loop over the class, and the strict rule $\indic\{x > \theta\}$ gives other values."""
    n, flip, seed = 8, 0.2, 12
    x, y = data.threshold_classification(n, flip=flip, seed=np.random.default_rng(seed))
    thetas = np.sort(x)  # every threshold is a sample point: n ties

    def deviation_and_excess(classify):
        empirical = [np.mean([classify(xi, theta) != yi for xi, yi in zip(x, y)]) for theta in thetas]
        exact = [flip + (1 - 2 * flip) * abs(theta - 0.5) for theta in thetas]
        first_erm = empirical.index(min(empirical))
        return max(abs(e - r) for e, r in zip(empirical, exact)), exact[first_erm] - min(exact)

    draws = learning.finite_class_deviation(thetas, n=n, flip=flip, n_trials=1, seed=seed)
    dev, excess = deviation_and_excess(lambda xi, theta: xi >= theta)
    assert draws.deviation[0] == pytest.approx(dev, abs=1e-12) and draws.excess[0] == pytest.approx(excess, abs=1e-12)
    strict = deviation_and_excess(lambda xi, theta: xi > theta)  # negative control: ties classified 0
    assert strict[0] != pytest.approx(dev, abs=1e-6) and strict[1] != pytest.approx(excess, abs=1e-6)


def test_finite_class_deviation_reports_a_wrong_dimension_first():
    """A 2-D array of thresholds is refused for its dimension (the first thing wrong with it), even when it also holds a NaN."""
    with pytest.raises(ValueError, match=r"^thresholds must be an array with 1 dimension\(s\), got shape \(1, 2\)$"):
        learning.finite_class_deviation(np.array([[np.nan, 0.5]]), n=5, flip=0.1, n_trials=1, seed=0)


def test_finite_class_deviation_sample_size_is_checked():
    """The sample size must be a positive integer: 0 is refused with a message naming n, before any draw."""
    with pytest.raises(ValueError, match=r"^n must be an integer >= 1, got 0$"):
        learning.finite_class_deviation(np.array([0.5]), n=0, flip=0.1, n_trials=1, seed=0)
    with pytest.raises(TypeError, match=r"^n must be an integer"):
        learning.finite_class_deviation(np.array([0.5]), n=2.5, flip=0.1, n_trials=1, seed=0)


def test_bias_variance_converts_target_values_to_floats():
    r"""Values of the target given as exact decimals are converted to floats: with $f(x) = x$ as decimals, every estimate equals the one for the same target returning floats."""
    def decimals(t):
        return np.array([Decimal(float(v)) for v in t], dtype=object)

    kw = dict(n_train=6, n_trials=8, noise_std=0.3, x_test=np.linspace(-1, 1, 11), n_batches=2, seed=8)
    exact = learning.bias_variance(_fit(1), target=decimals, **kw)
    floats = learning.bias_variance(_fit(1), target=lambda t: t, **kw)
    for field in ("bias2", "variance", "noise", "mse", "risk", "bias2_stderr", "variance_stderr", "risk_stderr",
                  "noise_stderr"):
        assert getattr(exact, field) == pytest.approx(getattr(floats, field), rel=1e-12, abs=1e-15), field
    np.testing.assert_allclose(exact.predictions, floats.predictions, rtol=1e-12, atol=1e-15)


def test_bias_variance_checks_the_noise_level_before_calling_back():
    r"""A negative noise level is refused with a message naming ``noise_std`` before ``target`` or ``fit`` is called (they may be expensive or have side effects); $\sigma = 0$ is allowed."""
    calls = []

    def target(t):
        calls.append("target")
        return t

    def fit(x, y):
        calls.append("fit")
        return lambda t: 0.0 * t + y.mean()

    kw = dict(n_train=5, n_trials=4, x_test=np.linspace(-1, 1, 5), target=target, n_batches=2, seed=0)
    with pytest.raises(ValueError, match=r"^noise_std must be >= 0.0, got -0.5$"):
        learning.bias_variance(fit, noise_std=-0.5, **kw)
    assert calls == []
    assert learning.bias_variance(fit, noise_std=0.0, **kw).noise == 0.0 and "fit" in calls


def test_newton_takes_at_most_100_steps_and_accepts_the_last_iterate(monkeypatch):
    r"""Counting the Newton steps (the linear solves): a fit that does not converge raises after exactly 100 steps; slowed down so that only the 100th step moves (the first 99 are zero steps), the one-example problem with feature $a = 2\cdot 10^{-10}$, solved by one Newton step from 0 (see above), returns the minimizer $a/(4\lambda)$ after the 100th step, and raises if only the 101st step moves."""
    real_solve, solves = np.linalg.solve, []

    def counting_solve(A, b):
        solves.append(1)
        return real_solve(A, b)

    monkeypatch.setattr(np.linalg, "solve", counting_solve)
    Phi = np.array([[-1.12308102e8, 3.98075736e7], [-1.26840329e7, -1.33023131e7], [5.01974872e7, 3.53524569e7]])
    with pytest.raises(ConvergenceWarning):
        learning.fit_linear_classifier(Phi, np.array([1.0, -1.0, 1.0]), loss="logistic", lam=3.3578943e-4)
    assert len(solves) == 100

    def only_step_moves(k):
        def solve(A, b):
            solves.append(1)
            return real_solve(A, b) if len(solves) == k else np.zeros_like(b)
        return solve

    a, lam = 2e-10, 1.0
    solves.clear()
    monkeypatch.setattr(np.linalg, "solve", only_step_moves(100))
    w = learning.fit_linear_classifier(np.array([[a]]), np.ones(1), loss="logistic", lam=lam)
    assert w[0] == pytest.approx(a / (4 * lam), rel=1e-9) and len(solves) == 100
    solves.clear()
    monkeypatch.setattr(np.linalg, "solve", only_step_moves(101))  # negative control: 100 wasted steps
    with pytest.raises(ConvergenceWarning):
        learning.fit_linear_classifier(np.array([[a]]), np.ones(1), loss="logistic", lam=lam)
    assert len(solves) == 100


def test_hinge_fit_runs_liblinear_as_documented_and_reproducibly(monkeypatch):
    r"""The hinge fit is liblinear's SVM with $C = 1/(2\lambda n)$, no intercept, tolerance 1e-4, at most $10^6$ passes and the coordinate order seeded with 0, as documented: the same on every call whatever NumPy's global random state (a problem where liblinear's random order changes the result)."""
    import sklearn.svm

    def eta(t):
        return 1 / (1 + np.exp(-3 * np.sin(2 * np.pi * t)))

    x, y = data.binary_classification_1d(100, eta=eta, seed=100)
    Phi, lam = learning.legendre_features(x, 9), 1e-4
    fits, unseeded, state = [], [], np.random.get_state()
    try:
        for global_seed in (1, 2):
            np.random.seed(global_seed)
            fits.append(learning.fit_linear_classifier(Phi, y, loss="hinge", lam=lam))
            # negative control: liblinear left to NumPy's global random state
            unseeded.append(sklearn.svm.LinearSVC(loss="hinge", C=1 / (2 * lam * 100), fit_intercept=False, tol=1e-4,
                                                  max_iter=10**6).fit(Phi, y).coef_[0])
    finally:
        np.random.set_state(state)
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.array_equal(unseeded[0], unseeded[1])

    params = []

    class RecordingLinearSVC(sklearn.svm.LinearSVC):
        def fit(self, X, y, sample_weight=None):
            params.append(self.get_params())
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(sklearn.svm, "LinearSVC", RecordingLinearSVC)
    w = learning.fit_linear_classifier(Phi, y, loss="hinge", lam=lam)
    np.testing.assert_array_equal(w, fits[0])
    (p,) = params
    assert p["loss"] == "hinge" and p["C"] == pytest.approx(1 / (2 * lam * 100), rel=1e-15)
    assert (p["fit_intercept"], p["tol"], p["max_iter"], p["random_state"]) == (False, 1e-4, 10**6, 0)
