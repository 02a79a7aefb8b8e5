"""`siting history`: the quarterly evaluations as one offline dynamic map, driven in headless Chromium
(issue 16 item 4)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import random_district, write_case
from PIL import Image
from test_report_browser import HEIGHT, WIDTH, _browser, chromium
from typer.testing import CliRunner

from solver.cli.app import app
from solver.report.evaluation import evaluate
from solver.report.rundata import read_run

runner = CliRunner()
QUARTERS = ("2025Q4", "2026Q1", "2026Q2", "2026Q3")


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, list[Path]]:
    tmp = tmp_path_factory.mktemp("history")
    tables = random_district(seed=11, n_households=150, n_candidates=10, n_existing=12, size_m=2500)
    tables["existing"] = tables["existing"].assign(
        opened=["", "", "", "2026Q1", "", "2026Q2", "", "", "2026Q3", "", "", ""],
        closed=["", "2026Q2", "", "", "", "", "2026Q3", "", "", "", "", ""])
    path = write_case(tmp / "case", tables)
    folders = []
    for q in (QUARTERS[2], QUARTERS[0], QUARTERS[3], QUARTERS[1]):  # out of order: sorted by date
        out = tmp / f"ev_{q}"
        res = runner.invoke(app, ["evaluate", str(path), "--as-of", q, "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
        folders.append(out)
    out = tmp / "hist"
    res = runner.invoke(app, ["history", *map(str, folders), "-o", str(out), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    return out, folders


def test_history_csv_lists_the_changes(history):
    out, folders = history
    ch = pd.read_csv(out / "history.csv", keep_default_na=False)
    fac = ch[ch["kind"].isin(["opened", "closed"])]
    got = {(r.to_quarter, r.kind, r.id) for r in fac.itertuples()}
    assert got == {("2026Q1", "opened", "E03"), ("2026Q2", "opened", "E05"), ("2026Q2", "closed", "E01"),
                   ("2026Q3", "opened", "E08"), ("2026Q3", "closed", "E06")}
    # every coverage change equals the difference of the two folders' own evaluations
    runs = {json.loads((f / "summary.json").read_text(encoding="utf-8"))["evaluation"]["as_of"]: read_run(f)
            for f in folders}
    cov = ch[(ch["kind"] == "coverage") & (ch["level"] == "street")]
    assert len(cov)
    for r in cov.itertuples():
        for q, col in ((r.from_quarter, "households_before"), (r.to_quarter, "households_after")):
            run = runs[q]
            hh = run.households[run.households["street"] == r.street]
            assert int(hh["households"][hh[f"before_{r.service}"] > 0].sum()) == int(getattr(r, col))
    series = pd.read_csv(out / "history_series.csv", keep_default_na=False)
    assert list(dict.fromkeys(series["quarter"])) == list(QUARTERS)
    ev = evaluate(runs["2026Q2"].households, services=tuple(runs["2026Q2"].services), rules=runs["2026Q2"].grades)
    row = series[(series["quarter"] == "2026Q2") & (series["level"] == "district")].iloc[0]
    assert row["grade"] == ev.district.grade_before.key


def test_history_rejects_other_districts_and_single_folders(history, tmp_path):
    out, folders = history
    res = runner.invoke(app, ["history", str(folders[0]), "-o", str(tmp_path / "h")])
    assert res.exit_code == 1 and "at least two" in res.output
    other = write_case(tmp_path / "other", random_district(seed=3, n_households=20, n_candidates=4, n_existing=2,
                                                           size_m=800))
    assert runner.invoke(app, ["evaluate", str(other), "-o", str(tmp_path / "o"), "-q"]).exit_code == 0
    res = runner.invoke(app, ["history", str(folders[0]), str(tmp_path / "o"), "-o", str(tmp_path / "h")])
    assert res.exit_code == 1 and "demand points differ" in res.output and not (tmp_path / "h").exists()


DRIVER = """<script>
(function(){
  const probe={};
  function state(){
    const t=document.querySelector('#streets tbody').innerText;
    const fills=[...document.querySelectorAll('.area.community')].map(e=>e.getAttribute('fill')).join(',');
    const bfills=[...document.querySelectorAll('.b')].map(e=>e.getAttribute('fill')).join(',');
    return {label:document.getElementById('qlabel').textContent, table:t, fills:fills, bfills:bfills,
      gone:document.querySelectorAll('.f.gone').length, absent:document.querySelectorAll('.f.absent').length,
      opened:[...document.querySelectorAll('#facchanges li[data-kind=opened]')].map(li=>li.textContent),
      closed:[...document.querySelectorAll('#facchanges li[data-kind=closed]')].map(li=>li.textContent)};
  }
  const s=document.getElementById('q');
  probe.initial=state();
  for(let k=0;k<=+s.max;k++){s.value=k;s.dispatchEvent(new Event('input'));probe['q'+k]=state();}
  const v=document.getElementById('view');v.value='0';v.dispatchEvent(new Event('change'));
  probe.service=state();
  const pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(probe);
  document.body.appendChild(pre);
})();
</script></body>"""


def test_slider_changes_the_page_in_chromium(history, tmp_path):
    browser = _browser()
    out, _ = history
    page = (out / "history.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?:""", page)  # offline: nothing fetched
    driven = tmp_path / "driven.html"
    driven.write_text(page.replace("</body>", DRIVER), encoding="utf-8")
    dom = chromium(browser, tmp_path, driven.as_uri(), "--dump-dom").stdout
    m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert m, dom[-2000:]
    probe = json.loads(m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert probe["initial"]["label"] == "2026Q3"  # opens on the last quarter
    assert [probe[f"q{k}"]["label"] for k in range(4)] == list(QUARTERS)
    # the first quarter: E03, E05, E08 not yet open; nothing closed
    assert probe["q0"]["absent"] == 3 and probe["q0"]["gone"] == 0
    assert probe["q1"]["opened"] and "E03" in probe["q1"]["opened"][0]
    assert any("E01" in t for t in probe["q2"]["closed"]) and any("E05" in t for t in probe["q2"]["opened"])
    assert probe["q2"]["gone"] == 1 and probe["q3"]["gone"] == 1
    assert "新开" in probe["q1"]["opened"][0]
    # the map and the tables change with the quarter
    assert probe["q0"]["table"] != probe["q3"]["table"]
    assert probe["q0"]["bfills"] != probe["q3"]["bfills"]
    assert probe["service"]["fills"] != probe["q3"]["fills"]  # the view selector recolours the areas


def test_screenshot_differs_between_quarters(history, tmp_path):
    browser = _browser()
    out, _ = history
    shots = []
    for q in (QUARTERS[0], QUARTERS[3]):
        png = tmp_path / f"{q}.png"
        chromium(browser, tmp_path, f"{(out / 'history.html').as_uri()}#q={q}", f"--screenshot={png}",
                 "--hide-scrollbars")
        shots.append(np.asarray(Image.open(png).convert("RGB")))
    a, b = shots
    assert a.shape == (HEIGHT, WIDTH, 3)
    mapped = a[100:800, :860]
    assert len(np.unique(mapped.reshape(-1, 3), axis=0)) > 20  # the map is drawn
    assert (np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > 60).sum() > 200  # the quarters look different
