"""Consents held by the owner, and the granted ones shown in records' handling."""

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.release import ReadGrant
from resolvers.sources.in_process import shapes
from resolvers.sources.in_process.handling import present, utc, utc_present
from resolvers.sources.in_process.query import rows_of
from resolvers.sources.records import ConsentRecord, GrantedConsent, ReleaseItemRef
from store.models import Consent, ConsentItem
from store.models.domain import Administration, ConsentStatus, RecordType


@lru_cache(maxsize=shapes.KEPT_SHAPES)
def _granted(shape: shapes.ReadShape, record_type: RecordType) -> Any:
    """The granted consents covering the records of the ids, kept per shape of grant."""
    grant = shapes.grant_of(shape)
    # Columns, not ORM objects: this runs for every page of records.
    statement = (
        select_columns(
            col(ConsentItem.record_id),
            col(Consent.id),
            col(Consent.use),
            col(Consent.recipient_agency),
            col(Consent.recipient_country),
            col(Consent.decided_at),
        )
        .join(Consent, col(Consent.id) == col(ConsentItem.consent_id))
        .where(
            col(ConsentItem.record_type) == record_type.value,
            col(ConsentItem.record_id).in_(shapes.IDS),
            col(Consent.status) == ConsentStatus.GRANTED.value,
        )
        .order_by(col(ConsentItem.record_id), col(Consent.id))
    )
    if not grant.own:
        statement = statement.where(
            col(Consent.requesting_administration) == grant.principal.administration.value
        )
    return statement


async def granted_consents(
    session: AsyncSession, grant: ReadGrant, record_type: RecordType, ids: Sequence[int]
) -> dict[int, tuple[GrantedConsent, ...]]:
    """Granted consents covering the records, as the caller may know them: the owner sees all,
    the partner those it asked for."""
    if not ids or not grant.permitted:
        return {}
    statement = _granted(shapes.shape_of(grant), record_type)
    rows = await rows_of(session, statement, {shapes.IDS.key: list(ids)})
    found: dict[int, list[GrantedConsent]] = defaultdict(list)
    for record_id, consent_id, use, agency, country, decided_at in rows:
        found[record_id].append(GrantedConsent(consent_id, use, agency, country, utc(decided_at)))
    return {record_id: tuple(items) for record_id, items in found.items()}


async def consents_by_id(
    session: AsyncSession, grant: ReadGrant, ids: Sequence[int]
) -> list[ConsentRecord]:
    """Consents the caller is party to: the owner's, or those its administration asked for."""
    if not ids or not grant.permitted:
        return []
    statement = select(Consent).where(col(Consent.id).in_(ids))
    if not grant.own:
        statement = statement.where(
            col(Consent.requesting_administration) == grant.principal.administration.value
        )
    consents = list((await session.exec(statement)).all())
    items: dict[int, list[ReleaseItemRef]] = defaultdict(list)
    rows = await session.exec(
        select(ConsentItem)
        .where(col(ConsentItem.consent_id).in_([c.id for c in consents]))
        .order_by(col(ConsentItem.id))
    )
    for item in rows:
        items[item.consent_id].append(ReleaseItemRef(item.record_type, item.record_id))
    return [
        ConsentRecord(
            owner=grant.owner,
            id=present(consent.id),
            requesting_administration=Administration(consent.requesting_administration),
            use=consent.use,
            recipient_agency=consent.recipient_agency,
            recipient_country=consent.recipient_country,
            purpose=consent.purpose,
            status=consent.status,
            requested_at=utc_present(consent.requested_at),
            decided_at=utc(consent.decided_at),
            reason=consent.reason,
            items=tuple(items.get(present(consent.id), ())),
        )
        for consent in consents
    ]
