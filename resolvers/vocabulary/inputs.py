"""Input types both schemas take, and the one normalisation of what they carry.

Text is stripped, an empty text means no condition (null), and no text is longer than
MAX_TEXT_LENGTH; an identifier is typed by the IdentifierType enum and normalised before it
reaches a source. A schema whose input differs in a field or two (the exchange's
`CaseFilter.owners`, the subgraph's `statuses`) subclasses the shared part here.
"""

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

import strawberry

from resolvers.errors import BadUserInput
from resolvers.sources.drafts import ConsentDraft, CustodyDraft, DecisionDraft, ReleaseDraft
from resolvers.sources.filters import CaseFilter as CaseFilterValue
from resolvers.sources.filters import EntityFilter as EntityFilterValue
from resolvers.sources.filters import RequestFilter as RequestFilterValue
from resolvers.vocabulary.enums import (
    Administration,
    AssistanceType,
    AuditDecision,
    DecisionKind,
    Direction,
    EntityKind,
    IdentifierType,
    OffenceType,
    Urgency,
    Use,
)
from store.audit import AuditTrailFilter as AuditTrailFilterValue
from store.identifiers import Identifier, InvalidIdentifier, normalise_identifier
from store.models.domain import RecordType

# How the audit log names a record: its type and local id.
LOGGED_RECORD = re.compile(r"^[A-Z_]{1,40}:[1-9][0-9]{0,17}$")
# The longest text a filter or a matching key may carry: longer matches nothing we store.
MAX_TEXT_LENGTH = 200


def text(value: str | None, field: str) -> str | None:
    """The text without surrounding blanks; None where nothing is left."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT_LENGTH:
        raise BadUserInput(f"{field} is longer than {MAX_TEXT_LENGTH} characters.", field=field)
    return value or None


def utc(moment: datetime | None) -> datetime | None:
    """The instant in UTC, the stores' only time zone; one given without an offset is UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def values(members: Iterable[StrEnum] | None) -> tuple[str, ...]:
    return tuple(member.value for member in members or ())


@strawberry.input(description="An identifier to match, as printed on the document.")
class IdentifierInput:
    type: IdentifierType
    value: str
    issuing_country: str | None = None


def identifier(value: IdentifierInput | None, field: str) -> Identifier | None:
    if value is None:
        return None
    try:
        return normalise_identifier(value.type.value, value.value, value.issuing_country)
    except InvalidIdentifier as exc:
        raise BadUserInput(str(exc), field=field) from None


@strawberry.input(name="CaseFilter")
class CaseFilterFields:
    """What both schemas' CaseFilter hold; each names its list of statuses itself."""

    offence_types: list[OffenceType] | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    text: str | None = None
    identifier: IdentifierInput | None = None


def case_filter(
    value: CaseFilterFields | None, statuses: Iterable[StrEnum] | None
) -> CaseFilterValue:
    if value is None:
        return CaseFilterValue()
    opened_from, opened_to = utc(value.opened_from), utc(value.opened_to)
    if opened_from and opened_to and opened_from > opened_to:
        raise BadUserInput("openedFrom is after openedTo.", field="filter.openedFrom")
    return CaseFilterValue(
        statuses=values(statuses),
        offence_types=values(value.offence_types),
        opened_from=opened_from,
        opened_to=opened_to,
        text=text(value.text, "filter.text"),
        identifier=identifier(value.identifier, "filter.identifier"),
    )


@strawberry.input
class EntityFilter:
    kinds: list[EntityKind] | None = None
    name: str | None = None
    identifier: IdentifierInput | None = None


def entity_filter(value: EntityFilter | None) -> EntityFilterValue:
    if value is None:
        return EntityFilterValue()
    return EntityFilterValue(
        kinds=values(value.kinds),
        name=text(value.name, "filter.name"),
        identifier=identifier(value.identifier, "filter.identifier"),
    )


@strawberry.input(name="AssistanceRequestFilter")
class RequestFilterFields:
    """What both schemas' AssistanceRequestFilter hold; each names its statuses itself."""

    direction: Direction | None = None
    due_before: datetime | None = None


def request_filter(
    value: RequestFilterFields | None, statuses: Iterable[StrEnum] | None
) -> RequestFilterValue:
    if value is None:
        return RequestFilterValue()
    return RequestFilterValue(
        statuses=values(statuses),
        direction=value.direction,
        due_before=utc(value.due_before),
    )


@strawberry.input(
    name="AuditTrailFilter", description="Entries to look for; every condition given must hold."
)
class AuditTrailFilterFields:
    """What both schemas' AuditTrailFilter hold; each says itself how it names a record."""

    actor_administration: Administration | None = None
    operation: str | None = None
    decision: AuditDecision | None = None
    at_from: datetime | None = strawberry.field(default=None, description="From this instant.")
    at_to: datetime | None = strawberry.field(default=None, description="Before this instant.")


def audit_filter(value: AuditTrailFilterFields, record_id: str | None) -> AuditTrailFilterValue:
    """The filter, with the record already in the log's own naming (type:local id)."""
    at_from, at_to = utc(value.at_from), utc(value.at_to)
    if at_from and at_to and at_from > at_to:
        raise BadUserInput("atFrom is after atTo.", field="filter.atFrom")
    return AuditTrailFilterValue(
        actor_administration=None
        if value.actor_administration is None
        else value.actor_administration.value,
        operation=text(value.operation, "filter.operation"),
        decision=None if value.decision is None else value.decision.value,
        record_id=record_id,
        at_from=at_from,
        at_to=at_to,
    )


# -- the procedures' inputs -----------------------------------------------------------------------


@strawberry.input
class PersonConcernedInput:
    name: str
    address: str | None = None


@strawberry.input(description="Every field the agreement requires of a request for assistance.")
class AssistanceRequestInput:
    requested_administration: Administration
    matter: str
    assistance_type: AssistanceType
    reasons: str
    case_description: str
    legal_provisions: list[str]
    persons_concerned: list[PersonConcernedInput] = strawberry.field(default_factory=list)
    case_id: strawberry.ID | None = strawberry.field(
        default=None, description="The requester's own case."
    )
    urgency: Urgency = strawberry.field(default=Urgency.ROUTINE)
    oral: bool = False


@strawberry.input
class DecisionInput:
    decision: DecisionKind
    ground: str | None = None
    reason: str | None = None
    conditions: list[str] = strawberry.field(default_factory=list)

    def draft(self) -> DecisionDraft:
        return DecisionDraft(
            decision=self.decision,
            ground=self.ground,
            reason=self.reason,
            conditions=tuple(self.conditions),
        )


@strawberry.input(description="Records to release, and the conditions they go under.")
class ReleaseInput:
    records: list[strawberry.ID]
    purpose: str
    permitted_uses: list[Use]
    includes_personal_data: bool = False
    expires_at: datetime

    def draft(self, records: tuple[tuple[RecordType, int], ...]) -> ReleaseDraft:
        return ReleaseDraft(
            records=records,
            purpose=self.purpose,
            permitted_uses=values(self.permitted_uses),
            includes_personal_data=self.includes_personal_data,
            expires_at=self.expires_at,
        )


@strawberry.input(description="Records, and the use asked for them.")
class ConsentInput:
    records: list[strawberry.ID]
    use: Use
    purpose: str
    recipient_agency: str | None = None
    recipient_country: str | None = None

    def draft(self, records: tuple[tuple[RecordType, int], ...]) -> ConsentDraft:
        return ConsentDraft(
            records=records,
            use=self.use,
            recipient_agency=self.recipient_agency,
            recipient_country=self.recipient_country,
            purpose=self.purpose,
        )


@strawberry.input
class CustodyEventInput:
    from_holder: str
    to_holder: str
    at: datetime
    purpose: str
    seal: str | None = None
    condition: str = ""
    returned: bool = strawberry.field(
        default=False, description="True when this event returns an original to its owner."
    )

    def draft(self) -> CustodyDraft:
        return CustodyDraft(
            from_holder=self.from_holder,
            to_holder=self.to_holder,
            at=self.at,
            purpose=self.purpose,
            seal=self.seal,
            condition=self.condition,
            returned=self.returned,
        )
