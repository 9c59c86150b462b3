"""The jti deny-list of revoked access tokens, kept in the issuing administration's store.

A JWT cannot be recalled, so revoking one records its `jti` until it would have expired
anyway; verification consults the list. Answers are cached briefly (TTL) because every
authenticated request asks; a revocation made through this process's own authorization
server takes effect at once, one made elsewhere within the TTL.

With a shared deny-list (Redis, named by every worker and replica of every service), a
revocation made by any process is announced there as it is committed, and every verifier
asks it before trusting its cache: the revocation takes effect everywhere at once. The store
stays the record; if the shared list cannot be reached, the store is asked, uncached.
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.errors import VerificationUnavailable
from store.database import session_factory
from store.models import RevokedAccessToken
from store.models._base import utcnow

DEFAULT_TTL_SECONDS = 5.0
_MAX_CACHED = 50_000
REDIS_TIMEOUT_SECONDS = 1.0
log = logging.getLogger("cmaa.auth")


class RevocationList(Protocol):
    async def is_revoked(self, jti: str) -> bool: ...


class SharedUnreachable(Exception):
    """The shared deny-list did not answer."""


class SharedDenyList(Protocol):
    async def add(self, jti: str, expires_at: datetime) -> None: ...

    async def contains(self, jti: str) -> bool: ...


class RedisDenyList:
    """Revoked jtis as Redis keys that expire with their tokens."""

    def __init__(self, redis_url: str, key_prefix: str) -> None:
        # Imported here: only a process configured with Redis pays for the client library.
        from redis.asyncio import Redis

        # A Redis that hangs must cost a request at most this long; then the store decides.
        self._redis = Redis.from_url(
            redis_url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._prefix = f"{key_prefix}:revoked:"

    async def add(self, jti: str, expires_at: datetime) -> None:
        from redis.exceptions import RedisError

        expiry = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        seconds = max(1, int((expiry - datetime.now(UTC)).total_seconds()) + 1)
        try:
            await self._redis.set(self._prefix + jti, b"1", ex=seconds)
        except (RedisError, OSError) as exc:
            raise SharedUnreachable from exc

    async def contains(self, jti: str) -> bool:
        from redis.exceptions import RedisError

        try:
            return bool(await self._redis.exists(self._prefix + jti))
        except (RedisError, OSError) as exc:
            raise SharedUnreachable from exc


async def record_revocation(session: AsyncSession, jti: str, expires_at: datetime) -> None:
    """Deny-list a token in the request's session (committed by the caller)."""
    if await session.get(RevokedAccessToken, jti) is None:
        session.add(RevokedAccessToken(jti=jti, expires_at=expires_at, revoked_at=utcnow()))


async def forget_expired(session: AsyncSession, now: datetime | None = None) -> None:
    """Entries past their token's expiry can never match a live token again."""
    await session.exec(
        delete(RevokedAccessToken).where(col(RevokedAccessToken.expires_at) <= (now or utcnow()))
    )


class SharedRevocations:
    """The shared deny-list alone, for a process that cannot read the issuer's store (the
    distributed gateway): it refuses at the edge a token any issuer process has revoked.

    It is not the last word: each subgraph checks its own store as well. So when the shared
    list does not answer, the token goes on to the subgraphs, whose check fails closed.
    """

    def __init__(self, shared: SharedDenyList) -> None:
        self._shared = shared

    async def is_revoked(self, jti: str) -> bool:
        try:
            return await self._shared.contains(jti)
        except SharedUnreachable:
            log.warning("shared deny-list unreachable; the subgraphs' stores decide")
            return False


class StoreRevocations:
    """One store's deny-list, read with a short cache."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedDenyList | None = None,
    ) -> None:
        self._shared = shared
        self._sessions = session_factory(engine)
        self._ttl = ttl_seconds
        self._clock = clock
        self._answers: dict[str, tuple[bool, float]] = {}

    async def is_revoked(self, jti: str) -> bool:
        now = self._clock()
        cached = self._answers.get(jti)
        if cached is not None and cached[0]:
            return True
        trust_cache = True
        if self._shared is not None:
            try:
                if await self._shared.contains(jti):
                    self._remember(jti, True, now)
                    return True
            except SharedUnreachable:
                log.warning("shared deny-list unreachable; asking the store")
                trust_cache = False
        if cached is not None and trust_cache and now - cached[1] < self._ttl:
            return False
        try:
            async with self._sessions() as session:
                revoked = await session.get(RevokedAccessToken, jti) is not None
        except (DBAPIError, OSError) as exc:
            raise VerificationUnavailable from exc
        self._remember(jti, revoked, now)
        return revoked

    async def note_revoked(self, jti: str, expires_at: datetime) -> None:
        """Called after this process committed a revocation: no need to wait for the TTL,
        here or (through the shared list) anywhere else."""
        self._remember(jti, True, self._clock())
        if self._shared is not None:
            try:
                await self._shared.add(jti, expires_at)
            except SharedUnreachable:
                log.warning(
                    "shared deny-list unreachable; others see the revocation within %s s", self._ttl
                )

    def _remember(self, jti: str, revoked: bool, now: float) -> None:
        if len(self._answers) >= _MAX_CACHED:
            self._answers.clear()
        self._answers[jti] = (revoked, now)
