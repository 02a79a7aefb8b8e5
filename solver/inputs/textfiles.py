"""The bytes of a table file made text: what kind of file it is, which encoding, and CSV quoting.

    kind = binary_kind(data)            'an Excel workbook (.xlsx)', ... or None for text
    text, encoding = decode_text(data, file, problems)
    quote = unclosed_quote(text, header, delimiter)   a quote that swallows rows, or None

Encodings, in order: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; strict UTF-8
(ASCII included) is taken as it is; a file that is mostly UTF-8 with a few bytes that
are not is refused (mixed encodings, never guessed around). Anything else goes to
charset-normalizer, which decodes it with each candidate encoding and measures how
garbled the result is; each clean decoding is then checked for *plausibility*: at least
90 % of its non-ASCII characters must be common characters of that encoding's script
(GB2312's hanzi, Big5's frequently used characters, JIS level-1 kanji and kana, KS X 1001
hangul). GB18030 (GBK, what Chinese Excel writes as "CSV", this tool's documented
encoding) is taken when it is plausible, unless a decoding that wrong bytes practically
never produce is plausible too (Shift-JIS; hangul over at least 30 distinct characters;
kana in EUC-JP; UTF-16 without a byte-order mark). Otherwise a single plausible decoding
is taken (Big5, ...) and named in a warning; two plausible decodings that give different
text, or none, are refused with the encodings considered and how to save the file as
UTF-8, rather than read into garbled names. Limits (measured on random names, see
tests/test_textfiles.py): EUC-JP written in kanji alone and EUC-KR files of a few rows
read as GB18030, as no detector can tell them apart without knowing the language.

Files that are not text at all (an Excel workbook saved with a .csv name, a zip, PDF,
image, SQLite / GeoPackage file) are recognised by their first bytes and refused with
what they are and what to do.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ..errors import Problems

SAVE_AS_UTF8 = "save it as UTF-8 (Excel, WPS: 'CSV UTF-8 (comma delimited)')"

# (first bytes, what the file is, what to do)
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive",
     "this is an Excel file: save it as CSV (UTF-8) in Excel or WPS ('CSV UTF-8 (comma delimited)')"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls) or another Office file",
     "this is an Excel file: save it as CSV (UTF-8) in Excel or WPS ('CSV UTF-8 (comma delimited)')"),
    (b"%PDF", "a PDF document", "export the table from its source as CSV (UTF-8)"),
    (b"SQLite format 3\x00", "a SQLite database (a GeoPackage?)",
     "name a GeoPackage with its .gpkg extension, or export the layer as CSV (UTF-8)"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract the table first"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract the table first"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "give the table, not a picture of it"),
    (b"\xff\xd8\xff", "a JPEG image", "give the table, not a picture of it"),
    (b"PAR1", "a Parquet file", "export it as CSV (UTF-8)"),
    (b"\x00\x00\x00\x0dIHDR", "an image", "give the table, not a picture of it"),
)
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# the encodings charset-normalizer is asked to consider (Python codec names) and how messages name them
CANDIDATES: dict[str, str] = {
    "gb18030": "GB18030/GBK (Simplified Chinese)", "big5": "Big5 (Traditional Chinese)",
    "cp932": "Shift-JIS (Japanese)", "euc_jp": "EUC-JP (Japanese)", "cp949": "EUC-KR (Korean)",
    "utf_16_le": "UTF-16 without a byte-order mark", "utf_16_be": "UTF-16 (big-endian) without a byte-order mark",
    "cp1252": "Windows-1252 (Western European)",
}
# Encodings whose common characters the bytes of another encoding (GBK above all) practically
# never decode into: KS X 1001 hangul, Shift-JIS (whose lead bytes of GBK hanzi are half-width
# katakana), UTF-16. They win over GB18030, whose 6,763 hanzi the bytes of EUC-KR, EUC-JP and
# Big5 often decode into; Big5, EUC-JP and Windows-1252 are taken only when GB18030 is not
# plausible. Japanese EUC-JP written in kanji alone cannot be told from GB18030 this way.
SPECIFIC = ("cp949", "cp932", "utf_16_le", "utf_16_be")
# distinct characters a hangul decoding needs to outweigh GB18030: the bytes of a few GBK hanzi
# often decode into KS X 1001 hangul (about 6 % of random 1-3-row GBK tables), of 30 practically never
MIN_HANGUL = 30
CONSIDERED = "GB18030/GBK, Big5, Shift-JIS, EUC-JP, EUC-KR, UTF-16, Windows-1252"
DEFAULT_LEGACY = "gb18030"  # wins a tie: the documented encoding of Chinese Excel's "CSV"
CLEAN = 0.1  # charset-normalizer's share of garbled characters of a decoding taken without a plausible one
MAX_CHAOS = 0.3  # charset-normalizer's share of garbled characters beyond which a decoding is not considered


def binary_kind(data: bytes) -> tuple[str, str] | None:
    """(what the file is, what to do) when ``data`` is not text, else None."""
    for magic, what, todo in MAGIC:
        if data.startswith(magic):
            return what, todo
    if not data.startswith(tuple(b for b, _ in BOMS)) and b"\x00" in data and not utf16_without_bom(data):
        return "a binary file (it holds NUL bytes)", "give the table as CSV text (UTF-8)"
    return None


def utf16_without_bom(data: bytes) -> bool:
    """Whether NUL bytes sit where UTF-16 puts them for ASCII text (every other byte), without a BOM."""
    head = data[:65536]
    even, odd = head[0::2], head[1::2]
    if not even or not odd:
        return False
    e, o = even.count(0) / len(even), odd.count(0) / len(odd)
    return (o >= 0.3 and e <= 0.02) or (e >= 0.3 and o <= 0.02)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used (Python name)
    detected: bool = False  # chosen by charset-normalizer (not a BOM, not UTF-8)

    @property
    def label(self) -> str:
        return CANDIDATES.get(self.encoding, self.encoding)


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def decode_text(data: bytes, file: str, problems: Problems, *, table: bool = True) -> Decoded | None:
    """The text of a table file (or, not ``table``, a scenario file), or None with a problem added
    (see the module docstring)."""
    kind = binary_kind(data)
    if kind is not None:
        what, todo = kind
        problems.add(file, f"is {what}, not CSV text: {todo}" if table else
                     f"is {what}, not a scenario (TOML text) file", show_value=False)
        return None
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError as exc:
                line = _line_of(data, exc.start)
                problems.add(file, f"starts with a {codec.upper()} byte-order mark but is not valid {codec.upper()} "
                             f"text; save it again as UTF-8", row=line,
                             value_text=f"byte 0x{data[exc.start]:02x} on line {line}")
                return None
    if utf16_without_bom(data):  # valid UTF-8 too (NUL is a character), but not as meant
        first = UnicodeDecodeError("utf-8", data, data.index(b"\x00"), data.index(b"\x00") + 1, "NUL byte")
        return _detect(data, file, problems, first)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        first = exc
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    good = sum(1 for ch in lenient if ord(ch) > 127) - broken
    if good > 4 * broken:
        # mostly UTF-8 with a few bytes that are not: mixed encodings, never guessed around
        line = _line_of(data, first.start)
        problems.add(file, "is UTF-8 text with bytes that are not UTF-8 (pasted from a file in another "
                     "encoding?); fix or retype that line and save it as UTF-8", row=line,
                     value_text=f"byte 0x{data[first.start]:02x} on line {line}")
        return None
    return _detect(data, file, problems, first)


def _common(ch: str, encoding: str) -> bool:
    """Whether ``ch`` is a common character of ``encoding``'s script: the core set a correct
    decoding of real names is made of, where a wrong decoding lands on rare characters."""
    try:
        if encoding == "gb18030":  # GB2312's 6,763 hanzi and its punctuation (no kana, Greek, Cyrillic)
            b = ch.encode("gb2312")
            return len(b) == 2 and (0xA1 <= b[0] <= 0xA3 or 0xB0 <= b[0] <= 0xF7)
        if encoding == "big5":  # Big5's symbols and its 5,401 frequently used characters
            b = ch.encode("big5")
            return len(b) == 2 and 0xA1 <= b[0] <= 0xC6
        if encoding in ("cp932", "euc_jp"):  # JIS X 0208 symbols, kana and level-1 kanji; no half-width kana
            b = ch.encode("euc_jp")
            return len(b) == 2 and (0xA1 <= b[0] <= 0xA8 or 0xB0 <= b[0] <= 0xCF)
        if encoding == "cp949":  # KS X 1001 punctuation and its 2,350 hangul syllables
            b = ch.encode("euc_kr")
            return len(b) == 2 and (0xA1 <= b[0] <= 0xA3 or 0xB0 <= b[0] <= 0xC8)
        if encoding == "cp1252":  # accented Latin letters
            return "\u00c0" <= ch <= "\u00ff" and ch.isalpha()
        if encoding.startswith("utf_16"):  # any printable character (and see plausible())
            return ch.isprintable()
    except UnicodeEncodeError:
        return False
    return False


def plausible(text: str, encoding: str, *, share: float = 0.9) -> bool:
    """Whether most non-ASCII characters of ``text`` are common characters of ``encoding``'s script."""
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return False
    if any(ch < " " and ch not in "\t\r\n" for ch in text):
        return False
    if encoding.startswith("utf_16") and len(wide) > 0.7 * len(text):
        return False  # a table's digits, commas and line ends are ASCII; other bytes read as UTF-16 are not
    if encoding == "cp1252":  # an accented letter sits inside a word
        letters = re.finditer(r"[^\x00-\x7f]", text)
        inside = sum(1 for m in letters if re.search(r"[A-Za-z]", text[max(0, m.start() - 1):m.end() + 1]))
        if inside < share * len(wide):
            return False
    return sum(_common(ch, encoding) for ch in wide) >= share * len(wide)


def _specific(encoding: str, text: str) -> bool:
    """Whether a plausible decoding is evidence that outweighs GB18030 (see SPECIFIC)."""
    if encoding == "euc_jp":  # kana: Japanese, never Chinese names
        return any("\u3040" <= ch <= "\u30ff" for ch in text)
    if encoding == "cp949":  # hangul: GBK's common hanzi often decode into a few of them
        return len({ch for ch in text if ord(ch) > 127}) >= MIN_HANGUL
    return encoding in SPECIFIC


def _detect(data: bytes, file: str, problems: Problems, first: UnicodeDecodeError) -> Decoded | None:
    """A legacy encoding, told by charset-normalizer and checked for plausibility (module docstring)."""
    from charset_normalizer import from_bytes

    decoded: dict[str, tuple[float, str]] = {}
    for m in sorted(from_bytes(data, cp_isolation=list(CANDIDATES)), key=lambda m: m.chaos):
        try:
            decoded.setdefault(m.encoding, (float(m.chaos), data.decode(m.encoding)))  # all of it, strictly
        except (UnicodeDecodeError, LookupError):
            continue
    try:  # GB18030 decodes nearly any bytes; the detection may have passed it over
        decoded.setdefault(DEFAULT_LEGACY, (1.0, data.decode(DEFAULT_LEGACY)))
    except UnicodeDecodeError:
        pass
    clean = {enc: v for enc, v in decoded.items() if v[0] <= MAX_CHAOS or enc == DEFAULT_LEGACY}
    real = {enc: text for enc, (_, text) in clean.items() if plausible(text, enc)}
    specific = {enc: text for enc, text in real.items() if _specific(enc, text)}
    if specific:  # evidence that GB18030's wider set of hanzi cannot outweigh
        real = specific
    elif DEFAULT_LEGACY in real:
        return Decoded(real[DEFAULT_LEGACY], DEFAULT_LEGACY, detected=True)
    if len(set(real.values())) == 1:
        enc = next(iter(real))
        return Decoded(real[enc], enc, detected=True)
    if not real and set(clean) == {DEFAULT_LEGACY} and decoded[DEFAULT_LEGACY][0] <= CLEAN:
        # GBK's own rare and traditional hanzi (臺, 區, ...): nothing else reads it at all
        return Decoded(decoded[DEFAULT_LEGACY][1], DEFAULT_LEGACY, detected=True)
    line = _line_of(data, first.start)
    where = f"byte 0x{data[first.start]:02x} on line {line}"
    if real:
        names = " or ".join(CANDIDATES.get(e, e) for e in real)
        problems.add(file, f"the encoding cannot be told with confidence: it reads as {names}, which give "
                     f"different text; {SAVE_AS_UTF8}", row=line, value_text=where)
    else:
        problems.add(file, f"cannot be read as text: it is not UTF-8, and none of the encodings considered "
                     f"({CONSIDERED}) reads it into common characters; {SAVE_AS_UTF8}", row=line,
                     value_text=where)
    return None


# ------------------------------------------------------------------------------------------
# CSV quoting


@dataclass(frozen=True)
class QuoteProblem:
    line: int  # where the quote opens
    field: str  # the column whose value it opens
    end_line: int | None  # where it closes (None: never, it runs to the end of the file)
    swallowed: int  # lines read into that one value that look like rows of their own

    def rule(self) -> str:
        rows = f"{self.swallowed} line{'s' if self.swallowed != 1 else ''} that look like rows"
        if self.end_line is None:
            return (f"a quote opened on line {self.line} (field '{self.field}') is never closed: the rest of the "
                    f"file ({rows}) would be read as one value; remove the stray quote or close it")
        return (f"a quote opened on line {self.line} (field '{self.field}') is closed only on line {self.end_line}: "
                f"{rows} would be read as one value; remove the stray quote or close it")


def multiline_rows(records: list[tuple[int, int, list[str]]], header: list[str], delimiter: str,
                   text: str) -> QuoteProblem | None:
    """The first quoted value that swallows rows, among records that span lines ((first line,
    last line, values)); ``text`` is the whole file, for a quote left open at its end."""
    need = max(2, len(header) - 1)  # delimiters on a line that make it look like a row of the table
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    for start, end, rec in records:
        for k, value in enumerate(rec):
            if "\n" not in value and "\r" not in value:
                continue
            lines = value.splitlines()[1:]
            looks = sum(1 for ln in lines if ln.count(delimiter) >= need)
            field = header[k] if k < len(header) else f"column {k + 1}"
            if end >= last_line and (value.endswith(("\n", "\r")) or _open_at_end(text, delimiter)):
                return QuoteProblem(line=start, field=field, end_line=None, swallowed=looks)
            if looks:
                return QuoteProblem(line=start, field=field, end_line=end, swallowed=looks)
    return None


def _open_at_end(text: str, delimiter: str) -> bool:
    """Whether the file ends inside a quoted value (what csv's strict mode calls 'unexpected end of data')."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
