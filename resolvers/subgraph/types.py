"""Object types of an administration's subgraph: the source's records, field for field.

A record is returned as it is; scalar fields read its attributes, so no resolver runs for
them. The few resolvers here are synchronous and build a global id from the owner, which a
nested record (a release reference, a consent, a release item) does not carry itself.

Every type is @shareable: both administrations serve the same schema, and Federation 2
otherwise refuses a field that two subgraphs resolve. The one difference is the reference to
an entity of a given holder (UsEntity, UzEntity): only the holder's subgraph resolves it, so a
case's party held by the partner is fetched from the partner's subgraph.
"""

from datetime import datetime
from typing import Any

import orjson
import strawberry
from strawberry import federation
from strawberry.types import Info

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
from resolvers.subgraph.scalars import Long
from resolvers.vocabulary import types as shared
from resolvers.vocabulary.enums import (
    Administration,
    IdentifierType,
    PartyRole,
    RecordType,
)
from resolvers.vocabulary.types import (
    answers_for,
    description_of,
    persons_concerned,
    release_reference,
)
from store.audit import LoggedEntry
from store.models.domain import Administration as DomainAdministration


def value_type(description: str, name: str | None = None) -> Any:
    """A shareable type any authenticated caller may read where its parent is readable."""
    return federation.type(name=name, description=description, shareable=True, authenticated=True)


def record_type(fields: type, scope: str) -> Any:
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
    def released_under(self) -> ReleaseReference | None:
        return release_reference(self, ReleaseReference)  # type: ignore[arg-type]

    @strawberry.field
    def consents(self) -> list[GrantedConsent]:
        handling: HandlingRecord = self  # type: ignore[assignment]
        return [_consent(handling, consent) for consent in handling.consents]

    is_type_of = answers_for(HandlingRecord)


def _consent(handling: HandlingRecord, consent: GrantedConsentRecord) -> GrantedConsent:
    return GrantedConsent(
        id=strawberry.ID(global_id("Consent", handling.owner, consent.id)),
        use=consent.use,  # type: ignore[arg-type]
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


def _entity_reference(administration: DomainAdministration) -> Any:
    """The type naming an entity `administration` holds (UsEntity, UzEntity), for a case of
    either administration to point at. Both subgraphs declare it, keyed by the entity's global
    id, but only the holder's gives it its `entity`: Federation then fetches the record from the
    holder, through `_entities`, under the holder's policy (resolvers.subgraph.schema hides the
    field in the other subgraph)."""
    name = reference_type_name(administration)

    @federation.type(
        name=name,
        keys=["id"],
        authenticated=True,
        description=f"An entity {administration.value} holds, by its global id; its record is "
        f"read from {administration.value}'s subgraph.",
    )
    class EntityReference:
        id: strawberry.ID

        @strawberry.field(description="The entity, where the caller may read it; else null.")
        async def entity(self, info: Info) -> Entity | None:
            return await info.context.references("Entity").load(self.id)

    return EntityReference


def reference_type_name(administration: DomainAdministration) -> str:
    return f"{administration.value.capitalize()}Entity"


ENTITY_REFERENCES: dict[DomainAdministration, Any] = {
    administration: _entity_reference(administration) for administration in DomainAdministration
}
UsEntity = ENTITY_REFERENCES[DomainAdministration.US]
UzEntity = ENTITY_REFERENCES[DomainAdministration.UZ]


def entity_reference(party: PartyRecord, administration: DomainAdministration) -> Any:
    """The party's entity as a reference, where `administration` holds it; else None."""
    if party.entity_owner != administration:
        return None
    return ENTITY_REFERENCES[administration](
        id=strawberry.ID(global_id("Entity", party.entity_owner, party.entity_id))
    )


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
    def case_id(self) -> strawberry.ID:
        party: PartyRecord = self  # type: ignore[assignment]
        return strawberry.ID(global_id("Case", party.case_owner, party.case_id))

    @strawberry.field(description="The global id of the entity, held by entityOwner.")
    def entity_id(self) -> strawberry.ID:
        party: PartyRecord = self  # type: ignore[assignment]
        return strawberry.ID(global_id("Entity", party.entity_owner, party.entity_id))

    @strawberry.field(description="The entity, where the US holds it.")
    def us_entity(self) -> UsEntity | None:  # type: ignore[valid-type]
        return entity_reference(self, DomainAdministration.US)  # type: ignore[arg-type]

    @strawberry.field(description="The entity, where UZ holds it.")
    def uz_entity(self) -> UzEntity | None:  # type: ignore[valid-type]
        return entity_reference(self, DomainAdministration.UZ)  # type: ignore[arg-type]

    is_type_of = answers_for(PartyRecord)


@record_type(shared.CaseFields, CASES_READ)
class Case(shared.CaseFields):
    handling: Handling

    @strawberry.field(description="Its links to entities in roles, each entity of either holder.")
    async def parties(self, info: Info) -> list[CaseParty]:
        case: CaseRecord = self  # type: ignore[assignment]
        return await info.context.parties_of_case(case.id)


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
    def case_id(self) -> strawberry.ID:
        evidence: EvidenceRecord = self  # type: ignore[assignment]
        return strawberry.ID(global_id("Case", evidence.case_owner, evidence.case_id))


@value_type(description_of(shared.PersonConcerned))
class PersonConcerned(shared.PersonConcerned):
    pass


@record_type(shared.AssistanceRequestFields, REQUESTS_READ)
class AssistanceRequest(shared.AssistanceRequestFields):
    @strawberry.field(description="Null where the caller may not read personal data.")
    def persons_concerned(self) -> list[PersonConcerned] | None:
        return persons_concerned(self, PersonConcerned)  # type: ignore[arg-type]

    @strawberry.field(description="The requester's own case; null for the requested side.")
    def case_id(self) -> strawberry.ID | None:
        request: RequestRecord = self  # type: ignore[assignment]
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
    def items(self) -> list[ReleaseItem]:
        release: ReleaseRecord = self  # type: ignore[assignment]
        return [
            ReleaseItem(
                record_type=item.record_type,  # type: ignore[arg-type]
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
    def detail(self) -> str:
        entry: LoggedEntry = self  # type: ignore[assignment]
        return orjson.dumps(entry.detail, option=orjson.OPT_SORT_KEYS).decode()
