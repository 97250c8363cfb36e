"""Tests of nnmath.tropical: ReLU networks as piecewise-linear and tropical maps."""

from __future__ import annotations

import warnings
from math import comb

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from scipy.optimize import linprog
from scipy.spatial import ConvexHull
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnmath import tropical as tp

ARCHS = [(1, 3, 1), (1, 6, 3), (2, 4, 1), (2, 3, 3), (2, 5, 2), (3, 3, 2)]


def _affine_fit_residual(X: np.ndarray, y: np.ndarray) -> float:
    A = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return float(np.abs(A @ coef - y).max())


# --------------------------------------------------------------------------- tropical polynomials


def test_tropical_polynomial_evaluates_max_of_affine():
    """A tropical polynomial evaluates to the maximum of its affine monomials."""
    p = tp.TropicalPolynomial([0.0, 1.0, -2.0], [[0.0, 0.0], [1.0, -1.0], [2.0, 3.0]])
    x = np.random.default_rng(0).normal(size=(50, 2))
    want = np.max(np.stack([0 * x[:, 0], 1 + x[:, 0] - x[:, 1], -2 + 2 * x[:, 0] + 3 * x[:, 1]]), axis=0)
    np.testing.assert_allclose(p(x), want, atol=1e-14)
    assert p(x[0]) == pytest.approx(want[0])


@pytest.mark.claim("prop-ff-tropical-convex")
@pytest.mark.parametrize("d", [1, 2, 3])
def test_simplify_keeps_the_function(d):
    """Keeping only the upper-hull vertices of the lifted monomials leaves a tropical polynomial unchanged."""
    rng = np.random.default_rng(d)
    p = tp.TropicalPolynomial(rng.normal(size=60), rng.normal(size=(60, d)))
    q = p.simplify()
    assert q.n_monomials < p.n_monomials
    x = 3 * rng.normal(size=(4000, d))
    np.testing.assert_allclose(q(x), p(x), atol=1e-12)


@pytest.mark.claim("prop-ff-tropical-convex")
def test_simplify_flat_lifted_points():
    """Simplifying a polynomial whose lifted monomials are coplanar keeps the function (the degenerate hull case)."""
    rng = np.random.default_rng(7)
    exps = rng.integers(0, 4, size=(30, 2)).astype(float)
    coefs = 1.0 + exps @ np.array([0.5, -2.0])  # all (a_i, c_i) on one plane
    p = tp.TropicalPolynomial(coefs, exps)
    q = p.simplify()
    assert q.n_monomials < p.n_monomials
    x = 3 * rng.normal(size=(3000, 2))
    np.testing.assert_allclose(q(x), p(x), atol=1e-12)
    line = tp.TropicalPolynomial(np.arange(6.0), np.arange(6.0)[:, None] * np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(line.simplify()(x), line(x), atol=1e-12)


def _attains_maximum_alone(exps: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """For each monomial, whether some x makes it strictly larger than all others (a linear program).

    Independent of Qhull: monomial i is a vertex of the upper hull of the lifted points exactly
    when max t subject to c_i + <a_i, x> - c_k - <a_k, x> >= t (k != i), t <= 1, has optimum t > 0.
    """
    m, d = exps.shape
    alone = np.zeros(m, dtype=bool)
    for i in range(m):
        others = np.delete(np.arange(m), i)
        A_ub = np.column_stack([exps[others] - exps[i], np.ones(len(others))])
        b_ub = coefs[i] - coefs[others]
        res = linprog(np.r_[np.zeros(d), -1.0], A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * d + [(None, 1.0)],
                      method="highs")
        alone[i] = res.status == 0 and -res.fun > 1e-9
    return alone


def _rows(p: tp.TropicalPolynomial) -> set:
    return {tuple(np.round(np.r_[a, c], 12)) for a, c in zip(p.exponents, p.coefficients)}


def _wrong_simplify_all_hull_vertices(p: tp.TropicalPolynomial) -> tp.TropicalPolynomial:
    """Mistake: keep every vertex of the lifted hull, lower ones included."""
    keep = ConvexHull(np.column_stack([p.exponents, p.coefficients])).vertices
    return tp.TropicalPolynomial(p.coefficients[keep], p.exponents[keep])


def _wrong_simplify_lower_hull(p: tp.TropicalPolynomial) -> tp.TropicalPolynomial:
    """Mistake: the sign of the normal flipped, keeping the vertices of the lower facets."""
    hull = ConvexHull(np.column_stack([p.exponents, p.coefficients]))
    keep = np.unique(hull.simplices[hull.equations[:, -2] < 0].ravel())
    return tp.TropicalPolynomial(p.coefficients[keep], p.exponents[keep])


def _simplify_is_minimal_and_exact(p, q, x) -> bool:
    """q keeps exactly the monomials of p that attain the maximum alone somewhere, and q = p at the points x."""
    alone = _attains_maximum_alone(p.exponents, p.coefficients)
    wanted = {tuple(np.round(np.r_[a, c], 12)) for a, c, k in zip(p.exponents, p.coefficients, alone) if k}
    return _rows(q) == wanted and np.allclose(q(x), p(x), rtol=0, atol=1e-12)


@pytest.mark.claim("prop-ff-tropical-convex")
def test_simplify_keeps_only_the_upper_hull():
    """simplify keeps exactly the monomials that attain the maximum alone (upper hull), dropping a lower-hull vertex."""
    # d = 1: (1, -5) is a vertex of the lifted hull, but of its lower part only
    p = tp.TropicalPolynomial([0.0, -5.0, 0.0, -10.0], [[0.0], [1.0], [2.0], [3.0]])
    q = p.simplify()
    assert _rows(q) == {(0.0, 0.0), (2.0, 0.0), (3.0, -10.0)}
    x = np.linspace(-30, 30, 601)[:, None]
    assert _simplify_is_minimal_and_exact(p, q, x)
    # d = 2: random generic monomials, compared with linear programs
    rng = np.random.default_rng(11)
    p2 = tp.TropicalPolynomial(rng.normal(size=40), rng.normal(size=(40, 2)))
    x2 = 5 * rng.normal(size=(3000, 2))
    assert _simplify_is_minimal_and_exact(p2, p2.simplify(), x2)
    # negative controls: all hull vertices is not minimal; the lower hull changes the function
    assert not _simplify_is_minimal_and_exact(p, _wrong_simplify_all_hull_vertices(p), x)
    assert not _simplify_is_minimal_and_exact(p2, _wrong_simplify_all_hull_vertices(p2), x2)
    assert not _simplify_is_minimal_and_exact(p2, _wrong_simplify_lower_hull(p2), x2)


def test_tropical_semiring_operations():
    """Tropical sum is the maximum, tropical product the sum and the power a non-negative multiple."""
    rng = np.random.default_rng(1)
    p = tp.TropicalPolynomial(rng.normal(size=5), rng.normal(size=(5, 2)))
    q = tp.TropicalPolynomial(rng.normal(size=4), rng.normal(size=(4, 2)))
    x = rng.normal(size=(300, 2))
    np.testing.assert_allclose(tp.tropical_sum(p, q)(x), np.maximum(p(x), q(x)), atol=1e-13)
    np.testing.assert_allclose(tp.tropical_product(p, q)(x), p(x) + q(x), atol=1e-12)
    np.testing.assert_allclose(tp.tropical_product(p, q, prune=False)(x), p(x) + q(x), atol=1e-12)
    np.testing.assert_allclose(tp.tropical_power(p, 2.5)(x), 2.5 * p(x), atol=1e-12)
    np.testing.assert_allclose(tp.tropical_power(p, 0)(x), 0.0)


@pytest.mark.claim("prop-ff-tropical-convex")
def test_tropical_polynomial_is_convex():
    """A tropical polynomial satisfies the convexity inequality along random chords."""
    rng = np.random.default_rng(2)
    p = tp.TropicalPolynomial(rng.normal(size=8), rng.normal(size=(8, 3)))
    x, y = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    lam = rng.uniform(size=(200, 1))
    assert _convex_along_chords(p, x, y, lam)
    # negative control: a min-plus polynomial (a minimum of affine functions) fails the same check
    assert not _convex_along_chords(_wrong_min_plus_polynomial(p), x, y, lam)


def _convex_along_chords(p, x, y, lam) -> bool:
    return bool(np.all(p(lam * x + (1 - lam) * y) <= lam[:, 0] * p(x) + (1 - lam[:, 0]) * p(y) + 1e-12))


def _wrong_min_plus_polynomial(p: tp.TropicalPolynomial):
    """Mistake: the minimum of the monomials (the min-plus semiring), which is concave."""
    return lambda z: (np.atleast_2d(z) @ p.exponents.T + p.coefficients).min(axis=1)


# --------------------------------------------------------------------------- the tropical identity


@pytest.mark.claim("thm-ff-tropical")
@pytest.mark.parametrize("d,width,depth", ARCHS)
@pytest.mark.parametrize("integer", [False, True])
def test_network_equals_difference_of_tropical_polynomials(d, width, depth, integer):
    """A ReLU network equals F - G for the tropical polynomials F, G of the layer-wise construction, to 1e-10."""
    W, b = tp.random_relu_network(d, width, depth, integer_range=2 if integer else None, seed=10 * d + depth)
    R = tp.tropical_decomposition(W, b)
    x = 3 * np.random.default_rng(0).normal(size=(3000, d))
    np.testing.assert_allclose(R(x), tp.relu_network(W, b, x), rtol=0, atol=1e-10)
    if integer:  # integer weights give integer exponents: honest tropical polynomials
        for p in R.F + R.G:
            assert np.array_equal(p.exponents, np.round(p.exponents))
    for p in R.F + R.G:  # F and G are convex (exponents non-negative, as in Zhang et al.)
        assert np.all(p.exponents >= 0)
    if depth == 1 and np.any(W[0] < 0):  # negative control: the ReLU as max(H, 0) - G instead of max(H, G) - G is rejected
        assert not np.allclose(_wrong_relu_max_with_zero(W, b, x), tp.relu_network(W, b, x), rtol=0, atol=1e-10)


def _wrong_relu_max_with_zero(W, b, x):
    """Mistake in the recursion for one hidden layer: F^(1) = max(H, 0) in place of max(H, G).

    Written from the formulas, independently of tropical_decomposition: H = W+ x + b, G = W- x,
    h = max(H, G) - G would be exact; the wrong variant keeps max(H, 0) - G.
    """
    Wp, Wm = np.maximum(W[0], 0), np.maximum(-W[0], 0)
    H, G = x @ Wp.T + b[0], x @ Wm.T
    h_wrong = np.maximum(H, 0.0) - G
    return h_wrong @ W[1].T + b[1]


@pytest.mark.claim("thm-ff-tropical")
def test_tropical_identity_without_pruning():
    """The unpruned construction gives the same F - G as the network (pruning is only a simplification)."""
    W, b = tp.random_relu_network(2, 3, 2, seed=5)
    R = tp.tropical_decomposition(W, b, prune=False)
    x = 2 * np.random.default_rng(1).normal(size=(1000, 2))
    np.testing.assert_allclose(R(x), tp.relu_network(W, b, x), rtol=0, atol=1e-10)


# --------------------------------------------------------------------------- piecewise linearity


@pytest.mark.claim("thm-ff-pwl")
@pytest.mark.parametrize("width,depth", [(3, 1), (5, 2), (8, 3), (4, 5)])
def test_line_regions_match_sampled_patterns(width, depth):
    """Along a segment the exact region count equals the number of distinct activation patterns sampled, each pattern once."""
    W, b = tp.random_relu_network(1, width, depth, seed=width + depth)
    lr = tp.regions_on_line(W, b, [-3.0], [3.0])
    mids = 0.5 * (lr.t[:-1] + lr.t[1:])
    P = tp.activation_pattern(W, b, (-3.0 + 6.0 * mids)[:, None])
    # convex regions: a segment meets each in one interval, so the patterns are pairwise distinct
    assert len(np.unique(P, axis=0)) == lr.n_regions
    ts = np.concatenate([mids, np.linspace(0, 1, 20001)])
    S = tp.activation_pattern(W, b, (-3.0 + 6.0 * ts)[:, None])
    assert len(np.unique(S, axis=0)) == lr.n_regions
    assert lr.n_pieces <= lr.n_regions
    # negative control: one layer of breakpoints only (the first hidden layer's zeros) misses regions
    if depth >= 2:
        assert _wrong_first_layer_breakpoints_only(W, b) < lr.n_regions


def _wrong_first_layer_breakpoints_only(W, b) -> int:
    """Mistake: the zeros of the first layer's neurons taken as all breakpoints on [-3, 3]."""
    zeros = -b[0] / W[0][:, 0]
    return 1 + int(np.sum((zeros > -3.0) & (zeros < 3.0)))


@pytest.mark.claim("thm-ff-pwl")
@pytest.mark.parametrize("d,width,depth", [(2, 6, 2), (3, 4, 3)])
def test_network_is_affine_on_each_activation_region(d, width, depth):
    """On each activation region the network is affine: a least-squares affine fit has residual below 1e-10."""
    W, b = tp.random_relu_network(d, width, depth, seed=3)
    x = np.random.default_rng(4).uniform(-2, 2, size=(20000, d))
    P = tp.activation_pattern(W, b, x)
    y = tp.relu_network(W, b, x)[:, 0]
    _, labels = np.unique(P, axis=0, return_inverse=True)
    labels = labels.ravel()
    checked = 0
    y_soft = _wrong_softplus_network(W, b, x)
    worst_soft = 0.0
    for k in range(labels.max() + 1):
        idx = labels == k
        if idx.sum() > d + 2:
            assert _affine_fit_residual(x[idx], y[idx]) < 1e-10
            worst_soft = max(worst_soft, _affine_fit_residual(x[idx], y_soft[idx]))
            checked += 1
    assert checked >= 5
    assert worst_soft > 1e-4  # negative control: a softplus network is not affine on these regions


def _wrong_softplus_network(W, b, x):
    """Mistake: the smooth softplus log(1 + e^z) in place of the ReLU."""
    h = x
    for M, c in zip(W[:-1], b[:-1]):
        h = np.logaddexp(0.0, h @ M.T + c)
    return (h @ W[-1].T + b[-1])[:, 0]


@pytest.mark.claim("thm-ff-pwl")
def test_network_is_continuous_and_affine_between_breakpoints():
    """Between consecutive exact breakpoints on a line the network equals the linear interpolation of its values."""
    W, b = tp.random_relu_network(2, 8, 3, seed=7)
    start, end = np.array([-2.0, 1.0]), np.array([2.5, -1.5])
    lr = tp.regions_on_line(W, b, start, end)
    ts = np.random.default_rng(0).uniform(size=2000)
    exact = tp.relu_network(W, b, start + ts[:, None] * (end - start))[:, 0]
    np.testing.assert_allclose(np.interp(ts, lr.t, lr.values[:, 0]), exact, atol=1e-10)


def _pieces_by_autograd(weights, biases, start: float, end: float, t: np.ndarray) -> int:
    """Affine pieces on a segment of R: 1 + the number of changes of the torch.autograd derivative between breakpoints."""
    mids = torch.tensor(start + (end - start) * 0.5 * (t[:-1] + t[1:]), requires_grad=True)
    h = mids[:, None]
    for W, b in zip(weights[:-1], biases[:-1]):
        h = torch.relu(h @ torch.tensor(W).T + torch.tensor(b))
    out = (h @ torch.tensor(weights[-1]).T + torch.tensor(biases[-1]))[:, 0]
    (slopes,) = torch.autograd.grad(out.sum(), mids)
    slopes = slopes.numpy()
    return 1 + int(np.sum(np.abs(np.diff(slopes)) > 1e-9 * max(1.0, np.abs(slopes).max())))


def _wrong_pieces_are_regions(lr: tp.LineRegions) -> int:
    """Mistake: every activation region counted as an affine piece."""
    return lr.n_regions


@pytest.mark.claim("thm-ff-pwl")
def test_pieces_can_be_fewer_than_regions():
    """A neuron that switches without bending the output makes more regions than affine pieces; `n_pieces` counts the pieces."""
    # f = relu(x) with a second neuron relu(x - 1) whose outgoing weight is 0: 3 regions, 2 pieces on [-2, 2]
    W, b = [np.array([[1.0], [1.0]]), np.array([[1.0, 0.0]])], [np.array([0.0, -1.0]), np.zeros(1)]
    lr = tp.regions_on_line(W, b, [-2.0], [2.0])
    assert (lr.n_regions, lr.n_pieces) == (3, 2) == (lr.n_regions, _pieces_by_autograd(W, b, -2.0, 2.0, lr.t))
    # the identity relu(x) - relu(-x): 2 regions, 1 piece
    Wi, bi = tp.identity_network(1, 2)
    li = tp.regions_on_line(Wi, bi, [-2.0], [2.0])
    assert (li.n_regions, li.n_pieces) == (2, 1)
    # a random network: the pieces agree with the derivative changes found by autograd
    Wr, br = tp.random_relu_network(1, 6, 3, bias_std=0.5, seed=1)
    lr_r = tp.regions_on_line(Wr, br, [-3.0], [3.0])
    assert lr_r.n_pieces == _pieces_by_autograd(Wr, br, -3.0, 3.0, lr_r.t) <= lr_r.n_regions
    # negative control: counting regions as pieces fails the first two checks
    assert _wrong_pieces_are_regions(lr) != 2 and _wrong_pieces_are_regions(li) != 1


# --------------------------------------------------------------------------- region bounds


def _regions_by_linear_programs(weights, biases, lo: float, hi: float) -> int:
    """Activation regions with nonempty interior in the box [lo, hi]^d, found with linear programs.

    An independent reference for ``regions_in_box``: a depth-first search over the hidden
    neurons, layer by layer. A partial pattern is kept if the linear program
    max t subject to s_j (<v_j, x> + c_j) >= t |v_j| for the fixed neurons and lo + t <= x_i <= hi - t
    has an optimum t > 0 (an open ball of radius t fits in the region and the box). On a
    region of the previous layers the next pre-activations are affine, so the constraints are linear.
    """
    d = weights[0].shape[1]
    hidden = list(zip(weights[:-1], biases[:-1]))

    def interior(A, c) -> bool:
        A, c = np.asarray(A).reshape(-1, d), np.asarray(c)
        rows = [np.column_stack([-A, np.linalg.norm(A, axis=1)])] if len(A) else []
        rhs = [c] if len(A) else []
        rows += [np.column_stack([-np.eye(d), np.ones(d)]), np.column_stack([np.eye(d), np.ones(d)])]
        rhs += [-lo * np.ones(d), hi * np.ones(d)]
        res = linprog(np.r_[np.zeros(d), -1.0], A_ub=np.vstack(rows), b_ub=np.concatenate(rhs),
                      bounds=[(None, None)] * d + [(None, 1.0)], method="highs")
        return res.status == 0 and -res.fun > 1e-9

    def search(layer, j, M, m, A, c, signs) -> int:
        if layer == len(hidden):
            return 1
        W, b = hidden[layer]
        if j == W.shape[0]:
            D = np.array(signs, dtype=float)
            return search(layer + 1, 0, D[:, None] * (W @ M), D * (W @ m + b), A, c, [])
        v, cj = W[j] @ M, W[j] @ m + b[j]
        if np.linalg.norm(v) < 1e-12:  # constant on the region: one sign only
            return search(layer, j + 1, M, m, A, c, signs + [bool(cj > 0)])
        total = 0
        for positive in (True, False):
            s = 1.0 if positive else -1.0
            A2, c2 = A + [s * v], c + [s * cj]
            if interior(A2, c2):
                total += search(layer, j + 1, M, m, A2, c2, signs + [positive])
        return total

    return search(0, 0, np.eye(d), np.zeros(d), [], [], [])


@pytest.mark.parametrize("width,depth,seed,integer", [(4, 1, 0, None), (4, 2, 1, None), (3, 3, 2, None),
                                                       (5, 2, 3, None), (3, 2, 4, 1), (3, 2, 5, 2)])
def test_plane_regions_match_linear_programs(width, depth, seed, integer):
    """The exact polygon count of regions in a box equals the count found by linear programs (also for degenerate integer weights)."""
    W, b = tp.random_relu_network(2, width, depth, bias_std=0.5, integer_range=integer, seed=seed)
    exact = tp.regions_in_box(W, b, (-2, 2), (-2, 2))
    assert exact.n_regions == _regions_by_linear_programs(W, b, -2.0, 2.0)
    # one polygon a pattern, each polygon's centroid has its pattern, and the polygons tile the box
    assert len(np.unique(exact.patterns, axis=0)) == exact.n_regions
    centroids = np.array([P.mean(axis=0) for P in exact.polygons])
    np.testing.assert_array_equal(tp.activation_pattern(W, b, centroids), exact.patterns)
    area = sum(ConvexHull(P).volume for P in exact.polygons)
    assert area == pytest.approx(16.0, rel=1e-12)
    if integer is None:  # the grid is a lower bound (with integer weights grid points can sit on a line)
        assert tp.regions_on_grid(W, b, (-2, 2), (-2, 2), resolution=60).n_regions <= exact.n_regions


def test_grid_counter_is_not_exact():
    """Negative control for the exact counter: a coarse grid misses thin regions that the polygons and the LPs find."""
    W, b = tp.random_relu_network(2, 8, 4, bias_std=0.1, seed=0)
    exact = tp.regions_in_box(W, b, (-2, 2), (-2, 2)).n_regions
    assert tp.regions_on_grid(W, b, (-2, 2), (-2, 2), resolution=200).n_regions < exact


def _general_position_lines(n: int, seed: int):
    """n random lines in the plane as a one-hidden-layer network, and a box containing all their crossings."""
    rng = np.random.default_rng(seed)
    A, c = rng.standard_normal((n, 2)), rng.standard_normal(n)
    crossings = [np.linalg.solve(A[[i, j]], -c[[i, j]]) for i in range(n) for j in range(i + 1, n)]
    r = 1.0 + (np.abs(crossings).max() if crossings else 0.0)
    return [A, np.ones((1, n))], [c, np.zeros(1)], r


def _wrong_zaslavsky_without_top_term(n: int, d: int) -> int:
    """Mistake: the sum stops at j = d - 1."""
    return sum(comb(n, j) for j in range(d))


def _wrong_zaslavsky_power(n: int, d: int) -> int:
    """Mistake: (n + 1)^d, the number of regions of d families of parallel lines (a grid)."""
    return (n + 1) ** d


@pytest.mark.claim("lem-ff-zaslavsky")
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 12])
def test_lines_in_general_position_attain_zaslavsky(n):
    r"""$n$ random lines (general position almost surely) cut the plane into exactly $\sum_{j\le 2}\binom{n}{j}$ regions, counted exactly."""
    W, b, r = _general_position_lines(n, seed=n)
    count = tp.regions_in_box(W, b, (-r, r), (-r, r)).n_regions
    assert count == tp.hyperplane_bound(n, 2) == 1 + n + n * (n - 1) // 2
    if n >= 3:  # negative controls: the same exact check rejects the wrong formulas
        assert count != _wrong_zaslavsky_without_top_term(n, 2)
        assert count != _wrong_zaslavsky_power(n, 2)


@pytest.mark.claim("lem-ff-zaslavsky")
@pytest.mark.parametrize("n", [3, 5, 6])
def test_planes_in_general_position_attain_zaslavsky(n):
    r"""$n$ random planes in $\R^3$ have exactly $\sum_{j\le 3}\binom{n}{j}$ regions, counted with linear programs."""
    rng = np.random.default_rng(10 + n)
    A, c = rng.standard_normal((n, 3)), rng.standard_normal(n)
    triples = [np.linalg.solve(A[list(t)], -c[list(t)]) for t in
               [(i, j, k) for i in range(n) for j in range(i + 1, n) for k in range(j + 1, n)]]
    r = 1.0 + np.abs(triples).max()  # the box holds every vertex, so it meets every region
    count = _regions_by_linear_programs([A, np.ones((1, n))], [c, np.zeros(1)], -r, r)
    assert count == tp.hyperplane_bound(n, 3)
    assert count != _wrong_zaslavsky_without_top_term(n, 3)


@pytest.mark.claim("lem-ff-zaslavsky")
def test_zaslavsky_equality_needs_general_position():
    """Lines through one point or parallel lines have fewer regions than the bound (the bound itself still holds)."""
    n = 5
    angles = np.pi * np.arange(n) / n
    A = np.column_stack([np.cos(angles), np.sin(angles)])
    concurrent = tp.regions_in_box([A, np.ones((1, n))], [np.zeros(n), np.zeros(1)], (-3, 3), (-3, 3)).n_regions
    assert concurrent == 2 * n < tp.hyperplane_bound(n, 2)
    parallel = tp.regions_in_box([np.tile([[1.0, 0.0]], (n, 1)), np.ones((1, n))],
                                 [-np.linspace(-1, 1, n), np.zeros(1)], (-3, 3), (-3, 3)).n_regions
    assert parallel == n + 1 < tp.hyperplane_bound(n, 2)


def _zigzag_network(n: int, hidden: int):
    """Montufar-type folding network on R: layer 1 computes relu(x - k/n), k < n; each later hidden layer
    relu(g - k/n) of the zigzag g (slopes +-n, n teeth on [0, 1]); the last hidden layer uses the
    thresholds (k + 1/2)/n, so that it cuts every tooth of the previous zigzag n times."""
    c = np.array([n] + [(-1) ** k * 2 * n for k in range(1, n)], dtype=float)
    W, b = [np.ones((n, 1))], [-np.arange(n) / n]
    for _ in range(1, hidden):
        W.append(np.tile(c, (n, 1)))
        b.append(-np.arange(n) / n)
    b[-1] = -(np.arange(n) + 0.5) / n
    W.append(c[None, :])
    b.append(np.zeros(1))
    return W, b


def _bound_is_sharp(count: int, bound: float, min_ratio: float) -> bool:
    """The check of a bound near its worst case: count <= bound and count / bound >= min_ratio."""
    return count <= bound and count / bound >= min_ratio


def _wrong_line_bound_doubled(widths) -> int:
    """Mistake: an overstated constant, 2 prod (n_l + 1)."""
    return 2 * tp.region_bound(widths, 1)


def _wrong_line_bound_without_plus_one(widths) -> int:
    """Mistake: prod n_l, forgetting the region where all neurons of a layer are off."""
    return int(np.prod(widths))


@pytest.mark.claim("thm-ff-regions")
@pytest.mark.parametrize("n", [4, 8, 16])
def test_line_region_bound_is_nearly_attained_at_depth_two(n):
    r"""A folding network with two hidden layers of width $n$ has $1 + n(n+1)$ regions on a line, within $(n+1)^2$ and at ratio $\ge 1 - 1/(n+1)$."""
    W, b = _zigzag_network(n, 2)
    lr = tp.regions_on_line(W, b, [-1.0], [2.0])
    mids = -1.0 + 3.0 * 0.5 * (lr.t[:-1] + lr.t[1:])
    assert len(np.unique(tp.activation_pattern(W, b, mids[:, None]), axis=0)) == lr.n_regions
    assert lr.n_regions == 1 + n * (n + 1)
    bound = tp.region_bound([n, n], 1)
    assert _bound_is_sharp(lr.n_regions, bound, 1 - 1 / (n + 1))
    # negative controls: an overstated constant fails the ratio, a bound without the "+1" is violated
    assert not _bound_is_sharp(lr.n_regions, _wrong_line_bound_doubled([n, n]), 1 - 1 / (n + 1))
    assert not _bound_is_sharp(lr.n_regions, _wrong_line_bound_without_plus_one([n, n]), 1 - 1 / (n + 1))


@pytest.mark.claim("thm-ff-regions")
def test_line_region_bound_is_within_a_constant_at_depth_three():
    """With three hidden layers of width 8 the folding network reaches more than $3/4$ of the bound $9^3$."""
    W, b = _zigzag_network(8, 3)
    count = tp.regions_on_line(W, b, [-1.0], [2.0]).n_regions
    assert _bound_is_sharp(count, tp.region_bound([8, 8, 8], 1), 0.75)
    assert not _bound_is_sharp(count, _wrong_line_bound_doubled([8, 8, 8]), 0.75)
    assert not _bound_is_sharp(count, _wrong_line_bound_without_plus_one([8, 8, 8]), 0.75)


@pytest.mark.claim("thm-ff-regions")
@pytest.mark.parametrize("width,depth", [(2, 6), (4, 4), (8, 3), (16, 2), (32, 1)])
def test_region_count_on_line_below_bound(width, depth):
    r"""Random ReLU networks on $\R^4$ have at most $\prod_l (n_l + 1)$ activation regions on a segment."""
    rng = np.random.default_rng(width + depth)
    for seed in range(5):
        W, b = tp.random_relu_network(4, width, depth, bias_std=1.0, seed=seed)
        u = rng.standard_normal(4)
        lr = tp.regions_on_line(W, b, -3.0 * u, 3.0 * u)
        assert lr.n_pieces <= lr.n_regions <= tp.region_bound([width] * depth, 1)
        W1, b1 = tp.random_relu_network(1, width, depth, bias_std=1.0, seed=seed)
        assert tp.regions_on_line(W1, b1, [-5.0], [5.0]).n_regions <= tp.region_bound([width] * depth, 1)


@pytest.mark.claim("thm-ff-regions")
@pytest.mark.parametrize("width,depth", [(3, 3), (6, 2), (10, 1)])
def test_exact_region_count_in_plane_below_bound(width, depth):
    r"""Random ReLU networks on the plane have at most $\prod_l \sum_{j\le 2}\binom{n_l}{j}$ regions, counted exactly."""
    for seed in range(3):
        W, b = tp.random_relu_network(2, width, depth, bias_std=0.5, seed=seed)
        assert tp.regions_in_box(W, b, (-6, 6), (-6, 6)).n_regions <= tp.region_bound([width] * depth, 2)


@pytest.mark.claim("thm-ff-regions")
def test_plane_bound_is_attained_by_one_layer_and_nearly_by_two():
    """In the plane one layer in general position attains the bound; two layers of width 2 reach at least half of it."""
    W, b, r = _general_position_lines(6, seed=6)
    assert _bound_is_sharp(tp.regions_in_box(W, b, (-r, r), (-r, r)).n_regions, tp.region_bound([6], 2), 1.0)
    # two coordinate folds per layer: a tent in x_1 and a tent in x_2 (width 2 each), regions multiply
    W2 = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[2.0, 0.0], [0.0, 2.0]]), np.ones((1, 2))]
    b2 = [np.zeros(2), np.array([-1.0, -1.0]), np.zeros(1)]
    count = tp.regions_in_box(W2, b2, (-2, 2), (-2, 2)).n_regions
    bound = tp.region_bound([2, 2], 2)
    assert _bound_is_sharp(count, bound, 0.5)
    assert not _bound_is_sharp(count, 4 * bound, 0.5)


@pytest.mark.claim("thm-ff-regions")
def test_tent_compositions_have_exponentially_many_pieces():
    """Composing the tent map $L$ times (width 2) gives exactly $2^L$ pieces on $[0, 1]$, below the bound $3^L$."""
    for L in range(1, 7):
        # tent g(x) = 2 relu(x) - 4 relu(x - 1/2); each hidden layer computes relu(g), relu(g - 1/2)
        W = [np.array([[1.0], [1.0]])] + [np.array([[2.0, -4.0], [2.0, -4.0]])] * (L - 1) + [np.array([[2.0, -4.0]])]
        b = [np.array([0.0, -0.5])] * L + [np.zeros(1)]
        lr = tp.regions_on_line(W, b, [0.0], [1.0])
        assert lr.n_pieces == 2**L
        assert lr.n_pieces <= tp.region_bound([2] * L, 1)


def test_region_bound_values():
    """The bounds are the closed forms: sum of binomials, product over layers."""
    assert tp.hyperplane_bound(5, 2) == 16
    assert tp.hyperplane_bound(3, 5) == 8
    assert tp.region_bound([4, 4], 1) == 25
    assert tp.region_bound([3, 5], 2) == 7 * 16


# --------------------------------------------------------------------------- max-plus convolution


# Integer-valued floats: sums and differences of integers below 2^53 are exact, so the laws are
# checked with exact equality and the order relations of the adjunction without any tolerance.
integer_signal = arrays(np.float64, st.integers(1, 12), elements=st.integers(-50, 50).map(float))


@pytest.mark.claim("prop-ff-dilation")
@settings(max_examples=60)
@given(integer_signal, integer_signal, integer_signal)
def test_maxplus_convolution_laws(f, g, h):
    """Max-plus convolution is commutative, associative and distributes over the pointwise maximum (exactly, on integers)."""
    np.testing.assert_array_equal(tp.maxplus_convolve(f, g), tp.maxplus_convolve(g, f))
    np.testing.assert_array_equal(tp.maxplus_convolve(tp.maxplus_convolve(f, g), h),
                                  tp.maxplus_convolve(f, tp.maxplus_convolve(g, h)))
    if len(g) == len(h):
        np.testing.assert_array_equal(tp.maxplus_convolve(f, np.maximum(g, h)),
                                      np.maximum(tp.maxplus_convolve(f, g), tp.maxplus_convolve(f, h)))


def _direct_dilation(f, g):
    """max_{i+j=k} (f_i + g_j) by the definition, a double loop (independent of nnmath)."""
    out = np.full(len(f) + len(g) - 1, -np.inf)
    for i in range(len(f)):
        for j in range(len(g)):
            out[i + j] = max(out[i + j], f[i] + g[j])
    return out


def _wrong_dilation_min_plus(f, g):
    """Mistake: min instead of max (the other tropical semiring)."""
    return -_direct_dilation(-np.asarray(f), -np.asarray(g))


def _wrong_erosion_adds_g(h, g):
    """Mistake: h_{i+j} + g_j instead of h_{i+j} - g_j."""
    return tp.erosion(h, -np.asarray(g))


def _adjunction_fails(dilate, erode, f, g, h) -> bool:
    """True if (dilate(f, g) <= h) and (f <= erode(h, g)) disagree, or the closing is not above f."""
    lhs = bool(np.all(dilate(f, g) <= h))
    rhs = bool(np.all(f <= erode(h, g)))
    return lhs != rhs or not np.all(f <= erode(dilate(f, g), g))


@pytest.mark.claim("prop-ff-dilation")
@settings(max_examples=60)
@given(integer_signal, integer_signal, st.data())
def test_dilation_erosion_adjunction(f, g, data):
    """Dilation by g is below h exactly when f is below the erosion of h by g (exact on integer-valued signals)."""
    h = data.draw(arrays(np.float64, len(f) + len(g) - 1, elements=st.integers(-60, 60).map(float)))
    np.testing.assert_array_equal(tp.maxplus_convolve(f, g), _direct_dilation(f, g))
    assert not _adjunction_fails(tp.maxplus_convolve, tp.erosion, f, g, h)
    # the closing is extensive (f <= closing) and the dilations of f and of its closing coincide, exactly
    e = tp.erosion(tp.maxplus_convolve(f, g), g)
    assert np.all(f <= e)
    np.testing.assert_array_equal(tp.maxplus_convolve(e, g), tp.maxplus_convolve(f, g))


def test_laws_check_rejects_min_plus_distributivity():
    """Negative control: min-plus convolution does not distribute over the pointwise maximum (the law checked above)."""
    f, g, h = np.array([0.0, 2.0]), np.array([1.0, -3.0]), np.array([-2.0, 4.0])
    assert np.array_equal(_direct_dilation(f, np.maximum(g, h)),
                          np.maximum(_direct_dilation(f, g), _direct_dilation(f, h)))
    assert not np.array_equal(_wrong_dilation_min_plus(f, np.maximum(g, h)),
                              np.maximum(_wrong_dilation_min_plus(f, g), _wrong_dilation_min_plus(f, h)))


def test_adjunction_check_rejects_wrong_operators():
    """Negative controls: the adjunction check rejects an erosion that adds g, and min-plus is not the dilation."""
    f, g = np.array([0.0, 3.0, -1.0]), np.array([2.0, -1.0])
    h = tp.maxplus_convolve(f, g)  # the smallest h above the dilation: the adjunction is tight here
    assert not _adjunction_fails(tp.maxplus_convolve, tp.erosion, f, g, h)
    assert _adjunction_fails(tp.maxplus_convolve, _wrong_erosion_adds_g, f, g, h)
    assert not np.array_equal(_wrong_dilation_min_plus(f, g), _direct_dilation(f, g))


@pytest.mark.claim("prop-ff-dilation")
def test_flat_dilation_is_max_pooling():
    """Dilation by a flat window of width k equals PyTorch's max pooling with stride 1."""
    f = np.random.default_rng(0).normal(size=40)
    k = 5
    dil = tp.maxplus_convolve(f, np.zeros(k))[k - 1:len(f)]  # windows fully inside f
    pool = torch.nn.functional.max_pool1d(torch.tensor(f)[None, None], k, stride=1)[0, 0].numpy()
    np.testing.assert_allclose(dil, pool)
    # negative control: the min-plus variant gives min pooling, which the same comparison rejects
    assert not np.allclose(_wrong_dilation_min_plus(f, np.zeros(k))[k - 1:len(f)], pool)
    # -inf is the tropical zero: padding g with it changes nothing
    np.testing.assert_allclose(tp.maxplus_convolve(f, [0.0, -np.inf, 1.0])[:len(f)][2:],
                               np.maximum(f[2:], f[:-2] + 1.0))


def test_maxplus_convolution_is_tropical_numpy_convolve():
    """Under exp(beta x) and beta -> infinity, ordinary convolution tends to max-plus convolution."""
    rng = np.random.default_rng(3)
    f, g = rng.normal(size=7), rng.normal(size=4)
    beta = 50.0
    soft = np.log(np.convolve(np.exp(beta * f), np.exp(beta * g))) / beta
    np.testing.assert_allclose(soft, tp.maxplus_convolve(f, g), atol=np.log(4) / beta + 1e-12)


# --------------------------------------------------------------------------- networks and torch


def test_relu_network_matches_torch():
    """The NumPy evaluation agrees with a torch.nn.Sequential MLP whose weights it reads."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 4), torch.nn.ReLU(),
                                torch.nn.Linear(4, 3)).double()
    W, b = tp.weights_from_torch(model)
    x = np.random.default_rng(0).normal(size=(100, 5))
    with torch.no_grad():
        want = model(torch.tensor(x)).numpy()
    np.testing.assert_allclose(tp.relu_network(W, b, x), want, atol=1e-12)
    assert tp.activation_pattern(W, b, x).shape == (100, 11)


def test_random_network_is_seeded():
    """The same seed gives the same network."""
    a = tp.random_relu_network(2, 4, 2, seed=3)
    c = tp.random_relu_network(2, 4, 2, seed=3)
    for u, v in zip(a[0] + a[1], c[0] + c[1]):
        np.testing.assert_array_equal(u, v)


# --------------------------------------------------------------------------- network calculus


def _torch_realization(weights, biases):
    """The realization of a network as a torch.nn.Sequential (Linear, ReLU, ..., Linear) in float64."""
    layers = []
    for l, (W, b) in enumerate(zip(weights, biases)):
        lin = torch.nn.Linear(W.shape[1], W.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W))
            lin.bias.copy_(torch.tensor(b))
        layers += [lin] + ([torch.nn.ReLU()] if l < len(weights) - 1 else [])
    model = torch.nn.Sequential(*layers)
    return lambda x: model(torch.tensor(x)).detach().numpy()


def _wrong_compose_drops_inner_bias(outer, inner):
    """Mistake: the merged bias is b^1_1 alone, forgetting W^1_1 b^2_K."""
    W, b = tp.compose(outer, inner)
    K = len(inner[0])
    b = list(b)
    b[K - 1] = outer[1][0].copy()
    return W, b


def _wrong_identity_one_relu(dim, depth):
    """Mistake: the identity as relu(x) through every hidden layer (wrong for negative inputs)."""
    return [np.eye(dim) for _ in range(depth)], [np.zeros(dim) for _ in range(depth)]


def _wrong_parallel_mixing(first, second):
    """Mistake: the off-diagonal blocks of the deeper layers filled instead of zero."""
    W, b = tp.parallel(first, second)
    return [W[0]] + [np.where(M == 0.0, 0.1, M) for M in W[1:]], b


def _realizes(net, f, x, atol=1e-12) -> bool:
    return np.allclose(tp.relu_network(*net, x), f(x), rtol=0, atol=atol)


@pytest.mark.claim("lem-ff-relu-identity")
@pytest.mark.parametrize("dim,depth", [(1, 1), (1, 2), (3, 2), (3, 5)])
def test_identity_network_is_exactly_the_identity(dim, depth):
    """The identity network with depth affine maps returns its input exactly (bit for bit), negative entries included."""
    rng = np.random.default_rng(dim + depth)
    x = rng.normal(size=(500, dim)) * 10.0 ** rng.integers(-3, 4, size=(500, 1))  # many magnitudes, both signs
    net = tp.identity_network(dim, depth)
    assert len(net[0]) == depth
    np.testing.assert_array_equal(tp.relu_network(*net, x), x)
    if depth >= 2:
        assert [W.shape[0] for W in net[0][:-1]] == [2 * dim] * (depth - 1)
        assert not _realizes(_wrong_identity_one_relu(dim, depth), lambda z: z, x)


@pytest.mark.claim("prop-ff-composition")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_composition_realizes_the_composed_function(seed):
    r"""Both compositions of two random networks compute $f_{\mathrm{outer}}(f_{\mathrm{inner}}(x))$ as evaluated by torch; depths add as stated."""
    inner = tp.random_relu_network(4, 5, 2, output_dim=3, bias_std=0.5, seed=seed)
    outer = tp.random_relu_network(3, 6, 3, output_dim=2, bias_std=0.5, seed=100 + seed)
    x = np.random.default_rng(seed).normal(size=(400, 4))
    f_inner, f_outer = _torch_realization(*inner), _torch_realization(*outer)
    composed = lambda z: f_outer(f_inner(z))  # noqa: E731
    net, sparse = tp.compose(outer, inner), tp.compose_sparse(outer, inner)
    assert _realizes(net, composed, x) and _realizes(sparse, composed, x)
    assert len(net[0]) == len(outer[0]) + len(inner[0]) - 1 and len(sparse[0]) == len(outer[0]) + len(inner[0])
    P1, P2 = tp.n_parameters(*outer), tp.n_parameters(*inner)
    assert tp.n_parameters(*sparse) <= 2 * (P1 + P2)
    # negative control: forgetting W^1_1 b^2_K is caught by the same check
    assert not _realizes(_wrong_compose_drops_inner_bias(outer, inner), composed, x)


@pytest.mark.claim("prop-ff-composition")
def test_sparse_composition_bound_is_attained_through_a_bottleneck():
    """Through a one-dimensional bottleneck the merged product $W^1_1 W^2_K$ is dense and the sparse composition is smaller."""
    inner = tp.random_relu_network(2, 50, 1, output_dim=1, seed=0)
    outer = tp.random_relu_network(1, 50, 1, output_dim=1, seed=1)
    P1, P2 = tp.n_parameters(*outer), tp.n_parameters(*inner)
    dense, sparse = tp.n_parameters(*tp.compose(outer, inner)), tp.n_parameters(*tp.compose_sparse(outer, inner))
    assert sparse < dense and sparse <= 2 * (P1 + P2)
    # near the worst case: two single affine maps (m -> k after d -> m) give exactly 2 (P1 + P2) - k
    one_inner, one_outer = tp.random_relu_network(7, 1, 0, output_dim=5, seed=2), tp.random_relu_network(5, 1, 0, output_dim=3, seed=3)
    P1, P2 = tp.n_parameters(*one_outer), tp.n_parameters(*one_inner)
    assert tp.n_parameters(*tp.compose_sparse(one_outer, one_inner)) == 2 * (P1 + P2) - 3
    assert 2 * (P1 + P2) - 3 > 0.95 * 2 * (P1 + P2)


@pytest.mark.claim("prop-ff-parallel")
@pytest.mark.parametrize("depths", [(2, 2), (1, 3), (4, 2)])
def test_parallelization_realizes_both_functions(depths):
    """The parallelization computes $(f_1(x), f_2(x))$, with widths added when the depths agree."""
    first = tp.random_relu_network(3, 4, depths[0] - 1, output_dim=2, bias_std=0.5, seed=depths[0])
    second = tp.random_relu_network(3, 5, depths[1] - 1, output_dim=1, bias_std=0.5, seed=10 + depths[1])
    x = np.random.default_rng(7).normal(size=(400, 3))
    f1, f2 = _torch_realization(*first), _torch_realization(*second)
    both = lambda z: np.hstack([f1(z), f2(z)])  # noqa: E731
    net = tp.parallel(first, second)
    assert _realizes(net, both, x)
    assert len(net[0]) == max(depths)
    if depths[0] == depths[1]:
        assert tp.n_parameters(*net) <= tp.n_parameters(*first) + tp.n_parameters(*second) + sum(
            A.shape[0] * B.shape[1] + B.shape[0] * A.shape[1] for A, B in zip(first[0][1:], second[0][1:]))
        assert [W.shape[0] for W in net[0]] == [A.shape[0] + B.shape[0] for A, B in zip(first[0], second[0])]
    if max(depths) >= 2:
        assert not _realizes(_wrong_parallel_mixing(first, second), both, x)


# --------------------------------------------------------------------------- saturation of the gradient


def _jacobian_norm(Ws, bs, act, x) -> float:
    """Operator norm of the input Jacobian of the network at x, by torch.autograd.functional.jacobian."""
    def f(v):
        for W, c in zip(Ws[:-1], bs[:-1]):
            v = act(W @ v + c)
        return Ws[-1] @ v + bs[-1]
    return torch.linalg.matrix_norm(torch.autograd.functional.jacobian(f, x), ord=2).item()


def _saturation_bound(gamma: float, Ws) -> float:
    """The bound gamma^(L-1) prod ||W_l|| of the proposition."""
    return gamma ** (len(Ws) - 1) * float(np.prod([torch.linalg.matrix_norm(W, ord=2).item() for W in Ws]))


def _wrong_sigmoid_gamma_half(Ws) -> float:
    """Mistake: sup |sigmoid'| taken as 1/2 (an overstated constant)."""
    return _saturation_bound(0.5, Ws)


def _wrong_sigmoid_gamma_eighth(Ws) -> float:
    """Mistake: sup |sigmoid'| taken as 1/8 (an understated constant)."""
    return _saturation_bound(0.125, Ws)


def _orthogonal(d, gen):
    return torch.linalg.qr(torch.randn(d, d, generator=gen, dtype=torch.float64))[0]


@pytest.mark.claim("prop-ff-saturation")
@pytest.mark.parametrize("L", [2, 4, 7])
def test_sigmoid_jacobian_bound_is_attained(L):
    r"""For the sigmoid, $\norm{Df(x)} \le 4^{-(L-1)}\prod_l\norm{W_l}$ at random points, with ratio 1 (to 1e-12) at the extremal instance."""
    gen = torch.Generator().manual_seed(L)
    d = 6
    Qs = [_orthogonal(d, gen) for _ in range(L)]
    x0 = torch.randn(d, generator=gen, dtype=torch.float64)
    b_ext = [-Qs[0] @ x0] + [-0.5 * Q @ torch.ones(d, dtype=torch.float64) for Q in Qs[1:]]
    ratio = _jacobian_norm(Qs, b_ext, torch.sigmoid, x0) / _saturation_bound(0.25, Qs)
    assert ratio == pytest.approx(1.0, abs=1e-12)
    # general weights and biases: the bound holds
    for _ in range(5):
        Ws = [torch.randn(d, d, generator=gen, dtype=torch.float64) for _ in range(L)]
        bs = [torch.randn(d, generator=gen, dtype=torch.float64) for _ in range(L)]
        x = torch.randn(d, generator=gen, dtype=torch.float64)
        assert _jacobian_norm(Ws, bs, torch.sigmoid, x) <= _saturation_bound(0.25, Ws) * (1 + 1e-12)
    # negative controls: the overstated constant fails the tightness ratio, the understated one is violated
    J = _jacobian_norm(Qs, b_ext, torch.sigmoid, x0)
    assert J / _wrong_sigmoid_gamma_half(Qs) < 0.99
    assert J > _wrong_sigmoid_gamma_eighth(Qs)


@pytest.mark.claim("prop-ff-saturation")
@pytest.mark.parametrize("L", [2, 5, 10])
def test_relu_identity_network_has_identity_jacobian(L):
    r"""The Jacobian of $\mathrm{Id}_{d,L}$ is the identity matrix at points without zero coordinates, whatever the depth."""
    W, b = tp.identity_network(3, L)
    Ws, bs = [torch.tensor(M) for M in W], [torch.tensor(c) for c in b]
    x = torch.tensor([0.7, -1.3, 2.1], dtype=torch.float64)

    def f(v):
        for M, c in zip(Ws[:-1], bs[:-1]):
            v = torch.relu(M @ v + c)
        return Ws[-1] @ v + bs[-1]

    J = torch.autograd.functional.jacobian(f, x)
    assert torch.equal(J, torch.eye(3, dtype=torch.float64))
    # negative control: with a sigmoid in place of the ReLU the same network shrinks the gradient
    def g(v):
        for M, c in zip(Ws[:-1], bs[:-1]):
            v = torch.sigmoid(M @ v + c)
        return Ws[-1] @ v + bs[-1]

    assert torch.linalg.matrix_norm(torch.autograd.functional.jacobian(g, x), ord=2) < 0.5


# --------------------------------------------------------------------------- bad input


def test_bad_input():
    """Bad widths, depths, shapes and signals raise errors naming the argument."""
    with pytest.raises(ValueError, match="width"):
        tp.random_relu_network(2, -1, 2, seed=0)
    with pytest.raises(TypeError, match="depth"):
        tp.random_relu_network(2, 3, 1.5, seed=0)
    with pytest.raises(ValueError, match="input_dim"):
        tp.random_relu_network(0, 3, 1, seed=0)
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        tp.relu_network([np.ones((3, 2)), np.ones((1, 4))], [np.zeros(3), np.zeros(1)], np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"biases\[0\]"):
        tp.relu_network([np.ones((3, 2))], [np.zeros(2)], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="biases"):
        tp.check_network([np.ones((3, 2))], [])
    with pytest.raises(ValueError, match="x"):
        tp.relu_network([np.ones((3, 2))], [np.zeros(3)], np.zeros((4, 3)))
    with pytest.raises(ValueError, match="exponents"):
        tp.TropicalPolynomial([1.0, 2.0], [[1.0]])
    with pytest.raises(ValueError, match="t"):
        tp.tropical_power(tp.TropicalPolynomial([0.0], [[1.0]]), -1.0)
    with pytest.raises(TypeError, match="p"):
        tp.tropical_sum("x", tp.TropicalPolynomial([0.0], [[1.0]]))
    with pytest.raises(ValueError, match="end"):
        tp.regions_on_line([np.ones((2, 1)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], [1.0], [1.0])
    with pytest.raises(ValueError, match="weights"):
        tp.regions_on_grid([np.ones((2, 3)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        tp.region_bound([3, -2], 2)
    with pytest.raises(TypeError, match="widths"):
        tp.region_bound(3, 2)
    with pytest.raises(ValueError, match="g"):
        tp.maxplus_convolve([1.0], [np.nan])
    with pytest.raises(ValueError, match="g"):
        tp.erosion([1.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="module"):
        tp.weights_from_torch("not a module")
    with pytest.raises(ValueError, match="weights"):
        tp.regions_in_box([np.ones((2, 3)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
    with pytest.raises(ValueError, match="min_area"):
        tp.regions_in_box([np.ones((2, 2)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], min_area=-1.0)
    with pytest.raises(ValueError, match="xlim"):
        tp.regions_in_box([np.ones((2, 2)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], xlim=(1.0, -1.0))
    net = tp.random_relu_network(2, 3, 1, seed=0)
    with pytest.raises(ValueError, match="outer"):
        tp.compose(net, tp.random_relu_network(2, 3, 1, output_dim=3, seed=0))
    with pytest.raises(TypeError, match="inner"):
        tp.compose(net, "not a network")
    with pytest.raises(ValueError, match=r"inner: biases\[0\]"):
        tp.compose_sparse(net, ([np.ones((3, 2))], [np.zeros(2)]))
    with pytest.raises(ValueError, match="second"):
        tp.parallel(net, tp.random_relu_network(3, 3, 1, seed=0))
    with pytest.raises(TypeError, match="first"):
        tp.parallel([np.ones((1, 2))], net)
    with pytest.raises(ValueError, match="dim"):
        tp.identity_network(0, 2)
    with pytest.raises(TypeError, match="depth"):
        tp.identity_network(2, 1.5)
    with pytest.raises(ValueError, match="biases"):
        tp.n_parameters([np.ones((2, 2))], [])


# --------------------------------------------------------------------------- details of the network calculus and its errors


class TestDetails:
    """Closed forms, exact copies and error messages of the smaller functions (targets of mutation testing)."""

    def test_monomial_values_are_the_affine_monomials(self):
        r"""Column $i$ of ``monomial_values`` is $c_i + \langle a_i, x\rangle$, and the row-wise maximum is $p(x)$."""
        coefs, exps = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 0.0], [0.0, -2.0], [-1.0, 1.0]])
        p = tp.TropicalPolynomial(coefs, exps)
        x = np.random.default_rng(5).normal(size=(40, 2))
        want = np.column_stack([0.5 + x[:, 0], -1.0 - 2.0 * x[:, 1], 2.0 - x[:, 0] + x[:, 1]])
        np.testing.assert_allclose(p.monomial_values(x), want, rtol=0, atol=1e-14)
        np.testing.assert_allclose(p.monomial_values(x).max(axis=1), p(x), rtol=0, atol=1e-14)
        np.testing.assert_allclose(p.monomial_values(x[3]), want[3:4], rtol=0, atol=1e-14)  # one point: shape (1, m)

    def test_weights_from_torch_reads_linear_layers_without_bias(self):
        """A Linear layer without bias is the affine map with zero bias: the read network computes what torch computes."""
        torch.manual_seed(1)
        model = torch.nn.Sequential(torch.nn.Linear(3, 4, bias=False), torch.nn.ReLU(), torch.nn.Linear(4, 2)).double()
        W, b = tp.weights_from_torch(model)
        np.testing.assert_array_equal(b[0], np.zeros(4))
        x = np.random.default_rng(2).normal(size=(50, 3))
        with torch.no_grad():
            want = model(torch.tensor(x)).numpy()
        np.testing.assert_allclose(tp.relu_network(W, b, x), want, rtol=0, atol=1e-12)

    def test_weights_from_torch_errors_name_the_problem(self):
        """A non-module and a module without Linear layers are rejected with messages saying what was expected and got."""
        with pytest.raises(TypeError, match=r"^module must be a torch\.nn\.Module, got str$"):
            tp.weights_from_torch("not a module")
        with pytest.raises(ValueError, match=r"^module must contain at least one torch\.nn\.Linear layer$"):
            tp.weights_from_torch(torch.nn.Sequential(torch.nn.ReLU()))

    def test_network_pairs_are_checked_by_name(self):
        """compose and parallel reject an argument that is not a (weights, biases) pair, naming the argument and its type."""
        net = tp.random_relu_network(2, 3, 1, seed=0)
        triple = (net[0], net[1], net[1])  # a sequence of the wrong length
        for call, name in [(lambda z: tp.compose(z, net), "outer"), (lambda z: tp.compose(net, z), "inner"),
                           (lambda z: tp.parallel(z, net), "first"), (lambda z: tp.parallel(net, z), "second")]:
            with pytest.raises(TypeError, match=rf"^{name} must be a pair \(weights, biases\) of lists of arrays, got tuple$"):
                call(triple)
            with pytest.raises(TypeError, match=rf"^{name} must be a pair .* got str$"):
                call("ab")  # a length-2 sequence that is not a tuple or list
            with pytest.raises(ValueError, match=rf"^{name}: biases\[0\]"):
                call(([np.ones((3, 2))], [np.zeros(2)]))

    def test_dimension_mismatch_messages_give_the_dimensions(self):
        """A composition or parallelization of incompatible networks reports the two dimensions that differ."""
        inner = [np.ones((4, 2)), np.ones((5, 4)), np.ones((3, 5))], [np.zeros(4), np.zeros(5), np.zeros(3)]  # R^2 -> R^3
        outer = [np.ones((6, 2)), np.ones((1, 6))], [np.zeros(6), np.zeros(1)]  # reads R^2
        with pytest.raises(ValueError, match=r"^outer must take inputs of the dimension of inner's outputs \(3\), "
                                             r"got input dimension 2$"):
            tp.compose(outer, inner)
        first = [np.ones((4, 3)), np.ones((2, 4))], [np.zeros(4), np.zeros(2)]  # reads R^3
        second = [np.ones((6, 2)), np.ones((1, 6))], [np.zeros(6), np.zeros(1)]  # reads R^2
        with pytest.raises(ValueError, match=r"^second must have the input dimension of first \(3\), got 2$"):
            tp.parallel(first, second)

    def test_parallel_of_equal_depths_is_pure_stacking(self):
        """With equal depths the parallelization only stacks the entries (no arithmetic), so they are copied bit for bit, signed zeros included."""
        first = [np.array([[1.0, -0.0], [2.0, 3.0]]), np.array([[-0.0, 1.0]])], [np.array([0.5, -0.0]), np.array([-0.0])]
        second = [np.array([[-0.0, 4.0]]), np.array([[-0.0], [5.0]])], [np.array([-0.0]), np.array([-0.0, 1.0])]
        W, b = tp.parallel(first, second)
        want_W = [np.vstack([first[0][0], second[0][0]]), np.block([[first[0][1], np.zeros((1, 1))],
                                                                    [np.zeros((2, 2)), second[0][1]]])]
        want_b = [np.concatenate([u, v]) for u, v in zip(first[1], second[1])]
        for got, want in zip(W + b, want_W + want_b):
            assert got.tobytes() == want.tobytes()  # bit for bit: -0.0 stays -0.0

    @pytest.mark.parametrize("swap", [False, True])
    def test_parallel_lengthens_a_shorter_network_with_narrow_output(self, swap):
        """A shorter network whose output is narrower than its hidden layers is lengthened correctly, in either position."""
        deep = tp.random_relu_network(3, 4, 3, output_dim=2, bias_std=0.5, seed=20)
        short = tp.random_relu_network(3, 5, 2, output_dim=1, bias_std=0.5, seed=21)
        first, second = (short, deep) if swap else (deep, short)
        x = np.random.default_rng(8).normal(size=(200, 3))
        f1, f2 = _torch_realization(*first), _torch_realization(*second)
        net = tp.parallel(first, second)
        assert len(net[0]) == 4
        assert _realizes(net, lambda z: np.hstack([f1(z), f2(z)]), x)

    def test_tropical_polynomial_errors_and_scalar_value(self):
        """Bad polynomials and points are rejected with messages naming the argument and the sizes; one point gives a scalar."""
        with pytest.raises(ValueError, match=r"^exponents must have one row per coefficient: got 3 rows for 2 coefficients$"):
            tp.TropicalPolynomial([0.0, 1.0], np.zeros((3, 2)))
        with pytest.raises(ValueError, match=r"^coefficients must contain at least one monomial$"):
            tp.TropicalPolynomial(np.zeros(0), np.zeros((0, 2)))
        p = tp.TropicalPolynomial([0.0, 1.0], [[1.0, 0.0], [0.0, 1.0]])
        with pytest.raises(ValueError, match=r"^x must have 2 columns, got shape \(5, 3\)$"):
            p(np.zeros((5, 3)))
        with pytest.raises(ValueError, match=r"^x must be an array with 1 or 2 dimension\(s\), got shape \(2, 2, 2\)$"):
            p(np.zeros((2, 2, 2)))
        value = p(np.array([2.0, 3.0]))  # max(2, 1 + 3)
        assert np.ndim(value) == 0 and value == 4.0

    def test_tropical_operations_check_their_arguments(self):
        """The semiring operations reject non-polynomials and polynomials in different numbers of variables, by name."""
        p2, p1 = tp.TropicalPolynomial([0.0], [[1.0, 2.0]]), tp.TropicalPolynomial([0.0], [[1.0]])
        for op in (tp.tropical_sum, tp.tropical_product):
            with pytest.raises(TypeError, match=r"^p must be a TropicalPolynomial, got str$"):
                op("x", p2)
            with pytest.raises(TypeError, match=r"^q must be a TropicalPolynomial, got list$"):
                op(p2, [1.0])
            with pytest.raises(ValueError, match=r"^q must have the dimension of p \(2\), got 1$"):
                op(p2, p1)
        with pytest.raises(TypeError, match=r"^p must be a TropicalPolynomial, got float$"):
            tp.tropical_power(1.0, 2.0)

    def test_tropical_first_power_is_the_polynomial(self):
        r"""$p^{\odot 1} = p$ and $p^{\odot 3} = 3p$ as functions."""
        rng = np.random.default_rng(4)
        p = tp.TropicalPolynomial(rng.normal(size=5), rng.normal(size=(5, 2)))
        x = rng.normal(size=(100, 2))
        np.testing.assert_allclose(tp.tropical_power(p, 1)(x), p(x), rtol=0, atol=1e-14)
        np.testing.assert_allclose(tp.tropical_power(p, 3)(x), 3 * p(x), rtol=0, atol=1e-12)

    def test_tropical_product_drops_never_maximal_monomials_by_default(self):
        r"""$|x| \odot |x| = \max(2x, x - x, -2x)$: the middle monomial $0$ is never the strict maximum and is dropped unless prune=False."""
        absx = tp.TropicalPolynomial([0.0, 0.0], [[1.0], [-1.0]])
        assert _rows(tp.tropical_product(absx, absx)) == {(2.0, 0.0), (-2.0, 0.0)}
        assert _rows(tp.tropical_product(absx, absx, prune=False)) == {(2.0, 0.0), (0.0, 0.0), (-2.0, 0.0)}

    def test_default_decomposition_keeps_only_monomials_that_attain_the_maximum(self):
        """With pruning (the default) every monomial of F_k and G_k attains the maximum alone somewhere (checked by linear programs)."""
        W, b = tp.random_relu_network(2, 3, 2, seed=5)
        for Wn in (W, W[:-1] + [np.abs(W[-1])]):  # the second: only products of positive powers in the last layer
            R, R_full = tp.tropical_decomposition(Wn, b), tp.tropical_decomposition(Wn, b, prune=False)
            for p in R.F + R.G:
                assert np.all(_attains_maximum_alone(p.exponents, p.coefficients))
            assert sum(p.n_monomials for p in R.F + R.G) < sum(p.n_monomials for p in R_full.F + R_full.G)

    def test_tropical_rational_evaluation_shapes_and_errors(self):
        """F - G is evaluated at one point (shape (1, outputs)) or at rows; other shapes are rejected."""
        W, b = tp.random_relu_network(2, 3, 1, output_dim=2, seed=1)
        R = tp.tropical_decomposition(W, b)
        x0 = np.array([0.3, -0.7])
        np.testing.assert_allclose(R(x0), tp.relu_network(W, b, x0[None, :]), rtol=0, atol=1e-12)
        assert R(x0).shape == (1, 2)
        with pytest.raises(ValueError, match=r"^x must be an array with 1 or 2 dimension\(s\), got shape \(1, 1, 1, 2\)$"):
            R(np.zeros((1, 1, 1, 2)))
        R1 = tp.tropical_decomposition(*tp.random_relu_network(1, 3, 1, seed=2))
        with pytest.raises(ValueError, match=r"^x must be an array with 1 or 2 dimension\(s\), got shape \(\)$"):
            R1(0.5)

    def test_random_network_defaults_and_distributions(self):
        r"""Defaults give one output and biases of standard deviation 0.1; weights have variance $2/n_{in}$; integer weights fill $\{-k, \dots, k\}$."""
        W, b = tp.random_relu_network(50, 400, 1, seed=0)
        assert W[-1].shape == (1, 400) and b[-1].shape == (1,)
        # 20000 weights of variance 2/50: the sample variance has relative s.e. sqrt(2/20000) = 1 %
        assert W[0].var() == pytest.approx(2.0 / 50, rel=0.05)
        assert W[1].var() == pytest.approx(2.0 / 400, rel=0.5)  # 400 samples: relative s.e. 7 %
        assert b[0].std() == pytest.approx(0.1, rel=0.15)  # 400 samples: relative s.e. 3.5 %
        Wk, bk = tp.random_relu_network(3, 200, 1, integer_range=2, seed=1)
        for arr in Wk + bk[:1]:
            assert set(np.unique(arr)) == {-2.0, -1.0, 0.0, 1.0, 2.0}
        assert set(np.unique(bk[1])) <= {-2.0, -1.0, 0.0, 1.0, 2.0}

    def test_network_inputs_single_point_and_errors(self):
        """A single point of shape (d,) is one row; wrong dimensions and widths are rejected with the shapes in the message."""
        W, b = tp.random_relu_network(2, 3, 1, output_dim=2, seed=3)
        x0 = np.array([0.4, -1.2])
        np.testing.assert_array_equal(tp.relu_network(W, b, x0), tp.relu_network(W, b, x0[None, :]))
        assert tp.relu_network(W, b, x0).shape == (1, 2)
        with pytest.raises(ValueError, match=r"^x must have 2 columns \(the network's input dimension\), got shape \(4, 3\)$"):
            tp.relu_network(W, b, np.zeros((4, 3)))
        with pytest.raises(ValueError, match=r"^x must be an array with 1 or 2 dimension\(s\), got shape \(1, 2, 2\)$"):
            tp.preactivations(W, b, np.zeros((1, 2, 2)))

    def test_activation_pattern_edge_cases(self):
        """A network without hidden layers has an empty pattern for each point; a pre-activation exactly 0 counts as inactive."""
        W0, b0 = tp.random_relu_network(2, 3, 0, seed=0)
        assert tp.activation_pattern(W0, b0, np.zeros((5, 2))).shape == (5, 0)
        W, b = [np.array([[1.0], [-1.0]]), np.ones((1, 2))], [np.array([0.0, 1.0]), np.zeros(1)]
        np.testing.assert_array_equal(tp.activation_pattern(W, b, np.array([[0.0], [1.0], [2.0]])),
                                      [[False, True], [True, False], [True, False]])

    def test_regions_on_line_edge_cases(self):
        """A dead neuron (zero weights and bias) adds no breakpoint; with rtol = 0 equal slopes are one piece; the tolerance is relative."""
        with pytest.raises(ValueError, match=r"^start must have shape \(1\), got \(2,\)$"):  # the input dimension
            tp.regions_on_line([np.ones((2, 1)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], [0.0, 1.0], [1.0])
        with pytest.raises(ValueError, match=r"^end must differ from start$"):
            tp.regions_on_line([np.ones((2, 1)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], [1.0], [1.0])
        W, b = [np.array([[1.0], [0.0]]), np.array([[1.0, 1.0]])], [np.array([0.0, 0.0]), np.zeros(1)]
        lr = tp.regions_on_line(W, b, [-1.0], [1.0])
        np.testing.assert_array_equal(lr.t, [0.0, 0.5, 1.0])
        assert (lr.n_regions, lr.n_pieces) == (2, 2)
        Wi, bi = tp.identity_network(1, 2)
        assert tp.regions_on_line(Wi, bi, [-2.0], [2.0], rtol=0.0).n_pieces == 1
        # slopes 1000 and 1000 + 1e-8: a relative change 1e-11, below rtol = 1e-9, is no kink
        Ws = [np.array([[1.0], [1.0]]), np.array([[1000.0, 1e-8]])]
        bs = [np.array([5.0, 0.0]), np.zeros(1)]
        lr_s = tp.regions_on_line(Ws, bs, [-1.0], [1.0])
        assert (lr_s.n_regions, lr_s.n_pieces) == (2, 1)
        # slopes (in t, the segment having length 2) 0 and 1.4e-9: the tolerance is rtol * max(1, max |slope|) = 1e-9,
        # so this is a kink
        Wa = [np.array([[1.0]]), np.array([[7e-10]])]
        la = tp.regions_on_line(Wa, [np.zeros(1), np.zeros(1)], [-1.0], [1.0])
        assert (la.n_regions, la.n_pieces) == (2, 2)

    def test_region_bound_rejects_a_non_sequence(self):
        """widths must be a sequence: a float is rejected with a message showing it."""
        with pytest.raises(TypeError, match=r"^widths must be a sequence of integers, got 2\.5$"):
            tp.region_bound(2.5, 2)

    def test_signal_checks_and_erosion_of_equal_lengths(self):
        r"""Signals must be non-empty with entries in $[-\infty, \infty)$; for equal lengths the erosion is $\min_j (h_j - g_j)$."""
        with pytest.raises(ValueError, match=r"^f must be non-empty$"):
            tp.maxplus_convolve([], [1.0])
        with pytest.raises(ValueError, match=r"^g must be non-empty$"):
            tp.maxplus_convolve([1.0], [])
        with pytest.raises(ValueError, match=r"^f must have entries in \[-inf, inf\) \(no NaN or \+inf\)$"):
            tp.maxplus_convolve([np.inf], [1.0])
        with pytest.raises(ValueError, match=r"^g must have entries in \[-inf, inf\) \(no NaN or \+inf\)$"):
            tp.maxplus_convolve([1.0], [np.nan])
        with pytest.raises(ValueError, match=r"^h must be non-empty$"):
            tp.erosion([], [1.0])
        with pytest.raises(ValueError, match=r"^g must have entries in \[-inf, inf\) \(no NaN or \+inf\)$"):
            tp.erosion([1.0, 2.0], [np.inf])
        with pytest.raises(ValueError, match=r"^g must not be longer than h, got lengths 3 and 2$"):
            tp.erosion([1.0, 2.0], [0.0, 0.0, 0.0])
        np.testing.assert_array_equal(tp.erosion([3.0, 5.0, 1.0], [1.0, 2.0, -1.0]), [2.0])
        np.testing.assert_array_equal(tp.erosion([3.0, 5.0, 1.0], [1.0, -np.inf, -1.0]), [2.0])  # -inf: no constraint

    def test_grid_default_resolution(self):
        """The default grid has 200 points per axis, spanning the default window [-1, 1]^2."""
        g = tp.regions_on_grid([np.eye(2), np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
        assert g.labels.shape == (200, 200) and len(g.x) == len(g.y) == 200
        assert (g.x[0], g.x[-1], g.y[0], g.y[-1]) == (-1.0, 1.0, -1.0, 1.0)
        assert g.n_regions == 4


    def test_plane_regions_are_invariant_under_scaling(self):
        """Multiplying the network by a positive factor (first weights and all biases) or scaling box and inputs together leaves the regions unchanged."""
        W, b = tp.random_relu_network(2, 4, 2, bias_std=0.5, seed=6)
        base = tp.regions_in_box(W, b, (-2.0, 2.0), (-2.0, 2.0)).n_regions
        assert base >= 6
        for s in (1e-9, 1e9):  # relu(s z) = s relu(z): s times the network, tiny or huge weights, the same regions
            Ws, bs = [W[0] * s, W[1], W[2]], [b[0] * s, b[1] * s, b[2] * s]
            assert tp.regions_in_box(Ws, bs, (-2.0, 2.0), (-2.0, 2.0)).n_regions == base
        for r in (1e-7, 1e7):  # x -> x / r: the network W(x / r) on the box scaled by r
            Wr = [W[0] / r, W[1], W[2]]
            assert tp.regions_in_box(Wr, b, (-2.0 * r, 2.0 * r), (-2.0 * r, 2.0 * r)).n_regions == base
        # an asymmetric box whose largest |limit| is each one of the four in turn
        for xlim, ylim in [((-2e6, 1.0), (-1.0, 1.0)), ((-1.0, 2e6), (-1.0, 1.0)),
                           ((-1.0, 1.0), (-2e6, 1.0)), ((-1.0, 1.0), (-1.0, 2e6))]:
            one = [np.array([[1.0, 1.0]]), np.ones((1, 1))], [np.array([0.5]), np.zeros(1)]  # the line x + y = -1/2
            assert tp.regions_in_box(*one, xlim, ylim).n_regions == 2

    def test_plane_counters_reject_other_input_dimensions(self):
        """The plane counters need a network on R^2 and say which shape they got."""
        net = [np.ones((2, 3)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)]
        msg = r"^weights\[0\] must have 2 columns \(a network on R\^2\), got shape \(2, 3\)$"
        with pytest.raises(ValueError, match=msg):
            tp.regions_on_grid(*net)
        with pytest.raises(ValueError, match=msg):
            tp.regions_in_box(*net)

    @pytest.mark.parametrize("sign", [1.0, -1.0])
    def test_unpruned_decomposition_is_the_full_expansion(self, sign):
        r"""For $|x| = \mathrm{relu}(x) + \mathrm{relu}(-x)$ the product $\max(x, 0) \odot \max(0, x)$ has the three monomials $2x, x, 0$ without pruning and the two vertices $2x, 0$ with it."""
        W = [np.array([[1.0], [-1.0]]), sign * np.ones((1, 2))]
        b = [np.zeros(2), np.zeros(1)]
        full, pruned = tp.tropical_decomposition(W, b, prune=False), tp.tropical_decomposition(W, b)
        # the product sits in F for the output weights +1 and in G for -1; the other one is the monomial x
        P_full, P = (full.F[0], pruned.F[0]) if sign > 0 else (full.G[0], pruned.G[0])
        assert _rows(P_full) == {(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)}
        assert _rows(P) == {(0.0, 0.0), (2.0, 0.0)}
        x = np.linspace(-3, 3, 13)[:, None]
        np.testing.assert_array_equal(full(x), sign * np.abs(x))
        np.testing.assert_array_equal(pruned(x), sign * np.abs(x))

    def test_zero_weights_contribute_nothing_to_the_decomposition(self):
        """An affine map with zero weights is F = b, G = 0 exactly: a zero weight multiplies by nothing, not even by the tropical unit."""
        for bias in (-0.0, 0.0, -2.5):
            R = tp.tropical_decomposition([np.zeros((1, 2))], [np.array([bias])])
            F, G = R.F[0], R.G[0]
            assert F.coefficients.tobytes() == np.array([bias]).tobytes()  # bit for bit, the sign of -0.0 included
            assert G.coefficients.tobytes() == np.array([0.0]).tobytes()
            np.testing.assert_array_equal(F.exponents, np.zeros((1, 2)))

    def test_region_bound_of_an_empty_layer(self):
        """A hidden layer of width 0 has one region (all neurons off), so it multiplies the bound by 1."""
        assert tp.region_bound([3, 0], 2) == tp.region_bound([3], 2) == 7
        assert tp.hyperplane_bound(0, 2) == 1 and tp.hyperplane_bound(4, 0) == 1

    def test_diagonal_cuts_the_square_into_two_triangles(self):
        """The line y = x through two opposite corners cuts the square into two triangles, each listed with its three corners once."""
        R = tp.regions_in_box([np.array([[1.0, -1.0]]), np.ones((1, 1))], [np.zeros(1), np.zeros(1)])
        assert R.n_regions == 2
        got = {(bool(pat[0]), frozenset(map(tuple, P))) for P, pat in zip(R.polygons, R.patterns)}
        assert got == {(True, frozenset({(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0)})),
                       (False, frozenset({(-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)}))}
        assert [len(P) for P in R.polygons] == [3, 3]
        for P in R.polygons:  # counter-clockwise (positive signed area), half of the square each
            Q = np.roll(P, -1, axis=0)
            assert 0.5 * np.sum(P[:, 0] * Q[:, 1] - P[:, 1] * Q[:, 0]) == 2.0

    def test_plane_regions_do_not_depend_on_each_neurons_scale(self):
        """Scaling hidden neuron j by s_j > 0 and its outgoing weights by 1/s_j changes neither the function nor the lines: the same regions."""
        W, b = tp.random_relu_network(2, 4, 1, bias_std=0.5, seed=9)
        base = tp.regions_in_box(W, b, (-2.0, 2.0), (-2.0, 2.0)).n_regions
        assert base >= 8
        s = np.array([1e-9, 1e9, 1.0, 1e5])
        Ws, bs = [s[:, None] * W[0], W[1] / s[None, :]], [s * b[0], b[1]]
        assert tp.regions_in_box(Ws, bs, (-2.0, 2.0), (-2.0, 2.0)).n_regions == base

    @pytest.mark.parametrize("centre,box", [((0.0, 0.0), ((-3e6, 3e6), (-3e6, 3e6))),
                                            ((1e6, -2e6), ((1e6 - 3, 1e6 + 3), (-2e6 - 3, -2e6 + 3))),
                                            ((0.0, 0.0), ((-3e6, 3.0), (-3.0, 3.0))), ((0.0, 0.0), ((-3.0, 3e6), (-3.0, 3.0))),
                                            ((0.0, 0.0), ((-3.0, 3.0), (-3e6, 3.0))), ((0.0, 0.0), ((-3.0, 3.0), (-3.0, 3e6)))])
    def test_concurrent_lines_in_large_boxes(self, centre, box):
        """Five lines through one point give 10 regions, without slivers from rounding, in huge or elongated boxes and far from the origin."""
        n = 5
        angles = np.pi * np.arange(n) / n + 0.3  # no line parallel to an edge
        A = np.column_stack([np.cos(angles), np.sin(angles)])
        c = -A @ np.array(centre)
        assert tp.regions_in_box([A, np.ones((1, n))], [c, np.zeros(1)], *box).n_regions == 2 * n

@pytest.mark.claim("prop-ff-tropical-convex")
def test_simplify_merges_equal_exponents_and_prunes_small_polynomials():
    """Without pruning only equal exponents merge (the larger coefficient wins); with it a never-maximal monomial goes even among three."""
    p = tp.TropicalPolynomial([0.0, -5.0, 0.0, 1.0], [[0.0], [1.0], [2.0], [0.0]])  # max(1, x - 5, 2x)
    assert _rows(p.simplify(prune=False)) == {(0.0, 1.0), (1.0, -5.0), (2.0, 0.0)}
    assert _rows(p.simplify()) == {(0.0, 1.0), (2.0, 0.0)}  # x - 5 < max(1, 2x) everywhere
    # the same in two variables, the three lifted points on one line: the middle one is not a vertex
    q = tp.TropicalPolynomial([0.0, 0.0, 0.0], [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    assert _rows(q.simplify()) == {(0.0, 0.0, 0.0), (2.0, 0.0, 0.0)}


def test_signals_may_hold_the_tropical_zero_but_not_nan_plus_infinity_or_matrices():
    """-inf (the tropical zero) is a valid entry of a signal; NaN, +inf, 2-D and empty signals are rejected with exact messages naming f or g."""
    # (f (+)* g)_k = max_{i+j=k} f_i + g_j by hand: [0, max(-inf, 1), max(1, -inf), 2]
    np.testing.assert_array_equal(tp.maxplus_convolve([0.0, -np.inf, 1.0], [0.0, 1.0]), [0.0, 1.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"^f must be an array with 1 dimension\(s\), got shape \(2, 2\)$"):
        tp.maxplus_convolve(np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"^g must be an array with 1 dimension\(s\), got shape \(2, 2\)$"):
        tp.erosion(np.zeros(3), np.zeros((2, 2)))
    for bad in (np.array([np.nan]), np.array([np.inf])):
        with pytest.raises(ValueError, match=r"^f must have entries in \[-inf, inf\) \(no NaN or \+inf\)$"):
            tp.maxplus_convolve(bad, np.zeros(2))
    with pytest.raises(ValueError, match=r"^g must be non-empty$"):
        tp.erosion(np.zeros(3), [])


# --------------------------------------------------------------------------- degenerate inputs of the exact counters


def _one_neuron(v, c):
    """The network relu(<v, x> + c) on R^2 (one hidden neuron, its line <v, x> + c = 0)."""
    return [np.array([v], dtype=float), np.ones((1, 1))], [np.array([c], dtype=float), np.zeros(1)]


@pytest.mark.parametrize("min_area,kept", [(0.0, 2), (0.2, 2), (0.25, 1), (0.3, 1), (0.7, 1), (0.75, 0)])
def test_min_area_discards_pieces_up_to_the_fraction_of_the_box(min_area, kept):
    """The line x = 1/2 cuts [-1, 1]^2 into pieces of areas 1 and 3 (1/4 and 3/4 of the box); a piece is dropped iff its share is at most min_area."""
    R = tp.regions_in_box(*_one_neuron((1.0, 0.0), -0.5), min_area=min_area)
    assert R.n_regions == kept == len(R.polygons) == len(R.patterns)
    areas = sorted(ConvexHull(P).volume for P in R.polygons)
    assert areas == [a for a in (1.0, 3.0) if a > 4.0 * min_area]
    for P, pat in zip(R.polygons, R.patterns):  # the active piece is the right one, x >= 1/2
        assert bool(pat[0]) == (P[:, 0].min() == 0.5)


@pytest.mark.parametrize("corner", [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)])
def test_min_area_on_triangles_cut_at_each_corner(corner):
    """A line cutting the corner triangle of legs 1 and 1/2 off [-1, 1]^2 (area 1/4, 1/16 of the box): kept for min_area < 1/16, dropped for min_area = 1/16."""
    sx, sy = corner
    # the line through (sx - sx, sy) ... : the points (sx - sx * 1, sy) and (sx, sy - sy / 2) on the edges at the corner
    v = np.array([sx / 1.0, sy / 0.5])  # <v, x - corner> = -1 on the line, i.e. |x - corner| along the edges is (1, 1/2)
    c = -v @ np.array(corner) + 1.0
    for min_area, want in [(0.0, 2), (1 / 16 - 1e-9, 2), (1 / 16, 1)]:
        R = tp.regions_in_box(*_one_neuron(v, c), min_area=min_area)
        assert R.n_regions == want
        areas = sorted(ConvexHull(P).volume for P in R.polygons)
        np.testing.assert_allclose(areas, [0.25, 3.75][2 - want:], rtol=1e-14)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_line_within_rounding_of_a_corner_cuts_no_sliver(sign):
    """A line passing 3e-12 (below the tolerance 1e-12 (|v|_1 max|x| + |c|) = 4e-12, above 1e-12 |v|_1 max|x|) past the corner (1, 1) leaves one region; at 1e-9 it cuts off a triangle."""
    for eps, want in [(3e-12, 1), (1e-9, 2)]:
        c = -(2.0 - eps)  # z = x + y - 2 + eps: z = eps at the corner (1, 1), z <= -4 + eps at (-1, -1)
        R = tp.regions_in_box(*_one_neuron((sign, sign), sign * c))
        assert R.n_regions == want
        if want == 1:  # the neuron's sign off the tolerance band: positive iff sign = -1
            assert R.patterns.tolist() == [[sign < 0]]
        else:
            small = min(range(2), key=lambda k: ConvexHull(R.polygons[k]).volume)
            assert ConvexHull(R.polygons[small]).volume == pytest.approx(eps ** 2 / 2, rel=1e-6)
            assert bool(R.patterns[small, 0]) == (sign > 0)


def test_a_line_at_the_tolerance_from_an_edge_is_on_the_zero_side():
    """With z = x on [-1e-12, 1] x [-1, 1] (tolerance exactly 1e-12) the edge values -1e-12 and, mirrored, +1e-12 count as zero: one region, active only if z > tol somewhere."""
    R = tp.regions_in_box(*_one_neuron((1.0, 0.0), 0.0), (-1e-12, 1.0), (-1.0, 1.0))
    assert R.n_regions == 1 and R.patterns.tolist() == [[True]]
    R = tp.regions_in_box(*_one_neuron((1.0, 0.0), 0.0), (-1.0, 1e-12), (-1.0, 1.0))
    assert R.n_regions == 1 and R.patterns.tolist() == [[False]]  # z <= tol on the box: inactive, as z = 0 is
    # just beyond the tolerance the strip is its own region
    R = tp.regions_in_box(*_one_neuron((1.0, 0.0), 0.0), (-1.0, 3e-12), (-1.0, 1.0))
    assert R.n_regions == 2 and sorted(R.patterns[:, 0].tolist()) == [False, True]


def test_tiny_networks_have_the_regions_of_their_rescaling():
    """relu(s z) = s relu(z): scaling the first layer and all biases by s = 1e-20 keeps every line, so the same polygons (no absolute tolerance)."""
    W, b = tp.random_relu_network(2, 4, 1, bias_std=0.5, seed=9)
    base = tp.regions_in_box(W, b, (-2.0, 2.0), (-2.0, 2.0))
    s = 1e-20
    tiny = tp.regions_in_box([W[0] * s, W[1]], [b[0] * s, b[1] * s], (-2.0, 2.0), (-2.0, 2.0))
    assert tiny.n_regions == base.n_regions >= 8
    np.testing.assert_array_equal(np.sort(tiny.patterns, axis=0), np.sort(base.patterns, axis=0))


def test_affine_networks_have_one_boolean_region():
    """A network without hidden layers is affine: one activation region (the whole box), with an empty boolean pattern like activation_pattern's."""
    W, b = [np.array([[1.0, 2.0]])], [np.array([0.5])]
    S = tp.activation_pattern(W, b, np.zeros((4, 2)))
    assert S.shape == (4, 0) and S.dtype == np.bool_
    R = tp.regions_in_box(W, b, (-1.0, 2.0), (0.0, 1.0))
    assert R.n_regions == 1 and R.patterns.shape == (1, 0) and R.patterns.dtype == np.bool_
    assert ConvexHull(R.polygons[0]).volume == 3.0


def test_hyperplane_bound_rejects_a_negative_number_of_hyperplanes():
    """The number n of hyperplanes is a count: n = -1 is rejected by name, also for d = 0."""
    for d in (0, 2):
        with pytest.raises(ValueError, match=r"^n must be an integer >= 0, got -1$"):
            tp.hyperplane_bound(-1, d)


@pytest.mark.parametrize("coefs", [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [1.0, 1.0, 1.0]])
def test_the_middle_of_three_collinear_lifted_points_is_dropped(coefs):
    r"""max(c_0, c_1 + x, c_2 + 2x) with c_1 = (c_0 + c_2)/2: the middle monomial is never the strict maximum, the two ends always are (any slope, in 1, 2 or 3 variables)."""
    p = tp.TropicalPolynomial(coefs, [[0.0], [1.0], [2.0]])
    assert _rows(p.simplify()) == {(0.0, coefs[0]), (2.0, coefs[2])}
    # the same in two variables, the exponents on the line a = (t, 1 - t) off the origin
    q = tp.TropicalPolynomial(coefs, [[0.0, 1.0], [1.0, 0.0], [2.0, -1.0]])
    assert _rows(q.simplify()) == {(0.0, 1.0, coefs[0]), (2.0, -1.0, coefs[2])}
    x = np.random.default_rng(3).normal(size=(200, 2)) * 5
    np.testing.assert_allclose(q.simplify()(x), q(x), rtol=0, atol=1e-12)
    # three variables: the lifted points (1, 2, 2, 0) + t (2, 1, 1, -1), t = 0, 1, 2
    r = tp.TropicalPolynomial([coefs[0], coefs[1] - 1.0, coefs[2] - 2.0], [[1.0, 2.0, 2.0], [3.0, 3.0, 3.0], [5.0, 4.0, 4.0]])
    assert _rows(r.simplify()) == {(1.0, 2.0, 2.0, coefs[0]), (5.0, 4.0, 4.0, coefs[2] - 2.0)}


def test_coplanar_lifted_points_keep_the_corners_of_the_newton_polygon():
    r"""If $c_i = \langle a_i, u\rangle$ then $p(x) = \max_i \langle a_i, x + u\rangle$: exactly the vertices of the exponents' hull attain it alone."""
    grid = np.array([[i, j] for i in range(3) for j in range(3)], dtype=float)  # a 3 x 3 grid: 4 corners
    for u in (np.array([0.5, -2.0]), np.array([0.0, 0.0])):
        p = tp.TropicalPolynomial(1.0 + grid @ u, grid)
        q = p.simplify()
        assert {tuple(a) for a in q.exponents} == {(0.0, 0.0), (0.0, 2.0), (2.0, 0.0), (2.0, 2.0)}
        assert np.all(_attains_maximum_alone(q.exponents, q.coefficients))
        x = np.random.default_rng(4).normal(size=(300, 2)) * 3
        np.testing.assert_allclose(q(x), p(x), rtol=0, atol=1e-12)


def test_exponents_closer_than_the_rank_tolerance_keep_the_function():
    """Exponents 0, 1e-20, 2e-20, 3e-20 (a spread below the rank tolerance): simplify keeps max(0, 3e-20 x), which is 3e10 at x = 1e30."""
    p = tp.TropicalPolynomial(np.zeros(4), np.array([[0.0], [1e-20], [2e-20], [3e-20]]))
    q = p.simplify()
    x = np.array([[-1e30], [1e30], [0.0]])
    np.testing.assert_allclose(q(x), [0.0, 3e10, 0.0], rtol=1e-15, atol=0)


@pytest.mark.parametrize("box,line,share", [(((2.0, 6.0), (1.0, 2.0)), ((1.0, 0.0), -5.0), 0.25),
                                            (((2.0, 6.0), (1.0, 2.0)), ((-1.0, 0.0), 5.0), 0.75),
                                            (((-7.0, -3.0), (4.0, 12.0)), ((0.0, -1.0), 6.0), 0.25),
                                            (((1.0, 5.0), (-4.0, -2.0)), ((1.0, 1.0), -2.0), 0.0625)])
def test_min_area_is_a_share_of_the_box_anywhere(box, line, share):
    """On boxes with unequal sides away from the origin a piece whose area is exactly min_area times the box's is dropped, a slightly larger one kept."""
    net = _one_neuron(*line)  # the active side of the line has the given share of the box (a rectangle or a corner triangle)
    for min_area, survives in [(share, False), (share * (1 - 1e-9), True), (0.0, True)]:
        R = tp.regions_in_box(*net, *box, min_area=min_area)
        active = [P for P, pat in zip(R.polygons, R.patterns) if pat[0]]
        assert len(active) == int(survives)
        if survives:
            box_area = (box[0][1] - box[0][0]) * (box[1][1] - box[1][0])
            assert ConvexHull(active[0]).volume == pytest.approx(share * box_area, rel=1e-14)


@pytest.mark.parametrize("r", [1e-170, 1e-100, 1e100, 1e160, 1e300])
def test_regions_in_huge_and_tiny_boxes(r):
    """Scaling the box by r and the first weights by 1/r gives the same regions, for boxes whose areas underflow or overflow (r^2 < 1e-308 or > 1e308)."""
    W, b = tp.random_relu_network(2, 4, 2, bias_std=0.5, seed=6)
    base = tp.regions_in_box(W, b, (-2.0, 2.0), (-2.0, 2.0))
    R = tp.regions_in_box([W[0] / r, W[1], W[2]], b, (-2.0 * r, 2.0 * r), (-2.0 * r, 2.0 * r))
    assert R.n_regions == base.n_regions >= 6
    np.testing.assert_array_equal(np.sort(R.patterns, axis=0), np.sort(base.patterns, axis=0))
    np.testing.assert_allclose(sorted(_shoelace(P / r) for P in R.polygons), sorted(_shoelace(P) for P in base.polygons),
                               rtol=1e-9, atol=0)


def _shoelace(P: np.ndarray) -> float:
    Q = np.roll(P, -1, axis=0)
    return 0.5 * float(np.sum(P[:, 0] * Q[:, 1] - P[:, 1] * Q[:, 0]))


def test_tiny_pre_activations_still_change_sign_on_a_line():
    """relu(s z) = s relu(z): with s = 1e-200 (where z(t) z(t') underflows to 0) a segment has the breakpoints of s = 1."""
    W, b = tp.random_relu_network(1, 5, 2, bias_std=0.5, seed=4)
    base = tp.regions_on_line(W, b, [-3.0], [3.0])
    for s in (1e-200, 1e200):
        Ws, bs = [W[0] * s, W[1], W[2]], [b[0] * s, b[1] * s, b[2] * s]
        R = tp.regions_on_line(Ws, bs, [-3.0], [3.0])
        assert R.n_regions == base.n_regions >= 3
        np.testing.assert_allclose(R.t, base.t, rtol=1e-12, atol=0)
        np.testing.assert_allclose(R.values, s * base.values, rtol=1e-9, atol=0)


def test_grid_of_an_affine_network_has_one_region():
    """A network without hidden neurons has one activation pattern (the empty one) at every grid point; one neuron whose line crosses the window has two."""
    g = tp.regions_on_grid([np.array([[1.0, -1.0]])], [np.array([0.5])], (-1.0, 3.0), (0.0, 2.0), resolution=5)
    assert g.n_regions == 1 and g.labels.shape == (5, 5) and np.all(g.labels == 0)
    np.testing.assert_array_equal(g.x, [-1.0, 0.0, 1.0, 2.0, 3.0])  # the grid is reported, as for any network
    np.testing.assert_array_equal(g.y, [0.0, 0.5, 1.0, 1.5, 2.0])
    assert np.issubdtype(g.labels.dtype, np.integer)  # labels number the patterns
    g1 = tp.regions_on_grid(*_one_neuron((1.0, -1.0), 0.25), resolution=5)  # one neuron: its line y = x + 1/4
    assert g1.n_regions == 2 and np.issubdtype(g1.labels.dtype, np.integer)


def test_rank_tolerance_boundary():
    """The numerical rank counts singular values above 1e-10 * max(1, largest): relative above 1, absolute below, the tie excluded."""
    for sing, rank in [([1.0, 1e-10], 1), ([1.0, 1.5e-10], 2), ([0.5, 0.9e-10], 1), ([0.5, 1.1e-10], 2),
                       ([3.0, 2e-10], 1), ([3.0, 3.1e-10], 2), ([3.0, 3e-10], 1), ([0.0, 0.0], 0), ([2.0, 1.0, 0.0], 2)]:
        assert tp._numerical_rank(np.array(sing)) == rank


def test_upper_facet_tolerance_boundary():
    """A facet is upper iff the last coordinate of its outer unit normal exceeds 1e-12: vertical facets (0 up to rounding) and the tie are not."""
    eq = np.array([[0.0, 1.0, 0.0], [0.0, 1e-12, 0.0], [0.0, 1.5e-12, 0.0], [0.0, -1e-12, 0.0], [1.0, 0.5, -2.0]])
    np.testing.assert_array_equal(tp._upper_facets(eq), [True, False, True, False, True])


def test_a_segment_starting_on_a_neurons_line_or_along_a_dead_neuron_has_no_breakpoint():
    """relu(x + 1) on [-1, 1] starts at its kink and the neuron 0*x + 0 is zero everywhere: neither changes sign inside the segment, so there is one region, found without floating-point warnings; from -2 the kink at -1 (t = 1/3) is the one breakpoint."""
    W, b = [np.array([[1.0], [0.0]]), np.array([[1.0, 1.0]])], [np.array([1.0, 0.0]), np.array([0.0])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0 or x/0 on the way
        R = tp.regions_on_line(W, b, [-1.0], [1.0])
        assert R.n_regions == 1
        np.testing.assert_array_equal(R.t, [0.0, 1.0])
        R = tp.regions_on_line(W, b, [-2.0], [1.0])
        assert R.n_regions == 2
        np.testing.assert_allclose(R.t, [0.0, 1 / 3, 1.0], rtol=1e-15)
