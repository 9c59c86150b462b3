"""idempotency input digest

The digest of each call's canonical input is kept with its idempotency key: the same key with
other input is refused instead of being answered with the first result. Keys remembered
before this revision have none and replay on their operation alone, as they did.

A plain ADD COLUMN (no batch rebuild on SQLite): idempotency_keys has no triggers to lose.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'idempotency_keys',
        sa.Column('input_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('input_digest')
