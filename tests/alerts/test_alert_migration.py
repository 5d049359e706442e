"""Migration 0007 on SQLite and PostgreSQL: in-app alerts move from QA- to AL- numbering with the
old id kept, their at-risk answer is recovered from the audit trail, every existing note becomes
internal, imported alerts are left alone; and the downgrade puts the old ids back."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from sqlalchemy import Engine, text

from sgoversight.alerts.intake import log_alert
from sgoversight.alerts.read import get_alert
from sgoversight.alerts.workflow import add_note
from sgoversight.errors import EditConflict
from sgoversight.store.migrate import alembic_config, upgrade
from tests.support.alerts import COMMISSIONER, PROVIDER_A, TODAY, add_providers


def _to(engine: Engine, revision: str, how: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, how)(config, revision)


def _old_alert(connection, alert_id: str, *, logged_in_app: bool, risk: bool | None) -> None:
    connection.execute(
        text(
            "INSERT INTO quality_alerts (alert_id, provider_id, raised_on, raised_by, category, "
            "severity, summary, status, version, updated_at) VALUES (:id, 'PRV-A', :day, "
            "'family_friend', 'falls', 'high', 'A fall at night.', 'open', 2, :at)"
        ),
        {"id": alert_id, "day": TODAY, "at": dt.datetime(2026, 11, 24, 9)},
    )
    if logged_in_app:
        connection.execute(
            text(
                "INSERT INTO alert_status_changes (alert_id, from_status, to_status, changed_on, "
                "changed_at, changed_by, reason) VALUES (:id, NULL, 'open', :day, :at, 'cara', "
                "'Logged')"
            ),
            {"id": alert_id, "day": TODAY, "at": dt.datetime(2026, 11, 24, 9)},
        )
        connection.execute(
            text(
                "INSERT INTO audit_events (occurred_at, actor, action, entity, entity_id, after) "
                "VALUES (:at, 'cara', 'create', 'quality_alert', :id, :after)"
            ),
            {
                "at": dt.datetime(2026, 11, 24, 9),
                "id": alert_id,
                "after": json.dumps({"risk_of_harm": risk, "summary": "A fall at night."}),
            },
        )
    connection.execute(
        text(
            "INSERT INTO alert_notes (alert_id, written_at, author, text) "
            "VALUES (:id, :at, 'cara', 'Internal: manager under review, do not share yet.')"
        ),
        {"id": alert_id, "at": dt.datetime(2026, 11, 24, 10)},
    )


def test_in_app_alerts_are_renumbered_and_keep_their_old_id(engine: Engine) -> None:
    add_providers(engine)
    _to(engine, "0006", "downgrade")
    with engine.begin() as connection:
        _old_alert(connection, "QA-2026-00001", logged_in_app=True, risk=True)
        _old_alert(connection, "QA-2026-00002", logged_in_app=True, risk=False)
        _old_alert(connection, "ALT-000001", logged_in_app=False, risk=None)
        # Imported with a QA- id: not the app's numbering, so not renumbered.
        _old_alert(connection, "QA-2026-00009", logged_in_app=False, risk=None)
        # An import already holds the AL- id the first alert would get.
        _old_alert(connection, "AL-2026-00001", logged_in_app=False, risk=None)
    upgrade(engine)

    with engine.connect() as connection:
        rows = {
            row.alert_id: row
            for row in connection.execute(
                text("SELECT alert_id, former_id, risk_of_harm FROM quality_alerts")
            )
        }
        visibility = set(
            connection.execute(text("SELECT DISTINCT visibility FROM alert_notes")).scalars()
        )
        note_ids = set(connection.execute(text("SELECT alert_id FROM alert_notes")).scalars())
    assert set(rows) == {
        "AL-2026-00002",  # QA-2026-00002 kept its number
        "AL-2026-00003",  # QA-2026-00001: its number was taken by an import, so the next free
        "ALT-000001",
        "QA-2026-00009",
        "AL-2026-00001",
    }
    assert rows["AL-2026-00003"].former_id == "QA-2026-00001"
    assert rows["AL-2026-00002"].former_id == "QA-2026-00002"
    assert bool(rows["AL-2026-00003"].risk_of_harm) is True
    assert bool(rows["AL-2026-00002"].risk_of_harm) is False
    assert rows["ALT-000001"].risk_of_harm is None and rows["ALT-000001"].former_id is None
    assert visibility == {"internal"}
    assert note_ids == set(rows)

    # The old id still finds the alert, and its history still reads the audit events that name it.
    detail = get_alert(engine, COMMISSIONER, "QA-2026-00001", today=TODAY)
    assert detail.alert_id == "AL-2026-00003" and detail.former_id == "QA-2026-00001"
    assert detail.risk_of_harm is True
    assert [n.visibility for n in detail.notes] == ["internal"]
    assert get_alert(engine, PROVIDER_A, "AL-2026-00003", today=TODAY).notes == ()
    # Who changed it last is read from the audit events under its old id.
    with pytest.raises(EditConflict, match="changed by cara"):
        add_note(engine, COMMISSIONER, "AL-2026-00003", "Seen.", expected_version=1)
    # A new alert is numbered after the highest AL- number of the year.
    new = log_alert(
        engine,
        COMMISSIONER,
        {
            "provider_id": "PRV-A",
            "category": "falls",
            "severity": "low",
            "summary": "Another fall.",
            "raised_by": "commissioner",
            "raised_on": TODAY,
            "risk_of_harm": False,
        },
        today=TODAY,
    )
    assert new == "AL-2026-00004"

    with engine.begin() as connection:  # undo the new alert so the downgrade sees the old set
        for table in ("alert_status_changes", "alert_notes"):
            connection.execute(text(f"DELETE FROM {table} WHERE alert_id = :id"), {"id": new})  # noqa: S608
        connection.execute(text("DELETE FROM quality_alerts WHERE alert_id = :id"), {"id": new})
    _to(engine, "0006", "downgrade")
    with engine.connect() as connection:
        ids = set(connection.execute(text("SELECT alert_id FROM quality_alerts")).scalars())
        changes = set(
            connection.execute(text("SELECT alert_id FROM alert_status_changes")).scalars()
        )
    assert ids == {"QA-2026-00001", "QA-2026-00002", "ALT-000001", "QA-2026-00009", "AL-2026-00001"}
    assert changes == {"QA-2026-00001", "QA-2026-00002"}
    upgrade(engine)
