"""The numeric range of every value a user gives: table cells, scenario keys, ``--set`` and CLI options.

One table, checked in one place for each way a value comes in (solver/inputs/tables.py for
cells, solver/inputs/scenario.py for scenario keys and ``--set``, solver/cli for options):
a value outside its range is an input problem naming it, never an overflow, a negative
total or a solver that rejects the model. The limits are what the model and the solvers
handle exactly, far beyond any real district:

* counts are integers; households per demand point below 10^9 and 10^10 in a district, so
  that weighted totals stay exact in floating point (weight x households < 2^53);
* money at most 10^12 yuan per space or service and 10^15 for a budget or a street cap
  (SCIP treats 10^20 as infinite; costs x eps of the lexicographic objective stay representable);
* floors -10 (B10) to 200; areas up to 10 km^2; edges up to 1,000 km;
* walking speed up to 1,000 m/min, thresholds up to 600 minutes, snapping up to 100 km;
* solver options: time limits up to 10^7 s, threads 1-256, seeds 0 to 2^31 - 1 (SCIP's and
  CP-SAT's int range).

README's data contract lists the same table (tests/test_ranges.py checks that it does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Range:
    """low <= v <= high (low < v with ``low_open``), whole numbers only with ``integer``."""

    low: float
    high: float
    low_open: bool = False
    integer: bool = False
    what: str = ""  # what the value counts, for the rule's text ("households", "yuan", ...)
    why: str = "a larger value is a typo or a unit error"  # said when a value is above ``high``

    def low_rule(self) -> str:
        return f"must be {'>' if self.low_open else '>='} {_num(self.low)}"

    def high_rule(self) -> str:
        unit = f" {self.what}" if self.what else ""
        return f"must be <= {_num(self.high)}{unit}" + (f" ({self.why})" if self.why else "")

    def text(self) -> str:
        """The range for documentation: ``0 < v <= 10,000,000``."""
        low = f"{_num(self.low)} {'<' if self.low_open else '<='} v"
        return f"{'whole number, ' if self.integer else ''}{low} <= {_num(self.high)}"

    def problem(self, value: Any) -> str | None:
        """Why a scalar (from TOML, ``--set`` or Python) is not acceptable, or None."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a number"
        if isinstance(value, float) and not math.isfinite(value):
            return "must be finite"
        if self.integer and not (isinstance(value, int) or float(value).is_integer()):
            return "must be a whole number"
        if value < self.low or (self.low_open and value == self.low):
            return self.low_rule()
        if value > self.high:
            return self.high_rule()
        return None


def _num(v: float) -> str:
    if float(v).is_integer() and abs(v) >= 10_000:
        return f"{int(v):,}"
    return f"{v:g}"


# table cells
HOUSEHOLDS = Range(0, 999_999_999, integer=True, what="households per demand point")
PEOPLE = Range(0, 1e10, what="people")
SPACE_AREA_M2 = Range(0, 1e7, low_open=True, what="m²")
FLOOR = Range(-10, 200, integer=True)
COST_YUAN = Range(0, 1e12, what="yuan")
EDGE_M = Range(0, 1e6, low_open=True, what="m")
TOTAL_HOUSEHOLDS = 1e10  # households in one district (the sum of the table)

# scenario keys (and their --set / command-line counterparts)
BUDGET_YUAN = Range(0, 1e15, what="yuan")
SPEED_M_PER_MIN = Range(0, 1000, low_open=True, what="m/min")
DETOUR = Range(1, 10, why="a walking route ten times the straight line is not a detour")
SNAP_M = Range(0, 1e5, low_open=True, what="m")
THRESHOLD_MIN = Range(0, 600, low_open=True, what="minutes")
WEIGHT = Range(0, 1e4)
SERVICE_AREA_M2 = Range(0, 1e7, what="m²")
SITES = Range(0, 1_000_000, integer=True, what="sites")
TIME_LIMIT_S = Range(0, 1e7, low_open=True, what="seconds")
GAP = Range(0, 1, why="")
THREADS = Range(1, 256, integer=True, what="threads", why="")
SEED = Range(0, 2**31 - 1, integer=True, why="the solvers' range of seeds")
SWEEP_STEPS = Range(1, 1000, integer=True, what="levels")

# scenario key (dotted, '*' for any name) -> range, for the README's table and --set
SCENARIO_RANGES: dict[str, Range] = {
    "budget_yuan": BUDGET_YUAN,
    "walking.speed_m_per_min": SPEED_M_PER_MIN,
    "walking.detour_factor": DETOUR,
    "walking.max_snap_m": SNAP_M,
    "services.*.threshold_min": THRESHOLD_MIN,
    "services.*.weight": WEIGHT,
    "services.*.fit_out_cost": COST_YUAN,
    "services.*.area_m2": SERVICE_AREA_M2,
    "services.*.min_floor": FLOOR,
    "conversion_cost_default.*": COST_YUAN,
    "street_caps.*.max_sites": SITES,
    "street_caps.*.max_yuan": BUDGET_YUAN,
    "must_open.*": SITES,
    "solve.time_limit_s": TIME_LIMIT_S,
    "solve.relative_gap": GAP,
    "solve.threads": THREADS,
    "solve.seed": SEED,
    "candidates.cost.*": COST_YUAN,
    "candidates.cost_by_type.*": COST_YUAN,
    "services.*.shared_fit_out.*": COST_YUAN,
    "villages.speed_m_per_min": SPEED_M_PER_MIN,
    "villages.min_population": PEOPLE,
}
TABLE_RANGES: dict[str, Range] = {
    "households.households": HOUSEHOLDS,
    "households.population": PEOPLE,
    "households.elderly": PEOPLE,
    "candidates.area_m2": SPACE_AREA_M2,
    "candidates.floor": FLOOR,
    "candidates.conversion_cost": COST_YUAN,
    "network_edges.length_m": EDGE_M,
}

# import-osm settings (solver/osm/settings.py; the --dwelling-m2, --default-levels and
# --households-total options set the same keys)
OSM_RANGES: dict[str, Range] = {
    "network.max_edge_m": Range(0, 1e5, what="m"),
    "network.max_snap_m": Range(0, 1e5, low_open=True, what="m"),
    "households.dwelling_m2": Range(1, 1e4, what="m² per household"),
    "households.default_levels": Range(0, 200, low_open=True, what="levels"),
    "households.storey_height_m": Range(0.5, 100, what="m"),
    "households.min_footprint_m2": Range(0, 1e6, what="m²"),
    "households.landuse_coverage": Range(0, 1, why=""),
    "households.calibrate_total": Range(0, TOTAL_HOUSEHOLDS, integer=True, what="households"),
    "spaces.min_area_m2": Range(0, 1e7, what="m²"),
    "candidates.*.default_area_m2": Range(0, 1e7, low_open=True, what="m²"),
    "candidates.*.floor": FLOOR,
}
