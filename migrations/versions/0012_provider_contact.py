"""optional address, contact and registered manager on each provider

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-06 11:25:00

The provider profile (and its one-page PDF for a contract-monitoring visit) shows where the
service is, how to reach it and who its registered manager is. The providers file may now carry
these as optional columns; providers already in the register have none recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("address", sa.String(500), nullable=True))
        batch.add_column(sa.Column("contact", sa.String(500), nullable=True))
        batch.add_column(sa.Column("registered_manager", sa.String(200), nullable=True))


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ and PostgreSQL), not by copying the table: a copy would
    # drop `providers` while alerts, concerns and plans still refer to it.
    for column in ("registered_manager", "contact", "address"):
        op.drop_column("providers", column)
