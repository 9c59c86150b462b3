"""Object types of an administration's subgraph: the source's records, field for field.

A record is returned as it is; scalar fields read its attributes, so no resolver runs for
them. The few resolvers here are synchronous and build a global id from the owner, which a
nested record (a release reference, a consent, a release item) does not carry itself.

Every type is @shareable: both administrations serve the same schema, and Federation 2
otherwise refuses a field that two subgraphs resolve. The one difference is the reference to
an entity of a given holder (UsEntity, UzEntity): only the holder's subgraph resolves it, so a
case's party held by the partner is fetched from the partner's subgraph.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar, dataclass_transform

import orjson
import strawberry
from strawberry import federation
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from auth.policy.scopes import AUDIT_READ, CASES_READ, ENTITIES_READ, EVIDENCE_READ, REQUESTS_READ
from resolvers.sources.ids import TYPE_NAME_OF_RECORD, global_id
from resolvers.sources.records import (
    CaseRecord,
    EvidenceRecord,
    IdentifierRecord,
    PartyRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.sources.records import (
    GrantedConsent as GrantedConsentRecord,
)
from resolvers.sources.records import (
    Handling as HandlingRecord,
)
from resolvers.subgraph.context import SubgraphContext
from resolvers.subgraph.scalars import Long
from resolvers.vocabulary import types as shared
from resolvers.vocabulary.enums import (
    Administration,
    IdentifierType,
    PartyRole,
    RecordType,
    Use,
)
from resolvers.vocabulary.types import (
    answers_for,
    description_of,
    persons_concerned_field,
    release_reference,
    served_as,
)
from store.audit import LoggedEntry
from store.models.domain import Administration as DomainAdministration

T = TypeVar("T")


# As federation.type itself declares, so that a type checker knows the decorated classes'
# fields and keyword constructors.
@dataclass_transform(
    order_default=False,
    kw_only_default=True,
    field_specifiers=(federation.field, strawberry.field, StrawberryField),
)
def value_type(description: str | None, name: str | None = None) -> Callable[[type[T]], type[T]]:
    """A shareable type any authenticated caller may read where its parent is readable."""
    return federation.type(name=name, description=description, shareable=True, authenticated=True)


@dataclass_transform(
    order_default=False,
    kw_only_default=True,
    field_specifiers=(federation.field, strawberry.field, StrawberryField),
)
def record_type(fields: type, scope: str) -> Callable[[type[T]], type[T]]:
    """A record kind: an entity keyed by its global id, readable with its read scope."""
    return federation.type(
        description=description_of(fields), keys=["id"], shareable=True, requires_scopes=[[scope]]
    )


@value_type(description_of(shared.ReleaseReference))
class ReleaseReference(shared.ReleaseReference):
    pass


@value_type(description_of(shared.GrantedConsent), name="Consent")
class GrantedConsent(shared.GrantedConsent):
    id: strawberry.ID


@value_type(description_of(shared.HandlingFields))
class Handling(shared.HandlingFields):
    @strawberry.field(description="Null for the owner's own reads.")
    @staticmethod
    def released_under(handling: strawberry.Parent[HandlingRecord]) -> ReleaseReference | None:
        return release_reference(handling, ReleaseReference)

    @strawberry.field
    @staticmethod
    def consents(handling: strawberry.Parent[HandlingRecord]) -> list[GrantedConsent]:
        return [_consent(handling, consent) for consent in handling.consents]

    is_type_of = answers_for(HandlingRecord)


def _consent(handling: HandlingRecord, consent: GrantedConsentRecord) -> GrantedConsent:
    return GrantedConsent(
        id=strawberry.ID(global_id("Consent", handling.owner, consent.id)),
        use=Use(consent.use),
        recipient_agency=consent.recipient_agency,
        recipient_country=consent.recipient_country,
        decided_at=consent.decided_at,
    )


@value_type(description_of(shared.IdentifierFields))
class Identifier(shared.IdentifierFields):
    type: IdentifierType
    normalised: str

    is_type_of = answers_for(IdentifierRecord)


@record_type(shared.EntityFields, ENTITIES_READ)
class Entity(shared.EntityFields):
    name_key: str | None
    identifiers: list[Identifier]
    created_at: datetime
    handling: Handling


@strawberry.type(name="EntityReference")
class EntityReference:
    """An entity by the global id its holder gives it, for a case of either administration to
    point at. Each holder has its own type (UsEntity, UzEntity), keyed by the entity's global
    id; both subgraphs declare both, but only the holder's gives its own its `entity`:
    Federation then fetches the record from the holder, through `_entities`, under the holder's
    policy (resolvers.subgraph.schema hides the field in the other subgraph). This base is in
    no schema itself."""

    id: strawberry.ID

    @strawberry.field(description="The entity, where the caller may read it; else null.")
    async def entity(self, info: Info[SubgraphContext, None]) -> Entity | None:
        return await info.context.references("Entity").load(self.id)


def reference_type_name(administration: DomainAdministration) -> str:
    return f"{administration.value.capitalize()}Entity"


def _reference_description(holder: DomainAdministration) -> str:
    return (
        f"An entity {holder.value} holds, by its global id; its record is read from "
        f"{holder.value}'s subgraph."
    )


@federation.type(
    name=reference_type_name(DomainAdministration.US),
    keys=["id"],
    authenticated=True,
    description=_reference_description(DomainAdministration.US),
)
class UsEntity(EntityReference):
    pass


@federation.type(
    name=reference_type_name(DomainAdministration.UZ),
    keys=["id"],
    authenticated=True,
    description=_reference_description(DomainAdministration.UZ),
)
class UzEntity(EntityReference):
    pass


ENTITY_REFERENCES: dict[DomainAdministration, type[EntityReference]] = {
    DomainAdministration.US: UsEntity,
    DomainAdministration.UZ: UzEntity,
}
Reference = TypeVar("Reference", bound=EntityReference)


def entity_reference(
    party: PartyRecord, holder: DomainAdministration, kind: type[Reference]
) -> Reference | None:
    """The party's entity as a `kind` reference, where `holder` holds it; else None."""
    if party.entity_owner != holder:
        return None
    return kind(id=strawberry.ID(global_id("Entity", party.entity_owner, party.entity_id)))


@federation.type(
    description="A case's link to an entity in a role; the entity may be either "
    "administration's, and is read from its owner.",
    shareable=True,
    requires_scopes=[[CASES_READ]],
)
class CaseParty:
    role: PartyRole
    case_owner: Administration
    entity_owner: Administration

    @strawberry.field(description="The global id of the case.")
    @staticmethod
    def case_id(party: strawberry.Parent[PartyRecord]) -> strawberry.ID:
        return strawberry.ID(global_id("Case", party.case_owner, party.case_id))

    @strawberry.field(description="The global id of the entity, held by entityOwner.")
    @staticmethod
    def entity_id(party: strawberry.Parent[PartyRecord]) -> strawberry.ID:
        return strawberry.ID(global_id("Entity", party.entity_owner, party.entity_id))

    @strawberry.field(description="The entity, where the US holds it.")
    @staticmethod
    def us_entity(party: strawberry.Parent[PartyRecord]) -> UsEntity | None:
        return entity_reference(party, DomainAdministration.US, UsEntity)

    @strawberry.field(description="The entity, where UZ holds it.")
    @staticmethod
    def uz_entity(party: strawberry.Parent[PartyRecord]) -> UzEntity | None:
        return entity_reference(party, DomainAdministration.UZ, UzEntity)

    is_type_of = answers_for(PartyRecord)


@record_type(shared.CaseFields, CASES_READ)
class Case(shared.CaseFields):
    handling: Handling

    @strawberry.field(description="Its links to entities in roles, each entity of either holder.")
    @staticmethod
    async def parties(
        case: strawberry.Parent[CaseRecord], info: Info[SubgraphContext, None]
    ) -> list[CaseParty]:
        return served_as(list[CaseParty], await info.context.parties_of_case(case.id))


@value_type(description_of(shared.CustodyEvent))
class CustodyEvent(shared.CustodyEvent):
    pass


@record_type(shared.EvidenceFields, EVIDENCE_READ)
class Evidence(shared.EvidenceFields):
    case_owner: Administration
    size_bytes: Long
    custody: list[CustodyEvent]
    handling: Handling

    @strawberry.field(description="The global id of the case it supports, held by caseOwner.")
    @staticmethod
    def case_id(evidence: strawberry.Parent[EvidenceRecord]) -> strawberry.ID:
        return strawberry.ID(global_id("Case", evidence.case_owner, evidence.case_id))


@value_type(description_of(shared.PersonConcerned))
class PersonConcerned(shared.PersonConcerned):
    pass


@record_type(shared.AssistanceRequestFields, REQUESTS_READ)
class AssistanceRequest(shared.AssistanceRequestFields):
    persons_concerned = persons_concerned_field(PersonConcerned)

    @strawberry.field(description="The requester's own case; null for the requested side.")
    @staticmethod
    def case_id(request: strawberry.Parent[RequestRecord]) -> strawberry.ID | None:
        if request.case_id is None:
            return None
        return strawberry.ID(global_id("Case", request.owner, request.case_id))


@value_type("A record covered by a release.")
class ReleaseItem:
    record_type: RecordType
    record_id: strawberry.ID = strawberry.field(description="The record's global id.")


@federation.type(
    description=description_of(shared.ReleaseFields),
    shareable=True,
    requires_scopes=[[REQUESTS_READ]],
)
class Release(shared.ReleaseFields):
    @strawberry.field
    @staticmethod
    def items(release: strawberry.Parent[ReleaseRecord]) -> list[ReleaseItem]:
        return [
            ReleaseItem(
                record_type=RecordType(item.record_type),
                record_id=strawberry.ID(
                    global_id(TYPE_NAME_OF_RECORD[item.record_type], release.owner, item.record_id)
                ),
            )
            for item in release.items
        ]


@federation.type(
    description="One entry of this administration's audit log (its own officials only).",
    shareable=True,
    requires_scopes=[[AUDIT_READ]],
)
class AuditEvent(shared.AuditEventFields):
    owner: Administration
    seq: Long

    @strawberry.field(description="What else was recorded, as a JSON object.")
    @staticmethod
    def detail(entry: strawberry.Parent[LoggedEntry]) -> str:
        return orjson.dumps(entry.detail, option=orjson.OPT_SORT_KEYS).decode()
