"""Object types of an administration's subgraph: the source's records, field for field.

A record is returned as it is; scalar fields read its attributes, so no resolver runs for
them. The few resolvers here are synchronous and build a global id from the owner, which a
nested record (a release reference, a consent, a release item) does not carry itself.

Every type is @shareable: both administrations serve the same schema, and Federation 2
otherwise refuses a field that two subgraphs resolve. The one difference is the reference to
an entity of a given holder (UsEntity, UzEntity): only the holder's subgraph resolves it, so a
case's party held by the partner is fetched from the partner's subgraph.
"""

from datetime import date, datetime
from typing import Any

import orjson
import strawberry
from strawberry import federation
from strawberry.types import Info

from auth.policy.scopes import AUDIT_READ, CASES_READ, ENTITIES_READ, EVIDENCE_READ, REQUESTS_READ
from resolvers.sources.ids import TYPE_NAME_OF_RECORD, global_id
from resolvers.sources.records import (
    CaseRecord,
    CustodyRecord,
    EntityRecord,
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
from resolvers.vocabulary.enums import (
    TLP,
    Administration,
    AssistanceType,
    AuditDecision,
    CaseStatus,
    ConveyanceType,
    EntityKind,
    EvidenceKind,
    IdentifierType,
    OffenceType,
    PartyRole,
    RecordType,
    ReleaseBasis,
    RequestStatus,
    Urgency,
    Use,
)
from store.audit import LoggedEntry
from store.models.domain import Administration as DomainAdministration


def value_type(description: str, name: str | None = None) -> Any:
    """A shareable type any authenticated caller may read where its parent is readable."""
    return federation.type(name=name, description=description, shareable=True, authenticated=True)


def record_type(description: str, scope: str) -> Any:
    """A record kind: an entity keyed by its global id, readable with its read scope."""
    return federation.type(
        description=description, keys=["id"], shareable=True, requires_scopes=[[scope]]
    )


@value_type("The release a partner record was handed over under.")
class ReleaseReference:
    id: strawberry.ID
    basis: ReleaseBasis
    request_reference: str | None
    purpose: str
    includes_personal_data: bool


@value_type("The owner's consent to a further use of a record.", name="Consent")
class GrantedConsent:
    id: strawberry.ID
    use: Use
    recipient_agency: str | None
    recipient_country: str | None
    decided_at: datetime | None


@value_type("The owner's handling conditions, carried wherever a record goes.")
class Handling:
    owner: Administration
    marking: str
    tlp: TLP
    permitted_uses: list[Use]
    consent_required_for: list[Use]
    conditions: list[str]
    expires_at: datetime | None

    @strawberry.field(description="Null for the owner's own reads.")
    def released_under(self) -> ReleaseReference | None:
        handling: HandlingRecord = self  # type: ignore[assignment]
        ref = handling.released_under
        if ref is None:
            return None
        return ReleaseReference(
            id=strawberry.ID(global_id("Release", handling.owner, ref.id)),
            basis=ref.basis,  # type: ignore[arg-type]
            request_reference=ref.request_reference,
            purpose=ref.purpose,
            includes_personal_data=ref.includes_personal_data,
        )

    @strawberry.field
    def consents(self) -> list[GrantedConsent]:
        handling: HandlingRecord = self  # type: ignore[assignment]
        return [_consent(handling, consent) for consent in handling.consents]

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, HandlingRecord)


def _consent(handling: HandlingRecord, consent: GrantedConsentRecord) -> GrantedConsent:
    return GrantedConsent(
        id=strawberry.ID(global_id("Consent", handling.owner, consent.id)),
        use=consent.use,  # type: ignore[arg-type]
        recipient_agency=consent.recipient_agency,
        recipient_country=consent.recipient_country,
        decided_at=consent.decided_at,
    )


@value_type("A typed identifier: passport, PINFL, EIN, IMO, container number, ...")
class Identifier:
    type: IdentifierType
    value: str
    normalised: str
    issuing_country: str | None

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, IdentifierRecord)


@record_type("A person, organization, conveyance, transport equipment or shipment.", ENTITIES_READ)
class Entity:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
    kind: EntityKind
    conveyance_type: ConveyanceType | None
    name: str | None
    name_cyrillic: str | None
    name_key: str | None
    date_of_birth: date | None
    address: str | None
    country: str | None
    description: str
    personal_data_withheld: bool
    identifiers: list[Identifier]
    created_at: datetime
    handling: Handling

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, EntityRecord)


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

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, PartyRecord)


@record_type("A customs enforcement case of one administration.", CASES_READ)
class Case:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
    reference: str
    title: str
    status: CaseStatus
    offence_types: list[OffenceType]
    opened_at: datetime
    closed_at: datetime | None
    summary: str
    legal_provisions: list[str]
    handling: Handling

    @strawberry.field(description="Its links to entities in roles, each entity of either holder.")
    async def parties(self, info: Info) -> list[CaseParty]:
        case: CaseRecord = self  # type: ignore[assignment]
        return await info.context.parties_of_case(case.id)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, CaseRecord)


@value_type("One step in an evidence item's chain of custody.")
class CustodyEvent:
    sequence: int
    from_holder: str
    to_holder: str
    at: datetime
    purpose: str
    seal: str | None
    condition: str

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, CustodyRecord)


@record_type("An evidence item and its chain of custody.", EVIDENCE_READ)
class Evidence:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
    case_owner: Administration
    kind: EvidenceKind
    title: str
    description: str
    media_type: str
    sha256: str
    size_bytes: Long
    collected_at: datetime
    collected_by: str
    collected_place: str
    return_due: datetime | None
    returned_at: datetime | None
    custody: list[CustodyEvent]
    handling: Handling

    @strawberry.field(description="The global id of the case it supports, held by caseOwner.")
    def case_id(self) -> strawberry.ID:
        evidence: EvidenceRecord = self  # type: ignore[assignment]
        return strawberry.ID(global_id("Case", evidence.case_owner, evidence.case_id))

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, EvidenceRecord)


@value_type("A person concerned by a request, as the request names them.")
class PersonConcerned:
    name: str
    address: str | None


@record_type("A request for assistance, held by the requesting administration.", REQUESTS_READ)
class AssistanceRequest:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
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

    @strawberry.field(description="Null where the caller may not read personal data.")
    def persons_concerned(self) -> list[PersonConcerned] | None:
        request: RequestRecord = self  # type: ignore[assignment]
        if request.persons_concerned is None:
            return None
        return [
            PersonConcerned(name=person["name"], address=person.get("address"))
            for person in request.persons_concerned
        ]

    @strawberry.field(description="The requester's own case; null for the requested side.")
    def case_id(self) -> strawberry.ID | None:
        request: RequestRecord = self  # type: ignore[assignment]
        if request.case_id is None:
            return None
        return strawberry.ID(global_id("Case", request.owner, request.case_id))

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, RequestRecord)


@value_type("A record covered by a release.")
class ReleaseItem:
    record_type: RecordType
    record_id: strawberry.ID = strawberry.field(description="The record's global id.")


@federation.type(
    description="An owner's grant of its records to the partner administration.",
    shareable=True,
    requires_scopes=[[REQUESTS_READ]],
)
class Release:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
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

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, ReleaseRecord)


@federation.type(
    description="One entry of this administration's audit log (its own officials only).",
    shareable=True,
    requires_scopes=[[AUDIT_READ]],
)
class AuditEvent:
    owner: Administration
    seq: Long
    at: datetime
    actor_administration: Administration
    subject: str
    client_id: str
    scopes: list[str]
    operation: str
    record_ids: list[str] = strawberry.field(description="As the log names them: type:local id.")
    decision: AuditDecision
    rule: str
    prev_hash: str
    entry_hash: str

    @strawberry.field(description="The global ids of the releases the records were read under.")
    def release_ids(self) -> list[strawberry.ID]:
        entry: LoggedEntry = self  # type: ignore[assignment]
        owner = entry.owner
        return [strawberry.ID(global_id("Release", owner, item)) for item in entry.release_ids]

    @strawberry.field(description="What else was recorded, as a JSON object.")
    def detail(self) -> str:
        entry: LoggedEntry = self  # type: ignore[assignment]
        return orjson.dumps(entry.detail, option=orjson.OPT_SORT_KEYS).decode()

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, LoggedEntry)
