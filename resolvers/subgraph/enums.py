"""The agreement's vocabulary as the subgraph's GraphQL enums.

Each is a copy of its store.models.domain enum rather than the domain class itself: wrapping a
class registers a GraphQL definition on it, and the exchange schema wraps the domain classes
with its own descriptions. Records hold plain strings (or domain members); both serialise,
because the copies are StrEnums with the same values.
"""

from enum import StrEnum

import strawberry

from resolvers.sources import filters
from store.identifiers import IdentifierType as DomainIdentifierType
from store.models import domain


def _copy(original: type[StrEnum], description: str | None = None) -> type[StrEnum]:
    copied = StrEnum(original.__name__, {member.name: member.value for member in original})
    return strawberry.enum(copied, description=description)


Administration = _copy(domain.Administration, "A party to the agreement.")
TLP = _copy(domain.TLP, "Traffic Light Protocol sharing level.")
CaseStatus = _copy(domain.CaseStatus)
OffenceType = _copy(domain.OffenceType)
EntityKind = _copy(domain.EntityKind)
ConveyanceType = _copy(domain.ConveyanceType)
PartyRole = _copy(domain.PartyRole)
EvidenceKind = _copy(domain.EvidenceKind)
AssistanceType = _copy(domain.AssistanceType)
Urgency = _copy(domain.Urgency)
RequestStatus = _copy(domain.RequestStatus)
ReleaseBasis = _copy(domain.ReleaseBasis)
RecordType = _copy(domain.RecordType, "A kind of record a release can cover.")
Use = _copy(domain.Use, "A use of released information.")
IdentifierType = _copy(DomainIdentifierType)
Direction = _copy(filters.Direction, "Relative to the caller's administration.")
AuditDecision = _copy(domain.AuditDecision, "Whether an access or change was permitted.")
