"""Decisions of the requested administration, and links confirmed by an administration."""

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.release import ReadGrant
from resolvers.sources.in_process.handling import present, utc_present
from resolvers.sources.records import DecisionRecord, EntityLinkRecord
from store.models import Decision, EntityLink
from store.models.domain import Administration


async def decisions_by_id(
    session: AsyncSession, grant: ReadGrant, ids: Sequence[int]
) -> list[DecisionRecord]:
    """The owner's decisions, and those on the caller's own requests."""
    if not ids or not grant.permitted:
        return []
    statement = select(Decision).where(col(Decision.id).in_(ids))
    if not grant.own:
        statement = statement.where(
            col(Decision.request_administration) == grant.principal.administration.value
        )
    return [
        DecisionRecord(
            owner=grant.owner,
            id=present(decision.id),
            decision=decision.decision,
            ground=decision.ground,
            reason=decision.reason,
            conditions=tuple(decision.conditions),
            decided_at=utc_present(decision.decided_at),
        )
        for decision in await session.exec(statement)
    ]


async def links_by_id(
    session: AsyncSession, grant: ReadGrant, ids: Sequence[int]
) -> list[EntityLinkRecord]:
    if not ids or not (grant.permitted and grant.own):
        return []
    statement = select(EntityLink).where(col(EntityLink.id).in_(ids))
    return [
        EntityLinkRecord(
            owner=grant.owner,
            id=present(link.id),
            entity_id=link.entity_id,
            partner_administration=Administration(link.partner_administration),
            partner_entity_id=link.partner_entity_id,
            reason=link.reason,
            confirmed_by=link.confirmed_by,
            confirmed_at=utc_present(link.confirmed_at),
        )
        for link in await session.exec(statement)
    ]
