"""Tests of nnmath.attention: the statements of the chapter *Attention and transformers*.

Every claim test compares with a reference that does not share the formula under test
(``torch.nn.MultiheadAttention``, ``torch.nn.functional.scaled_dot_product_attention`` and
``layer_norm``, sines and cosines evaluated directly, a Nadaraya–Watson smoother written here from
its definition, exhaustive enumeration, Monte Carlo with standard errors from independent
replicates) and keeps a negative control: a plausible wrong variant, named for the mistake, that the
same check must reject.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from nnmath import attention as at
from nnmath.equivariant import check_equivariance

torch.set_num_threads(1)
F64 = torch.float64


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


# --------------------------------------------------------------------------- scaled dot-product attention
def _wrong_softmax_over_queries(q, k, v, mask=None):
    """Mistake: normalize each key's column over the queries instead of each query's row over the keys."""
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    return torch.softmax(s, dim=-2) @ v


def _wrong_scaled_by_dk(q, k, v, mask=None):
    """Mistake: divide the scores by d_k instead of its square root."""
    s = q @ k.transpose(-2, -1) / q.shape[-1]
    return torch.softmax(s, dim=-1) @ v


@pytest.mark.claim("def-att-sdpa")
def test_attention_matches_torch_sdpa_with_boolean_and_additive_masks():
    """Scaled dot-product attention equals torch's `scaled_dot_product_attention` to 1e-12 (float64), unmasked, with a boolean causal mask and with an additive mask."""
    q, k, v = _randn(2, 3, 5, 8, seed=1), _randn(2, 3, 7, 8, seed=2), _randn(2, 3, 7, 4, seed=3)
    ref = torch.nn.functional.scaled_dot_product_attention
    assert torch.max(torch.abs(at.scaled_dot_product_attention(q, k, v) - ref(q, k, v))) < 1e-12
    bool_mask = torch.ones(5, 7, dtype=torch.bool).tril(diagonal=2)
    assert torch.max(torch.abs(at.scaled_dot_product_attention(q, k, v, bool_mask) - ref(q, k, v, bool_mask))) < 1e-12
    add_mask = _randn(5, 7, seed=4)
    assert torch.max(torch.abs(at.scaled_dot_product_attention(q, k, v, add_mask) - ref(q, k, v, add_mask))) < 1e-12
    # negative controls: the same comparison rejects the wrong axis and the wrong scale
    for wrong in (_wrong_softmax_over_queries, _wrong_scaled_by_dk):
        assert torch.max(torch.abs(wrong(q, k, v) - ref(q, k, v))) > 1e-3


def test_attention_rows_are_probability_vectors_and_masked_entries_vanish():
    """Each row of the attention matrix is a probability vector, zero where the mask blocks."""
    q, k = _randn(6, 4, seed=5), _randn(6, 4, seed=6)
    a = at.attention_weights(q, k, at.causal_mask(6))
    assert torch.allclose(a.sum(-1), torch.ones(6, dtype=F64), atol=1e-14)
    assert torch.all(a[~at.causal_mask(6)] == 0)
    assert torch.all(a >= 0)


# --------------------------------------------------------------------------- multi-head attention
def _torch_mha(embed_dim, num_heads, *, batch_first, seed):
    torch.manual_seed(seed)
    m = torch.nn.MultiheadAttention(embed_dim, num_heads, batch_first=batch_first, dtype=F64)
    with torch.no_grad():  # PyTorch initializes the biases to zero: make every parameter nonzero
        m.in_proj_bias.normal_()
        m.out_proj.bias.normal_()
    return m


class _WrongHeadSplit(at.MultiHeadAttention):
    """Mistake: cut the projection into heads along the wrong axis (interleaved columns, d_h outer)."""

    def _split(self, x):
        *lead, n, _ = x.shape
        return x.reshape(*lead, n, self.head_dim, self.num_heads).transpose(-1, -2).transpose(-3, -2)


@pytest.mark.claim("def-att-mha")
@pytest.mark.parametrize("batch_first", [True, False])
def test_multihead_from_equations_matches_torch(batch_first):
    """Multi-head attention written from the equations equals torch.nn.MultiheadAttention with the same nonzero weights and biases to 1e-12 (float64), for self- and cross-attention, with no mask, a causal mask and an additive mask."""
    E, h = 12, 3
    ref = _torch_mha(E, h, batch_first=batch_first, seed=7)
    ours = at.MultiHeadAttention.from_torch(ref)
    wrong = _WrongHeadSplit.from_torch(ref)
    x, y, z = _randn(2, 5, E, seed=8), _randn(2, 6, E, seed=9), _randn(2, 6, E, seed=10)

    def torch_out(q, k, v, attn_mask=None):
        if not batch_first:
            q, k, v = (t.transpose(0, 1) for t in (q, k, v))
        out, w = ref(q, k, v, attn_mask=attn_mask, need_weights=True, average_attn_weights=False)
        return (out if batch_first else out.transpose(0, 1)), w

    cases = [((x, x, x), None, None),
             ((x, y, z), None, None),
             ((x, x, x), at.causal_mask(5), ~at.causal_mask(5)),       # torch: True = blocked
             ((x, y, z), _randn(5, 6, seed=11), _randn(5, 6, seed=11))]
    for (q, k, v), our_mask, torch_mask in cases:
        expected, expected_w = torch_out(q, k, v, torch_mask)
        got, got_w = ours(q, k, v, mask=our_mask)
        assert torch.max(torch.abs(got - expected)) < 1e-12
        assert torch.max(torch.abs(got_w - expected_w)) < 1e-12
        bad, _ = wrong(q, k, v, mask=our_mask)
        assert torch.max(torch.abs(bad - expected)) > 1e-3  # negative control


def test_one_head_equals_single_attention_with_projections():
    """With one head, MultiHeadAttention is Att(XW_Q^T + b_Q, XW_K^T + b_K, XW_V^T + b_V) W_O^T + b_O."""
    m = at.MultiHeadAttention(6, 1, seed=3)
    x = _randn(4, 6, seed=12)
    w, b = m.in_proj_weight, m.in_proj_bias
    q, k, v = (x @ w[i * 6:(i + 1) * 6].T + b[i * 6:(i + 1) * 6] for i in range(3))
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v) @ m.out_proj.weight.T + m.out_proj.bias
    assert torch.max(torch.abs(m(x)[0] - ref)) < 1e-12


# --------------------------------------------------------------------------- why the square root
def _replicate_variances(d_k, n_replicates, n_samples, dist, seed, scale):
    rng = np.random.default_rng(seed)
    out = np.empty(n_replicates)
    for r in range(n_replicates):
        if dist == "normal":
            q, k = rng.standard_normal((2, n_samples, d_k))
        else:  # uniform on [-sqrt 3, sqrt 3]: mean 0, variance 1
            q, k = rng.uniform(-math.sqrt(3), math.sqrt(3), (2, n_samples, d_k))
        out[r] = np.var(np.sum(q * k, axis=1) / scale(d_k), ddof=1)
    return out


def _within(estimates, value, k=4.0):
    se = estimates.std(ddof=1) / math.sqrt(estimates.size)
    return abs(estimates.mean() - value) <= k * se


@pytest.mark.claim("prop-att-scaling")
@pytest.mark.parametrize("dist", ["normal", "uniform"])
def test_dot_product_variance_is_dk(dist):
    r"""For independent $q, k$ with i.i.d. mean-zero unit-variance entries, $\Var(q\cdot k) = d_k$ and $\Var(q\cdot k/\sqrt{d_k}) = 1$, within 4 standard errors from 20 independent replicates, at $d_k = 4, 16, 64, 256$."""
    for i, d_k in enumerate((4, 16, 64, 256)):
        raw = _replicate_variances(d_k, 20, 2000, dist, seed=100 + i, scale=lambda d: 1.0)
        assert _within(raw, d_k)
        scaled = _replicate_variances(d_k, 20, 2000, dist, seed=200 + i, scale=math.sqrt)
        assert _within(scaled, 1.0)
        # negative control: scaling by d_k does not give unit variance (variance 1/d_k instead)
        wrong = _replicate_variances(d_k, 20, 2000, dist, seed=300 + i, scale=lambda d: float(d))
        assert not _within(wrong, 1.0)


# --------------------------------------------------------------------------- layer norm
def _wrong_unbiased_variance(x, eps=1e-5):
    """Mistake: normalize by the unbiased (n - 1) standard deviation."""
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(x.var(-1, unbiased=True, keepdim=True) + eps)


@pytest.mark.claim("prop-att-layernorm", "def-att-layernorm")
def test_layer_norm_matches_torch_and_lands_on_the_sphere():
    r"""Layer norm equals `torch.nn.functional.layer_norm` to 1e-12; with $\epsilon = 0$ each output row has mean 0 and norm $\sqrt{d}$, and is unchanged by $x \mapsto ax + b\mathbf{1}$ ($a > 0$)."""
    x = 3 * _randn(10, 16, seed=13) + 1
    g, b = _randn(16, seed=14), _randn(16, seed=15)
    ref = torch.nn.functional.layer_norm(x, (16,), g, b, eps=1e-5)
    assert torch.max(torch.abs(at.layer_norm(x, g, b, eps=1e-5) - ref)) < 1e-12
    y = at.layer_norm(x, eps=0.0)
    assert torch.max(torch.abs(y.mean(-1))) < 1e-14
    assert torch.max(torch.abs(torch.linalg.norm(y, dim=-1) - 4.0)) < 1e-13
    assert torch.max(torch.abs(at.layer_norm(2.5 * x - 7.0, eps=0.0) - y)) < 1e-12
    # negative control: the unbiased variance misses the reference and the radius √d
    bad = _wrong_unbiased_variance(x)
    assert torch.max(torch.abs(bad - torch.nn.functional.layer_norm(x, (16,), eps=1e-5))) > 1e-3
    assert torch.max(torch.abs(torch.linalg.norm(_wrong_unbiased_variance(x, 0.0), dim=-1) - 4.0)) > 1e-2


# --------------------------------------------------------------------------- the transformer block
def _block_from_torch(block, x, mask=None, *, post_norm=False):
    """(eq-att-block) with torch's MultiheadAttention, layer_norm and linear on the same parameters."""
    F = torch.nn.functional
    d = block.attn.embed_dim
    ref = torch.nn.MultiheadAttention(d, block.attn.num_heads, batch_first=True, dtype=F64)
    with torch.no_grad():
        ref.in_proj_weight.copy_(block.attn.in_proj_weight)
        ref.in_proj_bias.copy_(block.attn.in_proj_bias)
        ref.out_proj.weight.copy_(block.attn.out_proj.weight)
        ref.out_proj.bias.copy_(block.attn.out_proj.bias)
    ln1 = lambda t: F.layer_norm(t, (d,), block.ln1.weight, block.ln1.bias, block.ln1.eps)  # noqa: E731
    ln2 = lambda t: F.layer_norm(t, (d,), block.ln2.weight, block.ln2.bias, block.ln2.eps)  # noqa: E731
    ffn = lambda t: F.linear(F.relu(F.linear(t, block.ff1.weight, block.ff1.bias)), block.ff2.weight, block.ff2.bias)  # noqa: E731
    attn = lambda t: ref(t, t, t, attn_mask=None if mask is None else ~mask, need_weights=False)[0]  # noqa: E731
    if post_norm:  # mistake: the original post-norm placement, LN after each residual addition
        x = ln1(x + attn(x))
        return ln2(x + ffn(x))
    x = x + attn(ln1(x))
    return x + ffn(ln2(x))


@pytest.mark.claim("def-att-block")
def test_transformer_block_matches_equations_with_torch_layers():
    r"""The pre-norm block $X' = X + \mathrm{MHA}(\mathrm{LN}_1(X))$, $X' + \mathrm{FFN}(\mathrm{LN}_2(X'))$ equals the same equations built from torch's `MultiheadAttention`, `layer_norm` and `linear` to 1e-12 (float64), with and without a causal mask; the post-norm placement does not."""
    block = at.TransformerBlock(12, 3, 20, seed=5)
    with torch.no_grad():
        block.ln1.weight.normal_()
        block.ln2.bias.normal_()
        x = _randn(2, 6, 12, seed=16)
        for mask in (None, at.causal_mask(6)):
            assert torch.max(torch.abs(block(x, mask) - _block_from_torch(block, x, mask))) < 1e-12
            assert torch.max(torch.abs(block(x, mask) - _block_from_torch(block, x, mask, post_norm=True))) > 1e-2


# --------------------------------------------------------------------------- permutation equivariance
def _permute_rows(g, x):
    return x[..., g, :]


def _perm_samples(n, d, count, seed):
    rng = np.random.default_rng(seed)
    return [(torch.as_tensor(rng.permutation(n)), _randn(2, n, d, seed=seed + i)) for i in range(count)]


@pytest.mark.claim("prop-att-equivariance")
def test_self_attention_and_block_are_permutation_equivariant():
    """Self-attention, multi-head attention and a transformer block commute with permutations of the tokens to machine precision (relative error below 1e-13, float64); with a causal mask or added positional encodings the error is of order one."""
    n, d = 7, 12
    samples = _perm_samples(n, d, 10, seed=20)
    mha = at.MultiHeadAttention(d, 3, seed=1)
    block = at.TransformerBlock(d, 3, 24, seed=2)
    pe = torch.as_tensor(at.sinusoidal_encoding(n, d))
    with torch.no_grad():
        assert check_equivariance(lambda x: at.scaled_dot_product_attention(x, x, x),
                                  _permute_rows, _permute_rows, samples) < 1e-13
        assert check_equivariance(lambda x: mha(x)[0], _permute_rows, _permute_rows, samples) < 1e-13
        assert check_equivariance(block, _permute_rows, _permute_rows, samples) < 1e-13
        # the same check rejects a causal mask and positional encodings
        mask = at.causal_mask(n)
        assert check_equivariance(lambda x: mha(x, mask=mask)[0], _permute_rows, _permute_rows, samples) > 1e-2
        assert check_equivariance(lambda x: block(x, mask=mask), _permute_rows, _permute_rows, samples) > 1e-2
        assert check_equivariance(lambda x: block(x + pe), _permute_rows, _permute_rows, samples) > 1e-2
        # and a layer that mixes the tokens by position (a fixed token-mixing matrix)
        mix = _randn(n, n, seed=21)
        assert check_equivariance(lambda x: mix @ x, _permute_rows, _permute_rows, samples) > 1e-2


def test_causal_self_attention_is_equivariant_only_under_the_identity():
    """Causal self-attention commutes with the identity permutation and not with a transposition of two tokens."""
    n, d = 5, 4
    mha = at.MultiHeadAttention(d, 2, seed=4)
    mask = at.causal_mask(n)
    x = _randn(n, d, seed=22)
    f = lambda t: mha(t, mask=mask)[0]  # noqa: E731
    with torch.no_grad():
        assert check_equivariance(f, _permute_rows, _permute_rows, [(torch.arange(n), x)]) == 0.0
        swap = torch.tensor([1, 0, 2, 3, 4])
        assert check_equivariance(f, _permute_rows, _permute_rows, [(swap, x)]) > 1e-2


# --------------------------------------------------------------------------- the sorting bound
def _mode_predictor(x):
    """The equivariant predictor that outputs the most frequent digit (smallest on ties) at every position."""
    counts = np.bincount(x)
    return np.full(len(x), np.argmax(counts))


def _sorter_with_positions(x):
    """Uses positions: the true sorted sequence (not permutation equivariant)."""
    return np.sort(x)


def _enumerated_accuracy(predictor, n, V):
    acc = [np.mean(predictor(np.array(x)) == np.sort(x)) for x in itertools.product(range(V), repeat=n)]
    return float(np.mean(acc))


@pytest.mark.claim("prop-att-no-position")
def test_equivariant_sorters_are_bounded_and_the_bound_is_attained():
    r"""Over all sequences of $n$ digits (exhaustive enumeration), every permutation-equivariant predictor has token accuracy at most $\E[\max_c m_c]/n$, the mode predictor attains it, and a predictor that uses positions exceeds it."""
    for n, V in ((3, 3), (4, 3), (4, 5)):
        bound = at.equivariant_accuracy_bound(n, V)
        # independent reference: the mode predictor's accuracy by enumerating all V^n sequences
        assert abs(_enumerated_accuracy(_mode_predictor, n, V) - bound) < 1e-12
        # random equivariant predictors: untrained sorters without positional encodings
        for seed in range(3):
            model = at.SortingTransformer(V, n, 8, 2, 1, 16, positional=False, seed=seed).double()
            xs = torch.tensor(list(itertools.product(range(V), repeat=n)))
            with torch.no_grad():
                pred = model(xs).argmax(-1)
            acc = float((pred == torch.sort(xs, dim=1).values).double().mean())
            assert acc <= bound + 1e-12
        # negative control: a predictor that uses positions is not bounded
        assert _enumerated_accuracy(_sorter_with_positions, n, V) > bound + 0.3


def test_sorter_without_positions_is_permutation_equivariant():
    """The sorting network without positional encodings commutes with permutations of its input tokens; with them it does not."""
    x = torch.randint(0, 10, (4, 6), generator=torch.Generator().manual_seed(0))
    samples = [(torch.as_tensor(np.random.default_rng(s).permutation(6)), x) for s in range(5)]
    act_in = lambda g, t: t[:, g]  # noqa: E731
    act_out = lambda g, t: t[:, g, :]  # noqa: E731
    with torch.no_grad():
        plain = at.SortingTransformer(10, 6, 16, 2, 1, 32, positional=False, seed=0).double()
        assert check_equivariance(plain, act_in, act_out, samples) < 1e-13
        positional = at.SortingTransformer(10, 6, 16, 2, 1, 32, positional=True, seed=0).double()
        assert check_equivariance(positional, act_in, act_out, samples) > 1e-3


def test_sorting_task_targets_are_sorted_inputs():
    """The targets of the sorting task are the inputs sorted, and sequence accuracy is at most token accuracy."""
    x, y = at.sorting_task(50, 5, 7, seed=3)
    assert torch.equal(torch.sort(x, dim=1).values, y)
    assert torch.all(y[:, 1:] >= y[:, :-1])
    model = at.SortingTransformer(7, 5, 8, 2, 1, 16, seed=0)
    tok, seq = at.token_accuracy(model, x, y)
    assert 0.0 <= seq <= tok <= 1.0


# --------------------------------------------------------------------------- sinusoidal encodings
def _pe_reference(p, d, base=10000.0):
    """PE(p) from the definition, one entry at a time with math.sin and math.cos."""
    out = []
    for i in range(d // 2):
        w = base ** (-2 * i / d)
        out += [math.sin(p * w), math.cos(p * w)]
    return np.array(out)


def _wrong_frequency_rotation(k, d):
    """Mistake: frequencies base^(-i/d) instead of base^(-2i/d) in the rotation."""
    m = np.zeros((d, d))
    for i in range(d // 2):
        w = 10000.0 ** (-i / d)
        c, s = math.cos(k * w), math.sin(k * w)
        m[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, s], [-s, c]]
    return m


def _wrong_sign_rotation(k, d):
    """Mistake: the rotation by -k omega (the transposed blocks)."""
    return at.relative_rotation(k, d).T


@pytest.mark.claim("prop-att-rotation", "def-att-sinusoidal")
def test_sinusoidal_shift_is_a_rotation():
    r"""$\mathrm{PE}(p + k) = M_k\,\mathrm{PE}(p)$ to 1e-12 for $p \in [0, 100]$, $k \in [-50, 50]$ and $d = 2, 8, 64$, with $\mathrm{PE}$ evaluated from sines and cosines directly and $M_k$ orthogonal to 1e-14; a wrong frequency or sign fails."""
    for d in (2, 8, 64):
        pe = at.sinusoidal_encoding(151, d)
        ref = np.array([_pe_reference(p, d) for p in range(151)])
        assert np.max(np.abs(pe - ref)) < 1e-12
        for k in (-50, -7, -1, 0, 1, 3, 50):
            m = at.relative_rotation(k, d)
            assert np.max(np.abs(m.T @ m - np.eye(d))) < 1e-14
            ps = np.arange(max(0, -k), min(101, 151 - k))
            assert np.max(np.abs(ref[ps + k] - ref[ps] @ m.T)) < 1e-12
            if k != 0:
                for wrong in (_wrong_frequency_rotation, _wrong_sign_rotation):
                    if d == 2 and wrong is _wrong_frequency_rotation:
                        continue  # with d = 2 the only frequency is 1 in both
                    assert np.max(np.abs(ref[ps + k] - ref[ps] @ wrong(k, d).T)) > 1e-3


@pytest.mark.claim("cor-att-relative")
def test_encoding_inner_products_depend_on_the_offset_only():
    r"""$\mathrm{PE}(p)\cdot\mathrm{PE}(q) = \sum_i \cos((q - p)\,\omega_i)$ to 1e-12 for $p, q \in [0, 60)$, a function of $q - p$ only."""
    d = 16
    pe = at.sinusoidal_encoding(60, d)
    w = 10000.0 ** (-2 * np.arange(d // 2) / d)
    gram = pe @ pe.T
    offsets = np.arange(60)[None, :] - np.arange(60)[:, None]
    closed = np.cos(offsets[..., None] * w).sum(-1)
    assert np.max(np.abs(gram - closed)) < 1e-12
    # negative control: a learned-looking table of random rows has no such structure
    rnd = np.random.default_rng(0).standard_normal((60, d))
    assert np.max(np.abs(rnd @ rnd.T - closed)) > 1.0


# --------------------------------------------------------------------------- kernel smoothing
def _nadaraya_watson(queries, keys, values, h2):
    """The Nadaraya–Watson estimate with the Gaussian kernel exp(-|q - k|^2 / (2 h^2)), from its definition."""
    out = np.empty((queries.shape[0], values.shape[1]))
    for i, q in enumerate(queries):
        w = np.array([math.exp(-np.sum((q - k) ** 2) / (2 * h2)) for k in keys])
        out[i] = (w / w.sum()) @ values
    return out


@pytest.mark.claim("prop-att-kernel")
def test_attention_with_equal_norm_keys_is_gaussian_kernel_smoothing():
    r"""With keys of equal norm, attention equals Nadaraya–Watson smoothing with a Gaussian kernel of bandwidth $h^2 = \sqrt{d_k}$ to 1e-12; the wrong bandwidth $d_k$, unequal key norms and a softmax over queries fail."""
    rng = np.random.default_rng(30)
    d = 9
    q = rng.standard_normal((6, d))
    k = rng.standard_normal((10, d))
    k = 1.7 * k / np.linalg.norm(k, axis=1, keepdims=True)
    v = rng.standard_normal((10, 3))
    att = at.scaled_dot_product_attention(*(torch.as_tensor(a) for a in (q, k, v))).numpy()
    assert np.max(np.abs(att - _nadaraya_watson(q, k, v, math.sqrt(d)))) < 1e-12
    # negative controls
    assert np.max(np.abs(att - _nadaraya_watson(q, k, v, float(d)))) > 1e-3
    wrong_axis = _wrong_softmax_over_queries(*(torch.as_tensor(a) for a in (q, k, v))).numpy()
    assert np.max(np.abs(wrong_axis - _nadaraya_watson(q, k, v, math.sqrt(d)))) > 1e-3
    k_unequal = k * rng.uniform(0.5, 2.0, (10, 1))
    att_u = at.scaled_dot_product_attention(*(torch.as_tensor(a) for a in (q, k_unequal, v))).numpy()
    assert np.max(np.abs(att_u - _nadaraya_watson(q, k_unequal, v, math.sqrt(d)))) > 1e-3


# --------------------------------------------------------------------------- bad input
def test_bad_input_names_the_argument():
    """Mismatched shapes, non-tensors and a width not divisible by the heads raise errors naming the argument."""
    q, k, v = _randn(3, 4), _randn(5, 4), _randn(5, 2)
    with pytest.raises(ValueError, match=r"\bk\b"):
        at.scaled_dot_product_attention(q, _randn(5, 3), v)
    with pytest.raises(ValueError, match=r"\bv\b"):
        at.scaled_dot_product_attention(q, k, _randn(4, 2))
    with pytest.raises(TypeError, match=r"\bq\b"):
        at.scaled_dot_product_attention(np.ones((3, 4)), k, v)
    with pytest.raises(TypeError, match=r"\bq\b"):
        at.scaled_dot_product_attention(torch.ones(3, 4, dtype=torch.long), k, v)
    with pytest.raises(ValueError, match=r"\bq\b"):
        at.scaled_dot_product_attention(torch.ones(4, dtype=F64), k, v)
    with pytest.raises(ValueError, match=r"\bmask\b"):
        at.scaled_dot_product_attention(q, k, v, torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match=r"\bmask\b"):
        at.scaled_dot_product_attention(q, k, v, torch.ones(3, 5, dtype=torch.long))
    with pytest.raises(TypeError, match=r"\bmask\b"):
        at.scaled_dot_product_attention(q, k, v, np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"\bnum_heads\b"):
        at.MultiHeadAttention(10, 3)
    m = at.MultiHeadAttention(8, 2)
    with pytest.raises(ValueError, match=r"\bquery\b"):
        m(_randn(3, 6))
    with pytest.raises(ValueError, match=r"\bkey\b"):
        m(_randn(3, 8), _randn(4, 8), _randn(5, 8))
    with pytest.raises(TypeError, match=r"\bmodule\b"):
        at.MultiHeadAttention.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"\bd_model\b"):
        at.sinusoidal_encoding(4, 5)
    with pytest.raises(ValueError, match=r"\bd_model\b"):
        at.relative_rotation(1, 7)
    with pytest.raises(TypeError, match=r"\bseed\b"):
        at.MultiHeadAttention(8, 2, seed=1.5)
    with pytest.raises(TypeError, match=r"\bpositional\b"):
        at.SortingTransformer(5, 4, 8, 2, 1, 16, positional=1)
