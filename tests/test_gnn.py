"""Tests of nnmath.gnn: the statements of the chapter *Graph neural networks*.

Every claim test compares with a reference that does not share the formula under test (explicit
permutation matrices, the random-walk matrix D̃⁻¹(A + I) and its non-symmetric eigenvalues, degrees
counted from neighbour lists, closed-form spectra of complete bipartite graphs, a Weisfeiler–Leman
refinement of the disjoint union with integer relabelling written here, Monte Carlo with standard
errors from independent replicates) and keeps a negative control: a plausible wrong variant, named
for the mistake, that the same check must reject.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import gnn
from nnmath.equivariant import check_equivariance


# --------------------------------------------------------------------------- small graphs
def _graph(n, edges):
    A = np.zeros((n, n))
    for a, b in edges:
        A[a, b] = A[b, a] = 1.0
    return A


def two_triangles():
    return _graph(6, [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)])


def hexagon():
    return _graph(6, [(i, (i + 1) % 6) for i in range(6)])


def lollipop():
    """A triangle with a path of three nodes attached: 6 nodes and 6 edges, like the hexagon."""
    return _graph(6, [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5)])


def complete_bipartite(m, k):
    A = np.zeros((m + k, m + k))
    A[:m, m:] = 1.0
    A[m:, :m] = 1.0
    return A


def _connected(A):
    n = A.shape[0]
    seen, stack = {0}, [0]
    while stack:
        i = stack.pop()
        for j in np.flatnonzero(A[i]):
            if j not in seen:
                seen.add(int(j))
                stack.append(int(j))
    return len(seen) == n


def _perm_matrix(perm):
    n = len(perm)
    P = np.zeros((n, n))
    P[np.arange(n), perm] = 1.0  # (P H)_i = H_{perm[i]}
    return P


# --------------------------------------------------------------------------- random MPNNs
class RandomMPNN:
    """A message-passing network with random weights: message MLP, aggregation, update MLP, readout."""

    def __init__(self, d_in, width, layers, aggregate, seed):
        rng = np.random.default_rng(seed)
        self.aggregate = aggregate
        self.layers = []
        d = d_in
        for _ in range(layers):
            Wm = rng.normal(size=(2 * d, width)) / np.sqrt(2 * d)
            Wu = rng.normal(size=(d + width, width)) / np.sqrt(d + width)
            b = rng.normal(size=width)
            self.layers.append((Wm, Wu, b))
            d = width

    def nodes(self, A, H):
        for Wm, Wu, b in self.layers:
            msg = lambda hi, hj, a, Wm=Wm: np.tanh(np.concatenate([hi, hj]) @ Wm)  # noqa: E731
            M = gnn.message_passing(A, H, msg, self.aggregate)
            H = np.tanh(np.concatenate([H, M], axis=1) @ Wu + b)
        return H

    def graph(self, A, H):
        return self.nodes(A, H).sum(axis=0)


def _wrong_mpnn_uses_index(mpnn, A, H):
    """Mistake: the nodes' indices enter the computation (added to the features), which breaks symmetry."""
    idx = np.arange(A.shape[0], dtype=float)[:, None] / A.shape[0]
    return mpnn.nodes(A, H + idx)


def _act_graph(perm, x):
    A, H = x
    return gnn.permute_graph(A, H, perm)


def _act_rows(perm, Y):
    return np.asarray(Y)[perm]


# --------------------------------------------------------------------------- permutation action
def test_permute_graph_equals_explicit_permutation_matrices():
    """permute_graph returns exactly (P A Pᵀ, P H) for the permutation matrix with (PH)_i = H_{π(i)}."""
    rng = np.random.default_rng(0)
    A, _ = gnn.stochastic_block_model([4, 5], 0.6, 0.2, generator=1)
    H = rng.normal(size=(9, 3))
    for _ in range(10):
        perm = rng.permutation(9)
        P = _perm_matrix(perm)
        Ap, Hp = gnn.permute_graph(A, H, perm)
        np.testing.assert_array_equal(Ap, P @ A @ P.T)
        np.testing.assert_array_equal(Hp, P @ H)
    # and a relabelling that forgets to permute the columns is not the action
    perm = rng.permutation(9)
    assert not np.array_equal(A[perm], _perm_matrix(perm) @ A @ _perm_matrix(perm).T)


@pytest.mark.claim("prop-gnn-equivariance")
def test_message_passing_is_equivariant_and_readouts_invariant():
    """Message-passing networks with sum, mean and max aggregation commute with node permutations and their sum readouts are invariant, to relative error below 1e-13; a network that uses node indices fails the same check by more than 1e-2."""
    rng = np.random.default_rng(2)
    A, _ = gnn.stochastic_block_model([6, 6], 0.5, 0.15, generator=3)
    H = rng.normal(size=(12, 3))
    samples = [(rng.permutation(12), (A, H)) for _ in range(8)]
    for aggregate in ("sum", "mean", "max"):
        mpnn = RandomMPNN(3, 5, 2, aggregate, seed=4)
        f = lambda x, m=mpnn: m.nodes(*x)  # noqa: E731
        assert check_equivariance(f, _act_graph, _act_rows, samples) < 1e-13
        g = lambda x, m=mpnn: m.graph(*x)  # noqa: E731
        assert check_equivariance(g, _act_graph, lambda p, y: y, samples) < 1e-13
        bad = lambda x, m=mpnn: _wrong_mpnn_uses_index(m, *x)  # noqa: E731
        assert check_equivariance(bad, _act_graph, _act_rows, samples) > 1e-2
    # a GCN layer as well; acting on A alone or on H alone is not the action
    W = rng.normal(size=(3, 4))
    gcn = lambda x: gnn.gcn_layer(x[0], x[1], W, activation=np.tanh)  # noqa: E731
    assert check_equivariance(gcn, _act_graph, _act_rows, samples) < 1e-13
    only_h = lambda p, x: (x[0], x[1][p])  # noqa: E731
    assert check_equivariance(gcn, only_h, _act_rows, samples) > 1e-2


# --------------------------------------------------------------------------- GCN
def _gcn_by_messages(A, H, W):
    """Σ_{j ∈ N(i) ∪ {i}} W^T h_j / sqrt(d̃_i d̃_j), with d̃ counted from neighbour lists (0/1 graphs)."""
    n = A.shape[0]
    deg = np.array([len([j for j in range(n) if A[i, j] != 0 and j != i]) + 1 for i in range(n)], float)
    Hd = np.concatenate([H, deg[:, None]], axis=1)
    msg = lambda hi, hj, a: (hj[:-1] @ W) / np.sqrt(hi[-1] * hj[-1])  # noqa: E731
    return gnn.message_passing(A + np.eye(n), Hd, msg, "sum")


def _wrong_row_normalized(A, H, W):
    """Mistake: divide by d̃_i (the random-walk normalization) instead of sqrt(d̃_i d̃_j)."""
    n = A.shape[0]
    At = A + np.eye(n)
    return (At / At.sum(axis=1, keepdims=True)) @ H @ W


def _wrong_no_self_loops(A, H, W):
    """Mistake: normalize A instead of A + I (the node's own features are dropped)."""
    d = A.sum(axis=1)
    return (A / np.sqrt(np.outer(d, d))) @ H @ W


@pytest.mark.claim("def-gnn-gcn")
def test_gcn_matrix_form_equals_message_passing_form():
    r"""The matrix form $\hat A H W$ equals the sum of messages $W^\top h_j/\sqrt{\tilde d_i \tilde d_j}$ over $N(i)\cup\{i\}$ to 1e-13 on irregular graphs; the row-normalized and the self-loop-free variants differ by more than 1e-2."""
    rng = np.random.default_rng(5)
    for seed in range(5):
        A, _ = gnn.stochastic_block_model([7, 5], 0.6, 0.2, generator=seed)
        A = np.maximum(A, _graph(12, [(i, i + 1) for i in range(11)]))  # connected, no isolated node
        assert len(set(A.sum(axis=1))) > 1  # irregular: the normalizations differ
        H, W = rng.normal(size=(12, 3)), rng.normal(size=(3, 2))
        ref = _gcn_by_messages(A, H, W)
        scale = np.linalg.norm(ref)
        assert np.linalg.norm(gnn.gcn_layer(A, H, W) - ref) / scale < 1e-13
        for wrong in (_wrong_row_normalized, _wrong_no_self_loops):
            assert np.linalg.norm(wrong(A, H, W) - ref) / scale > 1e-2


def _wrong_unnormalized(A):
    """Mistake: use A + I without the degree normalization."""
    return A + np.eye(A.shape[0])


def _wrong_normalized_without_self_loops(A):
    """Mistake: D^{-1/2} A D^{-1/2} without the self-loops (spectrum reaches -1 on bipartite graphs)."""
    d = A.sum(axis=1)
    return A / np.sqrt(np.outer(d, d))


def _spectrum_ok(M, A):
    lam = np.linalg.eigvalsh(M)
    dmax = (A + np.eye(A.shape[0])).sum(axis=1).max()
    return lam[0] >= -1 + 2 / dmax - 1e-12 and lam[-1] <= 1 + 1e-12


@pytest.mark.claim("prop-gnn-spectrum")
def test_gcn_spectrum_lies_in_bound_and_bound_is_attained_on_complete_bipartite_graphs():
    r"""The spectrum of $\hat A$ equals that of the random-walk matrix $\tilde D^{-1}(A+I)$, lies in $[-1 + 2/\tilde d_{\max}, 1]$ with top eigenvector $\tilde D^{1/2}\mathbf{1}$, and $\lambda_{\min} = -1 + 2/\tilde d_{\max}$ exactly (tightness ratio 1 to 1e-12) on $K_{m,m}$; $A + I$ and the self-loop-free normalization violate the bound."""
    graphs = [gnn.stochastic_block_model([6, 6], p, q, generator=s)[0] for s, (p, q) in
              enumerate([(0.5, 0.1), (0.0, 0.6), (0.9, 0.9), (0.3, 0.3)])]
    graphs += [complete_bipartite(1, 4), hexagon(), lollipop()]
    for A in graphs:
        A_hat = gnn.gcn_normalize(A)
        At = A + np.eye(A.shape[0])
        rw = np.sort(np.linalg.eigvals(At / At.sum(axis=1, keepdims=True)).real)
        lam = np.linalg.eigvalsh(A_hat)
        np.testing.assert_allclose(lam, rw, atol=1e-12)
        assert _spectrum_ok(A_hat, A)
        u = np.sqrt(At.sum(axis=1))
        np.testing.assert_allclose(A_hat @ u, u, rtol=1e-13)
    for m in range(1, 7):
        A = complete_bipartite(m, m)
        lam_min = np.linalg.eigvalsh(gnn.gcn_normalize(A))[0]
        bound = -1 + 2 / (m + 1)
        assert abs(lam_min - bound) < 1e-12  # attained: the constant 2 cannot be increased
    # negative controls: the same spectral check rejects both wrong normalizations
    A = complete_bipartite(3, 3)
    assert not _spectrum_ok(_wrong_unnormalized(A), A)
    assert not _spectrum_ok(_wrong_normalized_without_self_loops(A), A)


# --------------------------------------------------------------------------- oversmoothing
def _distances(A, H, steps, *, u=None):
    """‖Â^k H − u uᵀ H‖_F for k = 0..steps, with u the unit vector along D̃^{1/2} 1 unless given."""
    A_hat = gnn.gcn_normalize(A)
    if u is None:
        u = np.sqrt((A + np.eye(A.shape[0])).sum(axis=1))
    u = u / np.linalg.norm(u)
    limit = np.outer(u, u @ H)
    X, out = H.copy(), []
    for _ in range(steps + 1):
        out.append(np.linalg.norm(X - limit))
        X = A_hat @ X
    return np.array(out)


def _measured_rate(e):
    """Geometric mean of the successive ratios over the last quarter of the sequence."""
    k = len(e) - 1
    a = 3 * k // 4
    return float((e[k] / e[a]) ** (1 / (k - a)))


def _wrong_rate_lambda2(A):
    """Mistake: predict the rate by the second largest eigenvalue λ₂, ignoring λ_min."""
    return float(np.linalg.eigvalsh(gnn.gcn_normalize(A))[-2])


def _oversmoothing_graphs():
    """An assortative SBM (λ₂ dominates) and a near-bipartite SBM (|λ_min| dominates), both connected."""
    assort, _ = gnn.stochastic_block_model([30, 30], 0.3, 0.02, generator=11)
    bip, _ = gnn.stochastic_block_model([30, 30], 0.02, 0.4, generator=12)
    return assort, bip


@pytest.mark.claim("thm-gnn-oversmoothing")
def test_oversmoothing_rate_matches_spectral_prediction_within_one_percent():
    r"""On a connected assortative and a connected near-bipartite graph, $\norm{\hat A^k H - uu^\top H} \le \rho^k\norm{H - uu^\top H}$ for all $k$ (equality for an extreme eigenvector) and the measured rate equals $\rho = \max(\abs{\lambda_2}, \abs{\lambda_{\min}})$ within 1%; predicting $\lambda_2$ misses on the near-bipartite graph by more than 10%, and the constant vector as limit decays at a different rate."""
    rng = np.random.default_rng(13)
    assort, bip = _oversmoothing_graphs()
    for A in (assort, bip):
        assert _connected(A)
        rho = gnn.oversmoothing_rate(A)
        lam = np.linalg.eigvalsh(gnn.gcn_normalize(A))
        assert rho == max(abs(lam[-2]), abs(lam[0])) and rho < 1
        steps = int(np.log(1e-7) / np.log(rho))  # stays far above rounding
        H = rng.normal(size=(A.shape[0], 4))
        e = _distances(A, H, steps)
        k = np.arange(steps + 1)
        assert np.all(e <= rho ** k * e[0] * (1 + 1e-9))
        measured = _measured_rate(e)
        assert abs(measured / rho - 1) < 0.01
        # the bound is attained for an eigenvector of the extreme eigenvalue
        vals, vecs = np.linalg.eigh(gnn.gcn_normalize(A))
        v = vecs[:, np.argmax(np.where(np.arange(len(vals)) == len(vals) - 1, -1, np.abs(vals)))]
        ev = _distances(A, v[:, None], 20)
        np.testing.assert_allclose(ev / (rho ** np.arange(21) * ev[0]), 1.0, rtol=1e-9)
    # negative controls
    lam_b = np.linalg.eigvalsh(gnn.gcn_normalize(bip))
    assert abs(lam_b[0]) > lam_b[-2]  # λ_min dominates on this graph
    rho_b = gnn.oversmoothing_rate(bip)
    measured_b = _measured_rate(_distances(bip, rng.normal(size=(60, 4)), int(np.log(1e-7) / np.log(rho_b))))
    assert abs(measured_b / _wrong_rate_lambda2(bip) - 1) > 0.1
    rho_a = gnn.oversmoothing_rate(assort)
    e_wrong = _distances(assort, rng.normal(size=(60, 4)), int(np.log(1e-7) / np.log(rho_a)), u=np.ones(60))
    assert abs(_measured_rate(e_wrong) / rho_a - 1) > 0.01 and e_wrong[-1] / e_wrong[0] > 1e-3


# --------------------------------------------------------------------------- Weisfeiler–Leman
def _wl_union_reference(graphs, rounds, *, multiset=True):
    """1-WL on the disjoint union with integer relabelling; returns per round a tuple of sorted colour lists."""
    sizes = [A.shape[0] for A in graphs]
    N = sum(sizes)
    U = np.zeros((N, N))
    o = 0
    for A in graphs:
        U[o:o + A.shape[0], o:o + A.shape[0]] = A
        o += A.shape[0]
    nbrs = [[j for j in range(N) if U[i, j] != 0 and j != i] for i in range(N)]
    col = [0] * N
    out = []
    for t in range(rounds + 1):
        parts, o = [], 0
        for s in sizes:
            parts.append(sorted(col[o:o + s]))
            o += s
        out.append(parts)
        sig = [(col[i], tuple(sorted(col[j] for j in nbrs[i])) if multiset
                else tuple(sorted({col[j] for j in nbrs[i]}))) for i in range(N)]
        table = {s: c for c, s in enumerate(sorted(set(sig)))}
        col = [table[s] for s in sig]
    return out


def _wrong_wl_sets(graphs, rounds):
    """Mistake: refine by the SET of neighbour colours instead of the multiset."""
    return _wl_union_reference(graphs, rounds, multiset=False)


def _same_each_round(hists_a, hists_b):
    return [a == b for a, b in zip(hists_a, hists_b)]


@pytest.mark.claim("thm-gnn-wl", "cor-gnn-triangles")
def test_wl_and_random_mpnns_cannot_separate_two_triangles_from_a_hexagon():
    """1-WL histograms agree at every round on two triangles vs a hexagon and differ from round 1 on a hexagon vs a lollipop (as the union refinement written here says); 20 random sum-MPNNs with constant features give equal outputs (to 1e-12) on the first pair and different ones (by more than 1e-3) on the second; networks using node indices and set-based WL are rejected."""
    rounds = 4
    pair_eq, pair_sep = (two_triangles(), hexagon()), (hexagon(), lollipop())
    h_eq = [gnn.wl_colors(A, rounds) for A in pair_eq]
    h_sep = [gnn.wl_colors(A, rounds) for A in pair_sep]
    assert all(_same_each_round(*h_eq))
    assert _same_each_round(*h_sep) == [True] + [False] * rounds
    ref_eq, ref_sep = _wl_union_reference(pair_eq, rounds), _wl_union_reference(pair_sep, rounds)
    assert [a == b for a, b in ref_eq] == _same_each_round(*h_eq)
    assert [a == b for a, b in ref_sep] == _same_each_round(*h_sep)
    # negative control: WL with sets of colours cannot separate the lollipop from the hexagon
    assert all(a == b for a, b in _wrong_wl_sets(pair_sep, rounds))
    ones = np.ones((6, 1))
    for seed in range(20):
        mpnn = RandomMPNN(1, 6, 3, "sum", seed=seed)
        ya, yb = (mpnn.graph(A, ones) for A in pair_eq)
        assert np.linalg.norm(ya - yb) <= 1e-12 * np.linalg.norm(ya)
        za, zb = (mpnn.graph(A, ones) for A in pair_sep)
        assert np.linalg.norm(za - zb) > 1e-3 * np.linalg.norm(za)
        # negative control: node indices break the hypothesis and the outputs differ
        wa, wb = (_wrong_mpnn_uses_index(mpnn, A, ones).sum(axis=0) for A in pair_eq)
        assert np.linalg.norm(wa - wb) > 1e-6 * np.linalg.norm(wa)  # far outside the 1e-12 of the check


@pytest.mark.claim("prop-gnn-mean")
def test_mean_and_max_aggregation_cannot_separate_what_sum_separates():
    """With constant features on graphs without isolated nodes, every node feature of mean- and max-aggregation MPNNs is the same at every layer, so their outputs on the hexagon and the lollipop agree to rounding (1e-14), while sum-aggregation outputs differ by more than 1e-3 (relative) for each of 20 random networks, and one sum layer with message 1 computes the degrees."""
    ones = np.ones((6, 1))
    for seed in range(20):
        for aggregate in ("mean", "max"):
            mpnn = RandomMPNN(1, 6, 3, aggregate, seed=seed)
            Ha, Hb = mpnn.nodes(hexagon(), ones), mpnn.nodes(lollipop(), ones)
            np.testing.assert_allclose(Ha, np.repeat(Ha[:1], 6, axis=0), rtol=1e-14, atol=1e-15)
            np.testing.assert_allclose(Ha, Hb, rtol=1e-14, atol=1e-15)  # the mean of equal numbers, up to rounding
        s = RandomMPNN(1, 6, 3, "sum", seed=seed)
        za, zb = s.graph(hexagon(), ones), s.graph(lollipop(), ones)
        assert np.linalg.norm(za - zb) > 1e-3 * np.linalg.norm(za)
        # one sum layer with message 1 computes the degrees
        for A in (hexagon(), lollipop()):
            deg = gnn.message_passing(A, ones, lambda hi, hj, a: np.ones(1), "sum")[:, 0]
            np.testing.assert_array_equal(deg, [sum(1 for j in range(6) if A[i, j]) for i in range(6)])
        # sum aggregation does not keep node features constant (the mean property is not automatic)
        assert np.ptp(s.nodes(lollipop(), ones)) > 1e-3


@pytest.mark.claim("def-gnn-wl")
def test_wl_histograms_agree_with_union_refinement_on_random_pairs():
    """On 40 pairs of random graphs (equal size and edge count, many with equal degree sequences), `wl_colors` declares the histograms of each round equal exactly when the disjoint-union refinement written here does; refinement by sets of colours disagrees on some pairs."""
    rng = np.random.default_rng(30)
    agree_set, disagree_sets = 0, 0
    for t in range(40):
        n = 7
        A = gnn.stochastic_block_model([n], 0.4, 0.0, generator=100 + t)[0]
        perm = rng.permutation(n)
        # a second graph with the same number of edges: rewire one random edge of a relabelled copy
        B = gnn.permute_graph(A, None, perm)[0]
        edges = np.argwhere(np.triu(B, 1))
        non = np.argwhere(np.triu(1 - B - np.eye(n), 1) > 0)
        if t % 2 and len(edges) and len(non):
            (a, b), (c, d) = edges[rng.integers(len(edges))], non[rng.integers(len(non))]
            B[a, b] = B[b, a] = 0.0
            B[c, d] = B[d, c] = 1.0
        ours = _same_each_round(gnn.wl_colors(A, 3), gnn.wl_colors(B, 3))
        ref = [x == y for x, y in _wl_union_reference((A, B), 3)]
        assert ours == ref
        agree_set += ours == [True] * 4
        disagree_sets += [x == y for x, y in _wrong_wl_sets((A, B), 3)] != ref
    assert 20 <= agree_set < 40 and disagree_sets >= 1  # both verdicts occur, and the set variant is caught


def test_wl_colors_are_invariant_under_relabelling():
    """1-WL histograms of a graph and of its relabelled copy are equal for 10 random permutations."""
    rng = np.random.default_rng(21)
    A, _ = gnn.stochastic_block_model([5, 7], 0.5, 0.2, generator=22)
    h = gnn.wl_colors(A, 3)
    for _ in range(10):
        assert gnn.wl_colors(gnn.permute_graph(A, None, rng.permutation(12))[0], 3) == h


# --------------------------------------------------------------------------- stochastic block model
def _wrong_sbm_two_draws(sizes, p_in, p_out, seed):
    """Mistake: draw (i, j) and (j, i) independently and symmetrize with OR (density ≈ 2p)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    prob = np.where(labels[:, None] == labels[None, :], p_in, p_out)
    B = rng.random(prob.shape) < prob
    A = (B | B.T).astype(float)
    np.fill_diagonal(A, 0)
    return A, labels


def test_sbm_edge_frequencies_match_probabilities_within_four_standard_errors():
    """The within- and between-block edge frequencies of the SBM match p_in and p_out within 4 standard errors over 40 independent graphs; the graph is symmetric 0/1 with zero diagonal; drawing both directions is rejected."""
    sizes, p_in, p_out = [8, 12], 0.3, 0.05

    def freqs(sample):
        fin, fout = [], []
        for s in range(40):
            A, y = sample(s)
            same = (y[:, None] == y[None, :]) & ~np.eye(len(y), dtype=bool)
            fin.append(A[same].mean())
            fout.append(A[y[:, None] != y[None, :]].mean())
        return [(np.mean(f), np.std(f, ddof=1) / np.sqrt(len(f))) for f in (fin, fout)]

    (mi, si), (mo, so) = freqs(lambda s: gnn.stochastic_block_model(sizes, p_in, p_out, generator=s))
    assert abs(mi - p_in) < 4 * si and abs(mo - p_out) < 4 * so
    A, y = gnn.stochastic_block_model(sizes, p_in, p_out, generator=0)
    assert np.array_equal(A, A.T) and np.all(np.diag(A) == 0) and set(np.unique(A)) <= {0.0, 1.0}
    np.testing.assert_array_equal(y, [0] * 8 + [1] * 12)
    (wi, swi), _ = freqs(lambda s: _wrong_sbm_two_draws(sizes, p_in, p_out, s))
    assert abs(wi - p_in) > 4 * swi


# --------------------------------------------------------------------------- bad input
def test_bad_adjacency_permutation_and_probability_raise_naming_the_argument():
    """Non-square or non-symmetric adjacencies, negative weights, wrong feature shapes, a non-permutation, a negative probability and an unknown aggregation raise ValueError/TypeError naming the argument."""
    A = hexagon()
    H = np.ones((6, 2))
    cases = [
        (lambda: gnn.gcn_normalize(np.ones((2, 3))), ValueError, "A"),
        (lambda: gnn.gcn_normalize(np.triu(np.ones((3, 3)), 1)), ValueError, "A"),
        (lambda: gnn.gcn_normalize(-A), ValueError, "A"),
        (lambda: gnn.gcn_normalize("graph"), TypeError, "A"),
        (lambda: gnn.wl_colors(np.triu(np.ones((3, 3)), 1), 2), ValueError, "A"),
        (lambda: gnn.wl_colors(np.ones((2, 3)), 2), ValueError, "A"),
        (lambda: gnn.wl_colors(A, -1), ValueError, "rounds"),
        (lambda: gnn.gcn_layer(A, np.ones((5, 2)), np.ones((2, 2))), ValueError, "H"),
        (lambda: gnn.gcn_layer(A, H, np.ones((3, 2))), ValueError, "W"),
        (lambda: gnn.message_passing(np.ones((2, 3)), H, lambda a, b, c: b, "sum"), ValueError, "A"),
        (lambda: gnn.message_passing(A, H, 3, "sum"), TypeError, "message"),
        (lambda: gnn.message_passing(A, H, lambda a, b, c: b, "median"), ValueError, "aggregate"),
        (lambda: gnn.message_passing(A, H, lambda a, b, c: b, 7), TypeError, "aggregate"),
        (lambda: gnn.permute_graph(A, H, [0, 1, 2, 3, 4, 4]), ValueError, "perm"),
        (lambda: gnn.permute_graph(A, H, [0, 1, 2]), ValueError, "perm"),
        (lambda: gnn.permute_graph(A, H, [0.0, 1, 2, 3, 4, 5]), TypeError, "perm"),
        (lambda: gnn.permute_graph(np.ones((2, 3)), None, [0, 1]), ValueError, "A"),
        (lambda: gnn.stochastic_block_model([3, 3], -0.1, 0.2, generator=0), ValueError, "p_in"),
        (lambda: gnn.stochastic_block_model([3, 3], 0.5, 1.5, generator=0), ValueError, "p_out"),
        (lambda: gnn.stochastic_block_model([3, 0], 0.5, 0.5, generator=0), ValueError, "sizes"),
        (lambda: gnn.stochastic_block_model(5, 0.5, 0.5, generator=0), TypeError, "sizes"),
        (lambda: gnn.stochastic_block_model([3], 0.5, 0.5, generator=-1), ValueError, "generator"),
        (lambda: gnn.oversmoothing_rate(np.zeros((1, 1))), ValueError, "A"),
    ]
    for call, err, name in cases:
        with pytest.raises(err, match=rf"\b{name}\b"):
            call()


def test_message_passing_callable_aggregate_isolated_nodes_and_self_loops():
    """A callable aggregation equals the named one, an isolated node receives the zero vector, and a non-zero diagonal entry makes a node its own neighbour."""
    A = _graph(4, [(0, 1), (1, 2)])  # node 3 isolated
    H = np.arange(8.0).reshape(4, 2)
    msg = lambda hi, hj, a: 2 * hj  # noqa: E731
    named = gnn.message_passing(A, H, msg, "sum")
    np.testing.assert_array_equal(named, gnn.message_passing(A, H, msg, lambda m: m.sum(axis=0)))
    np.testing.assert_array_equal(named, 2 * A @ H)  # the sum of neighbours' features, by matrix product
    np.testing.assert_array_equal(named[3], [0.0, 0.0])
    looped = gnn.message_passing(A + np.eye(4), H, msg, "sum")
    np.testing.assert_array_equal(looped, 2 * (A + np.eye(4)) @ H)
    np.testing.assert_array_equal(gnn.message_passing(A, H, msg, "max")[1], 2 * np.maximum(H[0], H[2]))
