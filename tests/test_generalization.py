"""Tests of nnmath.generalization: the statements of the chapter *Uniform convergence*.

Every claim test compares with a reference that does not share the code's formula
(exhaustive enumeration, scipy root finding, binomial sums, exact rational arithmetic,
closed forms derived separately), tests bounds on instances where they are nearly tight,
and runs a plausible wrong variant (named ``_wrong_...``) that the same check rejects.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import brentq, minimize

from nnmath import generalization as gen

# --------------------------------------------------------------------------- helpers and wrong variants


def _all_signs(n):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))


def _exact_linear_rademacher(X, B):
    """(B/n) E||sum sigma_i x_i|| by enumerating all 2^n sign vectors."""
    return B * np.mean(np.linalg.norm(_all_signs(X.shape[0]) @ X, axis=1)) / X.shape[0]


def _wrong_jensen_estimator(X, B, *, n_draws, generator):
    """Wrong: reports sqrt(E||.||^2) (the Jensen upper bound) instead of E||.||."""
    rng = np.random.default_rng(generator)
    sigma = rng.choice([-1.0, 1.0], size=(n_draws, X.shape[0]))
    v = B * np.linalg.norm(sigma @ X, axis=1) / X.shape[0]
    return gen.MonteCarlo(float(np.sqrt(np.mean(v**2))), float(v.std(ddof=1) / np.sqrt(n_draws)))


def _wrong_sqrt_n_estimator(X, B, *, n_draws, generator):
    """Wrong: normalizes by sqrt(n) instead of n."""
    est, se = gen.rademacher_linear(X, B, n_draws=n_draws, generator=generator)
    n = X.shape[0]
    return gen.MonteCarlo(est * n / np.sqrt(n), se * n / np.sqrt(n))


def _wrong_upper_bound_n_instead_of_sqrt_n(X, B):
    """Wrong: B max||x_i|| / n, i.e. n where the bound has sqrt(n) (B R / sqrt(n))."""
    return B * np.max(np.linalg.norm(X, axis=1)) / X.shape[0]


def _wrong_lower_bound_constant_one(X, B):
    """Wrong: Khintchine-Kahane with constant 1 instead of 1/sqrt(2)."""
    return B * np.sqrt(np.sum(X**2)) / X.shape[0]


def _wrong_massart_missing_sqrt2(A):
    A = np.asarray(A, dtype=float)
    return np.max(np.linalg.norm(A, axis=1)) * np.sqrt(np.log(A.shape[0])) / A.shape[1]


def _wrong_cover_missing_term(N, d):
    """Wrong: 2 sum_{k<d} C(N-1, k), the homogeneous count applied to affine separators."""
    return 2 * sum(math.comb(N - 1, k) for k in range(d))


def _wrong_sauer_missing_term(n, d):
    return sum(math.comb(n, k) for k in range(d))


def _linear_check(estimator, X, B, seed=0):
    """Check: the Monte Carlo estimate is within 4 standard errors of the exact enumeration."""
    est, se = estimator(X, B, n_draws=20_000, generator=seed)
    return abs(est - _exact_linear_rademacher(X, B)) <= 4 * se


# --------------------------------------------------------------------------- PAC learning


@pytest.mark.claim("prop-uc-threshold")
@pytest.mark.parametrize("n, eps", [(10, 0.2), (20, 0.1), (50, 0.03)])
def test_threshold_class_failure_probability_is_one_minus_eps_to_the_n(n, eps):
    r"""For the realizable threshold class, $\Prob(\text{risk of the consistent learner} > \epsilon)$ equals $(1 - \epsilon)^n$ within 4 s.e."""
    errors = gen.threshold_erm_errors(n, theta_star=0.3, n_trials=200_000, seed=n)
    fail = errors > eps
    p_hat, se = fail.mean(), fail.std(ddof=1) / np.sqrt(fail.size)

    def check(formula):
        return abs(p_hat - formula) <= 4 * se

    assert check((1 - eps) ** n)
    # negative controls: an exponent off by one, and the exponential upper bound read as an equality
    assert not check((1 - eps) ** (n - 1))
    assert not check(np.exp(-eps * n))


@pytest.mark.claim("thm-uc-finite-realizable")
def test_finite_realizable_bound_holds_and_is_nearly_attained():
    r"""For two hypotheses, one of risk $\epsilon'$ slightly above $\epsilon$, the worst consistent ERM fails with probability at most $(1 - \epsilon)^n$, attained up to $(1 - \epsilon')^n/(1 - \epsilon)^n$."""
    rng = np.random.default_rng(3)
    n, eps, eps_bad = 30, 0.1, 0.102
    x = rng.uniform(size=(200_000, n))
    # target threshold 0.3, bad hypothesis threshold 0.3 + eps_bad: it is consistent iff no x in [0.3, 0.3+eps_bad)
    bad_consistent = ~np.any((x >= 0.3) & (x < 0.3 + eps_bad), axis=1)
    p_hat, se = bad_consistent.mean(), bad_consistent.std(ddof=1) / np.sqrt(x.shape[0])
    bound = 1 * (1 - eps) ** n  # |H_bad| = 1
    assert p_hat <= bound + 4 * se
    assert p_hat / bound > 0.9  # nearly tight: (1 - eps_bad)^n / (1 - eps)^n
    # negative control: a bound with 2n in the exponent is violated
    assert p_hat > (1 - eps) ** (2 * n) + 4 * se


# --------------------------------------------------------------------------- symmetrization, McDiarmid


@pytest.mark.claim("thm-uc-rademacher-bound")
def test_symmetrization_is_nearly_tight_for_the_class_of_all_functions():
    r"""For all functions on $m \gg n$ points, $\E\sup_f(Pf - P_n f) = (1 - 1/m)^n \le 2R_n$, with ratio above 0.95."""
    m, n = 5000, 20
    dev, rad = gen.all_functions_deviation(m, n, n_trials=4000, seed=1)
    # independent closed form of the expected deviation: E (m - #distinct)/m = (1 - 1/m)^n
    exact_dev = (1 - 1 / m) ** n
    assert abs(dev.mean() - exact_dev) <= 4 * dev.std(ddof=1) / np.sqrt(dev.size)
    r, r_se = rad.mean(), rad.std(ddof=1) / np.sqrt(rad.size)
    assert exact_dev <= 2 * r + 4 * 2 * r_se
    assert exact_dev / (2 * r) > 0.95
    # negative control: the inequality without the factor 2 is violated
    assert exact_dev > r + 4 * r_se


@pytest.mark.claim("lem-uc-mcdiarmid")
def test_mcdiarmid_tail_of_the_uniform_deviation():
    r"""The uniform deviation over all functions (bounded differences $1/n$) exceeds its mean by $t$ with probability at most $\exp(-2nt^2)$."""
    m, n = 50, 40
    dev, _ = gen.all_functions_deviation(m, n, n_trials=20_000, seed=2)
    mean = dev.mean()
    for t in (0.05, 0.1, 0.15):
        freq = np.mean(dev - mean >= t)
        se = np.sqrt(max(freq * (1 - freq), 1e-4) / dev.size)
        assert freq <= np.exp(-2 * n * t**2) + 4 * se
    # negative control: forgetting that each c_i is 1/n (exp(-2 n^2 t^2)) is violated
    t = 0.05
    freq = np.mean(dev - mean >= t)
    assert freq > np.exp(-2 * n**2 * t**2) + 4 * np.sqrt(freq * (1 - freq) / dev.size)


# --------------------------------------------------------------------------- Massart, contraction


@pytest.mark.claim("lem-uc-massart")
def test_massart_is_nearly_tight_on_the_cube():
    r"""On $A = \{\pm 1\}^n$ the exact Rademacher complexity is 1 and Massart's bound $\sqrt{2\log 2} \approx 1.18$: ratio 0.85."""
    for n in (6, 10):
        A = _all_signs(n)
        exact = np.mean(np.max(_all_signs(n) @ A.T, axis=1)) / n
        assert exact == pytest.approx(1.0)
        bound = gen.massart_bound(A)
        assert exact <= bound
        assert exact / bound == pytest.approx(1 / np.sqrt(2 * np.log(2)), rel=1e-12)
        # negative control: without the sqrt(2) the "bound" is violated
        assert exact > _wrong_massart_missing_sqrt2(A)


@pytest.mark.claim("lem-uc-massart")
def test_massart_holds_for_random_sign_vectors():
    r"""For 1,000 random sign vectors in $\R^{200}$, the Monte Carlo complexity is below Massart's bound, above 0.8 of it, and above the variant without $\sqrt{2}$."""
    rng = np.random.default_rng(4)
    A = rng.choice([-1.0, 1.0], size=(1000, 200))
    est, se = gen.rademacher_finite(A, n_draws=2000, generator=5)
    bound = gen.massart_bound(A)
    assert est + 4 * se <= bound
    assert est / bound > 0.8
    assert est - 4 * se > _wrong_massart_missing_sqrt2(A)


def test_rademacher_exact_and_monte_carlo_agree():
    """The exact enumeration and the Monte Carlo estimate of R(A) agree within 4 s.e.; R of a single vector is 0."""
    A = np.random.default_rng(20).standard_normal((7, 10))
    est, se = gen.rademacher_finite(A, n_draws=20_000, generator=21)
    assert abs(est - gen.rademacher_exact(A)) <= 4 * se
    assert gen.rademacher_exact(A[:1]) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.claim("lem-uc-contraction")
def test_contraction_inequality_by_exact_enumeration():
    r"""For random finite $A \subset \R^8$ and random $L$-Lipschitz $\phi_i$, $R(\phi\circ A) \le L\,R(A)$ exactly; equality for $\phi_i(t) = Lt$."""
    rng = np.random.default_rng(6)
    n = 8
    signs = _all_signs(n)

    def rad(A):
        return np.mean(np.max(signs @ A.T, axis=1)) / n

    L = 1.5
    for _ in range(20):
        A = rng.standard_normal((12, n))
        knots = np.sort(rng.uniform(-3, 3, size=(n, 4)), axis=1)
        slopes = rng.uniform(-L, L, size=(n, 5))

        def phi(i, t):
            # piecewise linear, slopes within [-L, L]: L-Lipschitz
            val = slopes[i, 0] * t
            for k in range(4):
                val = val + (slopes[i, k + 1] - slopes[i, k]) * np.maximum(t - knots[i, k], 0)
            return val

        phiA = np.stack([phi(i, A[:, i]) for i in range(n)], axis=1)
        assert rad(phiA) <= L * rad(A) + 1e-12
    A = rng.standard_normal((12, n))
    assert rad(L * A) == pytest.approx(L * rad(A))
    # negative control: a contraction constant L/2 is violated by phi(t) = L t
    assert rad(L * A) > (L / 2) * rad(A)


# --------------------------------------------------------------------------- linear class


@pytest.mark.claim("prop-uc-linear")
@pytest.mark.parametrize("kind", ["gaussian", "equal", "orthogonal"])
def test_linear_rademacher_monte_carlo_matches_exact_enumeration(kind):
    r"""The Monte Carlo estimate of $(B/n)\,\E\norm{\sum_i \sigma_i x_i}$ is within 4 s.e. of its exact value by enumerating $2^n$ signs."""
    rng = np.random.default_rng(7)
    n = 12
    X = {"gaussian": rng.standard_normal((n, 3)), "equal": np.tile(rng.standard_normal(3), (n, 1)),
         "orthogonal": np.eye(n)[:, :n] * rng.uniform(0.5, 2, size=n)[:, None]}[kind]
    assert _linear_check(gen.rademacher_linear, X, 2.5)


def test_linear_rademacher_check_rejects_wrong_estimators():
    """The 4-s.e. check rejects the Jensen (root-mean-square) estimator and the √n normalization."""
    X = np.tile(np.random.default_rng(8).standard_normal(3), (12, 1))
    assert _linear_check(gen.rademacher_linear, X, 2.5)
    assert not _linear_check(_wrong_jensen_estimator, X, 2.5)
    assert not _linear_check(_wrong_sqrt_n_estimator, X, 2.5)


@pytest.mark.claim("prop-uc-linear")
def test_supremum_over_the_ball_is_the_norm():
    r"""For fixed signs, a numerical maximization of $(1/n)\sum_i \sigma_i\inner{w}{x_i}$ over $\norm{w} \le B$ reaches $(B/n)\norm{\sum_i \sigma_i x_i}$."""
    rng = np.random.default_rng(9)
    X, B = rng.standard_normal((7, 4)), 1.7
    for sigma in rng.choice([-1.0, 1.0], size=(5, 7)):
        v = sigma @ X / 7
        res = minimize(lambda w: -w @ v, np.zeros(4) + 0.1, method="SLSQP",
                       constraints=[{"type": "ineq", "fun": lambda w: B**2 - w @ w}])
        assert -res.fun == pytest.approx(B * np.linalg.norm(v), rel=1e-6)


@pytest.mark.claim("prop-uc-linear")
def test_linear_two_sided_bound_is_attained_on_both_sides():
    r"""The upper bound is an equality for orthogonal inputs and the lower bound for two equal inputs (ratio $1/\sqrt{2}$)."""
    B = 3.0
    X_orth = np.diag([1.0, 2.0, 0.5, 1.5])
    lo, up = gen.rademacher_linear_bounds(X_orth, B)
    assert _exact_linear_rademacher(X_orth, B) == pytest.approx(up, rel=1e-12)
    X_eq = np.array([[0.6, -0.8], [0.6, -0.8]])
    lo, up = gen.rademacher_linear_bounds(X_eq, B)
    exact = _exact_linear_rademacher(X_eq, B)
    assert exact == pytest.approx(lo, rel=1e-12)
    # negative controls: constant 1 in the lower bound, and n instead of sqrt(n) in the upper bound
    assert exact < _wrong_lower_bound_constant_one(X_eq, B)
    assert _exact_linear_rademacher(X_orth, B) > _wrong_upper_bound_n_instead_of_sqrt_n(X_orth, B)


@pytest.mark.claim("prop-uc-linear")
def test_linear_two_sided_bound_holds_on_random_inputs():
    r"""On random inputs of several shapes, lower bound $\le$ exact value $\le$ upper bound."""
    rng = np.random.default_rng(10)
    for n, d in [(3, 1), (8, 2), (12, 5)]:
        X = rng.standard_normal((n, d)) * rng.uniform(0.1, 3, size=(n, 1))
        lo, up = gen.rademacher_linear_bounds(X, 1.0)
        exact = _exact_linear_rademacher(X, 1.0)
        assert lo - 1e-12 <= exact <= up + 1e-12


# --------------------------------------------------------------------------- VC, Sauer-Shelah, Cover


@pytest.mark.claim("thm-uc-cover")
@pytest.mark.parametrize("N, d", [(3, 1), (5, 1), (4, 2), (6, 2), (8, 2), (6, 3), (8, 3)])
def test_cover_count_equals_the_number_of_separable_labellings(N, d):
    r"""For Gaussian points (in general position a.s.), the LP count of separable labellings equals $2\sum_{k\le d}\binom{N-1}{k}$."""
    X = np.random.default_rng(100 * N + d).standard_normal((N, d))
    count = gen.count_separable_labellings(X)
    assert count == gen.cover_count(N, d)
    if N > d + 1:  # negative control (identical when N <= d + 1, where every labelling is separable)
        assert count != _wrong_cover_missing_term(N, d)


def test_cover_count_needs_general_position():
    """Three collinear points in the plane have 6 separable labellings, not Cover's 8."""
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    assert gen.count_separable_labellings(X) == 6 < gen.cover_count(3, 2)


def test_cover_count_satisfies_the_recursion():
    """C(N+1, d) = C(N, d) + C(N, d−1) and C(N, d) = 2^N for N ≤ d + 1."""
    for N in range(1, 15):
        for d in range(1, 6):
            assert gen.cover_count(N + 1, d) == gen.cover_count(N, d) + gen.cover_count(N, d - 1)
            if N <= d + 1:
                assert gen.cover_count(N, d) == 2**N


@pytest.mark.claim("lem-uc-sauer")
def test_sauer_shelah_is_attained_and_holds_for_half_spaces():
    r"""The class of subsets of size at most $d$ attains $\sum_{k\le d}\binom{n}{k}$ exactly; half-planes (VC dimension 3) stay below it."""
    for n, d in [(6, 2), (7, 3), (9, 1)]:
        patterns = {tuple(1 if i in s else 0 for i in range(n))
                    for k in range(d + 1) for s in itertools.combinations(range(n), k)}
        assert len(patterns) == gen.sauer_bound(n, d)
        assert len(patterns) > _wrong_sauer_missing_term(n, d)
    X = np.random.default_rng(11).standard_normal((7, 2))
    assert gen.count_separable_labellings(X) <= gen.sauer_bound(7, 3)


@pytest.mark.claim("thm-uc-lower-bound")
def test_memorizer_attains_the_lower_bound_and_other_learners_do_no_better():
    r"""Averaged over random targets, a memorizer's risk equals $(\rho/2)(1 - \rho/(d-1))^n$ within 4 s.e.; this is the bound's value."""
    d, n, rho = 10, 20, 0.4
    err = gen.memorizer_errors(d, n, rho, n_trials=40_000, seed=12)
    mean, se = err.mean(), err.std(ddof=1) / np.sqrt(err.size)
    formula = rho / 2 * (1 - rho / (d - 1)) ** n
    assert abs(mean - formula) <= 4 * se
    # negative control: the bound without the factor 1/2 is violated by the memorizer
    assert mean < rho * (1 - rho / (d - 1)) ** n - 4 * se
    # an independent check of the formula: exact expectation by linearity, each light point unseen w.p. (1 - rho/(d-1))^n
    assert formula == pytest.approx((d - 1) * (rho / (d - 1)) * 0.5 * (1 - rho / (d - 1)) ** n)


# --------------------------------------------------------------------------- networks


def test_spectral_complexity_against_an_independent_computation():
    """R_A equals a direct computation with singular values and row norms, also with a reference."""
    rng = np.random.default_rng(13)
    Ws = [rng.standard_normal((5, 3)), rng.standard_normal((4, 5)), rng.standard_normal((2, 4))]
    Ms = [rng.standard_normal(W.shape) * 0.1 for W in Ws]
    for ref in (None, Ms):
        res = gen.spectral_complexity(Ws, ref)
        refs = Ms if ref is not None else [np.zeros_like(W) for W in Ws]
        s = [np.linalg.svd(W, compute_uv=False)[0] for W in Ws]
        n21 = [sum(math.sqrt(sum(v * v for v in row)) for row in (W - M)) for W, M in zip(Ws, refs)]
        expected = np.prod(s) * sum((a / b) ** (2 / 3) for a, b in zip(n21, s)) ** 1.5
        assert res.value == pytest.approx(expected, rel=1e-12)


def test_spectral_complexity_reduces_to_the_linear_class_and_is_rescaling_invariant():
    """One row vector w gives R_A = ‖w‖ (the linear class); balanced rescaling of ReLU layers leaves R_A unchanged."""
    w = np.array([[3.0, 4.0]])
    assert gen.spectral_complexity([w]).value == pytest.approx(5.0)
    rng = np.random.default_rng(14)
    A1, A2 = rng.standard_normal((6, 4)), rng.standard_normal((3, 6))
    base = gen.spectral_complexity([A1, A2]).value
    assert gen.spectral_complexity([2.5 * A1, A2 / 2.5]).value == pytest.approx(base, rel=1e-12)
    # negative control: Frobenius norms in place of spectral norms give a different value
    frob = np.linalg.norm(A1) * np.linalg.norm(A2)
    assert frob * gen.spectral_complexity([A1, A2]).correction != pytest.approx(base, rel=1e-3)


def test_multiclass_margins():
    """The margin is the true score minus the largest other score."""
    scores = np.array([[1.0, 3.0, 2.0], [0.5, 0.2, 0.1]])
    np.testing.assert_allclose(gen.multiclass_margins(scores, [1, 2]), [1.0, -0.4])


# --------------------------------------------------------------------------- PAC-Bayes


@pytest.mark.claim("lem-uc-change-of-measure")
def test_change_of_measure_with_equality_at_the_gibbs_posterior():
    r"""On a finite space, $\E_Q f \le \mathrm{KL}(Q\,\|\,P) + \log\E_P e^f$ for random $Q$, with equality at $Q \propto P e^f$."""
    rng = np.random.default_rng(15)
    P = rng.dirichlet(np.ones(6))
    f = rng.standard_normal(6) * 2
    rhs_const = np.log(np.sum(P * np.exp(f)))

    def kl(Q):
        return float(np.sum(Q * np.log(Q / P)))

    for _ in range(50):
        Q = rng.dirichlet(np.ones(6))
        assert Q @ f <= kl(Q) + rhs_const + 1e-12
    gibbs = P * np.exp(f) / np.sum(P * np.exp(f))
    assert gibbs @ f == pytest.approx(kl(gibbs) + rhs_const, rel=1e-12)
    # negative control: the inequality without the KL term fails at the Gibbs posterior
    assert gibbs @ f > rhs_const


@pytest.mark.claim("lem-uc-maurer")
def test_maurer_expectation_is_xi_n_for_every_p():
    r"""$\E\exp(n\,\mathrm{kl}(\hat p\,\|\,p))$ for a $\mathrm{Binomial}(n, p)$ proportion equals $\xi(n)$ for every $p$ (binomial sums and exact fractions)."""
    for n in (1, 5, 30):
        xi = gen.maurer_xi(n)
        for p in (0.05, 0.3, 0.77):
            k = np.arange(n + 1)
            vals = [math.exp(n * gen.kl_bernoulli(kk / n, p)) for kk in k]
            assert np.sum(stats.binom.pmf(k, n, p) * vals) == pytest.approx(xi, rel=1e-9)
        exact = sum(Fraction(math.comb(n, k)) * Fraction(k, n) ** k * Fraction(n - k, n) ** (n - k)
                    for k in range(n + 1))
        assert xi == pytest.approx(float(exact), rel=1e-12)


@pytest.mark.claim("lem-uc-maurer")
def test_maurer_xi_is_below_two_sqrt_n_and_near_it():
    r"""$\sqrt{n} \le \xi(n) \le 2\sqrt{n}$ for $8 \le n \le 3000$, with $\xi(n)/(2\sqrt{n})$ above 0.6 (it tends to $\sqrt{\pi/8} \approx 0.627$)."""
    for n in list(range(8, 200)) + [500, 1000, 3000]:
        ratio = gen.maurer_xi(n) / (2 * np.sqrt(n))
        assert 0.5 <= ratio <= 1.0
        assert ratio > 0.6
    # negative control: xi(n) <= sqrt(n) (the bound without its factor 2) is false
    assert gen.maurer_xi(100) > np.sqrt(100)
    assert gen.maurer_xi(3000) / (2 * np.sqrt(3000)) == pytest.approx(np.sqrt(np.pi / 8), rel=0.01)


def _brentq_inverse(q, c):
    f = lambda p: (q * np.log(q / p) if q > 0 else 0.0) + (1 - q) * np.log((1 - q) / (1 - p)) - c  # noqa: E731
    return brentq(f, q + 1e-15, 1 - 1e-15, xtol=1e-14)


@pytest.mark.claim("thm-uc-pac-bayes")
@pytest.mark.parametrize("q, kl, n, delta", [(0.0, 10.0, 100, 0.05), (0.05, 200.0, 1347, 0.025),
                                              (0.3, 5.0, 50, 0.1), (0.01, 0.0, 10_000, 0.01)])
def test_pac_bayes_bound_is_the_upper_root_of_the_kl_equation(q, kl, n, delta):
    r"""`pac_bayes_bound` returns the $p \ge q$ with $\mathrm{kl}(q\,\|\,p) = (\mathrm{KL} + \log(2\sqrt{n}/\delta))/n$ (scipy `brentq` reference)."""
    c = (kl + np.log(2 * np.sqrt(n) / delta)) / n
    b = gen.pac_bayes_bound(q, kl, n, delta)
    assert b == pytest.approx(_brentq_inverse(q, c), abs=1e-10)
    assert b >= q
    # negative control: the lower root (p < q) also solves kl = c but is not an upper bound
    if q > 0 and q * np.log(q / 1e-300) > c:
        lower = brentq(lambda p: gen.kl_bernoulli(q, p) - c, 1e-300, q)
        assert lower != pytest.approx(b, abs=1e-6)


@pytest.mark.claim("thm-uc-pac-bayes")
def test_pac_bayes_bound_covers_a_data_dependent_posterior():
    r"""For ERM over 51 thresholds with a uniform prior and a point-mass posterior, the bound fails in at most a fraction $\delta$ of samples."""
    rng = np.random.default_rng(16)
    thetas = np.linspace(0, 1, 51)
    n, flip, delta, trials = 100, 0.2, 0.1, 2000
    risks = flip + (1 - 2 * flip) * np.abs(thetas - 0.5)
    failures = 0
    for _ in range(trials):
        x = rng.uniform(size=n)
        y = (x >= 0.5) ^ (rng.uniform(size=n) < flip)
        emp = np.mean((x[None, :] >= thetas[:, None]) != y[None, :], axis=1)
        j = int(np.argmin(emp))
        if risks[j] > gen.pac_bayes_bound(emp[j], np.log(len(thetas)), n, delta):
            failures += 1
    assert failures / trials <= delta


@pytest.mark.claim("lem-uc-sample-convergence")
@pytest.mark.parametrize("m, p", [(20, 0.1), (100, 0.05), (400, 0.3)])
def test_sample_convergence_bound_coverage_by_exact_binomial_sums(m, p):
    r"""For Bernoulli draws, $\Prob(\mathrm{kl}^{-1}(\hat p, \log(1/\delta)/m) < p) \le \delta$ exactly; a bound using $\log(1/\delta)/m^2$ fails."""
    delta = 0.05
    k = np.arange(m + 1)
    pmf = stats.binom.pmf(k, m, p)

    def failure(c_of_m):
        return float(np.sum(pmf[[gen.kl_inverse(kk / m, c_of_m) < p for kk in k]]))

    assert failure(np.log(1 / delta) / m) <= delta
    assert gen.sample_convergence_bound(0.2, m, delta) == pytest.approx(gen.kl_inverse(0.2, np.log(1 / delta) / m))
    # negative control: the wrong scaling log(1/delta)/m^2 undercovers
    assert failure(np.log(1 / delta) / m**2) > delta


def test_gaussian_kl_against_monte_carlo_and_closed_forms():
    """The diagonal Gaussian KL is 0 for Q = P, matches the 1-D formula, and a Monte Carlo log-ratio within 4 s.e."""
    mu = np.array([0.3, -1.0])
    assert gen.gaussian_kl(mu, 0.5, mu, 0.5) == pytest.approx(0.0, abs=1e-14)
    assert gen.gaussian_kl([1.0], 2.0, [0.0], 1.0) == pytest.approx(np.log(1 / 2) + (4 + 1) / 2 - 0.5)
    rng = np.random.default_rng(17)
    sq, sp, mp = np.array([0.4, 0.9]), np.array([1.2, 0.7]), np.array([0.0, 0.5])
    z = mu + sq * rng.standard_normal((200_000, 2))
    logratio = np.sum(stats.norm.logpdf(z, mu, sq) - stats.norm.logpdf(z, mp, sp), axis=1)
    assert abs(logratio.mean() - gen.gaussian_kl(mu, sq, mp, sp)) <= 4 * logratio.std() / np.sqrt(z.shape[0])


def test_kl_inverse_edges():
    """kl⁻¹(q, 0) = q, kl⁻¹(0, c) = 1 − e^{−c}, and a huge budget returns 1."""
    assert gen.kl_inverse(0.2, 0.0) == pytest.approx(0.2, abs=1e-11)
    assert gen.kl_inverse(0.0, 0.3) == pytest.approx(1 - np.exp(-0.3), abs=1e-11)
    assert gen.kl_inverse(0.2, 50.0) == 1.0


# --------------------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: gen.rademacher_linear(np.ones((3, 2)), -1.0, n_draws=10, generator=0), ValueError, "B"),
        (lambda: gen.rademacher_linear(np.ones(3), 1.0, n_draws=10, generator=0), ValueError, "X"),
        (lambda: gen.rademacher_linear(np.ones((3, 2)), 1.0, n_draws=1, generator=0), ValueError, "n_draws"),
        (lambda: gen.rademacher_linear(np.ones((3, 2)), 1.0, n_draws=10, generator="a"), TypeError, "generator"),
        (lambda: gen.rademacher_linear_bounds(np.ones((3, 2)), -0.5), ValueError, "B"),
        (lambda: gen.rademacher_linear_bounds([[1.0, "a"]], 1.0), TypeError, "X"),
        (lambda: gen.massart_bound(np.ones(4)), ValueError, "A"),
        (lambda: gen.rademacher_exact(np.ones((2, 21))), ValueError, "A"),
        (lambda: gen.cover_count(0, 2), ValueError, "N"),
        (lambda: gen.cover_count(5, -1), ValueError, "d"),
        (lambda: gen.cover_count(5.0, 2), TypeError, "N"),
        (lambda: gen.sauer_bound(5, -1), ValueError, "d"),
        (lambda: gen.count_separable_labellings(np.ones(5)), ValueError, "X"),
        (lambda: gen.count_separable_labellings(np.ones((17, 2))), ValueError, "X"),
        (lambda: gen.is_linearly_separable(np.ones((3, 2)), [1.0, 0.0, 1.0]), ValueError, "y"),
        (lambda: gen.spectral_complexity([]), TypeError, "weights"),
        (lambda: gen.spectral_complexity([np.ones((2, 3)), np.ones((2, 4))]), ValueError, "weights"),
        (lambda: gen.spectral_complexity([np.ones((2, 3))], [np.ones((3, 3))]), ValueError, "reference"),
        (lambda: gen.multiclass_margins(np.ones((2, 3)), [0, 3]), ValueError, "y"),
        (lambda: gen.pac_bayes_bound(1.5, 1.0, 10, 0.1), ValueError, "train_risk"),
        (lambda: gen.pac_bayes_bound(0.1, -1.0, 10, 0.1), ValueError, "kl"),
        (lambda: gen.pac_bayes_bound(0.1, 1.0, 0, 0.1), ValueError, "n"),
        (lambda: gen.pac_bayes_bound(0.1, 1.0, 10, 1.0), ValueError, "delta"),
        (lambda: gen.kl_inverse(0.1, -0.1), ValueError, "c"),
        (lambda: gen.sample_convergence_bound(0.1, 0, 0.1), ValueError, "m"),
        (lambda: gen.gaussian_kl([0.0], -1.0, [0.0], 1.0), ValueError, "sigma_q"),
        (lambda: gen.gaussian_kl([0.0], 1.0, [0.0, 1.0], 1.0), ValueError, "mu_p"),
        (lambda: gen.threshold_erm_errors(5, theta_star=1.5, n_trials=3, seed=0), ValueError, "theta_star"),
        (lambda: gen.all_functions_deviation(0, 5, n_trials=3, seed=0), ValueError, "m"),
        (lambda: gen.memorizer_errors(1, 5, 0.3, n_trials=3, seed=0), ValueError, "d"),
        (lambda: gen.maurer_xi(0), ValueError, "n"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    """Bad input raises ValueError/TypeError whose message names the offending argument."""
    with pytest.raises(exc, match=name):
        call()


def test_same_seed_same_numbers():
    """A fixed seed reproduces the Monte Carlo estimates exactly."""
    X = np.random.default_rng(0).standard_normal((5, 2))
    assert gen.rademacher_linear(X, 1.0, n_draws=50, generator=3) == gen.rademacher_linear(X, 1.0, n_draws=50,
                                                                                          generator=3)
