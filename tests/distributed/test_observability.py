"""The distributed form observed: the gateway and both administrations' subgraphs, each a
real uvicorn on loopback with its own telemetry, answer one query as one trace across the
three services, one request id in every access log and answer, and counters that move by
exactly what the query did."""

import asyncio
import logging
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.distributed import GatewayConfig, build_gateway_app, verifier_for
from gateway.observability.logs import ACCESS_LOGGER
from gateway.observability.telemetry import Telemetry
from gateway.runtime import Runtime
from gateway.subgraph import create_subgraph_app
from store.agreement import load_agreement
from store.database import create_engine
from store.models.domain import Administration
from tests.adversarial.world import builtin_jwks, seeded_stores
from tests.support.servers import free_port, running_server

METRICS_TOKEN = secrets.token_urlsafe(32)
QUERY = "query CaseList { cases(first: 5) { totalCount edges { node { id owner } } } }"
SERVICES = ("cmaa-gateway", "cmaa-subgraph-US", "cmaa-subgraph-UZ")


@dataclass
class World:
    gateway: str
    subgraphs: dict[Administration, str]
    token: str
    spans: InMemorySpanExporter


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    agreement = load_agreement()
    stores = asyncio.run(seeded_stores(tmp_path_factory.mktemp("observed"), agreement, cases=12))
    identity_port = free_port()
    identity_url = f"http://127.0.0.1:{identity_port}"
    credentials = asyncio.run(prepare_demo_identities(stores, identity_url, agreement))
    # One exporter behind three tracer providers: each span names its service.
    spans = InMemorySpanExporter()
    runtime = Runtime(metrics_token=METRICS_TOKEN, access_log=True)
    issuer_jwks = builtin_jwks(credentials["issuers"])
    with ExitStack() as stack:
        stack.enter_context(
            running_server(build_demo_app(stores, identity_url, agreement), port=identity_port)
        )
        gateway_port = free_port()
        config = GatewayConfig(
            host="127.0.0.1",
            port=gateway_port,
            public_url=f"http://127.0.0.1:{gateway_port}",
            cors_origins=(),
            cursor_secret=secrets.token_bytes(32),
            sources={},
            issuer_jwks=issuer_jwks,
            workers=1,
            source=Path("gateway.toml"),
            runtime=runtime,
        )
        verifier = verifier_for(config, agreement)
        subgraphs = {}
        for administration in Administration:
            telemetry = Telemetry.for_service(
                f"cmaa-subgraph-{administration.value}", runtime, spans
            )
            app = create_subgraph_app(
                administration,
                create_engine(stores.url(administration)),
                verifier_for(config, agreement),
                agreement,
                telemetry=telemetry,
            )
            subgraphs[administration] = stack.enter_context(running_server(app))
        config.sources.update(subgraphs)
        gateway = build_gateway_app(config, agreement, verifier, span_exporter=spans)
        stack.enter_context(running_server(gateway, port=gateway_port))
        client = next(c for c in credentials["clients"] if c["client_id"] == "us-dashboard")
        answer = httpx.post(
            f"{credentials['issuers']['US']}/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        yield World(
            f"http://127.0.0.1:{gateway_port}", subgraphs, answer.json()["access_token"], spans
        )


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) → value."""
    response = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(
    before: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    after: dict[tuple[str, tuple[tuple[str, str], ...]], float],
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The counters (`_total`) that changed, by how much."""
    return {
        key: value - before.get(key, 0.0)
        for key, value in after.items()
        if key[0].endswith("_total") and value != before.get(key, 0.0)
    }


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


def test_metrics_are_served_only_to_the_token_holder(world: World) -> None:
    for url in (world.gateway, *world.subgraphs.values()):
        assert httpx.get(f"{url}/metrics").status_code == 401
        wrong = {"Authorization": f"Bearer {METRICS_TOKEN[:-1]}x"}
        assert httpx.get(f"{url}/metrics", headers=wrong).status_code == 401


def test_one_query_is_one_trace_one_request_id_and_counted_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    before = {name: scrape(url) for name, url in zip(SERVICES, _urls(world), strict=True)}
    world.spans.clear()
    request_id = "test-" + secrets.token_hex(8)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = httpx.post(
            f"{world.gateway}/graphql",
            json={"query": QUERY},
            headers={"Authorization": f"Bearer {world.token}", "X-Request-ID": request_id},
        )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()
    assert response.headers["x-request-id"] == request_id

    # One trace, with the gateway's server span at its root and spans of all three services.
    spans = [
        s for s in world.spans.get_finished_spans() if s.attributes.get("url.path") != "/metrics"
    ]
    assert {span.context.trace_id for span in spans} == {spans[0].context.trace_id}
    assert {service_of(span) for span in spans} == set(SERVICES)
    by_id = {span.context.span_id: span for span in spans}
    roots = [span for span in spans if span.parent is None]
    assert [(service_of(r), r.name) for r in roots] == [("cmaa-gateway", "POST /graphql")]
    assert roots[0].attributes["graphql.operation.name"] == "CaseList"
    for administration in Administration:
        server = next(s for s in spans if service_of(s) == f"cmaa-subgraph-{administration.value}")
        # The subgraph's span continues the gateway's span of the call to that source.
        caller = by_id[server.parent.span_id]
        assert service_of(caller) == "cmaa-gateway"
        assert caller.attributes["cmaa.administration"] == administration.value
        assert server.attributes["cmaa.request_id"] == request_id

    # Every service logged the request under the caller's id (forwarded to the subgraphs).
    logged = [r for r in caplog.records if r.name == ACCESS_LOGGER and r.path == "/graphql"]
    assert sorted(r.request_id for r in logged) == [request_id] * 3
    assert {r.trace_id for r in logged} == {format(spans[0].context.trace_id, "032x")}

    after = {name: scrape(url) for name, url in zip(SERVICES, _urls(world), strict=True)}
    ok = (("operation", "CaseList"), ("outcome", "ok"))
    assert moved(before["cmaa-gateway"], after["cmaa-gateway"]) == {
        ("cmaa_graphql_operations_total", ok): 1.0,
        ("cmaa_source_calls_total", (("administration", "UZ"), ("outcome", "ok"))): 1.0,
        ("cmaa_source_calls_total", (("administration", "US"), ("outcome", "ok"))): 1.0,
    }
    # Each subgraph ran the remote transport's page of cases once; only the partner's store
    # records the read of its released records in its audit chain.
    cases = (("operation", "Cases"), ("outcome", "ok"))
    assert moved(before["cmaa-subgraph-US"], after["cmaa-subgraph-US"]) == {
        ("cmaa_graphql_operations_total", cases): 1.0,
    }
    assert moved(before["cmaa-subgraph-UZ"], after["cmaa-subgraph-UZ"]) == {
        ("cmaa_graphql_operations_total", cases): 1.0,
        ("cmaa_audit_appends_total", (("administration", "UZ"),)): 1.0,
    }
    assert after["cmaa-gateway"][("cmaa_source_breaker_open", (("administration", "UZ"),))] == 0


def test_a_refusal_names_its_request(world: World) -> None:
    response = httpx.post(
        f"{world.gateway}/graphql", json={"query": QUERY}, headers={"X-Request-ID": "bad id!"}
    )
    assert response.status_code == 401
    made = response.headers["x-request-id"]
    assert made != "bad id!" and len(made) == 32
    assert [e["extensions"]["requestId"] for e in response.json()["errors"]] == [made]


def _urls(world: World) -> list[str]:
    return [world.gateway, world.subgraphs[Administration.US], world.subgraphs[Administration.UZ]]
