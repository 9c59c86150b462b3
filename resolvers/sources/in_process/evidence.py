"""Evidence items and their chain of custody, read under the owner's policy."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.release import ReadGrant
from resolvers.sources.in_process.consents import granted_consents
from resolvers.sources.in_process.handling import handling_of, utc
from resolvers.sources.in_process.query import visible_rows
from resolvers.sources.records import CustodyRecord, EvidenceRecord
from store.models import CustodyEvent, Evidence
from store.models.domain import Administration, EvidenceKind, RecordType

CaseKey = tuple[Administration, int]

COLUMNS: tuple[Any, ...] = (
    Evidence.id,
    Evidence.case_administration,
    Evidence.case_id,
    Evidence.kind,
    Evidence.title,
    Evidence.description,
    Evidence.media_type,
    Evidence.sha256,
    Evidence.size_bytes,
    Evidence.collected_at,
    Evidence.collected_by,
    Evidence.collected_place,
    Evidence.return_due,
    Evidence.returned_at,
    Evidence.marking,
    Evidence.tlp,
)


async def _custody(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[CustodyRecord, ...]]:
    if not ids:
        return {}
    rows = await session.exec(
        select(CustodyEvent)
        .where(CustodyEvent.evidence_id.in_(ids))
        .order_by(CustodyEvent.evidence_id, CustodyEvent.sequence)
    )
    chains: dict[int, list[CustodyRecord]] = defaultdict(list)
    for event in rows.scalars():
        chains[event.evidence_id].append(
            CustodyRecord(
                sequence=event.sequence,
                from_holder=event.from_holder,
                to_holder=event.to_holder,
                at=utc(event.at),
                purpose=event.purpose,
                seal=event.seal,
                condition=event.condition,
            )
        )
    return {evidence_id: tuple(chain) for evidence_id, chain in chains.items()}


async def _records(
    session: AsyncSession, rows: list[Any], grant: ReadGrant
) -> list[EvidenceRecord]:
    custody = await _custody(session, [row.id for row in rows])
    consents = await granted_consents(session, grant, RecordType.EVIDENCE, [row.id for row in rows])
    return [
        EvidenceRecord(
            owner=grant.owner,
            id=row.id,
            case_owner=Administration(row.case_administration),
            case_id=row.case_id,
            kind=row.kind,
            title=row.title,
            description=row.description,
            media_type=row.media_type,
            sha256=row.sha256,
            size_bytes=row.size_bytes,
            collected_at=utc(row.collected_at),
            collected_by=row.collected_by,
            collected_place=row.collected_place,
            return_due=utc(row.return_due),
            returned_at=utc(row.returned_at),
            custody=custody.get(row.id, ()),
            handling=handling_of(row, grant, consents.get(row.id, ())),
        )
        for row in rows
    ]


async def evidence_by_id(
    session: AsyncSession, grant: ReadGrant, now: datetime, ids: Sequence[int]
) -> list[EvidenceRecord]:
    statement = visible_rows(COLUMNS, Evidence, RecordType.EVIDENCE, grant, now).where(
        Evidence.id.in_(ids)
    )
    rows = list((await session.exec(statement)).all())
    return await _records(session, rows, grant)


async def evidence_for_cases(
    session: AsyncSession, grant: ReadGrant, now: datetime, cases: Sequence[CaseKey]
) -> list[EvidenceRecord]:
    if not cases:
        return []
    by_case = or_(
        *(
            and_(Evidence.case_administration == owner.value, Evidence.case_id == case_id)
            for owner, case_id in sorted(set(cases))
        )
    )
    statement = (
        visible_rows(COLUMNS, Evidence, RecordType.EVIDENCE, grant, now)
        .where(by_case)
        .order_by(
            Evidence.case_administration, Evidence.case_id, Evidence.collected_at, Evidence.id
        )
    )
    rows = list((await session.exec(statement)).all())
    return await _records(session, rows, grant)


MAX_OVERDUE = 500


async def overdue_originals(
    session: AsyncSession, grant: ReadGrant, now: datetime
) -> list[EvidenceRecord]:
    """Originals past their return date and not yet returned, that the caller may see."""
    statement = (
        visible_rows(COLUMNS, Evidence, RecordType.EVIDENCE, grant, now)
        .where(
            Evidence.kind == EvidenceKind.ORIGINAL.value,
            Evidence.return_due < now,
            Evidence.returned_at.is_(None),
        )
        .order_by(Evidence.return_due, Evidence.id)
        .limit(MAX_OVERDUE)
    )
    rows = list((await session.exec(statement)).all())
    return await _records(session, rows, grant)
