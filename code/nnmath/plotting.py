r"""The book's one figure style, and helpers that fit and show rates.

Every chapter starts with :func:`use_style` and draws with :func:`figure`, so all
figures share sizes that read both on the website and in the PDF, one
colour-blind-safe palette (Okabe and Ito's eight colours), mathtext labels and an
opaque white background (a transparent figure vanishes in the site's dark theme).

Rates are fitted, not eyeballed. :func:`fit_power_law` fits
:math:`\log y = \log C + p \log x` by least squares and returns the slope
:math:`p` with its standard error and a 95% confidence interval;
:func:`loglog_rate` draws the data and the fitted line with the slope in the
legend. :func:`fit_geometric_rate` and :func:`semilogy_rate` do the same for a
linear (geometric) rate :math:`y_k \approx C \rho^k`.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from ._validate import check_array, check_choice, check_int, check_real

__all__ = [
    "PALETTE",
    "WIDTHS",
    "use_style",
    "figure",
    "RateFit",
    "fit_power_law",
    "fit_geometric_rate",
    "loglog_rate",
    "semilogy_rate",
]

#: Okabe & Ito's colour-blind-safe palette (black last: it is the reference colour).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Figure widths in inches: a full text width and half of it (two side by side).
WIDTHS: dict[str, float] = {"full": 6.4, "half": 3.2}

_STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 200,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.facecolor": "white",
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.labelsize": 10,
    "axes.titlesize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.5,
    "mathtext.fontset": "cm",
    "figure.constrained_layout.use": True,
}


def use_style() -> None:
    """Apply the book's figure style to matplotlib (idempotent).

    Call it once at the top of a chapter. It changes only ``matplotlib.rcParams``.
    """
    mpl.rcParams.update(_STYLE)


def figure(ncols: int = 1, nrows: int = 1, *, width: str = "full", aspect: float | None = None, **kwargs):
    """Create a figure of the book's width with a grid of axes.

    Parameters
    ----------
    ncols, nrows : int
        Grid of axes.
    width : {"full", "half"}
        Text width or half of it (see :data:`WIDTHS`).
    aspect : float
        Height divided by width of one panel, so the figure is
        ``WIDTHS[width]`` wide and ``WIDTHS[width] * aspect * nrows / ncols`` high.
    **kwargs
        Passed to :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    fig, axes
        ``axes`` is a single ``Axes`` for a 1x1 grid, else an array.
    """
    ncols = check_int("ncols", ncols, minimum=1)
    nrows = check_int("nrows", nrows, minimum=1)
    check_choice("width", width, tuple(WIDTHS))
    if aspect is None:
        aspect = 0.62 if ncols == 1 else 0.85
    aspect = check_real("aspect", aspect, minimum=0.0, strict=True)
    use_style()
    w = WIDTHS[width]
    h = w * aspect * nrows / ncols
    return plt.subplots(nrows, ncols, figsize=(w, h), **kwargs)


class RateFit(NamedTuple):
    """A fitted rate: ``y ≈ exp(intercept) * x**slope`` (power law) or ``y ≈ exp(intercept) * rate**k``."""

    slope: float
    intercept: float
    stderr: float
    ci95: tuple[float, float]
    n: int

    @property
    def rate(self) -> float:
        """The geometric ratio ``exp(slope)`` (meaningful for :func:`fit_geometric_rate`)."""
        return float(np.exp(self.slope))


def _fit_line(t: np.ndarray, logy: np.ndarray) -> RateFit:
    res = stats.linregress(t, logy)
    n = len(t)
    half = float(stats.t.ppf(0.975, n - 2) * res.stderr) if n > 2 else float("inf")
    return RateFit(float(res.slope), float(res.intercept), float(res.stderr),
                   (float(res.slope) - half, float(res.slope) + half), n)


def _positive_pair(x, y, xname: str) -> tuple[np.ndarray, np.ndarray]:
    x = check_array(xname, x, ndim=1)
    y = check_array("y", y, ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"{xname} and y must have the same length, got {x.shape[0]} and {y.shape[0]}")
    if x.shape[0] < 2:
        raise ValueError(f"{xname} must have at least 2 points to fit a rate, got {x.shape[0]}")
    if np.any(y <= 0):
        raise ValueError("y must be positive to fit a rate on a log scale")
    return x, y


def fit_power_law(x, y) -> RateFit:
    r"""Fit :math:`y \approx C x^{p}` by least squares on :math:`(\log x, \log y)`.

    Returns a :class:`RateFit` whose ``slope`` is the exponent :math:`p`, with its
    standard error and a 95% confidence interval (Student t with ``n - 2`` degrees of freedom).
    """
    x, y = _positive_pair(x, y, "x")
    if np.any(x <= 0):
        raise ValueError("x must be positive to fit a power law")
    return _fit_line(np.log(x), np.log(y))


def fit_geometric_rate(k, y) -> RateFit:
    r"""Fit :math:`y_k \approx C \rho^{k}` by least squares on :math:`(k, \log y_k)`.

    The ratio :math:`\rho` is ``fit.rate`` (``exp(slope)``).
    """
    k, y = _positive_pair(k, y, "k")
    return _fit_line(k, np.log(y))


def _label(label: str | None, text: str) -> str:
    return f"{label}: {text}" if label else text


def loglog_rate(ax, x, y, *, label: str | None = None, color=None, marker: str = "o",
                fit_range: tuple[float, float] | None = None, reference: float | None = None) -> RateFit:
    """Plot ``y`` against ``x`` on log-log axes with the fitted power law; return the fit.

    The legend shows the fitted slope, e.g. ``Barron: slope -0.51``. ``fit_range``
    restricts the fit to ``fit_range[0] <= x <= fit_range[1]``. The fitted power law is a
    straight line on log-log axes, so it is drawn as the one segment between its values at
    the smallest and the largest fitted ``x``. ``reference``, if given, adds a dotted
    segment of that slope over the same ``x`` range through the fit at the first fitted
    point, for the rate a theorem predicts.
    """
    x, y = _positive_pair(x, y, "x")
    mask = np.ones_like(x, dtype=bool)
    if fit_range is not None:
        mask = (x >= fit_range[0]) & (x <= fit_range[1])
    fit = fit_power_law(x[mask], y[mask])
    (line,) = ax.loglog(x, y, marker, color=color, label=_label(label, f"slope ${fit.slope:.2f}$"))
    xs = np.array([x[mask].min(), x[mask].max()])  # two points: a power law is straight in log-log axes
    ax.loglog(xs, np.exp(fit.intercept) * xs**fit.slope, "-", color=line.get_color(), alpha=0.8)
    if reference is not None:
        x0, y0 = x[mask][0], np.exp(fit.intercept) * x[mask][0] ** fit.slope
        ax.loglog(xs, y0 * (xs / x0) ** reference, ":", color="0.4", label=f"slope ${reference:g}$ (theory)")
    return fit


def semilogy_rate(ax, k, y, *, label: str | None = None, color=None, marker: str = "-",
                  fit_range: tuple[float, float] | None = None) -> RateFit:
    r"""Plot ``y`` against ``k`` with a log ``y`` axis and the fitted geometric rate :math:`\rho`."""
    k, y = _positive_pair(k, y, "k")
    mask = np.ones_like(k, dtype=bool)
    if fit_range is not None:
        mask = (k >= fit_range[0]) & (k <= fit_range[1])
    fit = fit_geometric_rate(k[mask], y[mask])
    ax.semilogy(k, y, marker, color=color, label=_label(label, rf"$\rho \approx {fit.rate:.4f}$"))
    return fit
