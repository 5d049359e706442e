"""each quality alert has an owner: the council officer assigned to it

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-06 11:30:00

`quality_alerts.assigned_to` holds the username of the council officer who owns the work on the
alert (set when work starts, changed with a note). Every existing alert starts unassigned: nobody
was chosen. Indexed for the register's "Assigned to me" filter and the landing page's line.

Plain DDL that runs the same on SQLite and PostgreSQL; the column is added without rebuilding the
table (the alert tables are referenced by others).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("quality_alerts", sa.Column("assigned_to", sa.String(length=64), nullable=True))
    op.create_index("ix_quality_alerts_assigned_to", "quality_alerts", ["assigned_to"])


def downgrade() -> None:
    op.drop_index("ix_quality_alerts_assigned_to", table_name="quality_alerts")
    op.drop_column("quality_alerts", "assigned_to")
