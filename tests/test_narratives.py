"""Report text saved per period: who may write it, what is audited, what is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, PermissionDenied, Role
from sgoversight.errors import BadInput
from sgoversight.models import AuditEvent
from sgoversight.narratives import MAX_LENGTH, read_narrative, save_narrative

SAFEGUARDING = Actor("sam", frozenset({Role.SAFEGUARDING}))
COMMISSIONER = Actor("cara", frozenset({Role.COMMISSIONER}))
QA = Actor("quinn", frozenset({Role.QA_ATTENDEE}))


def _audit(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_saved_text_is_read_back_for_its_week_only(engine: Engine) -> None:
    assert save_narrative(
        engine,
        SAFEGUARDING,
        "weekly",
        "2026-W47",
        "significant_issues",
        "  Two organisational abuse concerns at one home.  ",
    )
    assert read_narrative(engine, COMMISSIONER, "weekly", "2026-W47") == {
        "significant_issues": "Two organisational abuse concerns at one home."
    }
    assert read_narrative(engine, COMMISSIONER, "weekly", "2026-W46") == {"significant_issues": ""}


def test_every_change_is_audited_with_before_and_after(engine: Engine) -> None:
    save_narrative(engine, SAFEGUARDING, "weekly", "2026-W47", "significant_issues", "First")
    save_narrative(engine, SAFEGUARDING, "weekly", "2026-W47", "significant_issues", "Second")
    assert not save_narrative(
        engine, SAFEGUARDING, "weekly", "2026-W47", "significant_issues", "Second"
    )
    events = [e for e in _audit(engine) if e.entity == "report_narrative"]
    assert [(e.action, e.before, e.after) for e in events] == [
        ("create", {"text": ""}, {"text": "First"}),
        ("update", {"text": "First"}, {"text": "Second"}),
    ]
    assert events[0].entity_id == "weekly/2026-W47/significant_issues"


def test_markup_and_formulas_are_stored_as_written(engine: Engine) -> None:
    text = '<script>alert(1)</script> **bold** =HYPERLINK("x")'
    save_narrative(engine, SAFEGUARDING, "standards", "2026-Q2", "real_life_stories", text)
    assert read_narrative(engine, SAFEGUARDING, "standards", "2026-Q2")["real_life_stories"] == text


def test_only_report_writers_save_and_only_report_readers_read(engine: Engine) -> None:
    with pytest.raises(PermissionDenied):
        save_narrative(engine, COMMISSIONER, "weekly", "2026-W47", "significant_issues", "x")
    with pytest.raises(PermissionDenied):
        read_narrative(engine, QA, "weekly", "2026-W47")
    assert _audit(engine) == []


@pytest.mark.parametrize(
    ("report", "section", "text", "message"),
    [
        ("monthly", "significant_issues", "x", "unknown report"),
        ("weekly", "summary", "x", "unknown section"),
        ("weekly", "significant_issues", "x" * (MAX_LENGTH + 1), "at most 20,000 characters"),
    ],
)
def test_bad_text_is_refused_and_nothing_written(
    engine: Engine, report: str, section: str, text: str, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        save_narrative(engine, SAFEGUARDING, report, "2026-W47", section, text)
    assert _audit(engine) == []
    assert read_narrative(engine, SAFEGUARDING, "weekly", "2026-W47") == {"significant_issues": ""}
