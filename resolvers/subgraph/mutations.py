"""The agreement's procedures on an administration's subgraph: one mutation per procedure of
the AdministrationSource interface (and Query.overdueOriginals), each calling the owner's own
in-process source with the caller the subgraph verified itself.

Refusals keep their words. A ProcedureViolation becomes a GraphQL error whose extensions carry
the exchange's code for it (resolvers.errors.refusal_error), its `rule`, and
its `field` (null when none), so that a remote source raises the very same ProcedureViolation
again and the gateway's caller cannot tell the transports apart.

Scopes are printed with @requiresScopes, like the queries', and enforced where the in-process
transport enforces them: in the procedure, which refuses with FORBIDDEN and the rule SCOPE.
A guard in front of it would refuse differently (UNAUTHORIZED_FIELD) through the remote.

Deciding on and answering a request need the request itself, which the requesting
administration holds: the requested side's subgraph does not have it and cannot fetch it (a
subgraph serves its own store and calls no one). So the caller sends the snapshot of the
request it read through the gateway (RequestSnapshotInput), only the fields the requested
side's procedures read, personal data never, and the subgraph rebuilds the RequestRecord
from it. The snapshot is the caller's statement: what it can change is only records of the
requested administration, made by that administration's own designated official, exactly as
in-process. The requester's store changes only through receivePartnerAction, which checks the
requester's own copy of the request.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import strawberry
from strawberry import federation
from strawberry.types import Info

from auth.policy.procedures import Action, ProcedureViolation, RequestForm
from auth.policy.rules import Rule
from auth.policy.scopes import (
    CONSENTS_WRITE,
    CUSTODY_WRITE,
    DISCLOSURES_WRITE,
    EVIDENCE_READ,
    REQUESTS_DECIDE,
    REQUESTS_WRITE,
)
from resolvers.errors import BadUserInput, SourceUnavailableError, refusal_error
from resolvers.sources.base import SourceDown
from resolvers.sources.drafts import (
    ConsentDraft,
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.ids import TYPE_NAME_OF_RECORD, decode_global_id, global_id
from resolvers.sources.in_process import InProcessSource
from resolvers.sources.records import (
    ConsentRecord,
    DecisionRecord,
    EntityLinkRecord,
    ReleaseItemRef,
    RequestRecord,
)
from resolvers.subgraph.context import SubgraphContext
from resolvers.subgraph.query import root_field
from resolvers.subgraph.scalars import Long
from resolvers.subgraph.types import (
    AssistanceRequest,
    Evidence,
    Release,
    ReleaseItem,
    value_type,
)
from resolvers.vocabulary import inputs as shared
from resolvers.vocabulary import types as shared_types
from resolvers.vocabulary.enums import (
    Administration,
    AssistanceType,
    PartnerActionKind,
    RequestAction,
    RequestStatus,
)
from resolvers.vocabulary.inputs import (
    ConsentInput,
    CustodyEventInput,
    DecisionInput,
    ReleaseInput,
)
from resolvers.vocabulary.types import description_of
from store.models import domain

RECORD_TYPE_OF_NAME = {name: record_type for record_type, name in TYPE_NAME_OF_RECORD.items()}
# The statuses each kind of partner action can bring a request to
# (auth.policy.procedures.TRANSITIONS):
# the requester's store takes the requested side's word for its own decision, not for more.
STATUSES_OF_ACTION = {
    "DECISION": frozenset(("ACCEPTED", "REFUSED", "POSTPONED", "CONDITIONAL")),
    "RELEASE": frozenset(("ANSWERED",)),
}
# What a rebuilt request carries where its snapshot says nothing: the procedures never read it.
UNKNOWN_MOMENT = datetime.min.replace(tzinfo=UTC)


# -- inputs ---------------------------------------------------------------------------------------


@strawberry.input(description="Every field the agreement requires of a request for assistance.")
class AssistanceRequestInput(shared.AssistanceRequestInput):
    # Nullable here: the procedure, not GraphQL, refuses a request without them, with the
    # rule REQUEST_FORM the in-process transport names (the exchange's caller sees that).
    requested_administration: Administration | None
    assistance_type: AssistanceType | None


@strawberry.input(
    description="A request of the partner administration as the caller read it: the fields "
    "the requested side's procedures need, and no personal data."
)
class RequestSnapshotInput:
    id: strawberry.ID
    reference: str
    requesting_administration: Administration
    requested_administration: Administration
    status: RequestStatus


@strawberry.input(description="The requested administration's decision or release on a request.")
class PartnerActionInput:
    kind: PartnerActionKind
    local_id: Long = strawberry.field(description="The decision's or release's number.")
    new_status: RequestStatus


# -- what the procedures return -------------------------------------------------------------------


@value_type(description_of(shared_types.DecisionFields))
class Decision(shared_types.DecisionFields):
    id: Long = strawberry.field(
        name="localId", description="Its number in its owner's store (a decision has no global id)."
    )


@federation.type(
    name="PartnerAction",
    description="What the requester's store is to be told.",
    shareable=True,
    authenticated=True,
)
class PartnerActionResult:
    kind: PartnerActionKind
    id: Long = strawberry.field(name="localId")
    new_status: RequestStatus


@value_type("A decision, and what the requester's store is to be told of it.")
class DecisionOutcome:
    decision: Decision
    partner_action: PartnerActionResult


@value_type("A release answering a request, and what the requester's store is to be told.")
class ResponseOutcome:
    release: Release
    partner_action: PartnerActionResult


def _items(owner: domain.Administration, items: tuple[ReleaseItemRef, ...]) -> list[ReleaseItem]:
    return [
        ReleaseItem(
            record_type=item.record_type,  # type: ignore[arg-type]
            record_id=strawberry.ID(
                global_id(TYPE_NAME_OF_RECORD[item.record_type], owner, item.record_id)
            ),
        )
        for item in items
    ]


@value_type(description_of(shared_types.ConsentRequestFields), name="ConsentRequest")
class ConsentRequest(shared_types.ConsentRequestFields):
    @strawberry.field
    def items(self) -> list[ReleaseItem]:
        consent: ConsentRecord = self  # type: ignore[assignment]
        return _items(consent.owner, consent.items)


@value_type(description_of(shared_types.EntityLinkFields))
class EntityLink(shared_types.EntityLinkFields):
    id: Long = strawberry.field(
        name="localId", description="Its number in its owner's store (a link has no global id)."
    )
    owner: Administration

    @strawberry.field(description="The global id of the owner's entity.")
    def entity_id(self) -> strawberry.ID:
        link: EntityLinkRecord = self  # type: ignore[assignment]
        return strawberry.ID(global_id("Entity", link.owner, link.entity_id))

    @strawberry.field(description="The global id of the partner's entity.")
    def partner_entity_id(self) -> strawberry.ID:
        link: EntityLinkRecord = self  # type: ignore[assignment]
        return strawberry.ID(
            global_id("Entity", link.partner_administration, link.partner_entity_id)
        )


# -- from GraphQL input to the interface's arguments ----------------------------------------------


def _context(info: Info) -> SubgraphContext:
    return info.context  # type: ignore[no-any-return]


def _procedures(info: Info) -> InProcessSource:
    # The subgraph's source is always the owner's in-process source (gateway/subgraph.py).
    return _context(info).source  # type: ignore[return-value]


@contextmanager
def procedure() -> Iterator[None]:
    """A refusal becomes its coded error, with the rule and the field; an unreachable store
    is SOURCE_UNAVAILABLE, as for a read."""
    try:
        yield
    except ProcedureViolation as violation:
        error = refusal_error(violation)
        error.extra["rule"] = violation.rule
        error.extra["field"] = violation.field
        raise error from None
    except SourceDown as exc:
        raise SourceUnavailableError(exc.administration.value) from None


def _local(info: Info, value: str, type_name: str, field: str) -> int:
    """The local id of this administration's record; any other id names nothing here."""
    decoded = decode_global_id(value)
    owner = _context(info).source.administration
    if decoded is None or decoded.type_name != type_name or decoded.owner is not owner:
        raise ProcedureViolation(
            f"No {type_name} of this administration has this id.", rule=Rule.NOT_FOUND, field=field
        )
    return decoded.local_id


def _records(
    info: Info, ids: list[strawberry.ID], field: str
) -> tuple[tuple[domain.RecordType, int], ...]:
    owner = _context(info).source.administration
    refs = []
    for index, value in enumerate(ids):
        decoded = decode_global_id(value)
        if (
            decoded is None
            or decoded.type_name not in RECORD_TYPE_OF_NAME
            or decoded.owner is not owner
        ):
            raise BadUserInput(
                "Name this administration's cases, entities or evidence by their ids.",
                field=f"{field}[{index}]",
            )
        record_type = domain.RecordType(RECORD_TYPE_OF_NAME[decoded.type_name])
        refs.append((record_type, decoded.local_id))
    return tuple(refs)


def request_draft(info: Info, value: AssistanceRequestInput) -> RequestDraft:
    case_id = None
    if value.case_id is not None:
        case_id = _local(info, value.case_id, "Case", "caseId")
    requested = value.requested_administration
    return RequestDraft(
        form=RequestForm(
            requested_administration=None
            if requested is None
            else domain.Administration(requested.value),
            matter=value.matter,
            assistance_type=None if value.assistance_type is None else value.assistance_type.value,
            reasons=value.reasons,
            case_description=value.case_description,
            legal_provisions=tuple(value.legal_provisions),
            persons_concerned=tuple((p.name, p.address) for p in value.persons_concerned),
        ),
        case_id=case_id,
        urgency=value.urgency.value,
        oral=value.oral,
    )


def rebuilt_request(value: RequestSnapshotInput) -> RequestRecord:
    """The partner's request as the requested side's procedures read it (module docstring):
    its identity, reference, parties and status; every other field is left empty."""
    decoded = decode_global_id(value.id)
    if decoded is None or decoded.type_name != "AssistanceRequest":
        raise BadUserInput("Name the request by its id.", field="request.id")
    return RequestRecord(
        owner=decoded.owner,
        id=decoded.local_id,
        reference=value.reference,
        requesting_administration=domain.Administration(value.requesting_administration.value),
        requested_administration=domain.Administration(value.requested_administration.value),
        agreement_reference="",
        matter="",
        assistance_type="",
        reasons="",
        case_description="",
        legal_provisions=(),
        persons_concerned=None,
        case_id=None,
        urgency="",
        oral=False,
        confirmed_in_writing_at=None,
        submitted_at=UNKNOWN_MOMENT,
        due_at=UNKNOWN_MOMENT,
        status=value.status.value,
        closed_at=None,
    )


def release_draft(info: Info, value: ReleaseInput, field: str) -> ReleaseDraft:
    return value.draft(_records(info, value.records, f"{field}.records"))


def consent_draft(info: Info, value: ConsentInput) -> ConsentDraft:
    return value.draft(_records(info, value.records, "input.records"))


def partner_action(value: PartnerActionInput) -> PartnerAction:
    if value.new_status.value not in STATUSES_OF_ACTION[value.kind.value]:
        raise BadUserInput(
            f"A {value.kind.value} cannot bring a request to {value.new_status.value}.",
            field="action.newStatus",
        )
    if not 0 < value.local_id < 2**63:
        raise BadUserInput("Name the decision or release by its number.", field="action.localId")
    return PartnerAction(value.kind.value, value.local_id, value.new_status.value)


def _outcome(decision: DecisionRecord, action: PartnerAction) -> DecisionOutcome:
    return DecisionOutcome(
        decision=decision,  # type: ignore[arg-type]
        partner_action=action,  # type: ignore[arg-type]
    )


# -- the root fields ------------------------------------------------------------------------------


@strawberry.type
class Mutation:
    @root_field(REQUESTS_WRITE, "Submit a request for assistance, held by this administration.")
    async def submit_assistance_request(
        self, info: Info, input: AssistanceRequestInput, idempotency_key: str
    ) -> AssistanceRequest:
        principal = _context(info).principal
        with procedure():
            draft = request_draft(info, input)
            found = await _procedures(info).submit_request(principal, draft, idempotency_key)
        return found  # type: ignore[return-value]

    @root_field(REQUESTS_WRITE, "A requester's own step on its request: confirm or close it.")
    async def requester_action(
        self, info: Info, id: strawberry.ID, action: RequestAction, idempotency_key: str
    ) -> AssistanceRequest:
        principal = _context(info).principal
        with procedure():
            local = _local(info, id, "AssistanceRequest", "id")
            found = await _procedures(info).requester_action(
                principal, local, Action(action.value), idempotency_key
            )
        return found  # type: ignore[return-value]

    @root_field(
        REQUESTS_DECIDE,
        "Record, in the requester's store, the requested administration's decision or release.",
    )
    async def receive_partner_action(
        self, info: Info, request_id: strawberry.ID, action: PartnerActionInput
    ) -> AssistanceRequest:
        principal = _context(info).principal
        delivered = partner_action(action)
        with procedure():
            local = _local(info, request_id, "AssistanceRequest", "requestId")
            found = await _procedures(info).receive_partner_action(principal, local, delivered)
        return found  # type: ignore[return-value]

    @root_field(
        REQUESTS_DECIDE, "Decide on the partner's request addressed to this administration."
    )
    async def decide_assistance_request(
        self,
        info: Info,
        request: RequestSnapshotInput,
        input: DecisionInput,
        idempotency_key: str,
    ) -> DecisionOutcome:
        principal = _context(info).principal
        snapshot, draft = rebuilt_request(request), input.draft()
        with procedure():
            decision, action = await _procedures(info).decide_request(
                principal, snapshot, draft, idempotency_key
            )
        return _outcome(decision, action)

    @root_field(
        REQUESTS_DECIDE, "Answer the partner's request, releasing this administration's records."
    )
    async def respond_to_assistance_request(
        self,
        info: Info,
        request: RequestSnapshotInput,
        release: ReleaseInput,
        idempotency_key: str,
    ) -> ResponseOutcome:
        principal = _context(info).principal
        snapshot, draft = rebuilt_request(request), release_draft(info, release, "release")
        with procedure():
            released, action = await _procedures(info).respond_to_request(
                principal, snapshot, draft, idempotency_key
            )
        return ResponseOutcome(
            release=released,  # type: ignore[arg-type]
            partner_action=action,  # type: ignore[arg-type]
        )

    @root_field(DISCLOSURES_WRITE, "Release this administration's records on its own initiative.")
    async def disclose_spontaneously(
        self, info: Info, input: ReleaseInput, idempotency_key: str
    ) -> Release:
        principal = _context(info).principal
        draft = release_draft(info, input, "input")
        with procedure():
            found = await _procedures(info).disclose(principal, draft, idempotency_key)
        return found  # type: ignore[return-value]

    @root_field(DISCLOSURES_WRITE, "Revoke a release of this administration.")
    async def revoke_release(
        self, info: Info, id: strawberry.ID, reason: str, idempotency_key: str
    ) -> Release:
        principal = _context(info).principal
        with procedure():
            local = _local(info, id, "Release", "id")
            found = await _procedures(info).revoke_release(
                principal, local, reason, idempotency_key
            )
        return found  # type: ignore[return-value]

    @root_field(CONSENTS_WRITE, "Ask this administration's consent to a use of its records.")
    async def request_consent(
        self, info: Info, input: ConsentInput, idempotency_key: str
    ) -> ConsentRequest:
        principal = _context(info).principal
        draft = consent_draft(info, input)
        with procedure():
            found = await _procedures(info).request_consent(principal, draft, idempotency_key)
        return found  # type: ignore[return-value]

    @root_field(CONSENTS_WRITE, "Grant or refuse a consent request made of this administration.")
    async def decide_consent(
        self,
        info: Info,
        id: strawberry.ID,
        grant: bool,
        idempotency_key: str,
        reason: str | None = None,
    ) -> ConsentRequest:
        principal = _context(info).principal
        with procedure():
            local = _local(info, id, "Consent", "id")
            found = await _procedures(info).decide_consent(
                principal, local, grant, reason, idempotency_key
            )
        return found  # type: ignore[return-value]

    @root_field(
        CUSTODY_WRITE, "Add an event to the chain of custody of this administration's item."
    )
    async def record_custody_event(
        self,
        info: Info,
        evidence_id: strawberry.ID,
        input: CustodyEventInput,
        idempotency_key: str,
    ) -> Evidence:
        principal = _context(info).principal
        draft = input.draft()
        with procedure():
            local = _local(info, evidence_id, "Evidence", "evidenceId")
            found = await _procedures(info).record_custody(principal, local, draft, idempotency_key)
        return found  # type: ignore[return-value]

    @root_field(REQUESTS_WRITE, "Confirm that an entity of this administration is the partner's.")
    async def confirm_entity_match(
        self,
        info: Info,
        entity_id: strawberry.ID,
        partner_entity_id: strawberry.ID,
        reason: str,
        idempotency_key: str,
    ) -> EntityLink:
        principal = _context(info).principal
        partner = decode_global_id(partner_entity_id)
        if partner is None or partner.type_name != "Entity":
            raise BadUserInput("Name the partner's entity by its id.", field="partnerEntityId")
        with procedure():
            local = _local(info, entity_id, "Entity", "entityId")
            found = await _procedures(info).confirm_entity_match(
                principal, local, partner.owner, partner.local_id, reason, idempotency_key
            )
        return found  # type: ignore[return-value]


@strawberry.type
class ProcedureQuery:
    @root_field(
        EVIDENCE_READ,
        "Originals held by this administration past their return date, that the caller may see.",
    )
    async def overdue_originals(self, info: Info) -> list[Evidence]:
        principal = _context(info).principal
        with procedure():
            found = await _procedures(info).overdue_originals(principal)
        return list(found)  # type: ignore[arg-type]
