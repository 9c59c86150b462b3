"""Helpers of the source suite: callers with real tokens, the expected sets in plain SQL,
and counting SQL statements."""

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, bindparam, event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.forwarding import forwarding
from auth.principal import Principal
from resolvers.sources.base import AdministrationSource
from resolvers.sources.records import Page, PageRequest, Position
from store.models.domain import Administration

T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    """A verified principal and the bearer token it was verified from."""

    principal: Principal
    token: str


async def read(caller: Caller, call: Callable[[Principal], Awaitable[T]]) -> T:
    """One source call as the gateway makes it: with the caller's token bound."""
    with forwarding(caller.principal, caller.token):
        return await call(caller.principal)


async def every_page(
    caller: Caller,
    fetch: Callable[[Principal, PageRequest], Awaitable[Page[Any]]],
    size: int,
    sort_key: Callable[[Any], datetime],
) -> list[Any]:
    """Page through a list to its end, each page after the last item of the one before."""
    items: list[Any] = []
    request = PageRequest(limit=size)
    while True:
        page = await read(caller, lambda principal, r=request: fetch(principal, r))
        items.extend(page.items)
        if not page.has_more:
            return items
        last = page.items[-1]
        request = PageRequest(limit=size, after=Position(sort_key=sort_key(last), id=last.id))


# -- the expected sets, in plain SQL over the owner's store (not through auth.policy) --------

_ACTIVE_RELEASE = """
    FROM release_items ri JOIN releases r ON r.id = ri.release_id
    WHERE ri.record_type = :record_type AND r.recipient = :recipient
      AND r.revoked_at IS NULL AND r.expires_at > :now
"""
TABLE_OF = {"CASE": "cases", "ENTITY": "entities", "EVIDENCE": "evidence"}


def _moment(name: str) -> Any:
    return bindparam(name, type_=DateTime(timezone=True))


async def all_ids(engine: AsyncEngine, record_type: str) -> set[int]:
    async with engine.connect() as connection:
        rows = await connection.execute(text(f"SELECT id FROM {TABLE_OF[record_type]}"))
        return {int(row[0]) for row in rows}


async def released_ids(
    engine: AsyncEngine, record_type: str, recipient: Administration, now: datetime
) -> set[int]:
    """Records of `record_type` that some active release hands to `recipient`."""
    statement = text(
        f"SELECT DISTINCT ri.record_id {_ACTIVE_RELEASE} "
        f"AND ri.record_id IN (SELECT id FROM {TABLE_OF[record_type]})"
    ).bindparams(_moment("now"))
    async with engine.connect() as connection:
        rows = await connection.execute(
            statement, {"record_type": record_type, "recipient": recipient.value, "now": now}
        )
        return {int(row[0]) for row in rows}


async def released_with_personal_data(
    engine: AsyncEngine, recipient: Administration, now: datetime
) -> set[int]:
    """Persons whose personal data an active release hands to `recipient`."""
    statement = text(
        f"SELECT DISTINCT ri.record_id {_ACTIVE_RELEASE} "
        "AND r.includes_personal_data = :yes "
        "AND ri.record_id IN (SELECT id FROM entities WHERE kind = 'PERSON')"
    ).bindparams(_moment("now"))
    async with engine.connect() as connection:
        rows = await connection.execute(
            statement,
            {"record_type": "ENTITY", "recipient": recipient.value, "now": now, "yes": True},
        )
        return {int(row[0]) for row in rows}


async def person_ids(engine: AsyncEngine) -> set[int]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT id FROM entities WHERE kind = 'PERSON'"))
        return {int(row[0]) for row in rows}


async def execute(engine: AsyncEngine, sql: str, **values: Any) -> None:
    statement = text(sql).bindparams(
        *(_moment(name) for name, value in values.items() if isinstance(value, datetime))
    )
    async with engine.begin() as connection:
        await connection.execute(statement, values)


async def fetch_all(engine: AsyncEngine, sql: str, **values: Any) -> list[Any]:
    statement = text(sql).bindparams(
        *(_moment(name) for name, value in values.items() if isinstance(value, datetime))
    )
    async with engine.connect() as connection:
        return list(await connection.execute(statement, values))


# -- counting statements ---------------------------------------------------------------------


def _in_background_task() -> bool:
    """Whether the statement comes from the audit checkpointer's own task (gateway.audit_exchange
    names it `checkpointer-…`), which runs on its cadence, not for any operation."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return False
    return task is not None and task.get_name().startswith("checkpointer-")


class StatementCounter:
    """SQL statements an operation sends on an engine, from whatever thread runs it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, *_: Any) -> None:
        if _in_background_task():
            return
        with self._lock:
            self.count += 1


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counter)


SourcesByAdministration = dict[Administration, AdministrationSource]
