"""The owner's own releases, with the records each covers. Only the owner reads them."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import false
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from auth.policy.release import ReadGrant
from resolvers.sources.in_process.handling import present, utc, utc_present
from resolvers.sources.in_process.query import count_rows, fetch_page
from resolvers.sources.records import PageRequest, ReleaseItemRef, ReleaseRecord
from store.models import Release, ReleaseItem
from store.models.domain import Administration


def _visible(grant: ReadGrant) -> SelectOfScalar[Release]:
    statement = select(Release)
    if not (grant.permitted and grant.own):
        return statement.where(false())
    return statement


async def _items(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[ReleaseItemRef, ...]]:
    if not ids:
        return {}
    rows = await session.exec(
        select(
            col(ReleaseItem.release_id), col(ReleaseItem.record_type), col(ReleaseItem.record_id)
        )
        .where(col(ReleaseItem.release_id).in_(ids))
        .order_by(col(ReleaseItem.release_id), col(ReleaseItem.id))
    )
    items: dict[int, list[ReleaseItemRef]] = defaultdict(list)
    for release_id, record_type, record_id in rows:
        items[release_id].append(ReleaseItemRef(record_type=record_type, record_id=record_id))
    return {release_id: tuple(refs) for release_id, refs in items.items()}


async def _records(
    session: AsyncSession, grant: ReadGrant, releases: list[Release]
) -> list[ReleaseRecord]:
    items = await _items(session, [present(release.id) for release in releases])
    return [
        ReleaseRecord(
            owner=grant.owner,
            id=present(release.id),
            recipient=Administration(release.recipient),
            basis=release.basis,
            request_reference=release.request_reference,
            purpose=release.purpose,
            permitted_uses=tuple(release.permitted_uses),
            consent_required_for=tuple(release.consent_required_for),
            conditions=tuple(release.conditions),
            includes_personal_data=release.includes_personal_data,
            created_at=utc_present(release.created_at),
            expires_at=utc_present(release.expires_at),
            revoked_at=utc(release.revoked_at),
            items=items.get(present(release.id), ()),
        )
        for release in releases
    ]


async def list_releases(
    session: AsyncSession, grant: ReadGrant, now: datetime, page: PageRequest
) -> tuple[list[ReleaseRecord], bool, int]:
    statement = _visible(grant)
    rows, has_more = await fetch_page(
        session, statement, col(Release.created_at), col(Release.id), page
    )
    total = await count_rows(session, statement)
    return await _records(session, grant, list(rows)), has_more, total


async def releases_by_id(
    session: AsyncSession, grant: ReadGrant, ids: Sequence[int]
) -> list[ReleaseRecord]:
    rows = await session.exec(_visible(grant).where(col(Release.id).in_(ids)))
    return await _records(session, grant, list(rows))
