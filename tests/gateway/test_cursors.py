"""Cursors are the gateway's own, signed, and bound to one list, one filter and one caller's
administration: anything else is refused as BAD_USER_INPUT on `after`, and nothing is read."""

import base64
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import World
from tests.gateway.support import JSON, instrumented, only_error, post_graphql

CASES = """
query Cases($after: String, $filter: CaseFilter) {
  cases(first: 3, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } }
  }
}
"""
ENTITIES = """
query Entities($after: String) {
  entities(first: 3, after: $after) { pageInfo { endCursor } edges { node { id } } }
}
"""


def end_cursor(
    http: httpx.Client, world: World, client_id: str, query: str, field: str, **variables: Any
) -> str:
    response = post_graphql(http, world.base_url, world.token(client_id), query, variables)
    body = response.json()
    assert "errors" not in body, body
    cursor = body["data"][field]["pageInfo"]["endCursor"]
    assert isinstance(cursor, str)
    return cursor


def flip(text: str, index: int) -> str:
    """The same text with one base64url character changed."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JSON)
    body = response.json()
    # `cases` is non-null: refusing it leaves no data at all, so nothing can leak.
    assert set(body) == {"data", "errors"}
    assert body["data"] is None
    error = only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert error["path"] == ["cases"]
    assert error["message"] == "The cursor is not valid for this list."


@pytest.fixture(scope="module")
def us_cursor(http: httpx.Client, world: World) -> str:
    return end_cursor(http, world, "us-dashboard", CASES, "cases")


@pytest.fixture(scope="module")
def uz_cursor(http: httpx.Client, world: World) -> str:
    return end_cursor(http, world, "uz-dashboard", CASES, "cases")


def refused_for_uz(http: httpx.Client, world: World, cursor: str, **variables: Any) -> None:
    with instrumented(world.administrations) as sources:
        response = post_graphql(
            http,
            world.base_url,
            world.token("uz-dashboard"),
            CASES,
            {"after": cursor, **variables},
        )
    assert_refused(response)
    assert not any(source.calls for source in sources.values()), "a source was read"


def test_a_genuine_cursor_continues_the_list(
    http: httpx.Client, world: World, uz_cursor: str
) -> None:
    response = post_graphql(
        http, world.base_url, world.token("uz-dashboard"), CASES, {"after": uz_cursor}
    )
    body = response.json()
    assert "errors" not in body, body
    assert len(body["data"]["cases"]["edges"]) == 3


@pytest.mark.parametrize("where", ["payload", "mac"])
@pytest.mark.parametrize("position", ["start", "middle", "end"])
def test_a_tampered_cursor_is_refused(
    http: httpx.Client, world: World, uz_cursor: str, where: str, position: str
) -> None:
    payload, mac = uz_cursor.split(".")
    part = payload if where == "payload" else mac
    index = {"start": 0, "middle": len(part) // 2, "end": len(part) - 2}[position]
    changed = flip(part, index)
    cursor = f"{changed}.{mac}" if where == "payload" else f"{payload}.{changed}"
    refused_for_uz(http, world, cursor)


def test_a_cursor_with_a_rewritten_position_is_refused(
    http: httpx.Client, world: World, uz_cursor: str
) -> None:
    """Readable JSON inside, but edited, it no longer matches its MAC."""
    payload, mac = uz_cursor.split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    edited = raw.replace(b'"US":null', b'"US":["2099-01-01T00:00:00+00:00",999999]')
    assert edited != raw
    forged = base64.urlsafe_b64encode(edited).rstrip(b"=").decode()
    refused_for_uz(http, world, f"{forged}.{mac}")


@pytest.mark.parametrize(
    "cursor", ["", "garbage", "a.b.c", "!!!.???", "x" * 2000, "eyJ2IjoxfQ.AAAA"]
)
def test_a_cursor_that_is_not_one_is_refused(http: httpx.Client, world: World, cursor: str) -> None:
    refused_for_uz(http, world, cursor)


def test_a_cursor_of_another_list_is_refused(http: httpx.Client, world: World) -> None:
    cursor = end_cursor(http, world, "uz-dashboard", ENTITIES, "entities")
    refused_for_uz(http, world, cursor)


def test_a_cursor_made_with_another_filter_is_refused(http: httpx.Client, world: World) -> None:
    filtered = end_cursor(http, world, "uz-dashboard", CASES, "cases", filter={"status": ["OPEN"]})
    refused_for_uz(http, world, filtered)
    refused_for_uz(http, world, filtered, filter={"status": ["CLOSED"]})


def test_a_cursor_made_with_other_owners_is_refused(http: httpx.Client, world: World) -> None:
    """A cursor holds a position per owner asked, so it is bound to the owners as well."""
    only_us = end_cursor(http, world, "uz-dashboard", CASES, "cases", filter={"owners": ["US"]})
    refused_for_uz(http, world, only_us)
    refused_for_uz(http, world, only_us, filter={"owners": ["UZ"]})
    refused_for_uz(http, world, only_us, filter={"owners": ["US", "UZ"]})
    refused_for_uz(http, world, only_us, filter={"owners": ["US"], "status": ["OPEN"]})
    unfiltered = end_cursor(http, world, "uz-dashboard", CASES, "cases")
    refused_for_uz(http, world, unfiltered, filter={"owners": ["US"]})


def test_a_cursor_made_with_owners_continues_the_same_owners(
    http: httpx.Client, world: World
) -> None:
    """In any order and with repeats, the same owners are the same list."""
    cursor = end_cursor(http, world, "uz-dashboard", CASES, "cases", filter={"owners": ["US"]})
    response = post_graphql(
        http,
        world.base_url,
        world.token("uz-dashboard"),
        CASES,
        {"after": cursor, "filter": {"owners": ["US", "US"]}},
    )
    body = response.json()
    assert "errors" not in body, body
    assert len(body["data"]["cases"]["edges"]) == 3


def test_a_cursor_of_a_us_caller_is_refused_to_a_uz_caller(
    http: httpx.Client, world: World, us_cursor: str
) -> None:
    refused_for_uz(http, world, us_cursor)


def test_a_cursor_of_another_client_of_the_same_administration_is_accepted(
    http: httpx.Client, world: World, uz_cursor: str
) -> None:
    """Bound to the administration (DESIGN.md §9), not to the client."""
    response = post_graphql(
        http, world.base_url, world.token("uz-analyst"), CASES, {"after": uz_cursor}
    )
    assert "errors" not in response.json()
