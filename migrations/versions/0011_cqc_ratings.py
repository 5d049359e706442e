"""Care Quality Commission ratings: providers' CQC location id and the ratings history

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-06 10:40:00

Each provider may carry its CQC location id (providers.csv `cqc_location_id`, optional). The
monthly CQC ratings file is matched on it and every change of a published rating, per key
question, is kept in `cqc_ratings` (rows are only added, never changed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cqc_location_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_providers_cqc_location_id"), ["cqc_location_id"], unique=False
        )
    op.create_table(
        "cqc_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("key_question", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.String(length=32), nullable=True),
        sa.Column("rating_text", sa.String(length=64), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("report_url", sa.String(length=500), nullable=True),
        sa.Column("inherited", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.provider_id"],
            name=op.f("fk_cqc_ratings_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqc_ratings")),
    )
    op.create_index(
        "ix_cqc_ratings_provider_question",
        "cqc_ratings",
        ["provider_id", "key_question"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_cqc_ratings_provider_question", table_name="cqc_ratings")
    op.drop_table("cqc_ratings")
    # Dropped in place (SQLite 3.35+ and PostgreSQL), not by copying the table: a copy would
    # drop `providers` while alerts, concerns and plans still refer to it.
    op.drop_index("ix_providers_cqc_location_id", table_name="providers")
    op.drop_column("providers", "cqc_location_id")
