"""`python -m benchmarks fetch`: files from repositories at pinned commits, refused unless their SHA-256
agrees. GitHub is not reachable here: the repositories are served from a local mirror (file:// URLs
and a plain folder), the same code path as https."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from benchmarks.__main__ import main as bench_main
from benchmarks.fetch import MANIFEST, digest, read_manifest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "mclp-instances"
FILES = {"SJC/SJC9.txt": ("someone/mclp-data", "a" * 40, "data/SJC/SJC9.txt", b"3\t9999\tp\tS\n1\t2\t3\t\n"),
         "GR/GR7.txt": ("someone/mclp-data", "a" * 40, "data/G&R/GR7.txt", b"2 1 0 0\r\n1\t2\t5\t7\r\n")}


@pytest.fixture()
def mirror(tmp_path) -> tuple[Path, Path]:
    """A local mirror laid out as <repository>/<commit>/<path>, and a manifest of its files."""
    root = tmp_path / "mirror"
    manifest = tmp_path / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "repository", "commit", "path", "bytes", "sha256"])
        for file, (repo, commit, path, data) in FILES.items():
            p = root / repo / commit / path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            w.writerow([file, repo, commit, path, len(data), hashlib.sha256(data).hexdigest()])
    return root, manifest


def fetch(out: Path, source: str, manifest: Path) -> int:
    return bench_main(["fetch", "--out", str(out), "--source", source, "--manifest", str(manifest)])


def test_fetch_from_file_urls_checks_sha256(mirror, tmp_path, capsys):
    root, manifest = mirror
    template = root.as_uri() + "/{repository}/{commit}/{path}"
    out = tmp_path / "out"
    assert fetch(out, template, manifest) == 0
    for file, (_, _, _, data) in FILES.items():
        assert (out / file).read_bytes() == data  # byte-exact, CRLF kept; 'G&R' quoted in the URL and read back
    assert fetch(out, template, manifest) == 0  # present and right: kept
    assert "present, SHA-256 agrees" in capsys.readouterr().out


def test_corrupted_file_is_refused(mirror, tmp_path, capsys):
    root, manifest = mirror
    template = root.as_uri() + "/{repository}/{commit}/{path}"
    bad = root / "someone/mclp-data" / ("a" * 40) / "data/SJC/SJC9.txt"
    bad.write_bytes(bad.read_bytes().replace(b"2", b"4"))  # same size, other bytes
    out = tmp_path / "out"
    assert fetch(out, template, manifest) == 1
    err = capsys.readouterr().err
    assert "error: 1 file(s) not fetched" in err and "SJC/SJC9.txt: refused" in err
    assert not (out / "SJC/SJC9.txt").exists() and not list(out.rglob("*.part"))
    assert (out / "GR/GR7.txt").is_file()  # the good file is written


def test_local_folder_source(mirror, tmp_path):
    root, manifest = mirror
    folder = tmp_path / "copy"
    for file, (repo, commit, path, _) in FILES.items():
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_bytes((root / repo / commit / path).read_bytes())
    assert fetch(tmp_path / "out", str(folder), manifest) == 0
    (folder / "GR/GR7.txt").write_bytes(b"truncated")
    assert fetch(tmp_path / "out2", str(folder), manifest) == 1


def test_manifest_pins_full_commits_and_matches_the_shared_copies():
    entries = read_manifest(MANIFEST)
    assert len(entries) >= 30 and len({e.file for e in entries}) == len(entries)
    assert all(len(e.commit) == 40 and len(e.sha256) == 64 for e in entries)
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present")
    for e in entries:
        assert digest(SHARED / e.file) == e.sha256, e.file
