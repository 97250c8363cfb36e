r"""Learning-rate schedules: linear warm-up, cosine annealing, and cosine with warm restarts.

A schedule is the sequence :math:`\eta_0, \eta_1, \dots, \eta_{T-1}` of learning rates of a run of
:math:`T` steps, returned as an array (step :math:`k` uses ``lrs[k]``).

- :func:`warmup_cosine`: a linear warm-up over :math:`W` steps to :math:`\eta_{\max}`, then the
  cosine decay (Loshchilov and Hutter, 2017)

  .. math::  \eta_k = \eta_{\min} + \tfrac12(\eta_{\max} - \eta_{\min})
             \Big(1 + \cos\frac{\pi (k - W)}{T - 1 - W}\Big), \qquad W \le k \le T - 1,

  which starts at :math:`\eta_{\max}`, ends at :math:`\eta_{\min}` and whose mean over the decay
  phase is exactly :math:`(\eta_{\max} + \eta_{\min})/2`.
- :func:`cosine_restarts`: SGDR's cosine annealing restarted after periods
  :math:`T_0, T_0 m, T_0 m^2, \dots`.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int, check_real

__all__ = ["warmup_cosine", "cosine_restarts"]


def warmup_cosine(total_steps: int, *, lr_max: float, warmup_steps: int = 0, lr_min: float = 0.0) -> np.ndarray:
    r"""Linear warm-up followed by cosine decay, as an array of ``total_steps`` learning rates.

    Warm-up (:math:`0 \le k < W`): :math:`\eta_k = \eta_{\max} (k + 1)/W`, so the last warm-up step
    uses :math:`\eta_{\max}`. Decay (:math:`W \le k \le T - 1`, :math:`N = T - 1 - W`):

    .. math::  \eta_k = \eta_{\min} + \tfrac12(\eta_{\max} - \eta_{\min})\big(1 + \cos(\pi (k - W)/N)\big)

    (:math:`\eta_k = \eta_{\max}` if :math:`N = 0`).

    Parameters
    ----------
    total_steps : int, ``>= 1``
    lr_max : float, ``> 0``
    warmup_steps : int, ``0 <= warmup_steps < total_steps``
    lr_min : float, ``0 <= lr_min <= lr_max``

    Returns
    -------
    ndarray of shape (total_steps,)
    """
    T = check_int("total_steps", total_steps, minimum=1)
    lr_max = check_real("lr_max", lr_max, minimum=0.0, strict=True)
    W = check_int("warmup_steps", warmup_steps, minimum=0, maximum=T - 1)
    lr_min = check_real("lr_min", lr_min, minimum=0.0, maximum=lr_max)
    k = np.arange(T, dtype=float)
    lrs = np.empty(T)
    lrs[:W] = lr_max * (k[:W] + 1) / W if W > 0 else lrs[:0]
    N = T - 1 - W
    if N == 0:
        lrs[W:] = lr_max
    else:
        lrs[W:] = lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * (k[W:] - W) / N))
    return lrs


def cosine_restarts(total_steps: int, *, lr_max: float, period: int, period_mult: int = 1,
                    lr_min: float = 0.0) -> np.ndarray:
    r"""Cosine annealing with warm restarts (SGDR), as an array of ``total_steps`` learning rates.

    The run is cut into cycles of lengths :math:`T_0, T_0 m, T_0 m^2, \dots` (``period``,
    ``period_mult``); inside a cycle of length :math:`L`, step :math:`j = 0, \dots, L - 1` uses

    .. math::  \eta = \eta_{\min} + \tfrac12(\eta_{\max} - \eta_{\min})\big(1 + \cos(\pi j / L)\big),

    so every cycle restarts at :math:`\eta_{\max}` (Loshchilov and Hutter, 2017).

    Parameters
    ----------
    total_steps : int, ``>= 1``
    lr_max : float, ``> 0``
    period : int, ``>= 1``
    period_mult : int, ``>= 1``
    lr_min : float, ``0 <= lr_min <= lr_max``

    Returns
    -------
    ndarray of shape (total_steps,)
    """
    T = check_int("total_steps", total_steps, minimum=1)
    lr_max = check_real("lr_max", lr_max, minimum=0.0, strict=True)
    L = check_int("period", period, minimum=1)
    m = check_int("period_mult", period_mult, minimum=1)
    lr_min = check_real("lr_min", lr_min, minimum=0.0, maximum=lr_max)
    lrs = np.empty(T)
    start = 0
    while start < T:
        j = np.arange(min(L, T - start), dtype=float)
        lrs[start:start + j.size] = lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * j / L))
        start += L
        L *= m
    return lrs
