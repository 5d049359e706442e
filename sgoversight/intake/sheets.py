"""Reading a contract file (CONTRACT.md §1) row by row, within limits, whatever its contents.

Rules implemented here:
- Rows are streamed: neither reader holds the file's rows, its unpacked parts or its shared
  strings beyond what the limits allow. Every limit is checked while reading, and a file over one
  is refused there and then with a message naming the limit (`ImportLimits`), the row (and cell)
  where it was crossed; the file is named by the caller's `FILE:ROW:COLUMN` report.
- The limits: the file's size; for XLSX the size of its unpacked parts and their compression
  ratio (checked from the zip directory before anything is unpacked, and held while unpacking),
  and the number of shared strings; rows read (blank ones included); columns; cells; the length
  of a text in a workbook (Excel's own maximum, 32,767 characters); the problems listed (the
  importer stops reading past them); and a time and memory budget per import (`Budget`), which
  also lets an import be cancelled.
- CSV: the encoding is read from the file's start (`csv_encoding`): UTF-16 (little- or
  big-endian) after its byte order mark, as "Unicode text" exports write it; UTF-8, with or
  without its byte order mark; otherwise Windows-1252, as Excel's "CSV" exports write a £ or an
  accented name. A file that starts mostly in NUL bytes without a UTF-16 mark (UTF-16 without a
  mark, UTF-32, a binary file) or holds a byte Windows-1252 leaves undefined is refused with one
  message naming the line. The limits hold whatever the encoding. A cell is never refused for
  its length by the reader: a cell in a contract column is refused by that column's rule, naming
  its row and column, and a cell in an ignored column is not read at all.
- XLSX: the first *visible* worksheet is read (a hidden first sheet is skipped); the declared
  dimensions of a sheet are ignored, only the cells present count. A cell keeps its type
  (numbers, TRUE/FALSE, dates by their number format). A spreadsheet error value (`#N/A`) reads
  as its text, and a formula without a saved value as `FormulaWithoutValue`, so the column's rule
  refuses either, naming the cell. A DTD in any part is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import posixpath
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import PurePosixPath
from typing import Any
from xml.parsers import expat

from sgoversight.intake.schemas import FormulaWithoutValue

#: Column named by a problem about the whole file or a whole row.
WHOLE = "-"
MIB = 2**20
_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_COLUMNS = 16_384  # column XFD
_EXCEL_MAX_CELL_CHARS = 32_767
_READ_CHUNK = 256 * 1024  # bytes of an XLSX part parsed at a time
_CHECK_EVERY = 4_096  # CSV rows between budget checks
_SNIFFED_BYTES = 4 * MIB  # the start of a CSV file its separator is judged from
# An XLSX part whose element is still open this many bytes after the last one ended is refused
# (a legitimate element is a few hundred bytes; text is delivered in pieces and counted).
_STALL_BYTES = 4 * MIB
_SMALL_PART_BYTES = 16 * MIB  # workbook.xml, its relationships and styles.xml
_MOST_PARTS = 10_000  # files in the workbook's zip
_RATIO_CHECKED_FROM = MIB  # parts smaller than this are not held to the compression ratio
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary .xls format
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


@dataclass(frozen=True)
class ImportLimits:
    """What one import may read. The defaults take a legitimate 50 MB file of 440,000 rows and
    refuse a hostile one in seconds, within a few hundred MiB."""

    #: The file as uploaded.
    file_bytes: int = 50 * MIB
    #: XLSX: every part read, unpacked, together.
    unpacked_bytes: int = 1024 * MIB
    #: XLSX: a part's unpacked size at most this many times its packed size (zip bombs).
    compression_ratio: int = 200
    #: Rows read, the header and blank rows included (Excel's own maximum).
    rows: int = _EXCEL_MAX_ROWS
    #: Columns of a row (Excel's own maximum, column XFD).
    columns: int = _EXCEL_MAX_COLUMNS
    #: Cells read in the whole file (CSV: every cell; XLSX: every cell holding a value).
    cells: int = 25_000_000
    #: XLSX: distinct texts in the workbook's shared string table.
    shared_strings: int = 2_000_000
    #: XLSX: characters of one text (Excel's own maximum for a cell).
    cell_chars: int = _EXCEL_MAX_CELL_CHARS
    #: Problems listed: reading stops at the row where there are more.
    problems: int = 10_000
    #: Seconds one import may spend reading and checking the file.
    seconds: float = 300.0
    #: MiB the process may grow by during one import (Linux; not checked elsewhere): with
    #: the process itself, under 600 MiB (the large borough's concerns grow it by about 100).
    memory_mib: int = 512


DEFAULT_LIMITS = ImportLimits()


class FileProblem(Exception):
    """The file cannot be read on: the row (and column) where the trouble is, and why."""

    def __init__(self, row: int, message: str, column: str = WHOLE) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.message = message


class Cancelled(Exception):
    """The person who started the import cancelled it."""


def _size(limit: int) -> str:
    return f"{limit // MIB:,} MB" if limit >= MIB and limit % MIB == 0 else f"{limit:,} bytes"


# --- the time and memory budget -------------------------------------------------------------------


def _resident_bytes() -> int | None:
    """This process's resident memory now (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Budget:
    """Rule: one import spends at most `limits.seconds` reading and checking, and grows the
    process by at most `limits.memory_mib`; `cancel` (when set) stops it at the next check."""

    def __init__(self, limits: ImportLimits, cancel: threading.Event | None = None) -> None:
        self.limits = limits
        self.cancel = cancel
        self.deadline = time.monotonic() + limits.seconds
        self.memory_at_start = _resident_bytes()

    def check(self, row: int) -> None:
        """Raise FileProblem (at `row`) when over budget, Cancelled when cancelled."""
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled
        if time.monotonic() > self.deadline:
            raise FileProblem(
                row,
                f"reading and checking the file took longer than {self.limits.seconds:,.0f} "
                "seconds, the most one import may take: split it into parts",
            )
        if self.memory_at_start is not None:
            now = _resident_bytes()
            if now is not None and now - self.memory_at_start > self.limits.memory_mib * MIB:
                raise FileProblem(
                    row,
                    f"reading the file needed more than {self.limits.memory_mib:,} MiB of "
                    "memory, the most one import may use: split it into parts",
                )


# --- the sheet ------------------------------------------------------------------------------------


@dataclass
class Position:
    """How far through the file (or an XLSX file's worksheet) reading has got, in bytes."""

    done: int = 0
    total: int = 0

    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0


#: Rows as the readers hand them on, a chunk at a time: (spreadsheet row number, cells).
Rows = list[tuple[int, list[Any]]]


@dataclass
class Sheet:
    """The header cells, the (spreadsheet row number, cells) of each non-blank data row as they
    are read (a chunk at a time), whether every cell is text (a CSV file) rather than a typed
    XLSX cell, and how far reading has got."""

    header: list[Any]
    chunks: Iterator[Rows]
    text_only: bool
    position: Position

    def read_fraction(self) -> float:
        """The share of the file read so far, 0 to 1."""
        return self.position.fraction()


def is_blank(cells: Any) -> bool:
    """Rule: a row whose every cell is empty or spaces is no row (spreadsheets leave such rows)."""
    for cell in cells:  # a loop, not all(): it stops at the first cell of almost every row
        if cell is not None and (type(cell) is not str or (cell and not cell.isspace())):
            return False
    return True


def read_sheet(
    data: bytes,
    name: str,
    limits: ImportLimits,
    budget: Budget,
    delimiter_of: Callable[[str], str],
) -> Sheet:
    """The file's sheet: its header, then its non-blank rows as they are read (each reader
    yields chunks of the non-blank rows only, with their spreadsheet row numbers). A row's cells
    beyond the header's width are the import's to judge (XLSX rows are cut to one more).

    `delimiter_of(text)` picks a CSV file's separator from its text.
    """
    suffix = PurePosixPath(name).suffix.lower()
    if data.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise FileProblem(1, "an old-style .xls workbook: save it as .xlsx or as CSV UTF-8")
    text_only = not (data.startswith(_ZIP_MAGIC) or suffix in _XLSX_SUFFIXES)
    position = Position()
    records = (
        _csv_records(data, limits, budget, delimiter_of, position)
        if text_only
        else _xlsx_records(data, limits, budget, position)
    )
    first = next(records, None)
    if not first:
        raise FileProblem(1, "the file is empty: a header row naming the columns is required")
    number, header = first[0]
    if number != 1:
        raise FileProblem(1, "row 1 is blank: the header row naming the columns must come first")
    return Sheet(list(header), _after(first[1:], records), text_only, position)


def _after(rest: Rows, chunks: Iterator[Rows]) -> Iterator[Rows]:
    """The rows of the first chunk after the header, then the other chunks."""
    if rest:
        yield rest
    yield from chunks


# --- CSV ------------------------------------------------------------------------------------------


_UTF16_MARKS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_UTF32_MARKS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
_SAVE_AS = "save it as 'CSV UTF-8'"
# A file whose first _NUL_CHECKED_BYTES are more than one in _NUL_SHARE NUL bytes is not text
# in an 8-bit encoding (a rare NUL in a cell is left to its column's rule).
_NUL_CHECKED_BYTES = 4_096
_NUL_SHARE = 10


def csv_encoding(data: bytes) -> tuple[str, int]:
    """Rule (see the module's): the encoding a CSV file's bytes are read with, and the length of
    its byte order mark. Raises FileProblem for a file no rule reads."""
    if data.startswith(_UTF32_MARKS):
        raise FileProblem(1, f"the file is UTF-32 text, which the import does not read: {_SAVE_AS}")
    for mark, encoding in _UTF16_MARKS:
        if data.startswith(mark):
            if len(data) % 2:
                raise FileProblem(
                    data.count(b"\n") + 1,
                    "the file is marked as UTF-16 text but ends in half a character (it was cut "
                    f"short?): {_SAVE_AS}",
                )
            return encoding, len(mark)
    start = data[:_NUL_CHECKED_BYTES]
    if start.count(b"\x00") * _NUL_SHARE > len(start):
        raise FileProblem(
            1,
            "the file is mostly NUL bytes: it is not CSV text, or it is UTF-16 text without a "
            f"byte order mark: {_SAVE_AS}",
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(
            line,
            f"neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} on line {line:,} "
            f"cannot be read in either): {_SAVE_AS}",
        ) from None
    return "cp1252", 0


def _csv_records(
    data: bytes,
    limits: ImportLimits,
    budget: Budget,
    delimiter_of: Callable[[str], str],
    position: Position,
) -> Iterator[Rows]:
    """Rule: a CSV file is read in its encoding (`csv_encoding`); each record is one
    spreadsheet row.

    Records are read _CHECK_EVERY at a time and the limits checked on each chunk (a refusal
    names the exact row that crossed one)."""
    encoding, mark = csv_encoding(data)
    # The separator is judged from the file's start only (the header line).
    text = data[mark : mark + _SNIFFED_BYTES].decode(encoding, errors="ignore")
    if not text or (text.isspace() and len(data) - mark <= _SNIFFED_BYTES):
        return
    delimiter = delimiter_of(text)
    del text
    # A cell may be as long as the file: each column's rule judges its own cells' length.
    if csv.field_size_limit() < len(data) + 1:
        csv.field_size_limit(len(data) + 1)
    # Decoded again piece by piece as it is read: lines end as in StringIO(newline="").
    raw = io.BytesIO(data)
    raw.seek(mark)
    position.total = len(data)
    lines = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(_lines_within(lines, delimiter, limits), delimiter=delimiter)
    cells = 0
    number = 0
    try:
        while chunk := list(islice(reader, _CHECK_EVERY)):
            widths = list(map(len, chunk))
            if (
                number + len(chunk) > limits.rows
                or max(widths) > limits.columns
                or cells + sum(widths) > limits.cells
            ):
                _over_a_limit_in(chunk, number, cells, limits)
            start, number, cells = number + 1, number + len(chunk), cells + sum(widths)
            position.done = raw.tell()
            budget.check(number)
            rows = [
                (row, record)
                for row, record in zip(range(start, number + 1), chunk, strict=True)
                if record
                and (((first := record[0]) and not first.isspace()) or not is_blank(record))
            ]
            if rows:
                yield rows
    except csv.Error as exc:
        raise FileProblem(reader.line_num or 1, f"not a readable CSV file ({exc})") from None
    except UnicodeDecodeError:
        raise FileProblem(
            reader.line_num + 1,
            f"line {reader.line_num + 1:,} is not readable {encoding.upper()} text: {_SAVE_AS}",
        ) from None


def _over_a_limit_in(chunk: list[list[str]], number: int, cells: int, limits: ImportLimits) -> None:
    """Raise the limit problem for the first record of `chunk` that crosses a limit, given the
    rows and cells read before it."""
    for record in chunk:
        number += 1
        cells += len(record)
        if number > limits.rows or len(record) > limits.columns or cells > limits.cells:
            _over_a_limit(number, len(record), cells, limits)


def _lines_within(lines: Iterator[str], delimiter: str, limits: ImportLimits) -> Iterator[str]:
    """The file's lines, refusing a line with more separators than `limits.columns` allows
    before the CSV reader splits it (one such line could otherwise become millions of cells)."""
    longest = limits.columns
    for number, line in enumerate(lines, start=1):
        if len(line) > longest and line.count(delimiter) >= limits.columns:
            raise FileProblem(
                number,
                f"line {number:,} has more than {limits.columns:,} cells, the most columns one "
                "import reads",
            )
        yield line


def _over_a_limit(row: int, width: int, cells: int, limits: ImportLimits) -> None:
    """Raise the FileProblem for whichever of the rows, columns and cells limits is crossed."""
    if row > limits.rows:
        raise FileProblem(
            row,
            f"the file has more than {limits.rows:,} rows, the most one import reads "
            "(blank rows count): split it into parts",
        )
    if width > limits.columns:
        raise FileProblem(
            row,
            f"row {row:,} has {width:,} cells, more than the {limits.columns:,} columns one "
            "import reads",
        )
    raise FileProblem(
        row,
        f"the file has more than {limits.cells:,} cells, the most one import reads: split it "
        "into parts",
    )


# --- XLSX: the package ----------------------------------------------------------------------------

_REL_OFFICE_DOCUMENT = "/officeDocument"
_REL_SHARED_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"
_REL_WORKSHEET = "/worksheet"


@dataclass(frozen=True)
class _Parts:
    """Where the workbook's parts are, and how it counts dates."""

    sheet: str
    shared_strings: str | None
    styles: str | None
    date1904: bool


def _xlsx_records(
    data: bytes, limits: ImportLimits, budget: Budget, position: Position
) -> Iterator[Rows]:
    """Rule: an XLSX file is read from its first visible worksheet (see the module's rules)."""
    _check_part_count(data)
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many kinds of error for a damaged file
        raise FileProblem(1, f"not a readable XLSX workbook ({_reason(exc)})") from None
    with package:
        try:
            parts = _find_parts(package, limits)
            _check_sizes(package, parts, limits)
            strings = (
                _shared_strings(package, parts.shared_strings, limits, budget)
                if parts.shared_strings
                else []
            )
            dates, durations = _date_styles(package, parts.styles, limits)
            reader = _SheetReader(strings, dates, durations, parts.date1904, limits, budget)
            position.total = package.getinfo(parts.sheet).file_size
            yield from reader.rows(_open_part(package, parts.sheet), position)
        except (FileProblem, Cancelled):
            raise
        except Exception as exc:  # a damaged zip or part fails in many ways (zlib, encryption, ...)
            raise FileProblem(1, f"not a readable XLSX workbook ({_reason(exc)})") from None


def _check_part_count(data: bytes) -> None:
    """Rule: a workbook has at most _MOST_PARTS parts, read from the zip's end record before the
    zip directory is (a directory of millions of entries would take memory to list)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return  # not a zip: zipfile says so
    entries = int.from_bytes(data[end + 10 : end + 12], "little")
    locator = end - 20
    if entries == 0xFFFF and locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        record = int.from_bytes(data[locator + 8 : locator + 16], "little")
        if data[record : record + 4] == b"PK\x06\x06":
            entries = int.from_bytes(data[record + 32 : record + 40], "little")
    if entries > _MOST_PARTS:
        raise FileProblem(
            1,
            f"the workbook has {entries:,} parts, more than the {_MOST_PARTS:,} one import "
            "reads (a spreadsheet has a few dozen)",
        )


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _local(tag: str) -> str:
    """An element's name without its namespace or prefix."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _open_part(package: zipfile.ZipFile, path: str) -> Any:
    try:
        return package.open(path)
    except KeyError:
        raise FileProblem(1, f"not a readable XLSX workbook (the part {path} is missing)") from None


def _small_part(package: zipfile.ZipFile, path: str) -> list[tuple[str, dict[str, str]]]:
    """The (element name, attributes) of every element of a small part, in document order."""
    info = package.getinfo(path)
    if info.file_size > _SMALL_PART_BYTES:
        raise FileProblem(
            1, f"the workbook's part {path} unpacks to more than {_size(_SMALL_PART_BYTES)}"
        )
    elements: list[tuple[str, dict[str, str]]] = []
    parser = _parser()
    parser.StartElementHandler = lambda name, attributes: elements.append(
        (_local(name), attributes)
    )
    try:
        parser.Parse(package.read(path), True)
    except expat.ExpatError as exc:
        raise FileProblem(1, f"not a readable XLSX workbook ({path}: {exc})") from None
    return elements


def _parser() -> Any:
    """An XML parser that refuses a DTD (so no entity can expand) and reads names as written."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024

    def no_dtd(*_: Any) -> None:
        raise FileProblem(1, "not a readable XLSX workbook (it declares a DTD)")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    return parser


def _relationships(package: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target path inside the package) of a part's .rels file."""
    folder = PurePosixPath(path).parent
    rels = str(folder / "_rels" / (PurePosixPath(path).name + ".rels")).lstrip("/")
    if rels.startswith("./"):
        rels = rels[2:]
    if rels not in package.namelist():
        return {}
    found = {}
    for name, attributes in _small_part(package, rels):
        if name == "Relationship" and "Id" in attributes and "Target" in attributes:
            target = attributes["Target"]
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(str(folder / target))
            found[attributes["Id"]] = (attributes.get("Type", ""), resolved.lstrip("./"))
    return found


def _find_parts(package: zipfile.ZipFile, limits: ImportLimits) -> _Parts:
    """Rule: the sheet read is the workbook's first sheet whose state is not hidden."""
    workbook = next(
        (target for kind, target in _relationships(package, "").values()
         if kind.endswith(_REL_OFFICE_DOCUMENT)),
        "xl/workbook.xml",
    )  # fmt: skip
    if workbook not in package.namelist():
        raise FileProblem(1, "not a readable XLSX workbook (it has no workbook part)")
    relationships = _relationships(package, workbook)
    date1904 = False
    visible: str | None = None
    any_sheet = False
    for name, attributes in _small_part(package, workbook):
        if name == "workbookPr":
            date1904 = attributes.get("date1904", "0").lower() in {"1", "true"}
        elif name == "sheet":
            any_sheet = True
            if visible is None and attributes.get("state", "visible") == "visible":
                rid = next((v for k, v in attributes.items() if _local(k) == "id"), None)
                visible = relationships.get(rid or "", ("", ""))[1] or None
    if not any_sheet:
        raise FileProblem(1, "the workbook has no worksheet")
    if visible is None:
        raise FileProblem(1, "the workbook has no visible worksheet: unhide the sheet to import")

    def first_of(kind: str) -> str | None:
        return next((t for k, t in relationships.values() if k.endswith(kind)), None)

    return _Parts(visible, first_of(_REL_SHARED_STRINGS), first_of(_REL_STYLES), date1904)


def _check_sizes(package: zipfile.ZipFile, parts: _Parts, limits: ImportLimits) -> None:
    """Rule: before anything large is unpacked, the parts to be read unpack to at most
    `limits.unpacked_bytes` together, and none larger than 1 MiB unpacks to more than
    `limits.compression_ratio` times its packed size. (Unpacking stops at the declared size, and a
    part whose content differs from its declared size and checksum is refused.)"""
    total = 0
    for path in (parts.sheet, parts.shared_strings, parts.styles):
        if path is None:
            continue
        try:
            info = package.getinfo(path)
        except KeyError:
            raise FileProblem(
                1, f"not a readable XLSX workbook (the part {path} is missing)"
            ) from None
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_CHECKED_FROM and ratio > limits.compression_ratio:
            raise FileProblem(
                1,
                f"the workbook's part {path} unpacks to {ratio:,.0f} times its packed size, "
                f"more than the {limits.compression_ratio:,} times one import accepts "
                "(a file built to exhaust the server)",
            )
    if total > limits.unpacked_bytes:
        raise FileProblem(
            1,
            f"the workbook unpacks to {total / MIB:,.1f} MB, more than the "
            f"{_size(limits.unpacked_bytes)} "
            "one import reads: split it into parts or save it as CSV",
        )


def _date_styles(
    package: zipfile.ZipFile, path: str | None, limits: ImportLimits
) -> tuple[frozenset[int], frozenset[int]]:
    """The cell style numbers whose number format shows a date (and of those, a duration)."""
    if path is None or path not in package.namelist():
        return frozenset(), frozenset()
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    dates: set[int] = set()
    durations: set[int] = set()
    in_cell_xfs = False
    index = 0
    for name, attributes in _small_part(package, path):
        if name == "numFmt":
            try:
                formats[int(attributes.get("numFmtId", ""))] = attributes.get("formatCode", "")
            except ValueError:
                continue
        elif name == "cellXfs":
            in_cell_xfs = True
        elif name == "cellStyles" or name == "dxfs":
            in_cell_xfs = False
        elif name == "xf" and in_cell_xfs:
            try:
                code = formats.get(int(attributes.get("numFmtId", "0")), "")
            except ValueError:
                code = ""
            if code and is_date_format(code):
                dates.add(index)
                if is_timedelta_format(code):
                    durations.add(index)
            index += 1
    return frozenset(dates), frozenset(durations)


def _feed(
    parser: Any,
    stream: Any,
    budget: Budget,
    seen: Callable[[], int],
    where: Callable[[], int],
    part: str,
    position: Position | None = None,
) -> Iterator[None]:
    """Parse `stream` a chunk at a time, yielding after each chunk; check the budget, and refuse
    a part whose open element grows past _STALL_BYTES with nothing read from it."""
    stalled, events = 0, seen()
    while chunk := stream.read(_READ_CHUNK):
        try:
            parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise FileProblem(where(), f"not a readable XLSX workbook ({part}: {exc})") from None
        if position is not None:
            position.done += len(chunk)
        now = seen()
        stalled = stalled + len(chunk) if now == events else 0
        events = now
        if stalled > _STALL_BYTES:
            raise FileProblem(
                where(),
                f"the workbook's part {part} has an element longer than "
                f"{_size(_STALL_BYTES)}, which no spreadsheet writes",
            )
        budget.check(where())
        yield
    try:
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise FileProblem(where(), f"not a readable XLSX workbook ({part}: {exc})") from None
    yield


def _too_long(limits: ImportLimits) -> str:
    return f"longer than {limits.cell_chars:,} characters, the most a spreadsheet cell holds"


# --- XLSX: shared strings -------------------------------------------------------------------------


def _shared_strings(
    package: zipfile.ZipFile, path: str, limits: ImportLimits, budget: Budget
) -> list[str]:
    """Rule: at most `limits.shared_strings` texts, each at most `limits.cell_chars` long
    (phonetic guides, `rPh`, are not part of a text)."""
    strings: list[str] = []
    pieces: list[str] = []
    state = {"depth_t": 0, "in_phonetic": 0, "length": 0, "events": 0}
    max_strings, max_chars = limits.shared_strings, limits.cell_chars

    def start(name: str, attributes: dict[str, str]) -> None:
        state["events"] += 1
        local = _local(name)
        if local == "t":
            state["depth_t"] += 1
        elif local == "rPh":
            state["in_phonetic"] += 1
        elif local == "si":
            pieces.clear()
            state["length"] = 0
        elif local == "sst":
            declared = attributes.get("uniqueCount", "")
            if declared.isdigit() and int(declared) > max_strings:
                raise _too_many_strings(limits)

    def end(name: str) -> None:
        state["events"] += 1
        local = _local(name)
        if local == "t":
            state["depth_t"] -= 1
        elif local == "rPh":
            state["in_phonetic"] -= 1
        elif local == "si":
            if len(strings) >= max_strings:
                raise _too_many_strings(limits)
            strings.append("".join(pieces))

    def text(data: str) -> None:
        state["events"] += 1
        if state["depth_t"] and not state["in_phonetic"]:
            state["length"] += len(data)
            if state["length"] > max_chars:
                raise FileProblem(
                    1,
                    f"text number {len(strings) + 1:,} of the workbook's shared strings is "
                    + _too_long(limits),
                )
            pieces.append(data)

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with _open_part(package, path) as stream:
        for _ in _feed(parser, stream, budget, lambda: state["events"], lambda: 1, path):
            pass
    return strings


def _too_many_strings(limits: ImportLimits) -> FileProblem:
    return FileProblem(
        1,
        f"the workbook has more than {limits.shared_strings:,} different texts (shared "
        "strings), the most one import reads: split it into parts or save it as CSV",
    )


# --- XLSX: the worksheet --------------------------------------------------------------------------


def column_number(letters: str) -> int:
    """A column's number from its letters: A is 1, Z 26, AA 27, XFD 16,384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """A column's letters from its number (1 is A)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _SheetReader:
    """Streams a worksheet's rows: (row number, cells from column A to the last with a value)."""

    def __init__(
        self,
        strings: list[str],
        dates: frozenset[int],
        durations: frozenset[int],
        date1904: bool,
        limits: ImportLimits,
        budget: Budget,
    ) -> None:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.limits = limits
        self.budget = budget
        #: Columns kept of a row (see `dense`): the header's width and one more, once it is read.
        self.keep = limits.columns + 1
        self.header_read = False
        self.done: list[tuple[int, list[Any]]] = []
        self.events = 0
        self.cells = 0
        self.row = 0
        self.row_cells: dict[int, Any] = {}
        self.column = 0
        # The cell being read.
        self.kind = "n"
        self.style = 0
        self.reference = ""
        self.formula: list[str] | None = None
        self.value: list[str] | None = None
        self.inline: list[str] | None = None
        self.collecting: list[str] | None = None
        self.length = 0
        self.in_inline = False
        self.in_phonetic = 0

    def rows(self, stream: Any, position: Position) -> Iterator[Rows]:
        """The sheet's non-blank rows, a chunk (those read from one piece of the part) at a
        time."""
        parser = _parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        with stream:
            feed = _feed(parser, stream, self.budget, self.seen, self.where, "worksheet", position)
            for _ in feed:
                if self.done:
                    done, self.done = self.done, []
                    yield done

    def seen(self) -> int:
        return self.events

    def where(self) -> int:
        return max(self.row, 1)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.events += 1
        local = _local(name)
        if local == "c":
            self.reference = attributes.get("r", "")
            self.kind = attributes.get("t", "n")
            style = attributes.get("s", "0")
            self.style = int(style) if style.isdigit() else 0
            self.value = self.formula = self.inline = self.collecting = None
            self.length = 0
        elif local == "v":
            self.value = self.collecting = []
        elif local == "f":
            self.formula = self.collecting = []
        elif local == "is":
            self.inline = []
            self.in_inline = True
        elif local == "t" and self.in_inline and not self.in_phonetic:
            self.collecting = self.inline
        elif local == "rPh":
            self.in_phonetic += 1
        elif local == "row":
            number = attributes.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            if self.row > self.limits.rows:
                _over_a_limit(self.row, 0, 0, self.limits)
            self.row_cells = {}
            self.column = 0

    def text(self, data: str) -> None:
        self.events += 1
        if self.collecting is not None:
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                where = self.reference or f"{column_letters(self.column + 1)}{self.row}"
                raise FileProblem(self.row, f"cell {where} holds a text {_too_long(self.limits)}")
            self.collecting.append(data)

    def end(self, name: str) -> None:
        self.events += 1
        local = _local(name)
        if local in ("v", "f", "t"):
            self.collecting = None
        elif local == "is":
            self.in_inline = False
        elif local == "rPh":
            self.in_phonetic -= 1
        elif local == "c":
            self.end_cell()
        elif local == "row" and self.row_cells and not is_blank(self.row_cells.values()):
            cells = self.dense(self.row_cells)
            if not self.header_read:
                # The first row is the header: later rows are kept to its width and one more.
                self.header_read = True
                self.keep = len(cells) + 1
            self.done.append((self.row, cells))

    def dense(self, found: dict[int, Any]) -> list[Any]:
        """A row's cells as a list from column A, cut at `keep` columns: the header's width and
        one more, holding the first non-blank cell beyond the header (all the import needs)."""
        width, keep = max(found), self.keep
        if width <= keep:
            cells = [None] * width
            for column, value in found.items():
                cells[column - 1] = value
            return cells
        cells = [None] * keep
        for column, value in sorted(found.items()):
            if column < keep:
                cells[column - 1] = value
            elif cells[keep - 1] is None and not is_blank((value,)):
                cells[keep - 1] = value
        return cells

    def end_cell(self) -> None:
        """Place the cell just read in its row, converted to its type."""
        match = _CELL_REFERENCE.fullmatch(self.reference) if self.reference else None
        column = column_number(match.group(1)) if match else self.column + 1
        self.column = column
        value = self.converted()
        if value is None:
            return
        reference = f"{column_letters(column)}{self.row}"
        if column > self.limits.columns:
            raise FileProblem(
                self.row,
                f"cell {reference} is beyond the {self.limits.columns:,} columns one import reads",
            )
        self.cells += 1
        if self.cells > self.limits.cells:
            _over_a_limit(self.row, 0, self.cells, self.limits)
        self.row_cells[column] = value

    def converted(self) -> Any:
        """The cell's value as its type says (None when it holds none)."""
        kind = self.kind
        if kind == "inlineStr":
            return "".join(self.inline) if self.inline is not None else None
        raw = "".join(self.value) if self.value is not None else ""
        if not raw:
            # An empty result saved as text (t="str") is a formula that gave "": a blank cell.
            if self.formula is not None and kind != "str":
                where = self.reference or f"{column_letters(self.column)}{self.row}"
                return FormulaWithoutValue(where, "".join(self.formula))
            return None
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                where = self.reference or f"{column_letters(self.column)}{self.row}"
                raise FileProblem(
                    self.row,
                    f"cell {where} refers to shared text number {raw[:20]}, which the workbook "
                    "does not have",
                ) from None
        if kind in ("str", "e"):
            return raw  # a formula's text result, or an error value such as #N/A
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            try:
                return dt.datetime.fromisoformat(raw.strip())
            except ValueError:
                return raw
        return self.number(raw)

    def number(self, raw: str) -> Any:
        try:
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
        if self.style in self.dates:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number, self.epoch, timedelta=self.style in self.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number
