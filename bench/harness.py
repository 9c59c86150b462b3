"""Shared pieces of a run: the operations, requests, measured load runs and their pairing."""

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.load import LoadResult, run_wrk
from bench.servers import Server

OPERATIONS = Path(__file__).resolve().parent / "operations"
SETTLE_SECONDS = 2.0


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def request_body(name: str, **variables: Any) -> bytes:
    return json.dumps(
        {"query": operation(name), "operationName": name, "variables": variables}
    ).encode()


def post(url: str, body: bytes, token: str | None, timeout: float = 120.0) -> dict[str, Any]:
    """One request; refuses an answer that is not a 200 without errors."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    answer = httpx.post(url, content=body, headers=headers, timeout=timeout)
    if answer.status_code != 200:
        raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:500]}")
    document = answer.json()
    if document.get("errors"):
        raise RuntimeError(f"{url} answered with errors: {json.dumps(document['errors'])[:800]}")
    return dict(document)


def answer_bytes(url: str, body: bytes, token: str) -> bytes:
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Authorization": f"Bearer {token}",
    }
    answer = httpx.post(url, content=body, headers=headers, timeout=120.0)
    answer.raise_for_status()
    return answer.content


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    """One load run against one server, with the server's CPU time per request."""

    load: LoadResult
    cpu_ms_per_request: float | None
    cpu_ms_by_server: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.load.as_dict(),
            "cpu_ms_per_request": self.cpu_ms_per_request,
            "cpu_ms_by_server": self.cpu_ms_by_server,
        }


def measure(
    url: str,
    body: bytes,
    token: str | None,
    seconds: float,
    connections: int,
    servers: tuple[Server, ...] = (),
) -> Measured:
    """A bounded wrk run; the CPU time of `servers` (all the processes serving the request)
    per completed request."""
    before = [cpu_seconds(server.pid) for server in servers]
    load = run_wrk(url, body, token, seconds, connections)
    # Requests still in the servers when wrk stops finish before the next run starts.
    time.sleep(SETTLE_SECONDS)
    if load.non_2xx or load.errors:
        raise RuntimeError(
            f"{url}: {load.non_2xx} non-2xx answers, {load.errors} socket errors in "
            f"{load.requests} requests"
        )
    cpu, by_server = None, {}
    if servers and load.requests:
        by_server = {
            server.name: 1000 * (cpu_seconds(server.pid) - spent_before) / load.requests
            for server, spent_before in zip(servers, before, strict=True)
        }
        cpu = sum(by_server.values())
    return Measured(load, cpu, by_server)


@dataclass
class Side:
    """One side of a comparison: where to send what, as whom, and who serves it."""

    label: str
    url: str
    body: bytes
    token: str
    servers: tuple[Server, ...] = ()
    runs: list[Measured] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(run.load.requests for run in self.runs)

    @property
    def rps(self) -> float:
        seconds = sum(run.load.seconds for run in self.runs)
        return self.requests / seconds if seconds else 0.0

    def _median(self, values: list[float]) -> float:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def graphql_errors(self) -> int:
        """Answers that carried GraphQL errors (a source unavailable: a partial answer)."""
        return sum(run.load.graphql_errors for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return self._median([run.load.p50_ms for run in self.runs])

    @property
    def p99_ms(self) -> float:
        return self._median([run.load.p99_ms for run in self.runs])

    @property
    def cpu_ms(self) -> float | None:
        spent = [run.cpu_ms_per_request for run in self.runs if run.cpu_ms_per_request]
        return self._median(spent) if spent else None

    @property
    def cpu_ms_by_server(self) -> dict[str, float]:
        """Each serving process's CPU time per request, the median over the runs."""
        names = [name for run in self.runs for name in run.cpu_ms_by_server]
        return {
            name: self._median([run.cpu_ms_by_server[name] for run in self.runs])
            for name in dict.fromkeys(names)
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "requests": self.requests,
            "graphql_errors": self.graphql_errors,
            "rps": self.rps,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "cpu_ms_per_request": self.cpu_ms,
            "cpu_ms_by_server": self.cpu_ms_by_server,
            "runs": [run.as_dict() for run in self.runs],
        }


def compare(
    sides: list[Side], seconds: float, connections: int, rounds: int, warmup: float
) -> list[Side]:
    """Each side warmed up, then measured `rounds` times, the sides taking turns, so that a
    change in the machine's load falls on all of them alike."""
    for side in sides:
        measure(side.url, side.body, side.token, warmup, connections)
    for _ in range(rounds):
        for side in sides:
            side.runs.append(
                measure(side.url, side.body, side.token, seconds, connections, side.servers)
            )
    return sides
