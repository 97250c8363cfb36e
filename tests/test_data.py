"""Tests of nnmath.data: seeded, correctly shaped, and as documented."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import data


def test_regression_is_seeded_and_noisy_around_the_target():
    """Same seed, same sample; residuals y − f(x) have the requested standard deviation."""
    x1, y1 = data.regression_1d(20000, noise_std=0.3, seed=0)
    x2, y2 = data.regression_1d(20000, noise_std=0.3, seed=0)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert x1.min() >= -1 and x1.max() <= 1
    assert np.std(y1 - data.default_target(x1)) == pytest.approx(0.3, rel=0.03)


def test_separable_data_have_the_margin():
    """Every point satisfies y⟨w, x⟩ ≥ margin, with w a unit vector."""
    X, y, w = data.two_class_separable(500, dim=5, margin=0.2, seed=1)
    assert X.shape == (500, 5) and set(np.unique(y)) == {-1.0, 1.0}
    assert np.linalg.norm(w) == pytest.approx(1.0)
    assert np.min(y * (X @ w)) >= 0.2 - 1e-12


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_teacher_labels_are_the_teachers_outputs(activation):
    """Noise-free labels equal the returned teacher network evaluated on the inputs."""
    X, y, teacher = data.teacher_network(50, dim=3, width=8, depth=2, activation=activation, seed=2)
    assert X.shape == (50, 3) and y.shape == (50,)
    assert [W.shape for W in teacher.weights] == [(8, 3), (8, 8), (1, 8)]
    np.testing.assert_allclose(teacher(X), y)


def test_digits_split_is_stratified_scaled_and_seeded():
    """The digits split covers 1,797 images scaled to [0, 1], every class in both parts, reproducibly."""
    s = data.digits(seed=0)
    assert s.X_train.shape[0] + s.X_test.shape[0] == 1797 and s.X_train.shape[1] == 64
    assert 0.0 <= s.X_train.min() and s.X_train.max() <= 1.0
    assert set(s.y_test) == set(range(10))
    assert np.array_equal(s.y_test, data.digits(seed=0).y_test)
    assert not np.array_equal(s.y_test, data.digits(seed=1).y_test)


def test_threshold_classification_flips_labels_at_the_requested_rate():
    """Labels equal 1{x ≥ 1/2} except for a fraction flip of them (within 4 s.e.), reproducibly."""
    x, y = data.threshold_classification(50_000, flip=0.2, seed=0)
    x2, y2 = data.threshold_classification(50_000, flip=0.2, seed=0)
    assert np.array_equal(x, x2) and np.array_equal(y, y2) and y.dtype == bool
    flipped = y != (x >= 0.5)
    assert abs(flipped.mean() - 0.2) <= 4 * np.sqrt(0.2 * 0.8 / x.size)
    assert not np.any(data.threshold_classification(1000, flip=0.0, seed=1)[1]
                      != (data.threshold_classification(1000, flip=0.0, seed=1)[0] >= 0.5))


def test_binary_classification_has_the_requested_conditional_probability():
    """In each of four bins of x, the frequency of y = +1 matches the average of eta within 4 s.e."""
    eta = lambda t: 0.5 + 0.4 * np.sin(np.pi * t)  # noqa: E731
    x, y = data.binary_classification_1d(80_000, eta=eta, seed=2)
    assert set(np.unique(y)) == {-1.0, 1.0} and x.min() >= -1 and x.max() <= 1
    for lo in (-1.0, -0.5, 0.0, 0.5):
        m = (x >= lo) & (x < lo + 0.5)
        p = np.mean(y[m] == 1)
        assert abs(p - np.mean(eta(x[m]))) <= 4 * np.sqrt(p * (1 - p) / m.sum())


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: data.regression_1d(-3, seed=0), ValueError, "n"),
        (lambda: data.regression_1d(3, noise_std=-1, seed=0), ValueError, "noise_std"),
        (lambda: data.regression_1d(3, domain=(1, 0), seed=0), ValueError, "domain"),
        (lambda: data.regression_1d(3, seed="zero"), TypeError, "seed"),
        (lambda: data.two_class_separable(3, dim=0, seed=0), ValueError, "dim"),
        (lambda: data.teacher_network(3, dim=2, width=-1, seed=0), ValueError, "width"),
        (lambda: data.teacher_network(3, dim=2, depth=1.5, seed=0), TypeError, "depth"),
        (lambda: data.teacher_network(3, dim=2, activation="sigmoid", seed=0), ValueError, "activation"),
        (lambda: data.digits(test_fraction=1.5, seed=0), ValueError, "test_fraction"),
        (lambda: data.threshold_classification(0, flip=0.1, seed=0), ValueError, "n"),
        (lambda: data.threshold_classification(5, flip=1.5, seed=0), ValueError, "flip"),
        (lambda: data.binary_classification_1d(5, eta=lambda t: 2 + 0 * t, seed=0), ValueError, "eta"),
        (lambda: data.binary_classification_1d(5, eta=0.5, seed=0), TypeError, "eta"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    """Bad input raises ValueError/TypeError whose message names the offending argument."""
    with pytest.raises(exc, match=name):
        call()
