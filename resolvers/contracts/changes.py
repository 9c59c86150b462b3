"""What changed between two published schemas, and whether it breaks a partner.

graphql-core finds the breaking and dangerous changes of types, fields and arguments, but
ignores applied directives: a field that loses its `@requiresScopes` is, to it, unchanged. The
auth requirements are compared here, on the SDL's AST.

A requirement is a set of alternatives, each a set of scopes (`@requiresScopes(scopes:
[["a", "b"], ["c"]])`: a and b, or c). `@authenticated` is one alternative of no scope: any
token. No directive is no requirement. A requirement is at least as strong as an older one when
each of its alternatives holds every scope of some older alternative. A field's requirement is
its own together with its type's (both must be met), so a requirement moved from a field to its
type is no change.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    StringValueNode,
    build_ast_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
)

Requirement = frozenset[frozenset[str]]
# `@authenticated`: one alternative, no scope.
AUTHENTICATED: Requirement = frozenset({frozenset()})

_TYPES_WITH_REQUIREMENTS = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
)


class Severity(StrEnum):
    BREAKING = "BREAKING"
    DANGEROUS = "DANGEROUS"


class SecurityChange(StrEnum):
    # A requirement gone: the coordinate is open to any caller the gateway admits.
    REQUIREMENT_REMOVED = "SECURITY_REQUIREMENT_REMOVED"
    # Still a requirement, but met by more tokens than before.
    REQUIREMENT_WEAKENED = "SECURITY_REQUIREMENT_WEAKENED"
    # Met by fewer tokens than before: callers that could read it may now be refused.
    REQUIREMENT_STRENGTHENED = "SECURITY_REQUIREMENT_STRENGTHENED"


@dataclass(frozen=True, order=True)
class SchemaChange:
    severity: Severity
    kind: str
    # The schema coordinate the change is about (`Type`, `Type.field`, `Type.field(arg:)`,
    # `@directive`): what a CHANGELOG.md entry names.
    coordinate: str
    description: str

    def line(self) -> str:
        return f"{self.severity.value:<9} {self.kind:<34} {self.coordinate:<40} {self.description}"

    def as_json(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "kind": self.kind,
            "coordinate": self.coordinate,
            "description": self.description,
        }


@dataclass(frozen=True)
class SchemaDiff:
    changes: tuple[SchemaChange, ...]

    @property
    def breaking(self) -> tuple[SchemaChange, ...]:
        return tuple(c for c in self.changes if c.severity is Severity.BREAKING)

    @property
    def dangerous(self) -> tuple[SchemaChange, ...]:
        return tuple(c for c in self.changes if c.severity is Severity.DANGEROUS)


# -- the coordinate of a graphql-core change, from its description ----------------------------

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_COORDINATE_PATTERNS = (
    # Type.field(arg:) and @directive(arg:)
    re.compile(rf"(@?{_NAME}(?:\.{_NAME})?\({_NAME}:\))"),
    # ... removed from union type U. / ... removed from @directive. / ... implemented by T.
    re.compile(rf"(?:union type|from|by) (@?{_NAME})\.$"),
    re.compile(rf"(?:Field|field|Enum value) ({_NAME}\.{_NAME})"),
    re.compile(rf"^Directive (@{_NAME})"),
    re.compile(rf"^(?:Standard scalar )?({_NAME}) (?:was removed|changed from|no longer)"),
    re.compile(rf"({_NAME}\.{_NAME})"),
)


def coordinate_of(description: str) -> str:
    for pattern in _COORDINATE_PATTERNS:
        found = pattern.search(description)
        if found:
            return found.group(1)
    return description


# -- auth requirements --------------------------------------------------------------------------


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, StringValueNode):
        yield value.value
    elif isinstance(value, ListValueNode):
        for item in value.values:
            yield from _strings(item)


def requirement_of(directives: Iterable[Any] | None) -> Requirement | None:
    """The requirement the applied directives state (both present: both must be met)."""
    found: Requirement | None = None
    for directive in directives or ():
        name = directive.name.value
        if name == "authenticated":
            found = conjunction(found, AUTHENTICATED)
        elif name == "requiresScopes":
            argument = next((a for a in directive.arguments if a.name.value == "scopes"), None)
            if argument is None or not isinstance(argument.value, ListValueNode):
                continue
            # A single list (`["a"]`) is coerced to one alternative, as GraphQL coerces it.
            items = argument.value.values
            nested = all(isinstance(item, ListValueNode) for item in items)
            alternatives = (
                frozenset(frozenset(_strings(item)) for item in items)
                if nested
                else frozenset({frozenset(_strings(argument.value))})
            )
            found = conjunction(found, alternatives)
    return found


def conjunction(first: Requirement | None, second: Requirement | None) -> Requirement | None:
    """Both requirements must be met."""
    if first is None:
        return second
    if second is None:
        return first
    return frozenset(a | b for a in first for b in second)


def at_least_as_strong(new: Requirement | None, old: Requirement | None) -> bool:
    """Every token that meets `new` also meets `old`."""
    if old is None:
        return True
    if new is None:
        return False
    return all(any(older <= alternative for older in old) for alternative in new)


def shown(requirement: Requirement | None) -> str:
    if requirement is None:
        return "none"
    if requirement == AUTHENTICATED:
        return "@authenticated"
    alternatives = sorted(sorted(alternative) for alternative in requirement)
    inner = ", ".join("[" + ", ".join(f'"{s}"' for s in a) + "]" for a in alternatives)
    return f"@requiresScopes(scopes: [{inner}])"


def requirements(document: DocumentNode) -> dict[str, Requirement | None]:
    """Coordinate → requirement, for every type that can carry one and each of its fields; a
    field's includes its type's."""
    by_type: dict[str, Requirement | None] = {}
    fields: dict[str, list[tuple[str, Requirement | None]]] = {}
    for definition in document.definitions:
        if not isinstance(definition, _TYPES_WITH_REQUIREMENTS):
            continue
        name = definition.name.value
        by_type[name] = conjunction(by_type.get(name), requirement_of(definition.directives))
        for field in getattr(definition, "fields", None) or ():
            own = requirement_of(field.directives)
            fields.setdefault(name, []).append((field.name.value, own))
    found: dict[str, Requirement | None] = dict(by_type)
    for type_name, type_fields in fields.items():
        for field_name, own in type_fields:
            found[f"{type_name}.{field_name}"] = conjunction(by_type.get(type_name), own)
    return found


def requirement_changes(old: DocumentNode, new: DocumentNode) -> list[SchemaChange]:
    before, after = requirements(old), requirements(new)
    changes: list[SchemaChange] = []
    for coordinate, old_requirement in before.items():
        if coordinate not in after:
            continue  # removed: graphql-core reports that
        new_requirement = after[coordinate]
        parent = coordinate.split(".")[0]
        weakened = not at_least_as_strong(new_requirement, old_requirement)
        if weakened and parent != coordinate and _weakened(before, after, parent):
            continue  # its type's own change says it
        was, now = shown(old_requirement), shown(new_requirement)
        if weakened:
            kind = (
                SecurityChange.REQUIREMENT_REMOVED
                if new_requirement is None
                else SecurityChange.REQUIREMENT_WEAKENED
            )
            changes.append(
                SchemaChange(
                    Severity.BREAKING,
                    kind.value,
                    coordinate,
                    f"{coordinate} required {was}; now {now}.",
                )
            )
        elif not at_least_as_strong(old_requirement, new_requirement):
            changes.append(
                SchemaChange(
                    Severity.DANGEROUS,
                    SecurityChange.REQUIREMENT_STRENGTHENED.value,
                    coordinate,
                    f"{coordinate} required {was}; now {now}.",
                )
            )
    return changes


def _weakened(
    before: dict[str, Requirement | None], after: dict[str, Requirement | None], coordinate: str
) -> bool:
    return coordinate in after and not at_least_as_strong(after[coordinate], before.get(coordinate))


# -- the whole comparison -------------------------------------------------------------------------


def build_published_schema(document: DocumentNode) -> GraphQLSchema:
    # A subgraph's SDL imports its directives by @link, which graphql-core does not know.
    return build_ast_schema(document, assume_valid_sdl=True)


def diff_sdl(old_sdl: str, new_sdl: str) -> SchemaDiff:
    old_document, new_document = parse(old_sdl), parse(new_sdl)
    old_schema = build_published_schema(old_document)
    new_schema = build_published_schema(new_document)
    changes = [
        SchemaChange(
            Severity.BREAKING,
            change.type.name,
            coordinate_of(change.description),
            change.description,
        )
        for change in find_breaking_changes(old_schema, new_schema)
    ]
    changes += [
        SchemaChange(
            Severity.DANGEROUS,
            change.type.name,
            coordinate_of(change.description),
            change.description,
        )
        for change in find_dangerous_changes(old_schema, new_schema)
    ]
    changes += requirement_changes(old_document, new_document)
    return SchemaDiff(tuple(sorted(changes)))


__all__ = [
    "AUTHENTICATED",
    "SchemaChange",
    "SchemaDiff",
    "SecurityChange",
    "Severity",
    "at_least_as_strong",
    "conjunction",
    "coordinate_of",
    "diff_sdl",
    "requirement_changes",
    "requirements",
]
