"""Board decision history; versions on improvement plans and actions

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06 10:40:00

One current Board decision per provider and month. A later decision amends the current one (with
a reason) and the earlier one stays as "superseded"; a decision can be withdrawn with a reason.
Existing rows: the newest decision per provider and month stays current, earlier ones become
superseded (what the Board page already showed). A partial unique index holds the rule in the
database whoever writes. Improvement plans and their actions get a version, checked on every
update as alerts and enhanced monitoring already are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CURRENT = sa.text("status = 'current'")


def upgrade() -> None:
    with op.batch_alter_table("board_decisions") as batch:
        batch.add_column(
            sa.Column("status", sa.String(32), nullable=False, server_default="current")
        )
        batch.add_column(sa.Column("amend_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_board_decisions_supersedes_id_board_decisions",
            "board_decisions",
            ["supersedes_id"],
            ["id"],
        )
    op.execute(
        "UPDATE board_decisions SET status = 'superseded' WHERE id NOT IN "
        "(SELECT newest FROM (SELECT MAX(id) AS newest FROM board_decisions "
        "GROUP BY provider_id, board_month) AS latest)"
    )
    op.create_index(
        "uq_board_decisions_current",
        "board_decisions",
        ["provider_id", "board_month"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    for table in ("improvement_plans", "improvement_actions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in ("improvement_actions", "improvement_plans"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
    op.drop_index("uq_board_decisions_current", table_name="board_decisions")
    with op.batch_alter_table("board_decisions") as batch:
        batch.drop_constraint(
            "fk_board_decisions_supersedes_id_board_decisions", type_="foreignkey"
        )
        for column in (
            "withdrawn_at",
            "withdrawn_by",
            "withdrawn_reason",
            "supersedes_id",
            "amend_reason",
            "status",
        ):
            batch.drop_column(column)
