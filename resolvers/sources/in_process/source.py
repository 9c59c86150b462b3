"""The in-process transport: an administration's source over its own store, in this process."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy import (
    REQUESTS_READ,
    ReadGrant,
    read_grant,
    record_grant,
)
from auth.principal import Principal
from resolvers.sources.base import CaseKey, SourceUnavailable
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.in_process import cases, entities, evidence, releases, requests
from resolvers.sources.in_process.procedures import InProcessProcedures
from resolvers.sources.records import (
    CaseRecord,
    EntityRecord,
    EvidenceRecord,
    Page,
    PageRequest,
    PartyRecord,
    ReleaseRecord,
    RequestRecord,
)
from store.agreement import Agreement, load_agreement
from store.audit import AuditEntry, append_audit
from store.database import session_factory
from store.models.domain import Administration, AuditDecision, RecordType

T = TypeVar("T")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def _record_id(record: object) -> str:
    """How the audit log names a record: its type and local id."""
    match record:
        case CaseRecord(id=record_id) | PartyRecord(case_id=record_id):
            return f"{RecordType.CASE.value}:{record_id}"
        case EntityRecord(id=record_id):
            return f"{RecordType.ENTITY.value}:{record_id}"
        case EvidenceRecord(id=record_id):
            return f"{RecordType.EVIDENCE.value}:{record_id}"
        case RequestRecord(id=record_id):
            return f"REQUEST:{record_id}"
    raise TypeError(f"no audit name for {type(record).__name__}")


class InProcessSource(InProcessProcedures):
    """Reads one administration's store under its owner's policy and audits partner reads;
    the agreement's procedures (InProcessProcedures) write to it."""

    def __init__(
        self,
        administration: Administration,
        engine: AsyncEngine,
        clock: Clock = system_clock,
        agreement: Agreement | None = None,
    ) -> None:
        self.administration = administration
        self.engine = engine
        self.agreement = agreement if agreement is not None else load_agreement()
        self._sessions = session_factory(engine)
        self._clock = clock

    async def _read(
        self,
        grant: ReadGrant,
        operation: str,
        work: Callable[[AsyncSession, datetime], Awaitable[T]],
        records: Callable[[T], Sequence[object]],
    ) -> T:
        """Run one read in one transaction, with its audit entry where it touches partner data."""
        now = self._clock()
        try:
            async with self._sessions() as session, session.begin():
                result = await work(session, now)
                if not grant.own:
                    await self._audit(session, grant, operation, now, records(result))
        except (DBAPIError, OSError) as exc:
            # The store itself is unreachable or failing: to the gateway, the source is down.
            raise SourceUnavailable(self.administration, type(exc).__name__) from exc
        return result

    async def _audit(
        self,
        session: AsyncSession,
        grant: ReadGrant,
        operation: str,
        now: datetime,
        records: Sequence[object],
    ) -> None:
        principal = grant.principal
        release_ids = sorted(
            {
                record.handling.released_under.id
                for record in records
                if getattr(getattr(record, "handling", None), "released_under", None)
            }
        )
        await append_audit(
            session,
            AuditEntry(
                at=now,
                actor_administration=principal.administration.value,
                subject=principal.subject,
                client_id=principal.client_id,
                scopes=tuple(sorted(principal.scopes)),
                operation=operation,
                decision=(AuditDecision.PERMIT if grant.permitted else AuditDecision.DENY).value,
                rule=grant.rule,
                record_ids=tuple(dict.fromkeys(_record_id(record) for record in records)),
                release_ids=tuple(release_ids),
            ),
        )

    async def list_cases(
        self, principal: Principal, case_filter: CaseFilter, page: PageRequest
    ) -> Page[CaseRecord]:
        grant = record_grant(self.administration, principal, RecordType.CASE)
        items, has_more, total = await self._read(
            grant,
            "cases",
            lambda session, now: cases.list_cases(session, grant, now, case_filter, page),
            lambda result: result[0],
        )
        return Page(tuple(items), has_more, total)

    async def cases_by_id(self, principal: Principal, ids: Sequence[int]) -> dict[int, CaseRecord]:
        grant = record_grant(self.administration, principal, RecordType.CASE)
        found = await self._read(
            grant,
            "case",
            lambda session, now: cases.cases_by_id(session, grant, now, ids),
            lambda result: result,
        )
        return {record.id: record for record in found}

    async def parties_of_cases(
        self, principal: Principal, case_ids: Sequence[int]
    ) -> dict[int, tuple[PartyRecord, ...]]:
        grant = record_grant(self.administration, principal, RecordType.CASE)
        return await self._read(
            grant,
            "case.parties",
            lambda session, now: cases.parties_of_cases(session, grant, now, case_ids),
            lambda result: [party for links in result.values() for party in links],
        )

    async def list_entities(
        self, principal: Principal, entity_filter: EntityFilter, page: PageRequest
    ) -> Page[EntityRecord]:
        grant = record_grant(self.administration, principal, RecordType.ENTITY)
        items, has_more, total = await self._read(
            grant,
            "entities",
            lambda session, now: entities.list_entities(session, grant, now, entity_filter, page),
            lambda result: result[0],
        )
        return Page(tuple(items), has_more, total)

    async def entities_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, EntityRecord]:
        grant = record_grant(self.administration, principal, RecordType.ENTITY)
        found = await self._read(
            grant,
            "entity",
            lambda session, now: entities.entities_by_id(session, grant, now, ids),
            lambda result: result,
        )
        return {record.id: record for record in found}

    async def match_candidates(
        self, principal: Principal, probe: MatchProbe
    ) -> tuple[EntityRecord, ...]:
        grant = record_grant(self.administration, principal, RecordType.ENTITY)
        found = await self._read(
            grant,
            "entity.matches",
            lambda session, now: entities.match_candidates(session, grant, now, probe),
            lambda result: result,
        )
        return tuple(found)

    async def evidence_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, EvidenceRecord]:
        grant = record_grant(self.administration, principal, RecordType.EVIDENCE)
        found = await self._read(
            grant,
            "evidence",
            lambda session, now: evidence.evidence_by_id(session, grant, now, ids),
            lambda result: result,
        )
        return {record.id: record for record in found}

    async def evidence_for_cases(
        self, principal: Principal, case_keys: Sequence[CaseKey]
    ) -> dict[CaseKey, tuple[EvidenceRecord, ...]]:
        grant = record_grant(self.administration, principal, RecordType.EVIDENCE)
        found = await self._read(
            grant,
            "case.evidence",
            lambda session, now: evidence.evidence_for_cases(session, grant, now, case_keys),
            lambda result: result,
        )
        grouped: dict[CaseKey, list[EvidenceRecord]] = {}
        for record in found:
            grouped.setdefault((record.case_owner, record.case_id), []).append(record)
        return {key: tuple(items) for key, items in grouped.items()}

    async def list_requests(
        self, principal: Principal, request_filter: RequestFilter, page: PageRequest
    ) -> Page[RequestRecord]:
        grant = read_grant(self.administration, principal, REQUESTS_READ)
        items, has_more, total = await self._read(
            grant,
            "assistanceRequests",
            lambda session, now: requests.list_requests(
                session, grant, now, request_filter, page, self.agreement
            ),
            lambda result: result[0],
        )
        return Page(tuple(items), has_more, total)

    async def requests_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, RequestRecord]:
        grant = read_grant(self.administration, principal, REQUESTS_READ)
        found = await self._read(
            grant,
            "assistanceRequest",
            lambda session, now: requests.requests_by_id(session, grant, now, ids, self.agreement),
            lambda result: result,
        )
        return {record.id: record for record in found}

    async def list_releases(self, principal: Principal, page: PageRequest) -> Page[ReleaseRecord]:
        grant = read_grant(self.administration, principal, REQUESTS_READ)
        items, has_more, total = await self._read(
            grant,
            "releases",
            lambda session, now: releases.list_releases(session, grant, now, page),
            lambda result: (),
        )
        return Page(tuple(items), has_more, total)

    async def ping(self) -> None:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (DBAPIError, OSError) as exc:
            raise SourceUnavailable(self.administration, type(exc).__name__) from exc

    async def aclose(self) -> None:
        """The engine belongs to whoever built the source; nothing of ours to close."""
