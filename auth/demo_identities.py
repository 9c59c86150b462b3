"""The embedded demo's clients and people, provisioned idempotently in each administration's
store at every start.

Secrets and passwords are generated once and handed back to the caller (which keeps them in
the data directory); on a restart the same ones are passed in again, so the stored hashes are
kept, or re-made where missing.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from auth.keys import ensure_signing_key
from auth.passwords import generate_password, generate_secret
from auth.policy.scopes import PII_READ, PROCEDURE_SCOPES, read_scopes
from auth.registry import ClientRegistration, put_client, put_user
from store.agreement import Agreement
from store.database import session_factory
from store.models.domain import Administration

GRAPHIQL_PATH = "/graphql"
DASHBOARD_PATH = "/dashboard"


@dataclass(frozen=True)
class ClientCredential:
    administration: str
    client_id: str
    client_secret: str | None
    grant_types: list[str]
    scopes: list[str]
    designated: bool
    description: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UserCredential:
    administration: str
    username: str
    password: str
    scopes: list[str]
    designated: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    scopes: tuple[str, ...]
    designated: bool


def browser_redirect_uris(public_url: str, path: str = GRAPHIQL_PATH) -> tuple[str, ...]:
    """Where a page served by the demo at `path` is sent back after login: its public URL,
    and the same port on 127.0.0.1."""
    port = urlsplit(public_url).port
    uris = [public_url.rstrip("/") + path]
    if port is not None:
        uris.append(f"http://127.0.0.1:{port}{path}")
    return tuple(dict.fromkeys(uris))


def demo_clients(
    administration: Administration, agreement: Agreement, public_url: str
) -> list[ClientRegistration]:
    prefix = administration.value.lower()
    catalogue = agreement.scopes
    reads = tuple(read_scopes(catalogue))
    reads_without_pii = tuple(scope for scope in reads if scope != PII_READ)
    workflow = tuple(s for s in catalogue if s in reads or s in PROCEDURE_SCOPES)
    name = administration.value
    credentials = ("client_credentials",)
    return [
        ClientRegistration(
            client_id=f"{prefix}-dashboard",
            grant_types=credentials,
            scopes=reads,
            designated=True,
            description=f"{name} partner dashboard: every read scope, personal data included",
        ),
        ClientRegistration(
            client_id=f"{prefix}-analyst",
            grant_types=credentials,
            scopes=reads_without_pii,
            designated=True,
            description=f"{name} analyst system: read scopes without personal data",
        ),
        ClientRegistration(
            client_id=f"{prefix}-undesignated",
            grant_types=credentials,
            scopes=reads,
            designated=False,
            description=f"{name} system of a non-designated official: read scopes",
        ),
        ClientRegistration(
            client_id=f"{prefix}-workflow",
            grant_types=credentials,
            scopes=workflow,
            designated=True,
            description=f"{name} case workflow: requests, decisions, disclosures, consents, "
            "custody, and reads",
        ),
        ClientRegistration(
            client_id=f"{prefix}-graphiql",
            grant_types=("authorization_code", "refresh_token"),
            scopes=tuple(catalogue),
            redirect_uris=browser_redirect_uris(public_url),
            public=True,
            designated=False,
            description=f"GraphiQL on the demo gateway, signing in {name} people",
        ),
        ClientRegistration(
            client_id=f"{prefix}-dashboard-web",
            grant_types=("authorization_code", "refresh_token"),
            scopes=tuple(catalogue),
            redirect_uris=browser_redirect_uris(public_url, DASHBOARD_PATH),
            public=True,
            designated=False,
            description=f"The analysts' dashboard on the demo gateway, signing in {name} people",
        ),
    ]


def demo_people(administration: Administration, agreement: Agreement) -> list[DemoPerson]:
    prefix = administration.value.lower()
    reads_without_pii = tuple(s for s in read_scopes(agreement.scopes) if s != PII_READ)
    return [
        DemoPerson(
            username=f"{prefix}.analyst",
            display_name=f"{administration.value} analyst (designated official)",
            scopes=tuple(agreement.scopes),
            designated=True,
        ),
        DemoPerson(
            username=f"{prefix}.trainee",
            display_name=f"{administration.value} trainee (not designated)",
            scopes=reads_without_pii,
            designated=False,
        ),
    ]


async def provision_demo_identities(
    engine: AsyncEngine,
    administration: Administration,
    agreement: Agreement,
    public_url: str,
    *,
    secrets: Mapping[str, str],
    passwords: Mapping[str, str],
) -> tuple[list[ClientCredential], list[UserCredential]]:
    """Make the store hold exactly the demo identities, with the given secrets and passwords
    (by client id / username) where known and new ones elsewhere; ensure a signing key."""
    clients: list[ClientCredential] = []
    users: list[UserCredential] = []
    async with session_factory(engine)() as session:
        for registration in demo_clients(administration, agreement, public_url):
            secret = None
            if not registration.public:
                secret = secrets.get(registration.client_id) or generate_secret()
            await put_client(session, registration, agreement.scopes, secret)
            clients.append(
                ClientCredential(
                    administration=administration.value,
                    client_id=registration.client_id,
                    client_secret=secret,
                    grant_types=list(registration.grant_types),
                    scopes=list(registration.scopes),
                    designated=registration.designated,
                    description=registration.description,
                )
            )
        for person in demo_people(administration, agreement):
            password = passwords.get(person.username) or generate_password()
            await put_user(
                session,
                username=person.username,
                display_name=person.display_name,
                scopes=person.scopes,
                designated=person.designated,
                password=password,
                catalogue=agreement.scopes,
            )
            users.append(
                UserCredential(
                    administration=administration.value,
                    username=person.username,
                    password=password,
                    scopes=list(person.scopes),
                    designated=person.designated,
                )
            )
        await session.commit()
        await ensure_signing_key(session)
    return clients, users
