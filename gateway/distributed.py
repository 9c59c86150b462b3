"""The distributed gateway (`cmaa gateway --config FILE`): the exchange schema over each
administration's remote subgraph, trusting each administration's issuer by its JWKS URL.

The gateway holds no data and no state of its own beyond the cursor secret, so it scales out
as several uvicorn workers or replicas behind a load balancer, all given the same secret.

The configuration file (TOML):

    [gateway]
    host = "127.0.0.1"
    port = 8000
    public_url = "https://exchange.example"    # default http://HOST:PORT
    cors_origins = ["https://dashboard.example"]
    cursor_secret_file = "cursor.secret"         # ≥ 32 bytes; or CMAA_CURSOR_SECRET (hex)
    workers = 1
    safelist = false            # true: run only the operations of operations_dir
    operations_dir = "operations"                # default: the checkout's operations/
    graphiql = true             # GET /graphql from a browser: GraphiQL, login at the issuers
    # ADMINISTRATION:client_id trusted with introspection; default: GraphiQL's clients where
    # GraphiQL is on, else none
    introspection_clients = ["US:us-graphiql", "UZ:uz-graphiql"]

    [graphiql.clients]   # GraphiQL's public client at each administration's issuer
    US = "us-graphiql"
    UZ = "uz-graphiql"

    [sources]   # each administration's `cmaa subgraph` (its base URL; GraphQL at /graphql)
    US = "https://us-subgraph.example"
    UZ = "https://uz-subgraph.example"

    [issuers]   # JWKS URL of each issuer agreement.toml trusts as "builtin"
    "https://idp.example/oauth/us" = "https://idp.example/oauth/us/jwks"

    [dashboard] # optional: the analysts' dashboard at /dashboard; each administration's people
                # log in at their own issuer through a public client (authorization code + PKCE)
                # that allows PUBLIC_URL/dashboard as its redirect URI
    US = { issuer = "https://idp.example/oauth/us", client_id = "us-dashboard-web" }
    UZ = { issuer = "https://idp.example/oauth/uz", client_id = "uz-dashboard-web" }

Workers' health check, Redis, metrics, traces and access logs: see gateway.runtime.
"""

import logging
import os
import secrets
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.applications import Starlette

from auth.revocations import RevocationList, SharedRevocations
from auth.verification import TokenVerifier
from gateway import shared
from gateway.app import GatewayParts, gateway_routes, hardening
from gateway.collector import tune_for_serving
from gateway.dashboard import DashboardLogin, dashboard_routes
from gateway.graphiql import GraphiQLLogin, graphiql_assets, graphiql_page, login_assets
from gateway.observability.telemetry import Telemetry
from gateway.runtime import Runtime, runtime_from_config
from gateway.trust import trusted_issuers
from resolvers.contracts.operations import DEFAULT_OPERATIONS_DIR, OperationsError, Safelist
from resolvers.exchange.administrations import Administrations
from resolvers.introspection import UnknownClientName, client_names
from resolvers.sources.base import AdministrationSource
from resolvers.sources.remote import RemoteSource
from store.agreement import Agreement, ConfigurationError, KeyedReader
from store.models.domain import Administration

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger("cmaa.gateway")
CONFIG_VARIABLE = "CMAA_GATEWAY_CONFIG"
SECRET_VARIABLE = "CMAA_CURSOR_SECRET"  # noqa: S105  (the name of a variable, not a secret)
MIN_SECRET_BYTES = 32


class GatewayConfigError(ConfigurationError):
    """A malformed gateway configuration: names the file, the key and what is wrong."""


def default_graphiql_client(administration: Administration) -> str:
    return f"{administration.value.lower()}-graphiql"


@dataclass(frozen=True)
class GatewayConfig:
    host: str
    port: int
    public_url: str
    cors_origins: tuple[str, ...]
    cursor_secret: bytes
    sources: dict[Administration, str]
    issuer_jwks: dict[str, str]
    workers: int
    source: Path
    safelist: bool = False
    operations_dir: Path = DEFAULT_OPERATIONS_DIR
    graphiql: bool = True
    graphiql_clients: dict[Administration, str] = field(
        default_factory=lambda: {a: default_graphiql_client(a) for a in Administration}
    )
    introspection_clients: frozenset[str] = frozenset()
    # Where each administration's people log in to the dashboard; None: no dashboard.
    dashboard: DashboardLogin | None = None
    runtime: Runtime = field(default_factory=Runtime)


def _http_url(reader: KeyedReader, value: Any, key: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise reader.fail(key, "must be an http(s) URL")
    return str(value)


def _cursor_secret(reader: KeyedReader, section: dict[str, Any], workers: int) -> bytes:
    if "cursor_secret_file" in section:
        path = Path(reader.text(section, "gateway", "cursor_secret_file"))
        try:
            secret = path.read_bytes().strip()
        except OSError:
            raise reader.fail("gateway.cursor_secret_file", "cannot be read") from None
    elif os.environ.get(SECRET_VARIABLE):
        try:
            secret = bytes.fromhex(os.environ[SECRET_VARIABLE])
        except ValueError:
            raise reader.fail(SECRET_VARIABLE, "must be hexadecimal") from None
    elif workers > 1:
        raise reader.fail(
            "gateway.cursor_secret_file",
            "is required with several workers: every worker must sign cursors alike",
        )
    else:
        return secrets.token_bytes(MIN_SECRET_BYTES)
    if len(secret) < MIN_SECRET_BYTES:
        raise reader.fail("gateway.cursor_secret_file", f"must hold ≥ {MIN_SECRET_BYTES} bytes")
    return secret


def _introspection_clients(
    reader: KeyedReader, section: dict[str, Any], graphiql_clients: dict[Administration, str]
) -> frozenset[str]:
    """Those named; where none are, GraphiQL's login clients (its schema explorer needs the
    schema), as in the demo."""
    default = [f"{a.value}:{client}" for a, client in graphiql_clients.items()]
    configured = section.get("introspection_clients", default)
    if not isinstance(configured, list):
        raise reader.fail("gateway.introspection_clients", "must be a list of clients")
    try:
        return client_names(configured)
    except UnknownClientName as exc:
        raise reader.fail("gateway.introspection_clients", str(exc)) from None


def _parties_only(reader: KeyedReader, section: dict[str, Any], name: str) -> None:
    unknown = sorted(set(section) - {a.value for a in Administration})
    if unknown:
        raise reader.fail(f"{name}.{unknown[0]}", "is not a party (US or UZ)")


def _dashboard(reader: KeyedReader, data: dict[str, Any]) -> DashboardLogin | None:
    if "dashboard" not in data:
        return None
    section = reader.table(data["dashboard"], "dashboard")
    _parties_only(reader, section, "dashboard")
    issuers, clients = {}, {}
    for administration in Administration:
        key = f"dashboard.{administration.value}"
        login = reader.table(reader.get(section, "dashboard", administration.value), key)
        issuers[administration] = _http_url(reader, login.get("issuer"), f"{key}.issuer")
        clients[administration] = reader.text(login, key, "client_id")
    return DashboardLogin(issuers=issuers, client_ids=clients)


def _switch(reader: KeyedReader, section: dict[str, Any], name: str, default: bool) -> bool:
    value = section.get(name, default)
    if not isinstance(value, bool):
        raise reader.fail(f"gateway.{name}", "must be true or false")
    return value


def _operations_dir(reader: KeyedReader, section: dict[str, Any], safelist: bool) -> Path:
    directory = DEFAULT_OPERATIONS_DIR
    if "operations_dir" in section:
        directory = Path(reader.text(section, "gateway", "operations_dir"))
    if safelist:
        # Read now: a gateway must not start in safelist mode over a list it cannot read.
        try:
            Safelist.from_directory(directory)
        except OperationsError as exc:
            raise reader.fail("gateway.operations_dir", str(exc)) from None
    return directory


def _graphiql_clients(reader: KeyedReader, data: dict[str, Any]) -> dict[Administration, str]:
    section = reader.table(data.get("graphiql", {}), "graphiql")
    unknown = sorted(set(section) - {"clients"})
    if unknown:
        raise reader.fail(f"graphiql.{unknown[0]}", "is not a setting (only clients)")
    clients = reader.table(section.get("clients", {}), "graphiql.clients")
    _parties_only(reader, clients, "graphiql.clients")
    return {
        administration: (
            reader.text(clients, "graphiql.clients", administration.value)
            if administration.value in clients
            else default_graphiql_client(administration)
        )
        for administration in Administration
    }


def load_gateway_config(path: Path) -> GatewayConfig:
    reader = KeyedReader(path, GatewayConfigError)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GatewayConfigError(path, "(file)", "does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise GatewayConfigError(path, "(syntax)", str(exc)) from None
    section = reader.table(data.get("gateway", {}), "gateway")
    host = str(section.get("host", "127.0.0.1"))
    port = section.get("port", 8000)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise reader.fail("gateway.port", "must be a port number")
    workers = section.get("workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise reader.fail("gateway.workers", "must be a whole number ≥ 1")
    public_url = _http_url(
        reader, section.get("public_url", f"http://{host}:{port}"), "gateway.public_url"
    )
    origins = section.get("cors_origins", [])
    if not isinstance(origins, list):
        raise reader.fail("gateway.cors_origins", "must be a list of origins")
    cors = tuple(_http_url(reader, o, f"gateway.cors_origins[{i}]") for i, o in enumerate(origins))
    raw_sources = reader.table(reader.get(data, "", "sources"), "sources")
    sources = {}
    for administration in Administration:
        key = f"sources.{administration.value}"
        sources[administration] = _http_url(
            reader, reader.get(raw_sources, "sources", administration.value), key
        )
    _parties_only(reader, raw_sources, "sources")
    safelist = _switch(reader, section, "safelist", False)
    graphiql = _switch(reader, section, "graphiql", True)
    graphiql_clients = _graphiql_clients(reader, data)
    raw_issuers = reader.table(data.get("issuers", {}), "issuers")
    issuers = {
        _http_url(reader, issuer, f"issuers.{issuer}"): _http_url(reader, jwks, f"issuers.{issuer}")
        for issuer, jwks in raw_issuers.items()
    }
    return GatewayConfig(
        host=host,
        port=port,
        public_url=public_url.rstrip("/"),
        cors_origins=cors,
        cursor_secret=_cursor_secret(reader, section, workers),
        sources=sources,
        issuer_jwks=issuers,
        workers=workers,
        source=path,
        safelist=safelist,
        operations_dir=_operations_dir(reader, section, safelist),
        graphiql=graphiql,
        graphiql_clients=graphiql_clients,
        introspection_clients=_introspection_clients(
            reader, section, graphiql_clients if graphiql else {}
        ),
        dashboard=_dashboard(reader, data),
        runtime=runtime_from_config(reader, data),
    )


def build_gateway_app(
    config: GatewayConfig,
    agreement: Agreement,
    verifier: TokenVerifier,
    *,
    span_exporter: "SpanExporter | None" = None,
) -> Starlette:
    """`span_exporter`: where spans go besides OTLP (a test's in-memory exporter)."""
    telemetry = Telemetry.for_service("cmaa-gateway", config.runtime, span_exporter)
    remote: dict[Administration, AdministrationSource] = {
        administration: RemoteSource(administration, url, agreement.limits)
        for administration, url in config.sources.items()
    }
    administrations = Administrations(
        remote,
        timeout_seconds=agreement.limits.source_timeout_seconds,
        observer=telemetry,
    )
    parts = GatewayParts(
        agreement=agreement,
        administrations=administrations,
        verifier=verifier,
        cursor_secret=config.cursor_secret,
        cors_origins=config.cors_origins,
        safelist=config.safelist,
        operations_dir=config.operations_dir,
        introspection_clients=config.introspection_clients,
        telemetry=telemetry,
        rate_limiter=shared.rate_limiter(
            config.runtime, "gateway", agreement.limits.rate_per_minute
        ),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        tune_for_serving()
        try:
            yield
        finally:
            await administrations.aclose()
            telemetry.shutdown()

    if config.graphiql:
        page = graphiql_page(login_for(config, agreement), f"{config.public_url}/graphql")
        routes = [*gateway_routes(parts, page), graphiql_assets()]
    else:
        routes = gateway_routes(parts)
    if config.graphiql or config.dashboard is not None:
        routes.append(login_assets())
    if config.dashboard is not None:
        routes += dashboard_routes(config.dashboard, f"{config.public_url}/graphql", agreement)
    app = Starlette(
        routes=routes,
        middleware=hardening(parts, config.public_url),
        lifespan=lifespan,
    )
    app.state.administrations = administrations
    app.state.telemetry = telemetry
    return app


def verifier_for(config: GatewayConfig, agreement: Agreement) -> TokenVerifier:
    """The built-in issuers' revocations are checked here too when Redis carries them."""
    deny_list = shared.deny_list(config.runtime)
    revocations: dict[Administration, RevocationList] = (
        {} if deny_list is None else dict.fromkeys(Administration, SharedRevocations(deny_list))
    )
    return TokenVerifier(
        trusted_issuers(agreement, config.issuer_jwks, revocations),
        audience=agreement.tokens.audience,
        leeway_seconds=agreement.tokens.leeway_seconds,
        known_scopes=agreement.scopes,
    )


def login_for(config: GatewayConfig, agreement: Agreement) -> GraphiQLLogin:
    """GraphiQL signs people in at the first issuer agreement.toml trusts for each party."""
    issuers: dict[Administration, str] = {}
    for trust in trusted_issuers(agreement, config.issuer_jwks, {}):
        issuers.setdefault(trust.administration, trust.issuer)
    return GraphiQLLogin(
        issuers=issuers,
        client_ids=config.graphiql_clients,
        scopes=tuple(agreement.scopes),
    )


def app_from_environment() -> Starlette:
    """The app factory uvicorn's workers call: the configuration file is named by
    CMAA_GATEWAY_CONFIG, the shared cursor secret by CMAA_CURSOR_SECRET."""
    from gateway.settings import load_configured_agreement

    config = load_gateway_config(Path(os.environ[CONFIG_VARIABLE]))
    agreement = load_configured_agreement()
    return build_gateway_app(config, agreement, verifier_for(config, agreement))
