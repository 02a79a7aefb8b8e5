"""Valid bounds from any dual vector, and reduced-cost fixing, for a models.LinearModel.

For  max c^T v  s.t.  row_lb <= A v <= row_ub,  lb <= v <= ub  (integrality dropped) and
any row multipliers pi, weak duality gives

    c^T v  <=  sum_i (pi_i^+ row_ub_i - pi_i^- row_lb_i)  +  sum_j max(d_j ub_j, d_j lb_j),
    d = c - A^T pi,

for every feasible v, once pi_i^+ = 0 where row_ub_i is infinite and pi_i^- = 0 where
row_lb_i is (the multipliers are clipped to the signs the rows allow). The bound is
recomputed here from the model's raw data, so an inexact or stopped LP solve (any pi at
all) never yields an invalid bound: only a weaker one.

Reduced-cost fixing: the same bound with v_j forced to its other end is
L - |d_j| (ub - lb); if that is below the incumbent's value (plus the granularity when
ties may be dropped), no better plan sets v_j there, and v_j is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.linear import LinearModel


@dataclass(frozen=True, kw_only=True)
class DualBound:
    bound: float  # no feasible v of the relaxation has a larger objective (maximisation)
    reduced: np.ndarray  # d_j = c_j - A_j^T pi, per variable

    def forced_bound(self, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
        """Per variable: the bound when v_j is forced to the end its reduced cost does not pick."""
        return self.bound - np.abs(self.reduced) * (ub - lb)


def clip_duals(model: LinearModel, pi: np.ndarray) -> np.ndarray:
    """pi with the signs the rows allow (max sense: > 0 only on finite upper, < 0 only on finite lower)."""
    pi = np.nan_to_num(np.asarray(pi, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    pi = np.where(np.isfinite(model.row_ub), pi, np.minimum(pi, 0.0))
    return np.where(np.isfinite(model.row_lb), pi, np.maximum(pi, 0.0))


def dual_bound(model: LinearModel, pi: np.ndarray) -> DualBound:
    """The weak-duality bound of ``model`` (a maximisation, finite variable bounds) at multipliers ``pi``."""
    if not model.maximize:
        raise ValueError("dual_bound expects a maximisation model")
    if not (np.all(np.isfinite(model.lb)) and np.all(np.isfinite(model.ub))):
        raise ValueError("dual_bound needs finite variable bounds")
    pi = clip_duals(model, pi)
    pos, neg = np.maximum(pi, 0.0), np.maximum(-pi, 0.0)
    rows = float(np.sum(pos[pos > 0] * model.row_ub[pos > 0]) - np.sum(neg[neg > 0] * model.row_lb[neg > 0]))
    d = model.objective - model.A.T @ pi
    box = float(np.sum(np.maximum(d * model.ub, d * model.lb)))
    return DualBound(bound=rows + box + model.objective_offset, reduced=np.asarray(d, dtype=float))
