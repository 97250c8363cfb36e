"""Tests of nnmath.plotting: the style, and the rate fits that the chapters quote."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnmath import plotting


def test_power_law_fit_recovers_the_exponent():
    """A noiseless power law is fitted exactly; a noisy one has the true exponent inside its 95% interval."""
    x = np.geomspace(1, 1000, 20)
    fit = plotting.fit_power_law(x, 3.0 * x**-0.5)
    assert fit.slope == pytest.approx(-0.5) and np.exp(fit.intercept) == pytest.approx(3.0)
    rng = np.random.default_rng(0)
    noisy = plotting.fit_power_law(x, 3.0 * x**-0.5 * np.exp(0.05 * rng.standard_normal(20)))
    assert noisy.ci95[0] < -0.5 < noisy.ci95[1]


def test_geometric_fit_recovers_the_ratio():
    """y_k = 2 · 0.9^k gives rate 0.9."""
    k = np.arange(30)
    assert plotting.fit_geometric_rate(k, 2 * 0.9**k).rate == pytest.approx(0.9)


def test_loglog_rate_puts_the_slope_in_the_legend():
    """The legend of a rate plot shows the fitted slope."""
    fig, ax = plotting.figure()
    x = np.geomspace(1, 100, 10)
    plotting.loglog_rate(ax, x, x**-1.0, label="GD", reference=-1)
    labels = [t.get_text() for t in ax.legend().get_texts()]
    assert any("GD" in t and "-1.00" in t for t in labels)
    plt.close(fig)


def test_style_is_opaque_and_colour_blind_safe():
    """Figures are saved on an opaque white background with the Okabe–Ito palette."""
    plotting.use_style()
    assert matplotlib.rcParams["savefig.transparent"] is False
    assert matplotlib.rcParams["figure.facecolor"] == "white"
    cycle = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert cycle[:3] == list(plotting.PALETTE[:3])


def test_figure_sizes():
    """A full-width figure is WIDTHS['full'] inches wide; a 1x2 grid keeps the width."""
    fig, axes = plotting.figure(2, width="full")
    assert fig.get_size_inches()[0] == pytest.approx(plotting.WIDTHS["full"]) and len(axes) == 2
    plt.close(fig)


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: plotting.fit_power_law([1, 2], [1, -1]), ValueError, "y"),
        (lambda: plotting.fit_power_law([0, 2], [1, 1]), ValueError, "x"),
        (lambda: plotting.fit_power_law([1, 2, 3], [1, 1]), ValueError, "x and y"),
        (lambda: plotting.fit_geometric_rate([1], [1]), ValueError, "k"),
        (lambda: plotting.figure(0), ValueError, "ncols"),
        (lambda: plotting.figure(width="wide"), ValueError, "width"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    """Bad input raises ValueError/TypeError whose message names the offending argument."""
    with pytest.raises(exc, match=name):
        call()
