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


# --- Stub generators: every draw is a chosen constant, so the documented scalings can be checked exactly.


class _ConstantGenerator(np.random.Generator):
    """A numpy Generator whose standard normal draws all equal ``normal`` and uniform draws sit at the quantile ``uniform``."""

    def __init__(self, normal=1.0, uniform=0.5):
        super().__init__(np.random.PCG64(0))
        self.normal, self.u = float(normal), float(uniform)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return self.normal if size is None else np.full(size, self.normal)

    def uniform(self, low=0.0, high=1.0, size=None):
        v = low + self.u * (high - low)  # the draw at quantile u of U[low, high)
        return v if size is None else np.full(size, v)


class _ShapedNormals(np.random.Generator):
    """A numpy Generator whose standard normal draw of a given shape is a chosen array."""

    def __init__(self, by_shape):
        super().__init__(np.random.PCG64(0))
        self.by_shape = {np.empty(k).shape: np.array(v, dtype=float) for k, v in by_shape.items()}

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return self.by_shape[np.empty(size).shape].copy()


def _forward(teacher, X, act):
    """The teacher evaluated by hand: hidden layers h ↦ act(W h + b), a linear scalar output."""
    h = np.array(X, dtype=float)
    *hidden, last = list(zip(teacher.weights, teacher.biases))
    for W, b in hidden:
        h = act(np.einsum("jk,ik->ij", W, h) + b)
    W, b = last
    return np.einsum("jk,ik->ij", W, h)[:, 0] + b[0]


def test_default_target_closed_form():
    """f(x) = sin(πx) + x/2 at points where sin(πx) is known exactly."""
    x = [0, 0.5, 1, -0.5, 1 / 6]
    np.testing.assert_allclose(data.default_target(x), [0.0, 1.25, 0.5, -1.25, 0.5 + 1 / 12], atol=1e-15)


def test_regression_defaults_are_the_documented_ones():
    """Defaults: target sin(πx) + x/2, noise σ = 0.3, inputs filling [-1, 1] uniformly (mean 0, variance 1/3)."""
    x, y = data.regression_1d(40_000, seed=3)
    r = y - (np.sin(np.pi * x) + 0.5 * x)
    assert np.std(r) == pytest.approx(0.3, abs=4 * 0.3 / np.sqrt(2 * x.size))
    assert abs(np.mean(r)) <= 4 * 0.3 / np.sqrt(x.size)
    assert -1.0 <= x.min() < -0.999 and 0.999 < x.max() <= 1.0
    assert abs(np.mean(x)) <= 4 * np.sqrt(1 / 3 / x.size)


def test_regression_uses_the_given_target_domain_and_noise():
    """With σ = 0 the labels are exactly f(x); inputs lie in the given domain with mean at its midpoint."""
    x, y = data.regression_1d(20_000, target=np.exp, noise_std=0.0, domain=(2.0, 5.0), seed=4)
    assert x.shape == y.shape == (20_000,)
    np.testing.assert_array_equal(y, np.exp(x))
    assert 2.0 <= x.min() < 2.001 and 4.999 < x.max() <= 5.0
    assert abs(np.mean(x) - 3.5) <= 4 * np.sqrt(9 / 12 / x.size)
    x, y = data.regression_1d(3, noise_std=0.5, domain=(-1, 1), seed=_ConstantGenerator(normal=2.0, uniform=0.25))
    np.testing.assert_allclose(y, data.default_target(x) + 0.5 * 2.0)


def test_separable_defaults_and_the_margin_is_attained():
    """Defaults dim = 2 and margin = 0.1: the smallest y⟨w, x⟩ equals the margin (points inside it are pushed to it)."""
    X, y, w = data.two_class_separable(2000, seed=5)
    assert X.shape == (2000, 2) and w.shape == (2,)
    assert np.min(y * (X @ w)) == pytest.approx(0.1, abs=1e-12)


def test_separable_push_is_exact_on_chosen_points():
    """Points inside the margin move along w to distance margin on their side; points on the hyperplane get +1; others stay."""
    # The w draw (0, 2) normalises to (0, 1); the rows have <w, x> = 0, 2, 0.0625, -0.0625, -3.
    X0 = np.array([[4.0, 0.0], [-1.0, 2.0], [0.5, 0.0625], [-0.5, -0.0625], [3.0, -3.0]])
    gen = _ShapedNormals({2: [0.0, 2.0], (5, 2): X0})
    X, y, w = data.two_class_separable(5, dim=2, margin=0.25, seed=gen)
    np.testing.assert_array_equal(w, [0.0, 1.0])
    np.testing.assert_array_equal(y, [1.0, 1.0, 1.0, -1.0, -1.0])
    expected = X0 + np.array([[0, 0.25], [0, 0], [0, 0.1875], [0, -0.1875], [0, 0]])
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(y * (X @ w), [0.25, 2.0, 0.25, 0.25, 3.0])


def test_teacher_defaults_one_hidden_relu_layer_of_width_32():
    """Defaults: one hidden ReLU layer of width 32 and a scalar output, noise-free labels."""
    X, y, teacher = data.teacher_network(40, dim=3, seed=6)
    assert [W.shape for W in teacher.weights] == [(32, 3), (1, 32)]
    assert [b.shape for b in teacher.biases] == [(32,), (1,)]
    assert teacher.activation == "relu"
    np.testing.assert_allclose(y, _forward(teacher, X, lambda z: np.maximum(z, 0.0)), atol=1e-12)


@pytest.mark.parametrize("activation, gain", [("relu", 2.0), ("tanh", 1.0)])
def test_teacher_scalings_with_constant_draws(activation, gain):
    """With every normal draw equal to c: W = c·sqrt(gain/fan_in), b = 0.1c, x = c/sqrt(d), y = T(x) + σc."""
    c, d, width, sigma = 2.0, 4, 5, 0.5
    X, y, teacher = data.teacher_network(3, dim=d, width=width, depth=2, activation=activation,
                                         noise_std=sigma, seed=_ConstantGenerator(normal=c))
    fan_ins = [d, width, width]
    for W, b, fan_in in zip(teacher.weights, teacher.biases, fan_ins):
        np.testing.assert_allclose(W, c * np.sqrt(gain / fan_in))
        np.testing.assert_allclose(b, 0.1 * c)
    np.testing.assert_allclose(X, c / np.sqrt(d))
    act = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0.0))
    np.testing.assert_allclose(y, _forward(teacher, X, act) + sigma * c)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_teacher_weight_and_input_variances(activation):
    """He (2/fan_in) or 1/fan_in weight variance, bias variance 0.01, input variance 1/d, all within 4 s.e."""
    d, width = 50, 200
    X, _, teacher = data.teacher_network(400, dim=d, width=width, depth=2, activation=activation, seed=7)
    gain = 2.0 if activation == "relu" else 1.0
    for W in teacher.weights:
        v = W**2 * W.shape[1] / gain  # chi-squared(1) draws: mean 1, variance 2
        assert abs(v.mean() - 1) <= 4 * np.sqrt(2 / v.size)
    b = np.concatenate(teacher.biases) ** 2 / 0.01
    assert abs(b.mean() - 1) <= 4 * np.sqrt(2 / b.size)
    xs = X**2 * d
    assert abs(xs.mean() - 1) <= 4 * np.sqrt(2 / xs.size)
    assert teacher.activation == activation


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_teacher_label_noise_is_independent_gaussian(activation):
    """Residuals y − T(x) have mean 0 and standard deviation σ, and differ from sample to sample."""
    sigma = 0.7
    X, y, teacher = data.teacher_network(20_000, dim=3, width=4, activation=activation, noise_std=sigma, seed=8)
    r = y - teacher(X)
    assert abs(r.mean()) <= 4 * sigma / np.sqrt(r.size)
    assert np.std(r) == pytest.approx(sigma, abs=4 * sigma / np.sqrt(2 * r.size))
    assert abs(np.corrcoef(r[:-1], r[1:])[0, 1]) <= 4 / np.sqrt(r.size)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_teacher_call_matches_a_hand_written_forward_pass(activation):
    """T(x) applies the activation after every hidden layer and none after the output layer."""
    X, _, teacher = data.teacher_network(30, dim=3, width=6, depth=3, activation=activation, seed=9)
    act = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0.0))
    X = 3.0 * X  # reach both signs and the nonlinear part of tanh
    np.testing.assert_allclose(teacher(X), _forward(teacher, X, act), atol=1e-12)
    linear_last = _forward(teacher, X, act)
    assert not np.allclose(act(linear_last), linear_last)  # an activation on the output would show


def test_teacher_is_a_function_of_the_input_values_not_their_type():
    """Exact rational or integer inputs give the same outputs as their float values."""
    from fractions import Fraction

    _, _, teacher = data.teacher_network(1, dim=2, width=5, activation="tanh", seed=10)
    Xq = np.array([[Fraction(1, 3), Fraction(-2, 7)], [Fraction(5, 2), Fraction(0)]], dtype=object)
    np.testing.assert_allclose(teacher(Xq), teacher(Xq.astype(float)), rtol=1e-14)
    np.testing.assert_allclose(teacher([[1, -2], [0, 3]]), teacher(np.array([[1.0, -2.0], [0.0, 3.0]])))


@pytest.mark.parametrize(
    "call",
    [
        lambda seed: data.regression_1d(3, seed=seed),
        lambda seed: data.two_class_separable(3, seed=seed),
        lambda seed: data.teacher_network(3, dim=2, seed=seed),
        lambda seed: data.digits(seed=seed),
        lambda seed: data.threshold_classification(3, flip=0.1, seed=seed),
        lambda seed: data.binary_classification_1d(3, eta=lambda t: 0 * t + 0.5, seed=seed),
    ],
)
def test_bad_seed_message_names_seed(call):
    """A seed that is neither an integer nor a Generator is rejected with a message naming `seed`."""
    with pytest.raises(TypeError, match=r"^seed must be an integer seed or a numpy\.random\.Generator"):
        call("zero")
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer seed"):
        call(-1)


def test_binary_classification_extreme_probabilities_and_the_strict_draw():
    """η ≡ 0 and η ≡ 1 are allowed and give constant labels; Y = +1 iff U < η(x), so η = 0 never gives +1 even for U = 0."""
    x, y = data.binary_classification_1d(500, eta=lambda t: np.zeros_like(t), seed=11)
    assert np.all(y == -1.0) and -1 <= x.min() and x.max() <= 1
    x, y = data.binary_classification_1d(500, eta=lambda t: np.ones_like(t), seed=11)
    assert np.all(y == 1.0)
    x, y = data.binary_classification_1d(4, eta=lambda t: 0.0 * t, seed=_ConstantGenerator(uniform=0.0))
    np.testing.assert_array_equal(y, -1.0)
    x, y = data.binary_classification_1d(4, eta=lambda t: 0.0 * t + 0.25, seed=_ConstantGenerator(uniform=0.25))
    np.testing.assert_array_equal(y, -1.0)


def test_binary_classification_accepts_exact_rational_probabilities():
    """η may return exact rationals (an object array of Fractions): they are used as the probabilities they denote."""
    from fractions import Fraction

    def eta(t):
        return np.array([Fraction(3, 4) if v > 0 else Fraction(1, 4) for v in t], dtype=object)

    x, y = data.binary_classification_1d(20_000, eta=eta, seed=12)
    for side, p in [(x > 0, 0.75), (x <= 0, 0.25)]:
        assert abs(np.mean(y[side] == 1) - p) <= 4 * np.sqrt(p * (1 - p) / side.sum())


@pytest.mark.parametrize(
    "eta",
    [lambda t: 0.5, lambda t: np.full(t.size + 1, 0.5), lambda t: 0 * t - 0.01, lambda t: 0 * t + 1.01,
     lambda t: np.where(t > 0, np.nan, 0.5)],
)
def test_binary_classification_rejects_eta_that_is_not_a_probability_per_input(eta):
    """η must return one probability in [0, 1] per input: a scalar, a wrong length, values outside [0, 1] or NaN are refused."""
    with pytest.raises(ValueError, match=r"^eta must map an array of inputs to probabilities in \[0, 1\] of the same shape$"):
        data.binary_classification_1d(50, eta=eta, seed=13)


def test_threshold_labels_at_the_threshold_and_at_zero_flip():
    """1{x ≥ 1/2} is 1 at x = 1/2; a flip happens iff U < flip, so flip = 0 never flips, even for U = 0."""
    x, y = data.threshold_classification(3, flip=0.0, seed=_ConstantGenerator(uniform=0.5))
    np.testing.assert_array_equal(x, 0.5)
    np.testing.assert_array_equal(y, True)
    x, y = data.threshold_classification(3, flip=0.0, seed=_ConstantGenerator(uniform=0.0))
    np.testing.assert_array_equal(y, False)
    _, y = data.threshold_classification(1000, flip=1.0, seed=14)
    x, _ = data.threshold_classification(1000, flip=1.0, seed=14)
    np.testing.assert_array_equal(y, x < 0.5)


def test_digits_default_and_custom_fractions_are_stratified():
    """The test part holds ⌈f·1797⌉ images (450 for the default f = 1/4); every class is split within one image of f."""
    s = data.digits(seed=0)
    assert s.X_test.shape == (450, 64) and s.X_train.shape == (1347, 64)
    s = data.digits(test_fraction=0.5, seed=3)
    assert s.X_test.shape[0] == 899 and s.y_train.size + s.y_test.size == 1797
    counts = np.bincount(np.concatenate([s.y_train, s.y_test]), minlength=10)
    assert np.all(np.abs(np.bincount(s.y_test, minlength=10) - 0.5 * counts) <= 1)


def test_digits_pixels_are_sixteenths():
    """Pixel intensities 0..16 are divided by 16: values are multiples of 1/16 and the full intensity 16 maps to 1."""
    s = data.digits(seed=0)
    X = np.concatenate([s.X_train, s.X_test])
    assert X.dtype == np.float64 and X.max() == 1.0 and X.min() == 0.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))
    assert set(np.unique(X * 16)) == set(range(17))


@pytest.mark.parametrize("fraction, message", [(0.0, "> 0.0"), (-0.1, "> 0.0"), (1.0, "< 1.0"), (1.5, "< 1.0")])
def test_digits_test_fraction_is_strictly_between_0_and_1(fraction, message):
    """A test fraction of 0 or 1 (or outside) leaves one part empty and is refused with a message naming test_fraction."""
    with pytest.raises(ValueError, match=rf"^test_fraction must be {message}"):
        data.digits(test_fraction=fraction, seed=0)


def test_digits_splits_differ_across_many_seeds():
    """Distinct seeds give distinct splits: seeds 0..9 give 10 different test sets (the seed is not folded into a small pool)."""
    tests = {data.digits(test_fraction=0.05, seed=seed).X_test.tobytes() for seed in range(10)}
    assert len(tests) == 10


def test_default_target_and_labels_accept_exact_rationals():
    """f(1/6) = 1/2 + 1/12 and f(1/2) = 5/4 from Fraction inputs; a target returning Fractions still gives float labels."""
    from fractions import Fraction

    xq = np.array([Fraction(1, 6), Fraction(1, 2)], dtype=object)
    np.testing.assert_allclose(data.default_target(xq), [0.5 + 1 / 12, 1.25], rtol=1e-15)
    x, y = data.regression_1d(5, target=lambda t: np.array([Fraction(1, 3)] * len(t), dtype=object),
                              noise_std=0.0, seed=15)
    assert y.dtype == np.float64 and x.dtype == np.float64
    np.testing.assert_array_equal(y, 1 / 3)


def test_threshold_inputs_are_uniform_on_the_unit_interval():
    """X ~ U[0, 1]: inside [0, 1), mean 1/2 and P(X < 1/4) = 1/4 within 4 s.e.; with flip 0.2, P(Y = 1) = 1/2."""
    x, y = data.threshold_classification(40_000, flip=0.2, seed=16)
    assert 0.0 <= x.min() < 0.001 and 0.999 < x.max() < 1.0
    assert abs(x.mean() - 0.5) <= 4 * np.sqrt(1 / 12 / x.size)
    assert abs(np.mean(x < 0.25) - 0.25) <= 4 * np.sqrt(0.25 * 0.75 / x.size)
    assert abs(y.mean() - 0.5) <= 4 * np.sqrt(0.25 / x.size)


def test_digits_split_is_the_documented_scikit_learn_split_of_the_seed():
    """The split of seed s is StratifiedShuffleSplit's with random_state = default_rng(s).integers(2**31 - 1), as documented, for int seeds and Generators."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedShuffleSplit

    X, y = load_digits(return_X_y=True)

    def documented(rng, fraction):
        r = int(rng.integers(2**31 - 1))
        train, test = next(StratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=r).split(X, y))
        return X[train] / 16, X[test] / 16, y[train], y[test]

    cases = [(0, 0.25), (3, 0.25), (4, 0.1)]
    for seed, fraction in cases:
        got = data.digits(test_fraction=fraction, seed=seed)
        for a, b in zip(got, documented(np.random.default_rng(seed), fraction)):
            np.testing.assert_array_equal(a, b)
    g, ref = np.random.default_rng(21), np.random.default_rng(21)
    g.standard_normal(3), ref.standard_normal(3)     # a Generator part-way through its stream: its next draw is used
    for a, b in zip(data.digits(seed=g), documented(ref, 0.25)):
        np.testing.assert_array_equal(a, b)
