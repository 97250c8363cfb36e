"""The neural tangent kernel: closed forms, a stax-style layer API, empirical kernels and lazy training.

Used by the chapter *The neural tangent kernel*. Conventions:

* A network in the **NTK parameterization** computes, layer by layer,
  ``z = (W_std / sqrt(n_in)) x @ W + b_std * b`` with ``W``, ``b`` entries i.i.d. N(0, 1), so that
  every trained parameter is of order one and the scale sits in the forward pass.
* The tangent kernel of a scalar network ``f(theta, x)`` is
  ``Theta(x, y) = <grad_theta f(theta, x), grad_theta f(theta, y)>`` (eq-ntk-kernel).
* The two-layer model of the chapter is ``f(x) = m**-0.5 * sum_j a_j relu(w_j . x)`` with
  ``w_j ~ N(0, I_d)``, ``a_j ~ N(0, 1)``, no biases, both layers trained. Its tangent kernel tends,
  as ``m -> infinity``, to (eq-ntk-two-layer)

      Theta(x, y) = |x||y| (sin t + (pi - t) cos t) / (2 pi) + (x . y) (pi - t) / (2 pi),

  ``t`` the angle between ``x`` and ``y``. In the layer API this network is
  ``serial(Dense(m, W_std=sqrt(d)), Relu(), Dense(1))``.
* Training minimizes ``L = (1/2) sum_i (f(x_i) - y_i)**2`` (a sum, not a mean), so that gradient
  flow ``d theta/dt = -lr grad L`` moves the training outputs by ``df/dt = -lr Theta (f - y)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from torch.func import functional_call, jacrev, jvp, vmap

from .kernels import _pair as _points_pair  # X, and Y (default X) with as many columns
from ._validate import check_array, check_callable, check_choice, check_int, check_real, check_rng

__all__ = [
    "Kernel",
    "Dense",
    "Relu",
    "serial",
    "relu_ntk_two_layer",
    "relu_nngp_two_layer",
    "empirical_ntk",
    "linearize",
    "function_space_flow",
    "function_space_gd",
    "train_gd",
]


class Kernel(NamedTuple):
    """The kernels carried through a network by ``kernel_fn``.

    ``nngp[i, j]`` is the covariance of one pre-activation unit at ``x_i`` and ``y_j`` at
    initialization, ``ntk[i, j]`` the tangent kernel of one output unit restricted to the
    parameters of the layers so far, ``var1[i]`` and ``var2[j]`` the variances at ``x_i`` and ``y_j``.
    """

    nngp: np.ndarray
    ntk: np.ndarray
    var1: np.ndarray
    var2: np.ndarray


def _input_kernel(X: Any, Y: Any = None) -> Kernel:
    X, Y = _points_pair(X, Y)
    d = X.shape[1]
    return Kernel(X @ Y.T / d, np.zeros((X.shape[0], Y.shape[0])),
                  np.sum(X * X, axis=1) / d, np.sum(Y * Y, axis=1) / d)


def _as_kernel(X: Any, Y: Any = None) -> Kernel:
    return X if isinstance(X, Kernel) else _input_kernel(X, Y)


def _arccos_parts(nngp: np.ndarray, var1: np.ndarray, var2: np.ndarray):
    """Return (kappa_1, kappa_0) of the ReLU: E[relu(u) relu(v)] and E[1{u>0} 1{v>0}]."""
    norms = np.sqrt(np.outer(var1, var2))
    safe = np.where(norms > 0, norms, 1.0)
    cos = np.clip(np.where(norms > 0, nngp / safe, 0.0), -1.0, 1.0)
    theta = np.arccos(cos)
    k1 = norms * (np.sin(theta) + (np.pi - theta) * cos) / (2 * np.pi)
    k0 = (np.pi - theta) / (2 * np.pi)
    return k1, k0


def Dense(out_dim: int, W_std: float = 1.0, b_std: float = 0.0, parameterization: str = "ntk"):
    """A fully connected layer ``z = (W_std/sqrt(n_in)) x @ W + b_std b`` (NTK parameterization).

    Parameters
    ----------
    out_dim : int
        Number of output units.
    W_std, b_std : float
        Weight and bias scales sigma_w, sigma_b (``b_std = 0``: no bias parameter is used).
    parameterization : {"ntk", "standard"}
        ``"ntk"``: entries N(0, 1) and the factor ``W_std/sqrt(n_in)`` in the forward pass.
        ``"standard"``: entries N(0, W_std**2/n_in) and N(0, b_std**2), no factor; the same
        function at initialization, but a tangent kernel that grows with the width, so
        ``kernel_fn`` raises for it.

    Returns
    -------
    init_fn, apply_fn, kernel_fn
        ``init_fn(input_dim, seed) -> (out_dim, params)``; ``apply_fn(params, X) -> tensor``;
        ``kernel_fn(kernel) -> kernel`` with the maps nngp' = W_std^2 nngp + b_std^2 and
        ntk' = nngp' + W_std^2 ntk (eq-ntk-dense).
    """
    out_dim = check_int("out_dim", out_dim, minimum=1)
    W_std = check_real("W_std", W_std, minimum=0.0, strict=True)
    b_std = check_real("b_std", b_std, minimum=0.0)
    parameterization = check_choice("parameterization", parameterization, ("ntk", "standard"))

    def init_fn(input_dim: int, seed: Any = 0):
        input_dim = check_int("input_dim", input_dim, minimum=1)
        rng = check_rng("seed", seed)
        W = torch.as_tensor(rng.standard_normal((input_dim, out_dim)), dtype=torch.float64)
        b = torch.as_tensor(rng.standard_normal(out_dim), dtype=torch.float64)
        if parameterization == "standard":
            W = W * (W_std / math.sqrt(input_dim))
            b = b * b_std
        return out_dim, {"W": W, "b": b}

    def apply_fn(params, X):
        X = torch.as_tensor(X, dtype=torch.float64)
        W, b = params["W"], params["b"]
        if parameterization == "ntk":
            return (W_std / math.sqrt(W.shape[0])) * (X @ W) + b_std * b
        return X @ W + (b if b_std > 0 else 0.0 * b)

    def kernel_fn(X, Y=None) -> Kernel:
        if parameterization != "ntk":
            raise ValueError("parameterization must be 'ntk' for kernel_fn: in the standard "
                             "parameterization the tangent kernel grows with the width")
        k = _as_kernel(X, Y)
        w2, b2 = W_std ** 2, b_std ** 2
        nngp = w2 * k.nngp + b2
        return Kernel(nngp, nngp + w2 * k.ntk, w2 * k.var1 + b2, w2 * k.var2 + b2)

    return init_fn, apply_fn, kernel_fn


def Relu():
    """The ReLU layer: no parameters; kernel maps nngp' = kappa_1(nngp), ntk' = ntk * kappa_0(nngp).

    ``kappa_1`` and ``kappa_0`` are the arc-cosine expectations E[relu(u) relu(v)] and
    E[1{u>0} 1{v>0}] for (u, v) centred Gaussian with the incoming covariance (eq-ntk-relu).
    """

    def init_fn(input_dim: int, seed: Any = 0):
        input_dim = check_int("input_dim", input_dim, minimum=1)
        return input_dim, {}

    def apply_fn(params, X):
        return torch.relu(torch.as_tensor(X, dtype=torch.float64))

    def kernel_fn(X, Y=None) -> Kernel:
        k = _as_kernel(X, Y)
        k1, k0 = _arccos_parts(k.nngp, k.var1, k.var2)
        return Kernel(k1, k.ntk * k0, k.var1 / 2, k.var2 / 2)

    return init_fn, apply_fn, kernel_fn


def serial(*layers):
    """Compose layers: params are a tuple of per-layer dicts; kernels are mapped first layer first.

    Each argument is a triple ``(init_fn, apply_fn, kernel_fn)`` from :func:`Dense`, :func:`Relu`
    or :func:`serial`. ``kernel_fn(X, Y=None)`` starts from nngp = X Y^T / d, ntk = 0.
    """
    if len(layers) == 0:
        raise ValueError("layers must contain at least one layer")
    for i, layer in enumerate(layers):
        if not (isinstance(layer, tuple) and len(layer) == 3 and all(callable(f) for f in layer)):
            raise TypeError(f"layers[{i}] must be a triple (init_fn, apply_fn, kernel_fn)")

    def init_fn(input_dim: int, seed: Any = 0):
        input_dim = check_int("input_dim", input_dim, minimum=1)
        rng = check_rng("seed", seed)
        params = []
        dim = input_dim
        for init, _, _ in layers:
            dim, p = init(dim, rng)
            params.append(p)
        return dim, tuple(params)

    def apply_fn(params, X):
        out = X
        for (_, apply, _), p in zip(layers, params):
            out = apply(p, out)
        return out

    def kernel_fn(X, Y=None) -> Kernel:
        k = _as_kernel(X, Y)
        for _, _, kern in layers:
            k = kern(k)
        return k

    return init_fn, apply_fn, kernel_fn


def _angle_parts(X: Any, Y: Any):
    X, Y = _points_pair(X, Y)
    dot = X @ Y.T
    norms = np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(Y, axis=1))
    safe = np.where(norms > 0, norms, 1.0)
    theta = np.arccos(np.clip(np.where(norms > 0, dot / safe, 0.0), -1.0, 1.0))
    return dot, norms, theta


def relu_nngp_two_layer(X: Any, Y: Any = None) -> np.ndarray:
    """E_w[relu(w.x) relu(w.y)] = |x||y| (sin t + (pi - t) cos t) / (2 pi), w ~ N(0, I_d)."""
    _, norms, theta = _angle_parts(X, Y)
    return norms * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi)


def relu_ntk_two_layer(X: Any, Y: Any = None) -> np.ndarray:
    """Infinite-width tangent kernel of ``f(x) = m^{-1/2} sum_j a_j relu(w_j . x)`` (eq-ntk-two-layer).

    Parameters
    ----------
    X : array (n1, d)
    Y : array (n2, d), optional (default ``X``)

    Returns
    -------
    array (n1, n2)
        ``|x||y|(sin t + (pi - t) cos t)/(2 pi) + (x.y)(pi - t)/(2 pi)``: the first term comes from
        the readout weights ``a`` (it is the NNGP kernel), the second from the hidden weights ``w``.
        ``w_j ~ N(0, I_d)``, ``a_j ~ N(0, 1)``, no biases, both layers trained.
    """
    dot, norms, theta = _angle_parts(X, Y)
    return (norms * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) + dot * (np.pi - theta)) / (2 * np.pi)


def _functional(model: Any, name: str = "model"):
    """Return (apply_fn, params) from a pair or an nn.Module."""
    if isinstance(model, torch.nn.Module):
        params = {k: v.detach() for k, v in model.named_parameters()}
        return (lambda p, X: functional_call(model, p, (X,))), params
    if isinstance(model, tuple) and len(model) == 2 and callable(model[0]):
        return model
    raise TypeError(f"{name} must be a pair (apply_fn, params) or a torch.nn.Module, got {type(model).__name__}")


def _jacobian(apply_fn, params, X: torch.Tensor):
    def f1(p, x):
        out = apply_fn(p, x[None])
        if out.numel() != 1:
            raise ValueError(f"model must have a scalar output, got {out.numel()} outputs per input")
        return out.reshape(())

    jac = vmap(jacrev(f1), in_dims=(None, 0))(params, X)
    leaves = torch.utils._pytree.tree_leaves(jac)
    return torch.cat([j.reshape(X.shape[0], -1) for j in leaves], dim=1)


def empirical_ntk(model: Any, X: Any, Y: Any = None) -> np.ndarray:
    """The tangent kernel Theta(x, y) = <grad_theta f(x), grad_theta f(y)> of a finite network.

    Parameters
    ----------
    model : pair (apply_fn, params) or torch.nn.Module
        A scalar-output network; ``params`` is any pytree of tensors (e.g. from ``serial``'s init_fn).
    X : array (n1, d)
    Y : array (n2, d), optional (default ``X``)

    Returns
    -------
    array (n1, n2)
        ``J(X) J(Y)^T`` with the Jacobians computed by ``torch.func.vmap(jacrev(...))``.
    """
    apply_fn, params = _functional(model)
    same = Y is None
    X, Y = _points_pair(X, Y)
    JX = _jacobian(apply_fn, params, torch.as_tensor(X, dtype=torch.float64))
    JY = JX if same else _jacobian(apply_fn, params, torch.as_tensor(Y, dtype=torch.float64))
    return (JX @ JY.T).detach().numpy()


def linearize(model: Callable, params0: Any) -> Callable:
    """The first-order Taylor model f_lin(theta, x) = f(theta0, x) + J(theta0, x)(theta - theta0).

    Parameters
    ----------
    model : callable ``apply_fn(params, X)``
    params0 : pytree of tensors, the expansion point theta0.

    Returns
    -------
    callable ``f_lin(params, X)`` computed with one ``torch.func.jvp``.
    """
    model = check_callable("model", model)
    p0 = torch.utils._pytree.tree_map(lambda t: t.detach(), params0)

    def f_lin(params, X):
        X = torch.as_tensor(X, dtype=torch.float64)
        delta = torch.utils._pytree.tree_map(lambda a, b: a - b, params, p0)
        out, tangent = jvp(lambda p: model(p, X), (p0,), (delta,))
        return out + tangent

    return f_lin


def _flow_args(Theta, f0, y, lr):
    Theta = check_array("Theta", Theta, ndim=2)
    n = Theta.shape[0]
    if Theta.shape != (n, n) or not np.allclose(Theta, Theta.T, atol=1e-10 * max(1.0, np.abs(Theta).max())):
        raise ValueError(f"Theta must be a symmetric square matrix, got shape {Theta.shape}")
    f0 = check_array("f0", f0, shape=(n,))
    y = check_array("y", y, shape=(n,))
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    return Theta, f0, y, lr


def _test_args(Theta_test_train, f0_test, n):
    if Theta_test_train is None:
        return None, None
    Ttx = check_array("Theta_test_train", Theta_test_train, ndim=2)
    if Ttx.shape[1] != n:
        raise ValueError(f"Theta_test_train must have {n} columns, got shape {Ttx.shape}")
    f0t = np.zeros(Ttx.shape[0]) if f0_test is None else check_array("f0_test", f0_test, shape=(Ttx.shape[0],))
    return Ttx, f0t


def function_space_flow(Theta: Any, f0: Any, y: Any, lr: float, t: Any, *,
                        Theta_test_train: Any = None, f0_test: Any = None):
    """Gradient flow of the linearized model in function space (eq-ntk-flow).

    On the training points f_t = f0 + (I - exp(-lr Theta t))(y - f0); on test points
    f_t(x) = f0(x) + Theta(x, X) Theta^{-1} (I - exp(-lr Theta t))(y - f0), computed with the
    eigendecomposition Theta = V diag(lam) V^T (the factor (1 - e^{-lr lam t})/lam is taken as
    lr t where lam = 0).

    Parameters
    ----------
    Theta : array (n, n), symmetric positive semidefinite kernel on the training inputs.
    f0, y : arrays (n,), outputs at initialization and targets.
    lr : float > 0, the learning rate multiplying the gradient.
    t : float >= 0 or 1-D array of times.
    Theta_test_train : array (k, n), optional; f0_test : array (k,), optional (default 0).

    Returns
    -------
    array (n,) or (len(t), n); with test points a pair (train, test).
    """
    Theta, f0, y, lr = _flow_args(Theta, f0, y, lr)
    times = check_array("t", t, ndim=(0, 1))
    if np.any(times < 0):
        raise ValueError("t must be >= 0")
    Ttx, f0t = _test_args(Theta_test_train, f0_test, Theta.shape[0])
    lam, V = np.linalg.eigh(Theta)
    lam = np.clip(lam, 0.0, None)
    r = V.T @ (y - f0)
    tt = np.atleast_1d(times)[:, None]
    decay = -np.expm1(-lr * lam[None, :] * tt)                           # 1 - e^{-lr lam t}
    train = f0[None, :] + (decay * r[None, :]) @ V.T
    if Ttx is None:
        return train[0] if times.ndim == 0 else train
    big = lam > 1e-12 * max(lam.max(), 1e-300)
    ratio = np.where(big[None, :], decay / np.where(big, lam, 1.0)[None, :], lr * tt)
    test = f0t[None, :] + (ratio * r[None, :]) @ (Ttx @ V).T
    if times.ndim == 0:
        return train[0], test[0]
    return train, test


def function_space_gd(Theta: Any, f0: Any, y: Any, lr: float, steps: int, *,
                      Theta_test_train: Any = None, f0_test: Any = None):
    """Gradient descent on the linearized model in function space: f_k = f0 + (I - (I - lr Theta)^k)(y - f0).

    The discrete counterpart of :func:`function_space_flow`; it converges iff lr * lam_max(Theta) < 2
    (on the range of Theta). Returns the outputs after ``steps`` steps, as a pair (train, test) when
    test points are given (test outputs f0(x) + Theta(x, X) sum_{j<k} lr (I - lr Theta)^j (y - f0)).
    """
    Theta, f0, y, lr = _flow_args(Theta, f0, y, lr)
    steps = check_int("steps", steps, minimum=0)
    Ttx, f0t = _test_args(Theta_test_train, f0_test, Theta.shape[0])
    lam, V = np.linalg.eigh(Theta)
    lam = np.clip(lam, 0.0, None)
    r = V.T @ (y - f0)
    decay = 1.0 - (1.0 - lr * lam) ** steps
    train = f0 + V @ (decay * r)
    if Ttx is None:
        return train
    big = lam > 1e-12 * max(lam.max(), 1e-300)
    ratio = np.where(big, decay / np.where(big, lam, 1.0), lr * steps)
    return train, f0t + (Ttx @ V) @ (ratio * r)


def train_gd(apply_fn: Callable, params: Any, X: Any, y: Any, lr: float, steps: int):
    """Full-batch gradient descent on L(theta) = (1/2) sum_i (f(theta, x_i) - y_i)^2.

    Parameters
    ----------
    apply_fn : callable ``apply_fn(params, X)`` returning the outputs (n,) or (n, 1).
    params : pytree of tensors, the starting point (not modified).
    X : array (n, d); y : array (n,).
    lr : float > 0; steps : int >= 0.

    Returns
    -------
    params, losses
        The parameters after ``steps`` steps and the array of the ``steps + 1`` losses along the way.
    """
    apply_fn = check_callable("apply_fn", apply_fn)
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, shape=(X.shape[0],))
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    steps = check_int("steps", steps, minimum=0)
    Xt = torch.as_tensor(X, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.float64)
    p = torch.utils._pytree.tree_map(lambda t: t.detach().clone(), params)

    def loss_fn(q):
        return 0.5 * torch.sum((apply_fn(q, Xt).reshape(-1) - yt) ** 2)

    grad_fn = torch.func.grad_and_value(loss_fn)
    losses = []
    for _ in range(steps):
        g, value = grad_fn(p)
        losses.append(float(value))
        p = torch.utils._pytree.tree_map(lambda a, b: a - lr * b, p, g)
    losses.append(float(loss_fn(p)))
    return p, np.array(losses)
