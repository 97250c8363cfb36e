r"""Seeded data sets for the book's experiments.

No function here touches the network: the data are synthetic, or scikit-learn's
bundled digits. Randomness comes only from the ``seed`` argument (an ``int`` or a
``numpy.random.Generator``), so the same call returns the same arrays.

- :func:`regression_1d`: noisy samples :math:`y = f(x) + \varepsilon` of a target on an interval.
- :func:`two_class_separable`: labels :math:`\pm 1` separated by a hyperplane with a margin.
- :func:`teacher_network`: inputs labelled by a random ReLU or tanh network (the "teacher").
- :func:`digits`: scikit-learn's 8x8 handwritten digits, scaled and split.
- :func:`threshold_classification`: :math:`X \sim U[0, 1]`, label :math:`\indic\{X \ge 1/2\}` flipped with a probability.
- :func:`binary_classification_1d`: :math:`X \sim U[-1, 1]`, labels :math:`\pm 1` with a given :math:`\Prob(Y = 1 \mid X = x)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validate import check_callable, check_choice, check_int, check_interval, check_real, check_rng

__all__ = [
    "default_target",
    "regression_1d",
    "two_class_separable",
    "Teacher",
    "teacher_network",
    "Split",
    "digits",
    "threshold_classification",
    "binary_classification_1d",
]


def default_target(x: np.ndarray) -> np.ndarray:
    r"""The book's default regression target :math:`f(x) = \sin(\pi x) + \tfrac12 x` on :math:`[-1, 1]`."""
    x = np.asarray(x, dtype=float)
    return np.sin(np.pi * x) + 0.5 * x


def regression_1d(
    n: int,
    *,
    target: Callable[[np.ndarray], np.ndarray] = default_target,
    noise_std: float = 0.3,
    domain: tuple[float, float] = (-1.0, 1.0),
    seed,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw :math:`n` pairs :math:`(x_i, y_i)` with :math:`x_i \sim U(\text{domain})` and
    :math:`y_i = f(x_i) + \varepsilon_i`, :math:`\varepsilon_i \sim N(0, \sigma^2)` i.i.d.

    Parameters
    ----------
    n : int
        Sample size, ``n >= 1``.
    target : callable
        The regression function :math:`f`, applied to an array.
    noise_std : float
        :math:`\sigma \ge 0`.
    domain : (float, float)
        The interval the inputs are drawn from.
    seed : int or numpy.random.Generator

    Returns
    -------
    x, y : ndarray of shape (n,)
    """
    n = check_int("n", n, minimum=1)
    check_callable("target", target)
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    lo, hi = check_interval("domain", domain)
    rng = check_rng("seed", seed)
    x = rng.uniform(lo, hi, size=n)
    y = np.asarray(target(x), dtype=float) + noise_std * rng.standard_normal(n)
    return x, y


def two_class_separable(
    n: int, *, dim: int = 2, margin: float = 0.1, seed
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Draw :math:`n` points of :math:`\mathbb{R}^d` with labels :math:`\pm 1` separated with a margin.

    A unit vector :math:`w` is drawn uniformly on the sphere; points are drawn from
    :math:`N(0, I_d)`, and those with :math:`|\langle w, x\rangle| < \text{margin}` are
    pushed out along :math:`w` to distance ``margin``. The label is
    :math:`\operatorname{sign}\langle w, x\rangle`, so
    :math:`y_i \langle w, x_i\rangle \ge \text{margin}` for every :math:`i`.

    Returns
    -------
    X : ndarray of shape (n, dim)
    y : ndarray of shape (n,), entries in {-1.0, +1.0}
    w : ndarray of shape (dim,), the unit normal of a separating hyperplane
    """
    n = check_int("n", n, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    margin = check_real("margin", margin, minimum=0.0)
    rng = check_rng("seed", seed)
    w = rng.standard_normal(dim)
    w /= np.linalg.norm(w)
    X = rng.standard_normal((n, dim))
    s = X @ w
    y = np.where(s >= 0, 1.0, -1.0)
    X += np.outer(np.maximum(margin - np.abs(s), 0.0) * y, w)
    return X, y, w


class Teacher(NamedTuple):
    """Weights of a teacher network: ``weights[l]`` has shape (fan_out, fan_in)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activation: str

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Evaluate the teacher on the rows of ``X``; returns shape (n,)."""
        act = np.tanh if self.activation == "tanh" else (lambda z: np.maximum(z, 0.0))
        h = np.asarray(X, dtype=float)
        for layer, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ W.T + b
            if layer < len(self.weights) - 1:
                h = act(h)
        return h[:, 0]


def teacher_network(
    n: int,
    *,
    dim: int,
    width: int = 32,
    depth: int = 1,
    activation: str = "relu",
    noise_std: float = 0.0,
    seed,
) -> tuple[np.ndarray, np.ndarray, Teacher]:
    r"""Inputs :math:`x_i \sim N(0, I_d/d)` labelled by a random network with ``depth`` hidden layers.

    Weights are drawn with He scaling :math:`W_{jk} \sim N(0, 2/\text{fan-in})` for ReLU
    and Glorot-like :math:`N(0, 1/\text{fan-in})` for tanh, biases :math:`N(0, 0.1^2)`;
    the output layer is scalar. Labels are :math:`y_i = T(x_i) + \sigma \xi_i`.

    Returns
    -------
    X : ndarray of shape (n, dim)
    y : ndarray of shape (n,)
    teacher : Teacher
        The network itself (callable on a matrix of inputs).
    """
    n = check_int("n", n, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    width = check_int("width", width, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    check_choice("activation", activation, ("relu", "tanh"))
    noise_std = check_real("noise_std", noise_std, minimum=0.0)
    rng = check_rng("seed", seed)
    gain = 2.0 if activation == "relu" else 1.0
    sizes = [dim] + [width] * depth + [1]
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        weights.append(rng.standard_normal((fan_out, fan_in)) * np.sqrt(gain / fan_in))
        biases.append(0.1 * rng.standard_normal(fan_out))
    teacher = Teacher(weights, biases, activation)
    X = rng.standard_normal((n, dim)) / np.sqrt(dim)
    y = teacher(X) + noise_std * rng.standard_normal(n)
    return X, y, teacher


class Split(NamedTuple):
    """A train/test split: features scaled to [0, 1], integer labels 0-9."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def digits(*, test_fraction: float = 0.25, seed) -> Split:
    """scikit-learn's bundled 8x8 digits (1,797 images, 64 features), scaled to [0, 1] and split.

    The split is stratified by class and seeded: it is scikit-learn's
    ``train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=r)`` where
    ``r = rng.integers(2**31 - 1)`` is the first draw of ``rng = numpy.random.default_rng(seed)``
    (or the next draw of the Generator passed as ``seed``). This map from seed to split is part
    of the contract, not an implementation detail: every chapter that trains on the digits
    depends on it, and it lets a reader rebuild the book's splits with scikit-learn alone.
    The test part holds ``ceil(test_fraction * 1797)`` images. Nothing is downloaded: the data
    ship inside scikit-learn.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = check_real("test_fraction", test_fraction, minimum=0.0, maximum=1.0, strict=True)
    rng = check_rng("seed", seed)
    X, y = load_digits(return_X_y=True)
    X = X.astype(float) / 16.0
    state = int(rng.integers(2**31 - 1))
    parts = train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=state)
    return Split(*parts)


def threshold_classification(n: int, *, flip: float, seed) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw :math:`n` pairs with :math:`X \sim U[0, 1]` and :math:`Y = \indic\{X \ge 1/2\}` flipped with probability ``flip``.

    The flips are independent of :math:`X`. This is the classification problem of the
    finite-class experiment of the chapter *Learning problems*.

    Returns
    -------
    x : ndarray of shape (n,)
    y : ndarray of shape (n,), dtype bool
    """
    n = check_int("n", n, minimum=1)
    flip = check_real("flip", flip, minimum=0.0, maximum=1.0)
    rng = check_rng("seed", seed)
    x = rng.uniform(0.0, 1.0, n)
    y = (x >= 0.5) ^ (rng.uniform(size=n) < flip)
    return x, y


def binary_classification_1d(
    n: int, *, eta: Callable[[np.ndarray], np.ndarray], seed
) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw :math:`n` pairs with :math:`X \sim U[-1, 1]` and :math:`Y \in \{-1, +1\}`, :math:`\Prob(Y = 1 \mid X = x) = \eta(x)`.

    Parameters
    ----------
    n : int
        Sample size, ``n >= 1``.
    eta : callable
        The conditional probability :math:`\eta`, applied to an array; values must lie in [0, 1].
    seed : int or numpy.random.Generator

    Returns
    -------
    x : ndarray of shape (n,)
    y : ndarray of shape (n,), entries in {-1.0, +1.0}
    """
    n = check_int("n", n, minimum=1)
    check_callable("eta", eta)
    rng = check_rng("seed", seed)
    x = rng.uniform(-1.0, 1.0, n)
    p = np.asarray(eta(x), dtype=float)
    if p.shape != x.shape or np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise ValueError("eta must map an array of inputs to probabilities in [0, 1] of the same shape")
    y = np.where(rng.uniform(size=n) < p, 1.0, -1.0)
    return x, y
