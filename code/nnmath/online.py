r"""Online convex optimization: the protocol, regret, and the problems of the chapter *Adaptive methods*.

In online convex optimization a learner picks :math:`x_t` in a convex set
:math:`\mathcal X \subset \mathbb R^d`, then sees a convex loss :math:`f_t` and pays
:math:`f_t(x_t)`. Its regret against the best fixed point in hindsight is

.. math::  R_T = \sum_{t=1}^T f_t(x_t) - \min_{x \in \mathcal X} \sum_{t=1}^T f_t(x).

This module holds what the chapter needs besides the optimizers of :mod:`nnmath.optim`:

- :func:`run_projected`: the online loop :math:`x_{t+1} = \Pi_{\mathcal X}(x_t + u_t)` for a box
  :math:`\mathcal X`, with :math:`u_t` the update of an optimizer of :mod:`nnmath.optim`.
- :func:`linear_regret`: the regret :math:`R_1, \dots, R_T` of linear losses
  :math:`f_t(x) = \langle g_t, x\rangle` on a box, in closed form.
- :func:`adagrad_regret_bound`: the right-hand side of the diagonal Adagrad regret bound.
- :func:`adagrad_norm_bound`: the bound on AdaGrad-Norm's accumulator :math:`b_k` on an
  :math:`L`-smooth function (after Ward, Wu and Bottou, 2019).
- :func:`random_linear_problem`: random (optionally sparse, optionally non-zero-mean) linear losses.
- :func:`pushback_adversary`: an adaptive adversary that pushes every coordinate back across the
  centre of the box, the problem on which Adagrad's regret is half its bound.
- :func:`reddi_gradients`, :func:`reddi_losses`: the one-dimensional problem of Reddi, Kale and
  Kumar (2018) on which Adam converges to the worst point of :math:`[-1, 1]`;
  :func:`periodic_gradients`: its general periodic form (their synthetic experiment).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validate import check_array, check_callable, check_int, check_real, check_rng

__all__ = [
    "run_projected",
    "linear_regret",
    "adagrad_regret_bound",
    "adagrad_norm_bound",
    "random_linear_problem",
    "pushback_adversary",
    "reddi_gradients",
    "periodic_gradients",
    "reddi_losses",
]


def _check_box(lower, upper, d: int) -> tuple[np.ndarray, np.ndarray]:
    lower = np.broadcast_to(check_array("lower", lower, ndim=(0, 1)), (d,)).astype(float)
    upper = np.broadcast_to(check_array("upper", upper, ndim=(0, 1)), (d,)).astype(float)
    if np.any(lower >= upper):
        raise ValueError("lower must be < upper in every coordinate")
    return lower, upper


def run_projected(
    opt: Any,
    grad_fn: Callable[[int, np.ndarray], np.ndarray],
    x0,
    steps: int,
    *,
    lower=-1.0,
    upper=1.0,
    return_grads: bool = False,
):
    r"""Run an optimizer online with projection onto the box :math:`[\text{lower}, \text{upper}]`.

    For :math:`t = 1, \dots, T` (``T = steps``): the loss of round :math:`t` reveals
    :math:`g_t = \text{grad\_fn}(t, x_t)`, the optimizer returns its update :math:`u_t`
    (``opt.update(g_t, state, x_t)``), and

    .. math::  x_{t+1} = \Pi(x_t + u_t), \qquad \Pi(y)_i = \min(\max(y_i, \ell_i), h_i).

    For a diagonal preconditioner
    :math:`H`, the projection in the norm :math:`\lVert z \rVert_H^2 = z^\top H z` onto a box is
    coordinatewise clipping (the problem decouples), so clipping is the projection that
    Adagrad, RMSProp, Adam and AMSGrad prescribe. A decreasing step such as
    :math:`\alpha_t = \alpha/\sqrt t` is the optimizer's schedule, ``lr=lambda k: alpha / np.sqrt(k + 1)``
    (:mod:`nnmath.optim` counts steps from :math:`k = 0 = t - 1`).

    Parameters
    ----------
    opt : an optimizer of :mod:`nnmath.optim` (``init``, ``update``)
    grad_fn : callable ``(t, x) -> g`` with ``t`` counted from 1
    x0 : float or array of shape (d,), inside the box
    steps : int, ``>= 0``
    lower, upper : float or array of shape (d,)
    return_grads : bool
        also return the gradients :math:`g_1, \dots, g_T` (needed when ``grad_fn`` is an adaptive
        adversary whose gradients depend on the iterates)

    Returns
    -------
    ndarray of shape (steps + 1, d): the iterates :math:`x_1, \dots, x_{T+1}` (row 0 is :math:`x_1 = x_0`);
    with ``return_grads``, the pair ``(X, G)`` with ``G`` of shape (steps, d).
    """
    check_callable("grad_fn", grad_fn)
    x = np.atleast_1d(check_array("x0", x0, ndim=(0, 1))).astype(float)
    steps = check_int("steps", steps, minimum=0)
    lo, hi = _check_box(lower, upper, x.shape[0])
    if np.any(x < lo) or np.any(x > hi):
        raise ValueError("x0 must lie in the box [lower, upper]")
    if not isinstance(return_grads, (bool, np.bool_)):
        raise TypeError(f"return_grads must be a bool, got {return_grads!r}")
    xs = np.empty((steps + 1, x.shape[0]))
    gs = np.empty((steps, x.shape[0]))
    xs[0] = x
    state = opt.init(x)
    for t in range(1, steps + 1):
        g = np.asarray(grad_fn(t, x.copy()), dtype=float).reshape(x.shape)
        gs[t - 1] = g
        u, state = opt.update(g, state, x.copy())
        x = np.clip(x + np.asarray(u, dtype=float), lo, hi)
        xs[t] = x
    return (xs, gs) if return_grads else xs


def linear_regret(G, X, *, lower=-1.0, upper=1.0) -> np.ndarray:
    r"""Regret :math:`R_1, \dots, R_T` of the linear losses :math:`f_t(x) = \langle g_t, x\rangle` on a box.

    .. math::  R_T = \sum_{t \le T} \langle g_t, x_t \rangle - \min_{x \in [\ell, h]} \langle S_T, x \rangle,
               \qquad S_T = \sum_{t \le T} g_t,

    and the minimum over the box is :math:`\sum_i \min(S_{T,i}\ell_i, S_{T,i} h_i)` (a vertex).

    Parameters
    ----------
    G : array of shape (T, d), row ``t - 1`` is :math:`g_t`
    X : array of shape (T, d) or (T + 1, d), row ``t - 1`` is :math:`x_t` (a last extra row is ignored)

    Returns
    -------
    ndarray of shape (T,)
    """
    G = check_array("G", G, ndim=2)
    X = check_array("X", X, ndim=2)
    T, d = G.shape
    if X.shape[1] != d or X.shape[0] not in (T, T + 1):
        raise ValueError(f"X must have shape ({T}, {d}) or ({T + 1}, {d}), got {X.shape}")
    lo, hi = _check_box(lower, upper, d)
    paid = np.cumsum(np.sum(G * X[:T], axis=1))
    S = np.cumsum(G, axis=0)
    best = np.sum(np.minimum(S * lo, S * hi), axis=1)
    return paid - best


def adagrad_regret_bound(G, *, diameter: float, lr: float, eps: float = 0.0) -> np.ndarray:
    r"""The diagonal Adagrad regret bound for :math:`T = 1, \dots, T_{\max}`.

    .. math::  R_T \le \Big(\frac{D_\infty^2}{2\eta} + \eta\Big) \sum_{i=1}^d \lVert g_{1:T,i} \rVert_2
               + \frac{d\,\delta\, D_\infty^2}{2\eta},

    where :math:`\lVert g_{1:T,i}\rVert_2 = (\sum_{t \le T} g_{t,i}^2)^{1/2}`, :math:`D_\infty`
    (``diameter``) bounds :math:`\lVert x - y\rVert_\infty` on the feasible set, :math:`\eta` is the
    learning rate and :math:`\delta` (``eps``) the constant added to the root of the accumulator.

    Parameters
    ----------
    G : array of shape (T, d), the gradients :math:`g_t` row by row
    diameter : float, ``> 0``
    lr : float, ``> 0``
    eps : float, ``>= 0``

    Returns
    -------
    ndarray of shape (T,)
    """
    G = check_array("G", G, ndim=2)
    D = check_real("diameter", diameter, minimum=0.0, strict=True)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    eps = check_real("eps", eps, minimum=0.0)
    col_norms = np.sqrt(np.cumsum(G**2, axis=0)).sum(axis=1)
    return (D**2 / (2 * lr) + lr) * col_norms + G.shape[1] * eps * D**2 / (2 * lr)


def adagrad_norm_bound(*, L: float, lr: float, b0: float, gap: float) -> float:
    r"""An upper bound :math:`B` on every accumulator :math:`b_k` of AdaGrad-Norm on an :math:`L`-smooth function.

    With :math:`\eta` = ``lr``, :math:`\Delta_0` = ``gap`` :math:`\ge F(x_0) - \inf F`:

    .. math::  B = b_0 + \frac{2\Delta_0}{\eta} \quad \text{if } b_0 \ge \eta L, \qquad
               B = \max\Big(\eta L,\; c + \frac{2\tilde\Delta}{\eta}\Big) \quad \text{otherwise},

    where, with :math:`\ell = \log(\eta L / b_0)`, :math:`c^2 = (\eta L)^2 + 2L(\Delta_0 + \eta^2 L \ell)` and
    :math:`\tilde\Delta = \Delta_0 + \tfrac12 \eta^2 L (1 + 2\ell)`. Then
    :math:`\sum_k \lVert \nabla F(x_k) \rVert^2 \le B^2 - b_0^2` (the theorem of the chapter).

    Parameters
    ----------
    L, lr, b0 : float, ``> 0``
    gap : float, ``>= 0``
    """
    L = check_real("L", L, minimum=0.0, strict=True)
    eta = check_real("lr", lr, minimum=0.0, strict=True)
    b0 = check_real("b0", b0, minimum=0.0, strict=True)
    gap = check_real("gap", gap, minimum=0.0)
    if b0 >= eta * L:
        return b0 + 2.0 * gap / eta
    ell = np.log(eta * L / b0)
    c = np.sqrt((eta * L) ** 2 + 2.0 * L * (gap + eta**2 * L * ell))
    return float(max(eta * L, c + 2.0 * (gap + 0.5 * eta**2 * L * (1.0 + 2.0 * ell)) / eta))


def random_linear_problem(T: int, d: int, *, decay: float = 0.0, mean=0.0, seed) -> np.ndarray:
    r"""Random gradients of linear losses, sparse when ``decay > 0``, biased when ``mean != 0``.

    Entry :math:`g_{t,i} = b_{t,i}\, (\mu_i + \xi_{t,i})` with :math:`\xi_{t,i} \sim U[-1, 1]` and
    :math:`b_{t,i} \sim \text{Bernoulli}(p_i)`, :math:`p_i = i^{-\text{decay}}` (coordinate
    :math:`i = 1, \dots, d`), all independent, and :math:`\mu` = ``mean``. ``decay = 0`` gives dense
    gradients; a larger decay makes late coordinates rarely active, the regime where Adagrad's bound
    beats a single step size. With ``mean = 0`` the losses are zero-mean and every learner has regret
    of order :math:`\sqrt T` (the best vertex in hindsight profits from the fluctuations); with
    :math:`\mu_i \ne 0` the best vertex is :math:`-\operatorname{sign}(\mu)` in the long run and a learner
    that does not move towards it has linear regret.

    Parameters
    ----------
    T, d : int, ``>= 1``
    decay : float, ``>= 0``
    mean : float or array of shape (d,)
    seed : int or numpy Generator

    Returns
    -------
    ndarray of shape (T, d)
    """
    T = check_int("T", T, minimum=1)
    d = check_int("d", d, minimum=1)
    decay = check_real("decay", decay, minimum=0.0)
    mu = np.broadcast_to(check_array("mean", mean, ndim=(0, 1)), (d,)).astype(float)
    rng = check_rng("seed", seed)
    p = np.arange(1, d + 1, dtype=float) ** (-decay)
    active = rng.random((T, d)) < p
    return active * (mu + rng.uniform(-1.0, 1.0, size=(T, d)))


def pushback_adversary(magnitudes, *, centre=0.0) -> Callable[[int, np.ndarray], np.ndarray]:
    r"""An adaptive adversary that pushes every coordinate back across the centre of the box.

    Round :math:`t` reveals the gradient

    .. math::  g_{t,i} = c_{t,i}\, \sigma(x_{t,i} - z_i), \qquad \sigma(u) = +1 \text{ if } u \ge 0,
               \ -1 \text{ otherwise},

    where :math:`c_{t,i} \ge 0` is ``magnitudes[t - 1, i]`` and :math:`z` the centre: the loss
    :math:`\langle g_t, x\rangle` always prefers the other side of the centre. A learner that does
    not move pays :math:`\sum_t \lVert c_t\rVert_1` against a best point in hindsight at a vertex,
    so it has linear regret; a learner that moves pays for its oscillation around the centre.
    On this problem the regret of Adagrad is close to half its bound.

    Parameters
    ----------
    magnitudes : array of shape (T, d), entries ``>= 0`` (for instance ``abs`` of
        :func:`random_linear_problem`, to make them random and sparse)
    centre : float or array of shape (d,)

    Returns
    -------
    callable ``(t, x) -> g`` for :func:`run_projected` (with ``return_grads=True``), ``t = 1, ..., T``.
    """
    M = check_array("magnitudes", magnitudes, ndim=2)
    if np.any(M < 0):
        raise ValueError("magnitudes must be >= 0")
    z = np.broadcast_to(check_array("centre", centre, ndim=(0, 1)), (M.shape[1],)).astype(float)

    def grad(t: int, x: np.ndarray) -> np.ndarray:
        return M[t - 1] * np.where(np.asarray(x) >= z, 1.0, -1.0)

    return grad


def periodic_gradients(t, *, large: float, small: float, period: int) -> np.ndarray:
    r"""Slopes of periodic linear losses: :math:`f_t'(x) = ` ``large`` if :math:`t \equiv 1 \pmod{\text{period}}`, else ``-small``.

    :func:`reddi_gradients` is the case ``period = 3``, ``small = 1``; the synthetic experiment of
    Reddi, Kale and Kumar (2018) uses ``large = 1010``, ``small = 10``, ``period = 101``. Over a period
    the loss is :math:`(\text{large} - (\text{period} - 1)\,\text{small})\,x`, so if this is positive
    the best point of :math:`[-1, 1]` is :math:`-1`.

    Parameters
    ----------
    t : int or array of ints, ``>= 1``
    large, small : float, ``> 0``
    period : int, ``>= 2``
    """
    t = np.asarray(t)
    if t.dtype.kind not in "iu" or np.any(t < 1):
        raise ValueError("t must be an integer (array) >= 1")
    large = check_real("large", large, minimum=0.0, strict=True)
    small = check_real("small", small, minimum=0.0, strict=True)
    period = check_int("period", period, minimum=2)
    return np.where(t % period == 1, large, -small)


def reddi_gradients(t, C: float) -> np.ndarray:
    r"""Gradients of the Reddi–Kale–Kumar losses: :math:`f_t'(x) = C` if :math:`t \equiv 1 \pmod 3`, else :math:`-1`.

    The losses are :math:`f_t(x) = C x` for :math:`t \bmod 3 = 1` and :math:`f_t(x) = -x` otherwise,
    on :math:`[-1, 1]`, with :math:`C > 2`; rounds are counted from :math:`t = 1`. Over a cycle of
    three rounds the loss is :math:`(C - 2)x`, so :math:`x = -1` is the best fixed point.

    Parameters
    ----------
    t : int or array of ints, ``>= 1``
    C : float, ``> 2``
    """
    t = np.asarray(t)
    if t.dtype.kind not in "iu" or np.any(t < 1):
        raise ValueError("t must be an integer (array) >= 1")
    C = check_real("C", C, minimum=2.0, strict=True)
    return np.where(t % 3 == 1, C, -1.0)


def reddi_losses(x, C: float) -> np.ndarray:
    r"""The losses :math:`f_t(x_t)`, :math:`t = 1, \dots, T`, paid by iterates ``x`` of shape (T,) or (T, 1)."""
    x = check_array("x", x, ndim=(1, 2)).reshape(-1)
    return reddi_gradients(np.arange(1, x.shape[0] + 1), C) * x
