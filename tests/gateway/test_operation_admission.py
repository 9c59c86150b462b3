"""At most N GraphQL operations at once per process (gateway.http.admission), on a real uvicorn:
the rest wait their turn and are all answered; health checks never wait behind them. And the
bound as a runtime setting (CMAA_MAX_OPERATIONS).

No timing: the operations are held open by a gate the test opens, and every wait is a bound
on a stuck run, not a measurement."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread
import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.admission import OperationAdmission
from gateway.runtime import DEFAULT_MAX_OPERATIONS, RuntimeSettingError, runtime_from_environment
from tests.support.servers import running_server

LIMIT = 2
OPERATIONS = 6
BOUND_SECONDS = 120.0


class Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived = 0
        self.inside = 0
        self.most_inside = 0
        self.gate = threading.Event()


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BOUND_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the server never got there"
        time.sleep(0.01)


def _app(counts: Counts) -> Starlette:
    async def operation(_request: Request) -> Response:
        with counts.lock:
            counts.inside += 1
            counts.most_inside = max(counts.most_inside, counts.inside)
        await anyio.to_thread.run_sync(counts.gate.wait, BOUND_SECONDS)
        with counts.lock:
            counts.inside -= 1
        return JSONResponse({"data": {}})

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    class Arrivals:
        """Outside the bound: counts every request the server has received."""

        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["path"] == "/graphql":
                with counts.lock:
                    counts.arrived += 1
            await self.app(scope, receive, send)

    return Starlette(
        routes=[
            Route("/graphql", operation, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        middleware=[Middleware(Arrivals), Middleware(OperationAdmission, limit=LIMIT)],
    )


def test_operations_beyond_the_bound_wait_their_turn_and_are_all_answered() -> None:
    counts = Counts()
    with running_server(_app(counts)) as url, ThreadPoolExecutor(OPERATIONS) as pool:
        answers = [
            pool.submit(httpx.post, f"{url}/graphql", json={}, timeout=BOUND_SECONDS)
            for _ in range(OPERATIONS)
        ]
        _until(lambda: counts.arrived == OPERATIONS and counts.inside == LIMIT)
        # Every operation has reached the server; only LIMIT of them have started.
        assert counts.inside == LIMIT
        # A health check does not queue behind them.
        assert httpx.get(f"{url}/healthz", timeout=BOUND_SECONDS).status_code == 200
        assert not any(answer.done() for answer in answers)
        counts.gate.set()
        statuses = [answer.result(BOUND_SECONDS).status_code for answer in answers]
    assert statuses == [200] * OPERATIONS
    assert counts.most_inside == LIMIT


def test_the_control_without_the_bound_lets_every_operation_in() -> None:
    counts = Counts()
    app = _app(counts)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not OperationAdmission]
    with running_server(app) as url, ThreadPoolExecutor(OPERATIONS) as pool:
        answers = [
            pool.submit(httpx.post, f"{url}/graphql", json={}, timeout=BOUND_SECONDS)
            for _ in range(OPERATIONS)
        ]
        _until(lambda: counts.inside == OPERATIONS)
        counts.gate.set()
        assert [answer.result(BOUND_SECONDS).status_code for answer in answers] == [200] * 6


def test_the_bound_is_a_runtime_setting() -> None:
    assert runtime_from_environment({}).max_operations == DEFAULT_MAX_OPERATIONS
    assert runtime_from_environment({"CMAA_MAX_OPERATIONS": "3"}).max_operations == 3
    assert runtime_from_environment({"CMAA_MAX_OPERATIONS": "off"}).max_operations is None


@pytest.mark.parametrize("value", ["0", "-1", "many", "8.5"])
def test_a_bad_bound_is_named(value: str) -> None:
    with pytest.raises(RuntimeSettingError) as refused:
        runtime_from_environment({"CMAA_MAX_OPERATIONS": value})
    assert "CMAA_MAX_OPERATIONS" in str(refused.value)
    assert 'whole number ≥ 1 or "off"' in str(refused.value)
