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


# --- Rate fits against a hand-written least-squares line and a printed t table.

#: Two-sided 95% quantiles of Student's t (standard printed table): degrees of freedom -> t_{0.975}.
T_975 = {1: 12.7062047, 3: 3.1824463, 8: 2.3060041}


def _ols(t, z):
    """Least-squares line z ≈ a + b t with the textbook standard error of b."""
    t, z = np.asarray(t, float), np.asarray(z, float)
    tc = t - t.mean()
    b = np.sum(tc * (z - z.mean())) / np.sum(tc**2)
    a = z.mean() - b * t.mean()
    s2 = np.sum((z - a - b * t) ** 2) / (t.size - 2)
    return b, a, np.sqrt(s2 / np.sum(tc**2))


@pytest.mark.parametrize("n", [3, 5, 10])
def test_power_law_fit_matches_least_squares_with_a_t_interval(n):
    """Slope, intercept and standard error are those of least squares on (log x, log y); the 95% CI is slope ± t_{n-2} s.e."""
    rng = np.random.default_rng(n)
    x = np.geomspace(1, 50, n)
    y = 2.0 * x**-0.7 * np.exp(0.3 * rng.standard_normal(n))
    fit = plotting.fit_power_law(x, y)
    b, a, se = _ols(np.log(x), np.log(y))
    assert fit.slope == pytest.approx(b, rel=1e-12) and fit.intercept == pytest.approx(a, rel=1e-12)
    assert fit.stderr == pytest.approx(se, rel=1e-10) and fit.n == n
    assert fit.ci95[0] == pytest.approx(b - T_975[n - 2] * se, rel=1e-6)
    assert fit.ci95[1] == pytest.approx(b + T_975[n - 2] * se, rel=1e-6)


def test_two_point_fit_has_an_infinite_interval():
    """Two points determine the line exactly, with no degrees of freedom left: the 95% interval is (-inf, inf)."""
    fit = plotting.fit_power_law([1.0, 4.0], [3.0, 1.5])
    assert fit.slope == pytest.approx(-0.5) and np.exp(fit.intercept) == pytest.approx(3.0)
    assert fit.ci95 == (-np.inf, np.inf) and fit.n == 2


def test_geometric_fit_matches_least_squares_on_k_and_log_y():
    """fit_geometric_rate is least squares of log y on k; rate = exp(slope); exact data give C and ρ exactly."""
    k = np.arange(2, 12)
    fit = plotting.fit_geometric_rate(k, 5.0 * 0.8**k)
    assert fit.rate == pytest.approx(0.8, rel=1e-12) and np.exp(fit.intercept) == pytest.approx(5.0, rel=1e-12)
    assert fit.slope == pytest.approx(np.log(0.8), rel=1e-12)
    y = 5.0 * 0.8**k * np.exp(0.2 * np.random.default_rng(1).standard_normal(k.size))
    fit = plotting.fit_geometric_rate(k, y)
    b, a, se = _ols(k, np.log(y))
    assert (fit.slope, fit.intercept) == pytest.approx((b, a), rel=1e-12)
    assert fit.stderr == pytest.approx(se, rel=1e-10) and fit.n == k.size
    assert fit.ci95 == pytest.approx((b - T_975[8] * se, b + T_975[8] * se), rel=1e-6)
    assert fit.rate == pytest.approx(np.exp(b), rel=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: plotting.fit_power_law([1, 2, 3], [1, 1]), r"^x and y must have the same length, got 3 and 2$"),
        (lambda: plotting.fit_geometric_rate([1, 2], [1, 1, 1]), r"^k and y must have the same length, got 2 and 3$"),
        (lambda: plotting.fit_power_law([1], [1]), r"^x must have at least 2 points to fit a rate, got 1$"),
        (lambda: plotting.fit_geometric_rate([1], [1]), r"^k must have at least 2 points to fit a rate, got 1$"),
        (lambda: plotting.fit_power_law([1, 2], [1, 0]), r"^y must be positive to fit a rate on a log scale$"),
        (lambda: plotting.fit_geometric_rate([1, 2], [0, 1]), r"^y must be positive to fit a rate on a log scale$"),
        (lambda: plotting.fit_power_law([0, 2], [1, 1]), r"^x must be positive to fit a power law$"),
        (lambda: plotting.fit_power_law([-1, 2], [1, 1]), r"^x must be positive to fit a power law$"),
        (lambda: plotting.loglog_rate(None, [1, 2, 3], [1, 2]), r"^x and y must have the same length"),
        (lambda: plotting.loglog_rate(None, [1], [1]), r"^x must have at least 2 points"),
        (lambda: plotting.semilogy_rate(None, [1, 2, 3], [1, 2]), r"^k and y must have the same length"),
        (lambda: plotting.semilogy_rate(None, [1], [1]), r"^k must have at least 2 points"),
        (lambda: plotting.semilogy_rate(None, [1, 2], [1, -1]), r"^y must be positive"),
    ],
)
def test_bad_data_messages_say_what_is_wrong(call, message):
    """A fit refuses data of unequal length, fewer than 2 points, or non-positive values on a log axis, and says which."""
    with pytest.raises(ValueError, match=message):
        call()


def test_a_log_fit_accepts_a_negative_k_and_exactly_two_points():
    """A geometric fit needs only y > 0 (k may be negative); two points are enough for a fit."""
    fit = plotting.fit_geometric_rate([-1, 0], [2.0, 1.0])
    assert fit.rate == pytest.approx(0.5) and np.exp(fit.intercept) == pytest.approx(1.0)


# --- Figures: sizes, and the computations placed in rate plots (read back from the artists).


def test_figure_heights_follow_the_aspect_rule():
    """Height = width·aspect·nrows/ncols, aspect 0.62 for one column and 0.85 for several, a single Axes for 1x1."""
    cases = [((), {}, 6.4, 6.4 * 0.62), ((2,), {}, 6.4, 6.4 * 0.85 / 2), ((1, 3), {}, 6.4, 6.4 * 0.62 * 3),
             ((3, 2), {"width": "half"}, 3.2, 3.2 * 0.85 * 2 / 3), ((2, 2), {"aspect": 0.5}, 6.4, 6.4 * 0.5)]
    for args, kwargs, w, h in cases:
        fig, axes = plotting.figure(*args, **kwargs)
        assert tuple(fig.get_size_inches()) == pytest.approx((w, h))
        plt.close(fig)
    fig, ax = plotting.figure()
    assert isinstance(ax, matplotlib.axes.Axes)
    plt.close(fig)
    fig, axes = plotting.figure(2, 3, sharex=True)
    assert axes.shape == (3, 2) and axes[0, 0].get_shared_x_axes().joined(axes[0, 0], axes[2, 1])
    plt.close(fig)


def test_figure_applies_the_style_and_rejects_a_zero_aspect():
    """figure() applies the book style itself; an aspect of 0 is refused, naming aspect."""
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        fig, _ = plotting.figure()
        assert matplotlib.rcParams["axes.spines.top"] is False and matplotlib.rcParams["axes.grid"] is True
        plt.close(fig)
    with pytest.raises(ValueError, match="aspect"):
        plotting.figure(aspect=0.0)


def _rate_data():
    """Noisy power-law data on x = 1..10 whose fit depends on exactly which points are used."""
    x = np.arange(1.0, 11.0)
    y = 4.0 * x**-1.5 * np.exp(0.2 * np.sin(3.0 * x))
    return x, y


def test_loglog_rate_draws_data_fit_and_theory_line():
    """Log-log axes; data as markers; the fit over fit_range as one solid segment in the data colour; a dotted grey segment of the theory slope through the fit at the first fitted point."""
    x, y = _rate_data()
    fig, ax = plotting.figure()
    fit = plotting.loglog_rate(ax, x, y, label="GD", color="#D55E00", fit_range=(3.0, 8.0), reference=-2.0)
    inside = (x >= 3) & (x <= 8)
    b, a, _ = _ols(np.log(x[inside]), np.log(y[inside]))
    assert (fit.slope, fit.intercept, fit.n) == pytest.approx((b, a, 6), rel=1e-12)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    data_line, fit_line, ref_line = ax.get_lines()
    np.testing.assert_array_equal(data_line.get_xdata(), x)
    np.testing.assert_array_equal(data_line.get_ydata(), y)
    assert data_line.get_marker() == "o" and data_line.get_linestyle() == "None"
    assert matplotlib.colors.same_color(data_line.get_color(), "#D55E00")
    xs, ys = fit_line.get_xdata(), fit_line.get_ydata()
    # a power law is a straight line in log-log axes: one segment from the smallest to the largest fitted x
    np.testing.assert_array_equal(xs, [3.0, 8.0])
    np.testing.assert_allclose(ys, np.exp(a) * xs**b, rtol=1e-12)
    assert fit_line.get_linestyle() == "-" and matplotlib.colors.same_color(fit_line.get_color(), "#D55E00")
    rx, ry = ref_line.get_xdata(), ref_line.get_ydata()
    np.testing.assert_allclose(rx, xs)
    np.testing.assert_allclose(np.diff(np.log(ry)) / np.diff(np.log(rx)), -2.0, rtol=1e-10)
    np.testing.assert_allclose(ry[0], np.exp(a) * 3.0**b, rtol=1e-12)  # through the fit at x = 3
    assert ref_line.get_linestyle() == ":"
    r, g, bl, _ = matplotlib.colors.to_rgba(ref_line.get_color())
    assert r == g == bl and 0 < r < 1  # a neutral grey, not a data colour
    labels = [t.get_text() for t in ax.legend().get_texts()]
    assert labels[0] == f"GD: slope ${b:.2f}$" and "-2" in labels[1] and "theory" in labels[1]
    plt.close(fig)


def test_loglog_rate_fit_range_endpoints_are_included():
    """fit_range = (a, b) fits exactly the points with a ≤ x ≤ b, both ends included."""
    x, y = _rate_data()
    for lo, hi in [(2.0, 6.0), (4.0, 10.0), (1.0, 5.0)]:
        fig, ax = plotting.figure()
        fit = plotting.loglog_rate(ax, x, y, fit_range=(lo, hi))
        m = (x >= lo) & (x <= hi)
        b, _, _ = _ols(np.log(x[m]), np.log(y[m]))
        assert fit.n == m.sum() and fit.slope == pytest.approx(b, rel=1e-12)
        plt.close(fig)


def test_loglog_rate_without_label_or_reference():
    """Without a label the legend is just the slope; without a reference only data and fit are drawn; the whole range is fitted."""
    x, y = _rate_data()
    fig, ax = plotting.figure()
    fit = plotting.loglog_rate(ax, x, y)
    b, _, _ = _ols(np.log(x), np.log(y))
    assert fit.slope == pytest.approx(b, rel=1e-12) and fit.n == 10
    assert len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.legend().get_texts()] == [f"slope ${b:.2f}$"]
    assert ax.get_lines()[1].get_xdata()[0] == pytest.approx(1.0)
    assert ax.get_lines()[1].get_xdata()[-1] == pytest.approx(10.0)
    plt.close(fig)


def test_rate_lines_keep_their_styles_under_other_rc_defaults():
    """The fitted line and semilogy_rate's default data line are solid, in the data colour, even if the default line style is dashed."""
    x, y = _rate_data()
    with matplotlib.rc_context({"lines.linestyle": "--"}):
        fig, ax = plotting.figure()
        plotting.loglog_rate(ax, x, y)
        data_line, fit_line = ax.get_lines()
        assert fit_line.get_linestyle() == "-"
        assert matplotlib.colors.same_color(fit_line.get_color(), data_line.get_color())
        plt.close(fig)
        fig, ax = plotting.figure()
        plotting.semilogy_rate(ax, x, y)
        assert ax.get_lines()[0].get_linestyle() == "-"
        plt.close(fig)


def test_semilogy_rate_shows_the_fitted_ratio():
    """Linear k and log y axes; the data drawn as a line in the given colour; the legend gives ρ from the fit over fit_range."""
    k = np.arange(3.0, 23.0)  # not 0, 1, ...: the x data must be k, not the index
    y = 3.0 * 0.7**k * np.exp(0.1 * np.cos(2.0 * k))
    fig, ax = plotting.figure()
    fit = plotting.semilogy_rate(ax, k, y, label="GD", color="#009E73", fit_range=(8.0, 15.0))
    m = (k >= 8) & (k <= 15)
    b, a, _ = _ols(k[m], np.log(y[m]))
    assert (fit.slope, fit.intercept, fit.n) == pytest.approx((b, a, 8), rel=1e-12)
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "log"
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), k)
    np.testing.assert_array_equal(line.get_ydata(), y)
    assert line.get_linestyle() == "-" and line.get_marker() in ("None", None, "")
    assert matplotlib.colors.same_color(line.get_color(), "#009E73")
    assert [t.get_text() for t in ax.legend().get_texts()] == [rf"GD: $\rho \approx {np.exp(b):.4f}$"]
    assert f"{np.exp(b):.4f}" != f"{np.exp(_ols(k, np.log(y))[0]):.4f}"  # the range matters here
    plt.close(fig)


def test_semilogy_rate_defaults_and_range_endpoints():
    """Without label and range: ρ of the whole data alone in the legend; fit_range includes both end points."""
    k = np.arange(0.0, 10.0)
    fig, ax = plotting.figure()
    fit = plotting.semilogy_rate(ax, k, 2.0 * 0.5**k)
    assert fit.rate == pytest.approx(0.5) and fit.n == 10
    assert [t.get_text() for t in ax.legend().get_texts()] == [r"$\rho \approx 0.5000$"]
    plt.close(fig)
    y = 2.0 * 0.5**k * np.exp(0.3 * np.sin(5.0 * k))
    for lo, hi in [(2.0, 6.0), (0.0, 4.0), (5.0, 9.0)]:
        fig, ax = plotting.figure()
        fit = plotting.semilogy_rate(ax, k, y, fit_range=(lo, hi))
        m = (k >= lo) & (k <= hi)
        assert fit.n == m.sum() and fit.slope == pytest.approx(_ols(k[m], np.log(y[m]))[0], rel=1e-12)
        plt.close(fig)


@pytest.mark.parametrize(
    "call, exc, message",
    [
        (lambda: plotting.fit_power_law(np.ones((2, 2)), np.ones(4)), ValueError, r"^x must be an array with 1 dimension"),
        (lambda: plotting.fit_power_law(2.0, 3.0), ValueError, r"^x must be an array with 1 dimension"),
        (lambda: plotting.fit_geometric_rate(np.ones((3, 1)), np.ones(3)), ValueError, r"^k must be an array with 1 dimension"),
        (lambda: plotting.fit_power_law(np.ones(3), np.ones((3, 1))), ValueError, r"^y must be an array with 1 dimension"),
        (lambda: plotting.fit_geometric_rate([1, 2], "ab"), TypeError, r"^y must be a numeric array"),
        (lambda: plotting.fit_power_law("ab", [1, 2]), TypeError, r"^x must be a numeric array"),
    ],
)
def test_rate_fits_need_one_dimensional_numeric_data(call, exc, message):
    """A rate is fitted to a sequence of (x, y) pairs: 0-D, 2-D or non-numeric data are refused, naming the argument."""
    with pytest.raises(exc, match=message):
        call()


def test_loglog_rate_fit_line_is_translucent():
    """The fitted line is drawn translucent (0 < alpha < 1) over the data markers, so points under it stay visible."""
    x, y = _rate_data()
    fig, ax = plotting.figure()
    plotting.loglog_rate(ax, x, y, label="GD")
    fit_line = ax.get_lines()[1]
    assert fit_line.get_alpha() is not None and 0 < fit_line.get_alpha() < 1
    plt.close(fig)
