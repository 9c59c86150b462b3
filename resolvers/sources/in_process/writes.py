"""The in-process transport's writes: the agreement's procedures on the owner's store.

Each call is one transaction: the store's write lock first, then the idempotency key (a
retry with the same key returns the first result and changes nothing), the change, and its
audit entry. A refusal (auth.policy.procedures.ProcedureViolation) rolls everything back.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.audit import procedure_entry, refusal_entry
from auth.policy.designation import check_actor
from auth.policy.procedures import Action, ProcedureViolation, check_owner, key_reused
from auth.policy.release import ReadGrant
from auth.policy.rules import Rule
from auth.policy.scopes import (
    CONSENTS_WRITE,
    CUSTODY_WRITE,
    DISCLOSURES_WRITE,
    REQUESTS_DECIDE,
    REQUESTS_WRITE,
)
from auth.principal import Principal
from resolvers.sources.base import SourceDown
from resolvers.sources.drafts import (
    ConsentDraft,
    CustodyDraft,
    DecisionDraft,
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.in_process import changes, consents, decisions, releases
from resolvers.sources.records import (
    ConsentRecord,
    DecisionRecord,
    EntityLinkRecord,
    EvidenceRecord,
    ReleaseRecord,
    RequestRecord,
)
from store.agreement import Agreement
from store.audit import append_audit
from store.models import Decision, Release
from store.models.domain import (
    Administration,
    DecisionKind,
    RequestStatus,
)

MAX_KEY_LENGTH = 128

DECIDED_STATUS = {
    DecisionKind.ACCEPT: RequestStatus.ACCEPTED,
    DecisionKind.REFUSE: RequestStatus.REFUSED,
    DecisionKind.POSTPONE: RequestStatus.POSTPONED,
    DecisionKind.ACCEPT_WITH_CONDITIONS: RequestStatus.CONDITIONAL,
}

Work = Callable[[AsyncSession, datetime], Awaitable[changes.Ref]]


def _check_caller(principal: Principal, scope: str, key: str) -> None:
    check_actor(principal, scope)
    if not key or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ProcedureViolation(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters.",
            rule=Rule.IDEMPOTENCY,
            field="idempotencyKey",
        )


def _for_request(
    request: RequestRecord, administration: str | None, request_id: int | None
) -> None:
    """A replayed decision or response stands for the request it was made on; delivering it
    to another request would give that one a status nobody decided."""
    if (administration, request_id) != (request.owner.value, request.id):
        raise key_reused()


def _for_record(ref: changes.Ref, record_id: int) -> None:
    """A replay answers for the record the key first changed; answering with another record,
    unchanged, would tell the caller a change was made that was not."""
    if ref[1] != record_id:
        raise key_reused()


class Reads(Protocol):
    """The reads a procedure answers with, under the owner's policy (InProcessSource)."""

    async def requests_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, RequestRecord]: ...

    async def evidence_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, EvidenceRecord]: ...


class InProcessWrites:
    """The agreement's procedures on one administration's store; `reads` answers with what a
    procedure created or changed, as the caller may see it."""

    def __init__(
        self,
        administration: Administration,
        agreement: Agreement,
        sessions: Callable[[], AsyncSession],
        clock: Callable[[], datetime],
        reads: Reads,
    ) -> None:
        self.administration = administration
        self.agreement = agreement
        self._sessions = sessions
        self._clock = clock
        self._reads = reads

    async def _write(
        self,
        principal: Principal,
        scope: str,
        operation: str,
        key: str,
        work: Work,
        given: object,
    ) -> changes.Ref:
        """`given` is the call's input: the key is claimed for it alone."""
        _check_caller(principal, scope, key)
        now = self._clock()
        scoped = changes.scoped_key(principal, key)
        digest = changes.input_digest(given)
        try:
            async with self._sessions() as session, session.begin():
                await changes.serialise_writes(session)
                try:
                    await changes.claim(session, scoped, operation, digest)
                except changes.Replay as replay:
                    return (replay.record_type, replay.record_id)
                ref = await work(session, now)
                changes.remember(session, scoped, operation, digest, ref, now)
                await append_audit(session, procedure_entry(principal, operation, now, ref))
        except ProcedureViolation as refused:
            if principal.administration is not self.administration:
                await self._audit_refusal(principal, operation, refused)
            raise
        except (DBAPIError, OSError) as exc:
            raise SourceDown(self.administration, type(exc).__name__) from exc
        return ref

    async def _audit_refusal(
        self, principal: Principal, operation: str, refused: ProcedureViolation
    ) -> None:
        """In its own transaction: the procedure's was rolled back."""
        entry = refusal_entry(
            principal, operation, self._clock(), refused.rule, refused.message, refused.field
        )
        try:
            async with self._sessions() as session, session.begin():
                await append_audit(session, entry)
        except (DBAPIError, OSError) as exc:
            raise SourceDown(self.administration, type(exc).__name__) from exc

    async def _in_session(self, work: Any) -> Any:
        """A read after a procedure: the store lost now is the source down, as in _write."""
        try:
            async with self._sessions() as session:
                return await work(session)
        except (DBAPIError, OSError) as exc:
            raise SourceDown(self.administration, type(exc).__name__) from exc

    async def _read_back(self, principal: Principal, reader: Any) -> Any:
        """Read what the caller's procedure just wrote; having done it, it may see it."""
        grant = ReadGrant(self.administration, principal, permitted=True, rule=Rule.PROCEDURE)
        return await self._in_session(lambda session: reader(session, grant, self._clock()))

    # -- requests ----------------------------------------------------------------------------

    async def _request(self, principal: Principal, request_id: int) -> RequestRecord:
        found = await self._reads.requests_by_id(principal, [request_id])
        if request_id not in found:
            raise ProcedureViolation("No such assistance request.", rule=Rule.NOT_FOUND, field="id")
        return found[request_id]

    async def submit_request(
        self, principal: Principal, draft: RequestDraft, key: str
    ) -> RequestRecord:
        check_owner(principal, self.administration)
        ref = await self._write(
            principal,
            REQUESTS_WRITE,
            "submitAssistanceRequest",
            key,
            lambda session, now: changes.submit_request(
                session, principal, self.administration, draft, now, self.agreement
            ),
            draft,
        )
        return await self._request(principal, ref[1])

    async def requester_action(
        self, principal: Principal, request_id: int, action: Action, key: str
    ) -> RequestRecord:
        check_owner(principal, self.administration)
        ref = await self._write(
            principal,
            REQUESTS_WRITE,
            f"request.{action.value}",
            key,
            lambda session, now: changes.requester_action(
                session, principal, self.administration, request_id, action, now, self.agreement
            ),
            (request_id, action),
        )
        _for_record(ref, request_id)
        return await self._request(principal, request_id)

    async def receive_partner_action(
        self, principal: Principal, request_id: int, action: PartnerAction
    ) -> RequestRecord:
        await self._write(
            principal,
            REQUESTS_DECIDE,
            "request.receive",
            f"receive:{request_id}:{action.label}",
            lambda session, now: changes.receive_partner_action(
                session, principal, self.administration, request_id, action, now, self.agreement
            ),
            (request_id, action),
        )
        return await self._request(principal, request_id)

    async def decide_request(
        self,
        principal: Principal,
        request: RequestRecord,
        draft: DecisionDraft,
        key: str,
    ) -> tuple[DecisionRecord, PartnerAction]:
        check_owner(principal, self.administration)

        async def decide(session: AsyncSession, now: datetime) -> changes.Ref:
            ref, _ = await changes.decide_request(
                session, principal, self.administration, request, draft, now, self.agreement
            )
            return ref

        ref = await self._write(
            principal,
            REQUESTS_DECIDE,
            "decideAssistanceRequest",
            key,
            decide,
            (request.owner, request.id, draft),
        )
        decision = await self._in_session(lambda session: session.get(Decision, ref[1]))
        assert decision is not None
        _for_request(request, decision.request_administration, decision.request_id)
        status = DECIDED_STATUS[DecisionKind(decision.decision)]
        found = await self._read_back(
            principal, lambda s, g, _now: decisions.decisions_by_id(s, g, [ref[1]])
        )
        return found[0], PartnerAction("DECISION", ref[1], status.value)

    async def respond_to_request(
        self,
        principal: Principal,
        request: RequestRecord,
        draft: ReleaseDraft,
        key: str,
    ) -> tuple[ReleaseRecord, PartnerAction]:
        check_owner(principal, self.administration)

        async def respond(session: AsyncSession, now: datetime) -> changes.Ref:
            ref, _ = await changes.respond_to_request(
                session, principal, self.administration, request, draft, now, self.agreement
            )
            return ref

        ref = await self._write(
            principal,
            REQUESTS_DECIDE,
            "respondToAssistanceRequest",
            key,
            respond,
            (request.owner, request.id, draft),
        )
        stored = await self._in_session(lambda session: session.get(Release, ref[1]))
        assert stored is not None
        _for_request(request, stored.request_administration, stored.request_id)
        release = await self._release(principal, ref[1])
        return release, PartnerAction("RELEASE", ref[1], RequestStatus.ANSWERED.value)

    # -- releases ----------------------------------------------------------------------------

    async def _release(self, principal: Principal, release_id: int) -> ReleaseRecord:
        found = await self._read_back(
            principal, lambda s, g, _now: releases.releases_by_id(s, g, [release_id])
        )
        return found[0]

    async def disclose(self, principal: Principal, draft: ReleaseDraft, key: str) -> ReleaseRecord:
        check_owner(principal, self.administration)
        ref = await self._write(
            principal,
            DISCLOSURES_WRITE,
            "discloseSpontaneously",
            key,
            lambda session, now: changes.disclose(
                session, principal, self.administration, draft, now, self.agreement
            ),
            draft,
        )
        return await self._release(principal, ref[1])

    async def revoke_release(
        self, principal: Principal, release_id: int, reason: str, key: str
    ) -> ReleaseRecord:
        check_owner(principal, self.administration)
        ref = await self._write(
            principal,
            DISCLOSURES_WRITE,
            "revokeRelease",
            key,
            lambda session, now: changes.revoke_release(session, release_id, reason, now),
            (release_id, reason),
        )
        _for_record(ref, release_id)
        return await self._release(principal, release_id)

    # -- consents ----------------------------------------------------------------------------

    async def _consent(self, principal: Principal, consent_id: int) -> ConsentRecord:
        found = await self._read_back(
            principal, lambda s, g, _now: consents.consents_by_id(s, g, [consent_id])
        )
        if not found:
            raise ProcedureViolation("No such consent request.", rule=Rule.NOT_FOUND, field="id")
        return found[0]

    async def request_consent(
        self, principal: Principal, draft: ConsentDraft, key: str
    ) -> ConsentRecord:
        ref = await self._write(
            principal,
            CONSENTS_WRITE,
            "requestConsent",
            key,
            lambda session, now: changes.request_consent(
                session, principal, self.administration, draft, now, self.agreement
            ),
            draft,
        )
        return await self._consent(principal, ref[1])

    async def decide_consent(
        self,
        principal: Principal,
        consent_id: int,
        grant: bool,
        reason: str | None,
        key: str,
    ) -> ConsentRecord:
        ref = await self._write(
            principal,
            CONSENTS_WRITE,
            "decideConsent",
            key,
            lambda session, now: changes.decide_consent(
                session, principal, self.administration, consent_id, grant, reason, now
            ),
            (consent_id, grant, reason),
        )
        _for_record(ref, consent_id)
        return await self._consent(principal, consent_id)

    # -- custody and links -------------------------------------------------------------------

    async def record_custody(
        self,
        principal: Principal,
        evidence_id: int,
        draft: CustodyDraft,
        key: str,
    ) -> EvidenceRecord:
        check_owner(principal, self.administration)
        ref = await self._write(
            principal,
            CUSTODY_WRITE,
            "recordCustodyEvent",
            key,
            lambda session, now: changes.record_custody(session, evidence_id, draft, now),
            (evidence_id, draft),
        )
        _for_record(ref, evidence_id)
        return (await self._reads.evidence_by_id(principal, [evidence_id]))[evidence_id]

    async def confirm_entity_match(
        self,
        principal: Principal,
        entity_id: int,
        partner: Administration,
        partner_entity_id: int,
        reason: str,
        key: str,
    ) -> EntityLinkRecord:
        check_owner(principal, self.administration)
        ref = await self._write(
            principal,
            REQUESTS_WRITE,
            "confirmEntityMatch",
            key,
            lambda session, now: changes.confirm_entity_match(
                session, principal, entity_id, partner, partner_entity_id, reason, now
            ),
            (entity_id, partner, partner_entity_id, reason),
        )
        found = await self._read_back(
            principal, lambda s, g, _now: decisions.links_by_id(s, g, [ref[1]])
        )
        return found[0]
