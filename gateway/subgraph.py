"""One administration's Federation subgraph as a Starlette app (`cmaa subgraph`).

It serves the owner's store through the in-process source, so the owner's policy is applied
in the owner's own query, and it verifies every bearer token itself: the gateway (or Apollo
Router) in front of it is never trusted to have done so. The HTTP behaviour (401/403 before
any GraphQL, 405/406/415, the body limit, coded and masked errors) is the gateway's own.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.checkpoints import AuditSigner
from auth.principal import Principal
from auth.verification import Verifier
from gateway.audit_exchange import Checkpointer, RemotePartner, Sleep, audit_routes
from gateway.collector import tune_for_serving
from gateway.http.graphql_endpoint import GraphQLEndpoint
from gateway.http.hardening import BodyLimit, SecurityHeaders
from gateway.http.rate_limit import RateLimit, RateLimiter
from gateway.observability.logs import log_config
from gateway.observability.operations import OperationNamed
from gateway.observability.telemetry import Telemetry
from resolvers.introspection import SUBGRAPH_SCHEMA_FIELDS, introspection_for
from resolvers.limits import operation_limits
from resolvers.sources.base import SourceDown
from resolvers.sources.in_process import InProcessSource, system_clock
from resolvers.sources.in_process.source import Clock
from resolvers.subgraph import GRAPHQL_PATH, SubgraphContext, subgraph_schema
from store.agreement import Agreement
from store.migrate import store_administration
from store.models.domain import Administration


class WrongStore(RuntimeError):
    """The database is not this administration's store."""


def create_subgraph_app(
    administration: Administration,
    engine: AsyncEngine,
    verifier: Verifier,
    agreement: Agreement,
    *,
    clock: Clock = system_clock,
    introspection_clients: frozenset[str] = frozenset(),
    partner: RemotePartner | None = None,
    checkpoint_sleep: Sleep = asyncio.sleep,
    telemetry: Telemetry | None = None,
    rate_limiter: RateLimit | None = None,
) -> Starlette:
    """The subgraph of `administration` over the store behind `engine`.

    The app owns the engine from here on: it checks at start-up that the store is this
    administration's and disposes of the engine at shutdown. `app.state.engine`,
    `app.state.source` and `app.state.checkpointer` are set for the app's lifetime. Only
    `introspection_clients` (ADMINISTRATION:client_id) may introspect it, `_service { sdl }`
    included. The checkpointer signs the store's audit log on the agreement's cadence and,
    given the `partner`, exchanges checkpoints with it for countersignature; `/audit/*`
    publishes what the partner needs for that. `telemetry` (metrics, traces, access log) and
    a `rate_limiter` shared with the administration's other replicas are optional.
    """
    limits = agreement.limits
    source = InProcessSource(administration, engine, clock, agreement)
    schema = subgraph_schema(
        administration,
        extensions=(
            operation_limits(limits),
            introspection_for(introspection_clients, SUBGRAPH_SCHEMA_FIELDS),
            OperationNamed,
        ),
    )

    def context(principal: Principal) -> SubgraphContext:
        return SubgraphContext(principal=principal, source=source, limits=limits)

    # The gateway makes at most one call per source per level of an operation, so a caller
    # within the gateway's rate never meets this one; it stops a client calling directly.
    limiter = rate_limiter or RateLimiter(limits.rate_per_minute * limits.max_depth)
    endpoint = GraphQLEndpoint(schema, verifier, context, limiter, limits, observer=telemetry)
    if telemetry is not None:
        telemetry.watch_audit(engine, administration)
    signer = AuditSigner(administration, engine, clock)
    checkpointer = Checkpointer(
        signer, agreement.audit_checkpoints, partner, sleep=checkpoint_sleep
    )

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            await source.ping()
        except SourceDown:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tune_for_serving()
        try:
            owner = await store_administration(engine)
            if owner is not administration:
                found = "no administration" if owner is None else owner.value
                raise WrongStore(
                    f"the database is {found}'s store, not {administration.value}'s; "
                    "run `cmaa migrate` for it first"
                )
            checkpointer.start()
            try:
                yield
            finally:
                await checkpointer.stop()
        finally:
            await engine.dispose()
            if telemetry is not None:
                telemetry.shutdown()

    app = Starlette(
        routes=[
            Route(GRAPHQL_PATH, endpoint.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *audit_routes(signer, partner),
            *(telemetry.routes() if telemetry else ()),
        ],
        middleware=[
            *([telemetry.middleware()] if telemetry else ()),
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, limit=limits.body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.source = source
    app.state.schema = schema
    app.state.checkpointer = checkpointer
    return app


def serve_subgraph(app: Any, host: str, port: int) -> None:
    uvicorn.run(
        app,
        host=host,
        port=port,
        lifespan="on",
        proxy_headers=True,
        server_header=False,
        log_level="info",
        log_config=log_config(),
        access_log=False,
    )
