"""Starting and stopping the servers of a run: each a child process on 127.0.0.1, stopped
(SIGINT, then SIGKILL) when its block ends, whatever happened inside it."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident set size of the server process, from /proc (KiB)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for {self.name}")


def _wait(server: Server, probe: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        try:
            answer = httpx.request(
                "POST" if probe == "/graphql" else "GET", f"{server.url}{probe}", timeout=1.0
            )
            if answer.status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not come up at {server.url}")


def stop(server: Server) -> None:
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def started(
    name: str,
    command: Sequence[str],
    port: int,
    logs: Path,
    env: dict[str, str] | None = None,
    probe: str = "/healthz",
    timeout: float = 60.0,
) -> Iterator[Server]:
    log = logs / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, log)
    try:
        _wait(server, probe, timeout)
        yield server
    finally:
        stop(server)


def python_server(
    name: str,
    kind: str,
    port: int,
    logs: Path,
    env: dict[str, str],
    *arguments: str,
    probe: str = "/healthz",
) -> "contextmanager[Server]":  # type: ignore[valid-type]
    command = [sys.executable, "-m", "bench.serve", kind, "--port", str(port), *arguments]
    return started(name, command, port, logs, env, probe)  # type: ignore[return-value]
