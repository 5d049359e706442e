"""`python -m sgoversight standards --quarter YYYY-Qn [--format …]` (CONTRACT.md §2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli

MEASURE_KEYS = {
    "measure_id", "standard", "label", "numerator", "denominator", "value", "target", "status",
}  # fmt: skip


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("standards-cli") / "db.sqlite"
    assert run_cli(path, "init-db").returncode == 0
    return path


def test_json_is_the_contract_shape_in_contract_order(database: Path) -> None:
    result = run_cli(database, "standards", "--quarter", "2026-Q3", "--format", "json")
    assert result.returncode == 0, result.stderr
    measures = json.loads(result.stdout)
    assert [m["measure_id"] for m in measures][:3] == ["EMP-1", "EMP-2", "EMP-3"]
    assert len(measures) == 18
    assert all(set(m) >= MEASURE_KEYS for m in measures)
    assert {m["status"] for m in measures} <= {"met", "not_met", "no_data", "trend"}


def test_csv_has_a_header_and_one_row_per_measure(database: Path) -> None:
    result = run_cli(database, "standards", "--quarter", "2026-Q3", "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("measure_id,")
    assert len(lines) == 19


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026-07", "Q3-2026"])
def test_bad_quarter_is_exit_2_with_a_message(database: Path, quarter: str) -> None:
    result = run_cli(database, "standards", "--quarter", quarter)
    assert result.returncode == 2
    assert "quarter" in result.stderr
    assert result.stdout == ""
