"""Stage 3: the candidate spaces of every type (inside compounds, along streets, metro, parks)."""

from __future__ import annotations

from . import roads
from .state import ERA, FACTORY_KINDS, FRONT_OFFSET, SETBACK, SPACE_TYPE_KEYS, Generator


def area(gen: Generator, lo: float, hi: float) -> float:
    return round(float(gen.rng.triangular(lo, lo + 0.3 * (hi - lo), hi)), 1)


def _gas(gen: Generator, context: str) -> str:
    table = {
        "underground": (0.45, 0.10, 0.45),
        "old": (0.30, 0.30, 0.40),
        "mid": (0.35, 0.50, 0.15),
        "new": (0.35, 0.60, 0.05),
        "village": (0.40, 0.00, 0.60),
        "factory": (0.50, 0.20, 0.30),
        "kiosk": (0.75, 0.00, 0.25),
        "urban": (0.40, 0.50, 0.10),
    }[context]
    return gen.choice_w(("none", "pipeline", "bottled"), table)


def _add_cand(gen: Generator, *, name, x, y, space_type, blk, floor, gas) -> None:
    gen.cands.append({"name": name, "x": round(x, 2), "y": round(y, 2), "space_type": space_type,
                      "floor": int(floor), "gas": gas, "block": blk})


def build_candidates(gen: Generator) -> None:
    rate = gen.candidate_rate
    for comp in gen.compounds:
        blk = gen.blocks[comp["block"]]
        era = comp["era"]
        bl = comp["buildings"]
        if not bl:
            continue
        # underground (人防/地下室)
        p_ug = {"old": 0.25, "mid": 0.35, "new": 0.30, "village": 0.0}[era] * rate
        if gen.chance(p_ug):
            b = gen.pick(bl)
            floor = gen.choice_w((-1, -2, -3), (0.6, 0.3, 0.1))
            label = gen.pick(("地下室", "人防工程", "地下空间"))
            _add_cand(gen, name=gen.names.unique(lambda: f"{b['name']}{label}"),
                      x=b["x"] + 4, y=b["y"] + 2, space_type="underground", blk=blk,
                      floor=floor, gas=_gas(gen, "underground"))
        # boiler room / coal yard
        p_br = {"old": 0.22, "mid": 0.10, "new": 0.0, "village": 0.12}[era] * rate
        if gen.chance(p_br):
            cx = gen.pick((comp["ix0"] + 6, comp["ix1"] - 6))
            label = "原煤场" if era == "village" else "原锅炉房"
            _add_cand(gen, name=gen.names.unique(lambda: f"{comp['name']}{label}"),
                      x=cx, y=comp["lane0"] - 6, space_type="boiler_room", blk=blk, floor=1,
                      gas=_gas(gen, era))
        # bike shed
        p_bs = {"old": 0.40, "mid": 0.15, "new": 0.0, "village": 0.0}[era] * rate
        if gen.chance(p_bs):
            b = gen.pick(bl)
            _add_cand(gen, name=gen.names.unique(lambda: f"{b['name']}自行车棚"),
                      x=b["x"] + comp["pcol"] * 0.3, y=b["y"], space_type="bike_shed",
                      blk=blk, floor=1, gas=_gas(gen, era) if gen.chance(0.2) else "none")
        # vacated ground-floor shop facing a street
        p_v = {"old": 0.45, "mid": 0.35, "new": 0.25, "village": 0.15}[era] * rate
        if comp["sides"] and gen.chance(p_v):
            side = gen.pick(comp["sides"])
            fp = roads.front_point(gen, blk, side)
            if fp is not None:
                b = min(bl, key=lambda q: (q["x"] - fp[0]) ** 2 + (q["y"] - fp[1]) ** 2)
                _add_cand(gen, name=gen.names.unique(lambda: f"{b['name']}底商腾退空间"),
                          x=fp[0], y=fp[1], space_type="vacated", blk=blk,
                          floor=gen.choice_w((1, 2), (0.85, 0.15)), gas=_gas(gen, era))
    for blk in gen.blocks:
        use = blk["use"]
        if use == "industrial":
            fname = f"原{gen.names.word()}{gen.pick(FACTORY_KINDS)}"
            for _ in range(int(gen.rng.integers(1, 4))):
                if not gen.chance(rate):
                    continue
                fp = roads.front_point(gen, blk)
                if fp is None:
                    continue
                _add_cand(gen, name=gen.names.unique(
                          lambda: f"{fname}{gen.pick(('旧厂房', '仓库', '车间'))}{int(gen.rng.integers(1, 9))}号"),
                          x=fp[0], y=fp[1], space_type="old_factory", blk=blk,
                          floor=gen.choice_w((1, 2), (0.75, 0.25)), gas=_gas(gen, "factory"))
        elif use == "commercial":
            for _ in range(int(gen.rng.integers(1, 4))):
                if not gen.chance(rate):
                    continue
                fp = roads.front_point(gen, blk)
                if fp is None:
                    continue
                _add_cand(gen, name=gen.names.unique(
                          lambda: f"{fp[2]}{int(gen.rng.integers(1, 300))}号沿街腾退商铺"),
                          x=fp[0], y=fp[1], space_type="vacated", blk=blk,
                          floor=gen.choice_w((1, 2), (0.8, 0.2)), gas=_gas(gen, "urban"))
            if gen.chance(0.3 * rate):
                fp = roads.front_point(gen, blk)
                if fp is not None:
                    _add_cand(gen, name=gen.names.unique(
                              lambda: f"{gen.names.word()}商场闲置楼层"), x=fp[0], y=fp[1],
                              space_type="other", blk=blk, floor=2, gas=_gas(gen, "urban"))
        elif use == "park":
            pname = gen.names.unique(lambda: gen.names.word() + "公园")
            for _ in range(int(gen.rng.integers(1, 3))):
                if not gen.chance(rate):
                    continue
                s = gen.pick(("W", "E", "S", "N"))
                fp = roads.front_point(gen, blk, s)
                if fp is None:
                    continue
                d = {"W": "西", "E": "东", "S": "南", "N": "北"}[s]
                _add_cand(gen, name=gen.names.unique(lambda: f"{pname}{d}门配套用房"),
                          x=fp[0], y=fp[1], space_type="park", blk=blk, floor=1,
                          gas=_gas(gen, "kiosk"))
        elif use == "school" and gen.chance(0.2 * rate):
            fp = roads.front_point(gen, blk)
            if fp is not None:
                sname = gen.pick(("小学", "中学", "幼儿园"))
                _add_cand(gen, name=gen.names.unique(lambda: f"{gen.names.word()}{sname}闲置附属用房"),
                          x=fp[0], y=fp[1], space_type="other", blk=blk, floor=1,
                          gas="none")
        elif use == "government" and gen.chance(0.5 * rate):
            fp = roads.front_point(gen, blk)
            if fp is not None:
                _add_cand(gen, name=gen.names.unique(lambda: f"原{gen.names.word()}办事处旧址"),
                          x=fp[0], y=fp[1], space_type="other", blk=blk,
                          floor=gen.choice_w((1, 2), (0.6, 0.4)), gas=_gas(gen, "urban"))
        elif use == "vacant" and gen.chance(0.25 * rate):
            fp = roads.front_point(gen, blk)
            if fp is not None:
                _add_cand(gen, name=gen.names.unique(lambda: f"原{gen.names.word()}农贸市场大棚"),
                          x=fp[0], y=fp[1], space_type="other", blk=blk, floor=1,
                          gas=_gas(gen, "urban"))
    # community service stations
    seen = set()
    for blk in gen.blocks:
        if blk["use"] not in ERA or blk["community"] in seen:
            continue
        seen.add(blk["community"])
        if gen.chance(0.45 * rate):
            fp = roads.front_point(gen, blk)
            if fp is not None:
                _add_cand(gen, name=gen.names.unique(lambda: f"{blk['community']}服务站闲置用房"),
                          x=fp[0], y=fp[1], space_type="other", blk=blk,
                          floor=gen.choice_w((1, 2), (0.7, 0.3)), gas=_gas(gen, "urban"))
    _metro(gen)
    _greenway(gen)
    _ensure_types(gen)


def _metro(gen: Generator) -> None:
    """Two metro lines along arterials; a station every 2-3 intersections."""
    ys_idx = [j for j in range(1, len(gen.Y) - 1) if gen.row_kind[j] == "urban"
              and gen.row_kind[j - 1] == "urban"]
    xs_idx = [i for i in range(1, len(gen.X) - 1)
              if roads.col_at(gen, i, "urban") and roads.col_at(gen, i - 1, "urban")]
    lines = []
    if ys_idx:
        j = ys_idx[len(ys_idx) // 2]
        lines.append([(gen.X[i], gen.Y[j]) for i in range(0, len(gen.X), 1)])
    if xs_idx:
        i = xs_idx[-max(1, len(xs_idx) // 4)]
        lines.append([(gen.X[i], gen.Y[j]) for j in range(0, len(gen.Y), 1)])
    for stops in lines:
        k = int(gen.rng.integers(0, 2))
        while k < len(stops):
            x, y = stops[k]
            sname = gen.names.unique(lambda: gen.names.word() + "站")
            for exit_ in ("A", "B", "C", "D")[: int(gen.rng.integers(1, 3))]:
                if not gen.chance(gen.candidate_rate):
                    continue
                dx = gen.pick((-1, 1)) * FRONT_OFFSET["arterial"]
                dy = gen.pick((-1, 1)) * SETBACK["arterial"] * 0.5
                blk = roads.block_at(gen, x + dx, y + dy)
                if blk is None:
                    continue
                floor = gen.choice_w((1, 2, -1), (0.5, 0.35, 0.15))
                label = "站厅闲置商业空间" if floor != 1 else "附属用房"
                _add_cand(gen, name=gen.names.unique(lambda: f"{sname}{exit_}口{label}"),
                          x=x + dx, y=y + dy, space_type="transit", blk=blk, floor=floor,
                          gas="none" if floor < 0 else _gas(gen, "kiosk"))
            k += int(gen.rng.integers(2, 4))


def _greenway(gen: Generator) -> None:
    """Posts (驿站) of the canal greenway, on the west bank road."""
    if gen.canal_col is None:
        return
    i = gen.canal_col
    n = max(1, round(gen.height / 1500.0))
    for _ in range(n):
        if not gen.chance(gen.candidate_rate):
            continue
        j = int(gen.rng.integers(len(gen.Y) - 1))
        if gen.row_kind[j] != "urban" or ("ax", i, j) not in gen.segments:
            continue
        seg = gen.segments["ax", i, j]
        k = int(gen.rng.integers(1, max(2, len(seg.nodes) - 1)))
        nid = int(seg.nodes[min(k, len(seg.nodes) - 1)])
        x, y = gen.kx[nid] / 100.0 + 15.0, gen.ky[nid] / 100.0
        west = roads.block_at(gen, x - 30.0, y)
        if west is None:
            continue
        _add_cand(gen, name=gen.names.unique(lambda: f"大运河滨河绿道{gen.names.word()}驿站"),
                  x=x, y=y, space_type="park", blk=west, floor=1, gas=_gas(gen, "kiosk"))


def _ensure_types(gen: Generator) -> None:
    """Every space type appears at least once (small or unusual districts)."""
    present = {c["space_type"] for c in gen.cands}
    urban = [b for b in gen.blocks if b["use"] not in ("green",)]
    for st in SPACE_TYPE_KEYS:
        if st in present:
            continue
        for _ in range(20):
            blk = gen.pick(urban)
            fp = roads.front_point(gen, blk)
            if fp is None:
                continue
            floor = -1 if st == "underground" else 1
            name = {
                "vacated": f"{fp[2]}沿街腾退商铺", "underground": f"{fp[2]}人防地下空间",
                "boiler_room": f"{fp[2]}原锅炉房", "bike_shed": f"{fp[2]}自行车棚",
                "old_factory": f"{fp[2]}原仓库", "transit": f"{fp[2]}公交场站附属用房",
                "park": f"{fp[2]}街头绿地配套用房", "other": f"{fp[2]}闲置用房",
            }[st]
            _add_cand(gen, name=gen.names.unique(lambda: name), x=fp[0], y=fp[1], space_type=st,
                      blk=blk, floor=floor, gas="none")
            break
