"""`cmaa demo --workers 2` as a user runs it: two uvicorn worker processes on one port over the
demo's stores. Each worker answers operations (read from the metrics each process writes
apart), paging with a cursor works whichever worker signs it and whichever reads it, every
request is answered in full while partner reads are audited from both workers at once, and
afterwards `cmaa audit verify` finds both administrations' audit chains whole.

A bad `--workers` is refused before anything is made, as every bad argument is.

Bounded: a fixed number of requests (however long the machine takes), on 127.0.0.1.
"""

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.loopback import free_port
from tests.faults.support import Process, cmaa, stop
from tests.integration.test_cli_bad_input import cmaa as cmaa_in_process
from tests.integration.test_cli_bad_input import everything_under, one_line_naming
from tests.support.processes import run_cmaa

WORKERS = 2
CASES = 12
# Requests in flight at once, and how many each client sends: a fixed amount of work.
CLIENTS = 8
ROUNDS = 4
# Start-up of two workers on a busy two-core machine (seeding included): generous.
STARTUP_SECONDS = 300.0
METRICS_TOKEN = "w" * 40
STARTED = re.compile(r"Started server process \[(\d+)\]")
READY = "Application startup complete."
PAGE = """query Page($after: String) {
  cases(first: 4, after: $after) {
    pageInfo { endCursor hasNextPage }
    edges { node { id owner parties { role entity { id owner name } } } }
  }
}"""


@dataclass
class Demo:
    url: str
    data_dir: Path
    metrics_dir: Path
    process: Process
    credentials: dict[str, Any]

    def token(self, client_id: str) -> str:
        client = next(c for c in self.credentials["clients"] if c["client_id"] == client_id)
        issuer = self.credentials["issuers"][client["administration"]]
        issued = httpx.post(
            f"{issuer}/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, client["client_secret"]),
            timeout=60.0,
        )
        assert issued.status_code == 200, issued.text
        return str(issued.json()["access_token"])

    def log(self) -> str:
        return self.process.log.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> set[int]:
        return {int(pid) for pid in STARTED.findall(self.log())}


def _stop(demo: Demo) -> None:
    """SIGINT to the supervisor, which stops its workers; any left after that are killed
    (all of them this test's own processes)."""
    workers = demo.workers()
    stop(demo.process)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _agreement(directory: Path) -> Path:
    """The rate limit out of the way (it has its own tests), nothing else changed."""
    from store.agreement import DEFAULT_AGREEMENT_FILE

    text = DEFAULT_AGREEMENT_FILE.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^rate_per_minute = .*$", "rate_per_minute = 10_000_000", text)
    path = directory / "agreement.toml"
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    directory = tmp_path_factory.mktemp("demo-workers")
    data_dir, metrics_dir = directory / "data", directory / "metrics"
    token_file = directory / "metrics.token"
    token_file.write_text(METRICS_TOKEN, encoding="utf-8")
    env = {
        "CMAA_AGREEMENT": str(_agreement(directory)),
        "CMAA_ACCESS_LOG": "off",
        "CMAA_METRICS_TOKEN_FILE": str(token_file),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "CMAA_WORKER_HEALTHCHECK_SECONDS": "120",
    }
    port = free_port()
    started = cmaa(
        directory / "demo.log",
        "demo",
        "--data-dir",
        str(data_dir),
        "--cases",
        str(CASES),
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        env=env,
    )
    served = Demo(f"http://127.0.0.1:{port}", data_dir, metrics_dir, started, {})
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while served.log().count(READY) < WORKERS:
            assert started.popen.poll() is None, served.log()
            assert time.monotonic() < deadline, served.log()
            time.sleep(0.5)
        served.credentials = json.loads((data_dir / "demo-credentials.json").read_text())
        yield served
    finally:
        _stop(served)


def _operations_by_worker(metrics_dir: Path, pids: set[int]) -> dict[int, float]:
    """Operations each worker process answered, from the metric files it wrote itself."""
    answered = {}
    for pid in pids:
        files = [str(path) for path in metrics_dir.glob(f"*_{pid}.db")]
        answered[pid] = sum(
            sample.value
            for family in MultiProcessCollector.merge(files, accumulate=True)
            for sample in family.samples
            if sample.name == "cmaa_graphql_operations_total"
        )
    return answered


async def _pages(url: str, token: str, rounds: int, seen: Counter[str], ids: list[str]) -> None:
    """Page 1, then page 2 with its cursor, each on a new connection (so on either worker)."""
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(rounds):
        after = None
        for _page in range(2):
            async with httpx.AsyncClient(timeout=300.0) as http:
                answer = await http.post(
                    f"{url}/graphql",
                    json={"query": PAGE, "variables": {"after": after}},
                    headers=headers,
                )
            document = answer.json()
            seen[f"{answer.status_code} {'errors' if 'errors' in document else 'data'}"] += 1
            if "errors" in document:
                return
            cases = document["data"]["cases"]
            ids += [edge["node"]["id"] for edge in cases["edges"]]
            after = cases["pageInfo"]["endCursor"]


def _audit_entries(data_dir: Path) -> dict[str, int]:
    counts = {}
    for owner in ("us", "uz"):
        with sqlite3.connect(data_dir / f"{owner}.sqlite3") as database:
            counts[owner] = int(database.execute("SELECT count(*) FROM audit_events").fetchone()[0])
    return counts


def test_two_workers_serve_and_both_audit_chains_hold(demo: Demo) -> None:
    pids = demo.workers()
    assert len(pids) == WORKERS, demo.log()
    before = _audit_entries(demo.data_dir)
    # Both administrations' callers: each one's partner reads are in the partner's chain.
    tokens = [demo.token(client) for client in ("uz-dashboard", "us-dashboard")]
    seen: Counter[str] = Counter()
    ids: list[str] = []

    async def everyone() -> None:
        await asyncio.gather(
            *(
                _pages(demo.url, tokens[index % len(tokens)], ROUNDS, seen, ids)
                for index in range(CLIENTS)
            )
        )

    asyncio.run(everyone())
    assert seen == Counter({"200 data": CLIENTS * ROUNDS * 2}), seen
    assert len(set(ids)) > 4  # both pages, and both callers' cases

    # Every worker answered some of them: new connections go to whichever accepts first, so
    # a few more requests are sent until each has (bounded: it happens within a few).
    answered = _operations_by_worker(demo.metrics_dir, pids)
    extra = 0
    headers = {"Authorization": f"Bearer {tokens[0]}"}
    while min(answered.values()) == 0 and extra < 200:
        with httpx.Client(timeout=300.0) as http:
            reply = http.post(f"{demo.url}/graphql", json={"query": PAGE}, headers=headers)
        assert reply.status_code == 200 and "errors" not in reply.json(), reply.text
        extra += 1
        answered = _operations_by_worker(demo.metrics_dir, pids)
    assert all(count > 0 for count in answered.values()), answered
    assert sum(answered.values()) == CLIENTS * ROUNDS * 2 + extra

    # Partner reads were appended to both chains, by both workers at once.
    after = _audit_entries(demo.data_dir)
    assert after["us"] > before["us"] and after["uz"] > before["uz"], (before, after)
    verified = run_cmaa("audit", "verify", "--data-dir", str(demo.data_dir))
    assert verified.returncode == 0
    assert "Traceback" not in verified.stdout + verified.stderr


@pytest.mark.parametrize(
    ("value", "problem"),
    [("0", "'0' is not a whole number ≥ 1"), ("two", "'two' is not a whole number ≥ 1")],
)
def test_a_bad_workers_value_touches_nothing(tmp_path: Path, value: str, problem: str) -> None:
    data_dir = tmp_path / "demo"
    code, stderr = cmaa_in_process("demo", "--data-dir", str(data_dir), "--workers", value)
    assert code == 2
    assert problem in one_line_naming(stderr, "--workers")
    assert not data_dir.exists()
    assert everything_under(tmp_path) == set()


def test_the_demo_names_its_workers_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert done.returncode == 0
    assert "--workers WORKERS" in done.stdout
    assert "uvicorn worker processes" in " ".join(done.stdout.split())
