r"""Generative models (chapter *Generative models: GANs, normalizing flows and diffusion*).

Each function computes one object of the chapter, with the equation in its docstring:

- GANs: :func:`optimal_discriminator` :math:`D^* = p/(p + q) = \sigma(\log p - \log q)`,
  :func:`gan_value` :math:`V(D) = \mathbb E_p \log D + \mathbb E_q \log(1 - D)` and
  :func:`js_divergence` by the trapezoidal rule on a 1-D grid, all in log space;
  :func:`simultaneous_gda` the bilinear game :math:`\min_x\max_y xy` played by simultaneous steps.
- Normalizing flows: :class:`AffineFlow`, :class:`PlanarFlow` (invertibility :math:`w^\top\hat u \ge -1`
  enforced as in Rezende and Mohamed 2015), :class:`AffineCoupling` and :class:`RealNVP`. Each is a
  :class:`torch.nn.Module` mapping data to base, ``forward(x) -> (z, log_det)`` with
  ``log_det`` :math:`= \log|\det \partial z/\partial x|`, with ``inverse(z)`` and ``log_prob(x)``
  :math:`= \log \mathcal N(z; 0, I) + \log|\det \partial z/\partial x|`.
- Diffusion: :func:`gaussian_mixture_logpdf` and :func:`gaussian_mixture_score`, the log-density and
  score of a 1-D Gaussian mixture after adding :math:`\mathcal N(0, t)` noise,
  :func:`sample_gaussian_mixture`, and :func:`reverse_diffusion` (Euler–Maruyama for the reverse
  process of :math:`dx = dW`).

Randomness only through an explicit ``seed``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import expit, logsumexp

from nnmath._validate import check_array, check_callable, check_int, check_real

__all__ = [
    "optimal_discriminator",
    "gan_value",
    "js_divergence",
    "simultaneous_gda",
    "AffineFlow",
    "PlanarFlow",
    "AffineCoupling",
    "RealNVP",
    "gaussian_mixture_logpdf",
    "gaussian_mixture_score",
    "sample_gaussian_mixture",
    "reverse_diffusion",
]

LOG_2PI = math.log(2 * math.pi)


# ----------------------------------------------------------------------------- GANs
def _pair(log_p, log_q):
    log_p = check_array("log_p", log_p, ndim=1, finite=False)
    log_q = check_array("log_q", log_q, ndim=1, finite=False)
    if log_p.shape != log_q.shape:
        raise ValueError(f"log_q must have the shape of log_p {log_p.shape}, got {log_q.shape}")
    for name, arr in (("log_p", log_p), ("log_q", log_q)):
        if np.any(np.isnan(arr)) or np.any(arr == np.inf):
            raise ValueError(f"{name} must contain finite values or -inf")
    return log_p, log_q


def _grid(grid, n):
    grid = check_array("grid", grid, ndim=1)
    if grid.shape[0] != n:
        raise ValueError(f"grid must have the length of log_p ({n}), got {grid.shape[0]}")
    if grid.shape[0] < 2 or np.any(np.diff(grid) <= 0):
        raise ValueError("grid must be strictly increasing with at least 2 points")
    return grid


def _xlogy_exp(log_a, log_b):
    """Pointwise a·log b with a = exp(log_a), and 0 where a = 0 (so 0·log 0 = 0)."""
    a = np.exp(log_a)
    out = np.zeros_like(a)
    pos = a > 0
    out[pos] = a[pos] * log_b[pos]
    return out


def optimal_discriminator(log_p, log_q):
    r"""The optimal discriminator :math:`D^*(x) = p(x)/(p(x) + q(x))`, from log-densities.

    Computed as :math:`\sigma(\log p - \log q)` with :math:`\sigma(a) = 1/(1 + e^{-a})`, which never forms
    :math:`p` or :math:`q` and so neither underflows nor overflows in the tails (eq. ``eq-gen-dstar``).

    Parameters
    ----------
    log_p, log_q : array_like, shape (n,)
        Log-densities of the data :math:`p` and of the generator :math:`q` at the same points (``-inf`` allowed,
        not both at one point).
    """
    log_p, log_q = _pair(log_p, log_q)
    if np.any(np.isneginf(log_p) & np.isneginf(log_q)):
        raise ValueError("log_p and log_q must not both be -inf at a point (D* is undefined there)")
    with np.errstate(invalid="ignore"):
        return expit(log_p - log_q)


def gan_value(D, log_p, log_q, grid, *, logits: bool = False):
    r"""The GAN value :math:`V(D) = \int p\log D + \int q\log(1 - D)` by the trapezoidal rule on ``grid``.

    Stable: :math:`\log(1 - D)` is ``log1p(-D)``; with ``logits=True`` the array ``D`` holds the logit
    :math:`a` of the discriminator, :math:`D = \sigma(a)`, and :math:`\log D = -\operatorname{softplus}(-a)`,
    :math:`\log(1 - D) = -\operatorname{softplus}(a)` are computed without forming :math:`D`. A density that
    underflows to 0 contributes 0 (the convention :math:`0\log 0 = 0`). For a smooth integrand that is
    negligible at both ends of the grid the trapezoidal rule converges faster than any power of the step.

    Parameters
    ----------
    D : array_like, shape (n,)
        The discriminator on the grid: values in :math:`[0, 1]`, or logits if ``logits``.
    log_p, log_q : array_like, shape (n,)
        Log-densities of the data and of the generator on the grid.
    grid : array_like, shape (n,)
        Strictly increasing quadrature nodes.
    """
    log_p, log_q = _pair(log_p, log_q)
    grid = _grid(grid, log_p.shape[0])
    D = check_array("D", D, ndim=1)
    if D.shape != log_p.shape:
        raise ValueError(f"D must have the shape of log_p {log_p.shape}, got {D.shape}")
    if logits:
        log_d, log_1md = -np.logaddexp(0.0, -D), -np.logaddexp(0.0, D)
    else:
        if np.any(D < 0) or np.any(D > 1):
            raise ValueError("D must take values in [0, 1]")
        with np.errstate(divide="ignore"):
            log_d, log_1md = np.log(D), np.log1p(-D)
    integrand = _xlogy_exp(log_p, log_d) + _xlogy_exp(log_q, log_1md)
    return float(np.trapezoid(integrand, grid))


def js_divergence(log_p, log_q, grid):
    r"""Jensen–Shannon divergence :math:`\mathrm{JS}(p\|q) = \tfrac12\mathrm{KL}(p\|m) + \tfrac12\mathrm{KL}(q\|m)`,
    :math:`m = (p + q)/2`, by the trapezoidal rule on ``grid``.

    :math:`\log m = \operatorname{logaddexp}(\log p, \log q) - \log 2` is formed in log space (eq. ``eq-gen-js``).
    """
    log_p, log_q = _pair(log_p, log_q)
    grid = _grid(grid, log_p.shape[0])
    if np.any(np.isneginf(log_p) & np.isneginf(log_q)):
        # both densities vanish there: no contribution
        log_p, log_q = log_p.copy(), log_q.copy()
    log_m = np.logaddexp(log_p, log_q) - math.log(2.0)
    log_m = np.where(np.isneginf(log_m), 0.0, log_m)
    lp = np.where(np.isneginf(log_p), 0.0, log_p)
    lq = np.where(np.isneginf(log_q), 0.0, log_q)
    integrand = 0.5 * (_xlogy_exp(log_p, lp - log_m) + _xlogy_exp(log_q, lq - log_m))
    return float(np.trapezoid(integrand, grid))


def simultaneous_gda(x0, y0, lr, steps):
    r"""Simultaneous gradient descent–ascent on the bilinear game :math:`\min_x\max_y xy`.

    :math:`(x_{k+1}, y_{k+1}) = (x_k - \eta y_k,\ y_k + \eta x_k)`; the iterates satisfy
    :math:`\|(x_k, y_k)\| = (1 + \eta^2)^{k/2}\|(x_0, y_0)\|` (eq. ``eq-gen-gda``). Returns the array of
    iterates of shape ``(steps + 1, 2)``.
    """
    x0 = check_real("x0", x0)
    y0 = check_real("y0", y0)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=0)
    out = np.empty((steps + 1, 2))
    out[0] = x0, y0
    for k in range(steps):
        x, y = out[k]
        out[k + 1] = x - lr * y, y + lr * x
    return out


# ----------------------------------------------------------------------------- flows
def _std_normal_logpdf(z: torch.Tensor) -> torch.Tensor:
    return -0.5 * (z**2).sum(-1) - 0.5 * z.shape[-1] * LOG_2PI


def _check_x(name, x, dim):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"{name} must have shape (n, {dim}), got {tuple(x.shape)}")
    return x


class _Flow(torch.nn.Module):
    """Base class: ``log_prob(x) = log N(z; 0, I) + log|det dz/dx|`` (eq. ``eq-gen-cov``)."""

    dim: int

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        r"""Log-density :math:`\log p(x) = \log\mathcal N(f(x); 0, I) + \log|\det J_f(x)|` of shape ``(n,)``."""
        z, log_det = self.forward(x)
        return _std_normal_logpdf(z) + log_det


class AffineFlow(_Flow):
    r"""Elementwise affine flow :math:`z = e^{s}\odot x + b`, :math:`\log|\det| = \sum_i s_i`.

    Under a standard normal base, :math:`x = (z - b)e^{-s}` is Gaussian with mean :math:`-b e^{-s}` and
    standard deviations :math:`e^{-s}`.
    """

    def __init__(self, dim: int, *, seed: int = 0, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.dim = check_int("dim", dim, minimum=1)
        seed = check_int("seed", seed, minimum=0)
        g = torch.Generator().manual_seed(seed)
        self.s = torch.nn.Parameter(0.1 * torch.randn(self.dim, generator=g, dtype=dtype))
        self.b = torch.nn.Parameter(0.1 * torch.randn(self.dim, generator=g, dtype=dtype))

    def forward(self, x):
        x = _check_x("x", x, self.dim)
        return x * torch.exp(self.s) + self.b, self.s.sum().expand(x.shape[0])

    def inverse(self, z):
        z = _check_x("z", z, self.dim)
        return (z - self.b) * torch.exp(-self.s)


class PlanarFlow(_Flow):
    r"""Planar flow :math:`f(x) = x + \hat u\,\tanh(w^\top x + b)` of Rezende and Mohamed (2015).

    :math:`\log|\det J_f(x)| = \log|1 + h'(w^\top x + b)\,w^\top\hat u|` with :math:`h = \tanh`
    (eq. ``eq-gen-planar``). The map is invertible when :math:`w^\top\hat u \ge -1`; as in the paper the
    free parameter :math:`u` is replaced by
    :math:`\hat u = u + (m(w^\top u) - w^\top u)\,w/\|w\|^2`, :math:`m(a) = -1 + \log(1 + e^a)`, so that
    :math:`w^\top\hat u = m(w^\top u) > -1` for every :math:`u`. ``inverse`` solves the scalar equation
    :math:`w^\top z = \alpha + w^\top\hat u\,\tanh(\alpha + b)` for :math:`\alpha = w^\top x` by bisection
    (its right side is strictly increasing) and returns :math:`x = z - \hat u\tanh(\alpha + b)`.
    """

    def __init__(self, dim: int, *, seed: int = 0, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.dim = check_int("dim", dim, minimum=1)
        seed = check_int("seed", seed, minimum=0)
        g = torch.Generator().manual_seed(seed)
        self.u = torch.nn.Parameter(torch.randn(self.dim, generator=g, dtype=dtype))
        self.w = torch.nn.Parameter(torch.randn(self.dim, generator=g, dtype=dtype))
        self.b = torch.nn.Parameter(torch.randn((), generator=g, dtype=dtype))

    def u_hat(self) -> torch.Tensor:
        r"""The constrained vector :math:`\hat u` with :math:`w^\top\hat u = -1 + \log(1 + e^{w^\top u}) > -1`."""
        wu = self.w @ self.u
        m = -1.0 + torch.nn.functional.softplus(wu)
        return self.u + (m - wu) * self.w / (self.w @ self.w)

    def forward(self, x):
        x = _check_x("x", x, self.dim)
        u = self.u_hat()
        a = x @ self.w + self.b
        h = torch.tanh(a)
        z = x + h[:, None] * u
        psi = 1.0 - h**2  # h'(a)
        return z, torch.log(torch.abs(1.0 + psi * (self.w @ u)))

    @torch.no_grad()
    def inverse(self, z, *, iterations: int = 200):
        z = _check_x("z", z, self.dim)
        u = self.u_hat()
        wu, wz = self.w @ u, z @ self.w
        lo, hi = wz - torch.abs(wu) - 1.0, wz + torch.abs(wu) + 1.0
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            above = mid + wu * torch.tanh(mid + self.b) > wz
            hi = torch.where(above, mid, hi)
            lo = torch.where(above, lo, mid)
        alpha = 0.5 * (lo + hi)
        return z - torch.tanh(alpha + self.b)[:, None] * u


class AffineCoupling(_Flow):
    r"""Affine coupling layer of RealNVP (Dinh, Sohl-Dickstein and Bengio 2017).

    With a binary mask :math:`m`, :math:`z = m\odot x + (1 - m)\odot\big(x\odot e^{s(m\odot x)} + t(m\odot x)\big)`;
    the Jacobian is triangular after permuting coordinates, with diagonal :math:`1` on the masked and
    :math:`e^{s_i}` on the other coordinates, so :math:`\log|\det| = \sum_i (1 - m_i)s_i` (eq. ``eq-gen-coupling``).
    :math:`s = \tanh(\cdot)`-bounded and :math:`t` come from one small MLP of the masked input.

    Parameters
    ----------
    dim : int
        Dimension (at least 2).
    parity : int
        0 keeps the even coordinates fixed, 1 the odd ones.
    hidden : int
        Width of the MLP.
    """

    def __init__(self, dim: int, parity: int = 0, hidden: int = 32, *, seed: int = 0,
                 dtype: torch.dtype = torch.float64):
        super().__init__()
        self.dim = check_int("dim", dim, minimum=2)
        parity = check_int("parity", parity, minimum=0, maximum=1)
        hidden = check_int("hidden", hidden, minimum=1)
        seed = check_int("seed", seed, minimum=0)
        g = torch.Generator().manual_seed(seed)
        mask = ((torch.arange(self.dim) + parity) % 2 == 0).to(dtype)
        self.register_buffer("mask", mask)
        self.net = torch.nn.Sequential(torch.nn.Linear(self.dim, hidden, dtype=dtype), torch.nn.Tanh(),
                                       torch.nn.Linear(hidden, hidden, dtype=dtype), torch.nn.Tanh(),
                                       torch.nn.Linear(hidden, 2 * self.dim, dtype=dtype))
        with torch.no_grad():
            for p in self.net.parameters():
                p.copy_(torch.randn(p.shape, generator=g, dtype=dtype) / math.sqrt(max(p.shape[-1], 1)))
            self.net[-1].weight.mul_(0.1)
            self.net[-1].bias.zero_()
        self.scale = torch.nn.Parameter(torch.ones(self.dim, dtype=dtype))

    def _st(self, x_masked):
        s, t = self.net(x_masked).chunk(2, dim=-1)
        s = self.scale * torch.tanh(s) * (1 - self.mask)
        return s, t * (1 - self.mask)

    def forward(self, x):
        x = _check_x("x", x, self.dim)
        s, t = self._st(x * self.mask)
        z = x * self.mask + (1 - self.mask) * (x * torch.exp(s) + t)
        return z, s.sum(-1)

    def inverse(self, z):
        z = _check_x("z", z, self.dim)
        s, t = self._st(z * self.mask)
        return z * self.mask + (1 - self.mask) * ((z - t) * torch.exp(-s))


class RealNVP(_Flow):
    r"""A RealNVP flow: ``n_layers`` affine couplings of alternating parity, then an :class:`AffineFlow`.

    The log-determinants of the layers add (chain rule), :math:`\log|\det J| = \sum_\ell \log|\det J_\ell|`.
    """

    def __init__(self, dim: int, n_layers: int = 4, hidden: int = 32, *, seed: int = 0,
                 dtype: torch.dtype = torch.float64):
        super().__init__()
        self.dim = check_int("dim", dim, minimum=2)
        n_layers = check_int("n_layers", n_layers, minimum=1)
        hidden = check_int("hidden", hidden, minimum=1)
        seed = check_int("seed", seed, minimum=0)
        self.layers = torch.nn.ModuleList(
            [AffineCoupling(self.dim, k % 2, hidden, seed=seed + k, dtype=dtype) for k in range(n_layers)]
            + [AffineFlow(self.dim, seed=seed + n_layers, dtype=dtype)])

    def forward(self, x):
        x = _check_x("x", x, self.dim)
        log_det = torch.zeros(x.shape[0], dtype=x.dtype)
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det

    def inverse(self, z):
        z = _check_x("z", z, self.dim)
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


# ----------------------------------------------------------------------------- diffusion
def _mixture(means, stds, weights):
    means = check_array("means", means, ndim=1)
    stds = check_array("stds", stds, ndim=1)
    weights = check_array("weights", weights, ndim=1)
    k = means.shape[0]
    if k < 1:
        raise ValueError("means must have at least one entry")
    if stds.shape[0] != k:
        raise ValueError(f"stds must have the length of means ({k}), got {stds.shape[0]}")
    if weights.shape[0] != k:
        raise ValueError(f"weights must have the length of means ({k}), got {weights.shape[0]}")
    if np.any(stds <= 0):
        raise ValueError("stds must be positive")
    if np.any(weights < 0) or abs(weights.sum() - 1.0) > 1e-9:
        raise ValueError("weights must be non-negative and sum to 1")
    return means, stds, weights


def _log_components(x, means, stds, weights, t):
    var = stds**2 + t
    return (np.log(np.where(weights > 0, weights, 1.0))[None, :] + np.where(weights > 0, 0.0, -np.inf)[None, :]
            - 0.5 * (x[:, None] - means[None, :]) ** 2 / var[None, :] - 0.5 * np.log(2 * np.pi * var)[None, :]), var


def gaussian_mixture_logpdf(x, means, stds, weights, t=0.0):
    r"""Log-density of :math:`p_t = p_0 * \mathcal N(0, t)` for :math:`p_0 = \sum_k w_k\mathcal N(\mu_k, \sigma_k^2)`.

    :math:`p_t = \sum_k w_k\mathcal N(\mu_k, \sigma_k^2 + t)` (eq. ``eq-gen-mixture-t``), evaluated by log-sum-exp.
    """
    x = check_array("x", x, ndim=1)
    means, stds, weights = _mixture(means, stds, weights)
    t = check_real("t", t, minimum=0.0)
    lc, _ = _log_components(x, means, stds, weights, t)
    return logsumexp(lc, axis=1)


def gaussian_mixture_score(x, means, stds, weights, t=0.0):
    r"""Score :math:`\nabla\log p_t(x)` of the 1-D Gaussian mixture after adding :math:`\mathcal N(0, t)` noise.

    .. math:: \nabla\log p_t(x) = -\sum_k r_k(x)\,\frac{x - \mu_k}{\sigma_k^2 + t},\qquad
              r_k(x) = \frac{w_k\mathcal N(x; \mu_k, \sigma_k^2 + t)}{p_t(x)},

    the responsibilities :math:`r_k` computed by a softmax in log space (eq. ``eq-gen-mixture-score``).

    Parameters
    ----------
    x : array_like, shape (n,)
    means, stds, weights : array_like, shape (K,)
        Component means, standard deviations (positive) and weights (non-negative, sum 1).
    t : float
        Noise variance, :math:`t \ge 0`.
    """
    x = check_array("x", x, ndim=1)
    means, stds, weights = _mixture(means, stds, weights)
    t = check_real("t", t, minimum=0.0)
    lc, var = _log_components(x, means, stds, weights, t)
    r = np.exp(lc - logsumexp(lc, axis=1, keepdims=True))
    return -np.sum(r * (x[:, None] - means[None, :]) / var[None, :], axis=1)


def sample_gaussian_mixture(n, means, stds, weights, *, seed):
    """``n`` independent draws from :math:`\\sum_k w_k\\mathcal N(\\mu_k, \\sigma_k^2)` (1-D), shape ``(n,)``."""
    n = check_int("n", n, minimum=1)
    means, stds, weights = _mixture(means, stds, weights)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    k = rng.choice(means.shape[0], size=n, p=weights / weights.sum())
    return means[k] + stds[k] * rng.standard_normal(n)


def reverse_diffusion(score, x_T, T, t_min, steps, *, seed):
    r"""Euler–Maruyama for the reverse process of :math:`dx = dW`, from time ``T`` down to ``t_min``.

    The forward process :math:`x_t = x_0 + \sqrt t\,\varepsilon` has the reverse-time SDE
    :math:`dx = -\nabla\log p_t(x)\,dt + d\bar W` run backwards (eq. ``eq-gen-reverse``); one step from
    :math:`t` to :math:`t - h` is :math:`x \leftarrow x + h\,s(x, t) + \sqrt h\,\xi`. The times form a
    geometric grid, fine near ``t_min`` where the score varies fastest.

    Parameters
    ----------
    score : callable
        ``score(x, t)`` for an array ``x`` of shape (n,) and a float ``t``.
    x_T : array_like, shape (n,)
        Start samples, from :math:`p_T`.
    T, t_min : float
        Start and end times, ``T > t_min > 0``.
    steps : int
        Number of steps.
    """
    score = check_callable("score", score)
    x = check_array("x_T", x_T, ndim=1).copy()
    T = check_real("T", T, minimum=0.0, strict=True)
    t_min = check_real("t_min", t_min, minimum=0.0, strict=True)
    if t_min >= T:
        raise ValueError(f"t_min must be < T = {T}, got {t_min}")
    steps = check_int("steps", steps, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    times = np.geomspace(T, t_min, steps + 1)
    for t0, t1 in zip(times[:-1], times[1:]):
        h = t0 - t1
        x = x + h * np.asarray(score(x, float(t0))) + math.sqrt(h) * rng.standard_normal(x.shape[0])
    return x
