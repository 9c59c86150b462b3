"""Query building shared by every record kind: the policy's join, keyset paging, counting."""

import keyword
from collections import namedtuple
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, and_, false, func, or_, select
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import Label
from sqlalchemy.sql.expression import Executable
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.release import Moment, ReadGrant, covering_release, released_to_caller
from resolvers.sources.in_process.handling import RELEASE_COLUMNS
from resolvers.sources.records import PageRequest
from store.models import Release
from store.models.domain import RecordType

# A select of any columns, and the rows it gives.
AnySelect = Select[*tuple[Any, ...]]
Rows = CursorResult[*tuple[Any, ...]]


def sql(expression: object) -> ColumnElement[Any]:
    """A model's column, or a comparison of one, as the SQL expression it is at run time:
    sqlmodel types a model's attributes (and so comparisons of them) as the Python values of
    its rows."""
    return cast("ColumnElement[Any]", expression)


def visible_rows(
    columns: Sequence[ColumnElement[Any] | Mapped[Any]],
    table: Any,
    record_type: RecordType,
    grant: ReadGrant,
    now: Moment,
) -> AnySelect:
    """SELECT the columns of records the caller may see; partner rows carry their release."""
    if not grant.permitted:
        return select(*columns).select_from(table).where(false())
    if grant.own:
        return select(*columns).select_from(table)
    release = covering_release(record_type, table.id, grant, now)
    return (
        select(*columns, *RELEASE_COLUMNS)
        .select_from(table)
        .join(Release, col(Release.id) == release)
    )


def after(sort_column: Any, id_column: Any, sort_key: Any, record_id: Any) -> ColumnElement[bool]:
    """Keyset condition for a (sort key DESC, id DESC) order: the rows after (sort_key,
    record_id), values or a kept statement's bound parameters."""
    return or_(
        sort_column < sort_key,
        and_(sort_column == sort_key, id_column < record_id),
    )


def in_page_order(statement: AnySelect, sort_column: Any, id_column: Any, limit: Any) -> Any:
    """(sort key DESC, id DESC), at most `limit` rows."""
    return statement.order_by(sort_column.desc(), id_column.desc()).limit(limit)


async def rows_of(
    session: AsyncSession, statement: Executable, values: dict[str, Any] | None = None
) -> Rows:
    """A select of columns run as SQLAlchemy Core on the session's own connection (and its
    transaction): plain rows, without the ORM's per-statement and per-row work. `values` are
    those of a kept statement's bound parameters (resolvers.sources.in_process.shapes)."""
    connection = await session.connection()
    return await connection.execute(statement, values)


@lru_cache(maxsize=256)
def _named(keys: tuple[str, ...]) -> Any:
    """A named tuple class with the columns `keys`; None where they cannot all be its
    fields (a name repeated, or one a field cannot have)."""
    if len(set(keys)) != len(keys):
        return None
    if any(not key.isidentifier() or key.startswith("_") or keyword.iskeyword(key) for key in keys):
        return None
    return namedtuple("Row", keys)


async def named_rows(
    session: AsyncSession, statement: Executable, values: dict[str, Any] | None = None
) -> list[Any]:
    """rows_of's rows, each as a named tuple: a SQLAlchemy row finds an attribute by its name
    in the result's key map on every read (some 0.3 µs), a named tuple by its index, and a
    record is built from some twenty of them."""
    result = await rows_of(session, statement, values)
    named = _named(tuple(result.keys()))
    rows = result.all()
    return list(rows) if named is None else list(map(named._make, rows))


def paged(statement: AnySelect, sort_column: Any, id_column: Any, page: PageRequest) -> Any:
    """The page's statement: after the position, in (sort key DESC, id DESC) order, limit + 1
    rows (the one more tells whether more follow)."""
    if page.after is not None:
        position = page.after
        statement = statement.where(after(sort_column, id_column, position.sort_key, position.id))
    return in_page_order(statement, sort_column, id_column, page.limit + 1)


async def fetch_page(
    session: AsyncSession,
    statement: AnySelect,
    sort_column: Any,
    id_column: Any,
    page: PageRequest,
) -> tuple[list[Any], bool]:
    """One statement for the page of ORM records: limit + 1 rows tell whether more follow."""
    rows = list((await session.exec(paged(statement, sort_column, id_column, page))).all())
    return rows[: page.limit], len(rows) > page.limit


async def fetch_row_page(
    session: AsyncSession,
    statement: AnySelect,
    sort_column: Any,
    id_column: Any,
    page: PageRequest,
) -> tuple[list[Any], bool]:
    """fetch_page for a select of columns, run as Core (rows_of)."""
    rows = await named_rows(session, paged(statement, sort_column, id_column, page))
    return rows[: page.limit], len(rows) > page.limit


async def count_rows(session: AsyncSession, statement: AnySelect) -> int:
    """How many rows the (unpaged) visible statement yields: the policy-filtered count."""
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return int((await rows_of(session, counted)).one()[0])


def visible_count(
    table: Any,
    record_type: RecordType,
    grant: ReadGrant,
    now: Moment,
    where: Sequence[ColumnElement[bool]],
) -> Label[Any]:
    """count_visible's count as a column of the page's own statement (a scalar subquery
    computed once, not correlated with the page's rows): one statement for page and count."""
    return (
        select(func.count())
        .select_from(table)
        .where(released_to_caller(record_type, table.id, grant, now), *where)
        .correlate(None)
        .scalar_subquery()
        .label("visible_total")
    )


async def count_visible(
    session: AsyncSession,
    table: Any,
    record_type: RecordType,
    grant: ReadGrant,
    now: datetime,
    where: Sequence[ColumnElement[bool]],
) -> int:
    """The policy-filtered count of `table`'s rows matching `where` (conditions on the table
    alone), without the page's join to the one covering release of each row.

    A partner record is visible exactly when some active release covers it, so counting
    under the policy's EXISTS gives the same number as counting the joined rows; the
    planner runs it as one semi-join instead of a correlated look-up per row, which on a
    store of a million cases is the difference between a fraction of a second and seconds.
    """
    counted = (
        select(func.count())
        .select_from(table)
        .where(released_to_caller(record_type, table.id, grant, now), *where)
    )
    return int((await rows_of(session, counted)).one()[0])
