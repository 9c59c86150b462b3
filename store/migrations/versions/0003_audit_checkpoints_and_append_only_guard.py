"""audit checkpoints and append-only guard

The audit tables refuse UPDATE and DELETE in the database itself, whoever connects:

- audit_events, audit_checkpoints, audit_cosignatures: no UPDATE, no DELETE (and on
  PostgreSQL no TRUNCATE), by triggers on SQLite and by trigger functions on PostgreSQL;
- audit_head (the chain's tip, updated by every append): never deleted, and its seq never
  goes back (`cmaa audit verify` compares its content with the log).

On PostgreSQL the application also runs as a role without those privileges: this migration
creates the role `cmaa_app` (NOLOGIN) when the migrating user may create roles, and grants it
SELECT and INSERT only on the append-only tables, SELECT and UPDATE on audit_head, and the
usual privileges on every other table. Production connects with a login role that is a
member of it (CREATE ROLE gateway LOGIN PASSWORD '...' IN ROLE cmaa_app); migrations run as
the tables' owner. Where the role cannot be created here, create it as above and re-run
the GRANT statements below (APP_ROLE_GRANTS).

SQLite's batch mode rebuilds a table to alter it, which drops its triggers: a later
migration that alters one of these tables in batch mode must create its triggers again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:52:06.120227
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ('audit_events', 'audit_checkpoints', 'audit_cosignatures')
APP_ROLE = 'cmaa_app'


def _sqlite_guard() -> None:
    for table in APPEND_ONLY:
        for action in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )
    op.execute(
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        "BEGIN SELECT RAISE(ABORT, 'audit_head is the chain''s tip: DELETE refused'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head "
        "WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id "
        "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward: UPDATE refused'); END"
    )
    # Its one row was inserted with the table (0001).
    op.execute(
        "CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head "
        "BEGIN SELECT RAISE(ABORT, 'audit_head has one row: INSERT refused'); END"
    )


POSTGRES_FUNCTIONS = (
    """
CREATE FUNCTION cmaa_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
""",
    """
CREATE FUNCTION cmaa_audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit_head is the chain''s one tip: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.seq < OLD.seq OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'audit_head only moves forward: UPDATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
""",
)

# Run only where the role exists; %(schema)s is the migrated schema.
APP_ROLE_GRANTS = (
    "GRANT USAGE ON SCHEMA %(schema)s TO cmaa_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %(schema)s TO cmaa_app",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %(schema)s TO cmaa_app",
    "REVOKE ALL ON %(schema)s.alembic_version FROM cmaa_app",
    "REVOKE UPDATE, DELETE, TRUNCATE ON %(schema)s.audit_events, %(schema)s.audit_checkpoints, "
    "%(schema)s.audit_cosignatures FROM cmaa_app",
    "REVOKE INSERT, DELETE, TRUNCATE ON %(schema)s.audit_head FROM cmaa_app",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA %(schema)s "
    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cmaa_app",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA %(schema)s GRANT USAGE, SELECT ON SEQUENCES TO cmaa_app",
)


def _postgres_app_role() -> str:
    grants = "\n".join(
        f"            EXECUTE format('{grant.replace('%(schema)s', '%1$I')}', current_schema());"
        for grant in APP_ROLE_GRANTS
    )
    # Built from this module's constants only: nothing here comes from outside.
    return f"""
DO $$
BEGIN
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} NOLOGIN;
        END IF;
    EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN
        RAISE NOTICE 'role {APP_ROLE} not created here: %', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        BEGIN
{grants}
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'privileges of {APP_ROLE} not granted here: %', SQLERRM;
        END;
    END IF;
END
$$
"""  # noqa: S608


def _postgres_guard() -> None:
    for function in POSTGRES_FUNCTIONS:
        op.execute(function)
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cmaa_audit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cmaa_audit_append_only()"
        )
    op.execute(
        "CREATE TRIGGER audit_head_forward_only BEFORE INSERT OR UPDATE OR DELETE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION cmaa_audit_head_forward_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION cmaa_audit_head_forward_only()"
    )
    op.execute(_postgres_app_role())


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_administration', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('head_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kid', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('signature')
    )
    op.create_table('audit_cosignatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_administration', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('head_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checkpoint_signature', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column(
        'cosigner_administration', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False
    ),
    sa.Column('cosigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kid', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('signature')
    )
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _sqlite_guard()
    elif dialect == 'postgresql':
        _postgres_guard()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for table in APPEND_ONLY:
            for action in ('update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        for name in ('no_delete', 'forward_only', 'no_insert'):
            op.execute(f"DROP TRIGGER IF EXISTS audit_head_{name}")
    elif dialect == 'postgresql':
        for table in ('audit_events', 'audit_head'):
            for name in ('append_only', 'forward_only', 'no_truncate'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cmaa_audit_append_only()")
        op.execute("DROP FUNCTION IF EXISTS cmaa_audit_head_forward_only()")
    op.drop_table('audit_cosignatures')
    op.drop_table('audit_checkpoints')
