"""Rows of the in-process source's record reads are named tuples (query.named_rows), read by
index; a statement whose columns cannot all be fields of one keeps SQLAlchemy's rows."""

from sqlalchemy import Row, literal, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from resolvers.sources.in_process.query import _named, named_rows


def test_columns_that_can_be_fields_make_one_class_kept_for_the_next_read() -> None:
    named = _named(("id", "name", "release_id"))
    assert named is not None and named._fields == ("id", "name", "release_id")
    assert _named(("id", "name", "release_id")) is named


def test_columns_that_cannot_all_be_fields_make_none() -> None:
    assert _named(("id", "id")) is None
    assert _named(("id", "class")) is None
    assert _named(("id", "_hidden")) is None
    assert _named(("id", "count(*)")) is None


async def test_rows_read_by_name_as_sqlalchemy_gives_them() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        async with AsyncSession(engine) as session:
            statement = select(literal(7).label("id"), literal("Rustamov").label("name"))
            (row,) = await named_rows(session, statement)
            assert not isinstance(row, Row)
            assert (row.id, row.name) == (7, "Rustamov") and tuple(row) == (7, "Rustamov")
            # Two columns of one name: SQLAlchemy's row, as it was.
            (same,) = await named_rows(
                session, select(literal(1).label("id"), literal(2).label("id"))
            )
            assert isinstance(same, Row) and tuple(same) == (1, 2)
    finally:
        await engine.dispose()
