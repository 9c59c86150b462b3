"""A real uvicorn on 127.0.0.1 for HTTP tests: gateway.loopback, which the golden command
uses too (kept here so tests import their helpers from tests.support)."""

from gateway.loopback import free_port, running_server

__all__ = ["free_port", "running_server"]
