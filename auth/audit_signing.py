"""Signatures over the audit logs' checkpoints: compact JWS (RS256) made with the
administration's own signing key (auth/keys.py), checked with the signer's public key; and the
short-lived assertion with which one administration's subgraph identifies itself when it
fetches the partner's checkpoints (RFC 7523's client assertion, in spirit)."""

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jwt import JWTClaimsRegistry
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.keys import SIGNING_ALGORITHM, AsymmetricKey, private_key, public_jwk
from store.audit import canonical
from store.models import SigningKey
from store.models.domain import Administration

# Not `at+jwt`: the token verifier refuses this as an access token, and this check refuses
# an access token, though the same key signs both.
EXCHANGE_ASSERTION_TYPE = "cmaa-audit-exchange+jwt"
EXCHANGE_ASSERTION_SECONDS = 60
EXCHANGE_LEEWAY_SECONDS = 30
# A signer's public key by kid, from where its owner publishes it (its store, its JWKS).
KeyLookup = Callable[[str], Awaitable[AsymmetricKey | None]]


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


def _audience(administration: Administration) -> str:
    return f"urn:cmaa:audit-exchange:{administration.value}"


def exchange_assertion(row: SigningKey, own: Administration, partner: Administration) -> str:
    """`own` asks `partner` for its audit checkpoints: valid for a minute, for that partner."""
    now = int(time.time())
    header = {"alg": SIGNING_ALGORITHM, "kid": row.kid, "typ": EXCHANGE_ASSERTION_TYPE}
    claims = {
        "iss": own.value,
        "aud": _audience(partner),
        "iat": now,
        "exp": now + EXCHANGE_ASSERTION_SECONDS,
        "jti": secrets.token_urlsafe(16),
    }
    return jwt.encode(header, claims, private_key(row), [SIGNING_ALGORITHM])


async def check_exchange_assertion(
    token: str, keys: KeyLookup, partner: Administration, own: Administration
) -> None:
    """The assertion is `partner`'s, for `own`, current, and signed with a key `partner`
    publishes; ValueError otherwise (the reason is not for the caller)."""
    try:
        headers = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        raise ValueError("malformed") from None
    kid = headers.get("kid")
    if headers.get("typ") != EXCHANGE_ASSERTION_TYPE or not isinstance(kid, str):
        raise ValueError("not an exchange assertion")
    key = await keys(kid)
    if key is None:
        raise ValueError("unknown key")
    registry = JWTClaimsRegistry(
        leeway=EXCHANGE_LEEWAY_SECONDS,
        iss={"essential": True, "value": partner.value},
        aud={"essential": True, "value": _audience(own)},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        verified = jwt.decode(token, key, [SIGNING_ALGORITHM])
        registry.validate(verified.claims)
    except (JoseError, ValueError):
        raise ValueError("refused") from None
    if verified.claims["exp"] - verified.claims["iat"] > EXCHANGE_ASSERTION_SECONDS:
        raise ValueError("lives too long")
