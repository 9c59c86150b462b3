"""The demo (gateway, GraphiQL and both authorization servers) on real uvicorn, over small
seeded SQLite stores, for tests that drive a real browser."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.demo import build_demo_app, credentials_path, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from store.database import open_store
from store.migrate import prepare_store
from store.seed import seed_store
from tests.support.settings import suite_agreement

CASES = 30
SEED = 7


@dataclass
class BrowserDemo:
    base_url: str
    credentials: dict[str, Any]

    def user(self, username: str) -> dict[str, Any]:
        return next(u for u in self.credentials["users"] if u["username"] == username)


@asynccontextmanager
async def running_browser_demo(data_dir: Path) -> AsyncIterator[BrowserDemo]:
    """Both stores migrated and seeded, the demo identities provisioned, the app served."""
    agreement = suite_agreement()
    stores = DemoStores(data_dir)
    for administration, url in stores.urls().items():
        await prepare_store(url, administration)
        async with open_store(url) as engine:
            await seed_store(engine, administration, agreement, cases=CASES, seed=SEED)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    await prepare_demo_identities(stores, public_url, agreement)
    # What a person is handed: the credentials file the demo writes into its data directory.
    credentials = json.loads(credentials_path(stores).read_text(encoding="utf-8"))
    app = build_demo_app(stores, public_url, agreement)
    with running_server(app, port=port) as base_url:
        yield BrowserDemo(base_url, credentials)
