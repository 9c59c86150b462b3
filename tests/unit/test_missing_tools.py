"""README's test command on a machine without Chromium or Node.js: their tests skip, naming
the command that installs them; with CMAA_REQUIRE_TOOLS=1 (CI, which installs them) they fail."""

from pathlib import Path

import pytest

from tests.support.tools import chromium, node_with_packages


@pytest.fixture
def without_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CMAA_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no node on it
    monkeypatch.delenv("CMAA_REQUIRE_TOOLS", raising=False)
    return tmp_path


def test_a_missing_browser_skips_naming_its_installer(without_tools: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        chromium()
    assert str(skipped.value) == (
        f"not installed: Chromium ({without_tools / 'no-chromium'}); "
        "run `bash .ci/install-browser` (as root)"
    )


def test_missing_node_skips_naming_its_installer(without_tools: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        node_with_packages(without_tools, ("graphql",))
    assert str(skipped.value) == (
        "not installed: Node.js (`node`); run `bash .ci/install-node-packages`"
    )


def test_missing_npm_packages_skip_naming_their_installer(
    without_tools: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = without_tools / "node"
    node.write_text("#!/bin/sh\n", encoding="utf-8")
    node.chmod(0o755)
    (without_tools / "node_modules" / "graphql").mkdir(parents=True)
    assert node_with_packages(without_tools, ("graphql",)) == str(node)
    with pytest.raises(pytest.skip.Exception) as skipped:
        node_with_packages(without_tools, ("graphql", "graphql-http"))
    assert str(skipped.value) == (
        f"not installed: npm packages graphql-http in {without_tools.name}/; "
        "run `bash .ci/install-node-packages`"
    )


def test_required_tools_fail_instead(without_tools: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMAA_REQUIRE_TOOLS", "1")
    for check in (chromium, lambda: node_with_packages(without_tools, ("graphql",))):
        with pytest.raises(pytest.fail.Exception) as failed:
            check()
        assert str(failed.value).startswith("not installed: ")
        assert "CMAA_REQUIRE_TOOLS=1" in str(failed.value)
