"""The in-process transport's writes: the agreement's procedures on the owner's store.

Any procedure is carried out the same way, by what in_process/changes.py registered for it:
one transaction, with the store's write lock first, then the idempotency key (a retry with
the same key returns the first result and changes nothing), the change, and its audit entry;
then its answer, read back under the caller's policy. A refusal
(auth.policy.procedures.ProcedureViolation) rolls everything back.
"""

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.audit import procedure_entry, refusal_entry
from auth.policy.designation import check_actor
from auth.policy.procedures import ProcedureViolation, check_owner, key_reused
from auth.policy.release import ReadGrant
from auth.policy.rules import Rule
from auth.principal import Principal
from resolvers.sources.base import Procedure, SourceDown
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
from store.models.domain import Administration

MAX_KEY_LENGTH = 128
A = TypeVar("A")

Work = Callable[[AsyncSession, datetime], Awaitable[changes.Ref]]


def _check_caller(principal: Principal, scope: str, key: str) -> None:
    check_actor(principal, scope)
    if not key or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ProcedureViolation(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters.",
            rule=Rule.IDEMPOTENCY,
            field="idempotencyKey",
        )


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
        sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        clock: Callable[[], datetime],
        reads: Reads,
    ) -> None:
        self.administration = administration
        self.agreement = agreement
        self._sessions = sessions
        self._clock = clock
        self.reads = reads

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

    async def in_session(self, work: Any) -> Any:
        """A read after a procedure: the store lost now is the source down, as in _write."""
        try:
            async with self._sessions() as session:
                return await work(session)
        except (DBAPIError, OSError) as exc:
            raise SourceDown(self.administration, type(exc).__name__) from exc

    async def perform(self, principal: Principal, procedure: Procedure[A]) -> A:
        persisted = changes.PERSISTED[type(procedure)]
        if persisted.owner_only:
            check_owner(principal, self.administration)
        key = persisted.key(procedure)

        def work(session: AsyncSession, now: datetime) -> Awaitable[changes.Ref]:
            change = changes.Change(session, principal, self.administration, now, self.agreement)
            return persisted.write(change, procedure)

        ref = await self._write(
            principal,
            procedure.scope,
            procedure.operation,
            key,
            work,
            persisted.given(procedure),
        )
        if persisted.changes is not None:
            _for_record(ref, persisted.changes(procedure))
        answer: A = await persisted.answer(ReadBack(self, principal), procedure, ref)
        return answer

    async def read_back(self, principal: Principal, reader: Any) -> Any:
        """Read what the caller's procedure just wrote; having done it, it may see it."""
        grant = ReadGrant(self.administration, principal, permitted=True, rule=Rule.PROCEDURE)
        return await self.in_session(lambda session: reader(session, grant, self._clock()))


class ReadBack:
    """changes.Answers for one caller of one procedure."""

    def __init__(self, writes: InProcessWrites, principal: Principal) -> None:
        self._writes, self._principal = writes, principal

    async def request(self, request_id: int) -> RequestRecord:
        found = await self._writes.reads.requests_by_id(self._principal, [request_id])
        if request_id not in found:
            raise ProcedureViolation("No such assistance request.", rule=Rule.NOT_FOUND, field="id")
        return found[request_id]

    async def release(self, release_id: int) -> ReleaseRecord:
        found: list[Any] = await self._writes.read_back(
            self._principal, lambda s, g, _now: releases.releases_by_id(s, g, [release_id])
        )
        first: ReleaseRecord = found[0]
        return first

    async def consent(self, consent_id: int) -> ConsentRecord:
        found: list[Any] = await self._writes.read_back(
            self._principal, lambda s, g, _now: consents.consents_by_id(s, g, [consent_id])
        )
        if not found:
            raise ProcedureViolation("No such consent request.", rule=Rule.NOT_FOUND, field="id")
        first: ConsentRecord = found[0]
        return first

    async def evidence(self, evidence_id: int) -> EvidenceRecord:
        return (await self._writes.reads.evidence_by_id(self._principal, [evidence_id]))[
            evidence_id
        ]

    async def decision(self, decision_id: int) -> DecisionRecord:
        found: list[Any] = await self._writes.read_back(
            self._principal, lambda s, g, _now: decisions.decisions_by_id(s, g, [decision_id])
        )
        first: DecisionRecord = found[0]
        return first

    async def link(self, link_id: int) -> EntityLinkRecord:
        found: list[Any] = await self._writes.read_back(
            self._principal, lambda s, g, _now: decisions.links_by_id(s, g, [link_id])
        )
        first: EntityLinkRecord = found[0]
        return first

    async def stored(self, table: Any, record_id: int) -> Any:
        stored = await self._writes.in_session(lambda session: session.get(table, record_id))
        assert stored is not None
        return stored
