"""`python -m sgoversight weekly-report --week YYYY-Www [--format table|csv|json]`.

Rules: CONTRACT.md sections 2 and 4. One SQLite database, seeded through the ORM, answers every
test; the expected figures for 2026-W47 (Monday 16 to Sunday 22 November 2026) are worked out by
hand beside each row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sgoversight.store.db import make_engine
from sgoversight.store.migrate import upgrade
from sgoversight.store.models import Provider
from sgoversight.vocabulary import ABUSE_TYPE, LOCATION
from sgoversight.weekly import read as weekly_read
from sgoversight.weekly.config import WeeklyConfig
from tests.support.cli import run_cli
from tests.support.records import alert, concern

D = dt.date.fromisoformat

PROVIDERS = [("P1", "Oakview Care Home"), ("P2", "Beech House"), ("P3", "Riverside Home Care")]

# alert_id, provider_id, raised_on, severity, closed_on
ALERTS = [
    ("A1", "P1", "2026-11-16", "medium", None),  # raised Monday; open at the end
    ("A2", "P1", "2026-11-22", "low", None),  # raised Sunday; open at the end
    ("A3", "P2", "2026-11-18", "critical", "2026-11-20"),  # raised and closed in the week
    ("A4", "P3", "2026-10-01", "high", "2026-11-22"),  # closed Sunday: closed, not open
    ("A5", "P3", "2026-10-05", "medium", "2026-11-23"),  # closed the Monday after: open
    ("A6", "P3", "2026-11-23", "critical", None),  # raised after the week: nothing
    ("A7", "P2", "2026-11-15", "high", "2026-11-15"),  # before the week: nothing
]

# concern_id, received_on, provider_id, source_of_risk, abuse_type, location, started, concluded
CONCERNS = [
    # received; a provider concern about P1; enquiry started
    ("C1", "2026-11-16", "P1", "service_provider", "neglect", "care_home_residential",
     "2026-11-17", None),
    # received; a provider concern about P1
    ("C2", "2026-11-22", "P1", "service_provider", "physical", "care_home_residential",
     None, None),
    # received; about P3 but not a provider concern; organisational abuse flags P3
    ("C3", "2026-11-19", "P3", "known_to_individual", "organisational", "community_service",
     None, None),
    # received; enquiry started and concluded in the week
    ("C4", "2026-11-20", None, "known_to_individual", "financial", "own_home",
     "2026-11-20", "2026-11-22"),
    # received long before; enquiry concluded Monday
    ("C5", "2026-10-01", None, "unknown_to_individual", "domestic", "own_home",
     "2026-10-02", "2026-11-16"),
    # the Monday after and the Sunday before: nothing
    ("C6", "2026-11-23", "P2", "service_provider", "organisational", "care_home_nursing",
     None, None),
    ("C7", "2026-11-15", "P2", "service_provider", "neglect", "care_home_nursing", None, None),
]  # fmt: skip

EXPECTED_COUNTS = {
    "concerns_received": 4,  # C1 C2 C3 C4
    "provider_concerns": 2,  # C1 C2
    "enquiries_started": 2,  # C1 C4
    "enquiries_concluded": 2,  # C4 C5
    "alerts_raised": 3,  # A1 A2 A3
    "alerts_closed": 2,  # A3 A4
    "open_alerts": 3,  # A1 A2 A5
}
EXPECTED_ABUSE = {"neglect": 1, "physical": 1, "organisational": 1, "financial": 1}
EXPECTED_LOCATION = {"care_home_residential": 2, "community_service": 1, "own_home": 1}
EXPECTED_FLAGS = [  # sorted by name
    {
        "provider_id": "P2",
        "provider_name": "Beech House",
        "reasons": ["A critical quality alert this week"],
    },
    {
        "provider_id": "P1",
        "provider_name": "Oakview Care Home",
        "reasons": ["4 quality alerts and safeguarding concerns this week (flag at 3)"],
    },
    {
        "provider_id": "P3",
        "provider_name": "Riverside Home Care",
        "reasons": ["An organisational abuse concern this week"],
    },
]


def _seed(session: Session) -> None:
    for provider_id, name in PROVIDERS:
        session.add(
            Provider(provider_id=provider_id, name=name, service_type="care_home", regulated=True)
        )
    session.flush()
    for alert_id, provider_id, raised_on, severity, closed_on in ALERTS:
        session.add(alert(alert_id, provider_id, raised_on, closed_on, severity=severity))
    for concern_id, received, provider_id, source, abuse, location, started, concluded in CONCERNS:
        session.add(
            concern(
                concern_id,
                provider_id,
                received,
                source_of_risk=source,
                abuse_type=abuse,
                location=location,
                started=started,
                concluded=concluded,
            )
        )


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("weekly-cli") / "sgoversight.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as session, session.begin():
        _seed(session)
    engine.dispose()
    return path


def _cli(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(database, "weekly-report", *args)


def test_json_matches_the_figures_worked_out_by_hand(database: Path) -> None:
    result = _cli(database, "--week", "2026-W47", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["week"], report["start"], report["end"]) == (
        "2026-W47",
        "2026-11-16",
        "2026-11-22",
    )
    assert {name: report[name] for name in EXPECTED_COUNTS} == EXPECTED_COUNTS
    assert report["concerns_by_abuse_type"] == {
        code: EXPECTED_ABUSE.get(code, 0) for code in ABUSE_TYPE.codes
    }
    assert report["concerns_by_location"] == {
        code: EXPECTED_LOCATION.get(code, 0) for code in LOCATION.codes
    }
    assert report["providers_flagged"] == EXPECTED_FLAGS


def test_csv_has_a_measure_value_row_per_figure(database: Path) -> None:
    result = _cli(database, "--week", "2026-w47", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["measure", "value"]
    values = dict(rows[1:])
    assert {name: int(values[name]) for name in EXPECTED_COUNTS} == EXPECTED_COUNTS
    assert values["concerns_by_abuse_type.organisational"] == "1"
    assert values["concerns_by_location.care_home_residential"] == "2"
    assert values["providers_flagged"] == "3"
    assert values["providers_flagged.P2"] == "Beech House: A critical quality alert this week"


def test_table_is_the_default_format(database: Path) -> None:
    result = _cli(database, "--week", "2026-W47")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Weekly safeguarding data report 2026-W47")
    assert "Providers flagged: 3" in result.stdout


def test_a_week_that_does_not_exist_exits_2_with_nothing_on_stdout(database: Path) -> None:
    result = _cli(database, "--week", "2026-W54", "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "2026-W54" in result.stderr


def test_report_for_week_reads_one_providers_rows_with_a_given_config(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            scoped = weekly_read.report_for_week(session, "2026-W47", provider_scope="P1")
        everyone = weekly_read.report_for_week(
            engine, "2026-W47", config=WeeklyConfig(flag_critical_alert=False)
        )
    finally:
        engine.dispose()
    assert (scoped.concerns_received, scoped.alerts_raised, scoped.open_alerts) == (2, 2, 2)
    assert [flag.provider_id for flag in scoped.providers_flagged] == ["P1"]
    assert [flag.provider_id for flag in everyone.providers_flagged] == ["P1", "P3"]
