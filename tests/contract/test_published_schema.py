"""The committed SDL is the code's, sorted and stable, and each file builds on its own."""

from dataclasses import replace
from pathlib import Path

import pytest
from graphql import ObjectTypeDefinitionNode, build_schema, parse, print_ast
from strawberry.printer import print_schema

from gateway.cli import main
from resolvers.contracts.changes import requirements
from resolvers.contracts.sdl import (
    EXCHANGE_FILE,
    PUBLISHED,
    SUBGRAPH_FILES,
    applied_directive_names,
    canonical_sdl,
    published_sdls,
)
from resolvers.exchange.schema import build_exchange_schema
from resolvers.subgraph.schema import subgraph_schema
from store.models.domain import Administration
from tests.contract.conftest import ROOT

SCHEMA_DIR = ROOT / "schema"


@pytest.fixture(scope="module")
def code_sdls() -> dict[str, str]:
    return published_sdls()


@pytest.mark.parametrize("file_name", list(PUBLISHED))
def test_the_committed_sdl_is_the_codes(file_name: str, code_sdls: dict[str, str]) -> None:
    committed = (SCHEMA_DIR / file_name).read_text(encoding="utf-8")
    assert committed == code_sdls[file_name], (
        f"schema/{file_name} is not the schema the code serves: run `cmaa schema export` "
        "and commit the result (and record any breaking change in CHANGELOG.md)"
    )


@pytest.mark.parametrize("file_name", list(PUBLISHED))
def test_the_sdl_is_sorted_and_printing_it_again_changes_nothing(
    file_name: str, code_sdls: dict[str, str]
) -> None:
    sdl = code_sdls[file_name]
    assert canonical_sdl(sdl) == sdl
    assert published_sdls()[file_name] == sdl


def test_the_exchange_sdl_defines_the_directives_it_applies(code_sdls: dict[str, str]) -> None:
    sdl = code_sdls[EXCHANGE_FILE]
    assert "requiresScopes" in applied_directive_names(sdl)
    # graphql-core builds it with no help: every directive it applies is defined in it.
    schema = build_schema(sdl)
    requires = schema.get_directive("requiresScopes")
    assert requires is not None
    assert str(requires.args["scopes"].type) == "[[String!]!]!"
    assert schema.get_directive("authenticated") is not None


@pytest.mark.parametrize("administration", list(Administration))
def test_the_subgraph_sdl_is_a_federation_2_subgraph(
    administration: Administration, code_sdls: dict[str, str]
) -> None:
    sdl = code_sdls[SUBGRAPH_FILES[administration]]
    assert sdl.startswith('schema @link(url: "https://specs.apollo.dev/federation/v2.5"')
    assert {"key", "requiresScopes", "authenticated"} <= applied_directive_names(sdl)
    schema = build_schema(sdl, assume_valid_sdl=True)
    assert schema.query_type is not None
    assert {"_entities", "_service"} <= set(schema.query_type.fields)


def test_sorting_keeps_every_requirement_where_it_was(code_sdls: dict[str, str]) -> None:
    unsorted = {
        EXCHANGE_FILE: print_schema(build_exchange_schema()),
        **{
            SUBGRAPH_FILES[administration]: print_schema(subgraph_schema(administration))
            for administration in Administration
        },
    }
    for file_name, printed in unsorted.items():
        found = requirements(parse(code_sdls[file_name]))
        assert found == requirements(parse(printed))
        assert sum(requirement is not None for requirement in found.values()) > 10


def test_schema_export_writes_the_published_files(
    tmp_path: Path, code_sdls: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "export", "--out", str(tmp_path / "out")]) == 0
    for file_name, sdl in code_sdls.items():
        assert (tmp_path / "out" / file_name).read_text(encoding="utf-8") == sdl
    assert "exchange.graphql" in capsys.readouterr().out


# What only one administration's subgraph serves: (type, field).
HELD = {
    Administration.US: {("UsEntity", "entity"), ("Query", "usCases")},
    Administration.UZ: {("UzEntity", "entity"), ("Query", "uzCases")},
}


def _served(sdl: str, held: set[tuple[str, str]]) -> set[tuple[str, str]]:
    schema = build_schema(sdl, assume_valid_sdl=True)
    return {(t, f) for t, f in held if f in schema.get_type(t).fields}


def _without(sdl: str, held: set[tuple[str, str]]) -> str:
    document = parse(sdl, no_location=True)
    definitions = [
        replace(
            node,
            fields=tuple(f for f in node.fields if (node.name.value, f.name.value) not in held),
        )
        if isinstance(node, ObjectTypeDefinitionNode)
        else node
        for node in document.definitions
    ]
    return print_ast(replace(document, definitions=tuple(definitions)))


def test_each_subgraph_alone_serves_its_cases_by_name_and_its_entity_references(
    code_sdls: dict[str, str],
) -> None:
    """The two subgraph SDLs differ only there: a router in front of both sends `usCases` to
    the US, and fetches a US-held entity from the US subgraph (and the same for UZ)."""
    every = HELD[Administration.US] | HELD[Administration.UZ]
    sdls = {a: code_sdls[SUBGRAPH_FILES[a]] for a in Administration}
    for administration, sdl in sdls.items():
        assert _served(sdl, every) == HELD[administration]
    assert _without(sdls[Administration.US], every) == _without(sdls[Administration.UZ], every)
