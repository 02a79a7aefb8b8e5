"""Table files that are not what they claim: binary files named .csv, legacy encodings, broken quoting.

Each case is what a planner's export really produces (a workbook saved under a .csv name,
a Big5 or Shift-JIS file from another office, a stray quote in a name) and asserts the one
message that names the cause, through the real loading path, or the text read correctly.
The encoding detection is also measured on random names (GB2312 hanzi, Big5, Shift-JIS,
EUC-KR): GBK tables must always read back as they were written.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from factories import random_district, write_case

from solver.errors import InputError, Problems
from solver.inputs.loading import load_district
from solver.inputs.scenario import load_scenario
from solver.inputs.textfiles import decode_text


def small() -> dict[str, pd.DataFrame]:
    return random_district(seed=7, n_households=10, n_candidates=6, n_existing=4, size_m=1000.0, spacing=250.0)


def problems_of(path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_district(load_scenario(path))
    return [str(p) for p in info.value.problems]


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "xls", "pdf", "gpkg", "zip", "nul"])
def test_a_file_that_is_not_text_is_named_for_what_it_is(tmp_path, kind):
    t = small()
    path = write_case(tmp_path, t, network=False)
    target = tmp_path / "households.csv"
    if kind == "xlsx":
        target.write_bytes(xlsx_bytes(t["households"]))
    elif kind == "xls":
        target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    elif kind == "pdf":
        target.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    elif kind == "gpkg":
        target.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    elif kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("households.csv", t["households"].to_csv(index=False))
        target.write_bytes(buf.getvalue())
    else:
        target.write_bytes(t["households"].to_csv(index=False).encode() + b"\x00\x00\x01\x02garbage")
    msgs = problems_of(path)
    first = [m for m in msgs if m.startswith("households.csv")]
    assert len(first) == 1, msgs
    expected = {"xlsx": "households.csv: is an Excel workbook (.xlsx) or another zip archive, not CSV text: this is "
                        "an Excel file: save it as CSV (UTF-8)",
                "xls": "households.csv: is an Excel 97-2003 workbook (.xls) or another Office file, not CSV text: "
                       "this is an Excel file: save it as CSV (UTF-8)",
                "pdf": "households.csv: is a PDF document, not CSV text",
                "gpkg": "households.csv: is a SQLite database (a GeoPackage?), not CSV text: name a GeoPackage "
                        "with its .gpkg extension",
                "zip": "households.csv: is an Excel workbook (.xlsx) or another zip archive",
                "nul": "households.csv: is a binary file (it holds NUL bytes), not CSV text"}[kind]
    assert first[0].startswith(expected), first[0]


def test_a_scenario_that_is_a_workbook_is_named_too(tmp_path):
    path = write_case(tmp_path, small(), network=False)
    path.write_bytes(xlsx_bytes(pd.DataFrame({"a": [1]})))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(info.value.problems[0]) == (f"{path}: is an Excel workbook (.xlsx) or another zip archive, not a "
                                           "scenario (TOML text) file")


TRADITIONAL = ["臺北市中正區", "萬華區龍山寺", "大安區", "信義區市府路", "新北市板橋區", "高雄市苓雅區"]
JAPANESE = ["新宿区西新宿", "渋谷区道玄坂", "品川区大崎", "世田谷区", "さいたま市", "横浜市中区"]


@pytest.mark.parametrize(("encoding", "names"), [("big5", TRADITIONAL), ("cp932", JAPANESE)])
def test_big5_and_shift_jis_files_are_read_as_what_they_are(tmp_path, encoding, names):
    """Not decoded as GB18030 into garbled names: the names come back as written."""
    t = small()
    hh = t["households"].copy()
    hh["street"] = [names[i % len(names)] for i in range(len(hh))]
    hh["community"] = [names[(i + 2) % len(names)] for i in range(len(hh))]
    t["households"] = hh
    path = write_case(tmp_path, t, network=False)
    hh.to_csv(tmp_path / "households.csv", index=False, encoding=encoding)
    d = load_district(load_scenario(path))
    assert list(d.households["street"]) == list(hh["street"])
    assert list(d.households["community"]) == list(hh["community"])
    label = {"big5": "Big5 (Traditional Chinese)", "cp932": "Shift-JIS (Japanese)"}[encoding]
    assert [str(w) for w in d.warnings] == [
        f"households.csv: read as {label}, the encoding detected (not UTF-8): check the names in the outputs, or "
        "save the file as UTF-8 to be sure"]


def test_an_encoding_that_cannot_be_told_is_refused_with_the_candidates(tmp_path):
    path = write_case(tmp_path, small(), network=False)
    # four Big5 characters whose bytes read as EUC-JP kanji and kana just as well: refused, not guessed
    (tmp_path / "existing.csv").write_bytes(b"id,x,y,service\nE1,470000,4416000,vegetable\n"
                                            + "E2,470100,4416100,次鰓馭偌\n".encode("big5"))
    assert problems_of(path) == [
        "existing.csv, row 3: the encoding cannot be told with confidence: it reads as Big5 (Traditional Chinese) "
        "or EUC-JP (Japanese), which give different text; save it as UTF-8 (Excel, WPS: 'CSV UTF-8 (comma "
        "delimited)'); got byte 0xa6 on line 3"]


def _names(chars: np.ndarray, rng: np.random.Generator, rows: int) -> str:
    return "id,x,y,households,street,community\n" + "".join(
        f"H{i},{i},{i},{i},{''.join(rng.choice(chars, int(rng.integers(2, 6))))},{''.join(rng.choice(chars, 2))}\n"
        for i in range(rows))


def _charset(codec: str, leads) -> np.ndarray:
    out = []
    for hi in leads:
        for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            try:
                out.append(bytes([hi, lo]).decode(codec))
            except UnicodeDecodeError:
                pass
    return np.array(out)


def test_gbk_tables_of_random_names_always_read_back_as_written():
    """GB18030 is the documented encoding: never refused, never read as another encoding."""
    rng = np.random.default_rng(11)
    hanzi = _charset("gb2312", range(0xB0, 0xF8))
    for _ in range(300):
        text = _names(hanzi, rng, int(rng.integers(1, 6)))
        problems = Problems()
        decoded = decode_text(text.encode("gbk"), "x.csv", problems)
        assert decoded is not None and decoded.text == text, (problems.items, decoded)


@pytest.mark.parametrize(("codec", "leads"), [("big5", range(0xA4, 0xC7)), ("cp932", [0x82, 0x83, *range(0x88, 0x99)])])
def test_other_cjk_encodings_of_random_names_are_never_misread_when_long(codec, leads):
    """A table of 10+ rows in Big5 or Shift-JIS is read correctly or refused, never garbled."""
    rng = np.random.default_rng(12)
    chars = _charset(codec, leads)
    read = 0
    for _ in range(60):
        text = _names(chars, rng, int(rng.integers(10, 40)))
        problems = Problems()
        decoded = decode_text(text.encode(codec), "x.csv", problems)
        if decoded is not None:
            assert decoded.text == text and decoded.encoding == codec
            read += 1
        else:
            assert "save it as UTF-8" in str(problems.items[0])
    assert read >= 40  # most are read


def test_utf16_without_a_byte_order_mark_is_read(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    text = t["households"].to_csv(index=False)
    (tmp_path / "households.csv").write_bytes(text.encode("utf-16-le"))
    d = load_district(load_scenario(path))
    assert list(d.households["street"]) == list(t["households"]["street"])


def test_a_quote_never_closed_is_one_problem_naming_its_line(tmp_path):
    """Not a solve on the 3 rows before it: the stray quote swallows the rest of the file."""
    t = small()
    path = write_case(tmp_path, t, network=False)
    lines = (tmp_path / "households.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("社区", '"社区', 1)
    (tmp_path / "households.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems_of(path) == [
        "households.csv, row 4: a quote opened on line 4 (field 'community') is never closed: the rest of the "
        "file (7 lines that look like rows) would be read as one value; remove the stray quote or close it"]


def test_a_quote_closed_rows_later_is_named_too(tmp_path):
    t = small()
    path = write_case(tmp_path, t, network=False)
    lines = (tmp_path / "candidates.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("空间", '"空间', 1)
    lines[5] = lines[5].replace("空间", '空间"', 1)
    (tmp_path / "candidates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems_of(path) == [
        "candidates.csv, row 3: a quote opened on line 3 (field 'name') is closed only on line 6: 2 lines that "
        "look like rows would be read as one value; remove the stray quote or close it"]


def test_a_quoted_line_break_inside_a_value_is_still_fine(tmp_path):
    t = small()
    cand = t["candidates"].copy()
    cand.loc[2, "name"] = "老厂房\n东侧, 二层"
    t["candidates"] = cand
    path = write_case(tmp_path, t, network=False)
    d = load_district(load_scenario(path))
    assert d.candidates.loc[2, "name"] == "老厂房\n东侧, 二层"
