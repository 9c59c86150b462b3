"""Prometheus metrics of one service, served at /metrics to a scraper holding the metrics token.

Labels name operations, administrations and outcomes, never a record, a client or a caller:
nothing a partner shared can be read from them. An operation's name is chosen by its client,
so only the first `MAX_OPERATION_NAMES` names a process meets get their own series (the rest
are "other"), and a name that is not a GraphQL name is never a label.

With several uvicorn workers each process writes its values to files in
PROMETHEUS_MULTIPROC_DIR, and /metrics (answered by any worker) adds them all up.
"""

import hmac
import os
import re
import tempfile
import threading
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATION_NAMES = 200
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def prepare_multiprocess_dir() -> Path:
    """Before workers start: the directory their metrics go to (a private new one unless
    PROMETHEUS_MULTIPROC_DIR names one), emptied of an earlier run's values."""
    given = os.environ.get(MULTIPROCESS_DIR)
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="cmaa-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR] = str(directory)
    return directory


class OperationNames:
    """The bounded set of operation names used as labels."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if name is None:
            return "anonymous"
        if _GRAPHQL_NAME.fullmatch(name) is None:
            return "other"
        with self._lock:
            if name in self._seen:
                return name
            if len(self._seen) < self._limit:
                self._seen.add(name)
                return name
        return "other"


class Metrics:
    """The service's counters, histograms and gauges, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.names = OperationNames()
        registry = self.registry
        self.operations = Counter(
            "cmaa_graphql_operations",
            "GraphQL operations served, by operation name and outcome",
            ["operation", "outcome"],
            registry=registry,
        )
        self.operation_seconds = Histogram(
            "cmaa_graphql_operation_seconds",
            "Time from request to response of GraphQL operations, by operation name",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "cmaa_rate_limited",
            "Requests refused over the rate limit, by the caller's administration",
            ["administration"],
            registry=registry,
        )
        self.source_calls = Counter(
            "cmaa_source_calls",
            "Calls to an administration's source, by administration and outcome",
            ["administration", "outcome"],
            registry=registry,
        )
        self.source_seconds = Histogram(
            "cmaa_source_call_seconds",
            "Duration of calls to an administration's source",
            ["administration"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.breaker_open = Gauge(
            "cmaa_source_breaker_open",
            "1 while the circuit breaker in front of an administration's source is open",
            ["administration"],
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.audit_appends = Counter(
            "cmaa_audit_appends",
            "Entries appended to an administration's audit chain",
            ["administration"],
            registry=registry,
        )

    def exposition(self) -> bytes:
        if os.environ.get(MULTIPROCESS_DIR):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics_route(metrics: Metrics, token: str) -> Route:
    """GET /metrics for a scraper presenting `Authorization: Bearer <token>`."""
    expected = f"Bearer {token}".encode()

    async def scrape(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode("latin-1")
        if not hmac.compare_digest(given, expected):
            return Response(
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
            )
        return Response(
            metrics.exposition(),
            media_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )

    return Route("/metrics", scrape, methods=["GET"])
