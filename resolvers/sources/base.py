"""The one narrow interface between the gateway and an administration (DESIGN.md §3).

Two transports implement it: in-process (the owner's store, directly) and remote (the owner's
Federation subgraph over HTTP). Every call takes the caller's Principal; the owner's policy is
applied by the owner's side, so what comes back is exactly what the caller may see.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, ClassVar, Generic, Protocol, TypeVar, get_args

from auth.policy.procedures import Action
from auth.policy.scopes import (
    CONSENTS_WRITE,
    CUSTODY_WRITE,
    DISCLOSURES_WRITE,
    REQUESTS_DECIDE,
    REQUESTS_WRITE,
)
from auth.principal import Principal
from resolvers.sources.drafts import (
    ConsentDraft,
    CustodyDraft,
    DecisionDraft,
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.parts import EVERY_PART, EntityParts
from resolvers.sources.records import (
    CaseRecord,
    ConsentRecord,
    DecisionRecord,
    EntityLinkRecord,
    EntityRecord,
    EvidenceRecord,
    Page,
    PageRequest,
    PartyRecord,
    ReleaseRecord,
    RequestRecord,
)
from store.audit import AuditTrailFilter, LoggedEntry
from store.models.domain import Administration

CaseKey = tuple[Administration, int]
# A record of either administration: its owner and local id.
RecordKey = tuple[Administration, int]
R = TypeVar("R", covariant=True)
A = TypeVar("A")


class SourceDown(Exception):
    """The administration's source did not answer in time or answered nonsense; the caller
    sees it as resolvers.errors.SourceUnavailableError (SOURCE_UNAVAILABLE). `overloaded`
    where the call never reached the store because the gateway had too many calls at it
    (resolvers.sources.admission)."""

    def __init__(
        self, administration: Administration, reason: str, *, overloaded: bool = False
    ) -> None:
        super().__init__(f"{administration.value} source unavailable: {reason}")
        self.administration = administration
        self.overloaded = overloaded


class AdministrationSource(Protocol):
    administration: Administration

    async def list_cases(
        self, principal: Principal, case_filter: CaseFilter, page: PageRequest
    ) -> Page[CaseRecord]: ...

    async def cases_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, CaseRecord]: ...

    async def parties_of_cases(
        self, principal: Principal, case_ids: Sequence[int]
    ) -> dict[int, tuple[PartyRecord, ...]]: ...

    async def list_entities(
        self, principal: Principal, entity_filter: EntityFilter, page: PageRequest
    ) -> Page[EntityRecord]: ...

    async def entities_by_id(
        self, principal: Principal, ids: Sequence[int], parts: EntityParts = EVERY_PART
    ) -> dict[int, EntityRecord]:
        """The entities among `ids` the caller may see, with at least `parts` filled."""
        ...

    async def match_candidates(
        self, principal: Principal, probe: MatchProbe
    ) -> tuple[EntityRecord, ...]:
        """Entities the caller may see that share an identifier or a name key with the probe."""
        ...

    async def evidence_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, EvidenceRecord]: ...

    async def evidence_for_cases(
        self, principal: Principal, cases: Sequence[CaseKey]
    ) -> dict[CaseKey, tuple[EvidenceRecord, ...]]: ...

    async def list_requests(
        self, principal: Principal, request_filter: RequestFilter, page: PageRequest
    ) -> Page[RequestRecord]: ...

    async def requests_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, RequestRecord]: ...

    async def list_releases(
        self, principal: Principal, page: PageRequest
    ) -> Page[ReleaseRecord]: ...

    async def audit_trail(
        self, principal: Principal, audit_filter: AuditTrailFilter, page: PageRequest
    ) -> Page[LoggedEntry]:
        """The administration's own audit log, newest first, for its own officials only."""
        ...

    async def overdue_originals(self, principal: Principal) -> tuple[EvidenceRecord, ...]:
        """Originals past their return date, not yet returned, that the caller may see."""
        ...

    async def perform(self, principal: Principal, procedure: "Procedure[A]") -> A:
        """Carry out one of the agreement's procedures (below) on the owner's store, and
        answer with what it created or changed, as the caller may now see it."""
        ...

    async def ping(self) -> None:
        """Return when the source answers; raise SourceDown when it does not."""
        ...

    async def aclose(self) -> None: ...


# -- the agreement's procedures ----------------------------------------------------------------
#
# Each procedure is one call of the interface: a frozen dataclass whose fields are its
# arguments, named as the owner's subgraph names them (resolvers.vocabulary.procedures), and
# whose type parameter is what it answers with. The transports carry any call the same way:
# the in-process one by the persistence registered for it (in_process/changes.py), the remote
# one as the subgraph's mutation of that name, its selection and variables derived from these
# fields and types (remote/operations.py, remote/encoding.py).


@dataclass(frozen=True)
class Names:
    """An argument naming one of the owner's records by its local id; on the wire, by the
    global id of a `type_name`."""

    type_name: str


@dataclass(frozen=True)
class NamesAny:
    """An argument naming a record of either administration, (owner, local id); on the wire,
    by the global id of a `type_name`."""

    type_name: str


class Procedure(Generic[R]):
    """`field`: the procedure's name (the subgraph's mutation, the audit's operation, what an
    idempotency key is claimed for); `scope`: what the caller must hold."""

    field: ClassVar[str]
    scope: ClassVar[str]

    @property
    def operation(self) -> str:
        return self.field

    @classmethod
    def answer(cls) -> type:
        """The type it answers with (its `Procedure[...]` parameter)."""
        for base in getattr(cls, "__orig_bases__", ()):
            arguments = get_args(base)
            if arguments:
                answer: type = arguments[0]
                return answer
        raise TypeError(f"{cls.__name__} does not say what it answers with")


@dataclass(frozen=True)
class DecisionOutcome:
    """A decision, and what the requester's store is to be told of it."""

    decision: DecisionRecord
    partner_action: PartnerAction


@dataclass(frozen=True)
class ResponseOutcome:
    """A release answering a request, and what the requester's store is to be told."""

    release: ReleaseRecord
    partner_action: PartnerAction


@dataclass(frozen=True)
class SubmitRequest(Procedure[RequestRecord]):
    field = "submitAssistanceRequest"
    scope = REQUESTS_WRITE
    input: RequestDraft
    idempotency_key: str


@dataclass(frozen=True)
class RequesterAction(Procedure[RequestRecord]):
    field = "requesterAction"
    scope = REQUESTS_WRITE
    id: Annotated[int, Names("AssistanceRequest")]
    action: Action
    idempotency_key: str

    @property
    def operation(self) -> str:
        return f"request.{self.action.value}"


@dataclass(frozen=True)
class ReceivePartnerAction(Procedure[RequestRecord]):
    """Keyed by what it delivers: a delivery is made once, however often it is retried."""

    field = "receivePartnerAction"
    scope = REQUESTS_DECIDE
    request_id: Annotated[int, Names("AssistanceRequest")]
    action: PartnerAction

    @property
    def operation(self) -> str:
        return "request.receive"


@dataclass(frozen=True)
class DecideRequest(Procedure[DecisionOutcome]):
    field = "decideAssistanceRequest"
    scope = REQUESTS_DECIDE
    request: RequestRecord
    input: DecisionDraft
    idempotency_key: str


@dataclass(frozen=True)
class RespondToRequest(Procedure[ResponseOutcome]):
    field = "respondToAssistanceRequest"
    scope = REQUESTS_DECIDE
    request: RequestRecord
    release: ReleaseDraft
    idempotency_key: str


@dataclass(frozen=True)
class Disclose(Procedure[ReleaseRecord]):
    field = "discloseSpontaneously"
    scope = DISCLOSURES_WRITE
    input: ReleaseDraft
    idempotency_key: str


@dataclass(frozen=True)
class RevokeRelease(Procedure[ReleaseRecord]):
    field = "revokeRelease"
    scope = DISCLOSURES_WRITE
    id: Annotated[int, Names("Release")]
    reason: str
    idempotency_key: str


@dataclass(frozen=True)
class RequestConsent(Procedure[ConsentRecord]):
    field = "requestConsent"
    scope = CONSENTS_WRITE
    input: ConsentDraft
    idempotency_key: str


@dataclass(frozen=True)
class DecideConsent(Procedure[ConsentRecord]):
    field = "decideConsent"
    scope = CONSENTS_WRITE
    id: Annotated[int, Names("Consent")]
    grant: bool
    reason: str | None
    idempotency_key: str


@dataclass(frozen=True)
class RecordCustody(Procedure[EvidenceRecord]):
    field = "recordCustodyEvent"
    scope = CUSTODY_WRITE
    evidence_id: Annotated[int, Names("Evidence")]
    input: CustodyDraft
    idempotency_key: str


@dataclass(frozen=True)
class ConfirmEntityMatch(Procedure[EntityLinkRecord]):
    field = "confirmEntityMatch"
    scope = REQUESTS_WRITE
    entity_id: Annotated[int, Names("Entity")]
    partner_entity_id: Annotated[RecordKey, NamesAny("Entity")]
    reason: str
    idempotency_key: str


PROCEDURES: tuple[type[Procedure[object]], ...] = (
    SubmitRequest,
    RequesterAction,
    ReceivePartnerAction,
    DecideRequest,
    RespondToRequest,
    Disclose,
    RevokeRelease,
    RequestConsent,
    DecideConsent,
    RecordCustody,
    ConfirmEntityMatch,
)
