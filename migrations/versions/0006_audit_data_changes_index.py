"""index of the audit events that record data changes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:20:00

Pages cache their figures keyed on the newest audit event that records a data change (account
events such as failed sign-ins do not count). This partial index holds only those events, so that
lookup is one step however many account events come after the last data change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DATA_CHANGES = sa.text("entity <> 'user'")


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_data_changes",
        "audit_events",
        ["id"],
        sqlite_where=DATA_CHANGES,
        postgresql_where=DATA_CHANGES,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_data_changes", table_name="audit_events")
