"""`siting report`: files, determinism, the workbook against the CSV files, the HTML's content, bad input.

A small seeded district is solved once (full-coverage mode: fast) and reported
on; the browser test is in test_report_browser.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.inputs.catalogue import SPACE_TYPES
from solver.inputs.labels import COLUMN_LABELS
from solver.inputs.presets import preset
from solver.report import build
from solver.report.evaluation import evaluate
from solver.report.excel import write_workbook
from solver.report.labels import Labels
from solver.report.rundata import read_run

ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


# full coverage (fast to prove optimal); a service added by the scenario, graded as an improvement service
SCENARIO = """mode = "cover"
[services.laundry]
name_en = "laundry"
name_zh = "洗衣"
category = "service"
threshold_min = 15
fit_out_cost = 60_000
area_m2 = 20
[grades]
improved_services = ["laundry"]
"""


def make_run(folder: Path, scenario_text: str = SCENARIO, *args: str) -> Path:
    """Solve a small seeded district (3 streets, 150 buildings) into ``folder/out``; returns the run folder."""
    tables = random_district(seed=11, n_households=150, n_candidates=25, n_existing=8, size_m=2000.0, spacing=100.0)
    scenario = write_case(folder / "case", tables, scenario=scenario_text)
    out = folder / "out"
    result = runner.invoke(app, ["solve", str(scenario), "--out", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    return out


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    result.clean_stderr = ANSI.sub("", result.stderr)
    result.flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", ANSI.sub("", result.output)).split())
    return result


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def zh_report(run_dir) -> Path:
    result = invoke("report", run_dir, "--lang", "zh")
    assert result.exit_code == 0, result.output
    return run_dir / "report"


def test_report_writes_every_file(run_dir, zh_report):
    run = read_run(run_dir)
    names = set(digest(zh_report))
    streets = run.streets
    expected = {"report.html", "ranked_sites.xlsx", "evaluation.csv", "maps/overview.png",
                *[f"maps/service_{s}.png" for s in run.services]}
    assert expected <= names
    assert len([n for n in names if n.startswith("maps/street_")]) == len(streets) == 3
    assert len(names) == len(expected) + len(streets)
    for n in names:
        if n.endswith(".png"):
            assert (zh_report / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the run folder itself is untouched apart from the report folder
    assert {p.name for p in run_dir.iterdir()} >= {"summary.json", "ranked_sites.csv", "report"}


def test_same_run_folder_gives_the_same_bytes(run_dir, zh_report, tmp_path):
    again = tmp_path / "again"
    result = invoke("report", run_dir, "--lang", "zh", "--out", again, "-q")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(again)
    assert digest(again) == digest(zh_report)


def test_evaluation_agrees_with_coverage_csv(run_dir, zh_report):
    run = read_run(run_dir)
    ev = evaluate(run.households, services=tuple(run.services), rules=run.grades, ranked=run.ranked)
    cov = run.coverage.set_index(["street", "service"])
    for a in (*ev.streets, ev.district):
        key = a.street or "ALL"
        for s in run.services:
            assert a.covered_before[s] == cov.loc[(key, s), "covered_before"]
            assert a.covered_after[s] == cov.loc[(key, s), "covered_after"]
            assert a.households == cov.loc[(key, s), "households"]
    assert sum(a.sites for a in ev.streets) == len(run.ranked) == ev.district.sites
    ev_csv = pd.read_csv(zh_report / "evaluation.csv", keep_default_na=False)
    assert len(ev_csv) == 1 + len(ev.streets) + len(ev.communities)
    streets = ev_csv[ev_csv["level"] == "street"]
    assert list(streets["street"]) == [a.street for a in ev.streets]
    assert list(streets["grade_after"]) == [a.grade_after.key for a in ev.streets]
    for s in run.services:
        assert list(streets[f"covered_after_{s}"]) == [a.covered_after[s] for a in ev.streets]


def _sheet_rows(ws) -> tuple[list, list[list]]:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def _back(L: Labels, col: str, value):
    """A workbook cell as the CSV has it (service and space-type names back to keys; empty cells as '')."""
    if value is None:
        return ""
    if col == "services":
        names = {L.service(k): k for k in L.services}
        return ";".join(names[v] for v in str(value or "").split(L("list_sep")) if v)
    if col == "space_type":
        return {L.space_type(k): k for k in SPACE_TYPES}[value]
    return value


def _assert_same(frame: pd.DataFrame, header: list, rows: list[list], L: Labels) -> None:
    assert header == [L.column(c) for c in frame.columns]
    assert len(rows) == len(frame)
    for row, (_, expected) in zip(rows, frame.iterrows()):
        for col, cell in zip(frame.columns, row):
            want = expected[col]
            got = _back(L, col, cell)
            if isinstance(want, str):
                assert got == want, (col, got, want)
            else:
                assert got == pytest.approx(float(want)), (col, got, want)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_workbook_reads_back_with_the_csv_rows(run_dir, zh_report, tmp_path, lang):
    path = zh_report / "ranked_sites.xlsx"
    if lang == "en":
        assert invoke("report", run_dir, "--out", tmp_path / "en", "--no-maps", "-q").exit_code == 0
        path = tmp_path / "en" / "ranked_sites.xlsx"
    run = read_run(run_dir)
    L = Labels(lang, run.services)
    wb = openpyxl.load_workbook(path)
    ranked = pd.read_csv(run_dir / "ranked_sites.csv", keep_default_na=False, dtype={"id": str})
    assert len(ranked) >= 3
    district = wb.worksheets[0]
    assert district.title == {"zh": "全区", "en": "District"}[lang]
    header, rows = _sheet_rows(district)
    _assert_same(ranked, header, rows, L)
    # one sheet per street (in district rank order), each with that street's by_street CSV rows
    ev = evaluate(run.households, services=tuple(run.services), rules=run.grades, ranked=run.ranked)
    assert wb.sheetnames[2:] == [a.street for a in ev.streets]
    for p in sorted((run_dir / "by_street").glob("*.csv")):
        frame = pd.read_csv(p, keep_default_na=False, dtype={"id": str})
        header, rows = _sheet_rows(wb[frame["street"].iloc[0]])
        _assert_same(frame, header, rows, L)
    # what a clerk sees: names in the language, number formats, frozen header, filters
    if lang == "zh":
        assert header[:3] == ["排序", "街道内排序", "编号"] and "改造费用(元)" in header
        assert any("新增覆盖户数：蔬菜零售" == h for h in header)
    else:
        assert header[:3] == ["rank", "street rank", "id"] and "conversion cost (yuan)" in header
    cost_col = header.index(L.column("cost")) + 1
    floor_col = header.index(L.column("floor")) + 1
    ws = wb[ev.streets[0].street] if run.by_street.get(ev.streets[0].street) is not None else district
    assert ws.cell(row=2, column=cost_col).number_format == "#,##0"
    assert ws.cell(row=2, column=floor_col).number_format == {"zh": '0"层";"地下"0"层"', "en": '0"F";"B"0'}[lang]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    # no raw keys leak into a Chinese workbook
    if lang == "zh":
        cells = {c for r in district.iter_rows(values_only=True) for c in r if isinstance(c, str)}
        assert not cells & (set(preset("basic4").specs) | set(SPACE_TYPES) | set(COLUMN_LABELS))
    evaluation = wb.worksheets[1]
    eh, erows = _sheet_rows(evaluation)
    assert eh[:3] == [L.column("level"), L.column("street_order"), L.column("street")]
    assert len(erows) == 1 + len(ev.streets) + len(ev.communities)


def test_street_without_spaces_gets_an_empty_sheet(run_dir, tmp_path):
    run = read_run(run_dir)
    street = sorted(run.by_street)[0]
    bare = dataclasses.replace(run, by_street={k: v for k, v in run.by_street.items() if k != street})
    ev = evaluate(run.households, services=tuple(run.services), rules=run.grades, ranked=run.ranked)
    L = Labels("en", run.services)
    write_workbook(bare, ev, L, tmp_path / "x.xlsx")
    header, rows = _sheet_rows(openpyxl.load_workbook(tmp_path / "x.xlsx")[street])
    assert rows == [] and header[:2] == ["rank", "street rank"]


def test_html_is_self_contained_and_has_every_part(run_dir, zh_report):
    text = (zh_report / "report.html").read_text(encoding="utf-8")
    run = read_run(run_dir)
    # nothing fetched: no external scripts, styles, images, fonts or tiles
    assert not re.search(r"<script[^>]+src=|<link\b|<img\b|<iframe\b|@import|url\((?!#)", text)
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert text.count('<circle class="h ') == len(run.households)
    assert text.count('<g class="site" ') == int(run.sites["chosen"].sum()) == len(run.ranked)
    assert text.count('<g class="ex" ') == len(run.existing)
    for st in run.streets:
        assert f'<option value="{st}">' in text
        assert f'<div class="panel" data-area="{st}" hidden>' in text
    sites = re.search(r'<table id="sites".*?</table>', text, re.S).group(0)
    assert sites.count("<tr id=\"site-") == len(run.ranked)
    streets = re.search(r'<table id="streets".*?</table>', text, re.S).group(0)
    assert streets.count("<tr data-street=") == len(run.streets)
    # Chinese labels, and no English label leaking into the Chinese page
    for word in ("一刻钟便民生活圈", "全区", "“有没有”清单", "等级评定规则", "蔬菜零售", "规划后"):
        assert word in text
    # the scenario's own service is named from summary.json and graded as it says
    assert '<option value="laundry">洗衣</option>' in text
    assert "<li>品质提升类业态：洗衣</li>" in text and "<li>基本保障类业态：蔬菜零售、早餐、便民维修、药店</li>" in text
    for word in ("households newly covered", "whole district", "coverage by service", "vegetable retail"):
        assert word not in text


def test_not_a_run_folder_is_bad_input(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("report", empty)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.clean_stderr.startswith("error: 1 input problem found:")
    assert (f"{empty}: not a complete run folder of `siting solve`: missing summary.json, ranked_sites.csv, "
            "coverage.csv, uncovered.csv, households_coverage.csv, sites.csv, existing.csv") in result.clean_stderr
    assert list(empty.iterdir()) == []
    missing = invoke("report", tmp_path / "nowhere")
    assert missing.exit_code == 1 and "run folder not found" in missing.clean_stderr
    assert not (tmp_path / "nowhere").exists()


def test_broken_run_folder_names_file_and_column(run_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("report"))
    hh = pd.read_csv(broken / "households_coverage.csv")
    hh.drop(columns=["after_repair"]).to_csv(broken / "households_coverage.csv", index=False)
    sites = pd.read_csv(broken / "sites.csv")
    sites.drop(columns=["lat"]).to_csv(broken / "sites.csv", index=False)
    result = invoke("report", broken)
    assert result.exit_code == 1, result.output
    err = result.clean_stderr
    assert err.startswith("error: 2 input problems found:")
    assert f"{broken / 'households_coverage.csv'}, field 'after_repair': missing column" in err
    assert f"{broken / 'sites.csv'}, field 'lat': missing column" in err
    assert not (broken / "report").exists()


def test_usage_errors_exit_2_and_touch_nothing(run_dir, zh_report, tmp_path):
    before = digest(run_dir)
    r = invoke("report", run_dir, "--out", run_dir)
    assert r.exit_code == 2 and "would replace the run folder itself" in r.flat
    r = invoke("report", run_dir, "--out", run_dir.parent)
    assert r.exit_code == 2 and "would replace the run folder itself" in r.flat
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    r = invoke("report", run_dir, "--out", keep)
    assert r.exit_code == 2 and "is not an earlier report folder" in r.flat
    assert (keep / "notes.txt").read_text() == "mine"
    r = invoke("report", run_dir, "--lang", "fr")
    assert r.exit_code == 2 and "fr" in r.flat
    assert digest(run_dir) == before


def test_a_failure_leaves_the_previous_report_whole(run_dir, zh_report, monkeypatch):
    before = digest(zh_report)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("solver.report.excel.write_workbook", boom)
    with pytest.raises(RuntimeError):
        build.write_report(run_dir, lang="zh", maps=False)
    assert digest(zh_report) == before
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".report")]
