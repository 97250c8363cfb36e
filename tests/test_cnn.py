"""Tests of nnmath.cnn: the statements of the chapter *Convolutional and residual networks*.

References are independent of the formulas under test: PyTorch's ``conv2d``, ``Conv2d`` and
``ConvTranspose2d`` modules, matrices assembled column by column from PyTorch convolutions of basis
vectors, ``numpy.linalg.svd``, ``torch.func.jacrev`` and ``torch.autograd``. Each claim test keeps a
negative control: a plausible wrong variant, named for the mistake, that the same check rejects.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnmath import cnn
from nnmath.equivariant import check_equivariance

torch.set_num_threads(1)
EPS = np.finfo(np.float64).eps


# --------------------------------------------------------------------------- helpers (references)
def _torch_conv(x, w, stride=1, padding=0, dilation=1, padding_mode="zeros"):
    """PyTorch's conv2d in float64; circular padding through F.pad, as nn.Conv2d does it."""
    x = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    w = torch.as_tensor(np.asarray(w), dtype=torch.float64)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    if padding_mode == "circular":
        x = F.pad(x, (pw, pw, ph, ph), mode="circular")
        ph = pw = 0
    elif padding_mode == "reflect":
        x = F.pad(x, (pw, pw, ph, ph), mode="reflect")
        ph = pw = 0
    return F.conv2d(x, w, stride=stride, padding=(ph, pw), dilation=dilation).numpy()


def _random_config(rng):
    c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    h, w = int(rng.integers(4, 13)), int(rng.integers(4, 13))
    k = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = (int(rng.integers(0, 4)), int(rng.integers(0, 4)))
    mode = "circular" if rng.random() < 0.5 else "zeros"
    return c_in, c_out, h, w, k, stride, dilation, padding, mode


def _valid(h, k, p, d):
    return h + 2 * p >= d * (k - 1) + 1


def _wrong_true_convolution(x, w, **kw):
    """Mistake: the textbook convolution (kernel flipped) where PyTorch computes a cross-correlation."""
    return cnn.conv2d(x, np.asarray(w)[:, :, ::-1, ::-1], **kw)


def _max_rel_diff(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# --------------------------------------------------------------------------- the definition
@pytest.mark.claim("def-cnn-conv")
def test_conv2d_from_definition_matches_torch_to_1e12():
    """conv2d from the definition equals torch.nn.functional.conv2d to 1e-12 (relative, float64) on 200 random configurations with stride, padding, dilation and zero or circular padding; the flipped-kernel convolution is rejected."""
    rng = np.random.default_rng(0)
    done = wrong_rejected = controls = 0
    while done < 200:
        c_in, c_out, h, w, k, stride, dilation, padding, mode = _random_config(rng)
        if not (_valid(h, k[0], padding[0], dilation[0]) and _valid(w, k[1], padding[1], dilation[1])):
            continue
        if mode == "circular" and (padding[0] > h or padding[1] > w):
            continue
        x = rng.standard_normal((2, c_in, h, w))
        kern = rng.standard_normal((c_out, c_in) + k)
        kw = dict(stride=stride, padding=padding, dilation=dilation, padding_mode=mode)
        ref = _torch_conv(x, kern, **kw)
        ours = cnn.conv2d(x, kern, **kw)
        assert ours.shape == ref.shape
        assert _max_rel_diff(ours, ref) <= 1e-12
        # The flip is distinguishable when the kernel is not 1x1 and its dilated span fits in the image
        # (otherwise circular padding can make two taps read the same pixel and the flip a symmetry).
        if k != (1, 1) and dilation[0] * (k[0] - 1) < h and dilation[1] * (k[1] - 1) < w:
            wrong_rejected += _max_rel_diff(_wrong_true_convolution(x, kern, **kw), ref) > 1e-3
            controls += 1
        done += 1
    assert controls >= 100
    assert wrong_rejected == controls


def test_conv2d_accepts_torch_tensors_and_defaults():
    """conv2d accepts CPU torch tensors and defaults to stride 1, no padding, dilation 1."""
    x = torch.randn(1, 2, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    w = torch.randn(3, 2, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    assert _max_rel_diff(cnn.conv2d(x, w), F.conv2d(x, w).numpy()) <= 1e-12


# --------------------------------------------------------------------------- output sizes
def _wrong_size_without_dilation(h, k, *, stride, padding, dilation):
    """Mistake: the output-size formula of an undilated kernel, floor((h + 2p - k)/s) + 1."""
    return (h + 2 * padding - k) // stride + 1


def _wrong_transpose_size_plus_padding(h, k, *, stride, padding, dilation, output_padding=0):
    """Mistake: the transposed convolution adds the padding instead of removing it."""
    return (h - 1) * stride + 2 * padding + dilation * (k - 1) + 1 + output_padding


def _size_configs():
    """All (h, k, s, p, d) on a grid with a valid convolution: 1,000 and more configurations."""
    for h, k, s, p, d in itertools.product(range(1, 13), range(1, 5), range(1, 4), range(0, 3), range(1, 4)):
        if _valid(h, k, p, d):
            yield h, k, s, p, d


@pytest.mark.claim("prop-cnn-output-size")
def test_conv_output_size_matches_torch_on_1000_configurations():
    """The formula floor((h + 2p - d(k-1) - 1)/s) + 1 equals the output height of torch.nn.Conv2d on zero tensors for every one of at least 1,000 configurations; the formula without dilation is rejected."""
    configs = list(_size_configs())
    assert len(configs) >= 1000
    wrong = 0
    for h, k, s, p, d in configs:
        conv = torch.nn.Conv2d(1, 1, (k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1), bias=False)
        with torch.no_grad():
            got = conv(torch.zeros(1, 1, h, 1)).shape[2]
        assert cnn.conv_output_size(h, k, stride=s, padding=p, dilation=d) == got
        wrong += _wrong_size_without_dilation(h, k, stride=s, padding=p, dilation=d) != got
    assert wrong >= 100


def test_conv_output_size_rejects_kernel_longer_than_padded_input():
    """A dilated kernel longer than the padded input raises ValueError naming h, as PyTorch refuses it."""
    with pytest.raises(ValueError, match=r"\bh\b"):
        cnn.conv_output_size(3, 3, stride=1, padding=0, dilation=2)
    with pytest.raises(RuntimeError):
        torch.nn.Conv2d(1, 1, 3, dilation=2)(torch.zeros(1, 1, 3, 3))


@pytest.mark.claim("prop-cnn-transpose-size")
def test_conv_transpose_output_size_matches_torch_and_inverts_the_size_map():
    """$(h-1)s - 2p + d(k-1) + 1 + o$ equals the output height of `torch.nn.ConvTranspose2d` for at least 1,000 configurations, and the convolution with the same parameters maps that length back to $h$ exactly when $o < s$; the variant adding $2p$ is rejected."""
    count = wrong = 0
    for h, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(0, 3), range(1, 4)):
        for o in range(max(s, d)):
            expected = (h - 1) * s - 2 * p + d * (k - 1) + 1 + o
            if expected < 1:
                with pytest.raises(ValueError):
                    cnn.conv_transpose_output_size(h, k, stride=s, padding=p, dilation=d, output_padding=o)
                continue
            tconv = torch.nn.ConvTranspose2d(1, 1, (k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1),
                                             output_padding=(o, 0), bias=False)
            with torch.no_grad():
                got = tconv(torch.zeros(1, 1, h, 1)).shape[2]
            ours = cnn.conv_transpose_output_size(h, k, stride=s, padding=p, dilation=d, output_padding=o)
            assert ours == got
            wrong += _wrong_transpose_size_plus_padding(h, k, stride=s, padding=p, dilation=d,
                                                        output_padding=o) != got
            # the proposition: for o < s these lengths are mapped back to h by the convolution, for o >= s not
            conv = torch.nn.Conv2d(1, 1, (k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1), bias=False)
            with torch.no_grad():
                back = conv(torch.zeros(1, 1, got, 1)).shape[2]
            assert (back == h) == (o < s)
            count += 1
    assert count >= 1000
    assert wrong >= 100


@pytest.mark.claim("prop-cnn-transpose-size")
def test_preimages_of_the_conv_size_map_are_exactly_the_transpose_sizes():
    r"""For each $(h, k, s, p, d)$ the input lengths that `Conv2d` maps to $h$ are exactly $(h-1)s - 2p + d(k-1) + 1 + o$, $0 \le o < s$, when that is at least 1 (brute force over lengths up to 60)."""
    for h, k, s, p, d in itertools.product(range(1, 7), range(1, 4), range(1, 4), range(0, 3), range(1, 3)):
        pre = [n for n in range(1, 61) if _valid(n, k, p, d)
               and (n + 2 * p - d * (k - 1) - 1) // s + 1 == h]
        base = (h - 1) * s - 2 * p + d * (k - 1) + 1
        assert pre == [base + o for o in range(s) if base + o >= 1 and _valid(base + o, k, p, d)]


# --------------------------------------------------------------------------- circulant matrices
def _matrix_from_torch(w, n):
    """The matrix of circular cross-correlation assembled from torch convolutions of basis vectors."""
    w = np.asarray(w, dtype=float)
    if w.ndim == 1:
        w = w[None, None, None, :]
        shape = (1, n)
    elif w.ndim == 3:
        w = w[:, :, None, :]
        shape = (1, n)
    else:
        shape = (n, n) if isinstance(n, int) else tuple(n)
    co, ci, kh, kw = w.shape
    N = ci * shape[0] * shape[1]
    basis = torch.eye(N, dtype=torch.float64).reshape(N, ci, *shape)
    padded = F.pad(basis, (0, kw - 1, 0, kh - 1), mode="circular")  # x_{i+a mod n}: pad on the far side
    cols = F.conv2d(padded, torch.as_tensor(w))
    return cols.reshape(N, -1).T.numpy()


def _wrong_singular_values_real_part(w, n):
    """Mistake: singular values from the real part of the DFT, |Re w_hat|."""
    w = np.asarray(w, dtype=float)
    return np.sort(np.abs(np.real(np.fft.fft(w, n))))[::-1]


def _wrong_multichannel_entrywise(w, n):
    """Mistake: for several channels, the union of the per-pair values |w_hat_{o,c}(m)|."""
    w = np.asarray(w, dtype=float)
    return np.sort(np.abs(np.fft.fft(w, n, axis=-1)).ravel())[::-1]


@pytest.mark.claim("thm-cnn-circulant")
def test_circulant_matrix_is_the_circular_convolution():
    """`circulant_matrix` equals the matrix of circular cross-correlation assembled from PyTorch convolutions of basis vectors, for 1-D, multi-channel 1-D and multi-channel 2-D kernels."""
    rng = np.random.default_rng(3)
    for w, n in [(rng.standard_normal(3), 7), (rng.standard_normal((2, 3, 4)), 9),
                 (rng.standard_normal((3, 2, 2, 3)), (5, 4))]:
        assert np.max(np.abs(cnn.circulant_matrix(w, n) - _matrix_from_torch(w, n))) <= 1e-14


@pytest.mark.claim("thm-cnn-circulant")
def test_circulant_singular_values_match_svd_to_1e12():
    """The DFT singular values agree with numpy.linalg.svd of the matrix (assembled from torch) to 1e-12 relative, for one and several channels in 1-D and 2-D; the real part of the DFT and the per-pair moduli are rejected."""
    rng = np.random.default_rng(4)
    for trial in range(12):
        n = int(rng.integers(5, 17))
        k = int(rng.integers(2, min(n, 6) + 1))
        w = rng.standard_normal(k)
        ref = np.linalg.svd(_matrix_from_torch(w, n), compute_uv=False)
        ours = cnn.circulant_singular_values(w, n)
        assert np.max(np.abs(ours - ref)) <= 1e-12 * ref[0]
        assert np.max(np.abs(_wrong_singular_values_real_part(w, n) - ref)) > 1e-3 * ref[0]
        co, ci = int(rng.integers(1, 4)), int(rng.integers(2, 4))
        wm = rng.standard_normal((co, ci, k))
        ref = np.linalg.svd(_matrix_from_torch(wm, n), compute_uv=False)
        assert np.max(np.abs(cnn.circulant_singular_values(wm, n) - ref)) <= 1e-12 * ref[0]
        wrong = _wrong_multichannel_entrywise(wm, n)[: ref.size]
        assert np.max(np.abs(wrong - ref)) > 1e-3 * ref[0]
        w2 = rng.standard_normal((co, ci, 3, 2))
        n2 = (int(rng.integers(3, 7)), int(rng.integers(2, 7)))
        ref = np.linalg.svd(_matrix_from_torch(w2, n2), compute_uv=False)
        assert np.max(np.abs(cnn.circulant_singular_values(w2, n2) - ref)) <= 1e-12 * ref[0]


@pytest.mark.claim("thm-cnn-circulant")
def test_circulant_operator_norm_attained_by_a_fourier_mode():
    r"""The operator norm equals $\max\abs{\hat w}$ and is attained by the Fourier mode of that frequency (the bound $\norm{Cx} \le \max\abs{\hat w}\,\norm{x}$ is tight)."""
    rng = np.random.default_rng(5)
    w, n = rng.standard_normal(4), 12
    C = _matrix_from_torch(w, n)
    what = np.array([np.sum(w * np.exp(2j * np.pi * np.arange(4) * m / n)) for m in range(n)])
    m = int(np.argmax(np.abs(what)))
    v = np.exp(2j * np.pi * m * np.arange(n) / n)
    ratio = np.linalg.norm(C @ v) / (np.abs(what).max() * np.linalg.norm(v))
    assert ratio == pytest.approx(1.0, abs=1e-13)
    assert np.allclose(C @ v, what[m] * v, atol=1e-12)  # an eigenvector with eigenvalue w_hat(m)


# --------------------------------------------------------------------------- equivariance
def _conv_map(w, padding, mode, stride=1):
    return lambda x: _torch_conv(x, w, stride=stride, padding=padding, padding_mode=mode)


def _shift_samples(rng, shape, count=20, max_shift=3):
    out = []
    for _ in range(count):
        t = (int(rng.integers(-max_shift, max_shift + 1)), int(rng.integers(-max_shift, max_shift + 1)))
        out.append((t, rng.standard_normal(shape)))
    return out


@pytest.mark.claim("prop-cnn-circular-equivariance")
def test_circular_convolution_is_exactly_translation_equivariant():
    r"""With circular padding and stride 1, $\operatorname{conv}(T_t x) = T_t \operatorname{conv}(x)$: `check_equivariance` is at rounding level (at most 1e-14) for random $3\times 3$ and dilated kernels; the same check rejects reflect padding."""
    rng = np.random.default_rng(6)
    circ = lambda t, x: cnn.translate(x, t, "circular")  # noqa: E731
    for k, dil in [(3, 1), (5, 1), (3, 2)]:
        w = rng.standard_normal((2, 3, k, k))
        pad = dil * (k - 1) // 2
        f = lambda x: _torch_conv(x, w, padding=pad, dilation=dil, padding_mode="circular")  # noqa: E731
        samples = _shift_samples(rng, (2, 3, 10, 11))
        assert check_equivariance(f, circ, circ, samples) <= 1e-14
    w = rng.standard_normal((2, 3, 3, 3))
    wrong = _conv_map(w, 1, "reflect")  # plausible wrong variant: reflect padding taken as "periodic"
    assert check_equivariance(wrong, circ, circ, _shift_samples(rng, (2, 3, 10, 11))) > 1e-2


def _wrong_zero_padding_exact_everywhere(f, samples):
    """Mistake: the claim that zero padding is equivariant on the whole image, border included."""
    zero = lambda t, x: cnn.translate(x, t, "zeros")  # noqa: E731
    return check_equivariance(f, zero, zero, samples)


@pytest.mark.claim("prop-cnn-zero-padding")
def test_zero_padding_is_equivariant_exactly_in_the_interior_and_not_at_the_border():
    r"""With zero padding $p = 1$ ($3\times 3$ kernel, stride 1) and zero-filled shifts $t$, $\operatorname{conv}(T_t x)$ and $T_t \operatorname{conv}(x)$ agree to 1e-14 at every output position whose receptive field lies in the image and $i - t$ is an output position, the defect elsewhere equals the formula of the proposition to 1e-13, and the claim of exactness on the whole image is rejected."""
    rng = np.random.default_rng(7)
    w = rng.standard_normal((1, 1, 3, 3))
    h = wd = 12
    f = _conv_map(w, 1, "zeros")
    interior_checked = border_nonzero = 0
    samples = _shift_samples(rng, (1, 1, h, wd), count=30)
    for t, x in samples:
        lhs = f(cnn.translate(x, t, "zeros"))[0, 0]
        rhs = cnn.translate(f(x), t, "zeros")[0, 0]
        # the proposition's interior set: receptive field {i-1, i, i+1} inside [0, h), and 0 <= i - t < h
        ok_i = np.array([1 <= i <= h - 2 and 0 <= i - t[0] < h for i in range(h)])
        ok_j = np.array([1 <= j <= wd - 2 and 0 <= j - t[1] < wd for j in range(wd)])
        mask = ok_i[:, None] & ok_j[None, :]
        scale = np.abs(rhs).max()
        assert np.max(np.abs(lhs - rhs)[mask], initial=0.0) <= 1e-14 * scale
        interior_checked += mask.sum()
        # the defect formula, by brute force from the definition with explicit indicators
        xs = x[0, 0]
        pred = np.zeros((h, wd))
        for i, j in itertools.product(range(h), range(wd)):
            s = 0.0
            for a, b in itertools.product(range(3), range(3)):
                r, c = i + a - 1, j + b - 1           # position read in the shifted image
                inside_shifted = 0 <= r < h and 0 <= c < wd
                src_r, src_c = r - t[0], c - t[1]      # the source pixel in x
                src_ok = 0 <= src_r < h and 0 <= src_c < wd
                out_ok = 0 <= i - t[0] < h and 0 <= j - t[1] < wd
                term = w[0, 0, a, b] * xs[src_r, src_c] if src_ok else 0.0
                s += term * (inside_shifted - out_ok)
            pred[i, j] = s
        assert np.max(np.abs((lhs - rhs) - pred)) <= 1e-13 * scale
        if t != (0, 0):
            border_nonzero += np.max(np.abs(lhs - rhs)[~mask]) > 1e-3 * scale
    assert interior_checked > 1000
    nonzero_shifts = sum(t != (0, 0) for t, _ in samples)
    assert border_nonzero == nonzero_shifts
    assert _wrong_zero_padding_exact_everywhere(f, [s for s in samples if s[0] != (0, 0)]) > 1e-2


def _wrong_stride_rounds_the_shift(y_shifted_input, y, t, s):
    """Mistake: with stride s, a shift by t moves the output by round(t/s)."""
    return cnn.translate(y, tuple(int(round(ti / s)) for ti in t), "circular") - y_shifted_input


@pytest.mark.claim("prop-cnn-stride")
def test_stride_two_equivariant_for_even_shifts_and_broken_for_odd_shifts():
    r"""With circular padding and stride 2 on $12\times 12$ images, $\operatorname{conv}(T_t x) = T_{t/2}\operatorname{conv}(x)$ to 1e-14 for even $t$, $\operatorname{conv}(T_t x)_i = \operatorname{conv}_1(x)_{2i - t}$ to 1e-14 for every $t$, and for odd $t$ no circular output shift matches (smallest relative error over all output shifts above 0.1); rounding $t/2$ is rejected."""
    rng = np.random.default_rng(8)
    w = rng.standard_normal((2, 3, 3, 3))
    f2 = _conv_map(w, 1, "circular", stride=2)
    f1 = _conv_map(w, 1, "circular", stride=1)
    circ = lambda t, x: cnn.translate(x, t, "circular")  # noqa: E731
    half = lambda t, y: cnn.translate(y, (t[0] // 2, t[1] // 2), "circular")  # noqa: E731
    even = [((2 * a, 2 * b), rng.standard_normal((1, 3, 12, 12))) for a in range(-2, 3) for b in range(-2, 3)]
    assert check_equivariance(f2, circ, half, even) <= 1e-14
    for t in [(1, 0), (0, 1), (1, 1), (3, -1), (2, 1)]:
        x = rng.standard_normal((1, 3, 12, 12))
        y_t = f2(circ(t, x))
        full = f1(x)
        idx_i = (2 * np.arange(6) - t[0]) % 12
        idx_j = (2 * np.arange(6) - t[1]) % 12
        assert _max_rel_diff(y_t, full[:, :, idx_i][:, :, :, idx_j]) <= 1e-14
        y = f2(x)
        best = min(np.linalg.norm(y_t - cnn.translate(y, (u, v), "circular")) / np.linalg.norm(y_t)
                   for u in range(6) for v in range(6))
        assert best > 0.1
        assert np.linalg.norm(_wrong_stride_rounds_the_shift(y_t, y, t, 2)) / np.linalg.norm(y_t) > 0.1


# --------------------------------------------------------------------------- pooling
def _wrong_local_max_pool_invariant(x, t):
    """Mistake: a 2x2 max pooling is invariant to a one-pixel shift."""
    return _max_rel_diff(cnn.pool2d(cnn.translate(x, t, "circular"), 2), cnn.pool2d(x, 2))


@pytest.mark.claim("prop-cnn-pooling")
def test_pooling_invariance_and_equivariance():
    r"""Global average and global max pooling after a circular convolution are invariant to every circular shift (to 1e-14), $k\times k$ max pooling with stride $k$ is equivariant for shifts in $k\Z$ with output shift $t/k$ (exactly), `pool2d` matches torch's pooling, and the claim that $2\times 2$ max pooling is invariant to a one-pixel shift is rejected."""
    rng = np.random.default_rng(9)
    w = rng.standard_normal((4, 2, 3, 3))
    conv = _conv_map(w, 1, "circular")
    circ = lambda t, x: cnn.translate(x, t, "circular")  # noqa: E731
    samples = [((int(a), int(b)), rng.standard_normal((1, 2, 8, 8))) for a, b in rng.integers(-8, 8, (20, 2))]
    gap = lambda x: conv(x).mean(axis=(2, 3))  # noqa: E731
    gmp = lambda x: conv(x).max(axis=(2, 3))  # noqa: E731
    assert check_equivariance(gap, circ, lambda t, y: y, samples) <= 1e-14
    assert check_equivariance(gmp, circ, lambda t, y: y, samples) == 0.0
    x = rng.standard_normal((2, 3, 8, 8))
    xt = torch.as_tensor(x)
    assert _max_rel_diff(cnn.pool2d(x, 2), F.max_pool2d(xt, 2).numpy()) == 0.0
    assert _max_rel_diff(cnn.pool2d(x, 3, stride=2, mode="avg"), F.avg_pool2d(xt, 3, stride=2).numpy()) <= 1e-15
    pool = lambda x: cnn.pool2d(x, 2)  # noqa: E731
    even = [((2 * a, 2 * b), rng.standard_normal((1, 1, 8, 8))) for a in range(-2, 2) for b in range(-2, 2)]
    assert check_equivariance(pool, circ, lambda t, y: cnn.translate(y, (t[0] // 2, t[1] // 2), "circular"),
                              even) == 0.0
    assert _wrong_local_max_pool_invariant(x, (0, 1)) > 0.1


# --------------------------------------------------------------------------- residual networks
class _PostActivationResNet(torch.nn.Module):
    """Mistake: the original ResNet block h -> relu(h + F(h)), with ReLU after the addition."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, h):
        for br in self.net.branches:
            h = torch.relu(h + br(h))
        return h


@pytest.mark.claim("thm-cnn-residual-identity")
@pytest.mark.parametrize("depth", [1, 10, 100])
def test_zero_initialized_residual_mlp_is_identity_with_jacobian_identity(depth):
    """With zero-initialized branches the residual stack of any depth is the identity and torch.func.jacrev gives Jacobian = I exactly; the post-activation ResNet and the default initialization are rejected."""
    net = cnn.ResidualMLP(12, depth, zero_init=True, seed=depth)
    x = torch.randn(12, dtype=torch.float64, generator=torch.Generator().manual_seed(depth))
    assert torch.equal(net.blocks(x), x)
    J = torch.func.jacrev(net.blocks)(x)
    assert torch.equal(J, torch.eye(12, dtype=torch.float64))
    wrong = torch.func.jacrev(_PostActivationResNet(net))(x)  # Jacobian diag(1[x > 0]) != I
    assert torch.max(torch.abs(wrong - torch.eye(12, dtype=torch.float64))) == 1.0
    default = cnn.ResidualMLP(12, depth, zero_init=False, seed=depth)
    assert torch.max(torch.abs(torch.func.jacrev(default.blocks)(x) - torch.eye(12, dtype=torch.float64))) > 0.1


@pytest.mark.claim("thm-cnn-residual-identity")
def test_zero_initialized_residual_cnn_has_identity_jacobian():
    """The residual stack of ResidualCNN with zero-initialized branches (depth 20, zero or circular padding) has Jacobian = I on 2x4x4 feature maps; before zeroing it does not."""
    for mode in ("zeros", "circular"):
        net = cnn.ResidualCNN(2, 20, padding_mode=mode, seed=3, dtype=torch.float64)
        h = torch.randn(1, 2, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        J0 = torch.func.jacrev(net.blocks)(h).reshape(32, 32)
        assert torch.max(torch.abs(J0 - torch.eye(32, dtype=torch.float64))) > 0.1
        net.zero_init_branches()
        J = torch.func.jacrev(net.blocks)(h).reshape(32, 32)
        assert torch.equal(J, torch.eye(32, dtype=torch.float64))


@pytest.mark.claim("thm-cnn-residual-identity")
def test_zero_initialized_branches_gradients():
    r"""At zero-initialized branches the loss gradient is the same at every depth, the first-layer gradients vanish and the last-layer gradient of block $l$ is $e_L\,\phi(W_1 h + b_1)^\top$ (`torch.autograd` against the formula)."""
    net = cnn.ResidualMLP(6, 8, in_features=3, out_features=2, zero_init=True, seed=1)
    x = torch.randn(3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    target = torch.tensor([0.3, -1.0], dtype=torch.float64)
    hs = [net.inp(x)]
    hs[0].retain_grad()
    h = hs[0]
    for br in net.branches:
        h = h + br(h)
        h.retain_grad()
        hs.append(h)
    loss = 0.5 * torch.sum((net.out(h) - target) ** 2)
    loss.backward()
    e_L = hs[-1].grad
    for hl in hs:
        assert torch.equal(hl.grad, e_L)
    for br, hl in zip(net.branches, hs[:-1]):
        assert torch.count_nonzero(br[0].weight.grad) == 0
        act = torch.relu(br[0](hl.detach()))
        assert torch.allclose(br[2].weight.grad, torch.outer(e_L, act), rtol=0, atol=1e-15)
        assert torch.allclose(br[2].bias.grad, e_L, rtol=0, atol=1e-15)
    assert torch.linalg.norm(e_L) > 0.1  # the check is not vacuous


def test_plain_cnn_has_no_identity_path():
    """With skip=False the blocks compute F(h) only: zeroing the branches gives the zero map, not the identity."""
    net = cnn.ResidualCNN(2, 3, skip=False, zero_init=True, seed=0, dtype=torch.float64)
    h = torch.randn(1, 2, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.count_nonzero(net.blocks(h)) == 0


def test_train_classifier_is_deterministic():
    """Two runs with the same seed give the same losses (the data order and the weights come from the seeds)."""
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.standard_normal((40, 1, 4, 4)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 3, 40))
    runs = [cnn.train_classifier(cnn.ResidualCNN(4, 1, num_classes=3, seed=1), X, y, X, y, epochs=2, seed=5)
            for _ in range(2)]
    assert runs[0] == runs[1]


# --------------------------------------------------------------------------- translate and argument checks
def test_translate_matches_hand_computed_shifts():
    """translate shifts circularly or with zero fill as written out by hand, on numpy arrays and torch tensors."""
    x = np.arange(1.0, 6.0)
    assert np.array_equal(cnn.translate(x, 2, "circular"), [4, 5, 1, 2, 3])
    assert np.array_equal(cnn.translate(x, 2, "zeros"), [0, 0, 1, 2, 3])
    assert np.array_equal(cnn.translate(x, -1, "zeros"), [2, 3, 4, 5, 0])
    assert np.array_equal(cnn.translate(x, 7, "zeros"), np.zeros(5))
    img = np.arange(9.0).reshape(3, 3)
    assert np.array_equal(cnn.translate(img, (1, -1), "zeros"), [[0, 0, 0], [1, 2, 0], [4, 5, 0]])
    assert torch.equal(cnn.translate(torch.tensor(img), (1, -1), "zeros"),
                       torch.tensor([[0.0, 0, 0], [1, 2, 0], [4, 5, 0]], dtype=torch.float64))


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: cnn.conv2d(np.zeros((1, 2, 5, 5)), np.zeros((1, 3, 3, 3))), ValueError, "w"),
        (lambda: cnn.conv2d(np.zeros((2, 5, 5)), np.zeros((1, 2, 3, 3))), ValueError, "x"),
        (lambda: cnn.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=-1), ValueError, "stride"),
        (lambda: cnn.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=(1, 0)), ValueError, "stride"),
        (lambda: cnn.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), padding=-1), ValueError, "padding"),
        (lambda: cnn.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), dilation=1.5), TypeError, "dilation"),
        (lambda: cnn.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), padding_mode="reflect"), ValueError,
         "padding_mode"),
        (lambda: cnn.conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 1)), padding=3, padding_mode="circular"),
         ValueError, "padding"),
        (lambda: cnn.conv_output_size(5, 3, stride=0), ValueError, "stride"),
        (lambda: cnn.conv_transpose_output_size(5, 3, stride=2, output_padding=2), ValueError, "output_padding"),
        (lambda: cnn.circulant_matrix(np.ones(5), 3), ValueError, "n"),
        (lambda: cnn.circulant_matrix(np.ones((2, 2)), 3), ValueError, "w"),
        (lambda: cnn.circulant_singular_values(np.ones(3), 0), ValueError, "n"),
        (lambda: cnn.translate(np.ones(3), 1, "reflect"), ValueError, "mode"),
        (lambda: cnn.translate(np.ones(3), 1.5, "zeros"), TypeError, "shift"),
        (lambda: cnn.translate(np.ones(3), (1, 1), "zeros"), ValueError, "shift"),
        (lambda: cnn.pool2d(np.ones((1, 1, 4, 4)), 2, mode="median"), ValueError, "mode"),
        (lambda: cnn.ResidualMLP(0, 2), ValueError, "width"),
        (lambda: cnn.ResidualMLP(4, -1), ValueError, "depth"),
        (lambda: cnn.ResidualCNN(4, 2, padding_mode="same"), ValueError, "padding_mode"),
        (lambda: cnn.ResidualCNN(4, 2, skip=1), TypeError, "skip"),
        (lambda: cnn.ResidualMLP(4, 2, branch_scale=float("nan")), ValueError, "branch_scale"),
    ],
)
def test_bad_arguments_name_the_argument(call, exc, name):
    """Bad arguments raise the documented error type with a message naming the argument."""
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()
