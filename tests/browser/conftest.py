"""Every test here drives a real browser: without Chromium (and the playwright package) it is
skipped, naming the command that installs them, or fails where CMAA_REQUIRE_TOOLS=1 (CI)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.browser.support import BrowserDemo, running_browser_demo
from tests.support.tools import chromium


@pytest.fixture(scope="session", autouse=True)
def chromium_executable() -> Path:
    """Checked before any other fixture of a browser test starts a server."""
    return chromium()


@pytest.fixture(scope="module")
async def browser_demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserDemo]:
    async with running_browser_demo(tmp_path_factory.mktemp("browser-demo")) as demo:
        yield demo
