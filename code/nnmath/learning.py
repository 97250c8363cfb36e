r"""Learning problems: empirical risk minimization, ridge regression, bias and variance.

The code of the chapter *Learning problems*. Models are polynomials of degree
:math:`p` in the Legendre basis on :math:`[-1, 1]` (better conditioned than
monomials), fitted by ridge regression

.. math::  \hat w_\lambda = \arg\min_w \tfrac1n \lVert \Phi w - y \rVert^2 + \lambda \lVert w \rVert^2
           = (\Phi^\top \Phi + n\lambda I)^{-1} \Phi^\top y ,

and by gradient descent on the unregularized empirical risk, whose iterates from
:math:`w_0 = 0` are the spectral filter

.. math::  w_t = \sum_i \frac{1 - (1 - \tfrac{2\eta}{n} s_i^2)^t}{s_i}\, (u_i^\top y)\, v_i

of the singular value decomposition :math:`\Phi = \sum_i s_i u_i v_i^\top`.
:func:`bias_variance` estimates the three terms of the bias-variance decomposition
by Monte Carlo over independent training sets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import data
from ._validate import check_array, check_callable, check_int, check_real, check_rng

__all__ = [
    "legendre_features",
    "ridge",
    "fit_polynomial",
    "gd_least_squares",
    "gd_spectral_filter",
    "ridge_path",
    "population_risk",
    "legendre_population_risk",
    "ridge_fixed_design",
    "BiasVariance",
    "bias_variance",
    "threshold_risk",
    "FiniteClassDraws",
    "finite_class_deviation",
]

Predictor = Callable[[np.ndarray], np.ndarray]


def legendre_features(x, degree: int) -> np.ndarray:
    r"""Feature matrix :math:`\Phi_{ij} = P_j(x_i)`, :math:`j = 0, \dots, p`, of Legendre polynomials.

    Parameters
    ----------
    x : array of shape (n,), entries in [-1, 1]
    degree : int, ``>= 0``

    Returns
    -------
    ndarray of shape (n, degree + 1)
    """
    x = check_array("x", x, ndim=1)
    degree = check_int("degree", degree, minimum=0)
    if np.any(np.abs(x) > 1.0):
        raise ValueError("x must lie in [-1, 1] for the Legendre basis")
    return np.polynomial.legendre.legvander(x, degree)


def ridge(Phi, y, lam: float) -> np.ndarray:
    r"""Ridge estimator :math:`(\Phi^\top\Phi + n\lambda I)^{-1}\Phi^\top y` of eq. (ridge).

    It minimizes :math:`\frac1n\lVert\Phi w - y\rVert^2 + \lambda\lVert w\rVert^2`. For
    :math:`\lambda = 0` it returns the minimum-norm least-squares solution.
    """
    Phi = check_array("Phi", Phi, ndim=2)
    y = check_array("y", y, shape=(Phi.shape[0],))
    lam = check_real("lam", lam, minimum=0.0)
    n, p = Phi.shape
    if lam == 0.0:
        return np.linalg.lstsq(Phi, y, rcond=None)[0]
    return np.linalg.solve(Phi.T @ Phi + n * lam * np.eye(p), Phi.T @ y)


def fit_polynomial(x, y, degree: int, lam: float = 0.0) -> Predictor:
    """Fit a degree-``degree`` polynomial by ridge with parameter ``lam``; return the predictor."""
    w = ridge(legendre_features(x, degree), y, lam)

    def predict(t):
        return legendre_features(t, degree) @ w

    return predict


def gd_least_squares(Phi, y, lr: float, steps: int) -> np.ndarray:
    r"""Gradient descent on :math:`\hat R(w) = \frac1n\lVert\Phi w - y\rVert^2` from :math:`w_0 = 0`.

    Returns the iterates :math:`w_0, \dots, w_T` as an array of shape ``(steps + 1, p)``,
    with :math:`w_{t+1} = w_t - \eta \cdot \frac2n \Phi^\top(\Phi w_t - y)`.
    """
    Phi = check_array("Phi", Phi, ndim=2)
    y = check_array("y", y, shape=(Phi.shape[0],))
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=0)
    n, p = Phi.shape
    W = np.zeros((steps + 1, p))
    for t in range(steps):
        W[t + 1] = W[t] - lr * (2.0 / n) * Phi.T @ (Phi @ W[t] - y)
    return W


def _svd(Phi: np.ndarray, y: np.ndarray):
    """Thin SVD restricted to the non-zero singular values, and the coordinates U^T y."""
    U, s, Vt = np.linalg.svd(Phi, full_matrices=False)
    keep = s > s.max() * 1e-12 if s.size else s > 0
    return s[keep], Vt[keep], U[:, keep].T @ y


def gd_spectral_filter(Phi, y, lr: float, t) -> np.ndarray:
    r"""The closed form of the gradient-descent iterate at time ``t`` as a spectral filter.

    With :math:`\Phi = U S V^\top`, returns
    :math:`w_t = V \operatorname{diag}\big((1 - (1 - 2\eta s_i^2/n)^t)/s_i\big) U^\top y`
    (directions with :math:`s_i = 0` contribute nothing). ``t`` is an integer ``>= 0``, or a 1-D
    array of them, in which case the result has one row per time.
    """
    Phi = check_array("Phi", Phi, ndim=2)
    y = check_array("y", y, shape=(Phi.shape[0],))
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    if np.ndim(t) == 0:
        return gd_spectral_filter(Phi, y, lr, np.array([check_int("t", t, minimum=0)]))[0]
    times = check_array("t", t, ndim=1, dtype=np.int64)
    if np.any(times < 0):
        raise ValueError("t must contain integers >= 0")
    n = Phi.shape[0]
    s, Vt, uy = _svd(Phi, y)
    filt = (1.0 - (1.0 - 2.0 * lr * s[None, :] ** 2 / n) ** times[:, None]) / s[None, :]
    return (filt * uy[None, :]) @ Vt


def ridge_path(Phi, y, lams) -> np.ndarray:
    r"""Ridge estimators :math:`\hat w_\lambda` for every :math:`\lambda` in ``lams``, from one SVD.

    Row :math:`k` is :math:`V \operatorname{diag}\big(s_i / (s_i^2 + n\lambda_k)\big) U^\top y`, which
    equals :func:`ridge` with ``lam = lams[k]`` (for :math:`\lambda = 0`, the minimum-norm solution).
    """
    Phi = check_array("Phi", Phi, ndim=2)
    y = check_array("y", y, shape=(Phi.shape[0],))
    lams = check_array("lams", lams, ndim=1)
    if np.any(lams < 0):
        raise ValueError("lams must be non-negative")
    n = Phi.shape[0]
    s, Vt, uy = _svd(Phi, y)
    filt = s[None, :] / (s[None, :] ** 2 + n * lams[:, None])
    return (filt * uy[None, :]) @ Vt


def population_risk(
    predict: Predictor,
    *,
    target: Callable[[np.ndarray], np.ndarray] = data.default_target,
    noise_std: float = 0.0,
    nodes: int = 200,
) -> float:
    r"""The squared-loss risk :math:`\E(\hat f(X) - Y)^2 = \E(\hat f(X) - f(X))^2 + \sigma^2` for :math:`X \sim U[-1,1]`.

    The integral is computed by Gauss-Legendre quadrature with ``nodes`` points, exact
    for polynomial predictors and targets of degree below ``nodes`` and accurate to
    near machine precision for the book's smooth targets.
    """
    check_callable("predict", predict)
    check_callable("target", target)
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    nodes = check_int("nodes", nodes, minimum=1)
    t, wts = np.polynomial.legendre.leggauss(nodes)
    err = np.asarray(predict(t), dtype=float) - np.asarray(target(t), dtype=float)
    return float(0.5 * np.sum(wts * err**2) + noise_std**2)


def legendre_population_risk(
    W,
    *,
    target: Callable[[np.ndarray], np.ndarray] = data.default_target,
    noise_std: float = 0.0,
    nodes: int = 200,
) -> np.ndarray:
    r"""Population risk of Legendre polynomials with coefficient rows ``W`` (shape ``(..., p + 1)``).

    The same quadrature as :func:`population_risk`, vectorized over the leading axes of ``W``:
    returns an array of shape ``W.shape[:-1]``.
    """
    W = check_array("W", W, ndim=(1, 2, 3))
    check_callable("target", target)
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    nodes = check_int("nodes", nodes, minimum=1)
    t, wts = np.polynomial.legendre.leggauss(nodes)
    Q = np.polynomial.legendre.legvander(t, W.shape[-1] - 1)  # (nodes, p + 1)
    err = W @ Q.T - np.asarray(target(t), dtype=float)
    return 0.5 * (err**2) @ wts + noise_std**2


def ridge_fixed_design(Phi, w_star, noise_std: float, lams) -> tuple[np.ndarray, np.ndarray]:
    r"""Bias² and variance of ridge in the fixed-design model :math:`y = \Phi w^* + \varepsilon`.

    With :math:`\Phi = \sum_i s_i u_i v_i^\top` and :math:`\operatorname{Cov}\varepsilon = \sigma^2 I`,
    the in-sample risk :math:`\frac1n \E\lVert\Phi\hat w_\lambda - \Phi w^*\rVert^2` splits into

    .. math:: \text{bias}^2(\lambda) = \frac1n\sum_i \Big(\frac{n\lambda}{s_i^2 + n\lambda}\Big)^2 s_i^2 (v_i^\top w^*)^2,
              \qquad
              \text{var}(\lambda) = \frac{\sigma^2}{n}\sum_i \Big(\frac{s_i^2}{s_i^2 + n\lambda}\Big)^2 .

    Returns the two arrays, one entry per value of ``lams``.
    """
    Phi = check_array("Phi", Phi, ndim=2)
    w_star = check_array("w_star", w_star, shape=(Phi.shape[1],))
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    lams = check_array("lams", lams, ndim=(0, 1)).reshape(-1)
    if np.any(lams < 0):
        raise ValueError("lams must be non-negative")
    n = Phi.shape[0]
    _, s, Vt = np.linalg.svd(Phi, full_matrices=False)
    s = s[s > s.max() * 1e-12]
    coef = (Vt[: s.size] @ w_star) ** 2
    shrink = s[None, :] ** 2 / (s[None, :] ** 2 + n * lams[:, None])  # s^2 / (s^2 + n lam)
    bias2 = np.sum((1.0 - shrink) ** 2 * s**2 * coef, axis=1) / n
    variance = noise_std**2 * np.sum(shrink**2, axis=1) / n
    return bias2, variance


class BiasVariance(NamedTuple):
    r"""Monte Carlo estimates of the terms of :math:`\mathbb{E}(\hat f(X) - Y)^2 = \text{bias}^2 + \text{variance} + \sigma^2`.

    All are averages over the test inputs. ``risk`` is measured on fresh noisy labels,
    independently of the three terms; ``gap_stderr`` is the Monte Carlo standard error of
    ``risk - total`` (from the per-training-set gaps, which are independent).
    ``predictions`` has shape (n_trials, n_test).
    """

    bias2: float
    variance: float
    noise: float
    risk: float
    gap_stderr: float
    predictions: np.ndarray

    @property
    def total(self) -> float:
        """bias² + variance + noise, the right-hand side of the decomposition."""
        return self.bias2 + self.variance + self.noise


def bias_variance(
    fit: Callable[[np.ndarray, np.ndarray], Predictor],
    *,
    n_train: int,
    n_trials: int,
    noise_std: float,
    x_test,
    target: Callable[[np.ndarray], np.ndarray] = data.default_target,
    seed,
) -> BiasVariance:
    r"""Estimate bias², variance and risk of a learning algorithm by Monte Carlo.

    For each of ``n_trials`` independent training sets :math:`S_t` of size ``n_train``
    (from :func:`nnmath.data.regression_1d`), fit :math:`\hat f_t =` ``fit(x, y)`` and
    predict at ``x_test``. With :math:`\bar f = \frac1T\sum_t \hat f_t`,

    - bias² :math:`= \operatorname{mean}_x (\bar f(x) - f(x))^2`,
    - variance :math:`= \operatorname{mean}_x \frac1T \sum_t (\hat f_t(x) - \bar f(x))^2`,
    - noise :math:`= \sigma^2`,
    - risk :math:`= \operatorname{mean}_{t,x} (\hat f_t(x) - y'_{t}(x))^2` with fresh labels
      :math:`y'_t(x) = f(x) + \varepsilon'`, independent of :math:`S_t`.

    The decomposition theorem says that the risk equals the sum of the three terms;
    here the two sides are computed separately, so their agreement is a check, not an identity.
    """
    check_callable("fit", fit)
    n_train = check_int("n_train", n_train, minimum=1)
    n_trials = check_int("n_trials", n_trials, minimum=2)
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    x_test = check_array("x_test", x_test, ndim=1)
    check_callable("target", target)
    rng = check_rng("seed", seed)
    f_test = np.asarray(target(x_test), dtype=float)
    preds = np.empty((n_trials, x_test.size))
    risks = np.empty(n_trials)
    gaps = np.empty(n_trials)
    for t in range(n_trials):
        x, y = data.regression_1d(n_train, target=target, noise_std=noise_std, seed=rng)
        preds[t] = fit(x, y)(x_test)
        y_fresh = f_test + noise_std * rng.standard_normal(x_test.size)
        risks[t] = np.mean((preds[t] - y_fresh) ** 2)
        # this training set's risk minus its squared error to f and sigma^2
        gaps[t] = risks[t] - np.mean((preds[t] - f_test) ** 2) - noise_std**2
    mean_pred = preds.mean(axis=0)
    bias2 = float(np.mean((mean_pred - f_test) ** 2))
    variance = float(np.mean(preds.var(axis=0)))
    risk = float(risks.mean())
    stderr = float(gaps.std(ddof=1) / np.sqrt(n_trials))
    return BiasVariance(bias2, variance, noise_std**2, risk, stderr, preds)


def threshold_risk(thresholds, flip: float) -> np.ndarray:
    r"""Exact 0-1 risk of the threshold classifiers :math:`h_\theta(x) = \indic\{x \ge \theta\}`.

    The data: :math:`X \sim U[0, 1]`, :math:`Y = \indic\{X \ge 1/2\}` flipped with probability
    ``flip`` :math:`= \eta`, independently. Then
    :math:`\Risk(h_\theta) = \eta + (1 - 2\eta)\,\abs{\theta - 1/2}` for :math:`\theta \in [0, 1]`.
    """
    thresholds = check_array("thresholds", thresholds, ndim=1)
    flip = check_real("flip", flip, minimum=0.0, maximum=0.5)
    if np.any((thresholds < 0) | (thresholds > 1)):
        raise ValueError("thresholds must lie in [0, 1]")
    return flip + (1.0 - 2.0 * flip) * np.abs(thresholds - 0.5)


class FiniteClassDraws(NamedTuple):
    """Per-sample draws: the uniform deviation, and the excess risk of the ERM, both shape (n_trials,)."""

    deviation: np.ndarray
    excess: np.ndarray


def finite_class_deviation(thresholds, *, n: int, flip: float, n_trials: int, seed) -> FiniteClassDraws:
    r"""Monte Carlo draws of :math:`\sup_{h \in \Hyp} \abs{\ERisk(h) - \Risk(h)}` for a finite class.

    :math:`\Hyp` is the finite class of threshold classifiers of :func:`threshold_risk`, one per
    entry of ``thresholds``. Each of the ``n_trials`` draws uses a fresh sample of size ``n``; for
    each it also records the excess risk :math:`\Risk(\hat h) - \min_\Hyp \Risk` of the empirical
    risk minimizer :math:`\hat h` (the first minimizer in the order of ``thresholds``).
    """
    thresholds = check_array("thresholds", thresholds, ndim=1)
    risk = threshold_risk(thresholds, flip)
    n = check_int("n", n, minimum=1)
    n_trials = check_int("n_trials", n_trials, minimum=1)
    rng = check_rng("seed", seed)
    deviation, excess = np.empty(n_trials), np.empty(n_trials)
    for t in range(n_trials):
        x = rng.uniform(0.0, 1.0, n)
        y = (x >= 0.5) ^ (rng.uniform(size=n) < flip)
        errors = (x[:, None] >= thresholds[None, :]) != y[:, None]  # (n, |H|)
        empirical = errors.mean(axis=0)
        deviation[t] = np.max(np.abs(empirical - risk))
        excess[t] = risk[np.argmin(empirical)] - risk.min()
    return FiniteClassDraws(deviation, excess)
