r"""Adversarial examples, Lipschitz certificates and counterfactual explanations (chapter *Robustness and explanations*).

Each function computes one quantity of the chapter, with the equation in its docstring:

- :func:`linear_min_perturbation`: the exact smallest :math:`\ell_2` or :math:`\ell_\infty` perturbation
  that changes the decision of a linear classifier :math:`x \mapsto \operatorname{argmax}_k (Wx + b)_k`,
  :math:`r^* = \min_{j \ne y} m_j / \lVert w_y - w_j \rVert_*` (dual norm).
- :func:`fgsm` and :func:`pgd`: the fast gradient sign method and projected gradient ascent on the
  cross-entropy, for a PyTorch classifier.
- :func:`lipschitz_upper_bound` and :func:`certified_radius`: the product of the spectral norms of a
  ReLU network's linear layers, and the radius :math:`M(x) / (\sqrt2\, \prod_i \lVert W_i \rVert_2)`
  inside which its prediction cannot change (Tsuzuku, Sato and Sugiyama 2018).
- :func:`counterfactual_linear`: the closest point (in :math:`\ell_2`) at which a logistic model
  outputs a given probability, in closed form; :func:`counterfactual`: the optimization of
  Wachter, Mittelstadt and Russell (2017) for any differentiable model, with a squared
  :math:`\ell_2` or a MAD-weighted :math:`\ell_1` distance; :func:`median_absolute_deviation`.

PyTorch functions take and return tensors; the closed forms take NumPy arrays. Randomness only
through an explicit ``generator`` (an ``int`` seed or a ``torch.Generator``).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import check_array, check_callable, check_choice, check_int, check_real

__all__ = [
    "MinPerturbation",
    "linear_min_perturbation",
    "fgsm",
    "pgd",
    "lipschitz_upper_bound",
    "certified_radius",
    "counterfactual_linear",
    "counterfactual",
    "median_absolute_deviation",
]


# ----------------------------------------------------------------------------- private checks


def _check_tensor(name: str, value, *, ndim: tuple[int, ...]) -> torch.Tensor:
    """A floating-point tensor with ``ndim`` in the allowed set and finite entries."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if value.ndim not in ndim:
        raise ValueError(f"{name} must be a tensor with {' or '.join(map(str, ndim))} dimension(s), "
                         f"got shape {tuple(value.shape)}")
    if not torch.all(torch.isfinite(value)):
        raise ValueError(f"{name} must contain only finite values")
    return value


def _check_labels(name: str, y, n: int) -> torch.Tensor:
    if not isinstance(y, torch.Tensor) or y.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"{name} must be an integer torch.Tensor of class labels, got {type(y).__name__}"
                        + (f" of dtype {y.dtype}" if isinstance(y, torch.Tensor) else ""))
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per row of x, got {tuple(y.shape)}")
    return y.long()


def _check_eps(eps, n: int, dtype) -> torch.Tensor:
    """``eps`` as a column of radii: a number >= 0, or a tensor of shape (n,) of numbers >= 0."""
    if isinstance(eps, torch.Tensor):
        if eps.shape != (n,) or not torch.all(torch.isfinite(eps)) or torch.any(eps < 0):
            raise ValueError(f"eps must be a number >= 0 or a tensor of shape ({n},) of finite numbers >= 0")
        return eps.detach().to(dtype)[:, None]
    eps = check_real("eps", eps, minimum=0.0)
    return torch.full((n, 1), eps, dtype=dtype)


def _check_step(step_size, n: int, dtype) -> torch.Tensor:
    """``step_size`` as a column: a number > 0, or a tensor of shape (n,) of numbers > 0."""
    if isinstance(step_size, torch.Tensor):
        if step_size.shape != (n,) or not torch.all(torch.isfinite(step_size)) or torch.any(step_size <= 0):
            raise ValueError(f"step_size must be a number > 0 or a tensor of shape ({n},) of finite numbers > 0")
        return step_size.detach().to(dtype)[:, None]
    step_size = check_real("step_size", step_size, minimum=0.0, strict=True)
    return torch.full((n, 1), step_size, dtype=dtype)


def _check_generator(generator) -> torch.Generator:
    if isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, (bool, np.bool_)) or not isinstance(generator, numbers.Integral):
        raise TypeError(f"generator must be an integer seed or a torch.Generator, got {generator!r}")
    if generator < 0:
        raise ValueError(f"generator must be a non-negative integer seed, got {generator}")
    return torch.Generator().manual_seed(int(generator))


# ----------------------------------------------------------------------------- linear classifiers


class MinPerturbation(NamedTuple):
    """The smallest decision-changing perturbation of a linear classifier, one row per input.

    ``radius[i]`` is :math:`r^*`, ``delta[i]`` a perturbation of norm ``radius[i]`` that puts
    ``x[i] + delta[i]`` on the boundary between ``y[i]`` and ``target[i]``, the class whose
    boundary is nearest.
    """

    radius: np.ndarray
    delta: np.ndarray
    target: np.ndarray


def linear_min_perturbation(W, b, x, y, norm=2) -> MinPerturbation:
    r"""The exact minimal :math:`\ell_p` perturbation (:math:`p \in \{2, \infty\}`) of a linear classifier.

    The classifier predicts :math:`\operatorname{argmax}_k (Wx + b)_k`. Its decision between the
    class :math:`y` and a class :math:`j` is the sign of :math:`m_j(x) = a_j^\top x + c_j` with
    :math:`a_j = w_y - w_j` (rows of :math:`W`) and :math:`c_j = b_y - b_j`. If :math:`m_j(x) > 0` for every
    :math:`j \ne y`, the smallest :math:`\lVert\delta\rVert_p` for which some class scores at least as
    much as :math:`y` at :math:`x + \delta` is (eq-rb-linear-radius)

    .. math:: r^* = \min_{j \ne y} \frac{m_j(x)}{\lVert a_j \rVert_q}, \qquad \tfrac1p + \tfrac1q = 1,

    attained by :math:`\delta = -r^* a_j / \lVert a_j\rVert_2` (:math:`p = 2`) or
    :math:`\delta = -r^* \operatorname{sign}(a_j)` (:math:`p = \infty`, then :math:`q = 1`) for the
    minimizing :math:`j`. If :math:`x` is not classified as :math:`y` the same formula gives
    :math:`r^* \le 0` (a signed distance) and ``delta`` moves :math:`x` onto the nearest pairwise boundary.
    A class with :math:`a_j = 0` never changes sign and is skipped (:math:`r^* = \infty` if it is the only one).

    Parameters
    ----------
    W : array of shape (K, d), K >= 2
    b : array of shape (K,)
    x : array of shape (d,) or (n, d)
    y : int or integer array of shape (n,)
        The class(es) whose decision region is left.
    norm : {2, "inf"}

    Returns
    -------
    MinPerturbation
        ``radius`` of shape (n,), ``delta`` of shape (n, d) and ``target`` of shape (n,) (with
        ``n = 1`` for a single input).
    """
    W = check_array("W", W, ndim=2)
    K, d = W.shape
    if K < 2:
        raise ValueError(f"W must have at least 2 rows (classes), got shape {W.shape}")
    b = check_array("b", b, shape=(K,))
    x = check_array("x", x, ndim=(1, 2))
    if x.shape[-1] != d:
        raise ValueError(f"x must have {d} features (the columns of W), got shape {x.shape}")
    X = x.reshape(-1, d)
    n = X.shape[0]
    y = check_array("y", y, ndim=(0, 1))
    y = y.reshape(-1)
    if y.shape != (n,) or np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= K):
        raise ValueError(f"y must hold {n} integer class label(s) in [0, {K}), got {y}")
    y = y.astype(int)
    norm = check_choice("norm", norm, (2, "inf"))

    A = W[y][:, None, :] - W[None, :, :]               # (n, K, d): a_j = w_y - w_j
    m = np.einsum("nkd,nd->nk", A, X) + (b[y][:, None] - b[None, :])
    dual = np.linalg.norm(A, axis=2) if norm == 2 else np.abs(A).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(dual > 0, m / np.where(dual > 0, dual, 1.0), np.inf)
    ratio[np.arange(n), y] = np.inf                     # j = y is not a competitor
    target = np.argmin(ratio, axis=1)
    radius = ratio[np.arange(n), target]
    a = A[np.arange(n), target]                         # (n, d)
    if norm == 2:
        direction = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), np.finfo(float).tiny)
    else:
        direction = np.sign(a)
    delta = np.where(np.isfinite(radius)[:, None], -radius[:, None] * direction, 0.0)
    return MinPerturbation(radius, delta, target)


# ----------------------------------------------------------------------------- attacks on networks


def fgsm(model, x, y, eps) -> torch.Tensor:
    r"""The fast gradient sign method: :math:`x' = x + \varepsilon\, \operatorname{sign} \nabla_x \ell(f(x), y)`.

    :math:`\ell` is the cross-entropy of the logits ``model(x)`` (eq-rb-fgsm). One gradient
    evaluation; the result lies on the corner of the :math:`\ell_\infty` ball of radius
    :math:`\varepsilon` around :math:`x` that the linearized loss prefers (coordinates with a zero
    partial derivative are not moved). No clipping to a data range is applied.

    Parameters
    ----------
    model : callable
        Maps a tensor of shape (n, d) to logits of shape (n, K).
    x : tensor of shape (n, d), floating point
    y : integer tensor of shape (n,)
    eps : float >= 0, or tensor of shape (n,) with one radius per input

    Returns
    -------
    tensor of shape (n, d), detached
    """
    check_callable("model", model)
    x = _check_tensor("x", x, ndim=(2,))
    y = _check_labels("y", y, x.shape[0])
    e = _check_eps(eps, x.shape[0], x.dtype)
    x0 = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x0), y, reduction="sum")
    (grad,) = torch.autograd.grad(loss, x0)
    return (x.detach() + e * grad.sign()).detach()


def pgd(model, x, y, eps, steps, step_size, norm="inf", *, random_start=False, generator=0) -> torch.Tensor:
    r"""Projected gradient ascent on the cross-entropy inside an :math:`\ell_\infty` or :math:`\ell_2` ball.

    With :math:`\delta_0 = 0` (or uniform in the ball if ``random_start``) and step :math:`\alpha`,

    .. math:: \delta_{k+1} = \Pi_{B_p(\varepsilon)}\big(\delta_k + \alpha\, s(\nabla_\delta \ell(f(x + \delta_k), y))\big),

    where :math:`s(g) = \operatorname{sign}(g)` for :math:`p = \infty` and :math:`s(g) = g/\lVert g\rVert_2`
    for :math:`p = 2`, and :math:`\Pi` is the Euclidean projection onto the ball (clipping each coordinate
    to :math:`[-\varepsilon, \varepsilon]`, or rescaling :math:`\delta` to norm :math:`\varepsilon`) (eq-rb-pgd).
    Every iterate lies in the ball. Of the iterates :math:`\delta_0, \dots, \delta_{\text{steps}}`
    the one with the largest loss is returned for each input, so the attack is never weaker than its
    own starting point. With ``step_size = eps``, one step and ``norm="inf"``, it is :func:`fgsm`
    (when the loss increases).

    Parameters
    ----------
    model : callable
        Maps a tensor of shape (n, d) to logits of shape (n, K).
    x : tensor of shape (n, d), floating point
    y : integer tensor of shape (n,)
    eps : float >= 0, or tensor of shape (n,) with one radius per input
    steps : int >= 1
    step_size : float > 0, or tensor of shape (n,) with one step per input
    norm : {"inf", 2}
    random_start : bool
        Start from a uniform point of the ball instead of :math:`x`.
    generator : int or torch.Generator
        Used only with ``random_start``.

    Returns
    -------
    tensor of shape (n, d), detached
    """
    check_callable("model", model)
    x = _check_tensor("x", x, ndim=(2,))
    n, d = x.shape
    y = _check_labels("y", y, n)
    e = _check_eps(eps, n, x.dtype)
    steps = check_int("steps", steps, minimum=1)
    alpha = _check_step(step_size, n, x.dtype)
    norm = check_choice("norm", norm, ("inf", 2))
    if not isinstance(random_start, (bool, np.bool_)):
        raise TypeError(f"random_start must be a bool, got {random_start!r}")
    x = x.detach()
    delta = torch.zeros_like(x)
    if random_start:
        gen = _check_generator(generator)
        if norm == "inf":
            delta = (2 * torch.rand(x.shape, generator=gen, dtype=x.dtype) - 1) * e
        else:
            g = torch.randn(x.shape, generator=gen, dtype=x.dtype)
            u = torch.rand((n, 1), generator=gen, dtype=x.dtype)
            delta = g / g.norm(dim=1, keepdim=True) * e * u ** (1.0 / d)

    best = x + delta
    best_loss = torch.full((n,), -math.inf, dtype=x.dtype)
    for k in range(steps + 1):
        delta.requires_grad_(True)
        losses = F.cross_entropy(model(x + delta), y, reduction="none")
        with torch.no_grad():
            better = losses > best_loss
            best[better] = (x + delta)[better]
            best_loss = torch.where(better, losses, best_loss)
        if k == steps:
            break
        (grad,) = torch.autograd.grad(losses.sum(), delta)
        with torch.no_grad():
            if norm == "inf":
                delta = delta + alpha * grad.sign()
                delta = torch.maximum(torch.minimum(delta, e), -e)           # projection onto the cube
            else:
                gnorm = grad.norm(dim=1, keepdim=True)
                delta = delta + alpha * grad / torch.where(gnorm > 0, gnorm, torch.ones_like(gnorm))
                dnorm = delta.norm(dim=1, keepdim=True)
                delta = delta * torch.clamp(e / torch.where(dnorm > 0, dnorm, torch.ones_like(dnorm)), max=1.0)
        delta = delta.detach()
    return best.detach()


# ----------------------------------------------------------------------------- Lipschitz certificates


def _linear_layers(model) -> list[nn.Linear]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    leaves = [m for m in model.modules() if len(list(m.children())) == 0]
    others = [type(m).__name__ for m in leaves if not isinstance(m, (nn.Linear, nn.ReLU, nn.Identity))]
    if others:
        raise ValueError(f"model must be a ReLU MLP built from nn.Linear and nn.ReLU modules, found {others}")
    layers = [m for m in leaves if isinstance(m, nn.Linear)]
    if not layers:
        raise ValueError("model must contain at least one nn.Linear layer")
    return layers


def lipschitz_upper_bound(model) -> float:
    r"""The product :math:`\prod_{i=1}^L \lVert W_i \rVert_2` of the spectral norms of a ReLU MLP's linear layers.

    For :math:`f = T_L \circ \sigma \circ T_{L-1} \circ \cdots \circ \sigma \circ T_1` with affine
    :math:`T_i(h) = W_i h + b_i` and a 1-Lipschitz activation :math:`\sigma` applied coordinatewise, this
    is an upper bound on the :math:`\ell_2 \to \ell_2` Lipschitz constant of :math:`f` (eq-rb-lipschitz-product).

    The model's leaf modules must be ``nn.Linear``, ``nn.ReLU`` or ``nn.Identity``, applied in the
    order in which they are registered (an ``nn.Sequential``); the function cannot see activations
    called inside a custom ``forward``.
    """
    prod = 1.0
    for layer in _linear_layers(model):
        prod *= float(torch.linalg.matrix_norm(layer.weight.detach().double(), ord=2))
    return prod


def certified_radius(model, x) -> torch.Tensor:
    r"""The :math:`\ell_2` radius :math:`M_f(x) / (\sqrt 2\, \prod_i \lVert W_i\rVert_2)` certified by the Lipschitz bound.

    :math:`M_f(x) = f_{\hat y}(x) - \max_{j \ne \hat y} f_j(x)` is the logit margin of the predicted class
    :math:`\hat y = \operatorname{argmax}_k f_k(x)`. No :math:`\delta` with :math:`\lVert\delta\rVert_2` below
    the radius changes the prediction (Tsuzuku, Sato and Sugiyama 2018) (eq-rb-certified-radius).

    Parameters
    ----------
    model : nn.Module
        A ReLU MLP as in :func:`lipschitz_upper_bound`, with at least two outputs.
    x : tensor of shape (n, d)

    Returns
    -------
    tensor of shape (n,), the radii (the certified class is ``model(x).argmax(1)``)
    """
    L = lipschitz_upper_bound(model)
    x = _check_tensor("x", x, ndim=(2,))
    with torch.no_grad():
        logits = model(x)
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"model must return logits of shape (n, K) with K >= 2, got {tuple(logits.shape)}")
    top2 = torch.topk(logits, 2, dim=1).values
    margin = top2[:, 0] - top2[:, 1]
    return (margin / (math.sqrt(2.0) * L)).detach()


# ----------------------------------------------------------------------------- counterfactuals


def counterfactual_linear(w, b, x, target_prob) -> np.ndarray:
    r"""The closest point in :math:`\ell_2` at which the logistic model :math:`\sigma(w^\top x + b)` equals ``target_prob``.

    The level set :math:`\{x' : \sigma(w^\top x' + b) = p\}` is the hyperplane
    :math:`w^\top x' + b = \operatorname{logit} p`, and the projection of :math:`x` onto it is (eq-rb-cf-linear)

    .. math:: x' = x + \frac{\operatorname{logit}(p) - w^\top x - b}{\lVert w \rVert_2^2}\, w,
       \qquad \operatorname{logit}(p) = \log\frac{p}{1 - p}.

    Parameters
    ----------
    w : array of shape (d,), not zero
    b : float
    x : array of shape (d,)
    target_prob : float in (0, 1)
    """
    w = check_array("w", w, ndim=1)
    nw2 = float(w @ w)
    if nw2 == 0.0:
        raise ValueError("w must not be the zero vector (the model would be constant)")
    b = check_real("b", b)
    x = check_array("x", x, shape=(w.shape[0],))
    p = check_real("target_prob", target_prob, minimum=0.0, maximum=1.0, strict=True)
    logit = math.log(p) - math.log1p(-p)
    return x + (logit - w @ x - b) / nw2 * w


def median_absolute_deviation(X) -> np.ndarray:
    r"""The median absolute deviation of each column, :math:`\mathrm{MAD}_k = \operatorname{med}_i \lvert X_{ik} - \operatorname{med}_l X_{lk} \rvert`.

    The scale that Wachter et al. (2017) divide the :math:`\ell_1` distance by (eq-rb-mad-distance).
    """
    X = check_array("X", X, ndim=2)
    return np.median(np.abs(X - np.median(X, axis=0)), axis=0)


def counterfactual(model, x, target, lam, steps, *, distance="l2", mad=None) -> torch.Tensor:
    r"""A counterfactual explanation by the optimization of Wachter, Mittelstadt and Russell (2017).

    Minimizes over :math:`x'` the penalized objective (eq-rb-wachter)

    .. math:: \lambda\, \big(s(x') - t\big)^2 + d(x, x'),

    where :math:`s` is the scalar output of ``model`` and :math:`t` the ``target``. With
    ``distance="l2"``, :math:`d(x, x') = \lVert x' - x \rVert_2^2` and the minimization is L-BFGS with a
    strong Wolfe line search (at most ``steps`` iterations). With ``distance="mad_l1"``,
    :math:`d(x, x') = \sum_k \lvert x'_k - x_k\rvert / \mathrm{MAD}_k` and the minimization is accelerated
    proximal gradient descent (FISTA, ``steps`` iterations, backtracking step) in MAD units
    :math:`u = (x' - x)/\mathrm{MAD}`: a gradient step on the smooth term, then the soft-thresholding of
    :math:`u` at the step size, which sets coordinates exactly to their original values. The penalty meets the constraint :math:`s(x') = t` only as
    :math:`\lambda \to \infty`; Wachter et al. raise :math:`\lambda` until it is met to a tolerance.

    Parameters
    ----------
    model : callable
        Maps a tensor of shape (1, d) to a tensor with one element (a logit, a probability, ...).
    x : tensor of shape (d,), floating point
    target : float
    lam : float > 0
    steps : int >= 1
    distance : {"l2", "mad_l1"}
    mad : tensor or array of shape (d,) with positive entries (only for ``"mad_l1"``)

    Returns
    -------
    tensor of shape (d,), detached
    """
    check_callable("model", model)
    x = _check_tensor("x", x, ndim=(1,)).detach()
    target = check_real("target", target)
    lam = check_real("lam", lam, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=1)
    distance = check_choice("distance", distance, ("l2", "mad_l1"))

    def smooth(z):
        return lam * (model(z[None, :]).reshape(()) - target) ** 2

    if distance == "l2":
        z = x.clone().requires_grad_(True)
        opt = torch.optim.LBFGS([z], lr=1.0, max_iter=steps, tolerance_grad=1e-14, tolerance_change=1e-16,
                                history_size=20, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = smooth(z) + ((z - x) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        return z.detach()

    if mad is None:
        raise ValueError("mad must be given (shape (d,), positive entries) when distance='mad_l1'")
    mad_arr = check_array("mad", mad.detach().numpy() if isinstance(mad, torch.Tensor) else mad,
                          shape=(x.shape[0],))
    if np.any(mad_arr <= 0):
        raise ValueError("mad must have positive entries (a feature with MAD 0 needs a floor)")
    scale = torch.as_tensor(mad_arr, dtype=x.dtype)

    # Work in MAD units, u = (x' - x) / MAD: the distance becomes the plain l1 norm of u, whose
    # proximal map is soft-thresholding, and the smooth term is better conditioned.
    def smooth_u(u):
        return smooth(x + scale * u)

    u, y, t, alpha = torch.zeros_like(x), torch.zeros_like(x), 1.0, 1.0
    for _ in range(steps):                            # FISTA (Beck and Teboulle 2009) with backtracking
        yg = y.clone().requires_grad_(True)
        fy = smooth_u(yg)
        (g,) = torch.autograd.grad(fy, yg)
        fy = float(fy.detach())
        while True:                                   # shrink the step until the quadratic model majorizes
            v = y - alpha * g
            cand = torch.sign(v) * torch.clamp(v.abs() - alpha, min=0.0)      # prox of alpha * ||.||_1
            step = cand - y
            with torch.no_grad():
                f_cand = float(smooth_u(cand))
            if f_cand <= fy + float(g @ step) + float(step @ step) / (2 * alpha) + 1e-15 or alpha < 1e-14:
                break
            alpha *= 0.5
        t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
        y = (cand + ((t - 1) / t_next) * (cand - u)).detach()
        u, t = cand.detach(), t_next
    return (x + scale * u).detach()
