"""How the caller's bearer token reaches the remote source: a context variable.

The interface takes a Principal, which is the verified identity, not the credential; the
remote subgraph needs the credential itself, because it verifies the token on its own. The
code that verified the token (the gateway's endpoint) binds token and principal for the
request; the remote source forwards the token only when it was bound to the very principal
it is asked to act for, so a token can never be sent on behalf of someone else.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from auth.principal import Principal


@dataclass(frozen=True, slots=True)
class _Bound:
    principal: Principal
    token: str


_bound: ContextVar[_Bound | None] = ContextVar("cmaa_forwarded_bearer_token", default=None)


class NoForwardableToken(RuntimeError):
    """A remote read for a principal whose token was not bound: a fault of the caller's code."""


@contextmanager
def forwarding(principal: Principal, token: str) -> Iterator[None]:
    """Within the block (and tasks started in it), remote sources act with this token."""
    reset = _bound.set(_Bound(principal, token))
    try:
        yield
    finally:
        _bound.reset(reset)


def token_for(principal: Principal) -> str:
    bound = _bound.get()
    if bound is None or bound.principal != principal:
        raise NoForwardableToken("no bearer token is bound to this principal")
    return bound.token
