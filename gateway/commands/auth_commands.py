"""`cmaa keys rotate` and `cmaa clients add|list|remove`: an administration's OAuth setup."""

import argparse
import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from auth.keys import publication_window, rotate_signing_key
from auth.registry import (
    GRANT_TYPES,
    ClientRegistration,
    RegistrationError,
    add_client,
    list_clients,
    remove_client,
)
from auth.server.models import PUBLIC
from gateway.commands import CommandError
from gateway.settings import DEFAULT_DATA_DIR, DemoStores, load_configured_agreement
from store.agreement import AgreementError
from store.database import UnsupportedDatabaseURL, open_store, session_factory
from store.migrate import StoreMismatch, prepare_store
from store.models.domain import Administration


def _store_url(arguments: argparse.Namespace) -> str:
    if arguments.database_url:
        return str(arguments.database_url)
    arguments.data_dir.mkdir(parents=True, exist_ok=True)
    return DemoStores(arguments.data_dir).url(Administration(arguments.administration))


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    try:
        asyncio.run(coroutine)
    except (AgreementError, UnsupportedDatabaseURL, StoreMismatch, RegistrationError) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot reach the store: {exc.strerror or exc}") from None


async def _rotate(url: str, administration: Administration) -> None:
    agreement = load_configured_agreement()
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        rotation = await rotate_signing_key(session, publication_window(agreement.tokens))
    print(f"{administration.value}: key {rotation.signing_kid} now signs new access tokens")
    for kid, until in rotation.retired.items():
        print(f"{administration.value}: key {kid} retired; published until {until.isoformat()}")
    for kid in rotation.dropped:
        print(f"{administration.value}: key {kid} dropped (every token it signed has expired)")


async def _add(url: str, administration: Administration, registration: ClientRegistration) -> None:
    agreement = load_configured_agreement()
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        secret = await add_client(session, registration, agreement.scopes)
    print(f"{administration.value}: client {registration.client_id} registered")
    if secret is not None:
        print(f"client_secret: {secret}")
        print("(shown once: only its hash is stored)")


async def _list(url: str, administration: Administration) -> None:
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        rows = await list_clients(session)
    if not rows:
        print(f"{administration.value}: no clients")
    for row in rows:
        kind = "public" if row.token_endpoint_auth_method == PUBLIC else "confidential"
        designated = "designated" if row.designated else "not designated"
        print(
            f"{row.client_id}\t{kind}\t{designated}\t{','.join(row.grant_types)}\t"
            f"{' '.join(row.scopes)}\t{' '.join(row.redirect_uris)}"
        )


async def _remove(url: str, administration: Administration, client_id: str) -> None:
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        removed = await remove_client(session, client_id)
    if not removed:
        raise CommandError(f"{administration.value}: there is no client {client_id!r}")
    print(f"{administration.value}: client {client_id} removed; its refresh tokens ended")


def keys_rotate_command(arguments: argparse.Namespace) -> int:
    _run(_rotate(_store_url(arguments), Administration(arguments.administration)))
    return 0


def clients_add_command(arguments: argparse.Namespace) -> int:
    registration = ClientRegistration(
        client_id=arguments.client_id,
        grant_types=tuple(dict.fromkeys(arguments.grant_type or [])),
        scopes=tuple(dict.fromkeys(arguments.scope or [])),
        redirect_uris=tuple(dict.fromkeys(arguments.redirect_uri or [])),
        public=arguments.public,
        designated=arguments.designated,
        description=arguments.description,
    )
    url = _store_url(arguments)
    _run(_add(url, Administration(arguments.administration), registration))
    return 0


def clients_list_command(arguments: argparse.Namespace) -> int:
    _run(_list(_store_url(arguments), Administration(arguments.administration)))
    return 0


def clients_remove_command(arguments: argparse.Namespace) -> int:
    url = _store_url(arguments)
    _run(_remove(url, Administration(arguments.administration), arguments.client_id))
    return 0


def _store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--administration", choices=["US", "UZ"], required=True, help="whose authorization server"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"directory of the demo's SQLite stores (default: ./{DEFAULT_DATA_DIR})",
    )
    where.add_argument(
        "--database-url",
        help="the administration's store URL instead (sqlite+aiosqlite:/// or postgresql+asyncpg://)",
    )


def register(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="an authorization server's signing keys")
    key_actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    rotate = key_actions.add_parser(
        "rotate",
        help="sign with a new key; keep the old one published until its tokens expire",
    )
    _store_arguments(rotate)
    rotate.set_defaults(handler=keys_rotate_command)

    clients = commands.add_parser("clients", help="an authorization server's OAuth clients")
    client_actions = clients.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = client_actions.add_parser("add", help="register a client (prints its secret once)")
    _store_arguments(add)
    add.add_argument("--client-id", required=True)
    add.add_argument(
        "--grant-type",
        action="append",
        choices=GRANT_TYPES,
        required=True,
        help="repeat for several",
    )
    add.add_argument(
        "--scope", action="append", help="a scope of the agreement's catalogue; repeat for several"
    )
    add.add_argument(
        "--redirect-uri", action="append", help="for authorization_code; repeat for several"
    )
    add.add_argument("--designated", action="store_true", help="acts for a designated official")
    add.add_argument("--public", action="store_true", help="no secret (PKCE only), e.g. a SPA")
    add.add_argument("--description", default="", help="shown on the consent page")
    add.set_defaults(handler=clients_add_command)

    listing = client_actions.add_parser("list", help="list the registered clients")
    _store_arguments(listing)
    listing.set_defaults(handler=clients_list_command)

    remove = client_actions.add_parser("remove", help="remove a client and its refresh tokens")
    _store_arguments(remove)
    remove.add_argument("--client-id", required=True)
    remove.set_defaults(handler=clients_remove_command)
