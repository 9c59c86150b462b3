"""Keeping the login and consent forms honest, without server-side sessions.

- CSRF: the authorization page sets a random cookie (HttpOnly, SameSite=Strict, scoped to the
  issuer's path); every form carries an HMAC of it, and a POST must carry both.
- Between login and consent, a short-lived signed ticket stands for the authenticated person.
  It is bound to that cookie and to a digest of the exact authorization request, so it can be
  neither replayed from another browser nor reused for a different client or scope.

The HMAC key lives only in memory: a restart merely asks people to sign in again. Processes
that serve the same issuer side by side (workers) are given one key, so a form one renders
another accepts.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterable

TICKET_SECONDS = 300
COOKIE_SECONDS = 1800


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def request_digest(parameters: Iterable[tuple[str, str]]) -> str:
    canonical = json.dumps(sorted(parameters), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class FormGuard:
    def __init__(self, *, clock: Callable[[], float] = time.time, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        self._clock = clock

    def _mac(self, purpose: str, *parts: str) -> str:
        message = "\x1f".join((purpose, *parts)).encode("utf-8")
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(32)

    def csrf_token(self, cookie: str) -> str:
        return self._mac("csrf", cookie)

    def csrf_ok(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.csrf_token(cookie), token)

    def login_ticket(self, username: str, cookie: str, digest: str) -> str:
        expires = str(int(self._clock()) + TICKET_SECONDS)
        body = _b64(json.dumps([username, expires]).encode("utf-8"))
        return f"{body}.{self._mac('login', body, cookie, digest)}"

    def ticket_holder(self, ticket: str | None, cookie: str | None, digest: str) -> str | None:
        """The username a valid ticket stands for, or None."""
        if not ticket or not cookie or ticket.count(".") != 1:
            return None
        body, mac = ticket.split(".")
        if not hmac.compare_digest(self._mac("login", body, cookie, digest), mac):
            return None
        try:
            username, expires = json.loads(_unb64(body))
        except (ValueError, TypeError):
            return None
        if not isinstance(username, str) or int(expires) < self._clock():
            return None
        return username
