"""The agreement's vocabulary as GraphQL enums (values as in store.models.domain)."""

import strawberry

from resolvers.sources.filters import Direction as DirectionValue
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
Use = strawberry.enum(domain.Use, description="A use of released information.")
Direction = strawberry.enum(DirectionValue, description="Relative to the caller's administration.")
