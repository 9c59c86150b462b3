"""What an exchange operation reads of the entities it reads by id
(resolvers.selection)."""

import pytest
from graphql import parse

from resolvers.exchange.schema import build_exchange_schema
from resolvers.selection import entity_parts
from resolvers.sources.parts import EVERY_PART, EntityParts


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    return build_exchange_schema()._schema


def parts(entity: set[str], handling: set[str] = set()) -> EntityParts:  # noqa: B006
    return EntityParts(frozenset(entity), frozenset(handling))


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("{ cases(first: 5) { edges { node { id title } } } }", parts(set())),
        ("{ cases(first: 5) { edges { node { parties { role } } } } }", parts(set())),
        (
            "{ cases { edges { node { parties { entity { __typename id owner name } } } } } }",
            parts({"name"}),
        ),
        (
            "{ entity(id: 1) { ...E } } fragment E on Entity { kind identifiers { value } }",
            parts({"kind", "identifiers"}),
        ),
        (
            "{ node(id: 1) { id ... on Entity { handling { tlp releasedUnder { id } } } } }",
            parts({"handling"}, {"tlp", "released_under"}),
        ),
        (
            # A case's handling counts too: the handling parts are those of any Handling.
            "{ cases { edges { node { handling { marking } "
            "parties { entity { handling { tlp } } } } } } }",
            parts({"handling"}, {"marking", "tlp"}),
        ),
        ("{ entity(id: 1) { name matches { strength } } }", EVERY_PART),
        (
            # A mutation (confirmEntityMatch checks the partner's entity is visible to it).
            'mutation { confirmEntityMatch(entityId: "a", partnerEntityId: "b", reason: "r", '
            'idempotencyKey: "k") { id } }',
            EVERY_PART,
        ),
    ],
)
def test_the_parts_an_operation_reads(schema, operation: str, expected: EntityParts) -> None:  # type: ignore[no-untyped-def]
    assert entity_parts(schema, parse(operation)) == expected
