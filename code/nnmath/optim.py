r"""First-order optimizers as pure gradient transformations.

The code of the chapters *Gradient methods* and *Adaptive methods*. Each optimizer is a
pair of pure functions in the style of optax's gradient transformations::

    opt = optim.adam(lr=1e-3)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = optim.apply_updates(params, updates)        # params + updates

``params`` and ``grads`` are NumPy arrays or (nested) dicts of them with the same keys and
shapes; ``state`` is a NamedTuple holding a step counter and buffers shaped like
``params``. Nothing is mutated: ``update`` returns fresh arrays.

Conventions follow ``torch.optim`` exactly (hyper-parameter names ``lr``, ``momentum``,
``dampening``, ``betas``, ``eps``, ``weight_decay``, ``alpha``, ``centered``; the order of
operations; where ``eps`` sits), so that every optimizer's iterates equal torch's in
float64 (``tests/test_optim.py`` checks this over 100 steps). The learning rate ``lr`` may
also be a schedule, a callable ``k -> lr_k`` of the step count ``k = 0, 1, 2, ...``.

In every formula below, :math:`g_k` is the gradient passed to ``update`` at step
:math:`k` plus :math:`\lambda x_k` when ``weight_decay`` :math:`\lambda > 0` (torch's L2
convention; :func:`adamw` decouples it instead), and all operations on vectors are
entrywise.

:func:`run` drives an optimizer on a gradient oracle and returns the iterates.
The test problems they are run on (quadratics, logistic regression, stochastic oracles) are in
:mod:`nnmath.problems`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, NamedTuple, Union

import numpy as np

from ._validate import check_array, check_callable, check_int, check_real

__all__ = [
    "Optimizer",
    "tree_map",
    "apply_updates",
    "gd",
    "sgd",
    "heavy_ball",
    "nesterov",
    "adagrad",
    "adagrad_norm",
    "rmsprop",
    "adam",
    "amsgrad",
    "adamw",
    "OPTIMIZERS",
    "run",
]

Tree = Union[np.ndarray, dict]
Schedule = Union[float, Callable[[int], float]]


class Optimizer(NamedTuple):
    """A gradient transformation: ``init(params) -> state``, ``update(grads, state, params) -> (updates, state)``."""

    init: Callable[[Tree], Any]
    update: Callable[[Tree, Any, Tree], tuple[Tree, Any]]


# ----------------------------------------------------------------------------- trees

def _structure(tree: Tree, name: str, path: str = "") -> Any:
    """The structure of a tree: nested dicts of leaf shapes."""
    if isinstance(tree, dict):
        return {k: _structure(v, name, f"{path}[{k!r}]") for k, v in sorted(tree.items(), key=lambda kv: str(kv[0]))}
    if isinstance(tree, (np.ndarray, numbers.Real)) and not isinstance(tree, (bool, np.bool_)):
        return np.shape(tree)
    raise TypeError(f"{name}{path} must be a NumPy array or a dict of arrays, got {type(tree).__name__}")


def _check_same_tree(name: str, tree: Tree, reference: Tree, ref_name: str = "params") -> None:
    """Raise if ``tree`` has not the keys and leaf shapes of ``reference``."""
    s, r = _structure(tree, name), _structure(reference, ref_name)
    if s != r:
        raise ValueError(f"{name} must have the structure (keys and shapes) of {ref_name}: got {s}, expected {r}")


def tree_map(f: Callable[..., np.ndarray], tree: Tree, *rest: Tree) -> Tree:
    """Apply ``f`` leaf by leaf to one or more trees of the same structure (arrays or nested dicts)."""
    if isinstance(tree, dict):
        return {k: tree_map(f, tree[k], *(r[k] for r in rest)) for k in tree}
    return f(tree, *rest)


def _as_float_tree(name: str, tree: Tree) -> Tree:
    _structure(tree, name)
    return tree_map(lambda a: check_array(name, a), tree)


def apply_updates(params: Tree, updates: Tree) -> Tree:
    """Return ``params + updates`` leaf by leaf."""
    _check_same_tree("updates", updates, params)
    return tree_map(lambda p, u: np.asarray(p, dtype=float) + u, params, updates)


# ----------------------------------------------------------------------------- argument checks

def _check_lr(lr: Schedule) -> Callable[[int], float]:
    """Turn ``lr`` (a number >= 0 or a schedule ``k -> lr_k``) into a function of the step count."""
    if callable(lr):
        def schedule(k: int) -> float:
            return check_real("lr", lr(k), minimum=0.0)
        return schedule
    value = check_real("lr", lr, minimum=0.0)
    return lambda k: value


def _check_betas(betas) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    b1 = check_real("betas[0]", betas[0], minimum=0.0, maximum=1.0)
    b2 = check_real("betas[1]", betas[1], minimum=0.0, maximum=1.0)
    if b1 >= 1.0 or b2 >= 1.0:
        raise ValueError(f"betas must lie in [0, 1), got {betas!r}")
    return b1, b2


def _unit(name: str, value) -> float:
    """A number in [0, 1)."""
    value = check_real(name, value, minimum=0.0)
    if value >= 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {value}")
    return value


def _decayed(grads: Tree, params: Tree, weight_decay: float) -> Tree:
    """The L2-regularized gradient g + weight_decay * x (torch's ``weight_decay``)."""
    if weight_decay == 0.0:
        return grads
    return tree_map(lambda g, p: g + weight_decay * p, grads, params)


def _checked(grads: Tree, params: Tree) -> Tree:
    _check_same_tree("grads", grads, params)
    return tree_map(lambda g: check_array("grads", g), grads)


def _lerp(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    """``(1 - w) a + w b`` by the two-branch formula of torch's ``lerp`` (exact at ``w = 0`` and ``w = 1``).

    torch's vectorized kernels may fuse the multiply-add, so the rounding can differ from torch's in the
    last bit; optimizer iterates agree with torch's to about 1e-12 relative, not bit for bit.
    """
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (1.0 - w)


def _zeros(params: Tree) -> Tree:
    return tree_map(lambda p: np.zeros(np.shape(p)), params)


# ----------------------------------------------------------------------------- gradient methods

class CountState(NamedTuple):
    """State of gradient descent: the step count only."""

    count: int


def gd(lr: Schedule, weight_decay: float = 0.0) -> Optimizer:
    r"""Gradient descent :math:`x_{k+1} = x_k - \eta_k g_k`.

    Parameters
    ----------
    lr : float >= 0, or callable ``k -> eta_k``
        The step size :math:`\eta` (:math:`1/L` for an :math:`L`-smooth function).
    weight_decay : float >= 0
        Adds :math:`\lambda x_k` to the gradient (torch's ``SGD(weight_decay=...)``).

    Equals ``torch.optim.SGD(params, lr, weight_decay=weight_decay)``.
    """
    lr_at = _check_lr(lr)
    wd = check_real("weight_decay", weight_decay, minimum=0.0)

    def init(params: Tree) -> CountState:
        _structure(params, "params")
        return CountState(0)

    def update(grads: Tree, state: CountState, params: Tree) -> tuple[Tree, CountState]:
        g = _decayed(_checked(grads, params), params, wd)
        eta = lr_at(state.count)
        return tree_map(lambda gi: -eta * gi, g), CountState(state.count + 1)

    return Optimizer(init, update)


def sgd(lr: Schedule, weight_decay: float = 0.0) -> Optimizer:
    r"""Stochastic gradient descent :math:`x_{k+1} = x_k - \eta_k g_k` with a stochastic gradient :math:`g_k`.

    The same map as :func:`gd`: what makes it stochastic is the gradient oracle, an unbiased
    estimate :math:`\E[g_k \mid x_k] = \nabla f(x_k)` (e.g. a mini-batch gradient or
    :func:`nnmath.problems.noisy_gradient`). Use a decreasing schedule ``lr = lambda k: c / (k + k0)`` for
    the :math:`O(1/k)` rate of the strongly convex case.
    """
    return gd(lr, weight_decay)


class MomentumState(NamedTuple):
    """State of the momentum methods: step count and momentum buffer :math:`b_k`."""

    count: int
    buf: Tree


def heavy_ball(lr: Schedule, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0) -> Optimizer:
    r"""Polyak's heavy ball :math:`x_{k+1} = x_k - \eta g_k + \beta (x_k - x_{k-1})`.

    Implemented in torch's buffer form

    .. math:: b_0 = g_0, \qquad b_k = \beta b_{k-1} + (1 - \tau) g_k, \qquad x_{k+1} = x_k - \eta_k b_k,

    with momentum :math:`\beta` and dampening :math:`\tau`; for :math:`\tau = 0` and a constant
    step it is exactly the heavy ball above (:math:`x_{k+1} - x_k = -\eta b_k`). Equals
    ``torch.optim.SGD(params, lr, momentum, dampening, weight_decay)``.
    """
    lr_at = _check_lr(lr)
    beta = _unit("momentum", momentum)
    tau = check_real("dampening", dampening, minimum=0.0, maximum=1.0)
    wd = check_real("weight_decay", weight_decay, minimum=0.0)

    def init(params: Tree) -> MomentumState:
        _structure(params, "params")
        return MomentumState(0, _zeros(params))

    def update(grads: Tree, state: MomentumState, params: Tree) -> tuple[Tree, MomentumState]:
        g = _decayed(_checked(grads, params), params, wd)
        if state.count == 0:
            buf = tree_map(np.array, g)          # torch: the first buffer is the gradient, undampened
        else:
            buf = tree_map(lambda b, gi: beta * b + (1.0 - tau) * gi, state.buf, g)
        eta = lr_at(state.count)
        return tree_map(lambda b: -eta * b, buf), MomentumState(state.count + 1, buf)

    return Optimizer(init, update)


def _convex_momentum(k: int) -> float:
    """Nesterov's schedule beta_k = (k - 1)/(k + 2) for k >= 1 (and beta_0 = 0)."""
    return max(k - 1, 0) / (k + 2)


def nesterov(lr: Schedule, momentum: float | str = 0.9, weight_decay: float = 0.0) -> Optimizer:
    r"""Nesterov's accelerated gradient, gradients taken at the extrapolated point.

    In the two-sequence form of the chapter, with :math:`y_0 = x_0`,

    .. math:: x_{k+1} = y_k - \eta \nabla f(y_k), \qquad y_{k+1} = x_{k+1} + \beta_{k+1} (x_{k+1} - x_k),

    and the *parameters are the points* :math:`y_k` *where the gradient is evaluated* (so
    :func:`run` returns :math:`y_0, y_1, \dots`; recover :math:`x_{k+1} = y_k - \eta\nabla f(y_k)`).
    With :math:`b_k = -(x_{k+1} - x_k)/\eta` this is the buffer form

    .. math:: b_k = \beta_k b_{k-1} + g_k, \qquad y_{k+1} = y_k - \eta_k (g_k + \beta_{k+1} b_k), \qquad b_{-1} = 0,

    which for a constant :math:`\beta` is ``torch.optim.SGD(params, lr, momentum=beta,
    nesterov=True, weight_decay=weight_decay)`` exactly.

    Parameters
    ----------
    lr : float >= 0, or callable
        Step :math:`\eta` (:math:`1/L` in the theorems).
    momentum : float in [0, 1) or ``"convex"``
        A constant :math:`\beta` (:math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)` for a
        :math:`\mu`-strongly convex function, :math:`\kappa = L/\mu`), or ``"convex"`` for
        the schedule :math:`\beta_k = (k-1)/(k+2)` of the :math:`O(1/k^2)` theorem.
    weight_decay : float >= 0
    """
    lr_at = _check_lr(lr)
    if isinstance(momentum, str):
        if momentum != "convex":
            raise ValueError(f"momentum must be a number in [0, 1) or 'convex', got {momentum!r}")
        beta_at = _convex_momentum
    else:
        beta = _unit("momentum", momentum)
        beta_at = lambda k: beta  # noqa: E731
    wd = check_real("weight_decay", weight_decay, minimum=0.0)

    def init(params: Tree) -> MomentumState:
        _structure(params, "params")
        return MomentumState(0, _zeros(params))

    def update(grads: Tree, state: MomentumState, params: Tree) -> tuple[Tree, MomentumState]:
        g = _decayed(_checked(grads, params), params, wd)
        k = state.count
        b_now, b_next, eta = beta_at(k), beta_at(k + 1), lr_at(k)
        buf = tree_map(lambda b, gi: b_now * b + gi, state.buf, g)
        updates = tree_map(lambda b, gi: -eta * (gi + b_next * b), buf, g)
        return updates, MomentumState(k + 1, buf)

    return Optimizer(init, update)


# ----------------------------------------------------------------------------- adaptive methods

class AdagradState(NamedTuple):
    """State of Adagrad: step count and the running sum of squared gradients :math:`s_k`."""

    count: int
    sum_sq: Tree


def adagrad(lr: Schedule = 1e-2, eps: float = 1e-10, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0) -> Optimizer:
    r"""Adagrad (diagonal): :math:`s_k = s_{k-1} + g_k^2`, :math:`x_{k+1} = x_k - \eta\, g_k / (\sqrt{s_k} + \epsilon)`.

    :math:`s_{-1}` is ``initial_accumulator_value``. Equals ``torch.optim.Adagrad(params, lr,
    lr_decay=0, weight_decay, initial_accumulator_value, eps)``.
    """
    lr_at = _check_lr(lr)
    eps = check_real("eps", eps, minimum=0.0)
    wd = check_real("weight_decay", weight_decay, minimum=0.0)
    s0 = check_real("initial_accumulator_value", initial_accumulator_value, minimum=0.0)

    def init(params: Tree) -> AdagradState:
        _structure(params, "params")
        return AdagradState(0, tree_map(lambda p: np.full(np.shape(p), s0), params))

    def update(grads: Tree, state: AdagradState, params: Tree) -> tuple[Tree, AdagradState]:
        g = _decayed(_checked(grads, params), params, wd)
        s = tree_map(lambda si, gi: si + gi * gi, state.sum_sq, g)
        eta = lr_at(state.count)
        updates = tree_map(lambda si, gi: -eta * (gi / (np.sqrt(si) + eps)), s, g)
        return updates, AdagradState(state.count + 1, s)

    return Optimizer(init, update)


def _sum_of_squares(tree: Tree) -> float:
    """:math:`\\lVert g \\rVert_2^2` over all leaves of a tree."""
    if isinstance(tree, dict):
        return sum(_sum_of_squares(v) for v in tree.values())
    return float(np.sum(np.square(tree)))


class AdagradNormState(NamedTuple):
    """State of AdaGrad-Norm: step count and the scalar accumulator :math:`b_k^2`."""

    count: int
    b_sq: float


def adagrad_norm(lr: Schedule = 1.0, b0: float = 1e-2) -> Optimizer:
    r"""AdaGrad-Norm (Ward, Wu and Bottou): one step size for all coordinates, from the gradient norms.

    .. math::  b_k^2 = b_{k-1}^2 + \lVert g_k \rVert_2^2, \qquad x_{k+1} = x_k - \frac{\eta}{b_k}\, g_k,

    with :math:`b_{-1} = b_0` (``b0``) and :math:`\lVert g_k \rVert_2` the Euclidean norm of the
    whole gradient (all leaves of the tree together). It is diagonal Adagrad with the
    preconditioner :math:`b_k I` instead of :math:`\operatorname{diag}(s_{k,i})`; for a single
    scalar parameter it equals ``torch.optim.Adagrad(params, lr, eps=0,
    initial_accumulator_value=b0**2)``. A step with :math:`b_k = 0` (only zero gradients so far,
    ``b0 = 0``) is 0.
    """
    lr_at = _check_lr(lr)
    b0 = check_real("b0", b0, minimum=0.0)

    def init(params: Tree) -> AdagradNormState:
        _structure(params, "params")
        return AdagradNormState(0, b0 * b0)

    def update(grads: Tree, state: AdagradNormState, params: Tree) -> tuple[Tree, AdagradNormState]:
        g = _checked(grads, params)
        b_sq = state.b_sq + _sum_of_squares(g)
        eta = lr_at(state.count)
        scale = eta / np.sqrt(b_sq) if b_sq > 0.0 else 0.0
        updates = tree_map(lambda gi: -scale * gi, g)
        return updates, AdagradNormState(state.count + 1, b_sq)

    return Optimizer(init, update)

class RMSpropState(NamedTuple):
    """State of RMSProp: count, mean square :math:`v_k`, mean gradient :math:`m_k` (centered), momentum buffer."""

    count: int
    square_avg: Tree
    grad_avg: Tree
    buf: Tree


def rmsprop(lr: Schedule = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False) -> Optimizer:
    r"""RMSProp: :math:`v_k = \alpha v_{k-1} + (1 - \alpha) g_k^2`, :math:`x_{k+1} = x_k - \eta\, g_k / (\sqrt{v_k} + \epsilon)`.

    With ``centered=True`` the denominator is :math:`\sqrt{v_k - m_k^2} + \epsilon` with
    :math:`m_k = \alpha m_{k-1} + (1-\alpha) g_k` (a variance instead of a second moment);
    with ``momentum`` :math:`\beta > 0`, :math:`b_k = \beta b_{k-1} + g_k / (\sqrt{v_k} + \epsilon)`
    and :math:`x_{k+1} = x_k - \eta b_k`. All buffers start at 0. Equals
    ``torch.optim.RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered)``.
    """
    lr_at = _check_lr(lr)
    alpha = _unit("alpha", alpha)
    eps = check_real("eps", eps, minimum=0.0)
    wd = check_real("weight_decay", weight_decay, minimum=0.0)
    beta = _unit("momentum", momentum)
    if not isinstance(centered, (bool, np.bool_)):
        raise TypeError(f"centered must be a bool, got {centered!r}")

    def init(params: Tree) -> RMSpropState:
        _structure(params, "params")
        return RMSpropState(0, _zeros(params), _zeros(params), _zeros(params))

    def update(grads: Tree, state: RMSpropState, params: Tree) -> tuple[Tree, RMSpropState]:
        g = _decayed(_checked(grads, params), params, wd)
        v = tree_map(lambda vi, gi: alpha * vi + (1.0 - alpha) * gi * gi, state.square_avg, g)
        if centered:
            m = tree_map(lambda mi, gi: _lerp(mi, gi, 1.0 - alpha), state.grad_avg, g)
            denom = tree_map(lambda vi, mi: np.sqrt(vi - mi * mi) + eps, v, m)
        else:
            m = state.grad_avg
            denom = tree_map(lambda vi: np.sqrt(vi) + eps, v)
        eta = lr_at(state.count)
        if beta > 0.0:
            buf = tree_map(lambda b, gi, d: beta * b + gi / d, state.buf, g, denom)
            updates = tree_map(lambda b: -eta * b, buf)
        else:
            buf = state.buf
            updates = tree_map(lambda gi, d: -eta * (gi / d), g, denom)
        return updates, RMSpropState(state.count + 1, v, m, buf)

    return Optimizer(init, update)


class AdamState(NamedTuple):
    """State of Adam: count, first moment :math:`m_k`, second moment :math:`v_k`, running max :math:`\\hat v_k`."""

    count: int
    exp_avg: Tree
    exp_avg_sq: Tree
    max_exp_avg_sq: Tree


def _adam(lr: Schedule, betas, eps: float, weight_decay: float, amsgrad: bool, decoupled: bool) -> Optimizer:
    lr_at = _check_lr(lr)
    b1, b2 = _check_betas(betas)
    eps = check_real("eps", eps, minimum=0.0)
    wd = check_real("weight_decay", weight_decay, minimum=0.0)

    def init(params: Tree) -> AdamState:
        _structure(params, "params")
        return AdamState(0, _zeros(params), _zeros(params), _zeros(params))

    def update(grads: Tree, state: AdamState, params: Tree) -> tuple[Tree, AdamState]:
        g = _checked(grads, params)
        t = state.count + 1
        eta = lr_at(state.count)
        if not decoupled:
            g = _decayed(g, params, wd)
        m = tree_map(lambda mi, gi: _lerp(mi, gi, 1.0 - b1), state.exp_avg, g)
        v = tree_map(lambda vi, gi: b2 * vi + (1.0 - b2) * gi * gi, state.exp_avg_sq, g)
        if amsgrad:
            vmax = tree_map(np.maximum, state.max_exp_avg_sq, v)
        else:
            vmax = state.max_exp_avg_sq
        bc1, bc2 = 1.0 - b1**t, np.sqrt(1.0 - b2**t)
        second = vmax if amsgrad else v
        step = tree_map(lambda mi, si: -(eta / bc1) * (mi / (np.sqrt(si) / bc2 + eps)), m, second)
        if decoupled and wd > 0.0:
            step = tree_map(lambda s, p: s - eta * wd * np.asarray(p, dtype=float), step, params)
        return step, AdamState(t, m, v, vmax)

    return Optimizer(init, update)


def adam(lr: Schedule = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0) -> Optimizer:
    r"""Adam with bias correction.

    .. math::
        m_k = \beta_1 m_{k-1} + (1-\beta_1) g_k, \quad v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k^2, \quad
        x_{k+1} = x_k - \frac{\eta}{1 - \beta_1^{k+1}} \, \frac{m_k}{\sqrt{v_k / (1 - \beta_2^{k+1})} + \epsilon},

    with :math:`m_{-1} = v_{-1} = 0` (the step count starts at :math:`k = 0`, torch's ``t = k + 1``).
    ``weight_decay`` is the L2 penalty added to the gradient (coupled; see :func:`adamw`).
    Equals ``torch.optim.Adam(params, lr, betas, eps, weight_decay)``.
    """
    return _adam(lr, betas, eps, weight_decay, amsgrad=False, decoupled=False)


def amsgrad(lr: Schedule = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0) -> Optimizer:
    r"""AMSGrad: Adam with the running maximum :math:`\hat v_k = \max(\hat v_{k-1}, v_k)` in the denominator.

    .. math:: x_{k+1} = x_k - \frac{\eta}{1 - \beta_1^{k+1}} \, \frac{m_k}{\sqrt{\hat v_k / (1 - \beta_2^{k+1})} + \epsilon}.

    This is torch's variant ``torch.optim.Adam(params, lr, betas, eps, weight_decay,
    amsgrad=True)``, which keeps the bias corrections; Reddi, Kale and Kumar's original
    has none (for :math:`\beta_1 = 0` the first correction is 1, and the second only rescales
    the step by :math:`1/\sqrt{1 - \beta_2^{k+1}} \to 1`).
    """
    return _adam(lr, betas, eps, weight_decay, amsgrad=True, decoupled=False)


def adamw(lr: Schedule = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
          amsgrad: bool = False) -> Optimizer:
    r"""AdamW: Adam with decoupled weight decay (Loshchilov and Hutter).

    .. math:: x_{k+1} = x_k - \eta \lambda x_k - \frac{\eta}{1 - \beta_1^{k+1}} \, \frac{m_k}{\sqrt{v_k / (1 - \beta_2^{k+1})} + \epsilon},

    where :math:`m_k, v_k` are Adam's moments of the *raw* gradient (the decay :math:`\lambda`
    does not enter them). Equals ``torch.optim.AdamW(params, lr, betas, eps, weight_decay, amsgrad)``.
    """
    if not isinstance(amsgrad, (bool, np.bool_)):
        raise TypeError(f"amsgrad must be a bool, got {amsgrad!r}")
    return _adam(lr, betas, eps, weight_decay, amsgrad=bool(amsgrad), decoupled=True)


#: Every optimizer of the module by name, so that tests can run over all of them.
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "sgd": sgd,
    "heavy_ball": heavy_ball,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "amsgrad": amsgrad,
    "adamw": adamw,
}


# ----------------------------------------------------------------------------- driver

def run(opt: Optimizer, grad_fn: Callable[[Tree], Tree], x0: Tree, steps: int) -> Tree:
    r"""Run ``steps`` updates of ``opt`` from ``x0`` with the gradient oracle ``grad_fn``; return the iterates.

    Computes :math:`x_{k+1} = x_k + u_k` with :math:`(u_k, s_{k+1}) = \text{update}(\text{grad\_fn}(x_k), s_k, x_k)`.

    Returns
    -------
    array of shape ``(steps + 1, *x0.shape)`` for array ``x0`` (row :math:`k` is :math:`x_k`), or a
    dict of such arrays for dict ``x0``.
    """
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be an Optimizer (e.g. optim.gd(lr=0.1)), got {type(opt).__name__}")
    check_callable("grad_fn", grad_fn)
    x = _as_float_tree("x0", x0)
    steps = check_int("steps", steps, minimum=0)
    state = opt.init(x)
    iterates = [x]
    for _ in range(steps):
        updates, state = opt.update(grad_fn(x), state, x)
        x = apply_updates(x, updates)
        iterates.append(x)
    return tree_map(lambda *xs: np.stack(xs), *iterates)
