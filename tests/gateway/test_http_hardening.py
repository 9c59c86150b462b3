"""The HTTP boundary of DESIGN.md §7 on real uvicorn: every refusal has its status code and
its error code, and nothing that is refused reaches a source."""

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from gateway.http.errors import format_error
from gateway.loopback import running_server
from resolvers.errors import BadUserInput
from resolvers.limits import parsed_documents
from tests.gateway.conftest import World
from tests.gateway.support import (
    GRAPHQL_RESPONSE,
    JSON,
    bearer,
    build_gateway,
    codes,
    instrumented,
    only_error,
    post_graphql,
)

SIMPLE = "{ viewer { administration } cases(first: 2) { totalCount } }"
TWO_MB = 2 * 1024 * 1024


@pytest.fixture
def token(world: World) -> str:
    return world.token("uz-dashboard")


@pytest.fixture
def counted(world: World) -> Iterator[dict[str, Any]]:
    """The running gateway's sources, counted for the test: a refusal must read nothing."""
    with instrumented(world.administrations) as sources:
        yield sources


def nothing_read(sources: dict[str, Any]) -> bool:
    return not any(source.calls for source in sources.values())


def request_error_code(response: httpx.Response) -> str:
    body = response.json()
    assert "data" not in body, body
    return str(only_error(body)["extensions"]["code"])


# -- methods -----------------------------------------------------------------------------------


def test_get_with_a_query_string_is_not_executed(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    response = http.get(
        f"{world.base_url}/graphql",
        params={"query": SIMPLE},
        headers={**bearer(token), "Accept": JSON},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert request_error_code(response) == "METHOD_NOT_ALLOWED"
    assert nothing_read(counted)


def test_get_of_a_mutation_is_not_executed(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    response = http.get(
        f"{world.base_url}/graphql",
        params={"query": "mutation { __typename }"},
        headers={**bearer(token), "Accept": f"{GRAPHQL_RESPONSE}, {JSON}"},
    )
    assert response.status_code == 405
    assert request_error_code(response) == "METHOD_NOT_ALLOWED"
    assert nothing_read(counted)


def test_get_from_a_browser_gets_the_page_and_runs_nothing(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    response = http.get(
        f"{world.base_url}/graphql",
        params={"query": SIMPLE},
        headers={**bearer(token), "Accept": "text/html"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '"data"' not in response.text
    assert nothing_read(counted)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_refused(
    http: httpx.Client, world: World, token: str, method: str
) -> None:
    response = http.request(
        method, f"{world.base_url}/graphql", json={"query": SIMPLE}, headers=bearer(token)
    )
    assert response.status_code == 405
    assert request_error_code(response) == "METHOD_NOT_ALLOWED"


# -- media types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/x-www-form-urlencoded", f"query={SIMPLE}"),
        ("text/plain", json.dumps({"query": SIMPLE})),
        ("text/plain;charset=UTF-8", json.dumps({"query": SIMPLE})),
        (
            "multipart/form-data; boundary=cmaa",
            '--cmaa\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
            + json.dumps({"query": SIMPLE})
            + "\r\n--cmaa--\r\n",
        ),
        ("application/graphql", SIMPLE),
    ],
)
def test_anything_but_a_json_post_is_unsupported(
    http: httpx.Client,
    world: World,
    token: str,
    counted: dict[str, Any],
    content_type: str,
    content: str,
) -> None:
    """Including the media types a cross-site form or a simple CORS request can send."""
    response = http.post(
        f"{world.base_url}/graphql",
        content=content.encode(),
        headers={**bearer(token), "Content-Type": content_type, "Accept": JSON},
    )
    assert response.status_code == 415
    assert request_error_code(response) == "BAD_REQUEST"
    assert nothing_read(counted)


def test_a_post_without_content_type_is_unsupported(
    http: httpx.Client, world: World, token: str
) -> None:
    response = http.post(
        f"{world.base_url}/graphql",
        content=json.dumps({"query": SIMPLE}).encode(),
        headers={**bearer(token), "Accept": JSON},
    )
    assert response.status_code == 415


def test_an_unacceptable_response_type_is_refused(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    response = post_graphql(http, world.base_url, token, SIMPLE, accept="application/xml")
    assert response.status_code == 406
    assert request_error_code(response) == "BAD_REQUEST"
    assert nothing_read(counted)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        (f"{JSON};q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        ("*/*", GRAPHQL_RESPONSE),
        ("application/xml, */*;q=0.1", GRAPHQL_RESPONSE),
        (None, JSON),
    ],
)
def test_answers_come_in_the_accepted_media_type(
    http: httpx.Client, world: World, token: str, accept: str | None, media_type: str
) -> None:
    headers = {} if accept is not None else {"Accept": ""}
    response = post_graphql(http, world.base_url, token, SIMPLE, accept=accept, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.json()["data"]["viewer"] == {"administration": "UZ"}


# -- body size ---------------------------------------------------------------------------------


def over_the_limit() -> bytes:
    return json.dumps({"query": "{ viewer { administration } }", "pad": "x" * TWO_MB}).encode()


def test_a_body_over_2_mb_is_refused_by_its_length(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    body = over_the_limit()
    assert len(body) > world.agreement.limits.body_bytes == TWO_MB
    response = http.post(
        f"{world.base_url}/graphql",
        content=body,
        headers={**bearer(token), "Content-Type": JSON, "Accept": JSON},
    )
    assert response.status_code == 413
    assert request_error_code(response) == "PAYLOAD_TOO_LARGE"
    assert nothing_read(counted)


def test_a_chunked_body_over_2_mb_is_refused_while_it_streams(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    body = over_the_limit()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    request = http.build_request(
        "POST",
        f"{world.base_url}/graphql",
        content=chunks(),
        headers={**bearer(token), "Content-Type": JSON, "Accept": JSON},
    )
    assert request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in request.headers
    response = http.send(request)
    assert response.status_code == 413
    assert request_error_code(response) == "PAYLOAD_TOO_LARGE"
    assert nothing_read(counted)


def test_a_body_just_under_the_limit_is_read(http: httpx.Client, world: World, token: str) -> None:
    padding = "x" * (TWO_MB - 200)
    body = json.dumps({"query": "{ viewer { administration } }", "extensions": {"p": padding}})
    assert len(body) <= TWO_MB
    response = http.post(
        f"{world.base_url}/graphql",
        content=body.encode(),
        headers={**bearer(token), "Content-Type": JSON, "Accept": JSON},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"administration": "UZ"}}}


# -- tokens ------------------------------------------------------------------------------------


def test_no_token_is_401_with_a_bare_challenge(
    http: httpx.Client, world: World, counted: dict[str, Any]
) -> None:
    response = post_graphql(http, world.base_url, None, SIMPLE)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="cmaa"'
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]
    assert nothing_read(counted)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer garbage",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "Bearer a.b.c",
        "Bearer !!",
    ],
)
def test_a_bad_token_is_401_invalid_token(
    http: httpx.Client, world: World, counted: dict[str, Any], authorization: str
) -> None:
    response = post_graphql(
        http, world.base_url, None, SIMPLE, headers={"Authorization": authorization}
    )
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="cmaa", error="invalid_token"')
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
    assert nothing_read(counted)


def test_a_validation_error_is_never_shown_to_an_unauthenticated_caller(
    http: httpx.Client, world: World
) -> None:
    """Suggestions would let anyone rebuild the schema: without a token, only 401."""
    for query in ("{ casse { totalCount } }", "{ cases(frist: 1) { totalCount } }", "{"):
        response = post_graphql(http, world.base_url, None, query)
        assert response.status_code == 401
        assert response.json() == {
            "errors": [
                {
                    "message": "The request carries no bearer access token.",
                    "extensions": {"code": "UNAUTHENTICATED"},
                }
            ]
        }
        garbage = post_graphql(
            http, world.base_url, None, query, headers={"Authorization": "Bearer x.y.z"}
        )
        assert garbage.status_code == 401
        assert [e["extensions"]["code"] for e in garbage.json()["errors"]] == ["UNAUTHENTICATED"]
    for content in ("{not json", json.dumps([{"query": SIMPLE}])):
        response = http.post(
            f"{world.base_url}/graphql",
            content=content.encode(),
            headers={"Content-Type": JSON, "Accept": JSON},
        )
        assert response.status_code == 401
        assert response.json() == {
            "errors": [
                {
                    "message": "The request carries no bearer access token.",
                    "extensions": {"code": "UNAUTHENTICATED"},
                }
            ]
        }


def test_a_validation_error_for_an_authenticated_caller(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    response = post_graphql(http, world.base_url, token, "{ casse { totalCount } }")
    assert response.status_code == 200
    assert request_error_code(response) == "GRAPHQL_VALIDATION_FAILED"
    strict = post_graphql(
        http, world.base_url, token, "{ casse { totalCount } }", accept=GRAPHQL_RESPONSE
    )
    assert strict.status_code == 400
    assert nothing_read(counted)


# -- bodies that are not one operation -------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        json.dumps([{"query": SIMPLE}, {"query": SIMPLE}]),
        "{not json",
        '"a string"',
        "{}",
        json.dumps({"query": ""}),
        json.dumps({"query": SIMPLE, "variables": [1]}),
        json.dumps({"query": SIMPLE, "operationName": 3}),
    ],
    ids=["array", "invalid", "string", "no-query", "empty-query", "variables", "name"],
)
def test_a_body_that_is_not_one_operation_is_400(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any], content: str
) -> None:
    response = http.post(
        f"{world.base_url}/graphql",
        content=content.encode(),
        headers={**bearer(token), "Content-Type": JSON, "Accept": JSON},
    )
    assert response.status_code == 400
    assert request_error_code(response) == "BAD_REQUEST"
    assert nothing_read(counted)


def test_an_unknown_operation_name_is_400(http: httpx.Client, world: World, token: str) -> None:
    response = http.post(
        f"{world.base_url}/graphql",
        json={"query": "query A { viewer { administration } }", "operationName": "B"},
        headers={**bearer(token), "Accept": JSON},
    )
    assert response.status_code == 400
    assert request_error_code(response) == "BAD_REQUEST"


def test_a_subscription_is_400(http: httpx.Client, world: World, token: str) -> None:
    response = post_graphql(http, world.base_url, token, "subscription { viewer { subject } }")
    assert response.status_code == 400
    assert request_error_code(response) == "BAD_REQUEST"


def test_several_operations_without_a_name_are_a_request_error(
    http: httpx.Client, world: World, token: str
) -> None:
    query = "query A { viewer { administration } } query B { viewer { subject } }"
    response = post_graphql(http, world.base_url, token, query)
    assert "data" not in response.json(), response.text


def test_a_syntax_error_is_400_or_200_by_media_type(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    strict = post_graphql(http, world.base_url, token, "{ cases( }", accept=GRAPHQL_RESPONSE)
    assert strict.status_code == 400
    assert strict.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert request_error_code(strict) == "GRAPHQL_PARSE_FAILED"
    legacy = post_graphql(http, world.base_url, token, "{ cases( }", accept=JSON)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith(JSON)
    assert request_error_code(legacy) == "GRAPHQL_PARSE_FAILED"
    assert nothing_read(counted)


# -- limits --------------------------------------------------------------------------------


# Depth counted in fields: cases 1, edges 2, node 3, then each fragment adds two levels.
AT_THE_DEPTH_LIMIT = """
{ cases(first: 1) { edges { node { ...A } } } }
fragment A on Case { evidence { case { ...B } } }
fragment B on Case { evidence { case { ...C } } }
fragment C on Case { parties { entity { ...D } } }
fragment D on Entity { handling { releasedUnder { id } } }
"""  # 3 + 2 + 2 + 2 + 3 = 12 levels
OVER_THE_DEPTH_LIMIT = """
{ cases(first: 1) { edges { node { ...A } } } }
fragment A on Case { evidence { case { ...B } } }
fragment B on Case { evidence { case { ...C } } }
fragment C on Case { evidence { case { ...D } } }
fragment D on Case { parties { entity { ...E } } }
fragment E on Entity { handling { releasedUnder { id } } }
"""  # 14 levels


def refused_by_limit(
    http: httpx.Client, world: World, token: str, query: str, limit: str, **variables: Any
) -> None:
    with instrumented(world.administrations) as sources:
        response = post_graphql(http, world.base_url, token, query, variables or None)
        strict = post_graphql(
            http, world.base_url, token, query, variables or None, accept=GRAPHQL_RESPONSE
        )
    assert response.status_code == 200, response.text
    error = only_error(response.json())
    assert "data" not in response.json()
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == limit
    assert strict.status_code == 400
    assert nothing_read(sources)


def test_depth_over_the_limit_through_fragments(
    http: httpx.Client, world: World, token: str
) -> None:
    refused_by_limit(http, world, token, OVER_THE_DEPTH_LIMIT, "depth")


def test_depth_at_the_limit_is_served(http: httpx.Client, world: World, token: str) -> None:
    assert world.agreement.limits.max_depth == 12
    response = post_graphql(http, world.base_url, token, AT_THE_DEPTH_LIMIT)
    assert "errors" not in response.json(), response.text


def test_more_than_30_aliases(http: httpx.Client, world: World, token: str) -> None:
    aliases = " ".join(f"a{i}: totalCount" for i in range(31))
    refused_by_limit(http, world, token, f"{{ cases(first: 1) {{ {aliases} }} }}", "aliases")


def test_30_aliases_are_served(http: httpx.Client, world: World, token: str) -> None:
    aliases = " ".join(f"a{i}: totalCount" for i in range(30))
    response = post_graphql(http, world.base_url, token, f"{{ cases(first: 1) {{ {aliases} }} }}")
    assert "errors" not in response.json(), response.text


def test_too_many_tokens(http: httpx.Client, world: World, token: str) -> None:
    query = "{ viewer { " + " a" * world.agreement.limits.max_tokens + " } }"
    assert len(query) < world.agreement.limits.max_operation_bytes
    refused_by_limit(http, world, token, query, "tokens")


def padded(text: str, size: int, pad: str = "x") -> str:
    """`text` and a comment, together `size` bytes of UTF-8 (`pad` is one or two bytes)."""
    head = text + " #"
    count, rest = divmod(size - len(head.encode()), len(pad.encode()))
    return head + pad * count + " " * rest


def test_an_operation_longer_than_the_limit_is_refused_before_it_is_parsed(
    http: httpx.Client, world: World, token: str
) -> None:
    """A comment costs no tokens: before, a 1.9 MB padded operation was parsed (holding the
    event loop) and kept in the caches."""
    limits = world.agreement.limits
    assert limits.max_operation_bytes == 64 * 1024 < limits.body_bytes
    over = padded("{ viewer { subject } }", limits.max_operation_bytes + 1)
    refused_by_limit(http, world, token, over, "operation_bytes")
    # Counted in bytes: two-byte letters over the limit, though fewer characters than it.
    cyrillic = padded("{ viewer { subject } }", limits.max_operation_bytes + 2, "ж")
    assert len(cyrillic) < limits.max_operation_bytes
    refused_by_limit(http, world, token, cyrillic, "operation_bytes")
    # A syntax error at its start is not reported: the text is refused before any parse,
    # and no cache keeps it.
    broken = padded("{ viewer { subject ", 1_900_000)
    refused_by_limit(http, world, token, broken, "operation_bytes")
    assert all(
        (text, limits.max_tokens) not in parsed_documents for text in (over, cyrillic, broken)
    )


def test_an_operation_at_the_limit_is_served(http: httpx.Client, world: World, token: str) -> None:
    at = padded("{ viewer { administration } }", world.agreement.limits.max_operation_bytes, "ж")
    assert len(at.encode()) == world.agreement.limits.max_operation_bytes
    response = post_graphql(http, world.base_url, token, at)
    assert response.json() == {"data": {"viewer": {"administration": "UZ"}}}


def test_a_huge_page_size_is_refused_before_anything_runs(
    http: httpx.Client, world: World, token: str
) -> None:
    """first: 100000 costs more than the limit: LIMIT_EXCEEDED (cost), nothing executes."""
    refused_by_limit(http, world, token, "{ cases(first: 100000) { totalCount } }", "cost")
    refused_by_limit(
        http,
        world,
        token,
        "query($n: Int) { cases(first: $n) { edges { node { id } } } }",
        "cost",
        n=100000,
    )


def test_more_than_50_directives(http: httpx.Client, world: World, token: str) -> None:
    fields = " ".join(f"a{i}: administration @skip(if: false)" for i in range(25))
    more = " ".join("subject @include(if: true)" for _ in range(26))
    refused_by_limit(http, world, token, f"{{ viewer {{ {fields} {more} }} }}", "directives")


def test_a_fragment_bomb_stops_at_the_field_budget(
    http: httpx.Client, world: World, token: str
) -> None:
    """Each fragment spreads the next twice: 2^30 fields if expanded; refused at once."""
    levels = 30
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ viewer {{ administration }} }}")
    bomb = "{ ...F0 }\n" + "\n".join(fragments)
    refused_by_limit(http, world, token, bomb, "fields")


COSTLY = "cases(first: $n) { edges { node { evidence { custody { sequence at } } } } }"


def test_the_cost_counts_a_page_size_given_by_variable(
    http: httpx.Client, world: World, token: str
) -> None:
    literal = "{ " + COSTLY.replace("$n", "100") + " }"
    refused_by_limit(http, world, token, literal, "cost")
    refused_by_limit(http, world, token, f"query($n: Int) {{ {COSTLY} }}", "cost", n=100)


def test_the_cost_counts_a_page_size_given_by_a_variable_default(
    http: httpx.Client, world: World, token: str
) -> None:
    refused_by_limit(http, world, token, f"query($n: Int = 100) {{ {COSTLY} }}", "cost")


@pytest.mark.parametrize("first", [0, -1, 101])
def test_a_page_size_out_of_range_is_bad_user_input(
    http: httpx.Client, world: World, token: str, first: int
) -> None:
    with instrumented(world.administrations) as sources:
        response = post_graphql(
            http, world.base_url, token, f"{{ cases(first: {first}) {{ totalCount }} }}"
        )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    error = only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    assert nothing_read(sources)


# -- masking -------------------------------------------------------------------------------


def test_an_instant_without_offset_is_read_as_utc(
    http: httpx.Client, world: World, token: str
) -> None:
    query = "query($filter: CaseFilter) { cases(filter: $filter) { totalCount } }"
    mixed = {"openedFrom": "2020-01-01T00:00:00", "openedTo": "2021-01-01T00:00:00+00:00"}
    aware = {"openedFrom": "2020-01-01T00:00:00+00:00", "openedTo": "2021-01-01T00:00:00Z"}
    answer = post_graphql(http, world.base_url, token, query, {"filter": mixed}).json()
    assert "errors" not in answer
    assert answer == post_graphql(http, world.base_url, token, query, {"filter": aware}).json()
    backwards = {"openedFrom": "2021-01-01T00:00:00", "openedTo": "2020-01-01T00:00:00Z"}
    refused = post_graphql(http, world.base_url, token, query, {"filter": backwards}).json()
    assert codes(refused) == ["BAD_USER_INPUT"]


def test_format_error_masks_an_exception_it_does_not_know() -> None:
    try:
        raise RuntimeError("sqlite3.OperationalError: no such table: secrets")
    except RuntimeError as exc:
        error = GraphQLError("boom", path=["cases"], original_error=exc)
    formatted = format_error(error, before_execution=False)
    assert formatted == {
        "message": "An internal error occurred.",
        "extensions": {"code": "INTERNAL"},
        "path": ["cases"],
    }


def test_format_error_keeps_an_expected_error() -> None:
    known = BadUserInput("first must be between 1 and 100.", field="first")
    error = GraphQLError(known.message, path=["cases"], original_error=known)
    error.extensions = known.extensions
    formatted = format_error(error, before_execution=False)
    assert formatted["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    assert formatted["message"] == known.message


# -- rate --------------------------------------------------------------------------------------


def test_over_the_rate_is_429_with_retry_after(http: httpx.Client, world: World) -> None:
    agreement = replace(world.agreement, limits=replace(world.agreement.limits, rate_per_minute=6))
    built = build_gateway(world.stores, world.base_url, agreement)
    token = world.token("us-dashboard")
    with running_server(built.app) as url:
        statuses = []
        for _ in range(10):
            response = post_graphql(http, url, token, "{ viewer { administration } }")
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[0] == 200
        assert statuses[-1] == 429, statuses
        assert int(response.headers["retry-after"]) >= 1
        assert request_error_code(response) == "RATE_LIMITED"
        # The limit is per client: another client is still served.
        other = post_graphql(http, url, world.token("us-analyst"), "{ viewer { administration } }")
        assert other.status_code == 200


# -- origins, CORS, headers ----------------------------------------------------------------


def test_a_foreign_origin_is_refused(
    http: httpx.Client, world: World, token: str, counted: dict[str, Any]
) -> None:
    response = post_graphql(
        http, world.base_url, token, SIMPLE, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert request_error_code(response) == "FORBIDDEN_ORIGIN"
    assert nothing_read(counted)


def test_the_own_origin_is_served(http: httpx.Client, world: World, token: str) -> None:
    response = post_graphql(http, world.base_url, token, SIMPLE, headers={"Origin": world.base_url})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"administration": "UZ"}
    assert response.headers["access-control-allow-origin"] == world.base_url


def test_a_cors_preflight_from_an_allowed_origin(http: httpx.Client, world: World) -> None:
    response = http.options(
        f"{world.base_url}/graphql",
        headers={
            "Origin": world.base_url,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == world.base_url
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_a_cors_preflight_from_a_foreign_origin_is_refused(
    http: httpx.Client, world: World
) -> None:
    response = http.options(
        f"{world.base_url}/graphql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_an_extra_allowed_origin_gets_cors(http: httpx.Client, world: World) -> None:
    built = build_gateway(
        world.stores, world.base_url, world.agreement, cors_origins=("https://dash.example",)
    )
    with running_server(built.app) as url:
        response = post_graphql(
            http,
            url,
            world.token("us-dashboard"),
            SIMPLE,
            headers={"Origin": "https://dash.example"},
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://dash.example"


@pytest.mark.parametrize(
    "call",
    ["answer", "refused-401", "refused-405", "refused-413", "refused-origin", "healthz"],
)
def test_security_headers_on_every_answer(
    http: httpx.Client, world: World, token: str, call: str
) -> None:
    url = f"{world.base_url}/graphql"
    if call == "answer":
        response = post_graphql(http, world.base_url, token, SIMPLE)
    elif call == "refused-401":
        response = post_graphql(http, world.base_url, None, SIMPLE)
    elif call == "refused-405":
        response = http.get(url, headers={"Accept": JSON})
    elif call == "refused-413":
        response = http.post(url, content=over_the_limit(), headers={"Content-Type": JSON})
    elif call == "refused-origin":
        response = http.post(url, json={"query": SIMPLE}, headers={"Origin": "https://x.example"})
    else:
        response = http.get(f"{world.base_url}/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    if call != "healthz":
        assert response.headers["content-type"].startswith(JSON)
