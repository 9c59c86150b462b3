"""`auditTrail`: an administration reads its own audit log, newest first.

The log is the caller's own administration's, read through that administration's source
(in-process or remote) and nowhere else: it records who of either side read or changed the
administration's records, when, under which release, and what was refused by which rule.
The partner's log is the partner's to read.
"""

import orjson
import strawberry
from strawberry.types import Info

from resolvers.errors import BadUserInput, SourceUnavailableError
from resolvers.exchange.connections import PageInfo
from resolvers.exchange.context import ExchangeContext
from resolvers.exchange.cursors import CursorScope, filter_digest
from resolvers.exchange.union import Connection, Edge, empty_connection
from resolvers.exchange.union import PageInfo as PageInfoValue
from resolvers.sources.base import SourceDown
from resolvers.sources.ids import decode_global_id
from resolvers.sources.records import PageRequest, Position
from resolvers.vocabulary.inputs import LOGGED_RECORD, AuditTrailFilterFields, text
from resolvers.vocabulary.inputs import audit_filter as shared_audit_filter
from resolvers.vocabulary.types import AuditEventFields, description_of, served_as
from store.audit import AuditTrailFilter as AuditTrailFilterValue
from store.audit import LoggedEntry
from store.models import domain

LIST_NAME = "auditTrail"
# How the log names each kind of record that has a global id.
LOGGED_TYPE = {
    "Case": "CASE",
    "Entity": "ENTITY",
    "Evidence": "EVIDENCE",
    "AssistanceRequest": "REQUEST",
    "Release": "RELEASE",
    "Consent": "CONSENT",
}


@strawberry.type(description=description_of(AuditEventFields))
class AuditEvent(AuditEventFields):
    seq: int = strawberry.field(description="The entry's position in the log, from 1.")

    @strawberry.field(description="What else was recorded (e.g. why a procedure was refused).")
    @staticmethod
    def detail(record: strawberry.Parent[LoggedEntry]) -> str | None:
        if not record.detail:
            return None
        return orjson.dumps(record.detail, option=orjson.OPT_SORT_KEYS).decode()


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEvent


@strawberry.type
class AuditEventConnection:
    edges: list[AuditEventEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input(description="Entries to look for; every condition given must hold.")
class AuditTrailFilter(AuditTrailFilterFields):
    record_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A record of the caller's administration: its global id, or its name in "
        "the log (type:local id).",
    )


def _context(info: Info) -> ExchangeContext:
    return info.context


class _NotInLog(Exception):
    """The filter names a record the caller's log cannot hold (the partner's)."""


def _logged_record(value: str | None, own: domain.Administration) -> str | None:
    if value is None:
        return None
    decoded = decode_global_id(value)
    if decoded is not None and decoded.type_name in LOGGED_TYPE:
        if decoded.owner is not own:
            raise _NotInLog
        return f"{LOGGED_TYPE[decoded.type_name]}:{decoded.local_id}"
    if LOGGED_RECORD.match(value):
        return value
    raise BadUserInput(
        "Name a record by its id, or as the log names it (type:local id).",
        field="filter.recordId",
    )


def audit_filter(
    value: AuditTrailFilter | None, own: domain.Administration
) -> AuditTrailFilterValue:
    if value is None:
        return AuditTrailFilterValue()
    return shared_audit_filter(value, _logged_record(text(value.record_id, "filter.recordId"), own))


def _page_size(context: ExchangeContext, first: int | None) -> int:
    limits = context.agreement.limits
    if first is None:
        return limits.default_page_size
    if not 1 <= first <= limits.max_page_size:
        raise BadUserInput(f"first must be between 1 and {limits.max_page_size}.", field="first")
    return first


async def resolve_audit_trail(
    info: Info,
    first: int | None = None,
    after: str | None = None,
    filter: AuditTrailFilter | None = None,
) -> AuditEventConnection:
    """The caller's own administration's audit log, newest first."""
    context = _context(info)
    principal = context.principal
    own = principal.administration
    size = _page_size(context, first)
    try:
        wanted = audit_filter(filter, own)
    except _NotInLog:
        return served_as(AuditEventConnection, empty_connection())
    scope = CursorScope(LIST_NAME, filter_digest(wanted), own)
    position = None if after is None else context.cursors.decode(after, scope).get(own)
    request = PageRequest(limit=size, after=position)
    if own not in context.administrations.sources:
        raise SourceUnavailableError(own.value)
    try:
        page = await context.call(
            own, lambda source: source.audit_trail(principal, wanted, request)
        )
    except SourceDown as exc:
        raise SourceUnavailableError(own.value, overloaded=exc.overloaded) from None
    edges = [
        Edge(
            node=entry,
            cursor=context.cursors.encode(scope, {own: Position(entry.at, entry.seq)}),
        )
        for entry in page.items
    ]
    end_cursor = edges[-1].cursor if edges else after
    return served_as(
        AuditEventConnection,
        Connection(
            edges=edges,
            page_info=PageInfoValue(page.has_more, end_cursor),
            total_count=page.total_count,
        ),
    )
