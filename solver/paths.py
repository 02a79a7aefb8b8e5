"""Paths the user gives, and file names made from data.

    path_problem(path) -> str | None        why a path cannot be used (NUL byte, too long, a symlink loop, ...)
    safe_file_name(text) -> str             a short name that every file system accepts, from any text
    unique_file_names(texts) -> {text: name}   ... that stay apart (a stable hash suffix where needed)

File names made from data (streets for ``by_street/``, the report's maps, scenario names
for output folders) must be safe on Linux, Windows and macOS: no path separators, control
characters or ``<>:"|?*``, no leading or trailing dots and spaces, no reserved device
name (``CON``, ``NUL``, ``COM1``, ...), and short: at most 64 bytes of UTF-8 (about 21
Chinese characters), far below the 255 bytes of a path component, so that a prefix and
a suffix still fit. A name that had to be changed or cut keeps its readable start; a cut
name, and a name that would coincide with another (``北苑/街道`` and ``北苑_街道``; names
equal but for case or Unicode normalization, which Windows and macOS treat as one), gets
an 8-hex-digit suffix from the SHA-256 of the original text, so the same text always
gives the same name. The original text is always inside the file (a ``street`` column,
a title, ``summary.json``).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

MAX_NAME_BYTES = 64  # of a name made from data
MAX_COMPONENT_BYTES = 255  # of one part of a path (Linux, macOS; Windows counts 255 UTF-16 units)
MAX_PATH_BYTES = 4096  # of a whole path (Linux PATH_MAX)
UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
HASH_HEX = 8


def path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be used as a file or folder path, or None (it need not exist)."""
    text = os.fspath(path)
    if not text.strip():
        return "is empty"
    if "\x00" in text:
        return "contains a NUL byte (\\0), which no file system allows in a path"
    if re.search(r"[\x01-\x1f\x7f]", text):
        return "contains a control character (a line break or tab pasted into the path?)"
    for part in Path(text).parts:
        size = len(os.fsencode(part))
        if size > MAX_COMPONENT_BYTES:
            shown = part if len(part) <= 40 else part[:37] + "..."
            return (f"has a part of {size} bytes ({shown!r}); a file or folder name may have at most "
                    f"{MAX_COMPONENT_BYTES}")
    try:
        full = Path(text).absolute()
        if len(os.fsencode(str(full))) > MAX_PATH_BYTES:
            return f"is longer than {MAX_PATH_BYTES} bytes"
        full.resolve()
    except RuntimeError:  # Python 3.11's Path.resolve() on a loop
        return "is a loop of symbolic links"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "is a loop of symbolic links"
        return f"cannot be used ({exc.strerror or exc})"
    except ValueError as exc:
        return f"cannot be used ({exc})"
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_HEX]


def _cut(text: str, max_bytes: int) -> str:
    return text.encode("utf-8", "surrogatepass")[:max_bytes].decode("utf-8", "ignore")


def safe_file_name(text: str, *, max_bytes: int = MAX_NAME_BYTES, fallback: str = "_") -> str:
    """``text`` as a file name (without extension) every file system accepts, at most ``max_bytes``
    of UTF-8; a cut name ends in ``-`` and a hash of ``text``."""
    name = unicodedata.normalize("NFC", str(text))
    name = UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"^\.+", "_", name) or fallback
    if name.split(".")[0].upper() in RESERVED:
        name = "_" + name
    if len(name.encode("utf-8", "surrogatepass")) > max_bytes:
        name = _cut(name, max_bytes - HASH_HEX - 1).rstrip(" .") + "-" + _digest(str(text))
    return name


def unique_file_names(texts: Iterable[str], *, max_bytes: int = MAX_NAME_BYTES) -> dict[str, str]:
    """A safe file name per distinct text, no two alike even where case or Unicode normalization is
    ignored (Windows, macOS). Of names that would coincide, one that is its text unchanged keeps it;
    the others get ``-`` and a hash of their text."""
    texts = list(dict.fromkeys(str(t) for t in texts))
    names = {t: safe_file_name(t, max_bytes=max_bytes) for t in texts}

    def key(name: str) -> str:
        return unicodedata.normalize("NFC", name).casefold()

    groups: dict[str, list[str]] = {}
    for t in texts:
        groups.setdefault(key(names[t]), []).append(t)
    for group in groups.values():
        if len(group) < 2:
            continue
        keep = [t for t in group if names[t] == t]
        keeper = keep[0] if len(keep) == 1 else None
        for t in group:
            if t != keeper:
                base = _cut(names[t], max_bytes - HASH_HEX - 1).rstrip(" .-")
                names[t] = f"{base}-{_digest(t)}"
    seen: dict[str, str] = {}
    for t in texts:  # a hash suffix that still coincides (never seen in practice): longer hashes
        k = key(names[t])
        if k in seen and seen[k] != t:
            names[t] = f"{_cut(names[t], max_bytes - 2 * HASH_HEX - 2)}-{hashlib.sha256(t.encode()).hexdigest()[:16]}"
        seen[key(names[t])] = t
    return names
