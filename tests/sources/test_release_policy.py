"""The owner's release policy, over the whole seeded data set, through every transport.

Each test runs with US as the owner and UZ reading, then swapped, on SQLite and PostgreSQL,
in process and through the owner's subgraph. What the caller should see is computed here
with plain SQL over the owner's releases, not with the policy module under test.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from resolvers.sources.filters import CaseFilter, EntityFilter, RequestFilter
from resolvers.sources.records import EntityRecord, PageRequest
from store.models import Release
from store.models.domain import Administration
from tests.sources.conftest import NOW, SeededStores, Transport
from tests.sources.support import (
    Caller,
    all_ids,
    every_page,
    fetch_all,
    person_ids,
    read,
    released_ids,
    released_with_personal_data,
)

PAGE_SIZE = 25
RECORD_TYPES = ("CASE", "ENTITY", "EVIDENCE")


async def listed_case_ids(caller: Caller, transport: Transport, owner: Administration) -> set[int]:
    source = transport.sources[owner]
    cases = await every_page(
        caller,
        lambda principal, page: source.list_cases(principal, CaseFilter(), page),
        PAGE_SIZE,
        lambda case: case.opened_at,
    )
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "a page repeated a case"
    return set(ids)


async def listed_entity_ids(
    caller: Caller, transport: Transport, owner: Administration
) -> set[int]:
    source = transport.sources[owner]
    entities = await every_page(
        caller,
        lambda principal, page: source.list_entities(principal, EntityFilter(), page),
        PAGE_SIZE,
        lambda entity: entity.created_at,
    )
    ids = [entity.id for entity in entities]
    assert len(ids) == len(set(ids)), "a page repeated an entity"
    return set(ids)


async def read_by_id(
    caller: Caller, transport: Transport, owner: Administration, record_type: str, ids: set[int]
) -> dict[int, Any]:
    source = transport.sources[owner]
    fetch: dict[str, Callable[..., Awaitable[dict[int, Any]]]] = {
        "CASE": source.cases_by_id,
        "ENTITY": source.entities_by_id,
        "EVIDENCE": source.evidence_by_id,
    }
    return await read(caller, lambda principal: fetch[record_type](principal, sorted(ids)))


async def case_keys(stores: SeededStores) -> list[tuple[Administration, int]]:
    """Every case of both administrations (a store holds evidence for partner cases too)."""
    return [
        (administration, case_id)
        for administration, engine in stores.engines.items()
        for case_id in sorted(await all_ids(engine, "CASE"))
    ]


async def test_a_designated_partner_sees_exactly_the_released_records(
    transport: Transport,
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    partner = owner.partner
    caller = callers[(partner, "dashboard")]
    engine = stores.engines[owner]
    expected = {kind: await released_ids(engine, kind, partner, NOW) for kind in RECORD_TYPES}
    everything = {kind: await all_ids(engine, kind) for kind in RECORD_TYPES}
    for kind in RECORD_TYPES:
        assert expected[kind], f"the seed releases no {kind} to {partner}"
        assert expected[kind] < everything[kind], f"the seed releases every {kind}"

    assert await listed_case_ids(caller, transport, owner) == expected["CASE"]
    assert await listed_entity_ids(caller, transport, owner) == expected["ENTITY"]
    for kind in RECORD_TYPES:
        found = await read_by_id(caller, transport, owner, kind, everything[kind])
        assert set(found) == expected[kind], kind
        for record in found.values():
            assert record.handling.owner is owner
            assert record.handling.released_under is not None

    source = transport.sources[owner]
    evidence = await read(
        caller, lambda principal: _evidence_for_every_case(source, principal, stores)
    )
    assert {item.id for items in evidence.values() for item in items} == expected["EVIDENCE"]

    parties = await read(
        caller, lambda principal: source.parties_of_cases(principal, sorted(everything["CASE"]))
    )
    with_parties = {
        row[0] for row in await fetch_all(engine, "SELECT DISTINCT case_id FROM case_parties")
    }
    assert set(parties) == expected["CASE"] & with_parties

    first = await read(
        caller, lambda principal: source.list_cases(principal, CaseFilter(), PageRequest(10))
    )
    assert first.total_count == len(expected["CASE"])


async def _evidence_for_every_case(source: Any, principal: Any, stores: SeededStores) -> Any:
    return await source.evidence_for_cases(principal, await case_keys(stores))


@pytest.mark.parametrize("role", ["undesignated", "cases_only"])
async def test_a_partner_without_the_grant_sees_no_record(
    transport: Transport,
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    role: str,
) -> None:
    """An undesignated official sees nothing of the partner's; a caller with the cases scope
    alone sees no entity, evidence or request (the cases themselves are checked above)."""
    caller = callers[(owner.partner, role)]
    source = transport.sources[owner]
    engine = stores.engines[owner]
    kinds = RECORD_TYPES if role == "undesignated" else ("ENTITY", "EVIDENCE")
    for kind in kinds:
        everything = await all_ids(engine, kind)
        assert await read_by_id(caller, transport, owner, kind, everything) == {}
    pages = [
        await read(caller, lambda p: source.list_entities(p, EntityFilter(), PageRequest(100))),
        await read(caller, lambda p: source.list_requests(p, RequestFilter(), PageRequest(100))),
    ]
    if role == "undesignated":
        pages.append(
            await read(caller, lambda p: source.list_cases(p, CaseFilter(), PageRequest(100)))
        )
        all_cases = sorted(await all_ids(engine, "CASE"))
        assert await read(caller, lambda p: source.parties_of_cases(p, all_cases)) == {}
    for page in pages:
        assert (page.items, page.has_more, page.total_count) == ((), False, 0)
    evidence = await read(caller, lambda p: _evidence_for_every_case(source, p, stores))
    assert evidence == {}


async def _release_to_end(stores: SeededStores, owner: Administration) -> int:
    """The active release to the partner whose end takes away the most records."""
    rows = await fetch_all(
        stores.engines[owner],
        "SELECT r.id, ri.record_type, ri.record_id FROM releases r "
        "JOIN release_items ri ON ri.release_id = r.id "
        "WHERE r.recipient = :recipient AND r.revoked_at IS NULL AND r.expires_at > :now",
        recipient=owner.partner.value,
        now=NOW,
    )
    covers: dict[tuple[str, int], set[int]] = {}
    for release_id, record_type, record_id in rows:
        covers.setdefault((record_type, record_id), set()).add(release_id)
    only: dict[int, int] = {}
    for releases in covers.values():
        if len(releases) == 1:
            (release_id,) = releases
            only[release_id] = only.get(release_id, 0) + 1
    assert only, "every released record is covered twice; nothing to take away"
    return max(only, key=lambda release_id: (only[release_id], -release_id))


@pytest.mark.parametrize("ending", ["revoked", "expired"])
async def test_a_release_that_ends_takes_its_records_away(
    transport: Transport,
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    ending: str,
) -> None:
    partner = owner.partner
    caller = callers[(partner, "dashboard")]
    engine = stores.engines[owner]
    before = {kind: await released_ids(engine, kind, partner, NOW) for kind in RECORD_TYPES}
    release_id = await _release_to_end(stores, owner)
    async with engine.begin() as connection:
        original = (
            await connection.execute(select(Release.expires_at).where(Release.id == release_id))
        ).scalar_one()
        change = (
            {"revoked_at": NOW - timedelta(hours=1)}
            if ending == "revoked"
            else {"expires_at": NOW - timedelta(hours=1)}
        )
        await connection.execute(update(Release).where(Release.id == release_id).values(change))
    try:
        after = {kind: await released_ids(engine, kind, partner, NOW) for kind in RECORD_TYPES}
        gone = {kind: before[kind] - after[kind] for kind in RECORD_TYPES}
        assert any(gone.values())

        assert await listed_case_ids(caller, transport, owner) == after["CASE"]
        assert await listed_entity_ids(caller, transport, owner) == after["ENTITY"]
        for kind in RECORD_TYPES:
            found = await read_by_id(caller, transport, owner, kind, before[kind])
            assert set(found) == after[kind], kind
            assert not set(found) & gone[kind]
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                update(Release)
                .where(Release.id == release_id)
                .values(revoked_at=None, expires_at=original)
            )
    assert await released_ids(engine, "CASE", partner, NOW) == before["CASE"]


def _personal_data_shown(entity: EntityRecord) -> bool:
    withheld = (
        entity.name,
        entity.name_cyrillic,
        entity.name_key,
        entity.date_of_birth,
        entity.address,
    )
    if entity.personal_data_withheld:
        assert withheld == (None,) * len(withheld)
        assert entity.identifiers == ()
        return False
    assert entity.name is not None and entity.name_key is not None
    return True


async def _release_without_personal_data(
    stores: SeededStores, owner: Administration
) -> tuple[int, set[int]]:
    """A release of persons' personal data to the partner, to be flipped to one without.

    Returns its id and the persons whose personal data only it released."""
    rows = await fetch_all(
        stores.engines[owner],
        "SELECT r.id, ri.record_id FROM releases r "
        "JOIN release_items ri ON ri.release_id = r.id "
        "JOIN entities e ON e.id = ri.record_id AND e.kind = 'PERSON' "
        "WHERE ri.record_type = 'ENTITY' AND r.recipient = :recipient "
        "AND r.includes_personal_data = :yes AND r.revoked_at IS NULL AND r.expires_at > :now",
        recipient=owner.partner.value,
        yes=True,
        now=NOW,
    )
    releases_of: dict[int, set[int]] = {}
    for release_id, person_id in rows:
        releases_of.setdefault(person_id, set()).add(release_id)
    only: dict[int, set[int]] = {}
    for person_id, releases in releases_of.items():
        if len(releases) == 1:
            only.setdefault(next(iter(releases)), set()).add(person_id)
    assert only, "no person's personal data rests on one release alone"
    release_id = max(only, key=lambda key: (len(only[key]), -key))
    return release_id, only[release_id]


async def _assert_personal_data(
    transport: Transport,
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    partner = owner.partner
    engine = stores.engines[owner]
    released = await released_ids(engine, "ENTITY", partner, NOW) & await person_ids(engine)
    with_personal_data = await released_with_personal_data(engine, partner, NOW)
    for role, shown in (("dashboard", with_personal_data), ("analyst", set())):
        found = await read_by_id(callers[(partner, role)], transport, owner, "ENTITY", released)
        assert set(found) == released
        assert {i for i, entity in found.items() if _personal_data_shown(entity)} == shown, role


async def test_personal_data_needs_the_scope_and_the_release_flag(
    transport: Transport,
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    partner = owner.partner
    engine = stores.engines[owner]
    persons = await person_ids(engine)
    assert await released_with_personal_data(engine, partner, NOW), "no PII release in the seed"
    await _assert_personal_data(transport, stores, callers, owner)

    # The same persons, released without their personal data.
    release_id, persons_of_release = await _release_without_personal_data(stores, owner)
    flag = update(Release).where(Release.id == release_id)
    async with engine.begin() as connection:
        await connection.execute(flag.values(includes_personal_data=False))
    try:
        assert not persons_of_release & await released_with_personal_data(engine, partner, NOW)
        await _assert_personal_data(transport, stores, callers, owner)
    finally:
        async with engine.begin() as connection:
            await connection.execute(flag.values(includes_personal_data=True))

    # The owner's own people, too, are personal data: the owner's analyst lacks cmaa.pii:read.
    for role, everyone_shown in (("dashboard", True), ("analyst", False)):
        found = await read_by_id(callers[(owner, role)], transport, owner, "ENTITY", persons)
        assert set(found) == persons
        assert all(_personal_data_shown(entity) is everyone_shown for entity in found.values())

    source = transport.sources[owner]
    for role, named in (("dashboard", True), ("analyst", False)):
        page = await read(
            callers[(partner, role)],
            lambda p: source.list_requests(p, RequestFilter(), PageRequest(100)),
        )
        assert page.items, "the partner sees no request addressed to it"
        assert all((request.persons_concerned is not None) is named for request in page.items)


async def test_an_unreleased_record_answers_like_a_random_id(
    transport: Transport,
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    caller = callers[(owner.partner, "dashboard")]
    engine = stores.engines[owner]
    for kind in RECORD_TYPES:
        everything = await all_ids(engine, kind)
        released = await released_ids(engine, kind, owner.partner, NOW)
        unreleased, nowhere = min(everything - released), max(everything) + 1000
        one = min(released)

        asked_unreleased = await read_by_id(caller, transport, owner, kind, {one, unreleased})
        asked_random = await read_by_id(caller, transport, owner, kind, {one, nowhere})
        assert asked_unreleased == asked_random
        assert set(asked_unreleased) == {one}
        assert await read_by_id(caller, transport, owner, kind, {unreleased}) == {}
        assert await read_by_id(caller, transport, owner, kind, {nowhere}) == {}
