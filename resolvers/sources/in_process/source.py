"""The in-process transport: an administration's source over its own store, in this process."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.audit import audit_grant, read_entry, refused_read
from auth.policy.release import ReadGrant, read_grant, record_grant
from auth.policy.scopes import REQUESTS_READ
from auth.principal import Principal
from resolvers.sources.admission import StoreSlots, pool_capacity
from resolvers.sources.base import CaseKey, Procedure, SourceDown
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.in_process import cases, entities, evidence, releases, requests
from resolvers.sources.in_process.changes import serialise_writes
from resolvers.sources.in_process.query import rows_of
from resolvers.sources.in_process.writes import InProcessWrites
from resolvers.sources.ledger import CURRENT_LEDGER
from resolvers.sources.parts import EVERY_PART, EntityParts
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
from store.audit import (
    AuditEntry,
    AuditTrailFilter,
    LoggedEntry,
    append_audit,
    append_audit_entries,
    read_trail,
)
from store.database import session_factory
from store.models import AssistanceRequest, Case, Entity, Evidence
from store.models.domain import Administration, RecordType

T = TypeVar("T")
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def _names(record_type: str, ids: Sequence[int]) -> list[str]:
    return [f"{record_type}:{record_id}" for record_id in ids]


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


# How the log names a kind of record, and the table holding it.
LOGGED_TABLES: dict[str, Any] = {
    RecordType.CASE.value: Case,
    RecordType.ENTITY.value: Entity,
    RecordType.EVIDENCE.value: Evidence,
    "REQUEST": AssistanceRequest,
}


async def _held(session: AsyncSession, names: Sequence[str]) -> tuple[str, ...]:
    """Those of the records named as the log names them that this store holds."""
    wanted: dict[str, list[int]] = {}
    for name in names:
        kind, _, number = name.partition(":")
        wanted.setdefault(kind, []).append(int(number))
    held: set[str] = set()
    for kind, ids in wanted.items():
        table = LOGGED_TABLES[kind]
        found = await rows_of(session, select(table.id).where(table.id.in_(ids)))
        held |= {f"{kind}:{record_id}" for (record_id,) in found}
    return tuple(name for name in names if name in held)


class InProcessSource:
    """Reads one administration's store under its owner's policy and audits partner reads;
    the agreement's procedures (InProcessWrites) write to it."""

    def __init__(
        self,
        administration: Administration,
        engine: AsyncEngine,
        clock: Clock = system_clock,
        agreement: Agreement | None = None,
        store_slots: int | None = None,
    ) -> None:
        """`store_slots`: calls at the store at once; by default as many as the engine's pool
        has connections, so a call waits for one here, where the wait can be told apart."""
        self.administration = administration
        self.engine = engine
        self.agreement = agreement if agreement is not None else load_agreement()
        self._session_factory = session_factory(engine)
        self.slots = StoreSlots(store_slots if store_slots is not None else pool_capacity(engine))
        self._writes_need_the_lock_first = engine.dialect.name == "sqlite"
        self._clock = clock
        # The writes use their factory only as `async with sessions() as session`, which an
        # AsyncSession and this slot-taking context manager serve alike.
        sessions = cast("Callable[[], AsyncSession]", self._sessions)
        self._writes = InProcessWrites(administration, self.agreement, sessions, clock, self)

    @asynccontextmanager
    async def _sessions(self) -> AsyncIterator[AsyncSession]:
        """A session on the store, once a slot of it is free."""
        async with self.slots.slot(), self._session_factory() as session:
            yield session

    async def _read(
        self,
        grant: ReadGrant,
        operation: str,
        work: Callable[[AsyncSession, datetime], Awaitable[T]],
        records: Callable[[T], Sequence[object]],
        asked: Sequence[str] = (),
    ) -> T:
        """Run one read in one transaction, with its audit entry where it touches partner data.

        Inside an operation the entry goes to the operation's ledger, appended with the
        operation's other reads before its answer leaves (resolvers.sources.ledger);
        outside one it is appended in the read's own transaction.

        `asked` names the records a read by id asked for: those not returned (not released to
        the caller, or not there at all: the caller cannot tell) are logged as withheld.
        """
        now = self._clock()
        ledger = CURRENT_LEDGER.get()
        try:
            async with self._sessions() as session, session.begin():
                appends_here = not grant.own and ledger is None
                if appends_here and self._writes_need_the_lock_first:
                    # SQLite cannot turn a read transaction into a write once another writer
                    # has committed ("database is locked"): a read that will be audited takes
                    # the write lock before it reads.
                    await serialise_writes(session)
                result = await work(session, now)
                if not grant.own:
                    entry = await self._entry(
                        session, grant, operation, now, records(result), asked
                    )
                    if ledger is None:
                        await append_audit(session, entry)
                    else:
                        ledger.record(self, entry)
        except (DBAPIError, OSError) as exc:
            # The store itself is unreachable or failing: to the gateway, the source is down.
            raise SourceDown(self.administration, type(exc).__name__) from exc
        return result

    async def _entry(
        self,
        session: AsyncSession,
        grant: ReadGrant,
        operation: str,
        now: datetime,
        records: Sequence[object],
        asked: Sequence[str] = (),
    ) -> AuditEntry:
        names = tuple(dict.fromkeys(_record_id(record) for record in records))
        withheld = [name for name in dict.fromkeys(asked) if name not in names]
        probed = await _held(session, withheld) if refused_read(grant, names, withheld) else ()
        release_ids = sorted(
            {
                released.id
                for record in records
                if (released := getattr(getattr(record, "handling", None), "released_under", None))
            }
        )
        return read_entry(grant, operation, now, names, release_ids, withheld, probed)

    async def append_read_entries(self, entries: Sequence[AuditEntry]) -> None:
        """Append an operation's read entries in one transaction of their own (its ledger)."""
        try:
            async with asyncio.timeout(self.agreement.limits.source_timeout_seconds):
                async with self._sessions() as session, session.begin():
                    await append_audit_entries(session, entries)
        except (DBAPIError, OSError, TimeoutError) as exc:
            raise SourceDown(self.administration, type(exc).__name__) from exc

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
            _names(RecordType.CASE.value, ids),
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
        self, principal: Principal, ids: Sequence[int], parts: EntityParts = EVERY_PART
    ) -> dict[int, EntityRecord]:
        # The entity's own columns are read whole; its identifiers and granted consents only
        # where `parts` asks for them.
        grant = record_grant(self.administration, principal, RecordType.ENTITY)
        found = await self._read(
            grant,
            "entity",
            lambda session, now: entities.entities_by_id(session, grant, now, ids, parts),
            lambda result: result,
            _names(RecordType.ENTITY.value, ids),
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
            _names(RecordType.EVIDENCE.value, ids),
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
            _names("REQUEST", ids),
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

    async def audit_trail(
        self, principal: Principal, audit_filter: AuditTrailFilter, page: PageRequest
    ) -> Page[LoggedEntry]:
        grant = audit_grant(self.administration, principal)

        async def work(session: AsyncSession, _now: datetime) -> Page[LoggedEntry]:
            if not grant.permitted:
                return Page((), False, 0)
            before = None if page.after is None else page.after.id
            items, has_more, total = await read_trail(
                session, self.administration, audit_filter, page.limit, before
            )
            return Page(tuple(items), has_more, total)

        # A partner's attempt is refused and, like every refused attempt, audited.
        return await self._read(grant, "auditTrail", work, lambda result: ())

    async def overdue_originals(self, principal: Principal) -> tuple[EvidenceRecord, ...]:
        grant = record_grant(self.administration, principal, RecordType.EVIDENCE)
        found = await self._read(
            grant,
            "overdueOriginals",
            lambda session, now: evidence.overdue_originals(session, grant, now),
            lambda result: result,
        )
        return tuple(found)

    async def perform(self, principal: Principal, procedure: Procedure[T]) -> T:
        return await self._writes.perform(principal, procedure)

    async def ping(self) -> None:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (DBAPIError, OSError) as exc:
            raise SourceDown(self.administration, type(exc).__name__) from exc

    async def aclose(self) -> None:
        """The engine belongs to whoever built the source; nothing of ours to close."""
