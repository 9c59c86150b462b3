"""The remote transport hands back records equal (==) to the in-process ones, call for call:
every interface call, with filters and positions, for callers of every kind."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from auth.principal import Principal
from resolvers.sources.base import AdministrationSource
from resolvers.sources.filters import (
    CaseFilter,
    Direction,
    EntityFilter,
    MatchProbe,
    RequestFilter,
)
from resolvers.sources.records import Page, PageRequest, Position
from store.identifiers import normalise_identifier
from store.models.domain import Administration
from tests.sources.conftest import NOW, SeededStores
from tests.sources.support import Caller, all_ids, fetch_all, read

Call = Callable[[AdministrationSource, Principal], Awaitable[Any]]


async def _calls(stores: SeededStores, owner: Administration, every: int) -> dict[str, Call]:
    """The interface's calls, with arguments drawn from the owner's seeded store (of the ids,
    every `every`th)."""
    engine = stores.engines[owner]
    ids = {
        kind: sorted(await all_ids(engine, kind))[::every]
        for kind in ("CASE", "ENTITY", "EVIDENCE")
    }
    request_ids = [row[0] for row in await fetch_all(engine, "SELECT id FROM assistance_requests")]
    case_keys = [(owner, i) for i in ids["CASE"]] + [
        (owner.partner, i) for i in sorted(await all_ids(stores.engines[owner.partner], "CASE"))
    ]
    identifier_type, identifier_value, country = (
        await fetch_all(
            engine,
            "SELECT i.type, i.value, i.issuing_country FROM entity_identifiers i "
            "JOIN entities e ON e.id = i.entity_id WHERE e.kind <> 'PERSON' ORDER BY i.id",
        )
    )[0]
    identifier = normalise_identifier(identifier_type, identifier_value, country)
    word = (await fetch_all(engine, "SELECT title FROM cases ORDER BY id"))[0][0].split()[0]
    probe = MatchProbe(
        identifiers=tuple(
            (row[0], row[1])
            for row in await fetch_all(
                engine, "SELECT type, normalised FROM entity_identifiers ORDER BY id LIMIT 40"
            )
        ),
        name_keys=tuple(
            row[0]
            for row in await fetch_all(engine, "SELECT name_key FROM entities ORDER BY id LIMIT 40")
        ),
    )
    middle = Position(sort_key=NOW - timedelta(days=400), id=10**6)
    return {
        "cases": lambda s, p: s.list_cases(p, CaseFilter(), PageRequest(30)),
        "cases after a position": lambda s, p: s.list_cases(
            p, CaseFilter(), PageRequest(30, middle)
        ),
        "cases filtered": lambda s, p: s.list_cases(
            p,
            CaseFilter(
                statuses=("OPEN", "UNDER_INVESTIGATION"),
                opened_from=NOW - timedelta(days=3 * 365),
                opened_to=NOW,
            ),
            PageRequest(50),
        ),
        "cases by offence and text": lambda s, p: s.list_cases(
            p,
            CaseFilter(offence_types=("NARCOTICS", "VALUATION_FRAUD"), text=word),
            PageRequest(50),
        ),
        "cases by identifier": lambda s, p: s.list_cases(
            p, CaseFilter(identifier=identifier), PageRequest(50)
        ),
        "entities": lambda s, p: s.list_entities(p, EntityFilter(), PageRequest(60)),
        "entities by kind and identifier": lambda s, p: s.list_entities(
            p,
            EntityFilter(kinds=("ORGANIZATION", "CONVEYANCE"), identifier=identifier),
            PageRequest(50),
        ),
        "entities by name": lambda s, p: s.list_entities(
            p, EntityFilter(name="a"), PageRequest(50)
        ),
        "match candidates": lambda s, p: s.match_candidates(p, probe),
        "requests": lambda s, p: s.list_requests(p, RequestFilter(), PageRequest(50)),
        "incoming requests": lambda s, p: s.list_requests(
            p, RequestFilter(direction=Direction.INCOMING, due_before=NOW), PageRequest(50)
        ),
        "outgoing requests": lambda s, p: s.list_requests(
            p, RequestFilter(direction=Direction.OUTGOING, statuses=("ANSWERED",)), PageRequest(50)
        ),
        "releases": lambda s, p: s.list_releases(p, PageRequest(50)),
        "cases by id": lambda s, p: s.cases_by_id(p, ids["CASE"]),
        "entities by id": lambda s, p: s.entities_by_id(p, ids["ENTITY"]),
        "evidence by id": lambda s, p: s.evidence_by_id(p, ids["EVIDENCE"]),
        "requests by id": lambda s, p: s.requests_by_id(p, request_ids),
        "parties of cases": lambda s, p: s.parties_of_cases(p, ids["CASE"]),
        "evidence for cases": lambda s, p: s.evidence_for_cases(p, case_keys),
    }


# The owner's own reads do not depend on designation: its undesignated and cases-only callers
# would repeat what the dashboard and the analyst show.
READERS = [
    ("own", "dashboard"),
    ("own", "analyst"),
    ("partner", "dashboard"),
    ("partner", "analyst"),
    ("partner", "undesignated"),
    ("partner", "cases_only"),
]


@pytest.mark.parametrize(("reader", "role"), READERS, ids=["-".join(r) for r in READERS])
async def test_the_remote_transport_returns_the_in_process_records(
    in_process: dict[Administration, AdministrationSource],
    remote: dict[Administration, AdministrationSource],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    reader: str,
    role: str,
) -> None:
    caller = callers[(owner if reader == "own" else owner.partner, role)]
    # The owner sees all of its records: every third id is plenty to compare, and cheaper.
    calls = await _calls(stores, owner, every=3 if reader == "own" else 1)
    seen = 0
    for name, call in calls.items():
        expected = await read(caller, lambda principal, c=call: c(in_process[owner], principal))
        answered = await read(caller, lambda principal, c=call: c(remote[owner], principal))
        assert answered == expected, name
        seen += len(expected.items if isinstance(expected, Page) else expected)
    if role in ("dashboard", "analyst"):
        assert seen, "the calls returned nothing to compare"
