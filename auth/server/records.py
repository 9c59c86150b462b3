"""The authorization server's store work for one request, and the bridge to reach it.

Authlib calls back synchronously (`query_client`, `save_token`, ...) from the worker thread
the request runs it in. `on_event_loop` hands each such call back to the event loop, where
it runs in the request's one `AsyncSession`; the handler commits that session once, after
Authlib answered successfully.
"""

import hashlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import anyio.from_thread
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.keys import signing_key
from auth.revocations import record_revocation
from store.audit import AuditEntry, append_audit
from store.models import AuthorizationCode, OAuthClient, RefreshToken, SigningKey, StoreInfo, User
from store.models._base import as_utc, utcnow
from store.models.domain import AuditDecision

P = ParamSpec("P")
T = TypeVar("T")

_current: ContextVar["IdentityRecords"] = ContextVar("cmaa_identity_records")


def token_hash(token: str) -> str:
    """Codes and refresh tokens are stored only as hashes: a copy of the store issues nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class IdentityRecords:
    """One request's view of the administration's clients, people, codes and tokens."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(action)

    async def commit(self) -> None:
        await self.session.commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            await action()

    async def client(self, client_id: str) -> OAuthClient | None:
        return await self.session.get(OAuthClient, client_id)

    async def person(self, username: str) -> User | None:
        return await self.session.get(User, username)

    async def signing_key(self) -> SigningKey:
        key = await signing_key(self.session)
        if key is None:
            raise RuntimeError("the store has no signing key; the service creates one at start")
        return key

    async def add_code(self, code: AuthorizationCode) -> None:
        self.session.add(code)

    async def code(self, code: str) -> AuthorizationCode | None:
        return await self.session.get(AuthorizationCode, token_hash(code))

    async def use_code(self, code_hash: str, now: datetime) -> bool:
        """Mark a code used; False if it already was (a concurrent exchange won)."""
        result = await self.session.exec(
            update(AuthorizationCode)
            .where(col(AuthorizationCode.code_hash) == code_hash)
            .where(col(AuthorizationCode.used_at).is_(None))
            .values(used_at=now)
        )
        return result.rowcount == 1

    async def add_refresh_token(
        self, token: str, client_id: str, subject: str, scope: str, lifetime: timedelta
    ) -> None:
        now = utcnow()
        self.session.add(
            RefreshToken(
                token_hash=token_hash(token),
                client_id=client_id,
                subject=subject,
                scope=scope,
                issued_at=now,
                expires_at=now + lifetime,
            )
        )

    async def refresh_token(self, token: str) -> RefreshToken | None:
        return await self.session.get(RefreshToken, token_hash(token))

    async def revoke_refresh_token(self, stored_hash: str, now: datetime) -> bool:
        """Revoke one refresh token; False if it already was (rotation raced, or reuse)."""
        result = await self.session.exec(
            update(RefreshToken)
            .where(col(RefreshToken.token_hash) == stored_hash)
            .where(col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1

    async def audit(
        self,
        operation: str,
        subject: str,
        client_id: str,
        scopes: Iterable[str],
        rule: str,
        detail: dict[str, Any],
    ) -> None:
        """Append a token's issuance or revocation to the administration's audit chain, in
        this request's session: committed with what it records, or not at all."""
        info = await self.session.get(StoreInfo, 1)
        if info is None:
            raise RuntimeError("the store belongs to no administration; run `cmaa migrate`")
        await append_audit(
            self.session,
            AuditEntry(
                at=utcnow(),
                actor_administration=info.administration,
                subject=subject,
                client_id=client_id,
                scopes=tuple(sorted(scopes)),
                operation=operation,
                decision=AuditDecision.PERMIT.value,
                rule=rule,
                detail=detail,
            ),
        )

    async def revoke_grant(self, client_id: str, subject: str) -> None:
        """A replayed code or refresh token means one leaked: end every live refresh token of
        that person at that client, at once (committed now, whatever the request's outcome)."""
        await self.audit(
            "token.revokeGrant", subject, client_id, (), "REPLAY_DETECTED", {"reason": "replay"}
        )
        await self.session.exec(
            update(RefreshToken)
            .where(col(RefreshToken.client_id) == client_id)
            .where(col(RefreshToken.subject) == subject)
            .where(col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
        await self.session.commit()

    async def revoke_access_token(self, jti: str, expires_at: datetime) -> None:
        await record_revocation(self.session, jti, expires_at)


def is_live(expires_at: datetime, now: datetime) -> bool:
    moment = as_utc(expires_at)
    return moment is not None and moment > now


@contextmanager
def bound(records: IdentityRecords) -> Iterator[None]:
    token = _current.set(records)
    try:
        yield
    finally:
        _current.reset(token)


def current_records() -> IdentityRecords:
    """The records of the request this worker thread is serving."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("no request is being served in this thread") from None


def on_event_loop(function: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a store coroutine on the event loop from Authlib's worker thread; wait for it."""

    async def call() -> T:
        return await function(*args, **kwargs)

    return anyio.from_thread.run(call)
