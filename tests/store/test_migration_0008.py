"""Migration 0008 (Board decision history): existing decisions keep what the Board page showed."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from sgoversight.store.migrate import alembic_config, current_revision, head_revision


def _decision(conn, decision_id: int, provider_id: str, month: str) -> None:
    conn.execute(
        text(
            "INSERT INTO board_decisions (id, provider_id, board_month, computed_rating, agreed, "
            "decision, decided_by, decided_at) VALUES (:id, :provider, :month, 'Amber', :agreed, "
            "'routine_monitoring', 'bea', :at)"
        ),
        {
            "id": decision_id,
            "provider": provider_id,
            "month": month,
            "agreed": True,
            "at": dt.datetime(2026, 11, 5, 10, decision_id),
        },
    )


def test_the_newest_decision_per_provider_and_month_stays_current(engine: Engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0008-1")
    with engine.begin() as conn:  # the table as 0007 left it: no later columns
        for pid in ("PRV-1", "PRV-2"):
            conn.execute(
                text(
                    "INSERT INTO providers (provider_id, name, service_type, regulated, "
                    "commissioned, created_at, updated_at) VALUES (:pid, :pid, 'care_home', "
                    ":yes, :yes, :now, :now)"
                ),
                {"pid": pid, "yes": True, "now": dt.datetime(2026, 11, 1)},
            )
        _decision(conn, 1, "PRV-1", "2026-10")
        _decision(conn, 2, "PRV-1", "2026-10")  # the Board page showed this one
        _decision(conn, 3, "PRV-1", "2026-09")
        _decision(conn, 4, "PRV-2", "2026-10")
    command.upgrade(config, "head")
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT id, status FROM board_decisions")).all())
    assert statuses == {1: "superseded", 2: "current", 3: "current", 4: "current"}

    # the database itself now holds the rule: a second current decision cannot be written
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE board_decisions SET status = 'current' WHERE id = 1"))

    command.downgrade(config, "0008-1")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM board_decisions")).scalar() == 4
    command.upgrade(config, "head")
