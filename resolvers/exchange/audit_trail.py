"""`auditTrail`: an administration reads its own audit log, newest first.

The log is the caller's own administration's, read through that administration's source
(in-process or remote) and nowhere else: it records who of either side read or changed the
administration's records, when, under which release, and what was refused by which rule.
The partner's log is the partner's to read.
"""

import re
from datetime import UTC, datetime

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
from resolvers.sources.ids import decode_global_id, global_id
from resolvers.sources.records import PageRequest, Position
from resolvers.vocabulary.enums import Administration, AuditDecision
from store.audit import AuditTrailFilter as AuditTrailFilterValue
from store.audit import LoggedEntry
from store.models import domain

LIST_NAME = "auditTrail"
MAX_TEXT = 120
# How the log names each kind of record that has a global id.
LOGGED_TYPE = {
    "Case": "CASE",
    "Entity": "ENTITY",
    "Evidence": "EVIDENCE",
    "AssistanceRequest": "REQUEST",
    "Release": "RELEASE",
    "Consent": "CONSENT",
}
LOGGED_RECORD = re.compile(r"^[A-Z_]{1,40}:[1-9][0-9]{0,17}$")


@strawberry.type(description="One entry of an administration's hash-chained audit log.")
class AuditEvent:
    seq: int = strawberry.field(description="The entry's position in the log, from 1.")
    at: datetime
    actor_administration: Administration = strawberry.field(
        description="The administration of whoever acted (whose issuer signed the token)."
    )
    subject: str = strawberry.field(description="The person or system that acted.")
    client_id: str
    scopes: list[str]
    operation: str = strawberry.field(description="The read or procedure, by its field name.")
    record_ids: list[str] = strawberry.field(
        description="This administration's records concerned, as the log names them "
        "(type:local id, e.g. CASE:12)."
    )
    decision: AuditDecision
    rule: str = strawberry.field(description="The agreement's rule that permitted or refused it.")
    prev_hash: str
    entry_hash: str = strawberry.field(
        description="SHA-256 over the entry, its position and the previous entry's hash."
    )

    @strawberry.field(description="The releases the records were read under.")
    def release_ids(self) -> list[strawberry.ID]:
        record: LoggedEntry = self  # type: ignore[assignment]
        owner = record.owner
        return [strawberry.ID(global_id("Release", owner, item)) for item in record.release_ids]

    @strawberry.field(description="What else was recorded (e.g. why a procedure was refused).")
    def detail(self) -> str | None:
        record: LoggedEntry = self  # type: ignore[assignment]
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
class AuditTrailFilter:
    actor_administration: Administration | None = None
    operation: str | None = None
    decision: AuditDecision | None = None
    record_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A record of the caller's administration: its global id, or its name in "
        "the log (type:local id).",
    )
    at_from: datetime | None = strawberry.field(default=None, description="From this instant.")
    at_to: datetime | None = strawberry.field(default=None, description="Before this instant.")


def _context(info: Info) -> ExchangeContext:
    return info.context


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    # An instant without an offset is read as UTC, like every instant the stores keep.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_TEXT:
        raise BadUserInput(f"At most {MAX_TEXT} characters.", field=field)
    return value


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
    at_from, at_to = _utc(value.at_from), _utc(value.at_to)
    if at_from and at_to and at_from > at_to:
        raise BadUserInput("atFrom is after atTo.", field="filter.atFrom")
    return AuditTrailFilterValue(
        actor_administration=None
        if value.actor_administration is None
        else domain.Administration(value.actor_administration.value).value,
        operation=_text(value.operation, "filter.operation"),
        decision=None if value.decision is None else value.decision.value,
        record_id=_logged_record(value.record_id, own),
        at_from=at_from,
        at_to=at_to,
    )


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
        return empty_connection()  # type: ignore[return-value]
    scope = CursorScope(LIST_NAME, filter_digest(wanted), own)
    position = None if after is None else context.cursors.decode(after, scope).get(own)
    request = PageRequest(limit=size, after=position)
    if own not in context.administrations.sources:
        raise SourceUnavailableError(own.value)
    try:
        page = await context.call(
            own, lambda source: source.audit_trail(principal, wanted, request)
        )
    except SourceDown:
        raise SourceUnavailableError(own.value) from None
    edges = [
        Edge(
            node=entry,
            cursor=context.cursors.encode(scope, {own: Position(entry.at, entry.seq)}),
        )
        for entry in page.items
    ]
    end_cursor = edges[-1].cursor if edges else after
    return Connection(  # type: ignore[return-value]
        edges=edges,
        page_info=PageInfoValue(page.has_more, end_cursor),
        total_count=page.total_count,
    )
