"""The agreement's procedures on an administration's subgraph: one mutation per procedure of
the AdministrationSource interface (and Query.overdueOriginals), each carried out by the
owner's own in-process source for the caller the subgraph verified itself. The procedures'
fields are declared once for both schemas (resolvers.vocabulary.procedures); here is the
subgraph's side of them, and its own: the steps of a request as the transport carries them.

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

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import strawberry
from strawberry import federation
from strawberry.tools import merge_types
from strawberry.types import Info

from auth.policy.procedures import Action, ProcedureViolation
from auth.policy.rules import Rule
from auth.policy.scopes import EVIDENCE_READ
from resolvers.errors import BadUserInput, SourceUnavailableError, refusal_error
from resolvers.sources.base import (
    DecideRequest,
    Procedure,
    ReceivePartnerAction,
    RecordKey,
    RequesterAction,
    RespondToRequest,
    SourceDown,
)
from resolvers.sources.drafts import PartnerAction, RecordRef
from resolvers.sources.ids import TYPE_NAME_OF_RECORD, decode_global_id, global_id
from resolvers.sources.records import (
    ConsentRecord,
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
    Urgency,
)
from resolvers.vocabulary.inputs import DecisionInput, ReleaseInput
from resolvers.vocabulary.procedures import Declared, Resolver, Side, answer_types, procedure_fields
from resolvers.vocabulary.types import description_of
from store.models import domain

A = TypeVar("A")
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
class AssistanceRequestInput:
    """resolvers.vocabulary.inputs.AssistanceRequestInput, but for the two fields nullable
    here: the procedure, not GraphQL, refuses a request without them, with the rule
    REQUEST_FORM the in-process transport names (the exchange's caller sees that)."""

    requested_administration: Administration | None
    matter: str
    assistance_type: AssistanceType | None
    reasons: str
    case_description: str
    legal_provisions: list[str]
    persons_concerned: list[shared.PersonConcernedInput] = strawberry.field(default_factory=list)
    case_id: strawberry.ID | None = strawberry.field(
        default=None, description="The requester's own case."
    )
    urgency: Urgency = strawberry.field(default=domain.Urgency.ROUTINE)
    oral: bool = False


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
            record_type=domain.RecordType(item.record_type),
            record_id=strawberry.ID(
                global_id(TYPE_NAME_OF_RECORD[item.record_type], owner, item.record_id)
            ),
        )
        for item in items
    ]


def _consent_items(root: ConsentRecord) -> list[ReleaseItem]:
    return _items(root.owner, root.items)


def _entity_id(root: EntityLinkRecord) -> strawberry.ID:
    return strawberry.ID(global_id("Entity", root.owner, root.entity_id))


def _partner_entity_id(root: EntityLinkRecord) -> strawberry.ID:
    return strawberry.ID(global_id("Entity", root.partner_administration, root.partner_entity_id))


@value_type(description_of(shared_types.ConsentRequestFields), name="ConsentRequest")
class ConsentRequest(shared_types.ConsentRequestFields):
    items: list[ReleaseItem] = strawberry.field(resolver=_consent_items)


@value_type(description_of(shared_types.EntityLinkFields))
class EntityLink(shared_types.EntityLinkFields):
    id: Long = strawberry.field(
        name="localId", description="Its number in its owner's store (a link has no global id)."
    )
    owner: Administration
    entity_id: strawberry.ID = strawberry.field(
        resolver=_entity_id, description="The global id of the owner's entity."
    )
    partner_entity_id: strawberry.ID = strawberry.field(
        resolver=_partner_entity_id, description="The global id of the partner's entity."
    )


# -- the subgraph's side of the procedures ------------------------------------------------------


def _context(info: Info) -> SubgraphContext:
    context: SubgraphContext = info.context
    return context


def _local(info: Info, value: str, type_name: str, field: str) -> int:
    """The local id of this administration's record; any other id names nothing here."""
    decoded = decode_global_id(value)
    owner = _context(info).source.administration
    if decoded is None or decoded.type_name != type_name or decoded.owner is not owner:
        raise ProcedureViolation(
            f"No {type_name} of this administration has this id.", rule=Rule.NOT_FOUND, field=field
        )
    return decoded.local_id


# The subgraph's type for each record a procedure answers with.
ANSWERS = answer_types(AssistanceRequest, Release, ConsentRequest, Evidence, EntityLink)


class SubgraphSide(Side):
    """A subgraph's side of the procedures (resolvers.vocabulary.procedures.Side)."""

    request_input = AssistanceRequestInput

    @contextmanager
    def refusals(self) -> Iterator[None]:
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

    def owned(
        self, info: Info, value: str, type_name: str, field: str
    ) -> tuple[domain.Administration, int]:
        return _context(info).source.administration, _local(info, value, type_name, field)

    def records(
        self, info: Info, ids: Sequence[str], field: str, *, releasing: bool
    ) -> tuple[domain.Administration, tuple[RecordRef, ...]]:
        """This administration's records only, whoever releases them (the procedure decides)."""
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
        return owner, tuple(refs)

    async def partner_entity(
        self, info: Info, value: str, owner: domain.Administration
    ) -> RecordKey:
        partner = decode_global_id(value)
        if partner is None or partner.type_name != "Entity":
            raise BadUserInput("Name the partner's entity by its id.", field="partnerEntityId")
        return partner.owner, partner.local_id

    async def perform(self, info: Info, owner: domain.Administration, procedure: Procedure[A]) -> A:
        return await _context(info).source.perform(self.caller(info), procedure)

    def answer_type(self, record: type) -> Any:
        return ANSWERS[record]

    def field(self, declared: Declared, resolver: Resolver) -> Any:
        return root_field(declared.scope, declared.description)(resolver)


SIDE = SubgraphSide()


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


def partner_action(value: PartnerActionInput) -> PartnerAction:
    if value.new_status.value not in STATUSES_OF_ACTION[value.kind.value]:
        raise BadUserInput(
            f"A {value.kind.value} cannot bring a request to {value.new_status.value}.",
            field="action.newStatus",
        )
    if not 0 < value.local_id < 2**63:
        raise BadUserInput("Name the decision or release by its number.", field="action.localId")
    return PartnerAction(value.kind.value, value.local_id, value.new_status.value)


# -- the subgraph's own root fields: the steps of a request, as the transport carries them ------


@strawberry.type
class RequestSteps:
    @root_field(
        RequesterAction.scope, "A requester's own step on its request: confirm or close it."
    )
    async def requester_action(
        self, info: Info, id: strawberry.ID, action: RequestAction, idempotency_key: str
    ) -> AssistanceRequest:
        with SIDE.refusals():
            local = _local(info, id, "AssistanceRequest", "id")
            step = RequesterAction(local, Action(action.value), idempotency_key)
            found: Any = await SIDE.perform(info, SIDE.caller(info).administration, step)
        return found

    @root_field(
        ReceivePartnerAction.scope,
        "Record, in the requester's store, the requested administration's decision or release.",
    )
    async def receive_partner_action(
        self, info: Info, request_id: strawberry.ID, action: PartnerActionInput
    ) -> AssistanceRequest:
        delivered = partner_action(action)
        with SIDE.refusals():
            local = _local(info, request_id, "AssistanceRequest", "requestId")
            receive = ReceivePartnerAction(local, delivered)
            found: Any = await SIDE.perform(info, SIDE.caller(info).administration, receive)
        return found

    @root_field(
        DecideRequest.scope, "Decide on the partner's request addressed to this administration."
    )
    async def decide_assistance_request(
        self,
        info: Info,
        request: RequestSnapshotInput,
        input: DecisionInput,
        idempotency_key: str,
    ) -> DecisionOutcome:
        decide = DecideRequest(rebuilt_request(request), input.draft(), idempotency_key)
        with SIDE.refusals():
            outcome: Any = await SIDE.perform(info, SIDE.caller(info).administration, decide)
        return outcome

    @root_field(
        RespondToRequest.scope,
        "Answer the partner's request, releasing this administration's records.",
    )
    async def respond_to_assistance_request(
        self,
        info: Info,
        request: RequestSnapshotInput,
        release: ReleaseInput,
        idempotency_key: str,
    ) -> ResponseOutcome:
        snapshot = rebuilt_request(request)
        _, refs = SIDE.records(info, release.records, "release.records", releasing=True)
        respond = RespondToRequest(snapshot, release.draft(refs), idempotency_key)
        with SIDE.refusals():
            outcome: Any = await SIDE.perform(info, SIDE.caller(info).administration, respond)
        return outcome


Mutation = merge_types("Mutation", (RequestSteps, procedure_fields("SubgraphProcedures", SIDE)))


@strawberry.type
class ProcedureQuery:
    @root_field(
        EVIDENCE_READ,
        "Originals held by this administration past their return date, that the caller may see.",
    )
    async def overdue_originals(self, info: Info) -> list[Evidence]:
        with SIDE.refusals():
            found: Any = await _context(info).source.overdue_originals(SIDE.caller(info))
        return list(found)
