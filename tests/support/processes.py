"""The `cmaa` command as real processes, the way an operator runs it: one-shot commands with a
bound on their time, and services on 127.0.0.1 that are waited for and always stopped."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.databases import fresh_database

COMMAND_SECONDS = 180.0
START_SECONDS = 90.0


def cmaa_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", *arguments]


def run_cmaa(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one `cmaa` command to its end; fail the test, with its output, if it fails."""
    done = subprocess.run(
        cmaa_command(*arguments),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"cmaa {' '.join(arguments[:2])} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done


class Services:
    """Long-running `cmaa` services, each logging to its own file; stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *arguments: str) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                cmaa_command(*arguments),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def wait_until_up(self, name: str, url: str) -> None:
        """Until GET url/healthz answers 200; fail with the service's log otherwise."""
        process = self.processes[name]
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited {process.returncode}:\n{self.log(name)}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{name} did not come up at {url}:\n{self.log(name)}")

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@contextmanager
def running_services(logs: Path) -> Iterator[Services]:
    services = Services(logs)
    try:
        yield services
    finally:
        services.stop_all()


@contextmanager
def throwaway_database(kind: str, directory: Path) -> Iterator[str]:
    """`fresh_database` for synchronous tests: an empty store URL, dropped afterwards."""
    loop = asyncio.new_event_loop()
    manager = fresh_database(kind, directory)
    try:
        url = loop.run_until_complete(manager.__aenter__())
        try:
            yield url
        finally:
            loop.run_until_complete(manager.__aexit__(None, None, None))
    finally:
        loop.close()
