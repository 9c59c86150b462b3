"""The demo (gateway, GraphiQL and both authorization servers) on real uvicorn, over small
seeded SQLite stores, for tests that drive a real browser."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.demo import build_demo_app, credentials_path, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from store.agreement import load_agreement
from store.database import open_store
from store.migrate import prepare_store
from store.seed import seed_store

CASES = 30
SEED = 7
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
INSTALL_HINT = "run `bash .ci/install-browser` (as root) to install Chromium and Playwright"
TIMEOUT_MS = 15_000


@dataclass
class BrowserDemo:
    base_url: str
    credentials: dict[str, Any]

    def user(self, username: str) -> dict[str, Any]:
        return next(u for u in self.credentials["users"] if u["username"] == username)


@asynccontextmanager
async def running_browser_demo(data_dir: Path) -> AsyncIterator[BrowserDemo]:
    """Both stores migrated and seeded, the demo identities provisioned, the app served."""
    agreement = load_agreement()
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


# -- the browser ----------------------------------------------------------------------------


def _sync_playwright() -> Any:
    """Playwright's sync API, or a failure that says how to install it. Never a skip: CI
    installs the browser before the tests, so a missing one is a broken machine."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"the playwright package is not installed: {INSTALL_HINT}")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is not installed: {INSTALL_HINT}")
    return sync_playwright


@contextmanager
def browser_context() -> Iterator[Any]:
    """A fresh context of Debian's headless Chromium, driven by Playwright."""
    with _sync_playwright()() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            yield context
        finally:
            browser.close()


def wait_for(page: Any, locator: Any, what: str) -> None:
    """Wait for `locator`; on a time-out, say what the page shows instead."""
    try:
        locator.wait_for()
    except Exception as error:
        shown = page.locator("body").inner_text()[:600]
        raise AssertionError(f"{what} did not appear; {page.url} shows:\n{shown}") from error
