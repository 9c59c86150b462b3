"""A real uvicorn on 127.0.0.1 for HTTP tests: gateway.loopback, which the golden command
uses too (kept here so tests import their helpers from tests.support); and a server that never
answers, for timeout tests."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gateway.loopback import free_port, running_server

__all__ = ["HungServer", "free_port", "hung_server", "running_server"]


@dataclass
class HungServer:
    url: str
    # Every connection it accepted: each call that reached it.
    connections: list[socket.socket]

    def calls(self, at_least: int = 1, wait: float = 30.0) -> int:
        """The connections it accepted, once at least `at_least` are (or `wait` seconds have
        passed): one its thread has not accepted yet is waiting in the listen queue."""
        deadline = time.monotonic() + wait
        while len(self.connections) < at_least and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(self.connections)


@contextmanager
def hung_server() -> Iterator[HungServer]:
    """Accepts connections on 127.0.0.1 and never answers on them: a timeout test's source,
    which no machine, however fast or loaded, can make answer in time."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield HungServer(f"http://127.0.0.1:{listener.getsockname()[1]}", held)
    finally:
        stopping.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()
