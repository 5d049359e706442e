"""All-or-nothing import of the contract files (CONTRACT.md §1), CSV or XLSX.

Rules implemented here (row rules live in sgoversight.intake.schemas):
- CSV (UTF-8 with or without a BOM, Windows-1252, or UTF-16 with a BOM; comma, semicolon or
  tab separated: sgoversight.intake.sheets) has a header row, columns in any order; XLSX is the
  first visible sheet with the same headers. Header names are matched ignoring case and surrounding
  spaces (inner spaces read as underscores, so "Alert ID" is alert_id). The separator is the one
  that splits the header line into the most known names (contract columns and mapped headers);
  when it names none, the one that splits it into the most cells.
- A council's own headers and values are renamed by its mappings (sgoversight.intake.mappings); a
  text cell whose folded value a mapping names reads as the mapped code.
- A rejected file's report lists each unknown header and value once, with the closest column
  or code and the mapping line that would read it (sgoversight.intake.import_hints).
- The file is read row by row within limits (sgoversight.intake.sheets.ImportLimits: size, rows,
  columns, cells, XLSX unpacked size, shared strings and text length, problems listed, time and
  memory); a file over one is refused where it crosses it, with a problem naming the limit. An
  import can be cancelled (`cancel`): nothing is written.
- A missing required column rejects the file with one message naming it; unknown columns are
  listed and ignored; rows that are entirely blank are skipped.
- Import is all or nothing: if any row is invalid nothing is written, and every problem is
  reported as `FILE:ROW:COLUMN: message` (ROW is the spreadsheet row, header = 1). A problem about
  the whole file or a whole row names the column `-`. Unreadable input (not UTF-8, not a CSV,
  empty, a damaged workbook, over a limit) is a problem too, never an exception. At most
  `ImportLimits.problems` problems are listed; then reading stops, with a last problem saying so.
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
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from sgoversight.alerts.officers import council_usernames
from sgoversight.auth import Actor, Permission
from sgoversight.errors import BadInput
from sgoversight.intake.import_hints import (
    UnknownText,
    ValueTally,
    header_hints,
    mapping_block,
    value_hints,
)
from sgoversight.intake.mappings import (
    ColumnMapping,
    ImportMappings,
    apply_mapping,
    column_vocabulary,
    header_key,
    load_mappings,
)
from sgoversight.intake.schemas import ROW_SCHEMAS, Cell, RowSchema, cell_text, shown
from sgoversight.intake.sheets import (
    DEFAULT_LIMITS,
    WHOLE,
    Budget,
    Cancelled,
    FileProblem,
    ImportLimits,
    Rows,
    Sheet,
    is_blank,
    read_sheet,
)
from sgoversight.standards import results as standards_results
from sgoversight.store import audit
from sgoversight.store.db import session_factory, session_scope
from sgoversight.store.models import (
    ImportRun,
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
    SafeguardingConcern,
    TrainingRecord,
)
from sgoversight.vocabulary import fold

#: The most an uploaded file may hold (ImportLimits.file_bytes by default).
MAX_FILE_BYTES = DEFAULT_LIMITS.file_bytes
IMPORT_KINDS: tuple[str, ...] = tuple(ROW_SCHEMAS)
#: At most this many ids of each of created and updated rows go into the audit event.
AUDIT_ID_LIMIT = 1_000
# Ids per `IN (...)` query: below SQLite's oldest limit of 999 bound parameters.
_CHUNK = 500
# Read the whole table rather than IN lists when the file names this many rows, and at least
# one in _SCAN_SHARE of the table's rows.
_SCAN_AT = 2_000
_SCAN_SHARE = 4
# Rows validated at a time (and a progress message each), fewer for a wide file (at most
# _BATCH_CELLS cells, at least _MIN_BATCH_ROWS rows), and rows per executemany call.
_BATCH = 5_000
_BATCH_CELLS = 150_000
_MIN_BATCH_ROWS = 100
_WRITE_BATCH = 10_000
_TOO_MANY_CELLS = "this row has more cells than the header names"
_ZIP_MAGIC = b"PK\x03\x04"
_DELIMITERS = (",", ";", "\t")
# Where str.splitlines() ends a line.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# The start of a CSV file its separator is guessed from; a header cell longer than
# _LONGEST_HEADER names no column (and is not split into words).
_SNIFFED_CHARS = 1_000_000
_LONGEST_HEADER = 1_000
CANCELLED = "the import was cancelled: nothing was written"

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
    #: A rejected file's unknown headers, then unknown values, each once (import_hints).
    unknowns: list[UnknownText] = field(default_factory=list)
    #: Further different unknown values, beyond those listed.
    more_unknown_values: int = 0

    def __post_init__(self) -> None:
        # A report read back from JSON (sgoversight.intake.import_jobs) holds plain dictionaries.
        self.unknowns = [UnknownText(**u) if isinstance(u, dict) else u for u in self.unknowns]

    @property
    def ok(self) -> bool:
        return not self.problems

    def mapping_text(self) -> str:
        """The lines to add to config/import_mappings.toml for the suggestions found."""
        return mapping_block(self.unknowns)

    def hint_lines(self) -> list[str]:
        """Each unknown header and value once with its suggestion (`FILE: hint`), then the
        mapping lines to add; nothing for a file without unknowns."""
        if not self.unknowns:
            return []
        lines = [f"{self.filename}: {hint}" for hint in self.unknowns]
        if self.more_unknown_values:
            lines.append(
                f"{self.filename}: and {self.more_unknown_values:,} more unknown values, not listed"
            )
        block = self.mapping_text()
        if block:
            lines += ["Lines to add to config/import_mappings.toml:", block]
        return lines

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
    #: Which of the values are acceptable, when a stricter rule than "in `target`" applies.
    known: Callable[[Session, set[Any]], set[Any]] | None = None


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
_ASSIGNEE = _Reference(
    "assigned_to",
    QualityAlert.assigned_to,
    "a council user's username",
    "an alert is assigned to a council user in the users table, never to provider staff",
    known=lambda session, names: council_usernames(session, names),
)
_TARGETS: dict[str, _Target] = {
    "providers": _Target(ROW_SCHEMAS["providers"], Provider.__table__),
    "alerts": _Target(ROW_SCHEMAS["alerts"], QualityAlert.__table__, (_PROVIDER, _ASSIGNEE)),
    "concerns": _Target(ROW_SCHEMAS["concerns"], SafeguardingConcern.__table__, (_PROVIDER,)),
    "plans": _Target(ROW_SCHEMAS["plans"], ImprovementPlan.__table__, (_PROVIDER,)),
    "actions": _Target(ROW_SCHEMAS["actions"], ImprovementAction.__table__, (_PLAN,)),
    "training": _Target(ROW_SCHEMAS["training"], TrainingRecord.__table__, surrogate="id"),
}


# --- control flow ---------------------------------------------------------------------------------


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
    mapping: ColumnMapping | ImportMappings | None = None,
    limits: ImportLimits | None = None,
    cancel: threading.Event | None = None,
    refresh_standards: bool = True,
) -> ImportReport:
    """Validate a contract file and, if every row is valid, upsert it in one transaction.

    `source` is a path, the file's bytes or a binary file object; `filename` names it in messages
    (default: the path's or object's name). `progress(fraction, message)` is called as work goes
    on. `today` is the date "not in the future" is measured against (default: today). Raises
    PermissionDenied unless the actor may import data, BadInput for an unknown kind; a bad file
    is never an exception but a report with problems.

    `mapping` renames a council's own headers to contract columns and (an ImportMappings) its
    own values to codes (sgoversight.intake.mappings); by default the mappings in
    config/import_mappings.toml. A broken mapping raises BadInput before the file is read.

    `limits` bound what the file may hold and the time and memory the import may take
    (sgoversight.intake.sheets.ImportLimits; the defaults otherwise): a file over one is refused
    with a problem naming the limit, as soon as it is crossed. Setting `cancel` stops the import at
    its next check with the problem CANCELLED; nothing is written.

    Once an import of providers, concerns or training has committed, the safeguarding standards
    of the recent quarters are worked out and stored for the new data (standards_results.refresh),
    so the standards page's first view reads them; `refresh_standards=False` leaves that to the
    caller (the demo, which refreshes once when every file is in). A rejected, cancelled or dry
    run writes nothing and refreshes nothing.
    """
    actor.require(Permission.IMPORT_DATA)
    target = _TARGETS.get(kind)
    if target is None:
        raise BadInput(f"unknown kind '{kind}': one of {', '.join(IMPORT_KINDS)}")
    if mapping is None:
        mapping = load_mappings()
    if isinstance(mapping, ImportMappings):
        kind_mapping = mapping.headers.get(kind, {})
        value_mapping = mapping.values.get(kind, {})
    else:
        kind_mapping, value_mapping = mapping.get(kind, {}), {}
    name = _display_name(source, filename, kind)
    report = ImportReport(kind=kind, filename=name, dry_run=dry_run)
    notify = _notifier(progress)
    notify(0.0, f"Reading {name}")
    limits = limits or DEFAULT_LIMITS
    budget = Budget(limits, cancel)
    with _collector_paused():
        try:
            sheet = read_sheet(
                _read_bytes(source, limits),
                name,
                limits,
                budget,
                lambda text: _delimiter(text, kind_mapping),
            )
            sheet.header = apply_mapping(sheet.header, kind_mapping)
            _import_rows(
                engine,
                target,
                sheet,
                report,
                actor,
                notify,
                today or dt.date.today(),
                budget,
                value_mapping,
            )
        except FileProblem as exc:
            report.rows = 0
            report.problems = [Problem(name, exc.row, exc.column, exc.message)]
        except Cancelled:
            report.rows = 0
            report.problems = [Problem(name, 1, WHOLE, CANCELLED)]
    if report.problems:
        report.created = report.updated = report.unchanged = 0
        report.created_ids, report.updated_ids = [], []
        if not dry_run:
            _record_rejection(engine, actor, report)
    elif not dry_run and refresh_standards and kind in standards_results.READ_KINDS:
        notify(0.97, "Working out the safeguarding standards of the recent quarters")
        standards_results.refresh(engine, today or dt.date.today())
    notify(1.0, report.summary())
    return report


def _import_rows(
    engine: Engine,
    target: _Target,
    sheet: Sheet,
    report: ImportReport,
    actor: Actor,
    notify: Progress,
    today: dt.date,
    budget: Budget,
    value_mapping: dict[str, dict[str, str]],
) -> None:
    """Map the header, validate every row, then check and write against the database.

    Reads the sheet's rows as it validates them (see _validate_rows), reading mapped values as
    their codes (_map_values). A rejected file's report gets its hints (_add_hints).
    """
    layout = _Layout.from_header(sheet.header, target.schema, report.filename)
    report.unknown_columns = layout.unknown
    if layout.problems:
        report.problems = layout.problems
        _add_hints(report, layout, target.schema, ValueTally())
        return
    tables = {
        layout.positions[column]: table
        for column, table in value_mapping.items()
        if column in layout.positions
    }
    if tables:
        sheet.chunks = _map_values(sheet.chunks, tables)
    checked = _validate_rows(sheet, layout, target.schema, report.filename, today, notify, budget)
    report.rows = checked.rows
    problems = checked.problems + _duplicate_problems(checked, target.schema, report.filename)
    _write(engine, target, layout, checked, problems, report, actor, notify, budget)
    report.problems = sorted(problems, key=layout.sort_key)
    if report.problems:
        _add_hints(report, layout, target.schema, checked.unknown)


def _add_hints(
    report: ImportReport, layout: _Layout, schema: type[RowSchema], tally: ValueTally
) -> None:
    """Rule: a rejected file's report lists its unknown headers, then its unknown values, each
    once with a suggestion and a mapping line (sgoversight.intake.import_hints)."""
    columns = schema.columns()
    absent = [c for c in columns if c not in layout.positions]
    missing = [c for c in schema.required_columns() if c in absent]
    headers = header_hints(layout.unknown, missing, absent, report.kind)
    report.unknowns = headers + value_hints(report.kind, tally)
    report.more_unknown_values = tally.more


#: Mapped value texts remembered per column (a file repeats the same few values).
_MAPPED_REMEMBERED = 16_384


def _map_values(chunks: Iterator[Rows], tables: dict[int, dict[str, str]]) -> Iterator[Rows]:
    """Rule: a text cell at a mapped column whose folded text its value mapping names reads as
    the mapped code; any other cell is left as it is (and judged by its column's rule)."""
    remembered: dict[int, dict[str, str | None]] = {position: {} for position in tables}
    for chunk in chunks:
        for _number, cells in chunk:
            width = len(cells)
            for position, table in tables.items():
                if position >= width:
                    continue
                cell = cells[position]
                if type(cell) is not str:
                    continue
                known = remembered[position]
                if cell in known:
                    code = known[cell]
                else:
                    # No value a mapping names is longer than a header may be.
                    code = table.get(fold(cell)) if len(cell) <= _LONGEST_HEADER else None
                    if len(known) < _MAPPED_REMEMBERED:
                        known[cell] = code
                if code is not None:
                    cells[position] = code
        yield chunk


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read, validated and written.

    Why: a large file becomes millions of small objects (its cells) that hold no reference
    cycles, and the collector would rescan them over and over as they are made (reading a
    150,000-row file took four times as long). Anything left over is collected as usual once it
    runs again.
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


def _read_bytes(source: Source, limits: ImportLimits) -> bytes:
    """Rule: the file is at most `limits.file_bytes`; anything unreadable is a problem."""
    limit = limits.file_bytes
    shown_limit = f"{limit // 2**20:,} MB" if limit >= 2**20 else f"{limit:,} bytes"
    too_large = FileProblem(1, f"the file is larger than {shown_limit}: split it into parts")
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) > limit:
            raise too_large
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            if path.stat().st_size > limit:
                raise too_large
            data = path.read_bytes()
        except OSError as exc:
            raise FileProblem(1, f"cannot read the file: {exc.strerror or exc}") from None
    else:
        # An uploaded file may already have been read once (e.g. by a dry run): start at the top.
        if getattr(source, "seekable", lambda: False)():
            source.seek(0)
        chunk = source.read(limit + 1)
        data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk or b"")
    if len(data) > limit:
        raise too_large
    return data


def _delimiter(text: str, kind_mapping: dict[str, str] | None = None) -> str:
    """Rule: the separator (comma, semicolon or tab) that splits the header line into the most
    known names: contract columns, or headers `kind_mapping` maps; when no separator gives a
    known name, the one that splits it into the most cells (a comma on a tie)."""
    text = text[:_SNIFFED_CHARS].lstrip("\r\n")
    end = _LINE_BREAK.search(text)
    first_line = text[: end.start()] if end else text  # text.splitlines()[0], without the rest
    known = {column for schema in ROW_SCHEMAS.values() for column in schema.columns()}
    mapped = set(kind_mapping or ())

    def names(delimiter: str) -> list[str]:
        try:
            return next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            return []

    def score(delimiter: str) -> tuple[int, int]:
        found = names(delimiter)
        known_names = sum(
            _header_key(n) in known or (len(n) <= _LONGEST_HEADER and header_key(n) in mapped)
            for n in found
        )
        return known_names, len(found)

    return max(_DELIMITERS, key=score)


def _header_key(cell: Any) -> str:
    """A header cell as a column name: trimmed, lower case, inner spaces as underscores."""
    if cell is None:
        return ""
    text = cell_text(cell)
    if len(text) > _LONGEST_HEADER:
        return ""  # no column is named that long: an unknown column
    return "_".join(text.replace("\ufeff", "").lower().split())


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
                if cell is not None and len(cell_text(cell)) > _LONGEST_HEADER:
                    unknown.append(shown(cell)[1:-1])  # named by its start only
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
#
# Rows are validated a batch at a time, column by column: each distinct cell of a column is read
# once by the column's Cell rule (a 150,000-row file repeats the same few codes and dates), then
# the schema's cross-column rules are checked over whole columns. A row that breaks any rule is
# validated again on its own by the pydantic model, which words its problems: every message comes
# from the schema, and the model has the last word on whether a row is valid.


class _Invalid:
    """The value of a cell its column's rule rejects (the model then says why)."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID: Any = _Invalid()
_TEXT_TYPES = frozenset({str, type(None)})


@dataclass
class _Checked:
    """The file's rows once validated.

    `numbers` are the spreadsheet rows of the valid rows and `values` each schema column's values
    for them, in the same order (a column the file lacks holds the schema's default). `rejected`
    holds each invalid row's number and keys (id and referenced ids) as far as its own cells are
    valid, so duplicate and unknown-reference problems are reported beside the others. `rows`
    counts every non-blank row.
    """

    values: dict[str, list[Any]]
    numbers: list[int] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    #: Unknown values of columns holding listed values (for the rejected file's hints).
    unknown: ValueTally = field(default_factory=ValueTally)

    def keys(self, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """The valid rows' values of `columns`, one tuple per row."""
        return list(zip(*(self.values[c] for c in columns), strict=True)) if columns else []

    def all_keys(self, columns: Sequence[str]) -> list[tuple[int, tuple[Any, ...]]]:
        """(row, values of `columns`) of every row, valid or not, in row order."""
        rows = list(zip(self.numbers, self.keys(columns), strict=True))
        if self.rejected:
            rows += [(n, tuple(keys.get(c) for c in columns)) for n, keys in self.rejected]
            rows.sort(key=itemgetter(0))
        return rows


def _validate_rows(
    sheet: Sheet,
    layout: _Layout,
    schema: type[RowSchema],
    filename: str,
    today: dt.date,
    notify: Progress,
    budget: Budget,
) -> _Checked:
    """Validate every row against `schema` as it is read, collecting every problem, up to
    `limits.problems` of them: then reading stops, with a last problem saying so.

    Rows are read a batch at a time (see _BATCH), so only the (much smaller) validated
    columns grow with the file; the budget is checked after each batch.
    """
    checked = _Checked(values={c: [] for c in schema.columns()})
    size = max(_MIN_BATCH_ROWS, min(_BATCH, _BATCH_CELLS // max(layout.width, 1)))
    for batch in _batches(sheet.chunks, size):
        _validate_batch(batch, layout, schema, filename, today, checked, sheet.text_only)
        checked.rows += len(batch)
        if len(checked.problems) > budget.limits.problems:
            _stop_listing(checked, budget.limits.problems, filename)
            break
        budget.check(batch[-1][0])
        notify(
            0.05 + 0.55 * sheet.read_fraction(),
            f"Checking: {checked.rows:,} rows read, row {batch[-1][0]:,} last",
        )
    return checked


def _batches(chunks: Iterator[Rows], size: int) -> Iterator[Rows]:
    """The rows of `chunks` regrouped in batches of `size` rows (the last may be smaller)."""
    pending: Rows = []
    for chunk in chunks:
        pending.extend(chunk)
        while len(pending) >= size:
            yield pending[:size]
            del pending[:size]
    if pending:
        yield pending


def _stop_listing(checked: _Checked, most: int, filename: str) -> None:
    """Rule: at most `most` problems are listed, then one saying the check stopped there."""
    del checked.problems[most:]
    last = checked.problems[-1].row
    message = (
        f"more than {most:,} problems: checking stopped at row {last:,} and the first "
        f"{most:,} are listed; correct them and check the file again"
    )
    checked.problems.append(Problem(filename, last, WHOLE, message))


def _validate_batch(
    batch: Rows,
    layout: _Layout,
    schema: type[RowSchema],
    filename: str,
    today: dt.date,
    checked: _Checked,
    text_only: bool,
) -> None:
    """Validate one batch of rows column by column (see the section's comment)."""
    width, count = layout.width, len(batch)
    numbers = [number for number, _ in batch]
    table = [cells for _, cells in batch]
    for index in [i for i, cells in enumerate(table) if len(cells) != width]:
        cells = table[index]
        if len(cells) > width and not is_blank(cells[width:]):
            checked.problems.append(Problem(filename, numbers[index], WHOLE, _TOO_MANY_CELLS))
        # A short row reads as blank cells; cells beyond the header are not read.
        table[index] = [*cells[:width], *([None] * (width - len(cells)))]
    by_position = list(zip(*table, strict=True)) if width else []
    columns: dict[str, list[Any]] = {}
    suspect: set[int] = set()
    for name in schema.columns():
        position = layout.positions.get(name)
        if position is None:
            values = [_absent_value(schema, name, today)] * count
        else:
            values = _read_column(schema.cell(name), by_position[position], today, text_only)
        if _INVALID in values:
            invalid = [i for i, value in enumerate(values) if value is _INVALID]
            suspect.update(invalid)
            if position is not None and column_vocabulary(_schema_kind(schema), name):
                raw = by_position[position]
                checked.unknown.add(name, [raw[i] for i in invalid], [numbers[i] for i in invalid])
        columns[name] = values
    suspect.update(_rule_failures(schema, columns, suspect, count))
    if suspect:
        suspect -= _validate_one_by_one(
            sorted(suspect), batch, columns, layout, schema, filename, today, checked
        )
    keep = [i for i in range(count) if i not in suspect] if suspect else None
    checked.numbers.extend(numbers if keep is None else [numbers[i] for i in keep])
    for name, values in columns.items():
        checked.values[name].extend(values if keep is None else [values[i] for i in keep])


def _schema_kind(schema: type[RowSchema]) -> str:
    """The import kind a row schema validates."""
    return next(kind for kind, found in ROW_SCHEMAS.items() if found is schema)


def _read_column(cell: Cell, raw: Sequence[Any], today: dt.date, text_only: bool) -> list[Any]:
    """The column's cells as `cell` reads them, _INVALID where its rule rejects one.

    Text and blank cells (all a CSV file has: `text_only`) are read once per distinct value.
    Typed XLSX cells are read one by one: 1, 1.0 and True are equal keys but different cells.
    """
    read = cell.reader(today)
    if text_only or set(map(type, raw)) <= _TEXT_TYPES:
        lookup = {value: _read_cell(read, value) for value in set(raw)}
        return list(map(lookup.__getitem__, raw))
    return [_read_cell(read, value) for value in raw]


def _read_cell(read: Callable[[Any], Any], value: Any) -> Any:
    try:
        return read(value)
    except ValueError:
        return _INVALID


def _absent_value(schema: type[RowSchema], column: str, today: dt.date) -> Any:
    """The value of a column the file lacks: the field's default, read by its rule as the model
    does (validate_default)."""
    info = schema.model_fields[column]
    if info.is_required():
        return _INVALID
    return _read_cell(
        schema.cell(column).reader(today), info.get_default(call_default_factory=True)
    )


def _rule_failures(
    schema: type[RowSchema], columns: dict[str, list[Any]], suspect: set[int], count: int
) -> set[int]:
    """The positions of rows whose every cell is valid but which break a cross-column rule."""
    if not schema.rules:
        return set()
    if not suspect:
        return {i for rule in schema.rules for i in rule.failing(columns)}
    # The rules are stated for rows whose every cell is valid: give them only those.
    valid = [i for i in range(count) if i not in suspect]
    needed = {name for rule in schema.rules for name in (rule.column, rule.other)}
    subset = {name: [columns[name][i] for i in valid] for name in needed}
    return {valid[i] for rule in schema.rules for i in rule.failing(subset)}


def _validate_one_by_one(
    positions: list[int],
    batch: Rows,
    columns: dict[str, list[Any]],
    layout: _Layout,
    schema: type[RowSchema],
    filename: str,
    today: dt.date,
    checked: _Checked,
) -> set[int]:
    """Validate the rows at `positions` with the model, recording their problems and keys.

    Returns the positions the model accepts after all (their values replace the batch's); the
    column-wise checks are meant never to reject a valid row, but the model decides.
    """
    context = {"today": today}
    cells_of = layout.reader()
    key_columns = _key_columns(schema)
    accepted = set()
    for position in positions:
        number, cells = batch[position]
        raw = cells_of(cells)
        try:
            record = schema.model_validate(raw, context=context)
        except ValidationError as exc:
            problems = _problems_from(exc, filename, number)
            checked.problems.extend(problems)
            failed = {p.column for p in problems}
            keys = {c: _read_key(schema, c, raw.get(c), today, failed) for c in key_columns}
            checked.rejected.append((number, keys))
            continue
        accepted.add(position)
        for name, value in record.__dict__.items():
            columns[name][position] = value
    return accepted


def _key_columns(schema: type[RowSchema]) -> tuple[str, ...]:
    references = ("provider_id", "plan_id", "assigned_to")
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


def _duplicate_problems(checked: _Checked, schema: type[RowSchema], filename: str) -> list[Problem]:
    """Rule: a row's id (training: staff_id, training_type and completed_on) appears once."""
    key_columns = schema.key_columns
    if not checked.rejected:
        keys = checked.keys(key_columns)
        if len(set(keys)) == len(keys):
            return []  # the common case, found without a loop over the rows
    first_row: dict[tuple[Any, ...], int] = {}
    problems = []
    for number, key in checked.all_keys(key_columns):
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
    """What the import will write: positions (in _Checked.values) of the new rows, and of the
    changed rows with the handle values (key or surrogate id, version) they were read with."""

    inserts: list[int] = field(default_factory=list)
    updates: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
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
    budget: Budget,
) -> None:
    """Check references, then (when all is valid and not a dry run) write in one transaction.

    Rules: a real import checks and writes in the one write transaction (db.session_scope, its
    write lock taken before the checks, so what was checked is what is written); a file with a
    problem adds nothing to it, and any error rolls it back. A dry run only reads, in a session
    closed without committing. A cancellation is honoured up to the commit: each progress
    message checks for it, and the transaction is rolled back.
    """

    tell = notify

    def notify_unless_cancelled(fraction: float, message: str) -> None:
        if budget.cancel is not None and budget.cancel.is_set():
            raise Cancelled
        tell(fraction, message)

    notify = notify_unless_cancelled
    transaction = session_factory(engine)() if report.dry_run else session_scope(engine)
    try:
        with transaction as session:
            notify(0.65, "Checking providers and plans named in the file")
            problems.extend(_reference_problems(session, target, checked, report.filename))
            if problems:
                return
            notify(0.75, "Comparing with the database")
            changes = _plan_changes(session, target, layout.present, checked)
            report.created, report.updated = len(changes.inserts), len(changes.updates)
            report.unchanged = changes.unchanged
            report.created_ids, report.updated_ids = changes.created_ids, changes.updated_ids
            if report.dry_run:
                return
            _apply(session, target, layout.present, checked, changes, notify)
            _record_success(session, actor, report)
    except (IntegrityError, _Conflict):
        problems.append(
            Problem(
                report.filename,
                1,
                WHOLE,
                "the database changed during the import (someone else saved at the same time): "
                "nothing was written, import the file again",
            )
        )


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
    session: Session, target: _Target, checked: _Checked, filename: str
) -> list[Problem]:
    """Rule: provider_id names a known provider; an action's plan_id a known plan; an alert's
    assigned_to a council user (sgoversight.alerts.officers.council_usernames)."""
    problems = []
    for reference in target.references:
        named = checked.all_keys((reference.column,))
        values = {v for _, (v,) in named} - {None}
        if reference.known is not None:
            known = reference.known(session, values)
        else:
            known = _existing_values(session, reference.target, values)
        for number, (value,) in named:
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
    session: Session, target: _Target, present: tuple[str, ...], checked: _Checked
) -> _Changes:
    """Sort rows into new, changed and unchanged by comparing the file's columns with the database.

    Only the columns present in the file are compared (and later written).
    """
    key_columns = target.schema.key_columns
    compared = tuple(c for c in present if c not in key_columns)
    keys = checked.keys(key_columns)
    existing = _existing_rows(session, target, set(keys), compared)
    labels = _labels(keys)
    changes = _Changes()
    if not existing:
        changes.inserts = list(range(len(keys)))
        changes.created_ids = labels
        return changes
    for position, (key, values) in enumerate(zip(keys, checked.keys(compared), strict=True)):
        stored = existing.get(key)
        if stored is None:
            changes.inserts.append(position)
            changes.created_ids.append(labels[position])
        elif stored[0] != values:
            changes.updates.append((position, stored[1]))
            changes.updated_ids.append(labels[position])
        else:
            changes.unchanged += 1
    return changes


def _labels(keys: list[tuple[Any, ...]]) -> list[str]:
    """How each row is named in the report and the audit event: its id (or key parts joined)."""
    if keys and len(keys[0]) == 1:
        return [str(key) for (key,) in keys]
    return ["|".join(str(part) for part in key) for key in keys]


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
        if not stored:
            return
        if len(wanted) * _SCAN_SHARE >= stored:
            yield select(*columns)
            return
    for chunk in _chunks(sorted(wanted)):
        yield select(*columns).where(table.c[lead].in_(chunk))


def _apply(
    session: Session,
    target: _Target,
    present: tuple[str, ...],
    checked: _Checked,
    changes: _Changes,
    notify: Progress,
) -> None:
    """Insert the new rows and update the changed ones in bulk (_insert_rows, _execute_many)."""
    table = target.table
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    timestamped = "created_at" in table.c
    inserts, updates = len(changes.inserts), len(changes.updates)
    written = _Written(notify, inserts + updates)
    if inserts:
        values = {c: _take(checked.values[c], changes.inserts) for c in target.schema.columns()}
        if timestamped:
            values["created_at"] = values["updated_at"] = [now] * inserts
        if target.versioned:
            values["version"] = [1] * inserts
        values.update(_python_defaults(table, values, inserts))
        _insert_rows(session, table, values, written)
    if not updates:
        return
    compared = [c for c in present if c not in target.schema.key_columns]
    positions = [position for position, _ in changes.updates]
    params = {f"v_{c}": _take(checked.values[c], positions) for c in compared}
    for index, column in enumerate(_handle_columns(target)):
        params[f"k_{column}"] = [handle[index] for _, handle in changes.updates]
    assignments: dict[str, Any] = {c: bindparam(f"v_{c}") for c in compared}
    # Matching the version read as well lets a concurrent edit of an alert be detected, not lost.
    conditions = [table.c[c] == bindparam(f"k_{c}") for c in _handle_columns(target)]
    if "updated_at" in table.c:
        assignments["updated_at"] = bindparam("v_updated_at")
        params["v_updated_at"] = [now] * updates
    if target.versioned:
        assignments["version"] = table.c.version + 1
    statement = update(table).where(and_(*conditions)).values(assignments)
    if _execute_many(session, statement, params, written) not in (-1, updates):
        raise _Conflict


def _take(values: list[Any], positions: list[int]) -> list[Any]:
    """`values` at `positions` (the list itself when that is every position, in order)."""
    if len(positions) == len(values):
        return values
    return list(map(values.__getitem__, positions))


def _python_defaults(
    table: Table, values: dict[str, list[Any]], count: int
) -> dict[str, list[Any]]:
    """Values for the table's other columns that have a Python-side default (a constant or a
    function of nothing), as SQLAlchemy would have filled in for each row."""
    filled = {}
    for column in table.columns:
        default = column.default
        if column.key in values or default is None or column.primary_key:
            continue
        if getattr(default, "is_scalar", False):
            filled[column.key] = [default.arg] * count  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            filled[column.key] = [default.arg(None)] * count  # type: ignore[attr-defined]
    return filled


@dataclass
class _Written:
    """Progress of the writing: from 0.85 to 0.99 as rows are written."""

    notify: Progress
    total: int
    done: int = 0

    def add(self, rows: int) -> None:
        self.done += rows
        self.notify(
            0.85 + 0.14 * self.done / max(self.total, 1),
            f"Writing: {self.done:,} of {self.total:,} new and changed rows",
        )


def _insert_rows(
    session: Session, table: Table, values: dict[str, list[Any]], written: _Written
) -> None:
    """Insert one row per position of `values` (column → one value per row): with PostgreSQL's
    COPY when the driver is psycopg, else as executemany batches of a plain INSERT."""
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_rows(connection, table, values, written)
        return
    statement = insert(table).values({c: bindparam(c) for c in values})
    _execute_many(session, statement, values, written)


def _converted(values: list[Any], bind_type: Any, dialect: Any) -> list[Any]:
    """`values` as the column type's bind processor sends them to the driver (each distinct
    value converted once), exactly as SQLAlchemy would have converted them one by one."""
    processor = bind_type.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return values
    converted = {value: processor(value) for value in set(values)}
    return list(map(converted.__getitem__, values))


def _copy_rows(
    connection: Connection, table: Table, values: dict[str, list[Any]], written: _Written
) -> None:
    """PostgreSQL: stream the rows with COPY ... FROM STDIN in the session's transaction.

    Why: the server loads COPY rows several times faster than the same rows sent as single
    INSERTs, even pipelined. Constraints and foreign keys are checked just the same; a driver
    error is raised as SQLAlchemy's own (IntegrityError for a conflict), as an INSERT's would be.
    """
    dialect = connection.dialect
    names = list(values)
    columns = [_converted(values[name], table.c[name].type, dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    statement = (
        f"COPY {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in names)}) FROM STDIN"
    )
    driver = connection.connection.driver_connection
    dbapi = dialect.loaded_dbapi
    count = len(columns[0]) if columns else 0
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for start in range(0, count, _WRITE_BATCH):
                batch = [column[start : start + _WRITE_BATCH] for column in columns]
                for row in zip(*batch, strict=True):
                    copy.write_row(row)
                written.add(len(batch[0]))
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


def _execute_many(
    session: Session, statement: Any, params: dict[str, list[Any]], written: _Written
) -> int:
    """Run `statement` once per row of `params` (bind name → one value per row), in batches of
    plain DBAPI executemany calls within the session's transaction; return the rows affected
    (-1 when the driver does not say).

    Why: SQLAlchemy's executemany builds and converts a parameter dictionary per row, which
    costs more than the database's own work. Here each column is converted once per distinct
    value with the column type's own bind processor, so the database sees exactly what
    SQLAlchemy would have sent.
    """
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect)
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    count = len(next(iter(params.values()), []))
    columns = []
    for name in names:
        bind = compiled.binds[name]
        # A bind the caller did not name is a literal of the statement (the 1 of version + 1).
        values = params[name] if name in params else [bind.effective_value] * count
        columns.append(_converted(values, bind.type, dialect))
    escaped = getattr(compiled, "escaped_bind_names", None) or {}
    keys = [escaped.get(name, name) for name in names]
    affected = 0
    for start in range(0, count, _WRITE_BATCH):
        rows: list[Any] = list(
            zip(*(column[start : start + _WRITE_BATCH] for column in columns), strict=True)
        )
        if not compiled.positional:
            rows = [dict(zip(keys, row, strict=True)) for row in rows]
        result = connection.exec_driver_sql(compiled.string, rows)
        affected = -1 if affected < 0 or result.rowcount < 0 else affected + result.rowcount
        written.add(len(rows))
    return affected


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
    with session_scope(engine) as session:
        audit.record(
            session,
            actor,
            "import_rejected",
            report.kind,
            report.filename[:128],
            detail=report.summary(),
            after={"problems": len(report.problems), "rows": report.rows},
        )
