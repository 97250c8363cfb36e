r"""Feed-forward ReLU networks as piecewise-linear and tropical maps.

The code of the chapter *Feed-forward networks*. A network is given by two lists,
``weights[l]`` of shape ``(n_{l+1}, n_l)`` and ``biases[l]`` of shape ``(n_{l+1},)``;
it computes

.. math::  h_0 = x, \qquad h_{l} = \max(W_l h_{l-1} + b_l, 0) \ (1 \le l < L), \qquad
           f(x) = W_L h_{L-1} + b_L ,

with a ReLU after every layer but the last. Its *activation pattern* at :math:`x` is
the vector of signs :math:`[z > 0]` of all hidden pre-activations; the set of inputs
with one pattern is a convex polyhedron on which :math:`f` is affine.

Tropical side: in the max-plus semiring :math:`(\mathbb R \cup \{-\infty\}, \oplus, \odot)`
with :math:`a \oplus b = \max(a, b)` and :math:`a \odot b = a + b`, a tropical
polynomial is

.. math::  p(x) = \bigoplus_{i=1}^m c_i \odot x^{\odot a_i} = \max_{i} \big(c_i + \langle a_i, x\rangle\big),

with integer exponents :math:`a_i \in \mathbb N^d` (real exponents give a *tropical
signomial*). A ReLU network is a difference :math:`F - G` of two tropical signomials,
and of two tropical polynomials when its weights are integers
(:func:`tropical_decomposition`, after Zhang, Naitzat and Lim, 2018). The tropical
counterpart of convolution is the max-plus convolution (dilation)
:math:`(f \oplus_* g)_k = \max_{i + j = k} (f_i + g_j)` (:func:`maxplus_convolve`),
whose adjoint is the erosion :func:`erosion`.
"""

from __future__ import annotations

from math import comb
from typing import Any, NamedTuple

import numpy as np

from ._validate import check_array, check_int, check_interval, check_layers, check_real, check_rng

__all__ = [
    "TropicalPolynomial",
    "tropical_sum",
    "tropical_product",
    "tropical_power",
    "TropicalRational",
    "tropical_decomposition",
    "check_network",
    "random_relu_network",
    "relu_network",
    "preactivations",
    "activation_pattern",
    "LineRegions",
    "regions_on_line",
    "GridRegions",
    "regions_on_grid",
    "PlaneRegions",
    "regions_in_box",
    "hyperplane_bound",
    "region_bound",
    "maxplus_convolve",
    "erosion",
    "weights_from_torch",
    "n_parameters",
    "compose",
    "identity_network",
    "compose_sparse",
    "parallel",
]


# ----------------------------------------------------------------------------- tropical polynomials


class TropicalPolynomial:
    r"""A max-plus polynomial :math:`p(x) = \max_i (c_i + \langle a_i, x\rangle)` on :math:`\mathbb R^d`.

    Exponents may be integer (a tropical polynomial in the strict sense) or real
    (a *tropical signomial*); either way :math:`p` is convex and piecewise linear.

    Parameters
    ----------
    coefficients : array of shape (m,)
        The coefficients :math:`c_i` (finite).
    exponents : array of shape (m, d)
        The exponent vectors :math:`a_i`, one monomial a row.

    Examples
    --------
    ``TropicalPolynomial([0.0, 0.0], [[1.0], [0.0]])`` is :math:`\max(x, 0) = \mathrm{ReLU}(x)`.
    """

    def __init__(self, coefficients, exponents):
        c = check_array("coefficients", coefficients, ndim=1)
        a = check_array("exponents", exponents, ndim=2)
        if a.shape[0] != c.shape[0]:
            raise ValueError(f"exponents must have one row per coefficient: got {a.shape[0]} rows "
                             f"for {c.shape[0]} coefficients")
        if c.shape[0] == 0:
            raise ValueError("coefficients must contain at least one monomial")
        self.coefficients = c
        self.exponents = a

    @property
    def dim(self) -> int:
        """The number :math:`d` of variables."""
        return self.exponents.shape[1]

    @property
    def n_monomials(self) -> int:
        """The number :math:`m` of monomials."""
        return self.coefficients.shape[0]

    def __call__(self, x) -> np.ndarray:
        r"""Evaluate :math:`\max_i (c_i + \langle a_i, x\rangle)` at the rows of ``x`` (shape (n, d) or (d,))."""
        x = check_array("x", x, ndim=(1, 2))
        single = x.ndim == 1
        X = x[None, :] if single else x
        if X.shape[1] != self.dim:
            raise ValueError(f"x must have {self.dim} columns, got shape {x.shape}")
        values = (X @ self.exponents.T + self.coefficients).max(axis=1)
        return values[0] if single else values

    def monomial_values(self, x) -> np.ndarray:
        """The values of each monomial, shape (n, m): their row-wise maximum is ``self(x)``."""
        X = np.atleast_2d(check_array("x", x, ndim=(1, 2)))
        return X @ self.exponents.T + self.coefficients

    def simplify(self, prune: bool = True) -> "TropicalPolynomial":
        r"""An equal polynomial with fewer monomials.

        Monomials with equal exponents are merged (the larger coefficient wins). With
        ``prune``, only the monomials whose lifted points :math:`(a_i, c_i) \in \mathbb R^{d+1}`
        are vertices of the *upper hull* are kept, that is of a face of the convex hull
        exposed by a direction :math:`(x, 1)` with positive last coordinate (an *upper
        face*): for each :math:`x` the maximum of :math:`c + \langle a, x\rangle` over the
        hull is attained at such a vertex, so the function is unchanged. A vertex of the
        lower hull only (below the others, never maximal) is dropped. When the hull is
        full-dimensional, every upper face lies in an upper facet (a facet whose outer
        normal has a positive last coordinate), and those facets are what Qhull lists.
        When the lifted points are flat (they span a lower-dimensional affine subspace)
        all vertices of their hull in that subspace are kept: exact, but not minimal.
        Rounding tolerances: the points count as flat in a direction in which their spread
        (a singular value of the centred points) is at most ``1e-10 * max(1, largest spread)``
        (``_numerical_rank``), and a facet counts as upper only if the last coordinate
        of its outer unit normal exceeds ``1e-12`` (``_upper_facets``; vertical facets
        are not upper).
        """
        exps, inverse = np.unique(self.exponents, axis=0, return_inverse=True)
        coefs = np.full(exps.shape[0], -np.inf)
        np.maximum.at(coefs, inverse.ravel(), self.coefficients)
        if prune and exps.shape[0] > 2:  # two distinct exponents are both maximal somewhere
            keep = _upper_hull_vertices(exps, coefs)
            exps, coefs = exps[keep], coefs[keep]
        return TropicalPolynomial(coefs, exps)

    def __repr__(self) -> str:
        return f"TropicalPolynomial(n_monomials={self.n_monomials}, dim={self.dim})"


def _numerical_rank(sing: np.ndarray) -> int:
    """The number of singular values (sorted decreasingly, at least one) above ``1e-10 * max(1, sing[0])``.

    The tolerance is relative to the largest singular value, and absolute (1e-10) when that is below 1.
    """
    return int(np.sum(sing > 1e-10 * max(1.0, sing[0])))


def _upper_facets(equations: np.ndarray) -> np.ndarray:
    """Which facets of a Qhull hull (rows ``(normal, offset)``, unit outer normals) are upper.

    Upper: the normal's last coordinate (the coefficient axis) exceeds ``1e-12``; a vertical
    facet, whose last coordinate is 0 up to rounding, is not upper.
    """
    return equations[:, -2] > 1e-12


def _upper_hull_vertices(exps: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """Indices of the lifted points (a_i, c_i) that can attain the maximum (a superset of the needed ones).

    Full-dimensional case: the vertices of the upper facets of the convex hull. Flat case
    (the lifted points span an affine subspace of lower dimension): all vertices of the
    hull inside that subspace, which is always enough, since a linear function on a
    polytope attains its maximum at a vertex.
    """
    from scipy.spatial import ConvexHull, QhullError

    points = np.column_stack([exps, coefs])
    centred = points - points.mean(axis=0)
    _, sing, Vt = np.linalg.svd(centred, full_matrices=False)
    rank = _numerical_rank(sing)
    try:
        if rank == points.shape[1]:
            hull = ConvexHull(points)
            return np.unique(hull.simplices[_upper_facets(hull.equations)].ravel())
        coords = centred @ Vt[:rank].T
        if rank == 1:
            return np.unique([np.argmin(coords[:, 0]), np.argmax(coords[:, 0])])
        return np.sort(ConvexHull(coords).vertices)
    except (QhullError, ValueError):
        return np.arange(points.shape[0])


def _check_poly(name: str, p: Any) -> TropicalPolynomial:
    if not isinstance(p, TropicalPolynomial):
        raise TypeError(f"{name} must be a TropicalPolynomial, got {type(p).__name__}")
    return p


def tropical_sum(p: TropicalPolynomial, q: TropicalPolynomial) -> TropicalPolynomial:
    r"""The tropical sum :math:`p \oplus q = \max(p, q)`: the union of the monomials."""
    p, q = _check_poly("p", p), _check_poly("q", q)
    if p.dim != q.dim:
        raise ValueError(f"q must have the dimension of p ({p.dim}), got {q.dim}")
    return TropicalPolynomial(np.concatenate([p.coefficients, q.coefficients]),
                              np.vstack([p.exponents, q.exponents]))


def tropical_product(p: TropicalPolynomial, q: TropicalPolynomial, prune: bool = True) -> TropicalPolynomial:
    r"""The tropical product :math:`p \odot q = p + q`.

    Since :math:`\max_i u_i + \max_j v_j = \max_{i,j} (u_i + v_j)`, its monomials are all
    sums :math:`(c_i + c'_j) \odot x^{\odot(a_i + a'_j)}` (the Newton polytope of the
    product is the Minkowski sum); the result is simplified (see
    :meth:`TropicalPolynomial.simplify`).
    """
    p, q = _check_poly("p", p), _check_poly("q", q)
    if p.dim != q.dim:
        raise ValueError(f"q must have the dimension of p ({p.dim}), got {q.dim}")
    coefs = (p.coefficients[:, None] + q.coefficients[None, :]).ravel()
    exps = (p.exponents[:, None, :] + q.exponents[None, :, :]).reshape(-1, p.dim)
    return TropicalPolynomial(coefs, exps).simplify(prune=prune)


def tropical_power(p: TropicalPolynomial, t: float) -> TropicalPolynomial:
    r"""The tropical power :math:`p^{\odot t} = t \cdot p` for a real :math:`t \ge 0`.

    As functions, :math:`t \max_i (c_i + \langle a_i, x\rangle) = \max_i (t c_i + \langle t a_i, x\rangle)`
    for :math:`t \ge 0`. For an integer :math:`t` this equals the :math:`t`-fold tropical
    product, whose extra monomials are never maximal and are not listed.
    """
    p = _check_poly("p", p)
    t = check_real("t", t, minimum=0.0)
    if t == 0.0:
        return TropicalPolynomial([0.0], np.zeros((1, p.dim)))
    return TropicalPolynomial(t * p.coefficients, t * p.exponents)


def _affine_combination(F: list[TropicalPolynomial], G: list[TropicalPolynomial], w: np.ndarray,
                        b: float, prune: bool) -> TropicalPolynomial:
    r"""The tropical monomial-product :math:`b \odot \bigodot_i F_i^{\odot w_i^+} \odot G_i^{\odot w_i^-}`."""
    d = F[0].dim
    result = TropicalPolynomial([b], np.zeros((1, d)))
    for Fi, Gi, wi in zip(F, G, w):
        if wi > 0:
            result = tropical_product(result, tropical_power(Fi, wi), prune=prune)
        elif wi < 0:
            result = tropical_product(result, tropical_power(Gi, -wi), prune=prune)
    return result


class TropicalRational(NamedTuple):
    r"""A tropical rational map :math:`x \mapsto F(x) - G(x)`, one pair :math:`(F_k, G_k)` an output."""

    F: list[TropicalPolynomial]
    G: list[TropicalPolynomial]

    def __call__(self, x) -> np.ndarray:
        """Evaluate :math:`F_k(x) - G_k(x)` at the rows of ``x``; returns shape (n, outputs)."""
        X = np.atleast_2d(check_array("x", x, ndim=(1, 2)))
        return np.column_stack([Fk(X) - Gk(X) for Fk, Gk in zip(self.F, self.G)])


def tropical_decomposition(weights, biases, prune: bool = True) -> TropicalRational:
    r"""Write a ReLU network as :math:`f = F - G` with tropical polynomials :math:`F, G`.

    Induction over the layers (Zhang, Naitzat and Lim, 2018). Suppose the layer's
    input is :math:`h = F - G` componentwise, with tropical polynomials :math:`F_i, G_i`
    (for the input layer :math:`F_i = x_i`, :math:`G_i = 0`). Split
    :math:`W = W^+ - W^-` into positive and negative parts. Then

    .. math::  W h + b = H - \tilde G, \qquad H = W^+ F + W^- G + b, \qquad \tilde G = W^+ G + W^- F,

    and :math:`H`, :math:`\tilde G` are tropical signomials (non-negative combinations of
    convex max-affine functions, i.e. tropical products of tropical powers); with integer
    weights their exponents are integers and they are tropical polynomials. The ReLU
    gives :math:`\max(H - \tilde G, 0) = \max(H, \tilde G) - \tilde G = (H \oplus \tilde G) - \tilde G`.
    The last layer has no ReLU: :math:`f = H - \tilde G`.

    Parameters
    ----------
    weights, biases : lists of arrays
        The network (see :func:`check_network`). Integer weights give integer exponents.
    prune : bool
        Drop monomials that are never maximal after each product (exact; see
        :meth:`TropicalPolynomial.simplify`). Without it the number of monomials grows
        like a product of the widths' powers of two.

    Returns
    -------
    TropicalRational
        ``F[k]``, ``G[k]`` for each output ``k``.
    """
    weights, biases = check_network(weights, biases)
    d = weights[0].shape[1]
    F = [TropicalPolynomial([0.0], np.eye(d)[i:i + 1]) for i in range(d)]
    G = [TropicalPolynomial([0.0], np.zeros((1, d))) for _ in range(d)]
    L = len(weights)
    for layer, (W, b) in enumerate(zip(weights, biases)):
        H = [_affine_combination(F, G, W[j], b[j], prune) for j in range(W.shape[0])]
        Gt = [_affine_combination(G, F, W[j], 0.0, prune) for j in range(W.shape[0])]
        if layer < L - 1:
            F = [tropical_sum(Hj, Gj).simplify(prune=prune) for Hj, Gj in zip(H, Gt)]
            G = Gt
        else:
            F, G = H, Gt
    return TropicalRational(F, G)


# ----------------------------------------------------------------------------- ReLU networks


def check_network(weights, biases) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Validate a network given as lists of weight matrices (fan_out, fan_in) and bias vectors.

    Checks that there is at least one layer, that ``weights[l]`` is a 2-D array whose
    number of columns equals the number of rows of ``weights[l-1]``, and that
    ``biases[l]`` has shape ``(weights[l].shape[0],)``. Returns float arrays.
    (The package's one layer check, :func:`nnmath._validate.check_layers`.)
    """
    return check_layers(weights, biases)


def random_relu_network(input_dim: int, width: int, depth: int, *, output_dim: int = 1,
                        bias_std: float = 0.1, integer_range: int | None = None,
                        seed) -> tuple[list[np.ndarray], list[np.ndarray]]:
    r"""A random ReLU network with ``depth`` hidden layers of ``width`` neurons.

    ``depth`` counts hidden layers, so the network has ``depth + 1`` affine maps
    (:math:`L = \text{depth} + 1` in eq. (eq-ff-network) of the chapter).

    Real weights use He's scaling :math:`W_{jk} \sim N(0, 2/n_{\text{in}})` and biases
    :math:`N(0, \sigma_b^2)`. With ``integer_range=k`` all weights and biases are instead
    integers drawn uniformly from :math:`\{-k, \dots, k\}` (the setting of tropical
    polynomials with integer exponents).

    Returns
    -------
    weights, biases : lists of length ``depth + 1``
    """
    input_dim = check_int("input_dim", input_dim, minimum=1)
    width = check_int("width", width, minimum=1)
    depth = check_int("depth", depth, minimum=0)
    output_dim = check_int("output_dim", output_dim, minimum=1)
    bias_std = check_real("bias_std", bias_std, minimum=0.0)
    if integer_range is not None:
        integer_range = check_int("integer_range", integer_range, minimum=1)
    rng = check_rng("seed", seed)
    sizes = [input_dim] + [width] * depth + [output_dim]
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if integer_range is None:
            weights.append(rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in))
            biases.append(bias_std * rng.standard_normal(fan_out))
        else:
            k = integer_range
            weights.append(rng.integers(-k, k + 1, size=(fan_out, fan_in)).astype(float))
            biases.append(rng.integers(-k, k + 1, size=fan_out).astype(float))
    return weights, biases


def _inputs(x, d: int) -> np.ndarray:
    X = np.atleast_2d(check_array("x", x, ndim=(1, 2)))
    if X.shape[1] != d:
        raise ValueError(f"x must have {d} columns (the network's input dimension), got shape {X.shape}")
    return X


def preactivations(weights, biases, x) -> list[np.ndarray]:
    r"""The hidden pre-activations :math:`z_l = W_l h_{l-1} + b_l`, :math:`l = 1, \dots, L-1`.

    Returns a list of arrays of shape (n, n_l), one per hidden layer, for the rows of ``x``.
    """
    weights, biases = check_network(weights, biases)
    h = _inputs(x, weights[0].shape[1])
    zs = []
    for W, b in zip(weights[:-1], biases[:-1]):
        z = h @ W.T + b
        zs.append(z)
        h = np.maximum(z, 0.0)
    return zs


def relu_network(weights, biases, x) -> np.ndarray:
    r"""Evaluate the network :math:`f(x) = W_L \max(\cdots \max(W_1 x + b_1, 0) \cdots) + b_L`.

    ``x`` has shape (n, d) (or (d,)); returns shape (n, n_L).
    """
    weights, biases = check_network(weights, biases)
    h = _inputs(x, weights[0].shape[1])
    for W, b in zip(weights[:-1], biases[:-1]):
        h = np.maximum(h @ W.T + b, 0.0)
    return h @ weights[-1].T + biases[-1]


def activation_pattern(weights, biases, x) -> np.ndarray:
    r"""The activation pattern :math:`s(x) = ([z_{l,j}(x) > 0])_{l,j}` of every hidden neuron.

    Returns a boolean array of shape (n, N), N the number of hidden neurons (layers concatenated).
    """
    zs = preactivations(weights, biases, x)
    if not zs:
        return np.zeros((np.atleast_2d(x).shape[0], 0), dtype=bool)
    return np.concatenate([z > 0 for z in zs], axis=1)


# ----------------------------------------------------------------------------- counting regions


class LineRegions(NamedTuple):
    """Activation regions of a network along the segment ``start + t (end - start)``, ``t`` in [0, 1].

    ``t`` holds the sorted breakpoints (with 0 and 1); the network is affine on each
    ``[t[i], t[i+1]]`` and the activation pattern is constant inside it. ``values`` are
    the network's outputs at ``t`` (shape (len(t), outputs)).
    """

    t: np.ndarray
    values: np.ndarray
    n_regions: int
    n_pieces: int


def regions_on_line(weights, biases, start, end, rtol: float = 1e-9) -> LineRegions:
    r"""Exact activation regions and linear pieces of a ReLU network along a segment.

    Layer by layer: if every pre-activation of layer :math:`l` is affine between
    consecutive points of the current partition of :math:`[0, 1]`, each neuron changes
    sign at most once in each interval, at the zero of the linear interpolation; adding
    these zeros makes the next layer affine between consecutive points again. So each
    layer of width :math:`n_l` multiplies the number of intervals by at most
    :math:`n_l + 1`.

    Returns
    -------
    LineRegions
        ``n_regions``: number of intervals (each with its own activation pattern);
        ``n_pieces``: number of maximal intervals on which the output is affine
        (slopes compared with relative tolerance ``rtol``), ``n_pieces <= n_regions``.
    """
    weights, biases = check_network(weights, biases)
    d = weights[0].shape[1]
    start = check_array("start", start, shape=(d,))
    end = check_array("end", end, shape=(d,))
    if np.array_equal(start, end):
        raise ValueError("end must differ from start")
    rtol = check_real("rtol", rtol, minimum=0.0)
    t = np.array([0.0, 1.0])
    h = np.vstack([start, end])
    for W, b in zip(weights[:-1], biases[:-1]):
        z = h @ W.T + b
        # neuron j changes sign inside interval i (signs, not z[:-1] * z[1:], which underflows for tiny z)
        i, j = np.nonzero(np.sign(z[:-1]) * np.sign(z[1:]) == -1)
        s = z[i, j] / (z[i, j] - z[i + 1, j])
        t_new = t[i] + s * (t[i + 1] - t[i])
        z_new = z[i] + s[:, None] * (z[i + 1] - z[i])
        z_new[np.arange(len(j)), j] = 0.0
        t = np.concatenate([t, t_new])
        z = np.vstack([z, z_new])
        t, first = np.unique(t, return_index=True)
        h = np.maximum(z[first], 0.0)
    values = h @ weights[-1].T + biases[-1]
    slopes = np.diff(values, axis=0) / np.diff(t)[:, None]
    scale = max(1.0, float(np.abs(slopes).max()))
    kinks = np.any(np.abs(np.diff(slopes, axis=0)) > rtol * scale, axis=1)
    return LineRegions(t, values, len(t) - 1, 1 + int(kinks.sum()))


class GridRegions(NamedTuple):
    """Activation regions of a network with 2-D input seen on a grid.

    ``labels[i, j]`` numbers the activation pattern at ``(x[j], y[i])``; ``n_regions``
    is the number of distinct patterns.
    """

    x: np.ndarray
    y: np.ndarray
    labels: np.ndarray
    n_regions: int


def regions_on_grid(weights, biases, xlim=(-1.0, 1.0), ylim=(-1.0, 1.0), resolution: int = 200) -> GridRegions:
    r"""Distinct activation patterns of a network on :math:`\mathbb R^2` on a ``resolution`` square grid.

    Each activation region is convex, so it meets the window in a connected set and the
    count of distinct patterns is the number of regions the grid sees. For generic weights
    it is a lower bound for the number of regions meeting the window (thin regions fall
    between grid points); with degenerate weights (integers, say) a grid point on a line
    :math:`z_{l,j} = 0` can add a pattern of a lower-dimensional set. For exact counts use
    :func:`regions_in_box`.
    """
    weights, biases = check_network(weights, biases)
    if weights[0].shape[1] != 2:
        raise ValueError(f"weights[0] must have 2 columns (a network on R^2), got shape {weights[0].shape}")
    resolution = check_int("resolution", resolution, minimum=2)
    (x0, x1), (y0, y1) = check_interval("xlim", xlim), check_interval("ylim", ylim)
    x = np.linspace(x0, x1, resolution)
    y = np.linspace(y0, y1, resolution)
    XX, YY = np.meshgrid(x, y)
    S = activation_pattern(weights, biases, np.column_stack([XX.ravel(), YY.ravel()]))
    if S.shape[1] == 0:  # no hidden neurons: an affine map, one region
        return GridRegions(x, y, np.zeros((resolution, resolution), dtype=int), 1)
    packed = np.ascontiguousarray(np.packbits(S, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()  # one byte string a pattern
    _, labels = np.unique(keys, return_inverse=True)
    labels = labels.reshape(resolution, resolution)
    return GridRegions(x, y, labels, int(labels.max()) + 1)


class PlaneRegions(NamedTuple):
    r"""The activation regions of a network on :math:`\mathbb R^2` that meet a box, computed exactly.

    ``polygons[k]`` holds the vertices (counter-clockwise, shape (m, 2)) of the closure of
    region ``k`` intersected with the box, ``patterns[k]`` its activation pattern (one bit a
    hidden neuron, as in :func:`activation_pattern`), and ``n_regions`` their number.
    """

    polygons: list
    patterns: np.ndarray
    n_regions: int


def _polygon_area(P: np.ndarray, unit: np.ndarray) -> float:
    """The signed area of a polygon in units of the area of a ``unit[0]`` by ``unit[1]`` rectangle.

    Shoelace formula, positive for counter-clockwise vertices, with the coordinates taken
    relative to the first vertex and divided by ``unit``: no cancellation for a small polygon
    far from the origin, no overflow or underflow for a huge or tiny box.
    """
    x = (P[1:, 0] - P[0, 0]) / unit[0]
    y = (P[1:, 1] - P[0, 1]) / unit[1]
    return 0.5 * float(x[:-1] @ y[1:] - y[:-1] @ x[1:])


def _crosses(z: np.ndarray, tol: float) -> bool:
    """Whether the line where an affine function vanishes cuts a convex polygon in two.

    ``z`` holds the function's values at the polygon's vertices. Values with ``|z| <= tol``
    count as zero (rounding), so the line cuts the polygon exactly when some value is below
    ``-tol`` and some above ``tol``; a line through a vertex, along an edge, or within the
    tolerance does not.
    """
    return bool(z.min() < -tol and z.max() > tol)


def _clip(P: np.ndarray, z: np.ndarray, keep_positive: bool) -> np.ndarray:
    """The part of the convex polygon ``P`` where the affine function with vertex values ``z`` is >= 0 (or <= 0)."""
    v = z if keep_positive else -z
    out = []
    m = len(P)
    for i in range(m):
        j = (i + 1) % m
        if v[i] >= 0:
            out.append(P[i])
        if (v[i] > 0 > v[j]) or (v[i] < 0 < v[j]):  # the edge crosses the line: add the crossing
            s = v[i] / (v[i] - v[j])
            out.append(P[i] + s * (P[j] - P[i]))
    return np.array(out).reshape(-1, 2)


def regions_in_box(weights, biases, xlim=(-1.0, 1.0), ylim=(-1.0, 1.0), min_area: float = 0.0) -> PlaneRegions:
    r"""The exact activation regions of a ReLU network on :math:`\mathbb R^2` inside a box.

    The proof of piecewise linearity as an algorithm, in the plane: start from the box,
    on which the input is the affine map :math:`h_0 = x`. For each hidden layer and each
    current convex polygon, the layer's pre-activations :math:`z_{l,j} = \langle v_j, x\rangle + c_j`
    are affine on the polygon; cut the polygon along each line :math:`z_{l,j} = 0` that
    crosses it (a convex polygon cut by a line gives two convex polygons), record the sign
    of :math:`z_{l,j}` on each part, and carry the new affine map
    :math:`h_l = \operatorname{diag}(s_l) (V x + c)` to the next layer. No sampling is
    involved: each final polygon is the closure of one activation region (with nonempty
    interior) intersected with the box, and each such region appears exactly once, since a
    convex region meets the convex box in a connected set.

    Parameters
    ----------
    weights, biases : lists of arrays
        A network with input dimension 2 (see :func:`check_network`).
    xlim, ylim : pairs of floats
        The box :math:`[x_0, x_1] \times [y_0, y_1]`.
    min_area : float
        A piece cut off by a line is discarded if its area is at most ``min_area`` times the
        area of the box (default 0: only degenerate pieces; with ``min_area >= 1/2`` every
        piece cut off may go, leaving no region). A line :math:`z = \langle v, x\rangle + c = 0`
        is taken to cross a polygon only if :math:`z` exceeds the rounding tolerance
        ``1e-12 * (|v|_1 s + |c|)`` in absolute value on both sides, where :math:`s` is the
        largest absolute coordinate of the box (so :math:`|z| \le |v|_1 s + |c|` on it), and a
        neuron is active on a piece only if :math:`z` exceeds the tolerance there: a line
        through a vertex, along an edge or within the tolerance creates no sliver
        (``_crosses``).

    Returns
    -------
    PlaneRegions
    """
    weights, biases = check_network(weights, biases)
    if weights[0].shape[1] != 2:
        raise ValueError(f"weights[0] must have 2 columns (a network on R^2), got shape {weights[0].shape}")
    (x0, x1), (y0, y1) = check_interval("xlim", xlim), check_interval("ylim", ylim)
    min_area = check_real("min_area", min_area, minimum=0.0)
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    sides = np.array([x1 - x0, y1 - y0])  # areas are measured in units of the box's area
    scale = max(abs(x0), abs(x1), abs(y0), abs(y1))
    n_hidden = sum(W.shape[0] for W in weights[:-1])
    # a piece: (polygon, M, m, bits) with the current hidden vector h = M x + m on the polygon
    pieces = [(box, np.eye(2), np.zeros(2), [])]
    for W, b in zip(weights[:-1], biases[:-1]):
        new_pieces = []
        for P, M, m, bits in pieces:
            V, c = W @ M, W @ m + b  # z(x) = V x + c on P
            tol = 1e-12 * (np.abs(V).sum(axis=1) * scale + np.abs(c))  # |z| <= tol counts as 0
            parts = [(P, P @ V.T + c)]  # the polygons and the values of z at their vertices
            for j in range(len(c)):  # cut every current part along the line z_j = 0
                next_parts = []
                for Q, ZQ in parts:
                    if not _crosses(ZQ[:, j], tol[j]):
                        next_parts.append((Q, ZQ))
                        continue
                    for positive in (True, False):  # each side has a vertex beyond tol: 3+ vertices
                        Qs = _clip(Q, ZQ[:, j], positive)
                        if _polygon_area(Qs, sides) > min_area:
                            next_parts.append((Qs, Qs @ V.T + c))
                parts = next_parts
            for Q, ZQ in parts:
                active = ZQ.max(axis=0) > tol  # the sign of every neuron on the final part
                D = active.astype(float)
                new_pieces.append((Q, D[:, None] * V, D * c, bits + active.tolist()))
        pieces = new_pieces
    polygons = [P for P, _, _, _ in pieces]
    patterns = np.array([bits for _, _, _, bits in pieces], dtype=bool).reshape(len(pieces), n_hidden)
    return PlaneRegions(polygons, patterns, len(pieces))


def hyperplane_bound(n: int, d: int) -> int:
    r"""Zaslavsky's bound :math:`\sum_{j=0}^{d} \binom{n}{j}` on the regions of :math:`n` hyperplanes in :math:`\mathbb R^d`.

    It is attained when the hyperplanes are in general position.
    """
    n = check_int("n", n, minimum=0)
    d = check_int("d", d, minimum=0)
    return sum(comb(n, j) for j in range(d + 1))


def region_bound(widths, input_dim: int) -> int:
    r"""The bound :math:`\prod_{l=1}^{L} \sum_{j=0}^{d} \binom{n_l}{j}` on activation regions.

    ``widths`` are the hidden widths :math:`n_1, \dots, n_L` and ``input_dim`` is
    :math:`d`. For :math:`d = 1` it is :math:`\prod_l (n_l + 1)`.
    """
    input_dim = check_int("input_dim", input_dim, minimum=1)
    if isinstance(widths, (int, np.integer)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a sequence of integers, got {widths!r}")
    bound = 1
    for l, n in enumerate(widths):
        n = check_int(f"widths[{l}]", n, minimum=0)
        bound *= hyperplane_bound(n, input_dim)
    return bound


# ----------------------------------------------------------------------------- max-plus convolution


def _check_signal(name: str, f) -> np.ndarray:
    f = check_array(name, f, ndim=1, finite=False)
    if f.size == 0:
        raise ValueError(f"{name} must be non-empty")
    if np.any(np.isnan(f)) or np.any(f == np.inf):
        raise ValueError(f"{name} must have entries in [-inf, inf) (no NaN or +inf)")
    return f


def maxplus_convolve(f, g) -> np.ndarray:
    r"""The max-plus convolution (dilation) :math:`(f \oplus_* g)_k = \max_{i + j = k} (f_i + g_j)`.

    The tropical analogue of ``numpy.convolve(f, g)`` ("full" mode, length
    ``len(f) + len(g) - 1``): sums become maxima and products sums. Entries may be
    :math:`-\infty` (the tropical zero), e.g. a flat structuring element that is 0 on a
    window and :math:`-\infty` elsewhere gives a running maximum (max pooling).
    """
    f = _check_signal("f", f)
    g = _check_signal("g", g)
    n, m = len(f), len(g)
    out = np.full(n + m - 1, -np.inf)
    for j in range(m):  # one shifted copy of f per entry of g: out = max_j (g_j + f shifted by j)
        out[j:j + n] = np.maximum(out[j:j + n], f + g[j])
    return out


def erosion(h, g) -> np.ndarray:
    r"""The erosion :math:`(\varepsilon_g h)_i = \min_j (h_{i+j} - g_j)`, adjoint of the dilation by :math:`g`.

    For ``h`` of length :math:`N` and ``g`` of length :math:`m` the result has length
    :math:`N - m + 1`, and for every ``f`` of that length

    .. math::  f \oplus_* g \le h \iff f \le \varepsilon_g h .

    ``g`` must be finite here (a :math:`-\infty` entry of ``g`` imposes no constraint and
    is skipped).
    """
    h = _check_signal("h", h)
    g = _check_signal("g", g)
    N, m = len(h), len(g)
    if m > N:
        raise ValueError(f"g must not be longer than h, got lengths {m} and {N}")
    out = np.full(N - m + 1, np.inf)
    for j in range(m):
        if np.isfinite(g[j]):
            out = np.minimum(out, h[j:j + N - m + 1] - g[j])
    return out


# ----------------------------------------------------------------------------- PyTorch bridge


def weights_from_torch(module) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and biases (float64 NumPy) of the ``torch.nn.Linear`` layers of ``module``, in order.

    Meant for an MLP whose only nonlinearity is a ReLU between consecutive linear
    layers, so that :func:`relu_network` computes the same function.
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    layers = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    if not layers:
        raise ValueError("module must contain at least one torch.nn.Linear layer")
    weights = [m.weight.detach().double().numpy().copy() for m in layers]
    biases = [(m.bias.detach().double().numpy().copy() if m.bias is not None else np.zeros(m.out_features))
              for m in layers]
    return check_network(weights, biases)


# ----------------------------------------------------------------------------- network calculus


def _network(name: str, net) -> tuple[list[np.ndarray], list[np.ndarray]]:
    if not isinstance(net, (tuple, list)) or len(net) != 2:
        raise TypeError(f"{name} must be a pair (weights, biases) of lists of arrays, got {type(net).__name__}")
    try:
        return check_network(*net)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{name}: {err}") from None


def n_parameters(weights, biases) -> int:
    r"""The number :math:`\sum_{l=1}^{L} n_l (n_{l-1} + 1)` of entries of the weights and biases."""
    weights, biases = check_network(weights, biases)
    return int(sum(W.size + c.size for W, c in zip(weights, biases)))


def compose(outer, inner) -> tuple[list[np.ndarray], list[np.ndarray]]:
    r"""The composition :math:`\Phi^1 \bullet \Phi^2` of two networks: its realization is :math:`f_{\Phi^1} \circ f_{\Phi^2}`.

    With ``outer`` :math:`= ((W^1_1, b^1_1), \dots, (W^1_L, b^1_L))` and ``inner``
    :math:`= ((W^2_1, b^2_1), \dots, (W^2_K, b^2_K))`, the last affine map of the inner network
    and the first of the outer one are merged into one (no activation sits between them):

    .. math::  \big((W^2_1, b^2_1), \dots, (W^2_{K-1}, b^2_{K-1}), (W^1_1 W^2_K, W^1_1 b^2_K + b^1_1),
               (W^1_2, b^1_2), \dots, (W^1_L, b^1_L)\big),

    a network with :math:`L + K - 1` affine maps (Petersen and Zech's concatenation).
    """
    Wo, bo = _network("outer", outer)
    Wi, bi = _network("inner", inner)
    if Wo[0].shape[1] != Wi[-1].shape[0]:
        raise ValueError(f"outer must take inputs of the dimension of inner's outputs ({Wi[-1].shape[0]}), "
                         f"got input dimension {Wo[0].shape[1]}")
    merged_W = Wo[0] @ Wi[-1]
    merged_b = Wo[0] @ bi[-1] + bo[0]
    return Wi[:-1] + [merged_W] + Wo[1:], bi[:-1] + [merged_b] + bo[1:]


def identity_network(dim: int, depth: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    r"""A ReLU network with ``depth`` affine maps whose realization is the identity of :math:`\mathbb R^{d}`.

    It rests on :math:`x = \relu(x) - \relu(-x)`: the first layer computes
    :math:`(\relu(x), \relu(-x))` with :math:`W_1 = \begin{pmatrix} I \\ -I \end{pmatrix}`, the middle
    layers are :math:`I_{2d}` (the ReLU is the identity on the non-negative vectors they carry) and
    the last is :math:`W_L = (I, -I)`; all biases are zero. For ``depth = 1`` it is the affine
    map :math:`(I, 0)`.
    """
    dim = check_int("dim", dim, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    I = np.eye(dim)
    if depth == 1:
        return [I.copy()], [np.zeros(dim)]
    weights = [np.vstack([I, -I])] + [np.eye(2 * dim) for _ in range(depth - 2)] + [np.hstack([I, -I])]
    biases = [np.zeros(2 * dim) for _ in range(depth - 1)] + [np.zeros(dim)]
    return weights, biases


def compose_sparse(outer, inner) -> tuple[list[np.ndarray], list[np.ndarray]]:
    r"""The sparse composition :math:`\Phi^1 \odot \Phi^2 = \Phi^1 \bullet \mathrm{Id}_{d,2} \bullet \Phi^2`.

    The realization is again :math:`f_{\Phi^1} \circ f_{\Phi^2}`, with :math:`L + K` affine maps;
    routing the intermediate value through :math:`(\relu(y), \relu(-y))` avoids the product
    :math:`W^1_1 W^2_K`, so the number of parameters is at most
    :math:`2 (P(\Phi^1) + P(\Phi^2))`, whatever the widths.
    """
    Wi, bi = _network("inner", inner)
    return compose(outer, compose(identity_network(Wi[-1].shape[0], 2), (Wi, bi)))


def parallel(first, second) -> tuple[list[np.ndarray], list[np.ndarray]]:
    r"""The parallelization :math:`P(\Phi^1, \Phi^2)`: its realization is :math:`x \mapsto (f_{\Phi^1}(x), f_{\Phi^2}(x))`.

    Both networks read the same input. With equal depths the weights are stacked, the first
    layer vertically and the others block-diagonally,

    .. math::  W_1 = \begin{pmatrix} W^1_1 \\ W^2_1 \end{pmatrix}, \qquad
               W_l = \begin{pmatrix} W^1_l & 0 \\ 0 & W^2_l \end{pmatrix} \ (l \ge 2), \qquad
               b_l = \begin{pmatrix} b^1_l \\ b^2_l \end{pmatrix},

    so the two computations never mix. If the depths differ, the shorter network is first
    lengthened by composing it with an identity network (:func:`identity_network`).
    """
    W1, b1 = _network("first", first)
    W2, b2 = _network("second", second)
    if W1[0].shape[1] != W2[0].shape[1]:
        raise ValueError(f"second must have the input dimension of first ({W1[0].shape[1]}), "
                         f"got {W2[0].shape[1]}")
    if len(W1) < len(W2):
        W1, b1 = compose(identity_network(W1[-1].shape[0], len(W2) - len(W1) + 1), (W1, b1))
    elif len(W2) < len(W1):
        W2, b2 = compose(identity_network(W2[-1].shape[0], len(W1) - len(W2) + 1), (W2, b2))
    weights = [np.vstack([W1[0], W2[0]])]
    for A, B in zip(W1[1:], W2[1:]):
        block = np.zeros((A.shape[0] + B.shape[0], A.shape[1] + B.shape[1]))
        block[:A.shape[0], :A.shape[1]] = A
        block[A.shape[0]:, A.shape[1]:] = B
        weights.append(block)
    biases = [np.concatenate([u, v]) for u, v in zip(b1, b2)]
    return weights, biases
