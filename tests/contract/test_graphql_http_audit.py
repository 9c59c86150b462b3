"""The gateway passes the graphql-http audit suite (GraphQL over HTTP, npm `graphql-http`)
with no MUST failure, run by node against a real server of the demo's parts with a real token;
and the SHOULD / MAY results are the ones README.md's Conformance section records. Some checks
introspect (`__type`), so the audit's client is one the gateway trusts with introspection.

Node and npm are required: a machine without them fails this test rather than skipping it.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.contract.conftest import ROOT, World
from tests.gateway.support import trusting_gateway

HERE = Path(__file__).resolve().parent / "graphql_http"
CALLER = "uz-dashboard"
TABLE_ROW = re.compile(r"^\|\s*`?([0-9A-Z]{4})`?\s*\|\s*(MUST|SHOULD|MAY)\s*\|.*\|\s*(\w+)\s*\|$")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed; the conformance audit needs Node.js and npm")
    return found


@pytest.fixture(scope="module")
def auditor() -> Path:
    if not (HERE / "node_modules" / "graphql-http").is_dir():
        npm = _tool("npm")
        command = "ci" if (HERE / "package-lock.json").is_file() else "install"
        subprocess.run([npm, command, "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)
    return HERE / "audit.mjs"


@pytest.fixture(scope="module")
def audited_url(world: World) -> Iterator[str]:
    prepared = world.prepared
    with trusting_gateway(
        prepared.stores, world.demo_url, prepared.agreement, f"UZ:{CALLER}"
    ) as url:
        yield url


@pytest.fixture(scope="module")
def results(auditor: Path, world: World, audited_url: str) -> list[dict[str, Any]]:
    finished = subprocess.run(
        [_tool("node"), str(auditor), f"{audited_url}/graphql"],
        cwd=HERE,
        env={**os.environ, "CMAA_AUDIT_TOKEN": world.token(CALLER)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return [json.loads(line) for line in finished.stdout.splitlines() if line.strip()]


def level(result: dict[str, Any]) -> str:
    return str(result["name"].split(" ", 1)[0])


def recorded_results() -> dict[str, tuple[str, str]]:
    """README.md's Conformance table: audit id → (level, result)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Conformance", 1)[1].split("\n## ", 1)[0]
    rows = (TABLE_ROW.match(line.strip()) for line in section.splitlines())
    return {row.group(1): (row.group(2), row.group(3)) for row in rows if row}


def test_the_whole_suite_ran(results: list[dict[str, Any]]) -> None:
    assert len(results) == 61
    assert len({result["id"] for result in results}) == 61


def test_no_must_fails(results: list[dict[str, Any]]) -> None:
    failed = [r for r in results if level(r) == "MUST" and r["status"] != "ok"]
    assert not failed, json.dumps(failed, indent=2)
    assert sum(level(r) == "MUST" for r in results) == 13


def test_readme_records_every_should_and_may_result(results: list[dict[str, Any]]) -> None:
    found = {
        result["id"]: (level(result), "pass" if result["status"] == "ok" else result["status"])
        for result in results
        if level(result) != "MUST"
    }
    recorded = recorded_results()
    assert recorded == found, (
        "README.md's Conformance table does not match the audit: "
        + json.dumps({k: found.get(k) for k in set(found) ^ set(recorded) or found}, indent=1)
    )


def test_a_request_without_accept_is_answered_in_application_json(world: World) -> None:
    """What the spec's SHOULD asks: node's fetch sends `Accept: */*` when none is given, so
    the audit cannot send a request without one; http.client can."""
    parts = urlsplit(world.demo_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            "/graphql",
            body=json.dumps({"query": "{ __typename }"}),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {world.token(CALLER)}",
            },
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("application/json")
    assert json.loads(body) == {"data": {"__typename": "Query"}}
