"""The gateway's ASGI application: the exchange schema over both administrations, behind the
HTTP hardening of DESIGN.md §7."""

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from auth.principal import Principal
from auth.verification import Verifier
from gateway.http.graphql_endpoint import GraphQLEndpoint, PageFactory
from gateway.http.hardening import BodyLimit, SecurityHeaders
from gateway.http.origins import OriginGuard
from gateway.http.rate_limit import RateLimiter
from resolvers.contracts.operations import DEFAULT_OPERATIONS_DIR, Safelist
from resolvers.exchange.administrations import Administrations
from resolvers.exchange.context import ExchangeContext
from resolvers.exchange.cursors import CursorCodec
from resolvers.exchange.schema import build_exchange_schema
from resolvers.introspection import introspection_for
from resolvers.limits import operation_limits
from resolvers.sources.base import SourceDown
from store.agreement import Agreement


@dataclass
class GatewayParts:
    """What the gateway is built from; the sources and verifier decide embedded or distributed."""

    agreement: Agreement
    administrations: Administrations
    verifier: Verifier
    cursor_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    cors_origins: tuple[str, ...] = ()
    # Safelist mode: run only the operations in `operations_dir` (by the SHA-256 of their text).
    safelist: bool = False
    operations_dir: Path = DEFAULT_OPERATIONS_DIR
    # The clients (ADMINISTRATION:client_id) that may introspect the schema; nobody by default.
    introspection_clients: frozenset[str] = frozenset()


def gateway_routes(parts: GatewayParts, browser_page: PageFactory | None = None) -> list[BaseRoute]:
    schema = build_exchange_schema(
        extensions=(
            operation_limits(parts.agreement.limits),
            introspection_for(parts.introspection_clients),
        )
    )
    cursors = CursorCodec(parts.cursor_secret)

    def context(principal: Principal) -> ExchangeContext:
        return ExchangeContext(
            principal=principal,
            administrations=parts.administrations,
            cursors=cursors,
            agreement=parts.agreement,
        )

    endpoint = GraphQLEndpoint(
        schema,
        parts.verifier,
        context,
        RateLimiter(parts.agreement.limits.rate_per_minute),
        parts.agreement.limits,
        browser_page,
        Safelist.from_directory(parts.operations_dir) if parts.safelist else None,
    )

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        states = {}
        for administration in parts.administrations:
            try:
                await parts.administrations.call(administration, lambda source: source.ping())
                states[administration.value] = "reachable"
            except SourceDown:
                states[administration.value] = "unavailable"
        ready = all(state == "reachable" for state in states.values())
        return JSONResponse(
            {"status": "ready" if ready else "degraded", "administrations": states},
            status_code=200 if ready else 503,
        )

    return [
        Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]


def hardening(parts: GatewayParts, public_url: str) -> list[Middleware]:
    """The middleware of DESIGN.md §7, outermost first, for every route of the app."""
    return service_hardening(parts.agreement.limits.body_bytes, public_url, parts.cors_origins)


def service_hardening(
    body_bytes: int, public_url: str, cors_origins: tuple[str, ...]
) -> list[Middleware]:
    """The same hardening for any service of ours (gateway, issuer): its own origin and the
    allow-listed ones may call it from a browser; every other origin is refused."""
    parsed = urlsplit(public_url)
    origins = frozenset(
        origin.rstrip("/") for origin in (f"{parsed.scheme}://{parsed.netloc}", *cors_origins)
    )
    return [
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, limit=body_bytes),
        Middleware(OriginGuard, allowed=origins),
        Middleware(
            CORSMiddleware,
            allow_origins=sorted(origins),
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "accept"],
            max_age=600,
        ),
    ]
