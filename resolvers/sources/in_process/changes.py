"""The rows each of the agreement's procedures writes to the owner's store.

Each procedure of the interface (resolvers.sources.base) is registered here with `persists`:
the function that writes its rows runs inside the transaction InProcessWrites opened, after
`serialise_writes`, asks auth.policy.procedures whether the change is allowed (the rules are
decided there, never here), and returns the (record type, id) it created or changed; its
`answer` then reads the record back under the caller's policy (Answers).
"""

import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import func, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.procedures import (
    Action,
    check_confirmable,
    check_consent_covered,
    check_consent_decider,
    check_consent_decision,
    check_consent_request,
    check_custody_event,
    check_decision,
    check_entity_match,
    check_exists,
    check_own_record,
    check_partner_report,
    check_records_named,
    check_release_terms,
    check_request_case,
    check_request_form,
    check_return,
    check_revocation,
    check_side,
    check_takes_decisions,
    effective_status,
    key_reused,
    next_status,
    reply_due,
)
from auth.policy.release import covering_release, read_grant
from auth.policy.scopes import CONSENTS_WRITE
from auth.principal import Principal
from resolvers.sources.base import (
    ConfirmEntityMatch,
    DecideConsent,
    DecideRequest,
    DecisionOutcome,
    Disclose,
    Procedure,
    ReceivePartnerAction,
    RecordCustody,
    RequestConsent,
    RequesterAction,
    RespondToRequest,
    ResponseOutcome,
    RevokeRelease,
    SubmitRequest,
)
from resolvers.sources.drafts import PartnerAction, ReleaseDraft
from resolvers.sources.records import (
    ConsentRecord,
    DecisionRecord,
    EntityLinkRecord,
    EvidenceRecord,
    ReleaseRecord,
    RequestRecord,
)
from store.agreement import Agreement
from store.models import (
    AssistanceRequest,
    AuditHead,
    Case,
    Consent,
    ConsentItem,
    CustodyEvent,
    Decision,
    Entity,
    EntityLink,
    Evidence,
    IdempotencyKey,
    Release,
    ReleaseItem,
)
from store.models._base import as_utc
from store.models.domain import (
    Administration,
    ConsentStatus,
    DecisionKind,
    RecordType,
    ReleaseBasis,
    RequestStatus,
)

Ref = tuple[str, int]
P = TypeVar("P", bound=Procedure[Any])
RECORD_TABLES: dict[RecordType, Any] = {
    RecordType.CASE: Case,
    RecordType.ENTITY: Entity,
    RecordType.EVIDENCE: Evidence,
}
DECIDED_STATUS = {
    DecisionKind.ACCEPT: RequestStatus.ACCEPTED,
    DecisionKind.REFUSE: RequestStatus.REFUSED,
    DecisionKind.POSTPONE: RequestStatus.POSTPONED,
    DecisionKind.ACCEPT_WITH_CONDITIONS: RequestStatus.CONDITIONAL,
}
DECISION_ACTION = {
    DecisionKind.ACCEPT: Action.ACCEPT,
    DecisionKind.REFUSE: Action.REFUSE,
    DecisionKind.POSTPONE: Action.POSTPONE,
    DecisionKind.ACCEPT_WITH_CONDITIONS: Action.ACCEPT_WITH_CONDITIONS,
}


@dataclass(frozen=True)
class Change:
    """Where a procedure's rows are written: the open transaction, who asked, whose store."""

    session: AsyncSession
    principal: Principal
    owner: Administration
    now: datetime
    agreement: Agreement


class Answers(Protocol):
    """A procedure's record read back for its caller (InProcessWrites): having made the
    change, the caller may see it."""

    async def request(self, request_id: int) -> RequestRecord: ...

    async def release(self, release_id: int) -> ReleaseRecord: ...

    async def consent(self, consent_id: int) -> ConsentRecord: ...

    async def evidence(self, evidence_id: int) -> EvidenceRecord: ...

    async def decision(self, decision_id: int) -> DecisionRecord: ...

    async def link(self, link_id: int) -> EntityLinkRecord: ...

    async def stored(self, table: Any, record_id: int) -> Any:
        """The row as stored, not filtered: for checks of a replay, never handed out."""
        ...


@dataclass(frozen=True)
class Persisted(Generic[P]):
    """How a procedure is carried out on the store.

    `owner_only`: only the owner's officials may do it (auth.policy.procedures.check_owner);
    `given`: the call's input a retry must repeat, without its key; `changes`: the record a
    replay must answer for (answering with another, unchanged, would tell the caller a change
    was made that was not); `key`: the idempotency key, where the caller gives none.
    """

    write: Callable[[Change, P], Awaitable[Ref]]
    answer: Callable[[Answers, P, Ref], Awaitable[Any]]
    given: Callable[[P], object]
    owner_only: bool = True
    changes: Callable[[P], int] | None = None
    key: Callable[[P], str] = lambda call: _given_key(call)


def _given_key(call: Any) -> str:
    """The key the caller gave with the call (every procedure but a delivery has one)."""
    return str(call.idempotency_key)


def _utc(moment: datetime) -> datetime:
    found = as_utc(moment)
    assert found is not None  # as_utc keeps a moment a moment
    return found


def _flushed(row_id: int | None) -> int:
    """The id a flushed row was given."""
    assert row_id is not None
    return row_id


PERSISTED: dict[type[Procedure[Any]], Persisted[Any]] = {}


def persists(
    procedure: type[P],
    answer: Callable[[Answers, P, Ref], Awaitable[Any]],
    given: Callable[[P], object],
    **options: Any,
) -> Callable[[Callable[[Change, P], Awaitable[Ref]]], Callable[[Change, P], Awaitable[Ref]]]:
    """Register the decorated function as what writes `procedure`'s rows."""

    def register(
        write: Callable[[Change, P], Awaitable[Ref]],
    ) -> Callable[[Change, P], Awaitable[Ref]]:
        PERSISTED[procedure] = Persisted(write, answer, given, **options)
        return write

    return register


async def _the_request(answers: Answers, _call: Any, ref: Ref) -> RequestRecord:
    return await answers.request(ref[1])


async def _the_release(answers: Answers, _call: Any, ref: Ref) -> ReleaseRecord:
    return await answers.release(ref[1])


async def _the_consent(answers: Answers, _call: Any, ref: Ref) -> ConsentRecord:
    return await answers.consent(ref[1])


def _for_request(
    request: RequestRecord, administration: str | None, request_id: int | None
) -> None:
    """A replayed decision or response stands for the request it was made on; delivering it
    to another request would give that one a status nobody decided."""
    if (administration, request_id) != (request.owner.value, request.id):
        raise key_reused()


class Replay(Exception):
    """The idempotency key was used before: its first result stands."""

    def __init__(self, record_type: str, record_id: int) -> None:
        super().__init__(record_type)
        self.record_type, self.record_id = record_type, record_id


async def serialise_writes(session: AsyncSession) -> None:
    """Take the store's write lock first: concurrent mutations (and retries of one) run one
    after another, so an idempotency key is always seen by the retry that follows."""
    await session.exec(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=AuditHead.seq))


def scoped_key(principal: Principal, key: str) -> str:
    return f"{principal.administration.value}:{principal.client_id}:{key}"


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: getattr(value, item.name) for item in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"no canonical form for {type(value).__name__}")


def input_digest(given: object) -> str:
    """SHA-256 of a procedure's input in one canonical form (JSON, sorted keys, times in UTC):
    what a retry must repeat exactly to be answered with the first result."""
    text = json.dumps(
        given, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_canonical
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def claim(session: AsyncSession, key: str, operation: str, digest: str) -> None:
    """Nothing when the key is new; Replay when it was used for this very call; refused when
    it was used for another operation or with other input."""
    found = await session.get(IdempotencyKey, key)
    if found is None:
        return
    # A key remembered before digests were kept replays on the operation alone, as it did.
    other_input = found.input_digest is not None and found.input_digest != digest
    if found.operation != operation or other_input:
        raise key_reused()
    raise Replay(found.record_type, found.record_id)


def remember(
    session: AsyncSession, key: str, operation: str, digest: str, ref: Ref, now: datetime
) -> None:
    session.add(
        IdempotencyKey(
            key=key,
            operation=operation,
            record_type=ref[0],
            record_id=ref[1],
            input_digest=digest,
            created_at=now,
        )
    )


REFERENCE_PREFIX = {Administration.US: "CBP-MAA", Administration.UZ: "DBQ-MAA"}


async def _next_reference(session: AsyncSession, owner: Administration, now: datetime) -> str:
    """The next mutual-assistance request reference of the year, e.g. CBP-MAA-2026-00042."""
    stem = f"{REFERENCE_PREFIX[owner]}-{now.year}-"
    latest = (
        await session.exec(
            select(func.max(AssistanceRequest.reference)).where(
                AssistanceRequest.reference.startswith(stem)
            )
        )
    ).one()
    number = int(latest.rsplit("-", 1)[1]) + 1 if latest else 1
    return f"{stem}{number:05d}"


def _parts(
    change: Change,
) -> tuple[AsyncSession, Principal, Administration, datetime, Agreement]:
    return change.session, change.principal, change.owner, change.now, change.agreement


# -- requests (the requester's store) -----------------------------------------------------------


@persists(SubmitRequest, _the_request, lambda call: call.input)
async def submit_request(change: Change, call: SubmitRequest) -> Ref:
    session, principal, owner, now, agreement = _parts(change)
    draft = call.input
    check_request_form(draft.form, owner)
    requested = draft.form.requested_administration
    assert requested is not None  # check_request_form refuses a request without it
    if draft.case_id is not None:
        check_request_case(await session.get(Case, draft.case_id) is not None)
    request = AssistanceRequest(
        reference=await _next_reference(session, owner, now),
        requesting_administration=owner.value,
        requested_administration=requested.value,
        agreement_reference=agreement.reference,
        matter=draft.form.matter.strip(),
        assistance_type=str(draft.form.assistance_type),
        reasons=draft.form.reasons.strip(),
        case_description=draft.form.case_description.strip(),
        legal_provisions=list(draft.form.legal_provisions),
        persons_concerned=[
            {"name": name, "address": address} for name, address in draft.form.persons_concerned
        ],
        case_id=draft.case_id,
        urgency=draft.urgency,
        oral=draft.oral,
        confirmed_in_writing_at=None,
        submitted_at=now,
        submitted_by=principal.subject,
        due_at=reply_due(now, agreement),
        status=RequestStatus.SUBMITTED.value,
    )
    session.add(request)
    await session.flush()
    return ("REQUEST", _flushed(request.id))


async def _own_request(session: AsyncSession, request_id: int) -> AssistanceRequest:
    request = await session.get(AssistanceRequest, request_id)
    check_exists(request is not None, "assistance request")
    assert request is not None
    return request


def _current(request: AssistanceRequest, now: datetime, agreement: Agreement) -> RequestStatus:
    return effective_status(
        RequestStatus(request.status),
        request.oral,
        request.confirmed_in_writing_at,
        _utc(request.submitted_at),
        now,
        agreement,
    )


@persists(
    RequesterAction,
    _the_request,
    lambda call: (call.id, call.action),
    changes=lambda call: call.id,
)
async def requester_action(change: Change, call: RequesterAction) -> Ref:
    """Confirm in writing, or close: the requester's own steps."""
    session, principal, _owner, now, agreement = _parts(change)
    request_id, action = call.id, call.action
    request = await _own_request(session, request_id)
    check_side(action, principal.administration, Administration(request.requesting_administration))
    current = _current(request, now, agreement)
    following = next_status(current, action)
    if action is Action.CONFIRM_IN_WRITING:
        check_confirmable(request.oral, request.confirmed_in_writing_at)
        request.confirmed_in_writing_at = now
    if action is Action.CLOSE:
        request.closed_at = now
    request.status = following.value
    session.add(request)
    return ("REQUEST", request_id)


@persists(
    ReceivePartnerAction,
    _the_request,
    lambda call: (call.request_id, call.action),
    owner_only=False,
    key=lambda call: f"receive:{call.request_id}:{call.action.label}",
)
async def receive_partner_action(change: Change, call: ReceivePartnerAction) -> Ref:
    """Record in the requester's store what the requested administration decided or sent."""
    session, principal, _owner, now, agreement = _parts(change)
    request_id, action = call.request_id, call.action
    request = await _own_request(session, request_id)
    requested = Administration(request.requested_administration)
    check_partner_report(principal.administration, requested)
    if request.last_partner_action == action.label:
        return ("REQUEST", request_id)
    check_takes_decisions(_current(request, now, agreement))
    request.status = action.new_status
    request.last_partner_action = action.label
    session.add(request)
    return ("REQUEST", request_id)


# -- decisions and releases (the requested administration's store) -----------------------------


async def _latest_decision(session: AsyncSession, request: RequestRecord) -> Decision | None:
    return (
        await session.exec(
            select(Decision)
            .where(
                Decision.request_administration == request.owner.value,
                Decision.request_id == request.id,
            )
            .order_by(col(Decision.id).desc())
            .limit(1)
        )
    ).first()


async def _answered(session: AsyncSession, request: RequestRecord) -> bool:
    found = await session.exec(
        select(Release.id).where(
            Release.request_administration == request.owner.value,
            Release.request_id == request.id,
        )
    )
    return found.first() is not None


async def _status_here(session: AsyncSession, request: RequestRecord) -> RequestStatus:
    """The request's status as the requested side knows it: its own decisions and answers
    first, since the requester's copy may not have received the latest yet."""
    status = RequestStatus(request.status)
    if status in (RequestStatus.LAPSED, RequestStatus.CLOSED):
        return status
    if await _answered(session, request):
        return RequestStatus.ANSWERED
    latest = await _latest_decision(session, request)
    if latest is None:
        return status
    return next_status(RequestStatus.SUBMITTED, DECISION_ACTION[DecisionKind(latest.decision)])


async def _decided(answers: Answers, call: DecideRequest, ref: Ref) -> DecisionOutcome:
    stored = await answers.stored(Decision, ref[1])
    _for_request(call.request, stored.request_administration, stored.request_id)
    status = DECIDED_STATUS[DecisionKind(stored.decision)]
    decision = await answers.decision(ref[1])
    return DecisionOutcome(decision, PartnerAction("DECISION", ref[1], status.value))


@persists(DecideRequest, _decided, lambda call: (call.request.owner, call.request.id, call.input))
async def decide_request(change: Change, call: DecideRequest) -> Ref:
    session, principal, owner, now, agreement = _parts(change)
    request, draft = call.request, call.input
    action = DECISION_ACTION[draft.decision]
    check_side(action, principal.administration, request.requesting_administration)
    check_decision(
        request.requested_administration,
        owner,
        draft.decision,
        draft.ground,
        draft.reason,
        draft.conditions,
        agreement,
    )
    next_status(await _status_here(session, request), action)
    decision = Decision(
        request_administration=request.owner.value,
        request_id=request.id,
        request_reference=request.reference,
        decision=draft.decision.value,
        ground=draft.ground,
        reason=draft.reason,
        conditions=list(draft.conditions),
        decided_at=now,
        decided_by=principal.subject,
    )
    session.add(decision)
    await session.flush()
    return ("DECISION", _flushed(decision.id))


async def _check_own_records(
    session: AsyncSession, records: tuple[tuple[RecordType, int], ...]
) -> None:
    check_records_named(len(records))
    for index, (record_type, record_id) in enumerate(records):
        check_own_record(
            await session.get(RECORD_TABLES[record_type], record_id) is not None, index
        )


async def _write_release(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    draft: ReleaseDraft,
    now: datetime,
    agreement: Agreement,
    *,
    basis: ReleaseBasis,
    request: RequestRecord | None = None,
    decision: Decision | None = None,
) -> int:
    check_release_terms(draft.purpose, _utc(draft.expires_at), draft.permitted_uses, now, agreement)
    await _check_own_records(session, draft.records)
    release = Release(
        recipient=owner.partner.value,
        basis=basis.value,
        decision_id=decision.id if decision else None,
        request_administration=request.owner.value if request else None,
        request_id=request.id if request else None,
        request_reference=request.reference if request else None,
        purpose=draft.purpose.strip(),
        permitted_uses=list(draft.permitted_uses),
        consent_required_for=[use.value for use in agreement.uses_needing_consent],
        # The conditions of a conditional acceptance bind the records it releases.
        conditions=list(decision.conditions) if decision else [],
        includes_personal_data=draft.includes_personal_data,
        created_at=now,
        created_by=principal.subject,
        expires_at=draft.expires_at,
    )
    session.add(release)
    await session.flush()
    release_id = _flushed(release.id)
    for record_type, record_id in dict.fromkeys(draft.records):
        session.add(
            ReleaseItem(release_id=release_id, record_type=record_type.value, record_id=record_id)
        )
    return release_id


async def _responded(answers: Answers, call: RespondToRequest, ref: Ref) -> ResponseOutcome:
    stored = await answers.stored(Release, ref[1])
    _for_request(call.request, stored.request_administration, stored.request_id)
    release = await answers.release(ref[1])
    return ResponseOutcome(release, PartnerAction("RELEASE", ref[1], RequestStatus.ANSWERED.value))


@persists(
    RespondToRequest, _responded, lambda call: (call.request.owner, call.request.id, call.release)
)
async def respond_to_request(change: Change, call: RespondToRequest) -> Ref:
    session, principal, owner, now, agreement = _parts(change)
    request, draft = call.request, call.release
    check_side(Action.RESPOND, principal.administration, request.requesting_administration)
    next_status(await _status_here(session, request), Action.RESPOND)
    decision = await _latest_decision(session, request)
    release_id = await _write_release(
        session,
        principal,
        owner,
        draft,
        now,
        agreement,
        basis=ReleaseBasis.REQUEST,
        request=request,
        decision=decision,
    )
    return ("RELEASE", release_id)


@persists(Disclose, _the_release, lambda call: call.input)
async def disclose(change: Change, call: Disclose) -> Ref:
    session, principal, owner, now, agreement = _parts(change)
    draft = call.input
    release_id = await _write_release(
        session, principal, owner, draft, now, agreement, basis=ReleaseBasis.SPONTANEOUS
    )
    return ("RELEASE", release_id)


@persists(
    RevokeRelease, _the_release, lambda call: (call.id, call.reason), changes=lambda call: call.id
)
async def revoke_release(change: Change, call: RevokeRelease) -> Ref:
    session, now, release_id, reason = change.session, change.now, call.id, call.reason
    release = await session.get(Release, release_id)
    check_exists(release is not None, "release of this administration")
    assert release is not None
    check_revocation(release.revoked_at, reason)
    release.revoked_at = now
    release.revocation_reason = reason.strip()
    session.add(release)
    return ("RELEASE", release_id)


# -- consents (the owner's store) -----------------------------------------------------------------


@persists(RequestConsent, _the_consent, lambda call: call.input, owner_only=False)
async def request_consent(change: Change, call: RequestConsent) -> Ref:
    session, principal, owner, now, agreement = _parts(change)
    draft = call.input
    check_consent_request(
        principal.administration, owner, draft.use, draft.purpose, len(draft.records), agreement
    )
    grant = read_grant(owner, principal, CONSENTS_WRITE)
    for index, (record_type, record_id) in enumerate(draft.records):
        released = await session.exec(
            select(covering_release(record_type, literal(record_id), grant, now))
        )
        check_consent_covered(released.one() is not None, index)
    consent = Consent(
        requesting_administration=principal.administration.value,
        use=draft.use.value,
        recipient_agency=draft.recipient_agency,
        recipient_country=draft.recipient_country,
        purpose=draft.purpose.strip(),
        status=ConsentStatus.PENDING.value,
        requested_at=now,
        requested_by=principal.subject,
    )
    session.add(consent)
    await session.flush()
    consent_id = _flushed(consent.id)
    for record_type, record_id in dict.fromkeys(draft.records):
        session.add(
            ConsentItem(consent_id=consent_id, record_type=record_type.value, record_id=record_id)
        )
    return ("CONSENT", consent_id)


@persists(
    DecideConsent,
    _the_consent,
    lambda call: (call.id, call.grant, call.reason),
    owner_only=False,
    changes=lambda call: call.id,
)
async def decide_consent(change: Change, call: DecideConsent) -> Ref:
    session, principal, owner, now, _agreement = _parts(change)
    consent_id, grant, reason = call.id, call.grant, call.reason
    check_consent_decider(principal.administration, owner)
    consent = await session.get(Consent, consent_id)
    check_exists(consent is not None, "consent request")
    assert consent is not None
    check_consent_decision(consent.status, grant, reason)
    consent.status = (ConsentStatus.GRANTED if grant else ConsentStatus.REFUSED).value
    consent.decided_at = now
    consent.decided_by = principal.subject
    consent.reason = reason.strip() if reason else None
    session.add(consent)
    return ("CONSENT", consent_id)


# -- custody and links (the owner's store) -----------------------------------------------------


async def _the_evidence(answers: Answers, call: RecordCustody, _ref: Ref) -> EvidenceRecord:
    return await answers.evidence(call.evidence_id)


@persists(
    RecordCustody,
    _the_evidence,
    lambda call: (call.evidence_id, call.input),
    changes=lambda call: call.evidence_id,
)
async def record_custody(change: Change, call: RecordCustody) -> Ref:
    session, now, evidence_id, draft = change.session, change.now, call.evidence_id, call.input
    evidence = await session.get(Evidence, evidence_id)
    check_exists(evidence is not None, "evidence item of this administration")
    assert evidence is not None
    last = (
        await session.exec(
            select(CustodyEvent)
            .where(CustodyEvent.evidence_id == evidence_id)
            .order_by(col(CustodyEvent.sequence).desc())
            .limit(1)
        )
    ).first()
    check_custody_event(
        draft.from_holder,
        draft.to_holder,
        draft.purpose,
        _utc(draft.at),
        now,
        None if last is None else as_utc(last.at),
    )
    session.add(
        CustodyEvent(
            evidence_id=evidence_id,
            sequence=(last.sequence if last else 0) + 1,
            from_holder=draft.from_holder.strip(),
            to_holder=draft.to_holder.strip(),
            at=draft.at,
            purpose=draft.purpose.strip(),
            seal=draft.seal,
            condition=draft.condition,
        )
    )
    if draft.returned:
        check_return(evidence.return_due, evidence.returned_at)
        evidence.returned_at = draft.at
        session.add(evidence)
    return ("EVIDENCE", evidence_id)


async def _the_link(answers: Answers, _call: ConfirmEntityMatch, ref: Ref) -> EntityLinkRecord:
    return await answers.link(ref[1])


@persists(
    ConfirmEntityMatch,
    _the_link,
    lambda call: (call.entity_id, *call.partner_entity_id, call.reason),
)
async def confirm_entity_match(change: Change, call: ConfirmEntityMatch) -> Ref:
    session, principal, now = change.session, change.principal, change.now
    entity_id, reason = call.entity_id, call.reason
    partner, partner_entity_id = call.partner_entity_id
    check_entity_match(await session.get(Entity, entity_id) is not None, reason)
    existing = (
        await session.exec(
            select(EntityLink).where(
                EntityLink.entity_id == entity_id,
                EntityLink.partner_administration == partner.value,
                EntityLink.partner_entity_id == partner_entity_id,
            )
        )
    ).first()
    if existing is not None:
        return ("ENTITY_LINK", _flushed(existing.id))
    link = EntityLink(
        entity_id=entity_id,
        partner_administration=partner.value,
        partner_entity_id=partner_entity_id,
        reason=reason.strip(),
        confirmed_by=principal.subject,
        confirmed_at=now,
    )
    session.add(link)
    await session.flush()
    return ("ENTITY_LINK", _flushed(link.id))
