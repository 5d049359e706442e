"""Reading contract files: CSV and XLSX, headers, encodings, and files that are not files at all.

Rules (CONTRACT.md §1, extended): UTF-8 (a BOM tolerated), Windows-1252 or UTF-16 with a BOM,
header row required, any column order; XLSX is the first sheet with the same headers; a missing
required column rejects the file with one message naming it; unknown columns are listed and
ignored; unreadable input is a problem, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.errors import BadInput
from sgoversight.intake import importing
from sgoversight.intake.importing import import_file
from sgoversight.intake.sheets import ImportLimits
from sgoversight.store.models import ImportRun, QualityAlert, SafeguardingConcern
from tests.fixtures.importing import (
    GOOD,
    TODAY,
    audit_actions,
    counts,
    csv_bytes,
    good_row,
    run,
    seed,
)


@pytest.fixture
def seeded(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    return sqlite_engine


def _problems(report: importing.ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


def _rejected_without_writing(engine: Engine, data: bytes, kind: str = "alerts", **kw: Any) -> Any:
    before = counts(engine)
    report = run(engine, kind, data, **kw)
    assert not report.ok
    assert counts(engine) == before
    return report


# --- headers --------------------------------------------------------------------------------------


def test_missing_required_column_is_one_message_naming_it(seeded: Engine) -> None:
    columns = [c for c in GOOD["alerts"] if c != "severity"]
    report = _rejected_without_writing(seeded, csv_bytes([good_row("alerts")], columns))
    assert _problems(report) == ["alerts.csv:1:severity: required column is missing"]
    assert report.summary() == "alerts.csv: rejected, 1 problem; nothing written"


def test_each_missing_required_column_is_named_once(seeded: Engine) -> None:
    columns = [c for c in GOOD["alerts"] if c not in ("severity", "summary")]
    report = _rejected_without_writing(
        seeded, csv_bytes([good_row("alerts"), good_row("alerts", 2)], columns)
    )
    assert _problems(report) == [
        "alerts.csv:1:severity: required column is missing",
        "alerts.csv:1:summary: required column is missing",
    ]


def test_unknown_columns_are_listed_and_ignored(seeded: Engine) -> None:
    row = good_row("alerts") | {"Colour": "red", "notes ": "x"}
    report = run(seeded, "alerts", csv_bytes([row]))
    assert report.ok and report.created == 1
    assert report.unknown_columns == ["Colour", "notes"]
    assert report.unknown_column_messages() == [
        "alerts.csv:1:Colour: unknown column, ignored",
        "alerts.csv:1:notes: unknown column, ignored",
    ]


def test_columns_in_any_order_and_header_in_any_case(seeded: Engine) -> None:
    columns = list(reversed(GOOD["alerts"]))
    data = csv_bytes([good_row("alerts")], columns)
    header, rest = data.split(b"\r\n", 1)
    data = header.upper().replace(b"ALERT_ID", b" Alert ID ") + b"\r\n" + rest
    report = run(seeded, "alerts", data)
    assert report.ok, report.problems
    assert report.created == 1


def test_duplicate_header_column_is_a_problem(seeded: Engine) -> None:
    columns = [*GOOD["alerts"], "severity"]
    report = _rejected_without_writing(seeded, csv_bytes([good_row("alerts")], columns))
    assert _problems(report) == [
        "alerts.csv:1:severity: column appears more than once (columns 6 and 10)"
    ]


def test_file_without_a_header_row_is_rejected(seeded: Engine) -> None:
    data = b"A1,P1,2025-03-01,commissioner,falls,low,x,open,\r\n"
    report = _rejected_without_writing(seeded, data)
    assert len(report.problems) == 1
    assert str(report.problems[0]).startswith("alerts.csv:1:-: no header row")


def test_header_only_file_imports_nothing(seeded: Engine) -> None:
    report = run(
        seeded,
        "alerts",
        b"alert_id,provider_id,raised_on,raised_by,category,severity,summary,status\r\n",
    )
    assert report.ok
    assert report.summary() == "alerts.csv: 0 rows valid: 0 created, 0 updated, 0 unchanged"


# --- rows -----------------------------------------------------------------------------------------


def test_row_numbers_are_spreadsheet_rows(seeded: Engine) -> None:
    """A quoted line break stays inside its row, and blank rows keep their place but are skipped."""
    rows = [good_row("alerts", 1, summary="two\nlines"), {}, good_row("alerts", 2, severity="x")]
    data = csv_bytes(rows, list(GOOD["alerts"])).replace(b",,,,,,,,\r\n", b"\r\n", 1)
    report = _rejected_without_writing(seeded, data)
    assert [p.row for p in report.problems] == [4]
    assert report.rows == 2


def test_cells_beyond_the_header_are_a_problem(seeded: Engine) -> None:
    data = (
        csv_bytes([good_row("alerts")])
        + b"A9,P1,2025-03-01,commissioner,falls,low,x,open,,extra\r\n"
    )
    report = _rejected_without_writing(seeded, data)
    assert _problems(report) == ["alerts.csv:3:-: this row has more cells than the header names"]


def test_blank_trailing_cells_beyond_the_header_are_ignored(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts")]).replace(b"\r\n", b",,\r\n")
    report = run(seeded, "alerts", data)
    assert report.ok, report.problems


def test_short_rows_read_missing_cells_as_blank(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts")]) + b"A9,P1,2025-03-01\r\n"
    report = _rejected_without_writing(seeded, data)
    assert [p.column for p in report.problems] == [
        "raised_by",
        "category",
        "severity",
        "summary",
        "status",
    ]


# --- encodings and separators ---------------------------------------------------------------------


def test_utf8_bom_is_tolerated(seeded: Engine) -> None:
    report = run(seeded, "alerts", csv_bytes([good_row("alerts", summary="Café £5")], bom=True))
    assert report.ok, report.problems
    with Session(seeded) as session:
        assert session.scalars(select(QualityAlert.summary)).one() == "Café £5"


def test_semicolon_separated_file_is_read(seeded: Engine) -> None:
    report = run(seeded, "alerts", csv_bytes([good_row("alerts")], delimiter=";"))
    assert report.ok, report.problems


def test_a_byte_no_encoding_reads_is_a_problem_on_its_line(seeded: Engine) -> None:
    # 0x81 is neither UTF-8 on its own nor a Windows-1252 character.
    data = csv_bytes([good_row("alerts"), good_row("alerts", 2, summary="Caf\u00e9")])
    data = data.replace("Caf\u00e9".encode(), b"Caf\x81")
    report = _rejected_without_writing(seeded, data)
    assert _problems(report) == [
        "alerts.csv:3:-: neither UTF-8 nor Windows-1252 text (byte 0x81 on line 3 cannot be "
        "read in either): save it as 'CSV UTF-8'"
    ]


def test_utf16_without_a_byte_order_mark_is_a_problem(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts")]).decode().encode("utf-16-le")
    report = _rejected_without_writing(seeded, data)
    assert "UTF-16 text without a byte order mark" in report.problems[0].message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty: a header row naming the columns is required"),
        (
            b"\xef\xbb\xbf \r\n\r\n",
            "the file is empty: a header row naming the columns is required",
        ),
        (
            b",,,\r\nalert_id\r\n",
            "row 1 is blank: the header row naming the columns must come first",
        ),
        (b"PK\x03\x04not really a zip", "not a readable XLSX workbook (BadZipFile"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "an old-style .xls workbook"),
        (b"\x00\x01\x02\xff\xfe" * 50, "the file is mostly NUL bytes"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n", "no header row"),
        # An unclosed quote makes the rest of the file one cell, which names no column.
        (b'"unclosed, ' + b"x" * 200_000, "no header row"),
    ],
    ids=["empty", "blank", "blank-first-row", "bad-zip", "xls", "binary", "pdf", "unclosed-quote"],
)
def test_unreadable_files_are_problems_not_tracebacks(
    seeded: Engine, data: bytes, message: str
) -> None:
    report = _rejected_without_writing(seeded, data)
    assert len(report.problems) == 1
    assert report.problems[0].row == 1 and report.problems[0].column == "-"
    assert message in report.problems[0].message
    assert audit_actions(seeded) == ["import_rejected"]


def test_file_larger_than_the_limit_is_a_problem(seeded: Engine, tmp_path: Path) -> None:
    data = csv_bytes([good_row("alerts"), good_row("alerts", 2)])
    path = tmp_path / "alerts.csv"
    path.write_bytes(data)
    small = ImportLimits(file_bytes=100)
    for source in (data, path, io.BytesIO(data)):
        report = _rejected_without_writing(seeded, source, limits=small)  # type: ignore[arg-type]
        assert _problems(report) == [
            "alerts.csv:1:-: the file is larger than 100 bytes: split it into parts"
        ]


def test_missing_file_is_a_problem(seeded: Engine, tmp_path: Path) -> None:
    report = import_file(seeded, "alerts", tmp_path / "nowhere.csv", actor=SYSTEM)
    assert _problems(report) == ["nowhere.csv:1:-: cannot read the file: No such file or directory"]


# --- sources --------------------------------------------------------------------------------------


def test_path_and_file_object_sources_take_their_names(seeded: Engine, tmp_path: Path) -> None:
    data = csv_bytes([good_row("alerts", severity="bad")])
    path = tmp_path / "march alerts.csv"
    path.write_bytes(data)
    from_path = import_file(seeded, "alerts", path, actor=SYSTEM, today=TODAY)
    assert str(from_path.problems[0]).startswith("march alerts.csv:2:severity: ")
    upload = io.BytesIO(data)
    upload.name = "upload.csv"
    upload.read()  # a page may have read it already
    from_upload = import_file(seeded, "alerts", upload, actor=SYSTEM, today=TODAY)
    assert str(from_upload.problems[0]).startswith("upload.csv:2:severity: ")
    named = import_file(seeded, "alerts", data, filename="dir/given.csv", actor=SYSTEM)
    assert named.filename == "given.csv"


def test_progress_is_reported_from_zero_to_one(seeded: Engine) -> None:
    calls: list[tuple[float, str]] = []
    rows = [good_row("alerts", n) for n in range(1, 4)]
    report = run(seeded, "alerts", csv_bytes(rows), progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert calls[-1][1] == report.summary()


def test_unknown_kind_is_bad_input(seeded: Engine) -> None:
    with pytest.raises(BadInput, match="unknown kind 'widgets'"):
        import_file(seeded, "widgets", b"", actor=SYSTEM)


def test_import_needs_the_import_permission(seeded: Engine) -> None:
    reader = Actor(username="qa", roles=frozenset({Role.QA_ATTENDEE}))
    before = counts(seeded)
    with pytest.raises(PermissionDenied):
        import_file(seeded, "alerts", csv_bytes([good_row("alerts")]), actor=reader)
    assert counts(seeded) == before
    assert audit_actions(seeded) == []


# --- XLSX -----------------------------------------------------------------------------------------


def _workbook(rows: list[list[Any]], *, extra_sheet_first: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if extra_sheet_first:
        # The first sheet is the one read, so a second sheet of rubbish is never looked at.
        other = workbook.create_sheet("Notes")
        other.append(["this", "is", "not", "read"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_alerts() -> list[list[Any]]:
    header = list(GOOD["alerts"])
    first = [
        "A1",
        "P1",
        dt.datetime(2025, 3, 1),  # a real date cell, as Excel stores it
        "Commissioner",
        "falls",
        "HIGH",
        "Fell twice",
        "closed",
        dt.date(2025, 3, 20),
    ]
    second = ["A2", "P2", "2025-04-02", "health", "staffing", "low", "Short staffed", "open", None]
    return [header, first, second]


def test_xlsx_first_sheet_with_date_cells(engine: Engine) -> None:
    seed(engine)
    data = _workbook(_xlsx_alerts(), extra_sheet_first=True)
    report = import_file(engine, "alerts", data, filename="alerts.xlsx", actor=SYSTEM, today=TODAY)
    assert report.ok, report.problems
    assert report.summary() == "alerts.xlsx: 2 rows valid: 2 created, 0 updated, 0 unchanged"
    with Session(engine) as session:
        first = session.get(QualityAlert, "A1")
        assert first is not None
        assert (first.raised_on, first.closed_on) == (dt.date(2025, 3, 1), dt.date(2025, 3, 20))
        assert (first.raised_by, first.severity) == ("commissioner", "high")
    again = import_file(engine, "alerts", data, filename="alerts.xlsx", actor=SYSTEM, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_xlsx_problems_name_spreadsheet_rows(seeded: Engine, tmp_path: Path) -> None:
    rows = _xlsx_alerts()
    rows.insert(2, [None] * len(rows[0]))  # an empty row 3 is skipped but keeps its number
    rows[3][2] = dt.datetime(2025, 4, 2, 14, 30)
    rows[3][5] = 3
    path = tmp_path / "alerts.xlsx"
    path.write_bytes(_workbook(rows))
    report = _rejected_without_writing(seeded, path.read_bytes(), filename="alerts.xlsx")
    assert [str(p).split(": ", 1)[0] for p in report.problems] == [
        "alerts.xlsx:4:raised_on",
        "alerts.xlsx:4:severity",
    ]
    assert "has a time of day" in report.problems[0].message


def test_xlsx_numbers_and_booleans(seeded: Engine) -> None:
    header = list(GOOD["providers"])
    rows = [header, [101, "Ash Court", "Care home", True, False, None, 35.0]]
    report = import_file(
        seeded, "providers", _workbook(rows), filename="providers.xlsx", actor=SYSTEM
    )
    assert report.ok, report.problems
    with Session(seeded) as session:
        from sgoversight.store.models import Provider

        provider = session.get(Provider, "101")
        assert provider is not None
        assert (provider.regulated, provider.commissioned, provider.capacity) == (True, False, 35)


def test_empty_xlsx_is_a_problem(seeded: Engine) -> None:
    report = _rejected_without_writing(seeded, _workbook([]), filename="alerts.xlsx")
    assert _problems(report) == [
        "alerts.xlsx:1:-: the file is empty: a header row naming the columns is required"
    ]


def test_bytes_that_are_a_workbook_are_read_as_one(seeded: Engine) -> None:
    report = run(seeded, "alerts", _workbook(_xlsx_alerts()), filename=None)
    assert report.ok and report.filename == "alerts.xlsx"


# --- dry run --------------------------------------------------------------------------------------


def test_dry_run_validates_and_counts_but_writes_nothing(seeded: Engine) -> None:
    before = counts(seeded)
    rows = [good_row("concerns", n) for n in range(1, 4)]
    report = run(seeded, "concerns", csv_bytes(rows), dry_run=True)
    assert report.ok
    assert report.summary() == (
        "concerns.csv: 3 rows valid: 3 created, 0 updated, 0 unchanged (dry run: nothing written)"
    )
    assert counts(seeded) == before
    assert audit_actions(seeded) == []
    with Session(seeded) as session:
        assert session.scalars(select(SafeguardingConcern)).all() == []
        assert session.scalars(select(ImportRun)).all() == []


def test_rejected_dry_run_writes_no_audit_event(seeded: Engine) -> None:
    report = run(seeded, "alerts", csv_bytes([good_row("alerts", severity="?")]), dry_run=True)
    assert not report.ok
    assert audit_actions(seeded) == []
