r"""Groups, representations and the Lie group SO(3) (*Groups, representations, homogeneous spaces and Lie groups*).

Four groups share one interface. Each has an ``identity``, a composition ``compose(g, h)`` (the
product :math:`gh`, first :math:`h` then :math:`g` when acting), an ``inverse(g)``, a faithful
representation ``matrix(g)`` and an action ``act(g, x)`` on points of the plane or of space,
:math:`g \cdot x = \rho(g) x`. The finite groups list their ``elements()``; the compact groups draw
``sample(k, generator)`` elements from their Haar measure.

- :class:`CyclicGroup` :math:`C_n`: elements ``k`` in ``0..n-1``, the rotation by :math:`2\pi k/n`;
- :class:`DihedralGroup` :math:`D_n` (order :math:`2n`): elements ``(k, s)`` standing for
  :math:`r^k s^s`, where :math:`r` is the rotation by :math:`2\pi/n` and :math:`s` the reflection
  :math:`(x, y) \mapsto (x, -y)`, multiplied by :math:`r^a s^b \, r^c s^d = r^{a + (-1)^b c} s^{b + d}`;
- :class:`SO2`: elements are angles :math:`\theta \in [0, 2\pi)`;
- :class:`SO3`: elements are rotation matrices :math:`R` (:math:`R^\top R = I`, :math:`\det R = 1`).

For the finite groups, :func:`character_table` gives the characters of the irreducible
representations in closed form, :func:`irreducible_representations` the matrices themselves and
:func:`regular_representation` the permutation matrices :math:`L(g) e_h = e_{gh}`. For SO(3),
:func:`so3_exp` is Rodrigues' formula :math:`\exp(\hat\omega) = I + \frac{\sin\theta}{\theta}\hat\omega
+ \frac{1 - \cos\theta}{\theta^2}\hat\omega^2` (:math:`\theta = |\omega|`), :func:`so3_log` its inverse
on :math:`\theta < \pi` (and a choice of sign at :math:`\theta = \pi`), :func:`so3_character` the
characters :math:`\chi_l(\theta) = \sin((l + \tfrac12)\theta) / \sin(\theta/2)`, and :func:`bch` the
Baker–Campbell–Hausdorff series truncated after a given order.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from ._validate import check_array, check_int, check_rng

__all__ = [
    "CyclicGroup",
    "DihedralGroup",
    "SO2",
    "SO3",
    "CharacterTable",
    "character_table",
    "irreducible_representations",
    "regular_representation",
    "conjugacy_classes",
    "hat",
    "vee",
    "so3_exp",
    "so3_log",
    "so3_angle",
    "so3_character",
    "bch",
]

_ROTATION_TOL = 1e-8


def _rot2(theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _act_points(name: str, x: Any, dim: int, matrix: np.ndarray) -> np.ndarray:
    """Apply ``matrix`` to points ``x`` of shape ``(dim,)`` or ``(m, dim)``: rows are points."""
    x = check_array(name, x, ndim=(1, 2))
    if x.shape[-1] != dim:
        raise ValueError(f"{name} must hold points of dimension {dim} in its last axis, got shape {x.shape}")
    return x @ matrix.T


class _FiniteGroup:
    """Shared methods of the finite groups (elements are hashable)."""

    name = "G"
    order = 0

    def elements(self) -> list:
        """All elements, in a fixed order (the order of :func:`regular_representation`)."""
        raise NotImplementedError

    def _check(self, name: str, g: Any):
        raise NotImplementedError

    def act(self, g: Any, x: Any) -> np.ndarray:
        """Act on points of the plane, :math:`g \\cdot x = \\rho(g) x` (``x`` of shape ``(2,)`` or ``(m, 2)``)."""
        return _act_points("x", x, 2, self.matrix(g))

    def __repr__(self) -> str:
        return self.name


class CyclicGroup(_FiniteGroup):
    r"""The cyclic group :math:`C_n` of rotations of the plane by multiples of :math:`2\pi/n`.

    Elements are the integers ``k = 0, ..., n-1``; ``compose(g, h) = (g + h) mod n``;
    ``matrix(k)`` is the rotation by :math:`2\pi k/n`, a faithful representation.

    Parameters
    ----------
    n : int
        The order, ``n >= 1``.
    """

    def __init__(self, n: int):
        self.n = check_int("n", n, minimum=1)
        self.order = self.n
        self.name = f"C{self.n}"
        self.identity = 0

    def _check(self, name: str, g: Any) -> int:
        if not _is_int(g):
            raise TypeError(f"{name} must be an element of {self.name} (an integer 0..{self.n - 1}), got {g!r}")
        if not 0 <= int(g) < self.n:
            raise ValueError(f"{name} must be an element of {self.name} (an integer 0..{self.n - 1}), got {g!r}")
        return int(g)

    def elements(self) -> list[int]:
        """The elements ``[0, 1, ..., n-1]``."""
        return list(range(self.n))

    def compose(self, g: Any, h: Any) -> int:
        """The product :math:`gh`, i.e. ``(g + h) mod n``."""
        return (self._check("g", g) + self._check("h", h)) % self.n

    def inverse(self, g: Any) -> int:
        """The inverse ``(-g) mod n``."""
        return (-self._check("g", g)) % self.n

    def matrix(self, g: Any) -> np.ndarray:
        r"""The rotation matrix by :math:`2\pi g/n`."""
        return _rot2(2 * math.pi * self._check("g", g) / self.n)


class DihedralGroup(_FiniteGroup):
    r"""The dihedral group :math:`D_n` of order :math:`2n`, the symmetries of the regular :math:`n`-gon.

    An element ``(k, s)`` with ``0 <= k < n`` and ``s`` in ``{0, 1}`` stands for :math:`r^k s^s`,
    where :math:`r` rotates by :math:`2\pi/n` and :math:`s` reflects :math:`(x, y) \mapsto (x, -y)`.
    Since :math:`s r s = r^{-1}`, the product is
    :math:`r^a s^b \cdot r^c s^d = r^{a + (-1)^b c} s^{b + d}`.
    ``matrix((k, s))`` is :math:`R(2\pi k/n)\,\mathrm{diag}(1, -1)^s`, a faithful representation.

    Parameters
    ----------
    n : int
        The number of rotations, ``n >= 1``.
    """

    def __init__(self, n: int):
        self.n = check_int("n", n, minimum=1)
        self.order = 2 * self.n
        self.name = f"D{self.n}"
        self.identity = (0, 0)

    def _check(self, name: str, g: Any) -> tuple[int, int]:
        want = f"an element of {self.name} (a pair (k, s) with 0 <= k < {self.n} and s in {{0, 1}})"
        if not isinstance(g, (tuple, list)) or len(g) != 2 or not all(_is_int(v) for v in g):
            raise TypeError(f"{name} must be {want}, got {g!r}")
        k, s = int(g[0]), int(g[1])
        if not (0 <= k < self.n and s in (0, 1)):
            raise ValueError(f"{name} must be {want}, got {g!r}")
        return k, s

    def elements(self) -> list[tuple[int, int]]:
        """The rotations ``(k, 0)`` then the reflections ``(k, 1)``, ``k = 0, ..., n-1``."""
        return [(k, 0) for k in range(self.n)] + [(k, 1) for k in range(self.n)]

    def compose(self, g: Any, h: Any) -> tuple[int, int]:
        r"""The product :math:`r^a s^b \cdot r^c s^d = r^{a + (-1)^b c} s^{b + d}`."""
        a, b = self._check("g", g)
        c, d = self._check("h", h)
        return ((a + (c if b == 0 else -c)) % self.n, (b + d) % 2)

    def inverse(self, g: Any) -> tuple[int, int]:
        """The inverse: :math:`(r^k)^{-1} = r^{-k}`; a reflection :math:`r^k s` is its own inverse."""
        k, s = self._check("g", g)
        return ((-k) % self.n, 0) if s == 0 else (k, 1)

    def matrix(self, g: Any) -> np.ndarray:
        r"""The matrix :math:`R(2\pi k/n)\,\mathrm{diag}(1, -1)^s` of :math:`r^k s^s`."""
        k, s = self._check("g", g)
        return _rot2(2 * math.pi * k / self.n) @ np.diag([1.0, -1.0 if s else 1.0])


class SO2:
    r"""The rotation group SO(2) of the plane; elements are angles :math:`\theta \in [0, 2\pi)`.

    ``compose(a, b) = (a + b) mod 2π``; ``matrix(θ)`` is the rotation matrix; the Haar measure is the
    uniform distribution of the angle, which ``sample`` draws from.
    """

    name = "SO(2)"

    def __init__(self):
        self.identity = 0.0

    @staticmethod
    def _check(name: str, g: Any) -> float:
        if isinstance(g, (bool, np.bool_)) or not isinstance(g, numbers.Real):
            raise TypeError(f"{name} must be an element of SO(2) (a real angle), got {g!r}")
        if not math.isfinite(float(g)):
            raise ValueError(f"{name} must be an element of SO(2) (a finite angle), got {g!r}")
        return float(g) % (2 * math.pi)

    def compose(self, g: Any, h: Any) -> float:
        """The product, the angle ``(g + h) mod 2π``."""
        return (self._check("g", g) + self._check("h", h)) % (2 * math.pi)

    def inverse(self, g: Any) -> float:
        """The inverse angle ``(-g) mod 2π``."""
        return (-self._check("g", g)) % (2 * math.pi)

    def matrix(self, g: Any) -> np.ndarray:
        """The rotation matrix ``[[cos g, -sin g], [sin g, cos g]]``."""
        return _rot2(self._check("g", g))

    def act(self, g: Any, x: Any) -> np.ndarray:
        """Rotate points ``x`` of shape ``(2,)`` or ``(m, 2)`` by the angle ``g``."""
        return _act_points("x", x, 2, self.matrix(g))

    def sample(self, k: int, generator: Any = 0) -> np.ndarray:
        r"""``k`` angles from the Haar measure (uniform on :math:`[0, 2\pi)`)."""
        k = check_int("k", k, minimum=1)
        rng = check_rng("generator", generator)
        return rng.uniform(0.0, 2 * math.pi, size=k)

    def __repr__(self) -> str:
        return self.name


class SO3:
    r"""The rotation group SO(3); elements are :math:`3 \times 3` rotation matrices.

    ``compose(g, h) = g @ h``, ``inverse(g) = g.T``; ``matrix`` is the identity map (the defining
    representation). ``sample`` draws from the Haar measure by the QR decomposition of a Gaussian
    matrix with the signs of :math:`R`'s diagonal fixed (Mezzadri's method), followed by a
    determinant correction.
    """

    name = "SO(3)"

    def __init__(self):
        self.identity = np.eye(3)

    @staticmethod
    def _check(name: str, g: Any) -> np.ndarray:
        try:
            R = np.asarray(g, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an element of SO(3) (a 3x3 rotation matrix), got {type(g).__name__}") from None
        if R.shape != (3, 3):
            raise ValueError(f"{name} must be an element of SO(3) (a 3x3 rotation matrix), got shape {R.shape}")
        if not np.all(np.isfinite(R)):
            raise ValueError(f"{name} must be an element of SO(3): it has non-finite entries")
        err = float(np.abs(R.T @ R - np.eye(3)).max())
        if err > _ROTATION_TOL or abs(np.linalg.det(R) - 1.0) > _ROTATION_TOL:
            raise ValueError(f"{name} must be an element of SO(3) (orthogonal with determinant 1 up to "
                             f"{_ROTATION_TOL:g}); |R^T R - I| = {err:.2e}, det = {np.linalg.det(R):.6f}")
        return R

    def compose(self, g: Any, h: Any) -> np.ndarray:
        """The product ``g @ h``."""
        return self._check("g", g) @ self._check("h", h)

    def inverse(self, g: Any) -> np.ndarray:
        """The inverse ``g.T``."""
        return self._check("g", g).T.copy()

    def matrix(self, g: Any) -> np.ndarray:
        """The defining representation: the rotation matrix itself."""
        return self._check("g", g).copy()

    def act(self, g: Any, x: Any) -> np.ndarray:
        """Rotate points ``x`` of shape ``(3,)`` or ``(m, 3)``."""
        return _act_points("x", x, 3, self._check("g", g))

    def sample(self, k: int, generator: Any = 0) -> np.ndarray:
        """``k`` Haar-distributed rotations, shape ``(k, 3, 3)``."""
        k = check_int("k", k, minimum=1)
        rng = check_rng("generator", generator)
        Z = rng.standard_normal((k, 3, 3))
        Q, Rq = np.linalg.qr(Z)
        Q = Q * np.sign(np.diagonal(Rq, axis1=1, axis2=2))[:, None, :]   # Haar on O(3)
        neg = np.linalg.det(Q) < 0
        Q[neg, :, 0] *= -1                                               # Haar on SO(3)
        return Q

    def __repr__(self) -> str:
        return self.name


# ----------------------------------------------------------------------------- finite groups: classes, characters

_FINITE = (CyclicGroup, DihedralGroup)


def _check_finite(group: Any) -> _FiniteGroup:
    if not isinstance(group, _FINITE):
        raise TypeError(f"group must be a CyclicGroup or a DihedralGroup, got {group!r}")
    return group


def conjugacy_classes(group: Any) -> list[list]:
    r"""The conjugacy classes :math:`\{h g h^{-1} : h \in G\}` of a finite group, by brute force.

    Classes are listed in the order of their first element in ``group.elements()``.
    """
    group = _check_finite(group)
    seen, classes = set(), []
    for g in group.elements():
        if g in seen:
            continue
        cls = []
        for h in group.elements():
            c = group.compose(group.compose(h, g), group.inverse(h))
            if c not in cls:
                cls.append(c)
        cls.sort(key=group.elements().index)
        seen.update(cls)
        classes.append(cls)
    return classes


class CharacterTable(NamedTuple):
    """Character table of a finite group.

    ``classes[j]`` is the list of elements of the j-th conjugacy class, ``sizes[j]`` its size,
    ``names[i]`` the name of the i-th irreducible representation, ``dims[i]`` its dimension and
    ``chars[i, j]`` its character (complex) on the j-th class.
    """

    classes: list
    sizes: np.ndarray
    names: list
    dims: np.ndarray
    chars: np.ndarray

    def character(self, i: int, g: Any) -> complex:
        """The character of the i-th irreducible representation at the element ``g``."""
        for j, cls in enumerate(self.classes):
            if g in cls:
                return complex(self.chars[i, j])
        raise ValueError(f"g must be an element of the group, got {g!r}")


def character_table(group: Any) -> CharacterTable:
    r"""The character table of :math:`C_n` or :math:`D_n`, in closed form.

    :math:`C_n`: one class per element and the characters :math:`\chi_j(k) = e^{2\pi i jk/n}`,
    :math:`j = 0, \dots, n-1`.

    :math:`D_n`: classes :math:`\{e\}`, :math:`\{r^{\pm k}\}` (and :math:`\{r^{n/2}\}` for even n), and
    the reflections (one class for odd n, two for even n: :math:`r^{2m}s` and :math:`r^{2m+1}s`).
    Irreducible representations: the trivial one :math:`A_1`; :math:`A_2` (:math:`r \mapsto 1`,
    :math:`s \mapsto -1`); for even n also :math:`B_1` (:math:`r \mapsto -1`, :math:`s \mapsto 1`) and
    :math:`B_2` (:math:`r \mapsto -1`, :math:`s \mapsto -1`); and the two-dimensional :math:`E_j`,
    :math:`1 \le j < n/2`, with :math:`\chi_{E_j}(r^k) = 2\cos(2\pi jk/n)` and :math:`\chi_{E_j}(r^k s) = 0`.
    """
    group = _check_finite(group)
    n = group.n
    if isinstance(group, CyclicGroup):
        classes = [[k] for k in range(n)]
        k = np.arange(n)
        chars = np.exp(2j * np.pi * np.outer(k, k) / n)
        return CharacterTable(classes, np.ones(n, dtype=int), [f"chi_{j}" for j in range(n)],
                              np.ones(n, dtype=int), chars)
    # dihedral: classes
    classes = [[(0, 0)]]
    for k in range(1, n // 2 + 1):
        classes.append(sorted({(k, 0), ((-k) % n, 0)}))
    if n % 2:
        classes.append([(k, 1) for k in range(n)])
    else:
        classes.append([(k, 1) for k in range(0, n, 2)])
        classes.append([(k, 1) for k in range(1, n, 2)])

    def one_dim(r_val, s_val):
        row = []
        for cls in classes:
            k, s = cls[0]
            row.append((r_val ** k) * (s_val ** s))
        return row

    names, dims, rows = ["A1", "A2"], [1, 1], [one_dim(1, 1), one_dim(1, -1)]
    if n % 2 == 0:
        names += ["B1", "B2"]
        dims += [1, 1]
        rows += [one_dim(-1, 1), one_dim(-1, -1)]
    for j in range(1, (n - 1) // 2 + 1):
        names.append(f"E{j}")
        dims.append(2)
        rows.append([2 * math.cos(2 * math.pi * j * cls[0][0] / n) if cls[0][1] == 0 else 0.0 for cls in classes])
    return CharacterTable(classes, np.array([len(c) for c in classes]), names, np.array(dims),
                          np.array(rows, dtype=complex))


def irreducible_representations(group: Any) -> list:
    r"""The irreducible unitary representations of :math:`C_n` or :math:`D_n`, as functions ``g -> matrix``.

    In the order of :func:`character_table`. For :math:`D_n` the two-dimensional :math:`E_j` sends
    :math:`r^k s^s` to :math:`R(2\pi jk/n)\,\mathrm{diag}(1, -1)^s`.
    """
    group = _check_finite(group)
    n = group.n
    if isinstance(group, CyclicGroup):
        return [(lambda j: (lambda g: np.array([[np.exp(2j * np.pi * j * group._check("g", g) / n)]])))(j)
                for j in range(n)]

    def one(r_val, s_val):
        def rho(g):
            k, s = group._check("g", g)
            return np.array([[complex((r_val ** k) * (s_val ** s))]])
        return rho

    reps = [one(1, 1), one(1, -1)]
    if n % 2 == 0:
        reps += [one(-1, 1), one(-1, -1)]
    for j in range(1, (n - 1) // 2 + 1):
        def rho(g, j=j):
            k, s = group._check("g", g)
            return (_rot2(2 * math.pi * j * k / n) @ np.diag([1.0, -1.0 if s else 1.0])).astype(complex)
        reps.append(rho)
    return reps


def regular_representation(group: Any) -> np.ndarray:
    r"""The left regular representation :math:`L(g) e_h = e_{gh}` as permutation matrices.

    Returns an array of shape ``(|G|, |G|, |G|)`` whose i-th slice is :math:`L(g_i)`, with basis and
    elements both in the order of ``group.elements()``.
    """
    group = _check_finite(group)
    els = group.elements()
    index = {g: i for i, g in enumerate(els)}
    N = len(els)
    L = np.zeros((N, N, N))
    for i, g in enumerate(els):
        for j, h in enumerate(els):
            L[i, index[group.compose(g, h)], j] = 1.0
    return L


# ----------------------------------------------------------------------------- SO(3) and its Lie algebra

def hat(omega: Any) -> np.ndarray:
    r"""The skew matrix :math:`\hat\omega` with :math:`\hat\omega x = \omega \times x` (``omega`` of shape ``(3,)``)."""
    w = check_array("omega", omega, shape=(3,))
    return np.array([[0.0, -w[2], w[1]], [w[2], 0.0, -w[0]], [-w[1], w[0], 0.0]])


def vee(X: Any) -> np.ndarray:
    r"""The inverse of :func:`hat`: the vector of the skew part of a :math:`3 \times 3` matrix."""
    X = check_array("X", X, shape=(3, 3))
    A = 0.5 * (X - X.T)
    return np.array([A[2, 1], A[0, 2], A[1, 0]])


def so3_exp(omega: Any) -> np.ndarray:
    r"""Rodrigues' formula :math:`\exp(\hat\omega) = I + \frac{\sin\theta}{\theta}\hat\omega + \frac{1-\cos\theta}{\theta^2}\hat\omega^2`.

    :math:`\theta = |\omega|`; for :math:`\theta < 10^{-4}` the coefficients are evaluated by their
    Taylor series, so the result is accurate to machine precision at every angle.
    """
    w = check_array("omega", omega, shape=(3,))
    K = hat(w)
    t2 = float(w @ w)
    t = math.sqrt(t2)
    if t < 1e-4:
        a = 1.0 - t2 / 6.0 + t2 * t2 / 120.0
        b = 0.5 - t2 / 24.0 + t2 * t2 / 720.0
    else:
        a = math.sin(t) / t
        b = (1.0 - math.cos(t)) / t2
    return np.eye(3) + a * K + b * (K @ K)


def so3_angle(R: Any) -> float:
    r"""The rotation angle :math:`\theta \in [0, \pi]` of a rotation, :math:`\cos\theta = (\operatorname{tr} R - 1)/2`.

    Computed as :math:`\operatorname{atan2}(\sin\theta, \cos\theta)` with :math:`2\sin\theta = |\operatorname{vee}(R - R^\top)|`,
    which stays accurate near :math:`0` and :math:`\pi` where the arccosine loses half the digits.
    """
    R = check_array("R", R, shape=(3, 3))
    SO3._check("R", R)
    v = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    return float(math.atan2(0.5 * np.linalg.norm(v), (np.trace(R) - 1.0) / 2.0))


def so3_log(R: Any) -> np.ndarray:
    r"""The rotation vector :math:`\omega` with :math:`\exp(\hat\omega) = R` and :math:`|\omega| \le \pi`.

    Away from :math:`\pi`, :math:`\hat\omega = \frac{\theta}{2\sin\theta}(R - R^\top)`. Near
    :math:`\theta = \pi` the axis :math:`n` is read from :math:`nn^\top = (R + I)/2 + O(\pi - \theta)`
    (its largest column), with the sign that agrees with :math:`R - R^\top`. At exactly
    :math:`\theta = \pi` both :math:`\pm\pi n` are logarithms; one of them is returned.

    Raises ``ValueError`` if ``R`` is not orthogonal with determinant 1 (tolerance ``1e-8``).
    """
    R = check_array("R", R, shape=(3, 3))
    SO3._check("R", R)
    c = (np.trace(R) - 1.0) / 2.0                                           # cos(theta)
    v = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])   # 2 sin(theta) n
    s = 0.5 * float(np.linalg.norm(v))                                        # sin(theta)
    theta = math.atan2(s, c)                                                  # well conditioned at 0 and pi
    if theta < 1e-4:
        return 0.5 * (1.0 + theta * theta / 6.0) * v
    if theta < math.pi - 1e-2:
        return theta / (2.0 * s) * v
    # near pi the skew part is small: read the axis from the symmetric part (R + R^T)/2 - c I = (1 - c) n n^T
    B = (R + R.T) / 2.0 - c * np.eye(3)
    i = int(np.argmax(np.diag(B)))
    n = B[:, i] / np.linalg.norm(B[:, i])
    if n @ v < 0:
        n = -n
    return theta * n


def so3_character(l: int, theta: Any) -> np.ndarray:
    r"""The character :math:`\chi_l(\theta) = \sin((l + \tfrac12)\theta)/\sin(\theta/2) = 1 + 2\sum_{k=1}^{l}\cos k\theta`.

    The character of the irreducible representation of SO(3) of dimension :math:`2l + 1` at a rotation
    by the angle :math:`\theta`; evaluated by the cosine sum, so :math:`\chi_l(0) = 2l + 1` exactly.
    """
    l = check_int("l", l, minimum=0)
    th = check_array("theta", theta)
    out = np.ones_like(th)
    for k in range(1, l + 1):
        out = out + 2.0 * np.cos(k * th)
    return out


def _bracket(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A @ B - B @ A


def bch(X: Any, Y: Any, order: int = 2) -> np.ndarray:
    r"""The Baker–Campbell–Hausdorff series of :math:`\log(e^X e^Y)`, truncated after ``order``.

    .. math::
        Z = X + Y + \tfrac12[X, Y] + \tfrac1{12}\big([X, [X, Y]] + [Y, [Y, X]]\big)
            + (\text{terms of degree} \ge 4)

    ``order = 1`` keeps :math:`X + Y`, ``2`` adds the commutator and ``3`` the two triple brackets.
    The terms of degree ``order + 1`` are the first ones left out, so for :math:`X, Y` of size
    :math:`t` the error is :math:`O(t^{\text{order} + 1})`.

    Parameters
    ----------
    X, Y : array of shape (n, n)
    order : int in 1..3
    """
    X = check_array("X", X, ndim=2)
    Y = check_array("Y", Y, ndim=2)
    order = check_int("order", order, minimum=1, maximum=3)
    if X.shape[0] != X.shape[1] or X.shape != Y.shape:
        raise ValueError(f"X and Y must be square matrices of the same shape, got {X.shape} and {Y.shape}")
    Z = X + Y
    if order >= 2:
        XY = _bracket(X, Y)
        Z = Z + 0.5 * XY
    if order >= 3:
        Z = Z + (_bracket(X, XY) + _bracket(Y, -XY)) / 12.0
    return Z
