"""`python -m sgoversight import KIND FILE [--dry-run]` (CONTRACT.md §2).

Exit 0 on success with the count line on stdout; exit 2 on a rejected file with one
`FILE:ROW:COLUMN: message` line per problem on stderr and nothing written. Unknown columns are
listed on stderr either way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fixtures.importing import GOOD, csv_bytes, good_row
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by `init-db`, copied for each test."""
    path = tmp_path_factory.mktemp("cli") / "template.db"
    result = run_cli(path, "init-db")
    assert result.returncode == 0, result.stderr
    assert "migrated" in result.stdout
    return path


@pytest.fixture
def database(initialised: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sgoversight.db"
    shutil.copyfile(initialised, path)
    return path


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_then_reimport(database: Path, tmp_path: Path) -> None:
    rows = [good_row("providers", 1) | {"colour": "red"}, good_row("providers", 2)]
    providers = _write(tmp_path, "providers.csv", csv_bytes(rows))
    first = run_cli(database, "import", "providers", str(providers))
    assert first.returncode == 0, first.stderr
    assert first.stdout == "providers.csv: 2 rows valid: 2 created, 0 updated, 0 unchanged\n"
    assert first.stderr == "providers.csv:1:colour: unknown column, ignored\n"
    again = run_cli(database, "import", "providers", str(providers))
    assert again.returncode == 0
    assert again.stdout == "providers.csv: 2 rows valid: 0 created, 0 updated, 2 unchanged\n"


def test_rejected_file_exits_2_with_problems_on_stderr(database: Path, tmp_path: Path) -> None:
    rows = [good_row("alerts", 1), good_row("alerts", 2, severity="urgent", provider_id="P9")]
    alerts = _write(tmp_path, "alerts.csv", csv_bytes(rows))
    result = run_cli(database, "import", "alerts", str(alerts))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "alerts.csv:2:provider_id: 'P1' is not a known provider (import providers first)",
        "alerts.csv:3:provider_id: 'P9' is not a known provider (import providers first)",
        "alerts.csv:3:severity: 'urgent' is not one of: low, medium, high, critical",
        # Each unknown value once, after the problems (no code is close to "urgent").
        'alerts.csv: severity: unknown value "urgent" in 1 row (first row 3); no close match',
        "alerts.csv: rejected, 3 problems in 2 rows; nothing written",
    ]


def test_dry_run_and_unreadable_file(database: Path, tmp_path: Path) -> None:
    training = _write(tmp_path, "training.csv", csv_bytes([good_row("training", 1)]))
    dry = run_cli(database, "import", "training", str(training), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == (
        "training.csv: 1 row valid: 1 created, 0 updated, 0 unchanged (dry run: nothing written)\n"
    )
    columns = [c for c in GOOD["training"] if c != "role"]
    missing = _write(tmp_path, "training2.csv", csv_bytes([good_row("training", 1)], columns))
    bad = run_cli(database, "import", "training", str(missing))
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "training2.csv:1:role: required column is missing",
        "training2.csv: rejected, 1 problem; nothing written",
    ]
    # The dry run wrote nothing, so the same file still creates its row for real.
    real = run_cli(database, "import", "training", str(training))
    assert real.stdout == "training.csv: 1 row valid: 1 created, 0 updated, 0 unchanged\n"
