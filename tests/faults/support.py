"""Helpers of the fault suite: `cmaa` processes, a throw-away PostgreSQL instance of the
suite's own, process memory, and an independent check of an audit chain."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from gateway.loopback import free_port
from store.audit import GENESIS_HASH, AuditEntry, entry_hash
from store.database import session_factory
from store.models import AuditEvent, AuditHead

# -- processes ---------------------------------------------------------------------------------


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def cmaa(log: Path, *arguments: str, env: dict[str, str] | None = None) -> Process:
    """`cmaa ARGUMENTS…` as its own process, its output to `log`."""
    with log.open("wb") as output:
        popen = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", *arguments],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    return Process(popen, log)


def wait_until_up(url: str, process: Process, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.popen.returncode}:\n{process.output()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up:\n{process.output()}")


def stop(process: Process) -> None:
    """Ask the process to stop; kill it if it does not within 10 s."""
    if process.popen.poll() is None:
        process.popen.send_signal(signal.SIGINT)
        try:
            process.popen.wait(10)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait(5)


def rss_bytes(pid: int) -> int:
    """The resident set of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# -- a PostgreSQL instance of our own ----------------------------------------------------------


def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian's layout)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


@dataclass
class ThrowAwayPostgres:
    """An instance on 127.0.0.1 in a directory of its own; nobody else uses it."""

    bin: Path
    directory: Path
    port: int
    as_owner: list[str]

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *arguments: str) -> None:
        command = [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), *arguments]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.directory} -c max_connections=60"
        )
        self._ctl("-l", str(self.directory / "server.log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")

    async def create_database(self, name: str) -> None:
        connection = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="postgres", database="postgres"
        )
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()


@contextmanager
def throwaway_postgres() -> Iterator[ThrowAwayPostgres]:
    """initdb into a fresh directory, start on a free loopback port; stop and remove it after.
    As root, the server runs as the `postgres` user (it refuses to run as root)."""
    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    directory = Path(tempfile.mkdtemp(prefix="cmaa-faults-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    instance = ThrowAwayPostgres(binaries, directory, free_port(), as_owner)
    try:
        subprocess.run(
            [
                *as_owner,
                str(binaries / "initdb"),
                "-D",
                str(instance.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        instance.start()
        yield instance
    finally:
        with suppress(subprocess.CalledProcessError):  # not running
            instance.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


# -- the audit chain, checked apart from store.audit's own check ------------------------------


async def audit_chain_problems(engine: AsyncEngine) -> list[str]:
    """Every way the log differs from an unbroken chain: sequence numbers 1, 2, 3…, each entry
    naming the previous entry's hash, each hash recomputed from the entry, and the head row
    pointing at the last entry."""
    problems = []
    async with session_factory(engine)() as session:
        events = (await session.exec(select(AuditEvent).order_by(AuditEvent.seq))).all()
        head = (await session.exec(select(AuditHead))).all()
    previous = GENESIS_HASH
    for expected, event in enumerate(events, start=1):
        entry = AuditEntry(
            at=event.at,
            actor_administration=event.actor_administration,
            subject=event.subject,
            client_id=event.client_id,
            scopes=tuple(event.scopes),
            operation=event.operation,
            decision=event.decision,
            rule=event.rule,
            record_ids=tuple(event.record_ids),
            release_ids=tuple(event.release_ids),
            detail=dict(event.detail),
        )
        if event.seq != expected:
            problems.append(f"entry {event.seq} where {expected} was due")
        if event.prev_hash != previous:
            problems.append(f"entry {event.seq} names {event.prev_hash} before it, not {previous}")
        if entry_hash(int(event.seq or 0), event.prev_hash, entry) != event.entry_hash:
            problems.append(f"entry {event.seq}: its hash is not that of its content")
        previous = event.entry_hash
    if len(head) != 1 or (head[0].seq, head[0].entry_hash) != (len(events), previous):
        problems.append(f"the head {[(h.seq, h.entry_hash) for h in head]} is not the last entry")
    return problems


# -- a connection to PostgreSQL that the test can cut ------------------------------------------

COMMIT_DONE = b"COMMIT\x00"  # the server's CommandComplete for a COMMIT


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 in front of a PostgreSQL server. `cut()` closes every
    connection through it and stops listening, as a server that went away does; `arm()` cuts
    right after the server acknowledges the next COMMIT, the one moment a crash leaves a
    change committed but not yet answered; `restore()` listens again."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.armed = False
        self.cut_done = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> "CuttableProxy":
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *_: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def restore(self) -> None:
        self._run(self._listen())

    def cut(self) -> None:
        self._run(self._cut())

    def arm(self) -> None:
        self.cut_done.clear()
        self.armed = True

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        self.armed = False
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        self.cut_done.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstream_port
            )
        except OSError:
            writer.close()
            return
        self._writers |= {writer, upstream_writer}

        async def pump(
            source: asyncio.StreamReader, target: asyncio.StreamWriter, answers: bool
        ) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
                    if answers and self.armed and COMMIT_DONE in data:
                        await self._cut()
            except (OSError, ConnectionError):
                pass
            finally:
                target.close()

        await asyncio.gather(
            pump(reader, upstream_writer, False), pump(upstream_reader, writer, True)
        )
