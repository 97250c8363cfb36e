"""Tests of nnmath.optim: every optimizer against torch.optim, the API contract, and the rates
of the chapter *Gradient methods*."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnmath import optim, plotting, problems

# ----------------------------------------------------------------------------- agreement with torch.optim

# (name in nnmath, hyper-parameters, torch class, torch hyper-parameters)
TORCH_CASES = [
    ("gd", dict(lr=0.05), torch.optim.SGD, dict(lr=0.05)),
    ("gd", dict(lr=0.05, weight_decay=0.1), torch.optim.SGD, dict(lr=0.05, weight_decay=0.1)),
    ("sgd", dict(lr=0.03), torch.optim.SGD, dict(lr=0.03)),
    ("heavy_ball", dict(lr=0.02, momentum=0.9), torch.optim.SGD, dict(lr=0.02, momentum=0.9)),
    ("heavy_ball", dict(lr=0.02, momentum=0.8, dampening=0.3, weight_decay=0.05), torch.optim.SGD,
     dict(lr=0.02, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    ("nesterov", dict(lr=0.02, momentum=0.9), torch.optim.SGD, dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("nesterov", dict(lr=0.02, momentum=0.7, weight_decay=0.1), torch.optim.SGD,
     dict(lr=0.02, momentum=0.7, nesterov=True, weight_decay=0.1)),
    ("adagrad", dict(lr=0.1), torch.optim.Adagrad, dict(lr=0.1)),
    ("adagrad", dict(lr=0.1, eps=1e-6, weight_decay=0.05, initial_accumulator_value=0.2), torch.optim.Adagrad,
     dict(lr=0.1, eps=1e-6, weight_decay=0.05, initial_accumulator_value=0.2)),
    ("rmsprop", dict(lr=0.01), torch.optim.RMSprop, dict(lr=0.01)),
    # centered RMSProp divides by sqrt(v - m^2), which tends to 0 as the gradient settles: with eps = 1e-8
    # round-off differences (1e-16, checked) are amplified to 1e-11 by step 100 once the iterates have
    # converged (gradient 1e-7), so eps is larger here
    ("rmsprop", dict(lr=0.01, alpha=0.9, eps=1e-3, momentum=0.5, centered=True, weight_decay=0.1),
     torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-3, momentum=0.5, centered=True, weight_decay=0.1)),
    ("rmsprop", dict(lr=0.005, momentum=0.9), torch.optim.RMSprop, dict(lr=0.005, momentum=0.9)),
    ("rmsprop", dict(lr=0.005, centered=True), torch.optim.RMSprop, dict(lr=0.005, centered=True)),
    ("adam", dict(lr=0.01), torch.optim.Adam, dict(lr=0.01)),
    ("adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), torch.optim.Adam,
     dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("amsgrad", dict(lr=0.01), torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
    ("amsgrad", dict(lr=0.02, betas=(0.0, 0.9), weight_decay=0.05), torch.optim.Adam,
     dict(lr=0.02, betas=(0.0, 0.9), weight_decay=0.05, amsgrad=True)),
    ("adamw", dict(lr=0.01), torch.optim.AdamW, dict(lr=0.01)),
    ("adamw", dict(lr=0.01, weight_decay=0.3, betas=(0.5, 0.9)), torch.optim.AdamW,
     dict(lr=0.01, weight_decay=0.3, betas=(0.5, 0.9))),
    ("adamw", dict(lr=0.01, weight_decay=0.3, amsgrad=True), torch.optim.AdamW,
     dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
]


def _logistic_problem(seed: int, n: int = 40, d: int = 6) -> problems.Logistic:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.sign(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n))
    return problems.Logistic(X, y, lam=0.01)


def _torch_iterates(torch_cls, hyper, grad_fn, x0: np.ndarray, steps: int) -> np.ndarray:
    """Run torch.optim with gradients computed in NumPy and written into p.grad."""
    p = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opt = torch_cls([p], **hyper)
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        p.grad = torch.tensor(grad_fn(p.detach().numpy().copy()), dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("problem", ["quadratic", "logistic"])
@pytest.mark.parametrize("name, hyper, torch_cls, torch_hyper", TORCH_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TORCH_CASES)])
def test_iterates_equal_torch(name, hyper, torch_cls, torch_hyper, problem):
    """Each optimizer's 100 iterates equal torch.optim's to 1e-12 in float64 on a random problem."""
    seed = 7
    if problem == "quadratic":
        prob = problems.random_quadratic(np.geomspace(0.1, 5.0, 8), seed=seed)
        x0 = np.random.default_rng(seed + 1).standard_normal(8)
    else:
        prob = _logistic_problem(seed)
        x0 = np.random.default_rng(seed + 1).standard_normal(6)
    ours = optim.run(optim.OPTIMIZERS[name](**hyper), prob.grad, x0, 100)
    ref = _torch_iterates(torch_cls, torch_hyper, prob.grad, x0, 100)
    assert ours.shape == ref.shape == (101, x0.size)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert not np.allclose(ours[-1], ours[0])        # the comparison is not vacuous


def test_registry_covers_every_optimizer():
    """The registry lists the nine optimizers of the issue, each returning an Optimizer."""
    assert set(optim.OPTIMIZERS) == {"gd", "sgd", "heavy_ball", "nesterov", "adagrad", "rmsprop", "adam",
                                     "amsgrad", "adamw"}
    assert {c[0] for c in TORCH_CASES} == set(optim.OPTIMIZERS)
    for make in optim.OPTIMIZERS.values():
        assert isinstance(make(lr=0.1), optim.Optimizer)


# ----------------------------------------------------------------------------- the API contract, for every optimizer

@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_dict_params_equal_flat_params(name):
    """On dict params an optimizer acts leaf by leaf: the iterates equal those of the flattened vector."""
    prob = problems.random_quadratic(np.linspace(0.5, 3.0, 5), seed=3)
    x0 = np.random.default_rng(4).standard_normal(5)

    def split(x):
        return {"w": x[:3].reshape(3, 1), "b": x[3:]}

    def join(tree):
        return np.concatenate([tree["w"].ravel(), tree["b"]])

    flat = optim.run(optim.OPTIMIZERS[name](lr=0.05), prob.grad, x0, 30)
    tree = optim.run(optim.OPTIMIZERS[name](lr=0.05), lambda t: split(prob.grad(join(t))), split(x0), 30)
    assert tree["w"].shape == (31, 3, 1) and tree["b"].shape == (31, 2)
    np.testing.assert_allclose(np.concatenate([tree["w"].reshape(31, 3), tree["b"]], axis=1), flat,
                               rtol=0, atol=1e-13)


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_update_is_pure(name):
    """update neither mutates its inputs nor depends on anything but them: two calls agree."""
    opt = optim.OPTIMIZERS[name](lr=0.1)
    params = {"a": np.array([1.0, -2.0]), "b": np.array(3.0)}
    grads = {"a": np.array([0.5, 0.25]), "b": np.array(-1.0)}
    state = opt.init(params)
    u1, s1 = opt.update(grads, state, params)
    u2, s2 = opt.update(grads, state, params)
    np.testing.assert_array_equal(u1["a"], u2["a"])
    np.testing.assert_array_equal(params["a"], [1.0, -2.0])
    np.testing.assert_array_equal(grads["a"], [0.5, 0.25])
    assert s1.count == s2.count == 1 and state.count == 0


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_zero_lr_leaves_params(name):
    """With lr = 0 every optimizer leaves the parameters where they are."""
    x = optim.run(optim.OPTIMIZERS[name](lr=0.0, weight_decay=0.0), lambda x: x + 1.0, np.ones(3), 5)
    np.testing.assert_array_equal(x, np.ones((6, 3)))


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_bad_input(name):
    """Negative lr, a grads tree that does not match params, and non-array params are rejected naming the argument."""
    make = optim.OPTIMIZERS[name]
    with pytest.raises(ValueError, match="lr"):
        make(lr=-0.1)
    with pytest.raises(ValueError, match="weight_decay"):
        make(lr=0.1, weight_decay=-1.0)
    opt = make(lr=0.1)
    params = {"a": np.zeros(2), "b": np.zeros(3)}
    state = opt.init(params)
    with pytest.raises(ValueError, match="grads"):
        opt.update({"a": np.zeros(2)}, state, params)
    with pytest.raises(ValueError, match="grads"):
        opt.update({"a": np.zeros(2), "b": np.zeros(4)}, state, params)
    with pytest.raises(TypeError, match="grads"):
        opt.update({"a": np.zeros(2), "b": "x"}, state, params)
    with pytest.raises(TypeError, match="params"):
        opt.init(["not", "a", "tree"])


@pytest.mark.parametrize("name", ["adam", "amsgrad", "adamw"])
@pytest.mark.parametrize("betas", [(1.0, 0.9), (0.9, 1.0), (-0.1, 0.9), (0.9,), 0.9])
def test_bad_betas(name, betas):
    """Betas outside [0, 1) or not a pair are rejected naming betas."""
    with pytest.raises((ValueError, TypeError), match="betas"):
        optim.OPTIMIZERS[name](lr=0.1, betas=betas)


def test_bad_hyper_parameters():
    """Momentum, alpha and the nesterov schedule name are checked."""
    with pytest.raises(ValueError, match="momentum"):
        optim.heavy_ball(lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="momentum"):
        optim.nesterov(lr=0.1, momentum="concave")
    with pytest.raises(ValueError, match="alpha"):
        optim.rmsprop(lr=0.1, alpha=1.5)
    with pytest.raises(ValueError, match="lr"):
        optim.run(optim.gd(lr=lambda k: -1.0), lambda x: x, np.ones(2), 3)
    with pytest.raises(TypeError, match="opt"):
        optim.run(optim.gd, lambda x: x, np.ones(2), 3)
    with pytest.raises(ValueError, match="steps"):
        optim.run(optim.gd(lr=0.1), lambda x: x, np.ones(2), -1)


def test_schedule_is_used():
    """A callable lr is evaluated at the step count: GD with lr_k = 1/(k+1) on f = x^2/2 gives x_k = x_0 * prod(1 - 1/(j+1)) = 0 after one step."""
    x = optim.run(optim.gd(lr=lambda k: 1.0 / (k + 2)), lambda x: x, np.array([1.0]), 4)
    expected = np.cumprod([1.0] + [1.0 - 1.0 / (k + 2) for k in range(4)])
    np.testing.assert_allclose(x[:, 0], expected, rtol=1e-14)


def test_heavy_ball_is_polyak():
    """With constant step and no dampening, heavy_ball satisfies x_{k+1} = x_k - lr grad + beta (x_k - x_{k-1})."""
    prob = problems.random_quadratic(np.linspace(1.0, 4.0, 4), seed=0)
    X = optim.run(optim.heavy_ball(lr=0.1, momentum=0.6), prob.grad, np.ones(4), 20)
    pred = X[1:-1] - 0.1 * prob.grad(X[1:-1]) + 0.6 * (X[1:-1] - X[:-2])
    np.testing.assert_allclose(X[2:], pred, atol=1e-12)


def test_nesterov_two_sequence_form():
    """The 'convex' schedule is x_{k+1} = y_k - lr grad(y_k), y_{k+1} = x_{k+1} + (k/(k+3)) (x_{k+1} - x_k)."""
    prob = problems.random_quadratic(np.linspace(0.0, 2.0, 5), seed=1)
    lr = 0.5
    Y = optim.run(optim.nesterov(lr=lr, momentum="convex"), prob.grad, np.ones(5), 30)
    x_prev, y = np.ones(5), np.ones(5)
    for k in range(30):
        x = y - lr * prob.grad(y)
        y = x + k / (k + 3) * (x - x_prev)
        x_prev = x
        np.testing.assert_allclose(Y[k + 1], y, atol=1e-12)


def test_problems_gradients():
    """The test problems' gradients match central finite differences, and their minimizers are stationary."""
    rng = np.random.default_rng(0)
    probs = [problems.random_quadratic(np.linspace(0.0, 3.0, 6), seed=2), problems.nesterov_worst_function(2.0, 6),
             _logistic_problem(3, d=6)]
    for prob in probs:
        x = rng.standard_normal(6)
        h = 1e-6
        fd = np.array([(prob.value(x + h * e) - prob.value(x - h * e)) / (2 * h) for e in np.eye(6)])
        np.testing.assert_allclose(prob.grad(x), fd, atol=1e-6)
    worst = problems.nesterov_worst_function(2.0, 9)
    np.testing.assert_allclose(worst.x_star, 1 - np.arange(1, 10) / 10, atol=1e-12)
    np.testing.assert_allclose(worst.f_star, 2.0 / 8 * (-1 + 1 / 10), atol=1e-12)
    assert worst.L <= 2.0


def test_sharpness_matches_full_hessian():
    """Power iteration with Hessian-vector products finds the top eigenvalue of the full autograd Hessian."""
    rng = np.random.default_rng(0)
    M = torch.tensor(rng.standard_normal((6, 6)))

    def loss(t):
        return 0.5 * torch.sum((M @ torch.tanh(t)) ** 2) + 0.1 * torch.sum(t**4)

    theta = rng.standard_normal(6) * 0.3
    H = torch.autograd.functional.hessian(loss, torch.tensor(theta)).numpy()
    lam, u = problems.sharpness(loss, theta, iters=300)
    assert np.isclose(lam, np.linalg.eigvalsh(H)[-1], rtol=1e-8)
    np.testing.assert_allclose(np.abs(H @ u), np.abs(lam * u), atol=1e-6)
    with pytest.raises(ValueError, match="theta"):
        problems.sharpness(loss, np.zeros((2, 3)))


# ----------------------------------------------------------------------------- claims of the chapter Gradient methods

L_SMOOTH = 1.0


def _convex_quadratic(d: int = 400) -> problems.Quadratic:
    """The power-law quadratic: mu = L/d^2, so on k << d^2 steps it behaves as merely convex."""
    return problems.power_law_quadratic(d, L_SMOOTH)


@pytest.mark.claim("lem-gm-descent")
def test_descent_lemma():
    """With step 1/L every gradient step decreases f by at least ||grad f||^2/(2L) on an L-smooth logistic loss."""
    prob = _logistic_problem(5, n=60, d=8)
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(8), 50)
    f, g = prob.value(X), prob.grad(X)
    decrease = f[:-1] - f[1:]
    assert np.all(decrease >= np.sum(g[:-1] ** 2, axis=1) / (2 * prob.L) - 1e-14)


@pytest.mark.claim("thm-gm-smooth")
def test_stationarity_rate():
    """The smallest squared gradient norm of GD with step 1/L is at most 2L(f(x_0) - f*)/k."""
    prob = _logistic_problem(6, n=60, d=8)
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(8), 300)
    g2 = np.minimum.accumulate(np.sum(prob.grad(X) ** 2, axis=1))
    k = np.arange(1, 301)
    f_low = 0.0                                      # any lower bound on f* works; f* >= 0 for logistic
    assert np.all(g2[:-1] <= 2 * prob.L * (prob.value(X[0]) - f_low) / k)


@pytest.mark.claim("thm-gm-convex")
def test_convex_rate_and_slope():
    """On a convex quadratic, GD's gap obeys L||x0 - x*||^2/(2k), and the fitted log-log slope is about -1."""
    prob = _convex_quadratic()
    x0 = np.zeros(prob.b.size)
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, x0, 400)
    gap = prob.excess(X)
    k = np.arange(1, 401)
    r0 = np.sum((x0 - prob.x_star) ** 2)
    assert np.all(gap[1:] <= prob.L * r0 / (2 * k) * (1 + 1e-10))
    fit = plotting.fit_power_law(k[20:], gap[21:])
    assert -1.15 < fit.slope < -0.85


@pytest.mark.claim("thm-gm-nesterov")
def test_nesterov_convex_rate_and_slope():
    """Nesterov's 'convex' schedule obeys f(x_k) - f* <= 2L||x0 - x*||^2/(k+1)^2, with fitted slope about -2."""
    prob = _convex_quadratic()
    x0 = np.zeros(prob.b.size)
    lr = 1 / prob.L
    Y = optim.run(optim.nesterov(lr=lr, momentum="convex"), prob.grad, x0, 150)
    X = Y[:-1] - lr * prob.grad(Y[:-1])                # x_{k+1}, k = 0..149
    gap = prob.excess(X)
    k = np.arange(1, 151)
    r0 = np.sum((x0 - prob.x_star) ** 2)
    assert np.all(gap <= 2 * prob.L * r0 / (k + 1) ** 2 * (1 + 1e-10))
    fit = plotting.fit_power_law(k[10:], gap[10:])
    assert -2.3 < fit.slope < -1.7


@pytest.mark.claim("thm-gm-pl")
@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_linear_rate_gd(kappa):
    """On a mu-strongly convex quadratic, GD with step 1/L contracts f - f* at least by 1 - mu/L per step."""
    prob = problems.random_quadratic(np.geomspace(1.0 / kappa, 1.0, 20), seed=1)
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(20), 200)
    gap = prob.excess(X)
    rho = 1 - prob.mu / prob.L
    assert np.all(gap[1:] <= gap[:-1] * rho * (1 + 1e-9) + 1e-14)
    fit = plotting.fit_geometric_rate(np.arange(201)[gap > 1e-13], gap[gap > 1e-13])
    assert fit.rate <= rho + 1e-9


@pytest.mark.claim("prop-gm-ls-pl")
def test_pl_overparameterized_least_squares():
    """Overparameterized least squares (d > n) is PL, not strongly convex, and GD still contracts by 1 - mu/L."""
    rng = np.random.default_rng(2)
    n, d = 20, 60
    Phi = rng.standard_normal((n, d)) / np.sqrt(d)
    A = Phi.T @ Phi
    prob = problems.Quadratic(A, Phi.T @ rng.standard_normal(n))
    ev = np.linalg.eigvalsh(A)
    mu_pl = ev[ev > 1e-10].min()
    assert ev.min() < 1e-10                               # not strongly convex
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(d), 200)
    gap = prob.excess(X)
    g2 = np.sum(prob.grad(X) ** 2, axis=1)
    assert np.all(0.5 * g2 >= mu_pl * gap - 1e-12)       # the PL inequality along the path
    assert np.all(gap[1:] <= gap[:-1] * (1 - mu_pl / prob.L) * (1 + 1e-9) + 1e-14)


@pytest.mark.claim("thm-gm-nesterov-strong")
@pytest.mark.parametrize("kappa", [100.0, 1000.0])
def test_nesterov_strongly_convex_rate(kappa):
    """Nesterov with constant momentum (sqrt(kappa)-1)/(sqrt(kappa)+1) obeys the (1 - sqrt(mu/L))^k bound and beats GD's rate."""
    prob = problems.random_quadratic(np.geomspace(1.0 / kappa, 1.0, 30), seed=2)
    L, mu = prob.L, prob.mu
    beta = (np.sqrt(L / mu) - 1) / (np.sqrt(L / mu) + 1)
    x0 = np.zeros(30)
    Y = optim.run(optim.nesterov(lr=1 / L, momentum=beta), prob.grad, x0, 400)
    X = np.vstack([x0, Y[:-1] - prob.grad(Y[:-1]) / L])   # x_0, x_1, ...
    gap = prob.excess(X)
    rho = 1 - np.sqrt(mu / L)
    k = np.arange(X.shape[0])
    bound = rho**k * (gap[0] + mu / 2 * np.sum((x0 - prob.x_star) ** 2))
    assert np.all(gap <= bound * (1 + 1e-9) + 1e-13)
    keep = gap > 1e-12
    fit = plotting.fit_geometric_rate(k[keep], gap[keep])
    assert fit.rate <= rho
    assert fit.rate < 1 - mu / L


@pytest.mark.claim("thm-gm-heavy-ball")
def test_heavy_ball_rate():
    """On a quadratic, tuned heavy ball obeys ||x_k - x*|| <= sqrt(2)(1 + 4/rho) k rho^k ||x_0 - x*||, with fitted rate of ||x_k - x*||/k at most rho."""
    prob = problems.random_quadratic(np.geomspace(1e-2, 1.0, 30), seed=3)
    L, mu = prob.L, prob.mu
    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    rho = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    X = optim.run(optim.heavy_ball(lr=lr, momentum=rho**2), prob.grad, np.zeros(30), 600)
    dist = np.linalg.norm(X - prob.x_star, axis=1)
    k = np.arange(601)
    assert np.all(dist[1:] <= np.sqrt(2) * (1 + 4 / rho) * k[1:] * rho ** k[1:] * dist[0] + 1e-12)
    keep = dist > 1e-11
    fit = plotting.fit_geometric_rate(k[keep], dist[keep] / (k[keep] + 1))   # the bound's factor k divided out
    assert fit.rate <= rho
    assert plotting.fit_geometric_rate(k[keep], dist[keep]).rate < 1 - mu / L


@pytest.mark.claim("thm-gm-lower-bound")
@pytest.mark.parametrize("name", ["gd", "nesterov", "heavy_ball"])
def test_lower_bound_on_worst_function(name):
    """On Nesterov's worst function every first-order method stays above the lower bound, and at k = K above 3L||x0-x*||^2/(32(K+1)^2)."""
    K = 50
    d = 2 * K + 1
    prob = problems.nesterov_worst_function(L_SMOOTH, d)
    opt = {"gd": optim.gd(lr=1.0), "nesterov": optim.nesterov(lr=1.0, momentum="convex"),
           "heavy_ball": optim.heavy_ball(lr=1.0, momentum=0.5)}[name]
    X = optim.run(opt, prob.grad, np.zeros(d), K)
    assert np.all(X[np.arange(K + 1)[:, None] < np.arange(1, d + 1)[None, :]] == 0.0)  # Krylov support
    gap = prob.value(X) - prob.f_star
    assert np.all(gap >= problems.nesterov_lower_bound(L_SMOOTH, np.arange(K + 1), d) - 1e-14)
    r0 = np.sum(prob.x_star**2)
    assert gap[K] >= 3 * L_SMOOTH * r0 / (32 * (K + 1) ** 2)


@pytest.mark.claim("thm-gm-sgd-strong")
def test_sgd_decreasing_steps_rate():
    """SGD with steps 2/(mu(k+k0)) on a strongly convex quadratic with noisy gradients: E||x_k - x*||^2 <= nu/(k+k0), fitted slope about -1."""
    prob = problems.random_quadratic(np.linspace(0.2, 1.0, 5), seed=4)
    L, mu, sigma, d, chains = prob.L, prob.mu, 0.5, 5, 200
    k0 = 2 * L / mu
    oracle = problems.noisy_gradient(prob.grad, sigma, seed=0)
    X = optim.run(optim.sgd(lr=lambda k: 2 / (mu * (k + k0))), oracle, np.zeros((chains, d)), 1000)
    msd = np.mean(np.sum((X - prob.x_star) ** 2, axis=2), axis=1)
    nu = max(k0 * np.sum(prob.x_star**2), 4 * sigma**2 * d / mu**2)
    k = np.arange(1001)
    assert np.all(msd <= nu / (k + k0))
    fit = plotting.fit_power_law(k[100:] + k0, msd[100:])
    assert -1.15 < fit.slope < -0.85


@pytest.mark.claim("thm-gm-sgd-strong")
def test_sgd_noise_floor_proportional_to_step():
    """With a constant step eta, SGD's mean gap levels off at a floor matching the closed form, with fitted slope about 1 in eta."""
    prob = problems.random_quadratic(np.linspace(0.2, 1.0, 5), seed=4)
    sigma, chains = 1.0, 200
    lam = np.linalg.eigvalsh(prob.A)
    etas = np.array([0.02, 0.05, 0.1, 0.2, 0.4])
    floors = []
    for eta in etas:
        oracle = problems.noisy_gradient(prob.grad, sigma, seed=11)
        X = optim.run(optim.sgd(lr=eta), oracle, np.tile(prob.x_star, (chains, 1)), 1500)
        floors.append(np.mean(prob.excess(X[500:])))
    floors = np.array(floors)
    # stationary E f - f* = (eta sigma^2 / 2) sum_i 1/(2 - eta lambda_i) for additive noise N(0, sigma^2 I)
    exact = etas * sigma**2 / 2 * np.sum(1 / (2 - etas[:, None] * lam[None, :]), axis=1)
    np.testing.assert_allclose(floors, exact, rtol=0.1)
    fit = plotting.fit_power_law(etas, floors)
    assert 0.85 < fit.slope < 1.15


@pytest.mark.claim("prop-gm-minibatch")
def test_minibatch_variance():
    """Mini-batch least-squares gradients are unbiased and their variance is the single-sample variance divided by B."""
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    w = rng.standard_normal(3)
    full = X.T @ (X @ w - y) / 30
    var = {}
    for B in (1, 8):
        oracle = problems.minibatch_gradient(X, y, B, seed=B)
        G = oracle(np.tile(w, (20000, 1)))
        np.testing.assert_allclose(G.mean(axis=0), full, atol=6 * np.sqrt(G.var(axis=0).max() / 20000))
        var[B] = np.sum(G.var(axis=0))
    assert 0.85 < var[1] / (8 * var[8]) < 1.15
    with pytest.raises(ValueError, match="batch_size"):
        problems.minibatch_gradient(X, y, 0, seed=0)


@pytest.mark.claim("lem-gm-strong-pl")
def test_strong_convexity_implies_pl():
    """A mu-strongly convex quadratic and an L2-regularized logistic loss satisfy the PL inequality with the same mu at random points."""
    rng = np.random.default_rng(8)
    quad = problems.random_quadratic(np.geomspace(0.05, 2.0, 6), seed=8)
    P = rng.standard_normal((200, 6)) * 3
    lhs = 0.5 * np.sum(quad.grad(P) ** 2, axis=1)
    assert np.all(lhs >= quad.mu * quad.excess(P) * (1 - 1e-12))
    logit = _logistic_problem(9, n=80, d=6)                       # lam = 0.01: 0.01-strongly convex
    w_star = optim.run(optim.nesterov(lr=1 / logit.L, momentum=(1 - 0.1 * np.sqrt(0.01 / logit.L)) ** 2),
                       logit.grad, np.zeros(6), 20000)[-1]
    assert np.linalg.norm(logit.grad(w_star)) < 1e-10
    f_star = logit.value(w_star)
    assert np.all(0.5 * np.sum(logit.grad(P) ** 2, axis=1) >= logit.lam * (logit.value(P) - f_star) - 1e-12)


@pytest.mark.claim("thm-gm-sgd-convex")
def test_sgd_convex_averaged_rate():
    """Single-example SGD on logistic regression with step D/(G sqrt K) has E f(averaged iterate) - f* <= G D / sqrt(K)."""
    prob = _logistic_problem(10, n=100, d=4)
    prob = problems.Logistic(prob.X, prob.y, lam=0.0)
    w_star = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(4), 50000)[-1]
    assert np.linalg.norm(prob.grad(w_star)) < 1e-7                    # non-separable: a minimizer exists
    f_star = prob.value(w_star)
    G = np.max(np.linalg.norm(prob.X, axis=1))                          # ||grad l_i|| <= ||x_i||
    D = np.linalg.norm(w_star)
    rng = np.random.default_rng(0)

    def oracle(W):                                                      # one example per chain
        i = rng.integers(0, prob.X.shape[0], size=W.shape[0])
        x, y = prob.X[i], prob.y[i]
        return (-y / (1 + np.exp(y * np.sum(x * W, axis=1))))[:, None] * x

    for K in (100, 1000):
        W = optim.run(optim.sgd(lr=D / (G * np.sqrt(K))), oracle, np.zeros((300, 4)), K)
        gap = np.mean(prob.value(W[:-1].mean(axis=0)) - f_star)
        assert 0 <= gap <= G * D / np.sqrt(K)


@pytest.mark.claim("prop-gm-stability")
def test_stability_threshold():
    """GD on a quadratic converges for eta slightly below 2/lambda_max and diverges slightly above."""
    prob = problems.random_quadratic(np.linspace(0.1, 1.0, 8), seed=12)
    x0 = np.ones(8)
    below = optim.run(optim.gd(lr=1.95 / prob.L), prob.grad, x0, 2000)
    above = optim.run(optim.gd(lr=2.05 / prob.L), prob.grad, x0, 2000)
    assert np.linalg.norm(below[-1] - prob.x_star) < 1e-8
    assert np.linalg.norm(above[-1] - prob.x_star) > 1e6
