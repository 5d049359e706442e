"""The Care Quality Commission (CQC) ratings import, on SQLite and PostgreSQL: matching, history,
idempotency, the downgrade alert and weekly flag, the Board indicator, refusal of a wrong layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.board.read import score_from_database
from sgoversight.intake import cqc
from sgoversight.intake.cqc_config import CqcConfig
from sgoversight.store.models import AuditEvent, CqcRating, ImportRun, Provider, QualityAlert
from sgoversight.weekly import read as weekly_read
from tests.fixtures.cqc_ratings import HEADERS, RatedLocation, write_ratings_file

TODAY = dt.date(2026, 11, 24)  # a Tuesday of ISO week 2026-W48
GOOD = dict.fromkeys(("overall", "safe", "effective", "caring", "responsive", "well_led"), "Good")
CONFIG = CqcConfig()


def _providers(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.add_all(
            [
                Provider(
                    provider_id="PRV-A",
                    name="Elmfield House",
                    service_type="care_home",
                    regulated=True,
                    cqc_rating="good",
                    cqc_location_id="1-101",
                ),
                Provider(
                    provider_id="PRV-B",
                    name="Riverside Hospital Care",
                    service_type="nursing_home",
                    regulated=True,
                    cqc_rating=None,
                    cqc_location_id=" 1-102 ",  # spaces around: still matched
                ),
                Provider(
                    provider_id="PRV-C",
                    name="Day Centre",
                    service_type="day_opportunities",
                    regulated=False,
                ),
                Provider(
                    provider_id="PRV-D",
                    name="Closed Home",
                    service_type="care_home",
                    regulated=True,
                    cqc_rating="requires_improvement",
                    cqc_location_id="1-999",
                ),
            ]
        )


def _locations(
    a: dict[str, str] | None = None, published: dt.date = dt.date(2024, 5, 1)
) -> list[RatedLocation]:
    return [
        RatedLocation("1-101", "Elmfield House", a or GOOD, published),
        # Part of the service rated Inadequate: not the whole-service group, so no alert.
        RatedLocation(
            "1-102",
            "Riverside Hospital Care",
            GOOD,
            dt.date(2023, 2, 1),
            location_type="NHS Healthcare Organisation",
            service_groups={"Medical care": "Inadequate"},
        ),
        RatedLocation("1-201", "Hilltop Lodge", GOOD, dt.date(2022, 1, 5)),
        RatedLocation(
            "1-202",
            "Meadow Surgery",
            GOOD,
            dt.date(2022, 1, 5),
            location_type="Primary Medical Services",
        ),
        RatedLocation("1-301", "Far Away Care", GOOD, dt.date(2022, 1, 5), local_authority="Leeds"),
    ]


def _import(engine: Engine, path: Path, **kwargs: object) -> cqc.CqcImportReport:
    options: dict[str, object] = {"actor": SYSTEM, "today": TODAY, "config": CONFIG} | kwargs
    return cqc.import_ratings(engine, path, **options)  # type: ignore[arg-type]


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_matches_register_locations_and_lists_the_gaps(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    path = write_ratings_file(tmp_path / "ratings.xlsx", rows=400, locations=_locations())
    report = _import(engine, path)
    assert report.ok, report.problems
    assert sorted(m.provider_id for m in report.matched) == ["PRV-A", "PRV-B"]
    riverside = next(m for m in report.matched if m.provider_id == "PRV-B")
    assert riverside.overall == "good"  # the whole-service group, not "Medical care"
    assert report.not_in_file == [("PRV-D", "Closed Home", "1-999")]
    assert report.local_authority == "Oakshire"
    gaps = {g.location_id: g for g in report.gaps}
    # Social care locations of the same authority only: not the surgery, not Leeds.
    assert "1-201" in gaps and "1-202" not in gaps and "1-301" not in gaps
    assert {(g.local_authority, g.location_type) for g in gaps.values()} == {
        ("Oakshire", "Social Care Org")
    }
    assert not {"1-101", "1-102"} & set(gaps)
    assert report.alerts == []
    assert report.new_ratings == 12
    with Session(engine) as session:
        rows = session.scalars(select(CqcRating).where(CqcRating.provider_id == "PRV-A")).all()
        assert {r.key_question: r.rating for r in rows} == dict.fromkeys(GOOD, "good")
        assert {r.published_on for r in rows} == {dt.date(2024, 5, 1)}
        assert rows[0].report_url == "https://www.cqc.org.uk/location/1-101"
        assert session.get(Provider, "PRV-B").cqc_rating == "good"
        run = session.scalars(select(ImportRun)).one()
        assert (run.kind, run.created, run.updated) == ("cqc_ratings", 12, 1)
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "cqc_ratings")).one()
        assert event.action == "import" and event.after["possible_gaps"] == list(gaps)


def test_the_configured_authority_decides_the_gaps(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    path = write_ratings_file(tmp_path / "ratings.xlsx", rows=200, locations=_locations())
    report = _import(engine, path, config=CqcConfig(local_authority="leeds"), dry_run=True)
    assert report.local_authority == "leeds"
    assert [g.location_id for g in report.gaps][:1] == ["1-301"]
    assert all(g.local_authority == "Leeds" for g in report.gaps)


def test_reimporting_the_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    worse = GOOD | {"overall": "Requires improvement", "safe": "Inadequate"}
    path = write_ratings_file(tmp_path / "ratings.xlsx", rows=300, locations=_locations(worse))
    first = _import(engine, path)
    assert first.ok and len(first.alerts) == 1
    counts = [_count(engine, model) for model in (CqcRating, QualityAlert)]
    second = _import(engine, path)
    assert second.ok
    assert (second.new_ratings, second.ratings_updated, second.alerts) == (0, 0, [])
    assert [_count(engine, model) for model in (CqcRating, QualityAlert)] == counts


def test_a_fall_keeps_history_raises_an_alert_and_flags_the_week(
    engine: Engine, tmp_path: Path
) -> None:
    _providers(engine)
    _import(engine, write_ratings_file(tmp_path / "may.xlsx", rows=200, locations=_locations()))
    later = GOOD | {"overall": "Requires improvement"}
    path = write_ratings_file(
        tmp_path / "nov.xlsx", rows=200, locations=_locations(later, dt.date(2026, 11, 3))
    )
    report = _import(engine, path)
    assert [a.provider_id for a in report.alerts] == ["PRV-A"]
    # Only the changed publications are new rows: every key question got a new date.
    assert report.new_ratings == 6
    profile = cqc.provider_ratings(engine, SYSTEM, "PRV-A")
    assert profile.current["overall"].rating == "requires_improvement"
    assert [r.rating for r in profile.history if r.key_question == "overall"] == [
        "requires_improvement",
        "good",
    ]
    assert profile.last_published == dt.date(2026, 11, 3)
    with Session(engine) as session:
        alert = session.get(QualityAlert, report.alerts[0].alert_id)
        assert alert is not None
        assert (alert.raised_by, alert.severity, alert.category, alert.status) == (
            "cqc",
            "high",
            "other",
            "open",
        )
        assert alert.raised_on == TODAY
        assert "overall rating fell from Good to Requires improvement" in alert.summary
        assert "https://www.cqc.org.uk/location/1-101" in alert.summary
        assert session.get(Provider, "PRV-A").cqc_rating == "requires_improvement"
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == alert.alert_id)
        ).one()
        assert audited.action == "create"
    flags = weekly_read.report_for_week(engine, "2026-W48").providers_flagged
    assert [(f.provider_id, f.cqc_alerts) for f in flags] == [("PRV-A", 1)]
    assert "Care Quality Commission (CQC) rating fell" in flags[0].reasons[0]
    assert weekly_read.report_for_week(engine, "2026-W47").providers_flagged == ()


def test_a_key_question_newly_inadequate_raises_a_critical_alert(
    engine: Engine, tmp_path: Path
) -> None:
    _providers(engine)
    _import(engine, write_ratings_file(tmp_path / "a.xlsx", rows=100, locations=_locations()))
    safe = GOOD | {"safe": "Inadequate"}
    report = _import(
        engine, write_ratings_file(tmp_path / "b.xlsx", rows=100, locations=_locations(safe))
    )
    assert len(report.alerts) == 1
    assert report.alerts[0].severity == "critical"
    assert "Safe newly rated Inadequate" in report.alerts[0].summary
    assert "fell" not in report.alerts[0].summary  # the overall rating stayed Good


def test_a_rise_raises_no_alert(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    better = GOOD | {"overall": "Outstanding"}
    report = _import(
        engine, write_ratings_file(tmp_path / "a.xlsx", rows=100, locations=_locations(better))
    )
    assert report.ok and report.alerts == []
    with Session(engine) as session:
        assert session.get(Provider, "PRV-A").cqc_rating == "outstanding"


def test_the_board_indicator_reads_the_latest_overall_rating(
    engine: Engine, tmp_path: Path
) -> None:
    _providers(engine)
    worse = GOOD | {"overall": "Inadequate"}
    _import(engine, write_ratings_file(tmp_path / "a.xlsx", rows=100, locations=_locations(worse)))
    ratings = {r.provider_id: r for r in score_from_database(engine, "2026-10", actor=SYSTEM)}
    assert ratings["PRV-A"].indicators["cqc_rating"] == "inadequate"
    assert ratings["PRV-A"].levels["cqc_rating"] == "Red"
    assert ratings["PRV-B"].indicators["cqc_rating"] == "good"


def test_a_dry_run_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    worse = GOOD | {"overall": "Inadequate"}
    path = write_ratings_file(tmp_path / "a.ods", rows=100, locations=_locations(worse))
    report = _import(engine, path, dry_run=True)
    assert report.ok and report.dry_run
    assert [(a.alert_id, a.severity) for a in report.alerts] == [("", "critical")]
    assert report.new_ratings == 12
    for model in (CqcRating, QualityAlert, ImportRun, AuditEvent):
        assert _count(engine, model) == 0
    with Session(engine) as session:
        assert session.get(Provider, "PRV-A").cqc_rating == "good"


def test_a_failure_while_recording_writes_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ratings, the register's rating, the alert and the audit are one transaction: all or none."""
    _providers(engine)
    real = cqc.audit.record

    def failing(session: Session, actor: Actor, action: str, *args: object, **kw: object) -> None:
        if action == "import":  # the last write of the import, after every other one
            raise RuntimeError("the disk is full")
        real(session, actor, action, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(cqc.audit, "record", failing)
    worse = GOOD | {"overall": "Inadequate"}
    path = write_ratings_file(tmp_path / "a.xlsx", rows=100, locations=_locations(worse))
    with pytest.raises(RuntimeError, match="the disk is full"):
        _import(engine, path)
    for model in (CqcRating, QualityAlert, ImportRun, AuditEvent):
        assert _count(engine, model) == 0
    with Session(engine) as session:
        assert session.get(Provider, "PRV-A").cqc_rating == "good"


def test_ods_reads_as_xlsx_does(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    locations = _locations(GOOD | {"caring": "Outstanding"})
    xlsx = _import(
        engine,
        write_ratings_file(tmp_path / "a.xlsx", rows=300, locations=locations),
        dry_run=True,
    )
    ods = _import(
        engine, write_ratings_file(tmp_path / "a.ods", rows=300, locations=locations), dry_run=True
    )
    assert ods.ok and ods.rows == xlsx.rows
    assert [m.ratings for m in ods.matched] == [
        {code: rating for code, rating in m.ratings.items()} for m in xlsx.matched
    ]


def test_a_wrong_layout_is_refused_naming_the_missing_headers(
    engine: Engine, tmp_path: Path
) -> None:
    _providers(engine)
    headers = [h for h in HEADERS if h not in {"Domain", "Latest Rating"}][::-1]
    path = write_ratings_file(tmp_path / "a.xlsx", rows=50, locations=_locations(), headers=headers)
    report = _import(engine, path)
    assert not report.ok
    assert [str(p) for p in report.problems] == [
        "a.xlsx:1:-: not the CQC ratings layout: missing headers Domain, Latest Rating"
    ]
    assert _count(engine, CqcRating) == 0
    with Session(engine) as session:
        event = session.scalars(select(AuditEvent)).one()
        assert (event.action, event.entity) == ("import_rejected", "cqc_ratings")


def test_headers_in_any_order_with_extras_are_read(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    path = write_ratings_file(
        tmp_path / "a.xlsx", rows=50, locations=_locations(), headers=HEADERS[::-1]
    )
    report = _import(engine, path, dry_run=True)
    assert report.ok and len(report.matched) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xlsx", b"Location ID,Domain\n1-101,Overall\n", "not a readable XLSX or ODS workbook"),
        ("a.ods", b"", "not a readable XLSX or ODS workbook"),
    ],
)
def test_a_file_that_is_no_workbook_is_refused(
    sqlite_engine: Engine, name: str, content: bytes, message: str
) -> None:
    report = cqc.import_ratings(sqlite_engine, content, filename=name, actor=SYSTEM, today=TODAY)
    assert len(report.problems) == 1 and message in report.problems[0].message


def test_a_workbook_without_the_locations_sheet_is_refused(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    path = write_ratings_file(tmp_path / "a.xlsx", rows=10, sheet="Providers")
    report = _import(sqlite_engine, path)
    assert "no sheet named 'Locations' (its sheets: Notes, Providers)" in str(report.problems[0])


def test_a_bad_date_of_a_matched_location_refuses_the_file(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    import xlsxwriter

    _providers(sqlite_engine)
    path = tmp_path / "bad.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Locations")
    sheet.write_row(0, 0, HEADERS)
    row = dict.fromkeys(HEADERS, "")
    row |= {
        "Location ID": "1-101",
        "Location Name": "Elmfield House",
        "Location Local Authority": "Oakshire",
        "Service / Population Group": "Overall",
        "Domain": "Overall",
        "Latest Rating": "Good",
        "Publication Date": "32/01/2024",
    }
    sheet.write_row(1, 0, [row[h] for h in HEADERS])
    workbook.close()
    report = _import(sqlite_engine, path)
    assert [str(p) for p in report.problems] == [
        "bad.xlsx:2:Publication Date: '32/01/2024' is not a date (YYYY-MM-DD or DD/MM/YYYY)"
    ]
    assert _count(sqlite_engine, CqcRating) == 0


def test_importing_needs_the_import_permission(sqlite_engine: Engine, tmp_path: Path) -> None:
    qa = Actor("qa", frozenset({Role.QA_ATTENDEE}))
    with pytest.raises(PermissionDenied):
        cqc.import_ratings(sqlite_engine, b"", filename="a.xlsx", actor=qa)


def test_old_inspections_lists_providers_past_the_configured_years(
    engine: Engine, tmp_path: Path
) -> None:
    _providers(engine)
    _import(engine, write_ratings_file(tmp_path / "a.xlsx", rows=100, locations=_locations()))
    found = cqc.old_inspections(engine, SYSTEM, TODAY, years=2)
    assert [(o.provider_id, o.last_published) for o in found] == [
        ("PRV-B", dt.date(2023, 2, 1)),
        ("PRV-A", dt.date(2024, 5, 1)),
    ]
    assert [o.provider_id for o in cqc.old_inspections(engine, SYSTEM, TODAY, years=3)] == ["PRV-B"]


def test_an_older_file_imported_late_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    _providers(engine)
    later = GOOD | {"overall": "Requires improvement"}
    newer = write_ratings_file(
        tmp_path / "nov.xlsx", rows=100, locations=_locations(later, dt.date(2026, 11, 3))
    )
    older = write_ratings_file(tmp_path / "may.xlsx", rows=100, locations=_locations())
    _import(engine, newer)
    rows = _count(engine, CqcRating)
    report = _import(engine, older)
    assert report.ok and report.alerts == []
    assert next(m for m in report.matched if m.provider_id == "PRV-A").new_ratings == 0
    assert _count(engine, CqcRating) == rows
    with Session(engine) as session:
        assert session.get(Provider, "PRV-A").cqc_rating == "requires_improvement"
