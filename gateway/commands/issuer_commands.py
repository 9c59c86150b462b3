"""`cmaa issuer`: one administration's authorization server over its own store.

The server's modules are imported when it is served, not when `cmaa` starts: every other
command (and `cmaa --help`) would otherwise pay for importing Authlib and uvicorn.
"""

import argparse
import asyncio
import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gateway.commands import CommandError
from gateway.commands.arguments import at_least, existing_database_url, http_url, port

if TYPE_CHECKING:
    from gateway.issuer import IssuerSettings


async def _prepare(settings: "IssuerSettings") -> None:
    """The store is this administration's, at the newest schema, with a key to sign with
    (made here once, so that several workers never race to make one each)."""
    from auth.keys import ensure_signing_key
    from store.database import open_store, session_factory
    from store.migrate import prepare_store

    await prepare_store(settings.database_url, settings.administration)
    async with open_store(settings.database_url) as engine, session_factory(engine)() as session:
        await ensure_signing_key(session)


def issuer_command(arguments: argparse.Namespace) -> int:
    import uvicorn

    from gateway.demo import is_loopback
    from gateway.issuer import IssuerSettings, build_issuer_app
    from gateway.settings import load_configured_agreement
    from store.agreement import AgreementError
    from store.migrate import StoreMismatch
    from store.models.domain import Administration

    public = urlsplit(arguments.public_url)
    if public.scheme != "https" and not is_loopback(public.hostname or ""):
        # OAuth over plain HTTP leaks codes and tokens; Authlib refuses it too.
        raise CommandError(f"argument --public-url: {arguments.public_url} must be https")
    settings = IssuerSettings(
        administration=Administration(arguments.administration),
        database_url=arguments.database_url,
        public_url=arguments.public_url,
        cors_origins=tuple(arguments.cors_origin),
    )
    try:
        agreement = load_configured_agreement()
        asyncio.run(_prepare(settings))
    except (AgreementError, StoreMismatch) as exc:
        raise CommandError(str(exc)) from None
    print(f"{settings.administration.value} issuer: {settings.issuer}")
    print(f"JWKS: {settings.jwks_uri}")
    print(f"Token endpoint: {settings.issuer}/token")
    common = {
        "host": arguments.host,
        "port": arguments.port,
        "proxy_headers": True,
        "server_header": False,
        "log_level": "info",
    }
    if arguments.workers == 1:
        uvicorn.run(build_issuer_app(settings, agreement), **common)
        return 0
    os.environ.update(settings.to_environment())
    uvicorn.run(
        "gateway.issuer:issuer_app_from_environment",
        factory=True,
        workers=arguments.workers,
        **common,
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    issuer = commands.add_parser(
        "issuer",
        help="serve one administration's OAuth authorization server over its store",
        description="Serve the administration's authorization server (token, authorization, "
        "JWKS, introspection, revocation, RFC 8414 metadata) with the clients, people and "
        "signing keys of its store. Its issuer is PUBLIC_URL/oauth/us (or /uz): name that and "
        "its /jwks in gateway.toml's [issuers] and in `cmaa subgraph --issuer-jwks`.",
    )
    issuer.add_argument("--administration", choices=["US", "UZ"], required=True)
    issuer.add_argument(
        "--database-url",
        type=existing_database_url,
        required=True,
        help="the administration's store (sqlite+aiosqlite:///FILE or postgresql+asyncpg://...)",
    )
    issuer.add_argument(
        "--public-url",
        type=http_url,
        required=True,
        help="the URL people and programs reach this server at (https; http on loopback only)",
    )
    issuer.add_argument("--host", default="127.0.0.1", help="address to serve on")
    issuer.add_argument("--port", type=port, default=8200, help="port (default: 8200)")
    issuer.add_argument(
        "--workers", type=at_least(1), default=1, help="uvicorn worker processes (default: 1)"
    )
    issuer.add_argument(
        "--cors-origin",
        action="append",
        type=http_url,
        default=[],
        metavar="ORIGIN",
        help="a web origin allowed to call it from a browser, e.g. the gateway serving "
        "GraphiQL (https://exchange.example). Repeatable.",
    )
    issuer.set_defaults(handler=issuer_command)
