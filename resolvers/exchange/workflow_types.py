"""Types of the agreement's procedures: inputs of the mutations and what they return.

The inputs are resolvers.vocabulary.inputs'; the exchange adds the request a decision or a
response is about, which the subgraph takes as a snapshot of its own.
"""

from datetime import datetime

import strawberry

from resolvers.exchange.types import AssistanceRequest, Release
from resolvers.vocabulary import inputs as shared
from resolvers.vocabulary.enums import (
    Administration,
    ConsentStatus,
    DecisionKind,
    Use,
)
from resolvers.vocabulary.inputs import (
    AssistanceRequestInput,
    ConsentInput,
    CustodyEventInput,
    ReleaseInput,
)


@strawberry.input
class DecisionInput(shared.DecisionInput):
    request_id: strawberry.ID


@strawberry.input
class ResponseInput:
    request_id: strawberry.ID
    release: ReleaseInput


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


__all__ = ["AssistanceRequestInput", "ConsentInput", "CustodyEventInput", "ReleaseInput"]
