"""a version on each report text section, checked on save

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-06 10:40:00

Two people editing one report's text: the second save used to replace the first silently. Each
section now has a version; a save names the version it started from and is refused if someone
saved since. Text already written starts at version 1.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_narratives") as batch:
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    with op.batch_alter_table("report_narratives") as batch:
        batch.drop_column("version")
