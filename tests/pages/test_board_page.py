"""The Provider Oversight Board page and the provider profile page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.models import BoardDecision, BoardMeeting, ImprovementPlan
from tests.pages.conftest import PROJECT_ROOT
from tests.support.board import seed_board

BOARD_PAGE, PROFILE_PAGE = "pages/board.py", "pages/provider.py"


@pytest.fixture
def borough(page_db: Engine) -> Engine:
    seed_board(page_db)
    return page_db


def _metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def _choose_provider(app: AppTest, provider_id: str) -> AppTest:
    picker = next(s for s in app.selectbox if s.label == "Provider")
    return picker.select(provider_id).run()


def test_counts_table_and_default_month(run_page: Callable[..., AppTest], borough: Engine) -> None:
    app = run_page(BOARD_PAGE, as_user="board", timeout=60)
    assert not app.exception
    assert app.selectbox[0].value.label == "2026-10"  # last complete month on 24 November
    assert _metric(app, "✖ Red providers") == "1"
    assert _metric(app, "▲ Amber providers") == "1"
    assert _metric(app, "● Green providers") == "1"
    table = app.dataframe[0].value
    assert list(table["Provider"]) == ["Beech Court", "Ash Lodge", "Cedar House"]
    assert list(table["Rating"]) == ["✖ Red", "▲ Amber", "● Green"]


def test_filters_narrow_the_table(run_page: Callable[..., AppTest], borough: Engine) -> None:
    app = run_page(BOARD_PAGE, as_user="board", timeout=60)
    app.multiselect[0].unselect("Green").run()
    commissioned = next(r for r in app.radio if r.label == "Commissioned")
    app = commissioned.set_value("Yes").run()
    assert list(app.dataframe[0].value["Provider"]) == ["Beech Court", "Ash Lodge"]
    app = app.text_input[0].input("ash").run()
    assert list(app.dataframe[0].value["Provider"]) == ["Ash Lodge"]


def test_board_member_agrees_and_a_plan_opens(
    run_page: Callable[..., AppTest], borough: Engine
) -> None:
    app = _choose_provider(run_page(BOARD_PAGE, as_user="board", timeout=60), "P-RED")
    app = next(b for b in app.button if b.label == "Record the decision").click().run()
    assert any("Improvement plan" in s.value for s in app.success), [e.value for e in app.error]
    with Session(borough) as session:
        decision = session.scalars(select(BoardDecision)).one()
        assert (decision.computed_rating, decision.agreed, decision.decision) == (
            "Red",
            True,
            "improvement_plan",
        )
        assert session.scalars(select(ImprovementPlan.provider_id)).all() == ["P-RED"]


def test_override_without_rationale_is_refused_and_nothing_saved(
    run_page: Callable[..., AppTest], borough: Engine
) -> None:
    app = _choose_provider(run_page(BOARD_PAGE, as_user="board", timeout=60), "P-AMB")
    next(r for r in app.radio if r.label.startswith("The Board's view")).set_value("Override")
    next(s for s in app.selectbox if s.label.startswith("Rating the Board sets")).select("Green")
    app = next(b for b in app.button if b.label == "Record the decision").click().run()
    assert any("rationale" in e.value for e in app.error)
    with Session(borough) as session:
        assert session.scalars(select(BoardDecision)).all() == []


def test_override_with_rationale_keeps_the_computed_rating(
    run_page: Callable[..., AppTest], borough: Engine
) -> None:
    app = _choose_provider(run_page(BOARD_PAGE, as_user="board", timeout=60), "P-AMB")
    next(r for r in app.radio if r.label.startswith("The Board's view")).set_value("Override")
    next(s for s in app.selectbox if s.label.startswith("Rating the Board sets")).select("Green")
    next(t for t in app.text_area if t.label.startswith("Rationale")).input("Recording error.")
    app = next(b for b in app.button if b.label == "Record the decision").click().run()
    assert any(s.value.startswith("Decision recorded") for s in app.success)
    app = app.run()
    table = app.dataframe[0].value.set_index("Provider")
    assert table.loc["Ash Lodge", "Rating"] == "▲ Amber"
    assert table.loc["Ash Lodge", "Board's rating"] == "● Green (override)"


def test_meeting_is_recorded(run_page: Callable[..., AppTest], borough: Engine) -> None:
    app = run_page(BOARD_PAGE, as_user="board", timeout=60)
    next(t for t in app.text_input if t.label == "Attendees").input("Chair, two commissioners")
    app = next(b for b in app.button if b.label == "Save the meeting").click().run()
    with Session(borough) as session:
        meeting = session.scalars(select(BoardMeeting)).one()
    assert (meeting.board_month, meeting.attendees) == ("2026-10", "Chair, two commissioners")


def test_commissioners_see_the_table_but_cannot_decide(
    run_page: Callable[..., AppTest], borough: Engine
) -> None:
    app = _choose_provider(run_page(BOARD_PAGE, as_user="commissioner", timeout=60), "P-RED")
    assert not app.exception
    assert not [b for b in app.button if b.label == "Record the decision"]


@pytest.mark.parametrize("user", ["qa", "provider", "planowner"])
def test_roles_without_board_access_are_turned_away(
    run_page: Callable[..., AppTest], borough: Engine, user: str
) -> None:
    for page in (BOARD_PAGE, PROFILE_PAGE):
        app = run_page(page, as_user=user)
        assert [e.value for e in app.error] == ["Your role does not give you access to this page."]


def test_profile_from_a_link(page_db: Engine, borough: Engine) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / PROFILE_PAGE), default_timeout=60)
    app.session_state["sgo_user"] = {
        "username": "board",
        "name": "Board",
        "roles": ["board_member"],
        "provider_id": None,
    }
    app.query_params["provider"] = "P-RED"
    app.query_params["month"] = "2026-10"
    app.run()
    assert not app.exception
    assert [h.value for h in app.header] == ["Beech Court"]
    assert "Rating for October 2026" in [c.value for c in app.caption]
    assert "**✖ Red**" in [m.value for m in app.markdown]
    assert any(m.value.startswith("- 6 quality alerts in 3 months") for m in app.markdown)
    history = app.dataframe[1].value
    assert list(history["Computed rating"])[-2:] == ["▲ Amber", "✖ Red"]
