r"""Initialization and signal propagation in deep random networks.

The code of the chapter *Initialization and signal propagation*. A fully connected
network of depth :math:`L` with widths :math:`n_0, n_1, \dots, n_L` computes

.. math::  h_0 = x, \qquad z_\ell = W_\ell h_{\ell-1} + b_\ell, \qquad h_\ell = \phi(z_\ell),

with :math:`W_\ell \in \mathbb{R}^{n_\ell \times n_{\ell-1}}`. At initialization the
entries of :math:`W_\ell` are i.i.d. with mean 0 and variance :math:`\sigma_w^2/n_{\ell-1}`
and those of :math:`b_\ell` are i.i.d. :math:`N(0, \sigma_b^2)`.

Initializers (arrays of shape ``(fan_out, fan_in)``, like ``torch.nn.Linear.weight``):

- :func:`naive_uniform`: :math:`U[-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}}]`, variance :math:`1/(3 n_{in})`;
- :func:`glorot_uniform`: :math:`U[-a, a]`, :math:`a = \sqrt{6/(n_{in} + n_{out})}`, variance
  :math:`2/(n_{in} + n_{out})`;
- :func:`lecun_normal`: :math:`N(0, 1/n_{in})` (LeCun et al., 1998);
- :func:`he_normal`: :math:`N(0, 2/n_{in})`;
- :func:`orthogonal`: a Haar-distributed (semi-)orthogonal matrix times a gain (Saxe et al., 2014).

Mean-field maps (infinite width), with :math:`z \sim N(0, 1)`:

.. math::  \mathcal{V}(q) = \sigma_w^2\, \mathbb{E}[\phi(\sqrt{q} z)^2] + \sigma_b^2

(the length map, :func:`length_map`), its fixed point :math:`q^*` (:func:`fixed_point_q`), the correlation map
:math:`\mathcal{C}(c) = (\sigma_w^2 \mathbb{E}[\phi(u_1)\phi(u_2)] + \sigma_b^2)/q^*` for a
centred Gaussian pair with variances :math:`q^*` and correlation :math:`c`
(:func:`correlation_map`), its slope at :math:`c = 1`,
:math:`\chi_1 = \sigma_w^2 \mathbb{E}[\phi'(\sqrt{q^*} z)^2]` (:func:`chi1`), and three depth
scales: :math:`\xi_c = -1/\log \chi_c` of correlations (:func:`depth_scale`),
:math:`\xi_q = -1/\log \mathcal{V}'(q^*)` of lengths (:func:`length_depth_scale`, with the slope
:math:`\mathcal{V}'(q)` from :func:`length_map_slope`) and :math:`\xi_\nabla = 1/\lvert\log\chi_1\rvert`
of gradients (:func:`gradient_depth_scale`).

Gaussian expectations are computed by Gauss–Hermite quadrature with
:data:`N_NODES` nodes of the probabilists' Hermite polynomials
(``numpy.polynomial.hermite_e.hermegauss``), a rule that is exact for polynomials of
degree :math:`< 2 \cdot` ``N_NODES``. For the smooth activation ``"tanh"`` and
:math:`q \le 3` the relative error against adaptive quadrature is below :math:`10^{-9}` for
:math:`\mathbb{E}\tanh^2(\sqrt q z)` and below :math:`10^{-7}` for
:math:`\mathbb{E}\tanh'(\sqrt q z)^2` (the test suite checks this); it grows with :math:`q`
(about :math:`10^{-5}` and :math:`10^{-3}` at :math:`q = 10`), because the poles of tanh at
:math:`\pm i\pi/(2\sqrt q)` approach the real axis. For ``"relu"`` the closed forms
:math:`\mathbb{E}[\mathrm{relu}(\sqrt{q} z)^2] = q/2`,
:math:`\mathbb{E}[\mathbf{1}\{z > 0\}] = 1/2` and the arc-cosine kernel
:math:`\mathbb{E}[\mathrm{relu}(u_1)\mathrm{relu}(u_2)] = \tfrac{q}{2\pi}(\sqrt{1-c^2} + (\pi - \arccos c)\, c)`
are used instead; the kink of the ReLU slows quadrature down to an algebraic rate.

``phi`` is ``"tanh"``, ``"relu"``, a callable :math:`\phi` (acting elementwise on NumPy
arrays) or a pair ``(phi, dphi)`` of callables. For a single callable the derivative
needed by :func:`chi1` and :func:`depth_scale` is computed by central differences with
step ``1e-5`` (relative error about :math:`10^{-10}` for smooth :math:`\phi`); pass the
pair when the exact derivative is known.

Finite width: :func:`simulate` runs many independent random networks at once (a 3-D
batch of weight matrices) and records squared norms layer by layer;
:func:`relu_log_norm_variance` and :func:`relu_log_norm_mean` are the exact variance and
mean of :math:`\log\lVert h_L\rVert^2` of a Gaussian He-initialized ReLU network, whose
first-order terms are :math:`5 \sum_\ell 1/n_\ell` and :math:`-\tfrac52 \sum_\ell 1/n_\ell`
(Hanin and Rolnick, 2018; Hanin and Nica, 2020). :func:`jacobian_singular_values` returns the
singular values of the input–output Jacobian of one random network (Gaussian or orthogonal
weights) and :func:`linear_jacobian_moments` the exact first two spectral moments of a deep
Gaussian linear network. :func:`train_two_layer` runs plain gradient descent on a two-layer tanh
network from given weights (the symmetry-breaking demonstration), and :func:`train_classifier` trains
a deep tanh network from a given :math:`(\sigma_w^2, \sigma_b^2)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy import optimize, special, stats

from ._validate import check_array, check_callable, check_choice, check_int, check_real, check_rng

__all__ = [
    "N_NODES",
    "naive_uniform",
    "glorot_uniform",
    "lecun_normal",
    "he_normal",
    "orthogonal",
    "gauss_mean",
    "length_map",
    "fixed_point_q",
    "correlation_map",
    "chi1",
    "depth_scale",
    "length_map_slope",
    "length_depth_scale",
    "gradient_depth_scale",
    "critical_sigma_w2",
    "Propagation",
    "simulate",
    "relu_log_norm_variance",
    "relu_log_norm_mean",
    "jacobian_singular_values",
    "linear_jacobian_moments",
    "TwoLayerRun",
    "train_two_layer",
    "TrainingRun",
    "train_classifier",
]

#: Number of Gauss–Hermite nodes used for every Gaussian expectation (odd: a node sits at 0).
N_NODES: int = 201

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(N_NODES)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()  # now sum(w * f(nodes)) ~ E f(z), z ~ N(0, 1)

Activation = str | Callable[[np.ndarray], np.ndarray] | tuple


# ----------------------------------------------------------------------------- initializers

def _fans(fan_in, fan_out) -> tuple[int, int]:
    return check_int("fan_in", fan_in, minimum=1), check_int("fan_out", fan_out, minimum=1)


def naive_uniform(fan_in: int, fan_out: int, *, generator) -> np.ndarray:
    r"""The "standard" heuristic :math:`W_{ij} \sim U[-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}}]`.

    Its variance is :math:`1/(3 n_{in})`, i.e. :math:`\sigma_w^2 = 1/3`: the signal of a
    linear network shrinks by a factor 3 per layer. Returns shape ``(fan_out, fan_in)``.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    rng = check_rng("generator", generator)
    a = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-a, a, size=(fan_out, fan_in))


def glorot_uniform(fan_in: int, fan_out: int, *, generator) -> np.ndarray:
    r"""Glorot–Bengio initialization :math:`W_{ij} \sim U[-a, a]`, :math:`a = \sqrt{6/(n_{in}+n_{out})}`.

    The variance :math:`a^2/3 = 2/(n_{in} + n_{out})` is the harmonic mean of the forward
    condition :math:`n_{in}\operatorname{Var} W = 1` and the backward condition
    :math:`n_{out}\operatorname{Var} W = 1`. Returns shape ``(fan_out, fan_in)``.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    rng = check_rng("generator", generator)
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in))


def lecun_normal(fan_in: int, fan_out: int, *, generator) -> np.ndarray:
    r"""LeCun initialization :math:`W_{ij} \sim N(0, 1/n_{in})`, i.e. :math:`\sigma_w^2 = 1`.

    The forward condition :math:`n_{in}\operatorname{Var} W = 1` alone: it preserves the per-unit
    second moment of a linear layer (LeCun et al., 1998). Returns shape ``(fan_out, fan_in)``.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    rng = check_rng("generator", generator)
    return rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)


def he_normal(fan_in: int, fan_out: int, *, generator) -> np.ndarray:
    r"""He initialization :math:`W_{ij} \sim N(0, 2/n_{in})` for ReLU networks.

    Since :math:`\mathbb{E}[\mathrm{relu}(u)^2] = \tfrac12 \mathbb{E}[u^2]` for symmetric
    :math:`u`, the variance :math:`2/n_{in}` keeps :math:`\mathbb{E}\lVert h_\ell\rVert^2 / n_\ell`
    constant in :math:`\ell`. Returns shape ``(fan_out, fan_in)``.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    rng = check_rng("generator", generator)
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)


def orthogonal(fan_in: int, fan_out: int, *, generator, gain: float = 1.0) -> np.ndarray:
    r"""A random (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014).

    Draw :math:`G` with i.i.d. :math:`N(0, 1)` entries, factor :math:`G = QR` and multiply the
    columns of :math:`Q` by the signs of :math:`\operatorname{diag} R`; the result is Haar
    distributed (Mezzadri, 2007). Returns shape ``(fan_out, fan_in)`` with orthonormal rows if
    ``fan_out <= fan_in`` and orthonormal columns otherwise, so for a square matrix every singular
    value equals ``gain`` and :math:`\operatorname{Var} W_{ij} = \mathrm{gain}^2/n`.
    """
    fan_in, fan_out = _fans(fan_in, fan_out)
    rng = check_rng("generator", generator)
    gain = check_real("gain", gain, minimum=0.0, strict=True)
    big, small = max(fan_in, fan_out), min(fan_in, fan_out)
    Q, R = np.linalg.qr(rng.standard_normal((big, small)))
    Q = Q * np.sign(np.diag(R))  # orthonormal columns, shape (big, small)
    return gain * (Q if fan_out >= fan_in else Q.T)


# ----------------------------------------------------------------------------- activations

def _relu(x):
    return np.maximum(x, 0.0)


def _relu_prime(x):
    return (np.asarray(x) > 0).astype(float)


def _tanh_prime(x):
    return 1.0 / np.cosh(x) ** 2


_NAMED = {"tanh": (np.tanh, _tanh_prime), "relu": (_relu, _relu_prime)}


def _activation(phi) -> tuple[Callable, Callable, str | None]:
    """Return ``(phi, dphi, name)``; ``name`` is "tanh"/"relu" or None for a callable."""
    if isinstance(phi, str):
        check_choice("phi", phi, tuple(_NAMED))
        return (*_NAMED[phi], phi)
    if isinstance(phi, tuple):
        if len(phi) != 2:
            raise TypeError(f"phi must be 'tanh', 'relu', a callable or a pair (phi, dphi), got a tuple of length {len(phi)}")
        return check_callable("phi", phi[0]), check_callable("phi", phi[1]), None
    f = check_callable("phi", phi)
    h = 1e-5

    def df(x):
        return (f(x + h) - f(x - h)) / (2.0 * h)

    return f, df, None


def _variances(sigma_w2, sigma_b2) -> tuple[float, float]:
    return (check_real("sigma_w2", sigma_w2, minimum=0.0),
            check_real("sigma_b2", sigma_b2, minimum=0.0))


def gauss_mean(f: Callable[[np.ndarray], np.ndarray], q: float = 1.0) -> float:
    r""":math:`\mathbb{E}[f(\sqrt{q}\, z)]`, :math:`z \sim N(0, 1)`, by Gauss–Hermite quadrature.

    Uses :data:`N_NODES` probabilists' Hermite nodes :math:`z_k` and weights :math:`w_k`
    normalized to sum 1: :math:`\sum_k w_k f(\sqrt{q} z_k)`, exact for polynomials of
    degree below ``2 * N_NODES``.
    """
    check_callable("f", f)
    q = check_real("q", q, minimum=0.0)
    return float(np.dot(_WEIGHTS, f(np.sqrt(q) * _NODES)))


# The rule folded onto the nodes z >= 0 (the nodes are symmetric and _NODES[N_NODES // 2] == 0):
# sum_k w_k h(z_k) == sum_j v_j (h(z_j) + h(-z_j)) over z_j >= 0, with v = w for z_j > 0 and v = w/2 at 0.
_HALF_NODES = _NODES[N_NODES // 2:]
_HALF_WEIGHTS = np.concatenate(([_WEIGHTS[N_NODES // 2] / 2.0], _WEIGHTS[N_NODES // 2 + 1:]))


def _gauss_pair_mean(f, g, q: float, c: float) -> float:
    r""":math:`\mathbb{E}[f(u_1) g(u_2)]` for centred Gaussians of variance q and correlation c (tensor rule).

    :math:`u_1 = \sqrt q z_1`, :math:`u_2 = \sqrt q (c z_1 \pm \sqrt{1 - c^2} z_2)`: the inner rule over
    :math:`z_2` is folded (both signs at every node :math:`z_2 \ge 0`), as the law of :math:`z_2` is symmetric.
    """
    z1 = _NODES[:, None]
    z2 = _HALF_NODES[None, :]
    s = np.sqrt(max(1.0 - c * c, 0.0))
    fu1 = f(np.sqrt(q) * z1)
    inner = (fu1 * g(np.sqrt(q) * (c * z1 + s * z2)) + fu1 * g(np.sqrt(q) * (c * z1 - s * z2))) @ _HALF_WEIGHTS
    return float(_WEIGHTS @ inner)


# ----------------------------------------------------------------------------- mean-field maps

def length_map(q, sigma_w2: float, sigma_b2: float, phi: Activation = "tanh"):
    r"""The length map :math:`\mathcal{V}(q) = \sigma_w^2\,\mathbb{E}[\phi(\sqrt{q} z)^2] + \sigma_b^2`.

    At infinite width, :math:`q_\ell = \lVert z_\ell\rVert^2/n_\ell` obeys
    :math:`q_{\ell+1} = \mathcal{V}(q_\ell)`. ``q`` may be a number or an array
    (evaluated elementwise); for ReLU the closed form :math:`\sigma_w^2 q/2 + \sigma_b^2` is used.
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    f, _, name = _activation(phi)
    q_arr = check_array("q", q, ndim=(0, 1))
    if np.any(q_arr < 0):
        raise ValueError("q must be >= 0")
    if name == "relu":
        out = sigma_w2 * q_arr / 2.0 + sigma_b2
    else:
        u = np.sqrt(q_arr)[..., None] * _NODES
        out = sigma_w2 * (f(u) ** 2 @ _WEIGHTS) + sigma_b2
    return float(out) if out.ndim == 0 else out


def fixed_point_q(sigma_w2: float, sigma_b2: float, phi: Activation = "tanh", *, q0: float = 1.0) -> float:
    r"""The fixed point :math:`q^* = \mathcal{V}(q^*)` reached by iterating the length map from ``q0``.

    :math:`\mathcal{V}` is increasing, so the iterates :math:`q_{\ell+1} = \mathcal{V}(q_\ell)` are
    monotone: they converge to the nearest fixed point in the direction of
    :math:`\mathcal{V}(q_0) - q_0`, which is found by bracketing and Brent's method
    (assuming, as holds for tanh and ReLU, that it is the only fixed point in the bracket).
    Returns ``inf`` if the iterates diverge, and ``0.0`` if they decay to 0. The search grids:

    - upward (:math:`\mathcal{V}(q_0) > q_0`): :math:`\mathcal{V}` is evaluated at :math:`2q_0, 4q_0, \dots`;
      the first point where :math:`\mathcal{V}(q) \le q` closes the bracket, and if
      :math:`\mathcal{V}(q) > q` still holds at the first grid point above :math:`10^{12}`, the iterates are
      taken to diverge (``inf``). Every fixed point up to :math:`10^{12}` is therefore found.
    - downward (:math:`\mathcal{V}(q_0) < q_0`): :math:`\mathcal{V}` is evaluated at :math:`q_0/2, q_0/4, \dots`
      as long as these are :math:`\ge 10^{-30}`; the first point with
      :math:`\mathcal{V}(q) - q > 10^{-10} q` (a genuine sign change, not rounding noise next to a fixed
      point at 0; an excess of exactly :math:`10^{-10} q` counts as noise) closes the bracket; if there
      is none, the iterates are taken to decay to 0 (``0.0``).

    A grid point where the computed map satisfies :math:`\mathcal{V}(q) = q` exactly (and that closes
    the bracket) is returned exactly.

    ReLU in closed form: :math:`q^* = \sigma_b^2/(1 - \sigma_w^2/2)` for :math:`\sigma_w^2 < 2`;
    ``inf`` for :math:`\sigma_w^2 > 2` or :math:`\sigma_w^2 = 2 < \infty`, :math:`\sigma_b^2 > 0`;
    at :math:`(\sigma_w^2, \sigma_b^2) = (2, 0)` every :math:`q` is fixed and ``q0`` is returned.
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    q0 = check_real("q0", q0, minimum=0.0, strict=True)
    _, _, name = _activation(phi)
    if name == "relu":
        slope = sigma_w2 / 2.0
        if slope < 1.0:
            return sigma_b2 / (1.0 - slope)
        if slope == 1.0 and sigma_b2 == 0.0:
            return q0
        return float("inf")

    def g(q):
        return length_map(q, sigma_w2, sigma_b2, phi) - q

    g0 = g(q0)
    if g0 == 0.0:
        return q0
    if g0 > 0.0:  # increasing iterates: look for a sign change above q0
        lo, hi = q0, 2.0 * q0
        while g(hi) > 0.0:
            if hi > 1e12:  # still V(q) > q beyond 1e12: the iterates are taken to diverge
                return float("inf")
            lo, hi = hi, 2.0 * hi
        return float(optimize.brentq(g, lo, hi, xtol=1e-14))
    # decreasing iterates: look for a sign change below q0
    hi, lo = q0, q0 / 2.0
    while (g_lo := g(lo)) <= 1e-10 * lo:  # a genuine sign change, not rounding noise next to a fixed point at 0
        if g_lo <= 0.0:  # hi stays the smallest point known to lie at or above the fixed point (g <= 0)
            hi = lo
        lo = lo / 2.0
        if lo < 1e-30:
            return 0.0
    return float(optimize.brentq(g, lo, hi, xtol=1e-300))


def correlation_map(c, q_star: float, sigma_w2: float, sigma_b2: float, phi: Activation = "tanh"):
    r"""The correlation map :math:`\mathcal{C}(c) = (\sigma_w^2\,\mathbb{E}[\phi(u_1)\phi(u_2)] + \sigma_b^2)/q^*`.

    :math:`(u_1, u_2)` is a centred Gaussian pair with :math:`\mathbb{E}u_i^2 = q^*` and
    :math:`\mathbb{E}u_1u_2 = c\,q^*`. At infinite width, the correlation of the
    pre-activations of two inputs whose lengths sit at the fixed point evolves as
    :math:`c_{\ell+1} = \mathcal{C}(c_\ell)`. Tensor Gauss–Hermite quadrature; for ReLU
    the arc-cosine closed form. ``c`` may be a number or an array in :math:`[-1, 1]`.
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    q_star = check_real("q_star", q_star, minimum=0.0, strict=True)
    f, _, name = _activation(phi)
    c_arr = check_array("c", c, ndim=(0, 1))
    if np.any(np.abs(c_arr) > 1.0):
        raise ValueError("c must lie in [-1, 1]")
    if name == "relu":
        cc = c_arr
        k = q_star / (2 * np.pi) * (np.sqrt(1.0 - cc**2) + (np.pi - np.arccos(cc)) * cc)
        out = (sigma_w2 * k + sigma_b2) / q_star
    else:
        vals = [_gauss_pair_mean(f, f, q_star, float(ci)) for ci in np.atleast_1d(c_arr)]
        out = (sigma_w2 * np.array(vals) + sigma_b2) / q_star
        out = out.reshape(c_arr.shape)
    return float(out) if np.ndim(out) == 0 else out


def _relu_fixed_point_exists(sigma_w2: float, sigma_b2: float) -> bool:
    """A finite fixed point of the ReLU length map exists iff sigma_w2 < 2, or sigma_w2 == 2 and sigma_b2 == 0."""
    return sigma_w2 < 2.0 or (sigma_w2 == 2.0 and sigma_b2 == 0.0)


def chi1(sigma_w2: float, sigma_b2: float, phi: Activation = "tanh") -> float:
    r"""The slope :math:`\chi_1 = \mathcal{C}'(1) = \sigma_w^2\,\mathbb{E}[\phi'(\sqrt{q^*} z)^2]`.

    :math:`\chi_1 < 1`: ordered phase (nearby inputs merge); :math:`\chi_1 > 1`: chaotic
    phase (they separate); :math:`\chi_1 = 1`: criticality. It is also the mean squared
    singular value of a layer's input–output Jacobian at the fixed point. For ReLU,
    :math:`\mathbb{E}[\mathbf 1\{z > 0\}] = 1/2` gives :math:`\chi_1 = \sigma_w^2/2` for every
    :math:`q^*`; a fixed point exists only for :math:`\sigma_w^2 < 2` or
    :math:`(\sigma_w^2, \sigma_b^2) = (2, 0)`, and otherwise (the lengths diverge) a
    ``ValueError`` is raised, as for any activation whose length map has no finite fixed point.

    If the fixed point is :math:`q^* = 0` (zero bias, ordered side), the value returned is
    :math:`\sigma_w^2\phi'(0)^2` (ReLU: :math:`\sigma_w^2/2`), the per-layer factor of squared
    Jacobian norms; it is then *not* the slope of a correlation map (see :func:`depth_scale`).
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    _, df, name = _activation(phi)
    if name == "relu":
        if not _relu_fixed_point_exists(sigma_w2, sigma_b2):
            raise ValueError("relu: the length map has no finite fixed point for these sigma_w2, sigma_b2 "
                             "(sigma_w2 > 2, or sigma_w2 = 2 with sigma_b2 > 0): chi1 is undefined")
        return sigma_w2 / 2.0
    q = fixed_point_q(sigma_w2, sigma_b2, phi)
    if not np.isfinite(q):
        raise ValueError("the length map has no finite fixed point for these sigma_w2, sigma_b2: chi1 is undefined")
    return sigma_w2 * gauss_mean(lambda u: df(u) ** 2, q)


def depth_scale(sigma_w2: float, sigma_b2: float, phi: Activation = "tanh") -> float:
    r"""Depth scale :math:`\xi_c = -1/\log \chi_c` of the convergence of correlations.

    :math:`\chi_c = \mathcal{C}'(c^*)` is the slope of the correlation map at its stable
    fixed point :math:`c^*`: in the ordered phase :math:`c^* = 1` and
    :math:`\xi_c = -1/\log\chi_1`; at criticality (:math:`\chi_1 = 1`) it is ``inf``; in
    the chaotic phase :math:`c^* < 1` and
    :math:`\chi_c = \sigma_w^2\,\mathbb{E}[\phi'(u_1)\phi'(u_2)]` at correlation :math:`c^*`
    (Schoenholz et al., 2017). :math:`c^*` is located by Brent's method with ``xtol=1e-14``, so the
    error of :math:`\xi_c` is that of the Gaussian quadrature (below :math:`5 \cdot 10^{-14}` relative
    for erf with :math:`q^* \lesssim 2`; the test suite checks it against the arcsine kernel). Just on
    the chaotic side of the critical line (:math:`\chi_1 - 1 \lesssim 10^{-7}`) :math:`1 - \chi_c` can
    drown in rounding; ``inf`` is returned when the computed :math:`\chi_c` is not below 1, and
    :math:`\xi_c` is never negative. Likewise the point counts as critical (``inf``) when the computed
    :math:`\mathcal{C}(1 - 10^{-9}) \ge 1 - 10^{-9}`: then :math:`c^*` is within :math:`10^{-9}` of 1, or
    rounding cannot tell.

    Refused (``ValueError``) when the correlation map is not defined:

    - the length fixed point is :math:`q^* = 0` (zero bias on the ordered side, e.g. ReLU with
      :math:`\sigma_b^2 = 0`, :math:`\sigma_w^2 < 2`). The correlation map divides by
      :math:`q^*`; for zero-bias ReLU the correlations of two inputs do not depend on
      :math:`\sigma_w^2` at all (positive homogeneity) and converge to one only polynomially, so
      :math:`-1/\log\chi_1` has no meaning there;
    - no finite fixed point exists (ReLU with :math:`\sigma_w^2 > 2`, or :math:`= 2` with bias).
    """
    x1 = chi1(sigma_w2, sigma_b2, phi)  # raises if no finite fixed point
    _, df, _ = _activation(phi)
    q = fixed_point_q(sigma_w2, sigma_b2, phi)
    if q == 0.0:
        raise ValueError("the length fixed point is q* = 0 for these sigma_w2, sigma_b2: the correlation map "
                         "is undefined and correlations are not governed by chi1 (no depth scale)")
    if x1 < 1.0:
        return -1.0 / np.log(x1)
    if x1 == 1.0:
        return float("inf")

    def gap(c):
        return correlation_map(c, q, sigma_w2, sigma_b2, phi) - c

    top = 1.0 - 1e-9
    if gap(top) >= 0.0:  # numerically critical
        return float("inf")
    c_star = 0.0 if gap(0.0) <= 0.0 else optimize.brentq(gap, 0.0, top, xtol=1e-14)
    chi_c = sigma_w2 * _gauss_pair_mean(df, df, q, c_star)
    if chi_c >= 1.0:  # numerically critical: at a stable c* < 1 the slope is < 1, here lost in rounding
        return float("inf")
    return -1.0 / np.log(chi_c)


def length_map_slope(q: float, sigma_w2: float, sigma_b2: float, phi: Activation = "tanh") -> float:
    r"""The slope :math:`\mathcal{V}'(q)` of the length map.

    Differentiating the Gaussian density in its variance gives, for :math:`q > 0`,

    .. math:: \mathcal{V}'(q) = \frac{\sigma_w^2}{2q}\,\mathbb{E}\big[\phi(\sqrt q z)^2 (z^2 - 1)\big]
              = \sigma_w^2\,\mathbb{E}\big[\phi'(\sqrt q z)^2 + \phi(\sqrt q z)\phi''(\sqrt q z)\big],

    the second form by Gaussian integration by parts (for :math:`C^2` activations); the code
    uses the first, which needs no derivative. At :math:`q = 0` the limit
    :math:`\sigma_w^2\phi'(0)^2` is returned (valid for :math:`\phi(0) = 0`). ReLU: :math:`\sigma_w^2/2`.
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    f, df, name = _activation(phi)
    q = check_real("q", q, minimum=0.0)
    if name == "relu":
        return sigma_w2 / 2.0
    if q == 0.0:
        return sigma_w2 * float(df(np.array(0.0))) ** 2
    return sigma_w2 / (2.0 * q) * gauss_mean(lambda u: f(u) ** 2 * (u * u / q - 1.0), q)


def length_depth_scale(sigma_w2: float, sigma_b2: float, phi: Activation = "tanh") -> float:
    r"""Depth scale :math:`\xi_q = -1/\log\mathcal{V}'(q^*)` of the convergence of lengths to :math:`q^*`.

    Near a stable fixed point, :math:`q_{\ell+1} - q^* = \mathcal{V}'(q^*)(q_\ell - q^*) + o(q_\ell - q^*)`,
    so :math:`\lvert q_\ell - q^*\rvert` decays like :math:`e^{-\ell/\xi_q}`. ``inf`` if
    :math:`\mathcal{V}'(q^*) \ge 1`; ``ValueError`` if there is no finite fixed point.
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    _, _, name = _activation(phi)
    if name == "relu" and not _relu_fixed_point_exists(sigma_w2, sigma_b2):
        raise ValueError("relu: the length map has no finite fixed point for these sigma_w2, sigma_b2 (no depth scale)")
    q = fixed_point_q(sigma_w2, sigma_b2, phi)
    if not np.isfinite(q):
        raise ValueError("the length map has no finite fixed point for these sigma_w2, sigma_b2 (no depth scale)")
    slope = length_map_slope(q, sigma_w2, sigma_b2, phi)
    return float("inf") if slope >= 1.0 else -1.0 / np.log(slope)


def gradient_depth_scale(sigma_w2: float, sigma_b2: float, phi: Activation = "tanh") -> float:
    r"""Depth scale :math:`\xi_\nabla = 1/\lvert\log\chi_1\rvert` of backpropagated gradients.

    Under the gradient-independence assumption, squared gradient norms are multiplied by
    :math:`\chi_1` per layer (equal widths), so they change by a factor :math:`e` every
    :math:`\xi_\nabla` layers: they vanish if :math:`\chi_1 < 1` (where :math:`\xi_\nabla = \xi_c`)
    and explode if :math:`\chi_1 > 1` (where :math:`\xi_\nabla = 1/\log\chi_1`, not :math:`\xi_c`).
    ``inf`` at criticality.
    """
    x1 = chi1(sigma_w2, sigma_b2, phi)
    return float("inf") if x1 == 1.0 else 1.0 / abs(np.log(x1))


def critical_sigma_w2(sigma_b2: float, phi: Activation = "tanh", *, bracket: tuple[float, float] = (0.5, 20.0)) -> float:
    r"""The weight variance on the critical line: the root :math:`\sigma_w^2` of :math:`\chi_1(\sigma_w^2, \sigma_b^2) = 1`.

    For ReLU the only critical point is :math:`(\sigma_w^2, \sigma_b^2) = (2, 0)`: 2 is returned for
    ``sigma_b2 == 0`` and a ``ValueError`` is raised for ``sigma_b2 > 0`` (then :math:`\chi_1 =
    \sigma_w^2/2 < 1` wherever a fixed point exists). Otherwise Brent's method in ``bracket`` with
    ``xtol=1e-13``: for :math:`\sigma_b^2 > 0` and a smooth activation with moderate :math:`q^*` the
    root agrees with the exact critical point to about :math:`5 \cdot 10^{-14}` relative (the test
    suite checks erf against its arcsine-kernel closed form). At :math:`\sigma_b^2 = 0`,
    :math:`\chi_1 - 1` vanishes quadratically on the chaotic side, so the root is only located to
    about :math:`10^{-7}` relative (e.g. 1 for tanh, :math:`\pi/4` for erf).
    """
    sigma_b2 = check_real("sigma_b2", sigma_b2, minimum=0.0)
    _, _, name = _activation(phi)
    if name == "relu":
        if sigma_b2 > 0.0:
            raise ValueError("relu with sigma_b2 > 0 has no critical point: chi1 < 1 wherever a fixed point exists")
        return 2.0
    lo, hi = (check_real("bracket", b, minimum=0.0, strict=True) for b in bracket)
    return float(optimize.brentq(lambda s: chi1(s, sigma_b2, phi) - 1.0, lo, hi, xtol=1e-13))


# ----------------------------------------------------------------------------- finite width

class Propagation(NamedTuple):
    r"""Squared norms recorded by :func:`simulate`, for ``n_networks`` networks and ``n_inputs`` inputs.

    ``q[k, l-1, i]`` is :math:`\lVert z_\ell\rVert^2/n_\ell` (layer :math:`\ell = 1..L`);
    ``sqnorm[k, l, i]`` is :math:`\lVert h_\ell\rVert^2` (:math:`\ell = 0..L`, with :math:`h_0 = x`);
    ``tangent[k, l-1, i]`` is :math:`\lVert \delta z_\ell\rVert^2` for a tangent vector
    :math:`\delta h_0` of norm 1 pushed through the layer Jacobians (None unless asked);
    ``backward[k, l-1, i]`` is :math:`\lVert g_\ell\rVert^2`, :math:`g_\ell = \partial\langle u, z_L\rangle/\partial z_\ell`,
    for a random unit vector :math:`u` drawn independently of the weights (None unless asked).
    """

    q: np.ndarray
    sqnorm: np.ndarray
    tangent: np.ndarray | None
    backward: np.ndarray | None = None


def simulate(x, widths: Sequence[int], *, sigma_w2: float, sigma_b2: float = 0.0, phi: Activation = "relu",
             n_networks: int = 1, distribution: str = "normal", tangent: bool = False,
             backward: str | None = None, seed) -> Propagation:
    r"""Push the inputs ``x`` (shape ``(n_inputs, n_0)``) through independent random networks.

    Each of the ``n_networks`` networks has hidden widths ``widths`` :math:`= (n_1, \dots, n_L)`,
    weights i.i.d. with mean 0 and variance :math:`\sigma_w^2/n_{\ell-1}` (``"normal"`` or
    ``"uniform"`` on :math:`[-a, a]`, :math:`a = \sqrt{3\sigma_w^2/n_{\ell-1}}`), biases
    :math:`N(0, \sigma_b^2)`. All networks are run at once: the weights of a layer form a
    3-D array of shape ``(n_networks, n_l, n_{l-1})``. With ``tangent=True`` a random unit
    vector :math:`\delta h_0` is also pushed through the Jacobians,
    :math:`\delta z_\ell = W_\ell\,\delta h_{\ell-1}`, :math:`\delta h_\ell = \phi'(z_\ell)\odot\delta z_\ell`.

    With ``backward="same"`` a random unit vector :math:`u` (independent of the weights) is
    backpropagated, :math:`g_L = u`, :math:`g_{\ell} = \phi'(z_\ell)\odot W_{\ell+1}^\top g_{\ell+1}`,
    which is the gradient of :math:`\langle u, z_L\rangle`. With ``backward="independent"`` the
    backward pass uses :math:`\tilde W_{\ell+1}^\top`, an independent copy of the weights: the
    gradient-independence assumption made exact.
    """
    x = check_array("x", x, ndim=2)
    widths = [check_int("widths", w, minimum=1) for w in widths]
    if not widths:
        raise ValueError("widths must contain at least one layer width")
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    f, df, _ = _activation(phi)
    n_networks = check_int("n_networks", n_networks, minimum=1)
    check_choice("distribution", distribution, ("normal", "uniform"))
    if backward is not None:
        check_choice("backward", backward, ("same", "independent"))
    rng = check_rng("seed", seed)

    def draw(n, fan_in):
        std = np.sqrt(sigma_w2 / fan_in)
        if distribution == "normal":
            return std * rng.standard_normal((n_networks, n, fan_in))
        return rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, size=(n_networks, n, fan_in))

    n_inputs, n0 = x.shape
    h = np.broadcast_to(x.T, (n_networks, n0, n_inputs))  # columns are inputs
    L = len(widths)
    q = np.empty((n_networks, L, n_inputs))
    sqnorm = np.empty((n_networks, L + 1, n_inputs))
    sqnorm[:, 0] = np.sum(h**2, axis=1)
    dh = tan = None
    if tangent:
        dh = rng.standard_normal((n_networks, n0, n_inputs))
        dh /= np.linalg.norm(dh, axis=1, keepdims=True)
        tan = np.empty((n_networks, L, n_inputs))
    weights, slopes = [], []
    fan_in = n0
    for layer, n in enumerate(widths):
        W = draw(n, fan_in)
        z = W @ h
        if sigma_b2 > 0.0:
            z += np.sqrt(sigma_b2) * rng.standard_normal((n_networks, n, 1))
        h = f(z)
        q[:, layer] = np.mean(z**2, axis=1)
        sqnorm[:, layer + 1] = np.sum(h**2, axis=1)
        if tangent:
            dz = W @ dh
            tan[:, layer] = np.sum(dz**2, axis=1)
            dh = df(z) * dz
        if backward is not None:
            weights.append(W)
            slopes.append(df(z))
        fan_in = n
    back = None
    if backward is not None:
        back = np.empty((n_networks, L, n_inputs))
        g = rng.standard_normal((n_networks, widths[-1], n_inputs))
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        back[:, L - 1] = 1.0
        for layer in range(L - 2, -1, -1):
            W_next = weights[layer + 1] if backward == "same" else draw(widths[layer + 1], widths[layer])
            g = slopes[layer] * (np.swapaxes(W_next, 1, 2) @ g)
            back[:, layer] = np.sum(g**2, axis=1)
    return Propagation(q, sqnorm, tan, back)


def _conditioned_binomial(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Support 1..n and probabilities of Bin(n, 1/2) conditioned on being >= 1.

    Sums over this law use ``math.fsum`` (correctly rounded), so they depend neither on the order of
    the terms nor on support points of probability 0.
    """
    k = np.arange(1, n + 1)
    p = stats.binom.pmf(k, n, 0.5)
    return k, p / math.fsum(p)


def relu_log_norm_mean(widths: Sequence[int], n0: int | None = None) -> float:
    r"""Exact :math:`\mathbb{E}\log(\lVert h_L\rVert^2/\lVert x\rVert^2)` of a Gaussian He-initialized ReLU network.

    Same setting and conditioning as :func:`relu_log_norm_variance`: with
    :math:`\mathbb{E}\log\chi^2_k = \psi(k/2) + \log 2`,

    .. math:: \sum_\ell \Big(\log\frac{2}{n_{\ell-1}} + \log 2 + \mathbb{E}[\psi(B_\ell/2)]\Big)
              = \log\frac{n_L}{n_0} - \frac52\sum_\ell\frac{1}{n_\ell} + O\Big(\sum_\ell\frac{1}{n_\ell^2}\Big),

    where ``n0`` is the input width (default: ``widths[0]``).
    """
    widths = [check_int("widths", w, minimum=1) for w in widths]
    if not widths:
        raise ValueError("widths must contain at least one layer width")
    n0 = widths[0] if n0 is None else check_int("n0", n0, minimum=1)
    total = 0.0
    for fan_in, n in zip([n0] + widths[:-1], widths):
        k, p = _conditioned_binomial(n)
        total += np.log(2.0 / fan_in) + np.log(2.0) + math.fsum(p * special.digamma(k / 2.0))
    return float(total)


def relu_log_norm_variance(widths: Sequence[int]) -> float:
    r"""Exact :math:`\operatorname{Var}\log\lVert h_L\rVert^2` of a Gaussian He-initialized ReLU network.

    With zero biases and :math:`W_\ell \sim N(0, 2/n_{\ell-1})`, the ratios
    :math:`\lVert h_\ell\rVert^2/\lVert h_{\ell-1}\rVert^2` are independent and distributed as
    :math:`(2/n_{\ell-1})\,\chi^2_{B_\ell}`, :math:`B_\ell \sim \mathrm{Bin}(n_\ell, 1/2)`. Given
    that no layer dies (:math:`B_\ell \ge 1`, probability :math:`1 - 2^{-n_\ell}` each),
    :math:`\operatorname{Var}\log\chi^2_k = \psi'(k/2)` (trigamma) and the law of total variance give

    .. math:: \sum_\ell \Big(\mathbb{E}[\psi'(B_\ell/2)] + \operatorname{Var}[\psi(B_\ell/2)]\Big)
              = 5\sum_\ell \frac{1}{n_\ell} + O\Big(\sum_\ell \frac{1}{n_\ell^2}\Big).
    """
    widths = [check_int("widths", w, minimum=1) for w in widths]
    if not widths:
        raise ValueError("widths must contain at least one layer width")
    total = 0.0
    for n in widths:
        k, p = _conditioned_binomial(n)  # B conditioned on B >= 1
        mean_psi = math.fsum(p * special.digamma(k / 2.0))
        total += (math.fsum(p * special.polygamma(1, k / 2.0))
                  + math.fsum(p * (special.digamma(k / 2.0) - mean_psi) ** 2))
    return float(total)


# ----------------------------------------------------------------------------- Jacobian spectra

def jacobian_singular_values(x, widths: Sequence[int], *, sigma_w2: float, sigma_b2: float = 0.0,
                             phi: Activation = "tanh", distribution: str = "normal", seed) -> np.ndarray:
    r"""Singular values of the input–output Jacobian :math:`J = \partial h_L/\partial h_0` of one random network.

    :math:`J = D_L W_L \cdots D_1 W_1` with :math:`D_\ell = \operatorname{diag}\phi'(z_\ell)`, evaluated
    at the input ``x`` (shape ``(n_0,)``). Weights are ``"normal"``, :math:`N(0, \sigma_w^2/n_{\ell-1})`,
    or ``"orthogonal"``, :func:`orthogonal` with gain :math:`\sqrt{\sigma_w^2}` (for square layers
    the same entry variance); biases :math:`N(0, \sigma_b^2)`. For a linear network pass
    ``phi=(lambda u: u, lambda u: 1.0 + 0.0 * u)``. Returned in decreasing order.
    """
    x = check_array("x", x, ndim=1)
    widths = [check_int("widths", w, minimum=1) for w in widths]
    if not widths:
        raise ValueError("widths must contain at least one layer width")
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    f, df, _ = _activation(phi)
    check_choice("distribution", distribution, ("normal", "orthogonal"))
    rng = check_rng("seed", seed)
    h, J = x, np.eye(x.size)
    for n in widths:
        fan_in = h.size
        if distribution == "normal":
            W = rng.standard_normal((n, fan_in)) * np.sqrt(sigma_w2 / fan_in)
        else:
            W = orthogonal(fan_in, n, generator=rng, gain=np.sqrt(sigma_w2)) if sigma_w2 > 0 else np.zeros((n, fan_in))
        z = W @ h + (np.sqrt(sigma_b2) * rng.standard_normal(n) if sigma_b2 > 0 else 0.0)
        J = df(z)[:, None] * (W @ J)
        h = f(z)
    return np.linalg.svd(J, compute_uv=False)


def linear_jacobian_moments(n: int, depth: int) -> tuple[float, float]:
    r"""Exact spectral moments of :math:`A = J^\top J`, :math:`J = W_L\cdots W_1`, :math:`W_\ell` i.i.d. :math:`N(0, 1/n)`, :math:`n \times n`.

    Returns :math:`(m_1, m_2) = (\tfrac1n\mathbb{E}\operatorname{tr}A, \tfrac1n\mathbb{E}\operatorname{tr}A^2)`.
    With :math:`a_L = \mathbb{E}\operatorname{tr}A_L^2` and :math:`s_L = \mathbb{E}(\operatorname{tr}A_L)^2`,
    Wick's formula gives

    .. math:: a_L = (1 + \tfrac1n)\,a_{L-1} + \tfrac1n s_{L-1}, \qquad s_L = s_{L-1} + \tfrac2n a_{L-1},
              \qquad a_0 = n,\ s_0 = n^2,

    and :math:`m_1 = 1`. As :math:`n \to \infty`, :math:`m_2 \to L + 1`.
    """
    n = check_int("n", n, minimum=1)
    depth = check_int("depth", depth, minimum=0)
    a, s = float(n), float(n) ** 2
    for _ in range(depth):
        a, s = (1.0 + 1.0 / n) * a + s / n, s + 2.0 * a / n
    return 1.0, a / n


# ----------------------------------------------------------------------------- symmetry breaking

class TwoLayerRun(NamedTuple):
    """Parameters after gradient descent and the loss before every step (``steps + 1`` entries)."""

    W1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    loss: np.ndarray


def train_two_layer(X, y, W1, b1, w2, *, steps: int, lr: float) -> TwoLayerRun:
    r"""Plain gradient descent on :math:`\tfrac{1}{2N}\sum_i (w_2^\top\tanh(W_1 x_i + b_1) - y_i)^2`.

    ``W1`` has shape ``(m, d)``, ``b1`` and ``w2`` shape ``(m,)``. Gradients by ``torch.autograd``
    in float64; every step is :math:`\theta \leftarrow \theta - \eta\nabla\mathcal{L}(\theta)`.
    """
    import torch

    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],))
    W1 = check_array("W1", W1, ndim=2)
    if W1.shape[1] != X.shape[1]:
        raise ValueError(f"W1 must have shape (m, {X.shape[1]}), got {W1.shape}")
    b1 = check_array("b1", b1, shape=(W1.shape[0],))
    w2 = check_array("w2", w2, shape=(W1.shape[0],))
    steps = check_int("steps", steps, minimum=0)
    lr = check_real("lr", lr, minimum=0.0, strict=True)

    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in (W1, b1, w2)]
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    losses = []
    for step in range(steps + 1):
        W, b, a = params
        loss = 0.5 * torch.mean((torch.tanh(Xt @ W.T + b) @ a - yt) ** 2)
        losses.append(loss.item())
        if step == steps:
            break
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
    W, b, a = (p.detach().numpy() for p in params)
    return TwoLayerRun(W, b, a, np.array(losses))


# ----------------------------------------------------------------------------- training

class TrainingRun(NamedTuple):
    """Training loss and accuracy after every step (``steps + 1`` entries, the first at initialization)."""

    loss: np.ndarray
    accuracy: np.ndarray


def train_classifier(X, y, *, depth: int, width: int, sigma_w2: float, sigma_b2: float, steps: int,
                     lr: float = 0.01, batch_size: int = 128, seed: int) -> TrainingRun:
    r"""Train a deep tanh network (``depth`` hidden layers of ``width`` units) by SGD with momentum 0.9.

    Weights :math:`N(0, \sigma_w^2/n_{in})`, biases :math:`N(0, \sigma_b^2)` (the output layer too),
    cross-entropy loss over the classes ``0..max(y)``. Returns the loss and the accuracy on the
    mini-batch of each step (the first entries at initialization, on the first batch).
    """
    import torch

    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],), dtype=np.int64)
    depth = check_int("depth", depth, minimum=1)
    width = check_int("width", width, minimum=1)
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    steps = check_int("steps", steps, minimum=0)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    seed = check_int("seed", seed, minimum=0)

    gen = torch.Generator().manual_seed(seed)
    sizes = [X.shape[1]] + [width] * depth + [int(y.max()) + 1]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = torch.randn(fan_out, fan_in, generator=gen, dtype=torch.float64) * np.sqrt(sigma_w2 / fan_in)
        b = torch.randn(fan_out, generator=gen, dtype=torch.float64) * np.sqrt(sigma_b2)
        params += [W.requires_grad_(), b.requires_grad_()]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    Xt = torch.as_tensor(X)
    yt = torch.as_tensor(y)

    def forward(xb):
        h = xb
        for i in range(0, len(params) - 2, 2):
            h = torch.tanh(h @ params[i].T + params[i + 1])
        return h @ params[-2].T + params[-1]

    losses, accs = [], []
    for _ in range(steps + 1):
        idx = torch.randint(0, X.shape[0], (min(batch_size, X.shape[0]),), generator=gen)
        logits = forward(Xt[idx])
        loss = torch.nn.functional.cross_entropy(logits, yt[idx])
        losses.append(loss.item())
        accs.append((logits.argmax(1) == yt[idx]).double().mean().item())
        if len(losses) <= steps:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return TrainingRun(np.array(losses), np.array(accs))
