"""Helpers of the gateway suite: GraphQL over real HTTP, global ids, the expected record sets
in plain SQL over the stores, instrumented sources, and gateways built from the project's own
parts over instrumented sources (for the fault, rate and timing tests)."""

import asyncio
import base64
import inspect
import sqlite3
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.verification import BuiltinIssuer, verifier_from_agreement
from gateway.app import GatewayParts, gateway_routes, hardening
from gateway.demo import demo_issuer
from gateway.settings import DemoStores
from resolvers.exchange.administrations import Administrations
from resolvers.introspection import client_names
from resolvers.sources.base import AdministrationSource, SourceDown
from resolvers.sources.in_process import InProcessSource
from store.agreement import Agreement
from store.database import create_engine
from store.models.domain import Administration
from tests.support.servers import running_server

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# -- GraphQL over HTTP -------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_graphql(
    http: httpx.Client,
    url: str,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    accept: str | None = JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST one operation to url (the gateway's base URL) as JSON."""
    sent: dict[str, str] = {} if token is None else bearer(token)
    if accept is not None:
        sent["Accept"] = accept
    sent.update(headers or {})
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return http.post(f"{url}/graphql", json=body, headers=sent)


def codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    return dict(errors[0])


# -- global ids --------------------------------------------------------------------------------


def encode_id(type_name: str, owner: str, local_id: int | str) -> str:
    raw = f"{type_name}:{owner}:{local_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_id(value: str) -> tuple[str, str, int]:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    type_name, owner, local_id = raw.split(":")
    return type_name, owner, int(local_id)


# -- the expected sets, in plain SQL over each administration's SQLite file ----------------

TABLES = {"CASE": ("cases", "opened_at"), "ENTITY": ("entities", "created_at")}


@dataclass(frozen=True, order=True)
class Row:
    """One record as the global order sees it: sort key, owner, local id."""

    sort_key: str
    owner: str
    id: int


def sql_now() -> str:
    """Now, as SQLAlchemy writes a datetime into a SQLite column (text, UTC, microseconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def query_store(stores: DemoStores, owner: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    path = stores.path(Administration(owner))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as connection:
        return list(connection.execute(sql, params).fetchall())


def _active_release_items(record_type: str) -> str:
    return (
        "SELECT ri.record_id FROM release_items ri JOIN releases r ON r.id = ri.release_id "
        f"WHERE ri.record_type = '{record_type}' AND r.recipient = ? "
        "AND r.revoked_at IS NULL AND r.expires_at > ?"
    )


def own_rows(stores: DemoStores, owner: str, record_type: str) -> list[Row]:
    table, sort_column = TABLES[record_type]
    rows = query_store(stores, owner, f"SELECT {sort_column}, id FROM {table}")
    return [Row(str(sort_key), owner, int(local_id)) for sort_key, local_id in rows]


def released_rows(stores: DemoStores, owner: str, recipient: str, record_type: str) -> list[Row]:
    """The owner's records some active release hands to the recipient."""
    table, sort_column = TABLES[record_type]
    rows = query_store(
        stores,
        owner,
        f"SELECT {sort_column}, id FROM {table} WHERE id IN ({_active_release_items(record_type)})",
        recipient,
        sql_now(),
    )
    return [Row(str(sort_key), owner, int(local_id)) for sort_key, local_id in rows]


def partner_of(caller: str) -> str:
    return "UZ" if caller == "US" else "US"


def visible_rows(stores: DemoStores, caller: str, record_type: str) -> list[Row]:
    """What a designated caller with the read scope sees, in the gateway's total order:
    sort key descending, then owner, then local id (both descending)."""
    rows = own_rows(stores, caller, record_type) + released_rows(
        stores, partner_of(caller), caller, record_type
    )
    return sorted(rows, reverse=True)


def unreleased_ids(stores: DemoStores, owner: str, recipient: str, record_type: str) -> list[int]:
    """The owner's records no active release hands to the recipient, those that were once
    released (under a revoked or expired release) first."""
    once = query_store(
        stores,
        owner,
        "SELECT DISTINCT ri.record_id FROM release_items ri JOIN releases r "
        "ON r.id = ri.release_id WHERE ri.record_type = ? AND r.recipient = ?",
        record_type,
        recipient,
    )
    active = {row.id for row in released_rows(stores, owner, recipient, record_type)}
    every = [row.id for row in own_rows(stores, owner, record_type)]
    formerly = sorted({int(row[0]) for row in once} - active)
    never = sorted(set(every) - active - set(formerly))
    return formerly + never


# -- instrumentation of sources ----------------------------------------------------------------


class InstrumentedSource:
    """A real source behind a thin wrapper: counts each method call and delegates.

    For fault tests it can also wait before each call (`delay`), or answer the way an
    unreachable administration does (`failing`: SourceDown, after the delay). The
    real source still answers every call it is given.
    """

    def __init__(self, source: AdministrationSource) -> None:
        self.inner = source
        self.administration: Administration = source.administration
        self.calls: Counter[str] = Counter()
        self.delay = 0.0
        self.failing = False

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(target):
            return target

        async def instrumented(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.failing:
                raise SourceDown(self.administration, "stopped by the test")
            return await target(*args, **kwargs)

        return instrumented


@contextmanager
def instrumented(administrations: Administrations) -> Iterator[dict[str, InstrumentedSource]]:
    """Put counting wrappers around the sources of a running gateway for the block."""
    originals = dict(administrations.sources)
    wrappers = {a.value: InstrumentedSource(source) for a, source in originals.items()}
    try:
        for administration in originals:
            administrations.sources[administration] = wrappers[administration.value]
        yield wrappers
    finally:
        administrations.sources.update(originals)


# -- timing on the server side -------------------------------------------------------------


class Timed:
    """ASGI wrapper recording how long the app took over each request, until its response's
    last byte was handed to the server (recorded before the client can have it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.durations: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.durations.append(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, timed_send)

    def median_of_last(self, count: int) -> float:
        return statistics.median(self.durations[-count:])


# -- a gateway of the project's own parts over instrumented in-process sources -------------


@dataclass
class BuiltGateway:
    app: Starlette
    administrations: Administrations
    sources: dict[str, InstrumentedSource]
    timed: Timed
    parts: GatewayParts


def build_gateway(
    stores: DemoStores,
    issuer_base_url: str,
    agreement: Agreement,
    *,
    timeout_seconds: float | None = None,
    breaker_threshold: int = 3,
    breaker_cooldown: float = 10.0,
    cors_origins: tuple[str, ...] = (),
    introspection_clients: frozenset[str] = frozenset(),
) -> BuiltGateway:
    """A gateway of its own parts (GatewayParts, gateway_routes, hardening), as a distributed
    deployment composes it: the demo's two issuers at issuer_base_url are trusted by their
    JWKS over HTTP, and the app's own origin is issuer_base_url's."""
    engines = {a: create_engine(stores.url(a)) for a in Administration}
    sources = {a: InstrumentedSource(InProcessSource(a, engine)) for a, engine in engines.items()}
    administrations = Administrations(
        dict(sources),
        timeout_seconds=(
            agreement.limits.source_timeout_seconds if timeout_seconds is None else timeout_seconds
        ),
        breaker_threshold=breaker_threshold,
        breaker_cooldown=breaker_cooldown,
    )
    verifier = verifier_from_agreement(
        agreement,
        {a: BuiltinIssuer(issuer=demo_issuer(issuer_base_url, a)) for a in Administration},
    )
    parts = GatewayParts(
        agreement=agreement,
        administrations=administrations,
        verifier=verifier,
        cors_origins=cors_origins,
        introspection_clients=introspection_clients,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for engine in engines.values():
                await engine.dispose()

    app = Starlette(
        routes=gateway_routes(parts),
        middleware=hardening(parts, issuer_base_url),
        lifespan=lifespan,
    )
    timed = Timed(app)
    return BuiltGateway(
        app=app,
        administrations=administrations,
        sources={a.value: source for a, source in sources.items()},
        timed=timed,
        parts=parts,
    )


@contextmanager
def trusting_gateway(
    stores: DemoStores, issuer_base_url: str, agreement: Agreement, *clients: str
) -> Iterator[str]:
    """The URL of a gateway (as build_gateway makes it) that trusts `clients`
    (ADMINISTRATION:client_id) with introspection, served while the context lasts."""
    built = build_gateway(
        stores, issuer_base_url, agreement, introspection_clients=client_names(clients)
    )
    with running_server(built.app) as url:
        yield url
