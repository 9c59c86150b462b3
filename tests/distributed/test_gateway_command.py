"""The distributed form, as an operator runs it: two `cmaa subgraph` processes, each over its
administration's store, and `cmaa gateway --config FILE` over them, trusting the issuers by
their JWKS URLs. It answers like the embedded gateway, and survives a subgraph going down."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from store.database import open_store
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store
from tests.support.request_ids import without_request_ids
from tests.support.settings import (
    SUITE_SOURCE_TIMEOUT_SECONDS,
    suite_agreement,
    suite_agreement_file,
)

CASES = "{ cases(first: 100) { totalCount edges { node { id owner reference } } } }"


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _cmaa(agreement_file: Path, *arguments: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "CMAA_AGREEMENT": str(agreement_file)},
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    agreement = suite_agreement()
    stores = DemoStores(tmp_path_factory.mktemp("distributed"))
    agreement_file = suite_agreement_file(stores.data_dir)

    async def prepare() -> None:
        for administration in Administration:
            await prepare_store(stores.url(administration), administration)
            async with open_store(stores.url(administration)) as engine:
                await seed_store(engine, administration, agreement, cases=40, seed=7)

    asyncio.run(prepare())
    identity_port = free_port()
    identity_url = f"http://127.0.0.1:{identity_port}"
    credentials = asyncio.run(prepare_demo_identities(stores, identity_url, agreement))
    # The demo app plays both administrations' identity providers here (and, for comparison,
    # the embedded gateway over the same stores).
    identity = build_demo_app(stores, identity_url, agreement)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    with running_server(identity, port=identity_port):
        jwks = [
            f"--issuer-jwks={identity_url}/oauth/{a.value.lower()}="
            f"{identity_url}/oauth/{a.value.lower()}/jwks"
            for a in Administration
        ]
        subgraphs = {}
        try:
            for administration in Administration:
                port = free_port()
                processes[administration.value] = _cmaa(
                    agreement_file,
                    "subgraph",
                    "--administration",
                    administration.value,
                    "--database-url",
                    stores.url(administration),
                    "--port",
                    str(port),
                    *jwks,
                )
                subgraphs[administration] = f"http://127.0.0.1:{port}"
            gateway_port = free_port()
            config = stores.data_dir / "gateway.toml"
            issuers = "\n".join(
                f'"{identity_url}/oauth/{a.value.lower()}" = '
                f'"{identity_url}/oauth/{a.value.lower()}/jwks"'
                for a in Administration
            )
            dashboard = "\n".join(
                f'{a.value} = {{ issuer = "{identity_url}/oauth/{a.value.lower()}", '
                f'client_id = "{a.value.lower()}-dashboard-web" }}'
                for a in Administration
            )
            config.write_text(
                f"[gateway]\nport = {gateway_port}\n\n[sources]\n"
                f'US = "{subgraphs[Administration.US]}"\n'
                f'UZ = "{subgraphs[Administration.UZ]}"\n\n[issuers]\n{issuers}\n\n'
                f"[dashboard]\n{dashboard}\n",
                encoding="utf-8",
            )
            for administration, url in subgraphs.items():
                _wait_until_up(url, processes[administration.value])
            processes["gateway"] = _cmaa(agreement_file, "gateway", "--config", str(config))
            gateway_url = f"http://127.0.0.1:{gateway_port}"
            _wait_until_up(gateway_url, processes["gateway"])
            yield {
                "credentials": credentials,
                "embedded": identity_url,
                "gateway": gateway_url,
                "processes": processes,
            }
        finally:
            for process in processes.values():
                _stop(process)


def _token(world: dict[str, object], client_id: str) -> str:
    credentials = world["credentials"]
    client = next(c for c in credentials["clients"] if c["client_id"] == client_id)  # type: ignore[index]
    issuer = credentials["issuers"][client["administration"]]  # type: ignore[index]
    answer = httpx.post(
        f"{issuer}/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client["client_secret"]),
    )
    return str(answer.json()["access_token"])


def _query(url: str, token: str, query: str) -> dict[str, object]:
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=SUITE_SOURCE_TIMEOUT_SECONDS + 30,
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.parametrize("client_id", ["us-dashboard", "uz-dashboard", "uz-undesignated"])
def test_the_distributed_gateway_answers_like_the_embedded_one(
    world: dict[str, object], client_id: str
) -> None:
    token = _token(world, client_id)
    distributed = _query(str(world["gateway"]), token, CASES)
    embedded = _query(str(world["embedded"]), token, CASES)
    assert "errors" not in distributed
    assert distributed == embedded
    owners = {edge["node"]["owner"] for edge in distributed["data"]["cases"]["edges"]}  # type: ignore[index]
    assert owners == ({"US", "UZ"} if client_id != "uz-undesignated" else {"UZ"})


def test_the_gateway_serves_the_dashboard_configured_for_it(world: dict[str, object]) -> None:
    """`[dashboard]` in the configuration: the page logs people in at the named issuers, which
    its Content-Security-Policy lets it reach, and fetches the published operations."""
    gateway, identity = str(world["gateway"]), str(world["embedded"])
    page = httpx.get(f"{gateway}/dashboard", timeout=10.0)
    assert page.status_code == 200
    assert f'"us": "{identity}/oauth/us"' in page.text
    assert '"uz": "uz-dashboard-web"' in page.text
    policy = page.headers["content-security-policy"]
    assert f"connect-src 'self' {identity};" in policy, policy
    operation = httpx.get(f"{gateway}/dashboard/operations/CaseList.graphql", timeout=10.0)
    assert operation.status_code == 200
    assert operation.text.startswith("# The case list")
    for script in ("dashboard/app.js", "login/pkce.js"):
        assert httpx.get(f"{gateway}/static/{script}", timeout=10.0).status_code == 200, script


def test_a_stopped_subgraph_leaves_the_other_administrations_data(
    world: dict[str, object],
) -> None:
    token = _token(world, "uz-dashboard")
    processes = world["processes"]
    _stop(processes["UZ"])  # type: ignore[index]
    answer = _query(str(world["gateway"]), token, CASES)
    errors = without_request_ids(answer)["errors"]
    assert [e["extensions"] for e in errors] == [
        {"code": "SOURCE_UNAVAILABLE", "administration": "UZ"}
    ]
    owners = {edge["node"]["owner"] for edge in answer["data"]["cases"]["edges"]}  # type: ignore[index]
    assert owners == {"US"}
