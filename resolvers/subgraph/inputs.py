"""List arguments of the subgraph, and their translation into the source's filters."""

import re
from datetime import UTC, datetime
from enum import StrEnum

import strawberry

from resolvers.errors import BadUserInput
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.filters import Direction as FilterDirection
from resolvers.vocabulary.enums import (
    Administration,
    AuditDecision,
    CaseStatus,
    Direction,
    EntityKind,
    IdentifierType,
    OffenceType,
    RequestStatus,
)
from store.audit import AuditTrailFilter
from store.identifiers import Identifier, InvalidIdentifier, normalise_identifier

MAX_TEXT_LENGTH = 200
MAX_PROBE_KEYS = 100
LOGGED_RECORD = re.compile(r"^[A-Z_]{1,40}:[1-9][0-9]{0,17}$")


@strawberry.input(description="A typed identifier to match, validated and normalised first.")
class IdentifierInput:
    type: IdentifierType
    value: str
    issuing_country: str | None = None


@strawberry.input(name="CaseFilter")
class CaseFilterInput:
    statuses: list[CaseStatus] | None = None
    offence_types: list[OffenceType] | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    text: str | None = None
    identifier: IdentifierInput | None = None


@strawberry.input(name="EntityFilter")
class EntityFilterInput:
    kinds: list[EntityKind] | None = None
    name: str | None = None
    identifier: IdentifierInput | None = None


@strawberry.input(description="An identifier in its matching form (type and normalised value).")
class IdentifierKeyInput:
    type: IdentifierType
    normalised: str


@strawberry.input(
    name="MatchProbe",
    description="What an entity is known by, to find the same entity among this owner's.",
)
class MatchProbeInput:
    identifiers: list[IdentifierKeyInput] | None = None
    name_keys: list[str] | None = None


@strawberry.input(name="AssistanceRequestFilter")
class RequestFilterInput:
    statuses: list[RequestStatus] | None = None
    direction: Direction | None = None
    due_before: datetime | None = None


@strawberry.input(name="AuditTrailFilter")
class AuditTrailFilterInput:
    actor_administration: Administration | None = None
    operation: str | None = None
    decision: AuditDecision | None = None
    record_id: str | None = strawberry.field(
        default=None, description="A record as the log names it: type:local id."
    )
    at_from: datetime | None = None
    at_to: datetime | None = None


def _values(members: list[StrEnum] | None) -> tuple[str, ...]:
    return tuple(member.value for member in members or ())


def _moment(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # A moment without an offset is read as UTC, the stores' only time zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_TEXT_LENGTH:
        raise BadUserInput(f"At most {MAX_TEXT_LENGTH} characters.", field=field)
    return value


def _identifier(value: IdentifierInput | None, field: str) -> Identifier | None:
    if value is None:
        return None
    try:
        return normalise_identifier(value.type.value, value.value, value.issuing_country)
    except InvalidIdentifier as exc:
        raise BadUserInput(str(exc), field=field) from None


def case_filter(value: CaseFilterInput | None) -> CaseFilter:
    if value is None:
        return CaseFilter()
    return CaseFilter(
        statuses=_values(value.statuses),  # type: ignore[arg-type]
        offence_types=_values(value.offence_types),  # type: ignore[arg-type]
        opened_from=_moment(value.opened_from),
        opened_to=_moment(value.opened_to),
        text=_text(value.text, "filter.text"),
        identifier=_identifier(value.identifier, "filter.identifier"),
    )


def entity_filter(value: EntityFilterInput | None) -> EntityFilter:
    if value is None:
        return EntityFilter()
    return EntityFilter(
        kinds=_values(value.kinds),  # type: ignore[arg-type]
        name=_text(value.name, "filter.name"),
        identifier=_identifier(value.identifier, "filter.identifier"),
    )


def request_filter(value: RequestFilterInput | None) -> RequestFilter:
    if value is None:
        return RequestFilter()
    return RequestFilter(
        statuses=_values(value.statuses),  # type: ignore[arg-type]
        direction=None if value.direction is None else FilterDirection(value.direction.value),
        due_before=_moment(value.due_before),
    )


def match_probe(value: MatchProbeInput) -> MatchProbe:
    identifiers = value.identifiers or []
    name_keys = value.name_keys or []
    if len(identifiers) > MAX_PROBE_KEYS or len(name_keys) > MAX_PROBE_KEYS:
        raise BadUserInput(f"At most {MAX_PROBE_KEYS} keys of each kind.", field="probe")
    for key in (*name_keys, *(identifier.normalised for identifier in identifiers)):
        _text(key, "probe")
    return MatchProbe(
        identifiers=tuple((key.type.value, key.normalised) for key in identifiers),
        name_keys=tuple(name_keys),
    )


def audit_filter(value: AuditTrailFilterInput | None) -> AuditTrailFilter:
    if value is None:
        return AuditTrailFilter()
    record_id = _text(value.record_id, "filter.recordId")
    if record_id is not None and not LOGGED_RECORD.match(record_id):
        raise BadUserInput("Name a record as the log does: type:local id.", field="filter.recordId")
    return AuditTrailFilter(
        actor_administration=None
        if value.actor_administration is None
        else value.actor_administration.value,
        operation=_text(value.operation, "filter.operation"),
        decision=None if value.decision is None else value.decision.value,
        record_id=record_id,
        at_from=_moment(value.at_from),
        at_to=_moment(value.at_to),
    )
