"""Around every HTTP request: a request id, a server span and one JSON access-log line.

The request id is the caller's `X-Request-ID` when it is well formed (so a client, or the
gateway calling a subgraph, can follow one request through every log), else a new one; it is
echoed in the response, put in every error's `extensions.requestId`, and forwarded to the
subgraphs. The span continues the caller's W3C `traceparent`.

The span ends and the line is logged as the answer's last bytes are handed to the server, not
after: whoever has the answer can rely on both being recorded.
"""

import logging
import re
import time
import uuid

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability.logs import ACCESS_LOGGER
from resolvers.sources.remote.propagation import REQUEST_ID, TRACE_CONTEXT

access_log = logging.getLogger(ACCESS_LOGGER)
REQUEST_ID_HEADER = b"x-request-id"
# Letters, digits and a few separators: what UUIDs, ULIDs and load balancers' ids use, and
# nothing that could forge a log line or a header.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:~-]{8,128}")


def request_id_of(given: str | None) -> str:
    if given is not None and WELL_FORMED_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class Observed:
    def __init__(self, app: ASGIApp, tracer: Tracer, log_access: bool = True) -> None:
        self.app = app
        self.tracer = tracer
        self.log_access = log_access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        request_id = request_id_of(headers.get("x-request-id"))
        method, path = scope["method"], scope["path"]
        started = time.perf_counter()
        span = self.tracer.start_span(
            f"{method} {path}",
            context=TRACE_CONTEXT.extract(headers),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.path": path,
                "cmaa.request_id": request_id,
            },
        )
        status = 500
        finished = False

        def finish() -> None:
            nonlocal finished
            if finished:
                return
            finished = True
            span.set_attribute("http.response.status_code", status)
            context = span.get_span_context()
            span.end()
            if self.log_access:
                trace_id = format(context.trace_id, "032x") if context.is_valid else None
                _log(scope, request_id, status, time.perf_counter() - started, trace_id)

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = (REQUEST_ID_HEADER, request_id.encode("ascii"))
                message = {**message, "headers": [*message.get("headers", []), extra]}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finish()
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            with trace.use_span(span, end_on_exit=False):
                await self.app(scope, receive, answering)
        finally:
            REQUEST_ID.reset(token)
            finish()


def _log(scope: Scope, request_id: str, status: int, seconds: float, trace_id: str | None) -> None:
    client = scope.get("client")
    access_log.info(
        "%s %s %s",
        scope["method"],
        scope["path"],
        status,
        extra={
            "request_id": request_id,
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "client": client[0] if client else None,
            "trace_id": trace_id,
        },
    )
