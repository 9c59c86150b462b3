"""Entities read by id with only some parts filled (resolvers.sources.parts): the remote
source asks the owner's subgraph for those fields alone and leaves the rest UNREAD, and the
subgraph reads no more than they need; the in-process source fills at least those. Both
agree on every part asked for."""

import orjson
import pytest
from graphql import GraphQLBoolean, GraphQLError, GraphQLID, GraphQLInt, GraphQLString

from resolvers.sources.base import AdministrationSource
from resolvers.sources.parts import (
    ENTITY_PARTS,
    EVERY_PART,
    HANDLING_PARTS,
    UNREAD,
    EntityParts,
)
from resolvers.sources.remote.operations import ENTITIES_BY_ID, entities_by_id
from store.models.domain import Administration
from tests.sources.conftest import NOW, SeededStores, Subgraph
from tests.sources.support import Caller, counting_statements, fetch_all, read, released_ids

SOME = [
    EntityParts(frozenset(), frozenset()),
    EntityParts(frozenset({"name", "kind"}), frozenset()),
    EntityParts(frozenset({"identifiers", "handling"}), frozenset({"marking", "consents"})),
    EntityParts(frozenset({"handling", "date_of_birth"}), frozenset(HANDLING_PARTS)),
    EVERY_PART,
]


@pytest.mark.parametrize("parts", SOME, ids=lambda parts: "+".join(sorted(parts.entity)) or "-")
async def test_the_remote_source_fills_the_parts_asked_and_only_those(
    in_process: dict[Administration, AdministrationSource],
    remote: dict[Administration, AdministrationSource],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    parts: EntityParts,
) -> None:
    caller = callers[(owner.partner, "dashboard")]
    ids = sorted(await released_ids(stores.engines[owner], "ENTITY", owner.partner, NOW))[:30]
    whole = await read(caller, lambda p: in_process[owner].entities_by_id(p, ids, parts))
    partial = await read(caller, lambda p: remote[owner].entities_by_id(p, ids, parts))
    assert sorted(partial) == sorted(whole) and len(whole) == len(ids)
    for local_id, record in partial.items():
        complete = whole[local_id]
        assert (record.owner, record.id) == (complete.owner, complete.id)
        for attribute in ENTITY_PARTS:
            value = getattr(record, attribute)
            if attribute not in parts.entity:
                assert value is UNREAD, attribute
            elif attribute != "handling":
                assert value == getattr(complete, attribute), attribute
        if "handling" in parts.entity:
            assert record.handling.owner == complete.handling.owner
            for attribute in HANDLING_PARTS:
                expected = getattr(complete.handling, attribute)
                got = getattr(record.handling, attribute)
                assert got == (expected if attribute in parts.handling else UNREAD), attribute


def test_every_part_is_the_whole_operation_and_fewer_parts_ask_for_fewer_fields() -> None:
    every = entities_by_id(EVERY_PART)
    assert every is ENTITIES_BY_ID
    assert "identifiers" in every and "releasedUnder" in every and "consents" in every
    names = entities_by_id(EntityParts(frozenset({"name"}), frozenset()))
    assert "name" in names and "identifiers" not in names and "handling" not in names
    assert "nameKey" not in names and "description" not in names
    assert entities_by_id(EntityParts(frozenset({"name"}), frozenset())) is names  # built once


def test_a_part_that_is_not_an_entitys_is_refused() -> None:
    with pytest.raises(ValueError, match="not parts of an entity"):
        EntityParts(frozenset({"password"}), frozenset())
    with pytest.raises(ValueError, match="not parts of an entity"):
        EntityParts(frozenset(), frozenset({"name"}))


@pytest.mark.parametrize("scalar", [GraphQLString, GraphQLBoolean, GraphQLInt, GraphQLID])
def test_an_unread_value_cannot_be_served(scalar: object) -> None:
    """A field that reads an attribute its read left unread fails; it never shows a value."""
    with pytest.raises((GraphQLError, TypeError)):
        scalar.serialize(UNREAD)  # type: ignore[attr-defined]
    assert repr(UNREAD) == "UNREAD"


async def _last_audited(stores: SeededStores, owner: Administration) -> list[str]:
    rows = await fetch_all(
        stores.engines[owner], "SELECT record_ids FROM audit_events ORDER BY seq DESC LIMIT 1"
    )
    value = rows[0][0]
    return sorted(orjson.loads(value) if isinstance(value, str) else value)


async def test_the_subgraph_reads_fewer_parts_of_the_same_entities(
    remote: dict[Administration, AdministrationSource],
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
) -> None:
    """Fewer parts change what the owner's subgraph reads beside the entities (identifiers,
    granted consents) and sends back; the entities read, checked and audited are the same."""
    owner = Administration.UZ
    caller = callers[(owner.partner, "dashboard")]
    ids = sorted(await released_ids(stores.engines[owner], "ENTITY", owner.partner, NOW))[:10]
    counts, audited = [], []
    for parts in (EVERY_PART, EntityParts(frozenset({"name"}), frozenset())):
        with counting_statements(subgraphs[owner].engine) as counter:
            found = await read(
                caller, lambda p, parts=parts: remote[owner].entities_by_id(p, ids, parts)
            )
        assert sorted(found) == ids
        counts.append(counter.count)
        audited.append(await _last_audited(stores, owner))
    # Every part: the entities, their identifiers and their granted consents; a name alone:
    # the entities.
    assert counts[0] - counts[1] == 2
    assert audited[0] == audited[1] and len(audited[0]) == len(ids)
    # ... and the second read really was the smaller one.
    assert all(r.description is UNREAD and r.name is not UNREAD for r in found.values())


def test_the_remote_source_knows_a_field_for_every_part() -> None:
    from resolvers.sources.remote.decoding import ENTITY_FIELDS, HANDLING_FIELDS

    assert set(ENTITY_FIELDS) == set(ENTITY_PARTS) - {"handling"}
    assert set(HANDLING_FIELDS) == set(HANDLING_PARTS)
