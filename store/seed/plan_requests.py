"""Assistance requests each administration sent, and the partner's decisions on them."""

import random
from datetime import datetime

from store.agreement import Agreement, Ground
from store.models.domain import (
    Administration,
    AssistanceType,
    DecisionKind,
    EntityKind,
    RequestStatus,
    Urgency,
)
from store.seed.agencies import liaison_official
from store.seed.calendar import CaseCalendar
from store.seed.profiles import Maker
from store.seed.themes import THEMES
from store.seed.timeline import DAY, REFERENCE_TIME, days, moment_between, stream
from store.seed.world import (
    BUSY_CASE,
    PlannedDecision,
    PlannedEntity,
    PlannedLoad,
    PlannedRequest,
    subject_kind_and_role,
)

Calendars = dict[Administration, tuple[CaseCalendar, ...]]

REQUESTS_PER_CASE = 0.2
_STATUS_WEIGHTS = {
    RequestStatus.SUBMITTED: 12, RequestStatus.ACCEPTED: 10, RequestStatus.REFUSED: 7,
    RequestStatus.POSTPONED: 7, RequestStatus.CONDITIONAL: 8, RequestStatus.ANSWERED: 25,
    RequestStatus.CLOSED: 25, RequestStatus.LAPSED: 6,
}
_TYPE_WEIGHTS = {
    AssistanceType.INFORMATION: 35, AssistanceType.DOCUMENTS: 25, AssistanceType.VERIFICATION: 20,
    AssistanceType.INQUIRY: 10, AssistanceType.SURVEILLANCE: 5,
    AssistanceType.EXPERT_TESTIMONY: 5,
}
_URGENCY_WEIGHTS = {Urgency.ROUTINE: 65, Urgency.URGENT: 28, Urgency.IMMEDIATE: 7}
# The latest a request in each status can have been submitted, in days before the reference time.
_LATEST_SUBMISSION = {
    RequestStatus.SUBMITTED: 1, RequestStatus.ACCEPTED: 20, RequestStatus.REFUSED: 20,
    RequestStatus.POSTPONED: 20, RequestStatus.CONDITIONAL: 20, RequestStatus.ANSWERED: 60,
    RequestStatus.CLOSED: 150,
}
_DECISIONS = {
    RequestStatus.ACCEPTED: DecisionKind.ACCEPT, RequestStatus.REFUSED: DecisionKind.REFUSE,
    RequestStatus.POSTPONED: DecisionKind.POSTPONE,
    RequestStatus.CONDITIONAL: DecisionKind.ACCEPT_WITH_CONDITIONS,
}

REASONS = {
    "SOVEREIGNTY": "Execution would require disclosing the layout of state border installations; "
                   "this would prejudice the sovereignty of the requested State.",
    "SECURITY": "The records requested concern an operation of the national security services "
                "and cannot be disclosed.",
    "PUBLIC_POLICY": "Providing the information would conflict with the public policy (ordre "
                     "public) of the requested State.",
    "ESSENTIAL_INTERESTS": "The matter concerns a strategic state-owned enterprise; disclosure "
                           "would prejudice other essential national interests.",
    "COMMERCIAL_SECRET": "The documents hold manufacturing cost data protected as the commercial "
                         "secret of a third party not involved in the offence.",
    "NO_RECIPROCITY": "The requesting administration has stated it could not give assistance of "
                      "this kind; the request is declined at the requested side's discretion.",
    "ONGOING_INVESTIGATION": "Disclosure now would interfere with an ongoing criminal "
                             "investigation into the same persons; assistance will follow when "
                             "the investigation permits.",
    "ONGOING_PROCEEDING": "The records are evidence in court proceedings now pending; they will "
                          "be provided once the court has ruled.",
    "CONDITIONS": "Assistance is granted subject to the conditions listed, to protect a related "
                  "domestic inquiry and the personal data concerned.",
}
CONDITIONS = (
    "The information may be used only in the investigation named in the request.",
    "No onward transfer to another agency or third country without prior written consent.",
    "Personal data to be erased within 24 months after the proceedings close.",
    "The source is not to be cited in open court without prior written consent.",
    "Original documents to be returned within 90 days of receipt.",
    "Findings based on the information to be shared with the providing administration.",
)


def _reason(ground: Ground) -> str:
    return REASONS.get(ground.id, f"The request is affected because it {ground.summary}.")


def _decision(rng: random.Random, status: RequestStatus, agreement: Agreement,
              responder: Administration, decided_at: datetime) -> PlannedDecision:
    kind = _DECISIONS.get(status)
    if kind is None:  # answered or closed: accepted, with or without conditions
        kind = DecisionKind.ACCEPT if rng.random() < 0.7 else DecisionKind.ACCEPT_WITH_CONDITIONS
    ground: Ground | None = None
    conditions: tuple[str, ...] = ()
    if kind is DecisionKind.REFUSE:
        ground = rng.choice(agreement.refusal_grounds)
    elif kind is DecisionKind.POSTPONE:
        ground = rng.choice(agreement.postponement_grounds)
    elif kind is DecisionKind.ACCEPT_WITH_CONDITIONS:
        ground = rng.choice(agreement.condition_grounds)
        conditions = tuple(rng.sample(CONDITIONS, rng.randrange(1, 4)))
    return PlannedDecision(
        0, kind, ground.id if ground else None, _reason(ground) if ground else None,
        conditions, decided_at, liaison_official(rng, responder),
    )


def _submission(rng: random.Random, case: CaseCalendar, status: RequestStatus,
                confirmation_days: int) -> datetime | None:
    """When a request in this status about this case was submitted, or None if it cannot fit."""
    earliest = case.opened_at + days(2)
    if status is RequestStatus.LAPSED:
        latest = REFERENCE_TIME - days(confirmation_days + 5)
    elif status is RequestStatus.SUBMITTED and rng.random() < 0.8:
        earliest, latest = max(earliest, REFERENCE_TIME - days(75)), REFERENCE_TIME - DAY
    elif status is RequestStatus.SUBMITTED:  # still undecided, past its reply deadline
        earliest, latest = max(earliest, REFERENCE_TIME - days(240)), REFERENCE_TIME - days(125)
    else:
        latest = REFERENCE_TIME - days(_LATEST_SUBMISSION[status])
    if case.closed_at is not None:
        latest = min(latest, case.closed_at)
    return moment_between(rng, earliest, latest) if earliest < latest else None


def _responder_case(rng: random.Random, calendar: tuple[CaseCalendar, ...], theme: int,
                    before: datetime, load: dict[int, int]) -> int:
    offence = THEMES[theme].offence
    chosen = 1  # the oldest case, if nothing better fits
    for attempt in range(40):
        case = rng.choice(calendar)
        fits = case.offence is offence or attempt >= 30
        if case.opened_at < before and fits and load.get(case.id, 0) < BUSY_CASE:
            chosen = case.id
            break
    load[chosen] = load.get(chosen, 0) + 1
    return chosen


def plan_requests(seed: int, requester: Administration, calendars: Calendars,
                  agreement: Agreement, maker: Maker, load: PlannedLoad) -> list[PlannedRequest]:
    rng = stream(seed, "plan", "requests", requester.value)
    responder = requester.partner
    own, theirs = calendars[requester], calendars[responder]
    confirmation = agreement.oral_request_confirmation_days
    statuses = list(RequestStatus)
    rng.shuffle(statuses)
    requests = []
    for index in range(max(len(statuses), round(len(own) * REQUESTS_PER_CASE))):
        status = statuses[index] if index < len(statuses) else rng.choices(
            list(_STATUS_WEIGHTS), list(_STATUS_WEIGHTS.values()))[0]
        answered = status in (RequestStatus.ANSWERED, RequestStatus.CLOSED)
        case, submitted = own[0], None
        for _ in range(30):
            case = rng.choice(own)
            if answered and load[requester].get(case.id, 0) >= BUSY_CASE:
                continue  # an answer adds the partner's entity to the case's parties
            submitted = _submission(rng, case, status, confirmation)
            if submitted is not None:
                break
        if submitted is None:  # a store too small or too young for this status
            case, status = own[-1], RequestStatus.SUBMITTED
            submitted = moment_between(rng, case.opened_at, REFERENCE_TIME)
        request = _request(rng, requester, case, status, submitted, agreement)
        if status in (RequestStatus.ANSWERED, RequestStatus.CLOSED):
            load[requester][case.id] = load[requester].get(case.id, 0) + 1
            _plan_answer(rng, request, theirs, maker, load[responder])
        requests.append(request)
    requests.sort(key=lambda r: (r.submitted_at, r.case_id))
    counters: dict[tuple[str, int], int] = {}
    for number, request in enumerate(requests, start=1):
        year = request.submitted_at.year
        counters[(request.agency, year)] = counters.get((request.agency, year), 0) + 1
        request.id = number
        request.reference = f"{request.agency}-MAA-{year}-{counters[(request.agency, year)]:05d}"
    decided = (r for r in requests if r.decision is not None)
    for decision_id, request in enumerate(decided, start=1):
        assert request.decision is not None
        request.decision.id = decision_id
    return requests


def _request(rng: random.Random, requester: Administration, case: CaseCalendar,
             status: RequestStatus, submitted: datetime, agreement: Agreement) -> PlannedRequest:
    confirmation = agreement.oral_request_confirmation_days
    oral = status is RequestStatus.LAPSED or rng.random() < 0.12
    confirmed = None
    if oral and status is not RequestStatus.LAPSED:
        latest = min(submitted + days(confirmation), REFERENCE_TIME)
        pending = REFERENCE_TIME - submitted < days(confirmation) and rng.random() < 0.5
        if not pending and submitted + days(1) < latest:
            confirmed = moment_between(rng, submitted + days(1), latest)
    request = PlannedRequest(
        requester=requester, case_id=case.id, agency=case.agency, theme=case.theme,
        status=status,
        assistance_type=rng.choices(list(_TYPE_WEIGHTS), list(_TYPE_WEIGHTS.values()))[0],
        urgency=rng.choices(list(_URGENCY_WEIGHTS), list(_URGENCY_WEIGHTS.values()))[0],
        oral=oral, confirmed_at=confirmed, submitted_at=submitted,
        submitted_by=liaison_official(rng, requester),
        due_at=submitted + days(agreement.reply_deadline_days), closed_at=None,
    )
    if status is RequestStatus.LAPSED:
        request.closed_at = submitted + days(confirmation + 1)
    elif status not in (RequestStatus.SUBMITTED,):
        latest = min(submitted + days(60), REFERENCE_TIME - days(10))
        decided = moment_between(rng, submitted + days(2), latest)
        request.decision = _decision(rng, status, agreement, requester.partner, decided)
    return request


def _plan_answer(rng: random.Random, request: PlannedRequest,
                 theirs: tuple[CaseCalendar, ...], maker: Maker, load: dict[int, int]) -> None:
    """An answered request: the responder's record it answered with, and when."""
    assert request.decision is not None
    decided = request.decision.decided_at
    if request.status is RequestStatus.CLOSED:
        answered = moment_between(rng, decided + days(3),
                                  min(decided + days(90), REFERENCE_TIME - days(60)))
        request.closed_at = moment_between(rng, answered + days(10),
                                           min(answered + days(180), REFERENCE_TIME - DAY))
    else:
        answered = moment_between(rng, decided + days(3),
                                  min(decided + days(100), REFERENCE_TIME - days(2)))
    request.answered_at = answered
    responder = request.responder
    theme = THEMES[request.theme]
    kind, role = subject_kind_and_role(theme.category, rng.random())
    country = responder.value if rng.random() < 0.85 else rng.choice(("KZ", "TR", "AE", "CN"))
    both = (Administration.US, Administration.UZ)
    profile = (maker.person(country, both) if kind is EntityKind.PERSON
               else maker.organization(country, both))
    case_id = _responder_case(rng, theirs, request.theme, decided, load)
    request.subject = PlannedEntity(
        key=-1, profile=profile, holders=(responder,), theme=request.theme,
        home_cases={responder: [(case_id, role)]},
    )
    request.subject_role = role
    request.responder_case_id = case_id
    request.evidence_items = rng.choice((1, 1, 2))
