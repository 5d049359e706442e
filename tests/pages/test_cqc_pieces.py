"""The CQC page pieces (ui.cqc): the Data imports section's report, a profile's key questions
and the Board's list of old inspections, each run with AppTest against a test database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.auth import SYSTEM
from sgoversight.intake import cqc
from sgoversight.store.models import Provider
from tests.fixtures.cqc_ratings import RatedLocation, write_ratings_file
from tests.pages.conftest import PROJECT_ROOT

TODAY = dt.date(2026, 11, 24)  # SGO_TODAY of the page tests
GOOD = dict.fromkeys(("overall", "safe", "effective", "caring", "responsive", "well_led"), "Good")


def _locations(overall: str, published: dt.date) -> list[RatedLocation]:
    return [
        RatedLocation("1-101", "Elmfield House", GOOD | {"overall": overall}, published),
        RatedLocation("1-102", "Birch Court", GOOD, dt.date(2022, 3, 1)),
        RatedLocation("1-201", "Hilltop Lodge", GOOD, dt.date(2022, 1, 5)),
    ]


@pytest.fixture
def rated(page_db: Engine, tmp_path: Path) -> Engine:
    """Two providers; Elmfield House's overall rating fell from Good to Requires improvement."""
    with Session(page_db) as session, session.begin():
        for provider_id, name, location in (
            ("PRV-A", "Elmfield House", "1-101"),
            ("PRV-B", "Birch Court", "1-102"),
        ):
            session.add(
                Provider(
                    provider_id=provider_id,
                    name=name,
                    service_type="care_home",
                    regulated=True,
                    cqc_rating="good",
                    cqc_location_id=location,
                )
            )
    for name, overall, published in (
        ("may.xlsx", "Good", dt.date(2025, 5, 1)),
        ("nov.xlsx", "Requires improvement", dt.date(2026, 11, 3)),
    ):
        path = write_ratings_file(tmp_path / name, 60, _locations(overall, published))
        assert cqc.import_ratings(page_db, path, actor=SYSTEM, today=TODAY).ok
    return page_db


def _profile_script() -> None:
    from sgoversight.auth import Actor, Role
    from ui import cqc as cqc_ui

    board = Actor("board", frozenset({Role.BOARD_MEMBER}))
    cqc_ui.provider_ratings(board, "PRV-A")


def _board_script() -> None:
    from sgoversight.auth import Actor, Role
    from ui import cqc as cqc_ui

    board = Actor("board", frozenset({Role.BOARD_MEMBER}))
    cqc_ui.old_inspections(board, years=2)


def test_the_profile_shows_the_key_questions_and_the_report_age(rated: Engine) -> None:
    app = AppTest.from_function(_profile_script, default_timeout=30).run()
    assert not app.exception
    captions = [c.value for c in app.caption]
    assert captions[:6] == ["Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led"]
    cards = [m.value for m in app.markdown]
    assert "**▲ Requires improvement**" in cards and cards.count("**✔ Good**") == 5
    assert any(
        "Last inspection report published 3 November 2026 (less than a month ago)" in text
        and "https://www.cqc.org.uk/location/1-101" in text
        for text in cards
    )
    history = app.dataframe[0].value
    assert list(history["Rating"][:1]) == ["▲ Requires improvement"]
    assert len(history) == 12


def test_the_board_lists_inspections_older_than_the_years(rated: Engine) -> None:
    app = AppTest.from_function(_board_script, default_timeout=30).run()
    assert not app.exception
    assert app.subheader[0].value == "Last CQC inspection more than 2 years ago"
    table = app.dataframe[0].value
    assert list(table["Provider"]) == ["Birch Court"]
    assert list(table["Last report published"]) == ["1 March 2022"]


def test_the_data_page_shows_matched_providers_alerts_and_gaps(
    rated: Engine, tmp_path: Path
) -> None:
    path = write_ratings_file(
        tmp_path / "dec.ods", 60, _locations("Inadequate", dt.date(2026, 11, 20))
    )
    report = cqc.import_ratings(rated, path, actor=SYSTEM, today=TODAY, dry_run=True)
    app = AppTest.from_file(str(PROJECT_ROOT / "pages" / "data.py"), default_timeout=30)
    app.session_state["sgo_user"] = {
        "username": "commissioner",
        "name": "Test Commissioner",
        "roles": ["commissioner"],
        "provider_id": None,
    }
    app.session_state["cqc_ratings_report"] = report
    app.run()
    assert not app.exception
    assert "(dry run: nothing written)" in app.success[0].value
    tables = {frame.value.columns[0]: frame.value for frame in app.dataframe}
    matched = tables["Provider"]
    assert list(matched["Provider"]) == ["Elmfield House", "Birch Court"]
    assert list(matched["Overall rating"]) == ["✖ Inadequate", "✔ Good"]
    alerts = tables["Alert"]
    assert list(alerts["Severity"]) == ["Critical"]
    assert "fell from Requires improvement to Inadequate" in alerts["Summary"][0]
    assert "Hilltop Lodge" in list(tables["Service"]["Service"])
