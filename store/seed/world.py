"""The shapes of the world plan: what both stores must agree on (see store.seed.plan)."""

from dataclasses import dataclass, field
from datetime import datetime

from store.models.domain import (
    Administration,
    AssistanceType,
    DecisionKind,
    EntityKind,
    PartyRole,
    RequestStatus,
    Urgency,
)
from store.seed.calendar import CaseCalendar
from store.seed.profiles import Profile
from store.seed.themes import CONTRABAND, FINANCE, STRATEGIC

US, UZ = Administration.US, Administration.UZ
BOTH = (US, UZ)


# How many planned parties each store's cases already carry, so none gets more than a few.
PlannedLoad = dict[Administration, dict[int, int]]
BUSY_CASE = 2


@dataclass(slots=True)
class PlannedEntity:
    """An entity the plan places: known to both stores, or one store's that the other cites."""

    key: int
    profile: Profile
    holders: tuple[Administration, ...]
    theme: int
    home_cases: dict[Administration, list[tuple[int, PartyRole]]]
    transliteration_only: bool = False
    ids: dict[Administration, int] = field(default_factory=dict)
    # When each holder released its record of the entity to the partner, if it did.
    released_at: dict[Administration, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class PlannedLink:
    holder: Administration
    entity: PlannedEntity
    confirmed_at: datetime
    confirmed_by: str
    reason: str


@dataclass(slots=True)
class PlannedDecision:
    id: int
    kind: DecisionKind
    ground: str | None
    reason: str | None
    conditions: tuple[str, ...]
    decided_at: datetime
    decided_by: str


@dataclass(slots=True)
class PlannedRequest:
    requester: Administration
    case_id: int
    agency: str
    theme: int
    status: RequestStatus
    assistance_type: AssistanceType
    urgency: Urgency
    oral: bool
    confirmed_at: datetime | None
    submitted_at: datetime
    submitted_by: str
    due_at: datetime
    closed_at: datetime | None
    decision: PlannedDecision | None = None
    answered_at: datetime | None = None
    # The responder's entity the request is about, and the responder's case it belongs to.
    subject: PlannedEntity | None = None
    subject_role: PartyRole | None = None
    responder_case_id: int | None = None
    # How many evidence items the responder provides for the requester's case.
    evidence_items: int = 0
    id: int = 0
    reference: str = ""

    @property
    def responder(self) -> Administration:
        return self.requester.partner


@dataclass(slots=True)
class World:
    seed: int
    cases: int
    calendars: dict[Administration, tuple[CaseCalendar, ...]]
    entities: list[PlannedEntity]
    requests: dict[Administration, list[PlannedRequest]]  # by requester
    links: list[PlannedLink]

    def held_entities(self, administration: Administration) -> list[PlannedEntity]:
        held = [e for e in self.entities if administration in e.ids]
        return sorted(held, key=lambda entity: entity.ids[administration])

    def incoming_requests(self, administration: Administration) -> list[PlannedRequest]:
        return self.requests[administration.partner]

    def party_additions(
        self, administration: Administration
    ) -> dict[int, list[tuple[Administration, int, PartyRole]]]:
        """Parties the plan adds to this store's cases: its planned entities and the partner's."""
        additions: dict[int, list[tuple[Administration, int, PartyRole]]] = {}
        for entity in self.held_entities(administration):
            for case_id, role in entity.home_cases.get(administration, ()):
                additions.setdefault(case_id, []).append(
                    (administration, entity.ids[administration], role)
                )
        for request in self.requests[administration]:
            if request.subject is not None and request.subject_role is not None:
                partner = administration.partner
                additions.setdefault(request.case_id, []).append(
                    (partner, request.subject.ids[partner], request.subject_role)
                )
        return additions


def subject_kind_and_role(category: str, draw: float) -> tuple[EntityKind, PartyRole]:
    """Who a request about a case of this kind asks after."""
    if category == CONTRABAND:
        return (EntityKind.PERSON, PartyRole.SUSPECT) if draw < 0.6 else (
            EntityKind.ORGANIZATION, PartyRole.CONSIGNOR)
    if category == FINANCE:
        return (EntityKind.PERSON, PartyRole.BENEFICIAL_OWNER) if draw < 0.5 else (
            EntityKind.ORGANIZATION, PartyRole.EXPORTER)
    if category == STRATEGIC:
        return EntityKind.ORGANIZATION, PartyRole.CONSIGNEE
    return EntityKind.ORGANIZATION, PartyRole.EXPORTER
