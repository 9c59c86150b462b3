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

Administration = domain.Administration
TLP = domain.TLP
CaseStatus = domain.CaseStatus
OffenceType = domain.OffenceType
EntityKind = domain.EntityKind
ConveyanceType = domain.ConveyanceType
PartyRole = domain.PartyRole
EvidenceKind = domain.EvidenceKind
AssistanceType = domain.AssistanceType
Urgency = domain.Urgency
RequestStatus = domain.RequestStatus
ReleaseBasis = domain.ReleaseBasis
RecordType = domain.RecordType
Use = domain.Use
IdentifierType = IdentifierTypeValue
Direction = DirectionValue
AuditDecision = domain.AuditDecision
DecisionKind = domain.DecisionKind
ConsentStatus = domain.ConsentStatus
RequestAction = Action

# strawberry.enum records the GraphQL definition on the class it is given and returns that
# same class: the names above stay plain aliases of the domain enums, which a type checker
# understands as types (a name bound to a call's result is only a variable to it).
strawberry.enum(Administration, description="A party to the agreement.")
strawberry.enum(TLP, description="Traffic Light Protocol sharing level.")
strawberry.enum(CaseStatus)
strawberry.enum(OffenceType)
strawberry.enum(EntityKind)
strawberry.enum(ConveyanceType)
strawberry.enum(PartyRole)
strawberry.enum(EvidenceKind)
strawberry.enum(AssistanceType)
strawberry.enum(Urgency)
strawberry.enum(RequestStatus)
strawberry.enum(ReleaseBasis)
strawberry.enum(RecordType, description="A kind of record a release can cover.")
strawberry.enum(Use, description="A use of released information.")
strawberry.enum(IdentifierType)
strawberry.enum(Direction, description="Relative to the caller's administration.")
strawberry.enum(AuditDecision, description="Whether the access or change was permitted or refused.")
strawberry.enum(DecisionKind, description="The requested administration's decision.")
strawberry.enum(ConsentStatus, description="Where a consent request stands.")
strawberry.enum(
    RequestAction, name="RequestAction", description="A step in an assistance request's life."
)


@strawberry.enum(description="What the requested administration did about a request.")
class PartnerActionKind(StrEnum):
    DECISION = "DECISION"
    RELEASE = "RELEASE"
