"""The committed SDL is the code's, sorted and stable, and each file builds on its own."""

from dataclasses import replace
from pathlib import Path

import pytest
from graphql import (
    FieldDefinitionNode,
    ObjectTypeDefinitionNode,
    build_schema,
    parse,
    print_ast,
)
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


ROOT_TYPES = ("Query", "Mutation")
FEDERATION_FIELDS = {"_entities", "_service"}


def _root_fields(sdl: str) -> dict[tuple[str, str], FieldDefinitionNode]:
    document = parse(sdl, no_location=True)
    return {
        (node.name.value, field.name.value): field
        for node in document.definitions
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value in ROOT_TYPES
        for field in node.fields
        if field.name.value not in FEDERATION_FIELDS
    }


def _directives(field: FieldDefinitionNode) -> set[str]:
    return {directive.name.value for directive in field.directives}


def _shape(field: FieldDefinitionNode) -> str:
    """A field's arguments, type and requirements, whatever its name and description."""
    kept = tuple(d for d in field.directives if d.name.value in {"authenticated", "requiresScopes"})
    return print_ast(
        replace(field, name=replace(field.name, value="_"), description=None, directives=kept)
    )


def _holder_name(administration: Administration, name: str) -> str:
    return f"{administration.value.lower()}{name[0].upper()}{name[1:]}"


def held(sdl: str, administration: Administration) -> set[tuple[str, str]]:
    """(type, field) that only `administration`'s subgraph serves: its entity reference's
    record and the holder-named twin of every shared root field."""
    shared = [key for key, field in _root_fields(sdl).items() if "shareable" in _directives(field)]
    twins = {(type_name, _holder_name(administration, name)) for type_name, name in shared}
    return {(f"{administration.value.capitalize()}Entity", "entity"), *twins}


def _served(sdl: str, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    schema = build_schema(sdl, assume_valid_sdl=True)
    return {(t, f) for t, f in wanted if f in schema.get_type(t).fields}


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


def test_each_subgraph_alone_serves_its_root_fields_by_name_and_its_entity_references(
    code_sdls: dict[str, str],
) -> None:
    """The two subgraph SDLs differ only there: a router in front of both sends `usCases` to
    the US, and fetches a US-held entity from the US subgraph (and the same for UZ)."""
    sdls = {a: code_sdls[SUBGRAPH_FILES[a]] for a in Administration}
    holds = {a: held(sdls[a], a) for a in Administration}
    every = holds[Administration.US] | holds[Administration.UZ]
    assert ("Query", "usCases") in holds[Administration.US]
    assert ("Mutation", "uzSubmitAssistanceRequest") in holds[Administration.UZ]
    for administration, sdl in sdls.items():
        assert _served(sdl, every) == holds[administration]
    assert _without(sdls[Administration.US], every) == _without(sdls[Administration.UZ], every)


@pytest.mark.parametrize("administration", list(Administration))
def test_every_shared_root_field_is_hidden_from_routers_and_has_the_holders_twin(
    administration: Administration, code_sdls: dict[str, str]
) -> None:
    """A shared root field is one administration's own records or procedure: @inaccessible,
    so a router in front of both never plans it across both; its holder-named twin takes the
    same arguments, returns the same type and needs the same scopes."""
    fields = _root_fields(code_sdls[SUBGRAPH_FILES[administration]])
    shared = {key: f for key, f in fields.items() if "shareable" in _directives(f)}
    assert len(shared) >= 20
    for (type_name, name), field in shared.items():
        assert "inaccessible" in _directives(field), name
        twin = fields[(type_name, _holder_name(administration, name))]
        assert not {"inaccessible", "shareable"} & _directives(twin)
        assert _shape(twin) == _shape(field)
    assert set(fields) == set(shared) | {(t, _holder_name(administration, n)) for t, n in shared}
