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

The chapter on equivariant networks adds the layers of group-equivariant CNNs for roto-translations:
:func:`rotate_image` (quarter turns of the pixel grid), :func:`circular_harmonic` (the steerable
filters :math:`h_m`), and the ``torch.nn.Module`` s :class:`LiftingConv`, :class:`GroupConv` and
:class:`GroupPool` for the group p4 and for SE(2) with :math:`N` sampled orientations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from nnmath._validate import check_callable, check_choice, check_int, check_real, check_rng

__all__ = ["check_equivariance", "rotate_image", "circular_harmonic", "LiftingConv", "GroupConv", "GroupPool"]

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


# =============================================================================================
# Group-equivariant layers for roto-translations (the chapter "Equivariant networks")
# =============================================================================================
#
# Feature maps on the plane are tensors ``(B, C, H, W)``; feature maps on a discretized
# roto-translation group are tensors ``(B, C, N, H, W)`` whose axis 2 is the orientation
# index r, standing for the angle theta_r = 2 pi r / N. The group p4 is the case N = 4 with
# rotations by multiples of 90 degrees acting exactly on the pixel grid.

_GROUPS = ("p4", "se2")


def rotate_image(x: Any, k: int) -> Any:
    r"""Rotate the last two axes of ``x`` by ``k`` quarter turns, counter-clockwise as displayed.

    With pixel :math:`(i, j)` (row, column) of an :math:`n \times n` image, one quarter turn is

    .. math::

        (R x)[i, j] = x[j, n - 1 - i],

    the permutation of ``numpy.rot90``. It is the rotation by :math:`90^\circ` about the centre
    of the image, so it maps the pixel grid onto itself and :math:`R^4 = I`.

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor
        Array with at least two axes; the last two are rows and columns.
    k : int
        Number of quarter turns (any integer; negative turns clockwise).

    Returns
    -------
    Same type as ``x``: the rotated array (a copy for tensors, a view for arrays).
    """
    k = check_int("k", k)
    if isinstance(x, torch.Tensor):
        if x.ndim < 2:
            raise ValueError(f"x must have at least 2 dimensions, got shape {tuple(x.shape)}")
        return torch.rot90(x, k % 4, dims=(-2, -1))
    arr = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"x must be a numeric array or a torch.Tensor, got {type(x).__name__}")
    if arr.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions, got shape {arr.shape}")
    return np.rot90(arr, k % 4, axes=(-2, -1))


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Cartesian coordinates (x to the right, y upwards) of the pixels of a size x size image.

    The origin is the centre of the image; pixel (i, j) has x = j - c, y = c - i, c = (size-1)/2,
    so the quarter turn of :func:`rotate_image` is the rotation by +90 degrees of these coordinates.
    """
    c = (size - 1) / 2.0
    i, j = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    return j - c, c - i


def _harmonic(m: int, radius: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """h_m(x, y) = ((x + i y) / radius)^m exp(-|z|^2 / (2 radius^2)), conjugated for m < 0."""
    z = (x + 1j * y) / radius
    if m < 0:
        z = np.conj(z)
    return z ** abs(m) * np.exp(-0.5 * np.abs(z) ** 2)


def circular_harmonic(m: int, radius: float, size: int) -> np.ndarray:
    r"""Sample the circular harmonic of angular frequency ``m`` on a ``size`` x ``size`` grid.

    In polar coordinates :math:`(\rho, \theta)` about the image centre (:math:`x` to the right,
    :math:`y` upwards),

    .. math::

        h_m(\rho, \theta) = \Bigl(\frac{\rho}{s}\Bigr)^{|m|} e^{-\rho^2 / (2 s^2)}\, e^{i m \theta},
        \qquad s = \text{radius},

    a polynomial times a Gaussian (so smooth at the origin). Rotating it by an angle
    :math:`\varphi` multiplies it by a phase: :math:`h_m(R_\varphi^{-1} p) = e^{-i m \varphi} h_m(p)`.

    Parameters
    ----------
    m : int
        Angular frequency (any integer).
    radius : float
        Scale :math:`s > 0` of the Gaussian envelope, in pixels.
    size : int
        Side of the grid, at least 1.

    Returns
    -------
    numpy.ndarray
        Complex array of shape ``(size, size)``; entry ``[i, j]`` is :math:`h_m` at
        :math:`x = j - c`, :math:`y = c - i`, :math:`c = (\text{size} - 1)/2`.
    """
    m = check_int("m", m)
    radius = check_real("radius", radius, minimum=0.0, strict=True)
    size = check_int("size", size, minimum=1)
    x, y = _grid(size)
    return _harmonic(m, radius, x, y)


def _steered_basis(size: int, radius: float, max_frequency: int, angles: np.ndarray) -> np.ndarray:
    """Real basis functions sampled on grids rotated by each angle: shape (N, J, size, size).

    Basis: h_0, Re h_m, Im h_m for m = 1..M, evaluated at R_theta^{-1} p (the function rotated
    by +theta), so filter r is the base filter rotated by theta_r, sampled without interpolation.
    """
    x, y = _grid(size)
    out = []
    for theta in angles:
        c, s = math.cos(theta), math.sin(theta)
        xr, yr = c * x + s * y, -s * x + c * y  # R_theta^{-1} p
        funcs = [_harmonic(0, radius, xr, yr).real]
        for m in range(1, max_frequency + 1):
            h = _harmonic(m, radius, xr, yr)
            funcs += [h.real, h.imag]
        out.append(np.stack(funcs))
    return np.stack(out)


def _check_group(group: str, orientations: int | None) -> int:
    check_choice("group", group, _GROUPS)
    if group == "p4":
        if orientations not in (None, 4):
            raise ValueError(f"orientations must be 4 (or None) for group 'p4', got {orientations!r}")
        return 4
    if orientations is None:
        raise ValueError("orientations must be an integer >= 1 for group 'se2', got None")
    return check_int("orientations", orientations, minimum=1)


def _check_feature(x: Any, ndim: int, channels: int, orientations: int | None) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != ndim or x.shape[1] != channels or (orientations is not None and x.shape[2] != orientations):
        want = "(B, C, H, W)" if ndim == 4 else "(B, C, N, H, W)"
        raise ValueError(f"x must have shape {want} with C = {channels}"
                         + ("" if orientations is None else f", N = {orientations}") + f", got {tuple(x.shape)}")


class _GroupLayer(nn.Module):
    """Shared set-up of LiftingConv and GroupConv: group, sizes, filter parameterization."""

    def __init__(self, in_channels, out_channels, kernel_size, group, orientations, radius, max_frequency,
                 seed, extra_axis):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        self.kernel_size = check_int("kernel_size", kernel_size, minimum=1)
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (a centred filter), got {self.kernel_size}")
        self.group = group
        self.orientations = _check_group(group, orientations)
        rng = check_rng("seed", seed)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31 - 1)))
        n_in = 1 if not extra_axis else self.orientations
        fan_in = self.in_channels * n_in * self.kernel_size ** 2
        if group == "p4":
            shape = (self.out_channels, self.in_channels, n_in, self.kernel_size, self.kernel_size)
            self._basis = None
        else:
            self.radius = check_real("radius", radius, minimum=0.0, strict=True)
            self.max_frequency = check_int("max_frequency", max_frequency, minimum=0)
            angles = 2 * np.pi * np.arange(self.orientations) / self.orientations
            basis = _steered_basis(self.kernel_size, self.radius, self.max_frequency, angles)
            self._basis = basis  # float64 NumPy, cast to the weights' dtype when used (not a parameter)
            shape = (self.out_channels, self.in_channels, n_in, basis.shape[1])
            # a filter sum_j w_j b_j has squared norm sum_j w_j^2 ||b_j||^2 in expectation
            fan_in = self.in_channels * n_in * float(np.mean(np.sum(basis[0] ** 2, axis=(-2, -1))))
        w = torch.randn(shape, generator=gen) * math.sqrt(2.0 / fan_in)
        self.weight = nn.Parameter(w.to(torch.get_default_dtype()))
        self.bias = nn.Parameter(torch.zeros(self.out_channels, dtype=torch.get_default_dtype()))

    def rotated_filter(self, r: int) -> torch.Tensor:
        """The filter bank rotated by theta_r: shape (C_out, C_in, n_in, k, k)."""
        if self.group == "p4":
            return torch.rot90(self.weight, r, dims=(-2, -1))
        basis = torch.as_tensor(self._basis[r], dtype=self.weight.dtype, device=self.weight.device)
        return torch.einsum("ocsj,jhw->ocshw", self.weight, basis)


class LiftingConv(_GroupLayer):
    r"""Lifting convolution: from images ``(B, C_in, H, W)`` to functions on the group ``(B, C_out, N, H, W)``.

    For orientation index :math:`r` (angle :math:`\theta_r = 2\pi r/N`) and pixel :math:`p`,

    .. math::

        (\mathcal{L} f)_o(r, p) = \beta_o + \sum_{c} \sum_{q} f_c(p + q)\, (R_{\theta_r} \psi_{oc})(q),
        \qquad (R_\theta \psi)(q) = \psi(R_\theta^{-1} q),

    a cross-correlation with ``kernel_size`` x ``kernel_size`` filters, zero padding keeping the
    size. For ``group="p4"`` the filters are free pixel weights and :math:`R_{\theta_r}` is the
    exact quarter turn of :func:`rotate_image`. For ``group="se2"`` each filter is a real
    combination of the circular harmonics :math:`h_0, \operatorname{Re} h_m, \operatorname{Im} h_m`
    (:math:`1 \le m \le` ``max_frequency``, envelope scale ``radius``), and the rotated filters are
    the functions evaluated on the rotated grid: sampled analytically, never interpolated.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels :math:`C_{in}, C_{out} \ge 1`.
    kernel_size : int
        Odd filter side.
    group : {"p4", "se2"}
    orientations : int, optional
        :math:`N`; must be 4 (or None) for p4, required for se2.
    radius : float
        Envelope scale of the harmonics (se2 only).
    max_frequency : int
        Largest angular frequency :math:`M \ge 0` of the harmonic basis (se2 only).
    seed : int or numpy.random.Generator
        Seed of the initial weights (He-scaled Gaussians; bias zero).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, *, group: str = "p4",
                 orientations: int | None = None, radius: float = 1.0, max_frequency: int = 2, seed=0):
        super().__init__(in_channels, out_channels, kernel_size, group, orientations, radius, max_frequency, seed,
                         extra_axis=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_feature(x, 4, self.in_channels, None)
        n, k = self.orientations, self.kernel_size
        w = torch.stack([self.rotated_filter(r)[:, :, 0] for r in range(n)], dim=1)  # (O, N, C, k, k)
        w = w.reshape(self.out_channels * n, self.in_channels, k, k)
        y = nn.functional.conv2d(x, w, padding=k // 2)
        y = y.reshape(x.shape[0], self.out_channels, n, *y.shape[-2:])
        return y + self.bias.view(1, -1, 1, 1, 1)


class GroupConv(_GroupLayer):
    r"""Group convolution on the discretized roto-translation group: ``(B, C_in, N, H, W) -> (B, C_out, N, H, W)``.

    .. math::

        (\mathcal{G} F)_o(r, p) = \beta_o + \sum_{c} \sum_{s=0}^{N-1} \sum_{q}
            F_c(s, p + q)\, (R_{\theta_r} \psi_{oc}(s - r))(q),

    indices :math:`s - r` taken modulo :math:`N`: the filter of output orientation :math:`r` is the
    base filter rotated in the plane by :math:`\theta_r` *and* shifted cyclically by :math:`r`
    along the orientation axis. Filters are parameterized as in :class:`LiftingConv`.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, *, group: str = "p4",
                 orientations: int | None = None, radius: float = 1.0, max_frequency: int = 2, seed=0):
        super().__init__(in_channels, out_channels, kernel_size, group, orientations, radius, max_frequency, seed,
                         extra_axis=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, k = self.orientations, self.kernel_size
        _check_feature(x, 5, self.in_channels, n)
        # filter r: rotated by theta_r in the plane, and entry s holds psi(s - r): roll by r along axis 2
        w = torch.stack([torch.roll(self.rotated_filter(r), r, dims=2) for r in range(n)], dim=1)
        w = w.reshape(self.out_channels * n, self.in_channels * n, k, k)
        y = nn.functional.conv2d(x.reshape(x.shape[0], self.in_channels * n, *x.shape[-2:]), w, padding=k // 2)
        y = y.reshape(x.shape[0], self.out_channels, n, *y.shape[-2:])
        return y + self.bias.view(1, -1, 1, 1, 1)


class GroupPool(nn.Module):
    r"""Projection from the group to the plane: pool over the orientation axis.

    .. math::

        (\mathcal{P} F)_c(p) = \max_{r} F_c(r, p) \quad (\text{``max''}) \qquad \text{or} \qquad
        \frac{1}{N} \sum_r F_c(r, p) \quad (\text{``mean''}).

    Both are invariant under cyclic shifts of :math:`r`, so a rotation of the input of an
    equivariant network rotates the pooled map in the plane and leaves nothing else.
    """

    def __init__(self, mode: str = "max"):
        super().__init__()
        self.mode = check_choice("mode", mode, ("max", "mean"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 5:
            raise ValueError(f"x must have shape (B, C, N, H, W), got {tuple(x.shape)}")
        return x.amax(dim=2) if self.mode == "max" else x.mean(dim=2)
