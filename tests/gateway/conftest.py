"""The gateway suite's world: both administrations' stores migrated and seeded once, the demo
identities provisioned, and the demo app (gateway, GraphiQL, both issuers) on real uvicorn.

Tokens are real: the client credentials grant at the caller's own issuer. The stores are
shared by the whole session and only read (reads of partner records append to the owner's
audit chain, which no test looks at).
"""

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from auth.registry import ClientRegistration, add_client
from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from resolvers.exchange.administrations import Administrations
from store.agreement import Agreement
from store.database import open_store, session_factory
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store
from tests.support.settings import suite_agreement

CASES = 150
SEED = 7

# Clients the demo does not provision, registered in the UZ store as `cmaa clients add` does:
# client id → scopes (all designated officials).
EXTRA_CLIENTS: dict[str, tuple[str, ...]] = {
    "uz-no-evidence": (
        "cmaa.cases:read",
        "cmaa.entities:read",
        "cmaa.pii:read",
        "cmaa.requests:read",
    ),
    "uz-no-cases": ("cmaa.entities:read", "cmaa.evidence:read", "cmaa.pii:read"),
}


@dataclass
class World:
    base_url: str
    stores: DemoStores
    credentials: dict[str, Any]
    agreement: Agreement
    app: Starlette
    _tokens: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def administrations(self) -> Administrations:
        return self.app.state.administrations  # type: ignore[no-any-return]

    def client(self, client_id: str) -> dict[str, Any]:
        return next(c for c in self.credentials["clients"] if c["client_id"] == client_id)

    def token(self, client_id: str) -> str:
        """An access token of the client (client credentials grant), cached per client."""
        with self._lock:
            if client_id not in self._tokens:
                client = self.client(client_id)
                issuer = self.credentials["issuers"][client["administration"]]
                response = httpx.post(
                    f"{issuer}/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, client["client_secret"]),
                    timeout=30,
                )
                assert response.status_code == 200, response.text
                self._tokens[client_id] = response.json()["access_token"]
            return self._tokens[client_id]


async def _register_extra_clients(stores: DemoStores, agreement: Agreement) -> list[dict[str, Any]]:
    registered = []
    url = stores.url(Administration.UZ)
    async with open_store(url) as engine, session_factory(engine)() as session:
        for client_id, scopes in EXTRA_CLIENTS.items():
            registration = ClientRegistration(
                client_id=client_id,
                grant_types=("client_credentials",),
                scopes=scopes,
                designated=True,
                description="gateway suite",
            )
            secret = await add_client(session, registration, agreement.scopes)
            registered.append(
                {"administration": "UZ", "client_id": client_id, "client_secret": secret}
            )
    return registered


@pytest.fixture(scope="session")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    agreement = suite_agreement()
    stores = DemoStores(Path(tmp_path_factory.mktemp("gateway-world")))
    for administration, url in stores.urls().items():
        await prepare_store(url, administration)
        async with open_store(url) as engine:
            await seed_store(engine, administration, agreement, cases=CASES, seed=SEED)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    credentials = await prepare_demo_identities(stores, public_url, agreement)
    credentials["clients"] += await _register_extra_clients(stores, agreement)
    app = build_demo_app(stores, public_url, agreement)
    with running_server(app, port=port) as base_url:
        yield World(base_url, stores, credentials, agreement, app)


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client
