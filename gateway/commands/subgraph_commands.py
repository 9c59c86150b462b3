"""`cmaa subgraph`: serve one administration's Federation subgraph over its own store."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gateway.commands import CommandError
from gateway.commands.arguments import database_url, port
from gateway.settings import load_configured_agreement
from store.agreement import AgreementError, ConfigurationError
from store.database import UnsupportedDatabaseURL, create_engine
from store.migrate import StoreMismatch, prepare_store
from store.models.domain import Administration

if TYPE_CHECKING:  # the command's modules are imported when it runs, not for `cmaa --help`
    from auth.keys import AsymmetricKey
    from auth.verification import IssuerTrust
    from gateway.audit_exchange import RemotePartner


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
    """The partner's subgraph, whose checkpoints and assertions are checked with the keys its
    issuers publish (the JWKS this subgraph trusts for the partner's tokens), held in a key
    cache of the exchange's own.

    Not in the token verifier's cache: the exchange looks keys up from its first seconds,
    often before the partner's issuer listens, and a cache whose fetch failed refreshes again
    only after its refresh interval; sharing one, the subgraph refused the partner's people's
    tokens (401, and SOURCE_UNAVAILABLE at the gateway) for that long after start-up."""
    from auth.verification import IssuerKeys
    from gateway.audit_exchange import RemotePartner

    partner = next(a for a in Administration if a is not administration)
    caches = [IssuerKeys(t.keys.source) for t in trusts if t.administration is partner]

    async def key(kid: str) -> AsymmetricKey | None:
        for cache in caches:
            found = await cache.key(kid)
            if found is not None:
                return found
        return None

    return RemotePartner(partner, _url(url, "--partner-url"), key, timeout_seconds=timeout)


def subgraph_command(arguments: argparse.Namespace) -> int:
    from auth.revocations import StoreRevocations
    from auth.verification import TokenVerifier
    from gateway import shared
    from gateway.observability.telemetry import Telemetry
    from gateway.runtime import runtime_from_environment
    from gateway.subgraph import create_subgraph_app, serve_subgraph
    from gateway.trust import UntrustedIssuer, trusted_issuers
    from resolvers.introspection import UnknownClientName, client_names

    administration = Administration(arguments.administration)
    try:
        introspection = client_names(arguments.introspection_client)
    except UnknownClientName as exc:
        raise CommandError(f"--introspection-client {exc}") from None
    try:
        agreement = load_configured_agreement()
        runtime = runtime_from_environment()
        # As every command that opens a store: bring it to the newest schema, and make sure
        # it is this administration's.
        asyncio.run(prepare_store(arguments.database_url, administration))
        engine = create_engine(arguments.database_url)
    except (AgreementError, ConfigurationError, UnsupportedDatabaseURL, StoreMismatch) as exc:
        raise CommandError(str(exc)) from None
    # This store is the one the administration's own built-in issuer keeps its deny-list in.
    try:
        trusts = trusted_issuers(
            agreement,
            given_issuers(arguments.issuer_jwks),
            {administration: StoreRevocations(engine, shared=shared.deny_list(runtime))},
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
    limits = agreement.limits
    app = create_subgraph_app(
        administration,
        engine,
        verifier,
        agreement,
        introspection_clients=introspection,
        partner=partner,
        telemetry=Telemetry.for_service(f"cmaa-subgraph-{administration.value}", runtime),
        rate_limiter=shared.rate_limiter(
            runtime, f"subgraph-{administration.value}", limits.rate_per_minute * limits.max_depth
        ),
    )
    serve_subgraph(app, arguments.host, arguments.port)
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
