"""Filter inputs of the exchange schema, and their translation into source filters."""

from datetime import datetime

import strawberry

from resolvers.errors import BadUserInput
from resolvers.sources.filters import CaseFilter as CaseFilterValue
from resolvers.sources.filters import EntityFilter as EntityFilterValue
from resolvers.sources.filters import RequestFilter as RequestFilterValue
from resolvers.vocabulary.enums import (
    Administration,
    CaseStatus,
    Direction,
    EntityKind,
    OffenceType,
    RequestStatus,
)
from store.identifiers import Identifier, IdentifierType, InvalidIdentifier, normalise_identifier
from store.models._base import as_utc

MAX_TEXT = 200


@strawberry.input(description="An identifier to match, as printed on the document.")
class IdentifierInput:
    type: str
    value: str
    issuing_country: str | None = None


@strawberry.input
class CaseFilter:
    status: list[CaseStatus] | None = None
    offence_types: list[OffenceType] | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    text: str | None = None
    identifier: IdentifierInput | None = None
    owners: list[Administration] | None = strawberry.field(
        default=None,
        description="Only cases held by these administrations; both when absent.",
    )


@strawberry.input
class EntityFilter:
    kinds: list[EntityKind] | None = None
    name: str | None = None
    identifier: IdentifierInput | None = None


@strawberry.input
class AssistanceRequestFilter:
    status: list[RequestStatus] | None = None
    direction: Direction | None = None
    due_before: datetime | None = None


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise BadUserInput(f"{field} is longer than {MAX_TEXT} characters.", field=field)
    return value or None


def _identifier(value: IdentifierInput | None, field: str) -> Identifier | None:
    if value is None:
        return None
    try:
        return normalise_identifier(IdentifierType(value.type), value.value, value.issuing_country)
    except ValueError as exc:
        if isinstance(exc, InvalidIdentifier):
            raise BadUserInput(str(exc), field=field) from None
        known = ", ".join(kind.value for kind in IdentifierType)
        raise BadUserInput(
            f"Unknown identifier type; use one of {known}.", field=f"{field}.type"
        ) from None


def _utc(moment: datetime | None) -> datetime | None:
    """An instant given without an offset is read as UTC, like every instant we store."""
    return as_utc(moment)


def case_filter(value: CaseFilter | None) -> CaseFilterValue:
    if value is None:
        return CaseFilterValue()
    opened_from, opened_to = _utc(value.opened_from), _utc(value.opened_to)
    if opened_from and opened_to and opened_from > opened_to:
        raise BadUserInput("openedFrom is after openedTo.", field="filter.openedFrom")
    return CaseFilterValue(
        statuses=tuple(status.value for status in value.status or ()),
        offence_types=tuple(offence.value for offence in value.offence_types or ()),
        opened_from=opened_from,
        opened_to=opened_to,
        text=_text(value.text, "filter.text"),
        identifier=_identifier(value.identifier, "filter.identifier"),
    )


def case_owners(value: CaseFilter | None) -> list[Administration] | None:
    """The administrations whose cases to list, sorted and once each; None for both.

    The choice of sources is the exchange's, not a source filter: each source holds one
    administration's records.
    """
    if value is None or value.owners is None:
        return None
    if not value.owners:
        raise BadUserInput(
            "owners must name at least one administration; leave it out for both.",
            field="filter.owners",
        )
    owners = sorted(set(value.owners))
    # Both, however spelled, is the unfiltered list: the same cursors serve it.
    return None if owners == sorted(Administration) else owners


def entity_filter(value: EntityFilter | None) -> EntityFilterValue:
    if value is None:
        return EntityFilterValue()
    return EntityFilterValue(
        kinds=tuple(kind.value for kind in value.kinds or ()),
        name=_text(value.name, "filter.name"),
        identifier=_identifier(value.identifier, "filter.identifier"),
    )


def request_filter(value: AssistanceRequestFilter | None) -> RequestFilterValue:
    if value is None:
        return RequestFilterValue()
    return RequestFilterValue(
        statuses=tuple(status.value for status in value.status or ()),
        direction=value.direction,
        due_before=_utc(value.due_before),
    )
