"""The remote transport: an administration's source behind its Federation subgraph.

One HTTP call per interface call, whatever the number of ids, with the caller's own bearer
token (auth.forwarding): the subgraph verifies it and applies its
owner's policy itself. Whatever goes wrong on the way (no answer in time, no connection, an
HTTP error, an answer that is not JSON or not what the schema promises) is SourceDown,
with a fixed reason: nothing the remote said is passed on. The one exception is a refusal of
one of the agreement's procedures, in our own error's shape (resolvers.sources.remote.writes).
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from auth.principal import Principal
from resolvers.sources.base import CaseKey, Procedure
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.ids import global_id
from resolvers.sources.parts import EVERY_PART, EntityParts
from resolvers.sources.records import (
    CaseRecord,
    EntityRecord,
    EvidenceRecord,
    Page,
    PageRequest,
    PartyRecord,
    ReleaseRecord,
    RequestRecord,
)
from resolvers.sources.remote import decoding, encoding, operations
from resolvers.sources.remote.channel import SubgraphChannel
from resolvers.sources.remote.decoding import Malformed
from resolvers.sources.remote.writes import RemoteWrites
from store.agreement import Limits
from store.audit import AuditTrailFilter, LoggedEntry
from store.models.domain import Administration

T = TypeVar("T")
Decode = Callable[[Any, Administration], T]


class Numbered(Protocol):
    """A record read by id: its local id."""

    @property
    def id(self) -> int: ...


N = TypeVar("N", bound=Numbered)


class RemoteSource:
    """Reads over the owner's subgraph; the agreement's procedures (RemoteWrites) are its
    mutations."""

    def __init__(
        self,
        administration: Administration,
        url: str,
        limits: Limits,
        *,
        timeout_seconds: float | None = None,
    ) -> None:
        self.administration = administration
        self.url = url.rstrip("/")
        self.timeout_seconds = (
            limits.source_timeout_seconds if timeout_seconds is None else timeout_seconds
        )
        self._channel = SubgraphChannel(administration, self.url, self.timeout_seconds)
        self._writes = RemoteWrites(self._channel)

    # -- lists ------------------------------------------------------------------------------

    async def _page(
        self,
        principal: Principal,
        query: str,
        page: PageRequest,
        filter_value: dict[str, Any] | None,
        decode: Decode[T],
    ) -> Page[T]:
        variables = encoding.page_variables(page)
        if filter_value is not None:
            variables["filter"] = filter_value or None

        def read(answer: Any) -> Page[T]:
            answer = decoding.obj(answer)
            return Page(
                items=decoding.items(
                    answer["nodes"], lambda item: decode(item, self.administration)
                ),
                has_more=decoding.flag(decoding.obj(answer["pageInfo"])["hasNextPage"]),
                total_count=decoding.whole(answer["totalCount"]),
            )

        return await self._channel.read(
            principal, query, variables, "page", read, Page((), False, 0)
        )

    async def list_cases(
        self, principal: Principal, case_filter: CaseFilter, page: PageRequest
    ) -> Page[CaseRecord]:
        return await self._page(
            principal,
            operations.LIST_CASES,
            page,
            encoding.case_filter(case_filter),
            decoding.case,
        )

    async def list_entities(
        self, principal: Principal, entity_filter: EntityFilter, page: PageRequest
    ) -> Page[EntityRecord]:
        return await self._page(
            principal,
            operations.LIST_ENTITIES,
            page,
            encoding.entity_filter(entity_filter),
            decoding.entity,
        )

    async def list_requests(
        self, principal: Principal, request_filter: RequestFilter, page: PageRequest
    ) -> Page[RequestRecord]:
        return await self._page(
            principal,
            operations.LIST_REQUESTS,
            page,
            encoding.request_filter(request_filter),
            decoding.request,
        )

    async def list_releases(self, principal: Principal, page: PageRequest) -> Page[ReleaseRecord]:
        return await self._page(principal, operations.LIST_RELEASES, page, None, decoding.release)

    async def audit_trail(
        self, principal: Principal, audit_filter: AuditTrailFilter, page: PageRequest
    ) -> Page[LoggedEntry]:
        return await self._page(
            principal,
            operations.AUDIT_TRAIL,
            page,
            encoding.audit_filter(audit_filter),
            decoding.audit_entry,
        )

    # -- batches by id ----------------------------------------------------------------------

    async def _by_id(
        self,
        principal: Principal,
        query: str,
        type_name: str,
        ids: Sequence[int],
        decode: Decode[N],
    ) -> dict[int, N]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        representations = [
            {"__typename": type_name, "id": global_id(type_name, self.administration, local)}
            for local in wanted
        ]

        def read(answer: Any) -> dict[int, N]:
            if not isinstance(answer, list) or len(answer) != len(wanted):
                raise Malformed("one answer per representation")
            found: dict[int, N] = {}
            for local, item in zip(wanted, answer, strict=True):
                if item is None:
                    continue
                record = decode(item, self.administration)
                if record.id != local:
                    raise Malformed("an answer for another id")
                found[local] = record
            return found

        return await self._channel.read(
            principal, query, {"representations": representations}, "found", read, {}
        )

    async def cases_by_id(self, principal: Principal, ids: Sequence[int]) -> dict[int, CaseRecord]:
        return await self._by_id(principal, operations.CASES_BY_ID, "Case", ids, decoding.case)

    async def entities_by_id(
        self, principal: Principal, ids: Sequence[int], parts: EntityParts = EVERY_PART
    ) -> dict[int, EntityRecord]:
        return await self._by_id(
            principal,
            operations.entities_by_id(parts),
            "Entity",
            ids,
            lambda value, owner: decoding.entity(value, owner, parts),
        )

    async def evidence_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, EvidenceRecord]:
        return await self._by_id(
            principal, operations.EVIDENCE_BY_ID, "Evidence", ids, decoding.evidence
        )

    async def requests_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, RequestRecord]:
        return await self._by_id(
            principal, operations.REQUESTS_BY_ID, "AssistanceRequest", ids, decoding.request
        )

    async def match_candidates(
        self, principal: Principal, probe: MatchProbe
    ) -> tuple[EntityRecord, ...]:
        if not probe.identifiers and not probe.name_keys:
            return ()
        return await self._channel.read(
            principal,
            operations.MATCH_CANDIDATES,
            {"probe": encoding.match_probe(probe)},
            "found",
            lambda answer: decoding.items(
                answer, lambda item: decoding.entity(item, self.administration)
            ),
            (),
        )

    # -- relations of cases -----------------------------------------------------------------

    async def parties_of_cases(
        self, principal: Principal, case_ids: Sequence[int]
    ) -> dict[int, tuple[PartyRecord, ...]]:
        wanted = list(dict.fromkeys(case_ids))
        if not wanted:
            return {}
        variables = {"caseIds": [global_id("Case", self.administration, i) for i in wanted]}

        def read(answer: Any) -> dict[int, tuple[PartyRecord, ...]]:
            grouped: dict[int, list[PartyRecord]] = {}
            links = decoding.items(answer, lambda item: decoding.party(item, self.administration))
            for party in links:
                grouped.setdefault(party.case_id, []).append(party)
            return {case_id: tuple(links) for case_id, links in grouped.items()}

        return await self._channel.read(
            principal, operations.CASE_PARTIES, variables, "found", read, {}
        )

    async def evidence_for_cases(
        self, principal: Principal, cases: Sequence[CaseKey]
    ) -> dict[CaseKey, tuple[EvidenceRecord, ...]]:
        wanted = list(dict.fromkeys(cases))
        if not wanted:
            return {}
        variables = {"caseIds": [global_id("Case", owner, case_id) for owner, case_id in wanted]}

        def read(answer: Any) -> dict[CaseKey, tuple[EvidenceRecord, ...]]:
            grouped: dict[CaseKey, list[EvidenceRecord]] = {}
            for item in decoding.items(
                answer, lambda item: decoding.evidence(item, self.administration)
            ):
                grouped.setdefault((item.case_owner, item.case_id), []).append(item)
            return {key: tuple(found) for key, found in grouped.items()}

        return await self._channel.read(
            principal, operations.CASE_EVIDENCE, variables, "found", read, {}
        )

    async def overdue_originals(self, principal: Principal) -> tuple[EvidenceRecord, ...]:
        return await self._channel.read(
            principal,
            operations.OVERDUE_ORIGINALS,
            {},
            "found",
            lambda answer: decoding.items(
                answer, lambda item: decoding.evidence(item, self.administration)
            ),
            (),
        )

    async def perform(self, principal: Principal, procedure: Procedure[T]) -> T:
        return await self._writes.perform(principal, procedure)

    # -- life cycle -------------------------------------------------------------------------

    async def ping(self) -> None:
        await self._channel.ping()

    async def aclose(self) -> None:
        await self._channel.aclose()
