"""The object types' plain fields, declared once for the exchange schema and the subgraphs.

A record from a source is returned as it is: a plain field reads its attribute, so no
resolver runs for it. Each class here is the part both schemas serve alike. The exchange
uses a class as it is where it adds nothing, or subclasses it with its relations (batched
through its loaders) and the Node interface; the subgraph subclasses every one with its
federation directives (`resolvers.subgraph.types`) and the fields only a subgraph serves
(global ids of related records, matching keys). A field whose type is itself a
schema-specific class (`handling`, `custody`, `identifiers`) is declared by each schema.
"""

from datetime import date, datetime
from typing import Any, TypeVar, cast

import strawberry
from strawberry.types import get_object_definition

from resolvers.sources.ids import global_id
from resolvers.sources.records import (
    CaseRecord,
    CustodyRecord,
    EntityRecord,
    EvidenceRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.sources.records import Handling as HandlingRecord
from resolvers.vocabulary.enums import (
    TLP,
    Administration,
    AssistanceType,
    AuditDecision,
    CaseStatus,
    ConsentStatus,
    ConveyanceType,
    DecisionKind,
    EntityKind,
    EvidenceKind,
    OffenceType,
    ReleaseBasis,
    RequestStatus,
    Urgency,
    Use,
)
from store.audit import LoggedEntry

T = TypeVar("T")


def answers_for(record: type) -> Any:
    """`is_type_of` of a type that serves `record`: how an interface or a union tells it."""
    return classmethod(lambda _cls, obj, _info: isinstance(obj, record))


def served_as(kind: type[T], value: object) -> T:
    """`value`, a source's record (or a list or page of them), where the schema declares `kind`.

    strawberry takes the GraphQL type from the resolver's annotation and reads each field of an
    object type as the attribute of the same name of whatever value it is given; `is_type_of`
    (answers_for) tells an interface or a union which record a type serves. The type checker
    cannot relate the record to the GraphQL type that serves it: this is the one place that
    says so, and it converts nothing."""
    return cast(T, value)


def description_of(shared: type) -> str | None:
    """The shared type's description, for a schema's subclass to carry it too."""
    return get_object_definition(shared, strict=True).description


@strawberry.type(description="The release a partner record was handed over under.")
class ReleaseReference:
    node_id: strawberry.ID = strawberry.field(name="id")
    basis: ReleaseBasis
    request_reference: str | None
    purpose: str
    includes_personal_data: bool


Reference = TypeVar("Reference", bound=ReleaseReference)


def release_reference(handling: HandlingRecord, kind: type[Reference]) -> Reference | None:
    """The release the record was handed over under, as `kind`; None for the owner's reads."""
    ref = handling.released_under
    if ref is None:
        return None
    return kind(
        node_id=strawberry.ID(global_id("Release", handling.owner, ref.id)),
        basis=ReleaseBasis(ref.basis),
        request_reference=ref.request_reference,
        purpose=ref.purpose,
        includes_personal_data=ref.includes_personal_data,
    )


@strawberry.type(description="The owner's consent to a further use of a record.")
class GrantedConsent:
    use: Use
    recipient_agency: str | None
    recipient_country: str | None
    decided_at: datetime | None


@strawberry.type(
    name="Handling", description="The owner's handling conditions, carried wherever a record goes."
)
class HandlingFields:
    owner: Administration
    marking: str
    tlp: TLP
    permitted_uses: list[Use]
    consent_required_for: list[Use]
    conditions: list[str]
    expires_at: datetime | None


@strawberry.type(
    name="Identifier",
    description="A typed identifier: passport, PINFL, EIN, IMO, container number, ...",
)
class IdentifierFields:
    value: str
    issuing_country: str | None


@strawberry.type(description="One step in an evidence item's chain of custody.")
class CustodyEvent:
    sequence: int
    from_holder: str
    to_holder: str
    at: datetime
    purpose: str
    seal: str | None
    condition: str

    is_type_of = answers_for(CustodyRecord)


@strawberry.type(name="Case", description="A customs enforcement case of one administration.")
class CaseFields:
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

    is_type_of = answers_for(CaseRecord)


@strawberry.type(
    name="Entity",
    description="A person, organization, conveyance, transport equipment or shipment.",
)
class EntityFields:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
    kind: EntityKind
    conveyance_type: ConveyanceType | None
    name: str | None
    name_cyrillic: str | None
    date_of_birth: date | None
    address: str | None
    country: str | None
    description: str
    personal_data_withheld: bool

    is_type_of = answers_for(EntityRecord)


@strawberry.type(name="Evidence", description="An evidence item and its chain of custody.")
class EvidenceFields:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
    kind: EvidenceKind
    title: str
    description: str
    media_type: str
    sha256: str
    collected_at: datetime
    collected_by: str
    collected_place: str
    return_due: datetime | None
    returned_at: datetime | None

    is_type_of = answers_for(EvidenceRecord)


@strawberry.type(description="A person concerned by a request, as the request names them.")
class PersonConcerned:
    name: str
    address: str | None


Person = TypeVar("Person", bound=PersonConcerned)


def persons_concerned_field(kind: type[Person]) -> Any:
    """AssistanceRequest.personsConcerned, answering with each schema's own `kind`: the
    request's persons concerned, or null where personal data is withheld."""

    def resolve(request: strawberry.Parent[RequestRecord]) -> list[Person] | None:
        if request.persons_concerned is None:
            return None
        return [
            kind(name=str(person.get("name", "")), address=person.get("address"))
            for person in request.persons_concerned
        ]

    return strawberry.field(
        resolver=resolve,
        graphql_type=cast(Any, list)[kind] | None,
        description="Null where the caller may not read personal data.",
    )


@strawberry.type(
    name="AssistanceRequest",
    description="A request for assistance, held by the requesting administration.",
)
class AssistanceRequestFields:
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

    is_type_of = answers_for(RequestRecord)


@strawberry.type(
    name="Release", description="An owner's grant of its records to the partner administration."
)
class ReleaseFields:
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

    is_type_of = answers_for(ReleaseRecord)


@strawberry.type(
    name="AuditEvent", description="One entry of an administration's hash-chained audit log."
)
class AuditEventFields:
    at: datetime
    actor_administration: Administration = strawberry.field(
        description="The administration of whoever acted (whose issuer signed the token)."
    )
    subject: str = strawberry.field(description="The person or system that acted.")
    client_id: str
    scopes: list[str]
    operation: str = strawberry.field(description="The read or procedure, by its field name.")
    record_ids: list[str] = strawberry.field(
        description="This administration's records concerned, as the log names them "
        "(type:local id, e.g. CASE:12)."
    )
    decision: AuditDecision
    rule: str = strawberry.field(description="The agreement's rule that permitted or refused it.")
    prev_hash: str
    entry_hash: str = strawberry.field(
        description="SHA-256 over the entry, its position and the previous entry's hash."
    )

    @strawberry.field(description="The releases the records were read under.")
    @staticmethod
    def release_ids(entry: strawberry.Parent[LoggedEntry]) -> list[strawberry.ID]:
        owner = entry.owner
        return [strawberry.ID(global_id("Release", owner, item)) for item in entry.release_ids]

    is_type_of = answers_for(LoggedEntry)


@strawberry.type(
    name="Decision", description="The requested administration's decision on a request."
)
class DecisionFields:
    owner: Administration
    decision: DecisionKind
    ground: str | None
    reason: str | None
    conditions: list[str]
    decided_at: datetime


@strawberry.type(
    name="Consent",
    description="The recipient's request to use released records in a way that needs the "
    "owner's consent, and the owner's decision.",
)
class ConsentRequestFields:
    node_id: strawberry.ID = strawberry.field(name="id")
    owner: Administration
    requesting_administration: Administration
    use: Use
    recipient_agency: str | None
    recipient_country: str | None
    purpose: str
    status: ConsentStatus
    requested_at: datetime
    decided_at: datetime | None
    reason: str | None


@strawberry.type(
    name="EntityLink", description="A confirmed match between an own entity and a partner's."
)
class EntityLinkFields:
    partner_administration: Administration
    reason: str
    confirmed_by: str
    confirmed_at: datetime
