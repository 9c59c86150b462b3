"""The agreement's procedures as mutations, each routed to the source that owns what it
creates or changes; a retry with the same idempotency key returns the first result."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from auth.policy.procedures import Action, ProcedureViolation, RequestForm
from auth.policy.rules import Rule
from auth.policy.scopes import (
    CONSENTS_WRITE,
    CUSTODY_WRITE,
    DISCLOSURES_WRITE,
    REQUESTS_DECIDE,
    REQUESTS_WRITE,
)
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
    AssistanceRequestInput,
    ConsentInput,
    ConsentRequest,
    CustodyEventInput,
    DecisionInput,
    DecisionPayload,
    EntityLink,
    ReleaseInput,
    ResponseInput,
    ResponsePayload,
)
from resolvers.reporting import report
from resolvers.sources.base import AdministrationSource, SourceDown
from resolvers.sources.drafts import (
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.ids import GlobalId, decode_global_id
from resolvers.sources.records import RequestRecord
from store.models.domain import Administration, RecordType

T = TypeVar("T")
RECORD_TYPES = {
    "Case": RecordType.CASE,
    "Entity": RecordType.ENTITY,
    "Evidence": RecordType.EVIDENCE,
}


def _context(info: Info) -> ExchangeContext:
    return info.context


async def _on(
    info: Info, owner: Administration, work: Callable[[AdministrationSource], Awaitable[T]]
) -> T:
    """Run a procedure on the owner's source; refusals and outages become coded errors."""
    try:
        return await _context(info).call(owner, work)
    except ProcedureViolation as violation:
        raise refusal_error(violation) from None
    except SourceDown as exc:
        raise SourceUnavailableError(owner.value, overloaded=exc.overloaded) from None


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


def _records(ids: list[strawberry.ID], field: str) -> tuple[Administration, tuple[Any, ...]]:
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


def _release_draft(value: ReleaseInput, field: str) -> tuple[Administration, ReleaseDraft]:
    owner, refs = _records(value.records, f"{field}.records")
    return owner, value.draft(refs)


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
    principal = _context(info).principal
    try:
        return await _context(info).call(
            request.owner,
            lambda source: source.receive_partner_action(principal, request.id, action),
        )
    except ProcedureViolation as violation:
        report(info, refusal_error(violation))
    except SourceDown:
        report(info, SourceUnavailableError(request.owner.value))
    return None


async def _requester_step(info: Info, request_id: str, action: Action, key: str) -> Any:
    principal = _context(info).principal
    decoded = _id(request_id, "AssistanceRequest", "id")
    owner = _own(info, decoded, "id")
    return await _on(
        info,
        owner,
        lambda source: source.requester_action(principal, decoded.local_id, action, key),
    )


@strawberry.type
class Mutation:
    @scoped_field(REQUESTS_WRITE)
    async def submit_assistance_request(
        self, info: Info, input: AssistanceRequestInput, idempotency_key: str
    ) -> AssistanceRequest | None:
        principal = _context(info).principal
        case_id = None
        if input.case_id is not None:
            case_id = _id(input.case_id, "Case", "caseId")
            _own(info, case_id, "caseId")
        draft = RequestDraft(
            form=RequestForm(
                requested_administration=input.requested_administration,
                matter=input.matter,
                assistance_type=input.assistance_type.value,
                reasons=input.reasons,
                case_description=input.case_description,
                legal_provisions=tuple(input.legal_provisions),
                persons_concerned=tuple((p.name, p.address) for p in input.persons_concerned),
            ),
            case_id=case_id.local_id if case_id else None,
            urgency=input.urgency.value,
            oral=input.oral,
        )
        return await _on(
            info,
            principal.administration,
            lambda source: source.submit_request(principal, draft, idempotency_key),
        )

    @scoped_field(REQUESTS_WRITE)
    async def confirm_assistance_request_in_writing(
        self, info: Info, id: strawberry.ID, idempotency_key: str
    ) -> AssistanceRequest | None:
        return await _requester_step(info, id, Action.CONFIRM_IN_WRITING, idempotency_key)

    @scoped_field(REQUESTS_WRITE)
    async def close_assistance_request(
        self, info: Info, id: strawberry.ID, idempotency_key: str
    ) -> AssistanceRequest | None:
        return await _requester_step(info, id, Action.CLOSE, idempotency_key)

    @scoped_field(REQUESTS_DECIDE)
    async def decide_assistance_request(
        self, info: Info, input: DecisionInput, idempotency_key: str
    ) -> DecisionPayload | None:
        principal = _context(info).principal
        request = await _partner_request(info, input.request_id)
        draft = input.draft()
        decision, action = await _on(
            info,
            principal.administration,
            lambda source: source.decide_request(principal, request, draft, idempotency_key),
        )
        updated = await _deliver(info, request, action)
        return DecisionPayload(decision=decision, request=updated)

    @scoped_field(REQUESTS_DECIDE)
    async def respond_to_assistance_request(
        self, info: Info, input: ResponseInput, idempotency_key: str
    ) -> ResponsePayload | None:
        principal = _context(info).principal
        request = await _partner_request(info, input.request_id)
        owner, draft = _release_draft(input.release, "input.release")
        if owner is not principal.administration:
            raise Forbidden(
                "Only the owner releases a record.", rule=Rule.SOURCE_CONTROLS, field="records"
            )
        release, action = await _on(
            info,
            owner,
            lambda source: source.respond_to_request(principal, request, draft, idempotency_key),
        )
        updated = await _deliver(info, request, action)
        return ResponsePayload(release=release, request=updated)

    @scoped_field(DISCLOSURES_WRITE)
    async def disclose_spontaneously(
        self, info: Info, input: ReleaseInput, idempotency_key: str
    ) -> Release | None:
        principal = _context(info).principal
        owner, draft = _release_draft(input, "input")
        if owner is not principal.administration:
            raise Forbidden(
                "Only the owner releases a record.", rule=Rule.SOURCE_CONTROLS, field="records"
            )
        return await _on(
            info, owner, lambda source: source.disclose(principal, draft, idempotency_key)
        )

    @scoped_field(DISCLOSURES_WRITE)
    async def revoke_release(
        self, info: Info, id: strawberry.ID, reason: str, idempotency_key: str
    ) -> Release | None:
        principal = _context(info).principal
        decoded = _id(id, "Release", "id")
        owner = _own(info, decoded, "id")
        return await _on(
            info,
            owner,
            lambda source: source.revoke_release(
                principal, decoded.local_id, reason, idempotency_key
            ),
        )

    @scoped_field(CONSENTS_WRITE)
    async def request_consent(
        self, info: Info, input: ConsentInput, idempotency_key: str
    ) -> ConsentRequest | None:
        principal = _context(info).principal
        owner, refs = _records(input.records, "input.records")
        draft = input.draft(refs)
        return await _on(
            info, owner, lambda source: source.request_consent(principal, draft, idempotency_key)
        )

    @scoped_field(CONSENTS_WRITE)
    async def decide_consent(
        self,
        info: Info,
        id: strawberry.ID,
        grant: bool,
        idempotency_key: str,
        reason: str | None = None,
    ) -> ConsentRequest | None:
        principal = _context(info).principal
        decoded = _id(id, "Consent", "id")
        owner = _own(info, decoded, "id")
        return await _on(
            info,
            owner,
            lambda source: source.decide_consent(
                principal, decoded.local_id, grant, reason, idempotency_key
            ),
        )

    @scoped_field(CUSTODY_WRITE)
    async def record_custody_event(
        self, info: Info, evidence_id: strawberry.ID, input: CustodyEventInput, idempotency_key: str
    ) -> Evidence | None:
        principal = _context(info).principal
        decoded = _id(evidence_id, "Evidence", "evidenceId")
        owner = _own(info, decoded, "evidenceId")
        draft = input.draft()
        return await _on(
            info,
            owner,
            lambda source: source.record_custody(
                principal, decoded.local_id, draft, idempotency_key
            ),
        )

    @scoped_field(REQUESTS_WRITE)
    async def confirm_entity_match(
        self,
        info: Info,
        entity_id: strawberry.ID,
        partner_entity_id: strawberry.ID,
        reason: str,
        idempotency_key: str,
    ) -> EntityLink | None:
        principal = _context(info).principal
        own = _id(entity_id, "Entity", "entityId")
        owner = _own(info, own, "entityId")
        partner = _id(partner_entity_id, "Entity", "partnerEntityId")
        if partner.owner is owner:
            raise BadUserInput(
                "The match must be with the partner's entity.",
                field="partnerEntityId",
                rule=Rule.REQUEST_FORM,
            )
        visible = await _context(info).loaders.entities.load((partner.owner, partner.local_id))
        if visible is None:
            raise NotFound("No Entity has this id.", field="partnerEntityId")
        return await _on(
            info,
            owner,
            lambda source: source.confirm_entity_match(
                principal, own.local_id, partner.owner, partner.local_id, reason, idempotency_key
            ),
        )
