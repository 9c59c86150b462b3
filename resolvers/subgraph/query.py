"""Root fields of the subgraph: one per call of the AdministrationSource interface.

Reads by id are not root fields: they are Federation's `_entities` (resolvers.subgraph.schema).
Every root field is each administration's own records, so the shared name (`cases`) is
@shareable, for both subgraphs to compose, and @inaccessible, for a router in front of both
never to plan it across both; resolvers.subgraph.schema adds its holder-named twin (`usCases`,
`uzCases`), which one subgraph alone serves.
"""

from typing import Annotated, Any

import strawberry
from strawberry import federation
from strawberry.types import Info

from auth.policy.scopes import AUDIT_READ, CASES_READ, ENTITIES_READ, EVIDENCE_READ, REQUESTS_READ
from resolvers.errors import BadUserInput
from resolvers.sources.base import CaseKey
from resolvers.sources.cursors import BadCursor, decode_cursor
from resolvers.sources.ids import decode_global_id
from resolvers.sources.records import PageRequest
from resolvers.subgraph.connections import Connection, connection
from resolvers.subgraph.context import SubgraphContext, store_errors
from resolvers.subgraph.inputs import (
    AuditTrailFilterInput,
    CaseFilterInput,
    EntityFilter,
    MatchProbeInput,
    RequestFilterInput,
    audit_filter,
    case_filter,
    entity_filter,
    match_probe,
    request_filter,
)
from resolvers.subgraph.types import (
    AssistanceRequest,
    AuditEvent,
    Case,
    CaseParty,
    Entity,
    Evidence,
    Release,
)
from resolvers.vocabulary.types import served_as

# As many as `_entities` takes in one call (resolvers.subgraph.schema).
MAX_IDS = 2000


def root_field(scope: str, description: str) -> Any:
    return federation.field(
        description=description,
        shareable=True,
        inaccessible=True,
        authenticated=True,
        requires_scopes=[[scope]],
    )


def _context(info: Info) -> SubgraphContext:
    return info.context


def _page(info: Info, first: int | None, after: str | None) -> PageRequest:
    limits = _context(info).limits
    # One more than a page: the gateway asks each source for n + 1 items to know what follows.
    most = limits.max_page_size + 1
    size = limits.default_page_size if first is None else first
    if not 0 <= size <= most:
        raise BadUserInput(f"first must be between 0 and {most}.", field="first")
    if after is None:
        return PageRequest(limit=size, after=None)
    try:
        return PageRequest(limit=size, after=decode_cursor(after))
    except BadCursor:
        raise BadUserInput("The cursor is not one this list gave out.", field="after") from None


def _case_keys(case_ids: list[strawberry.ID]) -> list[CaseKey]:
    if len(case_ids) > MAX_IDS:
        raise BadUserInput(f"At most {MAX_IDS} ids at a time.", field="caseIds")
    keys: dict[CaseKey, None] = {}
    for value in case_ids:
        decoded = decode_global_id(value)
        # An id that names no case is simply not found, like one the caller may not see.
        if decoded is not None and decoded.type_name == "Case":
            keys[(decoded.owner, decoded.local_id)] = None
    return list(keys)


async def _cases(
    info: Info, first: int | None, after: str | None, where: CaseFilterInput | None
) -> Connection[Case]:
    context = _context(info)
    wanted, page_request = case_filter(where), _page(info, first, after)
    with store_errors():
        page = await context.source.list_cases(context.principal, wanted, page_request)
    return served_as(Connection[Case], connection(page))


CaseFilterArgument = Annotated[CaseFilterInput | None, strawberry.argument(name="filter")]


@strawberry.type
class Query:
    @root_field(CASES_READ, "This administration's cases the caller may see, newest first.")
    async def cases(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        where: CaseFilterArgument = None,
    ) -> Connection[Case]:
        return await _cases(info, first, after, where)

    @root_field(ENTITIES_READ, "This administration's entities the caller may see, newest first.")
    async def entities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        where: Annotated[EntityFilter | None, strawberry.argument(name="filter")] = None,
    ) -> Connection[Entity]:
        context = _context(info)
        wanted, page_request = entity_filter(where), _page(info, first, after)
        with store_errors():
            page = await context.source.list_entities(context.principal, wanted, page_request)
        return served_as(Connection[Entity], connection(page))

    @root_field(
        ENTITIES_READ,
        "Entities the caller may see that share an identifier or a name key with the probe.",
    )
    async def match_candidates(self, info: Info, probe: MatchProbeInput) -> list[Entity]:
        context = _context(info)
        wanted = match_probe(probe)
        with store_errors():
            found = await context.source.match_candidates(context.principal, wanted)
        return served_as(list[Entity], list(found))

    @root_field(
        REQUESTS_READ,
        "Assistance requests held by this administration that the caller may see, newest first.",
    )
    async def assistance_requests(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        where: Annotated[RequestFilterInput | None, strawberry.argument(name="filter")] = None,
    ) -> Connection[AssistanceRequest]:
        context = _context(info)
        wanted, page_request = request_filter(where), _page(info, first, after)
        with store_errors():
            page = await context.source.list_requests(context.principal, wanted, page_request)
        return served_as(Connection[AssistanceRequest], connection(page))

    @root_field(REQUESTS_READ, "This administration's releases (the owner's own reads only).")
    async def releases(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Release]:
        context = _context(info)
        page_request = _page(info, first, after)
        with store_errors():
            page = await context.source.list_releases(context.principal, page_request)
        return served_as(Connection[Release], connection(page))

    @root_field(CASES_READ, "The party links of this administration's cases among caseIds.")
    async def case_parties(self, info: Info, case_ids: list[strawberry.ID]) -> list[CaseParty]:
        context = _context(info)
        owner = context.source.administration
        local = [case_id for case_owner, case_id in _case_keys(case_ids) if case_owner is owner]
        if not local:
            return []
        with store_errors():
            found = await context.source.parties_of_cases(context.principal, local)
        return served_as(list[CaseParty], [party for links in found.values() for party in links])

    @root_field(
        EVIDENCE_READ,
        "Evidence held by this administration for the cases among caseIds, of either "
        "administration.",
    )
    async def case_evidence(self, info: Info, case_ids: list[strawberry.ID]) -> list[Evidence]:
        context = _context(info)
        keys = _case_keys(case_ids)
        if not keys:
            return []
        with store_errors():
            found = await context.source.evidence_for_cases(context.principal, keys)
        return served_as(list[Evidence], [item for items in found.values() for item in items])

    @root_field(AUDIT_READ, "This administration's audit log, newest first (its own officials).")
    async def audit_trail(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        where: Annotated[AuditTrailFilterInput | None, strawberry.argument(name="filter")] = None,
    ) -> Connection[AuditEvent]:
        context = _context(info)
        wanted, page_request = audit_filter(where), _page(info, first, after)
        with store_errors():
            page = await context.source.audit_trail(context.principal, wanted, page_request)
        return served_as(Connection[AuditEvent], connection(page))
