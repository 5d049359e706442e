"""A provider's complete profile: contact details from the providers file, its alerts and
concerns as lists (concerns without anything about the person), 12 months of ratings with the
Board's decisions, open plans and monitoring with their next review dates, and the one-page PDF
for a contract-monitoring visit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM, Actor, Role
from sgoversight.board import month as board
from sgoversight.board.decisions import record_decision
from sgoversight.board.profile_pdf import MAX_ALERTS, profile_pdf
from sgoversight.intake.importing import import_file
from sgoversight.periods import parse_month
from sgoversight.store.models import EnhancedMonitoring, ImprovementPlan, Provider
from tests.support.board import seed_board
from tests.support.pdftext import pdf_text
from tests.support.records import alert, concern

BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
QA = Actor("quinn", frozenset({Role.QA_ATTENDEE}))
OCTOBER = parse_month("2026-10")


@pytest.fixture
def borough(engine: Engine) -> Engine:
    seed_board(engine)
    with Session(engine) as session, session.begin():
        red = session.get(Provider, "P-RED")
        assert red is not None
        red.name = "Beech Court Łódź Ŵ"
        red.address = "12 Elm Road, Northtown NT1 2AB"
        red.contact = "01234 567890"
        red.registered_manager = "Sam Patel"
        session.add(alert("OPEN-1", "P-RED", "2026-10-20", severity="critical"))
        session.add(alert("OLD-OPEN", "P-RED", "2024-01-05"))  # old, still open: listed
        session.add(alert("OLD-SHUT", "P-RED", "2024-01-05", "2024-02-01"))  # neither
        session.add(alert("ELSEWHERE", "P-AMB", "2026-10-20"))
        session.add(concern("CON-1", "P-RED", "2026-09-01", person_id="PERSON-SECRET-1"))
        session.add(
            concern(
                "CON-OLD",
                "P-RED",
                "2025-01-10",
                person_id="PERSON-SECRET-2",
                abuse_type="organisational",
                started="2025-01-12",
            )
        )  # enquiry still open: listed
        session.add(concern("CON-GONE", "P-RED", "2025-01-10", person_id="PERSON-SECRET-3"))
        session.add(
            ImprovementPlan(
                plan_id="PLAN-1",
                provider_id="P-RED",
                opened_on=dt.date(2026, 9, 1),
                reason="Medicines",
                status="open",
                owner="Jo Smith",
                next_review_on=dt.date(2026, 11, 30),
            )
        )
        session.add(
            EnhancedMonitoring(
                provider_id="P-RED",
                started_on=dt.date(2026, 9, 5),
                review_on=dt.date(2026, 12, 5),
                reason="Staffing",
            )
        )
    september = board.provider_profile(engine, BOARD, "P-RED", "2026-09").rating.rating
    record_decision(
        engine,
        BOARD,
        board_month="2026-09",
        provider_id="P-RED",
        computed_rating=september,
        agreed=True,
        override_rating=None,
        rationale="",
        decision="enhanced_monitoring",
    )
    return engine


def test_contact_alerts_and_concerns_are_listed(borough: Engine) -> None:
    profile = board.provider_profile(borough, BOARD, "P-RED", OCTOBER)
    assert profile.contact == board.ProviderContact(
        "12 Elm Road, Northtown NT1 2AB", "01234 567890", "Sam Patel"
    )
    ids = [a.alert_id for a in profile.alerts]
    assert ids[0] == "R5"  # raised 31 October: newest first
    assert "OPEN-1" in ids and "OLD-OPEN" in ids
    assert "OLD-SHUT" not in ids and "ELSEWHERE" not in ids
    opened = next(a for a in profile.alerts if a.alert_id == "OPEN-1")
    assert (opened.severity_text, opened.status_text) == ("Critical", "Open")
    assert [(c.concern_id, c.category_text, c.enquiry_open) for c in profile.concerns or []] == [
        ("CON-1", "Neglect and acts of omission", False),
        ("CON-OLD", "Organisational", True),
    ]
    assert not hasattr(profile.concerns[0], "person_id")


def test_people_who_may_not_see_concerns_get_no_concern_list(borough: Engine) -> None:
    commissioner = Actor("cam", frozenset({Role.COMMISSIONER}))
    assert board.provider_profile(borough, commissioner, "P-RED", OCTOBER).concerns is not None
    safeguarding_free = Actor("olly", frozenset({Role.BOARD_MEMBER}))
    assert board.provider_profile(borough, safeguarding_free, "P-RED", OCTOBER).alerts


def test_twelve_months_of_ratings_with_the_boards_decisions(borough: Engine) -> None:
    history = board.provider_profile(borough, BOARD, "P-RED", OCTOBER).history
    assert list(history["month"]) == [f"{y}-{m:02d}" for y, m in
        [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]]  # fmt: skip
    september = history.set_index("month").loc["2026-09"]
    assert september["decision"] == "Enhanced monitoring"
    assert september["board_rating"] == board.rag_text(september["rating"])
    assert history.set_index("month").loc["2026-10", "decision"] == ""


def test_open_plans_and_monitoring_carry_their_next_review(borough: Engine) -> None:
    profile = board.provider_profile(borough, BOARD, "P-RED", OCTOBER)
    (plan,) = profile.open_plans
    assert plan["next_review_on"] == dt.date(2026, 11, 30)
    assert [m["review_on"] for m in profile.open_monitoring][-1] == dt.date(2026, 12, 5)


def test_the_visit_sheet_is_one_page_with_the_profile_and_no_person(borough: Engine) -> None:
    with Session(borough) as session, session.begin():
        for n in range(30):  # far more open alerts than fit: the sheet stays on one page
            session.add(alert(f"MANY-{n:02d}", "P-RED", "2026-10-02"))
        for n in range(10):
            session.add(concern(f"CON-MANY-{n}", "P-RED", "2026-08-01", person_id="PERSON-SECRET"))
    profile = board.provider_profile(borough, BOARD, "P-RED", OCTOBER)
    data = profile_pdf(profile, OCTOBER, dt.date(2026, 11, 24))
    text = pdf_text(data)
    assert "Beech Court Łódź Ŵ: contract-monitoring visit" in text
    assert "12 Elm Road, Northtown NT1 2AB" in text and "Sam Patel" in text
    assert "OPEN-1" in text
    assert f"{32 - MAX_ALERTS} more open alerts on the profile in the app." in text
    assert "Neglect and acts of omission" in text
    assert "8 more concerns on the profile in the app." in text
    assert "PERSON-SECRET" not in text
    assert "Enhanced monitoring" in text and "30 Nov 2026" in text
    assert "Oct 2026" in text.rsplit("last 12 months", 1)[1]  # the history's last row fits
    assert "Page 1 of 1" in text  # one page, however many alerts and concerns


def test_the_providers_file_carries_the_contact_columns(engine: Engine, tmp_path) -> None:
    path = tmp_path / "providers.csv"
    path.write_text(
        "provider_id,name,service_type,regulated,address,contact,registered_manager\n"
        'PRV-1,Elmfield House,care_home,yes,"1 High St, Town",01234 567890,Ann Lee\n'
        "PRV-2,Oak View,home_care,no,,,\n"
    )
    report = import_file(engine, "providers", path, actor=SYSTEM)
    assert not report.problems
    with Session(engine) as session:
        rows = {
            p.provider_id: (p.address, p.contact, p.registered_manager)
            for p in session.scalars(select(Provider))
        }
    assert rows == {
        "PRV-1": ("1 High St, Town", "01234 567890", "Ann Lee"),
        "PRV-2": (None, None, None),
    }


def test_a_providers_file_without_the_contact_columns_keeps_them(engine: Engine, tmp_path) -> None:
    first = tmp_path / "providers.csv"
    first.write_text(
        "provider_id,name,service_type,regulated,address,registered_manager\n"
        "PRV-1,Elmfield House,care_home,yes,1 High St,Ann Lee\n"
    )
    assert not import_file(engine, "providers", first, actor=SYSTEM).problems
    older = tmp_path / "providers-old-format.csv"
    older.write_text(
        "provider_id,name,service_type,regulated\nPRV-1,Elmfield House,care_home,yes\n"
    )
    assert not import_file(engine, "providers", older, actor=SYSTEM).problems
    with Session(engine) as session:
        kept = session.get(Provider, "PRV-1")
        assert kept is not None
        assert (kept.address, kept.registered_manager) == ("1 High St", "Ann Lee")
