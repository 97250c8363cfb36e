r"""Kernels of wide random networks: the NNGP, kernel ridge regression and Gaussian-process regression.

The code of the chapter *Wide networks as Gaussian processes and kernel machines*.

One hidden ReLU unit with standard Gaussian weights :math:`w \sim N(0, I_d)` has the kernel
(:func:`relu_nngp`)

.. math::  k(x, y) = \mathbb{E}[\mathrm{relu}(w\cdot x)\,\mathrm{relu}(w\cdot y)]
           = \frac{\lVert x\rVert\,\lVert y\rVert}{2\pi}\bigl(\sin\theta + (\pi - \theta)\cos\theta\bigr),

with :math:`\theta = \arccos\bigl(x\cdot y/(\lVert x\rVert\lVert y\rVert)\bigr) \in [0, \pi]`; it is one half of
the arc-cosine kernel :math:`k_1` of Cho and Saul (2009). :func:`random_features` returns the features
:math:`\mathrm{relu}(XW^\top)/\sqrt{N}` whose Gram matrix is a Monte Carlo estimate of it (Rahimi and Recht, 2007).

A network of depth :math:`L` (hidden layers) in the convention of :mod:`nnmath.initialization`,
:math:`z_1 = W_1 x + b_1`, :math:`z_{\ell+1} = W_{\ell+1}\phi(z_\ell) + b_{\ell+1}`, weights of variance
:math:`\sigma_w^2/\text{fan-in}` and biases of variance :math:`\sigma_b^2`, has at infinite width the
output kernel :math:`K^{L+1}` of the recursion (:func:`nngp_kernel`)

.. math::  K^{1}(x, y) = \sigma_w^2\,\frac{x\cdot y}{d} + \sigma_b^2, \qquad
           K^{\ell+1}(x, y) = \sigma_w^2\,\mathbb{E}[\phi(u)\phi(v)] + \sigma_b^2,

where :math:`(u, v)` is a centred Gaussian pair with covariance
:math:`\begin{pmatrix} K^\ell(x,x) & K^\ell(x,y)\\ K^\ell(x,y) & K^\ell(y,y)\end{pmatrix}`. On the diagonal
this is the length map of the initialization chapter, :math:`K^{\ell+1}(x,x) = \mathcal{V}(K^\ell(x,x))`.
ReLU uses the closed form above, ``"erf"`` the closed form
:math:`\mathbb{E}[\mathrm{erf}(u)\mathrm{erf}(v)] = \tfrac{2}{\pi}\arcsin\bigl(2\Sigma_{12}/\sqrt{(1+2\Sigma_{11})(1+2\Sigma_{22})}\bigr)`
(Williams, 1998), ``"tanh"`` a tensor Gauss–Hermite rule with :data:`N_NODES_2D` nodes per axis.

:func:`kernel_ridge` and :func:`gp_posterior` solve with a Cholesky factor:

.. math::  \hat f(X_*) = K_{*X}(K_{XX} + \lambda I)^{-1} y, \qquad
           \Sigma_* = K_{**} - K_{*X}(K_{XX} + \sigma^2 I)^{-1}K_{X*}.

:func:`empirical_nngp` is the Monte Carlo kernel of one finite random network, and :func:`train_readout`
the readout of a random network trained to convergence from a given initialization (the sample-then-optimize
construction).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import linalg, special

from ._validate import check_array, check_choice, check_int, check_real, check_rng

__all__ = [
    "N_NODES_2D",
    "relu_nngp",
    "nngp_kernel",
    "kernel_ridge",
    "GPPosterior",
    "gp_posterior",
    "random_features",
    "empirical_nngp",
    "train_readout",
]

#: Gauss–Hermite nodes per axis for the two-dimensional Gaussian expectations of ``"tanh"``. The poles of tanh at
#: :math:`\pm i\pi/(2\sqrt q)` limit the accuracy for large variances :math:`q`: for
#: :math:`\mathbb{E}\tanh^2(\sqrt q z)` the error is about :math:`10^{-13}` at :math:`q = 1`, :math:`10^{-5}` at
#: :math:`q = 5.7` and :math:`2\cdot 10^{-3}` at :math:`q = 20` (use ``"erf"``, in closed form, for saturated units).
N_NODES_2D: int = 128

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(N_NODES_2D)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()

_PHIS = ("relu", "erf", "tanh")


def _pair(X, Y):
    X = check_array("X", X, ndim=2)
    if Y is None:
        Y = X
    else:
        Y = check_array("Y", Y, ndim=2)
        if Y.shape[1] != X.shape[1]:
            raise ValueError(f"Y must have {X.shape[1]} columns like X, got shape {Y.shape}")
    return X, Y


def _arccos_kernel(kxy, kxx, kyy):
    r""":math:`\mathbb{E}[\mathrm{relu}(u)\mathrm{relu}(v)]` for a centred Gaussian pair with the given covariance."""
    norm = np.sqrt(np.maximum(kxx, 0.0) * np.maximum(kyy, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norm > 0, kxy / np.where(norm > 0, norm, 1.0), 1.0)
    cos = np.clip(cos, -1.0, 1.0)
    theta = np.arccos(cos)
    return norm / (2.0 * np.pi) * (np.sin(theta) + (np.pi - theta) * cos)


def relu_nngp(X, Y=None) -> np.ndarray:
    r"""The one-unit ReLU kernel :math:`\mathbb{E}_w[\mathrm{relu}(w\cdot x)\mathrm{relu}(w\cdot y)]`, :math:`w \sim N(0, I_d)`.

    Returns the matrix with entries
    :math:`\lVert x_i\rVert\lVert y_j\rVert(\sin\theta_{ij} + (\pi-\theta_{ij})\cos\theta_{ij})/(2\pi)`
    for the rows ``x_i`` of ``X`` (shape ``(n, d)``) and ``y_j`` of ``Y`` (shape ``(m, d)``, default ``X``);
    a zero row gives a zero row or column. The angle comes from ``arccos`` of the rounded cosine, which
    loses about half the digits next to :math:`\theta = 0, \pi`: absolute error about
    :math:`10^{-8}\lVert x\rVert\lVert y\rVert` there.
    """
    X, Y = _pair(X, Y)
    kxx = np.sum(X * X, axis=1)[:, None]
    kyy = np.sum(Y * Y, axis=1)[None, :]
    return _arccos_kernel(X @ Y.T, kxx, kyy)


def _erf_pair(kxy, kxx, kyy):
    denom = np.sqrt((1.0 + 2.0 * kxx) * (1.0 + 2.0 * kyy))
    return 2.0 / np.pi * np.arcsin(np.clip(2.0 * kxy / denom, -1.0, 1.0))


def _tanh_pair(kxy, kxx, kyy):
    kxx = np.broadcast_to(kxx, kxy.shape)
    kyy = np.broadcast_to(kyy, kxy.shape)
    sx = np.sqrt(np.maximum(kxx, 0.0))
    sy = np.sqrt(np.maximum(kyy, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(sx * sy > 0, kxy / np.where(sx * sy > 0, sx * sy, 1.0), 0.0)
    c = np.clip(c, -1.0, 1.0)
    s = np.sqrt(1.0 - c * c)
    z1 = _NODES[:, None]
    z2 = _NODES[None, :]
    W = _WEIGHTS[:, None] * _WEIGHTS[None, :]
    # the larger standard deviation first, so that the rule gives exactly the same value for (x, y) and (y, x)
    a, b = np.maximum(sx, sy), np.minimum(sx, sy)
    a, b, cc, ss = (v.ravel()[:, None, None] for v in (a, b, c, s))
    flat = np.empty(a.shape[0])
    for start in range(0, a.shape[0], 64):  # chunks of pairs keep memory at 64 * N_NODES_2D**2 floats
        sl = slice(start, start + 64)
        vals = np.tanh(a[sl] * z1) * np.tanh(b[sl] * (cc[sl] * z1 + ss[sl] * z2))
        flat[sl] = np.einsum("pij,ij->p", vals, W)
    return flat.reshape(kxy.shape)


_PAIR = {"relu": _arccos_kernel, "erf": _erf_pair, "tanh": _tanh_pair}


def nngp_kernel(X, Y=None, depth: int = 1, sigma_w2: float = 2.0, sigma_b2: float = 0.0,
                phi: str = "relu") -> np.ndarray:
    r"""The NNGP kernel :math:`K^{L+1}(x_i, y_j)` of a network with ``depth`` :math:`= L` hidden layers.

    Recursion :math:`K^1(x, y) = \sigma_w^2 x\cdot y/d + \sigma_b^2`,
    :math:`K^{\ell+1}(x,y) = \sigma_w^2\,\mathbb{E}[\phi(u)\phi(v)] + \sigma_b^2` with
    :math:`(u,v)` centred Gaussian of covariance given by :math:`K^\ell` on :math:`\{x, y\}`.
    ``depth = 0`` is the linear kernel :math:`K^1`. ``phi`` is ``"relu"`` (arc-cosine closed form),
    ``"erf"`` (Williams' closed form) or ``"tanh"`` (tensor Gauss–Hermite quadrature, :data:`N_NODES_2D`
    nodes per axis, cost proportional to the number of pairs; accurate to about :math:`10^{-5}` while the
    variances :math:`K^\ell(x, x)` stay below 5, less for saturated units).
    """
    X, Y = _pair(X, Y)
    depth = check_int("depth", depth, minimum=0)
    sigma_w2 = check_real("sigma_w2", sigma_w2, minimum=0.0)
    sigma_b2 = check_real("sigma_b2", sigma_b2, minimum=0.0)
    check_choice("phi", phi, _PHIS)
    d = X.shape[1]
    kxy = sigma_w2 * (X @ Y.T) / d + sigma_b2
    kxx = sigma_w2 * np.sum(X * X, axis=1)[:, None] / d + sigma_b2
    kyy = sigma_w2 * np.sum(Y * Y, axis=1)[None, :] / d + sigma_b2
    pair = _PAIR[phi]
    for _ in range(depth):
        kxy = sigma_w2 * pair(kxy, kxx, kyy) + sigma_b2
        kxx = sigma_w2 * pair(kxx, kxx, kxx) + sigma_b2
        kyy = sigma_w2 * pair(kyy, kyy, kyy) + sigma_b2
    return kxy


def _solve_psd(name, A, B):
    """Solve A Z = B for symmetric positive definite A by Cholesky; a clear error otherwise."""
    try:
        factor = linalg.cho_factor(A, lower=True, check_finite=False)
    except linalg.LinAlgError:
        raise ValueError(f"{name} must be symmetric positive definite (add a ridge or noise > 0)") from None
    return linalg.cho_solve(factor, B, check_finite=False), factor


def _check_train(K_train, y, K_test_train):
    K_train = check_array("K_train", K_train, ndim=2)
    n = K_train.shape[0]
    if K_train.shape != (n, n):
        raise ValueError(f"K_train must be square, got shape {K_train.shape}")
    if not np.allclose(K_train, K_train.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(K_train).max(initial=0.0))):
        raise ValueError("K_train must be symmetric")
    y = check_array("y", y, ndim=(1, 2))
    if y.shape[0] != n:
        raise ValueError(f"y must have {n} rows like K_train, got shape {y.shape}")
    K_test_train = check_array("K_test_train", K_test_train, ndim=2)
    if K_test_train.shape[1] != n:
        raise ValueError(f"K_test_train must have {n} columns like K_train, got shape {K_test_train.shape}")
    return K_train, y, K_test_train


def kernel_ridge(K_train, y, K_test_train, ridge: float) -> np.ndarray:
    r"""Kernel ridge regression predictions :math:`K_{*X}(K_{XX} + \lambda I)^{-1}y`.

    The minimizer over the RKHS of :math:`\sum_i (f(x_i) - y_i)^2 + \lambda\lVert f\rVert_{\mathcal H}^2`
    evaluated at the test points (representer theorem). ``K_train`` is :math:`K_{XX}` (``(n, n)``),
    ``K_test_train`` is :math:`K_{*X}` (``(m, n)``), ``y`` has shape ``(n,)`` or ``(n, k)``; ``ridge``
    :math:`= \lambda \ge 0`. With ``ridge = 0`` the kernel interpolant (minimum-norm, by a pseudo-inverse
    with relative cutoff :math:`10^{-12}` if :math:`K_{XX}` is singular).
    """
    K_train, y, K_test_train = _check_train(K_train, y, K_test_train)
    ridge = check_real("ridge", ridge, minimum=0.0)
    A = K_train + ridge * np.eye(K_train.shape[0])
    try:
        factor = linalg.cho_factor(A, lower=True, check_finite=False)
        alpha = linalg.cho_solve(factor, y, check_finite=False)
    except linalg.LinAlgError:
        if ridge > 0:
            raise ValueError("K_train must be positive semi-definite") from None
        alpha = linalg.pinvh(A, rtol=1e-12) @ y
    return K_test_train @ alpha


class GPPosterior(NamedTuple):
    """Posterior mean ``(m,)`` or ``(m, k)`` and covariance ``(m, m)`` at the test points."""

    mean: np.ndarray
    cov: np.ndarray


def gp_posterior(K_train, y, K_test_train, K_test, noise: float) -> GPPosterior:
    r"""Posterior of a centred GP given :math:`y = f(X) + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2 I)`.

    Mean :math:`K_{*X}(K_{XX} + \sigma^2 I)^{-1}y`, covariance
    :math:`K_{**} - K_{*X}(K_{XX}+\sigma^2 I)^{-1}K_{X*}`, both through the Cholesky factor of
    :math:`K_{XX} + \sigma^2 I` (``noise`` :math:`= \sigma^2 \ge 0`; with 0 the matrix must be positive definite).
    ``K_test`` is :math:`K_{**}` (``(m, m)``).
    """
    K_train, y, K_test_train = _check_train(K_train, y, K_test_train)
    m = K_test_train.shape[0]
    K_test = check_array("K_test", K_test, shape=(m, m))
    noise = check_real("noise", noise, minimum=0.0)
    A = K_train + noise * np.eye(K_train.shape[0])
    alpha, factor = _solve_psd("K_train + noise * I", A, y)
    V = linalg.solve_triangular(factor[0], K_test_train.T, lower=True, check_finite=False)
    return GPPosterior(K_test_train @ alpha, K_test - V.T @ V)


def random_features(X, width: int, *, generator) -> np.ndarray:
    r"""Random ReLU features :math:`\Phi = \mathrm{relu}(XW^\top)/\sqrt{N}`, :math:`W \in \mathbb{R}^{N\times d}` i.i.d. :math:`N(0,1)`.

    :math:`\Phi\Phi^\top = \frac1N\sum_{i=1}^N \mathrm{relu}(Xw_i)\mathrm{relu}(Xw_i)^\top` is an unbiased
    estimate of :func:`relu_nngp` ``(X, X)``; stack training and test inputs in one call so that they
    share the weights. Returns an ``(n, width)`` array.
    """
    X = check_array("X", X, ndim=2)
    width = check_int("width", width, minimum=1)
    rng = check_rng("generator", generator)
    W = rng.standard_normal((width, X.shape[1]))
    return np.maximum(X @ W.T, 0.0) / np.sqrt(width)


def _phi_fn(phi):
    return {"relu": lambda z: np.maximum(z, 0.0), "erf": special.erf, "tanh": np.tanh}[phi]


def empirical_nngp(X, width: int, depth: int, sigma_w2: float, sigma_b2: float, phi: str = "relu", *,
                   generator, n_networks: int = 1) -> np.ndarray:
    r"""The kernel of the output of finite random networks given their hidden layers.

    For each of ``n_networks`` independent networks with ``depth`` hidden layers of ``width`` units
    (weights :math:`N(0, \sigma_w^2/\text{fan-in})`, biases :math:`N(0, \sigma_b^2)`) returns
    :math:`\hat K(x_i, x_j) = \sigma_w^2\,h_L(x_i)\cdot h_L(x_j)/N + \sigma_b^2`, the covariance of the
    output over the readout weights; its limit as ``width`` grows is :func:`nngp_kernel` ``(X, X, depth, ...)``.
    Returns an array of shape ``(n_networks, n, n)``.
    """
    X = check_array("X", X, ndim=2)
    width = check_int("width", width, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    sigma_w2 = check_real("sigma_w2", sigma_w2, minimum=0.0)
    sigma_b2 = check_real("sigma_b2", sigma_b2, minimum=0.0)
    check_choice("phi", phi, _PHIS)
    rng = check_rng("generator", generator)
    n_networks = check_int("n_networks", n_networks, minimum=1)
    f = _phi_fn(phi)
    out = np.empty((n_networks, X.shape[0], X.shape[0]))
    for r in range(n_networks):
        h = X
        for _ in range(depth):
            fan_in = h.shape[1]
            W = rng.standard_normal((fan_in, width)) * np.sqrt(sigma_w2 / fan_in)
            b = rng.standard_normal(width) * np.sqrt(sigma_b2)
            h = f(h @ W + b)
        out[r] = sigma_w2 * (h @ h.T) / width + sigma_b2
    return out


def train_readout(features_train, y, features_test, v0, noise: float = 0.0, eps=None) -> np.ndarray:
    r"""Outputs at the test points of a readout trained to convergence from ``v0``.

    The model is :math:`f(x) = \varphi(x)\cdot v` with fixed features (rows of ``features_train``,
    ``features_test``). With ``noise = 0`` it returns the limit of gradient flow on
    :math:`\tfrac12\lVert\Phi v - y\rVert^2` started at :math:`v_0`, i.e. the solution nearest :math:`v_0`,
    :math:`v_\infty = v_0 + \Phi^\top(\Phi\Phi^\top)^{-1}(y - \Phi v_0)` (:math:`\Phi\Phi^\top` invertible).
    With ``noise`` :math:`= \sigma^2 > 0` it returns the minimizer of
    :math:`\lVert\Phi v - (y + \varepsilon)\rVert^2/\sigma^2 + \lVert v - v_0\rVert^2` for the given target
    perturbation ``eps`` (sample-then-optimize). ``v0`` has shape ``(p,)`` or ``(p, s)`` for ``s`` samples.
    """
    Phi = check_array("features_train", features_train, ndim=2)
    n, p = Phi.shape
    Psi = check_array("features_test", features_test, ndim=2)
    if Psi.shape[1] != p:
        raise ValueError(f"features_test must have {p} columns like features_train, got shape {Psi.shape}")
    y = check_array("y", y, shape=(n,))
    v0 = check_array("v0", v0, ndim=(1, 2))
    if v0.shape[0] != p:
        raise ValueError(f"v0 must have {p} rows (one per feature), got shape {v0.shape}")
    noise = check_real("noise", noise, minimum=0.0)
    target = y if v0.ndim == 1 else y[:, None]
    if eps is not None:
        eps = check_array("eps", eps, shape=(n,) + v0.shape[1:])
        target = target + eps
    resid = target - Phi @ v0
    A = Phi @ Phi.T + noise * np.eye(n)
    coef, _ = _solve_psd("features_train @ features_train.T + noise * I", A, resid)
    return Psi @ (v0 + Phi.T @ coef)
