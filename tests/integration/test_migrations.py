"""Migrations build the same schema on SQLite and PostgreSQL, and it matches the models."""

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store.database import create_engine
from store.migrate import StoreMismatch, migrate, prepare_store, store_administration
from store.models.domain import Administration
from tests.support.databases import fresh_database, postgres_base_url


def _type_name(column_type: Any) -> str:
    generic = column_type.as_generic()
    length = getattr(generic, "length", None)
    name = type(generic).__name__
    # PostgreSQL reports JSON as JSON and SQLite as JSON: both generic; DateTime keeps timezone.
    return f"{name}({length})" if length else name


def _describe(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        columns = {
            column["name"]: (_type_name(column["type"]), column["nullable"])
            for column in inspector.get_columns(table)
        }
        schema[table] = {
            "columns": columns,
            "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted(
                (tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
                # PostgreSQL also lists each unique constraint's own index.
                if not index.get("duplicates_constraint")
            ),
            "unique": sorted(
                tuple(unique["column_names"]) for unique in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (
                    tuple(key["constrained_columns"]),
                    key["referred_table"],
                    tuple(key["referred_columns"]),
                    (key.get("options") or {}).get("ondelete"),
                )
                for key in inspector.get_foreign_keys(table)
            ),
        }
    return schema


def _model_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


async def _migrated_schema(url: str) -> tuple[dict[str, Any], list[Any]]:
    await migrate(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            schema = await connection.run_sync(_describe)
            differences = await connection.run_sync(_model_differences)
    finally:
        await engine.dispose()
    return schema, differences


async def test_migrations_match_the_models(empty_database_url: str) -> None:
    schema, differences = await _migrated_schema(empty_database_url)
    assert differences == []
    assert set(schema) == set(SQLModel.metadata.tables)


@pytest.mark.skipif(postgres_base_url() is None, reason="CMAA_TEST_POSTGRES_URL is not set")
async def test_sqlite_and_postgresql_schemas_are_equivalent(tmp_path: Path) -> None:
    async with fresh_database("sqlite", tmp_path) as sqlite_url:
        sqlite_schema, _ = await _migrated_schema(sqlite_url)
    async with fresh_database("postgres", tmp_path) as postgres_url:
        postgres_schema, _ = await _migrated_schema(postgres_url)
    assert sqlite_schema.keys() == postgres_schema.keys()
    for table in sqlite_schema:
        assert sqlite_schema[table] == postgres_schema[table], table


async def test_migrating_twice_changes_nothing(empty_database_url: str) -> None:
    first, _ = await _migrated_schema(empty_database_url)
    second, _ = await _migrated_schema(empty_database_url)
    assert first == second


async def test_a_store_keeps_its_administration(empty_database_url: str) -> None:
    await prepare_store(empty_database_url, Administration.UZ)
    await prepare_store(empty_database_url, Administration.UZ)
    engine = create_engine(empty_database_url)
    try:
        assert await store_administration(engine) is Administration.UZ
    finally:
        await engine.dispose()
    with pytest.raises(StoreMismatch, match="belongs to UZ, not US"):
        await prepare_store(empty_database_url, Administration.US)
