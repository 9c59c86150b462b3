"""One service's telemetry: its metrics, its tracer, its access log, and the observers the
lower layers report to (source calls, audit appends, GraphQL operations)."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import SpanKind
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from gateway.observability.metrics import Metrics, metrics_route
from gateway.observability.requests import Observed
from gateway.observability.tracing import Tracing
from gateway.runtime import Runtime
from store.audit import observe_appends
from store.models.domain import Administration

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter


@dataclass
class Telemetry:
    service: str
    tracing: Tracing
    metrics: Metrics = field(default_factory=Metrics)
    metrics_token: str | None = None
    access_log: bool = True

    @classmethod
    def for_service(
        cls, service: str, runtime: Runtime, exporter: "SpanExporter | None" = None
    ) -> "Telemetry":
        return cls(
            service=service,
            tracing=Tracing(service, otlp_endpoint=runtime.otlp_endpoint, exporter=exporter),
            metrics_token=runtime.metrics_token,
            access_log=runtime.access_log,
        )

    # -- HTTP ------------------------------------------------------------------------------

    def middleware(self) -> Middleware:
        """Outermost, so every answer (a 413 too) carries the request id and is logged."""
        return Middleware(Observed, tracer=self.tracing.tracer, log_access=self.access_log)

    def routes(self) -> list[BaseRoute]:
        # No token, no /metrics: it is never open to whoever can reach the service.
        if self.metrics_token is None:
            return []
        return [metrics_route(self.metrics, self.metrics_token)]

    # -- what the layers below report -----------------------------------------------------

    def operation(self, name: str | None, outcome: str, seconds: float) -> None:
        label = self.metrics.names.label(name)
        self.metrics.operations.labels(label, outcome).inc()
        self.metrics.operation_seconds.labels(label).observe(seconds)

    def rate_limited(self, administration: Administration) -> None:
        self.metrics.rate_limited.labels(administration.value).inc()

    def watch_audit(self, engine: Any, administration: Administration) -> None:
        counter = self.metrics.audit_appends.labels(administration.value)
        observe_appends(engine, counter.inc)

    @contextmanager
    def calling(self, administration: Administration) -> Iterator[Callable[[str], None]]:
        outcome = "error"

        def finished(reported: str) -> None:
            nonlocal outcome
            outcome = reported

        started = time.perf_counter()
        with self.tracing.tracer.start_as_current_span(
            f"source {administration.value}",
            kind=SpanKind.CLIENT,
            attributes={"cmaa.administration": administration.value},
        ) as span:
            try:
                yield finished
            finally:
                span.set_attribute("cmaa.outcome", outcome)
                self.metrics.source_calls.labels(administration.value, outcome).inc()
                self.metrics.source_seconds.labels(administration.value).observe(
                    time.perf_counter() - started
                )

    def breaker(self, administration: Administration, is_open: bool) -> None:
        self.metrics.breaker_open.labels(administration.value).set(1 if is_open else 0)

    def shutdown(self) -> None:
        self.tracing.shutdown()
