r"""Implicit bias of gradient descent: which solution does training pick?

The code of the chapter *Implicit bias and margin maximization*.

- :func:`gd_least_squares`: gradient descent on :math:`L(w) = \frac1{2n}\lVert Xw - y\rVert^2`
  from :math:`w_0`, whose limit is :math:`w_0 + X^+(y - Xw_0)` (the interpolant closest to
  :math:`w_0`; the minimum-norm one when :math:`w_0 = 0`).
- :func:`gd_logistic`: gradient descent from :math:`0` on the logistic loss
  :math:`L(w) = \frac1n\sum_i \log(1 + e^{-y_i x_i^\top w})`, computed stably; on separable data
  the direction tends to :func:`max_margin_direction` like :math:`1/\log t`.
- :func:`max_margin_direction`: the hard-margin support vector machine through the origin,
  :math:`\min \lVert w\rVert^2` subject to :math:`y_i x_i^\top w \ge 1`, by its dual.
- :func:`diagonal_network_gd`: gradient descent on the diagonal linear network
  :math:`\beta = u\odot u - v\odot v` with :math:`u_0 = v_0 = \alpha\mathbf 1`, and
  :func:`diagonal_potential_minimizer`: the interpolant minimizing
  :math:`Q_\alpha(\beta) = \alpha^2\sum_i q(\beta_i/\alpha^2)`,
  :math:`q(z) = 2 - \sqrt{4 + z^2} + z\,\operatorname{arcsinh}(z/2)`, which the gradient flow
  selects (Woodworth et al. 2020).

Iterates can be recorded at chosen times (``record=``, e.g. log-spaced), so one run gives a whole
trajectory without storing every step.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog, minimize
from scipy.special import expit

from ._validate import check_array, check_int, check_real

__all__ = [
    "gd_least_squares",
    "logistic_loss",
    "gd_logistic",
    "max_margin_direction",
    "diagonal_potential",
    "diagonal_network_gd",
    "diagonal_potential_minimizer",
    "diagonal_network_logistic_gd",
    "smoothed_margin",
]


# ----------------------------------------------------------------------------- helpers

def _check_data(X, y, *, labels: bool = False) -> tuple[np.ndarray, np.ndarray]:
    X = check_array("X", X, ndim=2)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
    y = check_array("y", y, shape=(X.shape[0],))
    if labels and not np.all(np.abs(y) == 1):
        raise ValueError("y must contain labels -1 and +1 only")
    return X, y


def _record_times(record, steps: int) -> np.ndarray | None:
    """Check ``record``: None, or a 1-D array of integer times in [0, steps], non-decreasing."""
    if record is None:
        return None
    times = check_array("record", record, ndim=1)
    if times.size == 0 or np.any(times != np.round(times)) or np.any(times < 0) or np.any(times > steps):
        raise ValueError(f"record must be a non-empty array of integer times in [0, steps={steps}]")
    if np.any(np.diff(times) < 0):
        raise ValueError("record must be non-decreasing")
    return times.astype(int)


def _run(step, w0: np.ndarray, steps: int, times: np.ndarray | None) -> np.ndarray:
    """Iterate ``w <- step(w)`` ``steps`` times; return the last iterate or those at ``times``."""
    w = w0.copy()
    if times is None:
        for _ in range(steps):
            w = step(w)
        return w
    out = np.empty((times.size,) + w0.shape)
    t, k = 0, 0
    while k < times.size:
        while t < times[k]:
            w = step(w)
            t += 1
        while k < times.size and times[k] == t:
            out[k] = w
            k += 1
    return out


# ----------------------------------------------------------------------------- least squares

def gd_least_squares(X, y, w0, lr: float, steps: int, *, record=None) -> np.ndarray:
    r"""Gradient descent on :math:`L(w) = \frac1{2n}\lVert Xw - y\rVert^2` from ``w0``.

    The iteration is :math:`w_{t+1} = w_t - \frac{\eta}{n} X^\top(Xw_t - y)`. For
    :math:`0 < \eta < 2n/s_1^2` (:math:`s_1` the largest singular value of :math:`X`) it
    converges to

    .. math::  w_\infty = w_0 + X^+(y - Xw_0) ,

    the least-squares solution closest to :math:`w_0` (for :math:`w_0 = 0`, the minimum-norm one).

    Parameters
    ----------
    X : array, shape (n, d)
    y : array, shape (n,)
    w0 : array, shape (d,)
        Starting point.
    lr : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of steps :math:`T \ge 0`.
    record : array of int, optional
        Non-decreasing times in :math:`[0, T]` at which to return the iterate.

    Returns
    -------
    array
        :math:`w_T` of shape ``(d,)``, or the iterates at ``record``, shape ``(len(record), d)``.
    """
    X, y = _check_data(X, y)
    w0 = check_array("w0", w0, shape=(X.shape[1],))
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=0)
    times = _record_times(record, steps)
    n = X.shape[0]
    return _run(lambda w: w - (lr / n) * (X.T @ (X @ w - y)), w0, steps, times)


# ----------------------------------------------------------------------------- logistic regression

def logistic_loss(X, y, w) -> float:
    r"""The logistic loss :math:`L(w) = \frac1n\sum_i \log(1 + e^{-y_i x_i^\top w})`.

    Computed as ``logaddexp(0, -margin)``, which neither overflows for large negative margins
    nor rounds to zero too early for large positive ones (it is :math:`e^{-m}` to relative
    precision for :math:`m \gg 1`).
    """
    X, y = _check_data(X, y, labels=True)
    w = check_array("w", w, shape=(X.shape[1],))
    return float(np.mean(np.logaddexp(0.0, -y * (X @ w))))


def gd_logistic(X, y, lr: float, steps: int, *, record=None) -> np.ndarray:
    r"""Gradient descent from :math:`w_0 = 0` on the logistic loss (see :func:`logistic_loss`).

    The gradient is :math:`\nabla L(w) = -\frac1n\sum_i \sigma(-y_i x_i^\top w)\, y_i x_i`,
    with the sigmoid :math:`\sigma(s) = 1/(1 + e^{-s})` evaluated by ``scipy.special.expit``,
    which is stable for margins of any size. The loss is :math:`\frac{s_1^2}{4n}`-smooth; for
    :math:`\eta < 8n/s_1^2` on linearly separable data, :math:`\lVert w_t\rVert \to \infty` and
    :math:`w_t = \hat w\log t + \rho_t` with :math:`\hat w` the hard-margin SVM solution and
    :math:`\rho_t` bounded (Soudry et al. 2018).

    Parameters
    ----------
    X : array, shape (n, d)
    y : array, shape (n,)
        Labels in :math:`\{-1, +1\}`.
    lr : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of steps :math:`T \ge 0`.
    record : array of int, optional
        Non-decreasing times in :math:`[0, T]` at which to return the iterate.

    Returns
    -------
    array
        :math:`w_T`, or the iterates at ``record`` with shape ``(len(record), d)``.
    """
    X, y = _check_data(X, y, labels=True)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=0)
    times = _record_times(record, steps)
    Z = y[:, None] * X                      # rows z_i = y_i x_i; the margins are Z w
    scale = lr / X.shape[0]
    return _run(lambda w: w + scale * (Z.T @ expit(-(Z @ w))), np.zeros(X.shape[1]), steps, times)


def max_margin_direction(X, y) -> np.ndarray:
    r"""The unit direction of the hard-margin SVM through the origin.

    Solves :math:`\hat w = \arg\min \lVert w\rVert^2` subject to :math:`y_i x_i^\top w \ge 1` through
    its dual :math:`\max_{\alpha \ge 0} \sum_i\alpha_i - \frac12\lVert\sum_i \alpha_i y_i x_i\rVert^2`
    (no equality constraint: there is no intercept), with :math:`\hat w = \sum_i\alpha_i y_i x_i`.
    The dual is solved by L-BFGS-B and then polished on its support set :math:`S` by the exact
    minimum-norm solution of :math:`y_i x_i^\top w = 1`, :math:`i \in S`, kept if it satisfies the
    KKT conditions. Returns :math:`\hat w/\lVert\hat w\rVert`; the margin is
    :math:`\gamma = 1/\lVert\hat w\rVert = \min_i y_i x_i^\top \hat w/\lVert\hat w\rVert`.

    Raises ``ValueError`` if the data are not linearly separable through the origin
    (checked with a linear program).
    """
    X, y = _check_data(X, y, labels=True)
    Z = y[:, None] * X
    n, d = Z.shape
    feasible = linprog(np.zeros(d), A_ub=-Z, b_ub=-np.ones(n), bounds=[(None, None)] * d, method="highs")
    if feasible.status != 0:
        raise ValueError("X, y must be linearly separable through the origin (no w with y_i x_i^T w > 0)")
    K = Z @ Z.T

    def dual(a):
        Ka = K @ a
        return 0.5 * a @ Ka - a.sum(), Ka - 1.0

    res = minimize(dual, np.zeros(n), jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * n,
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000})
    alpha = res.x
    w = Z.T @ alpha
    support = alpha > 1e-6 * alpha.max()
    # polish: on the support set the constraints are equalities, w = Z_S^+ 1
    w_s, *_ = np.linalg.lstsq(Z[support], np.ones(support.sum()), rcond=None)
    a_s, *_ = np.linalg.lstsq(Z[support].T, w_s, rcond=None)
    if np.min(Z @ w_s) >= 1 - 1e-9 and np.min(a_s) >= -1e-9:
        w = w_s
    return w / np.linalg.norm(w)


# ----------------------------------------------------------------------------- diagonal networks

def diagonal_potential(beta, alpha: float) -> float:
    r"""The potential :math:`Q_\alpha(\beta) = \alpha^2\sum_i q(\beta_i/\alpha^2)` of Woodworth et al.

    .. math::  q(z) = 2 - \sqrt{4 + z^2} + z\,\operatorname{arcsinh}(z/2) ,

    convex with :math:`q(0) = q'(0) = 0`, :math:`q'(z) = \operatorname{arcsinh}(z/2)`,
    :math:`q(z) \approx z^2/4` for small :math:`z` and :math:`q(z) \approx |z|\log|z|` for large.
    """
    beta = check_array("beta", beta, ndim=1)
    alpha = check_real("alpha", alpha, minimum=0.0, strict=True)
    z = beta / alpha**2
    return float(alpha**2 * np.sum(2.0 - np.sqrt(4.0 + z**2) + z * np.arcsinh(z / 2.0)))


def diagonal_network_gd(X, y, alpha: float, lr: float, steps: int, *, record=None) -> np.ndarray:
    r"""Gradient descent on a diagonal linear network; returns the regression vector :math:`\beta`.

    The model is :math:`f(x) = \langle \beta, x\rangle` with :math:`\beta = u\odot u - v\odot v`,
    trained on :math:`L(u, v) = \frac1{2n}\lVert X\beta - y\rVert^2` from
    :math:`u_0 = v_0 = \alpha\mathbf 1` (so :math:`\beta_0 = 0`). With
    :math:`g = \frac1n X^\top(X\beta - y)` the steps are

    .. math::  u \leftarrow u - 2\eta\, u\odot g, \qquad v \leftarrow v + 2\eta\, v\odot g .

    For small steps the limit approximates the gradient-flow limit
    :math:`\arg\min\{Q_\alpha(\beta) : X\beta = y\}` (:func:`diagonal_potential_minimizer`).

    Parameters
    ----------
    X : array, shape (n, d)
    y : array, shape (n,)
    alpha : float
        Initialization scale :math:`\alpha > 0`.
    lr : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of steps.
    record : array of int, optional
        Non-decreasing times at which to return :math:`\beta_t`.

    Returns
    -------
    array
        :math:`\beta_T` of shape ``(d,)``, or :math:`\beta_t` at the ``record`` times.
    """
    X, y = _check_data(X, y)
    alpha = check_real("alpha", alpha, minimum=0.0, strict=True)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=0)
    times = _record_times(record, steps)
    n, d = X.shape

    def step(uv):
        u, v = uv
        g = X.T @ (X @ (u * u - v * v) - y) / n
        return np.stack([u - 2 * lr * u * g, v + 2 * lr * v * g])

    out = _run(step, np.full((2, d), alpha), steps, times)
    return out[..., 0, :] ** 2 - out[..., 1, :] ** 2


def diagonal_potential_minimizer(X, y, alpha: float, *, tol: float = 1e-10) -> np.ndarray:
    r"""The interpolant :math:`\arg\min\{Q_\alpha(\beta) : X\beta = y\}`, through the dual.

    Since :math:`\nabla Q_\alpha(\beta) = \operatorname{arcsinh}(\beta/(2\alpha^2))` and the convex
    conjugate of :math:`q` is :math:`q^*(\theta) = 2\cosh\theta - 2`, the optimality conditions read
    :math:`\beta = 2\alpha^2\sinh(X^\top\lambda)` with :math:`\lambda \in \mathbb R^n` minimizing the
    smooth convex dual

    .. math::  D(\lambda) = 2\alpha^2\sum_j \cosh\big((X^\top\lambda)_j\big) - \lambda^\top y ,

    whose gradient is :math:`X\beta - y`. It is minimized by Newton's method with backtracking,
    until :math:`\lVert X\beta - y\rVert \le` ``tol`` :math:`\cdot\max(1, \lVert y\rVert)`, or until rounding
    stops the quadratic convergence with a residual below :math:`10^{-6}\max(1, \lVert y\rVert)`.
    Requires :math:`X` of full row rank (so that interpolants exist and the dual is strictly convex).
    """
    X, y = _check_data(X, y)
    alpha = check_real("alpha", alpha, minimum=0.0, strict=True)
    tol = check_real("tol", tol, minimum=0.0, strict=True)
    if np.linalg.matrix_rank(X) < X.shape[0]:
        raise ValueError("X must have full row rank (linearly independent rows) so that X beta = y is solvable")
    a2 = 2.0 * alpha**2
    lam = np.zeros(X.shape[0])

    def dual(lam):  # D minus the constant 2 alpha^2 d: cosh - 1 = 2 sinh^2(./2) keeps small changes visible
        return a2 * np.sum(2.0 * np.sinh(X.T @ lam / 2.0) ** 2) - lam @ y

    scale = max(1.0, float(np.linalg.norm(y)))
    target, floor = tol * scale, 1e-6 * scale
    best, stuck = np.inf, 0
    for _ in range(500):
        theta = X.T @ lam
        grad = X @ (a2 * np.sinh(theta)) - y
        norm = float(np.linalg.norm(grad))
        if norm <= target:
            break
        # Newton converges quadratically: a gradient that stops halving has reached the rounding floor
        stuck = stuck + 1 if norm > 0.5 * best else 0
        best = min(best, norm)
        if stuck >= 3 and norm <= floor:
            break
        H = (X * (a2 * np.cosh(theta))) @ X.T
        step = np.linalg.solve(H, grad)
        f0, s = dual(lam), 1.0
        with np.errstate(over="ignore"):  # a trial point may overflow cosh: it is then rejected
            while not dual(lam - s * step) <= f0 - 0.25 * s * grad @ step and s > 1e-12:
                s *= 0.5
        if s <= 1e-12:  # no decrease left at rounding level: accept if nearly optimal
            if norm <= floor:
                break
            raise RuntimeError("Newton's method on the dual stalled; alpha may be too small for "
                               "double precision")  # pragma: no cover
        lam = lam - s * step
    else:  # pragma: no cover - Newton converges quadratically on this strictly convex problem
        raise RuntimeError("Newton's method on the dual did not converge")
    return a2 * np.sinh(X.T @ lam)


# ----------------------------------------------------------------------------- homogeneous models

def diagonal_network_logistic_gd(X, y, alpha: float, lr: float, steps: int, *, record=None) -> np.ndarray:
    r"""Gradient descent on the logistic loss of the diagonal network :math:`f(x) = \langle u\odot u - v\odot v, x\rangle`.

    The model is positively homogeneous of degree 2 in :math:`\theta = (u, v)`. The loss is
    :math:`L = \frac1n\sum_i\log(1 + e^{-y_i f(x_i)})`, its gradient in :math:`\beta` is
    :math:`g = -\frac1n\sum_i \sigma(-y_i x_i^\top\beta)\, y_i x_i`, and the steps are those of
    :func:`diagonal_network_gd`, from :math:`u_0 = v_0 = \alpha\mathbf 1`.

    Returns
    -------
    array
        :math:`\theta_T` as an array of shape ``(2, d)`` (rows :math:`u`, :math:`v`), or the parameters at
        the ``record`` times, shape ``(len(record), 2, d)``.
    """
    X, y = _check_data(X, y, labels=True)
    alpha = check_real("alpha", alpha, minimum=0.0, strict=True)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=0)
    times = _record_times(record, steps)
    Z = y[:, None] * X
    n, d = X.shape

    def step(uv):
        u, v = uv
        g = -(Z.T @ expit(-(Z @ (u * u - v * v)))) / n
        return np.stack([u - 2 * lr * u * g, v + 2 * lr * v * g])

    return _run(step, np.full((2, d), alpha), steps, times)


def smoothed_margin(margins, norm: float, degree: int) -> float:
    r"""Lyu and Li's smoothed normalized margin for the logistic loss.

    With the margins :math:`q_i = y_i f(x_i;\theta)` and the summed loss
    :math:`\mathcal L = \sum_i\log(1 + e^{-q_i})`,

    .. math::  \tilde\gamma(\theta) = \frac{\log\big(1/(e^{\mathcal L} - 1)\big)}{\lVert\theta\rVert^{k}}
               \le \frac{\min_i q_i}{\lVert\theta\rVert^{k}} ,

    defined when :math:`\mathcal L < \log 2` (otherwise ``nan`` is returned); ``degree`` is the
    homogeneity degree :math:`k` and ``norm`` is :math:`\lVert\theta\rVert`.
    """
    margins = check_array("margins", margins, ndim=1)
    norm = check_real("norm", norm, minimum=0.0, strict=True)
    degree = check_int("degree", degree, minimum=1)
    total = float(np.sum(np.logaddexp(0.0, -margins)))
    if total >= np.log(2.0):
        return float("nan")
    return float(-np.log(np.expm1(total)) / norm**degree)
