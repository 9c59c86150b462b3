"""The remote transport's HTTP client against a real uvicorn on 127.0.0.1: answers come back
whole, a source is usable from a new event loop, and every failure is a fixed reason."""

import asyncio
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.loopback import free_port, running_server
from resolvers.sources.remote.wire import Wire, WireFailure
from tests.support.servers import hung_server

# Long enough that no load makes a loopback answer late; the timeout test's server never answers.
TIMEOUT = 60.0


async def echo(request: Request) -> Response:
    body = await request.body()
    seen = f"{request.method} {request.headers.get('authorization')} ".encode()
    return Response(seen + body, status_code=200, media_type="application/octet-stream")


async def secret_redirect(_: Request) -> Response:
    return Response(b"", status_code=307, headers={"Location": "http://127.0.0.1:9/elsewhere"})


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/redirect", secret_redirect, methods=["POST"]),
    ]
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server(APP) as url:
        yield url


def test_posts_and_gets_come_back_whole_from_successive_event_loops(base_url: str) -> None:
    wire = Wire(base_url, timeout_seconds=TIMEOUT, max_connections=4)
    payload = b'{"query": "{ x }"}' * 1000

    async def post() -> bytes:
        answer = await wire.post("/echo", payload, {"Authorization": "Bearer t"})
        assert answer.status == 200
        return answer.body

    # Each asyncio.run is a new event loop: the wire opens a session for each.
    assert asyncio.run(post()) == b"POST Bearer t " + payload
    assert asyncio.run(post()) == b"POST Bearer t " + payload

    async def get_then_close() -> int:
        answer = await wire.get("/echo")
        await wire.aclose()
        return answer.status

    assert asyncio.run(get_then_close()) == 200


def test_a_redirect_is_answered_not_followed(base_url: str) -> None:
    wire = Wire(base_url, timeout_seconds=TIMEOUT, max_connections=4)

    async def post() -> int:
        try:
            return (await wire.post("/redirect", b"{}", {"Authorization": "Bearer t"})).status
        finally:
            await wire.aclose()

    assert asyncio.run(post()) == 307


def failure_of(wire: Wire) -> WireFailure:
    """What one POST through the wire fails with."""

    async def post() -> None:
        try:
            await wire.post("/graphql", b"{}", {})
        finally:
            await wire.aclose()

    with pytest.raises(WireFailure) as failure:
        asyncio.run(post())
    return failure.value


def test_no_answer_in_time_is_a_fixed_reason() -> None:
    with hung_server() as never_answering:
        failure = failure_of(Wire(never_answering.url, timeout_seconds=0.3, max_connections=4))
    assert str(failure) == "no answer within 0.3 s"


def test_nobody_listening_is_a_fixed_reason() -> None:
    failure = failure_of(
        Wire(f"http://127.0.0.1:{free_port()}", timeout_seconds=TIMEOUT, max_connections=4)
    )
    assert str(failure).startswith("cannot reach it (")
    assert "127.0.0.1" not in str(failure)
