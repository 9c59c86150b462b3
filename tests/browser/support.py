"""The demo (gateway, GraphiQL and both authorization servers) on real uvicorn, over small
seeded SQLite stores, for tests that drive a real browser; and that browser, Debian's headless
Chromium driven by Playwright (tests/browser/conftest.py skips a test without it)."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway.demo import build_demo_app, credentials_path, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from store.database import open_store
from store.migrate import prepare_store
from store.seed import seed_store
from tests.support.settings import suite_agreement
from tests.support.tools import chromium

CASES = 30
SEED = 7
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
# A bound on waiting for the page, not a claim about its speed: no load makes it this slow.
TIMEOUT_MS = 60_000
LOOPBACK = "127.0.0.1"
# URLs that never leave the page.
LOCAL_SCHEMES = {"data", "blob", "about"}


def foreign(url: str) -> bool:
    """A request that would leave the machine: anything not for the loopback server."""
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname != LOOPBACK


@contextmanager
def launched_chromium(executable: Path) -> Iterator[Any]:
    """Debian's headless Chromium at `executable`, driven by Playwright, until the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_context(executable: Path | None = None) -> Iterator[Any]:
    """A fresh context of that browser, with the page timeout. Without an `executable` (the
    `chromium_executable` fixture of tests/browser), the test is skipped when there is none."""
    with launched_chromium(executable or chromium()) as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        yield context


def wait_for(page: Any, locator: Any, what: str) -> None:
    """Wait for `locator`; on a time-out, say what the page shows instead."""
    try:
        locator.wait_for()
    except Exception as error:
        shown = page.locator("body").inner_text()[:600]
        raise AssertionError(f"{what} did not appear; {page.url} shows:\n{shown}") from error


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
