"""Measuring equivariance: how far a map is from commuting with a group action.

A map :math:`f : X \\to Y` is *equivariant* for actions :math:`\\rho_{\\mathrm{in}}` of a group
:math:`G` on :math:`X` and :math:`\\rho_{\\mathrm{out}}` on :math:`Y` if

.. math::

    f(\\rho_{\\mathrm{in}}(g, x)) = \\rho_{\\mathrm{out}}(g, f(x)) \\qquad \\text{for all } g \\in G,\\ x \\in X,

and *invariant* if :math:`\\rho_{\\mathrm{out}}` is the trivial action. A computation cannot check
"for all", so :func:`check_equivariance` measures the largest relative defect over a finite list
of pairs :math:`(g, x)`:

.. math::

    E = \\max_{(g, x)} \\frac{\\lVert f(\\rho_{\\mathrm{in}}(g, x)) - \\rho_{\\mathrm{out}}(g, f(x)) \\rVert}
                          {\\max(\\lVert \\rho_{\\mathrm{out}}(g, f(x)) \\rVert, \\varepsilon_{\\mathrm{tiny}})},

with the Euclidean (Frobenius) norm of all entries and :math:`\\varepsilon_{\\mathrm{tiny}}` the
smallest positive normal float64. :math:`E = 0` up to rounding (a few multiples of the unit roundoff)
for an equivariant map; a value of order one means the map is not equivariant on these samples.
The chapters on convolutional networks and on attention use it (translations of images,
permutations of tokens).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from nnmath._validate import check_callable

__all__ = ["check_equivariance"]

_TINY = float(np.finfo(np.float64).tiny)


def _as_numpy(value: Any, name: str) -> np.ndarray:
    """Convert a NumPy array, a torch tensor or a nested sequence to a float64/complex array."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
        raise TypeError(f"{name} must return a numeric array, got {type(value).__name__}: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{name} must return a numeric array, got dtype {arr.dtype}")
    return arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64)


def check_equivariance(
    f: Callable[[Any], Any],
    act_in: Callable[[Any, Any], Any],
    act_out: Callable[[Any, Any], Any],
    samples: Iterable[tuple[Any, Any]],
) -> float:
    """Largest relative equivariance error of ``f`` over the pairs ``(g, x)`` in ``samples``.

    Parameters
    ----------
    f : callable
        The map :math:`f`, called as ``f(x)``; may take and return NumPy arrays or torch tensors.
    act_in : callable
        The input action, called as ``act_in(g, x)``.
    act_out : callable
        The output action, called as ``act_out(g, y)`` with ``y = f(x)``. For an invariance check
        pass ``lambda g, y: y``.
    samples : iterable of pairs ``(g, x)``
        Group elements and inputs; must contain at least one pair.

    Returns
    -------
    float
        :math:`E = \\max_{(g,x)} \\lVert f(\\rho_{in}(g,x)) - \\rho_{out}(g,f(x))\\rVert /
        \\max(\\lVert \\rho_{out}(g,f(x))\\rVert, \\text{tiny})`, Frobenius norms over all entries,
        tiny the smallest positive normal float64. A non-finite error (an overflow, or a NaN
        in an output) is reported as ``inf``, never as a small number.

    Raises
    ------
    TypeError
        If ``f``, ``act_in`` or ``act_out`` is not callable, a sample is not a pair, or a map
        returns something non-numeric.
    ValueError
        If ``samples`` is empty or the two sides have different shapes.

    Examples
    --------
    >>> import numpy as np
    >>> roll = lambda g, x: np.roll(x, g)
    >>> check_equivariance(lambda x: 2 * x, roll, roll, [(1, np.arange(4.0))])
    0.0
    """
    check_callable("f", f)
    check_callable("act_in", act_in)
    check_callable("act_out", act_out)
    if isinstance(samples, (str, bytes)):
        raise TypeError("samples must be an iterable of pairs (g, x), got a string")
    try:
        pairs = list(samples)
    except TypeError:
        raise TypeError(f"samples must be an iterable of pairs (g, x), got {type(samples).__name__}") from None
    if not pairs:
        raise ValueError("samples must contain at least one pair (g, x), got none")
    worst = 0.0
    for i, pair in enumerate(pairs):
        try:
            g, x = pair
        except (TypeError, ValueError):
            raise TypeError(f"samples must be an iterable of pairs (g, x); item {i} is {pair!r}") from None
        lhs = _as_numpy(f(act_in(g, x)), "f")
        rhs = _as_numpy(act_out(g, f(x)), "act_out")
        if lhs.shape != rhs.shape:
            raise ValueError(
                f"samples item {i}: f(act_in(g, x)) has shape {lhs.shape} but act_out(g, f(x)) has "
                f"shape {rhs.shape}"
            )
        err = float(np.linalg.norm((lhs - rhs).ravel())) / max(float(np.linalg.norm(rhs.ravel())), _TINY)
        if not np.isfinite(err):
            return float("inf")
        worst = max(worst, err)
    return worst
