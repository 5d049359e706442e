"""The landing page's attention lists, against hand-built records: each line lists exactly the
records its rule names, each item opens its own record, and every read keeps to the actor's scope.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight import attention, periods
from sgoversight.auth import Actor, PermissionDenied, Role
from sgoversight.board import month as board
from sgoversight.board import rules as scoring
from sgoversight.store.models import (
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    Provider,
)
from tests.support.records import alert, concern

TODAY = dt.date(2026, 11, 25)  # a Wednesday; the response time is 20 days (config/alerts.toml)
COMMISSIONER = Actor("cara", frozenset({Role.COMMISSIONER}))
SAFEGUARDING = Actor("sam", frozenset({Role.SAFEGUARDING}))
BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
PLAN_OWNER = Actor("olly", frozenset({Role.PLAN_OWNER}))
PROVIDER = Actor("pat", frozenset({Role.PROVIDER}), provider_id="PRV-A")


def _provider(provider_id: str, name: str) -> Provider:
    return Provider(
        provider_id=provider_id, name=name, service_type="care_home", regulated=True,
        commissioned=True,
    )


@pytest.fixture
def borough(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        session.add_all([_provider("PRV-A", "Ashgrove"), _provider("PRV-B", "Birchfield")])
        session.flush()
        late_critical = alert("AL-1", "PRV-A", "2026-10-01", severity="critical")
        late_low = alert("AL-2", "PRV-B", "2026-10-20", severity="low")  # due 9 Nov
        on_time = alert("AL-3", "PRV-A", "2026-11-10", severity="high")  # due 30 Nov: not late
        started = alert("AL-4", "PRV-B", "2026-11-20", severity="critical")
        started.status = "in_progress"
        closed_late = alert("AL-5", "PRV-A", "2026-09-01", "2026-11-01", severity="critical")
        session.add_all([late_critical, late_low, on_time, started, closed_late])
        session.add_all(
            [
                # Enquiries: started 2 Oct (far past 20 working days), 4 Nov (15 working days).
                concern("C-1", "PRV-A", "2026-10-01", started="2026-10-02"),
                concern("C-2", "PRV-B", "2026-11-01", started="2026-11-04"),
                concern("C-3", "PRV-B", "2026-10-01", started="2026-10-02", concluded="2026-11-20"),
                # This week (Mon 23 Nov): received Monday, not screened -> 2 working days: late.
                concern("C-4", None, "2026-11-23", source_of_risk="known_to_individual"),
                # Received today: not late yet.
                concern("C-5", "PRV-A", "2026-11-25"),
            ]
        )
        plan = ImprovementPlan(
            plan_id="PLN-A", provider_id="PRV-A", opened_on=dt.date(2026, 9, 1), reason="Red",
            status="open", owner="olly", next_review_on=dt.date(2026, 12, 1),
        )
        done_plan = ImprovementPlan(
            plan_id="PLN-B", provider_id="PRV-B", opened_on=dt.date(2026, 9, 1), reason="Red",
            status="open", owner="someone", next_review_on=dt.date(2027, 2, 1),
        )
        session.add_all([plan, done_plan])
        session.flush()
        session.add_all(
            [
                ImprovementAction(
                    action_id="ACT-1", plan_id="PLN-A", description="Overdue thing",
                    owner="olly", due_on=dt.date(2026, 11, 1),
                ),
                ImprovementAction(
                    action_id="ACT-2", plan_id="PLN-A", description="Soon thing",
                    owner="olly", due_on=dt.date(2026, 12, 5),
                ),
                ImprovementAction(
                    action_id="ACT-3", plan_id="PLN-A", description="Later thing",
                    owner="olly", due_on=dt.date(2027, 1, 30),
                ),
                ImprovementAction(
                    action_id="ACT-4", plan_id="PLN-B", description="Done thing",
                    owner="someone", due_on=dt.date(2026, 10, 1),
                    completed_on=dt.date(2026, 10, 1), evidence="Seen",
                ),
                EnhancedMonitoring(
                    provider_id="PRV-B", started_on=dt.date(2026, 10, 1),
                    review_on=dt.date(2026, 11, 20), reason="Amber",
                ),
            ]
        )
    return engine


def _lines(engine: Engine, actor: Actor) -> dict[str, attention.Line]:
    return {line.key: line for line in attention.needs_attention(engine, actor, TODAY)}


def _ids(line: attention.Line) -> list[str]:
    return [item.record_id for item in line.items]


def test_commissioner_alerts_past_response_time_most_serious_first(borough: Engine) -> None:
    lines = _lines(borough, COMMISSIONER)
    late = lines["alerts_past_response"]
    assert _ids(late) == ["AL-1", "AL-2"]
    assert late.count == 2
    assert late.items[0].detail == "Critical, 35 days past its response time"
    assert late.items[0].params == {"alert": "AL-1"}
    assert late.items[0].page == "pages/alerts.py"
    assert _ids(lines["serious_alerts_not_started"]) == ["AL-1", "AL-3"]


def test_commissioner_reviews_due_within_14_days_or_overdue(borough: Engine) -> None:
    reviews = _lines(borough, COMMISSIONER)["reviews_due"]
    assert [item.detail for item in reviews.items] == [
        "overdue by 5 days",
        "review in 6 days",
    ]
    assert reviews.items[1].params == {"plan": "PLN-A"}


def test_safeguarding_team_enquiries_and_screening(borough: Engine) -> None:
    lines = _lines(borough, SAFEGUARDING)
    assert _ids(lines["enquiries_overdue"]) == ["C-1"]
    assert _ids(lines["concerns_not_screened"]) == ["C-4"]
    assert "alerts_past_response" not in lines  # not a commissioner's line


def test_a_concern_names_its_provider_and_opens_its_profile_and_one_about_none_opens_nothing(
    borough: Engine,
) -> None:
    lines = _lines(borough, SAFEGUARDING)
    (overdue,) = lines["enquiries_overdue"].items
    assert (overdue.label, overdue.page, overdue.params) == (
        "Concern C-1 · Ashgrove",
        "pages/provider.py",
        {"provider": "PRV-A"},
    )
    (unscreened,) = lines["concerns_not_screened"].items
    assert (unscreened.label, unscreened.page, unscreened.params) == ("Concern C-4", None, {})


def test_safeguarding_lines_no_page_lists_have_no_full_list_link(borough: Engine) -> None:
    lines = _lines(borough, SAFEGUARDING)
    assert lines["enquiries_overdue"].page is None
    assert lines["concerns_not_screened"].page is None
    assert lines["flagged_this_week"].page == "pages/weekly.py"  # the report lists its flags


def test_board_awaiting_decision_and_sign_off(borough: Engine) -> None:
    lines = _lines(borough, BOARD)
    assert sorted(_ids(lines["awaiting_decision"])) == ["PRV-A", "PRV-B"]
    # Its full list is the Board's table with the providers not yet decided first.
    assert lines["awaiting_decision"].params == {
        "month": "2026-10", "order": "undecided", "show": board.AWAITING_DECISION
    }
    assert _ids(lines["awaiting_sign_off"]) == ["PLN-B"]


def test_plan_owner_sees_only_their_actions_overdue_and_due_soon(borough: Engine) -> None:
    lines = _lines(borough, PLAN_OWNER)
    assert list(lines) == ["my_actions_overdue", "my_actions_due_soon"]
    # The plans page lists a plan owner's actions with their reviews: not exactly these, so the
    # landing page lists them all.
    assert lines["my_actions_overdue"].page is None and lines["my_actions_due_soon"].page is None
    assert _ids(lines["my_actions_overdue"]) == ["ACT-1"]
    assert _ids(lines["my_actions_due_soon"]) == ["ACT-2"]
    assert lines["my_actions_due_soon"].items[0].detail == "due in 10 days"


def test_a_long_action_is_shortened_at_a_word_and_says_so(borough: Engine) -> None:
    long = "Review every care plan and risk assessment with the person or their representative"
    with Session(borough) as session, session.begin():
        session.get(ImprovementAction, "ACT-1").description = long
    (item,) = _lines(borough, PLAN_OWNER)["my_actions_overdue"].items
    assert item.label == (
        "Review every care plan and risk assessment with the person or their… · Ashgrove"
    )
    assert len(item.label.split(" · ")[0]) <= attention.ACTION_CHARS


def test_provider_user_sees_only_their_own_open_alerts(borough: Engine) -> None:
    lines = _lines(borough, PROVIDER)
    assert list(lines) == ["my_service_open_alerts"]
    assert _ids(lines["my_service_open_alerts"]) == ["AL-1", "AL-3"]


def test_provider_user_with_no_provider_sees_nothing(borough: Engine) -> None:
    with pytest.raises(PermissionDenied):
        attention.needs_attention(borough, Actor("x", frozenset({Role.PROVIDER})), TODAY)


def test_red_or_worse_providers_are_the_boards_own_ratings(borough: Engine) -> None:
    view = board.board_month(borough, COMMISSIONER, periods.last_complete_month(TODAY))
    expected = {
        r.provider_id
        for r in view.ratings
        if r.rating == scoring.RED or view.movement.get(r.provider_id) == scoring.WORSE
    }
    line = _lines(borough, COMMISSIONER)["providers_red_or_worse"]
    assert set(_ids(line)) == expected
    assert all(item.params["month"] == "2026-10" for item in line.items)


def test_board_decisions_whose_work_has_not_started(borough: Engine) -> None:
    """An improvement plan decided for PRV-C opens a plan with no owner, review date or action:
    its work has not started until the plan is set up."""
    from sgoversight.board.decisions import record_decision

    with Session(borough) as session, session.begin():
        session.add(_provider("PRV-C", "Cedarwood"))
    view = board.board_month(borough, BOARD, periods.last_complete_month(TODAY))
    rating = view.rating_of("PRV-C").rating
    record_decision(
        borough,
        BOARD,
        today=TODAY,
        board_month="2026-10",
        provider_id="PRV-C",
        computed_rating=rating,
        agreed=True,
        override_rating=None,
        rationale="",
        decision="improvement_plan",
        meeting_id=None,
    )
    line = _lines(borough, BOARD)["work_not_started"]
    assert _ids(line) == ["PRV-C"]
    assert "still needs an owner, a next review date, an action" in line.items[0].detail
    assert "PRV-C" not in _ids(_lines(borough, BOARD)["awaiting_decision"])


def test_commissioner_alerts_assigned_to_them_equal_the_register_it_opens(
    borough: Engine,
) -> None:
    from sgoversight.alerts.register import alert_register
    from sgoversight.store.models import QualityAlert

    with Session(borough) as session, session.begin():
        for alert_id, owner in (("AL-1", "cara"), ("AL-4", "cara"), ("AL-5", "cara"),
                                ("AL-2", "colin")):  # fmt: skip
            row = session.get(QualityAlert, alert_id)
            assert row is not None
            row.assigned_to = owner
    line = _lines(borough, COMMISSIONER)["alerts_assigned_to_me"]
    # AL-5 is closed: not counted. Critical first, then the oldest.
    assert _ids(line) == ["AL-1", "AL-4"]
    assert line.items[0].detail == "Critical, not started, 35 days past its response time"
    assert line.items[1].detail == "Critical, in progress, raised 5 days ago"
    assert line.params == {"assigned": "me", "status": "open,in_progress"}
    register = alert_register(
        borough, COMMISSIONER, today=TODAY, assigned=["me"], statuses=["open", "in_progress"]
    )
    assert sorted(register["alert_id"]) == sorted(_ids(line))
    assert _ids(_lines(borough, Actor("colin", frozenset({Role.COMMISSIONER})))[
        "alerts_assigned_to_me"
    ]) == ["AL-2"]
    assert "alerts_assigned_to_me" not in _lines(borough, PROVIDER)


def test_board_month_given_by_the_caller_is_used_not_scored_again(
    borough: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that has the Board month cached passes it in: the lines are the same, the month is
    asked for once (for both the commissioner's and the Board's lines) and nothing is scored."""
    admin = Actor("ada", frozenset({Role.ADMIN}))
    expected = attention.needs_attention(borough, admin, TODAY)
    month = periods.last_complete_month(TODAY)
    view = board.board_month(borough, admin, month)
    asked: list[periods.Period] = []

    def cached(wanted: periods.Period) -> board.BoardMonth:
        asked.append(wanted)
        return view

    def not_again(*args: object, **kwargs: object) -> board.BoardMonth:
        raise AssertionError("the Board month was scored again")

    monkeypatch.setattr(board, "board_month", not_again)
    assert attention.needs_attention(borough, admin, TODAY, board_view=cached) == expected
    assert asked == [month]


def test_plan_with_an_action_completed_after_today_is_not_awaiting_sign_off(
    borough: Engine,
) -> None:
    with Session(borough) as session, session.begin():
        session.add(
            ImprovementAction(
                action_id="ACT-5", plan_id="PLN-B", description="Finished next week",
                owner="someone", due_on=dt.date(2026, 12, 1),
                completed_on=dt.date(2026, 12, 2), evidence="Booked",
            )
        )
    assert _ids(_lines(borough, BOARD)["awaiting_sign_off"]) == []


def test_red_or_worse_is_red_or_any_rating_worse_than_last_month_red_first(
    borough: Engine,
) -> None:
    """board.red_or_worse: Red whatever its movement, Amber or Green only when worse than the
    month before; Red first, then by name."""
    from dataclasses import replace

    view = board.board_month(borough, COMMISSIONER, periods.last_complete_month(TODAY))
    template = view.ratings[0]
    ratings = [
        replace(template, provider_id="P-1", provider_name="Zed", rating=scoring.RED),
        replace(template, provider_id="P-2", provider_name="Alder", rating=scoring.GREEN),
        replace(template, provider_id="P-3", provider_name="Beech", rating=scoring.AMBER),
        replace(template, provider_id="P-4", provider_name="Cherry", rating=scoring.AMBER),
        replace(template, provider_id="P-5", provider_name="Damson", rating=scoring.RED),
    ]
    movement = {"P-1": scoring.BETTER, "P-2": scoring.WORSE, "P-3": scoring.SAME,
                "P-4": scoring.NEW, "P-5": scoring.WORSE}
    chosen = board.red_or_worse(replace(view, ratings=ratings, movement=movement))
    assert [r.provider_id for r in chosen] == ["P-5", "P-1", "P-2"]


def test_each_line_with_a_full_list_opens_it_filtered_by_its_own_rule(borough: Engine) -> None:
    """The Board's Red-or-worse line opens the Board table filtered by board.red_or_worse, and
    each plan line opens the plans page filtered by attention.plan_list: the same records."""
    commissioner = _lines(borough, COMMISSIONER)
    red = commissioner["providers_red_or_worse"]
    assert red.params == {"month": "2026-10", "show": board.RED_OR_WORSE}
    view = board.board_month(borough, COMMISSIONER, periods.last_complete_month(TODAY))
    assert _ids(red) == [r.provider_id for r in board.red_or_worse(view)]
    waiting = _lines(borough, BOARD)["awaiting_decision"]
    assert _ids(waiting) == [r.provider_id for r in board.awaiting_decision(view)]
    lines = commissioner | _lines(borough, BOARD)
    for key in attention.PLAN_LISTS:
        assert lines[key].page == "pages/plans.py"
        assert lines[key].params == {"show": key}
        alone = attention.plan_list(borough, BOARD, TODAY, key)
        assert alone == lines[key], key


def test_plan_lists_keep_to_their_permissions(borough: Engine) -> None:
    with pytest.raises(PermissionDenied):
        attention.plan_list(borough, PROVIDER, TODAY, attention.REVIEWS_DUE)
    with pytest.raises(ValueError, match="no plan list"):
        attention.plan_list(borough, BOARD, TODAY, "everything")
