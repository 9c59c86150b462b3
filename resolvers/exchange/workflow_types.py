"""Types of the agreement's procedures: inputs of the mutations and what they return."""

from datetime import datetime

import strawberry

from resolvers.exchange.types import AssistanceRequest, Release
from resolvers.vocabulary.enums import (
    Administration,
    AssistanceType,
    ConsentStatus,
    DecisionKind,
    Urgency,
    Use,
)


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
    case_id: strawberry.ID | None = None
    urgency: Urgency = Urgency.ROUTINE
    oral: bool = False


@strawberry.input
class DecisionInput:
    request_id: strawberry.ID
    decision: DecisionKind
    ground: str | None = None
    reason: str | None = None
    conditions: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Records to release, and the conditions they go under.")
class ReleaseInput:
    records: list[strawberry.ID]
    purpose: str
    permitted_uses: list[Use]
    includes_personal_data: bool = False
    expires_at: datetime


@strawberry.input
class ResponseInput:
    request_id: strawberry.ID
    release: ReleaseInput


@strawberry.input
class ConsentInput:
    records: list[strawberry.ID]
    use: Use
    purpose: str
    recipient_agency: str | None = None
    recipient_country: str | None = None


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


@strawberry.type(description="The requested administration's decision on a request.")
class Decision:
    decision: DecisionKind
    ground: str | None
    reason: str | None
    conditions: list[str]
    decided_at: datetime
    owner: Administration


@strawberry.type
class DecisionPayload:
    decision: Decision
    request: AssistanceRequest | None


@strawberry.type
class ResponsePayload:
    release: Release
    request: AssistanceRequest | None


@strawberry.type(
    name="Consent",
    description="The recipient's request to use released records in a way that needs consent.",
)
class ConsentRequest:
    node_id: strawberry.ID = strawberry.field(name="id")
    requesting_administration: Administration
    use: Use
    recipient_agency: str | None
    recipient_country: str | None
    purpose: str
    status: ConsentStatus
    requested_at: datetime
    decided_at: datetime | None
    reason: str | None
    owner: Administration


@strawberry.type(description="A confirmed match between an own entity and a partner's.")
class EntityLink:
    partner_administration: Administration
    reason: str
    confirmed_by: str
    confirmed_at: datetime
