"""Tests of nnmath._validate: the argument checks every public function uses."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import _validate as v


def test_check_int_rejects_bools_and_floats_and_bounds():
    """Integers pass (NumPy ones too); booleans and floats are TypeErrors; bounds are ValueErrors naming the argument."""
    assert v.check_int("n", np.int64(3), minimum=1) == 3
    with pytest.raises(TypeError, match="n must be an integer"):
        v.check_int("n", True)
    with pytest.raises(TypeError, match="n"):
        v.check_int("n", 2.0)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        v.check_int("n", 0, minimum=1)


def test_check_real_open_and_closed_bounds():
    """strict=True excludes the end points; non-finite values are rejected."""
    assert v.check_real("lr", 0.0, minimum=0.0) == 0.0
    with pytest.raises(ValueError, match="lr must be > 0"):
        v.check_real("lr", 0.0, minimum=0.0, strict=True)
    with pytest.raises(ValueError, match="finite"):
        v.check_real("lr", float("nan"))


def test_check_array_shape_and_finiteness():
    """Shapes with free axes are checked, and NaN entries are rejected."""
    assert v.check_array("x", [[1, 2, 3]], shape=(None, 3)).shape == (1, 3)
    with pytest.raises(ValueError, match=r"x must have shape \(any, 2\)"):
        v.check_array("x", [[1, 2, 3]], shape=(None, 2))
    with pytest.raises(ValueError, match="finite"):
        v.check_array("x", [np.nan])
    with pytest.raises(TypeError, match="x must be a numeric array"):
        v.check_array("x", ["a"])


def test_check_array_integer_dtype_rejects_fractions():
    """With an integer dtype, whole-number floats are converted exactly and a fraction is an error, not truncated."""
    out = v.check_array("t", [0.0, 3.0, 7.0], dtype=np.int64)
    assert out.dtype == np.int64 and out.tolist() == [0, 3, 7]
    assert v.check_array("t", np.array([2, 5], dtype=np.int32), dtype=int).tolist() == [2, 5]
    with pytest.raises(ValueError, match=r"t must contain whole numbers, got 2\.5"):
        v.check_array("t", [1.0, 2.5], dtype=np.int64)
    with pytest.raises(ValueError, match="whole numbers"):
        v.check_array("t", [[-0.5]], dtype=int)
    with pytest.raises(TypeError, match="t must be a numeric array"):
        v.check_array("t", [np.nan], dtype=int)


def test_check_interval():
    """An interval is a pair low < high of finite numbers."""
    assert v.check_interval("domain", (0, 1)) == (0.0, 1.0)
    with pytest.raises(ValueError, match="domain"):
        v.check_interval("domain", (1, 0))
    with pytest.raises(TypeError, match="domain"):
        v.check_interval("domain", 3)


def test_check_layers_chains_shapes():
    """Layers must chain (columns of W_l = rows of W_{l-1}) with one bias vector of the right length per layer."""
    Ws, bs = v.check_layers([np.ones((3, 2)), np.ones((1, 3))], [np.zeros(3), np.zeros(1)])
    assert [W.shape for W in Ws] == [(3, 2), (1, 3)] and bs[1].dtype == float
    with pytest.raises(ValueError, match=r"weights\[1\] must have 3 columns"):
        v.check_layers([np.ones((3, 2)), np.ones((1, 4))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match=r"biases\[0\]"):
        v.check_layers([np.ones((3, 2))], [np.zeros(2)])
    with pytest.raises(ValueError, match="biases must have one vector per layer"):
        v.check_layers([np.ones((3, 2))], [])
    with pytest.raises(ValueError, match="at least one layer"):
        v.check_layers([], [])
    with pytest.raises(TypeError, match="weights and biases must be lists"):
        v.check_layers(np.ones((2, 3, 3)), [np.zeros(3)])


def test_check_rng_and_choice():
    """Seeds give reproducible generators; a generator passes through; unknown choices are listed."""
    assert v.check_rng("seed", 5).random() == v.check_rng("seed", 5).random()
    g = np.random.default_rng(0)
    assert v.check_rng("seed", g) is g
    with pytest.raises(ValueError, match="seed"):
        v.check_rng("seed", -1)
    with pytest.raises(ValueError, match="'relu', 'tanh'"):
        v.check_choice("activation", "sigmoid", ("relu", "tanh"))
