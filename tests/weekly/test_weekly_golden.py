"""`weekly-report` gives, byte for byte, the outputs recorded under tests/fixtures/golden/weekly/.

The recorded files were written by the command as it stood before the report's rules moved from
pandas frames to plain rows, so any change of a figure, a word or a byte of the output shows here.
Two boroughs: the demo borough (a fixed seed and as-of date) over weeks with and without flags,
bank-holiday weeks and a week before its history; and a boundary borough built by hand with rows
exactly on every week edge and every flag threshold, around bank holidays and the year's end.
JSON is compared after parsing (its layout is not part of the contract); CSV and the table byte
for byte.

Set SGO_WRITE_GOLDEN=1 to record the files again (only when a change of output is intended).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from sgoversight.store.db import make_engine
from sgoversight.store.migrate import upgrade
from sgoversight.store.models import Provider
from tests.support import golden
from tests.support.golden import load_demo, run_command, same_as_recorded
from tests.support.records import alert, concern

GOLDEN = golden.GOLDEN / "weekly"
FORMATS = ("table", "csv", "json")

DEMO_WEEKS = (
    "2025-W01",  # before the demo's history: every count 0
    "2025-W35",  # late summer bank holiday (Monday 25 August 2025)
    "2025-W52",  # Christmas Day and Boxing Day 2025
    "2026-W01",  # New Year's Day 2026 (a Thursday)
    "2026-W14",  # Good Friday 2026
    "2026-W15",  # Easter Monday 2026
    "2026-W19",  # early May bank holiday 2026
    "2026-W22",  # spring bank holiday 2026
    "2026-W40",
    "2026-W46",
    "2026-W47",  # the week of the as-of date
)
BOUNDARY_WEEKS = (
    "2026-W14",
    "2026-W15",
    "2026-W22",
    "2026-W35",
    "2026-W46",
    "2026-W47",
    "2026-W48",
    "2026-W52",
    "2026-W53",
    "2027-W01",
)

# provider_id, name: names sort differently by case and accent; one reads as a formula.
PROVIDERS = [
    ("P1", "Oakview"),
    ("P2", "beech house"),
    ("P3", "Ash Court"),
    ("=P4", "=cmd()"),
    ("P5", "Élan Lodge"),
    ("P6", "Quiet Care"),
    ("P7", "Zephyr Homes"),
    ("P8", "ash court annexe"),
]
# alert_id, provider_id, raised_on, closed_on, severity, raised_by
ALERTS = [
    # 2026-W47 (Monday 16 to Sunday 22 November 2026)
    ("B-A01", "P1", "2026-11-16", None, "medium", "commissioner"),  # Monday: P1's 1st
    ("B-A02", "P1", "2026-11-22", None, "low", "commissioner"),  # Sunday: P1's 2nd
    ("B-A03", "P1", "2026-11-15", None, "medium", "commissioner"),  # Sunday before: W46
    ("B-A04", "P2", "2026-11-16", "2026-11-22", "medium", "commissioner"),  # closed Sunday
    ("B-A05", "P3", "2026-11-22", None, "critical", "commissioner"),  # critical on Sunday
    ("B-A06", "P3", "2026-11-23", None, "critical", "commissioner"),  # Monday after: W48
    ("B-A07", "P5", "2026-11-18", None, "medium", "cqc"),  # rating fell
    ("B-A08", "P6", "2026-11-19", "2026-11-23", "high", "commissioner"),  # closed Monday after
    ("B-A09", "P7", "2026-11-17", "2026-11-17", "low", "commissioner"),  # P7: 3 alerts
    ("B-A10", "P7", "2026-11-18", None, "low", "commissioner"),
    ("B-A11", "P7", "2026-11-19", None, "low", "commissioner"),
    ("B-A12", "P8", "2026-11-20", "2026-11-20", "critical", "commissioner"),  # closed same day
    ("B-A13", "P6", "2026-01-05", "2026-11-15", "medium", "commissioner"),  # closed Sunday before
    ("B-A14", "P6", "2026-01-05", "2026-11-16", "medium", "commissioner"),  # closed Monday
    ("B-A15", "P6", "2026-01-05", None, "medium", "commissioner"),  # never closed
    # bank holidays and the year's end
    ("B-A16", "P2", "2026-04-03", "2026-04-06", "high", "commissioner"),  # Good Friday, Easter Mon
    ("B-A17", "P2", "2026-05-25", None, "critical", "commissioner"),  # spring bank holiday
    ("B-A18", "P1", "2026-08-31", "2026-12-28", "medium", "commissioner"),  # summer; Boxing sub
    ("B-A19", "P1", "2026-12-27", "2027-01-01", "medium", "commissioner"),  # Sunday of W52
    ("B-A20", "P1", "2026-12-28", None, "medium", "commissioner"),  # Monday of W53
    ("B-A21", "P1", "2027-01-03", "2027-01-04", "medium", "commissioner"),  # Sunday of W53
]
# concern_id, provider_id, received_on, source_of_risk, abuse_type, location, started, concluded
CONCERNS = [
    ("B-C01", "P1", "2026-11-22", "service_provider", "neglect", "care_home_residential",
     None, None),  # P1's 3rd: flagged at exactly 3
    ("B-C02", "P2", "2026-11-22", "service_provider", "physical", "care_home_nursing",
     None, None),  # P2's 2nd: not flagged at 2
    ("B-C03", "P2", "2026-11-16", "known_to_individual", "financial", "own_home",
     None, None),  # about P2, another source of risk: not counted for the flag
    ("B-C04", "=P4", "2026-11-16", "known_to_individual", "organisational", "community_service",
     "2026-11-16", None),  # organisational abuse on Monday; enquiry started Monday
    ("B-C05", "P6", "2026-11-15", "service_provider", "organisational", "own_home",
     None, None),  # Sunday before: W46
    ("B-C06", "P6", "2026-11-23", "service_provider", "organisational", "own_home",
     None, None),  # Monday after: W48
    ("B-C07", None, "2026-10-01", "unknown_to_individual", "domestic", "own_home",
     "2026-11-15", "2026-11-22"),  # started Sunday before; concluded Sunday
    ("B-C08", None, "2026-10-01", "unknown_to_individual", "sexual", "own_home",
     "2026-11-22", "2026-11-23"),  # started Sunday; concluded Monday after
    ("B-C09", None, "2026-11-19", "known_to_individual", "cuckooing", "hospital_acute",
     "2026-11-19", "2026-11-16"),  # concluded Monday
    ("B-C10", None, "2026-11-18", "unknown_to_individual", "organisational", "other",
     None, None),  # organisational abuse about no provider: no flag
    # bank holidays and the year's end
    ("B-C11", "P3", "2026-04-03", "service_provider", "neglect", "care_home_residential",
     "2026-04-06", "2026-05-25"),  # Good Friday; started Easter Monday; concluded spring BH
    ("B-C12", "P3", "2026-04-06", "service_provider", "organisational", "care_home_residential",
     None, None),  # Easter Monday
    ("B-C13", "P5", "2026-08-31", "service_provider", "psychological", "care_home_nursing",
     "2026-08-31", None),  # summer bank holiday
    ("B-C14", "P1", "2026-12-25", "service_provider", "neglect", "care_home_residential",
     None, None),  # Christmas Day (Friday, W52)
    ("B-C15", "P1", "2026-12-28", "service_provider", "neglect", "care_home_residential",
     "2026-12-28", "2027-01-01"),  # Boxing Day's substitute Monday; New Year's Day
    ("B-C16", "P1", "2027-01-03", "service_provider", "discriminatory", "care_home_residential",
     None, "2027-01-04"),  # Sunday of W53; concluded Monday of 2027-W01
    ("B-C17", "P1", "2027-01-04", "known_to_individual", "modern_slavery", "own_home",
     None, None),  # Monday of 2027-W01
]  # fmt: skip


def _load_boundary(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        for provider_id, name in PROVIDERS:
            session.add(
                Provider(
                    provider_id=provider_id, name=name, service_type="care_home", regulated=True
                )
            )
        session.flush()
        for alert_id, provider_id, raised, closed, severity, raised_by in ALERTS:
            row = alert(alert_id, provider_id, raised, closed, severity=severity)
            row.raised_by = raised_by
            session.add(row)
        for concern_id, provider_id, received, source, abuse, location, started, ended in CONCERNS:
            session.add(
                concern(
                    concern_id,
                    provider_id,
                    received,
                    source_of_risk=source,
                    abuse_type=abuse,
                    location=location,
                    started=started,
                    concluded=ended,
                )
            )
    engine.dispose()


@pytest.fixture(scope="module")
def boroughs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("weekly-golden")
    urls = {name: f"sqlite:///{folder / name}.db" for name in ("demo", "boundary")}
    load_demo(urls["demo"])
    _load_boundary(urls["boundary"])
    return urls


CASES = [
    (borough, week, output_format)
    for borough, weeks in (("demo", DEMO_WEEKS), ("boundary", BOUNDARY_WEEKS))
    for week in weeks
    for output_format in FORMATS
]


@pytest.mark.parametrize(("borough", "week", "output_format"), CASES)
def test_the_command_gives_the_recorded_output(
    boroughs: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    borough: str,
    week: str,
    output_format: str,
) -> None:
    output = run_command(
        boroughs[borough], "weekly-report", "--week", week, "--format", output_format,
        monkeypatch=monkeypatch,
    )  # fmt: skip
    extension = "txt" if output_format == "table" else output_format
    same_as_recorded(output, GOLDEN / f"{borough}-{week}.{extension}", output_format)


def test_the_boundary_borough_flags_exactly_on_the_thresholds() -> None:
    """The recorded boundary week says what its rows were built to say (so the files themselves
    are checked, not only repeated)."""
    report = json.loads((GOLDEN / "boundary-2026-W47.json").read_text(encoding="utf-8"))
    flagged = {flag["provider_id"]: flag["reasons"] for flag in report["providers_flagged"]}
    assert flagged["P1"] == ["3 quality alerts and safeguarding concerns this week (flag at 3)"]
    assert "P2" not in flagged and "P6" not in flagged
    assert flagged["P3"] == ["A critical quality alert this week"]
    assert flagged["=P4"] == ["An organisational abuse concern this week"]
    assert "P5" in flagged and "P7" in flagged and "P8" in flagged
    assert [flag["provider_id"] for flag in report["providers_flagged"]] == [
        "=P4", "P3", "P8", "P1", "P7", "P5"
    ]  # fmt: skip
    # Mon..Sun: B-C01..C04, C09, C10 received; started C04 C08 C09; concluded C07 C09.
    assert (report["concerns_received"], report["provider_concerns"]) == (6, 2)
    assert (report["enquiries_started"], report["enquiries_concluded"]) == (3, 2)
    # Open at Sunday's end: A01 A02 A03 A05 A07 A08 A10 A11 A15 A17 A18.
    assert (report["alerts_raised"], report["alerts_closed"], report["open_alerts"]) == (
        10,
        4,
        11,
    )
