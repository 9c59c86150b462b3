"""The database itself refuses to change or remove audit entries, on SQLite and PostgreSQL:
triggers on every connection, and on PostgreSQL also the application role's privileges."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from store.audit import append_audit, check_chain, read_head
from store.database import create_engine
from tests.audit.conftest import US, entry, execute, prepare_log_store

REFUSED = [
    ("UPDATE audit_events SET subject = 'someone else' WHERE seq = 2", "append-only"),
    ("UPDATE audit_events SET seq = 99 WHERE seq = 3", "append-only"),
    ("DELETE FROM audit_events WHERE seq = 2", "append-only"),
    ("DELETE FROM audit_events", "append-only"),
    ("UPDATE audit_head SET seq = 1", "only moves forward"),
    ("DELETE FROM audit_head", "refused"),
    ("INSERT INTO audit_head (id, seq, entry_hash) VALUES (2, 0, 'x')", "refused"),
]


async def test_the_database_refuses_to_change_the_log(empty_database_url: str) -> None:
    await prepare_log_store(empty_database_url, US, 4)
    for statement, reason in REFUSED:
        with pytest.raises(DBAPIError) as refused:
            await execute(empty_database_url, statement)
        assert reason in str(refused.value), statement
    engine = create_engine(empty_database_url)
    try:
        async with AsyncSession(engine) as session:
            check = await check_chain(session)
            assert check.problem is None
            assert await read_head(session) == (4, check.head_hash)
    finally:
        await engine.dispose()


async def test_checkpoints_and_cosignatures_are_append_only(empty_database_url: str) -> None:
    await prepare_log_store(empty_database_url, US, 1)
    await execute(
        empty_database_url,
        "INSERT INTO audit_checkpoints (log_administration, size, head_hash, signed_at, kid, "
        "public_jwk, signature) VALUES ('US', 1, 'h', CURRENT_TIMESTAMP, 'k', '{}', 's')",
    )
    await execute(
        empty_database_url,
        "INSERT INTO audit_cosignatures (log_administration, size, head_hash, signed_at, "
        "checkpoint_signature, cosigner_administration, cosigned_at, kid, public_jwk, "
        "signature) VALUES ('US', 1, 'h', CURRENT_TIMESTAMP, 's', 'UZ', CURRENT_TIMESTAMP, "
        "'k', '{}', 't')",
    )
    await execute(
        empty_database_url,
        "INSERT INTO audit_tree_leaves (log_administration, seq, entry_hash) VALUES ('US', 1, 'h')",
    )
    for statement in (
        "UPDATE audit_checkpoints SET size = 0",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_cosignatures SET size = 0",
        "DELETE FROM audit_cosignatures",
        "UPDATE audit_tree_leaves SET entry_hash = 'x'",
        "DELETE FROM audit_tree_leaves",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            await execute(empty_database_url, statement)


async def test_postgres_refuses_truncate(database_kind: str, empty_database_url: str) -> None:
    if database_kind != "postgres":
        pytest.skip("TRUNCATE is PostgreSQL's")
    await prepare_log_store(empty_database_url, US, 2)
    for table in ("audit_events", "audit_head", "audit_checkpoints", "audit_tree_leaves"):
        with pytest.raises(DBAPIError, match="refused"):
            await execute(empty_database_url, f"TRUNCATE {table}")


async def test_the_application_role_may_append_but_not_change(
    database_kind: str, empty_database_url: str
) -> None:
    """Even with the triggers out of the way, `cmaa_app` lacks UPDATE and DELETE on the log."""
    if database_kind != "postgres":
        pytest.skip("roles are PostgreSQL's")
    await prepare_log_store(empty_database_url, US, 3)
    await execute(empty_database_url, "ALTER TABLE audit_events DISABLE TRIGGER USER")
    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SET ROLE cmaa_app"))
            await connection.commit()
            async with AsyncSession(bind=connection) as session:
                await append_audit(session, entry(4))
                await session.commit()
            for statement in (
                "UPDATE audit_events SET subject = 'x' WHERE seq = 1",
                "DELETE FROM audit_events WHERE seq = 1",
                "TRUNCATE audit_events",
                "DELETE FROM audit_head",
                "UPDATE audit_checkpoints SET size = 0",
                "DELETE FROM audit_tree_leaves",
            ):
                with pytest.raises(DBAPIError, match="permission denied"):
                    async with connection.begin():
                        await connection.execute(text(statement))
            await connection.execute(text("RESET ROLE"))
            await connection.commit()
        async with AsyncSession(engine) as session:
            check = await check_chain(session)
        assert (check.problem, check.size) == (None, 4)
    finally:
        await engine.dispose()
