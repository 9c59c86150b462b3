"""Each administration's case calendar: when each case opened, its reference, status and theme.

It is cheap (a few draws per case) and depends only on (seed, cases, administration), so the
world plan can draw both administrations' calendars and place cross-references in time before
either store's detailed rows exist.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from store.agreement import Agreement
from store.models.domain import Administration, CaseStatus, OffenceType
from store.seed.agencies import agencies
from store.seed.themes import OFFENCE_WEIGHTS, THEMES, THEMES_BY_OFFENCE
from store.seed.timeline import DAY, FIRST_CASE_TIME, REFERENCE_TIME, days, moment_between, stream

# The investigating agency (ICE/HSI) leads more of the criminal cases.
_CRIMINAL = frozenset({OffenceType.NARCOTICS, OffenceType.WEAPONS, OffenceType.MONEY_LAUNDERING,
                       OffenceType.TERRORISM_FINANCING, OffenceType.STRATEGIC_GOODS})


@dataclass(slots=True)
class CaseCalendar:
    id: int
    opened_at: datetime
    closed_at: datetime | None
    status: CaseStatus
    agency: str
    reference: str
    theme: int

    @property
    def offence(self) -> OffenceType:
        return THEMES[self.theme].offence

    def open_until(self) -> datetime:
        return self.closed_at or REFERENCE_TIME


def _status(rng_value: float, second: float, opened: datetime) -> CaseStatus:
    age = (REFERENCE_TIME - opened).days
    if age > 60 and rng_value < min(0.8, age / 1500):
        return CaseStatus.CLOSED
    if age < 120:
        return CaseStatus.OPEN if second < 0.7 else CaseStatus.UNDER_INVESTIGATION
    if second < 0.65:
        return CaseStatus.UNDER_INVESTIGATION
    return CaseStatus.REFERRED_FOR_PROSECUTION if second < 0.9 else CaseStatus.OPEN


def case_calendar(
    seed: int, cases: int, agreement: Agreement, administration: Administration
) -> tuple[CaseCalendar, ...]:
    rng = stream(seed, "calendar", administration.value)
    span = int((REFERENCE_TIME - days(2) - FIRST_CASE_TIME).total_seconds())
    # Caseloads grow: more recent years hold more cases.
    openings = sorted(int(span * rng.random() ** 0.8) for _ in range(cases))
    offences = list(OFFENCE_WEIGHTS[administration])
    cumulative = list(accumulate(OFFENCE_WEIGHTS[administration].values()))
    # Every offence type leads at least one case, however few cases there are.
    forced = {(index * cases) // len(offences): offence for index, offence in enumerate(offences)}
    staff = agencies(agreement, administration)
    agency_weights = {
        criminal: [agency.weight * (3 if position and criminal else 1)
                   for position, agency in enumerate(staff)]
        for criminal in (False, True)
    }
    counters: dict[tuple[str, int], int] = {}
    calendar = []
    for index, offset in enumerate(openings):
        opened = FIRST_CASE_TIME + timedelta(seconds=offset)
        offence = forced.get(index) or rng.choices(offences, cum_weights=cumulative)[0]
        theme = rng.choice(THEMES_BY_OFFENCE[offence])
        agency = rng.choices(staff, agency_weights[offence in _CRIMINAL])[0].code
        counter = counters.get((agency, opened.year), 0) + 1
        counters[(agency, opened.year)] = counter
        status = _status(rng.random(), rng.random(), opened)
        closed = None
        if status is CaseStatus.CLOSED:
            closed = moment_between(rng, opened + days(45), REFERENCE_TIME - DAY)
        calendar.append(
            CaseCalendar(index + 1, opened, closed, status, agency,
                         f"{agency}-{opened.year}-{counter:06d}", theme)
        )
    return tuple(calendar)
