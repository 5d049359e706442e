"""The rows of one sheet of a large XLSX or ODS workbook, read as a stream.

Why: python-calamine, which reads every spreadsheet format, first builds the whole sheet in
memory (for ODS, every sheet): the national CQC ratings file of 320,000 rows and 21 columns
takes it 660 MiB as XLSX and 1,000 MiB as ODS. Read as a stream, the same file takes a few tens
of MiB: the sheet's XML is decompressed piece by piece and each row is made into Python values
as it goes, so only one piece and the workbook's shared strings are held at a time.

Rules implemented here (the values are those python-calamine gives for the same cells, which a
test checks on generated files):
- XLSX: the sheet is found by name through xl/workbook.xml and its relationships. A cell is its
  shared string, inline string or formula text, a boolean, or a number (a float); a number
  whose cell style has a date format is a date (a datetime, to the millisecond, when it has a
  time of day), counted from 30 December 1899 (or 1 January 1904 in a workbook that says so).
  An empty cell is "".
- ODS: the sheet is the `table:table` of that name in content.xml. A cell's value is its
  office value (date, number, boolean) or else its text (paragraphs joined by line breaks,
  `text:s` spaces and tabs kept); repeated cells and rows are repeated, except empty ones at
  the end of a row or the sheet.
- Rows come in sheet order from row 1, an empty or missing row as an empty list; each row is a
  list of cells from column A, without trailing empty cells.
- Anything else (another format, a workbook laid out otherwise) raises NotStreamable, and the
  caller reads the file with python-calamine instead; a sheet not in the workbook raises
  SheetMissing with the names it has.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

_CHUNK = 4 * 1024 * 1024
_MAX_EMPTY_ROWS = 100_000
_CACHE_LIMIT = 100_000
_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})

Cell = Any


class NotStreamable(Exception):
    """The file is not an XLSX or ODS workbook this module reads; use python-calamine."""


class SheetMissing(Exception):
    """The workbook has no sheet of the name asked for; `names` are the sheets it has."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def sheet_rows(source: IO[bytes] | str, sheet: str) -> Iterator[list[Cell]]:
    """The rows of `sheet` (name matched exactly, then ignoring case) of the workbook `source`
    (a path or a binary file object)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotStreamable(str(exc)) from None
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return _xlsx_rows(archive, sheet)
    if "content.xml" in names:
        return _ods_rows(archive, sheet)
    raise NotStreamable("neither an XLSX nor an ODS workbook")


def _pick(names: list[str], sheet: str) -> str:
    if sheet in names:
        return sheet
    for name in names:
        if name.casefold() == sheet.casefold():
            return name
    raise SheetMissing(names)


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return html.unescape(text) if "&" in text else text


def _chunks(stream: IO[bytes], end: bytes) -> Iterator[bytes]:
    """The stream in pieces that each end just after an `end` tag (the last piece: the rest)."""
    rest = b""
    while True:
        piece = stream.read(_CHUNK)
        if not piece:
            if rest:
                yield rest
            return
        rest += piece
        cut = rest.rfind(end)
        if cut >= 0:
            cut += len(end)
            yield rest[:cut]
            rest = rest[cut:]


class LazyRow:
    """A row whose cells are made into Python values only when asked for: a large sheet is
    mostly rows of which a reader needs three or four cells. Reads like a list (index, len,
    iteration); an index past the row's last cell is an empty cell ("")."""

    __slots__ = ("_convert", "_positions", "_raw")

    def __init__(
        self,
        raw: list[Any],
        positions: dict[int, int] | None,
        convert: Callable[[Any], Cell],
    ) -> None:
        self._raw = raw
        self._positions = positions  # column → position in raw; None: the same
        self._convert = convert

    def __len__(self) -> int:
        if self._positions is None:
            return len(self._raw)
        return max(self._positions, default=-1) + 1

    def __getitem__(self, index: int) -> Cell:
        if self._positions is not None:
            found = self._positions.get(index)
            return "" if found is None else self._convert(self._raw[found])
        if index >= len(self._raw):
            return ""
        return self._convert(self._raw[index])

    def __iter__(self) -> Iterator[Cell]:
        return (self[index] for index in range(len(self)))


# --- XLSX -----------------------------------------------------------------------------------------

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_NAME = re.compile(rb'\bname="([^"]*)"')
_RID = re.compile(rb'\b(?:\w+:)?id="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ID = re.compile(rb'\bId="([^"]*)"')
_TARGET = re.compile(rb'\bTarget="([^"]*)"')
_DATE1904 = re.compile(rb'\bdate1904="(?:1|true)"')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
# The usual cell: its reference first (Excel, LibreOffice and xlsxwriter write it so), its
# other attributes, a formula, then a value or a plain inline string. Only character classes,
# so a row is matched at the speed of a scan.
_CELL = re.compile(
    rb'<c r="([A-Z]+)[0-9]+"([^>]*)>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?'
    rb"(?:<v>([^<]*)</v>|<is><t[^>]*>([^<]*)</t></is>)?"
)
# Any cell: reference, then style and type in that order, then anything up to its end.
_ANY_FORM_CELL = re.compile(
    rb'<c r="([A-Z]+)\d+"(?: s="(\d+)")?(?: t="(\w+)")?\s*(?:/>|>'
    rb"(?:<f\b[^>]*?(?:/>|>.*?</f>))?(?:<v>([^<]*)</v>|<is>(.*?)</is>)?\s*</c>)",
    re.S,
)
_ANY_CELL = re.compile(rb"<c[\s>/]")
_INLINE_TEXT = re.compile(rb"<t\b[^>]*>(.*?)</t>", re.S)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_SHARED_STRING = re.compile(rb"<si>(.*?)</si>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_NUMBER_FORMAT = re.compile(rb"<numFmt\b([^>]*)/?>")
_NUMBER_FORMAT_ID = re.compile(rb'\bnumFmtId="(\d+)"')
_FORMAT_CODE = re.compile(rb'\bformatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b([^>]*?)/?>")


def _xlsx_rows(archive: zipfile.ZipFile, sheet: str) -> Iterator[list[Cell]]:
    workbook = archive.read("xl/workbook.xml")
    sheets = {
        _text(_NAME.search(attrs).group(1)): rid.group(1)
        for attrs in _SHEET_TAG.findall(workbook)
        if _NAME.search(attrs) and (rid := _RID.search(attrs.replace(b"sheetId", b"")))
    }
    name = _pick(list(sheets), sheet)
    target = _sheet_target(archive, sheets[name])
    epoch = dt.datetime(1904, 1, 1) if _DATE1904.search(workbook) else dt.datetime(1899, 12, 30)
    strings = _shared_strings(archive)
    dates = _date_styles(archive)
    return _xlsx_sheet(archive, target, strings, dates, epoch)


def _sheet_target(archive: zipfile.ZipFile, rid: bytes) -> str:
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        raise NotStreamable("the workbook has no relationships part") from None
    for attrs in _RELATIONSHIP.findall(rels):
        found = _ID.search(attrs)
        target = _TARGET.search(attrs)
        if found and target and found.group(1) == rid:
            path = target.group(1).decode()
            return path.lstrip("/") if path.startswith("/") else f"xl/{path}"
    raise NotStreamable("the sheet's part is not named in the workbook")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The shared strings, in order: each string's text runs joined, phonetic guides left out."""
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as stream:
        for piece in _chunks(stream, b"</si>"):
            for item in _SHARED_STRING.findall(piece):
                if b"<rPh" in item:
                    item = _PHONETIC.sub(b"", item)
                strings.append("".join(_text(t) for t in _INLINE_TEXT.findall(item)))
    return strings


def _date_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """The cell style indexes (cellXfs) whose number format shows a date or time."""
    if "xl/styles.xml" not in archive.namelist():
        return frozenset()
    styles = archive.read("xl/styles.xml")
    custom: dict[int, bool] = {}
    for attrs in _NUMBER_FORMAT.findall(styles):
        number = _NUMBER_FORMAT_ID.search(attrs)
        code = _FORMAT_CODE.search(attrs)
        if number and code:
            shown = _QUOTED.sub("", html.unescape(code.group(1).decode())).lower()
            custom[int(number.group(1))] = any(c in shown for c in "dmyhs")
    cell_xfs = _CELL_XFS.search(styles)
    formats = [
        int(found.group(1)) if (found := _NUMBER_FORMAT_ID.search(attrs)) else 0
        for attrs in _XF.findall(cell_xfs.group(1) if cell_xfs else b"")
    ]
    return frozenset(
        index
        for index, number_format in enumerate(formats)
        if custom.get(number_format, number_format in _BUILTIN_DATE_FORMATS)
    )


def _column(letters: bytes, cache: dict[bytes, int] = {}) -> int:  # noqa: B006 - a cache
    index = cache.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + letter - 64
        index = cache[letters] = index - 1
    return index


def _xlsx_sheet(
    archive: zipfile.ZipFile,
    target: str,
    strings: list[str],
    dates: frozenset[int],
    epoch: dt.datetime,
) -> Iterator[list[Cell]]:
    expected = 1
    with archive.open(target) as stream:
        for piece in _chunks(stream, b"</row>"):
            # Each part but the last ends a row: split in C rather than matched by a pattern.
            for part in piece.split(b"</row>")[:-1]:
                begin = part.rfind(b"<row")
                close = part.find(b">", begin)
                if begin < 0 or close < 0:
                    raise NotStreamable("a row without its start")
                number_match = _ROW_NUMBER.search(part, begin, close)
                number = int(number_match.group(1)) if number_match else expected
                if 0 < number - expected <= _MAX_EMPTY_ROWS:
                    yield from ([] for _ in range(number - expected))
                expected = number + 1
                yield _xlsx_row(part[close + 1 :], strings, dates, epoch)


#: A cell's attributes after its reference (b' s="1" t="s"') → (type, is a date, is empty).
_XLSX_ATTRIBUTES: dict[bytes, tuple[bytes, bool, bool]] = {}
_STYLE = re.compile(rb'\bs="(\d+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')


def _xlsx_attributes(rest: bytes, dates: frozenset[int]) -> tuple[bytes, bool, bool]:
    style = _STYLE.search(rest)
    kind = _TYPE.search(rest)
    return (
        kind.group(1) if kind else b"n",
        bool(style) and int(style.group(1)) in dates,
        rest.endswith(b"/"),
    )


def _xlsx_row(
    body: bytes, strings: list[str], dates: frozenset[int], epoch: dt.datetime
) -> LazyRow | list[Cell]:
    found = _CELL.findall(body)
    if len(found) != body.count(b"<c ") or b"<r>" in body:
        return _xlsx_row_slowly(body, strings, dates, epoch)
    try:
        columns = [_COLUMN_INDEX[raw[0]] for raw in found]
    except KeyError:  # a column past ZZ
        columns = [_column(raw[0]) for raw in found]
    positions = (
        None
        if columns == _IN_ORDER[: len(columns)]
        else dict(zip(columns, range(len(columns)), strict=True))
    )

    def convert(raw: tuple[bytes, bytes, bytes, bytes]) -> Cell:
        _letters, rest, value, inline = raw
        info = _XLSX_ATTRIBUTES.get(rest)
        if info is None:
            info = _xlsx_attributes(rest, dates)
            if len(_XLSX_ATTRIBUTES) < _CACHE_LIMIT:
                _XLSX_ATTRIBUTES[rest] = info
        kind, is_date, empty = info
        if empty:
            return ""
        if kind == b"s":
            return strings[int(value)] if value else ""
        return _xlsx_value(kind, value, inline, is_date, epoch)

    return LazyRow(found, positions, convert)


_LETTERS = [chr(c) for c in range(65, 91)]
_COLUMN_INDEX: dict[bytes, int] = {
    name.encode(): index
    for index, name in enumerate(_LETTERS + [a + b for a in _LETTERS for b in _LETTERS])
}
_IN_ORDER = list(range(len(_COLUMN_INDEX)))


def _xlsx_value(
    kind: bytes, value: bytes, inline: bytes, is_date: bool, epoch: dt.datetime
) -> Cell:
    if kind == b"inlineStr":
        return _text(inline)
    if kind in (b"str", b"e"):
        return _text(value)
    if kind == b"b":
        return value == b"1"
    if kind == b"d":
        moment = dt.datetime.fromisoformat(value.decode())
        return moment.date() if moment.time() == dt.time() else moment
    if not value:
        return ""
    if is_date:
        found = _DATES.get((value, epoch))
        if found is None:  # to the millisecond, as spreadsheets show it
            moment = epoch + dt.timedelta(milliseconds=round(float(value) * 86_400_000))
            found = moment.date() if moment.time() == dt.time() else moment
            if len(_DATES) < _CACHE_LIMIT:
                _DATES[value, epoch] = found
        return found
    return float(value)


_DATES: dict[tuple[bytes, dt.datetime], Cell] = {}


def _xlsx_row_slowly(
    body: bytes, strings: list[str], dates: frozenset[int], epoch: dt.datetime
) -> list[Cell]:
    """A row with a cell the fast pattern does not take whole (rich text, another attribute
    order): read with the general pattern, or NotStreamable."""
    found = _ANY_FORM_CELL.findall(body)
    if len(found) != len(_ANY_CELL.findall(body)):
        raise NotStreamable("a cell is written in a form this reader does not know")
    row: list[Cell] = []
    for letters, style, kind, value, inline in found:
        index = _column(letters)
        if index > len(row):
            row.extend([""] * (index - len(row)))
        is_date = bool(style) and int(style) in dates
        if kind == b"inlineStr":
            cell: Cell = "".join(_text(t) for t in _INLINE_TEXT.findall(inline))
        elif kind == b"s":
            cell = strings[int(value)] if value else ""
        else:
            cell = _xlsx_value(kind or b"n", value, inline, is_date, epoch)
        row.append(cell)
    while row and row[-1] == "":
        row.pop()
    return row


# --- ODS ------------------------------------------------------------------------------------------

_TABLE_NAME = re.compile(rb'\btable:name="([^"]*)"')
# A cell: its attributes, then its text when it is one plain paragraph, else its content.
_ODS_CELL = re.compile(
    rb"<table:(?:covered-)?table-cell\b([^>]*?)(?:/>|>(?:<text:p>([^<]*)</text:p>|(.*?))"
    rb"</table:(?:covered-)?table-cell>)",
    re.S,
)
_VALUE_TYPE = re.compile(rb'\boffice:value-type="(\w+)"')
_DATE_VALUE = re.compile(rb'\boffice:date-value="([^"]+)"')
_FLOAT_VALUE = re.compile(rb'\boffice:value="([^"]+)"')
_BOOLEAN_VALUE = re.compile(rb'\boffice:boolean-value="(\w+)"')
_COLUMNS_REPEATED = re.compile(rb'\btable:number-columns-repeated="(\d+)"')
_ROWS_REPEATED = re.compile(rb'\btable:number-rows-repeated="(\d+)"')
_PARAGRAPH = re.compile(rb"<text:p\b[^>]*?(?:/>|>(.*?)</text:p>)", re.S)
_SPACES = re.compile(rb'<text:s\b(?:[^>]*?text:c="(\d+)")?[^>]*/>')
_TAG = re.compile(rb"<[^>]+>")


def _ods_rows(archive: zipfile.ZipFile, sheet: str) -> Iterator[LazyRow | list[Cell]]:
    """The sheet's rows, in one pass over content.xml: SheetMissing (raised when the rows are
    first asked for) when no sheet has the name."""
    seen: list[str] = []
    inside = found = False
    pending_empty = 0
    with archive.open("content.xml") as stream:
        for piece in _chunks(stream, b"</table:table-row>"):
            # Each part but the last ends a row: split in C rather than matched by a pattern.
            for part in piece.split(b"</table:table-row>")[:-1]:
                begin = part.rfind(b"<table:table-row")
                close = part.find(b">", begin)
                if begin < 0 or close < 0:
                    raise NotStreamable("a row without its start")
                if b"<table:table" in part[:begin]:  # a sheet starts or ends before the row
                    for table_attrs, ended in _TABLE_BOUNDARY.findall(part, 0, begin):
                        if ended:  # </table:table>
                            if inside:
                                return
                            continue
                        name = _TABLE_NAME.search(table_attrs)
                        seen.append(_text(name.group(1)) if name else "")
                        inside = seen[-1] == sheet or seen[-1].casefold() == sheet.casefold()
                        found = found or inside
                if not inside:
                    continue
                repeated = _ROWS_REPEATED.search(part, begin, close)
                times = int(repeated.group(1)) if repeated else 1
                row = _ods_row(part[close + 1 :])
                if not len(row):
                    pending_empty += times
                    continue
                if pending_empty:
                    if pending_empty <= _MAX_EMPTY_ROWS:
                        yield from ([] for _ in range(pending_empty))
                    pending_empty = 0
                yield row
                for _ in range(min(times, _MAX_EMPTY_ROWS) - 1):
                    yield list(row)
    if not found:
        raise SheetMissing(seen)


def _ods_row(body: bytes) -> LazyRow | list[Cell]:
    if _RICH_TEXT.search(body):
        return _ods_row_slowly(body)
    found = _ODS_SIMPLE_CELL.findall(body)
    positions: dict[int, int] | None = None
    if b"number-columns-repeated" in body:
        positions = {}
        column = 0
        for position, (attrs, simple) in enumerate(found):
            times, value, closed = _ods_attributes_cached(attrs)
            if value is _TEXT and (closed or not simple):
                column += times  # empty cells: read as "" past the mapped columns
                continue
            for _ in range(min(times, 1024)):
                positions[column] = position
                column += 1
    else:
        while found and _ods_convert(found[-1]) == "":
            found.pop()
    return LazyRow(found, positions, _ods_convert)


def _ods_convert(raw: tuple[bytes, bytes]) -> Cell:
    attrs, simple = raw
    _times, value, closed = _ods_attributes_cached(attrs)
    if value is not _TEXT:
        return value
    if closed or not simple:
        return ""
    text = simple.decode("utf-8")
    return html.unescape(text) if "&" in text else text


def _ods_attributes_cached(attrs: bytes) -> tuple[int, Any, bool]:
    found = _ODS_ATTRIBUTES.get(attrs)
    if found is None:
        found = _ods_attributes(attrs)
        if len(_ODS_ATTRIBUTES) < _CACHE_LIMIT:
            _ODS_ATTRIBUTES[attrs] = found
    return found


def _ods_row_slowly(body: bytes) -> list[Cell]:
    """A row with rich text (spans, links, several paragraphs, kept spaces): every cell read
    with the general pattern."""
    row: list[Cell] = []
    empty = 0
    for attrs, simple, inner in _ODS_CELL.findall(body):
        times, value, _closed = _ods_attributes_cached(attrs)
        if value is _TEXT:
            if simple:
                value = _text(simple)
            elif inner:
                value = _ods_text(inner)
            else:
                value = ""
        if value == "":
            empty += times
            continue
        if empty:
            row.extend([""] * empty)
            empty = 0
        row.extend([value] * times)
    return row


#: A cell whose value is its text.
_TEXT = object()
#: A cell's attributes (bytes) → (times repeated, its value or _TEXT, self-closing).
_ODS_ATTRIBUTES: dict[bytes, tuple[int, Any, bool]] = {}
# Markup that makes a cell's text more than one plain paragraph (one scan of the row).
_RICH_TEXT = re.compile(
    rb"<text:(?:span|a |s\b|s/|p |p/|tab|line-break)|</text:p><text:p|<office:annotation"
)
_TABLE_BOUNDARY = re.compile(rb"<table:table((?:\s[^>]*)?)>|</table:table(>)")
_ODS_SIMPLE_CELL = re.compile(
    rb"<table:(?:covered-)?table-cell([^>]*)>(?:<text:p>([^<]*)</text:p>)?"
)


def _ods_attributes(attrs: bytes) -> tuple[int, Any, bool]:
    closed = attrs.endswith(b"/")
    repeated = _COLUMNS_REPEATED.search(attrs)
    times = int(repeated.group(1)) if repeated else 1
    kind_match = _VALUE_TYPE.search(attrs)
    kind = kind_match.group(1) if kind_match else None
    if kind == b"date" and (value := _DATE_VALUE.search(attrs)):
        moment = dt.datetime.fromisoformat(value.group(1).decode())
        return times, moment.date() if moment.time() == dt.time() else moment, closed
    if kind in (b"float", b"percentage", b"currency") and (value := _FLOAT_VALUE.search(attrs)):
        return times, float(value.group(1)), closed
    if kind == b"boolean" and (value := _BOOLEAN_VALUE.search(attrs)):
        return times, value.group(1) == b"true", closed
    return times, _TEXT, closed


def _ods_text(inner: bytes) -> str:
    """A cell's text: its paragraphs joined by line breaks, spaces and tabs kept, markup gone."""
    paragraphs = []
    for text in _PARAGRAPH.findall(inner):
        text = _SPACES.sub(lambda m: b" " * int(m.group(1) or 1), text)
        text = text.replace(b"<text:tab/>", b"\t").replace(b"<text:line-break/>", b"\n")
        paragraphs.append(_text(_TAG.sub(b"", text)))
    return "\n".join(paragraphs)
