"""The Provider Oversight Board page and the provider profile page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.board import month as board
from sgoversight.store.models import BoardDecision, BoardMeeting, ImprovementPlan
from tests.pages.conftest import PROJECT_ROOT
from tests.support.board import seed_board
from tests.support.records import concern

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
    assert app.selectbox[0].value == "2026-10"  # last complete month on 24 November
    assert app.query_params["month"] == "2026-10"
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
    errors = [e.value for e in app.error]
    assert errors[0].startswith("Not saved. Please put right the 1 thing"), errors
    assert "An override needs a written rationale" in errors[1], errors
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
    history = next(d.value for d in app.dataframe if "Computed rating" in d.value.columns)
    assert len(history) == 12
    assert list(history["Computed rating"])[:2] == ["✖ Red", "▲ Amber"]  # newest first
    alerts = next(d.value for d in app.dataframe if "Alert" in d.value.columns)
    assert alerts["Alert"].iloc[0] == "alerts?alert=R5"  # opens the alert in the register
    assert set(alerts["Severity"]) == {"Medium"}
    assert any(m.value.startswith("**Address:** not recorded") for m in app.markdown)
    assert [b for b in app.get("download_button") if "visit sheet" in b.proto.label]


def _button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_a_saved_decision_shows_at_once_in_the_counts_the_row_and_the_review(
    run_page: Callable[..., AppTest], borough: Engine
) -> None:
    app = _choose_provider(run_page(BOARD_PAGE, as_user="board", timeout=60), "P-RED")
    assert _metric(app, "Decisions recorded") == "0 of 3"
    app = _button(app, "Record the decision").click().run()
    assert next(s.value for s in app.success).startswith("Decision recorded. Improvement plan")
    # the same run that says "recorded" reads after the save: counts, row and review agree
    assert _metric(app, "Decisions recorded") == "1 of 3"
    row = app.dataframe[0].value.set_index("Provider").loc["Beech Court"]
    assert row["Board decision"] == "Improvement plan"
    assert row["Plan or monitoring"].endswith("(◇ Needs setting up)")
    assert any(i.value.startswith("Decided ") for i in app.info)
    assert [b.label for b in app.button if b.label.endswith("the decision")] == [
        "Amend the decision",
        "Withdraw the decision",
    ]


def test_a_second_decision_asks_for_a_reason_then_keeps_the_first_in_the_history(
    run_page: Callable[..., AppTest], borough: Engine
) -> None:
    app = _choose_provider(run_page(BOARD_PAGE, as_user="board", timeout=60), "P-AMB")
    app = _button(app, "Record the decision").click().run()  # enhanced monitoring starts
    next(s for s in app.selectbox if s.label == "Decision").select("routine_monitoring")
    app = _button(app, "Amend the decision").click().run()
    errors = [e.value for e in app.error]
    assert errors[0].startswith("Not saved. Please put right the 2 things"), errors
    assert any("say why it is being amended" in e for e in errors)
    assert any("stays open or closes" in e for e in errors)
    with Session(borough) as session:
        assert len(session.scalars(select(BoardDecision)).all()) == 1

    next(t for t in app.text_area if t.label == "Why the decision is being amended").input(
        "The provider's action plan arrived after the meeting"
    )
    next(r for r in app.radio if r.label.startswith("What happens to the work")).set_value("close")
    next(t for t in app.text_input if t.label == "Why it closes").input("No longer needed")
    app = _button(app, "Amend the decision").click().run()
    assert next(s.value for s in app.success).startswith("Decision amended."), [
        e.value for e in app.error
    ]
    row = app.dataframe[0].value.set_index("Provider").loc["Ash Lodge"]
    assert row["Board decision"] == "Routine contract monitoring"
    assert row["Plan or monitoring"] == ""
    assert any(e.label == "Earlier decisions this month (1)" for e in app.expander)
    with Session(borough) as session:
        assert sorted(d.status for d in session.scalars(select(BoardDecision))) == [
            "current",
            "superseded",
        ]


def test_the_address_bar_opens_the_month_and_provider(page_db: Engine, borough: Engine) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / BOARD_PAGE), default_timeout=60)
    app.session_state["sgo_user"] = {
        "username": "board",
        "name": "Board",
        "roles": ["board_member"],
        "provider_id": None,
    }
    app.query_params["month"] = "2026-09"
    app.query_params["provider"] = "P-RED"
    app.run()
    assert not app.exception
    assert app.selectbox[0].value == "2026-09"
    assert next(s for s in app.selectbox if s.label == "Provider").value == "P-RED"
    assert any(m.value.startswith("### Beech Court") for m in app.markdown)
    app = next(s for s in app.selectbox if s.label == "Provider").select("P-GRN").run()
    assert (app.query_params["month"], app.query_params["provider"]) == ("2026-09", "P-GRN")


def test_a_hostile_provider_in_the_address_is_shown_as_text(
    page_db: Engine, borough: Engine
) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / BOARD_PAGE), default_timeout=60)
    app.session_state["sgo_user"] = {
        "username": "board",
        "name": "Board",
        "roles": ["board_member"],
        "provider_id": None,
    }
    app.query_params["provider"] = "[sign in again](http://evil.example)"
    app.run()
    assert not app.exception
    (warning,) = app.warning
    assert "\\[sign in again\\](http:\u2060//evil" in warning.value  # no link, no bare link


def test_the_profile_shows_every_decision_with_its_status(page_db: Engine, borough: Engine) -> None:
    from sgoversight.auth import Actor, Role
    from sgoversight.board.decisions import record_decision

    board_member = Actor("bea", frozenset({Role.BOARD_MEMBER}))
    values = {"board_month": "2026-10", "provider_id": "P-AMB", "computed_rating": "Amber"}
    first = record_decision(
        page_db, board_member, agreed=True, decision="routine_monitoring", **values
    )
    record_decision(
        page_db,
        board_member,
        agreed=True,
        decision="other",
        rationale="Await the inspection",
        amends=first.decision_id,
        amend_reason="The inspection is next week",
        **values,
    )
    app = AppTest.from_file(str(PROJECT_ROOT / PROFILE_PAGE), default_timeout=60)
    app.session_state["sgo_user"] = {
        "username": "board",
        "name": "Board",
        "roles": ["board_member"],
        "provider_id": None,
    }
    app.query_params["provider"] = "P-AMB"
    app.query_params["month"] = "2026-10"
    app.run()
    assert not app.exception
    decided = next(
        d.value for d in app.dataframe if "Why amended or withdrawn" in d.value.columns
    )
    assert list(decided["Status"]) == ["Current", "Amended later"]
    assert list(decided["Why amended or withdrawn"]) == ["The inspection is next week", ""]
    # choosing another provider moves the address bar with it
    app = next(s for s in app.selectbox if s.label == "Provider").select("P-RED").run()
    assert app.query_params["provider"] == "P-RED"
    assert [h.value for h in app.header] == ["Beech Court"]


def test_a_rating_that_changed_after_the_page_was_drawn_is_named_at_the_top(
    run_page: Callable[..., AppTest], borough: Engine
) -> None:
    import datetime as dt

    from tests.support.board import _alert

    app = _choose_provider(run_page(BOARD_PAGE, as_user="board", timeout=60), "P-GRN")
    with Session(borough) as session, session.begin():  # someone imports an alert meanwhile
        session.add(_alert("G1", "P-GRN", dt.date(2026, 10, 20), "high"))
    app = _button(app, "Record the decision").click().run()
    errors = [e.value for e in app.error]
    assert errors[0].startswith("Not saved."), errors
    assert "The records now rate P-GRN Amber for 2026-10, not Green" in errors[0]
    with Session(borough) as session:
        assert session.scalars(select(BoardDecision)).all() == []


def _board_app(query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(str(PROJECT_ROOT / BOARD_PAGE), default_timeout=60)
    app.session_state["sgo_user"] = {
        "username": "board",
        "name": "Board",
        "roles": ["board_member"],
        "provider_id": None,
    }
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_the_order_is_explained_chosen_and_kept_in_the_address_by_its_code(
    page_db: Engine, borough: Engine
) -> None:
    app = _board_app({"month": "2026-10"})
    assert not app.exception
    assert app.query_params["order"] == "risk"
    assert any(m.value.endswith(board.ORDERS["risk"].explanation) for m in app.markdown)
    table = app.dataframe[0].value
    assert list(table.columns[:5]) == [
        "Provider", "Rating", "Main reason", "Recommended action", "Board decision",
    ]  # fmt: skip
    assert list(table["Last 6 months"]) == ["● ● ● ● ▲ ✖", "● ● ● ● ● ▲", "● ● ● ● ● ●"]

    picker = next(s for s in app.selectbox if s.label == "Order the table")
    app = picker.select("name").run()
    assert app.query_params["order"] == "name"
    assert list(app.dataframe[0].value["Provider"]) == ["Ash Lodge", "Beech Court", "Cedar House"]
    assert any(m.value.endswith("By provider name, A to Z.") for m in app.markdown)


def test_an_order_in_the_address_opens_it_and_an_unknown_one_falls_back_to_risk(
    page_db: Engine, borough: Engine
) -> None:
    app = _board_app({"month": "2026-10", "order": "name"})
    assert list(app.dataframe[0].value["Provider"]) == ["Ash Lodge", "Beech Court", "Cedar House"]
    app = _board_app({"month": "2026-10", "order": "Most at risk first"})
    assert not app.exception
    assert app.query_params["order"] == "risk"
    assert list(app.dataframe[0].value["Provider"]) == ["Beech Court", "Ash Lodge", "Cedar House"]


def _search(app: AppTest):
    return next(t for t in app.text_input if t.label.startswith("Search"))


def test_the_search_narrows_the_table_says_how_many_and_keeps_it_in_the_address(
    page_db: Engine, borough: Engine
) -> None:
    app = _board_app({"month": "2026-10"})
    assert len(app.dataframe[0].value) == 3
    app = _search(app).input("cedar").run()
    assert not app.exception
    assert list(app.dataframe[0].value["Provider"]) == ["Cedar House"]
    assert app.query_params["q"] == "cedar"
    assert any(
        m.value.startswith("**1** of 3 providers shown for the search “cedar”")
        for m in app.markdown
    )
    # A link (or a reload) with the search in the address opens it.
    again = _board_app({"month": "2026-10", "q": "BEECH"})
    assert _search(again).value == "BEECH"
    assert list(again.dataframe[0].value["Provider"]) == ["Beech Court"]
    # Emptying the box shows every provider and takes the search out of the address.
    app = _search(app).input("").run()
    assert len(app.dataframe[0].value) == 3
    assert "q" not in app.query_params


def test_a_search_that_finds_nothing_says_so_and_shows_the_words_as_typed(
    page_db: Engine, borough: Engine
) -> None:
    hostile = "[evil](http://x.example) **bold** .*"
    app = _board_app({"month": "2026-10", "q": hostile})
    assert not app.exception
    assert all("Main reason" not in frame.value.columns for frame in app.dataframe)  # no table
    message = next(i.value for i in app.info if "No providers match" in i.value)
    assert "\\[evil\\]" in message and "\\*\\*bold\\*\\*" in message
    assert "to see all 3" in message


def _profile_app(query: dict[str, str], user: str = "board") -> AppTest:
    app = AppTest.from_file(str(PROJECT_ROOT / PROFILE_PAGE), default_timeout=60)
    roles = {"board": ["board_member"], "commissioner": ["commissioner"]}[user]
    app.session_state["sgo_user"] = {
        "username": user, "name": user, "roles": roles, "provider_id": None,
    }  # fmt: skip
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_the_profile_searches_its_alerts_and_concerns_each_in_its_own_address_key(
    page_db: Engine, borough: Engine
) -> None:
    with Session(borough) as session, session.begin():
        session.add(concern("CON-7", "P-RED", "2026-09-01"))
        session.add(concern("CON-8", "P-RED", "2026-10-02", abuse_type="organisational"))
    app = _profile_app({"provider": "P-RED", "month": "2026-10"}, user="commissioner")
    assert not app.exception
    alerts_box = next(t for t in app.text_input if t.label.startswith("Search alert number"))
    app = alerts_box.input("august").run()
    alerts = next(d.value for d in app.dataframe if "Alert" in d.value.columns)
    assert list(alerts["Alert"]) == ["alerts?alert=R1", "alerts?alert=R0"]
    assert set(alerts["Category"]) == {"Medication"}
    assert app.query_params["alerts_q"] == "august"
    assert any(m.value.startswith("**2** of 6 alerts shown") for m in app.markdown)
    concerns_box = next(t for t in app.text_input if t.label.startswith("Search reference"))
    app = concerns_box.input("organisational").run()
    concerns = next(d.value for d in app.dataframe if "Reference" in d.value.columns)
    assert list(concerns["Reference"]) == ["CON-8"]
    assert app.query_params["concerns_q"] == "organisational"
    assert app.query_params["alerts_q"] == "august"  # each list keeps its own search
    # Another provider's profile starts with both lists unsearched.
    picker = next(s for s in app.selectbox if s.label == "Provider")
    app = picker.select("P-AMB").run()
    assert "alerts_q" not in app.query_params and "concerns_q" not in app.query_params
    assert all(t.value == "" for t in app.text_input if t.label.startswith("Search"))


def test_a_profile_search_that_finds_nothing_says_so(page_db: Engine, borough: Engine) -> None:
    app = _profile_app({"provider": "P-RED", "month": "2026-10", "alerts_q": "critical"})
    assert not app.exception
    assert not [d for d in app.dataframe if "Alert" in d.value.columns]
    assert any(i.value.startswith("No alerts match the search “critical”") for i in app.info)


def test_the_rates_and_quiet_tables_have_searches_of_their_own(
    page_db: Engine, borough: Engine
) -> None:
    app = _board_app({"month": "2026-10", "rates_q": "cedar", "q": "beech"})
    assert not app.exception
    rates = next(d.value for d in app.dataframe if "Per 10 places" in d.value.columns)
    assert list(rates["Provider"]) == ["Cedar House"]
    assert list(app.dataframe[0].value["Provider"]) == ["Beech Court"]  # the Board's own search
    assert any(m.value.startswith("**1** of 3 providers shown for the search “cedar”")
               for m in app.markdown)  # fmt: skip
    box = next(t for t in app.text_input if t.label == "Search provider name or service type")
    app = box.input("home-care").run()  # one word: "Care home" does not hold it
    rates = next(d.value for d in app.dataframe if "Per 10 places" in d.value.columns)
    assert list(rates["Provider"]) == ["Ash Lodge"]
    assert app.query_params["rates_q"] == "home-care" and app.query_params["q"] == "beech"
