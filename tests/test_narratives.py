"""Report text saved per period: who may write it, what is audited, what is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, PermissionDenied, Role
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.narratives import (
    MAX_LENGTH,
    read_narrative,
    read_sections,
    save_narrative,
    save_sections,
)
from sgoversight.store.models import AuditEvent, ReportNarrative

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
        expected_version=0,
    )
    assert read_narrative(engine, COMMISSIONER, "weekly", "2026-W47") == {
        "significant_issues": "Two organisational abuse concerns at one home."
    }
    assert read_narrative(engine, COMMISSIONER, "weekly", "2026-W46") == {"significant_issues": ""}


def test_every_change_is_audited_with_before_and_after(engine: Engine) -> None:
    week = ("weekly", "2026-W47", "significant_issues")
    save_narrative(engine, SAFEGUARDING, *week, "First", expected_version=0)
    save_narrative(engine, SAFEGUARDING, *week, "Second", expected_version=1)
    assert not save_narrative(engine, SAFEGUARDING, *week, "Second", expected_version=2)
    events = [e for e in _audit(engine) if e.entity == "report_narrative"]
    assert [(e.action, e.before, e.after) for e in events] == [
        ("create", {"text": ""}, {"text": "First"}),
        ("update", {"text": "First"}, {"text": "Second"}),
    ]
    assert events[0].entity_id == "weekly/2026-W47/significant_issues"


def test_markup_and_formulas_are_stored_as_written(engine: Engine) -> None:
    text = '<script>alert(1)</script> **bold** =HYPERLINK("x")'
    save_narrative(
        engine, SAFEGUARDING, "standards", "2026-Q2", "real_life_stories", text, expected_version=0
    )
    assert read_narrative(engine, SAFEGUARDING, "standards", "2026-Q2")["real_life_stories"] == text


def test_only_report_writers_save_and_only_report_readers_read(engine: Engine) -> None:
    with pytest.raises(PermissionDenied):
        save_narrative(
            engine, COMMISSIONER, "weekly", "2026-W47", "significant_issues", "x",
            expected_version=0,
        )  # fmt: skip
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
    with pytest.raises(BadInput) as refused:
        save_narrative(engine, SAFEGUARDING, report, "2026-W47", section, text, expected_version=0)
    assert message in " ".join([str(refused.value), *refused.value.problems])
    assert _audit(engine) == []
    assert read_narrative(engine, SAFEGUARDING, "weekly", "2026-W47") == {"significant_issues": ""}


# --- two people editing one report's text ---------------------------------------------------------

ALEX = Actor("alex", frozenset({Role.SAFEGUARDING}))


def test_a_save_over_someone_elses_newer_text_is_refused_and_writes_nothing(
    engine: Engine,
) -> None:
    """Both open the week's text at version 0; Sam saves first; Alex's save is refused, saying
    who changed it, and Sam's text stays."""
    week = ("weekly", "2026-W47", "significant_issues")
    opened = read_sections(engine, ALEX, "weekly", "2026-W47")["significant_issues"]
    assert (opened.text, opened.version) == ("", 0)
    assert save_narrative(engine, SAFEGUARDING, *week, "Sam's text", expected_version=0)
    with pytest.raises(EditConflict) as refused:
        save_narrative(engine, ALEX, *week, "Alex's text", expected_version=opened.version)
    message = str(refused.value)
    assert '"Significant issues this week" was changed by sam at ' in message
    assert "nothing was saved" in message
    assert read_narrative(engine, SAFEGUARDING, "weekly", "2026-W47") == {
        "significant_issues": "Sam's text"
    }
    assert [e.actor for e in _audit(engine)] == ["sam"]
    now = read_sections(engine, ALEX, "weekly", "2026-W47")["significant_issues"]
    assert (now.version, now.updated_by) == (1, "sam")
    assert save_narrative(engine, ALEX, *week, "Alex's text", expected_version=now.version)


def test_sections_are_saved_together_or_not_at_all(engine: Engine) -> None:
    """One stale section refuses the whole quarterly save; every over-long section is reported
    at once."""
    q = ("standards", "2026-Q3")
    save_sections(engine, SAFEGUARDING, *q, {"performance_summary": "Sam"},
                  {"performance_summary": 0})  # fmt: skip
    with pytest.raises(EditConflict, match='"Performance summary" was changed by sam'):
        save_sections(
            engine, ALEX, *q,
            {"performance_summary": "Alex", "real_life_stories": "A story"},
            {"performance_summary": 0, "real_life_stories": 0},
        )  # fmt: skip
    assert read_narrative(engine, ALEX, *q)["real_life_stories"] == ""
    long = "x" * (MAX_LENGTH + 1)
    with pytest.raises(FormInvalid) as refused:
        save_sections(
            engine, ALEX, *q,
            {"learning_from_reviews": long, "practice_insights": long},
            {"learning_from_reviews": 0, "practice_insights": 0},
        )  # fmt: skip
    assert set(refused.value.fields) == {"learning_from_reviews", "practice_insights"}
    assert len([e for e in _audit(engine) if e.entity == "report_narrative"]) == 1


def test_a_save_racing_another_between_read_and_write_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version check in the UPDATE itself: a save committed after this one read the row
    makes this one an EditConflict, not a silent overwrite. (On SQLite a write transaction holds
    the database from its start, so no other save can come between.)"""
    from sgoversight import narratives

    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite writers are serialised from the start of the transaction")

    week = ("weekly", "2026-W47", "significant_issues")
    save_narrative(engine, SAFEGUARDING, *week, "First", expected_version=0)
    real_record = narratives.audit.record

    def sneak_in(session: Session, *args: object, **kwargs: object) -> object:
        monkeypatch.setattr(narratives.audit, "record", real_record)
        with Session(engine) as other, other.begin():
            row = other.scalars(select(ReportNarrative)).one()
            row.text = "Sneaked in"
            row.updated_by = "alex"
        return real_record(session, *args, **kwargs)

    monkeypatch.setattr(narratives.audit, "record", sneak_in)
    with pytest.raises(EditConflict, match="changed by alex"):
        save_narrative(engine, SAFEGUARDING, *week, "Second", expected_version=1)
    assert read_narrative(engine, SAFEGUARDING, "weekly", "2026-W47") == {
        "significant_issues": "Sneaked in"
    }
