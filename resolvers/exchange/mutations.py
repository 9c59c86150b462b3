"""The agreement's procedures as the exchange's mutations (resolvers.vocabulary.procedures),
each carried out on the source of the administration that owns what it creates or changes; a
retry with the same idempotency key returns the first result.

The exchange's own are the steps of a request: a requester confirms or closes its own; the
requested side decides or answers on its store, and the requester's store is then told.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import strawberry
from strawberry.tools import merge_types
from strawberry.types import Info

from auth.policy.procedures import Action, ProcedureViolation
from auth.policy.rules import Rule
from resolvers.authorization import scoped_field
from resolvers.errors import (
    BadUserInput,
    Forbidden,
    NotFound,
    SourceUnavailableError,
    refusal_error,
)
from resolvers.exchange.context import ExchangeContext
from resolvers.exchange.types import AssistanceRequest, Evidence, Release
from resolvers.exchange.workflow_types import (
    ConsentRequest,
    Decision,
    DecisionInput,
    DecisionPayload,
    EntityLink,
    ResponseInput,
    ResponsePayload,
)
from resolvers.reporting import report
from resolvers.sources import base as calls
from resolvers.sources.base import Procedure, RecordKey, SourceDown
from resolvers.sources.drafts import PartnerAction, RecordRef
from resolvers.sources.ids import GlobalId, decode_global_id
from resolvers.sources.records import RequestRecord
from resolvers.vocabulary.inputs import AssistanceRequestInput
from resolvers.vocabulary.procedures import Declared, Resolver, Side, answer_types, procedure_fields
from store.models.domain import Administration, RecordType

A = TypeVar("A")
T = TypeVar("T")
RECORD_TYPES = {
    "Case": RecordType.CASE,
    "Entity": RecordType.ENTITY,
    "Evidence": RecordType.EVIDENCE,
}
# The exchange's type for each record a procedure answers with.
ANSWERS = answer_types(AssistanceRequest, Release, ConsentRequest, Evidence, EntityLink)


def _context(info: Info) -> ExchangeContext:
    context: ExchangeContext = info.context
    return context


def _id(value: str, type_name: str, field: str) -> GlobalId:
    decoded = decode_global_id(value)
    if decoded is None or decoded.type_name != type_name:
        raise NotFound(f"No {type_name} has this id.", field=field)
    return decoded


def _own(info: Info, decoded: GlobalId, field: str) -> Administration:
    caller = _context(info).principal.administration
    if decoded.owner is not caller:
        raise Forbidden(
            "Only the owning administration can do this.", rule=Rule.SOURCE_CONTROLS, field=field
        )
    return caller


def _records(ids: Sequence[str], field: str) -> tuple[Administration, tuple[RecordRef, ...]]:
    refs = []
    owners = set()
    for index, value in enumerate(ids):
        decoded = decode_global_id(value)
        if decoded is None or decoded.type_name not in RECORD_TYPES:
            raise BadUserInput(
                "Name cases, entities or evidence by their ids.",
                field=f"{field}[{index}]",
                rule=Rule.REQUEST_FORM,
            )
        owners.add(decoded.owner)
        refs.append((RECORD_TYPES[decoded.type_name], decoded.local_id))
    if not refs:
        raise BadUserInput("Name at least one record.", field=field, rule=Rule.REQUEST_FORM)
    if len(owners) != 1:
        raise BadUserInput(
            "All records must belong to one administration.", field=field, rule=Rule.REQUEST_FORM
        )
    return owners.pop(), tuple(refs)


class ExchangeSide(Side):
    """The exchange's side of the procedures (resolvers.vocabulary.procedures.Side)."""

    request_input = AssistanceRequestInput

    @contextmanager
    def refusals(self) -> Iterator[None]:
        try:
            yield
        except ProcedureViolation as violation:
            raise refusal_error(violation) from None
        except SourceDown as exc:
            raise SourceUnavailableError(
                exc.administration.value, overloaded=exc.overloaded
            ) from None

    def owned(
        self, info: Info, value: str, type_name: str, field: str
    ) -> tuple[Administration, int]:
        decoded = _id(value, type_name, field)
        return _own(info, decoded, field), decoded.local_id

    def records(
        self, info: Info, ids: Sequence[str], field: str, *, releasing: bool
    ) -> tuple[Administration, tuple[RecordRef, ...]]:
        owner, refs = _records(ids, field)
        if releasing and owner is not self.caller(info).administration:
            raise Forbidden(
                "Only the owner releases a record.", rule=Rule.SOURCE_CONTROLS, field="records"
            )
        return owner, refs

    async def partner_entity(self, info: Info, value: str, owner: Administration) -> RecordKey:
        partner = _id(value, "Entity", "partnerEntityId")
        if partner.owner is owner:
            raise BadUserInput(
                "The match must be with the partner's entity.",
                field="partnerEntityId",
                rule=Rule.REQUEST_FORM,
            )
        visible = await _context(info).loaders.entities.load((partner.owner, partner.local_id))
        if visible is None:
            raise NotFound("No Entity has this id.", field="partnerEntityId")
        return partner.owner, partner.local_id

    async def perform(self, info: Info, owner: Administration, procedure: Procedure[A]) -> A:
        principal = self.caller(info)
        return await _context(info).call(owner, lambda source: source.perform(principal, procedure))

    def answer_type(self, record: type) -> Any:
        return ANSWERS[record] | None

    def field(self, declared: Declared, resolver: Resolver) -> Any:
        return scoped_field(declared.scope, resolver)


SIDE = ExchangeSide()


def _served(kind: type[T], record: object) -> T:
    """A source's record where the schema declares `kind`: strawberry reads each field of the
    type as the record's attribute of the same name; the type checker cannot relate the two."""
    return cast(T, record)


def _request(record: RequestRecord | None) -> AssistanceRequest | None:
    return None if record is None else _served(AssistanceRequest, record)


async def _partner_request(info: Info, value: str) -> RequestRecord:
    """A request addressed to the caller's administration, as the caller may see it."""
    decoded = _id(value, "AssistanceRequest", "requestId")
    request = await _context(info).loaders.requests.load((decoded.owner, decoded.local_id))
    if request is None:
        raise NotFound("No AssistanceRequest has this id.", field="requestId")
    return request


async def _deliver(
    info: Info, request: RequestRecord, action: PartnerAction
) -> RequestRecord | None:
    """Tell the requester's store what was decided or sent. If it cannot be reached now, the
    decision stands in the requested store and a retry with the same key delivers it."""
    try:
        return await SIDE.perform(
            info, request.owner, calls.ReceivePartnerAction(request.id, action)
        )
    except ProcedureViolation as violation:
        report(info, refusal_error(violation))
    except SourceDown:
        report(info, SourceUnavailableError(request.owner.value))
    return None


async def _requester_step(info: Info, request_id: str, action: Action, key: str) -> Any:
    with SIDE.refusals():
        owner, local = SIDE.owned(info, request_id, "AssistanceRequest", "id")
        return await SIDE.perform(info, owner, calls.RequesterAction(local, action, key))


@strawberry.type
class RequestSteps:
    @scoped_field(calls.RequesterAction.scope)
    async def confirm_assistance_request_in_writing(
        self, info: Info, id: strawberry.ID, idempotency_key: str
    ) -> AssistanceRequest | None:
        return await _requester_step(info, id, Action.CONFIRM_IN_WRITING, idempotency_key)

    @scoped_field(calls.RequesterAction.scope)
    async def close_assistance_request(
        self, info: Info, id: strawberry.ID, idempotency_key: str
    ) -> AssistanceRequest | None:
        return await _requester_step(info, id, Action.CLOSE, idempotency_key)

    @scoped_field(calls.DecideRequest.scope)
    async def decide_assistance_request(
        self, info: Info, input: DecisionInput, idempotency_key: str
    ) -> DecisionPayload | None:
        caller = SIDE.caller(info).administration
        request = await _partner_request(info, input.request_id)
        with SIDE.refusals():
            outcome = await SIDE.perform(
                info, caller, calls.DecideRequest(request, input.draft(), idempotency_key)
            )
        updated = await _deliver(info, request, outcome.partner_action)
        return DecisionPayload(
            decision=_served(Decision, outcome.decision), request=_request(updated)
        )

    @scoped_field(calls.RespondToRequest.scope)
    async def respond_to_assistance_request(
        self, info: Info, input: ResponseInput, idempotency_key: str
    ) -> ResponsePayload | None:
        request = await _partner_request(info, input.request_id)
        owner, refs = SIDE.records(
            info, input.release.records, "input.release.records", releasing=True
        )
        draft = input.release.draft(refs)
        with SIDE.refusals():
            outcome = await SIDE.perform(
                info, owner, calls.RespondToRequest(request, draft, idempotency_key)
            )
        updated = await _deliver(info, request, outcome.partner_action)
        return ResponsePayload(release=_served(Release, outcome.release), request=_request(updated))


Mutation = merge_types("Mutation", (RequestSteps, procedure_fields("ExchangeProcedures", SIDE)))
