"""`cmaa subgraph`: serve one administration's Federation subgraph over its own store."""

import argparse
import asyncio
from urllib.parse import urlsplit

from auth.keys import AsymmetricKey
from auth.revocations import StoreRevocations
from auth.verification import IssuerTrust, TokenVerifier
from gateway.audit_exchange import RemotePartner
from gateway.commands import CommandError
from gateway.commands.arguments import database_url, port
from gateway.settings import load_configured_agreement
from gateway.subgraph import create_subgraph_app, serve_subgraph
from gateway.trust import UntrustedIssuer, trusted_issuers
from resolvers.introspection import UnknownClientName, client_names
from store.agreement import AgreementError
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


def partner_of(
    administration: Administration, url: str, trusts: list[IssuerTrust], timeout: float
) -> RemotePartner:
    """The partner's subgraph, whose checkpoints are checked with the keys its issuers
    publish (the JWKS this subgraph already trusts for the partner's tokens)."""
    partner = next(a for a in Administration if a is not administration)
    issuers = [trust for trust in trusts if trust.administration is partner]

    async def key(kid: str) -> AsymmetricKey | None:
        for trust in issuers:
            found = await trust.keys.key(kid)
            if found is not None:
                return found
        return None

    return RemotePartner(partner, _url(url, "--partner-url"), key, timeout_seconds=timeout)


def subgraph_command(arguments: argparse.Namespace) -> int:
    administration = Administration(arguments.administration)
    try:
        introspection = client_names(arguments.introspection_client)
    except UnknownClientName as exc:
        raise CommandError(f"--introspection-client {exc}") from None
    try:
        agreement = load_configured_agreement()
        # As every command that opens a store: bring it to the newest schema, and make sure
        # it is this administration's.
        asyncio.run(prepare_store(arguments.database_url, administration))
        engine = create_engine(arguments.database_url)
    except (AgreementError, UnsupportedDatabaseURL, StoreMismatch) as exc:
        raise CommandError(str(exc)) from None
    # This store is the one the administration's own built-in issuer keeps its deny-list in.
    try:
        trusts = trusted_issuers(
            agreement,
            given_issuers(arguments.issuer_jwks),
            {administration: StoreRevocations(engine)},
        )
    except UntrustedIssuer as exc:
        raise CommandError(str(exc)) from None
    verifier = TokenVerifier(
        trusts,
        audience=agreement.tokens.audience,
        leeway_seconds=agreement.tokens.leeway_seconds,
        known_scopes=agreement.scopes,
    )
    partner = None
    if arguments.partner_url:
        timeout = agreement.limits.source_timeout_seconds
        partner = partner_of(administration, arguments.partner_url, trusts, timeout)
    serve_subgraph(
        create_subgraph_app(
            administration,
            engine,
            verifier,
            agreement,
            introspection_clients=introspection,
            partner=partner,
        ),
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
        type=database_url,
        required=True,
        help="the administration's store (sqlite+aiosqlite:///FILE or postgresql+asyncpg://...)",
    )
    subgraph.add_argument("--host", default="127.0.0.1", help="address to serve on")
    subgraph.add_argument("--port", type=port, default=8100, help="port (default: 8100)")
    subgraph.add_argument(
        "--issuer-jwks",
        action="append",
        default=[],
        metavar="ISSUER=JWKS_URL",
        help="where a trusted issuer publishes its keys; required for a party whose issuer is "
        "'builtin' in agreement.toml (its URL ends in /oauth/us or /oauth/uz), optional "
        "otherwise (agreement.toml's jwks_uri is used). Repeatable.",
    )
    subgraph.add_argument(
        "--introspection-client",
        action="append",
        default=[],
        metavar="ADMINISTRATION:CLIENT_ID",
        help="a client that may introspect the subgraph (__schema, __type, _service), e.g. "
        "US:us-graphiql; nobody otherwise. Repeatable.",
    )
    subgraph.add_argument(
        "--partner-url",
        help="the partner administration's subgraph (its base URL): its audit checkpoints are "
        "fetched from there and countersigned, and its countersignatures of this "
        "administration's checkpoints collected, on the cadence of agreement.toml's [audit]",
    )
    subgraph.set_defaults(handler=subgraph_command)
