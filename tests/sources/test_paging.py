"""Paging through a source: whole lists in any page size, and a fixed number of SQL
statements per page whatever its size (no per-row query, on either transport)."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from auth.principal import Principal
from resolvers.sources.filters import CaseFilter, EntityFilter, RequestFilter
from resolvers.sources.records import Page, PageRequest
from store.models.domain import Administration
from tests.sources.conftest import Transport
from tests.sources.support import Caller, counting_statements, every_page, read

Lister = Callable[[Any, Principal, PageRequest], Awaitable[Page[Any]]]

LISTS: dict[str, tuple[Lister, Callable[[Any], Any]]] = {
    "cases": (
        lambda source, principal, page: source.list_cases(principal, CaseFilter(), page),
        lambda case: case.opened_at,
    ),
    "entities": (
        lambda source, principal, page: source.list_entities(principal, EntityFilter(), page),
        lambda entity: entity.created_at,
    ),
    "requests": (
        lambda source, principal, page: source.list_requests(principal, RequestFilter(), page),
        lambda request: request.submitted_at,
    ),
    "releases": (
        lambda source, principal, page: source.list_releases(principal, page),
        lambda release: release.created_at,
    ),
}


@pytest.mark.parametrize("list_name", sorted(LISTS))
@pytest.mark.parametrize("reader", ["own", "partner"])
async def test_any_page_size_pages_through_the_same_list(
    transport: Transport,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    list_name: str,
    reader: str,
) -> None:
    caller = callers[(owner if reader == "own" else owner.partner, "dashboard")]
    source = transport.sources[owner]
    lister, sort_key = LISTS[list_name]

    def fetch(principal: Principal, page: PageRequest) -> Awaitable[Page[Any]]:
        return lister(source, principal, page)

    whole = await every_page(caller, fetch, 101, sort_key)
    assert await every_page(caller, fetch, 16, sort_key) == whole
    assert len({item.id for item in whole}) == len(whole)
    first = await read(caller, lambda principal: fetch(principal, PageRequest(limit=1)))
    assert first.total_count == len(whole)
    if reader == "own" and list_name in ("cases", "entities"):
        assert len(whole) > 100, "a page of 100 must be full for the statement count to mean much"


@pytest.mark.parametrize("list_name", ["cases", "entities", "requests"])
@pytest.mark.parametrize("reader", ["own", "partner"])
async def test_statements_per_page_do_not_grow_with_the_page(
    transport: Transport,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    list_name: str,
    reader: str,
) -> None:
    caller = callers[(owner if reader == "own" else owner.partner, "dashboard")]
    source = transport.sources[owner]
    engine = transport.engines[owner]
    lister, _ = LISTS[list_name]
    await read(caller, lambda principal: lister(source, principal, PageRequest(limit=1)))

    statements: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for size in (10, 100):
        with counting_statements(engine) as counter:
            page = await read(
                caller, lambda principal, n=size: lister(source, principal, PageRequest(limit=n))
            )
        statements[size], sizes[size] = counter.count, len(page.items)

    assert statements[10] == statements[100], (sizes, statements)
    assert statements[10] > 0
    if reader == "own":
        assert sizes[100] > sizes[10]
