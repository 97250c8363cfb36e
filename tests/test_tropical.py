"""Tests of nnmath.tropical: ReLU networks as piecewise-linear and tropical maps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
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
    assert np.all(p(lam * x + (1 - lam) * y) <= lam[:, 0] * p(x) + (1 - lam[:, 0]) * p(y) + 1e-12)


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
    for k in range(labels.max() + 1):
        idx = labels == k
        if idx.sum() > d + 2:
            assert _affine_fit_residual(x[idx], y[idx]) < 1e-10
            checked += 1
    assert checked >= 5


@pytest.mark.claim("thm-ff-pwl")
def test_network_is_continuous_and_affine_between_breakpoints():
    """Between consecutive exact breakpoints on a line the network equals the linear interpolation of its values."""
    W, b = tp.random_relu_network(2, 8, 3, seed=7)
    start, end = np.array([-2.0, 1.0]), np.array([2.5, -1.5])
    lr = tp.regions_on_line(W, b, start, end)
    ts = np.random.default_rng(0).uniform(size=2000)
    exact = tp.relu_network(W, b, start + ts[:, None] * (end - start))[:, 0]
    np.testing.assert_allclose(np.interp(ts, lr.t, lr.values[:, 0]), exact, atol=1e-10)


# --------------------------------------------------------------------------- region bounds


@pytest.mark.claim("lem-ff-zaslavsky")
@pytest.mark.parametrize("n", [1, 2, 4, 6])
def test_one_layer_regions_on_plane_reach_zaslavsky(n):
    """n lines in general position cut the plane into exactly 1 + n + n(n-1)/2 regions, seen on a large grid."""
    # tangents to the unit circle at angles in [0, pi): no two parallel, no three concurrent
    angles = np.pi * np.arange(n) / n
    W1 = np.column_stack([np.cos(angles), np.sin(angles)])
    b1 = -np.ones(n)
    W, b = [W1, np.ones((1, n))], [b1, np.zeros(1)]
    g = tp.regions_on_grid(W, b, (-12, 12), (-12, 12), resolution=1200)
    assert g.n_regions == tp.hyperplane_bound(n, 2) == 1 + n + n * (n - 1) // 2


@pytest.mark.claim("thm-ff-regions")
@pytest.mark.parametrize("width,depth", [(2, 6), (4, 4), (8, 3), (16, 2), (32, 1)])
def test_region_count_on_line_below_bound(width, depth):
    """Random ReLU networks on R^4 have at most prod_l (n_l + 1) activation regions on a segment, as in the chapter."""
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
def test_region_count_on_grid_below_bound(width, depth):
    """Random ReLU networks on the plane show at most prod_l sum_{j<=2} C(n_l, j) activation regions."""
    for seed in range(3):
        W, b = tp.random_relu_network(2, width, depth, bias_std=0.5, seed=seed)
        g = tp.regions_on_grid(W, b, (-4, 4), (-4, 4), resolution=300)
        assert g.n_regions <= tp.region_bound([width] * depth, 2)


@pytest.mark.claim("thm-ff-regions")
def test_line_bound_is_attained_by_tent_compositions():
    """Composing the tent map L times (width 2) gives 2^L pieces on [0, 1], below the bound 3^L."""
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


finite_signal = arrays(np.float64, st.integers(1, 12), elements=st.floats(-50, 50))


@pytest.mark.claim("prop-ff-dilation")
@settings(max_examples=60, deadline=None)
@given(finite_signal, finite_signal, finite_signal)
def test_maxplus_convolution_laws(f, g, h):
    """Max-plus convolution is commutative, associative and distributes over the pointwise maximum."""
    np.testing.assert_allclose(tp.maxplus_convolve(f, g), tp.maxplus_convolve(g, f))
    np.testing.assert_allclose(tp.maxplus_convolve(tp.maxplus_convolve(f, g), h),
                               tp.maxplus_convolve(f, tp.maxplus_convolve(g, h)), atol=1e-12)
    if len(g) == len(h):
        np.testing.assert_allclose(tp.maxplus_convolve(f, np.maximum(g, h)),
                                   np.maximum(tp.maxplus_convolve(f, g), tp.maxplus_convolve(f, h)))


@pytest.mark.claim("prop-ff-dilation")
@settings(max_examples=60, deadline=None)
@given(finite_signal, finite_signal, st.data())
def test_dilation_erosion_adjunction(f, g, data):
    """Dilation by g is below h exactly when f is below the erosion of h by g, so the closing lies above f."""
    h = data.draw(arrays(np.float64, len(f) + len(g) - 1, elements=st.floats(-50, 50)))
    lhs = bool(np.all(tp.maxplus_convolve(f, g) <= h))
    rhs = bool(np.all(f <= tp.erosion(h, g)))
    assert lhs == rhs
    # f <= erosion(dilation(f)) (the closing is extensive), with equality of the dilations
    e = tp.erosion(tp.maxplus_convolve(f, g), g)
    assert np.all(f <= e + 1e-12)
    np.testing.assert_allclose(tp.maxplus_convolve(e, g), tp.maxplus_convolve(f, g), atol=1e-12)


@pytest.mark.claim("prop-ff-dilation")
def test_flat_dilation_is_max_pooling():
    """Dilation by a flat window of width k equals PyTorch's max pooling with stride 1."""
    f = np.random.default_rng(0).normal(size=40)
    k = 5
    dil = tp.maxplus_convolve(f, np.zeros(k))[k - 1:len(f)]  # windows fully inside f
    pool = torch.nn.functional.max_pool1d(torch.tensor(f)[None, None], k, stride=1)[0, 0].numpy()
    np.testing.assert_allclose(dil, pool)
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
