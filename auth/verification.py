"""Verifying access tokens from every issuer the agreement trusts, into a `Principal`.

There is one verification path. What varies per issuer is only where its keys come from: a
JWKS fetched over HTTP (any issuer), or read straight from the store (the demo's built-in
issuers, in process). Keys are cached and refreshed when a token names an unknown `kid`, at
most once per `refresh_interval` per issuer, so random kids cannot hammer an issuer. A fetch
that fails is not a refresh: it is tried again after a short wait that doubles with each
failure up to `refresh_interval`, so a verifier started before its issuer trusts it within
seconds of the issuer coming up.

Checks, in order: the compact form; `alg` in the allow-list (RS256, ES256: never `none`,
never HMAC); `typ` is `at+jwt` (a missing `typ` is refused, unlike Authlib's validator); `iss`
is a trusted issuer; the signature, with that issuer's key named by `kid`; `aud`, `exp`,
`nbf`, `iat` with the agreement's leeway; the `jti` deny-list. The administration is the one
the agreement maps the verifying issuer to, never a claim.
"""

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import ECKey, RSAKey
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from auth import errors
from auth.errors import TokenRefused
from auth.keys import AsymmetricKey, jwks_document, publication_window, published_signing_keys
from auth.policy.scopes import parse_scope
from auth.principal import Principal
from auth.revocations import RevocationList
from store.agreement import Agreement
from store.database import session_factory
from store.models.domain import Administration

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = frozenset({"RS256", "ES256"})
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
_KEY_TYPE_FOR = {"RS256": "RSA", "ES256": "EC"}
MAX_TOKEN_BYTES = 8192
DEFAULT_REFRESH_INTERVAL = 30.0
# The wait after a first failed fetch; it doubles with each further failure.
FIRST_RETRY_AFTER_FAILURE = 1.0
DEFAULT_MAX_AGE = 300.0


class KeySource(Protocol):
    """Where an issuer's JWKS comes from."""

    async def fetch_jwks(self) -> Mapping[str, Any]: ...


class HttpKeySource:
    """An issuer's JWKS at its `jwks_uri`."""

    def __init__(
        self,
        jwks_uri: str,
        *,
        timeout_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.jwks_uri = jwks_uri
        self._timeout = timeout_seconds
        self._transport = transport

    async def fetch_jwks(self) -> Mapping[str, Any]:
        # A client per fetch: fetches are rare (cached), and a client is bound to one loop.
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
            response = await client.get(self.jwks_uri, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        if not isinstance(document, dict):
            raise ValueError("the JWKS is not a JSON object")
        return document


class StoreKeySource:
    """A built-in issuer's published keys, read from its store (the in-process demo)."""

    def __init__(self, engine: AsyncEngine, agreement: Agreement) -> None:
        self._sessions = session_factory(engine)
        self._window = publication_window(agreement.tokens)

    async def fetch_jwks(self) -> Mapping[str, Any]:
        async with self._sessions() as session:
            rows = await published_signing_keys(session, self._window)
        return jwks_document(rows)


def _import_keys(document: Mapping[str, Any]) -> dict[str, AsymmetricKey]:
    keys: dict[str, AsymmetricKey] = {}
    entries = document.get("keys")
    if not isinstance(entries, list):
        return keys
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig" or any(p in entry for p in ("d", "k")):
            continue  # encryption keys, private or symmetric material: never for verifying
        try:
            if entry.get("kty") == "RSA":
                keys[entry["kid"]] = RSAKey.import_key(entry)
            elif entry.get("kty") == "EC":
                keys[entry["kid"]] = ECKey.import_key(entry)
        except (JoseError, ValueError, TypeError):
            log.warning("skipping an unusable key %r in a JWKS", entry.get("kid"))
    return keys


class IssuerKeys:
    """One issuer's verification keys: cached, refreshed on an unknown kid (rate-limited)."""

    def __init__(
        self,
        source: KeySource,
        *,
        refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self._refresh_interval = refresh_interval
        self._max_age = max_age
        self._clock = clock
        self._keys: dict[str, AsymmetricKey] = {}
        self._loaded_at: float | None = None
        # No fetch before this moment (None: fetch now); failures in a row since the last load.
        self._next_fetch_at: float | None = None
        self._failures = 0
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    def _refresh_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def key(self, kid: str) -> AsymmetricKey | None:
        now = self._clock()
        stale = self._loaded_at is None or now - self._loaded_at >= self._max_age
        if stale or kid not in self._keys:
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        async with self._refresh_lock():
            now = self._clock()
            if self._next_fetch_at is not None and now < self._next_fetch_at:
                return  # fetched (or tried) moments ago, perhaps by a concurrent request
            try:
                document = await self.source.fetch_jwks()
            except (httpx.HTTPError, ValueError, OSError) as exc:
                self._failures += 1
                wait = FIRST_RETRY_AFTER_FAILURE * 2 ** (self._failures - 1)
                self._next_fetch_at = now + min(wait, self._refresh_interval)
                log.warning("cannot fetch a JWKS (%s); keeping the cached keys", type(exc).__name__)
                return
            self._keys = _import_keys(document)
            self._loaded_at = now
            self._failures = 0
            self._next_fetch_at = now + self._refresh_interval


@dataclass(frozen=True)
class IssuerTrust:
    """An issuer whose tokens identify one administration's people."""

    issuer: str
    administration: Administration
    keys: IssuerKeys
    revocations: RevocationList | None = None


@dataclass(frozen=True)
class VerifiedToken:
    principal: Principal
    claims: Mapping[str, Any]
    header: Mapping[str, Any]


class Verifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


def _b64_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and (not yet trusted) claims of a compact JWS, or refusal as malformed."""
    if not token or len(token) > MAX_TOKEN_BYTES or not token.isascii():
        raise TokenRefused.invalid(errors.MALFORMED)
    segments = token.split(".")
    if len(segments) != 3:
        raise TokenRefused.invalid(errors.MALFORMED)
    try:
        header, claims = _b64_json(segments[0]), _b64_json(segments[1])
    except (binascii.Error, ValueError, UnicodeError):
        raise TokenRefused.invalid(errors.MALFORMED) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenRefused.invalid(errors.MALFORMED)
    return header, claims


class TokenVerifier:
    """Verifies RFC 9068 access tokens from the trusted issuers."""

    def __init__(
        self,
        trusts: Iterable[IssuerTrust],
        *,
        audience: str,
        leeway_seconds: int,
        known_scopes: Iterable[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._trusts = {trust.issuer: trust for trust in trusts}
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self._known_scopes = None if known_scopes is None else frozenset(known_scopes)
        self._clock = clock

    @property
    def issuers(self) -> dict[str, Administration]:
        return {issuer: trust.administration for issuer, trust in self._trusts.items()}

    async def verify(self, token: str) -> Principal:
        return (await self.verify_token(token)).principal

    async def verify_token(self, token: str) -> VerifiedToken:
        header, unverified = _parts(token)
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALLOWED_ALGORITHMS or not isinstance(kid, str) or not kid:
            raise TokenRefused.invalid(errors.NOT_VERIFIED)
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise TokenRefused.invalid(errors.NOT_VERIFIED)
        issuer = unverified.get("iss")
        trust = self._trusts.get(issuer) if isinstance(issuer, str) else None
        if trust is None:
            raise TokenRefused.invalid(errors.NOT_VERIFIED)
        key = await trust.keys.key(kid)
        if key is None or key.key_type != _KEY_TYPE_FOR[alg] or key.get("alg", alg) != alg:
            raise TokenRefused.invalid(errors.NOT_VERIFIED)
        try:
            verified = jwt.decode(token, key, algorithms=[alg])
        except JoseError:
            raise TokenRefused.invalid(errors.NOT_VERIFIED) from None
        claims = verified.claims
        self._check_claims(claims, trust.issuer)
        jti = claims["jti"]
        if trust.revocations is not None and await trust.revocations.is_revoked(jti):
            raise TokenRefused.invalid(errors.REVOKED)
        principal = Principal(
            administration=trust.administration,
            subject=claims["sub"],
            client_id=claims["client_id"],
            scopes=self._scopes(claims.get("scope")),
            designated=claims.get("designated") is True,
            token_id=jti,
        )
        return VerifiedToken(principal=principal, claims=claims, header=verified.header)

    def _check_claims(self, claims: dict[str, Any], issuer: str) -> None:
        registry = JWTClaimsRegistry(
            now=lambda: int(self._clock()),
            leeway=self.leeway_seconds,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            jti={"essential": True},
            client_id={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise TokenRefused.invalid(errors.EXPIRED) from None
        except InvalidClaimError as exc:
            if exc.claim == "aud":
                raise TokenRefused.invalid(errors.WRONG_AUDIENCE) from None
            if exc.claim == "nbf":
                raise TokenRefused.invalid(errors.NOT_YET_VALID) from None
            raise TokenRefused.invalid(errors.NOT_VERIFIED) from None
        except (MissingClaimError, JoseError):
            raise TokenRefused.invalid(errors.NOT_VERIFIED) from None
        for name in ("client_id", "sub"):
            if not isinstance(claims[name], str):
                raise TokenRefused.invalid(errors.NOT_VERIFIED)
        if not isinstance(claims.get("scope", ""), str) or not isinstance(
            claims.get("designated", False), bool
        ):
            raise TokenRefused.invalid(errors.NOT_VERIFIED)

    def _scopes(self, scope: str | None) -> frozenset[str]:
        scopes = frozenset(parse_scope(scope))
        if self._known_scopes is not None:
            scopes &= self._known_scopes
        return scopes


@dataclass(frozen=True)
class BuiltinIssuer:
    """Where the demo's own issuer for one administration lives (its URL is given at start-up).

    Without a key source its JWKS is fetched over HTTP like any other issuer's.
    """

    issuer: str
    keys: KeySource | None = None
    revocations: RevocationList | None = None
    # A local store is cheap to re-read, so a new key is picked up sooner than over HTTP.
    refresh_interval: float | None = None


def jwks_uri_of_builtin(issuer: str) -> str:
    return f"{issuer}/jwks"


def verifier_from_agreement(
    agreement: Agreement,
    builtin: Mapping[Administration, BuiltinIssuer],
    *,
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
    clock: Callable[[], float] = time.time,
) -> TokenVerifier:
    """A verifier trusting exactly the issuers the agreement lists for each party; `clock`
    (seconds since the epoch) decides expiry."""
    trusts = []
    for administration, party in agreement.parties.items():
        for listed in party.issuers:
            if listed.is_builtin:
                own = builtin.get(administration)
                if own is None:
                    raise ValueError(
                        f"the agreement trusts the built-in issuer for {administration.value}, "
                        "but no built-in issuer URL was given"
                    )
                source = own.keys or HttpKeySource(jwks_uri_of_builtin(own.issuer))
                trusts.append(
                    IssuerTrust(
                        issuer=own.issuer,
                        administration=administration,
                        keys=IssuerKeys(
                            source,
                            refresh_interval=(
                                refresh_interval
                                if own.refresh_interval is None
                                else own.refresh_interval
                            ),
                        ),
                        revocations=own.revocations,
                    )
                )
            else:
                assert listed.jwks_uri is not None  # the agreement loader requires it
                trusts.append(
                    IssuerTrust(
                        issuer=listed.issuer,
                        administration=administration,
                        keys=IssuerKeys(
                            HttpKeySource(listed.jwks_uri), refresh_interval=refresh_interval
                        ),
                    )
                )
    issuers = [trust.issuer for trust in trusts]
    if len(set(issuers)) != len(issuers):
        raise ValueError("one issuer is trusted for both administrations")
    return TokenVerifier(
        trusts,
        audience=agreement.tokens.audience,
        leeway_seconds=agreement.tokens.leeway_seconds,
        known_scopes=agreement.scopes,
        clock=clock,
    )
