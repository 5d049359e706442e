"""The quality alert register page: filters, the overdue marker in words, exports, the chart, the
alert's details, every status change, feedback and notes, and the refusal of a change made on a
stale copy (a second editor changes the alert between the page's run and the click)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from sgoversight.alerts.intake import log_alert
from sgoversight.alerts.workflow import add_note, close_alert, start_progress
from sgoversight.store.models import QualityAlert
from tests.support.alerts import (
    COMMISSIONER,
    OTHER_COMMISSIONER,
    add_providers,
    form,
    stored,
)

PAGE = "pages/alerts.py"
TODAY = dt.date(2026, 11, 24)  # SGO_TODAY in tests/pages/conftest.py
DAY = dt.timedelta(days=1)


@pytest.fixture
def seeded(page_db: Engine) -> dict[str, str]:
    add_providers(page_db)

    def log(**overrides: object) -> str:
        return log_alert(page_db, COMMISSIONER, form(**overrides), today=TODAY)

    return {
        "late": log(raised_on=TODAY - 30 * DAY, severity="critical", category="falls"),
        "recent": log(raised_on=TODAY - 2 * DAY, summary='=HYPERLINK("x") medicines'),
        "other": log(provider_id="PRV-B", category="dignity_respect", severity="low"),
    }


def _table(app: AppTest):
    """The register as shown (the first dataframe)."""
    value = app.dataframe[0].value
    return getattr(value, "data", value)


def _metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def _choose(app: AppTest, alert_id: str) -> AppTest:
    box = next(s for s in app.selectbox if s.label == "Choose an alert to see its details")
    return box.set_value(alert_id).run()


def _button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def _text_area(app: AppTest, label: str):
    return next(t for t in app.text_area if t.label == label)


def test_register_lists_alerts_with_overdue_in_words(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE)
    assert not app.exception
    table = _table(app)
    assert list(table["Alert"]) == [seeded["other"], seeded["recent"], seeded["late"]]
    response = dict(zip(table["Alert"], table["Response"], strict=True))
    assert response[seeded["late"]].startswith("⚠ Past response time")
    assert response[seeded["recent"]].startswith("Due by")
    assert _metric(app, "⚠ Past response time") == "1"
    assert _metric(app, "Alerts shown") == "3"
    assert set(table["CQC key question"]) == {"Safe", "Caring"}


def test_filters_narrow_the_register(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE)
    severity = next(m for m in app.multiselect if m.label == "Severity")
    app = severity.set_value(["critical"]).run()
    assert list(_table(app)["Alert"]) == [seeded["late"]]
    app = severity.set_value([]).run()
    app = next(m for m in app.multiselect if m.label == "Provider").set_value(["PRV-B"]).run()
    assert list(_table(app)["Alert"]) == [seeded["other"]]
    app = next(m for m in app.multiselect if m.label == "Provider").set_value([]).run()
    app = (
        next(s for s in app.selectbox if s.label == "How long open")
        .set_value("4 to 12 weeks")
        .run()
    )
    assert list(_table(app)["Alert"]) == [seeded["late"]]
    app = next(s for s in app.selectbox if s.label == "How long open").set_value("Any age").run()
    app = app.checkbox[0].check().run()
    assert list(_table(app)["Alert"]) == [seeded["late"]]
    app = next(m for m in app.multiselect if m.label == "Status").set_value(["closed"]).run()
    assert any("No alerts match" in i.value for i in app.info)


def test_exports_and_chart_are_offered(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE)
    downloads = app.get("download_button")
    assert [d.proto.label for d in downloads] == ["Download as CSV", "Download as Excel"]
    assert app.get("vega_lite_chart")
    assert any("Care Quality Commission (CQC)" in c.value for c in app.caption)


def test_provider_staff_see_only_their_own_alerts(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE, as_user="provider")
    assert not app.exception
    assert set(_table(app)["Provider"]) == {"Harbour View"}
    assert not any(m.label == "Provider" for m in app.multiselect)
    app = _choose(app, seeded["recent"])
    assert not any("07700 900123" in m.value for m in app.markdown)
    assert any("contact details are kept by the council" in m.value for m in app.markdown)
    assert [b.label for b in app.button] == ["Add the note"]


def test_qa_attendee_reads_but_changes_nothing(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = _choose(run_page(PAGE, as_user="qa"), seeded["late"])
    assert not app.exception
    assert any("You can read this alert" in c.value for c in app.caption)
    assert not app.button
    assert any("07700 900123" in m.value for m in app.markdown)


def test_every_status_change_from_the_page(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["recent"]
    app = _choose(run_page(PAGE), alert_id)
    assert not app.exception
    app = _button(app, "Start work on this alert (mark it in progress)").click().run()
    assert any(f"{alert_id} is now in progress." in s.value for s in app.success)
    assert stored(page_db, alert_id).status == "in_progress"

    app = _button(app, "Close the alert").click().run()  # no outcome written
    assert any(e.value.startswith("Say what the outcome was") for e in app.error)  # by its field
    assert any(
        f"{alert_id} was not closed. Please put right the 1 thing" in e.value for e in app.error
    )
    assert stored(page_db, alert_id).status == "in_progress"

    _text_area(app, "What was the outcome?").input("Medicines round moved earlier.")
    app = _button(app, "Close the alert").click().run()
    assert any(f"{alert_id} is closed." in s.value for s in app.success)
    alert = stored(page_db, alert_id)
    assert (alert.status, alert.closed_on, alert.closing_outcome) == (
        "closed",
        TODAY,
        "Medicines round moved earlier.",
    )
    assert not any(b.label == "Close the alert" for b in app.button)

    _text_area(app, "Why is it being reopened?").input("Late doses again.")
    app = _button(app, "Reopen the alert").click().run()
    assert any(f"{alert_id} is open again." in s.value for s in app.success)
    assert stored(page_db, alert_id).status == "open"
    assert [c.to_status for c in stored(page_db, alert_id).status_changes] == [
        "open",
        "in_progress",
        "closed",
        "open",
    ]


def test_feedback_and_notes_from_the_page(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["recent"]
    app = _choose(run_page(PAGE), alert_id)
    next(r for r in app.radio if r.label == "Feedback given to").set_value("provider")
    app = _button(app, "Record the feedback").click().run()
    assert any("Feedback to the provider recorded." in s.value for s in app.success)
    assert stored(page_db, alert_id).feedback_to_provider_on == TODAY

    _text_area(app, "Note").input("Rang the manager; **visit** booked.")
    app = _button(app, "Add the note").click().run()
    assert any("Note added (internal to the council)." in s.value for s in app.success)
    assert [n.text for n in stored(page_db, alert_id).notes] == [
        "Rang the manager; **visit** booked."
    ]
    assert _text_area(app, "Note").value == ""
    # Written text is shown as typed, never as markup.
    assert any("\\*\\*visit\\*\\*" in m.value for m in app.markdown)


def test_a_change_by_someone_else_since_the_page_was_drawn_is_refused(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["recent"]
    app = _choose(run_page(PAGE), alert_id)
    # A second editor changes the alert after this page was drawn and before the click.
    add_note(page_db, OTHER_COMMISSIONER, alert_id, "Visited today.", expected_version=1)
    _text_area(app, "What was the outcome?").input("Resolved.")
    app = _button(app, "Close the alert").click().run()
    assert not app.exception
    error = next(e.value for e in app.error if "changed by colin" in e.value)
    assert "since you opened it; reload to see their change — nothing was saved" in error
    alert = stored(page_db, alert_id)
    assert alert.status == "open"
    assert alert.version == 2
    # The page now shows their change, and what was typed is kept for a second try.
    assert any("Visited today" in m.value for m in app.markdown)
    assert _text_area(app, "What was the outcome?").value == "Resolved."
    app = _button(app, "Close the alert").click().run()
    assert stored(page_db, alert_id).status == "closed"


def test_stale_start_work_button_is_refused_too(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["late"]
    app = _choose(run_page(PAGE), alert_id)
    start_progress(page_db, OTHER_COMMISSIONER, alert_id, expected_version=1, today=TODAY)
    app = _button(app, "Start work on this alert (mark it in progress)").click().run()
    assert any("changed by colin" in e.value for e in app.error)
    assert [c.to_status for c in stored(page_db, alert_id).status_changes] == [
        "open",
        "in_progress",
    ]


# --- the chosen alert is kept by id ----------------------------------------------------------


def _heading(app: AppTest) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("### "))


def test_after_each_change_the_same_alert_is_shown_in_its_new_state(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["recent"]
    app = _choose(run_page(PAGE), alert_id)
    assert app.query_params["alert"] == alert_id  # the id only, never the label
    app = _button(app, "Start work on this alert (mark it in progress)").click().run()
    assert _heading(app).startswith(f"### {alert_id}:")
    assert any("**Status**  \nIn progress" in m.value for m in app.markdown)
    _text_area(app, "What was the outcome?").input("Resolved.")
    app = _button(app, "Close the alert").click().run()
    # Closed alerts are outside the default filter, yet the alert stays shown, closed.
    assert any(f"{alert_id} is closed." in s.value for s in app.success)
    assert _heading(app).startswith(f"### {alert_id}:")
    assert any("**Status**  \nClosed" in m.value for m in app.markdown)
    assert app.query_params["alert"] == alert_id
    assert not any("There is no quality alert" in w.value for w in app.warning)


def test_a_link_opens_exactly_that_alert_even_outside_the_filters(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["other"]
    close_alert(
        page_db, COMMISSIONER, alert_id, outcome="Done.", closed_on=TODAY, expected_version=1,
        today=TODAY,
    )  # fmt: skip
    app = run_page(PAGE)
    app.query_params["alert"] = alert_id
    app = app.run()
    assert _heading(app).startswith(f"### {alert_id}: Elm Court")
    box = next(s for s in app.selectbox if s.label == "Choose an alert to see its details")
    assert box.value == alert_id


def test_a_link_to_an_alert_the_person_may_not_see_gives_a_plain_message(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE, as_user="provider")
    for asked in (seeded["other"], "AL-2099-00001"):  # another provider's; no such alert
        app.query_params["alert"] = asked
        app = app.run()
        assert not app.exception
        assert any(
            "There is no quality alert" in w.value and "that you can see" in w.value
            for w in app.warning
        )
        assert not any(m.value.startswith("### ") for m in app.markdown)
        assert not any("Elm Court" in m.value for m in app.markdown)


def test_a_link_with_a_former_id_opens_the_renumbered_alert(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["late"]
    with page_db.begin() as connection:
        connection.execute(
            text("UPDATE quality_alerts SET former_id = 'QA-2026-00001' WHERE alert_id = :id"),
            {"id": alert_id},
        )
    app = run_page(PAGE)
    app.query_params["alert"] = "QA-2026-00001"
    app = app.run()
    assert _heading(app).startswith(f"### {alert_id} (formerly QA-2026-00001):")


def test_the_note_form_says_who_will_read_the_note(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    alert_id = seeded["recent"]
    app = _choose(run_page(PAGE), alert_id)
    seen = next(r for r in app.radio if r.label == "Who can read this note?")
    assert seen.value == "internal"
    assert seen.options == [
        "Internal to the council (provider staff never see it)",
        "Shared with the provider (their staff can read it)",
    ]
    _text_area(app, "Note").input("Internal: do not share yet.")
    app = _button(app, "Add the note").click().run()
    _text_area(app, "Note").input("Visit booked for Thursday.")
    next(r for r in app.radio if r.label == "Who can read this note?").set_value("shared")
    app = _button(app, "Add the note").click().run()
    assert any("Note added (shared with the provider)." in s.value for s in app.success)
    assert [n.visibility for n in stored(page_db, alert_id).notes] == ["internal", "shared"]

    provider = run_page(PAGE, as_user="provider")
    provider.query_params["alert"] = alert_id
    provider = provider.run()
    shown = " ".join(m.value for m in provider.markdown)
    assert "Visit booked for Thursday" in shown
    assert "do not share" not in shown
    assert not any(r.label == "Who can read this note?" for r in provider.radio)


def test_closing_an_at_risk_alert_asks_for_the_safeguarding_answer_beside_its_field(
    run_page: Callable[..., AppTest], page_db: Engine
) -> None:
    add_providers(page_db)
    alert_id = log_alert(
        page_db, COMMISSIONER, form(risk_of_harm=True, safeguarding_concern_raised=False),
        today=TODAY,
    )  # fmt: skip
    app = _choose(run_page(PAGE), alert_id)
    assert any(
        "Someone is at risk of harm" in w.value and "0300 123 4567" in w.value for w in app.warning
    )
    _text_area(app, "What was the outcome?").input("Medicines round moved earlier.")
    app = _button(app, "Close the alert").click().run()
    assert stored(page_db, alert_id).status == "open"
    assert any(e.value.startswith("This alert says someone is at risk of harm") for e in app.error)
    assert _text_area(app, "What was the outcome?").value == "Medicines round moved earlier."
    next(t for t in app.text_input if t.label == "Safeguarding concern reference").input("SG-1")
    app = _button(app, "Close the alert").click().run()
    assert any(f"{alert_id} is closed." in s.value for s in app.success)
    assert any("Concern reference SG" in m.value for m in app.markdown)


def test_a_register_of_many_thousand_alerts_is_shown_a_page_at_a_time(
    run_page: Callable[..., AppTest], page_db: Engine
) -> None:
    add_providers(page_db)
    many = 17_000  # beyond what a styled table can draw at once
    with page_db.begin() as connection:
        connection.execute(
            QualityAlert.__table__.insert(),
            [
                {
                    "alert_id": f"ALT-{n:06d}",
                    "provider_id": "PRV-A",
                    "raised_on": TODAY - dt.timedelta(days=n % 400),
                    "raised_by": "health",
                    "category": "falls",
                    "severity": "medium",
                    "summary": "A fall.",
                    "status": "open",
                    "version": 1,
                }
                for n in range(many)
            ],
        )
    app = run_page(PAGE, timeout=120)
    assert not app.exception
    assert _metric(app, "Alerts shown") == "17,000"
    assert len(_table(app)) == 500
    assert any("Rows 1 to 500 of 17,000" in c.value for c in app.caption)
    app = next(n for n in app.number_input if n.label == "Page of the register").set_value(34).run()
    assert not app.exception
    assert len(_table(app)) == 17_000 - 33 * 500
    # The last page ends with the oldest alert: raised 399 days ago, the lowest id of those.
    assert list(_table(app)["Alert"])[-1] == "ALT-000399"


# --- search, the address bar and the assigned officer ---------------------------------------------


def _register_ids(app: AppTest) -> list[str]:
    if not app.dataframe or any("No alerts match" in i.value for i in app.info):
        return []
    return list(_table(app)["Alert"])


def test_search_finds_an_alert_by_a_word_of_its_summary_and_keeps_it_in_the_address(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE)
    app = next(t for t in app.text_input if t.label == "Search").input("hyperLINK").run()
    assert _register_ids(app) == [seeded["recent"]]
    assert app.query_params["q"] == "hyperLINK"
    assert app.query_params["status"] == "open,in_progress"


def test_filters_are_written_to_the_address_by_code(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE)
    app = next(m for m in app.multiselect if m.label == "Severity").set_value(["critical"]).run()
    app = next(m for m in app.multiselect if m.label == "Status").set_value([]).run()
    app = next(s for s in app.selectbox if s.label == "How long open").set_value(
        "4 to 12 weeks"
    ).run()
    app = app.checkbox[0].check().run()
    params = {key: app.query_params[key] for key in app.query_params if key != "alert"}
    assert params == {
        "severity": "critical",
        "status": "any",
        "age": "4_to_12_weeks",
        "past_response": "yes",
    }
    assert _register_ids(app) == [seeded["late"]]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ({"past_response": "yes"}, ["late"]),  # the landing page's "past their response time"
        ({"status": "open", "severity": "critical,high"}, ["recent", "late"]),
        ({"provider": "PRV-B", "category": "dignity_respect"}, ["other"]),
        ({"age": "4_to_12_weeks", "status": "any"}, ["late"]),
        ({"q": "harbour", "severity": "nonsense,critical"}, ["late"]),  # unknown codes dropped
    ],
)
def test_an_address_reproduces_the_list(
    run_page: Callable[..., AppTest],
    seeded: dict[str, str],
    address: dict[str, str],
    expected: list[str],
) -> None:
    app = run_page(PAGE)
    for key, value in address.items():
        app.query_params[key] = value
    app = app.run()
    assert not app.exception
    assert _register_ids(app) == [seeded[name] for name in expected]


def test_start_work_assigns_the_officer_and_the_assigned_filters_follow(
    run_page: Callable[..., AppTest], seeded: dict[str, str], page_db: Engine
) -> None:
    from sgoversight.auth import Role
    from tests.alerts.test_alert_owner import add_user

    add_user(page_db, "commissioner", [Role.COMMISSIONER])
    add_user(page_db, "colin", [Role.COMMISSIONER])
    add_user(page_db, "pat", [Role.PROVIDER], provider_id="PRV-A")
    alert_id = seeded["recent"]
    app = _choose(run_page(PAGE), alert_id)
    officer = next(s for s in app.selectbox if s.label == "Assigned officer")
    assert officer.value == "commissioner"
    assert "pat" not in officer.options and "Colin Example (colin)" in officer.options
    app = _button(app, "Start work on this alert (mark it in progress)").click().run()
    assert stored(page_db, alert_id).assigned_to == "commissioner"
    assert any(
        m.value.startswith("**Assigned officer:** Commissioner Example") for m in app.markdown
    )

    app = next(m for m in app.multiselect if m.label == "Assigned").set_value(["me"]).run()
    assert _register_ids(app) == [alert_id]
    assert app.query_params["assigned"] == "me"
    app = next(m for m in app.multiselect if m.label == "Assigned").set_value(
        ["unassigned"]
    ).run()
    assert _register_ids(app) == [seeded["other"], seeded["late"]]

    # Changing the officer needs a note; the change is saved with it.
    next(s for s in app.selectbox if s.label == "Assigned officer").set_value("colin")
    app = _button(app, "Change the assigned officer").click().run()
    assert any(e.value.startswith("Say why the assignment changes") for e in app.error)
    assert stored(page_db, alert_id).assigned_to == "commissioner"
    next(s for s in app.selectbox if s.label == "Assigned officer").set_value("colin")
    _text_area(app, "Why (saved as a note)").input("Colin covers Harbour View.")
    app = _button(app, "Change the assigned officer").click().run()
    assert any(f"{alert_id} is now assigned to colin." in s.value for s in app.success)
    alert = stored(page_db, alert_id)
    assert alert.assigned_to == "colin"
    assert alert.notes[-1].text.endswith("Colin covers Harbour View.")
    assert alert.notes[-1].visibility == "internal"


def test_provider_staff_links_cannot_widen_their_register(
    run_page: Callable[..., AppTest], seeded: dict[str, str]
) -> None:
    app = run_page(PAGE, as_user="provider")
    app.query_params["provider"] = "PRV-B"
    app.query_params["assigned"] = "me"
    app.query_params["q"] = "medicines"
    app = app.run()
    assert not app.exception
    assert not any(m.label in ("Provider", "Assigned") for m in app.multiselect)
    assert set(_register_ids(app)) == {seeded["late"], seeded["recent"]}  # their own, PRV-A
    assert "assigned" not in app.query_params
