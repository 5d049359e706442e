"""`python -m sgoversight score --month YYYY-MM [--format table|csv|json]` (CONTRACT.md §2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sgoversight import cli
from sgoversight.store.db import make_engine
from sgoversight.store.models import Provider, QualityAlert
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two providers: Beech Court with 6 alerts in Aug-Oct 2026 (red), Ash Lodge with none."""
    path = tmp_path_factory.mktemp("score-cli") / "db.sqlite"
    assert run_cli(path, "init-db").returncode == 0
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session, session.begin():
        for pid, name in (("P1", "Beech Court"), ("P2", "Ash Lodge")):
            session.add(
                Provider(
                    provider_id=pid,
                    name=name,
                    service_type="care_home",
                    regulated=True,
                    cqc_rating="good",
                )
            )
        session.flush()
        for n in range(6):
            session.add(
                QualityAlert(
                    alert_id=f"A{n}",
                    provider_id="P1",
                    raised_on=dt.date(2026, 8, 1) + dt.timedelta(days=14 * n),
                    raised_by="health",
                    category="falls",
                    severity="medium",
                    summary="Falls not reported",
                    status="closed",
                    closed_on=dt.date(2026, 10, 31),
                )
            )
    engine.dispose()
    return path


def test_json_is_the_contract_shape_sorted_red_first(database: Path) -> None:
    result = run_cli(database, "score", "--month", "2026-10", "--format", "json")
    assert result.returncode == 0, result.stderr
    ratings = json.loads(result.stdout)
    assert [(r["provider_name"], r["rating"]) for r in ratings] == [
        ("Beech Court", "Red"),
        ("Ash Lodge", "Green"),
    ]
    red = ratings[0]
    assert {"provider_id", "provider_name", "rating", "recommended_action", "reasons",
            "indicators"} <= set(red)  # fmt: skip
    assert red["recommended_action"] == "Improvement plan required"
    assert red["reasons"] == [
        "6 quality alerts in 3 months (red at 6)",
        "Alerts and concerns rising: 6 in 3 months against 0 in the 3 months before "
        "(amber at 1.5 times)",
    ]
    assert red["indicators"]["alerts_3m"] == 6
    assert red["indicators"]["rising_trend"] is True
    assert ratings[1]["reasons"] == []


def test_a_later_month_rescored_sees_the_window_move_on(database: Path) -> None:
    result = run_cli(database, "score", "--month", "2027-01", "--format", "json")
    ratings = {r["provider_name"]: r for r in json.loads(result.stdout)}
    assert ratings["Beech Court"]["indicators"]["alerts_3m"] == 0
    assert ratings["Beech Court"]["rating"] == "Green"


def test_table_and_csv(database: Path) -> None:
    table = run_cli(database, "score", "--month", "2026-10")
    assert table.returncode == 0, table.stderr
    assert "Beech Court" in table.stdout
    csv_out = run_cli(database, "score", "--month", "2026-10", "--format", "csv")
    assert csv_out.stdout.splitlines()[0].startswith("board_month,provider_id,provider_name,")
    assert len(csv_out.stdout.strip().splitlines()) == 3


@pytest.mark.parametrize("month", ["2026-13", "2026/10", "October"])
def test_bad_month_is_exit_2(database: Path, month: str) -> None:
    result = run_cli(database, "score", "--month", month)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "month" in result.stderr.lower()


@pytest.mark.parametrize(
    "arguments",
    [
        ("score", "--month", "2026-10"),
        ("weekly-report", "--week", "2026-W43"),
        ("standards", "--quarter", "2026-Q3"),
        ("export", "board-pack", "--month", "2026-10", "--out", "pack.xlsx"),
    ],
    ids=lambda arguments: arguments[0],
)
def test_a_database_without_tables_says_to_run_init_db(tmp_path: Path, arguments) -> None:
    """A first run before `init-db` gets the fix in words, not the driver's "no such table"."""
    arguments = tuple(str(tmp_path / a) if a.endswith(".xlsx") else a for a in arguments)
    result = run_cli(tmp_path / "never-migrated.db", *arguments)
    assert result.returncode == 1 and result.stdout == ""
    first, second = result.stderr.splitlines()[:2]
    assert first.endswith("has no tables yet: run `python -m sgoversight init-db` first")
    assert second.startswith("(what failed: OperationalError: ")  # the detail comes second
    assert not (tmp_path / "pack.xlsx").exists()


def test_a_database_that_cannot_be_reached_is_reported_as_it_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No schema hint when the schema cannot even be read: the failure itself, on one line."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    assert cli.main(["score", "--month", "2026-10"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: OperationalError: ") and "init-db" not in err
    assert "what failed" not in err


def test_a_missing_database_file_is_not_created_by_the_explanation(tmp_path: Path) -> None:
    """Explaining why a command failed reads the schema without opening a missing SQLite file,
    which would leave an empty database behind."""
    result = run_cli(tmp_path / "never-created.db", "score", "--month", "2026-10")
    assert result.returncode == 1
    assert "has no tables yet" in result.stderr
    assert not (tmp_path / "never-created.db").exists()
