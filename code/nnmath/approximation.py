r"""Universal approximation: constructive ReLU networks, depth separation, Barron rates.

The code of the chapter *Universal approximation*. Everything here is an explicit
construction whose error the chapter bounds, so every function can be checked
against its theorem.

- The tent map :math:`g(x) = 2\min(x, 1 - x) = 2\operatorname{relu}(x) - 4\operatorname{relu}(x - \tfrac12)`
  on :math:`[0, 1]` and its :math:`k`-fold composition, the sawtooth
  :math:`g_k = g \circ \dots \circ g`, which has :math:`2^k` linear pieces
  (:func:`tent`, :func:`sawtooth`, :func:`sawtooth_network`).
- Yarotsky's approximation of :math:`x^2` on :math:`[0, 1]`,

  .. math::  f_m(x) = x - \sum_{s=1}^{m} \frac{g_s(x)}{4^s}, \qquad
             \sup_{[0,1]} |f_m(x) - x^2| = 4^{-(m+1)},

  which is the piecewise-linear interpolant of :math:`x^2` on the grid
  :math:`2^{-m}\mathbb{Z}` (:func:`yarotsky_square`, :func:`yarotsky_network`), and from it
  products and polynomials (:func:`yarotsky_product`, :func:`yarotsky_polynomial`).
- The piecewise-linear interpolant of a function on a uniform grid, written exactly as a
  one-hidden-layer ReLU network (:func:`relu_interpolant`), a least-squares fit of the outer
  weights of such a network (:func:`shallow_lstsq_fit`), and a counter of the linear
  pieces of a one-dimensional piecewise-linear function (:func:`count_pieces`).
- Adversaries for the depth-separation bounds: best free-knot polygons found by dynamic
  programming (:func:`free_knot_l1_fit`), a network that follows the sawtooth
  (:func:`sawtooth_following`), and networks with nearly :math:`(m+1)^L` pieces
  (:func:`many_pieces_network`, :func:`many_pieces_count`).
- The bump functions of the lower bounds (:func:`bump`, :func:`sobolev_bumps`).
- Maurey's sampling of :math:`n` units from a network's representation
  :math:`f = \sum_j c_j \operatorname{relu}(\langle w_j, x\rangle + b_j)`, whose
  :math:`L^2` error decays like :math:`n^{-1/2}` in every dimension
  (:func:`barron_target`, :func:`maurey_sample`, :func:`maurey_errors`), on targets with
  planted directions (:func:`planted_ball`, :func:`planted_saddle_target`), against random
  features fitted by least squares (:func:`random_features_l2_error`); and the Taylor
  representation of a ridge function as an average of ReLU units (:func:`taylor_ridge_target`).

Networks are ``torch.nn.Sequential`` stacks of ``Linear`` and ``ReLU`` layers in float64 with
the weights set by hand; :func:`evaluate_network` runs one on a NumPy array.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch
from scipy.linalg import cho_factor, cho_solve, solve_banded
from torch import nn

from ._validate import check_array, check_callable, check_choice, check_int, check_layers, check_real, check_rng

__all__ = [
    "random_features_error",
    "ridge_network",
    "tent",
    "sawtooth",
    "sawtooth_network",
    "yarotsky_square",
    "yarotsky_network",
    "yarotsky_product",
    "yarotsky_polynomial",
    "network_from_weights",
    "evaluate_network",
    "relu_interpolant",
    "shallow_lstsq_fit",
    "count_pieces",
    "sawtooth_l1_lower_bound",
    "bump",
    "sobolev_bumps",
    "FreeKnotFit",
    "free_knot_l1_fit",
    "sawtooth_following",
    "many_pieces_network",
    "many_pieces_count",
    "BarronTarget",
    "barron_target",
    "maurey_variance",
    "maurey_sample",
    "maurey_errors",
    "taylor_ridge_target",
    "planted_ball",
    "planted_saddle_target",
    "random_features_l2_error",
]


# ----------------------------------------------------------------------------- helpers


def _check_depth(name: str, value) -> int:
    """Return a depth (a number of compositions) as an ``int >= 0``; anything else is a ValueError."""
    try:
        return check_int(name, value, minimum=0)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}") from None


def _unit_interval(name: str, x) -> np.ndarray:
    """Return ``x`` as a float array, checking that every entry lies in [0, 1]."""
    x = check_array(name, x)
    if np.any(x < 0.0) or np.any(x > 1.0):
        raise ValueError(f"{name} must have all entries in [0, 1], got values in [{x.min()}, {x.max()}]")
    return x


def network_from_weights(weights: Sequence, biases: Sequence) -> nn.Sequential:
    r"""Build the ReLU network :math:`x \mapsto A_L \operatorname{relu}(\cdots \operatorname{relu}(A_1 x + c_1) \cdots) + c_L`.

    Parameters
    ----------
    weights : list of arrays of shape (out, in)
        The matrices :math:`A_1, \dots, A_L`; consecutive shapes must chain.
    biases : list of arrays of shape (out,)
        The vectors :math:`c_1, \dots, c_L`.

    Returns
    -------
    torch.nn.Sequential
        ``Linear, ReLU, Linear, ReLU, ..., Linear`` in float64 with exactly these weights
        (a ReLU after every layer but the last).
    """
    layers: list[nn.Module] = []
    for A, c in zip(*check_layers(weights, biases)):
        lin = nn.Linear(A.shape[1], A.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(A))
            lin.bias.copy_(torch.from_numpy(c))
        layers += [lin, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def evaluate_network(net: nn.Module, x) -> np.ndarray:
    """Evaluate a network with one input and one output at the points ``x`` (shape (n,)); return shape (n,)."""
    x = check_array("x", x, ndim=1)
    with torch.no_grad():
        out = net(torch.from_numpy(x).reshape(-1, 1))
    return out.reshape(-1).numpy()


# ----------------------------------------------------------------------------- density


def random_features_error(f: Callable[[np.ndarray], np.ndarray], n: int,
                          activation: Callable[[np.ndarray], np.ndarray], *, scale: float = 4.0,
                          n_grid: int = 1001, seed) -> float:
    r"""Sup error on :math:`[-1, 1]` of a least-squares fit of ``f`` from :math:`\mathcal N_1(\sigma)` with ``n`` random units.

    Draw :math:`w_i, b_i \sim U[-s, s]` i.i.d. (:math:`s` = ``scale``), fit
    :math:`c_0 + \sum_{i=1}^n c_i \sigma(w_i x + b_i)` to ``f`` by least squares on ``n_grid``
    equispaced points of :math:`[-1, 1]`, and return :math:`\max_x |f(x) - \hat f(x)|` on those points.
    If :math:`\sigma` is a polynomial of degree :math:`r` the fit is a polynomial of degree :math:`\le r`,
    whatever ``n`` (the failure of density in the Leshno-Lin-Pinkus-Schocken theorem).
    """
    check_callable("f", f)
    n = check_int("n", n, minimum=1)
    check_callable("activation", activation)
    scale = check_real("scale", scale, minimum=0.0, strict=True)
    n_grid = check_int("n_grid", n_grid, minimum=2)
    rng = check_rng("seed", seed)
    w = rng.uniform(-scale, scale, n)
    b = rng.uniform(-scale, scale, n)
    x = np.linspace(-1.0, 1.0, n_grid)
    Phi = np.column_stack([np.ones_like(x), np.asarray(activation(np.outer(x, w) + b), dtype=float)])
    y = np.asarray(f(x), dtype=float)
    coef = np.linalg.lstsq(Phi, y, rcond=None)[0]
    return float(np.max(np.abs(Phi @ coef - y)))


def ridge_network(net: nn.Sequential, w) -> nn.Sequential:
    r"""Turn a network :math:`h` of one input into the ridge function :math:`x \mapsto h(\langle w, x\rangle)` of :math:`d` inputs.

    Only the first ``Linear`` layer changes: its weight :math:`A` (shape (width, 1)) becomes
    :math:`A w^\top`. This is the step from one to :math:`d` variables in the proof of density.
    """
    w = check_array("w", w, ndim=1)
    if not isinstance(net, nn.Sequential) or not isinstance(net[0], nn.Linear) or net[0].in_features != 1:
        raise ValueError("net must be a torch.nn.Sequential whose first layer is a Linear layer with one input")
    first = net[0]
    lin = nn.Linear(w.size, first.out_features, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(first.weight.detach().to(torch.float64) @ torch.from_numpy(w).reshape(1, -1))
        lin.bias.copy_(first.bias.detach())
    return nn.Sequential(lin, *list(net)[1:])


# ----------------------------------------------------------------------------- sawtooth


def tent(x) -> np.ndarray:
    r"""The tent map :math:`g(x) = 2x` on :math:`[0, \tfrac12]`, :math:`2(1 - x)` on :math:`[\tfrac12, 1]`.

    Equivalently :math:`g(x) = 2\operatorname{relu}(x) - 4\operatorname{relu}(x - \tfrac12)` for
    :math:`x \in [0, 1]`. ``x`` must lie in :math:`[0, 1]`.
    """
    x = _unit_interval("x", x)
    return 2.0 * np.minimum(x, 1.0 - x)


def sawtooth(x, k: int) -> np.ndarray:
    r"""The sawtooth :math:`g_k = g \circ \cdots \circ g` (:math:`k` times, :math:`g_0 = \mathrm{id}`).

    :math:`g_k` is continuous, has :math:`2^k` linear pieces on the intervals
    :math:`[j 2^{-k}, (j+1) 2^{-k}]`, and takes the value 0 at even and 1 at odd multiples
    of :math:`2^{-k}`. For :math:`k \ge 1`, :math:`g_k(x) = 2\operatorname{dist}(2^{k-1}x, \mathbb{Z})`.

    Parameters
    ----------
    x : array, entries in [0, 1]
    k : int, ``>= 0``
    """
    x = _unit_interval("x", x)
    k = _check_depth("k", k)
    y = x.copy()
    for _ in range(k):
        y = 2.0 * np.minimum(y, 1.0 - y)
    return y


def _tent_layer() -> tuple[np.ndarray, np.ndarray]:
    """First layer of the tent map: t -> (relu(t), relu(t - 1/2))."""
    return np.array([[1.0], [1.0]]), np.array([0.0, -0.5])


def sawtooth_network(k: int) -> nn.Sequential:
    r"""A ReLU network of depth :math:`k` and width 2 that computes :math:`g_k` exactly on :math:`[0, 1]`.

    Hidden layer :math:`s` holds :math:`(\operatorname{relu}(u), \operatorname{relu}(u - \tfrac12))`
    with :math:`u = g_{s-1}(x)`; the next layer reads :math:`g_s = 2\operatorname{relu}(u) - 4\operatorname{relu}(u - \tfrac12)`
    off them. So it has :math:`k` hidden layers, :math:`2k` units, and for :math:`k = 0` it is the identity.
    """
    k = _check_depth("k", k)
    if k == 0:
        return network_from_weights([np.eye(1)], [np.zeros(1)])
    A1, c1 = _tent_layer()
    read = np.array([[2.0, -4.0]])  # g = 2 relu(u) - 4 relu(u - 1/2)
    weights, biases = [A1], [c1]
    for _ in range(k - 1):
        weights.append(A1 @ read)  # the tent layer applied to g_s
        biases.append(c1.copy())
    weights.append(read)
    biases.append(np.zeros(1))
    return network_from_weights(weights, biases)


# ----------------------------------------------------------------------------- Yarotsky


def yarotsky_square(x, m: int) -> np.ndarray:
    r"""Yarotsky's approximation :math:`f_m(x) = x - \sum_{s=1}^{m} g_s(x) / 4^s` of :math:`x^2`.

    :math:`f_m` is the piecewise-linear interpolant of :math:`x^2` at the points
    :math:`j 2^{-m}`, so :math:`0 \le f_m(x) - x^2 \le 4^{-(m+1)}` on :math:`[0, 1]`, with
    equality on the right at the midpoints :math:`(j + \tfrac12) 2^{-m}`.

    Floating-point limit: in double precision the computed :math:`f_m(x)` and :math:`x^2` each
    carry a rounding error of up to about :math:`2^{-53}` (half a unit in the last place of numbers
    in :math:`[\tfrac12, 1]`), so the computed error :math:`f_m(x) - x^2` is only accurate to an
    absolute :math:`2^{-52}` or so. Relative to the bound :math:`4^{-(m+1)} = 2^{-2m-2}` this is
    :math:`2^{2m-50}`: about :math:`10^{-3}` at :math:`m = 20`, of order one at :math:`m = 25`.
    So for :math:`m \ge 20` the bound can only be checked up to an absolute tolerance of a few
    :math:`2^{-53}` (at the grid midpoints :math:`x^2` has :math:`2m + 2 \le 53` significant bits for
    :math:`m \le 25`, every step is exact and the equality holds exactly), and from
    :math:`m \approx 25` on the computed values say nothing about the bound at general points.
    Use exact rational arithmetic (:class:`fractions.Fraction`) beyond that.

    Parameters
    ----------
    x : array, entries in [0, 1]
    m : int, ``>= 0``
    """
    x = _unit_interval("x", x)
    m = _check_depth("m", m)
    f = x.copy()
    g = x.copy()
    for s in range(1, m + 1):
        g = 2.0 * np.minimum(g, 1.0 - g)  # g_s
        f = f - g / 4.0**s
    return f


def yarotsky_network(m: int) -> nn.Sequential:
    r"""A ReLU network of depth :math:`m` and width 3 that computes :math:`f_m` exactly on :math:`[0, 1]`.

    Hidden layer :math:`s` holds :math:`\operatorname{relu}(u), \operatorname{relu}(u - \tfrac12)` with
    :math:`u = g_{s-1}(x)` (so that :math:`g_s = 2\operatorname{relu}(u) - 4\operatorname{relu}(u - \tfrac12)`)
    and the running sum :math:`f_{s-1}(x) \ge 0`, which passes a ReLU unchanged. The output is
    :math:`f_m = f_{m-1} - g_m / 4^m`. For :math:`m = 0` it is the identity :math:`f_0(x) = x`.
    """
    m = _check_depth("m", m)
    if m == 0:
        return network_from_weights([np.eye(1)], [np.zeros(1)])
    weights = [np.array([[1.0], [1.0], [1.0]])]  # relu(x), relu(x - 1/2), relu(f_0) = x
    biases = [np.array([0.0, -0.5, 0.0])]
    for s in range(1, m):
        # from (a, b, f_{s-1}) with g_s = 2a - 4b: (relu(g_s), relu(g_s - 1/2), relu(f_{s-1} - g_s / 4^s))
        q = 4.0**-s
        weights.append(np.array([[2.0, -4.0, 0.0],
                                 [2.0, -4.0, 0.0],
                                 [-2.0 * q, 4.0 * q, 1.0]]))
        biases.append(np.array([0.0, -0.5, 0.0]))
    q = 4.0**-m
    weights.append(np.array([[-2.0 * q, 4.0 * q, 1.0]]))
    biases.append(np.zeros(1))
    return network_from_weights(weights, biases)


def yarotsky_product(x, y, m: int) -> np.ndarray:
    r"""Approximate :math:`xy` on :math:`[0,1]^2` by polarization: :math:`2 f_m(\tfrac{x+y}2) - \tfrac12 f_m(x) - \tfrac12 f_m(y)`.

    Exact for :math:`f_m(t) = t^2` since :math:`xy = 2(\tfrac{x+y}{2})^2 - \tfrac12 x^2 - \tfrac12 y^2`;
    with :math:`0 \le f_m - t^2 \le 4^{-(m+1)}` the error lies in
    :math:`[-4^{-(m+1)}, 2 \cdot 4^{-(m+1)}]`. ``x`` and ``y`` are arrays of the same shape in [0, 1].
    """
    x = _unit_interval("x", x)
    y = _unit_interval("y", y)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    m = _check_depth("m", m)
    return 2.0 * yarotsky_square((x + y) / 2.0, m) - 0.5 * yarotsky_square(x, m) - 0.5 * yarotsky_square(y, m)


def yarotsky_polynomial(x, coeffs, m: int) -> np.ndarray:
    r"""Approximate :math:`p(x) = \sum_{j} a_j x^j` on :math:`[0, 1]` with Yarotsky products.

    Powers are built by :math:`P_1 = x`, :math:`P_{j+1} = \operatorname{clip}_{[0,1]}(\text{product}(P_j, x))`,
    where the clip :math:`\min(\max(t, 0), 1) = \operatorname{relu}(t) - \operatorname{relu}(t - 1)` is itself a
    ReLU layer. Then :math:`|P_j - x^j| \le (j - 1)\, 2 \cdot 4^{-(m+1)}` and
    :math:`|\hat p - p| \le 2 \cdot 4^{-(m+1)} \sum_j |a_j| (j - 1)_+`.

    Parameters
    ----------
    x : array, entries in [0, 1]
    coeffs : array of shape (deg + 1,)
        :math:`a_0, a_1, \dots, a_{deg}`.
    m : int, ``>= 0``
    """
    x = _unit_interval("x", x)
    coeffs = check_array("coeffs", coeffs, ndim=1)
    if coeffs.size == 0:
        raise ValueError("coeffs must contain at least one coefficient")
    m = _check_depth("m", m)
    out = coeffs[0] * np.ones_like(x)
    power = x.copy()
    for j in range(1, coeffs.size):
        if j > 1:
            power = np.clip(yarotsky_product(power, x, m), 0.0, 1.0)
        out = out + coeffs[j] * power
    return out


# ----------------------------------------------------------------------------- one hidden layer


def _shallow_network(knots: np.ndarray, outer: np.ndarray, bias: float) -> nn.Sequential:
    r"""The network :math:`x \mapsto \text{bias} + \sum_i \text{outer}_i \operatorname{relu}(x - t_i)`."""
    n = knots.size
    return network_from_weights([np.ones((n, 1)), outer.reshape(1, n)], [-knots, np.array([bias])])


def _nodal_network(t: np.ndarray, values: np.ndarray) -> nn.Sequential:
    r"""The network of eq. (interpolant): the continuous piecewise-linear function with values ``values`` at the nodes ``t``.

    With slopes :math:`s_i = (v_{i+1} - v_i)/(t_{i+1} - t_i)` it is
    :math:`v_0 + s_0 \operatorname{relu}(x - t_0) + \sum_{i \ge 1} (s_i - s_{i-1}) \operatorname{relu}(x - t_i)`.
    """
    slopes = np.diff(values) / np.diff(t)
    outer = np.concatenate([slopes[:1], np.diff(slopes)])
    return _shallow_network(t[:-1], outer, float(values[0]))


def relu_interpolant(f: Callable[[np.ndarray], np.ndarray], n: int, a: float = 0.0, b: float = 1.0) -> nn.Sequential:
    r"""The piecewise-linear interpolant of ``f`` on a uniform grid, as a ReLU network with ``n`` hidden units.

    With :math:`h = (b - a)/n`, nodes :math:`t_i = a + i h` and slopes
    :math:`s_i = (f(t_{i+1}) - f(t_i))/h`, the interpolant is

    .. math::  I_n f(x) = f(t_0) + s_0 \operatorname{relu}(x - t_0)
               + \sum_{i=1}^{n-1} (s_i - s_{i-1}) \operatorname{relu}(x - t_i), \qquad x \in [a, b].

    It satisfies :math:`\lVert f - I_n f \rVert_\infty \le L h / 2` if ``f`` is
    :math:`L`-Lipschitz and :math:`\le h^2 \lVert f'' \rVert_\infty / 8` if ``f`` is :math:`C^2`.
    """
    check_callable("f", f)
    n = check_int("n", n, minimum=1)
    a = check_real("a", a)
    b = check_real("b", b)
    if not a < b:
        raise ValueError(f"a must be smaller than b, got a={a}, b={b}")
    t = np.linspace(a, b, n + 1)
    return _nodal_network(t, np.asarray(f(t), dtype=float))


def shallow_lstsq_fit(f: Callable[[np.ndarray], np.ndarray], n: int, *, n_grid: int = 2049) -> nn.Sequential:
    r"""Fit :math:`c + \sum_{i=0}^{n-1} a_i \operatorname{relu}(x - i/n)` to ``f`` on :math:`[0, 1]` by least squares.

    The knots :math:`i/n` are fixed and the outer weights minimize the squared error on ``n_grid``
    equispaced points of :math:`[0, 1]`. On :math:`[0, 1]` these networks are exactly the continuous
    functions that are affine on each cell :math:`[i/n, (i+1)/n]`, so the fit is computed in the
    well-conditioned basis of hat functions :math:`\max(0, 1 - |nx - i|)`, :math:`i = 0, \dots, n`,
    whose Gram matrix is tridiagonal, and its nodal values are converted to the network by
    eq. (interpolant). The result has ``n`` units, hence (counting lemma) at most :math:`n + 1` pieces.
    """
    check_callable("f", f)
    n = check_int("n", n, minimum=1)
    n_grid = check_int("n_grid", n_grid, minimum=2)
    x = np.linspace(0.0, 1.0, n_grid)
    y = np.asarray(f(x), dtype=float)
    j = np.minimum(np.floor(x * n).astype(int), n - 1)  # cell of each point
    lam = x * n - j  # x = (j + lam) / n: hat j has weight 1 - lam, hat j + 1 weight lam
    diag = np.bincount(j, (1 - lam) ** 2, n + 1) + np.bincount(j + 1, lam**2, n + 1)
    off = np.bincount(j, (1 - lam) * lam, n)
    rhs = np.bincount(j, (1 - lam) * y, n + 1) + np.bincount(j + 1, lam * y, n + 1)
    bands = np.zeros((3, n + 1))
    bands[0, 1:], bands[1], bands[2, :-1] = off, diag, off
    values = solve_banded((1, 1), bands, rhs)
    return _nodal_network(np.arange(n + 1) / n, values)


def count_pieces(f: Callable[[np.ndarray], np.ndarray], a: float = 0.0, b: float = 1.0, *,
                 n_grid: int = 2**16 + 1, rtol: float = 1e-7) -> int:
    r"""Count the linear pieces of a continuous piecewise-linear ``f`` on :math:`[a, b]`.

    ``f`` is evaluated on ``n_grid`` equispaced points. A node is a kink where consecutive slopes
    differ by more than ``rtol`` times :math:`\max(1, \max_i |\text{slope}_i|)` (so an absolute ``rtol`` for
    slopes below 1, a relative one above); a breakpoint inside a
    grid cell makes its two end nodes kinks, so each maximal run of adjacent kinks counts as one
    breakpoint. The answer is 1 + the number of breakpoints. It is exact when distinct breakpoints
    are more than two grid cells apart (for the sawtooth on a dyadic grid they are grid nodes).
    """
    check_callable("f", f)
    a = check_real("a", a)
    b = check_real("b", b)
    if not a < b:
        raise ValueError(f"a must be smaller than b, got a={a}, b={b}")
    n_grid = check_int("n_grid", n_grid, minimum=3)
    rtol = check_real("rtol", rtol, minimum=0.0)
    x = np.linspace(a, b, n_grid)
    slopes = np.diff(np.asarray(f(x), dtype=float)) / np.diff(x)
    scale = max(np.max(np.abs(slopes)), 1.0)
    kink = np.abs(np.diff(slopes)) > rtol * scale
    starts = kink & ~np.concatenate([[False], kink[:-1]])  # first node of each run of kinks
    return 1 + int(np.sum(starts))


def sawtooth_l1_lower_bound(k: int, pieces: int) -> float:
    r"""The lower bound :math:`\int_0^1 |g_k - h| \ge \dfrac{2^k - 2p - 2}{8 \cdot 2^k}` (clipped at 0).

    Valid for every continuous :math:`h` on :math:`[0, 1]` that is piecewise affine with at most
    :math:`p` = ``pieces`` pieces.
    """
    k = _check_depth("k", k)
    pieces = check_int("pieces", pieces, minimum=1)
    N = 2**k
    return max(0.0, (N - 2 * pieces - 2) / (8.0 * N))


def bump(t, order: int = 0) -> np.ndarray:
    r"""The bump :math:`\psi(t) = \exp\big(1 - 1/(1 - 4t^2)\big)` for :math:`|t| < \tfrac12`, 0 elsewhere, or a derivative.

    :math:`\psi` is :math:`C^\infty`, supported in :math:`[-\tfrac12, \tfrac12]`, with :math:`\psi(0) = 1`.
    With :math:`u = 1 - 4t^2` and :math:`\gamma = 1 - 1/u`: :math:`\psi' = \psi\gamma'`,
    :math:`\psi'' = \psi(\gamma'^2 + \gamma'')`, :math:`\gamma' = -8t/u^2`, :math:`\gamma'' = -8/u^2 - 128t^2/u^3`.
    ``order`` is 0, 1 or 2.
    """
    t = check_array("t", t)
    order = check_choice("order", order, (0, 1, 2))
    out = np.zeros_like(t)
    inside = np.abs(t) < 0.5
    ti = t[inside]
    u = 1.0 - 4.0 * ti**2
    psi = np.exp(1.0 - 1.0 / u)
    g1 = -8.0 * ti / u**2
    g2 = -8.0 / u**2 - 128.0 * ti**2 / u**3
    out[inside] = [psi, psi * g1, psi * (g1**2 + g2)][order]
    return out


@functools.lru_cache(maxsize=None)
def _bump_constant(r: int) -> float:
    r""":math:`c_\psi = 1 / \max_{j \le r} \lVert \psi^{(j)} \rVert_\infty`, the maxima taken on a fine grid."""
    t = np.linspace(-0.5, 0.5, 200001)
    return 1.0 / max(float(np.max(np.abs(bump(t, j)))) for j in range(r + 1))


def sobolev_bumps(x, a, r: int) -> np.ndarray:
    r"""The function :math:`f_a(x) = c_\psi N^{-r} \sum_{\alpha=0}^{N-1} a_\alpha\, \psi\big(N(x - x_\alpha)\big)` on :math:`[0, 1]`.

    Here :math:`N` = ``len(a)``, :math:`x_\alpha = (\alpha + \tfrac12)/N` and :math:`c_\psi` is as in
    :func:`_bump_constant`. For :math:`a \in [-1, 1]^N` the bumps have disjoint supports, so
    :math:`\lVert f_a^{(j)} \rVert_\infty \le c_\psi N^{j - r} \lVert \psi^{(j)} \rVert_\infty \le 1` for
    :math:`j \le r`: :math:`f_a` lies in the unit ball of :math:`W^{r,\infty}([0,1])`, and
    :math:`f_a(x_\alpha) = c_\psi N^{-r} a_\alpha` (the shattering lemma of the chapter, with
    :math:`d = 1`). ``r`` is 1 or 2.
    """
    x = _unit_interval("x", x)
    a = check_array("a", a, ndim=1)
    if a.size == 0 or np.any(np.abs(a) > 1.0):
        raise ValueError("a must be a non-empty array with entries in [-1, 1]")
    r = check_choice("r", r, (1, 2))
    N = a.size
    centers = (np.arange(N) + 0.5) / N
    return _bump_constant(r) * N ** (-float(r)) * (bump(N * (x[..., None] - centers)) @ a)


class FreeKnotFit(NamedTuple):
    r"""Best polygons with vertices on the graph of ``f`` (see :func:`free_knot_l1_fit`).

    ``errors[p - 1]`` is the smallest :math:`L^1` error found with at most ``p`` pieces;
    ``knots`` and ``values`` are the vertices of the best polygon with at most ``pieces`` pieces.
    """

    errors: np.ndarray
    knots: np.ndarray
    values: np.ndarray


def free_knot_l1_fit(f: Callable[[np.ndarray], np.ndarray], pieces: int, candidates, *,
                     levels=(), n_quad: int = 16) -> FreeKnotFit:
    r"""Best :math:`L^1` polygon with at most ``pieces`` pieces and free knots among ``candidates``.

    Among the continuous piecewise-affine functions on :math:`[c_0, c_G]` whose vertices sit at points
    of the sorted array ``candidates`` :math:`c_0 < \dots < c_G`, each with the value :math:`f(c_i)` or
    one of the constants in ``levels``, find for every :math:`p \le` ``pieces`` one minimizing
    :math:`\int |f - h|`, by dynamic programming over the last vertex:
    :math:`E_p(v) = \min_{u} E_{p-1}(u) + \mathrm{cost}(u, v)`, where :math:`\mathrm{cost}(u, v)` is the
    :math:`L^1` distance from ``f`` to the segment joining the vertices :math:`u` and :math:`v`, computed by
    the midpoint rule with ``n_quad`` points in each interval :math:`[c_i, c_{i+1}]`. The knots, their
    number and (within the allowed values) the values are free, so this is an adversarial
    (near-optimal) approximant for lower bounds such as eq. (l1-bound), not a fit with knots fixed in
    advance. A polygon with :math:`p` pieces is a one-hidden-layer ReLU network with :math:`p` units
    (eq. (interpolant)).
    """
    check_callable("f", f)
    pieces = check_int("pieces", pieces, minimum=1)
    c = check_array("candidates", candidates, ndim=1)
    if c.size < 2 or np.any(np.diff(c) <= 0):
        raise ValueError("candidates must be a strictly increasing array of at least 2 points")
    levels = check_array("levels", levels, ndim=1)
    n_quad = check_int("n_quad", n_quad, minimum=1)
    G, V = c.size - 1, 1 + levels.size
    val = np.column_stack([np.asarray(f(c), dtype=float), np.tile(levels, (G + 1, 1))])  # (G + 1, V)
    xq = c[:-1, None] + (np.arange(n_quad) + 0.5)[None, :] / n_quad * np.diff(c)[:, None]  # (G, n_quad)
    fq = np.asarray(f(xq.ravel()), dtype=float).reshape(G, n_quad)
    wq = np.diff(c)[:, None] / n_quad
    cost = np.full((G + 1, V, G + 1, V), np.inf)
    for i in range(G):
        j = np.arange(i + 1, G + 1)
        inside = (np.arange(i, G)[None, :] < j[:, None])[:, None, :]  # cells of [c_i, c_j], (len j, 1, G - i)
        for a in range(V):
            slope = (val[j] - val[i, a]) / (c[j] - c[i])[:, None]  # (len j, V)
            chord = val[i, a] + slope[:, :, None, None] * (xq[None, None, i:, :] - c[i])
            dev = np.sum(np.abs(fq[None, None, i:, :] - chord) * wq[None, None, i:, :], axis=3)
            cost[i, a, j, :] = np.sum(dev * inside, axis=2)
    S = (G + 1) * V
    cost = cost.reshape(S, S)
    best = np.full((pieces + 1, S), np.inf)
    arg = np.zeros((pieces + 1, S), dtype=int)
    best[0, :V] = 0.0  # start at c_0 with any allowed value
    for p in range(1, pieces + 1):
        total = best[p - 1][:, None] + cost
        arg[p] = np.argmin(total, axis=0)
        best[p] = total[arg[p], np.arange(S)]
    end = best[1:, G * V:]  # finish at c_G with any allowed value, (pieces, V)
    errors = np.minimum.accumulate(end.min(axis=1))
    p = int(np.flatnonzero(end.min(axis=1) <= errors[-1])[0]) + 1  # the fewest pieces reaching the best
    state = G * V + int(np.argmin(end[p - 1]))
    path = [state]
    for q in range(p, 0, -1):
        state = arg[q, state]
        path.append(state)
    path = np.array(path[::-1])
    return FreeKnotFit(errors, c[path // V], val.ravel()[path])


def sawtooth_following(k: int, n: int) -> nn.Sequential:
    r"""A one-hidden-layer network with ``n`` units that follows :math:`g_k` as long as it can.

    It equals :math:`g_k` on :math:`[0, (2q + 1)/2^{k+1}]` with :math:`q = n - 2` (the first
    :math:`q` cells of the sawtooth and half of the next, ending where :math:`g_k = \tfrac12`) and
    the constant :math:`\tfrac12` after that: :math:`n` pieces, so :math:`n` units by
    eq. (interpolant). Its :math:`L^1` distance to :math:`g_k` is exactly
    :math:`(2^{k+1} - 2n + 3)/2^{k+3}` for :math:`2 \le n \le 2^k + 1`: an explicit approximant
    against which the lower bound eq. (separation) is nearly tight for small ``n``.
    """
    k = _check_depth("k", k)
    N = 2**k
    n = check_int("n", n, minimum=2, maximum=N + 1)
    q = n - 2
    t = np.concatenate([np.arange(q + 1) / N, [(2 * q + 1) / (2 * N), 1.0]])
    v = np.concatenate([(np.arange(q + 1) % 2).astype(float), [0.5, 0.5]])
    return _nodal_network(t, v)


def many_pieces_network(m: int, L: int) -> nn.Sequential:
    r"""A network with one input and ``L`` hidden layers of width ``m`` with nearly :math:`(m+1)^L` pieces on :math:`[0, 1]`.

    Layers :math:`1, \dots, L-1` compose the zigzag :math:`z(u) = m u - \sum_{j=1}^{m-1} 2m(-1)^{j+1} \operatorname{relu}(u - j/m)`
    (the continuous function with values :math:`0, 1, 0, \dots` at :math:`j/m`, written as
    :math:`\sum_{j=0}^{m-1} \beta_j \operatorname{relu}(u - j/m)` with :math:`m` units), so
    :math:`u_{L-1} = z^{\circ (L-1)}(x)` has :math:`m^{L-1}` monotone pieces, each onto :math:`[0, 1]`.
    The last hidden layer holds :math:`\operatorname{relu}(u_{L-1} - j/(m+1))`, :math:`j = 1, \dots, m`,
    and the output is their sum, which has :math:`m + 1` pieces in :math:`u` (the first constant).
    The count is :func:`many_pieces_count`; its ratio to the bound :math:`(m+1)^L` of the counting
    lemma tends to 1 as :math:`m` grows, for fixed ``L``.
    """
    m = check_int("m", m, minimum=1)
    L = check_int("L", L, minimum=1)
    knots = np.arange(m) / m
    beta = np.concatenate([[float(m)], 2.0 * m * (-1.0) ** np.arange(1, m)])  # slopes m, -m, m, ...
    last = np.arange(1, m + 1) / (m + 1)
    weights, biases = [], []
    if L == 1:
        weights.append(np.ones((m, 1)))
        biases.append(-last)
    else:
        weights.append(np.ones((m, 1)))
        biases.append(-knots)
        for _ in range(L - 2):
            weights.append(np.ones((m, 1)) @ beta.reshape(1, m))
            biases.append(-knots)
        weights.append(np.ones((m, 1)) @ beta.reshape(1, m))
        biases.append(-last)
    weights.append(np.ones((1, m)))
    biases.append(np.zeros(1))
    return network_from_weights(weights, biases)


def many_pieces_count(m: int, L: int) -> int:
    r"""The number of pieces of :func:`many_pieces_network`: :math:`(m+1)m^{L-1} - \lfloor (m^{L-1} - 1)/2 \rfloor`.

    Each of the :math:`m^{L-1}` monotone pieces of :math:`u_{L-1}` carries the :math:`m + 1` pieces of
    the output in :math:`u`; at the :math:`\lfloor (m^{L-1} - 1)/2 \rfloor` turning points where
    :math:`u_{L-1} = 0` the two constant pieces on either side merge.
    """
    m = check_int("m", m, minimum=1)
    L = check_int("L", L, minimum=1)
    return (m + 1) * m ** (L - 1) - (m ** (L - 1) - 1) // 2


# ----------------------------------------------------------------------------- Barron / Maurey


class BarronTarget(NamedTuple):
    r"""A function :math:`f(x) = \sum_{j=1}^{M} c_j \operatorname{relu}(\langle w_j, x\rangle + b_j)` on the unit ball of :math:`\mathbb{R}^d`.

    Written as an expectation, :math:`f(x) = \lVert c \rVert_1 \, \mathbb{E}_J[\operatorname{sign}(c_J) \operatorname{relu}(\langle w_J, x\rangle + b_J)]`
    with :math:`P(J = j) = |c_j| / \lVert c \rVert_1`; its path norm
    :math:`\sum_j |c_j| (\lVert w_j \rVert + |b_j|)` bounds its Barron norm.
    """

    W: np.ndarray  # (M, d)
    b: np.ndarray  # (M,)
    c: np.ndarray  # (M,)

    def __call__(self, X) -> np.ndarray:
        X = check_array("X", X, ndim=2, shape=(None, self.W.shape[1]))
        return np.maximum(X @ self.W.T + self.b, 0.0) @ self.c

    @property
    def path_norm(self) -> float:
        r""":math:`\sum_j |c_j| (\lVert w_j \rVert_2 + |b_j|)`."""
        return float(np.sum(np.abs(self.c) * (np.linalg.norm(self.W, axis=1) + np.abs(self.b))))


def barron_target(d: int, M: int = 2000, *, positive: float = 0.75, seed) -> BarronTarget:
    r"""A random target with a known Barron representation in dimension ``d``.

    Draw :math:`M` units with :math:`u_j` uniform on the unit sphere, :math:`\beta_j \sim U[-1, 1]`,
    weights :math:`a_j = \varepsilon_j (1 + v_j) / M` with :math:`v_j \sim U[0, 1]` and signs
    :math:`\varepsilon_j = +1` with probability ``positive``, else :math:`-1`. By positive homogeneity of
    the ReLU each unit is rescaled to :math:`w_j = u_j / s_j`, :math:`b_j = \beta_j / s_j`,
    :math:`c_j = a_j s_j` with :math:`s_j = 1 + |\beta_j|`, which leaves :math:`f` unchanged and gives
    :math:`\lVert w_j \rVert + |b_j| = 1`: every unit is bounded by 1 on the unit ball and the path
    norm equals :math:`\lVert c \rVert_1`.
    """
    d = check_int("d", d, minimum=1)
    M = check_int("M", M, minimum=1)
    positive = check_real("positive", positive, minimum=0.0, maximum=1.0)
    rng = check_rng("seed", seed)
    W = rng.standard_normal((M, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    b = rng.uniform(-1.0, 1.0, M)
    c = np.where(rng.uniform(size=M) < positive, 1.0, -1.0) * (1.0 + rng.uniform(0.0, 1.0, M)) / M
    s = 1.0 + np.abs(b)
    return BarronTarget(W / s[:, None], b / s, c * s)


def maurey_variance(target: BarronTarget, X) -> float:
    r"""The constant :math:`\sigma^2 = \lVert c \rVert_1 \sum_j |c_j| \lVert \phi_j \rVert^2 - \lVert f \rVert^2` in :math:`L^2(P_X)`.

    Here :math:`\phi_j(x) = \operatorname{relu}(\langle w_j, x\rangle + b_j)` and :math:`P_X` is the
    empirical measure of the rows of ``X``. Maurey's sample :func:`maurey_sample` of size :math:`n`
    has :math:`\mathbb{E}\lVert f_n - f \rVert^2_{L^2(P_X)} = \sigma^2 / n` exactly, and
    :math:`\sigma^2 \le \lVert c \rVert_1^2 \max_j \lVert \phi_j \rVert^2_\infty - \lVert f \rVert^2`.
    """
    if not isinstance(target, BarronTarget):
        raise TypeError(f"target must be a BarronTarget, got {type(target).__name__}")
    X = check_array("X", X, ndim=2, shape=(None, target.W.shape[1]))
    phi = np.maximum(X @ target.W.T + target.b, 0.0)  # (N, M)
    norm1 = float(np.sum(np.abs(target.c)))
    second = norm1 * float(np.sum(np.abs(target.c) * np.mean(phi**2, axis=0)))
    return second - float(np.mean((phi @ target.c) ** 2))


def maurey_sample(target: BarronTarget, n: int, *, seed) -> BarronTarget:
    r"""Maurey's empirical approximation of ``target`` by ``n`` i.i.d. units.

    Draw :math:`J_1, \dots, J_n` i.i.d. with :math:`P(J = j) = |c_j| / \lVert c \rVert_1` and return
    :math:`f_n(x) = \frac{\lVert c \rVert_1}{n} \sum_{i=1}^n \operatorname{sign}(c_{J_i}) \operatorname{relu}(\langle w_{J_i}, x\rangle + b_{J_i})`,
    an unbiased estimate of :math:`f` with :math:`\mathbb{E}\lVert f_n - f \rVert_{L^2(P)}^2 = (\lVert c\rVert_1^2\, \mathbb{E}\lVert \phi_J\rVert^2 - \lVert f\rVert^2)/n`.
    """
    if not isinstance(target, BarronTarget):
        raise TypeError(f"target must be a BarronTarget, got {type(target).__name__}")
    n = check_int("n", n, minimum=1)
    rng = check_rng("seed", seed)
    norm1 = float(np.sum(np.abs(target.c)))
    J = rng.choice(target.c.size, size=n, p=np.abs(target.c) / norm1)
    return BarronTarget(target.W[J], target.b[J], np.sign(target.c[J]) * norm1 / n)


def maurey_errors(target: BarronTarget, ns, X, *, n_repeats: int = 8, seed) -> np.ndarray:
    r"""Root-mean-square :math:`L^2(P)` errors :math:`\big(\tfrac1R \sum_r \lVert f_n^{(r)} - f \rVert^2_{L^2(P_X)}\big)^{1/2}`.

    :math:`P_X` is the empirical measure of the rows of ``X`` (points of the unit ball); for each
    :math:`n` in ``ns``, ``n_repeats`` independent Maurey samples (as in :func:`maurey_sample`) are
    averaged. A sample depends on the draws :math:`J_1, \dots, J_n` only through their counts, so the
    counts are drawn directly from the multinomial law.
    Returns an array of the shape of ``ns``.
    """
    if not isinstance(target, BarronTarget):
        raise TypeError(f"target must be a BarronTarget, got {type(target).__name__}")
    ns = check_array("ns", ns, ndim=1, dtype=int)
    if ns.size == 0 or np.any(ns < 1):
        raise ValueError("ns must be a non-empty array of integers >= 1")
    X = check_array("X", X, ndim=2, shape=(None, target.W.shape[1]))
    if np.any(np.linalg.norm(X, axis=1) > 1.0 + 1e-12):
        raise ValueError("X must have its rows in the unit ball")
    n_repeats = check_int("n_repeats", n_repeats, minimum=1)
    rng = check_rng("seed", seed)
    phi = np.maximum(X @ target.W.T + target.b, 0.0)  # all M units at the points, (N, M)
    norm1 = float(np.sum(np.abs(target.c)))
    prob = np.abs(target.c) / norm1
    fX = phi @ target.c
    out = np.empty(ns.size)
    for i, n in enumerate(ns):
        # n i.i.d. draws of J are summarized by their counts, a Multinomial(n, prob) vector
        counts = rng.multinomial(int(n), prob, size=n_repeats)  # (R, M)
        fn = phi @ (counts * np.sign(target.c)).T * (norm1 / n)  # (N, R)
        out[i] = np.sqrt(np.mean((fn - fX[:, None]) ** 2))
    return out


def taylor_ridge_target(directions, h: Callable, dh: Callable, d2h: Callable, *, n_atoms: int = 2048) -> BarronTarget:
    r"""The function :math:`f(x) = \sum_j h(\langle u_j, x\rangle)` on the unit ball, written as a wide ReLU network.

    For :math:`h \in C^2([-1, 1])` and :math:`t \in [-1, 1]`, Taylor's formula with integral remainder reads

    .. math::  h(t) = h(-1) + h'(-1)(t + 1) + \int_{-1}^{1} h''(v) \operatorname{relu}(t - v)\, dv,

    and with :math:`t = \langle u, x\rangle`, :math:`\lVert u \rVert = 1`, every term is a ReLU unit:
    :math:`1 = \operatorname{relu}(\langle 0, x\rangle + 1)`, :math:`t + 1 = \operatorname{relu}(\langle u, x\rangle + 1)`
    on the ball. The integral is discretized by the midpoint rule with ``n_atoms`` nodes, and each unit is
    rescaled to :math:`\lVert w \rVert + |b| = 1` as in :func:`barron_target`. So the result is a
    :class:`BarronTarget` with :math:`2 + n_\text{atoms}` units per direction (a constant, a ramp and the
    atoms; the constants of all directions kept apart), equal to :math:`f` up to the quadrature error, with path norm
    :math:`\sum_j \big(|h(-1)| + 2|h'(-1)| + \int_{-1}^1 |h''(v)|(1 + |v|)\, dv\big)` up to the same error.

    Parameters
    ----------
    directions : array of shape (J, d)
        The unit vectors :math:`u_j` (rows), with :math:`\lvert \lVert u_j \rVert - 1 \rvert \le 10^{-12}`
        (an absolute tolerance for rounding only); anything else is a ValueError.
    h, dh, d2h : callables
        :math:`h`, :math:`h'` and :math:`h''`, vectorized.
    """
    U = check_array("directions", directions, ndim=2)
    if not np.allclose(np.linalg.norm(U, axis=1), 1.0, rtol=0.0, atol=1e-12):
        raise ValueError("directions must have rows of unit Euclidean norm")
    check_callable("h", h)
    check_callable("dh", dh)
    check_callable("d2h", d2h)
    n_atoms = check_int("n_atoms", n_atoms, minimum=1)
    v = -1.0 + (np.arange(n_atoms) + 0.5) * 2.0 / n_atoms  # midpoint nodes on [-1, 1]
    h_m1 = float(np.asarray(h(np.array([-1.0])))[0])
    dh_m1 = float(np.asarray(dh(np.array([-1.0])))[0])
    atoms = np.asarray(d2h(v), dtype=float) * 2.0 / n_atoms
    Ws, bs, cs = [], [], []
    d = U.shape[1]
    for u in U:
        # constant h(-1) = h(-1) relu(<0, x> + 1); ramp h'(-1) relu(<u, x> + 1) = 2 h'(-1) relu(<u/2, x> + 1/2)
        Ws += [np.zeros((1, d)), u[None, :] / 2.0, u[None, :] / (1.0 + np.abs(v))[:, None]]
        bs += [np.array([1.0]), np.array([0.5]), -v / (1.0 + np.abs(v))]
        cs += [np.array([h_m1]), np.array([2.0 * dh_m1]), atoms * (1.0 + np.abs(v))]
    return BarronTarget(np.vstack(Ws), np.concatenate(bs), np.concatenate(cs))


def planted_ball(n: int, frame, k: int, *, radius: float = 0.8, seed) -> np.ndarray:
    r"""Sample ``n`` points of the unit ball of :math:`\mathbb{R}^d` with :math:`O(1)` spread along ``k`` planted directions.

    With :math:`Q` = ``frame`` (an orthogonal :math:`d \times d` matrix whose first ``k`` columns are the
    planted directions; every entry of :math:`Q^\top Q - I` must be at most :math:`10^{-10}` in absolute
    value, a tolerance for rounding only, else ValueError), return :math:`x = Q(s, \xi)` with :math:`s`
    uniform on the ball of radius :math:`r` = ``radius`` in :math:`\mathbb{R}^k` and :math:`\xi` uniform on the ball of radius
    :math:`\sqrt{1 - r^2}` in :math:`\mathbb{R}^{d-k}`, independent; so :math:`\lVert x \rVert \le 1`, and a
    function of :math:`(\langle q_1, x\rangle, \dots, \langle q_k, x\rangle) = s` has the same law in every
    dimension :math:`d`.
    """
    n = check_int("n", n, minimum=1)
    Q = check_array("frame", frame, ndim=2)
    d = Q.shape[0]
    if Q.shape != (d, d) or not np.allclose(Q.T @ Q, np.eye(d), rtol=0.0, atol=1e-10):
        raise ValueError("frame must be an orthogonal square matrix")
    k = check_int("k", k, minimum=1, maximum=d)
    radius = check_real("radius", radius, minimum=0.0, maximum=1.0)
    rng = check_rng("seed", seed)

    def ball(dim: int, r: float) -> np.ndarray:
        if dim == 0:
            return np.zeros((n, 0))
        Z = rng.standard_normal((n, dim))
        Z /= np.linalg.norm(Z, axis=1, keepdims=True)
        return Z * r * rng.uniform(0.0, 1.0, (n, 1)) ** (1.0 / dim)

    return np.hstack([ball(k, radius), ball(d - k, float(np.sqrt(1.0 - radius**2)))]) @ Q.T


def planted_saddle_target(frame, *, n_atoms: int = 256, spread: float = 0.5) -> BarronTarget:
    r"""A Barron function of two planted directions with no affine part: :math:`f(x) = \psi(s_1) - \psi(s_2)`.

    With :math:`s_i = \langle q_i, x\rangle` for the first two columns :math:`q_1, q_2` of ``frame`` and
    :math:`V` uniform on :math:`[-\beta, \beta]` (:math:`\beta` = ``spread``),

    .. math::  \psi(t) = \mathbb{E}\big[\operatorname{relu}(t - V) + \operatorname{relu}(-t - V)\big],

    a smoothed :math:`|t|` (even, convex). The expectation is replaced by the midpoint rule with
    ``n_atoms`` nodes, so :math:`f` is an average of :math:`4 n_\text{atoms}` ReLU units, each rescaled to
    :math:`\lVert w \rVert + |b| = 1`; its path norm is :math:`4\,\mathbb{E}[1 + |V|] = 4 + 2\beta` up to the
    quadrature, whatever the dimension. Under :func:`planted_ball` the law of :math:`f(x)` does not depend
    on :math:`d` either, and :math:`f` has no linear part (it is even in :math:`s_1` and in :math:`s_2`).

    Layout of the result: four blocks of ``n_atoms`` units, for :math:`u = q_1, -q_1, q_2, -q_2` in this
    order; in each block unit :math:`i` is :math:`\pm\tfrac1n (1 + |v_i|)\operatorname{relu}\big((\langle u, x\rangle - v_i)/(1 + |v_i|)\big)`
    (sign :math:`+` for :math:`q_1`, :math:`-` for :math:`q_2`) at the midpoint nodes
    :math:`v_1 < \dots < v_n` of :math:`[-\beta, \beta]` in increasing order, so its kink is at
    :math:`\langle u, x\rangle = v_i`.
    """
    Q = check_array("frame", frame, ndim=2)
    if Q.shape[0] < 2 or Q.shape[1] < 2:
        raise ValueError("frame must have at least two rows and two columns")
    n_atoms = check_int("n_atoms", n_atoms, minimum=1)
    spread = check_real("spread", spread, minimum=0.0, maximum=1.0)
    v = -spread + (np.arange(n_atoms) + 0.5) * 2.0 * spread / n_atoms
    scale = 1.0 + np.abs(v)
    Ws, bs, cs = [], [], []
    for u, sign in [(Q[:, 0], 1.0), (-Q[:, 0], 1.0), (Q[:, 1], -1.0), (-Q[:, 1], -1.0)]:
        Ws.append(u[None, :] / scale[:, None])
        bs.append(-v / scale)
        cs.append(sign * scale / n_atoms)
    return BarronTarget(np.vstack(Ws), np.concatenate(bs), np.concatenate(cs))


def random_features_l2_error(X_train, y_train, X_test, y_test, n: int, *, seed) -> float:
    r"""Test :math:`L^2` error of a least-squares fit with ``n`` random ReLU features (a linear method).

    Draw :math:`w_i` uniform on the unit sphere of :math:`\mathbb{R}^d` and :math:`b_i \sim U[-1, 1]`
    independently of the target, fit :math:`c_0 + \sum_{i=1}^n c_i \operatorname{relu}(\langle w_i, x\rangle + b_i)`
    to ``y_train`` by least squares (normal equations with a relative ridge of :math:`10^{-10}`), and
    return the root mean square error on ``(X_test, y_test)``.
    The span of the features is fixed before the target is seen: this is the random-features
    (kernel) approximation, an :math:`(n+1)`-dimensional linear space, as opposed to choosing the
    units from the target as in :func:`maurey_sample`.
    """
    X_train = check_array("X_train", X_train, ndim=2)
    d = X_train.shape[1]
    y_train = check_array("y_train", y_train, ndim=1, shape=(X_train.shape[0],))
    X_test = check_array("X_test", X_test, ndim=2, shape=(None, d))
    y_test = check_array("y_test", y_test, ndim=1, shape=(X_test.shape[0],))
    n = check_int("n", n, minimum=1)
    rng = check_rng("seed", seed)
    W = rng.standard_normal((n, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    b = rng.uniform(-1.0, 1.0, n)

    def features(X: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(X.shape[0]), np.maximum(X @ W.T + b, 0.0)])

    # least squares through the normal equations, with a ridge of 1e-10 times the mean diagonal of the Gram
    # matrix so that the Cholesky factorization never fails on nearly collinear features
    A = features(X_train)
    G = A.T @ A
    G[np.diag_indices_from(G)] += 1e-10 * np.trace(G) / G.shape[0]
    coef = cho_solve(cho_factor(G), A.T @ y_train)
    return float(np.sqrt(np.mean((features(X_test) @ coef - y_test) ** 2)))
