"""Object types of the exchange schema.

Records from the sources are returned as they are: scalar fields are plain attributes of the
record (no resolver runs for them); only relations have resolvers, each batched per request.
"""

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from auth.policy.scopes import ENTITIES_READ, EVIDENCE_READ
from resolvers.authorization import scoped_field
from resolvers.sources.ids import global_id
from resolvers.sources.records import (
    CaseRecord,
    EntityRecord,
    EvidenceRecord,
    PartyRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.sources.records import (
    Handling as HandlingRecord,
)
from resolvers.vocabulary.enums import (
    TLP,
    Administration,
    AssistanceType,
    CaseStatus,
    ConveyanceType,
    EntityKind,
    EvidenceKind,
    OffenceType,
    PartyRole,
    ReleaseBasis,
    RequestStatus,
    Urgency,
    Use,
)


def _context(info: Info) -> Any:
    return info.context


@strawberry.interface(description="An object with a global, opaque ID.")
class Node:
    node_id: strawberry.ID = strawberry.field(name="id")


@strawberry.type(description="The release a partner record was handed over under.")
class ReleaseReference:
    node_id: strawberry.ID = strawberry.field(name="id")
    basis: ReleaseBasis
    request_reference: str | None
    purpose: str
    includes_personal_data: bool


@strawberry.type
class GrantedConsent:
    use: Use
    recipient_agency: str | None
    recipient_country: str | None
    decided_at: datetime | None


@strawberry.type(description="The owner's handling conditions, carried wherever a record goes.")
class Handling:
    owner: Administration
    marking: str
    tlp: TLP
    permitted_uses: list[Use]
    consent_required_for: list[Use]
    conditions: list[str]
    expires_at: datetime | None
    consents: list[GrantedConsent]

    @strawberry.field
    def released_under(self, info: Info) -> ReleaseReference | None:
        record: HandlingRecord = self
        ref = record.released_under
        if ref is None:
            return None
        return ReleaseReference(
            node_id=strawberry.ID(global_id("Release", record.owner, ref.id)),
            basis=ref.basis,
            request_reference=ref.request_reference,
            purpose=ref.purpose,
            includes_personal_data=ref.includes_personal_data,
        )


@strawberry.type
class Identifier:
    type: str
    value: str
    issuing_country: str | None


@strawberry.type
class CustodyEvent:
    sequence: int
    from_holder: str
    to_holder: str
    at: datetime
    purpose: str
    seal: str | None
    condition: str


@strawberry.type(description="An entity in a role in a case; either administration may hold it.")
class CaseParty:
    role: PartyRole
    entity: "Entity"


@strawberry.type(description="A customs enforcement case of one administration.")
class Case(Node):
    reference: str
    title: str
    status: CaseStatus
    offence_types: list[OffenceType]
    opened_at: datetime
    closed_at: datetime | None
    summary: str
    legal_provisions: list[str]
    owner: Administration
    handling: Handling

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, CaseRecord)

    @scoped_field(ENTITIES_READ, empty=list)
    async def parties(self, info: Info) -> list[CaseParty]:
        """The case's parties the caller may see (an entity not released is left out)."""
        record: CaseRecord = self
        loaders = _context(info).loaders
        links: tuple[PartyRecord, ...] = await loaders.parties.load((record.owner, record.id)) or ()
        entities = await loaders.entities.load_many([(p.entity_owner, p.entity_id) for p in links])
        return [
            CaseParty(role=link.role, entity=entity)
            for link, entity in zip(links, entities, strict=True)
            if entity is not None
        ]

    @scoped_field(EVIDENCE_READ, empty=list)
    async def evidence(self, info: Info) -> list["Evidence"]:
        """Evidence for the case the caller may see, held by either administration."""
        record: CaseRecord = self
        return list(await _context(info).loaders.case_evidence.load((record.owner, record.id)))


@strawberry.type
class EntityMatch:
    entity: "Entity"
    strength: str
    reason: str
    score: float


@strawberry.type(description="A person, organization, conveyance, transport equipment or shipment.")
class Entity(Node):
    kind: EntityKind
    conveyance_type: ConveyanceType | None
    name: str | None
    name_cyrillic: str | None
    date_of_birth: date | None
    address: str | None
    country: str | None
    description: str
    personal_data_withheld: bool
    identifiers: list[Identifier]
    owner: Administration
    handling: Handling

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, EntityRecord)

    @strawberry.field(description="The same entity as the other administration holds it.")
    async def matches(self, info: Info) -> list[EntityMatch]:
        record: EntityRecord = self
        found = await _context(info).loaders.matches.load(record)
        return [
            EntityMatch(
                entity=match.entity,  # a record: its attributes are read as Entity fields
                strength=match.strength,
                reason=match.reason,
                score=match.score,
            )
            for match in found
        ]


@strawberry.type(description="An evidence item and its chain of custody.")
class Evidence(Node):
    kind: EvidenceKind
    title: str
    description: str
    media_type: str
    sha256: str
    size_bytes: int
    collected_at: datetime
    collected_by: str
    collected_place: str
    return_due: datetime | None
    returned_at: datetime | None
    custody: list[CustodyEvent]
    owner: Administration
    handling: Handling

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, EvidenceRecord)

    @strawberry.field(description="The case this evidence supports, if the caller may see it.")
    async def case(self, info: Info) -> Case | None:
        record: EvidenceRecord = self
        return await _context(info).loaders.cases.load((record.case_owner, record.case_id))


@strawberry.type(description="A person concerned by a request, as the request names them.")
class PersonConcerned:
    name: str
    address: str | None


@strawberry.type(description="A request for assistance, owned by the requesting administration.")
class AssistanceRequest(Node):
    reference: str
    requesting_administration: Administration
    requested_administration: Administration
    agreement_reference: str
    matter: str
    assistance_type: AssistanceType
    reasons: str
    case_description: str
    legal_provisions: list[str]
    urgency: Urgency
    oral: bool
    confirmed_in_writing_at: datetime | None
    submitted_at: datetime
    due_at: datetime
    status: RequestStatus
    closed_at: datetime | None
    owner: Administration

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, RequestRecord)

    @strawberry.field(description="Null where the caller may not read personal data.")
    def persons_concerned(self) -> list[PersonConcerned] | None:
        record: RequestRecord = self
        if record.persons_concerned is None:
            return None
        return [
            PersonConcerned(name=str(person.get("name", "")), address=person.get("address"))
            for person in record.persons_concerned
        ]


@strawberry.type(description="A record covered by a release: its type and id.")
class ReleasedRecord:
    record_type: str
    node_id: strawberry.ID = strawberry.field(name="id")


@strawberry.type(description="An owner's grant of its records to the partner administration.")
class Release(Node):
    recipient: Administration
    basis: ReleaseBasis
    request_reference: str | None
    purpose: str
    permitted_uses: list[Use]
    consent_required_for: list[Use]
    conditions: list[str]
    includes_personal_data: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    owner: Administration

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, ReleaseRecord)

    @strawberry.field(description="The records this release covers.")
    def records(self) -> list[ReleasedRecord]:
        release: ReleaseRecord = self
        names = {"CASE": "Case", "ENTITY": "Entity", "EVIDENCE": "Evidence"}
        return [
            ReleasedRecord(
                record_type=item.record_type,
                node_id=strawberry.ID(
                    global_id(names[item.record_type], release.owner, item.record_id)
                ),
            )
            for item in release.items
        ]
