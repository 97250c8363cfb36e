r"""Attention and transformers (chapter *Attention and transformers*).

Each function computes one object of the chapter, with the equation in its docstring:

- :func:`scaled_dot_product_attention` and :func:`attention_weights`:
  :math:`\operatorname{Att}(Q, K, V) = \operatorname{softmax}(QK^\top/\sqrt{d_k} + M)\,V`, the softmax
  taken over the key axis, with an optional boolean or additive mask :math:`M`;
  :func:`causal_mask` the mask of autoregressive models.
- :class:`MultiHeadAttention`: :math:`h` heads on slices of one projection, concatenated and
  projected again, with the parameter layout of :class:`torch.nn.MultiheadAttention`
  (``in_proj_weight``, ``in_proj_bias``, ``out_proj``) and :meth:`MultiHeadAttention.from_torch`
  to copy one.
- :func:`layer_norm`, :class:`TransformerBlock` (pre-norm: :math:`x + \mathrm{MHA}(\mathrm{LN}(x))`,
  then :math:`x + \mathrm{FFN}(\mathrm{LN}(x))`).
- :func:`sinusoidal_encoding` and :func:`relative_rotation`: the encodings of Vaswani et al. (2017)
  and the block-diagonal rotation :math:`M_k` with :math:`\mathrm{PE}(p + k) = M_k \mathrm{PE}(p)`.
- The sorting task of the chapter: :func:`sorting_task`, :class:`SortingTransformer`,
  :func:`train_sorter`, :func:`token_accuracy` and :func:`equivariant_accuracy_bound`, the best
  token accuracy of any permutation-equivariant predictor.

Tensors follow PyTorch's ``batch_first`` convention: a sequence is a tensor of shape
``(..., n, d)`` with one row a token. Randomness only through an explicit ``seed``.
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np
import torch
from torch import nn

from ._validate import check_int, check_real

__all__ = [
    "attention_weights",
    "scaled_dot_product_attention",
    "causal_mask",
    "MultiHeadAttention",
    "layer_norm",
    "TransformerBlock",
    "sinusoidal_encoding",
    "relative_rotation",
    "sorting_task",
    "SortingTransformer",
    "train_sorter",
    "token_accuracy",
    "equivariant_accuracy_bound",
]


# ----------------------------------------------------------------------------- argument checks


def _check_tensor(name: str, value, *, min_ndim: int = 2) -> torch.Tensor:
    """A floating-point tensor with at least ``min_ndim`` dimensions and finite entries."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if value.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions (..., n, d), got shape {tuple(value.shape)}")
    if not torch.all(torch.isfinite(value)):
        raise ValueError(f"{name} must contain only finite values")
    return value


def _check_mask(mask, n_q: int, n_k: int) -> torch.Tensor | None:
    if mask is None:
        return None
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a torch.Tensor (boolean or floating point) or None, got {type(mask).__name__}")
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise TypeError(f"mask must be a boolean or floating-point tensor, got dtype {mask.dtype}")
    if mask.ndim < 2 or mask.shape[-2:] != (n_q, n_k):
        raise ValueError(f"mask must have shape (..., {n_q}, {n_k}) (queries, keys), got {tuple(mask.shape)}")
    return mask


def _check_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return int(seed)


# ----------------------------------------------------------------------------- attention


def attention_weights(q: torch.Tensor, k: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    r"""The attention matrix :math:`A = \operatorname{softmax}(QK^\top/\sqrt{d_k} + M)`, rows summing to 1.

    .. math::

        A_{ij} = \frac{\exp(q_i \cdot k_j / \sqrt{d_k} + M_{ij})}{\sum_{l} \exp(q_i \cdot k_l / \sqrt{d_k} + M_{il})}

    Parameters
    ----------
    q : tensor of shape (..., n_q, d_k)
        Queries, one row each.
    k : tensor of shape (..., n_k, d_k)
        Keys.
    mask : tensor of shape (..., n_q, n_k), optional
        Boolean: ``True`` where query ``i`` may attend to key ``j`` (:math:`M_{ij} = 0`), ``False``
        where it may not (:math:`M_{ij} = -\infty`). Floating point: added to the scores. These are the
        semantics of :func:`torch.nn.functional.scaled_dot_product_attention` (note that the boolean
        ``attn_mask`` of :class:`torch.nn.MultiheadAttention` means the opposite: ``True`` = blocked).
        A row with every key blocked gives NaN, as in PyTorch.

    Returns
    -------
    tensor of shape (..., n_q, n_k)
    """
    q = _check_tensor("q", q)
    k = _check_tensor("k", k)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k must have the same last dimension d_k, got q {tuple(q.shape)} and k {tuple(k.shape)}")
    mask = _check_mask(mask, q.shape[-2], k.shape[-2])
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1)  # over the keys: each query's weights sum to one


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None) -> torch.Tensor:
    r"""Scaled dot-product attention :math:`\operatorname{softmax}(QK^\top/\sqrt{d_k} + M)\,V`.

    Row :math:`i` of the output is the average :math:`\sum_j A_{ij} v_j` of the values with the
    weights :math:`A_{ij}` of :func:`attention_weights` (see there for ``mask``).

    Parameters
    ----------
    q : tensor of shape (..., n_q, d_k)
    k : tensor of shape (..., n_k, d_k)
    v : tensor of shape (..., n_k, d_v)
    mask : tensor of shape (..., n_q, n_k), optional

    Returns
    -------
    tensor of shape (..., n_q, d_v)
    """
    v = _check_tensor("v", v)
    k = _check_tensor("k", k)
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(f"v must have one row per key: k has {k.shape[-2]} rows, v has shape {tuple(v.shape)}")
    return attention_weights(q, k, mask) @ v


def causal_mask(n: int) -> torch.Tensor:
    r"""The boolean causal mask: ``True`` where :math:`j \le i` (query :math:`i` sees keys up to itself)."""
    n = check_int("n", n, minimum=1)
    return torch.ones(n, n, dtype=torch.bool).tril()


class MultiHeadAttention(nn.Module):
    r"""Multi-head attention written from the equations, in the layout of :class:`torch.nn.MultiheadAttention`.

    With model width :math:`d` and :math:`h` heads of width :math:`d_h = d/h`, the projections
    :math:`Q = XW_Q^\top + b_Q`, :math:`K = YW_K^\top + b_K`, :math:`V = ZW_V^\top + b_V` (the three
    stacked in ``in_proj_weight`` of shape :math:`(3d, d)` and ``in_proj_bias``) are cut into
    :math:`h` column blocks of width :math:`d_h`; head :math:`r` attends with its blocks, and

    .. math::

        \mathrm{MHA}(X, Y, Z) = \big[\operatorname{Att}(Q_1, K_1, V_1), \dots, \operatorname{Att}(Q_h, K_h, V_h)\big] W_O^\top + b_O,

    with :math:`W_O, b_O` the ``out_proj`` linear layer.

    Parameters
    ----------
    embed_dim : int
        Model width :math:`d`.
    num_heads : int
        Number of heads :math:`h`; must divide ``embed_dim``.
    seed : int
        Seed of the initialization (Glorot-uniform weights as in PyTorch, small nonzero biases).
    dtype : torch.dtype
    """

    def __init__(self, embed_dim: int, num_heads: int, *, seed: int = 0, dtype: torch.dtype = torch.float64):
        super().__init__()
        embed_dim = check_int("embed_dim", embed_dim, minimum=1)
        num_heads = check_int("num_heads", num_heads, minimum=1)
        if embed_dim % num_heads != 0:
            raise ValueError(f"num_heads must divide embed_dim, got embed_dim={embed_dim}, num_heads={num_heads}")
        seed = _check_seed(seed)
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        gen = torch.Generator().manual_seed(seed)
        bound = math.sqrt(6.0 / (embed_dim + 3 * embed_dim))
        self.in_proj_weight = nn.Parameter((2 * torch.rand(3 * embed_dim, embed_dim, generator=gen) - 1).to(dtype) * bound)
        self.in_proj_bias = nn.Parameter(0.02 * torch.randn(3 * embed_dim, generator=gen).to(dtype))
        self.out_proj = nn.Linear(embed_dim, embed_dim, dtype=dtype)
        with torch.no_grad():
            b = 1 / math.sqrt(embed_dim)
            self.out_proj.weight.copy_((2 * torch.rand(embed_dim, embed_dim, generator=gen) - 1) * b)
            self.out_proj.bias.copy_(0.02 * torch.randn(embed_dim, generator=gen))

    @classmethod
    def from_torch(cls, module: nn.MultiheadAttention) -> "MultiHeadAttention":
        """A copy of the parameters of a :class:`torch.nn.MultiheadAttention` (with biases, equal q/k/v widths)."""
        if not isinstance(module, nn.MultiheadAttention):
            raise TypeError(f"module must be a torch.nn.MultiheadAttention, got {type(module).__name__}")
        if module.in_proj_weight is None or module.in_proj_bias is None or module.bias_k is not None:
            raise ValueError("module must have equal query/key/value widths, bias=True and no add_bias_kv")
        new = cls(module.embed_dim, module.num_heads, dtype=module.in_proj_weight.dtype)
        with torch.no_grad():
            new.in_proj_weight.copy_(module.in_proj_weight)
            new.in_proj_bias.copy_(module.in_proj_bias)
            new.out_proj.weight.copy_(module.out_proj.weight)
            new.out_proj.bias.copy_(module.out_proj.bias)
        return new

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        """(..., n, d) -> (..., h, n, d_h): head r takes columns r d_h, ..., (r + 1) d_h - 1."""
        *lead, n, _ = x.shape
        return x.reshape(*lead, n, self.num_heads, self.head_dim).transpose(-3, -2)

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None, value: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(output, weights)``: output of shape (..., n_q, d), per-head weights (..., h, n_q, n_k).

        ``key`` and ``value`` default to ``query`` (self-attention); ``mask`` as in
        :func:`attention_weights` (``True`` = may attend), shared by all heads.
        """
        query = _check_tensor("query", query)
        key = query if key is None else _check_tensor("key", key)
        value = key if value is None else _check_tensor("value", value)
        for name, t in (("query", query), ("key", key), ("value", value)):
            if t.shape[-1] != self.embed_dim:
                raise ValueError(f"{name} must have last dimension embed_dim={self.embed_dim}, got shape {tuple(t.shape)}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"key and value must have the same leading shape, got {tuple(key.shape)} and {tuple(value.shape)}")
        d = self.embed_dim
        w, b = self.in_proj_weight, self.in_proj_bias
        q = self._split(query @ w[:d].T + b[:d])
        k = self._split(key @ w[d:2 * d].T + b[d:2 * d])
        v = self._split(value @ w[2 * d:].T + b[2 * d:])
        if mask is not None:
            mask = _check_mask(mask, query.shape[-2], key.shape[-2]).unsqueeze(-3)  # the same for every head
        a = attention_weights(q, k, mask)                               # (..., h, n_q, n_k)
        heads = (a @ v).transpose(-3, -2)                                # (..., n_q, h, d_h)
        concat = heads.reshape(*heads.shape[:-2], d)                     # [head_1, ..., head_h]
        return self.out_proj(concat), a


def layer_norm(x: torch.Tensor, weight: torch.Tensor | None = None, bias: torch.Tensor | None = None,
               eps: float = 1e-5) -> torch.Tensor:
    r"""Layer normalization of each row: :math:`\gamma \odot (x - \mu)/\sqrt{\sigma^2 + \varepsilon} + \beta`.

    :math:`\mu = \frac1d \sum_i x_i` and :math:`\sigma^2 = \frac1d \sum_i (x_i - \mu)^2` (the *biased*
    variance, as in :func:`torch.nn.functional.layer_norm`).
    """
    x = _check_tensor("x", x, min_ndim=1)
    eps = check_real("eps", eps, minimum=0.0)
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    y = (x - mu) / torch.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


class TransformerBlock(nn.Module):
    r"""A pre-norm transformer block on the residual stream :math:`x`.

    .. math::

        x \leftarrow x + \mathrm{MHA}(\mathrm{LN}_1(x)), \qquad
        x \leftarrow x + W_2\,\mathrm{ReLU}(W_1 \mathrm{LN}_2(x) + b_1) + b_2,

    the feed-forward part acting on each token separately.
    """

    def __init__(self, d_model: int, num_heads: int, d_ff: int, *, seed: int = 0, dtype: torch.dtype = torch.float64):
        super().__init__()
        d_model = check_int("d_model", d_model, minimum=1)
        d_ff = check_int("d_ff", d_ff, minimum=1)
        seed = _check_seed(seed)
        gen = torch.Generator().manual_seed(seed + 1)
        self.attn = MultiHeadAttention(d_model, num_heads, seed=seed, dtype=dtype)
        self.ln1 = nn.LayerNorm(d_model, dtype=dtype)
        self.ln2 = nn.LayerNorm(d_model, dtype=dtype)
        self.ff1 = nn.Linear(d_model, d_ff, dtype=dtype)
        self.ff2 = nn.Linear(d_ff, d_model, dtype=dtype)
        with torch.no_grad():
            for lin in (self.ff1, self.ff2):
                b = 1 / math.sqrt(lin.in_features)
                lin.weight.copy_((2 * torch.rand(lin.weight.shape, generator=gen) - 1) * b)
                lin.bias.copy_((2 * torch.rand(lin.bias.shape, generator=gen) - 1) * b)
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Apply the block to ``x`` of shape (..., n, d_model); the attention weights are kept in ``last_weights``."""
        h, self.last_weights = self.attn(self.ln1(x), mask=mask)
        x = x + h
        return x + self.ff2(torch.relu(self.ff1(self.ln2(x))))


# ----------------------------------------------------------------------------- positional encodings


def _frequencies(d_model: int, base: float) -> np.ndarray:
    r""":math:`\omega_i = \mathrm{base}^{-2i/d}`, :math:`i = 0, \dots, d/2 - 1`."""
    return base ** (-2.0 * np.arange(d_model // 2) / d_model)


def sinusoidal_encoding(n_positions: int, d_model: int, *, base: float = 10000.0) -> np.ndarray:
    r"""The sinusoidal positional encodings, one row a position :math:`p = 0, \dots, n-1`.

    .. math::

        \mathrm{PE}(p)_{2i} = \sin(p\,\omega_i), \qquad \mathrm{PE}(p)_{2i+1} = \cos(p\,\omega_i),
        \qquad \omega_i = \mathrm{base}^{-2i/d}.

    Parameters
    ----------
    n_positions : int
    d_model : int
        Even width :math:`d`.
    base : float
        10000 in Vaswani et al. (2017).

    Returns
    -------
    ndarray of shape (n_positions, d_model)
    """
    n_positions = check_int("n_positions", n_positions, minimum=1)
    d_model = check_int("d_model", d_model, minimum=2)
    if d_model % 2:
        raise ValueError(f"d_model must be even (sine and cosine pairs), got {d_model}")
    base = check_real("base", base, minimum=1.0, strict=True)
    angles = np.arange(n_positions)[:, None] * _frequencies(d_model, base)[None, :]
    pe = np.empty((n_positions, d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)
    return pe


def relative_rotation(k: int, d_model: int, *, base: float = 10000.0) -> np.ndarray:
    r"""The block-diagonal rotation :math:`M_k` with :math:`\mathrm{PE}(p + k) = M_k\,\mathrm{PE}(p)` for every :math:`p`.

    .. math::

        M_k = \operatorname{diag}(R(k\omega_0), \dots, R(k\omega_{d/2-1})), \qquad
        R(\theta) = \begin{pmatrix} \cos\theta & \sin\theta \\ -\sin\theta & \cos\theta \end{pmatrix}.

    ``k`` may be negative; :math:`M_k^\top = M_{-k} = M_k^{-1}`.
    """
    k = check_int("k", k)
    d_model = check_int("d_model", d_model, minimum=2)
    if d_model % 2:
        raise ValueError(f"d_model must be even (sine and cosine pairs), got {d_model}")
    base = check_real("base", base, minimum=1.0, strict=True)
    m = np.zeros((d_model, d_model))
    for i, w in enumerate(_frequencies(d_model, base)):
        c, s = math.cos(k * w), math.sin(k * w)
        m[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, s], [-s, c]]
    return m


# ----------------------------------------------------------------------------- the sorting task


def sorting_task(n_samples: int, length: int, n_digits: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences of i.i.d. uniform digits ``x`` of shape (n_samples, length) and their sorted versions ``y``."""
    n_samples = check_int("n_samples", n_samples, minimum=1)
    length = check_int("length", length, minimum=1)
    n_digits = check_int("n_digits", n_digits, minimum=2)
    gen = torch.Generator().manual_seed(_check_seed(seed))
    x = torch.randint(0, n_digits, (n_samples, length), generator=gen)
    return x, torch.sort(x, dim=1).values


class SortingTransformer(nn.Module):
    r"""Token embedding (+ sinusoidal encodings if ``positional``), transformer blocks, a linear read-out.

    The output at position :math:`i` is a vector of logits over the digits, trained to predict the
    :math:`i`-th smallest input digit. Without positional encodings the whole network is
    permutation equivariant (no mask is used).
    """

    def __init__(self, n_digits: int, length: int, d_model: int, num_heads: int, n_layers: int, d_ff: int, *,
                 positional: bool = True, seed: int = 0):
        super().__init__()
        n_digits = check_int("n_digits", n_digits, minimum=2)
        length = check_int("length", length, minimum=1)
        n_layers = check_int("n_layers", n_layers, minimum=1)
        seed = _check_seed(seed)
        if not isinstance(positional, bool):
            raise TypeError(f"positional must be a bool, got {positional!r}")
        gen = torch.Generator().manual_seed(seed)
        self.positional = positional
        self.embed = nn.Embedding(n_digits, d_model, dtype=torch.float32)
        with torch.no_grad():
            self.embed.weight.copy_(torch.randn(n_digits, d_model, generator=gen))
        self.register_buffer("pe", torch.tensor(sinusoidal_encoding(length, d_model), dtype=torch.float32))
        self.blocks = nn.ModuleList(
            TransformerBlock(d_model, num_heads, d_ff, seed=seed + 10 * (l + 1), dtype=torch.float32)
            for l in range(n_layers))
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_digits)
        with torch.no_grad():
            b = 1 / math.sqrt(d_model)
            self.head.weight.copy_((2 * torch.rand(n_digits, d_model, generator=gen) - 1) * b)
            self.head.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, length, n_digits) for integer tokens ``x`` of shape (batch, length)."""
        h = self.embed(x)
        if self.positional:
            h = h + self.pe[: x.shape[-1]]
        for block in self.blocks:
            h = block(h)
        return self.head(self.ln(h))

    def attention_maps(self) -> list[torch.Tensor]:
        """The per-head attention weights of each block from the last forward pass."""
        return [b.last_weights for b in self.blocks]


def train_sorter(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int, batch_size: int, lr: float,
                 seed: int = 0) -> np.ndarray:
    """Train with Adam on the token-wise cross-entropy over random minibatches; return the loss per step."""
    steps = check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_real("lr", lr, minimum=0.0, strict=True)
    gen = torch.Generator().manual_seed(_check_seed(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = np.empty(steps)
    for t in range(steps):
        idx = torch.randint(0, x.shape[0], (batch_size,), generator=gen)
        logits = model(x[idx])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[idx].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses[t] = loss.item()
    return losses


@torch.no_grad()
def token_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Fractions of positions and of whole sequences predicted correctly (argmax of the logits)."""
    pred = model(x).argmax(dim=-1)
    right = pred == y
    return float(right.float().mean()), float(right.all(dim=1).float().mean())


def equivariant_accuracy_bound(length: int, n_digits: int) -> float:
    r"""The best expected token accuracy of a permutation-equivariant sorter: :math:`\mathbb{E}[\max_c m_c]/n`.

    :math:`m_c` is the number of times digit :math:`c` occurs in a sequence of :math:`n` i.i.d.
    uniform digits; the expectation is computed exactly by summing over the multisets with their
    multinomial probabilities.
    """
    length = check_int("length", length, minimum=1)
    n_digits = check_int("n_digits", n_digits, minimum=2)
    total = 0.0
    for multiset in itertools.combinations_with_replacement(range(n_digits), length):
        counts = np.bincount(multiset, minlength=n_digits)
        log_p = (math.lgamma(length + 1) - sum(math.lgamma(c + 1) for c in counts) - length * math.log(n_digits))
        total += math.exp(log_p) * counts.max()
    return total / length
