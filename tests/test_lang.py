"""--lang zh throughout: scenario name_zh / description_zh, the report, the workbook, the sweep outputs."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from factories import random_district, write_case
from typer.testing import CliRunner

from solver.cli.app import app
from solver.errors import InputError
from solver.inputs.labels import COLUMN_LABELS, sweep_label, termination_label
from solver.inputs.scenario import load_scenario

runner = CliRunner()
ZH_TEXTS = 'name_zh = "测试区"\ndescription_zh = "一个用于测试的小区域。"\ndescription = "A small test district."\n'


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lang")
    tables = random_district(seed=11, n_households=80, n_candidates=12, n_existing=4, size_m=1500.0, spacing=150.0)
    return write_case(folder, tables, scenario=ZH_TEXTS + "budget_yuan = 400_000", name="langcase")


@pytest.fixture(scope="module")
def run_dir(case, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lang-out") / "run"
    result = runner.invoke(app, ["solve", str(case), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_scenario_texts_in_chinese(case):
    sc = load_scenario(case)
    assert (sc.name_zh, sc.description_zh) == ("测试区", "一个用于测试的小区域。")
    assert sc.title("zh") == ("测试区", "一个用于测试的小区域。")
    assert sc.title("en") == ("langcase", "A small test district.")


def test_scenario_texts_are_validated(tmp_path):
    tables = random_district(seed=1, n_households=10, n_candidates=4, n_existing=2, size_m=800.0, spacing=200.0)
    path = write_case(tmp_path, tables, scenario='name_zh = 5\ndescription_zh = ["x"]\ndescription = "ok"\n'
                                                 'budget_yuan = 1e5')
    with pytest.raises(InputError) as err:
        load_scenario(path)
    text = err.value.render()
    assert "field 'name_zh': must be a text" in text
    assert "field 'description_zh': must be a text" in text
    line = tmp_path / "line.toml"
    line.write_text(path.read_text(encoding="utf-8").replace('name_zh = 5', 'name_zh = "a\\nb"')
                    .replace('description_zh = ["x"]', ''), encoding="utf-8")
    with pytest.raises(InputError, match="field 'name_zh': must not contain control characters"):
        load_scenario(line)


def test_report_in_chinese(run_dir, tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(run_dir), "--lang", "zh", "--out", str(out), "--no-maps", "-q"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<p class="desc">一个用于测试的小区域。</p>' in page
    assert "<title>一刻钟便民生活圈设施选址方案 — 测试区</title>" in page
    status = re.search(r"求解状态: ([^<]+)<", page).group(1)
    assert status.startswith(termination_label("optimal", "zh")), status
    assert "optimal" not in status
    wb = openpyxl.load_workbook(out / "ranked_sites.xlsx", read_only=True)
    keys = set(COLUMN_LABELS)
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=4, values_only=True):
            for cell in row:
                assert not (isinstance(cell, str) and cell in keys), (ws.title, cell)


def test_sweep_outputs_in_chinese(case, tmp_path):
    out = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", str(case), "--budgets", "1e5,3e5", "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    md = (out / "sweep.md").read_text(encoding="utf-8")
    assert md.startswith("# 预算情景分析：测试区\n")
    assert sweep_label("not_nested_note", "zh") in md
    assert "| 0（现状） | 仅现有设施 |" in md
    assert "optimal" not in md
    csv = pd.read_csv(out / "sweep.csv")
    assert {"预算(元)", "求解状态", "合计覆盖率(%)"} <= set(csv.columns)
    assert set(csv["求解状态"]) <= {"仅现有设施", "最优", "可行解（达到时间限制）"}
    from PIL import Image

    with Image.open(out / "sweep.png") as im:
        assert im.size == (1600, 1000)
    assert "预算情景分析" in result.stdout
    eta = r"^\[\s*[\d.]+ s\] 预算档 2/2: 300,000元 \(预计剩余 \d+ s\)$"
    assert re.search(eta, result.stderr, re.M), result.stderr


def test_sweep_plot_texts_do_not_overlap(case):
    """Every text the plot places (values, line names, the note) has a box clear of the others."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from solver.plans.sweep_plot import Placer

    fig = Figure(figsize=(8, 5), dpi=200)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 100)
    ax.plot([0, 10], [50, 50])
    p = Placer(fig, ax)
    p.add_line([0, 10], [50, 50])
    offsets = [(0, 8), (0, -14), (0, 20)]
    first = p.place("50.0%", (5, 50), offsets, ha="center", va="bottom")
    second = p.place("50.0%", (5, 50), offsets, ha="center", va="bottom")
    third = p.place("50.0%", (5, 50), offsets, ha="center", va="bottom")
    assert first is not None and second is not None and third is not None
    boxes = p.boxes
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            assert a.x1 < b.x0 or b.x1 < a.x0 or a.y1 < b.y0 or b.y1 < a.y0
    assert p.place("50.0%", (5, 50), [(0, 8)], ha="center", va="bottom") is None  # no clear spot: not drawn
