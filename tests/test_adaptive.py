"""Tests of the chapter *Adaptive methods*: nnmath.online, nnmath.schedules, and the chapter's claims.

The optimizers themselves (step-by-step agreement with torch.optim) are tested in test_optim.py;
here they are used as the chapter uses them, and the statements of the chapter are asserted.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnmath import online, optim, problems, schedules

# ----------------------------------------------------------------------------- the online module


def test_linear_regret_matches_brute_force_over_vertices():
    """The closed-form regret of linear losses on a box equals a brute-force minimum over the box's vertices."""
    rng = np.random.default_rng(0)
    T, d = 30, 4
    G = rng.standard_normal((T, d))
    X = rng.uniform(-1, 1, size=(T + 1, d))
    lo, hi = np.array([-1.0, 0.0, -2.0, -0.5]), np.array([1.0, 2.0, 0.5, 0.5])
    R = online.linear_regret(G, X, lower=lo, upper=hi)
    vertices = np.array(list(itertools.product(*zip(lo, hi))))
    for t in [1, 7, T]:
        paid = np.sum(G[:t] * X[:t])
        best = min(np.sum(G[:t] @ v) for v in vertices)
        assert R[t - 1] == pytest.approx(paid - best, abs=1e-12)


def test_run_projected_is_projected_adagrad():
    """run_projected with optim.adagrad equals a direct implementation of projected diagonal Adagrad."""
    rng = np.random.default_rng(1)
    T, d, eta, delta = 50, 3, 0.7, 1e-3
    G = 3 * rng.standard_normal((T, d))
    X = online.run_projected(optim.adagrad(lr=eta, eps=delta), lambda t, x: G[t - 1], np.zeros(d), T,
                             lower=-1.0, upper=1.0)
    x, s2 = np.zeros(d), np.zeros(d)
    for t in range(T):
        s2 += G[t] ** 2
        x = np.clip(x - eta * G[t] / (np.sqrt(s2) + delta), -1.0, 1.0)
        assert np.allclose(X[t + 1], x, atol=1e-13)


def test_adagrad_regret_bound_formula():
    """adagrad_regret_bound computes (D^2/(2 eta) + eta) sum_i ||g_{1:T,i}|| + d delta D^2 / (2 eta)."""
    rng = np.random.default_rng(2)
    G = rng.standard_normal((20, 5))
    b = online.adagrad_regret_bound(G, diameter=3.0, lr=0.5, eps=0.1)
    T = 13
    direct = (9 / 1.0 + 0.5) * np.sum(np.sqrt(np.sum(G[:T] ** 2, axis=0))) + 5 * 0.1 * 9 / 1.0
    assert b[T - 1] == pytest.approx(direct, rel=1e-12)


def test_random_linear_problem_is_seeded_and_sparse():
    """random_linear_problem is reproducible from its seed and coordinate i is active with frequency i^-decay."""
    G1 = online.random_linear_problem(20000, 4, decay=1.0, seed=3)
    G2 = online.random_linear_problem(20000, 4, decay=1.0, seed=3)
    assert np.array_equal(G1, G2)
    freq = np.mean(G1 != 0, axis=0)
    assert np.allclose(freq, 1.0 / np.arange(1, 5), atol=0.02)
    assert np.all(np.abs(G1) <= 1.0)


def test_reddi_gradients_and_losses():
    """The Reddi-Kale-Kumar slopes are C at rounds 1, 4, 7, ... and -1 otherwise; losses are slope times x."""
    g = online.reddi_gradients(np.arange(1, 8), 3.0)
    assert np.array_equal(g, [3, -1, -1, 3, -1, -1, 3])
    assert np.allclose(online.reddi_losses(np.array([1.0, 0.5, -1.0]), 3.0), [3.0, -0.5, 1.0])


def test_online_argument_checks():
    """Bad arguments of nnmath.online raise errors that name the argument."""
    opt = optim.adagrad(lr=0.1)
    with pytest.raises(ValueError, match="x0"):
        online.run_projected(opt, lambda t, x: x, np.array([2.0]), 3)
    with pytest.raises(ValueError, match="lower"):
        online.run_projected(opt, lambda t, x: x, 0.0, 3, lower=1.0, upper=-1.0)
    with pytest.raises(TypeError, match="grad_fn"):
        online.run_projected(opt, None, 0.0, 3)
    with pytest.raises(ValueError, match="steps"):
        online.run_projected(opt, lambda t, x: x, 0.0, -1)
    with pytest.raises(ValueError, match="X must have shape"):
        online.linear_regret(np.ones((3, 2)), np.ones((5, 2)))
    with pytest.raises(ValueError, match="diameter"):
        online.adagrad_regret_bound(np.ones((3, 2)), diameter=0.0, lr=1.0)
    with pytest.raises(ValueError, match="lr"):
        online.adagrad_regret_bound(np.ones((3, 2)), diameter=1.0, lr=-1.0)
    with pytest.raises(ValueError, match="C"):
        online.reddi_gradients(1, 2.0)
    with pytest.raises(ValueError, match="t must be"):
        online.reddi_gradients(0, 3.0)
    with pytest.raises(ValueError, match="decay"):
        online.random_linear_problem(3, 2, decay=-1.0, seed=0)


# ----------------------------------------------------------------------------- Adagrad


@pytest.mark.claim("lem-am-sqrt-sum")
@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e3), min_size=1, max_size=60))
def test_sqrt_sum_lemma(a):
    """For non-negative a_t, the sum of a_t / sqrt(a_1 + ... + a_t) is at most 2 sqrt(a_1 + ... + a_T)."""
    a = np.array(a)
    A = np.cumsum(a)
    terms = np.divide(a, np.sqrt(A), out=np.zeros_like(a), where=A > 0)
    assert terms.sum() <= 2 * np.sqrt(A[-1]) * (1 + 1e-12) + 1e-300


@pytest.mark.claim("thm-am-adagrad-regret")
@pytest.mark.parametrize("decay", [0.0, 1.0, 2.0])
@pytest.mark.parametrize("eta, delta", [(np.sqrt(2.0), 1e-10), (0.1, 1e-10), (5.0, 0.5)])
def test_adagrad_regret_within_bound(decay, eta, delta):
    """Projected Adagrad's regret on random linear losses on [-1, 1]^d stays below its bound at every round."""
    T, d = 1500, 20
    G = online.random_linear_problem(T, d, decay=decay, seed=int(10 * decay + 7))
    X = online.run_projected(optim.adagrad(lr=eta, eps=delta), lambda t, x: G[t - 1], np.zeros(d), T,
                             lower=-1.0, upper=1.0)
    R = online.linear_regret(G, X, lower=-1.0, upper=1.0)
    bound = online.adagrad_regret_bound(G, diameter=2.0, lr=eta, eps=delta)
    assert np.all(R <= bound)


@pytest.mark.claim("thm-am-adagrad-regret")
def test_adagrad_regret_within_bound_adversarial_and_offcentre_box():
    """The bound also holds on a box that is not centred, and for gradients that follow the iterate."""
    T, d = 1000, 5
    lo, hi = np.array([0.0, -3.0, -1.0, 2.0, -0.5]), np.array([1.0, 1.0, 0.0, 2.5, 0.5])
    D = float(np.max(hi - lo))
    rng = np.random.default_rng(11)
    G = np.empty((T, d))

    def grad(t, x):                     # an adaptive adversary: push towards the far end of the box
        g = np.where(x > (lo + hi) / 2, 1.0, -1.0) * rng.uniform(0.5, 2.0, size=d)
        G[t - 1] = g
        return g

    X = online.run_projected(optim.adagrad(lr=D / np.sqrt(2), eps=1e-10), grad, (lo + hi) / 2, T, lower=lo, upper=hi)
    R = online.linear_regret(G, X, lower=lo, upper=hi)
    assert np.all(R <= online.adagrad_regret_bound(G, diameter=D, lr=D / np.sqrt(2), eps=1e-10))


@pytest.mark.claim("prop-am-online-to-batch")
def test_online_to_batch():
    """With i.i.d. quadratic losses, the mean excess risk of Adagrad's averaged iterate is at most the mean regret over T."""
    rng = np.random.default_rng(5)
    T, runs, mu = 200, 300, 0.3
    excess, regret = [], []
    for _ in range(runs):
        z = mu + rng.standard_normal(T)
        X = online.run_projected(optim.adagrad(lr=1.0), lambda t, x: x - z[t - 1], 0.0, T)[:T, 0]
        best = np.clip(z.mean(), -1, 1)
        regret.append(0.5 * np.sum((X - z) ** 2) - 0.5 * np.sum((best - z) ** 2))
        excess.append(0.5 * (X.mean() - mu) ** 2)          # F(x) - F(x*) = (x - mu)^2 / 2
    assert np.mean(excess) <= np.mean(regret) / T


# ----------------------------------------------------------------------------- Adam


@pytest.mark.claim("prop-am-bias-correction")
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9), (0.0, 0.3), (0.99, 0.9999)])
def test_bias_correction_constant_gradient(betas):
    """For a constant gradient, bias-corrected Adam's moments equal g and g^2 exactly and every step is -lr sign(g)."""
    g = np.array([3.0, -1e-3, 250.0, -7.5])
    opt = optim.adam(lr=0.01, betas=betas, eps=0.0)
    x = np.zeros(4)
    state = opt.init(x)
    for t in range(1, 60):
        updates, state = opt.update(g, state, x)
        x = x + updates
        assert np.allclose(state.exp_avg / (1 - betas[0] ** t), g, rtol=1e-12)
        assert np.allclose(state.exp_avg_sq / (1 - betas[1] ** t), g**2, rtol=1e-12)
        assert np.allclose(updates, -0.01 * np.sign(g), rtol=1e-10, atol=0)


@pytest.mark.claim("prop-am-bias-correction")
def test_bias_correction_expectation_monte_carlo():
    """For stationary random gradients, the mean of m_t is (1 - beta1^t) E g and of v_t is (1 - beta2^t) E g^2."""
    rng = np.random.default_rng(6)
    n, mu, sd, b1, b2 = 40000, 1.0, 2.0, 0.9, 0.999
    opt = optim.adam(lr=1e-3, betas=(b1, b2))
    x = np.zeros(n)
    state = opt.init(x)
    for t in range(1, 41):
        updates, state = opt.update(mu + sd * rng.standard_normal(n), state, x)
        x = x + updates
        # m_t is an average of gradients: its standard deviation is at most sd
        assert abs(state.exp_avg.mean() - (1 - b1**t) * mu) < 5 * sd / np.sqrt(n)
        assert state.exp_avg_sq.mean() / ((1 - b2**t) * (mu**2 + sd**2)) == pytest.approx(1.0, abs=0.05)


@pytest.mark.claim("prop-am-scale-invariance")
@pytest.mark.parametrize("make", [
    lambda: optim.adam(lr=0.1, eps=0.0),
    lambda: optim.amsgrad(lr=0.1, betas=(0.5, 0.9), eps=0.0),
    lambda: optim.rmsprop(lr=0.1, alpha=0.9, eps=0.0),
    lambda: optim.adagrad(lr=0.1, eps=0.0),
])
def test_scale_invariance(make):
    """With eps = 0, rescaling every gradient coordinatewise by positive constants leaves the updates unchanged."""
    rng = np.random.default_rng(7)
    c = np.array([1e-3, 1.0, 50.0])
    opt1, opt2 = make(), make()
    x = np.zeros(3)
    s1, s2 = opt1.init(x), opt2.init(x)
    for _ in range(50):
        g = rng.standard_normal(3)
        u1, s1 = opt1.update(g, s1, x)
        u2, s2 = opt2.update(c * g, s2, x)
        assert np.allclose(u1, u2, rtol=1e-10, atol=1e-14)
        x = x + u1


# ----------------------------------------------------------------------------- Reddi-Kale-Kumar


def _reddi_run(opt, C, T):
    return online.run_projected(opt, lambda t, x: online.reddi_gradients(t, C), 1.0, T)[:, 0]


@pytest.mark.claim("thm-am-reddi")
@pytest.mark.parametrize("C", [2.05, 3.0, 10.0])
@pytest.mark.parametrize("frac", [0.3, 0.99])
@pytest.mark.parametrize("form", ["paper", "torch"])
def test_reddi_adam_converges_to_worst_point(C, frac, form):
    """With beta1 = 0, beta2 = 1/(1 + C^2), eta_t = alpha/sqrt(t), alpha < sqrt(1 - beta2), Adam has x_{3k+1} = 1, x_t > 0, x_t -> +1 and linear regret."""
    beta2 = 1.0 / (1.0 + C**2)
    alpha = frac * np.sqrt(1.0 - beta2)
    lr = lambda k: alpha / np.sqrt(k + 1)  # noqa: E731
    opt = (optim.rmsprop(lr=lr, alpha=beta2, eps=0.0) if form == "paper"       # the theorem's Adam with beta1 = 0
           else optim.adam(lr=lr, betas=(0.0, beta2), eps=0.0))                  # torch's, bias-corrected
    T = 900
    xs = _reddi_run(opt, C, T)
    assert np.all(xs[::3] == 1.0)
    assert np.all(xs > 0)
    k = np.arange(T // 3)
    assert np.all(xs[3 * k + 1] >= 1 - alpha / np.sqrt((1 - beta2) * (3 * k + 1)) - 1e-12)
    assert xs[-2] > 0.95
    slopes = online.reddi_gradients(np.arange(1, T + 1), C)
    R = np.cumsum(online.reddi_losses(xs[:T], C)) + np.abs(np.cumsum(slopes))
    assert np.all(R >= 2 * (C - 2) * (np.arange(1, T + 1) // 3) - 1e-9)


@pytest.mark.claim("prop-am-amsgrad-reddi")
@pytest.mark.parametrize("C, x1", [(3.0, 1.0), (3.0, 0.2), (5.0, 1.0), (10.0, -0.7)])
def test_reddi_amsgrad_converges_to_optimum(C, x1):
    """On the same problem and hyper-parameters, AMSGrad's iterates converge to the optimum -1."""
    beta2 = 1.0 / (1.0 + C**2)
    alpha = 0.5 * np.sqrt(1.0 - beta2)
    opt = optim.amsgrad(lr=lambda k: alpha / np.sqrt(k + 1), betas=(0.0, beta2), eps=0.0)
    xs = online.run_projected(opt, lambda t, x: online.reddi_gradients(t, C), x1, 3000)[:, 0]
    assert np.all(np.abs(xs[-300:] + 1.0) < 0.02)
    assert np.all(xs[-300::3] == -1.0) or np.all(np.abs(xs[-300::3] + 1) < 0.02)


# ----------------------------------------------------------------------------- weight decay


@pytest.mark.claim("prop-am-adamw-sgd")
def test_sgd_l2_equals_decoupled_decay():
    """For SGD, the L2-regularized gradient and decoupled weight decay give the same iterates (to 1e-12)."""
    rng = np.random.default_rng(8)
    lam, x0 = 0.3, rng.standard_normal(6)
    lrs = 0.05 + 0.05 * rng.random(80)
    noise = rng.standard_normal((80, 6))
    grad = lambda x, k: np.tanh(x) + noise[k]  # noqa: E731
    opt = optim.sgd(lr=lambda k: lrs[k], weight_decay=lam)
    state, x, y = opt.init(x0), x0.copy(), x0.copy()
    for k in range(80):
        u, state = opt.update(grad(x, k), state, x)
        x = x + u
        y = y - lrs[k] * lam * y - lrs[k] * grad(y, k)            # decoupled decay
        assert np.allclose(x, y, rtol=0, atol=1e-12)


@pytest.mark.claim("prop-am-adamw-sgd")
def test_adam_l2_differs_from_adamw():
    """For Adam, L2 regularization and decoupled decay differ, L2-Adam on f = 0 ignores lambda, AdamW decays geometrically."""
    zero = lambda x: np.zeros_like(x)  # noqa: E731
    paths = [optim.run(optim.adam(lr=0.01, eps=0.0, weight_decay=lam), zero, np.ones(2), 200) for lam in (1e-3, 1.0, 30.0)]
    for p in paths[1:]:
        assert np.allclose(p, paths[0], rtol=0, atol=1e-12)
    for lam in (1e-3, 1.0, 30.0):
        w = optim.run(optim.adamw(lr=0.01, weight_decay=lam), zero, np.ones(2), 200)
        assert np.allclose(w[:, 0], (1 - 0.01 * lam) ** np.arange(201), rtol=1e-12)
    # with a non-zero loss the two regularizations give different iterates
    grad = lambda x: x - np.array([1.0, -2.0])  # noqa: E731
    a = optim.run(optim.adam(lr=0.05, weight_decay=0.5), grad, np.zeros(2), 100)
    b = optim.run(optim.adamw(lr=0.05, weight_decay=0.5), grad, np.zeros(2), 100)
    assert np.abs(a - b).max() > 1e-2


# ----------------------------------------------------------------------------- schedules


@pytest.mark.claim("prop-am-cosine")
@settings(max_examples=80, deadline=None)
@given(T=st.integers(2, 400), wfrac=st.floats(0.0, 0.9), lr_max=st.floats(1e-4, 10.0), mfrac=st.floats(0.0, 1.0))
def test_warmup_cosine_properties(T, wfrac, lr_max, mfrac):
    """The cosine decay starts at lr_max, ends at lr_min, is non-increasing, has mean (lr_max + lr_min)/2; warm-up rises to lr_max."""
    W = min(int(wfrac * T), T - 2)
    lr_min = mfrac * lr_max
    lrs = schedules.warmup_cosine(T, lr_max=lr_max, warmup_steps=W, lr_min=lr_min)
    assert lrs.shape == (T,)
    decay = lrs[W:]
    assert decay[0] == pytest.approx(lr_max, rel=1e-12)
    assert decay[-1] == pytest.approx(lr_min, rel=1e-12, abs=1e-15)
    assert np.all(np.diff(decay) <= 1e-12 * lr_max)
    assert decay.mean() == pytest.approx((lr_max + lr_min) / 2, rel=1e-12)
    if W > 0:
        assert np.all(np.diff(lrs[:W]) > 0)
        assert lrs[W - 1] == pytest.approx(lr_max, rel=1e-12)
        assert lrs[0] == pytest.approx(lr_max / W, rel=1e-12)


def test_cosine_restarts():
    """SGDR restarts at lr_max at the start of cycles of lengths T0, T0 m, T0 m^2, ... and decays inside each."""
    lrs = schedules.cosine_restarts(70, lr_max=2.0, period=10, period_mult=2, lr_min=0.5)
    starts = [0, 10, 30]
    assert np.allclose(lrs[starts], 2.0)
    for a, b in [(0, 10), (10, 30), (30, 70)]:
        assert np.all(np.diff(lrs[a:b]) < 0)
        assert np.all(lrs[a:b] > 0.5)
    assert np.allclose(schedules.cosine_restarts(5, lr_max=1.0, period=5), schedules.warmup_cosine(6, lr_max=1.0)[:5])


def test_schedule_argument_checks():
    """Bad schedule arguments raise errors naming the argument."""
    with pytest.raises(ValueError, match="warmup_steps"):
        schedules.warmup_cosine(10, lr_max=1.0, warmup_steps=10)
    with pytest.raises(ValueError, match="lr_min"):
        schedules.warmup_cosine(10, lr_max=1.0, lr_min=2.0)
    with pytest.raises(ValueError, match="lr_max"):
        schedules.warmup_cosine(10, lr_max=0.0)
    with pytest.raises(ValueError, match="total_steps"):
        schedules.warmup_cosine(0, lr_max=1.0)
    with pytest.raises(ValueError, match="period"):
        schedules.cosine_restarts(10, lr_max=1.0, period=0)
    with pytest.raises(TypeError, match="period_mult"):
        schedules.cosine_restarts(10, lr_max=1.0, period=2, period_mult=1.5)


@pytest.mark.claim("prop-am-noise-floor")
def test_sgd_noise_floor_on_quadratic():
    """SGD with a constant step on a noisy quadratic settles at E f = sum_i eta sigma^2 / (2 (2 - eta lambda_i))."""
    lam = np.array([0.2, 0.5, 1.0, 3.0])
    quad = problems.Quadratic(np.diag(lam), np.zeros(4))
    eta, sigma = 0.3, 0.7
    xs = optim.run(optim.sgd(lr=eta), problems.noisy_gradient(quad.grad, sigma, seed=9), np.zeros((4000, 4)), 150)
    measured = quad.value(xs[100:]).mean()
    predicted = np.sum(eta * sigma**2 / (2 * (2 - eta * lam)))
    assert measured == pytest.approx(predicted, rel=0.03)
