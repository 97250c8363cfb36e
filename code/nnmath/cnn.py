r"""Convolutional and residual networks: the chapter *Convolutional and residual networks*.

Conventions follow PyTorch: images are ``NCHW`` arrays (batch, channels, height, width), kernels
``(c_out, c_in, k_h, k_w)``, and "convolution" means cross-correlation,

.. math::

    y_{n,o,i,j} = \sum_{c=0}^{c_{in}-1} \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1}
        w_{o,c,a,b}\; \tilde x_{n,c,\; s_h i + d_h a,\; s_w j + d_w b},           \tag{eq-cnn-conv}

where :math:`\tilde x` is the input padded by :math:`p` on each side (with zeros, or circularly),
:math:`s` the stride and :math:`d` the dilation. Contents:

- :func:`conv2d` -- the sum (eq-cnn-conv) evaluated from the definition (one ``einsum`` per kernel offset);
- :func:`conv_output_size`, :func:`conv_transpose_output_size` -- the output-size formulas;
- :func:`circulant_matrix`, :func:`circulant_singular_values` -- circular convolution as a
  (block-)circulant matrix and its singular values from the discrete Fourier transform;
- :func:`translate` -- circular or zero-filled shifts of images;
- :func:`pool2d` -- max and average pooling from the definition;
- :class:`ResidualMLP`, :class:`ResidualCNN` -- residual networks whose branches can be
  zero-initialized; :func:`train_classifier` -- a short seeded training loop.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validate import check_array, check_choice, check_int, check_real, check_rng

__all__ = [
    "conv2d",
    "conv_output_size",
    "conv_transpose_output_size",
    "circulant_matrix",
    "circulant_singular_values",
    "translate",
    "pool2d",
    "ResidualMLP",
    "ResidualCNN",
    "train_classifier",
]

PADDING_MODES = ("zeros", "circular")


def _pair(name: str, value: Any, *, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= minimum, as a pair (the error names ``name``)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair of integers, got {value!r}")
        return (check_int(name, value[0], minimum=minimum), check_int(name, value[1], minimum=minimum))
    v = check_int(name, value, minimum=minimum)
    return v, v


# --------------------------------------------------------------------------- convolution
def conv2d(x, w, *, stride=1, padding=0, dilation=1, padding_mode: str = "zeros") -> np.ndarray:
    r"""Two-dimensional cross-correlation (PyTorch's ``conv2d``) computed from its definition.

    .. math::

        y_{n,o,i,j} = \sum_{c,a,b} w_{o,c,a,b}\, \tilde x_{n,c,\,s_h i + d_h a,\,s_w j + d_w b},
        \qquad 0 \le i < H', \; 0 \le j < W',

    with :math:`\tilde x` the input padded by :math:`p` rows/columns on each side and
    :math:`H' = \lfloor (H + 2p_h - d_h(k_h - 1) - 1)/s_h \rfloor + 1` (likewise :math:`W'`).

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        Input images (a CPU torch tensor is accepted and converted).
    w : array_like, shape (C_out, C_in, k_h, k_w)
        Kernel.
    stride, dilation : int or pair of ints >= 1
    padding : int or pair of ints >= 0
    padding_mode : {"zeros", "circular"}
        Zero padding, or periodic padding (index taken modulo the size); PyTorch's circular mode
        requires ``padding <= H`` (and ``<= W``), and so does this function.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H', W'), float64
    """
    x = check_array("x", x, ndim=4)
    w = check_array("w", w, ndim=4)
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w must have as many input channels as x: w.shape[1] = {w.shape[1]}, x.shape[1] = {x.shape[1]}")
    sh, sw = _pair("stride", stride, minimum=1)
    ph, pw = _pair("padding", padding, minimum=0)
    dh, dw = _pair("dilation", dilation, minimum=1)
    check_choice("padding_mode", padding_mode, PADDING_MODES)
    n, c, h, wd = x.shape
    kh, kw = w.shape[2:]
    if min(kh, kw) < 1:
        raise ValueError(f"w must have kernel sizes >= 1, got {w.shape[2:]}")
    if padding_mode == "circular":
        if ph > h or pw > wd:
            raise ValueError(f"padding must be at most the input size for circular padding, got {padding} for {(h, wd)}")
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="wrap")
    else:
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = conv_output_size(h, kh, stride=sh, padding=ph, dilation=dh)
    wo = conv_output_size(wd, kw, stride=sw, padding=pw, dilation=dw)
    y = np.zeros((n, w.shape[0], ho, wo))
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, :, dh * a: dh * a + sh * (ho - 1) + 1: sh, dw * b: dw * b + sw * (wo - 1) + 1: sw]
            y += np.einsum("oc,ncij->noij", w[:, :, a, b], patch)
    return y


def conv_output_size(h: int, k: int, *, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    r"""Output length of a convolution: :math:`\lfloor (h + 2p - d(k-1) - 1)/s \rfloor + 1`.

    Raises ``ValueError`` (naming ``h``) if the dilated kernel :math:`d(k-1)+1` is longer than the
    padded input :math:`h + 2p`, where PyTorch raises too.
    """
    h = check_int("h", h, minimum=1)
    k = check_int("k", k, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    dilation = check_int("dilation", dilation, minimum=1)
    span = dilation * (k - 1) + 1
    if span > h + 2 * padding:
        raise ValueError(f"h + 2*padding = {h + 2 * padding} is shorter than the dilated kernel d(k-1)+1 = {span}")
    return (h + 2 * padding - span) // stride + 1


def conv_transpose_output_size(h: int, k: int, *, stride: int = 1, padding: int = 0, dilation: int = 1,
                               output_padding: int = 0) -> int:
    r"""Output length of a transposed convolution: :math:`(h-1)s - 2p + d(k-1) + 1 + o`.

    ``output_padding`` :math:`o` must satisfy :math:`0 \le o < \max(s, d)` (PyTorch's rule); for
    :math:`o < s` the result is one of the :math:`s` input lengths that the convolution with the same
    parameters maps to length ``h``. Raises ``ValueError`` (naming ``h``) if the result is below 1.
    """
    h = check_int("h", h, minimum=1)
    k = check_int("k", k, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    dilation = check_int("dilation", dilation, minimum=1)
    output_padding = check_int("output_padding", output_padding, minimum=0)
    if output_padding >= max(stride, dilation):
        raise ValueError(f"output_padding must be smaller than max(stride, dilation) = {max(stride, dilation)}, "
                         f"got {output_padding}")
    out = (h - 1) * stride - 2 * padding + dilation * (k - 1) + 1 + output_padding
    if out < 1:
        raise ValueError(f"h = {h} with these parameters gives a non-positive output size {out}")
    return out


# --------------------------------------------------------------------------- circulant matrices
def _kernel_and_sizes(w, n):
    """Normalize a kernel to shape (c_out, c_in, kh, kw) and n to a pair (n1, n2)."""
    w = check_array("w", w, ndim=(1, 3, 4))
    if w.ndim == 1:
        w = w[None, None, None, :]
    elif w.ndim == 3:
        w = w[:, :, None, :]
    if w.shape[2] == 1:  # one-dimensional kernel: signals of length n
        n1, n2 = 1, check_int("n", n, minimum=1)
    else:
        n1, n2 = _pair("n", n, minimum=1)
    if w.shape[2] > n1 or w.shape[3] > n2 or w.size == 0:
        raise ValueError(f"n must be at least the kernel size, got n = {n} for a kernel of shape {w.shape[2:]}")
    return w, n1, n2


def circulant_matrix(w, n) -> np.ndarray:
    r"""The matrix of circular cross-correlation with kernel ``w``.

    One channel, 1-D (``w`` of shape ``(k,)``): the :math:`n \times n` circulant matrix :math:`C` with

    .. math::

        (Cx)_i = \sum_{a=0}^{k-1} w_a\, x_{(i + a) \bmod n}, \qquad C_{i,j} = w_{(j - i) \bmod n}

    (``w`` padded with zeros to length :math:`n`). Several channels, ``w`` of shape
    ``(c_out, c_in, k)``: the block matrix of shape ``(c_out n, c_in n)`` whose block ``(o, c)`` is the
    circulant of ``w[o, c]``. Two dimensions, ``w`` of shape ``(c_out, c_in, k_h, k_w)`` and ``n`` an int
    or a pair ``(n_1, n_2)``: the matrix of :func:`conv2d` with circular padding 0 on the torus
    :math:`\mathbb Z_{n_1} \times \mathbb Z_{n_2}`, i.e. :math:`y_{o,i,j} = \sum_{c,a,b} w_{o,c,a,b}\,
    x_{c,(i+a) \bmod n_1,(j+b) \bmod n_2}`, with rows and columns ordered ``(channel, i, j)`` (C order).
    """
    w, n1, n2 = _kernel_and_sizes(w, n)
    co, ci, kh, kw = w.shape
    m = np.zeros((co, n1, n2, ci, n1, n2))
    i = np.arange(n1)[:, None]
    j = np.arange(n2)[None, :]
    for a in range(kh):
        for b in range(kw):
            ii = np.broadcast_to(i, (n1, n2))
            jj = np.broadcast_to(j, (n1, n2))
            m[:, ii, jj, :, (ii + a) % n1, (jj + b) % n2] += w[:, :, a, b]
    return m.reshape(co * n1 * n2, ci * n1 * n2)


def circulant_singular_values(w, n) -> np.ndarray:
    r"""Singular values of :func:`circulant_matrix` ``(w, n)`` from the discrete Fourier transform.

    One channel: the values :math:`|\hat w_m|`, :math:`\hat w_m = \sum_a w_a e^{2\pi i a m / n}`,
    :math:`m = 0, \dots, n-1`. Several channels (Sedghi, Gupta and Long, 2019): the union over the
    frequencies :math:`m = (m_1, m_2)` of the singular values of the :math:`c_{out} \times c_{in}` matrices

    .. math::

        P(m)_{o,c} = \sum_{a,b} w_{o,c,a,b}\, e^{2\pi i (a m_1/n_1 + b m_2/n_2)} .

    Returns the :math:`n_1 n_2 \min(c_{out}, c_{in})` values sorted in decreasing order, as
    :func:`numpy.linalg.svd` does.
    """
    w, n1, n2 = _kernel_and_sizes(w, n)
    # conj of the DFT of the zero-padded kernel = sum_a w_a e^{+2 pi i a m / n}
    p = np.conj(np.fft.fft2(w, s=(n1, n2), axes=(2, 3)))           # (c_out, c_in, n1, n2)
    p = np.moveaxis(p, (2, 3), (0, 1)).reshape(n1 * n2, w.shape[0], w.shape[1])
    s = np.linalg.svd(p, compute_uv=False).ravel()
    return np.sort(s)[::-1]


# --------------------------------------------------------------------------- translations and pooling
def translate(x, shift, mode: str = "circular"):
    r"""Shift an array along its last axes: :math:`(T_t x)_{\dots, i, j} = x_{\dots, i - t_1, j - t_2}`.

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor
        The signal or image(s); the shift acts on the last ``len(shift)`` axes.
    shift : int or tuple of ints
        An int shifts the last axis; a tuple ``(t_1, ..., t_r)`` the last ``r`` axes.
    mode : {"circular", "zeros"}
        ``"circular"``: indices modulo the size (``numpy.roll``). ``"zeros"``: entries shifted out are
        dropped and the vacated ones are zero, :math:`(T^0_t x)_i = x_{i-t}` if :math:`0 \le i - t < n`,
        else 0.

    Returns
    -------
    Same type and shape as ``x``.
    """
    check_choice("mode", mode, ("circular", "zeros"))
    is_torch = isinstance(x, torch.Tensor)
    if not is_torch:
        x = check_array("x", x, ndim=(1, 2, 3, 4, 5), dtype=None if np.asarray(x).dtype.kind == "c" else float)
    shifts = (shift,) if isinstance(shift, numbers.Integral) and not isinstance(shift, bool) else shift
    if not isinstance(shifts, (tuple, list)) or len(shifts) == 0:
        raise TypeError(f"shift must be an integer or a tuple of integers, got {shift!r}")
    shifts = tuple(check_int("shift", t) for t in shifts)
    if len(shifts) > x.ndim:
        raise ValueError(f"shift has {len(shifts)} entries but x has only {x.ndim} axes")
    axes = tuple(range(x.ndim - len(shifts), x.ndim))
    if mode == "circular":
        return torch.roll(x, shifts, dims=axes) if is_torch else np.roll(x, shifts, axis=axes)
    out = torch.zeros_like(x) if is_torch else np.zeros_like(x)
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    for ax, t in zip(axes, shifts):
        size = x.shape[ax]
        if abs(t) >= size:
            return out
        src[ax] = slice(max(0, -t), size - max(0, t))
        dst[ax] = slice(max(0, t), size - max(0, -t))
    out[tuple(dst)] = x[tuple(src)]
    return out


def pool2d(x, k, *, stride=None, mode: str = "max") -> np.ndarray:
    r"""Max or average pooling over :math:`k \times k` windows from the definition (no padding).

    :math:`y_{n,c,i,j} = \max_{0 \le a, b < k} x_{n,c,si+a,sj+b}` (``mode="max"``) or the mean of the
    same window (``mode="avg"``); the stride :math:`s` defaults to :math:`k`.
    """
    x = check_array("x", x, ndim=4)
    k = check_int("k", k, minimum=1)
    s = k if stride is None else check_int("stride", stride, minimum=1)
    check_choice("mode", mode, ("max", "avg"))
    ho = conv_output_size(x.shape[2], k, stride=s)
    wo = conv_output_size(x.shape[3], k, stride=s)
    windows = np.stack([x[:, :, a: a + s * (ho - 1) + 1: s, b: b + s * (wo - 1) + 1: s]
                        for a in range(k) for b in range(k)])
    return windows.max(axis=0) if mode == "max" else windows.mean(axis=0)


# --------------------------------------------------------------------------- residual networks
def _torch_generator(seed) -> torch.Generator:
    rng = check_rng("seed", seed)
    return torch.Generator().manual_seed(int(rng.integers(2**62)))


def _init_(module: nn.Module, gen: torch.Generator) -> None:
    """He-normal weights (std sqrt(2/fan_in)) and zero biases for every Linear/Conv2d in ``module``."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            fan_in = m.weight[0].numel()
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen, dtype=m.weight.dtype)
                               * math.sqrt(2.0 / fan_in))
                if m.bias is not None:
                    m.bias.zero_()


class ResidualMLP(nn.Module):
    r"""A residual multilayer perceptron :math:`h_\ell = h_{\ell-1} + W_{\ell,2}\,\phi(W_{\ell,1} h_{\ell-1} + b_{\ell,1}) + b_{\ell,2}`.

    ``depth`` blocks of width ``width`` with activation :math:`\phi` (``"relu"`` or ``"tanh"``),
    optionally preceded by a linear map from ``in_features`` and followed by one to ``out_features``
    (without them the network maps :math:`\mathbb R^{width}` to itself). Weights are He-normal,
    biases zero, drawn from ``seed``; ``branch_scale`` multiplies the initial :math:`W_{\ell,2}`.
    With ``zero_init=True`` (or after :meth:`zero_init_branches`) every :math:`W_{\ell,2}` and
    :math:`b_{\ell,2}` is zero, so each block, and the stack of blocks, is the identity.
    """

    def __init__(self, width: int, depth: int, *, in_features: int | None = None, out_features: int | None = None,
                 activation: str = "relu", zero_init: bool = False, branch_scale: float = 1.0, seed=0,
                 dtype=torch.float64):
        super().__init__()
        width = check_int("width", width, minimum=1)
        depth = check_int("depth", depth, minimum=0)
        check_choice("activation", activation, ("relu", "tanh"))
        branch_scale = check_real("branch_scale", branch_scale)
        self.inp = nn.Identity() if in_features is None else nn.Linear(
            check_int("in_features", in_features, minimum=1), width, dtype=dtype)
        self.out = nn.Identity() if out_features is None else nn.Linear(
            width, check_int("out_features", out_features, minimum=1), dtype=dtype)
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Linear(width, width, dtype=dtype), nn.ReLU() if activation == "relu" else nn.Tanh(),
                          nn.Linear(width, width, dtype=dtype))
            for _ in range(depth))
        _init_(self, _torch_generator(seed))
        with torch.no_grad():
            for br in self.branches:
                br[2].weight.mul_(branch_scale)
        if zero_init:
            self.zero_init_branches()

    def zero_init_branches(self) -> "ResidualMLP":
        """Set the last layer (weight and bias) of every residual branch to zero; returns ``self``."""
        with torch.no_grad():
            for br in self.branches:
                br[2].weight.zero_()
                br[2].bias.zero_()
        return self

    def blocks(self, h: torch.Tensor) -> torch.Tensor:
        """The residual stack alone: :math:`h_L` from :math:`h_0 = h`."""
        for br in self.branches:
            h = h + br(h)
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.blocks(self.inp(x)))


class _ConvBranch(nn.Sequential):
    pass


class ResidualCNN(nn.Module):
    r"""A small pre-activation residual CNN for ``(N, in_channels, H, W)`` images.

    A :math:`3\times3` convolution to ``channels`` channels, then ``depth`` blocks
    :math:`h \mapsto h + \mathrm{conv}_2(\mathrm{relu}(\mathrm{conv}_1(\mathrm{relu}(h))))` with
    :math:`3\times3` kernels, padding 1 and the given ``padding_mode``, then global average pooling
    and a linear layer to ``num_classes``. With ``zero_init=True`` (or after
    :meth:`zero_init_branches`) every ``conv_2`` is zero and the blocks are the identity. With
    ``skip=False`` the identity path is removed (:math:`h \mapsto F(h)`): the plain network of the
    same architecture, for comparison.
    """

    def __init__(self, channels: int = 16, depth: int = 2, *, in_channels: int = 1, num_classes: int = 10,
                 padding_mode: str = "zeros", zero_init: bool = False, skip: bool = True, seed=0,
                 dtype=torch.float32):
        super().__init__()
        if not isinstance(skip, bool):
            raise TypeError(f"skip must be True or False, got {skip!r}")
        self.skip = skip
        channels = check_int("channels", channels, minimum=1)
        depth = check_int("depth", depth, minimum=0)
        in_channels = check_int("in_channels", in_channels, minimum=1)
        num_classes = check_int("num_classes", num_classes, minimum=1)
        check_choice("padding_mode", padding_mode, PADDING_MODES)

        def conv(cin, cout):
            return nn.Conv2d(cin, cout, 3, padding=1, padding_mode=padding_mode, dtype=dtype)

        self.stem = conv(in_channels, channels)
        self.branches = nn.ModuleList(
            _ConvBranch(nn.ReLU(), conv(channels, channels), nn.ReLU(), conv(channels, channels))
            for _ in range(depth))
        self.head = nn.Linear(channels, num_classes, dtype=dtype)
        _init_(self, _torch_generator(seed))
        if zero_init:
            self.zero_init_branches()

    def zero_init_branches(self) -> "ResidualCNN":
        """Set the last convolution (weight and bias) of every residual branch to zero; returns ``self``."""
        with torch.no_grad():
            for br in self.branches:
                br[3].weight.zero_()
                br[3].bias.zero_()
        return self

    def blocks(self, h: torch.Tensor) -> torch.Tensor:
        """The residual stack alone, on feature maps of shape ``(N, channels, H, W)``."""
        for br in self.branches:
            h = h + br(h) if self.skip else br(h)
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.stem(x))
        return self.head(torch.relu(h).mean(dim=(2, 3)))


def train_classifier(model: nn.Module, X_train, y_train, X_test, y_test, *, epochs: int = 10, batch_size: int = 64,
                     lr: float = 1e-2, seed=0) -> dict[str, list[float]]:
    r"""Train ``model`` with Adam on the cross-entropy and record the test accuracy after each epoch.

    ``X_*`` are float tensors shaped as the model expects, ``y_*`` integer class tensors. The
    mini-batch order is drawn from ``seed``. Returns ``{"loss": [...], "test_acc": [...]}`` with the
    mean training loss of each epoch and the test accuracy after it.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    gen = _torch_generator(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "test_acc": []}
    n = X_train.shape[0]
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = perm[start: start + batch_size]
            loss = nn.functional.cross_entropy(model(X_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        history["loss"].append(total / n)
        model.eval()
        with torch.no_grad():
            history["test_acc"].append(float((model(X_test).argmax(1) == y_test).float().mean()))
    return history
