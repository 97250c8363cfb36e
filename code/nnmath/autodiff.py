r"""Automatic differentiation: a scalar reverse-mode engine, dual numbers, and backpropagation.

The code of the chapter *Backpropagation and automatic differentiation*. A function is a
*straight-line program*: a list of elementary operations :math:`v_i = \varphi_i(v_j : j \prec i)`
applied to the inputs :math:`x_1, \dots, x_n`. Two ways to differentiate it:

- **Forward mode** (:class:`Dual`, :func:`jvp`): carry a tangent :math:`\dot v_i` along with every
  value, :math:`\dot v_i = \sum_{j \prec i} \partial_j \varphi_i \, \dot v_j`. One pass gives a
  Jacobian-vector product :math:`J v`; a gradient of a function of :math:`n` inputs needs
  :math:`n` passes.
- **Reverse mode** (:class:`Var`, :func:`backward`, :func:`vjp`): record the program, then sweep it
  backwards with adjoints :math:`\bar v_j = \tilde u_j + \sum_{i \succ j} \bar v_i \, \partial_j \varphi_i`
  (:math:`\tilde u` the seeds, which may sit on intermediate registers). One sweep gives a
  vector-Jacobian product :math:`u^\top J`, hence a whole gradient, at a constant multiple of the
  cost of the function (the cheap-gradient principle).

:func:`mlp_backprop` is reverse mode written by hand in matrix form for a multilayer network
(the backpropagation recursion, with the squared loss or softmax cross-entropy),
:func:`mlp_errors` returns the errors :math:`\delta_\ell` of every input, and
:func:`mlp_backprop_checkpointed` trades memory for recomputation. Operation counts, used to check the cheap-gradient principle, are collected
inside a ``with count_ops() as c:`` block (see :class:`OpCount` for the cost model).

ReLU is not differentiable at 0; both engines use ``relu'(0) = 0`` (as PyTorch does) unless
``relu(at_zero=s)`` asks for another element ``s`` of the Clarke subdifferential ``[0, 1]``.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ._validate import check_array, check_callable, check_choice, check_int, check_layers, check_real

__all__ = [
    "OpCount",
    "count_ops",
    "Var",
    "backward",
    "Dual",
    "jvp",
    "vjp",
    "grad_forward",
    "grad_reverse",
    "Program",
    "random_program",
    "ACTIVATIONS",
    "mlp_forward",
    "softmax_cross_entropy",
    "LOSSES",
    "mlp_errors",
    "mlp_backprop",
    "CheckpointStats",
    "mlp_backprop_checkpointed",
    "preactivation_jacobians",
]


# --------------------------------------------------------------------------- operation counts
@dataclass(eq=False)  # counters are removed from the active list by identity
class OpCount:
    r"""Elementary operations executed inside a :func:`count_ops` block.

    The cost model of the chapter: every elementary operation (``+ - * / **``, ``exp``, ``log``,
    ``tanh``, ``relu``, unary ``-``) costs 1 (``primal``). Derivative work is charged 3 per
    *edge* :math:`j \to i` of the computational graph that carries a derivative: one to evaluate
    the local partial :math:`\partial_j\varphi_i`, one multiplication and one addition
    (``derivative``). A plain number operand is a constant, not an edge.

    - :class:`Var` charges the partials when a node is created and the multiply-adds in
      :meth:`Var.backward`.
    - :class:`Dual` charges all three when an operation is executed.
    """

    primal: int = 0
    derivative: int = 0

    @property
    def total(self) -> int:
        """``primal + derivative``."""
        return self.primal + self.derivative


_COUNTERS: list[OpCount] = []


@contextlib.contextmanager
def count_ops() -> Iterator[OpCount]:
    """Count the elementary operations of :class:`Var` and :class:`Dual` executed in the block.

    Example::

        with count_ops() as c:
            y = f(x)
        c.primal, c.derivative
    """
    counter = OpCount()
    _COUNTERS.append(counter)
    try:
        yield counter
    finally:
        _COUNTERS.remove(counter)


def _charge(primal: int = 0, derivative: int = 0) -> None:
    for counter in _COUNTERS:
        counter.primal += primal
        counter.derivative += derivative


class _Defer(Exception):
    """Raised by _check_operand for an ndarray operand: the operator returns NotImplemented."""


def _defer_to_numpy(method):
    def wrapper(self, other):
        try:
            return method(self, other)
        except _Defer:
            return NotImplemented

    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    return wrapper


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _check_operand(other: Any, cls: type) -> None:
    if isinstance(other, np.ndarray):  # let NumPy broadcast the operation over the array
        raise _Defer
    if not (isinstance(other, cls) or _is_number(other)):
        raise TypeError(f"other must be a {cls.__name__} or a real number, got {type(other).__name__}")


# --------------------------------------------------------------------------- reverse mode
class Var:
    r"""A scalar node of a computational graph, differentiated in reverse mode.

    Each operation creates a new node that remembers its parents together with the local
    partial derivatives :math:`\partial v_i / \partial v_j` (a number each). :meth:`backward`
    then sweeps the graph in reverse topological order and accumulates the adjoints

    .. math:: \bar v_m = 1, \qquad \bar v_j = \sum_{i:\, j \prec i} \bar v_i\, \frac{\partial \varphi_i}{\partial v_j},

    so that after ``y.backward()`` every node ``v`` of the graph holds ``v.grad`` :math:`= \partial y/\partial v`.

    Parameters
    ----------
    value : float
        The value of the node (a leaf, i.e. an input, when created directly).
    """

    def __init__(self, value: float, _parents: tuple = ()):
        if isinstance(value, Var):
            raise TypeError("value must be a real number, got a Var")
        self.value = check_real("value", value) if not isinstance(value, float) else value
        self.grad = 0.0
        self._parents = _parents  # tuple of (parent Var, local partial derivative)

    # -- building nodes
    @staticmethod
    def _node(value: float, *edges: tuple[Any, float]) -> Var:
        """A new node of ``value``; ``edges`` are (operand, partial) pairs, constants dropped."""
        parents = tuple((p, d) for p, d in edges if isinstance(p, Var))
        _charge(primal=1, derivative=len(parents))  # one op, one partial per edge
        return Var(float(value), parents)

    @_defer_to_numpy
    def __add__(self, other):
        _check_operand(other, Var)
        o = other.value if isinstance(other, Var) else float(other)
        return Var._node(self.value + o, (self, 1.0), (other, 1.0))

    @_defer_to_numpy
    def __radd__(self, other):
        return self + other

    @_defer_to_numpy
    def __sub__(self, other):
        _check_operand(other, Var)
        o = other.value if isinstance(other, Var) else float(other)
        return Var._node(self.value - o, (self, 1.0), (other, -1.0))

    @_defer_to_numpy
    def __rsub__(self, other):
        _check_operand(other, Var)
        return Var._node(float(other) - self.value, (self, -1.0))

    @_defer_to_numpy
    def __mul__(self, other):
        _check_operand(other, Var)
        o = other.value if isinstance(other, Var) else float(other)
        return Var._node(self.value * o, (self, o), (other, self.value))

    @_defer_to_numpy
    def __rmul__(self, other):
        return self * other

    @_defer_to_numpy
    def __truediv__(self, other):
        _check_operand(other, Var)
        o = other.value if isinstance(other, Var) else float(other)
        if o == 0.0:
            raise ZeroDivisionError("division of a Var by zero")
        return Var._node(self.value / o, (self, 1.0 / o), (other, -self.value / o**2))

    @_defer_to_numpy
    def __rtruediv__(self, other):
        _check_operand(other, Var)
        if self.value == 0.0:
            raise ZeroDivisionError("division by a Var of value zero")
        return Var._node(float(other) / self.value, (self, -float(other) / self.value**2))

    @_defer_to_numpy
    def __pow__(self, other):
        _check_operand(other, Var)
        return _pow(self, other)

    @_defer_to_numpy
    def __rpow__(self, other):
        _check_operand(other, Var)
        return _pow(other, self)

    def __neg__(self):
        return Var._node(-self.value, (self, -1.0))

    def __pos__(self):
        return self

    # -- elementary functions (NumPy calls these methods on object arrays: np.exp, np.tanh, ...)
    def exp(self) -> Var:
        """:math:`e^v`, local derivative :math:`e^v`."""
        e = math.exp(self.value)
        return Var._node(e, (self, e))

    def log(self) -> Var:
        """:math:`\\log v` for :math:`v > 0`, local derivative :math:`1/v`."""
        if self.value <= 0.0:
            raise ValueError(f"log needs a positive argument, got {self.value}")
        return Var._node(math.log(self.value), (self, 1.0 / self.value))

    def tanh(self) -> Var:
        """:math:`\\tanh v`, local derivative :math:`1 - \\tanh^2 v`."""
        t = math.tanh(self.value)
        return Var._node(t, (self, 1.0 - t * t))

    def relu(self, at_zero: float = 0.0) -> Var:
        """:math:`\\max(v, 0)`; local derivative 1 for v > 0, 0 for v < 0 and ``at_zero`` at 0."""
        s = _relu_slope(self.value, at_zero)
        return Var._node(max(self.value, 0.0), (self, s))

    # -- the reverse sweep
    def _topological_order(self, seen: set | None = None) -> list[Var]:
        """Nodes of the graph of ``self`` not in ``seen``, each after all of its parents (iterative DFS)."""
        seen = set() if seen is None else seen
        order, stack = [], [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for parent, _ in node._parents:
                if id(parent) not in seen:
                    stack.append((parent, False))
        return order

    def backward(self) -> None:
        r"""Set ``v.grad`` :math:`= \partial\,\mathrm{self}/\partial v` for every node ``v`` of the graph.

        Gradients are reset to zero first (unlike PyTorch, they do not accumulate across calls).
        The same as ``backward([self], [1.0])``.
        """
        backward([self], [1.0])

    def __repr__(self) -> str:
        return f"Var(value={self.value:.6g}, grad={self.grad:.6g})"


def backward(outputs: Sequence[Var], seeds: Sequence[float]) -> None:
    r"""Reverse sweep seeded on several registers: set ``v.grad`` :math:`= \bar v` for every node ``v``.

    With seeds :math:`\tilde u_r` on the nodes ``outputs[r]`` (any registers of the graph, also
    intermediate ones, and a node may appear twice: its seeds add up), the adjoints are

    .. math:: \bar v_j = \tilde u_j + \sum_{i:\, j \prec i} \bar v_i\, \frac{\partial \varphi_i}{\partial v_j},

    where :math:`\tilde u_j` is the total seed of node :math:`j` (0 for unseeded nodes). Then the
    input adjoints are :math:`J^\top u` for the map from the inputs to the seeded registers,
    which is how :func:`vjp` uses it. ``y.backward()`` is ``backward([y], [1.0])``.

    Parameters
    ----------
    outputs : sequence of Var
    seeds : sequence of real numbers, one for each output
    """
    if isinstance(outputs, Var) or not isinstance(outputs, Sequence):
        raise TypeError(f"outputs must be a sequence of Var, got {type(outputs).__name__}")
    if not all(isinstance(o, Var) for o in outputs):
        raise TypeError("outputs must contain only Var nodes")
    if isinstance(seeds, np.ndarray) and seeds.ndim == 1:
        seeds = seeds.tolist()
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or len(seeds) != len(outputs):
        raise ValueError(f"seeds must be a sequence of {len(outputs)} real numbers (one per output)")
    seeds = [check_real(f"seeds[{r}]", u) for r, u in enumerate(seeds)]
    order, seen = [], set()
    for out in outputs:  # the union of the graphs, each node after all of its parents
        order.extend(out._topological_order(seen))
    for node in order:
        node.grad = 0.0
    for out, u in zip(outputs, seeds):
        out.grad += u  # the seed u_j is added, never overwritten: v_j = u_j + sum over its children
    for node in reversed(order):
        for parent, local in node._parents:
            parent.grad += node.grad * local
        _charge(derivative=2 * len(node._parents))  # one multiply and one add per edge


def _relu_slope(value: float, at_zero: float) -> float:
    at_zero = check_real("at_zero", at_zero)
    if value > 0.0:
        return 1.0
    if value < 0.0:
        return 0.0
    return at_zero


def _pow(base, exponent) -> Var:
    """``base ** exponent`` for Var/number operands (at least one a Var)."""
    b = base.value if isinstance(base, Var) else float(base)
    e = exponent.value if isinstance(exponent, Var) else float(exponent)
    if isinstance(exponent, Var) and b <= 0.0:
        raise ValueError(f"base must be positive when the exponent is a Var, got {b}")
    try:
        out = b**e
    except ZeroDivisionError:
        raise ZeroDivisionError("0 raised to a negative power") from None
    if isinstance(out, complex):
        raise ValueError(f"a negative base {b} to the non-integer power {e} is not real")
    d_base = e * b ** (e - 1.0) if (b != 0.0 or e >= 1.0) else 0.0
    d_exp = out * math.log(b) if b > 0.0 else 0.0
    return Var._node(out, (base, d_base), (exponent, d_exp))


# --------------------------------------------------------------------------- forward mode
class Dual:
    r"""A dual number :math:`a + b\varepsilon` with :math:`\varepsilon^2 = 0`, for forward mode.

    Every operation maps :math:`a + b\varepsilon` to :math:`\varphi(a) + \varphi'(a)\, b\,\varepsilon`
    (and bilinearly for binary operations), so a program evaluated at :math:`x + v\varepsilon` returns
    :math:`f(x) + (J_f(x)\, v)\,\varepsilon`.

    Parameters
    ----------
    value : float
        The real part :math:`a`.
    tangent : float
        The :math:`\varepsilon` part :math:`b` (0 by default: a constant).
    """

    def __init__(self, value: float, tangent: float = 0.0):
        self.value = check_real("value", value) if not isinstance(value, float) else value
        self.tangent = check_real("tangent", tangent) if not isinstance(tangent, float) else tangent

    @staticmethod
    def _op(value: float, *edges: tuple[Any, float]) -> Dual:
        """New dual: ``value + (sum of partial * operand.tangent) eps`` over the Dual operands."""
        duals = [(x, d) for x, d in edges if isinstance(x, Dual)]
        _charge(primal=1, derivative=3 * len(duals))  # partial, multiply, add per edge
        return Dual(float(value), float(sum(d * x.tangent for x, d in duals)))

    @_defer_to_numpy
    def __add__(self, other):
        _check_operand(other, Dual)
        o = other.value if isinstance(other, Dual) else float(other)
        return Dual._op(self.value + o, (self, 1.0), (other, 1.0))

    @_defer_to_numpy
    def __radd__(self, other):
        return self + other

    @_defer_to_numpy
    def __sub__(self, other):
        _check_operand(other, Dual)
        o = other.value if isinstance(other, Dual) else float(other)
        return Dual._op(self.value - o, (self, 1.0), (other, -1.0))

    @_defer_to_numpy
    def __rsub__(self, other):
        _check_operand(other, Dual)
        return Dual._op(float(other) - self.value, (self, -1.0))

    @_defer_to_numpy
    def __mul__(self, other):
        _check_operand(other, Dual)
        o = other.value if isinstance(other, Dual) else float(other)
        return Dual._op(self.value * o, (self, o), (other, self.value))

    @_defer_to_numpy
    def __rmul__(self, other):
        return self * other

    @_defer_to_numpy
    def __truediv__(self, other):
        _check_operand(other, Dual)
        o = other.value if isinstance(other, Dual) else float(other)
        if o == 0.0:
            raise ZeroDivisionError("division of a Dual by zero")
        return Dual._op(self.value / o, (self, 1.0 / o), (other, -self.value / o**2))

    @_defer_to_numpy
    def __rtruediv__(self, other):
        _check_operand(other, Dual)
        if self.value == 0.0:
            raise ZeroDivisionError("division by a Dual of value zero")
        return Dual._op(float(other) / self.value, (self, -float(other) / self.value**2))

    @_defer_to_numpy
    def __pow__(self, other):
        _check_operand(other, Dual)
        return _dual_pow(self, other)

    @_defer_to_numpy
    def __rpow__(self, other):
        _check_operand(other, Dual)
        return _dual_pow(other, self)

    def __neg__(self):
        return Dual._op(-self.value, (self, -1.0))

    def __pos__(self):
        return self

    def exp(self) -> Dual:
        """:math:`e^{a} + e^{a} b\\varepsilon`."""
        e = math.exp(self.value)
        return Dual._op(e, (self, e))

    def log(self) -> Dual:
        """:math:`\\log a + (b/a)\\varepsilon` for :math:`a > 0`."""
        if self.value <= 0.0:
            raise ValueError(f"log needs a positive argument, got {self.value}")
        return Dual._op(math.log(self.value), (self, 1.0 / self.value))

    def tanh(self) -> Dual:
        """:math:`\\tanh a + (1 - \\tanh^2 a)\\, b\\varepsilon`."""
        t = math.tanh(self.value)
        return Dual._op(t, (self, 1.0 - t * t))

    def relu(self, at_zero: float = 0.0) -> Dual:
        """:math:`\\max(a, 0) + s b\\varepsilon` with :math:`s = 1, 0` or ``at_zero`` for a > 0, a < 0, a = 0."""
        return Dual._op(max(self.value, 0.0), (self, _relu_slope(self.value, at_zero)))

    def __repr__(self) -> str:
        return f"Dual({self.value:.6g} + {self.tangent:.6g} eps)"


def _dual_pow(base, exponent) -> Dual:
    b = base.value if isinstance(base, Dual) else float(base)
    e = exponent.value if isinstance(exponent, Dual) else float(exponent)
    if isinstance(exponent, Dual) and b <= 0.0:
        raise ValueError(f"base must be positive when the exponent is a Dual, got {b}")
    out = b**e
    if isinstance(out, complex):
        raise ValueError(f"a negative base {b} to the non-integer power {e} is not real")
    d_base = e * b ** (e - 1.0) if (b != 0.0 or e >= 1.0) else 0.0
    d_exp = out * math.log(b) if b > 0.0 else 0.0
    return Dual._op(out, (base, d_base), (exponent, d_exp))


# --------------------------------------------------------------------------- JVP and VJP
def _objects(values: np.ndarray, make: Callable[[float, float], Any], other: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    for idx in np.ndindex(values.shape):
        out[idx] = make(float(values[idx]), float(other[idx]))
    return out


def _value_of(y: Any, cls: type) -> float:
    if isinstance(y, cls):
        return y.value
    if _is_number(y):
        return float(y)
    raise TypeError(f"f must return real numbers or {cls.__name__}s, got {type(y).__name__}")


def jvp(f: Callable, x, v) -> tuple[np.ndarray | float, np.ndarray | float]:
    r"""Forward mode: return ``(f(x), J_f(x) v)`` by one evaluation of ``f`` on dual numbers.

    ``f`` maps a NumPy array to a number or an array and is built from the operations of
    :class:`Dual` (``+ - * / **``, ``@`` and ``sum`` on object arrays, ``np.exp``, ``np.log``,
    ``np.tanh`` and ``.relu()``). Outputs that do not depend on ``x`` have tangent 0.

    Parameters
    ----------
    f : callable
    x : array_like, any shape
    v : array_like, same shape as ``x``

    Returns
    -------
    value, tangent
        Float or arrays of the shape of ``f(x)``: :math:`f(x)` and :math:`J_f(x)v`.
    """
    f = check_callable("f", f)
    x = check_array("x", x)
    v = check_array("v", v, shape=x.shape)
    y = f(_objects(x, Dual, v))
    if np.ndim(y) == 0:
        y = y.item() if isinstance(y, np.ndarray) else y
        return _value_of(y, Dual), (y.tangent if isinstance(y, Dual) else 0.0)
    y = np.asarray(y, dtype=object)
    value = np.array([_value_of(t, Dual) for t in y.flat]).reshape(y.shape)
    tangent = np.array([t.tangent if isinstance(t, Dual) else 0.0 for t in y.flat]).reshape(y.shape)
    return value, tangent


def vjp(f: Callable, x, u) -> tuple[np.ndarray | float, np.ndarray]:
    r"""Reverse mode: return ``(f(x), J_f(x)^T u)`` by one evaluation of ``f`` on :class:`Var` and one sweep.

    The sweep (:func:`backward`) is seeded with :math:`u_r` on the register of the output
    :math:`f_r(x)`; an output may be an intermediate register of another output (the seeds then
    accumulate). ``f`` is built from the operations of :class:`Var`.

    Parameters
    ----------
    f : callable
    x : array_like, any shape
    u : array_like of the shape of ``f(x)`` (a number for a scalar ``f``)

    Returns
    -------
    value, cotangent
        :math:`f(x)` (float or array) and :math:`J_f(x)^\top u` (array of the shape of ``x``).
    """
    f = check_callable("f", f)
    x = check_array("x", x)
    xs = _objects(x, lambda a, _: Var(a), np.zeros_like(x))
    y = f(xs)
    y_arr = np.asarray(y, dtype=object)
    u = check_array("u", u, shape=y_arr.shape)
    value = np.array([_value_of(t, Var) for t in y_arr.flat]).reshape(y_arr.shape)
    pairs = [(yi, float(ui)) for ui, yi in zip(u.flat, y_arr.flat) if isinstance(yi, Var)]
    cot = np.zeros(x.shape)
    if pairs:
        backward([yi for yi, _ in pairs], [ui for _, ui in pairs])
        for idx in np.ndindex(x.shape):
            cot[idx] = xs[idx].grad
    return (float(value) if value.ndim == 0 else value), cot


def grad_forward(f: Callable, x) -> np.ndarray:
    r"""Gradient of a scalar ``f`` by forward mode: :math:`n` JVPs with the basis vectors :math:`e_i`."""
    x = check_array("x", x, ndim=1)
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        e = np.zeros(x.shape[0])
        e[i] = 1.0
        g[i] = jvp(f, x, e)[1]
    return g


def grad_reverse(f: Callable, x) -> np.ndarray:
    r"""Gradient of a scalar ``f`` by reverse mode: one VJP with :math:`u = 1`."""
    x = check_array("x", x, ndim=1)
    return vjp(f, x, 1.0)[1]


# --------------------------------------------------------------------------- random straight-line programs
#: The instructions of :func:`random_program`, each a short composition of elementary operations
#: written with methods and operators only, so it runs on Var, Dual and 0-d torch tensors alike.
_INSTRUCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "tanh_mul": lambda a, b: (a * b).tanh(),
    "average": lambda a, b: 0.5 * (a + b),
    "tanh_sub": lambda a, b: (a - b).tanh(),
    "gauss": lambda a, b: (-(a * a)).exp() + b * 0.25,
    "log": lambda a, b: (1.0 + a * a).log() - b * 0.5,
    "div": lambda a, b: a / (1.0 + b * b),
    "relu": lambda a, b: (a - b).relu(),
    "sqrt": lambda a, b: (a * a + b * b + 1.0) ** 0.5 - 1.0,
    "exp2": lambda a, b: 2.0 ** a.tanh() - b * 0.5,
}


class Program:
    r"""A straight-line program :math:`v_{n+t} = \psi_t(v_{n+t-1}, v_{j_t})`, :math:`t = 1, \dots, T`, output :math:`v_{n+T}`.

    Each instruction :math:`\psi_t` is one of a few short compositions of elementary operations
    (see ``_INSTRUCTIONS``); the first operand is always the previous register, so the output
    depends on every input. Call it on a 1-d array of :class:`Var`, :class:`Dual` or a 1-d
    float64 torch tensor.
    """

    def __init__(self, n: int, instructions: list[tuple[str, int]]):
        self.n = n
        self.instructions = instructions

    def __call__(self, x):
        regs = [x[i] for i in range(self.n)]
        for name, j in self.instructions:
            regs.append(_INSTRUCTIONS[name](regs[-1], regs[j]))
        return regs[-1]

    def __len__(self) -> int:
        return len(self.instructions)


def random_program(n: int, *, steps_per_input: int = 4, relu: bool = True, seed) -> Program:
    r"""A random straight-line program of ``n`` inputs and ``steps_per_input * n`` instructions.

    Instruction :math:`t` combines the previous register with register :math:`j_t`, where
    :math:`j_t = t` (the :math:`t`-th input) for the first :math:`n` instructions and uniform over
    all earlier registers afterwards. ``relu=False`` leaves out the nonsmooth instruction.
    """
    from ._validate import check_rng

    n = check_int("n", n, minimum=1)
    steps_per_input = check_int("steps_per_input", steps_per_input, minimum=1)
    rng = check_rng("seed", seed)
    names = [k for k in _INSTRUCTIONS if relu or k != "relu"]
    instructions = []
    for t in range(steps_per_input * n):
        j = t if t < n else int(rng.integers(0, n + t))
        instructions.append((names[int(rng.integers(len(names)))], j))
    return Program(n, instructions)


# --------------------------------------------------------------------------- backpropagation for an MLP
#: Activations of :func:`mlp_backprop`: (phi, phi') with relu'(0) = 0 as in PyTorch.
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "linear": (lambda z: z, np.ones_like),
}


def _check_network(weights, biases, x, y, activation, loss="squared"):
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a string, got {type(activation).__name__}")
    check_choice("activation", activation, tuple(ACTIVATIONS))
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a string, got {type(loss).__name__}")
    check_choice("loss", loss, tuple(LOSSES))
    Ws, bs = check_layers(weights, biases)
    x = check_array("x", x, ndim=(1, 2))
    single = x.ndim == 1
    X = x[None, :] if single else x
    if X.shape[1] != Ws[0].shape[1]:
        raise ValueError(f"x must have {Ws[0].shape[1]} features (columns of weights[0]), got {X.shape[1]}")
    Y = check_array("y", y, shape=(Ws[-1].shape[0],) if single else (X.shape[0], Ws[-1].shape[0]))
    Y = Y[None, :] if single else Y
    return Ws, bs, X, Y


def mlp_forward(weights, biases, x, activation: str = "relu") -> np.ndarray:
    r"""The network :math:`f(x) = W_L \varphi(\cdots \varphi(W_1 x + b_1) \cdots) + b_L` (no activation on the last layer).

    ``x`` is one input of shape (d,) or a batch of shape (batch, d) (rows are inputs).
    """
    n_out = check_array("weights[-1]", weights[-1], ndim=2).shape[0] if len(weights) else 0
    y0 = np.zeros(n_out) if np.ndim(x) == 1 else np.zeros((np.shape(x)[0], n_out))
    Ws, bs, X, _ = _check_network(weights, biases, x, y0, activation)
    phi = ACTIVATIONS[activation][0]
    h = X
    for ell, (W, b) in enumerate(zip(Ws, bs)):
        z = h @ W.T + b
        h = z if ell == len(Ws) - 1 else phi(z)
    return h[0] if np.ndim(x) == 1 else h


def _log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise :math:`z - \\log\\sum_k e^{z_k}`, computed with the maximum subtracted (no overflow)."""
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def _squared_loss(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    residual = z - y
    return 0.5 * float(np.sum(residual**2)), residual


def _cross_entropy_loss(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    log_p = _log_softmax(z)
    # d/dz [-sum_k y_k log p_k] = (sum_k y_k) p - y; this is p - y when y is a probability vector.
    return -float(np.sum(y * log_p)), y.sum(axis=-1, keepdims=True) * np.exp(log_p) - y


#: Losses of :func:`mlp_backprop`: ``name -> (z, y) -> (loss summed over the rows, dloss/dz)``.
LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]] = {
    "squared": _squared_loss,
    "cross_entropy": _cross_entropy_loss,
}


def softmax_cross_entropy(z, y) -> tuple[float, np.ndarray]:
    r"""Cross-entropy of the softmax, :math:`\ell(z, y) = -\sum_k y_k \log \operatorname{softmax}(z)_k`, and its gradient in :math:`z`.

    .. math:: \nabla_z \ell = \Big(\sum_k y_k\Big) \operatorname{softmax}(z) - y ,

    which is :math:`\operatorname{softmax}(z) - y` when :math:`y` is a probability vector (a one-hot
    label, for instance). ``z`` and ``y`` have shape (k,) or (batch, k); a batch is summed.
    """
    z = check_array("z", z, ndim=(1, 2))
    y = check_array("y", y, shape=z.shape)
    return _cross_entropy_loss(z, y)


def _forward_records(Ws, bs, X, phi):
    """The forward pass keeping every z_l and h_l (rows = batch); hs[0] = X and hs[L] = z_L."""
    L = len(Ws)
    hs, zs = [X], []
    for ell in range(L):
        z = hs[-1] @ Ws[ell].T + bs[ell]
        zs.append(z)
        hs.append(z if ell == L - 1 else phi(z))
    return zs, hs


def _errors(Ws, zs, delta_L, dphi) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (l, delta_{l+1}) for l = L-1, ..., 0 (0-based layers): delta_L, then delta_l = (W_{l+1}^T delta_{l+1}) ⊙ phi'(z_l).

    A generator, so that mlp_backprop holds one error at a time.
    """
    delta = delta_L
    for ell in range(len(Ws) - 1, -1, -1):
        yield ell, delta
        if ell > 0:
            delta = (delta @ Ws[ell]) * dphi(zs[ell - 1])  # (W^T delta) ⊙ phi'(z)


def mlp_errors(weights, biases, x, y, activation: str = "relu", *, loss: str = "squared") -> list[np.ndarray]:
    r"""The errors :math:`\delta_\ell = \partial \mathcal L / \partial z_\ell`, :math:`\ell = 1, \dots, L`, one row per input.

    The same recursion as :func:`mlp_backprop`, but the errors are returned for every input of the
    batch separately (``mlp_backprop`` sums the gradients over the batch). ``x`` of shape (d,)
    gives arrays of shape (n_l,), a batch of shape (batch, d) arrays of shape (batch, n_l).
    """
    Ws, bs, X, Y = _check_network(weights, biases, x, y, activation, loss)
    phi, dphi = ACTIVATIONS[activation]
    zs, hs = _forward_records(Ws, bs, X, phi)
    _, delta_L = LOSSES[loss](hs[-1], Y)
    deltas = [None] * len(Ws)
    for ell, delta in _errors(Ws, zs, delta_L, dphi):
        deltas[ell] = delta[0] if np.ndim(x) == 1 else delta
    return deltas


def mlp_backprop(weights, biases, x, y, activation: str = "relu", *,
                 loss: str = "squared") -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    r"""Loss of a multilayer network and its gradients, by backpropagation.

    With :math:`h_0 = x`, :math:`z_\ell = W_\ell h_{\ell-1} + b_\ell`, :math:`h_\ell = \varphi(z_\ell)`
    for :math:`\ell < L` and :math:`f(x) = z_L`, the errors :math:`\delta_\ell = \partial \mathcal L/\partial z_\ell` obey

    .. math:: \delta_L = \nabla_{z_L} \ell(z_L, y), \qquad \delta_\ell = (W_{\ell+1}^\top \delta_{\ell+1}) \odot \varphi'(z_\ell),

    and :math:`\partial\mathcal L/\partial W_\ell = \delta_\ell h_{\ell-1}^\top`,
    :math:`\partial\mathcal L/\partial b_\ell = \delta_\ell`. For the squared loss
    :math:`\ell = \tfrac12\lVert z_L - y\rVert^2` the output error is :math:`\delta_L = z_L - y`; for the
    cross-entropy of the softmax it is :math:`\operatorname{softmax}(z_L) - y` (for a probability vector
    :math:`y`, see :func:`softmax_cross_entropy`). No automatic differentiation is used.

    Parameters
    ----------
    weights : list of arrays, ``weights[l]`` of shape (n_{l+1}, n_l)
    biases : list of arrays, ``biases[l]`` of shape (n_{l+1},)
    x : array of shape (d,) (one input) or (batch, d) (a batch, one input a row)
    y : array of shape (n_L,) or (batch, n_L)
    activation : {"relu", "tanh", "linear"}
        Applied on every layer but the last; ``relu'(0) = 0``.
    loss : {"squared", "cross_entropy"}

    Returns
    -------
    loss : float
        The loss summed over the batch (so a batch of one equals the single-vector call).
    grads_W, grads_b : lists of arrays shaped like ``weights`` and ``biases``.
    """
    Ws, bs, X, Y = _check_network(weights, biases, x, y, activation, loss)
    phi, dphi = ACTIVATIONS[activation]
    zs, hs = _forward_records(Ws, bs, X, phi)  # forward pass, storing every z_l and h_l
    value, delta_L = LOSSES[loss](hs[-1], Y)
    grads_W, grads_b = [None] * len(Ws), [None] * len(Ws)
    for ell, delta in _errors(Ws, zs, delta_L, dphi):  # backward pass, one error at a time
        grads_W[ell] = delta.T @ hs[ell]  # sum over the batch of delta_l h_{l-1}^T
        grads_b[ell] = delta.sum(axis=0)
    return value, grads_W, grads_b


class CheckpointStats(NamedTuple):
    """Cost of a checkpointed backward pass.

    ``peak_stored``: largest number of layer records (z_l, h_l) held at once (checkpoints plus
    the recomputed segment); ``layer_evals``: layer evaluations in total (forward and recomputation);
    ``segment``: the segment length k.
    """

    peak_stored: int
    layer_evals: int
    segment: int


def mlp_backprop_checkpointed(weights, biases, x, y, activation: str = "relu", *,
                              segment: int | None = None, loss: str = "squared"):
    r"""The gradients of :func:`mlp_backprop`, storing only every ``segment``-th activation.

    The forward pass keeps the checkpoints :math:`h_0, h_k, h_{2k}, \dots`; the backward pass
    recomputes one segment of :math:`k` layers at a time from its checkpoint and backpropagates
    through it. With :math:`k \approx \sqrt L` the memory is about :math:`2\sqrt L` layer records
    instead of :math:`L`, for at most one extra forward pass.

    Returns
    -------
    loss, grads_W, grads_b, stats : as :func:`mlp_backprop`, plus a :class:`CheckpointStats`.
    """
    Ws, bs, X, Y = _check_network(weights, biases, x, y, activation, loss)
    phi, dphi = ACTIVATIONS[activation]
    L = len(Ws)
    k = math.ceil(math.sqrt(L)) if segment is None else check_int("segment", segment, minimum=1)
    evals = 0

    def layer(ell, h):
        nonlocal evals
        evals += 1
        z = h @ Ws[ell].T + bs[ell]
        return z, (z if ell == L - 1 else phi(z))

    checkpoints = {0: X}  # h_{s} for s = 0, k, 2k, ...
    h = X
    for ell in range(L):
        _, h = layer(ell, h)
        if (ell + 1) % k == 0 and ell + 1 < L:
            checkpoints[ell + 1] = h
    value, residual = LOSSES[loss](h, Y)
    peak = len(checkpoints)
    grads_W, grads_b = [None] * L, [None] * L
    g = residual  # dL/d(output of the current segment); for the last layer, output = z_L
    for start in sorted(checkpoints, reverse=True):  # last segment first
        stop = min(start + k, L)
        records, h = [], checkpoints.pop(start)
        for ell in range(start, stop):  # recompute the segment from its checkpoint
            z, h_next = layer(ell, h)
            records.append((z, h))  # z_l and the input of layer l
            h = h_next
        peak = max(peak, len(checkpoints) + 1 + len(records))
        for ell in range(stop - 1, start - 1, -1):
            z_ell, h_in = records[ell - start]
            delta = g if ell == L - 1 else g * dphi(z_ell)  # delta_l = (W_{l+1}^T delta_{l+1}) ⊙ phi'(z_l)
            grads_W[ell] = delta.T @ h_in
            grads_b[ell] = delta.sum(axis=0)
            g = delta @ Ws[ell]  # W_l^T delta_l = dL/dh_{l-1}
    return value, grads_W, grads_b, CheckpointStats(peak, evals, k)


def preactivation_jacobians(weights, biases, x, activation: str = "relu") -> list[np.ndarray]:
    r"""The layer Jacobians :math:`\partial z_{\ell+1}/\partial z_\ell = W_{\ell+1} D_\ell`, :math:`\ell = 1, \dots, L-1`, at one input.

    Here :math:`D_\ell = \operatorname{diag}\varphi'(z_\ell)`. Their product
    :math:`J_{L\leftarrow\ell} = W_L D_{L-1} \cdots W_{\ell+1} D_\ell` carries the error back:
    :math:`\delta_\ell = J_{L\leftarrow\ell}^\top \delta_L`.
    """
    x = check_array("x", x, ndim=1)
    Ws, bs, X, _ = _check_network(weights, biases, x, np.zeros(np.shape(weights[-1])[0]), activation)
    phi, dphi = ACTIVATIONS[activation]
    jacs, h = [], X[0]
    for ell in range(len(Ws) - 1):
        z = Ws[ell] @ h + bs[ell]
        jacs.append(Ws[ell + 1] * dphi(z)[None, :])  # W_{l+1} diag(phi'(z_l))
        h = phi(z)
    return jacs
