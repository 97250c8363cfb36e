r"""Graph neural networks: normalized adjacency, message passing, 1-WL colours, random graphs.

The chapter *Graph neural networks* uses these functions. A graph on nodes :math:`1, \dots, n` is
given by its adjacency matrix :math:`A \in \mathbb R^{n\times n}` (symmetric, non-negative entries;
:math:`A_{ij} \neq 0` means that :math:`j` is a neighbour of :math:`i`), node features by a matrix
:math:`H \in \mathbb R^{n\times d}` whose row :math:`i` belongs to node :math:`i`. A permutation
:math:`\pi` of the nodes, with matrix :math:`(PH)_i = H_{\pi(i)}`, acts by

.. math::

    (A, H) \mapsto (P A P^\top, P H). \qquad \text{(eq-gnn-action)}

The Kipf–Welling graph convolution uses the normalized adjacency with self-loops

.. math::

    \hat A = \tilde D^{-1/2} (A + I) \tilde D^{-1/2}, \qquad
    \tilde D = \operatorname{diag}((A + I)\mathbf 1), \qquad \text{(eq-gnn-normalize)}

whose spectrum lies in :math:`[-1 + 2/\tilde d_{\max}, 1]`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnmath._validate import check_array, check_callable, check_int, check_real, check_rng

__all__ = [
    "gcn_normalize",
    "gcn_layer",
    "message_passing",
    "wl_colors",
    "permute_graph",
    "stochastic_block_model",
    "oversmoothing_rate",
]

_AGGREGATES = {
    "sum": lambda m: m.sum(axis=0),
    "mean": lambda m: m.mean(axis=0),
    "max": lambda m: m.max(axis=0),
}


def _adjacency(name: str, A: Any, *, symmetric: bool = True, nonnegative: bool = True) -> np.ndarray:
    """Check an adjacency matrix: a finite square 2-D array, symmetric and non-negative if asked."""
    A = check_array(name, A, ndim=2)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be a square adjacency matrix, got shape {A.shape}")
    if A.shape[0] == 0:
        raise ValueError(f"{name} must have at least one node, got shape {A.shape}")
    if symmetric and not np.array_equal(A, A.T):
        raise ValueError(f"{name} must be symmetric (an undirected graph), got a non-symmetric matrix")
    if nonnegative and np.any(A < 0):
        raise ValueError(f"{name} must have non-negative entries, got minimum {A.min()}")
    return A


def _features(name: str, H: Any, n: int) -> np.ndarray:
    H = check_array(name, H, ndim=2)
    if H.shape[0] != n:
        raise ValueError(f"{name} must have one row per node ({n} rows), got shape {H.shape}")
    return H


def gcn_normalize(A):
    r"""The normalized adjacency with self-loops :math:`\hat A = \tilde D^{-1/2}(A + I)\tilde D^{-1/2}`.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric adjacency matrix with non-negative entries (weights allowed, self-loops allowed).

    Returns
    -------
    ndarray, shape (n, n)
        :math:`\hat A_{ij} = (A + I)_{ij} / \sqrt{\tilde d_i \tilde d_j}` with
        :math:`\tilde d_i = 1 + \sum_j A_{ij}` (equation ``eq-gnn-normalize`` of the chapter). It is
        symmetric, has the eigenvalue 1 with eigenvector :math:`\tilde D^{1/2}\mathbf 1`, and every
        eigenvalue lies in :math:`[-1 + 2/\tilde d_{\max}, 1]`.

    Raises
    ------
    ValueError
        If ``A`` is not square, not symmetric, has a negative or non-finite entry.
    """
    A = _adjacency("A", A)
    At = A + np.eye(A.shape[0])
    s = 1.0 / np.sqrt(At.sum(axis=1))
    return s[:, None] * At * s[None, :]


def gcn_layer(A, H, W, *, activation: Callable[[np.ndarray], np.ndarray] | None = None):
    r"""One graph-convolution layer :math:`H' = \sigma(\hat A H W)` (Kipf and Welling).

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric non-negative adjacency matrix; normalized with :func:`gcn_normalize`.
    H : array_like, shape (n, d)
        Node features, one row per node.
    W : array_like, shape (d, d_out)
        Weight matrix shared by all nodes.
    activation : callable or None
        The non-linearity :math:`\sigma`, applied entrywise; ``None`` (default) for the identity.

    Returns
    -------
    ndarray, shape (n, d_out)
    """
    A_hat = gcn_normalize(A)
    H = _features("H", H, A_hat.shape[0])
    W = check_array("W", W, ndim=2)
    if W.shape[0] != H.shape[1]:
        raise ValueError(f"W must have {H.shape[1]} rows (the width of H), got shape {W.shape}")
    out = A_hat @ H @ W
    if activation is not None:
        check_callable("activation", activation)
        out = np.asarray(activation(out), dtype=float)
    return out


def message_passing(A, H, message, aggregate):
    r"""Aggregate messages from neighbours: :math:`m_i = \bigoplus_{j : A_{ij} \ne 0} M(h_i, h_j, A_{ij})`.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Adjacency matrix (any real entries, not necessarily symmetric); :math:`j` is a neighbour of
        :math:`i` when :math:`A_{ij} \neq 0`, so a non-zero diagonal entry is a self-loop.
    H : array_like, shape (n, d)
        Node features.
    message : callable
        :math:`M`, called as ``message(h_i, h_j, a_ij)`` with two rows of ``H`` and the edge weight;
        returns a vector (all messages must have the same length).
    aggregate : {"sum", "mean", "max"} or callable
        :math:`\bigoplus`: a named reduction over the messages, or a callable taking the array of
        messages, shape (number of neighbours, d_msg), and returning a vector of length d_msg.
        It should not depend on the order of the rows (a function of the multiset of messages).

    Returns
    -------
    ndarray, shape (n, d_msg)
        Row :math:`i` is :math:`m_i`; a node without neighbours gets the zero vector.

    Notes
    -----
    The loop runs over nodes and neighbours in Python, as the definition reads; it is meant for
    small graphs and as a reference for the matrix forms (e.g. :math:`\hat A H W` of
    :func:`gcn_layer` is the sum aggregation of :math:`M(h_i, h_j, a_{ij}) = a_{ij} W^\top h_j` on
    the graph :math:`\hat A`).
    """
    A = _adjacency("A", A, symmetric=False, nonnegative=False)
    n = A.shape[0]
    H = _features("H", H, n)
    check_callable("message", message)
    if isinstance(aggregate, str):
        if aggregate not in _AGGREGATES:
            raise ValueError(f"aggregate must be one of 'sum', 'mean', 'max' or a callable, got {aggregate!r}")
        reduce = _AGGREGATES[aggregate]
    elif callable(aggregate):
        reduce = aggregate
    else:
        raise TypeError(f"aggregate must be one of 'sum', 'mean', 'max' or a callable, got {aggregate!r}")
    rows: list[np.ndarray | None] = []
    width = None
    for i in range(n):
        nbrs = np.flatnonzero(A[i])
        if nbrs.size == 0:
            rows.append(None)
            continue
        msgs = np.array([np.atleast_1d(np.asarray(message(H[i], H[j], A[i, j]), dtype=float)) for j in nbrs])
        if msgs.ndim != 2:
            raise ValueError("message must return vectors of one common length")
        out = np.atleast_1d(np.asarray(reduce(msgs), dtype=float))
        if width is not None and out.shape != (width,):
            raise ValueError("message must return vectors of one common length")
        width = out.shape[0]
        rows.append(out)
    if width is None:
        width = H.shape[1]
    return np.array([np.zeros(width) if r is None else r for r in rows]).reshape(n, width)


def _wl_hash(own: str, neighbours: list[str]) -> str:
    """Canonical colour of a node from its colour and the sorted multiset of its neighbours' colours."""
    text = own + "|" + ",".join(sorted(neighbours))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def wl_colors(A, rounds: int) -> list[Counter]:
    r"""Colour histograms of the 1-Weisfeiler–Leman (colour refinement) test, comparable across graphs.

    All nodes start with one colour; in each round a node's new colour is an injective function of
    its colour and the multiset of its neighbours' colours,

    .. math::

        c^{(t+1)}(i) = \operatorname{hash}\bigl(c^{(t)}(i), \{\!\{ c^{(t)}(j) : A_{ij} \neq 0, j \ne i \}\!\}\bigr).

    The hash is canonical (SHA-256 of the colour and the *sorted* neighbour colours, 96 bits kept),
    not a relabelling local to one graph, so histograms of different graphs can be compared: two
    graphs are distinguished by 1-WL within ``rounds`` rounds when their histograms differ at some
    round (up to hash collisions, of probability about :math:`m^2 2^{-96}` for :math:`m` colours).

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric adjacency matrix (non-zero off-diagonal entries are edges; weights and the
        diagonal are ignored).
    rounds : int
        Number of refinement rounds, at least 0.

    Returns
    -------
    list of collections.Counter
        ``rounds + 1`` histograms; entry ``t`` maps each colour of round ``t`` to its number of nodes.
    """
    A = _adjacency("A", A, nonnegative=False)
    rounds = check_int("rounds", rounds, minimum=0)
    n = A.shape[0]
    nbrs = [[j for j in np.flatnonzero(A[i]) if j != i] for i in range(n)]
    colors = ["0"] * n
    hists = [Counter(colors)]
    for _ in range(rounds):
        colors = [_wl_hash(colors[i], [colors[j] for j in nbrs[i]]) for i in range(n)]
        hists.append(Counter(colors))
    return hists


def permute_graph(A, H, perm):
    r"""Relabel the nodes: return :math:`(PAP^\top, PH)` with :math:`(PH)_i = H_{\pi(i)}`.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Adjacency matrix (need not be symmetric).
    H : array_like, shape (n, d), or None
        Node features; ``None`` to permute only the graph.
    perm : array_like of int, shape (n,)
        The permutation :math:`\pi` as the list :math:`(\pi(0), \dots, \pi(n-1))` of a permutation of
        ``range(n)``.

    Returns
    -------
    (ndarray, ndarray or None)
        ``A[perm][:, perm]`` (entry :math:`(i, j)` is :math:`A_{\pi(i)\pi(j)}`) and ``H[perm]``.
    """
    A = _adjacency("A", A, symmetric=False, nonnegative=False)
    n = A.shape[0]
    p = np.asarray(perm)
    if p.dtype.kind not in "iu":
        raise TypeError(f"perm must be an array of integers, got dtype {p.dtype}")
    if p.shape != (n,) or not np.array_equal(np.sort(p), np.arange(n)):
        raise ValueError(f"perm must be a permutation of range({n}), got {p.tolist()!r}")
    Hp = None if H is None else _features("H", H, n)[p]
    return A[np.ix_(p, p)], Hp


def stochastic_block_model(sizes: Sequence[int], p_in: float, p_out: float, *, generator):
    r"""A random graph from the stochastic block model.

    Nodes are split into consecutive blocks of the given sizes; each pair :math:`\{i, j\}`,
    :math:`i \neq j`, is an edge independently with probability ``p_in`` if both lie in the same
    block and ``p_out`` otherwise.

    Parameters
    ----------
    sizes : sequence of int
        Block sizes, each at least 1.
    p_in, p_out : float
        Edge probabilities within and between blocks, in [0, 1].
    generator : int or numpy.random.Generator
        Seed or generator of the randomness.

    Returns
    -------
    (ndarray, ndarray)
        The symmetric 0/1 adjacency matrix, shape (n, n), zero diagonal, and the block label of each
        node, shape (n,).
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(f"sizes must be a sequence of block sizes, got {type(sizes).__name__}")
    if len(sizes) == 0:
        raise ValueError("sizes must contain at least one block size")
    sizes = [check_int("sizes", s, minimum=1) for s in sizes]
    p_in = check_real("p_in", p_in, minimum=0.0, maximum=1.0)
    p_out = check_real("p_out", p_out, minimum=0.0, maximum=1.0)
    rng = check_rng("generator", generator)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    n = labels.size
    prob = np.where(labels[:, None] == labels[None, :], p_in, p_out)
    upper = np.triu(rng.random((n, n)) < prob, k=1)
    A = (upper | upper.T).astype(float)
    return A, labels


def oversmoothing_rate(A) -> float:
    r"""The predicted oversmoothing rate :math:`\rho = \max(|\lambda_2|, |\lambda_{\min}|)` of :math:`\hat A`.

    For a connected graph, :math:`\hat A^k H` approaches the projection of :math:`H` on the span of
    :math:`\tilde D^{1/2}\mathbf 1` with distance at most :math:`\rho^k` times the initial distance.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric non-negative adjacency matrix with at least two nodes.

    Returns
    -------
    float
        The second largest absolute value among the eigenvalues of :func:`gcn_normalize` ``(A)``,
        excluding one copy of the eigenvalue 1.
    """
    A = _adjacency("A", A)
    if A.shape[0] < 2:
        raise ValueError(f"A must have at least two nodes, got shape {A.shape}")
    lam = np.linalg.eigvalsh(gcn_normalize(A))  # ascending; the top one is 1
    return float(max(abs(lam[-2]), abs(lam[0])))
