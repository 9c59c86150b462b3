"""The embedded demo on one Starlette app: the gateway at /graphql over both administrations'
stores in process, GraphiQL, and both authorization servers (issuers http://HOST:PORT/oauth/us
and /oauth/uz).

`cmaa demo` prepares the stores, provisions the demo identities, writes
DATA_DIR/demo-credentials.json (mode 0600) and serves the app with uvicorn on loopback.

`cmaa demo --workers N` serves it from N uvicorn worker processes on the same port. Everything
a worker would otherwise decide alone is decided once or shared, so that it does not matter
which worker answers:
- the stores are migrated and seeded, the identities provisioned and each issuer's signing
  key made before any worker starts (two workers would each make a first key);
- the audit chains are the stores' own: every append takes the store's write lock before it
  reads the chain's head, so appends from several processes line up one after another (each
  worker lets one call at a time at a store, so its calls wait for that lock in order); the
  checkpointers of several workers may race, and a round that finds the log signed meanwhile
  keeps nothing;
- the workers share one secret (an environment variable the supervisor sets): cursors one
  worker signs another accepts, and so are the login forms one worker renders;
- revoked tokens: with CMAA_REDIS_URL the workers share a deny-list; without it each worker
  asks the issuer's store on every request (no cache), so a revocation made through any
  worker holds at once in all of them;
- rate limits: with CMAA_REDIS_URL one limit per client across the workers; without it each
  worker keeps an equal share of the agreement's rate, so that a client's requests over all
  workers never exceed it.
"""

import asyncio
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from auth.checkpoints import AuditSigner
from auth.demo_identities import ClientCredential, UserCredential, provision_demo_identities
from auth.keys import ensure_signing_key
from auth.revocations import DEFAULT_TTL_SECONDS, StoreRevocations
from auth.server.app import AuthorizationService
from auth.verification import (
    BuiltinIssuer,
    StoreKeySource,
    TokenVerifier,
    verifier_from_agreement,
)
from gateway import shared
from gateway.app import GatewayParts, gateway_routes, hardening
from gateway.audit_exchange import Checkpointer, InProcessPartner
from gateway.collector import tune_for_serving
from gateway.dashboard import DashboardLogin, dashboard_routes
from gateway.graphiql import GraphiQLLogin, graphiql_assets, graphiql_page, login_assets
from gateway.http.admission import OperationAdmission
from gateway.http.rate_limit import RateLimit, default_burst
from gateway.observability.logs import log_config
from gateway.observability.telemetry import Telemetry
from gateway.runtime import Runtime, runtime_from_environment
from gateway.settings import DemoStores, load_configured_agreement
from resolvers.exchange.administrations import Administrations
from resolvers.introspection import client_name
from resolvers.sources.in_process import InProcessSource
from store.agreement import Agreement, ConfigurationError
from store.database import create_engine, open_store, session_factory
from store.models._base import utcnow
from store.models.domain import Administration

CREDENTIALS_FILE = "demo-credentials.json"
# The demo's verifier reads its issuers' keys from their stores: a rotation shows within 1 s.
STORE_KEYS_REFRESH_SECONDS = 1.0
# What a worker process builds its app from, set by the supervisor: the data directory, the
# public URL and the number of workers (JSON), and the secret the workers share (hex).
WORKER_VARIABLE = "CMAA_DEMO_WORKER"
WORKER_SECRET_VARIABLE = "CMAA_DEMO_WORKER_SECRET"  # noqa: S105  (a variable's name)
WORKER_SECRET_BYTES = 32
# SQLite has one writer, and every audited partner read takes its write lock before it reads.
# Connections waiting for it poll (SQLite's busy handler sleeps up to 100 ms between tries, in
# no order), so with many calls at a store one can wait past the source timeout while later
# ones get through, in this worker or another. One call at a time per store in each process
# makes its calls wait their turn in order, and a wait for a turn reads as overload, not as a
# store gone (bench/RESULTS.md, item 7).
SQLITE_STORE_CALLS = 1


class DemoError(ValueError):
    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def demo_issuer(public_url: str, administration: Administration) -> str:
    return f"{public_url.rstrip('/')}/oauth/{administration.value.lower()}"


def demo_issuers(public_url: str) -> dict[Administration, str]:
    return {
        administration: demo_issuer(public_url, administration) for administration in Administration
    }


def allow_loopback_http(public_url: str) -> None:
    parts = urlsplit(public_url)
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        # Authlib refuses plain-HTTP OAuth URIs unless told; only ever on loopback (the demo,
        # or an issuer tried out on one machine).
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"


def _store_calls(engine: AsyncEngine) -> int | None:
    """Calls at once at one store from this process; None: as many as its pool has
    connections."""
    return SQLITE_STORE_CALLS if engine.dialect.name == "sqlite" else None


@dataclass(frozen=True)
class DemoWorkers:
    """How many processes serve the demo side by side, and the secret they share."""

    count: int = 1
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(WORKER_SECRET_BYTES))

    def key(self, purpose: str) -> bytes:
        """A key of its own for each use of the shared secret."""
        return hmac.new(self.secret, purpose.encode("utf-8"), hashlib.sha256).digest()

    def revocation_ttl(self, runtime: Runtime) -> float:
        """How long a worker may trust a token it found not revoked: not at all when several
        workers share no deny-list (a revocation through another worker must hold at once)."""
        return 0.0 if self.count > 1 and runtime.redis_url is None else DEFAULT_TTL_SECONDS

    def rate_limiter(self, runtime: Runtime, rate_per_minute: int) -> RateLimit:
        if self.count == 1 or runtime.redis_url is not None:
            return shared.rate_limiter(runtime, "gateway", rate_per_minute)
        # No shared store: an equal share each, so the client's total stays within the rate.
        share = max(1, rate_per_minute // self.count)
        burst = max(1, default_burst(rate_per_minute) // self.count)
        return shared.rate_limiter(runtime, "gateway", share, burst)


def build_demo_app(
    stores: DemoStores,
    public_url: str,
    agreement: Agreement,
    runtime: Runtime | None = None,
    workers: DemoWorkers | None = None,
) -> Starlette:
    """The gateway, GraphiQL and both administrations' authorization servers on one app.

    `runtime` names the shared deny-list and rate limits (Redis), metrics and tracing; the
    telemetry is `app.state.telemetry`. `workers`: the processes serving the demo side by side
    (one, with a secret of its own, by default).

    `app.state.verifier` verifies tokens of both demo issuers (keys and deny-lists read from
    the stores); `app.state.authorization_services` holds each administration's service;
    `app.state.administrations` the gateway's in-process sources; `app.state.checkpointers`
    each administration's checkpointer, whose partner countersigns in process.
    """
    public_url = public_url.rstrip("/")
    allow_loopback_http(public_url)
    engines = {
        administration: create_engine(stores.url(administration))
        for administration in Administration
    }
    issuers = demo_issuers(public_url)
    runtime = runtime or Runtime()
    workers = workers or DemoWorkers()
    telemetry = Telemetry.for_service("cmaa-demo", runtime)
    deny_list = shared.deny_list(runtime)
    ttl = workers.revocation_ttl(runtime)
    services: dict[Administration, AuthorizationService] = {}
    builtin: dict[Administration, BuiltinIssuer] = {}
    for administration, engine in engines.items():
        revocations = StoreRevocations(engine, shared=deny_list, ttl_seconds=ttl)
        telemetry.watch_audit(engine, administration)
        services[administration] = AuthorizationService(
            administration=administration,
            issuer=issuers[administration],
            engine=engine,
            agreement=agreement,
            revocations=revocations,
            form_key=workers.key(f"login forms {administration.value}"),
        )
        builtin[administration] = BuiltinIssuer(
            issuer=issuers[administration],
            keys=StoreKeySource(engine, agreement),
            revocations=revocations,
            refresh_interval=STORE_KEYS_REFRESH_SECONDS,
        )
    verifier: TokenVerifier = verifier_from_agreement(agreement, builtin)
    signers = {a: AuditSigner(a, engine, utcnow) for a, engine in engines.items()}
    checkpointers = {
        a: Checkpointer(
            signers[a],
            agreement.audit_checkpoints,
            InProcessPartner(next(signer for b, signer in signers.items() if b is not a)),
        )
        for a in Administration
    }

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        tune_for_serving()
        try:
            for service in services.values():
                await service.startup()
            for checkpointer in checkpointers.values():
                checkpointer.start()
            yield
        finally:
            for checkpointer in checkpointers.values():
                await checkpointer.stop()
            for engine in engines.values():
                await engine.dispose()
            telemetry.shutdown()

    administrations = Administrations(
        {
            a: InProcessSource(a, engine, store_slots=_store_calls(engine))
            for a, engine in engines.items()
        },
        timeout_seconds=agreement.limits.source_timeout_seconds,
        observer=telemetry,
    )
    login = GraphiQLLogin(
        issuers=issuers,
        client_ids={a: f"{a.value.lower()}-graphiql" for a in Administration},
        scopes=tuple(agreement.scopes),
    )
    parts = GatewayParts(
        agreement=agreement,
        administrations=administrations,
        verifier=verifier,
        # GraphiQL's login clients explore the schema; every other client builds on schema/.
        introspection_clients=frozenset(client_name(a, c) for a, c in login.client_ids.items()),
        telemetry=telemetry,
        rate_limiter=workers.rate_limiter(runtime, agreement.limits.rate_per_minute),
        cursor_secret=workers.key("cursors"),
    )
    dashboard_login = DashboardLogin(
        issuers=issuers,
        client_ids={a: f"{a.value.lower()}-dashboard-web" for a in Administration},
    )
    routes: list[BaseRoute] = [
        *gateway_routes(parts, graphiql_page(login, f"{public_url}/graphql")),
        graphiql_assets(),
        login_assets(),
        *dashboard_routes(
            dashboard_login, f"{public_url}/graphql", agreement, parts.operations_dir
        ),
        *(route for service in services.values() for route in service.routes()),
    ]
    middleware = hardening(parts, public_url)
    if runtime.max_operations is not None:
        # Innermost: an operation waits its turn after its body is read and limited.
        middleware.append(Middleware(OperationAdmission, limit=runtime.max_operations))
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.verifier = verifier
    app.state.administrations = administrations
    app.state.authorization_services = services
    app.state.issuers = issuers
    app.state.checkpointers = checkpointers
    app.state.telemetry = telemetry
    return app


# -- credentials -------------------------------------------------------------------------------


def credentials_path(stores: DemoStores) -> Path:
    return stores.data_dir / CREDENTIALS_FILE


def _known(document: Any) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Secrets and passwords of an earlier run, by administration, then client id / username."""
    secrets: dict[str, dict[str, str]] = {}
    passwords: dict[str, dict[str, str]] = {}
    if not isinstance(document, dict):
        return secrets, passwords
    for client in document.get("clients") or []:
        if isinstance(client, dict) and isinstance(client.get("client_secret"), str):
            by_admin = secrets.setdefault(str(client.get("administration")), {})
            by_admin[str(client.get("client_id"))] = client["client_secret"]
    for user in document.get("users") or []:
        if isinstance(user, dict) and isinstance(user.get("password"), str):
            by_admin = passwords.setdefault(str(user.get("administration")), {})
            by_admin[str(user.get("username"))] = user["password"]
    return secrets, passwords


def read_credentials(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DemoError(
            f"{path.name} is not valid JSON; remove it to generate new secrets"
        ) from exc


def write_credentials(path: Path, document: dict[str, Any]) -> None:
    """Write the file readable by its owner only, replacing the old one atomically."""
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2)
        file.write("\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


async def prepare_demo_identities(
    stores: DemoStores, public_url: str, agreement: Agreement
) -> dict[str, Any]:
    """Provision the demo's clients and people in both stores (their stores must be migrated)
    and write the credentials file; returns its content."""
    path = credentials_path(stores)
    secrets, passwords = _known(read_credentials(path))
    clients: list[ClientCredential] = []
    users: list[UserCredential] = []
    for administration in Administration:
        async with open_store(stores.url(administration)) as engine:
            added_clients, added_users = await provision_demo_identities(
                engine,
                administration,
                agreement,
                public_url,
                secrets=secrets.get(administration.value, {}),
                passwords=passwords.get(administration.value, {}),
            )
            # Made here, before any worker starts: workers starting together would each
            # make a first key.
            async with session_factory(engine)() as session:
                await ensure_signing_key(session)
        clients += added_clients
        users += added_users
    document = {
        "issuers": {adm.value: url for adm, url in demo_issuers(public_url).items()},
        "clients": [client.as_json() for client in clients],
        "users": [user.as_json() for user in users],
    }
    write_credentials(path, document)
    return document


def token_curl(document: dict[str, Any], administration: str = "UZ") -> str:
    """A ready command that gets an access token with the administration's dashboard client."""
    client = next(
        c
        for c in document["clients"]
        if c["administration"] == administration and c["client_id"].endswith("-dashboard")
    )
    token_url = f"{document['issuers'][administration]}/token"
    return (
        f"curl -s -u '{client['client_id']}:{client['client_secret']}' "
        f"-d grant_type=client_credentials {token_url}"
    )


# The shell step that takes the access token out of the token endpoint's JSON answer.
JSON_FIELD_PICKER = """python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'"""
FIRST_QUERY = (
    "{ viewer { administration } "
    "cases(first: 3) { totalCount edges { node { reference title owner } } } }"
)


def query_curl(public_url: str) -> str:
    body = json.dumps({"query": FIRST_QUERY})
    return (
        f'curl -s {public_url}/graphql -H "Authorization: Bearer $TOKEN" '
        f"-H 'Content-Type: application/json' -d '{body}'"
    )


# -- serving -----------------------------------------------------------------------------------


def serve_demo(
    stores: DemoStores, host: str, port: int, agreement: Agreement, workers: int = 1
) -> None:
    """Provision, announce and serve the demo until interrupted (loopback only: plain HTTP),
    from `workers` uvicorn processes on the one port."""
    if not is_loopback(host):
        raise DemoError(
            f"the demo serves plain HTTP, so it binds loopback only; {host!r} is not loopback"
        )
    if workers < 1:
        raise DemoError(f"{workers} workers: the demo needs at least one")
    public_url = public_url_for(host, port)
    try:
        runtime = runtime_from_environment()
    except ConfigurationError as exc:
        raise DemoError(str(exc)) from None
    document = asyncio.run(prepare_demo_identities(stores, public_url, agreement))
    app = build_demo_app(stores, public_url, agreement, runtime) if workers == 1 else None
    print(f"Gateway:  {public_url}/graphql  (GraphiQL in a browser)")
    print(f"Dashboard: {public_url}/dashboard")
    print(f"US issuer: {document['issuers']['US']}")
    print(f"UZ issuer: {document['issuers']['UZ']}")
    print(f"Demo clients, people and their secrets: {credentials_path(stores)} (owner-only)")
    print("Get a UZ dashboard token, then run a first query:")
    print(f"  TOKEN=$({token_curl(document)} | {JSON_FIELD_PICKER})")
    print(f"  {query_curl(public_url)}")
    # uvicorn's access log is replaced by ours, which carries the request id.
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "log_config": log_config(),
        "access_log": False,
    }
    if app is not None:
        uvicorn.run(app, **common)
        return
    print(f"Served by {workers} worker processes", end="")
    if runtime.redis_url is None:
        print(
            f"; each allows a client 1/{workers} of the agreement's rate "
            "(CMAA_REDIS_URL: one shared limit)"
        )
    else:
        print("; rate limits and revoked tokens shared in Redis")
    from gateway.observability.metrics import prepare_multiprocess_dir

    os.environ[WORKER_VARIABLE] = json.dumps(
        {"data_dir": str(stores.data_dir.resolve()), "public_url": public_url, "workers": workers}
    )
    os.environ[WORKER_SECRET_VARIABLE] = secrets.token_bytes(WORKER_SECRET_BYTES).hex()
    # The workers' metrics add up through files in one directory, as the gateway's do.
    prepare_multiprocess_dir()
    uvicorn.run(
        "gateway.demo:app_from_environment",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=runtime.worker_healthcheck_seconds,
        **common,
    )


def app_from_environment() -> Starlette:
    """The app factory uvicorn's workers call (`serve_demo` sets the variables it reads)."""
    settings = json.loads(os.environ[WORKER_VARIABLE])
    workers = DemoWorkers(
        count=int(settings["workers"]),
        secret=bytes.fromhex(os.environ[WORKER_SECRET_VARIABLE]),
    )
    return build_demo_app(
        DemoStores(Path(settings["data_dir"])),
        str(settings["public_url"]),
        load_configured_agreement(),
        runtime_from_environment(),
        workers,
    )
