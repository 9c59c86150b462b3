from collections.abc import AsyncIterator

import pytest

from tests.browser.support import BrowserDemo, running_browser_demo


@pytest.fixture(scope="module")
async def browser_demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserDemo]:
    async with running_browser_demo(tmp_path_factory.mktemp("browser-demo")) as demo:
        yield demo
