"""What goes with every call to a subgraph besides the caller's token: the request id the
gateway gave the caller's request, and the W3C trace context of the current span, so the
subgraph's logs and spans join the gateway's."""

from contextvars import ContextVar

from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

REQUEST_ID_HEADER = "X-Request-ID"
# Set for the whole of one request by the service's request middleware.
REQUEST_ID: ContextVar[str | None] = ContextVar("cmaa_request_id", default=None)
TRACE_CONTEXT = TraceContextTextMapPropagator()


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def propagated_headers() -> dict[str, str]:
    headers: dict[str, str] = {}
    TRACE_CONTEXT.inject(headers)
    request_id = REQUEST_ID.get()
    if request_id is not None:
        headers[REQUEST_ID_HEADER] = request_id
    return headers
