"""Tests of nnmath.optim: every optimizer against torch.optim, the API contract, and the rates
of the chapter *Gradient methods*."""

from __future__ import annotations

from fractions import Fraction

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


# ----------------------------------------------------------------------------- exact contracts: messages, defaults, dtypes, rounding

_ALL_MAKERS = {**optim.OPTIMIZERS, "adagrad_norm": optim.adagrad_norm}


@pytest.mark.parametrize("name", sorted(_ALL_MAKERS))
def test_tree_error_messages_name_the_argument_and_the_leaf(name):
    """A bad tree is reported with the argument's name, the path to the bad leaf, its type, and both structures in sorted key order."""
    opt = _ALL_MAKERS[name](lr=0.1)
    with pytest.raises(TypeError, match=r"^params must be a NumPy array or a dict of arrays, got list$"):
        opt.init(["not", "a", "tree"])
    params = {"a": np.zeros(2), "b": np.zeros(3)}
    state = opt.init(params)
    with pytest.raises(TypeError, match=r"^grads\['b'\] must be a NumPy array or a dict of arrays, got str$"):
        opt.update({"a": np.zeros(2), "b": "x"}, state, params)
    # keys inserted out of order, and values whose str() sorts opposite to the keys: the message lists keys sorted
    with pytest.raises(ValueError, match=r"^grads must have the structure \(keys and shapes\) of params: "
                                         r"got \{'a': \(2,\), 'b': \(4,\)\}, expected \{'a': \(2,\), 'b': \(3,\)\}$"):
        opt.update({"b": np.zeros(4), "a": np.zeros(2)}, state, params)
    with pytest.raises(ValueError, match=r"^grads must contain only finite values$"):
        opt.update({"a": np.zeros(2), "b": np.array([0.0, np.nan, 0.0])}, state, params)
    with pytest.raises(TypeError, match=r"^params must be a NumPy array or a dict of arrays, got list$"):
        opt.update(np.zeros(2), opt.init(np.zeros(2)), [0.0, 0.0])


def test_driver_error_messages():
    """apply_updates and run name the bad argument (updates, opt, grad_fn, x0, steps) and what was expected."""
    with pytest.raises(ValueError, match=r"^updates must have the structure \(keys and shapes\) of params: "
                                         r"got \{'a': \(3,\)\}, expected \{'a': \(2,\)\}$"):
        optim.apply_updates({"a": np.zeros(2)}, {"a": np.zeros(3)})
    with pytest.raises(TypeError, match=r"^opt must be an Optimizer \(e\.g\. optim\.gd\(lr=0\.1\)\), got function$"):
        optim.run(optim.gd, lambda x: x, np.ones(2), 3)
    with pytest.raises(TypeError, match=r"^grad_fn must be callable"):
        optim.run(optim.gd(lr=0.1), "x", np.ones(2), 3)
    with pytest.raises(TypeError, match=r"^x0 must be a NumPy array or a dict of arrays, got list$"):
        optim.run(optim.gd(lr=0.1), lambda x: x, [1.0, 2.0], 3)
    with pytest.raises(ValueError, match=r"^x0 must contain only finite values$"):
        optim.run(optim.gd(lr=0.1), lambda x: x, np.array([1.0, np.inf]), 3)
    with pytest.raises(ValueError, match=r"^steps must be an integer >= 0, got -1$"):
        optim.run(optim.gd(lr=0.1), lambda x: x, np.ones(2), -1)
    X = optim.run(optim.gd(lr=0.1), lambda x: x, np.array([1.0, 2.0]), 0)     # zero steps: only x_0
    np.testing.assert_array_equal(X, [[1.0, 2.0]])


@pytest.mark.parametrize("make, kwargs, error, message", [
    (optim.heavy_ball, dict(momentum=-0.1), ValueError, r"^momentum must be >= 0\.0, got -0\.1$"),
    (optim.heavy_ball, dict(momentum=1.0), ValueError, r"^momentum must lie in \[0, 1\), got 1\.0$"),
    (optim.heavy_ball, dict(dampening=-0.1), ValueError, r"^dampening must be >= 0\.0, got -0\.1$"),
    (optim.heavy_ball, dict(dampening=1.5), ValueError, r"^dampening must be <= 1\.0, got 1\.5$"),
    (optim.nesterov, dict(momentum=-0.1), ValueError, r"^momentum must be >= 0\.0, got -0\.1$"),
    (optim.nesterov, dict(momentum=1.0), ValueError, r"^momentum must lie in \[0, 1\), got 1\.0$"),
    (optim.nesterov, dict(momentum="concave"), ValueError, r"^momentum must be a number in \[0, 1\) or 'convex', got 'concave'$"),
    (optim.rmsprop, dict(alpha=-0.5), ValueError, r"^alpha must be >= 0\.0, got -0\.5$"),
    (optim.rmsprop, dict(alpha=1.0), ValueError, r"^alpha must lie in \[0, 1\), got 1\.0$"),
    (optim.rmsprop, dict(momentum=-0.1), ValueError, r"^momentum must be >= 0\.0, got -0\.1$"),
    (optim.rmsprop, dict(momentum=1.0), ValueError, r"^momentum must lie in \[0, 1\), got 1\.0$"),
    (optim.rmsprop, dict(eps=-1.0), ValueError, r"^eps must be >= 0\.0, got -1\.0$"),
    (optim.rmsprop, dict(centered="yes"), TypeError, r"^centered must be a bool, got 'yes'$"),
    (optim.adagrad, dict(eps=-1.0), ValueError, r"^eps must be >= 0\.0, got -1\.0$"),
    (optim.adagrad, dict(initial_accumulator_value=-1.0), ValueError, r"^initial_accumulator_value must be >= 0\.0, got -1\.0$"),
    (optim.adagrad_norm, dict(b0=-1.0), ValueError, r"^b0 must be >= 0\.0, got -1\.0$"),
    (optim.adam, dict(eps=-1.0), ValueError, r"^eps must be >= 0\.0, got -1\.0$"),
    (optim.adam, dict(betas=0.9), TypeError, r"^betas must be a pair \(beta1, beta2\), got 0\.9$"),
    (optim.adam, dict(betas=(0.9, 0.99, 0.5)), TypeError, r"^betas must be a pair \(beta1, beta2\), got \(0\.9, 0\.99, 0\.5\)$"),
    (optim.adam, dict(betas=(-0.1, 0.9)), ValueError, r"^betas\[0\] must be >= 0\.0, got -0\.1$"),
    (optim.adam, dict(betas=(1.5, 0.9)), ValueError, r"^betas\[0\] must be <= 1\.0, got 1\.5$"),
    (optim.adam, dict(betas=(0.9, -0.1)), ValueError, r"^betas\[1\] must be >= 0\.0, got -0\.1$"),
    (optim.adam, dict(betas=(0.9, 1.5)), ValueError, r"^betas\[1\] must be <= 1\.0, got 1\.5$"),
    (optim.adam, dict(betas=(1.0, 0.9)), ValueError, r"^betas must lie in \[0, 1\), got \(1\.0, 0\.9\)$"),
    (optim.adam, dict(betas=(0.9, 1.0)), ValueError, r"^betas must lie in \[0, 1\), got \(0\.9, 1\.0\)$"),
    (optim.adamw, dict(amsgrad=1), TypeError, r"^amsgrad must be a bool, got 1$"),
    (optim.adamw, dict(weight_decay=-1.0), ValueError, r"^weight_decay must be >= 0\.0, got -1\.0$"),
])
def test_hyper_parameter_error_messages(make, kwargs, error, message):
    """Each hyper-parameter outside its range is rejected with a message naming it, the range, and the value."""
    with pytest.raises(error, match=message):
        make(lr=0.1, **kwargs)


def test_lr_error_messages():
    """A negative learning rate, constant or returned by a schedule at some step, is rejected naming lr and the bound."""
    with pytest.raises(ValueError, match=r"^lr must be >= 0\.0, got -0\.1$"):
        optim.gd(lr=-0.1)
    opt = optim.gd(lr=lambda k: 0.1 - 0.1 * k)                 # lr_0 = 0.1, lr_1 = 0, lr_2 = -0.1
    with pytest.raises(ValueError, match=r"^lr must be >= 0\.0, got -0\.1$"):
        optim.run(opt, lambda x: x, np.ones(2), 3)
    np.testing.assert_allclose(optim.run(opt, lambda x: x, np.ones(2), 2), [[1.0, 1.0], [0.9, 0.9], [0.9, 0.9]])


@pytest.mark.parametrize("name", sorted(_ALL_MAKERS))
def test_schedule_scales_each_update(name):
    """Every update is linear in the step size: with a schedule lr_k, update k is lr_k times the update of lr = 1 at the same state, gradient and params."""
    make = _ALL_MAKERS[name]
    extra = {} if name in ("adagrad_norm", "adamw") else dict(weight_decay=0.2)
    sched, unit = make(lr=lambda k: 0.1 * (k + 1) ** 2, **extra), make(lr=1.0, **extra)
    p = np.array([0.5, -1.5, 2.0])
    s1, s2 = sched.init(p), unit.init(p)
    for k, g in enumerate(_gradient_sequence(6, 3)):
        u1, s1 = sched.update(g, s1, p)
        u2, s2 = unit.update(g, s2, p)
        np.testing.assert_allclose(u1, 0.1 * (k + 1) ** 2 * u2, rtol=1e-13, atol=0)
        assert np.all(u2 != 0)


def _fixed_gradient_runs(opt: optim.Optimizer, torch_cls, torch_hyper: dict, G: np.ndarray, x0: np.ndarray):
    """Feed the same gradient sequence G (independent of the iterates) to opt and to torch; return both iterates and states."""
    x, state, ours, states = x0.copy(), opt.init(x0), [x0.copy()], []
    for g in G:
        u, state = opt.update(g, state, x)
        x = optim.apply_updates(x, u)
        ours.append(x)
        states.append(state)
    p = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    topt = torch_cls([p], **torch_hyper)
    theirs, torch_states = [x0.copy()], []
    for g in G:
        topt.zero_grad()
        p.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        theirs.append(p.detach().numpy().copy())
        torch_states.append({k: (v.numpy().copy() if torch.is_tensor(v) else v) for k, v in topt.state[p].items()})
    return np.array(ours), np.array(theirs), states, torch_states


def _gradient_sequence(steps: int = 30, d: int = 5) -> np.ndarray:
    """Gradients whose scale jumps between 10 and 1e-3, so that second moments decrease at times (AMSGrad's max matters)."""
    rng = np.random.default_rng(11)
    return rng.standard_normal((steps, d)) * np.resize([10.0, 10.0, 1e-3, 1e-3, 1e-3, 1.0], steps)[:, None]


@pytest.mark.parametrize("name, torch_cls, torch_hyper", [
    ("adagrad", torch.optim.Adagrad, {}),
    ("rmsprop", torch.optim.RMSprop, {}),
    ("adam", torch.optim.Adam, {}),
    ("amsgrad", torch.optim.Adam, dict(amsgrad=True)),
    ("adamw", torch.optim.AdamW, {}),
])
def test_default_hyper_parameters_are_torchs(name, torch_cls, torch_hyper):
    """Called without arguments, the adaptive optimizers equal torch's with its defaults (lr, eps, alpha, betas, weight_decay, amsgrad)."""
    G = _gradient_sequence()
    x0 = np.random.default_rng(12).standard_normal(5)
    ours, theirs, _, _ = _fixed_gradient_runs(optim.OPTIMIZERS[name](), torch_cls, torch_hyper, G, x0)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)
    assert np.max(np.abs(ours[-1] - ours[0])) > 1e-3                      # the runs moved: the lr is seen


def test_default_hyper_parameters_of_gd_and_adagrad_norm():
    """gd/sgd default to no weight decay (torch's SGD); adagrad_norm defaults to eta = 1, b_0 = 0.01 (torch's Adagrad with s_0 = b_0^2 on a scalar)."""
    G = _gradient_sequence(d=1)
    x0 = np.array([0.7])
    for make in (optim.gd, optim.sgd):
        ours, theirs, _, _ = _fixed_gradient_runs(make(lr=0.1), torch.optim.SGD, dict(lr=0.1), G, x0)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)
    ours, theirs, _, _ = _fixed_gradient_runs(optim.adagrad_norm(), torch.optim.Adagrad,
                                              dict(lr=1.0, eps=0.0, initial_accumulator_value=1e-4), G, x0)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)


def test_weight_decay_one_is_applied():
    """With zero loss gradient, weight decay lambda = 1 makes GD contract: x_k = (1 - eta)^k x_0."""
    X = optim.run(optim.gd(lr=0.25, weight_decay=1.0), lambda x: np.zeros_like(x), np.array([1.0, -2.0]), 6)
    np.testing.assert_allclose(X, 0.75 ** np.arange(7)[:, None] * np.array([1.0, -2.0]), rtol=1e-15)


@pytest.mark.parametrize("name", sorted(_ALL_MAKERS))
def test_without_weight_decay_the_update_ignores_parameter_values(name):
    """With weight_decay = 0 the update is a function of the gradients and the state only: parameter values (even inf, nan) do not enter it."""
    make = _ALL_MAKERS[name]
    opt = make(lr=0.1) if name == "adagrad_norm" else make(lr=0.1, weight_decay=0.0)
    finite, wild = np.array([0.5, -1.0, 2.0]), np.array([np.inf, -np.inf, np.nan])
    state = opt.init(finite)
    for g in ([1.0, -2.0, 0.5], [0.3, 0.1, -4.0]):
        u1, s1 = opt.update(np.array(g), state, finite)
        u2, _ = opt.update(np.array(g), state, wild)
        np.testing.assert_array_equal(u1, u2)
        assert np.all(np.isfinite(u1))
        state = s1


def test_updates_are_computed_in_float64():
    """apply_updates and AdamW's decoupled decay compute in float64 whatever the dtype of params and updates (float32 inputs are not rounded to float32)."""
    p32, u32 = np.array([1.0, 3.0], dtype=np.float32), np.array([1e-8, 1e-8], dtype=np.float32)
    out = optim.apply_updates(p32, u32)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.array([1.0, 3.0]) + np.float64(np.float32(1e-8)))
    opt = optim.adamw(lr=0.1, weight_decay=0.3)
    p32 = np.array([1.1, -2.7, 0.3], dtype=np.float32)
    g = np.array([0.2, -0.1, 0.4])
    u32, _ = opt.update(g, opt.init(p32), p32)
    u64, _ = opt.update(g, opt.init(p32.astype(float)), p32.astype(float))
    np.testing.assert_array_equal(u32, u64)


def test_tree_keys_may_mix_types():
    """A dict tree may mix integer and string keys (layer indices and names): it is compared and updated key by key."""
    x0 = {0: np.array([1.0, -1.0]), "w": np.array([2.0])}
    X = optim.run(optim.gd(lr=0.5), lambda t: {k: v for k, v in t.items()}, x0, 2)
    np.testing.assert_allclose(X[0], [[1.0, -1.0], [0.5, -0.5], [0.25, -0.25]])
    np.testing.assert_allclose(X["w"], [[2.0], [1.0], [0.5]])


def test_adagrad_norm_zero_accumulator_gives_zero_step():
    """AdaGrad-Norm's step is 0 (not nan) while b_k = 0 (b_0 = 0, zero gradients), and with lr = 0 no gradient moves the parameters, even one whose square underflows."""
    opt = optim.adagrad_norm(lr=1.0, b0=0.0)
    state = opt.init(np.zeros(2))
    u, state = opt.update(np.zeros(2), state, np.zeros(2))
    np.testing.assert_array_equal(u, [0.0, 0.0])
    assert state.b_sq == 0.0
    u, _ = opt.update(np.array([3.0, 4.0]), state, np.zeros(2))        # then b_1 = 5: a unit step along -g/|g|
    np.testing.assert_allclose(u, [-0.6, -0.8], rtol=1e-15)
    frozen = optim.adagrad_norm(lr=0.0, b0=0.0)
    for g in ([1e-200, -1e-200], [0.5, 2.0]):
        u, _ = frozen.update(np.array(g), frozen.init(np.zeros(2)), np.zeros(2))
        np.testing.assert_array_equal(u, [0.0, 0.0])


def test_rmsprop_without_momentum_keeps_no_momentum_buffer():
    """Plain RMSProp (momentum 0) has no momentum: its buffer b_k stays at its initial 0, as torch keeps none."""
    opt = optim.rmsprop(lr=0.1)
    state = opt.init(np.zeros(3))
    for g in _gradient_sequence(5, 3):
        _, state = opt.update(g, state, np.zeros(3))
    np.testing.assert_array_equal(state.buf, np.zeros(3), strict=True)


# torch's name for each of our state buffers
_TORCH_STATE_NAMES = {"count": "step", "buf": "momentum_buffer", "sum_sq": "sum", "square_avg": "square_avg",
                      "grad_avg": "grad_avg", "exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq",
                      "max_exp_avg_sq": "max_exp_avg_sq"}


@pytest.mark.parametrize("name, hyper, torch_cls, torch_hyper", [
    ("adam", dict(lr=0.01), torch.optim.Adam, dict(lr=0.01)),
    ("amsgrad", dict(lr=0.01), torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
    ("adamw", dict(lr=0.01), torch.optim.AdamW, dict(lr=0.01)),
    ("adamw", dict(lr=0.01, amsgrad=True), torch.optim.AdamW, dict(lr=0.01, amsgrad=True)),
    ("rmsprop", dict(lr=0.01), torch.optim.RMSprop, dict(lr=0.01)),
    ("rmsprop", dict(lr=0.01, centered=True), torch.optim.RMSprop, dict(lr=0.01, centered=True)),
    ("rmsprop", dict(lr=0.01, momentum=0.5), torch.optim.RMSprop, dict(lr=0.01, momentum=0.5)),
    ("rmsprop", dict(lr=0.01, momentum=0.5, centered=True), torch.optim.RMSprop,
     dict(lr=0.01, momentum=0.5, centered=True)),
    ("heavy_ball", dict(lr=0.01, momentum=0.9), torch.optim.SGD, dict(lr=0.01, momentum=0.9)),
    ("adagrad", dict(lr=0.1), torch.optim.Adagrad, dict(lr=0.1)),
])
def test_state_buffers_are_torchs_and_unused_buffers_stay_zero(name, hyper, torch_cls, torch_hyper):
    """Each buffer torch keeps equals torch's state after every step; one torch keeps none of for these options (AMSGrad's max without amsgrad, uncentered RMSProp's mean gradient, its momentum buffer at momentum 0) stays at init's 0."""
    G = _gradient_sequence(12, 4)
    x0 = np.random.default_rng(15).standard_normal(4)
    _, _, states, torch_states = _fixed_gradient_runs(optim.OPTIMIZERS[name](**hyper), torch_cls, torch_hyper, G, x0)
    for state, theirs in zip(states, torch_states):
        for field, value in state._asdict().items():
            key = _TORCH_STATE_NAMES[field]
            if field == "count":
                assert key not in theirs or value == theirs[key]
            elif key in theirs:
                np.testing.assert_allclose(value, theirs[key], rtol=1e-12, atol=1e-300)
            else:
                np.testing.assert_array_equal(value, np.zeros(4), strict=True)


@pytest.mark.parametrize("name", sorted(_ALL_MAKERS))
def test_init_state_is_zero_buffers_shaped_like_params(name):
    """init returns step count 0 and buffers with the keys and shapes of params, all 0 (Adagrad's sum at s_0, AdaGrad-Norm's scalar at b_0^2)."""
    params = {"w": np.ones((2, 3)), "b": np.ones(4)}
    if name == "adagrad":
        opt, fill = optim.adagrad(lr=0.1, initial_accumulator_value=0.5), 0.5
    elif name == "adagrad_norm":
        state = optim.adagrad_norm(lr=0.1, b0=0.5).init(params)
        assert state.count == 0 and state.b_sq == 0.25
        return
    else:
        opt, fill = _ALL_MAKERS[name](lr=0.1), 0.0
    state = opt.init(params)
    assert state.count == 0
    buffers = list(state[1:])
    assert len(buffers) == (0 if name in ("gd", "sgd") else 1 if name in ("heavy_ball", "nesterov", "adagrad") else 3)
    for buf in buffers:
        assert set(buf) == {"w", "b"}
        np.testing.assert_array_equal(buf["w"], np.full((2, 3), fill), strict=True)
        np.testing.assert_array_equal(buf["b"], np.full(4, fill), strict=True)


@pytest.mark.parametrize("beta1", [0.0, 0.5])
def test_adam_first_moment_bitwise_where_torch_lerp_is_exact(beta1):
    """For beta1 = 0 the first moment is the gradient itself, m_k = g_k, and for beta1 = 1/2 it equals torch's exp_avg bit for bit (its lerp multiplies by 1/2, exactly)."""
    G = _gradient_sequence()
    x0 = np.random.default_rng(13).standard_normal(5)
    _, _, states, torch_states = _fixed_gradient_runs(optim.adam(lr=0.01, betas=(beta1, 0.99)), torch.optim.Adam,
                                                      dict(lr=0.01, betas=(beta1, 0.99)), G, x0)
    for g, s, t in zip(G, states, torch_states):
        np.testing.assert_array_equal(s.exp_avg, t["exp_avg"])
        if beta1 == 0.0:
            np.testing.assert_array_equal(s.exp_avg, g)


@pytest.mark.parametrize("beta1", [0.99, 0.9, 0.1])
def test_adam_first_moment_update_is_numerically_stable(beta1):
    r"""One step of $m \leftarrow m + w(g - m)$, $w = 1 - \beta_1$, is within $u(|m'| + 2\min(w, 1-w)|g - m|)$ of the exact value ($u = 2^{-53}$): the formula anchored at the nearer end is used."""
    rng = np.random.default_rng(14)
    n, w = 300, 1.0 - beta1                                  # 1 - beta1 is exact in floating point (Sterbenz)
    g = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)
    m = (rng.uniform(-0.2, 0.2, n) - w) * g / (1.0 - w)     # m' = m + w (g - m) is a small fraction of g: cancellation
    opt = optim.adam(lr=0.01, betas=(beta1, 0.99))
    state = optim.AdamState(0, m, np.zeros(n), np.zeros(n))
    _, new = opt.update(g, state, np.zeros(n))
    u, wf = Fraction(2) ** -53, Fraction(w)
    for mi, gi, ri in zip(m, g, new.exp_avg):
        exact = Fraction(mi) + wf * (Fraction(gi) - Fraction(mi))
        bound = u * (abs(exact) + 2 * min(wf, 1 - wf) * abs(Fraction(gi) - Fraction(mi))) * Fraction(1001, 1000)
        assert abs(Fraction(ri) - exact) <= bound



# ----------------------------------------------------------------------------- learning-rate schedules with momentum

def _schedule(k: int) -> float:
    """A warm-up then decay schedule, so that an off-by-one in the step count changes every step."""
    return 0.05 * min(1.0, (k + 1) / 5) / (1 + 0.1 * k)


def _torch_scheduled(hyper: dict, grad_fn, x0: np.ndarray, steps: int, schedule) -> np.ndarray:
    """torch.optim.SGD with base lr 1 and LambdaLR(schedule), stepped once per iteration: lr at step k is schedule(k)."""
    p = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=1.0, **hyper)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        p.grad = torch.tensor(grad_fn(p.detach().numpy().copy()), dtype=torch.float64)
        opt.step()
        sched.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("name, hyper, torch_hyper", [
    ("gd", dict(), dict()),
    ("heavy_ball", dict(momentum=0.9), dict(momentum=0.9)),
    ("heavy_ball", dict(momentum=0.8, dampening=0.3), dict(momentum=0.8, dampening=0.3)),
    ("nesterov", dict(momentum=0.9), dict(momentum=0.9, nesterov=True)),
])
def test_schedule_with_momentum_equals_torch_lambdalr(name, hyper, torch_hyper):
    """A callable lr in gd, heavy_ball and nesterov equals torch's LambdaLR schedule step for step; the schedule shifted by one step does not."""
    prob = problems.random_quadratic(np.geomspace(0.1, 5.0, 6), seed=2)
    x0 = np.random.default_rng(3).standard_normal(6)
    ref = _torch_scheduled(torch_hyper, prob.grad, x0, 60, _schedule)
    ours = optim.run(optim.OPTIMIZERS[name](lr=_schedule, **hyper), prob.grad, x0, 60)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    shifted = optim.run(optim.OPTIMIZERS[name](lr=lambda k: _schedule(k + 1), **hyper), prob.grad, x0, 60)
    assert np.max(np.abs(shifted - ref)) > 1e-4                # negative control: an off-by-one schedule
    constant = optim.run(optim.OPTIMIZERS[name](lr=_schedule(0), **hyper), prob.grad, x0, 60)
    assert np.max(np.abs(constant - ref)) > 1e-4               # negative control: the schedule ignored


# ----------------------------------------------------------------------------- claims of the chapter Gradient methods
#
# Every bound is tested on an instance where it is nearly tight, and the test pins the tightness ratio
# (gap / bound) to a value computed independently (a closed form or exact rational arithmetic), so that
# an excess doubled by a bug, or an overstated constant, fails. Each check is a function returning
# True/False; the wrong variants below it (named for the mistake) must make it return False.

L_SMOOTH = 1.0


def _two_direction_quadratic(L: float, lam: float) -> problems.Quadratic:
    """f(x) = (L x_1^2 + lam (x_2 - 1)^2)/2 up to a constant: smoothness L, and from x_0 = 0 the error lies along lam."""
    A = np.diag([L, lam])
    return problems.Quadratic(A, A @ np.array([0.0, 1.0]))


class _Huber:
    """Drori and Teboulle's worst function for GD: L tau |x| - L tau^2/2 for |x| >= tau, L x^2/2 inside; tau = R/(2K+1).

    Convex and L-smooth; from x_0 = R, GD with step 1/L moves by tau per step, and
    f(x_K) = L R^2/(2(2K+1)), i.e. K/(2K+1) times the bound L R^2/(2K).
    """

    def __init__(self, L: float, R: float, K: int):
        self.L, self.tau = L, R / (2 * K + 1)

    def value(self, x):
        a = np.abs(np.asarray(x, dtype=float))
        return np.where(a >= self.tau, self.L * self.tau * a - self.L * self.tau**2 / 2, self.L * a**2 / 2)[..., 0]

    def grad(self, x):
        return self.L * np.clip(np.asarray(x, dtype=float), -self.tau, self.tau)


# --- GD on convex functions: L ||x_0 - x*||^2 / (2k)

def _gd_convex_check(gaps: np.ndarray, L: float, r0: float, expected_ratio: float) -> bool:
    """gap_k <= L r0/(2k) for k = 1..K, and gap_K / bound_K equals the independently computed ratio (rel. 1e-9)."""
    k = np.arange(1, gaps.size)
    ratio = gaps[1:] / (L * r0 / (2 * k))
    return bool(np.all(ratio <= 1 + 1e-12) and abs(ratio[-1] - expected_ratio) <= 1e-9 * expected_ratio)


def _gd_convex_instances(K: int, lr_factor: float = 1.0, excess_factor: float = 1.0):
    """(gaps, L, r0, expected ratio) on the two near-worst instances: an eigenvalue L/(2K+1), and the Huber function."""
    lam = L_SMOOTH / (2 * K + 1)
    quad = _two_direction_quadratic(L_SMOOTH, lam)
    gaps = quad.excess(optim.run(optim.gd(lr=lr_factor / L_SMOOTH), quad.grad, np.zeros(2), K)) * excess_factor
    # closed form: (lam/2)(1 - lam/L)^(2K) / (L/(2K)) = K (lam/L) (1 - lam/L)^(2K)
    yield gaps, L_SMOOTH, 1.0, K * lam / L_SMOOTH * (1 - lam / L_SMOOTH) ** (2 * K)
    R = 2.0
    hub = _Huber(L_SMOOTH, R, K)
    gaps = hub.value(optim.run(optim.gd(lr=lr_factor / L_SMOOTH), hub.grad, np.array([R]), K)) * excess_factor
    yield gaps, L_SMOOTH, R**2, K / (2 * K + 1)


@pytest.mark.claim("thm-gm-convex")
@pytest.mark.parametrize("K", [10, 200])
def test_convex_bound_is_nearly_attained(K):
    r"""GD's gap obeys $L\norm{x_0 - x^*}^2/(2k)$ on an eigenvalue at $L/(2K+1)$ and on the Huber function, with tightness ratios (about $1/(2e)$ and $1/2$) equal to their closed forms."""
    for gaps, L, r0, expected in _gd_convex_instances(K):
        assert _gd_convex_check(gaps, L, r0, expected)


def _wrong_doubled_excess(K):
    """GD whose gap is twice the true one (e.g. a step that overshoots by the right amount)."""
    return _gd_convex_instances(K, excess_factor=2.0)


def _wrong_half_step(K):
    """GD with step 1/(2L) in place of 1/L."""
    return _gd_convex_instances(K, lr_factor=0.5)


def test_convex_check_rejects_wrong_variants():
    """The convex-rate check fails on a doubled excess, on step 1/(2L), and on an overstated bound L r0/(8k)."""
    for K in (10, 200):
        for variant in (_wrong_doubled_excess, _wrong_half_step):
            assert not all(_gd_convex_check(*inst) for inst in variant(K)), variant.__name__
        # _wrong_bound_over_8k: the bound L r0/(8k) is four times stronger than the theorem's
        assert not all(_gd_convex_check(g, L / 4, r0, 4 * e) for g, L, r0, e in _gd_convex_instances(K))


def test_convex_rate_slope_on_power_law_quadratic():
    """On the power-law quadratic GD's gap decays with log-log slope about -1 (the exponent of the bound is attained)."""
    prob = problems.power_law_quadratic(400, L_SMOOTH)
    j = np.arange(1, 401)
    np.testing.assert_allclose(np.sort(prob.eigenvalues)[::-1], L_SMOOTH / j**2, rtol=1e-13)   # the power law
    np.testing.assert_allclose(prob.x_star, j**-0.5, rtol=1e-12)
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(400), 400)
    k = np.arange(1, 401)
    fit = plotting.fit_power_law(k[20:], prob.excess(X)[21:])
    assert -1.1 < fit.slope < -0.9


# --- descent lemma and stationarity

@pytest.mark.claim("lem-gm-descent")
def test_descent_lemma():
    r"""With step $1/L$ each GD step decreases $f$ by at least $\norm{\nabla f}^2/(2L)$, with equality on a quadratic along the top eigenvector."""
    prob = _logistic_problem(5, n=60, d=8)
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(8), 50)
    f, g = prob.value(X), prob.grad(X)
    decrease = f[:-1] - f[1:]
    assert np.all(decrease >= np.sum(g[:-1] ** 2, axis=1) / (2 * prob.L) - 1e-14)
    quad = _two_direction_quadratic(2.0, 0.5)
    x = np.array([1.0, 1.0])                                       # error along the eigenvalue L = 2
    dec = quad.value(x) - quad.value(x - quad.grad(x) / quad.L)
    assert np.isclose(dec, np.sum(quad.grad(x) ** 2) / (2 * quad.L), rtol=1e-12)
    # negative control: the guarantee ||grad||^2/L (a missing factor 1/2) fails on the same point
    assert dec < np.sum(quad.grad(x) ** 2) / quad.L


@pytest.mark.claim("thm-gm-smooth")
def test_stationarity_rate():
    """The smallest squared gradient of GD with step $1/L$ is at most $2L(f(x_0) - f^*)/k$; on a one-step instance the bound is attained."""
    prob = _logistic_problem(6, n=60, d=8)
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(8), 300)
    g2 = np.minimum.accumulate(np.sum(prob.grad(X) ** 2, axis=1))
    k = np.arange(1, 301)
    assert np.all(g2[:-1] <= 2 * prob.L * (prob.value(X[0]) - 0.0) / k)     # f* >= 0 for logistic
    # tight instance: f = L x^2/2 from x_0 = 1, k = 1: ||grad f(x_0)||^2 = L^2 = 2L (f(x_0) - f*)
    quad = _two_direction_quadratic(3.0, 1.0)
    x0 = np.array([1.0, 0.0]) + quad.x_star
    ratio = np.sum(quad.grad(x0) ** 2) / (2 * quad.L * quad.excess(x0))
    assert np.isclose(ratio, 1.0, rtol=1e-12)
    # negative control: the bound L (f(x_0) - f*)/k (a missing factor 2) is violated on the same instance
    assert np.sum(quad.grad(x0) ** 2) > quad.L * quad.excess(x0)


# --- PL: (1 - mu/L)^k

def _pl_check(gaps: np.ndarray, mu: float, L: float) -> bool:
    """gap_k <= (1 - mu/L)^k gap_0 for every k, and the largest ratio (at k = 1) equals its closed form 1 - mu/L (rel. 1e-9).

    On the instance below the error lies along the eigenvalue mu, so gap_k = (1 - mu/L)^(2k) gap_0 and the
    ratio to the bound is (1 - mu/L)^k: the bound is attained to first order at k = 1.
    """
    k = np.arange(gaps.size)
    ratio = gaps[1:] / ((1 - mu / L) ** k[1:] * gaps[0])
    return bool(np.all(ratio <= 1 + 1e-12) and abs(ratio.max() - (1 - mu / L)) <= 1e-9)


def _pl_gaps(kappa: float, lr_factor: float = 1.0, excess_factor: float = 1.0) -> np.ndarray:
    quad = _two_direction_quadratic(L_SMOOTH, L_SMOOTH / kappa)
    gaps = quad.excess(optim.run(optim.gd(lr=lr_factor / L_SMOOTH), quad.grad, np.zeros(2), 100))
    gaps[1:] *= excess_factor
    return gaps


@pytest.mark.claim("thm-gm-pl")
@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_linear_rate_gd_nearly_attained(kappa):
    r"""GD with step $1/L$ obeys $f(x_k) - f^* \le (1 - \mu/L)^k(f(x_0) - f^*)$, attained to first order at $k = 1$ (tightness $1 - \mu/L$)."""
    assert _pl_check(_pl_gaps(kappa), L_SMOOTH / kappa, L_SMOOTH)
    # and the per-step contraction on a random strongly convex quadratic
    prob = problems.random_quadratic(np.geomspace(1.0 / kappa, 1.0, 20), seed=1)
    gap = prob.excess(optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(20), 200))
    assert np.all(gap[1:] <= gap[:-1] * (1 - prob.mu / prob.L) * (1 + 1e-9) + 1e-14)


def test_pl_check_rejects_wrong_variants():
    """The PL check fails on a doubled excess, on step 1/(2L), and on the overstated rate (1 - 2 mu/L)^k."""
    kappa = 100.0
    mu = L_SMOOTH / kappa
    assert not _pl_check(_pl_gaps(kappa, excess_factor=2.0), mu, L_SMOOTH)        # _wrong_doubled_excess
    assert not _pl_check(_pl_gaps(kappa, lr_factor=0.5), mu, L_SMOOTH)            # _wrong_half_step
    assert not _pl_check(_pl_gaps(kappa), 2 * mu, L_SMOOTH)                       # _wrong_rate_two_mu


@pytest.mark.claim("prop-gm-ls-pl")
def test_pl_overparameterized_least_squares():
    r"""Overparameterized least squares is PL with $\mu = \lambda_{\min}(\Phi\Phi^\top)$, with equality along an eigenvector, not strongly convex, and GD contracts by $1 - \mu/L$."""
    rng = np.random.default_rng(2)
    n, d = 20, 60
    Phi = rng.standard_normal((n, d)) / np.sqrt(d)
    prob = problems.Quadratic(Phi.T @ Phi, Phi.T @ rng.standard_normal(n))
    ev = np.linalg.eigvalsh(prob.A)
    mu_pl = np.linalg.eigvalsh(Phi @ Phi.T)[0]
    assert ev.min() < 1e-10 < mu_pl                            # singular Hessian, positive PL constant
    X = optim.run(optim.gd(lr=1 / prob.L), prob.grad, np.zeros(d), 400)
    gap = prob.excess(X)
    pl_ratio = 0.5 * np.sum(prob.grad(X) ** 2, axis=1) / gap    # the PL inequality along the path
    assert np.all(pl_ratio >= mu_pl * (1 - 1e-10))
    w, V = np.linalg.eigh(prob.A)
    v = V[:, np.argmin(np.where(w > 1e-10, w, np.inf))]         # eigenvector of the smallest positive eigenvalue
    x = prob.x_star + v
    assert np.isclose(0.5 * np.sum(prob.grad(x) ** 2) / prob.excess(x), mu_pl, rtol=1e-8)  # cannot be raised
    assert np.all(gap[1:] <= gap[:-1] * (1 - mu_pl / prob.L) * (1 + 1e-9) + 1e-14)
    # negative control: the smallest eigenvalue of Phi^T Phi (zero) would give no rate; twice mu_pl is violated
    assert not np.all(pl_ratio >= 2 * mu_pl)


@pytest.mark.claim("lem-gm-strong-pl")
def test_strong_convexity_implies_pl():
    r"""A $\mu$-strongly convex quadratic satisfies PL with the same $\mu$, with equality along the eigenvector of $\mu$; $2\mu$ fails."""
    rng = np.random.default_rng(8)
    quad = problems.random_quadratic(np.geomspace(0.05, 2.0, 6), seed=8)
    P = rng.standard_normal((200, 6)) * 3
    ratio = 0.5 * np.sum(quad.grad(P) ** 2, axis=1) / quad.excess(P)
    assert np.all(ratio >= quad.mu * (1 - 1e-12))
    w, V = np.linalg.eigh(quad.A)
    x = quad.x_star + V[:, 0]
    assert np.isclose(0.5 * np.sum(quad.grad(x) ** 2) / quad.excess(x), quad.mu, rtol=1e-10)
    # negative control: the constant 2 mu fails at the eigenvector of mu
    assert 0.5 * np.sum(quad.grad(x) ** 2) < 2 * quad.mu * quad.excess(x)


# --- Nesterov on convex functions: 2 L ||x_0 - x*||^2 / (k+1)^2

NAG_K = 100
NAG_LAM = Fraction(33, 10) / (NAG_K + 1) ** 2      # the eigenvalue where the ratio gap/bound at k = K is largest


def _exact_nesterov_ratios(lam: Fraction, K: int) -> list[Fraction]:
    """gap/bound for k = 1..K of the two-sequence method on f = lam (x - 1)^2/2, L = 1, x_0 = 0, in exact rationals."""
    x_prev = y = Fraction(0)
    out = []
    for k in range(K):
        x = y - lam * (y - 1)
        out.append(lam * (x - 1) ** 2 / 2 / (Fraction(2) / (k + 2) ** 2))
        y = x + Fraction(k, k + 3) * (x - x_prev)
        x_prev = x
    return out


def _nesterov_like(lr: float, beta_at, lookahead: bool = True) -> optim.Optimizer:
    """A momentum method in buffer form b_k = beta_k b_{k-1} + g_k; with lookahead it steps -lr (g_k + beta_{k+1} b_k)."""
    def init(params):
        return optim.MomentumState(0, np.zeros_like(params))

    def update(grads, state, params):
        k = state.count
        buf = beta_at(k) * state.buf + grads
        step = grads + beta_at(k + 1) * buf if lookahead else buf
        return -lr * step, optim.MomentumState(k + 1, buf)

    return optim.Optimizer(init, update)


def _nesterov_check(opt: optim.Optimizer, excess_factor: float = 1.0) -> bool:
    """On the near-worst quadratic, x_k = y_{k-1} - grad f(y_{k-1})/L satisfies the bound and the ratio gap/bound equals the exact rational one."""
    quad = _two_direction_quadratic(L_SMOOTH, float(NAG_LAM))
    Y = optim.run(opt, quad.grad, np.zeros(2), NAG_K)
    X = Y[:-1] - quad.grad(Y[:-1]) / quad.L                           # x_1, ..., x_K
    k = np.arange(1, NAG_K + 1)
    ratio = excess_factor * quad.excess(X) / (2 * quad.L * 1.0 / (k + 1) ** 2)
    exact = np.array([float(r) for r in _exact_nesterov_ratios(NAG_LAM, NAG_K)])
    return bool(np.all(ratio <= 1 + 1e-12) and np.allclose(ratio, exact, rtol=1e-9, atol=0) and ratio[-1] > 0.3)


@pytest.mark.claim("thm-gm-nesterov")
def test_nesterov_convex_bound_on_near_worst_quadratic():
    r"""Nesterov's method obeys $f(x_k) - f^* \le 2L\norm{x_0 - x^*}^2/(k+1)^2$ with the worst-case tightness ratio (about 0.33 at $k = 100$) matching exact rational arithmetic."""
    assert _nesterov_check(optim.nesterov(lr=1 / L_SMOOTH, momentum="convex"))


def test_nesterov_check_rejects_wrong_variants():
    """The Nesterov check fails on the heavy-ball buffer form, on a momentum schedule shifted by one step, and on a doubled excess."""
    lr = 1 / L_SMOOTH
    right = _nesterov_like(lr, lambda k: max(k - 1, 0) / (k + 2))
    assert _nesterov_check(right)                                     # the test's own re-implementation passes
    _wrong_heavy_ball_buffer = _nesterov_like(lr, lambda k: max(k - 1, 0) / (k + 2), lookahead=False)
    _wrong_shifted_schedule = _nesterov_like(lr, lambda k: k / (k + 3))
    assert not _nesterov_check(_wrong_heavy_ball_buffer)
    assert not _nesterov_check(_wrong_shifted_schedule)
    assert not _nesterov_check(optim.nesterov(lr=lr, momentum="convex"), excess_factor=2.0)


def test_nesterov_rate_slope_on_power_law_quadratic():
    """On the power-law quadratic the gap of Nesterov's method decays with log-log slope about -2."""
    prob = problems.power_law_quadratic(400, L_SMOOTH)
    Y = optim.run(optim.nesterov(lr=1 / prob.L, momentum="convex"), prob.grad, np.zeros(400), 150)
    gap = prob.excess(Y[:-1] - prob.grad(Y[:-1]) / prob.L)
    fit = plotting.fit_power_law(np.arange(11, 151), gap[10:])
    assert -2.2 < fit.slope < -1.8


# --- Nesterov on strongly convex functions

def _exact_strong_ratios(kappa: int, K: int) -> list[Fraction]:
    """gap/bound, k = 0..K, on f = mu (x - 1)^2/2 with L = 1, mu = 1/kappa (kappa a square), beta = (sqrt kappa - 1)/(sqrt kappa + 1), exactly."""
    s = int(round(kappa**0.5))
    mu, beta, rate = Fraction(1, kappa), Fraction(s - 1, s + 1), 1 - Fraction(1, s)
    x_prev = y = x = Fraction(0)
    b0 = mu / 2 + mu / 2                                            # f(x_0) - f* + mu/2 ||x_0 - x*||^2
    out = [mu / 2 / b0]
    for k in range(K):
        x = y - mu * (y - 1)
        out.append(mu * (x - 1) ** 2 / 2 / (rate ** (k + 1) * b0))
        y = x + beta * (x - x_prev)
        x_prev = x
    return out


def _nesterov_strong_check(gaps: np.ndarray, kappa: int, rate: float) -> bool:
    """gap_k <= rate^k (gap_0 + mu/2 ||x_0 - x*||^2) for all k, with the largest ratio equal to the exact rational one."""
    k = np.arange(gaps.size)
    mu = 1.0 / kappa
    ratio = gaps / (rate**k * (gaps[0] + mu / 2))
    exact = max(float(r) for r in _exact_strong_ratios(kappa, gaps.size - 1))
    return bool(np.all(ratio <= 1 + 1e-12) and abs(ratio.max() - exact) <= 1e-9 * exact)


def _strong_gaps(kappa: int, opt_factory=None, excess_factor: float = 1.0) -> np.ndarray:
    quad = _two_direction_quadratic(L_SMOOTH, L_SMOOTH / kappa)
    beta = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    opt = (opt_factory or (lambda b: optim.nesterov(lr=1 / L_SMOOTH, momentum=b)))(beta)
    Y = optim.run(opt, quad.grad, np.zeros(2), 300)
    X = np.vstack([np.zeros(2), Y[:-1] - quad.grad(Y[:-1]) / quad.L])
    gaps = quad.excess(X)
    gaps[1:] *= excess_factor
    return gaps


@pytest.mark.claim("thm-gm-nesterov-strong")
@pytest.mark.parametrize("kappa", [100, 2500])
def test_nesterov_strongly_convex_rate(kappa):
    r"""Nesterov with constant momentum obeys the $(1 - \sqrt{\mu/L})^k$ bound with its largest tightness ratio (about 0.7) equal to exact rational arithmetic, and beats GD on a random quadratic."""
    assert _nesterov_strong_check(_strong_gaps(kappa), kappa, 1 - np.sqrt(1.0 / kappa))
    prob = problems.random_quadratic(np.geomspace(1.0 / kappa, 1.0, 30), seed=2)
    beta = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    Y = optim.run(optim.nesterov(lr=1 / prob.L, momentum=beta), prob.grad, np.zeros(30), 400)
    X = np.vstack([np.zeros(30), Y[:-1] - prob.grad(Y[:-1]) / prob.L])
    gap = prob.excess(X)
    k = np.arange(401)
    bound = (1 - np.sqrt(prob.mu / prob.L)) ** k * (gap[0] + prob.mu / 2 * np.sum(prob.x_star**2))
    assert np.all(gap <= bound * (1 + 1e-9) + 1e-13)


def test_nesterov_strong_check_rejects_wrong_variants():
    """The strongly convex check fails on a doubled excess, on the overstated rate 1 - 2 sqrt(mu/L), and on the heavy-ball buffer form."""
    kappa = 100
    rate = 1 - np.sqrt(1.0 / kappa)
    assert not _nesterov_strong_check(_strong_gaps(kappa, excess_factor=2.0), kappa, rate)
    assert not _nesterov_strong_check(_strong_gaps(kappa), kappa, 1 - 2 * np.sqrt(1.0 / kappa))
    hb = _strong_gaps(kappa, opt_factory=lambda b: _nesterov_like(1 / L_SMOOTH, lambda k: b, lookahead=False))
    assert not _nesterov_strong_check(hb, kappa, rate)


# --- heavy ball on quadratics: ||x_k - x*|| <= (1 + (1 + rho) k) rho^k ||x_0 - x*||, equality along the top eigenvector

def _heavy_ball_check(dist: np.ndarray, rho: float, tight: bool) -> bool:
    """dist_k <= (1 + (1 + rho) k) rho^k dist_0 for every k; if ``tight``, with equality (rel. 1e-9) at every k."""
    k = np.arange(dist.size)
    ratio = dist / ((1 + (1 + rho) * k) * rho**k * dist[0])
    ok = np.all(ratio <= 1 + 1e-9)
    return bool(ok and (not tight or np.allclose(ratio, 1.0, rtol=0, atol=1e-9)))


def _heavy_ball_dist(kappa: float, along_top: bool, momentum=None, lookahead=False, dampening=0.0,
                     excess_factor: float = 1.0, K: int = 100) -> tuple[np.ndarray, float]:
    L, mu = L_SMOOTH, L_SMOOTH / kappa
    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    rho = (np.sqrt(L) - np.sqrt(mu)) / (np.sqrt(L) + np.sqrt(mu))
    if along_top:
        A = np.diag([L, 0.5 * (L + mu), mu])
        prob = problems.Quadratic(A, A @ np.array([1.0, 0.0, 0.0]))
        x0 = np.zeros(3)
    else:
        prob = problems.random_quadratic(np.geomspace(mu, L, 30), seed=3)
        x0 = np.zeros(30)
    beta = rho**2 if momentum is None else momentum
    if lookahead:
        opt = optim.nesterov(lr=lr, momentum=beta)
    else:
        opt = optim.heavy_ball(lr=lr, momentum=beta, dampening=dampening)
    X = optim.run(opt, prob.grad, x0, K)
    dist = np.linalg.norm(X - prob.x_star, axis=1)
    dist[1:] *= excess_factor
    return dist, rho


@pytest.mark.claim("thm-gm-heavy-ball")
@pytest.mark.parametrize("kappa", [100.0, 1e4])
def test_heavy_ball_bound_attained_along_top_eigenvector(kappa):
    r"""Tuned heavy ball satisfies $\norm{x_k - x^*} \le (1 + (1+\rho)k)\rho^k\norm{x_0 - x^*}$ on a random quadratic, with equality when $x_0 - x^*$ is the top eigenvector."""
    dist, rho = _heavy_ball_dist(kappa, along_top=True)
    assert _heavy_ball_check(dist, rho, tight=True)
    dist, rho = _heavy_ball_dist(kappa, along_top=False)
    assert _heavy_ball_check(dist, rho, tight=False)


def test_heavy_ball_check_rejects_wrong_variants():
    """The heavy-ball check fails on a doubled distance, on momentum rho instead of rho^2, on the Nesterov look-ahead, and on dampening 1 - beta."""
    kappa = 100.0
    rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    wrong = {
        "_wrong_doubled_distance": _heavy_ball_dist(kappa, True, excess_factor=2.0)[0],
        "_wrong_momentum_rho": _heavy_ball_dist(kappa, True, momentum=rho)[0],
        "_wrong_nesterov_lookahead": _heavy_ball_dist(kappa, True, lookahead=True)[0],
        "_wrong_dampened_ema": _heavy_ball_dist(kappa, True, dampening=1 - rho**2)[0],
    }
    for name, dist in wrong.items():
        assert not _heavy_ball_check(dist, rho, tight=True), name


def test_heavy_ball_step_exceeds_gd_stability_threshold():
    """The tuned heavy-ball step 4/(sqrt L + sqrt mu)^2 exceeds 2/L (it is about 3.3/L for kappa = 100), where GD diverges."""
    L, mu = 1.0, 0.01
    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    assert 3.2 < lr * L < 3.4
    prob = problems.random_quadratic(np.geomspace(mu, L, 10), seed=0)
    assert np.linalg.norm(optim.run(optim.gd(lr=lr), prob.grad, np.zeros(10), 200)[-1] - prob.x_star) > 1e6


def test_heavy_ball_stability_range():
    """Heavy ball with constant (eta, beta) converges iff eta L < 2(1 + beta) (exercise ex-gm-6): just below converges, just above diverges, and 2/L (the GD threshold) is not the boundary."""
    prob = problems.random_quadratic(np.geomspace(0.05, 1.0, 6), seed=7)
    beta = 0.5
    x0 = np.ones(6)

    def final_error(eta_L, steps):
        X = optim.run(optim.heavy_ball(lr=eta_L / prob.L, momentum=beta), prob.grad, x0, steps)
        return np.linalg.norm(X[-1] - prob.x_star)

    assert final_error(2 * (1 + beta) * 0.98, 3000) < 1e-8
    assert final_error(2 * (1 + beta) * 1.02, 3000) > 1e3
    assert final_error(2.5, 3000) < 1e-8                          # beyond GD's threshold 2/L, still stable


# --- the lower bound

def _krylov_minimum_gap(prob: problems.Quadratic, k: int) -> float:
    """min f - f* over span{b, Ab, ..., A^(k-1) b} by least squares over an Arnoldi basis (no use of the tridiagonal structure)."""
    if k == 0:
        return float(prob.excess(np.zeros(prob.b.size)))
    Q = [prob.b / np.linalg.norm(prob.b)]
    for _ in range(k - 1):
        v = prob.A @ Q[-1]
        for _ in range(2):
            for u in Q:
                v = v - (u @ v) * u
        Q.append(v / np.linalg.norm(v))
    Q = np.array(Q).T
    c = np.linalg.lstsq(Q.T @ prob.A @ Q, Q.T @ prob.b, rcond=None)[0]
    return float(prob.excess(Q @ c))


def _conjugate_gradient(prob: problems.Quadratic, K: int) -> np.ndarray:
    """Conjugate gradients from 0 (a first-order method: each iterate is in the span of the gradients so far)."""
    x = np.zeros(prob.b.size)
    r = prob.b - prob.A @ x
    p = r.copy()
    out = [x.copy()]
    for _ in range(K):
        Ap = prob.A @ p
        a = (r @ r) / (p @ Ap)
        x = x + a * p
        r_new = r - a * Ap
        p = r_new + (r_new @ r_new) / (r @ r) * p
        r = r_new
        out.append(x.copy())
    return np.array(out)


def _newton_one_step(prob: problems.Quadratic, K: int) -> np.ndarray:
    """_wrong_not_first_order: Newton's method (uses the inverse Hessian), which reaches x* at k = 1."""
    return np.vstack([np.zeros(prob.b.size)] + [prob.x_star] * K)


def _lower_bound_check(X: np.ndarray, prob: problems.Quadratic, krylov: np.ndarray) -> bool:
    """Each x_k has gap at least the exact minimum of f over the k-th Krylov space."""
    return bool(np.all(prob.excess(X) >= krylov * (1 - 1e-9) - 1e-15))


@pytest.mark.claim("thm-gm-lower-bound")
def test_lower_bound_on_worst_function():
    r"""On Nesterov's worst function the iterates $x_k$ of GD, heavy ball, Nesterov and CG have gap at least the exact Krylov minimum, which equals $\frac{L}{8}\big(\frac{1}{k+1} - \frac{1}{m+1}\big)$; CG attains it and, at $k = K$, $3L\norm{x^*}^2/(32(K+1)^2)$ with ratio $8(K+1)^2/((2K+1)(4K+3))$."""
    K = 30
    m = 2 * K + 1
    prob = problems.nesterov_worst_function(L_SMOOTH, m)
    krylov = np.array([_krylov_minimum_gap(prob, k) for k in range(K + 1)])
    np.testing.assert_allclose(problems.nesterov_lower_bound(L_SMOOTH, np.arange(K + 1), m), krylov, rtol=1e-9)
    Y = optim.run(optim.nesterov(lr=1.0, momentum="convex"), prob.grad, np.zeros(m), K)
    iterates = {
        "gd": optim.run(optim.gd(lr=1.0), prob.grad, np.zeros(m), K),
        "heavy_ball": optim.run(optim.heavy_ball(lr=1.0, momentum=0.5), prob.grad, np.zeros(m), K),
        "nesterov": np.vstack([np.zeros(m), Y[:-1] - prob.grad(Y[:-1])]),       # x_k, not the query points y_k
        "cg": _conjugate_gradient(prob, K),
    }
    for name, X in iterates.items():
        assert _lower_bound_check(X, prob, krylov), name
    cg_gap = prob.excess(iterates["cg"])
    np.testing.assert_allclose(cg_gap[1:], krylov[1:], rtol=1e-8)              # the bound is attained
    r0 = np.sum(prob.x_star**2)
    ratio = cg_gap[K] / (3 * L_SMOOTH * r0 / (32 * (K + 1) ** 2))
    assert np.isclose(ratio, 8 * (K + 1) ** 2 / ((2 * K + 1) * (4 * K + 3)), rtol=1e-8) and ratio >= 1


def test_lower_bound_check_rejects_a_method_that_is_not_first_order():
    """Newton's method (not first order) and a doubled Krylov minimum both fail the lower-bound check."""
    K, m = 10, 21
    prob = problems.nesterov_worst_function(L_SMOOTH, m)
    krylov = np.array([_krylov_minimum_gap(prob, k) for k in range(K + 1)])
    assert not _lower_bound_check(_newton_one_step(prob, K), prob, krylov)
    assert not _lower_bound_check(_conjugate_gradient(prob, K), prob, 2 * krylov)   # _wrong_overstated_bound


def _first_entry_of_inverse_exact(k: int) -> Fraction:
    """(T_k^{-1})_{11} for T_k = tridiag(-1, 2, -1), by exact Gaussian elimination of T_k x = e_1 (Thomas algorithm in rationals)."""
    if k == 0:
        return Fraction(0)
    diag, rhs = [Fraction(2)] * k, [Fraction(1)] + [Fraction(0)] * (k - 1)
    for i in range(1, k):                        # eliminate the sub-diagonal -1
        factor = Fraction(-1) / diag[i - 1]
        diag[i] -= factor * -1
        rhs[i] -= factor * rhs[i - 1]
    x = [Fraction(0)] * k
    for i in reversed(range(k)):
        x[i] = (rhs[i] + (x[i + 1] if i + 1 < k else 0)) / diag[i]
    return x[0]


def _exact_worst_gap(L: Fraction, k: int, dim: int) -> Fraction:
    """min over R^k x {0} of f - f* on Nesterov's worst function: f = (L/4)(x^T T x / 2 - x_1), so the gap is (L/8)((T_d^-1)_11 - (T_k^-1)_11)."""
    return L / 8 * (_first_entry_of_inverse_exact(dim) - _first_entry_of_inverse_exact(k))


def _lower_bound_exact_check(bound_fn, L: float, dim: int) -> bool:
    """bound_fn(L, k, dim) equals the exact rational gap for every k = 0..dim (relative 1e-14)."""
    ks = np.arange(dim + 1)
    got = np.asarray(bound_fn(L, ks, dim), dtype=float)
    exact = np.array([float(_exact_worst_gap(Fraction(L), int(k), dim)) for k in ks])
    return bool(np.allclose(got, exact, rtol=1e-14, atol=0))


def test_lower_bound_closed_form_in_exact_arithmetic():
    r"""nesterov_lower_bound is the exact minimum of $f - f^*$ over $\mathbb{R}^k \times \{0\}$ (rational elimination, not its closed form), attained at $x_i = 1 - i/(k+1)$; $L/9$ and $1/(k+2)$ variants fail."""
    for L, dim in [(3.0, 12), (1.0, 21)]:
        assert _lower_bound_exact_check(problems.nesterov_lower_bound, L, dim)
        assert not _lower_bound_exact_check(lambda L, k, d: L / 9.0 * (1 / (k + 1.0) - 1 / (d + 1.0)), L, dim)
        assert not _lower_bound_exact_check(lambda L, k, d: L / 8.0 * (1 / (k + 2.0) - 1 / (d + 1.0)), L, dim)
        prob = problems.nesterov_worst_function(L, dim)
        for k in (1, dim // 2, dim):                            # tight: the restricted minimizer attains it
            x = np.zeros(dim)
            x[:k] = 1 - np.arange(1, k + 1) / (k + 1)
            assert np.isclose(prob.excess(x), problems.nesterov_lower_bound(L, k, dim), rtol=1e-12, atol=1e-15)


# --- SGD

@pytest.mark.claim("thm-gm-sgd-strong")
def test_sgd_decreasing_steps_rate():
    r"""SGD with steps $2/(\mu(k+k_0))$ on a noisy strongly convex quadratic: $\E\norm{x_k - x^*}^2 \le \nu/(k+k_0)$ and matches its exact recursion within 4 standard errors over independent chains, fitted slope about $-1$."""
    prob = problems.random_quadratic(np.linspace(0.2, 1.0, 5), seed=4)
    L, mu, s, d, chains = prob.L, prob.mu, 0.5, 5, 400
    k0 = 2 * L / mu
    oracle = problems.noisy_gradient(prob.grad, s, seed=0)
    X = optim.run(optim.sgd(lr=lambda k: 2 / (mu * (k + k0))), oracle, np.zeros((chains, d)), 1000)
    sq = np.sum((X - prob.x_star) ** 2, axis=2)                  # (steps, chains): chains are independent
    msd, se = sq.mean(axis=1), sq.std(axis=1, ddof=1) / np.sqrt(chains)
    nu = max(k0 * np.sum(prob.x_star**2), 4 * s**2 * d / mu**2)
    k = np.arange(1001)
    bound = nu / (k + k0)
    assert np.all(msd[1:] <= bound[1:] + 4 * se[1:])
    # pinned: the exact second moments from the recursion r_{k+1,i} = (1 - eta_k lam_i)^2 r_{k,i} + eta_k^2 s^2
    lam, V = np.linalg.eigh(prob.A)
    r = (V.T @ (0 - prob.x_star)) ** 2
    exact = [r.sum()]
    for j in range(1000):
        eta_j = 2 / (mu * (j + k0))
        r = (1 - eta_j * lam) ** 2 * r + eta_j**2 * s**2
        exact.append(r.sum())
    exact = np.array(exact)
    assert np.all(exact <= bound * (1 + 1e-12))
    checkpoints = np.array([10, 100, 1000])
    assert np.all(np.abs(msd[checkpoints] - exact[checkpoints]) <= 4 * se[checkpoints])
    assert not np.all(np.abs(2 * msd[checkpoints] - exact[checkpoints]) <= 4 * se[checkpoints])  # doubled
    fit = plotting.fit_power_law(k[100:] + k0, msd[100:])
    assert -1.15 < fit.slope < -0.85
    # negative control (_wrong_constant_step): a constant step eta_0 stalls at a floor, and the slope check rejects it
    oracle = problems.noisy_gradient(prob.grad, s, seed=1)
    Xc = optim.run(optim.sgd(lr=2 / (mu * k0)), oracle, np.zeros((chains, d)), 1000)
    msd_c = np.mean(np.sum((Xc - prob.x_star) ** 2, axis=2), axis=1)
    assert not -1.15 < plotting.fit_power_law(k[100:] + k0, msd_c[100:]).slope < -0.85


def _floor_formula(etas, lam, s):
    """Stationary E f - f* of constant-step SGD with noise N(0, s^2 I): (eta s^2/2) sum_i 1/(2 - eta lambda_i)."""
    return etas * s**2 / 2 * np.sum(1 / (2 - etas[:, None] * lam[None, :]), axis=1)


def _wrong_floor_small_step(etas, lam, s):
    """The small-step approximation eta s^2 d/4, which drops the curvature correction."""
    return etas * s**2 * lam.size / 4


@pytest.mark.claim("thm-gm-sgd-strong")
def test_sgd_noise_floor_matches_closed_form():
    r"""With a constant step, SGD's stationary gap matches $\frac{\eta s^2}{2}\sum_i \frac{1}{2 - \eta\lambda_i}$ within 4 standard errors over independent chains; the small-step formula is rejected."""
    prob = problems.random_quadratic(np.linspace(0.2, 1.0, 5), seed=4)
    s, chains = 1.0, 200
    lam = np.linalg.eigvalsh(prob.A)
    etas = np.array([0.05, 0.2, 0.8])
    means, ses = [], []
    for i, eta in enumerate(etas):
        oracle = problems.noisy_gradient(prob.grad, s, seed=100 + i)
        X = optim.run(optim.sgd(lr=eta), oracle, np.tile(prob.x_star, (chains, 1)), 1500)
        per_chain = prob.excess(X[300:]).mean(axis=0)           # time average per chain; chains independent
        means.append(per_chain.mean())
        ses.append(per_chain.std(ddof=1) / np.sqrt(chains))
    means, ses = np.array(means), np.array(ses)
    assert np.all(np.abs(means - _floor_formula(etas, lam, s)) <= 4 * ses)
    assert not np.all(np.abs(means - _wrong_floor_small_step(etas, lam, s)) <= 4 * ses)
    # the bound of the theorem: r_k <= (1 - eta mu)^k r_0 + eta sigma^2/mu; at stationarity E||e||^2 <= eta s^2 d / mu
    assert np.all(means <= prob.L / 2 * etas * s**2 * lam.size / prob.mu)


@pytest.mark.claim("thm-gm-sgd-convex")
def test_sgd_convex_averaged_rate():
    r"""Single-example SGD on logistic regression with step $D/(G\sqrt{K})$ has $\E f(\bar x_K) - f^* \le GD/\sqrt{K}$ for the averaged iterate $\bar x_K$, within 4 standard errors."""
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
        gaps = prob.value(W[:-1].mean(axis=0)) - f_star
        assert np.all(gaps >= -1e-12)
        assert gaps.mean() <= G * D / np.sqrt(K) + 4 * gaps.std(ddof=1) / np.sqrt(gaps.size)


def _sgd_convex_ratio(K: int, lr_factor: float = 1.0, excess_factor: float = 1.0) -> float:
    """Ratio of f(xbar_K) - f* to G D/sqrt(K) on a near-worst instance: a Huber function with |f'| <= G = 1, from x_0 = D = 1.

    The kink is smoothed on [-tau, tau] with tau = 0.55 eta G (so that eta L = 1/0.55 < 2). The gradient oracle is exact,
    a valid unbiased oracle with E||g||^2 <= G^2. SGD walks to 0 in sqrt(K) steps of length eta G = D/sqrt(K), then
    oscillates with decaying amplitude, and the average sits near D/(2 sqrt K).
    """
    eta = 1.0 / np.sqrt(K)
    tau = 0.55 * eta
    hub = _Huber(1.0 / tau, tau * (2 * K + 1), K)                   # L tau = G = 1
    X = optim.run(optim.sgd(lr=lr_factor * eta), hub.grad, np.array([1.0]), K)
    return excess_factor * float(hub.value(X[:-1].mean(axis=0))) * np.sqrt(K)


def _exact_sgd_convex_ratio(K: int) -> Fraction:
    """The same ratio in exact rational arithmetic (K a perfect square)."""
    s = int(round(K**0.5))
    eta = Fraction(1, s)
    tau = Fraction(11, 20) * eta
    x, total = Fraction(1), Fraction(0)
    for _ in range(K):
        total += x
        x -= eta * max(-1, min(1, x / tau))
    xbar = abs(total / K)
    f = xbar - tau / 2 if xbar >= tau else xbar**2 / (2 * tau)
    return f * s


def _sgd_convex_check(ratio: float, K: int) -> bool:
    exact = float(_exact_sgd_convex_ratio(K))
    return bool(ratio <= 1 and abs(ratio - exact) <= 1e-9 * exact and ratio > 0.2)


@pytest.mark.claim("thm-gm-sgd-convex")
def test_sgd_convex_bound_nearly_attained():
    r"""On a Lipschitz Huber function the averaged iterate's gap is about 0.27 of $GD/\sqrt{K}$, equal to exact rational arithmetic; a doubled gap, a step 4 times too small and a frozen learner are rejected."""
    for K in (100, 400):
        assert _sgd_convex_check(_sgd_convex_ratio(K), K)
        assert not _sgd_convex_check(_sgd_convex_ratio(K, excess_factor=2.0), K)     # _wrong_doubled_excess
        assert not _sgd_convex_check(_sgd_convex_ratio(K, lr_factor=0.25), K)        # _wrong_step_too_small
        assert not _sgd_convex_check(_sgd_convex_ratio(K, lr_factor=0.0), K)         # _wrong_frozen (ratio > 1)


# --- nonconvex SGD (Ghadimi and Lan)

def _nonconvex_problem():
    """f(x) = sum_i log(1 + x_i^2) on R^10: nonconvex (|x_i| > 1), L = 2, f* = 0; started at x_0 = 3 (1, ..., 1)."""
    f = lambda X: np.sum(np.log1p(X**2), axis=-1)          # noqa: E731
    g = lambda X: 2 * X / (1 + X**2)                       # noqa: E731
    return f, g, 2.0, np.full(10, 3.0)


def _ghadimi_lan_bound(L, delta, sigma2, K):
    return 2 * L * delta / K + 2 * np.sqrt(2 * L * delta * sigma2 / K)


def _ghadimi_lan_measure(K: int, seed: int, chains: int = 100, s: float = 1.0, frozen: bool = False):
    """Mean over k < K and over independent chains of ||grad f(x_k)||^2, its standard error, and the bound."""
    f, g, L, x0 = _nonconvex_problem()
    sigma2 = s**2 * x0.size
    delta = f(x0)
    eta = 0.0 if frozen else min(1 / L, np.sqrt(2 * delta / (L * sigma2 * K)))
    X = optim.run(optim.sgd(lr=eta), problems.noisy_gradient(g, s, seed=seed), np.tile(x0, (chains, 1)), K)
    per_chain = np.mean(np.sum(g(X[:-1]) ** 2, axis=2), axis=0)
    return per_chain.mean(), per_chain.std(ddof=1) / np.sqrt(chains), _ghadimi_lan_bound(L, delta, sigma2, K)


@pytest.mark.claim("thm-gm-sgd-nonconvex")
def test_nonconvex_sgd_stationarity_rate():
    r"""On a smooth nonconvex function with noisy gradients, SGD's average $\E\norm{\nabla f(x_k)}^2$ is below $2L\Delta/K + 2\sqrt{2L\Delta\sigma^2/K}$, at about half of it, and decays like $K^{-1/2}$."""
    means, ratios = [], []
    Ks = [100, 400, 1600]
    for i, K in enumerate(Ks):
        m, se, bound = _ghadimi_lan_measure(K, seed=200 + i)
        assert m <= bound + 4 * se
        ratios.append(m / bound)
        means.append(m)
    assert min(ratios) > 0.3                                  # near-worst: the bound is not vacuous here
    slope = np.polyfit(np.log(Ks), np.log(means), 1)[0]
    assert -0.6 < slope < -0.4


def _quadratic_stationarity_exact(L, x0, s, eta, K):
    """E of (1/K) sum_{k<K} ||grad f(x_k)||^2 for f = L||x||^2/2 and noise N(0, s^2 I), from the second-moment recursion.

    E||x_k||^2 = q^k ||x_0||^2 + eta^2 s^2 d (1 - q^k)/(1 - q) with q = (1 - eta L)^2, and ||grad f||^2 = L^2 ||x||^2.
    """
    q = (1 - eta * L) ** 2
    k = np.arange(K)
    second = q**k * np.sum(x0**2) + eta**2 * s**2 * x0.size * (1 - q**k) / (1 - q)
    return L**2 * second.mean()


@pytest.mark.claim("thm-gm-sgd-nonconvex")
def test_stationarity_bound_pinned_on_a_quadratic():
    r"""On $f = L\norm{x}^2/2$ (an $L$-smooth function where the expectation is exact) SGD's average squared gradient matches its closed form within 4 standard errors, at about half the Ghadimi-Lan bound; a doubled value is rejected."""
    L, s, chains = 2.0, 1.0, 200
    x0 = np.full(10, 3.0)
    delta, sigma2 = L / 2 * np.sum(x0**2), s**2 * x0.size
    for i, K in enumerate((100, 1000)):
        eta = min(1 / L, np.sqrt(2 * delta / (L * sigma2 * K)))
        oracle = problems.noisy_gradient(lambda X: L * X, s, seed=400 + i)
        X = optim.run(optim.sgd(lr=eta), oracle, np.tile(x0, (chains, 1)), K)
        per_chain = np.mean(np.sum((L * X[:-1]) ** 2, axis=2), axis=0)
        m, se = per_chain.mean(), per_chain.std(ddof=1) / np.sqrt(chains)
        exact = _quadratic_stationarity_exact(L, x0, s, eta, K)
        bound = _ghadimi_lan_bound(L, delta, sigma2, K)
        assert abs(m - exact) <= 4 * se
        assert 0.4 < exact / bound <= 1
        assert abs(2 * m - exact) > 4 * se                          # _wrong_doubled_excess


def test_nonconvex_sgd_check_rejects_wrong_variants():
    """A 1/K rate in place of 1/sqrt(K) is violated by the measurement, and a frozen learner violates the bound."""
    K = 1600
    m, se, bound = _ghadimi_lan_measure(K, seed=202)
    f, g, L, x0 = _nonconvex_problem()
    _wrong_rate_one_over_K = 2 * L * f(x0) / K + 2 * np.sqrt(2 * L * f(x0) * x0.size) / K
    assert m > _wrong_rate_one_over_K + 4 * se
    m_frozen, se_frozen, _ = _ghadimi_lan_measure(K, seed=203, frozen=True)
    assert m_frozen > bound + 4 * se_frozen


# --- Polyak-Ruppert averaging

def _averaging_exact(lam: np.ndarray, s: float, eta: float, K: int) -> float:
    """E f(xbar_K) - f* for xbar_K = (1/K) sum_{k<K} x_k, x_0 = x*, noise N(0, s^2 I): (s^2/(2K^2)) sum_i (1/lam_i) sum_{m=1}^{K-1} (1 - (1 - eta lam_i)^m)^2."""
    m = np.arange(1, K)
    return s**2 / (2 * K**2) * sum(np.sum((1 - (1 - eta * li) ** m) ** 2) / li for li in lam)


@pytest.mark.claim("prop-gm-averaging")
def test_polyak_ruppert_averaging():
    r"""With a constant step, $K(\E f(\bar x_K) - f^*)$ of the averaged iterate matches its exact finite-$K$ value within 4 standard errors and tends to $\frac{s^2}{2}\tr(A^{-1})$ for both steps; the last iterate does not."""
    prob = problems.random_quadratic(np.linspace(0.2, 1.0, 5), seed=4)
    lam = np.linalg.eigvalsh(prob.A)
    s, chains, K = 1.0, 400, 2000
    limit = s**2 / 2 * np.sum(1 / lam)
    for i, eta in enumerate((0.1, 0.5)):
        X = optim.run(optim.sgd(lr=eta), problems.noisy_gradient(prob.grad, s, seed=300 + i),
                      np.tile(prob.x_star, (chains, 1)), K)
        scaled = K * prob.excess(X[:-1].mean(axis=0))               # one value per independent chain
        se = scaled.std(ddof=1) / np.sqrt(chains)
        exact = K * _averaging_exact(lam, s, eta, K)
        assert abs(scaled.mean() - exact) <= 4 * se
        # the finite-K value is below the limit by at most about 2/(eta lambda_min K) (the sum over m loses ~2/(eta lambda))
        assert 0 < 1 - exact / limit < 2 / (eta * prob.mu * K) + 1 / K
        # negative controls: the last iterate's K (f - f*) is far above; tr(A) in place of tr(A^-1) is rejected
        assert K * prob.excess(X[-1]).mean() > 10 * limit
        assert abs(scaled.mean() - s**2 / 2 * np.sum(lam)) > 4 * se


@pytest.mark.claim("prop-gm-stability")
def test_stability_threshold():
    r"""GD on a quadratic converges for $\eta$ slightly below $2/\lambda_{\max}$ and diverges slightly above."""
    prob = problems.random_quadratic(np.linspace(0.1, 1.0, 8), seed=12)
    x0 = np.ones(8)
    below = optim.run(optim.gd(lr=1.95 / prob.L), prob.grad, x0, 2000)
    above = optim.run(optim.gd(lr=2.05 / prob.L), prob.grad, x0, 2000)
    assert np.linalg.norm(below[-1] - prob.x_star) < 1e-8
    assert np.linalg.norm(above[-1] - prob.x_star) > 1e6
    # negative controls: the thresholds 1/lambda_max and 4/lambda_max are wrong on the same problem
    at_1_5 = optim.run(optim.gd(lr=1.5 / prob.L), prob.grad, x0, 2000)
    assert np.linalg.norm(at_1_5[-1] - prob.x_star) < 1e-8          # converges beyond 1/lambda_max
    at_3 = optim.run(optim.gd(lr=3.0 / prob.L), prob.grad, x0, 200)    # |1 - 3| = 2: no overflow in 200 steps
    assert not np.linalg.norm(at_3[-1] - prob.x_star) < 1e-8        # diverges below 4/lambda_max
