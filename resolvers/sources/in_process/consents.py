"""Consents held by the owner, and the granted ones shown in records' handling."""

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.release import ReadGrant
from resolvers.sources.in_process.handling import utc
from resolvers.sources.in_process.query import rows_of
from resolvers.sources.records import ConsentRecord, GrantedConsent, ReleaseItemRef
from store.models import Consent, ConsentItem
from store.models.domain import Administration, ConsentStatus, RecordType


async def granted_consents(
    session: AsyncSession, grant: ReadGrant, record_type: RecordType, ids: Sequence[int]
) -> dict[int, tuple[GrantedConsent, ...]]:
    """Granted consents covering the records, as the caller may know them: the owner sees all,
    the partner those it asked for."""
    if not ids or not grant.permitted:
        return {}
    # Columns, not ORM objects: this runs for every page of records.
    statement = (
        select(
            ConsentItem.record_id,
            Consent.id,
            Consent.use,
            Consent.recipient_agency,
            Consent.recipient_country,
            Consent.decided_at,
        )
        .join(Consent, Consent.id == ConsentItem.consent_id)
        .where(
            ConsentItem.record_type == record_type.value,
            ConsentItem.record_id.in_(ids),
            Consent.status == ConsentStatus.GRANTED.value,
        )
        .order_by(ConsentItem.record_id, Consent.id)
    )
    if not grant.own:
        statement = statement.where(
            Consent.requesting_administration == grant.principal.administration.value
        )
    found: dict[int, list[GrantedConsent]] = defaultdict(list)
    rows = await rows_of(session, statement)
    for record_id, consent_id, use, agency, country, decided_at in rows:
        found[record_id].append(GrantedConsent(consent_id, use, agency, country, utc(decided_at)))
    return {record_id: tuple(items) for record_id, items in found.items()}


async def consents_by_id(
    session: AsyncSession, grant: ReadGrant, ids: Sequence[int]
) -> list[ConsentRecord]:
    """Consents the caller is party to: the owner's, or those its administration asked for."""
    if not ids or not grant.permitted:
        return []
    statement = select(Consent).where(Consent.id.in_(ids))
    if not grant.own:
        statement = statement.where(
            Consent.requesting_administration == grant.principal.administration.value
        )
    consents = list((await session.exec(statement)).all())
    items: dict[int, list[ReleaseItemRef]] = defaultdict(list)
    rows = await session.exec(
        select(ConsentItem)
        .where(ConsentItem.consent_id.in_([c.id for c in consents]))
        .order_by(ConsentItem.id)
    )
    for item in rows:
        items[item.consent_id].append(ReleaseItemRef(item.record_type, item.record_id))
    return [
        ConsentRecord(
            owner=grant.owner,
            id=consent.id,
            requesting_administration=Administration(consent.requesting_administration),
            use=consent.use,
            recipient_agency=consent.recipient_agency,
            recipient_country=consent.recipient_country,
            purpose=consent.purpose,
            status=consent.status,
            requested_at=utc(consent.requested_at),
            decided_at=utc(consent.decided_at),
            reason=consent.reason,
            items=tuple(items.get(consent.id, ())),
        )
        for consent in consents
    ]
