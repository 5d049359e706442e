"""The audit trail: append-only whatever the route, filterable, only for those allowed to see it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, delete, inspect, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from sgoversight import users
from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.store import audit
from sgoversight.store.models import AuditEvent

BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
COMMISSIONER = Actor("cara", frozenset({Role.COMMISSIONER}))


def _record(engine: Engine, actor: Actor, action: str, entity: str, entity_id: str) -> None:
    with Session(engine) as session, session.begin():
        audit.record(
            session,
            actor,
            action,
            entity,
            entity_id,
            before={"status": "open", "on": dt.date(2026, 11, 2)},
            after={"status": "closed"},
            detail=f"{action} {entity_id}",
        )


@pytest.fixture
def trail(engine: Engine) -> Engine:
    _record(engine, COMMISSIONER, "create", "quality_alert", "QA-1")
    _record(engine, COMMISSIONER, "update", "quality_alert", "QA-1")
    _record(engine, BOARD, "create", "board_decision", "17")
    return engine


def test_events_read_back_newest_first_with_before_and_after(trail: Engine) -> None:
    frame = audit.audit_trail(trail, BOARD)
    assert list(frame["entity_id"]) == ["17", "QA-1", "QA-1"]
    first = frame.iloc[-1]
    assert first["before"] == {"status": "open", "on": "2026-11-02"}
    assert first["after"] == {"status": "closed"}


def test_filters_by_who_what_and_text(trail: Engine) -> None:
    assert len(audit.audit_trail(trail, BOARD, who="cara")) == 2
    assert len(audit.audit_trail(trail, BOARD, entity="board_decision")) == 1
    assert len(audit.audit_trail(trail, BOARD, action="update")) == 1
    assert len(audit.audit_trail(trail, BOARD, text="qa-1")) == 2
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert audit.audit_trail(trail, BOARD, since=tomorrow).empty
    assert len(audit.audit_trail(trail, BOARD, until=dt.date.today())) == 3
    assert audit.audit_choices(trail, BOARD)["who"] == ["bea", "cara"]


def test_only_admins_and_board_members_see_the_trail(trail: Engine) -> None:
    with pytest.raises(PermissionDenied):
        audit.audit_trail(trail, COMMISSIONER)
    with pytest.raises(PermissionDenied):
        audit.audit_choices(trail, COMMISSIONER)
    assert len(audit.audit_trail(trail, SYSTEM)) == 3


def test_orm_refuses_to_change_or_delete_an_event(trail: Engine) -> None:
    with Session(trail) as session:
        event = session.query(AuditEvent).first()
        assert event is not None
        event.detail = "rewritten"
        with pytest.raises(audit.AuditTrailIsAppendOnly):
            session.flush()
        session.rollback()
        session.delete(session.query(AuditEvent).first())
        with pytest.raises(audit.AuditTrailIsAppendOnly):
            session.flush()


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(detail="rewritten"),
        delete(AuditEvent),
    ],
    ids=["update", "delete"],
)
def test_database_refuses_to_change_or_delete_an_event(trail: Engine, statement: object) -> None:
    with pytest.raises(DatabaseError, match="append-only"), trail.begin() as conn:
        conn.execute(statement)  # type: ignore[arg-type]
    with trail.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3
        details = set(conn.execute(text("SELECT detail FROM audit_events")).scalars())
    assert "rewritten" not in details


def test_truncate_is_refused_on_postgresql(trail: Engine) -> None:
    if trail.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    with pytest.raises(DatabaseError, match="append-only"), trail.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))


def test_data_version_moves_with_every_write(engine: Engine) -> None:
    before = audit.data_version(engine)
    _record(engine, COMMISSIONER, "create", "quality_alert", "QA-9")
    assert audit.data_version(engine) == before + 1


def test_sign_in_events_do_not_move_the_data_version(engine: Engine) -> None:
    """A mistyped password is audited but changes no data, so page caches stay valid."""
    _record(engine, COMMISSIONER, "create", "quality_alert", "QA-8")
    before = audit.data_version(engine)
    users.record_failed_login(engine, "nobody-by-this-name", users.utc_now())
    with Session(engine) as session:
        newest = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert newest is not None and newest.action == "login_failed" and newest.id > before
    assert audit.data_version(engine) == before
    _record(engine, COMMISSIONER, "update", "quality_alert", "QA-8")
    assert audit.data_version(engine) == newest.id + 1


def test_a_view_can_leave_out_entities_it_does_not_read(engine: Engine) -> None:
    """Changes to the named entities leave that view's version alone; anything else moves it."""
    unrelated = frozenset({"quality_alert"})
    _record(engine, COMMISSIONER, "import", "concerns", "concerns.csv")
    before = audit.data_version(engine, unrelated)
    _record(engine, COMMISSIONER, "create", "quality_alert", "QA-7")
    assert audit.data_version(engine, unrelated) == before
    assert audit.data_version(engine) == before + 1
    _record(engine, COMMISSIONER, "create", "a_kind_of_record_added_later", "X-1")
    assert audit.data_version(engine, unrelated) == before + 2


def test_the_data_version_walks_the_index_of_data_changes(sqlite_engine: Engine) -> None:
    """However many failed sign-ins follow the last data change, the version is one index step:
    SQLite's plan for the query uses the partial index of migration 0006."""
    for unrelated in (frozenset(), frozenset({"quality_alert", "qa_meeting"})):
        query = audit.newest_data_change(unrelated).compile(
            sqlite_engine, compile_kwargs={"literal_binds": True}
        )
        with sqlite_engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}").fetchall()
        assert any("ix_audit_events_data_changes" in str(step) for step in plan), plan


def test_the_index_of_data_changes_is_on_both_databases(engine: Engine) -> None:
    indexes = {index["name"] for index in inspect(engine).get_indexes("audit_events")}
    assert "ix_audit_events_data_changes" in indexes


def test_percent_and_underscore_in_the_filter_match_themselves(engine: Engine) -> None:
    """`%` and `_` typed in the filter are the characters, not wildcards (nor is a backslash an
    escape), on both databases."""
    for entity_id in ("50%_OFF", "50XYOFF", "A_B", "AXB", "C\\D"):
        _record(engine, COMMISSIONER, "update", "quality_alert", entity_id)

    def ids(text: str) -> list[str]:
        return sorted(audit.audit_trail(engine, BOARD, text=text)["entity_id"])

    assert ids("50%_") == ["50%_OFF"]
    assert ids("a_b") == ["A_B"]
    assert ids("%") == ["50%_OFF"]
    assert ids("_") == ["50%_OFF", "A_B"]
    assert ids("c\\d") == ["C\\D"]


def test_the_days_filtered_are_uk_days(engine: Engine) -> None:
    """An event at 23:30 UTC on 14 July is 00:30 BST on 15 July: it belongs to the 15th."""
    with Session(engine) as session, session.begin():
        session.add(
            AuditEvent(actor="cara", action="update", entity="quality_alert", entity_id="LATE",
                       occurred_at=dt.datetime(2026, 7, 14, 23, 30))
        )  # fmt: skip

    def on(day: dt.date) -> list[str]:
        return list(audit.audit_trail(engine, BOARD, since=day, until=day)["entity_id"])

    assert on(dt.date(2026, 7, 15)) == ["LATE"]
    assert on(dt.date(2026, 7, 14)) == []
