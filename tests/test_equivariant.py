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
