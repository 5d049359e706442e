"""users are the store of record: demo flag, cookie revocation and idle, provider no FK

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 05:35:30.262501

Accounts now live in the `users` table (seeded once from config/users.yaml). `demo` marks the demo
logins the app refuses in production; `cookies_revoked_at` refuses sign-in cookies issued before a
sign-out, password reset or disabling, and `last_seen_at` refuses them after the idle timeout;
`provider_id` stops being a foreign key because the seed runs before the provider register is
imported.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("cookies_revoked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f("fk_users_provider_id_providers"), type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_users_provider_id_providers"),
            "providers",
            ["provider_id"],
            ["provider_id"],
        )
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("cookies_revoked_at")
        batch_op.drop_column("demo")
