"""Tools outside Python that some tests need: Chromium (tests/browser) and Node.js with the
npm packages of the contract checks (tests/contract/composition, tests/contract/graphql_http).

README's test command must work on a machine without them, so a test whose tool is missing is
skipped with a reason naming the command that installs it. CI installs every tool first and
sets CMAA_REQUIRE_TOOLS=1: there a missing tool is a broken machine, and the test fails.
"""

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_TOOLS = "CMAA_REQUIRE_TOOLS"
# Where Debian's chromium package puts the browser; another path can be named for a machine
# that keeps it elsewhere.
CHROMIUM_VARIABLE = "CMAA_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_BROWSER = "`bash .ci/install-browser` (as root)"
INSTALL_NODE_PACKAGES = "`bash .ci/install-node-packages`"


def tools_required() -> bool:
    return os.environ.get(REQUIRE_TOOLS, "") == "1"


def missing_tool(what: str, install: str) -> NoReturn:
    """Skip the test, or fail it where the tools are required; the reason is one line."""
    reason = f"not installed: {what}; run {install}"
    if tools_required():
        pytest.fail(f"{reason} ({REQUIRE_TOOLS}=1)", pytrace=False)
    pytest.skip(reason)


def chromium() -> Path:
    """Debian's Chromium with the playwright package to drive it, or a skip naming how to
    install both."""
    browser = Path(os.environ.get(CHROMIUM_VARIABLE) or DEFAULT_CHROMIUM)
    if not browser.is_file():
        missing_tool(f"Chromium ({browser})", INSTALL_BROWSER)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing_tool("the playwright package", INSTALL_BROWSER)
    return browser


def node_with_packages(folder: Path, packages: tuple[str, ...]) -> str:
    """The `node` executable, once the folder's npm packages are installed; or a skip naming
    how to install them. Nothing is downloaded while the tests run."""
    node = shutil.which("node")
    if node is None:
        missing_tool("Node.js (`node`)", INSTALL_NODE_PACKAGES)
    missing = [name for name in packages if not (folder / "node_modules" / name).is_dir()]
    if missing:
        names = ", ".join(missing)
        missing_tool(f"npm packages {names} in {folder.name}/", INSTALL_NODE_PACKAGES)
    return node
