"""Filters a caller may put on a list; a source turns them into SQL (or GraphQL arguments)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from store.identifiers import Identifier


class Direction(StrEnum):
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


@dataclass(frozen=True, slots=True)
class CaseFilter:
    statuses: tuple[str, ...] = ()
    offence_types: tuple[str, ...] = ()
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    text: str | None = None
    identifier: Identifier | None = None


@dataclass(frozen=True, slots=True)
class EntityFilter:
    kinds: tuple[str, ...] = ()
    name: str | None = None
    identifier: Identifier | None = None


@dataclass(frozen=True, slots=True)
class MatchProbe:
    """What an entity is known by, to find the same entity among another owner's records."""

    identifiers: tuple[tuple[str, str], ...] = ()  # (type, normalised value)
    name_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestFilter:
    statuses: tuple[str, ...] = ()
    direction: Direction | None = None
    due_before: datetime | None = None
