"""Tests of nnmath.groups: the statements of the chapter *Groups, representations, homogeneous spaces and Lie groups*.

References that do not share the formula under test: matrices and characters of the irreducible
representations built here from the images of the generators r and s, conjugacy classes by brute force
over matrices, the quaternion product (the double cover SU(2) -> SO(3)), scipy's matrix exponential and
logarithm, scipy's adaptive quadrature, Haar rotations drawn here from normalised Gaussian quaternions,
commutants computed as null spaces, and slopes fitted per independent seed. Every claim test keeps a
negative control, a plausible wrong variant named for its mistake, and asserts that the same check
rejects it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad
from scipy.linalg import expm, logm

from nnmath import groups

FINITE = [groups.CyclicGroup(n) for n in (1, 2, 5, 6)] + [groups.DihedralGroup(n) for n in (1, 2, 3, 5, 6)]
DIHEDRAL = [g for g in FINITE if isinstance(g, groups.DihedralGroup)]


# ----------------------------------------------------------------------------- independent references

def _rot(theta):
    return np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])


def _generator_images(group):
    """The images of the generators r (rotation) and s (reflection) of every irreducible rep, built here.

    Returns a list of (A, B) pairs, in the order of the character table; for C_n, B is None.
    """
    n = group.n
    if isinstance(group, groups.CyclicGroup):
        return [(np.array([[np.exp(2j * np.pi * j / n)]]), None) for j in range(n)]
    one = lambda a, b: (np.array([[complex(a)]]), np.array([[complex(b)]]))  # noqa: E731
    images = [one(1, 1), one(1, -1)] + ([one(-1, 1), one(-1, -1)] if n % 2 == 0 else [])
    for j in range(1, (n - 1) // 2 + 1):
        images.append((_rot(2 * np.pi * j / n).astype(complex), np.diag([1.0, -1.0]).astype(complex)))
    return images


def _from_generators(group, A, B, g):
    """rho(g) = A^k (for C_n, g = k) or A^k B^s (for D_n, g = (k, s)), as a product of generator images."""
    if isinstance(group, groups.CyclicGroup):
        return np.linalg.matrix_power(A, g)
    k, s = g
    return np.linalg.matrix_power(A, k) @ np.linalg.matrix_power(B, s)


def _brute_force_classes(group):
    """Conjugacy classes from the faithful matrices: h g h^-1 found by matching matrices, not by compose."""
    els = group.elements()
    mats = {g: group.matrix(g) for g in els}

    def element_of(M):
        return next(g for g in els if np.allclose(mats[g], M, atol=1e-9))

    classes, seen = [], set()
    for g in els:
        if g in seen:
            continue
        cls = {element_of(mats[h] @ mats[g] @ np.linalg.inv(mats[h])) for h in els}
        seen |= cls
        classes.append(cls)
    return classes


def _quat_to_rot(q):
    """Rotation matrices of unit quaternions q = (w, x, y, z), shape (..., 4) -> (..., 3, 3)."""
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def _quat_mul(p, q):
    w1, x1, y1, z1 = p
    w2, x2, y2, z2 = q
    return np.array([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                     w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])


def _haar_quaternions(k, seed):
    """Haar rotations from normalised Gaussian quaternions (uniform on S^3, pushed to SO(3))."""
    q = np.random.default_rng(seed).standard_normal((k, 4))
    return _quat_to_rot(q / np.linalg.norm(q, axis=1, keepdims=True))


def _angles(Rs):
    return np.arccos(np.clip((np.trace(Rs, axis1=-2, axis2=-1) - 1) / 2, -1, 1))


def _commutant_dim(mats_left, mats_right=None):
    """dim {A : rho(g) A = A sigma(g) for all g}, as the null space of the stacked linear system."""
    mats_right = mats_left if mats_right is None else mats_right
    d1, d2 = mats_left[0].shape[0], mats_right[0].shape[0]
    rows = [np.kron(P, np.eye(d2)) - np.kron(np.eye(d1), Q.T) for P, Q in zip(mats_left, mats_right)]
    M = np.vstack(rows)
    return M.shape[1] - np.linalg.matrix_rank(M, tol=1e-9 * max(1.0, np.abs(M).max()))


# ----------------------------------------------------------------------------- wrong variants (negative controls)

def _wrong_cyclic_compose_subtracts(group, g, h):
    """Composition as (g - h) mod n: closed, has an 'identity' on one side, but is not associative."""
    return (g - h) % group.n


def _wrong_dihedral_compose_untwisted(group, g, h):
    """r^a s^b r^c s^d = r^(a+c) s^(b+d): forgets s r s = r^-1 (the direct product C_n x C_2)."""
    return ((g[0] + h[0]) % group.n, (g[1] + h[1]) % 2)


def _wrong_act_transposed(group, g, x):
    """x -> rho(g)^T x: a right action used as a left action."""
    return np.asarray(x) @ group.matrix(g)


def _wrong_E_character_on_reflections(group):
    """The rotation formula 2 cos(2 pi j k / n) also used on the reflections r^k s."""
    T = groups.character_table(group)
    chars = T.chars.copy()
    for i, name in enumerate(T.names):
        if name.startswith("E"):
            j = int(name[1:])
            chars[i] = [2 * math.cos(2 * math.pi * j * cls[0][0] / group.n) for cls in T.classes]
    return chars


def _wrong_even_table_without_B(group):
    """The odd-n table used for even n: the irreducible B1 and B2 left out."""
    T = groups.character_table(group)
    keep = [i for i, name in enumerate(T.names) if not name.startswith("B")]
    return T.dims[keep]


def _wrong_nonunitary_E1(group):
    """E1 conjugated by diag(1, 2): still irreducible, but not unitary."""
    P = np.diag([1.0, 2.0])
    rho = groups.irreducible_representations(group)[-1]
    return lambda g: P @ rho(g) @ np.linalg.inv(P)


def _wrong_right_regular(group):
    """e_h -> e_(hg): right multiplication, an anti-homomorphism for a non-abelian group."""
    els = group.elements()
    index = {g: i for i, g in enumerate(els)}
    N = len(els)
    L = np.zeros((N, N, N))
    for i, g in enumerate(els):
        for j, h in enumerate(els):
            L[i, index[group.compose(h, g)], j] = 1.0
    return L


def _wrong_rodrigues_unsquared(omega):
    """Rodrigues with (1 - cos t)/t instead of (1 - cos t)/t^2 in front of hat(omega)^2."""
    t = np.linalg.norm(omega)
    K = groups.hat(omega)
    return np.eye(3) + math.sin(t) / t * K + (1 - math.cos(t)) / t * K @ K


def _wrong_bch_minus_commutator(X, Y):
    """The second-order BCH with the wrong sign of the commutator, X + Y - [X, Y]/2."""
    return X + Y - 0.5 * (X @ Y - Y @ X)


def _wrong_euler_uniform(k, seed):
    """Euler angles z-y-z each uniform (beta uniform on [0, pi]): not the Haar measure."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.uniform(0, 2 * np.pi, k), rng.uniform(0, np.pi, k), rng.uniform(0, 2 * np.pi, k)

    def rz(t):
        z, o = np.zeros_like(t), np.ones_like(t)
        return np.stack([np.stack([np.cos(t), -np.sin(t), z], -1), np.stack([np.sin(t), np.cos(t), z], -1),
                         np.stack([z, z, o], -1)], -2)

    def ry(t):
        z, o = np.zeros_like(t), np.ones_like(t)
        return np.stack([np.stack([np.cos(t), z, np.sin(t)], -1), np.stack([z, o, z], -1),
                         np.stack([-np.sin(t), z, np.cos(t)], -1)], -2)

    return rz(a) @ ry(b) @ rz(c)


def _wrong_uniform_angle(k, seed):
    """A uniform axis and a rotation angle uniform on [0, pi]: misses the density (1 - cos t)/pi."""
    rng = np.random.default_rng(seed)
    axis = rng.standard_normal((k, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    theta = rng.uniform(0, np.pi, k)
    return np.stack([groups.so3_exp(t * n) for t, n in zip(theta, axis)])


def _wrong_weyl_density_flat(theta):
    """The Weyl density without the sin^2(theta/2) factor: d theta / pi."""
    return np.ones_like(theta) / np.pi


def _weyl_density(theta):
    return 2.0 / np.pi * np.sin(theta / 2) ** 2


# ----------------------------------------------------------------------------- checks

def _axioms_hold(els, compose, inverse, identity):
    ok = all(compose(compose(a, b), c) == compose(a, compose(b, c)) for a in els for b in els for c in els)
    ok &= all(compose(identity, g) == g and compose(g, identity) == g for g in els)
    ok &= all(compose(g, inverse(g)) == identity and compose(inverse(g), g) == identity for g in els)
    ok &= all(compose(a, b) in els for a in els for b in els)
    return ok


def _homomorphism_error(els, compose, matrix):
    return max(np.abs(matrix(compose(g, h)) - matrix(g) @ matrix(h)).max() for g in els for h in els)


def _action_error(els, compose, act, x):
    return max(np.abs(act(compose(g, h), x) - act(g, act(h, x))).max() for g in els for h in els)


def _within_se(values, target, k=4.0):
    """Replicate means within k standard errors (computed from the independent replicates) of target."""
    values = np.asarray(values)
    se = values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
    return bool(np.all(np.abs(values.mean(axis=0) - target) <= k * se + 1e-15)), se


# ----------------------------------------------------------------------------- groups and actions

@pytest.mark.claim("grp-def-group")
def test_cyclic_and_dihedral_groups_satisfy_the_axioms():
    r"""$C_n$ and $D_n$ are closed, associative, with identity and inverses, and $D_n$ is non-abelian for $n \ge 3$."""
    for G in FINITE:
        assert _axioms_hold(G.elements(), G.compose, G.inverse, G.identity), G
        assert len(set(G.elements())) == G.order
    D = groups.DihedralGroup(5)
    assert D.compose((1, 0), (0, 1)) != D.compose((0, 1), (1, 0))
    C = groups.CyclicGroup(5)
    assert not _axioms_hold(C.elements(), lambda g, h: _wrong_cyclic_compose_subtracts(C, g, h), C.inverse, 0)


@pytest.mark.claim("grp-def-representation")
def test_faithful_matrices_are_homomorphisms_to_machine_precision():
    r"""$M(gh) = M(g)M(h)$, $M(e) = I$ and $M(g^{-1}) = M(g)^{-1}$ for the faithful matrices $M$ (`matrix`) to 1e-13 for $C_n$, $D_n$, $\mathrm{SO}(2)$, $\mathrm{SO}(3)$."""
    for G in FINITE:
        els = G.elements()
        assert _homomorphism_error(els, G.compose, G.matrix) < 1e-13
        assert np.allclose(G.matrix(G.identity), np.eye(2), atol=1e-15)
        assert all(np.abs(G.matrix(G.inverse(g)) @ G.matrix(g) - np.eye(2)).max() < 1e-13 for g in els)
        # faithful: distinct elements have distinct matrices
        mats = np.array([G.matrix(g) for g in els]).reshape(len(els), -1)
        assert len({tuple(np.round(m, 9)) for m in mats}) == G.order
    # SO(2): against cos/sin of the summed angle
    S = groups.SO2()
    angles = S.sample(20, generator=1)
    for a in angles[:10]:
        for b in angles[10:]:
            assert np.abs(S.matrix(S.compose(a, b)) - _rot(a + b)).max() < 1e-13
            assert np.abs(S.matrix(S.compose(a, b)) - S.matrix(a) @ S.matrix(b)).max() < 1e-13
    # SO(3): the quaternion product, pushed to rotations, against compose
    T = groups.SO3()
    rng = np.random.default_rng(2)
    for _ in range(20):
        p, q = rng.standard_normal(4), rng.standard_normal(4)
        p, q = p / np.linalg.norm(p), q / np.linalg.norm(q)
        Rp, Rq = _quat_to_rot(p), _quat_to_rot(q)
        assert np.abs(T.matrix(T.compose(Rp, Rq)) - _quat_to_rot(_quat_mul(p, q))).max() < 1e-13
        assert np.abs(T.compose(T.inverse(Rp), Rp) - np.eye(3)).max() < 1e-13
    # negative control: the untwisted dihedral product is not represented by the dihedral matrices
    D = groups.DihedralGroup(5)
    assert _homomorphism_error(D.elements(), lambda g, h: _wrong_dihedral_compose_untwisted(D, g, h), D.matrix) > 0.5


@pytest.mark.claim("grp-def-group-action")
def test_act_is_a_left_action():
    r"""`act` is a left action, $(gh)\cdot x = g\cdot(h\cdot x)$ and $e\cdot x = x$ to 1e-13 for $C_n$, $D_n$, $\mathrm{SO}(2)$ and $\mathrm{SO}(3)$; $x \mapsto \rho(g)^\top x$ fails."""
    x2 = np.array([[0.3, -1.2], [2.0, 0.5]])
    for G in FINITE:
        assert _action_error(G.elements(), G.compose, G.act, x2) < 1e-13
        assert np.abs(G.act(G.identity, x2) - x2).max() == 0
    S = groups.SO2()
    a = list(S.sample(6, generator=3))
    assert _action_error(a, S.compose, S.act, x2) < 1e-13
    T = groups.SO3()
    Rs = list(T.sample(6, generator=4))
    x3 = np.array([[1.0, -2.0, 0.5], [0.0, 0.3, 0.7]])
    assert _action_error(Rs, T.compose, T.act, x3) < 1e-13
    # negative control: the transposed (right) action is not a left action of a non-abelian group
    D = groups.DihedralGroup(5)
    assert _action_error(D.elements(), D.compose, lambda g, x: _wrong_act_transposed(D, g, x), x2) > 0.1
    assert _action_error(Rs, T.compose, lambda g, x: np.asarray(x) @ g, x3) > 0.1


def _orbit_and_stabilizer(G, x):
    images = [G.act(g, x) for g in G.elements()]
    orbit = {tuple(np.round(y, 9) + 0.0) for y in images}
    stab = [g for g, y in zip(G.elements(), images) if np.allclose(y, x, atol=1e-12)]
    return orbit, stab


@pytest.mark.claim("grp-thm-orbit-stabilizer")
def test_orbit_stabilizer_for_the_dihedral_group_on_the_plane():
    r"""$\abs{Gx}\,\abs{G_x} = \abs{G}$ for $D_n$ on a vertex, an edge midpoint, a generic point and the origin, with the stabilizer sizes 2, 2, 1, $2n$."""
    for n in (3, 4, 5, 6):
        G = groups.DihedralGroup(n)
        vertex = np.array([1.0, 0.0])
        midpoint = (vertex + _rot(2 * np.pi / n) @ vertex) / 2
        points = {"vertex": (vertex, 2), "midpoint": (midpoint, 2), "generic": (np.array([0.7, 0.2]), 1),
                  "origin": (np.zeros(2), 2 * n)}
        for name, (x, stab_size) in points.items():
            orbit, stab = _orbit_and_stabilizer(G, x)
            assert len(stab) == stab_size, (n, name)
            assert len(orbit) * len(stab) == G.order, (n, name)
            # negative control: "the orbit has |G| points" fails wherever the stabilizer is non-trivial
            assert (len(orbit) == G.order) == (stab_size == 1)


def _rotation_taking_e3_to(p):
    e3 = np.array([0.0, 0.0, 1.0])
    axis = np.cross(e3, p)
    s = np.linalg.norm(axis)
    return groups.so3_exp(math.atan2(s, p[2]) * axis / s)


@pytest.mark.claim("grp-def-homogeneous-space")
def test_rotations_act_transitively_on_the_sphere_with_stabilizer_so2():
    r"""$\mathrm{SO}(3)$ acts transitively on $S^2$ (a rotation takes $e_3$ to any point, to 1e-13) and the stabilizer of $e_3$ is the rotations about the $z$-axis, a copy of $\mathrm{SO}(2)$."""
    rng = np.random.default_rng(5)
    e3 = np.array([0.0, 0.0, 1.0])
    T, S = groups.SO3(), groups.SO2()
    for _ in range(50):
        p = rng.standard_normal(3)
        p /= np.linalg.norm(p)
        R = _rotation_taking_e3_to(p)
        assert np.abs(T.act(R, e3) - p).max() < 1e-13
        # the coset R H: every R h with h in the stabilizer also takes e3 to p
        for a in S.sample(3, generator=rng):
            h = np.eye(3)
            h[:2, :2] = S.matrix(a)
            assert np.abs(T.act(T.compose(R, h), e3) - p).max() < 1e-13
    # the stabilizer: rotations fixing e3 have the block form [[SO(2), 0], [0, 1]]
    for R in T.sample(200, generator=6):
        if np.abs(R @ e3 - e3).max() < 1e-12:
            assert np.abs(R[:2, :2].T @ R[:2, :2] - np.eye(2)).max() < 1e-12
    Rz = groups.so3_exp(np.array([0.0, 0.0, 0.8]))
    assert np.abs(Rz @ e3 - e3).max() < 1e-15 and np.abs(Rz[:2, :2] - S.matrix(0.8)).max() < 1e-15
    # negative control: a rotation about the x-axis does not fix e3
    Rx = groups.so3_exp(np.array([0.8, 0.0, 0.0]))
    assert np.abs(Rx @ e3 - e3).max() > 0.1


@pytest.mark.claim("grp-prop-sphere")
def test_haar_pushforward_to_the_sphere_is_uniform():
    r"""$Re_3$ for Haar $R$ (ours and quaternion samples) has mean 0 and $\E[z^2] = 1/3$ within 4 s.e. over 10 replicates, and $z$ passes a uniformity KS test; uniform Euler angles fail."""
    e3 = np.array([0.0, 0.0, 1.0])

    def stats_of(sampler):
        reps = []
        for seed in range(10):
            p = sampler(2000, seed) @ e3
            reps.append(np.r_[p.mean(axis=0), (p[:, 2] ** 2).mean()])
        return np.array(reps)

    target = np.r_[0.0, 0.0, 0.0, 1 / 3]
    for sampler in (lambda k, s: groups.SO3().sample(k, generator=100 + s), _haar_quaternions):
        ok, _ = _within_se(stats_of(sampler), target)
        assert ok
        z = (sampler(20000, 99) @ e3)[:, 2]
        assert stats.kstest(z, stats.uniform(-1, 2).cdf).pvalue > 1e-3
    ok, _ = _within_se(stats_of(_wrong_euler_uniform), target)
    assert not ok


# ----------------------------------------------------------------------------- representations and characters

@pytest.mark.claim("grp-thm-character-orthogonality")
def test_character_tables_are_orthonormal_and_match_traces():
    r"""For $C_n$ and $D_n$ the tabulated characters equal the traces of irreducible matrices built from $r$ and $s$, the classes equal brute-force classes, rows are orthonormal, columns orthogonal with norm $\abs{G}/\abs{C}$, and $\sum_i d_i^2 = \abs{G}$."""
    for G in FINITE:
        T = groups.character_table(G)
        brute = _brute_force_classes(G)
        assert sorted(map(sorted, brute)) == sorted(map(sorted, T.classes))
        assert len(T.names) == len(brute)
        images = _generator_images(G)
        assert len(images) == len(T.names)
        for i, (A, B) in enumerate(images):
            for j, cls in enumerate(T.classes):
                for g in cls:
                    assert abs(np.trace(_from_generators(G, A, B, g)) - T.chars[i, j]) < 1e-12
        sizes = np.array([len(c) for c in T.classes])
        rows = (T.chars * sizes) @ T.chars.conj().T / G.order
        assert np.abs(rows - np.eye(len(T.names))).max() < 1e-12
        cols = T.chars.conj().T @ T.chars
        assert np.abs(cols - np.diag(G.order / sizes)).max() < 1e-12
        assert int((T.dims ** 2).sum()) == G.order
    # negative controls
    for G in DIHEDRAL:
        if G.n >= 3:
            T = groups.character_table(G)
            wrong = _wrong_E_character_on_reflections(G)
            rows = (wrong * T.sizes) @ wrong.conj().T / G.order
            assert np.abs(rows - np.eye(len(T.names))).max() > 0.1
        if G.n % 2 == 0:
            assert int((_wrong_even_table_without_B(G) ** 2).sum()) != G.order


@pytest.mark.claim("grp-def-character")
def test_characters_are_class_functions_with_value_dim_at_identity():
    r"""The trace of every irreducible matrix of $C_n$ and $D_n$ is constant on brute-force conjugacy classes and equals the dimension at e; a matrix entry instead of the trace is not a class function."""
    for G in FINITE:
        for rho in groups.irreducible_representations(G):
            for cls in _brute_force_classes(G):
                vals = [np.trace(rho(g)) for g in cls]
                assert max(abs(v - vals[0]) for v in vals) < 1e-12
            assert np.trace(rho(G.identity)) == rho(G.identity).shape[0]
    G = groups.DihedralGroup(5)
    E1 = groups.irreducible_representations(G)[2]
    spread = max(max(abs(E1(g)[0, 0] - E1(sorted(cls)[0])[0, 0]) for g in cls) for cls in _brute_force_classes(G))
    assert spread > 0.1


@pytest.mark.claim("grp-prop-unitary")
def test_averaged_inner_product_makes_a_representation_unitary_and_complements_invariant():
    r"""For a non-unitary conjugate $S(\mathrm{triv} \oplus E_1)S^{-1}$ of a representation of $D_5$, $M = \operatorname{mean}_g \rho(g)^* \rho(g)$ gives the unitary $M^{1/2} \rho M^{-1/2}$ (1e-12) and the M-orthogonal complement of the invariant line is invariant; the Euclidean complement is not."""
    G = groups.DihedralGroup(5)
    E1 = groups.irreducible_representations(G)[2]
    S = np.array([[1.0, 0.7, -0.3], [0.2, 1.5, 0.4], [0.0, -0.6, 0.9]])
    Si = np.linalg.inv(S)

    def rho(g):
        B = np.zeros((3, 3), dtype=complex)
        B[0, 0] = 1.0
        B[1:, 1:] = E1(g)
        return S @ B @ Si

    mats = [rho(g) for g in G.elements()]
    assert max(np.abs(P.conj().T @ P - np.eye(3)).max() for P in mats) > 0.1          # not unitary as given
    M = sum(P.conj().T @ P for P in mats) / G.order
    w, V = np.linalg.eigh(M)
    Mh, Mih = V @ np.diag(np.sqrt(w)) @ V.conj().T, V @ np.diag(1 / np.sqrt(w)) @ V.conj().T
    assert max(np.abs((Mh @ P @ Mih).conj().T @ (Mh @ P @ Mih) - np.eye(3)).max() for P in mats) < 1e-12
    u = S[:, 0]                                                # spans the invariant (trivial) line
    assert max(np.abs(P @ u - u).max() for P in mats) < 1e-12

    def invariant(basis):
        Pr = basis @ np.linalg.pinv(basis)                     # projector onto the span
        return max(np.abs((np.eye(3) - Pr) @ P @ basis).max() for P in mats) < 1e-10

    complement_M = _null_space_of(u.conj() @ M)                 # {w : <u, w>_M = 0}
    complement_euclid = _null_space_of(u.conj()[None, :] @ np.eye(3))
    assert invariant(complement_M)
    assert not invariant(complement_euclid)


def _null_space_of(row):
    """Orthonormal basis (columns) of the null space of a 1 x n matrix, by SVD."""
    row = np.atleast_2d(row)
    _, _, Vh = np.linalg.svd(row)
    return Vh[1:].conj().T


@pytest.mark.claim("grp-thm-schur-orthogonality")
def test_schur_orthogonality_of_matrix_coefficients():
    r"""$\frac{d_i}{\abs{G}}\sum_g \rho_i(g)_{ab}\,\overline{\rho_j(g)_{cd}} = \delta_{ij}\delta_{ac}\delta_{bd}$ to 1e-12 for the unitary irreducible representations of $C_n$ and $D_n$, which agree with matrices built from the generators; a non-unitary conjugate fails."""
    def gram(G, reps):
        cols = []
        for rho in reps:
            M = np.array([rho(g) for g in G.elements()])          # (|G|, d, d)
            d = M.shape[1]
            cols.append(M.reshape(len(M), d * d) * math.sqrt(d))
        F = np.hstack(cols)
        return F.T @ F.conj() / G.order

    for G in FINITE:
        reps = groups.irreducible_representations(G)
        for rho, (A, B) in zip(reps, _generator_images(G)):
            assert max(np.abs(rho(g) - _from_generators(G, A, B, g)).max() for g in G.elements()) < 1e-12
        Q = gram(G, reps)
        assert np.abs(Q - np.eye(len(Q))).max() < 1e-12
        assert len(Q) == G.order    # sum of d_i^2 matrix coefficients
    G = groups.DihedralGroup(5)
    reps = groups.irreducible_representations(G)
    Q = gram(G, reps[:-1] + [_wrong_nonunitary_E1(G)])
    assert np.abs(Q - np.eye(len(Q))).max() > 0.1


@pytest.mark.claim("grp-thm-schur", "grp-def-irreducible")
def test_schur_lemma_intertwiners_of_irreducibles_are_scalars_or_zero():
    r"""The intertwiners of an irreducible representation with itself form a 1-dimensional space (scalars), between inequivalent irreducibles the space is 0, and for $E_1 \oplus E_1$ it is 4-dimensional; $E_1$ restricted to the rotations (reducible) has a 2-dimensional commutant."""
    for G in FINITE:
        reps = groups.irreducible_representations(G)
        mats = [[rho(g) for g in G.elements()] for rho in reps]
        for i in range(len(reps)):
            for j in range(len(reps)):
                assert _commutant_dim(mats[i], mats[j]) == (1 if i == j else 0), (G, i, j)
    G = groups.DihedralGroup(5)
    E1 = groups.irreducible_representations(G)[2]
    double = [np.kron(np.eye(2), E1(g)) for g in G.elements()]
    assert _commutant_dim(double) == 4
    # negative control: the same check on E1 restricted to C_5 (rotations only) finds a reducible representation
    rotations_only = [E1((k, 0)) for k in range(5)]
    assert _commutant_dim(rotations_only) == 2


@pytest.mark.claim("grp-prop-regular")
def test_regular_representation_contains_each_irreducible_d_times():
    r"""$L(g)$ is a permutation homomorphism, $\chi_L = \abs{G}$ at $e$ and 0 elsewhere, each irreducible appears $d_i$ times, and the commutant has dimension $\sum_i d_i^2 = \abs{G}$; right multiplication is not a homomorphism of $D_n$."""
    for G in FINITE:
        L = groups.regular_representation(G)
        els = G.elements()
        idx = {g: i for i, g in enumerate(els)}
        assert np.all(L.sum(axis=1) == 1) and np.all(L.sum(axis=2) == 1)
        assert max(np.abs(L[idx[G.compose(g, h)]] - L[idx[g]] @ L[idx[h]]).max() for g in els for h in els) == 0
        chi = np.trace(L, axis1=1, axis2=2)
        assert chi[idx[G.identity]] == G.order and np.all(np.delete(chi, idx[G.identity]) == 0)
        T = groups.character_table(G)
        chi_cls = np.array([chi[idx[c[0]]] for c in T.classes])
        mult = (T.chars.conj() * T.sizes) @ chi_cls / G.order
        assert np.abs(mult - T.dims).max() < 1e-12
        assert _commutant_dim(list(L)) == G.order == int((T.dims ** 2).sum())
    G = groups.DihedralGroup(3)
    W, els = _wrong_right_regular(G), G.elements()
    idx = {g: i for i, g in enumerate(els)}
    assert max(np.abs(W[idx[G.compose(g, h)]] - W[idx[g]] @ W[idx[h]]).max() for g in els for h in els) == 1


# ----------------------------------------------------------------------------- Lie algebra, exponential, BCH

@pytest.mark.claim("grp-def-lie-algebra")
def test_so3_is_the_tangent_space_and_closed_under_the_bracket():
    r"""For skew $X$, $\exp(tX)$ is a rotation, $\frac{d}{dt}\exp(tX)$ at 0 equals $X$ (central differences, 1e-8), and $[\hat a, \hat b] = \widehat{a\times b}$; a symmetric $X$ leaves $\mathrm{SO}(3)$."""
    rng = np.random.default_rng(7)
    for _ in range(20):
        a, b = rng.standard_normal(3), rng.standard_normal(3)
        X = groups.hat(a)
        for t in (0.1, 1.0, 3.0):
            R = expm(t * X)
            assert np.abs(R.T @ R - np.eye(3)).max() < 1e-12 and abs(np.linalg.det(R) - 1) < 1e-12
        h = 1e-5
        deriv = (groups.so3_exp(h * a) - groups.so3_exp(-h * a)) / (2 * h)
        assert np.abs(deriv - X).max() < 1e-8
        Y = groups.hat(b)
        assert np.abs(X @ Y - Y @ X - groups.hat(np.cross(a, b))).max() < 1e-13
        assert np.abs(groups.vee(X) - a).max() == 0
    # negative control: a symmetric generator does not give rotations
    S = rng.standard_normal((3, 3))
    S = S + S.T
    R = expm(0.5 * S)
    assert np.abs(R.T @ R - np.eye(3)).max() > 0.1


@pytest.mark.claim("grp-thm-rodrigues")
def test_rodrigues_matches_expm_and_log_inverts_it():
    r"""`so3_exp` equals scipy's `expm` to 1e-14 (relative) for angles from $10^{-9}$ to $10\pi$, $\log(\exp(w)) = w$ (`so3_log`) for $\abs{w} < \pi$ including $\pi - 10^{-7}$, and $\exp(\log R) = R$ at angle $\pi$; $(1 - \cos t)/t$ in place of $(1 - \cos t)/t^2$ fails."""
    rng = np.random.default_rng(8)
    for theta in [1e-9, 1e-6, 1e-3, 0.5, 1.0, 2.0, 3.0, np.pi - 1e-3, np.pi - 1e-7, np.pi, 5.0, 10 * np.pi]:
        for _ in range(5):
            n = rng.standard_normal(3)
            n /= np.linalg.norm(n)
            w = theta * n
            R = groups.so3_exp(w)
            assert np.abs(R - expm(groups.hat(w))).max() < 1e-14 * max(1.0, theta) ** 2
            L = groups.so3_log(R)
            assert np.abs(groups.so3_exp(L) - R).max() < 1e-14
            if theta < np.pi:
                assert np.abs(L - w).max() < 1e-13
                assert abs(groups.so3_angle(R) - theta) < 1e-13
    # the logarithm against scipy's logm away from pi
    for _ in range(10):
        w = rng.standard_normal(3)
        w *= 2.5 / np.linalg.norm(w)
        assert np.abs(groups.hat(groups.so3_log(groups.so3_exp(w))) - np.real(logm(expm(groups.hat(w))))).max() < 1e-12
    w = np.array([0.3, -0.4, 1.2])
    assert np.abs(_wrong_rodrigues_unsquared(w) - expm(groups.hat(w))).max() > 1e-2


@pytest.mark.claim("grp-prop-adjoint")
def test_adjoint_rotates_the_rotation_vector():
    r"""$R\hat w R^\top = \widehat{Rw}$ and $\exp(RXR^\top) = R\exp(X)R^\top$ (scipy `expm`) to 1e-13; conjugating on the wrong side fails."""
    Rs = groups.SO3().sample(20, generator=9)
    rng = np.random.default_rng(10)
    for R in Rs:
        w = rng.standard_normal(3)
        assert np.abs(R @ groups.hat(w) @ R.T - groups.hat(R @ w)).max() < 1e-13
        assert np.abs(expm(R @ groups.hat(w) @ R.T) - R @ groups.so3_exp(w) @ R.T).max() < 1e-13
    R, w = Rs[0], rng.standard_normal(3)
    assert np.abs(R.T @ groups.hat(w) @ R - groups.hat(R @ w)).max() > 0.1


BCH_TS = np.logspace(-2.5, -1.5, 5)
BCH_SEEDS = range(8)


def _bch_slopes(truncations):
    """Per-seed slopes of log |log(e^{tX} e^{tY}) - Z_t| against log t, for random 4x4 X, Y (scipy logm).

    Returns an array of shape (len(truncations), number of seeds).
    """
    slopes = []
    for seed in BCH_SEEDS:
        rng = np.random.default_rng(seed)
        X, Y = rng.standard_normal((4, 4)) / 2, rng.standard_normal((4, 4)) / 2
        refs = [np.real(logm(expm(t * X) @ expm(t * Y))) for t in BCH_TS]
        row = []
        for trunc in truncations:
            errs = [np.linalg.norm(Z - trunc(t * X, t * Y)) for Z, t in zip(refs, BCH_TS)]
            row.append(np.polyfit(np.log(BCH_TS), np.log(errs), 1)[0])
        slopes.append(row)
    return np.array(slopes).T


@pytest.mark.claim("grp-thm-bch")
def test_bch_truncation_errors_have_slopes_two_three_four():
    """Truncating BCH after order 1, 2, 3 leaves errors $O(t^2)$, $O(t^3)$, $O(t^4)$: the slopes fitted per seed (8 seeds) have means within 4 s.e. of 2, 3, 4; the wrong sign of the commutator gives slope 2, rejected."""
    truncs = [lambda X, Y, o=o: groups.bch(X, Y, o) for o in (1, 2, 3)] + [_wrong_bch_minus_commutator]
    slopes = _bch_slopes(truncs)
    for order in (1, 2, 3):
        ok, se = _within_se(slopes[order - 1], order + 1)
        assert ok, (order, slopes[order - 1].mean(), se)
        assert se < 0.01
    wrong = slopes[3]
    ok, _ = _within_se(wrong, 3)
    assert not ok and abs(wrong.mean() - 2) < 0.05
    # commuting X, Y: every truncation is exact
    X, Y = np.diag([0.3, -0.1, 0.2, 0.5]), np.diag([1.0, 0.2, -0.4, 0.1])
    assert np.abs(expm(groups.bch(X, Y, 1)) - expm(X) @ expm(Y)).max() < 1e-14


# ----------------------------------------------------------------------------- Haar measure and Weyl integration

def _moments(Rs):
    """Entries of R and of (R_ij)^2, averaged over the samples."""
    return np.r_[Rs.mean(axis=0).ravel(), (Rs ** 2).mean(axis=0).ravel()]


@pytest.mark.claim("grp-def-haar-measure")
def test_sampled_rotations_have_haar_moments_and_the_weyl_angle_law():
    r"""`SO3.sample` and quaternion Haar samples have $\E R = 0$ and $\E R_{ij}^2 = 1/3$ within 4 s.e. over 10 replicates, translated samples $gR$ likewise, and angles following the CDF $(t - \sin t)/\pi$ (KS); uniform Euler angles and uniform angles fail."""
    target = np.r_[np.zeros(9), np.full(9, 1 / 3)]
    g = groups.so3_exp(np.array([0.4, -1.1, 2.0]))

    def reps(sampler):
        return np.array([_moments(sampler(3000, s)) for s in range(10)])

    ours = lambda k, s: groups.SO3().sample(k, generator=200 + s)  # noqa: E731
    for sampler in (ours, _haar_quaternions, lambda k, s: g @ ours(k, s), lambda k, s: ours(k, s) @ g):
        ok, _ = _within_se(reps(sampler), target)
        assert ok
    cdf = lambda t: (t - np.sin(t)) / np.pi  # noqa: E731
    for sampler in (ours, _haar_quaternions):
        assert stats.kstest(_angles(sampler(20000, 50)), cdf).pvalue > 1e-3
    assert not _within_se(reps(_wrong_euler_uniform), target)[0]
    assert stats.kstest(_angles(_wrong_uniform_angle(20000, 51)), cdf).pvalue < 1e-6
    # SO(2): the uniform angle has E cos = E sin = 0
    a = np.array([groups.SO2().sample(2000, generator=s) for s in range(10)])
    ok, _ = _within_se(np.c_[np.cos(a).mean(1), np.sin(a).mean(1)], np.zeros(2))
    assert ok


L_MAX = 4


@pytest.mark.claim("grp-thm-weyl")
def test_so3_characters_are_orthonormal_under_the_weyl_measure():
    r"""$\frac{2}{\pi}\int_0^\pi \chi_l\chi_m\sin^2(t/2)\,\dd t = \delta_{lm}$ to 1e-10 (scipy `quad`) for $l, m \le 4$, $\chi_l = \sin((l+\frac12)t)/\sin(t/2)$, $\chi_1 = \tr R$; the flat density fails."""
    t = np.linspace(0.01, 3.1, 50)
    for l in range(L_MAX + 1):
        assert np.abs(groups.so3_character(l, t) - np.sin((l + 0.5) * t) / np.sin(t / 2)).max() < 1e-12
    Rs = _haar_quaternions(10, 0)
    assert np.abs(groups.so3_character(1, _angles(Rs)) - np.trace(Rs, axis1=1, axis2=2)).max() < 1e-12

    def gram(density):
        G = np.empty((L_MAX + 1, L_MAX + 1))
        for l in range(L_MAX + 1):
            for m in range(L_MAX + 1):
                f = lambda s: float(groups.so3_character(l, s) * groups.so3_character(m, s) * density(np.array(s)))  # noqa: E731
                G[l, m] = quad(f, 0, np.pi, epsabs=1e-13, epsrel=1e-13)[0]
        return G

    assert np.abs(gram(_weyl_density) - np.eye(L_MAX + 1)).max() < 1e-10
    assert quad(lambda s: float(_weyl_density(np.array(s))), 0, np.pi)[0] == pytest.approx(1.0, abs=1e-12)
    assert np.abs(gram(_wrong_weyl_density_flat) - np.eye(L_MAX + 1)).max() > 0.5


@pytest.mark.claim("grp-thm-weyl")
def test_so3_characters_are_orthonormal_under_haar_monte_carlo():
    r"""Over Haar rotations (ours and normalised Gaussian quaternions), the Monte Carlo Gram matrix of $\chi_0, \dots, \chi_4$ is within 4 s.e. (10 replicates) of $I$; uniform-angle rotations fail."""
    def reps(sampler):
        out = []
        for s in range(10):
            th = _angles(sampler(4000, s))
            C = np.array([groups.so3_character(l, th) for l in range(L_MAX + 1)])
            out.append((C @ C.T / th.size).ravel())
        return np.array(out)

    I = np.eye(L_MAX + 1).ravel()
    for sampler in (lambda k, s: groups.SO3().sample(k, generator=300 + s), _haar_quaternions):
        ok, se = _within_se(reps(sampler), I)
        assert ok and se.max() < 0.1
    assert not _within_se(reps(_wrong_uniform_angle), I)[0]


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, name, exc", [
    (lambda: groups.CyclicGroup(0), "n", ValueError),
    (lambda: groups.DihedralGroup(-2), "n", ValueError),
    (lambda: groups.CyclicGroup(2.0), "n", TypeError),
    (lambda: groups.CyclicGroup(4).compose(1, 7), "h", ValueError),
    (lambda: groups.CyclicGroup(4).compose(-1, 1), "g", ValueError),
    (lambda: groups.CyclicGroup(4).inverse("a"), "g", TypeError),
    (lambda: groups.DihedralGroup(4).compose((0, 2), (0, 0)), "g", ValueError),
    (lambda: groups.DihedralGroup(4).matrix((4, 0)), "g", ValueError),
    (lambda: groups.DihedralGroup(4).matrix(3), "g", TypeError),
    (lambda: groups.DihedralGroup(3).act((0, 1), np.ones(3)), "x", ValueError),
    (lambda: groups.SO2().compose(0.1, "b"), "h", TypeError),
    (lambda: groups.SO2().matrix(float("nan")), "g", ValueError),
    (lambda: groups.SO2().sample(0, 0), "k", ValueError),
    (lambda: groups.SO3().compose(np.eye(3), 2 * np.eye(3)), "h", ValueError),
    (lambda: groups.SO3().inverse(np.diag([1.0, 1.0, -1.0])), "g", ValueError),
    (lambda: groups.SO3().act(np.eye(3), np.ones(2)), "x", ValueError),
    (lambda: groups.SO3().sample(3, generator=-1), "generator", ValueError),
    (lambda: groups.so3_log(np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])), "R", ValueError),
    (lambda: groups.so3_log(np.diag([1.0, 1.0, -1.0])), "R", ValueError),
    (lambda: groups.so3_log(np.eye(2)), "R", ValueError),
    (lambda: groups.so3_exp(np.ones(2)), "omega", ValueError),
    (lambda: groups.bch(np.eye(2), np.eye(2), 4), "order", ValueError),
    (lambda: groups.bch(np.eye(2), np.eye(3), 2), "Y", ValueError),
    (lambda: groups.character_table(groups.SO2()), "group", TypeError),
    (lambda: groups.regular_representation("C4"), "group", TypeError),
    (lambda: groups.so3_character(-1, 0.5), "l", ValueError),
])
def test_bad_arguments_raise_naming_the_argument(call, name, exc):
    """Bad input raises the expected error type with a message naming the argument."""
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()


def test_so3_log_accepts_rotations_with_rounding_error_and_identity_of_each_group():
    """so3_log accepts a rotation perturbed by 1e-12 and the identities act trivially."""
    R = groups.so3_exp(np.array([0.1, 0.2, 0.3])) + 1e-12
    assert np.all(np.isfinite(groups.so3_log(R)))
    assert groups.SO2().compose(groups.SO2().identity, 1.0) == 1.0
    assert np.array_equal(groups.SO3().identity, np.eye(3))
