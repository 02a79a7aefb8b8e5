"""A solver-neutral mixed-integer linear model in matrix form.

    optimise  c^T v + offset
    subject   row_lb <= A v <= row_ub,   lb <= v <= ub,   v_i integer for i in I

Formulations (models/*.py) build one of these; backends (solver/engine/backends/)
translate it for OR-Tools or PuLP. Named blocks of variables (``x``, ``u``,
``y``) let callers read a solution back without knowing the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix, csr_matrix


@dataclass(frozen=True, kw_only=True)
class LinearModel:
    name: str
    objective: np.ndarray
    maximize: bool
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    A: csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    blocks: dict[str, tuple[int, int]]
    row_blocks: dict[str, tuple[int, int]] = field(default_factory=dict)
    objective_offset: float = 0.0

    @property
    def n_vars(self) -> int:
        return len(self.objective)

    @property
    def n_rows(self) -> int:
        return self.A.shape[0]

    def block(self, values: np.ndarray, name: str) -> np.ndarray:
        start, stop = self.blocks[name]
        return values[start:stop]

    def objective_value(self, values: np.ndarray) -> float:
        return float(self.objective @ values + self.objective_offset)

    def violations(self, values: np.ndarray, *, tol: float = 1e-6) -> int:
        """Number of violated rows and bounds (for self-checks of backends)."""
        act = self.A @ values
        bad = int(np.sum(act < self.row_lb - tol) + np.sum(act > self.row_ub + tol))
        bad += int(np.sum(values < self.lb - tol) + np.sum(values > self.ub + tol))
        return bad


class RowBuilder:
    """Accumulates constraint rows as COO triplets, in named blocks."""

    def __init__(self, n_vars: int):
        self.n_vars = n_vars
        self._r: list[np.ndarray] = []
        self._c: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self.n_rows = 0
        self.blocks: dict[str, tuple[int, int]] = {}

    def add(self, name: str, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lb: npt.ArrayLike,
            ub: npt.ArrayLike) -> None:
        """Add len(lb) rows; ``rows`` index them from 0 within this block."""
        lb, ub = np.asarray(lb, dtype=float), np.asarray(ub, dtype=float)
        n = len(lb)
        if n == 0:
            return
        start = self.n_rows
        self._r.append(np.asarray(rows, dtype=np.int64) + start)
        self._c.append(np.asarray(cols, dtype=np.int64))
        self._v.append(np.asarray(vals, dtype=float))
        self._lb.append(np.asarray(lb, dtype=float))
        self._ub.append(np.asarray(ub, dtype=float))
        self.n_rows += n
        self.blocks[name] = (start, self.n_rows)

    def build(self) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        if not self._r:
            return csr_matrix((0, self.n_vars)), np.zeros(0), np.zeros(0)
        A = coo_matrix((np.concatenate(self._v), (np.concatenate(self._r), np.concatenate(self._c))),
                       shape=(self.n_rows, self.n_vars)).tocsr()
        A.sum_duplicates()
        A.sort_indices()
        return A, np.concatenate(self._lb), np.concatenate(self._ub)
