"""OpenTelemetry traces of one service: a server span per request, continuing the caller's
W3C `traceparent`, and a span per call to an administration's source, whose context the
remote transport forwards, so one operation is one trace across gateway and subgraphs.

Off by default: with no exporter nothing is recorded (a `traceparent` that came in still goes
on to the subgraphs). The SDK is imported only when tracing is on. Each service has its own
tracer provider, named by `service.name`, rather than the process-wide global one.
"""

from typing import TYPE_CHECKING

from opentelemetry import trace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

OTLP_TRACES_PATH = "/v1/traces"


class Tracing:
    def __init__(
        self,
        service_name: str,
        *,
        otlp_endpoint: str | None = None,
        exporter: "SpanExporter | None" = None,
    ) -> None:
        self.provider: SdkTracerProvider | None = None
        if otlp_endpoint is None and exporter is None:
            self.tracer: trace.Tracer = trace.NoOpTracer()
            return
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        if exporter is not None:
            self.provider.add_span_processor(SimpleSpanProcessor(exporter))
        if otlp_endpoint is not None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = otlp_endpoint.rstrip("/") + OTLP_TRACES_PATH
            self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint)))
        self.tracer = self.provider.get_tracer("cmaa")

    def shutdown(self) -> None:
        """Send what is still buffered (at the end of the app's lifespan)."""
        if self.provider is not None:
            self.provider.shutdown()
