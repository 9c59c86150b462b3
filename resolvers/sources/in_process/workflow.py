"""The agreement's procedures on the owner's store: each one transaction with its audit entry.

Every function here runs inside a transaction the source opened, after `serialise_writes`,
and returns the (record type, id) it created or changed; the source then reads the record
back under the caller's policy.
"""

import dataclasses
import hashlib
import json
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy import covering_release, read_grant
from auth.principal import Principal
from auth.procedures import (
    Action,
    ProcedureViolation,
    check_consent_use,
    check_grounds,
    check_permitted_uses,
    check_request_form,
    check_side,
    effective_status,
    key_reused,
    next_status,
    reply_due,
)
from resolvers.sources.drafts import (
    ConsentDraft,
    CustodyDraft,
    DecisionDraft,
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.records import RequestRecord
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
RECORD_TABLES: dict[RecordType, Any] = {
    RecordType.CASE: Case,
    RecordType.ENTITY: Entity,
    RecordType.EVIDENCE: Evidence,
}
DECISION_ACTION = {
    DecisionKind.ACCEPT: Action.ACCEPT,
    DecisionKind.REFUSE: Action.REFUSE,
    DecisionKind.POSTPONE: Action.POSTPONE,
    DecisionKind.ACCEPT_WITH_CONDITIONS: Action.ACCEPT_WITH_CONDITIONS,
}


class Replay(Exception):
    """The idempotency key was used before: its first result stands."""

    def __init__(self, record_type: str, record_id: int) -> None:
        super().__init__(record_type)
        self.record_type, self.record_id = record_type, record_id


async def serialise_writes(session: AsyncSession) -> None:
    """Take the store's write lock first: concurrent mutations (and retries of one) run one
    after another, so an idempotency key is always seen by the retry that follows."""
    await session.exec(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))


def scoped_key(principal: Principal, key: str) -> str:
    return f"{principal.administration.value}:{principal.client_id}:{key}"


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: getattr(value, item.name) for item in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
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


def _require(condition: bool, message: str, rule: str, field: str | None = None) -> None:
    if not condition:
        raise ProcedureViolation(message, rule=rule, field=field)


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


# -- requests (the requester's store) -----------------------------------------------------------


async def submit_request(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    draft: RequestDraft,
    now: datetime,
    agreement: Agreement,
) -> Ref:
    check_request_form(draft.form, owner)
    if draft.case_id is not None:
        _require(
            await session.get(Case, draft.case_id) is not None,
            "caseId names no case of the requesting administration.",
            "REQUEST_FORM",
            "caseId",
        )
    request = AssistanceRequest(
        reference=await _next_reference(session, owner, now),
        requesting_administration=owner.value,
        requested_administration=draft.form.requested_administration.value,
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
    return ("REQUEST", int(request.id))


async def _own_request(session: AsyncSession, request_id: int) -> AssistanceRequest:
    request = await session.get(AssistanceRequest, request_id)
    if request is None:
        raise ProcedureViolation("No such assistance request.", rule="NOT_FOUND", field="id")
    return request


def _current(request: AssistanceRequest, now: datetime, agreement: Agreement) -> RequestStatus:
    return effective_status(
        RequestStatus(request.status),
        request.oral,
        request.confirmed_in_writing_at,
        as_utc(request.submitted_at),
        now,
        agreement,
    )


async def requester_action(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    request_id: int,
    action: Action,
    now: datetime,
    agreement: Agreement,
) -> Ref:
    """Confirm in writing, or close: the requester's own steps."""
    request = await _own_request(session, request_id)
    check_side(action, principal.administration, Administration(request.requesting_administration))
    current = _current(request, now, agreement)
    following = next_status(current, action)
    if action is Action.CONFIRM_IN_WRITING:
        _require(
            request.oral and request.confirmed_in_writing_at is None,
            "Only an oral request not yet confirmed can be confirmed in writing.",
            "REQUEST_FORM",
            "id",
        )
        request.confirmed_in_writing_at = now
    if action is Action.CLOSE:
        request.closed_at = now
    request.status = following.value
    session.add(request)
    return ("REQUEST", request_id)


async def receive_partner_action(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    request_id: int,
    action: PartnerAction,
    now: datetime,
    agreement: Agreement,
) -> Ref:
    """Record in the requester's store what the requested administration decided or sent."""
    request = await _own_request(session, request_id)
    _require(
        principal.administration.value == request.requested_administration,
        "Only the requested administration reports decisions on this request.",
        "SOURCE_CONTROLS",
    )
    if request.last_partner_action == action.label:
        return ("REQUEST", request_id)
    current = _current(request, now, agreement)
    _require(
        current not in (RequestStatus.LAPSED, RequestStatus.CLOSED),
        f"The request is {current.value}; it no longer takes decisions.",
        "REQUEST_STATE",
        "status",
    )
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
            .order_by(Decision.id.desc())
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


async def decide_request(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    request: RequestRecord,
    draft: DecisionDraft,
    now: datetime,
    agreement: Agreement,
) -> tuple[Ref, PartnerAction]:
    action = DECISION_ACTION[draft.decision]
    check_side(action, principal.administration, request.requesting_administration)
    _require(
        request.requested_administration is owner,
        "The request is not addressed to this administration.",
        "SOURCE_CONTROLS",
    )
    check_grounds(draft.decision, draft.ground, draft.reason, agreement)
    if draft.decision is DecisionKind.ACCEPT_WITH_CONDITIONS:
        _require(
            bool(draft.conditions) and all(c.strip() for c in draft.conditions),
            "Granting with conditions needs at least one condition.",
            "GROUNDS_AND_REASONS",
            "conditions",
        )
    following = next_status(await _status_here(session, request), action)
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
    decision_id = int(decision.id)
    return ("DECISION", decision_id), PartnerAction("DECISION", decision_id, following.value)


async def _check_own_records(
    session: AsyncSession, records: tuple[tuple[RecordType, int], ...]
) -> None:
    _require(bool(records), "Name at least one record.", "SOURCE_CONTROLS", "records")
    for index, (record_type, record_id) in enumerate(records):
        found = await session.get(RECORD_TABLES[record_type], record_id)
        _require(
            found is not None,
            "Only the owner releases a record, and only its own records.",
            "SOURCE_CONTROLS",
            f"records[{index}]",
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
    check_permitted_uses(draft.permitted_uses, agreement)
    _require(
        draft.purpose.strip() != "", "A release states its purpose.", "REQUEST_FORM", "purpose"
    )
    _require(
        as_utc(draft.expires_at) > now,
        "A release must expire in the future.",
        "REQUEST_FORM",
        "expiresAt",
    )
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
    release_id = int(release.id)
    for record_type, record_id in dict.fromkeys(draft.records):
        session.add(
            ReleaseItem(release_id=release_id, record_type=record_type.value, record_id=record_id)
        )
    return release_id


async def respond_to_request(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    request: RequestRecord,
    draft: ReleaseDraft,
    now: datetime,
    agreement: Agreement,
) -> tuple[Ref, PartnerAction]:
    check_side(Action.RESPOND, principal.administration, request.requesting_administration)
    following = next_status(await _status_here(session, request), Action.RESPOND)
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
    return ("RELEASE", release_id), PartnerAction("RELEASE", release_id, following.value)


async def disclose(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    draft: ReleaseDraft,
    now: datetime,
    agreement: Agreement,
) -> Ref:
    release_id = await _write_release(
        session, principal, owner, draft, now, agreement, basis=ReleaseBasis.SPONTANEOUS
    )
    return ("RELEASE", release_id)


async def revoke_release(session: AsyncSession, release_id: int, reason: str, now: datetime) -> Ref:
    release = await session.get(Release, release_id)
    _require(release is not None, "No such release of this administration.", "NOT_FOUND", "id")
    assert release is not None
    _require(release.revoked_at is None, "The release is already revoked.", "REQUEST_STATE", "id")
    _require(reason.strip() != "", "A revocation states its reason.", "REQUEST_FORM", "reason")
    release.revoked_at = now
    release.revocation_reason = reason.strip()
    session.add(release)
    return ("RELEASE", release_id)


# -- consents (the owner's store) -----------------------------------------------------------------


async def request_consent(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    draft: ConsentDraft,
    now: datetime,
    agreement: Agreement,
) -> Ref:
    _require(
        principal.administration is not owner,
        "Consent is asked of the partner that owns the records.",
        "CONSENT_FOR_USE",
    )
    check_consent_use(draft.use, agreement)
    _require(draft.purpose.strip() != "", "State the purpose.", "REQUEST_FORM", "purpose")
    _require(bool(draft.records), "Name at least one record.", "CONSENT_FOR_USE", "records")
    grant = read_grant(owner, principal, "cmaa.consents:write")
    for index, (record_type, record_id) in enumerate(draft.records):
        released = await session.exec(select(covering_release(record_type, record_id, grant, now)))
        _require(
            released.one() is not None,
            "Consent can only be asked for records released to you.",
            "CONSENT_FOR_USE",
            f"records[{index}]",
        )
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
    consent_id = int(consent.id)
    for record_type, record_id in dict.fromkeys(draft.records):
        session.add(
            ConsentItem(consent_id=consent_id, record_type=record_type.value, record_id=record_id)
        )
    return ("CONSENT", consent_id)


async def decide_consent(
    session: AsyncSession,
    principal: Principal,
    owner: Administration,
    consent_id: int,
    grant: bool,
    reason: str | None,
    now: datetime,
) -> Ref:
    _require(
        principal.administration is owner,
        "Only the owner of the records decides on consent.",
        "SOURCE_CONTROLS",
    )
    consent = await session.get(Consent, consent_id)
    _require(consent is not None, "No such consent request.", "NOT_FOUND", "id")
    assert consent is not None
    _require(
        consent.status == ConsentStatus.PENDING.value,
        f"The consent request is already {consent.status}.",
        "REQUEST_STATE",
        "id",
    )
    if not grant:
        _require(
            bool(reason and reason.strip()),
            "A refusal states its reason.",
            "GROUNDS_AND_REASONS",
            "reason",
        )
    consent.status = (ConsentStatus.GRANTED if grant else ConsentStatus.REFUSED).value
    consent.decided_at = now
    consent.decided_by = principal.subject
    consent.reason = reason.strip() if reason else None
    session.add(consent)
    return ("CONSENT", consent_id)


# -- custody and links (the owner's store) -----------------------------------------------------


async def record_custody(
    session: AsyncSession, evidence_id: int, draft: CustodyDraft, now: datetime
) -> Ref:
    evidence = await session.get(Evidence, evidence_id)
    _require(
        evidence is not None, "No such evidence item of this administration.", "NOT_FOUND", "id"
    )
    assert evidence is not None
    for field, value in (
        ("fromHolder", draft.from_holder),
        ("toHolder", draft.to_holder),
        ("purpose", draft.purpose),
    ):
        _require(value.strip() != "", f"{field} is required.", "REQUEST_FORM", field)
    _require(
        as_utc(draft.at) <= now, "A custody event cannot be in the future.", "REQUEST_FORM", "at"
    )
    last = (
        await session.exec(
            select(CustodyEvent)
            .where(CustodyEvent.evidence_id == evidence_id)
            .order_by(CustodyEvent.sequence.desc())
            .limit(1)
        )
    ).first()
    # A chain of custody is told in order: an event cannot precede the one before it.
    _require(
        last is None or as_utc(draft.at) >= as_utc(last.at),
        "A custody event cannot be dated before the last one in the chain.",
        "REQUEST_FORM",
        "at",
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
        _require(
            evidence.return_due is not None,
            "Only an original is returned.",
            "REQUEST_FORM",
            "returned",
        )
        _require(
            evidence.returned_at is None,
            "This original was already returned.",
            "REQUEST_STATE",
            "returned",
        )
        evidence.returned_at = draft.at
        session.add(evidence)
    return ("EVIDENCE", evidence_id)


async def confirm_entity_match(
    session: AsyncSession,
    principal: Principal,
    entity_id: int,
    partner: Administration,
    partner_entity_id: int,
    reason: str,
    now: datetime,
) -> Ref:
    _require(
        await session.get(Entity, entity_id) is not None,
        "entityId must name an entity of your own administration.",
        "SOURCE_CONTROLS",
        "entityId",
    )
    _require(reason.strip() != "", "A confirmed match states its reason.", "REQUEST_FORM", "reason")
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
        return ("ENTITY_LINK", int(existing.id))
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
    return ("ENTITY_LINK", int(link.id))
