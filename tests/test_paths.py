"""Path checks and file names made from data (solver/paths.py)."""

from __future__ import annotations

import os
import unicodedata

import pytest

from solver.paths import MAX_NAME_BYTES, path_problem, safe_file_name, unique_file_names


def test_path_problems_are_named(tmp_path):
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    assert path_problem(tmp_path / "a") == "is a loop of symbolic links"
    assert path_problem(tmp_path / "a" / "x.csv") == "is a loop of symbolic links"
    assert "NUL byte" in path_problem("data\x00.csv")
    assert "control character" in path_problem("data\n.csv")
    assert "a part of 300 bytes" in path_problem(tmp_path / ("x" * 300))
    assert path_problem("") == "is empty"
    assert path_problem(tmp_path / ("x" * 255)) is None
    assert path_problem(tmp_path / "not yet" / "there.csv") is None


@pytest.mark.parametrize("text", ["北苑/街道", "a\\b", "CON", "con.txt", "nul", ".hidden", " x. ", "a:b*c?", "\x00\x1f",
                                  "", "...", "<>|"])
def test_safe_names_are_safe_on_every_system(text):
    name = safe_file_name(text)
    assert name and not any(c in name for c in '<>:"/\\|?*') and all(ord(c) >= 32 for c in name)
    assert name == name.strip(" .") and not name.startswith(".")
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}


def test_a_safe_name_keeps_plain_text_and_cuts_long_text_with_a_stable_hash():
    assert safe_file_name("新华街道") == "新华街道"
    long = "很长的街道名" * 30
    a, b = safe_file_name(long), safe_file_name(long)
    assert a == b and len(a.encode()) <= MAX_NAME_BYTES and a.startswith("很长的街道名") and a[-9] == "-"
    assert safe_file_name(long + "一") != a  # another text, another hash


def test_unique_names_never_coincide():
    texts = ["北苑/街道", "北苑_街道", "Street", "street", "STREET", unicodedata.normalize("NFD", "é街"),
             unicodedata.normalize("NFC", "é街"), "x" * 200, "x" * 201]
    names = unique_file_names(texts)
    folded = [unicodedata.normalize("NFC", n).casefold() for n in names.values()]
    assert len(set(folded)) == len(set(texts))  # apart even where case and normalization are ignored
    assert names["北苑_街道"] == "北苑_街道"  # the name that is its own text keeps it
    assert names["北苑/街道"].startswith("北苑_街道-")
    assert unique_file_names(reversed(texts)) == {t: names[t] for t in reversed(texts)}  # order does not matter
