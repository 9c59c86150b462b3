"""`cmaa subgraph`: serve one administration's Federation subgraph over its own store."""

import argparse
import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit

from auth.revocations import RevocationList, StoreRevocations
from auth.verification import HttpKeySource, IssuerKeys, IssuerTrust, TokenVerifier
from gateway.commands import CommandError
from gateway.settings import load_configured_agreement
from gateway.subgraph import create_subgraph_app, serve_subgraph
from store.agreement import Agreement, AgreementError
from store.database import UnsupportedDatabaseURL, create_engine
from store.migrate import StoreMismatch, prepare_store
from store.models.domain import Administration


def _url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise CommandError(f"{what} {value!r} is not an http(s) URL")
    return value


def given_issuers(values: list[str]) -> dict[str, str]:
    """--issuer-jwks ISSUER=JWKS_URL, repeated: issuer → JWKS URL."""
    given: dict[str, str] = {}
    for value in values:
        issuer, separator, jwks = value.partition("=")
        if not separator:
            raise CommandError(f"--issuer-jwks {value!r}: write ISSUER=JWKS_URL")
        given[_url(issuer, "the issuer")] = _url(jwks, "the JWKS URL")
    return given


def builtin_administration(issuer: str) -> Administration | None:
    """The administration a built-in issuer serves: it is mounted at /oauth/us or /oauth/uz."""
    parts = urlsplit(issuer).path.rstrip("/").split("/")
    names = {administration.value for administration in Administration}
    if len(parts) >= 2 and parts[-2] == "oauth" and parts[-1].upper() in names:
        return Administration(parts[-1].upper())
    return None


def trusted_issuers(
    agreement: Agreement,
    given: Mapping[str, str],
    revocations: Mapping[Administration, RevocationList],
) -> list[IssuerTrust]:
    """The issuers agreement.toml trusts, with JWKS URLs from the command line where given.

    A party trusting its "builtin" issuer needs that issuer named on the command line (its
    URL is decided where the gateway runs). A built-in issuer keeps its deny-list in its
    administration's store: `revocations` holds those this process can read.
    """
    trusts: list[IssuerTrust] = []
    used: set[str] = set()
    for administration, party in agreement.parties.items():
        for listed in party.issuers:
            if listed.is_builtin:
                named = [i for i in given if builtin_administration(i) is administration]
                if len(named) != 1:
                    raise CommandError(
                        f"agreement.toml trusts the built-in issuer of {administration.value}: "
                        f"name it once with --issuer-jwks ISSUER=JWKS_URL, the issuer ending in "
                        f"/oauth/{administration.value.lower()}"
                    )
                issuer, jwks_uri = named[0], given[named[0]]
            else:
                issuer = listed.issuer
                jwks_uri = given.get(issuer) or listed.jwks_uri or ""
            used.add(issuer)
            trusts.append(
                IssuerTrust(
                    issuer=issuer,
                    administration=administration,
                    keys=IssuerKeys(HttpKeySource(jwks_uri)),
                    revocations=revocations.get(administration) if listed.is_builtin else None,
                )
            )
    unknown = sorted(set(given) - used)
    if unknown:
        raise CommandError(f"agreement.toml does not trust the issuer {unknown[0]}")
    return trusts


def subgraph_command(arguments: argparse.Namespace) -> int:
    administration = Administration(arguments.administration)
    try:
        agreement = load_configured_agreement()
        # As every command that opens a store: bring it to the newest schema, and make sure
        # it is this administration's.
        asyncio.run(prepare_store(arguments.database_url, administration))
        engine = create_engine(arguments.database_url)
    except (AgreementError, UnsupportedDatabaseURL, StoreMismatch) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot reach the store: {exc.strerror or exc}") from None
    # This store is the one the administration's own built-in issuer keeps its deny-list in.
    trusts = trusted_issuers(
        agreement,
        given_issuers(arguments.issuer_jwks),
        {administration: StoreRevocations(engine)},
    )
    verifier = TokenVerifier(
        trusts,
        audience=agreement.tokens.audience,
        leeway_seconds=agreement.tokens.leeway_seconds,
        known_scopes=agreement.scopes,
    )
    serve_subgraph(
        create_subgraph_app(administration, engine, verifier, agreement),
        arguments.host,
        arguments.port,
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    subgraph = commands.add_parser(
        "subgraph", help="serve one administration's Federation subgraph over its store"
    )
    subgraph.add_argument("--administration", choices=["US", "UZ"], required=True)
    subgraph.add_argument(
        "--database-url",
        required=True,
        help="the administration's store (sqlite+aiosqlite:///FILE or postgresql+asyncpg://...)",
    )
    subgraph.add_argument("--host", default="127.0.0.1", help="address to serve on")
    subgraph.add_argument("--port", type=int, default=8100, help="port (default: 8100)")
    subgraph.add_argument(
        "--issuer-jwks",
        action="append",
        default=[],
        metavar="ISSUER=JWKS_URL",
        help="where a trusted issuer publishes its keys; required for a party whose issuer is "
        "'builtin' in agreement.toml (its URL ends in /oauth/us or /oauth/uz), optional "
        "otherwise (agreement.toml's jwks_uri is used). Repeatable.",
    )
    subgraph.set_defaults(handler=subgraph_command)
