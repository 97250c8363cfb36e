"""Tests of nnmath.robustness: the statements of the chapter *Robustness and explanations*.

Every claim test compares with a reference that does not share the code's formula (a linear
program or SLSQP for the minimal perturbations, torch.autograd Jacobians for the Lipschitz bound,
trust-constr with an equality constraint for the counterfactuals), tests bounds on instances where they are
attained, and runs a plausible wrong variant (named ``_wrong_...``) that the same check rejects.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import NonlinearConstraint, linprog, minimize
from torch import nn

from nnmath import data
from nnmath import robustness as rb

torch.set_num_threads(1)

# --------------------------------------------------------------------------- references


def _lp_linf_radius(W, b, x, y):
    """Smallest ||delta||_inf with some class j scoring >= y at x + delta: one LP per class (HiGHS)."""
    d = len(x)
    best = np.inf
    for j in range(W.shape[0]):
        if j == y:
            continue
        a, c = W[y] - W[j], b[y] - b[j]
        A_ub = np.vstack([np.r_[a, 0.0], np.c_[np.eye(d), -np.ones(d)], np.c_[-np.eye(d), -np.ones(d)]])
        b_ub = np.r_[-(a @ x + c), np.zeros(2 * d)]
        res = linprog(np.r_[np.zeros(d), 1.0], A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * d + [(0, None)],
                      method="highs")
        assert res.status == 0
        best = min(best, res.fun)
    return best


def _slsqp_l2_radius(W, b, x, y):
    """Smallest ||delta||_2 with some class j scoring >= y at x + delta: SLSQP per class."""
    best = np.inf
    for j in range(W.shape[0]):
        if j == y:
            continue
        a, c = W[y] - W[j], b[y] - b[j]
        res = minimize(lambda v: v @ v, np.zeros(len(x)), jac=lambda v: 2 * v, method="SLSQP",
                       constraints=[{"type": "ineq", "fun": lambda v: -(a @ (x + v) + c), "jac": lambda v: -a}],
                       options={"ftol": 1e-15, "maxiter": 500})
        best = min(best, math.sqrt(res.fun))
    return best


def _linear_problem(seed, K=4, d=6, n=8):
    rng = np.random.default_rng(seed)
    W, b = rng.standard_normal((K, d)), rng.standard_normal(K)
    X = rng.standard_normal((n, d))
    return W, b, X, np.argmax(X @ W.T + b, axis=1)


def _flips(W, b, X, y):
    return np.argmax(X @ W.T + b, axis=1) != y


# --------------------------------------------------------------------------- wrong variants


def _wrong_l2_formula_for_linf(W, b, x, y, norm=2):
    """Wrong: uses the l2 radius m / ||a||_2 (and the sign direction) for the l_inf problem."""
    r2 = rb.linear_min_perturbation(W, b, x, y, norm=2)
    a = W[np.atleast_1d(y)] - W[r2.target]
    return rb.MinPerturbation(r2.radius, -r2.radius[:, None] * np.sign(a), r2.target)


def _wrong_runner_up_class(W, b, x, y, norm=2):
    """Wrong: only the class with the second-largest score is considered, not the nearest boundary."""
    X = np.atleast_2d(x)
    y = np.atleast_1d(y)
    scores = X @ W.T + b
    scores[np.arange(len(y)), y] = -np.inf
    j = np.argmax(scores, axis=1)
    a = W[y] - W[j]
    m = np.einsum("nd,nd->n", a, X) + b[y] - b[j]
    dual = np.linalg.norm(a, axis=1) if norm == 2 else np.abs(a).sum(axis=1)
    r = m / dual
    direction = a / np.linalg.norm(a, axis=1, keepdims=True) if norm == 2 else np.sign(a)
    return rb.MinPerturbation(r, -r[:, None] * direction, j)


def _wrong_fgsm_scaled_gradient(model, x, y, eps):
    """Wrong: the gradient rescaled to l_inf norm eps instead of its sign."""
    x0 = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(nn.functional.cross_entropy(model(x0), y, reduction="sum"), x0)
    return (x + eps[:, None] * g / g.abs().amax(dim=1, keepdim=True)).detach()


def _wrong_pgd_no_projection(model, x, y, eps, steps, step_size):
    """Wrong: sign-gradient ascent that never projects back onto the ball."""
    z = x.detach().clone()
    for _ in range(steps):
        z.requires_grad_(True)
        (g,) = torch.autograd.grad(nn.functional.cross_entropy(model(z), y, reduction="sum"), z)
        z = (z + step_size * g.sign()).detach()
    return z


def _wrong_pgd_descent(model, x, y, eps, steps, step_size):
    """Wrong: a sign error, projected gradient *descent* on the loss (an attack that helps the model)."""
    z = x.detach().clone()
    for _ in range(steps):
        z.requires_grad_(True)
        (g,) = torch.autograd.grad(nn.functional.cross_entropy(model(z), y, reduction="sum"), z)
        z = torch.clamp(z - step_size * g.sign() - x, -eps, eps).add(x).detach()
    return z


def _wrong_lipschitz_without_last_layer(model):
    """Wrong: the product stops one layer early (forgets the output layer)."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return float(np.prod([torch.linalg.matrix_norm(m.weight.detach(), ord=2).item() for m in layers[:-1]]))


def _wrong_lipschitz_frobenius(model):
    """Wrong: Frobenius norms instead of spectral norms (a valid but loose bound)."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return float(np.prod([torch.linalg.matrix_norm(m.weight.detach()).item() for m in layers]))


def _wrong_radius_without_sqrt2(model, x):
    """Wrong: margin / Lipschitz bound, forgetting that a difference of two logits is sqrt(2) L-Lipschitz."""
    return rb.certified_radius(model, x) * math.sqrt(2.0)


def _wrong_radius_without_last_layer(model, x):
    """Wrong: margin / (sqrt 2 * bound without the output layer)."""
    return rb.certified_radius(model, x) * rb.lipschitz_upper_bound(model) / _wrong_lipschitz_without_last_layer(model)


def _wrong_counterfactual_ignores_bias(w, b, x, target_prob):
    """Wrong: projects onto w^T x' = logit(p), forgetting the bias."""
    return rb.counterfactual_linear(w, 0.0, x, target_prob)


# --------------------------------------------------------------------------- minimal perturbation of linear classifiers


def _linear_threshold_check(mp_fn, W, b, X, y, norm):
    """The check of the theorem: (1 + 1e-6) delta flips, (1 - 1e-6) r* is below the LP/SLSQP radius."""
    mp = mp_fn(W, b, X, y, norm=norm)
    up = _flips(W, b, X + (1 + 1e-6) * mp.delta, y)
    down = _flips(W, b, X + (1 - 1e-6) * mp.delta, y)
    norms = np.linalg.norm(mp.delta, axis=1) if norm == 2 else np.abs(mp.delta).max(axis=1)
    ref = np.array([(_slsqp_l2_radius if norm == 2 else _lp_linf_radius)(W, b, X[i], y[i]) for i in range(len(y))])
    return (up.all() and not down.any() and np.allclose(norms, mp.radius, rtol=1e-12)
            and np.allclose(mp.radius, ref, rtol=1e-6, atol=1e-9))


@pytest.mark.claim("thm-rb-linear-perturbation")
@pytest.mark.parametrize("norm", [2, "inf"])
def test_linear_min_perturbation_flips_exactly_at_the_radius(norm):
    r"""For random 4-class linear classifiers, $x + (1 + 10^{-6})\,\delta^*$ changes the decision, $x + (1 - 10^{-6})\,\delta^*$ does not, and $r^*$ equals the smallest flipping norm found by a linear program ($\ell_\infty$) or SLSQP ($\ell_2$)."""
    for seed in range(3):
        W, b, X, y = _linear_problem(seed)
        assert _linear_threshold_check(rb.linear_min_perturbation, W, b, X, y, norm)


@pytest.mark.claim("thm-rb-linear-perturbation")
def test_linear_threshold_check_rejects_wrong_variants():
    r"""The $\ell_2$ formula used for $\ell_\infty$, and a radius computed for the runner-up class only, both fail the flip-threshold check."""
    W, b, X, y = _linear_problem(0)
    assert not _linear_threshold_check(_wrong_l2_formula_for_linf, W, b, X, y, "inf")
    rejected = [not _linear_threshold_check(_wrong_runner_up_class, *_linear_problem(s), 2) for s in range(3)]
    assert any(rejected)


def _halfspace_check(radius_fn):
    """For random (a, m): the radius is the LP (l_inf) / SLSQP (l2) minimum of ||delta|| over a^T delta <= -m."""
    rng = np.random.default_rng(8)
    for _ in range(5):
        a, m = rng.standard_normal(5), float(rng.uniform(0.5, 2.0))
        W, b = np.stack([a, np.zeros(5)]), np.array([m, 0.0])          # class 0 vs 1 with margin m at x = 0
        for norm, ref in ((2, _slsqp_l2_radius), ("inf", _lp_linf_radius)):
            if abs(radius_fn(a, m, norm) - ref(W, b, np.zeros(5), 0)) > 1e-6 * m:
                return False
    return True


@pytest.mark.claim("lem-rb-halfspace")
def test_distance_to_a_halfspace_is_m_over_dual_norm():
    r"""$\min\norm{\delta}_p$ over $a^\top\delta \le -m$ equals $m/\norm{a}_q$ ($q = 2$ for $p = 2$, $q = 1$ for $p = \infty$) against LP and SLSQP, and the stated minimizer attains it; $m/\norm{a}_2$ for $p = \infty$ fails."""
    def via_module(a, m, norm):
        mp = rb.linear_min_perturbation(np.stack([a, np.zeros(5)]), np.array([m, 0.0]), np.zeros(5), 0, norm=norm)
        d = mp.delta[0]
        assert a @ d == pytest.approx(-m, rel=1e-12)
        assert (np.linalg.norm(d) if norm == 2 else np.abs(d).max()) == pytest.approx(mp.radius[0], rel=1e-12)
        return mp.radius[0]

    assert _halfspace_check(via_module)
    assert not _halfspace_check(lambda a, m, norm: m / np.linalg.norm(a))


@pytest.mark.claim("def-rb-fgsm")
def test_fgsm_step_is_the_sign_of_a_finite_difference_gradient():
    r"""FGSM moves each coordinate by $\epsilon$ times the sign of the central finite-difference gradient of the cross-entropy; ascent on the wrong sign fails."""
    gen = torch.Generator().manual_seed(9)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)).double()
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen, dtype=torch.float64))
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen, dtype=torch.float64))
    X = torch.randn(10, 4, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (10,), generator=gen)
    h = 1e-6

    def loss(z, i):
        return nn.functional.cross_entropy(model(z[None]), y[i:i + 1]).item()

    fd = torch.zeros_like(X)
    for i in range(len(X)):
        for k in range(4):
            e = torch.zeros(4, dtype=torch.float64)
            e[k] = h
            fd[i, k] = (loss(X[i] + e, i) - loss(X[i] - e, i)) / (2 * h)
    clear = fd.abs() > 1e-5

    def check(attack):
        step = (attack(model, X, y, 0.1) - X) / 0.1
        return bool(torch.all((step[clear] - fd.sign()[clear]).abs() < 1e-9))

    assert check(rb.fgsm)
    assert not check(lambda m, x, yy, eps: 2 * x - rb.fgsm(m, x, yy, eps))


def test_linear_min_perturbation_single_input_and_misclassified():
    """A single input gives arrays of length one; a misclassified input gets r* <= 0 and a delta onto the boundary."""
    W, b, X, y = _linear_problem(1)
    one = rb.linear_min_perturbation(W, b, X[0], int(y[0]))
    assert one.radius.shape == (1,) and one.delta.shape == (1, 6)
    wrong = (y[0] + 1) % 4
    mp = rb.linear_min_perturbation(W, b, X[0], wrong)
    assert mp.radius[0] <= 0
    s = (X[0] + mp.delta[0]) @ W.T + b
    assert s[wrong] == pytest.approx(s[mp.target[0]], abs=1e-12)


@pytest.mark.claim("cor-rb-fgsm-linear")
def test_fgsm_is_optimal_for_a_binary_linear_classifier():
    r"""For a two-class linear classifier, FGSM with $\epsilon = (1 + 10^{-6})\,r^*_\infty$ flips every input and with $(1 - 10^{-6})\,r^*_\infty$ none; an FGSM that scales the gradient instead of taking its sign does not flip at $(1 + 10^{-6})\,r^*_\infty$."""
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((2, 8)), rng.standard_normal(2)
    X = rng.standard_normal((20, 8))
    y = np.argmax(X @ W.T + b, axis=1)
    r = rb.linear_min_perturbation(W, b, X, y, norm="inf").radius
    lin = nn.Linear(8, 2).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(W))
        lin.bias.copy_(torch.tensor(b))
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def flips(attack, c):
        adv = attack(lin, Xt, yt, torch.tensor(c * r)).numpy()
        return _flips(W, b, adv, y)

    assert flips(rb.fgsm, 1 + 1e-6).all() and not flips(rb.fgsm, 1 - 1e-6).any()
    assert not flips(_wrong_fgsm_scaled_gradient, 1 + 1e-6).all()


# --------------------------------------------------------------------------- a trained digits network


@pytest.fixture(scope="module")
def digits_net():
    """A 64-32-10 ReLU MLP trained for 10 epochs of Adam on the digits (a few seconds)."""
    split = data.digits(seed=0)
    Xtr, ytr = torch.tensor(split.X_train), torch.tensor(split.y_train)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    for _ in range(10):
        perm = torch.randperm(len(Xtr), generator=g)
        for i in range(0, len(Xtr), 128):
            idx = perm[i:i + 128]
            loss = nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, torch.tensor(split.X_test), torch.tensor(split.y_test)


def _accuracy(model, X, y):
    with torch.no_grad():
        return (model(X).argmax(1) == y).double().mean().item()


EPS_GRID = (0.02, 0.05, 0.1, 0.15, 0.2)


def _pgd_check(model, X, y, pgd_fn):
    """PGD's points lie in the eps-ball and its accuracy is <= FGSM accuracy + 0.02 at every eps."""
    for eps in EPS_GRID:
        adv = pgd_fn(model, X, y, eps, 20, eps / 4)
        if (adv - X).abs().max() > eps * (1 + 1e-9):
            return False
        if _accuracy(model, adv, y) > _accuracy(model, rb.fgsm(model, X, y, eps), y) + 0.02:
            return False
    return True


@pytest.mark.claim("example-rb-pgd-digits")
def test_pgd_is_never_weaker_than_fgsm_on_digits(digits_net):
    r"""On the digits MLP, PGD (20 steps of $\epsilon/4$ from $x$, and from a random start) stays in the $\ell_\infty$ ball and its accuracy is at most FGSM's $+\,0.02$ at every $\epsilon$ of the grid; PGD without projection and projected descent fail the same check."""
    model, X, y = digits_net
    assert _pgd_check(model, X, y, rb.pgd)
    assert _pgd_check(model, X, y, lambda *a: rb.pgd(*a, random_start=True, generator=1))
    assert not _pgd_check(model, X, y, _wrong_pgd_no_projection)
    assert not _pgd_check(model, X, y, _wrong_pgd_descent)


@pytest.mark.claim("alg-rb-pgd")
def test_pgd_l2_stays_in_ball_and_one_linf_step_is_fgsm(digits_net):
    r"""$\ell_2$ PGD iterates stay in the ball (per-example radii); one $\ell_\infty$ step of size $\epsilon$ from $x$ equals FGSM where the loss increases."""
    model, X, y = digits_net
    eps = torch.linspace(0.1, 1.0, len(X), dtype=X.dtype)
    adv = rb.pgd(model, X, y, eps, 10, eps / 3, norm=2, random_start=True, generator=torch.Generator().manual_seed(2))
    assert torch.all((adv - X).norm(dim=1) <= eps * (1 + 1e-9))
    one = rb.pgd(model, X, y, 0.05, 1, 0.05)
    f = rb.fgsm(model, X, y, 0.05)
    moved = (one != X).any(dim=1)
    assert moved.float().mean() > 0.9
    assert torch.equal(one[moved], f[moved])


# --------------------------------------------------------------------------- Lipschitz bound and certified radius


def _aligned_diagonal_mlp(scales):
    """A ReLU MLP with positive diagonal weights, zero biases: on the positive orthant it is the product of diagonals."""
    layers = []
    for i, s in enumerate(scales):
        lin = nn.Linear(len(s), len(s)).double()
        with torch.no_grad():
            lin.weight.copy_(torch.diag(torch.tensor(s, dtype=torch.float64)))
            lin.bias.zero_()
        layers += [lin, nn.ReLU()] if i < len(scales) - 1 else [lin]
    return nn.Sequential(*layers)


def _jacobian_norm(model, x):
    J = torch.autograd.functional.jacobian(model, x)
    return torch.linalg.matrix_norm(J, ord=2).item()


def _lipschitz_check(bound_fn):
    """The bound holds at 50 points of three random MLPs and is attained (ratio >= 1 - 1e-9) on an aligned MLP."""
    gen = torch.Generator().manual_seed(0)
    for depth in (1, 2, 3):
        sizes = [5] + [7] * depth + [3]
        mods = []
        for i, (a, c) in enumerate(zip(sizes[:-1], sizes[1:])):
            lin = nn.Linear(a, c).double()
            with torch.no_grad():
                lin.weight.copy_(torch.randn(c, a, generator=gen, dtype=torch.float64))
                lin.bias.copy_(torch.randn(c, generator=gen, dtype=torch.float64))
            mods += [lin, nn.ReLU()] if i < len(sizes) - 2 else [lin]
        model = nn.Sequential(*mods)
        bound = bound_fn(model)
        for x in torch.randn(50, 5, generator=gen, dtype=torch.float64):
            if _jacobian_norm(model, x) > bound * (1 + 1e-9):
                return False
    model = _aligned_diagonal_mlp([[3.0, 1.0, 0.5], [2.0, 1.5, 1.0], [1.5, 0.2, 1.0]])
    local = _jacobian_norm(model, torch.tensor([1.0, 0.5, 2.0], dtype=torch.float64))
    ratio = local / bound_fn(model)
    return 1 - 1e-9 <= ratio <= 1 + 1e-9


@pytest.mark.claim("thm-rb-lipschitz-product")
def test_lipschitz_bound_holds_and_is_attained():
    """The product of spectral norms bounds the autograd Jacobian norm at every sampled point, with ratio 1 (to 1e-9) on an aligned diagonal MLP; dropping the output layer or using Frobenius norms fails the check."""
    assert _lipschitz_check(rb.lipschitz_upper_bound)
    assert not _lipschitz_check(_wrong_lipschitz_without_last_layer)
    assert not _lipschitz_check(_wrong_lipschitz_frobenius)


def _tight_two_class_mlp(u, hidden_shift=3.0):
    """f(x) = (u^T x, -u^T x) written as a ReLU MLP whose hidden layer is active on a ball around 0."""
    d = len(u)
    l1 = nn.Linear(d, d).double()
    l2 = nn.Linear(d, 2).double()
    with torch.no_grad():
        l1.weight.copy_(torch.eye(d, dtype=torch.float64))
        l1.bias.fill_(hidden_shift)                       # relu(x + shift) = x + shift for x > -shift
        U = torch.tensor(np.stack([u, -u]))
        l2.weight.copy_(U)
        l2.bias.copy_(-U @ torch.full((d,), hidden_shift, dtype=torch.float64))
    return nn.Sequential(l1, nn.ReLU(), l2)


def _radius_tight_check(radius_fn):
    """On f(x) = (u^T x, -u^T x), no perturbation shorter than the radius flips, and one of length (1 + 1e-6) r does."""
    rng = np.random.default_rng(4)
    u = rng.standard_normal(4)
    model = _tight_two_class_mlp(u)
    X = torch.tensor(rng.uniform(-1, 1, size=(10, 4)))
    r = radius_fn(model, X).numpy()
    exact = np.abs(X.numpy() @ u) / np.linalg.norm(u)                # distance to the hyperplane u^T x = 0
    step = -np.sign(X.numpy() @ u)[:, None] * u / np.linalg.norm(u)
    with torch.no_grad():
        pred = model(X).argmax(1)
        inside = model(X + torch.tensor((1 - 1e-6) * r[:, None] * step)).argmax(1)
        outside = model(X + torch.tensor((1 + 1e-6) * exact[:, None] * step)).argmax(1)
    no_flip_inside = torch.equal(inside, pred)
    return no_flip_inside and not torch.equal(outside, pred) and np.all(r <= exact * (1 + 1e-9)) and \
        np.all(r >= exact * (1 - 1e-9))


@pytest.mark.claim("thm-rb-certified-radius")
def test_certified_radius_is_attained_and_sqrt2_is_needed():
    r"""On the ReLU MLP computing $(u^\top x, -u^\top x)$ the certified radius equals the exact distance to the decision boundary (to 1e-9), so the constant is attained; the radius without $\sqrt{2}$ over-claims there (a flip inside it)."""
    assert _radius_tight_check(rb.certified_radius)
    assert not _radius_tight_check(_wrong_radius_without_sqrt2)


def _certified_on_digits_check(model, X, radius_fn):
    """PGD-l2 (40 steps of r/10, from x) finds no flip at radius (1 - 1e-6) r for any test digit."""
    with torch.no_grad():
        pred = model(X).argmax(1)
    r = radius_fn(model, X)
    adv = rb.pgd(model, X, pred, r * (1 - 1e-6), 40, r / 10, norm=2)
    with torch.no_grad():
        return int((model(adv).argmax(1) != pred).sum())


@pytest.mark.claim("thm-rb-certified-radius")
def test_no_adversarial_example_inside_the_certified_radius_on_digits(digits_net):
    """On the digits MLP, PGD-l2 finds zero flips inside the certified radius of any test digit, while at 4 radii it flips more than 90% of them; the radius computed without the output layer's norm has flips inside it."""
    model, X, _ = digits_net
    assert _certified_on_digits_check(model, X, rb.certified_radius) == 0
    with torch.no_grad():
        pred = model(X).argmax(1)
    r = rb.certified_radius(model, X)
    adv = rb.pgd(model, X, pred, 4 * r, 40, 0.4 * r, norm=2)
    with torch.no_grad():
        assert (model(adv).argmax(1) != pred).double().mean() > 0.9
    assert _certified_on_digits_check(model, X, _wrong_radius_without_last_layer) > 0


def test_lipschitz_and_radius_reject_non_mlps():
    """A model with a non-ReLU layer or without Linear layers is refused, naming the model."""
    with pytest.raises(ValueError, match=r"\bmodel\b"):
        rb.lipschitz_upper_bound(nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2)))
    with pytest.raises(ValueError, match=r"\bmodel\b"):
        rb.lipschitz_upper_bound(nn.Sequential(nn.ReLU()))
    with pytest.raises(TypeError, match=r"\bmodel\b"):
        rb.lipschitz_upper_bound(lambda x: x)
    with pytest.raises(ValueError, match=r"\bmodel\b"):
        rb.certified_radius(nn.Sequential(nn.Linear(2, 1)), torch.zeros(3, 2))


# --------------------------------------------------------------------------- saliency


@pytest.mark.claim("prop-rb-euler")
def test_euler_identity_for_zero_bias_relu_networks():
    r"""For a bias-free ReLU MLP, $f(x) = \inner{\nabla f(x)}{x}$ for every output (to 1e-12); the same network with biases violates it."""
    gen = torch.Generator().manual_seed(5)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen, dtype=torch.float64))
                m.bias.zero_()
    X = torch.randn(20, 6, generator=gen, dtype=torch.float64)

    def euler_gap(net):
        gaps = []
        for x in X:
            J = torch.autograd.functional.jacobian(net, x)
            gaps.append((net(x) - J @ x).abs().max().item())
        return max(gaps)

    assert euler_gap(model) < 1e-12
    with torch.no_grad():
        model[0].bias.fill_(0.3)
    assert euler_gap(model) > 1e-3


# --------------------------------------------------------------------------- counterfactuals


def _trust_constr_counterfactual(w, b, x, p):
    """Closest point with sigmoid(w^T x' + b) = p, by scipy's trust-constr with the equality constraint on the probability."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    con = NonlinearConstraint(lambda v: sig(w @ v + b), p, p,
                              jac=lambda v: (sig(w @ v + b) * (1 - sig(w @ v + b)) * w)[None, :],
                              hess=lambda v, lam_: lam_[0] * sig(w @ v + b) * (1 - sig(w @ v + b))
                              * (1 - 2 * sig(w @ v + b)) * np.outer(w, w))
    res = minimize(lambda v: (v - x) @ (v - x), x, jac=lambda v: 2 * (v - x), hess=lambda v: 2 * np.eye(len(x)),
                   method="trust-constr", constraints=[con], options={"gtol": 1e-12, "xtol": 1e-14, "maxiter": 3000})
    return res.x


def _cf_check(cf_fn, seed):
    """The closed form meets the constraint to 1e-12 and agrees with trust-constr and with the Wachter optimizer to 1e-4."""
    rng = np.random.default_rng(seed)
    w, b, x = rng.standard_normal(5), rng.normal(0, 2), rng.standard_normal(5)
    p = float(rng.uniform(0.1, 0.9))
    cf = cf_fn(w, b, x, p)
    prob = 1 / (1 + np.exp(-(w @ cf + b)))
    wt = torch.tensor(w)
    opt = rb.counterfactual(lambda z: torch.sigmoid(z @ wt + b), torch.tensor(x), p, 1e8, 500).numpy()
    return (abs(prob - p) < 1e-12 and np.abs(cf - _trust_constr_counterfactual(w, b, x, p)).max() < 1e-4
            and np.abs(cf - opt).max() < 1e-4)


@pytest.mark.claim("thm-rb-cf-linear")
def test_counterfactual_closed_form_matches_optimizers():
    r"""For random logistic models the closed-form counterfactual has probability $p$ to 1e-12 and agrees to 1e-4 with scipy's `trust-constr` and with the Wachter optimization ($\lambda = 10^8$); the variant that ignores the bias fails."""
    for seed in range(3):
        assert _cf_check(rb.counterfactual_linear, seed)
    assert not any(_cf_check(_wrong_counterfactual_ignores_bias, s) for s in range(3))


@pytest.mark.claim("thm-rb-cf-linear", "def-rb-counterfactual")
def test_penalized_counterfactual_matches_its_closed_form():
    r"""For a logit output the Wachter minimizer at finite $\lambda$ is $x + \lambda g w/(1 + \lambda\norm{w}^2)$ (to 1e-8), approaching the projection like $1/\lambda$."""
    rng = np.random.default_rng(7)
    w, b, x, t = rng.standard_normal(4), 0.5, rng.standard_normal(4), 1.2
    g = t - w @ x - b
    for lam in (0.1, 1.0, 10.0):
        z = rb.counterfactual(lambda v: v @ torch.tensor(w) + b, torch.tensor(x), t, lam, 200).numpy()
        assert np.abs(z - (x + lam * g * w / (1 + lam * w @ w))).max() < 1e-8
    proj = x + g * w / (w @ w)
    for lam in (1e2, 1e4):
        z = x + lam * g * w / (1 + lam * w @ w)
        assert np.linalg.norm(z - proj) == pytest.approx(abs(g) / (np.linalg.norm(w) * (1 + lam * w @ w)), rel=1e-9)


def _sparse_check(cf_fn):
    """The MAD-l1 counterfactual of a logit-linear model moves only feature k* = argmax |w_k| MAD_k, by the soft-thresholded amount."""
    rng = np.random.default_rng(11)
    w, b, x = rng.standard_normal(6), 0.3, rng.standard_normal(6)
    mad = rng.uniform(0.2, 2.0, 6)
    t, lam = 2.0, 50.0
    z = cf_fn(w, b, x, t, lam, mad)
    k = int(np.argmax(np.abs(w) * mad))
    g = t - w @ x - b
    u = g - np.sign(g) / (2 * lam * abs(w[k]) * mad[k])           # soft-thresholded change of the logit
    expected = x.copy()
    expected[k] += u / w[k]
    return np.abs(z - expected).max() < 1e-6


def _cf_mad(w, b, x, t, lam, mad):
    return rb.counterfactual(lambda v: v @ torch.tensor(w) + b, torch.tensor(x), t, lam, 1000,
                             distance="mad_l1", mad=mad).numpy()


def _wrong_cf_unweighted_l1(w, b, x, t, lam, mad):
    """Wrong: the plain l1 distance (MAD ignored)."""
    return _cf_mad(w, b, x, t, lam, np.ones_like(mad))


@pytest.mark.claim("prop-rb-cf-sparse")
def test_mad_l1_counterfactual_changes_one_feature():
    r"""For a logit-linear model the MAD-weighted $\ell_1$ counterfactual changes exactly the feature maximizing $\abs{w_k}\,\mathrm{MAD}_k$, by the soft-thresholded closed form (to 1e-6); ignoring the MAD fails the check."""
    assert _sparse_check(_cf_mad)
    assert not _sparse_check(_wrong_cf_unweighted_l1)


def test_median_absolute_deviation_against_numpy():
    """MAD per column equals the median of |x - median| computed column by column."""
    X = np.random.default_rng(0).standard_normal((11, 3))
    for k in range(3):
        assert rb.median_absolute_deviation(X)[k] == np.median(np.abs(X[:, k] - np.median(X[:, k])))


# --------------------------------------------------------------------------- bad input (private checks)


def test_bad_tensor_arguments_are_refused():
    """Non-tensors, integer tensors, wrong shapes, bad eps/step_size/generator/mad raise errors naming the argument."""
    model = nn.Sequential(nn.Linear(3, 2)).double()
    x = torch.zeros(4, 3, dtype=torch.float64)
    y = torch.zeros(4, dtype=torch.long)
    cases = [
        (TypeError, "x", lambda: rb.fgsm(model, np.zeros((4, 3)), y, 0.1)),
        (TypeError, "x", lambda: rb.fgsm(model, torch.zeros(4, 3, dtype=torch.long), y, 0.1)),
        (ValueError, "x", lambda: rb.fgsm(model, torch.zeros(3), y, 0.1)),
        (ValueError, "x", lambda: rb.fgsm(model, torch.full((4, 3), math.nan, dtype=torch.float64), y, 0.1)),
        (TypeError, "y", lambda: rb.fgsm(model, x, y.double(), 0.1)),
        (ValueError, "y", lambda: rb.fgsm(model, x, y[:2], 0.1)),
        (ValueError, "eps", lambda: rb.fgsm(model, x, y, -0.1)),
        (ValueError, "eps", lambda: rb.fgsm(model, x, y, torch.tensor([0.1, -0.1, 0.1, 0.1]))),
        (ValueError, "eps", lambda: rb.pgd(model, x, y, torch.zeros(3), 2, 0.1)),
        (ValueError, "step_size", lambda: rb.pgd(model, x, y, 0.1, 2, 0.0)),
        (TypeError, "step_size", lambda: rb.pgd(model, x, y, 0.1, 2, "a")),
        (ValueError, "step_size", lambda: rb.pgd(model, x, y, 0.1, 2, torch.zeros(4))),
        (TypeError, "random_start", lambda: rb.pgd(model, x, y, 0.1, 2, 0.1, random_start="yes")),
        (TypeError, "generator", lambda: rb.pgd(model, x, y, 0.1, 2, 0.1, random_start=True, generator=1.5)),
        (ValueError, "generator", lambda: rb.pgd(model, x, y, 0.1, 2, 0.1, random_start=True, generator=-1)),
        (ValueError, "W", lambda: rb.linear_min_perturbation(np.ones((1, 3)), np.ones(1), np.ones(3), 0)),
        (ValueError, "x", lambda: rb.linear_min_perturbation(np.ones((2, 3)), np.ones(2), np.ones(4), 0)),
        (ValueError, "y", lambda: rb.linear_min_perturbation(np.ones((2, 3)), np.ones(2), np.ones(3), 2)),
        (ValueError, "y", lambda: rb.linear_min_perturbation(np.ones((2, 3)), np.ones(2), np.ones(3), 0.5)),
        (ValueError, "w", lambda: rb.counterfactual_linear(np.zeros(3), 0.0, np.ones(3), 0.5)),
        (ValueError, "mad", lambda: rb.counterfactual(lambda z: z.sum(), torch.zeros(3, dtype=torch.float64), 1.0,
                                                      1.0, 2, distance="mad_l1")),
        (ValueError, "mad", lambda: rb.counterfactual(lambda z: z.sum(), torch.zeros(3, dtype=torch.float64), 1.0,
                                                      1.0, 2, distance="mad_l1", mad=np.zeros(3))),
    ]
    for err, name, call in cases:
        with pytest.raises(err, match=rf"\b{name}\b"):
            call()
