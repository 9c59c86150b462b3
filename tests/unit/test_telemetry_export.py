"""Traces leave over OTLP/HTTP only when a collector is named, and access-log lines are JSON
objects carrying the request's fields."""

import importlib
import logging
from collections.abc import Iterator

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import NoOpTracer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.observability.logs import ACCESS_LOGGER, JsonFormatter, log_config
from gateway.observability.tracing import Tracing
from tests.support.servers import running_server


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """A stand-in OTLP/HTTP collector on loopback: records what is posted to it."""
    received: list[tuple[str, bytes]] = []

    async def traces(request: Request) -> Response:
        received.append((request.headers.get("content-type", ""), await request.body()))
        return Response(b"", media_type="application/x-protobuf")

    app = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
    with running_server(app) as url:
        yield url, received


def test_spans_go_to_the_named_collector(collector: tuple[str, list[tuple[str, bytes]]]) -> None:
    url, received = collector
    tracing = Tracing("cmaa-gateway", otlp_endpoint=url)
    tracing.tracer.start_span("POST /graphql").end()
    tracing.shutdown()  # sends what the batch still holds
    assert [content_type for content_type, _ in received] == ["application/x-protobuf"]
    exported = ExportTraceServiceRequest.FromString(received[0][1])
    [resource_spans] = exported.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "cmaa-gateway"
    assert [s.name for scope in resource_spans.scope_spans for s in scope.spans] == [
        "POST /graphql"
    ]


def test_without_a_collector_nothing_is_recorded() -> None:
    tracing = Tracing("cmaa-gateway")
    assert isinstance(tracing.tracer, NoOpTracer) and tracing.provider is None
    assert not tracing.tracer.start_span("POST /graphql").is_recording()


def test_an_access_line_is_one_json_object_with_the_request_fields() -> None:
    record = logging.LogRecord(
        ACCESS_LOGGER, logging.INFO, __file__, 1, "%s %s", ("POST", 200), None
    )
    record.request_id, record.status = "abc12345", 200
    line = orjson.loads(JsonFormatter().format(record))
    assert line["message"] == "POST 200" and line["logger"] == ACCESS_LOGGER
    assert line["request_id"] == "abc12345" and line["status"] == 200
    assert line["level"] == "info" and line["time"].endswith("+00:00")


def test_the_logging_configuration_given_to_uvicorn_sends_ours_through_that_formatter() -> None:
    config = log_config()
    module, _, name = config["formatters"]["json"]["()"].rpartition(".")
    assert getattr(importlib.import_module(module), name) is JsonFormatter
    handler = config["handlers"]["json"]
    assert handler["formatter"] == "json" and handler["stream"] == "ext://sys.stdout"
    for logger in (ACCESS_LOGGER, "cmaa"):
        assert config["loggers"][logger]["handlers"] == ["json"]
    # uvicorn's own loggers keep their configuration.
    assert "uvicorn.error" in config["loggers"]
