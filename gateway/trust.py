"""Which token issuers a service trusts: those agreement.toml lists for each party, with the
JWKS URL of each built-in issuer given where the service runs (`cmaa subgraph` and
`cmaa gateway` decide trust here, in one place)."""

from collections.abc import Mapping
from urllib.parse import urlsplit

from auth.revocations import RevocationList
from auth.verification import HttpKeySource, IssuerKeys, IssuerTrust
from store.agreement import Agreement
from store.models.domain import Administration


class UntrustedIssuer(ValueError):
    """An issuer named that the agreement does not trust, or a built-in one left unnamed."""


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
                    raise UntrustedIssuer(
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
        raise UntrustedIssuer(f"agreement.toml does not trust the issuer {unknown[0]}")
    return trusts
