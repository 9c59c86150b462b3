"""The adversarial suite's world: both administrations' stores seeded (small), the demo
identities provisioned, the demo app (gateway, both issuers) on real uvicorn, and each
administration's Federation subgraph on uvicorn over the same stores.

Everything an attack reaches is real: tokens come from the caller's own issuer, the subgraphs
verify them against the issuers' JWKS over HTTP.
"""

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from auth.verification import TokenVerifier, jwks_uri_of_builtin
from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from gateway.subgraph import create_subgraph_app
from gateway.trust import trusted_issuers
from store.agreement import Agreement
from store.database import create_engine, open_store
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store

CASES = 30
SEED = 7


@dataclass
class AdversarialWorld:
    base_url: str
    stores: DemoStores
    credentials: dict[str, Any]
    agreement: Agreement
    app: Starlette
    # How long the app took over each request, measured inside the server.
    subgraphs: dict[Administration, str] = field(default_factory=dict)
    _tokens: dict[tuple[str, str | None], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, client_id: str) -> dict[str, Any]:
        return next(c for c in self.credentials["clients"] if c["client_id"] == client_id)

    def issuer(self, administration: str) -> str:
        return str(self.credentials["issuers"][administration])

    def token(self, client_id: str, scope: str | None = None) -> str:
        """An access token of the client (client credentials grant at its own issuer),
        narrowed to `scope` when given; cached per client and scope."""
        with self._lock:
            if (client_id, scope) not in self._tokens:
                client = self.client(client_id)
                data = {"grant_type": "client_credentials"}
                if scope is not None:
                    data["scope"] = scope
                response = httpx.post(
                    f"{self.issuer(client['administration'])}/token",
                    data=data,
                    auth=(client_id, client["client_secret"]),
                    timeout=30,
                )
                assert response.status_code == 200, response.text
                self._tokens[(client_id, scope)] = response.json()["access_token"]
            return self._tokens[(client_id, scope)]


async def seeded_stores(directory: Path, agreement: Agreement, cases: int = CASES) -> DemoStores:
    stores = DemoStores(directory)
    for administration, url in stores.urls().items():
        await prepare_store(url, administration)
        async with open_store(url) as engine:
            await seed_store(engine, administration, agreement, cases=cases, seed=SEED)
    return stores


def builtin_jwks(issuers: dict[str, str]) -> dict[str, str]:
    """Issuer → JWKS URL of the two built-in issuers (administration → issuer), as
    `--issuer-jwks` and gateway.toml's [issuers] name them."""
    return {issuer: jwks_uri_of_builtin(issuer) for issuer in issuers.values()}


def subgraph_verifier(agreement: Agreement, issuers: dict[str, str]) -> TokenVerifier:
    """What `cmaa subgraph --issuer-jwks ISSUER=JWKS` builds for the two built-in issuers."""
    return TokenVerifier(
        trusted_issuers(agreement, builtin_jwks(issuers), {}),
        audience=agreement.tokens.audience,
        leeway_seconds=agreement.tokens.leeway_seconds,
        known_scopes=agreement.scopes,
    )


@contextmanager
def running_world(
    stores: DemoStores, agreement: Agreement, port: int, credentials: dict[str, Any]
) -> Iterator[AdversarialWorld]:
    """The demo app on `port` (its issuers are named after it) and both subgraphs."""
    app = build_demo_app(stores, f"http://127.0.0.1:{port}", agreement)
    with ExitStack() as stack:
        base_url = stack.enter_context(running_server(app, port=port))
        world = AdversarialWorld(base_url, stores, credentials, agreement, app)
        for administration in Administration:
            subgraph = create_subgraph_app(
                administration,
                create_engine(stores.url(administration)),
                subgraph_verifier(agreement, credentials["issuers"]),
                agreement,
            )
            world.subgraphs[administration] = stack.enter_context(running_server(subgraph))
        yield world


async def prepare_world(
    directory: Path, agreement: Agreement
) -> tuple[DemoStores, int, dict[str, Any]]:
    """Seeded stores, the port the demo app will listen on, and the demo's credentials."""
    stores = await seeded_stores(directory, agreement)
    port = free_port()
    credentials = await prepare_demo_identities(stores, f"http://127.0.0.1:{port}", agreement)
    return stores, port, credentials
