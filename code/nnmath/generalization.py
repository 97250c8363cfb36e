r"""Uniform convergence, Rademacher complexity, VC counting and PAC-Bayes (chapter *Uniform convergence*).

Each function computes one quantity of the chapter, with the equation in its docstring:

- Rademacher complexities: :func:`rademacher_linear` (Monte Carlo, with a standard error) and
  :func:`rademacher_linear_bounds` for the norm-bounded linear class
  :math:`\hat{\mathfrak R}_S = \frac Bn \mathbb E\lVert\sum_i\sigma_i x_i\rVert`;
  :func:`rademacher_finite` and :func:`rademacher_exact` for a finite set of vectors, and
  :func:`massart_bound` for Massart's lemma.
- Counting: :func:`cover_count` (Cover's function-counting theorem), :func:`sauer_bound`
  (Sauer-Shelah), :func:`is_linearly_separable` and :func:`count_separable_labellings`
  (one linear program per labelling).
- Sample complexity experiments: :func:`threshold_erm_errors` (the realizable threshold class),
  :func:`all_functions_deviation` (where symmetrization is tight), :func:`memorizer_errors`
  (the lower-bound construction on a shattered set).
- Networks: :func:`spectral_complexity` (Bartlett-Foster-Telgarsky) and :func:`multiclass_margins`.
- PAC-Bayes: :func:`kl_bernoulli`, :func:`kl_inverse`, :func:`pac_bayes_bound`,
  :func:`sample_convergence_bound`, :func:`gaussian_kl` and :func:`maurer_xi`.

Randomness only through an explicit ``generator``/``seed`` (an ``int`` or a
``numpy.random.Generator``).
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np
from scipy.optimize import linprog
from scipy.special import gammaln

from ._validate import check_array, check_int, check_real, check_rng

__all__ = [
    "MonteCarlo",
    "rademacher_linear",
    "rademacher_linear_bounds",
    "rademacher_finite",
    "rademacher_exact",
    "massart_bound",
    "cover_count",
    "sauer_bound",
    "is_linearly_separable",
    "count_separable_labellings",
    "threshold_erm_errors",
    "all_functions_deviation",
    "memorizer_errors",
    "SpectralComplexity",
    "spectral_complexity",
    "multiclass_margins",
    "kl_bernoulli",
    "kl_inverse",
    "pac_bayes_bound",
    "sample_convergence_bound",
    "gaussian_kl",
    "maurer_xi",
]


class MonteCarlo(NamedTuple):
    """A Monte Carlo estimate and its standard error (sample sd / sqrt(number of independent draws))."""

    estimate: float
    stderr: float


def _mc(values: np.ndarray) -> MonteCarlo:
    values = np.asarray(values, dtype=float)
    return MonteCarlo(float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size)))


# --------------------------------------------------------------------------- Rademacher complexity


def rademacher_linear(X, B: float, *, n_draws: int, generator) -> MonteCarlo:
    r"""Monte Carlo estimate of the empirical Rademacher complexity of :math:`\{x \mapsto \langle w, x\rangle : \lVert w\rVert_2 \le B\}`.

    For a sign vector :math:`\sigma` the supremum over the ball is attained at
    :math:`w = B v / \lVert v\rVert`, :math:`v = \sum_i \sigma_i x_i` (Cauchy-Schwarz), so

    .. math:: \hat{\mathfrak R}_S = \frac1n \mathbb E_\sigma \sup_{\lVert w\rVert\le B} \sum_i \sigma_i\langle w, x_i\rangle
              = \frac Bn\, \mathbb E_\sigma \Big\lVert \sum_{i=1}^n \sigma_i x_i \Big\rVert .

    The expectation is estimated from ``n_draws`` independent sign vectors.

    Parameters
    ----------
    X : array of shape (n, d)
        The sample :math:`x_1, \dots, x_n` as rows.
    B : float
        Radius of the weight ball, ``B >= 0``.
    n_draws : int
        Number of independent sign vectors, ``>= 2``.
    generator : int or numpy.random.Generator

    Returns
    -------
    MonteCarlo
        ``(estimate, stderr)``.
    """
    X = check_array("X", X, ndim=2)
    B = check_real("B", B, minimum=0.0)
    n_draws = check_int("n_draws", n_draws, minimum=2)
    rng = check_rng("generator", generator)
    n = X.shape[0]
    sigma = rng.choice([-1.0, 1.0], size=(n_draws, n))
    values = B * np.linalg.norm(sigma @ X, axis=1) / n
    return _mc(values)


def rademacher_linear_bounds(X, B: float) -> tuple[float, float]:
    r"""The two-sided bound :math:`\frac{B}{\sqrt2\, n}\sqrt{\sum_i\lVert x_i\rVert^2} \le \hat{\mathfrak R}_S \le \frac Bn\sqrt{\sum_i\lVert x_i\rVert^2}`.

    The upper bound is Jensen's inequality; the lower bound is the Khintchine-Kahane
    inequality with Latała and Oleszkiewicz's optimal constant :math:`1/\sqrt2`.

    Returns
    -------
    (lower, upper) : tuple of float
    """
    X = check_array("X", X, ndim=2)
    B = check_real("B", B, minimum=0.0)
    n = X.shape[0]
    upper = B * np.sqrt(np.sum(X**2)) / n
    return float(upper / np.sqrt(2.0)), float(upper)


def rademacher_finite(A, *, n_draws: int, generator) -> MonteCarlo:
    r"""Monte Carlo estimate of :math:`\mathfrak R(A) = \mathbb E_\sigma \max_{a \in A} \frac1n \sum_i \sigma_i a_i` for a finite :math:`A \subset \mathbb R^n`.

    ``A`` holds the vectors as rows, shape (N, n).
    """
    A = check_array("A", A, ndim=2)
    n_draws = check_int("n_draws", n_draws, minimum=2)
    rng = check_rng("generator", generator)
    n = A.shape[1]
    sigma = rng.choice([-1.0, 1.0], size=(n_draws, n))
    return _mc(np.max(sigma @ A.T, axis=1) / n)


def rademacher_exact(A) -> float:
    r"""Exact :math:`\mathfrak R(A) = 2^{-n}\sum_{\sigma\in\{\pm1\}^n} \max_{a\in A} \frac1n\langle\sigma, a\rangle` by enumerating all signs.

    ``A`` has shape (N, n) with ``n <= 20`` (the sum has :math:`2^n` terms).
    """
    A = check_array("A", A, ndim=2)
    n = A.shape[1]
    if n > 20:
        raise ValueError(f"A must have at most 20 columns for exact enumeration, got {n}")
    sigma = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    return float(np.mean(np.max(sigma @ A.T, axis=1)) / n)


def massart_bound(A) -> float:
    r"""Massart's finite-class bound :math:`\mathfrak R(A) \le \max_{a\in A}\lVert a\rVert_2 \sqrt{2\log N}\,/\,n`.

    ``A`` holds the :math:`N` vectors of :math:`\mathbb R^n` as rows, shape (N, n).
    """
    A = check_array("A", A, ndim=2)
    N, n = A.shape
    if N < 1 or n < 1:
        raise ValueError(f"A must have at least one row and one column, got shape {A.shape}")
    return float(np.max(np.linalg.norm(A, axis=1)) * np.sqrt(2.0 * np.log(N)) / n)


# --------------------------------------------------------------------------- counting labellings


def cover_count(N: int, d: int) -> int:
    r"""Cover's count :math:`C(N, d) = 2\sum_{k=0}^{d}\binom{N-1}{k}` of labellings of :math:`N` points in general position in :math:`\mathbb R^d` realized by affine half-spaces.

    Equivalently, the number of labellings of :math:`N` vectors in general position in
    :math:`\mathbb R^{d+1}` realized by homogeneous half-spaces. Exact integer arithmetic.
    """
    N = check_int("N", N, minimum=1)
    d = check_int("d", d, minimum=0)
    return 2 * sum(math.comb(N - 1, k) for k in range(d + 1))


def sauer_bound(n: int, d: int) -> int:
    r"""The Sauer-Shelah bound :math:`\sum_{k=0}^{d}\binom nk` on the growth function of a class of VC dimension :math:`d`."""
    n = check_int("n", n, minimum=0)
    d = check_int("d", d, minimum=0)
    return sum(math.comb(n, k) for k in range(d + 1))


def is_linearly_separable(X, y) -> bool:
    r"""Whether some affine half-space separates the labels strictly: :math:`\exists (w, b)`, :math:`y_i(\langle w, x_i\rangle + b) > 0` for all :math:`i`.

    By rescaling, strict separability is the feasibility of the linear program
    :math:`y_i(\langle w, x_i\rangle + b) \ge 1`, solved with SciPy's HiGHS.
    """
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],))
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("y must contain only the labels -1 and +1")
    n, d = X.shape
    A_ub = -y[:, None] * np.hstack([X, np.ones((n, 1))])
    res = linprog(np.zeros(d + 1), A_ub=A_ub, b_ub=-np.ones(n), bounds=[(None, None)] * (d + 1), method="highs")
    if res.status not in (0, 2):  # 0: feasible (optimal), 2: infeasible
        raise RuntimeError(f"linear program failed: {res.message}")
    return res.status == 0


def count_separable_labellings(X) -> int:
    r"""Count the labellings :math:`y \in \{\pm1\}^N` of the rows of ``X`` that an affine half-space separates.

    One linear program per labelling (:func:`is_linearly_separable`); since :math:`y` is
    separable exactly when :math:`-y` is, only labellings with :math:`y_1 = +1` are tested
    and the count is doubled. ``X`` has shape (N, d) with ``N <= 16``.
    """
    X = check_array("X", X, ndim=2)
    N = X.shape[0]
    if N > 16:
        raise ValueError(f"X must have at most 16 rows (2^(N-1) linear programs), got {N}")
    count = 0
    for rest in itertools.product([-1.0, 1.0], repeat=N - 1):
        if is_linearly_separable(X, np.array((1.0,) + rest)):
            count += 1
    return 2 * count


# --------------------------------------------------------------------------- sample-complexity experiments


def threshold_erm_errors(n: int, *, theta_star: float = 0.3, n_trials: int, seed) -> np.ndarray:
    r"""Risks of a consistent learner for thresholds :math:`h_\theta(x) = \mathbf 1\{x \ge \theta\}` in the realizable case.

    Inputs are uniform on :math:`[0, 1]` and labelled by :math:`h_{\theta^*}`. The learner
    returns :math:`\hat\theta = \min\{x_i : y_i = 1\}` (or :math:`1` if no label is positive),
    which is consistent with the sample; its risk is :math:`\hat\theta - \theta^*`.

    Returns
    -------
    ndarray of shape (n_trials,)
        The risk of the learned threshold on each of ``n_trials`` independent samples.
    """
    n = check_int("n", n, minimum=1)
    theta_star = check_real("theta_star", theta_star, minimum=0.0, maximum=1.0)
    n_trials = check_int("n_trials", n_trials, minimum=1)
    rng = check_rng("seed", seed)
    x = rng.uniform(0.0, 1.0, size=(n_trials, n))
    theta_hat = np.min(np.where(x >= theta_star, x, 1.0), axis=1)
    return theta_hat - theta_star


def all_functions_deviation(m: int, n: int, *, n_trials: int, seed) -> tuple[np.ndarray, np.ndarray]:
    r"""Uniform deviation and Rademacher supremum for the class of *all* functions :math:`\{1..m\} \to \{0, 1\}`.

    With :math:`X` uniform on :math:`m` points and a sample of size :math:`n`,
    :math:`\sup_f (Pf - P_n f) = \sum_x (1/m - \hat p(x))_+` and
    :math:`\sup_f \frac1n\sum_i \sigma_i f(x_i) = \frac1n \sum_x \big(\sum_{i : x_i = x}\sigma_i\big)_+`.

    Returns
    -------
    deviation, rademacher : ndarray of shape (n_trials,)
        Per independent sample (and independent signs), the two suprema.
    """
    m = check_int("m", m, minimum=1)
    n = check_int("n", n, minimum=1)
    n_trials = check_int("n_trials", n_trials, minimum=1)
    rng = check_rng("seed", seed)
    x = rng.integers(0, m, size=(n_trials, n))
    sigma = rng.choice([-1.0, 1.0], size=(n_trials, n))
    dev = np.empty(n_trials)
    rad = np.empty(n_trials)
    for t in range(n_trials):
        values, inverse, counts = np.unique(x[t], return_inverse=True, return_counts=True)
        # unseen points contribute 1/m each; seen points (1/m - p_hat)_+
        dev[t] = (m - values.size) / m + np.sum(np.maximum(1.0 / m - counts / n, 0.0))
        rad[t] = np.sum(np.maximum(np.bincount(inverse, weights=sigma[t]), 0.0)) / n
    return dev, rad


def memorizer_errors(d: int, n: int, rho: float, *, n_trials: int, seed) -> np.ndarray:
    r"""Risks of a memorizing learner on the lower-bound distribution over a shattered set of size :math:`d`.

    The distribution puts mass :math:`1 - \rho` on point 0 (label 0) and :math:`\rho/(d-1)` on
    each of the points :math:`1, \dots, d-1`, whose labels are drawn uniformly at random once
    per trial (a random target of the class). The learner predicts the seen label on seen
    points and 0 elsewhere. The expected risk is :math:`\frac\rho2(1 - \frac{\rho}{d-1})^n`.

    Returns
    -------
    ndarray of shape (n_trials,)
    """
    d = check_int("d", d, minimum=2)
    n = check_int("n", n, minimum=1)
    rho = check_real("rho", rho, minimum=0.0, maximum=1.0)
    n_trials = check_int("n_trials", n_trials, minimum=1)
    rng = check_rng("seed", seed)
    probs = np.concatenate([[1.0 - rho], np.full(d - 1, rho / (d - 1))])
    targets = np.concatenate([np.zeros((n_trials, 1), dtype=int), rng.integers(0, 2, size=(n_trials, d - 1))], axis=1)
    points = rng.choice(d, size=(n_trials, n), p=probs)
    seen = np.zeros((n_trials, d), dtype=bool)
    np.put_along_axis(seen, points, True, axis=1)
    predictions = np.where(seen, targets, 0)  # the seen label on seen points, 0 elsewhere
    return (predictions != targets).astype(float) @ probs


# --------------------------------------------------------------------------- networks


class SpectralComplexity(NamedTuple):
    r"""Bartlett-Foster-Telgarsky spectral complexity :math:`R_A` = ``lipschitz * correction``."""

    value: float
    lipschitz: float
    correction: float
    spectral_norms: np.ndarray
    norms_21: np.ndarray


def spectral_complexity(weights, reference=None) -> SpectralComplexity:
    r"""Spectral complexity of a network with 1-Lipschitz activations (Bartlett, Foster, Telgarsky 2017).

    .. math:: R_A = \Big(\prod_{i=1}^L \lVert A_i\rVert_\sigma\Big)
              \Big(\sum_{i=1}^L \frac{\lVert A_i^\top - M_i^\top\rVert_{2,1}^{2/3}}{\lVert A_i\rVert_\sigma^{2/3}}\Big)^{3/2},

    where :math:`\lVert\cdot\rVert_\sigma` is the spectral norm and
    :math:`\lVert A^\top\rVert_{2,1} = \sum_j \lVert A_{j,:}\rVert_2` sums the Euclidean norms of
    the rows of :math:`A` (the incoming weights of each unit).

    Parameters
    ----------
    weights : list of arrays
        ``weights[l]`` of shape (fan_out, fan_in); consecutive shapes must chain.
    reference : list of arrays, optional
        Reference matrices :math:`M_i` of the same shapes (zero if omitted), e.g. the
        initialization.

    Returns
    -------
    SpectralComplexity
        ``value`` (:math:`R_A`), ``lipschitz`` (the product of spectral norms), ``correction``
        (the second factor), and the per-layer ``spectral_norms`` and ``norms_21``.
    """
    if not isinstance(weights, (list, tuple)) or len(weights) == 0:
        raise TypeError("weights must be a non-empty list of 2-D arrays")
    Ws = [check_array(f"weights[{i}]", W, ndim=2) for i, W in enumerate(weights)]
    for i in range(1, len(Ws)):
        if Ws[i].shape[1] != Ws[i - 1].shape[0]:
            raise ValueError(f"weights[{i}] must have {Ws[i - 1].shape[0]} columns, got shape {Ws[i].shape}")
    if reference is None:
        Ms = [np.zeros_like(W) for W in Ws]
    else:
        if not isinstance(reference, (list, tuple)) or len(reference) != len(Ws):
            raise TypeError("reference must be a list of arrays, one per layer of weights")
        Ms = [check_array(f"reference[{i}]", M, shape=Ws[i].shape) for i, M in enumerate(reference)]
    spec = np.array([np.linalg.norm(W, 2) for W in Ws])
    if np.any(spec == 0):
        raise ValueError("weights must have non-zero matrices (a zero layer has spectral norm 0)")
    n21 = np.array([np.sum(np.linalg.norm(W - M, axis=1)) for W, M in zip(Ws, Ms)])
    lipschitz = float(np.prod(spec))
    correction = float(np.sum((n21 / spec) ** (2.0 / 3.0)) ** 1.5)
    return SpectralComplexity(lipschitz * correction, lipschitz, correction, spec, n21)


def multiclass_margins(scores, y) -> np.ndarray:
    r"""Margins :math:`F(x_i)_{y_i} - \max_{j \ne y_i} F(x_i)_j` of a multiclass score matrix (n, k)."""
    scores = check_array("scores", scores, ndim=2)
    y = check_array("y", y, shape=(scores.shape[0],), dtype=int)
    if scores.shape[1] < 2:
        raise ValueError("scores must have at least 2 columns (classes)")
    if np.any((y < 0) | (y >= scores.shape[1])):
        raise ValueError(f"y must contain class indices in [0, {scores.shape[1] - 1}]")
    idx = np.arange(scores.shape[0])
    true = scores[idx, y]
    others = scores.copy()
    others[idx, y] = -np.inf
    return true - others.max(axis=1)


# --------------------------------------------------------------------------- PAC-Bayes


def kl_bernoulli(q: float, p: float) -> float:
    r"""Binary relative entropy :math:`\mathrm{kl}(q\Vert p) = q\log\frac qp + (1-q)\log\frac{1-q}{1-p}` (with :math:`0\log 0 = 0`)."""
    q = check_real("q", q, minimum=0.0, maximum=1.0)
    p = check_real("p", p, minimum=0.0, maximum=1.0)
    out = 0.0
    for a, b in ((q, p), (1.0 - q, 1.0 - p)):
        if a > 0:
            if b == 0:
                return math.inf
            out += a * math.log(a / b)
    return out


def kl_inverse(q: float, c: float, *, tol: float = 1e-12) -> float:
    r"""Upper inverse :math:`\mathrm{kl}^{-1}(q, c) = \sup\{p \in [q, 1] : \mathrm{kl}(q\Vert p) \le c\}`, by bisection.

    :math:`p \mapsto \mathrm{kl}(q\Vert p)` is continuous and increasing on :math:`[q, 1)`, so
    bisection on :math:`[q, 1]` keeps the invariant :math:`\mathrm{kl}(q\Vert \text{lo}) \le c`
    and stops when the bracket is shorter than ``tol``; the returned value is the upper end,
    so it is never below the true inverse by more than rounding.
    """
    q = check_real("q", q, minimum=0.0, maximum=1.0)
    c = check_real("c", c, minimum=0.0)
    tol = check_real("tol", tol, minimum=0.0, strict=True)
    if c == 0.0:
        return q
    if kl_bernoulli(q, 1.0) <= c:
        return 1.0
    lo, hi = q, 1.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if kl_bernoulli(q, mid) <= c:
            lo = mid
        else:
            hi = mid
    return hi


def pac_bayes_bound(train_risk: float, kl: float, n: int, delta: float) -> float:
    r"""McAllester's PAC-Bayes bound in its kl form (Seeger, Maurer): with probability :math:`\ge 1-\delta`, for all :math:`Q`,

    .. math:: \mathcal R(Q) \le \mathrm{kl}^{-1}\Big(\hat{\mathcal R}_S(Q),\ \frac{\mathrm{KL}(Q\Vert P) + \log(2\sqrt n/\delta)}{n}\Big).

    Parameters
    ----------
    train_risk : float
        The posterior's empirical risk :math:`\hat{\mathcal R}_S(Q) \in [0, 1]` (0-1 loss).
    kl : float
        :math:`\mathrm{KL}(Q\Vert P) \ge 0`.
    n : int
        Sample size.
    delta : float
        Confidence parameter in :math:`(0, 1)`.
    """
    train_risk = check_real("train_risk", train_risk, minimum=0.0, maximum=1.0)
    kl = check_real("kl", kl, minimum=0.0)
    n = check_int("n", n, minimum=1)
    delta = check_real("delta", delta, minimum=0.0, maximum=1.0, strict=True)
    return kl_inverse(train_risk, (kl + math.log(2.0 * math.sqrt(n) / delta)) / n)


def sample_convergence_bound(mean_risk: float, m: int, delta: float) -> float:
    r"""Upper confidence bound :math:`\mathrm{kl}^{-1}(\hat q, \log(1/\delta)/m)` for the mean of :math:`[0,1]`-valued i.i.d. draws.

    If :math:`\hat q` averages :math:`m` independent draws with values in :math:`[0, 1]` and mean
    :math:`q`, then :math:`q \le \mathrm{kl}^{-1}(\hat q, \log(1/\delta)/m)` with probability at
    least :math:`1 - \delta` (Chernoff's bound in kl form).
    """
    mean_risk = check_real("mean_risk", mean_risk, minimum=0.0, maximum=1.0)
    m = check_int("m", m, minimum=1)
    delta = check_real("delta", delta, minimum=0.0, maximum=1.0, strict=True)
    return kl_inverse(mean_risk, math.log(1.0 / delta) / m)


def gaussian_kl(mu_q, sigma_q, mu_p, sigma_p) -> float:
    r"""KL divergence between diagonal Gaussians :math:`Q = N(\mu_q, \mathrm{diag}\,\sigma_q^2)` and :math:`P = N(\mu_p, \mathrm{diag}\,\sigma_p^2)`,

    .. math:: \mathrm{KL}(Q\Vert P) = \frac12\sum_j\Big(\frac{\sigma_{q,j}^2 + (\mu_{q,j} - \mu_{p,j})^2}{\sigma_{p,j}^2} - 1
              + \log\frac{\sigma_{p,j}^2}{\sigma_{q,j}^2}\Big).

    Scalars ``sigma_q``/``sigma_p`` broadcast (isotropic Gaussians).
    """
    mu_q = check_array("mu_q", mu_q, ndim=1)
    mu_p = check_array("mu_p", mu_p, shape=mu_q.shape)
    sq = np.broadcast_to(check_array("sigma_q", sigma_q, ndim=(0, 1)), mu_q.shape)
    sp = np.broadcast_to(check_array("sigma_p", sigma_p, ndim=(0, 1)), mu_q.shape)
    if np.any(sq <= 0):
        raise ValueError("sigma_q must be positive")
    if np.any(sp <= 0):
        raise ValueError("sigma_p must be positive")
    return float(0.5 * np.sum((sq**2 + (mu_q - mu_p) ** 2) / sp**2 - 1.0 + 2.0 * np.log(sp / sq)))


def maurer_xi(n: int) -> float:
    r""":math:`\xi(n) = \sum_{k=0}^n \binom nk (k/n)^k (1 - k/n)^{n-k}`, the value of :math:`\mathbb E\,e^{n\,\mathrm{kl}(\hat p\Vert p)}` for a Binomial proportion.

    Computed in log space (``gammaln``), with :math:`0^0 = 1`.
    """
    n = check_int("n", n, minimum=1)
    k = np.arange(n + 1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        term_k = np.where(k > 0, k * np.log(k / n), 0.0)
        term_rest = np.where(n - k > 0, (n - k) * np.log((n - k) / n), 0.0)
    log_terms = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + term_k + term_rest
    return float(np.exp(log_terms).sum())


from .overparameterization import dropout_ridge_solution, min_norm_solution, ridgeless_risk  # noqa: E402,F401  (chapter 9's functions, part of this module's API)
__all__ += ["ridgeless_risk", "min_norm_solution", "dropout_ridge_solution"]
