"""each quarter's safeguarding standards results, stored when the data changes

Revision ID: 0014_standards_results
Revises: 0013
Create Date: 2026-12-06 14:45:00

`standards_results` keeps each quarter's measure results and breakdown counts as
sgoversight.standards.rules worked them out, keyed by the quarter, the data version of what the
standards read and the rules they were worked out with (sgoversight.standards.results), so the
standards page reads some hundreds of stored rows instead of counting every concern again. The
table holds nothing that cannot be worked out again: it starts empty and is filled on the next
import or view.

Plain DDL that runs the same on SQLite and PostgreSQL (a new table: nothing to rebuild).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_standards_results"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "standards_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("rules_key", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("standard", sa.String(length=32), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standards_results")),
        sa.UniqueConstraint(
            "quarter",
            "data_version",
            "rules_key",
            "kind",
            "code",
            name="uq_standards_results_figure",
        ),
    )
    op.create_index(
        "ix_standards_results_data_version", "standards_results", ["data_version"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_standards_results_data_version", table_name="standards_results")
    op.drop_table("standards_results")
