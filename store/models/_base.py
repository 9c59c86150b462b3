"""Column helpers shared by every table of an administration's store.

Enumerated values are stored as plain strings (validated by the domain enums in Python) so the
SQLite and PostgreSQL schemas stay column-for-column identical; timestamps are always UTC.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Table, inspect
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every datetime we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The table a `table=True` model maps to, for Core statements. SQLModel sets `__table__`
    on such a class without declaring it; the class's mapper names the same table, typed."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def timestamp(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    return Field(
        default_factory=utcnow if default_now else None,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index),
    )


def json_list(*, nullable: bool = False) -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=nullable))


def json_object(*, nullable: bool = False) -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=nullable))
