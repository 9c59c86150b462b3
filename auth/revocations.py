"""The jti deny-list of revoked access tokens, kept in the issuing administration's store.

A JWT cannot be recalled, so revoking one records its `jti` until it would have expired
anyway; verification consults the list. Answers are cached briefly (TTL) because every
authenticated request asks; a revocation made through this process's own authorization
server takes effect at once, one made elsewhere within the TTL.
"""

import time
from collections.abc import Callable
from datetime import datetime
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


class RevocationList(Protocol):
    async def is_revoked(self, jti: str) -> bool: ...


async def record_revocation(session: AsyncSession, jti: str, expires_at: datetime) -> None:
    """Deny-list a token in the request's session (committed by the caller)."""
    if await session.get(RevokedAccessToken, jti) is None:
        session.add(RevokedAccessToken(jti=jti, expires_at=expires_at, revoked_at=utcnow()))


async def forget_expired(session: AsyncSession, now: datetime | None = None) -> None:
    """Entries past their token's expiry can never match a live token again."""
    await session.exec(
        delete(RevokedAccessToken).where(col(RevokedAccessToken.expires_at) <= (now or utcnow()))
    )


class StoreRevocations:
    """One store's deny-list, read with a short cache."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = session_factory(engine)
        self._ttl = ttl_seconds
        self._clock = clock
        self._answers: dict[str, tuple[bool, float]] = {}

    async def is_revoked(self, jti: str) -> bool:
        now = self._clock()
        cached = self._answers.get(jti)
        if cached is not None and (cached[0] or now - cached[1] < self._ttl):
            return cached[0]
        try:
            async with self._sessions() as session:
                revoked = await session.get(RevokedAccessToken, jti) is not None
        except (DBAPIError, OSError) as exc:
            raise VerificationUnavailable from exc
        self._remember(jti, revoked, now)
        return revoked

    def note_revoked(self, jti: str) -> None:
        """Called after this process committed a revocation: no need to wait for the TTL."""
        self._remember(jti, True, self._clock())

    def _remember(self, jti: str, revoked: bool, now: float) -> None:
        if len(self._answers) >= _MAX_CACHED:
            self._answers.clear()
        self._answers[jti] = (revoked, now)
