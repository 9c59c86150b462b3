"""Assistance requests held by their requester: its own, and those addressed to the caller."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, false, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from auth.policy.procedures import LAPSE_FROM, effective_status
from auth.policy.release import ReadGrant
from resolvers.sources.filters import Direction, RequestFilter
from resolvers.sources.in_process.handling import present, utc, utc_present
from resolvers.sources.in_process.query import count_rows, fetch_page
from resolvers.sources.records import PageRequest, RequestRecord
from store.agreement import Agreement
from store.models import AssistanceRequest
from store.models.domain import Administration, RequestStatus


def _visible(grant: ReadGrant) -> SelectOfScalar[AssistanceRequest]:
    statement = select(AssistanceRequest)
    if not grant.permitted:
        return statement.where(false())
    if grant.own:
        return statement
    # A request is communicated to the administration it is addressed to, and to nobody else.
    return statement.where(
        col(AssistanceRequest.requested_administration) == grant.principal.administration.value
    )


def status_column(now: datetime, agreement: Agreement) -> ColumnElement[str]:
    """The status as auth.policy.procedures.effective_status sees it, in SQL, for filtering."""
    cutoff = now - timedelta(days=agreement.oral_request_confirmation_days)
    return case(
        (
            and_(
                col(AssistanceRequest.oral) == true(),
                col(AssistanceRequest.confirmed_in_writing_at).is_(None),
                col(AssistanceRequest.status).in_([s.value for s in LAPSE_FROM]),
                col(AssistanceRequest.submitted_at) < cutoff,
            ),
            RequestStatus.LAPSED.value,
        ),
        else_=col(AssistanceRequest.status),
    )


def conditions(
    request_filter: RequestFilter, grant: ReadGrant, now: datetime, agreement: Agreement
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if request_filter.statuses:
        found.append(status_column(now, agreement).in_(request_filter.statuses))
    if request_filter.due_before is not None:
        found.append(col(AssistanceRequest.due_at) < request_filter.due_before)
    if request_filter.direction is not None:
        caller = grant.principal.administration.value
        column = (
            col(AssistanceRequest.requested_administration)
            if request_filter.direction is Direction.INCOMING
            else col(AssistanceRequest.requesting_administration)
        )
        found.append(column == caller)
    return found


def _record(
    request: AssistanceRequest, grant: ReadGrant, now: datetime, agreement: Agreement
) -> RequestRecord:
    return RequestRecord(
        owner=grant.owner,
        id=present(request.id),
        reference=request.reference,
        requesting_administration=Administration(request.requesting_administration),
        requested_administration=Administration(request.requested_administration),
        agreement_reference=request.agreement_reference,
        matter=request.matter,
        assistance_type=request.assistance_type,
        reasons=request.reasons,
        case_description=request.case_description,
        legal_provisions=tuple(request.legal_provisions),
        persons_concerned=tuple(request.persons_concerned) if grant.pii_scope else None,
        case_id=request.case_id if grant.own else None,
        urgency=request.urgency,
        oral=request.oral,
        confirmed_in_writing_at=utc(request.confirmed_in_writing_at),
        submitted_at=utc_present(request.submitted_at),
        due_at=utc_present(request.due_at),
        status=effective_status(
            RequestStatus(request.status),
            request.oral,
            request.confirmed_in_writing_at,
            utc_present(request.submitted_at),
            now,
            agreement,
        ).value,
        closed_at=utc(request.closed_at),
    )


async def list_requests(
    session: AsyncSession,
    grant: ReadGrant,
    now: datetime,
    request_filter: RequestFilter,
    page: PageRequest,
    agreement: Agreement,
) -> tuple[list[RequestRecord], bool, int]:
    statement = _visible(grant).where(*conditions(request_filter, grant, now, agreement))
    rows, has_more = await fetch_page(
        session, statement, col(AssistanceRequest.submitted_at), col(AssistanceRequest.id), page
    )
    total = await count_rows(session, statement)
    return [_record(row, grant, now, agreement) for row in rows], has_more, total


async def requests_by_id(
    session: AsyncSession,
    grant: ReadGrant,
    now: datetime,
    ids: Sequence[int],
    agreement: Agreement,
) -> list[RequestRecord]:
    statement = _visible(grant).where(col(AssistanceRequest.id).in_(ids))
    rows = (await session.exec(statement)).all()
    return [_record(row, grant, now, agreement) for row in rows]
