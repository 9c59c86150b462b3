"""The agreement's vocabulary as GraphQL enums, one set for the exchange and the subgraphs.

Each wraps its domain class itself (store.models.domain and the few others), so a record may
hold a plain string or a domain member: both serialise, and an argument arrives as the domain
member the sources and the policy already compare against.
"""

from enum import StrEnum

import strawberry

from auth.policy.procedures import Action
from resolvers.sources.filters import Direction as DirectionValue
from store.identifiers import IdentifierType as IdentifierTypeValue
from store.models import domain

Administration = strawberry.enum(domain.Administration, description="A party to the agreement.")
TLP = strawberry.enum(domain.TLP, description="Traffic Light Protocol sharing level.")
CaseStatus = strawberry.enum(domain.CaseStatus)
OffenceType = strawberry.enum(domain.OffenceType)
EntityKind = strawberry.enum(domain.EntityKind)
ConveyanceType = strawberry.enum(domain.ConveyanceType)
PartyRole = strawberry.enum(domain.PartyRole)
EvidenceKind = strawberry.enum(domain.EvidenceKind)
AssistanceType = strawberry.enum(domain.AssistanceType)
Urgency = strawberry.enum(domain.Urgency)
RequestStatus = strawberry.enum(domain.RequestStatus)
ReleaseBasis = strawberry.enum(domain.ReleaseBasis)
RecordType = strawberry.enum(domain.RecordType, description="A kind of record a release can cover.")
Use = strawberry.enum(domain.Use, description="A use of released information.")
IdentifierType = strawberry.enum(IdentifierTypeValue)
Direction = strawberry.enum(DirectionValue, description="Relative to the caller's administration.")
AuditDecision = strawberry.enum(
    domain.AuditDecision, description="Whether the access or change was permitted or refused."
)
DecisionKind = strawberry.enum(
    domain.DecisionKind, description="The requested administration's decision."
)
ConsentStatus = strawberry.enum(domain.ConsentStatus, description="Where a consent request stands.")
RequestAction = strawberry.enum(
    Action, name="RequestAction", description="A step in an assistance request's life."
)


@strawberry.enum(description="What the requested administration did about a request.")
class PartnerActionKind(StrEnum):
    DECISION = "DECISION"
    RELEASE = "RELEASE"
