"""The published SDL: the schemas the code serves, printed sorted so that a file changes only
when the schema does.

graphql-core's `lexicographic_sort_schema` + `print_schema` would lose the applied
`@requiresScopes` / `@authenticated` (its printer prints no applied directive), and they are
half of the contract. So the SDL strawberry prints, applied directives included, is parsed and
its AST sorted the way `lexicographic_sort_schema` sorts a schema: types, fields, arguments,
input fields, enum values, interfaces and union members by name.
"""

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    Node,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    parse,
    print_ast,
)
from strawberry.printer import print_schema

from store.models.domain import Administration

EXCHANGE_FILE = "exchange.graphql"
# Each administration's subgraph SDL; they differ only in what the holder alone serves (its
# cases by name, and the record of its entity references: resolvers.subgraph.schema).
SUBGRAPH_FILES = {
    Administration.US: "subgraph-us.graphql",
    Administration.UZ: "subgraph-uz.graphql",
}
# Release v1 published one subgraph SDL for both administrations, under this name.
SHARED_SUBGRAPH_FILE = "subgraph.graphql"

# Apollo Federation's definitions (federation v2.5), with `String` for its `Scope` scalar: the
# exchange schema is not a subgraph, and its SDL must build on its own, with no @link.
AUTH_DIRECTIVE_DEFINITIONS = '''
"""The caller must be authenticated."""
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM

"""
The caller's token must hold every scope of at least one of the inner lists.
"""
directive @requiresScopes(scopes: [[String!]!]!)
  on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
'''

# The node attributes that hold lists whose order carries no meaning, sorted by name.
_NAMED_LISTS = ("fields", "arguments", "values", "interfaces", "types", "locations")


def _name(node: Any) -> str:
    name = getattr(node, "name", None)
    return str(getattr(name, "value", name) or "")


def _sorted(nodes: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(nodes, key=_name))


SortedNode = TypeVar("SortedNode", bound=Node)


def _sort_node(node: SortedNode) -> SortedNode:
    changes: dict[str, Any] = {}
    for attribute in _NAMED_LISTS:
        value = getattr(node, attribute, None)
        if not value:
            continue
        if attribute == "locations":
            changes[attribute] = tuple(sorted(value, key=lambda location: location.value))
            continue
        children = value if attribute in ("interfaces", "types") else map(_sort_node, value)
        changes[attribute] = _sorted(children)
    directives = getattr(node, "directives", None)
    if directives:
        # Stable: a repeated directive (@key) keeps the order it was declared in.
        changes["directives"] = _sorted(directives)
    return replace(node, **changes) if changes else node


def _definition_order(definition: DefinitionNode) -> tuple[int, str]:
    if isinstance(definition, SchemaDefinitionNode):
        return 0, ""
    if isinstance(definition, DirectiveDefinitionNode):
        return 1, _name(definition)
    if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
        return 2, _name(definition)
    return 3, _name(definition)


def sort_document(document: DocumentNode) -> DocumentNode:
    """The same definitions, in a canonical order: schema, directives, then types by name."""
    definitions = sorted(map(_sort_node, document.definitions), key=_definition_order)
    return replace(document, definitions=tuple(definitions), loc=None)


def canonical_sdl(sdl: str) -> str:
    """`sdl` sorted and printed by graphql-core's printer, one trailing newline."""
    return print_ast(sort_document(parse(sdl, no_location=True))).rstrip("\n") + "\n"


def applied_directive_names(sdl: str) -> set[str]:
    found: set[str] = set()

    def visit(node: Any) -> None:
        for directive in getattr(node, "directives", None) or ():
            found.add(_name(directive))
        for attribute in ("fields", "arguments", "values"):
            for child in getattr(node, attribute, None) or ():
                visit(child)

    for definition in parse(sdl, no_location=True).definitions:
        visit(definition)
    return found


def exchange_sdl(schema: Any = None) -> str:
    """The exchange schema's published SDL: the auth directives it applies are defined in it,
    so any GraphQL tool can build it as it is."""
    if schema is None:
        from resolvers.exchange.schema import build_exchange_schema

        schema = build_exchange_schema()
    return canonical_sdl(AUTH_DIRECTIVE_DEFINITIONS + "\n" + print_schema(schema))


def subgraph_sdl(administration: Administration) -> str:
    """`administration`'s subgraph SDL, as its `_service { sdl }` serves it: a Federation 2
    subgraph, whose directives come from its `@link` import."""
    from resolvers.subgraph.schema import subgraph_schema

    return canonical_sdl(print_schema(subgraph_schema(administration)))


PUBLISHED: dict[str, Callable[[], str]] = {
    EXCHANGE_FILE: exchange_sdl,
    **{
        SUBGRAPH_FILES[administration]: partial(subgraph_sdl, administration)
        for administration in Administration
    },
}


def published_sdls() -> dict[str, str]:
    """File name → SDL, for every schema this project publishes."""
    return {file_name: render() for file_name, render in PUBLISHED.items()}


def published_file(directory: Path, file_name: str) -> Path:
    """Where `directory` (a release) holds the schema published as `file_name`: under that
    name, or, in a release from before the subgraph SDL was published per administration,
    the one subgraph file both administrations served then."""
    path = directory / file_name
    if not path.is_file() and file_name in SUBGRAPH_FILES.values():
        return directory / SHARED_SUBGRAPH_FILE
    return path


__all__ = [
    "AUTH_DIRECTIVE_DEFINITIONS",
    "EXCHANGE_FILE",
    "PUBLISHED",
    "SHARED_SUBGRAPH_FILE",
    "SUBGRAPH_FILES",
    "applied_directive_names",
    "canonical_sdl",
    "exchange_sdl",
    "published_file",
    "published_sdls",
    "sort_document",
    "subgraph_sdl",
]
