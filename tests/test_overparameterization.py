"""Tests of nnmath.overparameterization: the statements of the chapter *Overparameterization*.

Every claim test compares with a reference that does not share the code's formula (a Monte Carlo
simulation written here with its own linear algebra, scipy's inverse-Wishart mean, exhaustive
enumeration of dropout masks, torch autograd, a torch network built from the weights), and runs a
plausible wrong variant (named ``_wrong_...``) that the same check rejects.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from scipy import stats
from threadpoolctl import threadpool_limits

from nnmath import data, generalization
from nnmath import overparameterization as op

torch.set_num_threads(1)  # tiny networks: threads cost more than they save

# --------------------------------------------------------------------------- memorization


def _torch_two_layer(a, b, c):
    """The network sum_j c_j relu(<a, x> - b_j) as a torch float64 module (an independent evaluation)."""
    net = torch.nn.Sequential(torch.nn.Linear(len(a), len(b), dtype=torch.float64), torch.nn.ReLU(),
                              torch.nn.Linear(len(b), 1, bias=False, dtype=torch.float64))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(np.tile(a, (len(b), 1))))
        net[0].bias.copy_(torch.tensor(-b))
        net[2].weight.copy_(torch.tensor(c[None, :]))
    return net


def _wrong_thresholds_below_all(X, y, *, seed):
    """Wrong: every threshold below the smallest projection, so the hidden units are affine on the data."""
    a = np.random.default_rng(seed).standard_normal(X.shape[1])
    z = X @ a
    b = z.min() - 1.0 - np.arange(len(z))
    A = np.maximum(z[:, None] - b[None, :], 0.0)
    return a, b, np.linalg.lstsq(A, y, rcond=None)[0]


def _interpolation_error(construct, X, y, seed=0):
    a, b, c = construct(X, y, seed=seed)
    with torch.no_grad():
        pred = _torch_two_layer(a, b, c)(torch.tensor(X)).numpy()[:, 0]
    return np.max(np.abs(pred - y)), len(a) + len(b) + len(c)


@pytest.mark.claim("thm-op-memorization")
def test_two_layer_network_with_2n_plus_d_weights_fits_random_labels_on_digits():
    """A two-layer ReLU network with 2n + d weights fits random real labels on n digits to 1e-6, evaluated in torch."""
    split = data.digits(seed=0)
    X = split.X_train[:300]
    y = np.random.default_rng(1).standard_normal(len(X))
    err, n_weights = _interpolation_error(op.interpolating_relu_network, X, y)
    assert n_weights == 2 * X.shape[0] + X.shape[1]
    assert err <= 1e-6  # the slopes c_j are large where projections are close: rounding, not the construction
    wrong_err, _ = _interpolation_error(_wrong_thresholds_below_all, X, y)
    assert wrong_err > 0.1  # negative control: the check rejects thresholds that do not interleave


def test_interpolating_network_rejects_repeated_points():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="distinct"):
        op.interpolating_relu_network(X, np.zeros(3), seed=0)


def test_relu_network_predict_matches_torch():
    rng = np.random.default_rng(3)
    X, a, b, c = rng.standard_normal((7, 3)), rng.standard_normal(3), rng.standard_normal(5), rng.standard_normal(5)
    with torch.no_grad():
        ref = _torch_two_layer(a, b, c)(torch.tensor(X)).numpy()[:, 0]
    np.testing.assert_allclose(op.relu_network_predict(X, a, b, c), ref, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- random labels


def _random_label_run(randomize):
    split = data.digits(seed=0)
    X_fit, y_fit = randomize(split.X_train, split.y_train)
    fit = op.train_to_interpolation(X_fit, y_fit, width=256, lr=1e-2, max_steps=1500, seed=0)
    return op.accuracy(fit.net, split.X_test, split.y_test), fit.fitted


def _random_labels(X, y):
    """Labels drawn uniformly from the 10 classes, independently of the images."""
    return X, np.random.default_rng(1).integers(0, 10, size=len(y))


def _wrong_shuffle_rows_jointly(X, y):
    """Wrong: 'randomizes' by permuting the training examples, which keeps each image with its label."""
    perm = np.random.default_rng(1).permutation(len(y))
    return X[perm], y[perm]


@pytest.mark.claim("prop-op-chance")
def test_random_labels_are_memorized_and_test_accuracy_is_at_chance():
    """A network fitted to random labels on digits fits all of them and has test accuracy below 0.25 (chance is 0.1)."""
    acc, fitted = _random_label_run(_random_labels)
    assert fitted
    assert acc < 0.25
    wrong_acc, wrong_fitted = _random_label_run(_wrong_shuffle_rows_jointly)
    assert wrong_fitted and not wrong_acc < 0.25  # negative control: labels still tied to the images


# --------------------------------------------------------------------------- ridgeless least squares


def _simulated_risk(n, p, r2, sigma2, trials, seed):
    """Independent Monte Carlo: normal equations (p < n) or X^T (X X^T)^{-1} y (p > n), risk ||b_hat - b||^2."""
    rng = np.random.default_rng(seed)
    out = np.empty(trials)
    with threadpool_limits(1):  # tiny matrices: BLAS threads only cost time on a loaded machine
        for t in range(trials):
            X = rng.normal(size=(n, p))
            beta = rng.normal(size=p)
            beta *= np.sqrt(r2 / (beta @ beta))
            y = X @ beta + rng.normal(scale=np.sqrt(sigma2), size=n)
            b_hat = np.linalg.solve(X.T @ X, X.T @ y) if p < n else X.T @ np.linalg.solve(X @ X.T, y)
            out[t] = np.sum((b_hat - beta) ** 2)
    return out.mean(), out.std(ddof=1) / np.sqrt(trials)


def _wrong_squared_denominator(gamma, r2, sigma2, n=None):
    """Wrong: sigma^2 gamma / (1 - gamma)^2 (finite n: sigma^2 p n / (n - p - 1)^2) below the threshold."""
    p = gamma * n
    if p < n:
        return sigma2 * p * n / (n - p - 1) ** 2
    return op.ridgeless_risk(gamma, r2, sigma2, n)


def _wrong_missing_sigma2(gamma, r2, sigma2, n=None):
    """Wrong: drops the variance term above the threshold, r^2 (1 - n/p) only."""
    p = gamma * n
    if p > n:
        return r2 * (1 - n / p)
    return op.ridgeless_risk(gamma, r2, sigma2, n)


RIDGELESS_CASES = [(50, 25), (50, 40), (50, 100)]  # gamma = 0.5, 0.8, 2; |p - n| > 3 so variances are finite


def _ridgeless_check(formula, n, p, r2=1.0, sigma2=0.5, trials=1500):
    mean, se = _simulated_risk(n, p, r2, sigma2, trials, seed=100 + p)
    return abs(mean - formula(p / n, r2, sigma2, n=n)) <= 3 * se


@pytest.mark.claim("thm-op-ridgeless")
@pytest.mark.parametrize("n, p", RIDGELESS_CASES)
def test_ridgeless_risk_matches_simulation_at_three_gammas(n, p):
    r"""The exact finite-$n$ ridgeless risk agrees with an independent simulation within 3 standard errors at $\gamma = 0.5, 0.8, 2$."""
    assert _ridgeless_check(generalization.ridgeless_risk, n, p)


@pytest.mark.claim("thm-op-ridgeless")
def test_ridgeless_check_rejects_wrong_formulas():
    r"""The simulation check rejects $\sigma^2\gamma/(1-\gamma)^2$ below the threshold and the formula without $\sigma^2$ above it."""
    assert not _ridgeless_check(_wrong_squared_denominator, 50, 25)
    assert not _ridgeless_check(_wrong_missing_sigma2, 50, 100)


@pytest.mark.claim("thm-op-ridgeless")
def test_finite_n_risk_converges_to_the_asymptotic_formula():
    r"""For $p/n = \gamma$ fixed, the exact risk tends to $\sigma^2\gamma/(1-\gamma)$ or $r^2(1 - 1/\gamma) + \sigma^2/(\gamma - 1)$."""
    for gamma in (0.25, 0.5, 0.9, 1.1, 2.0, 4.0):
        limit = 0.7 * (1 - 1 / gamma) + 0.3 / (gamma - 1) if gamma > 1 else 0.3 * gamma / (1 - gamma)
        assert op.ridgeless_risk(gamma, 0.7, 0.3) == pytest.approx(limit, rel=1e-14)
        assert op.ridgeless_risk(gamma, 0.7, 0.3, n=10**6) == pytest.approx(limit, rel=1e-3)
    assert op.ridgeless_risk(1.0, 1.0, 0.1) == np.inf
    for p in (49, 50, 51):
        assert op.ridgeless_risk(p / 50, 1.0, 0.1, n=50) == np.inf


@pytest.mark.claim("lem-op-inverse-wishart")
def test_expected_trace_of_inverse_wishart_matches_scipy():
    r"""$\E\tr((X^\top X)^{-1}) = p/(n - p - 1)$ for $X$ with i.i.d. $\Normal(0,1)$ entries, against scipy's inverse-Wishart mean."""
    for n, p in [(10, 3), (30, 20), (50, 5)]:
        ref = np.trace(stats.invwishart(df=n, scale=np.eye(p)).mean())
        assert op.ridgeless_risk(p / n, 0.0, 1.0, n=n) == pytest.approx(ref, rel=1e-12)
        wrong = p / (n - p)  # negative control: the mean of 1/chi^2_k taken as 1/k
        assert wrong != pytest.approx(ref, rel=1e-3)


def test_min_norm_solution_is_the_pseudoinverse_and_interpolates():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 12)), rng.standard_normal(5)
    b = generalization.min_norm_solution(X, y)
    np.testing.assert_allclose(b, np.linalg.pinv(X) @ y, rtol=1e-10)
    np.testing.assert_allclose(X @ b, y, atol=1e-12)
    z = np.linalg.svd(X)[2][-1]  # a null-space direction: adding it keeps the fit and increases the norm
    assert np.linalg.norm(b + 0.1 * z) > np.linalg.norm(b)


def test_simulate_linear_risk_agrees_with_formula():
    est = op.simulate_linear_risk(40, 20, r2=1.0, sigma2=0.5, n_trials=800, seed=0)
    assert abs(est.mean - op.ridgeless_risk(0.5, 1.0, 0.5, n=40)) <= 3 * est.se


def test_ridgeless_risk_rejects_non_integer_feature_count():
    with pytest.raises(ValueError, match="gamma"):
        op.ridgeless_risk(0.333, 1.0, 1.0, n=10)


# --------------------------------------------------------------------------- ridge removes the peak


def _ridge_variance(X, lam, sigma2):
    """Exact variance term sigma^2 tr((X^T X + n lam)^{-2} X^T X) of ridge, from the SVD."""
    s2 = np.linalg.svd(X, compute_uv=False) ** 2
    return sigma2 * np.sum(s2 / (s2 + X.shape[0] * lam) ** 2)


def _ridge_bound(n, p, r2, sigma2, lam):
    return r2 + sigma2 * min(n, p) / (4 * n * lam)


def _wrong_ridge_bound_missing_quarter(n, p, r2, sigma2, lam):
    """Wrong: the variance bound without its factor 1/4."""
    return r2 + sigma2 * min(n, p) / (n * lam)


def _ridge_bound_is_tight(bound, n=30, p=30, lam=0.2, sigma2=1.0):
    """Worst case of the variance term: X^T X = n lam I (every s/(s + n lam)^2 equals 1/(4 n lam))."""
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((n, p)))[0]
    X = np.sqrt(n * lam) * Q
    ratio = _ridge_variance(X, lam, sigma2) / (bound(n, p, 0.0, sigma2, lam))
    return 0.999 <= ratio <= 1.0 + 1e-12


@pytest.mark.claim("prop-op-ridge-bounded")
def test_ridge_variance_bound_is_attained_and_risk_stays_bounded_at_the_peak():
    r"""The ridge risk bound $r^2 + \sigma^2\min(n,p)/(4n\lambda)$ is attained in its variance term and holds at $p = n$."""
    assert _ridge_bound_is_tight(_ridge_bound)
    assert not _ridge_bound_is_tight(_wrong_ridge_bound_missing_quarter)  # negative control
    est = op.simulate_linear_risk(40, 40, r2=1.0, sigma2=0.5, lam=0.05, n_trials=300, seed=1)
    assert est.mean + 3 * est.se <= _ridge_bound(40, 40, 1.0, 0.5, 0.05)
    # the bias term: with lam -> infinity the estimate shrinks to 0 and the risk tends to r^2
    far = op.simulate_linear_risk(40, 40, r2=1.0, sigma2=0.5, lam=1e6, n_trials=20, seed=2)
    assert far.mean == pytest.approx(1.0, rel=1e-4)


# --------------------------------------------------------------------------- dropout


def _dropout_problem():
    rng = np.random.default_rng(0)
    n, d = 200, 8
    X = rng.standard_normal((n, d)) * np.geomspace(0.5, 2.0, d)
    y = X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n)
    return X, y


def _dropout_sgd(X, y, keep_prob, *, steps=2000, lr=0.05, burn=200, seed=0):
    """Full-batch SGD on the dropout loss with fresh Bernoulli(keep_prob) masks, inverted scaling, averaged iterates."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    w, avg = np.zeros(d), np.zeros(d)
    for t in range(steps):
        Xd = X * (rng.random((n, d)) < keep_prob) / keep_prob
        w -= lr * 2 / n * Xd.T @ (Xd @ w - y)
        if t >= burn:
            avg += w
    return avg / (steps - burn)


def _wrong_p_as_keep_prob(X, y, keep_prob):
    """Wrong: torch's p (the drop probability) passed where the keep probability belongs."""
    return op.dropout_ridge_solution(X, y, 1 - keep_prob)


def _wrong_isotropic_penalty(X, y, keep_prob):
    """Wrong: an ordinary ridge penalty (1-q)/q * mean(diag X^T X) * ||w||^2 instead of the diagonal one."""
    G = X.T @ X
    lam = (1 - keep_prob) / keep_prob * np.trace(G) / G.shape[0]
    return np.linalg.solve(G + lam * np.eye(G.shape[0]), X.T @ y)


def _dropout_check(solution, keep_prob=0.8):
    X, y = _dropout_problem()
    w_star = solution(X, y, keep_prob)
    w_sgd = _dropout_sgd(X, y, keep_prob)
    return np.linalg.norm(w_sgd - w_star) / np.linalg.norm(w_star) <= 0.02


@pytest.mark.claim("prop-op-dropout")
def test_dropout_sgd_converges_to_the_closed_form_minimizer():
    """SGD with random dropout masks (keep probability 0.8) ends within 2% of the data-dependent ridge solution."""
    assert _dropout_check(generalization.dropout_ridge_solution)
    assert not _dropout_check(_wrong_p_as_keep_prob)  # negative controls
    assert not _dropout_check(_wrong_isotropic_penalty)


@pytest.mark.claim("prop-op-dropout")
def test_expected_dropout_loss_by_enumerating_all_masks():
    """The dropout loss averaged exactly over all $2^d$ masks equals the least-squares loss plus the diagonal penalty."""
    rng = np.random.default_rng(5)
    n, d, q = 4, 5, 0.7
    X, y, w = rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d)
    exact = 0.0
    for i in range(n):
        for mask in itertools.product([0, 1], repeat=d):
            m = np.array(mask)
            prob = np.prod(np.where(m == 1, q, 1 - q))
            exact += prob * (y[i] - X[i] @ (m * w) / q) ** 2 / n
    formula = np.mean((y - X @ w) ** 2) + (1 - q) / q * w @ np.diag(np.diag(X.T @ X) / n) @ w
    assert exact == pytest.approx(formula, rel=1e-12)
    wrong = np.mean((y - X @ w) ** 2) + q / (1 - q) * w @ np.diag(np.diag(X.T @ X) / n) @ w
    assert exact != pytest.approx(wrong, rel=1e-3)
    # the minimizer of the formula: its gradient vanishes at the closed form
    w_hat = op.dropout_ridge_solution(X[:, :3].repeat(2, axis=0), np.tile(y, 2), q)
    Xr, yr = X[:, :3].repeat(2, axis=0), np.tile(y, 2)
    grad = 2 / len(yr) * (Xr.T @ (Xr @ w_hat - yr) + (1 - q) / q * np.diag(Xr.T @ Xr) * w_hat)
    assert np.max(np.abs(grad)) <= 1e-12


def test_torch_dropout_p_is_the_drop_probability():
    torch.manual_seed(0)
    out = torch.nn.functional.dropout(torch.ones(200_000, dtype=torch.float64), p=0.2, training=True)
    kept = (out != 0).double().mean().item()
    assert abs(kept - 0.8) <= 4 * np.sqrt(0.8 * 0.2 / 200_000)
    assert out.max().item() == pytest.approx(1 / 0.8, rel=1e-15)


def test_dropout_with_keep_prob_one_is_least_squares():
    X, y = _dropout_problem()
    np.testing.assert_allclose(op.dropout_ridge_solution(X, y, 1.0), np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-12)


# --------------------------------------------------------------------------- batch normalization


def _bn_problem(seed=0):
    rng = np.random.default_rng(seed)
    n, d, m = 16, 5, 4
    return dict(X=rng.standard_normal((n, d)), W=rng.standard_normal((m, d)), b=rng.standard_normal(m),
                v=rng.standard_normal(m), y=rng.standard_normal(n))


def _bn_loss_and_grad(W, b, v, X, y, bn=op.batch_norm, bn_backward=op.batch_norm_backward):
    """L(W) = (1/2n)||relu(BN(X W^T + b)) v - y||^2 and its gradient in W, by hand."""
    Z = X @ W.T + b
    H = bn(Z)
    A = np.maximum(H, 0.0)
    r = A @ v - y
    loss = 0.5 * np.mean(r**2)
    dA = np.outer(r, v) / len(y)
    dZ = bn_backward(Z, dA * (H > 0))
    return loss, dZ.T @ X


def _torch_loss_grad(W, b, v, X, y):
    Wt = torch.tensor(W, requires_grad=True)
    Z = torch.tensor(X) @ Wt.T + torch.tensor(b)
    H = torch.nn.functional.batch_norm(Z, None, None, training=True, eps=1e-300)  # torch demands eps > 0; var + 1e-300 == var
    loss = 0.5 * torch.mean((torch.relu(H) @ torch.tensor(v) - torch.tensor(y)) ** 2)
    loss.backward()
    return loss.item(), Wt.grad.numpy()


def _wrong_bn_without_centring(Z, eps=0.0):
    """Wrong: divides by the batch standard deviation but forgets to subtract the batch mean."""
    return Z / np.sqrt(np.var(Z, axis=0) + eps)


def _wrong_bn_torch_default_eps(Z):
    """Wrong for the identity: torch's default eps = 1e-5 under the square root."""
    return op.batch_norm(Z, eps=1e-5)


def _scale_identities_hold(bn, alpha=0.01, tol=1e-12, seed=0):
    p = _bn_problem(seed)
    L1 = _bn_loss_and_grad(p["W"], p["b"], p["v"], p["X"], p["y"], bn=bn)[0]
    La = _bn_loss_and_grad(alpha * p["W"], p["b"], p["v"], p["X"], p["y"], bn=bn)[0]
    return abs(La - L1) <= tol * abs(L1)


def test_batch_norm_matches_torch_forward():
    Z = np.random.default_rng(1).standard_normal((9, 3)) * 3 + 1
    ref = torch.nn.functional.batch_norm(torch.tensor(Z), None, None, training=True, eps=1e-5).numpy()
    np.testing.assert_allclose(op.batch_norm(Z, eps=1e-5), ref, rtol=1e-12, atol=1e-12)


def test_batch_norm_backward_matches_autograd_with_eps():
    rng = np.random.default_rng(2)
    Z, G = rng.standard_normal((9, 3)), rng.standard_normal((9, 3))
    Zt = torch.tensor(Z, requires_grad=True)
    (torch.nn.functional.batch_norm(Zt, None, None, training=True, eps=0.3) * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(op.batch_norm_backward(Z, G, eps=0.3), Zt.grad.numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.claim("thm-op-bn-scale")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_norm_scale_invariance_identities(seed):
    r"""With batch norm after a linear layer with bias, $L(aW) = L(W)$, $\inner{\nabla L}{W} = 0$ and $\nabla L(aW) = \nabla L(W)/a$ to 1e-12."""
    p = _bn_problem(seed)
    W, b, v, X, y = p["W"], p["b"], p["v"], p["X"], p["y"]
    L, g = _bn_loss_and_grad(W, b, v, X, y)
    L_ref, g_ref = _torch_loss_grad(W, b, v, X, y)  # independent reference: torch autograd in float64
    assert L == pytest.approx(L_ref, rel=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-12 * np.abs(g_ref).max())
    for alpha in (0.01, 0.5, 7.0):
        La, ga = _bn_loss_and_grad(alpha * W, b, v, X, y)
        assert abs(La - L) <= 1e-12 * abs(L)
        np.testing.assert_allclose(alpha * ga, g, rtol=0, atol=1e-12 * np.abs(g).max())
    assert abs(np.sum(g * W)) <= 1e-12 * np.linalg.norm(g) * np.linalg.norm(W)
    # consequence: a gradient step never decreases the norm, ||W - eta g||^2 = ||W||^2 + eta^2 ||g||^2
    eta = 0.3
    assert np.sum((W - eta * g) ** 2) == pytest.approx(np.sum(W**2) + eta**2 * np.sum(g**2), rel=1e-12)


@pytest.mark.claim("thm-op-bn-scale")
def test_scale_identity_check_rejects_bn_without_centring_and_with_eps():
    r"""The scale-invariance check holds for batch norm and fails without mean subtraction or with $\epsilon = 10^{-5}$."""
    assert _scale_identities_hold(op.batch_norm)
    assert not _scale_identities_hold(_wrong_bn_without_centring)
    assert not _scale_identities_hold(_wrong_bn_torch_default_eps)


# --------------------------------------------------------------------------- random features


def test_random_feature_test_error_peaks_at_the_interpolation_threshold():
    """Min-norm random ReLU features: mean test error at N = n exceeds that at N = n/2 and N = 8n; ridge removes the peak."""
    rng = np.random.default_rng(0)
    n, d, trials = 40, 10, 30
    errs = {N: [] for N in (20, 40, 320)}
    ridge = []
    for _ in range(trials):
        beta = rng.standard_normal(d) / np.sqrt(d)
        X, Xt = rng.standard_normal((n, d)), rng.standard_normal((500, d))
        y, yt = X @ beta + 0.3 * rng.standard_normal(n), Xt @ beta
        for N in errs:
            W = rng.standard_normal((N, d)) / np.sqrt(d)
            F, Ft = np.maximum(X @ W.T, 0), np.maximum(Xt @ W.T, 0)
            errs[N].append(np.mean((Ft @ op.min_norm_solution(F, y) - yt) ** 2))
            if N == 40:
                w = np.linalg.solve(F.T @ F + n * 0.05 * np.eye(N), F.T @ y)
                ridge.append(np.mean((Ft @ w - yt) ** 2))
    med = {N: np.median(v) for N, v in errs.items()}
    assert med[40] > 3 * med[20] and med[40] > 3 * med[320]
    assert np.median(ridge) < med[20]


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("call, name, exc", [
    (lambda: op.min_norm_solution(np.ones(3), np.ones(3)), "X", ValueError),
    (lambda: op.min_norm_solution(np.ones((3, 2)), np.ones(4)), "y", ValueError),
    (lambda: op.ridgeless_risk(0.0, 1.0, 1.0), "gamma", ValueError),
    (lambda: op.ridgeless_risk(-1.0, 1.0, 1.0), "gamma", ValueError),
    (lambda: op.ridgeless_risk("a", 1.0, 1.0), "gamma", TypeError),
    (lambda: op.ridgeless_risk(0.5, -1.0, 1.0), "r2", ValueError),
    (lambda: op.ridgeless_risk(0.5, 1.0, -1.0), "sigma2", ValueError),
    (lambda: op.ridgeless_risk(0.5, 1.0, 1.0, n=0), "n", ValueError),
    (lambda: op.dropout_ridge_solution(np.ones((3, 2)), np.ones(3), 0.0), "keep_prob", ValueError),
    (lambda: op.dropout_ridge_solution(np.ones((3, 2)), np.ones(3), 1.5), "keep_prob", ValueError),
    (lambda: op.dropout_ridge_solution(np.ones(3), np.ones(3), 0.5), "X", ValueError),
    (lambda: op.batch_norm(np.ones((1, 3))), "Z", ValueError),
    (lambda: op.batch_norm(np.ones((3, 3)), eps=-1.0), "eps", ValueError),
    (lambda: op.batch_norm_backward(np.ones((3, 3)), np.ones((3, 2))), "grad_out", ValueError),
    (lambda: op.simulate_linear_risk(5, 3, r2=1.0, sigma2=1.0, n_trials=1, seed=0), "n_trials", ValueError),
    (lambda: op.interpolating_relu_network(np.ones((3, 2)), np.ones(2), seed=0), "y", ValueError),
    (lambda: op.train_to_interpolation(np.ones((3, 2)), np.zeros(3), width=0, lr=0.1, max_steps=1, seed=0),
     "width", ValueError),
])
def test_bad_arguments_are_rejected_by_name(call, name, exc):
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()


# --------------------------------------------------------------------------- input noise


def _noise_check(penalty, tau=0.7, draws=20_000, seed=0):
    """Monte Carlo over independent noise draws of the augmented loss at a fixed w, against the formula."""
    rng = np.random.default_rng(seed)
    n, d = 6, 4
    X, y, w = rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d)
    xi = tau * rng.standard_normal((draws, n, d))
    losses = np.mean((y - (X + xi) @ w) ** 2, axis=1)  # one augmented empirical loss per draw
    mean, se = losses.mean(), losses.std(ddof=1) / np.sqrt(draws)
    return abs(mean - (np.mean((y - X @ w) ** 2) + penalty(tau) * w @ w)) <= 4 * se


def _wrong_penalty_tau(tau):
    """Wrong: the standard deviation where the variance belongs."""
    return tau


@pytest.mark.claim("prop-op-noise-ridge")
def test_gaussian_input_noise_adds_tau_squared_ridge_penalty():
    r"""The loss averaged over Gaussian input noise of variance $\tau^2$ equals least squares plus $\tau^2\norm{w}^2$ within 4 s.e."""
    assert _noise_check(lambda tau: tau**2)
    assert not _noise_check(_wrong_penalty_tau)  # negative control


def test_sigma_zero_leaves_only_the_bias():
    assert op.ridgeless_risk(0.5, 1.0, 0.0, n=10) == 0.0
    assert op.ridgeless_risk(1.1, 1.0, 0.0, n=10) == pytest.approx(1 - 10 / 11)
    assert op.ridgeless_risk(2.0, 1.0, 0.0) == pytest.approx(0.5)
