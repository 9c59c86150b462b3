"""What a caller asks a source to create or change: validated input of a procedure."""

from dataclasses import dataclass
from datetime import datetime

from auth.policy.procedures import RequestForm
from store.models.domain import DecisionKind, RecordType, Use

RecordRef = tuple[RecordType, int]


@dataclass(frozen=True, slots=True)
class RequestDraft:
    form: RequestForm
    case_id: int | None
    urgency: str
    oral: bool


@dataclass(frozen=True, slots=True)
class DecisionDraft:
    decision: DecisionKind
    ground: str | None
    reason: str | None
    conditions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReleaseDraft:
    records: tuple[RecordRef, ...]
    purpose: str
    permitted_uses: tuple[str, ...]
    includes_personal_data: bool
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ConsentDraft:
    records: tuple[RecordRef, ...]
    use: Use
    recipient_agency: str | None
    recipient_country: str | None
    purpose: str


@dataclass(frozen=True, slots=True)
class CustodyDraft:
    from_holder: str
    to_holder: str
    at: datetime
    purpose: str
    seal: str | None
    condition: str
    returned: bool


@dataclass(frozen=True, slots=True)
class PartnerAction:
    """A decision or response of the requested administration, delivered to the requester."""

    kind: str  # "DECISION" or "RELEASE"
    id: int
    new_status: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}"
