"""Tests of nnmath.implicit_bias: the statements of the chapter *Implicit bias and margin maximization*.

Every claim test compares with a reference that does not share the formula under test
(``numpy.linalg.lstsq``/``pinv``, a hard-margin SVM known in closed form by construction,
scikit-learn's SVC, scipy's ``linprog`` and SLSQP on the primal problem, finite differences) and
keeps a negative control: a plausible wrong variant, named for the mistake, that the same check
must reject.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy.optimize import linprog, minimize
from sklearn.svm import SVC

from nnmath import implicit_bias as ib


# --------------------------------------------------------------------------- data with known answers
def _separable_data(seed=5, gamma=0.5, m=5):
    """Separable data whose hard-margin SVM through the origin is e_1/gamma by construction.

    The support vectors are x = (gamma, 0) with label +1 and x = (-gamma, 0) with label -1; every
    other point has y_i x_i1 >= gamma + 0.3. Then w = e_1/gamma satisfies y_i x_i^T w >= 1 with
    equality exactly at the two support vectors, and e_1/gamma = sum_S alpha_i y_i x_i with
    alpha_i = 1/(2 gamma^2) >= 0: the KKT conditions of min |w|^2 hold, so it is the solution.
    """
    rng = np.random.default_rng(seed)
    Z = np.column_stack([rng.uniform(gamma + 0.3, 2.0, 2 * m), rng.uniform(-1.0, 1.0, 2 * m)])
    X = np.vstack([[gamma, 0.0], [-gamma, 0.0], Z[:m], -Z[m:]])
    y = np.r_[1.0, -1.0, np.ones(m), -np.ones(m)]
    return X, y, np.array([1.0 / gamma, 0.0])


def _sparse_regression(seed=0, n=12, d=30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    beta = np.zeros(d)
    beta[:3] = [1.5, -1.0, 0.7]
    return X, X @ beta


def _min_l1(X, y):
    """Minimum-ℓ1 interpolant by scipy's linprog (beta = p - m with p, m >= 0)."""
    d = X.shape[1]
    res = linprog(np.ones(2 * d), A_eq=np.hstack([X, -X]), b_eq=y, bounds=[(0, None)] * (2 * d), method="highs")
    assert res.status == 0
    return res.x[:d] - res.x[d:]


def _q(z):
    return 2.0 - np.sqrt(4.0 + z**2) + z * np.arcsinh(z / 2.0)


def _primal_minimizer(X, y, alpha, q=_q, scale=lambda a: a**2):
    """argmin scale(α) Σ q(β/scale(α)) subject to Xβ = y, by scipy's SLSQP on the primal (no dual)."""
    s = scale(alpha)
    res = minimize(lambda b: s * np.sum(q(b / s)), np.linalg.pinv(X) @ y, method="SLSQP",
                   constraints=[{"type": "eq", "fun": lambda b: X @ b - y, "jac": lambda b: X}],
                   options={"ftol": 1e-14, "maxiter": 2000})
    return res.x


# --------------------------------------------------------------------------- least squares
def _wrong_limit_pinv_y(X, y, w0):
    """Mistake: GD converges to the minimum-norm solution X⁺y whatever the starting point."""
    return np.linalg.pinv(X) @ y


def _lstsq_limit(X, y, w0):
    """The least-squares solution closest to w0, from numpy's lstsq (minimum-norm solution of X d = y - X w0)."""
    return w0 + np.linalg.lstsq(X, y - X @ w0, rcond=None)[0]


@pytest.mark.claim("thm-ib-min-norm")
def test_gd_least_squares_converges_to_w0_plus_pinv_residual():
    """Gradient descent on least squares converges to $w_0 + X^+(y - Xw_0)$ to 1e-10, for full-row-rank and rank-deficient $X$."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((20, 50))                                          # underdetermined, full row rank
    B = rng.standard_normal((30, 6)) @ rng.standard_normal((6, 10))            # rank 6: no exact interpolant
    for X in (A, B):
        n, d = X.shape
        y, w0 = rng.standard_normal(n), rng.standard_normal(d)
        s = np.linalg.svd(X, compute_uv=False)
        s_min = s[s > 1e-10 * s[0]].min()
        lr = n / s[0] ** 2
        steps = int(np.ceil(np.log(1e-14) / np.log(1 - (s_min / s[0]) ** 2))) + 10
        w = ib.gd_least_squares(X, y, w0, lr, steps)
        assert np.linalg.norm(w - _lstsq_limit(X, y, w0)) < 1e-10
        assert np.linalg.norm(w - _wrong_limit_pinv_y(X, y, w0)) > 1e-2  # negative control
        # from zero the limit is the minimum-norm solution itself
        assert np.linalg.norm(ib.gd_least_squares(X, y, np.zeros(d), lr, steps) - np.linalg.pinv(X) @ y) < 1e-10


def test_gd_least_squares_step_matches_finite_difference_gradient():
    """One step equals w₀ − η∇L(w₀) with ∇L from central differences of ½n⁻¹‖Xw − y‖² (exact for a quadratic)."""
    X, y = _sparse_regression()
    w0 = np.linspace(-1, 1, X.shape[1])
    loss = lambda w: 0.5 * np.mean((X @ w - y) ** 2)
    h = 1e-5
    grad = np.array([(loss(w0 + h * e) - loss(w0 - h * e)) / (2 * h) for e in np.eye(w0.size)])
    assert np.allclose(ib.gd_least_squares(X, y, w0, 0.1, 1), w0 - 0.1 * grad, atol=1e-8)


def test_record_returns_the_iterates_at_the_given_times():
    """Recording at times (0, 3, 3, 7) returns w₀, w₃, w₃, w₇ of separate runs."""
    X, y = _sparse_regression()
    w0 = np.ones(X.shape[1])
    W = ib.gd_least_squares(X, y, w0, 0.01, 7, record=[0, 3, 3, 7])
    for row, t in zip(W, (0, 3, 3, 7)):
        assert np.allclose(row, ib.gd_least_squares(X, y, w0, 0.01, t), atol=0, rtol=0)


# --------------------------------------------------------------------------- logistic regression
def test_logistic_loss_is_stable_and_gradient_matches_finite_differences():
    """logistic_loss is finite for margins ±1000 and one GD step equals −η times its finite-difference gradient."""
    X = np.array([[1000.0, 0.0], [-1000.0, 1.0]])
    y = np.array([1.0, 1.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert ib.logistic_loss(X, y, np.array([1.0, 0.0])) == pytest.approx(500.0)
    X, y, _ = _separable_data()
    w0 = np.zeros(2)
    loss = lambda w: np.mean(np.log1p(np.exp(-y * (X @ w))))               # the naive formula, fine at small margins
    h = 1e-6
    grad = np.array([(loss(w0 + h * e) - loss(w0 - h * e)) / (2 * h) for e in np.eye(2)])
    assert np.allclose(ib.gd_logistic(X, y, 0.3, 1), -0.3 * grad, atol=1e-8)
    assert ib.logistic_loss(X, y, np.array([0.3, -0.2])) == pytest.approx(loss(np.array([0.3, -0.2])), rel=1e-12)


def test_max_margin_direction_matches_closed_form_and_sklearn():
    """max_margin_direction returns e₁ on the constructed data and agrees with sklearn's SVC on symmetrized random data to 1e-5."""
    X, y, w_hat = _separable_data()
    assert np.linalg.norm(ib.max_margin_direction(X, y) - w_hat / np.linalg.norm(w_hat)) < 1e-9
    rng = np.random.default_rng(3)
    for _ in range(3):
        w_true = rng.standard_normal(4)
        X = rng.standard_normal((40, 4))
        X = X[np.abs(X @ w_true) > 0.3]
        y = np.sign(X @ w_true)
        # no intercept: fit on {(x, y), (-x, -y)}, whose max-margin hyperplane with intercept passes through 0
        svc = SVC(kernel="linear", C=1e8, tol=1e-10).fit(np.vstack([X, -X]), np.r_[y, -y])
        ref = svc.coef_[0] / np.linalg.norm(svc.coef_[0])
        assert abs(svc.intercept_[0]) < 1e-5
        assert np.linalg.norm(ib.max_margin_direction(X, y) - ref) < 1e-5


def test_max_margin_direction_rejects_non_separable_data():
    """Data that no hyperplane through the origin separates raise ValueError naming X, y."""
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    with pytest.raises(ValueError, match="separable"):
        ib.max_margin_direction(X, np.array([1.0, 1.0]))


@functools.lru_cache(maxsize=1)
def _logistic_run(T=10**5):
    """One run of 10⁵ steps, shared by the tests (arrays are not modified)."""
    X, y, w_hat = _separable_data()
    n = X.shape[0]
    lr = 4 * n / np.linalg.norm(X, 2) ** 2          # half the stability limit 8n/s_1^2
    times = np.unique(np.round(np.geomspace(1, T, 41)).astype(int))
    return X, y, w_hat, lr, times, ib.gd_logistic(X, y, lr, T, record=times)


def _wrong_gd_with_weight_decay(X, y, lr, times, lam=1e-3):
    """Mistake: a learner that converges (logistic loss plus (λ/2)|w|²), as if the loss had a minimizer."""
    w, out, t = np.zeros(X.shape[1]), [], 0
    Z = y[:, None] * X
    for target in times:
        while t < target:
            w = w + lr * (Z.T @ (1 / (1 + np.exp(Z @ w))) / len(y) - lam * w)
            t += 1
        out.append(w.copy())
    return np.array(out)


def _loss_bound(X, y, w_hat, lr, t):
    """Chapter 6's convex bound L(w_t) ≤ L(u) + |u|²/(2ηt) at the best u = r ŵ/|ŵ|, r on a grid."""
    u = w_hat / np.linalg.norm(w_hat)
    r = np.linspace(0, 60, 6001)
    losses = np.mean(np.logaddexp(0, -np.outer(r, y * (X @ u))), axis=1)
    return np.min(losses + r**2 / (2 * lr * t))


@pytest.mark.claim("prop-ib-logistic-diverges")
def test_logistic_loss_tends_to_zero_and_norm_diverges():
    r"""On separable data $L(w_t)$ obeys the convex bound with a comparison point $r\hat w$, and $\norm{w_t} \ge -\log(e^{nL(w_t)} - 1)/\max_i\norm{x_i}$."""
    X, y, w_hat, lr, times, W = _logistic_run()
    n, R = X.shape[0], np.linalg.norm(X, axis=1).max()

    def holds(W):
        L = np.mean(np.logaddexp(0, -W @ (y[:, None] * X).T), axis=1)       # the loss at each recorded time
        ok_loss = all(L[k] <= _loss_bound(X, y, w_hat, lr, t) * (1 + 1e-9) for k, t in enumerate(times) if t >= 1)
        small = n * L < np.log(2)                                               # all margins positive
        ok_norm = np.all(np.linalg.norm(W, axis=1)[small] >= -np.log(np.expm1(n * L[small])) / R - 1e-9)
        return ok_loss and ok_norm and small[-1]

    assert holds(W)
    assert np.linalg.norm(W[-1]) > 15
    assert not holds(_wrong_gd_with_weight_decay(X, y, lr, times))  # negative control: a converging learner


def _distance(W, w_hat):
    return np.linalg.norm(W / np.linalg.norm(W, axis=1, keepdims=True) - w_hat / np.linalg.norm(w_hat), axis=1)


@pytest.mark.claim("thm-ib-soudry")
def test_logistic_direction_converges_to_svm_at_rate_one_over_log_t():
    r"""GD on separable data: the direction is within 0.08 of the closed-form SVM direction at $t = 10^5$, distance times $\log t$ stays below 1.5 throughout and is nearly constant over the last decade."""
    X, y, w_hat, lr, times, W = _logistic_run()
    dist = _distance(W, w_hat)
    prod = dist * np.log(times)

    def check(dist, prod):
        last = times >= times[-1] / 10
        return dist[-1] < 0.08 and np.all(prod < 1.5) and prod[last].max() / prod[last].min() < 1.25

    assert check(dist, prod)
    # negative control 1: the direction of the least-squares solution X⁺y is not the limit
    w_ls = np.linalg.pinv(X) @ y
    assert not check(_distance(W, w_ls), _distance(W, w_ls) * np.log(times))
    # negative control 2: a 1/t rate (distance·t bounded by 1.5) is false
    assert not check(dist, dist * times)


@pytest.mark.claim("thm-ib-soudry")
def test_logistic_iterates_are_svm_times_log_t_plus_bounded_residual():
    r"""$\rho_t = w_t - \hat w\log t$ ($\hat w$ the margin-1 SVM solution, known in closed form) changes by less than 0.2 over the last decade, and stays bounded by 10."""
    X, y, w_hat, lr, times, W = _logistic_run()
    last = times >= times[-1] / 10

    def bounded(w_scaled):
        rho = W - np.log(times)[:, None] * w_scaled
        return np.linalg.norm(rho[last][-1] - rho[last][0]) < 0.2 and np.all(np.linalg.norm(rho[1:], axis=1) < 10)

    assert bounded(w_hat)
    # negative control: the unit direction instead of the margin-1 solution (here |ŵ| = 2) leaves a log t drift
    assert not bounded(w_hat / np.linalg.norm(w_hat))


# --------------------------------------------------------------------------- diagonal linear networks
def test_potential_minimizer_matches_scipy_on_the_primal():
    """The dual-Newton minimizer of Q_α subject to Xβ = y agrees with SLSQP on the primal to 1e-5 and interpolates."""
    X, y = _sparse_regression()
    for alpha in (0.1, 0.3, 1.0, 3.0):
        beta = ib.diagonal_potential_minimizer(X, y, alpha)
        assert np.linalg.norm(X @ beta - y) < 1e-8
        assert np.linalg.norm(beta - _primal_minimizer(X, y, alpha)) < 1e-5
        assert ib.diagonal_potential(beta, alpha) <= ib.diagonal_potential(np.linalg.pinv(X) @ y, alpha) + 1e-12


def test_potential_has_the_stated_derivative_and_small_z_limit():
    """q′(z) = arcsinh(z/2) by central differences, and q(z)/(z²/4) → 1 as z → 0."""
    z = np.linspace(-5, 5, 21)
    h = 1e-6
    fd = np.array([(ib.diagonal_potential([t + h], 1.0) - ib.diagonal_potential([t - h], 1.0)) / (2 * h) for t in z])
    assert np.allclose(fd, np.arcsinh(z / 2), atol=1e-7)
    assert ib.diagonal_potential([1e-3], 1.0) / (1e-6 / 4) == pytest.approx(1.0, rel=1e-6)


def _wrong_q_missing_half(z):
    """Mistake: q(z) = 2 − √(4 + z²) + z·arcsinh(z) (the 1/2 inside arcsinh dropped)."""
    return 2.0 - np.sqrt(4.0 + z**2) + z * np.arcsinh(z)


GD_ALPHAS = (0.03, 0.1, 0.3, 1.0, 3.0)


def _gd_limit(X, y, alpha, steps=20_000):
    n = X.shape[0]
    lr = 0.25 * n / (np.linalg.norm(X, 2) ** 2 * max(4 * alpha**2, 6.0))
    return ib.diagonal_network_gd(X, y, alpha, lr, steps)


@pytest.mark.claim("thm-ib-diagonal")
def test_diagonal_network_limit_is_the_potential_minimizer():
    r"""For $\alpha \in \{0.03, \dots, 3\}$, gradient descent on $\beta = u^2 - v^2$ ends within 2e-2 of $\argmin Q_\alpha$ (computed by SLSQP on the primal)."""
    X, y = _sparse_regression()
    gd = {a: _gd_limit(X, y, a) for a in GD_ALPHAS}
    for a in GD_ALPHAS:
        assert np.linalg.norm(gd[a] - _primal_minimizer(X, y, a)) < 2e-2
    # negative controls: a wrong q, and the scale α instead of α², each fail for some α
    assert max(np.linalg.norm(gd[a] - _primal_minimizer(X, y, a, q=_wrong_q_missing_half)) for a in GD_ALPHAS) > 2e-2
    assert max(np.linalg.norm(gd[a] - _primal_minimizer(X, y, a, scale=lambda t: t)) for a in GD_ALPHAS) > 2e-2


@pytest.mark.claim("prop-ib-potential-limits")
def test_potential_minimizer_tends_to_min_l1_and_min_l2():
    r"""$\argmin Q_\alpha$ is within 2e-2 of the minimum-$\ell_1$ interpolant (`linprog`) for $\alpha \le 10^{-3}$, of the minimum-$\ell_2$ one (`pinv`) for $\alpha \ge 3$, and the distances shrink monotonically."""
    X, y = _sparse_regression()
    b1, b2 = _min_l1(X, y), np.linalg.pinv(X) @ y
    small, large = (1e-2, 1e-3, 1e-4, 1e-6), (1.0, 3.0, 10.0, 100.0)
    d1 = [np.linalg.norm(ib.diagonal_potential_minimizer(X, y, a) - b1) for a in small]
    d2 = [np.linalg.norm(ib.diagonal_potential_minimizer(X, y, a) - b2) for a in large]

    def check(d1, d2):
        return (max(d1[1:]) < 2e-2 and max(d2[1:]) < 2e-2
                and all(np.diff(d1) < 0) and all(np.diff(d2) < 0))

    assert check(d1, d2)
    assert np.linalg.norm(b1 - b2) > 1.0            # the two limits are far apart on this problem
    # negative control: the limits swapped (ℓ2 as α → 0, ℓ1 as α → ∞)
    d1w = [np.linalg.norm(ib.diagonal_potential_minimizer(X, y, a) - b2) for a in small]
    d2w = [np.linalg.norm(ib.diagonal_potential_minimizer(X, y, a) - b1) for a in large]
    assert not check(d1w, d2w)


def _wrong_kernel_limit_missing_factor_4(P, beta2):
    """Mistake: arcsinh expanded at β/α² instead of β/(2α²), giving P β₂³/6 instead of P β₂³/24."""
    return P @ beta2**3 / 6


@pytest.mark.claim("prop-ib-potential-limits")
def test_large_alpha_correction_is_projected_cube_over_24_alpha4():
    r"""$\alpha^4(\beta_\alpha - \beta_{\ell_2}) \to P\beta_{\ell_2}^3/24$ ($P$ the projection onto $\ker X$): relative error below 1e-3 at $\alpha = 4, 8, 16$ and shrinking; the bound $\abs{\beta_2}^3/(6\sqrt{2}\alpha^4)$ holds."""
    X, y = _sparse_regression()
    b2 = np.linalg.pinv(X) @ y
    P = np.eye(X.shape[1]) - np.linalg.pinv(X) @ X                      # projection onto ker X
    alphas = (4.0, 8.0, 16.0)
    scaled = [a**4 * (ib.diagonal_potential_minimizer(X, y, a) - b2) for a in alphas]

    def check(limit):
        rel = [np.linalg.norm(v - limit) / np.linalg.norm(limit) for v in scaled]
        return max(rel) < 1e-3 and all(np.diff(rel) < 0)

    assert check(P @ b2**3 / 24)
    assert not check(_wrong_kernel_limit_missing_factor_4(P, b2))       # negative control
    bound = np.linalg.norm(b2) ** 3 / (6 * np.sqrt(2))
    assert all(np.linalg.norm(v) <= bound for v in scaled)
    # the bound has the right power of α; its constant is loose on this instance (ratio about 36), not sharp
    assert 10 < bound / np.linalg.norm(P @ b2**3 / 24) < 100


def test_diagonal_network_step_matches_finite_differences():
    """One step on (u, v) equals −η times the central-difference gradient of ½n⁻¹‖X(u² − v²) − y‖²."""
    X, y = _sparse_regression()
    d, alpha, lr = X.shape[1], 0.7, 0.01
    theta = np.full(2 * d, alpha)
    loss = lambda th: 0.5 * np.mean((X @ (th[:d] ** 2 - th[d:] ** 2) - y) ** 2)
    h = 1e-6
    grad = np.array([(loss(theta + h * e) - loss(theta - h * e)) / (2 * h) for e in np.eye(2 * d)])
    th1 = theta - lr * grad
    assert np.allclose(ib.diagonal_network_gd(X, y, alpha, lr, 1), th1[:d] ** 2 - th1[d:] ** 2, atol=1e-8)


# --------------------------------------------------------------------------- homogeneous models
def _l1_max_margin(Z):
    """max over |β|₁ ≤ 1 of min_i z_i^T β, by scipy's linprog (β = p − m, p, m ≥ 0)."""
    n, d = Z.shape
    A = np.vstack([np.hstack([-Z, Z, np.ones((n, 1))]), np.r_[np.ones(2 * d), 0.0][None]])
    res = linprog(np.r_[np.zeros(2 * d), -1.0], A_ub=A, b_ub=np.r_[np.zeros(n), 1.0],
                  bounds=[(0, None)] * (2 * d) + [(None, None)], method="highs")
    assert res.status == 0
    return -res.fun


def _wrong_smoothed_margin_degree_3(margins, norm):
    """Mistake: the normalization |θ|³ for a network that is homogeneous of degree 2."""
    total = np.sum(np.logaddexp(0.0, -margins))
    return -np.log(np.expm1(total)) / norm**3 if total < np.log(2) else np.nan


@pytest.mark.claim("thm-ib-homogeneous")
def test_smoothed_margin_of_diagonal_network_is_nondecreasing():
    r"""For the 2-homogeneous diagonal network on separable data, Lyu–Li's smoothed margin is non-decreasing once the loss is below $\log 2/n$, and stays below the normalized margin and the $\ell_1$ maximum margin (`linprog`)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 20))
    y = np.sign(X[:, 0] + 0.5 * X[:, 1])
    Z = y[:, None] * X
    times = np.unique(np.round(np.geomspace(1, 20_000, 40)).astype(int))
    TH = ib.diagonal_network_logistic_gd(X, y, 0.1, 0.5, 20_000, record=times)
    margins = [Z @ (th[0] ** 2 - th[1] ** 2) for th in TH]
    norms = [np.linalg.norm(th) for th in TH]
    gamma1 = _l1_max_margin(Z)

    def nondecreasing(values):
        values = np.asarray(values)
        ok = ~np.isnan(values)
        return ok.sum() >= 20 and np.all(np.diff(values[ok]) >= -1e-12)

    smoothed = [ib.smoothed_margin(m, r, 2) for m, r in zip(margins, norms)]
    assert nondecreasing(smoothed)
    assert not nondecreasing([_wrong_smoothed_margin_degree_3(m, r) for m, r in zip(margins, norms)])  # negative control
    normalized = np.array([m.min() / r**2 for m, r in zip(margins, norms)])
    ok = ~np.isnan(smoothed)
    assert np.all(np.asarray(smoothed)[ok] <= normalized[ok] + 1e-12)
    assert np.all(normalized <= gamma1 + 1e-9)                    # |θ|² ≥ |β|₁ for β = u² − v²
    assert normalized[-1] > 0.75 * gamma1                         # the margin has grown most of the way


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, name", [
    (lambda: ib.gd_least_squares(np.ones((2, 3)), np.ones(3), np.zeros(3), 0.1, 2), "y"),
    (lambda: ib.gd_least_squares(np.ones((2, 3)), np.ones(2), np.zeros(2), 0.1, 2), "w0"),
    (lambda: ib.gd_least_squares(np.ones((2, 3)), np.ones(2), np.zeros(3), -0.1, 2), "lr"),
    (lambda: ib.gd_least_squares(np.ones((2, 3)), np.ones(2), np.zeros(3), 0.1, 2, record=[0, 5]), "record"),
    (lambda: ib.gd_least_squares(np.ones((2, 3)), np.ones(2), np.zeros(3), 0.1, 2, record=[2, 1]), "record"),
    (lambda: ib.gd_logistic(np.ones((2, 3)), np.array([1.0, 0.5]), 0.1, 2), "y"),
    (lambda: ib.gd_logistic(np.ones(3), np.ones(3), 0.1, 2), "X"),
    (lambda: ib.max_margin_direction(np.ones((2, 3)), np.array([1.0, 2.0])), "y"),
    (lambda: ib.diagonal_network_gd(np.ones((2, 3)), np.ones(2), 0.0, 0.1, 2), "alpha"),
    (lambda: ib.diagonal_potential_minimizer(np.ones((2, 3)), np.ones(2), 1.0), "X"),
    (lambda: ib.diagonal_potential(np.ones((2, 2)), 1.0), "beta"),
])
def test_bad_values_raise_value_error_naming_the_argument(call, name):
    """Each bad value raises ValueError whose message names the argument."""
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


@pytest.mark.parametrize("call, name", [
    (lambda: ib.gd_least_squares(np.ones((2, 3)), np.ones(2), np.zeros(3), 0.1, 2.5), "steps"),
    (lambda: ib.gd_logistic([["a", "b"]], np.ones(1), 0.1, 2), "X"),
    (lambda: ib.diagonal_network_gd(np.ones((2, 3)), np.ones(2), "big", 0.1, 2), "alpha"),
])
def test_bad_types_raise_type_error_naming_the_argument(call, name):
    """Each value of a wrong type raises TypeError whose message names the argument."""
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        call()
