"""The one narrow interface between the gateway and an administration (DESIGN.md §3).

Two transports implement it: in-process (the owner's store, directly) and remote (the owner's
Federation subgraph over HTTP). Every call takes the caller's Principal; the owner's policy is
applied by the owner's side, so what comes back is exactly what the caller may see.
"""

from collections.abc import Sequence
from typing import Protocol

from auth.principal import Principal
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
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
from store.audit import AuditTrailFilter, LoggedEntry
from store.models.domain import Administration

CaseKey = tuple[Administration, int]


class SourceUnavailable(Exception):
    """The administration's source did not answer in time or answered nonsense; `overloaded`
    where the call never reached the store because the gateway had too many calls at it
    (resolvers.sources.admission)."""

    def __init__(
        self, administration: Administration, reason: str, *, overloaded: bool = False
    ) -> None:
        super().__init__(f"{administration.value} source unavailable: {reason}")
        self.administration = administration
        self.overloaded = overloaded


class AdministrationSource(Protocol):
    administration: Administration

    async def list_cases(
        self, principal: Principal, case_filter: CaseFilter, page: PageRequest
    ) -> Page[CaseRecord]: ...

    async def cases_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, CaseRecord]: ...

    async def parties_of_cases(
        self, principal: Principal, case_ids: Sequence[int]
    ) -> dict[int, tuple[PartyRecord, ...]]: ...

    async def list_entities(
        self, principal: Principal, entity_filter: EntityFilter, page: PageRequest
    ) -> Page[EntityRecord]: ...

    async def entities_by_id(
        self, principal: Principal, ids: Sequence[int], parts: EntityParts = EVERY_PART
    ) -> dict[int, EntityRecord]:
        """The entities among `ids` the caller may see, with at least `parts` filled."""
        ...

    async def match_candidates(
        self, principal: Principal, probe: MatchProbe
    ) -> tuple[EntityRecord, ...]:
        """Entities the caller may see that share an identifier or a name key with the probe."""
        ...

    async def evidence_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, EvidenceRecord]: ...

    async def evidence_for_cases(
        self, principal: Principal, cases: Sequence[CaseKey]
    ) -> dict[CaseKey, tuple[EvidenceRecord, ...]]: ...

    async def list_requests(
        self, principal: Principal, request_filter: RequestFilter, page: PageRequest
    ) -> Page[RequestRecord]: ...

    async def requests_by_id(
        self, principal: Principal, ids: Sequence[int]
    ) -> dict[int, RequestRecord]: ...

    async def list_releases(
        self, principal: Principal, page: PageRequest
    ) -> Page[ReleaseRecord]: ...

    async def audit_trail(
        self, principal: Principal, audit_filter: AuditTrailFilter, page: PageRequest
    ) -> Page[LoggedEntry]:
        """The administration's own audit log, newest first, for its own officials only."""
        ...

    async def ping(self) -> None:
        """Return when the source answers; raise SourceUnavailable when it does not."""
        ...

    async def aclose(self) -> None: ...
