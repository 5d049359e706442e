"""All-or-nothing import of the contract files (CONTRACT.md §1), CSV or XLSX.

Rules implemented here (row rules live in sgoversight.schemas):
- CSV is UTF-8 (a BOM tolerated) with a header row, columns in any order; XLSX is the first sheet
  with the same headers. Header names are matched ignoring case and surrounding spaces (inner
  spaces read as underscores, so "Alert ID" is alert_id).
- A missing required column rejects the file with one message naming it; unknown columns are
  listed and ignored; rows that are entirely blank are skipped.
- Import is all or nothing: if any row is invalid nothing is written, and every problem is
  reported as `FILE:ROW:COLUMN: message` (ROW is the spreadsheet row, header = 1). A problem about
  the whole file or a whole row names the column `-`. Unreadable input (not UTF-8, not a CSV,
  empty, a damaged workbook, too large) is a problem too, never an exception.
- Across rows and against the database: an id appears once in a file; provider_id names a provider
  and an action's plan_id a plan already in the database.
- Rows are upserted by their id (training rows by staff_id, training_type and completed_on): an
  unchanged row is left alone, a changed one updated, so importing the same file twice changes
  nothing. A column absent from the file is left as it is on rows that already exist.
- Everything is written in one transaction with bulk statements, together with an ImportRun row and
  one audit event. A rejected import writes only an `import_rejected` audit event; a dry run
  writes nothing at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy import Engine, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sgoversight import audit
from sgoversight.auth import Actor, Permission
from sgoversight.db import begin_write, session_factory
from sgoversight.errors import BadInput
from sgoversight.mappings import ColumnMapping, apply_mapping, load_mapping
from sgoversight.models import (
    ImportRun,
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
    SafeguardingConcern,
    TrainingRecord,
)
from sgoversight.schemas import ROW_SCHEMAS, RowSchema, cell_text, shown

MAX_FILE_BYTES = 50 * 1024 * 1024
IMPORT_KINDS: tuple[str, ...] = tuple(ROW_SCHEMAS)
#: Column named by a problem about the whole file or a whole row.
WHOLE = "-"
#: At most this many ids of each of created and updated rows go into the audit event.
AUDIT_ID_LIMIT = 1_000
# Ids per `IN (...)` query: below SQLite's oldest limit of 999 bound parameters.
_CHUNK = 500
# Read the whole table rather than IN lists when the file names this many rows, and at least
# one in _SCAN_SHARE of the table's rows.
_SCAN_AT = 2_000
_SCAN_SHARE = 4
_PROGRESS_EVERY = 5_000
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary .xls format
_DELIMITERS = (",", ";", "\t")

Source = Path | str | bytes | bytearray | memoryview | BinaryIO
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Problem:
    """One reason a file was rejected, located by spreadsheet row (header = 1) and column."""

    filename: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.row}:{self.column}: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did. `ok` is False when the file was rejected (nothing written)."""

    kind: str
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    created_ids: list[str] = field(default_factory=list, repr=False)
    updated_ids: list[str] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line of counts: `alerts.csv: 12 rows valid: 10 created, 2 updated, 0 unchanged`."""
        if not self.ok:
            count = _plural(len(self.problems), "problem")
            rows = len({p.row for p in self.problems if p.row > 1})
            where = f" in {_plural(rows, 'row')}" if rows else ""
            return f"{self.filename}: rejected, {count}{where}; nothing written"
        line = (
            f"{self.filename}: {_plural(self.rows, 'row')} valid: {self.created:,} created, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged"
        )
        return line + (" (dry run: nothing written)" if self.dry_run else "")

    def unknown_column_messages(self) -> list[str]:
        """One line per unknown column, which was ignored."""
        return [
            f"{self.filename}:1:{name}: unknown column, ignored" for name in self.unknown_columns
        ]


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


# --- what each kind of file writes ----------------------------------------------------------------


@dataclass(frozen=True)
class _Reference:
    """Rule: a value in `column` must already be in the database as `target`."""

    column: str
    target: Any  # an InstrumentedAttribute: the referenced primary key
    noun: str
    hint: str


@dataclass(frozen=True)
class _Target:
    schema: type[RowSchema]
    table: Table
    references: tuple[_Reference, ...] = ()
    #: A surrogate primary key the natural key maps to (training records only).
    surrogate: str | None = None

    @property
    def versioned(self) -> bool:
        return "version" in self.table.c


_PROVIDER = _Reference(
    "provider_id", Provider.provider_id, "a known provider", "import providers first"
)
_PLAN = _Reference(
    "plan_id", ImprovementPlan.plan_id, "a known improvement plan", "import plans first"
)
_TARGETS: dict[str, _Target] = {
    "providers": _Target(ROW_SCHEMAS["providers"], Provider.__table__),
    "alerts": _Target(ROW_SCHEMAS["alerts"], QualityAlert.__table__, (_PROVIDER,)),
    "concerns": _Target(ROW_SCHEMAS["concerns"], SafeguardingConcern.__table__, (_PROVIDER,)),
    "plans": _Target(ROW_SCHEMAS["plans"], ImprovementPlan.__table__, (_PROVIDER,)),
    "actions": _Target(ROW_SCHEMAS["actions"], ImprovementAction.__table__, (_PLAN,)),
    "training": _Target(ROW_SCHEMAS["training"], TrainingRecord.__table__, surrogate="id"),
}


# --- control flow ---------------------------------------------------------------------------------


class _FileProblem(Exception):
    """The file as a whole cannot be read; carries the row the trouble starts on."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


class _Conflict(Exception):
    """The database changed under the import (a concurrent edit or import)."""


# --- the public entry point -----------------------------------------------------------------------


def import_file(
    engine: Engine,
    kind: str,
    source: Source,
    *,
    filename: str | None = None,
    actor: Actor,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    mapping: ColumnMapping | None = None,
) -> ImportReport:
    """Validate a contract file and, if every row is valid, upsert it in one transaction.

    `source` is a path, the file's bytes or a binary file object; `filename` names it in messages
    (default: the path's or object's name). `progress(fraction, message)` is called as work goes
    on. `today` is the date "not in the future" is measured against (default: today). Raises
    PermissionDenied unless the actor may import data, BadInput for an unknown kind; a bad file
    is never an exception but a report with problems.

    `mapping` renames a council's own headers to contract columns (sgoversight.mappings); by
    default the one in config/import_mappings.toml. A broken mapping raises BadInput.
    """
    actor.require(Permission.IMPORT_DATA)
    target = _TARGETS.get(kind)
    if target is None:
        raise BadInput(f"unknown kind '{kind}': one of {', '.join(IMPORT_KINDS)}")
    kind_mapping = (mapping if mapping is not None else load_mapping()).get(kind, {})
    name = _display_name(source, filename, kind)
    report = ImportReport(kind=kind, filename=name, dry_run=dry_run)
    notify = _notifier(progress)
    notify(0.0, f"Reading {name}")
    try:
        header, rows = _read_sheet(_read_bytes(source), name)
        header = apply_mapping(header, kind_mapping)
    except _FileProblem as exc:
        report.problems.append(Problem(name, exc.row, WHOLE, exc.message))
    else:
        with _collector_paused():
            _import_rows(
                engine, target, header, rows, report, actor, notify, today or dt.date.today()
            )
    if report.problems:
        report.created = report.updated = report.unchanged = 0
        report.created_ids, report.updated_ids = [], []
        if not dry_run:
            _record_rejection(engine, actor, report)
    notify(1.0, report.summary())
    return report


def _import_rows(
    engine: Engine,
    target: _Target,
    header: Sequence[Any],
    rows: Sequence[tuple[int, Sequence[Any]]],
    report: ImportReport,
    actor: Actor,
    notify: Progress,
    today: dt.date,
) -> None:
    """Map the header, validate every row, then check and write against the database."""
    layout = _Layout.from_header(header, target.schema, report.filename)
    report.unknown_columns = layout.unknown
    if layout.problems:
        report.problems = layout.problems
        return
    checked = _validate_rows(rows, layout, target.schema, report.filename, today, notify)
    report.rows = len(checked.keys)
    problems = checked.problems + _duplicate_problems(checked.keys, target.schema, report.filename)
    _write(engine, target, layout, checked, problems, report, actor, notify)
    report.problems = sorted(problems, key=layout.sort_key)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is validated and written.

    Why: a large file becomes millions of small objects that all live until the write, and the
    collector would rescan them over and over (a quarter of the run time). Anything left over is
    collected as usual once it runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _notifier(progress: Progress | None) -> Progress:
    def notify(fraction: float, message: str) -> None:
        if progress is not None:
            progress(min(max(fraction, 0.0), 1.0), message)

    return notify


# --- reading the file -----------------------------------------------------------------------------


def _display_name(source: Source, filename: str | None, kind: str) -> str:
    """The file's name as messages show it: the base name only."""
    name = filename
    if name is None and isinstance(source, str | os.PathLike):
        name = os.fspath(source)
    if name is None:
        name = getattr(source, "name", None)
    if not isinstance(name, str) or not name.strip():
        is_zip = isinstance(source, bytes | bytearray) and source.startswith(_ZIP_MAGIC)
        return f"{kind}.xlsx" if is_zip else f"{kind}.csv"
    return PurePath(name.strip()).name or name.strip()


def _read_bytes(source: Source) -> bytes:
    """Rule: the file is at most MAX_FILE_BYTES; anything unreadable is a problem."""
    limit = MAX_FILE_BYTES
    shown_limit = f"{limit // 2**20:,} MB" if limit >= 2**20 else f"{limit:,} bytes"
    too_large = _FileProblem(1, f"the file is larger than {shown_limit}: split it into parts")
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise too_large
            data = path.read_bytes()
        except OSError as exc:
            raise _FileProblem(1, f"cannot read the file: {exc.strerror or exc}") from None
    else:
        # An uploaded file may already have been read once (e.g. by a dry run): start at the top.
        if getattr(source, "seekable", lambda: False)():
            source.seek(0)
        chunk = source.read(MAX_FILE_BYTES + 1)
        data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk or b"")
    if len(data) > MAX_FILE_BYTES:
        raise too_large
    return data


def _read_sheet(data: bytes, name: str) -> tuple[list[Any], list[tuple[int, Sequence[Any]]]]:
    """The header cells and the (spreadsheet row number, cells) of every non-blank data row."""
    suffix = PurePath(name).suffix.lower()
    if data.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise _FileProblem(1, "an old-style .xls workbook: save it as .xlsx or as CSV UTF-8")
    if data.startswith(_ZIP_MAGIC) or suffix in _XLSX_SUFFIXES:
        records = _xlsx_records(data)
    else:
        records = _csv_records(data)
    if all(_is_blank(cells) for cells in records):
        raise _FileProblem(1, "the file is empty: a header row naming the columns is required")
    if _is_blank(records[0]):
        raise _FileProblem(1, "row 1 is blank: the header row naming the columns must come first")
    rows = [
        (number, cells) for number, cells in enumerate(records[1:], start=2) if not _is_blank(cells)
    ]
    return list(records[0]), rows


def _csv_records(data: bytes) -> list[list[str]]:
    """Rule: CSV is UTF-8, a byte order mark tolerated; `,` (or `;` or tab) separates cells."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _FileProblem(
            line,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read): "
            "save the file as 'CSV UTF-8'",
        ) from None
    if not text.strip():
        return []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return list(reader)
    except csv.Error as exc:
        raise _FileProblem(reader.line_num or 1, f"not a readable CSV file ({exc})") from None


def _delimiter(text: str) -> str:
    """The separator that makes the most of the first line's names known contract columns."""
    first_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    known = {column for schema in ROW_SCHEMAS.values() for column in schema.columns()}

    def score(delimiter: str) -> int:
        try:
            names = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            return 0
        return sum(_header_key(n) in known for n in names)

    best = max(_DELIMITERS, key=score)
    return best if score(best) > 0 else ","


def _xlsx_records(data: bytes) -> list[tuple[Any, ...]]:
    """Rule: an XLSX file is read from its first sheet; cells keep their types (dates included)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged file
        raise _FileProblem(1, f"not a readable XLSX workbook ({_reason(exc)})") from None
    try:
        if not workbook.worksheets:
            raise _FileProblem(1, "the workbook has no worksheet")
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    except _FileProblem:
        raise
    except Exception as exc:
        raise _FileProblem(1, f"not a readable XLSX workbook ({_reason(exc)})") from None
    finally:
        workbook.close()


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_blank(cells: Iterable[Any]) -> bool:
    """Rule: a row whose every cell is empty or spaces is no row (spreadsheets leave such rows)."""
    return all(cell is None or (type(cell) is str and not cell.strip()) for cell in cells)


def _header_key(cell: Any) -> str:
    """A header cell as a column name: trimmed, lower case, inner spaces as underscores."""
    if cell is None:
        return ""
    return "_".join(cell_text(cell).replace("\ufeff", "").lower().split())


# --- the header -----------------------------------------------------------------------------------


@dataclass
class _Layout:
    """Where each known column is in the file, and what is wrong with the header."""

    filename: str
    positions: dict[str, int]
    width: int
    unknown: list[str]
    problems: list[Problem]

    @classmethod
    def from_header(cls, header: Sequence[Any], schema: type[RowSchema], filename: str) -> _Layout:
        """Rule: a missing required column rejects the file with one message naming it."""
        known = schema.columns()
        positions: dict[str, int] = {}
        unknown: list[str] = []
        problems: list[Problem] = []
        for index, cell in enumerate(header):
            key = _header_key(cell)
            if not key:
                continue
            if key not in known:
                name = " ".join(cell_text(cell).split())
                if name not in unknown:
                    unknown.append(name)
            elif key in positions:
                problems.append(
                    Problem(
                        filename,
                        1,
                        key,
                        f"column appears more than once (columns {positions[key] + 1} "
                        f"and {index + 1})",
                    )
                )
            else:
                positions[key] = index
        layout = cls(filename, positions, len(header), unknown, problems)
        if not positions:
            required = ", ".join(schema.required_columns())
            problems.append(
                Problem(
                    filename,
                    1,
                    WHOLE,
                    f"no header row: the first row must name the columns ({required} are required)",
                )
            )
            return layout
        for column in schema.required_columns():
            if column not in positions:
                problems.append(Problem(filename, 1, column, "required column is missing"))
        return layout

    @property
    def present(self) -> tuple[str, ...]:
        return tuple(self.positions)

    def reader(self) -> Callable[[Sequence[Any]], dict[str, Any]]:
        """A function from a row's cells to {column: cell} for the known columns (short rows
        read as blank)."""
        positions = tuple(self.positions.items())
        names = tuple(self.positions)
        indices = tuple(self.positions.values())
        needed = max(indices, default=0) + 1
        pick = itemgetter(*indices) if len(indices) > 1 else None

        def cells_of(cells: Sequence[Any]) -> dict[str, Any]:
            if pick is not None and len(cells) >= needed:
                return dict(zip(names, pick(cells), strict=True))
            width = len(cells)
            return {name: cells[i] if i < width else None for name, i in positions}

        return cells_of

    def sort_key(self, problem: Problem) -> tuple[int, int]:
        return problem.row, self.positions.get(problem.column, -1)


# --- validating the rows --------------------------------------------------------------------------


@dataclass
class _Checked:
    """Validated rows (spreadsheet row, values) and every row's key (None where unknown)."""

    valid: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    keys: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _validate_rows(
    rows: Sequence[tuple[int, Sequence[Any]]],
    layout: _Layout,
    schema: type[RowSchema],
    filename: str,
    today: dt.date,
    notify: Progress,
) -> _Checked:
    """Validate each row against `schema`, collecting every problem; keep the keys of all rows.

    The keys (id and referenced ids) of invalid rows are kept too, as far as their own columns
    are valid, so duplicate and unknown-reference problems are reported alongside the others.
    """
    checked = _Checked()
    context = {"today": today}
    cells_of = layout.reader()
    key_columns = _key_columns(schema)
    total = len(rows)
    for done, (number, cells) in enumerate(rows):
        if done % _PROGRESS_EVERY == 0:
            notify(0.05 + 0.55 * done / max(total, 1), f"Checking row {done + 1:,} of {total:,}")
        raw = cells_of(cells)
        if len(cells) > layout.width and not _is_blank(cells[layout.width :]):
            checked.problems.append(
                Problem(filename, number, WHOLE, "this row has more cells than the header names")
            )
        try:
            record = schema.model_validate(raw, context=context)
        except ValidationError as exc:
            problems = _problems_from(exc, filename, number)
            checked.problems.extend(problems)
            failed = {p.column for p in problems}
            keys = {c: _read_key(schema, c, raw.get(c), today, failed) for c in key_columns}
            checked.keys.append((number, keys))
            continue
        # The model is discarded, so its field values are taken as they are (no model_dump copy).
        values = record.__dict__
        checked.valid.append((number, values))
        checked.keys.append((number, {c: values[c] for c in key_columns}))
    return checked


def _key_columns(schema: type[RowSchema]) -> tuple[str, ...]:
    references = ("provider_id", "plan_id")
    extra = tuple(c for c in references if c in schema.model_fields and c not in schema.key_columns)
    return schema.key_columns + extra


def _read_key(
    schema: type[RowSchema], column: str, value: Any, today: dt.date, failed: set[str]
) -> Any:
    if column in failed:
        return None
    try:
        return schema.cell(column).read(value, today)
    except ValueError:
        return None


def _problems_from(exc: ValidationError, filename: str, number: int) -> list[Problem]:
    """One problem per column pydantic rejected, in the column's own words."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        column = str(error["loc"][0]) if error["loc"] else WHOLE
        if error["type"] == "value_error":
            message = str(error.get("ctx", {}).get("error", error["msg"]))
        elif error["type"] == "missing":
            message = "required: must not be blank"
        else:
            message = error["msg"]
        problems.append(Problem(filename, number, column, message))
    return problems


def _duplicate_problems(
    keys: list[tuple[int, dict[str, Any]]], schema: type[RowSchema], filename: str
) -> list[Problem]:
    """Rule: a row's id (training: staff_id, training_type and completed_on) appears once."""
    first_row: dict[tuple[Any, ...], int] = {}
    problems = []
    key_columns = schema.key_columns
    for number, values in keys:
        key = tuple(values[c] for c in key_columns)
        if any(part is None for part in key):
            continue
        if key in first_row:
            if len(key_columns) == 1:
                message = (
                    f"duplicate {key_columns[0]} {shown(key[0])}: already on row {first_row[key]}"
                )
            else:
                message = (
                    f"duplicate record: the same {', '.join(key_columns[:-1])} and "
                    f"{key_columns[-1]} as row {first_row[key]}"
                )
            problems.append(Problem(filename, number, key_columns[0], message))
        else:
            first_row[key] = number
    return problems


# --- against the database -------------------------------------------------------------------------


@dataclass
class _Changes:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    created_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)


def _write(
    engine: Engine,
    target: _Target,
    layout: _Layout,
    checked: _Checked,
    problems: list[Problem],
    report: ImportReport,
    actor: Actor,
    notify: Progress,
) -> None:
    """Check references, then (when all is valid and not a dry run) write in one transaction."""
    session = session_factory(engine)()
    try:
        if not report.dry_run:
            begin_write(session)
        notify(0.65, "Checking providers and plans named in the file")
        problems.extend(_reference_problems(session, target, checked.keys, report.filename))
        if problems:
            return
        notify(0.75, "Comparing with the database")
        changes = _plan_changes(session, target, layout.present, checked.valid)
        report.created, report.updated = len(changes.inserts), len(changes.updates)
        report.unchanged = changes.unchanged
        report.created_ids, report.updated_ids = changes.created_ids, changes.updated_ids
        if report.dry_run:
            return
        notify(
            0.85, f"Writing {len(changes.inserts):,} new and {len(changes.updates):,} changed rows"
        )
        _apply(session, target, layout.present, changes)
        _record_success(session, actor, report)
        session.commit()
    except (IntegrityError, _Conflict):
        session.rollback()
        problems.append(
            Problem(
                report.filename,
                1,
                WHOLE,
                "the database changed during the import (someone else saved at the same time): "
                "nothing was written, import the file again",
            )
        )
    finally:
        session.close()  # rolls back whatever was not committed: dry runs and rejections


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _existing_values(session: Session, column: Any, values: set[Any]) -> set[Any]:
    """Which of `values` the database holds in `column` (a few IN queries, never one per row)."""
    found: set[Any] = set()
    for chunk in _chunks(sorted(values)):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _reference_problems(
    session: Session, target: _Target, keys: list[tuple[int, dict[str, Any]]], filename: str
) -> list[Problem]:
    """Rule: provider_id names a known provider; an action's plan_id a known plan."""
    problems = []
    for reference in target.references:
        wanted = {values.get(reference.column) for _, values in keys} - {None}
        known = _existing_values(session, reference.target, wanted)
        for number, values in keys:
            value = values.get(reference.column)
            if value is not None and value not in known:
                problems.append(
                    Problem(
                        filename,
                        number,
                        reference.column,
                        f"{shown(value)} is not {reference.noun} ({reference.hint})",
                    )
                )
    return problems


def _plan_changes(
    session: Session,
    target: _Target,
    present: tuple[str, ...],
    valid: list[tuple[int, dict[str, Any]]],
) -> _Changes:
    """Sort rows into new, changed and unchanged by comparing the file's columns with the database.

    Only the columns present in the file are compared (and later written).
    """
    key_columns = target.schema.key_columns
    compared = tuple(c for c in present if c not in key_columns)
    key_of, compared_of = _tuple_getter(key_columns), _tuple_getter(compared)
    existing = _existing_rows(session, target, {key_of(v) for _, v in valid}, compared)
    handles = _handle_columns(target)
    changes = _Changes()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    timestamped = "created_at" in target.table.c
    for _, values in valid:
        key = key_of(values)
        label = "|".join(str(part) for part in key)
        stored = existing.get(key)
        if stored is None:
            row = dict(values)
            if timestamped:
                row["created_at"] = row["updated_at"] = now
            if target.versioned:
                row["version"] = 1
            changes.inserts.append(row)
            changes.created_ids.append(label)
        elif stored[0] != compared_of(values):
            row = {f"v_{c}": values[c] for c in compared}
            row.update({f"k_{c}": value for c, value in zip(handles, stored[1], strict=True)})
            if timestamped:
                row["v_updated_at"] = now
            changes.updates.append(row)
            changes.updated_ids.append(label)
        else:
            changes.unchanged += 1
    return changes


def _tuple_getter(columns: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A fast function from a row's values to the tuple of `columns` (always a tuple)."""
    if len(columns) == 1:
        (column,) = columns
        return lambda values: (values[column],)
    if not columns:
        return lambda _values: ()
    return itemgetter(*columns)


def _handle_columns(target: _Target) -> tuple[str, ...]:
    """The columns an update is addressed by: the key (or surrogate id), and the version read."""
    key = (target.surrogate,) if target.surrogate else target.schema.key_columns
    return key + (("version",) if target.versioned else ())


def _existing_rows(
    session: Session, target: _Target, keys: set[tuple[Any, ...]], compared: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """For each key the database holds: (its compared values, its handle values)."""
    table = target.table
    key_columns = target.schema.key_columns
    handles = _handle_columns(target)
    columns = [table.c[c] for c in (*key_columns, *compared, *handles)]
    split_at, handle_at = len(key_columns), len(key_columns) + len(compared)
    found = {}
    for statement in _lookups(session, table, key_columns[0], columns, {k[0] for k in keys}):
        for row in session.execute(statement):
            values = tuple(row)
            key = values[:split_at]
            if key in keys:
                found[key] = (values[split_at:handle_at], values[handle_at:])
    return found


def _lookups(
    session: Session, table: Table, lead: str, columns: list[Any], wanted: set[Any]
) -> Iterable[Any]:
    """SELECTs reading the rows whose `lead` column is in `wanted`: a few IN queries, or, when
    the file names a large share of the table, one scan (far cheaper than hundreds of IN lists)."""
    if len(wanted) >= _SCAN_AT:
        stored = session.scalar(select(func.count()).select_from(table)) or 0
        if len(wanted) * _SCAN_SHARE >= stored:
            yield select(*columns)
            return
    for chunk in _chunks(sorted(wanted)):
        yield select(*columns).where(table.c[lead].in_(chunk))


def _apply(session: Session, target: _Target, present: tuple[str, ...], changes: _Changes) -> None:
    """Insert the new rows and update the changed ones, each with one bulk statement."""
    table = target.table
    if changes.inserts:
        session.execute(insert(table), changes.inserts)
    if not changes.updates:
        return
    compared = [c for c in present if c not in target.schema.key_columns]
    values: dict[str, Any] = {c: bindparam(f"v_{c}") for c in compared}
    # Matching the version read as well lets a concurrent edit of an alert be detected, not lost.
    conditions = [table.c[c] == bindparam(f"k_{c}") for c in _handle_columns(target)]
    if "updated_at" in table.c:
        values["updated_at"] = bindparam("v_updated_at")
    if target.versioned:
        values["version"] = table.c.version + 1
    statement = update(table).where(and_(*conditions)).values(values)
    result = session.execute(statement, changes.updates)
    if result.rowcount not in (-1, len(changes.updates)):
        raise _Conflict


def _record_success(session: Session, actor: Actor, report: ImportReport) -> None:
    """Rule: a successful import leaves an ImportRun row and one audit event, in its transaction."""
    session.add(
        ImportRun(
            kind=report.kind,
            filename=report.filename[:255],
            imported_by=actor.username,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
    )
    audit.record(
        session,
        actor,
        "import",
        report.kind,
        report.filename[:128],
        detail=report.summary(),
        after={
            "created": report.created_ids[:AUDIT_ID_LIMIT],
            "updated": report.updated_ids[:AUDIT_ID_LIMIT],
        },
    )


def _record_rejection(engine: Engine, actor: Actor, report: ImportReport) -> None:
    """Rule: a rejected import is audited in a transaction of its own; no data is written."""
    session = session_factory(engine)()
    try:
        begin_write(session)
        audit.record(
            session,
            actor,
            "import_rejected",
            report.kind,
            report.filename[:128],
            detail=report.summary(),
            after={"problems": len(report.problems), "rows": report.rows},
        )
        session.commit()
    finally:
        session.close()
