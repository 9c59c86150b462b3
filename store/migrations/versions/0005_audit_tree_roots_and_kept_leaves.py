"""audit tree roots and kept leaves

Checkpoints and cosignatures gain the RFC 9162 tree root they sign (NULL for those made before)
and the tree's frontier; `audit_tree_leaves` keeps the entry hashes a signed root covers (the
owner's own log in its store, the partner's log in the cosigner's), append-only like the rest
of the audit tables.

The columns are added with plain ALTER TABLE ... ADD COLUMN (no batch rebuild), so the
append-only triggers of 0003 stay in place on SQLite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEAVES = 'audit_tree_leaves'
SIGNED = ('audit_checkpoints', 'audit_cosignatures')

# Run only where the role of 0003 exists and may be granted to here.
POSTGRES_APP_ROLE = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cmaa_app') THEN
        BEGIN
            EXECUTE format('GRANT SELECT, INSERT ON %1$I.{LEAVES} TO cmaa_app', current_schema());
            EXECUTE format(
                'REVOKE UPDATE, DELETE, TRUNCATE ON %1$I.{LEAVES} FROM cmaa_app', current_schema()
            );
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'privileges of cmaa_app not granted here: %', SQLERRM;
        END;
    END IF;
END
$$
"""  # noqa: S608  (built from this module's constants only)


def upgrade() -> None:
    for table in SIGNED:
        op.add_column(
            table,
            sa.Column('tree_root', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        )
        op.add_column(table, sa.Column('tree_frontier', sa.JSON(), nullable=True))
    op.create_table(
        LEAVES,
        sa.Column('log_administration', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('entry_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint('log_administration', 'seq'),
    )
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for action in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER {LEAVES}_no_{action.lower()} BEFORE {action} ON {LEAVES} "
                f"BEGIN SELECT RAISE(ABORT, '{LEAVES} is append-only: {action} refused'); END"
            )
    elif dialect == 'postgresql':
        op.execute(
            f"CREATE TRIGGER {LEAVES}_append_only BEFORE UPDATE OR DELETE ON {LEAVES} "
            "FOR EACH ROW EXECUTE FUNCTION cmaa_audit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {LEAVES}_no_truncate BEFORE TRUNCATE ON {LEAVES} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cmaa_audit_append_only()"
        )
        op.execute(POSTGRES_APP_ROLE)


def downgrade() -> None:
    op.drop_table(LEAVES)
    for table in SIGNED:
        op.drop_column(table, 'tree_frontier')
        op.drop_column(table, 'tree_root')
