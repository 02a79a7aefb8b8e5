"""Solving a covering instance: reduce, warm-start, solve in lexicographic stages, map back.

    solve_instance(instance, mode=..., params=SolveParameters(...)) -> PlanResult

Max-coverage mode solves the lexicographic objective (most coverage, then least
cost) in one model (see models/mclp.py); cover mode runs the minimum-cost full
coverage model (where that is impossible, the two stages of
most_coverage.py). A greedy plan improved by local search and a swap tabu search
is given to the solver as a hint. The plan is
returned in the indices of the instance passed in, with its coverage and cost
recomputed from that instance (never read off solver variables).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from models.instance import Instance
from models.mclp import build_max_coverage, coverage_bound
from models.mode import Mode
from models.structure import plan_layout, plan_values

from ..choices import Backend, Engine
from . import district, lagrangian, most_coverage, warmup
from .backends import solve_linear
from .backends.highs_lp import solve_mip, solve_mip_apart
from .guard import guard_plan
from .heuristics import Prepared, conservative_instance, greedy_cover, greedy_max_coverage
from .local_search import improve, tabu_search
from .outcome import PlanResult, StageReport, solvers_of
from .reduce import Reduction, keep_options, reduce_instance
from .result import BackendResult, Settings, SolveParameters, Termination, TraceEvent
from .windows import improve_by_windows


def full_vector(inst: Instance, x: np.ndarray, *, with_items: bool) -> np.ndarray:
    """Variable values (x, u[, y]) of the models for an option selection x."""
    parts = [plan_values(inst, plan_layout(inst), x)]
    if with_items:
        parts.append(inst.covered_items(x).astype(float))
    return np.concatenate(parts)


def _read_x(model, values: np.ndarray) -> np.ndarray:
    return model.block(values, "x") > 0.5


def _stage(name: str, res: BackendResult) -> StageReport:
    return StageReport(name=name, termination=res.termination, objective=res.objective,
                       best_bound=res.best_bound, wall_s=res.wall_s, solver=res.solver)


def solve_instance(inst: Instance, *, mode: Mode, params: SolveParameters, backend: Backend | str = Backend.ORTOOLS,
                   engine: Engine | str = Engine.SCIP, reduce: bool = True, warm_start: bool = True,
                   cheapest: bool = True, hint_x: np.ndarray | None = None) -> PlanResult:
    """Solve ``inst`` exactly (within the time limit and gap) and return the plan.

    ``cheapest=False`` drops the second objective (the cheapest plan among those with
    maximal coverage), which the textbook MCLP does not ask for. ``hint_x`` (a bool per
    option of ``inst``, e.g. the plan of a neighbouring budget level) is the solver's
    starting plan when it is feasible here (the heuristic is then skipped); otherwise
    the heuristic plan is used.
    """
    if mode is Mode.GRADE or inst.targets is not None:  # coverage targets per area: solver/engine/targets.py
        from .targets import solve_fair, solve_grade

        solve_targets = solve_grade if mode is Mode.GRADE else solve_fair
        return solve_targets(inst, params=params, backend=backend, engine=engine, reduce=reduce,
                             solve_plain=solve_instance)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    cover_mode = mode is Mode.COVER
    if reduce:
        red = reduce_instance(inst, cover_mode=cover_mode)
    else:
        red = Reduction(instance=inst, item_map=np.arange(inst.n_items), option_keep=np.arange(inst.n_options),
                        site_keep=np.arange(inst.n_sites), sizes={})
    timings["reduce"] = time.perf_counter() - t0
    r = red.instance
    sizes = dict(red.sizes)
    unreachable_must = int(np.sum(inst.item_must & (red.item_map == -1)))
    if unreachable_must:
        return PlanResult(termination=Termination.INFEASIBLE, mode=mode, x=None, coverage=None, cost=None,
                          best_bound=None, wall_s=time.perf_counter() - t0, stages=[], sizes=sizes,
                          solver="", timings=timings,
                          message=f"{unreachable_must} must-cover item(s) cannot be reached by any option")
    if warm_start and not cover_mode and _searches(r):
        warmup.start()  # compile the search (numba) while the warm start and the LP root run
    t1 = time.perf_counter()
    hint_x = _given_hint(inst, red, hint_x, cover_mode=cover_mode) if warm_start else None
    district_core = not cover_mode and _district_shaped(r)
    # with two threads the district core's warm start runs beside its LP root (HiGHS releases the GIL)
    greedy_beside = warm_start and hint_x is None and district_core and params.threads >= 2
    if warm_start and hint_x is None and not greedy_beside:
        if not cover_mode and _searches(r):
            # the iterated local search follows the LP root: the greedy plan is only the fallback (the
            # search descends from the root's rounding)
            hint_x = greedy_max_coverage(r, Prepared(r))
        else:
            hint_x = heuristic_plan(r, cover_mode=cover_mode, rooted=lagrangian.applies(r) or district_core)
    timings["heuristic"] = time.perf_counter() - t1
    heuristic_value = None
    if hint_x is not None:
        heuristic_value = r.plan_cost(hint_x) if cover_mode else r.coverage_value(hint_x)
    deadline = t0 + params.time_limit_s
    stages: list[StageReport] = []
    trace: list[TraceEvent] = []

    trace_lock = threading.Lock()

    def note(objective: float | None, bound: float | None) -> None:
        """Record the best plan value and the least bound known now (callers may be in two threads, each
        with its own incumbent): the trace is monotone."""
        with trace_lock:
            if trace:
                last = trace[-1]
                if last.objective is not None and (objective is None or objective < last.objective):
                    objective = last.objective
                if last.bound is not None and (bound is None or bound > last.bound):
                    bound = last.bound
            trace.append(TraceEvent(t_s=time.perf_counter() - t0, objective=objective, bound=bound))

    def remaining(share: float = 1.0) -> float:  # a solver's limit: STAGE_RESERVE_S for building and returning
        return max(1.0, (deadline - time.perf_counter() - STAGE_RESERVE_S) * share)

    def run(model, hint, share=1.0, settings=None, gap=None):
        p = replace(params, time_limit_s=remaining(share))
        if gap is not None:
            p = replace(p, relative_gap=gap)
        settings = settings or (Settings.CARDINALITY if r.is_cardinality() else Settings.GENERAL)
        return solve_linear(model, p, backend=backend, engine=engine, hint=hint, settings=settings)

    message = ""
    if cover_mode:
        model = district.strengthened_cover(r)
        res = run(model, None if hint_x is None else full_vector(r, hint_x, with_items=False), share=0.5)
        stages.append(_stage("min_cost_full_coverage", res))
        x_red = _read_x(model, res.values) if res.termination.has_solution else None
        term, bound = res.termination, res.best_bound
        if term is Termination.NO_SOLUTION and hint_x is not None:
            x_red, term = hint_x, Termination.FEASIBLE  # the greedy cover, unproven
        if term is Termination.INFEASIBLE:
            # Space areas or street caps forbid covering everything at once: cover as much
            # as possible, then as cheaply as possible (the max-coverage stages, no budget).
            message = ("full coverage is impossible within the space areas / street caps; the plan covers "
                       "the most that can be covered together, at least cost")
            # (row dominance is exact only for full coverage: reduce afresh without it)
            red = reduce_instance(Instance(**{**inst.__dict__, "budget": None}), cover_mode=False)
            r = red.instance
            shaped = _district_shaped(r)
            hint_r = heuristic_plan(r, cover_mode=False, rooted=shaped)
            two = most_coverage.solve(r, hint_r, run, stages, settings=Settings.DISTRICT if shaped else None)
            if two is not None:
                x_red, term, bound = two  # (its bound is on cost: two exact stages)
            else:
                if shaped:
                    # (its trace is in coverage, not this mode's cost: not recorded)
                    x_red, term, _ = _district_rooted(r, hint_r, run, stages, cheapest=True, remaining=remaining,
                                                      sizes=sizes, timings=timings,
                                                      note=lambda objective, bound: None, threads=params.threads)
                else:
                    x_red, term, _ = _max_coverage(r, hint_r, run, stages, cheapest=True)
                # the lexicographic model bounds coverage, not cost: a bound on cost only once its plan is
                # proven (then no plan covering as much costs less)
                bound = r.plan_cost(x_red) if term is Termination.OPTIMAL and x_red is not None else None
    elif district_core:
        pending = _beside(r, note, timings) if greedy_beside else None
        x_red, term, bound = _district_rooted(r, hint_x if warm_start else None, run, stages, cheapest=cheapest,
                                              remaining=remaining, sizes=sizes, timings=timings, note=note,
                                              threads=params.threads, pending=pending)
        warm = None if pending is None else pending.result()  # (taken after the LP root, so done)
        if warm is not None:
            heuristic_value = r.coverage_value(warm)
    else:
        x_red, term, bound = _max_coverage_rooted(r, hint_x, run, stages, cheapest=cheapest,
                                                  remaining=remaining, sizes=sizes, timings=timings,
                                                  search_s=SEARCH_SHARE * params.time_limit_s,
                                                  search_threads=params.threads, deadline=deadline, t0=t0)
    wall = time.perf_counter() - t0
    timings["solve"] = wall - timings["reduce"] - timings["heuristic"]
    solver = solvers_of(stages)
    if x_red is None:
        return PlanResult(termination=term, mode=mode, x=None, coverage=None, cost=None, best_bound=bound,
                          wall_s=wall, stages=stages, sizes=sizes, solver=solver,
                          heuristic_value=heuristic_value, timings=timings, message=message, trace=tuple(trace))
    x = red.expand_x(x_red, inst.n_options)
    guard_plan(inst, x, covers=(red.item_map != -1) if cover_mode and not message else None)
    coverage = inst.coverage_value(x)
    cost = inst.plan_cost(x)
    return PlanResult(termination=term, mode=mode, x=x, coverage=coverage, cost=cost,
                      best_bound=bound, wall_s=wall, stages=stages, sizes=sizes, solver=solver,
                      heuristic_value=heuristic_value, timings=timings, message=message, trace=tuple(trace))


# Measured choices: benchmarks/README.md, "Solver constants" says why each has its value.
PROOF_MAX_OPTIONS = 1000  # warm-started textbook models up to this size get the SCIP proof settings
SEARCH_SHARE = 0.4  # of the time limit, in work units: the iterated local search beyond PROOF_MAX_OPTIONS
ROOT_SHARE = 0.7  # of the time left: the LP root's time limit (without it there is no bound and no search)
SEARCH_CLOCK_SLACK = 1.25  # the search's clock stop, over its share (the work count stops it on time unloaded)
WARM_UP_WAIT_SHARE = 0.5  # of the search's time: the most a first run waits for the compilation
SUBGRADIENT_SHARE = 0.15  # of the time limit: the fallback bound when the LP root did not solve in time
SEARCH_ONLY_MIN_OPTIONS = 2000  # where the root fixes nothing on a model this large, search instead of SCIP
# District core with two or more threads: the neighbourhood models (share of the remaining time, share
# of the gap) that run beside the solver of the rest (solve._district_rooted).
CONCURRENT_STEPS = ((0.5, 0.05), (0.5, 0.15))
# District core: of the time left when it starts, the most the Lagrangian subproblem of the budget may
# take (its bound improves fast after its root LP and slowly after; benchmarks/README.md, "District core").
LAGRANGE_SHARE = 0.3
# District core with two or more threads: the rest goes to the solver (SCIP) only when the time left after the
# LP root is at least this many times the root's interior-point time; SCIP's dual simplex took about ten times
# as long on these LPs and did not finish the full catalogue's in 90 s (benchmarks/README.md, "District core").
# Below it, this thread runs the neighbourhood models of LARGE_STEPS after the first support model, then the
# street windows (solver/engine/windows.py) to the end, and the side's Lagrangian subproblem runs to
# the end (its bound kept improving there: 4.80 -> 4.78 M in 120 s).
SCIP_ROOT_RATIO = 4.0
LARGE_STEPS = ((0.5, 0.05),)
# District core with two or more threads and a budget: from this many coverage nonzeros (after the exact
# reductions) the side thread starts at once with the budget's price from PDLP (district.budget_price) and
# runs the Lagrangian subproblem to the end, instead of waiting for the LP root.
EARLY_PRICE_MIN_NONZEROS = 400_000
STAGE_RESERVE_S = 1.0  # seconds kept free before the deadline; a SCIP stage needs at least this many more
TABU_ITERATIONS = 100  # swap moves of the warm start's tabu search (a count, not a clock: deterministic)
TABU_MIN_NONZEROS_CARDINALITY = 100_000  # smaller textbook instances (coverage nonzeros) skip the tabu moves


def heuristic_plan(r: Instance, *, cover_mode: bool, rooted: bool = False) -> np.ndarray | None:
    """The warm start: the greedy cover, or warm_plan; with combined formats, found on the
    conservative instance (solver/engine/heuristics.py) and checked feasible here (else None).

    ``rooted``: an LP root follows (textbook Lagrangian root or the district core), whose rounding
    runs the tabu search from a better start, so the warm start skips it; the district core's
    greedy plan is its first plan and its fallback when the LP does not solve in time."""
    if not r.has_combinations:
        return greedy_cover(r) if cover_mode else warm_plan(r, iterations=0 if rooted else None)
    sub, opts = conservative_instance(r)
    found = greedy_cover(sub) if cover_mode else warm_plan(sub)
    if found is None:
        return None
    x = np.zeros(r.n_options, dtype=bool)
    x[opts[found]] = True
    reachable = np.diff(r.cover.tocsr().indptr) > 0
    if r.feasibility_problems(x) or (cover_mode and not r.covered_items(x)[reachable].all()):
        return None
    return x


def warm_plan(inst: Instance, *, iterations: int | None = None) -> np.ndarray | None:
    """Greedy, local search, swap tabu search, local search again: the max-coverage hint.

    ``iterations`` (tabu moves) defaults to TABU_ITERATIONS, or 0 for a small textbook-shaped
    instance (see TABU_MIN_NONZEROS_CARDINALITY).
    """
    prep = Prepared(inst)
    x = greedy_max_coverage(inst, prep)
    if x is None:
        return None
    return _polish(inst, x, prep=prep, iterations=iterations)


def _polish(inst: Instance, x: np.ndarray, *, prep: Prepared, iterations: int | None,
            done=lambda x: False) -> np.ndarray:
    """Local search, then (unless ``done(x)``) the tabu search and local search again."""
    if iterations is None:
        small = inst.cover.nnz < TABU_MIN_NONZEROS_CARDINALITY and inst.is_cardinality()
        iterations = 0 if small else TABU_ITERATIONS
    x = improve(inst, x, prep=prep)
    if iterations == 0 or done(x):
        return x
    return improve(inst, tabu_search(inst, x, iterations=iterations, prep=prep), prep=prep)


def _district_shaped(r: Instance) -> bool:
    """The reduced instance takes the district core (not the textbook LP root)."""
    return district.applies(r) and not lagrangian.applies(r)


def _searches(r: Instance) -> bool:
    """The reduced instance gets the LP root and the iterated local search (PROOF_MAX_OPTIONS)."""
    return lagrangian.applies(r) and r.n_options > PROOF_MAX_OPTIONS


def _max_coverage_rooted(r: Instance, hint_x, run, stages: list[StageReport], *, cheapest: bool,
                         remaining, sizes: dict, timings: dict, search_s: float, search_threads: int,
                         deadline: float, t0: float):
    """_max_coverage, after an LP root (solver/engine/lagrangian.py) on large textbook-shaped instances.

    The LP solution, rounded and improved by local search, may replace the warm start;
    unless the root's Lagrangian bound proves that plan optimal, the iterated local search
    (solver/engine/ils.py) improves it. The bound may then prove the incumbent optimal outright; otherwise
    the options it fixes to 0 are removed, the rest is reduced again and solved, and the
    bound is min(L, max(bound of the rest, incumbent)): a plan using a fixed option
    covers no more than the incumbent.

    Every stage keeps to ``deadline``: the LP root gets ROOT_SHARE of the time left, the search
    its share of work units and a clock stop before the deadline, and the last SCIP stage runs
    only when STAGE_RESERVE_S and more are left (else the root's bound is the bound).
    """
    if hint_x is None or not lagrangian.applies(r):
        return _max_coverage(r, hint_x, run, stages, cheapest=cheapest, settings=_proof_settings(r, hint_x))
    search = r.n_options > PROOF_MAX_OPTIONS  # else SCIP proves from the rounding's tabu plan
    root = lagrangian.solve_root(r, time_limit_s=remaining(ROOT_SHARE))
    if root is None:
        sizes["lp_root_failed"] = 1
        # A bound all the same (never the trivial one): the Lagrangian by subgradient steps, first,
        # with its own share of the time; then the search (from the greedy plan) with the rest.
        t = time.perf_counter()
        sg = lagrangian.subgradient_bound(r, target=r.coverage_value(hint_x),
                                          deadline=min(t + SUBGRADIENT_SHARE * (deadline - t0),
                                                       deadline - 2 * STAGE_RESERVE_S))
        timings["subgradient"] = time.perf_counter() - t
        searched = False
        if search:
            hint_x, searched = _search(r, hint_x, seconds=search_s, target=np.inf, threads=search_threads,
                                       sizes=sizes, timings=timings, deadline=deadline)
        if not searched and deadline - time.perf_counter() > 0.25 * (deadline - t0):
            hint_x = _polish(r, hint_x, prep=Prepared(r), iterations=0)  # the local search it skipped
        z = r.coverage_value(hint_x)
        sg = max(r.floor_coverage(sg), z)
        stages.append(StageReport(name="lagrangian_subgradient", termination=Termination.FEASIBLE, objective=z,
                                  best_bound=sg, wall_s=timings["subgradient"], solver="subgradient"))
        if deadline - time.perf_counter() < 2 * STAGE_RESERVE_S:
            sizes["scip_skipped"] = 1
            return hint_x, Termination.FEASIBLE, sg
        x_red, term, bound = _max_coverage(r, hint_x, run, stages, cheapest=cheapest)
        return x_red, term, sg if bound is None else min(bound, sg)
    t = time.perf_counter()
    delta = r.coverage_granularity()
    lagr = r.floor_coverage(root.bound)
    if search:
        # The iterated local search starts from the LP rounding after the local search.
        if not root.proves(r.coverage_value(hint_x), delta):
            rounded = rounded_plan(r, root.x_lp, root.p, iterations=0)
            if _better(r, rounded, hint_x):
                hint_x = rounded
        if not root.proves(r.coverage_value(hint_x), delta):
            hint_x, _ = _search(r, hint_x, seconds=search_s, target=lagr, threads=search_threads,
                                sizes=sizes, timings=timings, deadline=deadline)
        timings["lp_root"] = root.wall_s + time.perf_counter() - t - timings.get("search", 0.0)
    else:
        if cheapest or not root.proves(r.coverage_value(hint_x), delta):
            rounded = rounded_plan(r, root.x_lp, root.p, done=lambda x: root.proves(r.coverage_value(x), delta))
            if _better(r, rounded, hint_x):
                hint_x = rounded
        timings["lp_root"] = root.wall_s + time.perf_counter() - t
    z = r.coverage_value(hint_x)
    fixed = root.fixed_to_zero(z if cheapest else z + delta, protect=hint_x)
    sizes["root_fixed_options"] = int(fixed.sum())
    proven = root.proves(z, delta) and not cheapest
    stages.append(StageReport(name="lp_root", termination=Termination.OPTIMAL if proven else Termination.FEASIBLE,
                              objective=z, best_bound=lagr, wall_s=timings["lp_root"], solver=root.solver))
    if proven:
        return hint_x, Termination.OPTIMAL, z
    if search and not fixed.any() and r.n_options > SEARCH_ONLY_MIN_OPTIONS:
        # SCIP does not finish the root LP of these models (nothing fixed): the time left goes to
        # more search runs (the next seeds, from the best plan), and the root's bound stands.
        left = deadline - time.perf_counter() - STAGE_RESERVE_S
        if left > STAGE_RESERVE_S:
            hint_x, _ = _search(r, hint_x, seconds=left / SEARCH_CLOCK_SLACK, target=lagr, threads=search_threads,
                                sizes=sizes, timings=timings, deadline=deadline, seed=max(1, search_threads))
        sizes["scip_skipped"] = 1
        return hint_x, Termination.FEASIBLE, max(lagr, r.coverage_value(hint_x))
    if deadline - time.perf_counter() < 2 * STAGE_RESERVE_S:
        sizes["scip_skipped"] = 1  # no time left for it: the root's bound stands
        return hint_x, Termination.FEASIBLE, max(lagr, z)
    if not fixed.any():
        x_red, term, bound = _max_coverage(r, hint_x, run, stages, cheapest=cheapest)
    else:
        sub, _, opts = keep_options(r, ~fixed)
        red = reduce_instance(sub, cover_mode=False)
        sub_hint = _given_hint(sub, red, hint_x[opts], cover_mode=False)
        x_sub, term, bound = _max_coverage(red.instance, sub_hint, run, stages, cheapest=cheapest,
                                           settings=_proof_settings(red.instance, sub_hint))
        x_red = hint_x
        if x_sub is not None:
            x = np.zeros(r.n_options, dtype=bool)
            x[opts] = red.expand_x(x_sub, sub.n_options)
            x_red = hint_x if _better(r, hint_x, x) else x
        elif term is Termination.NO_SOLUTION:
            term = Termination.FEASIBLE
        if bound is not None:
            bound = max(bound, z)
    bound = lagr if bound is None else min(bound, lagr)
    return x_red, term, max(bound, r.coverage_value(x_red))


def _beside(r: Instance, note, timings: dict) -> Future:
    """The district core's warm start (greedy plan and local search) in a worker thread, its value noted
    when found: it runs while the LP root does (50 streets: 2.2 s and 4.6 s, 4.6 s together)."""
    def warm_start() -> np.ndarray | None:
        t = time.perf_counter()
        x = heuristic_plan(r, cover_mode=False, rooted=True)
        timings["heuristic_beside"] = time.perf_counter() - t
        if x is not None:
            note(r.coverage_value(x), None)
        return x

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="district-warm-start")
    try:
        return pool.submit(warm_start)
    finally:
        pool.shutdown(wait=False)  # (the submitted work still runs)


def _district_rooted(r: Instance, hint_x, run, stages: list[StageReport], *, cheapest: bool, remaining,
                     sizes: dict, timings: dict, note, threads: int = 1, pending: Future | None = None):
    """The district core (solver/engine/district.py): strengthened LP root, rounding, support model,
    reduced-cost fixing; the rest to the solver from the best plan; bound min(L, max(rest, z)).

    Besides: the Lagrangian subproblem of the budget at the LP's price (a bound, often far below the LP's,
    and a plan) and the neighbourhood support models. With two or more threads they run in a second
    thread from the LP root on (from the warm start; the neighbourhood models from this thread's plan when
    it is better), while this one runs the rounding, the first support model and the solver on the rest
    from its plan; the plans are compared at the end (the solver's wins a tie). With one thread they run
    after the first support model and the rest starts from the best plan. ``pending``: the warm start
    still being computed (``hint_x`` is then None), taken once the LP is solved.

    Large models (two threads): from EARLY_PRICE_MIN_NONZEROS the side thread starts at once with the
    Lagrangian subproblem at PDLP's price and runs it to the end; where the time left after the root is
    under SCIP_ROOT_RATIO times the root's, this thread runs a neighbourhood model, the local search and the
    street windows (solver/engine/windows.py) instead of SCIP, which gets the rest only if time is left."""
    if hint_x is not None:
        note(r.coverage_value(hint_x), None)
    concurrent = threads >= 2
    # without a budget the support models spend their time on the least-cost tie-break (full coverage's
    # fallback at 20 streets: 20.8 s of 42 s); SCIP on the rest does it faster
    support, side_steps = (district.SUPPORT_STEPS, CONCURRENT_STEPS) if r.budget is not None else ((), ())
    side_stages: list[StageReport] = []
    side_bound = [np.inf]  # the least bound the side work has (the root's, then the Lagrangian subproblem's)
    main_best: list[np.ndarray | None] = [None]  # this thread's best plan so far
    stop = threading.Event()
    side_out: list = []
    side: list[threading.Thread] = []
    scip_rest = [True]  # whether the solver of the rest can be expected to get past its root LP in the time left

    def side_work(root: district.DistrictRoot, x: np.ndarray, stop: threading.Event | None, steps) -> np.ndarray:
        """The Lagrangian subproblem of the budget (a bound and a plan), then the neighbourhood models."""
        mu = root.budget_dual
        if r.budget is not None and mu is not None:
            share = 1.0 if not scip_rest[0] else LAGRANGE_SHARE
            x_lag = _budget_lagrangian(r, mu, x, run, side_stages, timings, side_note, remaining=remaining,
                                       stop=stop, share=share)  # (its bounds reach side_bound through side_note)
            if x_lag is not None and _better(r, x_lag, x):
                x = x_lag
        if stop is not None and stop.is_set():
            return x
        if main_best[0] is not None and _better(r, main_best[0], x):
            x = main_best[0]
        return district.improve_by_support(r, root, x, steps=steps, cheapest=cheapest, remaining=remaining,
                                           stop=stop, note=lambda cov: note(cov, side_bound[0]))

    def side_note(cov: float, b: float | None) -> None:
        if b is not None:
            side_bound[0] = min(side_bound[0], b)
        note(cov, side_bound[0])

    def early_side() -> np.ndarray | None:
        """The Lagrangian subproblem at the budget's price from PDLP, from the warm start, to the end."""
        x = pending.result() if pending is not None else hint_x
        t = time.perf_counter()
        mu = district.budget_price(r)
        timings["budget_price"] = time.perf_counter() - t
        if x is None or mu is None:
            return x
        x_lag = _budget_lagrangian(r, mu, x, run, side_stages, timings, side_note, remaining=remaining,
                                   stop=stop, share=1.0)
        return x_lag if x_lag is not None and _better(r, x_lag, x) else x

    def launch(work: Callable[[], np.ndarray | None]) -> None:
        def side_thread() -> None:
            try:
                side_out.append(work())
            except BaseException as exc:  # handed to this thread
                side_out.append(exc)

        side.append(threading.Thread(target=side_thread, name="district-side", daemon=True))
        side[0].start()

    def decide_rest() -> None:
        scip_rest[0] = remaining() >= SCIP_ROOT_RATIO * timings.get("lp_root", 0.0)

    def start_side(root: district.DistrictRoot, x: np.ndarray | None) -> None:
        """The side work in a worker thread (HiGHS solves, which stop when asked), from ``x``."""
        if x is None or side:
            return
        side_bound[0] = min(side_bound[0], r.floor_coverage(root.bound))
        decide_rest()
        launch(lambda: side_work(root, x, stop, side_steps))

    # on a large model the side starts at once: the budget's price from PDLP, then the Lagrangian subproblem,
    # which needs neither the LP root (its bound is valid at any price) nor its plans
    early = concurrent and r.budget is not None and r.cover.nnz >= EARLY_PRICE_MIN_NONZEROS
    sizes["early_price"] = int(early)
    if early:
        launch(early_side)

    try:
        out = district.root_and_incumbent(r, hint_x, cheapest=cheapest, remaining=remaining, sizes=sizes,
                                          timings=timings, note=note, steps=() if concurrent else support[:1],
                                          pending=None if pending is None else pending.result,
                                          after_root=start_side if concurrent else None)
        if out.root is None or out.x is None or out.bound is None:
            if out.x is not None:
                note(r.coverage_value(out.x), None)
            x_red, term, bound = _max_coverage(r, out.x, run, stages, cheapest=cheapest)
            if x_red is not None:
                note(r.coverage_value(x_red), bound)
            return x_red, term, bound
        x0, lagr, root = out.x, out.bound, out.root
        main_best[0] = x0
        z = r.coverage_value(x0)
        stages.append(StageReport(name="district_root", objective=z, best_bound=lagr, solver=root.solver,
                                  termination=Termination.OPTIMAL if out.proven else Termination.FEASIBLE,
                                  wall_s=sum(timings.get(k, 0.0) for k in ("lp_root", "rounding", "support"))))
        if out.proven:
            return x0, Termination.OPTIMAL, z
        after_root = len(stages)
        delta = r.coverage_granularity()
        side_bound[0] = min(side_bound[0], lagr)
        t = time.perf_counter()
        if concurrent:
            # this thread's solver works on the rest from x0 (SCIP cannot be stopped from outside: it stays
            # in this thread, where Ctrl-C reaches it); the side's plans are compared only at the end, so a
            # proven rest decides alone
            if early:
                decide_rest()
            start_side(root, x0)  # (when there was no warm start to start it from)
            # where the rest is out of the solver's reach this thread searches for plans to the end, and the
            # side's Lagrangian subproblem (the bound) runs to the end too
            large = not scip_rest[0] and bool(support)
            x0 = district.improve_by_support(r, root, x0, steps=support[:1] + LARGE_STEPS if large else support[:1],
                                             cheapest=cheapest, remaining=remaining,
                                             note=lambda cov: note(cov, lagr))
            sizes["street_windows"] = int(large)
            if large:
                x_ls = improve(r, x0)  # (the support models keep to their options; the swaps do not)
                if _better(r, x_ls, x0):
                    x0 = x_ls
                    note(r.coverage_value(x0), lagr)
                x0 = improve_by_windows(r, x0, root.x_lp, deadline=time.perf_counter() + remaining(),
                                        cheapest=cheapest, note=lambda cov: note(cov, lagr))
            main_best[0] = x0
            z = r.coverage_value(x0)
            timings["support"] = time.perf_counter() - t
            if not large or remaining() > 2 * STAGE_RESERVE_S:  # (the windows ended early: the rest has time)
                x_sub, term, bound, opts, back = _district_rest(r, root, x0, run, stages, sizes,
                                                                cheapest=cheapest)
            else:
                x_sub, term, bound, opts, back = None, Termination.FEASIBLE, None, None, None
            z_fixed = z
        else:
            x_side = side_work(root, x0, None, support[1:])
            if _better(r, x_side, x0):
                x0 = x_side
            z_fixed = r.coverage_value(x0)
            if side_bound[0] < z_fixed + delta - 1e-9 * max(1.0, z_fixed) and not cheapest:
                x_sub, term, bound, opts, back = None, Termination.OPTIMAL, z_fixed, None, None
            else:
                x_sub, term, bound, opts, back = _district_rest(r, root, x0, run, stages, sizes,
                                                                cheapest=cheapest)
    finally:
        stop.set()
        for worker in side:
            _join(worker)  # also after a Ctrl-C or an early return: the side's HiGHS stops at its next check
    if concurrent:
        if isinstance(side_out[0], BaseException):
            raise side_out[0]
        x_side = side_out[0] if side_out[0] is not None else x0
        timings["concurrent"] = time.perf_counter() - t
    stages[after_root:after_root] = side_stages
    lagr = min(lagr, side_bound[0])
    x_red = x0
    if x_sub is not None:
        x = np.zeros(r.n_options, dtype=bool)
        x[opts] = back(x_sub)
        x_red = x0 if _better(r, x0, x) else x
    elif term is Termination.NO_SOLUTION:
        term = Termination.FEASIBLE
    if _better(r, x_side, x_red):  # a side plan the solver did not reach (it did not prove its own)
        x_red = x_side
    # the rest's bound holds for plans without a fixed option; the others cover at most z_fixed
    bound = lagr if bound is None else min(lagr, max(bound, z_fixed))
    bound = max(bound, r.coverage_value(x_red))  # (a plan covers this: a lower bound is a solver's rounding)
    note(r.coverage_value(x_red), bound)
    return x_red, term, bound


def _join(worker: threading.Thread) -> None:
    """Wait for ``worker`` to end, through further Ctrl-Cs (the last is raised once it has ended).

    A HiGHS solve still running in it while the interpreter exits (after a Ctrl-C) corrupted the
    heap: the process aborted ("malloc_consolidate(): unaligned fastbin chunk") instead of exiting 130."""
    pending: BaseException | None = None
    while worker.is_alive():
        try:
            worker.join(0.05)
        except BaseException as exc:  # a further Ctrl-C: raised once the worker has ended
            pending = exc
    if pending is not None:
        raise pending


def _budget_lagrangian(r: Instance, mu: float, x0: np.ndarray, run, stages: list[StageReport], timings: dict,
                       note, *, remaining, stop: threading.Event | None = None, share: float = LAGRANGE_SHARE):
    """The Lagrangian subproblem of the budget (district.budget_relaxed_model) at the price ``mu`` (the LP's
    budget dual), from ``x0`` within ``share`` of the time left: a plan within the budget from its
    plan, or None; the bound  mu B + its bound  on coverage reaches ``note``.

    Beside the solver of the rest (``stop`` given) HiGHS solves it: its bound reaches ``note`` as it
    improves (mu B + HiGHS's dual bound is valid at any moment), and it ends when ``stop`` is set.
    Alone, the solver of ``run`` (SCIP) solves it.

    Its plan is optimal for what it spends when that fits the budget (Everett 1963); otherwise it is cut
    down to the budget (district.within_budget)."""
    t = time.perf_counter()
    model = district.budget_relaxed_model(r, mu)
    z0 = r.coverage_value(x0)

    def lagrangian_coverage(sub_bound: float | None) -> float | None:
        raw = district.lagrangian_bound(r, mu, sub_bound)
        return None if raw is None else r.floor_coverage(raw)

    if stop is None:
        res = run(model, full_vector(r, x0, with_items=True), share=share, settings=Settings.DISTRICT)
        term, values, sub_bound, wall, solver = (res.termination, res.values, res.best_bound, res.wall_s,
                                                 res.solver)
    else:
        limit = remaining(share)
        # to the end of the time: in a process of its own, which ends on time whatever HiGHS is doing
        solve = solve_mip_apart if share >= 1.0 else solve_mip
        sol = solve(model, time_limit_s=limit, start=full_vector(r, x0, with_items=True),
                    stop=stop, on_bound=lambda b: note(z0, lagrangian_coverage(b)),
                    deadline=time.perf_counter() + limit)
        term = (Termination.OPTIMAL if sol.optimal else
                Termination.FEASIBLE if sol.values is not None else Termination.NO_SOLUTION)
        values, sub_bound, wall, solver = sol.values, sol.bound, sol.wall_s, sol.solver
    bound = lagrangian_coverage(sub_bound)
    x = None
    if term.has_solution and values is not None:
        x_mu = _read_x(model, values)
        if not r.feasibility_problems(x_mu):
            x = x_mu
        elif remaining() > 1.0:  # (cutting it down takes seconds on a large model: not past the deadline)
            x = district.within_budget(r, x_mu)
    if x is not None and not _better(r, x, x0):
        x = None
    note(r.coverage_value(x0 if x is None else x), bound)
    timings["budget_lagrangian"] = time.perf_counter() - t
    stages.append(StageReport(name="budget_lagrangian", termination=term,
                              objective=None if x is None else r.coverage_value(x), best_bound=bound,
                              wall_s=wall, solver=solver))
    return x


def _district_rest(r: Instance, root, x0: np.ndarray, run, stages: list[StageReport], sizes: dict, *,
                   cheapest: bool):
    """Reduced-cost fixing at the incumbent ``x0``, then the rest to the solver from it: (x of the rest or
    None, status, its bound, options of ``r`` it keeps, its plan -> a plan of those options)."""
    z = r.coverage_value(x0)
    fixed = root.fixed_to_zero(r, z if cheapest else z + r.coverage_granularity(), protect=x0)
    sizes["root_fixed_options"] = int(fixed.sum())
    sub, _, opts = keep_options(r, ~fixed)
    red = reduce_instance(sub, cover_mode=False)
    sub_hint = _given_hint(sub, red, x0[opts], cover_mode=False)
    x_sub, term, bound = _max_coverage(red.instance, sub_hint, run, stages, cheapest=cheapest,
                                       settings=Settings.DISTRICT, build=district.strengthened_model)
    return x_sub, term, bound, opts, lambda x: red.expand_x(x, sub.n_options)


def _search(r: Instance, x: np.ndarray, *, seconds: float, target: float, threads: int, sizes: dict,
            timings: dict, deadline: float, seed: int = 0) -> tuple[np.ndarray, bool]:
    """The iterated local search (solver/engine/ils.py) from plan x, with the work that takes about
    ``seconds`` here (a count, so the plan does not depend on the clock), stopping at ``target``;
    one run per thread (seeds 0, 1, ...), the best plan kept.

    The time left before ``deadline`` (less STAGE_RESERVE_S) caps ``seconds``, and a clock stop at
    SEARCH_CLOCK_SLACK times it ends the search on a loaded machine. A first run after an
    install waits for the compilation (solver/engine/warmup.py) at most WARM_UP_WAIT_SHARE of
    that time, then skips the search if it is still compiling. Returns (plan, whether it searched)."""
    t = time.perf_counter()
    seconds = min(seconds, deadline - t - STAGE_RESERVE_S)
    if seconds <= 0:
        sizes["search_skipped"] = 1
        return x, False
    if not warmup.wait(WARM_UP_WAIT_SHARE * seconds):
        sizes["search_skipped"] = 1
        timings["search_wait"] = time.perf_counter() - t
        return x, False
    from . import ils  # imports numba: only the solves that search pay for it

    t1 = time.perf_counter()
    if t1 - t > 0.05:
        timings["search_wait"] = t1 - t
    seconds -= t1 - t
    clock = min(SEARCH_CLOCK_SLACK * seconds, deadline - t1 - STAGE_RESERVE_S)
    found = ils.iterated_local_search(r, x, work=int(max(0.0, seconds) * ils.WORK_PER_SECOND), target=target,
                                      threads=max(1, threads), seconds=max(0.0, clock), seed=seed)
    timings["search"] = timings.get("search", 0.0) + time.perf_counter() - t1
    sizes["search_rounds"] = sizes.get("search_rounds", 0) + found.rounds
    if _better(r, found.x, x):
        sizes["search_seed"] = found.seed
    if found.halted:
        sizes["search_clock_stop"] = 1
    return (found.x if _better(r, found.x, x) else x), True


def _proof_settings(inst: Instance, hint_x: np.ndarray | None) -> Settings | None:
    """The proof settings for a small warm-started textbook model (PROOF_MAX_OPTIONS), else
    None: the settings run() derives from the instance."""
    small = hint_x is not None and inst.is_cardinality() and inst.n_options <= PROOF_MAX_OPTIONS
    return Settings.CARDINALITY_PROOF if small else None


def rounded_plan(inst: Instance, x_lp: np.ndarray, p: int, *, done=lambda x: False,
                 iterations: int | None = None, polish: bool = True) -> np.ndarray:
    """The p options with the largest LP values, improved like the warm start (_polish:
    local search, then ``iterations`` tabu moves unless ``done``, e.g. the plan meets the LP bound;
    with ``polish=False`` as they are).
    It starts closer to the optimum than the greedy (benchmarks/README.md, "LP root and
    reduced-cost fixing").
    """
    order = np.argsort(-np.asarray(x_lp), kind="stable")
    x = np.zeros(inst.n_options, dtype=bool)
    x[order[:p]] = True
    return _polish(inst, x, prep=Prepared(inst), iterations=iterations, done=done) if polish else x


def _max_coverage(r: Instance, hint_x, run, stages: list[StageReport], *, cheapest: bool,
                  settings: Settings | None = None, build=build_max_coverage):
    """Maximise coverage (then, with ``cheapest``, minimise cost) in one solve.

    Returns (x, status, coverage bound); the bound is converted from the solver's
    bound on  coverage - eps * cost  into a bound on coverage alone. ``settings`` overrides
    the SCIP settings run() derives from the model's shape; ``build`` builds the model (same
    variables as models/mclp.py's, e.g. with district.py's area cover rows).
    """
    model = build(r, cheapest=cheapest)
    res = run(model, None if hint_x is None else full_vector(r, hint_x, with_items=True), settings=settings)
    bound = coverage_bound(r, res.best_bound, cheapest=cheapest)
    if bound is not None:
        bound = min(bound, float(np.clip(r.item_weight, 0.0, None).sum()))  # all reachable items (SCIP: 1e20 early)
    term = res.termination
    x_red = _read_x(model, res.values) if term.has_solution else None
    if hint_x is not None and (x_red is None or _better(r, hint_x, x_red)):
        if x_red is None and term is Termination.NO_SOLUTION:
            term = Termination.FEASIBLE
        if x_red is not None or term is Termination.FEASIBLE:
            x_red = hint_x
    objective = None if x_red is None else r.coverage_value(x_red)
    if term is Termination.OPTIMAL and objective is not None and bound is not None:
        bound = max(bound, objective)
    stages.append(StageReport(name="max_coverage_then_least_cost" if cheapest else "max_coverage",
                              termination=term, objective=objective, best_bound=bound, wall_s=res.wall_s,
                              solver=res.solver))
    return x_red, term, bound


def _given_hint(inst: Instance, red: Reduction, x: np.ndarray | None, *, cover_mode: bool) -> np.ndarray | None:
    """A plan given per option of ``inst``, as a plan of the reduced instance when it is one
    (it uses only kept options) and feasible there (in cover mode: covers every item); else None."""
    if x is None:
        return None
    x = np.asarray(x, dtype=bool)
    if x.shape != (inst.n_options,):
        raise ValueError(f"hint_x must be a bool per option ({inst.n_options}); got shape {x.shape}")
    xr = x[red.option_keep]
    if int(xr.sum()) != int(x.sum()):
        return None  # uses an option the reduction dropped
    r = red.instance
    if r.feasibility_problems(xr) or (cover_mode and not r.covered_items(xr).all()):
        return None
    return xr


def _better(r: Instance, a: np.ndarray, b: np.ndarray) -> bool:
    """Plan a beats plan b lexicographically: more coverage, then less cost."""
    ca, cb = r.coverage_value(a), r.coverage_value(b)
    if ca != cb:
        return ca > cb
    return r.plan_cost(a) < r.plan_cost(b)
