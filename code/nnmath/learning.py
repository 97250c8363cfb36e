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
:func:`bias_variance` estimates the terms of the bias-variance decomposition
by Monte Carlo over independent training sets (bias² and variance without bias;
their sum equals the mean squared error to the target by algebra, so only the
noise term is measured independently). :func:`gd_fixed_design` and
:func:`ridge_fixed_design` give the exact fixed-design bias and variance of early
stopping and ridge, which the chapter compares filter by filter.

For classification with labels :math:`\pm 1`: the surrogate losses
:func:`logistic_loss` and :func:`hinge_loss`, their conditional risks
:math:`C_\eta(\alpha) = \eta\varphi(\alpha) + (1-\eta)\varphi(-\alpha)` and minimizers,
the excess 0-1 risk over the Bayes classifier :math:`\sign(2\eta - 1)`, and
:func:`fit_linear_classifier` for penalized surrogate risk minimization.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import data
from ._validate import check_array, check_callable, check_choice, check_int, check_real, check_rng

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
    "gd_fixed_design",
    "polynomial_fixed_design_risk",
    "BiasVariance",
    "bias_variance",
    "threshold_risk",
    "FiniteClassDraws",
    "finite_class_deviation",
    "logistic_loss",
    "hinge_loss",
    "conditional_surrogate_risk",
    "surrogate_minimizer",
    "classification_excess_risk",
    "fit_linear_classifier",
]

Predictor = Callable[[np.ndarray], np.ndarray]


@functools.lru_cache(maxsize=8)
def _gauss_legendre(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [-1, 1], computed once per size (an eigenvalue problem)."""
    t, w = np.polynomial.legendre.leggauss(nodes)
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w


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


def _nonzero(s: np.ndarray) -> np.ndarray:
    """Which singular values count as non-zero (the numerical rank): those above 1e-12 times the largest."""
    return s > s.max() * 1e-12 if s.size else np.zeros(0, dtype=bool)


def _svd(Phi: np.ndarray, y: np.ndarray):
    """Thin SVD restricted to the non-zero singular values, and the coordinates U^T y."""
    U, s, Vt = np.linalg.svd(Phi, full_matrices=False)
    keep = _nonzero(s)
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
    t, wts = _gauss_legendre(nodes)
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
    t, wts = _gauss_legendre(nodes)
    Q = np.polynomial.legendre.legvander(t, W.shape[-1] - 1)  # (nodes, p + 1)
    err = W @ Q.T - np.asarray(target(t), dtype=float)
    return 0.5 * (err**2) @ wts + noise_std**2


def _check_design(Phi) -> np.ndarray:
    """A design matrix: a 2-D array with at least one row (risks and losses average over the rows)."""
    Phi = check_array("Phi", Phi, ndim=2)
    if Phi.shape[0] == 0:
        raise ValueError(f"Phi must have at least one row (one sample), got shape {Phi.shape}")
    return Phi


def ridge_fixed_design(Phi, w_star, noise_std: float, lams) -> tuple[np.ndarray, np.ndarray]:
    r"""Bias² and variance of ridge in the fixed-design model :math:`y = \Phi w^* + \varepsilon`.

    With :math:`\Phi = \sum_i s_i u_i v_i^\top` and :math:`\operatorname{Cov}\varepsilon = \sigma^2 I`,
    the in-sample risk :math:`\frac1n \E\lVert\Phi\hat w_\lambda - \Phi w^*\rVert^2` splits into

    .. math:: \text{bias}^2(\lambda) = \frac1n\sum_i \Big(\frac{n\lambda}{s_i^2 + n\lambda}\Big)^2 s_i^2 (v_i^\top w^*)^2,
              \qquad
              \text{var}(\lambda) = \frac{\sigma^2}{n}\sum_i \Big(\frac{s_i^2}{s_i^2 + n\lambda}\Big)^2 .

    Returns the two arrays, one entry per value of ``lams``.
    """
    Phi = _check_design(Phi)
    w_star = check_array("w_star", w_star, shape=(Phi.shape[1],))
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    lams = check_array("lams", lams, ndim=(0, 1)).reshape(-1)
    if np.any(lams < 0):
        raise ValueError("lams must be non-negative")
    n = Phi.shape[0]
    _, s, Vt = np.linalg.svd(Phi, full_matrices=False)
    coef = (Vt @ w_star) ** 2
    # a direction with s_i <= 1e-12 s_1 counts as null (the numerical rank, as for lam = 0): the estimator
    # does not move along it (shrink 0), but the part of Phi w* along it is still missed (bias)
    kept = _nonzero(s)
    shrink = np.zeros((lams.size, s.size))
    shrink[:, kept] = s[kept] ** 2 / (s[kept] ** 2 + n * lams[:, None])  # s^2 / (s^2 + n lam)
    bias2 = np.sum((1.0 - shrink) ** 2 * s**2 * coef, axis=1) / n
    variance = noise_std**2 * np.sum(shrink**2, axis=1) / n
    return bias2, variance


def gd_fixed_design(Phi, w_star, noise_std: float, lr: float, times) -> tuple[np.ndarray, np.ndarray]:
    r"""Bias² and variance of gradient descent stopped at time :math:`t`, in the fixed-design model.

    The in-sample fit of :func:`gd_spectral_filter` shrinks direction :math:`u_i` by
    :math:`g_i = 1 - (1 - 2\eta s_i^2/n)^t`, so, as for :func:`ridge_fixed_design`,

    .. math:: \text{bias}^2(t) = \frac1n\sum_i (1 - g_i)^2 s_i^2 (v_i^\top w^*)^2,
              \qquad
              \text{var}(t) = \frac{\sigma^2}{n}\sum_i g_i^2 .

    Returns the two arrays, one entry per time in ``times`` (integers ``>= 0``).
    """
    Phi = _check_design(Phi)
    w_star = check_array("w_star", w_star, shape=(Phi.shape[1],))
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    times = check_array("times", times, ndim=(0, 1), dtype=np.int64).reshape(-1)
    if np.any(times < 0):
        raise ValueError("times must contain integers >= 0")
    n = Phi.shape[0]
    _, s, Vt = np.linalg.svd(Phi, full_matrices=False)
    coef = (Vt @ w_star) ** 2  # every direction: g_i = 0 where s_i = 0, so no rank cut-off is needed
    g = 1.0 - (1.0 - 2.0 * lr * s[None, :] ** 2 / n) ** times[:, None]
    bias2 = np.sum((1.0 - g) ** 2 * s**2 * coef, axis=1) / n
    variance = noise_std**2 * np.sum(g**2, axis=1) / n
    return bias2, variance


def polynomial_fixed_design_risk(
    x,
    degree: int,
    lam: float,
    *,
    noise_std: float,
    target: Callable[[np.ndarray], np.ndarray] = data.default_target,
) -> tuple[float, float]:
    r"""Exact bias² and variance of the population risk of polynomial ridge with the inputs ``x`` fixed.

    Only the labels :math:`y_i = f(x_i) + \varepsilon_i` are random (mean zero, variance
    :math:`\sigma^2`, independent). The coefficients are :math:`\hat w = A y` with
    :math:`A = (\Phi^\top\Phi + n\lambda I)^{-1}\Phi^\top` (the pseudo-inverse for
    :math:`\lambda = 0`), so with :math:`X \sim U[-1, 1]` and the Legendre Gram matrix
    :math:`G = \E[P(X) P(X)^\top] = \operatorname{diag}(1/(2j+1))`,

    .. math:: \text{bias}^2 = \E\big(P(X)^\top A f(x) - f(X)\big)^2, \qquad
              \text{var} = \sigma^2 \operatorname{tr}(A^\top G A) ,

    the bias² by Gauss-Legendre quadrature (200 nodes). The expected population risk over the
    label noise is bias² + var + :math:`\sigma^2`.
    """
    x = check_array("x", x, ndim=1)
    Phi = legendre_features(x, degree)
    lam = check_real("lam", lam, minimum=0.0)
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    check_callable("target", target)
    n, q = Phi.shape
    if lam == 0.0:
        A = np.linalg.pinv(Phi)
    else:
        A = np.linalg.solve(Phi.T @ Phi + n * lam * np.eye(q), Phi.T)
    w_mean = A @ np.asarray(target(x), dtype=float)
    bias2 = legendre_population_risk(w_mean, target=target)
    gram = 1.0 / (2.0 * np.arange(q) + 1.0)
    variance = noise_std**2 * float(np.sum(gram[:, None] * A**2))
    return float(bias2), variance


class BiasVariance(NamedTuple):
    r"""Monte Carlo estimates of the terms of :math:`\mathbb{E}(\hat f(X) - Y)^2 = \text{bias}^2 + \text{variance} + \sigma^2`.

    All are averages over the test inputs. ``bias2`` and ``variance`` are unbiased estimates
    (the plug-in squared distance of the estimated mean fit from :math:`f` overestimates the
    bias² by variance/T, and is corrected); by algebra they add up exactly to ``mse``, the
    average squared distance of the fits from :math:`f`. ``risk`` is measured on fresh noisy
    labels; ``risk - mse`` estimates the noise term :math:`\sigma^2`, the only term measured
    independently. The ``*_stderr`` fields are Monte Carlo standard errors (from independent
    batches of training sets for ``bias2`` and ``variance``, see :func:`bias_variance`). ``predictions`` has shape
    (n_trials, n_test).
    """

    bias2: float
    variance: float
    noise: float
    mse: float
    risk: float
    bias2_stderr: float
    variance_stderr: float
    risk_stderr: float
    noise_stderr: float
    predictions: np.ndarray

    @property
    def total(self) -> float:
        """bias² + variance + noise, the right-hand side of the decomposition."""
        return self.bias2 + self.variance + self.noise


def _unbiased_bias2_variance(D: np.ndarray) -> tuple[float, float]:
    r"""Unbiased bias² and variance from deviations ``D[t, x]`` (prediction minus target), averaged over x.

    With :math:`S_1 = \sum_t D_t` and :math:`S_2 = \sum_t D_t^2` (per test point), the U-statistic
    :math:`(S_1^2 - S_2)/(T(T-1)) = \bar D^2 - s^2/T` is unbiased for the squared bias and
    :math:`s^2 = (S_2 - S_1^2/T)/(T-1)` for the variance; their sum is :math:`S_2/T`, the mean
    squared deviation.
    """
    T = D.shape[0]
    S1, S2 = D.sum(axis=0), (D**2).sum(axis=0)
    return float(np.mean((S1**2 - S2) / (T * (T - 1)))), float(np.mean((S2 - S1**2 / T) / (T - 1)))


def bias_variance(
    fit: Callable[[np.ndarray, np.ndarray], Predictor],
    *,
    n_train: int,
    n_trials: int,
    noise_std: float,
    x_test,
    target: Callable[[np.ndarray], np.ndarray] = data.default_target,
    n_batches: int = 10,
    seed,
) -> BiasVariance:
    r"""Estimate bias², variance and risk of a learning algorithm by Monte Carlo.

    For each of ``n_trials`` :math:`= T` independent training sets :math:`S_t` of size ``n_train``
    (from :func:`nnmath.data.regression_1d`), fit :math:`\hat f_t =` ``fit(x, y)`` and
    predict at ``x_test``. With :math:`\bar f = \frac1T\sum_t \hat f_t` and the sample variance
    :math:`s^2(x) = \frac{1}{T-1}\sum_t (\hat f_t(x) - \bar f(x))^2`,

    - variance :math:`= \operatorname{mean}_x s^2(x)`,
    - bias² :math:`= \operatorname{mean}_x \big[(\bar f(x) - f(x))^2 - s^2(x)/T\big]` (unbiased; may be
      slightly negative when the bias is below the Monte Carlo error),
    - mse :math:`= \operatorname{mean}_{t,x} (\hat f_t(x) - f(x))^2`, which equals bias² + variance
      identically (algebra, not a measurement),
    - noise :math:`= \sigma^2`,
    - risk :math:`= \operatorname{mean}_{t,x} (\hat f_t(x) - y'_{t}(x))^2` with fresh labels
      :math:`y'_t(x) = f(x) + \varepsilon'`, independent of :math:`S_t`.

    Since bias² + variance = mse by construction, comparing ``risk`` with ``total`` checks only the
    noise term. The terms themselves are checked against closed forms (the mean estimator) in the
    tests. Standard errors of bias² and variance come from ``n_batches`` independent batches of
    consecutive training sets: the standard deviation of the batch estimates divided by
    :math:`\sqrt{B}`. That is the standard error of the average of the batch estimates and, for the
    full-sample estimates returned, at least as large (conservative) up to Monte Carlo error.
    Each batch needs two training sets: ``2 <= n_batches <= n_trials // 2``. Every argument is
    checked before ``target`` or ``fit`` is first called.
    """
    check_callable("fit", fit)
    n_train = check_int("n_train", n_train, minimum=1)
    n_trials = check_int("n_trials", n_trials, minimum=4)
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    x_test = check_array("x_test", x_test, ndim=1)
    check_callable("target", target)
    n_batches = check_int("n_batches", n_batches, minimum=2, maximum=n_trials // 2)
    rng = check_rng("seed", seed)
    f_test = np.asarray(target(x_test), dtype=float)
    preds = np.empty((n_trials, x_test.size))
    risks = np.empty(n_trials)
    for t in range(n_trials):
        x, y = data.regression_1d(n_train, target=target, noise_std=noise_std, seed=rng)
        preds[t] = fit(x, y)(x_test)
        y_fresh = f_test + noise_std * rng.standard_normal(x_test.size)
        risks[t] = np.mean((preds[t] - y_fresh) ** 2)
    D = preds - f_test[None, :]
    mses = np.mean(D**2, axis=1)
    bias2, variance = _unbiased_bias2_variance(D)
    batches = np.array([_unbiased_bias2_variance(B) for B in np.array_split(D, n_batches)])
    bias2_se, var_se = batches.std(axis=0, ddof=1) / np.sqrt(n_batches)
    # this training set's risk minus its squared error to f estimates sigma^2, independently per set
    gaps = risks - mses
    return BiasVariance(
        bias2=bias2,
        variance=variance,
        noise=noise_std**2,
        mse=float(mses.mean()),
        risk=float(risks.mean()),
        bias2_stderr=float(bias2_se),
        variance_stderr=float(var_se),
        risk_stderr=float(risks.std(ddof=1) / np.sqrt(n_trials)),
        noise_stderr=float(gaps.std(ddof=1) / np.sqrt(n_trials)),
        predictions=preds,
    )


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
    risk minimizer :math:`\hat h` (the first minimizer in the order of ``thresholds``). The samples
    come from :func:`nnmath.data.threshold_classification`, which checks ``n``.
    """
    thresholds = check_array("thresholds", thresholds, ndim=1)
    risk = threshold_risk(thresholds, flip)
    n_trials = check_int("n_trials", n_trials, minimum=1)
    rng = check_rng("seed", seed)
    deviation, excess = np.empty(n_trials), np.empty(n_trials)
    for t in range(n_trials):
        x, y = data.threshold_classification(n, flip=flip, seed=rng)
        errors = (x[:, None] >= thresholds[None, :]) != y[:, None]  # (n, |H|)
        empirical = errors.mean(axis=0)
        deviation[t] = np.max(np.abs(empirical - risk))
        excess[t] = risk[np.argmin(empirical)] - risk.min()
    return FiniteClassDraws(deviation, excess)


# --------------------------------------------------------------------------- classification
def logistic_loss(z) -> np.ndarray:
    r"""The logistic (binary cross-entropy) loss :math:`\varphi(z) = \log(1 + e^{-z})` of the margin :math:`z = y f(x)`."""
    z = check_array("z", z)
    return np.logaddexp(0.0, -z)


def hinge_loss(z) -> np.ndarray:
    r"""The hinge loss :math:`\varphi(z) = \max(0, 1 - z)` of the margin :math:`z = y f(x)`."""
    z = check_array("z", z)
    return np.maximum(0.0, 1.0 - z)


_SURROGATES = {"logistic": logistic_loss, "hinge": hinge_loss}


def conditional_surrogate_risk(loss: str, eta, alpha) -> np.ndarray:
    r"""The conditional :math:`\varphi`-risk :math:`C_\eta(\alpha) = \eta\,\varphi(\alpha) + (1 - \eta)\,\varphi(-\alpha)`.

    It is the expected surrogate loss of the score :math:`\alpha` at an input where
    :math:`\Prob(Y = 1 \mid X = x) = \eta`. ``loss`` is ``"logistic"`` or ``"hinge"``; ``eta`` and
    ``alpha`` broadcast.
    """
    check_choice("loss", loss, tuple(_SURROGATES))
    eta = check_array("eta", eta)
    alpha = check_array("alpha", alpha)
    if np.any((eta < 0) | (eta > 1)):
        raise ValueError("eta must lie in [0, 1]")
    phi = _SURROGATES[loss]
    return eta * phi(alpha) + (1.0 - eta) * phi(-alpha)


def surrogate_minimizer(loss: str, eta) -> np.ndarray:
    r"""The minimizer :math:`\alpha^*(\eta)` of the conditional :math:`\varphi`-risk, in closed form.

    Logistic: :math:`\alpha^* = \log(\eta / (1 - \eta))`, the log-odds (:math:`\pm\infty` at
    :math:`\eta \in \{0, 1\}`). Hinge: :math:`\alpha^* = \sign(2\eta - 1)` (at :math:`\eta = 1/2` every
    :math:`\alpha \in [-1, 1]` is a minimizer and 0 is returned). Both have the sign of
    :math:`2\eta - 1`: the two losses are classification-calibrated.
    """
    check_choice("loss", loss, tuple(_SURROGATES))
    eta = check_array("eta", eta)
    if np.any((eta < 0) | (eta > 1)):
        raise ValueError("eta must lie in [0, 1]")
    if loss == "hinge":
        return np.sign(2.0 * eta - 1.0)
    with np.errstate(divide="ignore"):
        return np.log(eta) - np.log1p(-eta)


def classification_excess_risk(
    score: Predictor, eta: Callable[[np.ndarray], np.ndarray], *, nodes: int = 2000
) -> float:
    r"""Excess 0-1 risk :math:`\Risk(\sign f) - \Risk^* = \E\big[\abs{2\eta(X) - 1}\,\indic\{\sign f(X) \ne h^*(X)\}\big]`, :math:`X \sim U[-1, 1]`.

    :math:`h^* = \sign(2\eta - 1)` is the Bayes classifier; a score of exactly 0 counts as a mistake
    where :math:`\eta \ne 1/2`. The expectation is a midpoint rule with ``nodes`` cells (the
    integrand is discontinuous where the classifiers disagree, so quadrature of high order buys
    nothing; the error is of order ``1/nodes``).
    """
    check_callable("score", score)
    check_callable("eta", eta)
    nodes = check_int("nodes", nodes, minimum=1)
    t = -1.0 + (2.0 * np.arange(nodes) + 1.0) / nodes
    e = np.asarray(eta(t), dtype=float)
    wrong = np.sign(np.asarray(score(t), dtype=float)) != np.sign(2.0 * e - 1.0)
    return float(np.mean(np.abs(2.0 * e - 1.0) * wrong))


def fit_linear_classifier(Phi, y, *, loss: str, lam: float) -> np.ndarray:
    r"""Minimize :math:`J(w) = \frac1n\sum_i \varphi(y_i \langle w, \Phi_i\rangle) + \lambda\lVert w\rVert^2` over :math:`w`.

    Logistic loss: Newton's method from :math:`w = 0` (the objective is smooth and
    :math:`2\lambda`-strongly convex), run until the gradient norm is below 1e-10, for at most 100
    steps (the iterate after the 100th step is still accepted if it meets the tolerance); a fit that
    does not get there (badly scaled features, where rounding alone exceeds the tolerance) raises
    ``ConvergenceWarning``. Hinge loss: the support vector machine
    :math:`\tfrac12\lVert w\rVert^2 + C\sum_i \max(0, 1 - y_i\langle w, \Phi_i\rangle)` with
    :math:`C = 1/(2\lambda n)`, the same problem scaled by :math:`1/(2\lambda)`, solved by dual
    coordinate ascent in liblinear (scikit-learn's ``LinearSVC``, no intercept, its default tolerance
    1e-4, at most :math:`10^6` passes over the data; a fit that does not converge raises
    ``ConvergenceWarning`` as an error). liblinear visits the coordinates in a random order; its seed
    is fixed (``random_state=0``), so the fit does not depend on NumPy's global random state.
    ``y`` has entries :math:`\pm 1`, both present for the hinge loss; ``Phi`` has at least one row.
    """
    Phi = _check_design(Phi)
    y = check_array("y", y, shape=(Phi.shape[0],))
    if not np.all(np.abs(y) == 1.0):
        raise ValueError("y must have entries -1 or +1")
    check_choice("loss", loss, tuple(_SURROGATES))
    lam = check_real("lam", lam, minimum=0.0, strict=True)
    n, q = Phi.shape
    if loss == "hinge":
        if np.all(y == y[0]):
            raise ValueError("y must contain both labels -1 and +1 for loss='hinge' (liblinear fits two classes)")
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.svm import LinearSVC

        svm = LinearSVC(loss="hinge", C=1.0 / (2.0 * lam * n), fit_intercept=False, dual=True,
                        tol=1e-4, max_iter=1_000_000, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)  # never return an unconverged fit silently
            return svm.fit(Phi, y).coef_[0].copy()
    w = np.zeros(q)
    Z = y[:, None] * Phi
    for steps in itertools.count():  # Newton steps taken so far: the gradient at w_0, ..., w_100 is checked
        p = 0.5 * (1.0 - np.tanh(0.5 * (Z @ w)))  # sigma(-z), computed stably
        grad = -Z.T @ p / n + 2.0 * lam * w
        if np.linalg.norm(grad) < 1e-10:
            return w
        if steps == 100:
            from sklearn.exceptions import ConvergenceWarning

            raise ConvergenceWarning("Newton's method did not reach a gradient norm below 1e-10 in 100 steps "
                                     "(badly scaled features?)")
        hess = (Z * (p * (1.0 - p))[:, None]).T @ Z / n + 2.0 * lam * np.eye(q)
        w -= np.linalg.solve(hess, grad)
