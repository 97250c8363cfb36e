r"""Overparameterization and regularization: the computations of the chapter *Overparameterization*.

- :func:`interpolating_relu_network`: a two-layer ReLU network with :math:`2n + d` weights that fits
  any labels on :math:`n` distinct points (the construction of Zhang et al.).
- :func:`min_norm_solution`: the minimum-norm least-squares solution :math:`\hat\beta = X^+ y`.
- :func:`ridgeless_risk`: the risk of :math:`X^+ y` for isotropic Gaussian features, exact for finite
  :math:`n` and in the proportional limit :math:`p/n \to \gamma` (Hastie, Montanari, Rosset, Tibshirani).
- :func:`simulate_linear_risk`: the same risk measured over independent replicates, for ridge too.
- :func:`dropout_ridge_solution`: the minimizer of the expected dropout loss of linear regression, a
  ridge estimator with the data-dependent penalty :math:`\frac{1-q}{q}\, w^\top \diag(X^\top X/n)\, w`.
- :func:`batch_norm`, :func:`batch_norm_backward`: batch normalization (float64, no running
  statistics) and its backward pass, written out by hand.
- :func:`train_to_interpolation`, :func:`accuracy`: a small ReLU classifier trained until it fits
  every training label (true or random), and its accuracy.

The functions :func:`ridgeless_risk`, :func:`min_norm_solution` and :func:`dropout_ridge_solution` are
also exported by :mod:`nnmath.generalization`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_int, check_real, check_rng

__all__ = [
    "Estimate",
    "Fit",
    "interpolating_relu_network",
    "relu_network_predict",
    "min_norm_solution",
    "ridgeless_risk",
    "simulate_linear_risk",
    "dropout_ridge_solution",
    "batch_norm",
    "batch_norm_backward",
    "train_to_interpolation",
    "accuracy",
]


class Fit(NamedTuple):
    """Result of :func:`train_to_interpolation`."""

    net: object  # torch.nn.Module
    steps: int  # steps taken; max_steps if not every label was fitted
    fitted: bool
    history: np.ndarray  # (check step, training accuracy) at every check


class Estimate(NamedTuple):
    """A Monte Carlo mean over independent replicates and its standard error."""

    mean: float
    se: float


# ----------------------------------------------------------------------------- memorization


def interpolating_relu_network(X, y, *, seed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""A two-layer ReLU network :math:`f(x) = \sum_{j=1}^n c_j \relu(\inner{a}{x} - b_j)` with
    :math:`f(x_i) = y_i` for all :math:`i`.

    The construction of the proof in the chapter: draw a direction :math:`a \sim \Normal(0, I_d)`, sort
    the projections :math:`z_i = \inner{a}{x_i}` (distinct for distinct points, almost surely), put
    the thresholds between them, :math:`b_1 < z_{(1)} < b_2 < z_{(2)} < \dots`, and solve the lower
    triangular system :math:`A c = y` with :math:`A_{ij} = \relu(z_{(i)} - b_j)`. The network has
    :math:`d + 2n` weights.

    Parameters
    ----------
    X : array of shape (n, d)
        Distinct inputs.
    y : array of shape (n,)
        Real labels.
    seed : int or numpy.random.Generator
        For the direction :math:`a`.

    Returns
    -------
    a : (d,), b : (n,), c : (n,)
    """
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],))
    rng = check_rng("seed", seed)
    a = rng.standard_normal(X.shape[1])
    z = X @ a
    order = np.argsort(z)
    zs = z[order]
    gaps = np.diff(zs)
    if np.any(gaps <= 0):
        raise ValueError("X must have distinct rows (their projections on a random direction coincide)")
    b = np.empty_like(zs)
    b[0] = zs[0] - 1.0
    b[1:] = zs[:-1] + gaps / 2  # b_j sits between z_(j-1) and z_(j)
    A = np.maximum(zs[:, None] - b[None, :], 0.0)  # lower triangular, positive diagonal
    from scipy.linalg import solve_triangular

    c = solve_triangular(A, y[order], lower=True)
    return a, b, c


def relu_network_predict(X, a, b, c) -> np.ndarray:
    r"""Evaluate :math:`f(x) = \sum_j c_j \relu(\inner{a}{x} - b_j)` at the rows of ``X``."""
    X = check_array("X", X, ndim=2)
    a = check_array("a", a, shape=(X.shape[1],))
    b = check_array("b", b, ndim=1)
    c = check_array("c", c, shape=b.shape)
    return np.maximum((X @ a)[:, None] - b[None, :], 0.0) @ c


# ----------------------------------------------------------------------------- ridgeless least squares


def min_norm_solution(X, y) -> np.ndarray:
    r"""The minimum-norm least-squares solution :math:`\hat\beta = X^+ y`.

    Among the minimizers of :math:`\norm{y - X\beta}^2` it has the smallest Euclidean norm; when
    :math:`p > n` and :math:`X` has rank :math:`n` it interpolates, :math:`X\hat\beta = y`, and equals
    :math:`X^\top (X X^\top)^{-1} y`. It is the limit of ridge as :math:`\lambda \downarrow 0` and the
    limit of gradient descent from :math:`\beta_0 = 0`.

    Parameters
    ----------
    X : array of shape (n, p)
    y : array of shape (n,)
    """
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],))
    return np.linalg.lstsq(X, y, rcond=None)[0]


def ridgeless_risk(gamma: float, r2: float, sigma2: float, n: int | None = None) -> float:
    r"""Risk :math:`\E\norm{\hat\beta - \beta}^2` of the minimum-norm least-squares estimator.

    The model: rows :math:`x_i \sim \Normal(0, I_p)`, :math:`y = X\beta + \varepsilon` with
    :math:`\norm{\beta}^2 = r^2` and :math:`\varepsilon \sim \Normal(0, \sigma^2 I_n)`. Since the features
    are isotropic, :math:`\norm{\hat\beta - \beta}^2 = \E_x (x^\top\hat\beta - x^\top\beta)^2` is the excess
    prediction risk (the test noise :math:`\sigma^2` is not included).

    Without ``n``, the limit as :math:`n, p \to \infty` with :math:`p/n \to \gamma` (eq. ``eq-op-ridgeless``):

    .. math::

        \sigma^2 \frac{\gamma}{1 - \gamma} \ (\gamma < 1), \qquad
        r^2\Bigl(1 - \frac1\gamma\Bigr) + \frac{\sigma^2}{\gamma - 1} \ (\gamma > 1),

    and :math:`+\infty` at :math:`\gamma = 1` (for :math:`\sigma^2 > 0`; without noise only the bias remains). With ``n``, the exact expectation for :math:`p = \gamma n`
    features (eq. ``eq-op-ridgeless-finite``):

    .. math::

        \sigma^2\frac{p}{n - p - 1} \ (p \le n - 2), \qquad
        r^2\Bigl(1 - \frac np\Bigr) + \sigma^2 \frac{n}{p - n - 1} \ (p \ge n + 2),

    and :math:`+\infty` for :math:`p \in \{n - 1, n, n + 1\}` (if :math:`\sigma^2 > 0`).

    Parameters
    ----------
    gamma : float
        :math:`\gamma = p/n > 0`; with ``n`` given, :math:`\gamma n` must be an integer.
    r2 : float
        Signal strength :math:`r^2 = \norm\beta^2 \ge 0`.
    sigma2 : float
        Noise variance :math:`\sigma^2 \ge 0`.
    n : int, optional
        Sample size; if given, the exact finite-:math:`n` risk.
    """
    gamma = check_real("gamma", gamma, minimum=0.0, strict=True)
    r2 = check_real("r2", r2, minimum=0.0)
    sigma2 = check_real("sigma2", sigma2, minimum=0.0)
    if n is None:
        if gamma < 1:
            return sigma2 * gamma / (1 - gamma) if sigma2 > 0 else 0.0
        if gamma > 1:
            return r2 * (1 - 1 / gamma) + (sigma2 / (gamma - 1) if sigma2 > 0 else 0.0)
        return float("inf") if sigma2 > 0 else 0.0
    n = check_int("n", n, minimum=1)
    p = round(gamma * n)
    if p < 1 or abs(gamma * n - p) > 1e-9 * max(1.0, gamma * n):
        raise ValueError(f"gamma * n must be a positive integer (the number of features), got gamma={gamma}, n={n}")
    bias = r2 * (1 - n / p) if p > n else 0.0  # the estimator is unbiased for p <= n
    if sigma2 == 0.0:
        return bias
    if p <= n - 2:
        return sigma2 * p / (n - p - 1)
    if p >= n + 2:
        return bias + sigma2 * n / (p - n - 1)
    return float("inf")


def simulate_linear_risk(
    n: int, p: int, *, r2: float, sigma2: float, lam: float = 0.0, n_trials: int, seed
) -> Estimate:
    r"""Measure :math:`\E\norm{\hat\beta - \beta}^2` for ridge (``lam > 0``) or ridgeless (``lam = 0``) least squares.

    Each replicate draws :math:`X \in \R^{n \times p}` with i.i.d. :math:`\Normal(0, 1)` entries, a
    direction :math:`\beta` uniform on the sphere of radius :math:`r`, noise
    :math:`\varepsilon \sim \Normal(0, \sigma^2 I_n)`, fits
    :math:`\hat\beta_\lambda = (X^\top X + n\lambda I)^{-1} X^\top y = X^\top (X X^\top + n\lambda I)^{-1} y`
    (or :math:`X^+ y` for :math:`\lambda = 0`, computed by the same formulas, which need :math:`X` of full
    rank: true almost surely) and records :math:`\norm{\hat\beta - \beta}^2`, the excess risk of eq.
    ``eq-op-ridgeless-finite``. Returns the mean and its standard error over the independent replicates.
    """
    n = check_int("n", n, minimum=1)
    p = check_int("p", p, minimum=1)
    r2 = check_real("r2", r2, minimum=0.0)
    sigma2 = check_real("sigma2", sigma2, minimum=0.0)
    lam = check_real("lam", lam, minimum=0.0)
    n_trials = check_int("n_trials", n_trials, minimum=2)
    rng = check_rng("seed", seed)
    risks = np.empty(n_trials)
    for t in range(n_trials):
        X = rng.standard_normal((n, p))
        beta = rng.standard_normal(p)
        beta *= np.sqrt(r2) / np.linalg.norm(beta)
        y = X @ beta + np.sqrt(sigma2) * rng.standard_normal(n)
        # X^+ y (lam = 0) and ridge, in whichever of the primal (p x p) or dual (n x n) forms is smaller;
        # for lam = 0 this needs full rank, which holds almost surely (|p - n| <= 1 is ill-conditioned)
        if p <= n:
            beta_hat = np.linalg.solve(X.T @ X + n * lam * np.eye(p), X.T @ y)
        else:
            beta_hat = X.T @ np.linalg.solve(X @ X.T + n * lam * np.eye(n), y)
        risks[t] = np.sum((beta_hat - beta) ** 2)
    return Estimate(float(risks.mean()), float(risks.std(ddof=1) / np.sqrt(n_trials)))


# ----------------------------------------------------------------------------- dropout


def dropout_ridge_solution(X, y, keep_prob: float) -> np.ndarray:
    r"""Minimizer of the expected dropout loss of linear regression, a data-dependent ridge estimator.

    With inverted dropout on the inputs, keep probability :math:`q` (torch's ``p`` is the *drop*
    probability :math:`1 - q`) and masks :math:`\delta_{ij} \sim \mathrm{Bernoulli}(q)`, the expected loss
    (eq. ``eq-op-dropout``)

    .. math::

        \E_\delta \frac1n \sum_i \Bigl(y_i - \sum_j x_{ij}\frac{\delta_{ij}}{q} w_j\Bigr)^2
        = \frac1n\norm{y - Xw}^2 + \frac{1-q}{q}\, w^\top \diag\Bigl(\frac{X^\top X}{n}\Bigr) w

    is minimized by :math:`\hat w = \bigl(X^\top X + \frac{1-q}{q}\diag(X^\top X)\bigr)^{-1} X^\top y`.

    Parameters
    ----------
    X : array of shape (n, d)
        Without zero columns (a zero column gets no penalty; the minimum-norm solution is returned).
    y : array of shape (n,)
    keep_prob : float
        :math:`q \in (0, 1]`; :math:`q = 1` is no dropout (ordinary least squares, minimum norm).
    """
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],))
    keep_prob = check_real("keep_prob", keep_prob, maximum=1.0)
    keep_prob = check_real("keep_prob", keep_prob, minimum=0.0, strict=True)
    if keep_prob == 1.0:
        return min_norm_solution(X, y)
    G = X.T @ X
    penalty = (1 - keep_prob) / keep_prob * np.diag(np.diag(G))
    return np.linalg.lstsq(G + penalty, X.T @ y, rcond=None)[0]


# ----------------------------------------------------------------------------- batch normalization


def batch_norm(Z, eps: float = 0.0) -> np.ndarray:
    r"""Batch normalization of the columns of ``Z`` over the batch (its rows), in float64.

    .. math::

        \mathrm{BN}(Z)_{ij} = \frac{Z_{ij} - \mu_j}{\sqrt{s_j^2 + \epsilon}}, \quad
        \mu_j = \frac1n\sum_i Z_{ij}, \quad s_j^2 = \frac1n\sum_i (Z_{ij} - \mu_j)^2,

    the training-mode transform of ``torch.nn.BatchNorm1d`` without its affine parameters (the biased
    variance, as torch uses for normalizing). With :math:`\epsilon = 0` it is exactly invariant under
    :math:`Z \mapsto \alpha Z + \mathbf 1 b^\top` for :math:`\alpha > 0`.

    Parameters
    ----------
    Z : array of shape (n, m), n >= 2
    eps : float
        :math:`\epsilon \ge 0` (torch's default is ``1e-5``).
    """
    Z = check_array("Z", Z, ndim=2)
    if Z.shape[0] < 2:
        raise ValueError(f"Z must have at least 2 rows (a batch), got shape {Z.shape}")
    eps = check_real("eps", eps, minimum=0.0)
    centred = Z - Z.mean(axis=0)
    return centred / np.sqrt(np.mean(centred**2, axis=0) + eps)


def batch_norm_backward(Z, grad_out, eps: float = 0.0) -> np.ndarray:
    r"""The gradient :math:`\partial L/\partial Z` given :math:`G = \partial L/\partial \mathrm{BN}(Z)`.

    With :math:`\hat Z = \mathrm{BN}(Z)` and :math:`\sigma_j = \sqrt{s_j^2 + \epsilon}`, column by column,

    .. math::

        \frac{\partial L}{\partial Z_{ij}} = \frac{1}{\sigma_j}\Bigl(G_{ij} - \frac1n\sum_k G_{kj}
        - \hat Z_{ij}\,\frac1n\sum_k G_{kj}\hat Z_{kj}\Bigr).

    The mean of :math:`G` is removed because shifting a column does not change :math:`\hat Z`, and the
    component along :math:`\hat Z` is removed because (for :math:`\epsilon = 0`) scaling does not.
    """
    Z = check_array("Z", Z, ndim=2)
    if Z.shape[0] < 2:
        raise ValueError(f"Z must have at least 2 rows (a batch), got shape {Z.shape}")
    grad_out = check_array("grad_out", grad_out, shape=Z.shape)
    eps = check_real("eps", eps, minimum=0.0)
    centred = Z - Z.mean(axis=0)
    var = np.mean(centred**2, axis=0)
    sigma = np.sqrt(var + eps)
    Zhat = centred / sigma
    G = grad_out
    return (G - G.mean(axis=0) - Zhat * np.mean(G * Zhat, axis=0)) / sigma


# ----------------------------------------------------------------------------- training to interpolation


def train_to_interpolation(X, y, *, width: int, lr: float, max_steps: int, seed: int, check_every: int = 5) -> Fit:
    r"""Train a one-hidden-layer ReLU network on ``(X, y)`` with full-batch Adam until it fits every label.

    The network is ``Linear(d, width) -> ReLU -> Linear(width, K)`` in float32 with torch's default
    initialization (seeded by ``seed``), the loss the cross-entropy, and training stops at the first
    multiple of ``check_every`` steps at which the training accuracy is 1, or after ``max_steps``.

    Returns
    -------
    Fit
        ``net``, the number of ``steps`` taken (``max_steps`` if the labels were not all fitted),
        ``fitted``, and ``history``: rows (step, training accuracy) at every check.
    """
    import torch
    from torch import nn

    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],), dtype=np.int64)
    width = check_int("width", width, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    max_steps = check_int("max_steps", max_steps, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    check_every = check_int("check_every", check_every, minimum=1)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    n_classes = int(y.max()) + 1
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(X.shape[1], width), nn.ReLU(), nn.Linear(width, n_classes))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    history = []
    for step in range(1, max_steps + 1):
        loss = nn.functional.cross_entropy(net(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % check_every == 0:
            with torch.no_grad():
                acc = float((net(Xt).argmax(dim=1) == yt).double().mean())
            history.append((step, acc))
            if acc == 1.0:
                return Fit(net, step, True, np.array(history))
    return Fit(net, max_steps, False, np.array(history))


def accuracy(net, X, y) -> float:
    """The fraction of rows of ``X`` that the torch classifier ``net`` labels as ``y``."""
    import torch

    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],), dtype=np.int64)
    with torch.no_grad():
        pred = net(torch.tensor(X, dtype=torch.float32)).argmax(dim=1).numpy()
    return float(np.mean(pred == y))
