"""One administration's authorization server on its own (`cmaa issuer`): the same service the
demo mounts at /oauth/us or /oauth/uz, over that administration's own store.

Its issuer is PUBLIC_URL/oauth/<administration>, so tokens (`iss`), its RFC 8414 metadata and
its JWKS URL follow the URL it is reached at, and the gateway and subgraphs trust it as the
party's "builtin" issuer by that URL. GraphiQL on a gateway of another origin reads its
metadata and calls its token and revocation endpoints from the browser: those origins are
named with `cors_origins`.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.server.app import AuthorizationService
from gateway.app import service_hardening
from gateway.demo import allow_loopback_http, demo_issuer
from store.agreement import Agreement
from store.database import create_engine
from store.models.domain import Administration

# How `cmaa issuer` hands its settings to uvicorn's worker processes.
ISSUER_VARIABLES = {
    "administration": "CMAA_ISSUER_ADMINISTRATION",
    "database_url": "CMAA_ISSUER_DATABASE_URL",
    "public_url": "CMAA_ISSUER_PUBLIC_URL",
    "cors_origins": "CMAA_ISSUER_CORS_ORIGINS",
}


@dataclass(frozen=True)
class IssuerSettings:
    administration: Administration
    database_url: str
    public_url: str
    cors_origins: tuple[str, ...] = ()

    @property
    def issuer(self) -> str:
        return demo_issuer(self.public_url, self.administration)

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks"

    def to_environment(self) -> dict[str, str]:
        return {
            ISSUER_VARIABLES["administration"]: self.administration.value,
            ISSUER_VARIABLES["database_url"]: self.database_url,
            ISSUER_VARIABLES["public_url"]: self.public_url,
            ISSUER_VARIABLES["cors_origins"]: " ".join(self.cors_origins),
        }

    @classmethod
    def from_environment(cls) -> "IssuerSettings":
        read = {name: os.environ.get(variable, "") for name, variable in ISSUER_VARIABLES.items()}
        return cls(
            administration=Administration(read["administration"]),
            database_url=read["database_url"],
            public_url=read["public_url"],
            cors_origins=tuple(read["cors_origins"].split()),
        )


def build_issuer_app(settings: IssuerSettings, agreement: Agreement) -> Starlette:
    """The authorization server's routes behind the same HTTP hardening as the gateway."""
    public_url = settings.public_url.rstrip("/")
    allow_loopback_http(public_url)
    engine = create_engine(settings.database_url)
    service = AuthorizationService(
        administration=settings.administration,
        issuer=settings.issuer,
        engine=engine,
        agreement=agreement,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            await service.startup()
            yield
        finally:
            await engine.dispose()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "issuer": service.issuer})

    app = Starlette(
        routes=[*service.routes(), Route("/healthz", healthz, methods=["GET"])],
        middleware=service_hardening(
            agreement.limits.body_bytes, public_url, settings.cors_origins
        ),
        lifespan=lifespan,
    )
    app.state.authorization_service = service
    return app


def issuer_app_from_environment() -> Starlette:
    """The app factory uvicorn's workers call (`cmaa issuer --workers N`)."""
    from gateway.settings import load_configured_agreement

    return build_issuer_app(IssuerSettings.from_environment(), load_configured_agreement())


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
