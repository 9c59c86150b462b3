"""Entities and their identifiers, read under the owner's policy; a natural person's personal
data leaves the store only where it is released to the caller."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, tuple_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.filters import filterable
from auth.policy.personal_data import IS_PERSON, personal_data, personal_data_allowed
from auth.policy.release import ReadGrant
from resolvers.sources.filters import EntityFilter, MatchProbe
from resolvers.sources.in_process import shapes
from resolvers.sources.in_process.consents import granted_consents
from resolvers.sources.in_process.handling import handling_of, utc_present
from resolvers.sources.in_process.query import (
    count_rows,
    fetch_row_page,
    named_rows,
    rows_of,
    sql,
    visible_rows,
)
from resolvers.sources.parts import EVERY_PART, UNREAD, EntityParts
from resolvers.sources.records import EntityRecord, IdentifierRecord, PageRequest
from store.models import Entity, EntityIdentifier
from store.models.domain import RecordType
from store.names import normalise_name

PERSON = sql(IS_PERSON)


def _columns(grant: ReadGrant) -> tuple[Any, ...]:
    def guarded(column: Any, label: str) -> Any:
        return personal_data(column, PERSON, grant).label(label)

    return (
        col(Entity.id),
        col(Entity.kind),
        col(Entity.conveyance_type),
        guarded(col(Entity.name), "name"),
        guarded(col(Entity.name_cyrillic), "name_cyrillic"),
        guarded(col(Entity.name_key), "name_key"),
        guarded(col(Entity.date_of_birth), "date_of_birth"),
        guarded(col(Entity.address), "address"),
        col(Entity.country),
        col(Entity.description),
        col(Entity.created_at),
        col(Entity.marking),
        col(Entity.tlp),
        and_(PERSON, ~personal_data_allowed(grant)).label("withheld"),
    )


def _searchable(grant: ReadGrant, now: datetime) -> ColumnElement[bool]:
    """A person's name and identifiers are personal data: matching on them where they are not
    released would tell the caller what it may not read."""
    return filterable(RecordType.ENTITY, sql(Entity.id), grant, now, PERSON)


def conditions(
    entity_filter: EntityFilter, grant: ReadGrant, now: datetime
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    searchable = _searchable(grant, now)
    if entity_filter.kinds:
        found.append(col(Entity.kind).in_(entity_filter.kinds))
    if entity_filter.name:
        key = normalise_name(entity_filter.name)
        found.append(and_(searchable, col(Entity.name_key).contains(key, autoescape=True)))
    if entity_filter.identifier is not None:
        identifier = entity_filter.identifier
        found.append(
            and_(
                searchable,
                exists().where(
                    col(EntityIdentifier.entity_id) == col(Entity.id),
                    col(EntityIdentifier.type) == identifier.type.value,
                    col(EntityIdentifier.normalised) == identifier.normalised,
                ),
            )
        )
    return found


async def _identifiers(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[IdentifierRecord, ...]]:
    if not ids:
        return {}
    # Columns, not ORM objects: a page's entities have hundreds of identifiers, and the
    # records are built from plain values anyway.
    rows = await rows_of(
        session,
        select(
            col(EntityIdentifier.entity_id),
            col(EntityIdentifier.type),
            col(EntityIdentifier.value),
            col(EntityIdentifier.normalised),
            col(EntityIdentifier.issuing_country),
        )
        .where(col(EntityIdentifier.entity_id).in_(ids))
        .order_by(col(EntityIdentifier.entity_id), col(EntityIdentifier.id)),
    )
    found: dict[int, list[IdentifierRecord]] = defaultdict(list)
    for entity_id, kind, value, normalised, issuing_country in rows:
        found[entity_id].append(IdentifierRecord(kind, value, normalised, issuing_country))
    return {entity_id: tuple(items) for entity_id, items in found.items()}


async def _records(
    session: AsyncSession, rows: list[Any], grant: ReadGrant, parts: EntityParts = EVERY_PART
) -> list[EntityRecord]:
    """The records of the rows, with the parts asked for: identifiers and granted consents
    are read only where the operation uses them (resolvers.sources.parts); a part not read
    holds UNREAD, which no field can serialise."""
    ids = [row.id for row in rows]
    # Identifiers of a person whose personal data is withheld stay in the store.
    identifiers: Any = (
        await _identifiers(session, [row.id for row in rows if not row.withheld])
        if "identifiers" in parts.entity
        else UNREAD
    )
    consents: Any = (
        await granted_consents(session, grant, RecordType.ENTITY, ids)
        if "handling" in parts.entity and "consents" in parts.handling
        else UNREAD
    )
    return [
        EntityRecord(
            owner=grant.owner,
            id=row.id,
            kind=row.kind,
            conveyance_type=row.conveyance_type,
            name=row.name,
            name_cyrillic=row.name_cyrillic,
            name_key=row.name_key,
            date_of_birth=row.date_of_birth,
            address=row.address,
            country=row.country,
            description=row.description,
            personal_data_withheld=bool(row.withheld),
            identifiers=UNREAD if identifiers is UNREAD else identifiers.get(row.id, ()),
            created_at=utc_present(row.created_at),
            handling=handling_of(
                row, grant, UNREAD if consents is UNREAD else consents.get(row.id, ())
            ),
        )
        for row in rows
    ]


async def list_entities(
    session: AsyncSession,
    grant: ReadGrant,
    now: datetime,
    entity_filter: EntityFilter,
    page: PageRequest,
) -> tuple[list[EntityRecord], bool, int]:
    if not grant.permitted:
        return [], False, 0  # nothing to ask the store: the refused attempt is still audited
    where = conditions(entity_filter, grant, now)
    statement = visible_rows(_columns(grant), Entity, RecordType.ENTITY, grant, now).where(*where)
    rows, has_more = await fetch_row_page(
        session, statement, col(Entity.created_at), col(Entity.id), page
    )
    total = await count_rows(session, statement)
    return await _records(session, rows, grant), has_more, total


MAX_CANDIDATES = 200


async def match_candidates(
    session: AsyncSession, grant: ReadGrant, now: datetime, probe: MatchProbe
) -> list[EntityRecord]:
    searchable = _searchable(grant, now)
    alternatives: list[ColumnElement[bool]] = []
    if probe.identifiers:
        alternatives.append(
            exists().where(
                col(EntityIdentifier.entity_id) == col(Entity.id),
                tuple_(col(EntityIdentifier.type), col(EntityIdentifier.normalised)).in_(
                    probe.identifiers
                ),
            )
        )
    if probe.name_keys:
        alternatives.append(col(Entity.name_key).in_(probe.name_keys))
    if not alternatives:
        return []
    statement = (
        visible_rows(_columns(grant), Entity, RecordType.ENTITY, grant, now)
        .where(searchable, or_(*alternatives))
        .order_by(col(Entity.id))
        .limit(MAX_CANDIDATES)
    )
    rows = await named_rows(session, statement)
    return await _records(session, rows, grant)


@lru_cache(maxsize=shapes.KEPT_SHAPES)
def _by_id(shape: shapes.ReadShape) -> Any:
    """The visible entities among the ids, kept per shape of grant."""
    grant = shapes.grant_of(shape)
    return visible_rows(_columns(grant), Entity, RecordType.ENTITY, grant, shapes.NOW).where(
        col(Entity.id).in_(shapes.IDS)
    )


async def entities_by_id(
    session: AsyncSession,
    grant: ReadGrant,
    now: datetime,
    ids: Sequence[int],
    parts: EntityParts = EVERY_PART,
) -> list[EntityRecord]:
    statement = _by_id(shapes.shape_of(grant))
    rows = await named_rows(session, statement, shapes.ids_values(now, ids))
    return await _records(session, rows, grant, parts)
