"""The exchange schema's root: one list over both administrations, and records by id."""

from typing import Any, TypeVar, cast

import strawberry
from strawberry.types import Info

from auth.policy.scopes import AUDIT_READ, CASES_READ, ENTITIES_READ, EVIDENCE_READ, REQUESTS_READ
from resolvers.authorization import caller_scopes, scoped_field
from resolvers.errors import BadUserInput, UnauthorizedField
from resolvers.exchange import inputs
from resolvers.exchange.agreement_types import (
    Agreement,
    AgreementRule,
    PartyToAgreement,
    Viewer,
)
from resolvers.exchange.audit_trail import resolve_audit_trail
from resolvers.exchange.connections import (
    AssistanceRequestConnection,
    CaseConnection,
    EntityConnection,
    ReleaseConnection,
)
from resolvers.exchange.context import ExchangeContext
from resolvers.exchange.types import AssistanceRequest, Case, Entity, Evidence, Node
from resolvers.exchange.union import Connection, empty_connection, merged_connection
from resolvers.reporting import report
from resolvers.sources.base import SourceDown
from resolvers.sources.ids import decode_global_id

# Which scope reads which type, and which loader fetches it, for `node(id)` and `x(id)`.
NODE_TYPES: dict[str, tuple[str, str]] = {
    "Case": (CASES_READ, "cases"),
    "Entity": (ENTITIES_READ, "entities"),
    "Evidence": (EVIDENCE_READ, "evidence"),
    "AssistanceRequest": (REQUESTS_READ, "requests"),
}


Served = TypeVar("Served")


def served_as(_kind: type[Served], connection: Connection[Any]) -> Served:
    """A connection of records, served as the schema's connection type: strawberry reads a
    returned object's fields as its attributes, and the records have them all."""
    return cast(Served, connection)


def _context(info: Info) -> ExchangeContext:
    return info.context


def _page_size(info: Info, first: int | None) -> int:
    limits = _context(info).agreement.limits
    if first is None:
        return limits.default_page_size
    if not 1 <= first <= limits.max_page_size:
        raise BadUserInput(f"first must be between 1 and {limits.max_page_size}.", field="first")
    return first


async def _by_id(info: Info, node_id: str, type_name: str) -> Any:
    """A record by global id; an id of another type, unknown or not visible gives None alike."""
    decoded = decode_global_id(node_id)
    if decoded is None or decoded.type_name != type_name:
        return None
    context = _context(info)
    if decoded.owner not in context.administrations.sources:
        return None
    loader = getattr(context.loaders, NODE_TYPES[type_name][1])
    return await loader.load((decoded.owner, decoded.local_id))


@strawberry.type
class Query:
    @strawberry.field(description="The caller, as its token establishes it.")
    def viewer(self, info: Info) -> Viewer:
        principal = _context(info).principal
        return Viewer(
            administration=principal.administration,
            subject=principal.subject,
            client_id=principal.client_id,
            scopes=sorted(principal.scopes),
            designated=principal.designated,
        )

    @strawberry.field(description="The agreement and the rules this exchange enforces.")
    def agreement(self, info: Info) -> Agreement:
        agreement = _context(info).agreement
        return Agreement(
            title=agreement.title,
            reference=agreement.reference,
            status=agreement.status,
            reply_deadline_days=agreement.reply_deadline_days,
            parties=[
                PartyToAgreement(
                    administration=party.administration,
                    name=party.name,
                    agencies=list(party.agencies),
                )
                for party in agreement.parties.values()
            ],
            rules=[
                AgreementRule(id=rule.id, clause=rule.clause, summary=rule.summary)
                for rule in agreement.rules
            ],
        )

    @scoped_field(CASES_READ, empty=empty_connection)
    async def cases(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: inputs.CaseFilter | None = None,
    ) -> CaseConnection:
        """The caller's own cases and the partner's cases released to it, newest first."""
        size, case_filter = _page_size(info, first), inputs.case_filter(filter)
        owners = inputs.case_owners(filter)
        principal = _context(info).principal
        # A cursor holds a position per owner asked: it is bound to the owners as to the filter.
        scoped = case_filter if owners is None else {"filter": case_filter, "owners": owners}
        return served_as(
            CaseConnection,
            await merged_connection(
                _context(info),
                "cases",
                scoped,
                size,
                after,
                lambda source, page: source.list_cases(principal, case_filter, page),
                lambda record: record.opened_at,
                owners=owners,
            ),
        )

    @scoped_field(CASES_READ)
    async def case(self, info: Info, id: strawberry.ID) -> Case | None:
        return await _by_id(info, id, "Case")

    @scoped_field(ENTITIES_READ, empty=empty_connection)
    async def entities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: inputs.EntityFilter | None = None,
    ) -> EntityConnection:
        """Persons, organizations, conveyances, equipment and shipments the caller may see."""
        size, entity_filter = _page_size(info, first), inputs.entity_filter(filter)
        principal = _context(info).principal
        return served_as(
            EntityConnection,
            await merged_connection(
                _context(info),
                "entities",
                entity_filter,
                size,
                after,
                lambda source, page: source.list_entities(principal, entity_filter, page),
                lambda record: record.created_at,
            ),
        )

    @scoped_field(ENTITIES_READ)
    async def entity(self, info: Info, id: strawberry.ID) -> Entity | None:
        return await _by_id(info, id, "Entity")

    @scoped_field(REQUESTS_READ, empty=empty_connection)
    async def assistance_requests(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: inputs.AssistanceRequestFilter | None = None,
    ) -> AssistanceRequestConnection:
        """The caller's requests and those addressed to it, newest first."""
        size, request_filter = _page_size(info, first), inputs.request_filter(filter)
        principal = _context(info).principal
        return served_as(
            AssistanceRequestConnection,
            await merged_connection(
                _context(info),
                "assistanceRequests",
                request_filter,
                size,
                after,
                lambda source, page: source.list_requests(principal, request_filter, page),
                lambda record: record.submitted_at,
            ),
        )

    @scoped_field(REQUESTS_READ)
    async def assistance_request(
        self,
        info: Info,
        id: strawberry.ID,
    ) -> AssistanceRequest | None:
        return await _by_id(info, id, "AssistanceRequest")

    @scoped_field(REQUESTS_READ, empty=empty_connection)
    async def releases(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ReleaseConnection:
        """The caller's own administration's releases, with the records each covers."""
        size = _page_size(info, first)
        context = _context(info)
        own = context.principal.administration
        return served_as(
            ReleaseConnection,
            await merged_connection(
                context,
                "releases",
                None,
                size,
                after,
                lambda source, page: source.list_releases(context.principal, page),
                lambda record: record.created_at,
                owners=[own],
            ),
        )

    @scoped_field(EVIDENCE_READ)
    async def evidence(self, info: Info, id: strawberry.ID) -> Evidence | None:
        return await _by_id(info, id, "Evidence")

    @scoped_field(EVIDENCE_READ, empty=list)
    async def overdue_originals(self, info: Info) -> list[Evidence]:
        """Originals past their return date, not yet returned, of either administration."""
        context = _context(info)
        principal = context.principal
        found: list[Any] = []
        for owner in context.administrations:
            try:
                found += await context.call(
                    owner, lambda source: source.overdue_originals(principal)
                )
            except SourceDown:
                context.source_unavailable(owner)
        return sorted(found, key=lambda item: (item.return_due, item.owner.value, item.id))

    audit_trail = scoped_field(
        AUDIT_READ,
        resolver=resolve_audit_trail,
        empty=empty_connection,
        description="The caller's own administration's audit log, newest first.",
    )

    @strawberry.field(description="Any record by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        decoded = decode_global_id(id)
        if decoded is None or decoded.type_name not in NODE_TYPES:
            return None
        scope = NODE_TYPES[decoded.type_name][0]
        if scope not in caller_scopes(info):
            report(
                info,
                UnauthorizedField(
                    f"Reading a {decoded.type_name} requires the scope {scope}.",
                    field="Query.node",
                    requiredScopes=[scope],
                ),
            )
            return None
        return await _by_id(info, id, decoded.type_name)
