"""Item 7, load: `cmaa demo` as a user starts it, one worker and `--workers 2`, over a copy of
the run's SQLite stores, at 50 connections on `DashboardCases` (first: 10) as `uz-dashboard`,
with the agreement's own source timeout (only the per-client rate limit is raised, as for
every item). Counts the answers that carry SOURCE_UNAVAILABLE and the non-2xx ones (target:
none of either), and reports p50/p99 and requests/s; then checks both audit chains with
`cmaa audit verify`, after every worker appended to them at once."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import machine, world
from bench.harness import post, request_body
from bench.load import run_wrk
from bench.servers import ROOT, Server, free_port, started

OPERATION = "DashboardCases"
FIRST = 10
CONNECTIONS = 50
SECONDS = 60.0
CALLER = "uz-dashboard"
WORKERS = (1, 2)
# Longer than any answer under this load: a request still unanswered then is an error.
WRK_TIMEOUT_SECONDS = 30.0
# Seeding is skipped (the stores are copies), but each worker builds its schema on a busy
# machine before it answers.
STARTUP_SECONDS = 300.0


def _children(pid: int) -> list[int]:
    """Every process below `pid` (uvicorn's workers and any process they start)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    below, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                below.append(child)
                frontier.append(child)
    return below


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _demo(data_dir: Path, port: int, workers: int, logs: Path, env: dict[str, str]) -> Any:
    command = [
        sys.executable,
        "-m",
        "gateway.cli",
        "demo",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    name = f"demo-{workers}-worker{'s' if workers > 1 else ''}"
    return started(name, command, port, logs, env, timeout=STARTUP_SECONDS)


def _ready(server: Server, workers: int) -> None:
    """Wait until every worker has started (the first one answers the probe alone)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while server.log.read_text(errors="replace").count("Application startup complete.") < workers:
        if time.monotonic() > deadline or server.process.poll() is not None:
            raise RuntimeError(f"{server.name}: not every worker started")
        time.sleep(0.5)


def _verify_audit(data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify", "--data-dir", str(data_dir)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return {"exit_code": done.returncode, "output": (done.stdout + done.stderr).strip()[-2000:]}


def measure_demo_load(
    data_dir: Path, logs: Path, agreement_env: dict[str, str], quick: bool
) -> dict[str, Any]:
    """`data_dir`: the demo's stores (a copy of the run's, made before any server opened them)."""
    seconds = 10.0 if quick else SECONDS
    warmup = 2.0 if quick else 5.0
    env = {**agreement_env, "CMAA_ACCESS_LOG": "off"}
    body = request_body(OPERATION, first=FIRST)
    sides = []
    for workers in WORKERS:
        port = free_port()
        with _demo(data_dir, port, workers, logs, env) as demo:
            _ready(demo, workers)
            credentials = json.loads((data_dir / "demo-credentials.json").read_text())
            token = world.token(credentials, CALLER)
            url = f"{demo.url}/graphql"
            answer = post(url, body, token)
            cases = len(answer["data"]["cases"]["edges"])
            run_wrk(url, body, token, warmup, CONNECTIONS, WRK_TIMEOUT_SECONDS)
            time.sleep(2.0)
            processes = [demo.pid, *_children(demo.pid)]
            load_before = machine.load_average()
            cpu_before = _cpu_seconds(processes)
            load = run_wrk(url, body, token, seconds, CONNECTIONS, WRK_TIMEOUT_SECONDS)
            # Requests still inside when wrk stops finish before the CPU is read.
            time.sleep(2.0)
            cpu = _cpu_seconds(processes) - cpu_before
            sides.append(
                {
                    "label": f"cmaa demo --workers {workers}",
                    "workers": workers,
                    "cases": cases,
                    "load_average_before": load_before,
                    "load_average_after": machine.load_average(),
                    "cpu_ms_per_request": 1000 * cpu / load.requests if load.requests else None,
                    "processes": len(processes),
                    **load.as_dict(),
                }
            )
    audit = _verify_audit(data_dir, agreement_env)
    return {
        "operation": OPERATION,
        "first": FIRST,
        "caller": CALLER,
        "connections": CONNECTIONS,
        "seconds": seconds,
        "sides": sides,
        "audit_verify": audit,
    }
