"""The scope catalogue of agreement.toml as tokens carry it: space-separated, catalogue order."""

from collections.abc import Iterable, Mapping

PERSONAL_DATA = "cmaa.pii:read"

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
