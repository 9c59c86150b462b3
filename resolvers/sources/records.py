"""What a source hands the gateway: plain, immutable records, already filtered by the owner.

Rows become these objects once, in the owner's source; GraphQL types read their attributes
directly, so no per-field resolver runs for scalar data.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar, dataclass_transform

from resolvers.sources.ids import global_id
from store.models.domain import Administration

T = TypeVar("T")
R = TypeVar("R")


@dataclass_transform(frozen_default=True)
def record(cls: type[R]) -> type[R]:
    """A record: immutable to the type checker, which refuses any assignment to one, and at
    run time a slotted dataclass hashed and compared by its fields, as a frozen one is. Not
    frozen at run time: a frozen dataclass sets each field through `object.__setattr__`,
    which doubles the cost of building the thousands of records of a page (issue 17)."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@record
class ReleaseRef:
    """The release under which a partner record was handed over."""

    id: int
    basis: str
    request_reference: str | None
    purpose: str
    includes_personal_data: bool


@record
class GrantedConsent:
    id: int
    use: str
    recipient_agency: str | None
    recipient_country: str | None
    decided_at: datetime | None


@record
class Handling:
    owner: Administration
    marking: str
    tlp: str
    permitted_uses: tuple[str, ...]
    consent_required_for: tuple[str, ...]
    conditions: tuple[str, ...]
    released_under: ReleaseRef | None
    expires_at: datetime | None
    consents: tuple[GrantedConsent, ...] = ()


@record
class CaseRecord:
    owner: Administration
    id: int
    reference: str
    title: str
    status: str
    offence_types: tuple[str, ...]
    opened_at: datetime
    closed_at: datetime | None
    summary: str
    legal_provisions: tuple[str, ...]
    handling: Handling

    @property
    def node_id(self) -> str:
        return global_id("Case", self.owner, self.id)


@record
class PartyRecord:
    case_owner: Administration
    case_id: int
    entity_owner: Administration
    entity_id: int
    role: str


@record
class IdentifierRecord:
    type: str
    value: str
    normalised: str
    issuing_country: str | None


@record
class EntityRecord:
    owner: Administration
    id: int
    kind: str
    conveyance_type: str | None
    # None where the record is a natural person's and personal data is not released to the caller.
    name: str | None
    name_cyrillic: str | None
    name_key: str | None
    date_of_birth: date | None
    address: str | None
    country: str | None
    description: str
    personal_data_withheld: bool
    identifiers: tuple[IdentifierRecord, ...]
    created_at: datetime
    handling: Handling

    @property
    def node_id(self) -> str:
        return global_id("Entity", self.owner, self.id)


@record
class CustodyRecord:
    sequence: int
    from_holder: str
    to_holder: str
    at: datetime
    purpose: str
    seal: str | None
    condition: str


@record
class EvidenceRecord:
    owner: Administration
    id: int
    case_owner: Administration
    case_id: int
    kind: str
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
    custody: tuple[CustodyRecord, ...]
    handling: Handling

    @property
    def node_id(self) -> str:
        return global_id("Evidence", self.owner, self.id)


@record
class DecisionRecord:
    owner: Administration
    id: int
    decision: str
    ground: str | None
    reason: str | None
    conditions: tuple[str, ...]
    decided_at: datetime


@record
class RequestRecord:
    owner: Administration
    id: int
    reference: str
    requesting_administration: Administration
    requested_administration: Administration
    agreement_reference: str
    matter: str
    assistance_type: str
    reasons: str
    case_description: str
    legal_provisions: tuple[str, ...]
    # None where the caller may not read personal data.
    persons_concerned: tuple[dict[str, Any], ...] | None
    case_id: int | None
    urgency: str
    oral: bool
    confirmed_in_writing_at: datetime | None
    submitted_at: datetime
    due_at: datetime
    status: str
    closed_at: datetime | None

    @property
    def node_id(self) -> str:
        return global_id("AssistanceRequest", self.owner, self.id)


@record
class ReleaseItemRef:
    record_type: str
    record_id: int


@record
class ReleaseRecord:
    owner: Administration
    id: int
    recipient: Administration
    basis: str
    request_reference: str | None
    purpose: str
    permitted_uses: tuple[str, ...]
    consent_required_for: tuple[str, ...]
    conditions: tuple[str, ...]
    includes_personal_data: bool
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    items: tuple[ReleaseItemRef, ...]

    @property
    def node_id(self) -> str:
        return global_id("Release", self.owner, self.id)


@record
class Position:
    """Where a source stopped in its own order: the sort key and local id of the last item."""

    sort_key: datetime
    id: int


@record
class PageRequest:
    limit: int
    after: Position | None = None


@record
class Page(Generic[T]):
    items: tuple[T, ...]
    has_more: bool
    total_count: int


@record
class ConsentRecord:
    owner: Administration
    id: int
    requesting_administration: Administration
    use: str
    recipient_agency: str | None
    recipient_country: str | None
    purpose: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    reason: str | None
    items: tuple[ReleaseItemRef, ...]

    @property
    def node_id(self) -> str:
        return global_id("Consent", self.owner, self.id)


@record
class EntityLinkRecord:
    owner: Administration
    id: int
    entity_id: int
    partner_administration: Administration
    partner_entity_id: int
    reason: str
    confirmed_by: str
    confirmed_at: datetime
