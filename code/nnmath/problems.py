r"""Test problems and gradient oracles of Part II: quadratics, logistic regression, noisy oracles, sharpness.

The optimizers of :mod:`nnmath.optim` are run on these problems in the chapters *Gradient methods*
and *Adaptive methods*: :class:`Quadratic` and its constructors (:func:`random_quadratic`,
:func:`power_law_quadratic`, :func:`nesterov_worst_function` with :func:`nesterov_lower_bound`),
:class:`Logistic`, the stochastic oracles :func:`noisy_gradient` and :func:`minibatch_gradient`,
and :func:`sharpness`, the top Hessian eigenvalue by power iteration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_callable, check_int, check_real, check_rng

__all__ = [
    "Quadratic",
    "random_quadratic",
    "power_law_quadratic",
    "nesterov_worst_function",
    "nesterov_lower_bound",
    "Logistic",
    "noisy_gradient",
    "minibatch_gradient",
    "sharpness",
]


class Quadratic:
    r"""The quadratic :math:`f(x) = \tfrac12 x^\top A x - b^\top x` with :math:`A` symmetric positive semi-definite.

    Its gradient is :math:`Ax - b`; it is :math:`L`-smooth with :math:`L = \lambda_{\max}(A)` and
    :math:`\mu`-strongly convex with :math:`\mu = \lambda_{\min}(A)` (convex only if :math:`\mu = 0`).
    ``b`` must lie in the range of ``A`` so that a minimizer exists. ``value``, ``grad`` and
    ``excess`` accept one point of shape ``(d,)`` or a stack of shape ``(K, d)``.
    """

    def __init__(self, A, b):
        A = check_array("A", A, ndim=2)
        if A.shape[0] != A.shape[1] or not np.allclose(A, A.T, atol=1e-12 * max(1.0, np.abs(A).max())):
            raise ValueError(f"A must be a symmetric square matrix, got shape {A.shape}")
        self.A = A
        self.b = check_array("b", b, shape=(A.shape[0],))
        self.eigenvalues = np.linalg.eigvalsh(A)
        if self.eigenvalues[0] < -1e-10 * max(1.0, self.eigenvalues[-1]):
            raise ValueError("A must be positive semi-definite")
        #: A minimizer (the minimum-norm one, :math:`A^+ b`, if :math:`A` is singular).
        self.x_star = np.linalg.lstsq(A, self.b, rcond=None)[0]
        if not np.allclose(A @ self.x_star, self.b, atol=1e-9 * max(1.0, np.abs(self.b).max())):
            raise ValueError("b must lie in the range of A (otherwise f is unbounded below)")
        self.f_star = float(self.value(self.x_star))
        self.L = float(self.eigenvalues[-1])
        self.mu = float(max(self.eigenvalues[0], 0.0))

    def value(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return 0.5 * np.sum((x @ self.A) * x, axis=-1) - x @ self.b

    def grad(self, x) -> np.ndarray:
        return np.asarray(x, dtype=float) @ self.A - self.b   # A is symmetric

    def excess(self, x) -> np.ndarray:
        r"""The gap :math:`f(x) - f^\star = \tfrac12 (x - x^\star)^\top A (x - x^\star)`, computed without cancellation."""
        e = np.asarray(x, dtype=float) - self.x_star
        return 0.5 * np.sum((e @ self.A) * e, axis=-1)


def power_law_quadratic(dim: int, L: float = 1.0) -> Quadratic:
    r"""A diagonal quadratic on which gradient descent is as slow as the convex theory allows.

    Eigenvalues :math:`\lambda_j = L j^{-2}` and minimizer :math:`x^\star_j = j^{-1/2}`,
    :math:`j = 1, \dots, d`. From :math:`x_0 = 0`, GD with step :math:`1/L` has gap
    :math:`\tfrac12 \sum_j \lambda_j (x^\star_j)^2 (1 - \lambda_j/L)^{2k} \approx \tfrac12\sum_{j > \sqrt k} j^{-3}
    \asymp 1/k`, and Nesterov's method :math:`\asymp 1/k^2`, as long as :math:`k \ll d`; since
    :math:`\mu = L/d^2`, the function is strongly convex only on horizons :math:`k \gtrsim d^2`.
    """
    dim = check_int("dim", dim, minimum=1)
    L = check_real("L", L, minimum=0.0, strict=True)
    j = np.arange(1, dim + 1)
    lam = L / j**2.0
    return Quadratic(np.diag(lam), lam * j**-0.5)


def random_quadratic(eigenvalues, *, seed, b_scale: float = 1.0) -> Quadratic:
    r"""A quadratic with Hessian :math:`A = Q \operatorname{diag}(\lambda) Q^\top`, :math:`Q` a random rotation.

    :math:`b = A x^\star` for a random :math:`x^\star \sim N(0, b_\text{scale}^2 I)`, so the
    minimum is attained even when some eigenvalues are 0.
    """
    lam = check_array("eigenvalues", eigenvalues, ndim=1)
    if lam.size == 0 or np.any(lam < 0):
        raise ValueError("eigenvalues must be a non-empty array of numbers >= 0")
    b_scale = check_real("b_scale", b_scale, minimum=0.0)
    rng = check_rng("seed", seed)
    d = lam.size
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    Q = Q * np.sign(np.diag(R))
    A = (Q * lam) @ Q.T
    A = 0.5 * (A + A.T)
    x_star = b_scale * rng.standard_normal(d)
    return Quadratic(A, A @ x_star)


def nesterov_worst_function(L: float, dim: int) -> Quadratic:
    r"""Nesterov's worst function :math:`f(x) = \tfrac{L}{4}\big(\tfrac12[x_1^2 + \sum_{i<d}(x_i - x_{i+1})^2 + x_d^2] - x_1\big)`.

    A quadratic with :math:`A = \tfrac L4 T` (:math:`T` the tridiagonal matrix with 2 on the
    diagonal and -1 beside it) and :math:`b = \tfrac L4 e_1`; :math:`0 \preceq A \preceq L I`. Its
    minimizer is :math:`x^\star_i = 1 - i/(d+1)` and :math:`f^\star = \tfrac L8 (-1 + \tfrac{1}{d+1})`.
    Started at 0, any method whose iterates lie in the span of the previous gradients has
    :math:`x_k` supported on the first :math:`k` coordinates.
    """
    L = check_real("L", L, minimum=0.0, strict=True)
    dim = check_int("dim", dim, minimum=1)
    T = 2.0 * np.eye(dim) - np.eye(dim, k=1) - np.eye(dim, k=-1)
    b = np.zeros(dim)
    b[0] = L / 4.0
    return Quadratic(L / 4.0 * T, b)


def nesterov_lower_bound(L: float, k, dim: int) -> np.ndarray:
    r"""The gap :math:`\min_{x \in \mathbb{R}^{k}\times\{0\}} f(x) - f^\star = \tfrac L8 \big(\tfrac1{k+1} - \tfrac1{d+1}\big)` on :func:`nesterov_worst_function`.

    It bounds :math:`f(x_k) - f^\star` from below for every first-order method started at 0, for
    each :math:`k \le d`.
    """
    L = check_real("L", L, minimum=0.0, strict=True)
    dim = check_int("dim", dim, minimum=1)
    k = check_array("k", k)
    if np.any(k < 0) or np.any(k > dim):
        raise ValueError(f"k must lie in [0, dim] = [0, {dim}]")
    return L / 8.0 * (1.0 / (k + 1.0) - 1.0 / (dim + 1.0))


class Logistic(NamedTuple):
    r"""Logistic regression :math:`f(w) = \frac1n \sum_i \log(1 + e^{-y_i x_i^\top w}) + \tfrac\lambda2 \lVert w\rVert^2`, labels :math:`\pm 1`.

    Convex and :math:`L`-smooth with :math:`L = \lambda_{\max}(X^\top X)/(4n) + \lambda`;
    :math:`\lambda`-strongly convex. ``value`` and ``grad`` accept one point ``(d,)`` or a stack ``(K, d)``.
    """

    X: np.ndarray
    y: np.ndarray
    lam: float = 0.0

    def value(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        margins = (w @ self.X.T) * self.y
        return np.mean(np.logaddexp(0.0, -margins), axis=-1) + 0.5 * self.lam * np.sum(w * w, axis=-1)

    def grad(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        margins = (w @ self.X.T) * self.y
        weights = -self.y * _sigmoid(-margins)            # d/dm log(1 + e^{-m}) = -sigmoid(-m)
        return weights @ self.X / self.X.shape[0] + self.lam * w

    @property
    def L(self) -> float:
        return float(np.linalg.eigvalsh(self.X.T @ self.X)[-1] / (4 * self.X.shape[0]) + self.lam)


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def noisy_gradient(grad: Callable[[np.ndarray], np.ndarray], sigma: float, *, seed) -> Callable[[np.ndarray], np.ndarray]:
    r"""A stochastic gradient oracle :math:`g(x) = \nabla f(x) + \sigma \xi`, :math:`\xi \sim N(0, I)` fresh at each call.

    Unbiased with variance :math:`\E\lVert g(x) - \nabla f(x)\rVert^2 = \sigma^2 d`.
    """
    check_callable("grad", grad)
    sigma = check_real("sigma", sigma, minimum=0.0)
    rng = check_rng("seed", seed)

    def oracle(x: np.ndarray) -> np.ndarray:
        g = np.asarray(grad(x), dtype=float)
        return g + sigma * rng.standard_normal(g.shape)

    return oracle


def minibatch_gradient(X, y, batch_size: int, *, seed) -> Callable[[np.ndarray], np.ndarray]:
    r"""Mini-batch gradients of least squares :math:`f(w) = \frac{1}{2n}\lVert Xw - y\rVert^2`.

    Each call draws :math:`B` indices :math:`i_1, \dots, i_B` uniformly with replacement and returns

    .. math:: g(w) = \frac1B \sum_{b=1}^{B} x_{i_b} (x_{i_b}^\top w - y_{i_b}),

    an unbiased estimate of :math:`\nabla f(w) = \frac1n X^\top(Xw - y)` whose covariance is
    :math:`1/B` times that of a single-sample gradient. ``w`` may be a stack of shape ``(R, d)``
    (``R`` independent chains, each with its own batch).
    """
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],))
    batch_size = check_int("batch_size", batch_size, minimum=1)
    rng = check_rng("seed", seed)
    n = X.shape[0]

    def oracle(w: np.ndarray) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        idx = rng.integers(0, n, size=w.shape[:-1] + (batch_size,))
        Xb, yb = X[idx], y[idx]                                   # (..., B, d), (..., B)
        resid = np.einsum("...bd,...d->...b", Xb, w) - yb
        return np.einsum("...bd,...b->...d", Xb, resid) / batch_size

    return oracle


def sharpness(loss: Callable, theta, *, iters: int = 20, u0=None, seed=0) -> tuple[float, np.ndarray]:
    r"""The top Hessian eigenvalue :math:`\lambda_{\max}(\nabla^2 f(\theta))` by power iteration.

    ``loss`` maps a float64 ``torch`` vector to a scalar tensor; Hessian-vector products
    :math:`v \mapsto \nabla^2 f(\theta) v` are computed by differentiating
    :math:`\langle \nabla f(\theta), v\rangle` (double backward), without forming the Hessian.
    The iteration :math:`u \leftarrow Hu/\lVert Hu\rVert` converges to the eigenvalue of largest
    modulus; near a minimum that is the sharpness :math:`\lambda_{\max} > 0`, which gradient descent
    with step :math:`\eta` keeps below :math:`2/\eta` on a quadratic. Pass the returned vector as
    ``u0`` of the next call to warm-start along a trajectory.

    Returns
    -------
    (float, ndarray)
        The Rayleigh quotient :math:`u^\top H u` of the last iterate and the unit vector :math:`u`.
    """
    import torch

    check_callable("loss", loss)
    theta = check_array("theta", theta, ndim=1)
    iters = check_int("iters", iters, minimum=1)
    if u0 is None:
        u = check_rng("seed", seed).standard_normal(theta.size)
    else:
        u = check_array("u0", u0, shape=(theta.size,))
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(loss(t), t, create_graph=True)
    u = torch.tensor(u / np.linalg.norm(u), dtype=torch.float64)
    lam = 0.0
    for _ in range(iters):
        (hu,) = torch.autograd.grad(g, t, grad_outputs=u, retain_graph=True)
        lam = float(torch.dot(hu, u))
        u = hu / torch.linalg.vector_norm(hu)
    return lam, u.detach().numpy()
