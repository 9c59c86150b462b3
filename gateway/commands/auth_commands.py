"""`cmaa keys rotate`, `cmaa clients add|list|remove` and `cmaa people add|list|remove`: an
administration's OAuth setup, in a store that exists already (`cmaa migrate` makes it).

A secret or password is read from stdin (`--secret-stdin`, `--password-stdin`) or generated
and printed once; only its hash is stored, and no listing shows it.
"""

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

from auth.keys import publication_window, rotate_signing_key
from auth.passwords import generate_password
from auth.registry import (
    GRANT_TYPES,
    ClientRegistration,
    PersonRegistration,
    RegistrationError,
    add_client,
    add_person,
    list_clients,
    list_people,
    remove_client,
    remove_person,
)
from auth.server.models import PUBLIC
from gateway.commands import CommandError
from gateway.commands.arguments import existing_database_url, existing_directory
from gateway.settings import DEFAULT_DATA_DIR, DemoStores, load_configured_agreement
from store.agreement import AgreementError
from store.database import UnsupportedDatabaseURL, open_store, session_factory
from store.migrate import StoreMismatch, prepare_store
from store.models.domain import Administration


def _store_url(arguments: argparse.Namespace) -> str:
    if arguments.database_url:
        return str(arguments.database_url)
    stores = DemoStores(arguments.data_dir)
    administration = Administration(arguments.administration)
    # Never a new store by accident: a typo in --data-dir must not start an empty issuer.
    if not stores.path(administration).is_file():
        raise CommandError(
            f"argument --data-dir: no {administration.value} store in {arguments.data_dir}; "
            "run `cmaa migrate` first"
        )
    return stores.url(administration)


def _read_stdin(what: str) -> str:
    """One line from stdin, without its line break (never echoed)."""
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise CommandError(f"no {what} on stdin")
    return value


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    try:
        asyncio.run(coroutine)
    except (AgreementError, UnsupportedDatabaseURL, StoreMismatch, RegistrationError) as exc:
        raise CommandError(str(exc)) from None


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


async def _add(
    url: str,
    administration: Administration,
    registration: ClientRegistration,
    given_secret: str | None,
) -> None:
    agreement = load_configured_agreement()
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        secret = await add_client(session, registration, agreement.scopes, given_secret)
    print(f"{administration.value}: client {registration.client_id} registered")
    if secret is not None and given_secret is None:
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


def _scopes(arguments: argparse.Namespace) -> tuple[str, ...]:
    if not arguments.every_scope:
        return tuple(dict.fromkeys(arguments.scope or []))
    try:
        return tuple(load_configured_agreement().scopes)
    except AgreementError as exc:
        raise CommandError(str(exc)) from None


def _scope_arguments(parser: argparse.ArgumentParser) -> None:
    scopes = parser.add_mutually_exclusive_group()
    scopes.add_argument(
        "--scope", action="append", help="a scope of the agreement's catalogue; repeat for several"
    )
    scopes.add_argument(
        "--every-scope",
        action="store_true",
        help="every scope of the agreement's catalogue (e.g. GraphiQL's client, which asks for "
        "all of them and is given what the signed-in person holds)",
    )


def clients_add_command(arguments: argparse.Namespace) -> int:
    registration = ClientRegistration(
        client_id=arguments.client_id,
        grant_types=tuple(dict.fromkeys(arguments.grant_type or [])),
        scopes=_scopes(arguments),
        redirect_uris=tuple(dict.fromkeys(arguments.redirect_uri or [])),
        public=arguments.public,
        designated=arguments.designated,
        description=arguments.description,
    )
    url = _store_url(arguments)
    secret = _read_stdin("client secret") if arguments.secret_stdin else None
    _run(_add(url, Administration(arguments.administration), registration, secret))
    return 0


def clients_list_command(arguments: argparse.Namespace) -> int:
    _run(_list(_store_url(arguments), Administration(arguments.administration)))
    return 0


def clients_remove_command(arguments: argparse.Namespace) -> int:
    url = _store_url(arguments)
    _run(_remove(url, Administration(arguments.administration), arguments.client_id))
    return 0


async def _add_person(
    url: str, administration: Administration, person: PersonRegistration, password: str
) -> None:
    agreement = load_configured_agreement()
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        await add_person(session, person, password, agreement.scopes)
    print(f"{administration.value}: person {person.username} registered")


async def _list_people(url: str, administration: Administration) -> None:
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        rows = await list_people(session)
    if not rows:
        print(f"{administration.value}: no people")
    for row in rows:
        designated = "designated" if row.designated else "not designated"
        print(f"{row.username}\t{designated}\t{' '.join(row.scopes)}\t{row.display_name}")


async def _remove_person(url: str, administration: Administration, username: str) -> None:
    await prepare_store(url, administration)
    async with open_store(url) as engine, session_factory(engine)() as session:
        removed = await remove_person(session, username)
    if not removed:
        raise CommandError(f"{administration.value}: there is no person {username!r}")
    print(f"{administration.value}: person {username} removed; their refresh tokens ended")


def people_add_command(arguments: argparse.Namespace) -> int:
    person = PersonRegistration(
        username=arguments.username,
        display_name=arguments.display_name or arguments.username,
        scopes=_scopes(arguments),
        designated=arguments.designated,
    )
    url = _store_url(arguments)
    password = _read_stdin("password") if arguments.password_stdin else generate_password()
    _run(_add_person(url, Administration(arguments.administration), person, password))
    if not arguments.password_stdin:
        print(f"password: {password}")
        print("(shown once: only its hash is stored)")
    return 0


def people_list_command(arguments: argparse.Namespace) -> int:
    _run(_list_people(_store_url(arguments), Administration(arguments.administration)))
    return 0


def people_remove_command(arguments: argparse.Namespace) -> int:
    url = _store_url(arguments)
    _run(_remove_person(url, Administration(arguments.administration), arguments.username))
    return 0


def _store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--administration", choices=["US", "UZ"], required=True, help="whose authorization server"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir",
        type=existing_directory,
        default=DEFAULT_DATA_DIR,
        help=f"directory of the demo's SQLite stores (default: ./{DEFAULT_DATA_DIR})",
    )
    where.add_argument(
        "--database-url",
        type=existing_database_url,
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
    _scope_arguments(add)
    add.add_argument(
        "--redirect-uri", action="append", help="for authorization_code; repeat for several"
    )
    add.add_argument("--designated", action="store_true", help="acts for a designated official")
    add.add_argument("--public", action="store_true", help="no secret (PKCE only), e.g. a SPA")
    add.add_argument("--description", default="", help="shown on the consent page")
    add.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the client secret (≥ 32 characters) from stdin instead of generating one",
    )
    add.set_defaults(handler=clients_add_command)

    listing = client_actions.add_parser("list", help="list the registered clients")
    _store_arguments(listing)
    listing.set_defaults(handler=clients_list_command)

    remove = client_actions.add_parser("remove", help="remove a client and its refresh tokens")
    _store_arguments(remove)
    remove.add_argument("--client-id", required=True)
    remove.set_defaults(handler=clients_remove_command)

    people = commands.add_parser(
        "people", help="the people who sign in at an authorization server (e.g. for GraphiQL)"
    )
    people_actions = people.add_subparsers(dest="action", required=True, metavar="ACTION")
    add_person_parser = people_actions.add_parser(
        "add", help="register a person (the password is read from stdin or printed once)"
    )
    _store_arguments(add_person_parser)
    add_person_parser.add_argument("--username", required=True)
    add_person_parser.add_argument("--display-name", default="", help="default: the username")
    _scope_arguments(add_person_parser)
    add_person_parser.add_argument(
        "--designated", action="store_true", help="a designated official of the agreement"
    )
    add_person_parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (≥ 12 characters) from stdin instead of generating one",
    )
    add_person_parser.set_defaults(handler=people_add_command)

    list_people_parser = people_actions.add_parser("list", help="list the registered people")
    _store_arguments(list_people_parser)
    list_people_parser.set_defaults(handler=people_list_command)

    remove_person_parser = people_actions.add_parser(
        "remove", help="remove a person and end their refresh tokens"
    )
    _store_arguments(remove_person_parser)
    remove_person_parser.add_argument("--username", required=True)
    remove_person_parser.set_defaults(handler=people_remove_command)
