"""Each of the agreement's procedures is declared once, and every part that carries it is
derived from that declaration.

A procedure is a call of the source interface (resolvers/sources/base.py), its persistence
(resolvers/sources/in_process/changes.py) and its GraphQL root field
(resolvers/vocabulary/procedures.py; the steps of a request, which the two schemas shape
differently by design, in resolvers/exchange/mutations.py and resolvers/subgraph/mutations.py).
Nothing else names it: the transports carry any call the same way.
"""

import re
from pathlib import Path

from graphql import GraphQLObjectType

from resolvers.exchange.schema import build_exchange_schema
from resolvers.sources.base import PROCEDURES, Procedure
from resolvers.sources.in_process.changes import PERSISTED
from resolvers.subgraph.schema import subgraph_schema
from resolvers.vocabulary.procedures import PROCEDURE_FIELDS
from store.models.domain import Administration

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("resolvers", "gateway", "auth", "store")


def _every_procedure() -> set[type[Procedure[object]]]:
    found: set[type[Procedure[object]]] = set()
    waiting: list[type[Procedure[object]]] = list(Procedure.__subclasses__())
    while waiting:
        kind = waiting.pop()
        found.add(kind)
        waiting.extend(kind.__subclasses__())
    return found


def test_the_interface_lists_every_procedure_it_declares() -> None:
    assert set(PROCEDURES) == _every_procedure()
    assert len({kind.field for kind in PROCEDURES}) == len(PROCEDURES)


def test_every_procedure_has_its_persistence() -> None:
    assert set(PERSISTED) == set(PROCEDURES)


def test_every_procedure_is_a_mutation_of_each_subgraph_with_its_scope() -> None:
    for administration in Administration:
        schema = subgraph_schema(administration)
        mutation = schema._schema.mutation_type
        assert isinstance(mutation, GraphQLObjectType)
        sdl = schema.as_str()
        for kind in PROCEDURES:
            assert kind.field in mutation.fields, kind.__name__
            declared = re.search(rf"^  {kind.field}\(.*$", sdl, re.MULTILINE)
            assert declared is not None
            assert f'@requiresScopes(scopes: [["{kind.scope}"]])' in declared.group(0)


def test_each_declared_field_is_in_both_schemas_with_its_procedures_scope() -> None:
    exchange = build_exchange_schema().as_str()
    subgraph = subgraph_schema(Administration.US).as_str()
    for declared in PROCEDURE_FIELDS:
        name = declared.procedure.field
        for sdl in (exchange, subgraph):
            line = re.search(rf"^  {name}\(.*$", sdl, re.MULTILINE)
            assert line is not None, name
            assert f'@requiresScopes(scopes: [["{declared.scope}"]])' in line.group(0)


def _modules_naming(*names: str) -> set[str]:
    pattern = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in names))
    return {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if pattern.search(path.read_text())
    }


def test_a_procedure_is_named_in_at_most_three_modules() -> None:
    """Its persistence's name and its GraphQL name: the interface, the persistence and the one
    GraphQL declaration (or, for a step of a request, the one schema that has it)."""
    for kind in PROCEDURES:
        names = (PERSISTED[kind].write.__name__, kind.field)
        assert len(_modules_naming(*names)) <= 3, (names, _modules_naming(*names))
