"""Tests of nnmath.generative: the statements of the chapter *Generative models*.

Every claim test compares with a reference that does not share the formula under test (closed forms
for Gaussians, ``scipy.stats``, ``scipy.integrate.quad``, ``torch.autograd`` and
``torch.autograd.functional.jacobian``, Monte Carlo with standard errors from independent replicates)
and keeps a negative control: a plausible wrong variant, named for the mistake, that the same check
must reject.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from nnmath import generative as gen

torch.set_num_threads(1)
F64 = torch.float64
GRID = np.linspace(-20.0, 20.0, 20001)
PAIRS = [((0.0, 1.0), (1.5, 0.7)), ((0.0, 1.0), (0.0, 1.0)), ((-1.0, 2.0), (3.0, 0.5)), ((0.0, 1.0), (6.0, 1.0))]


def _logit_closed_form(x, mp, sp, mq, sq):
    """log p - log q for two Gaussians, written out by hand."""
    return math.log(sq / sp) - (x - mp) ** 2 / (2 * sp**2) + (x - mq) ** 2 / (2 * sq**2)


def _js_quad(mp, sp, mq, sq):
    """JS(p||q) of two Gaussians by adaptive quadrature (scipy.integrate.quad), independent of the grid."""
    def f(u):
        a, b = stats.norm.logpdf(u, mp, sp), stats.norm.logpdf(u, mq, sq)
        m = np.logaddexp(a, b) - math.log(2)
        return 0.5 * math.exp(a) * (a - m) + 0.5 * math.exp(b) * (b - m)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return integrate.quad(f, -np.inf, np.inf, epsabs=1e-15, epsrel=1e-14, limit=500)[0]


# --------------------------------------------------------------------------- GAN
def _wrong_swapped_discriminator(log_p, log_q):
    """Mistake: D* = q/(p + q), the roles of data and generator exchanged."""
    return gen.optimal_discriminator(log_q, log_p)


def _dstar_error(fn, mp, sp, mq, sq):
    x = np.linspace(-6, 6, 1201)
    ref = 1.0 / (1.0 + np.exp(-_logit_closed_form(x, mp, sp, mq, sq)))
    return np.max(np.abs(fn(stats.norm.logpdf(x, mp, sp), stats.norm.logpdf(x, mq, sq)) - ref))


@pytest.mark.claim("prop-gen-optimal-discriminator")
def test_optimal_discriminator_matches_closed_form_and_maximizes_value():
    """$D^* = p/(p+q)$ equals the closed-form logistic of the Gaussian log-ratio to 1e-12, and every perturbation of $D^*$ lowers the value $V(D)$."""
    for (mp, sp), (mq, sq) in PAIRS:
        assert _dstar_error(gen.optimal_discriminator, mp, sp, mq, sq) < 1e-12
    (mp, sp), (mq, sq) = PAIRS[0]
    assert _dstar_error(_wrong_swapped_discriminator, mp, sp, mq, sq) > 0.1
    lp, lq = stats.norm.logpdf(GRID, mp, sp), stats.norm.logpdf(GRID, mq, sq)
    a_star = lp - lq
    v_star = gen.gan_value(a_star, lp, lq, GRID, logits=True)
    rng = np.random.default_rng(0)
    for _ in range(20):
        bump = rng.normal() * np.exp(-((GRID - rng.uniform(-3, 3)) ** 2))
        assert gen.gan_value(a_star + 0.3 * bump, lp, lq, GRID, logits=True) < v_star
    v_wrong = gen.gan_value(_wrong_swapped_discriminator(lp, lq), lp, lq, GRID)
    assert v_wrong < v_star - 0.1


def _wrong_value_with_js_once(js):
    """Mistake: V(D*) = JS - log 4 (the factor 2 dropped)."""
    return js - math.log(4)


@pytest.mark.claim("thm-gen-gan-js")
def test_value_at_optimal_discriminator_is_twice_js_minus_log4():
    r"""$V(D^*)$ by the trapezoidal rule in log space equals $2\,\mathrm{JS}(p\,\|\,q) - \log 4$, JS by `scipy.integrate.quad`, to 1e-12 for four Gaussian pairs; $\mathrm{JS} - \log 4$ is rejected."""
    for (mp, sp), (mq, sq) in PAIRS:
        lp, lq = stats.norm.logpdf(GRID, mp, sp), stats.norm.logpdf(GRID, mq, sq)
        v = gen.gan_value(lp - lq, lp, lq, GRID, logits=True)
        js = _js_quad(mp, sp, mq, sq)
        assert abs(v - (2 * js - math.log(4))) < 1e-12
        assert abs(gen.js_divergence(lp, lq, GRID) - js) < 1e-12
        if js > 1e-3:
            assert abs(v - _wrong_value_with_js_once(js)) > 1e-3
    # with probabilities (not logits) on a grid where D* does not round to 0 or 1, the same value
    x = np.linspace(-12, 12, 12001)
    lp, lq = stats.norm.logpdf(x, 0, 1), stats.norm.logpdf(x, 1, 1)
    v = gen.gan_value(gen.optimal_discriminator(lp, lq), lp, lq, x)
    assert abs(v - (2 * _js_quad(0, 1, 1, 1) - math.log(4))) < 1e-12


def _fit_logistic_quadratic(n, seed):
    """Logistic regression in (1, x, x^2) fitted by Newton's method to n samples of p (label 1) and of q (label 0)."""
    rng = np.random.default_rng(seed)
    xs = np.concatenate([rng.normal(0, 1, n), rng.normal(1.5, 0.7, n)])
    ys = np.concatenate([np.ones(n), np.zeros(n)])
    F = np.stack([np.ones_like(xs), xs, xs**2], 1)
    beta = np.zeros(3)
    for _ in range(50):
        pr = 1 / (1 + np.exp(-F @ beta))
        H = F.T @ (F * (pr * (1 - pr))[:, None])
        beta += np.linalg.solve(H, F.T @ (ys - pr))
    return lambda x: 1 / (1 + np.exp(-(beta[0] + beta[1] * x + beta[2] * x**2)))


@pytest.mark.claim("prop-gen-optimal-discriminator")
def test_discriminator_learned_from_samples_is_near_dstar():
    """A logistic discriminator with quadratic features fitted by cross-entropy to 5000 samples of each Gaussian is within 0.05 of $D^*$ on $[-2, 3]$ in each of 5 replicates; the swapped $D^* = q/(p+q)$ is not."""
    x = np.linspace(-2, 3, 501)
    dstar = gen.optimal_discriminator(stats.norm.logpdf(x, 0, 1), stats.norm.logpdf(x, 1.5, 0.7))
    wrong = _wrong_swapped_discriminator(stats.norm.logpdf(x, 0, 1), stats.norm.logpdf(x, 1.5, 0.7))
    for seed in range(5):
        d_hat = _fit_logistic_quadratic(5000, seed)(x)
        assert np.max(np.abs(d_hat - dstar)) < 0.05
        assert np.max(np.abs(d_hat - wrong)) > 0.5


def _wrong_alternating(x0, y0, lr, steps):
    """Mistake: alternating updates (y uses the new x), which do not spiral out."""
    out = [(x0, y0)]
    x, y = x0, y0
    for _ in range(steps):
        x = x - lr * y
        y = y + lr * x
        out.append((x, y))
    return np.array(out)


@pytest.mark.claim("prop-gen-gda-diverges")
def test_simultaneous_gda_norm_grows_by_sqrt_one_plus_lr_squared():
    r"""Simultaneous gradient descent-ascent on $xy$ multiplies the norm by $\sqrt{1 + \mathrm{lr}^2}$ at every step, to 1e-12 relative; alternating updates do not."""
    for lr in (0.01, 0.1, 0.5):
        it = gen.simultaneous_gda(1.0, 0.5, lr, 200)
        norms = np.linalg.norm(it, axis=1)
        pred = np.linalg.norm([1.0, 0.5]) * (1 + lr**2) ** (np.arange(201) / 2)
        assert np.max(np.abs(norms / pred - 1)) < 1e-12
        alt = np.linalg.norm(_wrong_alternating(1.0, 0.5, lr, 200), axis=1)
        assert np.max(np.abs(alt / pred - 1)) > 1e-3


# --------------------------------------------------------------------------- flows
def _slogdet_autograd(flow, x):
    return torch.stack([torch.linalg.slogdet(torch.autograd.functional.jacobian(
        lambda a: flow(a[None])[0][0], x[i]))[1] for i in range(x.shape[0])])


def _wrong_planar_logdet_without_hprime(flow, x):
    """Mistake: log|1 + w^T u| (the factor h'(w^T x + b) dropped)."""
    return torch.log(torch.abs(1 + flow.w @ flow.u_hat())).expand(x.shape[0])


def _wrong_coupling_logdet_sign(flow, x):
    """Mistake: log|det| = -sum s (the inverse's log-determinant)."""
    return -flow(x)[1]


@pytest.mark.claim("thm-gen-change-of-variables")
def test_affine_flow_log_prob_matches_scipy():
    r"""The affine flow's `log_prob` equals `scipy.stats.norm.logpdf` of the pushed-forward Gaussian, $\Normal(-b e^{-s}, e^{-2s})$ per coordinate, to 1e-10."""
    f = gen.AffineFlow(3, seed=4)
    with torch.no_grad():
        f.s.copy_(torch.tensor([0.5, -1.0, 2.0], dtype=F64))
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(1), dtype=F64)
    s, b = f.s.detach().numpy(), f.b.detach().numpy()
    ref = stats.norm.logpdf(x.numpy(), -b * np.exp(-s), np.exp(-s)).sum(1)
    assert np.max(np.abs(f.log_prob(x).detach().numpy() - ref)) < 1e-10
    wrong = f.log_prob(x).detach().numpy() - 2 * s.sum()  # log-det with the wrong sign
    assert np.max(np.abs(wrong - ref)) > 1.0
    assert torch.max(torch.abs(f.inverse(f(x)[0]) - x)) < 1e-12


@pytest.mark.claim("prop-gen-planar")
def test_planar_log_det_matches_autograd_jacobian():
    r"""The planar flow's $\log\abs{\det} = \log\abs{1 + h'(w^\top x + b)\,w^\top \hat u}$ equals $\log\abs{\det}$ of `torch.autograd.functional.jacobian` to 1e-10 (float64), and without the $h'$ factor it does not."""
    x = 2 * torch.randn(40, 3, generator=torch.Generator().manual_seed(2), dtype=F64)
    for seed in range(3):
        f = gen.PlanarFlow(3, seed=seed)
        ref = _slogdet_autograd(f, x)
        assert torch.max(torch.abs(f(x)[1] - ref)) < 1e-10
        assert torch.max(torch.abs(_wrong_planar_logdet_without_hprime(f, x) - ref)) > 1e-3
        assert torch.max(torch.abs(f.inverse(f(x)[0]) - x)) < 1e-10


@pytest.mark.claim("prop-gen-planar")
def test_planar_constraint_keeps_jacobian_positive_where_raw_u_fails():
    r"""With $u$ chosen so that $w^\top u = -5$, the constrained $\hat u$ has $w^\top\hat u > -1$ and $\det J > 0$ everywhere on a line, while the raw $u$ gives $\det J < 0$ somewhere (not invertible)."""
    f = gen.PlanarFlow(2, seed=0)
    with torch.no_grad():
        f.w.copy_(torch.tensor([1.0, 0.0], dtype=F64))
        f.u.copy_(torch.tensor([-5.0, 1.0], dtype=F64))
        f.b.zero_()
    assert (f.w @ f.u_hat()).item() > -1
    xs = torch.stack([torch.linspace(-3, 3, 601, dtype=F64), torch.zeros(601, dtype=F64)], 1)
    dets = torch.stack([torch.linalg.det(torch.autograd.functional.jacobian(lambda a: f(a[None])[0][0], xi))
                        for xi in xs])
    assert dets.min() > 0
    raw = 1 + (1 - torch.tanh(xs @ f.w) ** 2) * (f.w @ f.u)
    assert raw.min() < 0


@pytest.mark.claim("prop-gen-coupling")
def test_coupling_and_realnvp_log_det_match_autograd_jacobian():
    r"""`AffineCoupling` and `RealNVP` $\log\abs{\det} = \sum s$ equal $\log\abs{\det}$ of the autograd Jacobian to 1e-10 (float64) and $\mathrm{inverse}(\mathrm{forward}(x)) = x$ to 1e-10; the wrong-sign log-det is rejected."""
    x = torch.randn(30, 4, generator=torch.Generator().manual_seed(3), dtype=F64)
    for flow in (gen.AffineCoupling(4, 0, 16, seed=1), gen.AffineCoupling(4, 1, 16, seed=2), gen.RealNVP(4, 4, 16, seed=3)):
        with torch.no_grad():  # make the scales non-trivial
            for p in flow.parameters():
                p.add_(0.3 * torch.randn(p.shape, generator=torch.Generator().manual_seed(9), dtype=F64))
        ref = _slogdet_autograd(flow, x)
        assert torch.max(torch.abs(flow(x)[1] - ref)) < 1e-10
        assert torch.max(torch.abs(_wrong_coupling_logdet_sign(flow, x) - ref)) > 1e-3
        assert torch.max(torch.abs(flow.inverse(flow(x)[0]) - x)) < 1e-10


def _grid_integral(flow, lim=7.0, n=351, sign=1.0):
    u = torch.linspace(-lim, lim, n, dtype=F64)
    X, Y = torch.meshgrid(u, u, indexing="ij")
    pts = torch.stack([X.reshape(-1), Y.reshape(-1)], 1)
    with torch.no_grad():
        z, ld = flow(pts)
        dens = torch.exp(-0.5 * (z**2).sum(1) - math.log(2 * math.pi) + sign * ld).reshape(n, n)
    return torch.trapezoid(torch.trapezoid(dens, u, dim=1), u).item()


@pytest.mark.claim("thm-gen-change-of-variables")
def test_trained_2d_flow_density_integrates_to_one():
    """A RealNVP trained by maximum likelihood on a 2-D Gaussian mixture has a density whose grid integral on $[-7, 7]^2$ is 1 within 1e-3; with the log-det sign flipped it is not."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    centers = torch.tensor([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.0]], dtype=F64)
    flow = gen.RealNVP(2, 4, 16, seed=0)
    opt = torch.optim.Adam(flow.parameters(), lr=5e-3)
    for _ in range(150):
        xb = centers[torch.randint(0, 3, (256,), generator=g)] + 0.5 * torch.randn(256, 2, generator=g, dtype=F64)
        loss = -flow.log_prob(xb).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert abs(_grid_integral(flow) - 1) < 1e-3
    assert abs(_grid_integral(flow, sign=-1.0) - 1) > 0.02


# --------------------------------------------------------------------------- diffusion
MIX = dict(means=np.array([-2.0, 0.5, 3.0]), stds=np.array([0.5, 0.3, 0.8]), weights=np.array([0.3, 0.2, 0.5]))


def _torch_logpdf(x, t):
    """log p_t(x) for MIX written with torch.distributions, for autograd."""
    comps = torch.distributions.Normal(torch.tensor(MIX["means"]), torch.sqrt(torch.tensor(MIX["stds"]) ** 2 + t))
    return torch.logsumexp(comps.log_prob(x[:, None]) + torch.log(torch.tensor(MIX["weights"])), dim=1)


def _wrong_unnoised_score(x, t):
    """Mistake: the score of the clean mixture p_0 used at every noise level."""
    return gen.gaussian_mixture_score(x, **MIX, t=0.0)


@pytest.mark.claim("prop-gen-mixture-score")
def test_mixture_score_matches_autograd_of_log_density():
    r"""The closed-form score of the noised mixture equals `torch.autograd` of $\log p_t$ (`torch.distributions`) to 1e-12, for $t \in \{0, 0.1, 1, 4\}$; the un-noised score is rejected for $t > 0$."""
    x = np.linspace(-6, 7, 261)
    for t in (0.0, 0.1, 1.0, 4.0):
        xt = torch.tensor(x, requires_grad=True)
        ref = torch.autograd.grad(_torch_logpdf(xt, t).sum(), xt)[0].numpy()
        assert np.max(np.abs(gen.gaussian_mixture_score(x, **MIX, t=t) - ref)) < 1e-12
        assert np.max(np.abs(gen.gaussian_mixture_logpdf(x, **MIX, t=t)
                             - _torch_logpdf(torch.tensor(x), t).numpy())) < 1e-12
        if t > 0:
            assert np.max(np.abs(_wrong_unnoised_score(x, t) - ref)) > 0.1


def _posterior_mean_quad(x, t):
    """E[x_0 | x_t = x] by quadrature over x_0 of p_0(x_0) N(x; x_0, t)."""
    def p0(u):
        return float(np.exp(gen.gaussian_mixture_logpdf(np.array([u]), **MIX, t=0.0))[0])
    num = integrate.quad(lambda u: u * p0(u) * stats.norm.pdf(x, u, math.sqrt(t)), -15, 15, epsabs=1e-14, limit=400)[0]
    den = integrate.quad(lambda u: p0(u) * stats.norm.pdf(x, u, math.sqrt(t)), -15, 15, epsabs=1e-14, limit=400)[0]
    return num / den


@pytest.mark.claim("prop-gen-tweedie")
def test_tweedie_posterior_mean_matches_quadrature():
    r"""$x + t\,s_t(x)$ with the score $s_t$ equals $\E[x_0 \mid x_t = x]$ computed by quadrature to 1e-8 at 7 points and 2 noise levels; $x - t\,s_t(x)$ is rejected."""
    for t in (0.2, 1.5):
        for x in (-3.0, -1.0, 0.0, 0.7, 1.5, 2.5, 4.0):
            post = _posterior_mean_quad(x, t)
            s = gen.gaussian_mixture_score(np.array([x]), **MIX, t=t)[0]
            assert abs(x + t * s - post) < 1e-8
            if abs(s) > 0.05:
                assert abs(x - t * s - post) > 1e-3


class _ScoreNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(1, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64),
                                       torch.nn.Tanh(), torch.nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x[:, None])[:, 0]


@pytest.mark.claim("thm-gen-dsm")
def test_denoising_score_matching_learns_the_noised_score():
    """A network trained only on denoising targets $-(x_t - x_0)/t$ at $t = 0.5$ has $p_t$-weighted relative $L^2$ error below 0.15 against the exact noised score, while the clean-mixture score has error above 1."""
    t = 0.5
    torch.manual_seed(0)
    net = _ScoreNet()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 1500)
    x0 = torch.tensor(gen.sample_gaussian_mixture(20000, **MIX, seed=0), dtype=torch.float32)
    g = torch.Generator().manual_seed(1)
    for step in range(1500):
        idx = torch.randint(0, x0.shape[0], (256,), generator=g)
        eps = torch.randn(256, generator=g)
        xt = x0[idx] + math.sqrt(t) * eps
        loss = ((net(xt) + eps / math.sqrt(t)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    x = np.linspace(-6, 7, 1301)
    w = np.exp(gen.gaussian_mixture_logpdf(x, **MIX, t=t))
    exact = gen.gaussian_mixture_score(x, **MIX, t=t)
    with torch.no_grad():
        learned = net(torch.tensor(x, dtype=torch.float32)).numpy()

    def rel(s):
        return math.sqrt(np.sum(w * (s - exact) ** 2) / np.sum(w * exact**2))
    assert rel(learned) < 0.15
    assert rel(_wrong_unnoised_score(x, t)) > 1.0


@pytest.mark.claim("prop-gen-reverse")
def test_reverse_process_samples_match_mixture_moments():
    r"""Reverse-process samples with the exact score, started from $p_T$, have mean, variance and third central moment of $p_{t_{\min}}$ within 4 standard errors (10 independent replicates); the clean-mixture score misses the variance."""
    T, t_min = 9.0, 1e-3
    w, m, s = MIX["weights"], MIX["means"], MIX["stds"]
    mean = np.sum(w * m)
    var = np.sum(w * (s**2 + m**2)) - mean**2 + t_min
    third = np.sum(w * ((m - mean) ** 3 + 3 * (m - mean) * (s**2 + t_min)))

    def block_stats(score, n_blocks, seed):
        """One run of n_blocks * 1000 particles; the particles move independently, so blocks are independent replicates."""
        n = 1000 * n_blocks
        xT = gen.sample_gaussian_mixture(n, **MIX, seed=seed) + math.sqrt(T) * np.random.default_rng(seed + 1).standard_normal(n)
        xs = gen.reverse_diffusion(score, xT, T, t_min, 200, seed=seed + 2).reshape(n_blocks, -1)
        mu = xs.mean(1)
        return np.stack([mu, xs.var(1), np.mean((xs - mu[:, None]) ** 3, 1)], 1)

    exact = block_stats(lambda x, tt: gen.gaussian_mixture_score(x, **MIX, t=tt), 10, 0)
    est, se = exact.mean(0), exact.std(0, ddof=1) / math.sqrt(10)
    assert np.all(np.abs(est - [mean, var, third]) < 4 * se)
    wrong = block_stats(_wrong_unnoised_score, 10, 10)
    assert abs(wrong[:, 1].mean() - var) > 4 * (se[1] + wrong[:, 1].std(ddof=1) / math.sqrt(10))


# --------------------------------------------------------------------------- bad input
def test_bad_input_names_the_argument():
    """Bad arguments raise ValueError/TypeError whose message names the argument."""
    lp = np.zeros(5)
    with pytest.raises(ValueError, match="log_q"):
        gen.optimal_discriminator(lp, np.zeros(4))
    with pytest.raises(ValueError, match="D"):
        gen.gan_value(np.full(5, 1.5), lp, lp, np.arange(5.0))
    with pytest.raises(ValueError, match="grid"):
        gen.js_divergence(lp, lp, np.array([0.0, 1.0, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="weights"):
        gen.gaussian_mixture_score(np.zeros(2), [0.0, 1.0], [1.0, 1.0], [0.5, 0.6], 0.1)
    with pytest.raises(ValueError, match="stds"):
        gen.gaussian_mixture_score(np.zeros(2), [0.0, 1.0], [1.0, -1.0], [0.5, 0.5], 0.1)
    with pytest.raises(ValueError, match="t"):
        gen.gaussian_mixture_score(np.zeros(2), [0.0], [1.0], [1.0], -0.1)
    with pytest.raises(TypeError, match="x"):
        gen.RealNVP(2).log_prob(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="x"):
        gen.PlanarFlow(3)(torch.zeros(4, 2, dtype=F64))
    with pytest.raises(ValueError, match="dim"):
        gen.AffineCoupling(1)
    with pytest.raises(ValueError, match="t_min"):
        gen.reverse_diffusion(lambda x, t: x, np.zeros(3), 1.0, 2.0, 10, seed=0)
