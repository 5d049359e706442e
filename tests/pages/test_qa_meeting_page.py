"""The Quality Assurance meeting page: setting up a meeting, the agenda grouped by provider with the
most severe first and walked one provider at a time, recording discussion and actions (and the
refusal of a stale discussion), the minutes downloads, and read-only access for attendees and
provider staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.alerts import qa
from sgoversight.alerts.intake import log_alert
from sgoversight.alerts.workflow import add_note
from sgoversight.store.db import PROJECT_ROOT
from sgoversight.store.models import AlertNote
from tests.support.alerts import COMMISSIONER, OTHER_COMMISSIONER, add_providers, form

PAGE = "pages/qa_meeting.py"
TODAY = dt.date(2026, 11, 24)  # SGO_TODAY in tests/pages/conftest.py
MEETING = dt.date(2026, 11, 20)
DAY = dt.timedelta(days=1)


@pytest.fixture
def seeded(page_db: Engine) -> dict[str, object]:
    add_providers(page_db)

    def log(**overrides: object) -> str:
        return log_alert(page_db, COMMISSIONER, form(**overrides), today=MEETING - DAY)

    ids = {
        "a_low": log(provider_id="PRV-A", severity="low", raised_on=MEETING - 9 * DAY),
        "b_critical": log(provider_id="PRV-B", severity="critical", raised_on=MEETING - 3 * DAY),
        "a_high": log(provider_id="PRV-A", severity="high", raised_on=MEETING - 5 * DAY),
    }
    meeting = qa.create_meeting(
        page_db, COMMISSIONER, meeting_on=MEETING, attendees="Cara (commissioning)"
    )
    return {"meeting": meeting, **ids}


def _button(app: AppTest, label: str, index: int = 0):
    return [b for b in app.button if b.label == label][index]


def _expander_labels(app: AppTest) -> list[str]:
    return [e.label for e in app.expander if e.label.startswith("AL-")]


def test_setting_up_the_first_meeting(run_page: Callable[..., AppTest], page_db: Engine) -> None:
    add_providers(page_db)
    app = run_page(PAGE)
    assert not app.exception
    assert any("No Quality Assurance meeting" in i.value for i in app.info)
    app.date_input[0].set_value(MEETING)
    app.text_area[0].input("Cara (commissioning), Pat (Harbour View)")
    app = _button(app, "Set up the meeting").click().run()
    assert not app.exception
    [meeting] = qa.list_meetings(page_db, COMMISSIONER)
    assert (meeting.meeting_on, meeting.attendees) == (
        MEETING,
        "Cara (commissioning), Pat (Harbour View)",
    )
    assert app.selectbox[0].value == meeting.meeting_id
    assert any("No quality alerts are on this meeting's agenda" in i.value for i in app.info)


def _agenda_table(app: AppTest) -> list[tuple[str, int, str, str]]:
    frame = app.dataframe[0].value
    return list(
        zip(frame["Provider"], frame["Alerts"], frame["Highest severity"], frame["Discussed"],
            strict=True)
    )  # fmt: skip


def test_agenda_grouped_by_provider_most_severe_first(
    run_page: Callable[..., AppTest], seeded: dict[str, object]
) -> None:
    app = run_page(PAGE)
    assert not app.exception
    assert _agenda_table(app) == [
        ("Elm Court", 1, "Critical", "0 of 1"),
        ("Harbour View", 2, "High", "0 of 2"),
    ]
    picker = app.selectbox(key=f"qa_provider_{seeded['meeting']}")
    assert picker.value == "PRV-B"  # the most severe provider first, and only its alerts shown
    assert [s.value for s in app.subheader] == ["Agenda", "Elm Court"]
    assert [label.split(" · ")[0] for label in _expander_labels(app)] == [seeded["b_critical"]]
    assert "Critical severity" in _expander_labels(app)[0]
    assert any("highest severity: Critical" in c.value for c in app.caption)

    app = _button(app, "Next provider").click().run()
    assert not app.exception
    assert app.selectbox(key=f"qa_provider_{seeded['meeting']}").value == "PRV-A"
    assert [s.value for s in app.subheader] == ["Agenda", "Harbour View"]
    assert [label.split(" · ")[0] for label in _expander_labels(app)] == [
        seeded["a_high"],
        seeded["a_low"],
    ]
    assert not [b for b in app.button if b.label == "Next provider"]  # the last provider
    app = _button(app, "Back to the first provider").click().run()
    assert app.selectbox(key=f"qa_provider_{seeded['meeting']}").value == "PRV-B"
    downloads = app.get("download_button")
    assert [d.proto.label for d in downloads] == [
        "Download minutes (Excel)",
        "Download minutes (PDF)",
    ]


def test_the_meeting_stays_with_its_provider(
    run_page: Callable[..., AppTest], seeded: dict[str, object], page_db: Engine
) -> None:
    """Saving on the second provider keeps it shown, and so does leaving the page and coming
    back (which forgets the picker's own state)."""
    meeting, alert_id = seeded["meeting"], seeded["a_high"]
    picker = f"qa_provider_{meeting}"
    app = run_page(PAGE)
    app = _button(app, "Next provider").click().run()
    app.text_area(key=f"qa_discussion_{meeting}_{alert_id}").input("Visit booked.")
    app = _button(app, "Save the discussion").click().run()
    assert any("Discussion saved." in s.value for s in app.success)
    assert app.selectbox(key=picker).value == "PRV-A"
    assert _agenda_table(app)[1] == ("Harbour View", 2, "High", "1 of 2")
    # Another page and back: the picker's widget state is forgotten, plain session keys are kept.
    kept = f"qa_kept_provider_{meeting}"
    back = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=30)
    back.session_state["sgo_user"] = app.session_state["sgo_user"]
    back.session_state[kept] = app.session_state[kept]
    back = back.run()
    assert back.selectbox(key=picker).value == "PRV-A"


def test_recording_discussion_and_actions(
    run_page: Callable[..., AppTest], seeded: dict[str, object], page_db: Engine
) -> None:
    meeting = seeded["meeting"]
    alert_id = seeded["b_critical"]
    app = run_page(PAGE)
    app.text_area(key=f"qa_discussion_{meeting}_{alert_id}").input("Manager attended.")
    app = _button(app, "Save the discussion").click().run()
    assert any("Discussion saved." in s.value for s in app.success)
    entry = qa.agenda(page_db, COMMISSIONER, meeting).entries[0]
    assert (entry.alert_id, entry.discussion) == (alert_id, "Manager attended.")
    assert "✓ discussed" in _expander_labels(app)[0]

    prefix = f"qa_action_{meeting}_{alert_id}_"
    app = _button(app, "Add the action").click().run()  # nothing filled in
    errors = [e.value.replace("\\", "") for e in app.error]
    # Every problem at once: a summary, then each beside its field in the form's own words.
    assert any("The action was not saved. Please put right the 2 things" in e for e in errors)
    assert "Say what is to be done." in errors and "Say who will do it." in errors
    app.text_input(key=f"{prefix}description").input("Unannounced visit")
    app.text_input(key=f"{prefix}owner").input("Cara")
    app = _button(app, "Add the action").click().run()
    assert any("Action added." in s.value for s in app.success)
    [action] = qa.agenda(page_db, COMMISSIONER, meeting).entries[0].actions
    assert (action.description, action.owner, action.due_on) == (
        "Unannounced visit",
        "Cara",
        MEETING + 28 * DAY,
    )
    app = _button(app, "Mark done today: Unannounced visit").click().run()
    assert any("Action marked done." in s.value for s in app.success)
    [action] = qa.agenda(page_db, COMMISSIONER, meeting).entries[0].actions
    assert action.completed_on == TODAY
    assert not [b for b in app.button if b.label.startswith("Mark done")]
    assert _agenda_table(app)[0] == ("Elm Court", 1, "Critical", "1 of 1")


def test_discussion_saved_by_someone_else_meanwhile_is_refused(
    run_page: Callable[..., AppTest], seeded: dict[str, object], page_db: Engine
) -> None:
    meeting = seeded["meeting"]
    alert_id = seeded["b_critical"]
    app = run_page(PAGE)
    qa.record_discussion(page_db, OTHER_COMMISSIONER, meeting, alert_id, "Colin's notes")
    app.text_area(key=f"qa_discussion_{meeting}_{alert_id}").input("Mine")
    app = _button(app, "Save the discussion").click().run()
    assert any("changed by colin" in e.value for e in app.error)
    assert qa.agenda(page_db, COMMISSIONER, meeting).entries[0].discussion == "Colin's notes"
    assert any("Saved by colin" in c.value for c in app.caption)


def test_qa_attendee_reads_the_agenda_only(
    run_page: Callable[..., AppTest], seeded: dict[str, object], page_db: Engine
) -> None:
    qa.record_discussion(
        page_db, COMMISSIONER, seeded["meeting"], seeded["b_critical"], "Manager attended."
    )
    app = run_page(PAGE, as_user="qa")
    assert not app.exception
    assert [row[0] for row in _agenda_table(app)] == ["Elm Court", "Harbour View"]
    assert [label.split(" · ")[0] for label in _expander_labels(app)] == [seeded["b_critical"]]
    assert [b.label for b in app.button] == ["Next provider"]  # walking the agenda, no recording
    assert not app.text_area
    assert any("Manager attended" in m.value for m in app.markdown)
    assert any("You can read the agenda and minutes" in m.value for m in app.markdown)


def test_provider_staff_see_only_their_own_part(
    run_page: Callable[..., AppTest], seeded: dict[str, object]
) -> None:
    app = run_page(PAGE, as_user="provider")
    assert not app.exception
    assert [row[0] for row in _agenda_table(app)] == ["Harbour View"]
    assert "Provider being discussed" not in [box.label for box in app.selectbox]
    assert [s.value for s in app.subheader] == ["Agenda", "Harbour View"]
    assert [label.split(" · ")[0] for label in _expander_labels(app)] == [
        seeded["a_high"],
        seeded["a_low"],
    ]
    assert not app.button


def _search(app: AppTest):
    return next(t for t in app.text_input if t.label.startswith("Search provider"))


def test_the_agenda_is_searched_by_provider_or_what_its_alerts_say(
    run_page: Callable[..., AppTest], seeded: dict[str, object], page_db: Engine
) -> None:
    qa.record_discussion(
        page_db, COMMISSIONER, seeded["meeting"], seeded["b_critical"], "Réview the rota."
    )
    app = run_page(PAGE)
    app = _search(app).input("harbour").run()
    assert not app.exception
    assert _agenda_table(app) == [("Harbour View", 2, "High", "0 of 2")]
    assert [s.value for s in app.subheader] == ["Agenda", "Harbour View"]
    assert app.query_params["q"] == "harbour"
    assert any(m.value.startswith("**1** of 2 providers shown") for m in app.markdown)
    app = _search(app).input("review ROTA").run()  # the discussion, accents folded
    assert [row[0] for row in _agenda_table(app)] == ["Elm Court"]
    app = _search(app).input(str(seeded["a_low"])).run()  # an alert's number
    assert [row[0] for row in _agenda_table(app)] == ["Harbour View"]
    app = _search(app).input("nobody-here").run()
    assert not app.dataframe and not _expander_labels(app)
    assert any(i.value.startswith("No providers match the search") for i in app.info)


def test_provider_staff_never_find_an_alert_by_a_note_they_cannot_read(
    run_page: Callable[..., AppTest], seeded: dict[str, object], page_db: Engine
) -> None:
    add_note(
        page_db, COMMISSIONER, str(seeded["a_high"]), "Zebra: internal only.", expected_version=1
    )
    with Session(page_db) as session, session.begin():  # written before the meeting: on its agenda
        session.execute(update(AlertNote).values(written_at=dt.datetime(2026, 11, 19, 10)))
    council = run_page(PAGE)
    council = _search(council).input("zebra").run()
    assert [row[0] for row in _agenda_table(council)] == ["Harbour View"]
    app = run_page(PAGE, as_user="provider")
    app = _search(app).input("zebra").run()
    assert not app.exception
    assert not app.dataframe
    assert any(i.value.startswith("No providers match the search") for i in app.info)
