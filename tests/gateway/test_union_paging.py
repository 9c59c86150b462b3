"""One list over both administrations (DESIGN.md §9): each caller sees its own records and
exactly the partner records released to it, and paging through the merged list at any page
size visits each of them once, in one total order."""

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import World
from tests.gateway.support import Row, decode_id, own_rows, post_graphql, visible_rows

CASES_PAGE = """
query Cases($first: Int!, $after: String) {
  cases(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id owner openedAt } }
  }
}
"""

ENTITIES_PAGE = """
query Entities($first: Int!, $after: String) {
  entities(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id owner kind } }
  }
}
"""

DASHBOARDS = {"US": "us-dashboard", "UZ": "uz-dashboard"}


def page_through(
    http: httpx.Client, world: World, token: str, query: str, field: str, size: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every edge of the list, page after page; and every page's connection."""
    edges: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    after = None
    for _ in range(2000):
        response = post_graphql(http, world.base_url, token, query, {"first": size, "after": after})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        connection = body["data"][field]
        pages.append(connection)
        edges += connection["edges"]
        if not connection["pageInfo"]["hasNextPage"]:
            return edges, pages
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("the list did not end")


def rows_of(edges: list[dict[str, Any]], type_name: str) -> list[tuple[str, int]]:
    found = []
    for edge in edges:
        decoded_type, owner, local_id = decode_id(edge["node"]["id"])
        assert decoded_type == type_name
        assert owner == edge["node"]["owner"]
        found.append((owner, local_id))
    return found


def check_pages(pages: list[dict[str, Any]], size: int, total: int) -> None:
    for page in pages:
        assert page["totalCount"] == total
    for page in pages[:-1]:
        assert len(page["edges"]) == size
        assert page["pageInfo"]["hasNextPage"] is True
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
    last = pages[-1]
    assert last["pageInfo"]["hasNextPage"] is False
    # The end is announced on the page that holds the last record, not by an empty page.
    assert 1 <= len(last["edges"]) <= size


def expected_keys(rows: list[Row]) -> list[tuple[str, int]]:
    return [(row.owner, row.id) for row in rows]


@pytest.mark.parametrize("caller", ["US", "UZ"])
def test_cases_are_own_plus_exactly_the_released(
    http: httpx.Client, world: World, caller: str
) -> None:
    expected = visible_rows(world.stores, caller, "CASE")
    partner = [row for row in expected if row.owner != caller]
    assert partner, "the seed releases partner cases to each side"
    edges, pages = page_through(
        http, world, world.token(DASHBOARDS[caller]), CASES_PAGE, "cases", 100
    )
    got = rows_of(edges, "Case")
    assert len(got) == len(set(got)), "a record was repeated"
    assert set(got) == set(expected_keys(expected))
    assert pages[0]["totalCount"] == len(expected)


# One record a page costs a request per record: once, for the caller with the longer list.
@pytest.mark.parametrize(
    ("caller", "size"), [("UZ", 1), ("US", 7), ("UZ", 7), ("US", 100), ("UZ", 100)]
)
def test_paging_cases_visits_every_record_once_in_order(
    http: httpx.Client, world: World, caller: str, size: int
) -> None:
    expected = visible_rows(world.stores, caller, "CASE")
    edges, pages = page_through(
        http, world, world.token(DASHBOARDS[caller]), CASES_PAGE, "cases", size
    )
    check_pages(pages, size, len(expected))
    # Exactly the expected records, once each, in the total order: openedAt descending,
    # ties by owner, then local id.
    assert rows_of(edges, "Case") == expected_keys(expected)
    opened = [datetime.fromisoformat(edge["node"]["openedAt"]) for edge in edges]
    assert opened == sorted(opened, reverse=True)


@pytest.mark.parametrize(("caller", "size"), [("UZ", 13), ("US", 100), ("UZ", 100)])
def test_paging_entities_visits_every_record_once_in_order(
    http: httpx.Client, world: World, caller: str, size: int
) -> None:
    expected = visible_rows(world.stores, caller, "ENTITY")
    assert any(row.owner != caller for row in expected)
    sort_keys = [row.sort_key for row in expected]
    assert len(set(sort_keys)) < len(sort_keys), "the seed has ties on createdAt to break"
    edges, pages = page_through(
        http, world, world.token(DASHBOARDS[caller]), ENTITIES_PAGE, "entities", size
    )
    check_pages(pages, size, len(expected))
    assert rows_of(edges, "Entity") == expected_keys(expected)


@pytest.mark.parametrize("caller", ["US", "UZ"])
def test_an_undesignated_caller_sees_its_own_records_only(
    http: httpx.Client, world: World, caller: str
) -> None:
    """Partner information goes only to designated officials."""
    token = world.token(f"{caller.lower()}-undesignated")
    edges, pages = page_through(http, world, token, CASES_PAGE, "cases", 100)
    own = sorted(own_rows(world.stores, caller, "CASE"), reverse=True)
    assert rows_of(edges, "Case") == expected_keys(own)
    assert pages[0]["totalCount"] == len(own)
