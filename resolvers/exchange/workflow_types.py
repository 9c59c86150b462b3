"""Types of the agreement's procedures: inputs of the mutations and what they return.

The inputs are resolvers.vocabulary.inputs'; the exchange adds the request a decision or a
response is about, which the subgraph takes as a snapshot of its own.
"""

import strawberry

from resolvers.exchange.types import AssistanceRequest, Release
from resolvers.vocabulary import inputs as shared
from resolvers.vocabulary.inputs import (
    AssistanceRequestInput,
    ConsentInput,
    CustodyEventInput,
    ReleaseInput,
)
from resolvers.vocabulary.types import ConsentRequestFields, DecisionFields, EntityLinkFields


@strawberry.input
class DecisionInput(shared.DecisionInput):
    request_id: strawberry.ID


@strawberry.input
class ResponseInput:
    request_id: strawberry.ID
    release: ReleaseInput


Decision = DecisionFields


@strawberry.type
class DecisionPayload:
    decision: Decision
    request: AssistanceRequest | None


@strawberry.type
class ResponsePayload:
    release: Release
    request: AssistanceRequest | None


ConsentRequest = ConsentRequestFields
EntityLink = EntityLinkFields


__all__ = ["AssistanceRequestInput", "ConsentInput", "CustodyEventInput", "ReleaseInput"]
