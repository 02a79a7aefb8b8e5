"""Property-based test of the loaders: malformed tables and scenarios never crash, never pass silently.

Hypothesis (fixed seed: ``derandomize=True``, no example database, so every CI run draws the
same examples) mutates a small valid district: its CSV tables (cells at any magnitude and
in any script, control characters, stray quotes, dropped / renamed / duplicated columns,
ragged rows, truncated or re-encoded files, binary bytes, swapped or shifted coordinates),
its scenario TOML (any key at any value, syntax damage, missing and odd paths, extends
cycles) and ``--set`` overrides. The property, checked through the one validation pass
(``load_scenario`` then ``pipeline.validate``, in-process for speed):

* the input is refused with an InputError (exit 1) or a UsageError (exit 2) whose every
  problem names a file (or ``--set``), or
* it is accepted, and then everything the model is given lies within the documented ranges
  (solver/inputs/ranges.py) and the model instance can be built.

Any other exception is a defect (exit 4) and fails the test. A few examples per category
go through the real CLI (CliRunner) and must exit 1 or 2 with no traceback and no output
folder. Sizes per run: TABLE_EXAMPLES + SCENARIO_EXAMPLES + SET_EXAMPLES + CLI_EXAMPLES
(1,350 examples; about a minute on 2 cores).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import random_district, write_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError, UsageError
from solver.inputs import ranges
from solver.inputs.scenario import load_scenario
from solver.pipeline import prepare, validate

TABLE_EXAMPLES = 700
SCENARIO_EXAMPLES = 350
SET_EXAMPLES = 250
CLI_EXAMPLES = 50


def profile(n: int) -> settings:
    return settings(max_examples=n, derandomize=True, database=None, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


TABLES = ("households", "candidates", "existing", "network_nodes", "network_edges")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """The valid district every example starts from (its CSV text per table, and the scenario text)."""
    folder = tmp_path_factory.mktemp("base")
    t = random_district(seed=3, n_households=12, n_candidates=6, n_existing=3, size_m=1000.0, spacing=250.0)
    path = write_case(folder, t, scenario="budget_yuan = 1e6")
    return {"csv": {k: (folder / f"{k}.csv").read_bytes() for k in TABLES},
            "toml": path.read_text(encoding="utf-8"), "frames": t}


def lay_out(folder: Path, base: dict, *, csv: dict[str, bytes] | None = None, toml: str | None = None) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for k, data in {**base["csv"], **(csv or {})}.items():
        (folder / f"{k}.csv").write_bytes(data)
    path = folder / "scenario.toml"
    path.write_text(toml if toml is not None else base["toml"], encoding="utf-8", errors="surrogatepass")
    return path


def check(path: Path, overrides: tuple[str, ...] = ()) -> str:
    """Load and validate; the outcome ('input', 'usage', 'valid'), asserting the property."""
    try:
        scenario = load_scenario(path, overrides=overrides)
        district, _ = validate(scenario)
    except InputError as exc:
        assert exc.problems, "an InputError without problems"
        for p in exc.problems:
            assert p.file and isinstance(p.file, str), p
        assert exc.render()
        return "input"
    except UsageError as exc:
        assert str(exc)
        return "usage"
    within_ranges(scenario, district)
    prepare(scenario, district=district, budget=scenario.budget_yuan)  # the model can be built
    return "valid"


def within_ranges(scenario, district) -> None:
    hh, cand = district.households, district.candidates
    h = hh["households"].to_numpy()
    assert ((h >= 0) & (h <= ranges.HOUSEHOLDS.high)).all() and h.sum() <= ranges.TOTAL_HOUSEHOLDS
    f = cand["floor"].to_numpy()
    assert ((f >= ranges.FLOOR.low) & (f <= ranges.FLOOR.high) & (f != 0)).all()
    for col, rng in (("area_m2", ranges.SPACE_AREA_M2), ("conversion_cost", ranges.COST_YUAN)):
        v = cand[col].to_numpy(dtype=float)
        assert np.isfinite(v).all() and (v >= rng.low).all() and (v <= rng.high).all(), col
    for frame in (hh, cand, district.existing, district.nodes):
        if frame is not None and len(frame):
            assert np.isfinite(frame[["x", "y"]].to_numpy(dtype=float)).all()
    if district.edges is not None:
        length = district.edges["length_m"].to_numpy(dtype=float)
        assert np.isfinite(length).all() and (length > 0).all()
    for s in scenario.services.values():
        assert 0 < s.threshold_min <= ranges.THRESHOLD_MIN.high and 0 <= s.weight <= ranges.WEIGHT.high
    assert 0 <= scenario.solve.seed <= ranges.SEED.high


# ------------------------------------------------------------------------------------------
# strategies


NUMERIC_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(["1e19", "9223372036854775807", "-1e308", "1e400", "nan", "inf", "-inf", "-0", "0", "1,000",
                     "1,0,0", "１２", "B99", "3F", "F0", "B0", "1e-400", "0x10", "1_000", "", " ", "NA", "None", "∞"]))
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
CELL = st.one_of(NUMERIC_TEXT, TEXT, st.sampled_from(['"', '""', '"a', "a\nb", "a,b", "\t", "\x00", "\ufeff",
                                                        "=1+1", "北苑/街道", "新华街", "." * 300]))
ENCODINGS = ["gbk", "gb18030", "big5", "shift_jis", "euc_kr", "utf-16", "utf-16-le", "utf-8-sig", "latin-1",
             "cp1252", "euc_jp", "utf-32"]


def _csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


@st.composite
def table_mutation(draw, base: dict) -> tuple[str, bytes]:
    key = draw(st.sampled_from(TABLES))
    frame = base["frames"][key].copy().astype(object)
    kind = draw(st.sampled_from(["cell", "cell", "cell", "cells", "column", "rows", "quote", "bytes", "encode",
                                 "coords", "empty"]))
    if kind in ("cell", "cells"):
        for _ in range(1 if kind == "cell" else draw(st.integers(2, 6))):
            r = draw(st.integers(0, len(frame) - 1))
            c = draw(st.sampled_from(list(frame.columns)))
            frame.iloc[r, frame.columns.get_loc(c)] = draw(CELL)
        return key, _csv_text(frame).encode("utf-8", "surrogatepass")
    if kind == "column":
        c = draw(st.sampled_from(list(frame.columns)))
        how = draw(st.sampled_from(["drop", "rename", "duplicate", "blank"]))
        if how == "drop":
            frame = frame.drop(columns=c)
        elif how == "rename":
            frame = frame.rename(columns={c: draw(TEXT.filter(lambda s: "\n" not in s and "\r" not in s))})
        elif how == "duplicate":
            text = _csv_text(frame)
            header, _, rest = text.partition("\n")
            return key, (header + "," + c + "\n" + rest.replace("\n", ",x\n")).encode()
        else:
            frame[c] = ""
        return key, _csv_text(frame).encode("utf-8", "surrogatepass")
    text = _csv_text(frame)
    lines = text.splitlines()
    if kind == "rows":
        k = draw(st.integers(1, len(lines) - 1))
        how = draw(st.sampled_from(["extra", "short", "duplicate", "blank", "delete_header"]))
        if how == "extra":
            lines[k] += "," + draw(CELL).replace("\n", " ")
        elif how == "short":
            lines[k] = lines[k].rsplit(",", draw(st.integers(1, 3)))[0]
        elif how == "duplicate":
            lines.insert(k, lines[k])
        elif how == "blank":
            lines.insert(k, "")
        else:
            lines = lines[1:]
        return key, ("\n".join(lines) + "\n").encode()
    if kind == "quote":
        k = draw(st.integers(0, len(lines) - 1))
        pos = draw(st.integers(0, len(lines[k])))
        lines[k] = lines[k][:pos] + '"' + lines[k][pos:]
        return key, ("\n".join(lines) + "\n").encode()
    data = text.encode("utf-8")
    if kind == "bytes":
        how = draw(st.sampled_from(["truncate", "insert", "replace", "magic"]))
        if how == "truncate":
            return key, data[:draw(st.integers(0, len(data)))]
        if how == "magic":
            return key, draw(st.sampled_from([b"PK\x03\x04", b"%PDF-1.4", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                                              b"SQLite format 3\x00", b"\x1f\x8b\x08"])) + data
        pos = draw(st.integers(0, len(data)))
        junk = draw(st.binary(min_size=1, max_size=12))
        return key, data[:pos] + junk + data[pos + (len(junk) if how == "replace" else 0):]
    if kind == "encode":
        enc = draw(st.sampled_from(ENCODINGS))
        return key, text.encode(enc, errors="replace")
    if kind == "coords" and {"x", "y"} <= set(frame.columns):
        how = draw(st.sampled_from(["swap", "shift", "scale", "lonlat"]))
        x, y = frame["x"].astype(float), frame["y"].astype(float)
        if how == "swap":
            frame["x"], frame["y"] = y, x
        elif how == "shift":
            frame["x"] = x + draw(st.floats(-1e7, 1e7))
        elif how == "scale":
            frame["x"], frame["y"] = x / 1000, y / 1000
        else:
            frame["x"], frame["y"] = 116.6 + (x - x.min()) / 1e5, 39.9 + (y - y.min()) / 1e5
        return key, _csv_text(frame).encode()
    return key, b"" if draw(st.booleans()) else (lines[0] + "\n").encode()


TOML_KEYS = ["name", "crs", "budget_yuan", "mode", "description", "extends", "walking.speed_m_per_min",
             "walking.detour_factor", "walking.max_snap_m", "services.repair.threshold_min", "services.repair.weight",
             "services.repair.fit_out_cost", "services.repair.area_m2", "services.repair.min_floor",
             "services.repair.enabled", "services.laundry.category", "services.repair.allowed_space_types",
             "conversion_cost_default.vacated", "street_caps.default.max_sites", "street_caps.甲街道.max_yuan",
             "must_open.repair", "solve.backend", "solve.time_limit_s", "solve.relative_gap", "solve.threads",
             "solve.seed", "output.dir", "data.households", "data.candidates", "data.existing", "data.network_nodes",
             "grades.basic.basic_services_pct", "existing.close", "candidates.exclude", "candidates.add",
             "candidates.cost.C001", "candidates.cost_by_type.vacated", "candidates.forbid_space_types", "unknown_key",
             "walking.unknown"]
def _toml_float(v: float) -> str:
    if v != v:
        return "nan"
    if v in (float("inf"), -float("inf")):
        return "inf" if v > 0 else "-inf"
    return repr(v)


TOML_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(_toml_float),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.sampled_from(["true", "false", "[]", "{}", '["a", 1]', '"."', '".."', '""', '"x.csv"', '"households.csv"',
                     '"scenario.toml"', '"\\u0000"', '"a/b"', '"/dev/null"', '"EPSG:4326"', '"EPSG:99999"',
                     '"gcj02"', '"cover"', '"pulp"', "1e308", "-1", "0", "2147483648", "1979-05-27"]),
    TEXT.map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
             .replace("\r", "\\r").replace("\t", "\\t") + '"'),
)


def _toml_key(dotted: str) -> str:
    return ".".join(p if p.isascii() and p.replace("_", "").isalnum() else f'"{p}"' for p in dotted.split("."))


@st.composite
def scenario_mutation(draw, base: dict) -> str:
    text = base["toml"]
    kind = draw(st.sampled_from(["set", "set", "set", "drop", "syntax", "bytes"]))
    if kind == "set":
        key = draw(st.sampled_from(TOML_KEYS))
        value = draw(TOML_VALUES)
        head, _, rest = text.partition("\n[data]")
        if key.startswith("data."):
            lines = [ln for ln in text.splitlines() if not ln.startswith(key.split(".")[1] + " =")]
            return "\n".join(lines) + f"\n{key.split('.')[1]} = {value}\n"
        return f"{_toml_key(key)} = {value}\n" + head.replace(f"{key} =", "# was:") + "\n[data]" + rest
    if kind == "drop":
        lines = text.splitlines()
        k = draw(st.integers(0, len(lines) - 1))
        return "\n".join(lines[:k] + lines[k + 1:]) + "\n"
    if kind == "syntax":
        pos = draw(st.integers(0, len(text)))
        return text[:pos] + draw(st.sampled_from(['"', "[", "]", "=", "\n[", "x = ", "{", "\\", "'''"])) + text[pos:]
    pos = draw(st.integers(0, len(text)))
    return text[:pos] + draw(TEXT) + text[pos:]


SET_TEXT = st.one_of(
    st.tuples(st.sampled_from(TOML_KEYS), TOML_VALUES).map(lambda kv: f"{kv[0]}={kv[1]}"),
    TEXT,
    st.sampled_from(["=", "a=", "=1", "budget_yuan", 'street_caps."新华街道".max_yuan=1e6', "a.b.c.d=1",
                     "extends=x.toml", "services=1", "data.households=", "solve.seed=1e400"]),
)


# ------------------------------------------------------------------------------------------
# the properties


def test_malformed_tables_are_refused_or_within_ranges(base, tmp_path):
    seen: dict[str, int] = {}

    @profile(TABLE_EXAMPLES)
    @given(st.data())
    def run(data):
        key, payload = data.draw(table_mutation(base))
        outcome = check(lay_out(tmp_path / "case", base, csv={key: payload}))
        seen[outcome] = seen.get(outcome, 0) + 1

    run()
    print("tables:", seen)
    assert seen.get("input", 0) > TABLE_EXAMPLES // 2, seen  # most mutations are caught


def test_malformed_scenarios_are_refused_or_within_ranges(base, tmp_path):
    seen: dict[str, int] = {}

    @profile(SCENARIO_EXAMPLES)
    @given(st.data())
    def run(data):
        toml = data.draw(scenario_mutation(base))
        outcome = check(lay_out(tmp_path / "case", base, toml=toml))
        seen[outcome] = seen.get(outcome, 0) + 1

    run()
    print("scenarios:", seen)
    assert seen.get("input", 0) > SCENARIO_EXAMPLES // 3, seen


def test_malformed_set_overrides_are_refused_or_within_ranges(base, tmp_path):
    path = lay_out(tmp_path / "case", base)
    seen: dict[str, int] = {}

    @profile(SET_EXAMPLES)
    @given(st.lists(SET_TEXT, min_size=1, max_size=3))
    def run(sets):
        outcome = check(path, overrides=tuple(sets))
        seen[outcome] = seen.get(outcome, 0) + 1

    run()
    print("--set:", seen)
    assert seen.get("input", 0) + seen.get("usage", 0) > SET_EXAMPLES // 2, seen


BROKEN_CELLS = st.one_of(st.sampled_from(["1e400", "nan", "-5", "abc", "1e19", "9223372036854775807", ""]),
                         st.floats(min_value=1e13, allow_infinity=False).map(repr))


def test_the_cli_exits_1_or_2_without_traceback_or_output(base, tmp_path):
    runner = CliRunner()

    @profile(CLI_EXAMPLES)
    @given(st.data())
    def run(data):
        which = data.draw(st.sampled_from(["cell", "bytes", "toml", "set"]))
        csv: dict[str, bytes] = {}
        toml = None
        sets: list[str] = []
        if which == "cell":  # a required number broken beyond repair: always bad input
            key, col = data.draw(st.sampled_from([("households", "households"), ("candidates", "area_m2"),
                                                  ("candidates", "conversion_cost"), ("network_edges", "length_m")]))
            frame = base["frames"][key].copy().astype(object)
            frame.loc[data.draw(st.integers(0, len(frame) - 1)), col] = data.draw(BROKEN_CELLS)
            csv[key] = _csv_text(frame).encode()
        elif which == "bytes":
            key = data.draw(st.sampled_from(TABLES))
            csv[key] = data.draw(st.sampled_from([b"PK\x03\x04", b"", b"\xff\xfe\x00\x00"])) + data.draw(
                st.binary(max_size=30))
        elif which == "toml":
            pos = data.draw(st.integers(0, len(base["toml"])))
            toml = base["toml"][:pos] + '"\n[' + base["toml"][pos:]
        else:
            sets = [data.draw(st.sampled_from(["budget_yuan=inf", "solve.seed=-1", "walking.max_snap_m=0",
                                               "services.repair.weight=1e308", "must_open.repair=1e30", "=",
                                               "name=\".\"", "data.households=\"nowhere.csv\""]))]
        path = lay_out(tmp_path / "case", base, csv=csv, toml=toml)
        out = tmp_path / "out"
        result = runner.invoke(app, ["solve", str(path), "--out", str(out), *[a for s in sets for a in ("--set", s)]])
        assert result.exit_code in (1, 2), result.output
        assert isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output and "internal error" not in result.output
        assert not out.exists()
        text = result.output
        assert any(name in text for name in ("households.csv", "candidates.csv", "existing.csv", "network_nodes.csv",
                                             "network_edges.csv", "scenario.toml", "--set", "--out")), text

    run()
