"""The scope catalogue of agreement.toml, the one place a scope is named in code, and scopes
as tokens carry them: space-separated, in catalogue order."""

from collections.abc import Iterable, Mapping

CASES_READ = "cmaa.cases:read"
ENTITIES_READ = "cmaa.entities:read"
PII_READ = "cmaa.pii:read"
EVIDENCE_READ = "cmaa.evidence:read"
EVIDENCE_CONTENT = "cmaa.evidence:content"
REQUESTS_READ = "cmaa.requests:read"
REQUESTS_WRITE = "cmaa.requests:write"
REQUESTS_DECIDE = "cmaa.requests:decide"
DISCLOSURES_WRITE = "cmaa.disclosures:write"
CONSENTS_WRITE = "cmaa.consents:write"
CUSTODY_WRITE = "cmaa.custody:write"
AUDIT_READ = "cmaa.audit:read"

# Every scope above, in agreement.toml's order (a test holds the two equal).
CATALOGUE = (
    CASES_READ,
    ENTITIES_READ,
    PII_READ,
    EVIDENCE_READ,
    EVIDENCE_CONTENT,
    REQUESTS_READ,
    REQUESTS_WRITE,
    REQUESTS_DECIDE,
    DISCLOSURES_WRITE,
    CONSENTS_WRITE,
    CUSTODY_WRITE,
    AUDIT_READ,
)
# The scopes of the agreement's procedures: they change records or decide on requests.
PROCEDURE_SCOPES = (
    REQUESTS_WRITE,
    REQUESTS_DECIDE,
    DISCLOSURES_WRITE,
    CONSENTS_WRITE,
    CUSTODY_WRITE,
)

# Scopes that only let a caller look at records (including evidence content); the others
# change records or decide on requests.
READ_ACTIONS = frozenset({"read", "content"})


def parse_scope(text: str | None) -> list[str]:
    """The scopes of a space-separated scope string, each once, in the order given."""
    if not text:
        return []
    return list(dict.fromkeys(text.split()))


def format_scope(scopes: Iterable[str], catalogue: Mapping[str, str]) -> str:
    """A scope string in catalogue order, so equal grants always read the same."""
    wanted = set(scopes)
    return " ".join(scope for scope in catalogue if scope in wanted)


def known(scopes: Iterable[str], catalogue: Mapping[str, str]) -> frozenset[str]:
    """The scopes the agreement defines; anything else means nothing here."""
    return frozenset(scope for scope in scopes if scope in catalogue)


def read_scopes(catalogue: Mapping[str, str]) -> list[str]:
    return [scope for scope in catalogue if scope.rsplit(":", 1)[-1] in READ_ACTIONS]


def unknown_scopes(scopes: Iterable[str], catalogue: Mapping[str, str]) -> list[str]:
    return [scope for scope in scopes if scope not in catalogue]
