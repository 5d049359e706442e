"""Hostile and broken spreadsheets are refused while they are read, within a time and memory budget,
with a message naming the limit and where it was crossed; nothing is written.

Every file here is generated small on disk; the limits are lowered where a case would otherwise
need a large file (benchmarks/test_import_limits.py runs the full-size ones with the defaults).
"""

from __future__ import annotations

import datetime as dt
import io
import resource
import threading
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.intake import sheets
from sgoversight.intake.importing import CANCELLED, ImportReport
from sgoversight.intake.sheets import DEFAULT_LIMITS, ImportLimits
from sgoversight.store.models import Provider, QualityAlert
from tests.fixtures.importing import (
    GOOD,
    audit_actions,
    csv_bytes,
    good_row,
    header_row_xml,
    numbered_rows,
    repeated,
    run,
    seed,
    snapshot,
    write_xlsx,
)

ALERT_COLUMNS = list(GOOD["alerts"])
#: No hostile file in this module may take longer than this to be refused.
SECONDS = 10.0


@pytest.fixture
def seeded(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    return sqlite_engine


def _refused(engine: Engine, kind: str, source: Any, filename: str, **options: Any) -> ImportReport:
    """Import `source`; it must be refused quickly, write nothing but the rejection's audit event,
    and every problem must read FILE:ROW:COLUMN: message."""
    before = snapshot(engine)
    audits = len(audit_actions(engine))
    started = time.monotonic()
    report = run(engine, kind, source, filename=filename, **options)
    assert time.monotonic() - started < SECONDS
    assert not report.ok
    assert report.summary().endswith("nothing written")
    assert snapshot(engine) == before
    assert audit_actions(engine)[audits:] == ["import_rejected"]
    return report


def _messages(report: ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


def _alert_cells(row: int) -> str:
    """The cells of a valid alert row (inline strings), on spreadsheet row `row`."""
    from sgoversight.intake.sheets import column_letters

    values = good_row("alerts", row)
    return "".join(
        f'<c r="{column_letters(i)}{row}" t="inlineStr"><is><t>{values[name]}</t></is></c>'
        for i, name in enumerate(ALERT_COLUMNS, start=1)
    )


# --- XLSX: sizes, rows, shared strings, texts ----------------------------------------------------


def test_declared_dimensions_are_ignored(seeded: Engine, tmp_path: Path) -> None:
    """A sheet declaring A1:XFD1048576 is read by the cells it has: two rows, at once."""
    rows = [header_row_xml(ALERT_COLUMNS), f'<row r="2">{_alert_cells(2)}</row>']
    path = write_xlsx(tmp_path / "alerts.xlsx", rows, dimension="A1:XFD1048576")
    started = time.monotonic()
    report = run(seeded, "alerts", path, filename="alerts.xlsx")
    assert time.monotonic() - started < 2
    assert report.ok, report.problems
    assert report.created == 1


def test_a_value_in_the_last_cell_of_the_sheet_is_one_cell(seeded: Engine, tmp_path: Path) -> None:
    rows = [header_row_xml(ALERT_COLUMNS), '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>']
    path = write_xlsx(tmp_path / "alerts.xlsx", rows, dimension="A1:XFD1048576")
    report = _refused(seeded, "alerts", path, "alerts.xlsx")
    assert _messages(report)[0] == (
        "alerts.xlsx:1048576:-: this row has more cells than the header names"
    )


def test_a_zip_bomb_is_refused_from_the_zip_directory(seeded: Engine, tmp_path: Path) -> None:
    """Twenty million identical rows pack a thousandfold: refused before any is unpacked."""
    path = write_xlsx(
        tmp_path / "alerts.xlsx",
        [header_row_xml(ALERT_COLUMNS), *repeated("<row><c><v>1</v></c></row>", 400_000)],
        level=9,
    )
    report = _refused(seeded, "alerts", path, "alerts.xlsx")
    [message] = _messages(report)
    assert message.startswith("alerts.xlsx:1:-: the workbook's part xl/worksheets/sheet1.xml ")
    assert "times its packed size, more than the 200 times one import accepts" in message


def test_a_workbook_unpacking_beyond_the_limit_is_refused(seeded: Engine, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "alerts.xlsx", [header_row_xml(ALERT_COLUMNS)])
    report = _refused(
        seeded, "alerts", path, "alerts.xlsx", limits=ImportLimits(unpacked_bytes=200)
    )
    [message] = _messages(report)
    assert message.startswith("alerts.xlsx:1:-: the workbook unpacks to ")
    assert "more than the 200 bytes one import reads" in message


def test_rows_beyond_the_limit_are_refused_while_reading(seeded: Engine, tmp_path: Path) -> None:
    """The row limit holds without the ratio check: blank rows count, numbered or not."""
    path = write_xlsx(
        tmp_path / "alerts.xlsx",
        [header_row_xml(ALERT_COLUMNS), *numbered_rows(2, 5_000, "<c><v>1</v></c>")],
    )
    limits = ImportLimits(rows=1_000, compression_ratio=10**9)
    report = _refused(seeded, "alerts", path, "alerts.xlsx", limits=limits)
    assert _messages(report) == [
        "alerts.xlsx:1001:-: the file has more than 1,000 rows, the most one import reads "
        "(blank rows count): split it into parts"
    ]


def test_the_row_limit_is_excels_own(seeded: Engine, tmp_path: Path) -> None:
    rows = [header_row_xml(ALERT_COLUMNS), '<row r="1048577"><c r="A1048577"><v>1</v></c></row>']
    report = _refused(seeded, "alerts", write_xlsx(tmp_path / "a.xlsx", rows), "alerts.xlsx")
    assert _messages(report)[0].startswith(
        "alerts.xlsx:1048577:-: the file has more than 1,048,576 rows"
    )


def test_too_many_shared_strings_are_refused(seeded: Engine, tmp_path: Path) -> None:
    strings = (f"<si><t>text {n}</t></si>" for n in range(5_000))
    path = write_xlsx(
        tmp_path / "alerts.xlsx", [header_row_xml(ALERT_COLUMNS)], shared_strings=strings
    )
    limits = ImportLimits(shared_strings=1_000, compression_ratio=10**9)
    report = _refused(seeded, "alerts", path, "alerts.xlsx", limits=limits)
    assert _messages(report) == [
        "alerts.xlsx:1:-: the workbook has more than 1,000 different texts (shared strings), "
        "the most one import reads: split it into parts or save it as CSV"
    ]


def test_a_declared_count_of_shared_strings_is_refused_at_once(
    seeded: Engine, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "alerts.xlsx",
        [header_row_xml(ALERT_COLUMNS)],
        shared_strings=[],
        sst_attributes='uniqueCount="30000000"',
    )
    report = _refused(seeded, "alerts", path, "alerts.xlsx")
    assert "more than 2,000,000 different texts" in _messages(report)[0]


def test_a_huge_shared_string_is_refused_as_it_is_read(seeded: Engine, tmp_path: Path) -> None:
    """A text longer than a spreadsheet cell holds (here 2 MB) is refused without holding it."""
    path = write_xlsx(
        tmp_path / "alerts.xlsx",
        [header_row_xml(ALERT_COLUMNS)],
        shared_strings=["<si><t>", *repeated("a", 2_000_000, per_block=100_000), "</t></si>"],
    )
    report = _refused(
        seeded, "alerts", path, "alerts.xlsx", limits=ImportLimits(compression_ratio=10**9)
    )
    assert _messages(report) == [
        "alerts.xlsx:1:-: text number 1 of the workbook's shared strings is longer than 32,767 "
        "characters, the most a spreadsheet cell holds"
    ]


def test_a_huge_inline_text_names_its_cell(seeded: Engine, tmp_path: Path) -> None:
    rows = [
        header_row_xml(ALERT_COLUMNS),
        f'<row r="2"><c r="G2" t="inlineStr"><is><t>{"b" * 40_000}</t></is></c></row>',
    ]
    report = _refused(seeded, "alerts", write_xlsx(tmp_path / "a.xlsx", rows), "alerts.xlsx")
    assert _messages(report) == [
        "alerts.xlsx:2:-: cell G2 holds a text longer than 32,767 characters, the most a "
        "spreadsheet cell holds"
    ]


def test_an_endless_element_is_refused(seeded: Engine, tmp_path: Path) -> None:
    """An attribute of megabytes (no spreadsheet writes one) is refused before it is held."""
    rows = [header_row_xml(ALERT_COLUMNS), f'<row r="2" x="{"z" * 5_000_000}"></row>']
    report = _refused(
        seeded,
        "alerts",
        write_xlsx(tmp_path / "a.xlsx", rows),
        "alerts.xlsx",
        limits=ImportLimits(compression_ratio=10**9),
    )
    assert "has an element longer than 4 MB, which no spreadsheet writes" in _messages(report)[0]


def test_cells_beyond_the_limit_are_refused(seeded: Engine, tmp_path: Path) -> None:
    rows = [
        header_row_xml(ALERT_COLUMNS),
        *(f'<row r="{n}">{_alert_cells(n)}</row>' for n in (2, 3)),
    ]
    path = write_xlsx(tmp_path / "alerts.xlsx", rows)
    report = _refused(seeded, "alerts", path, "alerts.xlsx", limits=ImportLimits(cells=20))
    assert _messages(report) == [
        "alerts.xlsx:3:-: the file has more than 20 cells, the most one import reads: split it "
        "into parts"
    ]


def test_a_cell_beyond_the_column_limit_names_the_cell(seeded: Engine, tmp_path: Path) -> None:
    rows = [header_row_xml(ALERT_COLUMNS), '<row r="2"><c r="Z2"><v>1</v></c></row>']
    path = write_xlsx(tmp_path / "alerts.xlsx", rows)
    report = _refused(seeded, "alerts", path, "alerts.xlsx", limits=ImportLimits(columns=20))
    assert _messages(report) == [
        "alerts.xlsx:2:-: cell Z2 is beyond the 20 columns one import reads"
    ]


def test_a_dtd_is_refused(seeded: Engine, tmp_path: Path) -> None:
    """No entity can expand (the billion laughs): a DTD in any part is refused."""
    path = write_xlsx(tmp_path / "alerts.xlsx", [header_row_xml(ALERT_COLUMNS)])
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    import zipfile

    out = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode() + data.replace(b"<sheetData>", b"<sheetData>&lol2;")
            new.writestr(item, data)
    report = _refused(seeded, "alerts", out, "alerts.xlsx")
    assert _messages(report) == [
        "alerts.xlsx:1:-: not a readable XLSX workbook (it declares a DTD)"
    ]


# --- XLSX: which sheet, formulas, error values ----------------------------------------------------


def _workbook(rows: list[list[Any]], *, hidden_first: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    if hidden_first:
        sheet.title = "Lookups"
        sheet.append(["not", "the", "data"])
        sheet.sheet_state = "hidden"
        sheet = workbook.create_sheet("Alerts")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_first_visible_sheet_is_read(seeded: Engine) -> None:
    rows = [ALERT_COLUMNS, list(good_row("alerts").values())]
    report = run(seeded, "alerts", _workbook(rows, hidden_first=True), filename="alerts.xlsx")
    assert report.ok, report.problems
    assert report.created == 1


def test_a_workbook_of_hidden_sheets_is_refused(seeded: Engine, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [header_row_xml(ALERT_COLUMNS)], sheet_state="hidden")
    report = _refused(seeded, "alerts", path, "alerts.xlsx")
    assert _messages(report) == [
        "alerts.xlsx:1:-: the workbook has no visible worksheet: unhide the sheet to import"
    ]


def test_a_formula_without_a_saved_value_names_its_cell(seeded: Engine) -> None:
    """openpyxl saves formulas without results: an optional column is not read as blank."""
    row = list(good_row("alerts", status="open", closed_on="").values())
    row[ALERT_COLUMNS.index("closed_on")] = '=IF(H2="closed",TODAY(),"")'
    report = _refused(seeded, "alerts", _workbook([ALERT_COLUMNS, row]), "alerts.xlsx")
    assert _messages(report) == [
        'alerts.xlsx:2:closed_on: cell I2 holds a formula (\'=IF(H2="closed",TODAY(),"")\') '
        "with no saved value: open the file in a spreadsheet program and save it, or paste values"
    ]


def test_a_formula_in_an_ignored_column_does_not_matter(seeded: Engine) -> None:
    rows = [[*ALERT_COLUMNS, "check"], [*good_row("alerts").values(), "=A2&B2"]]
    report = run(seeded, "alerts", _workbook(rows), filename="alerts.xlsx")
    assert report.ok, report.problems


@pytest.mark.parametrize(
    "error", ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!"]
)
def test_spreadsheet_error_values_are_refused_naming_the_cell(seeded: Engine, error: str) -> None:
    row = list(good_row("alerts").values())
    row[ALERT_COLUMNS.index("summary")] = error  # openpyxl writes these as error cells
    report = _refused(seeded, "alerts", _workbook([ALERT_COLUMNS, row]), "alerts.xlsx")
    assert _messages(report) == [
        f"alerts.xlsx:2:summary: '{error}' is a spreadsheet error value, not data: correct the "
        "formula that gave it, or clear the cell"
    ]


@pytest.mark.parametrize("error", ["#N/A", " #n/a ", "#DIV/0!"])
def test_spreadsheet_error_values_are_refused_as_text_in_a_csv(seeded: Engine, error: str) -> None:
    data = csv_bytes([good_row("alerts", alert_id=error), good_row("alerts", 2, summary=error)])
    report = _refused(seeded, "alerts", data, "alerts.csv")
    shown = error.strip()
    assert [(p.row, p.column) for p in report.problems] == [(2, "alert_id"), (3, "summary")]
    assert all(f"'{shown}' is a spreadsheet error value" in p.message for p in report.problems)


def test_a_summary_beginning_with_a_hash_is_still_text(seeded: Engine) -> None:
    report = run(seeded, "alerts", csv_bytes([good_row("alerts", summary="#1 concern: late")]))
    assert report.ok, report.problems


# --- CSV: blank lines, long cells, wide rows ------------------------------------------------------


def test_millions_of_blank_lines_are_refused_at_the_row_limit(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts")]) + b"\n" * 3_000_000
    report = _refused(seeded, "alerts", data, "alerts.csv")
    assert _messages(report) == [
        "alerts.csv:1048577:-: the file has more than 1,048,576 rows, the most one import reads "
        "(blank rows count): split it into parts"
    ]


def test_a_long_cell_in_a_column_names_its_row_and_column(seeded: Engine) -> None:
    """Longer than the CSV module's own field limit (131,072): the column's rule reports it."""
    data = csv_bytes([good_row("alerts"), good_row("alerts", 2, summary="x" * 200_000)])
    report = _refused(seeded, "alerts", data, "alerts.csv")
    assert _messages(report) == [
        "alerts.csv:3:summary: at most 2,000 characters allowed (this has 200,000)"
    ]


def test_a_long_cell_in_an_ignored_column_never_rejects_the_file(seeded: Engine) -> None:
    rows = [good_row("alerts") | {"notes": "y" * 300_000}, good_row("alerts", 2)]
    report = run(seeded, "alerts", csv_bytes(rows))
    assert report.ok, report.problems
    assert report.unknown_columns == ["notes"]


def test_a_long_code_or_header_is_quoted_short(seeded: Engine) -> None:
    words = "word " * 200_000
    report = _refused(
        seeded, "alerts", csv_bytes([good_row("alerts", severity=words) | {words: "x"}]), "a.csv"
    )
    assert [p.column for p in report.problems] == ["severity"]
    assert report.problems[0].message.startswith("'word word word")
    assert len(report.problems[0].message) < 400
    assert report.unknown_columns == ["word word word word word word word word…"]


def test_a_line_with_more_cells_than_the_column_limit_is_refused(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts")]) + b"," * 50 + b"\r\n"
    report = _refused(seeded, "alerts", data, "alerts.csv", limits=ImportLimits(columns=20))
    assert _messages(report) == [
        "alerts.csv:3:-: line 3 has more than 20 cells, the most columns one import reads"
    ]


def test_csv_cells_beyond_the_limit_are_refused(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts", n) for n in range(1, 6)])
    report = _refused(seeded, "alerts", data, "alerts.csv", limits=ImportLimits(cells=30))
    assert _messages(report) == [
        "alerts.csv:4:-: the file has more than 30 cells, the most one import reads: split it "
        "into parts"
    ]


# --- the budget and cancelling --------------------------------------------------------------------


def test_the_time_budget_stops_the_import(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts", n) for n in range(1, 4)])
    report = _refused(seeded, "alerts", data, "alerts.csv", limits=ImportLimits(seconds=0))
    assert _messages(report) == [
        "alerts.csv:4:-: reading and checking the file took longer than 0 seconds, the most one "
        "import may take: split it into parts"
    ]


def test_the_memory_budget_stops_the_import(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    grows = iter(range(0, 10**12, 300 * 2**20))
    monkeypatch.setattr(sheets, "_resident_bytes", lambda: next(grows))
    data = csv_bytes([good_row("alerts", n) for n in range(1, 4)])
    report = _refused(seeded, "alerts", data, "alerts.csv", limits=ImportLimits(memory_mib=256))
    assert _messages(report) == [
        "alerts.csv:4:-: reading the file needed more than 256 MiB of memory, the most one "
        "import may use: split it into parts"
    ]


def test_cancelling_before_the_rows_are_checked(seeded: Engine) -> None:
    cancel = threading.Event()
    cancel.set()
    data = csv_bytes([good_row("alerts", n) for n in range(1, 4)])
    report = _refused(seeded, "alerts", data, "alerts.csv", cancel=cancel)
    assert _messages(report) == [f"alerts.csv:1:-: {CANCELLED}"]


def test_cancelling_while_writing_rolls_back(seeded: Engine) -> None:
    cancel = threading.Event()

    def progress(_: float, message: str) -> None:
        if message.startswith("Writing"):
            cancel.set()

    data = csv_bytes([good_row("alerts", n) for n in range(1, 30_000)])
    report = _refused(seeded, "alerts", data, "alerts.csv", cancel=cancel, progress=progress)
    assert _messages(report) == [f"alerts.csv:1:-: {CANCELLED}"]
    with Session(seeded) as session:
        assert session.scalars(select(QualityAlert)).first() is None


def test_the_defaults_are_excels_own_limits() -> None:
    assert (DEFAULT_LIMITS.rows, DEFAULT_LIMITS.columns, DEFAULT_LIMITS.cell_chars) == (
        1_048_576,
        16_384,
        32_767,
    )
    assert DEFAULT_LIMITS.file_bytes == 50 * 2**20


# --- section 6: dates and ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "column", "value"),
    [
        ("concerns", "received_on", "1026-03-01"),
        ("alerts", "raised_on", "1999-12-31"),
        ("actions", "due_on", "0001-01-01"),
        ("training", "completed_on", "1900-01-01"),
    ],
)
def test_dates_before_the_forms_earliest_are_refused(
    seeded: Engine, kind: str, column: str, value: str
) -> None:
    report = _refused(seeded, kind, csv_bytes([good_row(kind, **{column: value})]), f"{kind}.csv")
    assert (
        f"{kind}.csv:2:{column}: must not be before 2000-01-01, the earliest date the app "
        "records" in _messages(report)
    )


def test_the_earliest_date_is_the_forms(seeded: Engine) -> None:
    from sgoversight.alerts.rules import EARLIEST_DAY
    from sgoversight.intake.schemas import EARLIEST_DAY as IMPORT_EARLIEST_DAY

    assert IMPORT_EARLIEST_DAY == EARLIEST_DAY
    row = good_row("alerts", raised_on="2000-01-01", status="open", closed_on="")
    assert run(seeded, "alerts", csv_bytes([row])).ok


def test_an_xlsx_date_before_the_earliest_is_refused(seeded: Engine) -> None:
    row = list(good_row("alerts", status="open", closed_on="").values())
    row[ALERT_COLUMNS.index("raised_on")] = dt.datetime(1026, 3, 1)
    report = _refused(seeded, "alerts", _workbook([ALERT_COLUMNS, row]), "alerts.xlsx")
    assert [(p.row, p.column) for p in report.problems] == [(2, "raised_on")]


@pytest.mark.parametrize(
    "character",
    ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad", "\x07", "\U000e0041"],
    ids=["zero-width-space", "zwj", "rtl-override", "isolate", "bom", "soft-hyphen", "bell", "tag"],
)
def test_ids_with_invisible_characters_are_refused(seeded: Engine, character: str) -> None:
    data = csv_bytes([good_row("alerts", provider_id=f"P{character}1")])
    report = _refused(seeded, "alerts", data, "alerts.csv")
    code = f"U+{ord(character):04X}"
    assert _messages(report) == [
        f"alerts.csv:2:provider_id: contains an invisible or direction-changing character "
        f"({code}) at position 2: type the id again"
    ]


def test_every_control_and_format_character_is_refused_in_ids() -> None:
    import sys
    import unicodedata

    from sgoversight.intake.schemas import _INVISIBLE

    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cc", "Cf") and not _INVISIBLE.match(chr(code))
    ]
    assert missed == []


def test_names_keep_their_accents_and_scripts(seeded: Engine) -> None:
    row = good_row("providers", provider_id="Tŷ-Ŵ1", name="Łąka Care – Tŷ Gwyn")
    assert run(seeded, "providers", csv_bytes([row])).ok
    with Session(seeded) as session:
        assert session.get(Provider, "Tŷ-Ŵ1") is not None


def test_blank_lines_are_refused_within_little_memory(seeded: Engine) -> None:
    """40 MB of blank lines (3.2 GB and 21 s before) are refused fast, within 100 MiB more."""
    data = csv_bytes([good_row("alerts")]) + b"\n" * 40_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = _refused(seeded, "alerts", data, "alerts.csv")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert "more than 1,048,576 rows" in _messages(report)[0]
    assert grown_mib < 150


def test_problems_beyond_the_limit_stop_the_check(seeded: Engine) -> None:
    """A file of invalid rows is not validated to its end: the first problems are listed."""
    rows = [good_row("alerts", n, severity="bad", category="none") for n in range(1, 400)]
    report = _refused(
        seeded, "alerts", csv_bytes(rows), "alerts.csv", limits=ImportLimits(problems=50)
    )
    assert len(report.problems) == 51
    [stop] = [str(p) for p in report.problems if p.column == "-"]
    assert stop == (
        "alerts.csv:26:-: more than 50 problems: checking stopped at row 26 and the first 50 are "
        "listed; correct them and check the file again"
    )


def test_a_mapping_never_splits_a_huge_header(seeded: Engine) -> None:
    huge = "a " * 2_000_000
    row = good_row("alerts") | {huge: "x"}
    report = run(
        seeded, "alerts", csv_bytes([row]), mapping={"alerts": {"Incident ref": "alert_id"}}
    )
    assert report.ok, report.problems


def test_a_zip_of_too_many_parts_is_refused_before_listing(seeded: Engine) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(10_001):
            archive.writestr(f"p{n}", b"")
    report = _refused(seeded, "alerts", out.getvalue(), "alerts.xlsx")
    assert _messages(report) == [
        "alerts.xlsx:1:-: the workbook has 10,001 parts, more than the 10,000 one import reads "
        "(a spreadsheet has a few dozen)"
    ]


@pytest.mark.parametrize("damage", ["encrypted", "corrupt-deflate"])
def test_a_damaged_part_is_a_problem_not_a_traceback(
    seeded: Engine, tmp_path: Path, damage: str
) -> None:
    path = write_xlsx(tmp_path / "alerts.xlsx", [header_row_xml(ALERT_COLUMNS)] * 50)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x03\x04", data.find(b"xl/worksheets/sheet1.xml") - 40)
    if damage == "encrypted":
        data[at + 6] |= 1  # the local header's "encrypted" flag
        central = data.rfind(b"xl/worksheets/sheet1.xml") - 46
        data[central + 8] |= 1
    else:
        name_length = int.from_bytes(data[at + 26 : at + 28], "little")
        start = at + 30 + name_length
        data[start + 5 : start + 25] = b"\xff" * 20
    report = _refused(seeded, "alerts", bytes(data), "alerts.xlsx")
    assert _messages(report)[0].startswith("alerts.xlsx:1:-: not a readable XLSX workbook (")


def test_rows_wider_than_the_header_are_cut_as_they_are_read(
    seeded: Engine, tmp_path: Path
) -> None:
    """Thousands of rows each with a value in column XFD, in the same piece of the file as the
    header: each is held as the header's width and one more cell, never 16,384 cells."""
    rows = [header_row_xml(ALERT_COLUMNS)]
    rows += [f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 6_000)]
    path = write_xlsx(tmp_path / "alerts.xlsx", rows)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = _refused(seeded, "alerts", path, "alerts.xlsx", limits=ImportLimits(problems=100))
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 200
    assert (
        str(report.problems[0]) == "alerts.xlsx:2:-: this row has more cells than the header names"
    )


def test_a_formula_that_gave_empty_text_is_a_blank_cell(seeded: Engine, tmp_path: Path) -> None:
    """As Excel saves =IF(...,"",...) when the result is empty: `t="str"` and an empty value."""
    values = good_row("alerts", status="open", closed_on="")
    cells = "".join(
        f'<c r="{column}2" t="inlineStr"><is><t>{values[name]}</t></is></c>'
        for column, name in zip("ABCDEFGH", ALERT_COLUMNS, strict=False)
    )
    cells += '<c r="I2" t="str"><f>IF(H2="closed",TODAY(),"")</f><v></v></c>'
    path = write_xlsx(
        tmp_path / "alerts.xlsx", [header_row_xml(ALERT_COLUMNS), f'<row r="2">{cells}</row>']
    )
    report = run(seeded, "alerts", path, filename="alerts.xlsx")
    assert report.ok, report.problems
