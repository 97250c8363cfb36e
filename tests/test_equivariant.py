"""Tests of nnmath.equivariant.check_equivariance, the shared measure of equivariance defects.

The reference values are computed by hand for maps whose defect is known in closed form; the
negative controls are maps that are not equivariant (or a wrong output action), which the check
must report with an error of order one.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnmath.equivariant import check_equivariance

EPS = np.finfo(np.float64).eps


def _roll(g, x):
    return np.roll(x, g, axis=-1)


def _circular_smoothing(x):
    """A circular 3-point average: commutes with every cyclic shift."""
    return (np.roll(x, 1, axis=-1) + x + np.roll(x, -1, axis=-1)) / 3


def _samples(n=16, count=10, seed=0):
    rng = np.random.default_rng(seed)
    return [(int(rng.integers(-n, n)), rng.standard_normal(n)) for _ in range(count)]


def test_equivariant_map_has_rounding_level_error():
    """A circular average commutes with cyclic shifts: the measured error is at rounding level."""
    err = check_equivariance(_circular_smoothing, _roll, _roll, _samples())
    assert err <= 10 * EPS


def test_exact_linear_map_error_is_zero():
    """Scaling by 2 commutes exactly with a permutation of entries, so the error is exactly 0."""
    assert check_equivariance(lambda x: 2 * x, _roll, _roll, _samples()) == 0.0


def test_negative_control_non_equivariant_map_is_rejected():
    """A map that adds a position-dependent ramp is not shift-equivariant: the error is of order one."""
    ramp = np.linspace(0.0, 1.0, 16)
    err = check_equivariance(lambda x: x + 3 * ramp, _roll, _roll, [(3, np.zeros(16) + 1.0)])
    # By hand: f(roll x) - roll f(x) = 3 (ramp - roll(ramp)) for the constant x = 1.
    expected = np.linalg.norm(3 * (ramp - np.roll(ramp, 3))) / np.linalg.norm(1 + 3 * np.roll(ramp, 3))
    assert err == pytest.approx(expected, rel=1e-12)
    assert err > 0.1


def test_negative_control_wrong_output_action_is_rejected():
    """An equivariant map checked against the wrong output action (shift the other way) fails."""
    wrong = lambda g, y: np.roll(y, -g, axis=-1)  # noqa: E731
    err = check_equivariance(_circular_smoothing, _roll, wrong, [(g, x) for g, x in _samples() if g % 16 not in (0, 8)])
    assert err > 0.1


def test_returns_the_maximum_over_samples():
    """The error is the maximum of the per-sample relative errors, computed here by hand."""
    f = lambda x: x ** 2  # noqa: E731  # f(g x) = g^2 x^2 vs g f(x) = g x^2: error |g - 1|
    act = lambda g, x: g * x  # noqa: E731
    x = np.array([1.0, 2.0, -1.0])
    samples = [(1.0, x), (2.0, x), (3.0, x)]
    # relative error |g^2 - g| / |g| = |g - 1|: 0, 1, 2
    assert check_equivariance(f, act, act, samples) == pytest.approx(2.0, rel=1e-15)


def test_invariance_with_trivial_output_action():
    """Invariance is equivariance with the trivial output action: the sum of entries is shift invariant."""
    # positive entries, so the sum is not near 0 and the relative error is at rounding level
    samples = [(g, np.abs(x) + 1.0) for g, x in _samples()]
    err = check_equivariance(np.sum, _roll, lambda g, y: y, samples)
    assert err <= 16 * 10 * EPS
    assert check_equivariance(lambda x: x[0], _roll, lambda g, y: y, [(1, np.arange(1.0, 5.0))]) > 0.5


def test_accepts_torch_tensors():
    """Maps on torch tensors are measured too (converted to float64 NumPy arrays)."""
    x = torch.randn(2, 3, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    act = lambda g, t: torch.roll(t, g, dims=-1)  # noqa: E731
    assert check_equivariance(torch.tanh, act, act, [(2, x), (-3, x)]) == 0.0


def test_zero_output_gives_large_not_nan_error():
    """A nonzero defect against a zero reference output is huge (divided by tiny), never NaN."""
    err = check_equivariance(lambda x: x, lambda g, x: x + 1.0, lambda g, y: 0 * y, [(0, np.zeros(3))])
    assert err > 1e300 or err == float("inf")


def test_nan_output_reported_as_inf():
    """A NaN in an output is reported as an infinite error, not hidden."""
    err = check_equivariance(lambda x: x * np.nan, _roll, _roll, [(1, np.ones(3))])
    assert err == float("inf")


@pytest.mark.parametrize(
    "kwargs, exc, name",
    [
        (dict(f=3), TypeError, "f"),
        (dict(act_in="shift"), TypeError, "act_in"),
        (dict(act_out=None), TypeError, "act_out"),
        (dict(samples=[]), ValueError, "samples"),
        (dict(samples=5), TypeError, "samples"),
        (dict(samples=[(1, 2, 3)]), TypeError, "samples"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, exc, name):
    """Bad arguments raise the documented error type with a message naming the argument."""
    args = dict(f=_circular_smoothing, act_in=_roll, act_out=_roll, samples=_samples(count=2))
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        check_equivariance(**args)


def test_shape_mismatch_is_value_error():
    """If the two sides have different shapes the check raises ValueError instead of broadcasting."""
    with pytest.raises(ValueError, match="shape"):
        check_equivariance(lambda x: x, _roll, lambda g, y: y[:-1], [(1, np.ones(4))])


# =============================================================================================
# The layers of the chapter "Equivariant networks": p4 and SE(2) lifting, group convolution,
# projection; rotate_image; circular harmonics. References are brute-force sums written from the
# group-theoretic definitions (coordinates and group products, no rot90), scipy, and closed forms.
# =============================================================================================

import math  # noqa: E402

from scipy import ndimage, signal  # noqa: E402
from torch import nn  # noqa: E402

from nnmath import data  # noqa: E402
from nnmath.equivariant import (  # noqa: E402
    GroupConv,
    GroupPool,
    LiftingConv,
    circular_harmonic,
    rotate_image,
)

torch.set_num_threads(1)


def _rot_int(v, r):
    """R^r applied to an integer vector (x, y): the quarter turn (x, y) -> (-y, x), r times."""
    x, y = v
    for _ in range(r % 4):
        x, y = -y, x
    return x, y


def _coords(n):
    """Pixel (i, j) <-> doubled coordinates (2x, 2y) = (2j - (n-1), (n-1) - 2i), integers for any n."""
    to_xy = {(i, j): (2 * j - (n - 1), (n - 1) - 2 * i) for i in range(n) for j in range(n)}
    return to_xy, {v: k for k, v in to_xy.items()}


def _brute_lifting(f, psi, rotate=_rot_int):
    """(f * psi)(t, r) = sum_y f(y) psi(g^{-1} y), g = (t, R^r): psi at offset R^{-r}(y - t).

    f: (n, n), psi: (k, k); doubled coordinates so that even n works too. Zero outside the grids.
    """
    n, k = f.shape[0], psi.shape[0]
    to_xy, to_ij = _coords(n)
    kxy, kij = _coords(k)
    out = np.zeros((4, n, n))
    for r in range(4):
        for (i, j), t in to_xy.items():
            total = 0.0
            for (a, b), y in to_xy.items():
                q = rotate((y[0] - t[0], y[1] - t[1]), -r)
                if q in kij:
                    total += f[a, b] * psi[kij[q]]
            out[r, i, j] = total
    return out


def _brute_group_conv(F, Psi, wrong_order=False):
    """(F * Psi)(g) = sum_h F(h) Psi(g^{-1} h) on p4 with (t, r)^{-1}(t', s) = (R^{-r}(t' - t), s - r)."""
    n, k = F.shape[-1], Psi.shape[-1]
    to_xy, _ = _coords(n)
    _, kij = _coords(k)
    out = np.zeros((4, n, n))
    for r in range(4):
        for (i, j), t in to_xy.items():
            total = 0.0
            for s in range(4):
                for (a, b), y in to_xy.items():
                    if wrong_order:  # Psi(h^{-1} g): the inverse taken on the wrong side
                        q, idx = _rot_int((t[0] - y[0], t[1] - y[1]), -s), (r - s) % 4
                    else:
                        q, idx = _rot_int((y[0] - t[0], y[1] - t[1]), -r), (s - r) % 4
                    if q in kij:
                        total += F[s, a, b] * Psi[idx][kij[q]]
            out[r, i, j] = total
    return out


def _act_p4(k, y):
    return torch.roll(rotate_image(y, k), k, dims=2)


def _act_image(k, x):
    return rotate_image(x, k)


class _GroupConvWrongUnrotatedFilter(GroupConv):
    """Mistake: the filter is shifted along the orientation axis but never rotated in the plane."""

    def rotated_filter(self, r):
        return self.weight


class _GroupConvWrongShiftDirection(GroupConv):
    """Mistake: the orientation axis of the filter is shifted by -r instead of +r."""

    def rotated_filter(self, r):
        return torch.roll(super().rotated_filter(r), -2 * r, dims=2)


class _LiftingConvWrongUnrotated(LiftingConv):
    """Mistake: the lifting layer uses the same, unrotated filter for every orientation."""

    def rotated_filter(self, r):
        return self.weight if self.group == "p4" else super().rotated_filter(0)


class _LiftingConvWrongHalfCircle(LiftingConv):
    """Mistake: SE(2) orientations theta_r = pi r / N (lines mod pi) for filters that are not pi-symmetric."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from nnmath.equivariant import _steered_basis
        angles = np.pi * np.arange(self.orientations) / self.orientations
        self._basis = _steered_basis(self.kernel_size, self.radius, self.max_frequency, angles)


def _digits(count=6, seed=0, n=8):
    split = data.digits(seed=seed)
    return torch.tensor(split.X_test[:count], dtype=torch.float64).reshape(-1, 1, n, n)


# ----------------------------------------------------------------------------- rotate_image

@pytest.mark.parametrize("n", [3, 4, 5])
def test_rotate_image_is_the_quarter_turn_of_pixel_coordinates(n):
    """rotate_image moves the pixel at doubled coordinates v to R v, for odd and even sizes, arrays and tensors."""
    x = np.arange(2 * n * n, dtype=float).reshape(2, n, n)
    to_xy, to_ij = _coords(n)
    expected = np.empty_like(x)
    for (i, j), v in to_xy.items():
        expected[:, to_ij[_rot_int(v, 1)][0], to_ij[_rot_int(v, 1)][1]] = x[:, i, j]
    assert np.array_equal(rotate_image(x, 1), expected)
    assert np.array_equal(rotate_image(torch.tensor(x), 1).numpy(), expected)
    assert np.array_equal(rotate_image(x, 4), x) and np.array_equal(rotate_image(x, -1), rotate_image(x, 3))
    # negative control: the clockwise turn is a different permutation
    assert not np.array_equal(rotate_image(x, -1), expected)


# ----------------------------------------------------------------------------- definitions

@pytest.mark.claim("eqv-def-circular-harmonic")
@pytest.mark.parametrize("m", [-2, 0, 1, 3])
def test_circular_harmonic_matches_polar_formula(m):
    r"""`circular_harmonic(m, s, n)` equals $(\rho/s)^{|m|} e^{-\rho^2/(2s^2)} e^{i m \theta}$ computed in polar coordinates."""
    s, n = 1.7, 9
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x, y = j - (n - 1) / 2, (n - 1) / 2 - i
    rho, theta = np.hypot(x, y), np.arctan2(y, x)
    ref = (rho / s) ** abs(m) * np.exp(-rho ** 2 / (2 * s ** 2)) * np.exp(1j * m * theta)
    assert np.abs(circular_harmonic(m, s, n) - ref).max() < 1e-13
    # negative control: the image-row convention y = i - c (y downwards) conjugates the harmonic
    ref_flipped = (rho / s) ** abs(m) * np.exp(-rho ** 2 / (2 * s ** 2)) * np.exp(-1j * m * theta)
    if m != 0:
        assert np.abs(circular_harmonic(m, s, n) - ref_flipped).max() > 0.1


@pytest.mark.claim("eqv-def-lifting")
@pytest.mark.parametrize("n", [5, 6])
def test_lifting_conv_matches_group_action_sum(n):
    r"""`LiftingConv` (p4) equals the brute-force sum over $y$ of $f(y)\,\psi(g^{-1} y)$, written with group coordinates."""
    layer = LiftingConv(1, 1, 3, seed=1).double()
    with torch.no_grad():
        layer.bias.fill_(0.25)
    f = np.random.default_rng(2).standard_normal((n, n))
    psi = layer.weight[0, 0, 0].detach().numpy()
    out = layer(torch.tensor(f)[None, None])[0, 0].detach().numpy()
    assert np.abs(out - (_brute_lifting(f, psi) + 0.25)).max() < 1e-12
    # negative control: psi at R^{+r}(y - t) (the filter turned the wrong way)
    wrong = _brute_lifting(f, psi, rotate=lambda v, r: _rot_int(v, -r)) + 0.25
    assert np.abs(out - wrong).max() > 0.1


@pytest.mark.claim("eqv-def-group-convolution")
def test_group_conv_matches_group_product_sum():
    r"""`GroupConv` (p4) equals the brute-force sum over $h$ of $F(h)\,\Psi(g^{-1} h)$ with the product of p4."""
    layer = GroupConv(1, 1, 3, seed=3).double()
    n = 5
    F = np.random.default_rng(4).standard_normal((4, n, n))
    Psi = layer.weight[0, 0].detach().numpy()
    out = layer(torch.tensor(F)[None, None])[0, 0].detach().numpy()
    assert np.abs(out - _brute_group_conv(F, Psi)).max() < 1e-12
    # negative control: Psi(h^{-1} g), the inverse on the wrong side
    assert np.abs(out - _brute_group_conv(F, Psi, wrong_order=True)).max() > 0.1


@pytest.mark.claim("eqv-def-projection")
def test_group_pool_is_max_or_mean_over_orientations():
    """GroupPool returns the maximum or mean over axis 2, compared with NumPy."""
    F = torch.randn(2, 3, 4, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert np.array_equal(GroupPool("max")(F).numpy(), F.numpy().max(axis=2))
    assert np.abs(GroupPool("mean")(F).numpy() - F.numpy().mean(axis=2)).max() < 1e-15
    # negative control: pooling over the wrong axis (a spatial one, of the same length as N here) is detected
    F4 = F[..., :4, :4]
    assert np.abs(GroupPool("max")(F4).numpy() - F4.numpy().max(axis=3)).max() > 0.1


# ----------------------------------------------------------------------------- equivariance

def _dihedral(n):
    """D_n as pairs (k, e): x -> (-1)^e x + k on Z_n; product and inverse written out."""
    elements = [(k, e) for e in (0, 1) for k in range(n)]

    def mul(g, h):
        (a, e), (b, f) = g, h
        return ((a + (-1) ** e * b) % n, (e + f) % 2)

    def inv(g):
        a, e = g
        return ((-((-1) ** e) * a) % n, e)

    return elements, mul, inv


def _conv_on_group(F, Psi, elements, mul, inv, wrong=False):
    """(F * Psi)(g) = sum_h F(h) Psi(g^{-1} h); wrong: Psi(h g^{-1}) (right translation)."""
    return {g: sum(F[h] * Psi[mul(h, inv(g)) if wrong else mul(inv(g), h)] for h in elements) for g in elements}


@pytest.mark.claim("eqv-thm-group-conv")
def test_group_convolution_on_a_finite_group_commutes_with_left_translation():
    r"""On the dihedral group $D_5$, $(L_u F) \ast \Psi = L_u (F \ast \Psi)$ for every $u$, in exact integer arithmetic."""
    elements, mul, inv = _dihedral(5)
    rng = np.random.default_rng(0)
    F = {g: int(v) for g, v in zip(elements, rng.integers(-5, 6, len(elements)))}
    Psi = {g: int(v) for g, v in zip(elements, rng.integers(-5, 6, len(elements)))}
    wrong_defects = 0
    for u in elements:
        LuF = {g: F[mul(inv(u), g)] for g in elements}
        for wrong in (False, True):
            lhs = _conv_on_group(LuF, Psi, elements, mul, inv, wrong)
            rhs_base = _conv_on_group(F, Psi, elements, mul, inv, wrong)
            rhs = {g: rhs_base[mul(inv(u), g)] for g in elements}
            if not wrong:
                assert lhs == rhs
            else:
                wrong_defects += lhs != rhs
    # negative control: right translation of the filter is not left-equivariant (D_5 is not abelian)
    assert wrong_defects >= len(elements) // 2


@pytest.mark.claim("eqv-cor-p4")
def test_p4_layers_rotate_and_shift_orientations_to_1e12():
    """Quarter turns rotate p4 feature maps and shift the orientation axis by one: error below 1e-12 in float64."""
    x = _digits()
    samples = [(k, x) for k in (1, 2, 3)]
    lift = LiftingConv(1, 3, 3, seed=0).double()
    gconv = GroupConv(3, 2, 5, seed=1).double()
    F = torch.randn(4, 3, 4, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert check_equivariance(lift, _act_image, _act_p4, samples) < 1e-12
        assert check_equivariance(gconv, _act_p4, _act_p4, [(k, F) for k in (1, 2, 3)]) < 1e-12
        assert check_equivariance(GroupPool("max"), _act_p4, _act_image, [(k, F) for k in (1, 2, 3)]) < 1e-12
        net = nn.Sequential(lift, nn.ReLU(), GroupConv(3, 3, 3, seed=2).double(), nn.Tanh(), gconv)
        assert check_equivariance(net, _act_image, _act_p4, samples) < 1e-12
        # negative controls: a plain CNN, two buggy group convolutions, and the output action without the shift
        plain = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Tanh(), nn.Conv2d(4, 4, 3, padding=1)).double()
        assert check_equivariance(plain, _act_image, _act_image, samples) > 0.1
        for bug in (_GroupConvWrongUnrotatedFilter, _GroupConvWrongShiftDirection):
            bad = nn.Sequential(lift, nn.ReLU(), bug(3, 2, 3, seed=5).double())
            assert check_equivariance(bad, _act_image, _act_p4, samples) > 0.1
        assert check_equivariance(net, _act_image, _act_image, samples) > 0.1


@pytest.mark.claim("eqv-prop-composition")
def test_pointwise_maps_and_pooling_preserve_equivariance():
    """Pointwise activations and pooling over orientations and positions keep p4 equivariance/invariance (1e-12)."""
    x = _digits()
    samples = [(k, x) for k in (1, 2, 3)]
    body = nn.Sequential(LiftingConv(1, 3, 3, seed=0), nn.ReLU(), GroupConv(3, 3, 3, seed=1), nn.Softplus(),
                         GroupPool("mean")).double()
    with torch.no_grad():
        assert check_equivariance(body, _act_image, _act_image, samples) < 1e-12
        invariant = lambda t: body(t).amax(dim=(-2, -1))  # noqa: E731
        assert check_equivariance(invariant, _act_image, lambda k, y: y, samples) < 1e-12
        # negative control: a position-dependent bias (not pointwise in the sense of the proposition)
        ramp = torch.linspace(0, 1, 8, dtype=torch.float64)
        biased = lambda t: body(t) + ramp  # noqa: E731
        assert check_equivariance(biased, _act_image, _act_image, samples) > 0.05


@pytest.mark.claim("eqv-prop-invariant-classifier")
def test_p4_classifier_logits_and_accuracy_are_invariant():
    """A p4 classifier gives the same logits (1e-12) and the same accuracy on digits turned by quarter turns."""
    def model(lift_cls):
        return nn.Sequential(lift_cls(1, 4, 3, seed=0), nn.ReLU(), GroupConv(4, 4, 3, seed=1), nn.ReLU(),
                             GroupPool("max"), nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(4, 10)).double()

    split = data.digits(seed=0)
    x = torch.tensor(split.X_test, dtype=torch.float64).reshape(-1, 1, 8, 8)
    y = torch.tensor(split.y_test)
    with torch.no_grad():
        torch.manual_seed(0)
        good, bad = model(LiftingConv), model(_LiftingConvWrongUnrotated)
        assert check_equivariance(good, _act_image, lambda k, z: z, [(k, x) for k in (1, 2, 3)]) < 1e-12
        acc = [float((good(rotate_image(x, k)).argmax(1) == y).float().mean()) for k in range(4)]
        assert max(acc) == min(acc)
        # negative control: with an unrotated lifting filter the logits change under rotation
        assert check_equivariance(bad, _act_image, lambda k, z: z, [(k, x) for k in (1, 2, 3)]) > 1e-3


# ----------------------------------------------------------------------------- SE(2), N orientations

_SIZE, _KERNEL, _RADIUS = 23, 15, 1.5


def _blob_image(phi, blobs):
    c0 = (_SIZE - 1) / 2
    i, j = np.meshgrid(np.arange(_SIZE), np.arange(_SIZE), indexing="ij")
    x, y = j - c0, c0 - i
    c, s = math.cos(phi), math.sin(phi)
    xr, yr = c * x + s * y, -s * x + c * y
    img = sum(a * np.exp(-((xr - bx) ** 2 + (yr - by) ** 2) / (2 * w ** 2)) for a, bx, by, w in blobs)
    return torch.tensor(img)[None, None]


def _pooled_centre(layer_cls, n, phis, coef, blobs):
    layer = layer_cls(1, 1, _KERNEL, group="se2", orientations=n, radius=_RADIUS, max_frequency=2).double()
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, 0, 0] = torch.tensor(coef, dtype=torch.float64)
        x = torch.cat([_blob_image(p, blobs) for p in phis])
        out = GroupPool("max")(layer(x))
    return out[:, 0, _SIZE // 2, _SIZE // 2].numpy()


def _worst_case_error(layer_cls, n):
    """Edge filter Re h_1, one blob: pooled centre response with the blob on a sampled angle vs halfway."""
    alpha = math.atan2(1.0, 3.0)
    on, half = _pooled_centre(layer_cls, n, [-alpha, -alpha + math.pi / n], [0, 1, 0, 0, 0], [(1, 3.0, 1.0, 2.0)])
    return abs(on - half) / abs(on)


def _typical_error(layer_cls, n, seed):
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal(5)
    blobs = [(rng.uniform(0.5, 1.5), *rng.uniform(-4, 4, 2), rng.uniform(1.5, 2.5)) for _ in range(3)]
    pooled = _pooled_centre(layer_cls, n, np.concatenate([[0.0], rng.uniform(0, 2 * np.pi, 6)]), coef, blobs)
    return np.abs(pooled[1:] - pooled[0]).max() / abs(pooled[0])


@pytest.mark.claim("eqv-prop-orientation-error")
def test_orientation_error_is_within_bound_nearly_tight_and_decreases_with_n():
    r"""The SE(2) max-pooled invariance error equals $1 - \cos(\pi/N)$ in the worst case (at least 0.94 of the bound) and $\mathrm{err}(16) < \mathrm{err}(4)/5$."""
    for n in (4, 8, 16):
        err = _worst_case_error(LiftingConv, n)
        bound = 0.5 * (math.pi / n) ** 2
        assert abs(err - (1 - math.cos(math.pi / n))) < 1e-5  # closed form of the proposition's example
        assert 0.94 * bound <= err <= bound * (1 + 1e-6)
    assert _error_decreases(LiftingConv)
    # negative control: orientations spread over a half circle do not converge for filters with odd harmonics
    assert not _error_decreases(_LiftingConvWrongHalfCircle)


def _error_decreases(layer_cls):
    """The check: err(16) < err(4)/5 in the worst case and for two random filters, images and angle sets."""
    return (_worst_case_error(layer_cls, 16) < _worst_case_error(layer_cls, 4) / 5
            and all(_typical_error(layer_cls, 16, seed) < _typical_error(layer_cls, 4, seed) / 5 for seed in (1, 2)))


@pytest.mark.claim("eqv-prop-steering")
@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_quarter_turn_multiplies_harmonic_by_exact_phase(m):
    r"""`rotate_image` turns $h_m$ by a quarter turn into $e^{-i m \pi/2} h_m$ to rounding, on odd and even grids; the opposite phase fails for odd $m$."""
    for size in (9, 10):
        h = circular_harmonic(m, 2.0, size)
        assert np.abs(rotate_image(h, 1) - np.exp(-1j * m * np.pi / 2) * h).max() < 1e-14
        if m % 2:
            assert np.abs(rotate_image(h, 1) - np.exp(1j * m * np.pi / 2) * h).max() > 0.1


@pytest.mark.claim("eqv-prop-steering")
def test_rotation_by_any_angle_multiplies_harmonic_by_phase_against_scipy():
    r"""SciPy's spline rotation of $h_m$ by $\varphi$ agrees with $e^{-i m \varphi} h_m$ to a relative 2e-2 (interpolation), the wrong phase does not."""
    for m in range(4):
        h = circular_harmonic(m, 2.5, 21)
        for phi in (0.3, 1.1, 2.0, 4.0):
            rot = lambda a: ndimage.rotate(a, np.degrees(phi), reshape=False, order=3)  # noqa: E731
            ref = rot(h.real) + 1j * rot(h.imag)
            scale = np.abs(h).max()
            assert np.abs(ref - np.exp(-1j * m * phi) * h).max() / scale < 2e-2
            if m:
                assert np.abs(ref - np.exp(1j * m * phi) * h).max() / scale > 0.2


@pytest.mark.claim("eqv-prop-steering")
def test_se2_lifting_equals_steering_formula():
    r"""The SE(2) lifting output at every orientation equals $\operatorname{Re} \sum_m c_m e^{-i m \theta} (f \star h_m)$ to 1e-12 (SciPy's `correlate2d`)."""
    n_orient, k = 6, 7
    layer = LiftingConv(1, 1, k, group="se2", orientations=n_orient, radius=1.3, max_frequency=2, seed=3).double()
    f = np.random.default_rng(0).standard_normal((9, 9))
    with torch.no_grad():
        out = layer(torch.tensor(f)[None, None])[0, 0].numpy() - layer.bias.item()
    w = layer.weight[0, 0, 0].detach().numpy()
    c = [w[0], w[1] - 1j * w[2], w[3] - 1j * w[4]]
    # scipy conjugates a complex second argument: correlate with the real and imaginary parts separately
    corr = [signal.correlate2d(f, circular_harmonic(m, 1.3, k).real, mode="same")
            + 1j * signal.correlate2d(f, circular_harmonic(m, 1.3, k).imag, mode="same") for m in range(3)]
    thetas = 2 * np.pi * np.arange(n_orient) / n_orient
    steer = np.stack([sum((c[m] * np.exp(-1j * m * th) * corr[m]).real for m in range(3)) for th in thetas])
    assert np.abs(out - steer).max() / np.abs(steer).max() < 1e-12
    wrong = np.stack([sum((c[m] * np.exp(1j * m * th) * corr[m]).real for m in range(3)) for th in thetas])
    assert np.abs(out - wrong).max() / np.abs(steer).max() > 0.1


def test_se2_layers_are_exactly_equivariant_for_quarter_turns():
    """With N = 8, a quarter turn is a grid rotation: the SE(2) layers rotate and shift by two orientations (1e-12)."""
    x = torch.randn(2, 1, 11, 11, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    net = nn.Sequential(LiftingConv(1, 2, 7, group="se2", orientations=8, radius=1.5), nn.ReLU(),
                        GroupConv(2, 2, 5, group="se2", orientations=8, radius=1.2)).double()
    act = lambda k, y: torch.roll(rotate_image(y, k), 2 * k, dims=2)  # noqa: E731
    with torch.no_grad():
        assert check_equivariance(net, _act_image, act, [(k, x) for k in (1, 2, 3)]) < 1e-12
        assert check_equivariance(net, _act_image, _act_p4, [(1, x)]) > 0.1


# ----------------------------------------------------------------------------- max-plus

def _maxplus_lift(f, k, rotate=True):
    n = f.shape[-1]
    fp = np.pad(f, 1, constant_values=-np.inf)
    out = np.empty((4, n, n))
    for r in range(4):
        kr = np.rot90(k, r) if rotate else k
        out[r] = np.max([fp[a:a + n, b:b + n] + kr[a, b] for a in range(3) for b in range(3)], axis=0)
    return out


@pytest.mark.claim("eqv-prop-morphological")
def test_maxplus_lifting_is_p4_equivariant():
    """The max-plus lifting on p4 commutes with quarter turns exactly (error 0); an unrotated structuring function fails."""
    rng = np.random.default_rng(0)
    k = rng.standard_normal((3, 3))
    f = rng.standard_normal((7, 7))
    act_out = lambda r, y: np.roll(np.rot90(y, r, axes=(-2, -1)), r, axis=0)  # noqa: E731
    act_in = lambda r, x: np.rot90(x, r)  # noqa: E731
    samples = [(r, f) for r in (1, 2, 3)]
    # independent check of the max-plus formula at one point, from the definition with group coordinates
    to_xy, to_ij = _coords(7)
    _, kij = _coords(3)
    t = to_xy[(2, 5)]
    val = max(f[a, b] + k[kij[_rot_int((y[0] - t[0], y[1] - t[1]), -1)]] for (a, b), y in to_xy.items()
              if _rot_int((y[0] - t[0], y[1] - t[1]), -1) in kij)
    assert _maxplus_lift(f, k)[1, 2, 5] == val
    assert check_equivariance(lambda x: _maxplus_lift(x, k), act_in, act_out, samples) == 0.0
    assert check_equivariance(lambda x: _maxplus_lift(x, k, rotate=False), act_in, act_out, samples) > 0.05


# ----------------------------------------------------------------------------- rotated digits

def _p4_classifier(lift_cls, conv_cls, seed):
    return nn.Sequential(lift_cls(1, 8, 3, seed=seed), nn.ReLU(), conv_cls(8, 8, 3, seed=seed + 1), nn.ReLU(),
                         GroupPool("max"), nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(8, 10))


def _plain_classifier(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def _rotated_accuracies(make_model, seeds, epochs=8):
    """Train make_model(seed) on upright digits of split `seed`; accuracy on the test digits turned by 1, 2, 3 quarter turns."""
    from nnmath import cnn

    out = []
    for seed in seeds:
        sp = data.digits(seed=seed)
        Xtr = torch.tensor(sp.X_train, dtype=torch.float32).reshape(-1, 1, 8, 8)
        Xte = torch.tensor(sp.X_test, dtype=torch.float32).reshape(-1, 1, 8, 8)
        ytr, yte = torch.tensor(sp.y_train), torch.tensor(sp.y_test)
        Xrot, yrot = torch.cat([rotate_image(Xte, k) for k in (1, 2, 3)]), yte.repeat(3)
        model = make_model(seed)
        cnn.train_classifier(model, Xtr, ytr, Xte, yte, epochs=epochs, lr=1e-2, seed=seed)
        with torch.no_grad():
            out.append(float((model(Xrot).argmax(1) == yrot).float().mean()))
    return np.array(out)


def _clearly_better(acc, acc_baseline, margin=0.3):
    """The check: mean advantage over the baseline above the margin and more than 4 standard errors (paired by seed)."""
    diffs = acc - acc_baseline
    se = diffs.std(ddof=1) / np.sqrt(len(diffs))
    return diffs.mean() > margin and diffs.mean() > 4 * se


def test_p4_cnn_beats_plain_cnn_on_rotated_digits():
    """Over 3 seeds the p4-CNN's accuracy on rotated digits exceeds the plain CNN's by > 0.3 and > 4 s.e."""
    seeds = (0, 1, 2)
    plain = _rotated_accuracies(_plain_classifier, seeds)
    assert _clearly_better(_rotated_accuracies(lambda s: _p4_classifier(LiftingConv, GroupConv, s), seeds), plain)
    # negative control: a "p4" network whose filters are never rotated is a plain CNN and fails the check
    unrotated = _rotated_accuracies(
        lambda s: _p4_classifier(_LiftingConvWrongUnrotated, _GroupConvWrongUnrotatedFilter, s), seeds)
    assert not _clearly_better(unrotated, plain)


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: rotate_image(np.ones((3, 3)), 1.5), TypeError, "k"),
        (lambda: rotate_image(np.ones(3), 1), ValueError, "x"),
        (lambda: rotate_image(torch.ones(3), 1), ValueError, "x"),
        (lambda: rotate_image(np.array([["a"]]), 1), TypeError, "x"),
        (lambda: circular_harmonic(1.0, 1.0, 5), TypeError, "m"),
        (lambda: circular_harmonic(1, 0.0, 5), ValueError, "radius"),
        (lambda: circular_harmonic(1, 1.0, 0), ValueError, "size"),
        (lambda: LiftingConv(0, 1), ValueError, "in_channels"),
        (lambda: LiftingConv(1, 1, 4), ValueError, "kernel_size"),
        (lambda: LiftingConv(1, 1, group="p6"), ValueError, "group"),
        (lambda: LiftingConv(1, 1, group="p4", orientations=8), ValueError, "orientations"),
        (lambda: GroupConv(1, 1, group="se2"), ValueError, "orientations"),
        (lambda: GroupConv(1, 1, group="se2", orientations=0), ValueError, "orientations"),
        (lambda: GroupConv(1, 1, group="se2", orientations=4, radius=-1.0), ValueError, "radius"),
        (lambda: LiftingConv(1, 1)(torch.ones(1, 2, 5, 5)), ValueError, "x"),
        (lambda: LiftingConv(1, 1)(np.ones((1, 1, 5, 5))), TypeError, "x"),
        (lambda: GroupConv(1, 1)(torch.ones(1, 1, 3, 5, 5)), ValueError, "x"),
        (lambda: GroupPool("median"), ValueError, "mode"),
        (lambda: GroupPool()(torch.ones(1, 1, 5, 5)), ValueError, "x"),
    ],
)
def test_layers_and_helpers_reject_bad_input_naming_the_argument(call, exc, name):
    """Bad arguments of the new functions and layers raise the documented error naming the argument."""
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()
