"""Cases and their parties, read under the owner's policy."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from auth.policy.filters import filterable
from auth.policy.personal_data import IS_PERSON
from auth.policy.release import Moment, ReadGrant, record_grant
from resolvers.sources.filters import CaseFilter
from resolvers.sources.in_process import shapes
from resolvers.sources.in_process.consents import granted_consents
from resolvers.sources.in_process.handling import handling_of, utc, utc_present
from resolvers.sources.in_process.query import (
    AnySelect,
    count_visible,
    fetch_row_page,
    named_rows,
    rows_of,
    sql,
    visible_count,
    visible_rows,
)
from resolvers.sources.records import CaseRecord, PageRequest, PartyRecord
from store.models import Case, CaseOffence, CaseParty, Entity, EntityIdentifier
from store.models.domain import Administration, RecordType

# A dictionary look-up, not an enum call, for each party row.
ADMINISTRATIONS = {administration.value: administration for administration in Administration}

COLUMNS: tuple[Any, ...] = (
    col(Case.id),
    col(Case.reference),
    col(Case.title),
    col(Case.status),
    col(Case.opened_at),
    col(Case.closed_at),
    col(Case.summary),
    col(Case.legal_provisions),
    col(Case.marking),
    col(Case.tlp),
)


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).contains(text.lower(), autoescape=True)


def conditions(
    case_filter: CaseFilter, grant: ReadGrant, now: datetime
) -> list[ColumnElement[bool]]:
    """The filter as SQL over the cases the caller may see. The case's own columns are all
    readable wherever the case is visible; what a filter reaches beyond them goes through the
    policy's `filterable`, as a read of it would."""
    found: list[ColumnElement[bool]] = []
    if case_filter.statuses:
        found.append(col(Case.status).in_(case_filter.statuses))
    if case_filter.offence_types:
        found.append(
            exists().where(
                col(CaseOffence.case_id) == col(Case.id),
                col(CaseOffence.offence_type).in_(case_filter.offence_types),
            )
        )
    if case_filter.opened_from is not None:
        found.append(col(Case.opened_at) >= case_filter.opened_from)
    if case_filter.opened_to is not None:
        found.append(col(Case.opened_at) < case_filter.opened_to)
    if case_filter.text:
        text = case_filter.text
        found.append(
            or_(
                _contains(col(Case.reference), text),
                _contains(col(Case.title), text),
                _contains(col(Case.summary), text),
            )
        )
    if case_filter.identifier is not None:
        identifier = case_filter.identifier
        # A party's identifiers are read as the party's entity is: only with the entities
        # scope, of an entity the caller may see, and a person's only where its personal data
        # is released to the caller.
        entity_grant = record_grant(grant.owner, grant.principal, RecordType.ENTITY)
        # Parties held in this store only: the identifiers of the partner's entities are the
        # partner's to match, under its own policy.
        found.append(
            exists().where(
                col(CaseParty.case_id) == col(Case.id),
                col(CaseParty.entity_administration) == grant.owner.value,
                col(Entity.id) == col(CaseParty.entity_id),
                col(EntityIdentifier.entity_id) == col(Entity.id),
                col(EntityIdentifier.type) == identifier.type.value,
                col(EntityIdentifier.normalised) == identifier.normalised,
                filterable(RecordType.ENTITY, sql(Entity.id), entity_grant, now, sql(IS_PERSON)),
            )
        )
    return found


# A case's offence types, read with the case: one text per row, split and ordered in Python.
# Offence types are enum names: none holds the separator.
OFFENCES = (
    select(func.aggregate_strings(col(CaseOffence.offence_type), ","))
    .where(col(CaseOffence.case_id) == col(Case.id))
    .scalar_subquery()
    .label("offences")
)


def _offence_types(joined: str | None) -> tuple[str, ...]:
    return tuple(sorted(joined.split(","))) if joined else ()


async def _records(session: AsyncSession, rows: list[Any], grant: ReadGrant) -> list[CaseRecord]:
    consents = await granted_consents(session, grant, RecordType.CASE, [row.id for row in rows])
    return [
        CaseRecord(
            owner=grant.owner,
            id=row.id,
            reference=row.reference,
            title=row.title,
            status=row.status,
            offence_types=_offence_types(row.offences),
            opened_at=utc_present(row.opened_at),
            closed_at=utc(row.closed_at),
            summary=row.summary,
            legal_provisions=tuple(row.legal_provisions),
            handling=handling_of(row, grant, consents.get(row.id, ())),
        )
        for row in rows
    ]


def _listed(grant: ReadGrant, now: Moment, where: Sequence[ColumnElement[bool]]) -> AnySelect:
    """The page, its cases' offences and the count of the whole list in one statement."""
    total_column = visible_count(Case, RecordType.CASE, grant, now, where)
    return visible_rows(
        (*COLUMNS, OFFENCES, total_column), Case, RecordType.CASE, grant, now
    ).where(*where)


@lru_cache(maxsize=shapes.KEPT_SHAPES)
def _unfiltered_page(shape: shapes.ReadShape, after: bool) -> Any:
    """The unfiltered list's page (the dashboard's), kept per shape of grant."""
    statement = _listed(shapes.grant_of(shape), shapes.NOW, ())
    return shapes.paged(statement, col(Case.opened_at), col(Case.id), after)


async def _unfiltered_rows(
    session: AsyncSession, grant: ReadGrant, now: datetime, page: PageRequest
) -> tuple[list[Any], bool]:
    statement = _unfiltered_page(shapes.shape_of(grant), page.after is not None)
    rows = await named_rows(session, statement, shapes.page_values(now, page))
    return rows[: page.limit], len(rows) > page.limit


async def list_cases(
    session: AsyncSession,
    grant: ReadGrant,
    now: datetime,
    case_filter: CaseFilter,
    page: PageRequest,
) -> tuple[list[CaseRecord], bool, int]:
    if not grant.permitted:
        return [], False, 0  # nothing to ask the store: the refused attempt is still audited
    where = conditions(case_filter, grant, now)
    if where:
        statement = _listed(grant, now, where)
        rows, has_more = await fetch_row_page(
            session, statement, col(Case.opened_at), col(Case.id), page
        )
    else:
        rows, has_more = await _unfiltered_rows(session, grant, now, page)
    if rows:
        total = int(rows[0].visible_total)
    else:
        total = await count_visible(session, Case, RecordType.CASE, grant, now, where)
    return await _records(session, rows, grant), has_more, total


async def cases_by_id(
    session: AsyncSession, grant: ReadGrant, now: datetime, ids: Sequence[int]
) -> list[CaseRecord]:
    statement = visible_rows((*COLUMNS, OFFENCES), Case, RecordType.CASE, grant, now).where(
        col(Case.id).in_(ids)
    )
    rows = await named_rows(session, statement)
    return await _records(session, rows, grant)


@lru_cache(maxsize=shapes.KEPT_SHAPES)
def _parties(shape: shapes.ReadShape) -> Any:
    """Party links of the visible cases among the ids, kept per shape of grant."""
    grant = shapes.grant_of(shape)
    visible = visible_rows((col(Case.id),), Case, RecordType.CASE, grant, shapes.NOW).where(
        col(Case.id).in_(shapes.IDS)
    )
    return (
        select(
            col(CaseParty.case_id),
            col(CaseParty.entity_administration),
            col(CaseParty.entity_id),
            col(CaseParty.role),
        )
        .where(
            col(CaseParty.case_id).in_(visible.with_only_columns(col(Case.id)).scalar_subquery())
        )
        .order_by(col(CaseParty.case_id), col(CaseParty.id))
    )


async def parties_of_cases(
    session: AsyncSession, grant: ReadGrant, now: datetime, case_ids: Sequence[int]
) -> dict[int, tuple[PartyRecord, ...]]:
    """Party links of the visible cases among case_ids; each entity is resolved by its owner."""
    statement = _parties(shapes.shape_of(grant))
    found = await rows_of(session, statement, shapes.ids_values(now, case_ids))
    parties: dict[int, list[PartyRecord]] = defaultdict(list)
    for case_id, entity_administration, entity_id, role in found:
        parties[case_id].append(
            PartyRecord(
                case_owner=grant.owner,
                case_id=case_id,
                entity_owner=ADMINISTRATIONS[entity_administration],
                entity_id=entity_id,
                role=role,
            )
        )
    return {case_id: tuple(links) for case_id, links in parties.items()}
