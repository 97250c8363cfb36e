"""Tests of nnmath.ntk: the statements of the chapter *The neural tangent kernel*.

References that do not share the formula under test: the tangent kernel computed by torch.func
Jacobians of finite networks, Monte Carlo over independent seeds (slopes fitted per seed),
numerical quadrature, scipy's matrix exponential, and training by gradient descent with autograd.
Every claim test keeps a negative control, a plausible wrong variant named for its mistake, and
asserts that the same check rejects it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.integrate import quad
from scipy.linalg import expm

from nnmath import ntk, plotting

torch.set_num_threads(1)

D = 2
N = 12
ANGLES = np.linspace(0, np.pi, N, endpoint=False) + 0.1
X = np.c_[np.cos(ANGLES), np.sin(ANGLES)]
Y_TARGET = np.sin(2 * ANGLES)
WIDTHS = [128, 256, 512, 1024, 2048]
SEEDS = [0, 1, 2]


def _two_layer(m, parameterization="ntk"):
    return ntk.serial(ntk.Dense(m, W_std=math.sqrt(D), parameterization=parameterization), ntk.Relu(),
                      ntk.Dense(1, parameterization=parameterization))


def _rel(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(B)


# ----------------------------------------------------------------------------- wrong variants

def _wrong_nngp_only(Xa, Ya=None):
    """The NNGP kernel: the readout-weight term alone, the hidden-weight term (x.y)(pi-t)/(2pi) dropped."""
    return ntk.relu_nngp_two_layer(Xa, Ya)


def _wrong_reversed_serial(*layers):
    """A serial whose kernel_fn applies the layers' kernel maps last layer first."""
    init_fn, apply_fn, _ = ntk.serial(*layers)

    def kernel_fn(Xa, Ya=None):
        k = ntk._as_kernel(Xa, Ya)
        for _, _, kern in reversed(layers):
            k = kern(k)
        return k

    return init_fn, apply_fn, kernel_fn


def _wrong_flow_missing_lr(Theta, f0, y, lr, t):
    """The function-space flow with e^{-Theta t} instead of e^{-lr Theta t}."""
    return ntk.function_space_flow(Theta, f0, y, 1.0, t)


def _wrong_mean_field(m):
    """Mean-field scaling: readout 1/m instead of 1/sqrt(m) (with the learning rate multiplied by m)."""
    init_fn, apply_fn, _ = _two_layer(m)
    return init_fn, (lambda p, Xa: apply_fn(p, Xa) / math.sqrt(m))


# ----------------------------------------------------------------------------- closed forms

def test_two_layer_terms_match_quadrature():
    """Each term of the two-layer NTK equals a one-dimensional quadrature of its defining expectation in d = 2."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(2), rng.standard_normal(2)
    # w ~ N(0, I_2): in polar coordinates the radius integrates out, E[r^2] = 2, E[1] = 1
    def ind(u):
        w = np.array([np.cos(u), np.sin(u)])
        return (w @ x > 0) * (w @ y > 0)

    def relu2(u):
        w = np.array([np.cos(u), np.sin(u)])
        return max(w @ x, 0) * max(w @ y, 0)

    pts = sorted({float(np.arctan2(v[1], v[0]) + s) % (2 * np.pi) for v in (x, y) for s in (np.pi / 2, -np.pi / 2)})
    e_relu = 2 * quad(relu2, 0, 2 * np.pi, points=pts, limit=200)[0] / (2 * np.pi)
    e_ind = quad(ind, 0, 2 * np.pi, points=pts, limit=200)[0] / (2 * np.pi)
    expected = e_relu + (x @ y) * e_ind
    got = ntk.relu_ntk_two_layer(x[None], y[None])[0, 0]
    assert got == pytest.approx(expected, rel=1e-7)
    assert abs(_wrong_nngp_only(x[None], y[None])[0, 0] - expected) > 1e-3


@pytest.mark.claim("thm-ntk-two-layer")
def test_serial_dense_relu_dense_equals_closed_form():
    """The `kernel_fn` of `serial(Dense, Relu, Dense)` equals the two-layer closed form to 1e-12, and the reversed composition does not."""
    rng = np.random.default_rng(0)
    Xa, Ya = rng.standard_normal((7, 4)), rng.standard_normal((5, 4))
    layers = (ntk.Dense(64, W_std=2.0), ntk.Relu(), ntk.Dense(1))
    k = ntk.serial(*layers)[2](Xa, Ya)
    closed = ntk.relu_ntk_two_layer(Xa, Ya)
    assert np.max(np.abs(k.ntk - closed)) < 1e-12 * np.abs(closed).max()
    assert np.max(np.abs(k.nngp - ntk.relu_nngp_two_layer(Xa, Ya))) < 1e-12 * np.abs(closed).max()
    # with a bias in the readout (sigma_b^2 = 1/4 adds 1/4 to nngp and ntk) the stack is not a palindrome
    layers_b = (ntk.Dense(64, W_std=2.0), ntk.Relu(), ntk.Dense(1, b_std=0.5))
    right = ntk.serial(*layers_b)[2](Xa, Ya)
    assert np.max(np.abs(right.ntk - (closed + 0.25))) < 1e-12 * np.abs(closed).max()
    wrong = _wrong_reversed_serial(*layers_b)[2](Xa, Ya)
    assert np.max(np.abs(wrong.ntk - (closed + 0.25))) > 0.05 * np.abs(closed).max()


@pytest.mark.claim("thm-ntk-two-layer")
def test_empirical_ntk_converges_to_closed_form_at_rate_half():
    """For each of six independent seeds, the relative error of the empirical NTK against the closed form falls with width with fitted slope in [-0.65, -0.35]; against the NNGP (missing term) and in the standard parameterization it does not fall."""
    closed = ntk.relu_ntk_two_layer(X)
    widths = [64, 128, 256, 512, 1024, 2048, 4096]
    widths_std = [64, 256, 1024, 4096]
    slopes, slopes_nngp, slopes_std = [], [], []
    for seed in range(6):
        err, err_nngp, err_std = [], [], []
        for m in widths:
            init_fn, apply_fn, _ = _two_layer(m)
            _, p = init_fn(D, seed=seed)
            T = ntk.empirical_ntk((apply_fn, p), X)
            err.append(_rel(T, closed))
            err_nngp.append(_rel(T, _wrong_nngp_only(X)))
        for m in widths_std:
            init_s, apply_s, _ = _two_layer(m, "standard")
            _, ps = init_s(D, seed=seed)
            err_std.append(_rel(ntk.empirical_ntk((apply_s, ps), X), closed))
        slopes.append(plotting.fit_power_law(widths, err).slope)
        slopes_nngp.append(plotting.fit_power_law(widths, err_nngp).slope)
        slopes_std.append(plotting.fit_power_law(widths_std, err_std).slope)
    slopes = np.array(slopes)
    se = slopes.std(ddof=1) / np.sqrt(len(slopes))
    assert np.all((slopes >= -0.65) & (slopes <= -0.35)), slopes
    assert abs(slopes.mean() + 0.5) < 4 * se + 0.05, (slopes.mean(), se)
    # negative controls: the NNGP is a wrong limit (error plateaus), the standard parameterization diverges
    assert max(slopes_nngp) > -0.35 and np.mean(slopes_nngp) > -0.1, slopes_nngp
    assert min(slopes_std) > 0.5, slopes_std


def test_empirical_ntk_matches_finite_differences_and_module_input():
    """empirical_ntk equals J J^T with J from central finite differences, and accepts an nn.Module."""
    init_fn, apply_fn, _ = _two_layer(8)
    _, p = init_fn(D, seed=0)
    T = ntk.empirical_ntk((apply_fn, p), X[:4], X[4:7])
    leaves, spec = torch.utils._pytree.tree_flatten(p)
    flat = torch.cat([t.reshape(-1) for t in leaves])

    def f(v, Xa):
        parts, i = [], 0
        for t in leaves:
            parts.append(v[i:i + t.numel()].reshape(t.shape)); i += t.numel()
        return apply_fn(torch.utils._pytree.tree_unflatten(parts, spec), Xa).reshape(-1).numpy()

    h = 1e-6
    def jac(Xa):
        cols = []
        for i in range(flat.numel()):
            e = torch.zeros_like(flat); e[i] = h
            cols.append((f(flat + e, Xa) - f(flat - e, Xa)) / (2 * h))
        return np.array(cols).T
    assert np.allclose(T, jac(X[:4]) @ jac(X[4:7]).T, atol=1e-7)
    net = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    Tm = ntk.empirical_ntk(net, X[:3])
    assert Tm.shape == (3, 3) and np.allclose(Tm, Tm.T) and np.all(np.linalg.eigvalsh(Tm) > -1e-12)


# ----------------------------------------------------------------------------- function space

@pytest.mark.claim("thm-ntk-flow")
def test_linearized_model_gd_equals_function_space_gd_and_flow_matches_expm():
    r"""GD on the linearized model in parameter space gives exactly the function-space iteration $f_k = f_0 + (I - (I - \mathrm{lr}\,\Theta)^k)(y - f_0)$ on train and test points, and the flow equals scipy's `expm` formula; the flow missing $\mathrm{lr}$ does not."""
    init_fn, apply_fn, _ = _two_layer(64)
    _, p0 = init_fn(D, seed=0)
    f_lin = ntk.linearize(apply_fn, p0)
    Theta = ntk.empirical_ntk((apply_fn, p0), X)
    Xt = np.c_[np.cos(ANGLES + 0.2), np.sin(ANGLES + 0.2)]
    Ttx = ntk.empirical_ntk((apply_fn, p0), Xt, X)
    lr = 1.0 / np.linalg.eigvalsh(Theta).max()
    pT, _ = ntk.train_gd(f_lin, p0, X, Y_TARGET, lr, 40)
    f0 = apply_fn(p0, X).reshape(-1).numpy()
    f0t = apply_fn(p0, Xt).reshape(-1).numpy()
    tr, te = ntk.function_space_gd(Theta, f0, Y_TARGET, lr, 40, Theta_test_train=Ttx, f0_test=f0t)
    assert np.allclose(f_lin(pT, X).reshape(-1).numpy(), tr, atol=1e-10)
    assert np.allclose(f_lin(pT, Xt).reshape(-1).numpy(), te, atol=1e-10)
    t = 7.0
    ref = f0 + (np.eye(N) - expm(-lr * Theta * t)) @ (Y_TARGET - f0)
    assert np.allclose(ntk.function_space_flow(Theta, f0, Y_TARGET, lr, t), ref, atol=1e-10)
    assert not np.allclose(_wrong_flow_missing_lr(Theta, f0, Y_TARGET, lr, t), ref, atol=1e-3)


def test_flow_with_test_points_and_time_array():
    """The test-point flow equals Theta(x,X) Theta^{-1}(f_t - f0) + f0(x) for invertible Theta, and a time array stacks the rows."""
    Theta = ntk.relu_ntk_two_layer(X)
    Xt = X[:3] * 1.3
    Ttx = ntk.relu_ntk_two_layer(Xt, X)
    f0 = np.zeros(N)
    ts = np.array([0.0, 0.5, 3.0])
    tr, te = ntk.function_space_flow(Theta, f0, Y_TARGET, 0.2, ts, Theta_test_train=Ttx)
    assert tr.shape == (3, N) and np.allclose(tr[0], f0)
    assert np.allclose(te, (Ttx @ np.linalg.solve(Theta, tr.T)).T, atol=1e-8)


# ----------------------------------------------------------------------------- lazy training

def _flat(q):
    return torch.cat([t.reshape(-1) for t in torch.utils._pytree.tree_leaves(q)])


def _lazy_changes(init_fn, apply_fn, seed, lr, steps=150):
    _, p = init_fn(D, seed=seed)
    T0 = ntk.empirical_ntk((apply_fn, p), X)
    pT, _ = ntk.train_gd(apply_fn, p, X, Y_TARGET, lr, steps)
    TT = ntk.empirical_ntk((apply_fn, pT), X)
    return float((_flat(pT) - _flat(p)).norm() / _flat(p).norm()), _rel(TT, T0)


@pytest.mark.claim("thm-ntk-limit")
def test_weight_and_kernel_changes_shrink_with_width():
    """Per seed, the relative weight change and the relative kernel change after training have fitted slopes below -0.4 in the width; in the mean-field scaling the weight change does not shrink."""
    lr = 1.0 / np.linalg.eigvalsh(ntk.relu_ntk_two_layer(X)).max()
    sw, sk, s_mf = [], [], []
    for seed in SEEDS:
        rw, rk, rmf = [], [], []
        for m in WIDTHS:
            init_fn, apply_fn, _ = _two_layer(m)
            a, b = _lazy_changes(init_fn, apply_fn, seed, lr)
            rw.append(a); rk.append(b)
            init_mf, apply_mf = _wrong_mean_field(m)
            rmf.append(_lazy_changes(init_mf, apply_mf, seed, lr * m)[0])
        sw.append(plotting.fit_power_law(WIDTHS, rw).slope)
        sk.append(plotting.fit_power_law(WIDTHS, rk).slope)
        s_mf.append(plotting.fit_power_law(WIDTHS, rmf).slope)
    assert max(sw) < -0.4 and max(sk) < -0.4, (sw, sk)
    assert min(s_mf) > -0.2, s_mf


@pytest.mark.claim("thm-ntk-linear")
def test_trained_network_approaches_linearized_and_kernel_predictions():
    r"""With $\mathrm{lr}\,\lambda_{\max} < 2$, the RMS gap on train and test points between the trained network and its linearized model, and between it and the infinite-width NTK prediction, shrinks with width (mean per-seed slopes below $-0.35$ and $-0.2$); the NNGP-kernel prediction's gap does not shrink."""
    Xt = np.c_[np.cos(ANGLES + 0.13), np.sin(ANGLES + 0.13)]
    Xall = np.r_[X, Xt]
    K = ntk.relu_ntk_two_layer(X)
    lr = 1.0 / np.linalg.eigvalsh(K).max()
    steps, widths = 150, [64, 256, 1024, 4096]
    rms = lambda v: float(np.sqrt(np.mean(v ** 2)))
    slopes_lin, slopes_inf, slopes_nngp = [], [], []
    for seed in SEEDS:
        d_lin, d_inf, d_nngp = [], [], []
        for m in widths:
            init_fn, apply_fn, _ = _two_layer(m)
            _, p0 = init_fn(D, seed=seed)
            assert lr * np.linalg.eigvalsh(ntk.empirical_ntk((apply_fn, p0), X)).max() < 2
            pT, _ = ntk.train_gd(apply_fn, p0, X, Y_TARGET, lr, steps)
            f_net = apply_fn(pT, Xall).reshape(-1).numpy()
            f_lin = ntk.linearize(apply_fn, p0)
            pL, _ = ntk.train_gd(f_lin, p0, X, Y_TARGET, lr, steps)
            f_l = f_lin(pL, Xall).reshape(-1).numpy()
            f0 = apply_fn(p0, Xall).reshape(-1).numpy()
            tr, te = ntk.function_space_gd(K, f0[:N], Y_TARGET, lr, steps,
                                           Theta_test_train=ntk.relu_ntk_two_layer(Xt, X), f0_test=f0[N:])
            trg, teg = ntk.function_space_gd(_wrong_nngp_only(X), f0[:N], Y_TARGET, lr, steps,
                                             Theta_test_train=_wrong_nngp_only(Xt, X), f0_test=f0[N:])
            d_lin.append(rms(f_net - f_l))
            d_inf.append(rms(f_net - np.r_[tr, te]))
            d_nngp.append(rms(f_net - np.r_[trg, teg]))
        slopes_lin.append(plotting.fit_power_law(widths, d_lin).slope)
        slopes_inf.append(plotting.fit_power_law(widths, d_inf).slope)
        slopes_nngp.append(plotting.fit_power_law(widths, d_nngp).slope)
    assert np.mean(slopes_lin) < -0.35 and np.mean(slopes_inf) < -0.2, (slopes_lin, slopes_inf)
    assert np.mean(slopes_nngp) > -0.1, slopes_nngp


def _du_network(m, seed):
    """Du et al.'s setting: f(x) = m^{-1/2} sum_j a_j relu(w_j . x), a_j = +-1 fixed, only W trained."""
    rng = np.random.default_rng(seed)
    W0 = torch.as_tensor(rng.standard_normal((D, m)))
    a = torch.as_tensor(rng.choice([-1.0, 1.0], size=m))
    return (lambda p, Xa: torch.relu(torch.as_tensor(Xa) @ p["W"]) @ a / math.sqrt(m)), {"W": W0}


@pytest.mark.claim("thm-ntk-du")
def test_du_convergence_bound_and_pl_along_training():
    r"""In Du et al.'s setting (readouts $\pm 1$ fixed) at width 2048, $L_k \le (1 - \mathrm{lr}\,\lambda_0/2)^k L_0$ for all $k$ with $\lambda_0 = \lambda_{\min}(H^\infty)$, the bound's exponent is within a factor 3 to 5 of the late decay rate, and the PL ratio $\frac12\norm{\nabla L}^2/L$ stays $\ge \lambda_0/2$ with its minimum within $[0.9, 1.2]$ times $\lambda_{\min}(H(0))$; a rate $(1 - 3\,\mathrm{lr}\,\lambda_0)^k$ is violated."""
    H = ntk.relu_ntk_two_layer(X) - ntk.relu_nngp_two_layer(X)          # hidden-weight part H_inf
    lam0 = np.linalg.eigvalsh(H).min()
    lr = 1.0 / np.linalg.eigvalsh(H).max()
    apply_fn, p = _du_network(2048, seed=0)
    lam_emp = np.linalg.eigvalsh(ntk.empirical_ntk((apply_fn, p), X)).min()
    Xt, yt = torch.as_tensor(X), torch.as_tensor(Y_TARGET)
    loss = lambda q: 0.5 * torch.sum((apply_fn(q, Xt).reshape(-1) - yt) ** 2)
    ratios, losses = [], []
    for _ in range(1500):
        g, L = torch.func.grad_and_value(loss)(p)
        ratios.append(0.5 * float(_flat(g).norm() ** 2) / float(L)); losses.append(float(L))
        p = torch.utils._pytree.tree_map(lambda u, v: u - lr * v, p, g)
    ratios, losses = np.array(ratios), np.array(losses)
    k = np.arange(len(losses))
    assert np.all(losses <= (1 - lr * lam0 / 2) ** k * losses[0] * (1 + 1e-9))
    assert ratios.min() >= lam0 / 2
    assert 0.9 <= ratios.min() / lam_emp <= 1.2, ratios.min() / lam_emp
    # tightness: the late per-step log-decay is 4x the bound's (the linear model's (1 - lr lambda_min)^2)
    late = np.log(losses[-1] / losses[1000]) / (len(losses) - 1 - 1000)
    assert 3.0 <= late / np.log(1 - lr * lam0 / 2) <= 5.0, late / np.log(1 - lr * lam0 / 2)
    # negative control: an overstated rate (1 - 3 lr lambda_0)^k fails
    assert np.any(losses > (1 - 3 * lr * lam0) ** k * losses[0])


# ----------------------------------------------------------------------------- argument checks

@pytest.mark.parametrize("call, name, exc", [
    (lambda: ntk.relu_ntk_two_layer(np.ones(3)), "X", ValueError),
    (lambda: ntk.relu_ntk_two_layer(np.ones((2, 3)), np.ones((2, 2))), "Y", ValueError),
    (lambda: ntk.Dense(0), "out_dim", ValueError),
    (lambda: ntk.Dense(3, W_std=-1.0), "W_std", ValueError),
    (lambda: ntk.Dense(3, parameterization="mup"), "parameterization", ValueError),
    (lambda: ntk.serial(), "layers", ValueError),
    (lambda: ntk.serial(3), "layers", TypeError),
    (lambda: ntk.empirical_ntk("net", np.ones((2, 2))), "model", TypeError),
    (lambda: ntk.linearize(3, {}), "model", TypeError),
    (lambda: ntk.function_space_flow(np.ones((2, 3)), np.zeros(2), np.zeros(2), 0.1, 1.0), "Theta", ValueError),
    (lambda: ntk.function_space_flow(np.eye(2), np.zeros(3), np.zeros(2), 0.1, 1.0), "f0", ValueError),
    (lambda: ntk.function_space_flow(np.eye(2), np.zeros(2), np.zeros(2), 0.0, 1.0), "lr", ValueError),
    (lambda: ntk.function_space_flow(np.eye(2), np.zeros(2), np.zeros(2), 0.1, -1.0), "t", ValueError),
    (lambda: ntk.function_space_gd(np.eye(2), np.zeros(2), np.zeros(2), 0.1, -1), "steps", ValueError),
    (lambda: ntk.train_gd(lambda p, x: x, {}, np.ones((2, 1)), np.ones(3), 0.1, 1), "y", ValueError),
    (lambda: ntk.Dense(3, parameterization="standard")[2](np.ones((2, 2))), "parameterization", ValueError),
])
def test_bad_arguments_raise_naming_the_argument(call, name, exc):
    """Bad input raises the stated error type with a message naming the argument."""
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()


@pytest.mark.claim("lem-ntk-pl")
def test_pl_inequality_is_tight_at_bottom_eigenvector():
    r"""$\frac12\norm{\nabla L}^2 \ge \lambda_{\min}(\Theta)\,L$ at random parameters, with equality when the residual is the bottom eigenvector of the empirical NTK; the constant $2\lambda_{\min}$ is violated there."""
    init_fn, apply_fn, _ = _two_layer(256)
    Xt = torch.as_tensor(X)
    for seed in range(3):
        _, p = init_fn(D, seed=seed)
        Theta = ntk.empirical_ntk((apply_fn, p), X)
        lam, V = np.linalg.eigh(Theta)
        assert lam[0] > 1e-3
        f = apply_fn(p, Xt).reshape(-1).detach().numpy()
        rng = np.random.default_rng(seed)
        for y, tight in [(f - rng.standard_normal(N), False), (f - V[:, 0], True)]:
            yt = torch.as_tensor(y)
            g, L = torch.func.grad_and_value(lambda q: 0.5 * torch.sum((apply_fn(q, Xt).reshape(-1) - yt) ** 2))(p)
            ratio = 0.5 * float(_flat(g).norm() ** 2) / float(L)
            assert ratio >= lam[0] * (1 - 1e-10)
            if tight:
                assert ratio == pytest.approx(lam[0], rel=1e-8)
                assert not ratio >= 2 * lam[0]          # negative control: a doubled constant fails


@pytest.mark.claim("thm-ntk-limit")
def test_deep_empirical_ntk_approaches_serial_recursion():
    """For Dense-Relu-Dense-Relu-Dense with biases, the empirical NTK at width 2048 is within 10% (relative Frobenius) of serial's recursion, closer than at width 64, and the reversed composition is more than twice as far."""
    layers = lambda m: (ntk.Dense(m, W_std=1.5, b_std=0.3), ntk.Relu(), ntk.Dense(m, W_std=1.4, b_std=0.2),
                        ntk.Relu(), ntk.Dense(1, W_std=1.0, b_std=0.5))
    limit = ntk.serial(*layers(1))[2](X).ntk
    wrong = _wrong_reversed_serial(*layers(1))[2](X).ntk
    errs = {}
    for m in (64, 2048):
        init_fn, apply_fn, _ = ntk.serial(*layers(m))
        errs[m] = np.mean([_rel(ntk.empirical_ntk((apply_fn, init_fn(D, seed=s)[1]), X), limit) for s in range(3)])
    assert errs[2048] < 0.1 and errs[2048] < errs[64] / 2, errs
    init_fn, apply_fn, _ = ntk.serial(*layers(2048))
    gap_wrong = _rel(ntk.empirical_ntk((apply_fn, init_fn(D, seed=0)[1]), X), wrong)
    assert gap_wrong > 0.15 and gap_wrong > 2 * errs[2048], (gap_wrong, errs)


def test_nngp_term_agrees_with_previous_chapter_kernel():
    """The readout-weight term of the two-layer NTK equals nnmath.kernels.relu_nngp of the previous chapter (within its documented 1e-8 accuracy)."""
    from nnmath import kernels

    rng = np.random.default_rng(5)
    Xa, Ya = rng.standard_normal((6, 3)), rng.standard_normal((4, 3))
    assert np.allclose(ntk.relu_nngp_two_layer(Xa, Ya), kernels.relu_nngp(Xa, Ya), atol=1e-7)
    assert np.allclose(ntk.relu_ntk_two_layer(Xa, Ya) - kernels.relu_nngp(Xa, Ya),
                       (Xa @ Ya.T) * (np.pi - np.arccos(np.clip((Xa @ Ya.T) / np.outer(
                           np.linalg.norm(Xa, axis=1), np.linalg.norm(Ya, axis=1)), -1, 1))) / (2 * np.pi), atol=1e-7)
