"""Evidence items and their chain of custody, read under the owner's policy."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.release import ReadGrant
from resolvers.sources.in_process.consents import granted_consents
from resolvers.sources.in_process.handling import handling_of, utc, utc_present
from resolvers.sources.in_process.query import named_rows, visible_rows
from resolvers.sources.records import CustodyRecord, EvidenceRecord
from store.models import CustodyEvent, Evidence
from store.models.domain import Administration, EvidenceKind, RecordType

CaseKey = tuple[Administration, int]

COLUMNS: tuple[Any, ...] = (
    col(Evidence.id),
    col(Evidence.case_administration),
    col(Evidence.case_id),
    col(Evidence.kind),
    col(Evidence.title),
    col(Evidence.description),
    col(Evidence.media_type),
    col(Evidence.sha256),
    col(Evidence.size_bytes),
    col(Evidence.collected_at),
    col(Evidence.collected_by),
    col(Evidence.collected_place),
    col(Evidence.return_due),
    col(Evidence.returned_at),
    col(Evidence.marking),
    col(Evidence.tlp),
)


async def _custody(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[CustodyRecord, ...]]:
    if not ids:
        return {}
    rows = await session.exec(
        select(CustodyEvent)
        .where(col(CustodyEvent.evidence_id).in_(ids))
        .order_by(col(CustodyEvent.evidence_id), col(CustodyEvent.sequence))
    )
    chains: dict[int, list[CustodyRecord]] = defaultdict(list)
    for event in rows:
        chains[event.evidence_id].append(
            CustodyRecord(
                sequence=event.sequence,
                from_holder=event.from_holder,
                to_holder=event.to_holder,
                at=utc_present(event.at),
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
            collected_at=utc_present(row.collected_at),
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
        col(Evidence.id).in_(ids)
    )
    rows = await named_rows(session, statement)
    return await _records(session, rows, grant)


async def evidence_for_cases(
    session: AsyncSession, grant: ReadGrant, now: datetime, cases: Sequence[CaseKey]
) -> list[EvidenceRecord]:
    if not cases:
        return []
    by_case = or_(
        *(
            and_(col(Evidence.case_administration) == owner.value, col(Evidence.case_id) == case_id)
            for owner, case_id in sorted(set(cases))
        )
    )
    statement = (
        visible_rows(COLUMNS, Evidence, RecordType.EVIDENCE, grant, now)
        .where(by_case)
        .order_by(
            col(Evidence.case_administration),
            col(Evidence.case_id),
            col(Evidence.collected_at),
            col(Evidence.id),
        )
    )
    rows = await named_rows(session, statement)
    return await _records(session, rows, grant)


MAX_OVERDUE = 500


async def overdue_originals(
    session: AsyncSession, grant: ReadGrant, now: datetime
) -> list[EvidenceRecord]:
    """Originals past their return date and not yet returned, that the caller may see."""
    statement = (
        visible_rows(COLUMNS, Evidence, RecordType.EVIDENCE, grant, now)
        .where(
            col(Evidence.kind) == EvidenceKind.ORIGINAL.value,
            col(Evidence.return_due) < now,
            col(Evidence.returned_at).is_(None),
        )
        .order_by(col(Evidence.return_due), col(Evidence.id))
        .limit(MAX_OVERDUE)
    )
    rows = await named_rows(session, statement)
    return await _records(session, rows, grant)
