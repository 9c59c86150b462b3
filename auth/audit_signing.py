"""Signatures over the audit logs' checkpoints: compact JWS (RS256) made with the
administration's own signing key (auth/keys.py), checked with the signer's public key."""

from dataclasses import dataclass, field
from typing import Any

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.keys import SIGNING_ALGORITHM, AsymmetricKey, private_key, public_jwk
from store.audit import canonical
from store.models import SigningKey


@dataclass
class Keys:
    """The public keys an administration's store holds (current and retired), by kid."""

    by_kid: dict[str, RSAKey] = field(default_factory=dict)

    def key_for(self, kid: str, recorded: dict[str, Any]) -> tuple[RSAKey, str]:
        if kid in self.by_kid:
            return self.by_kid[kid], "a key in its store"
        # Rotated out of the store since: the key kept with the signature, if it is the key
        # the kid names (kids are RFC 7638 thumbprints).
        try:
            key = RSAKey.import_key(recorded)
        except (JoseError, ValueError, TypeError):
            raise ValueError("the key recorded with it is not a usable RSA key") from None
        if key.thumbprint() != kid:
            raise ValueError("the key recorded with it is not the key its kid names")
        return key, "the key recorded with it"


async def store_keys(session: AsyncSession) -> Keys:
    rows = (await session.exec(select(SigningKey))).all()
    keys = Keys()
    for row in rows:
        if row.algorithm == SIGNING_ALGORITHM:
            keys.by_kid[row.kid] = RSAKey.import_key(public_jwk(row))
    return keys


def sign(claims: dict[str, Any], row: SigningKey) -> str:
    header = {"alg": SIGNING_ALGORITHM, "kid": row.kid}
    return jws.serialize_compact(header, canonical(claims), private_key(row), [SIGNING_ALGORITHM])


def check_signature(signature: str, claims: dict[str, Any], key: AsymmetricKey) -> None:
    """The JWS verifies with `key` and signs exactly `claims`; ValueError says what is wrong."""
    try:
        verified = jws.deserialize_compact(signature, key, [SIGNING_ALGORITHM])
    except (JoseError, ValueError):
        raise ValueError("its signature does not verify") from None
    if orjson.loads(verified.payload) != claims:
        raise ValueError("what it signed differs from what is recorded with it")


def kid_of(signature: str) -> str:
    try:
        return str(jws.extract_compact(signature.encode("ascii")).headers()["kid"])
    except (JoseError, KeyError, ValueError, UnicodeError):
        return ""
