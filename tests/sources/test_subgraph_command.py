"""`cmaa subgraph`: which issuers a subgraph trusts, from agreement.toml and --issuer-jwks."""

import pytest

from gateway.cli import build_parser
from gateway.commands import CommandError
from gateway.commands.subgraph_commands import given_issuers
from gateway.trust import UntrustedIssuer, builtin_administration, trusted_issuers
from store.agreement import Agreement
from store.models.domain import Administration

US_ISSUER = "https://gateway.example/oauth/us"
UZ_ISSUER = "https://gateway.example/oauth/uz"


def test_the_command_takes_its_arguments() -> None:
    arguments = build_parser().parse_args(
        [
            "subgraph",
            "--administration",
            "UZ",
            "--database-url",
            "postgresql+asyncpg://subgraph@db.example/uz",
            "--issuer-jwks",
            f"{US_ISSUER}={US_ISSUER}/jwks",
            "--issuer-jwks",
            f"{UZ_ISSUER}={UZ_ISSUER}/jwks",
        ]
    )
    assert (arguments.administration, arguments.host, arguments.port) == ("UZ", "127.0.0.1", 8100)
    assert len(arguments.issuer_jwks) == 2
    assert arguments.introspection_client == []  # nobody introspects unless named


def test_a_client_trusted_with_introspection_is_named_with_its_administration() -> None:
    """Refused before the store is opened: the database URL is never reached."""
    arguments = build_parser().parse_args(
        [
            "subgraph",
            "--administration",
            "UZ",
            "--database-url",
            "postgresql+asyncpg://nobody@127.0.0.1:1/none",
            "--introspection-client",
            "uz-graphiql",
        ]
    )
    with pytest.raises(CommandError, match="--introspection-client 'uz-graphiql'"):
        arguments.handler(arguments)


def test_built_in_issuers_are_named_on_the_command_line(agreement: Agreement) -> None:
    given = given_issuers([f"{US_ISSUER}={US_ISSUER}/jwks", f"{UZ_ISSUER}={UZ_ISSUER}/jwks"])
    trusts = trusted_issuers(agreement, given, {})
    assert {trust.issuer: trust.administration for trust in trusts} == {
        US_ISSUER: Administration.US,
        UZ_ISSUER: Administration.UZ,
    }


@pytest.mark.parametrize(
    "values",
    [
        [f"{US_ISSUER}={US_ISSUER}/jwks"],  # UZ's built-in issuer is missing
        [f"{US_ISSUER}/jwks"],  # no ISSUER=
        [f"{US_ISSUER}=ftp://gateway.example/jwks", f"{UZ_ISSUER}={UZ_ISSUER}/jwks"],
        [
            f"{US_ISSUER}={US_ISSUER}/jwks",
            f"{UZ_ISSUER}={UZ_ISSUER}/jwks",
            "https://idp.example/realms/x=https://idp.example/jwks",  # not in agreement.toml
        ],
    ],
)
def test_issuers_the_agreement_does_not_name_are_refused(
    agreement: Agreement, values: list[str]
) -> None:
    with pytest.raises((CommandError, UntrustedIssuer)):
        trusted_issuers(agreement, given_issuers(values), {})


@pytest.mark.parametrize(
    ("issuer", "administration"),
    [
        (US_ISSUER, Administration.US),
        (UZ_ISSUER + "/", Administration.UZ),
        ("https://gateway.example/oauth/fr", None),
        ("https://gateway.example/us", None),
    ],
)
def test_a_built_in_issuer_is_known_by_where_it_is_mounted(
    issuer: str, administration: Administration | None
) -> None:
    assert builtin_administration(issuer) is administration
