"""`cases(filter: {owners})`: the list of only some administrations' cases, still only those
the caller may see (its own and the partner's released to it), counted and paged as such;
the sources not chosen are not asked."""

from typing import Any

import httpx
import pytest

from resolvers.introspection import NOT_VALID
from tests.gateway.conftest import World
from tests.gateway.support import (
    Row,
    decode_id,
    instrumented,
    only_error,
    own_rows,
    post_graphql,
    released_rows,
    visible_rows,
)

CASES = """
query Cases($first: Int!, $after: String, $filter: CaseFilter) {
  cases(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id owner } }
  }
}
"""

DASHBOARDS = {"US": "us-dashboard", "UZ": "uz-dashboard"}


def expected_rows(world: World, caller: str, owner: str) -> list[Row]:
    """The owner's cases the caller may see, in the gateway's order."""
    if owner == caller:
        rows = own_rows(world.stores, owner, "CASE")
    else:
        rows = released_rows(world.stores, owner, caller, "CASE")
    return sorted(rows, reverse=True)


def cases_page(
    http: httpx.Client, world: World, client_id: str, **variables: Any
) -> dict[str, Any]:
    response = post_graphql(http, world.base_url, world.token(client_id), CASES, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"]["cases"])


def page_through(
    http: httpx.Client, world: World, client_id: str, size: int, owners: list[str] | None
) -> list[dict[str, Any]]:
    """Every page of the list, following endCursor."""
    pages: list[dict[str, Any]] = []
    after = None
    for _ in range(500):
        page = cases_page(
            http, world, client_id, first=size, after=after, filter={"owners": owners}
        )
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the list did not end")


def keys(pages: list[dict[str, Any]]) -> list[tuple[str, int]]:
    found = []
    for page in pages:
        for edge in page["edges"]:
            type_name, owner, local_id = decode_id(edge["node"]["id"])
            assert (type_name, owner) == ("Case", edge["node"]["owner"])
            found.append((owner, local_id))
    return found


@pytest.mark.parametrize(
    ("caller", "owner", "size"),
    [("US", "US", 100), ("US", "UZ", 5), ("UZ", "UZ", 100), ("UZ", "US", 7)],
)
def test_owners_lists_exactly_the_visible_cases_of_those_owners(
    http: httpx.Client, world: World, caller: str, owner: str, size: int
) -> None:
    expected = expected_rows(world, caller, owner)
    assert expected, "the seed gives each caller cases of each owner"
    assert len(expected) < len(visible_rows(world.stores, caller, "CASE"))
    pages = page_through(http, world, DASHBOARDS[caller], size, [owner])
    assert len(pages) > 1, "the list is paged with `after`"
    assert len(pages) == -(-len(expected) // size)
    assert keys(pages) == [(row.owner, row.id) for row in expected]
    for page in pages:
        assert page["totalCount"] == len(expected)
    for page in pages[:-1]:
        assert len(page["edges"]) == size
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
    assert pages[-1]["pageInfo"]["hasNextPage"] is False
    assert 1 <= len(pages[-1]["edges"]) <= size


def test_only_the_chosen_source_is_asked(http: httpx.Client, world: World) -> None:
    with instrumented(world.administrations) as sources:
        page = cases_page(http, world, "us-dashboard", first=5, filter={"owners": ["UZ"]})
    assert {edge["node"]["owner"] for edge in page["edges"]} == {"UZ"}
    assert sources["UZ"].calls["list_cases"] == 1
    assert sources["US"].calls["list_cases"] == 0


def test_an_undesignated_caller_gets_no_partner_cases(http: httpx.Client, world: World) -> None:
    """Partner cases go only to designated officials, whatever the owners asked for."""
    assert released_rows(world.stores, "US", "UZ", "CASE")
    page = cases_page(http, world, "uz-undesignated", first=10, filter={"owners": ["US"]})
    assert page == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


@pytest.mark.parametrize("owners", [None, ["US", "UZ"], ["UZ", "US", "UZ"]])
def test_both_owners_or_none_is_the_whole_list(
    http: httpx.Client, world: World, owners: list[str] | None
) -> None:
    expected = visible_rows(world.stores, "UZ", "CASE")
    page = cases_page(http, world, "uz-dashboard", first=20, filter={"owners": owners})
    assert page["totalCount"] == len(expected)
    assert keys([page]) == [(row.owner, row.id) for row in expected[:20]]
    # The same list: a cursor of the unfiltered list continues it, and the other way round.
    unfiltered = cases_page(http, world, "uz-dashboard", first=20)
    assert page["edges"] == unfiltered["edges"]
    following = cases_page(
        http,
        world,
        "uz-dashboard",
        first=20,
        after=unfiltered["pageInfo"]["endCursor"],
        filter={"owners": owners},
    )
    assert keys([following]) == [(row.owner, row.id) for row in expected[20:40]]


def test_duplicate_owners_are_harmless(http: httpx.Client, world: World) -> None:
    once = cases_page(http, world, "us-dashboard", first=30, filter={"owners": ["UZ"]})
    twice = cases_page(http, world, "us-dashboard", first=30, filter={"owners": ["UZ", "UZ"]})
    assert once == twice
    assert once["totalCount"] == len(expected_rows(world, "US", "UZ"))


def test_no_owners_at_all_is_refused_and_nothing_is_read(http: httpx.Client, world: World) -> None:
    with instrumented(world.administrations) as sources:
        response = post_graphql(
            http,
            world.base_url,
            world.token("us-dashboard"),
            CASES,
            {"first": 5, "filter": {"owners": []}},
        )
    assert response.status_code == 200
    body = response.json()
    # `cases` is non-null: refusing it leaves no data at all.
    assert body["data"] is None
    error = only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.owners"}
    assert error["path"] == ["cases"]
    assert error["message"] == (
        "owners must name at least one administration; leave it out for both."
    )
    assert not any(source.calls for source in sources.values()), "a source was read"


def test_an_unknown_owner_is_refused_before_execution(http: httpx.Client, world: World) -> None:
    """Owners are the schema's Administration enum: anything else is not a valid variable."""
    response = post_graphql(
        http,
        world.base_url,
        world.token("us-dashboard"),
        CASES,
        {"first": 5, "filter": {"owners": ["FR"]}},
    )
    body = response.json()
    assert "data" not in body
    error = only_error(body)
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    # A client not trusted with the schema is not told which values the enum has.
    assert error["message"] == NOT_VALID
