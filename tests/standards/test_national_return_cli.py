"""`python -m sgoversight national-return --year YYYY --out FILE.xlsx [--suppress]`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sgoversight.standards import national_return as nr
from sgoversight.store.db import make_engine
from tests.fixtures.importing import csv_bytes, good_row, run, seed
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh database after `init-db`, holding six concerns concluded in 2024-25."""
    path = tmp_path_factory.mktemp("national-return-cli") / "db.sqlite"
    result = run_cli(path, "init-db")
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{path}")
    try:
        seed(engine)
        rows = [good_row("concerns", number) for number in range(1, 7)]
        report = run(engine, "concerns", csv_bytes(rows))
        assert report.ok, report.problems
    finally:
        engine.dispose()
    return path


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    return list(workbook[sheet].iter_rows(values_only=True))


def test_writes_the_workbook_with_every_table(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "sac.xlsx"
    result = run_cli(database, "national-return", "--year", "2024", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "2024-25" in result.stdout and str(out) in result.stdout
    workbook = openpyxl.load_workbook(out, read_only=True)
    assert workbook.sheetnames == [nr.NOTES_SHEET, *nr.TABLES]
    headline = _rows(out, "SG1 Headline counts")
    assert (nr.CONCERNS_RECEIVED, 6) in headline
    assert (nr.ENQUIRIES_CONCLUDED, 6) in headline
    notes = dict(row[:2] for row in _rows(out, nr.NOTES_SHEET)[1:])
    assert "1 April 2024 to 31 March 2025" in notes["Reporting year"]
    assert notes["Small numbers"].startswith("Not suppressed")


def test_suppress_shows_small_counts_as_less_than_5(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared.xlsx"
    result = run_cli(database, "national-return", "--year", "2024", "--out", str(out), "--suppress")
    assert result.returncode == 0, result.stderr
    assert "<5" in result.stdout
    risk = _rows(out, "SG2 Type of risk by location")
    neglect = next(row for row in risk if row[0] == "Neglect and acts of omission")
    physical = next(row for row in risk if row[0] == "Physical abuse")
    assert neglect[-1] == 6
    assert physical[-1] == "<5"
    notes = dict(row[:2] for row in _rows(out, nr.NOTES_SHEET)[1:])
    assert notes["Small numbers"].startswith("Suppressed")


def test_an_empty_year_is_all_zeros(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.xlsx"
    result = run_cli(database, "national-return", "--year", "2030", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (nr.CONCERNS_RECEIVED, 0) in _rows(out, "SG1 Headline counts")


@pytest.mark.parametrize("year", ["24", "2024-25", "twenty", "1800", ""])
def test_a_bad_year_is_exit_2_and_writes_nothing(database: Path, tmp_path: Path, year: str) -> None:
    out = tmp_path / "sac.xlsx"
    result = run_cli(database, "national-return", "--year", year, "--out", str(out))
    assert result.returncode == 2
    assert "year" in result.stderr
    assert result.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize("name", ["sac.csv", "sac", "sac.xlsx.txt", "missing/sac.xlsx"])
def test_a_path_that_is_not_a_new_xlsx_file_is_exit_2(
    database: Path, tmp_path: Path, name: str
) -> None:
    out = tmp_path / name
    result = run_cli(database, "national-return", "--year", "2024", "--out", str(out))
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert not out.exists()


def test_a_bad_year_is_exit_2_even_with_no_database(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "none.sqlite", "national-return", "--year", "x", "--out", "a.xlsx")
    assert result.returncode == 2
    assert not (tmp_path / "none.sqlite").exists()


def test_missing_arguments_are_exit_2(database: Path) -> None:
    assert run_cli(database, "national-return", "--year", "2024").returncode == 2
    assert run_cli(database, "national-return", "--out", "sac.xlsx").returncode == 2
