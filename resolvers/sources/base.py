"""The one narrow interface between the gateway and an administration (DESIGN.md §3).

Two transports implement it: in-process (the owner's store, directly) and remote (the owner's
Federation subgraph over HTTP). Every call takes the caller's Principal; the owner's policy is
applied by the owner's side, so what comes back is exactly what the caller may see.
"""

from collections.abc import Sequence
from typing import Protocol

from auth.policy.procedures import Action
from auth.principal import Principal
from resolvers.sources.drafts import (
    ConsentDraft,
    CustodyDraft,
    DecisionDraft,
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.filters import CaseFilter, EntityFilter, MatchProbe, RequestFilter
from resolvers.sources.parts import EVERY_PART, EntityParts
from resolvers.sources.records import (
    CaseRecord,
    ConsentRecord,
    DecisionRecord,
    EntityLinkRecord,
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


class SourceDown(Exception):
    """The administration's source did not answer in time or answered nonsense; the caller
    sees it as resolvers.errors.SourceUnavailableError (SOURCE_UNAVAILABLE). `overloaded`
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

    async def overdue_originals(self, principal: Principal) -> tuple[EvidenceRecord, ...]:
        """Originals past their return date, not yet returned, that the caller may see."""
        ...

    async def ping(self) -> None:
        """Return when the source answers; raise SourceDown when it does not."""
        ...

    async def aclose(self) -> None: ...


class Writes(Protocol):
    """The agreement's procedures as a transport carries them out (InProcessWrites,
    RemoteWrites): each creates or changes one record of the owner and answers with it, as
    the caller may now see it."""

    async def submit_request(
        self, principal: Principal, draft: RequestDraft, key: str
    ) -> RequestRecord: ...

    async def requester_action(
        self, principal: Principal, request_id: int, action: Action, key: str
    ) -> RequestRecord: ...

    async def receive_partner_action(
        self, principal: Principal, request_id: int, action: PartnerAction
    ) -> RequestRecord: ...

    async def decide_request(
        self, principal: Principal, request: RequestRecord, draft: DecisionDraft, key: str
    ) -> tuple[DecisionRecord, PartnerAction]: ...

    async def respond_to_request(
        self, principal: Principal, request: RequestRecord, draft: ReleaseDraft, key: str
    ) -> tuple[ReleaseRecord, PartnerAction]: ...

    async def disclose(
        self, principal: Principal, draft: ReleaseDraft, key: str
    ) -> ReleaseRecord: ...

    async def revoke_release(
        self, principal: Principal, release_id: int, reason: str, key: str
    ) -> ReleaseRecord: ...

    async def request_consent(
        self, principal: Principal, draft: ConsentDraft, key: str
    ) -> ConsentRecord: ...

    async def decide_consent(
        self, principal: Principal, consent_id: int, grant: bool, reason: str | None, key: str
    ) -> ConsentRecord: ...

    async def record_custody(
        self, principal: Principal, evidence_id: int, draft: CustodyDraft, key: str
    ) -> EvidenceRecord: ...

    async def confirm_entity_match(
        self,
        principal: Principal,
        entity_id: int,
        partner: Administration,
        partner_entity_id: int,
        reason: str,
        key: str,
    ) -> EntityLinkRecord: ...


class Procedures:
    """The procedures of an administration's source: each is done by the transport's writes
    the source is composed with."""

    _writes: Writes

    async def submit_request(
        self, principal: Principal, draft: RequestDraft, key: str
    ) -> RequestRecord:
        return await self._writes.submit_request(principal, draft, key)

    async def requester_action(
        self, principal: Principal, request_id: int, action: Action, key: str
    ) -> RequestRecord:
        return await self._writes.requester_action(principal, request_id, action, key)

    async def receive_partner_action(
        self, principal: Principal, request_id: int, action: PartnerAction
    ) -> RequestRecord:
        return await self._writes.receive_partner_action(principal, request_id, action)

    async def decide_request(
        self, principal: Principal, request: RequestRecord, draft: DecisionDraft, key: str
    ) -> tuple[DecisionRecord, PartnerAction]:
        return await self._writes.decide_request(principal, request, draft, key)

    async def respond_to_request(
        self, principal: Principal, request: RequestRecord, draft: ReleaseDraft, key: str
    ) -> tuple[ReleaseRecord, PartnerAction]:
        return await self._writes.respond_to_request(principal, request, draft, key)

    async def disclose(self, principal: Principal, draft: ReleaseDraft, key: str) -> ReleaseRecord:
        return await self._writes.disclose(principal, draft, key)

    async def revoke_release(
        self, principal: Principal, release_id: int, reason: str, key: str
    ) -> ReleaseRecord:
        return await self._writes.revoke_release(principal, release_id, reason, key)

    async def request_consent(
        self, principal: Principal, draft: ConsentDraft, key: str
    ) -> ConsentRecord:
        return await self._writes.request_consent(principal, draft, key)

    async def decide_consent(
        self, principal: Principal, consent_id: int, grant: bool, reason: str | None, key: str
    ) -> ConsentRecord:
        return await self._writes.decide_consent(principal, consent_id, grant, reason, key)

    async def record_custody(
        self, principal: Principal, evidence_id: int, draft: CustodyDraft, key: str
    ) -> EvidenceRecord:
        return await self._writes.record_custody(principal, evidence_id, draft, key)

    async def confirm_entity_match(
        self,
        principal: Principal,
        entity_id: int,
        partner: Administration,
        partner_entity_id: int,
        reason: str,
        key: str,
    ) -> EntityLinkRecord:
        return await self._writes.confirm_entity_match(
            principal, entity_id, partner, partner_entity_id, reason, key
        )
