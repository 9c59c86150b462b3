"""One list over both administrations: fetch each source after its own position, merge in one
total order, take the first n (DESIGN.md §9). A page never skips or repeats an item."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from resolvers.exchange.context import ExchangeContext
from resolvers.exchange.cursors import CursorScope, filter_digest
from resolvers.sources.base import AdministrationSource, SourceDown
from resolvers.sources.records import Page, PageRequest, Position
from store.models.domain import Administration


class Listed(Protocol):
    """What the merge reads of a listed record besides its sort key: whose it is, its id."""

    @property
    def owner(self) -> Administration: ...

    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=Listed)
Fetch = Callable[[AdministrationSource, PageRequest], Awaitable[Page[T]]]


@dataclass(frozen=True, slots=True)
class Edge(Generic[T]):
    node: T
    cursor: str


@dataclass(frozen=True, slots=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@dataclass(frozen=True, slots=True)
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def empty_connection() -> Connection[Any]:
    return Connection(edges=[], page_info=PageInfo(False, None), total_count=0)


def _order(sort_key: Callable[[Any], datetime]) -> Callable[[Any], tuple[datetime, str, int]]:
    # Descending by sort key, then owner, then local id: total, and each source's own order
    # (sort key DESC, id DESC) is preserved inside it.
    return lambda record: (sort_key(record), record.owner.value, record.id)


async def merged_connection(
    context: ExchangeContext,
    list_name: str,
    filter_value: Any,
    first: int,
    after: str | None,
    fetch: Fetch[T],
    sort_key: Callable[[T], datetime],
    owners: list[Administration] | None = None,
) -> Connection[T]:
    owners = owners if owners is not None else list(context.administrations)
    scope = CursorScope(list_name, filter_digest(filter_value), context.principal.administration)
    positions: dict[Administration, Position | None] = {owner: None for owner in owners}
    if after is not None:
        positions.update(context.cursors.decode(after, scope))

    async def from_source(owner: Administration) -> Page[T] | None:
        request = PageRequest(limit=first, after=positions.get(owner))
        try:
            return await context.call(owner, lambda source: fetch(source, request))
        except SourceDown:
            context.source_unavailable(owner)
            return None

    pages = dict(zip(owners, await asyncio.gather(*(from_source(o) for o in owners)), strict=True))
    candidates = [item for page in pages.values() if page is not None for item in page.items]
    candidates.sort(key=_order(sort_key), reverse=True)
    taken, left_over = candidates[:first], candidates[first:]

    edges: list[Edge[T]] = []
    current = dict(positions)
    for record in taken:
        current[record.owner] = Position(sort_key(record), record.id)
        edges.append(Edge(node=record, cursor=context.cursors.encode(scope, current)))
    has_next = bool(left_over) or any(page is not None and page.has_more for page in pages.values())
    total = sum(page.total_count for page in pages.values() if page is not None)
    end_cursor = edges[-1].cursor if edges else after
    return Connection(edges=edges, page_info=PageInfo(has_next, end_cursor), total_count=total)
