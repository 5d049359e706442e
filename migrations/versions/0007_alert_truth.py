"""quality alerts record the at-risk answer, the close-time safeguarding answer, who may read each
note, and the id an in-app alert had before the AL- numbering

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:40:00

- `quality_alerts.risk_of_harm`: the intake form's answer to "Is someone at risk of harm?". For an
  alert logged in the app before this revision it is taken from the alert's "create" audit event
  (which holds the whole form); imported alerts never had the question, so theirs stays empty
  ("Not recorded").
- `quality_alerts.safeguarding_reference` / `no_concern_reason`: asked when an alert that says
  someone is at risk of harm is closed.
- `alert_notes.visibility`: "internal" (the council's only) or "shared" (the provider's staff see
  it too). Every existing note becomes internal: nobody chose to share it.
- In-app alerts were numbered `QA-YYYY-NNNNN`, which reads as the Quality Assurance meeting; they
  become `AL-YYYY-NNNNN` (same year and number; the next free number of the year if an imported
  alert already holds that id) and keep the old id in `quality_alerts.former_id`. An alert counts
  as logged in the app when its history starts with the app's "Logged" change. Its status
  changes, notes and QA meeting items follow it; the audit trail, which can only be added to,
  keeps the old id, and the alert's history reads it under either id.

Plain SQL that runs the same on SQLite and PostgreSQL; columns are added without rebuilding any
table (the alert tables are referenced by others).
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_ID = re.compile(r"^QA-(\d{4})-(\d+)$")
NEW_PREFIX = "AL"
CHILDREN = ("alert_status_changes", "alert_notes", "qa_agenda_items")


def upgrade() -> None:
    op.add_column("quality_alerts", sa.Column("former_id", sa.String(length=64), nullable=True))
    op.add_column("quality_alerts", sa.Column("risk_of_harm", sa.Boolean(), nullable=True))
    op.add_column(
        "quality_alerts", sa.Column("safeguarding_reference", sa.String(length=100), nullable=True)
    )
    op.add_column("quality_alerts", sa.Column("no_concern_reason", sa.Text(), nullable=True))
    op.create_index("ix_quality_alerts_former_id", "quality_alerts", ["former_id"], unique=True)
    op.add_column(
        "alert_notes",
        sa.Column("visibility", sa.String(length=32), nullable=False, server_default="internal"),
    )
    connection = op.get_bind()
    _recover_risk_answers(connection)
    _renumber(connection)


def _recover_risk_answers(connection: sa.Connection) -> None:
    """The at-risk answer of every in-app alert, from its "create" audit event."""
    events = connection.execute(
        sa.text(
            "SELECT entity_id, after FROM audit_events "
            "WHERE entity = 'quality_alert' AND action = 'create' ORDER BY id"
        )
    ).all()
    for alert_id, after in events:
        if isinstance(after, str):
            after = json.loads(after)
        if not isinstance(after, dict) or not isinstance(after.get("risk_of_harm"), bool):
            continue
        connection.execute(
            sa.text("UPDATE quality_alerts SET risk_of_harm = :answer WHERE alert_id = :id"),
            {"answer": after["risk_of_harm"], "id": alert_id},
        )


def _columns(connection: sa.Connection) -> list[str]:
    return [column["name"] for column in sa.inspect(connection).get_columns("quality_alerts")]


def _move(connection: sa.Connection, old: str, new: str, former: str | None) -> None:
    """Give the alert `old` the id `new` (its history, notes and QA items follow it)."""
    columns = [c for c in _columns(connection) if c not in {"alert_id", "former_id"}]
    listed = ", ".join(columns)
    connection.execute(
        sa.text(
            f"INSERT INTO quality_alerts (alert_id, former_id, {listed}) "  # noqa: S608 - names from the schema
            f"SELECT :new, :former, {listed} FROM quality_alerts WHERE alert_id = :old"
        ),
        {"new": new, "former": former, "old": old},
    )
    for table in CHILDREN:
        connection.execute(
            sa.text(f"UPDATE {table} SET alert_id = :new WHERE alert_id = :old"),  # noqa: S608
            {"new": new, "old": old},
        )
    connection.execute(sa.text("DELETE FROM quality_alerts WHERE alert_id = :old"), {"old": old})


def _renumber(connection: sa.Connection) -> None:
    """QA-YYYY-NNNNN → AL-YYYY-NNNNN for the alerts logged in the app."""
    logged_in_app = set(
        connection.execute(
            sa.text(
                "SELECT DISTINCT alert_id FROM alert_status_changes "
                "WHERE from_status IS NULL AND reason = 'Logged'"
            )
        ).scalars()
    )
    taken = set(connection.execute(sa.text("SELECT alert_id FROM quality_alerts")).scalars())
    natural = {
        old: (match.group(1), match.group(2))
        for old in sorted(logged_in_app)
        if (match := OLD_ID.match(old)) is not None
    }
    # Alerts whose own number is free keep it; the others take the next free number of the year.
    moves = {
        old: f"{NEW_PREFIX}-{year}-{number}"
        for old, (year, number) in natural.items()
        if f"{NEW_PREFIX}-{year}-{number}" not in taken
    }
    taken |= set(moves.values())
    for old, (year, number) in natural.items():
        if old in moves:
            continue
        prefix = f"{NEW_PREFIX}-{year}-"
        used = [
            int(suffix)
            for other in taken
            if other.startswith(prefix) and (suffix := other[len(prefix) :]).isdigit()
        ]
        moves[old] = f"{prefix}{max(used, default=0) + 1:0{len(number)}d}"
        taken.add(moves[old])
    for old, new in moves.items():
        _move(connection, old, new, old)


def downgrade() -> None:
    connection = op.get_bind()
    renumbered = connection.execute(
        sa.text("SELECT alert_id, former_id FROM quality_alerts WHERE former_id IS NOT NULL")
    ).all()
    for new, old in renumbered:
        connection.execute(
            sa.text("UPDATE quality_alerts SET former_id = NULL WHERE alert_id = :new"),
            {"new": new},
        )
        _move(connection, new, old, None)
    op.drop_column("alert_notes", "visibility")
    op.drop_index("ix_quality_alerts_former_id", table_name="quality_alerts")
    op.drop_column("quality_alerts", "no_concern_reason")
    op.drop_column("quality_alerts", "safeguarding_reference")
    op.drop_column("quality_alerts", "risk_of_harm")
    op.drop_column("quality_alerts", "former_id")
