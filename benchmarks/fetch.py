"""`python -m benchmarks fetch`: the public instance files, downloaded from their repositories at
pinned commits and checked by SHA-256.

    python -m benchmarks fetch [--out DIR] [--source TEMPLATE|DIR] [--only REGEX]

The files, their repositories, commits, paths, sizes and SHA-256 digests are listed in
``benchmarks/reference/instances_manifest.csv`` (the layout of ``../shared/mclp-instances``:
``SJC/SJC324.txt``, ...). The default source is
``https://raw.githubusercontent.com/{repository}/{commit}/{path}``; ``--source`` takes another
URL template with the same fields (a mirror, or ``file:///...``), or a local folder holding the
files in the suite's layout (a copy of ``mclp-instances``). A file whose size or SHA-256 differs
from the manifest is refused: nothing is written for it, and the command lists every such file and
exits 1. A file already in ``--out`` with the right digest is kept. The reference optima
(``benchmarks/reference/computed_optima_highs.csv``, computed by this project, not downloaded) are
copied beside the files, so ``python -m benchmarks run --instances DIR`` reads the folder.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "reference" / "instances_manifest.csv"
REFERENCE = HERE / "reference" / "computed_optima_highs.csv"
DEFAULT_OUT = HERE / "results" / "instances"
DEFAULT_SOURCE = "https://raw.githubusercontent.com/{repository}/{commit}/{path}"
TIMEOUT_S = 60


@dataclass(frozen=True)
class Entry:
    file: str  # path in the suite's layout
    repository: str
    commit: str
    path: str  # path in the repository
    bytes: int
    sha256: str


def read_manifest(path: Path = MANIFEST) -> list[Entry]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [Entry(r["file"], r["repository"], r["commit"], r["path"], int(r["bytes"]), r["sha256"])
                for r in csv.DictReader(fh)]


def source_of(entry: Entry, source: str) -> str:
    """The URL (or local path) of ``entry`` under ``source`` (a template or a folder)."""
    if "{" in source:
        return source.format(repository=entry.repository, commit=entry.commit,
                             path=urllib.parse.quote(entry.path, safe="/"))
    return str(Path(source) / entry.file)


def _read(where: str, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a URL or a local file."""
    if "://" not in where:
        with open(where, "rb") as fh:
            return fh.read(limit + 1)
    with urllib.request.urlopen(where, timeout=TIMEOUT_S) as resp:  # noqa: S310 - http(s) or file URLs by design
        return resp.read(limit + 1)


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(out: Path, *, source: str = DEFAULT_SOURCE, only: str | None = None,
          manifest: Path = MANIFEST, log=print) -> list[str]:
    """Fetch the manifest's files into ``out``; returns the problems (empty: every file is in place)."""
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    entries = [e for e in read_manifest(manifest) if only is None or re.search(only, e.file)]
    for k, e in enumerate(entries, start=1):
        target = out / e.file
        if target.is_file() and target.stat().st_size == e.bytes and digest(target) == e.sha256:
            log(f"[{k}/{len(entries)}] {e.file}: present, SHA-256 agrees")
            continue
        where = source_of(e, source)
        try:
            data = _read(where, e.bytes)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            problems.append(f"{e.file}: cannot read {where}: {getattr(exc, 'reason', exc)}")
            continue
        got = hashlib.sha256(data).hexdigest()
        if len(data) != e.bytes or got != e.sha256:
            problems.append(f"{e.file}: refused: {where} gave {len(data):,} bytes with SHA-256 {got}; the "
                            f"manifest expects {e.bytes:,} bytes with SHA-256 {e.sha256}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        log(f"[{k}/{len(entries)}] {e.file}: {len(data):,} bytes from {e.repository}@{e.commit[:7]}, SHA-256 agrees")
    if manifest == MANIFEST:
        shutil.copyfile(REFERENCE, out / REFERENCE.name)
    return problems


def main(args) -> int:
    out = (args.out or DEFAULT_OUT).resolve()
    problems = fetch(out, source=args.source or DEFAULT_SOURCE, only=args.only,
                     manifest=args.manifest or MANIFEST)
    if problems:
        sys.stderr.write(f"error: {len(problems)} file(s) not fetched:\n" + "".join(f"  - {p}\n" for p in problems))
        return 1
    print(f"instances in {out}: python -m benchmarks run --instances {out}")
    return 0
