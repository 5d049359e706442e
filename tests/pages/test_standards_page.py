"""The safeguarding standards page: cards, trends, breakdowns, the narrative, access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.auth import SYSTEM
from sgoversight.narratives import read_narrative
from sgoversight.store.models import SafeguardingConcern

PAGE = "pages/standards.py"


@pytest.fixture
def seeded(page_db: Engine) -> Engine:
    """Quarter 2026-Q3 (last complete on 24 November 2026): 10 concerns, 9 screened the same day,
    4 became enquiries concluded in the quarter, all with the person asked about outcomes."""
    with Session(page_db) as session, session.begin():
        for n in range(10):
            received = dt.date(2026, 7, 1) + dt.timedelta(days=7 * n)
            enquiry = n < 4
            session.add(
                SafeguardingConcern(
                    concern_id=f"C{n}",
                    person_id=f"PER-{n}",
                    received_on=received,
                    screened_on=received if n < 9 else None,
                    referral_source="financial_institution" if n % 2 else "health_primary",
                    abuse_type="cuckooing" if n == 0 else "neglect",
                    location="own_home",
                    source_of_risk="known_to_individual",
                    age_band="65-74",
                    gender="female",
                    ethnicity="white",
                    enquiry_started_on=received if enquiry else None,
                    enquiry_concluded_on=received + dt.timedelta(days=10) if enquiry else None,
                    outcomes_asked="yes_expressed" if enquiry else None,
                )
            )
    return page_db


def _card_text(app: AppTest, measure_id: str) -> str:
    return next(m.value for m in app.markdown if f"[{measure_id} ·" in m.value)


def test_cards_show_value_status_word_and_icon(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding", timeout=60)
    assert not app.exception
    assert app.selectbox[0].value == "2026-Q3"
    assert _card_text(app, "ACC-1").startswith("**90.0%** ✔ Met")
    assert "9 of 10" in _card_text(app, "ACC-1")
    assert _card_text(app, "EMP-1").startswith("**100.0%** ✔ Met")
    assert _card_text(app, "EMP-2").startswith("**–** – No data")
    assert _card_text(app, "PROP-1").startswith("**10** ○ No target")
    assert _card_text(app, "PROP-3").startswith("**40.0%** ✔ Met")


def test_not_met_stands_out_and_each_measure_shows_its_change(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding", timeout=60)
    assert _card_text(app, "EMP-3").startswith("**0.0%** :red[**✖ Not met**]")
    assert "Not met**" not in _card_text(app, "ACC-1")
    assert "▲ up 10 on 2026-Q2" in _card_text(app, "PROP-1")  # no concerns in 2026-Q2
    assert "no figure to compare with 2026-Q2" in _card_text(app, "ACC-1")
    assert not any("Trend" in m.value for m in app.markdown)


def test_breakdowns_include_cuckooing_and_referral_sources(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding", timeout=60)
    tables = [d.value for d in app.dataframe]
    abuse = tables[0].set_index("")
    assert abuse.loc["Cuckooing", "2026-Q3"] == 1
    assert abuse["2026-Q3"].sum() == 10
    assert len(abuse.columns) == 8
    assert list(abuse.columns)[:2] == ["2026-Q3", "2026-Q2"]  # the newest quarter first


def test_safeguarding_team_saves_the_quarterly_narrative(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding", timeout=60)
    app.text_area[0].input("Screening stayed within a day for nine in ten concerns.")
    app.text_area[4].input("A story shared with consent.")
    app = app.button[0].click().run()
    assert any(s.value == "Saved 2 sections." for s in app.success)
    saved = read_narrative(seeded, SYSTEM, "standards", "2026-Q3")
    assert saved["performance_summary"].startswith("Screening stayed")
    assert saved["real_life_stories"] == "A story shared with consent."


def test_board_members_read_the_narrative_without_a_form(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="board", timeout=60)
    assert not app.exception
    assert not app.text_area
    assert any(c.value == "Not written yet." for c in app.caption)


@pytest.mark.parametrize("user", ["qa", "provider", "planowner"])
def test_roles_without_the_standards_are_turned_away(
    run_page: Callable[..., AppTest], seeded: Engine, user: str
) -> None:
    app = run_page(PAGE, as_user=user)
    assert [e.value for e in app.error] == ["Your role does not give you access to this page."]


def test_national_return_is_prepared_for_download(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding", timeout=60)
    year_picker = next(s for s in app.selectbox if s.label == "Financial year")
    assert year_picker.value == 2025  # 2025-26 is the last complete year on 24 November 2026
    year_picker.select(2026 - 1)
    prepare = next(b for b in app.button if b.label == "Prepare the return")
    app = prepare.click().run()
    assert not app.exception
    assert app.session_state["sac-return"][0] == 2025
    assert app.session_state["sac-return"][-1][:2] == b"PK"  # an XLSX (zip) file


def _opened_at(address: dict[str, str]) -> AppTest:
    """The page opened from an address with `address` as its query string."""
    from tests.pages.conftest import PROJECT_ROOT, USERS

    app = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=60)
    name, roles, provider_id = USERS["safeguarding"]
    app.session_state["sgo_user"] = {
        "username": "safeguarding", "name": name, "roles": [r.value for r in roles],
        "provider_id": provider_id,
    }  # fmt: skip
    app.query_params.update(address)
    return app.run()


def test_the_quarter_is_kept_in_the_address_by_its_id(seeded: Engine) -> None:
    app = _opened_at({"quarter": "2026-Q2"})
    assert app.selectbox[0].value == "2026-Q2"
    assert not app.warning
    app = app.selectbox[0].select("2026-Q1").run()
    assert app.query_params["quarter"] == "2026-Q1"
    assert _opened_at(dict(app.query_params)).selectbox[0].value == "2026-Q1"


def test_a_bad_quarter_in_the_address_says_so_and_shows_the_latest(seeded: Engine) -> None:
    app = _opened_at({"quarter": "2026-Q7"})
    assert not app.exception
    assert app.selectbox[0].value == "2026-Q3"
    (warning,) = app.warning
    assert "The address asks for the quarter “2026-Q7”" in warning.value
    assert "Showing 2026-Q3 instead." in warning.value


def test_every_problem_is_shown_at_once_beside_its_section(seeded: Engine) -> None:
    """Two sections over the limit: one summary at the top and each problem under its own box,
    named by the heading on the form; nothing saved."""
    from sgoversight.narratives import MAX_LENGTH

    app = _opened_at({"quarter": "2026-Q3"})
    app.text_area[1].input("x" * (MAX_LENGTH + 1))
    app.text_area[3].input("y" * (MAX_LENGTH + 5))
    app.text_area[0].input("Fine.")
    app = next(b for b in app.button if b.label == "Save the report text").click().run()
    errors = [e.value.replace("\\", "") for e in app.error]  # as shown, without Markdown escapes
    assert errors[0] == ("Not saved. Please put right the 2 things marked below and send it again.")
    assert errors.count("At most 20,000 characters, not 20,001.") == 1
    assert errors.count("At most 20,000 characters, not 20,005.") == 1
    assert not any("learning_from_reviews" in e or "practice_insights" in e for e in errors)
    assert read_narrative(seeded, SYSTEM, "standards", "2026-Q3")["performance_summary"] == ""
    assert app.text_area[1].value == "x" * (MAX_LENGTH + 1)  # what was typed is kept
