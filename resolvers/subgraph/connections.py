"""Pages of a source as Relay-style connections; each cursor is the item's source Position."""

from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from strawberry import federation

from resolvers.sources.cursors import encode_cursor
from resolvers.sources.records import (
    CaseRecord,
    EntityRecord,
    Page,
    Position,
    ReleaseRecord,
    RequestRecord,
)
from store.audit import LoggedEntry

T = TypeVar("T")


@federation.type(shareable=True, authenticated=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@federation.type(shareable=True, authenticated=True)
class Edge(Generic[T]):
    cursor: str
    node: T


@federation.type(shareable=True, authenticated=True)
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int = strawberry.field(
        description="How many items the caller may see in the whole list."
    )


class Listed(Protocol):
    """A record of a list: the list pages by its sort key (SORT_KEYS), then its local id."""

    @property
    def id(self) -> int: ...


Item = TypeVar("Item", bound=Listed)

# The order each list is kept in by its source: this key descending, then the local id.
SortKey = Callable[[Any], datetime]

SORT_KEYS: dict[type, SortKey] = {
    CaseRecord: attrgetter("opened_at"),
    EntityRecord: attrgetter("created_at"),
    RequestRecord: attrgetter("submitted_at"),
    ReleaseRecord: attrgetter("created_at"),
    LoggedEntry: attrgetter("at"),
}


def position_of(record: Listed) -> Position:
    return Position(sort_key=SORT_KEYS[type(record)](record), id=record.id)


def connection(page: Page[Item]) -> Connection[Item]:
    edges = [Edge(cursor=encode_cursor(position_of(item)), node=item) for item in page.items]
    return Connection(
        edges=edges,
        nodes=list(page.items),
        page_info=PageInfo(
            has_next_page=page.has_more, end_cursor=edges[-1].cursor if edges else None
        ),
        total_count=page.total_count,
    )
