"""The improvement plans page: open a plan, add an action, mark it done, sign-off, monitoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.auth import Actor, Role
from sgoversight.plans import actions as plan_actions
from sgoversight.plans import monitoring as plan_monitoring
from sgoversight.plans import read as plan_read
from sgoversight.store.models import ImprovementPlan, Provider

PAGE = "pages/plans.py"
TODAY = dt.date(2026, 11, 24)  # SGO_TODAY in tests/pages/conftest.py
COMMISSIONER = Actor("commissioner", frozenset({Role.COMMISSIONER}))


@pytest.fixture
def seeded(page_db: Engine) -> Engine:
    with Session(page_db) as session, session.begin():
        session.add_all(
            [
                Provider(
                    provider_id="PRV-A",
                    name="Harbour View",
                    service_type="care_home",
                    regulated=True,
                ),
                Provider(
                    provider_id="PRV-B",
                    name="Willow Care",
                    service_type="home_care",
                    regulated=True,
                ),
            ]
        )
    return page_db


def _plan_with_action(engine: Engine, due: dt.date, owner: str = "planowner") -> str:
    plan_id = plan_actions.open_plan(
        engine,
        COMMISSIONER,
        "PRV-A",
        "Medication errors",
        "commissioner",
        TODAY - dt.timedelta(days=30),
        TODAY + dt.timedelta(days=30),
        today=TODAY,
    )
    plan_actions.add_action(engine, COMMISSIONER, plan_id, "Audit medicine records", owner, due)
    return plan_id


def _texts(app: AppTest) -> str:
    """Every message and markdown text on the page, Markdown escapes removed."""
    return "\n".join(
        [m.value for m in app.markdown]
        + [e.value for e in app.info]
        + [e.value for e in app.success]
        + [e.value for e in app.error]
        + [e.value for e in app.warning]
    ).replace("\\", "")


def _button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_create_plan_add_action_mark_done_and_see_progress_change(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="commissioner")
    assert not app.exception
    assert "There are no improvement plans yet." in _texts(app)

    # Open a plan.
    next(s for s in app.selectbox if s.label == "Provider").set_value("PRV-A")
    next(t for t in app.text_area if t.label == "Why the plan is needed").input(
        "Two medication errors in October"
    )
    next(t for t in app.text_input if t.label == "Plan owner (their sign-in name)").input(
        "planowner"
    )
    next(d for d in app.date_input if d.label == "Opened on").set_value(TODAY - dt.timedelta(30))
    _button(app, "Open the plan").click()
    app.run()
    assert not app.exception
    assert "Improvement plan opened." in _texts(app)
    with Session(seeded) as session:
        (plan,) = session.query(ImprovementPlan).all()
        plan_id = plan.plan_id
    assert app.query_params["plan"] in (plan_id, [plan_id])
    assert app.selectbox(key="plan_choice").value == plan_id

    # Add an action that is already overdue.
    next(t for t in app.text_area if t.label == "Action").input("Audit medicine records")
    next(t for t in app.text_input if t.label == "Owner").input("planowner")
    next(d for d in app.date_input if d.label == "Due date").set_value(TODAY - dt.timedelta(1))
    _button(app, "Add the action").click()
    app.run()
    assert not app.exception
    assert "Action added." in _texts(app)
    assert "Overdue" in _texts(app)
    assert plan_read.plan_detail(seeded, COMMISSIONER, plan_id, TODAY).progress == "Overdue"
    actions_table = app.dataframe[-1].value
    assert list(actions_table["Status"]) == ["✖ Overdue"]

    # Marking it done without evidence is refused, the problem shown beside the one box.
    _button(app, "Save and mark as done").click()
    app.run()
    assert "Not saved. Please put right the 1 thing marked below" in _texts(app)
    assert "Say what shows the action is done." in _texts(app)
    assert "Action marked done." not in _texts(app)

    next(t for t in app.text_area if t.label == "Evidence").input("Audit report dated 20 November")
    _button(app, "Save and mark as done").click()
    app.run()
    assert not app.exception
    assert "Action marked done." in _texts(app)
    detail = plan_read.plan_detail(seeded, COMMISSIONER, plan_id, TODAY)
    assert detail.progress == "On track"
    assert "On track" in _texts(app)
    assert list(app.dataframe[-1].value["Status"]) == ["✔ Done"]
    # The action picker says so too, not the status it had before the click.
    picker = next(s for s in app.selectbox if s.label == "Action")
    assert [option.split(":")[0] for option in picker.options] == ["✔ Done"]


def test_sign_off_refused_for_a_commissioner(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    _plan_with_action(seeded, TODAY + dt.timedelta(days=3))
    app = run_page(PAGE, as_user="commissioner")
    assert not app.exception
    assert "Only a Provider Oversight Board member can sign off and close a plan." in _texts(app)
    assert not [b for b in app.button if b.label == "Sign off and close"]


def test_board_member_signs_off_once_every_action_is_done(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    plan_id = _plan_with_action(seeded, TODAY + dt.timedelta(days=3))
    app = run_page(PAGE, as_user="board")
    next(t for t in app.text_area if t.label.startswith("Why the Board")).input("All embedded")
    next(c for c in app.checkbox if c.label.startswith("I sign this plan off")).check()
    _button(app, "Sign off and close").click()
    app.run()
    assert "1 action not done by" in _texts(app)

    action_id = plan_read.plan_detail(seeded, COMMISSIONER, plan_id, TODAY).actions.at[
        0, "action_id"
    ]
    plan_actions.complete_action(seeded, COMMISSIONER, action_id, TODAY, "Seen", today=TODAY)
    app.run()
    next(t for t in app.text_area if t.label.startswith("Why the Board")).input("All embedded")
    next(c for c in app.checkbox if c.label.startswith("I sign this plan off")).check()
    _button(app, "Sign off and close").click()
    app.run()
    assert not app.exception
    assert "Plan signed off and closed." in _texts(app)
    assert "signed off by board" in _texts(app)
    assert not [b for b in app.button if b.label in {"Save and mark as done", "Add the action"}]


def test_plan_owner_sees_their_due_actions_and_may_update_only_those(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    plan_id = _plan_with_action(seeded, TODAY + dt.timedelta(days=5))
    plan_actions.add_action(
        seeded, COMMISSIONER, plan_id, "Retrain staff", "Registered manager", TODAY
    )
    app = run_page(PAGE, as_user="planowner")
    assert not app.exception
    due = app.dataframe[1].value  # after the portfolio
    assert list(due["What"]) == ["Audit medicine records"]
    action_choice = next(s for s in app.selectbox if s.label == "Action")
    assert len(action_choice.options) == 1
    assert not [b for b in app.button if b.label in {"Add the action", "Open the plan"}]


def test_link_by_query_parameter_opens_that_plan(
    page_db: Engine, seeded: Engine, run_page: Callable[..., AppTest]
) -> None:
    first = _plan_with_action(seeded, TODAY + dt.timedelta(days=3))
    second = plan_actions.open_plan(
        seeded, COMMISSIONER, "PRV-B", "Missed calls", "commissioner", TODAY, TODAY, today=TODAY
    )
    from tests.pages.conftest import PROJECT_ROOT, USERS

    name, roles, provider_id = USERS["qa"]
    app = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=30)
    app.session_state["sgo_user"] = {
        "username": "qa",
        "name": name,
        "roles": [r.value for r in roles],
        "provider_id": provider_id,
    }
    app.query_params["plan"] = second
    app.run()
    assert not app.exception
    assert app.selectbox(key="plan_choice").value == second
    assert app.session_state["plans_tab"] == "One plan in detail"
    assert first != second
    assert not [b for b in app.button if b.label == "Save and mark as done"]  # QA only read


def test_monitoring_start_visit_and_stale_edit_refused(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    monitoring_id = plan_monitoring.start_monitoring(
        seeded,
        COMMISSIONER,
        "PRV-B",
        TODAY,
        TODAY + dt.timedelta(days=60),
        "Amber",
        "cal",
        today=TODAY,
    )
    app = run_page(PAGE, as_user="commissioner")
    assert app.selectbox(key="monitoring_choice").value == monitoring_id
    # Someone else records a visit after this page was drawn...
    plan_monitoring.record_visit(
        seeded, COMMISSIONER, monitoring_id, TODAY, "cal", "Fine", today=TODAY
    )
    next(t for t in app.text_area if t.label == "What was found").input("Staffing better")
    _button(app, "Record the visit").click()
    app.run()
    # ...so this save is refused, and the page now shows their visit.
    assert "someone else changed" in _texts(app)
    next(t for t in app.text_area if t.label == "What was found").input("Staffing better")
    _button(app, "Record the visit").click()
    app.run()
    assert "Visit recorded." in _texts(app)
    assert len(plan_read.monitoring_detail(seeded, COMMISSIONER, monitoring_id, TODAY).visits) == 2


def test_provider_users_get_only_their_own_workstream(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    _plan_with_action(seeded, TODAY)  # Harbour View's plan: the provider user's own
    plan_actions.open_plan(
        seeded, COMMISSIONER, "PRV-B", "Willow's reason", "commissioner",
        TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=30), today=TODAY,
    )  # fmt: skip
    app = run_page(PAGE, as_user="provider")
    assert not app.exception and not app.error
    assert not app.tabs  # no portfolio, no other plan, no monitoring
    assert "Willow" not in _texts(app)


def test_provider_users_without_a_plan_are_told_so(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="provider")
    assert [i.value for i in app.info] == ["Your service has no open improvement plan."]


def _as(user: str, **params: str) -> AppTest:
    from tests.pages.conftest import PROJECT_ROOT, USERS

    name, roles, provider_id = USERS[user]
    app = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=30)
    app.session_state["sgo_user"] = {
        "username": user,
        "name": name,
        "roles": [r.value for r in roles],
        "provider_id": provider_id,
    }
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


def test_a_plan_the_board_opened_says_it_needs_setting_up(seeded: Engine) -> None:
    from sgoversight.board.decisions import record_decision

    recorded = record_decision(
        seeded,
        Actor("bea", frozenset({Role.BOARD_MEMBER})),
        today=TODAY,
        board_month="2026-10",
        provider_id="PRV-A",
        computed_rating="Green",
        agreed=False,
        override_rating="Red",
        rationale="Three medication incidents",
        decision="improvement_plan",
    )
    app = _as("commissioner", plan=recorded.plan_id)
    assert not app.exception
    portfolio_table = app.dataframe[0].value
    assert list(portfolio_table["Progress"]) == ["◇ Needs setting up"]
    assert "Not set up yet: it needs an owner, a next review date and an action." in _texts(app)
    assert "To set this plan up" in _texts(app)

    owners = [t for t in app.text_input if t.label == "Plan owner (their sign-in name)"]
    owners[-1].input("planowner")  # the plan's own form (the first opens a new plan)
    app = _button(app, "Save").click().run()
    assert "Plan updated." in _texts(app)
    assert "Not set up yet: it needs an action." in _texts(app)


def test_an_unknown_or_hostile_plan_in_the_address_is_plain_text(seeded: Engine) -> None:
    _plan_with_action(seeded, TODAY + dt.timedelta(days=3))
    app = _as("qa", plan="[Sign in again](http://evil.example) **now**")
    assert not app.exception
    (warning,) = app.warning
    # No link, and no bare link either (a word joiner sits inside the address).
    assert warning.value.startswith("There is no improvement plan \\[Sign in again\\](http:\u2060")
    assert "\\*\\*now\\*\\*" in warning.value


def test_two_people_saving_one_action_the_second_is_told_and_nothing_is_lost(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    plan_id = _plan_with_action(seeded, TODAY + dt.timedelta(days=3))
    app = run_page(PAGE, as_user="commissioner")
    action_id = plan_read.plan_detail(seeded, COMMISSIONER, plan_id, TODAY).actions.at[
        0, "action_id"
    ]
    plan_actions.update_action(seeded, COMMISSIONER, action_id, evidence="Their evidence")
    next(t for t in app.text_area if t.label == "Evidence").input("My evidence")
    app = _button(app, "Save changes").click().run()
    assert "someone else changed action" in _texts(app)
    detail = plan_read.plan_detail(seeded, COMMISSIONER, plan_id, TODAY)
    assert detail.actions.at[0, "evidence"] == "Their evidence"


def test_provider_staff_see_their_plan_without_internal_text_and_add_evidence(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    ours = _plan_with_action(seeded, TODAY + dt.timedelta(days=5))  # the council's action
    plan_actions.add_action(
        seeded,
        COMMISSIONER,
        ours,
        "Send the staffing rota",
        "Harbour View",
        TODAY + dt.timedelta(days=9),
    )
    other = plan_actions.open_plan(
        seeded, COMMISSIONER, "PRV-B", "Willow's internal reason", "commissioner",
        TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=30), today=TODAY,
    )  # fmt: skip
    plan_actions.add_action(seeded, COMMISSIONER, other, "Willow's action", "Willow Care", TODAY)

    app = run_page(PAGE, as_user="provider")
    assert not app.exception
    text = _texts(app)
    assert next(t.value for t in app.title).replace("\\", "") == "Harbour View: improvement plan"
    assert "Send the staffing rota" in text and "Audit medicine records" in text
    assert "Medication errors" not in text  # the plan's reason is the council's
    assert "planowner" not in text and "commissioner" not in text  # nobody's username
    assert "Willow" not in text and "PRV-B" not in text
    assert "Monthly rating" not in text  # off by default
    assert len(app.text_area) == 1  # evidence only on the action assigned to the service

    app.text_area[0].input("Rota sent to the contracts team")
    app = _button(app, "Add the evidence").click().run()
    assert not app.exception
    assert "Evidence added." in _texts(app)
    assert "Rota sent to the contracts team" in _texts(app)


def test_the_overview_search_narrows_both_lists_and_stays_when_a_plan_opens(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    first = _plan_with_action(seeded, TODAY + dt.timedelta(days=5))
    second = plan_actions.open_plan(
        seeded, COMMISSIONER, "PRV-B", "Missed calls", "commissioner", TODAY, TODAY, today=TODAY
    )
    plan_actions.add_action(seeded, COMMISSIONER, second, "Call monitoring", "commissioner", TODAY)
    app = run_page(PAGE)
    everything, due = len(app.dataframe[0].value), len(app.dataframe[1].value)
    assert everything == 2 and due > 2
    box = next(t for t in app.text_input if t.label.startswith("Search provider, reference"))
    app = box.input("willow").run()
    assert not app.exception
    assert list(app.dataframe[0].value["Reference"]) == [second]
    found = app.dataframe[1].value
    assert "Call monitoring" in set(found["What"]) and set(found["Provider"]) == {"Willow Care"}
    assert app.query_params["q"] == "willow"
    texts = [m.value for m in app.markdown]
    assert any(t.startswith("**1** of 2 plans and arrangements shown") for t in texts)
    assert any(t.startswith(f"**{len(found)}** of {due} actions and reviews shown") for t in texts)
    # Choosing a plan to read keeps the search in the address beside it.
    picker = app.selectbox(key="plan_choice")
    other = first if picker.value == second else second
    app = picker.select(other).run()
    assert (app.query_params["plan"], app.query_params["q"]) == (other, "willow")
    box = next(t for t in app.text_input if t.label.startswith("Search provider, reference"))
    app = box.input("AUDIT medicine").run()  # an action's words: its row in the due list only
    [due_found] = [d.value for d in app.dataframe if "You can update" in d.value.columns]
    assert list(due_found["What"]) == ["Audit medicine records"]
    assert any(i.value.startswith("No plans and arrangements match") for i in app.info)
    box = next(t for t in app.text_input if t.label.startswith("Search provider, reference"))
    app = box.input("nothing-like-this").run()
    assert not [d for d in app.dataframe if "Reference" in d.value.columns]
    assert any(i.value.startswith("No plans and arrangements match") for i in app.info)
    assert any(i.value.startswith("No actions and reviews match") for i in app.info)
