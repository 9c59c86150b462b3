"""When the owner's subgraph fails, the remote source says SourceDown: for the fault's
own reason (only a subgraph that never answers runs into the timeout), and without passing on
anything the remote said."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.forwarding import NoForwardableToken
from gateway.loopback import running_server
from resolvers.sources.base import SourceDown
from resolvers.sources.filters import CaseFilter, EntityFilter
from resolvers.sources.ids import global_id
from resolvers.sources.records import PageRequest
from resolvers.sources.remote import RemoteSource
from store.agreement import Agreement
from store.models.domain import Administration
from tests.sources.conftest import SeededStores, subgraph_app
from tests.sources.support import Caller, read
from tests.support.servers import hung_server
from tests.support.settings import SUITE_SOURCE_TIMEOUT_SECONDS

# The timeout of a source that never answers (a hung server), where no load can make it early;
# every other source gets one that no load can reach.
NO_ANSWER_TIMEOUT = 0.5
NO_ANSWER = "no answer in time"
SECRET = "internal detail of the remote"

Answer = Callable[[Request], Awaitable[Response]]


@contextmanager
def remote_answering(answer: Answer) -> Iterator[str]:
    app = Starlette(routes=[Route("/graphql", answer, methods=["POST"])])
    with running_server(app) as url:
        yield url


def json_answer(body: object, status: int = 200) -> Answer:
    async def answer(_request: Request) -> Response:
        return Response(orjson.dumps(body), status_code=status, media_type="application/json")

    return answer


async def not_json(_request: Request) -> Response:
    return Response(f"<html>{SECRET}</html>".encode(), media_type="text/html")


A_CASE_OF_THE_OTHER_ADMINISTRATION = {
    "id": global_id("Case", Administration.UZ, 1),
    "owner": "UZ",
}

FAULTS: dict[str, Answer] = {
    "server error": json_answer({"errors": [{"message": SECRET}]}, status=502),
    "not JSON": not_json,
    "refused": json_answer({"error": "invalid_token"}, status=401),
    "errors instead of data": json_answer(
        {"data": None, "errors": [{"message": SECRET, "extensions": {"code": "INTERNAL"}}]}
    ),
    "no data": json_answer({"nothing": SECRET}),
    "wrong shape": json_answer({"data": {"page": {"nodes": "many", "totalCount": 1}}}),
    "record of the other administration": json_answer(
        {
            "data": {
                "page": {
                    "nodes": [A_CASE_OF_THE_OTHER_ADMINISTRATION],
                    "pageInfo": {"hasNextPage": False},
                    "totalCount": 1,
                }
            }
        }
    ),
}


async def _list_cases(source: RemoteSource, caller: Caller) -> object:
    return await read(
        caller, lambda principal: source.list_cases(principal, CaseFilter(), PageRequest(5))
    )


@contextmanager
def subgraph_with(fault: str) -> Iterator[tuple[str, float]]:
    """The URL of a subgraph with the fault, and the source timeout to use with it."""
    if fault == NO_ANSWER:
        with hung_server() as hung:
            yield hung.url, NO_ANSWER_TIMEOUT
    else:
        with remote_answering(FAULTS[fault]) as url:
            yield url, SUITE_SOURCE_TIMEOUT_SECONDS


@pytest.mark.parametrize("fault", sorted([*FAULTS, NO_ANSWER]))
async def test_a_failing_subgraph_is_unavailable(
    agreement: Agreement, callers: dict[tuple[Administration, str], Caller], fault: str
) -> None:
    caller = callers[(Administration.US, "dashboard")]
    with subgraph_with(fault) as (url, timeout):
        source = RemoteSource(Administration.US, url, agreement.limits, timeout_seconds=timeout)
        try:
            with pytest.raises(SourceDown) as raised:
                await _list_cases(source, caller)
        finally:
            await source.aclose()
    assert raised.value.administration is Administration.US
    assert SECRET not in str(raised.value)
    assert ("no answer within" in str(raised.value)) == (fault == NO_ANSWER), raised.value


async def test_a_stopped_subgraph_is_unavailable(
    stores: SeededStores,
    agreement: Agreement,
    issuer_jwks: dict[str, str],
    callers: dict[tuple[Administration, str], Caller],
) -> None:
    caller = callers[(Administration.UZ, "dashboard")]
    app = subgraph_app(Administration.UZ, stores.urls[Administration.UZ], agreement, issuer_jwks)
    with running_server(app) as url:
        source = RemoteSource(
            Administration.UZ, url, agreement.limits, timeout_seconds=SUITE_SOURCE_TIMEOUT_SECONDS
        )
        assert (await _list_cases(source, caller)).items  # type: ignore[attr-defined]
        await source.ping()
    try:
        for attempt in (source.ping, lambda: _list_cases(source, caller)):
            with pytest.raises(SourceDown) as raised:
                await attempt()
            # Refused at once: nobody listens any more, so nothing waits for the timeout.
            assert "cannot reach it" in str(raised.value), raised.value
    finally:
        await source.aclose()


async def test_no_token_is_forwarded_for_another_principal(
    agreement: Agreement, callers: dict[tuple[Administration, str], Caller]
) -> None:
    """A remote read needs the very principal's token bound; never someone else's."""
    asked_for, bound = (
        callers[(Administration.US, "analyst")],
        callers[(Administration.US, "dashboard")],
    )
    with remote_answering(json_answer({})) as url:
        source = RemoteSource(Administration.US, url, agreement.limits)
        try:
            with pytest.raises(NoForwardableToken):
                await source.list_cases(asked_for.principal, CaseFilter(), PageRequest(5))
            with pytest.raises(NoForwardableToken):
                await read(
                    bound,
                    lambda _principal: source.list_cases(
                        asked_for.principal, CaseFilter(), PageRequest(5)
                    ),
                )
        finally:
            await source.aclose()


async def test_a_field_taken_out_for_a_missing_scope_is_an_empty_answer(
    agreement: Agreement, callers: dict[tuple[Administration, str], Caller]
) -> None:
    """Field authorization takes out a root field the caller lacks the scope for: that is
    the owner saying "nothing you may see", as the in-process source says with no record."""
    taken_out = json_answer(
        {
            "data": {"page": None},
            "errors": [{"message": "x", "extensions": {"code": "UNAUTHORIZED_FIELD"}}],
        }
    )
    caller = callers[(Administration.UZ, "cases_only")]
    with remote_answering(taken_out) as url:
        source = RemoteSource(Administration.US, url, agreement.limits)
        try:
            page = await read(
                caller,
                lambda principal: source.list_entities(principal, EntityFilter(), PageRequest(5)),
            )
            found = await read(caller, lambda principal: source.entities_by_id(principal, [1, 2]))
        finally:
            await source.aclose()
    assert (page.items, page.has_more, page.total_count) == ((), False, 0)
    assert found == {}
