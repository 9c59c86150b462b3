"""A record the caller may not see is indistinguishable from one that does not exist
(DESIGN.md §2, §9): by id, by node, by count and by search."""

import base64

import httpx
import pytest

from tests.gateway.conftest import World
from tests.gateway.support import (
    encode_id,
    post_graphql,
    released_rows,
    unreleased_ids,
    visible_rows,
)

CASE = "query($id: ID!) { case(id: $id) { id reference title } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Case { reference title } } }"
ENTITY = "query($id: ID!) { entity(id: $id) { id kind description } }"
ENTITY_NODE = "query($id: ID!) { node(id: $id) { id ... on Entity { kind description } } }"
GARBAGE = [
    "garbage",
    "",
    base64.urlsafe_b64encode(b"Case:XX:1").decode().rstrip("="),
    base64.urlsafe_b64encode(b"Case:US:0").decode().rstrip("="),
    base64.urlsafe_b64encode(b"Case:US:-5").decode().rstrip("="),
    base64.urlsafe_b64encode(b"Release:US:1").decode().rstrip("="),
    base64.urlsafe_b64encode(b"Case:US:0019").decode().rstrip("="),
    base64.urlsafe_b64encode("Case:US:١٩".encode()).decode().rstrip("="),
    "Q2FzZTpVUzo" + "x" * 80,
]


def answer(http: httpx.Client, world: World, query: str, node_id: str) -> httpx.Response:
    return post_graphql(http, world.base_url, world.token("uz-dashboard"), query, {"id": node_id})


@pytest.fixture(scope="module")
def hidden_us_cases(world: World) -> list[int]:
    """US cases not released to UZ: some once released (revoked or expired), some never."""
    return hidden(world, "CASE")


def hidden(world: World, record_type: str) -> list[int]:
    ids = unreleased_ids(world.stores, "US", "UZ", record_type)
    released = {row.id for row in released_rows(world.stores, "US", "UZ", record_type)}
    assert ids and not set(ids) & released
    return ids[:3] + ids[-3:]


@pytest.mark.parametrize(
    ("type_name", "query", "field"),
    [
        ("Case", CASE, "case"),
        ("Case", NODE, "node"),
        ("Entity", ENTITY, "entity"),
        ("Entity", ENTITY_NODE, "node"),
    ],
    ids=["case", "case-node", "entity", "entity-node"],
)
def test_an_unreleased_record_answers_exactly_like_a_missing_one(
    http: httpx.Client, world: World, type_name: str, query: str, field: str
) -> None:
    missing = answer(http, world, query, encode_id(type_name, "US", 999999))
    assert missing.status_code == 200
    assert missing.json() == {"data": {field: None}}
    for local_id in hidden(world, type_name.upper()):
        hidden_one = answer(http, world, query, encode_id(type_name, "US", local_id))
        assert hidden_one.status_code == missing.status_code
        assert hidden_one.content == missing.content
        assert hidden_one.headers["content-type"] == missing.headers["content-type"]
    for garbage in GARBAGE:
        other = answer(http, world, query, garbage)
        assert (other.status_code, other.content) == (missing.status_code, missing.content)


def test_a_released_record_is_found_by_both(http: httpx.Client, world: World) -> None:
    """The control: the same queries do find what is released."""
    for type_name, queries in (("Case", (CASE, NODE)), ("Entity", (ENTITY, ENTITY_NODE))):
        released = released_rows(world.stores, "US", "UZ", type_name.upper())[0]
        node_id = encode_id(type_name, "US", released.id)
        for query in queries:
            body = answer(http, world, query, node_id).json()
            assert body["data"] and next(iter(body["data"].values()))["id"] == node_id


def test_counts_are_of_visible_records_only(
    http: httpx.Client, world: World, hidden_us_cases: list[int]
) -> None:
    query = "{ cases(first: 1) { totalCount } }"
    body = post_graphql(http, world.base_url, world.token("uz-dashboard"), query).json()
    visible = visible_rows(world.stores, "UZ", "CASE")
    assert body["data"]["cases"]["totalCount"] == len(visible)
    us_cases = 150
    assert len(visible) < us_cases + 150


def test_searching_for_an_unreleased_case_finds_nothing(
    http: httpx.Client, world: World, hidden_us_cases: list[int]
) -> None:
    hidden = hidden_us_cases[0]
    us = world.token("us-dashboard")
    own = post_graphql(http, world.base_url, us, CASE, {"id": encode_id("Case", "US", hidden)})
    reference = own.json()["data"]["case"]["reference"]
    query = """
    query($text: String) {
      cases(first: 5, filter: { text: $text }) { totalCount edges { node { id } } }
    }
    """
    found_by_owner = post_graphql(http, world.base_url, us, query, {"text": reference}).json()
    assert found_by_owner["data"]["cases"]["totalCount"] >= 1
    uz = world.token("uz-dashboard")
    searched = post_graphql(http, world.base_url, uz, query, {"text": reference})
    nowhere = post_graphql(http, world.base_url, uz, query, {"text": "NO-SUCH-REFERENCE-0000"})
    assert searched.json()["data"]["cases"] == {"totalCount": 0, "edges": []}
    assert searched.content == nowhere.content
