"""Registering an administration's OAuth clients and people in its store.

Used by `cmaa clients ...` and by the demo's provisioning. Secrets and passwords are
generated here, hashed with argon2 (in a worker thread) and returned once; only the hashes
are stored.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio.to_thread
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.passwords import generate_secret, hash_secret, verify_secret
from auth.policy.scopes import unknown_scopes
from auth.server.models import PUBLIC
from store.models import OAuthClient, RefreshToken, User

GRANT_TYPES = ("client_credentials", "authorization_code", "refresh_token")
CONFIDENTIAL_AUTH_METHOD = "client_secret_basic"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# A secret of one's own choosing (read from stdin) must be at least this long; generated ones
# are 43 characters of `secrets.token_urlsafe(32)`.
MIN_SECRET_CHARACTERS = 32
MIN_PASSWORD_CHARACTERS = 12


class RegistrationError(ValueError):
    """A registration the authorization server would refuse to honour."""


@dataclass(frozen=True)
class ClientRegistration:
    client_id: str
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()
    public: bool = False
    designated: bool = False
    description: str = ""


def check_redirect_uri(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
        raise RegistrationError(f"redirect URI {uri!r} must be an absolute URL without fragment")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise RegistrationError(f"redirect URI {uri!r} must use https (http only on loopback)")


def check_registration(registration: ClientRegistration, catalogue: Mapping[str, str]) -> None:
    if not registration.client_id or len(registration.client_id) > 100:
        raise RegistrationError("a client id is 1 to 100 characters")
    unknown = [grant for grant in registration.grant_types if grant not in GRANT_TYPES]
    if unknown or not registration.grant_types:
        raise RegistrationError(f"grant types are some of {', '.join(GRANT_TYPES)}")
    outside = unknown_scopes(registration.scopes, catalogue)
    if outside:
        raise RegistrationError(f"not in the agreement's scope catalogue: {', '.join(outside)}")
    if registration.public and "client_credentials" in registration.grant_types:
        raise RegistrationError("a public client has no secret, so no client_credentials grant")
    if "authorization_code" in registration.grant_types and not registration.redirect_uris:
        raise RegistrationError("the authorization_code grant needs at least one redirect URI")
    if "refresh_token" in registration.grant_types and (
        "authorization_code" not in registration.grant_types
    ):
        raise RegistrationError("refresh tokens are only issued with authorization_code")
    for uri in registration.redirect_uris:
        check_redirect_uri(uri)


def _apply(row: OAuthClient, registration: ClientRegistration) -> None:
    row.grant_types = list(registration.grant_types)
    row.scopes = list(registration.scopes)
    row.redirect_uris = list(registration.redirect_uris)
    row.designated = registration.designated
    row.description = registration.description
    row.token_endpoint_auth_method = PUBLIC if registration.public else CONFIDENTIAL_AUTH_METHOD


async def add_client(
    session: AsyncSession,
    registration: ClientRegistration,
    catalogue: Mapping[str, str],
    secret: str | None = None,
) -> str | None:
    """Register a new client with `secret`, or a generated one; returns it (None for a public
    client). Commits."""
    check_registration(registration, catalogue)
    if registration.public and secret is not None:
        raise RegistrationError("a public client has no secret")
    if secret is not None and len(secret) < MIN_SECRET_CHARACTERS:
        raise RegistrationError(f"a client secret is at least {MIN_SECRET_CHARACTERS} characters")
    if await session.get(OAuthClient, registration.client_id) is not None:
        raise RegistrationError(f"client {registration.client_id!r} already exists")
    if not registration.public and secret is None:
        secret = generate_secret()
    row = OAuthClient(client_id=registration.client_id, token_endpoint_auth_method=PUBLIC)
    _apply(row, registration)
    if secret is not None:
        row.client_secret_hash = await anyio.to_thread.run_sync(hash_secret, secret)
    session.add(row)
    await session.commit()
    return secret


async def put_client(
    session: AsyncSession,
    registration: ClientRegistration,
    catalogue: Mapping[str, str],
    secret: str | None,
) -> None:
    """Create or update a client to match the registration; re-hash the secret only if the
    stored hash does not match it (provisioning is idempotent). Does not commit."""
    check_registration(registration, catalogue)
    row = await session.get(OAuthClient, registration.client_id)
    if row is None:
        row = OAuthClient(client_id=registration.client_id, token_endpoint_auth_method=PUBLIC)
    _apply(row, registration)
    if registration.public or secret is None:
        row.client_secret_hash = None
    elif not await _matches(secret, row.client_secret_hash):
        row.client_secret_hash = await anyio.to_thread.run_sync(hash_secret, secret)
    session.add(row)


async def _matches(secret: str, stored_hash: str | None) -> bool:
    if stored_hash is None:
        return False
    return await anyio.to_thread.run_sync(verify_secret, secret, stored_hash)


async def list_clients(session: AsyncSession) -> Sequence[OAuthClient]:
    return (await session.exec(select(OAuthClient).order_by(col(OAuthClient.client_id)))).all()


async def remove_client(session: AsyncSession, client_id: str) -> bool:
    """Remove a client and end its refresh tokens (its access tokens expire within minutes)."""
    row = await session.get(OAuthClient, client_id)
    if row is None:
        return False
    await session.exec(delete(RefreshToken).where(col(RefreshToken.client_id) == client_id))
    await session.delete(row)
    await session.commit()
    return True


async def put_user(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    scopes: Iterable[str],
    designated: bool,
    password: str,
    catalogue: Mapping[str, str],
) -> None:
    """Create or update a person; re-hash the password only if it changed. Does not commit."""
    outside = unknown_scopes(scopes, catalogue)
    if outside:
        raise RegistrationError(f"not in the agreement's scope catalogue: {', '.join(outside)}")
    row = await session.get(User, username)
    if row is None:
        row = User(username=username, password_hash="", display_name=display_name)
    row.display_name = display_name
    row.scopes = list(scopes)
    row.designated = designated
    if not await _matches(password, row.password_hash or None):
        row.password_hash = await anyio.to_thread.run_sync(hash_secret, password)
    session.add(row)


@dataclass(frozen=True)
class PersonRegistration:
    username: str
    display_name: str
    scopes: tuple[str, ...]
    designated: bool = False


def check_person(person: PersonRegistration, catalogue: Mapping[str, str]) -> None:
    if not person.username or len(person.username) > 100 or not person.username.isprintable():
        raise RegistrationError("a username is 1 to 100 printable characters")
    if len(person.display_name) > 200:
        raise RegistrationError("a display name is at most 200 characters")
    outside = unknown_scopes(person.scopes, catalogue)
    if outside:
        raise RegistrationError(f"not in the agreement's scope catalogue: {', '.join(outside)}")


async def add_person(
    session: AsyncSession,
    person: PersonRegistration,
    password: str,
    catalogue: Mapping[str, str],
) -> None:
    """Register a new person who signs in with `password` (only its hash is kept). Commits."""
    check_person(person, catalogue)
    if len(password) < MIN_PASSWORD_CHARACTERS:
        raise RegistrationError(f"a password is at least {MIN_PASSWORD_CHARACTERS} characters")
    if await session.get(User, person.username) is not None:
        raise RegistrationError(f"person {person.username!r} already exists")
    password_hash = await anyio.to_thread.run_sync(hash_secret, password)
    session.add(
        User(
            username=person.username,
            password_hash=password_hash,
            display_name=person.display_name,
            scopes=list(person.scopes),
            designated=person.designated,
        )
    )
    await session.commit()


async def list_people(session: AsyncSession) -> Sequence[User]:
    return (await session.exec(select(User).order_by(col(User.username)))).all()


async def remove_person(session: AsyncSession, username: str) -> bool:
    """Remove a person and end their refresh tokens (access tokens expire within minutes)."""
    row = await session.get(User, username)
    if row is None:
        return False
    await session.exec(delete(RefreshToken).where(col(RefreshToken.subject) == username))
    await session.delete(row)
    await session.commit()
    return True
