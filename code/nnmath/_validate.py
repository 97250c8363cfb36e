"""Argument checks shared by the public functions of :mod:`nnmath`.

Every public function of the package checks its arguments with these helpers, so
that bad input fails at the boundary with a message that names the argument and
says what was expected, e.g. ``ValueError: width must be an integer >= 1, got -3``.
They return the (converted) value, so a check reads as an assignment::

    n = check_int("n", n, minimum=1)
    x = check_array("x", x, ndim=2)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "check_int",
    "check_real",
    "check_array",
    "check_choice",
    "check_rng",
    "check_callable",
    "check_interval",
    "check_layers",
]


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int``; reject non-integers and values outside ``[minimum, maximum]``.

    Booleans are rejected: ``True`` is not a width. NumPy integers are accepted.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {value}")
    return value


def check_real(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in ``[minimum, maximum]`` (open interval if ``strict``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (value < minimum or (strict and value == minimum)):
        op = ">" if strict else ">="
        raise ValueError(f"{name} must be {op} {minimum}, got {value}")
    if maximum is not None and (value > maximum or (strict and value == maximum)):
        op = "<" if strict else "<="
        raise ValueError(f"{name} must be {op} {maximum}, got {value}")
    return value


def check_array(
    name: str,
    value: Any,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    finite: bool = True,
    dtype: Any = float,
) -> np.ndarray:
    """Return ``value`` as a NumPy array of ``dtype``, checking its dimension and shape.

    ``shape`` may contain ``None`` for an axis of any length. Non-numeric input
    raises ``TypeError``; a wrong dimension, shape or a non-finite entry raises
    ``ValueError``. With an integer ``dtype`` (labels, step counts), an entry that is not a whole
    number (``1.5``) raises ``ValueError`` instead of being truncated.
    """
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}: {exc}") from None
    if arr.dtype.kind in "iu":
        raw = np.asarray(value)  # non-finite floats already failed the conversion above
        if raw.dtype.kind == "f" and np.any(raw != np.round(raw)):
            raise ValueError(f"{name} must contain whole numbers, got {raw[raw != np.round(raw)].flat[0]}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must be an array with {want} dimension(s), got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``; otherwise raise ``ValueError`` listing them."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def check_rng(name: str, seed: Any) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from an integer seed or an existing generator.

    Randomness in :mod:`nnmath` flows only through such an explicit argument, so a
    chapter that passes the same seed prints the same numbers on every build.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an integer seed or a numpy.random.Generator, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer seed, got {seed}")
    return np.random.default_rng(int(seed))


def check_callable(name: str, value: Any) -> Any:
    """Return ``value`` if it is callable; otherwise raise ``TypeError``."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {value!r} of type {type(value).__name__}")
    return value


def check_interval(name: str, interval: Any) -> tuple[float, float]:
    """Return ``interval`` as a pair ``(low, high)`` of finite floats with ``low < high``."""
    try:
        a, b = (float(v) for v in interval)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {interval!r}") from None
    if not (np.isfinite(a) and np.isfinite(b) and a < b):
        raise ValueError(f"{name} must satisfy low < high with finite ends, got {interval!r}")
    return a, b


def check_layers(weights: Any, biases: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Check a network given as lists of weight matrices ``(fan_out, fan_in)`` and bias vectors.

    There must be at least one layer and one bias vector per layer; ``weights[l]`` must be a
    2-D array with as many columns as ``weights[l-1]`` has rows, and ``biases[l]`` must have
    shape ``(weights[l].shape[0],)``. Returns the layers as lists of float arrays.
    """
    if not isinstance(weights, (list, tuple)) or not isinstance(biases, (list, tuple)):
        raise TypeError("weights and biases must be lists of arrays, got "
                        f"{type(weights).__name__} and {type(biases).__name__}")
    if len(weights) == 0:
        raise ValueError("weights must contain at least one layer")
    if len(biases) != len(weights):
        raise ValueError(f"biases must have one vector per layer: {len(weights)} weights, {len(biases)} biases")
    Ws: list[np.ndarray] = []
    bs: list[np.ndarray] = []
    for layer, (W, b) in enumerate(zip(weights, biases)):
        W = check_array(f"weights[{layer}]", W, ndim=2)
        if layer > 0 and W.shape[1] != Ws[-1].shape[0]:
            raise ValueError(f"weights[{layer}] must have {Ws[-1].shape[0]} columns (the fan-out of layer "
                             f"{layer - 1}), got shape {W.shape}")
        Ws.append(W)
        bs.append(check_array(f"biases[{layer}]", b, shape=(W.shape[0],)))
    return Ws, bs
