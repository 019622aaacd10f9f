"""The spreadsheet import engine: reads a ledger someone made by hand, and says what is wrong with it.

Generic over what the rows mean (the residents ledger lives in ``residents/ledger.py``). It reads

* ``.xlsx`` with openpyxl in read-only (streaming) mode, so memory stays flat however long the
  sheet is. Read-only mode cannot see merged cells, so the sheet's XML is scanned for
  ``<mergeCell`` before any cell is read; the same scan counts ``<row`` elements, so a file with
  too many rows is refused before a single cell is parsed (the sheet's ``<dimension>`` is checked
  first, and cheaper still);
* ``.csv`` (and Excel's tab-separated "Unicode text") in UTF-8 with or without BOM, UTF-16 with
  BOM, or GB18030 (what Excel and WPS on a Chinese Windows write).

The file's kind is told from its first bytes, not its name: people rename files.

Headers are matched in Chinese or English, ignoring spaces, full-width forms, ``*`` markers and
parenthesised hints (``手机号码（必填）``). A header that is one typo away from a known column is
reported with a suggestion and, if that column is not otherwise present, the file is refused:
silently dropping a misspelled ``备住`` column would lose everyone's notes.

Problems with the file as a whole raise ``FileRejected`` (nothing is imported). Problems with a
row are ``Problem`` records carrying the spreadsheet's own row number (as Excel shows it) and
the column's header, so a person can find the cell.
"""

import codecs
import csv
import datetime
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl.xml.functions import iterparse as _iterparse

# How many leading rows may hold a title (e.g. "八一西街社区居民台账") above the header row.
HEADER_SEARCH_ROWS = 10
_SCAN_CHUNK = 1 << 20


class FileRejected(Exception):
    """The file as a whole cannot be imported; ``message`` says why, ``details`` list specifics."""

    def __init__(self, message, details=(), *, code="bad_file"):
        super().__init__(str(message))
        self.message = str(message)
        self.details = [str(d) for d in details]
        self.code = code  # bad_file, bad_header or too_many_rows


@dataclass(slots=True)
class Problem:
    """Something wrong (``error``: the row is skipped) or worth knowing (``warning``) about a row."""

    row: int | None
    column: str
    message: str
    severity: str = "error"
    value: str = ""  # the cell, masked when it is personal (an ID number, a phone); never plaintext

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "severity": self.severity,
                "value": self.value}


@dataclass(frozen=True)
class Column:
    """One column a spreadsheet may carry: its key, Chinese and English header, other spellings."""

    key: str
    zh: str
    en: str
    aliases: tuple = ()
    required: bool = False
    instead: tuple = ()  # keys of columns that, when present, stand in for this required one

    def title(self) -> str:
        """The header to show the person, in the current language."""
        return self.zh if (get_language() or "zh").startswith("zh") else self.en

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.zh, self.en, self.key, *self.aliases)} - {""}


def normalise_header(text) -> str:
    """``* 手机号码（必填）`` → ``手机号码``; ``ID Number`` → ``idnumber``."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", text)
    text = re.sub(r"[\s*:_\-./]", "", text)
    return text.lower()


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, giving up (returning ``limit``) once it cannot be below ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) >= limit:
            return limit
        previous = current
    return min(previous[-1], limit)


def closest(text: str, candidates, *, normalise=normalise_header) -> str | None:
    """The candidate one or two typos away from ``text`` (two only for longer words), or None."""
    key = normalise(text)
    if not key:
        return None
    best, best_distance = None, None
    for candidate in candidates:
        allowed = 1 if len(normalise(candidate)) <= 4 else 2
        distance = edit_distance(key, normalise(candidate), allowed + 1)
        if distance <= allowed and (best_distance is None or distance < best_distance):
            best, best_distance = candidate, distance
    return best


_FORMULA_TEXT = re.compile(r'^=\s*"(.*)"$', re.DOTALL)
_TEXT_MARKS = ("'", "\u2018", "\u2019", "`")


def unwrap_text(text: str) -> str:
    """What spreadsheet users type to keep a number as text, taken off: a leading apostrophe
    (``'140802…``, literal in files WPS or other programs convert), a leading tab (CSV exports
    that force text) and an ``="…"`` formula wrapper (Excel's CSV trick). Also surrounding spaces."""
    text = text.strip()
    if not text:
        return text
    match = _FORMULA_TEXT.match(text)
    if match:
        text = match.group(1).replace('""', '"').strip()
    if text[:1] in _TEXT_MARKS:
        text = text[1:].strip()
    return text


def cell_text(value, *, keep_spaces=False) -> str:
    """A cell as the text a person meant: ``3.0`` → ``3``, full-width → half-width, spaces collapsed,
    a text marker (``'``, a leading tab, ``="…"``) taken off."""
    if value is None:
        return ""
    if type(value) is str:  # the common case first
        if value[:1] in ("'", "=", "\t", " ", "\u2018", "\u2019", "`") or value[-1:] in (" ", "\t"):
            value = unwrap_text(value)
        if keep_spaces:
            return value.strip()
        if value.isascii():
            return " ".join(value.split())
        return " ".join(unicodedata.normalize("NFKC", value).split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    text = str(value)
    if keep_spaces:
        return text.strip()
    return " ".join(unicodedata.normalize("NFKC", text).split())


# Lines below (or above) the table that sign it off: "填表人：张三  联系电话：…", "合计 54 户".
_FOOTER = re.compile(r"^\s*(填表人|制表人|填报人|审核人|审核|负责人|统计人|填表日期|制表日期|填报日期|合计|总计|小计|说明|注[:：])")


# --- reading the file -------------------------------------------------------------------------

@dataclass
class Table:
    """An opened spreadsheet whose header row has been found and mapped to column keys."""

    kind: str  # "xlsx" or "csv"
    header_row: int
    positions: dict  # key -> 0-based column index
    headers: dict  # key -> header text as written in the file
    total_rows: int  # upper bound of data rows (for progress)
    warnings: list = field(default_factory=list)
    _rows: Callable[[], Iterator[tuple[int, tuple]]] | None = None
    _close: Callable[[], None] | None = None

    def rows(self) -> Iterator[tuple[int, dict]]:
        """(row number as Excel shows it, {key: raw value}) for every non-blank row below the header."""
        positions = list(self.positions.items())
        try:
            for number, values in self._rows():
                if number <= self.header_row:
                    continue
                if not any(v not in (None, "") and str(v).strip() for v in values):
                    continue
                row = {key: (values[i] if i < len(values) else None) for key, i in positions}
                filled = [v for k, v in row.items() if not k.startswith("_") and v not in (None, "") and str(v).strip()]
                if not filled:
                    # Only a serial number (templates come pre-numbered) or columns the import
                    # ignores: a blank row of the form.
                    continue
                if len(filled) <= 2 and _FOOTER.match(cell_text(filled[0])):
                    self.warnings.append(_("Row %(row)s looks like a signature or total line (“%(text)s”) and is ignored.") % {
                        "row": number, "text": cell_text(filled[0])[:8]})
                    continue
                yield number, row
        except FileRejected:
            raise
        except Exception as exc:  # a damaged workbook fails deep inside the XML parser
            raise FileRejected(_("The file is damaged and could not be read to the end (%(error)s).") % {"error": type(exc).__name__}) from exc

    def close(self):
        if self._close:
            self._close()
            self._close = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 1_000_000))


def open_table(path, columns: list[Column], *, limit: int | None = None) -> Table:
    """Open ``path`` (.xlsx or .csv, told apart by content), find and map its header row.

    Raises FileRejected for an empty file, a file that is not a spreadsheet, too many rows,
    merged cells in the data, and missing, misspelled or duplicated headers.
    """
    path = Path(path)
    limit = max_rows() if limit is None else limit
    try:
        size = path.stat().st_size
    except OSError:
        raise FileRejected(_("The file could not be opened.")) from None
    if size == 0:
        raise FileRejected(_("The file is empty."))
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, columns, limit)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(_("This is an old Excel 97-2003 (.xls) or WPS file. Open it in Excel or WPS and save it as .xlsx (Excel workbook), then import that."))
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"\x1f\x8b", b"7z")):
        raise FileRejected(_("This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file."))
    return _open_csv(path, head, columns, limit)


def _too_many(count: int, limit: int) -> FileRejected:
    return FileRejected(
        _("The file has %(count)s rows; at most %(limit)s rows can be imported at once. Split it into smaller files.")
        % {"count": f"{count:,}", "limit": f"{limit:,}"}, code="too_many_rows",
    )


# --- xlsx -------------------------------------------------------------------------------------

_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW_ELEMENT, _TEXT_ELEMENT, _VALUE_ELEMENT = _SHEET_NS + "row", _SHEET_NS + "t", _SHEET_NS + "v"


def scan_sheet_xml(stream, *, stop_after_rows: int | None = None) -> tuple[int, list[str]]:
    """Stream a worksheet's XML once: count ``<row>`` elements and collect merged ranges.

    Stops counting (returns early) once the count passes ``stop_after_rows``. Cheap: no cell is
    parsed, so a sheet is measured before it is read.
    """
    rows, merges, carry = 0, [], b""
    while True:
        chunk = stream.read(_SCAN_CHUNK)
        data = carry + chunk
        if not chunk:
            cut = len(data)
        else:
            cut = data.rfind(b"<")
            cut = len(data) if cut <= 0 else cut
        part, carry = data[:cut], data[cut:]
        rows += len(_ROW_TAG.findall(part))
        merges += [m.decode() for m in _MERGE_TAG.findall(part)]
        if stop_after_rows is not None and rows > stop_after_rows:
            return rows, merges
        if not chunk:
            return rows, merges


def _merged_rows(ref: str) -> tuple[int, int]:
    cells = [int(m.group(2)) for m in _CELL_REF.finditer(ref)]
    return min(cells), max(cells)


_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?ref=\"([A-Z]*\d*)(?::[A-Z]+(\d+))?\"")


def claimed_rows(head: bytes) -> int:
    """The row count a sheet's ``<dimension ref="A1:L1000">`` claims (0 when absent)."""
    match = _DIMENSION.search(head)
    if not match:
        return 0
    last = match.group(2) or re.sub(rb"[A-Z]", b"", match.group(1))
    return int(last) if last else 0


def _open_workbook(handle):
    """openpyxl's workbook reader, stopping short of the worksheets.

    ``load_workbook(read_only=True)`` measures every sheet when it opens the file, and a sheet
    without a ``<dimension>`` (openpyxl's own write-only files, for one) is then parsed whole
    just to be measured. The parts needed here are the shared strings, the styles (which number
    formats are dates) and where the first worksheet lives.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(handle, read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    for _sheet, rel in reader.parser.find_sheets():
        if rel.Type.endswith("/worksheet"):
            return reader, rel.target
    raise FileRejected(_("The workbook has no worksheet."))


def _sheet_rows(archive, sheet_path, workbook, strings):
    """(row number, values) for every row of the sheet, streamed with openpyxl's sheet parser."""
    from openpyxl.worksheet._reader import WorkSheetParser

    class RowsOnly(WorkSheetParser):
        # Only the cells matter here; openpyxl's inline-string decoding goes through its
        # descriptor machinery, which costs more than the rest of a cell together.
        def parse(self):
            for _event, element in _iterparse(self.source):
                if element.tag == _ROW_ELEMENT:
                    yield self.parse_row(element)
                    element.clear()

        def parse_cell(self, element):
            # The common cell kinds, decoded as openpyxl does (data_only: a formula's cached
            # value); anything rarer goes to openpyxl itself.
            kind = element.get("t", "n")
            coordinate = element.get("r")
            if coordinate:
                self.col_counter = _column_index(coordinate)
            else:
                self.col_counter += 1
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in element.iter(_TEXT_ELEMENT)) or None
            elif kind in ("s", "n", "str", "b"):
                value = element.findtext(_VALUE_ELEMENT) or None
                if value is None:
                    pass
                elif kind == "s":
                    value = strings[int(value)]
                elif kind == "n":
                    style = int(element.get("s", 0))
                    if style in date_formats:
                        return super().parse_cell(element)
                    value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                elif kind == "b":
                    value = bool(int(value))
            else:
                return super().parse_cell(element)
            return {"row": self.row_counter, "column": self.col_counter, "value": value}

    date_formats = workbook._date_formats
    with archive.open(sheet_path) as source:
        parser = RowsOnly(source, strings, data_only=True, epoch=workbook.epoch,
                          date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        expected = 1
        for number, cells in parser.parse():
            while expected < number:  # rows the file leaves out are blank rows
                yield expected, ()
                expected += 1
            width = max((c["column"] for c in cells), default=0)
            values = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values
            expected = number + 1


def _column_index(coordinate: str) -> int:
    index = 0
    for char in coordinate:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index


def _open_xlsx(path: Path, columns, limit) -> Table:
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        archive = zipfile.ZipFile(path)
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRejected(_("This file is not a spreadsheet (it looks like a damaged zip file). Upload an Excel workbook (.xlsx) or a CSV file.")) from None
    archive.close()
    if "xl/workbook.xml" not in names:
        raise FileRejected(_("This file is not an Excel workbook (perhaps a Word document or another zip file). Upload an Excel workbook (.xlsx) or a CSV file."))
    # A file object, not the path: openpyxl judges a path by its extension, and uploads are
    # stored under a neutral name (people rename files anyway).
    handle = path.open("rb")
    try:
        reader, sheet_path = _open_workbook(handle)
    except FileRejected:
        handle.close()
        raise
    except (InvalidFileException, KeyError, IndexError, ValueError, TypeError, AttributeError, zipfile.BadZipFile, OSError) as exc:
        handle.close()
        raise FileRejected(_("The workbook is damaged and could not be opened (%(error)s).") % {"error": type(exc).__name__}) from None
    except Exception as exc:  # openpyxl raises many kinds of errors on malformed XML
        handle.close()
        raise FileRejected(_("The workbook is damaged and could not be opened (%(error)s).") % {"error": type(exc).__name__}) from None
    archive, workbook, strings = reader.archive, reader.wb, reader.shared_strings

    def close():
        archive.close()
        handle.close()

    try:
        if sheet_path not in archive.namelist():
            raise FileRejected(_("The workbook is damaged: its first sheet is missing."))
        # 1. The sheet's own claim: <dimension ref="A1:L1000001"/> sits before the data.
        with archive.open(sheet_path) as stream:
            claimed = claimed_rows(stream.read(1 << 16))
        if claimed - 1 > limit:
            raise _too_many(claimed - 1, limit)
        # 2. What is really there: one streaming pass over the XML, no cell parsed.
        with archive.open(sheet_path) as stream:
            counted, merges = scan_sheet_xml(stream, stop_after_rows=limit + 1)
        if counted - 1 > limit:
            raise _too_many(counted - 1 if counted <= limit + 1 else limit + 1, limit)
        if counted == 0:
            raise FileRejected(_("The file is empty: the first sheet has no rows."))

        def numbered_rows():
            return _sheet_rows(archive, sheet_path, workbook, strings)

        header_row, positions, headers, warnings = _find_header(numbered_rows(), columns)
        clashing = [ref for ref in merges if _merged_rows(ref)[1] >= header_row]
        if clashing:
            shown = ", ".join(clashing[:10]) + (" …" if len(clashing) > 10 else "")
            raise FileRejected(
                _("The sheet has merged cells (%(cells)s). Each row must stand alone: unmerge the cells and fill in every row (in Excel: select the cells, Merge & Center → Unmerge, then fill down).")
                % {"cells": shown}
            )
    except FileRejected:
        close()
        raise
    except Exception as exc:
        close()
        raise FileRejected(_("The workbook is damaged and could not be read (%(error)s).") % {"error": type(exc).__name__}) from None
    return Table(kind="xlsx", header_row=header_row, positions=positions, headers=headers,
                 total_rows=max(counted - header_row, 0), warnings=warnings, _rows=numbered_rows, _close=close)


# --- csv --------------------------------------------------------------------------------------

def _sniff_encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise FileRejected(_("This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file."))
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(_SCAN_CHUNK):
                    if b"\x00" in chunk:
                        raise FileRejected(_("This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file."))
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected(_("This file is neither a spreadsheet nor text in a known encoding (UTF-8 or GB18030). Save it from Excel as .xlsx, or as CSV (UTF-8)."))


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "，")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _open_csv(path: Path, head: bytes, columns, limit) -> Table:
    encoding = _sniff_encoding(path, head)

    def text_stream():
        return path.open("r", encoding=encoding, newline="")

    with text_stream() as fh:
        first_line = fh.readline()
    if not first_line.strip():
        with text_stream() as fh:
            if not fh.read(_SCAN_CHUNK).strip():
                raise FileRejected(_("The file is empty."))
    delimiter = _delimiter(first_line)

    def numbered_rows():
        with text_stream() as fh:
            try:
                yield from enumerate(csv.reader(fh, delimiter=delimiter), start=1)
            except csv.Error as exc:
                raise FileRejected(_("The CSV file could not be read: %(error)s.") % {"error": exc}) from None

    # A streaming count before anything is parsed into records; stops at the limit.
    counted = 0
    for counted, _values in numbered_rows():  # noqa: B007
        if counted - 1 > limit:
            raise _too_many(counted - 1, limit)
    if counted == 0:
        raise FileRejected(_("The file is empty."))
    header_row, positions, headers, warnings = _find_header(numbered_rows(), columns)
    return Table(kind="csv", header_row=header_row, positions=positions, headers=headers,
                 total_rows=max(counted - header_row, 0), warnings=warnings, _rows=numbered_rows)


# --- headers ----------------------------------------------------------------------------------

def _find_header(rows, columns: list[Column]):
    """The first row (among the first few non-blank ones) that names at least two known columns."""
    lookup = {}
    for column in columns:
        for name in column.names():
            lookup[name] = column
    first_nonblank = None
    seen = 0
    for number, values in rows:
        texts = ["" if v is None else cell_text(v) for v in values]
        if not any(texts):
            continue
        seen += 1
        if first_nonblank is None:
            first_nonblank = (number, texts)
        if sum(1 for t in texts if normalise_header(t) in lookup) >= 2:
            return (number, *_map_header(texts, columns, lookup))
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first_nonblank is None:
        raise FileRejected(_("The file is empty: there is no header row and no data."))
    # No row looks like a header: judge the first one, so the message names what is wrong.
    number, texts = first_nonblank
    return (number, *_map_header(texts, columns, lookup))


def _map_header(texts, columns, lookup):
    positions, headers, unknown, problems = {}, {}, [], []
    for index, text in enumerate(texts):
        if not text:
            continue
        column = lookup.get(normalise_header(text))
        if column is None:
            unknown.append((index, text))
            continue
        if column.key in positions:
            problems.append(_("Two columns both mean “%(name)s”: “%(a)s” and “%(b)s”. Remove one of them.") % {
                "name": column.title(), "a": headers[column.key], "b": text})
            continue
        positions[column.key], headers[column.key] = index, text
    warnings = []
    all_names = {name: column for column in columns for name in (column.zh, column.en, *column.aliases)}
    for _index, text in unknown:
        guess = closest(text, all_names)
        if guess is not None and all_names[guess].key not in positions:
            problems.append(_("The column “%(text)s” is not known. Did you mean “%(guess)s”? Rename the header and import again.") % {
                "text": text, "guess": all_names[guess].title()})
        else:
            warnings.append(_("The column “%(text)s” is not part of the ledger and is ignored.") % {"text": text})
    missing = [c for c in columns if c.required and c.key not in positions and not any(k in positions for k in c.instead)]
    if missing and not problems:
        problems.append(_("Required columns are missing: %(names)s. The first row of the sheet must hold the column headers (download the template to see them).") % {
            "names": "、".join(c.title() for c in missing)})
    elif missing:
        problems.append(_("Required columns are missing: %(names)s.") % {"names": "、".join(c.title() for c in missing)})
    if problems:
        raise FileRejected(_("The header row does not match the ledger."), problems, code="bad_header")
    return positions, headers, warnings


def read_upload(uploaded, destination: Path) -> Path:
    """Copy an uploaded file to ``destination`` in chunks (the engine needs a real file)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return destination
