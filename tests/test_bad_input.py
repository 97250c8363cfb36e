"""Bad input at the public boundary, for every argument check of ``nnmath``.

Every public function, class and method of the package that checks one of its own arguments with a
validator of :mod:`nnmath._validate` is found by reading its source (the syntax tree): which
validator, the argument name it reports, and its bounds when they are constants. The test then calls
it with a valid set of arguments from :data:`VALID`, in which that one argument is replaced by a bad
value made from the check (a wrong type, a value just past a bound, a wrong dimension, a non-finite
entry, an unknown choice), and asserts the error type and that the message names the argument as a
whole word. Where a bound is attained (``minimum=1`` accepts 1; ``strict`` rejects the bound itself
but not a value just inside), it also calls with the value at the bound and asserts that the check
lets it through, so an off-by-one in a bound fails too.

A new public function with argument checks and no entry in :data:`VALID` fails
:func:`test_every_checked_function_is_registered`: later modules get the whole contract by adding
one line here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

import nnmath

PACKAGE = Path(nnmath.__file__).resolve().parent
INTEGER_DTYPES = {"int", "np.int64", "np.int32", "np.intp", "numpy.int64"}
VALIDATORS = {"check_int", "check_real", "check_array", "check_choice", "check_rng", "check_callable", "check_interval"}


# ----------------------------------------------------------------------------- reading the checks

@dataclass(frozen=True)
class Check:
    target: str          # "module.function", "module.Class" (constructor) or "module.Class.method"
    param: str           # the parameter that is checked
    reported: str        # the name the error message must carry
    validator: str       # check_int, check_real, ...
    bounds: tuple        # ((keyword, constant value), ...) for keywords with constant values
    keywords: tuple      # every keyword the call passes (constant or not)
    shape_axes: tuple = ()   # check_array with shape=(...): per axis, whether its length is fixed (not None)
    integer: bool = False    # check_array with an integer dtype (int, np.int64, ...)

    def get(self, key, default=None):
        return dict(self.bounds).get(key, default)

    def __str__(self):
        return f"{self.target}:{self.param}:{self.validator[6:]}"


def _constant(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return _NOT_CONSTANT


_NOT_CONSTANT = object()


def _source_name(name: str) -> str | None:
    """The name of a function written in the package, or None for a copy made by mutation testing.

    Under ``make mutation`` mutmut keeps each function ``f`` (wrapped in its dispatcher) and adds
    copies ``x_f__mutmut_orig``, ``x_f__mutmut_1``, ... (methods: ``xǁClassǁf__mutmut_1``); the
    copies are not part of the public interface and are skipped.
    """
    return None if "__mutmut_" in name else name


def _checks_of(module: str) -> list[Check]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        targets = []
        if isinstance(node, ast.FunctionDef) and (name := _source_name(node.name)) and not name.startswith("_"):
            targets = [(f"{module}.{name}", node)]
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            targets = [(f"{module}.{node.name}" + ("" if name == "__init__" else f".{name}"), f)
                       for f in node.body if isinstance(f, ast.FunctionDef) and (name := _source_name(f.name))
                       and (name == "__init__" or not name.startswith("_"))]
        for target, fn in targets:
            params = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
            for call in ast.walk(fn):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in VALIDATORS
                        and len(call.args) >= 2 and isinstance(call.args[0], ast.Constant)
                        and isinstance(call.args[1], ast.Name) and call.args[1].id in params):
                    bounds = tuple((k.arg, v) for k in call.keywords
                                   if k.arg is not None and (v := _constant(k.value)) is not _NOT_CONSTANT)
                    keywords = tuple(k.arg for k in call.keywords if k.arg is not None)
                    kw = {k.arg: k.value for k in call.keywords if k.arg is not None}
                    shape_axes = (tuple(not (isinstance(e, ast.Constant) and e.value is None) for e in kw["shape"].elts)
                                  if isinstance(kw.get("shape"), ast.Tuple) else ())
                    integer = "dtype" in kw and ast.unparse(kw["dtype"]) in INTEGER_DTYPES
                    found.append(Check(target, call.args[1].id, call.args[0].value, call.func.id, bounds, keywords,
                                       shape_axes, integer))
    return found


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_"))
ALL_CHECKS = [c for m in MODULES for c in _checks_of(m)]
# A parameter checked by two different validators (an int or an array, on two branches) has no single bad type.
_VALIDATORS_OF = {}
for _c in ALL_CHECKS:
    _VALIDATORS_OF.setdefault((_c.target, _c.param), set()).add(_c.validator)


# ----------------------------------------------------------------------------- valid calls

def _quadratic():
    return nnmath.problems.Quadratic(np.diag([1.0, 2.0]), np.ones(2))


def _tropical_polynomial():
    from nnmath import tropical
    return tropical.TropicalPolynomial([0.0, 1.0], [[1, 0], [0, 1]])


def _identity(x):
    return x


def _square_sum(theta):
    return (theta ** 2).sum()


_X2 = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]])
_Y3 = np.array([1.0, -1.0, 1.0])

# target -> keyword arguments of a call that succeeds, or (factory of the callable, keyword arguments)
# for a method. Every checked argument is replaced in turn by a bad value.
VALID: dict[str, dict | tuple] = {}
# (target, parameter) -> keyword arguments added to the valid call when that parameter is tested
# (an argument that is only looked at when another one is given).
WITH: dict[tuple[str, str], dict] = {}


def _valid(target, /, **kwargs):
    VALID[target] = kwargs


def _valid_method(target, factory, /, **kwargs):
    VALID[target] = (factory, kwargs)


def _register_valid_calls():
    from nnmath import approximation, autodiff, ntk  # noqa: F401  (imported for the factories below)

    # approximation
    _valid("approximation.evaluate_network", net=torch.nn.Sequential(torch.nn.Linear(1, 1, dtype=torch.float64)), x=np.linspace(0, 1, 3))
    _valid("approximation.random_features_error", f=np.sin, n=3, activation=np.tanh, scale=1.0, n_grid=11, seed=0)
    _valid("approximation.ridge_network", net=approximation.sawtooth_network(1), w=np.array([1.0]))
    _valid("approximation.yarotsky_polynomial", x=np.linspace(0, 1, 5), coeffs=np.array([1.0, 0.5]), m=2)
    _valid("approximation.relu_interpolant", f=np.sin, n=3, a=0.0, b=1.0)
    _valid("approximation.shallow_lstsq_fit", f=np.sin, n=3, n_grid=17)
    _valid("approximation.count_pieces", f=np.abs, a=-1.0, b=1.0, n_grid=33, rtol=1e-7)
    _valid("approximation.sawtooth_l1_lower_bound", k=2, pieces=2)
    _valid("approximation.barron_target", d=2, M=5, positive=0.5, seed=0)
    _valid("approximation.maurey_variance", target=approximation.barron_target(2, 5, seed=0), X=_X2)
    _valid("approximation.maurey_sample", target=approximation.barron_target(2, 5, seed=0), n=3, seed=0)
    _valid("approximation.maurey_errors", target=approximation.barron_target(2, 5, seed=0), ns=np.array([1, 2]),
           X=_X2, n_repeats=2, seed=0)
    _valid("approximation.bump", t=np.linspace(-1, 1, 5), order=0)
    _valid("approximation.sobolev_bumps", x=np.linspace(0, 1, 5), a=np.array([1.0, 0.5]), r=1)
    _valid("approximation.free_knot_l1_fit", f=np.abs, pieces=2, candidates=np.linspace(-1, 1, 5), levels=np.array([0.0]),
           n_quad=4)
    _valid("approximation.sawtooth_following", k=2, n=3)
    _valid("approximation.many_pieces_network", m=2, L=2)
    _valid("approximation.many_pieces_count", m=2, L=2)
    _valid("approximation.taylor_ridge_target", directions=np.eye(2), h=np.sin, dh=np.cos, d2h=lambda t: -np.sin(t),
           n_atoms=4)
    _valid("approximation.planted_ball", n=4, frame=np.eye(3), k=2, radius=0.8, seed=0)
    _valid("approximation.planted_saddle_target", frame=np.eye(3)[:, :2], n_atoms=4, spread=0.5)
    _valid("approximation.random_features_l2_error", X_train=_X2, y_train=_Y3, X_test=_X2, y_test=_Y3, n=2, seed=0)
    # autodiff
    _valid("autodiff.Var", value=1.5)
    _valid("autodiff.Dual", value=1.5, tangent=1.0)
    _valid("autodiff.jvp", f=lambda x: x * x, x=np.array([0.1, 0.2]), v=np.array([1.0, 0.0]))
    _valid("autodiff.vjp", f=lambda x: x * x, x=np.array([0.1, 0.2]), u=np.array([1.0, 0.0]))
    _valid("autodiff.grad_forward", f=lambda x: x[0] * x[1], x=np.array([0.1, 0.2]))
    _valid("autodiff.grad_reverse", f=lambda x: x[0] * x[1], x=np.array([0.1, 0.2]))
    _valid("autodiff.random_program", n=2, steps_per_input=2, relu=True, seed=0)
    _valid("autodiff.softmax_cross_entropy", z=np.array([0.1, 0.2, 0.3]), y=np.array([0.0, 1.0, 0.0]))
    _valid("autodiff.mlp_backprop_checkpointed", weights=[np.eye(2), np.ones((1, 2))], biases=[np.zeros(2), np.zeros(1)],
           x=np.array([0.5, -0.5]), y=np.array([1.0]), segment=1)
    _valid("autodiff.preactivation_jacobians", weights=[np.eye(2), np.ones((1, 2))], biases=[np.zeros(2), np.zeros(1)],
           x=np.array([0.5, -0.5]))
    # data
    _valid("data.regression_1d", n=4, noise_std=0.3, domain=(-1.0, 1.0), seed=0)
    _valid("data.two_class_separable", n=4, dim=2, margin=0.1, seed=0)
    _valid("data.teacher_network", n=4, dim=2, width=3, depth=1, activation="relu", noise_std=0.0, seed=0)
    _valid("data.digits", test_fraction=0.25, seed=0)
    _valid("data.threshold_classification", n=4, flip=0.1, seed=0)
    _valid("data.binary_classification_1d", n=4, eta=lambda x: 0.5 + 0.0 * x, seed=0)
    # generalization
    _valid("generalization.rademacher_linear", X=_X2, B=1.0, n_draws=4, generator=0)
    _valid("generalization.rademacher_linear_bounds", X=_X2, B=1.0)
    _valid("generalization.rademacher_finite", A=np.eye(3), n_draws=4, generator=0)
    _valid("generalization.rademacher_exact", A=np.eye(3))
    _valid("generalization.massart_bound", A=np.eye(3))
    _valid("generalization.cover_count", N=4, d=2)
    _valid("generalization.sauer_bound", n=4, d=2)
    _valid("generalization.is_linearly_separable", X=_X2, y=_Y3)
    _valid("generalization.count_separable_labellings", X=_X2)
    _valid("generalization.threshold_erm_errors", n=4, theta_star=0.3, n_trials=2, seed=0)
    _valid("generalization.all_functions_deviation", m=4, n=3, n_trials=2, seed=0)
    _valid("generalization.memorizer_errors", d=4, n=3, rho=0.5, n_trials=2, seed=0)
    _valid("generalization.multiclass_margins", scores=np.array([[1.0, 0.0], [0.0, 1.0]]), y=np.array([0, 1]))
    _valid("generalization.kl_bernoulli", q=0.3, p=0.5)
    _valid("generalization.kl_inverse", q=0.1, c=0.5, tol=1e-12)
    _valid("generalization.pac_bayes_bound", train_risk=0.1, kl=1.0, n=100, delta=0.05)
    _valid("generalization.sample_convergence_bound", mean_risk=0.1, m=100, delta=0.05)
    _valid("generalization.gaussian_kl", mu_q=np.zeros(2), sigma_q=1.0, mu_p=np.ones(2), sigma_p=np.array([1.0, 2.0]))
    _valid("generalization.maurer_xi", n=10)
    # implicit_bias
    _valid("implicit_bias.gd_least_squares", X=_X2, y=_Y3, w0=np.zeros(2), lr=0.1, steps=2)
    _valid("implicit_bias.logistic_loss", X=_X2, y=_Y3, w=np.zeros(2))
    _valid("implicit_bias.gd_logistic", X=_X2, y=_Y3, lr=0.1, steps=2)
    _valid("implicit_bias.max_margin_direction", X=np.array([[1.0, 0.2], [-1.0, 0.1], [2.0, -0.3]]), y=_Y3)
    _valid("implicit_bias.diagonal_potential", beta=np.array([0.5, -1.0]), alpha=1.0)
    _valid("implicit_bias.diagonal_network_gd", X=_X2, y=_Y3, alpha=0.5, lr=0.1, steps=2)
    _valid("implicit_bias.diagonal_potential_minimizer", X=np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
           y=np.ones(2), alpha=1.0, tol=1e-10)
    _valid("implicit_bias.diagonal_network_logistic_gd", X=_X2, y=_Y3, alpha=0.5, lr=0.1, steps=2)
    _valid("implicit_bias.smoothed_margin", margins=np.array([3.0, 4.0]), norm=2.0, degree=2)
    # initialization
    for name in ("naive_uniform", "glorot_uniform", "lecun_normal", "he_normal"):
        _valid(f"initialization.{name}", fan_in=3, fan_out=2, generator=0)
    _valid("initialization.orthogonal", fan_in=3, fan_out=2, generator=0, gain=1.0)
    _valid("initialization.gauss_mean", f=np.tanh, q=1.0)
    _valid("initialization.length_map", q=1.0, sigma_w2=1.5, sigma_b2=0.1)
    _valid("initialization.fixed_point_q", sigma_w2=1.5, sigma_b2=0.1, q0=1.0)
    _valid("initialization.correlation_map", c=0.5, q_star=0.5, sigma_w2=1.5, sigma_b2=0.1)
    _valid("initialization.length_map_slope", q=1.0, sigma_w2=1.5, sigma_b2=0.1)
    _valid("initialization.critical_sigma_w2", sigma_b2=0.1)
    _valid("initialization.simulate", x=np.ones((1, 3)), widths=[3, 3], sigma_w2=2.0, n_networks=1,
           distribution="normal", backward=None, seed=0)
    _valid("initialization.relu_log_norm_mean", widths=[3, 3], n0=3)
    _valid("initialization.jacobian_singular_values", x=np.ones(3), widths=[3, 3], sigma_w2=1.0,
           distribution="normal", seed=0)
    _valid("initialization.linear_jacobian_moments", n=3, depth=2)
    _valid("initialization.train_two_layer", X=_X2, y=_Y3, W1=np.ones((4, 2)), b1=np.zeros(4), w2=np.ones(4),
           steps=1, lr=0.1)
    _valid("initialization.train_classifier", X=_X2, y=np.array([0, 1, 0]), depth=1, width=3, sigma_w2=2.0,
           sigma_b2=0.0, steps=1, lr=0.01, batch_size=2, seed=0)
    # learning
    _valid("learning.legendre_features", x=np.linspace(-1, 1, 3), degree=2)
    _valid("learning.ridge", Phi=_X2, y=_Y3, lam=0.1)
    _valid("learning.gd_least_squares", Phi=_X2, y=_Y3, lr=0.1, steps=2)
    _valid("learning.gd_spectral_filter", Phi=_X2, y=_Y3, lr=0.1, t=2)
    _valid("learning.ridge_path", Phi=_X2, y=_Y3, lams=np.array([0.1, 1.0]))
    _valid("learning.population_risk", predict=np.sin, noise_std=0.1, nodes=10)
    _valid("learning.legendre_population_risk", W=np.array([0.1, 0.2]), noise_std=0.1, nodes=10)
    _valid("learning.ridge_fixed_design", Phi=_X2, w_star=np.ones(2), noise_std=0.1, lams=np.array([0.1]))
    _valid("learning.gd_fixed_design", Phi=_X2, w_star=np.ones(2), noise_std=0.1, lr=0.1, times=np.array([1, 2]))
    _valid("learning.polynomial_fixed_design_risk", x=np.linspace(-1, 1, 6), degree=2, lam=0.1, noise_std=0.1)
    _valid("learning.bias_variance", fit=lambda x, y: (lambda t: 0.0 * t + y.mean()), n_train=5, n_trials=8,
           noise_std=0.1, x_test=np.linspace(-1, 1, 4), n_batches=2, seed=0)
    _valid("learning.threshold_risk", thresholds=np.array([0.2, 0.5]), flip=0.1)
    _valid("learning.finite_class_deviation", thresholds=np.array([0.2, 0.5]), n=5, flip=0.1, n_trials=3, seed=0)
    _valid("learning.logistic_loss", z=np.array([0.5, -0.5]))
    _valid("learning.hinge_loss", z=np.array([0.5, -0.5]))
    _valid("learning.conditional_surrogate_risk", loss="hinge", eta=np.array([0.3, 0.7]), alpha=np.array([0.1, -0.1]))
    _valid("learning.surrogate_minimizer", loss="hinge", eta=np.array([0.3, 0.7]))
    _valid("learning.classification_excess_risk", score=lambda x: x - 0.5, eta=lambda x: x, nodes=10)
    _valid("learning.fit_linear_classifier", Phi=_X2, y=_Y3, loss="hinge", lam=0.1)
    # online
    from nnmath import optim
    _valid("online.run_projected", opt=optim.sgd(0.1), grad_fn=lambda t, x: np.ones_like(x), x0=np.zeros(2), steps=2)
    _valid("online.linear_regret", G=np.ones((3, 2)), X=np.zeros((3, 2)))
    _valid("online.adagrad_regret_bound", G=np.ones((3, 2)), diameter=2.0, lr=0.5, eps=0.0)
    _valid("online.random_linear_problem", T=3, d=2, decay=0.0, mean=0.0, seed=0)
    _valid("online.pushback_adversary", magnitudes=np.ones((3, 2)), centre=0.0)
    _valid("online.periodic_gradients", t=np.arange(1, 5), large=2.0, small=1.0, period=3)
    _valid("online.reddi_gradients", t=np.arange(1, 5), C=3.0)
    _valid("online.reddi_losses", x=np.array([0.5, -0.5]), C=3.0)
    _valid("online.adagrad_norm_bound", L=1.0, lr=1.0, b0=0.1, gap=1.0)
    # optim
    _valid("optim.gd", lr=0.1, weight_decay=0.0)
    _valid("optim.heavy_ball", lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0)
    _valid("optim.nesterov", lr=0.1, momentum=0.9, weight_decay=0.0)
    _valid("optim.adagrad", lr=0.1, eps=1e-10, weight_decay=0.0, initial_accumulator_value=0.0)
    _valid("optim.adagrad_norm", lr=1.0, b0=0.01)
    _valid("optim.rmsprop", lr=0.1, eps=1e-8, weight_decay=0.0)
    _valid("optim.run", opt=optim.gd(0.1), grad_fn=lambda x: x, x0=np.ones(2), steps=2)
    # overparameterization
    _Z32 = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 2.0]])
    _valid("overparameterization.interpolating_relu_network", X=_Z32, y=_Y3, seed=0)
    _valid("overparameterization.relu_network_predict", X=_Z32, a=np.ones(2), b=np.zeros(3), c=np.ones(3))
    _valid("overparameterization.min_norm_solution", X=_Z32, y=_Y3)
    _valid("overparameterization.ridgeless_risk", gamma=2.0, r2=1.0, sigma2=0.25, n=None)
    _valid("overparameterization.simulate_linear_risk", n=4, p=2, r2=1.0, sigma2=0.25, lam=0.0, n_trials=2, seed=0)
    _valid("overparameterization.dropout_ridge_solution", X=_Z32, y=_Y3, keep_prob=0.5)
    _valid("overparameterization.batch_norm", Z=_Z32, eps=0.0)
    _valid("overparameterization.batch_norm_backward", Z=_Z32, grad_out=np.ones((3, 2)), eps=0.0)
    _valid("overparameterization.train_to_interpolation", X=_Z32, y=np.array([0, 1, 0]), width=2, lr=0.01,
           max_steps=1, seed=0, check_every=1)
    _valid("overparameterization.accuracy", net=torch.nn.Linear(2, 2), X=_Z32, y=np.array([0, 1, 0]))
    # plotting
    _valid("plotting.figure", ncols=1, nrows=1, width="full", aspect=0.5)
    # problems
    _valid("problems.Quadratic", A=np.diag([1.0, 2.0]), b=np.ones(2))
    _valid("problems.power_law_quadratic", dim=3, L=1.0)
    _valid("problems.random_quadratic", eigenvalues=np.array([1.0, 2.0]), seed=0, b_scale=1.0)
    _valid("problems.nesterov_worst_function", L=1.0, dim=4)
    _valid("problems.nesterov_lower_bound", L=1.0, k=np.array([1, 2]), dim=8)
    _valid("problems.noisy_gradient", grad=_identity, sigma=0.1, seed=0)
    _valid("problems.minibatch_gradient", X=_X2, y=_Y3, batch_size=2, seed=0)
    _valid("problems.sharpness", loss=_square_sum, theta=np.ones(2), iters=2, seed=0)
    WITH[("problems.sharpness", "u0")] = dict(u0=np.array([1.0, 0.0]))  # seed is used only without u0
    # robustness
    _lin2 = torch.nn.Linear(2, 2, dtype=torch.float64)
    _xr, _yr = torch.zeros(3, 2, dtype=torch.float64), torch.zeros(3, dtype=torch.long)
    _valid("robustness.linear_min_perturbation", W=np.eye(2), b=np.zeros(2), x=np.array([1.0, 0.0]), y=0, norm=2)
    _valid("robustness.fgsm", model=_lin2, x=_xr, y=_yr, eps=0.1)
    _valid("robustness.pgd", model=_lin2, x=_xr, y=_yr, eps=0.1, steps=1, step_size=0.1, norm="inf")
    _valid("robustness.counterfactual_linear", w=np.array([1.0, -1.0]), b=0.5, x=np.array([0.1, 0.2]), target_prob=0.7)
    _valid("robustness.median_absolute_deviation", X=_X2)
    _valid("robustness.counterfactual", model=lambda z: z.sum(), x=torch.zeros(2, dtype=torch.float64), target=1.0,
           lam=1.0, steps=1, distance="l2")
    # attention
    _valid("attention.causal_mask", n=3)
    _valid("attention.MultiHeadAttention", embed_dim=4, num_heads=2, seed=0)
    _valid("attention.layer_norm", x=torch.tensor([[0.0, 1.0, 3.0], [2.0, -1.0, 0.5]], dtype=torch.float64), eps=1e-5)
    _valid("attention.TransformerBlock", d_model=4, num_heads=2, d_ff=3, seed=0)
    _valid("attention.sinusoidal_encoding", n_positions=3, d_model=4, base=10000.0)
    _valid("attention.relative_rotation", k=1, d_model=4, base=10000.0)
    _valid("attention.sorting_task", n_samples=3, length=4, n_digits=5, seed=0)
    _valid("attention.SortingTransformer", n_digits=3, length=2, d_model=4, num_heads=2, n_layers=1, d_ff=4,
           positional=True, seed=0)
    _valid("attention.train_sorter", model=torch.nn.Sequential(torch.nn.Embedding(3, 3)),
           x=torch.zeros(4, 2, dtype=torch.long), y=torch.zeros(4, 2, dtype=torch.long), steps=1, batch_size=2,
           lr=1e-3, seed=0)
    _valid("attention.equivariant_accuracy_bound", length=3, n_digits=3)
    # gnn
    _valid("gnn.gcn_normalize", A=np.array([[0.0, 1.0], [1.0, 0.0]]))
    _valid("gnn.gcn_layer", A=np.array([[0.0, 1.0], [1.0, 0.0]]), H=np.ones((2, 2)), W=np.ones((2, 1)), activation=np.tanh)
    _valid("gnn.message_passing", A=np.array([[0.0, 1.0], [1.0, 0.0]]), H=np.ones((2, 2)), message=lambda a, b, w: b,
           aggregate="sum")
    _valid("gnn.wl_colors", A=np.array([[0.0, 1.0], [1.0, 0.0]]), rounds=0)
    _valid("gnn.permute_graph", A=np.array([[0.0, 1.0], [1.0, 0.0]]), H=np.ones((2, 2)), perm=np.array([1, 0]))
    _valid("gnn.stochastic_block_model", sizes=[2, 1], p_in=0.0, p_out=1.0, generator=0)
    _valid("gnn.oversmoothing_rate", A=np.array([[0.0, 1.0], [1.0, 0.0]]))
    # cnn
    _valid("cnn.conv2d", x=np.zeros((1, 1, 5, 5)), w=np.zeros((1, 1, 3, 3)), stride=1, padding=0, dilation=1,
           padding_mode="zeros")
    _valid("cnn.conv_output_size", h=5, k=1, stride=1, padding=0, dilation=1)
    _valid("cnn.conv_transpose_output_size", h=5, k=3, stride=2, padding=0, dilation=1, output_padding=0)
    _valid("cnn.circulant_matrix", w=np.array([1.0, 2.0]), n=4)
    _valid("cnn.circulant_singular_values", w=np.array([1.0, 2.0]), n=4)
    _valid("cnn.translate", x=np.ones((2, 3)), shift=(1, 0), mode="zeros")
    _valid("cnn.pool2d", x=np.ones((1, 1, 4, 4)), k=2, stride=2, mode="max")
    _valid("cnn.ResidualMLP", width=3, depth=1, in_features=2, out_features=2, activation="relu", branch_scale=1.0,
           seed=0)
    _valid("cnn.ResidualCNN", channels=2, depth=1, in_channels=1, num_classes=2, padding_mode="zeros", seed=0)
    _valid("cnn.train_classifier", model=torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2)),
           X_train=torch.zeros(4, 1, 2, 2), y_train=torch.zeros(4, dtype=torch.long), X_test=torch.zeros(2, 1, 2, 2),
           y_test=torch.zeros(2, dtype=torch.long), epochs=1, batch_size=2, lr=1e-3, seed=0)
    # generative
    _lp3 = np.array([-1.0, -0.5, -2.0])
    _mix = dict(means=np.array([0.0, 1.0]), stds=np.array([1.0, 0.5]), weights=np.array([0.5, 0.5]))
    _valid("generative.optimal_discriminator", log_p=_lp3, log_q=_lp3[::-1].copy())
    _valid("generative.gan_value", D=np.array([0.5, 0.4, 0.3]), log_p=_lp3, log_q=_lp3[::-1].copy(),
           grid=np.array([0.0, 1.0, 2.0]))
    _valid("generative.js_divergence", log_p=_lp3, log_q=_lp3[::-1].copy(), grid=np.array([0.0, 1.0, 2.0]))
    _valid("generative.simultaneous_gda", x0=1.0, y0=0.0, lr=0.1, steps=2)
    _valid("generative.AffineFlow", dim=2, seed=0)
    _valid("generative.PlanarFlow", dim=2, seed=0)
    _valid("generative.AffineCoupling", dim=2, parity=0, hidden=3, seed=0)
    _valid("generative.RealNVP", dim=2, n_layers=1, hidden=3, seed=0)
    _valid("generative.gaussian_mixture_logpdf", x=np.array([0.0, 1.0]), t=0.5, **_mix)
    _valid("generative.gaussian_mixture_score", x=np.array([0.0, 1.0]), t=0.5, **_mix)
    _valid("generative.sample_gaussian_mixture", n=3, seed=0, **_mix)
    _valid("generative.reverse_diffusion", score=lambda x, t: -x, x_T=np.array([0.0, 1.0]), T=1.0, t_min=1e-300,
           steps=2, seed=0)
    # equivariant
    _valid("equivariant.check_equivariance", f=_identity, act_in=lambda g, x: x, act_out=lambda g, y: y,
           samples=[(0, np.ones(2))])
    _valid("equivariant.rotate_image", x=np.ones((3, 3)), k=1)
    _valid("equivariant.circular_harmonic", m=1, radius=1.0, size=5)
    _valid("equivariant.LiftingConv", in_channels=1, out_channels=1, kernel_size=3, group="se2", orientations=4,
           radius=1.0, max_frequency=1, seed=0)
    _valid("equivariant.GroupConv", in_channels=1, out_channels=1, kernel_size=3, group="se2", orientations=4,
           radius=1.0, max_frequency=1, seed=0)
    _valid("equivariant.GroupPool", mode="max")
    # schedules
    _valid("schedules.warmup_cosine", total_steps=10, lr_max=0.1, warmup_steps=2, lr_min=0.0)
    _valid("schedules.cosine_restarts", total_steps=10, lr_max=0.1, period=3, period_mult=1, lr_min=0.0)
    # tropical
    _valid("tropical.TropicalPolynomial", coefficients=[0.0, 1.0], exponents=[[1, 0], [0, 1]])
    _valid_method("tropical.TropicalPolynomial.monomial_values", lambda: _tropical_polynomial().monomial_values,
                  x=np.array([0.5, 0.5]))
    _valid("tropical.tropical_power", p=_tropical_polynomial(), t=2.0)
    _valid("tropical.random_relu_network", input_dim=2, width=3, depth=1, output_dim=1, bias_std=0.1,
           integer_range=3, seed=0)
    _net = ([np.eye(2), np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
    _valid("tropical.regions_on_line", weights=_net[0], biases=_net[1], start=np.array([-1.0, -1.0]),
           end=np.array([1.0, 1.0]), rtol=1e-9)
    _valid("tropical.regions_on_grid", weights=_net[0], biases=_net[1], xlim=(-1.0, 1.0), ylim=(-1.0, 1.0),
           resolution=5)
    _valid("tropical.regions_in_box", weights=_net[0], biases=_net[1], xlim=(-1.0, 1.0), ylim=(-1.0, 1.0),
           min_area=0.0)
    _valid("tropical.hyperplane_bound", n=3, d=2)
    _valid("tropical.region_bound", widths=[3, 3], input_dim=2)
    _valid("tropical.identity_network", dim=2, depth=2)
    # kernels
    _valid("kernels.relu_nngp", X=np.ones((2, 3)), Y=np.ones((1, 3)))
    _valid("kernels.nngp_kernel", X=np.ones((2, 3)), Y=np.ones((1, 3)), depth=1, sigma_w2=2.0, sigma_b2=0.1,
           phi="relu")
    _valid("kernels.kernel_ridge", K_train=np.eye(2), y=np.ones(2), K_test_train=np.ones((1, 2)), ridge=0.1)
    _valid("kernels.gp_posterior", K_train=np.eye(2), y=np.ones(2), K_test_train=np.ones((1, 2)),
           K_test=np.eye(1) * 3.0, noise=0.1)
    _valid("kernels.random_features", X=np.ones((2, 3)), width=2, generator=0)
    _valid("kernels.empirical_nngp", X=np.ones((2, 3)), width=2, depth=1, sigma_w2=2.0, sigma_b2=0.1, phi="relu",
           generator=0, n_networks=1)
    _valid("kernels.train_readout", features_train=np.eye(2), y=np.ones(2), features_test=np.ones((1, 2)),
           v0=np.zeros(2), noise=0.1, eps=np.zeros(2))
    # groups
    _valid("groups.CyclicGroup", n=4)
    _valid("groups.DihedralGroup", n=4)
    _valid_method("groups.SO2.sample", lambda: importlib.import_module("nnmath.groups").SO2().sample, k=3, generator=0)
    _valid_method("groups.SO3.sample", lambda: importlib.import_module("nnmath.groups").SO3().sample, k=3, generator=0)
    _valid("groups.hat", omega=np.array([0.1, 0.2, 0.3]))
    _valid("groups.vee", X=np.eye(3))
    _valid("groups.so3_exp", omega=np.array([0.1, 0.2, 0.3]))
    _valid("groups.so3_log", R=np.eye(3))
    _valid("groups.so3_angle", R=np.eye(3))
    _valid("groups.so3_character", l=2, theta=np.array([0.5, 1.0]))
    _valid("groups.bch", X=np.eye(2), Y=np.zeros((2, 2)), order=2)
    # ntk
    _ntk_net = ntk.serial(ntk.Dense(3), ntk.Relu(), ntk.Dense(1))
    _ntk_params = _ntk_net[0](2, seed=0)[1]
    _valid("ntk.Dense", out_dim=3, W_std=1.0, b_std=0.0, parameterization="ntk")
    _valid("ntk.relu_ntk_two_layer", X=_X2, Y=_X2)
    _valid("ntk.relu_nngp_two_layer", X=_X2, Y=_X2)
    _valid("ntk.empirical_ntk", model=(_ntk_net[1], _ntk_params), X=_X2, Y=_X2)
    _valid("ntk.linearize", model=_ntk_net[1], params0=_ntk_params)
    _valid("ntk.function_space_flow", Theta=np.eye(2), f0=np.zeros(2), y=np.ones(2), lr=0.1, t=1.0)
    _valid("ntk.function_space_gd", Theta=np.eye(2), f0=np.zeros(2), y=np.ones(2), lr=0.1, steps=2)
    _valid("ntk.train_gd", apply_fn=_ntk_net[1], params=_ntk_params, X=np.ones((2, 2)), y=np.ones(2), lr=0.1, steps=1)


_register_valid_calls()


# ----------------------------------------------------------------------------- bad values from a check

def _past(bound, direction, strict, integer):
    """The value just outside ``bound`` (direction -1: below a minimum, +1: above a maximum)."""
    if strict:
        return bound
    return bound + direction * (1 if integer else 0.25)


def _inside(bound, direction, strict, integer):
    """The value at ``bound`` (inclusive) or just inside it (strict)."""
    if strict:
        return bound - direction * (1 if integer else 0.25)
    return bound


# Bad values that a function accepts on purpose, each with the reason.
ACCEPTED = {
    ("autodiff.Var", "value", "not finite"): "a float is taken as it is (the hot path of every operation); "
                                              "NaN then propagates as in IEEE arithmetic",
    ("autodiff.Dual", "value", "not finite"): "as for Var",
    ("autodiff.Dual", "tangent", "not finite"): "as for Var",
}


def bad_values(check: Check, valid_value) -> list[tuple[str, object, type]]:
    """(description, bad value, expected error type) for one check, less those in ACCEPTED."""
    return [b for b in _bad_values(check, valid_value) if (check.target, check.param, b[0]) not in ACCEPTED]


def _as_array(value):
    """``value`` as a plain numeric NumPy array, or None (no valid value, a tensor, a ragged list)."""
    if value is None or isinstance(value, torch.Tensor):
        return None
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        return None
    return arr if arr.dtype.kind in "biuf" else None


def _bad_values(check: Check, valid_value) -> list[tuple[str, object, type]]:
    out = []
    single = len(_VALIDATORS_OF[(check.target, check.param)]) == 1
    v = check.validator
    if v in ("check_int", "check_real"):
        integer = v == "check_int"
        if single:
            out.append(("wrong type", "3" if integer else "x", TypeError))
        if not integer and single:
            out.append(("not finite", math.nan, ValueError))
        strict = bool(check.get("strict", False)) and not integer
        for key, direction in (("minimum", -1), ("maximum", +1)):
            bound = check.get(key)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool):
                out.append((f"past the {key} {bound}", _past(bound, direction, strict, integer), ValueError))
    elif v == "check_array":
        if single:
            out.append(("not numeric", "not an array", TypeError))
        ndim = check.get("ndim")
        if ndim is not None:
            allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
            out.append((f"ndim not in {allowed}", np.zeros((1,) * (max(allowed) + 1)), ValueError))
        arr = _as_array(valid_value)
        if arr is not None and check.shape_axes and arr.ndim == len(check.shape_axes):
            # one more entry along the first axis of fixed length (fixed by a constant or by another argument)
            axis = check.shape_axes.index(True) if True in check.shape_axes else None
            if axis is not None and arr.shape[axis] >= 1:
                out.append((f"one entry too many on axis {axis}",
                            np.concatenate([arr, arr.take([0], axis=axis)], axis=axis), ValueError))
        if arr is not None and check.integer and arr.size:
            # (an argument that may also be a scalar, checked by check_int, is given as an array here)
            out.append(("not whole numbers", (arr if single else np.atleast_1d(arr)).astype(float) + 0.5, ValueError))
        if single and "dtype" not in check.keywords and "finite" not in check.keywords and valid_value is not None:
            arr = np.array(valid_value, dtype=float)
            if arr.size:
                arr.flat[0] = np.nan
                out.append(("a non-finite entry", arr, ValueError))
    elif v == "check_choice":
        out.append(("unknown choice", "no-such-choice", ValueError))
    elif v == "check_rng":
        out += [("negative seed", -1, ValueError), ("not a seed", 1.5, TypeError)]
    elif v == "check_callable":
        out.append(("not callable", 3, TypeError))
    elif v == "check_interval":
        out += [("low >= high", (1.0, 0.0), ValueError), ("not a pair", "ab", TypeError)]
    return out


def boundary_values(check: Check) -> list[tuple[str, object]]:
    """(description, value at or just inside a constant bound) that the check must accept."""
    if check.validator not in ("check_int", "check_real"):
        return []
    integer = check.validator == "check_int"
    strict = bool(check.get("strict", False)) and not integer
    out = []
    for key, direction in (("minimum", -1), ("maximum", +1)):
        bound = check.get(key)
        if isinstance(bound, (int, float)) and not isinstance(bound, bool):
            out.append((f"at the {key} {bound}" + (" (strict: just inside)" if strict else ""),
                        _inside(bound, direction, strict, integer)))
    return out


def _resolve(target: str, param: str | None = None):
    """The callable and the valid keyword arguments of ``target`` (for testing ``param``)."""
    entry = VALID[target]
    extra = WITH.get((target, param), {})
    if isinstance(entry, tuple):
        factory, kwargs = entry
        return factory(), {**kwargs, **extra}
    module, _, rest = target.partition(".")
    obj = importlib.import_module(f"nnmath.{module}")
    for part in rest.split("."):
        obj = getattr(obj, part)
    return obj, {**entry, **extra}


def _names(reported: str, message: str) -> bool:
    """The message names the argument as a whole word (``XXlrXX`` or ``LR`` do not count)."""
    return re.search(rf"(?<![\w]){re.escape(reported)}(?![\w])", message) is not None


def _valid_value(check: Check):
    entry = VALID[check.target]
    kwargs = entry if isinstance(entry, dict) else entry[1]
    return {**kwargs, **WITH.get((check.target, check.param), {})}.get(check.param)


CASES = [pytest.param(c, d, bad, err, id=f"{c}-{d}") for c in ALL_CHECKS if c.target in VALID
         for d, bad, err in bad_values(c, _valid_value(c))]
BOUNDARIES = [pytest.param(c, d, value, id=f"{c}-{d}") for c in ALL_CHECKS if c.target in VALID
              for d, value in boundary_values(c)]


def test_the_registry_reads_checks():
    """The syntax-tree reader finds the checks of a known function with their bounds."""
    checks = {c.param: c for c in ALL_CHECKS if c.target == "learning.threshold_risk"}
    assert checks["flip"].validator == "check_real"
    assert dict(checks["flip"].bounds) == {"minimum": 0.0, "maximum": 0.5}
    assert checks["thresholds"].validator == "check_array"
    assert len(CASES) > 200 and len(BOUNDARIES) > 80


def test_every_checked_function_is_registered():
    """Every public function, class and method that checks an argument has a valid call in VALID."""
    missing = sorted({c.target for c in ALL_CHECKS} - set(VALID))
    assert not missing, "add a valid call to VALID in tests/test_bad_input.py for: " + ", ".join(missing)


def test_every_valid_call_succeeds():
    """The valid calls themselves raise nothing (so a bad value alone explains each error below)."""
    def exists(target):
        module, _, rest = target.partition(".")
        obj = importlib.import_module(f"nnmath.{module}")
        for part in rest.split("."):
            if not hasattr(obj, part):
                return False
            obj = getattr(obj, part)
        return True

    stale = sorted(t for t in VALID if not exists(t))
    assert not stale, "VALID names functions that no longer exist: " + ", ".join(stale)
    for target in VALID:
        fn, kwargs = _resolve(target)
        fn(**kwargs)
    for target, param in WITH:
        fn, kwargs = _resolve(target, param)
        fn(**kwargs)


@pytest.mark.parametrize("check, what, bad, error", CASES)
def test_bad_argument_raises_an_error_naming_it(check, what, bad, error):
    """A bad value of one argument raises the expected error type, and the message names the argument."""
    fn, kwargs = _resolve(check.target, check.param)
    kwargs[check.param] = bad
    with pytest.raises((TypeError, ValueError)) as info:
        fn(**kwargs)
    assert isinstance(info.value, error), f"{check}: {what} raised {type(info.value).__name__}: {info.value}"
    assert _names(check.reported, str(info.value)), f"{check}: {what}: message does not name {check.reported!r}: {info.value}"
    # every message of nnmath._validate starts with the argument's name ("seed must be ..."), so a
    # message that only mentions it further on ("XX must be a non-negative integer seed") is not enough
    assert str(info.value).startswith(check.reported + " "), f"{check}: {what}: message does not start with {check.reported!r}: {info.value}"
    if what.startswith("ndim not in"):  # the dimension is what is wrong, and the message says so
        assert "dimension" in str(info.value), f"{check}: {what}: message does not mention the dimension: {info.value}"
    if what.startswith("one entry too many"):
        assert "shape" in str(info.value), f"{check}: {what}: message does not mention the shape: {info.value}"


@pytest.mark.parametrize("check, what, value", BOUNDARIES)
def test_value_at_a_bound_passes_its_check(check, what, value):
    """A value at an inclusive bound (or just inside a strict one) is not rejected by that bound's check."""
    fn, kwargs = _resolve(check.target, check.param)
    kwargs[check.param] = value
    try:
        fn(**kwargs)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        own = re.match(rf"{re.escape(check.reported)} must be (an integer )?(>=|>|<=|<) ", message)
        assert not own, f"{check}: {what} was rejected by its own bound: {message}"


# ----------------------------------------------------------------------------- negative controls

def _wrong_check_without_name(x):
    """A plausible mistake: the check names the wrong argument."""
    from nnmath._validate import check_int
    return check_int("value", x, minimum=1)


def _wrong_check_off_by_one(x):
    """A plausible mistake: minimum=2 where 1 is allowed."""
    from nnmath._validate import check_int
    return check_int("x", x, minimum=2)


def test_negative_controls_are_rejected():
    """The two assertions reject a message naming another argument and a bound that is off by one."""
    with pytest.raises(ValueError) as info:
        _wrong_check_without_name(0)
    assert not _names("x", str(info.value))
    assert not _names("lr", "XXlrXX must be > 0") and not _names("lr", "LR must be > 0")
    with pytest.raises(ValueError, match=r"^x must be an integer >= "):
        _wrong_check_off_by_one(1)  # the boundary test would flag exactly this message
