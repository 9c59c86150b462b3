"""Signing keys of one administration's authorization server: creation, rotation, the JWKS.

One key signs at a time (the newest unretired one). Rotation adds a new key and retires the
old; a retired key stays in the JWKS for the publication window (the access-token lifetime
plus the verifiers' leeway), so every token it signed can still be verified until it
expires, and only then is it dropped from the JWKS and deleted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
from joserfc.jwk import ECKey, RSAKey
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.agreement import TokenPolicy
from store.models import SigningKey
from store.models._base import as_utc, utcnow

SIGNING_ALGORITHM = "RS256"
RSA_KEY_BITS = 2048

AsymmetricKey = RSAKey | ECKey

# Importing a private RSA key validates it (tens of milliseconds): keep each one imported
# once. A kid is the key's RFC 7638 thumbprint, so it names exactly one key.
_imported: dict[str, AsymmetricKey] = {}


@dataclass(frozen=True)
class Rotation:
    signing_kid: str
    retired: dict[str, datetime]  # kid -> published until
    dropped: list[str]


def publication_window(tokens: TokenPolicy) -> timedelta:
    """How long a retired key stays published: its last token's lifetime, plus leeway."""
    return timedelta(minutes=tokens.access_token_minutes, seconds=tokens.leeway_seconds)


def _generate(now: datetime) -> SigningKey:
    key = RSAKey.generate_key(
        RSA_KEY_BITS, parameters={"alg": SIGNING_ALGORITHM, "use": "sig"}, auto_kid=True
    )
    return SigningKey(
        kid=str(key.kid),
        algorithm=SIGNING_ALGORITHM,
        private_jwk=dict(key.as_dict(private=True)),
        created_at=now,
    )


async def new_signing_key(now: datetime | None = None) -> SigningKey:
    # RSA key generation is CPU work: keep it off the event loop.
    return await anyio.to_thread.run_sync(_generate, now or utcnow())


def private_key(row: SigningKey) -> AsymmetricKey:
    key = _imported.get(row.kid)
    if key is None:
        imported = (RSAKey if row.private_jwk.get("kty") == "RSA" else ECKey).import_key(
            row.private_jwk
        )
        key = _imported.setdefault(row.kid, imported)
    return key


def public_jwk(row: SigningKey) -> dict[str, Any]:
    jwk = {
        name: value
        for name, value in row.private_jwk.items()
        if name in ("kty", "n", "e", "crv", "x", "y")
    }
    jwk.update(kid=row.kid, alg=row.algorithm, use="sig")
    return jwk


def jwks_document(rows: list[SigningKey]) -> dict[str, Any]:
    return {"keys": [public_jwk(row) for row in rows]}


async def signing_key(session: AsyncSession) -> SigningKey | None:
    """The key that signs now: the newest one not retired."""
    statement = (
        select(SigningKey)
        .where(col(SigningKey.retired_at).is_(None))
        .order_by(col(SigningKey.created_at).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def ensure_signing_key(session: AsyncSession) -> SigningKey:
    """The signing key, creating the store's first one if there is none (commits)."""
    current = await signing_key(session)
    if current is not None:
        return current
    row = await new_signing_key()
    session.add(row)
    await session.commit()
    return row


def _published_until(row: SigningKey, window: timedelta) -> datetime | None:
    retired_at = as_utc(row.retired_at)
    return None if retired_at is None else retired_at + window


async def published_signing_keys(
    session: AsyncSession, window: timedelta, now: datetime | None = None
) -> list[SigningKey]:
    """The keys in the JWKS: the signing key, and retired ones whose tokens may still be live."""
    now = now or utcnow()
    rows = (await session.exec(select(SigningKey).order_by(col(SigningKey.created_at)))).all()
    published = []
    for row in rows:
        until = _published_until(row, window)
        if until is None or until > now:
            published.append(row)
    return published


async def rotate_signing_key(
    session: AsyncSession, window: timedelta, now: datetime | None = None
) -> Rotation:
    """Start signing with a new key; retire the old one; delete keys no longer published."""
    now = now or utcnow()
    rows = (await session.exec(select(SigningKey))).all()
    retired: dict[str, datetime] = {}
    dropped: list[str] = []
    for row in rows:
        if row.retired_at is None:
            row.retired_at = now
            session.add(row)
            retired[row.kid] = now + window
            continue
        until = _published_until(row, window)
        if until is not None and until <= now:
            dropped.append(row.kid)
            await session.delete(row)
    new = await new_signing_key(now)
    session.add(new)
    await session.commit()
    return Rotation(signing_kid=new.kid, retired=retired, dropped=dropped)
